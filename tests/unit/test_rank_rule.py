"""The rank rule with its tolerance, its one explanatory line, and no CI column when no bootstrap ran."""

import doctest
import io
import json

from click.testing import CliRunner
from rich.console import Console

import wizardarena.leaderboard.ranking as ranking_module
from wizardarena.cli.main import _register, cli
from wizardarena.leaderboard import Leaderboard, lmsys_ranks, ratings_table, render_html, render_markdown
from wizardarena.leaderboard.ranking import RANK_TOLERANCE, rank_rule
from wizardarena.leaderboard.terminal import rank_note
from wizardarena.ratings import RatingConfig, compute_ratings
from wizardarena.ratings.table import battles_from_records

_register()

WITH_CI = rank_rule(True)
WITHOUT_CI = rank_rule(False)


def _point(rating: float) -> dict:
    return {"lower": rating, "upper": rating}


def _records(widths: list[float]) -> list[dict]:
    return [{"model": f"m{k}", "rating": 1100.0 - 50 * k, "lower": 1100.0 - 50 * k - w, "upper": 1100.0 - 50 * k + w,
             "n_battles": 10} for k, w in enumerate(widths)]


def _text(table) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    return console.file.getvalue()


def test_doctests_of_the_ranking_module_pass():
    assert doctest.testmod(ranking_module).failed == 0


def test_numerically_tied_models_share_a_rank_and_separated_ones_do_not():
    assert lmsys_ranks([_point(1000.0 + 2e-10), _point(1000.0), _point(1000.0 - 2e-10)]) == [1, 1, 1]
    assert lmsys_ranks([_point(1000.0 + 10 * RANK_TOLERANCE), _point(1000.0)]) == [1, 2]
    assert lmsys_ranks([_point(1000.0 + 0.5 * RANK_TOLERANCE), _point(1000.0)]) == [1, 1]


def test_models_with_identical_records_share_rank_one_without_bootstrap():
    rows = []
    for model in ("a", "b", "c", "d"):
        rows += [{"model_a": model, "model_b": "weak", "winner": "model_a"},
                 {"model_a": "weak", "model_b": model, "winner": "model_b"},
                 {"model_a": model, "model_b": "weak", "winner": "tie"},
                 {"model_a": "weak", "model_b": model, "winner": "model_a"}]
    records = compute_ratings(battles_from_records(rows), RatingConfig(bootstrap=0)).records()
    assert [r["model"] for r in records][-1] == "weak"
    assert lmsys_ranks(records) == [1, 1, 1, 1, 5]


def test_terminal_table_drops_the_ci_column_without_bootstrap_and_the_note_says_why():
    with_ci, without = _records([10.0, 20.0, 5.0]), _records([0.0, 0.0, 0.0])
    assert "95% CI" in _text(ratings_table(with_ci)) and rank_note(with_ci) == WITH_CI
    text = _text(ratings_table(without))
    assert "95% CI" not in text and "+0.0" not in text and "rank" in text
    assert rank_note(without) == WITHOUT_CI and "no bootstrap" in WITHOUT_CI and "LMSYS" in WITH_CI


def test_markdown_and_html_drop_the_ci_column_without_bootstrap_and_print_the_rule_once():
    cases = ((_records([10.0, 20.0, 5.0]), WITH_CI, True), (_records([0.0] * 3), WITHOUT_CI, False))
    for records, rule, has_ci in cases:
        board = Leaderboard.from_records(records)
        markdown = render_markdown(board)
        assert ("| 95% CI |" in markdown) is has_ci
        assert markdown.count(rule) == 1 and markdown.count("rank: 1 +") == 1
        page = render_html(board, plots={})
        assert (">95% CI</th>" in page) is has_ci
        assert page.count(rule.replace("'", "&#x27;")) == 1


def test_ratings_command_prints_the_rule_once_and_no_ci_column_with_bootstrap_zero(tmp_path):
    rows = [{"model_a": a, "model_b": b, "winner": w, "prompt_id": f"p{k}", "category": f"c{k % 2}"}
            for k, (a, b, w) in enumerate([("x", "y", "model_a"), ("y", "z", "tie"), ("x", "z", "model_b"),
                                           ("z", "y", "model_a"), ("x", "y", "model_b"), ("y", "z", "model_b")] * 4)]
    path = tmp_path / "battles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    plain = CliRunner().invoke(cli, ["ratings", str(path), "--bootstrap", "0", "--by", "category"])
    assert plain.exit_code == 0, plain.output
    assert "95% CI" not in plain.stdout and plain.stdout.count("rank: 1 +") == 1 and WITHOUT_CI in plain.stdout
    booted = CliRunner().invoke(cli, ["ratings", str(path), "--bootstrap", "20"])
    assert "95% CI" in booted.stdout and booted.stdout.count(WITH_CI) == 1
