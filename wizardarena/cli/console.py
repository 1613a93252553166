"""The one way the CLI makes a rich console: whole model names in a log, whatever the output is."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

# Columns when the output is no terminal and $COLUMNS is unset: rich would wrap at 80 and cut model names
# ("gpt-4-0125-p…") in `wizardarena eval ... | tee log`; tables still take only the width they need.
PIPED_WIDTH = 1000


def make_console(*, stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr): a terminal's own width, else ``$COLUMNS`` when set, else
    :data:`PIPED_WIDTH`."""
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
        console.width = PIPED_WIDTH
    return console
