"""Decontamination with the real MiniLM embedder: planted copies and paraphrases of test prompts are
dropped (with the reason and the matching test item), unrelated training prompts are kept."""

import numpy as np
import pytest

from fixtures.construct_data import shared_rows
from wizardarena.construct.decontaminate import DecontaminationConfig, decontaminate, nearest_neighbours
from wizardarena.construct.pool import pool_prompts
from wizardarena.construct.text import prompt_text
from wizardarena.errors import InputError

PARAPHRASES = {"1": "What can I do to get better at managing my time?",
               "2": "Which methods work best for coping with stress?",
               "5": "Could you walk me through the fundamentals of quantum computers?"}


def _prompt(ident, text):
    return {"id": ident, "turns": [text], "category": None, "cluster": None, "difficulty": None, "source": "train"}


@pytest.fixture
def split(shared_data):
    vicuna = pool_prompts(shared_rows(shared_data, "vicuna-bench"), "vicuna", "vicuna")
    by_id = {p["id"]: p for p in vicuna}
    hard = [p for p in pool_prompts(shared_rows(shared_data, "arena-hard-v0.1", 60), "ah", "ah")
            if 450 < len(p["turns"][0]) < 800][:2]
    test = [by_id[k] for k in ("1", "2", "3", "5")] + hard
    unrelated = [by_id[str(k)] for k in [*range(21, 41), *range(51, 61)]]
    planted = [_prompt(f"para-{k}", text) for k, text in PARAPHRASES.items()]
    planted.append(_prompt("exact-3", "  " + by_id["3"]["turns"][0].upper() + "  "))
    for k, item in enumerate(hard):
        text = item["turns"][0]
        planted.append(_prompt(f"near-{k}", text[:100] + "!" + text[101:400] + "?" + text[401:]))
    return unrelated[:15] + planted + unrelated[15:], test


def test_planted_copies_and_paraphrases_are_dropped_unrelated_kept(split, minilm):
    train, test = split
    result = decontaminate(train, test, minilm, DecontaminationConfig(top_k=1))
    reasons = {d["id"]: (d["reason"], d["test_id"]) for d in result.dropped}
    assert reasons == {"para-1": ("neighbour", "1"), "para-2": ("neighbour", "2"), "para-5": ("neighbour", "5"),
                       "exact-3": ("exact", "3"), "near-0": ("near duplicate", test[4]["id"]),
                       "near-1": ("near duplicate", test[5]["id"])}
    assert [p["id"] for p in result.kept] == [p["id"] for p in train if p["id"] not in reasons]
    assert all(d["similarity"] > 0.6 for d in result.dropped)
    assert result.report["dropped_by_reason"] == {"neighbour": 3, "exact": 1, "near duplicate": 2}


def test_the_paper_rule_drops_every_top_k_neighbour_of_every_test_item(split, minilm):
    train, test = split
    result = decontaminate(train, test, minilm, DecontaminationConfig(top_k=5, near_duplicate_threshold=None))
    cosines = minilm.embed([prompt_text(p) for p in test]) @ minilm.embed([prompt_text(p) for p in train]).T
    expected = {train[j]["id"] for row in cosines for j in np.argsort(-row)[:5]}
    assert {d["id"] for d in result.dropped} == expected
    assert len(result.kept) == len(train) - len(expected) > 0


def test_blocked_neighbour_search_matches_the_full_matrix():
    rng = np.random.default_rng(3)
    train = rng.normal(size=(103, 16)).astype(np.float32)
    test = rng.normal(size=(7, 16)).astype(np.float32)
    idx, sims = nearest_neighbours(train, test, top_k=4, block_size=10)
    full = test @ train.T
    assert np.array_equal(idx, np.argsort(-full, axis=1)[:, :4])
    assert np.allclose(sims, np.take_along_axis(full, idx, 1))
    assert nearest_neighbours(train[:2], test, top_k=5)[0].shape == (7, 2)


def test_rules_switch_off_and_bad_setups_fail(split):
    train, test = split
    only_exact = decontaminate(train, test, None, DecontaminationConfig(top_k=0, near_duplicate_threshold=None))
    assert [d["id"] for d in only_exact.dropped] == ["exact-3"]
    with pytest.raises(InputError, match="needs an embedder"):
        decontaminate(train, test, None)
    with pytest.raises(InputError, match="no test items"):
        decontaminate(train, [], None, DecontaminationConfig(top_k=0))
    with pytest.raises(InputError, match="top-k"):
        DecontaminationConfig(top_k=-1)
