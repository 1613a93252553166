"""AlpacaEval 2's length-controlled win rate: a preference driven only by length is length-controlled away,
a real quality gap is not."""

import doctest

import numpy as np
import pytest

import wizardarena.ratings.length_control as length_control
from wizardarena.ratings.length_control import baseline_games, lc_win_rates
from wizardarena.ratings.logistic import expit


def _games(model, quality, n=150, seed=0):
    """Both orders of ``n`` prompts; the candidate's answers are longer than the baseline's on average,
    and the judge's preference is sigmoid(quality + 2 tanh(len_diff / std)) with a little noise."""
    rng = np.random.default_rng(seed)
    diff = rng.normal(150.0, 120.0, n)
    pref = expit(quality + 2.0 * np.tanh(diff / diff.std()))
    games = []
    for k in range(n):
        for noise in rng.normal(0.0, 0.03, 2):
            games.append((model, f"p{k}", float(np.clip(pref[k] + noise, 0, 1)), float(diff[k])))
    return games


def test_doctests_of_the_length_control_module_pass():
    assert doctest.testmod(length_control).failed == 0


def test_length_alone_is_controlled_away_and_quality_stays():
    rates = lc_win_rates(_games("verbose", 0.0) + _games("better", 1.0, seed=1), "base", rounds=50, seed=3)
    verbose, better = rates["verbose"], rates["better"]
    assert verbose["raw_win_rate"] > 0.7  # length alone wins most games
    assert verbose["lc_win_rate"] == pytest.approx(0.5, abs=0.03)
    assert verbose["lc_lower"] < 0.5 < verbose["lc_upper"]
    assert better["lc_win_rate"] == pytest.approx(1 / (1 + np.exp(-1.0)), abs=0.03)  # 0.731
    assert better["lc_lower"] > 0.6 and better["lc_games"] == 300
    assert rates["base"]["lc_win_rate"] == 0.5
    again = lc_win_rates(_games("verbose", 0.0) + _games("better", 1.0, seed=1), "base", rounds=50, seed=3)
    assert again == rates  # seeded


def test_games_against_the_baseline_read_each_side():
    verdicts = [("p1", "j", "m", "base", False, True, 0.8, 0.2), ("p1", "j", "base", "m", True, True, 0.3, 0.7),
                ("p1", "j", "m", "other", False, True, 0.9, 0.1), ("p2", "j", "m", "base", False, False, None, None)]
    lengths = {("m", "p1"): 120, ("base", "p1"): 100, ("other", "p1"): 5}
    assert baseline_games(verdicts, lengths, "base") == [("m", "p1", 0.8, 20.0), ("m", "p1", 0.7, 20.0)]
