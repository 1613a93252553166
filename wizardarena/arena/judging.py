"""The judge stage: every scheduled game that has no stored judgment is judged once and stored.

A judgment key addresses the content of one game: the judge's id and the ordered pair of answer keys
(which already address the prompt's text and each model's identity and settings). Names are labels: two
contestants that are one model share their games' keys, so such a game is judged once and read by both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Mapping, NamedTuple, Sequence

from wizardarena.arena.battles import battle_columns
from wizardarena.arena.work import claimed_batches
from wizardarena.judge.base import Game, Judge
from wizardarena.records import Answer, Prompt, Verdict
from wizardarena.store.protocol import Store


class PlannedGame(NamedTuple):
    """One scheduled judge call: ``model_a`` (a label) is shown first, with the answer stored under
    ``answer_a``; ``swapped`` marks the reversed canonical order; ``key`` is the judgment's key."""

    key: str
    prompt: Prompt
    model_a: str
    answer_a: str
    model_b: str
    answer_b: str
    swapped: bool


@dataclass(frozen=True)
class JudgingStats:
    """What the judge stage did this run: requests sent, answer turns shown without a reasoning trace, and
    invalid judgments of earlier runs asked again."""

    calls: int = 0
    stripped: int = 0
    reasked: int = 0
    groups: int = 0  # (prompt, first answer) groups the games to judge were sent in
    sent: int = 0  # games to judge this run


def plan_games(prompts: Sequence[Prompt], games: Sequence[tuple[str, str, bool]], answer_keys: dict,
               judge_id: str) -> list[PlannedGame]:
    """Every prompt and scheduled game as a :class:`PlannedGame` (``answer_keys[(name, prompt_id)]``)."""
    planned = []
    append, sha256, new = planned.append, hashlib.sha256, tuple.__new__  # 100k+ games: C-level construction
    for prompt in prompts:
        for first, second, swapped in games:
            key_a, key_b = answer_keys[(first, prompt["id"])], answer_keys[(second, prompt["id"])]
            key = sha256(f"{judge_id}|{key_a}|{key_b}".encode()).hexdigest()[:32]  # as judgment_key, inlined
            append(new(PlannedGame, (key, prompt, first, key_a, second, key_b, swapped)))
    return planned


def judgment_key(judge_id: str, answer_a: str, answer_b: str) -> str:
    """The key of ``judge_id``'s judgment of answer ``answer_a`` shown first against ``answer_b``."""
    return hashlib.sha256(f"{judge_id}|{answer_a}|{answer_b}".encode()).hexdigest()[:32]


def games_to_judge(store: Store, planned: Sequence[PlannedGame]) -> tuple[dict[str, PlannedGame], list[str], int]:
    """The planned games by key (the first planned under each), the keys the store lacks in sending order,
    and how many groups that order has. Games sharing a prompt and a first answer go out together: a
    served or in-process engine's prefix cache then reuses the judge prompt up to answer B (the plan is
    prompt-major already)."""
    by_key: dict[str, PlannedGame] = {}
    for game in planned:
        by_key.setdefault(game[0], game)
    done = store.judgment_keys(list(by_key))
    grouped: dict[tuple[str, str], list[str]] = {}
    for key, game in by_key.items():
        if key not in done:
            grouped.setdefault((game[1]["id"], game[3]), []).append(key)
    return by_key, [key for keys in grouped.values() for key in keys], len(grouped)


def run_judgments(store: Store, planned: Sequence[PlannedGame], answers: Mapping[str, Answer] | None,
                  judge_factory: Callable[[], Judge], owner: str, chunk: int = 64,
                  advance: Callable[[int], None] = lambda n: None,
                  notice: Callable[[str], None] = lambda text: None) -> JudgingStats:
    """Judge the ``planned`` games missing from the store (each key once); ``answers`` maps answer key ->
    stored answer, or is None: then each batch reads the answers it shows (a big run never holds every
    answer's text at once)."""
    by_key, todo, groups = games_to_judge(store, planned)
    judge = None
    for keys in claimed_batches(store, todo, owner, "judgment", chunk, store.judgment_keys, advance, notice):
        judge = judge or judge_factory()
        try:
            batch = [by_key[key] for key in keys]
            shown = answers if answers is not None else store.answers(
                {key for game in batch for key in (game.answer_a, game.answer_b)})
            games = [_game(game, shown) for game in batch]
            store.put_judgments(list(zip(keys, judge.judge(games))))  # also drops these claims
        except BaseException:
            store.release(keys, owner)
            raise
        advance(len(keys))
    if judge is None:
        return JudgingStats(groups=groups, sent=len(todo))
    return JudgingStats(judge.calls, judge.stripped, groups=groups, sent=len(todo))


def _game(plan: PlannedGame, answers: Mapping[str, Answer]) -> Game:
    return Game(plan.prompt, plan.model_a, plan.model_b, answers[plan.answer_a]["turns"],
                answers[plan.answer_b]["turns"], plan.swapped)


def labelled_verdicts(planned: list[PlannedGame], verdicts: dict[str, Verdict]) -> list[Verdict]:
    """One verdict per planned game that has a stored judgment, carrying this run's labels and order
    (the stored names are whatever the first run called the models)."""
    out: list[Verdict] = []
    append, get, new = out.append, verdicts.get, tuple.__new__
    for key, prompt, model_a, _, model_b, _, swapped in planned:
        stored = get(key)
        if stored is None:
            continue
        if stored[2] == model_a and stored[3] == model_b and stored[4] == swapped:
            append(stored)  # the usual case: no copy
        else:
            append(new(Verdict, (prompt["id"], stored[1], model_a, model_b, swapped, *stored[5:])))
    return out


def planned_verdicts(store: Store, planned: list[PlannedGame], judge_id: str) -> list[Verdict]:
    """:func:`labelled_verdicts` of the ``planned`` games, streamed from the store: only this plan's
    judgments (a shared store holds every run's), never all of them decoded at once. Each verdict is
    built from the plan's own strings (and one float object per distinct score), so a million of them
    share their parts instead of each holding copies read from the store."""
    position = dict(zip([game[0] for game in planned], range(len(planned))))  # C-level: a key's last game
    also: dict[str, list[int]] = {}  # its other games: contestants that are one model share their keys
    if len(position) < len(planned):
        for index, game in enumerate(planned):
            if position[game[0]] != index:
                also.setdefault(game[0], []).append(index)
    out: list[Verdict | None] = [None] * len(planned)
    new, scores = tuple.__new__, {None: None}
    score = scores.setdefault
    for key, valid, score_a, score_b in store.iter_outcomes(judge_id, position):
        score_a, score_b = score(score_a, score_a), score(score_b, score_b)
        for index in (position[key], *also[key]) if also and key in also else (position[key],):
            _, prompt, model_a, _, model_b, _, swapped = planned[index]
            out[index] = new(Verdict, (prompt["id"], judge_id, model_a, model_b, swapped, valid, score_a, score_b))
    return [verdict for verdict in out if verdict is not None]


def stored_battle_columns(store: Store, planned: list[PlannedGame], judge_config, prompts: Sequence[Prompt]) -> dict:
    """The battles of the ``planned`` games that have a stored judgment, under the judge's tie and combine
    rules (columns as :func:`wizardarena.arena.battles.battle_columns` makes them)."""
    stored = store.judgments([g.key for g in planned])
    verdicts = labelled_verdicts(planned, {key: Verdict.of(record) for key, record in stored.items()})
    categories = {p["id"]: p.get("category") for p in prompts}
    return battle_columns(verdicts, judge_config.combine, judge_config.tie_margin, categories,
                          judge_config.strong_repeats)
