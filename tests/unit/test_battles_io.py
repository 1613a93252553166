"""Battle readers: every format gives the same table; every bad input is a one-line InputError."""

import csv
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wizardarena.errors import InputError
from wizardarena.ratings.table import (
    MODEL_A_WINS,
    MODEL_B_WINS,
    TIE,
    TIE_BOTHBAD,
    BattleTable,
    battles_from_records,
    read_battles,
)

FIELDS = ("model_a", "model_b", "winner", "prompt_id", "category", "judge", "weight")

# One row per kind of value: every winner, a missing weight, a missing category and judge.
ROWS = [
    {"model_a": "gpt-4", "model_b": "llama-2", "winner": "model_a", "prompt_id": "q1", "category": "math",
     "judge": "j1", "weight": 2.0},
    {"model_a": "llama-2", "model_b": "gpt-4", "winner": "model_b", "prompt_id": "q1", "category": "math",
     "judge": "j1", "weight": 0.5},
    {"model_a": "claude", "model_b": "gpt-4", "winner": "tie", "prompt_id": "q2", "category": "code",
     "judge": "j2", "weight": 1.0},
    {"model_a": "claude", "model_b": "llama-2", "winner": "tie (bothbad)", "prompt_id": "q3",
     "category": None,
     "judge": None, "weight": None},
]


def write_jsonl(path, rows):
    # Omit None values entirely: a missing key must read the same as an explicit null.
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in rows))
    return path


def write_json_list(path, rows):
    path.write_text(json.dumps(rows, indent=1))
    return path


def write_csv(path, rows, fields=FIELDS):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(fields))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in fields})
    return path


def write_parquet(path, rows):
    columns = {k: [r.get(k) for r in rows] for k in FIELDS}
    schema = pa.schema([(k, pa.float64() if k == "weight" else pa.string()) for k in FIELDS])
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


WRITERS = {"jsonl": write_jsonl, "json": write_json_list, "csv": write_csv, "parquet": write_parquet}


def assert_same_table(got: BattleTable, want: BattleTable):
    assert got.models == want.models
    for name in ("a", "b", "outcome"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    for name in ("weight", "prompt", "category"):
        g, w = getattr(got, name), getattr(want, name)
        assert (g is None) == (w is None), name
        if g is not None:
            assert list(g) == list(w), name
    assert dict(got.extra) == dict(want.extra)


def test_records_encoding():
    table = battles_from_records(ROWS)
    assert table.models == ("claude", "gpt-4", "llama-2")
    assert table.a.tolist() == [1, 2, 0, 0]
    assert table.b.tolist() == [2, 1, 1, 2]
    assert table.outcome.tolist() == [MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD]
    assert table.weight.tolist() == [2.0, 0.5, 1.0, 1.0]
    assert table.prompt.tolist() == ["q1", "q1", "q2", "q3"]
    assert table.category.tolist() == ["math", "math", "code", ""]
    assert table.extra == {"judge": ["j1", "j1", "j2", None]}
    assert len(table) == 4


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_format_reads_the_same_table(tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"battles.{fmt}", ROWS)
    assert_same_table(read_battles(path), battles_from_records(ROWS))


def test_json_file_with_one_object_per_line_is_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "battles.json", ROWS)
    assert_same_table(read_battles(path), battles_from_records(ROWS))


def test_csv_weights_are_strings_converted_to_numbers(tmp_path):
    path = write_csv(tmp_path / "b.csv", ROWS)
    assert read_battles(str(path)).weight.dtype == np.float64
    assert read_battles(path).weight.tolist() == [2.0, 0.5, 1.0, 1.0]


def test_optional_columns_absent_are_none(tmp_path):
    rows = [{k: r[k] for k in ("model_a", "model_b", "winner")} for r in ROWS]
    for fmt, writer in WRITERS.items():
        if fmt == "parquet":
            pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), tmp_path / "b.parquet")
            path = tmp_path / "b.parquet"
        elif fmt == "csv":
            path = write_csv(tmp_path / "b.csv", rows, fields=("model_a", "model_b", "winner"))
        else:
            path = writer(tmp_path / f"b.{fmt}", rows)
        table = read_battles(path)
        assert table.weight is None and table.prompt is None and table.category is None, fmt
        assert dict(table.extra) == {}, fmt


def test_unit_weights_are_dropped():
    rows = [dict(r, weight=1) for r in ROWS]
    assert battles_from_records(rows).weight is None


def test_subset_keeps_model_indices():
    table = battles_from_records(ROWS)
    sub = table.subset(table.outcome >= TIE)
    assert sub.models == table.models
    assert sub.a.tolist() == [0, 0] and sub.b.tolist() == [1, 2]
    assert sub.prompt.tolist() == ["q2", "q3"] and sub.extra == {"judge": ["j2", None]}


# --- bad inputs -------------------------------------------------------------------------------------------

