"""``openai:MODEL@URL?replicas=URL2,URL3``: one model served by several endpoints, against real local
servers (127.0.0.1, no network)."""

import contextlib
import json
import socket

import pytest
from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import EchoModel, ServerStats, serve_model
from wizardarena.backends import ChatRequest, Decoding
from wizardarena.backends.base import BackendError
from wizardarena.backends.fake import FakeModel
from wizardarena.backends.openai import check_url, redact  # still importable from their old home
from wizardarena.backends.secrets import check_url as moved_check_url
from wizardarena.cli.main import _register, cli
from wizardarena.errors import InputError
from wizardarena.refs import resolve_judge, resolve_model

SECRET = "sk-test-0123456789-SECRET"
_register()


def _requests(n):
    return [ChatRequest(f"p{i}", 0, ({"role": "user", "content": f"q{i}"},)) for i in range(n)]


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@contextlib.contextmanager
def _servers(n, model=None, **options):
    """``n`` servers of one model: (their URLs, their stats)."""
    stats = [ServerStats() for _ in range(n)]
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve_model(model or EchoModel(), stats=s, **options)) for s in stats]
        yield urls, stats


@pytest.fixture(autouse=True)
def _api_key(monkeypatch):
    monkeypatch.setenv("WA_TEST_KEY", SECRET)


def _client(urls, **options):
    spec = f"openai:test-model@{urls[0]}?replicas={','.join(urls[1:])}&api_key_env=WA_TEST_KEY"
    return resolve_model(spec).load(backoff=0.001, **options)


def test_requests_go_round_the_endpoints_in_turn_and_come_back_in_order():
    with _servers(3) as (urls, stats):
        client = _client(urls, max_concurrency=2)
        replies = client.generate(_requests(12), Decoding())
        replies += client.generate(_requests(1), Decoding())  # the turn carries over to the next call
    assert replies == [f"echo q{i}" for i in range(12)] + ["echo q0"]
    assert [s.requests for s in stats] == [5, 4, 4]
    assert all(set(s.authorizations) == {f"Bearer {SECRET}"} for s in stats)
    assert client.endpoints == tuple(urls) and client.base_url == urls[0]
    assert sum(s.max_in_flight for s in stats) <= 2 * 3  # max_concurrency is per endpoint


def test_max_concurrency_is_per_endpoint_against_limited_servers():
    with _servers(2, delay=0.1, parallel=2) as (urls, stats):
        _client(urls, max_concurrency=2).generate(_requests(16), Decoding())
    assert [s.requests for s in stats] == [8, 8]
    # 4 threads for 2 endpoints: more calls in flight at once than one endpoint's share
    assert sum(s.max_in_flight for s in stats) >= 3


def test_a_dead_replica_is_refused_up_front_by_ping_in_one_line(tmp_path):
    dead = _closed_port_url()
    with _servers(1) as (urls, stats):
        client = _client([*urls, dead])
        with pytest.raises(BackendError) as err:
            client.ping()
        result = CliRunner().invoke(cli, ["eval", *store_beside_out([
            "--model", "a=fake:a", "--model", "b=fake:b", "--judge", f"openai:test-model@{urls[0]}?replicas={dead}",
            "--testset", "wizardarena-hard", "--limit", "2", "--out", tmp_path / "out"])], catch_exceptions=False)
    assert f"openai:test-model@{urls[0]}: replica {dead} is unreachable" in str(err.value)
    assert "\n" not in str(err.value) and SECRET not in str(err.value)
    assert result.exit_code == 3 and len(result.output.strip().splitlines()) == 1 and dead in result.output
    assert stats[0].requests == 0 and not (tmp_path / "out").exists()


def test_a_replica_failing_mid_run_has_its_calls_retried_on_the_others():
    with contextlib.ExitStack() as stack:
        good = [ServerStats(), ServerStats()]
        bad = ServerStats()
        urls = [stack.enter_context(serve_model(EchoModel(), stats=s)) for s in good]
        urls.append(stack.enter_context(serve_model(EchoModel(), stats=bad, fail_after=2, fail_status=503)))
        replies = _client(urls, max_concurrency=1, max_retries=1).generate(_requests(30), Decoding())
    assert replies == [f"echo q{i}" for i in range(30)]
    assert bad.requests == 10 and len(bad.bodies) == 2  # its turn every third call; it answered two
    assert sum(s.requests for s in good) == 20 + 8  # their own share and the bad one's failed calls


def test_a_failure_on_every_endpoint_names_them():
    dead = [_closed_port_url(), _closed_port_url()]
    client = resolve_model(f"openai:m@{dead[0]}?replicas={dead[1]}").load(backoff=0.001, max_retries=2)
    with pytest.raises(BackendError, match=r"gave up on 2 endpoints \(last http://127.0.0.1:\d+/v1/chat"):
        client.generate(_requests(1), Decoding())


def test_replicas_are_a_runtime_option_spelt_once_and_checked():
    base = "openai:judge@http://h1:8000/v1"
    spelt = resolve_model(f"{base}?replicas= HTTP://H2:8000/v1/ ,http://h3:8000/v1")
    assert spelt.spec == f"{base}?replicas=http://h2:8000/v1,http://h3:8000/v1"
    assert spelt.identity == resolve_model(base).identity
    assert resolve_judge(spelt.spec).id == resolve_judge(base).id == resolve_judge(f"{base}?max_concurrency=64").id
    assert resolve_model(f"{base}?replicas=").spec == base
    with pytest.raises(InputError) as caught:
        resolve_model(f"{base}?replicas=http://me:{SECRET}@h2:8000/v1")
    assert SECRET not in str(caught.value) and "***@" in str(caught.value)
    with pytest.raises(InputError, match="given twice"):
        resolve_model(f"{base}?replicas=http://h2:8000/v1,http://H1:8000/v1/")
    with pytest.raises(InputError, match="not a server URL"):
        resolve_model(f"{base}?replicas=h2:8000")
    assert check_url is moved_check_url and redact("http://a:b@h") == "http://***@h"


def test_adding_a_replica_reuses_every_stored_judgment(tmp_path):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"Question {k}?"]}) + "\n" for k in range(3)))
    args = ["--model", "a=fake:a", "--model", "b=fake:b", "--testset", testset, "--out", tmp_path / "out",
            "--judge-mode", "logprob"]
    with _servers(2, FakeModel("judge")) as (urls, stats):
        first = CliRunner().invoke(cli, ["eval", *store_beside_out([*args, "--judge", f"openai:test-model@{urls[0]}"])])
        asked = stats[0].requests
        again = CliRunner().invoke(cli, ["eval", *store_beside_out(
            [*args, "--judge", f"openai:test-model@{urls[0]}?replicas={urls[1]}"])])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert asked > 0 and stats[0].requests == asked and stats[1].requests == 0
    assert "model calls this run: 0" in again.output
