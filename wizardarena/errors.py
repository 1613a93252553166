"""Typed errors. Anything a user can cause (bad file, bad flag, unknown model) is an ``InputError``;
the CLI prints its message on one line and exits with status 2."""


class WizardArenaError(Exception):
    """Base class of every error WizardArena raises on purpose."""


class InputError(WizardArenaError):
    """Bad input the user can fix: unreadable file, wrong schema, unknown name, degenerate data."""


class MissingExtraError(WizardArenaError):
    """An optional dependency is not installed; the message names the pip extra to install."""

    def __init__(self, package: str, extra: str):
        super().__init__(f"{package} is not installed: pip install 'wizardarena[{extra}]'")
