"""Agreement metrics on tiny rankings whose answers are worked out by hand."""

import math

import numpy as np
import pytest
from scipy import stats

from wizardarena.agreement import (
    Ranking,
    agreement_ci,
    agreement_ci_signed,
    align,
    brier,
    compare,
    kendall,
    separability_ci,
    spearman,
)
from wizardarena.errors import InputError


def rk(models, score, lower=None, upper=None, samples=None, source="test") -> Ranking:
    score = np.asarray(score, dtype=float)
    lower = score if lower is None else np.asarray(lower, dtype=float)
    upper = score if upper is None else np.asarray(upper, dtype=float)
    samples = None if samples is None else np.asarray(samples, dtype=float)
    return Ranking(tuple(models), score, lower, upper, samples, source)


def test_separability_counts_strict_overlaps_after_sorting_by_lower_bound():
    # sorted: A[0,2] B[1,3] C[3,4] D[5,6]; only A-B overlaps, B-C only touch
    ranking = rk("DCBA", [5.5, 3.5, 2, 1], [5, 3, 1, 0], [6, 4, 3, 2])
    assert separability_ci(ranking) == pytest.approx(1 - 1 / 6)


def test_separability_all_overlapping_is_zero():
    assert separability_ci(rk("ABC", [1, 2, 3], [0, 0, 0], [10, 10, 10])) == 0.0


def test_agreement_half_for_candidate_overlap_zero_for_opposite_order():
    reference = rk("ABC", [0.5, 2.5, 4.5], [0, 2, 4], [1, 3, 5])
    # A-B overlap in the candidate (0.5); C falls below both, separated (opposite order: 0)
    candidate = rk("ABC", [0.5, 1.0, -2.5], [0, 0.5, -3], [1, 2, -2])
    assert agreement_ci(reference, candidate) == pytest.approx(0.5 / 3)
    assert agreement_ci_signed(reference, candidate) == pytest.approx(-2 / 3)


def test_agreement_skips_pairs_the_reference_cannot_separate():
    reference = rk("ABC", [1, 2, 10], [0, 1, 9], [2, 3, 11])  # A-B overlap: not counted
    candidate = rk("ABC", [2, 1, 10], [1.5, 0.5, 9], [2.5, 1.5, 11])
    assert agreement_ci(reference, candidate) == 1.0
    assert agreement_ci_signed(reference, candidate) == 1.0


def test_touching_intervals_count_as_separated():
    reference = rk("AB", [0.5, 1.5], [0, 1], [1, 2])  # touch at 1
    same = rk("AB", [0.5, 1.5], [0, 1], [1, 2])
    flipped = rk("AB", [1.5, 0.5], [1, 0], [2, 1])
    assert agreement_ci(reference, same) == 1.0
    assert agreement_ci(reference, flipped) == 0.0
    assert agreement_ci_signed(reference, flipped) == -1.0


def test_agreement_orders_by_interval_tuples_not_point_scores():
    # The notebook quirk: a zero-width baseline X at [50, 50] inside Y's [48, 60] has zero overlap, and
    # (48, 60) < (50, 50) puts Y "below" X although Y's point score is higher, as in the reference.
    reference = rk("XY", [50, 70], [45, 65], [55, 75])
    candidate = rk("XY", [50, 52], [50, 48], [50, 60])
    assert agreement_ci(reference, candidate) == 0.0
    assert agreement_ci_signed(reference, candidate) == -1.0


def test_agreement_is_nan_when_the_reference_separates_nothing():
    reference = rk("AB", [1, 2], [0, 0], [5, 5])
    assert math.isnan(agreement_ci(reference, reference))
    assert math.isnan(agreement_ci_signed(reference, reference))


def test_brier_uses_bootstrap_mean_and_variance():
    reference = rk("ab", [1, 2])
    candidate = rk("ab", [9, 9], samples=[[0, 2], [2, 4]])  # means 1, 3; variances 1, 1 (ddof 0)
    p = stats.norm.cdf(2 / math.sqrt(2))
    assert brier(reference, candidate) == pytest.approx((p - 1) ** 2)


