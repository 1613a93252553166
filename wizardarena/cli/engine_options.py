"""The ``--engine``/``--ray-address``/``--ray-workers`` flags, shared by ``eval`` and ``flywheel``."""

from __future__ import annotations

from typing import Callable

import click


def engine_options(command: Callable) -> Callable:
    """Add the three engine flags to a click command (parameters ``engine``, ``ray_address``,
    ``ray_workers``)."""
    flags = [
        click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                     help="Where answers and judgments are made: this process, or an actor pool on a Ray cluster."),
        click.option("--ray-address", default=None, metavar="ADDR",
                     help="The Ray cluster's head (HEAD_IP:6379, or auto); default: $RAY_ADDRESS, else a local "
                          "instance."),
        click.option("--ray-workers", type=click.IntRange(1, 4096), default=2, show_default=True,
                     help="Ray actors answering and judging (each builds the model or judge once)."),
    ]
    for flag in reversed(flags):
        command = flag(command)
    return command