def raises_input_error(path_or_rows, *needles):
    with pytest.raises(InputError) as info:
        if isinstance(path_or_rows, list):
            battles_from_records(path_or_rows)
        else:
            read_battles(path_or_rows)
    message = str(info.value)
    assert "\n" not in message
    if not isinstance(path_or_rows, list):  # keep the file name, drop tmp_path (named after the test)
        assert str(path_or_rows) in message
        message = message.replace(str(path_or_rows), path_or_rows.name)
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def test_header_only_csv_has_no_battles(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("model_a,model_b,winner\n")
    raises_input_error(path, "b.csv", "no battles")


def test_zero_row_parquet_has_no_battles(tmp_path):
    write_parquet(tmp_path / "b.parquet", [])
    raises_input_error(tmp_path / "b.parquet", "no battles")


@pytest.mark.parametrize("name,text", [("b.jsonl", ""), ("b.json", "[]"), ("b.csv", ""), ("b.jsonl", "\n\n")])
def test_empty_file_says_so(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    message = raises_input_error(path, name).replace(name, "")
    assert "empty" in message or "no battles" in message, message


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_missing_winner_column(tmp_path, fmt):
    rows = [{k: v for k, v in r.items() if k != "winner"} for r in ROWS]
    if fmt == "parquet":
        pq.write_table(pa.table({k: [r.get(k) for r in rows] for k in rows[0]}), tmp_path / "b.parquet")
        path = tmp_path / "b.parquet"
    elif fmt == "csv":
        path = write_csv(tmp_path / "b.csv", rows, fields=[f for f in FIELDS if f != "winner"])
    else:
        path = WRITERS[fmt](tmp_path / f"b.{fmt}", rows)
    raises_input_error(path, "missing column(s) winner (")  # names only the column that is missing


def test_unknown_winner_names_row_and_value(tmp_path):
    rows = [dict(r) for r in ROWS]
    rows[2]["winner"] = "draw"
    raises_input_error(rows, "row 3", "'draw'", "tie (bothbad)")
    raises_input_error(write_csv(tmp_path / "b.csv", rows), "b.csv", "row 3", "'draw'")


def test_missing_winner_value_is_unknown(tmp_path):
    rows = [dict(r) for r in ROWS]
    del rows[1]["winner"]
    raises_input_error(write_jsonl(tmp_path / "b.jsonl", rows), "row 2", "None")


def test_model_battling_itself(tmp_path):
    rows = [dict(r) for r in ROWS]
    rows[3]["model_b"] = rows[3]["model_a"]
    raises_input_error(rows, "row 4", "itself", "claude")
    raises_input_error(write_json_list(tmp_path / "b.json", rows), "b.json", "row 4", "itself")


@pytest.mark.parametrize("value", [None, "", 3])
def test_model_name_must_be_a_nonempty_string(value):
    rows = [dict(r) for r in ROWS]
    rows[1]["model_b"] = value
    raises_input_error(rows, "row 2", "model_b")


def test_non_numeric_weight(tmp_path):
    rows = [dict(r) for r in ROWS]
    rows[1]["weight"] = "heavy"
    raises_input_error(rows, "weight")
    raises_input_error(write_csv(tmp_path / "b.csv", rows), "b.csv", "weight")


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "-2"])
def test_negative_or_non_finite_weight_names_row(bad):
    rows = [dict(r) for r in ROWS]
    rows[2]["weight"] = bad
    raises_input_error(rows, "row 3", "weight")


def test_zero_weight_is_allowed():
    rows = [dict(r) for r in ROWS]
    rows[0]["weight"] = 0
    assert battles_from_records(rows).weight.tolist() == [0.0, 0.5, 1.0, 1.0]


def test_invalid_json_line_names_the_line(tmp_path):
    path = write_jsonl(tmp_path / "b.jsonl", ROWS)
    lines = path.read_text().splitlines()
    lines.insert(2, '{"model_a": "x", "model_b": ')
    path.write_text("\n".join(lines) + "\n")
    raises_input_error(path, "b.jsonl:3", "not valid JSON")


def test_invalid_json_list(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('[{"model_a": "x",\n "model_b": "y", "winner": }]')
    raises_input_error(path, "b.json", "not valid JSON", "line 2")


def test_json_record_that_is_not_an_object(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps([ROWS[0], ["gpt-4", "llama-2", "model_a"]]))
    raises_input_error(path, "record 2", "list")


def test_unknown_suffix(tmp_path):
    path = tmp_path / "battles.txt"
    path.write_text("model_a,model_b,winner\n")
    raises_input_error(path, "battles.txt", "'.txt'", ".jsonl")


def test_missing_file(tmp_path):
    raises_input_error(tmp_path / "nope.jsonl", "nope.jsonl", "no such file")


def test_directory_is_not_a_file(tmp_path):
    (tmp_path / "dir.jsonl").mkdir()
    raises_input_error(tmp_path / "dir.jsonl", "no such file")


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "b.parquet"
    path.write_bytes(b"not parquet at all")
    raises_input_error(path, "b.parquet", "Parquet")


def test_parquet_keeps_keys_that_the_first_record_lacks(tmp_path):
    from wizardarena.tables import read_rows, write_records

    path = tmp_path / "rows.parquet"
    write_records(path, [{"model": "a", "rating": 1.0}, {"model": "b", "rating": 2.0, "category": "code"}])
    assert read_rows(path) == [{"model": "a", "rating": 1.0, "category": None},
                               {"model": "b", "rating": 2.0, "category": "code"}]
