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


def _known() -> str:
    return ", ".join(f"{prefix}:{target}" for prefix, (_, _, target) in BACKENDS.items())


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``PREFIX:TARGET`` and check the prefix is known and the target present.

    >>> parse_spec("openai:meta/llama-3:8b@http://127.0.0.1:8000/v1")
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


def load_model(spec: str, **options) -> ChatModel:
    """Build the backend named by ``spec``; ``options`` go to its constructor.

    Options set to ``None`` are dropped, so a caller can pass every option it knows (``device=None``)
    without knowing which backend takes which. An option the backend does not take is an ``InputError``.
    """
    prefix, target = parse_spec(spec)
    module_name, class_name, _ = BACKENDS[prefix]
    module = importlib.import_module(module_name)
    options = {key: value for key, value in options.items() if value is not None}
    params = inspect.signature(getattr(module, class_name)).parameters.values()
    accepted = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)  # vllm: engine options
    unknown = [] if takes_any else sorted(set(options) - set(accepted))
    if unknown:
        raise InputError(f"backend '{prefix}:' does not take option(s) {', '.join(unknown)}; "
                         f"it takes: {', '.join(accepted) or 'none'}")
    return module.from_spec(target, **options)
