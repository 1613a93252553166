"""What the cost estimate adds to ``eval --dry-run`` at arena scale: 61 models x 500 prompts, full round-robin
(3,660 games per prompt, 1.83M in all), every answer stored (~2,000 characters each), one text judge.

    python benchmarks/bench_dry_run.py [--models 61] [--prompts 500] [--repeat 3]

Fills a temporary store with synthetic answers under the run's real answer keys, then times (best of
``--repeat``) the plan a dry run makes, and the estimate on top of it (answer lengths read once, the
template rendered once per prompt, then two look-ups per game). Prints seconds and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Build the store, time plan and estimate, print them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=61)
    parser.add_argument("--prompts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from wizardarena.arena.config import EvalConfig
    from wizardarena.arena.costs import estimate_costs
    from wizardarena.arena.planning import make_plan
    from wizardarena.refs import parse_contestant
    from wizardarena.store import ArenaStore

    prompts = [{"id": f"p{k}", "turns": [f"Question {k}: " + "explain " * 20], "category": None, "cluster": None,
                "difficulty": None, "source": "bench"} for k in range(args.prompts)]
    models = tuple(parse_contestant(f"fake:m{k}") for k in range(args.models))
    config = EvalConfig(candidates=models, judge="fake:judge", testset="bench")
    with tempfile.TemporaryDirectory() as tmp, ArenaStore(Path(tmp) / "a.sqlite") as store:
        plan = make_plan(config, store, ("bench", prompts))
        text = "word " * 400
        items = [(key, {"prompt_id": pid, "model": name, "turns": [text], "meta": {}})
                 for (name, pid), key in plan.keys.items()]
        store.put_answers(items, complete=True)
        planning, estimating = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            plan = make_plan(config, store, ("bench", prompts), write=False)
            middle = time.perf_counter()
            _, judges = estimate_costs(config, plan, store)
            planning.append(middle - start)
            estimating.append(time.perf_counter() - middle)
        plan_s, estimate_s = min(planning), min(estimating)
        print(f"dry run, {args.models} models x {args.prompts} prompts: {len(plan.planned):,} games, "
              f"{len(items):,} stored answers; best of {args.repeat}")
        print(f"plan      {plan_s:6.2f} s")
        print(f"estimate  {estimate_s:6.2f} s  ({estimate_s / plan_s:.2f} x the plan)")
        print(f"judge: {judges[0].calls:,} calls, ≈ {judges[0].input_tokens:,} input tokens")


if __name__ == "__main__":
    main()
