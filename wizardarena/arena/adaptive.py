"""Adaptive placement: judge only the games that move a candidate's rating, until its CI is tight enough
(or, with several candidates, until the best one is decided), instead of every candidate against every
reference on every prompt.

Each round fits the ratings exactly as the run reports them (every battle so far, the references' own
games included, with the run's bootstrap) and reads the stopping rules off that fit. Then each candidate
still in the race gets a batch of new (opponent, prompt) games: opponents drawn with probability
proportional to the information a verdict carries about the candidate, p(1 - p) at the current ratings
(so mostly opponents near its rating, never only one); prompts in a seeded order of their own for each
pair. Every game is judged in both position orders. The schedule depends only on the seed and on the
verdicts so far, so a resumed run replays the rounds already judged for free and continues identically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from wizardarena.arena.choosing import Game, GameChooser, prompt_scores
from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig, RatingResult, compute_ratings
from wizardarena.ratings.table import battles_from_columns
from wizardarena.tables import Columns

JudgeGames = Callable[[list[Game]], Columns]  # the battles of those games (both orders, valid ones)
SLACK = 1.15  # an out-of-reach --target-ci becomes "within 15% of the CI the full design would give"


@dataclass(frozen=True)
class AdaptiveConfig:
    """``target_ci``: stop once a candidate's CI half-width (Elo) is at most this; ``max_judgments``: the
    judge-call budget of the candidates' games (None: no cap); ``p_best``: with several candidates, stop
    when one is the best in this share of bootstrap rounds, and drop a candidate from the race when it
    beats the leader in less than ``1 - p_best`` of them."""

    target_ci: float = 15.0
    max_judgments: int | None = None
    p_best: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.target_ci > 0:
            raise InputError(f"--target-ci must be > 0 Elo, got {self.target_ci}")
        if self.max_judgments is not None and self.max_judgments < 2:
            raise InputError(f"--max-judgments must be >= 2 (one game in both orders), got {self.max_judgments}")
        if not 0.5 < self.p_best < 1:
            raise InputError(f"p_best must be in (0.5, 1), got {self.p_best}")


@dataclass(frozen=True)
class Placement:
    """What the adaptive schedule did: the games it chose (in order), the judge calls they take (two per
    game), the rounds, why it stopped, the final fit and its battles, and when candidates left the race
    (name -> judgments scheduled by then)."""

    games: tuple[Game, ...]
    judgments: int
    rounds: int
    stop: str
    ratings: RatingResult
    columns: Columns
    left_race: dict[str, int] = field(default_factory=dict)


def place(reference: Columns, candidates: Sequence[str], opponents: Sequence[str], prompt_ids: Sequence[str],
          judge_games: JudgeGames, ratings: RatingConfig, config: AdaptiveConfig = AdaptiveConfig(),
          holes: dict[str, list[str]] | None = None) -> Placement:
    """Place ``candidates`` among ``opponents`` (whose games among themselves are ``reference``) on
    ``prompt_ids``; ``judge_games`` judges a batch of games and returns their battles. ``holes``: model ->
    prompts it has no answer for (its games on them are never chosen)."""
    if ratings.bootstrap < 1:
        raise InputError("--schedule adaptive reads its stopping rule off the bootstrap CI: give --bootstrap >= 1")
    # The rounds read plain Bradley-Terry: style control (the final table's, if asked) needs every answer's
    # style and costs a battle-by-battle fit; it moves ratings, not how many games pin them down.
    ratings = replace(ratings, style_control=False)
    pool = tuple(dict.fromkeys((*opponents, *candidates)))
    columns = {name: list(values) for name, values in reference.items()}
    chooser = GameChooser(pool, prompt_ids, config.seed, _prior(reference, candidates, ratings),
                       prompt_scores(reference), holes)
    active, left, chosen = list(candidates), {}, []
    judgments, rounds, result = 0, 0, None
    outcomes: dict[str, set[bool]] = {name: set() for name in candidates}  # won (True) / lost (False) seen
    while True:
        budget = None if config.max_judgments is None else (config.max_judgments - judgments) // 2
        batch = chooser.next_games(active, result, len(chosen), budget, np.random.default_rng([config.seed, rounds]))
        if not batch:
            stop = "every game of the candidates was judged (the full design)" if budget != 0 else \
                f"the budget of {config.max_judgments} judgments is spent"
            break
        rounds += 1
        chosen += batch
        judgments += 2 * len(batch)
        new = judge_games(batch)
        _extend(columns, new)
        _note_outcomes(outcomes, new)
        result = compute_ratings(battles_from_columns(columns, "battles"), ratings)
        evidence = Evidence(outcomes, Counter(c for c, _, _ in chosen) + Counter(o for _, o, _ in chosen),
                            len(pool) - 1, min(3 * len(prompt_ids), (len(pool) - 1) * len(prompt_ids) // 4))
        stop = _stop_reason(result, list(candidates), active, left, judgments, config, evidence)
        if stop:
            break
    if result is None:
        result = compute_ratings(battles_from_columns(columns, "battles"), ratings)
    return Placement(tuple(chosen), judgments, rounds, stop, result, columns, left)


def reference_fit(reference: Columns, ratings: RatingConfig) -> RatingResult | None:
    """The references' ratings from their own games alone (no bootstrap, no style control); None when
    there are no such games."""
    if not reference.get("winner"):
        return None
    return compute_ratings(battles_from_columns(reference, "battles"),
                           replace(ratings, bootstrap=0, style_control=False))


def _prior(reference: Columns, candidates: Sequence[str], ratings: RatingConfig) -> dict[str, float]:
    """The references' ratings from their own games, candidates at their median."""
    fitted = reference_fit(reference, ratings)
    if fitted is None:
        return {}
    prior = dict(zip(fitted.models, map(float, fitted.rating)))
    middle = float(np.median(fitted.rating))
    return {**prior, **{name: middle for name in candidates}}


