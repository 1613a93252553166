"""ArenaStore: schema, record round trips, upsert rules, claims, export/import, and refusing foreign files."""

import json
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from wizardarena.errors import InputError, WizardArenaError
from wizardarena.refs.keys import content_key
from wizardarena.store import SCHEMA_VERSION, ArenaStore, make_owner


def prompt(ident, *turns, **fields):
    return {"id": ident, "turns": list(turns or ["hello?"]), "category": fields.get("category"),
            "cluster": fields.get("cluster"), "difficulty": fields.get("difficulty"), "source": "unit"}


def answer(prompt_id, model, *turns, **meta):
    return {"prompt_id": prompt_id, "model": model, "turns": list(turns), "meta": meta}


def judgment(prompt_id, model_a="m-a", model_b="m-b", judge="j", swapped=False, **fields):
    record = {"prompt_id": prompt_id, "model_a": model_a, "model_b": model_b, "judge": judge,
              "swapped": swapped, "score_a": 7.0, "score_b": 5.5, "p_a": 0.8, "winner": "model_a",
              "valid": True, "raw": "A: 7, B: 5.5"}
    return {**record, **fields}


def judgment_key(record):
    return content_key(*(record[name] for name in ("prompt_id", "model_a", "model_b", "judge", "swapped")))


def answer_key(record):
    return content_key(record["prompt_id"], record["model"])


@pytest.fixture
def store(tmp_path):
    with ArenaStore(tmp_path / "arena" / "store.sqlite") as opened:
        yield opened


def test_new_store_has_schema_wal_and_version(tmp_path):
    path = tmp_path / "deep" / "er" / "store.sqlite"
    ArenaStore(path).close()
    conn = sqlite3.connect(path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"meta", "prompts", "answers", "judgments", "claims", "runs"} <= tables
    assert {"answers_model", "judgments_judge"} <= indexes
    version = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    with ArenaStore(path) as reopened:  # opening again neither fails nor changes anything
        assert reopened.testsets() == []


NOT_DATABASES = [b"answers,judgments\n1,2\n", b"SQLite format 3\x00" + bytes(range(256)) * 8]


@pytest.mark.parametrize("content", NOT_DATABASES, ids=["csv-text", "sqlite-header-then-garbage"])
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path, content):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(content)
    with pytest.raises(InputError, match="is not a WizardArena store") as caught:
        ArenaStore(path)
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == content


def test_a_foreign_database_or_another_schema_version_is_refused_untouched(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE things(x)")
    conn.commit()
    conn.close()
    other_versions = [tmp_path / "newer.sqlite", tmp_path / "older.sqlite"]
    for path, version in zip(other_versions, (SCHEMA_VERSION + 1, SCHEMA_VERSION - 1)):
        ArenaStore(path).close()
        conn = sqlite3.connect(path)
        conn.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(version),))
        conn.commit()
        conn.close()
    for path in (foreign, *other_versions):
        before = path.read_bytes()
        with pytest.raises(InputError, match="is not a WizardArena store"):
            ArenaStore(path)
        assert path.read_bytes() == before


def test_prompts_round_trip_in_insertion_order(store):
    prompts = [prompt("z9", "first", "second", category="math", cluster=3, difficulty=7), prompt("a1")]
    assert store.put_prompts("mix", prompts) == 2
    assert store.put_prompts("mix", prompts[:1]) == 0  # the same prompt again is a no-op
    store.put_prompts("hard", [prompt("h1")])
    assert store.prompts("mix") == [{**prompts[0], "difficulty": 7.0}, prompts[1]]
    assert store.testsets() == ["hard", "mix"]
    assert store.prompts("absent") == []


def test_a_changed_prompt_is_refused_and_nothing_is_written(store):
    store.put_prompts("mix", [prompt("p1", "original")])
    with pytest.raises(InputError, match="'p1'"):
        store.put_prompts("mix", [prompt("p2"), prompt("p1", "edited")])
    with pytest.raises(InputError, match="'p3' appears twice"):
        store.put_prompts("mix", [prompt("p3", "one"), prompt("p3", "two")])
    assert store.prompts("mix") == [prompt("p1", "original")]
    with pytest.raises(InputError, match="turns"):
        store.put_prompts("mix", [{**prompt("p4"), "turns": []}])


