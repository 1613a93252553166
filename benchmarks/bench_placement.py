"""Benchmark of placing one model among references: full design vs baseline-only vs adaptive.

Each model of the shipped pack is held out in turn and placed against the other 27 on `wizardarena-hard`
(100 prompts), with a judge that replays verdicts instead of being asked:

- ``recorded``: the verdicts of a real full round-robin run of the offline similarity judge (the project
  README's main job; run in-process into the default store, so the first time takes minutes, later ones
  seconds);
- ``simulated``: verdicts drawn from the Chatbot Arena 2024-03-29 Elo of the same models (Bradley-Terry,
  10% ties, ``--seeds`` seeded arenas), so the truth is known.

Designs: (a) ``full``: the held-out model against every reference on every prompt, both orders;
(b) ``baseline``: against gpt-4-0314 alone on every prompt (Arena-Hard's design); (c) ``adaptive``: the
schedule of ``eval --schedule adaptive`` with ``--target-ci``; (c') ``adaptive@baseline``: the same capped
at baseline-only's calls. Every fit includes the references' games among themselves, as eval's does.
Errors are against the full design's result: |dElo| of the held-out model and its rank error.

    python benchmarks/bench_placement.py [--target-ci 15] [--bootstrap 100] [--models N] [--seeds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import zlib

import numpy as np

from wizardarena.arena.adaptive import AdaptiveConfig, place
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.simulation import draw_winners
from wizardarena.ratings.table import battles_from_columns

BASELINE = "gpt-4-0314"
COLUMNS = ("model_a", "model_b", "winner", "prompt_id")


def recorded_battles() -> dict[str, list]:
    """The battles of the README's main job (28 models, 100 prompts, both orders), from the default store."""
    from wizardarena.arena.contestants import contestants
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.home import default_store
    from wizardarena.refs import resolve_judge
    from wizardarena.store import ArenaStore, make_owner

    judge = resolve_judge("similarity:arena-hard-v0.1#gpt-4-1106-preview")
    models, _ = contestants(("answers:arena-hard-v0.1#2024-03",), judge)
    config = EvalConfig(candidates=tuple(models), judge=judge, testset="wizardarena-hard",
                        ratings=RatingConfig(bootstrap=0))
    with ArenaStore(default_store()) as store:
        return {k: list(v) for k, v in run_eval(config, store, make_owner()).battle_columns.items() if k in COLUMNS}


def simulated_battles(models: list[str], prompts: list[str], seed: int = 0) -> dict[str, list]:
    """A full round robin of ``models`` on ``prompts``, both orders, drawn from their 2024-03-29 Elo."""
    from wizardarena.agreement import load_ranking

    truth = load_ranking("lmsys-2024-03-29")
    elo = {m: float(s) for m, s in zip(truth.models, truth.score) if m in models}
    pairs = [(a, b, p) for i, x in enumerate(sorted(elo)) for y in sorted(elo)[i + 1:] for p in prompts
             for a, b in ((x, y), (y, x))]
    winners = draw_winners(np.array([elo[a] for a, _, _ in pairs]), np.array([elo[b] for _, b, _ in pairs]), 0.1,
                           np.random.default_rng(seed))
    return {"model_a": [a for a, _, _ in pairs], "model_b": [b for _, b, _ in pairs], "winner": list(winners),
            "prompt_id": [p for _, _, p in pairs]}


class Replay:
    """A judge that answers a game (both orders) with the recorded verdicts, counting the calls."""

    def __init__(self, battles: dict[str, list]):
        self.verdicts = {(a, b, p): w for a, b, w, p in zip(*(battles[c] for c in COLUMNS))}
        self.calls = 0

    def __call__(self, games) -> dict[str, list]:
        out: dict[str, list] = {c: [] for c in COLUMNS}
        for first, second, prompt in games:
            for a, b in ((first, second), (second, first)):
                self.calls += 1
                for column, value in zip(COLUMNS, (a, b, self.verdicts[(a, b, prompt)], prompt)):
                    out[column].append(value)
        return out


def among(battles: dict[str, list], keep) -> dict[str, list]:
    """The battles whose two models satisfy ``keep(model_a, model_b)``."""
    rows = [k for k, (a, b) in enumerate(zip(battles["model_a"], battles["model_b"])) if keep(a, b)]
    return {c: [battles[c][k] for k in rows] for c in COLUMNS}


def placed(result, name: str) -> tuple[float, int, float, int]:
    """(Elo, position = 1 + models rated higher, CI half-width, shown rank = the table's rank rule) of
    ``name`` in a fit."""
    from wizardarena.leaderboard.ranking import lmsys_ranks

    k = result.models.index(name)
    lower, upper = result.interval()
    shown = lmsys_ranks([{"lower": lo, "upper": up} for lo, up in zip(lower, upper)])[k]
    return (float(result.rating[k]), int(1 + np.sum(result.rating > result.rating[k])),
            float(upper[k] - lower[k]) / 2, int(shown))


