"""The store boundary: the methods the answer, judge and rating stages use (``ArenaStore`` has them all).

A stage takes any :class:`Store`, so a test, a remote driver or another backend can stand in for the
SQLite file without the stages knowing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from wizardarena.records import Answer, Judgment, Prompt, Verdict


@runtime_checkable
class Store(Protocol):
    """What the pipeline needs of an arena store (see :class:`wizardarena.store.ArenaStore`)."""

    def put_prompts(self, testset: str, prompts: list[Prompt]) -> int: ...

    def complete_answer_keys(self, keys: Iterable[str]) -> set[str]: ...

    def partial_answers(self, keys: Iterable[str]) -> dict[str, Answer]: ...

    def answers(self, keys: Iterable[str]) -> dict[str, Answer]: ...

    def put_answers(self, items: list[tuple[str, Answer]], complete: bool) -> int: ...

    def judgment_keys(self, keys: Iterable[str]) -> set[str]: ...

    def judged_keys(self, judge: str) -> set[str]: ...

    def judgment_verdicts(self, judge: str | None = None) -> dict[str, Verdict]: ...

    def judgments(self, keys: Iterable[str]) -> dict[str, Judgment]: ...

    def put_judgments(self, items: list[tuple[str, Judgment]]) -> int: ...

    def claim(self, keys: Iterable[str], owner: str, lease_s: float = 600.0, *, kind: str) -> list[str]: ...

    def release(self, keys: Iterable[str], owner: str) -> None: ...
