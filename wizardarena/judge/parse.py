"""Reading verdicts out of judge replies."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Sequence

from wizardarena.judge.config import SCORE_RANGE

SCORE_TOKENS = tuple(str(k) for k in range(1, 11))


def parse_scores(text: str, patterns: Sequence[str]) -> tuple[float, float] | None:
    """The two scores a text-mode reply gives, or None. Case-insensitive; for each pattern the LAST
    match wins (judges often restate the format before answering); scores outside 1..10 are rejected.

    >>> patterns = ["score\\\\W*a\\\\W*(\\\\d+)", "score\\\\W*b\\\\W*(\\\\d+)"]
    >>> parse_scores("Score A: 3 ... final: **Score A:** 7/10\\nScore B = 9", patterns)
    (7.0, 9.0)
    """
    scores = []
    for pattern in _compiled(tuple(patterns)):
        found = pattern.findall(text)
        if not found:
            return None
        value = float(found[-1] if isinstance(found[-1], str) else found[-1][0])
        if not SCORE_RANGE[0] <= value <= SCORE_RANGE[1]:
            return None
        scores.append(value)
    return scores[0], scores[1]


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def score_distribution(logprobs: dict[str, float]) -> dict[int, float] | None:
    """Normalised probabilities of the scores 1..10 from first-token log-probabilities (None when fewer
    than two score tokens exist for the judge model's tokenizer)."""
    present = {int(token): value for token, value in logprobs.items()
               if token in SCORE_TOKENS and math.isfinite(value)}
    if len(present) < 2:
        return None
    top = max(present.values())
    weights = {score: math.exp(value - top) for score, value in present.items()}
    total = sum(weights.values())
    return {score: weight / total for score, weight in sorted(weights.items())}


def expected_score(dist: dict[int, float]) -> float:
    """Mean of a score distribution."""
    return sum(score * p for score, p in dist.items())


def prob_first_better(dist_a: dict[int, float], dist_b: dict[int, float]) -> float:
    """P(score A > score B) + half P(equal), treating the two distributions as independent."""
    below = 0.0  # P(B < a), accumulated over the scores in increasing order
    total = 0.0
    for score in range(1, 11):
        pb = dist_b.get(score, 0.0)
        total += dist_a.get(score, 0.0) * (below + 0.5 * pb)
        below += pb
    return total


def verdict(score_a: float, score_b: float, tie_margin: float) -> str:
    """``model_a``, ``model_b`` or ``tie`` (gap within ``tie_margin``)."""
    if abs(score_a - score_b) <= tie_margin:
        return "tie"
    return "model_a" if score_a > score_b else "model_b"
