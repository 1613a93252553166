"""What a run will cost before it runs (``eval --dry-run``): generation and judge calls with their input and
output tokens, per model and per judge, estimated from the stored answers and the judge's real template.

Tokens are characters / 4 (rounded up): no tokenizer is loaded, so a dry run stays offline and instant. A
judge call's input is its rendered prompt: the template with the prompt's turns filled in (rendered once
per prompt with empty answers) plus the two answers as the judge is shown them. Answers still to be
generated are estimated (pre-computed ``answers:`` not stored yet are read from their files, exactly) as
the mean shown length of the stored answers on the same prompt, else
``--max-new-tokens`` per turn. Output is an upper bound for text (the token budget of each reply) and one
token per logprob call. Retries of unreadable replies are not counted.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
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
    judge the ``games`` it judges and how many of the answers they show are not generated yet (``estimated``)."""

    name: str
    calls: int
    input_tokens: int
    output_tokens: int
    output_bound: bool = True
    games: int = 0
    estimated: int = 0
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
    known = {key: answer["turns"] for key, answer in stored.items()}
    known.update(_precomputed(config, plan, known))
    judges = [_judge_estimate(judge, config, plan, store, known) for judge in config.judges]
    return models, judges


def _precomputed(config: EvalConfig, plan: EvalPlan, known: dict[str, list[str]]) -> dict[str, list[str]]:
    """Answer key -> turns of the pre-computed (``answers:``) answers the store does not hold yet, read from
    their files: they cost no call, and their real lengths beat a guess."""
    out = {}
    for contestant in config.contestants:
        if contestant.model.backend != "answers":
            continue
        model = contestant.model.load()
        for prompt in plan.prompts:
            key = plan.keys.get((contestant.name, prompt["id"]))
            if key is not None and key not in known and prompt["id"] in model.prompt_ids:
                out[key] = model.turns(prompt["id"])
    return out


def _judge_estimate(judge: JudgeRef, config: EvalConfig, plan: EvalPlan, store: Store,
                    known: dict[str, list[str]]) -> CallEstimate:
    if judge.id == config.judge.id:  # any game under a key shows the same answers: the last one stands for it
        by_key = dict(zip(map(itemgetter(0), plan.planned), plan.planned))
    else:
        by_key = {judgment_key(judge.id, g.answer_a, g.answer_b): g for g in plan.planned}
    judged = store.judged_keys(judge.id, by_key)
    retry = store.retryable_invalid(judge.id, by_key, config.judge_attempt_budget)
    todo = by_key.keys() - judged | retry if judged else by_key.keys()
    if judge.kind != "pairwise":
        return CallEstimate(judge.id, 0, 0, 0, games=len(todo), offline=True)
    from wizardarena.judge.pairwise import PairwiseJudge

    renderer = PairwiseJudge(None, judge.config, judge.id)
    target = "A" if judge.config.scores_each_side else ""
    overhead = {id(p): len(renderer.render(Game(p, "", "", [""], [""], False), target)) for p in plan.prompts}
    shown = {key: len(renderer.shown(turns)) for key, turns in known.items()}
    length = _answer_lengths(plan, shown, config.decoding.max_new_tokens)
    games = list(by_key.values()) if len(todo) == len(by_key) else [by_key[key] for key in todo]
    # counted in C (Counter over the games' fields), then weighed: a 1.8M-game plan is not walked in Python
    sides = Counter(map(itemgetter(3), games)) + Counter(map(itemgetter(5), games))
    chars = sum(overhead[p] * n for p, n in Counter(map(id, map(itemgetter(1), games))).items())
    chars += sum(length[key] * n for key, n in sides.items())
    guessed = sum(n for key, n in sides.items() if key not in shown)
    per_game = judge.config.calls_per_game()
    text = judge.config.mode == "text" and judge.config.protocol != "alpaca-eval"  # else one token per call
    output = len(games) * per_game * (judge.config.decoding.max_new_tokens if text else 1)
    return CallEstimate(judge.id, len(games) * per_game, tokens(chars * per_game), output, text, len(games), guessed)


def _answer_lengths(plan: EvalPlan, shown: dict[str, int], max_new_tokens: int) -> dict[str, int]:
    """Answer key -> the characters the judge is shown: the known answer's (stored, or pre-computed), else (not
    generated yet) the mean of the known answers on that prompt, else ``max_new_tokens`` tokens per turn."""
    lengths: dict[str, list[int]] = {}
    for (_, pid), key in plan.keys.items():
        if key in shown:
            lengths.setdefault(pid, []).append(shown[key])
    guess = {p["id"]: round(sum(lengths[p["id"]]) / len(lengths[p["id"]])) if p["id"] in lengths
             else len(p["turns"]) * max_new_tokens * CHARS_PER_TOKEN for p in plan.prompts}
    return {key: shown[key] if key in shown else guess[pid] for (_, pid), key in plan.keys.items()}


def total_cost(estimates: list[CallEstimate], price_in: float, price_out: float) -> float:
    """The summed US$ of ``estimates``."""
    return math.fsum(e.cost(price_in, price_out) for e in estimates)
