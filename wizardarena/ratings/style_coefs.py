"""Style coefficients that can be frozen: fitted once, written to a JSON file, and read back so that a
growing leaderboard rates new models without moving everyone's style terms.

The features are z-scored over the battles of the fit (see :func:`wizardarena.ratings.style.style_scale`),
so a coefficient means "per std of *those* battles": the file keeps that mean and std with the
coefficients, and a frozen fit normalises with them, not with its own battles'.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wizardarena.errors import InputError

STYLE_FEATURES = ("length", "headers", "lists", "bold")
UNITS = "BT units per std of the feature"


@dataclass(frozen=True)
class StyleCoefs:
    """Style coefficients (BT units per std) with the normalisation they hold under: per-feature ``mean``
    and ``std`` of the normalised differences. ``battles`` and ``models``: what they were fitted on.
    ``source`` and ``sha256``: the file they were read from (None for a joint fit of this run)."""

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    battles: int
    models: tuple[str, ...]
    source: str | None = None
    sha256: str | None = None

    @classmethod
    def fitted(cls, beta, scale, battles: int, models) -> StyleCoefs:
        """The coefficients of a joint fit, with the (mean, std) it z-scored its features with."""
        mean, std = scale
        return cls(STYLE_FEATURES, tuple(map(float, beta)), tuple(map(float, mean)), tuple(map(float, std)),
                   battles, tuple(models))

    def values(self) -> np.ndarray:
        """The coefficients as an array, in feature order."""
        return np.array(self.coefficients)

    def scale(self) -> tuple[np.ndarray, np.ndarray]:
        """The (mean, std) the features are z-scored with."""
        return np.array(self.mean), np.array(self.std)

    def as_dict(self) -> dict[str, float]:
        """``{feature: coefficient}``."""
        return dict(zip(self.features, self.coefficients))

    def origin(self) -> str:
        """Where the coefficients come from, as leaderboards and run.json say it.

        >>> StyleCoefs(("length",), (0.2,), (0.0,), (1.0,), 1200, ("a", "b")).origin()
        'fitted jointly on 1,200 battles'
        """
        fitted = f"fitted on {self.battles:,} battles"
        if self.source is None:
            return f"fitted jointly on {self.battles:,} battles"
        return f"frozen from {self.source} (sha256 {self.sha256[:12]}, {fitted})"

    def describe(self) -> str:
        """The coefficients and their origin as one line (``ratings`` and ``eval`` print it)."""
        shown = ", ".join(f"{name} {value:+.3f}" for name, value in self.as_dict().items())
        return f"style coefficients ({UNITS}): {shown}; {self.origin()}"

    def info(self) -> dict:
        """Provenance for run.json: the coefficients, their origin, the file and its sha256 when frozen."""
        return {"coefficients": self.as_dict(), "origin": self.origin(), "frozen_from": self.source,
                "sha256": self.sha256, "fitted_on_battles": self.battles}


def write_style_coefs(path: str | Path, coefs: StyleCoefs) -> None:
    """Write ``coefs`` as the JSON file :func:`read_style_coefs` reads."""
    from wizardarena import __version__

    names = coefs.features
    document = {"features": list(names), "units": UNITS, "coefficients": coefs.as_dict(),
                "normalisation": {"mean": dict(zip(names, coefs.mean)), "std": dict(zip(names, coefs.std))},
                "fitted_on": {"battles": coefs.battles, "models": list(coefs.models)}, "wizardarena": __version__}
    Path(path).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def read_style_coefs(path: str | Path) -> StyleCoefs:
    """Read a file written by :func:`write_style_coefs`; anything else (bad JSON, other features, a missing
    or non-finite number, a std <= 0) is an InputError naming the file."""
    try:
        data = Path(path).read_bytes()
        document = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"--style-coefs {path}: not a readable JSON file ({exc.__class__.__name__})") from None
    try:
        features = tuple(document["features"])
        if features != STYLE_FEATURES:
            raise InputError(f"--style-coefs {path}: its features {list(features)} are not this version's "
                             f"{list(STYLE_FEATURES)}")
        numbers = [[float(document[key][name]) for name in features] for key in ("coefficients",)]
        numbers += [[float(document["normalisation"][key][name]) for name in features] for key in ("mean", "std")]
        battles, models = int(document["fitted_on"]["battles"]), tuple(map(str, document["fitted_on"]["models"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"--style-coefs {path}: not a style coefficients file (bad or missing {exc})") from None
    if not all(math.isfinite(x) for row in numbers for x in row) or min(numbers[2]) <= 0:
        raise InputError(f"--style-coefs {path}: coefficients and normalisation must be finite, every std > 0")
    return StyleCoefs(features, *map(tuple, numbers), battles, models, str(path), hashlib.sha256(data).hexdigest())
