"""Costs up front (``eval --dry-run`` estimates, ``--price``) and ``--rejudge-invalid``, with hand-computed
numbers, a real store and a local OpenAI-compatible judge server."""

import json
import sqlite3
import threading

import pytest
from click.testing import CliRunner

from fixtures.openai_server import ServerStats, serve_model
from wizardarena.arena.costs import CallEstimate
from wizardarena.cli.main import _register, cli
from wizardarena.refs.judge import JudgeRef
from wizardarena.refs.model import ModelRef

_register()

PROMPTS = [{"id": "q1", "turns": ["Hi?"]}, {"id": "q2", "turns": ["Why?"]}]
ANSWERS = {"a": {"q1": "x" * 40, "q2": "y" * 80}, "b": {"q1": "z" * 20, "q2": "w" * 100}}
TEMPLATE = "H:{history} Q:{question} A:{answer_a} B:{answer_b}"  # 11 characters besides the slots


@pytest.fixture
def files(tmp_path):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    folder = tmp_path / "answers"
    folder.mkdir()
    for model, texts in ANSWERS.items():
        (folder / f"{model}.jsonl").write_text("".join(
            json.dumps({"prompt_id": pid, "model": model, "turns": [text]}) + "\n" for pid, text in texts.items()))
    template = tmp_path / "judge.txt"
    template.write_text(TEMPLATE)
    return testset, folder, template


def _eval(tmp_path, testset, *args):
    base = ["eval", "--testset", str(testset), "--bootstrap", "5", "--out", str(tmp_path / "out"),
            "--store", str(tmp_path / "store" / "arena.sqlite")]
    return CliRunner().invoke(cli, [*base, *map(str, args)], catch_exceptions=False)


def test_dry_run_estimates_equal_the_hand_computed_ones(tmp_path, files, monkeypatch):
    testset, folder, template = files
    stored = ["--model", f"a=answers:{folder}#a", "--model", f"b=answers:{folder}#b"]
    assert _eval(tmp_path, testset, *stored, "--judge", "fake:j", "--judge-mode", "logprob").exit_code == 0
    store = tmp_path / "store" / "arena.sqlite"
    before = store.read_bytes()

    read_answers = ModelRef.load

    def no_load(ref, **options):  # pre-computed answers are read (to name their holes), nothing is loaded
        assert getattr(ref, "backend", None) == "answers", f"a dry run loaded {ref}"
        return read_answers(ref, **options)

    monkeypatch.setattr(ModelRef, "load", no_load)
    monkeypatch.setattr(JudgeRef, "load", no_load)
    dry = _eval(tmp_path, testset, *stored, "--model", "fake:c", "--judge", "fake:k", "--judge-template", template,
                "--judge-max-new-tokens", "100", "--dry-run", "--price", "10/30")
    assert dry.exit_code == 0, dry.output
    assert store.read_bytes() == before
    # c answers "Hi?" and "Why?" (7 characters -> 2 tokens), at most 512 tokens each
    assert "model c: 2 generation calls, ≈ 2 input tokens (the prompts' turns only), at most 1,024 output" in dry.stdout
    assert "model a:" not in dry.stdout  # its answers are stored: nothing to spend
    # per game: 11 template + 6 "(none)" + the question (3 or 4) + both answers; c's answers are taken as the
    # mean of a's and b's on the prompt (30, then 90). q1: 2 x (80 + 90 + 70) = 480, q2: 2 x (201 + 191 + 211)
    # = 1206; 1686 characters -> 422 tokens; 12 calls x 100 tokens at most
    expected = "calls for 12 games, ≈ 422 input tokens, at most 1,200 output tokens; 8 of the 24 answers shown"
    assert expected in dry.stdout
    assert CallEstimate("k", 12, 422, 1200).cost(10, 30) == pytest.approx(0.04022)
    # the output is a token budget, so the price is a bound: 422 x $10 / 1e6 + at most 1200 x $30 / 1e6
    assert ("at most $0.0402 at $10/$30 per million input/output tokens (input ≈ $0.0042, output at most $0.0360)"
            in dry.stdout) and "judges in total: at most $0.0402" in dry.stdout


