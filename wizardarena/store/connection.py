"""Per-thread SQLite connections to one store file, and the short write transactions built on them."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from wizardarena.errors import WizardArenaError
from wizardarena.store.schema import chunks, connect, marks, open_store


class StoreConnections:
    """Hands each thread (and each forked process) its own connection to ``path``; ``close()`` closes
    them all. The store class builds its reads and writes on :meth:`_conn` and :meth:`_write`."""

    def __init__(self, path: str | Path):
        """Open the store file at ``path`` (see :func:`wizardarena.store.schema.open_store`)."""
        self.path = Path(path)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._closed = False
        self._adopt(open_store(self.path))

    def _adopt(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        with self._lock:
            self._conns.append(conn)
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise WizardArenaError(f"the store {self.path} is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():  # a connection must never cross a fork
            conn = self._adopt(connect(self.path))
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: committed when the block ends, rolled back when it raises."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # the write lock up front: a read lock is never upgraded
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _select(self, query: str, keys: Iterable[str]) -> list[tuple]:
        """Run ``query`` (with one ``IN ({})``) over ``keys`` in slices; returns all rows."""
        wanted = list(dict.fromkeys(keys))
        conn = self._conn()
        return [row for part in chunks(wanted) for row in conn.execute(query.format(marks(len(part))), part)]

    def close(self) -> None:
        """Close every connection opened for this store, in any thread; later calls raise."""
        with self._lock:
            self._closed = True
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
