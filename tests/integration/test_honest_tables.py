"""Issue 13, honest tables: per-category boards rated with the run's own bootstrap unit (render and push),
``eval --baseline`` (the predicted win rate against a fixed model) and eval's rating warnings."""

import json
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli
from wizardarena.leaderboard import Leaderboard, render_markdown
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.table import battles_from_records
from wizardarena.tables import write_records

_register()

MODELS = {"m0": 1100.0, "m1": 1040.0, "m2": 1000.0, "m3": 940.0}
RUN = {"judge": "j", "testset": "t", "seed": 0, "bootstrap": 30, "unit": "prompt"}


def _clustered_battles(with_prompt: bool = True) -> list[dict]:
    """Battles whose outcomes on one prompt move together (each model's form on a prompt decides all its
    games there, each game played three times): a prompt bootstrap sees that, a battle bootstrap does
    not and gives far narrower intervals."""
    rng = np.random.default_rng(13)
    rows = []
    for prompt in range(40):
        form = {model: elo + rng.normal(0.0, 150.0) for model, elo in MODELS.items()}
        for a, b in [*permutations(MODELS, 2)] * 3:
            rows.append({"model_a": a, "model_b": b, "winner": "model_a" if form[a] > form[b] else "model_b",
                         "category": "all", **({"prompt_id": f"p{prompt}"} if with_prompt else {})})
    return rows


def _arena(folder: Path, run: dict | None, with_prompt: bool = True) -> tuple[Path, Path, list[dict]]:
    folder.mkdir()
    battles = _clustered_battles(with_prompt)
    config = RatingConfig(bootstrap=30, seed=0, unit="prompt" if with_prompt else "battle")
    ratings = compute_ratings(battles_from_records(battles), config).records(with_samples=False)
    write_records(folder / "battles.jsonl", battles)
    write_records(folder / "ratings.jsonl", ratings)
    if run is not None:
        (folder / "run.json").write_text(json.dumps(run))
    return folder / "ratings.jsonl", folder / "battles.jsonl", ratings


def _widths(rows) -> dict[str, float]:
    return {row.model: row.upper - row.lower for row in rows}


def test_category_boards_use_the_bootstrap_of_run_json(tmp_path):
    ratings, battles, records = _arena(tmp_path / "run", RUN)
    board = Leaderboard.load(ratings, battles)
    assert board.category_config == RatingConfig(unit="prompt", bootstrap=30, seed=0)
    # one category holding every battle, rated as the run was: the very same intervals as the main table
    assert _widths(board.categories["all"]) == pytest.approx({r["model"]: r["upper"] - r["lower"] for r in records})
    assert "Each category is rated on its own battles (30 bootstrap rounds by prompt, seed 0)." in \
        render_markdown(board)

    per_battle = Leaderboard.load(ratings, battles, category_config=RatingConfig(bootstrap=30, seed=0))
    narrow, wide = _widths(per_battle.categories["all"]), _widths(board.categories["all"])
    assert all(narrow[m] < 0.7 * wide[m] for m in MODELS)  # what the old per-battle default showed


def test_without_run_json_the_unit_is_prompt_only_when_every_battle_has_one(tmp_path):
    ratings, battles, _ = _arena(tmp_path / "prompts", None)
    assert Leaderboard.load(ratings, battles).category_config.unit == "prompt"
    ratings, battles, _ = _arena(tmp_path / "no-prompts", None, with_prompt=False)
    board = Leaderboard.load(ratings, battles)
    assert board.category_config.unit == "battle" and "all" in board.categories


def test_push_rates_categories_as_the_run_did(tmp_path):
    pytest.importorskip("huggingface_hub")
    ratings, battles, _ = _arena(tmp_path / "run", RUN)
    result = CliRunner().invoke(cli, ["leaderboard", "push", str(ratings), "--battles", str(battles), "--repo-id",
                                      "org/board", "--dry-run", str(tmp_path / "dry")])
    assert result.exit_code == 0, result.output
    card = (tmp_path / "dry" / "README.md").read_text()
    assert "## By category" in card and "(30 bootstrap rounds by prompt, seed 0)" in card
    assert "| Win rate |" in card
    assert json.loads((tmp_path / "dry" / "run.json").read_text())["unit"] == "prompt"


@pytest.fixture
def testset(tmp_path) -> Path:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"Question {k}?"]}) + "\n" for k in range(6)))
    return path


def _eval(*args):
    return CliRunner().invoke(cli, ["eval", *map(str, args)])


FAKE = ["--model", "a=fake:a", "--model", "b=fake:b", "--opponents", "c=fake:c", "--judge", "fake:j",
        "--judge-mode", "logprob"]


