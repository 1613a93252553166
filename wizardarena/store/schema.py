"""The store's SQLite schema and how a store file is opened: checked first, created only when it is ours."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from wizardarena.errors import InputError

SCHEMA_VERSION = 3  # 2: a judgment's record no longer repeats its columns; 3: keys from model and judge ids
BUSY_TIMEOUT_S = 30.0
WAL_CHECKPOINT_PAGES = 65536  # pages of 4 KiB: 256 MiB
CACHE_KIB = 65536  # SQLite's page cache per connection (its default is 2 MiB)
_SQLITE_HEADER = b"SQLite format 3\x00"
_CHUNK = 500  # keys per IN (...) query: far below SQLite's limit on bound parameters

TABLES = (
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS prompts(testset TEXT NOT NULL, prompt_id TEXT NOT NULL, record TEXT NOT NULL,"
    " PRIMARY KEY(testset, prompt_id))",
    "CREATE TABLE IF NOT EXISTS answers(key TEXT PRIMARY KEY, prompt_id TEXT NOT NULL, model TEXT NOT NULL,"
    " complete INTEGER NOT NULL, record TEXT NOT NULL, updated REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS judgments(key TEXT PRIMARY KEY, prompt_id TEXT NOT NULL,"
    " model_a TEXT NOT NULL, model_b TEXT NOT NULL, judge TEXT NOT NULL, swapped INTEGER NOT NULL,"
    " valid INTEGER NOT NULL, score_a REAL, score_b REAL, record TEXT NOT NULL, created REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS judgment_attempts(key TEXT NOT NULL, record TEXT NOT NULL, created REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS judgment_attempts_key ON judgment_attempts(key)",
    "CREATE TABLE IF NOT EXISTS claims(key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started REAL NOT NULL, finished REAL,"
    " args TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS answers_model ON answers(model)",
    "CREATE INDEX IF NOT EXISTS judgments_judge ON judgments(judge)",
    # Only the invalid judgments, which a rerun asks again: finding them costs nothing when there are none.
    "CREATE INDEX IF NOT EXISTS judgments_invalid ON judgments(judge) WHERE valid = 0",
)


def connect(path: Path) -> sqlite3.Connection:
    """One connection in autocommit mode (transactions are opened explicitly) with the store's settings.

    ``check_same_thread`` is off only so that ``close()`` may close every thread's connection; each
    connection is still used by the one thread that opened it.
    """
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: a crash of the process loses no commit
    # Judgment keys are hashes, so each batch of inserts lands on pages all over the key index; every page
    # it touches is written to the WAL again, and each checkpoint copies them back and syncs the file, so
    # the cost per insert grows with the index (measured alone: 100k keys 1.4 CPU s, 1M keys 31 CPU s, in
    # batches of 4,096). A 64 MiB cache (filled only as it is used) and 256 MiB between checkpoints took
    # the 1M inserts to 20 CPU s and their wall time from 54 s to 35 s.
    conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    return conn


def open_store(path: Path) -> sqlite3.Connection:
    """Open (creating when new) the store at ``path``; a file that is not a store raises ``InputError``
    before anything is written to it."""
    if path.is_dir():
        raise InputError(f"{path} is not a WizardArena store (it is a folder)")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                raise InputError(f"{path} is not a WizardArena store (not an SQLite database)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = connect(path)
    except sqlite3.OperationalError as exc:  # no permission, no space, ...
        raise InputError(f"cannot open the store {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:  # a valid header over a body that is not a database
        raise InputError(f"{path} is not a WizardArena store ({exc})") from None
    try:
        _check_version(conn, path)  # read-only: a foreign database is refused untouched
        _with_lock_retries(lambda: _initialise(conn, path))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(f"{path} is not a WizardArena store ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _initialise(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        _check_version(conn, path)  # again, now that no other process can be creating it
        for statement in TABLES:
            conn.execute(statement)
        conn.execute("INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _with_lock_retries(step) -> None:
    """Run ``step``, retrying while another process holds the file. Switching a new file to WAL can
    report "database is locked" at once, without waiting on the busy timeout, when two processes create
    the same store together; bounded by :data:`BUSY_TIMEOUT_S`."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    """``items`` in slices small enough for one ``IN (...)`` query."""
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def marks(count: int) -> str:
    """``"?,?,..."``: ``count`` placeholders for an ``IN (...)`` list."""
    return ",".join("?" * count)


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return  # a new, empty database
    row = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
    if row is None:
        raise InputError(f"{path} is not a WizardArena store (an SQLite database of something else)")
    try:
        version = int(row[0])
    except ValueError:
        raise InputError(f"{path} is not a WizardArena store (schema version {row[0]!r})") from None
    if version < SCHEMA_VERSION:
        raise InputError(f"{path} is not a WizardArena store this version can read (schema version {version}"
                         " keys answers and judgments differently: start a new store)")
    if version > SCHEMA_VERSION:
        raise InputError(f"{path} is not a WizardArena store this version can read (schema version "
                         f"{version}, newer than {SCHEMA_VERSION}: upgrade wizardarena)")
