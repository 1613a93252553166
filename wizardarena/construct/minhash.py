"""MinHash signatures and an LSH index for near-duplicate texts, in numpy.

A text's shingles are its overlapping character ``shingle_size``-grams after :func:`normalise` (a text
shorter than that is one shingle). Each shingle becomes a 32-bit number by a polynomial hash of its code
points. ``num_perm`` seeded multiply-shift hash functions, ``((a·x + b) mod 2^64) >> 32`` with ``a``
odd, stand in for random permutations; a signature holds the minimum of each over the text's shingles,
and the share of equal positions of two signatures estimates the Jaccard similarity of their shingle sets.

The index cuts signatures into bands. Texts equal on a whole band are candidates, and a candidate is a
near duplicate when its estimated Jaccard similarity reaches the threshold. :func:`choose_bands` takes the
most rows per band whose chance to catch a pair exactly at the threshold is still at least 95%.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from wizardarena.construct.text import normalise
from wizardarena.errors import InputError

_POLY = np.uint64(0x100000001B3)  # the 64-bit FNV prime, as the polynomial base
_MIX = np.uint64(0x9E3779B97F4A7C15)
_CHUNK_SHINGLES = 1 << 16  # shingles hashed per numpy block (num_perm x this many uint64 at a time)


@dataclass(frozen=True)
class MinHasher:
    """Seeded MinHash over character shingles (see the module notes)."""

    num_perm: int = 128
    shingle_size: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if not 16 <= self.num_perm <= 1024 or not 1 <= self.shingle_size <= 50:
            raise InputError("minhash: num_perm must be 16..1024 and the shingle size 1..50")

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """One signature per text, shape ``(len(texts), num_perm)``, uint32."""
        rng = np.random.default_rng(self.seed)
        a = rng.integers(0, 2**64, self.num_perm, dtype=np.uint64, endpoint=False) | np.uint64(1)
        b = rng.integers(0, 2**64, self.num_perm, dtype=np.uint64, endpoint=False)
        out = np.empty((len(texts), self.num_perm), np.uint32)
        start, pending, size = 0, [], 0
        for index, text in enumerate(texts):
            pending.append(self.shingle_hashes(text))
            size += len(pending[-1])
            if size >= _CHUNK_SHINGLES or index == len(texts) - 1:
                out[start:index + 1] = _min_hashes(pending, a, b)
                start, pending, size = index + 1, [], 0
        return out

    def shingle_hashes(self, text: str) -> np.ndarray:
        """The distinct 32-bit shingle hashes of ``text`` (normalised first), never empty."""
        codes = np.frombuffer(normalise(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        width = min(self.shingle_size, len(codes))
        if width == 0:
            return np.zeros(1, np.uint64)
        count = len(codes) - width + 1
        hashes = np.zeros(count, np.uint64)
        for offset in range(width):
            hashes = hashes * _POLY + codes[offset:offset + count]
        hashes = (hashes ^ (hashes >> np.uint64(29))) * _MIX
        return np.unique(hashes >> np.uint64(32))


def _min_hashes(shingles: list[np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signatures of several texts at once: hash all shingles, then take per-text minima."""
    starts = np.cumsum([0] + [len(s) for s in shingles[:-1]])
    values = (a[:, None] * np.concatenate(shingles)[None, :] + b[:, None]) >> np.uint64(32)
    return np.minimum.reduceat(values, starts, axis=1).T.astype(np.uint32)


def choose_bands(num_perm: int, threshold: float, recall: float = 0.95) -> tuple[int, int]:
    """``(bands, rows)``: the most rows per band such that a pair with Jaccard similarity ``threshold``
    shares at least one band with probability ``recall`` (more rows, fewer false candidates).

    >>> choose_bands(128, 0.8)
    (18, 7)
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


class MinHashIndex:
    """Signatures indexed by band, each under a caller's label; finds the most similar indexed entry."""

    def __init__(self, num_perm: int, threshold: float):
        if not 0.0 < threshold <= 1.0:
            raise InputError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        bands, rows = choose_bands(num_perm, threshold)
        self._slices = [slice(band * rows, (band + 1) * rows) for band in range(bands)]
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
        self._signatures: list[np.ndarray] = []
        self._labels: list = []

    def add(self, signature: np.ndarray, label) -> None:
        """Index ``signature`` under ``label``."""
        position = len(self._signatures)
        self._signatures.append(signature)
        self._labels.append(label)
        for buckets, part in zip(self._buckets, self._slices):
            buckets.setdefault(signature[part].tobytes(), []).append(position)

    def best_match(self, signature: np.ndarray) -> tuple[object, float] | None:
        """``(label, estimated Jaccard)`` of the most similar indexed entry at or above the threshold
        (the earliest added among equals), or None."""
        candidates: set[int] = set()
        for buckets, part in zip(self._buckets, self._slices):
            candidates.update(buckets.get(signature[part].tobytes(), ()))
        best: tuple[object, float] | None = None
        for position in sorted(candidates):
            similarity = float(np.mean(self._signatures[position] == signature))
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (self._labels[position], similarity)
        return best
