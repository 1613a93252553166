"""Invalid judgments are not forever: a rerun asks them again, up to a total attempt budget.

An invalid judgment that has had fewer than ``max_attempts`` attempts (over every run) is moved out of
the ``judgments`` table into ``judgment_attempts``, so the judge stage sees its key as missing and asks
again through the usual claims. When the new judgment is stored, the earlier attempts are folded into it:
its ``raw`` lists every reply in order and its ``attempts`` counts them all. Nothing is ever dropped.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from wizardarena.records import Judgment
from wizardarena.store.schema import chunks, marks

_ATTEMPTS = "COALESCE(json_extract(record, '$.attempts'), 1)"


def retryable_invalid(conn: sqlite3.Connection, judge: str, keys: Sequence[str], max_attempts: int) -> set[str]:
    """Which of ``keys`` hold an invalid judgment by ``judge`` with attempts left (read-only; one scan of
    the judge's invalid rows, cheap when there are none)."""
    query = f"SELECT key FROM judgments WHERE judge = ? AND valid = 0 AND {_ATTEMPTS} < ?"
    invalid = {key for (key,) in conn.execute(query, (judge, max_attempts))}
    return invalid.intersection(keys) if invalid else set()


def reopen_invalid(conn: sqlite3.Connection, judge: str, keys: Sequence[str], max_attempts: int) -> int:
    """Move the retryable invalid judgments among ``keys`` to ``judgment_attempts`` (inside the caller's
    transaction); returns how many will be asked again."""
    reopen = sorted(retryable_invalid(conn, judge, keys, max_attempts))
    for part in chunks(reopen):
        conn.execute("INSERT INTO judgment_attempts(key, record, created) SELECT key, record, ? FROM judgments"
                     f" WHERE key IN ({marks(len(part))})", [time.time(), *part])
        conn.execute(f"DELETE FROM judgments WHERE key IN ({marks(len(part))})", part)
    return len(reopen)


def drop_invalid(conn: sqlite3.Connection, keys: Sequence[str]) -> None:
    """Delete the invalid judgments among ``keys`` (inside the caller's transaction, before their re-read
    verdicts are stored); valid ones stay."""
    for part in chunks(list(keys)):
        conn.execute(f"DELETE FROM judgments WHERE valid = 0 AND key IN ({marks(len(part))})", part)


def with_history(conn: sqlite3.Connection, items: list[tuple[str, Judgment]]) -> list[tuple[str, Judgment]]:
    """``items`` with the earlier attempts of any reopened key folded in (and those rows removed)."""
    history: dict[str, list[dict]] = {}
    if conn.execute("SELECT 1 FROM judgment_attempts LIMIT 1").fetchone() is None:
        return items  # the usual case: nothing was reopened
    for part in chunks([key for key, _ in items]):
        query = f"SELECT key, record FROM judgment_attempts WHERE key IN ({marks(len(part))}) ORDER BY rowid"
        for key, record in conn.execute(query, part):
            history.setdefault(key, []).append(json.loads(record))
    if not history:
        return items
    for part in chunks(list(history)):
        conn.execute(f"DELETE FROM judgment_attempts WHERE key IN ({marks(len(part))})", part)
    return [(key, _folded(judgment, history[key]) if key in history else judgment) for key, judgment in items]


def _folded(judgment: Judgment, earlier: list[dict]) -> Judgment:
    replies = [reply for record in earlier for reply in raw_attempts(record.get("raw", ""))]
    replies += raw_attempts(judgment["raw"])
    attempts = sum(int(record.get("attempts", 1)) for record in earlier) + int(judgment.get("attempts", 1))
    return dict(judgment, raw=json.dumps({"attempts": replies}, ensure_ascii=False), attempts=attempts)  # type: ignore


def raw_attempts(raw: str) -> list[str]:
    """The replies a judgment's ``raw`` holds: one, or the list a retried judgment keeps."""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return [raw]
    if isinstance(data, dict) and isinstance(data.get("attempts"), list):
        return [str(reply) for reply in data["attempts"]]
    return [raw]
