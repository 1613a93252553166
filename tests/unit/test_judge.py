"""The pairwise judge, verdict parsing, judgments -> battles, judge report, checkpoint selection."""

import json
import math

import numpy as np
import pytest

from wizardarena.arena.battles import battles_from_judgments
from wizardarena.errors import InputError
from wizardarena.judge import Game, JudgeConfig, PairwiseJudge
from wizardarena.judge.parse import prob_first_better, score_distribution
from wizardarena.judge.report import judge_report
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.selection import select_checkpoint
from wizardarena.ratings.table import battles_from_records

PROMPT = {"id": "p1", "turns": ["Plan a trip {to} Rome", "And Naples?"], "category": "travel",
          "cluster": None, "difficulty": None, "source": "test"}


class ScriptedJudge:
    """Replies from a script, one per call; records what it was asked."""

    spec = "scripted:judge"

    def __init__(self, replies, logprobs=None):
        self.replies, self.logprobs, self.requests, self.decodings = list(replies), logprobs, [], []

    def generate(self, requests, decoding):
        self.requests += list(requests)
        self.decodings.append(decoding)
        return [self.replies.pop(0) for _ in requests]

    def first_token_logprobs(self, requests, candidates):
        self.requests += list(requests)
        return [self.logprobs[k % len(self.logprobs)] for k in range(len(requests))]


def _game(swapped=False):
    return Game(PROMPT, "x", "y", ["Go by train.", "Take the ferry."], ["Fly.", "Drive."], swapped)


def test_text_mode_parses_the_last_scores_and_shows_the_whole_conversation():
    judge = ScriptedJudge(["Format: Score A: 1. Reasoning... Score A: 8\nScore B: 5"])
    [record] = PairwiseJudge(judge).judge([_game()])
    assert (record["score_a"], record["score_b"], record["winner"], record["valid"]) == (8.0, 5.0, "model_a", True)
    text = judge.requests[0].messages[0]["content"]
    assert "Plan a trip {to} Rome" in text and "And Naples?" in text
    assert "Go by train." in text and "Take the ferry." in text and "Drive." in text


def test_last_turn_protocol_shows_only_the_final_replies():
    judge = ScriptedJudge(["Score A: 3\nScore B: 3"])
    [record] = PairwiseJudge(judge, JudgeConfig(multi_turn="last")).judge([_game()])
    text = judge.requests[0].messages[0]["content"]
    assert "Take the ferry." in text and "Go by train." not in text
    assert record["winner"] == "tie"


def test_unparseable_replies_are_retried_then_stored_invalid_never_a_tie():
    judge = ScriptedJudge(["I like both.", "Still no scores.", "Nope."])
    [record] = PairwiseJudge(judge, JudgeConfig(max_retries=2)).judge([_game()])
    assert record["valid"] is False and record["winner"] is None and record["score_a"] is None
    assert len(json.loads(record["raw"])["attempts"]) == 3
    assert [d.temperature for d in judge.decodings] == [0.0, 0.7, 0.7]
    assert len({d.seed for d in judge.decodings}) == 3


def test_a_retry_that_parses_is_kept():
    judge = ScriptedJudge(["no verdict", "Score A: 2\nScore B: 9"])
    [record] = PairwiseJudge(judge).judge([_game()])
    assert record["valid"] and record["winner"] == "model_b"


def test_logprob_mode_reads_expected_scores_and_p_a():
    favour_high = {str(k): -abs(9 - k) for k in range(1, 11)}
    favour_low = {str(k): -abs(2 - k) for k in range(1, 11)}
    judge = ScriptedJudge([], logprobs=[favour_high, favour_low])
    [record] = PairwiseJudge(judge, JudgeConfig(mode="logprob")).judge([_game()])
    assert record["score_a"] > 7 > 3 > record["score_b"] and record["p_a"] > 0.9
    assert record["winner"] == "model_a"
    assert "Response A" in judge.requests[0].messages[0]["content"]
    assert "score of Response B" in judge.requests[1].messages[0]["content"]


