"""Battles of the flywheel: the current checkpoint and the opponents, round-robin on one part of the
instruction pool, through the usual pipeline and store (a rerun after a crash judges nothing twice)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from wizardarena.backends.base import Decoding
from wizardarena.records import Prompt, Verdict
from wizardarena.refs import Contestant, JudgeRef
from wizardarena.store.protocol import Store


@dataclass(frozen=True)
class PartBattles:
    """The judged games of one part: verdicts (labelled with this run's names), every answer as
    ``(model, prompt_id) -> turns``, and the tie rule the verdicts are read with."""

    judgments: list[Verdict]
    answers: dict[tuple[str, str], list[str]]
    prompts: dict[str, Prompt]
    model_calls: int
    tie_margin: float = 0.0


def battle_part(store: Store, part_name: str, prompts: Sequence[Prompt], target: Contestant,
                opponents: Sequence[Contestant], judge: JudgeRef, decoding: Decoding, owner: str,
                engine: dict | None = None) -> PartBattles:
    """Round-robin of ``target`` and ``opponents`` on ``prompts`` (both orders), judged by ``judge``;
    ``engine`` holds :class:`EvalConfig`'s engine fields (default: this process)."""
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.ratings import RatingConfig

    config = EvalConfig(candidates=(target, *opponents), judge=judge, testset=part_name, decoding=decoding,
                        ratings=RatingConfig(bootstrap=0), **(engine or {}))
    result = run_eval(config, store, owner, testset=(part_name, list(prompts)))
    by_key: dict[str, tuple[str, str]] = {}
    for game in result.plan.planned:
        by_key[game.answer_a] = (game.model_a, game.prompt["id"])
        by_key[game.answer_b] = (game.model_b, game.prompt["id"])
    stored = store.answers(list(by_key))
    answers = {by_key[key]: answer["turns"] for key, answer in stored.items()}
    return PartBattles(result.judgments, answers, {p["id"]: p for p in prompts}, result.model_calls,
                       judge.config.tie_margin)


def evaluate_checkpoints(store: Store, checkpoints: Sequence[Contestant], opponents: Sequence[Contestant],
                         testset: str, limit: int | None, judge: JudgeRef, decoding: Decoding, owner: str,
                         bootstrap: int, seed: int, engine: dict | None = None,
                         baseline: str | None = None, style_control: bool = False) -> dict[str, dict]:
    """Elo with 95% CI of every checkpoint so far, on one scale: the checkpoints battle each other and
    ``opponents`` on ``testset`` (games already in the store are not judged again); ``engine`` as in
    :func:`battle_part`. With ``baseline`` (an opponent's name) each row also has the predicted win rate
    against it, with its 95% CI (fractions); ``style_control`` rates with the style terms (length,
    markdown) fitted beside the Elo."""
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.ratings import RatingConfig

    ratings = RatingConfig(bootstrap=bootstrap, seed=seed, unit="prompt", style_control=style_control)
    config = EvalConfig(candidates=tuple(checkpoints), opponents=tuple(opponents), judge=judge, testset=testset,
                        decoding=decoding, limit=limit, ratings=ratings, **(engine or {}))
    result = run_eval(config, store, owner)
    rows = {r["model"]: {"elo": r["rating"], "lower": r["lower"], "upper": r["upper"], "battles": r["n_battles"]}
            for r in result.ratings.records(with_samples=False)}
    if baseline is not None:
        from wizardarena.ratings.baseline import baseline_win_rates

        for model, rates in baseline_win_rates(result.ratings, baseline).items():
            rows[model].update({"win_rate": rates["baseline_win_rate"], "win_rate_lower": rates["baseline_lower"],
                                "win_rate_upper": rates["baseline_upper"], "baseline": baseline})
    return rows
