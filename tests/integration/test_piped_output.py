"""Issue 14: output that is no terminal (``wizardarena eval ... | tee log``, click's CliRunner) shows whole
model names: rich's 80 columns would cut them ("gpt-4-0125-p…"); ``$COLUMNS`` still rules when set."""

import json

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

_register()

LONG = "a-checkpoint-with-a-rather-long-name-step-0012500-lr-2e-5-dpo-beta-0.1"


@pytest.fixture
def testset(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"Question {k}?"]}) + "\n" for k in range(3)))
    return path


def _run(*args, **env):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def test_eval_and_ratings_piped_show_the_whole_model_name(tmp_path, testset, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    out = tmp_path / "out"
    done = _run("eval", "--model", f"{LONG}=fake:a", "--model", "b=fake:b", "--judge", "fake:j", "--judge-mode",
                "logprob", "--testset", testset, "--out", out, "--bootstrap", "5")
    assert done.exit_code == 0, done.output
    row = next(line for line in done.stdout.splitlines() if LONG in line)
    assert "…" not in row and len(row) > 80  # one table row, not wrapped or cut
    judge_line = next(line for line in done.stdout.splitlines() if line.startswith("judge fake:j"))
    assert "model calls this run:" in judge_line  # the summary sentence is one line too
    rated = _run("ratings", out / "battles.jsonl", "--bootstrap", "5")
    assert rated.exit_code == 0, rated.output
    assert any(LONG in line and "…" not in line for line in rated.stdout.splitlines())


def test_columns_still_sets_the_width(tmp_path, testset):
    out = tmp_path / "out"
    done = _run("eval", "--model", f"{LONG}=fake:a", "--model", "b=fake:b", "--judge", "fake:j", "--judge-mode",
                "logprob", "--testset", testset, "--out", out, "--bootstrap", "5", COLUMNS="60")
    assert done.exit_code == 0, done.output
    table = [line for line in done.stdout.splitlines() if line.startswith(("┏", "┃", "│", "└"))]
    assert table and all(len(line) <= 60 for line in table)
    assert any("a-che" in line and "…" in line for line in table)  # as asked: cut to fit 60 columns
