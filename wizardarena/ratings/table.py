"""Battles in the LMSYS format, encoded as integer columns for the rating engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import numpy as np

from wizardarena.errors import InputError
from wizardarena.tables import read_column_arrays

MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD = range(4)
REQUIRED = ("model_a", "model_b", "winner")
# Columns the table holds as arrays; every other column is an ``extra``.
BATTLE_COLUMNS = (*REQUIRED, "weight", "n", "prompt_id", "category")


class ExtraColumns(Mapping):
    """Columns beyond the battle columns, kept as read (Arrow or lists) and made Python lists only
    when someone asks for one, so a rating run never pays for columns it does not use."""

    def __init__(self, columns: Mapping | None = None) -> None:
        self._raw = dict(columns or {})
        self._lists: dict[str, list] = {}

    def __getitem__(self, name: str) -> list:
        if name not in self._lists:
            raw = self._raw[name]
            self._lists[name] = raw if isinstance(raw, list) else raw.to_pylist()
        return self._lists[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"ExtraColumns({list(self._raw)})"

    def take(self, pick: np.ndarray) -> "ExtraColumns":
        """The rows at positions ``pick``, every column still unconverted."""
        return ExtraColumns({name: [raw[i] for i in pick] if isinstance(raw, list) else raw.take(pick)
                             for name, raw in self._raw.items()})


@dataclass(frozen=True)
class BattleTable:
    """Battles as parallel arrays. ``a``/``b`` index ``models`` (sorted names); ``outcome`` uses the
    codes MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD. Optional columns are None when absent.
    ``count`` (the file's ``n`` column) says how many identical battles a row stands for; ``weight`` is
    an importance weight. ``len(table)`` counts rows; :attr:`n_battles` counts battles."""

    models: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    outcome: np.ndarray
    weight: np.ndarray | None = None
    prompt: np.ndarray | None = None
    category: np.ndarray | None = None
    extra: Mapping[str, list] = field(default_factory=dict)
    count: np.ndarray | None = None
    prompt_rank: np.ndarray | None = None  # each row's prompt as its rank among the sorted prompt ids

    def __len__(self) -> int:
        return int(self.a.shape[0])

    @property
    def n_battles(self) -> int:
        """Battles the rows stand for (each row's count, 1 without a count column)."""
        return len(self) if self.count is None else int(self.count.sum())

    def subset(self, mask: np.ndarray) -> "BattleTable":
        """The battles where ``mask`` is true (models keep their indices)."""
        pick = np.flatnonzero(mask)
        opt = {name: None if col is None else col[pick] for name, col in (
            ("weight", self.weight), ("prompt", self.prompt), ("category", self.category), ("count", self.count),
            ("prompt_rank", self.prompt_rank))}
        extra = self.extra.take(pick) if isinstance(self.extra, ExtraColumns) \
            else {name: [values[i] for i in pick] for name, values in self.extra.items()}
        return BattleTable(self.models, self.a[pick], self.b[pick], self.outcome[pick], extra=extra, **opt)


def read_battles(path: str | Path, extra: Iterable[str] | None = None) -> BattleTable:
    """Read a battle file (JSON Lines, JSON list, CSV or Parquet) in the LMSYS format. ``extra`` names
    the columns beyond :data:`BATTLE_COLUMNS` to keep (None: all); Parquet reads no others at all."""
    names = None if extra is None else (*BATTLE_COLUMNS, *extra)
    return battles_from_columns(read_column_arrays(path, names), source=str(path))


def battles_from_records(records: Iterable[Mapping], source: str = "battles") -> BattleTable:
    """Encode battle dicts (``model_a``, ``model_b``, ``winner``, optional ``prompt_id``, ``category``,
    ``judge``, ``weight``, ``n``) into a :class:`BattleTable`.

    >>> table = battles_from_records([{"model_a": "x", "model_b": "y", "winner": "tie"}])
    >>> table.models, table.outcome.tolist()
    (('x', 'y'), [2])
    """
    rows = list(records)
    names = dict.fromkeys(key for row in rows for key in row)
    return battles_from_columns({key: [row.get(key) for row in rows] for key in names}, source)


def battles_from_columns(columns: Mapping, source: str = "battles") -> BattleTable:
    """Validate and encode columns (Python lists or Arrow arrays); every problem is an
    :class:`InputError` naming the row."""
    from wizardarena.ratings import encode  # pyarrow loads only once battles are read

    if not any(len(values) for values in columns.values()):
        raise InputError(f"{source}: no battles (the file is empty)")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)} (need model_a, model_b, winner)")
    if not len(columns["model_a"]):
        raise InputError(f"{source}: no battles")
    models, a, b = encode.models(encode.as_arrow(columns["model_a"]), encode.as_arrow(columns["model_b"]), source)
    outcome = encode.winners(encode.as_arrow(columns["winner"]), source)
    same = np.flatnonzero(a == b)
    if same.size:
        raise InputError(f"{source}: row {same[0] + 1}: a model battles itself ({models[a[same[0]]]})")
    optional = {name: None if columns.get(name) is None else encode.as_arrow(columns[name])
                for name in BATTLE_COLUMNS[3:]}
    prompt, prompt_rank = encode.optional_strings(optional["prompt_id"])
    return BattleTable(models, a, b, outcome, weight=encode.weights(optional["weight"], source),
                       prompt=prompt, prompt_rank=prompt_rank,
                       category=encode.optional_strings(optional["category"])[0],
                       extra=ExtraColumns({k: v for k, v in columns.items() if k not in BATTLE_COLUMNS}),
                       count=encode.counts(optional["n"], source))
