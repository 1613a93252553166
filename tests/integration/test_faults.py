"""Faults a cluster user meets, against a real judge server on 127.0.0.1: each case with the bound on time
and calls it must meet, and the API key absent from every byte of output."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import ServerStats, serve_model
from wizardarena.arena.pipeline import EvalConfig
from wizardarena.backends.base import BackendError, ChatRequest, Decoding
from wizardarena.backends.openai import OpenAIModel
from wizardarena.cli.main import _register, cli
from wizardarena.errors import InputError
from wizardarena.refs import Contestant, answer_key, resolve_model
from wizardarena.store import ArenaStore

_register()
SECRET = "sk-test-0123456789abcdef"
PROMPTS = [{"id": f"q{k}", "turns": [f"Question {k}?"]} for k in range(3)]


class Scoring:
    """A text judge: 'Score A: 7 / Score B: 4', or no scores at all while ``mute``."""

    spec = "scoring"

    def __init__(self, mute: bool = False):
        self.mute = mute

    def generate(self, requests, decoding):
        return ["I cannot decide." if self.mute else "Fine.\nScore A: 7\nScore B: 4" for _ in requests]


def _request():
    return [ChatRequest("p", 0, ({"role": "user", "content": "hi"},))]


def _client(url, **options):
    return OpenAIModel("test-model", url, backoff=0.05, max_backoff=0.2, **options)


def _testset(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    return path


def _eval(*args, env=None):
    return CliRunner(env=env).invoke(cli, ["eval", *store_beside_out(args)], catch_exceptions=False)


def test_a_hanging_server_gives_up_within_the_retry_budget():
    stats = ServerStats()
    with serve_model(Scoring(), delay=3.0, stats=stats) as url:
        start = time.monotonic()
        with pytest.raises(BackendError, match="within 1.5 s"):
            _client(url, timeout=0.4, retry_budget=1.5, max_retries=20).generate(_request(), Decoding())
        took = time.monotonic() - start
    assert took < 3.0 and stats.requests <= 4  # about budget / timeout attempts, never the 20 allowed


def test_server_errors_and_cut_replies_are_retried_within_bounds():
    for faults, expected in (({"fail_first": 2, "fail_status": 500}, 3), ({"truncate_first": 2}, 3),
                             ({"fail_first": 1, "fail_status": 429}, 2)):
        stats = ServerStats()
        with serve_model(Scoring(), stats=stats, **faults) as url:
            reply = _client(url, max_retries=4).generate(_request(), Decoding())
        assert reply[0].endswith("Score B: 4") and stats.requests == expected, faults
    stats = ServerStats()
    with serve_model(Scoring(), stats=stats, fail_first=10, fail_status=500) as url:
        with pytest.raises(BackendError, match="after 3 attempts"):
            _client(url, max_retries=2).generate(_request(), Decoding())
    assert stats.requests == 3


def test_retry_after_is_honoured_and_bounded():
    with serve_model(Scoring(), fail_first=1, fail_status=429, retry_after=1) as url:
        start = time.monotonic()
        OpenAIModel("test-model", url).generate(_request(), Decoding())
        assert 0.9 <= time.monotonic() - start < 3
    with serve_model(Scoring(), fail_first=1, fail_status=429, retry_after=3600) as url:
        start = time.monotonic()
        with pytest.raises(BackendError, match="within 2 s"):  # a Retry-After beyond the budget ends it now
            OpenAIModel("test-model", url, retry_budget=2).generate(_request(), Decoding())
        assert time.monotonic() - start < 1


def test_a_key_with_a_trailing_newline_works_and_never_shows(tmp_path, monkeypatch):
    stats = ServerStats()
    with serve_model(Scoring(), stats=stats, fail_first=1, fail_status=401,
                     fail_message=f"invalid key Bearer {SECRET}") as url:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET + "\r\n")
        denied = _eval("--model", "a=fake:a", "--model", "b=fake:b", "--judge", f"openai:test-model@{url}",
                       "--testset", _testset(tmp_path), "--out", tmp_path / "out")
        assert denied.exit_code == 3 and "HTTP 401" in denied.output and SECRET not in denied.output
        done = _eval("--model", "a=fake:a", "--model", "b=fake:b", "--judge", f"openai:test-model@{url}",
                     "--testset", _testset(tmp_path), "--out", tmp_path / "out")
    assert done.exit_code == 0, done.output
    assert set(stats.authorizations) == {f"Bearer {SECRET}"}  # stripped, sent whole
    for path in [*(tmp_path / "out").iterdir()]:
        assert SECRET.encode() not in path.read_bytes(), path
    monkeypatch.setenv("OPENAI_API_KEY", "sk-one\rtwo")
    broken = _eval("--model", "a=fake:a", "--model", "b=fake:b", "--judge", "openai:test-model@http://127.0.0.1:9/v1",
                   "--testset", _testset(tmp_path), "--out", tmp_path / "other")
    assert broken.exit_code == 2 and len(broken.output.strip().splitlines()) == 1
    assert "sk-one" not in broken.output and "control characters" in broken.output


def test_credentials_in_a_url_are_refused_and_redacted():
    with pytest.raises(InputError) as caught:
        resolve_model("openai:m@http://user:sk-secret@127.0.0.1:8000/v1")
    assert "sk-secret" not in str(caught.value) and "***@" in str(caught.value)


def test_a_down_server_exits_3_with_one_line_and_no_store(tmp_path):
    start = time.monotonic()
    result = _eval("--model", "a=fake:a", "--model", "b=fake:b", "--judge", "openai:m@http://127.0.0.1:9/v1",
                   "--testset", _testset(tmp_path), "--out", tmp_path / "out")
    assert result.exit_code == 3 and len(result.output.strip().splitlines()) == 1
    assert "unreachable" in result.output and not (tmp_path / "out").exists() and time.monotonic() - start < 10


def test_invalid_judgments_are_asked_again_on_a_rerun_within_the_attempt_budget(tmp_path):
    judge = Scoring(mute=True)
    stats = ServerStats()
    with serve_model(judge, stats=stats) as url:
        args = ["--model", "a=fake:a", "--model", "b=fake:b", "--testset", _testset(tmp_path), "--out",
                tmp_path / "out", "--judge", f"openai:test-model@{url}"]
        for run in range(3):  # 6 games x 3 tries per run; the budget of 6 attempts is spent after two runs
            result = _eval(*args, "--judge-attempts", "6")
            assert result.exit_code == 2 and "no valid judgments" in result.output
            assert stats.requests == min(run + 1, 2) * 18
        with ArenaStore(tmp_path / "out" / "arena.sqlite") as store:
            stored = store.all_judgments()
        assert len(stored) == 6 and all(not j["valid"] and j["attempts"] == 6 for j in stored)
        assert all(len(json.loads(j["raw"])["attempts"]) == 6 for j in stored)  # every raw attempt kept
        judge.mute = False  # the judge is fixed; a larger budget lets a rerun ask again
        fixed = _eval(*args, "--judge-attempts", "9")
    assert fixed.exit_code == 0, fixed.output
    assert "invalid judgments of earlier runs re-asked: 6" in fixed.output and stats.requests == 36 + 6
    judgments = [json.loads(line) for line in (tmp_path / "out" / "judgments.jsonl").read_text().splitlines()]
    assert all(j["valid"] and j["parse"] == "ok after 7 attempts" for j in judgments)
    assert all(len(json.loads(j["raw"])["attempts"]) == 7 for j in judgments)


def test_a_dead_runs_claims_on_another_host_are_taken_over_within_seconds(tmp_path):
    testset = _testset(tmp_path)
    store_path = tmp_path / "out" / "arena.sqlite"
    model = resolve_model("fake:late")
    with ArenaStore(store_path) as store:
        keys = [answer_key(model, Decoding(), {**p, "category": None, "cluster": None, "difficulty": None,
                                                "source": "prompts"}) for p in PROMPTS]
        # a run in another container died holding these: its pid means nothing here, only its lease counts
        assert store.claim(keys, "other-host:4242:deadbeef", lease_s=3.0, kind="answer") == keys
    start = time.monotonic()
    result = _eval("--model", "a=fake:a", "--model", "late=fake:late", "--judge", "fake:j", "--judge-mode",
                   "logprob", "--testset", testset, "--out", tmp_path / "out")
    took = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert "waiting for 3 answers claimed by another run" in result.output and 2.0 <= took < 15


def test_a_full_disk_while_writing_outputs_keeps_the_old_set(tmp_path, monkeypatch):
    import errno

    import wizardarena.tables as tables

    out = tmp_path / "out"
    args = ["--model", "a=fake:a", "--model", "b=fake:b", "--judge", "fake:j", "--judge-mode", "logprob",
            "--testset", _testset(tmp_path), "--out", out]
    assert _eval(*args).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".jsonl")}
    real, written = tables.write_records, []

    def fill_up(path, records):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        return real(path, records)

    monkeypatch.setattr(tables, "write_records", fill_up)
    result = _eval(*args, "--bootstrap", "7")
    assert result.exit_code == 4 and "no space left" in result.output and len(result.output.strip().splitlines()) == 1
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".jsonl")}
    assert after == before and not [p for p in out.iterdir() if p.name.startswith(".wizardarena-out-")]


def test_kill_9_while_writing_outputs_leaves_the_old_set_whole(tmp_path):
    out = tmp_path / "out"
    args = ["--model", "a=fake:a", "--model", "b=fake:b", "--judge", "fake:j", "--judge-mode", "logprob",
            "--testset", str(_testset(tmp_path)), "--out", str(out)]
    assert _eval(*args).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".jsonl")}
    script = (
        "import sys, time\n"
        "import wizardarena.tables as tables\n"
        "real = tables.write_records\n"
        "def slow(path, records):\n"
        "    real(path, records); print('wrote', path, flush=True); time.sleep(30)\n"
        "tables.write_records = slow\n"
        "from wizardarena.cli.main import main\n"
        "sys.argv = ['wizardarena', 'eval', *sys.argv[1:], '--bootstrap', '9']\n"
        "main()\n")
    process = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=tmp_path)
    assert process.stdout.readline().startswith("wrote")  # mid-set: one new file written, in staging
    process.kill()
    process.wait(timeout=30)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".jsonl")}
    assert after == before
    assert _eval(*args).exit_code == 0  # the rerun writes a whole set and clears the dead run's staging
    assert not [p for p in out.iterdir() if p.name.startswith(".wizardarena-out-")]


def test_config_contestants_are_checked_before_any_store_exists(tmp_path):
    with pytest.raises(InputError, match="--limit"):
        EvalConfig((Contestant("a", "fake:a"), Contestant("b", "fake:b")), "fake:j", "t", limit=0)
    assert not list(Path(tmp_path).iterdir())


def test_a_damaged_store_is_one_line_and_never_written(tmp_path):
    out = tmp_path / "out"
    args = ["--model", "a=fake:a", "--model", "b=fake:b", "--judge", "fake:j", "--judge-mode", "logprob",
            "--testset", _testset(tmp_path), "--out", out, "--bootstrap", "3"]
    assert _eval(*args).exit_code == 0
    store = out / "arena.sqlite"
    data = bytearray(store.read_bytes())
    for offset in range(2 * 4096, len(data), 4096):  # B-tree pages overwritten
        data[offset:offset + 100] = b"\xff" * 100
    store.write_bytes(bytes(data))
    result = _eval(*args[:4], "--model", "c=fake:c", *args[4:])
    assert result.exit_code in (2, 4) and len(result.output.strip().splitlines()) == 1
    assert "malformed" in result.output and store.read_bytes() == bytes(data)


@pytest.mark.parametrize("signal_name, code, word", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_ctrl_c_and_sigterm_end_a_stuck_run_at_once_with_one_line(tmp_path, signal_name, code, word):
    import signal

    with serve_model(Scoring(), delay=30.0) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "wizardarena.cli", "eval", "--model", "a=fake:a", "--model", "b=fake:b",
             "--judge", f"openai:test-model@{url}", "--testset", str(_testset(tmp_path)), "--out",
             str(tmp_path / "out"), "--store", str(tmp_path / "out" / "arena.sqlite")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
            # as a terminal's Ctrl-C finds it: a suite started in the background (`pytest &`) passes SIGINT on
            # ignored, and Python then keeps ignoring it
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(4)  # answers stored, judge requests in flight (the server takes 30 s each)
        start = time.monotonic()
        process.send_signal(getattr(signal, signal_name))
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - start
    assert process.returncode == code and took < 5
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(word) and "Traceback" not in stderr
    with ArenaStore(tmp_path / "out" / "arena.sqlite") as store:
        assert store.answer_count() == 6  # what was stored is kept


def test_a_full_disk_while_judging_is_exit_4_with_one_line(tmp_path, monkeypatch):
    import sqlite3

    import wizardarena.store.sqlite as sqlite_store

    def full(conn, items):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(sqlite_store, "_insert_judgments", full)
    result = _eval("--model", "a=fake:a", "--model", "b=fake:b", "--judge", "fake:j", "--judge-mode", "logprob",
                   "--testset", _testset(tmp_path), "--out", tmp_path / "out")
    assert result.exit_code == 4 and "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last == "error: no space left on the device for the store; what was stored is kept"
    with ArenaStore(tmp_path / "out" / "arena.sqlite") as store:
        assert store.answer_count() == 6 and store.judgment_count() == 0  # the answers made it, kept
