"""Column encoders for battle tables: Arrow columns become numpy codes and numbers without a Python
object per row. Python lists take the same path (converted to Arrow once); a list Arrow cannot hold
(mixed types) is checked value by value, which only happens on the way to an error.

Every check that fails names the first bad row, in one line.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wizardarena.errors import InputError
from wizardarena.records import WINNER_VALUES

Column = Any  # a pyarrow ChunkedArray, or a Python list Arrow could not hold
_WINNER_CODES = {name: code for code, name in enumerate(WINNER_VALUES)}


def as_arrow(values) -> Column:
    """``values`` as a ChunkedArray; a list of mixed types stays a list."""
    if isinstance(values, pa.ChunkedArray):
        return values
    if isinstance(values, pa.Array):
        return pa.chunked_array([values])
    try:
        return pa.chunked_array([pa.array(values)])
    except (pa.ArrowException, OverflowError):
        return list(values)


def is_strings(column: Column) -> bool:
    """True for an Arrow column of strings (plain or dictionary-encoded)."""
    if isinstance(column, list):
        return False
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def array_values(array: pa.Array, fill: float = 0) -> np.ndarray:
    """A fixed-width numeric Arrow array as numpy, nulls set to ``fill``, read from its buffers: in
    pyarrow 26 ``to_numpy`` and ``fill_null`` import pandas, a third of a second of a rating run."""
    kind = array.type
    prefix = "float" if pa.types.is_floating(kind) else "uint" if pa.types.is_unsigned_integer(kind) else "int"
    dtype = np.dtype(f"{prefix}{kind.bit_width}")
    values = np.frombuffer(array.buffers()[1], dtype, count=len(array), offset=array.offset * dtype.itemsize)
    if not array.null_count:
        return values
    valid = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), bitorder="little")
    return np.where(valid[array.offset:array.offset + len(array)].astype(bool), values, fill)


def column_values(column: pa.ChunkedArray, fill: float = 0) -> np.ndarray:
    """:func:`array_values` over every chunk of ``column``."""
    parts = [array_values(chunk, fill) for chunk in column.chunks]
    return np.concatenate(parts) if parts else np.zeros(0)


def distinct_codes(column: pa.ChunkedArray) -> tuple[list, np.ndarray]:
    """The distinct values some row holds (None for nulls) and each row's index into them.

    Dictionary chunks (Parquet's own dictionaries) are used as they are; other chunks are hashed by Arrow.

    >>> values, codes = distinct_codes(pa.chunked_array([["x", None, "y", "x"]]))
    >>> values, codes.tolist()
    (['x', 'y', None], [0, 2, 1, 0])
    """
    chunks = [c if pa.types.is_dictionary(c.type) else c.dictionary_encode() for c in column.chunks]
    if not chunks:
        return [], np.zeros(0, np.int64)
    # One Arrow hash over the chunks' small dictionaries unifies them; rows never leave Arrow/numpy.
    merged = pc.dictionary_encode(pa.concat_arrays([c.dictionary for c in chunks]), null_encoding="encode")
    index = array_values(merged.indices)
    values = merged.dictionary.to_pylist()
    null_code, parts, offset = len(values), [], 0
    for chunk in chunks:
        local = array_values(chunk.indices, fill=-1)
        codes = index[offset + local]
        if chunk.null_count:
            codes[local < 0] = null_code
        parts.append(codes)
        offset += len(chunk.dictionary)
    codes = np.concatenate(parts)
    if codes.shape[0] and codes.max() == null_code:
        values.append(None)
    used = np.flatnonzero(np.bincount(codes, minlength=len(values)))  # a Parquet dictionary may hold unused values
    if used.shape[0] == len(values):
        return values, codes
    position = np.zeros(len(values), np.int64)
    position[used] = np.arange(used.shape[0])
    return [values[k] for k in used], position[codes]


def first_bad_row(column: Column, ok: Callable[[Any], bool]) -> tuple[int, Any]:
    """Index and value of the first row whose value fails ``ok`` (the error path: a Python scan)."""
    values = column if isinstance(column, list) else column.to_pylist()
    return next((row, value) for row, value in enumerate(values) if not ok(value))


def string_codes(column: Column, ok: Callable[[Any], bool], fail: Callable[[int, Any], InputError]):
    """Distinct values and codes of a string column whose every value passes ``ok``; else raise
    ``fail(row, value)`` for the first row that does not."""
    if not is_strings(column):
        raise fail(*first_bad_row(column, ok))
    values, codes = distinct_codes(column)
    bad = [k for k, value in enumerate(values) if not ok(value)]
    if bad:
        row = int(np.flatnonzero(np.isin(codes, bad))[0])
        raise fail(row, values[codes[row]])
    return values, codes


def numbers(column: Column, name: str, source: str, default: float) -> np.ndarray:
    """A numeric column as float64 (nulls become ``default``); strings are parsed as numbers."""
    if not isinstance(column, list):
        if pa.types.is_null(column.type):
            return np.full(len(column), default)
        try:  # astype copies: buffer-backed arrays are read-only
            return column_values(pc.cast(column, pa.float64()), default).astype(np.float64)
        except pa.ArrowException:
            column = column.to_pylist()  # let Python name the bad value (it also accepts " 2")
    out = np.empty(len(column))
    for row, value in enumerate(column):
        try:
            out[row] = default if value is None else float(value)
        except (TypeError, ValueError):
            raise InputError(f"{source}: row {row + 1}: {name} must be a number, got {value!r}") from None
    return out


def optional_strings(column: Column | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A string column as an object array ("" for missing values), or None when absent or all missing,
    with each row's rank among the sorted distinct values when Arrow gave them (else None). Each
    distinct value is made once, so a million rows cost a take, not a million strings."""
    if column is None:
        return None, None
    if isinstance(column, list) or not (is_strings(column) or pa.types.is_integer(column.type)):
        values = column if isinstance(column, list) else column.to_pylist()
        if all(v is None for v in values):
            return None, None
        return np.array(["" if v is None else str(v) for v in values], dtype=object), None
    if column.null_count == len(column):
        return None, None
    if not is_strings(column):
        column = pc.cast(column, pa.string())
    values, codes = distinct_codes(column)
    table = np.empty(len(values), dtype=object)
    table[:] = ["" if v is None else v for v in values]
    rank = np.unique(table, return_inverse=True)[1].ravel()  # None and "" both read "": one rank
    return table[codes], rank[codes]


def models(col_a: Column, col_b: Column, source: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Sorted model names and the int32 codes of both sides; names must be non-empty strings."""
    def ok(value) -> bool:
        return isinstance(value, str) and bool(value)

    sides = []
    for column, name in ((col_a, "model_a"), (col_b, "model_b")):
        def fail(row, value, name=name):
            return InputError(f"{source}: row {row + 1}: {name} must be a non-empty string, got {value!r}")

        sides.append(string_codes(column, ok, fail))
    names = tuple(sorted(set(sides[0][0]) | set(sides[1][0])))
    index = {name: k for k, name in enumerate(names)}
    a, b = (np.array([index[v] for v in values], np.int32)[codes] for values, codes in sides)
    return names, a, b


def winners(column: Column, source: str) -> np.ndarray:
    """Outcome codes (int8, in the order of WINNER_VALUES); any other value is an error."""
    def fail(row, value):
        allowed = ", ".join(WINNER_VALUES)
        return InputError(f"{source}: row {row + 1}: unknown winner {value!r} (allowed: {allowed})")

    values, codes = string_codes(column, lambda value: value in _WINNER_CODES, fail)
    return np.array([_WINNER_CODES[v] for v in values], np.int8)[codes]


def weights(column: Column | None, source: str) -> np.ndarray | None:
    """Importance weights (finite, >= 0; missing = 1); None when absent or all 1."""
    if column is None:
        return None
    values = numbers(column, "weight", source, default=1.0)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise InputError(f"{source}: row {bad[0] + 1}: weight must be a finite number >= 0")
    return None if np.all(values == 1.0) else values


def counts(column: Column | None, source: str) -> np.ndarray | None:
    """How many identical battles each row stands for (whole numbers >= 0; missing = 1); None when
    absent or all 1."""
    if column is None:
        return None
    found = numbers(column, "n", source, default=1.0)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(~(found >= 0) | (found != np.floor(found)) | (found > 2.0**53))
    if bad.size:
        raise InputError(f"{source}: row {bad[0] + 1}: n (how many identical battles the row stands for) must "
                         f"be a whole number >= 0, got {found[bad[0]]:g}")
    return None if np.all(found == 1.0) else found.astype(np.int64)
