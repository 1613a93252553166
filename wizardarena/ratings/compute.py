"""Battles -> Elo ratings with bootstrap confidence intervals (the rating stage of the flow)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from wizardarena.errors import InputError
from wizardarena.ratings import bradley_terry as bt
from wizardarena.ratings.checks import require_connected, resolve_model, separation_warnings
from wizardarena.ratings.config import ELO_PER_BT_UNIT, RatingConfig
from wizardarena.ratings.pairs import OutcomeClasses, kept_prompts, outcome_classes
from wizardarena.ratings.resample import Sampler, bootstrap_sampler, run_blocks
from wizardarena.ratings.style_coefs import StyleCoefs
from wizardarena.ratings.table import BattleTable
from wizardarena.records import Rating


@dataclass(frozen=True)
class RatingResult:
    """Ratings of ``models`` on the Elo scale: the full-data fit, bootstrap samples (rounds x models)
    and, with style control, the style coefficients used (fitted jointly, or frozen: ``style``). With
    ``ci="sandwich"`` there are no samples: ``covariance`` (Elo², the reported normalisation) gives the CI."""

    models: tuple[str, ...]
    fitted: np.ndarray
    samples: np.ndarray | None
    n_battles: np.ndarray
    config: RatingConfig
    style: StyleCoefs | None = None
    warnings: tuple[str, ...] = ()
    covariance: np.ndarray | None = None

    @property
    def has_intervals(self) -> bool:
        """Whether CIs were computed (bootstrap rounds or a sandwich covariance), even if every one has zero
        width (a judge that only ever picks the first answer shown makes every round identical)."""
        return self.samples is not None or self.covariance is not None

    @property
    def style_coefficients(self) -> dict[str, float] | None:
        """``{feature: coefficient}`` (BT units per std) under style control, else None."""
        return None if self.style is None else self.style.as_dict()

    @property
    def rating(self) -> np.ndarray:
        """The reported rating: bootstrap median (config.point == "median" and rounds > 0) or the fit."""
        if self.samples is None or self.config.point == "mle":
            return self.fitted
        return np.median(self.samples, axis=0)

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper percentile bounds (normal bounds for the sandwich CI); equal to the rating when
        there was no bootstrap."""
        if self.covariance is not None:
            from wizardarena.ratings.sandwich import normal_interval

            return normal_interval(self.fitted, self.covariance, self.config.confidence)
        if self.samples is None:
            return self.rating, self.rating
        tail = 50.0 * (1.0 - self.config.confidence)
        return np.percentile(self.samples, tail, axis=0), np.percentile(self.samples, 100.0 - tail, axis=0)

    def records(self, with_samples: bool = True) -> list[Rating]:
        """Rating records sorted best first (the Rating contract of DESIGN.md)."""
        lower, upper, rating = *self.interval(), self.rating
        out: list[Rating] = []
        for k in np.argsort(-rating, kind="stable"):
            record: Rating = {"model": self.models[k], "rating": float(rating[k]), "lower": float(lower[k]),
                              "upper": float(upper[k]), "n_battles": int(self.n_battles[k])}
            if with_samples and self.samples is not None:
                record["samples"] = [float(x) for x in self.samples[:, k]]
            out.append(record)
        return out


def compute_ratings(table: BattleTable, config: RatingConfig = RatingConfig()) -> RatingResult:
    """Rate the models of ``table``; see :class:`RatingConfig` for the options."""
    # One BLAS thread: the bootstrap has its own worker threads, and on a busy 2-core machine each small
    # (models x models) solve or product waited ~40 ms for a descheduled OpenBLAS helper thread.
    with threadpool_limits(1, user_api="blas"):
        return _compute_ratings(table, config)


