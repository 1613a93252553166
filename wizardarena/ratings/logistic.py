"""Numpy building blocks of the logistic fits: the logistic function, its log, and the scatter of per-pair
values onto models. The rating path uses these instead of scipy, whose import costs a process more than
the whole fit of a small arena.
"""

from __future__ import annotations

import numpy as np

DENSE_CELLS = 2_000_000  # pairs x models cells (16 MB) up to which the incidence matrix is kept dense


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, elementwise (the formula scipy.special.expit uses).

    >>> expit(np.array([0.0, -1000.0, 1000.0])).tolist()
    [0.5, 0.0, 1.0]
    """
    out = np.negative(x, dtype=np.float64)
    with np.errstate(over="ignore"):  # exp(-x) = inf for very negative x gives the right limit, 0
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def log_expit(x: np.ndarray) -> np.ndarray:
    """``log(expit(x))`` without overflow or loss for large ``|x|``.

    >>> log_expit(np.array([0.0, -1000.0])).round(6).tolist()
    [-0.693147, -1000.0]
    """
    return -np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


class PairScatter:
    """Sums per-pair values onto models: model k gets the values of the pairs where it is ``pair_i`` minus
    those where it is ``pair_j`` (the transpose of the +1/-1 incidence matrix, applied row by row)."""

    def __init__(self, pair_i: np.ndarray, pair_j: np.ndarray, n_models: int):
        self.pair_i, self.pair_j, self.n_models = pair_i, pair_j, n_models
        self.dense = self.unsigned = None
        if pair_i.shape[0] * n_models <= DENSE_CELLS:  # one BLAS product beats any scatter at arena sizes
            self.dense = np.zeros((pair_i.shape[0], n_models))
            self.dense[np.arange(pair_i.shape[0]), pair_i] = 1.0
            self.dense[np.arange(pair_i.shape[0]), pair_j] = -1.0
            self.unsigned = np.abs(self.dense)

    def signed(self, values: np.ndarray) -> np.ndarray:
        """``values`` (rounds x pairs) -> (rounds x models): +value at ``pair_i``, -value at ``pair_j``."""
        if self.dense is not None:
            return values @ self.dense
        return self._bincount(values, self.pair_i) - self._bincount(values, self.pair_j)

    def degree(self, values: np.ndarray) -> np.ndarray:
        """``values`` (rounds x pairs) -> (rounds x models): each pair's value added to both its models."""
        if self.dense is not None:
            return values @ self.unsigned
        return self._bincount(values, self.pair_i) + self._bincount(values, self.pair_j)

    def _bincount(self, values: np.ndarray, model: np.ndarray) -> np.ndarray:
        rounds, m = values.shape[0], self.n_models
        index = (np.arange(rounds)[:, None] * m + model).ravel()
        return np.bincount(index, values.ravel(), rounds * m).reshape(rounds, m)
