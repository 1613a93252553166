"""Leaderboard rendering (import name ``wizardarena.leaderboard``): a rich table for the terminal, and
Markdown, one self-contained HTML page and PNG plots from a ratings file (matplotlib loads only when a
plot is drawn)."""

from wizardarena.leaderboard.board import BoardRow, Leaderboard, RunInfo
from wizardarena.leaderboard.html import render_html, write_html
from wizardarena.leaderboard.markdown import render_markdown, write_markdown
from wizardarena.leaderboard.plots import PLOT_SIZES, render_plots, write_plots
from wizardarena.leaderboard.ranking import lmsys_ranks
from wizardarena.leaderboard.terminal import ratings_table

__all__ = [
    "PLOT_SIZES",
    "BoardRow",
    "Leaderboard",
    "RunInfo",
    "lmsys_ranks",
    "ratings_table",
    "render_html",
    "render_markdown",
    "render_plots",
    "write_html",
    "write_markdown",
    "write_plots",
]
