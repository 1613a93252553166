"""Statistical behaviour of the rating engine on battles drawn from known Bradley-Terry strengths:
recovery, confidence-interval coverage, seeded determinism, and the prompt-level bootstrap."""

import json

import numpy as np
from scipy import stats

import wizardarena.ratings.resample as resample
from helpers import simulate_records, simulate_table, true_elo
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.table import battles_from_records, read_battles


def test_strengths_are_recovered_at_100k_battles():
    strengths = np.random.default_rng(0).normal(0.0, 1.0, 20)
    table = simulate_table(strengths, 100_000, seed=1, tie_rate=0.0)
    result = compute_ratings(table, RatingConfig(bootstrap=50, seed=0))
    truth = true_elo(strengths)
    assert stats.spearmanr(result.rating, truth).statistic > 0.99
    # ~10k battles per model: standard errors of ~8 Elo, so every model within ~4 of them
    assert np.abs(result.fitted - truth).max() < 35.0
    assert np.abs(result.rating - truth).max() < 35.0


def test_records_and_files_rate_exactly_like_the_table(tmp_path):
    # the records path (dicts -> JSONL file -> reader) rates exactly like the in-memory table
    strengths = np.random.default_rng(4).normal(0.0, 1.0, 8)
    table = simulate_table(strengths, 5_000, seed=6, tie_rate=0.2, n_prompts=300)
    path = tmp_path / "battles.jsonl"
    records = simulate_records(strengths, 5_000, seed=6, tie_rate=0.2, n_prompts=300)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    config = RatingConfig(bootstrap=30, seed=2, unit="prompt")
    from_table = compute_ratings(table, config)
    for other in (read_battles(path), battles_from_records(records)):
        from_file = compute_ratings(other, config)
        assert from_file.models == from_table.models
        np.testing.assert_array_equal(from_file.samples, from_table.samples)
        np.testing.assert_array_equal(from_file.n_battles, from_table.n_battles)


def test_confidence_intervals_cover_the_truth_near_nominal():
    hits = []
    for k in range(20):
        strengths = np.random.default_rng(100 + k).normal(0.0, 1.0, 20)
        table = simulate_table(strengths, 20_000, seed=1_000 + k, tie_rate=0.0)
        lower, upper = compute_ratings(table, RatingConfig(bootstrap=200, seed=k)).interval()
        truth = true_elo(strengths)
        hits.append((lower <= truth) & (truth <= upper))
    coverage = np.mean(hits)
    assert 0.85 <= coverage <= 0.99, coverage


def test_same_seed_same_bits_other_seed_other_bits():
    strengths = np.random.default_rng(8).normal(0.0, 1.0, 12)
    table = simulate_table(strengths, 30_000, seed=9, n_prompts=500)
    for unit in ("battle", "prompt"):
        first = compute_ratings(table, RatingConfig(bootstrap=70, seed=123, unit=unit))
        again = compute_ratings(table, RatingConfig(bootstrap=70, seed=123, unit=unit))
        other = compute_ratings(table, RatingConfig(bootstrap=70, seed=124, unit=unit))
        assert np.array_equal(first.samples, again.samples), unit
        assert np.array_equal(first.rating, again.rating) and np.array_equal(first.fitted, again.fitted)
        assert not np.array_equal(first.samples, other.samples), unit
        np.testing.assert_array_equal(first.fitted, other.fitted)  # the full-data fit has no randomness


def test_results_do_not_depend_on_the_thread_count(monkeypatch):
    table = simulate_table(np.linspace(-1.0, 1.0, 6), 8_000, seed=3)
    config = RatingConfig(bootstrap=3 * resample.BLOCK + 7, seed=5)
    monkeypatch.setattr(resample.os, "cpu_count", lambda: 1)
    serial = compute_ratings(table, config)
    monkeypatch.setattr(resample.os, "cpu_count", lambda: 16)
    threaded = compute_ratings(table, config)
    assert np.array_equal(serial.samples, threaded.samples)


def test_more_rounds_extend_the_same_samples():
    table = simulate_table(np.linspace(-1.0, 1.0, 6), 8_000, seed=4)
    short = compute_ratings(table, RatingConfig(bootstrap=resample.BLOCK, seed=3)).samples
    long = compute_ratings(table, RatingConfig(bootstrap=3 * resample.BLOCK, seed=3)).samples
    np.testing.assert_allclose(long[:resample.BLOCK], short, atol=1e-9)


def mean_width(result) -> float:
    lower, upper = result.interval()
    return float((upper - lower).mean())


def test_prompt_bootstrap_is_wider_when_battles_share_a_prompt_bias():
    strengths = np.random.default_rng(5).normal(0.0, 1.0, 10)
    # 200 prompts x 100 battles; each prompt shifts every model's strength by N(0, 1) for all its battles
    correlated = simulate_table(strengths, 20_000, seed=3, n_prompts=200, prompt_effect=1.0)
    by_battle = compute_ratings(correlated, RatingConfig(bootstrap=100, seed=1, unit="battle"))
    by_prompt = compute_ratings(correlated, RatingConfig(bootstrap=100, seed=1, unit="prompt"))
    assert mean_width(by_prompt) > 1.3 * mean_width(by_battle)
    # without a prompt effect the two bootstraps agree
    independent = simulate_table(strengths, 20_000, seed=3, n_prompts=200)
    ratio = (mean_width(compute_ratings(independent, RatingConfig(bootstrap=100, seed=1, unit="prompt")))
             / mean_width(compute_ratings(independent, RatingConfig(bootstrap=100, seed=1, unit="battle"))))
    assert 0.8 < ratio < 1.25, ratio


def test_prompt_bootstrap_varies_the_battle_count():
    table = simulate_table(np.linspace(-1.0, 1.0, 5), 3_000, seed=2, n_prompts=60)
    result = compute_ratings(table, RatingConfig(bootstrap=64, seed=0, unit="prompt"))
    assert result.samples.shape == (64, 5)
    np.testing.assert_allclose(result.samples.mean(axis=1), 1000.0)
    assert np.all(np.isfinite(result.samples))
