"""The judge stage: every scheduled game that has no stored judgment is judged once and stored."""

from __future__ import annotations

import hashlib
from typing import Callable, Sequence

from wizardarena.arena.work import claimed_batches
from wizardarena.backends.base import content_key
from wizardarena.judge.pairwise import Game, PairwiseJudge
from wizardarena.records import Answer, Prompt


def judge_digest(judge_spec: str, judge_key: str) -> str:
    """Content address of a judge: its backend spec and :meth:`JudgeConfig.key`."""
    return content_key("judgment", judge_spec, judge_key)


def run_judgments(store, planned: dict[str, tuple], answers: dict[str, Answer],
                  judge_factory: Callable[[], PairwiseJudge], owner: str, chunk: int = 64,
                  advance: Callable[[int], None] = lambda n: None) -> int:
    """Judge the ``planned`` games missing from the store; returns the number of judge requests made.

    ``planned`` maps judgment key -> (prompt, name_a, key_a, name_b, key_b, swapped); ``answers`` maps
    answer key -> stored answer."""
    done = store.judgment_keys(list(planned))
    todo = [key for key in planned if key not in done]
    judge = None
    for keys in claimed_batches(store, todo, owner, "judgment", chunk, store.judgment_keys, advance):
        judge = judge or judge_factory()
        try:
            games = [_game(planned[key], answers) for key in keys]
            store.put_judgments(list(zip(keys, judge.judge(games))))  # also drops these claims
        except BaseException:
            store.release(keys, owner)
            raise
        advance(len(keys))
    return 0 if judge is None else judge.calls


def _game(plan: tuple, answers: dict[str, Answer]) -> Game:
    prompt, name_a, key_a, name_b, key_b, swapped = plan
    return Game(prompt, name_a, name_b, answers[key_a]["turns"], answers[key_b]["turns"], swapped)


def plan_games(prompts: Sequence[Prompt], games: Sequence[tuple[str, str, bool]], answer_keys: dict,
               judge_spec: str, judge_key: str) -> dict[str, tuple]:
    """Judgment key -> game plan for every prompt and scheduled game (``answer_keys[(name, prompt_id)]``).

    A judgment key addresses the content of one game: the judge (:func:`judge_digest`) and the ordered
    pair of answer keys, which already address the prompt's text and each model's settings."""
    planned = {}
    digest = judge_digest(judge_spec, judge_key)
    sha256 = hashlib.sha256
    for prompt in prompts:
        for first, second, swapped in games:
            key_a, key_b = answer_keys[(first, prompt["id"])], answer_keys[(second, prompt["id"])]
            key = sha256(f"{digest}|{key_a}|{key_b}".encode()).hexdigest()[:32]
            planned[key] = (prompt, first, key_a, second, key_b, swapped)
    return planned
