"""Judged games -> the scores the flywheel data builders select on, and the battle counts per opponent.

A game is one valid judgment (one judge call, one position order). On each prompt:

- a model's **pairwise** score against an opponent is the mean of its scores over the valid games
  between the two (both position orders, every judge);
- a model's **per-prompt** score is the mean of its scores over all its valid games on that prompt.

Invalid judgments are never scores (they are counted); a model judged against itself is ignored.
Score comparisons allow ``EPSILON`` of float error, so a gap of exactly ``K`` passes a ``>= K`` rule even
when the means are thirds; two scores within ``EPSILON`` are a tie, and a tie is never a win.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Iterable, Mapping, Sequence

from wizardarena.judge.parse import verdict
from wizardarena.records import Judgment, Verdict, as_verdicts

EPSILON = 1e-9


@dataclass(frozen=True)
class PromptScores:
    """The valid games of one prompt as mean scores.

    ``pairwise[(m, o)]``: m's pairwise score against o; ``overall[m]``: m's per-prompt score.
    """

    pairwise: dict[tuple[str, str], float]
    overall: dict[str, float]

    def gap(self, model: str, opponent: str) -> float:
        """``model``'s pairwise score minus ``opponent``'s (negative when ``model`` lost)."""
        return self.pairwise[(model, opponent)] - self.pairwise[(opponent, model)]

    def opponents(self, model: str) -> list[str]:
        """The models ``model`` has a valid game against on this prompt, sorted by name."""
        return sorted(o for m, o in self.pairwise if m == model)


@dataclass(frozen=True)
class BattleScores:
    """Scores of every prompt (in prompt-id order); ``games``: judgments read, ``invalid``: how many were."""

    prompts: dict[str, PromptScores]
    games: int
    invalid: int


def score_battles(judgments: Iterable[Verdict | Judgment]) -> BattleScores:
    """Mean scores per prompt from judgment records or :class:`~wizardarena.records.Verdict` tuples.

    >>> v = [Verdict("p1", "j", "a", "b", False, True, 8.0, 4.0),
    ...      Verdict("p1", "j", "b", "a", True, True, 5.0, 9.0),
    ...      Verdict("p1", "j", "a", "b", False, False, None, None)]
    >>> scores = score_battles(v)
    >>> scores.prompts["p1"].pairwise[("a", "b")], scores.prompts["p1"].gap("a", "b"), scores.invalid
    (8.5, 4.0, 1)
    """
    verdicts = as_verdicts(judgments)
    games: dict[str, dict[tuple[str, str], list[float]]] = defaultdict(lambda: defaultdict(list))
    invalid = 0
    for prompt_id, _, a, b, _, valid, score_a, score_b in verdicts:
        if not valid:
            invalid += 1
        elif a != b:
            games[prompt_id][(a, b)].append(float(score_a))
            games[prompt_id][(b, a)].append(float(score_b))
    prompts = {}
    for prompt_id in sorted(games):
        by_model: dict[str, list[float]] = defaultdict(list)
        for (model, _), scores in sorted(games[prompt_id].items()):
            by_model[model].extend(scores)
        prompts[prompt_id] = PromptScores(
            pairwise={pair: _mean(scores) for pair, scores in sorted(games[prompt_id].items())},
            overall={model: _mean(scores) for model, scores in by_model.items()})
    return BattleScores(prompts, len(verdicts), invalid)


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def passes(gap: float, threshold: float, tie_margin: float = 0.0) -> bool:
    """Whether a score ``gap`` is a win by at least ``threshold`` (equality included) and not a tie under
    the run's tie rule (:func:`wizardarena.judge.parse.verdict`, the one every view uses)."""
    return verdict(gap, 0.0, max(tie_margin, EPSILON)) == "model_a" and gap >= threshold - EPSILON


@dataclass(frozen=True)
class OpponentRecord:
    """The target against one opponent: valid and invalid games (judgments), and per-prompt results
    from the pairwise scores (a tie is an equal pairwise score)."""

    games: int
    invalid: int
    wins: int
    losses: int
    ties: int


@dataclass(frozen=True)
class BattleReport:
    """What the battles of one flywheel stage say about ``target`` (the paper's per-opponent tables).

    ``games`` / ``invalid`` count every judgment read; ``prompts`` the prompts the target has a valid
    game on; ``opponents`` maps each opponent (sorted by name) to the target's record against it.
    """

    target: str
    games: int
    invalid: int
    prompts: int
    opponents: dict[str, OpponentRecord]

    def to_dict(self) -> dict:
        """The report as plain JSON-ready dicts."""
        return asdict(self)


def battle_report(judgments: Iterable[Verdict | Judgment], target: str, tie_margin: float = 0.0) -> BattleReport:
    """Count the games of ``target`` against each opponent and its per-prompt wins, losses and ties (a
    pairwise gap within ``tie_margin`` is a tie).

    >>> v = [Verdict("p1", "j", "t", "o", False, True, 3.0, 7.0),
    ...      Verdict("p1", "j", "o", "t", True, False, None, None)]
    >>> battle_report(v, "t").opponents["o"]
    OpponentRecord(games=1, invalid=1, wins=0, losses=1, ties=0)
    """
    verdicts = as_verdicts(judgments)
    games: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # opponent -> [valid, invalid]
    for _, _, a, b, _, valid, _, _ in verdicts:
        if target in (a, b) and a != b:
            games[b if a == target else a][0 if valid else 1] += 1
    results: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # opponent -> [wins, losses, ties]
    scores = score_battles(verdicts)
    played = 0
    for prompt in scores.prompts.values():
        opponents = prompt.opponents(target)
        played += bool(opponents)
        for opponent in opponents:
            result = verdict(prompt.gap(target, opponent), 0.0, max(tie_margin, EPSILON))
            results[opponent][{"model_a": 0, "model_b": 1, "tie": 2}[result]] += 1
    records = {o: OpponentRecord(games[o][0], games[o][1], *results[o]) for o in sorted(games)}
    return BattleReport(target, scores.games, scores.invalid, played, records)


def counts_by_opponent(rows: Sequence[Mapping], column: str = "source_model") -> dict[str, int]:
    """How many rows each model contributed, by ``column`` (default: the model whose reply is the SFT
    target or the chosen reply; in DPO rows the target's own name counts the pairs it won itself).

    >>> counts_by_opponent([{"source_model": "b"}, {"source_model": "a"}, {"source_model": "b"}])
    {'a': 1, 'b': 2}
    """
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row[column]] += 1
    return dict(sorted(counts.items()))
