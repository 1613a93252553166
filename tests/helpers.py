"""Synthetic battles drawn from known Bradley-Terry strengths, shared by the rating tests.

Strengths are in BT units (natural log-odds): model i beats model j with probability
σ(θi - θj) when the battle is not a tie. Models are named ``model-000``, ``model-001``, ... so their
sorted order is their index order and ``table.models[k]`` has strength ``strengths[k]``.
"""

from __future__ import annotations

import numpy as np

from wizardarena.ratings import ELO_PER_BT_UNIT
from wizardarena.ratings.style import style_features
from wizardarena.ratings.table import MODEL_A_WINS, MODEL_B_WINS, TIE, TIE_BOTHBAD, BattleTable

WINNER_NAMES = ("model_a", "model_b", "tie", "tie (bothbad)")


def model_names(n: int) -> tuple[str, ...]:
    """``model-000`` ... (zero-padded so that sorting keeps index order)."""
    return tuple(f"model-{k:03d}" for k in range(n))


def true_elo(strengths) -> np.ndarray:
    """Elo the engine should recover: mean-centred strengths on the Elo scale around 1000."""
    theta = np.asarray(strengths, dtype=float)
    return (theta - theta.mean()) * ELO_PER_BT_UNIT + 1000.0


def simulate_arrays(strengths, n_battles: int, seed: int, tie_rate: float = 0.1, n_prompts: int | None = None,
                    prompt_effect: float = 0.0, bothbad_share: float = 0.5):
    """Draw battles; returns ``(a, b, outcome, prompt)`` integer arrays (``prompt`` is None without prompts).

    Each battle picks a random ordered pair of distinct models; with probability ``tie_rate`` it is a
    tie (a ``bothbad_share`` of those "tie (bothbad)"), else ``a`` wins with probability σ(θa - θb).
    With ``n_prompts`` every battle belongs to a uniformly drawn prompt; ``prompt_effect`` > 0 adds a
    per-(prompt, model) N(0, prompt_effect²) shift to the strengths, so all battles of a prompt share
    an outcome bias (correlated battles, the case a prompt-level bootstrap exists for).
    """
    theta = np.asarray(strengths, dtype=float)
    m = theta.shape[0]
    rng = np.random.default_rng(seed)
    a = rng.integers(0, m, n_battles)
    b = (a + rng.integers(1, m, n_battles)) % m  # uniform over the other models
    prompt = None if n_prompts is None else rng.integers(0, n_prompts, n_battles)
    diff = theta[a] - theta[b]
    if prompt is not None and prompt_effect > 0:
        shift = rng.normal(0.0, prompt_effect, size=(n_prompts, m))
        diff = diff + shift[prompt, a] - shift[prompt, b]
    a_wins = rng.random(n_battles) < 1.0 / (1.0 + np.exp(-diff))
    outcome = np.where(a_wins, MODEL_A_WINS, MODEL_B_WINS)
    tied = rng.random(n_battles) < tie_rate
    bothbad = rng.random(n_battles) < bothbad_share
    outcome = np.where(tied, np.where(bothbad, TIE_BOTHBAD, TIE), outcome).astype(np.int8)
    return a.astype(np.int32), b.astype(np.int32), outcome, prompt


def simulate_table(strengths, n_battles: int, seed: int, tie_rate: float = 0.1, n_prompts: int | None = None,
                   prompt_effect: float = 0.0) -> BattleTable:
    """A :class:`BattleTable` of simulated battles (see :func:`simulate_arrays`)."""
    a, b, outcome, prompt = simulate_arrays(strengths, n_battles, seed, tie_rate, n_prompts, prompt_effect)
    prompts = None if prompt is None else np.array([f"p{k:05d}" for k in prompt], dtype=object)
    return BattleTable(model_names(len(strengths)), a, b, outcome, prompt=prompts)


def simulate_records(strengths, n_battles: int, seed: int, tie_rate: float = 0.1,
                     n_prompts: int | None = None, prompt_effect: float = 0.0) -> list[dict]:
    """The same battles as :func:`simulate_table`, as LMSYS-format battle dicts."""
    a, b, outcome, prompt = simulate_arrays(strengths, n_battles, seed, tie_rate, n_prompts, prompt_effect)
    names = model_names(len(strengths))
    records = []
    for k in range(n_battles):
        record = {"model_a": names[a[k]], "model_b": names[b[k]], "winner": WINNER_NAMES[outcome[k]]}
        if prompt is not None:
            record["prompt_id"] = f"p{prompt[k]:05d}"
        records.append(record)
    return records


def battle_scores(table: BattleTable) -> np.ndarray:
    """Score of ``model_a`` in every battle: 1 win, 0 loss, 0.5 either kind of tie."""
    return np.select([table.outcome == MODEL_A_WINS, table.outcome == MODEL_B_WINS], [1.0, 0.0], 0.5)


def reference_bt_elo(a, b, score, n_models: int, weight=None) -> np.ndarray:
    """An independent Bradley-Terry fit: L-BFGS-B on the per-battle logistic log-likelihood (ties as half
    a win to each side, no regularisation), mean-centred, on the Elo scale around 1000."""
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    score = np.asarray(score, dtype=float)
    weight = np.ones_like(score) if weight is None else np.asarray(weight, dtype=float)

    def negative_log_likelihood(theta):
        d = theta[a] - theta[b]
        value = -(weight * (score * log_expit(d) + (1.0 - score) * log_expit(-d))).sum()
        resid = weight * (score - expit(d))  # d(loglik)/dd per battle
        grad = -(np.bincount(a, resid, n_models) - np.bincount(b, resid, n_models))
        return value, grad

    fit = minimize(negative_log_likelihood, np.zeros(n_models), jac=True, method="L-BFGS-B",
                   options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 30})
    return true_elo(fit.x)


def simulate_style_table(n_models=6, n=6000, seed=3, style_effect=0.0):
    """Battles whose outcome depends on strength and, by ``style_effect`` BT units per std, on the answers'
    length difference; returns (table with style_a/style_b, true mean-1000 Elo)."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(0, 1, n_models)
    a = rng.integers(0, n_models, n)
    b = (a + rng.integers(1, n_models, n)) % n_models
    verbose = np.arange(n_models) % 2 == 0
    # verbosity depends on the model and varies a lot per answer, so its effect is identifiable
    len_a = rng.poisson(np.where(verbose[a], 700, 300) * rng.lognormal(0, 0.6, n))
    len_b = rng.poisson(np.where(verbose[b], 700, 300) * rng.lognormal(0, 0.6, n))
    z = style_features(np.c_[len_a, np.zeros((n, 3))], np.c_[len_b, np.zeros((n, 3))])[:, 0]
    p = 1 / (1 + np.exp(-(strength[a] - strength[b] + style_effect * z)))
    outcome = np.where(rng.random(n) < p, 0, 1).astype(np.int8)
    style = [[{"length": int(x), "headers": 0, "lists": 0, "bold": 0} for x in lens] for lens in (len_a, len_b)]
    table = BattleTable(tuple(f"m{i}" for i in range(n_models)), a.astype(np.int32), b.astype(np.int32), outcome,
                        extra={"style_a": style[0], "style_b": style[1]})
    truth = strength * 400 / np.log(10)
    return table, truth - truth.mean() + 1000