def test_eval_baseline_writes_win_rates_against_it(tmp_path, testset):
    out = tmp_path / "out"
    result = _eval(*FAKE, "--testset", testset, "--out", out, "--bootstrap", "40", "--baseline", "c")
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in map(json.loads, (out / "ratings.jsonl").read_text().splitlines())}
    assert set(rows) == {"a", "b", "c"}
    for row in rows.values():
        assert row["baseline"] == "c"
        assert 0.0 <= row["baseline_lower"] <= row["baseline_win_rate"] <= row["baseline_upper"] <= 1.0
    assert rows["c"]["baseline_win_rate"] == rows["c"]["baseline_lower"] == rows["c"]["baseline_upper"] == 0.5
    assert any(row["baseline_upper"] > row["baseline_lower"] for row in rows.values())
    run = json.loads((out / "run.json").read_text())
    assert run["baseline"] == "c" and run["unit"] == "prompt" and run["bootstrap"] == 40
    assert "vs c" in result.stdout and "rank: 1 +" in result.stdout

    board = Leaderboard.load(out / "ratings.jsonl", out / "battles.jsonl")
    assert board.baseline == "c" and "| Win rate vs c |" in render_markdown(board)


def test_eval_without_bootstrap_and_a_bad_baseline(tmp_path, testset):
    out = tmp_path / "out"
    plain = _eval(*FAKE, "--testset", testset, "--out", out, "--bootstrap", "0", "--baseline", "a")
    assert plain.exit_code == 0, plain.output
    assert "95% CI" not in plain.stdout and "no bootstrap" in plain.stdout
    rows = list(map(json.loads, (out / "ratings.jsonl").read_text().splitlines()))
    assert all(r["baseline_lower"] == r["baseline_win_rate"] == r["baseline_upper"] for r in rows)
    bad = _eval(*FAKE, "--testset", testset, "--out", tmp_path / "bad", "--baseline", "aa")
    assert bad.exit_code == 2 and "--baseline: unknown model 'aa' (did you mean a?)" in bad.output
    assert not (tmp_path / "bad").exists()


def test_eval_warns_about_a_model_that_lost_every_battle(tmp_path, testset, monkeypatch, minilm):
    monkeypatch.setenv("WIZARDARENA_CACHE", str(tmp_path / "cache"))
    replies = {"ref": "Paris is the capital of France, on the Seine.",
               "good": "Paris is the capital of France, on the Seine.",
               "fair": "The French capital is Paris, a large city.",
               "poor": "Bananas are yellow fruit, rich in potassium."}
    answers = tmp_path / "answers.jsonl"
    write_records(answers, [{"prompt_id": f"q{k}", "model": model, "turns": [text]}
                            for model, text in replies.items() for k in range(6)])
    models = [arg for name in ("good", "fair", "poor") for arg in ("--model", f"{name}=answers:{answers}#{name}")]
    result = _eval(*models, "--judge", f"similarity:{answers}#ref", "--testset", testset,
                   "--out", tmp_path / "out", "--bootstrap", "10")
    assert result.exit_code == 0, result.output
    assert "warning: some ratings are not pinned down by the battles (won every battle: good; " \
           "lost every battle: poor)" in result.stderr


def test_eval_with_a_sandwich_ci_says_so_everywhere(tmp_path, testset):
    out = tmp_path / "out"
    result = _eval(*FAKE, "--testset", testset, "--out", out, "--ci", "sandwich", "--baseline", "c")
    assert result.exit_code == 0, result.output
    rows = {r["model"]: r for r in map(json.loads, (out / "ratings.jsonl").read_text().splitlines())}
    assert all("samples" not in row and row["lower"] < row["rating"] < row["upper"] for row in rows.values())
    assert all(row["baseline_lower"] < row["baseline_win_rate"] < row["baseline_upper"] for m, row in rows.items()
               if m != "c")
    run = json.loads((out / "run.json").read_text())
    assert run["ci"] == "sandwich" and run["bootstrap"] == 0 and run["unit"] == "prompt"
    assert "no checkpoint selection" in result.stdout and "over bootstrap rounds" not in result.stdout
    board = Leaderboard.load(out / "ratings.jsonl", out / "battles.jsonl")
    assert board.has_intervals and board.baseline == "c"

    refused = _eval(*FAKE, "--testset", testset, "--out", out, "--ci", "sandwich", "--schedule", "adaptive")
    assert refused.exit_code == 2
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("stops on bootstrap rounds: use --ci bootstrap"), lines
