"""The model-backend boundary: what the answer and judge stages need from any model.

A backend is selected by a spec string (``hf:PATH``, ``vllm:PATH``, ``openai:MODEL@URL``, ``answers:PATH``)
at the CLI/config boundary only; stages receive the constructed object.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol, Sequence, runtime_checkable

from wizardarena.errors import InputError, WizardArenaError

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": str}


class BackendError(WizardArenaError):
    """A backend failed after its bounded retries (server unreachable, model failed to load, ...)."""


@dataclass(frozen=True)
class Decoding:
    """Decoding settings; they are part of every answer's cache key."""

    temperature: float = 0.0
    max_new_tokens: int = 512
    top_p: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.temperature < math.inf or self.max_new_tokens < 1 or not 0 < self.top_p <= 1:
            raise InputError("decoding: a finite temperature >= 0, max_new_tokens >= 1 and 0 < top_p <= 1")

    def key(self) -> str:
        """A canonical string of the settings (stable across runs and Python versions)."""
        return _decoding_key(self.temperature, self.max_new_tokens, self.top_p, self.seed)


@lru_cache(maxsize=64)
def _decoding_key(temperature: float, max_new_tokens: int, top_p: float, seed: int) -> str:
    fields = {"max_new_tokens": max_new_tokens, "seed": seed, "temperature": temperature, "top_p": top_p}
    return json.dumps(fields, sort_keys=True)


class ChatRequest(NamedTuple):
    """One reply to produce: ``messages`` ends with a user turn. ``prompt_id`` and ``turn`` (0-based
    index of the user turn being answered) let pre-computed backends look the answer up. (A tuple,
    not a frozen dataclass: judging builds hundreds of thousands and a tuple is made 3x faster.)"""

    prompt_id: str
    turn: int
    messages: tuple[Message, ...]


@runtime_checkable
class ChatModel(Protocol):
    """Anything that answers chat requests. ``generate`` returns one reply per request, in order."""

    spec: str

    def generate(self, requests: Sequence[ChatRequest], decoding: Decoding) -> list[str]: ...


@runtime_checkable
class LogprobModel(Protocol):
    """A model that can also give next-token log-probabilities of the assistant reply's first token."""

    spec: str

    def first_token_logprobs(self, requests: Sequence[ChatRequest],
                             candidates: Sequence[str]) -> list[dict[str, float]]:
        """For each request, the log-probability that the reply starts with each candidate string, over
        the candidates that are a single token for this model (others are left out of the dict)."""
        ...
