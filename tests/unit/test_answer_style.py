"""Style counts recorded with every answer, read back for battles (older answers counted from their text)."""

import doctest

import wizardarena.arena.styles
from wizardarena.arena.answering import generate_answers
from wizardarena.arena.battles import battle_columns, battle_rows
from wizardarena.arena.judging import plan_games
from wizardarena.arena.styles import add_battle_styles, answer_style, label_styles, stored_styles, turns_style
from wizardarena.backends.base import Decoding
from wizardarena.ratings.style import markdown_style
from wizardarena.records import Verdict
from wizardarena.refs import Contestant, answer_key
from wizardarena.refs.model import in_memory_answers
from wizardarena.store import ArenaStore, make_owner

PROMPTS = [{"id": "p1", "turns": ["Plan a trip."], "category": None, "cluster": None, "difficulty": None,
            "source": "t"},
           {"id": "p2", "turns": ["List two fruits.", "Now in bold."], "category": None, "cluster": None,
            "difficulty": None, "source": "t"}]
TURNS = {"p1": ["## Day 1\n- walk\n- **eat** well\n```python\n# not a header\n- not a list\n```"],
         "p2": ["1. apple\n2. pear", "**apple** and __pear__"]}
# by hand: p1 has 18 whitespace tokens (the code block's too), and outside the code block 1 header,
# 2 list items, 1 bold span; p2 sums its turns: 4 + 3 tokens, 0 headers, 2 + 0 list items, 0 + 2 bold spans
EXPECTED = {"p1": {"length": 18, "headers": 1, "lists": 2, "bold": 1},
            "p2": {"length": 7, "headers": 0, "lists": 2, "bold": 2}}


def test_markdown_outside_code_blocks_and_turns_summed():
    assert markdown_style(TURNS["p1"][0]) == EXPECTED["p1"]
    assert turns_style(TURNS["p2"]) == EXPECTED["p2"]
    assert turns_style([]) == {"length": 0, "headers": 0, "lists": 0, "bold": 0}
    assert doctest.testmod(wizardarena.arena.styles).failed == 0


def _answered(tmp_path, name="m"):
    store = ArenaStore(tmp_path / "arena.sqlite")
    store.put_prompts("t", PROMPTS)
    contestant = Contestant(name, in_memory_answers(name, TURNS))
    generate_answers(store, contestant, contestant.model.load, Decoding(), PROMPTS, make_owner())
    keys = {p["id"]: answer_key(contestant.model, Decoding(), p) for p in PROMPTS}
    return store, keys


def test_stored_answers_carry_their_style(tmp_path):
    store, keys = _answered(tmp_path)
    with store:
        answers = store.answers(keys.values())
        for prompt_id, key in keys.items():
            assert answers[key]["meta"]["style"] == EXPECTED[prompt_id]
            assert answers[key]["meta"]["spec"].startswith("answers:")  # the rest of meta is kept
        assert store.answer_styles(keys.values()) == {keys[p]: EXPECTED[p] for p in keys}


def test_older_answers_without_style_are_counted_from_their_text(tmp_path):
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        store.put_answer("old", {"prompt_id": "p2", "model": "m", "turns": TURNS["p2"], "meta": {}}, complete=True)
        store.put_answer("new", {"prompt_id": "p1", "model": "m", "turns": TURNS["p1"],
                                 "meta": {"style": EXPECTED["p1"]}}, complete=True)
        store.put_answer("cut", {"prompt_id": "p2", "model": "m", "turns": TURNS["p2"][:1], "meta": {}},
                         complete=False)
        assert store.answer_styles(["old", "new", "cut"]) == {"old": None, "new": EXPECTED["p1"]}
        assert stored_styles(store, ["old", "new", "cut", "absent"]) == {"old": EXPECTED["p2"], "new": EXPECTED["p1"]}
    recorded = {"length": 99, "headers": 9, "lists": 9, "bold": 9}
    assert answer_style({"turns": TURNS["p1"], "meta": {"style": recorded}}) == recorded
    assert answer_style({"turns": TURNS["p1"], "meta": {"style": {"token_len": 3}}}) == EXPECTED["p1"]


def _verdict(prompt, a, b, swapped, score_a, score_b):
    return Verdict(prompt, "j", a, b, swapped, True, score_a, score_b)


def test_battles_carry_the_styles_of_the_answers_shown_in_every_combine_mode():
    keys = {(m, p["id"]): f"{m}-{p['id']}" for m in ("x", "y") for p in PROMPTS}
    styles = {f"x-{p}": {"length": 10 + k, "headers": 0, "lists": 0, "bold": 0} for k, p in enumerate(TURNS)}
    styles |= {f"y-{p}": {"length": 20 + k, "headers": 1, "lists": 0, "bold": 0} for k, p in enumerate(TURNS)}
    planned = plan_games(PROMPTS, [("x", "y", False), ("y", "x", True)], keys, "j")
    by_label = label_styles(planned, styles)
    assert by_label[("y", "p2")] == styles["y-p2"] and len(by_label) == 4
    verdicts = [_verdict(p, "x", "y", False, 7, 3) for p in ("p1", "p2")]
    verdicts += [_verdict(p, "y", "x", True, 4, 6) for p in ("p1", "p2")]
    for combine, count in (("separate", 4), ("average", 2), ("consistent", 2)):
        rows = battle_rows(add_battle_styles(battle_columns(verdicts, combine), by_label))
        assert len(rows) == count
        for row in rows:
            assert row["style_a"] == styles[f"{row['model_a']}-{row['prompt_id']}"]
            assert row["style_b"] == styles[f"{row['model_b']}-{row['prompt_id']}"]
    del by_label[("x", "p1")]  # an answer missing from the store: no style columns at all, not some
    columns = add_battle_styles(battle_columns(verdicts), by_label)
    assert "style_a" not in columns and "style_a" not in battle_rows(columns)[0]
