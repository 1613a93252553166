"""The ``--style-coefs FILE`` flag of ``ratings`` and ``eval``: save the style coefficients of a joint fit
(FILE absent), or freeze them (FILE present).

One flag, out and in, as the issue asks. Its risk is a mistyped path that silently fits anew: both ways
print one line on stderr saying which it did, and the coefficient line under the table says the origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from wizardarena.errors import InputError

if TYPE_CHECKING:  # the module loads numpy: --help must not
    from wizardarena.ratings.style_coefs import StyleCoefs


def style_coefs_option(command: Callable) -> Callable:
    """Add ``--style-coefs FILE`` (parameter ``style_coefs``) to a click command."""
    return click.option(
        "--style-coefs", type=click.Path(dir_okay=False), default=None, metavar="FILE",
        help="With --style-control: freeze the style coefficients (and their normalisation) read from FILE; "
             "if FILE does not exist, write the jointly fitted ones there.")(command)


def frozen_style(path: str | None, style_control: bool, grouped: bool = False) -> StyleCoefs | None:
    """The coefficients to freeze (FILE exists), or None (no flag, or FILE is to be written). Refuses the
    flag without style control, and writing with ``grouped`` fits (one file, several fits)."""
    if path is None:
        return None
    if not style_control:
        raise InputError("--style-coefs freezes or saves the coefficients of style control: add --style-control")
    if Path(path).exists():
        from wizardarena.ratings.style_coefs import read_style_coefs

        coefs = read_style_coefs(path)
        click.echo(f"style coefficients frozen from {path} (fitted on {coefs.battles:,} battles)", err=True)
        return coefs
    if grouped:
        raise InputError(f"--style-coefs {path} does not exist, and --by fits one set of coefficients per group: "
                         "write the file from a run without --by")
    if not Path(path).parent.is_dir():
        raise InputError(f"--style-coefs {path}: no such folder {str(Path(path).parent)!r}")
    return None


def save_style(path: str | None, style: StyleCoefs | None) -> None:
    """Write the jointly fitted coefficients to ``path`` (nothing when they were frozen or absent)."""
    if path is None or style is None or style.source is not None:
        return
    from wizardarena.ratings.style_coefs import write_style_coefs

    write_style_coefs(path, style)
    click.echo(f"wrote style coefficients ({style.battles:,} battles, {len(style.models)} models) to {path}",
               err=True)
