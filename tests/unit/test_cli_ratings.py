"""The ``wizardarena ratings`` and ``simulate`` commands, end to end through click."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

_register()


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def battles(tmp_path):
    out = tmp_path / "battles.jsonl"
    result = _run("simulate", "--from", "lmsys-2024-03-29", "--models", "8", "--battles", "4000",
                  "--prompts", "200", "--seed", "1", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_simulate_then_rate_writes_the_rating_contract(battles, tmp_path):
    out, pairs = tmp_path / "ratings.jsonl", tmp_path / "pairs.csv"
    result = _run("ratings", battles, "--bootstrap", "20", "--unit", "prompt", "--out", out, "--pairwise", pairs)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 8
    assert set(rows[0]) == {"model", "rating", "lower", "upper", "n_battles", "samples"}
    assert all(r["lower"] <= r["rating"] <= r["upper"] and len(r["samples"]) == 20 for r in rows)
    assert [r["rating"] for r in rows] == sorted((r["rating"] for r in rows), reverse=True)
    assert "elo" in result.output and rows[0]["model"] in result.output
    assert pairs.read_text().startswith("model_a,model_b,battles,observed,predicted")


def test_ratings_agree_with_the_truth_they_were_drawn_from(battles, tmp_path):
    out = tmp_path / "ratings.jsonl"
    assert _run("ratings", battles, "--out", out, "--bootstrap", "30").exit_code == 0
    result = _run("agreement", out, "lmsys-2024-03-29", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["spearman"] > 0.9


def test_anchor_and_by_category(tmp_path):
    rows = [{"model_a": a, "model_b": b, "winner": w, "category": c}
            for c in ("code", "math") for a, b, w in
            [("x", "y", "model_a"), ("y", "x", "model_a"), ("x", "z", "model_a"), ("z", "y", "tie"),
             ("y", "z", "model_b"), ("x", "y", "model_a")] * 3]
    path, out = _write(tmp_path / "b.jsonl", rows), tmp_path / "r.jsonl"
    result = _run("ratings", path, "--by", "category", "--anchor", "y=1100", "--bootstrap", "10", "--out", out,
                  "--no-samples")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["category"] for r in records} == {"code", "math"}
    assert all(r["rating"] == r["lower"] == r["upper"] == 1100 for r in records if r["model"] == "y")
    assert all("samples" not in r for r in records)


@pytest.mark.parametrize("args, message", [
    (["missing.jsonl"], "no such file"),
    (["{bad}"], "unknown winner"),
    (["{good}", "--anchor", "nobody=1000"], "unknown model"),
    (["{good}", "--anchor", "x"], "MODEL=ELO"),
    (["{good}", "--unit", "prompt"], "prompt_id"),
    (["{good}", "--style-control"], "conv_metadata"),
    (["{good}", "--out", "ratings.txt"], "unknown file type"),
    (["{good}", "--bootstrap", "-1"], "bootstrap must be between 0 and 100000"),
    (["{good}", "--bootstrap", "100000000"], "bootstrap must be between 0 and 100000"),
    (["{good}", "--by", "category"], "no 'category' column"),
    (["{one}"], "no battles left"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    files = {
        "bad": _write(tmp_path / "bad.jsonl", [{"model_a": "x", "model_b": "y", "winner": "x won"}]),
        "good": _write(tmp_path / "good.jsonl", [{"model_a": "x", "model_b": "y", "winner": w}
                                                 for w in ("model_a", "model_b", "tie")]),
        "one": _write(tmp_path / "one.jsonl", [{"model_a": "x", "model_b": "y", "winner": "tie"}]),
    }
    args = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    ties = ["--ties", "drop"] if str(files["one"]) in args else []
    result = CliRunner().invoke(cli, ["ratings", *args, *ties], catch_exceptions=False)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines() if result.stderr else result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_console_script_and_light_import(tmp_path):
    code = "import sys, wizardarena, wizardarena.ratings, wizardarena.agreement; " \
           "print(sorted(m for m in ('torch', 'transformers', 'trl', 'lm_eval', 'vllm', 'ray') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout == "[]\n"
    done = subprocess.run([sys.executable, "-m", "wizardarena.cli", "--help"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0 and "ratings" in done.stdout and "agreement" in done.stdout


_HELP_CHECK = """
import sys
sys.argv = ["wizardarena", *sys.argv[1:], "--help"]
from wizardarena.cli.main import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = ("numpy", "scipy", "pandas", "pyarrow", "rich", "torch", "transformers", "matplotlib")
print(code, sorted(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [[], ["ratings"], ["agreement"], ["simulate"], ["build-testset"], ["eval"],
                                     ["leaderboard", "render"]])
def test_help_loads_no_numeric_or_rendering_library(tmp_path, command):
    # Start-up time is what these imports cost; asserting on modules keeps the test free of timing.
    done = subprocess.run([sys.executable, "-c", _HELP_CHECK, *command], capture_output=True, text=True,
                          cwd=tmp_path)
    assert "Usage: wizardarena" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr


@pytest.mark.parametrize("options", [["--bootstrap", "10"], ["--ci", "sandwich"]])
def test_rating_a_parquet_file_loads_only_what_rating_needs(tmp_path, options):
    # No scipy at all (its import alone was ~0.4 s of a 2.6 s run at 1M battles), and only the terminal table
    # of the leaderboard package, not the board with its sources.
    battles = tmp_path / "battles.parquet"
    assert _run("simulate", "--from", "lmsys-en-2024-06", "--battles", 300, "--out", battles).exit_code == 0
    code = _HELP_CHECK.replace('"--help"', "").replace(
        '("numpy", "scipy", "pandas", "pyarrow", "rich", "torch", "transformers", "matplotlib")',
        '("pandas", "pyarrow.dataset", "scipy", "torch", "wizardarena.leaderboard.board")')
    done = subprocess.run([sys.executable, "-c", code, "ratings", str(battles), *options],
                          capture_output=True, text=True, cwd=tmp_path)
    assert "Mistral-7B-Instruct-v0.1" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr


def test_style_control_and_pairwise_by_group_from_the_cli(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for k in range(600):
        a, b = rng.choice(["x", "y", "z"], 2, replace=False)
        long_a = bool(rng.random() < 0.5)
        meta = {f"sum_assistant_{s}_tokens": int(rng.integers(50, 900)) for s in "ab"}
        meta.update({f"{key}_{s}": {"n": int(rng.integers(0, 4))} for key in
                     ("header_count", "list_count", "bold_count") for s in "ab"})
        winner = "model_a" if (rng.random() < 0.5) ^ long_a else "model_b"
        rows.append({"model_a": a, "model_b": b, "winner": winner, "prompt_id": f"p{k % 60}",
                     "category": "code" if k % 2 else "chat", "conv_metadata": meta})
    path, pairs = _write(tmp_path / "b.jsonl", rows), tmp_path / "pairs.jsonl"
    result = _run("ratings", path, "--style-control", "--unit", "prompt", "--bootstrap", "10", "--by", "category",
                  "--pairwise", pairs)
    assert result.exit_code == 0, result.output
    assert result.output.count("style coefficients") == 2
    written = [json.loads(line) for line in pairs.read_text().splitlines()]
    assert {r["category"] for r in written} == {"code", "chat"} and len(written) == 12


def test_profile_phases_on_stderr_only_when_asked(tmp_path, monkeypatch):
    rows = [{"model_a": "x", "model_b": "y", "winner": w, "n": 3} for w in ("model_a", "model_b", "tie")]
    path, out = _write(tmp_path / "b.jsonl", rows), tmp_path / "r.jsonl"
    assert "profile:" not in _run("ratings", path, "--bootstrap", "5").output
    monkeypatch.setenv("WIZARDARENA_PROFILE", "1")
    result = CliRunner().invoke(cli, ["ratings", str(path), "--bootstrap", "5", "--out", str(out)])
    phases = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("profile: ")]
    assert phases == ["read", "rate", "show", "write"]
    assert {row["n_battles"] for row in map(json.loads, out.read_text().splitlines())} == {9}
