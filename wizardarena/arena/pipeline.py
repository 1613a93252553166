"""``wizardarena eval``: test set -> answers -> judgments -> battles -> ratings, resumable at every step."""

from __future__ import annotations

import gc
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

from wizardarena.arena.answering import Contestant, answer_key, generate_answers
from wizardarena.arena.battles import JudgeReport, battle_columns, battle_rows, judge_report
from wizardarena.arena.judging import plan_games, run_judgments
from wizardarena.arena.schedule import games, round_robin, versus
from wizardarena.backends.base import Decoding
from wizardarena.battles import battles_from_columns
from wizardarena.errors import InputError
from wizardarena.judge import JudgeConfig, judge_key, make_judge
from wizardarena.ratings import RatingConfig, RatingResult, compute_ratings
from wizardarena.records import Battle, Prompt, Verdict
from wizardarena.testsets import load_testset


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation. ``candidates`` are the models under test (``--model``); ``opponents`` fixed
    references. With no opponents the schedule is the paper's full round-robin."""

    candidates: tuple[Contestant, ...]
    judge_spec: str
    testset: str
    opponents: tuple[Contestant, ...] = ()
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    decoding: Decoding = field(default_factory=Decoding)
    ratings: RatingConfig = field(default_factory=lambda: RatingConfig(unit="prompt"))
    limit: int | None = None
    chunk: int = 64

    def __post_init__(self) -> None:
        names = [c.name for c in (*self.candidates, *self.opponents)]
        if not self.candidates:
            raise InputError("give at least one --model")
        if len(set(names)) != len(names):
            raise InputError(f"two contestants share a name: {sorted(n for n in names if names.count(n) > 1)[0]!r}"
                             " (use NAME=SPEC to tell them apart)")
        if len(names) < 2:
            raise InputError("an arena needs at least two models: add another --model or --opponents")


@dataclass
class EvalPlan:
    """What a run needs, before spending it (``--dry-run`` prints it)."""

    testset: str
    prompts: list
    pairs: list[tuple[str, str]]
    missing_answers: dict[str, int]
    missing_generations: dict[str, int]
    planned: dict[str, tuple]
    missing_judgments: int


@dataclass(frozen=True)
class EvalResult:
    """Everything a finished run produced. ``judgments`` are the verdicts (scores, no raw replies);
    :func:`write_outputs` reads the full records from the store."""

    plan: EvalPlan
    judgments: list[Verdict]
    battle_columns: dict[str, list]
    ratings: RatingResult
    judge_report: JudgeReport
    model_calls: int

    @cached_property
    def battles(self) -> list[Battle]:
        """The battles as LMSYS-format records."""
        return battle_rows(self.battle_columns)


def make_plan(config: EvalConfig, store, testset: tuple[str, list[Prompt]] | None = None) -> EvalPlan:
    """Put the test set into the store and count the generations and judge calls still missing.
    ``testset`` is the already loaded (name, prompts), else ``config.testset`` is read."""
    name, prompts = testset or load_testset(config.testset)
    prompts = prompts[: config.limit] if config.limit else prompts
    store.put_prompts(name, prompts)
    contestants = (*config.candidates, *config.opponents)
    names = [c.name for c in contestants]
    pairs = versus(names[: len(config.candidates)], names[len(config.candidates):]) if config.opponents \
        else round_robin(names)
    keys = {(c.name, p["id"]): answer_key(c, config.decoding, p) for c in contestants for p in prompts}
    complete = store.complete_answer_keys(keys.values())
    missing = {c.name: [p for p in prompts if keys[(c.name, p["id"])] not in complete] for c in contestants}
    planned = plan_games(prompts, games(pairs), keys, config.judge_spec, judge_key(config.judge_spec, config.judge))
    judged = store.judged_keys(config.judge_spec)
    done = [key for key in planned if key in judged]
    generations = {c.name: 0 if c.spec.startswith("answers:") else sum(len(p["turns"]) for p in missing[c.name])
                   for c in contestants}
    return EvalPlan(name, prompts, pairs, {k: len(v) for k, v in missing.items()}, generations, planned,
                    len(planned) - len(done))


def run_eval(config: EvalConfig, store, load_model: Callable[[str], object], owner: str,
             progress: Callable[[str, int], Callable[[int], None]] = lambda label, total: (lambda n: None),
             testset: tuple[str, list[Prompt]] | None = None) -> EvalResult:
    """Run (or resume) an evaluation; ``load_model(spec)`` builds backends, only when work needs them."""
    with _gc_paused():
        plan = make_plan(config, store, testset)
    calls = 0
    for contestant in (*config.candidates, *config.opponents):
        if plan.missing_answers[contestant.name]:
            advance = progress(f"answers {contestant.name}", plan.missing_answers[contestant.name])
            calls += generate_answers(store, contestant, lambda spec=contestant.spec: load_model(spec),
                                      config.decoding, plan.prompts, owner, config.chunk, advance)
    if plan.missing_judgments:
        answer_keys = {item[2] for item in plan.planned.values()} | {item[4] for item in plan.planned.values()}
        answers = store.answers(list(answer_keys))
        advance = progress("judgments", plan.missing_judgments)
        calls += run_judgments(store, plan.planned, answers,
                               lambda: make_judge(config.judge_spec, config.judge, load_model),
                               owner, config.chunk, advance)
    with _gc_paused():
        verdicts = store.judgment_verdicts(config.judge_spec)
        judgments = [verdicts[key] for key in plan.planned if key in verdicts]
        categories = {p["id"]: p.get("category") for p in plan.prompts}
        columns = battle_columns(judgments, config.judge.combine, config.judge.tie_margin, categories)
        if not columns["winner"]:
            raise InputError("no valid judgments: every judge reply was unparseable (see judgments.jsonl)")
        ratings = compute_ratings(battles_from_columns(columns, "battles"), config.ratings)
        report = judge_report(judgments, config.judge.tie_margin)
    return EvalResult(plan, judgments, columns, ratings, report, calls)


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


def write_outputs(result: EvalResult, store, out: Path) -> list[Path]:
    """Write the run's answers, judgments (full, with raw replies), battles (LMSYS format), ratings and
    ``run.json`` (judge, test set, date, seed: what a leaderboard page shows)."""
    from wizardarena.tables import write_records

    planned = result.plan.planned
    answer_keys = sorted({item[2] for item in planned.values()} | {item[4] for item in planned.values()})
    answers, judgments = store.answers(answer_keys), store.judgments(list(planned))
    run = {"judge": result.judgments[0].judge if result.judgments else None, "testset": result.plan.testset,
           "date": time.strftime("%Y-%m-%d", time.gmtime()), "seed": result.ratings.config.seed,
           "bootstrap": result.ratings.config.bootstrap, "models": list(result.ratings.models)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "run.json").write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    files = {"answers.jsonl": [answers[k] for k in answer_keys if k in answers],
             "judgments.jsonl": [judgments[k] for k in sorted(judgments)],
             "battles.jsonl": result.battles, "ratings.jsonl": result.ratings.records()}
    written = [out / "run.json"]
    for name, records in files.items():
        write_records(out / name, list(records))
        written.append(out / name)
    return written
