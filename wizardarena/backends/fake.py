"""``fake:NAME`` — a TEST DOUBLE, not a model: instant, deterministic, in-process.

It exists for tests and benchmarks of everything around the backends (stages, stores, the CLI, the
OpenAI client against a local server). Replies are pseudo-text derived from a hash of
``(NAME, prompt_id, turn)`` and, when sampling (temperature > 0), the seed; NAME sets how long and how
"good" they look (``fake:strong`` writes long structured replies, ``fake:weak`` short ones, any other name
lands in between, fixed by its hash).
As a judge, ``first_token_logprobs`` returns a distribution over the candidates that depends only on
the request text. Nothing here means anything; it is only reproducible.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import Sequence

from wizardarena.backends.base import ChatRequest, Decoding
from wizardarena.errors import InputError

_WORDS = ("the", "answer", "is", "because", "first", "then", "we", "consider", "data", "model", "result",
          "step", "example", "so", "note", "that", "value", "function", "returns", "each", "case")
_QUALITY = {"strong": 0.9, "weak": 0.15}


def _unit(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FakeModel:
    """A deterministic stand-in for a chat model and a judge (``ChatModel`` and ``LogprobModel``)."""

    def __init__(self, name: str):
        if not name:
            raise InputError("fake: needs a NAME, e.g. fake:strong")
        self.name = name
        self.spec = f"fake:{name}"
        self.quality = _QUALITY.get(name, round(0.3 + 0.4 * _unit("quality", name), 3))

    def __repr__(self) -> str:
        return f"FakeModel({self.spec!r}, quality={self.quality})"

    def _reply(self, request: ChatRequest, decoding: Decoding) -> str:
        key = (self.name, request.prompt_id, request.turn)
        n_words = int(8 + 120 * self.quality * (0.75 + 0.5 * _unit(*key)))
        n_words = min(n_words, decoding.max_new_tokens)
        seed = decoding.seed if decoding.temperature > 0 else 0  # greedy decoding does not depend on a seed
        words = random.Random(_unit(*key, seed)).choices(_WORDS, k=n_words)
        if self.quality < 0.5:
            return f"[{self.name}] " + " ".join(words)
        step = max(1, -(-n_words // 3))  # "better" replies come as three numbered steps
        lines = [" ".join(words[k:k + step]) for k in range(0, n_words, step)]
        return f"[{self.name}]\n" + "\n".join(f"{k + 1}. {line}" for k, line in enumerate(lines))

    def generate(self, requests: Sequence[ChatRequest], decoding: Decoding) -> list[str]:
        """A pseudo-answer per request, fixed by (NAME, prompt_id, turn) and the seed when sampling."""
        return [self._reply(r, decoding) for r in requests]

    def first_token_logprobs(self, requests: Sequence[ChatRequest],
                             candidates: Sequence[str]) -> list[dict[str, float]]:
        """A log-distribution over all ``candidates``, fixed by NAME and the request's text."""
        results = []
        for request in requests:
            text = "\n".join(m["content"] for m in request.messages)
            digest = hashlib.sha256(f"{self.name}\x1f{text}".encode("utf-8")).digest()
            scores = {c: 4.0 * digest[k % len(digest)] / 255 for k, c in enumerate(candidates)}
            norm = math.log(sum(math.exp(s) for s in scores.values())) if scores else 0.0
            results.append({c: s - norm for c, s in scores.items()})
        return results


def from_spec(target: str) -> FakeModel:
    """Build the test double named by ``fake:TARGET``."""
    return FakeModel(target)