def test_dry_run_reads_precomputed_answers_not_yet_stored_exactly(tmp_path, files):
    """Nothing stored yet: a's and b's answers come from their files, not a guess. Per game 11 template + 6
    "(none)" + the question + both answers: q1 2 x (11 + 6 + 3 + 40 + 20) = 160, q2 2 x (11 + 6 + 4 + 80 + 100)
    = 402; 562 characters -> 141 tokens over 4 calls, none of the answers shown estimated."""
    testset, folder, template = files
    dry = _eval(tmp_path, testset, "--model", f"a=answers:{folder}#a", "--model", f"b=answers:{folder}#b",
                "--judge", "fake:k", "--judge-template", template, "--judge-max-new-tokens", "100", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "4 calls for 4 games, ≈ 141 input tokens, at most 400 output tokens" in dry.stdout
    assert "answers shown" not in dry.stdout and not (tmp_path / "store").exists()


def test_a_bad_price_is_one_line_and_exit_2(tmp_path, files):
    testset, _, _ = files
    for price in ("10", "10/x", "-1/3", "1/2/3"):
        result = _eval(tmp_path, testset, "--model", "fake:a", "--model", "fake:b", "--judge", "fake:j", "--dry-run",
                       "--price", price)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--price must be IN/OUT" in result.stderr
    assert not (tmp_path / "store").exists()


class Scripted:
    """A judge that writes no scores for its first ``garbage`` requests, then always the same scores."""

    spec = "scripted"

    def __init__(self, garbage: int):
        self.left, self.lock = garbage, threading.Lock()

    def generate(self, requests, decoding):
        """One reply per request."""
        out = []
        for _ in requests:
            with self.lock:
                bad, self.left = self.left > 0, self.left - 1
            out.append("I cannot decide between them." if bad else "Fair enough. Score A: 7\nScore B: 3")
        return out


def _judgments(store):
    with sqlite3.connect(store) as conn:
        return {key: (valid, record) for key, valid, record in conn.execute("SELECT key, valid, record FROM judgments")}


def test_rejudge_invalid_rereads_then_reasks_only_the_invalid(tmp_path, files):
    testset, _, _ = files
    stats, store = ServerStats(), tmp_path / "store" / "arena.sqlite"
    with serve_model(Scripted(garbage=2), stats=stats) as url:
        args = ["--model", "fake:a", "--model", "fake:b", "--judge", f"openai:test-model@{url}", "--judge-retries", "0",
                "--judge-attempts", "1", "--max-concurrency", "1"]
        assert _eval(tmp_path, testset, *args).exit_code == 0
        first = _judgments(store)
        invalid = {key for key, (valid, _) in first.items() if not valid}
        assert stats.requests == 4 and len(invalid) == 2
        assert _eval(tmp_path, testset, *args).exit_code == 0 and stats.requests == 4  # attempts spent: not asked

        again = _eval(tmp_path, testset, *args, "--rejudge-invalid")
        assert again.exit_code == 0, again.output
        assert "0 invalid judgments read by the current parser without a call, 2 asked again" in again.stderr
        assert stats.requests == 6  # exactly the two invalid ones
        second = _judgments(store)
        assert all(second[key] == first[key] for key in first.keys() - invalid)  # valid ones untouched
        for key in invalid:
            record = json.loads(second[key][1])
            assert second[key][0] == 1 and record["attempts"] == 2
            assert json.loads(record["raw"])["attempts"][0] == "I cannot decide between them."  # kept

        with sqlite3.connect(store) as conn:  # as if an older parser had failed to read one stored reply
            conn.execute("UPDATE judgments SET valid = 0, score_a = NULL, score_b = NULL, "
                         "record = json_set(record, '$.winner', NULL) WHERE key = ?", (min(invalid),))
        reread = _eval(tmp_path, testset, *args, "--rejudge-invalid")
        assert reread.exit_code == 0, reread.output
        assert "1 invalid judgments read by the current parser without a call, 0 asked again" in reread.stderr
        assert stats.requests == 6  # no call
    third = _judgments(store)
    assert third[min(invalid)][0] == 1 and json.loads(third[min(invalid)][1])["reread"] is True
    assert json.loads(third[min(invalid)][1])["raw"] == json.loads(second[min(invalid)][1])["raw"]
