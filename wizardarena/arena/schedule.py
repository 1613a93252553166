"""Which model pairs battle: the paper's full round-robin, or candidates against fixed opponents."""

from __future__ import annotations

import zlib
from itertools import combinations
from typing import Sequence

from wizardarena.records import Prompt


def round_robin(models: Sequence[str]) -> list[tuple[str, str]]:
    """Every unordered pair once, in canonical (sorted) order.

    >>> round_robin(["b", "a", "c"])
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    return list(combinations(sorted(set(models)), 2))


def versus(candidates: Sequence[str], opponents: Sequence[str]) -> list[tuple[str, str]]:
    """Each candidate against each opponent, plus the candidates among themselves (so checkpoints are
    compared directly); opponents do not battle each other. Pairs in canonical order.

    >>> versus(["ckpt-2", "ckpt-1"], ["gpt-4"])
    [('ckpt-1', 'ckpt-2'), ('ckpt-1', 'gpt-4'), ('ckpt-2', 'gpt-4')]
    """
    pairs = {tuple(sorted((c, o))) for c in candidates for o in opponents if c != o}
    pairs.update(round_robin(candidates))
    return sorted(pairs)


def games(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str, bool]]:
    """Both position orders of every pair: (shown first, shown second, swapped)."""
    return [game for first, second in pairs for game in ((first, second, False), (second, first, True))]


def sample_prompts(pair: tuple[str, str], prompts: Sequence[Prompt], size: int) -> list[Prompt]:
    """``size`` prompts for one pair, chosen by a hash of the pair and each prompt id: the same for the pair
    in every run, unchanged when other models join, and different from pair to pair (so together the
    pairs still cover the whole set). Returned in test-set order.

    >>> [p["id"] for p in sample_prompts(("a", "b"), [{"id": str(k)} for k in range(6)], 2)]
    ['2', '3']
    """
    ranked = sorted(prompts, key=lambda p: zlib.crc32(f"{pair[0]}\x1f{pair[1]}\x1f{p['id']}".encode("utf-8")))
    chosen = {p["id"] for p in ranked[:size]}
    return [p for p in prompts if p["id"] in chosen]
