"""``overlap:ANSWERS`` — an offline judge by coverage of strong references' answers (no model at all).

Each response is scored by the share of a reference answer's distinct words (lower-cased runs of
``[a-z0-9_]``) that it also uses, averaged over the turns and over one or more reference models, and
mapped linearly onto the judge's 1–10 scale. It reads whole answers (nothing is truncated) and rewards
saying what the strong answers say; extra words cost nothing, so it leans towards longer answers, though
far less blindly than length alone. ``ANSWERS`` is what follows ``answers:`` in a model spec with one or
more models joined by ``+``: ``overlap:arena-hard-v0.1#gpt-4-turbo-2024-04-09+claude-3-5-sonnet-20240620``
or ``overlap:DIR#A+B``. Every reference model sits out of the arena it judges. Both orders of a pair get
the same scores, so it has no position bias.

Against the 2024-09-04 Chatbot Arena over 55 models of the 61-model answer set (README, "Overlap
judge"): Spearman 0.80 with the three best models on Arena-Hard v0.1 as references, answer length alone
0.66-0.69 (the similarity judge measured 0.47 / 0.54 on 57 of them). On older models alone, where
length says little, it trails the similarity judge.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Sequence

from wizardarena.judge.base import Game, strip_reasoning
from wizardarena.judge.parse import verdict
from wizardarena.judge.similarity import reference_replies, similarity_score
from wizardarena.records import Judgment

PREFIX = "overlap:"
VERSION = 1  # part of the judge's cache key: bump when scores would change
WORD = re.compile(r"[a-z0-9_]+")
SCORED_KEPT = 20_000  # answers whose coverage is remembered (they hold their texts: ~60 MB at most)


def overlap_settings(strip: bool) -> dict:
    """What makes two overlap judgments the same (besides the reference answers)."""
    return {"judge": "overlap", "version": VERSION, "words": WORD.pattern, "strip_reasoning": strip}


@lru_cache(maxsize=4096)  # a reference answer is read once per game it judges
def word_set(text: str) -> frozenset[str]:
    """The distinct lower-cased words of ``text``.

    >>> sorted(word_set("Use a list: a LIST, not_a dict."))
    ['a', 'dict', 'list', 'not_a', 'use']
    """
    return frozenset(WORD.findall(text.lower()))


def recall(answer: str, reference: str) -> float:
    """The share of ``reference``'s distinct words that ``answer`` uses (0 for a wordless reference).

    >>> recall("a b c d", "a b x y"), recall("anything", "")
    (0.5, 0.0)
    """
    wanted = word_set(reference)
    return len(word_set(answer) & wanted) / len(wanted) if wanted else 0.0


class OverlapJudge:
    """Judges games by each response's word coverage of the ``references``' answers (answers backends
    whose ``generate`` returns their stored replies), averaged over turns and references."""

    def __init__(self, judge_id: str, references: Sequence, strip: bool = True):
        self.id, self.references, self.strip = judge_id, list(references), strip
        self.calls = 0  # games scored (each one a "judge call": nothing is asked of a model)
        self.stripped = 0  # answer turns scored without their reasoning trace
        # An answer meets 2 × (models - 1) opponents on its prompt: score it once, not once per game.
        self._scored: dict[tuple, tuple[float, int]] = {}

    def judge(self, games: Sequence[Game]) -> list[Judgment]:
        """One judgment per game, in order."""
        refs = [reference_replies(reference, games) for reference in self.references]
        self.calls += len(games)
        if len(self._scored) > SCORED_KEPT:
            self._scored.clear()
        return [self._judgment(game, [by_prompt[game.prompt["id"]] for by_prompt in refs]) for game in games]

    def _judgment(self, game: Game, references: list[list[str]]) -> Judgment:
        cover_a = self._coverage(game.prompt["id"], game.answer_a, references)
        cover_b = self._coverage(game.prompt["id"], game.answer_b, references)
        score_a, score_b = similarity_score(cover_a), similarity_score(cover_b)
        return Judgment(prompt_id=game.prompt["id"], model_a=game.model_a, model_b=game.model_b, judge=self.id,
                        swapped=game.swapped, score_a=score_a, score_b=score_b, p_a=None,
                        winner=verdict(score_a, score_b, 0.0), valid=True,
                        raw=json.dumps({"recall_a": round(cover_a, 6), "recall_b": round(cover_b, 6)}))

    def _coverage(self, prompt_id: str, replies: Sequence[str], references: list[list[str]]) -> float:
        key = (prompt_id, *replies)
        known = self._scored.get(key)
        if known is None:
            known = self._scored[key] = _coverage(replies, references, self.strip)
        self.stripped += known[1]
        return known[0]


def _coverage(replies: Sequence[str], references: list[list[str]], strip: bool) -> tuple[float, int]:
    """Mean recall of the references' words over turns and references, and how many turns lost a
    reasoning trace."""
    stripped = 0
    if strip:
        cleaned = [strip_reasoning(text) for text in replies]
        stripped = sum(changed for _, changed in cleaned)
        replies = [text for text, _ in cleaned]
    per_reference = [sum(recall(r, ref) for r, ref in zip(replies, turns)) / len(replies) for turns in references]
    return sum(per_reference) / len(per_reference), stripped
