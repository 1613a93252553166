"""Cheap fingerprints of what a model answers with, so new weights at an old path are answered again.

A model folder is read file by file (top level, hidden files skipped): small files (config, tokenizer, chat
template) are hashed whole; large ones (weights) by their size, their first 64 KiB (a safetensors header
with every tensor's name, shape and offset) and 256 evenly spaced 4 KiB samples — about 1 MiB per file
however large it is. Training changes every sampled block, so a retrained checkpoint always gets a new
fingerprint; modification times are left out, so a copied checkpoint keeps its identity. A change that
touches none of the samples (a few edited weights) is missed: pin ``?fingerprint=...`` for such cases.
Pre-computed answers are fingerprinted by their content, per model.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

WHOLE_FILE_BYTES = 8 << 20
HEAD_BYTES = 64 << 10
SAMPLES, SAMPLE_BYTES = 256, 4 << 10


def file_digest(path: Path, digest) -> None:
    """Feed ``path`` (whole, or sampled when large) into ``digest``."""
    size = path.stat().st_size
    digest.update(f"{path.name}\0{size}\0".encode())
    with path.open("rb") as handle:
        if size <= WHOLE_FILE_BYTES:
            digest.update(handle.read())
            return
        digest.update(handle.read(HEAD_BYTES))
        step = (size - HEAD_BYTES) // SAMPLES
        for k in range(SAMPLES):
            handle.seek(HEAD_BYTES + k * step)
            digest.update(handle.read(SAMPLE_BYTES))


def folder_fingerprint(folder: str | Path) -> str:
    """The fingerprint of a model folder (see the module docstring); 24 hex digits."""
    digest = hashlib.sha256()
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file() and not entry.name.startswith("."):
            file_digest(Path(entry.path), digest)
    return digest.hexdigest()[:24]


def file_fingerprint(path: str | Path) -> str:
    """The fingerprint of one weights file (a ``.gguf``), sampled like a folder's large files."""
    digest = hashlib.sha256()
    file_digest(Path(path), digest)
    return digest.hexdigest()[:24]


def answers_fingerprint(target: str) -> str:
    """The fingerprint of one model's pre-computed answers (``PATH_OR_PACK[#MODEL]``): a digest of every
    prompt id and reply it serves, so editing an answer file changes it and re-packing the same answers
    does not. Remembered per process while the files are unchanged."""
    path = Path(target.rpartition("#")[0] if "#" in target else target)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path] if path.is_file() else []
    return _answers_fingerprint(target, tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files))


@lru_cache(maxsize=256)
def _answers_fingerprint(target: str, stamps: tuple) -> str:
    from wizardarena.backends.answers import from_spec

    model = from_spec(target)
    return answers_digest({prompt_id: model.turns(prompt_id) for prompt_id in model.prompt_ids})


def answers_digest(table: dict[str, list[str]]) -> str:
    """Digest of one model's answers (prompt id -> replies), in files or in memory alike."""
    text = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
