"""Difficulty rating with a scripted rater: tolerant parsing, bounded retries, invalid counts, the cache."""

import json

import pytest

from fixtures.construct_data import ScriptedModel, rating_from_text, shared_rows
from wizardarena.construct.difficulty import DifficultyRater, default_template, parse_difficulty
from wizardarena.construct.pool import pool_prompts
from wizardarena.errors import InputError


@pytest.fixture
def prompts(shared_data):
    return pool_prompts(shared_rows(shared_data, "mt-bench", 4), "mt-bench", "mt-bench")


@pytest.mark.parametrize("reply, expected", [
    ("It needs proofs.\nDifficulty: 8", 8.0),
    ("Difficulty: 2 at first sight... on reflection **Difficulty:** 7/10", 7.0),
    ("difficulty score = 4.5", 4.5),
    ("Difficulty: 0", 0.0),
    ("Difficulty: 11", None),
    ("Difficulty: 6\nActually, Difficulty: 12", None),  # the last match wins, even when out of range
    ("This is quite hard, maybe a seven.", None),
])
def test_parse_difficulty_is_tolerant_but_strict_about_range(reply, expected):
    assert parse_difficulty(reply) == expected


def test_unparseable_replies_are_retried_then_counted_invalid(prompts, tmp_path):
    model = ScriptedModel(["Difficulty: 7", "no number here", "Difficulty: 11", "Reason.\nDifficulty: 3",
                           "Difficulty: 5", "still nothing", "nope"])
    rater = DifficultyRater(model, cache=tmp_path / "ratings.jsonl", max_retries=2)
    run = rater.rate(prompts)
    assert run.scores == [7.0, 5.0, None, 3.0]
    assert (run.calls, run.invalid, run.retried, run.cached) == (7, 1, 2, 0)
    ids = [p["id"] for p in prompts]
    assert [batch for batch, _ in model.batches] == [ids, [ids[1], ids[2]], [ids[2]]]
    temperatures = [(d.temperature, d.seed) for _, d in model.batches]
    assert temperatures == [(0.0, 0), (0.7, 1), (0.7, 2)]
    lines = [json.loads(line) for line in (tmp_path / "ratings.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and lines[2]["valid"] is False
    assert lines[2]["replies"] == ["Difficulty: 11", "still nothing", "nope"]


def test_the_cache_makes_a_rerun_free_and_survives_a_cut_line(prompts, tmp_path):
    cache = tmp_path / "ratings.jsonl"
    first = DifficultyRater(ScriptedModel(rating_from_text), cache=cache, batch_size=3)
    scores = first.rate(prompts).scores
    model = ScriptedModel(rating_from_text)
    rerun = DifficultyRater(model, cache=cache).rate(prompts)
    assert rerun.scores == scores and rerun.cached == 4 and model.calls == 0
    with cache.open("a") as handle:
        handle.write('{"key": "cut sho')  # an interrupted write
    again = DifficultyRater(ScriptedModel(rating_from_text), cache=cache)
    assert again.rate(prompts).calls == 0
    other = DifficultyRater(ScriptedModel(rating_from_text, spec="scripted:other"), cache=cache)
    assert other.rate(prompts[:2]).calls == 2  # another rater: other keys
    assert all(json.loads(line) for line in cache.read_text().splitlines()[-2:])  # appended on a fresh line


def test_batches_and_the_rendered_request(prompts, tmp_path):
    model = ScriptedModel(rating_from_text)
    rater = DifficultyRater(model, batch_size=3)
    rater.rate(prompts)
    assert [len(batch) for batch, _ in model.batches] == [3, 1]
    shown = rater.render(prompts[0])
    assert "User (turn 1): " + prompts[0]["turns"][0] in shown and "User (turn 2): " in shown
    assert shown.endswith("Difficulty: <number>\n") and "{conversation}" in default_template()
    own = tmp_path / "own.txt"
    own.write_text("Rate {conversation}\nDifficulty: N")
    assert DifficultyRater(model, template=own).render({"turns": ["x"]}) == "Rate x\nDifficulty: N"
    own.write_text("no slot")
    with pytest.raises(InputError, match="lacks"):
        DifficultyRater(model, template=own)
