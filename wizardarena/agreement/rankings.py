"""A ranking (point score + confidence interval per model, optionally bootstrap samples) and its file readers.

Accepted layouts, told apart by their columns (any format :func:`wizardarena.tables.read_columns` reads):

- our ratings JSON Lines: ``{model, rating, lower, upper, n_battles?, samples?}``
- the Arena-Hard notebook bootstrap JSON Lines: ``{model, score, lower, upper, results: [...]}``
- a Chatbot Arena leaderboard CSV: ``model, rating, rating_q025, rating_q975`` (or ``lower``/``upper``)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from wizardarena.errors import InputError
from wizardarena.tables import Columns, read_columns

SCORE_COLUMNS = ("rating", "score")
LOWER_COLUMNS = ("lower", "rating_q025")
UPPER_COLUMNS = ("upper", "rating_q975")
SAMPLE_COLUMNS = ("samples", "results")


@dataclass(frozen=True, eq=False)
class Ranking:
    """Models with a point score, a confidence interval ``[lower, upper]`` and optional bootstrap samples.

    ``samples`` has shape ``(n_models, n_samples)``; ``source`` names where the ranking came from, for
    error messages.
    """

    models: tuple[str, ...]
    score: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    samples: np.ndarray | None = None
    source: str = "ranking"

    def __post_init__(self) -> None:
        n = len(self.models)
        for name in ("score", "lower", "upper"):
            values = getattr(self, name)
            if np.shape(values) != (n,):
                raise InputError(f"{self.source}: {name} has shape {np.shape(values)}, expected ({n},)")
        if self.samples is not None and (self.samples.ndim != 2 or self.samples.shape[0] != n):
            shape = self.samples.shape
            raise InputError(f"{self.source}: samples have shape {shape}, expected ({n}, rounds)")
        seen: dict[str, str] = {}
        for model in self.models:
            if model.lower() in seen:
                raise InputError(f"{self.source}: duplicate model {model!r} (names match case-insensitively)")
            seen[model.lower()] = model

    def __len__(self) -> int:
        return len(self.models)

    def take(self, indices: list[int], models: tuple[str, ...] | None = None) -> Ranking:
        """The rows at ``indices`` in that order, optionally renamed to ``models``."""
        idx = np.asarray(indices, dtype=int)
        return Ranking(
            models=tuple(models) if models is not None else tuple(self.models[i] for i in idx),
            score=self.score[idx],
            lower=self.lower[idx],
            upper=self.upper[idx],
            samples=None if self.samples is None else self.samples[idx],
            source=self.source,
        )


def read_ranking(path: str | Path) -> Ranking:
    """Read a ranking file (see the module docstring for the accepted columns)."""
    return ranking_from_columns(read_columns(path), str(path))


def ranking_from_columns(columns: Columns, source: str) -> Ranking:
    """Build a :class:`Ranking` from ``{column: [values]}``, with one-line errors naming ``source``."""
    if not columns or not columns.get("model"):
        if columns and "model" not in columns:
            raise InputError(f"{source}: missing column 'model'")
        raise InputError(f"{source}: empty ranking (no rows)")
    models = _model_names(columns["model"], source)
    score = _floats(columns, _pick(columns, SCORE_COLUMNS, source), models, source)
    lower = _floats(columns, _pick(columns, LOWER_COLUMNS, source), models, source)
    upper = _floats(columns, _pick(columns, UPPER_COLUMNS, source), models, source)
    sample_column = next((name for name in SAMPLE_COLUMNS if name in columns), None)
    samples = None if sample_column is None else _sample_matrix(columns[sample_column], models, source)
    return Ranking(tuple(models), score, lower, upper, samples, source)


def read_sample_table(path: str | Path) -> dict[str, np.ndarray]:
    """Read a wide bootstrap table (rows = rounds, one column per model) into ``{model: samples}``."""
    columns = read_columns(path)
    if not columns or not any(columns.values()):
        raise InputError(f"{path}: empty bootstrap table")
    return {model: _floats(columns, model, [f"round {i + 1}" for i in range(len(values))], str(path))
            for model, values in columns.items()}


def with_samples(ranking: Ranking, table: dict[str, np.ndarray], source: str) -> Ranking:
    """Attach per-model bootstrap samples from a :func:`read_sample_table` result."""
    missing = [model for model in ranking.models if model not in table]
    if missing:
        raise InputError(f"{source}: no bootstrap samples for {', '.join(missing[:5])}")
    return replace(ranking, samples=np.vstack([table[model] for model in ranking.models]))


def _pick(columns: Columns, candidates: tuple[str, ...], source: str) -> str:
    for name in candidates:
        if name in columns:
            return name
    raise InputError(f"{source}: missing column {' or '.join(repr(c) for c in candidates)}")


def _model_names(values: list, source: str) -> list[str]:
    for row, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{source}: row {row + 1}: model must be a non-empty string, got {value!r}")
    return list(values)


def _to_float(value: object) -> float:
    if isinstance(value, bool):  # True would otherwise pass as 1.0
        raise ValueError(value)
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _floats(columns: Columns, column: str, models: list[str], source: str) -> np.ndarray:
    out = np.empty(len(models))
    for row, (model, value) in enumerate(zip(models, columns[column])):
        try:
            out[row] = _to_float(value)
        except (TypeError, ValueError):
            raise InputError(f"{source}: {model}: {column} is not a finite number ({value!r})") from None
    return out


def _sample_matrix(values: list, models: list[str], source: str) -> np.ndarray | None:
    """Stack per-model sample lists; a one-element list (a fixed baseline) repeats to the common length."""
    if all(value is None for value in values):
        return None
    rows: list[np.ndarray] = []
    for model, value in zip(models, values):
        if isinstance(value, str):  # CSV cells hold the list as JSON text
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise InputError(f"{source}: {model}: samples are not a JSON list") from None
        if not isinstance(value, (list, tuple)) or not value:
            raise InputError(f"{source}: {model}: samples must be a non-empty list (every model needs them "
                             f"when any has them), got {type(value).__name__}")
        try:
            rows.append(np.array([_to_float(v) for v in value]))
        except (TypeError, ValueError):
            raise InputError(f"{source}: {model}: samples hold a value that is not a finite number") from None
    length = max(len(row) for row in rows)
    for model, row in zip(models, rows):
        if len(row) not in (1, length):
            raise InputError(f"{source}: {model}: {len(row)} samples, the others have {length}")
    return np.vstack([np.full(length, row[0]) if len(row) == 1 else row for row in rows])
