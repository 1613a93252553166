"""The headline number of Arena-Hard: each model's win rate against one fixed baseline model, as the
Bradley-Terry fit predicts it (ties count half through the fit), with a bootstrap CI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wizardarena.ratings.checks import resolve_model
from wizardarena.ratings.compute import RatingResult
from wizardarena.records import Rating


def predicted_win_rate(elo: np.ndarray, baseline_elo: np.ndarray) -> np.ndarray:
    """P(model beats baseline) = 1 / (1 + 10^((R_base - R_m) / 400)), elementwise.

    >>> predicted_win_rate(np.array([1000.0, 1400.0]), np.array(1000.0)).round(4).tolist()
    [0.5, 0.9091]
    """
    return 1.0 / (1.0 + 10.0 ** ((baseline_elo - elo) / 400.0))


def baseline_win_rates(result: RatingResult, baseline: str) -> dict[str, dict]:
    """``{model: {"baseline", "baseline_win_rate", "baseline_lower", "baseline_upper"}}`` (fractions).

    The rate is computed in every bootstrap round, so the point (median of the rounds, or the full-data
    fit with ``point="mle"``) and the percentile CI at the run's confidence follow
    :attr:`RatingResult.rating` and :meth:`RatingResult.interval`; without a bootstrap lower == upper ==
    rate. With a sandwich CI the bounds are the rate at the normal bounds of the Elo difference to the
    baseline (its variance from the covariance). An unknown ``baseline`` is an InputError with close matches.

    >>> from wizardarena.ratings import RatingConfig
    >>> result = RatingResult(("a", "b"), np.array([1000.0, 1100.0]), None, np.array([5, 5]),
    ...                       RatingConfig(bootstrap=0))
    >>> round(baseline_win_rates(result, "a")["b"]["baseline_win_rate"], 3)
    0.64
    """
    base = resolve_model(baseline, list(result.models))
    if result.covariance is not None:
        return _sandwich_win_rates(result, base, baseline)
    samples = None if result.samples is None else predicted_win_rate(result.samples, result.samples[:, [base]])
    # The same reductions as for ratings: a "RatingResult" of win rates gives point and interval alike.
    rates = replace(result, fitted=predicted_win_rate(result.fitted, result.fitted[base]), samples=samples)
    lower, upper = rates.interval()
    return {model: {"baseline": baseline, "baseline_win_rate": float(rates.rating[k]),
                    "baseline_lower": float(lower[k]), "baseline_upper": float(upper[k])}
            for k, model in enumerate(result.models)}


def _sandwich_win_rates(result: RatingResult, base: int, baseline: str) -> dict[str, dict]:
    from wizardarena.ratings.sandwich import normal_interval

    cov = result.covariance
    gap = result.fitted - result.fitted[base]
    gap_var = np.diag(cov) + cov[base, base] - 2.0 * cov[:, base]
    lower, upper = normal_interval(gap, np.diag(gap_var), result.config.confidence)
    rate, low, high = (predicted_win_rate(x, np.array(0.0)) for x in (gap, lower, upper))
    return {model: {"baseline": baseline, "baseline_win_rate": float(rate[k]),
                    "baseline_lower": float(low[k]), "baseline_upper": float(high[k])}
            for k, model in enumerate(result.models)}


def with_baseline(records: list[Rating], result: RatingResult, baseline: str | None) -> list[Rating]:
    """``records`` (from ``result.records()``) with the :func:`baseline_win_rates` fields added; the
    records unchanged when ``baseline`` is None."""
    if baseline is None:
        return records
    fields = baseline_win_rates(result, baseline)
    return [{**record, **fields[record["model"]]} for record in records]  # type: ignore[typeddict-item]
