"""One flywheel stage after its battles: build the stage's data, train, return the new checkpoint.

- ``sft``: winners' answers where the target lost by >= K (K per iteration) -> SFTTrainer.
- ``dpo``: (best, worst) pairs with gap >= K -> DPOTrainer, reference = the stage's starting checkpoint.
- ``ppo``: pairs with a margin -> RewardTrainer, then GRPO/RLOO on the part's prompts against that
  reward model (TRL 1.16 has no PPOTrainer).

A stage with no data keeps its checkpoint and says so. Data files are written next to the checkpoints.
"""

from __future__ import annotations

from pathlib import Path

from wizardarena.trainers.battle_data import dpo_rows, reward_rows, sft_rows, to_dataset, write_rows
from wizardarena.trainers.battle_scores import battle_report, counts_by_opponent


def train_stage(stage: str, iteration: int, battles, target: str, checkpoint: Path, folder: Path,
                config) -> tuple[Path, dict]:
    """Build ``stage``'s rows from ``battles`` (a :class:`PartBattles`), train from ``checkpoint`` into
    ``folder``; returns the new checkpoint and what happened (rows, rows per opponent, metrics)."""
    from wizardarena.trainers import training

    args, margin = (battles.judgments, battles.answers, battles.prompts), battles.tie_margin
    if stage == "sft":
        rows = sft_rows(*args, target, gap=config.sft_gap(iteration), winners=config.sft_winners, tie_margin=margin)
    elif stage == "dpo":
        rows = dpo_rows(*args, target, gap=config.dpo_gap, rejected=config.dpo_rejected, tie_margin=margin)
    else:
        rows = reward_rows(*args, target, gap=config.reward_gap, tie_margin=margin)
    folder.mkdir(parents=True, exist_ok=True)
    write_rows(rows, folder / "data.jsonl")
    info = {"rows": len(rows), "rows_by_opponent": counts_by_opponent(rows),
            "battles": battle_report(battles.judgments, target, margin).to_dict()}
    if not rows:
        info["skipped"] = "no battle met the gap: the checkpoint is unchanged"
        return checkpoint, info
    dataset, training_config = to_dataset(rows), config.training
    if stage == "sft":
        result = training.train_sft(checkpoint, dataset, folder / "model", training_config.sft)
    elif stage == "dpo":
        result = training.train_dpo(checkpoint, dataset, folder / "model", training_config.dpo)
    else:
        reward = training.train_reward(checkpoint, dataset, folder / "reward-model", training_config.reward)
        prompts = to_dataset([{"prompt": [{"role": "user", "content": p["turns"][0]}], "prompt_id": p["id"]}
                              for p in battles.prompts.values()])
        result = training.train_rl(checkpoint, prompts, folder / "model", training_config.rl,
                                   reward_model=reward.path)
        info["reward_metrics"] = reward.metrics
    info["metrics"] = result.metrics
    return result.path, info
