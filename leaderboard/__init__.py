"""Leaderboard rendering (import name ``wizardarena.leaderboard``): a rich table for the terminal, and
Markdown, one self-contained HTML page and PNG plots from a ratings file (matplotlib loads only when a
plot is drawn).

The names below load on first use, so ``wizardarena.leaderboard.terminal`` (the ``ratings`` command's
table) does not pull in the board and its rating engine."""

from __future__ import annotations

from importlib import import_module

_HOMES = {
    "BoardRow": "board", "Leaderboard": "board", "RunInfo": "board",
    "render_html": "html", "write_html": "html",
    "render_markdown": "markdown", "write_markdown": "markdown",
    "PLOT_SIZES": "plots", "render_plots": "plots", "write_plots": "plots",
    "lmsys_ranks": "ranking",
    "ratings_table": "terminal",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """Load ``name`` from its module on first access (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
