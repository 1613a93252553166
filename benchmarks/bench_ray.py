"""Judged games per second: the local path against ``--engine ray`` with 1, 2 and 4 workers.

    python benchmarks/bench_ray.py [--prompts 40] [--latency 0.2] [--concurrency 4] [--workers 1 2 4]

A judge server on 127.0.0.1 (the tests' OpenAI-compatible server around a fake model) waits
``--latency`` seconds per call; every client sends at most ``--concurrency`` calls at once, which stands
for what one endpoint or engine replica serves in parallel. Three fake contestants answer instantly, so
the timed run is judging: prompts x 3 pairs x 2 orders games (their answers are stored by an untimed
run first). Each figure is one whole ``eval`` (planning, judging, storing, rating; with Ray, starting the
actor pool too) in this process against a fresh store; a local Ray instance is started once
beforehand, as a cluster would already be running. A second pass with an instant judge gives the
driver's overhead per game. Needs ``ray[data]``.
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


def one_run(url: str, warm_url: str, testset: Path, folder: Path, concurrency: int, engine: str,
            workers: int) -> float:
    """Seconds one eval takes to judge every game, its answers already in a fresh store (a first run
    against another judge server, so another judge id, stores them untimed)."""
    out = folder / f"{engine}-{workers}-{time.monotonic_ns()}"

    def run(judge_url: str, engine: str) -> float:
        args = ["eval", "--model", "fake:a", "--model", "fake:b", "--model", "fake:c", "--judge",
                f"openai:judge@{judge_url}", "--judge-mode", "logprob", "--testset", str(testset), "--out", str(out),
                "--store", str(out / "arena.sqlite"), "--bootstrap", "1", "--max-concurrency", str(concurrency),
                "--engine", engine, "--ray-workers", str(workers)]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cli.main(args, standalone_mode=False)
        return time.perf_counter() - start

    run(warm_url, "local")
    return run(url, engine)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import ray

    _register()
    ray.init(num_cpus=max(args.workers), include_dashboard=False, log_to_driver=False)
    games = args.prompts * 3 * 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        testset = folder / "prompts.jsonl"
        testset.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"question {k}"]}) + "\n"
                                   for k in range(args.prompts)))
        for latency in (args.latency, 0.0):
            print(f"judge latency {latency * 1000:.0f} ms per call, {args.concurrency} calls at once per client, "
                  f"{games} games")
            with serve_model(FakeModel("judge"), model_name="judge", delay=latency) as url, \
                    serve_model(FakeModel("judge"), model_name="judge") as warm_url:
                local = one_run(url, warm_url, testset, folder, args.concurrency, "local", 1)
                print(f"  local          {local:7.2f} s  {games / local:8.1f} games/s  "
                      f"{local / games * 1000:7.2f} ms/game")
                for workers in args.workers:
                    took = one_run(url, warm_url, testset, folder, args.concurrency, "ray", workers)
                    print(f"  ray, {workers} worker{'s' if workers > 1 else ' '} {took:7.2f} s  "
                          f"{games / took:8.1f} games/s  {took / games * 1000:7.2f} ms/game  "
                          f"x{local / took:.2f} of local")
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
