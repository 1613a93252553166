"""``wizardarena eval`` end to end: real tiny transformers models, a real HTTP server, a real store."""

import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import serve_model
from fixtures.tiny_model import build_tiny_chat_model
from wizardarena.backends.fake import FakeModel
from wizardarena.cli.main import _register, cli

_register()

PROMPTS = [
    {"id": "q1", "turns": ["What is 2 + 2?"], "category": "math"},
    {"id": "q2", "turns": ["Name a colour.", "And another one?"], "category": "chat"},
    {"id": "q3", "turns": ["Write a short greeting."], "category": "writing"},
]


@pytest.fixture
def testset(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    return path


def _eval(*args):
    result = CliRunner().invoke(cli, ["eval", *store_beside_out(args)], catch_exceptions=False)
    return result


def _records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_tiny_hf_models_as_contestants_and_logprob_judge(tmp_path, testset, tiny_model_path):
    other = build_tiny_chat_model(tmp_path / "other", seed=1)
    out = tmp_path / "out"
    args = ["--model", f"base=hf:{tiny_model_path}", "--model", f"tuned=hf:{other}", "--judge",
            f"hf:{tiny_model_path}", "--judge-mode", "logprob", "--testset", testset, "--out", out,
            "--max-new-tokens", "8", "--bootstrap", "20"]
    first = _eval(*args)
    assert first.exit_code == 0, first.output
    judgments = _records(out / "judgments.jsonl")
    assert len(judgments) == 3 * 2 and all(j["valid"] for j in judgments)  # 3 prompts x 1 pair x 2 orders
    assert {j["swapped"] for j in judgments} == {False, True}
    answers = _records(out / "answers.jsonl")
    turns = {p["id"]: len(p["turns"]) for p in PROMPTS}
    assert len(answers) == 6 and all(len(a["turns"]) == turns[a["prompt_id"]]
                                     for a in answers)
    ratings = _records(out / "ratings.jsonl")
    assert {r["model"] for r in ratings} == {"base", "tuned"}
    assert "best checkpoint" in first.output and "win rate" in first.output
    again = _eval(*args)
    assert again.exit_code == 0 and "model calls this run: 0" in again.output
    assert _records(out / "ratings.jsonl") == ratings


def test_openai_backend_against_a_local_server_serving_the_tiny_model(tmp_path, testset, tiny_model_path):
    from wizardarena.backends.hf import HFModel

    model = HFModel(str(tiny_model_path))
    out = tmp_path / "out"
    with serve_model(model, model_name="tiny") as url:
        result = _eval("--model", f"served=openai:tiny@{url}", "--opponents", "fake:weak", "--judge",
                       f"openai:tiny@{url}", "--judge-mode", "logprob", "--testset", testset, "--out", out,
                       "--max-new-tokens", "8", "--bootstrap", "10")
    assert result.exit_code == 0, result.output
    judgments = _records(out / "judgments.jsonl")
    assert len(judgments) == 6 and sum(j["valid"] for j in judgments) == 6
    assert {r["model"] for r in _records(out / "ratings.jsonl")} == {"served", "weak"}


def _store_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


@pytest.mark.parametrize("case, message", [
    ("malformed", "not valid JSON"),
    ("empty", "no prompts"),
    ("latin1", "not UTF-8"),
    ("no-turns", "turns must be"),
    ("backend", "unknown model backend"),
    ("model-path", "no such file or directory"),
    ("flag", "Invalid value for '--judge-mode'"),
    ("server", "unreachable"),
])
def test_bad_input_is_one_line_exit_2_and_the_store_is_untouched(tmp_path, testset, case, message):
    out = tmp_path / "out"
    assert _eval("--model", "fake:a", "--model", "fake:b", "--judge", "fake:j", "--judge-mode", "logprob",
                 "--testset", testset, "--out", out, "--bootstrap", "5").exit_code == 0
    store = out / "arena.sqlite"
    before = _store_digest(store)
    bad = tmp_path / "bad.jsonl"
    model, judge, extra = "fake:c", "fake:j", []
    if case == "malformed":
        bad.write_text('{"id": "x", "turns": ["hi"]}\n{"id": \n')
    elif case == "empty":
        bad.write_text("")
    elif case == "latin1":
        bad.write_bytes('{"id": "x", "turns": ["caf\xe9"]}\n'.encode("latin-1"))
    elif case == "no-turns":
        bad.write_text('{"id": "x"}\n')
    else:
        bad = testset
    if case == "backend":
        model = "hff:some/model"
    elif case == "model-path":
        model = f"hf:{tmp_path / 'no-such-model'}"
    elif case == "flag":
        extra = ["--judge-mode", "telepathy"]
    elif case == "server":
        judge = "openai:judge@http://127.0.0.1:9/v1"
    result = _eval("--model", "fake:a", "--model", "fake:b", "--model", model, "--judge", judge, "--judge-mode",
                   "logprob", "--testset", bad, "--out", out, "--bootstrap", "5", *extra)
    assert result.exit_code == (3 if case == "server" else 2), result.output  # 3: a server, not the input
    lines = result.stderr.strip().splitlines() if result.stderr else result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert _store_digest(store) == before


def _judgment_count(store: Path) -> tuple[int, int]:
    with sqlite3.connect(store) as conn:
        total = conn.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]
        distinct = conn.execute("SELECT COUNT(DISTINCT key) FROM judgments").fetchone()[0]
    return total, distinct


