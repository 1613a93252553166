"""The numpy logistic helpers that replace scipy on the rating path."""

import doctest

import numpy as np
import pytest

from wizardarena.ratings import logistic
from wizardarena.ratings.logistic import PairScatter, expit, log_expit


def test_doctests_of_the_logistic_module_pass():
    assert doctest.testmod(logistic).failed == 0


def test_expit_and_its_log_are_exact_and_finite_at_extremes():
    x = np.array([-800.0, -40.0, -1.5, 0.0, 2.0, 40.0, 800.0])
    with np.errstate(over="ignore"):
        naive = 1.0 / (1.0 + np.exp(-x))
    assert np.array_equal(expit(x), naive)
    assert np.isfinite(log_expit(x)).all()
    assert log_expit(np.array([-800.0]))[0] == -800.0  # log σ(x) → x, where log(expit) would give -inf
    assert np.allclose(log_expit(x[1:-1]), np.log(expit(x[1:-1])), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_models, pairs", [(6, "all"), (40, 30), (5, "repeated")])
def test_pair_scatter_is_the_incidence_transpose(n_models, pairs):
    rng = np.random.default_rng(3)
    if pairs == "all":  # a dense arena: the square layout
        pair_i, pair_j = np.triu_indices(n_models, 1)
    elif pairs == "repeated":  # style control's one "pair" per battle: repeats must add up, not overwrite
        pair_i, pair_j = rng.integers(0, n_models, 50), rng.integers(0, n_models, 50)
    else:  # a sparse arena: bincount
        pair_i, pair_j = rng.choice(n_models, pairs), rng.choice(n_models, pairs)
    values = rng.normal(size=(3, pair_i.shape[0]))
    incidence = np.zeros((pair_i.shape[0], n_models))
    np.add.at(incidence, (np.arange(pair_i.shape[0]), pair_i), 1.0)
    np.add.at(incidence, (np.arange(pair_i.shape[0]), pair_j), -1.0)
    scatter = PairScatter(pair_i, pair_j, n_models)
    assert (scatter.cells is not None) == (pairs == "all")
    assert np.allclose(scatter.signed(values), values @ incidence, rtol=0, atol=1e-12)
    unsigned = np.zeros_like(incidence)
    np.add.at(unsigned, (np.arange(pair_i.shape[0]), pair_i), 1.0)
    np.add.at(unsigned, (np.arange(pair_i.shape[0]), pair_j), 1.0)
    assert np.allclose(scatter.degree(values), values @ unsigned, rtol=0, atol=1e-12)
