"""``ArenaStore``: the crash-safe SQLite store of one arena (prompts, answers, judgments, claims, runs).

Every write is its own short IMMEDIATE transaction, committed before the method returns, so a process
killed between two calls loses nothing it wrote. Records are validated before their transaction opens.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from operator import itemgetter
from pathlib import Path

import orjson

from wizardarena.errors import InputError
from wizardarena.records import Answer, Judgment, Prompt, Verdict
from wizardarena.store import reask, transfer
from wizardarena.store.claims import claim_keys
from wizardarena.store.connection import StoreConnections
from wizardarena.store.protocol import Outcome
from wizardarena.store.schema import chunks, marks
from wizardarena.store.validate import check_answer, check_judgment, check_prompt


def _dumps(value) -> str:
    """Compact JSON text of a record (what json.dumps with "," and ":" separators writes, ~5x faster)."""
    return orjson.dumps(value).decode()


def _only(column: str, value: object) -> tuple[str, tuple]:
    """A ``WHERE``-clause fragment (and its parameters) that filters ``column`` when ``value`` is given."""
    return (f" AND {column} = ?", (value,)) if value is not None else ("", ())


class ArenaStore(StoreConnections):
    """The store of one arena in one SQLite file (WAL mode). Safe to share between threads (each thread
    gets its own connection) and between processes (SQLite locks; claims split the work).

    ``ArenaStore(path)`` creates the file and its folders when absent; a file that is not a WizardArena
    store, or has a newer schema, raises ``InputError`` and is left untouched.
    """

    # -- prompts -------------------------------------------------------------------------------
    def put_prompts(self, testset: str, prompts: list[Prompt]) -> int:
        """Add a test set's prompts (stored ones are skipped); returns how many were new. A prompt whose
        id is stored with different content raises ``InputError`` and nothing is written."""
        by_id = _checked_prompts(testset, prompts)
        with self._write() as conn:
            new = _new_prompts(conn, testset, by_id)
            conn.executemany("INSERT INTO prompts(testset, prompt_id, record) VALUES (?, ?, ?)",
                             [(testset, prompt_id, _dumps(p)) for prompt_id, p in new.items()])
        return len(new)

    def check_prompts(self, testset: str, prompts: list[Prompt]) -> int:
        """What :meth:`put_prompts` would do, read-only: how many prompts are new, or the same
        ``InputError`` for a test set that changed under the arena."""
        return len(_new_prompts(self._conn(), testset, _checked_prompts(testset, prompts)))

    def prompts(self, testset: str) -> list[Prompt]:
        """The prompts of ``testset`` in the order they were first stored."""
        rows = self._conn().execute("SELECT record FROM prompts WHERE testset = ? ORDER BY rowid", (testset,))
        return [orjson.loads(record) for (record,) in rows]

    def testsets(self) -> list[str]:
        """The names of the stored test sets, sorted."""
        rows = self._conn().execute("SELECT DISTINCT testset FROM prompts ORDER BY testset")
        return [name for (name,) in rows]

    # -- answers -------------------------------------------------------------------------------
    def answers(self, keys: Iterable[str]) -> dict[str, Answer]:
        """The complete answers stored under any of ``keys`` (absent keys are left out)."""
        rows = self._select("SELECT key, record FROM answers WHERE complete = 1 AND key IN ({})", keys)
        return {key: orjson.loads(record) for key, record in rows}

    def answer_styles(self, keys: Iterable[str]) -> dict[str, dict | None]:
        """Key -> ``meta["style"]`` of each complete answer stored under any of ``keys`` (None where an
        answer has none: stored before styles were recorded), read without decoding the answers' texts."""
        query = "SELECT key, json_extract(record, '$.meta.style') FROM answers WHERE complete = 1 AND key IN ({})"
        return {key: None if style is None else orjson.loads(style) for key, style in self._select(query, keys)}

    def partial_answers(self, keys: Iterable[str]) -> dict[str, Answer]:
        """The incomplete answers (multi-turn answers cut short) stored under any of ``keys``."""
        rows = self._select("SELECT key, record FROM answers WHERE complete = 0 AND key IN ({})", keys)
        return {key: orjson.loads(record) for key, record in rows}

    def put_answer(self, key: str, answer: Answer, complete: bool) -> bool:
        """Store an answer under ``key``; returns whether anything changed. A partial answer may be
        replaced (by a longer partial or a complete one); a complete answer is never replaced."""
        answer = check_answer(answer, f"answer {key}")
        with self._write() as conn:
            changed = _upsert_answers(conn, [(key, answer)], complete)
            if complete:
                conn.execute("DELETE FROM claims WHERE key = ?", (key,))
        return changed > 0

    def put_answers(self, items: list[tuple[str, Answer]], complete: bool) -> int:
        """Store several answers (one batch of replies) in one transaction; returns how many changed."""
        items = [(key, check_answer(answer, f"answer {key}")) for key, answer in items]
        with self._write() as conn:
            changed = _upsert_answers(conn, items, complete)
            if complete:
                conn.executemany("DELETE FROM claims WHERE key = ?", [(key,) for key, _ in items])
        return changed

    def all_answers(self, model: str | None = None) -> list[Answer]:
        """Every complete answer (of ``model`` when given), ordered by key."""
        clause, params = _only("model", model)
        query = f"SELECT record FROM answers WHERE complete = 1{clause} ORDER BY key"
        rows = self._conn().execute(query, params)
        return [orjson.loads(record) for (record,) in rows]

    def answer_count(self, model: str | None = None) -> int:
        """How many complete answers are stored (of ``model`` when given)."""
        clause, params = _only("model", model)
        query = f"SELECT COUNT(*) FROM answers WHERE complete = 1{clause}"
        return self._conn().execute(query, params).fetchone()[0]

    # -- judgments -----------------------------------------------------------------------------
    def judgments(self, keys: Iterable[str], judge: str | None = None) -> dict[str, Judgment]:
        """The judgments stored under any of ``keys`` (absent keys are left out). Given the ``judge`` that
        made them, one scan of its judgments replaces the reads by key when that is cheaper."""
        if judge is not None:
            keys = keys if isinstance(keys, (set, frozenset, dict)) else dict.fromkeys(keys)
            if self._scan_judge(judge, keys):
                rows = self._conn().execute(f"SELECT key, {_JUDGMENT_READ} FROM judgments WHERE judge = ?", (judge,))
                return {row[0]: _judgment_from_row(*row[1:]) for row in rows if row[0] in keys}
        rows = self._select(f"SELECT key, {_JUDGMENT_READ} FROM judgments WHERE key IN ({{}})", keys)
        return {row[0]: _judgment_from_row(*row[1:]) for row in rows}

    def put_judgment(self, key: str, judgment: Judgment) -> bool:
        """Store a judgment under ``key`` unless one is there (the first write wins); returns whether
        this one was written."""
        judgment = check_judgment(judgment, f"judgment {key}")
        with self._write() as conn:
            written = _insert_judgments(conn, [(key, judgment)])
            conn.execute("DELETE FROM claims WHERE key = ?", (key,))
        return written > 0

    def put_judgments(self, items: list[tuple[str, Judgment]]) -> int:
        """Store the judgments of one judge batch in one transaction (first write wins per key)."""
        items = [(key, check_judgment(judgment, f"judgment {key}")) for key, judgment in items]
        with self._write() as conn:
            written = _insert_judgments(conn, items)
            conn.executemany("DELETE FROM claims WHERE key = ?", [(key,) for key, _ in items])
        return written

    def judgment_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` have a stored judgment (no records decoded: cheap for planning)."""
        return set(map(_first, self._select("SELECT key FROM judgments WHERE key IN ({})", keys)))

    def judged_keys(self, judge: str, keys: Collection[str] | None = None) -> set[str]:
        """Every judgment key stored for ``judge`` (one indexed scan), or only those among ``keys``: read
        by key when the judge's judgments far outnumber them (a store shared by many runs)."""
        if keys is None or self._scan_judge(judge, keys):
            rows = self._conn().execute("SELECT key FROM judgments WHERE judge = ?", (judge,))
            found = set(map(_first, rows))
            return found if keys is None else found.intersection(keys)
        return set(map(_first, self._select("SELECT key FROM judgments WHERE key IN ({})", keys)))

    def judgment_verdicts(self, judge: str | None = None) -> dict[str, Verdict]:
        """Key -> :class:`Verdict` for every judgment (of ``judge`` when given), read from indexed columns
        rather than decoded from JSON: what rating and reports need, fast at hundreds of thousands of rows."""
        clause, params = _only("judge", judge)
        rows = self._conn().execute("SELECT key, prompt_id, judge, model_a, model_b, swapped, valid, score_a,"
                                    f" score_b FROM judgments WHERE 1{clause}", params)
        new = tuple.__new__  # C-level construction: the named tuple's own __new__ is Python code
        return {key: new(Verdict, (prompt, by, a, b, swapped == 1, valid == 1, score_a, score_b))
                for key, prompt, by, a, b, swapped, valid, score_a, score_b in rows}

    def iter_outcomes(self, judge: str, keys: Collection[str]) -> Iterator[Outcome]:
        """(key, valid, score_a, score_b) of each judgment by ``judge`` stored under one of ``keys``, streamed
        in no particular order (the caller knows each key's game): one indexed scan of the judge's
        judgments when they are not many more than ``keys``, else reads by key (so a run's cost follows
        its own games, not the store's history)."""
        conn = self._conn()
        if self._scan_judge(judge, keys):
            wanted = keys if isinstance(keys, (set, frozenset, dict)) else set(keys)
            rows = conn.execute("SELECT key, valid, score_a, score_b FROM judgments WHERE judge = ?", (judge,))
            yield from ((key, valid == 1, a, b) for key, valid, a, b in rows if key in wanted)
            return
        for part in chunks(list(dict.fromkeys(keys))):
            # The judge is checked here, not in SQL: with "judge = ?" SQLite picks the judge index and
            # scans all of that judge's rows for every slice.
            query = f"SELECT key, judge, valid, score_a, score_b FROM judgments WHERE key IN ({marks(len(part))})"
            yield from ((key, valid == 1, a, b) for key, by, valid, a, b in conn.execute(query, part) if by == judge)

    def _scan_judge(self, judge: str, keys: Collection[str]) -> bool:
        """Whether scanning every judgment of ``judge`` is cheaper than reading ``keys`` one by one: a key
        read costs about three rows of a scan. The count stops there, so it too follows ``keys``."""
        bound = _KEY_READ_COST * len(keys)
        query = "SELECT COUNT(*) FROM (SELECT 1 FROM judgments WHERE judge = ? LIMIT ?)"
        return self._conn().execute(query, (judge, bound + 1)).fetchone()[0] <= bound

    def retryable_invalid(self, judge: str, keys: Iterable[str], max_attempts: int) -> set[str]:
        """Which of ``keys`` hold an invalid judgment by ``judge`` with attempts left (read-only)."""
        return reask.retryable_invalid(self._conn(), judge, list(dict.fromkeys(keys)), max_attempts)

    def reopen_invalid(self, judge: str, keys: Iterable[str], max_attempts: int) -> int:
        """Set the retryable invalid judgments among ``keys`` up to be asked again (see
        :mod:`wizardarena.store.reask`); returns how many."""
        with self._write() as conn:
            return reask.reopen_invalid(conn, judge, list(dict.fromkeys(keys)), max_attempts)

    def replace_invalid(self, items: list[tuple[str, Judgment]]) -> int:
        """Store judgments re-read from invalid ones' own replies in their place (a valid judgment is never
        replaced); returns how many were written."""
        items = [(key, check_judgment(judgment, f"judgment {key}")) for key, judgment in items]
        with self._write() as conn:
            reask.drop_invalid(conn, [key for key, _ in items])
            return _insert_judgments(conn, items)

    def judge_ids(self) -> list[str]:
        """The distinct judge ids of the stored judgments, sorted."""
        return [judge for (judge,) in self._conn().execute("SELECT DISTINCT judge FROM judgments ORDER BY judge")]

    def complete_answer_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` have a complete stored answer (no records decoded)."""
        query = "SELECT key FROM answers WHERE complete = 1 AND key IN ({})"
        return set(map(_first, self._select(query, keys)))

    def all_judgments(self, judge: str | None = None) -> list[Judgment]:
        """Every judgment (by ``judge`` when given), ordered by key so that the order is reproducible."""
        clause, params = _only("judge", judge)
        query = f"SELECT {_JUDGMENT_READ} FROM judgments WHERE 1{clause} ORDER BY key"
        return [_judgment_from_row(*row) for row in self._conn().execute(query, params)]

    def judgment_count(self, judge: str | None = None, valid: bool | None = None) -> int:
        """How many judgments are stored, optionally only those by ``judge`` and/or with ``valid`` so."""
        by_judge, judge_params = _only("judge", judge)
        by_valid, valid_params = _only("valid", None if valid is None else int(valid))
        query = f"SELECT COUNT(*) FROM judgments WHERE 1{by_judge}{by_valid}"
        return self._conn().execute(query, judge_params + valid_params).fetchone()[0]

    # -- claims and runs -----------------------------------------------------------------------
    def claim(self, keys: Iterable[str], owner: str, lease_s: float = 600.0, *, kind: str) -> list[str]:
        """Atomically claim the keys of ``kind`` ("answer" or "judgment") that are neither done nor held by
        a live claim of another owner; returns the keys ``owner`` now holds, in input order (its own
        claims are renewed for ``lease_s``). Another owner's claim is taken over once its lease expired
        or its process (on this host) is gone. ``owner`` comes from :func:`wizardarena.store.make_owner`."""
        with self._write() as conn:
            return claim_keys(conn, list(keys), owner, lease_s, kind)

    def renew(self, owner: str, lease_s: float) -> int:
        """Extend every claim ``owner`` holds to ``lease_s`` from now (its heartbeat); returns how many."""
        with self._write() as conn:
            query = "UPDATE claims SET expires = ? WHERE owner = ?"
            return conn.execute(query, (time.time() + lease_s, owner)).rowcount

    def lease_left(self, keys: Iterable[str]) -> float:
        """Seconds until the last live claim on any of ``keys`` expires (0 when none is held)."""
        rows = self._select("SELECT MAX(expires) FROM claims WHERE key IN ({})", keys)
        latest = max((row[0] for row in rows if row[0] is not None), default=0.0)
        return max(latest - time.time(), 0.0)

    def release(self, keys: Iterable[str], owner: str) -> None:
        """Drop ``owner``'s claims on ``keys`` (claims of other owners are left alone)."""
        with self._write() as conn:
            for part in chunks(list(dict.fromkeys(keys))):
                query = f"DELETE FROM claims WHERE owner = ? AND key IN ({marks(len(part))})"
                conn.execute(query, [owner, *part])

    def start_run(self, args: dict) -> int:
        """Record the start of a run with its arguments; returns the run id."""
        text = json.dumps(args, ensure_ascii=False, sort_keys=True, default=str)
        with self._write() as conn:
            cursor = conn.execute("INSERT INTO runs(started, args) VALUES (?, ?)", (time.time(), text))
        return cursor.lastrowid

    def finish_run(self, run_id: int) -> None:
        """Record that run ``run_id`` finished."""
        with self._write() as conn:
            conn.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run_id))

    def runs(self) -> list[dict]:
        """Every recorded run as ``{"id", "started", "finished", "args"}`` (times in Unix seconds)."""
        rows = self._conn().execute("SELECT id, started, finished, args FROM runs ORDER BY id")
        return [{"id": i, "started": s, "finished": f, "args": json.loads(a)} for i, s, f, a in rows]

    # -- files ---------------------------------------------------------------------------------
    export_records = staticmethod(transfer.export_records)

    def export_answers(self, path: str | Path, model: str | None = None) -> int:
        """Write every complete answer (of ``model`` when given) to ``path``; returns how many."""
        return transfer.export_answers(path, self.all_answers(model))

    def export_judgments(self, path: str | Path, judge: str | None = None) -> int:
        """Write every judgment (by ``judge`` when given) to ``path``; returns how many."""
        return transfer.export_judgments(path, self.all_judgments(judge))

    def import_answers(self, path: str | Path, key_fn: Callable[[Answer], str]) -> int:
        """Store the answers in ``path`` as complete, each under ``key_fn(answer)``, all or nothing;
        returns how many were new (stored complete answers are kept)."""
        items = transfer.read_answers(path, key_fn)
        with self._write() as conn:
            return _upsert_answers(conn, items, complete=True)

    def import_judgments(self, path: str | Path, key_fn: Callable[[Judgment], str]) -> int:
        """Store the judgments in ``path``, each under ``key_fn(judgment)``, all or nothing; returns how
        many were new (stored judgments are kept)."""
        items = transfer.read_judgments(path, key_fn)
        with self._write() as conn:
            return _insert_judgments(conn, items)


