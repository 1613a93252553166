"""``wizardarena eval --judge-protocol arena-hard|alpaca-eval`` end to end: the tiny hf model as a contestant,
judges behind the local OpenAI test server (and the tiny model itself as an alpaca-eval logprob judge)."""

import json
import math
from pathlib import Path

from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import ServerStats, serve_model
from wizardarena.cli.main import _register, cli

_register()

PROMPTS = [
    {"id": "q1", "turns": ["What is 2 + 2?"], "category": "math"},
    {"id": "q2", "turns": ["Name a colour.", "And another one?"], "category": "chat"},
    {"id": "q3", "turns": ["Write a short greeting."], "category": "writing"},
]


def _responses(text):
    """The two responses a judge prompt shows (the shipped templates' section headers)."""
    first = text.partition("[Response A]")[2]
    answer_a, _, rest = first.partition("[Response B]")
    return answer_a, rest.partition("Which response is better?")[0]


class VerdictJudge:
    """An Arena-Hard-style judge: writes its own answer, restates the format, then prefers fake:strong's answer
    strongly when it is shown first, plainly when second; without it, a tie."""

    spec = "verdicts"

    def generate(self, requests, decoding):
        replies = []
        for request in requests:
            answer_a, answer_b = _responses(request.messages[-1]["content"])
            verdict = "[[A>>B]]" if "[strong]" in answer_a else "[[B>A]]" if "[strong]" in answer_b else "[[A = B]]"
            replies.append("My answer: 4.\n\nThe format is [[A>>B]] ... [[B>>A]].\n\n"
                           f"Comparing both with mine, my final verdict is: **{verdict}**")
        return replies


class LengthJudge:
    """An AlpacaEval-style logprob judge that prefers the longer response: P(A) = sigmoid(gap / 40 chars)."""

    spec = "length"

    def generate(self, requests, decoding):
        return ["A" for _ in requests]

    def first_token_logprobs(self, requests, candidates):
        out = []
        for request in requests:
            answer_a, answer_b = _responses(request.messages[-1]["content"])
            p_a = 1 / (1 + math.exp(-(len(answer_a) - len(answer_b)) / 40))
            out.append({"A": math.log(p_a), "B": math.log(1 - p_a)})
        return out


def _eval(tmp_path, *args):
    """``eval`` on the three prompts above (written once per test), its store beside ``--out``."""
    prompts = tmp_path / "prompts.jsonl"
    if not prompts.exists():
        prompts.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    return CliRunner().invoke(cli, ["eval", "--testset", str(prompts), *store_beside_out(args)],
                              catch_exceptions=False)


def _records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_arena_hard_protocol_through_an_openai_server(tmp_path, tiny_model_path, one_torch_thread):
    out = tmp_path / "out"
    stats = ServerStats()
    with serve_model(VerdictJudge(), model_name="judge", stats=stats) as url:
        args = ["--model", f"tiny=hf:{tiny_model_path}", "--model", "strong=fake:strong", "--model", "weak=fake:weak",
                "--judge", f"openai:judge@{url}", "--judge-protocol", "arena-hard",
                "--out", out, "--max-new-tokens", "8", "--bootstrap", "10", "--baseline", "weak"]
        first = _eval(tmp_path, *args)
        assert first.exit_code == 0, first.output
        judgments = _records(out / "judgments.jsonl")
        assert len(judgments) == 3 * 3 * 2 and stats.requests == 18  # one call per game
        assert "your own answer" in stats.bodies[0]["messages"][-1]["content"]
        assert stats.bodies[0]["max_tokens"] == 4096  # room for the judge's own answer before its verdict
        for j in judgments:
            strong_side = "A" if j["model_a"] == "strong" else "B" if j["model_b"] == "strong" else None
            assert j["verdict"] == {"A": "A>>B", "B": "B>A", None: "A=B"}[strong_side]
        battles = _records(out / "battles.jsonl")
        # strong's 2 pairs x 3 prompts: 3 battles (strong verdict, weight 3) + 1 (plain); tiny-weak: 6 ties
        assert len(battles) == 2 * 3 * 4 + 6
        assert sum(b["winner"] == "tie" for b in battles) == 6
        assert "vs weak" in first.output
        once = _eval(tmp_path, *args, "--strong-weight", "1")  # a battle rule: the same judge id, no new calls
        assert once.exit_code == 0 and "model calls this run: 0" in once.output
        assert len(_records(out / "battles.jsonl")) == 18 and stats.requests == 18
    board = CliRunner().invoke(cli, ["leaderboard", "render", str(out / "ratings.jsonl"), "--format", "md",
                                     "--out", str(tmp_path / "board.md")])
    assert board.exit_code == 0 and "protocol arena-hard" in (tmp_path / "board.md").read_text()
    # export reads the judge's five-level labels and weighs strong verdicts as eval does (unless told)
    for extra, count in (((), 30), (("--strong-weight", "1"), 18)):
        exported = CliRunner().invoke(cli, ["export", str(out / "arena.sqlite"), "--what", "battles",
                                            "--out", str(tmp_path / "b.jsonl"), *extra])
        assert exported.exit_code == 0, exported.output
        assert len(_records(tmp_path / "b.jsonl")) == count


def test_alpaca_eval_protocol_through_an_openai_server(tmp_path, tiny_model_path, one_torch_thread):
    out = tmp_path / "out"
    stats = ServerStats()
    with serve_model(LengthJudge(), model_name="judge", stats=stats) as url:
        result = _eval(tmp_path, "--model", f"tiny=hf:{tiny_model_path}", "--model", "base=fake:weak", "--judge",
                       f"openai:judge@{url}", "--judge-protocol", "alpaca-eval", "--out", out,
                       "--max-new-tokens", "8", "--bootstrap", "20", "--baseline", "base")
    assert result.exit_code == 0, result.output
    judgments = _records(out / "judgments.jsonl")
    assert len(judgments) == 6 and stats.requests == 6 and all(j["valid"] for j in judgments)
    assert all(stats.bodies[k]["logprobs"] and stats.bodies[k]["max_tokens"] == 1 for k in range(6))
    for j in judgments:
        assert 0 < j["p_a"] < 1 and j["score_a"] == j["p_a"]
        assert j["winner"] == ("model_a" if j["p_a"] > 0.5 else "model_b")
    ratings = {r["model"]: r for r in _records(out / "ratings.jsonl")}
    assert ratings["base"]["lc_win_rate"] == 0.5
    tiny = ratings["tiny"]
    assert tiny["lc_games"] == 6 and tiny["lc_lower"] <= tiny["lc_win_rate"] <= tiny["lc_upper"]
    assert "LC vs base" in result.output and "vs base" in result.output


def test_alpaca_eval_with_the_tiny_model_as_its_logprob_judge(tmp_path, tiny_model_path, one_torch_thread):
    out = tmp_path / "out"
    result = _eval(tmp_path, "--model", f"tiny=hf:{tiny_model_path}", "--model", "other=fake:weak", "--judge",
                   f"hf:{tiny_model_path}", "--judge-protocol", "alpaca-eval", "--judge-mode", "text",
                   "--out", out, "--max-new-tokens", "8", "--bootstrap", "5", "--baseline", "other")
    assert result.exit_code == 0, result.output
    judgments = _records(out / "judgments.jsonl")
    assert len(judgments) == 6 and all(j["valid"] and 0 < j["p_a"] < 1 for j in judgments)
    assert set(json.loads(judgments[0]["raw"])) == {"A", "B"}

