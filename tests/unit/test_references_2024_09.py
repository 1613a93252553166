"""The Chatbot Arena 2024-09-04 snapshot, five categories, shipped as named references with their bootstrap."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from wizardarena.agreement import compare, load_ranking
from wizardarena.agreement.references import list_references
from wizardarena.packs import load_pack

NAMES = ("lmsys-2024-09-04", "lmsys-2024-09-04-style", "lmsys-2024-09-04-hard", "lmsys-2024-09-04-hard-style",
         "lmsys-2024-09-04-hard-english")


@pytest.mark.parametrize("name", NAMES)
def test_each_category_loads_139_models_with_100_bootstrap_rounds_naming_every_pack_model(name):
    ranking = load_ranking(name)
    assert name in list_references() and ranking.source == name
    assert len(ranking.models) == 139 and ranking.samples.shape == (139, 100)
    assert set(load_pack("arena-hard-v0.1").models) <= set(ranking.models)
    assert np.all(ranking.lower <= ranking.score) and np.all(ranking.score <= ranking.upper)


def test_the_shipped_files_equal_the_shared_ones(shared_data):
    from importlib import resources

    folder = resources.files("wizardarena.data") / "references"
    for category in ("full", "full_style_control", "hard_6", "hard_6_style_control", "hard_english_6"):
        for kind in ("leaderboard", "bootstrap100"):
            name = f"arena_elo_20240904_{category}_{kind}.csv"
            assert (folder / name).read_bytes() == (shared_data / "arena_elo" / name).read_bytes()


def test_style_control_moves_the_ranking_but_the_hard_categories_agree_closely():
    hard = compare(load_ranking("lmsys-2024-09-04-hard"), load_ranking("lmsys-2024-09-04-hard-english"))
    assert hard["n_models"] == 139 and hard["spearman"] > 0.98
    style = compare(load_ranking("lmsys-2024-09-04"), load_ranking("lmsys-2024-09-04-style"))
    assert style["n_models"] == 139 and 0.9 < style["spearman"] < 1.0


def test_agreement_cli_compares_two_of_them():
    from wizardarena.cli.main import _register, cli

    _register()
    result = CliRunner().invoke(cli, ["agreement", "lmsys-2024-03-29", "lmsys-2024-09-04", "--format", "json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["n_models"] == 76 and metrics["spearman"] > 0.99
