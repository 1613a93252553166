"""``wizardarena export``: answers, judgments or battles (LMSYS format) out of an arena store."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.errors import InputError


@click.command("export")
@click.argument("store", type=click.Path(dir_okay=False))
@click.option("--what", type=click.Choice(["answers", "judgments", "battles"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help=".jsonl, .json, .csv or .parquet")
@click.option("--judge", default=None, help="Only this judge's judgments / battles.")
@click.option("--model", default=None, help="Only this model's answers.")
@click.option("--combine", type=click.Choice(["separate", "average", "consistent"]), default="separate",
              show_default=True, help="How the two position-swapped games become battles.")
def export(store, what, out, judge, model, combine) -> None:
    """Export records of STORE; battles come out in the LMSYS format, ready for ``wizardarena ratings``."""
    from wizardarena.arena.battles import battles_from_judgments
    from wizardarena.store import ArenaStore
    from wizardarena.tables import detect_format, write_records

    detect_format(Path(out))
    if not Path(store).is_file():
        raise InputError(f"{store}: no such store")
    with ArenaStore(store) as arena:
        if what == "answers":
            records = arena.all_answers(model)
        elif what == "judgments":
            records = arena.all_judgments(judge)
        else:
            records = battles_from_judgments(arena.judgment_verdicts(judge).values(), combine)
    write_records(out, records)
    click.echo(f"wrote {len(records)} {what} to {out}", err=True)
