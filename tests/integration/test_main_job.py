"""The README's main job on a few prompts: the shipped 61-model pack (58 besides the overlap judge's three
references), Bradley–Terry with CIs, and the agreement with the 2024-09-04 Chatbot Arena beside the
Arena-Hard judge and length alone; and the similarity judge on the pack's 2024-03 subset."""

import json
import re

import pytest
from click.testing import CliRunner

from wizardarena.cli.main import _register, cli

_register()
JUDGE = "overlap:arena-hard-v0.1#gpt-4-turbo-2024-04-09+claude-3-5-sonnet-20240620+gpt-4o-2024-05-13"


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_main_job_runs_end_to_end_and_reruns_from_the_store(tmp_path):
    out = tmp_path / "out"
    args = ["eval", "--model", "answers:arena-hard-v0.1", "--judge", JUDGE, "--testset", "wizardarena-hard",
            "--limit", "3", "--bootstrap", "20", "--agreement", "lmsys-2024-09-04-hard",
            "--agreement", "lmsys-2024-03-29", "--out", str(out)]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    ratings = _records(out / "ratings.jsonl")
    references = {"gpt-4-turbo-2024-04-09", "claude-3-5-sonnet-20240620", "gpt-4o-2024-05-13"}
    assert len(ratings) == 58 and not references & {r["model"] for r in ratings}
    assert all(r["lower"] <= r["rating"] <= r["upper"] for r in ratings)
    assert first.output.count("sits out") == 3
    agreement = json.loads((out / "agreement.json").read_text())
    assert agreement["reference"] == "lmsys-2024-09-04-hard" and agreement["n_models"] == 58
    hard = agreement["references"]["lmsys-2024-09-04-hard"]
    assert set(hard) == {"this run", "Arena-Hard v0.1 judge", "length alone"}
    # the real LLM judge's published leaderboard against the human arena, over the run's models it lists
    assert hard["Arena-Hard v0.1 judge"]["n_models"] == 54
    assert hard["Arena-Hard v0.1 judge"]["spearman"] == pytest.approx(0.9492, abs=1e-4)
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert re.search(r"model\s+calls\s+this\s+run:\s+0\b", again.output)
    assert _records(out / "ratings.jsonl") == ratings


def test_the_similarity_judge_on_the_2024_03_subset(tmp_path, minilm):
    out = tmp_path / "out"
    args = ["eval", "--model", "answers:arena-hard-v0.1#2024-03", "--judge",
            "similarity:arena-hard-v0.1#gpt-4-1106-preview", "--testset", "wizardarena-hard", "--limit", "3",
            "--bootstrap", "20", "--agreement", "lmsys-2024-03-29", "--out", str(out)]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    ratings = _records(out / "ratings.jsonl")
    assert len(ratings) == 28 and "gpt-4-1106-preview" not in {r["model"] for r in ratings}
    assert len(_records(out / "judgments.jsonl")) == 3 * 28 * 27  # prompts x ordered pairs
    yardsticks = json.loads((out / "agreement.json").read_text())["references"]["lmsys-2024-03-29"]
    assert yardsticks["Arena-Hard v0.1 judge"]["spearman"] == pytest.approx(0.9102, abs=1e-4)
