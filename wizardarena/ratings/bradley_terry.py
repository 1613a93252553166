"""Batched Bradley-Terry maximum likelihood: many rounds (bootstrap samples) solved at once.

Each round r has per-pair totals ``n[r, p]`` and scores ``s[r, p]`` (wins of ``pair_i`` plus half the
ties). We maximise, for every round, ``sum_p s log σ(θi-θj) + (n-s) log σ(θj-θi) - ridge/2 |θ|²``.
The ridge makes the problem strictly concave (finite ratings for a model that won or lost every
battle, and a unique centring); the default is tiny compared with any real data.
"""

from __future__ import annotations

import numpy as np

from wizardarena.ratings.logistic import PairScatter, expit, log_expit

DEFAULT_RIDGE = 1e-3
STEP_TOL = 1e-9


class BradleyTerryProblem:
    """Per-pair totals for ``rounds`` rounds over fixed pairs; gradient, Hessian and objective."""

    def __init__(self, pair_i, pair_j, n, s, n_models: int, ridge: float = DEFAULT_RIDGE,
                 scatter: PairScatter | None = None):
        self.pair_i, self.pair_j = np.asarray(pair_i), np.asarray(pair_j)
        self.n, self.s = np.atleast_2d(n), np.atleast_2d(s)
        self.n_models, self.ridge = n_models, ridge
        self.scatter = scatter or PairScatter(self.pair_i, self.pair_j, n_models)  # shared by bootstrap blocks
        self.rounds, self.n_params = self.n.shape[0], n_models

    def differences(self, theta: np.ndarray) -> np.ndarray:
        # np.take, not theta[:, pair_i]: the same values, 4x faster for a (32 x 4950) result
        return np.take(theta, self.pair_i, axis=1) - np.take(theta, self.pair_j, axis=1)

    def objective(self, theta: np.ndarray, rows=slice(None)) -> np.ndarray:
        d = self.differences(theta)
        n, s = self.n[rows], self.s[rows]
        return (s * log_expit(d) + (n - s) * log_expit(-d)).sum(1) - 0.5 * self.ridge * (theta**2).sum(1)

    def gradient(self, theta: np.ndarray, rows=slice(None), curvature: bool = True
                 ) -> tuple[np.ndarray, np.ndarray | None]:
        """Gradient of the objective and the per-pair curvature ``n σ(1-σ)`` (both per round; the
        curvature is None when not asked for)."""
        prob = expit(self.differences(theta))
        resid = self.s[rows] - self.n[rows] * prob
        grad = self.scatter.signed(resid) - self.ridge * theta
        return grad, (self.n[rows] * prob * (1.0 - prob) if curvature else None)

    def hessians(self, curvature: np.ndarray) -> np.ndarray:
        """Negative Hessians, shape (rounds, models, models), built from per-pair curvature."""
        rounds, m = curvature.shape[0], self.n_models
        h = np.zeros((rounds, m, m))
        h[:, self.pair_i, self.pair_j] = -curvature
        h[:, self.pair_j, self.pair_i] = -curvature
        degree = self.scatter.degree(curvature)
        idx = np.arange(m)
        h[:, idx, idx] = degree + self.ridge
        return h


def solve(problem: "BradleyTerryProblem", start: np.ndarray | None = None, chord: np.ndarray | None = None,
          max_iter: int = 100) -> np.ndarray:
    """Maximise every round's objective; returns θ with shape (rounds, models).

    ``chord`` (the inverse negative Hessian at a nearby solution, e.g. the point estimate) lets bootstrap
    rounds take cheap fixed-matrix steps first; rounds that do not settle fall back to damped Newton.
    """
    shape = (problem.rounds, problem.n_params)
    theta = np.zeros(shape) if start is None else np.broadcast_to(start, shape).copy()
    active = np.arange(problem.rounds)
    if chord is not None:
        active = _chord_steps(problem, theta, chord, active)
    for _ in range(max_iter):
        if active.size == 0:
            return theta
        active = _newton_step(problem, theta, active)
    raise RuntimeError(f"Bradley-Terry fit did not converge in {max_iter} Newton steps")


def _chord_steps(problem, theta, chord, active, max_steps: int = 12) -> np.ndarray:
    """Fixed-matrix steps; returns the rounds that still need Newton (slow or unfinished ones)."""
    fallback = []
    previous = np.full(active.shape[0], np.inf)
    for _ in range(max_steps):
        if active.size == 0:
            break
        rows = _rows(problem, active)
        grad, _ = problem.gradient(theta[rows], rows, curvature=False)
        step = grad @ chord
        size = np.abs(step).max(1)
        contracting = size < 0.5 * previous
        theta[active[contracting]] += step[contracting]
        fallback.append(active[~contracting])
        keep = contracting & (size >= STEP_TOL)
        active, previous = active[keep], size[keep]
    return np.concatenate([*fallback, active])


def _rows(problem, active: np.ndarray):
    """A slice when every round is active: indexing with it makes no copies."""
    return slice(None) if active.shape[0] == problem.rounds else active


def _newton_step(problem, theta, active) -> np.ndarray:
    rows = _rows(problem, active)
    grad, curvature = problem.gradient(theta[rows], rows)
    step = np.linalg.solve(problem.hessians(curvature), grad[..., None])[..., 0]
    base = problem.objective(theta[rows], rows)
    scale = np.ones(active.shape[0])
    for _ in range(40):  # backtracking keeps every accepted step an ascent step
        trial = theta[rows] + scale[:, None] * step
        worse = problem.objective(trial, rows) < base - 1e-12 * np.abs(base)
        if not worse.any():
            break
        scale[worse] *= 0.5
    theta[rows] = trial
    return active[np.abs(scale[:, None] * step).max(1) >= STEP_TOL]


def inverse_curvature(problem: "BradleyTerryProblem", theta: np.ndarray) -> np.ndarray:
    """Inverse negative Hessian of round 0 at ``theta`` (models x models), for chord steps."""
    _, curvature = problem.gradient(theta[None, :], slice(0, 1))
    return np.linalg.inv(problem.hessians(curvature)[0])
