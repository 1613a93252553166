"""Pre-computed answers in our Answer format and in arena-hard's model_answer format."""

import json

import pytest

from wizardarena.backends import ChatRequest, Decoding, load_model
from wizardarena.errors import InputError


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _ours(model, prompt_id, *turns):
    return {"prompt_id": prompt_id, "model": model, "turns": list(turns), "meta": {}}


def _arena_hard(model, question_id, *turns):
    return {"question_id": question_id, "answer_id": "x", "model_id": model, "tstamp": 0.0,
            "choices": [{"index": 0, "turns": [{"content": t, "token_len": 1} for t in turns]}]}


def _request(prompt_id, turn=0):
    return ChatRequest(prompt_id, turn, ({"role": "user", "content": "ignored"},))


def test_our_format_single_model(tmp_path):
    path = _write_jsonl(tmp_path / "a.jsonl", [_ours("m1", "p1", "one", "two"), _ours("m1", "p2", "three")])
    model = load_model(f"answers:{path}")
    assert model.model_name == "m1" and model.prompt_ids == {"p1", "p2"}
    assert model.spec == f"answers:{path}#m1"
    replies = model.generate([_request("p1", 1), _request("p2"), _request("p1")], Decoding())
    assert replies == ["two", "three", "one"]


def test_several_models_need_a_pick(tmp_path):
    path = _write_jsonl(tmp_path / "all.jsonl", [_ours("gpt-4-0314", "p1", "a"), _ours("llama-2", "p1", "b")])
    with pytest.raises(InputError, match=r"holds 2 models \(gpt-4-0314, llama-2\).*#MODEL"):
        load_model(f"answers:{path}")
    assert load_model(f"answers:{path}#llama-2").generate([_request("p1")], Decoding()) == ["b"]
    with pytest.raises(InputError, match="no answers for model 'gpt4-0314'; did you mean 'gpt-4-0314'"):
        load_model(f"answers:{path}#gpt4-0314")


def test_arena_hard_folder(tmp_path):
    _write_jsonl(tmp_path / "gpt-x.jsonl", [_arena_hard("gpt-x", "q1", "hello"),
                                            _arena_hard("gpt-x", "q2", "hi")])
    _write_jsonl(tmp_path / "llama-y.jsonl", [_arena_hard("llama-y", "q1", "yo")])
    model = load_model(f"answers:{tmp_path}#llama-y")
    assert model.prompt_ids == {"q1"}
    assert model.generate([_request("q1")], Decoding()) == ["yo"]


def test_missing_answers_are_all_counted_before_raising(tmp_path):
    path = _write_jsonl(tmp_path / "a.jsonl", [_ours("m1", "p1", "one")])
    model = load_model(f"answers:{path}")
    with pytest.raises(InputError, match=r"'m1': 2 of 3 requests .*prompt 'p1', turn 1"):
        model.generate([_request("p1"), _request("p1", 1), _request("zzz")], Decoding())


@pytest.mark.parametrize("line, match", [
    ("{not json", r"a.jsonl:2: invalid JSON"),
    ('{"id": "x"}', r"a.jsonl:2: not an answer record"),
    ('{"prompt_id": "p", "turns": "text"}', "turns must be a list of strings"),
])
def test_bad_records_name_file_and_line(tmp_path, line, match):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(_ours("m", "p0", "ok")) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_model(f"answers:{path}")


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        load_model(f"answers:{tmp_path / 'nope'}")
    with pytest.raises(InputError, match="no answer records"):
        load_model(f"answers:{tmp_path}")


def test_real_arena_hard_answers(shared_data):
    folder = shared_data / "answers" / "arena-hard-v0.1"
    if not (folder / "gpt-4-0314.jsonl").is_file():
        pytest.skip(f"{folder} has no gpt-4-0314.jsonl")
    model = load_model(f"answers:{folder}#gpt-4-0314")
    assert model.model_name == "gpt-4-0314" and len(model.prompt_ids) == 500
    prompt_id = sorted(model.prompt_ids)[0]
    [reply] = model.generate([_request(prompt_id)], Decoding())
    assert isinstance(reply, str) and len(reply) > 20
    single = load_model(f"answers:{folder / 'claude-2.0.jsonl'}")
    assert single.model_name == "claude-2.0" and single.prompt_ids == model.prompt_ids
    with pytest.raises(InputError, match="holds .* models"):
        load_model(f"answers:{folder}")
