"""Bradley-Terry fits: agreement with an independent reference, tie policies, anchors, weights, and
degenerate data that must fail (or warn) clearly."""

import numpy as np
import pytest

from helpers import battle_scores, reference_bt_elo, simulate_table, true_elo
from wizardarena.errors import InputError
from wizardarena.ratings import ELO_PER_BT_UNIT, RatingConfig, compute_ratings, ratings_by
from wizardarena.ratings import bradley_terry as bt
from wizardarena.ratings.pairs import outcome_classes
from wizardarena.ratings.table import MODEL_B_WINS, TIE, TIE_BOTHBAD, BattleTable, battles_from_records

FIT = RatingConfig(bootstrap=0, point="mle")


@pytest.fixture(scope="module")
def strengths():
    return np.random.default_rng(7).normal(0.0, 1.0, 10)


@pytest.fixture(scope="module")
def table(strengths):
    return simulate_table(strengths, 20_000, seed=11, tie_rate=0.15)


def test_elo_scale():
    assert ELO_PER_BT_UNIT == pytest.approx(400.0 / np.log(10.0))


def test_point_fit_matches_reference(table):
    result = compute_ratings(table, FIT)
    reference = reference_bt_elo(table.a, table.b, battle_scores(table), len(table.models))
    assert result.models == table.models
    assert np.abs(result.fitted - reference).max() < 0.5
    assert result.fitted.mean() == pytest.approx(1000.0)
    np.testing.assert_array_equal(result.rating, result.fitted)
    assert result.samples is None
    lower, upper = result.interval()
    np.testing.assert_array_equal(lower, result.fitted)
    np.testing.assert_array_equal(upper, result.fitted)


def test_point_fit_is_near_truth(strengths, table):
    # 20k battles with 15% ties (ties compress the scale a little); ranks and rough values hold.
    fitted = compute_ratings(table, FIT).fitted
    assert np.corrcoef(fitted, true_elo(strengths))[0, 1] > 0.98


def test_weighted_fit_matches_weighted_reference(table):
    weight = np.random.default_rng(3).choice([0.5, 1.0, 2.0, 3.0], size=len(table))
    weighted = BattleTable(table.models, table.a, table.b, table.outcome, weight=weight)
    result = compute_ratings(weighted, FIT)
    reference = reference_bt_elo(table.a, table.b, battle_scores(table), len(table.models), weight)
    assert np.abs(result.fitted - reference).max() < 0.5


def test_weight_two_equals_duplicate_battle():
    rng = np.random.default_rng(5)
    names = ["alpha", "beta", "gamma", "delta"]
    records = []
    for _ in range(120):
        i, j = rng.choice(4, size=2, replace=False)
        records.append({"model_a": names[i], "model_b": names[j],
                        "winner": str(rng.choice(["model_a", "model_b", "tie"], p=[0.45, 0.4, 0.15]))})
    heavy = [dict(r) for r in records]
    heavy[17]["weight"] = 2
    duplicated = records + [records[17]]
    by_weight = compute_ratings(battles_from_records(heavy), FIT).fitted
    by_copy = compute_ratings(battles_from_records(duplicated), FIT).fitted
    np.testing.assert_allclose(by_weight, by_copy, atol=1e-6)
    # and the weight really matters: it is not the fit without the extra copy
    assert np.abs(by_weight - compute_ratings(battles_from_records(records), FIT).fitted).max() > 1e-3


def test_zero_weight_equals_removed_battle():
    records = [{"model_a": "x", "model_b": "y", "winner": "model_a"},
               {"model_a": "y", "model_b": "z", "winner": "model_b"},
               {"model_a": "z", "model_b": "x", "winner": "tie"},
               {"model_a": "x", "model_b": "z", "winner": "model_b"},
               {"model_a": "y", "model_b": "x", "winner": "model_a"}]
    weighted = [dict(r, weight=w) for r, w in zip(records, [1, 1, 1, 0, 1])]
    np.testing.assert_allclose(compute_ratings(battles_from_records(weighted), FIT).fitted,
                               compute_ratings(battles_from_records(records[:3] + records[4:]), FIT).fitted,
                               atol=1e-6)


@pytest.mark.parametrize("ties,keep", [("half", lambda o: o >= 0), ("drop", lambda o: o <= MODEL_B_WINS),
                                       ("drop-bothbad", lambda o: o != TIE_BOTHBAD)])