def _checked_prompts(testset: str, prompts: list[Prompt]) -> dict[str, Prompt]:
    if not isinstance(testset, str) or not testset:
        raise InputError(f"a test set name must be a non-empty string, not {testset!r}")
    by_id: dict[str, Prompt] = {}
    for index, prompt in enumerate(prompts):
        prompt = check_prompt(prompt, f"testset {testset}: prompt {index + 1}")
        if by_id.setdefault(prompt["id"], prompt) != prompt:
            raise InputError(f"testset {testset}: prompt id {prompt['id']!r} appears twice, differently")
    return by_id


def _new_prompts(conn: sqlite3.Connection, testset: str, by_id: dict[str, Prompt]) -> dict[str, Prompt]:
    """The prompts of ``by_id`` not stored yet; a stored one with other content is an InputError."""
    new = dict(by_id)
    for part in chunks(list(by_id)):
        query = f"SELECT prompt_id, record FROM prompts WHERE testset = ? AND prompt_id IN ({marks(len(part))})"
        for prompt_id, record in conn.execute(query, [testset, *part]):
            if orjson.loads(record) != json.loads(_dumps(new.pop(prompt_id))):
                raise InputError(f"testset {testset}: prompt {prompt_id!r} differs from the stored one (a test "
                                 "set must not change under an arena)")
    return new


