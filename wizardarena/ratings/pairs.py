"""Collapse battles into outcome classes: (unordered model pair, result, weight) with multiplicities.

Bradley-Terry needs only per-pair totals, so every resampling scheme works on these few thousand
classes instead of the raw battles: a bootstrap round is a vector of class counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wizardarena.ratings.table import MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD, BattleTable

# Score of the lower-index model of the pair for each result class.
_I_WINS, _J_WINS, _TIED = 0, 1, 2
_CLASS_SCORE = np.array([1.0, 0.0, 0.5])


@dataclass(frozen=True)
class OutcomeClasses:
    """Battles grouped by (pair, result, weight). Models are re-indexed to those with kept battles:
    ``present[k]`` is the table index of model k; ``battle_class`` maps each kept row to its class and
    ``battle_count`` (None without a count column) says how many battles each kept row stands for, so
    ``class_count`` counts battles, not rows."""

    n_models: int
    present: np.ndarray
    pair_i: np.ndarray
    pair_j: np.ndarray
    class_pair: np.ndarray
    class_score: np.ndarray
    class_weight: np.ndarray
    class_count: np.ndarray
    battle_class: np.ndarray
    kept: np.ndarray
    class_key: np.ndarray | None = None
    battle_count: np.ndarray | None = None

    @property
    def n_pairs(self) -> int:
        return int(self.pair_i.shape[0])

    def pair_totals(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-pair weighted battle totals ``n`` and scores ``s`` of the lower-index model for each
        row of class ``counts`` (shape ``(rounds, n_classes)``); ties contribute half a win to each side."""
        counts = np.atleast_2d(counts)
        if self.class_key is not None:  # unweighted: classes are distinct (pair, result) cells
            cells = counts
            if self.class_key.shape[0] < self.n_pairs * 3:  # else every cell is a class, in cell order
                cells = np.zeros((counts.shape[0], self.n_pairs * 3), counts.dtype)
                cells[:, self.class_key] = counts
            cells = cells.reshape(counts.shape[0], self.n_pairs, 3)
            # three strided adds: numpy's sum over a last axis of length 3 is several times slower
            n = (cells[:, :, 0] + cells[:, :, 1] + cells[:, :, 2]).astype(np.float64)
            return n, cells[:, :, 0] + 0.5 * cells[:, :, 2]
        rounds, size = counts.shape[0], counts.shape[0] * self.n_pairs
        index = (np.arange(rounds)[:, None] * self.n_pairs + self.class_pair).ravel()
        weighted = counts * self.class_weight
        n = np.bincount(index, weighted.ravel(), size).reshape(rounds, self.n_pairs)
        s = np.bincount(index, (weighted * self.class_score).ravel(), size).reshape(rounds, self.n_pairs)
        return n, s


def outcome_classes(table: BattleTable, ties: str = "half") -> OutcomeClasses:
    """Group ``table``'s battles into outcome classes under a tie policy: ``half`` (ties count half to
    each side), ``drop`` (all ties removed) or ``drop-bothbad`` (only "tie (bothbad)" removed)."""
    if ties not in ("half", "drop", "drop-bothbad"):
        raise ValueError(f"unknown tie policy {ties!r}")
    keep = np.ones(len(table), dtype=bool) if table.count is None else table.count > 0
    if ties == "drop":
        keep &= table.outcome <= MODEL_B_WINS
    elif ties == "drop-bothbad":
        keep &= table.outcome != TIE_BOTHBAD
    kept = np.flatnonzero(keep)
    a, b, outcome = table.a[kept].astype(np.int64), table.b[kept].astype(np.int64), table.outcome[kept]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    result = np.where(outcome >= TIE, _TIED, np.where((outcome == MODEL_A_WINS) == (a == lo), _I_WINS, _J_WINS))
    present = np.flatnonzero(np.bincount(lo, minlength=len(table.models))
                             + np.bincount(hi, minlength=len(table.models)))
    compact = np.zeros(len(table.models), dtype=np.int64)
    compact[present] = np.arange(present.shape[0])
    m = present.shape[0]
    pairs, pair_index, _ = _small_unique(compact[lo] * m + compact[hi], m * m)
    key = pair_index * 3 + result
    if table.weight is None:
        class_key, battle_class, counts = _small_unique(key, pairs.shape[0] * 3)
        class_weight = np.ones(class_key.shape[0])
    else:
        rows = np.stack([key.astype(np.float64), table.weight[kept]], axis=1)
        uniq, battle_class, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
        class_key, class_weight = uniq[:, 0].astype(np.int64), uniq[:, 1]
    battle_count = None if table.count is None else table.count[kept]
    if battle_count is not None:  # a row with n = 5 puts 5 battles in its class
        counts = np.bincount(battle_class.ravel(), battle_count, class_key.shape[0]).round()
    return OutcomeClasses(
        n_models=m, present=present, pair_i=pairs // m, pair_j=pairs % m, class_pair=class_key // 3,
        class_score=_CLASS_SCORE[class_key % 3], class_weight=class_weight,
        class_count=counts.astype(np.int64), battle_class=battle_class.ravel(), kept=kept,
        class_key=class_key if table.weight is None else None, battle_count=battle_count,
    )


def kept_prompts(table: BattleTable, classes: OutcomeClasses) -> np.ndarray | None:
    """Integer prompt codes of the kept battles, or None when battles carry no prompt_id."""
    if table.prompt is None:
        return None
    # The codes np.unique(..., return_inverse=True) would give (prompts numbered in sorted order), without
    # sorting a million Python strings: from the reader's ranks, else by hashing.
    if table.prompt_rank is not None:
        ranks = table.prompt_rank[classes.kept]
    else:
        index: dict[str, int] = {}
        prompts = table.prompt[classes.kept]
        codes = np.fromiter((index.setdefault(p, len(index)) for p in prompts), np.int64, prompts.shape[0])
        order = np.empty(len(index), np.int64)
        order[np.argsort(np.array(list(index), dtype=object), kind="stable")] = np.arange(len(index))
        ranks = order[codes]
    used = np.flatnonzero(np.bincount(ranks))
    position = np.zeros(used[-1] + 1 if used.size else 0, np.int64)
    position[used] = np.arange(used.shape[0])
    return position[ranks]


def _small_unique(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True, return_counts=True)`` in O(n) for codes below ``size``."""
    if size > 4 * codes.shape[0] + 1_000_000:
        values, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
        return values, inverse.ravel(), counts
    tally = np.bincount(codes, minlength=size)
    values = np.flatnonzero(tally)
    position = np.zeros(size, dtype=np.int64)
    position[values] = np.arange(values.shape[0])
    return values, position[codes], tally[values]
