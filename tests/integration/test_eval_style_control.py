"""``wizardarena eval --style-control``: answers record their style, battles carry it, both commands rate it."""

import json
from pathlib import Path

from click.testing import CliRunner

from wizardarena.arena.styles import turns_style
from wizardarena.cli.main import _register, cli

_register()

PROMPTS = [{"id": f"q{k}", "turns": [f"Question {k}?"]} for k in range(6)]
PROMPTS[2]["turns"].append("And a follow-up?")
MARKDOWN = {"q0": ["# Answer\n- **one**\n- two"], "q1": ["## Steps\n1. a\n2. b\n3. **c**"],
            "q2": ["**Yes.**\n- x", "# More\n- y\n- z"], "q3": ["- only\n- a\n- list"],
            "q4": ["## Short"], "q5": ["**bold** and __bold__ text here"]}
PLAIN = {"q0": ["One and two."], "q1": ["First a, then b, then c, and that is all of it."],
         "q2": ["Yes, x.", "More: y and z."], "q3": ["Only a list would do."], "q4": ["Short."],
         "q5": ["Plain text here."]}


def _run(*args):
    return CliRunner().invoke(cli, [*map(str, args)], catch_exceptions=False)


def _records(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def _arena(tmp_path):
    testset, answers = tmp_path / "prompts.jsonl", tmp_path / "answers.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS))
    answers.write_text("".join(json.dumps({"prompt_id": p, "model": model, "turns": turns}) + "\n"
                               for model, table in (("md", MARKDOWN), ("plain", PLAIN)) for p, turns in table.items()))
    return testset, [f"md=answers:{answers}#md", f"plain=answers:{answers}#plain", "fake:strong"]


def test_eval_battles_carry_answer_styles_and_style_control_rates_them(tmp_path):
    testset, models = _arena(tmp_path)
    out = tmp_path / "out"
    result = _run("eval", *[w for m in models for w in ("--model", m)], "--judge", "fake:j", "--judge-mode",
                  "logprob", "--testset", testset, "--out", out, "--bootstrap", "5", "--style-control")
    assert result.exit_code == 0, result.output
    assert "style coefficients (BT units per std of the feature): length" in result.output
    assert json.loads((out / "run.json").read_text())["style_control"] is True
    answers = {(a["model"], a["prompt_id"]): a for a in _records(out / "answers.jsonl")}
    assert len(answers) == 18
    for answer in answers.values():
        assert answer["meta"]["style"] == turns_style(answer["turns"])
    assert answers[("md", "q2")]["meta"]["style"] == {"length": 9, "headers": 1, "lists": 3, "bold": 1}  # 3 + 6 tokens
    battles = _records(out / "battles.jsonl")
    assert len(battles) == 36  # 3 pairs x 2 orders x 6 prompts
    for battle in battles:
        assert battle["style_a"] == answers[(battle["model_a"], battle["prompt_id"])]["meta"]["style"]
        assert battle["style_b"] == answers[(battle["model_b"], battle["prompt_id"])]["meta"]["style"]
    rated = _run("ratings", out / "battles.jsonl", "--style-control", "--unit", "prompt", "--bootstrap", "5",
                 "--out", tmp_path / "r.jsonl")
    assert rated.exit_code == 0, rated.output
    assert "style coefficients" in rated.output
    assert _records(tmp_path / "r.jsonl") == _records(out / "ratings.jsonl")  # the file rates like the run
    plain = _run("ratings", out / "battles.jsonl", "--unit", "prompt", "--bootstrap", "5",
                 "--out", tmp_path / "p.jsonl")
    assert plain.exit_code == 0 and "style coefficients" not in plain.output
    assert _records(tmp_path / "p.jsonl") != _records(out / "ratings.jsonl")


def test_combined_battles_carry_the_canonical_pairs_styles_from_a_store_without_them(tmp_path):
    testset, models = _arena(tmp_path)
    out, store = tmp_path / "out", tmp_path / "arena.sqlite"
    base = [*[w for m in models for w in ("--model", m)], "--judge", "fake:j", "--judge-mode", "logprob",
            "--testset", testset, "--bootstrap", "5", "--store", store]
    assert _run("eval", *base, "--out", tmp_path / "first").exit_code == 0
    import sqlite3  # an older store: its answers were stored before styles were recorded

    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE answers SET record = json_remove(record, '$.meta.style')")
    result = _run("eval", *base, "--out", out, "--combine", "average", "--style-control")
    assert result.exit_code == 0, result.output
    assert "model calls this run: 0" in result.output and "style coefficients" in result.output
    texts = {(a["model"], a["prompt_id"]): a["turns"] for a in _records(out / "answers.jsonl")}
    battles = _records(out / "battles.jsonl")
    assert len(battles) == 18 and all(b["model_a"] < b["model_b"] for b in battles)
    for battle in battles:
        assert battle["style_a"] == turns_style(texts[(battle["model_a"], battle["prompt_id"])])
        assert battle["style_b"] == turns_style(texts[(battle["model_b"], battle["prompt_id"])])


def test_the_2024_09_04_arena_rankings_name_every_pack_model(shared_data):
    from wizardarena.agreement import load_ranking
    from wizardarena.packs import load_pack

    models = set(load_pack("arena-hard-v0.1").answers) - {"gpt-4-1106-preview"}  # the judge's reference
    for name in ("full", "full_style_control"):
        ranking = load_ranking(str(shared_data / "arena_elo" / f"arena_elo_20240904_{name}_leaderboard.csv"))
        assert models <= set(ranking.models) and len(models) == 60  # agreement needs no --map


def test_eval_style_coefs_written_then_frozen_and_named_in_run_json(tmp_path):
    testset, models = _arena(tmp_path)
    coefs, store = tmp_path / "coefs.json", tmp_path / "arena.sqlite"
    base = ["eval", *[w for m in models for w in ("--model", m)], "--judge", "fake:j", "--judge-mode", "logprob",
            "--testset", testset, "--bootstrap", "5", "--store", store, "--style-control", "--style-coefs", coefs]
    first = _run(*base, "--out", tmp_path / "first")
    assert first.exit_code == 0, first.output
    assert f"wrote style coefficients (36 battles, 3 models) to {coefs}" in first.stderr
    assert "fitted jointly on 36 battles" in first.stdout
    saved = json.loads(coefs.read_text())
    info = json.loads((tmp_path / "first" / "run.json").read_text())["style_coefs"]
    assert info["coefficients"] == saved["coefficients"] and info["frozen_from"] is None
    again = _run(*base, "--out", tmp_path / "again")
    assert again.exit_code == 0, again.output
    assert f"style coefficients frozen from {coefs}" in again.stderr
    info = json.loads((tmp_path / "again" / "run.json").read_text())["style_coefs"]
    assert info["coefficients"] == saved["coefficients"] and info["frozen_from"] == str(coefs)
    assert info["origin"].startswith(f"frozen from {coefs} (sha256 ")
    # the leaderboard of the run says which coefficients it used
    board = _run("leaderboard", "render", tmp_path / "again" / "ratings.jsonl", "--format", "md",
                 "--out", tmp_path / "board.md")
    assert board.exit_code == 0, board.output
    header = (tmp_path / "board.md").read_text().splitlines()[2]
    length = f"length {saved['coefficients']['length']:+.3f}"
    assert "**Style control:**" in header and length in header and "frozen from " in header  # path md-escaped
    refused = _run(*[a for a in base if a != "--style-control"], "--out", tmp_path / "no")
    assert refused.exit_code == 2 and "add --style-control" in refused.stderr
