"""TRL reward functions backed by a WizardArena judge: the policy's samples battle in the simulated arena.

A judge is a :class:`~wizardarena.judge.Judge` (``JudgeRef.load()`` builds one); only its
``judge(games) -> list[Judgment]`` is used, so a test double needs nothing else. Every pair is judged in both position
orders, as in the arena; a completion's reward is its score minus its opponent's (``score="gap"``, in
[-9, 9] on the judge's 1–10 scale) or its own score (``score="score"``), averaged over the two orders.
A pair with an invalid judgment in either order gets ``None``, which TRL leaves out of the reward.

Both reward functions follow TRL's protocol ``fn(prompts, completions, **columns) -> list[float | None]``;
prompts and completions may be conversational (lists of messages) or plain strings.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Literal, Mapping, Sequence

from wizardarena.errors import InputError
from wizardarena.judge.base import Game, Judge
from wizardarena.records import Prompt

RewardFunction = Callable[..., list]
Score = Literal["gap", "score"]


def judge_reward(judge: Judge, references: Mapping[str, str] | None = None, *,
                 reference_column: str = "reference", id_column: str = "prompt_id", score: Score = "gap",
                 name: str = "policy", opponent: str = "reference") -> RewardFunction:
    """A reward function where each completion battles the reference answer for its prompt.

    The reference is the dataset column ``reference_column`` (TRL passes every extra column, repeated per
    generation) or else ``references[prompt_id]``, the prompt id being the ``id_column`` column or, when
    absent, a hash of the prompt. Rows with no reference get ``None``. ``name`` / ``opponent`` label the
    two sides in the judge's records."""
    _check_score(score)
    references = references or {}

    def reward(prompts: Sequence[Any], completions: Sequence[Any], **columns: Any) -> list[float | None]:
        ids = _prompt_ids(prompts, columns.get(id_column))
        given = columns.get(reference_column)
        opponents = [given[i] if given is not None and given[i] is not None else references.get(ids[i])
                     for i in range(len(prompts))]
        rows = [i for i, answer in enumerate(opponents) if answer is not None]
        pairs = [(prompts[i], ids[i], _text(completions[i]), str(opponents[i])) for i in rows]
        scores = _battle(judge, pairs, name, opponent)
        out: list[float | None] = [None] * len(prompts)
        for i, pair in zip(rows, scores):
            out[i] = None if pair is None else _reward(pair[0], pair[1], score)
        return out

    reward.__name__ = f"judge_{score}"  # TRL logs rewards under the function's name
    return reward


def paired_judge_reward(judge: Judge, batch_size: int | None = None, *, id_column: str = "prompt_id",
                        score: Score = "gap") -> RewardFunction:
    """A reward function for OnlineDPO's layout: completions ``i`` and ``i + B`` answer the same prompt
    (``B = batch_size``, default half the batch) and battle each other; each gets its own reward, so the
    higher one marks the chosen completion. With ``score="gap"`` the two rewards are opposite."""
    _check_score(score)

    def reward(prompts: Sequence[Any], completions: Sequence[Any], **columns: Any) -> list[float | None]:
        half = batch_size if batch_size is not None else len(completions) // 2
        if len(completions) != 2 * half:
            raise InputError(f"paired reward: expected {2 * half} completions (2 x batch), "
                             f"got {len(completions)}")
        ids = _prompt_ids(prompts, columns.get(id_column))
        if any(ids[i] != ids[i + half] for i in range(half)):
            raise InputError("paired reward: completions i and i + batch_size must answer the same prompt")
        pairs = [(prompts[i], ids[i], _text(completions[i]), _text(completions[i + half]))
                 for i in range(half)]
        scores = _battle(judge, pairs, "first", "second")
        first = [None if p is None else _reward(p[0], p[1], score) for p in scores]
        second = [None if p is None else _reward(p[1], p[0], score) for p in scores]
        return first + second

    reward.__name__ = f"paired_judge_{score}"
    return reward


def _battle(judge: Judge, pairs: Sequence[tuple[Any, str, str, str]], name: str,
            opponent: str) -> list[tuple[float, float] | None]:
    """Judge each (prompt, id, answer, other) in both orders with one ``judge`` call; per pair, the mean
    scores of (answer, other), or None when either order is invalid."""
    games = []
    for prompt, ident, answer, other in pairs:
        record, earlier = _prompt_record(prompt, ident)
        games.append(Game(record, name, opponent, [*earlier, answer], [*earlier, other], swapped=False))
        games.append(Game(record, opponent, name, [*earlier, other], [*earlier, answer], swapped=True))
    judgments = judge.judge(games) if games else []
    out: list[tuple[float, float] | None] = []
    for straight, swapped in zip(judgments[0::2], judgments[1::2]):
        if not (straight["valid"] and swapped["valid"]):
            out.append(None)
            continue
        mine = (straight["score_a"] + swapped["score_b"]) / 2
        out.append((mine, (straight["score_b"] + swapped["score_a"]) / 2))
    return out


def _prompt_record(prompt: Any, ident: str) -> tuple[Prompt, list[str]]:
    """The arena prompt of a TRL prompt, and the assistant turns it already holds (shared by both sides,
    so a multi-turn conversation is judged in full, the completion being the last reply)."""
    if isinstance(prompt, str):
        turns, earlier = [prompt], []
    else:
        turns = [m["content"] for m in prompt if m["role"] == "user"]
        earlier = [m["content"] for m in prompt if m["role"] == "assistant"]
    if not turns or len(earlier) != len(turns) - 1:
        raise InputError(f"prompt {ident}: a judged prompt must alternate user and assistant turns, "
                         "ending with a user turn")
    return Prompt(id=ident, turns=turns, category=None, cluster=None, difficulty=None, source="trl"), earlier


def _prompt_ids(prompts: Sequence[Any], given: Sequence[Any] | None) -> list[str]:
    if given is not None:
        return [str(x) for x in given]
    return [hashlib.sha256(json.dumps(p, sort_keys=True).encode("utf-8")).hexdigest()[:16] for p in prompts]


def _text(completion: Any) -> str:
    """A completion's text: a plain string, or the content of a conversational completion's messages."""
    if isinstance(completion, str):
        return completion
    return "".join(m["content"] for m in completion if m.get("role", "assistant") == "assistant")


def _reward(mine: float, other: float, score: Score) -> float:
    return mine - other if score == "gap" else mine


def _check_score(score: str) -> None:
    if score not in ("gap", "score"):
        raise InputError(f"judge reward score must be gap or score, not {score!r}")
