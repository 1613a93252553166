"""Coverage of the true ratings by the sandwich CI and the bootstrap CI, over many simulated arenas.

    python benchmarks/bench_coverage.py [--arenas 200] [--models 20] [--battles 10000] [--rounds 200]
                                        [--prompts 100] [--big-battles 1000000] [--big-models 100]
                                        [--big-rounds 1000] [--big-prompts 10000]

Each arena draws its battles (uniform pairs, 10% ties, seeded) from fixed Bradley-Terry strengths with
``draw_winners``, the ``simulate`` machinery. Settings:

- ``independent``: every battle on its own (sandwich and bootstrap by battle);
- ``small``: the same with 2,000 battles (about 10 per pair), where asymptotic intervals may fall short;
- ``prompt-clustered``: battles on ``--prompts`` prompts, each prompt shifting each model's strength by
  N(0, 0.6²) (redrawn per arena), so battles of one prompt are correlated. Clustered sandwich and prompt
  bootstrap, plus the unclustered versions to show what ignoring the clusters costs.

The truth is the rating the fit estimates in the limit of infinite data from the same design: random
ties scored half and prompt shifts both pull the BT gaps of the generating strengths towards 0, so the
target is the BT fit to the expected score of every pair (Gauss-Hermite over the shift), under the
reported normalisation (mean 1000). Coverage = share of (model, arena) whose true Elo lies inside the
95% CI; "se" is the binomial standard error over all (model, arena) cells, "se arenas" the standard
error of the per-arena coverage (models of one arena are not independent). Then the time of the sandwich
against a ``--big-rounds`` bootstrap on ``--big-battles`` battles, each as a whole ``compute_ratings`` call
(no encoding: the table is built from integer arrays), beside the point fit alone. ``--arenas 0`` skips
the coverage part, ``--big-battles 0`` the timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from wizardarena.ratings import ELO_PER_BT_UNIT, RatingConfig, compute_ratings  # noqa: E402
from wizardarena.ratings import bradley_terry as bt  # noqa: E402
from wizardarena.ratings.simulation import draw_winners  # noqa: E402
from wizardarena.ratings.table import MODEL_A_WINS, MODEL_B_WINS, TIE, BattleTable  # noqa: E402

TIE_RATE = 0.1
SHIFT_SD = 0.6
SMALL_BATTLES = 2_000
SETTINGS = {  # name: (prompt shift sd, battles (None: --battles), [(label, config), ...])
    "independent": (0.0, None, [("sandwich", dict(ci="sandwich")), ("bootstrap", dict(unit="battle"))]),
    "small": (0.0, SMALL_BATTLES, [("sandwich", dict(ci="sandwich")), ("bootstrap", dict(unit="battle"))]),
    "prompt-clustered": (SHIFT_SD, None, [("sandwich by prompt", dict(ci="sandwich", unit="prompt")),
                                    ("bootstrap by prompt", dict(unit="prompt")),
                                    ("sandwich by battle", dict(ci="sandwich")),
                                    ("bootstrap by battle", dict(unit="battle"))]),
}


def draw_arena(strengths, n_battles, n_prompts, shift_sd, rng) -> BattleTable:
    """One arena's battles; each prompt shifts every model's Elo by N(0, shift_sd²) BT units."""
    m = strengths.shape[0]
    a = rng.integers(0, m, n_battles)
    b = (a + rng.integers(1, m, n_battles)) % m
    prompt = rng.integers(0, n_prompts, n_battles)
    elo = strengths * ELO_PER_BT_UNIT
    shift = rng.normal(0.0, shift_sd * ELO_PER_BT_UNIT, (n_prompts, m)) if shift_sd else np.zeros((n_prompts, m))
    winner = draw_winners(elo[a] + shift[prompt, a], elo[b] + shift[prompt, b], TIE_RATE, rng)
    outcome = np.select([winner == "model_a", winner == "model_b"], [MODEL_A_WINS, MODEL_B_WINS], TIE)
    names = tuple(f"model-{k:03d}" for k in range(m))
    return BattleTable(names, a.astype(np.int32), b.astype(np.int32), outcome.astype(np.int8), prompt=prompt)


def pseudo_true_elo(strengths, shift_sd) -> np.ndarray:
    """Mean-1000 Elo of the BT fit to every pair's expected score (ties half) with equal pair weights."""
    m = strengths.shape[0]
    i, j = np.triu_indices(m, 1)
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    gap = strengths[i, None] - strengths[j, None] + np.sqrt(2.0) * shift_sd * nodes[None, :]
    p_win = (weights / weights.sum() * (1.0 / (1.0 + np.exp(-gap)))).sum(axis=1)
    score = (1.0 - TIE_RATE) * p_win + TIE_RATE / 2.0
    problem = bt.BradleyTerryProblem(i, j, np.full(i.shape, 1e6), 1e6 * score, m, ridge=1e-9)
    theta = bt.solve(problem)[0]
    return (theta - theta.mean()) * ELO_PER_BT_UNIT + 1000.0


