"""The sandwich (robust) CI of the Bradley-Terry fit: closed forms, clustering, weights, CLI."""

import json
from statistics import NormalDist

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import simulate_style_table, simulate_table
from wizardarena.cli.main import _register, cli
from wizardarena.errors import InputError
from wizardarena.ratings import ELO_PER_BT_UNIT, RatingConfig, compute_ratings
from wizardarena.ratings.baseline import baseline_win_rates
from wizardarena.ratings.table import MODEL_A_WINS, MODEL_B_WINS, TIE, BattleTable

_register()
Z95 = NormalDist().inv_cdf(0.975)


def _two_models(wins: int, ties: int, losses: int, prompts=None, weight=None) -> BattleTable:
    outcome = np.array([MODEL_A_WINS] * wins + [TIE] * ties + [MODEL_B_WINS] * losses, dtype=np.int8)
    n = outcome.shape[0]
    return BattleTable(("x", "y"), np.zeros(n, np.int32), np.ones(n, np.int32), outcome,
                       weight=weight, prompt=prompts)


def _half_width(result, model: str) -> float:
    lower, upper = result.interval()
    k = result.models.index(model)
    return float(upper[k] - lower[k]) / 2


def test_two_models_without_ties_give_the_binomial_variance_of_the_log_odds():
    result = compute_ratings(_two_models(80, 0, 20), RatingConfig(ci="sandwich"))
    sd_gap = 1.0 / np.sqrt(100 * 0.8 * 0.2)  # Var(logit p̂) = 1 / (n p (1 - p))
    # Mean-centred: each model sits half the gap from the mean.
    assert _half_width(result, "x") == pytest.approx(Z95 * ELO_PER_BT_UNIT * sd_gap / 2, rel=1e-3)
    assert result.rating[0] - result.rating[1] == pytest.approx(ELO_PER_BT_UNIT * np.log(4.0), rel=1e-3)
    assert result.samples is None and "samples" not in result.records()[0]


def test_ties_count_half_and_the_meat_is_not_the_information():
    result = compute_ratings(_two_models(70, 10, 20), RatingConfig(ci="sandwich", anchor=("y", 1000.0)))
    p = 0.75  # (70 + 10/2) / 100
    meat = 70 * (1 - p) ** 2 + 10 * (0.5 - p) ** 2 + 20 * p**2  # 16.25 < n p (1-p) = 18.75
    sd_gap = np.sqrt(meat) / (100 * p * (1 - p))
    assert _half_width(result, "x") == pytest.approx(Z95 * ELO_PER_BT_UNIT * sd_gap, rel=1e-3)
    assert _half_width(result, "y") == 0.0  # the anchored model is pinned
    assert result.rating[result.models.index("y")] == 1000.0


def test_singleton_prompts_equal_no_clustering_and_copied_prompts_widen_by_their_size():
    plain = compute_ratings(_two_models(60, 10, 30), RatingConfig(ci="sandwich"))
    own = np.array([f"p{k}" for k in range(100)], dtype=object)
    single = compute_ratings(_two_models(60, 10, 30, prompts=own), RatingConfig(ci="sandwich", unit="prompt"))
    assert _half_width(single, "x") == pytest.approx(_half_width(plain, "x"), rel=1e-12)
    # Battles 5k..5k+4 share prompt k and one result (60 wins, 10 ties, 30 losses are in that order):
    # a prompt's score is 5x one battle's, so J grows 5-fold and the CI by sqrt(5).
    copied = np.array([f"p{k // 5}" for k in range(100)], dtype=object)
    clustered = compute_ratings(_two_models(60, 10, 30, prompts=copied), RatingConfig(ci="sandwich", unit="prompt"))
    assert _half_width(clustered, "x") == pytest.approx(np.sqrt(5) * _half_width(plain, "x"), rel=1e-9)


def test_uniform_weights_leave_the_sandwich_unchanged():
    plain = compute_ratings(_two_models(60, 10, 30), RatingConfig(ci="sandwich"))
    weighted = compute_ratings(_two_models(60, 10, 30, weight=np.full(100, 3.0)), RatingConfig(ci="sandwich"))
    # H scales by 3 and J by 9; only the fit's tiny ridge (which does not scale) differs.
    assert _half_width(weighted, "x") == pytest.approx(_half_width(plain, "x"), rel=1e-4)