def test_brier_falls_back_to_normal_from_the_ci():
    reference = rk("ab", [2, 1])  # a above b: label 0
    z = 1.959964
    candidate = rk("ab", [0, 1], [-z, 1 - 2 * z], [z, 1 + 2 * z])  # sigma 1 and 2
    p = stats.norm.cdf(1 / math.sqrt(1 + 4))
    assert brier(reference, candidate) == pytest.approx(p**2)


def test_brier_zero_variance_is_a_step():
    tied = rk("ab", [1, 1])
    assert brier(tied, tied) == pytest.approx(0.25)  # p = 0.5, label 0
    reference = rk("ab", [1, 2])
    assert brier(reference, rk("ab", [1, 3])) == 0.0
    assert brier(reference, rk("ab", [3, 1])) == 1.0


def test_brier_orients_pairs_alphabetically():
    # with a reference tie the label is 0 either way, so the orientation shows: p(a below b) ~ 1
    reference = rk(["b", "a"], [1, 1])
    candidate = rk(["b", "a"], [10, 0], [9, -1], [11, 1])
    assert brier(reference, candidate) == pytest.approx(1.0)


def test_rank_correlations_match_scipy_and_nan_when_constant():
    reference = rk("ABCD", [1, 2, 3, 4])
    candidate = rk("ABCD", [1, 3, 2, 4])
    expected = stats.spearmanr([1, 2, 3, 4], [1, 3, 2, 4]).statistic
    assert spearman(reference, candidate) == pytest.approx(expected)
    assert kendall(reference, candidate) == pytest.approx(2 / 3)
    assert math.isnan(spearman(reference, rk("ABCD", [1, 1, 1, 1])))


def test_compare_returns_the_contract_keys_and_paper_consistency():
    reference = rk("ABC", [0.5, 2.5, 4.5], [0, 2, 4], [1, 3, 5])
    candidate = rk("ABC", [0.5, 1.0, -2.5], [0, 0.5, -3], [1, 2, -2])
    result = compare(candidate, reference)
    assert {"n_models", "spearman", "kendall", "agreement_ci", "separability_ci", "brier",
            "consistency", "agreement_ci_signed", "models", "reference_separability_ci"} == set(result)
    assert result["n_models"] == 3 and result["models"] == ["A", "B", "C"]
    expected = np.mean([result["spearman"], result["agreement_ci_signed"], result["separability_ci"]])
    assert result["consistency"] == pytest.approx(expected)
    assert result["reference_separability_ci"] == 1.0


def test_align_matches_case_insensitively_and_keeps_candidate_names():
    candidate = rk(["GPT-4", "claude", "llama"], [3, 2, 1])
    reference = rk(["llama", "gpt-4", "Claude"], [10, 30, 20])
    cand, ref = align(candidate, reference)
    assert cand.models == ref.models == ("GPT-4", "claude", "llama")
    assert list(ref.score) == [30, 20, 10]


def test_a_map_restricts_to_the_models_it_names_unless_keep_unmapped():
    candidate = rk(["a-hf", "b", "c", "d"], [4, 3, 2, 1])
    reference = rk(["a", "b", "c", "d"], [4, 3, 2, 1])
    name_map = {"A": "a-hf", "b": "b", "c": "c"}
    assert align(candidate, reference, name_map)[0].models == ("a-hf", "b", "c")
    assert align(candidate, reference, name_map, keep_unmapped=True)[0].models == ("a-hf", "b", "c", "d")


def test_an_explicit_mapping_wins_over_a_name_match():
    candidate = rk(["x", "b", "c"], [3, 2, 1])
    reference = rk(["x", "x-v2", "b", "c"], [0, 30, 20, 10])  # the map says x-v2 is the candidate's x
    _, ref = align(candidate, reference, {"x-v2": "x"}, keep_unmapped=True)
    assert list(ref.score) == [30, 20, 10]


def test_too_few_shared_models_is_an_input_error_with_a_hint():
    with pytest.raises(InputError, match=r"share 2 model\(s\).*--map"):
        compare(rk("ABX", [1, 2, 3]), rk("ABY", [1, 2, 3]))


def test_name_map_with_two_keys_to_one_target_is_rejected():
    with pytest.raises(InputError, match="two reference models map to"):
        align(rk("ABC", [1, 2, 3]), rk("ABC", [1, 2, 3]), {"A": "B", "C": "B"})
