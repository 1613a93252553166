"""Checks made before any work, so a run that cannot finish fails before it writes anything: every extra
a backend or judge will import is installed, and every ``openai:`` server answers."""

from __future__ import annotations

import importlib.util

from wizardarena.backends.registry import REQUIRED_MODULES
from wizardarena.errors import MissingExtraError
from wizardarena.refs import JudgeRef, ModelRef

SIMILARITY_MODULES = (("sentence_transformers", "embed"), ("torch", "embed"))


def missing_extras(models: list[ModelRef], judge: JudgeRef | None) -> list[tuple[str, str]]:
    """``(module, extra)`` for every module a run would import and cannot find (in-memory models need
    nothing)."""
    needed: list[tuple[str, str]] = []
    for model in models + ([judge.model] if judge is not None and judge.kind == "pairwise" else []):
        if model.instance is None:
            needed += REQUIRED_MODULES.get(model.backend, ())
    if judge is not None and judge.kind == "similarity":
        needed += SIMILARITY_MODULES
    return [(module, extra) for module, extra in dict.fromkeys(needed) if importlib.util.find_spec(module) is None]


def preflight(models: list[ModelRef], judge: JudgeRef | None, ping: bool = True) -> None:
    """Raise :class:`MissingExtraError` naming the first missing extra, then reach every ``openai:``
    server once (``BackendError`` when one is unreachable)."""
    missing = missing_extras(models, judge)
    if missing:
        raise MissingExtraError(missing[0][0], missing[0][1])
    if not ping:
        return
    servers = {m.spec: m for m in models + ([judge.model] if judge is not None else [])
               if m.backend == "openai" and m.instance is None}
    for model in servers.values():
        model.load().ping()
