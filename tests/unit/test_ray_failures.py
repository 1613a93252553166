"""The Ray engine's failure rules, without Ray: a failing judge batch is retried, then judged game by game,
and a game that still fails is recorded invalid, never dropped; a bad or dead cluster address is refused
with one line at once."""

import http.server
import socket
import threading
import time

import pytest

from wizardarena.arena.ray_address import check_reachable
from wizardarena.arena.ray_engine import ATTEMPTS, _with_retries
from wizardarena.backends.base import BackendError
from wizardarena.errors import InputError
from wizardarena.judge.base import Game


class _FlakyJudge:
    id = "judge-id"

    def __init__(self, broken: set[str], batch_failures: int):
        self.broken, self.batch_failures, self.tries = broken, batch_failures, 0

    def judge(self, games):
        self.tries += 1
        if len(games) > 1 and self.batch_failures:
            self.batch_failures -= 1
            raise ConnectionError("endpoint gone")
        if any(g.prompt["id"] in self.broken for g in games):
            raise TimeoutError("no reply")
        return [{"prompt_id": g.prompt["id"], "valid": True} for g in games]


def _games(*ids):
    return [Game({"id": i, "turns": ["q"]}, "a", "b", ["x"], ["y"], False) for i in ids]


def test_a_batch_that_fails_once_is_retried_whole():
    judge = _FlakyJudge(set(), batch_failures=1)
    assert [j["prompt_id"] for j in _with_retries(judge, _games("p1", "p2"))] == ["p1", "p2"]
    assert judge.tries == 2


def test_a_game_that_keeps_failing_is_recorded_invalid_in_its_place():
    judge = _FlakyJudge({"p2"}, batch_failures=0)
    out = _with_retries(judge, _games("p1", "p2", "p3"))
    assert [j["prompt_id"] for j in out] == ["p1", "p2", "p3"]
    assert [j["valid"] for j in out] == [True, False, True]
    assert out[1]["judge"] == "judge-id" and "TimeoutError" in out[1]["raw"] and out[1]["winner"] is None
    assert judge.tries == ATTEMPTS + 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("address, error, words", [
    ("ray://10.0.0.1:10001", InputError, "does not run through Ray Client"),
    ("head-without-port", InputError, "expected HOST:PORT"),
    ("10.0.0.1:99999", InputError, "expected HOST:PORT"),
])
def test_a_malformed_or_client_address_is_refused_before_any_connection(address, error, words):
    with pytest.raises(error, match=words):
        check_reachable(address)


def test_a_dead_or_foreign_address_is_refused_at_once_not_after_rays_retries():
    started = time.monotonic()
    with pytest.raises(BackendError, match="cannot reach the Ray cluster .* refused"):
        check_reachable(f"127.0.0.1:{_closed_port()}")
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(BackendError, match="answers, but not as a Ray cluster"):
            check_reachable(f"127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert time.monotonic() - started < 10  # Ray's own retries take minutes
    check_reachable(None)  # no address: a local instance, nothing to probe
    check_reachable("auto")


def test_eval_with_a_dead_ray_address_exits_3_with_one_line_and_writes_nothing(tmp_path):
    from click.testing import CliRunner

    from wizardarena.cli.main import _register, cli

    _register()
    port = _closed_port()
    result = CliRunner().invoke(cli, ["eval", "--model", "fake:a", "--model", "fake:b", "--judge", "fake:judge",
                                      "--judge-mode", "logprob", "--testset", "wizardarena-hard", "--limit", "2",
                                      "--engine", "ray", "--ray-address", f"127.0.0.1:{port}",
                                      "--out", str(tmp_path / "out"), "--store", str(tmp_path / "arena.sqlite")])
    assert result.exit_code == 3, result.output
    assert result.output.strip().splitlines() == [
        f"error: --engine ray: cannot reach the Ray cluster at 127.0.0.1:{port} (Connection refused)"]
    assert not (tmp_path / "out").exists()
