"""Contestants: a label (the name shown in tables) on a model reference, and their answers' keys.

The label is only a label: two runs that call one model by two names share every stored answer and
judgment, and each run shows its own names.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from wizardarena.backends.base import Decoding
from wizardarena.errors import InputError
from wizardarena.records import Prompt
from wizardarena.refs.keys import content_key
from wizardarena.refs.model import ModelRef, resolve_model

_NAMED = re.compile(r"^\s*([\w.\-]+)\s*=\s*(\w+:.*)$", re.DOTALL)


@dataclass(frozen=True)
class Contestant:
    """A model under test or an opponent: its display ``name`` and its :class:`ModelRef` (a spec string
    is resolved on construction)."""

    name: str
    model: ModelRef

    def __post_init__(self) -> None:
        if isinstance(self.model, str):
            object.__setattr__(self, "model", resolve_model(self.model))
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"a contestant needs a non-empty name, not {self.name!r}")

    @property
    def spec(self) -> str:
        """The model's canonical spec."""
        return self.model.spec


def answer_key(model: ModelRef, decoding: Decoding, prompt: Prompt) -> str:
    """Content address of a model's answer: its identity, the settings that can change the answer, and
    the prompt (id and text). Never the contestant's name, never a rating seed."""
    text = _answer_prefix(model, decoding) + json.dumps([prompt["id"], prompt["turns"]], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@lru_cache(maxsize=1024)
def _answer_prefix(model: ModelRef, decoding: Decoding) -> str:
    # The model's part of every answer key, made once per model and decoding rather than per prompt.
    return content_key("answer", model.identity, model.answer_settings(decoding)) + "|"


def parse_contestant(text: str) -> Contestant:
    """``NAME=SPEC`` or ``SPEC`` (named by :meth:`ModelRef.default_name`)."""
    named = _NAMED.match(text)
    if named:
        return Contestant(named.group(1), resolve_model(named.group(2)))
    if ":" not in text:
        raise InputError(f"model spec {text!r} needs a backend prefix (hf:, vllm:, openai:, answers:)")
    model = resolve_model(text)
    return Contestant(model.default_name(), model)
