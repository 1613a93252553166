"""``similarity:ANSWERS`` — the offline, reference-guided judge (no LLM).

Each response is scored by how close its meaning is to a strong reference model's answer to the same
prompt: the cosine similarity of their sentence embeddings (all-MiniLM-L6-v2, the first 256 tokens of
each text), averaged over the turns and mapped linearly onto the judge's 1–10 scale. Scores are not
rounded to whole points: rounding made half the games ties and cost separability for no gain in
agreement (``--tie-margin`` sets a tie band if wanted). The reference model must sit out of the arena
it judges. ``ANSWERS`` is what follows ``answers:`` in a model spec, e.g.
``similarity:arena-hard-v0.1#gpt-4-1106-preview`` (a shipped pack) or ``similarity:DIR#MODEL``.

It is a cheap stand-in for the CPU-only default, honestly weaker than an LLM judge: it rewards answers
that say what the reference says, not answers that are better than it. Both orders of a pair get the
same scores, so it has no position bias.
"""

from __future__ import annotations

import json
from typing import Sequence

import numpy as np

from wizardarena.judge.base import Game, strip_reasoning
from wizardarena.judge.parse import verdict
from wizardarena.records import Judgment

PREFIX = "similarity:"
VERSION = 2  # part of the judge's cache key: bump when scores would change
EMBEDDER_MAX_TOKENS = 256


def similarity_score(cosine: float) -> float:
    """A cosine similarity on the 1–10 scale (negative similarity counts as 0).

    >>> similarity_score(0.0), similarity_score(0.5), similarity_score(1.0)
    (1.0, 5.5, 10.0)
    """
    return 1 + 9 * min(max(float(cosine), 0.0), 1.0)


def similarity_settings(strip: bool) -> dict:
    """What makes two similarity judgments the same (besides the reference answers): the scoring
    version, the embedder and whether reasoning traces are stripped."""
    from wizardarena.embeddings import DEFAULT_EMBEDDER

    return {"judge": "similarity", "version": VERSION, "embedder": DEFAULT_EMBEDDER,
            "max_tokens": EMBEDDER_MAX_TOKENS, "strip_reasoning": strip}


class SimilarityJudge:
    """Judges games by each response's embedding similarity to ``reference``'s answer.

    ``reference`` is an answers backend (``generate`` returns its stored reply to a request);
    ``embedder`` an :class:`wizardarena.embeddings.Embedder`. Texts are embedded once and remembered;
    the embedder's file cache (if any) is saved after every batch."""

    def __init__(self, judge_id: str, reference, embedder, strip: bool = True):
        self.id, self.reference, self.embedder, self.strip = judge_id, reference, embedder, strip
        self.calls = 0  # games scored (each one a "judge call": nothing is asked of a model)
        self.stripped = 0  # answer turns scored without their reasoning trace

    def judge(self, games: Sequence[Game]) -> list[Judgment]:
        """One judgment per game, in order."""
        refs = reference_replies(self.reference, games)
        if self.strip:
            games = [game._replace(answer_a=self._clean(game.answer_a), answer_b=self._clean(game.answer_b))
                     for game in games]
        texts = [t for replies in refs.values() for t in replies]
        texts += [t for game in games for t in (*game.answer_a, *game.answer_b)]
        vectors = dict(zip(texts, self.embedder.embed(texts)))
        save = getattr(self.embedder, "save", None)
        if save:
            save()
        self.calls += len(games)
        return [self._judgment(game, refs[game.prompt["id"]], vectors) for game in games]

    def _judgment(self, game: Game, reference: list[str], vectors: dict[str, np.ndarray]) -> Judgment:
        cos_a = _mean_cosine(game.answer_a, reference, vectors)
        cos_b = _mean_cosine(game.answer_b, reference, vectors)
        score_a, score_b = similarity_score(cos_a), similarity_score(cos_b)
        judgment = Judgment(prompt_id=game.prompt["id"], model_a=game.model_a, model_b=game.model_b,
                            judge=self.id, swapped=game.swapped, score_a=score_a, score_b=score_b, p_a=None,
                            winner=verdict(score_a, score_b, 0.0), valid=True,
                            raw=json.dumps({"cosine_a": round(cos_a, 6), "cosine_b": round(cos_b, 6)}))
        return judgment

    def _clean(self, turns) -> list[str]:
        cleaned = [strip_reasoning(text) for text in turns]
        self.stripped += sum(changed for _, changed in cleaned)
        return [text for text, _ in cleaned]


def reference_replies(reference, games: Sequence[Game]) -> dict[str, list[str]]:
    """Prompt id -> a reference answers backend's stored replies (one per turn) for the games' prompts."""
    from wizardarena.backends.base import ChatRequest, Decoding

    refs: dict[str, list[str]] = {}
    for game in games:
        prompt = game.prompt
        if prompt["id"] not in refs:
            requests = [ChatRequest(prompt["id"], turn, ({"role": "user", "content": text},))
                        for turn, text in enumerate(prompt["turns"])]
            refs[prompt["id"]] = reference.generate(requests, Decoding())
    return refs


def _mean_cosine(replies: Sequence[str], reference: Sequence[str], vectors: dict[str, np.ndarray]) -> float:
    sims = [float(vectors[r] @ vectors[ref]) for r, ref in zip(replies, reference)]
    return sum(sims) / len(sims)
