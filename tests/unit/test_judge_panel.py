"""The panel metrics on hand-built verdicts: agreement, Cohen's kappa, Spearman, per-judge stats."""

import pytest

from wizardarena.arena.config import EvalConfig
from wizardarena.errors import InputError
from wizardarena.judge.panel import cohen_kappa, compare_judges, game_outcomes, rank_correlation
from wizardarena.records import Verdict
from wizardarena.refs import Contestant

SCORES = {"A": (8.0, 2.0), "B": (2.0, 8.0), "T": (5.0, 5.0)}
# (judge 1's winner, judge 2's winner) -> games: the 3x3 confusion table of the two judges' 10 shared games
TABLE = {("A", "A"): 4, ("A", "B"): 1, ("B", "B"): 3, ("B", "T"): 1, ("T", "T"): 1}
MODELS = [("x", "y"), ("y", "x"), ("x", "z"), ("z", "x"), ("y", "z")]


def _verdict(judge, game, label, valid=True):
    prompt, a, b = game
    score_a, score_b = SCORES[label] if valid else (None, None)
    return Verdict(prompt, judge, a, b, False, valid, score_a, score_b)


def _two_judges():
    first, second, k = [], [], 0
    for (one, two), count in TABLE.items():
        for _ in range(count):
            game = (f"p{k // len(MODELS)}", *MODELS[k % len(MODELS)])
            first.append(_verdict("j1", game, one))
            second.append(_verdict("j2", game, two))
            k += 1
    first.append(_verdict("j1", ("p9", "x", "y"), "A"))  # only judge 1 judged it validly: not shared
    second.append(_verdict("j2", ("p9", "x", "y"), "A", valid=False))
    first.append(_verdict("j1", ("p8", "x", "y"), "B"))  # judge 2 never judged it
    return first, second


def test_agreement_and_kappa_match_the_hand_computed_values():
    """Over the 10 games both judged validly (TABLE, rows judge 1, columns judge 2, order A, B, T):

        A: 4 1 0 | 5        p_o = (4 + 3 + 1) / 10 = 0.8
        B: 0 3 1 | 4        judge 1's shares A .5, B .4, T .1; judge 2's A .4, B .4, T .2
        T: 0 0 1 | 1        p_e = .5*.4 + .4*.4 + .1*.2 = 0.38
           4 4 2            kappa = (0.8 - 0.38) / (1 - 0.38) = 0.42 / 0.62 = 21 / 31
    """
    first, second = _two_judges()
    report = compare_judges({"j1": first, "j2": second})
    (pair,) = report.pairs
    assert (pair.judge_a, pair.judge_b, pair.games) == ("j1", "j2", 10)
    assert pair.same_winner == pytest.approx(0.8, abs=1e-9)
    assert pair.kappa == pytest.approx(21 / 31, abs=1e-9)
    one, two = report.judges
    # judge 1: 12 judgments, all valid; decisive A 6 (5 + p9), B 5 (4 + p8): first slot wins 6/11
    assert (one.judgments, one.invalid, one.ties, one.valid_share) == (12, 0, 1, 1.0)
    assert one.first_slot_wins == pytest.approx(6 / 11, abs=1e-9)
    # judge 2: 11 judgments, 1 invalid; decisive A 4, B 4; ties 2
    assert (two.judgments, two.invalid, two.ties) == (11, 1, 2)
    assert two.valid_share == pytest.approx(10 / 11, abs=1e-9) and two.first_slot_wins == pytest.approx(0.5)
    assert report.to_json()["pairs"][0]["kappa"] == pytest.approx(21 / 31)


def test_kappa_edge_cases():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("tie", "tie")] * 3) is None  # p_e = 1: undefined
    # judges always opposite on a balanced set: p_o 0, p_e 0.5 -> kappa -1
    assert cohen_kappa([("model_a", "model_b"), ("model_b", "model_a")]) == pytest.approx(-1.0)


def test_spearman_of_two_hand_made_rankings():
    """Ranks x 1, y 2, z 3, w 4 against y 1, x 2, z 3, w 4: d = (1, -1, 0, 0), sum d^2 = 2, n = 4:
    rho = 1 - 6 * 2 / (4 * (16 - 1)) = 0.8."""
    first = {"x": 1400.0, "y": 1300.0, "z": 1200.0, "w": 1100.0}
    second = {"y": 1500.0, "x": 1450.0, "z": 1000.0, "w": 900.0, "extra": 50.0}  # extra: not shared, ignored
    assert rank_correlation(first, second) == pytest.approx(0.8, abs=1e-9)
    assert rank_correlation({"x": 1.0, "y": 2.0}, {"x": 1.0, "y": 2.0}) is None  # under 3 models


def test_spearman_of_the_judges_own_ratings():
    # judge 1 always prefers the alphabetically first model, judge 2 the last: opposite rankings
    games = [(f"p{k}", a, b) for k in range(4) for a, b in (("x", "y"), ("y", "z"), ("x", "z"), ("z", "x"))]
    first = [_verdict("j1", g, "A" if g[1] < g[2] else "B") for g in games]
    second = [_verdict("j2", g, "B" if g[1] < g[2] else "A") for g in games]
    (pair,) = compare_judges({"j1": first, "j2": second}).pairs
    assert pair.models == 3 and pair.spearman == pytest.approx(-1.0) and pair.same_winner == 0.0


def test_game_outcomes_use_the_tie_margin():
    verdicts = [Verdict("p", "j", "x", "y", False, True, 7.0, 6.0)]
    assert game_outcomes(verdicts) == {("p", "x", "y"): "model_a"}
    assert game_outcomes(verdicts, tie_margin=1.0) == {("p", "x", "y"): "tie"}


def test_a_panel_refuses_a_repeated_judge_and_the_adaptive_schedule():
    models = (Contestant("a", "fake:a"), Contestant("b", "fake:b"))
    with pytest.raises(InputError, match="given twice"):
        EvalConfig(candidates=models, judge="fake:j", panel=("fake:j",), testset="t")
    with pytest.raises(InputError, match="give one --judge"):
        EvalConfig(candidates=models[:1], opponents=models[1:], judge="fake:j", panel=("fake:k",), testset="t",
                   schedule="adaptive")
    config = EvalConfig(candidates=models, judge="fake:j", panel=("fake:k",), testset="t")
    assert [j.spec for j in config.judges] == ["fake:j", "fake:k"]
