"""``eval --rejudge-invalid``, first step: an invalid judgment's stored replies are read again with the
current parser (a newer version may read what an older one could not); a verdict found there is stored in
its place without asking the judge. The raw replies and attempt count are kept as they were.

A changed ``--judge-template`` or pattern changes the judge's id (everything that can change a verdict is
part of it), so it is a new judge with judgments of its own: re-reading serves the same judge id only.
"""

from __future__ import annotations

from typing import Iterable

from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.pairwise import read_reply, with_verdict
from wizardarena.records import Judgment
from wizardarena.refs import JudgeRef
from wizardarena.store.protocol import Store
from wizardarena.store.reask import raw_attempts

EVERY_ATTEMPT = 2**62  # an attempt budget no judgment reaches: every invalid one


def reread_invalid(store: Store, judge: JudgeRef, keys: Iterable[str]) -> int:
    """Re-read the invalid judgments of ``judge`` among ``keys`` and store those the current parser reads
    (valid judgments are never touched); returns how many were read. Offline judges are not re-read."""
    invalid = store.retryable_invalid(judge.id, keys, EVERY_ATTEMPT)
    if not invalid or judge.kind != "pairwise":
        return 0
    found = [(key, read) for key, record in store.judgments(invalid, judge.id).items()
             if (read := reread(record, judge.config)) is not None]
    return store.replace_invalid(found) if found else 0


def reread(judgment: Judgment, config: JudgeConfig) -> Judgment | None:
    """``judgment`` made valid by the first of its replies the current parser reads (marked ``reread``),
    or None when none is readable."""
    for reply in raw_attempts(judgment["raw"]):
        read = read_reply(reply, config)
        if read is not None:
            return {**with_verdict(judgment, read, config), "reread": True}  # type: ignore[typeddict-item]
    return None
