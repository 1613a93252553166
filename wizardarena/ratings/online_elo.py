"""Online (sequential) Elo, the rating the first Chatbot Arena leaderboards used: each battle moves the
two ratings by ``K * (score - expected)``. Order matters, so battles are shuffled with the seed."""

from __future__ import annotations

import numpy as np

from wizardarena.ratings.config import ELO_PER_BT_UNIT, RatingConfig
from wizardarena.ratings.pairs import OutcomeClasses
from wizardarena.ratings.resample import Sampler, run_blocks
from wizardarena.ratings.table import BattleTable


def online_elo(first: np.ndarray, second: np.ndarray, score: np.ndarray, weight: np.ndarray,
               n_models: int, k_factor: float = 4.0) -> np.ndarray:
    """Play sequences of battles, one sequence per row, all rows at once; returns (rows, models) Elo.

    ``score`` is the result for ``first`` (1, 0 or 0.5); ``weight`` scales K (0 pads short rows).

    >>> online_elo(np.array([[0]]), np.array([[1]]), np.array([[1.0]]), np.array([[1.0]]), 2, 32).round(1)
    array([[1016.,  984.]])
    """
    rows = np.arange(first.shape[0])
    ratings = np.full((first.shape[0], n_models), 1000.0)
    for t in range(first.shape[1]):
        i, j = first[:, t], second[:, t]
        expected = 1.0 / (1.0 + 10.0 ** ((ratings[rows, j] - ratings[rows, i]) / 400.0))
        delta = k_factor * weight[:, t] * (score[:, t] - expected)
        ratings[rows, i] += delta
        ratings[rows, j] -= delta
    return ratings


def online_elo_rounds(table: BattleTable, classes: OutcomeClasses, sampler: Sampler | None,
                      config: RatingConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """Online Elo of the full data (one seeded order) and of each bootstrap round (its own order);
    returned in Bradley-Terry units so every method shares the Elo conversion and anchoring."""
    point_rng = np.random.default_rng([config.seed, 1])  # distinct from the bootstrap's children
    point = _play(classes, classes.class_count[None, :], point_rng, config)[0]
    if sampler is None:
        return point, None

    def block(rng, size):
        return _play(classes, sampler(rng, size), rng, config)

    return point, run_blocks(block, config.bootstrap, config.seed, classes.n_models)


def _play(classes: OutcomeClasses, counts: np.ndarray, rng: np.random.Generator,
          config: RatingConfig) -> np.ndarray:
    """Expand class counts into battle sequences, shuffle each, play them; BT units."""
    length = int(counts.sum(axis=1).max())
    shape = (counts.shape[0], length)
    first, second = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    score, weight = np.zeros(shape), np.zeros(shape)
    for row, row_counts in enumerate(counts):
        cls = rng.permutation(np.repeat(np.arange(row_counts.shape[0]), row_counts))
        pair = classes.class_pair[cls]
        first[row, :cls.size], second[row, :cls.size] = classes.pair_i[pair], classes.pair_j[pair]
        score[row, :cls.size], weight[row, :cls.size] = classes.class_score[cls], classes.class_weight[cls]
    elo = online_elo(first, second, score, weight, classes.n_models, config.k_factor)
    return (elo - 1000.0) / ELO_PER_BT_UNIT