def test_sandwich_and_bootstrap_agree_on_a_simulated_arena():
    table = simulate_table(np.linspace(-1.5, 1.5, 8), 6000, seed=3, n_prompts=300, prompt_effect=0.8)
    for unit in ("battle", "prompt"):
        sandwich = compute_ratings(table, RatingConfig(ci="sandwich", unit=unit))
        boot = compute_ratings(table, RatingConfig(bootstrap=300, unit=unit, point="mle", seed=1))
        np.testing.assert_allclose(sandwich.rating, boot.rating)
        width = np.subtract(*sandwich.interval()[::-1])
        boot_width = np.subtract(*boot.interval()[::-1])
        np.testing.assert_allclose(width, boot_width, rtol=0.2)
    unclustered = compute_ratings(table, RatingConfig(ci="sandwich"))
    assert (np.subtract(*sandwich.interval()[::-1]) > np.subtract(*unclustered.interval()[::-1])).all()


def test_style_control_sandwich_agrees_with_its_bootstrap():
    table, _ = simulate_style_table(n=6000, style_effect=0.6)
    sandwich = compute_ratings(table, RatingConfig(ci="sandwich", style_control=True))
    boot = compute_ratings(table, RatingConfig(bootstrap=200, style_control=True, point="mle", seed=2))
    np.testing.assert_allclose(sandwich.rating, boot.rating)
    np.testing.assert_allclose(np.subtract(*sandwich.interval()[::-1]), np.subtract(*boot.interval()[::-1]),
                               rtol=0.2)
    assert sandwich.style_coefficients == boot.style_coefficients


def test_clustering_needs_prompt_ids():
    with pytest.raises(InputError, match="prompt_id"):
        compute_ratings(_two_models(60, 10, 30), RatingConfig(ci="sandwich", unit="prompt"))


def test_baseline_win_rate_bounds_follow_the_elo_gap():
    result = compute_ratings(_two_models(80, 0, 20), RatingConfig(ci="sandwich"))
    rates = baseline_win_rates(result, "y")
    assert rates["x"]["baseline_win_rate"] == pytest.approx(0.8, rel=1e-3)
    sd_gap = 1.0 / np.sqrt(16.0)
    assert rates["x"]["baseline_lower"] == pytest.approx(1 / (1 + np.exp(-(np.log(4) - Z95 * sd_gap))), rel=1e-3)
    assert rates["y"]["baseline_lower"] == rates["y"]["baseline_upper"] == 0.5


def _battles_file(tmp_path):
    table = simulate_table(np.linspace(-1, 1, 5), 2000, seed=0, n_prompts=100)
    names = ("model_a", "model_b", "tie", "tie (bothbad)")
    rows = [{"model_a": table.models[a], "model_b": table.models[b], "winner": names[o], "prompt_id": p}
            for a, b, o, p in zip(table.a, table.b, table.outcome, table.prompt)]
    path = tmp_path / "battles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_cli_sandwich_says_so_and_writes_no_samples(tmp_path):
    out = tmp_path / "ratings.jsonl"
    result = CliRunner().invoke(cli, ["ratings", str(_battles_file(tmp_path)), "--ci", "sandwich", "--unit",
                                      "prompt", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "sandwich CI clustered by prompt, MLE" in result.output and "bootstrap rounds" not in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5 and all("samples" not in r and r["lower"] < r["rating"] < r["upper"] for r in rows)


@pytest.mark.parametrize("args, message", [
    (["--bootstrap", "50"], "--ci sandwich draws none"),
    (["--point", "median"], "reports the MLE"),
    (["--method", "online"], "online Elo has none"),
    (["--unit", "battle", "--style-control"], "conv_metadata"),
])
def test_cli_refuses_what_a_sandwich_cannot_do(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["ratings", str(_battles_file(tmp_path)), "--ci", "sandwich", *args],
                                catch_exceptions=False)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines() if result.stderr else result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_dense_and_sparse_cluster_scores_agree(monkeypatch):
    import wizardarena.ratings.sandwich as sandwich

    table = simulate_table(np.linspace(-1, 1, 6), 3000, seed=5, n_prompts=150, prompt_effect=0.5)
    config = RatingConfig(ci="sandwich", unit="prompt")
    dense = compute_ratings(table, config).covariance
    monkeypatch.setattr(sandwich, "DENSE_SCORES", 0)
    np.testing.assert_allclose(compute_ratings(table, config).covariance, dense, rtol=1e-10, atol=1e-10)


def test_per_category_boards_follow_the_runs_ci_kind():
    from wizardarena.leaderboard.sources import category_rating_config

    table = simulate_table(np.linspace(-1, 1, 4), 200, seed=0, n_prompts=20)
    config = category_rating_config({"ci": "sandwich", "bootstrap": 0, "unit": "prompt", "seed": 0}, table)
    assert config.ci == "sandwich" and config.describe_ci() == "sandwich CI clustered by prompt, MLE"
    assert category_rating_config({"bootstrap": 30}, table).describe_ci() == "30 bootstrap rounds by prompt"
