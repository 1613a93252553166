"""Judged games per second over several judge endpoints: the local path against ``--engine ray`` with 1,
2 and 4 workers.

    python benchmarks/bench_ray.py [--prompts 80] [--endpoints 4] [--latency 0.2] [--parallel 4]
                                   [--concurrency 4] [--workers 1 2 4]

``--endpoints`` judge servers on 127.0.0.1 (the tests' OpenAI-compatible server around a fake model), each
waiting ``--latency`` seconds per call and serving at most ``--parallel`` calls at once (the others wait),
as replicas of one served judge would. The judge spec names the first and lists the others as
``?replicas=``, so every client (the local one, or each Ray actor's) sends its calls to the endpoints in
turn, ``--concurrency`` in flight per endpoint. Three fake contestants answer instantly, so the timed
run is judging: prompts x 3 pairs x 2 orders games (their answers are stored by an untimed run first).
Each figure is one whole ``eval`` (planning, judging, storing, rating; with Ray, starting the actor pool
too) in this process against a fresh store; a local Ray instance is started once beforehand, as a
cluster would already be running. A second pass with an instant judge on one endpoint gives the driver's
overhead per game. Needs ``ray[data]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run from a checkout without installing

from fixtures.openai_server import serve_model  # noqa: E402
from wizardarena.backends.fake import FakeModel  # noqa: E402
from wizardarena.cli.main import _register, cli  # noqa: E402


def one_run(judge: str, warm_judge: str, testset: Path, folder: Path, concurrency: int, engine: str,
            workers: int) -> float:
    """Seconds one eval takes to judge every game, its answers already in a fresh store (a first run
    with another judge, so another judge id, stores them untimed)."""
    out = folder / f"{engine}-{workers}-{time.monotonic_ns()}"

    def run(judge_spec: str, engine: str) -> float:
        args = ["eval", "--model", "fake:a", "--model", "fake:b", "--model", "fake:c", "--judge", judge_spec,
                "--judge-mode", "logprob", "--testset", str(testset), "--out", str(out),
                "--store", str(out / "arena.sqlite"), "--bootstrap", "1", "--max-concurrency", str(concurrency),
                "--engine", engine, "--ray-workers", str(workers)]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cli.main(args, standalone_mode=False)
        return time.perf_counter() - start

    run(warm_judge, "local")
    return run(judge, engine)


def judge_spec(urls: list[str]) -> str:
    """``openai:judge@FIRST?replicas=OTHERS``."""
    return f"openai:judge@{urls[0]}" + (f"?replicas={','.join(urls[1:])}" if urls[1:] else "")


def measure(args: argparse.Namespace, testset: Path, folder: Path, latency: float, endpoints: int,
            parallel: int | None) -> None:
    """Print one table: the local path, then Ray with each worker count, against ``endpoints`` servers."""
    games = args.prompts * 3 * 2
    limit = f", {parallel} served at once" if parallel else ""
    print(f"{endpoints} judge endpoint{'s' * (endpoints > 1)}, {latency * 1000:.0f} ms per call{limit}; "
          f"{args.concurrency} calls in flight per endpoint per client; {games} games")
    if latency and parallel:
        print(f"  ceiling: {endpoints * parallel / latency:.1f} games/s (endpoints x parallel / latency)")
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve_model(FakeModel("judge"), model_name="judge", delay=latency,
                                                parallel=parallel)) for _ in range(endpoints)]
        warm = stack.enter_context(serve_model(FakeModel("judge"), model_name="judge"))
        local = one_run(judge_spec(urls), judge_spec([warm]), testset, folder, args.concurrency, "local", 1)
        print(f"  local          {local:7.2f} s  {games / local:8.1f} games/s  {local / games * 1000:7.2f} ms/game")
        for workers in args.workers:
            took = one_run(judge_spec(urls), judge_spec([warm]), testset, folder, args.concurrency, "ray", workers)
            print(f"  ray, {workers} worker{'s' if workers > 1 else ' '} {took:7.2f} s  {games / took:8.1f} games/s  "
                  f"{took / games * 1000:7.2f} ms/game  x{local / took:.2f} of local")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=80)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import ray

    _register()
    ray.init(num_cpus=max(args.workers), include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        testset = folder / "prompts.jsonl"
        testset.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"question {k}"]}) + "\n"
                                   for k in range(args.prompts)))
        measure(args, testset, folder, args.latency, args.endpoints, args.parallel)
        measure(args, testset, folder, 0.0, 1, None)
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
