"""The flywheel data builders (wizardarena.trainers.battle_data, battle_scores) on constructed battles."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys

import pytest

from wizardarena.errors import InputError
from wizardarena.records import Verdict
from wizardarena.tables import read_rows
from wizardarena.trainers import battle_data, battle_scores
from wizardarena.trainers.battle_data import dpo_rows, reward_rows, sft_rows, to_dataset, write_rows
from wizardarena.trainers.battle_scores import battle_report, counts_by_opponent, passes, score_battles

T = "target"


def game(prompt: str, a: str, b: str, score_a: float | None, score_b: float | None, swapped: bool = False,
         valid: bool = True, judge: str = "judge") -> dict:
    """One judgment record (the DESIGN.md contract)."""
    winner = None
    if valid:
        winner = "tie" if score_a == score_b else "model_a" if score_a > score_b else "model_b"
    return {"prompt_id": prompt, "model_a": a, "model_b": b, "judge": judge, "swapped": swapped,
            "score_a": score_a, "score_b": score_b, "p_a": None, "winner": winner, "valid": valid, "raw": ""}


def both(prompt: str, a: str, b: str, score_a: float, score_b: float) -> list[dict]:
    """The two games of a pair, positions swapped, with the same scores."""
    return [game(prompt, a, b, score_a, score_b), game(prompt, b, a, score_b, score_a, swapped=True)]


def prompts(*ids: str, turns: int = 1) -> dict:
    return {p: {"id": p, "turns": [f"{p} question {k}" for k in range(turns)], "category": None,
                "cluster": None, "difficulty": None, "source": "test"} for p in ids}


def answers(models: list[str], ids: list[str], turns: int = 1) -> dict:
    return {(m, p): [f"{m} on {p} #{k}" for k in range(turns)] for m in models for p in ids}


MODELS = [T, "o1", "o2", "o3"]


def test_scores_are_means_over_both_orders_and_skip_invalid_and_self_games():
    judgments = [game("p", "a", "b", 8, 4), game("p", "b", "a", 6, 7, swapped=True),
                 game("p", "a", "c", 2, 10), game("p", "a", "b", 10, 1, valid=False),
                 game("p", "a", "a", 1, 1)]
    scores = score_battles(judgments)
    p = scores.prompts["p"]
    assert p.pairwise[("a", "b")] == 7.5 and p.pairwise[("b", "a")] == 5.0 and p.gap("a", "b") == 2.5
    assert p.overall == {"a": (8 + 7 + 2) / 3, "b": 5.0, "c": 10.0}
    assert (scores.games, scores.invalid) == (5, 1)
    assert score_battles([Verdict.of(j) for j in judgments]) == scores  # records and verdicts alike


def test_passes_includes_equality_and_never_a_tie():
    assert passes(3.0, 3.0) and passes(3.0 - 1e-12, 3.0) and not passes(2.99, 3.0)
    assert passes(0.5, 0.0) and not passes(0.0, 0.0) and not passes(-1.0, 0.0)


def test_sft_gap_threshold_ties_and_invalid_judgments():
    judgments = (both("p1", T, "o1", 5, 8)          # lost by exactly 3: a row
                 + both("p2", T, "o1", 5, 7.5)      # lost by 2.5: none at K=3, one at K=1
                 + both("p3", T, "o1", 6, 6)        # tie: never
                 + both("p4", T, "o1", 9, 2)        # won
                 + [game("p5", T, "o1", 1, 10, valid=False), *both("p5", T, "o1", 7, 7)])  # invalid ignored
    ids = ["p1", "p2", "p3", "p4", "p5"]
    args = (judgments, answers(MODELS, ids), prompts(*ids), T)
    rows = sft_rows(*args)
    assert [(r["prompt_id"], r["source_model"], r["gap"]) for r in rows] == [("p1", "o1", 3.0)]
    assert rows[0]["messages"] == [{"role": "user", "content": "p1 question 0"},
                                   {"role": "assistant", "content": "o1 on p1 #0"}]
    assert (rows[0]["source_score"], rows[0]["target_score"]) == (8.0, 5.0)
    assert [r["prompt_id"] for r in sft_rows(*args, gap=1.0)] == ["p1", "p2"]
    assert [r["prompt_id"] for r in sft_rows(*args, gap=0.0)] == ["p1", "p2"]  # p3/p5 are ties


def test_sft_several_winners_best_and_all():
    judgments = (both("p", T, "o1", 2, 7) + both("p", T, "o2", 3, 9) + both("p", T, "o3", 1, 9)
                 + both("p", "o2", "o3", 8, 4))  # o2, o3 both get 9 against T; o2 has more per prompt
    args = (judgments, answers(MODELS, ["p"]), prompts("p"), T)
    assert [r["source_model"] for r in sft_rows(*args)] == ["o2"]
    assert [r["source_model"] for r in sft_rows(*args, winners="all")] == ["o2", "o3", "o1"]
    assert [r["source_model"] for r in sft_rows(*args, gap=6, winners="all")] == ["o2", "o3"]
    # equal pairwise and per-prompt scores: the smaller name
    tied = both("p", T, "o2", 1, 9) + both("p", T, "o1", 1, 9)
    assert [r["source_model"] for r in sft_rows(tied, *args[1:])] == ["o1"]


def test_sft_multi_turn_covers_every_turn_with_the_winners_replies():
    rows = sft_rows(both("p", T, "o1", 2, 9), answers(MODELS, ["p"], turns=3), prompts("p", turns=3), T)
    assert [(m["role"], m["content"]) for m in rows[0]["messages"]] == [
        ("user", "p question 0"), ("assistant", "o1 on p #0"), ("user", "p question 1"),
        ("assistant", "o1 on p #1"), ("user", "p question 2"), ("assistant", "o1 on p #2")]


def test_dpo_chosen_rejected_and_threshold():
    judgments = (both("p1", T, "o1", 4, 8) + both("p1", T, "o2", 6, 6) + both("p1", "o1", "o2", 8, 4)
                 + both("p2", T, "o1", 9, 5) + both("p2", T, "o2", 9, 3)    # target is the chosen one
                 + both("p3", T, "o1", 5, 6)                                # gap 1 < 2
                 + both("p4", T, "o1", 6, 6))                               # tie
    ids = ["p1", "p2", "p3", "p4"]
    args = (judgments, answers(MODELS, ids), prompts(*ids), T)
    rows = dpo_rows(*args)
    # p1 per-prompt: o1 = 8, o2 = 5, target = 5 (equal lowest: the target's own reply is rejected)
    assert [(r["prompt_id"], r["source_model"], r["rejected_model"], r["gap"]) for r in rows] == [
        ("p1", "o1", T, 3.0), ("p2", T, "o2", 6.0)]
    assert rows[1]["chosen"] == [{"role": "assistant", "content": "target on p2 #0"}]
    assert rows[1]["rejected"] == [{"role": "assistant", "content": "o2 on p2 #0"}]
    assert rows[1]["prompt"] == [{"role": "user", "content": "p2 question 0"}]
    assert [r["prompt_id"] for r in dpo_rows(*args, gap=1.0)] == ["p1", "p2", "p3"]
    assert [r["prompt_id"] for r in dpo_rows(*args, gap=0.0)] == ["p1", "p2", "p3"]  # p4 is a tie
    assert [r["prompt_id"] for r in dpo_rows(*args, gap=3.0)] == ["p1", "p2"]        # equality passes


def test_dpo_rejected_target_and_lowest():
    judgments = (both("p", T, "o1", 5, 9) + both("p", T, "o2", 7, 2) + both("p", "o1", "o2", 9, 2)
                 + both("q", T, "o1", 9, 2))
    args = (judgments, answers(MODELS, ["p", "q"]), prompts("p", "q"), T)
    lowest = dpo_rows(*args)  # p: o1 = 9, target = 6, o2 = 2
    assert [(r["prompt_id"], r["source_model"], r["rejected_model"]) for r in lowest] == [
        ("p", "o1", "o2"), ("q", T, "o1")]
    target = dpo_rows(*args, rejected="target")  # q: the target is the chosen one, so no pair
    assert [(r["prompt_id"], r["source_model"], r["rejected_model"], r["gap"]) for r in target] == [
        ("p", "o1", T, 3.0)]
    assert dpo_rows(*args, gap=3.5, rejected="target") == []


def test_dpo_multi_turn_prompt_carries_the_chosen_models_earlier_replies():
    rows = dpo_rows(both("p", T, "o1", 2, 9), answers(MODELS, ["p"], turns=2), prompts("p", turns=2), T)
    assert rows[0]["prompt"] == [{"role": "user", "content": "p question 0"},
                                 {"role": "assistant", "content": "o1 on p #0"},
                                 {"role": "user", "content": "p question 1"}]
    assert rows[0]["chosen"] == [{"role": "assistant", "content": "o1 on p #1"}]
    assert rows[0]["rejected"] == [{"role": "assistant", "content": "target on p #1"}]


def test_reward_pairs_margins_and_target_filter():
    judgments = (both("p", T, "o1", 4, 8) + both("p", T, "o2", 6, 6) + both("p", "o1", "o2", 8, 7)
                 + [game("q", "o2", T, 10, 1, valid=False), *both("q", "o2", T, 7, 3)])
    args = (judgments, answers(MODELS, ["p", "q"]), prompts("p", "q"))
    rows = reward_rows(*args)
    assert [(r["prompt_id"], r["source_model"], r["rejected_model"], r["margin"]) for r in rows] == [
        ("p", "o1", "o2", 1.0), ("p", "o1", T, 4.0), ("q", "o2", T, 4.0)]
    assert all(isinstance(r["margin"], float) and r["margin"] == r["gap"] for r in rows)
    assert rows[1]["chosen"] == [{"role": "assistant", "content": "o1 on p #0"}]
    assert [r["margin"] for r in reward_rows(*args, target=T)] == [4.0, 4.0]
    assert [r["margin"] for r in reward_rows(*args, gap=4.0)] == [4.0, 4.0]
    assert len(reward_rows(*args, gap=0.0)) == 3  # the tie is no pair


def test_battle_report_and_counts_per_opponent():
    judgments = (both("p1", T, "o1", 4, 8) + both("p1", T, "o2", 6, 6) + both("p1", "o1", "o2", 8, 7)
                 + both("p2", T, "o1", 9, 2) + [game("p2", T, "o2", None, None, valid=False)]
                 + [game("p3", T, "o1", 3, 7), game("p3", "o1", T, None, None, swapped=True, valid=False)])
    report = battle_report(judgments, T)
    assert (report.games, report.invalid, report.prompts) == (11, 2, 3)
    assert report.to_dict()["opponents"] == {
        "o1": {"games": 5, "invalid": 1, "wins": 1, "losses": 2, "ties": 0},
        "o2": {"games": 2, "invalid": 1, "wins": 0, "losses": 0, "ties": 1}}
    json.dumps(report.to_dict())
    rows = sft_rows(judgments, answers(MODELS, ["p1", "p2", "p3"]), prompts("p1", "p2", "p3"), T, gap=1)
    assert counts_by_opponent(rows) == {"o1": 2}
    assert counts_by_opponent([{"m": "b"}, {"m": "a"}, {"m": "b"}], column="m") == {"a": 1, "b": 2}


def test_bad_inputs_raise_input_errors():
    judgments = both("p", T, "o1", 2, 9)
    with pytest.raises(InputError, match="no answer of 'o1'"):
        sft_rows(judgments, answers([T], ["p"]), prompts("p"), T)
    with pytest.raises(InputError, match="1 replies for 2 user turns"):
        dpo_rows(judgments, answers(MODELS, ["p"]), prompts("p", turns=2), T)
    with pytest.raises(InputError, match="no such prompt"):
        reward_rows(judgments, answers(MODELS, ["p"]), {}, T)
    with pytest.raises(InputError, match="winners"):
        sft_rows(judgments, {}, {}, T, winners="first")
    with pytest.raises(InputError, match="rejected"):
        dpo_rows(judgments, {}, {}, T, rejected="random")
    with pytest.raises(InputError, match="gap"):
        reward_rows(judgments, {}, {}, gap=-1)


def test_rows_round_trip_through_files_and_datasets(tmp_path):
    judgments = both("p", T, "o1", 2, 9) + both("p", T, "o2", 5, 6)
    rows = reward_rows(judgments, answers(MODELS, ["p"], turns=2), prompts("p", turns=2), gap=0.5)
    for name in ("rows.jsonl", "rows.parquet"):
        write_rows(rows, tmp_path / name)
        assert read_rows(tmp_path / name) == rows
    with pytest.raises(InputError, match="nested"):
        write_rows(rows, tmp_path / "rows.csv")
    dataset = to_dataset(rows)
    assert dataset.num_rows == 2 and dataset[0] == rows[0]


def test_import_stays_free_of_torch_trl_and_datasets(tmp_path):
    code = ("import sys, wizardarena.trainers.battle_data; "
            "print(sorted(m for m in ('torch', 'trl', 'transformers', 'datasets') if m in sys.modules))")
    # not the repo root, whose source tree lacks the mapped sub-packages: import the installed package
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout
    assert out.strip() == "[]"


def test_doctests():
    for module in (battle_scores, battle_data):
        assert doctest.testmod(module).failed == 0


def test_rows_are_accepted_by_trl_trainers_unchanged(tiny_model_path, tmp_path):
    """Dataset preparation and one collated batch of TRL's SFT, DPO and Reward trainers (no training)."""
    trl = pytest.importorskip("trl")
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    judgments = (both("p1", T, "o1", 2, 9) + both("p1", T, "o2", 5, 6) + both("p2", T, "o1", 8, 3))
    data = (judgments, answers(MODELS, ["p1", "p2"], turns=2), prompts("p1", "p2", turns=2))
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_path)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_path)
    scorer = AutoModelForSequenceClassification.from_pretrained(tiny_model_path, num_labels=1)
    scorer.config.pad_token_id = tokenizer.pad_token_id
    common = {"output_dir": str(tmp_path), "report_to": [], "bf16": False, "use_cpu": True,
              "activation_checkpointing": False, "per_device_train_batch_size": 2}
    cases = [(trl.SFTTrainer, trl.SFTConfig, model, sft_rows(*data, T, gap=1, winners="all")),
             (trl.DPOTrainer, trl.DPOConfig, model, dpo_rows(*data, T, gap=1)),
             (trl.RewardTrainer, trl.RewardConfig, scorer, reward_rows(*data, gap=2))]
    for trainer_class, config_class, net, rows in cases:
        assert len(rows) == 2 and all(trl.data_utils.is_conversational(row) for row in rows)
        trainer = trainer_class(model=net, args=config_class(**common), train_dataset=to_dataset(rows),
                                processing_class=tokenizer)
        batch = next(iter(trainer.get_train_dataloader()))
        assert batch["input_ids"].shape[0] >= 2
        if trainer_class is trl.RewardTrainer:
            assert sorted(batch["margin"].tolist()) == sorted(r["margin"] for r in rows)  # shuffled
