"""What a new user meets in ``build-testset`` and ``decontaminate``: a rater whose replies never parse
(exit 2, one line, nothing written), no difficulty method (the line says why one is needed), the
paper's k on a small pool (capped, with a notice), the embedding cache (on by default, shown; off with
--no-cache) and ``decontaminate --min-similarity``."""

import json
import sqlite3
from contextlib import closing

import pytest
from click.testing import CliRunner

from fixtures.construct_data import shared_rows, write_jsonl
from wizardarena.cli import build_cmd
from wizardarena.cli.main import cli
from wizardarena.embeddings import SentenceEmbedder

cli.add_command(build_cmd.build_testset)
cli.add_command(build_cmd.decontaminate_command)


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def vicuna(shared_data):
    return shared_data / "prompts" / "vicuna-bench" / "question.jsonl"


@pytest.fixture
def embedders(monkeypatch, minilm):
    """The command's own SentenceEmbedder (cache, progress) around the session's loaded MiniLM."""
    made = []

    def make(name, cache, device, progress=None):
        made.append(SentenceEmbedder(name, cache=cache, device=device, progress=progress))
        made[-1]._model = minilm._load()  # the session's model: no second load
        return made[-1]

    monkeypatch.setattr(build_cmd, "_embedder", make)
    return made


def test_a_rater_that_never_rates_fails_the_build_and_writes_nothing(vicuna, tmp_path, embedders):
    out = tmp_path / "out"
    args = ["build-testset", vicuna, "--out", out, "-k", "4", "--hard-pool", "5", "--rater", "fake:garbage",
            "--rater-retries", "0", "--no-cache"]
    result = _run(*args)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == result.stderr.strip().splitlines()[-1]
    assert "only 0 of 20 difficulty ratings by fake:garbage are valid (0% < --min-valid-ratings 0.8)" in errors[0]
    assert "one reply: '[garbage]" in errors[0]
    assert not out.exists()  # no test set, no report, no rating cache of the failures, no folder
    unrated = _run(*args, "--min-valid-ratings", "0")  # a user who wants unrated hard prompts says so
    assert unrated.exit_code == 0, unrated.output
    assert "20 in the hard pool, 20 invalid" in unrated.output
    assert json.loads((out / "build_report.json").read_text())["parameters"]["min_valid_ratings"] == 0


def test_without_a_difficulty_method_the_line_says_why_one_is_needed(vicuna, tmp_path):
    result = _run("build-testset", vicuna, "--out", tmp_path / "out")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "LLM's 0-10 difficulty rating" in line and "Arena Learning" in line
    assert "--rater SPEC" in line and "--upstream-hard LABEL" in line
    assert not (tmp_path / "out").exists()


def test_the_papers_k_on_a_small_pool_is_capped_with_a_notice(vicuna, tmp_path, embedders):
    result = _run("build-testset", vicuna, "--out", tmp_path, "--upstream-hard", "question", "--no-cache")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "build_report.json").read_text())
    cleaned = report["cleaning"][-1]["after"]
    assert f"k=500 > {cleaned} prompts: using k={cleaned // 10}" in result.stderr
    assert report["clusters"]["k"] == cleaned // 10 and report["clusters"]["k_requested"] == 500
    assert report["sizes"]["diverse"] == 2 * (cleaned // 10)


def test_the_embedding_cache_is_on_by_default_and_off_with_no_cache(vicuna, tmp_path, arena_home, embedders):
    args = ["build-testset", vicuna, "-k", "3", "--upstream-hard", "question"]
    off = _run(*args, "--out", tmp_path / "a", "--no-cache")
    assert off.exit_code == 0, off.output
    assert embedders[-1].cache_path is None and "embedding cache" not in off.stderr
    assert not (arena_home / "embeddings.sqlite").exists()
    assert "embedding (all-MiniLM-L6-v2)" in off.stderr  # the progress bar
    on = _run(*args, "--out", tmp_path / "b")
    assert on.exit_code == 0, on.output
    shown = [line for line in on.stderr.splitlines() if line.startswith("embedding cache: ")]
    assert shown == [f"embedding cache: {arena_home / 'embeddings.sqlite'} (--no-cache to keep none)"]
    assert (arena_home / "embeddings.sqlite").stat().st_size > 0
    with closing(sqlite3.connect(arena_home / "embeddings.sqlite")) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM vectors WHERE model = 'all-MiniLM-L6-v2'").fetchone()
    assert rows == json.loads((tmp_path / "b" / "build_report.json").read_text())["cleaning"][-1]["after"]


def test_min_similarity_keeps_dissimilar_neighbours(shared_data, tmp_path, embedders):
    test = write_jsonl(tmp_path / "bench.jsonl", shared_rows(shared_data, "vicuna-bench", 3))
    train = write_jsonl(tmp_path / "train.jsonl", shared_rows(shared_data, "vicuna-bench")[20:40])
    plain = _run("decontaminate", train, "--against", test, "--out", tmp_path / "all.jsonl",
                 "--report", tmp_path / "all.json", "--no-cache")
    assert plain.exit_code == 0, plain.output
    neighbours = {d["id"]: d["similarity"] for d in json.loads((tmp_path / "all.json").read_text())["items"]}
    assert 5 < len(neighbours) <= 15  # top-5 of 3 test items, whatever the similarity
    threshold = sorted(neighbours.values())[len(neighbours) // 2]
    strict = _run("decontaminate", train, "--against", test, "--min-similarity", threshold, "--out",
                  tmp_path / "some.jsonl", "--report", tmp_path / "some.json", "--no-cache")
    assert strict.exit_code == 0, strict.output
    dropped = {d["id"] for d in json.loads((tmp_path / "some.json").read_text())["items"]}
    assert dropped == {i for i, similarity in neighbours.items() if similarity >= threshold}
    kept = len(neighbours) - len(dropped)
    assert f"kept {20 - len(dropped)} of 20 training records; dropped {len(dropped)} (neighbour {len(dropped)})" \
        in strict.output
    assert f"neighbour drops need cosine >= {threshold:g}: {kept} top-5 neighbours below it kept" in strict.output
