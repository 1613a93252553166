"""Aggregated battles: a row with ``n`` stands for n identical battles, in the fit and in every bootstrap."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.matrix import win_rate_matrix
from wizardarena.ratings.table import battles_from_records, read_battles

# Uneven counts on purpose: if a count were one row drawn or not, the bootstrap spread would differ.
COUNTED = [
    {"model_a": "a", "model_b": "b", "winner": "model_a", "n": 7, "prompt_id": "p1"},
    {"model_a": "a", "model_b": "b", "winner": "model_b", "n": 2, "prompt_id": "p2"},
    {"model_a": "b", "model_b": "c", "winner": "model_a", "n": 5, "prompt_id": "p1"},
    {"model_a": "c", "model_b": "b", "winner": "tie", "n": 1, "prompt_id": "p3"},
    {"model_a": "c", "model_b": "a", "winner": "model_a", "n": 3, "prompt_id": "p2"},
    {"model_a": "a", "model_b": "c", "winner": "model_a", "n": 9, "prompt_id": "p3"},
    {"model_a": "b", "model_b": "a", "winner": "tie (bothbad)", "n": 4, "prompt_id": "p4"},
    {"model_a": "a", "model_b": "c", "winner": "model_b", "n": 0, "prompt_id": "p4"},  # no battle at all
]


def expanded(rows):
    return [{k: v for k, v in row.items() if k != "n"} for row in rows for _ in range(row["n"])]


def test_counts_are_read_and_summed():
    table = battles_from_records(COUNTED)
    assert table.count.tolist() == [row["n"] for row in COUNTED]
    assert len(table) == 8 and table.n_battles == 31
    assert "n" not in table.extra
    models, _, count = win_rate_matrix(table)
    _, _, want = win_rate_matrix(battles_from_records(expanded(COUNTED)))
    np.testing.assert_array_equal(count, want)
    assert count[models.index("a"), models.index("b")] == 13


@pytest.mark.parametrize("config", [
    RatingConfig(bootstrap=50, seed=3),
    RatingConfig(bootstrap=50, seed=3, unit="prompt"),
    RatingConfig(bootstrap=20, seed=1, method="online"),
    RatingConfig(bootstrap=30, seed=2, ties="drop"),
], ids=["battle", "prompt", "online", "drop-ties"])
def test_counted_file_rates_exactly_as_the_expanded_one(config):
    counted = compute_ratings(battles_from_records(COUNTED), config)
    full = compute_ratings(battles_from_records(expanded(COUNTED)), config)
    assert counted.models == full.models
    np.testing.assert_allclose(counted.fitted, full.fitted, atol=1e-9)
    np.testing.assert_allclose(counted.samples, full.samples, atol=1e-9)  # the same draws, seed for seed
    np.testing.assert_array_equal(counted.n_battles, full.n_battles)


@pytest.mark.parametrize("unit", ["battle", "prompt"])
@pytest.mark.parametrize("styled_fit", [False, True], ids=["bt", "style-control"])
def test_sandwich_of_a_counted_file_is_that_of_the_expanded_one(unit, styled_fit):
    rng = np.random.default_rng(0)
    def style():
        return {"length": int(rng.integers(50, 500)), "headers": int(rng.integers(0, 3)),
                "lists": int(rng.integers(0, 5)), "bold": int(rng.integers(0, 2))}

    styled = [{**row, "style_a": style(), "style_b": style()} for row in COUNTED]
    config = RatingConfig(ci="sandwich", bootstrap=0, point="mle", unit=unit, style_control=styled_fit)
    counted = compute_ratings(battles_from_records(styled), config)
    full = compute_ratings(battles_from_records(expanded(styled)), config)
    np.testing.assert_allclose(counted.fitted, full.fitted, atol=1e-6)
    np.testing.assert_allclose(np.array(counted.interval()), np.array(full.interval()), atol=1e-6)


def test_count_is_not_a_row_drawn_or_not():
    # The same rows without counts: a bootstrap that ignored n would reproduce these samples.
    plain = [{k: v for k, v in row.items() if k != "n"} for row in COUNTED if row["n"]]
    config = RatingConfig(bootstrap=50, seed=3)
    counted = compute_ratings(battles_from_records(COUNTED), config)
    rows = compute_ratings(battles_from_records(plain), config)
    assert np.abs(counted.fitted - rows.fitted).max() > 1.0
    assert counted.samples.std(axis=0).max() < 0.8 * rows.samples.std(axis=0).max()


def test_count_times_weight_in_the_point_fit():
    weighted = [dict(row, weight=0.5 if row["winner"] == "model_b" else 1.5) for row in COUNTED]
    config = RatingConfig(bootstrap=20, seed=0)
    counted = compute_ratings(battles_from_records(weighted), config)
    full = compute_ratings(battles_from_records(
        [dict(r, weight=w["weight"]) for w in weighted for r in expanded([w])]), config)
    np.testing.assert_allclose(counted.fitted, full.fitted, atol=1e-9)
    np.testing.assert_allclose(counted.samples, full.samples, atol=1e-9)


def test_style_control_point_fit_counts_rows(tmp_path):
    styled = [dict(row, style_a={"length": 10 + k, "headers": k % 2, "lists": 1, "bold": 0},
                   style_b={"length": 12, "headers": 0, "lists": k % 3, "bold": 1}) for k, row in enumerate(COUNTED)]
    config = RatingConfig(bootstrap=0, style_control=True)
    counted = compute_ratings(battles_from_records(styled), config)
    full = compute_ratings(battles_from_records(expanded(styled)), config)
    np.testing.assert_allclose(counted.fitted, full.fitted, atol=1e-6)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_counts_from_every_format(tmp_path, fmt):
    path = tmp_path / f"b.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in COUNTED))
    elif fmt == "csv":
        path.write_text("model_a,model_b,winner,n\n" + "".join(
            f"{r['model_a']},{r['model_b']},{r['winner']},{r['n']}\n" for r in COUNTED))
    else:
        pq.write_table(pa.Table.from_pylist(COUNTED), path)
    assert read_battles(path).count.tolist() == [row["n"] for row in COUNTED]


@pytest.mark.parametrize("bad", [-1, 2.5, "many", float("nan")])
def test_bad_count_names_the_row(bad):
    rows = [dict(row) for row in COUNTED]
    rows[2]["n"] = bad
    with pytest.raises(InputError) as info:
        battles_from_records(rows)
    message = str(info.value)
    assert "row 3" in message and " n " in message and "\n" not in message


def test_missing_count_is_one_and_all_ones_is_none():
    rows = [dict(row) for row in COUNTED]
    del rows[0]["n"]
    assert battles_from_records(rows).count[0] == 1
    assert battles_from_records([dict(row, n=1) for row in COUNTED]).count is None
