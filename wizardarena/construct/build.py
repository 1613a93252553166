"""Building the diverse, hard and mix test sets from a pool, as in Arena Learning (§ test sets).

clean → embed → k-means (k clusters) → diverse: n random prompts per cluster; hard pool: m per cluster,
rated 0–10 by an LLM, the top h kept (or, in "upstream" mode, m per cluster from pools an LLM already
chose for hardness, cut to h one cluster at a time); mix = diverse ∪ hard. Every choice is seeded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from wizardarena.construct.clean import CleaningConfig, clean_pool
from wizardarena.construct.cluster import MINIBATCH_ABOVE, capped_clusters, cluster_vectors, embed_prompts
from wizardarena.construct.difficulty import DifficultyRater
from wizardarena.construct.select import (
    DIVERSE_STREAM,
    HARD_STREAM,
    flatten,
    keep_hardest,
    round_robin,
    sample_per_cluster,
)
from wizardarena.embeddings import DEFAULT_EMBEDDER, Embedder
from wizardarena.errors import InputError
from wizardarena.records import Prompt
from wizardarena.tables import write_records


@dataclass(frozen=True)
class BuildConfig:
    """Every parameter of a build (the paper's: k=500, n=2, m=20, h=1000). Exactly one difficulty method:
    ``rater`` (a model spec) or ``upstream_hard`` (sources whose prompts count as hard already). With a
    rater, fewer valid ratings than the share ``min_valid_ratings`` of the hard pool fail the build."""

    name: str = "wizardarena"
    clusters: int = 500
    per_cluster: int = 2
    hard_pool: int = 20
    hard_keep: int = 1000
    seed: int = 0
    embedder: str = DEFAULT_EMBEDDER
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    rater: str | None = None
    upstream_hard: tuple[str, ...] = ()
    minibatch_above: int = MINIBATCH_ABOVE
    min_valid_ratings: float = 0.8

    def __post_init__(self) -> None:
        checks = {
            "the name may hold only letters, digits, '.', '_' and '-'": bool(re.fullmatch(r"[\w.\-]+", self.name)),
            "clusters, per-cluster, hard-pool and hard-keep must be >= 1":
                min(self.clusters, self.per_cluster, self.hard_pool, self.hard_keep) >= 1,
            "give exactly one of a difficulty rater and upstream-hard sources":
                (self.rater is None) != (not self.upstream_hard),
            "min-valid-ratings must be a fraction in [0, 1]": 0.0 <= self.min_valid_ratings <= 1.0,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise InputError("build: " + "; ".join(failed))

    @property
    def difficulty_method(self) -> str:
        """``rater:SPEC`` or ``upstream:SOURCE,...``."""
        return f"rater:{self.rater}" if self.rater else "upstream:" + ",".join(self.upstream_hard)

    def describe(self) -> dict:
        """Every parameter, JSON-friendly."""
        return {**asdict(self), "upstream_hard": list(self.upstream_hard), "difficulty_method": self.difficulty_method}


@dataclass
class BuildResult:
    """The three test sets (Prompt records), the prompts cleaning dropped, and the build report."""

    diverse: list[Prompt]
    hard: list[Prompt]
    mix: list[Prompt]
    dropped: list[dict]
    report: dict


def build_testsets(pool: Sequence[Prompt], config: BuildConfig, embedder: Embedder,
                   rater: DifficultyRater | None = None, notice: Callable[[str], None] | None = None) -> BuildResult:
    """Build the diverse, hard and mix sets of ``pool`` (see the module notes). ``difficulty`` of an
    output prompt is its rating in this build, or None (not rated, rating invalid, or upstream mode).
    A k above the cleaned pool is capped (:func:`capped_clusters`), told through ``notice``."""
    if embedder.name != config.embedder:
        raise InputError(f"build: the embedder is {embedder.name}, the config names {config.embedder}")
    if config.rater is not None and (rater is None or rater.spec != config.rater):
        raise InputError(f"build: the config names the rater {config.rater}; pass that rater")
    cleaned, steps = clean_pool(list(pool), config.cleaning)
    if not cleaned:  # fail before the (slow) embedding
        raise InputError(f"build: no prompts are left after cleaning (of {len(pool)})")
    clusters, capped = capped_clusters(config.clusters, len(cleaned))
    if capped and notice:
        notice(capped)
    clustering = cluster_vectors(embed_prompts(cleaned, embedder), clusters, config.seed, config.minibatch_above)
    labels = clustering.labels
    diverse = flatten(sample_per_cluster(labels, config.per_cluster, config.seed, DIVERSE_STREAM))
    if config.upstream_hard:
        hard, difficulty, difficulty_report = _upstream_hard(cleaned, labels, config)
    else:
        hard, difficulty, difficulty_report = _rated_hard(cleaned, labels, config, rater)

    def records(positions) -> list[Prompt]:
        ordered = sorted(set(positions), key=lambda p: (labels[p], p))
        return [Prompt(**{**cleaned[p], "cluster": int(labels[p]), "difficulty": difficulty.get(p)}) for p in ordered]

    sets = {"diverse": records(diverse), "hard": records(hard), "mix": records([*diverse, *hard])}
    report = {
        "name": config.name, "parameters": config.describe(),
        "pool": {"prompts": len(pool), "by_source": dict(Counter(p["source"] for p in pool))},
        "cleaning": [step.counts() for step in steps],
        "clusters": {**clustering.describe(), "k_requested": config.clusters},
        "difficulty": difficulty_report,
        "sizes": {**{name: len(s) for name, s in sets.items()}, "diverse_and_hard": len(set(diverse) & set(hard))},
        "by_source": {name: dict(Counter(p["source"] for p in s)) for name, s in sets.items()},
    }
    dropped = [{"step": step.name, **drop._asdict()} for step in steps for drop in step.dropped]
    return BuildResult(sets["diverse"], sets["hard"], sets["mix"], dropped, report)


def _rated_hard(cleaned: list[Prompt], labels: np.ndarray, config: BuildConfig, rater: DifficultyRater):
    pool = flatten(sample_per_cluster(labels, config.hard_pool, config.seed, HARD_STREAM))
    prompts = [cleaned[p] for p in pool]
    run = rater.rate(prompts)
    valid = len(pool) - run.invalid
    if valid < config.min_valid_ratings * len(pool):
        rater.forget_invalid(prompts)  # a rerun after fixing the rater asks these again
        example = f"; one reply: {run.example_invalid[:80]!r}" if run.example_invalid else ""
        raise InputError(f"build: only {valid} of {len(pool)} difficulty ratings by {rater.spec} are valid "
                         f"({valid / len(pool):.0%} < --min-valid-ratings {config.min_valid_ratings:g}); nothing "
                         f"written. A rating reply must end with 'Difficulty: N' (0-10){example}")
    difficulty = dict(zip(pool, run.scores))
    hard = keep_hardest(pool, difficulty, config.hard_keep, config.seed)
    return hard, difficulty, {
        "method": config.difficulty_method,
        "template_sha256": hashlib.sha256(rater.template.encode("utf-8")).hexdigest(), "pool": len(pool),
        "rated_valid": len(pool) - run.invalid, "invalid": run.invalid, "retried": run.retried,
        "rater_calls": run.calls, "cached": run.cached,
        "unrated_kept_in_hard": sum(difficulty[p] is None for p in hard)}


def _upstream_hard(cleaned: list[Prompt], labels: np.ndarray, config: BuildConfig):
    present = sorted({p["source"] for p in cleaned})
    missing = [s for s in config.upstream_hard if s not in present]
    if missing:
        raise InputError(f"upstream-hard source(s) {', '.join(missing)} not in the cleaned pool "
                         f"(sources: {', '.join(present)})")
    eligible = np.array([p["source"] in config.upstream_hard for p in cleaned])
    picks = sample_per_cluster(labels, config.hard_pool, config.seed, HARD_STREAM, eligible)
    hard = round_robin(picks, config.hard_keep)
    return hard, {}, {"method": config.difficulty_method, "pool": len(flatten(picks)), "rater_calls": 0,
                      "note": "not rated here: these sources were selected for difficulty upstream"}


def write_build(result: BuildResult, out_dir: str | Path) -> list[Path]:
    """Write ``NAME-{diverse,hard,mix}.jsonl``, ``NAME-cleaning-drops.jsonl`` and ``build_report.json``."""
    out_dir = Path(out_dir)
    name = result.report["name"]
    written = []
    for suffix, records in (("diverse", result.diverse), ("hard", result.hard), ("mix", result.mix),
                            ("cleaning-drops", result.dropped)):
        written.append(out_dir / f"{name}-{suffix}.jsonl")
        write_records(written[-1], records)
    written.append(out_dir / "build_report.json")
    written[-1].write_text(json.dumps(result.report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written
