"""Battles drawn from known ratings (Bradley–Terry on the Elo scale): what ``wizardarena simulate`` writes
and what the placement benchmark replays when it needs a judge whose truth is known."""

from __future__ import annotations

import numpy as np


def draw_winners(elo_a: np.ndarray, elo_b: np.ndarray, tie_rate: float, rng: np.random.Generator) -> np.ndarray:
    """One winner per battle: a tie with probability ``tie_rate``, else model_a with the Bradley–Terry
    probability of its Elo gap.

    >>> draw_winners(np.array([2000.0]), np.array([0.0]), 0.0, np.random.default_rng(0)).tolist()
    ['model_a']
    """
    p_a = 1.0 / (1.0 + 10.0 ** ((elo_b - elo_a) / 400.0))
    draw, tie = rng.random(elo_a.shape[0]), rng.random(elo_a.shape[0]) < tie_rate
    return np.where(tie, "tie", np.where(draw < p_a, "model_a", "model_b"))
