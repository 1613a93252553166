"""Read record files (JSON Lines, a JSON list, CSV, Parquet) into columns, with one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Sequence

from wizardarena.errors import InputError

Columns = dict[str, list]

_SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


def detect_format(path: Path) -> str:
    """Name the format of ``path`` from its suffix; a ``.json`` file holding one object per line is JSON Lines."""
    fmt = _SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown file type {path.suffix!r} (use .jsonl, .json, .csv or .parquet)")
    return fmt


def read_columns(path: str | Path) -> Columns:
    """Read a record file into ``{column: [values, ...]}``; missing keys in a row become None."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = detect_format(path)
    if fmt == "parquet":
        return _read_parquet(path)
    if fmt == "csv":
        return _read_csv(path)
    return _rows_to_columns(_read_json_rows(path, fmt), path)


def read_column_arrays(path: str | Path, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Read a record file into ``{column: values}`` for the columns in ``names`` (None: all), as Arrow
    chunked arrays where Arrow reads the format exactly (Parquet; CSV, every value a string or None;
    JSON Lines of flat values), else as Python lists from :func:`read_columns` (JSON lists, nested or
    date-like values, and any file Arrow rejects, so its error names the line as before)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = detect_format(path)
    if fmt == "parquet":
        return _parquet_arrays(path, names)
    table = _csv_arrow(path, names) if fmt == "csv" else _json_lines_arrow(path, names)
    if table is None:
        columns = read_columns(path)
        return {k: v for k, v in columns.items() if names is None or k in names}
    return {name: table.column(name) for name in table.column_names}


def read_rows(path: str | Path) -> list[dict]:
    """Read a record file as a list of dicts (JSON Lines, JSON list, CSV or Parquet)."""
    columns = read_columns(path)
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    return [{name: columns[name][i] for name in names} for i in range(count)]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None


def _read_json_rows(path: Path, fmt: str) -> list[dict]:
    text = _read_text(path)
    stripped = text.lstrip()
    if fmt == "json" and stripped.startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    else:
        rows = []
        for lineno, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may sit inside a string
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"{path}: record {index + 1} is a {type(row).__name__}, expected an object")
    return rows


def _rows_to_columns(rows: list[dict], path: Path) -> Columns:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return {name: [row.get(name) for row in rows] for name in names}


def _read_csv(path: Path) -> Columns:
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    if reader.fieldnames is None:
        return {}
    columns: Columns = {name: [] for name in reader.fieldnames}
    for row in reader:
        for name in reader.fieldnames:
            value = row.get(name)
            columns[name].append(None if value == "" else value)
    return columns


def _read_parquet(path: Path) -> Columns:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path).read()  # not read_table: see _parquet_arrays
    except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError, ArrowIOError an OSError
        raise InputError(f"{path}: not a readable Parquet file ({exc.__class__.__name__})") from None
    return table.to_pydict()


def _parquet_arrays(path: Path, names: Sequence[str] | None) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        wanted = [f.name for f in schema if names is None or f.name in names]
        # Strings come as dictionaries straight from the file's own dictionary pages: no string per row.
        strings = [f.name for f in schema if f.name in wanted and pa.types.is_string(f.type)]
        # ParquetFile, not read_table: read_table loads pyarrow.dataset (and pandas), ~0.3 s of imports.
        table = pq.ParquetFile(path, read_dictionary=strings).read(columns=wanted)
    except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError, ArrowIOError an OSError
        raise InputError(f"{path}: not a readable Parquet file ({exc.__class__.__name__})") from None
    return {name: table.column(name) for name in table.column_names}


def _csv_arrow(path: Path, names: Sequence[str] | None):
    """The CSV as an Arrow table of strings ("" is None, as :func:`read_columns` reads it), or None
    when Arrow cannot read it exactly that way."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader([handle.readline()]), None)
        if not header:
            return None
        keep = [name for name in header if names is None or name in names]
        convert = pcsv.ConvertOptions(column_types={name: pa.string() for name in header}, null_values=[""],
                                      strings_can_be_null=True, include_columns=keep)
        return pcsv.read_csv(path, convert_options=convert)
    except (UnicodeDecodeError, pa.ArrowException):
        return None


def _json_lines_arrow(path: Path, names: Sequence[str] | None):
    """JSON Lines as an Arrow table, or None for a JSON list, for nested or date-like values among the
    wanted columns (Arrow would change their Python form), and for anything Arrow rejects."""
    import pyarrow as pa
    import pyarrow.json as pjson

    with path.open("rb") as handle:
        start = handle.read(4096).lstrip()
    if start.startswith(b"["):
        return None
    try:
        table = pjson.read_json(path)
    except pa.ArrowException:
        return None
    keep = [name for name in table.column_names if names is None or name in names]
    exact = (pa.types.is_string, pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_null)
    if not all(any(check(table.schema.field(name).type) for check in exact) for name in keep):
        return None
    return table.select(keep)


def write_records(path: str | Path, records: list[dict]) -> None:
    """Write flat records as JSON Lines, a JSON list, CSV or Parquet (by suffix), atomically: a temp
    file is renamed over the target, so an interrupted write never leaves a half-written file."""
    path = Path(path)
    fmt = detect_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        names = dict.fromkeys(key for record in records for key in record)  # every record's keys, not the first's
        pq.write_table(pa.Table.from_pydict({name: [record.get(name) for record in records] for name in names}), tmp)
    elif fmt == "csv":
        names = list(dict.fromkeys(key for record in records for key in record))
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            writer.writerows(records)
    else:
        import orjson

        options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
        with tmp.open("wb") as handle:
            if fmt == "json":
                handle.write(orjson.dumps(records, option=options))
            else:  # ~10x json.dumps: hundreds of thousands of judgments and battles per run
                options |= orjson.OPT_APPEND_NEWLINE
                handle.writelines(orjson.dumps(record, option=options) for record in records)
    tmp.replace(path)
