"""Benchmark of the battle engine around the models: schedule -> store -> judge parse -> battles -> rate.

An instant in-process judge (below: it writes "Score A: n / Score B: m" from a hash of the prompt, so
the text-mode parser runs for real) isolates the harness's own cost. Prints the end-to-end time for
--battles battles on an empty store, then for a cached rerun (which must make 0 model calls), best and
median over --repeat fresh stores (shared CPUs are noisy: the best run is the harness's own cost).

    python benchmarks/bench_harness.py [--battles 100000] [--models 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
import zlib
from pathlib import Path

from wizardarena.arena.pipeline import EvalConfig, run_eval
from wizardarena.judge import JudgeConfig
from wizardarena.ratings import RatingConfig
from wizardarena.refs import Contestant, JudgeRef, ModelRef
from wizardarena.store import ArenaStore, make_owner


class InstantJudge:
    """A judge that answers at once: scores from a CRC of the judge prompt, in the text-mode format."""

    spec = "bench:instant-judge"

    def generate(self, requests, decoding):
        replies = []
        for request in requests:
            code = zlib.crc32(request.messages[-1]["content"].encode("utf-8"))
            replies.append(f"Both are fine.\nScore A: {1 + code % 10}\nScore B: {1 + (code >> 8) % 10}")
        return replies


def one_round(config: EvalConfig, folder: Path) -> list[tuple[float, int, int]]:
    """A first run on an empty store, then a cached rerun: (seconds, model calls, battles) of each."""
    rows = []
    for _ in range(2):
        start = time.perf_counter()
        with ArenaStore(folder / "arena.sqlite") as store:
            result = run_eval(config, store, make_owner())
        rows.append((time.perf_counter() - start, result.model_calls, len(result.battle_columns["winner"])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="fresh stores; best and median are printed")
    args = parser.parse_args()
    games_per_prompt = args.models * (args.models - 1)  # round-robin, both orders, one battle each
    n_prompts = -(-args.battles // games_per_prompt)
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        testset = Path(tmp) / "prompts.jsonl"
        testset.write_text("".join(json.dumps({"id": f"q{k:06d}", "turns": [f"question {k}"]}) + "\n"
                                   for k in range(n_prompts)))
        config = EvalConfig(
            candidates=tuple(Contestant(f"m{k:02d}", f"fake:m{k:02d}") for k in range(args.models)),
            judge=JudgeRef(ModelRef("bench", "instant-judge", instance=InstantJudge()), JudgeConfig(mode="text")),
            testset=str(testset),
            ratings=RatingConfig(bootstrap=args.bootstrap, unit="prompt"), chunk=4096)
        for k in range(args.repeat):
            folder = Path(tmp) / f"round{k}"
            rounds.append(one_round(config, folder))
    print(f"WizardArena harness benchmark: {args.models} models round-robin, {n_prompts} prompts, "
          f"instant in-process judge (text mode), {args.bootstrap} bootstrap rounds by prompt, "
          f"{args.repeat} fresh stores")
    print(f"{'run':<14} {'best s':>8} {'median s':>9} {'model calls':>12} {'battles':>9}")
    best = []
    for index, label in enumerate(("first run", "cached rerun")):
        times = [r[index][0] for r in rounds]
        calls, battles = rounds[-1][index][1:]
        best.append(min(times))
        print(f"{label:<14} {min(times):8.2f} {statistics.median(times):9.2f} {calls:12,d} {battles:9,d}")
    rerun_calls = max(r[1][1] for r in rounds)
    print(f"targets (best run): first run <= 10 s: {'OK' if best[0] <= 10 else 'MISSED'}; cached rerun 0 calls "
          f"and <= 2 s: {'OK' if rerun_calls == 0 and best[1] <= 2 else 'MISSED'}; "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
