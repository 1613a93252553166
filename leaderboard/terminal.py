"""Rich tables for ratings in the terminal."""

from __future__ import annotations

from typing import Mapping, Sequence

from rich.table import Table

from wizardarena.leaderboard.board import format_interval, lmsys_ranks
from wizardarena.records import Rating


def ratings_table(records: Sequence[Rating], title: str = "Ratings",
                  extra: Mapping[str, Mapping[str, str]] | None = None) -> Table:
    """A rank / model / Elo / 95% CI / battles table, best first (records as ``RatingResult.records``).

    Rank is the LMSYS-style rank: 1 + the number of models whose lower bound beats this upper bound.
    ``extra`` adds columns: ``{column: {model: text}}`` (e.g. win rate, invalid judgments)."""
    extra = extra or {}
    table = Table(title=title)
    for name, justify in (("rank", "right"), ("model", "left"), ("elo", "right"), ("95% CI", "right"),
                          ("battles", "right"), *((column, "right") for column in extra)):
        table.add_column(name, justify=justify)
    for rank, record in zip(lmsys_ranks(records), records):
        ci = format_interval(record["rating"], record["lower"], record["upper"])
        cells = [values.get(record["model"], "") for values in extra.values()]
        table.add_row(str(rank), record["model"], f"{record['rating']:.1f}", ci, f"{record['n_battles']:,}", *cells)
    return table
