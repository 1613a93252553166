"""Checks made before any work, so a run that cannot finish fails before it writes anything: every extra
a backend or judge will import is installed, the judge can judge, Hub models are there when offline,
the store and output paths can be written, and every ``openai:`` server answers."""

from __future__ import annotations

import importlib
import importlib.util
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from wizardarena.backends.registry import BACKENDS, REQUIRED_MODULES
from wizardarena.errors import InputError, MissingExtraError
from wizardarena.refs import JudgeRef, ModelRef
from wizardarena.refs.canonical import LOCAL_WEIGHTS

SIMILARITY_MODULES = (("sentence_transformers", "embed"), ("torch", "embed"))


def missing_extras(models: list[ModelRef], judges: Sequence[JudgeRef]) -> list[tuple[str, str]]:
    """``(module, extra)`` for every module a run would import and cannot find (in-memory models need
    nothing)."""
    needed: list[tuple[str, str]] = []
    for model in models + _judge_models(judges):
        if model.instance is None:
            needed += REQUIRED_MODULES.get(model.backend, ())
    if any(judge.kind == "similarity" for judge in judges):
        needed += SIMILARITY_MODULES
    return [(module, extra) for module, extra in dict.fromkeys(needed) if importlib.util.find_spec(module) is None]


def preflight(models: list[ModelRef], judges: Sequence[JudgeRef], ping: bool = True, **options) -> None:
    """Raise :class:`MissingExtraError` naming the first missing extra, an ``InputError`` for a judge that
    cannot judge (or whose template is not one) or a Hub model absent from the cache when offline, then
    reach every ``openai:`` server once, however many judges share it (``BackendError`` when one is
    unreachable). ``judges``: every judge of the run (a panel's too). ``options`` are the run-wide backend
    options (``timeout``, ...)."""
    missing = missing_extras(models, judges)
    if missing:
        raise MissingExtraError(missing[0][0], missing[0][1])
    for judge in judges:
        judge.id  # noqa: B018 (reads and checks the template: a file that is not a template fails here)
        _check_judge_can_judge(judge)
    for model in models + _judge_models(judges):
        _check_offline_hub(model)
    if not ping:
        return
    servers = {m.spec: m for m in models + [judge.model for judge in judges]
               if m.backend == "openai" and m.instance is None}
    for model in servers.values():
        model.load(**options).ping()


def _judge_models(judges: Sequence[JudgeRef]) -> list[ModelRef]:
    """The models the LLM judges among ``judges`` run on (offline judges have none to load)."""
    return [judge.model for judge in judges if judge.kind == "pairwise"]


def _check_judge_can_judge(judge: JudgeRef) -> None:
    if judge.kind != "pairwise" or judge.model.instance is not None or judge.config.mode != "logprob":
        return
    module, name, _ = BACKENDS.get(judge.model.backend, (None, None, None))
    if module and not hasattr(getattr(importlib.import_module(module), name), "first_token_logprobs"):
        raise InputError(f"judge {judge.spec} gives no token log-probabilities; use --judge-mode text")


def _check_offline_hub(model: ModelRef) -> None:
    """A Hub id (not a local folder) must be in the local cache when HF_HUB_OFFLINE is set."""
    from wizardarena.backends.hf import hub_offline  # the backend's own reading of the variable

    local = model.instance is not None or Path(model.target).exists()
    if not hub_offline() or model.backend not in LOCAL_WEIGHTS or local:
        return
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return
    if not isinstance(try_to_load_from_cache(model.target, "config.json"), str):
        raise InputError(f"{model.spec}: no such local folder, and not in the Hub cache (HF_HUB_OFFLINE is set)")


def check_writable(store: Path, out: Path) -> None:
    """The store's folder and ``out`` can be created and written (checked before anything is)."""
    for path, what in ((store.parent, "store folder"), (out, "output folder")):
        existing = next((p for p in (path, *path.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise InputError(f"cannot use {path} as the {what}: {existing} is a file")
        if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
            raise InputError(f"cannot write the {what} {path}: {existing} is not writable")
    if store.is_dir():
        raise InputError(f"{store} is a folder, not a store file")


@contextmanager
def readable_store(path: Path) -> Iterator:
    """The store at ``path`` to plan against without writing it (a dry run); an absent store is an empty
    one in a temporary folder, so nothing is created where the user looks."""
    from wizardarena.store import ArenaStore

    if path.is_file():
        with ArenaStore(path) as store:
            yield store
        return
    with tempfile.TemporaryDirectory(prefix="wizardarena-dry-run-") as tmp, ArenaStore(Path(tmp) / "a.sqlite") as store:
        yield store