def test_tie_policies(table, ties, keep):
    kept = keep(table.outcome)
    result = compute_ratings(table, RatingConfig(bootstrap=0, ties=ties))
    m = len(table.models)
    expected = np.bincount(table.a[kept], minlength=m) + np.bincount(table.b[kept], minlength=m)
    np.testing.assert_array_equal(result.n_battles, expected)
    assert result.n_battles.sum() == 2 * kept.sum()
    sub = table.subset(kept)
    reference = reference_bt_elo(sub.a, sub.b, battle_scores(sub), m)
    assert np.abs(result.fitted - reference).max() < 0.5


def test_tie_policies_count_what_they_should(table):
    n = {ties: compute_ratings(table, RatingConfig(bootstrap=0, ties=ties)).n_battles.sum() // 2
         for ties in ("half", "drop", "drop-bothbad")}
    n_ties = int((table.outcome == TIE).sum())
    n_bothbad = int((table.outcome == TIE_BOTHBAD).sum())
    assert n_ties > 0 and n_bothbad > 0
    assert n["half"] == len(table)
    assert n["drop-bothbad"] == len(table) - n_bothbad
    assert n["drop"] == len(table) - n_ties - n_bothbad


def test_ties_compress_ratings(table):
    spread = {ties: np.ptp(compute_ratings(table, RatingConfig(bootstrap=0, ties=ties)).fitted)
              for ties in ("half", "drop")}
    assert spread["half"] < spread["drop"]


def test_anchor_pins_the_model_exactly(table):
    anchored = compute_ratings(table, RatingConfig(bootstrap=40, seed=1, anchor=("model-003", 1100.0)))
    free = compute_ratings(table, RatingConfig(bootstrap=40, seed=1))
    k = anchored.models.index("model-003")
    assert anchored.fitted[k] == 1100.0
    assert anchored.rating[k] == 1100.0
    assert np.all(anchored.samples[:, k] == 1100.0)
    lower, upper = anchored.interval()
    assert lower[k] == upper[k] == 1100.0
    record = next(r for r in anchored.records() if r["model"] == "model-003")
    assert record["rating"] == record["lower"] == record["upper"] == 1100.0
    # anchoring only shifts: differences between models are those of the unanchored fit
    np.testing.assert_allclose(anchored.fitted - anchored.fitted[k], free.fitted - free.fitted[k], atol=1e-9)
    np.testing.assert_allclose(anchored.samples - anchored.samples[:, [k]],
                               free.samples - free.samples[:, [k]], atol=1e-9)


def test_center_moves_the_mean(table):
    result = compute_ratings(table, RatingConfig(bootstrap=5, center=1500.0))
    assert result.fitted.mean() == pytest.approx(1500.0)
    np.testing.assert_allclose(result.samples.mean(axis=1), 1500.0)


def test_records_contract(table):
    result = compute_ratings(table, RatingConfig(bootstrap=20, confidence=0.9))
    records = result.records()
    assert [r["rating"] for r in records] == sorted((r["rating"] for r in records), reverse=True)
    assert {r["model"] for r in records} == set(table.models)
    for r in records:
        assert set(r) == {"model", "rating", "lower", "upper", "n_battles", "samples"}
        assert r["lower"] <= r["rating"] <= r["upper"]
        assert len(r["samples"]) == 20 and isinstance(r["n_battles"], int)
    assert "samples" not in result.records(with_samples=False)[0]
    lower, _ = result.interval()
    np.testing.assert_allclose(lower, np.percentile(result.samples, 5.0, axis=0))
    np.testing.assert_allclose(result.rating, np.median(result.samples, axis=0))


def test_ratings_by_category():
    records = []
    for cat, winner in (("math", "model_a"), ("code", "model_b")):
        records += [{"model_a": "x", "model_b": "y", "winner": winner, "category": cat}] * 3
        records += [{"model_a": "x", "model_b": "y", "winner": "tie", "category": cat}] * 2
    by = ratings_by(battles_from_records(records), "category", FIT)
    assert sorted(by) == ["code", "math"]
    assert by["math"].fitted[0] > by["math"].fitted[1] and by["code"].fitted[0] < by["code"].fitted[1]
    with pytest.raises(InputError, match="judge"):
        ratings_by(battles_from_records(records), "judge", FIT)


# --- degenerate data --------------------------------------------------------------------------------------

