"""How the adaptive schedule picks each round's games: opponents by the information a verdict carries,
prompts spread evenly over the candidate's set and over each opponent's easy and hard prompts."""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Sequence

import numpy as np

from wizardarena.ratings import RatingResult
from wizardarena.tables import Columns

Game = tuple[str, str, str]  # (candidate, opponent, prompt id); judged in both orders
EXPLORE = 0.02  # information floor: far opponents keep a small chance, so a misplaced start can recover


class GameChooser:
    """Picks each round's games. Opponents: drawn by information at the current ratings (before the first
    fit: the references' own ratings, candidates at their median). Prompts: each candidate's games are
    spread evenly over the prompts (the least used first), and each pair's prompts evenly over the
    opponent's own results on them in the reference arena (:func:`spread_order`), so prompt effects
    average out instead of adding sampling noise. A pair never plays the prompts either side has no answer
    for (``holes``: model -> prompt ids)."""

    def __init__(self, pool: tuple[str, ...], prompt_ids: Sequence[str], seed: int, prior: dict[str, float],
                 scores: dict[str, dict[str, float]], holes: dict[str, list[str]] | None = None):
        self.pool, self.prompt_ids, self.seed, self.prior, self.scores = pool, list(prompt_ids), seed, prior, scores
        self.holes = {name: set(ids) for name, ids in (holes or {}).items()}
        self.unplayed: dict[tuple[str, str], dict[str, int]] = {}  # pair -> prompt -> seeded tie-break
        self.usage: dict[str, Counter] = {}

    def next_games(self, active: list[str], result: RatingResult | None, played: int, budget: int | None,
                   rng: np.random.Generator) -> list[Game]:
        """Per active candidate, max(opponents, a third of the games so far), within ``budget`` games."""
        size = max(len(self.pool) - 1, played // 3)
        rating = dict(zip(result.models, result.rating)) if result is not None else self.prior
        games: list[Game] = []
        for candidate in active:
            want = size if budget is None else min(size, budget - len(games))
            if want <= 0:
                break
            rivals = [o for o in self.pool if o != candidate]
            weight = np.array([_information(rating, candidate, o) if self._left(candidate, o) else 0.0
                               for o in rivals])
            if weight.sum() == 0:
                continue
            for rival, count in zip(rivals, rng.multinomial(want, weight / weight.sum())):
                games += [(candidate, rival, prompt) for prompt in self._take(candidate, rival, int(count))]
        return games

    def _left(self, candidate: str, rival: str) -> dict[str, int]:
        pair = tuple(sorted((candidate, rival)))
        if pair not in self.unplayed:
            rng = np.random.default_rng([self.seed, zlib.crc32(pair[0].encode()), zlib.crc32(pair[1].encode())])
            lacking = self.holes.get(pair[0], set()) | self.holes.get(pair[1], set())
            prompt_ids = [p for p in self.prompt_ids if p not in lacking] if lacking else self.prompt_ids
            self.unplayed[pair] = spread_order(prompt_ids, self.scores.get(rival, {}), rng)
        return self.unplayed[pair]

    def _take(self, candidate: str, rival: str, count: int) -> list[str]:
        left, usage = self._left(candidate, rival), self.usage.setdefault(candidate, Counter())
        taken = sorted(left, key=lambda prompt: (usage[prompt], left[prompt]))[:count]
        for prompt in taken:
            del left[prompt]
            usage[prompt] += 1
        return taken


def prompt_scores(reference: Columns) -> dict[str, dict[str, float]]:
    """Each model's mean result (win 1, tie 0.5) per prompt over its battles in ``reference``."""
    totals: dict[str, dict[str, list[float]]] = {}
    for a, b, winner, prompt in zip(reference.get("model_a", ()), reference.get("model_b", ()),
                                    reference.get("winner", ()), reference.get("prompt_id", ())):
        result_a = 0.5 if winner.startswith("tie") else float(winner == "model_a")
        for name, result in ((a, result_a), (b, 1.0 - result_a)):
            cell = totals.setdefault(name, {}).setdefault(prompt, [0.0, 0.0])
            cell[0] += result
            cell[1] += 1
    return {name: {p: won / n for p, (won, n) in cells.items()} for name, cells in totals.items()}


def spread_order(prompt_ids: Sequence[str], scores: dict[str, float], rng: np.random.Generator) -> dict[str, int]:
    """Prompt -> position in a pair's playing order: prompts sorted by the opponent's ``scores`` (seeded
    ties), then visited in bit-reversed rank order from a seeded start, so that every prefix of the order
    is spread across the opponent's easy and hard prompts (a stratified sample, not a lucky draw).

    >>> order = spread_order(list("abcdefgh"), {p: k for k, p in enumerate("abcdefgh")}, np.random.default_rng(0))
    >>> sorted(order, key=order.get)  # scores rise from a to h: each half, quarter, ... gets its share
    ['h', 'd', 'b', 'f', 'a', 'e', 'c', 'g']
    """
    count = len(prompt_ids)
    ties = rng.permutation(count)
    ranked = sorted(range(count), key=lambda k: (scores.get(prompt_ids[k], 0.5), ties[k]))
    bits = max(1, (count - 1).bit_length())
    shift = int(rng.integers(count)) if count else 0

    def reversed_bits(rank: int) -> int:
        return int(format((rank + shift) % count, f"0{bits}b")[::-1], 2)

    visit = sorted(range(count), key=reversed_bits)
    return {prompt_ids[ranked[rank]]: position for position, rank in enumerate(visit)}


def _information(rating: dict[str, float], candidate: str, rival: str) -> float:
    """p(1 - p) of a verdict between the two at ``rating`` (0.25 for a model not rated yet)."""
    if candidate not in rating or rival not in rating:
        return 0.25 + EXPLORE
    p = 1.0 / (1.0 + 10.0 ** ((rating[rival] - rating[candidate]) / 400.0))
    return p * (1.0 - p) + EXPLORE
