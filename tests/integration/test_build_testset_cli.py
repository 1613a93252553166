"""``wizardarena build-testset`` and ``wizardarena decontaminate`` end to end on real prompts, in process
(the session's MiniLM embedder stands in for the one the command would load; the rater is scripted)."""

import json

import pytest
from click.testing import CliRunner

import wizardarena.backends
from fixtures.construct_data import ScriptedModel, rating_from_text, shared_rows, write_jsonl
from wizardarena.cli import build_cmd
from wizardarena.cli.main import cli

cli.add_command(build_cmd.build_testset)
cli.add_command(build_cmd.decontaminate_command)


@pytest.fixture
def shared_embedder(monkeypatch, minilm):
    monkeypatch.setattr(build_cmd, "_embedder", lambda *args: minilm)


@pytest.fixture
def scripted_rater(monkeypatch):
    models = []

    def load(spec, **options):
        models.append(ScriptedModel(rating_from_text, spec=spec))
        return models[-1]

    monkeypatch.setattr(wizardarena.backends, "load_model", load)
    return models


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def pools(shared_data):
    return [shared_data / "prompts" / name / "question.jsonl" for name in ("vicuna-bench", "mt-bench")]


def test_build_rates_once_then_reruns_from_the_cache(pools, tmp_path, shared_embedder, scripted_rater):
    args = ["build-testset", *pools, "--name", "demo", "--out", tmp_path / "out", "-k", "5", "--per-cluster", "2",
            "--hard-pool", "3", "--hard-keep", "6", "--rater", "scripted:rater", "--seed", "7"]
    first = _run(*args)
    assert first.exit_code == 0, first.output
    assert "pool: 160 prompts (vicuna-bench 80, mt-bench 80)" in first.output
    assert "prefix" in first.output and "15 rater calls, 0 cached" in first.output
    report = json.loads((tmp_path / "out" / "build_report.json").read_text())
    assert report["parameters"]["difficulty_method"] == "rater:scripted:rater" and report["sizes"]["hard"] == 6
    mix = _records(tmp_path / "out" / "demo-mix.jsonl")
    assert len(mix) == report["sizes"]["mix"] and all(p["cluster"] in range(5) for p in mix)
    assert (tmp_path / "out" / "difficulty-cache.jsonl").is_file()
    second = _run(*args)
    assert second.exit_code == 0 and "0 rater calls, 15 cached" in second.output
    assert _records(tmp_path / "out" / "demo-mix.jsonl") == mix


def test_build_with_upstream_hard_sources(pools, tmp_path, shared_embedder):
    result = _run("build-testset", f"chat={pools[0]}", f"bench={pools[1]}", "--out", tmp_path, "-k", "4",
                  "--hard-keep", "8", "--upstream-hard", "bench", "--english-only")
    assert result.exit_code == 0, result.output
    hard = _records(tmp_path / "wizardarena-hard.jsonl")
    assert len(hard) == 8 and {p["source"] for p in hard} == {"bench"} and all(p["difficulty"] is None for p in hard)
    assert "upstream:bench" in result.output and "language" in result.output


def test_decontaminate_keeps_original_rows_and_reports_drops(shared_data, tmp_path, shared_embedder):
    test = shared_rows(shared_data, "vicuna-bench", 3)
    train = [{"id": f"t{k}", "conversations": [{"from": "human", "value": row["turns"][0]},
                                               {"from": "gpt", "value": "An answer."}]}
             for k, row in enumerate(shared_rows(shared_data, "vicuna-bench")[20:40])]
    train.insert(5, {"id": "copy", "conversations": [{"from": "human", "value": test[1]["turns"][0].lower()},
                                                     {"from": "gpt", "value": "Copied."}]})
    train_path = write_jsonl(tmp_path / "train.jsonl", train)
    test_path = write_jsonl(tmp_path / "bench.jsonl", test)
    out, report = tmp_path / "clean.jsonl", tmp_path / "report.json"
    result = _run("decontaminate", train_path, "--against", test_path, "--top-k", "1", "--out", out, "--report", report)
    assert result.exit_code == 0, result.output
    kept, items = _records(out), json.loads(report.read_text())["items"]
    assert {"id": "copy", "reason": "exact", "test_id": "2", "similarity": 1.0} in items
    assert len(items) <= 3 and {i["reason"] for i in items} == {"exact", "neighbour"}  # top-1 of 3 test items
    assert [row for row in train if row["id"] not in {i["id"] for i in items}] == kept  # rows as they were
    assert f"kept {len(kept)} of 21 training records" in result.output


@pytest.mark.parametrize("args, message", [
    (["build-testset", "missing.jsonl", "--rater", "fake:x"], "missing.jsonl: no such file"),
    (["build-testset", "{vicuna}", "--rater", "fake:x", "--upstream-hard", "a"], "exactly one"),
    (["build-testset", "{vicuna}"], "needs a difficulty method"),
    (["build-testset", "{vicuna}", "--rater", "fake:x", "--min-valid-ratings", "2"], "min-valid-ratings"),
    (["build-testset", "{vicuna}", "--upstream-hard", "x", "--cache", "c.sqlite", "--no-cache"], "not both"),
    (["decontaminate", "{vicuna}", "--against", "{vicuna}", "--min-similarity", "3"], "min-similarity"),
    (["build-testset", "{vicuna}", "--rater", "nope:x", "-k", "3"], "unknown model backend"),
    (["build-testset", "{vicuna}", "--upstream-hard", "x", "--near-dup-threshold", "2"], "near-dup-threshold"),
    (["build-testset", "pool.txt", "--upstream-hard", "x"], "unknown file type"),
    (["decontaminate", "{vicuna}", "--against", "missing.jsonl", "--top-k", "0"], "missing.jsonl: no such file"),
    (["decontaminate", "{vicuna}", "--against", "{vicuna}", "--out", "kept.txt"], "unknown file type"),
    (["decontaminate", "{vicuna}"], "Missing option '--against'"),
])
def test_bad_input_exits_2_with_one_line(args, message, shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pool.txt").write_text("x")
    vicuna = str(shared_data / "prompts" / "vicuna-bench" / "question.jsonl")
    result = _run(*[arg.replace("{vicuna}", vicuna) for arg in args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
