"""ArenaStore across real OS processes: two workers sharing one store split the work without overlap,
and a writer killed with SIGKILL at a random moment leaves a sound store that a rerun completes."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wizardarena
from wizardarena.refs.keys import content_key
from wizardarena.store import ArenaStore
from wizardarena.store.validate import check_judgment

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs POSIX processes and SIGKILL")

# A worker walks the work list in batches: claims a batch, "judges" each key it got (the record is a
# function of the key alone), writes it, logs the key to its own file, releases the batch; it passes over
# the list again until every key is done.
WORKER = r"""
import sys, time
from pathlib import Path
from wizardarena.refs.keys import content_key
from wizardarena.store import ArenaStore, make_owner

store_path, log_path, start_path, n_keys, batch, work_s = sys.argv[1:7]
n_keys, batch, work_s = int(n_keys), int(batch), float(work_s)
keys = [content_key("prompt", i) for i in range(n_keys)]
index = {key: i for i, key in enumerate(keys)}
store, owner = ArenaStore(store_path), make_owner()
print("ready", flush=True)
while start_path != "-" and not Path(start_path).exists():
    time.sleep(0.001)
with open(log_path, "a") as log:
    while len(store.judgments(keys)) < n_keys:
        for start in range(0, n_keys, batch):
            held = store.claim(keys[start:start + batch], owner, lease_s=600, kind="judgment")
            for key in held:
                time.sleep(work_s)
                i = index[key]
                store.put_judgment(key, {
                    "prompt_id": f"p{i:05d}", "model_a": "m-a", "model_b": "m-b", "judge": "j",
                    "swapped": i % 2 == 1, "score_a": float(i % 10), "score_b": 5.0, "p_a": None,
                    "winner": "model_a" if i % 10 > 5 else "model_b", "valid": True, "raw": "x" * (i % 50)})
                log.write(key + "\n")
                log.flush()
            store.release(held, owner)
        time.sleep(0.005)  # what is left is held by someone else: wait for it to finish or die
store.close()
"""


def worker_command(store_path, log_path, start_path, n_keys, batch, work_s):
    return [sys.executable, "-c", WORKER, str(store_path), str(log_path), str(start_path), str(n_keys),
            str(batch), str(work_s)]


def worker_env():
    # The workers import the very wizardarena package under test.
    env = dict(os.environ)
    root = str(Path(wizardarena.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def expected_keys(n_keys):
    return {content_key("prompt", i) for i in range(n_keys)}


def test_two_processes_share_the_work_without_doing_any_key_twice(tmp_path):
    n_keys, store_path, start = 400, tmp_path / "store.sqlite", tmp_path / "go"
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    workers = [subprocess.Popen(worker_command(store_path, log, start, n_keys, 20, 0.005), env=worker_env(),
                                stdout=subprocess.PIPE, text=True) for log in logs]
    for worker in workers:  # both opened (and raced to create) the store before either starts
        assert worker.stdout.readline().strip() == "ready"
    start.touch()
    for worker in workers:
        assert worker.wait(timeout=60) == 0
        worker.stdout.close()
    done = [log.read_text().split() for log in logs]
    assert all(done), "each worker should have done part of the work"
    assert sum(len(keys) for keys in done) == n_keys  # nothing done twice, within or across workers
    assert set(done[0]).isdisjoint(done[1])
    assert set(done[0]) | set(done[1]) == expected_keys(n_keys)
    with ArenaStore(store_path) as store:
        assert store.judgment_count() == n_keys
        assert store._conn().execute("SELECT COUNT(*) FROM claims").fetchone() == (0,)


def test_a_writer_killed_at_random_moments_leaves_a_sound_store(tmp_path):
    n_keys, store_path = 5000, tmp_path / "store.sqlite"
    rng = random.Random(20240710)
    command = worker_command(store_path, tmp_path / "worker.log", "-", n_keys, 50, 0)
    counts = []
    for _ in range(5):
        writer = subprocess.Popen(command, env=worker_env(), stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.005, 0.04))
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL, "the writer finished before it could be killed"
        writer.stdout.close()
        counts.append(check_sound(store_path, n_keys))
    assert counts == sorted(counts) and counts[-1] < n_keys
    # The rerun takes over the dead writer's claims (its pid is gone) and finishes the rest.
    assert subprocess.run(command, env=worker_env(), capture_output=True, timeout=120).returncode == 0
    assert check_sound(store_path, n_keys) == n_keys
    worked = (tmp_path / "worker.log").read_text().split()
    assert len(worked) == len(set(worked))  # no key was judged twice across the kills and the rerun


def check_sound(store_path, n_keys):
    """Integrity check, then every stored judgment is a whole, valid record under its own key; returns
    how many there are."""
    conn = sqlite3.connect(store_path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    with ArenaStore(store_path) as store:
        judgments = store.all_judgments()
        stored = store.judgments(expected_keys(n_keys))
    assert len(stored) == len(judgments)  # no row under a key outside the work list
    for key, record in stored.items():
        check_judgment(record, key)
        assert content_key("prompt", int(record["prompt_id"][1:])) == key
    assert len({record["prompt_id"] for record in judgments}) == len(judgments)
    return len(judgments)


OPENER = r"""
import sys, time
from pathlib import Path
from wizardarena.store import ArenaStore
while not Path(sys.argv[2]).exists():
    time.sleep(0.001)
ArenaStore(sys.argv[1]).close()
print("opened", flush=True)
"""


def test_many_processes_creating_one_new_store_at_once_all_succeed(tmp_path):
    for attempt in range(4):
        store_path, start = tmp_path / f"new{attempt}.sqlite", tmp_path / f"go{attempt}"
        openers = [subprocess.Popen([sys.executable, "-c", OPENER, str(store_path), str(start)], env=worker_env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
        time.sleep(0.3)  # every interpreter is up and waiting
        start.touch()
        outputs = [opener.communicate(timeout=60) for opener in openers]
        assert all(out.strip() == "opened" for out, _ in outputs), [err for _, err in outputs if err]
        with ArenaStore(store_path) as store:
            assert store.testsets() == []
