"""A one-fit confidence interval: the robust (Huber-White "sandwich") covariance of the Bradley-Terry MLE.

With H the Fisher information (the Hessian of the negative log-likelihood at the fit) and J the sum of
outer products of score vectors, the covariance is ``H^-1 J H^-1``. Scores are per battle, or summed per
prompt (``unit="prompt"``: battles on the same prompt are correlated, and clustering accounts for that as
the prompt bootstrap does). Ties count half and weights multiply, exactly as in the fit, so ``J`` differs
from ``H`` where ties are not Bernoulli outcomes. No small-sample factor is applied (HC0 / CR0): a prompt
with a single battle then gives the same result as no clustering.

The ratings are identified only up to a shift, so the covariance is computed with one model held fixed and
then mapped to the reported normalisation (mean ``center`` or an anchored model, whose CI has width 0);
the result does not depend on which model was held. The Hessian is that of the objective the fit
maximised, its tiny ridge included (it keeps a model that won every battle, or a style feature that never
varies, finite, as in the fit).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from wizardarena.ratings.bradley_terry import BradleyTerryProblem
from wizardarena.ratings.logistic import expit
from wizardarena.ratings.pairs import OutcomeClasses

DENSE_SCORES = 20_000_000  # cluster x parameter cells (160 MB) up to which the score matrix is dense


def sandwich_covariance(classes: OutcomeClasses, theta: np.ndarray, battle_prompt: np.ndarray | None = None,
                        ridge: float = 0.0) -> np.ndarray:
    """Covariance (models x models, BT units) of ``theta`` with model 0 held fixed (row and column 0 are
    zero). ``battle_prompt``: integer prompt codes of the kept battles, to cluster the scores by prompt.
    ``ridge``: the fit's own penalty, part of the Hessian of the objective it maximised."""
    prob = expit(theta[classes.pair_i] - theta[classes.pair_j])[classes.class_pair]
    resid = classes.class_weight * (classes.class_score - prob)  # score of the pair's lower-index model
    curvature = np.bincount(classes.class_pair, classes.class_count * classes.class_weight * prob * (1 - prob),
                            classes.n_pairs)
    laplacian = BradleyTerryProblem(classes.pair_i, classes.pair_j, curvature, curvature, classes.n_models, 0.0)
    information = laplacian.hessians(curvature[None, :])[0] + ridge * np.eye(classes.n_models)
    if battle_prompt is None:  # per-battle scores of one class are equal: sum their squares per pair
        per_pair = np.bincount(classes.class_pair, classes.class_count * resid**2, classes.n_pairs)
        meat = laplacian.hessians(per_pair[None, :])[0]
    else:
        pair = classes.class_pair[classes.battle_class]
        row_resid = resid[classes.battle_class]
        if classes.battle_count is not None:  # a row of n identical battles adds n scores to its prompt's sum
            row_resid = row_resid * classes.battle_count
        meat = cluster_meat(battle_prompt, row_resid, classes.pair_i[pair], classes.pair_j[pair], classes.n_models)
    return robust_covariance(information, meat)


def cluster_meat(cluster: np.ndarray, resid: np.ndarray, a: np.ndarray, b: np.ndarray, n_models: int,
                 features: np.ndarray | None = None) -> np.ndarray:
    """``J``: the sum over clusters of the outer product of the cluster's summed score vector. A battle's
    score is ``resid`` times its design row (+1 at ``a``, -1 at ``b``, then its ``features``)."""
    k = 0 if features is None else features.shape[1]
    rows = [cluster, cluster] + ([np.repeat(cluster, k)] if k else [])
    cols = [a, b] + ([n_models + np.tile(np.arange(k), cluster.shape[0])] if k else [])
    vals = [resid, -resid] + ([(resid[:, None] * features).ravel()] if k else [])
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    shape = (int(cluster.max()) + 1, n_models + k)
    if shape[0] * shape[1] <= DENSE_SCORES:  # a dense product is far faster than a sparse one here
        scores = np.bincount(rows * shape[1] + cols, vals, shape[0] * shape[1]).reshape(shape)
        return scores.T @ scores
    from scipy import sparse  # only for score matrices too big to hold dense (its import costs ~0.4 s)

    scores = sparse.csr_array((vals, (rows, cols)), shape=shape)
    scores.sum_duplicates()
    return (scores.T @ scores).toarray()


def robust_covariance(information: np.ndarray, meat: np.ndarray) -> np.ndarray:
    """``H^-1 J H^-1`` with parameter 0 (a model's strength) held fixed: row and column 0 are zero."""
    bread = np.linalg.inv(information[1:, 1:])
    covariance = np.zeros_like(information)
    covariance[1:, 1:] = bread @ meat[1:, 1:] @ bread
    return 0.5 * (covariance + covariance.T)


def normalised_covariance(covariance: np.ndarray, anchor: int | None, scale: float) -> np.ndarray:
    """The covariance of ``scale * theta`` under the reported normalisation: mean-centred, or shifted so
    model ``anchor`` sits at a fixed value (its row and column become 0)."""
    m = covariance.shape[0]
    shift = np.full((m, m), 1.0 / m) if anchor is None else np.outer(np.ones(m), np.eye(m)[anchor])
    transform = np.eye(m) - shift
    return scale**2 * transform @ covariance @ transform.T


def normal_interval(point: np.ndarray, covariance: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided normal-approximation bounds ``point -/+ z * sd`` at ``confidence``.

    >>> lower, upper = normal_interval(np.array([1000.0]), np.array([[100.0]]), 0.95)
    >>> round(float(lower[0]), 2), round(float(upper[0]), 2)
    (980.4, 1019.6)
    """
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    half = z * np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    return point - half, point + half
