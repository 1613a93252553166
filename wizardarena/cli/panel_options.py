"""A judge panel in ``eval`` (``--judge`` repeated): the ``--panel-battles`` flag and the panel's report,
also printed by ``wizardarena judges STORE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import click


def panel_options(command: Callable) -> Callable:
    """Add ``--panel-battles`` (parameter ``panel_battles``) to a click command."""
    return click.option(
        "--panel-battles", type=click.Choice(["pooled", "per-judge"]), default="pooled", show_default=True,
        help="With several --judge: rate all judges' battles in one fit (pooled), or each judge's on its own "
             "(per-judge: one table per judge).")(command)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def panel_lines(report) -> list[str]:
    """The comparison of a :class:`~wizardarena.judge.panel.PanelReport` as text lines: one per judge, then
    one per pair of judges."""
    names = {judge.judge: f"J{k + 1}" for k, judge in enumerate(report.judges)}
    lines = [f"judges compared: {len(report.judges)}"]
    for judge in report.judges:
        lines.append(f"  {names[judge.judge]} {judge.judge}: {judge.judgments} judgments, valid "
                     f"{_share(judge.valid_share)} ({judge.invalid} invalid), {judge.ties} ties; first position "
                     f"wins {_share(judge.first_slot_wins)}; both orders agree {_share(judge.consistency)}")
    for pair in report.pairs:
        lines.append(f"  {names[pair.judge_a]} vs {names[pair.judge_b]}: {pair.games} games judged validly by both; "
                     f"same winner {_share(pair.same_winner)}; Cohen's kappa {_number(pair.kappa)}; Spearman of "
                     f"their ratings {_number(pair.spearman)} ({pair.models} models)")
    return lines


def report_panel(panel, config, out: Path) -> Path:
    """After ``eval`` with several judges: each judge's table under ``per-judge``, then the panel's
    comparison; writes ``panel.json`` (the comparison and how battles were rated) to ``out``, its path returned."""
    from dataclasses import replace

    from wizardarena.cli.eval_report import print_report

    if panel.battles == "per-judge":
        for judge in config.judges:
            print_report(panel.by_judge[judge.id], replace(config, judge=judge, panel=()))
    else:
        print_report(panel.result, config)
    for line in panel_lines(panel.report):
        click.echo(line)
    payload = {"battles": panel.battles, **panel.report.to_json()}
    (out / "panel.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return out / "panel.json"