def _stop_reason(result: RatingResult, candidates: list[str], active: list[str], left: dict[str, int],
                 judgments: int, config: AdaptiveConfig, evidence: Evidence) -> str:
    """Why to stop now ("" to go on); drops candidates that can no longer be the best from ``active``."""
    index = [result.models.index(c) for c in candidates]
    placed = {c: _placed(result, c, set(candidates), config, evidence) for c in active}
    if len(candidates) == 1:
        return placed[candidates[0]]
    samples = result.samples[:, index]
    leader = int(np.argmax(np.bincount(samples.argmax(axis=1), minlength=len(index))))
    p_best = float(np.mean(samples.argmax(axis=1) == leader))
    settled = evidence.identified(candidates[leader]) and evidence.games[candidates[leader]] >= 2 * evidence.round_size
    if p_best >= config.p_best and settled:
        return f"{candidates[leader]} is the best with P(best) = {p_best:.2f} >= {config.p_best:g}"
    for k, name in enumerate(candidates):
        if name in active and k != leader and evidence.games[name] >= 2 * evidence.round_size \
                and np.mean(samples[:, k] > samples[:, leader]) < 1 - config.p_best:
            active.remove(name)
            left[name] = judgments
    if all(placed[c] for c in active):
        return (f"every candidate still in the race is placed; the best is not decided (P(best) = {p_best:.2f} "
                f"for {candidates[leader]}): {'; '.join(f'{c}: {placed[c]}' for c in active)}")
    return ""


def _placed(result: RatingResult, name: str, candidates: set[str], config: AdaptiveConfig,
            evidence: Evidence) -> str:
    """Why ``name`` is placed well enough ("" while it is not): its CI half-width is at most
    ``target_ci``; or, once it has played ``settle_games``, within :data:`SLACK` of what the full design
    gives a model rated like it (the references' CIs: each played every prompt against all others; the
    larger of their median and the mean of the two rated nearest), or its CI lies above or below every
    reference's and is at most half as wide again."""
    lower, upper = result.interval()
    k = result.models.index(name)
    half = (upper[k] - lower[k]) / 2
    refs = [j for j, model in enumerate(result.models) if model not in candidates]
    if not refs or not evidence.identified(name) and evidence.games[name] < 2 * evidence.round_size:
        return ""
    if evidence.identified(name) and half <= config.target_ci:
        return f"the CI half-width reached {half:.1f} <= {config.target_ci:g} Elo"
    if evidence.games[name] < evidence.settle_games:
        return ""
    widths = {j: (upper[j] - lower[j]) / 2 for j in refs}
    nearest = sorted(refs, key=lambda j: abs(result.rating[j] - result.rating[k]))[:2]
    reachable = max(float(np.median(list(widths.values()))), float(np.mean([widths[j] for j in nearest])))
    if half <= 1.5 * SLACK * reachable:
        if lower[k] > max(upper[j] for j in refs):
            return f"its CI lies above every reference's (lower bound {lower[k]:.1f}, half-width {half:.1f})"
        if upper[k] < min(lower[j] for j in refs):
            return f"its CI lies below every reference's (upper bound {upper[k]:.1f}, half-width {half:.1f})"
    if evidence.identified(name) and half <= SLACK * reachable:
        return (f"the CI half-width reached {half:.1f}, within {SLACK - 1:.0%} of the {reachable:.1f} the "
                f"references have (what the full design gives; --target-ci {config.target_ci:g} is out of reach "
                f"on these prompts)")
    return ""


@dataclass(frozen=True)
class Evidence:
    """What the candidates have played so far: decisive outcomes seen (won True / lost False) and games."""

    outcomes: dict[str, set[bool]]
    games: Counter
    round_size: int
    settle_games: int  # before the CI may be judged "as good as the full design's": every prompt ~3 times

    def identified(self, name: str) -> bool:
        """Enough to read a CI: a first round's games, and both a win and a loss (before that a rating
        is not identified and a narrow bootstrap CI means nothing)."""
        return len(self.outcomes[name]) == 2 and self.games[name] >= self.round_size


def _extend(columns: Columns, new: Columns) -> None:
    """Append ``new`` battles to ``columns``; a column only one side has is padded with None."""
    size, added = len(columns.get("winner", ())), len(new.get("winner", ()))
    for name in columns.keys() | new.keys():
        columns.setdefault(name, [None] * size).extend(new.get(name) or [None] * added)


def _note_outcomes(outcomes: dict[str, set[bool]], new: Columns) -> None:
    """Record, for each candidate, whether it has won and whether it has lost a decisive battle."""
    for a, b, winner in zip(new["model_a"], new["model_b"], new["winner"]):
        if not winner.startswith("tie"):
            for name, won in ((a, winner == "model_a"), (b, winner == "model_b")):
                if name in outcomes:
                    outcomes[name].add(won)
