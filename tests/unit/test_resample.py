"""Bootstrap samplers: exact multinomial counts (both correction branches), whole-prompt resampling,
and seeded blocks that do not depend on the number of threads."""

import numpy as np
import pytest

import wizardarena.ratings.resample as resample
from wizardarena.ratings.resample import battle_sampler, multinomial_counts, prompt_sampler, run_blocks

_TWIN = np.random.Generator(np.random.PCG64(0))


def poisson_total(rng, total, probs) -> int:
    """The Poisson sum T that multinomial_counts will draw first from this exact generator state."""
    _TWIN.bit_generator.state = rng.bit_generator.state
    return int(_TWIN.poisson(total * probs).sum())


@pytest.mark.parametrize("total,k", [(1, 3), (7, 5), (1000, 50), (123_457, 4000)])
def test_rows_sum_exactly_to_total(total, k):
    rng = np.random.default_rng(total)
    probs = rng.dirichlet(np.ones(k))
    for _ in range(30):
        counts = multinomial_counts(total, probs, rng)
        assert counts.sum() == total and counts.min() >= 0 and counts.shape == (k,)


def test_zero_probability_categories_stay_empty():
    probs = np.array([0.0, 0.5, 0.0, 0.3, 0.2, 0.0])
    rng = np.random.default_rng(1)
    for total in (1, 2, 5, 40):
        for _ in range(200):
            counts = multinomial_counts(total, probs, rng)
            assert counts.sum() == total and not counts[probs == 0].any()


def test_both_correction_branches_are_exact_multinomials():
    total = 20
    probs = np.array([0.4, 0.3, 0.15, 0.1, 0.05])
    rng = np.random.default_rng(2024)
    by_branch = {"short": [], "over": [], "exact": []}
    for _ in range(20_000):
        t = poisson_total(rng, total, probs)
        branch = "short" if t < total else "over" if t > total else "exact"
        by_branch[branch].append(multinomial_counts(total, probs, rng))
    mean, var = total * probs, total * probs * (1 - probs)
    for branch, draws in by_branch.items():
        draws = np.array(draws)
        n = draws.shape[0]
        assert n > 1_000, branch  # every branch is exercised many times
        assert np.all(draws.sum(axis=1) == total)
        # means: within 5 standard errors per category
        assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(var / n)), (branch, draws.mean(0))
        # variances and one covariance: within 5 (generous) standard errors
        np.testing.assert_allclose(draws.var(0, ddof=1), var, rtol=5 * np.sqrt(3.0 / n), err_msg=branch)
        cov01, want = np.cov(draws[:, 0], draws[:, 1])[0, 1], -total * probs[0] * probs[1]
        assert abs(cov01 - want) < 5 * np.sqrt((var[0] * var[1] + want**2) / n), (branch, cov01)
        # chi-square of the pooled counts: E = n·total·p, generous bound on a 4-dof statistic
        pooled = draws.sum(0)
        chi2 = ((pooled - n * mean) ** 2 / (n * mean)).sum()
        assert chi2 < 25.0, (branch, chi2)


def test_counts_distribution_of_one_category_matches_binomial():
    from scipy import stats

    total, probs = 6, np.array([0.5, 0.25, 0.25])
    rng = np.random.default_rng(5)
    draws = np.array([multinomial_counts(total, probs, rng)[0] for _ in range(10_000)])
    observed = np.bincount(draws, minlength=total + 1)
    expected = stats.binom.pmf(np.arange(total + 1), total, 0.5) * draws.shape[0]
    assert stats.chisquare(observed, expected).pvalue > 1e-4


def test_battle_sampler_resamples_every_battle():
    class_count = np.array([5, 1, 0, 30, 64])
    sample = battle_sampler(class_count)
    draws = sample(np.random.default_rng(0), 2_000)
    assert draws.dtype == np.int64 and draws.shape == (2_000, 5)
    assert np.all(draws.sum(axis=1) == 100)
    assert not draws[:, 2].any()
    np.testing.assert_allclose(draws.mean(0), class_count, atol=0.6)
    np.testing.assert_allclose(draws.var(0), class_count * (1 - class_count / 100), rtol=0.15, atol=0.05)