def test_a_single_model_is_an_input_error():
    with pytest.raises(InputError, match="itself"):
        battles_from_records([{"model_a": "solo", "model_b": "solo", "winner": "tie"}])
    lonely = BattleTable(("solo",), np.array([0], np.int32), np.array([0], np.int32), np.array([0], np.int8))
    with pytest.raises(InputError, match="at least two models"):
        compute_ratings(lonely, FIT)


def test_disconnected_graph_is_an_input_error():
    records = [{"model_a": "a", "model_b": "b", "winner": "model_a"},
               {"model_a": "b", "model_b": "a", "winner": "model_a"},
               {"model_a": "c", "model_b": "d", "winner": "tie"},
               {"model_a": "d", "model_b": "e", "winner": "model_b"}]
    with pytest.raises(InputError, match="disconnected") as info:
        compute_ratings(battles_from_records(records), RatingConfig())
    assert "a, b" in str(info.value) and "c, d, e" in str(info.value)


def test_disconnected_after_dropping_ties():
    records = [{"model_a": "a", "model_b": "b", "winner": "model_a"},
               {"model_a": "b", "model_b": "c", "winner": "tie"},
               {"model_a": "c", "model_b": "d", "winner": "model_b"}]
    compute_ratings(battles_from_records(records), FIT)  # connected through the tie
    with pytest.raises(InputError, match="disconnected"):
        compute_ratings(battles_from_records(records), RatingConfig(bootstrap=0, ties="drop"))


def test_all_ties_dropped_is_an_input_error():
    records = [{"model_a": "a", "model_b": "b", "winner": "tie"},
               {"model_a": "b", "model_b": "c", "winner": "tie (bothbad)"}]
    with pytest.raises(InputError, match="no battles left"):
        compute_ratings(battles_from_records(records), RatingConfig(ties="drop"))
    # drop-bothbad keeps the plain tie; model c then has no battles and is left out
    result = compute_ratings(battles_from_records(records), RatingConfig(bootstrap=0, ties="drop-bothbad"))
    assert result.models == ("a", "b")
    np.testing.assert_allclose(result.fitted, [1000.0, 1000.0])


def with_champion(strengths):
    """Simulated battles plus a model "champion" that won every one of its battles."""
    table = simulate_table(strengths[:5], 2_000, seed=2, tie_rate=0.1)
    champ = [{"model_a": "champion", "model_b": m, "winner": "model_a"} for m in table.models] * 4
    rest = [{"model_a": table.models[a], "model_b": table.models[b],
             "winner": ("model_a", "model_b", "tie", "tie (bothbad)")[o]}
            for a, b, o in zip(table.a, table.b, table.outcome)]
    return table, battles_from_records(rest + champ)


def test_a_model_that_won_every_battle_has_finite_ratings(strengths):
    _, table = with_champion(strengths)
    result = compute_ratings(table, RatingConfig(bootstrap=20))
    assert np.all(np.isfinite(result.fitted)) and np.all(np.isfinite(result.samples))
    assert result.models[int(np.argmax(result.fitted))] == "champion"
    assert np.all(np.argmax(result.samples, axis=1) == result.models.index("champion"))


def test_a_model_that_won_every_battle_warns(strengths):
    _, table = with_champion(strengths)
    result = compute_ratings(table, RatingConfig(bootstrap=20))
    assert any("champion" in w and "won every battle" in w for w in result.warnings), result.warnings


def test_well_posed_data_does_not_warn(strengths):
    plain, _ = with_champion(strengths)
    assert compute_ratings(plain, FIT).warnings == ()


def test_a_model_that_lost_every_battle_warns():
    records = [{"model_a": "x", "model_b": "y", "winner": "model_a"},
               {"model_a": "y", "model_b": "x", "winner": "model_a"},
               {"model_a": "x", "model_b": "loser", "winner": "model_a"},
               {"model_a": "loser", "model_b": "y", "winner": "model_b"}]
    result = compute_ratings(battles_from_records(records), FIT)
    assert np.all(np.isfinite(result.fitted))
    assert any("lost every battle: loser" in w for w in result.warnings), result.warnings


def test_unknown_anchor_suggests_a_name(table):
    with pytest.raises(InputError, match="did you mean model-003"):
        compute_ratings(table, RatingConfig(bootstrap=0, anchor=("modle-003", 1100.0)))
    with pytest.raises(InputError, match="unknown model 'zzz'"):
        compute_ratings(table, RatingConfig(bootstrap=0, anchor=("zzz", 1100.0)))


