"""The record contracts of DESIGN.md as typed dicts (scripts outside the project read and write them)."""

from __future__ import annotations

from typing import Literal, TypedDict

WinnerValue = Literal["model_a", "model_b", "tie", "tie (bothbad)"]
WINNER_VALUES: tuple[str, ...] = ("model_a", "model_b", "tie", "tie (bothbad)")


class Battle(TypedDict, total=False):
    """One battle in the LMSYS public format; ``model_a``, ``model_b`` and ``winner`` are required."""

    model_a: str
    model_b: str
    winner: WinnerValue
    prompt_id: str
    category: str
    judge: str
    weight: float


class Rating(TypedDict, total=False):
    """One model's rating on the Elo scale (400 / ln 10 per Bradley-Terry unit)."""

    model: str
    rating: float
    lower: float
    upper: float
    n_battles: int
    samples: list[float]
    category: str
