"""Settings of the flywheel's training stages, with the paper's hyper-parameters as defaults.

Arena Learning (arXiv 2407.10627, section 4): SFT 3 epochs at lr 5e-6; DPO 2 epochs at lr 5e-7, beta 0.3;
the reward model 1 epoch at lr 1e-6; PPO 1 epoch at lr 1e-7 with KL coefficient 0.4 (TRL 1.16 has no PPO:
GRPO or RLOO stand in). Batch sizes, lengths and the number of RL samples are not published: ours are
explicit options. ``trl_args`` passes any further TRL config field through unchanged (e.g. ``bf16``,
``save_steps``, ``model_init_kwargs``); it wins over everything this module chooses.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, Mapping

from wizardarena.errors import InputError


def _check(checks: dict[str, bool]) -> None:
    failed = [message for message, ok in checks.items() if not ok]
    if failed:
        raise InputError("; ".join(failed))


@dataclass(frozen=True)
class StageConfig:
    """What every stage shares. ``max_steps`` (when set) overrides ``epochs``; ``batch_size`` is per
    device; ``seed`` None takes the :class:`TrainingConfig` seed (0 for a stage built alone)."""

    epochs: float = 1.0
    learning_rate: float = 1e-6
    batch_size: int = 8
    gradient_accumulation_steps: int = 1
    max_length: int | None = 2048
    max_steps: int | None = None
    seed: int | None = None
    trl_args: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        name = type(self).__name__
        _check({
            f"{name}: epochs must be > 0": self.epochs > 0,
            f"{name}: learning_rate must be > 0": self.learning_rate > 0,
            f"{name}: batch_size must be >= 1": self.batch_size >= 1,
            f"{name}: gradient_accumulation_steps must be >= 1": self.gradient_accumulation_steps >= 1,
            f"{name}: max_length must be >= 1 or None": self.max_length is None or self.max_length >= 1,
            f"{name}: max_steps must be >= 1 or None": self.max_steps is None or self.max_steps >= 1,
            f"{name}: trl_args must be a mapping": isinstance(self.trl_args, Mapping),
        })


@dataclass(frozen=True)
class SFTStage(StageConfig):
    """Supervised fine-tuning on the battle winners' responses (paper: 3 epochs, lr 5e-6)."""

    epochs: float = 3.0
    learning_rate: float = 5e-6


@dataclass(frozen=True)
class DPOStage(StageConfig):
    """DPO on ⟨winner, loser⟩ pairs (paper: 2 epochs, lr 5e-7, beta 0.3)."""

    epochs: float = 2.0
    learning_rate: float = 5e-7
    beta: float = 0.3

    def __post_init__(self) -> None:
        super().__post_init__()
        _check({"DPOStage: beta must be > 0": self.beta > 0})


@dataclass(frozen=True)
class RewardStage(StageConfig):
    """The reward model trained on the battle pairs (paper: 1 epoch, lr 1e-6)."""

    epochs: float = 1.0
    learning_rate: float = 1e-6


@dataclass(frozen=True)
class RLStage(StageConfig):
    """RL against the reward model and/or the judge (paper's PPO: 1 epoch, lr 1e-7, KL 0.4).

    ``batch_size * gradient_accumulation_steps`` completions are sampled per generation round, in groups
    of ``num_generations`` per prompt, so it must be a multiple of ``num_generations``."""

    algorithm: Literal["grpo", "rloo"] = "grpo"
    epochs: float = 1.0
    learning_rate: float = 1e-7
    kl_beta: float = 0.4
    num_generations: int = 4
    max_completion_length: int = 512
    temperature: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check({
            "RLStage: algorithm must be grpo or rloo": self.algorithm in ("grpo", "rloo"),
            "RLStage: kl_beta must be >= 0": self.kl_beta >= 0,
            "RLStage: num_generations must be >= 2": self.num_generations >= 2,
            "RLStage: max_completion_length must be >= 1": self.max_completion_length >= 1,
            "RLStage: temperature must be > 0": self.temperature > 0,
            "RLStage: batch_size * gradient_accumulation_steps must be a multiple of num_generations":
                (self.batch_size * self.gradient_accumulation_steps) % max(self.num_generations, 1) == 0,
        })


