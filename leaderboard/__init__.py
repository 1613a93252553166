"""Leaderboard rendering (import name ``wizardarena.leaderboard``). The terminal table lives here now;
markdown/HTML/PNG rendering and Hub publishing arrive with their issues."""

from wizardarena.leaderboard.terminal import ratings_table

__all__ = ["ratings_table"]
