"""Seeded bootstrap resampling as class-count matrices (one row per round).

Rounds are drawn in fixed blocks, each from its own child of the seed, so the result is bit-identical
for a seed whatever the number of threads; blocks run on a thread pool (numpy releases the GIL).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from wizardarena.errors import InputError

BLOCK = 32


def multinomial_counts(total: int, probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One exact Multinomial(total, probs) draw, fast for many categories.

    Independent Poisson(total·p) counts are a multinomial of their (random) sum T. If T < total we add
    total - T categorical draws; if T > total we delete T - total of the T items chosen uniformly
    without replacement, which leaves a multinomial of the remaining ``total`` items. Both corrections
    are exact and touch only about sqrt(total) items, so the cost is one Poisson per category.
    """
    counts = rng.poisson(total * probs)
    drawn = int(counts.sum())
    if drawn < total:
        cdf = np.cumsum(probs)
        extra = np.searchsorted(cdf, rng.random(total - drawn) * cdf[-1], side="right")
        counts += np.bincount(np.minimum(extra, probs.shape[0] - 1), minlength=probs.shape[0])
    elif drawn > total:
        removed = rng.choice(drawn, size=drawn - total, replace=False)
        owner = np.searchsorted(np.cumsum(counts), removed, side="right")
        counts -= np.bincount(owner, minlength=probs.shape[0])
    return counts


Sampler = Callable[[np.random.Generator, int], np.ndarray]


def battle_sampler(class_count: np.ndarray) -> Sampler:
    """Resample battles with replacement: a multinomial reweighting of the outcome classes. The
    sampler returns int64 counts of shape (size, classes); each row sums to the number of battles."""
    total = int(class_count.sum())
    probs = class_count / total

    def sample(rng: np.random.Generator, size: int) -> np.ndarray:
        return np.stack([multinomial_counts(total, probs, rng) for _ in range(size)])

    return sample


def prompt_sampler(battle_class: np.ndarray, battle_prompt: np.ndarray, n_classes: int,
                   battle_count: np.ndarray | None = None) -> Sampler:
    """Cluster bootstrap: resample prompt ids with replacement, each bringing all of its battles.

    ``battle_prompt`` holds integer prompt codes 0..P-1 and ``battle_count`` each row's number of
    battles (1 when None); the sampler returns class counts."""
    # scipy's sparse product here takes 19 ms a block of 32 rounds at 1M battles / 10,000 prompts, numpy's
    # gathers or bincounts 400 ms; so the prompt unit (only) pays scipy's import.
    from scipy import sparse

    n_prompts = int(battle_prompt.max()) + 1
    per_row = np.ones(battle_class.shape[0]) if battle_count is None else battle_count.astype(np.float64)
    per_prompt = sparse.csr_array((per_row, (battle_prompt, battle_class)), shape=(n_prompts, n_classes))
    per_prompt.sum_duplicates()
    per_prompt_t = per_prompt.T.tocsr()

    def sample(rng: np.random.Generator, size: int) -> np.ndarray:
        times = prompt_draws(rng, n_prompts, size)
        return np.rint(per_prompt_t @ times.T.astype(np.float64)).T.astype(np.int64)

    return sample


def prompt_draws(rng: np.random.Generator, n_prompts: int, size: int) -> np.ndarray:
    """``size`` rounds of drawing ``n_prompts`` prompts with replacement: how many times each prompt was
    drawn in each round, shape (size, n_prompts)."""
    picks = rng.integers(0, n_prompts, size=(size, n_prompts))
    offsets = (np.arange(size) * n_prompts)[:, None]
    return np.bincount((picks + offsets).ravel(), minlength=size * n_prompts).reshape(size, n_prompts)


def bootstrap_sampler(unit: str, class_count: np.ndarray, battle_class: np.ndarray,
                      battle_prompt: np.ndarray | None, battle_count: np.ndarray | None = None) -> Sampler:
    """The sampler for a resampling ``unit``: ``battle`` or ``prompt`` (needs ``battle_prompt`` codes).
    ``class_count`` counts battles; ``battle_count`` is each row's number of battles (None: 1)."""
    if unit == "battle":
        return battle_sampler(class_count)
    if battle_prompt is None:
        raise InputError("--unit prompt needs a prompt_id on every battle")
    return prompt_sampler(battle_class, battle_prompt, class_count.shape[0], battle_count)


def run_blocks(block: Callable[[np.random.Generator, int], np.ndarray], rounds: int, seed: int,
               width: int) -> np.ndarray:
    """Stack ``block(rng, size)`` results for ``rounds`` rows; block k always gets child k of ``seed``."""
    sizes = [min(BLOCK, rounds - start) for start in range(0, rounds, BLOCK)]
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    out = np.empty((rounds, width))
    jobs = list(zip(children, sizes, range(0, rounds, BLOCK)))

    def run(job) -> None:
        child, size, start = job
        out[start:start + size] = block(np.random.default_rng(child), size)

    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        for job in jobs:
            run(job)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, jobs))
    return out
