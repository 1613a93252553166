"""Choosing prompts from clusters: n random per cluster (diverse), m per cluster (hard pool), the
top-h by difficulty, and a cluster-balanced cut. All choices are seeded; positions index the pool."""

from __future__ import annotations

from typing import Sequence

import numpy as np

DIVERSE_STREAM, HARD_STREAM, TIE_STREAM = 0, 1, 2  # independent random streams of one seed


def sample_per_cluster(labels: np.ndarray, per_cluster: int, seed: int, stream: int,
                       eligible: np.ndarray | None = None) -> dict[int, list[int]]:
    """Per cluster, ``per_cluster`` positions drawn at random without replacement among the eligible
    members (all of them when fewer), in drawing order. Each cluster has its own generator, seeded by
    ``(seed, stream, cluster)``, so one cluster's draw does not depend on the others."""
    mask = np.ones(len(labels), bool) if eligible is None else np.asarray(eligible, bool)
    picks: dict[int, list[int]] = {}
    for cluster in range(int(labels.max()) + 1 if len(labels) else 0):
        members = np.flatnonzero((labels == cluster) & mask)
        if len(members) == 0:
            continue
        rng = np.random.default_rng([seed, stream, cluster])
        chosen = rng.choice(members, size=min(per_cluster, len(members)), replace=False)
        picks[cluster] = [int(position) for position in chosen]
    return picks


def flatten(picks: dict[int, list[int]]) -> list[int]:
    """Every picked position, cluster by cluster in drawing order."""
    return [position for cluster in sorted(picks) for position in picks[cluster]]


def keep_hardest(positions: Sequence[int], difficulty: dict[int, float | None], keep: int, seed: int) -> list[int]:
    """The ``keep`` positions with the highest difficulty. Equal scores are ordered by a seeded shuffle
    (not by pool order, which would favour one source). Positions without a valid rating come last, in
    the same shuffled order: they are kept only when fewer than ``keep`` ratings are valid."""
    rng = np.random.default_rng([seed, TIE_STREAM])
    shuffled = [positions[k] for k in rng.permutation(len(positions))]
    rated = sorted((p for p in shuffled if difficulty.get(p) is not None), key=lambda p: -difficulty[p])
    unrated = [p for p in shuffled if difficulty.get(p) is None]
    return (rated + unrated)[:keep]


def round_robin(picks: dict[int, list[int]], keep: int) -> list[int]:
    """At most ``keep`` positions, taken one per cluster in turn (each cluster in its drawing order), so
    that a cut keeps the clusters balanced."""
    chosen: list[int] = []
    depth = 0
    while len(chosen) < keep and any(depth < len(members) for members in picks.values()):
        chosen += [picks[cluster][depth] for cluster in sorted(picks) if depth < len(picks[cluster])]
        depth += 1
    return chosen[:keep]
