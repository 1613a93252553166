"""lm-evaluation-harness tasks ``wizardarena_diverse``, ``wizardarena_hard``, ``wizardarena_mix`` (tag
``wizardarena``), shipped as package data. Pass :func:`include_path` to lm-eval's ``--include_path``
(lm-eval 0.4 has no task plug-in entry point). Nothing here imports lm_eval; the core never does."""

from pathlib import Path


def include_path() -> str:
    """The folder holding the task YAML files, for ``lm_eval --include_path``."""
    return str(Path(__file__).resolve().parent)
