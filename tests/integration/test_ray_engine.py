"""``--engine ray`` on a local Ray instance: the same store as the local path, and a killed driver resumes."""

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import serve_model
from wizardarena.backends.fake import FakeModel
from wizardarena.cli.main import _register, cli

ray = pytest.importorskip("ray")
_register()

PROMPTS = [
    {"id": "q1", "turns": ["What is 2 + 2?"], "category": "math"},
    {"id": "q2", "turns": ["Name a colour.", "And another one?"], "category": "chat"},
    {"id": "q3", "turns": ["Write a short greeting."], "category": "writing"},
]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def _outputs(out):
    return {name: _records(out / name) for name in ("answers.jsonl", "judgments.jsonl", "ratings.jsonl")}


def test_ray_engine_store_matches_the_local_path(tmp_path, cluster, tiny_model_path):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    outputs = {}
    with serve_model(FakeModel("judge"), model_name="judge") as url:
        for engine in ("local", "ray"):
            out = tmp_path / engine
            args = ["eval", "--model", f"base=hf:{tiny_model_path}", "--model", "fake:b", "--opponents", "fake:c",
                    "--judge", f"openai:judge@{url}", "--judge-mode", "logprob", "--testset", testset, "--out", out,
                    "--max-new-tokens", "8", "--bootstrap", "20", "--engine", engine, "--ray-workers", "2"]
            result = CliRunner().invoke(cli, store_beside_out(args), catch_exceptions=False)
            assert result.exit_code == 0, result.output
            assert ("judged on Ray by 2 workers" in result.output) == (engine == "ray")
            outputs[engine] = _outputs(out)
    assert len(outputs["ray"]["judgments.jsonl"]) == 3 * 3 * 2 and all(j["valid"] for j in
                                                                       outputs["ray"]["judgments.jsonl"])
    assert len(outputs["ray"]["answers.jsonl"]) == 3 * 3
    assert outputs["ray"] == outputs["local"]


def _judgments(store: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM judgments").fetchone()


def test_kill_9_of_the_driver_mid_judging_then_ray_rerun(tmp_path, cluster):
    import sys

    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"question {k}"]}) + "\n" for k in range(20)))
    run_in = {"cwd": tmp_path, "env": {**__import__("os").environ, "PYTHONUNBUFFERED": "1"}}
    with serve_model(FakeModel("judge"), model_name="judge", delay=0.05) as url:
        def command(out, *extra):
            return [sys.executable, "-m", "wizardarena.cli", "eval", *store_beside_out([
                "--model", "fake:a", "--model", "fake:b", "--opponents", "fake:strong", "--judge",
                f"openai:judge@{url}", "--judge-mode", "logprob", "--testset", many, "--out", out,
                "--bootstrap", "30", *extra])]

        subprocess.run(command(tmp_path / "clean"), check=True, capture_output=True, timeout=300, **run_in)
        crashed = tmp_path / "crashed"
        ray_args = ("--engine", "ray", "--ray-address", cluster, "--ray-workers", "2")
        proc = subprocess.Popen(command(crashed, *ray_args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                **run_in)
        store, deadline = crashed / "arena.sqlite", time.monotonic() + 600  # Ray starts slowly on a loaded machine
        seen = 0
        while time.monotonic() < deadline and proc.poll() is None and seen == 0:
            try:
                seen = _judgments(store)[0] if store.exists() else 0
            except Exception:  # noqa: BLE001 (the schema may not exist yet)
                pass
            time.sleep(0.05)
        time.sleep(random.Random(3).uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = _judgments(store)[0]
        done = subprocess.run(command(crashed, *ray_args), capture_output=True, text=True, timeout=300, **run_in)
    assert done.returncode == 0, done.stderr
    expected = 20 * 3 * 2
    assert 0 < killed_at < expected, killed_at  # the kill landed mid-judging
    assert _judgments(store) == (expected, expected)
    assert _records(crashed / "ratings.jsonl") == _records(tmp_path / "clean" / "ratings.jsonl")
    assert _records(crashed / "judgments.jsonl") == _records(tmp_path / "clean" / "judgments.jsonl")


def test_flywheel_battles_on_ray_fill_the_store_the_local_path_reads(tmp_path, cluster, shared_data, tiny_model_path,
                                                                     monkeypatch):
    """The flywheel's battle and evaluation stages through --engine ray; a rerun on the local path then
    finds every answer and judgment already stored (same keys) and reports the same evaluation."""
    pytest.importorskip("trl")
    monkeypatch.setenv("WIZARDARENA_HOME", str(tmp_path / "cache"))
    settings = {"against": ["wizardarena-diverse"], "decontaminate_top_k": 0, "parts": 3, "iterations": 1,
                "eval_limit": 2, "eval_bootstrap": 20, "max_new_tokens": 8, "sft_gaps": [1.0], "dpo_gap": 0.5,
                "engine": "ray", "ray_address": cluster, "ray_workers": 1,
                "training": {"sft": {"batch_size": 2}, "dpo": {"batch_size": 2}, "reward": {"batch_size": 2},
                             "rl": {"batch_size": 2, "num_generations": 2, "max_completion_length": 8}}}
    config = tmp_path / "flywheel.json"
    config.write_text(json.dumps(settings))
    pool = tmp_path / "pool.jsonl"  # 9 prompts of a real pool: parts of 3 keep the test short
    vicuna = (shared_data / "prompts" / "vicuna-bench" / "question.jsonl").read_text()
    pool.write_text("".join(vicuna.splitlines(True)[:9]))
    out = tmp_path / "out"

    def flywheel(*extra):
        result = CliRunner().invoke(cli, [
            "flywheel", "--target", str(tiny_model_path), "--opponents", "fake:strong", "--judge", "fake:judge",
            "--judge-mode", "logprob", "--pool", str(pool),
            "--out", str(out), "--config", str(config), "--max-steps", "1", *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads((out / "flywheel_report.json").read_text())

    on_ray = flywheel()
    stages = on_ray["iterations"][0]["stages"]
    assert on_ray["config"]["engine"] == "ray"
    assert all(s["model_calls"] > 0 and s["games"] == {"valid": s["prompts"] * 2} for s in stages.values())
    local = flywheel("--engine", "local")  # the flag wins over the config file
    assert local["config"]["engine"] == "local"
    assert [s["model_calls"] for s in local["iterations"][0]["stages"].values()] == [0, 0, 0]
    assert local["iterations"][0]["eval"] == on_ray["iterations"][0]["eval"]
