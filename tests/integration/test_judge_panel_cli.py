"""``wizardarena eval`` with a judge panel of two served judges that disagree on known games, and
``wizardarena judges STORE`` on the store it leaves."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.openai_server import serve_model
from wizardarena.cli.main import _register, cli

_register()

PROMPTS = [{"id": f"q{k}", "turns": [f"Question number {k}?"]} for k in range(3)]


class LengthJudge:
    """Scores the longer response 8 and the shorter 3: it always picks fake:strong over fake:weak."""

    spec = "length-judge"

    def generate(self, requests, decoding):
        """A short explanation and the two score lines."""
        replies = []
        for request in requests:
            text = request.messages[-1]["content"]
            answer_a = text.split("[Response A]\n", 1)[1].split("\n\n[Response B]\n", 1)[0]
            answer_b = text.split("[Response B]\n", 1)[1]
            a, b = (8, 3) if len(answer_a) > len(answer_b) else (3, 8)
            replies.append(f"The longer one is better.\nScore A: {a}\nScore B: {b}")
        return replies


class FirstSlotJudge:
    """Always scores the response shown first higher: pure position bias."""

    spec = "first-slot-judge"

    def generate(self, requests, decoding):
        """``Score A: 9``, ``Score B: 2`` whatever the answers."""
        return ["Response A, obviously.\n**Score A:** 9\n**Score B:** 2" for _ in requests]


def _records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


@pytest.fixture
def served_judges():
    with serve_model(LengthJudge(), model_name="length") as one, \
            serve_model(FirstSlotJudge(), model_name="first") as two:
        yield f"openai:length@{one}", f"openai:first@{two}"


def _eval(tmp_path, judges, *extra):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    args = ["eval", "--model", "fake:strong", "--model", "fake:weak", "--judge", judges[0], "--judge", judges[1],
            "--testset", str(testset), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "arena.sqlite"),
            "--bootstrap", "10", *extra]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_two_served_judges_with_known_disagreement(tmp_path, served_judges):
    """6 games (3 prompts x 2 orders). The length judge picks strong in all 6; the first-slot judge picks
    whichever is shown first: strong in the 3 games it is shown first. Same winner 3/6. As labels, the length
    judge says model_a 3 times and model_b 3 times, the first-slot judge model_a 6 times: p_o = 0.5,
    p_e = 0.5 * 1 + 0.5 * 0 = 0.5, kappa = 0."""
    result = _eval(tmp_path, served_judges)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    judgments = _records(out / "judgments.jsonl")
    by_judge = {}
    for record in judgments:
        by_judge.setdefault(record["judge"].split("|")[0], []).append(record)
    assert {name: len(records) for name, records in by_judge.items()} == {served_judges[0]: 6, served_judges[1]: 6}
    assert all(r["valid"] for r in judgments)
    assert all(r["winner"] == "model_a" for r in by_judge[served_judges[1]])
    battles = _records(out / "battles.jsonl")
    assert len(battles) == 12 and {b["judge"] for b in battles} == {r["judge"] for r in judgments}
    run = json.loads((out / "run.json").read_text())
    assert [p["spec"] for p in run["panel"]] == list(served_judges)
    panel = json.loads((out / "panel.json").read_text())
    (pair,) = panel["pairs"]
    assert (pair["games"], pair["same_winner"], pair["kappa"], pair["spearman"]) == (6, 0.5, 0.0, None)
    assert [j["first_slot_wins"] for j in panel["judges"]] == [0.5, 1.0]
    assert "J1 vs J2: 6 games judged validly by both; same winner 50.0%; Cohen's kappa 0.000" in result.output
    assert "2 judges pooled: 12 judgments" in result.output
    ratings = {r["model"]: r for r in _records(out / "ratings.jsonl")}
    assert ratings["strong"]["n_battles"] == 12 and ratings["strong"]["rating"] > ratings["weak"]["rating"]

    first_ratings = _records(out / "ratings.jsonl")
    again = _eval(tmp_path, served_judges)
    assert again.exit_code == 0 and "model calls this run: 0" in again.output
    assert _records(out / "ratings.jsonl") == first_ratings

    store = str(tmp_path / "arena.sqlite")
    ids = [j["judge"] for j in panel["judges"]]
    listed = CliRunner().invoke(cli, ["judges", store, "--judge", ids[0], "--judge", ids[1], "--testset", "prompts"])
    assert listed.exit_code == 0, listed.output
    panel_lines = [line for line in result.output.splitlines() if line.startswith(("judges compared", "  J"))]
    assert listed.output.splitlines() == panel_lines and len(panel_lines) == 4


def test_per_judge_battles_rate_each_judge_alone(tmp_path, served_judges):
    result = _eval(tmp_path, served_judges, "--panel-battles", "per-judge")
    assert result.exit_code == 0, result.output
    ratings = _records(tmp_path / "out" / "ratings.jsonl")
    assert len(ratings) == 4 and all(r["n_battles"] == 6 for r in ratings)
    by_judge = {r["judge"].split("|")[0]: {} for r in ratings}
    for r in ratings:
        by_judge[r["judge"].split("|")[0]][r["model"]] = r["rating"]
    length, first = (by_judge[spec] for spec in served_judges)
    assert length["strong"] > length["weak"] and first["strong"] == pytest.approx(first["weak"])
    assert result.output.count("WizardArena: prompts") == 2  # one table per judge
    assert json.loads((tmp_path / "out" / "panel.json").read_text())["battles"] == "per-judge"


@pytest.mark.parametrize("args, message", [
    (["judges", "{tmp}/none.sqlite"], "no such store"),
    (["judges", "{tmp}/prompts.jsonl"], "not a WizardArena store"),
    (["judges", "{tmp}/arena.sqlite", "--judge", "openai:nobody@http://127.0.0.1:9/v1"], "no judgments by"),
    (["judges", "{tmp}/arena.sqlite", "--testset", "nope"], "no test set 'nope'"),
])
def test_judges_bad_input_is_one_line_exit_2(tmp_path, served_judges, args, message):
    assert _eval(tmp_path, served_judges).exit_code == 0
    result = CliRunner().invoke(cli, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_a_panel_with_the_adaptive_schedule_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["eval", "--model", "fake:a", "--opponents", "fake:b", "--opponents", "fake:c",
                                      "--judge", "fake:j", "--judge", "fake:k", "--testset", "wizardarena-hard",
                                      "--schedule", "adaptive", "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 2 and "give one --judge" in result.output
    assert not (tmp_path / "s.sqlite").exists()


def test_judges_help_loads_no_numeric_library(tmp_path):
    code = ("import sys; sys.argv = ['wizardarena', 'judges', '--help']\n"
            "from wizardarena.cli.main import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'scipy', 'rich', 'torch') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert "Usage: wizardarena judges" in done.stdout and done.stderr.strip().splitlines()[-1] == "[]"


def test_a_panels_dry_run_counts_and_prices_each_judge(tmp_path):
    """After a run judged by j alone, a dry run with j and k: j has nothing left, k every game."""
    args = ["eval", "--model", "fake:a", "--model", "fake:b", "--testset", "wizardarena-hard", "--limit", "2",
            "--store", str(tmp_path / "s.sqlite"), "--out", str(tmp_path / "out"), "--bootstrap", "5",
            "--judge-mode", "logprob"]
    assert CliRunner().invoke(cli, [*args, "--judge", "fake:j"]).exit_code == 0
    dry = CliRunner().invoke(cli, [*args, "--judge", "fake:j", "--judge", "fake:k", "--dry-run", "--price", "1/1"])
    assert dry.exit_code == 0, dry.output
    assert "judge: 0 of 4 judgments missing (the first of 2 judges" in dry.stdout
    lines = [line.strip() for line in dry.stdout.splitlines() if line.strip().startswith("judge fake:")]
    assert lines[0].startswith("judge fake:j|") and ": 0 calls for 0 games" in lines[0]
    assert lines[1].startswith("judge fake:k|") and ": 8 calls for 4 games" in lines[1]  # logprob: a call per side
