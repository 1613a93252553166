"""Reading rankings, shipped references and name maps; the ``agreement`` command's exits."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from wizardarena.agreement import (
    list_name_maps,
    list_references,
    load_name_map,
    load_ranking,
    load_reference,
    read_ranking,
)
from wizardarena.errors import InputError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path, rows):
    return write(path, "".join(json.dumps(row) + "\n" for row in rows))


def test_reads_our_ratings_jsonl_with_samples(tmp_path):
    path = jsonl(tmp_path / "r.jsonl", [
        {"model": "a", "rating": 1010, "lower": 1000, "upper": 1020, "n_battles": 5, "samples": [1001, 1019]},
        {"model": "b", "rating": 990, "lower": 980, "upper": 1000, "n_battles": 5, "samples": [985, 995]},
    ])
    ranking = read_ranking(path)
    assert ranking.models == ("a", "b")
    assert list(ranking.score) == [1010, 990] and list(ranking.lower) == [1000, 980]
    assert ranking.samples.shape == (2, 2)


def test_reads_our_ratings_without_samples(tmp_path):
    path = jsonl(tmp_path / "r.jsonl", [{"model": "a", "rating": 1, "lower": 0, "upper": 2}])
    assert read_ranking(path).samples is None


def test_reads_notebook_bootstrap_and_repeats_a_single_result(tmp_path):
    path = jsonl(tmp_path / "b.jsonl", [
        {"model": "x", "score": 41.5, "lower": 37.5, "upper": 45.8, "results": [40.0, 41.0, 43.0]},
        {"model": "gpt-4-0314", "score": 50, "lower": 50, "upper": 50, "results": [50]},
    ])
    ranking = read_ranking(path)
    assert ranking.samples.shape == (2, 3)
    assert list(ranking.samples[1]) == [50, 50, 50]


def test_reads_leaderboard_csv_with_quantile_columns(tmp_path):
    path = write(tmp_path / "l.csv", "model,rating,variance,rating_q975,rating_q025,num_battles\n"
                                     "a,1250.5,3.6,1257.8,1250.9,100\nb,1200,2,1205,1195,50\n")
    ranking = read_ranking(path)
    assert ranking.lower[0] == pytest.approx(1250.9) and ranking.upper[0] == pytest.approx(1257.8)


def test_reads_csv_with_lower_upper_columns(tmp_path):
    path = write(tmp_path / "l.csv", "model,rating,lower,upper\na,3,2,4\nb,1,0,2\n")
    assert list(read_ranking(path).upper) == [4, 2]


def test_reads_a_json_list(tmp_path):
    path = write(tmp_path / "l.json", json.dumps([{"model": "a", "rating": 1, "lower": 0, "upper": 2}]))
    assert read_ranking(path).models == ("a",)


def test_reads_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"model": ["a", "b"], "rating": [1.0, 2.0], "lower": [0.0, 1.0], "upper": [2.0, 3.0]})
    pq.write_table(table, tmp_path / "r.parquet")
    assert read_ranking(tmp_path / "r.parquet").models == ("a", "b")


@pytest.mark.parametrize("text, message", [
    ("model,rating,lower\na,1,0\n", r"r\.csv: missing column 'upper' or 'rating_q975'"),
    ("model,lower,upper\na,0,2\n", r"missing column 'rating' or 'score'"),
    ("name,rating,lower,upper\na,1,0,2\n", r"missing column 'model'"),
    ("model,rating,lower,upper\na,high,0,2\n", r"r\.csv: a: rating is not a finite number \('high'\)"),
    ("model,rating,lower,upper\na,,0,2\n", r"a: rating is not a finite number \(None\)"),
    ("model,rating,lower,upper\nA,1,0,2\na,2,1,3\n", r"r\.csv: duplicate model 'a'"),
    ("model,rating,lower,upper\n", r"r\.csv: empty ranking"),
    ("", r"r\.csv: empty ranking"),
])
def test_bad_csv_is_a_one_line_input_error(tmp_path, text, message):
    path = write(tmp_path / "r.csv", text)
    with pytest.raises(InputError, match=message) as info:
        read_ranking(path)
    assert "\n" not in str(info.value)


def test_bad_jsonl_rows(tmp_path):
    with pytest.raises(InputError, match="empty ranking"):
        read_ranking(write(tmp_path / "e.jsonl", ""))
    uneven = jsonl(tmp_path / "s.jsonl", [
        {"model": "a", "score": 1, "lower": 0, "upper": 2, "results": [1, 2, 3]},
        {"model": "b", "score": 1, "lower": 0, "upper": 2, "results": [1, 2]},
    ])
    with pytest.raises(InputError, match="b: 2 samples, the others have 3"):
        read_ranking(uneven)
    partial = jsonl(tmp_path / "p.jsonl", [
        {"model": "a", "rating": 1, "lower": 0, "upper": 2, "samples": [1, 2]},
        {"model": "b", "rating": 1, "lower": 0, "upper": 2},
    ])
    with pytest.raises(InputError, match="b: samples must be a non-empty list"):
        read_ranking(partial)


def test_missing_file_and_unknown_reference_name():
    with pytest.raises(InputError, match="no such file"):
        load_ranking("does/not/exist.jsonl")
    with pytest.raises(InputError, match="did you mean 'lmsys-2024-03-29'"):
        load_ranking("lmsys-2024-03-28")


def test_shipped_references_load():
    assert set(list_references()) == {"lmsys-2024-03-29", "lmsys-en-2024-06", "wizardarena-paper-diverse",
                                      "wizardarena-paper-hard", "wizardarena-paper-mix", "mt-bench-paper",
                                      "arena-hard-v0.1", "lmsys-2024-09-04", "lmsys-2024-09-04-style",
                                      "lmsys-2024-09-04-hard", "lmsys-2024-09-04-hard-style",
                                      "lmsys-2024-09-04-hard-english"}
    lmsys = load_reference("lmsys-2024-03-29")
    assert len(lmsys) == 76 and lmsys.samples.shape == (76, 100)
    arena_hard = load_ranking("arena-hard-v0.1")
    assert len(arena_hard) == 28 and arena_hard.samples.shape == (28, 1000)


def test_paper_columns_become_rankings_with_plus_minus_intervals():
    english = load_reference("lmsys-en-2024-06")
    assert len(english) == 22 and "WizardLM-2-8x22B-0415" not in english.models  # empty lmsys_en rows skipped
    first = english.models.index("Claude 3.5 Sonnet")
    assert (english.score[first], english.lower[first], english.upper[first]) == (1246, 1239, 1250)
    mix = load_reference("wizardarena-paper-mix")
    assert len(mix) == 31
    mt_bench = load_reference("mt-bench-paper")
    assert len(mt_bench) == 30 and np.array_equal(mt_bench.lower, mt_bench.upper)


def test_name_maps(tmp_path):
    assert "arena-hard-v0.1" in list_name_maps()
    assert load_name_map("arena-hard-v0.1")["gemini-pro"] == "gemini-1.0-pro"
    assert load_name_map(write(tmp_path / "m.json", '{"a": "b"}')) == {"a": "b"}
    with pytest.raises(InputError, match="not valid JSON"):
        load_name_map(write(tmp_path / "bad.json", "{"))
    with pytest.raises(InputError, match="JSON object of strings"):
        load_name_map(write(tmp_path / "list.json", '["a"]'))
    with pytest.raises(InputError, match="did you mean 'arena-hard-v0.1'"):
        load_name_map("arena-hard")


@pytest.fixture
def cli():
    from wizardarena.cli import main
    from wizardarena.cli.agreement_cmd import agreement

    try:
        main._register()
    except (ImportError, AttributeError):  # the ratings commands are still being written: ours alone
        main.cli.add_command(agreement)
    return main.cli


def test_cli_bad_file_exits_2_with_one_line(cli, tmp_path):
    path = write(tmp_path / "bad.csv", "model,rating\na,1\n")
    result = CliRunner().invoke(cli, ["agreement", str(path), "lmsys-2024-03-29"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "bad.csv: missing column" in result.stderr


def test_cli_unknown_reference_and_missing_arguments_exit_2(cli):
    result = CliRunner().invoke(cli, ["agreement", "arena-hard-v0.1", "lmsys-2024"])
    assert result.exit_code == 2 and "did you mean" in result.stderr
    assert CliRunner().invoke(cli, ["agreement"]).exit_code == 2


def test_cli_too_few_shared_models_exits_2(cli, tmp_path):
    path = jsonl(tmp_path / "r.jsonl", [{"model": m, "rating": i, "lower": i, "upper": i} for i, m in
                                        enumerate(["a", "b", "c"])])
    result = CliRunner().invoke(cli, ["agreement", str(path), "lmsys-2024-03-29"])
    assert result.exit_code == 2 and "share 0 model(s)" in result.stderr


def test_cli_lists_references(cli):
    result = CliRunner().invoke(cli, ["agreement", "--list", "--format", "json"])
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    assert "lmsys-2024-03-29" in listing["references"] and "arena-hard-v0.1" in listing["maps"]
    table = CliRunner().invoke(cli, ["agreement", "--list"])
    assert table.exit_code == 0 and "wizardarena-paper-mix" in table.stdout


def test_paper_table_reader_names_a_missing_column(tmp_path):
    from wizardarena.agreement.references import read_paper_column

    path = write(tmp_path / "t.csv", "model,mix,mix_plus,mix_minus\na,10,1,2\nb,,,\n")
    ranking = read_paper_column(path, "mix")
    assert ranking.models == ("a",) and (ranking.lower[0], ranking.upper[0]) == (8, 11)
    with pytest.raises(InputError, match="t.csv: missing column 'hard'"):
        read_paper_column(path, "hard")


def test_length_yardstick_ranks_models_by_their_mean_answer_length():
    from wizardarena.agreement.yardsticks import length_ranking

    battles = {"model_a": ["a", "b", "a"], "model_b": ["b", "c", "c"], "winner": ["tie"] * 3,
               "style_a": [{"length": 10}, {"length": 30}, {"length": 20}],
               "style_b": [{"length": 30}, {"length": 5}, {"length": 5}]}
    ranking = length_ranking(battles)
    assert ranking.models == ("a", "b", "c")
    assert list(ranking.score) == [15.0, 30.0, 5.0]
    assert length_ranking({"model_a": [], "model_b": [], "winner": []}) is None
