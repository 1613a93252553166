"""Reading pools: every accepted record shape and file kind reduces to Prompt records (user turns only)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fixtures.construct_data import shared_rows, write_jsonl
from wizardarena.construct.pool import pool_inputs, read_pool, read_records
from wizardarena.errors import InputError


def _sharegpt(rows):
    """MT-Bench questions as ShareGPT conversations (a fake assistant reply after every user turn)."""
    return [{"id": f"sg{row['question_id']}",
             "conversations": [m for turn in row["turns"]
                               for m in ({"from": "human", "value": turn}, {"from": "gpt", "value": "Sure."})]}
            for row in rows]


def test_mt_bench_and_arena_hard_files_keep_ids_turns_and_category(shared_data):
    mt = shared_data / "prompts" / "mt-bench" / "question.jsonl"
    prompts = read_pool([f"mt={mt}"]).prompts
    assert len(prompts) == 80 and prompts[0]["id"] == "81" and len(prompts[0]["turns"]) == 2
    assert prompts[0]["category"] == "writing" and {p["source"] for p in prompts} == {"mt"}
    hard = read_pool([shared_data / "prompts" / "arena-hard-v0.1" / "question.jsonl"]).prompts
    first = shared_rows(shared_data, "arena-hard-v0.1", 1)[0]
    assert hard[0]["id"] == first["uid"] and hard[0]["turns"] == [first["prompt"]]
    assert hard[0]["source"] == "question" and hard[0]["cluster"] is None and hard[0]["difficulty"] is None


def test_sharegpt_openai_parquet_and_json_list_keep_only_user_turns(shared_data, tmp_path):
    rows = shared_rows(shared_data, "mt-bench", 6)
    write_jsonl(tmp_path / "sharegpt.jsonl", _sharegpt(rows))
    messages = [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": r["turns"][0]},
                              {"role": "assistant", "content": "OK."},
                              {"role": "user", "content": [{"type": "text", "text": r["turns"][1]}]}]}
                for r in rows]
    (tmp_path / "openai.json").write_text(json.dumps(messages))
    pq.write_table(pa.Table.from_pylist(_sharegpt(rows)), tmp_path / "sharegpt_pq.parquet")
    for name in ("sharegpt.jsonl", "openai.json", "sharegpt_pq.parquet"):
        prompts = read_pool([tmp_path / name]).prompts
        assert [p["turns"] for p in prompts] == [r["turns"] for r in rows], name
        assert all(p["source"] == name.split(".")[0] for p in prompts)
    ids = [p["id"] for p in read_pool([tmp_path / "openai.json"]).prompts]
    assert ids == [str(k) for k in range(6)]  # no id in the record: its position in the file


def test_a_saved_datasets_folder_reads_every_split(shared_data, tmp_path):
    datasets = pytest.importorskip("datasets")
    rows = _sharegpt(shared_rows(shared_data, "mt-bench", 5))
    saved = tmp_path / "saved"
    datasets.DatasetDict({"train": datasets.Dataset.from_list(rows[:3]),
                          "test": datasets.Dataset.from_list(rows[3:])}).save_to_disk(str(saved))
    prompts = read_pool([saved]).prompts
    assert [p["id"] for p in prompts] == [r["id"] for r in rows] and prompts[0]["source"] == "saved"
    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="not a dataset saved with save_to_disk"):
        read_records(tmp_path / "plain")


def test_pooling_prefixes_only_shared_ids_and_labels_colliding_stems_by_folder(shared_data):
    paths = [shared_data / "prompts" / name / "question.jsonl" for name in ("mt-bench", "vicuna-bench")]
    assert [i.label for i in pool_inputs(paths)] == ["mt-bench", "vicuna-bench"]
    pool = read_pool(paths)
    ids = [p["id"] for p in pool.prompts]
    assert len(ids) == len(set(ids)) == 160 and ids[0] == "81" and ids[-1] == "80"  # no id is shared
    assert pool.skipped == {"mt-bench": 0, "vicuna-bench": 0}
    twice = [p["id"] for p in read_pool([f"first={paths[1]}", f"second={paths[1]}"]).prompts]
    assert twice[0] == "first/1" and twice[80] == "second/1" and len(set(twice)) == 160
    with pytest.raises(InputError, match="share the label"):
        pool_inputs([f"x={paths[0]}", f"x={paths[1]}"])


def test_conversations_without_user_text_are_skipped_and_repeated_ids_made_unique(tmp_path):
    rows = [{"id": "a", "conversations": [{"from": "human", "value": "Explain recursion to a child."}]},
            {"id": "b", "conversations": [{"from": "gpt", "value": "Hello!"}]},
            {"id": "a", "messages": [{"role": "user", "content": "  "},
                                     {"role": "user", "content": "Why is the sky blue?"}]}]
    pool = read_pool([write_jsonl(tmp_path / "chats.jsonl", rows)])
    assert [p["id"] for p in pool.prompts] == ["a", "a~2"] and pool.skipped == {"chats": 1}
    assert pool.prompts[1]["turns"] == ["Why is the sky blue?"]


@pytest.mark.parametrize("content, message", [
    ({"text": "no known field"}, "no conversation found"),
    ({"id": "x", "turns": []}, "non-empty list"),
])
def test_unreadable_records_are_one_line_input_errors(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_pool([write_jsonl(tmp_path / "bad.jsonl", [content])])
    with pytest.raises(InputError, match="no such file"):
        read_pool([tmp_path / "missing.jsonl"])
