"""Online Elo, style control and the pairwise matrices."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import log_expit

from helpers import simulate_style_table
from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.matrix import pairwise_records, predicted_win_matrix, win_rate_matrix
from wizardarena.ratings.online_elo import online_elo
from wizardarena.ratings.style import markdown_style, style_counts, style_features
from wizardarena.ratings.table import battles_from_records


def test_online_elo_single_update_matches_the_elo_formula():
    elo = online_elo(np.array([[0, 0]]), np.array([[1, 1]]), np.array([[1.0, 0.0]]), np.ones((1, 2)), 2, 32)
    first = 1000 + 32 * 0.5
    expected_second = 1 / (1 + 10 ** ((1000 - 32 * 0.5 - first) / 400))
    assert elo[0, 0] == pytest.approx(first - 32 * expected_second)
    assert elo.sum() == pytest.approx(2000)


def test_online_elo_ranks_like_bradley_terry_and_is_seeded():
    table, truth = simulate_style_table(n=8000)
    config = RatingConfig(method="online", bootstrap=8, seed=5)
    online = compute_ratings(table, config)
    again = compute_ratings(table, config)
    assert np.array_equal(online.samples, again.samples)
    assert list(np.argsort(online.fitted)) == list(np.argsort(truth))
    other = compute_ratings(table, RatingConfig(method="online", bootstrap=8, seed=6))
    assert not np.array_equal(online.samples, other.samples)


def test_style_control_matches_an_independent_fit_and_removes_a_length_bias():
    table, truth = simulate_style_table(n=20000, style_effect=0.6)
    plain = compute_ratings(table, RatingConfig(bootstrap=0))
    controlled = compute_ratings(table, RatingConfig(bootstrap=20, style_control=True))
    feature = style_features(*style_counts(table))[:, 0]
    won = (table.outcome == 0).astype(float)
    m = len(table.models)

    def negative_log_likelihood(x):
        d = x[table.a] - x[table.b] + x[m] * feature
        return -(won * log_expit(d) + (1 - won) * log_expit(-d)).sum()

    reference = minimize(negative_log_likelihood, np.zeros(m + 1), method="BFGS").x
    assert controlled.style_coefficients["length"] == pytest.approx(reference[m], abs=1e-3)
    assert controlled.style_coefficients["length"] == pytest.approx(0.6, abs=0.1)
    assert np.abs(controlled.fitted - truth).mean() < 0.5 * np.abs(plain.fitted - truth).mean()
    lower, upper = controlled.interval()
    assert np.all(lower <= controlled.rating) and np.all(controlled.rating <= upper)


def test_style_control_without_features_is_a_clear_error():
    table = battles_from_records([{"model_a": "x", "model_b": "y", "winner": "model_a"},
                                  {"model_a": "y", "model_b": "x", "winner": "model_a"}])
    with pytest.raises(InputError, match="conv_metadata"):
        compute_ratings(table, RatingConfig(style_control=True))


def test_style_counts_from_lmsys_conv_metadata():
    meta = {"sum_assistant_a_tokens": 300, "sum_assistant_b_tokens": 100,
            "header_count_a": {"h1": 1}, "header_count_b": {"h1": 0},
            "list_count_a": {"ordered": 2, "unordered": 1}, "list_count_b": {"ordered": 0, "unordered": 0},
            "bold_count_a": {"**": 1, "__": 0}, "bold_count_b": {"**": 0, "__": 0}}
    rows = [{"model_a": "x", "model_b": "y", "winner": w, "conv_metadata": meta} for w in ("model_a", "model_b") * 3]
    result = compute_ratings(battles_from_records(rows), RatingConfig(bootstrap=0, style_control=True))
    assert set(result.style_coefficients) == {"length", "headers", "lists", "bold"}


def test_markdown_style_counts():
    text = "## Plan\n1. first\n2. **second**\n- x\nplain __words__ here"
    assert markdown_style(text) == {"length": 11, "headers": 1, "lists": 3, "bold": 2}


def test_win_rate_matrix_and_prediction():
    rows = ([{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 3
            + [{"model_a": "y", "model_b": "x", "winner": "tie"}] * 2
            + [{"model_a": "y", "model_b": "z", "winner": "model_b"}])
    models, rate, count = win_rate_matrix(battles_from_records(rows))
    assert models == ("x", "y", "z")
    assert rate[0, 1] == pytest.approx(4 / 5) and rate[1, 0] == pytest.approx(1 / 5)
    assert count[0, 1] == 5 and np.isnan(rate[0, 2])
    p = predicted_win_matrix(np.array([1200.0, 1000.0, 900.0]))
    assert np.allclose(p + p.T, 1.0) and p[0, 1] == pytest.approx(1 / (1 + 10 ** -0.5))
    pairs = pairwise_records(battles_from_records(rows), models, np.array([1200.0, 1000.0, 900.0]))
    assert {(r["model_a"], r["model_b"]) for r in pairs} == {("x", "y"), ("y", "x"), ("y", "z"), ("z", "y")}
