"""Checks that decide whether battles pin down Bradley-Terry ratings at all."""

from __future__ import annotations

import difflib

import numpy as np

from wizardarena.errors import InputError


def _reached(adjacent: np.ndarray, start: int) -> np.ndarray:
    """Which nodes a walk along the boolean matrix ``adjacent`` (row -> column) reaches from ``start``."""
    # A few lines of numpy instead of scipy.sparse.csgraph, whose import alone costs more than any arena's graph.
    seen = np.zeros(adjacent.shape[0], dtype=bool)
    seen[start] = True
    frontier = seen.copy()
    while frontier.any():
        frontier = adjacent[frontier].any(axis=0) & ~seen
        seen |= frontier
    return seen


def _adjacency(m: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    adjacent = np.zeros((m, m), dtype=bool)
    adjacent[rows, cols] = True
    return adjacent


def require_connected(models: list[str], pair_i: np.ndarray, pair_j: np.ndarray) -> None:
    """Raise when some models never meet the others, even indirectly: their scales are unrelated."""
    m = len(models)
    if m < 2:
        raise InputError(f"need battles between at least two models, got {m} ({', '.join(models) or 'none'})")
    adjacent = _adjacency(m, np.r_[pair_i, pair_j], np.r_[pair_j, pair_i])
    groups, left = [], np.ones(m, dtype=bool)
    while left.any():
        group = _reached(adjacent, int(np.argmax(left)))
        groups.append(sorted(models[k] for k in np.flatnonzero(group)))
        left &= ~group
    count = len(groups)
    if count > 1:
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
    beats = _adjacency(m, rows, cols)
    if _reached(beats, 0).all() and _reached(beats.T, 0).all():  # strongly connected: one component
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
