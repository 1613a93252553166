"""The predicted win rate against a fixed baseline (Arena-Hard's headline) and ``ratings --baseline``."""

import doctest
import json

import numpy as np
import pytest
from click.testing import CliRunner

import wizardarena.ratings.baseline as baseline_module
from wizardarena.cli.main import _register, cli
from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.baseline import baseline_win_rates, predicted_win_rate, with_baseline
from wizardarena.ratings.table import battles_from_records

_register()


def _battles(wins: int, ties: int, losses: int, prompts: int = 40) -> list[dict]:
    outcomes = ["model_a"] * wins + ["tie"] * ties + ["model_b"] * losses
    return [{"model_a": "cand", "model_b": "base", "winner": w, "prompt_id": f"p{k % prompts}"}
            for k, w in enumerate(outcomes)]


def _three_models(seed: int = 3, n: int = 900) -> list[dict]:
    rng = np.random.default_rng(seed)
    elo = {"strong": 1150.0, "base": 1000.0, "weak": 900.0}
    names = list(elo)
    rows = []
    for k in range(n):
        a, b = rng.choice(3, 2, replace=False)
        p = predicted_win_rate(np.array(elo[names[a]]), np.array(elo[names[b]]))
        winner = "tie" if rng.random() < 0.1 else ("model_a" if rng.random() < p else "model_b")
        rows.append({"model_a": names[a], "model_b": names[b], "winner": winner, "prompt_id": f"p{k % 150}"})
    return rows


def test_doctests_of_the_baseline_module_pass():
    assert doctest.testmod(baseline_module).failed == 0


def test_two_models_recover_the_observed_score_with_ties_counting_half():
    # 100 wins, 100 ties, 0 losses: score 150 / 200 = 0.75, which the fit reproduces (up to its tiny ridge)
    result = compute_ratings(battles_from_records(_battles(100, 100, 0)), RatingConfig(bootstrap=0))
    rates = baseline_win_rates(result, "base")
    assert rates["cand"]["baseline_win_rate"] == pytest.approx(0.75, abs=1e-3)
    assert rates["cand"]["baseline_lower"] == rates["cand"]["baseline_upper"] == rates["cand"]["baseline_win_rate"]
    assert rates["base"]["baseline_win_rate"] == 0.5


def test_bootstrap_rates_are_the_median_and_percentiles_of_the_rounds():
    result = compute_ratings(battles_from_records(_three_models()), RatingConfig(bootstrap=101, seed=1, unit="prompt"))
    rates = baseline_win_rates(result, "base")
    base = result.models.index("base")
    for k, model in enumerate(result.models):
        rate = rates[model]
        assert 0.0 <= rate["baseline_lower"] <= rate["baseline_win_rate"] <= rate["baseline_upper"] <= 1.0
        rounds = predicted_win_rate(result.samples[:, k], result.samples[:, base])
        assert rate["baseline_win_rate"] == pytest.approx(float(np.median(rounds)), abs=1e-12)
        assert rate["baseline_lower"] == pytest.approx(float(np.percentile(rounds, 2.5)), abs=1e-12)
    assert rates["base"] == {"baseline": "base", "baseline_win_rate": 0.5, "baseline_lower": 0.5,
                             "baseline_upper": 0.5}
    assert rates["strong"]["baseline_lower"] > 0.5 > rates["weak"]["baseline_upper"]
    assert 0.02 < rates["strong"]["baseline_upper"] - rates["strong"]["baseline_lower"] < 0.3


def test_an_unknown_baseline_suggests_the_close_name():
    result = compute_ratings(battles_from_records(_battles(5, 2, 3)), RatingConfig(bootstrap=0))
    with pytest.raises(InputError, match="did you mean base"):
        baseline_win_rates(result, "bass")
    assert with_baseline([{"model": "cand"}], result, None) == [{"model": "cand"}]


def test_ratings_command_writes_and_shows_the_baseline_column(tmp_path):
    battles, out = tmp_path / "battles.jsonl", tmp_path / "ratings.jsonl"
    battles.write_text("".join(json.dumps(row) + "\n" for row in _three_models()))
    result = CliRunner().invoke(cli, ["ratings", str(battles), "--bootstrap", "30", "--baseline", "base",
                                      "--out", str(out), "--no-samples"])
    assert result.exit_code == 0, result.output
    rows = {row["model"]: row for row in map(json.loads, out.read_text().splitlines())}
    assert rows["base"]["baseline_win_rate"] == 0.5 and {row["baseline"] for row in rows.values()} == {"base"}
    assert "vs base" in result.stdout and "50.0%" in result.stdout
    strong = rows["strong"]
    shown = f"{100 * strong['baseline_win_rate']:.1f}% ({100 * strong['baseline_lower']:.1f}–"
    assert shown in result.stdout
    bad = CliRunner().invoke(cli, ["ratings", str(battles), "--baseline", "basee"])
    assert bad.exit_code == 2 and "--baseline: unknown model 'basee' (did you mean base?)" in bad.output
