"""``wizardarena agreement``: how well a candidate ranking agrees with a reference ranking."""

from __future__ import annotations

import json
import math

import click

# (key, label, shown as a percentage)
_ROWS = (
    ("spearman", "Spearman", False),
    ("kendall", "Kendall tau", False),
    ("agreement_ci", "Agreement with 95% CI (Arena-Hard)", True),
    ("agreement_ci_signed", "Agreement with 95% CI (signed, paper)", True),
    ("separability_ci", "Separability with 95% CI (candidate)", True),
    ("reference_separability_ci", "Separability with 95% CI (reference)", True),
    ("brier", "Pair-rank Brier (lower is better)", False),
    ("consistency", "Consistency (paper)", True),
)


def _format(value: float, percent: bool) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.2%}" if percent else f"{value:.4f}"


def _json_safe(result: dict) -> dict:
    """NaN is not JSON: undefined metrics become null."""
    return {key: None if isinstance(value, float) and math.isnan(value) else value
            for key, value in result.items()}


def _print_table(title: str, header: tuple[str, str], rows: list[tuple[str, str]]) -> None:
    from rich.table import Table

    from wizardarena.cli.console import make_console

    table = Table(title=title, title_justify="left")
    table.add_column(header[0])
    table.add_column(header[1], justify="right" if header[1] == "value" else "left")
    for left, right in rows:
        table.add_row(left, right)
    make_console().print(table)


def _print_catalogue(fmt: str) -> None:
    from wizardarena.agreement import list_name_maps, list_references

    references, maps = list_references(), list_name_maps()
    if fmt == "json":
        click.echo(json.dumps({"references": references, "maps": maps}, ensure_ascii=False))
        return
    _print_table("Shipped reference rankings", ("name", "description"), list(references.items()))
    _print_table("Shipped name maps (--map NAME)", ("name", "description"), list(maps.items()))


@click.command("agreement")
@click.argument("candidate", required=False)
@click.argument("reference", required=False)
@click.option("--map", "name_map", metavar="NAMES.json|NAME",
              help="JSON object REFERENCE name -> CANDIDATE name, or a shipped map name (see --list).")
@click.option("--keep-unmapped", is_flag=True,
              help="With --map, also match models the map leaves out by their own names.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--list", "list_only", is_flag=True, help="List shipped references and name maps, then exit.")
def agreement(candidate: str | None, reference: str | None, name_map: str | None, keep_unmapped: bool,
              fmt: str, list_only: bool) -> None:
    """Compare CANDIDATE with REFERENCE (each a ranking file or a shipped reference name).

    Prints Spearman, Kendall, agreement and separability with 95% CI, pair-rank Brier and the paper's
    consistency over the models both rankings share.
    """
    from wizardarena.agreement import compare, load_name_map, load_ranking

    if list_only:
        _print_catalogue(fmt)
        return
    if candidate is None or reference is None:
        raise click.UsageError("give CANDIDATE and REFERENCE (ranking files or shipped names; see --list)")
    mapping = load_name_map(name_map) if name_map else None
    result = compare(load_ranking(candidate), load_ranking(reference), mapping, keep_unmapped)
    if fmt == "json":
        click.echo(json.dumps(_json_safe(result), ensure_ascii=False))
        return
    rows = [("models shared", str(result["n_models"]))]
    rows += [(label, _format(result[key], percent)) for key, label, percent in _ROWS]
    _print_table(f"{candidate} vs {reference}", ("metric", "value"), rows)
