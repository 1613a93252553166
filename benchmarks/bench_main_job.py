"""The README's main job, timed by phase, and the leaderboard of its 61-model pack rendered in each format.

    python benchmarks/bench_main_job.py [--repeat 1]

Runs ``wizardarena eval`` exactly as the README's main job (the 61-model ``arena-hard-v0.1`` answers on
``wizardarena-hard``, the offline overlap judge, six agreement references) in this process, on a fresh
``WIZARDARENA_HOME`` (cold: nothing stored), then again on the same store (the cached rerun: 0 calls),
with the pipeline's phases timed from outside (benchmarks/phase_clock.py). Then ``wizardarena
leaderboard`` renders the run's ratings and battles as Markdown, HTML and PNG, each timed as a process.
Needs the package's data only (no ../shared); the first run stores ~1.5 GB in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from phase_clock import PhaseClock, peak_mib

REFERENCES = ("gpt-4-turbo-2024-04-09", "claude-3-5-sonnet-20240620", "gpt-4o-2024-05-13")
AGREEMENT = ("lmsys-2024-09-04-hard", "lmsys-2024-09-04", "lmsys-2024-09-04-style", "lmsys-2024-09-04-hard-style",
             "lmsys-2024-09-04-hard-english", "lmsys-2024-03-29")
HOOKS = (("plan", "wizardarena.arena.pipeline", "make_plan"),
         ("answers", "wizardarena.arena.pipeline", "generate_answers"),
         ("judging", "wizardarena.arena.pipeline", "run_judgments"),
         ("battles", "wizardarena.arena.pipeline", "planned_verdicts"),
         ("battles", "wizardarena.arena.pipeline", "labelled_verdicts"),
         ("bootstrap", "wizardarena.arena.pipeline", "compute_ratings"),
         ("judge report", "wizardarena.arena.pipeline", "judge_report"),
         ("outputs", "wizardarena.arena.outputs", "write_outputs"),
         ("report", "wizardarena.cli.eval_report", "print_report"),
         ("agreement", "wizardarena.cli.eval_report", "report_agreement"))


def eval_args(out: Path) -> list[str]:
    """The README's main job, writing to ``out``."""
    judge = "overlap:arena-hard-v0.1#" + "+".join(REFERENCES)
    args = ["eval", "--model", "answers:arena-hard-v0.1", "--judge", judge, "--testset", "wizardarena-hard"]
    for reference in AGREEMENT:
        args += ["--agreement", reference]
    return args + ["--out", str(out)]


def run_main_job(out: Path, clock: PhaseClock) -> tuple[float, float, dict]:
    """One ``wizardarena eval`` in this process: (wall seconds, CPU seconds, phases)."""
    from wizardarena.cli.main import _register, cli

    _register()
    clock.reset()
    clock.mark("start-up")  # until the plan: options, test set, pack and references read
    start, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "w") as sink:
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        try:
            cli.main(eval_args(out), standalone_mode=False)
        finally:
            sys.stdout, sys.stderr = stdout, stderr
    clock.mark(None)
    return time.perf_counter() - start, time.process_time() - cpu, clock.phases


def render_times(out: Path, folder: Path) -> dict[str, float]:
    """``wizardarena leaderboard`` of the run in each format, each timed as a whole process."""
    times = {}
    for fmt in ("md", "html", "png"):
        target = folder if fmt == "png" else folder / f"board.{fmt}"
        command = [sys.executable, "-m", "wizardarena.cli", "leaderboard", str(out / "ratings.jsonl"),
                   "--battles", str(out / "battles.jsonl"), "--reference", "lmsys-2024-09-04-hard",
                   "--format", fmt, "--out", str(target)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times[fmt] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    clock = PhaseClock()
    clock.install(HOOKS)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WIZARDARENA_HOME"] = str(Path(tmp) / "home")
        out = Path(tmp) / "demo"
        runs = [("first run (cold)", *run_main_job(out, clock)), ("cached rerun", *run_main_job(out, clock))]
        store = sum(path.stat().st_size for path in (Path(tmp) / "home").glob("arena.sqlite*"))
        renders = render_times(out, Path(tmp) / "board")
        battles = sum(1 for _ in (out / "battles.jsonl").open())
    print(f"WizardArena main job (README): 61-model pack, wizardarena-hard, overlap judge, "
          f"{len(AGREEMENT)} agreement references; {battles:,d} battles; store {store / 2**20:.0f} MiB")
    labels = list(dict.fromkeys(label for _, _, _, phases in runs for label in phases))
    print(f"{'phase':<14}" + "".join(f" {name:>22}" for name, *_ in runs))
    for label in labels:
        cells = [phases.get(label) for *_, phases in runs]
        print(f"{label:<14}" + "".join(f" {'-':>22}" if c is None else f" {c[0]:8.2f} s {c[2]:6.1f} CPU s"
                                      for c in cells))
    print(f"{'whole run':<14}" + "".join(f" {wall:8.2f} s {cpu:6.1f} CPU s" for _, wall, cpu, _ in runs))
    peak = max((phase[1] for *_, phases in runs for phase in phases.values()), default=0.0) or peak_mib(False)
    print(f"peak resident memory of the runs: {peak:.0f} MiB")
    print("leaderboard render, whole process: " + ", ".join(f"{fmt} {s:.2f} s" for fmt, s in renders.items()))


if __name__ == "__main__":
    main()
