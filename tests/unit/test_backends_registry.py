"""The spec-string registry and the fake backend."""

import subprocess
import sys
from pathlib import Path

import pytest

from wizardarena.backends import ChatModel, ChatRequest, Decoding, LogprobModel, load_model
from wizardarena.backends.fake import FakeModel
from wizardarena.backends.registry import BACKENDS, parse_spec
from wizardarena.errors import InputError, MissingExtraError

ROOT = Path(__file__).resolve().parents[2]


def _requests(n: int = 3) -> list[ChatRequest]:
    return [ChatRequest(f"p{i}", 0, ({"role": "user", "content": f"question {i}"},)) for i in range(n)]


@pytest.mark.parametrize("spec, expected", [
    ("hf:/models/tiny", ("hf", "/models/tiny")),
    ("hf:Qwen/Qwen2-0.5B-Instruct", ("hf", "Qwen/Qwen2-0.5B-Instruct")),
    ("openai:meta/llama-3:8b@http://127.0.0.1:8000/v1",
     ("openai", "meta/llama-3:8b@http://127.0.0.1:8000/v1")),
    ("answers:data/answers#gpt-4", ("answers", "data/answers#gpt-4")),
    ("fake:strong", ("fake", "strong")),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


def test_unknown_prefix_suggests_the_closest_and_lists_known():
    with pytest.raises(InputError) as err:
        load_model("hg:/models/tiny")
    message = str(err.value)
    assert "did you mean 'hf:'" in message
    assert all(f"{prefix}:" in message for prefix in BACKENDS)
    assert "\n" not in message


def test_spec_without_prefix_or_path_is_an_input_error():
    with pytest.raises(InputError, match="no backend prefix"):
        load_model("gpt-4")
    with pytest.raises(InputError, match="missing its PATH_OR_ID"):
        load_model("hf:")
    with pytest.raises(InputError, match="missing its NAME"):
        load_model("fake:  ")


def test_options_pass_through_none_is_dropped_unknown_rejected():
    assert load_model("fake:x", device=None).spec == "fake:x"
    with pytest.raises(InputError, match="does not take option.*device"):
        load_model("fake:x", device="cpu")
    with pytest.raises(InputError, match="does not take option.*batch_size.*it takes: api_key_env"):
        load_model("openai:m@http://127.0.0.1:1/v1", batch_size=4)


def test_load_model_imports_only_the_named_backend():
    code = ("import sys; from wizardarena.backends import load_model; load_model('fake:x'); "
            "import wizardarena; "
            "heavy = ('torch', 'transformers', 'vllm', 'wizardarena.backends.hf'); "
            "bad = [m for m in heavy if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # makes `import vllm` raise ImportError
    with pytest.raises(MissingExtraError, match=r"vllm is not installed: pip install 'wizardarena\[vllm\]'"):
        load_model("vllm:/models/tiny")
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(MissingExtraError, match=r"wizardarena\[hf\]"):
        load_model("hf:/models/tiny")


def test_fake_model_is_a_deterministic_chat_and_logprob_model():
    strong, weak = load_model("fake:strong"), load_model("fake:weak")
    assert isinstance(strong, ChatModel) and isinstance(strong, LogprobModel)
    decoding = Decoding(max_new_tokens=200)
    a = strong.generate(_requests(), decoding)
    assert a == FakeModel("strong").generate(_requests(), decoding)
    assert len(set(a)) == 3
    assert strong.generate(_requests(), Decoding(max_new_tokens=200, seed=1)) == a  # greedy: no seed in it
    sampled = strong.generate(_requests(), Decoding(temperature=0.7, max_new_tokens=200, seed=0))
    assert strong.generate(_requests(), Decoding(temperature=0.7, max_new_tokens=200, seed=1)) != sampled
    b = weak.generate(_requests(), decoding)
    assert sum(map(len, a)) > 2 * sum(map(len, b))
    short = weak.generate(_requests(), Decoding(max_new_tokens=5))
    assert all(len(reply.split()) <= 5 + 1 for reply in short)  # 5 words + the "[weak]" tag


def test_fake_first_token_logprobs_is_a_distribution():
    import math

    model = FakeModel("judge")
    [scores] = model.first_token_logprobs(_requests(1), ["1", "2", "A"])
    assert set(scores) == {"1", "2", "A"}
    assert math.isclose(sum(math.exp(v) for v in scores.values()), 1.0)
    assert model.first_token_logprobs(_requests(1), ["1", "2", "A"]) == [scores]
