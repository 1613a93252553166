"""The vectorised battle readers: Arrow's view of a file must give the table Python's view gives."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wizardarena.errors import InputError
from wizardarena.ratings.table import battles_from_columns, battles_from_records, read_battles
from wizardarena.tables import read_column_arrays

ROWS = [
    {"model_a": "NA", "model_b": "gpt-4", "winner": "model_a", "prompt_id": "2024-05-01", "judge": "j1"},
    {"model_a": "gpt-4", "model_b": "claude", "winner": "tie", "prompt_id": "q2", "judge": "j2"},
    {"model_a": "claude", "model_b": "NA", "winner": "model_b", "prompt_id": None, "judge": "j1"},
    {"model_a": "gpt-4", "model_b": "NA", "winner": "tie (bothbad)", "prompt_id": "q2", "judge": None},
]


def same(got, want):
    assert got.models == want.models
    for name in ("a", "b", "outcome"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    assert list(got.prompt) == list(want.prompt)
    assert dict(got.extra) == dict(want.extra)


def test_parquet_row_groups_with_their_own_dictionaries(tmp_path):
    path = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS * 3), path, row_group_size=3)  # dictionaries differ per group
    table = read_battles(path)
    same(table, battles_from_records(ROWS * 3))
    assert table.models == ("NA", "claude", "gpt-4")  # "NA" is a model name, never a missing value


def test_unused_dictionary_values_are_no_models_and_no_bad_winners(tmp_path):
    def strings(codes, values):
        return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(values))

    path = tmp_path / "b.parquet"
    pq.write_table(pa.table({"model_a": strings([0, 1], ["x", "y", "ghost"]), "model_b": strings([1, 0], ["x", "y"]),
                             "winner": strings([0, 2], ["model_a", "draw", "tie"])}), path)
    table = read_battles(path)
    assert table.models == ("x", "y") and table.outcome.tolist() == [0, 2]


def test_parquet_errors_name_the_row(tmp_path):
    path = tmp_path / "b.parquet"
    pq.write_table(pa.table({"model_a": ["x", "y", None], "model_b": ["y", "x", "x"],
                             "winner": ["tie", "tie", "tie"]}), path)
    with pytest.raises(InputError, match="row 3: model_a must be a non-empty string, got None"):
        read_battles(path)
    pq.write_table(pa.table({"model_a": [1, 2], "model_b": ["y", "x"], "winner": ["tie", "tie"]}), path)
    with pytest.raises(InputError, match="row 1: model_a must be a non-empty string, got 1"):
        read_battles(path)
    pq.write_table(pa.table({"model_a": ["x", "y"], "model_b": ["y", "x"], "winner": ["tie", "won"]}), path)
    with pytest.raises(InputError, match="row 2: unknown winner 'won'"):
        read_battles(path)
    pq.write_table(pa.table({"model_a": ["x", "y"], "model_b": ["y", ""], "winner": ["tie", "tie"]}), path)
    with pytest.raises(InputError, match="row 2: model_b must be a non-empty string, got ''"):
        read_battles(path)


def test_json_lines_keep_dates_and_nested_values_as_python_reads_them(tmp_path):
    rows = [dict(row, style_a={"length": k}) if k % 2 else dict(row) for k, row in enumerate(ROWS)]
    path = tmp_path / "b.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    table = read_battles(path)
    assert table.prompt[0] == "2024-05-01"  # Arrow alone would make a timestamp of it
    assert table.extra["style_a"] == [None, {"length": 1}, None, {"length": 3}]  # no struct filled with None
    assert read_battles(path, extra=["judge"]).extra == {"judge": ["j1", "j2", "j1", None]}


def test_csv_reads_every_value_as_a_string(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("model_a,model_b,winner,prompt_id,judge\n1,2,model_a,7,\n2,1,tie,,j\n")
    table = read_battles(path)
    assert table.models == ("1", "2") and table.prompt.tolist() == ["7", ""]
    assert table.extra == {"judge": [None, "j"]}


def test_only_the_asked_columns_are_read(tmp_path):
    path = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    assert set(read_column_arrays(path, ["model_a", "winner"])) == {"model_a", "winner"}
    assert dict(read_battles(path, extra=[]).extra) == {}


def test_mixed_python_lists_still_name_the_row():
    columns = {"model_a": ["x", "y", "x"], "model_b": ["y", "x", "y"], "winner": ["tie", 3, "tie"]}
    with pytest.raises(InputError, match="row 2: unknown winner 3"):
        battles_from_columns(columns)
    columns = {"model_a": ["x", "y"], "model_b": ["y", "x"], "winner": ["tie", "tie"], "weight": [1.0, "x"]}
    with pytest.raises(InputError, match="row 2: weight must be a number, got 'x'"):
        battles_from_columns(columns)


def test_subset_takes_extra_columns_without_converting_them(tmp_path):
    path = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    table = read_battles(path)
    assert table.subset(table.outcome >= 2).extra == {"judge": ["j2", None]}


def test_prompt_codes_number_prompts_in_sorted_order_whatever_the_reader(tmp_path):
    from dataclasses import replace

    from wizardarena.ratings.pairs import kept_prompts, outcome_classes

    rows = [dict(row, prompt_id=p) for row, p in zip(ROWS * 3, ["q9", None, "", "a1", "q9", "b", "", "a1",
                                                                     None, "zz", "b", "q9"])]
    path = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=5)
    for table in (read_battles(path), battles_from_records(rows)):
        classes = outcome_classes(table, "drop")  # a subset of the rows, so codes are compacted
        want = np.unique(table.prompt[classes.kept], return_inverse=True)[1].ravel()
        np.testing.assert_array_equal(kept_prompts(table, classes), want)
        np.testing.assert_array_equal(kept_prompts(replace(table, prompt_rank=None), classes), want)


def test_reading_parquet_loads_neither_pandas_nor_pyarrow_dataset(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist([dict(row, weight=1.5, n=2) for row in ROWS]), path)
    code = ("import sys; from wizardarena.ratings.table import read_battles; "
            f"t = read_battles({str(path)!r}); assert t.n_battles == 8 and t.weight is not None; "
            "print(sorted(m for m in ('pandas', 'pyarrow.dataset') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"  # together about a third of a second of every rating run