def _wait_for_judging(store: Path, proc, already: int, timeout: float = 60.0) -> None:
    """Block until this run has stored a judgment of its own (or exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if store.exists() and _judgment_count(store)[0] > already:
                return
        except sqlite3.OperationalError:  # the schema may not exist yet
            pass
        time.sleep(0.05)


def _many_prompts(tmp_path, count=30):
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"question {k}"]}) + "\n" for k in range(count)))
    return many


def _served_eval(url, testset, out, *extra):
    """An eval subprocess command: two fake contestants and a fake opponent, judged over HTTP."""
    return [sys.executable, "-m", "wizardarena.cli", "eval", *store_beside_out([
        "--model", "fake:a", "--model", "fake:b", "--opponents", "fake:strong", "--judge", f"openai:judge@{url}",
        "--judge-mode", "logprob", "--testset", testset, "--out", out, "--bootstrap", "30", "--max-concurrency", "2",
        *extra])]


# not the repo root: the subprocesses import the installed package
def _run_in(tmp_path):
    return {"cwd": tmp_path, "env": {**os.environ, "PYTHONUNBUFFERED": "1"}}


def test_kill_9_during_judging_then_resume_gives_identical_ratings(tmp_path, testset):
    many = _many_prompts(tmp_path)
    run_in = _run_in(tmp_path)
    with serve_model(FakeModel("judge"), model_name="judge", delay=0.02) as url:
        def command(out):
            return _served_eval(url, many, out)

        clean = tmp_path / "clean"
        subprocess.run(command(clean), check=True, capture_output=True, timeout=300, **run_in)
        crashed = tmp_path / "crashed"
        rng, seen = random.Random(7), []
        for _ in range(3):
            proc = subprocess.Popen(command(crashed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **run_in)
            _wait_for_judging(crashed / "arena.sqlite", proc, already=seen[-1] if seen else 0)
            time.sleep(rng.uniform(0.0, 0.8))  # a random moment while judging goes on
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if (crashed / "arena.sqlite").exists():
                seen.append(_judgment_count(crashed / "arena.sqlite")[0])
        done = subprocess.run(command(crashed), capture_output=True, text=True, timeout=300, **run_in)
    assert done.returncode == 0, done.stderr
    assert _records(crashed / "ratings.jsonl") == _records(clean / "ratings.jsonl")
    expected = 30 * 3 * 2  # prompts x pairs (a-b, a-strong, b-strong) x orders
    assert any(0 < count < expected for count in seen), seen  # at least one kill landed mid-judging
    assert _judgment_count(crashed / "arena.sqlite") == (expected, expected)
    assert _records(crashed / "judgments.jsonl") == _records(clean / "judgments.jsonl")


def test_two_evals_on_one_store_share_the_work_and_agree(tmp_path):
    many = _many_prompts(tmp_path)
    run_in = _run_in(tmp_path)
    shared = tmp_path / "shared.sqlite"
    with serve_model(FakeModel("judge"), model_name="judge", delay=0.02) as url:
        subprocess.run(_served_eval(url, many, tmp_path / "alone"), check=True, capture_output=True,
                       timeout=300, **run_in)
        procs = [subprocess.Popen(_served_eval(url, many, tmp_path / f"run{k}", "--store", shared),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **run_in)
                 for k in range(2)]
        outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    calls = [int(re.search(r"model\s+calls\s+this\s+run:\s+(\d+)", out).group(1)) for out, _ in outputs]
    games = 30 * 3 * 2  # prompts x pairs x orders
    assert sum(calls) == 30 * 3 + games * 2, calls  # every answer turn and logprob call made exactly once
    assert min(calls) > 0, calls  # both runs did part of the work
    assert _judgment_count(shared) == (games, games)
    for k in range(2):
        assert _records(tmp_path / f"run{k}" / "ratings.jsonl") == _records(tmp_path / "alone" / "ratings.jsonl")


def test_adding_a_model_judges_only_its_new_pairs(tmp_path, testset):
    out = tmp_path / "out"
    base = ["--judge", "fake:j", "--judge-mode", "logprob", "--testset", testset, "--out", out, "--bootstrap", "5"]
    assert _eval("--model", "fake:a", "--model", "fake:b", *base).exit_code == 0
    before = _judgment_count(out / "arena.sqlite")[0]
    dry = _eval("--model", "fake:a", "--model", "fake:b", "--model", "fake:c", *base, "--dry-run")
    assert "c: 3 answers missing" in dry.output and "a: 0 answers missing" in dry.output
    assert "judge: 12 of 18 judgments missing" in dry.output  # (a,c) and (b,c), 3 prompts, 2 orders
    grown = _eval("--model", "fake:a", "--model", "fake:b", "--model", "fake:c", *base)
    assert grown.exit_code == 0
    assert _judgment_count(out / "arena.sqlite")[0] == before + 12
    assert "model calls this run: 28" in grown.output  # 4 answer turns of c + 12 games x 2 logprob calls


def test_export_battles_from_the_store_rate_like_the_run(tmp_path, testset):
    out = tmp_path / "out"
    assert _eval("--model", "fake:a", "--model", "fake:b", "--model", "fake:c", "--judge", "fake:j",
                 "--judge-mode", "logprob", "--testset", testset, "--out", out, "--bootstrap", "5").exit_code == 0
    runner = CliRunner()
    for what, suffix in (("battles", "parquet"), ("judgments", "jsonl"), ("answers", "jsonl")):
        result = runner.invoke(cli, ["export", str(out / "arena.sqlite"), "--what", what, "--out",
                                     str(tmp_path / f"{what}.{suffix}")], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert len(_records(tmp_path / "answers.jsonl")) == 9 and len(_records(tmp_path / "judgments.jsonl")) == 18
    rated = runner.invoke(cli, ["ratings", str(tmp_path / "battles.parquet"), "--bootstrap", "5", "--unit", "prompt",
                                "--out", str(tmp_path / "r.jsonl")], catch_exceptions=False)
    assert rated.exit_code == 0, rated.output
    assert _records(tmp_path / "r.jsonl") == _records(out / "ratings.jsonl")
    missing = runner.invoke(cli, ["export", str(tmp_path / "nope.sqlite"), "--what", "answers", "--out",
                                  str(tmp_path / "x.jsonl")])
    assert missing.exit_code == 2
