"""Readers behind :meth:`wizardarena.leaderboard.board.Leaderboard.load`: rating records (validated,
split by category), run metadata beside the ratings, observed win rates and per-category ratings."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np

from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.compute import group_values
from wizardarena.ratings.matrix import win_rate_matrix
from wizardarena.ratings.table import BattleTable
from wizardarena.records import Rating
from wizardarena.tables import read_rows

RATING_COLUMNS = ("model", "rating", "lower", "upper", "n_battles")
# Optional columns of ratings rated with --baseline: the predicted win rate against that model.
BASELINE_FIELDS = ("baseline", "baseline_win_rate", "baseline_lower", "baseline_upper")
# Files beside the ratings that describe the run; the first one naming a field wins.
METADATA_FILES = ("run.json", "agreement.json")
METADATA_FIELDS = {"title": "title", "judge": "judge", "testset": "testset", "test_set": "testset",
                   "date": "date", "seed": "seed"}


def read_rating_rows(path: str | Path) -> tuple[list[Rating], dict[str, list[Rating]]]:
    """Read a ratings file (Rating records; JSON Lines, JSON, CSV or Parquet) into the overall records
    and ``{category: records}`` for rows that carry a ``category``; samples are dropped."""
    rows = read_rows(path)
    if not rows:
        raise InputError(f"{path}: no ratings (the file is empty)")
    missing = [name for name in RATING_COLUMNS if name not in rows[0]]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (need {', '.join(RATING_COLUMNS)})")
    overall: list[Rating] = []
    by_category: dict[str, list[Rating]] = {}
    for number, row in enumerate(rows, start=1):
        record = _rating_record(row, f"{path}: row {number}")
        category = row.get("category")
        if category is None or category == "":
            overall.append(record)
        else:
            by_category.setdefault(str(category), []).append(record)
    if not overall:
        raise InputError(f"{path}: only per-category ratings (written with --by); rate without --by for the "
                         "overall board")
    for label, records in (("", overall), *((f" (category {k})", v) for k, v in by_category.items())):
        names = [record["model"] for record in records]
        duplicate = next((name for name in names if names.count(name) > 1), None)
        if duplicate is not None:
            raise InputError(f"{path}: model {duplicate!r} appears twice{label}")
    return overall, by_category


def _rating_record(row: dict, where: str) -> Rating:
    model = row["model"]
    if not isinstance(model, str) or not model.strip():
        raise InputError(f"{where}: model must be a non-empty string, got {model!r}")
    numbers = {}
    for name in ("rating", "lower", "upper", "n_battles"):
        value = row[name]
        try:
            numbers[name] = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            numbers[name] = math.nan
        if not math.isfinite(numbers[name]):
            raise InputError(f"{where} ({model}): {name} is not a finite number ({value!r})")
    if numbers["n_battles"] < 0 or not numbers["n_battles"].is_integer():
        raise InputError(f"{where} ({model}): n_battles must be a whole number >= 0, got {row['n_battles']!r}")
    record: Rating = {"model": model, "rating": numbers["rating"], "lower": numbers["lower"],
                      "upper": numbers["upper"], "n_battles": int(numbers["n_battles"])}
    if row.get("baseline") not in (None, ""):
        record.update(_baseline_fields(row, f"{where} ({model})"))
    return record


def _baseline_fields(row: dict, where: str) -> dict:
    """The ``baseline_*`` fields of a row, checked: fractions in [0, 1] (CSV holds them as text)."""
    fields: dict = {"baseline": str(row["baseline"])}
    for name in BASELINE_FIELDS[1:]:
        try:
            value = float(row.get(name))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = math.nan
        if not 0.0 <= value <= 1.0:
            raise InputError(f"{where}: {name} must be a fraction in [0, 1], got {row.get(name)!r}")
        fields[name] = value
    return fields


def judge_settings_text(provenance: dict) -> str:
    """One line of a judge's provenance (``run.json``'s ``judge_provenance``): what a reader needs to
    know that two leaderboards were judged alike — mode, protocol, template digest, decoding, versions."""
    settings = provenance.get("settings") or {}
    parts = [f"{key} {settings[key]}" for key in ("protocol", "mode", "multi_turn", "template", "version", "embedder")
             if settings.get(key) is not None]
    decoding = settings.get("decoding")
    if isinstance(decoding, str):
        try:
            decoding = json.loads(decoding)
        except json.JSONDecodeError:
            decoding = None
    if isinstance(decoding, dict):
        parts.append(f"temperature {decoding.get('temperature')}, max {decoding.get('max_new_tokens')} tokens")
    versions = provenance.get("versions") or {}
    parts.append(", ".join(f"{name} {version}" for name, version in versions.items()))
    return "; ".join(part for part in parts if part)


def style_text(style: dict) -> str:
    """One line on the style coefficients a style-controlled run used (``run.json``'s ``style_coefs``): their
    values and where they came from (fitted jointly, or frozen from a file)."""
    values = style.get("coefficients") or {}
    coefficients = ", ".join(f"{name} {value:+.3f}" for name, value in values.items()
                             if isinstance(value, (int, float)))
    return "; ".join(part for part in (coefficients, str(style.get("origin") or "")) if part)


def read_json_object(path: Path) -> dict | None:
    """The JSON object in ``path`` (None when there is no such file); anything else is an InputError."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def read_run_info(ratings_path: Path) -> dict[str, str]:
    """Metadata fields (title, judge, judge settings, style control, testset, date, seed) from ``run.json`` /
    ``agreement.json`` beside the ratings file; the date defaults to the ratings file's modification day
    (UTC)."""
    found: dict[str, str] = {}
    for name in METADATA_FILES:
        data = read_json_object(ratings_path.parent / name)
        if data is None:
            continue
        for key, field_name in METADATA_FIELDS.items():
            if data.get(key) is not None and field_name not in found:
                found[field_name] = str(data[key])
        if isinstance(data.get("judge_provenance"), dict) and "judge_settings" not in found:
            found["judge_settings"] = judge_settings_text(data["judge_provenance"])
        if isinstance(data.get("style_coefs"), dict) and "style_control" not in found:
            found["style_control"] = style_text(data["style_coefs"])
    if "date" not in found:
        modified = dt.datetime.fromtimestamp(ratings_path.stat().st_mtime, dt.timezone.utc)
        found["date"] = modified.date().isoformat()
    return found


def win_rates(battles: BattleTable) -> dict[str, float]:
    """Each model's observed score over all its battles (ties count half), by model name."""
    models, rate, count = win_rate_matrix(battles)
    won = (np.nan_to_num(rate) * count).sum(axis=1)
    played = count.sum(axis=1)
    return {model: float(won[k] / played[k]) for k, model in enumerate(models) if played[k] > 0}


def category_rating_config(run: dict | None, battles: BattleTable) -> RatingConfig:
    """How per-category boards are rated: the CI kind, bootstrap unit, rounds and seed of the run (``run.json``
    as ``eval`` writes it) so every table of a run has intervals of one kind; what the run does not say
    is the default, and the unit is then ``prompt`` when every battle has a prompt_id, else ``battle``."""
    run = run or {}
    every_prompt = battles.prompt is not None and all(battles.prompt != "")
    unit = run.get("unit") or ("prompt" if every_prompt else "battle")
    options = {key: run[key] for key in ("bootstrap", "seed") if run.get(key) is not None}
    ci = run.get("ci") or "bootstrap"
    try:
        return RatingConfig(unit=unit, ci=ci, **{key: int(value) for key, value in options.items()})
    except (TypeError, ValueError):
        raise InputError(f"run.json: bootstrap and seed must be whole numbers, got {options}") from None


def category_rows(battles: BattleTable, config: RatingConfig,
                  notes: list[str]) -> dict[str, tuple[list[Rating], dict[str, float]]]:
    """Rate each category of the battles separately: ``{category: (records, win rates)}``. Battles
    without a category are left out; a category that cannot be rated (too few or disconnected battles)
    is skipped with a line in ``notes`` instead of failing the whole board."""
    values = group_values(battles, "category")
    boards: dict[str, tuple[list[Rating], dict[str, float]]] = {}
    for name in sorted(set(values) - {""}):
        subset = battles.subset(values == name)
        try:
            result = compute_ratings(subset, config)
        except InputError as exc:
            notes.append(f"category {name}: not rated ({exc})")
            continue
        boards[name] = (result.records(with_samples=False), win_rates(subset))
    return boards
