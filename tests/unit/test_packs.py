"""Shipped reference pack and test sets: load by name, serve as answers:, match the shared originals."""

import json

import pytest

from wizardarena import testsets
from wizardarena.arena.contestants import contestants
from wizardarena.backends import ChatRequest, Decoding, load_model
from wizardarena.errors import InputError
from wizardarena.packs import load_pack, pack_names, write_pack
from wizardarena.refs import resolve_judge
from wizardarena.testsets import load_testset, to_hf_dataset


def test_the_arena_hard_pack_holds_61_models_on_the_500_prompts_of_its_test_set():
    pack = load_pack("arena-hard-v0.1")
    assert "arena-hard-v0.1" in pack_names() and len(pack.models) == 61
    _, prompts = load_testset(pack.testset)
    ids = {p["id"] for p in prompts}
    assert len(ids) == 500
    assert all(set(pack.answers[m]) <= ids for m in pack.models)
    assert {m: 500 - len(pack.answers[m]) for m in pack.models if len(pack.answers[m]) < 500} == pack.meta["missing"]
    assert set(pack.arena_names) == set(pack.models)


def test_pack_answers_equal_the_published_files(shared_data):
    pack = load_pack("arena-hard-v0.1")
    for model in ("gpt-4-0314", "gemma-2b-it"):
        with open(shared_data / "answers" / "arena-hard-v0.1" / f"{model}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                assert pack.answers[model][row["question_id"]] == [t["content"] for t in row["choices"][0]["turns"]]


def test_answers_spec_serves_a_pack_model_and_names_unknown_ones():
    _, prompts = load_testset("arena-hard-v0.1")
    model = load_model("answers:arena-hard-v0.1#gpt-4-0314")
    reply = model.generate([ChatRequest(prompts[0]["id"], 0, ())], Decoding())
    assert reply == load_pack("arena-hard-v0.1").answers["gpt-4-0314"][prompts[0]["id"]]
    with pytest.raises(InputError, match="did you mean 'gpt-4-0314'"):
        load_model("answers:arena-hard-v0.1#gpt-4-0341")


def test_a_pack_expands_to_its_models_and_the_similarity_reference_sits_out():
    judge = resolve_judge("similarity:arena-hard-v0.1#gpt-4-1106-preview")
    expanded, notes = contestants(("answers:arena-hard-v0.1", "mine=fake:x"), judge)
    names = [c.name for c in expanded]
    assert len(names) == 61 and "gpt-4-1106-preview" not in names and names[-1] == "mine"
    assert notes == ["gpt-4-1106-preview sits out: its answers are the offline judge's reference"]
    with pytest.raises(InputError, match="reference"):
        contestants(("answers:arena-hard-v0.1#gpt-4-1106-preview",), judge)
    with pytest.raises(InputError, match="reference"):  # the same answers under another spelling
        contestants((" answers: arena-hard-v0.1 #gpt-4-1106-preview",), judge)


def test_write_pack_round_trips(tmp_path, monkeypatch):
    answers = {"m1": {"p1": ["a", "b"], "p2": ["c"]}, "m2": {"p1": ["d", "e"]}}
    path = write_pack(tmp_path, "tiny", answers, {"testset": "t"})
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pydict()
    assert sorted(zip(table["model"], table["prompt_id"], table["turns"])) == [
        ("m1", "p1", ["a", "b"]), ("m1", "p2", ["c"]), ("m2", "p1", ["d", "e"])]
    assert json.loads((tmp_path / "tiny.json").read_text())["rows"] == 3
    with pytest.raises(InputError, match="testset"):
        write_pack(tmp_path, "bad", answers, {})


def test_test_sets_load_by_name_and_as_hf_datasets():
    assert "arena-hard-v0.1" in testsets.testset_names()
    name, prompts = load_testset("arena-hard-v0.1")
    assert name == "arena-hard-v0.1" and prompts[0]["source"] == "arena-hard-v0.1"
    dataset = to_hf_dataset("arena-hard-v0.1")
    assert dataset.num_rows == 500 and dataset[0]["turns"] == prompts[0]["turns"]
    with pytest.raises(InputError, match="did you mean 'arena-hard-v0.1'"):
        load_testset("arena-hard-v0.2")
