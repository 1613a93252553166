"""Checkpoint selection: which candidate is best, and is it significantly better than each other one?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wizardarena.ratings import RatingResult

TIE_ELO = 1e-4  # ratings this close are one rating (the solver's own precision; see leaderboard.ranking)


@dataclass(frozen=True)
class Comparison:
    """The best candidate against one other: bootstrap P(best rated higher) and CI separation."""

    other: str
    p_better: float
    separated: bool

    @property
    def significant(self) -> bool:
        """Significantly worse than the best: P(best higher) >= 0.975 and the 95% CIs separated."""
        return self.separated and self.p_better >= 0.975


@dataclass(frozen=True)
class Selection:
    """The best candidate by rating, its bootstrap probability of being the best, and comparisons."""

    best: str
    p_best: dict[str, float]
    comparisons: tuple[Comparison, ...]
    tied: tuple[str, ...] = ()  # the others rated the same as ``best``: then there is no best

    def summary(self, max_lines: int = 8) -> str:
        """One paragraph a person can act on. Past ``max_lines`` comparisons, only the candidates the
        best is not significantly better than are listed (they are the ones that matter)."""
        lines = [f"best checkpoint: {self.best} (P(best) = {self.p_best[self.best]:.2f} over bootstrap rounds)"]
        if self.tied:
            lines = [f"no best checkpoint: {', '.join((self.best, *self.tied))} are rated the same (P(best) = "
                     f"{self.p_best[self.best]:.2f} each over bootstrap rounds)"]
        shown = [c for c in self.comparisons if not c.significant] if len(self.comparisons) > max_lines \
            else list(self.comparisons)
        for c in shown:
            verdict = "significantly better" if c.significant else "not significantly better"
            lines.append(f"  vs {c.other}: P({self.best} > {c.other}) = {c.p_better:.3f}, 95% CIs "
                         f"{'separated' if c.separated else 'overlap'} -> {verdict}")
        if len(shown) < len(self.comparisons):
            lines.append(f"  significantly better than the other {len(self.comparisons) - len(shown)} candidates")
        return "\n".join(lines)


def select_checkpoint(result: RatingResult, candidates: list[str]) -> Selection | None:
    """Compare ``candidates`` (two or more rated models); None with fewer than two or no bootstrap."""
    index = [result.models.index(c) for c in candidates if c in result.models]
    if len(index) < 2 or result.samples is None:
        return None
    samples = result.samples[:, index]
    names = [result.models[k] for k in index]
    # a round's tied leaders share its credit: argmax alone would hand every tied round to the first listed
    leaders = samples >= samples.max(axis=1, keepdims=True) - TIE_ELO
    wins = (leaders / leaders.sum(axis=1, keepdims=True)).mean(axis=0)
    rating = result.rating[index]
    lower, upper = (bound[index] for bound in result.interval())
    best = int(np.argmax(rating))
    comparisons = tuple(
        Comparison(names[k], float(np.mean(samples[:, best] > samples[:, k])), bool(lower[best] > upper[k]))
        for k in np.argsort(-rating) if k != best)
    tied = tuple(names[k] for k in np.argsort(-rating) if k != best and rating[best] - rating[k] <= TIE_ELO)
    return Selection(names[best], {n: float(w) for n, w in zip(names, wins)}, comparisons, tied)
