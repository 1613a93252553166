"""The ``--judge-protocol`` and ``--strong-weight`` flags of ``eval``: which published judge protocol to run."""

from __future__ import annotations

from typing import Callable

import click

# wizardarena.judge.protocols.PROTOCOLS, spelled out: importing the judge package here would load numpy for
# every --help (a test checks that the two agree)
PROTOCOLS = ("paper", "arena-hard", "alpaca-eval")


def protocol_options(command: Callable) -> Callable:
    """Add the protocol flags to a click command (parameters ``judge_protocol``, ``strong_weight``)."""
    flags = [
        click.option("--judge-protocol", type=click.Choice(PROTOCOLS), default="paper", show_default=True,
                     help="paper: two 1-10 scores; arena-hard: the judge answers first, then a five-level verdict "
                          "([[A>>B]] ... [[B>>A]]); alpaca-eval: P(A) vs P(B) from the label logprobs (one call "
                          "per game, --judge-mode does not apply), with a length-controlled win rate vs --baseline."),
        click.option("--strong-weight", type=click.IntRange(1, 100), default=3, show_default=True,
                     help="arena-hard: battles a strong verdict (A>>B) counts as (Arena-Hard's 3); a battle rule, "
                          "not part of the judge's id."),
    ]
    for flag in reversed(flags):
        command = flag(command)
    return command
