"""How the Arena-Hard and AlpacaEval judge protocols read a judge: the five-level verdict of Arena-Hard
(patterns shipped as data, ``templates/arena_hard_patterns.json``) and AlpacaEval's preference from the
log-probabilities of the two answer labels. Both are stored as two scores so every view of verdicts (battles,
the judge report, exports) reads them unchanged."""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import lru_cache
from importlib import resources

PROTOCOLS = ("paper", "arena-hard", "alpaca-eval")
TEMPLATES = {"arena-hard": "arena_hard.txt", "alpaca-eval": "alpaca_eval.txt"}
PATTERNS_FILE = "arena_hard_patterns.json"
# score_a - score_b is the verdict's level: +-2 strong, +-1 plain, 0 a tie (so a tie margin of 0 reads it).
FIVE_LEVELS = {"A>>B": (2.0, 0.0), "A>B": (1.0, 0.0), "A=B": (0.0, 0.0), "B>A": (0.0, 1.0), "B>>A": (0.0, 2.0)}
STRONG_GAP = 2.0
LABELS = ("A", "B")  # the alpaca-eval judge's answer labels, read as first tokens


@lru_cache(maxsize=1)
def _patterns_text() -> str:
    return resources.files("wizardarena.judge").joinpath("templates", PATTERNS_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _verdict_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    verdicts = json.loads(_patterns_text())["verdicts"]
    return tuple((label, re.compile(p, re.IGNORECASE)) for label in FIVE_LEVELS for p in verdicts[label])


def patterns_digest() -> str:
    """sha256 (first 16 hex digits) of the shipped five-level patterns: part of an arena-hard judge's id."""
    return hashlib.sha256(_patterns_text().encode("utf-8")).hexdigest()[:16]


def parse_five_level(text: str) -> str | None:
    """The Arena-Hard verdict label (``A>>B``, ``A>B``, ``A=B``, ``B>A``, ``B>>A``) a reply ends with, or None.

    Tolerant of spaces inside the brackets, ``≫``, ``B<A`` spellings, markdown around the verdict and any
    lead-in text. The LAST verdict in the reply wins: judges often restate the five-verdict format (or
    quote an example) before giving their own.

    >>> parse_five_level("Format: [[A>>B]] ... [[B>>A]]. My final verdict is: **[[ B > A ]]**")
    'B>A'
    >>> parse_five_level("Tie, relatively the same: [[A=B]]"), parse_five_level("A is better.")
    ('A=B', None)
    """
    best, where = None, -1
    for label, pattern in _verdict_patterns():
        for match in pattern.finditer(text):
            if match.start() > where:
                best, where = label, match.start()
    return best


def five_level_scores(text: str) -> tuple[float, float] | None:
    """The two scores that encode a reply's five-level verdict (see :data:`FIVE_LEVELS`), or None."""
    label = parse_five_level(text)
    return None if label is None else FIVE_LEVELS[label]


def five_level_label(score_a: float, score_b: float) -> str | None:
    """The five-level label two stored scores encode (None for scores no label gives)."""
    return next((label for label, scores in FIVE_LEVELS.items() if scores == (score_a, score_b)), None)


def label_preference(logprobs: dict[str, float]) -> float | None:
    """``p_a`` = P(A) / (P(A) + P(B)) from the first-token log-probabilities of the two labels (None when the
    judge model reported either label without a finite value).

    >>> round(label_preference({"A": math.log(0.6), "B": math.log(0.2)}), 6)
    0.75
    """
    a, b = (logprobs.get(label, -math.inf) for label in LABELS)
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    return 1.0 / (1.0 + math.exp(b - a))
