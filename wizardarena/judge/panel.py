"""How the judges of a panel compare: each judge's validity and position bias, and for every pair of judges
their agreement on the games both judged validly (same winner, Cohen's kappa, Spearman of their rankings).

Pure functions on :class:`~wizardarena.records.Verdict` tuples. A game is matched across judges by
``(prompt_id, model_a, model_b)``: the prompt and the two models in the order shown (the judgment keys
hash the judge id, so they cannot be matched; stored records carry no answer keys).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Iterable, Mapping, Sequence

from wizardarena.judge.parse import verdict
from wizardarena.judge.report import judge_report
from wizardarena.records import Verdict

OUTCOMES = ("model_a", "model_b", "tie")
GameKey = tuple[str, str, str]


@dataclass(frozen=True)
class JudgeStats:
    """One judge's behaviour: judgments, valid share, invalid and tie counts, the share of decisive games the
    first shown answer won (0.5: no position bias) and the share of both-order pairs whose verdicts agree."""

    judge: str
    judgments: int
    valid_share: float | None
    invalid: int
    ties: int
    first_slot_wins: float | None
    consistency: float | None


@dataclass(frozen=True)
class PairAgreement:
    """Two judges over the ``games`` both judged validly: the share with the same winner, Cohen's kappa over
    the three outcomes, and the Spearman correlation of the ratings each judge's battles on those games
    give alone (over ``models`` models; None when undefined)."""

    judge_a: str
    judge_b: str
    games: int
    same_winner: float | None
    kappa: float | None
    spearman: float | None
    models: int


@dataclass(frozen=True)
class PanelReport:
    """Every judge's :class:`JudgeStats` and every pair's :class:`PairAgreement`."""

    judges: tuple[JudgeStats, ...]
    pairs: tuple[PairAgreement, ...]

    def to_json(self) -> dict:
        """The report as plain JSON values (``panel.json``)."""
        return {"judges": [asdict(j) for j in self.judges], "pairs": [asdict(p) for p in self.pairs]}


def game_outcomes(verdicts: Iterable[Verdict], tie_margin: float = 0.0) -> dict[GameKey, str]:
    """(prompt_id, model_a, model_b) -> winner by position (``model_a``, ``model_b``, ``tie``) of each valid
    verdict; the first verdict of a game wins when a store holds it twice (two test sets sharing ids).

    >>> game_outcomes([Verdict("p", "j", "x", "y", False, True, 8.0, 3.0), Verdict("p", "j", "y", "x", True, False,
    ...                None, None)])
    {('p', 'x', 'y'): 'model_a'}
    """
    out: dict[GameKey, str] = {}
    for p, _, a, b, _, valid, sa, sb in verdicts:
        if valid:
            out.setdefault((p, a, b), verdict(sa, sb, tie_margin))
    return out


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels ``(first, second)``: (p_o - p_e) / (1 - p_e), with p_o the observed
    agreement and p_e the agreement expected from each rater's label shares. None without pairs or when
    p_e is 1 (both raters always give the same one label).

    >>> round(cohen_kappa([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]), 6)  # p_o 3/4, p_e 1/2
    0.5
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(x == y for x, y in pairs) / n
    labels = {label for pair in pairs for label in pair}
    expected = sum((sum(x == k for x, _ in pairs) / n) * (sum(y == k for _, y in pairs) / n) for k in labels)
    return None if math.isclose(expected, 1.0) else (observed - expected) / (1 - expected)


def rank_correlation(ratings_a: Mapping[str, float], ratings_b: Mapping[str, float]) -> float | None:
    """Spearman correlation of two ratings over their shared models (None under 3 models, or when either
    side is constant).

    >>> rank_correlation({"x": 3.0, "y": 2.0, "z": 1.0}, {"x": 10.0, "y": 30.0, "z": 20.0})
    -0.5
    """
    import numpy as np

    from wizardarena.agreement.metrics import spearman
    from wizardarena.agreement.rankings import Ranking

    shared = sorted(set(ratings_a) & set(ratings_b))
    if len(shared) < 3:
        return None
    scores = [np.array([r[m] for m in shared], dtype=float) for r in (ratings_a, ratings_b)]
    rankings = [Ranking(tuple(shared), score, score, score) for score in scores]  # a point ranking: no CI
    value = spearman(*rankings)
    return None if math.isnan(value) else value


def judge_stats(judge: str, verdicts: Sequence[Verdict], tie_margin: float = 0.0) -> JudgeStats:
    """:class:`JudgeStats` of one judge's verdicts (counts by :func:`~wizardarena.judge.report.judge_report`)."""
    report = judge_report(verdicts, tie_margin)
    valid_share = (report.judgments - report.invalid) / report.judgments if report.judgments else None
    return JudgeStats(judge, report.judgments, valid_share, report.invalid, report.ties, report.first_slot_wins,
                      report.consistency)


def compare_judges(by_judge: Mapping[str, Sequence[Verdict]], tie_margin: float = 0.0) -> PanelReport:
    """The :class:`PanelReport` of judges (id -> verdicts), pairs in the mapping's order."""
    outcomes = {judge: game_outcomes(verdicts, tie_margin) for judge, verdicts in by_judge.items()}
    pairs = []
    for first, second in combinations(by_judge, 2):
        shared = sorted(outcomes[first].keys() & outcomes[second].keys())
        labels = [(outcomes[first][g], outcomes[second][g]) for g in shared]
        same = sum(x == y for x, y in labels) / len(labels) if labels else None
        ratings = [_point_ratings(shared, outcomes[judge]) for judge in (first, second)]
        correlation = rank_correlation(*ratings) if all(ratings) else None
        models = len(set(ratings[0]) & set(ratings[1])) if all(ratings) else 0
        pairs.append(PairAgreement(first, second, len(shared), same, cohen_kappa(labels), correlation, models))
    stats = tuple(judge_stats(judge, verdicts, tie_margin) for judge, verdicts in by_judge.items())
    return PanelReport(stats, tuple(pairs))


def _point_ratings(games: Sequence[GameKey], outcomes: Mapping[GameKey, str]) -> dict[str, float] | None:
    """The Bradley-Terry point ratings (no bootstrap) of one judge's battles on ``games``; None when they
    cannot be rated (no battles, or models not connected by any game)."""
    from wizardarena.errors import InputError
    from wizardarena.ratings import RatingConfig, compute_ratings
    from wizardarena.ratings.table import battles_from_columns

    if not games:
        return None
    columns = {"model_a": [g[1] for g in games], "model_b": [g[2] for g in games],
               "winner": [outcomes[g] for g in games], "prompt_id": [g[0] for g in games]}
    try:
        result = compute_ratings(battles_from_columns(columns), RatingConfig(bootstrap=0, point="mle"))
    except InputError:
        return None
    return dict(zip(result.models, (float(r) for r in result.fitted)))
