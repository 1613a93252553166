"""AlpacaEval 2's length-controlled win rate against a baseline (Dubois et al. 2024, "Length-Controlled
AlpacaEval"), for the alpaca-eval judge protocol.

For each model m, over its valid games against the baseline b (both orders), a logistic regression of the
judge's soft preference for m on an intercept and ``tanh(len_diff / std(len_diff))`` (``len_diff`` =
m's answer length minus b's, in the style counts' tokens) is fitted; the LC win rate is
``sigmoid(intercept)``: the preference with the length term set to 0. The raw win rate is the mean preference.
The CI is a seeded bootstrap over prompts (every game of a drawn prompt comes with it), refitting each round.
AlpacaEval 2 also fits an instruction-difficulty term; it is left out here.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from wizardarena.ratings.logistic import expit
from wizardarena.ratings.resample import prompt_draws, run_blocks

RIDGE = 1e-4  # keeps the fit finite when a model wins every game outright (separable data)


def fit_intercepts(pref: np.ndarray, len_diff: np.ndarray, weights: np.ndarray, steps: int = 60) -> np.ndarray:
    """Intercepts of the weighted soft-label logistic fits ``pref ~ 1 + tanh(len_diff / std)``, one per row of
    ``weights`` (rounds x games; the std is each round's weighted std). Newton's method, batched over rounds.

    >>> pref = np.array([0.8, 0.8, 0.8, 0.2]); diff = np.array([100.0, 100.0, 100.0, -100.0])
    >>> round(float(pref.mean()), 3), round(float(expit(fit_intercepts(pref, diff, np.ones((1, 4))))[0]), 3)
    (0.65, 0.5)
    """
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum(1, keepdims=True)
    mean = (weights * len_diff).sum(1, keepdims=True) / total
    std = np.sqrt((weights * (len_diff - mean) ** 2).sum(1, keepdims=True) / total)
    x = np.tanh(len_diff / np.where(std > 0, std, 1.0))
    beta = np.zeros((weights.shape[0], 2))
    for _ in range(steps):
        p = expit(beta[:, :1] + beta[:, 1:] * x)
        r, h = weights * (p - pref), weights * p * (1.0 - p)
        grad = np.stack([r.sum(1), (r * x).sum(1)], 1) + RIDGE * beta
        hx = (h * x).sum(1)
        hess = np.stack([np.stack([h.sum(1), hx], 1), np.stack([hx, (h * x * x).sum(1)], 1)], 1)
        step = np.linalg.solve(hess + RIDGE * np.eye(2), grad[..., None])[..., 0]
        beta -= step
        if np.abs(step).max(initial=0.0) < 1e-10:
            break
    return beta[:, 0]


def lc_win_rates(games: Sequence[tuple[str, str, float, float]], baseline: str, rounds: int = 100, seed: int = 0,
                 confidence: float = 0.95) -> dict[str, dict]:
    """``{model: {"lc_win_rate", "lc_lower", "lc_upper", "raw_win_rate", "lc_games"}}`` (fractions) from
    ``games``: ``(model, prompt_id, preference for model over the baseline, len_diff)``. The baseline itself
    gets 0.5. With ``rounds`` = 0, lower == upper == the point."""
    prompts = {p: k for k, p in enumerate(dict.fromkeys(g[1] for g in games))}
    codes = np.array([prompts[g[1]] for g in games], dtype=np.int64)
    if rounds and games:
        def block(rng: np.random.Generator, size: int) -> np.ndarray:
            return prompt_draws(rng, len(prompts), size)[:, codes]  # a game's weight: its prompt's draws

        resampled = run_blocks(block, rounds, seed, len(games))
    out = {baseline: {"lc_win_rate": 0.5, "lc_lower": 0.5, "lc_upper": 0.5, "raw_win_rate": 0.5, "lc_games": 0}}
    tail = 100.0 * (1.0 - confidence) / 2.0
    for model in sorted({g[0] for g in games}):
        rows = np.array([k for k, g in enumerate(games) if g[0] == model])
        pref = np.array([games[k][2] for k in rows])
        diff = np.array([games[k][3] for k in rows], dtype=np.float64)
        point = float(expit(fit_intercepts(pref, diff, np.ones((1, rows.size))))[0])
        lower = upper = point
        if rounds:
            weights = resampled[:, rows]
            kept = weights.sum(1) > 0  # a round that drew none of this model's prompts says nothing
            samples = expit(fit_intercepts(pref, diff, weights[kept])) if kept.any() else np.array([point])
            lower, upper = (float(v) for v in np.percentile(samples, [tail, 100.0 - tail]))
        out[model] = {"lc_win_rate": point, "lc_lower": lower, "lc_upper": upper,
                      "raw_win_rate": float(pref.mean()), "lc_games": int(rows.size)}
    return out


def baseline_games(verdicts, lengths: Mapping[tuple[str, str], float], baseline: str) -> list[tuple]:
    """The :func:`lc_win_rates` games of every model against ``baseline`` from alpaca-eval verdicts (whose
    scores are ``(p_a, 1 - p_a)``) and answer lengths by ``(model, prompt_id)``; games lacking a length
    are left out."""
    games = []
    for p, _, a, b, _, valid, sa, sb in verdicts:
        if not valid or baseline not in (a, b) or a == b:
            continue
        model, pref = (a, sa) if b == baseline else (b, sb)
        if (model, p) in lengths and (baseline, p) in lengths:
            games.append((model, p, float(pref), float(lengths[(model, p)] - lengths[(baseline, p)])))
    return games


def with_length_control(records: list[dict], result, config) -> list[dict]:
    """Rating ``records`` of an eval run with the :func:`lc_win_rates` fields added (the alpaca-eval
    protocol with ``--baseline`` only; otherwise unchanged). Lengths are the battles' style counts."""
    if config.baseline is None or config.judge.config.protocol != "alpaca-eval":
        return records
    columns = result.battle_columns
    lengths = {}
    for side, style in (("model_a", "style_a"), ("model_b", "style_b")):
        for model, prompt, counts in zip(columns[side], columns["prompt_id"], columns.get(style, ())):
            lengths[(model, prompt)] = counts["length"]
    rc = result.ratings.config
    rates = lc_win_rates(baseline_games(result.judgments, lengths, config.baseline), config.baseline,
                         rc.bootstrap if rc.ci == "bootstrap" else 0, rc.seed, rc.confidence)
    return [{**r, **rates[r["model"]]} if r["model"] in rates else r for r in records]