def test_battle_sampler_is_seeded():
    sample = battle_sampler(np.arange(1, 200))
    np.testing.assert_array_equal(sample(np.random.default_rng(9), 5), sample(np.random.default_rng(9), 5))
    assert not np.array_equal(sample(np.random.default_rng(9), 5), sample(np.random.default_rng(10), 5))


# --- prompt (cluster) bootstrap ---------------------------------------------------------------------------

N_PROMPTS = 40
SHARED = 3  # classes 40, 41, 42 are shared between prompts


def clustered_battles():
    """Prompt p owns p + 1 battles of its private class p, plus two battles of shared class 40 + p % 3.
    A round's class counts then reveal how many times each prompt was drawn."""
    battle_class, battle_prompt = [], []
    for p in range(N_PROMPTS):
        battle_class += [p] * (p + 1) + [N_PROMPTS + p % SHARED] * 2
        battle_prompt += [p] * (p + 3)
    order = np.random.default_rng(0).permutation(len(battle_class))  # battles need not be grouped
    return np.array(battle_class)[order], np.array(battle_prompt)[order]


def test_prompt_sampler_draws_whole_prompts():
    battle_class, battle_prompt = clustered_battles()
    sample = prompt_sampler(battle_class, battle_prompt, N_PROMPTS + SHARED)
    counts = sample(np.random.default_rng(3), 500)
    assert counts.shape == (500, N_PROMPTS + SHARED) and counts.dtype == np.int64
    own = np.arange(1, N_PROMPTS + 1)
    times, rest = np.divmod(counts[:, :N_PROMPTS], own)
    assert not rest.any(), "a prompt contributed only part of its battles"
    assert np.all(times.sum(axis=1) == N_PROMPTS), "each round resamples exactly P prompts"
    for c in range(SHARED):  # shared classes hold two battles from every drawn prompt p with p % 3 == c
        np.testing.assert_array_equal(counts[:, N_PROMPTS + c], 2 * times[:, c::SHARED].sum(axis=1))
    totals = counts.sum(axis=1)
    np.testing.assert_array_equal(totals, (times * (own + 2)).sum(axis=1))
    assert np.unique(totals).size > 50, "the number of battles should vary across rounds"
    # each prompt is drawn Binomial(P, 1/P) times: mean 1
    np.testing.assert_allclose(times.mean(0), 1.0, atol=0.25)


def test_prompt_sampler_with_one_prompt_is_constant():
    sample = prompt_sampler(np.array([0, 1, 1, 2]), np.zeros(4, dtype=np.int64), 3)
    np.testing.assert_array_equal(sample(np.random.default_rng(0), 4), np.tile([1, 2, 1], (4, 1)))


# --- seeded blocks ----------------------------------------------------------------------------------------

def fake_block(rng, size):
    return rng.normal(size=(size, 3))


@pytest.mark.parametrize("rounds", [1, resample.BLOCK, resample.BLOCK + 1, 3 * resample.BLOCK + 5])
def test_run_blocks_is_identical_whatever_the_threads(monkeypatch, rounds):
    monkeypatch.setattr(resample.os, "cpu_count", lambda: 1)
    serial = run_blocks(fake_block, rounds, seed=4, width=3)
    monkeypatch.setattr(resample.os, "cpu_count", lambda: 8)
    threaded = run_blocks(fake_block, rounds, seed=4, width=3)
    assert serial.shape == (rounds, 3)
    np.testing.assert_array_equal(serial, threaded)
    assert not np.array_equal(serial, run_blocks(fake_block, rounds, seed=5, width=3))


def test_run_blocks_prefix_is_stable():
    # more rounds only append: the first rounds of a longer run are those of a shorter one
    short = run_blocks(fake_block, 40, seed=1, width=3)
    long = run_blocks(fake_block, 100, seed=1, width=3)
    np.testing.assert_array_equal(short, long[:40])
    assert len({tuple(row) for row in long}) == 100
