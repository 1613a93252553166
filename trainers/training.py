"""One function per flywheel stage, each a thin layer over a TRL 1.16 trainer.

Every stage reads a local checkpoint and a ``datasets.Dataset`` in TRL's formats, trains, and saves model
and tokenizer into ``output_dir``, then writes ``output_dir/DONE`` (atomically, last): a stage whose
marker exists is skipped and its saved result returned, so a killed flywheel resumes stage by stage.
Inside a stage, TRL checkpoints (when ``trl_args`` asks for them, e.g. ``save_steps``) land in
``output_dir/checkpoints`` and an unfinished stage resumes from the newest one.

Dataset formats (conversational: lists of ``{"role", "content"}`` messages):

- SFT: ``messages`` (the whole conversation; the loss covers every token, since ``assistant_only_loss``
  needs ``{% generation %}`` markers that most chat templates lack).
- DPO: ``prompt`` / ``chosen`` / ``rejected``. Reward: the same, plus an optional float ``margin``.
- RL: ``prompt``; every other column reaches the reward functions as a keyword argument.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from wizardarena.errors import InputError
from wizardarena.trainers.config import DPOStage, RewardStage, RLStage, SFTStage, StageConfig, cpu_safe_args

DONE = "DONE"


class StageResult(NamedTuple):
    """A finished stage: the folder holding its model + tokenizer, and TRL's final train metrics."""

    path: Path
    metrics: dict[str, float]


def stage_done(output_dir: str | Path) -> StageResult | None:
    """The saved result of a finished stage in ``output_dir``, or None when it has not finished."""
    marker = Path(output_dir) / DONE
    if not marker.is_file():
        return None
    return StageResult(Path(output_dir), json.loads(marker.read_text(encoding="utf-8"))["metrics"])


def train_sft(model_path: str | Path, dataset, output_dir: str | Path, config: SFTStage = SFTStage(),
              callbacks: Sequence[Any] = ()) -> StageResult:
    """Supervised fine-tuning on ``messages`` conversations (TRL ``SFTTrainer``)."""
    def build(tokenizer, args):
        from trl import SFTConfig, SFTTrainer

        sft_args = SFTConfig(**args, max_length=config.max_length, assistant_only_loss=False)
        return SFTTrainer(model=str(model_path), args=sft_args, train_dataset=dataset,
                          processing_class=tokenizer, callbacks=list(callbacks))
    return _run("sft", model_path, output_dir, config, build)


def train_dpo(model_path: str | Path, dataset, output_dir: str | Path, config: DPOStage = DPOStage(),
              callbacks: Sequence[Any] = ()) -> StageResult:
    """DPO on ``prompt`` / ``chosen`` / ``rejected`` pairs; the reference model is the starting checkpoint."""
    def build(tokenizer, args):
        from trl import DPOConfig, DPOTrainer

        dpo_args = DPOConfig(**args, max_length=config.max_length, beta=config.beta)
        return DPOTrainer(model=str(model_path), args=dpo_args, train_dataset=dataset,
                          processing_class=tokenizer, callbacks=list(callbacks))
    return _run("dpo", model_path, output_dir, config, build)


def train_reward(model_path: str | Path, dataset, output_dir: str | Path, config: RewardStage = RewardStage(),
                 callbacks: Sequence[Any] = ()) -> StageResult:
    """A reward model: the policy checkpoint with a fresh one-output head (TRL ``RewardTrainer`` loads it as
    ``AutoModelForSequenceClassification(num_labels=1)``), trained on ``prompt`` / ``chosen`` /
    ``rejected`` (+ ``margin``) pairs. Its folder can be passed to :func:`train_rl` as ``reward_model``."""
    def build(tokenizer, args):
        from trl import RewardConfig, RewardTrainer

        reward_args = RewardConfig(**args, max_length=config.max_length)
        return RewardTrainer(model=str(model_path), args=reward_args, train_dataset=dataset,
                             processing_class=tokenizer, callbacks=list(callbacks))
    return _run("reward", model_path, output_dir, config, build)


def train_rl(model_path: str | Path, dataset, output_dir: str | Path, config: RLStage = RLStage(),
             reward_model: str | Path | None = None, reward_funcs: Sequence[Callable[..., list]] = (),
             callbacks: Sequence[Any] = ()) -> StageResult:
    """RL on ``prompt`` conversations with GRPO or RLOO (``config.algorithm``), the paper's PPO stage.

    Rewards come from ``reward_model`` (a :func:`train_reward` folder) and/or ``reward_funcs`` (TRL reward
    functions ``fn(prompts, completions, **columns) -> list[float | None]``, e.g. :func:`judge_reward`);
    TRL sums them. ``kl_beta`` is the KL coefficient against the starting checkpoint."""
    rewards: list[Any] = ([str(reward_model)] if reward_model is not None else []) + list(reward_funcs)
    if not rewards:
        raise InputError("the RL stage needs a reward_model and/or reward_funcs")

    def build(tokenizer, args):
        import trl

        kind = {"grpo": (trl.GRPOConfig, trl.GRPOTrainer), "rloo": (trl.RLOOConfig, trl.RLOOTrainer)}
        config_cls, trainer_cls = kind[config.algorithm]
        rl_args = config_cls(**args, beta=config.kl_beta, num_generations=config.num_generations,
                             max_completion_length=config.max_completion_length,
                             temperature=config.temperature)
        return trainer_cls(model=str(model_path), reward_funcs=rewards, args=rl_args, train_dataset=dataset,
                           processing_class=tokenizer, callbacks=list(callbacks))
    return _run(config.algorithm, model_path, output_dir, config, build)


def _run(stage: str, model_path: str | Path, output_dir: str | Path, config: StageConfig,
         build: Callable[[Any, dict[str, Any]], Any]) -> StageResult:
    """Skip a finished stage; else seed, build the trainer, train (resuming a checkpoint), save, mark."""
    output_dir = Path(output_dir)
    finished = stage_done(output_dir)
    if finished is not None:
        return finished
    from transformers import set_seed
    from transformers.trainer_utils import get_last_checkpoint

    seed = config.seed if config.seed is not None else 0
    set_seed(seed)
    tokenizer = load_tokenizer(model_path)
    checkpoints = output_dir / "checkpoints"
    args = {"output_dir": str(checkpoints), "num_train_epochs": config.epochs,
            "learning_rate": config.learning_rate, "per_device_train_batch_size": config.batch_size,
            "gradient_accumulation_steps": config.gradient_accumulation_steps,
            "max_steps": config.max_steps or -1, "seed": seed, "data_seed": seed, "save_strategy": "no",
            **cpu_safe_args(), **config.trl_args}
    trainer = build(tokenizer, args)
    resume = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    output = trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(str(output_dir))
    tokenizer.save_pretrained(str(output_dir))
    metrics = {key: float(value) for key, value in output.metrics.items() if isinstance(value, (int, float))}
    metrics["global_step"] = float(output.global_step)
    _write_marker(output_dir, {"stage": stage, "base": str(model_path), "metrics": metrics})
    return StageResult(output_dir, metrics)


def load_tokenizer(model_path: str | Path):
    """The checkpoint's tokenizer, with a pad token (the EOS token when it has none) and a chat template."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path), trust_remote_code=False)
    if not tokenizer.chat_template:
        raise InputError(f"{model_path}: the tokenizer has no chat template; the flywheel's data is chat")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _write_marker(output_dir: Path, record: dict[str, Any]) -> None:
    """Write the DONE marker atomically (a temporary file renamed over it), after everything else."""
    temporary = output_dir / f".{DONE}.tmp"
    temporary.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(temporary, output_dir / DONE)
