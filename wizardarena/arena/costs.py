"""What a run will cost before it runs (``eval --dry-run``): generation and judge calls with their input and
output tokens, per model and per judge, estimated from the stored answers and the judge's real template.

Tokens are characters / 4 (rounded up): no tokenizer is loaded, so a dry run stays offline and instant. A
judge call's input is its rendered prompt: the template with the prompt's turns filled in (rendered once
per prompt with empty answers) plus the two answers as the judge is shown them. Answers still to be
generated are estimated as the mean shown length of the stored answers on the same prompt, else
``--max-new-tokens`` per turn. Output is an upper bound for text (the token budget of each reply) and one
token per logprob call. Retries of unreadable replies are not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizardarena.arena.judging import judgment_key
from wizardarena.judge.base import Game
from wizardarena.store.protocol import Store

if TYPE_CHECKING:
    from wizardarena.arena.config import EvalConfig
    from wizardarena.arena.planning import EvalPlan
    from wizardarena.refs import JudgeRef

CHARS_PER_TOKEN = 4


def tokens(chars: int) -> int:
    """Estimated tokens of ``chars`` characters (characters / 4, rounded up)."""
    return -(-chars // CHARS_PER_TOKEN)


@dataclass(frozen=True)
class CallEstimate:
    """The calls one model or judge still needs: ``name`` (a contestant's name or a judge's id),
    ``calls``, ``input_tokens``, ``output_tokens`` (an upper bound when ``output_bound``), and for a
    judge the ``games`` it judges and how many show an answer not generated yet (``estimated_games``)."""

    name: str
    calls: int
    input_tokens: int
    output_tokens: int
    output_bound: bool = True
    games: int = 0
    estimated_games: int = 0
    offline: bool = False

    def cost(self, price_in: float, price_out: float) -> float:
        """US$ at ``price_in`` / ``price_out`` per million input / output tokens."""
        return (self.input_tokens * price_in + self.output_tokens * price_out) / 1e6


def estimate_costs(config: EvalConfig, plan: EvalPlan, store: Store) -> tuple[list[CallEstimate], list[CallEstimate]]:
    """(per model, per judge) estimates of what ``plan`` still needs (read-only; loads no model)."""
    stored = store.answers(plan.answer_keys())
    models = []
    for contestant in config.contestants:
        name, lacking = contestant.name, set(plan.holes.get(contestant.name, ()))
        calls = plan.missing_generations[name]
        todo = [p for p in plan.prompts if p["id"] not in lacking and plan.keys[(name, p["id"])] not in stored]
        chars = sum(len(turn) for p in todo for turn in p["turns"]) if calls else 0
        models.append(CallEstimate(name, calls, tokens(chars), calls * config.decoding.max_new_tokens))
    judges = [_judge_estimate(judge, config, plan, store, stored) for judge in config.judges]
    return models, judges


def _judge_estimate(judge: JudgeRef, config: EvalConfig, plan: EvalPlan, store: Store, stored: dict) -> CallEstimate:
    by_key = {}
    for game in plan.planned:
        key = game.key if judge.id == config.judge.id else judgment_key(judge.id, game.answer_a, game.answer_b)
        by_key.setdefault(key, game)
    judged = store.judged_keys(judge.id, by_key)
    todo = (by_key.keys() - judged) | store.retryable_invalid(judge.id, by_key, config.judge_attempt_budget)
    if judge.kind != "pairwise":
        return CallEstimate(judge.id, 0, 0, 0, games=len(todo), offline=True)
    from wizardarena.judge.pairwise import PairwiseJudge

    renderer = PairwiseJudge(None, judge.config, judge.id)
    target = "A" if judge.config.mode == "logprob" else ""
    overhead = {p["id"]: len(renderer.render(Game(p, "", "", [""], [""], False), target)) for p in plan.prompts}
    shown = {key: len(renderer.shown(answer["turns"])) for key, answer in stored.items()}
    guess = _guesses(plan, shown, config.decoding.max_new_tokens)
    chars = estimated = 0
    for key in todo:
        game = by_key[key]
        pid = game.prompt["id"]
        a, b = shown.get(game.answer_a), shown.get(game.answer_b)
        estimated += a is None or b is None
        chars += overhead[pid] + (guess[pid] if a is None else a) + (guess[pid] if b is None else b)
    per_game = judge.config.calls_per_game()
    text = judge.config.mode == "text"
    output = len(todo) * per_game * (judge.config.decoding.max_new_tokens if text else 1)
    return CallEstimate(judge.id, len(todo) * per_game, tokens(chars * per_game), output, text, len(todo), estimated)


def _guesses(plan: EvalPlan, shown: dict[str, int], max_new_tokens: int) -> dict[str, int]:
    """Per prompt, the characters an answer not generated yet is taken to show: the mean of the stored
    answers on that prompt, else ``max_new_tokens`` tokens per turn."""
    lengths: dict[str, list[int]] = {}
    for (_, pid), key in plan.keys.items():
        if key in shown:
            lengths.setdefault(pid, []).append(shown[key])
    return {p["id"]: round(sum(lengths[p["id"]]) / len(lengths[p["id"]])) if p["id"] in lengths
            else len(p["turns"]) * max_new_tokens * CHARS_PER_TOKEN for p in plan.prompts}


def total_cost(estimates: list[CallEstimate], price_in: float, price_out: float) -> float:
    """The summed US$ of ``estimates``."""
    return math.fsum(e.cost(price_in, price_out) for e in estimates)
