"""The judge protocols: reading Arena-Hard's five-level verdicts, AlpacaEval's label preference, and what a
protocol changes in the judge id, the template, the call count and the battles."""

import doctest
import json
import math

import pytest

import wizardarena.judge.protocols as protocols
from wizardarena.arena.battles import battles_from_judgments
from wizardarena.backends.fake import FakeModel
from wizardarena.errors import InputError
from wizardarena.judge import JudgeConfig, PairwiseJudge
from wizardarena.judge.base import Game
from wizardarena.judge.protocols import five_level_label, label_preference, parse_five_level
from wizardarena.refs import resolve_judge

LONG_REPLY = """My own answer: the capital of Australia is Canberra, not Sydney.

Assistant A says Sydney, which is wrong. Assistant B says Canberra and adds a sentence of context.

Comparing both with my answer, B is correct and helpful; A is factually wrong.

The verdict format is [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]].

My final verdict is: **[[B>>A]]**"""


@pytest.mark.parametrize("text, label", [
    ("[[A>>B]]", "A>>B"),
    ("My final verdict is: [[B>A]]", "B>A"),
    ("Tie, relatively the same: [[A=B]]", "A=B"),
    ("Final verdict: [[ A > B ]]", "A>B"),
    ("verdict: [[B ≫ A]]", "B>>A"),
    ("**Final verdict: [[A≫B]]**", "A>>B"),
    ("[[b>a]]", "B>A"),
    ("[[A<B]]", "B>A"),
    ("[[B<<A]]", "A>>B"),
    ("[[A==B]]", "A=B"),
    ("Assistant A is significantly better: [[A>>B]]\n\nThe other verdicts were [[A>B]] in my draft, "
     "but my final verdict is [[A>>B]].", "A>>B"),
    (LONG_REPLY, "B>>A"),
])
def test_five_level_verdicts_are_read_tolerantly_and_the_last_one_wins(text, label):
    assert parse_five_level(text) == label


@pytest.mark.parametrize("text", ["", "A is better than B.", "[A>B]", "[[A>C]]", "[[A]]", "Score A: 7\nScore B: 3",
                                  "[[A>>>B]]", "[[A>B"])
def test_anything_else_is_unparseable(text):
    assert parse_five_level(text) is None


def test_the_cli_offers_every_protocol():
    from wizardarena.cli.protocol_options import PROTOCOLS

    assert PROTOCOLS == protocols.PROTOCOLS


def test_doctests_of_the_protocols_module_pass():
    assert doctest.testmod(protocols).failed == 0


def test_five_level_scores_give_the_right_winner_and_round_trip():
    for label, (a, b) in protocols.FIVE_LEVELS.items():
        assert five_level_label(a, b) == label
        winner = "tie" if a == b else "model_a" if a > b else "model_b"
        assert ("A>" in label or "B<" in label) == (winner == "model_a")
        assert (abs(a - b) >= protocols.STRONG_GAP) == (">>" in label)


def test_label_preference_is_the_normalised_probability_of_a():
    assert label_preference({"A": math.log(0.3), "B": math.log(0.1)}) == pytest.approx(0.75)
    assert label_preference({"A": -0.1}) is None and label_preference({"A": -1.0, "B": -math.inf}) is None


def test_a_paper_judge_keeps_its_id_and_the_three_protocols_give_three():
    # Values of main at 9695bd7, before protocols: stored judgments stay where they are.
    assert resolve_judge("fake:judge").id == "fake:judge|31791e294d0a"
    assert resolve_judge("fake:judge", JudgeConfig(mode="logprob")).id == "fake:judge|a9593557067e"
    ids = {resolve_judge("fake:judge", JudgeConfig(protocol=p)).id for p in protocols.PROTOCOLS}
    assert len(ids) == 3
    # the strong weight is a battle rule: never part of the id
    assert resolve_judge("fake:judge", JudgeConfig(protocol="arena-hard", strong_weight=1)).id == \
        resolve_judge("fake:judge", JudgeConfig(protocol="arena-hard")).id
    # alpaca-eval reads label logprobs whatever the mode says: one id
    assert resolve_judge("fake:judge", JudgeConfig(protocol="alpaca-eval", mode="logprob")).id == \
        resolve_judge("fake:judge", JudgeConfig(protocol="alpaca-eval")).id


def test_protocol_options_are_checked(tmp_path):
    with pytest.raises(InputError, match="judge protocol"):
        JudgeConfig(protocol="mt-bench")
    with pytest.raises(InputError, match="arena-hard protocol reads a written verdict"):
        JudgeConfig(protocol="arena-hard", mode="logprob")
    with pytest.raises(InputError, match="strong weight"):
        JudgeConfig(strong_weight=0)
    template = tmp_path / "t.txt"
    template.write_text("{question} {answer_a} {answer_b}")
    with pytest.raises(InputError, match="lacks {history}"):
        JudgeConfig(protocol="arena-hard", template=str(template)).template_text()
    template.write_text("{history} {question} {answer_a} {answer_b}")  # no {target}: fine beyond paper logprob
    assert JudgeConfig(protocol="alpaca-eval", template=str(template)).template_text()


