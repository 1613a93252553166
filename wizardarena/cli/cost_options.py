"""``eval --price`` and ``--rejudge-invalid``, and the cost estimate a dry run prints."""

from __future__ import annotations

import math
from typing import Callable

import click

from wizardarena.errors import InputError


def parse_price(ctx, param, value: str | None) -> tuple[float, float] | None:
    """``IN/OUT`` (US$ per million input / output tokens) as two numbers; bad input is an InputError."""
    if value is None:
        return None
    parts = value.split("/")
    try:
        prices = tuple(float(part) for part in parts)
    except ValueError:
        prices = ()
    if len(prices) != 2 or not all(math.isfinite(p) and p >= 0 for p in prices):
        raise InputError(f"--price must be IN/OUT, US$ per million input/output tokens (e.g. 10/30), got {value!r}")
    return prices  # type: ignore[return-value]


def cost_options(command: Callable) -> Callable:
    """Add ``--price`` (parameter ``price``) and ``--rejudge-invalid`` (``rejudge_invalid``) to ``eval``."""
    flags = [
        click.option("--price", default=None, metavar="IN/OUT", callback=parse_price,
                     help="With --dry-run: the judges' price in US$ per million input/output tokens (e.g. 10/30); "
                          "prints the estimated cost per judge and in total (judges only, not openai: models)."),
        click.option("--rejudge-invalid", is_flag=True,
                     help="Re-run the invalid judgments of this run's games whatever their attempts (the "
                          "--judge-attempts budget is ignored for them): each stored reply is first read again "
                          "by the current parser (no call), the rest re-asked; earlier replies are kept and valid "
                          "judgments never touched. A changed --judge-template or pattern is a new judge id, "
                          "judged afresh: this re-asks the same judge."),
    ]
    for flag in reversed(flags):
        command = flag(command)
    return command


def print_costs(models: list, judges: list, price: tuple[float, float] | None, max_new_tokens: int) -> None:
    """The dry run's estimate: calls and tokens per model and per judge, and with ``price`` the judges' cost."""
    from wizardarena.arena.costs import total_cost

    click.echo("  estimate (≈ tokens = characters / 4, no tokenizer loaded; retries of unreadable replies not "
               "counted):")
    for m in models:
        if m.calls:
            click.echo(f"    model {m.name}: {m.calls:,} generation calls, ≈ {m.input_tokens:,} input tokens (the "
                       f"prompts' turns only), at most {m.output_tokens:,} output tokens ({max_new_tokens} per call)")
    for j in judges:
        if j.offline:
            click.echo(f"    judge {j.name}: {j.games:,} games, offline judge: no LLM calls")
            continue
        bound = "at most " if j.output_bound else ""
        guessed = (f"; {j.estimated:,} of the {2 * j.games:,} answers shown are still to be generated: taken as long "
                   "as the other answers on their prompt, stored or pre-computed (else --max-new-tokens per turn)"
                   ) if j.estimated else ""
        click.echo(f"    judge {j.name}: {j.calls:,} calls for {j.games:,} games, ≈ {j.input_tokens:,} input tokens, "
                   f"{bound}{j.output_tokens:,} output tokens{guessed}")
        if price:
            split = (f" (input ≈ ${j.input_tokens * price[0] / 1e6:,.4f}, output at most "
                     f"${j.output_tokens * price[1] / 1e6:,.4f})") if j.output_bound else ""
            click.echo(f"      {bound or '≈ '}${j.cost(*price):,.4f} at ${price[0]:g}/${price[1]:g} per million "
                       f"input/output tokens{split}")
    if price:
        priced = [j for j in judges if not j.offline]
        bound = "at most" if any(j.output_bound for j in priced) else "≈"
        click.echo(f"    judges in total: {bound} ${total_cost(priced, *price):,.4f} (model generation not priced)")