def coverage_runs(args) -> None:
    strengths = np.random.default_rng(2024).normal(0.0, 0.8, args.models)
    print(f"{args.arenas} arenas, {args.models} models (BT sd 0.8), {TIE_RATE:.0%} ties; "
          f"bootstrap {args.rounds} rounds; 95% CIs")
    for setting, (shift_sd, n_battles, methods) in SETTINGS.items():
        n_battles = n_battles or args.battles
        truth = pseudo_true_elo(strengths, shift_sd)
        naive = (strengths - strengths.mean()) * ELO_PER_BT_UNIT + 1000.0
        print(f"\n{setting}: {n_battles:,} battles, {args.prompts} prompts, prompt shift sd {shift_sd} BT; "
              "truth vs generating Elo: "
              f"max |gap| {np.abs(truth - naive).max():.1f}")
        inside = {label: [] for label, _ in methods}
        width = {label: [] for label, _ in methods}
        spent = dict.fromkeys(inside, 0.0)
        for arena in range(args.arenas):
            table = draw_arena(strengths, n_battles, args.prompts, shift_sd, np.random.default_rng([7, arena]))
            for label, options in methods:
                config = RatingConfig(bootstrap=args.rounds, seed=arena, point="mle", **options)
                start = time.perf_counter()
                result = compute_ratings(table, config)
                spent[label] += time.perf_counter() - start
                lower, upper = result.interval()
                inside[label].append((lower <= truth) & (truth <= upper))
                width[label].append(np.mean(upper - lower))
        for label, _ in methods:
            hits = np.array(inside[label])
            cover = hits.mean()
            se = np.sqrt(cover * (1 - cover) / hits.size)
            se_arenas = hits.mean(axis=1).std(ddof=1) / np.sqrt(hits.shape[0])
            per_arena = 1000 * spent[label] / args.arenas
            print(f"  {label:<20} coverage {cover:6.1%}  se {se:.1%}  se arenas {se_arenas:.1%}  "
                  f"mean width {np.mean(width[label]):6.1f} Elo  time/arena {per_arena:7.1f} ms")


def big_timing(args) -> None:
    strengths = np.random.default_rng(1).normal(0.0, 1.0, args.big_models)
    table = draw_arena(strengths, args.big_battles, args.big_prompts, 0.0, np.random.default_rng(2))
    rounds = args.big_rounds
    runs = [("point fit alone", RatingConfig(bootstrap=0), 5),
            ("sandwich by battle", RatingConfig(ci="sandwich"), 5),
            ("sandwich by prompt", RatingConfig(ci="sandwich", unit="prompt"), 5),
            (f"bootstrap {rounds} by battle", RatingConfig(bootstrap=rounds, point="mle"), 2),
            (f"bootstrap {rounds} by prompt", RatingConfig(bootstrap=rounds, point="mle", unit="prompt"), 2)]
    print(f"\n{args.big_battles:,} battles, {args.big_models} models, {args.big_prompts:,} prompts; whole "
          "compute_ratings calls (outcome classes + fit + CI), best of N:")
    times = {}
    for label, config, repeats in runs:
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            compute_ratings(table, config)
            best = min(best, time.perf_counter() - start)
        times[label] = best
        print(f"  {label:<26} {best:7.3f} s  (best of {repeats})")
    for unit in ("battle", "prompt"):
        print(f"  bootstrap / sandwich by {unit}: "
              f"{times[f'bootstrap {rounds} by {unit}'] / times[f'sandwich by {unit}']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arenas", type=int, default=200)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--battles", type=int, default=10_000)
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--big-prompts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--big-battles", type=int, default=1_000_000)
    parser.add_argument("--big-models", type=int, default=100)
    parser.add_argument("--big-rounds", type=int, default=1000)
    args = parser.parse_args()
    if args.arenas:
        coverage_runs(args)
    if args.big_battles:
        big_timing(args)


if __name__ == "__main__":
    main()
