"""The configuration of one ``wizardarena eval`` run, validated where it is built."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizardarena.arena.adaptive import AdaptiveConfig
from wizardarena.arena.reread import EVERY_ATTEMPT
from wizardarena.backends.base import Decoding
from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig
from wizardarena.ratings.checks import resolve_model
from wizardarena.refs import Contestant, JudgeRef, resolve_judge


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation. ``candidates`` are the models under test (``--model``); ``opponents`` fixed
    references. With no opponents the schedule is the paper's full round-robin. With opponents, the
    references battle round-robin among themselves (judged once per judge and test set, then read from
    the store) and the candidates are placed among them: against every reference on every prompt
    (``schedule="full"``) or on the games :mod:`wizardarena.arena.adaptive` picks (``"adaptive"``).
    ``judge`` is a :class:`JudgeRef` (a spec string is resolved with the default judge settings).
    ``baseline`` names the contestant every model's predicted win rate is reported against (None: no such
    column). ``missing_answers``: ``skip`` the games on prompts a contestant's pre-computed answers lack
    (counted per model), or ``refuse`` the run before any work. ``engine``: ``local`` (this process) or
    ``ray`` (answers and judgments made by ``ray_workers`` actors on the Ray cluster at ``ray_address``)."""

    candidates: tuple[Contestant, ...]
    judge: JudgeRef
    testset: str
    opponents: tuple[Contestant, ...] = ()
    decoding: Decoding = field(default_factory=Decoding)
    ratings: RatingConfig = field(default_factory=lambda: RatingConfig(unit="prompt"))
    limit: int | None = None
    chunk: int = 64
    max_judge_attempts: int = 9
    reference_prompts: int | None = None
    schedule: str = "full"
    adaptive: AdaptiveConfig = field(default_factory=AdaptiveConfig)
    baseline: str | None = None
    missing_answers: str = "skip"
    engine: str = "local"
    ray_address: str | None = None
    ray_workers: int = 2
    panel: tuple[JudgeRef, ...] = ()  # judges after ``judge`` (``--judge`` repeated): a judge panel
    rejudge_invalid: bool = False  # re-read, else re-ask, every invalid judgment whatever its attempts

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
        if self.baseline is not None:
            resolve_model(self.baseline, names, "--baseline")
        if self.reference_prompts is not None and self.reference_prompts < 1:
            raise InputError(f"--reference-prompts must be >= 1, got {self.reference_prompts}")
        if self.missing_answers not in ("skip", "refuse"):
            raise InputError(f"--missing-answers must be skip or refuse, got {self.missing_answers!r}")
        from wizardarena.arena.ray_address import check_engine

        check_engine(self.engine, self.ray_address, self.ray_workers)
        if self.schedule not in ("full", "adaptive"):
            raise InputError(f"--schedule must be full or adaptive, got {self.schedule!r}")
        if self.schedule == "adaptive" and not self.opponents:
            raise InputError("--schedule adaptive places the --model candidates among --opponents: give some")
        if self.schedule == "adaptive" and self.ratings.ci == "sandwich":
            raise InputError("--schedule adaptive stops on bootstrap rounds: use --ci bootstrap")
        if self.schedule == "adaptive" and self.ratings.bootstrap < 1:
            raise InputError("--schedule adaptive stops on the bootstrap CI: give --bootstrap >= 1")
        if self.panel:
            self._check_panel()

    def _check_panel(self) -> None:
        object.__setattr__(self, "panel", tuple(resolve_judge(j) if isinstance(j, str) else j for j in self.panel))
        ids = [j.id for j in self.judges]
        if len(set(ids)) < len(ids):
            raise InputError(f"--judge {next(j.spec for j in self.judges if ids.count(j.id) > 1)} is given twice")
        if self.schedule == "adaptive":
            raise InputError("--schedule adaptive picks games from one judge's verdicts: give one --judge")

    @property
    def judges(self) -> tuple[JudgeRef, ...]:
        """Every judge of the run: ``judge``, then the rest of the panel."""
        return (self.judge, *self.panel)

    @property
    def judge_attempt_budget(self) -> int:
        """Attempts an invalid judgment gets over all runs: ``max_judge_attempts``, or no limit this run
        with ``rejudge_invalid``."""
        return EVERY_ATTEMPT if self.rejudge_invalid else self.max_judge_attempts

    @property
    def contestants(self) -> tuple[Contestant, ...]:
        """Candidates, then opponents."""
        return (*self.candidates, *self.opponents)
