"""``wizardarena eval``: test set -> answers -> judgments -> battles -> ratings, resumable at every step."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import Callable, Iterator

from wizardarena.arena.answering import generate_answers
from wizardarena.arena.battles import battle_columns, battle_rows
from wizardarena.arena.judging import JudgingStats, PlannedGame, labelled_verdicts, plan_games, run_judgments
from wizardarena.arena.schedule import games, round_robin, versus
from wizardarena.arena.styles import add_battle_styles, label_styles, stored_styles
from wizardarena.arena.work import heartbeat
from wizardarena.backends.base import Decoding
from wizardarena.errors import InputError
from wizardarena.judge.report import JudgeReport, judge_report
from wizardarena.ratings import RatingConfig, RatingResult, compute_ratings
from wizardarena.ratings.table import battles_from_columns
from wizardarena.records import Battle, Prompt, Verdict
from wizardarena.refs import Contestant, JudgeRef, answer_key, resolve_judge
from wizardarena.store.protocol import Store
from wizardarena.testsets import load_testset


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation. ``candidates`` are the models under test (``--model``); ``opponents`` fixed
    references. With no opponents the schedule is the paper's full round-robin. ``judge`` is a
    :class:`JudgeRef` (a spec string is resolved with the default judge settings)."""

    candidates: tuple[Contestant, ...]
    judge: JudgeRef
    testset: str
    opponents: tuple[Contestant, ...] = ()
    decoding: Decoding = field(default_factory=Decoding)
    ratings: RatingConfig = field(default_factory=lambda: RatingConfig(unit="prompt"))
    limit: int | None = None
    chunk: int = 64
    max_judge_attempts: int = 9

    def __post_init__(self) -> None:
        if self.max_judge_attempts < 1:
            raise InputError("the judge attempt budget must be >= 1")
        if self.limit is not None and self.limit < 1:
            raise InputError(f"--limit must be >= 1, got {self.limit}")
        if isinstance(self.judge, str):
            object.__setattr__(self, "judge", resolve_judge(self.judge))
        names = [c.name for c in (*self.candidates, *self.opponents)]
        if not self.candidates:
            raise InputError("give at least one --model")
        if len(set(names)) != len(names):
            raise InputError(f"two contestants share a name: {sorted(n for n in names if names.count(n) > 1)[0]!r}"
                             " (use NAME=SPEC to tell them apart)")
        if len(names) < 2:
            raise InputError("an arena needs at least two models: add another --model or --opponents")

    @property
    def contestants(self) -> tuple[Contestant, ...]:
        """Candidates, then opponents."""
        return (*self.candidates, *self.opponents)


@dataclass
class EvalPlan:
    """What a run needs, before spending it (``--dry-run`` prints it). ``planned`` lists every game of
    the schedule; games of identical models share a judgment key."""

    testset: str
    prompts: list
    pairs: list[tuple[str, str]]
    missing_answers: dict[str, int]
    missing_generations: dict[str, int]
    planned: list[PlannedGame]
    missing_judgments: int

    def answer_keys(self) -> list[str]:
        """Every answer key the games read, sorted."""
        return sorted({g.answer_a for g in self.planned} | {g.answer_b for g in self.planned})


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

    @cached_property
    def battles(self) -> list[Battle]:
        """The battles as LMSYS-format records."""
        return battle_rows(self.battle_columns)


def make_plan(config: EvalConfig, store: Store, testset: tuple[str, list[Prompt]] | None = None,
              write: bool = True) -> EvalPlan:
    """Put the test set into the store (only checked against it when ``write`` is False: a dry run) and
    count the generations and judge calls still missing, invalid judgments with attempts left included.
    ``testset`` is the already loaded (name, prompts), else ``config.testset`` is read."""
    name, prompts = testset or load_testset(config.testset)
    prompts = prompts[: config.limit] if config.limit else prompts
    (store.put_prompts if write else store.check_prompts)(name, prompts)
    contestants = config.contestants
    names = [c.name for c in contestants]
    pairs = versus(names[: len(config.candidates)], names[len(config.candidates):]) if config.opponents \
        else round_robin(names)
    keys = {(c.name, p["id"]): answer_key(c.model, config.decoding, p) for c in contestants for p in prompts}
    complete = store.complete_answer_keys(keys.values())
    missing = {c.name: [p for p in prompts if keys[(c.name, p["id"])] not in complete] for c in contestants}
    planned = plan_games(prompts, games(pairs), keys, config.judge.id)
    judged = store.judged_keys(config.judge.id)
    planned_keys = {game[0] for game in planned}
    retry = store.retryable_invalid(config.judge.id, planned_keys, config.max_judge_attempts)
    missing_judgments = len(planned_keys - judged) + len(retry)
    generations = {c.name: 0 if c.model.backend == "answers" else sum(len(p["turns"]) for p in missing[c.name])
                   for c in contestants}
    return EvalPlan(name, prompts, pairs, {k: len(v) for k, v in missing.items()}, generations, planned,
                    missing_judgments)


def run_eval(config: EvalConfig, store: Store, owner: str,
             progress: Callable[[str, int], Callable[[int], None]] = lambda label, total: (lambda n: None),
             testset: tuple[str, list[Prompt]] | None = None, notice: Callable[[str], None] = lambda text: None,
             **model_options) -> EvalResult:
    """Run (or resume) an evaluation. Backends are built from the references only when work needs
    them (``model_options``, e.g. ``max_concurrency``, go to those that take them and leave them open);
    ``notice`` hears when the run waits on work another run has claimed."""
    with _gc_paused():
        plan = make_plan(config, store, testset)
    calls, stats = 0, JudgingStats()
    with heartbeat(store, owner):
        for contestant in config.contestants:
            if plan.missing_answers[contestant.name]:
                advance = progress(f"answers {contestant.name}", plan.missing_answers[contestant.name])
                calls += generate_answers(store, contestant, partial(_load, contestant.model, model_options),
                                          config.decoding, plan.prompts, owner, config.chunk, advance, notice)
        if plan.missing_judgments:
            keys = [g.key for g in plan.planned]
            reasked = store.reopen_invalid(config.judge.id, keys, config.max_judge_attempts)
            answers = store.answers(plan.answer_keys())
            advance = progress("judgments", plan.missing_judgments)
            stats = run_judgments(store, plan.planned, answers, partial(_load_judge, config.judge, model_options),
                                  owner, config.chunk, advance, notice)
            stats = replace(stats, reasked=reasked)
            calls += stats.calls
    with _gc_paused():
        judgments = labelled_verdicts(plan.planned, store.judgment_verdicts(config.judge.id))
        categories = {p["id"]: p.get("category") for p in plan.prompts}
        columns = battle_columns(judgments, config.judge.config.combine, config.judge.config.tie_margin, categories)
        add_battle_styles(columns, label_styles(plan.planned, stored_styles(store, plan.answer_keys())))
        if not columns["winner"]:
            raise InputError(f"no valid judgments: every reply of {config.judge.spec} was unparseable (see them "
                             f"with: wizardarena export STORE --what judgments --out FILE)")
        ratings = compute_ratings(battles_from_columns(columns, "battles"), config.ratings)
        report = judge_report(judgments, config.judge.config.tie_margin)
    return EvalResult(plan, judgments, columns, ratings, report, calls, stats)


def _load(model, options: dict):
    return model.load(**options)


def _load_judge(judge: JudgeRef, options: dict):
    return judge.load(**options)


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
