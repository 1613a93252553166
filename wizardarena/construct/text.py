"""The text of a prompt as the construction steps see it: joined user turns, normalised for matching."""

from __future__ import annotations

import re

from wizardarena.records import Prompt

_WHITESPACE = re.compile(r"\s+")
_LANGUAGE_SAMPLE_CHARS = 4000


def prompt_text(prompt: Prompt) -> str:
    """The user turns of ``prompt`` joined with blank lines (what is embedded, rated and compared).

    >>> prompt_text({"turns": ["Hi.", "And then?"]})
    'Hi.\\n\\nAnd then?'
    """
    return "\n\n".join(prompt["turns"])


def normalise(text: str) -> str:
    """Casefolded, with every run of whitespace collapsed to one space and the ends stripped.

    >>> normalise("  Hello\\n\\n  WORLD ")
    'hello world'
    """
    return _WHITESPACE.sub(" ", text.casefold()).strip()


def ascii_letter_share(text: str) -> float | None:
    """Share of the letters (``str.isalpha``) in the first 4,000 characters that are ASCII a–z / A–Z;
    None when there is no letter at all.

    >>> ascii_letter_share("Café au lait")
    0.9
    """
    letters = [char for char in text[:_LANGUAGE_SAMPLE_CHARS] if char.isalpha()]
    if not letters:
        return None
    return sum(char.isascii() for char in letters) / len(letters)


def looks_english(text: str, min_ascii_share: float = 0.9) -> bool:
    """The "English-like" heuristic of the optional language filter: at least ``min_ascii_share`` of the
    letters are unaccented Latin letters. Text without letters (numbers, symbols) passes.

    It is a script test, not a language identifier: it rejects Chinese, Russian, Arabic, ... and
    accent-heavy Latin-script text, but passes e.g. Indonesian or unaccented Spanish.

    >>> looks_english("How do I sort a list?"), looks_english("如何对列表排序？")
    (True, False)
    """
    share = ascii_letter_share(text)
    return share is None or share >= min_ascii_share
