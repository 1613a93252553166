"""``wizardarena leaderboard RATINGS``: render a ratings file as Markdown, one self-contained HTML page or
PNG plots. :data:`leaderboard_render` is the click command; the ``leaderboard`` group in ``main.py``
runs it."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.cli.push_cmd import push
from wizardarena.errors import InputError


@click.command("render")
@click.argument("ratings", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["md", "html", "png"]), default="md",
              show_default=True, help="Markdown, one self-contained HTML page, or PNG plots.")
@click.option("--out", type=click.Path(), default=None,
              help="md/html: the file to write (md defaults to stdout); png: the folder for the plots.")
@click.option("--battles", type=click.Path(dir_okay=False), default=None,
              help="The battles behind the ratings (LMSYS format): win rates, the win-rate heatmap and, "
                   "with a category column, per-category boards.")
@click.option("--reference", default=None,
              help="Reference ranking for the scatter plot and Spearman, e.g. lmsys-2024-03-29 or a file.")
@click.option("--title", default=None, help="Page title (default: run.json's, else 'WizardArena leaderboard').")
@click.option("--judge", default=None, help="Judge shown in the header (default: from run.json beside RATINGS).")
@click.option("--testset", default=None, help="Test set shown in the header (default: from run.json).")
def leaderboard_render(ratings: str, output_format: str, out: str | None, battles: str | None,
                       reference: str | None, title: str | None, judge: str | None, testset: str | None) -> None:
    """Render RATINGS (Rating records: model, rating, lower, upper, n_battles) as a leaderboard."""
    from wizardarena.leaderboard.board import Leaderboard

    if output_format != "md" and out is None:
        raise click.UsageError(f"--format {output_format} needs --out "
                               f"({'a folder' if output_format == 'png' else 'a file'})")
    target = None if out is None else Path(out)
    if target is not None and output_format == "png" and target.is_file():
        raise InputError(f"{target}: --format png writes into a folder, and this is a file")
    if target is not None and output_format != "png" and target.is_dir():
        raise InputError(f"{target}: --format {output_format} writes a file, and this is a folder")
    board = Leaderboard.load(ratings, battles, reference, title=title, judge=judge, testset=testset)
    if output_format == "md":
        from wizardarena.leaderboard.markdown import render_markdown, write_markdown

        if target is None:
            click.echo(render_markdown(board), nl=False)
            return
        written = [write_markdown(board, target)]
    elif output_format == "html":
        from wizardarena.leaderboard.html import write_html

        written = [write_html(board, target)]
    else:
        from wizardarena.leaderboard.plots import write_plots

        written = write_plots(board, target)
    for note in board.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {', '.join(str(path) for path in written)}", err=True)


class _RenderByDefault(click.Group):
    """``leaderboard RATINGS ...`` renders (the ``render`` subcommand); ``leaderboard push ...`` publishes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["render", *args]
        return super().parse_args(ctx, args)


@click.group("leaderboard", cls=_RenderByDefault)
def leaderboard_group() -> None:
    """Leaderboards: ``leaderboard RATINGS [--format md|html|png]`` renders one; ``leaderboard push
    RATINGS --repo-id ORG/NAME`` publishes one to the Hugging Face Hub as a dataset repo."""


leaderboard_group.add_command(leaderboard_render)
leaderboard_group.add_command(push)
