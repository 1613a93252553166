"""The leaderboard as Markdown (GitHub-flavoured tables): a header with the judge, test set and date, the
overall table, and one table per category when the battles or ratings have categories."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Callable, Sequence

from wizardarena.leaderboard.board import BoardRow, Leaderboard, ReferenceComparison
from wizardarena.leaderboard.ranking import rank_rule

_MARKDOWN_SPECIALS = "\\`*_[]|#"


def escape_markdown(text: str) -> str:
    """Text safe inside a Markdown table cell or heading: specials backslash-escaped, HTML characters
    as entities, line breaks as spaces.

    >>> escape_markdown("a|b <c>")
    'a\\\\|b &lt;c&gt;'
    """
    text = html.escape(" ".join(str(text).split()), quote=False)
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in text)


def format_win_rate(value: float | None) -> str:
    """A win rate as a percentage with one decimal, or an em dash when unknown."""
    return "—" if value is None or math.isnan(value) else f"{value:.1%}"


def markdown_table(rows: Sequence[BoardRow], with_win_rate: bool, with_interval: bool = True,
                   baseline: str | None = None) -> str:
    """Rank / model / Elo / 95% CI / battles (/ win rate / win rate vs ``baseline``) as a Markdown table,
    one line per row; the CI column only ``with_interval``."""
    columns = [("Rank", True), ("Model", True), ("Elo", True), ("95% CI", with_interval), ("Battles", True),
               ("Win rate", with_win_rate), (f"Win rate vs {escape_markdown(baseline or '')}", baseline is not None)]
    shown = [name for name, keep in columns if keep]
    align = [":---" if name == "Model" else "---:" for name in shown]
    lines = ["| " + " | ".join(shown) + " |", "| " + " | ".join(align) + " |"]
    for row in rows:
        cells = [str(row.rank), escape_markdown(row.model), f"{row.rating:.1f}", row.interval, f"{row.n_battles:,}",
                 format_win_rate(row.win_rate), row.baseline_text]
        lines.append("| " + " | ".join(cell for cell, (_, keep) in zip(cells, columns) if keep) + " |")
    return "\n".join(lines)


def markdown_header(board: Leaderboard) -> list[str]:
    """The title, the run's facts (judge, test set, date, seed) and the reference agreement, as lines."""
    lines = [f"# {escape_markdown(board.info.title)}", ""]
    facts = board.info.facts()
    if facts:
        lines += [" · ".join(f"**{label}:** {escape_markdown(value)}" for label, value in facts), ""]
    if board.reference is not None:
        lines += [reference_summary(board.reference, escape_markdown), ""]
    return lines


def reference_summary(compared: ReferenceComparison, escape: Callable[[str], str]) -> str:
    """One sentence on the agreement with the reference ranking (``escape`` makes its name safe)."""
    consistency = compared.metrics.get("consistency")
    tail = "" if not isinstance(consistency, float) or math.isnan(consistency) else \
        f", consistency {consistency:.1%}"
    return (f"Against {escape(compared.name)} over {len(compared.models)} shared models: "
            f"Spearman {compared.spearman:.3f}{tail}.")


def render_markdown(board: Leaderboard) -> str:
    """The whole leaderboard as one Markdown document (ends with a newline)."""
    lines = markdown_header(board)
    options = (board.has_win_rates, board.has_intervals, board.baseline)
    lines += [markdown_table(board.rows, *options), "", escape_markdown(rank_rule(board.has_intervals)), ""]
    lines += [f"> {escape_markdown(note)}" for note in board.notes]
    if board.notes:
        lines.append("")
    if board.categories:
        lines += ["## By category", ""]
        if board.category_method:
            lines += [escape_markdown(board.category_method), ""]
        for name, rows in board.categories.items():
            lines += [f"### {escape_markdown(name)}", "", markdown_table(rows, *options), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_markdown(board: Leaderboard, path: str | Path) -> Path:
    """Write :func:`render_markdown` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(board), encoding="utf-8")
    return path
