"""Planning an evaluation: the schedule of games, and how many answers and judge calls are still missing
(what ``--dry-run`` prints), without spending anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from wizardarena.arena.adaptive import Game, Placement, place, reference_fit
from wizardarena.arena.holes import answer_holes, check_holes, skip_games
from wizardarena.arena.judging import PlannedGame, plan_games, stored_battle_columns
from wizardarena.arena.schedule import games, round_robin, sample_prompts, versus
from wizardarena.records import Prompt
from wizardarena.refs import answer_key
from wizardarena.store.protocol import Store
from wizardarena.tables import Columns
from wizardarena.testsets import load_testset

FLIPPED = {"model_a": "model_b", "model_b": "model_a"}

if TYPE_CHECKING:
    from wizardarena.arena.config import EvalConfig


@dataclass
class EvalPlan:
    """What a run needs, before spending it (``--dry-run`` prints it). ``planned`` lists every game of
    the fixed schedule (all of it, or the references' own games under the adaptive schedule); games of
    identical models share a judgment key. ``keys`` maps (name, prompt id) to the answer key. ``holes``:
    contestant -> prompts its pre-computed answers lack; ``skipped``: per such contestant, the games of
    the fixed schedule left out for them (:mod:`wizardarena.arena.holes`)."""

    testset: str
    prompts: list
    pairs: list[tuple[str, str]]
    missing_answers: dict[str, int]
    missing_generations: dict[str, int]
    planned: list[PlannedGame]
    missing_judgments: int
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    reference_judgments: int = 0
    missing_reference: int = 0
    placement: PlacementPlan | None = None
    holes: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def answer_keys(self) -> list[str]:
        """Every answer key the games read, sorted."""
        return sorted({g.answer_a for g in self.planned} | {g.answer_b for g in self.planned})


def make_plan(config: EvalConfig, store: Store, testset: tuple[str, list[Prompt]] | None = None,
              write: bool = True) -> EvalPlan:
    """Put the test set into the store (only checked against it when ``write`` is False: a dry run) and
    count the generations and judge calls still missing, invalid judgments with attempts left included.
    ``testset`` is the already loaded (name, prompts), else ``config.testset`` is read. Games on prompts
    a contestant's pre-computed answers lack are skipped, or the run refused first (``missing_answers``)."""
    name, prompts = testset or load_testset(config.testset)
    prompts = prompts[: config.limit] if config.limit else prompts
    holes = answer_holes(config.contestants, prompts)
    check_holes(holes, config.missing_answers, len(prompts))
    (store.put_prompts if write else store.check_prompts)(name, prompts)
    contestants = config.contestants
    names = [c.name for c in contestants]
    candidates, opponents = names[: len(config.candidates)], names[len(config.candidates):]
    references = round_robin(opponents) if config.opponents else []
    if not config.opponents:
        pairs = round_robin(names)
    else:  # the adaptive schedule plans only the references' own games: the rest is chosen while it runs
        pairs = references + (versus(candidates, opponents) if config.schedule == "full" else [])
    keys = {(c.name, p["id"]): answer_key(c.model, config.decoding, p) for c in contestants for p in prompts}
    complete = store.complete_answer_keys(keys.values())
    lacking = {name: set(ids) for name, ids in holes.items()}
    missing = {c.name: [p for p in prompts if keys[(c.name, p["id"])] not in complete
                        and p["id"] not in lacking.get(c.name, ())] for c in contestants}
    sampled = config.reference_prompts is not None and config.reference_prompts < len(prompts)
    planned = plan_games(prompts, games(pairs[len(references):] if sampled else pairs), keys, config.judge.id)
    if sampled:  # each pair of references on its own stable sample of prompts
        planned = [game for pair in references for game in plan_games(
            sample_prompts(pair, prompts, config.reference_prompts), games([pair]), keys, config.judge.id)] + planned
    planned, skipped = skip_games(planned, holes)
    planned_keys = {game[0] for game in planned}
    judged = store.judged_keys(config.judge.id, planned_keys)  # this plan's: a shared store holds every run's
    retry = store.retryable_invalid(config.judge.id, planned_keys, config.judge_attempt_budget)
    missing_judgments = len(planned_keys - judged) + len(retry)
    generations = {c.name: 0 if c.model.backend == "answers" else sum(len(p["turns"]) for p in missing[c.name])
                   for c in contestants}
    among = _both_orders(references)
    reference_keys = {g.key for g in planned if (g.model_a, g.model_b) in among} if among else set()
    plan = EvalPlan(name, prompts, pairs, {k: len(v) for k, v in missing.items()}, generations, planned,
                    missing_judgments, keys, len(reference_keys), len(reference_keys - judged),
                    holes=holes, skipped=dict(skipped))
    if config.schedule == "adaptive":
        plan.placement = plan_placement(config, plan, store, estimate=not write)
    return plan


def _both_orders(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {pair for a, b in pairs for pair in ((a, b), (b, a))}


def candidate_names(config: EvalConfig) -> tuple[list[str], list[str]]:
    """The names of the candidates and of the opponents."""
    return [c.name for c in config.candidates], [c.name for c in config.opponents]


@dataclass(frozen=True)
class PlacementPlan:
    """Before an adaptive run: the judge calls of every candidate game (the full design), the most the
    run may make (that, or ``--max-judgments``), and the expected number (None until the references'
    games are judged: the estimate replays the schedule against their ratings)."""

    full_design: int
    most: int
    expected: int | None


def plan_placement(config: EvalConfig, plan: EvalPlan, store: Store, estimate: bool) -> PlacementPlan:
    """The call counts of an adaptive run; ``estimate`` also simulates it (dry runs only)."""
    candidates, opponents = candidate_names(config)
    full = 2 * len(plan.prompts) * len(versus(candidates, opponents))
    most = full if config.adaptive.max_judgments is None else min(full, config.adaptive.max_judgments)
    expected = None
    if estimate and plan.missing_reference == 0 and plan.reference_judgments:
        reference = stored_battle_columns(store, plan.planned, config.judge.config, plan.prompts)
        expected = _simulated_calls(config, reference, plan)
    return PlacementPlan(full, most, expected)


def _simulated_calls(config: EvalConfig, reference: Columns, plan: EvalPlan) -> int | None:
    """Judge calls of the adaptive schedule when every candidate plays exactly like the median reference:
    its games are answered with that reference's own stored verdicts (prompt effects included), so the
    estimate is a typical run's, not a bound."""
    fitted = reference_fit(reference, config.ratings)
    if fitted is None:
        return None
    median = fitted.models[int(np.argsort(fitted.rating)[len(fitted.models) // 2])]
    verdicts = {}
    for a, b, winner, prompt in zip(reference["model_a"], reference["model_b"], reference["winner"],
                                    reference["prompt_id"]):
        verdicts[(a, b, prompt)] = winner
        verdicts.setdefault((b, a, prompt), FLIPPED.get(winner, winner))
    candidates, opponents = candidate_names(config)

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
                               config.ratings, config.adaptive, plan.holes)
    return outcome.judgments
