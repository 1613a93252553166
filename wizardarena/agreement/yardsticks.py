"""Yardsticks printed beside a run's agreement with a human ranking, measured by the same code over the
same models: a real LLM judge (Arena-Hard v0.1's published GPT-4-Turbo leaderboard) and answer length
alone (each model's mean answer length in the run's own battles). A judge worth running beats length."""

from __future__ import annotations

from collections import defaultdict
from importlib import resources
from pathlib import Path

import numpy as np

from wizardarena.agreement.rankings import Ranking, read_ranking
from wizardarena.tables import Columns

ARENA_HARD = "Arena-Hard v0.1 judge"  # its published leaderboard: GPT-4-Turbo judging against gpt-4-0314
LENGTH = "length alone"


def length_ranking(battles: Columns) -> Ranking | None:
    """Models ranked by the mean whitespace-token length of their answers in ``battles`` (the battles'
    ``style_a`` / ``style_b`` counts); None when the battles carry no styles."""
    if "style_a" not in battles or "style_b" not in battles:
        return None
    total, count = defaultdict(float), defaultdict(int)
    for side in ("a", "b"):
        for model, style in zip(battles[f"model_{side}"], battles[f"style_{side}"]):
            if style is not None:
                total[model] += style["length"]
                count[model] += 1
    models = tuple(sorted(count))
    if not models:
        return None
    score = np.array([total[m] / count[m] for m in models])
    return Ranking(models, score, score.copy(), score.copy(), None, LENGTH)


def arena_hard_ranking(models: set[str]) -> Ranking:
    """The shipped Arena-Hard v0.1 leaderboard, restricted to ``models``."""
    path = Path(str(resources.files("wizardarena.data") / "references" / "arena_hard_v0.1_leaderboard_20240731.csv"))
    full = read_ranking(path)
    keep = [k for k, model in enumerate(full.models) if model in models]
    return Ranking(tuple(full.models[k] for k in keep), full.score[keep], full.lower[keep], full.upper[keep],
                   None, ARENA_HARD)


def yardsticks(battles: Columns, models: set[str]) -> dict[str, Ranking]:
    """The yardstick rankings over ``models`` (those that have data)."""
    found = {ARENA_HARD: arena_hard_ranking(models)}
    length = length_ranking(battles)
    if length is not None:
        found[LENGTH] = length
    return {name: ranking for name, ranking in found.items() if len(ranking.models) >= 3}
