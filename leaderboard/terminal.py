"""Rich tables for ratings in the terminal."""

from __future__ import annotations

from typing import Mapping, Sequence

from rich.table import Table

from wizardarena.leaderboard.ranking import format_baseline_rate, format_interval, has_intervals, lmsys_ranks, rank_rule
from wizardarena.records import Rating


def ratings_table(records: Sequence[Rating], title: str = "Ratings",
                  extra: Mapping[str, Mapping[str, str]] | None = None, intervals: bool | None = None) -> Table:
    """A rank / model / Elo / 95% CI / battles table, best first (records as ``RatingResult.records``).

    Rank is the LMSYS-style rank (see :func:`rank_note` for the line to print under the table). The CI
    column is left out when no bootstrap ran; records with ``baseline`` fields get a ``vs BASELINE``
    column. ``extra`` adds columns: ``{column: {model: text}}`` (e.g. win rate, invalid judgments).
    ``intervals``: whether CIs were computed (None: judged from the records)."""
    extra = dict(extra or {})
    baseline = next((r["baseline"] for r in records if r.get("baseline") is not None), None)
    if baseline is not None:
        extra[f"vs {baseline}"] = {r["model"]: format_baseline_rate(r["baseline_win_rate"], r["baseline_lower"],
                                                                    r["baseline_upper"])
                                   for r in records if r.get("baseline") is not None}
    with_ci = _with_intervals(records) if intervals is None else intervals
    table = Table(title=title)
    for name, justify in (("rank", "right"), ("model", "left"), ("elo", "right"),
                          *((("95% CI", "right"),) if with_ci else ()),
                          ("battles", "right"), *((column, "right") for column in extra)):
        table.add_column(name, justify=justify)
    for rank, record in zip(lmsys_ranks(records), records):
        ci = [format_interval(record["rating"], record["lower"], record["upper"])] if with_ci else []
        cells = [values.get(record["model"], "") for values in extra.values()]
        table.add_row(str(rank), record["model"], f"{record['rating']:.1f}", *ci, f"{record['n_battles']:,}",
                      *cells)
    return table


def rank_note(records: Sequence[Rating], intervals: bool | None = None) -> str:
    """The line to print once under :func:`ratings_table` (or under all of them): what the ranks mean."""
    return rank_rule(_with_intervals(records) if intervals is None else intervals)


def _with_intervals(records: Sequence[Rating]) -> bool:
    # bootstrap samples mean intervals, even zero-width ones (a judge that only ever picks the first answer
    # shown makes every round identical): "no bootstrap" would misstate what ran
    return any(r.get("samples") for r in records) or has_intervals((r["lower"], r["upper"]) for r in records)
