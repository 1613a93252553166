"""Arena-Hard's arithmetic on a hand-worked example: five-level verdicts -> weighted battles -> Bradley-Terry
-> win rate against the baseline with a CI."""

import numpy as np
import pytest

from wizardarena.arena.battles import battles_from_judgments
from wizardarena.judge.protocols import FIVE_LEVELS
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.baseline import baseline_win_rates
from wizardarena.ratings.table import battles_from_records

# (prompt, model shown first, model shown second, verdict); every pair is judged in both orders.
GAMES = [
    ("p1", "m1", "base", "A>>B"), ("p1", "base", "m1", "B>A"),
    ("p2", "m1", "base", "A=B"), ("p2", "base", "m1", "A>B"),
    ("p3", "m1", "base", "B>A"), ("p3", "base", "m1", "A=B"),
    ("p1", "m2", "base", "A>B"), ("p1", "base", "m2", "A>>B"),
    ("p2", "m2", "base", "B>>A"), ("p2", "base", "m2", "A=B"),
    ("p3", "m2", "base", "A=B"), ("p3", "base", "m2", "B>>A"),
]


def _judgments():
    return [{"prompt_id": p, "model_a": a, "model_b": b, "judge": "arena-hard", "swapped": a == "base",
             "score_a": FIVE_LEVELS[v][0], "score_b": FIVE_LEVELS[v][1], "p_a": None, "winner": None, "valid": True,
             "raw": f"[[{v}]]"} for p, a, b, v in GAMES]


def _tally(battles, model):
    wins = sum(b["winner"] == ("model_a" if b["model_a"] == model else "model_b") for b in battles
               if model in (b["model_a"], b["model_b"]))
    ties = sum(b["winner"] == "tie" for b in battles if model in (b["model_a"], b["model_b"]))
    total = sum(model in (b["model_a"], b["model_b"]) for b in battles)
    return wins, ties, total - wins - ties


def test_arena_hard_arithmetic_matches_the_hand_computation():
    """By hand, with strong weight 3 (a strong verdict is 3 battles, every other verdict 1):

    m1 vs base: p1 A>>B (m1 first) = 3 m1 wins, p1 B>A (m1 second) = 1 m1 win; p2 A=B = 1 tie, p2 A>B (base
    first) = 1 base win; p3 B>A (m1 first) = 1 base win, p3 A=B = 1 tie -> 4 wins, 2 ties, 2 losses, 8 battles.
    m2 vs base: p1 A>B = 1 m2 win, p1 A>>B (base first) = 3 base wins; p2 B>>A (m2 first) = 3 base wins,
    p2 A=B = 1 tie; p3 A=B = 1 tie, p3 B>>A (m2 second) = 3 m2 wins -> 4 wins, 2 ties, 6 losses, 12 battles.
    With only games against the baseline, the Bradley-Terry MLE predicts exactly the weighted score share
    (wins + ties / 2) / battles: m1 (4 + 1) / 8 = 0.625, m2 (4 + 1) / 12 = 5/12 = 0.416667; in Elo,
    400 log10(p / (1 - p)) above the baseline: m1 +88.74, m2 -57.92. With weight 1 both are 2-2-2: 0.5.
    """
    battles = battles_from_judgments(_judgments(), strong_weight=3)
    assert _tally(battles, "m1") == (4, 2, 2) and _tally(battles, "m2") == (4, 2, 6)
    assert _tally(battles_from_judgments(_judgments()), "m1") == (2, 2, 2)
    assert _tally(battles_from_judgments(_judgments()), "m2") == (2, 2, 2)
    config = RatingConfig(bootstrap=200, unit="prompt", point="mle", ridge=1e-12, seed=0)
    result = compute_ratings(battles_from_records(battles), config)
    rates = baseline_win_rates(result, "base")
    assert rates["m1"]["baseline_win_rate"] == pytest.approx(0.625, abs=1e-6)
    assert rates["m2"]["baseline_win_rate"] == pytest.approx(5 / 12, abs=1e-6)
    assert rates["base"]["baseline_win_rate"] == pytest.approx(0.5, abs=1e-12)
    elo = dict(zip(result.models, result.fitted))
    assert elo["m1"] - elo["base"] == pytest.approx(400 * np.log10(5 / 3), abs=1e-4)
    assert elo["m2"] - elo["base"] == pytest.approx(400 * np.log10(5 / 7), abs=1e-4)
    for model in ("m1", "m2"):
        low, high = rates[model]["baseline_lower"], rates[model]["baseline_upper"]
        assert low < rates[model]["baseline_win_rate"] < high  # the CI exists and holds the point
    unweighted = compute_ratings(battles_from_records(battles_from_judgments(_judgments())), config)
    assert baseline_win_rates(unweighted, "base")["m1"]["baseline_win_rate"] == pytest.approx(0.5, abs=1e-6)
