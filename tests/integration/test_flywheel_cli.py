"""The flywheel end to end on CPU: the tiny local model battles two opponents on parts of a real
instruction pool, goes through SFT -> DPO -> reward model -> GRPO (two steps each), is evaluated, and a
rerun resumes from the store and the finished stages without redoing anything."""

import json

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

pytest.importorskip("trl")
_register()

SETTINGS = {"against": ["wizardarena-diverse"], "decontaminate_top_k": 0, "parts": 9, "iterations": 1,
            "eval_limit": 3, "eval_bootstrap": 20, "max_new_tokens": 16, "sft_gaps": [1.0], "dpo_gap": 0.5,
            "training": {"sft": {"batch_size": 2}, "dpo": {"batch_size": 2}, "reward": {"batch_size": 2},
                         "rl": {"batch_size": 2, "num_generations": 2, "max_completion_length": 8}}}


def _flywheel(shared_data, tiny_model_path, out, config, *extra):
    prompts = shared_data / "prompts"
    return CliRunner().invoke(cli, [
        "flywheel", "--target", str(tiny_model_path), "--opponents", "fake:strong", "--opponents", "fake:weak",
        "--judge", "fake:judge", "--judge-mode", "logprob", "--pool", str(prompts / "mt-bench" / "question.jsonl"),
        "--pool", str(prompts / "vicuna-bench" / "question.jsonl"), "--out", str(out), "--config", str(config),
        "--max-steps", "2", *extra], catch_exceptions=False)


def test_one_full_iteration_then_a_resume_that_redoes_nothing(tmp_path, monkeypatch, shared_data, tiny_model_path):
    monkeypatch.setenv("WIZARDARENA_HOME", str(tmp_path / "cache"))
    config = tmp_path / "flywheel.json"
    config.write_text(json.dumps(SETTINGS))
    out = tmp_path / "out"
    first = _flywheel(shared_data, tiny_model_path, out, config)
    assert first.exit_code == 0, first.output
    report = json.loads((out / "flywheel_report.json").read_text())
    assert report["pool"]["decontamination"]["dropped"] == 13  # MT-Bench / vicuna prompts inside wizardarena-diverse
    stages = report["iterations"][0]["stages"]
    assert [stages[s]["part"] for s in ("sft", "dpo", "ppo")] == [0, 1, 2]
    for stage in ("sft", "dpo", "ppo"):
        assert stages[stage]["rows"] > 0 and (out / "iteration-1" / stage / "model" / "DONE").is_file()
        assert sum(stages[stage]["rows_by_opponent"].values()) == stages[stage]["rows"]
        assert stages[stage]["games"]["valid"] == stages[stage]["prompts"] * 3 * 2  # 3 pairs, 2 orders
    assert (out / "iteration-1" / "ppo" / "reward-model" / "DONE").is_file()
    assert stages["ppo"]["checkpoint"].endswith("iteration-1/ppo/model")
    evaluation = report["iterations"][0]["eval"]
    assert {"target-it0", "target-it1", "strong", "weak"} == set(evaluation)
    assert all(row["lower"] <= row["elo"] <= row["upper"] for row in evaluation.values())
    assert (out / "best_checkpoint.txt").read_text().strip() == report["best"]["checkpoint"]
    assert "Flywheel data per stage" in first.output and "target-it1" in first.output

    again = _flywheel(shared_data, tiny_model_path, out, config)
    assert again.exit_code == 0, again.output
    rerun = json.loads((out / "flywheel_report.json").read_text())
    assert [s["model_calls"] for s in rerun["iterations"][0]["stages"].values()] == [0, 0, 0]
    assert rerun["iterations"][0]["eval"] == evaluation


def test_bad_flywheel_input_is_one_line_and_exit_2(tmp_path, shared_data, tiny_model_path):
    config = tmp_path / "flywheel.json"
    config.write_text(json.dumps({**SETTINGS, "parts": 2}))
    result = _flywheel(shared_data, tiny_model_path, tmp_path / "out", config)
    assert result.exit_code == 2 and "parts >= 3 stages x iterations" in result.output
    config.write_text(json.dumps({**SETTINGS, "stages": ["sft", "ppo", "sft"]}))
    result = _flywheel(shared_data, tiny_model_path, tmp_path / "out", config)
    assert result.exit_code == 2 and "stages must be distinct ones of sft, dpo, ppo" in result.output
    config.write_text(json.dumps({**SETTINGS, "evaluate_every": "epoch"}))
    result = _flywheel(shared_data, tiny_model_path, tmp_path / "out", config)
    assert result.exit_code == 2 and "evaluate_every must be stage or iteration" in result.output
    config.write_text(json.dumps({**SETTINGS, "iterashuns": 2}))
    result = _flywheel(shared_data, tiny_model_path, tmp_path / "out", config)
    assert result.exit_code == 2 and "unknown setting" in result.output
    result = CliRunner().invoke(cli, ["flywheel", "--target", str(tmp_path / "nope"), "--opponents", "fake:a",
                                      "--judge", "fake:j", "--pool", "x.jsonl"])
    assert result.exit_code == 2 and "no such checkpoint folder, .gguf file or shipped model" in result.output


def test_chosen_stages_each_rated_with_a_win_rate_against_a_baseline(tmp_path, monkeypatch, shared_data,
                                                                     tiny_model_path):
    monkeypatch.setenv("WIZARDARENA_HOME", str(tmp_path / "cache"))
    config = tmp_path / "flywheel.json"
    config.write_text(json.dumps({**SETTINGS, "stages": ["sft", "dpo"], "evaluate_every": "stage",
                                  "eval_baseline": "weak", "part_size": 4}))
    result = _flywheel(shared_data, tiny_model_path, tmp_path / "out", config)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "flywheel_report.json").read_text())
    entry = report["iterations"][0]
    assert list(entry["stages"]) == ["sft", "dpo"] and [s["part"] for s in entry["stages"].values()] == [0, 1]
    assert [s["prompts"] for s in entry["stages"].values()] == [4, 4]  # part_size caps each part
    assert report["pool"]["parts"][0] == 4 and len(report["pool"]["parts"]) == 147 // 4  # 160 read, 13 dropped
    assert set(entry["eval"]) == {"target-it0", "it1-after-sft", "it1-after-dpo", "strong", "weak"}
    for row in entry["eval"].values():
        assert row["baseline"] == "weak" and 0 <= row["win_rate_lower"] <= row["win_rate"] <= row["win_rate_upper"] <= 1
    assert entry["eval"]["weak"]["win_rate"] == 0.5  # the baseline against itself
    assert "win rate vs weak" in result.output
