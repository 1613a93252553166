"""Test sets: prompts in the DESIGN.md record, read from JSON Lines (also MT-Bench's and Arena-Hard's
question files), validated with one-line errors. Shipped sets load by name (``wizardarena-hard``)."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from wizardarena.errors import InputError
from wizardarena.records import Prompt
from wizardarena.tables import read_rows


def testset_names() -> list[str]:
    """Names of the shipped test sets."""
    return sorted(path.stem for path in _shipped_folder().glob("*.jsonl"))


def shipped_testsets() -> dict[str, dict]:
    """Each shipped test set's ``pack`` (the reference pack that answers every prompt of it, or None when
    it needs generating models) and a one-line ``note``, from the test sets' ``index.json``."""
    import json

    return json.loads((_shipped_folder() / "index.json").read_text(encoding="utf-8"))


def _shipped_folder() -> Path:
    return Path(str(resources.files("wizardarena.data.testsets")))


def testset_path(spec: str | Path) -> Path:
    """The file of a test set given as a path or as the name of a shipped set."""
    path = Path(spec).expanduser()
    if path.exists():
        return path
    if str(spec) in testset_names():
        return _shipped_folder() / f"{spec}.jsonl"
    close = difflib.get_close_matches(str(spec), testset_names(), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InputError(f"testset {spec}: no such file or shipped set; {hint}shipped: {', '.join(testset_names())}")


def load_testset(spec: str | Path) -> tuple[str, list[Prompt]]:
    """Read a test set (a file, or a shipped set by name); returns (name, prompts). The name is the
    file's stem."""
    path = testset_path(spec)
    rows = read_rows(path)
    if not rows:
        raise InputError(f"{path}: the test set has no prompts")
    prompts = [prompt_from_row(row, f"{path}: record {index + 1}") for index, row in enumerate(rows)]
    seen: set[str] = set()
    for prompt in prompts:
        if prompt["id"] in seen:
            raise InputError(f"{path}: prompt id {prompt['id']!r} appears twice")
        seen.add(prompt["id"])
    return path.stem, prompts


def prompt_from_row(row: dict, where: str) -> Prompt:
    """One prompt from our record, MT-Bench's ``{question_id, turns}`` or Arena-Hard's ``{uid, prompt}``
    / ``{question_id, turns: [{content}]}``."""
    ident = next((row[k] for k in ("id", "question_id", "uid") if row.get(k) is not None), None)
    if ident is None:
        raise InputError(f"{where}: missing id (id, question_id or uid)")
    turns = row.get("turns")
    if turns is None and isinstance(row.get("prompt"), str):
        turns = [row["prompt"]]
    if isinstance(turns, list):
        turns = [t.get("content") if isinstance(t, dict) else t for t in turns]
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise InputError(f"{where}: turns must be a non-empty list of non-empty strings")
    return Prompt(id=str(ident), turns=turns, category=row.get("category"),
                  cluster=_number(row.get("cluster"), int), difficulty=_number(row.get("difficulty"), float),
                  source=str(row.get("source") or ""))


def _number(value, kind):
    """A numeric field, or None: Arena-Hard's ``cluster`` is a topic label, not a cluster number."""
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def to_hf_dataset(spec: str | Path):
    """A test set as a Hugging Face ``datasets.Dataset`` (needs the ``[hub]`` extra): one row per
    prompt with the record's fields; ``turns`` is a list of strings."""
    try:
        import datasets
    except ImportError:
        from wizardarena.errors import MissingExtraError

        raise MissingExtraError("datasets", "hub") from None
    _, prompts = load_testset(spec)
    return datasets.Dataset.from_list([dict(p) for p in prompts])
