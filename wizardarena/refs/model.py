"""A model reference: a spec string resolved once, at the door, into a small typed, picklable value.

``ModelRef`` holds the backend, the canonical target, the backend's options and the per-model generation
settings, plus a fingerprint of what the model answers with (its weight and config files, or its
pre-computed answers). Two spellings of one model (whitespace, a trailing slash, ``./x`` and ``/abs/x``,
options in another order) resolve to one ref; the same weights at a new path keep their identity, and new
weights at an old path get a new one. Display names are not part of it: they are labels (see
:class:`wizardarena.refs.Contestant`).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from wizardarena.backends.base import ChatModel, Decoding, Message
from wizardarena.backends.registry import (
    GENERATION_OPTIONS,
    RUNTIME_OPTIONS,
    accepted_options,
    build,
    parse_spec,
    split_options,
    typed_options,
)
from wizardarena.errors import InputError
from wizardarena.refs.canonical import LOCAL_WEIGHTS, canonical_options, canonical_target
from wizardarena.refs.fingerprint import answers_digest, answers_fingerprint, file_fingerprint, folder_fingerprint

Options = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class ModelRef:
    """A resolved model spec (see the module docstring); build one with :func:`resolve_model`.

    ``options``: backend constructor options; ``generation``: per-model ``system`` prompt and decoding
    overrides; ``fingerprint``: digest of the model's files or answers ("" when nothing local can be read:
    a Hub id, a server); ``instance``: an in-memory backend that :meth:`load` returns instead of building
    one (the training callback's model, lm-eval's answers); it is not part of equality."""

    backend: str
    target: str
    options: Options = ()
    generation: Options = ()
    fingerprint: str = ""
    instance: ChatModel | None = field(default=None, compare=False, repr=False)

    @property
    def spec(self) -> str:
        """The canonical spec: one string per model, whatever the spelling it was given in."""
        return self._spec(self.options)

    @property
    def stable_spec(self) -> str:
        """The canonical spec without runtime options (``max_concurrency``, ``replicas``, ``device``, ...):
        what a judge id starts with, so a judge moved to more threads or replicas keeps its judgments."""
        return self._spec(self._answer_options)

    @property
    def _answer_options(self) -> Options:
        return tuple((k, v) for k, v in self.options if k not in RUNTIME_OPTIONS.get(self.backend, ()))

    def _spec(self, options: Options) -> str:
        pairs = sorted((*options, *self.generation))
        query = "&".join(f"{k}={urllib.parse.quote(_text(v), safe='/:,.-_ ')}" for k, v in pairs)
        return f"{self.backend}:{self.target}" + (f"?{query}" if query else "")

    @cached_property
    def identity(self) -> dict:
        """What the model answers with: backend, answer-changing options and fingerprint. A local model
        with a fingerprint is known by its content, not by its path."""
        target = self.target
        if self.fingerprint and self.backend in LOCAL_WEIGHTS:
            target = ""
        elif self.fingerprint and self.backend == "answers":
            target = self.target.rpartition("#")[2]
        options = [[k, v] for k, v in self._answer_options]
        return {"backend": self.backend, "target": target, "options": options, "fingerprint": self.fingerprint}

    @property
    def system(self) -> str | None:
        """The per-model system prompt, if any."""
        return dict(self.generation).get("system")  # type: ignore[return-value]

    def decoding(self, default: Decoding) -> Decoding:
        """``default`` with this model's own generation settings applied."""
        overrides = {k: v for k, v in self.generation if k != "system"}
        return replace(default, **overrides) if overrides else default

    def answer_settings(self, default: Decoding) -> dict:
        """The settings that can change this model's answers (part of every answer key): none for
        pre-computed answers; no seed (nor top_p) under greedy decoding, where they change nothing."""
        if self.backend == "answers":
            return {}
        decoding = self.decoding(default)
        settings: dict = {"max_new_tokens": decoding.max_new_tokens, "system": self.system}
        if decoding.temperature > 0:
            settings.update(temperature=decoding.temperature, top_p=decoding.top_p, seed=decoding.seed)
        return settings

    def messages(self, conversation: tuple[Message, ...]) -> tuple[Message, ...]:
        """``conversation`` with this model's system prompt in front (when it has one)."""
        return ({"role": "system", "content": self.system}, *conversation) if self.system else conversation

    def load(self, **extra_options) -> ChatModel:
        """The backend, built now. ``extra_options`` are run-wide defaults (``max_concurrency``, ...):
        each goes to the backend only when it takes it and the spec does not set it."""
        if self.instance is not None:
            return self.instance
        named, _ = accepted_options(self.backend)
        defaults = {k: v for k, v in extra_options.items() if v is not None and k in named}
        options = {**defaults, **dict(self.options)}
        return build(self.backend, self.target, options, self.spec)

    def default_name(self) -> str:
        """The label a contestant gets when the user gives none: the last path part, the model of an
        ``openai:`` spec, the ``#MODEL`` of answers."""
        target = self.target
        if self.backend == "openai":
            target = target.rsplit("@", 1)[0]
        if self.backend == "answers" and "#" in target:
            target = target.rsplit("#", 1)[1]
        return target.rstrip("/").rsplit("/", 1)[-1] or self.spec

    def __getstate__(self) -> dict:
        if self.instance is not None:
            raise InputError(f"{self.spec}: an in-memory model cannot be sent to another process")
        return {name: getattr(self, name) for name in ("backend", "target", "options", "generation", "fingerprint")}

    def __setstate__(self, state: dict) -> None:
        for name, value in {**state, "instance": None}.items():
            object.__setattr__(self, name, value)


def in_memory_answers(model: str, answers: dict[str, list[str]]) -> ModelRef:
    """A model reference to answers held in memory (prompt id -> replies), e.g. lm-eval's: known by their
    content, so the same answers share stored judgments and new ones never do."""
    from wizardarena.backends.answers import AnswersModel

    return ModelRef("answers", f"memory#{model}", fingerprint=answers_digest(answers),
                    instance=AnswersModel.from_table(model, answers))


def _text(value: object) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def resolve_model(spec: str, *, fingerprint: bool = True) -> ModelRef:
    """Resolve a spec string (``PREFIX:TARGET[?NAME=VALUE&...]``) into a :class:`ModelRef`: the prefix,
    the options (by name, with "did you mean") and local paths are checked here, once. ``fingerprint``
    False skips reading the model's files (for display only)."""
    prefix, target = parse_spec(spec)
    target, raw = split_options(target, spec)
    pinned = raw.pop("fingerprint", None)  # the user's own identity for the model (e.g. a commit hash)
    target = canonical_target(prefix, target, spec)
    options = canonical_options(prefix, typed_options(prefix, raw, spec), target, spec)
    generation = tuple(sorted((k, v) for k, v in options.items() if k in GENERATION_OPTIONS))
    backend_options = tuple(sorted((k, v) for k, v in options.items() if k not in GENERATION_OPTIONS))
    ref = ModelRef(prefix, target, backend_options, generation)
    if pinned is not None:
        return replace(ref, fingerprint=str(pinned))
    if not fingerprint:
        return ref
    if prefix in LOCAL_WEIGHTS and Path(target).is_dir():
        return replace(ref, fingerprint=folder_fingerprint(target))
    if prefix in LOCAL_WEIGHTS and Path(target).is_file():  # one file of weights (a .gguf)
        return replace(ref, fingerprint=file_fingerprint(target))
    if prefix == "answers":
        return replace(ref, fingerprint=answers_fingerprint(target))
    return ref
