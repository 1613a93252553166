"""Sharing one store's work between processes: walk the missing keys, claim what nobody holds, come
back for what others held once they are done (or gone)."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

WAIT_FOR_OTHERS_S = 0.5
LEASE_S = 30.0  # a claim lives this long unless its owner's heartbeat renews it
HEARTBEAT_S = LEASE_S / 3
NOTICE_EVERY_S = 10.0
QUICK_BATCH_S = 0.25  # a batch finished faster than this doubles the next window: commits would dominate
SLOW_BATCH_S = 5.0  # one slower than this halves it again, down to the run's chunk
MAX_WINDOW = 4096  # windows grow to at most this many keys (or the chunk, if larger): memory stays bounded


def claimed_batches(store, keys: Sequence[str], owner: str, kind: str, chunk: int,
                    done_keys: Callable[[list[str]], set[str]],
                    advance: Callable[[int], None] = lambda n: None,
                    notice: Callable[[str], None] = lambda text: None) -> Iterator[list[str]]:
    """Yield batches that ``owner`` has claimed, until every key in ``keys`` is done, by this process or
    another. Batches start at ``chunk`` keys and double while the consumer finishes each one quickly (up
    to ``MAX_WINDOW`` keys), so fast work is not paced by one commit per few keys.

    Each pass walks the keys once and claims window by window, passing over keys that another live
    owner holds, so two processes split the work instead of waiting on each other. Passed-over keys
    are checked after the pass: those finished elsewhere count through ``advance``; the rest are tried
    again after a short wait (a dead owner's claims are taken over by ``store.claim``). The consumer
    must finish (store) or release each batch before asking for the next. While it waits on others it
    says so through ``notice`` (every ``NOTICE_EVERY_S`` seconds), with how long their leases have left."""
    todo = list(keys)
    said, size = 0.0, chunk
    while todo:
        passed_over: list[str] = []
        start = 0
        while start < len(todo):
            window = todo[start:start + size]
            start += len(window)
            mine = store.claim(window, owner, LEASE_S, kind=kind)
            if len(mine) < len(window):
                granted = set(mine)
                passed_over += [key for key in window if key not in granted]
            if mine:
                began = time.monotonic()
                yield mine
                size = _next_size(size, chunk, time.monotonic() - began)
        if not passed_over:
            return
        done = done_keys(passed_over)
        advance(len(done))
        todo = [key for key in passed_over if key not in done]
        if todo:
            if time.monotonic() - said >= NOTICE_EVERY_S:
                said = time.monotonic()
                left = store.lease_left(todo)
                notice(f"waiting for {len(todo)} {kind}s claimed by another run; its lease ends in {left:.0f} s "
                       "unless it is still working (a crashed run's work is taken over then)")
            time.sleep(WAIT_FOR_OTHERS_S)


def _next_size(size: int, chunk: int, seconds: float) -> int:
    """The next window: larger after a quick batch (an instant judge or stored answers spend their time
    on commits, ~2 per batch), back towards ``chunk`` after a slow one (a model's batch)."""
    if seconds < QUICK_BATCH_S:
        return min(size * 2, max(chunk, MAX_WINDOW))
    if seconds > SLOW_BATCH_S:
        return max(size // 2, chunk)
    return size


@contextmanager
def heartbeat(store, owner: str) -> Iterator[None]:
    """Renew ``owner``'s claims every ``HEARTBEAT_S`` seconds while the block runs, so a claim outlives
    its lease only while its owner is alive: a run that crashed, on any host or in any container, loses
    its claims within ``LEASE_S`` seconds."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                store.renew(owner, LEASE_S)
            except Exception:  # noqa: BLE001 (a busy or closed store: the next beat tries again)
                continue

    thread = threading.Thread(target=beat, daemon=True, name="wizardarena-heartbeat")
    thread.start()
    try:
        yield
    finally:
        stop.set()
