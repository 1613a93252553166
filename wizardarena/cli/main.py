"""Entry point of the ``wizardarena`` command: a click group whose subcommands live one per module.

User-caused errors (:class:`InputError`, bad flags) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import sys

import click

from wizardarena import __version__
from wizardarena.backends.base import BackendError
from wizardarena.errors import InputError, MissingExtraError

EXIT_USAGE = 2


class _OneLineErrors(click.Group):
    """A click group that turns expected errors into one stderr line and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (InputError, MissingExtraError, BackendError) as exc:
            click.echo("error: " + " ".join(str(exc).split()), err=True)
            sys.exit(EXIT_USAGE)

    def main(self, *args, **kwargs):
        kwargs.setdefault("standalone_mode", True)
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(EXIT_USAGE)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)


@click.group(cls=_OneLineErrors)
@click.version_option(__version__, prog_name="wizardarena")
def cli() -> None:
    """WizardArena: an offline simulated Chatbot Arena (Arena Learning, arXiv 2407.10627)."""


def _register() -> None:
    from wizardarena.cli import (
        agreement_cmd,
        build_cmd,
        eval_cmd,
        flywheel_cmd,
        leaderboard_cmd,
        lmeval_cmd,
        ratings_cmd,
        store_cmd,
    )

    cli.add_command(ratings_cmd.ratings)
    cli.add_command(ratings_cmd.simulate)
    cli.add_command(agreement_cmd.agreement)
    cli.add_command(eval_cmd.eval_command)
    cli.add_command(store_cmd.export)
    cli.add_command(build_cmd.build_testset)
    cli.add_command(build_cmd.decontaminate_command)
    cli.add_command(lmeval_cmd.lm_eval_path)
    cli.add_command(lmeval_cmd.import_lm_eval)
    cli.add_command(flywheel_cmd.flywheel)
    cli.add_command(leaderboard_cmd.leaderboard_group)


def main() -> None:
    """Run the CLI (the ``wizardarena`` console script)."""
    _register()
    cli()
