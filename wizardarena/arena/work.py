"""Sharing one store's work between processes: walk the missing keys, claim what nobody holds, come
back for what others held once they are done (or gone)."""

from __future__ import annotations

import time
from typing import Callable, Iterator, Sequence

WAIT_FOR_OTHERS_S = 0.5


def claimed_batches(store, keys: Sequence[str], owner: str, kind: str, chunk: int,
                    done_keys: Callable[[list[str]], set[str]],
                    advance: Callable[[int], None] = lambda n: None) -> Iterator[list[str]]:
    """Yield batches (at most ``chunk`` keys) that ``owner`` has claimed, until every key in ``keys``
    is done, by this process or another.

    Each pass walks the keys once and claims window by window, passing over keys that another live
    owner holds, so two processes split the work instead of waiting on each other. Passed-over keys
    are checked after the pass: those finished elsewhere count through ``advance``; the rest are tried
    again after a short wait (a dead owner's claims are taken over by ``store.claim``). The consumer
    must finish (store) or release each batch before asking for the next."""
    todo = list(keys)
    while todo:
        passed_over: list[str] = []
        for start in range(0, len(todo), chunk):
            window = todo[start:start + chunk]
            mine = store.claim(window, owner, kind=kind)
            if len(mine) < len(window):
                granted = set(mine)
                passed_over += [key for key in window if key not in granted]
            if mine:
                yield mine
        if not passed_over:
            return
        done = done_keys(passed_over)
        advance(len(done))
        todo = [key for key in passed_over if key not in done]
        if todo:
            time.sleep(WAIT_FOR_OTHERS_S)
