"""Entry point of the ``wizardarena`` command: a click group whose subcommands live one per module.

Every error a user can meet prints one line on stderr, never a traceback, and exits with its own code:

- 2: bad input (a file, a flag, a spec, a name) — fix the command;
- 3: a model backend or server failed after its bounded retries — the store keeps what was done;
- 4: the machine failed: disk full, a read-only folder, a damaged store file;
- 130 / 143: interrupted by Ctrl-C / SIGTERM — what was stored is kept, a rerun resumes.
"""

from __future__ import annotations

import errno
import signal
import sqlite3
import sys

import click

from wizardarena import __version__
from wizardarena.backends.base import BackendError
from wizardarena.errors import InputError, MissingExtraError

EXIT_USAGE, EXIT_BACKEND, EXIT_MACHINE, EXIT_SIGINT, EXIT_SIGTERM = 2, 3, 4, 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it ends a run the way Ctrl-C does."""


def _one_line(text: str) -> str:
    from wizardarena.backends.openai import redact

    return redact(" ".join(str(text).split()))


def _exit(code: int, message: str) -> None:
    # Request threads are daemons, so the process ends now rather than when requests in flight finish;
    # every store write is its own committed transaction, so nothing stored is lost.
    click.echo(message, err=True)
    sys.exit(code)


def _machine_error(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.DatabaseError) and "full" in str(exc):
        return "error: no space left on the device for the store; what was stored is kept"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"error: the store is unusable ({_one_line(exc)}); nothing more was written to it"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"error: no space left on the device ({_one_line(exc.filename or '')}); what was stored is kept"
    return f"error: {_one_line(exc.strerror or exc)}" + (f": {exc.filename}" if getattr(exc, "filename", None) else "")


class _OneLineErrors(click.Group):
    """A click group that turns every expected failure into one stderr line and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (InputError, MissingExtraError) as exc:
            _exit(EXIT_USAGE, "error: " + _one_line(exc))
        except BackendError as exc:
            _exit(EXIT_BACKEND, "error: " + _one_line(exc))
        except (OSError, sqlite3.DatabaseError) as exc:
            _exit(EXIT_MACHINE, _machine_error(exc))
        except Terminated:
            _exit(EXIT_SIGTERM, "terminated: what was stored is kept; run the same command again to resume")
        except KeyboardInterrupt:
            _exit(EXIT_SIGINT, "interrupted: what was stored is kept; run the same command again to resume")

    def main(self, *args, **kwargs):
        kwargs.setdefault("standalone_mode", True)
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.exceptions.Abort:
            _exit(EXIT_SIGINT, "interrupted: what was stored is kept; run the same command again to resume")
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
        judges_cmd,
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
    cli.add_command(judges_cmd.judges_command)
    cli.add_command(build_cmd.build_testset)
    cli.add_command(build_cmd.decontaminate_command)
    cli.add_command(lmeval_cmd.lm_eval_path)
    cli.add_command(lmeval_cmd.import_lm_eval)
    cli.add_command(flywheel_cmd.flywheel)
    cli.add_command(leaderboard_cmd.leaderboard_group)


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main() -> None:
    """Run the CLI (the ``wizardarena`` console script)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    _register()
    cli()