def test_logprob_mode_without_score_tokens_is_invalid():
    judge = ScriptedJudge([], logprobs=[{"1": -0.1}])
    [record] = PairwiseJudge(judge, JudgeConfig(mode="logprob")).judge([_game()])
    assert not record["valid"]


def test_logprob_mode_needs_a_logprob_backend():
    class TextOnly:
        spec = "text:only"

        def generate(self, requests, decoding):
            return []

    with pytest.raises(InputError, match="log-probabilities"):
        PairwiseJudge(TextOnly(), JudgeConfig(mode="logprob"))


def test_score_distribution_helpers():
    dist = score_distribution({"3": math.log(0.25), "7": math.log(0.75), "x": 0.0})
    assert dist == pytest.approx({3: 0.25, 7: 0.75})
    assert prob_first_better({5: 1.0}, {5: 1.0}) == 0.5
    assert prob_first_better({6: 0.5, 4: 0.5}, {5: 1.0}) == 0.5


def test_custom_template_and_bad_config(tmp_path):
    template = tmp_path / "t.txt"
    template.write_text('Q: {question} H: {history} A: {answer_a} B: {answer_b} Reply as {"a": 1} {0} {}')
    judge = ScriptedJudge(["Score A: 4\nScore B: 6"])
    game = Game(PROMPT, "x", "y", ["Use {answer_b} and {target}"], ["}{"], False)
    PairwiseJudge(judge, JudgeConfig(template=str(template))).judge([game])
    assert judge.requests[0].messages[0]["content"] == (
        'Q: And Naples? H: User (turn 1): Plan a trip {to} Rome A: Use {answer_b} and {target} B: }{'
        ' Reply as {"a": 1} {0} {}')  # braces in the template and in the texts are kept as they are
    (tmp_path / "bad.txt").write_text("no slots")
    with pytest.raises(InputError, match="lacks"):
        PairwiseJudge(judge, JudgeConfig(template=str(tmp_path / "bad.txt")))
    with pytest.raises(InputError):
        JudgeConfig(combine="vote")


def _judgment(prompt, a, b, sa, sb, swapped, valid=True):
    return {"prompt_id": prompt, "model_a": a, "model_b": b, "judge": "j", "swapped": swapped,
            "score_a": sa if valid else None, "score_b": sb if valid else None, "p_a": None,
            "winner": None, "valid": valid, "raw": ""}


def test_combining_the_two_position_swapped_games():
    games = [_judgment("p1", "x", "y", 8, 6, False), _judgment("p1", "y", "x", 9, 7, True),   # disagree
             _judgment("p2", "x", "y", 7, 5, False), _judgment("p2", "y", "x", 4, 6, True),   # agree: x
             _judgment("p3", "x", "y", 5, 5, False, valid=False), _judgment("p3", "y", "x", 2, 8, True)]
    separate = battles_from_judgments(games, "separate")
    assert len(separate) == 5 and {b["winner"] for b in separate} == {"model_a", "model_b"}
    consistent = {b["prompt_id"]: b for b in battles_from_judgments(games, "consistent")}
    assert consistent["p1"]["winner"] == "tie" and consistent["p2"]["winner"] == "model_a"
    assert consistent["p3"]["model_a"] == "x" and consistent["p3"]["winner"] == "model_a"
    average = {b["prompt_id"]: b for b in battles_from_judgments(games, "average")}
    assert average["p1"]["winner"] == "tie"  # x: (8 + 7) / 2 = 7.5, y: (6 + 9) / 2 = 7.5
    assert average["p2"]["winner"] == "model_a"


