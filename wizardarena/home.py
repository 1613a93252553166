"""Where WizardArena keeps what outlives one run: the arena store (answers and judgments, reused by
every later ``eval``, the lm-eval task and the training callback) and the embedding cache.

``$WIZARDARENA_HOME`` when set, else ``$WIZARDARENA_CACHE`` (its older name), else
``$XDG_CACHE_HOME/wizardarena`` (``~/.cache/wizardarena``).
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The folder of the persistent store and caches (not created here)."""
    root = os.environ.get("WIZARDARENA_HOME") or os.environ.get("WIZARDARENA_CACHE")
    if root:
        return Path(root).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wizardarena"


def default_store() -> Path:
    """The arena store every entry point uses unless given ``--store``: ``HOME/arena.sqlite``."""
    return home() / "arena.sqlite"
