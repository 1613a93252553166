"""What a ranked table says beyond the numbers: the LMSYS rank with its tie tolerance, whether there are
intervals to show, the one line that explains the ranks, and the text of interval cells."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

# Elo by which a lower bound must clear another model's upper bound to count as better. The solver stops
# once its step is below 1e-9 BT units (~2e-7 Elo), so tied models can differ by that much; 1e-4 Elo is
# well above it and far below the 0.1 Elo the tables print.
RANK_TOLERANCE = 1e-4


def lmsys_ranks(records: Sequence[Mapping[str, float]]) -> list[int]:
    """LMSYS-style ranks: 1 + the number of models whose lower bound beats this one's upper bound by
    more than :data:`RANK_TOLERANCE` Elo, so (numerically) tied models share a rank.

    >>> lmsys_ranks([{"lower": 10, "upper": 20}, {"lower": 8, "upper": 18}, {"lower": 0, "upper": 5}])
    [1, 1, 3]
    >>> lmsys_ranks([{"lower": 1000 + 2e-10, "upper": 1000 + 2e-10}, {"lower": 1000, "upper": 1000}])
    [1, 1]
    """
    return [1 + sum(other["lower"] - record["upper"] > RANK_TOLERANCE for other in records)
            for record in records]


def has_intervals(bounds: Iterable[tuple[float, float]]) -> bool:
    """True when some (lower, upper) pair has width: a bootstrap ran. Without one every record has
    lower == upper == rating, and tables leave the CI column out."""
    return any(upper > lower for lower, upper in bounds)


def rank_rule(with_intervals: bool) -> str:
    """The one line under every ranked table that says what its ranks mean."""
    if with_intervals:
        return ("rank: 1 + the number of models whose 95% CI lies entirely above this one's (the LMSYS rule); "
                "ties share a rank")
    return "rank: 1 + the number of models rated higher (no bootstrap, so no CIs); equal ratings share a rank"


def format_baseline_rate(rate: float, lower: float, upper: float) -> str:
    """A predicted win rate against the baseline with its CI, e.g. ``62.3% (58.1–66.0)``; the CI is left
    out when it has no width (no bootstrap, or the baseline itself).

    >>> format_baseline_rate(0.623, 0.581, 0.66), format_baseline_rate(0.5, 0.5, 0.5)
    ('62.3% (58.1–66.0)', '50.0%')
    """
    ci = f" ({100 * lower:.1f}–{100 * upper:.1f})" if upper > lower else ""
    return f"{100 * rate:.1f}%{ci}"


def format_interval(rating: float, lower: float, upper: float) -> str:
    """The confidence interval as distances from the rating, e.g. ``+5.2 / -4.8``."""
    return f"+{upper - rating:.1f} / -{rating - lower:.1f}"
