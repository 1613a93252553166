"""The adaptive schedule inside ``wizardarena eval``: the games :func:`wizardarena.arena.adaptive.place`
chooses are planned, judged and stored like any other (so they are resumable and shared by later runs).
What a dry run prints about them (the most and the expected calls) is planned in
:mod:`wizardarena.arena.planning`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from wizardarena.arena.adaptive import Game, place
from wizardarena.arena.judging import PlannedGame, plan_games, run_judgments, stored_battle_columns
from wizardarena.arena.planning import EvalPlan, candidate_names
from wizardarena.arena.schedule import games
from wizardarena.store.protocol import Store
from wizardarena.tables import Columns

if TYPE_CHECKING:
    from wizardarena.arena.config import EvalConfig


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


def run_placement(config: EvalConfig, store: Store, plan: EvalPlan, owner: str, judge_factory: Callable,
                  advance: Callable[[int], None], notice: Callable[[str], None]) -> tuple[EvalPlan, PlacementReport]:
    """Place the candidates adaptively; returns the plan with the chosen games added, and the report."""
    prompts = {p["id"]: p for p in plan.prompts}
    answers = store.answers([plan.keys[(c.name, p)] for c in config.contestants for p in prompts])
    chosen: list[PlannedGame] = []

    def judge_games(batch: list[Game]) -> Columns:
        planned = [game for candidate, rival, prompt_id in batch
                   for game in plan_games([prompts[prompt_id]], games([tuple(sorted((candidate, rival)))]),
                                          plan.keys, config.judge.id)]
        run_judgments(store, planned, answers, judge_factory, owner, config.chunk, advance, notice)
        chosen.extend(planned)
        return stored_battle_columns(store, planned, config.judge.config, plan.prompts)

    candidates, opponents = candidate_names(config)
    reference = stored_battle_columns(store, plan.planned, config.judge.config, plan.prompts)
    result = place(reference, candidates, opponents, list(prompts), judge_games, config.ratings, config.adaptive,
                   plan.holes)
    report = PlacementReport(result.judgments, plan.placement.full_design if plan.placement else 0,
                             result.rounds, result.stop, result.left_race)
    return replace(plan, planned=plan.planned + chosen), report
