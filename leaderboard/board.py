"""The data behind every leaderboard view (Markdown, HTML, PNG): ranked ratings, observed win rates,
per-category boards, run metadata and an optional comparison with a reference (human) ranking.

:meth:`Leaderboard.load` builds one from the files the pipeline writes; the views only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from wizardarena.leaderboard.ranking import format_baseline_rate, format_interval, has_intervals, lmsys_ranks
from wizardarena.leaderboard.sources import (
    BASELINE_FIELDS,
    category_rating_config,
    category_rows,
    read_json_object,
    read_rating_rows,
    read_run_info,
    win_rates,
)
from wizardarena.ratings import RatingConfig
from wizardarena.ratings.matrix import win_rate_matrix
from wizardarena.ratings.table import BattleTable, read_battles


@dataclass(frozen=True)
class RunInfo:
    """What produced the ratings, shown in the header of every view (None: unknown, not shown)."""

    title: str = "WizardArena leaderboard"
    judge: str | None = None
    testset: str | None = None
    date: str | None = None
    seed: str | None = None
    judge_settings: str | None = None
    style_control: str | None = None  # the style coefficients used, and where they came from

    def updated(self, **values: str | None) -> RunInfo:
        """A copy with the given fields replaced, skipping values that are None."""
        return replace(self, **{key: value for key, value in values.items() if value is not None})

    def facts(self) -> list[tuple[str, str]]:
        """The known fields as (label, text) pairs, in display order."""
        pairs = (("Judge", self.judge), ("Judge settings", self.judge_settings),
                 ("Style control", self.style_control), ("Test set", self.testset), ("Date", self.date),
                 ("Seed", self.seed))
        return [(label, value) for label, value in pairs if value is not None]


@dataclass(frozen=True)
class BoardRow:
    """One model's line of a leaderboard; ``win_rate`` (ties count half) is None without battles."""

    rank: int
    model: str
    rating: float
    lower: float
    upper: float
    n_battles: int
    win_rate: float | None = None
    baseline: str | None = None
    baseline_win_rate: float | None = None
    baseline_lower: float | None = None
    baseline_upper: float | None = None

    @property
    def interval(self) -> str:
        """The 95% CI as ``+up / -down`` around the rating."""
        return format_interval(self.rating, self.lower, self.upper)

    @property
    def baseline_text(self) -> str:
        """The predicted win rate against the baseline with its CI, or an em dash when there is none."""
        if self.baseline_win_rate is None:
            return "—"
        return format_baseline_rate(self.baseline_win_rate, self.baseline_lower, self.baseline_upper)


@dataclass(frozen=True)
class WinMatrix:
    """Observed pairwise win rates in leaderboard order: ``rate[i, j]`` is model i's score against j
    (ties half; NaN where they never met), ``count[i, j]`` the battles between them."""

    models: tuple[str, ...]
    rate: np.ndarray
    count: np.ndarray


