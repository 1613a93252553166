"""Pre-computed answers that miss prompts: named before any work (and by ``--dry-run``), their games skipped
and counted per model under both schedules, or the run refused up front with ``--missing-answers refuse``."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

_register()

PROMPTS = [
    {"id": "q1", "turns": ["What is 2 + 2?"]},
    {"id": "q2", "turns": ["Name a colour."]},
    {"id": "q3", "turns": ["Say hello.", "And goodbye?"]},
    {"id": "q4", "turns": ["Write a short greeting."]},
]
HOLE = "holey: 2 of 4 prompts without a pre-computed answer"


@pytest.fixture
def files(tmp_path):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    answers = tmp_path / "holey.jsonl"  # no q2 at all; q3 answered in one turn of two
    rows = [("q1", ["4"]), ("q3", ["Hello."]), ("q4", ["Hi there!"])]
    answers.write_text("".join(json.dumps({"prompt_id": p, "model": "holey", "turns": t}) + "\n" for p, t in rows))
    return testset, answers


def _eval(tmp_path, testset, *args):
    out = tmp_path / "out"
    base = ["eval", "--judge", "fake:j", "--judge-mode", "logprob", "--testset", str(testset), "--bootstrap", "5",
            "--out", str(out), "--store", str(tmp_path / "store" / "arena.sqlite")]
    return CliRunner().invoke(cli, [*base, *map(str, args)], catch_exceptions=False), out


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_dry_run_names_the_holes_and_the_run_skips_and_counts_their_games(tmp_path, files):
    testset, answers = files
    models = ["--model", "fake:a", "--model", "fake:b", "--model", f"holey=answers:{answers}"]
    dry, _ = _eval(tmp_path, testset, *models, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{HOLE}; 8 judge games on them skipped" in dry.stdout  # 2 pairs x 2 prompts x 2 orders
    assert "judge: 16 of 16 judgments missing" in dry.stdout and not (tmp_path / "store").exists()
    run, out = _eval(tmp_path, testset, *models)
    assert run.exit_code == 0, run.output
    assert run.stderr.startswith(f"{HOLE}; its games on them are skipped")  # before any generation or judging
    assert f"{HOLE}; 8 judge games on them skipped" in run.stdout
    judgments = _records(out / "judgments.jsonl")
    assert len(judgments) == 16
    assert not any("holey" in (j["model_a"], j["model_b"]) and j["prompt_id"] in ("q2", "q3") for j in judgments)
    info = json.loads((out / "run.json").read_text())
    assert info["missing_answers"] == {"holey": {"prompts": 2, "games_skipped": 8, "prompt_ids": ["q2", "q3"]}}
    assert {a["prompt_id"] for a in _records(out / "answers.jsonl") if a["model"] == "holey"} == {"q1", "q4"}


def test_refuse_exits_2_with_one_line_before_any_work(tmp_path, files):
    testset, answers = files
    for dry_run in ([], ["--dry-run"]):
        result, out = _eval(tmp_path, testset, "--model", "fake:a", "--opponents", f"holey=answers:{answers}",
                            "--missing-answers", "refuse", *dry_run)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "pre-computed answers miss prompts" in result.stderr
        assert "holey 2" in result.stderr
        assert not out.exists() and not (tmp_path / "store").exists()


def test_the_adaptive_schedule_never_chooses_a_game_without_both_answers(tmp_path, files):
    testset, answers = files
    result, out = _eval(tmp_path, testset, "--model", f"holey=answers:{answers}", "--opponents", "fake:strong",
                        "--opponents", "fake:weak", "--opponents", "fake:c", "--schedule", "adaptive")
    assert result.exit_code == 0, result.output
    judgments = _records(out / "judgments.jsonl")
    played = {j["prompt_id"] for j in judgments if "holey" in (j["model_a"], j["model_b"])}
    assert played and played <= {"q1", "q4"}
    assert json.loads((out / "run.json").read_text())["missing_answers"]["holey"]["prompts"] == 2
