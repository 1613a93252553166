"""The offline overlap judge: scores from word coverage of one or more reference models' answers."""

import json

import pytest

from wizardarena.arena.contestants import contestants
from wizardarena.errors import InputError
from wizardarena.judge import Game
from wizardarena.judge.overlap import OverlapJudge, recall
from wizardarena.refs import resolve_judge

PROMPT = {"id": "p1", "turns": ["first question", "second question"], "category": None, "cluster": None,
          "difficulty": None, "source": "test"}
PACK = "arena-hard-v0.1"


class Reference:
    """An answers backend stand-in: fixed replies to p1, one per turn."""

    def __init__(self, *replies):
        self.replies = replies

    def generate(self, requests, decoding):
        return [self.replies[r.turn] for r in requests]


def test_scores_average_the_coverage_over_turns_and_references_in_both_orders():
    references = [Reference("alpha beta gamma delta", "one two"), Reference("alpha beta", "three four")]
    judge = OverlapJudge("overlap:ref", references)
    games = [Game(PROMPT, "x", "y", ["Alpha, BETA and more", "one"], ["nothing here", "three"], False),
             Game(PROMPT, "y", "x", ["nothing here", "three"], ["Alpha, BETA and more", "one"], True)]
    first, second = judge.judge(games)
    # x: ref 1 (2/4 + 1/2) / 2 = 0.5, ref 2 (2/2 + 0/2) / 2 = 0.5 -> 0.5 -> 5.5
    # y: ref 1 (0 + 0) / 2 = 0, ref 2 (0 + 1/2) / 2 = 0.25 -> 0.125 -> 2.125
    assert (first["score_a"], first["score_b"]) == pytest.approx((5.5, 2.125)) and first["winner"] == "model_a"
    assert (second["score_a"], second["score_b"]) == pytest.approx((2.125, 5.5)) and second["winner"] == "model_b"
    assert json.loads(first["raw"]) == {"recall_a": 0.5, "recall_b": 0.125}
    assert first["judge"] == "overlap:ref" and judge.calls == 2


def test_recall_reads_whole_answers_and_ignores_reasoning_traces():
    reference = " ".join(f"w{i}" for i in range(2000))  # far past any embedder's token limit
    assert recall(reference + " extra", reference) == 1.0 and recall("", "") == 0.0
    judge = OverlapJudge("overlap:ref", [Reference("paris france", "x")])
    [game] = judge.judge([Game(PROMPT, "a", "b", ["<think>paris france</think>no", "x"], ["paris", "x"], False)])
    assert game["winner"] == "model_b" and judge.stripped == 1


def test_an_answer_is_scored_once_but_every_game_counts_its_stripped_turns(monkeypatch):
    import wizardarena.judge.overlap as overlap

    scored = []
    monkeypatch.setattr(overlap, "_coverage", lambda replies, refs, strip: scored.append(replies) or (0.5, 1))
    judge = OverlapJudge("overlap:ref", [Reference("paris", "x")])
    answers = {"a": ["<think>t</think>paris", "x"], "b": ["rome", "x"], "c": ["paris", "x"]}
    games = [Game(PROMPT, m, n, answers[m], answers[n], False) for m, n in (("a", "b"), ("a", "c"), ("c", "b"))]
    judge.judge(games[:2])
    judge.judge(games[2:])  # a later batch reuses what earlier batches scored
    assert sorted(map(tuple, scored)) == sorted(map(tuple, answers.values())) and judge.stripped == 6
    other_prompt = Game({**PROMPT, "id": "p2"}, "a", "b", answers["a"], answers["b"], False)
    judge.judge([other_prompt])  # the same text on another prompt meets other references: scored anew
    assert len(scored) == 5


def test_spec_names_several_pack_references_and_they_all_sit_out():
    judge = resolve_judge(f" overlap:{PACK}#gpt-4-0125-preview+claude-3-opus-20240229 ")
    assert judge.kind == "overlap" and judge.spec == f"overlap:{PACK}#gpt-4-0125-preview+claude-3-opus-20240229"
    assert [r.spec for r in judge.references] == [f"answers:{PACK}#gpt-4-0125-preview",
                                                  f"answers:{PACK}#claude-3-opus-20240229"]
    assert judge.id.startswith(judge.spec + "|")
    other = resolve_judge(f"overlap:{PACK}#gpt-4-0125-preview+gpt-4-0314")
    assert other.id.split("|")[1] != judge.id.split("|")[1]
    models, notes = contestants((f"answers:{PACK}",), judge)
    names = {c.name for c in models}
    assert len(names) == 59 and not names & {"gpt-4-0125-preview", "claude-3-opus-20240229"}
    assert len(notes) == 2
    with pytest.raises(InputError, match="offline judge's reference"):
        contestants((f"answers:{PACK}#claude-3-opus-20240229",), judge)
    loaded = judge.load()
    assert isinstance(loaded, OverlapJudge) and len(loaded.references) == 2
    # a panel: every judge's references sit out, not only the first judge's
    panel, notes = contestants((f"answers:{PACK}",), (judge, other))
    assert len(panel) == 58 and "gpt-4-0314" not in {c.name for c in panel} and len(notes) == 3


@pytest.mark.parametrize("spec, message", [
    (f"overlap:{PACK}", "name the reference answers"),
    (f"overlap:{PACK}#gpt-4-0314+", "name the reference answers"),
    (f"overlap:{PACK}#gpt-4-0314+gpt-4-0314", "named twice"),
    (f"overlap:{PACK}#gpt-4-0314+no-such-model", "no-such-model are unusable"),
])
def test_bad_overlap_specs_are_input_errors(spec, message):
    with pytest.raises(InputError, match=message):
        resolve_judge(spec)
