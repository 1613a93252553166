"""Battles in the LMSYS format, encoded as integer columns for the rating engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from wizardarena.errors import InputError
from wizardarena.records import WINNER_VALUES
from wizardarena.tables import Columns, read_columns

MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD = range(4)
_WINNER_CODES = {name: code for code, name in enumerate(WINNER_VALUES)}
REQUIRED = ("model_a", "model_b", "winner")


@dataclass(frozen=True)
class BattleTable:
    """Battles as parallel arrays. ``a``/``b`` index ``models`` (sorted names); ``outcome`` uses the
    codes MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD. Optional columns are None when absent."""

    models: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    outcome: np.ndarray
    weight: np.ndarray | None = None
    prompt: np.ndarray | None = None
    category: np.ndarray | None = None
    extra: Mapping[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def subset(self, mask: np.ndarray) -> "BattleTable":
        """The battles where ``mask`` is true (models keep their indices)."""
        pick = np.flatnonzero(mask)
        opt = {name: None if col is None else col[pick]
               for name, col in (("weight", self.weight), ("prompt", self.prompt), ("category", self.category))}
        extra = {name: [values[i] for i in pick] for name, values in self.extra.items()}
        return BattleTable(self.models, self.a[pick], self.b[pick], self.outcome[pick], extra=extra, **opt)


def read_battles(path: str | Path) -> BattleTable:
    """Read a battle file (JSON Lines, JSON list, CSV or Parquet) in the LMSYS format."""
    return battles_from_columns(read_columns(path), source=str(path))


def battles_from_records(records: Iterable[Mapping], source: str = "battles") -> BattleTable:
    """Encode battle dicts (``model_a``, ``model_b``, ``winner``, optional ``prompt_id``, ``category``,
    ``judge``, ``weight``) into a :class:`BattleTable`.

    >>> table = battles_from_records([{"model_a": "x", "model_b": "y", "winner": "tie"}])
    >>> table.models, table.outcome.tolist()
    (('x', 'y'), [2])
    """
    rows = list(records)
    names = dict.fromkeys(key for row in rows for key in row)
    return battles_from_columns({key: [row.get(key) for row in rows] for key in names}, source)


def battles_from_columns(columns: Columns, source: str = "battles") -> BattleTable:
    """Validate and encode columns; every problem is an :class:`InputError` naming the row."""
    if not any(len(values) for values in columns.values()):
        raise InputError(f"{source}: no battles (the file is empty)")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)} (need model_a, model_b, winner)")
    col_a, col_b, col_w = (columns[name] for name in REQUIRED)
    if not col_a:
        raise InputError(f"{source}: no battles")
    _check_names(col_a, col_b, source)
    models = tuple(sorted(set(col_a) | set(col_b)))
    index = {name: i for i, name in enumerate(models)}
    a = np.fromiter((index[m] for m in col_a), np.int32, len(col_a))
    b = np.fromiter((index[m] for m in col_b), np.int32, len(col_b))
    outcome = _encode_winners(col_w, source)
    same = np.flatnonzero(a == b)
    if same.size:
        raise InputError(f"{source}: row {same[0] + 1}: a model battles itself ({models[a[same[0]]]})")
    extra = {k: v for k, v in columns.items() if k not in (*REQUIRED, "weight", "prompt_id", "category")}
    return BattleTable(models, a, b, outcome, weight=_weights(columns.get("weight"), source),
                       prompt=_optional_strings(columns.get("prompt_id")),
                       category=_optional_strings(columns.get("category")), extra=extra)


def _check_names(col_a: list, col_b: list, source: str) -> None:
    for column, name in ((col_a, "model_a"), (col_b, "model_b")):
        for row, value in enumerate(column):
            if not isinstance(value, str) or not value:
                raise InputError(f"{source}: row {row + 1}: {name} must be a non-empty string, got {value!r}")


def _encode_winners(values: list, source: str) -> np.ndarray:
    try:
        return np.fromiter((_WINNER_CODES[v] for v in values), np.int8, len(values))
    except KeyError:
        row = next(i for i, v in enumerate(values) if v not in _WINNER_CODES)
        allowed = ", ".join(WINNER_VALUES)
        raise InputError(f"{source}: row {row + 1}: unknown winner {values[row]!r} (allowed: {allowed})") from None


def _weights(values: list | None, source: str) -> np.ndarray | None:
    if values is None or all(v is None for v in values):
        return None
    weights = np.ones(len(values))
    for row, value in enumerate(values):
        try:
            weights[row] = 1.0 if value is None else float(value)
        except (TypeError, ValueError):
            raise InputError(f"{source}: row {row + 1}: weight must be a number, got {value!r}") from None
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raise InputError(f"{source}: row {bad[0] + 1}: weight must be a finite number >= 0")
    return None if np.all(weights == 1.0) else weights


def _optional_strings(values: list | None) -> np.ndarray | None:
    if values is None or all(v is None for v in values):
        return None
    return np.array(["" if v is None else str(v) for v in values], dtype=object)
