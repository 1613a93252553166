"""The Arena Learning flywheel: battle where the model is weak, train on what the battles teach, evaluate,
repeat.

The cleaned, decontaminated instruction pool is split into ``parts`` (seeded). Iteration i runs three
stages, each on a fresh part (paper: 9 parts, 3 iterations): **SFT** on the winners' answers where the
target lost by a gap >= K, **DPO** on (best, worst) pairs, and **PPO** = a reward model trained on the
battle pairs, then GRPO/RLOO against it (TRL 1.16 has no PPOTrainer). Each stage first battles the
current checkpoint against the opponents round-robin on its part. After every iteration all checkpoints
so far are rated together on the evaluation set; the best one is kept.

Everything resumes: battles live in the arena store, each trained stage leaves a finished marker, and
the report is rebuilt from both.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wizardarena.errors import InputError
from wizardarena.trainers.config import TrainingConfig

STAGES = ("sft", "dpo", "ppo")


@dataclass(frozen=True)
class FlywheelConfig:
    """One flywheel run. ``target`` is the starting checkpoint (a local folder, a ``.gguf`` file or a
    shipped short name such as ``smollm2-135m-instruct``); ``opponents`` are ``[NAME=]SPEC`` strings;
    ``sft_gaps[i]`` is K for SFT in iteration i+1 (paper: 3, then 1). ``stages`` are the stages each
    iteration runs, in order (paper: all three); ``evaluate_every`` ``"stage"`` rates every stage's
    checkpoint, ``"iteration"`` only each iteration's last; ``eval_baseline`` names the evaluation
    opponent each checkpoint's win rate is given against. ``part_size`` (when set) caps every part at
    that many prompts, the number of parts then following from the decontaminated pool (``parts`` is
    ignored) and the rest of the pool left unused."""

    target: str
    opponents: tuple[str, ...]
    judge: str
    pool: tuple[str, ...]
    out: str
    against: tuple[str, ...] = ("wizardarena-diverse", "wizardarena-hard")
    parts: int = 9
    iterations: int = 3
    seed: int = 0
    sft_gaps: tuple[float, ...] = (3.0, 1.0, 1.0)
    dpo_gap: float = 2.0
    reward_gap: float = 1.0
    sft_winners: str = "best"
    dpo_rejected: str = "lowest"
    judge_mode: str = "text"
    max_new_tokens: int = 512
    eval_testset: str = "wizardarena-hard"
    eval_opponents: tuple[str, ...] = ()
    eval_limit: int | None = None
    eval_bootstrap: int = 100
    decontaminate_top_k: int = 5
    stages: tuple[str, ...] = STAGES
    evaluate_every: str = "iteration"
    eval_baseline: str | None = None
    part_size: int | None = None
    engine: str = "local"
    ray_address: str | None = None
    ray_workers: int = 2
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def __post_init__(self) -> None:
        if not self.stages or any(stage not in STAGES for stage in self.stages) or len(set(self.stages)) < len(
                self.stages):
            raise InputError(f"flywheel: stages must be distinct ones of {', '.join(STAGES)}; got {self.stages}")
        if self.part_size is not None and self.part_size < 1:
            raise InputError(f"flywheel: part_size must be >= 1, got {self.part_size}")
        if self.evaluate_every not in ("stage", "iteration"):
            raise InputError(f"flywheel: evaluate_every must be stage or iteration, got {self.evaluate_every!r}")
        if self.iterations < 1 or self.parts < self.iterations * len(self.stages):
            raise InputError(f"the flywheel needs parts >= {len(self.stages)} stages x iterations (fresh data per "
                             f"stage); got {self.parts} parts for {self.iterations} iterations")
        if not self.opponents:
            raise InputError("the flywheel needs at least one opponent")
        from wizardarena.arena.ray_address import check_engine

        check_engine(self.engine, self.ray_address, self.ray_workers)
        from wizardarena.backends.gguf import SHIPPED, is_gguf

        local = Path(self.target).expanduser()
        if not (local.is_dir() or (is_gguf(self.target) and local.is_file()) or self.target.lower() in SHIPPED):
            raise InputError(f"target {self.target}: no such checkpoint folder, .gguf file or shipped model "
                             f"({', '.join(SHIPPED)})")

    def engine_settings(self) -> dict:
        """Where the battles' answers and judgments are made (:class:`EvalConfig`'s engine fields)."""
        return {"engine": self.engine, "ray_address": self.ray_address, "ray_workers": self.ray_workers}

    def sft_gap(self, iteration: int) -> float:
        """K for SFT in ``iteration`` (1-based); the last value repeats."""
        return self.sft_gaps[min(iteration, len(self.sft_gaps)) - 1]


def split_parts(prompts: list, parts: int, seed: int) -> list[list]:
    """``prompts`` shuffled with ``seed`` and dealt into ``parts`` parts of (almost) equal size.

    >>> [len(p) for p in split_parts(list(range(10)), 3, 0)]
    [4, 3, 3]
    """
    order = list(prompts)
    random.Random(seed).shuffle(order)
    return [order[k::parts] for k in range(parts)]


def stage_part(iteration: int, stage: str, stages: tuple[str, ...] = STAGES) -> int:
    """The part a stage battles on: with three stages iteration 1 uses parts 0-2, iteration 2 parts 3-5,
    and so on."""
    return (iteration - 1) * len(stages) + stages.index(stage)


def save_report(report: dict, out: Path) -> Path:
    """Write ``flywheel_report.json`` atomically (it is rewritten after every stage)."""
    path = out / "flywheel_report.json"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def describe(config: FlywheelConfig) -> dict:
    """The configuration as JSON-friendly data, for the report."""
    return asdict(config)


def flywheel_config(path: str | Path | None, values: dict, max_steps: int | None = None) -> FlywheelConfig:
    """A :class:`FlywheelConfig` from a YAML/JSON file (``path``, may be None) overlaid with ``values``;
    its ``training`` section goes through :func:`wizardarena.trainers.config.training_config`.
    ``max_steps`` caps every training stage (smoke runs)."""
    from dataclasses import fields, replace

    from wizardarena.trainers.config import _read, training_config

    settings = dict(_read(Path(path)) or {}) if path else {}
    settings.update(values)
    try:
        training = training_config(settings.pop("training", None) or {})
    except (TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"flywheel config: the training section is malformed ({' '.join(str(exc).split())})") from None
    if max_steps is not None:
        training = replace(training, **{stage: replace(getattr(training, stage), max_steps=max_steps)
                                        for stage in ("sft", "dpo", "reward", "rl")})
    known = {f.name for f in fields(FlywheelConfig)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise InputError(f"flywheel config: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for name in ("opponents", "pool", "against", "sft_gaps", "eval_opponents", "stages"):
        if name in settings and not isinstance(settings[name], str):
            settings[name] = tuple(settings[name])
        elif name in settings:
            settings[name] = (settings[name],)
    try:
        return FlywheelConfig(**settings, training=training)
    except (TypeError, ValueError) as exc:  # a number given as text, a list as a number, ...
        raise InputError(f"flywheel config: a setting has the wrong type ({' '.join(str(exc).split())})") from None
