"""Time how long the ``wizardarena`` command takes to start: ``--help`` of every command, as processes.

    python benchmarks/bench_startup.py [--repeat 5] [--compare REF]

Each case is a fresh process (``python -m wizardarena.cli ... --help``, the same code the console script
runs), timed as a whole, best of ``--repeat``; ``import wizardarena`` and ``import click`` (the floor: the
interpreter plus the CLI library) are timed the same way. The commands are those of the CLI in this
checkout, leaderboard subcommands included.

``--compare REF`` extracts the git ref REF (``git archive``) into a temporary folder, lays out its packages
as setuptools would (``leaderboard/`` -> ``wizardarena/leaderboard`` ...), and runs the same cases with
``PYTHONPATH`` pointing there, so the two versions are timed side by side in the same interpreter; nothing
is built or installed. A command REF does not have is shown as ``-``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing


def command_paths() -> list[list[str]]:
    """Every command of the CLI in this checkout, as argument lists (``[]`` is the top level)."""
    import click

    from wizardarena.cli.main import _register, cli

    _register()
    found = [[]]

    def walk(group: click.Group, prefix: list[str]) -> None:
        for name in sorted(group.commands):
            found.append([*prefix, name])
            if isinstance(group.commands[name], click.Group):
                walk(group.commands[name], [*prefix, name])

    walk(cli, [])
    return found


def cases() -> list[tuple[str, list[str]]]:
    """(label, python arguments) of every timed process."""
    rows = [("python -c 'import click'", ["-c", "import click"]),
            ("python -c 'import wizardarena'", ["-c", "import wizardarena"])]
    for path in command_paths():
        rows.append((" ".join(["wizardarena", *path, "--help"]), ["-m", "wizardarena.cli", *path, "--help"]))
    return rows


def best_time(args: list[str], env: dict[str, str], repeat: int, cwd: Path) -> float | None:
    """Best wall time of ``repeat`` runs (one untimed run first writes the bytecode caches); None if the
    process fails (e.g. a command the compared version lacks)."""
    # cwd is a folder without the package: ``python -m`` puts the working directory first on sys.path.
    if subprocess.run([sys.executable, *args], env=env, capture_output=True, cwd=cwd).returncode != 0:
        return None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    return min(times)


def lay_out(source: Path, lib: Path) -> Path:
    """The packages of the checkout ``source`` copied under ``lib`` as an install would place them."""
    folders = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    ignore = shutil.ignore_patterns("__pycache__")
    for package, folder in sorted(folders.items()):  # parents first: "wizardarena" before "wizardarena.x"
        shutil.copytree(source / folder, lib.joinpath(*package.split(".")), dirs_exist_ok=True, ignore=ignore)
    return lib


def extract(ref: str, into: Path) -> Path:
    """The packages of git ref ``ref``, laid out under ``into/lib``."""
    source = into / "src"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return lay_out(source, into / "lib")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="Runs per case; the best is reported.")
    parser.add_argument("--compare", metavar="REF", default=None, help="A git ref to time side by side.")
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat}")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        # Both versions run from a copy laid out the same way, so neither gains from where it lives.
        here_env = {**env, "PYTHONPATH": str(lay_out(ROOT, Path(tmp) / "this"))}
        ref_env = {**env, "PYTHONPATH": str(extract(args.compare, Path(tmp)))} if args.compare else None
        label_width = max(len(label) for label, _ in cases())
        header = f"{'process':<{label_width}}  {'this (s)':>9}"
        if ref_env:
            header += f"  {args.compare + ' (s)':>12}  {'ratio':>6}"
        print(header)
        for label, argv in cases():
            now = best_time(argv, here_env, args.repeat, Path(tmp))
            line = f"{label:<{label_width}}  {_seconds(now):>9}"
            if ref_env:
                before = best_time(argv, ref_env, args.repeat, Path(tmp))
                ratio = f"{before / now:5.1f}x" if before and now else "-"
                line += f"  {_seconds(before):>12}  {ratio:>6}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
