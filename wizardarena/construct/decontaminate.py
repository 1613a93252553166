"""Decontamination: drop training instructions that are too close to any test item.

A training item is dropped, for the first of these reasons that applies:

- ``exact``: its normalised text (casefold, collapsed whitespace) equals a test item's;
- ``near duplicate``: MinHash LSH estimates a Jaccard similarity of at least the threshold to a test item;
- ``neighbour``: it is among the ``top_k`` training items nearest (cosine of embeddings) to some test
  item — the paper's rule with top-5, whatever the similarity; with ``min_similarity`` only those
  neighbours at least that similar (a small pool's top-5 can be unrelated prompts). The report counts
  the top-k neighbours kept for being below it.

Each drop names the matching test item and the similarity (1.0, estimated Jaccard, or cosine; for a
neighbour of several test items, the closest one). Similarities are numpy matrix products over blocks
of training vectors, so a 100k+ pool never needs a full similarity matrix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import NamedTuple, Sequence

import numpy as np

from wizardarena.construct.cluster import embed_prompts
from wizardarena.construct.minhash import MinHasher, MinHashIndex
from wizardarena.construct.text import normalise, prompt_text
from wizardarena.embeddings import Embedder
from wizardarena.errors import InputError
from wizardarena.records import Prompt


@dataclass(frozen=True)
class DecontaminationConfig:
    """``top_k`` = 0 or ``near_duplicate_threshold`` = None switches that rule off; ``min_similarity``
    None drops every top-k neighbour (the paper's rule)."""

    top_k: int = 5
    min_similarity: float | None = None
    near_duplicate_threshold: float | None = 0.8
    shingle_size: int = 5
    num_perm: int = 128
    minhash_seed: int = 0
    block_size: int = 8192

    def __post_init__(self) -> None:
        threshold = self.near_duplicate_threshold
        if self.top_k < 0 or self.block_size < 1 or not (threshold is None or 0.0 < threshold <= 1.0):
            raise InputError("decontamination: top-k >= 0, block size >= 1, near-duplicate threshold in (0, 1]")
        if self.min_similarity is not None and not -1.0 <= self.min_similarity <= 1.0:
            raise InputError(f"decontamination: --min-similarity is a cosine in [-1, 1], got {self.min_similarity}")
        MinHasher(self.num_perm, self.shingle_size, self.minhash_seed)  # validates those three


class Decontamination(NamedTuple):
    """The kept training items (in order), one record per dropped item, and a summary."""

    kept: list[Prompt]
    dropped: list[dict]
    report: dict


def nearest_neighbours(train_vectors: np.ndarray, test_vectors: np.ndarray, top_k: int,
                       block_size: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """For each test row, the positions and cosines of its ``top_k`` nearest training rows, nearest first
    (unit vectors: a dot product is the cosine). Shapes ``(n_test, min(top_k, n_train))``."""
    count = min(top_k, len(train_vectors))
    best_sims = np.empty((len(test_vectors), 0), np.float32)
    best_idx = np.empty((len(test_vectors), 0), np.int64)
    if count == 0:
        return best_idx, best_sims
    for start in range(0, len(train_vectors), block_size):
        block = train_vectors[start:start + block_size]
        sims = np.concatenate([best_sims, test_vectors @ block.T], axis=1)
        positions = np.broadcast_to(np.arange(start, start + len(block)), (len(test_vectors), len(block)))
        idx = np.concatenate([best_idx, positions], axis=1)
        if sims.shape[1] > count:
            top = np.argpartition(-sims, count - 1, axis=1)[:, :count]
            sims, idx = np.take_along_axis(sims, top, 1), np.take_along_axis(idx, top, 1)
        best_sims, best_idx = sims, idx
    order = np.argsort(-best_sims, axis=1, kind="stable")
    return np.take_along_axis(best_idx, order, 1), np.take_along_axis(best_sims, order, 1)


def decontaminate(train: Sequence[Prompt], test: Sequence[Prompt], embedder: Embedder | None,
                  config: DecontaminationConfig = DecontaminationConfig()) -> Decontamination:
    """Split ``train`` into kept items and drop records ``{"id", "reason", "test_id", "similarity"}``
    by the rules of the module notes; ``embedder`` may be None only with ``top_k`` = 0."""
    if not test:
        raise InputError("decontamination: no test items to decontaminate against")
    if config.top_k and embedder is None:
        raise InputError("decontamination: the top-k neighbour rule needs an embedder")
    drops: dict[int, dict] = {}
    spared: set[int] = set()  # top-k neighbours below min_similarity
    first_test_by_text: dict[str, str] = {}
    for item in test:
        first_test_by_text.setdefault(normalise(prompt_text(item)), item["id"])
    for position, item in enumerate(train):
        match = first_test_by_text.get(normalise(prompt_text(item)))
        if match is not None:
            drops[position] = _drop(item, "exact", match, 1.0)
    if config.near_duplicate_threshold is not None:
        _drop_near_duplicates(train, test, config, drops)
    if config.top_k:
        train_vectors, test_vectors = embed_prompts(train, embedder), embed_prompts(test, embedder)
        neighbours, sims = nearest_neighbours(train_vectors, test_vectors, config.top_k, config.block_size)
        for test_item, row, row_sims in zip(test, neighbours, sims):
            for position, similarity in zip(row.tolist(), row_sims.tolist()):
                if config.min_similarity is not None and similarity < config.min_similarity:
                    spared.add(position)
                    continue
                held = drops.get(position)
                if held is None or (held["reason"] == "neighbour" and similarity > held["similarity"]):
                    drops[position] = _drop(train[position], "neighbour", test_item["id"], similarity)
    kept = [item for position, item in enumerate(train) if position not in drops]
    dropped = [drops[position] for position in sorted(drops)]
    report = {"train": len(train), "test": len(test), "kept": len(kept), "dropped": len(dropped),
              "dropped_by_reason": dict(Counter(d["reason"] for d in dropped)),
              "neighbours_below_min_similarity": len(spared - drops.keys()),
              "parameters": {**asdict(config), "embedder": getattr(embedder, "name", None)}}
    return Decontamination(kept, dropped, report)


def _drop_near_duplicates(train: Sequence[Prompt], test: Sequence[Prompt], config: DecontaminationConfig,
                          drops: dict[int, dict]) -> None:
    hasher = MinHasher(config.num_perm, config.shingle_size, config.minhash_seed)
    index = MinHashIndex(config.num_perm, config.near_duplicate_threshold)
    for item, signature in zip(test, hasher.signatures([prompt_text(t) for t in test])):
        index.add(signature, item["id"])
    open_positions = [position for position in range(len(train)) if position not in drops]
    signatures = hasher.signatures([prompt_text(train[position]) for position in open_positions])
    for position, signature in zip(open_positions, signatures):
        match = index.best_match(signature)
        if match is not None:
            drops[position] = _drop(train[position], "near duplicate", str(match[0]), match[1])


def _drop(item: Prompt, reason: str, test_id: str, similarity: float) -> dict:
    return {"id": item["id"], "reason": reason, "test_id": test_id, "similarity": round(float(similarity), 4)}
