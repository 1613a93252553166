"""Work sharing over one store: keys another live owner holds are passed over, then taken up later."""

import os
import socket

from wizardarena.arena import work
from wizardarena.arena.work import claimed_batches
from wizardarena.store import ArenaStore, make_owner


def _store_answers(store, keys):
    store.put_answers([(key, {"prompt_id": key, "model": "m", "turns": ["ok"], "meta": {}}) for key in keys],
                      complete=True)


def test_held_keys_are_passed_over_then_taken_up_once_released(tmp_path, monkeypatch):
    monkeypatch.setattr(work, "WAIT_FOR_OTHERS_S", 0.01)
    keys = [f"k{i}" for i in range(10)]
    other = f"{socket.gethostname()}:{os.getpid()}:other"  # alive: it names this very process
    advanced = []
    with ArenaStore(tmp_path / "s.sqlite") as store:
        assert store.claim(keys[:4], other, kind="answer") == keys[:4]
        _store_answers(store, ["k9"])  # already done by someone before we start
        me = make_owner()
        batches = claimed_batches(store, keys, me, "answer", 4, store.complete_answer_keys, advanced.append)
        first = next(batches)
        assert first == keys[4:8]  # the held window is skipped, not waited on
        _store_answers(store, first)
        assert next(batches) == ["k8"]
        _store_answers(store, ["k8"])
        _store_answers(store, ["k0"])  # the other owner finishes one key and gives up the rest
        store.release(keys[:4], other)
        assert next(batches) == keys[1:4]
        _store_answers(store, keys[1:4])
        assert list(batches) == []
    assert sum(advanced) == 2  # k9 and k0 were finished elsewhere


def test_windows_grow_while_batches_are_quick_and_shrink_after_a_slow_one(tmp_path, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(work, "MAX_WINDOW", 256)
    monkeypatch.setattr(work.time, "monotonic", lambda: clock[0])
    keys = [f"k{i:04d}" for i in range(2000)]
    sizes = []
    with ArenaStore(tmp_path / "s.sqlite") as store:
        for batch in claimed_batches(store, keys, make_owner(), "answer", 4, store.complete_answer_keys):
            sizes.append(len(batch))
            clock[0] += 10.0 if len(sizes) == 6 else 0.01  # the sixth batch is slow, e.g. a model's
            _store_answers(store, batch)
    assert sizes[:8] == [4, 8, 16, 32, 64, 128, 64, 128]
    assert max(sizes) == 256 and sum(sizes) == len(keys)