def _compute_ratings(table: BattleTable, config: RatingConfig) -> RatingResult:
    classes = outcome_classes(table, config.ties)
    models = [table.models[k] for k in classes.present]
    if classes.kept.size == 0:
        raise InputError(f"no battles left after the tie policy {config.ties!r}")
    if config.ci == "sandwich" and config.unit == "prompt" and table.prompt is None:
        raise InputError("--ci sandwich --unit prompt clusters by prompt: it needs a prompt_id on every battle")
    require_connected(models, classes.pair_i, classes.pair_j)
    n, s = classes.pair_totals(classes.class_count)
    warnings = separation_warnings(models, classes.pair_i, classes.pair_j, n[0], s[0])
    anchor = None if config.anchor is None else resolve_model(config.anchor[0], models)
    sampler = _bootstrap_sampler(table, classes, config)
    coefficients, covariance = None, None
    if config.style_control:
        from wizardarena.ratings.style import fit_style_controlled

        theta, theta_rounds, coefficients = fit_style_controlled(table, classes, config)
        if config.ci == "sandwich":
            covariance, theta_rounds = theta_rounds, None
    elif config.method == "online":
        from wizardarena.ratings.online_elo import online_elo_rounds

        theta, theta_rounds = online_elo_rounds(table, classes, sampler, config)
    else:
        theta, theta_rounds = _fit_bradley_terry(classes, n, s, sampler, config)
    if config.ci == "sandwich":
        from wizardarena.ratings.sandwich import normalised_covariance, sandwich_covariance

        if covariance is None:
            prompts = kept_prompts(table, classes) if config.unit == "prompt" else None
            covariance = sandwich_covariance(classes, theta, prompts, config.ridge)
        covariance = normalised_covariance(covariance, anchor, ELO_PER_BT_UNIT)
    per_pair = _pair_battles(classes)
    played = np.bincount(classes.pair_i, per_pair, len(models)) + np.bincount(classes.pair_j, per_pair, len(models))
    return RatingResult(
        models=tuple(models), fitted=_to_elo(theta[None, :], anchor, config)[0],
        samples=None if theta_rounds is None else _to_elo(theta_rounds, anchor, config),
        n_battles=played.astype(np.int64), config=config, style=coefficients,
        warnings=tuple(warnings), covariance=covariance)


def ratings_by(table: BattleTable, column: str, config: RatingConfig = RatingConfig()) -> dict[str, RatingResult]:
    """Separate ratings for each value of ``column`` (``category``, or any extra string column)."""
    values = group_values(table, column)
    return {group: compute_ratings(table.subset(values == group), config) for group in sorted(set(values))}


def group_values(table: BattleTable, column: str) -> np.ndarray:
    """The string value of ``column`` for every battle (missing values become "")."""
    values = table.category if column == "category" else table.extra.get(column)
    if values is None:
        raise InputError(f"--by {column}: the battles have no {column!r} column")
    values = np.asarray(["" if v is None else str(v) for v in values], dtype=object)
    if len(set(values)) > 1000:
        raise InputError(f"--by {column}: {len(set(values))} distinct values; that is not a grouping column")
    return values


def _fit_bradley_terry(classes: OutcomeClasses, n, s, sampler: Sampler | None, config: RatingConfig):
    ridge = config.ridge
    problem = bt.BradleyTerryProblem(classes.pair_i, classes.pair_j, n, s, classes.n_models, ridge)
    theta = bt.solve(problem)[0]
    if sampler is None:
        return theta, None
    chord = bt.inverse_curvature(problem, theta)

    def block(rng, size):
        n_r, s_r = classes.pair_totals(sampler(rng, size))
        rounds = bt.BradleyTerryProblem(classes.pair_i, classes.pair_j, n_r, s_r, classes.n_models, ridge,
                                        problem.scatter)
        return bt.solve(rounds, start=theta, chord=chord)

    return theta, run_blocks(block, config.bootstrap, config.seed, classes.n_models)


def _bootstrap_sampler(table: BattleTable, classes: OutcomeClasses, config: RatingConfig) -> Sampler | None:
    if config.bootstrap == 0 or config.ci == "sandwich":
        return None
    prompts = kept_prompts(table, classes) if config.unit == "prompt" else None  # only the prompt unit needs them
    return bootstrap_sampler(config.unit, classes.class_count, classes.battle_class, prompts, classes.battle_count)


def _pair_battles(classes: OutcomeClasses) -> np.ndarray:
    return np.bincount(classes.class_pair, classes.class_count, classes.n_pairs)


def _to_elo(theta: np.ndarray, anchor: int | None, config: RatingConfig) -> np.ndarray:
    elo = theta * ELO_PER_BT_UNIT
    if anchor is None:
        return elo - elo.mean(axis=1, keepdims=True) + config.center
    return elo - elo[:, anchor:anchor + 1] + config.anchor[1]
