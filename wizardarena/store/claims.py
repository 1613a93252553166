"""Work claims: leases on keys so that processes sharing one store never do the same work twice.

An owner is ``"{hostname}:{pid}:{token}"``. A claim held by another owner blocks a key until its lease
expires or, when the owner ran on this host, until that process is gone.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Sequence

from wizardarena.store.schema import chunks, marks

# Which finished rows make a key "done" for each kind of work.
DONE_QUERIES = {
    "answer": "SELECT key FROM answers WHERE complete = 1 AND key IN ({})",
    "judgment": "SELECT key FROM judgments WHERE key IN ({})",
}


def make_owner() -> str:
    """A fresh owner name for this process: ``"{hostname}:{pid}:{random token}"``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


def owner_alive(owner: str) -> bool:
    """False only when ``owner`` names a process on this host that no longer exists; any owner we cannot
    check (another host, a foreign name) counts as alive and waits for its lease to expire."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if os.name != "posix" or host != socket.gethostname() or not pid_text.isdigit():
        return True  # on Windows os.kill(pid, 0) would send CTRL_C_EVENT, not probe
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists but belongs to someone else
        return True
    return True


def claim_keys(conn: sqlite3.Connection, keys: Sequence[str], owner: str, lease_s: float,
               kind: str) -> list[str]:
    """Claim ``keys`` for ``owner`` inside the caller's IMMEDIATE transaction; returns the keys now held.

    A key is skipped when its work is done or another owner holds a live claim on it; claims this owner
    already holds are renewed.
    """
    if kind not in DONE_QUERIES:
        raise ValueError(f"kind must be 'answer' or 'judgment', not {kind!r}")
    if not lease_s > 0:
        raise ValueError(f"lease_s must be positive, not {lease_s!r}")
    wanted = list(dict.fromkeys(keys))
    done: set[str] = set()
    holders: dict[str, tuple[str, float]] = {}
    for part in chunks(wanted):
        done.update(row[0] for row in conn.execute(DONE_QUERIES[kind].format(marks(len(part))), part))
        query = f"SELECT key, owner, expires FROM claims WHERE key IN ({marks(len(part))})"
        holders.update((key, (holder, expires)) for key, holder, expires in conn.execute(query, part))
    now = time.time()
    alive: dict[str, bool] = {}
    granted = []
    for key in wanted:
        if key in done:
            continue
        holder, expires = holders.get(key, (owner, 0.0))
        if holder != owner and expires > now:
            if holder not in alive:
                alive[holder] = owner_alive(holder)
            if alive[holder]:
                continue
        granted.append(key)
    conn.executemany("INSERT INTO claims(key, owner, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE"
                     " SET owner = excluded.owner, expires = excluded.expires",
                     [(key, owner, now + lease_s) for key in granted])
    return granted