def test_each_protocol_has_its_template_and_call_count():
    paper, hard, alpaca = (JudgeConfig(protocol=p) for p in protocols.PROTOCOLS)
    assert "Score A: <number>" in paper.template_text()
    assert "your own answer" in hard.template_text() and "[[B>>A]]" in hard.template_text()
    assert "one letter only: A or B" in alpaca.template_text()
    assert [c.calls_per_game() for c in (paper, hard, alpaca)] == [1, 1, 1]
    assert JudgeConfig(mode="logprob").calls_per_game() == 2
    assert JudgeConfig(protocol="alpaca-eval", mode="logprob").calls_per_game() == 1
    assert (paper.strong_repeats, hard.strong_repeats, alpaca.strong_repeats) == (1, 3, 1)


class _Verdicts:
    """A text judge replying with scripted verdicts, in order."""

    spec = "scripted"

    def __init__(self, replies):
        self.replies = list(replies)

    def generate(self, requests, decoding):
        return [self.replies.pop(0) for _ in requests]


def _game(swapped=False):
    prompt = {"id": "p1", "turns": ["Capital of Australia?"], "category": None, "cluster": None,
              "difficulty": None, "source": "t"}
    return Game(prompt, "m", "base", ["Sydney"], ["Canberra"], swapped)


def test_the_arena_hard_judge_retries_garbage_and_stores_the_label():
    judge = PairwiseJudge(_Verdicts(["I cannot decide.", LONG_REPLY]), JudgeConfig(protocol="arena-hard"))
    [judgment] = judge.judge([_game()])
    assert judgment["valid"] and judgment["verdict"] == "B>>A" and judgment["winner"] == "model_b"
    assert (judgment["score_a"], judgment["score_b"]) == (0.0, 2.0) and judgment["attempts"] == 2
    assert "I cannot decide." in judgment["raw"] and judge.calls == 2
    judge = PairwiseJudge(_Verdicts(["no verdict"] * 3), JudgeConfig(protocol="arena-hard"))
    assert not judge.judge([_game()])[0]["valid"]


def test_the_alpaca_eval_judge_asks_once_and_stores_p_a():
    judge = PairwiseJudge(FakeModel("judge"), JudgeConfig(protocol="alpaca-eval"))
    [judgment] = judge.judge([_game()])
    assert judge.calls == 1 and 0 < judgment["p_a"] < 1
    assert judgment["score_a"] == judgment["p_a"] and judgment["score_b"] == pytest.approx(1 - judgment["p_a"])
    assert judgment["winner"] == ("model_a" if judgment["p_a"] > 0.5 else "model_b")
    with pytest.raises(InputError, match="alpaca-eval protocol"):
        PairwiseJudge(_Verdicts([]), JudgeConfig(protocol="alpaca-eval"))


def _judgment(prompt, a, b, label, swapped=False):
    score_a, score_b = protocols.FIVE_LEVELS[label]
    return {"prompt_id": prompt, "model_a": a, "model_b": b, "judge": "j", "swapped": swapped,
            "score_a": score_a, "score_b": score_b, "p_a": None, "winner": None, "valid": True, "raw": label}


def test_strong_verdicts_repeat_as_battles_in_every_combine_rule():
    games = [_judgment("p1", "m", "base", "A>>B"), _judgment("p1", "base", "m", "B>>A", True),
             _judgment("p2", "m", "base", "A>B"), _judgment("p2", "base", "m", "B>>A", True)]
    separate = battles_from_judgments(games, strong_weight=3)
    assert len(separate) == 3 + 3 + 1 + 3 and all(b["winner"] == ("model_a" if b["model_a"] == "m" else "model_b")
                                                  for b in separate)
    assert len(battles_from_judgments(games)) == 4  # weight 1: one battle per game, as for a paper judge
    average = battles_from_judgments(games, "average", strong_weight=3)
    assert len(average) == 3 + 1  # p1: mean gap 2 (strong); p2: mean gap 1.5
    assert len(battles_from_judgments(games, "consistent", strong_weight=3)) == 3 + 1


def test_rejudge_invalid_rereads_each_protocol_with_the_judges_own_reader():
    """--rejudge-invalid re-reads stored replies with the very function the judge reads them with: an
    arena-hard reply gets its five-level label, an alpaca-eval one its p_a, unreadable stays None."""
    from wizardarena.arena.reread import reread

    stored = {"prompt_id": "p", "model_a": "x", "model_b": "y", "judge": "j", "swapped": False, "score_a": None,
              "score_b": None, "p_a": None, "winner": None, "valid": False}
    hard = reread({**stored, "raw": "My own answer... My final verdict is: **[[B>>A]]**"},
                  JudgeConfig(protocol="arena-hard"))
    assert (hard["valid"], hard["verdict"], hard["winner"], hard["reread"]) == (True, "B>>A", "model_b", True)
    alpaca = reread({**stored, "raw": json.dumps({"A": math.log(0.2), "B": math.log(0.6)})},
                    JudgeConfig(protocol="alpaca-eval"))
    assert alpaca["p_a"] == pytest.approx(0.25) and alpaca["winner"] == "model_b" and "verdict" not in alpaca
    assert reread({**stored, "raw": "no verdict here"}, JudgeConfig(protocol="arena-hard")) is None
    assert reread({**stored, "raw": "Score A: 3\nScore B: 9"}, JudgeConfig(protocol="arena-hard")) is None


@pytest.mark.parametrize("spec", ["overlap:arena-hard-v0.1#gpt-4-0314", "similarity:arena-hard-v0.1#gpt-4-0314"])
def test_offline_judges_refuse_an_llm_protocol(spec):
    with pytest.raises(InputError, match="--judge-protocol alpaca-eval is for LLM judges"):
        resolve_judge(spec, JudgeConfig(protocol="alpaca-eval"))