def test_answers_upsert_from_partial_to_complete_and_never_downgrade(store):
    key = answer_key(answer("p1", "m"))
    assert store.put_answer(key, answer("p1", "m", "turn one"), complete=False)
    assert store.answers([key]) == {}
    assert store.partial_answers([key]) == {key: answer("p1", "m", "turn one")}
    full = answer("p1", "m", "turn one", "turn two", tokens=12)
    assert store.put_answer(key, full, complete=True)
    assert store.answers([key, "missing"]) == {key: full}
    assert store.partial_answers([key]) == {}
    assert not store.put_answer(key, answer("p1", "m", "shorter"), complete=False)
    assert not store.put_answer(key, answer("p1", "m", "another"), complete=True)  # first complete wins
    assert store.answers([key]) == {key: full}
    store.put_answer("k2", answer("p2", "other", ""), complete=True)
    assert store.answer_count() == 2 and store.answer_count("m") == 1
    assert store.all_answers("other") == [answer("p2", "other", "")]


def test_judgments_round_trip_first_write_wins_and_order_by_key(store):
    records = [judgment(f"p{i}", judge="j1" if i % 2 else "j2", swapped=bool(i % 3)) for i in range(6)]
    records.append(judgment("bad", valid=False, winner=None, score_a=None, score_b=None, p_a=None, raw="?"))
    records.append({**judgment("extra", p_a=0.25), "latency_s": 1.5})  # keys outside the contract are kept
    for record in records:
        assert store.put_judgment(judgment_key(record), record)
    assert not store.put_judgment(judgment_key(records[0]), {**records[0], "winner": "tie"})
    by_key = sorted((judgment_key(r), r) for r in records)
    assert store.all_judgments() == [r for _, r in by_key]
    assert store.judgments([judgment_key(records[0])]) == {judgment_key(records[0]): records[0]}
    assert store.all_judgments("j1") == [r for _, r in by_key if r["judge"] == "j1"]
    assert [list(r) for r in store.all_judgments()] == [list(r) for _, r in by_key]  # field order too
    assert store.judgment_count() == 8 and store.judgment_count(judge="j1") == 3
    assert store.judgment_count(valid=False) == 1 and store.judgment_count(judge="j2", valid=True) == 3


def test_bad_records_are_refused_before_writing(store):
    with pytest.raises(InputError, match="field 'winner'"):
        store.put_judgment("k", judgment("p", winner="model_c"))
    with pytest.raises(InputError, match="field 'score_a'"):
        store.put_judgment("k", judgment("p", score_a=float("nan")))
    with pytest.raises(InputError, match="missing field 'model'"):
        store.put_answer("k", {"prompt_id": "p", "turns": ["x"], "meta": {}}, complete=True)
    with pytest.raises(InputError, match="field 'meta' must hold only JSON values"):
        store.put_answer("k", answer("p", "m", "x", when=object()), complete=True)
    assert store.judgment_count() == 0 and store.answer_count() == 0


def test_claims_skip_done_keys_and_keep_input_order(store):
    owner, other = make_owner(), make_owner()  # both name this (live) process
    store.put_judgment("done", judgment("p"))
    store.put_answer("partial", answer("p", "m", "x"), complete=False)
    assert store.claim(["c", "done", "a", "c", "b"], owner, kind="judgment") == ["c", "a", "b"]
    assert store.claim(["a", "b", "d"], other, kind="judgment") == ["d"]  # a live owner keeps its keys
    assert store.claim(["a", "b"], owner, kind="judgment") == ["a", "b"]  # renewing one's own claim
    assert store.claim(["partial"], owner, kind="answer") == ["partial"]  # a partial answer is not done
    store.release(["a", "d"], owner)  # "d" is not owner's: it stays with other
    assert store.claim(["a", "d"], other, kind="judgment") == ["a", "d"]
    with pytest.raises(ValueError):
        store.claim(["x"], owner, kind="battle")


def test_expired_claims_and_claims_of_dead_processes_are_stolen(store):
    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid now names no process
    dead, thief = f"{host}:{child.pid}:gone", make_owner()
    assert store.claim(["k1"], dead, kind="judgment") == ["k1"]
    assert store.claim(["k1"], thief, kind="judgment") == ["k1"]
    remote = f"not-{host}:{child.pid}:far"  # another host: it cannot be probed, so only expiry frees it
    assert store.claim(["k2"], remote, kind="judgment") == ["k2"]
    assert store.claim(["k2"], thief, kind="judgment") == []
    assert store.claim(["k3"], remote, lease_s=0.05, kind="judgment") == ["k3"]
    time.sleep(0.1)
    assert store.claim(["k3"], thief, kind="judgment") == ["k3"]


def test_runs_are_recorded(store):
    run_id = store.start_run({"model": ["a", "b"], "seed": 1})
    assert store.runs()[0]["finished"] is None
    store.finish_run(run_id)
    (run,) = store.runs()
    assert run["id"] == run_id and run["args"] == {"model": ["a", "b"], "seed": 1}
    assert run["finished"] >= run["started"]


