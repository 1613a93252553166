"""Agreement of a candidate ranking with a reference one, computed as in the Arena-Hard statistics notebook.

Every pairwise metric here takes two :class:`Ranking` objects already aligned by :func:`align` (same
models, same order). The reference is the ground truth (e.g. the human Chatbot Arena); the candidate is
the benchmark being judged (e.g. WizardArena or Arena-Hard).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from wizardarena.agreement.rankings import Ranking
from wizardarena.errors import InputError

Z_95 = 1.959964  # two-sided 95% normal quantile; turns a CI width into a standard deviation
MIN_SHARED = 3


def align(candidate: Ranking, reference: Ranking, name_map: dict[str, str] | None = None,
          keep_unmapped: bool = False) -> tuple[Ranking, Ranking]:
    """Restrict both rankings to their shared models, in the candidate's order, named as in the candidate.

    ``name_map`` maps REFERENCE names to CANDIDATE names; matching ignores case. With a map, only the
    models it names are compared (the notebook's maps list identity entries for exactly that reason);
    ``keep_unmapped=True`` lets reference names outside the map match candidate names as they are,
    an explicit mapping winning when both claim the same candidate name.
    """
    targets: dict[str, int] = {}  # lower-cased candidate name -> reference row
    explicit: set[str] = set()
    lowered = _lowered_map(name_map or {})
    for row, model in enumerate(reference.models):
        key = model.lower()
        if key in lowered:
            targets[lowered[key]] = row
            explicit.add(lowered[key])
        elif (name_map is None or keep_unmapped) and key not in explicit:
            targets.setdefault(key, row)
    cand_rows = [i for i, model in enumerate(candidate.models) if model.lower() in targets]
    if len(cand_rows) < MIN_SHARED:
        hint = "pass --map NAMES.json (reference name -> candidate name) to pair differently spelled models"
        if name_map is not None and not keep_unmapped:
            hint += ", or --keep-unmapped to also match names the map leaves out"
        raise InputError(f"{candidate.source} and {reference.source} share {len(cand_rows)} model(s), "
                         f"need at least {MIN_SHARED}: {hint}")
    ref_rows = [targets[candidate.models[i].lower()] for i in cand_rows]
    shared = tuple(candidate.models[i] for i in cand_rows)
    return candidate.take(cand_rows), reference.take(ref_rows, models=shared)


def _lowered_map(name_map: dict[str, str]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for source, target in name_map.items():
        if source.lower() in lowered:
            raise InputError(f"name map: {source!r} appears twice (names match case-insensitively)")
        if target.lower() in lowered.values():
            raise InputError(f"name map: two reference models map to {target!r}")
        lowered[source.lower()] = target.lower()
    return lowered


def spearman(reference: Ranking, candidate: Ranking) -> float:
    """Spearman rank correlation of the point scores (NaN when either side is constant)."""
    # scipy.stats loads here, not with the package: reading a ranking (simulate, eval) should not pay ~0.8 s.
    from scipy import stats

    return _statistic(stats.spearmanr, reference.score, candidate.score)


def kendall(reference: Ranking, candidate: Ranking) -> float:
    """Kendall's tau-b of the point scores (NaN when either side is constant)."""
    from scipy import stats

    return _statistic(stats.kendalltau, reference.score, candidate.score)


def _statistic(test: Callable, x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(test(x, y).statistic)


def separability_ci(ranking: Ranking) -> float:
    """Share of model pairs whose CIs do not overlap.

    Models are sorted by lower bound; a pair (i before j) overlaps when ``lower_j < upper_i`` (strict, so
    touching intervals are separated). Separability = 1 - overlapping pairs / C(n, 2).
    """
    n = len(ranking)
    if n < 2:
        return math.nan
    order = np.argsort(ranking.lower, kind="stable")
    lower, upper = ranking.lower[order], ranking.upper[order]
    i, j = np.triu_indices(n, 1)
    overlapping = int(np.count_nonzero(lower[j] < upper[i]))
    return 1.0 - overlapping / (n * (n - 1) / 2)


def _pair_terms(reference: Ranking, candidate: Ranking) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every unordered pair: reference separates it, candidate separates it, both order it alike.

    Separated means ``max(0, min(upper) - max(lower)) == 0`` (touching intervals count as separated).
    Order is decided as the notebook does, by comparing ``(lower, upper)`` tuples lexicographically,
    i.e. by lower bound first, not by point score: a zero-width baseline such as gpt-4-0314 at
    [50, 50] lying inside another model's interval is "separated" and ordered by the lower bounds.
    """
    i, j = np.triu_indices(len(reference), 1)

    def separated(r: Ranking) -> np.ndarray:
        return np.maximum(0.0, np.minimum(r.upper[i], r.upper[j]) - np.maximum(r.lower[i], r.lower[j])) <= 0

    def before(r: Ranking) -> np.ndarray:
        return (r.lower[i] < r.lower[j]) | ((r.lower[i] == r.lower[j]) & (r.upper[i] < r.upper[j]))

    return separated(reference), separated(candidate), before(reference) == before(candidate)


def agreement_ci(reference: Ranking, candidate: Ranking) -> float:
    """Agreement with 95% CI, the Arena-Hard notebook variant.

    Over the pairs the reference separates: 1 when the candidate separates them in the same order,
    0 in the opposite order, 0.5 when the candidate's CIs overlap. See :func:`_pair_terms` for how
    separation and order are decided (order by interval tuples, a quirk kept on purpose). NaN when the
    reference separates no pair.
    """
    ref_sep, cand_sep, same = _pair_terms(reference, candidate)
    if not ref_sep.any():
        return math.nan
    points = np.where(cand_sep, same.astype(float), 0.5)
    return float(points[ref_sep].sum() / ref_sep.sum())


def agreement_ci_signed(reference: Ranking, candidate: Ranking) -> float:
    """Agreement with 95% CI, the Arena Learning paper's variant.

    Over the pairs the reference separates: +1 when the candidate separates them in the same order,
    -1 in the opposite order, 0 when the candidate's CIs overlap (order and separation as in
    :func:`agreement_ci`). NaN when the reference separates no pair.
    """
    ref_sep, cand_sep, same = _pair_terms(reference, candidate)
    if not ref_sep.any():
        return math.nan
    points = np.where(cand_sep, np.where(same, 1.0, -1.0), 0.0)
    return float(points[ref_sep].sum() / ref_sep.sum())


def brier(reference: Ranking, candidate: Ranking) -> float:
    """Pair-rank Brier score of the candidate's bootstrap against the reference's order (lower is better).

    For pairs (a, b) with a < b by name: p(a below b) = Phi((mean_b - mean_a) / sqrt(var_a + var_b)),
    with mean and variance (ddof 0) of the candidate's bootstrap samples; the label is 1 when the
    reference rates a strictly below b. Without samples the candidate is taken as normal with its point
    score as mean and sigma = (upper - lower) / (2 * 1.959964). Zero total variance gives a step
    (0.5 on equal means).
    """
    from scipy import stats

    if candidate.samples is not None:
        mean, var = candidate.samples.mean(axis=1), candidate.samples.var(axis=1)
    else:
        mean, var = candidate.score, ((candidate.upper - candidate.lower) / (2 * Z_95)) ** 2
    order = sorted(range(len(candidate)), key=lambda k: candidate.models[k])
    a, b = (np.asarray(order)[idx] for idx in np.triu_indices(len(order), 1))
    gap, spread = mean[b] - mean[a], np.sqrt(var[a] + var[b])
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(spread > 0, stats.norm.cdf(gap / np.where(spread > 0, spread, 1.0)),
                     np.where(gap == 0, 0.5, (gap > 0).astype(float)))
    label = (reference.score[a] < reference.score[b]).astype(float)
    return float(np.mean((p - label) ** 2))


def compare(candidate: Ranking, reference: Ranking, name_map: dict[str, str] | None = None,
            keep_unmapped: bool = False) -> dict:
    """All agreement metrics of ``candidate`` against ``reference`` over their shared models.

    ``consistency`` is the mean of Spearman, the signed agreement and the candidate's separability,
    which is what the Arena Learning paper reports.
    """
    cand, ref = align(candidate, reference, name_map, keep_unmapped)
    result = {
        "n_models": len(cand),
        "spearman": spearman(ref, cand),
        "kendall": kendall(ref, cand),
        "agreement_ci": agreement_ci(ref, cand),
        "agreement_ci_signed": agreement_ci_signed(ref, cand),
        "separability_ci": separability_ci(cand),
        "reference_separability_ci": separability_ci(ref),
        "brier": brier(ref, cand),
    }
    parts = (result["spearman"], result["agreement_ci_signed"], result["separability_ci"])
    result["consistency"] = float(np.mean(parts))
    result["models"] = list(cand.models)
    return result
