"""The offline similarity judge: scores from embedding similarity to a reference model's answers."""

import json

import numpy as np
import pytest

from wizardarena.judge import Game, JudgeConfig, SimilarityJudge
from wizardarena.judge.similarity import similarity_score
from wizardarena.refs import ModelRef, resolve_judge

PROMPT = {"id": "p1", "turns": ["first question", "second question"], "category": None, "cluster": None,
          "difficulty": None, "source": "test"}


class Reference:
    """An answers backend stand-in: the reference model's replies to p1."""

    def generate(self, requests, decoding):
        return [["ref one", "ref two"][r.turn] for r in requests]


class TableEmbedder:
    """Fixed unit vectors per text, counting what it is asked to embed."""

    name = "table"
    VECTORS = {"ref one": [1, 0], "ref two": [0, 1], "close": [0.8, 0.6], "far": [0, 1], "half": [0.6, 0.8]}

    def __init__(self):
        self.asked = []

    def embed(self, texts):
        self.asked += list(texts)
        return np.array([self.VECTORS[t] for t in texts], dtype=np.float32)


def test_scores_are_whole_points_of_the_mean_turn_similarity_in_both_orders():
    embedder = TableEmbedder()
    judge = SimilarityJudge("similarity:ref", Reference(), embedder)
    games = [Game(PROMPT, "x", "y", ["close", "half"], ["far", "far"], False),
             Game(PROMPT, "y", "x", ["far", "far"], ["close", "half"], True)]
    first, second = judge.judge(games)
    # x: (0.8 + 0.8) / 2 = 0.8 -> 1 + 9 * 0.8 = 8.2; y: (0 + 1) / 2 = 0.5 -> 5.5
    assert (first["score_a"], first["score_b"]) == pytest.approx((8.2, 5.5)) and first["winner"] == "model_a"
    assert (second["score_a"], second["score_b"]) == pytest.approx((5.5, 8.2)) and second["winner"] == "model_b"
    assert json.loads(first["raw"]) == {"cosine_a": pytest.approx(0.8), "cosine_b": pytest.approx(0.5)}
    assert first["judge"] == "similarity:ref" and all(j["valid"] for j in (first, second))
    assert judge.calls == 2


def test_score_scale_and_the_judge_reference():
    assert [similarity_score(c) for c in (-0.3, 0.0, 0.5, 1.0, 1.2)] == [1.0, 1.0, 5.5, 10.0, 10.0]
    judge = resolve_judge(" similarity:arena-hard-v0.1#gpt-4-0314 ")
    assert judge.kind == "similarity" and judge.reference.spec == "answers:arena-hard-v0.1#gpt-4-0314"
    assert judge.id.startswith("similarity:arena-hard-v0.1#gpt-4-0314|")
    assert resolve_judge("hf:some/model").reference is None


def test_reasoning_traces_are_scored_without_the_trace():
    embedder = TableEmbedder()
    judge = SimilarityJudge("similarity:ref", Reference(), embedder)
    [kept] = judge.judge([Game(PROMPT, "x", "y", ["<think>long plan</think>close", "half"], ["far", "far"], False)])
    assert kept["score_a"] == pytest.approx(8.2) and judge.stripped == 1


def test_with_the_real_embedder_a_paraphrase_beats_an_unrelated_answer(minilm, monkeypatch, tmp_path):
    monkeypatch.setenv("WIZARDARENA_HOME", str(tmp_path))
    reference = "Paris is the capital of France, on the river Seine."
    prompt = {**PROMPT, "turns": ["What is the capital of France?"]}

    class OneReference:
        def generate(self, requests, decoding):
            return [reference for _ in requests]

    judge = resolve_judge("similarity:arena-hard-v0.1#gpt-4-0314", JudgeConfig())
    in_memory = ModelRef("answers", "memory#ref", fingerprint="x", instance=OneReference())
    judge = type(judge)(in_memory, judge.config, "similarity").load()
    judge.embedder = minilm
    [verdict] = judge.judge([Game(prompt, "good", "bad", ["The capital of France is Paris, by the Seine."],
                                  ["Bananas are rich in potassium."], False)])
    assert verdict["score_a"] > verdict["score_b"] + 3
