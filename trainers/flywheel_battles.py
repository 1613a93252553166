"""Battles of the flywheel: the current checkpoint and the opponents, round-robin on one part of the
instruction pool, through the usual pipeline and store (a rerun after a crash judges nothing twice)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from wizardarena.arena.answering import Contestant
from wizardarena.records import Prompt, Verdict


@dataclass(frozen=True)
class PartBattles:
    """The judged games of one part: verdicts, and every answer as ``(model, prompt_id) -> turns``."""

    judgments: list[Verdict]
    answers: dict[tuple[str, str], list[str]]
    prompts: dict[str, Prompt]
    model_calls: int


def battle_part(store, part_name: str, prompts: Sequence[Prompt], target: Contestant,
                opponents: Sequence[Contestant], judge_spec: str, judge_config, decoding, load_model,
                owner: str) -> PartBattles:
    """Round-robin of ``target`` and ``opponents`` on ``prompts`` (both orders), judged by ``judge_spec``."""
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.ratings import RatingConfig

    config = EvalConfig(candidates=(target, *opponents), judge_spec=judge_spec, testset=part_name,
                        judge=judge_config, decoding=decoding, ratings=RatingConfig(bootstrap=0))
    result = run_eval(config, store, load_model, owner, testset=(part_name, list(prompts)))
    by_key: dict[str, tuple[str, str]] = {}
    for prompt, name_a, key_a, name_b, key_b, _ in result.plan.planned.values():
        by_key[key_a] = (name_a, prompt["id"])
        by_key[key_b] = (name_b, prompt["id"])
    stored = store.answers(list(by_key))
    answers = {by_key[key]: answer["turns"] for key, answer in stored.items()}
    return PartBattles(result.judgments, answers, {p["id"]: p for p in prompts}, result.model_calls)


def evaluate_checkpoints(store, checkpoints: Sequence[Contestant], opponents: Sequence[Contestant],
                         testset: str, limit: int | None, judge_spec: str, judge_config, decoding, load_model,
                         owner: str, bootstrap: int, seed: int) -> dict[str, dict]:
    """Elo with 95% CI of every checkpoint so far, on one scale: the checkpoints battle each other and
    ``opponents`` on ``testset`` (games already in the store are not judged again)."""
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.ratings import RatingConfig

    config = EvalConfig(candidates=tuple(checkpoints), opponents=tuple(opponents), judge_spec=judge_spec,
                        testset=testset, judge=judge_config, decoding=decoding, limit=limit,
                        ratings=RatingConfig(bootstrap=bootstrap, seed=seed, unit="prompt"))
    result = run_eval(config, store, load_model, owner)
    return {r["model"]: {"elo": r["rating"], "lower": r["lower"], "upper": r["upper"], "battles": r["n_battles"]}
            for r in result.ratings.records(with_samples=False)}