def test_judge_report_counts_position_bias_and_consistency():
    games = [_judgment("p1", "x", "y", 8, 6, False), _judgment("p1", "y", "x", 9, 7, True),
             _judgment("p2", "x", "y", 7, 5, False), _judgment("p2", "y", "x", 4, 6, True),
             _judgment("p3", "x", "y", 5, 5, False, valid=False)]
    report = judge_report(games)
    assert report.invalid == 1 and report.invalid_by_model == {"x": 1, "y": 1}
    assert report.first_slot_wins == pytest.approx(3 / 4) and report.consistency == pytest.approx(0.5)


def test_checkpoint_selection_names_the_best_and_its_significance():
    rng = np.random.default_rng(0)
    strength = {"ckpt-1": 0.0, "ckpt-2": 1.0, "ckpt-3": 1.0, "ref": 0.2}
    rows = []
    names = list(strength)
    for _ in range(6000):
        a, b = rng.choice(names, 2, replace=False)
        p = 1 / (1 + math.exp(strength[b] - strength[a]))
        rows.append({"model_a": a, "model_b": b, "winner": "model_a" if rng.random() < p else "model_b"})
    result = compute_ratings(battles_from_records(rows), RatingConfig(bootstrap=100))
    selection = select_checkpoint(result, ["ckpt-1", "ckpt-2", "ckpt-3"])
    assert selection.best in {"ckpt-2", "ckpt-3"}
    by_name = {c.other: c for c in selection.comparisons}
    assert by_name["ckpt-1"].separated and by_name["ckpt-1"].p_better > 0.99
    close = by_name[({"ckpt-2", "ckpt-3"} - {selection.best}).pop()]
    assert not close.separated
    assert sum(selection.p_best.values()) == pytest.approx(1.0)
    assert "not significantly better" in selection.summary()


def test_a_judge_that_only_picks_the_first_answer_gives_no_best_checkpoint_and_shows_its_empty_intervals():
    """Every pair wins once in each order: every bootstrap round rates all models equal. P(best) is shared
    (not handed to the first listed), and the table shows its zero-width CIs, not "no bootstrap"."""
    from wizardarena.leaderboard.terminal import rank_note

    rows = [{"model_a": a, "model_b": b, "winner": "model_a", "prompt_id": f"p{k}"}
            for k in range(10) for a, b in (("x", "y"), ("y", "x"), ("x", "z"), ("z", "x"), ("y", "z"), ("z", "y"))]
    result = compute_ratings(battles_from_records(rows), RatingConfig(bootstrap=20, unit="prompt"))
    selection = select_checkpoint(result, ["x", "y", "z"])
    assert all(p == pytest.approx(1 / 3) for p in selection.p_best.values())
    assert selection.summary().startswith("no best checkpoint: x, y, z are rated the same (P(best) = 0.33 each")
    assert "95% CI" in rank_note(result.records()) and "no bootstrap" not in rank_note(result.records())
    assert "95% CI" in rank_note(result.records(with_samples=False), intervals=True)
    point = compute_ratings(battles_from_records(rows), RatingConfig(bootstrap=0))
    assert result.has_intervals and not point.has_intervals


def test_the_ratings_command_shows_zero_width_intervals_it_computed(tmp_path):
    """The same battles through ``wizardarena ratings`` (no --out, so its records carry no samples)."""
    from click.testing import CliRunner

    from wizardarena.cli.main import _register, cli

    _register()
    battles = tmp_path / "b.jsonl"
    rows = [{"model_a": a, "model_b": b, "winner": "model_a", "prompt_id": f"p{k}"}
            for k in range(10) for a, b in (("x", "y"), ("y", "x"))]
    battles.write_text("".join(json.dumps(row) + "\n" for row in rows))
    shown = CliRunner().invoke(cli, ["ratings", str(battles), "--bootstrap", "20", "--unit", "prompt"])
    assert shown.exit_code == 0, shown.output
    assert "95% CI" in shown.output and "+0.0 / -0.0" in shown.output and "no bootstrap" not in shown.output