@dataclass(frozen=True)
class ReferenceComparison:
    """The leaderboard against a reference ranking over their shared models (aligned arrays) and the
    agreement metrics of :func:`wizardarena.agreement.compare` (``spearman``, ``consistency``, ...)."""

    name: str
    models: tuple[str, ...]
    candidate: np.ndarray
    reference: np.ndarray
    metrics: Mapping[str, object]

    @property
    def spearman(self) -> float:
        """Spearman correlation of the two rankings over the shared models."""
        return float(self.metrics["spearman"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Leaderboard:
    """Everything the views show. ``categories`` maps a category to its own rows (best first);
    ``notes`` are one-line remarks (skipped categories, unrated models) the views print;
    ``category_config`` is how the categories were rated when they came from the battles (None when
    they came from the ratings file, or there are none)."""

    rows: tuple[BoardRow, ...]
    info: RunInfo = field(default_factory=RunInfo)
    win_matrix: WinMatrix | None = None
    categories: Mapping[str, tuple[BoardRow, ...]] = field(default_factory=dict)
    reference: ReferenceComparison | None = None
    notes: tuple[str, ...] = ()
    category_config: RatingConfig | None = None

    @property
    def has_win_rates(self) -> bool:
        """True when battles were given, so rows carry observed win rates."""
        return self.win_matrix is not None

    @property
    def has_intervals(self) -> bool:
        """True when some row of any table has a CI of non-zero width (a bootstrap ran)."""
        rows = [*self.rows, *(row for group in self.categories.values() for row in group)]
        return has_intervals((row.lower, row.upper) for row in rows)

    @property
    def baseline(self) -> str | None:
        """The model the rows' predicted win rates are against, when the ratings carry them."""
        return next((row.baseline for row in self.rows if row.baseline is not None), None)

    @property
    def category_method(self) -> str | None:
        """How the per-category boards were rated, as a sentence (None when not rated here)."""
        config = self.category_config
        if config is None or not self.categories:
            return None
        seeded = config.bootstrap and config.ci == "bootstrap"
        rounds = f"{config.describe_ci()}, seed {config.seed}" if seeded else config.describe_ci()
        return f"Each category is rated on its own battles ({rounds})."

    @classmethod
    def load(cls, ratings: str | Path, battles: str | Path | None = None, reference: str | None = None, *,
             title: str | None = None, judge: str | None = None, testset: str | None = None,
             date: str | None = None, seed: int | str | None = None,
             category_config: RatingConfig | None = None) -> Leaderboard:
        """Load a leaderboard from a ratings file (Rating records; rows with a ``category`` form the
        per-category boards), optional LMSYS-format battles (win rates, the win-rate matrix, and
        per-category ratings from their ``category`` column when the ratings file has none) and an
        optional reference ranking (shipped name or file). The metadata comes from ``run.json`` /
        ``agreement.json`` beside the ratings, overridden by the arguments given; the date falls back to
        the ratings file's modification day (UTC). Categories are rated with ``category_config``, else
        with the bootstrap of ``run.json`` (see :func:`~wizardarena.leaderboard.sources.category_config`)."""
        overall, by_category = read_rating_rows(ratings)
        table = read_battles(battles, extra=()) if battles is not None else None  # boards show no other column
        info = RunInfo(**read_run_info(Path(ratings))).updated(title=title, judge=judge, testset=testset,
                                                               date=date, seed=None if seed is None else str(seed))
        if category_config is None and table is not None:
            category_config = category_rating_config(read_json_object(Path(ratings).parent / "run.json"), table)
        return cls.from_records(overall, table, reference, info, category_config, by_category)

    @classmethod
    def from_records(cls, records: Sequence[Mapping], battles: BattleTable | None = None,
                     reference: str | None = None, info: RunInfo = RunInfo(),
                     category_config: RatingConfig | None = None,
                     category_records: Mapping[str, Sequence[Mapping]] | None = None) -> Leaderboard:
        """Build a leaderboard from Rating records already in memory (see :meth:`load`); without
        ``category_config`` the categories are rated as a run without ``run.json`` is."""
        notes: list[str] = []
        matrix, rates = None, None
        if battles is not None:
            matrix = _ordered_matrix(battles, [r["model"] for r in _best_first(records)], notes)
            rates = win_rates(battles)
        categories = {name: rank_rows(rows) for name, rows in (category_records or {}).items()}
        used = None
        if not categories and battles is not None and battles.category is not None:
            used = category_config or category_rating_config(None, battles)
            for name, (rows, group_rates) in category_rows(battles, used, notes).items():
                categories[name] = rank_rows(rows, group_rates)
        compared = compare_with_reference(records, reference) if reference else None
        return cls(rank_rows(records, rates), info, matrix, categories,
                   compared, tuple(notes), used)


def rank_rows(records: Sequence[Mapping], rates: Mapping[str, float] | None = None) -> tuple[BoardRow, ...]:
    """Rating records -> :class:`BoardRow` tuples, best first, with LMSYS ranks and optional win rates."""
    ordered = _best_first(records)
    return tuple(BoardRow(rank, r["model"], float(r["rating"]), float(r["lower"]), float(r["upper"]),
                          int(r["n_battles"]), None if rates is None else rates.get(r["model"]),
                          **{key: r.get(key) for key in BASELINE_FIELDS})
                 for rank, r in zip(lmsys_ranks(ordered), ordered))


def compare_with_reference(records: Sequence[Mapping], name: str) -> ReferenceComparison:
    """Align the ratings with the reference ranking ``name`` (shipped name or file) and compare them."""
    from wizardarena.agreement import align, compare, load_ranking
    from wizardarena.agreement.rankings import ranking_from_columns

    columns = {key: [r[key] for r in records] for key in ("model", "rating", "lower", "upper")}
    candidate, reference = ranking_from_columns(columns, "this leaderboard"), load_ranking(name)
    metrics = compare(candidate, reference)
    shared_candidate, shared_reference = align(candidate, reference)
    return ReferenceComparison(name, shared_candidate.models, shared_candidate.score, shared_reference.score,
                               metrics)


def _best_first(records: Sequence[Mapping]) -> list[Mapping]:
    return sorted(records, key=lambda r: -float(r["rating"]))


def _ordered_matrix(battles: BattleTable, order: list[str], notes: list[str]) -> WinMatrix:
    models, rate, count = win_rate_matrix(battles)
    position = {name: k for k, name in enumerate(models)}
    unrated = sorted(set(models) - set(order))
    if unrated:
        notes.append(f"{len(unrated)} model(s) in the battles have no rating: {', '.join(unrated[:5])}")
    shown = [name for name in order if name in position]
    pick = np.array([position[name] for name in shown], dtype=int)
    return WinMatrix(tuple(shown), rate[np.ix_(pick, pick)], count[np.ix_(pick, pick)])
