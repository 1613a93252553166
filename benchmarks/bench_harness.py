"""Benchmark of the battle engine around the models: schedule -> store -> judge parse -> battles -> rate.

An instant in-process judge (below: it writes "Score A: n / Score B: m" from a hash of the prompt, so
the text-mode parser runs for real) isolates the harness's own cost. Prints the end-to-end time for --battles battles, then a cached rerun (must make 0 model calls).

    python benchmarks/bench_harness.py [--battles 100000] [--models 10]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import zlib
from pathlib import Path

from wizardarena.arena.answering import Contestant
from wizardarena.arena.pipeline import EvalConfig, run_eval
from wizardarena.backends import load_model
from wizardarena.judge import JudgeConfig
from wizardarena.ratings import RatingConfig
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


def load(spec: str):
    """The instant judge for its spec, the ``fake:`` test double for contestants."""
    return InstantJudge() if spec == InstantJudge.spec else load_model(spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=100)
    args = parser.parse_args()
    games_per_prompt = args.models * (args.models - 1)  # round-robin, both orders, one battle each
    n_prompts = -(-args.battles // games_per_prompt)
    with tempfile.TemporaryDirectory() as tmp:
        testset = Path(tmp) / "prompts.jsonl"
        testset.write_text("".join(json.dumps({"id": f"q{k:06d}", "turns": [f"question {k}"]}) + "\n"
                                   for k in range(n_prompts)))
        config = EvalConfig(
            candidates=tuple(Contestant(f"m{k:02d}", f"fake:m{k:02d}") for k in range(args.models)),
            judge_spec=InstantJudge.spec, testset=str(testset), judge=JudgeConfig(mode="text"),
            ratings=RatingConfig(bootstrap=args.bootstrap, unit="prompt"), chunk=4096)
        rows = []
        for label in ("first run", "cached rerun"):
            start = time.perf_counter()
            with ArenaStore(Path(tmp) / "arena.sqlite") as store:
                result = run_eval(config, store, load, make_owner())
            rows.append((label, time.perf_counter() - start, result.model_calls, len(result.battles)))
    print(f"WizardArena harness benchmark: {args.models} models round-robin, {n_prompts} prompts, "
          f"instant in-process judge (text mode), {args.bootstrap} bootstrap rounds by prompt")
    print(f"{'run':<14} {'seconds':>8} {'model calls':>12} {'battles':>9}")
    for label, seconds, calls, battles in rows:
        print(f"{label:<14} {seconds:8.2f} {calls:12,d} {battles:9,d}")
    first, rerun = rows[0][1], rows[1][1]
    print(f"targets: first run <= 10 s: {'OK' if first <= 10 else 'MISSED'}; cached rerun 0 calls and <= 2 s: "
          f"{'OK' if rows[1][2] == 0 and rerun <= 2 else 'MISSED'}; "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
