"""Benchmark of the battle engine around the models: schedule -> store -> judge parse -> battles -> rate.

An instant in-process judge (below: it writes "Score A: n / Score B: m" from a hash of the prompt, so
the text-mode parser runs for real) isolates the harness's own cost. Prints the end-to-end time for
--battles battles on an empty store, then for a cached rerun (which must make 0 model calls), best and
median over --repeat fresh stores (shared CPUs are noisy: the best run is the harness's own cost), then
the phases of the best runs (seconds and peak resident memory of each), the store's bytes per judgment
and the process's peak resident memory.

    python benchmarks/bench_harness.py [--battles 100000] [--models 10] [--repeat 3] [--bootstrap 100]
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

from phase_clock import PhaseClock

from wizardarena.arena.pipeline import EvalConfig, run_eval
from wizardarena.judge import JudgeConfig
from wizardarena.ratings import RatingConfig
from wizardarena.refs import Contestant, JudgeRef, ModelRef
from wizardarena.store import ArenaStore, make_owner

# Phase -> the function of the pipeline whose first call starts it (a phase lasts until the next starts).
PHASES = (("plan", "make_plan"), ("answers", "generate_answers"), ("judging", "run_judgments"),
          ("battles", "planned_verdicts"), ("ratings", "compute_ratings"), ("report", "judge_report"))
PIPELINE = "wizardarena.arena.pipeline"


class InstantModel:
    """A contestant that answers at once: a few words made from its name and the prompt (the fake: test
    double draws its words with a freshly seeded random.Random per reply, which costs more than the harness
    does per answer)."""

    def __init__(self, name: str):
        self.spec = f"bench:{name}"

    def generate(self, requests, decoding):
        return [f"{self.spec} answers {request.prompt_id}, turn {request.turn}, in a few words."
                for request in requests]


class InstantJudge:
    """A judge that answers at once: scores from a CRC of the judge prompt, in the text-mode format."""

    spec = "bench:instant-judge"

    def generate(self, requests, decoding):
        replies = []
        for request in requests:
            code = zlib.crc32(request.messages[-1]["content"].encode("utf-8"))
            replies.append(f"Both are fine.\nScore A: {1 + code % 10}\nScore B: {1 + (code >> 8) % 10}")
        return replies


def one_round(config: EvalConfig, folder: Path, clock: PhaseClock) -> list[tuple]:
    """A first run on an empty store, then a cached rerun: (seconds, model calls, battles, phases, judgments,
    CPU seconds) of each."""
    rows = []
    for _ in range(2):
        clock.reset()
        start, cpu = time.perf_counter(), time.process_time()
        with ArenaStore(folder / "arena.sqlite") as store:
            result = run_eval(config, store, make_owner())
        clock.mark(None)
        rows.append((time.perf_counter() - start, result.model_calls, len(result.battle_columns["winner"]),
                     clock.phases, len(result.judgments), time.process_time() - cpu))
        del result
    return rows


def store_bytes(folder: Path) -> int:
    """The store's size on disk: the database and its write-ahead log."""
    return sum(path.stat().st_size for path in folder.glob("arena.sqlite*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="fresh stores; best and median are printed")
    args = parser.parse_args()
    games_per_prompt = args.models * (args.models - 1)  # round-robin, both orders, one battle each
    n_prompts = -(-args.battles // games_per_prompt)
    clock = PhaseClock()
    clock.install([(label, PIPELINE, name) for label, name in PHASES])
    rounds, sizes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        testset = Path(tmp) / "prompts.jsonl"
        testset.write_text("".join(json.dumps({"id": f"q{k:06d}", "turns": [f"question {k}"]}) + "\n"
                                   for k in range(n_prompts)))
        config = EvalConfig(
            candidates=tuple(Contestant(f"m{k:02d}", ModelRef("bench", f"m{k:02d}", instance=InstantModel(f"m{k:02d}")))
                             for k in range(args.models)),
            judge=JudgeRef(ModelRef("bench", "instant-judge", instance=InstantJudge()), JudgeConfig(mode="text")),
            testset=str(testset),
            ratings=RatingConfig(bootstrap=args.bootstrap, unit="prompt"), chunk=4096)
        for k in range(args.repeat):
            folder = Path(tmp) / f"round{k}"
            rounds.append(one_round(config, folder, clock))
            sizes.append(store_bytes(folder))
    print(f"WizardArena harness benchmark: {args.models} models round-robin, {n_prompts} prompts, "
          f"instant in-process judge (text mode), {args.bootstrap} bootstrap rounds by prompt, "
          f"{args.repeat} fresh stores")
    print(f"{'run':<14} {'best s':>8} {'median s':>9} {'best CPU s':>11} {'model calls':>12} {'battles':>9}")
    best = []
    for index, label in enumerate(("first run", "cached rerun")):
        times = [r[index][0] for r in rounds]
        calls, battles = rounds[-1][index][1:3]
        best.append(min(times))
        cpu = min(r[index][5] for r in rounds)
        print(f"{label:<14} {min(times):8.2f} {statistics.median(times):9.2f} {cpu:11.2f} {calls:12,d} {battles:9,d}")
    print_phases(rounds)
    judgments = rounds[-1][0][4]
    # The phases' peaks, where measured: resetting them also resets what ru_maxrss reports on Linux.
    peak = max((phase[1] for r in rounds for run in r for phase in run[3].values()), default=0.0) or \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {sizes[-1] / 2**20:.1f} MiB for {judgments:,d} judgments and their answers = "
          f"{sizes[-1] / judgments:.0f} bytes per judgment; peak resident memory of the process {peak:.0f} MiB")
    rerun_calls = max(r[1][1] for r in rounds)
    scale = max(1.0, args.battles / 100_000)  # the targets: 10 s and 2 s at 100k, 30 s and 5 s at 1M
    first_target, rerun_target = min(10 * scale, 30.0), min(2 * scale, 5.0)
    print(f"targets (best run): first run <= {first_target:.0f} s: {'OK' if best[0] <= first_target else 'MISSED'};"
          f" cached rerun 0 calls and <= {rerun_target:.0f} s: "
          f"{'OK' if rerun_calls == 0 and best[1] <= rerun_target else 'MISSED'}; "
          f"peak memory <= 1024 MiB: {'OK' if peak <= 1024 else 'MISSED'}")


def print_phases(rounds: list) -> None:
    """The phases of the best first run and the best cached rerun: seconds, CPU seconds (what a loaded
    machine distorts least) and peak MiB of each."""
    first = min((r[0] for r in rounds), key=lambda row: row[0])[3]
    rerun = min((r[1] for r in rounds), key=lambda row: row[0])[3]
    print(f"{'phase':<10} {'first s':>8} {'CPU s':>6} {'peak MiB':>9} {'rerun s':>8} {'CPU s':>6} {'peak MiB':>9}")
    for label, _ in PHASES:
        if label in first or label in rerun:
            a, b = first.get(label, [0.0] * 3), rerun.get(label, [0.0] * 3)
            print(f"{label:<10} {a[0]:8.2f} {a[2]:6.2f} {a[1]:9.0f} {b[0]:8.2f} {b[2]:6.2f} {b[1]:9.0f}")


if __name__ == "__main__":
    main()
