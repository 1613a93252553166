"""The OpenAI-compatible client against a real local HTTP server (127.0.0.1, no network)."""

import socket
import time

import pytest

from fixtures.openai_server import EchoModel, ServerStats, serve_model
from wizardarena.backends import ChatRequest, Decoding, load_model
from wizardarena.backends.base import BackendError
from wizardarena.backends.fake import FakeModel
from wizardarena.backends.openai import OpenAIModel, from_spec
from wizardarena.errors import InputError

SECRET = "sk-test-0123456789-SECRET"


def _requests(n):
    return [ChatRequest(f"p{i}", 0, ({"role": "user", "content": f"q{i}"},)) for i in range(n)]


def _client(base_url, **options):
    options = {"backoff": 0.001, "api_key_env": "WA_TEST_KEY", **options}
    return load_model(f"openai:test-model@{base_url}", **options)


@pytest.fixture(autouse=True)
def _api_key(monkeypatch):
    monkeypatch.setenv("WA_TEST_KEY", SECRET)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_spec_parsing_keeps_slashes_and_colons_in_the_model():
    model = from_spec("meta-llama/Llama-3:8b@http://127.0.0.1:8000/v1/")
    assert (model.model, model.base_url) == ("meta-llama/Llama-3:8b", "http://127.0.0.1:8000/v1")
    with pytest.raises(InputError, match="MODEL@BASE_URL"):
        from_spec("gpt-4")


def test_generate_in_order_with_settings_and_bearer_key():
    stats = ServerStats()
    with serve_model(EchoModel(), stats=stats) as url:
        replies = _client(url).generate(_requests(10), Decoding(temperature=0.5, max_new_tokens=77, seed=9))
    assert replies == [f"echo q{i}" for i in range(10)]
    assert set(stats.authorizations) == {f"Bearer {SECRET}"}
    body = stats.bodies[0]
    assert (body["model"], body["temperature"], body["max_tokens"], body["seed"], body["top_p"]) == \
        ("test-model", 0.5, 77, 9, 1.0)


def test_no_key_in_environment_sends_no_authorization(monkeypatch):
    monkeypatch.delenv("WA_TEST_KEY")
    stats = ServerStats()
    with serve_model(EchoModel(), stats=stats) as url:
        _client(url).generate(_requests(1), Decoding())
    assert stats.authorizations == [None]


@pytest.mark.parametrize("status", [503, 429, 500])
def test_retries_transient_errors_then_succeeds(status):
    stats = ServerStats()
    with serve_model(EchoModel(), fail_first=3, fail_status=status, stats=stats) as url:
        replies = _client(url, max_concurrency=1).generate(_requests(2), Decoding())
    assert replies == ["echo q0", "echo q1"]
    assert stats.requests == 5


def test_retry_after_is_honoured():
    with serve_model(EchoModel(), fail_first=1, fail_status=429, retry_after=0.3) as url:
        start = time.perf_counter()
        _client(url).generate(_requests(1), Decoding())
    assert time.perf_counter() - start >= 0.3


def test_gives_up_after_bounded_retries():
    stats = ServerStats()
    with serve_model(EchoModel(), fail_first=100, stats=stats) as url:
        with pytest.raises(BackendError, match="after 3 attempts.*HTTP 503: injected failure"):
            _client(url, max_retries=2).generate(_requests(1), Decoding())
    assert stats.requests == 3


def test_client_error_fails_at_once_with_the_server_message():
    stats = ServerStats()
    with serve_model(EchoModel(), stats=stats) as url:
        with pytest.raises(BackendError, match="HTTP 404.*model `other` does not exist"):
            load_model(f"openai:other@{url}", backoff=0.001).generate(_requests(1), Decoding())
    assert stats.requests == 1


def test_unreachable_server_is_one_line_naming_the_url_not_the_key():
    url = f"http://127.0.0.1:{_free_port()}/v1"
    client = _client(url, max_retries=1)
    with pytest.raises(BackendError) as err:
        client.generate(_requests(2), Decoding())
    message = str(err.value)
    assert f"{url}/chat/completions" in message and "Connection refused" in message
    assert "\n" not in message and SECRET not in message


def test_key_never_appears_in_errors_or_repr():
    # A server that echoes the key back in its error text must not get it into our message.
    with serve_model(EchoModel(), fail_first=1, fail_status=401, fail_message=f"bad key {SECRET}") as url:
        client = _client(url)
        with pytest.raises(BackendError) as err:
            client.generate(_requests(1), Decoding())
    assert SECRET not in str(err.value) and "bad key ***" in str(err.value)
    assert SECRET not in repr(client) and SECRET not in str(vars(err.value))
    assert SECRET not in repr(OpenAIModel("m", "http://127.0.0.1:1/v1", api_key_env="WA_TEST_KEY"))


def test_concurrency_is_bounded():
    stats = ServerStats()
    with serve_model(EchoModel(), delay=0.05, stats=stats) as url:
        _client(url, max_concurrency=3).generate(_requests(12), Decoding())
    assert 2 <= stats.max_in_flight <= 3


def test_first_token_logprobs_through_the_server():
    stats = ServerStats()
    judge = FakeModel("judge")
    with serve_model(judge, stats=stats) as url:
        scores = _client(url).first_token_logprobs(_requests(2), ["1", "2", "10", "A", "not-a-token"])
    assert [set(s) for s in scores] == [{"1", "2", "10", "A"}] * 2
    assert all(v <= 0 for s in scores for v in s.values())
    body = stats.bodies[0]
    settings = (body["max_tokens"], body["logprobs"], body["top_logprobs"], body["temperature"])
    assert settings == (1, True, 20, 0.0)
    assert "allowed_token_ids" not in body  # no /tokenize on this server: the plain top-20 request


def test_a_vllm_server_gets_the_candidates_token_ids():
    stats = ServerStats()
    # " 2" is missing: the server spells it with two tokens, so it is no single-token form of "2".
    token_ids = {"1": 11, " 1": 12, "2": 13, "10": 14, " 10": 14, "A": 15}
    with serve_model(FakeModel("judge"), stats=stats, token_ids=token_ids) as url:
        client = _client(url)
        scores = client.first_token_logprobs(_requests(2), ["1", "2", "10", "A", "not-a-token"])
        client.first_token_logprobs(_requests(1), ["1", "2", "10", "A", "not-a-token"])
    assert [body["allowed_token_ids"] for body in stats.bodies] == [[11, 12, 13, 14, 15]] * 3
    assert [body["top_logprobs"] for body in stats.bodies] == [5] * 3
    assert [set(s) for s in scores] == [{"1", "2", "10", "A"}] * 2
    assert client._token_ids == {("1", "2", "10", "A", "not-a-token"): {"1": [11, 12], "2": [13], "10": [14],
                                                                         "A": [15]}}
