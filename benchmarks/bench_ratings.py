"""Time the rating engine on an arena-sized job and check its fit against a FastChat-style reference.

    python benchmarks/bench_ratings.py [--battles 1000000] [--models 100] [--rounds 1000] [--prompts 10000]
    python benchmarks/bench_ratings.py --whole-process [--repeat 3]   # the `wizardarena ratings` command

Battles are simulated from Bradley-Terry strengths with a fixed seed and handed to the engine as string
columns (model names, winner strings, prompt ids), the way a file reader delivers them. Phases:

- encode: ``battles_from_columns`` (validation + integer encoding of the string columns);
- point fit: ``compute_ratings(bootstrap=0)`` (outcome classes + one Bradley-Terry fit);
- bootstrap: ``compute_ratings(bootstrap=R)`` minus the point fit;
- whole job: encode + ``compute_ratings(bootstrap=R)``, timed end to end;
- prompt bootstrap: the same job with a prompt-clustered bootstrap over ``--prompts`` prompt ids;
- reference fit: a per-battle logistic regression (the FastChat approach; scipy L-BFGS-B instead of
  sklearn), whose ratings must match our point fit within 0.5 Elo.

The FastChat figures quoted for comparison (2.4 s per fit, 0.059 s per bootstrap round at 1M battles
and 100 models on 2 cores) were measured on the machine that motivated this engine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(1, str(Path(__file__).resolve().parent))  # whole_process.py beside this script

from wizardarena.ratings import ELO_PER_BT_UNIT, RatingConfig, compute_ratings  # noqa: E402
from wizardarena.ratings.table import battles_from_columns  # noqa: E402

FASTCHAT_FIT_S = 2.4
FASTCHAT_ROUND_S = 0.059
WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")


def simulate_codes(n_battles: int, n_models: int, n_prompts: int, seed: int, tie_rate: float = 0.1):
    """Seeded battles as integer codes: (a, b, outcome index into WINNERS, prompt, true BT strengths)."""
    rng = np.random.default_rng(seed)
    strengths = rng.normal(0.0, 1.0, n_models)
    a = rng.integers(0, n_models, n_battles)
    b = (a + rng.integers(1, n_models, n_battles)) % n_models
    a_wins = rng.random(n_battles) < 1.0 / (1.0 + np.exp(strengths[b] - strengths[a]))
    tied = rng.random(n_battles) < tie_rate
    outcome = np.where(tied, rng.integers(2, 4, n_battles), np.where(a_wins, 0, 1))  # 2 tie, 3 bothbad
    prompt = rng.integers(0, n_prompts, n_battles)
    return a, b, outcome, prompt, strengths


def simulate_columns(n_battles: int, n_models: int, n_prompts: int, seed: int, tie_rate: float = 0.1):
    """Seeded battles as string columns; returns (columns, true strengths in BT units)."""
    a, b, outcome, prompt, strengths = simulate_codes(n_battles, n_models, n_prompts, seed, tie_rate)
    names = [f"model-{k:03d}" for k in range(n_models)]
    prompt_ids = [f"prompt-{k:05d}" for k in range(n_prompts)]
    columns = {
        "model_a": [names[k] for k in a.tolist()],
        "model_b": [names[k] for k in b.tolist()],
        "winner": [WINNERS[k] for k in outcome.tolist()],
        "prompt_id": [prompt_ids[k] for k in prompt.tolist()],
    }
    return columns, strengths


def reference_fit(table) -> tuple[np.ndarray, int]:
    """FastChat-style fit: logistic regression over every battle (ties = half a win to each side,
    no regularisation), solved with L-BFGS-B; mean-centred Elo around 1000 and the iteration count."""
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    a, b, m = table.a.astype(np.int64), table.b.astype(np.int64), len(table.models)
    score = np.select([table.outcome == 0, table.outcome == 1], [1.0, 0.0], 0.5)

    def loss(theta):
        d = theta[a] - theta[b]
        resid = score - expit(d)
        grad = np.bincount(b, resid, m) - np.bincount(a, resid, m)
        return -(score * log_expit(d) + (1.0 - score) * log_expit(-d)).sum(), grad

    fit = minimize(loss, np.zeros(m), jac=True, method="L-BFGS-B",
                   options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-6, "maxcor": 30})
    elo = fit.x * ELO_PER_BT_UNIT
    return elo - elo.mean() + 1000.0, int(fit.nit)


def timed(fn, repeat: int):
    """Run ``fn`` ``repeat`` times; its last value and the best wall time (time.perf_counter)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return value, best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase; the best time is reported")
    parser.add_argument("--whole-process", action="store_true",
                        help="time the `wizardarena ratings` command on a Parquet file, as a process")
    args = parser.parse_args(argv)
    if args.whole_process:
        import whole_process

        whole_process.main(args, simulate_codes, reference_fit)
        return

    columns, _ = simulate_columns(args.battles, args.models, args.prompts, args.seed)
    plain = {k: columns[k] for k in ("model_a", "model_b", "winner")}
    fit_cfg = RatingConfig(bootstrap=0, point="mle", seed=args.seed)
    boot_cfg = RatingConfig(bootstrap=args.rounds, seed=args.seed)
    prompt_cfg = RatingConfig(bootstrap=args.rounds, seed=args.seed, unit="prompt")

    n = args.repeat
    table, t_encode = timed(lambda: battles_from_columns(plain), n)
    point, t_fit = timed(lambda: compute_ratings(table, fit_cfg), n)
    _, t_job = timed(lambda: compute_ratings(table, boot_cfg), n)
    _, t_whole = timed(lambda: compute_ratings(battles_from_columns(plain), boot_cfg), n)
    with_prompts, t_encode_p = timed(lambda: battles_from_columns(columns), n)
    _, t_prompt = timed(lambda: compute_ratings(with_prompts, prompt_cfg), n)
    (reference, iterations), t_ref = timed(lambda: reference_fit(table), n)
    max_diff = float(np.abs(point.fitted - reference).max())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    fastchat_job = FASTCHAT_FIT_S + FASTCHAT_ROUND_S * args.rounds
    if (args.battles, args.models) != (1_000_000, 100):
        print("note: the FastChat figures were measured at 1,000,000 battles and 100 models; "
              "ratios at other sizes are only indicative")
    rows = [
        ("encode (string columns -> table)", t_encode, ""),
        ("point fit (bootstrap=0)", t_fit,
         f"FastChat fit {FASTCHAT_FIT_S} s: {FASTCHAT_FIT_S / t_fit:.0f}x faster"),
        (f"bootstrap, {args.rounds} rounds, battle unit", t_job - t_fit,
         f"{(t_job - t_fit) / args.rounds * 1e3:.2f} ms/round vs FastChat "
         f"{FASTCHAT_ROUND_S * 1e3:.0f} ms/round"),
        ("fit + bootstrap (compute_ratings)", t_job,
         f"vs FastChat-measured {fastchat_job:.1f} s: {fastchat_job / t_job:.0f}x faster"),
        ("whole job (encode + compute_ratings)", t_whole,
         f"vs FastChat-measured {fastchat_job:.1f} s: {fastchat_job / t_whole:.0f}x faster"),
        (f"encode with {args.prompts} prompt ids", t_encode_p, ""),
        (f"fit + prompt bootstrap ({args.prompts} prompts)", t_prompt,
         f"{t_prompt / t_job:.1f}x the battle-unit job"),
        ("reference fit (per-battle L-BFGS-B)", t_ref,
         f"{iterations} iterations; ours {t_ref / t_fit:.0f}x faster"),
    ]
    print(f"WizardArena rating benchmark: {args.battles:,} battles, {args.models} models, "
          f"{args.rounds} rounds, seed {args.seed}, best of {args.repeat}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.machine()} {platform.system()}")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'phase':<{width}}  {'seconds':>8}  note")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 40}")
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:8.3f}  {note}".rstrip())
    verdict = "OK" if max_diff <= 0.5 else "TOO LARGE (target <= 0.5)"
    print(f"max |Elo difference| point fit vs reference: {max_diff:.4f} ({verdict})")
    print(f"peak memory (ru_maxrss, includes the simulated string columns): {peak_mib:.0f} MiB")
    if max_diff > 0.5:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
