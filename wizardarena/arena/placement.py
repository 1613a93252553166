"""The adaptive schedule inside ``wizardarena eval``: the games :func:`wizardarena.arena.adaptive.place`
chooses are planned, judged and stored like any other (so they are resumable and shared by later runs),
and a dry run prints the most and the expected judge calls."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import numpy as np

from wizardarena.arena.adaptive import Game, Placement, place
from wizardarena.arena.battles import battle_columns
from wizardarena.arena.judging import PlannedGame, labelled_verdicts, plan_games, run_judgments
from wizardarena.arena.schedule import games, versus
from wizardarena.records import Verdict
from wizardarena.store.protocol import Store
from wizardarena.tables import Columns

FLIPPED = {"model_a": "model_b", "model_b": "model_a"}

if TYPE_CHECKING:
    from wizardarena.arena.pipeline import EvalConfig, EvalPlan


@dataclass(frozen=True)
class PlacementPlan:
    """Before an adaptive run: the judge calls of every candidate game (the full design), the most the
    run may make (that, or ``--max-judgments``), and the expected number (None until the references'
    games are judged: the estimate replays the schedule against their ratings)."""

    full_design: int
    most: int
    expected: int | None


@dataclass(frozen=True)
class PlacementReport:
    """After an adaptive run: judge calls scheduled for the candidates, of how many in the full design,
    rounds, why it stopped, and candidates that left the race (name -> judgments scheduled by then)."""

    judgments: int
    full_design: int
    rounds: int
    stop: str
    left_race: dict[str, int]

    def summary(self) -> str:
        """One paragraph for the terminal."""
        share = self.judgments / self.full_design if self.full_design else 0.0
        text = (f"adaptive schedule: {self.judgments:,} of {self.full_design:,} candidate judgments "
                f"({share:.0%} of the full design) in {self.rounds} rounds; stopped: {self.stop}")
        for name, at in self.left_race.items():
            text += f"\n  {name} left the race after {at:,} judgments (it could no longer be the best)"
        return text


def plan_placement(config: EvalConfig, plan: EvalPlan, store: Store, estimate: bool) -> PlacementPlan:
    """The call counts of an adaptive run; ``estimate`` also simulates it (dry runs only)."""
    candidates, opponents = _names(config)
    full = 2 * len(plan.prompts) * len(versus(candidates, opponents))
    most = full if config.adaptive.max_judgments is None else min(full, config.adaptive.max_judgments)
    expected = None
    if estimate and plan.missing_reference == 0 and plan.reference_pairs:
        expected = _simulated_calls(config, _reference_columns(config, plan, store), plan)
    return PlacementPlan(full, most, expected)


def run_placement(config: EvalConfig, store: Store, plan: EvalPlan, owner: str, judge_factory: Callable,
                  advance: Callable[[int], None], notice: Callable[[str], None]) -> tuple[EvalPlan, PlacementReport]:
    """Place the candidates adaptively; returns the plan with the chosen games added, and the report."""
    prompts = {p["id"]: p for p in plan.prompts}
    answers = store.answers(plan.answer_keys() + [plan.keys[(c.name, p)] for c in config.candidates
                                                  for p in prompts])
    chosen: list[PlannedGame] = []
    categories = {p["id"]: p.get("category") for p in plan.prompts}

    def judge_games(batch: list[Game]) -> Columns:
        planned = [game for candidate, rival, prompt_id in batch
                   for game in plan_games([prompts[prompt_id]], games([tuple(sorted((candidate, rival)))]),
                                          plan.keys, config.judge.id)]
        run_judgments(store, planned, answers, judge_factory, owner, config.chunk, advance, notice)
        chosen.extend(planned)
        stored = store.judgments([g.key for g in planned])
        verdicts = labelled_verdicts(planned, {key: Verdict.of(record) for key, record in stored.items()})
        return battle_columns(verdicts, config.judge.config.combine, config.judge.config.tie_margin, categories)

    candidates, opponents = _names(config)
    result = place(_reference_columns(config, plan, store), candidates, opponents, list(prompts), judge_games,
                   config.ratings, config.adaptive)
    report = PlacementReport(result.judgments, plan.placement.full_design if plan.placement else 0,
                             result.rounds, result.stop, result.left_race)
    return replace(plan, planned=plan.planned + chosen), report


def _names(config: EvalConfig) -> tuple[list[str], list[str]]:
    return [c.name for c in config.candidates], [c.name for c in config.opponents]


def _reference_columns(config: EvalConfig, plan: EvalPlan, store: Store) -> Columns:
    """The battles of the references' own games (every planned game of an adaptive plan)."""
    stored = store.judgments([g.key for g in plan.planned])
    verdicts = labelled_verdicts(plan.planned, {key: Verdict.of(record) for key, record in stored.items()})
    categories = {p["id"]: p.get("category") for p in plan.prompts}
    return battle_columns(verdicts, config.judge.config.combine, config.judge.config.tie_margin, categories)


def _simulated_calls(config: EvalConfig, reference: Columns, plan: EvalPlan) -> int | None:
    """Judge calls of the adaptive schedule when every candidate plays exactly like the median reference:
    its games are answered with that reference's own stored verdicts (prompt effects included), so the
    estimate is a typical run's, not a bound."""
    from wizardarena.ratings import compute_ratings
    from wizardarena.ratings.table import battles_from_columns

    if not reference.get("winner"):
        return None
    fitted = compute_ratings(battles_from_columns(reference), replace(config.ratings, bootstrap=0))
    median = fitted.models[int(np.argsort(fitted.rating)[len(fitted.models) // 2])]
    verdicts = {}
    for a, b, winner, prompt in zip(reference["model_a"], reference["model_b"], reference["winner"],
                                    reference["prompt_id"]):
        verdicts[(a, b, prompt)] = winner
        verdicts.setdefault((b, a, prompt), FLIPPED.get(winner, winner))
    candidates, opponents = _names(config)

    def replayed(batch: list[Game]) -> Columns:
        columns: Columns = {"model_a": [], "model_b": [], "winner": [], "prompt_id": []}
        for candidate, rival, prompt in batch:
            for a, b in ((candidate, rival), (rival, candidate)):
                shown = tuple(median if name in candidates else name for name in (a, b))
                winner = "tie" if shown[0] == shown[1] else verdicts.get((*shown, prompt))
                if winner is not None:
                    for name, value in zip(columns, (a, b, winner, prompt)):
                        columns[name].append(value)
        return columns

    ref = {name: reference[name] for name in ("model_a", "model_b", "winner", "prompt_id")}
    outcome: Placement = place(ref, candidates, opponents, [p["id"] for p in plan.prompts], replayed,
                               config.ratings, config.adaptive)
    return outcome.judgments
