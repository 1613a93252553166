"""Checks that decide whether battles pin down Bradley-Terry ratings at all."""

from __future__ import annotations

import difflib

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from wizardarena.errors import InputError


def require_connected(models: list[str], pair_i: np.ndarray, pair_j: np.ndarray) -> None:
    """Raise when some models never meet the others, even indirectly: their scales are unrelated."""
    m = len(models)
    if m < 2:
        raise InputError(f"need battles between at least two models, got {m} ({', '.join(models) or 'none'})")
    graph = sparse.coo_array((np.ones(pair_i.shape[0]), (pair_i, pair_j)), shape=(m, m))
    count, labels = connected_components(graph, directed=False)
    if count > 1:
        groups = [sorted(models[k] for k in np.flatnonzero(labels == c)) for c in range(count)]
        shown = " | ".join(", ".join(g[:3]) + (" ..." if len(g) > 3 else "") for g in groups[:3])
        raise InputError(f"the comparison graph is disconnected into {count} groups that never battle each "
                         f"other ({shown}); ratings across groups would be meaningless")


def separation_warnings(models: list[str], pair_i, pair_j, n: np.ndarray, s: np.ndarray) -> list[str]:
    """Warnings for data whose unpenalised MLE is infinite (a model, or a group, that only won or
    only lost): those ratings are then set by the ridge prior and are only a lower/upper bound."""
    m = len(models)
    won_some, lost_some = s > 0, n - s > 0  # an edge x -> y means x scored against y at least once
    rows = np.r_[pair_i[won_some], pair_j[lost_some]]
    cols = np.r_[pair_j[won_some], pair_i[lost_some]]
    beats = sparse.coo_array((np.ones(rows.shape[0]), (rows, cols)), shape=(m, m))
    count, _ = connected_components(beats, directed=True, connection="strong")
    if count == 1:
        return []
    won = np.bincount(pair_i, s, m) + np.bincount(pair_j, n - s, m)
    played = np.bincount(pair_i, n, m) + np.bincount(pair_j, n, m)
    all_won = [models[k] for k in np.flatnonzero(won >= played)]
    all_lost = [models[k] for k in np.flatnonzero(won <= 0)]
    detail = "; ".join(part for part in (
        f"won every battle: {', '.join(all_won)}" if all_won else "",
        f"lost every battle: {', '.join(all_lost)}" if all_lost else "") if part)
    return [f"some ratings are not pinned down by the battles ({detail or 'a group of models beat all others'});"
            " they are finite only through the ridge prior and should be read as bounds"]


def resolve_model(name: str, models: list[str], option: str | None = None) -> int:
    """Index of ``name`` in ``models``, or an InputError with close matches (naming ``option``, the flag
    that gave the name, when given)."""
    if name in models:
        return models.index(name)
    close = difflib.get_close_matches(name, models, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise InputError(f"{option + ': ' if option else ''}unknown model {name!r}{hint}")
