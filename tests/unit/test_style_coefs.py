"""Frozen style coefficients: the fit with the style terms fixed, the file, and ``--style-coefs``."""

import doctest
import json

import numpy as np
import pytest
from click.testing import CliRunner

import wizardarena.ratings.style
import wizardarena.ratings.style_coefs
from helpers import simulate_style_table
from wizardarena.cli.main import _register, cli
from wizardarena.errors import InputError
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.config import ELO_PER_BT_UNIT
from wizardarena.ratings.style import style_features
from wizardarena.ratings.style_coefs import read_style_coefs, write_style_coefs
from wizardarena.ratings.table import battles_from_records

_register()
STYLED = RatingConfig(bootstrap=0, style_control=True)


def _style(length):
    return {"length": int(length), "headers": 0, "lists": 0, "bold": 0}


def _arena(n_new=600):
    """Battles of six models whose wins follow strength and length (0.6 BT per std), and battles of a
    verbose newcomer whose length wins it nothing: a refit on them moves the length coefficient."""
    table, truth = simulate_style_table(n_models=6, n=6000, style_effect=0.6)
    winner = {0: "model_a", 1: "model_b"}
    base = [{"model_a": table.models[i], "model_b": table.models[j], "winner": winner[int(o)], "style_a": sa,
             "style_b": sb} for i, j, o, sa, sb in zip(table.a, table.b, table.outcome, table.extra["style_a"],
                                                       table.extra["style_b"])]
    rng = np.random.default_rng(5)
    other = rng.integers(0, 6, n_new)
    len_new = rng.poisson(2500 * rng.lognormal(0, 0.6, n_new))
    len_other = rng.poisson(500 * rng.lognormal(0, 0.6, n_new))
    won = rng.random(n_new) < 1 / (1 + np.exp((truth[other] - 1000) / ELO_PER_BT_UNIT))
    new = []
    for k, (o, w, x, y) in enumerate(zip(other, won, len_new, len_other)):
        first = k % 2 == 0  # the newcomer is shown first in half its battles
        new.append({"model_a": "new" if first else f"m{o}", "model_b": f"m{o}" if first else "new",
                    "winner": "model_a" if w == first else "model_b",
                    "style_a": _style(x if first else y), "style_b": _style(y if first else x)})
    return base, new


def _centred(result, models):
    rating = result.fitted[[result.models.index(m) for m in models]]
    return rating - rating.mean()


def test_frozen_at_the_joint_fit_gives_the_joint_ratings_and_keeps_its_normalisation():
    base, new = _arena()
    table = battles_from_records(base)
    joint = compute_ratings(table, STYLED)
    frozen = compute_ratings(table, RatingConfig(bootstrap=0, style_control=True, style_coefs=joint.style))
    assert np.abs(frozen.fitted - joint.fitted).max() / ELO_PER_BT_UNIT < 1e-6
    assert frozen.style is joint.style
    grown = battles_from_records(base + new)
    refit = compute_ratings(grown, STYLED)
    kept = compute_ratings(grown, RatingConfig(bootstrap=0, style_control=True, style_coefs=joint.style))
    assert kept.style.coefficients == joint.style.coefficients and kept.style.std == joint.style.std
    assert kept.style.mean == joint.style.mean
    assert abs(refit.style.coefficients[0] - joint.style.coefficients[0]) > 0.01  # a refit moves them
    assert refit.style.std[0] != joint.style.std[0]
    before = _centred(joint, joint.models)
    moved_refit = np.abs(_centred(refit, joint.models) - before).max()
    moved_frozen = np.abs(_centred(kept, joint.models) - before).max()
    assert moved_frozen < moved_refit  # measured: 2.9 against 6.0 Elo


def test_doctests_of_the_style_modules_pass():
    for module in (wizardarena.ratings.style, wizardarena.ratings.style_coefs):
        assert doctest.testmod(module).failed == 0


def test_frozen_features_use_the_stored_normalisation():
    a, b = np.array([[10.0, 0, 0, 0], [30.0, 0, 0, 0]]), np.array([[30.0, 0, 0, 0], [10.0, 0, 0, 0]])
    scale = (np.array([0.5, 0, 0, 0]), np.array([2.0, 1, 1, 1]))
    assert style_features(a, b, scale=scale)[:, 0].tolist() == [-0.5, 0.0]  # (-0.5 - 0.5) / 2, (0.5 - 0.5) / 2
    assert style_features(a, b)[:, 0].tolist() == [-1.0, 1.0]  # its own mean 0 and std 0.5