def test_threads_can_write_through_one_store(store):
    records = [judgment(f"p{i}") for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(lambda r: store.put_judgment(judgment_key(r), r), records))
    assert store.judgment_count() == 40
    store.close()
    with pytest.raises(WizardArenaError, match="closed"):
        store.judgment_count()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet", ".json", ".csv"])
def test_export_import_round_trip(tmp_path, store, suffix):
    judgments = [judgment("p1"), judgment("p1", swapped=True, score_a=3, raw=""),
                 judgment("p2", valid=False, winner=None, score_a=None, score_b=None, p_a=None, raw="huh")]
    answers = [answer("p1", "m-a", "one", "two", tokens=3, nested={"x": [1]}), answer("p2", "m-b", "")]
    for record in judgments:
        store.put_judgment(judgment_key(record), record)
    for record in answers:
        store.put_answer(answer_key(record), record, complete=True)
    store.put_answer("partial", answer("p3", "m-a", "half"), complete=False)
    assert store.export_judgments(tmp_path / f"j{suffix}") == 3
    assert store.export_answers(tmp_path / f"a{suffix}") == 2  # complete answers only
    with ArenaStore(tmp_path / "copy.sqlite") as copy:
        assert copy.import_judgments(tmp_path / f"j{suffix}", judgment_key) == 3
        assert copy.import_answers(tmp_path / f"a{suffix}", answer_key) == 2
        assert copy.all_judgments() == store.all_judgments()
        assert copy.all_answers() == store.all_answers()
        assert copy.import_judgments(tmp_path / f"j{suffix}", judgment_key) == 0  # nothing new


def test_a_bad_import_file_changes_nothing(tmp_path, store):
    good = [judgment(f"p{i}") for i in range(3)]
    rows = [*good[:2], {**good[2], "swapped": "maybe"}]
    path = tmp_path / "judgments.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with pytest.raises(InputError, match=r"record 3: field 'swapped'") as caught:
        store.import_judgments(path, judgment_key)
    assert "\n" not in str(caught.value)
    path.write_text(json.dumps(good[0]) + "\n{not json\n")
    with pytest.raises(InputError, match=":2: not valid JSON"):
        store.import_judgments(path, judgment_key)
    with pytest.raises(InputError, match="no such file"):
        store.import_answers(tmp_path / "absent.jsonl", answer_key)
    assert store.judgment_count() == 0


def test_export_records_writes_any_flat_records(tmp_path, store):
    battles = [{"model_a": "a", "model_b": "b", "winner": "tie"}]
    assert store.export_records(tmp_path / "battles.jsonl", battles) == 1
    assert json.loads((tmp_path / "battles.jsonl").read_text()) == battles[0]


@pytest.mark.parametrize("others", [0, 40])
def test_a_run_reads_only_its_own_judgments_whether_scanned_or_read_by_key(store, others):
    """``judged_keys``/``iter_outcomes``/``judgments`` with keys return exactly the judge's judgments among them: by one
    scan when the judge has few others (0), by key when other runs' work outnumbers them (40)."""
    mine = [judgment(f"p{k}") for k in range(5)]
    theirs = [judgment(f"o{k}") for k in range(others)] + [judgment("p0", judge="other-judge")]
    store.put_judgments([(judgment_key(j), j) for j in mine + theirs])
    wanted = [judgment_key(j) for j in mine[:3]] + ["never-stored"]
    assert store._scan_judge("j", wanted) is (others == 0)
    assert store.judged_keys("j", wanted) == set(wanted[:3])
    found = {key: rest for key, *rest in store.iter_outcomes("j", wanted)}
    assert sorted(found) == sorted(wanted[:3]) and set(map(tuple, found.values())) == {(True, 7.0, 5.5)}
    assert not list(store.iter_outcomes("other-judge", wanted))  # the keys are j's, not the other judge's
    assert store.judgments(wanted, "j") == store.judgments(wanted) and sorted(store.judgments(wanted)) == \
        sorted(wanted[:3])
    assert store.judged_keys("j") == {judgment_key(j) for j in mine + theirs[:others]}


def test_reading_a_few_keys_does_not_scan_the_judges_other_judgments(store):
    many = [judgment(f"o{k}") for k in range(3000)]
    store.put_judgments([(judgment_key(j), j) for j in many])
    wanted = {judgment_key(j) for j in many[:2]}
    steps = []
    store._conn().set_progress_handler(lambda: steps.append(1), 1)  # one call per SQLite VM instruction
    try:
        assert len(list(store.iter_outcomes("j", wanted))) == 2 and store.judged_keys("j", wanted) == wanted
    finally:
        store._conn().set_progress_handler(None, 1)
    assert len(steps) < 1000  # a scan of the 3,000 rows takes tens of thousands
