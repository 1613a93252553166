"""``wizardarena eval``: test set -> answers -> judgments -> battles -> ratings, resumable at every step."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Callable, Iterator

from wizardarena.arena.answering import generate_answers
from wizardarena.arena.battles import battle_columns, battle_rows
from wizardarena.arena.config import EvalConfig
from wizardarena.arena.judging import JudgingStats, planned_verdicts, run_judgments
from wizardarena.arena.placement import PlacementReport, run_placement
from wizardarena.arena.planning import EvalPlan, make_plan
from wizardarena.arena.reread import reread_invalid
from wizardarena.arena.styles import add_battle_styles, label_styles, stored_styles
from wizardarena.arena.work import heartbeat
from wizardarena.errors import InputError
from wizardarena.judge.report import JudgeReport, judge_report
from wizardarena.ratings import RatingResult, compute_ratings
from wizardarena.ratings.table import battles_from_columns
from wizardarena.records import Battle, Prompt, Verdict
from wizardarena.refs import JudgeRef
from wizardarena.store.protocol import Store


@dataclass(frozen=True)
class EvalResult:
    """Everything a finished run produced. ``judgments`` are the verdicts (scores, no raw replies), one
    per planned game, labelled with this run's names; :func:`write_outputs` reads the full records."""

    plan: EvalPlan
    judgments: list[Verdict]
    battle_columns: dict[str, list]
    ratings: RatingResult
    judge_report: JudgeReport
    model_calls: int
    judging: JudgingStats = JudgingStats()
    placement: PlacementReport | None = None

    @cached_property
    def battles(self) -> list[Battle]:
        """The battles as LMSYS-format records."""
        return battle_rows(self.battle_columns)


def run_eval(config: EvalConfig, store: Store, owner: str,
             progress: Callable[[str, int], Callable[[int], None]] = lambda label, total: (lambda n: None),
             testset: tuple[str, list[Prompt]] | None = None, notice: Callable[[str], None] = lambda text: None,
             **model_options) -> EvalResult:
    """Run (or resume) an evaluation. Backends are built from the references only when work needs
    them (``model_options``, e.g. ``max_concurrency``, go to those that take them and leave them open);
    ``notice`` hears when the run waits on work another run has claimed."""
    with _gc_paused():
        plan = make_plan(config, store, testset)
    calls, reasked, judged, placement = 0, 0, JudgingStats(), None
    judge = _Once(partial(_load_judge, config.judge, model_options))  # one judge for every round
    cluster = ray_stats = None
    if config.engine == "ray" and (plan.missing_judgments or any(plan.missing_answers.values())):
        from wizardarena.arena.ray_engine import RayEngine

        cluster = RayEngine(config.ray_address, config.ray_workers, model_options)
    with heartbeat(store, owner):
        for contestant in config.contestants:
            if plan.missing_answers[contestant.name]:
                advance = progress(f"answers {contestant.name}", plan.missing_answers[contestant.name])
                lacking = set(plan.holes.get(contestant.name, ()))
                prompts = [p for p in plan.prompts if p["id"] not in lacking] if lacking else plan.prompts
                if cluster:
                    calls += cluster.answers(store, contestant, config.decoding, prompts, owner, advance, notice)
                    continue
                calls += generate_answers(store, contestant, partial(_load, contestant.model, model_options),
                                          config.decoding, prompts, owner, config.chunk, advance, notice)
        if plan.missing_judgments:
            keys = [g.key for g in plan.planned]
            reread = reread_invalid(store, config.judge, keys) if config.rejudge_invalid else 0
            reasked = store.reopen_invalid(config.judge.id, keys, config.judge_attempt_budget)
            if config.rejudge_invalid:
                notice(f"--rejudge-invalid: {reread} invalid judgments read by the current parser without a call, "
                       f"{reasked} asked again")
            advance = progress("judgments" if config.schedule == "full" else "reference games",
                               plan.missing_judgments - reread)
            if cluster:
                ray_stats, grouping = cluster.judgments(store, plan.planned, config.judge, owner, advance, notice)
                notice(f"judged on Ray by {config.ray_workers} workers in {grouping}")
            else:
                judged = run_judgments(store, plan.planned, None, judge, owner, config.chunk, advance, notice)
        if config.schedule == "adaptive":
            advance = progress("placement (at most)", plan.placement.most)
            plan, placement = run_placement(config, store, plan, owner, judge, advance, notice)
    stats = JudgingStats(reasked=reasked)
    if judge.value:
        stats = JudgingStats(judge.value.calls, judge.value.stripped, reasked, judged.groups, judged.sent)
    if ray_stats:  # placement (adaptive) judges in this process, after the cluster's games
        stats = JudgingStats(stats.calls + ray_stats.calls, stats.stripped + ray_stats.stripped, reasked)
    calls += stats.calls
    with _gc_paused():
        judgments = planned_verdicts(store, plan.planned, config.judge.id)
        categories = {p["id"]: p.get("category") for p in plan.prompts}
        columns = battle_columns(judgments, config.judge.config.combine, config.judge.config.tie_margin, categories,
                                 config.judge.config.strong_repeats)
        add_battle_styles(columns, label_styles(plan.planned, stored_styles(store, plan.answer_keys())))
        if not columns["winner"]:
            raise InputError(f"no valid judgments: every reply of {config.judge.spec} was unparseable (see them "
                             f"with: wizardarena export STORE --what judgments --out FILE)")
        ratings = compute_ratings(battles_from_columns(columns, "battles"), config.ratings)
        report = judge_report(judgments, config.judge.config.tie_margin)
    return EvalResult(plan, judgments, columns, ratings, report, calls, stats, placement)


def _load(model, options: dict):
    return model.load(**options)


def _load_judge(judge: JudgeRef, options: dict):
    return judge.load(**options)


class _Once:
    """Build the judge on first use only (a cached run never loads it), then hand out the same one."""

    def __init__(self, factory: Callable):
        self.factory, self.value = factory, None

    def __call__(self):
        if self.value is None:
            self.value = self.factory()
        return self.value


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector around bulk, cycle-free allocation (hundreds of thousands of tuples):
    otherwise it re-traverses the growing heap again and again, which cost a third of a cached rerun."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
