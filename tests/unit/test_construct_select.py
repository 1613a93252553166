"""Clustering and the seeded choices made from clusters (pure functions, synthetic vectors)."""

import numpy as np
import pytest

from wizardarena.construct.cluster import cluster_vectors
from wizardarena.construct.select import flatten, keep_hardest, round_robin, sample_per_cluster
from wizardarena.errors import InputError


def _blobs(seed=0, per_blob=(30, 20, 3), dim=8):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=10, size=(len(per_blob), dim))
    points = np.concatenate([c + rng.normal(size=(n, dim)) for c, n in zip(centres, per_blob)])
    return points[rng.permutation(len(points))]


@pytest.mark.parametrize("minibatch_above", [20_000, 10])
def test_kmeans_is_seeded_and_numbers_clusters_by_first_appearance(minibatch_above):
    vectors = _blobs()
    first = cluster_vectors(vectors, 3, seed=0, minibatch_above=minibatch_above)
    assert np.array_equal(first.labels, cluster_vectors(vectors, 3, 0, minibatch_above).labels)
    assert first.algorithm == ("KMeans" if minibatch_above > 53 else "MiniBatchKMeans")
    _, order = np.unique(first.labels, return_index=True)
    assert list(first.labels[np.sort(order)]) == [0, 1, 2]
    assert sorted(first.sizes().tolist()) == [3, 20, 30]  # well-separated blobs are found whatever the seed
    with pytest.raises(InputError, match="at least 60 prompts"):
        cluster_vectors(vectors, 60, seed=0)


def test_kmeans_on_overlapping_data_depends_on_the_seed():
    vectors = np.random.default_rng(1).normal(size=(200, 4))
    runs = [cluster_vectors(vectors, 8, seed).labels for seed in (0, 0, 5)]
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


def test_sampling_per_cluster_takes_all_of_small_clusters_and_is_seeded():
    labels = np.array([0] * 10 + [1] * 1 + [2] * 5)
    picks = sample_per_cluster(labels, 2, seed=0, stream=0)
    assert [len(picks[c]) for c in range(3)] == [2, 1, 2] and picks[1] == [10]
    assert all(labels[p] == c for c, members in picks.items() for p in members)
    assert picks == sample_per_cluster(labels, 2, seed=0, stream=0)
    assert picks != sample_per_cluster(labels, 2, seed=0, stream=1)
    eligible = labels != 1
    assert 1 not in sample_per_cluster(labels, 2, 0, 0, eligible)
    assert flatten({1: [4], 0: [7, 2]}) == [7, 2, 4]


def test_keep_hardest_ranks_valid_scores_and_uses_unrated_only_to_fill():
    positions = [0, 1, 2, 3, 4, 5]
    difficulty = {0: 3.0, 1: None, 2: 9.0, 3: 7.0, 4: None, 5: 7.0}
    top = keep_hardest(positions, difficulty, 3, seed=0)
    assert top[0] == 2 and set(top[1:]) == {3, 5}
    filled = keep_hardest(positions, difficulty, 6, seed=0)
    assert filled[:4] == top + [0] and set(filled[4:]) == {1, 4}
    assert filled == keep_hardest(positions, difficulty, 6, seed=0)


def test_round_robin_keeps_clusters_balanced():
    picks = {0: [1, 2, 3], 1: [7], 2: [8, 9]}
    assert round_robin(picks, 4) == [1, 7, 8, 2]
    assert round_robin(picks, 50) == [1, 7, 8, 2, 9, 3]
