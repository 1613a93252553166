"""WizardArena as an lm-eval task: the tiny local model answers through lm-eval (Python API and CLI);
the reported Elo, CI and counts equal those of ``wizardarena eval`` on the same answers."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

lm_eval = pytest.importorskip("lm_eval")
_register()

METRICS = ("elo", "elo_lower", "elo_upper", "win_rate", "n_battles", "n_invalid")


@pytest.fixture
def arena_env(tmp_path, monkeypatch, minilm):
    monkeypatch.setenv("WIZARDARENA_HOME", str(tmp_path / "cache"))
    return {"store": str(tmp_path / "arena.sqlite"), "bootstrap": 20, "model_name": "tiny"}


def test_simple_evaluate_reports_an_elo_that_wizardarena_eval_reproduces(tmp_path, arena_env, tiny_model_path):
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    from wizardarena.tasks import include_path

    # with a TaskManager of one's own, the settings go to it: simple_evaluate(metadata=) would not reach the tasks
    manager = TaskManager(include_path=include_path(), include_defaults=False, metadata=arena_env)
    assert {"wizardarena_diverse", "wizardarena_hard", "wizardarena_mix"} <= set(manager.all_tasks)
    out = simple_evaluate(model="hf", model_args=f"pretrained={tiny_model_path},device=cpu",
                          tasks=["wizardarena_hard"], task_manager=manager, limit=3, apply_chat_template=True,
                          gen_kwargs="max_gen_toks=8", log_samples=True)
    result = {m: out["results"]["wizardarena_hard"][f"{m},none"] for m in METRICS}
    assert result["elo_lower"] <= result["elo"] <= result["elo_upper"]
    assert result["n_battles"] == 3 * 28 * 2  # 3 prompts x 28 references (one is the judge's) x 2 orders
    assert result["n_invalid"] == 0 and 0 <= result["win_rate"] <= 1

    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(s, default=str) + "\n" for s in out["samples"]["wizardarena_hard"]))
    imported = CliRunner().invoke(cli, ["import-lm-eval", str(samples), "--model", "tiny",
                                        "--store", arena_env["store"]],
                                  catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    command = imported.output.strip().splitlines()[-1].split(": ", 1)[1]
    args = shlex.split(command)[1:] + ["--out", str(tmp_path / "eval")]
    assert "--limit" in args and "3" in args
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert re.search(r"model\s+calls\s+this\s+run:\s+0\b", again.output)  # same store: nothing judged twice
    ratings = {r["model"]: r for r in map(json.loads, (tmp_path / "eval" / "ratings.jsonl").read_text().splitlines())}
    assert ratings["tiny"]["rating"] == pytest.approx(result["elo"], abs=1e-9)
    tiny = ratings["tiny"]
    assert (tiny["lower"], tiny["upper"]) == pytest.approx((result["elo_lower"], result["elo_upper"]))
    assert tiny["n_battles"] == result["n_battles"] and ratings["gpt-4-0314"]["rating"] == pytest.approx(1000)


def test_the_lm_eval_command_line_runs_the_task(tmp_path, arena_env, tiny_model_path):
    from wizardarena.tasks import include_path

    command = [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args", f"pretrained={tiny_model_path}",
               "--device", "cpu", "--include_path", include_path(), "--tasks", "wizardarena", "--limit", "2",
               "--apply_chat_template", "--gen_kwargs", "max_gen_toks=8", "--metadata", json.dumps(arena_env),
               "--output_path", str(tmp_path / "out"), "--log_samples"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    [results_file] = Path(tmp_path / "out").rglob("results_*.json")
    results = json.loads(results_file.read_text())["results"]
    for task in ("wizardarena_diverse", "wizardarena_hard", "wizardarena_mix"):
        assert results[task]["elo_lower,none"] <= results[task]["elo,none"] <= results[task]["elo_upper,none"]
        assert results[task]["n_battles,none"] == 2 * 28 * 2
    assert "wizardarena_hard" in done.stdout and "elo" in done.stdout


def test_import_lm_eval_refuses_files_that_are_not_samples(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"doc_id": 0, "resps": [["x"]]}) + "\n")
    result = CliRunner().invoke(cli, ["import-lm-eval", str(bad), "--model", "m"])
    assert result.exit_code == 2 and "not an lm-eval sample" in result.output
    path = CliRunner().invoke(cli, ["lm-eval-path"])
    assert (Path(path.output.strip()) / "wizardarena_hard.yaml").is_file()
