"""Answers and judgments to and from record files (JSON Lines, a JSON list, CSV, Parquet).

JSON files hold the records exactly. The flat formats cannot hold every field natively, so those fields
travel as JSON text: ``meta`` in Parquet and CSV, ``turns`` in CSV. CSV also holds every value as text,
so on import its booleans and numbers are parsed back and an empty cell in a text field reads as "".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from wizardarena.errors import InputError
from wizardarena.records import Answer, Judgment
from wizardarena.store.validate import ANSWER_FIELDS, JUDGMENT_FIELDS, check_answer, check_judgment
from wizardarena.tables import detect_format, read_rows, write_records

_AS_JSON_TEXT = {"parquet": ("dict",), "csv": ("dict", "texts")}


def export_records(path: str | Path, records: list[dict]) -> int:
    """Write ``records`` to ``path`` (format by suffix) atomically; returns how many were written."""
    write_records(path, records)
    return len(records)


def export_answers(path: str | Path, answers: list[Answer]) -> int:
    """Write answers to ``path``, flattening the fields its format cannot hold; returns how many."""
    return export_records(path, _flatten(answers, ANSWER_FIELDS, detect_format(Path(path))))


def export_judgments(path: str | Path, judgments: list[Judgment]) -> int:
    """Write judgments to ``path``, flattening the fields its format cannot hold; returns how many."""
    return export_records(path, _flatten(judgments, JUDGMENT_FIELDS, detect_format(Path(path))))


def read_answers(path: str | Path, key_fn: Callable[[Answer], str]) -> list[tuple[str, Answer]]:
    """Read and validate every answer in ``path``; returns ``(key_fn(answer), answer)`` pairs. Any bad
    record raises a one-line ``InputError`` naming it, before anything is stored."""
    return _read(Path(path), ANSWER_FIELDS, check_answer, key_fn)


def read_judgments(path: str | Path, key_fn: Callable[[Judgment], str]) -> list[tuple[str, Judgment]]:
    """Read and validate every judgment in ``path``; returns ``(key_fn(judgment), judgment)`` pairs. Any
    bad record raises a one-line ``InputError`` naming it, before anything is stored."""
    return _read(Path(path), JUDGMENT_FIELDS, check_judgment, key_fn)


def _flatten(records: list[dict], fields: dict[str, str], fmt: str) -> list[dict]:
    encoded = [name for name, kind in fields.items() if kind.rstrip("?") in _AS_JSON_TEXT.get(fmt, ())]
    if not encoded:
        return records
    return [{**r, **{name: json.dumps(r[name], ensure_ascii=False) for name in encoded if name in r}}
            for r in records]


def _read(path: Path, fields: dict[str, str], check, key_fn) -> list[tuple[str, dict]]:
    fmt = detect_format(path)
    items = []
    for index, row in enumerate(read_rows(path)):
        where = f"{path}: record {index + 1}"
        record = check(_unflatten(row, fields, fmt, where), where)
        key = key_fn(record)
        if not isinstance(key, str) or not key:
            raise InputError(f"{where}: the key function gave {key!r}, not a non-empty string")
        items.append((key, record))
    return items


def _unflatten(row: dict, fields: dict[str, str], fmt: str, where: str) -> dict:
    """Undo :func:`_flatten` (and, for CSV, parse text back into booleans and numbers)."""
    row = dict(row)
    for name, kind in fields.items():
        base, value = kind.rstrip("?"), row.get(name)
        if fmt == "csv" and value is None and base == "text":
            row[name] = ""
        if not isinstance(value, str):
            continue
        if base in _AS_JSON_TEXT.get(fmt, ()):
            try:
                row[name] = json.loads(value)
            except json.JSONDecodeError:
                raise InputError(f"{where}: field {name!r} is not valid JSON text") from None
        elif fmt == "csv" and base == "bool" and value.lower() in ("true", "false", "1", "0"):
            row[name] = value.lower() in ("true", "1")
        elif fmt == "csv" and base in ("int", "float"):
            try:
                row[name] = float(value) if base == "float" else int(value)
            except ValueError:
                pass  # left as text: the check names the field and the value
    return row
