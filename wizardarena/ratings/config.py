"""Options of the rating engine, validated where they are built."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from wizardarena.errors import InputError
from wizardarena.ratings.bradley_terry import DEFAULT_RIDGE
from wizardarena.ratings.style_coefs import StyleCoefs

ELO_PER_BT_UNIT = 400.0 / math.log(10.0)


@dataclass(frozen=True)
class RatingConfig:
    """How battles become ratings.

    ``method``: ``bt`` (Bradley-Terry MLE, the default, as LMSYS and the paper) or ``online`` (sequential
    Elo with ``k_factor`` over a seeded shuffled order). ``unit``: what the bootstrap resamples,
    ``battle`` or ``prompt`` (a cluster bootstrap over prompt ids). ``ties``: ``half``, ``drop`` or
    ``drop-bothbad``. ``anchor``: (model, elo) pinned in every round, else the mean is ``center``.
    ``point``: the reported rating, ``median`` of the bootstrap (the paper) or the full-data ``mle``.
    ``ci``: ``bootstrap`` (percentiles of ``bootstrap`` rounds, the paper's) or ``sandwich`` (the robust
    covariance of the one Bradley-Terry fit, clustered by prompt when ``unit`` is ``prompt``; normal bounds
    at ``confidence``). A sandwich CI draws no rounds, so ``bootstrap`` and ``point`` are not used: the
    reported rating is the MLE. ``style_coefs``: with ``style_control``, the style terms are fixed at these
    coefficients (and their normalisation) instead of fitted; ignored without ``style_control``.
    """

    method: Literal["bt", "online"] = "bt"
    bootstrap: int = 100
    seed: int = 0
    unit: Literal["battle", "prompt"] = "battle"
    ties: Literal["half", "drop", "drop-bothbad"] = "half"
    anchor: tuple[str, float] | None = None
    center: float = 1000.0
    confidence: float = 0.95
    point: Literal["median", "mle"] = "median"
    ridge: float = DEFAULT_RIDGE
    k_factor: float = 4.0
    style_control: bool = False
    ci: Literal["bootstrap", "sandwich"] = "bootstrap"
    style_coefs: StyleCoefs | None = None

    def __post_init__(self) -> None:
        checks = {
            "method must be bt or online": self.method in ("bt", "online"),
            "bootstrap must be between 0 and 100000 rounds": 0 <= self.bootstrap <= 100_000,
            "unit must be battle or prompt": self.unit in ("battle", "prompt"),
            "ties must be half, drop or drop-bothbad": self.ties in ("half", "drop", "drop-bothbad"),
            "confidence must be in (0, 1)": 0.0 < self.confidence < 1.0,
            "point must be median or mle": self.point in ("median", "mle"),
            "ridge must be > 0": self.ridge > 0,
            "k_factor must be > 0": self.k_factor > 0,
            "style control needs method bt": not (self.style_control and self.method != "bt"),
            "ci must be bootstrap or sandwich": self.ci in ("bootstrap", "sandwich"),
            "--ci sandwich is the covariance of the Bradley-Terry fit: online Elo has none (use the bootstrap)":
                not (self.ci == "sandwich" and self.method != "bt"),
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise InputError("; ".join(failed))

    def describe_ci(self) -> str:
        """How the CIs were made, for table titles and notes.

        >>> RatingConfig(bootstrap=100, unit="prompt").describe_ci()
        '100 bootstrap rounds by prompt'
        >>> RatingConfig(ci="sandwich", unit="prompt").describe_ci()
        'sandwich CI clustered by prompt, MLE'
        """
        if self.ci == "sandwich":
            return f"sandwich CI{' clustered by prompt' if self.unit == 'prompt' else ''}, MLE"
        return f"{self.bootstrap} bootstrap rounds by {self.unit}" if self.bootstrap else "no bootstrap"


def parse_anchor(text: str) -> tuple[str, float]:
    """Parse ``MODEL=ELO`` (the model name may itself contain '=').

    >>> parse_anchor("llama-2-70b-chat=1100")
    ('llama-2-70b-chat', 1100.0)
    """
    model, sep, value = text.rpartition("=")
    try:
        elo = float(value)
    except ValueError:
        elo = math.nan
    if not sep or not model or not math.isfinite(elo):
        raise InputError(f"--anchor wants MODEL=ELO (e.g. llama-2-70b-chat=1100), got {text!r}")
    return model, elo
