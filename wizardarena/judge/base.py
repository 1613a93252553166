"""The judge boundary: what the judge stage hands a judge (:class:`Game`) and what it expects back."""

from __future__ import annotations

import re
from typing import NamedTuple, Protocol, Sequence, runtime_checkable

from wizardarena.records import Judgment, Prompt

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)\s*", re.DOTALL)


class Game(NamedTuple):
    """One judge call: ``answer_a`` is shown first. ``swapped`` marks the reversed canonical order."""

    prompt: Prompt
    model_a: str
    model_b: str
    answer_a: Sequence[str]
    answer_b: Sequence[str]
    swapped: bool


@runtime_checkable
class Judge(Protocol):
    """Anything that judges games. ``id`` labels every judgment it makes (the judge reference's id);
    ``calls`` counts the requests it sent (retries included); ``stripped`` the answer turns it showed
    without their reasoning trace."""

    id: str
    calls: int
    stripped: int

    def judge(self, games: Sequence[Game]) -> list[Judgment]:
        """One judgment per game, in order; a reply that cannot be read is an invalid judgment."""
        ...


def strip_reasoning(text: str) -> tuple[str, bool]:
    """``text`` without its ``<think>…</think>`` reasoning (an unclosed ``<think>`` runs to the end; a lone
    ``</think>``, when the chat template opened the block, ends it), and whether anything was removed.

    >>> strip_reasoning("<think>plan</think> Paris.")
    ('Paris.', True)
    >>> strip_reasoning("plan...</think>Paris.")
    ('Paris.', True)
    >>> strip_reasoning("Paris.")
    ('Paris.', False)
    """
    if "think>" not in text:
        return text, False
    if "</think>" in text and "<think>" not in text.partition("</think>")[0]:
        return text.rpartition("</think>")[2].strip(), True
    stripped = _THINK.sub("", text).strip()
    return stripped, stripped != text.strip()