def hold_out(battles, name, prompts, ratings: RatingConfig, target_ci: float, seed: int) -> dict[str, tuple]:
    """Place ``name`` with every design: {design: (calls, Elo, rank, CI half-width)}."""
    reference = among(battles, lambda a, b: name not in (a, b))
    references = sorted(set(reference["model_a"]))
    rows = {}
    designs = (("full", lambda a, b: True), ("baseline", lambda a, b: BASELINE in (a, b) or name not in (a, b)))
    for design, keep in designs:
        subset = among(battles, keep)
        calls = len(subset["winner"]) - len(reference["winner"])
        rows[design] = (calls, *placed(compute_ratings(battles_from_columns(subset), ratings), name))
    for design, budget in (("adaptive", None), ("adaptive@baseline", rows["baseline"][0])):
        replay = Replay(battles)
        config = AdaptiveConfig(target_ci=target_ci, max_judgments=budget, seed=seed + zlib.crc32(name.encode()))
        outcome = place(reference, [name], references, prompts, replay, ratings, config)
        rows[design] = (replay.calls, *placed(outcome.ratings, name))
    return rows


def report(label: str, results: dict) -> None:
    """One table: per design, mean calls, |dElo| against the full design (median, 90th percentile, max,
    share <= 15), the share of held-out models within one place of the full design's position (order by
    Elo) and of its shown rank (the tables' rule: 1 + models whose CI lies above), mean CI half-width."""
    print(f"\n{label}: {len(results)} held-out placements")
    print(f"{'design':<18} {'calls mean':>10} {'vs full':>8} {'|dElo| mean':>11} {'med':>5} {'p90':>6} {'max':>6} "
          f"{'<=15':>5} {'position ±1':>11} {'shown rank ±1':>13} {'CI ±':>6}")
    full_calls = statistics.mean(r["full"][0] for r in results.values())
    for design in ("full", "baseline", "adaptive", "adaptive@baseline"):
        rows = [(r[design], r["full"]) for r in results.values()]
        delta = [abs(d[1] - f[1]) for d, f in rows]
        position = [abs(d[2] - f[2]) for d, f in rows]
        shown = [abs(d[4] - f[4]) for d, f in rows]
        calls = statistics.mean(d[0] for d, _ in rows)
        print(f"{design:<18} {calls:10,.0f} {calls / full_calls:8.0%} {statistics.mean(delta):11.1f} "
              f"{statistics.median(delta):5.1f} "
              f"{np.percentile(delta, 90):6.1f} {max(delta):6.1f} {np.mean([d <= 15 for d in delta]):5.0%} "
              f"{np.mean([r <= 1 for r in position]):11.0%} {np.mean([r <= 1 for r in shown]):13.0%} "
              f"{statistics.mean(d[3] for d, _ in rows):6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-ci", type=float, default=15.0, help="adaptive: eval's --target-ci (Elo)")
    parser.add_argument("--seeds", type=int, default=3, help="simulated arenas, each held out model by model")
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--models", type=int, default=0, help="hold out only the first N models (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ratings = RatingConfig(bootstrap=args.bootstrap, unit="prompt", seed=args.seed)
    start = time.perf_counter()
    recorded = recorded_battles()
    prompts = sorted(set(recorded["prompt_id"]))
    models = sorted(set(recorded["model_a"]))
    print(f"WizardArena placement benchmark: {len(models)} models, {len(prompts)} prompts, {args.bootstrap} "
          f"prompt-bootstrap rounds, adaptive --target-ci {args.target_ci:g}, baseline {BASELINE} "
          f"(recorded run ready in {time.perf_counter() - start:.0f} s)")
    names = [m for m in models if m != BASELINE][: args.models or None]
    results = {name: hold_out(recorded, name, prompts, ratings, args.target_ci, args.seed) for name in names}
    report("recorded similarity-judge verdicts", results)
    results = {}
    for seed in range(args.seeds):
        simulated = simulated_battles(models, prompts, seed)
        results.update({(seed, name): hold_out(simulated, name, prompts, ratings, args.target_ci, args.seed + seed)
                        for name in names})
    report(f"simulated from Chatbot Arena 2024-03-29 Elo, {args.seeds} seeds", results)
    print(f"\ntarget: adaptive within rank ±1 and |dElo| <= 15 of the full design with <= 1/3 of its calls, and "
          f"adaptive@baseline closer than baseline at equal calls; took {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
