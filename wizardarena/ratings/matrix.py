"""Pairwise views: the observed win-rate matrix and the win probabilities the ratings predict."""

from __future__ import annotations

import numpy as np

from wizardarena.ratings.pairs import outcome_classes
from wizardarena.ratings.table import BattleTable


def win_rate_matrix(table: BattleTable, ties: str = "half") -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Observed win rates: ``rate[i, j]`` is model i's score against j (ties count half), NaN where the
    two never met; ``count[i, j]`` the (weighted) number of battles between them."""
    classes = outcome_classes(table, ties)
    models = tuple(table.models[k] for k in classes.present)
    n, s = (x[0] for x in classes.pair_totals(classes.class_count))
    m = len(models)
    count = np.zeros((m, m))
    won = np.zeros((m, m))
    count[classes.pair_i, classes.pair_j] = count[classes.pair_j, classes.pair_i] = n
    won[classes.pair_i, classes.pair_j], won[classes.pair_j, classes.pair_i] = s, n - s
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(count > 0, won / count, np.nan)
    return models, rate, count


def predicted_win_matrix(ratings: np.ndarray) -> np.ndarray:
    """``p[i, j]`` = P(model i beats model j) under Bradley-Terry for Elo ``ratings``.

    >>> predicted_win_matrix(np.array([1100.0, 1000.0])).round(3)
    array([[0.5 , 0.64],
           [0.36, 0.5 ]])
    """
    diff = ratings[:, None] - ratings[None, :]
    return 1.0 / (1.0 + 10.0 ** (-diff / 400.0))


def pairwise_records(table: BattleTable, models: tuple[str, ...], ratings: np.ndarray,
                     ties: str = "half") -> list[dict]:
    """One record per ordered pair that met: battles, observed and predicted win rate of model_a."""
    observed_models, rate, count = win_rate_matrix(table, ties)
    position = {name: k for k, name in enumerate(models)}
    predicted = predicted_win_matrix(np.asarray(ratings, dtype=float))
    out = []
    for i, first in enumerate(observed_models):
        for j, second in enumerate(observed_models):
            if i != j and count[i, j] > 0 and first in position and second in position:
                out.append({"model_a": first, "model_b": second, "battles": float(count[i, j]),
                            "observed": float(rate[i, j]),
                            "predicted": float(predicted[position[first], position[second]])})
    return out