_STAGES = {"sft": SFTStage, "dpo": DPOStage, "reward": RewardStage, "rl": RLStage}


@dataclass(frozen=True)
class TrainingConfig:
    """All four stages, where they write (``output_dir``) and the seed each stage inherits."""

    sft: SFTStage = field(default_factory=SFTStage)
    dpo: DPOStage = field(default_factory=DPOStage)
    reward: RewardStage = field(default_factory=RewardStage)
    rl: RLStage = field(default_factory=RLStage)
    output_dir: str = "wizardarena-flywheel"
    seed: int = 0

    def __post_init__(self) -> None:
        for name, kind in _STAGES.items():
            stage = getattr(self, name)
            if not isinstance(stage, kind):
                raise InputError(f"training config: {name} must be a {kind.__name__}, "
                                 f"not {type(stage).__name__}")
            if stage.seed is None:  # frozen: set the inherited seed the way dataclasses do
                object.__setattr__(self, name, replace(stage, seed=self.seed))
        _check({"training config: output_dir must be a non-empty string": isinstance(self.output_dir, str)
                and bool(self.output_dir)})


def _build(kind: type, values: Mapping[str, Any], where: str):
    if not isinstance(values, Mapping):
        raise InputError(f"{where}: expected a mapping, got {type(values).__name__}")
    known = {f.name: str(f.type) for f in fields(kind)}
    values = dict(values)
    for key, value in values.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"{where}: unknown setting {key!r}{hint}; known: {', '.join(known)}")
        if isinstance(value, str) and known[key].startswith("float"):  # YAML 1.1 reads 5e-6 as a string
            try:
                values[key] = float(value)
            except ValueError:
                raise InputError(f"{where}: {key} must be a number, not {value!r}") from None
    try:
        return kind(**values)
    except TypeError as exc:  # e.g. a string where a number belongs, caught by a comparison
        raise InputError(f"{where}: {exc}") from exc


def training_config(source: Mapping[str, Any] | str | Path) -> TrainingConfig:
    """Build a :class:`TrainingConfig` from a mapping or a YAML file (JSON when PyYAML is absent).

    >>> config = training_config({"seed": 3, "dpo": {"beta": 0.1}})
    >>> config.dpo.beta, config.dpo.epochs, config.dpo.seed
    (0.1, 2.0, 3)
    """
    if isinstance(source, (str, Path)):
        source = _read(Path(source))
    if not isinstance(source, Mapping):
        raise InputError(f"training config: expected a mapping, got {type(source).__name__}")
    values = dict(source)
    for name, kind in _STAGES.items():
        if name in values:
            values[name] = _build(kind, values[name] or {}, f"training config: {name}")
    return _build(TrainingConfig, values, "training config")


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read training config ({exc.strerror})") from exc
    try:
        import yaml
    except ImportError:  # JSON is a subset of YAML, so a JSON file reads either way
        try:
            return json.loads(text)
        except ValueError as exc:
            raise InputError(f"{path}: not valid JSON (install PyYAML to read YAML): {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc


def cpu_safe_args(cuda: bool | None = None) -> dict[str, Any]:
    """TRL config settings for this machine: always no reporting and in-process data loading; without a
    GPU (``cuda`` None asks torch) also full precision, no gradient checkpointing and ``use_cpu``.

    >>> cpu_safe_args(cuda=False)["bf16"], cpu_safe_args(cuda=True)
    (False, {'report_to': 'none', 'dataloader_num_workers': 0})
    """
    args: dict[str, Any] = {"report_to": "none", "dataloader_num_workers": 0}
    if cuda is None:
        import torch

        cuda = torch.cuda.is_available()
    if not cuda:
        args.update(bf16=False, fp16=False, gradient_checkpointing=False, use_cpu=True)
        from transformers import TrainingArguments

        if "activation_checkpointing" in TrainingArguments.__dataclass_fields__:
            args["activation_checkpointing"] = False  # the new name in transformers 5: no alias warning
    return args
