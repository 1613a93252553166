"""The 61-model reference pack: named subsets, the 2024-03 subset equal to the first (29-model) pack, and
answer identities unchanged for the models the first pack held."""

import json

import pytest

from wizardarena.arena.contestants import contestants
from wizardarena.backends import load_model
from wizardarena.errors import InputError
from wizardarena.packs import load_pack, pack_selection
from wizardarena.refs import resolve_model

# The 29 models of the first pack, and the answer fingerprints `answers:arena-hard-v0.1#MODEL` had then
# (read from that pack before it grew): the identity of their answers, keying every stored game.
FIRST_PACK_FINGERPRINTS = {
    "claude-2.0": "d8416cc232b8dbdfe8fe9bf2",
    "claude-2.1": "15dced6990ebc618480b7f5f",
    "claude-3-haiku-20240307": "d9367588b0c130e4e3315e88",
    "claude-3-opus-20240229": "173062f1bb2cf5358fe40d7a",
    "claude-3-sonnet-20240229": "d1a24ccd830d1d8774887eb5",
    "command-r": "ea7928ed51b05abfe99d1ae3",
    "gemini-pro": "5ecf7ac7ea245d91f57fc25b",
    "gemma-2b-it": "559ad34d9e2223bebdfab765",
    "gemma-7b-it": "e14dd28aadbc192eb43706ba",
    "gpt-3.5-turbo-0125": "38185d4518099461d2535606",
    "gpt-3.5-turbo-0314": "a4cc50114ebbab45945533a3",
    "gpt-3.5-turbo-0613": "9a6060f7a0af9079c13fc02a",
    "gpt-3.5-turbo-1106": "1eb78cb295733665c5da14c3",
    "gpt-4-0125-preview": "a42afb2218d94d0d5e3eb130",
    "gpt-4-0314": "cb743a43d74481c4f66c50c1",
    "gpt-4-0613": "7722bd5f9c1a991a5f39a3b9",
    "gpt-4-1106-preview": "5fc17a526c6010f7833cfbb6",
    "llama-2-70b-chat": "a1b79e45be382d1fecfb1669",
    "mistral-7b-instruct": "dd90944b7ff16eeb2d4f2760",
    "mistral-large-2402": "97e4140ade98acc556f99de5",
    "mistral-medium": "31c0f775286032a81f8cf6fc",
    "mistral-next": "557ced914bc5830476d80c85",
    "mixtral-8x7b-instruct-v0.1": "506846a3245bb38b442639ee",
    "qwen1.5-72b-chat": "69ee3fc25f69e409c53dbb65",
    "starling-lm-7b-alpha": "cc07e3d47ee78e8397f067a0",
    "starling-lm-7b-beta": "94d0c4dfd69d5c64bb15b37a",
    "tulu-2-dpo-70b": "c863706abc99b55ead52a2e8",
    "vicuna-33b": "9b5a7a4f2bda5b7e3656f512",
    "yi-34b-chat": "b1708d6e22a0883c8012a387",
}


def test_the_pack_names_its_subsets_and_all_models_by_their_arena_names():
    pack = load_pack("arena-hard-v0.1")
    assert len(pack.models) == 61 and pack.subsets["all"] == pack.models
    assert set(pack.subsets["2024-09"]) == set(pack.models)
    assert set(pack.subsets["2024-03"]) == set(FIRST_PACK_FINGERPRINTS)
    assert pack.meta["missing"] == {"llama-3.1-8b-instruct": 1, "nemotron-4-340b-instruct": 4, "yi-large": 4}
    assert all(pack.arena_names[m] == m for m in pack.models)


def test_the_old_models_keep_their_answer_identities():
    for model, fingerprint in FIRST_PACK_FINGERPRINTS.items():
        assert resolve_model(f"answers:arena-hard-v0.1#{model}").fingerprint == fingerprint, model


def test_answers_pack_subset_and_one_model_expand_as_named():
    every, _ = contestants(("answers:arena-hard-v0.1",))
    old, _ = contestants(("answers:arena-hard-v0.1#2024-03",))
    new, _ = contestants(("answers:arena-hard-v0.1#2024-09",))
    one, _ = contestants(("answers:arena-hard-v0.1#yi-large",))
    assert len(every) == len(new) == 61 and len(old) == 29
    assert {c.name for c in old} == set(FIRST_PACK_FINGERPRINTS)
    assert [c.name for c in one] == ["yi-large"] and one[0].model.target == "arena-hard-v0.1#yi-large"
    assert pack_selection("arena-hard-v0.1#gpt-4-0314") is None and pack_selection("elsewhere") is None
    with pytest.raises(InputError, match="subset of 29 models"):
        load_model("answers:arena-hard-v0.1#2024-03")


def test_the_new_models_answers_equal_the_published_files(shared_data):
    pack = load_pack("arena-hard-v0.1")
    for model in ("gpt-4o-2024-05-13", "yi-large"):
        rows = [json.loads(line) for line in
                (shared_data / "answers" / "arena-hard-v0.1" / f"{model}.jsonl").read_text(encoding="utf-8").split("\n")
                if line.strip()]
        assert {r["question_id"]: [t["content"] for t in r["choices"][0]["turns"]] for r in rows} == pack.answers[model]
