"""Spec strings → backends. Each backend lives in its own module and is imported only when named, so
``import wizardarena`` never pulls in torch, transformers or vllm.

    hf:PATH_OR_ID          a transformers model (local folder or Hub id)
    vllm:PATH_OR_ID        the same model served in-process by vLLM
    openai:MODEL@BASE_URL  any OpenAI-compatible server (http://host:port/v1)
    answers:PATH[#MODEL]   pre-computed answers (JSON Lines file or folder)
    fake:NAME              an instant deterministic test double
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import urllib.parse

from wizardarena.backends.base import ChatModel
from wizardarena.errors import InputError

# prefix -> (module, class, what follows the colon). Every module has ``from_spec(target, **options)``;
# the options it takes are the keyword-only parameters of the class's constructor (any, with **kwargs).
BACKENDS: dict[str, tuple[str, str, str]] = {
    "hf": ("wizardarena.backends.hf", "HFModel", "PATH_OR_ID"),
    "vllm": ("wizardarena.backends.vllm", "VLLMModel", "PATH_OR_ID"),
    "openai": ("wizardarena.backends.openai", "OpenAIModel", "MODEL@BASE_URL"),
    "answers": ("wizardarena.backends.answers", "AnswersModel", "PATH[#MODEL]"),
    "fake": ("wizardarena.backends.fake", "FakeModel", "NAME"),
}

# Options that change how a backend runs but never what it answers: left out of a model's identity, so
# moving a model to another GPU, batch size or concurrency reuses every stored answer.
RUNTIME_OPTIONS: dict[str, frozenset[str]] = {
    "hf": frozenset({"device", "batch_size", "batch_tokens"}),
    "vllm": frozenset({"tensor_parallel_size", "pipeline_parallel_size", "data_parallel_size",
                       "gpu_memory_utilization", "max_num_seqs", "max_num_batched_tokens", "enforce_eager",
                       "swap_space", "cpu_offload_gb", "distributed_executor_backend", "enable_prefix_caching"}),
    "openai": frozenset({"max_concurrency", "max_retries", "timeout", "retry_budget", "backoff", "max_backoff",
                         "retry_seed", "api_key_env", "replicas"}),
    "answers": frozenset(),
    "fake": frozenset(),
}

# What each backend imports, and the pip extra that brings it (checked before any work starts).
REQUIRED_MODULES: dict[str, tuple[tuple[str, str], ...]] = {
    "hf": (("torch", "hf"), ("transformers", "hf"), ("jinja2", "hf")),
    "vllm": (("vllm", "vllm"),),
}


def _known() -> str:
    return ", ".join(f"{prefix}:{target}" for prefix, (_, _, target) in BACKENDS.items())


GENERATION_OPTIONS: dict[str, type] = {"system": str, "temperature": float, "top_p": float,
                                       "max_new_tokens": int, "seed": int}
"""Per-model generation settings any spec may carry (``hf:X?temperature=0.7&system=Be brief``): they are
applied by the answer stage, not the backend, and override the run's decoding for that model."""


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``PREFIX:TARGET`` (options after ``?`` stay in TARGET) and check the prefix is known and
    the target present.

    >>> parse_spec(" openai:meta/llama-3:8b@http://127.0.0.1:8000/v1 ")
    ('openai', 'meta/llama-3:8b@http://127.0.0.1:8000/v1')
    """
    prefix, sep, target = spec.strip().partition(":")
    if not sep:
        raise InputError(f"model spec {spec!r} has no backend prefix; expected one of: {_known()}")
    if prefix not in BACKENDS:
        close = difflib.get_close_matches(prefix.lower(), list(BACKENDS), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}:'? " if close else ""
        raise InputError(f"unknown model backend '{prefix}:' in {spec!r}; {hint}known: {_known()}")
    if not target.strip():
        raise InputError(f"model spec {spec!r} is missing its {BACKENDS[prefix][2]} after '{prefix}:'")
    return prefix, target.strip()


def split_options(target: str, spec: str) -> tuple[str, dict[str, str]]:
    """``TARGET?k=v&k2=v2`` -> (TARGET, {k: v}) with values %-decoded and whitespace trimmed.

    >>> split_options("org/model ?dtype=bfloat16& batch_size=8", "hf:...")
    ('org/model', {'dtype': 'bfloat16', 'batch_size': '8'})
    """
    target, sep, query = target.partition("?")
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in query.split("&"))) if sep else ():
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise InputError(f"{spec}: option {item!r} must be NAME=VALUE")
        if name.strip() in options:
            raise InputError(f"{spec}: option {name.strip()!r} given twice")
        options[name.strip()] = urllib.parse.unquote(value.strip())
    return target.strip(), options


def accepted_options(prefix: str) -> tuple[dict[str, str], bool]:
    """The constructor options of backend ``prefix`` (name -> annotation text) and whether it also takes
    any other keyword (vLLM passes engine options through). Imports the backend's module only, which
    never imports its heavy library at module level."""
    module_name, class_name, _ = BACKENDS[prefix]
    params = inspect.signature(getattr(importlib.import_module(module_name), class_name)).parameters.values()
    named = {p.name: str(p.annotation) for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return named, any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def typed_options(prefix: str, raw: dict[str, str], spec: str) -> dict[str, object]:
    """Check option names against the backend (``did you mean``) and type their values."""
    named, takes_any = accepted_options(prefix)
    out: dict[str, object] = {}
    for name, value in raw.items():
        if name in GENERATION_OPTIONS:
            out[name] = _typed(value, GENERATION_OPTIONS[name].__name__, name, spec)
        elif name in named:
            out[name] = _typed(value, named[name], name, spec)
        elif takes_any:
            out[name] = _guess(value)
        else:
            known = sorted(named) + sorted(GENERATION_OPTIONS)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InputError(f"{spec}: backend '{prefix}:' has no option {name!r}; {hint}"
                             f"options: {', '.join(known)}")
    return out


def _typed(value: str, annotation: str, name: str, spec: str) -> object:
    kinds = [kind for kind in ("bool", "int", "float") if kind in annotation]
    if not kinds:
        return value
    if kinds[0] == "bool":
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
    else:
        try:
            return int(value) if kinds[0] == "int" else float(value)
        except ValueError:
            pass
    raise InputError(f"{spec}: option {name}={value!r} must be {'a' if kinds[0] != 'int' else 'an'} {kinds[0]}")


def _guess(value: str) -> object:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(value.lower(), value)


def load_model(spec: str, **options) -> ChatModel:
    """Build the backend named by ``spec`` (options in the spec after ``?``, or as keywords; keywords set
    to ``None`` are dropped, so a caller can pass every option it knows). Generation options in the spec
    are the answer stage's business and are not passed to the backend."""
    prefix, target = parse_spec(spec)
    target, raw = split_options(target, spec)
    merged = {**typed_options(prefix, raw, spec), **{k: v for k, v in options.items() if v is not None}}
    return build(prefix, target, {k: v for k, v in merged.items() if k not in GENERATION_OPTIONS}, spec)


def build(prefix: str, target: str, options: dict[str, object], spec: str = "") -> ChatModel:
    """Construct backend ``prefix`` for ``target`` with constructor ``options`` (checked by name)."""
    named, takes_any = accepted_options(prefix)
    unknown = [] if takes_any else sorted(set(options) - set(named))
    if unknown:
        raise InputError(f"backend '{prefix}:' does not take option(s) {', '.join(unknown)}; "
                         f"it takes: {', '.join(named) or 'none'}")
    return importlib.import_module(BACKENDS[prefix][0]).from_spec(target, **options)