def test_prompt_unit_needs_prompt_ids(table):
    with pytest.raises(InputError, match="prompt_id"):
        compute_ratings(table, RatingConfig(bootstrap=10, unit="prompt"))


@pytest.mark.parametrize("bad", [dict(bootstrap=-1), dict(unit="judge"), dict(ties="ignore"), dict(confidence=1.0),
                                 dict(point="mean"), dict(ridge=0.0), dict(method="glicko")])
def test_invalid_config(bad):
    with pytest.raises(InputError):
        RatingConfig(**bad)


# --- the batched solver -----------------------------------------------------------------------------------

def small_problem(rounds=4, seed=0):
    classes = outcome_classes(simulate_table(np.linspace(-1.5, 1.5, 6), 3_000, seed=seed))
    size = (rounds, classes.class_count.shape[0])
    counts = np.random.default_rng(seed).poisson(classes.class_count, size=size)
    n, s = classes.pair_totals(counts)
    return bt.BradleyTerryProblem(classes.pair_i, classes.pair_j, n, s, classes.n_models)


def test_solver_reaches_the_optimum_of_every_round():
    problem = small_problem()
    theta = bt.solve(problem)
    grad, _ = problem.gradient(theta)
    assert np.abs(grad).max() < 1e-6
    for r in range(problem.rounds):  # the batch is the same as solving each round alone
        alone = bt.BradleyTerryProblem(problem.pair_i, problem.pair_j, problem.n[r], problem.s[r],
                                       problem.n_models)
        np.testing.assert_allclose(bt.solve(alone)[0], theta[r], atol=1e-7)


def test_chord_start_gives_the_same_optimum():
    problem = small_problem(rounds=6, seed=1)
    plain = bt.solve(problem)
    point = bt.BradleyTerryProblem(problem.pair_i, problem.pair_j, problem.n.mean(0), problem.s.mean(0),
                                   problem.n_models)
    start = bt.solve(point)[0]
    chord = bt.inverse_curvature(point, start)
    np.testing.assert_allclose(bt.solve(problem, start=start, chord=chord), plain, atol=1e-7)


def test_solver_hessian_matches_finite_differences():
    problem = small_problem(rounds=1, seed=2)
    theta = np.random.default_rng(0).normal(size=(1, problem.n_models))
    grad, curvature = problem.gradient(theta)
    neg_hessian = problem.hessians(curvature)[0]
    eps = 1e-6
    for k in range(problem.n_models):
        bump = theta.copy()
        bump[0, k] += eps
        np.testing.assert_allclose((problem.gradient(bump)[0] - grad)[0] / eps, -neg_hessian[:, k],
                                   rtol=1e-4, atol=1e-3)
        up = problem.objective(bump)[0] - problem.objective(theta)[0]
        assert up / eps == pytest.approx(grad[0, k], rel=1e-4, abs=1e-3)


def test_ridge_is_negligible_on_real_data(table):
    loose = compute_ratings(table, RatingConfig(bootstrap=0, ridge=1e-8)).fitted
    default = compute_ratings(table, FIT).fitted
    assert np.abs(loose - default).max() < 0.01


def test_graph_checks_agree_with_scipy_components_on_random_graphs():
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    from wizardarena.ratings.checks import require_connected, separation_warnings

    rng = np.random.default_rng(1)
    seen_counts = set()
    for _ in range(300):
        m, k = int(rng.integers(2, 9)), int(rng.integers(1, 12))
        i = rng.integers(0, m, k)
        j = (i + rng.integers(1, m, k)) % m
        n = rng.integers(1, 3, k).astype(float)
        s = np.floor(rng.random(k) * (n + 1))
        models = [f"m{x}" for x in range(m)]
        rows, cols = np.r_[i[s > 0], j[n - s > 0]], np.r_[j[s > 0], i[n - s > 0]]
        strong, _ = connected_components(sparse.coo_array((np.ones(rows.size), (rows, cols)), shape=(m, m)),
                                         directed=True, connection="strong")
        assert (strong == 1) == (separation_warnings(models, i, j, n, s) == [])
        groups, _ = connected_components(sparse.coo_array((np.ones(k), (i, j)), shape=(m, m)), directed=False)
        seen_counts.add(groups)
        if groups == 1:
            require_connected(models, i, j)
        else:
            with pytest.raises(InputError, match=f"disconnected into {groups} groups"):
                require_connected(models, i, j)
    assert {1, 2, 3} <= seen_counts  # the draw covers connected and split graphs