def test_frozen_bootstrap_and_sandwich_vary_only_the_strengths():
    base, _ = _arena()
    table = battles_from_records(base)
    joint = compute_ratings(table, RatingConfig(bootstrap=10, style_control=True))
    frozen = compute_ratings(table, RatingConfig(bootstrap=10, style_control=True, style_coefs=joint.style))
    assert frozen.samples.shape == (10, 6) and np.isfinite(frozen.samples).all()
    assert not np.array_equal(frozen.samples, joint.samples)
    sandwich = RatingConfig(bootstrap=0, ci="sandwich", point="mle", style_control=True)
    both = compute_ratings(table, sandwich)
    fixed = compute_ratings(table, RatingConfig(bootstrap=0, ci="sandwich", point="mle", style_control=True,
                                                style_coefs=both.style))
    np.testing.assert_allclose(fixed.fitted, both.fitted, atol=1e-6)
    # the style terms are known, not estimated: no model's interval gets wider (measured here: all narrower)
    assert (np.diag(fixed.covariance) <= np.diag(both.covariance) + 1e-9).all()


def test_the_file_round_trips_and_bad_files_are_input_errors(tmp_path):
    base, _ = _arena()
    fitted = compute_ratings(battles_from_records(base), STYLED).style
    path = tmp_path / "coefs.json"
    write_style_coefs(path, fitted)
    read = read_style_coefs(path)
    assert (read.coefficients, read.mean, read.std, read.battles, read.models) == \
        (fitted.coefficients, fitted.mean, fitted.std, 6000, fitted.models)
    assert read.source == str(path) and len(read.sha256) == 64
    assert read.origin().startswith(f"frozen from {path} (sha256 {read.sha256[:12]}, fitted on 6,000 battles)")
    document = json.loads(path.read_text())
    for broken in ("{", json.dumps({**document, "features": ["length"]}),
                   json.dumps({**document, "coefficients": {"length": 1}}),
                   json.dumps({**document, "normalisation": {**document["normalisation"],
                                                            "std": {k: 0 for k in document["features"]}}})):
        path.write_text(broken)
        with pytest.raises(InputError, match="--style-coefs"):
            read_style_coefs(path)


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _one_line_error(result, message):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_cli_writes_then_freezes_the_coefficients(tmp_path):
    base, new = _arena(300)
    first, grown = tmp_path / "first.jsonl", tmp_path / "grown.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in base))
    grown.write_text("".join(json.dumps(r) + "\n" for r in base + new))
    coefs = tmp_path / "coefs.json"
    wrote = _run("ratings", first, "--bootstrap", "0", "--style-control", "--style-coefs", coefs)
    assert wrote.exit_code == 0, wrote.output
    assert f"wrote style coefficients (6,000 battles, 6 models) to {coefs}" in wrote.stderr
    assert "fitted jointly on 6,000 battles" in wrote.stdout
    saved = json.loads(coefs.read_text())
    assert saved["features"] == ["length", "headers", "lists", "bold"] and saved["fitted_on"]["battles"] == 6000
    text = coefs.read_text()
    frozen = _run("ratings", grown, "--bootstrap", "0", "--style-control", "--style-coefs", coefs)
    assert frozen.exit_code == 0, frozen.output
    assert f"style coefficients frozen from {coefs}" in frozen.stderr
    line = next(x for x in frozen.stdout.splitlines() if x.startswith("style coefficients"))
    shown = ", ".join(f"{k} {v:+.3f}" for k, v in saved["coefficients"].items())
    assert shown in line and f"frozen from {coefs} (sha256 " in line
    assert coefs.read_text() == text  # read, never rewritten
    _one_line_error(_run("ratings", first, "--bootstrap", "0", "--style-coefs", coefs), "add --style-control")
    coefs.write_text('{"features": ["length"]}')
    _one_line_error(_run("ratings", first, "--bootstrap", "0", "--style-control", "--style-coefs", coefs),
                    "are not this version's")
    coefs.write_text("not json")
    _one_line_error(_run("ratings", first, "--bootstrap", "0", "--style-control", "--style-coefs", coefs),
                    "not a readable JSON file")
    _one_line_error(_run("ratings", first, "--style-control", "--by", "category", "--style-coefs",
                         tmp_path / "new.json"), "--by fits one set of coefficients per group")
    _one_line_error(_run("ratings", first, "--style-control", "--style-coefs", tmp_path / "no" / "c.json"),
                    "no such folder")
