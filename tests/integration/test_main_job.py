"""The README's main job on a few prompts: the shipped pack's 2024-03 subset (28 models besides the judge's
reference), the offline similarity judge, Bradley–Terry with CIs and the agreement with the Chatbot Arena
snapshot."""

import json
import re

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

_register()


def test_the_offline_default_runs_end_to_end_and_reruns_from_the_store(tmp_path, monkeypatch, minilm):
    monkeypatch.setenv("WIZARDARENA_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ["eval", "--model", "answers:arena-hard-v0.1#2024-03",
            "--judge", "similarity:arena-hard-v0.1#gpt-4-1106-preview",
            "--testset", "wizardarena-hard", "--limit", "3", "--bootstrap", "20",
            "--agreement", "lmsys-2024-03-29", "--out", str(out)]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    ratings = [json.loads(line) for line in (out / "ratings.jsonl").read_text().splitlines()]
    assert len(ratings) == 28 and "gpt-4-1106-preview" not in {r["model"] for r in ratings}
    assert all(r["lower"] <= r["rating"] <= r["upper"] for r in ratings)
    judgments = [json.loads(line) for line in (out / "judgments.jsonl").read_text().splitlines()]
    assert len(judgments) == 3 * 28 * 27 and all(j["valid"] for j in judgments)  # prompts x ordered pairs
    agreement = json.loads((out / "agreement.json").read_text())
    assert agreement["n_models"] == 28 and -1 <= agreement["spearman"] <= 1
    assert "sits out" in first.output and "lmsys-2024-03-29" in first.output and "length alone" in first.output
    yardsticks = agreement["references"]["lmsys-2024-03-29"]
    assert set(yardsticks) == {"this run", "Arena-Hard v0.1 judge", "length alone"}
    # the real LLM judge's published leaderboard against the human arena, over the same 28 models
    assert yardsticks["Arena-Hard v0.1 judge"]["n_models"] == 28
    assert yardsticks["Arena-Hard v0.1 judge"]["spearman"] == pytest.approx(0.9102, abs=1e-4)
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert re.search(r"model\s+calls\s+this\s+run:\s+0\b", again.output)
    assert [json.loads(line) for line in (out / "ratings.jsonl").read_text().splitlines()] == ratings
