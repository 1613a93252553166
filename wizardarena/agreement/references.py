"""Shipped reference rankings and model-name maps, and the resolver from a path-or-name to a ranking.

The data files live in ``wizardarena/data/references`` (see its PROVENANCE.md) and load through
``importlib.resources``, so they work from an installed wheel too.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np

from wizardarena.agreement.rankings import Ranking, read_ranking, read_sample_table, with_samples
from wizardarena.errors import InputError
from wizardarena.tables import read_columns

PAPER_TABLE = "elo_table.csv"
RANKING_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".parquet")


@dataclass(frozen=True)
class _Reference:
    description: str
    load: Callable[[], Ranking]


def _data_file(name: str) -> Path:
    # pip installs packages as plain directories, so the resource is a real file that read_columns can open.
    return Path(str(resources.files("wizardarena.data") / "references" / name))


def read_paper_column(path: str | Path, column: str, source: str | None = None) -> Ranking:
    """One column of the Arena Learning paper's Elo table as a ranking.

    The CI is ``[value - COLUMN_minus, value + COLUMN_plus]``; a column without those (MT-Bench) gets a
    zero-width interval. Rows with an empty value (models not on that leaderboard) are skipped.
    """
    source = source or f"{path}:{column}"
    columns = read_columns(path)
    missing = [name for name in ("model", column) if name not in columns]
    if missing:
        raise InputError(f"{path}: missing column {' and '.join(map(repr, missing))} "
                         f"(columns: {', '.join(columns) or 'none'})")
    rows = [i for i, value in enumerate(columns[column]) if value is not None]
    if not rows:
        raise InputError(f"{path}: column {column!r} is empty")

    def numbers(name: str) -> np.ndarray:
        try:
            return np.array([float(columns[name][i]) for i in rows])
        except (TypeError, ValueError):
            raise InputError(f"{path}: column {name!r} holds a value that is not a number") from None

    score = numbers(column)
    plus = numbers(f"{column}_plus") if f"{column}_plus" in columns else np.zeros_like(score)
    minus = numbers(f"{column}_minus") if f"{column}_minus" in columns else np.zeros_like(score)
    models = tuple(columns["model"][i] for i in rows)
    return Ranking(models, score, score - minus, score + plus, None, source)


def _lmsys(stem: str, name: str) -> Callable[[], Ranking]:
    """A Chatbot Arena snapshot: ``STEM_leaderboard.csv`` with the rounds of ``STEM_bootstrap100.csv``."""

    def load() -> Ranking:
        ranking = read_ranking(_data_file(f"{stem}_leaderboard.csv"))
        table = read_sample_table(_data_file(f"{stem}_bootstrap100.csv"))
        return replace(with_samples(ranking, table, name), source=name)

    return load


def _paper(column: str, name: str) -> Callable[[], Ranking]:
    return lambda: read_paper_column(_data_file(PAPER_TABLE), column, name)


def _arena_hard() -> Ranking:
    return replace(read_ranking(_data_file("bootstrap_stats_arena_hard.jsonl")), source="arena-hard-v0.1")


_REFERENCES: dict[str, _Reference] = {
    "lmsys-2024-03-29": _Reference(
        "Chatbot Arena (human votes) Elo, 76 models, 2024-03-29, with its 100 bootstrap rounds",
        _lmsys("arena_elo_20240329", "lmsys-2024-03-29")),
    **{name: _Reference(f"Chatbot Arena (human votes) Elo, 139 models, 2024-09-04, {what}, with its 100 bootstrap "
                        "rounds", _lmsys(f"arena_elo_20240904_{category}", name))
       for name, category, what in (
           ("lmsys-2024-09-04", "full", "all battles"),
           ("lmsys-2024-09-04-style", "full_style_control", "all battles, style control"),
           ("lmsys-2024-09-04-hard", "hard_6", "hard prompts"),
           ("lmsys-2024-09-04-hard-style", "hard_6_style_control", "hard prompts, style control"),
           ("lmsys-2024-09-04-hard-english", "hard_english_6", "hard English prompts"))},
    "lmsys-en-2024-06": _Reference(
        "Chatbot Arena English Elo, June 2024, as printed in the Arena Learning paper (22 models)",
        _paper("lmsys_en", "lmsys-en-2024-06")),
    "wizardarena-paper-diverse": _Reference(
        "WizardArena-Diverse Elo from the Arena Learning paper (31 models)",
        _paper("diverse", "wizardarena-paper-diverse")),
    "wizardarena-paper-hard": _Reference(
        "WizardArena-Hard Elo from the Arena Learning paper (31 models)",
        _paper("hard", "wizardarena-paper-hard")),
    "wizardarena-paper-mix": _Reference(
        "WizardArena-Mix Elo from the Arena Learning paper (31 models)",
        _paper("mix", "wizardarena-paper-mix")),
    "mt-bench-paper": _Reference(
        "MT-Bench scores from the Arena Learning paper table (30 models, no CI)",
        _paper("mt_bench", "mt-bench-paper")),
    "arena-hard-v0.1": _Reference(
        "Arena-Hard-Auto v0.1 win rate vs gpt-4-0314 (28 models), with its statistics notebook's bootstrap",
        _arena_hard),
}

_NAME_MAPS: dict[str, tuple[str, str]] = {
    "arena-hard-v0.1": (
        "arena_to_arena_hard.json",
        "Chatbot Arena names -> Arena-Hard v0.1 names for the 20 models its notebook compares",
    ),
}


def list_references() -> dict[str, str]:
    """Shipped reference rankings: name -> one-line description."""
    return {name: ref.description for name, ref in _REFERENCES.items()}


def list_name_maps() -> dict[str, str]:
    """Shipped model-name maps (for ``--map``): name -> one-line description."""
    return {name: description for name, (_, description) in _NAME_MAPS.items()}


def _unknown(kind: str, name: str, known: list[str]) -> InputError:
    close = difflib.get_close_matches(name, known, n=2)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else f" (known: {', '.join(known)})"
    return InputError(f"{name}: no such file and no shipped {kind} of that name{hint}")


def load_reference(name: str) -> Ranking:
    """Load the shipped reference ranking called ``name``."""
    if name not in _REFERENCES:
        raise _unknown("reference", name, list(_REFERENCES))
    return _REFERENCES[name].load()


def load_ranking(spec: str | Path) -> Ranking:
    """Load a ranking from a file path, or a shipped reference name (see :func:`list_references`)."""
    path = Path(spec)
    if path.is_file() or path.suffix.lower() in RANKING_SUFFIXES or len(path.parts) > 1:
        return read_ranking(path)  # a path-like spec that is missing gets "no such file"
    return load_reference(str(spec))


def load_name_map(spec: str | Path) -> dict[str, str]:
    """Load a name map (JSON object REFERENCE name -> CANDIDATE name) from a file or a shipped map name."""
    if Path(spec).is_file():
        path = Path(spec)
    elif str(spec) in _NAME_MAPS:
        path = _data_file(_NAME_MAPS[str(spec)][0])
    else:
        raise _unknown("name map", str(spec), list(_NAME_MAPS))
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{spec}: name map is not valid JSON ({exc})") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise InputError(f"{spec}: a name map must be a JSON object of strings "
                         "(reference name -> candidate name)")
    return mapping
