"""Cleaning a prompt pool: length, language, exact, prefix and near-duplicate filters.

Every step is a pure, deterministic function over a list of Prompt records that keeps the order and
returns a :class:`Step` naming what it dropped; of duplicates the first one is kept. :func:`clean_pool`
runs them in the order length → language (when asked) → exact → prefix → near duplicates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

from wizardarena.construct.minhash import MinHasher, MinHashIndex
from wizardarena.construct.text import looks_english, normalise, prompt_text
from wizardarena.errors import InputError
from wizardarena.records import Prompt


class Drop(NamedTuple):
    """A prompt a step removed: which, why, and the kept prompt it duplicates (if any)."""

    id: str
    reason: str
    match_id: str | None = None
    similarity: float | None = None


class Step(NamedTuple):
    """The outcome of one cleaning step."""

    name: str
    kept: list[Prompt]
    dropped: list[Drop]

    def counts(self) -> dict:
        """``{"step", "before", "dropped", "after"}`` for reports."""
        after = len(self.kept)
        return {"step": self.name, "before": after + len(self.dropped), "dropped": len(self.dropped), "after": after}


@dataclass(frozen=True)
class CleaningConfig:
    """Thresholds of the cleaning steps. Lengths count the characters of all user turns together;
    ``prefix_chars`` = 0 or ``near_duplicate_threshold`` = None switches that step off."""

    min_chars: int = 10
    max_chars: int = 20_000
    prefix_chars: int = 100
    near_duplicate_threshold: float | None = 0.8
    shingle_size: int = 5
    num_perm: int = 128
    minhash_seed: int = 0
    english_only: bool = False
    min_ascii_letter_share: float = 0.9

    def __post_init__(self) -> None:
        threshold = self.near_duplicate_threshold
        checks = {
            "min chars must be >= 0 and <= max chars": 0 <= self.min_chars <= self.max_chars,
            "prefix chars must be >= 0": self.prefix_chars >= 0,
            "near-duplicate threshold must be in (0, 1]": threshold is None or 0.0 < threshold <= 1.0,
            "ASCII letter share must be in [0, 1]": 0.0 <= self.min_ascii_letter_share <= 1.0,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise InputError("cleaning: " + "; ".join(failed))
        MinHasher(self.num_perm, self.shingle_size, self.minhash_seed)  # validates those three

    def hasher(self) -> MinHasher:
        """The MinHash settings of the near-duplicate step."""
        return MinHasher(self.num_perm, self.shingle_size, self.minhash_seed)

    def describe(self) -> dict:
        """Every threshold, for reports."""
        return asdict(self)


def filter_length(prompts: list[Prompt], min_chars: int, max_chars: int) -> Step:
    """Keep prompts whose user turns hold ``min_chars``..``max_chars`` characters (stripped, joined)."""
    kept, dropped = [], []
    for prompt in prompts:
        size = len(prompt_text(prompt).strip())
        if min_chars <= size <= max_chars:
            kept.append(prompt)
        else:
            dropped.append(Drop(prompt["id"], "too short" if size < min_chars else "too long"))
    return Step("length", kept, dropped)


def filter_language(prompts: list[Prompt], min_ascii_share: float = 0.9) -> Step:
    """Keep "English-like" prompts (see :func:`wizardarena.construct.text.looks_english`)."""
    kept, dropped = [], []
    for prompt in prompts:
        if looks_english(prompt_text(prompt), min_ascii_share):
            kept.append(prompt)
        else:
            dropped.append(Drop(prompt["id"], "not English-like"))
    return Step("language", kept, dropped)


def drop_exact_duplicates(prompts: list[Prompt]) -> Step:
    """Keep the first of prompts whose normalised text (casefold, collapsed whitespace) is equal."""
    return _drop_equal_keys(prompts, "exact", normalise)


def drop_prefix_duplicates(prompts: list[Prompt], prefix_chars: int) -> Step:
    """Keep the first of prompts whose normalised texts share their first ``prefix_chars`` characters."""
    return _drop_equal_keys(prompts, "prefix", lambda text: normalise(text)[:prefix_chars])


def _drop_equal_keys(prompts: list[Prompt], name: str, key_of) -> Step:
    first_by_key: dict[str, str] = {}
    kept, dropped = [], []
    for prompt in prompts:
        key = key_of(prompt_text(prompt))
        if key in first_by_key:
            dropped.append(Drop(prompt["id"], f"{name} duplicate", first_by_key[key], 1.0))
        else:
            first_by_key[key] = prompt["id"]
            kept.append(prompt)
    return Step(name, kept, dropped)


def drop_near_duplicates(prompts: list[Prompt], threshold: float = 0.8, hasher: MinHasher = MinHasher()) -> Step:
    """Keep a prompt unless its estimated Jaccard similarity (MinHash LSH over character shingles) to an
    earlier KEPT prompt reaches ``threshold``; the most similar kept prompt is named as the match."""
    signatures = hasher.signatures([prompt_text(p) for p in prompts])
    index = MinHashIndex(hasher.num_perm, threshold)
    kept, dropped = [], []
    for prompt, signature in zip(prompts, signatures):
        match = index.best_match(signature)
        if match is None:
            index.add(signature, prompt["id"])
            kept.append(prompt)
        else:
            dropped.append(Drop(prompt["id"], "near duplicate", str(match[0]), round(match[1], 4)))
    return Step("near-duplicate", kept, dropped)


def clean_pool(prompts: list[Prompt], config: CleaningConfig = CleaningConfig()) -> tuple[list[Prompt], list[Step]]:
    """Run every enabled step in order; returns the kept prompts and the steps (for their counts)."""
    steps = [filter_length(prompts, config.min_chars, config.max_chars)]
    if config.english_only:
        steps.append(filter_language(steps[-1].kept, config.min_ascii_letter_share))
    steps.append(drop_exact_duplicates(steps[-1].kept))
    if config.prefix_chars:
        steps.append(drop_prefix_duplicates(steps[-1].kept, config.prefix_chars))
    if config.near_duplicate_threshold is not None:
        steps.append(drop_near_duplicates(steps[-1].kept, config.near_duplicate_threshold, config.hasher()))
    return steps[-1].kept, steps
