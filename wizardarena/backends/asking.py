"""Ask a model, parse each reply, re-ask (bounded) the ones that could not be parsed.

Shared by the pairwise judge and the difficulty rater: both send a batch of one-message requests, read a
number out of each reply, and retry the unparseable ones at a warmer temperature with a new seed, keeping
every attempt's raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Generic, Sequence, TypeVar

from wizardarena.backends.base import ChatModel, ChatRequest, Decoding

Parsed = TypeVar("Parsed")


@dataclass(frozen=True)
class Asked(Generic[Parsed]):
    """One request's outcome: every reply in order (the last one decided) and what it parsed to (None
    when every attempt failed)."""

    replies: list[str]
    parsed: Parsed | None

    @property
    def retried(self) -> bool:
        """Whether it took more than one attempt."""
        return len(self.replies) > 1


def ask_and_parse(model: ChatModel, requests: Sequence[ChatRequest], parse: Callable[[str], Parsed | None],
                  decoding: Decoding, max_retries: int, retry_temperature: float) -> tuple[list[Asked], int]:
    """Send ``requests`` and parse each reply; unparseable ones are asked again, at most ``max_retries``
    times, at ``max(temperature, retry_temperature)`` with seed ``decoding.seed + attempt``.

    Returns one :class:`Asked` per request, in order, and the number of requests sent."""
    replies: list[list[str]] = [[] for _ in requests]
    parsed: list[Parsed | None] = [None] * len(requests)
    pending, calls = list(range(len(requests))), 0
    for attempt in range(max_retries + 1):
        if not pending:
            break
        settings = decoding if not attempt else replace(
            decoding, temperature=max(decoding.temperature, retry_temperature), seed=decoding.seed + attempt)
        outputs = model.generate([requests[i] for i in pending], settings)
        calls += len(pending)
        for i, text in zip(pending, outputs):
            replies[i].append(text)
            parsed[i] = parse(text)
        pending = [i for i in pending if parsed[i] is None]
    return [Asked(tries, value) for tries, value in zip(replies, parsed)], calls
