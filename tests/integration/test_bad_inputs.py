"""Bad input over every command: exit 2, one line on stderr, no traceback, and neither the store nor the
outputs change by a byte (hashed before and after)."""

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

_register()
PROMPTS = [{"id": f"q{k}", "turns": [f"Question {k}?"]} for k in range(3)]


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """A finished eval: its store and output folder, and a test set file."""
    root = tmp_path_factory.mktemp("arena")
    testset = root / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    done = CliRunner().invoke(cli, ["eval", "--model", "a=fake:a", "--model", "b=fake:b", "--judge", "fake:j",
                                    "--judge-mode", "logprob", "--testset", str(testset), "--out", str(root / "out"),
                                    "--store", str(root / "out" / "arena.sqlite"), "--bootstrap", "5"])
    assert done.exit_code == 0, done.output
    (root / "not-a-template.txt").write_text("Judge these. {question}")
    (root / "flywheel.json").write_text(json.dumps({"iterations": "three"}))
    (root / "samples.jsonl").write_text(json.dumps({"doc": "not a doc", "filtered_resps": ["x"]}) + "\n")
    (root / "a-file").write_text("x")
    (root / "target").mkdir()
    (root / "changed").mkdir()
    changed = root / "changed" / "prompts.jsonl"  # the same test set name, other content
    changed.write_text("".join(json.dumps({**p, "turns": [p["turns"][0] + " (edited)"]}) + "\n" for p in PROMPTS))
    return root


EVAL = ["eval", "--model", "a=fake:a", "--model", "b=fake:b", "--judge-mode", "logprob", "--out", "{out}",
        "--store", "{out}/arena.sqlite"]
CASES = {
    "ratings: no such file": (["ratings", "{root}/missing.jsonl"], "missing.jsonl"),
    "ratings: bootstrap below 0": (["ratings", "{out}/battles.jsonl", "--bootstrap", "-1"], "bootstrap"),
    "simulate: unknown ranking": (["simulate", "--from", "lmsys-1999", "--out", "{root}/sim.jsonl"], "lmsys-1999"),
    "agreement: no such candidate": (["agreement", "{root}/nope.jsonl", "lmsys-2024-03-29"], "nope.jsonl"),
    "eval: changed test set": ([*EVAL, "--judge", "fake:j", "--testset", "{root}/changed/prompts.jsonl"],
                               "differs"),
    "eval: concurrency 0": ([*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--max-concurrency", "0"],
                            "--max-concurrency"),
    "eval: limit 0": ([*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--limit", "0"], "--limit"),
    "eval: temperature nan": ([*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--temperature", "nan"],
                              "temperature"),
    "eval: huge bootstrap": ([*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--bootstrap", "100000000"],
                             "--bootstrap"),
    "eval: unknown anchor": ([*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--anchor", "zz=1000"],
                             "not a model of this run"),
    "eval: unknown similarity model": ([*EVAL, "--judge", "similarity:arena-hard-v0.1#gpt-9", "--testset",
                                        "{testset}"], "gpt-9"),
    "eval: not a template": ([*EVAL, "--judge", "fake:j", "--judge-template", "{root}/not-a-template.txt",
                              "--testset", "{testset}"], "template lacks"),
    "eval: answers cannot judge": ([*EVAL, "--judge", "answers:arena-hard-v0.1#gpt-4-0314", "--testset",
                                    "{testset}"], "cannot judge"),
    "eval: store under a file": ([*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--store",
                                  "{root}/a-file/arena.sqlite"], "is a file"),
    "eval: unknown hub model offline": (["eval", "--model", "hf:nobody/no-such-model", "--model", "b=fake:b",
                                         "--judge", "fake:j", "--testset", "{testset}", "--out", "{out}",
                                         "--store", "{out}/arena.sqlite"], "Hub cache"),
    "export: unknown judge": (["export", "{out}/arena.sqlite", "--what", "battles", "--judge", "fake:nobody",
                               "--out", "{root}/x.jsonl"], "no judgments by"),
    "export: no such store": (["export", "{root}/none.sqlite", "--what", "answers", "--out", "{root}/x.jsonl"],
                              "no such store"),
    "build-testset: no such pool": (["build-testset", "{root}/pool.jsonl", "--name", "t", "--out", "{root}/b"],
                                    "difficulty method"),
    "decontaminate: no such file": (["decontaminate", "{root}/train.jsonl", "--against", "wizardarena-hard"],
                                    "train.jsonl"),
    "import-lm-eval: bad doc": (["import-lm-eval", "{root}/samples.jsonl", "--model", "m", "--store",
                                 "{out}/arena.sqlite"], "not an lm-eval sample"),
    "flywheel: wrong types": (["flywheel", "--target", "{root}/target", "--opponents", "fake:a", "--judge", "fake:j",
                               "--pool", "{testset}", "--out", "{root}/fw", "--config", "{root}/flywheel.json"],
                              "wrong type"),
    "leaderboard render: no such file": (["leaderboard", "render", "{root}/none.jsonl"], "none.jsonl"),
    "leaderboard push: bad repo id": (["leaderboard", "push", "{out}/ratings.jsonl", "--repo-id", "no slash",
                                       "--dry-run", "{root}/push"], "repo"),
}


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(arena, case):
    args, message = CASES[case]
    values = {"root": arena, "out": arena / "out", "testset": arena / "prompts.jsonl"}
    before = _digest(arena)
    result = CliRunner().invoke(cli, [a.format(**values) for a in args])
    assert result.exit_code == 2, (case, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output and message in lines[0], (case, lines)
    assert _digest(arena) == before, case


def test_a_dry_run_writes_nothing(arena, tmp_path):
    values = {"root": arena, "out": arena / "out", "testset": arena / "prompts.jsonl"}
    before = _digest(arena)
    args = [a.format(**values) for a in [*EVAL, "--judge", "fake:j", "--testset", "{testset}", "--dry-run"]]
    planned = CliRunner().invoke(cli, [*args, "--model", "c=fake:c"])
    assert planned.exit_code == 0 and "c: 3 answers missing" in planned.output
    assert _digest(arena) == before
    fresh = CliRunner().invoke(cli, [*args, "--store", str(tmp_path / "new" / "arena.sqlite")])  # the last wins
    assert fresh.exit_code == 0 and "judge: 6 of 6 judgments missing" in fresh.output
    assert not (tmp_path / "new").exists()


def test_the_printed_rejudge_command_quotes_every_word():
    pytest.importorskip("datasets")
    import shlex

    from wizardarena.cli.lmeval_cmd import rejudge_command
    from wizardarena.tasks.harness import DEFAULTS

    docs = [{"id": "x", "settings": json.dumps(DEFAULTS), "testset": "wizardarena-hard"}]
    line = rejudge_command("x;touch F;#", Path("/tmp/a b/x.jsonl"), docs, None)
    words = shlex.split(line)
    assert words[:4] == ["wizardarena", "eval", "--model", "x;touch F;#=answers:/tmp/a b/x.jsonl#x;touch F;#"]
