"""Rich progress bars (with ETA) on stderr for the long stages."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from wizardarena.cli.console import make_console


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Yields ``start(label, total) -> advance(n)``; one bar per stage. Nothing is shown until the first
    stage starts (a run with nothing to do prints no empty line)."""
    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=make_console(stderr=True), transient=False)

    def start(label: str, total: int) -> Callable[[int], None]:
        if not bars.task_ids:
            bars.start()
        task = bars.add_task(label, total=total)
        return lambda n: bars.advance(task, n)

    try:
        yield start
    finally:
        if bars.task_ids:
            bars.stop()