def _upsert_answers(conn: sqlite3.Connection, items: list[tuple[str, Answer]], complete: bool) -> int:
    before = conn.total_changes
    conn.executemany(
        "INSERT INTO answers(key, prompt_id, model, complete, record, updated) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET complete = excluded.complete, record = excluded.record,"
        " updated = excluded.updated WHERE answers.complete = 0",
        [(key, a["prompt_id"], a["model"], int(complete), _dumps(a), time.time()) for key, a in items])
    return conn.total_changes - before


# A judgment's contract fields that have columns of their own; ``record`` holds only the rest as JSON
# (``p_a``, ``winner``, ``raw``, ``attempts`` when more than one, and any extra keys), so nothing is stored
# twice; ``parse`` is not stored: outputs derive it from ``valid`` and ``attempts``.
_JUDGMENT_COLUMNS = ("prompt_id", "model_a", "model_b", "judge", "swapped", "valid", "score_a", "score_b")
_JUDGMENT_READ = ", ".join(_JUDGMENT_COLUMNS) + ", record"


def _insert_judgments(conn: sqlite3.Connection, items: list[tuple[str, Judgment]]) -> int:
    items = reask.with_history(conn, items)
    before = conn.total_changes
    in_columns = {*_JUDGMENT_COLUMNS, "parse"}
    now = time.time()
    conn.executemany(
        "INSERT OR IGNORE INTO judgments(key, prompt_id, model_a, model_b, judge, swapped, valid, score_a,"
        " score_b, record, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(key, j["prompt_id"], j["model_a"], j["model_b"], j["judge"], int(j["swapped"]), int(j["valid"]),
          j["score_a"], j["score_b"], _dumps({k: v for k, v in j.items() if k not in in_columns}), now)
         for key, j in items])
    return conn.total_changes - before


_first = itemgetter(0)
_KEY_READ_COST = 3  # measured: reading 100k judgments by key took 2.5-3 times as long as scanning them


def _judgment_from_row(prompt_id: str, model_a: str, model_b: str, judge: str, swapped: int, valid: int,
                       score_a: float | None, score_b: float | None, record: str) -> Judgment:
    rest = orjson.loads(record)
    judgment = Judgment(prompt_id=prompt_id, model_a=model_a, model_b=model_b, judge=judge, swapped=swapped == 1,
                        score_a=score_a, score_b=score_b, p_a=rest.pop("p_a"), winner=rest.pop("winner"),
                        valid=valid == 1, raw=rest.pop("raw"))
    judgment.update(rest)
    return judgment
