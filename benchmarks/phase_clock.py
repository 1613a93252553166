"""Phase times of a run, taken from outside: hooked functions mark where each phase starts.

Used by the benchmarks (bench_harness.py, bench_main_job.py); nothing in the package depends on it. A phase
lasts from the first call of its hooked function until another phase starts. On Linux each phase also
gets its own peak resident memory: the kernel's high-water mark (VmHWM) is reset at every mark.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path


class PhaseClock:
    """Seconds, peak MiB and CPU seconds per phase label, summed over the phase's stretches."""

    def __init__(self) -> None:
        self.phases: dict[str, list[float]] = {}
        self.current: str | None = None
        self.started = self.cpu = 0.0

    def install(self, hooks) -> None:
        """Wrap each ``(label, module, attribute)`` function (skipped where the module lacks it)."""
        for label, module_name, name in hooks:
            module = importlib.import_module(module_name)
            if hasattr(module, name):
                setattr(module, name, self._hooked(label, getattr(module, name)))

    def reset(self) -> None:
        """Forget the phases measured so far (before timing another run)."""
        self.phases, self.current = {}, None

    def _hooked(self, label: str, function):
        def hooked(*args, **kwargs):
            if self.current != label:
                self.mark(label)
            return function(*args, **kwargs)
        return hooked

    def mark(self, label: str | None) -> None:
        """End the current phase and start ``label`` (None: just end)."""
        now, cpu = time.perf_counter(), time.process_time()
        if self.current is not None:
            seconds, peak, cpu_s = self.phases.setdefault(self.current, [0.0, 0.0, 0.0])
            self.phases[self.current] = [seconds + now - self.started, max(peak, peak_mib(reset=False)),
                                         cpu_s + cpu - self.cpu]
        peak_mib(reset=True)
        self.current, self.started, self.cpu = label, now, cpu


def peak_mib(reset: bool) -> float:
    """The peak resident memory since the last reset, in MiB (0 where /proc does not tell)."""
    try:
        if reset:
            Path("/proc/self/clear_refs").write_text("5")
            return 0.0
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
