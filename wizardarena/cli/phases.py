"""Phase times of a command on stderr, when ``WIZARDARENA_PROFILE=1`` (benchmarks/bench_ratings.py reads
them); otherwise a phase costs one clock read."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block; print ``profile: NAME SECONDS`` on stderr when profiling is on."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if os.environ.get("WIZARDARENA_PROFILE") == "1":
            print(f"profile: {name} {time.perf_counter() - start:.4f}", file=sys.stderr)
