"""One identity per model, judge and game: spellings, names, seeds, weights and judge settings, each
reproduced as the bug it was and checked through the real store and pipeline."""

import json
import pickle
import subprocess
import sys

import pytest
from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import ServerStats, serve_model
from fixtures.tiny_model import build_tiny_chat_model
from wizardarena.arena.outputs import write_outputs
from wizardarena.arena.pipeline import EvalConfig, make_plan, run_eval
from wizardarena.backends.base import Decoding
from wizardarena.cli.main import _register, cli
from wizardarena.errors import InputError
from wizardarena.judge import JudgeConfig
from wizardarena.ratings import RatingConfig
from wizardarena.refs import Contestant, resolve_judge, resolve_model
from wizardarena.store import ArenaStore, make_owner
from wizardarena.trainers.battle_data import sft_rows

_register()
PROMPTS = [{"id": f"q{k}", "turns": [f"Question number {k}?"], "category": None, "cluster": None,
            "difficulty": None, "source": "test"} for k in range(5)]
LOGPROB = JudgeConfig(mode="logprob")


def _config(models, judge="fake:judge", judge_config=LOGPROB, **kwargs):
    candidates = tuple(Contestant(name, resolve_model(spec)) for name, spec in models)
    return EvalConfig(candidates=candidates, judge=resolve_judge(judge, judge_config), testset="t",
                      ratings=RatingConfig(bootstrap=10, unit="prompt"), **kwargs)


def _run(store, config):
    return run_eval(config, store, make_owner(), testset=("t", PROMPTS))


class ScoringJudge:
    """A text-mode judge model: the first response gets 7, the second 6."""

    spec = "scoring"

    def generate(self, requests, decoding):
        return ["Both fine.\nScore A: 7\nScore B: 6" for _ in requests]


def _eval(*args):
    return CliRunner().invoke(cli, ["eval", *store_beside_out(args)], catch_exceptions=False)


def test_spellings_of_one_judge_share_one_id_and_a_rerun_makes_no_call(tmp_path):
    """A trailing slash, an upper-case scheme or stray whitespace made every judgment miss the store."""
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS[:3]))
    stats = ServerStats()
    with serve_model(ScoringJudge(), stats=stats) as url:
        spellings = [f"openai:test-model@{url}", f" openai:test-model@{url.replace('http', 'HTTP')}/ "]
        ids = {resolve_judge(s).id for s in spellings}
        assert len(ids) == 1
        args = ["--model", "a=fake:a", "--model", "b=fake:b", "--testset", testset, "--out", tmp_path / "out"]
        first = _eval(*args, "--judge", spellings[1])
        assert first.exit_code == 0, first.output
        asked = stats.requests
        assert asked > 0
        again = _eval(*args, "--judge", spellings[0])
        assert again.exit_code == 0 and "model calls this run: 0" in again.output
    assert stats.requests == asked
    judgments = [json.loads(line) for line in (tmp_path / "out" / "judgments.jsonl").read_text().splitlines()]
    assert {j["judge"] for j in judgments} == ids


def test_options_are_checked_canonical_and_runtime_ones_leave_the_identity_alone():
    one = resolve_model("openai:m@http://127.0.0.1:9/v1?max_concurrency=64&temperature=0.5")
    two = resolve_model(" openai:m@http://127.0.0.1:9/v1/?temperature=0.5 ")
    assert one.identity == two.identity and one.spec != two.spec
    assert resolve_model("fake:a?seed=1&temperature=1").spec == resolve_model("fake:a?temperature=1&seed=1").spec
    with pytest.raises(InputError, match="did you mean 'max_concurrency'"):
        resolve_model("openai:m@http://127.0.0.1:9/v1?max_concurency=4")
    with pytest.raises(InputError, match="must be an int"):
        resolve_model("openai:m@http://127.0.0.1:9/v1?max_concurrency=many")
    assert resolve_model("fake:a?system=Be brief.").system == "Be brief."


def test_a_renamed_model_keeps_its_work_and_shows_its_new_name(tmp_path):
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        first = _run(store, _config([("ckpt-a", "fake:a"), ("ckpt-b", "fake:b")]))
        renamed = _config([("run2-a", "fake:a"), ("ckpt-b", "fake:b")])
        renamed = EvalConfig(renamed.candidates, renamed.judge, "t",
                             ratings=RatingConfig(bootstrap=10, unit="prompt", anchor=("run2-a", 1000.0)))
        again = _run(store, renamed)
        assert first.model_calls > 0 and again.model_calls == 0
        assert set(again.ratings.models) == {"run2-a", "ckpt-b"}
        assert again.ratings.rating[again.ratings.models.index("run2-a")] == pytest.approx(1000.0)
        assert {v.model_a for v in again.judgments} | {v.model_b for v in again.judgments} == {"run2-a", "ckpt-b"}
        write_outputs(again, renamed, store, tmp_path / "out")
    answers = [json.loads(line) for line in (tmp_path / "out" / "answers.jsonl").read_text().splitlines()]
    assert {a["model"] for a in answers} == {"run2-a", "ckpt-b"}


def test_two_names_for_one_model_are_two_contestants_with_equal_ratings(tmp_path):
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        result = _run(store, _config([("x", "fake:a"), ("y", "fake:a"), ("z", "fake:z")]))
    # 3 pairs x 2 orders x 5 prompts: none collapses into another contestant's games
    assert len(result.judgments) == 30 and len(result.battle_columns["winner"]) == 30
    x, y = (result.ratings.models.index(name) for name in ("x", "y"))
    assert result.ratings.rating[x] == pytest.approx(result.ratings.rating[y], abs=1e-6)


def test_the_seed_never_re_answers_precomputed_or_greedy_models(tmp_path):
    models = [("ref", "answers:arena-hard-v0.1#gpt-4-0314"), ("mine", "fake:mine")]
    prompts = [{"id": pid, "turns": ["x"], "category": None, "cluster": None, "difficulty": None, "source": "t"}
               for pid in sorted(resolve_model(models[0][1]).load().prompt_ids)[:4]]
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        for seed in (0, 1):
            config = _config(models, decoding=Decoding(seed=seed))
            config = EvalConfig(config.candidates, config.judge, "t", decoding=Decoding(seed=seed),
                                ratings=RatingConfig(bootstrap=10, seed=seed, unit="prompt"))
            result = run_eval(config, store, make_owner(), testset=("t", prompts))
            # 2 x 4 answers, and 8 games x 2 one-token logprob calls: once, never again for another seed
            assert result.model_calls == (8 + 16 if seed == 0 else 0)
        sampled = _config(models, decoding=Decoding(temperature=0.8, seed=1))
        plan = make_plan(sampled, store, ("t", prompts))
        assert plan.missing_answers == {"ref": 0, "mine": 4}  # sampling: the seed changes an answer


def test_new_weights_at_an_old_path_are_answered_again(tmp_path, one_torch_thread):
    path = build_tiny_chat_model(tmp_path / "ckpt", seed=0)
    before = resolve_model(f"hf:{path}/")
    assert before == resolve_model(f"hf:{tmp_path}/./ckpt") and before.fingerprint
    build_tiny_chat_model(tmp_path / "copy", seed=0)
    assert resolve_model(f"hf:{tmp_path / 'copy'}").identity == before.identity  # same weights elsewhere
    config = _config([("ckpt", f"hf:{path}"), ("other", "fake:other")], decoding=Decoding(max_new_tokens=4))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        _run(store, config)
        build_tiny_chat_model(path, seed=7)  # retrained weights, same shapes, same path
        after = _config([("ckpt", f"hf:{path}"), ("other", "fake:other")], decoding=Decoding(max_new_tokens=4))
        assert after.candidates[0].model.fingerprint != before.fingerprint
        plan = make_plan(after, store, ("t", PROMPTS))
        assert plan.missing_answers == {"ckpt": 5, "other": 0} and plan.missing_judgments == 10
        assert make_plan(config, store, ("t", PROMPTS)).missing_answers == {"ckpt": 0, "other": 0}


def test_two_judge_configurations_are_never_merged(tmp_path):
    store_path = tmp_path / "arena.sqlite"
    models = [("a", "fake:a"), ("b", "fake:b")]
    with ArenaStore(store_path) as store:
        full = _run(store, _config(models, judge_config=JudgeConfig(mode="logprob", multi_turn="full")))
        last = _run(store, _config(models, judge_config=JudgeConfig(mode="logprob", multi_turn="last")))
        # a new judge id: its 10 games are judged again (2 logprob calls each), never read from the other
        assert full.model_calls > 0 and last.model_calls == 20
        assert len(full.judgments) == len(last.judgments) == 10  # each run rates only its own judgments
        ids = store.judge_ids()
    assert len(ids) == 2 and {i.partition("|")[0] for i in ids} == {"fake:judge"}
    runner = CliRunner()
    out = tmp_path / "battles.jsonl"
    merged = runner.invoke(cli, ["export", str(store_path), "--what", "battles", "--out", str(out)])
    assert merged.exit_code == 2 and "2 judges or judge configurations" in merged.output
    by_spec = runner.invoke(cli, ["export", str(store_path), "--what", "battles", "--out", str(out), "--judge",
                                  "fake:judge "])
    assert by_spec.exit_code == 2 and "2 configurations of judge fake:judge" in by_spec.output
    chosen = runner.invoke(cli, ["export", str(store_path), "--what", "battles", "--out", str(out), "--judge", ids[0]])
    assert chosen.exit_code == 0 and len(out.read_text().splitlines()) == 10


def test_a_changed_template_always_changes_the_judge_id(tmp_path):
    template = tmp_path / "t.txt"
    template.write_text("{history} {question} {answer_a} {answer_b} Score A: Score B:")
    first = resolve_judge("fake:judge", JudgeConfig(template=str(template))).id
    template.write_text("{history} {question} {answer_a} {answer_b} Be fair. Score A: Score B:")
    assert resolve_judge("fake:judge", JudgeConfig(template=str(template))).id != first
    assert resolve_judge("fake:judge", JudgeConfig(tie_margin=2)).id == resolve_judge("fake:judge").id
    budget = resolve_judge("fake:judge?max_new_tokens=64")  # decoding options on a judge spec are its own
    assert budget.config.decoding.max_new_tokens == 64 and budget.id != resolve_judge("fake:judge").id
    with pytest.raises(InputError, match="no system prompt"):
        resolve_judge("fake:judge?system=Be kind")


def test_the_tie_rule_moves_battles_report_judgments_and_flywheel_rows_together(tmp_path):
    models = [("a", "fake:a"), ("b", "fake:b"), ("c", "fake:c")]
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        strict = _run(store, _config(models))
        loose_config = _config(models, judge_config=JudgeConfig(mode="logprob", tie_margin=0.5))
        loose = _run(store, loose_config)
        assert loose.model_calls == 0  # the tie rule is no part of the judge: nothing judged again
        write_outputs(loose, loose_config, store, tmp_path / "out")
        answers = {(a["model"], a["prompt_id"]): a["turns"] for a in store.all_answers()}
    ties = [winner.startswith("tie") for winner in loose.battle_columns["winner"]]
    assert sum(ties) > sum(w.startswith("tie") for w in strict.battle_columns["winner"])
    assert loose.judge_report.ties == sum(ties)
    judgments = [json.loads(line) for line in (tmp_path / "out" / "judgments.jsonl").read_text().splitlines()]
    battles = [json.loads(line) for line in (tmp_path / "out" / "battles.jsonl").read_text().splitlines()]
    key = ("prompt_id", "model_a", "model_b", "winner")
    assert sorted(tuple(j[k] for k in key) for j in judgments) == sorted(tuple(b[k] for k in key) for b in battles)
    prompts = {p["id"]: p for p in PROMPTS}
    rows = [sft_rows(r.judgments, answers, prompts, "a", gap=0.1, tie_margin=m) for r, m in ((strict, 0), (loose, 0.5))]
    assert len(rows[1]) <= len(rows[0]) and all(abs(row["gap"]) > 0.5 for row in rows[1])


def test_references_survive_pickling_and_load_in_a_fresh_process(tmp_path):
    judge = resolve_judge(" fake:judge ", JudgeConfig(mode="logprob"))
    model = resolve_model("answers:arena-hard-v0.1#gpt-4-0314")
    payload = tmp_path / "refs.pickle"
    payload.write_bytes(pickle.dumps((judge, model)))
    script = (
        "import pickle, sys\n"
        "from wizardarena.backends.base import ChatRequest, Decoding\n"
        "judge, model = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "pid = sorted(model.load().prompt_ids)[0]\n"
        "reply = model.load().generate([ChatRequest(pid, 0, ({'role': 'user', 'content': 'x'},))], Decoding())\n"
        "print(judge.id, judge.load().id == judge.id, len(reply[0]) > 0)\n")
    done = subprocess.run([sys.executable, "-c", script, str(payload)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [judge.id, "True", "True"]
    with pytest.raises(InputError, match="in-memory"):
        pickle.dumps(resolve_model("fake:a").__class__("fake", "a", instance=object()))


def test_reasoning_traces_are_stripped_before_judging_and_counted(tmp_path):
    class Thinker:
        spec = "thinker"

        def generate(self, requests, decoding):
            return [f"<think>long private plan {r.prompt_id}</think>Short answer." for r in requests]

    class SeesAnswers:
        spec = "sees"

        def __init__(self):
            self.prompts = []

        def generate(self, requests, decoding):
            self.prompts += [r.messages[-1]["content"] for r in requests]
            return ["Score A: 5\nScore B: 5" for _ in requests]

    from wizardarena.refs import JudgeRef, ModelRef

    seen = SeesAnswers()
    judge = JudgeRef(ModelRef("test", "sees", instance=seen), JudgeConfig())
    thinker = Contestant("thinker", ModelRef("test", "thinker", instance=Thinker()))
    config = EvalConfig((thinker, Contestant("plain", resolve_model("fake:plain"))), judge, "t",
                        ratings=RatingConfig(bootstrap=0))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        result = _run(store, config)
        stored = store.all_answers("thinker")
    assert result.judging.stripped == 10 and not any("private plan" in p for p in seen.prompts)
    assert all(a["turns"][0].startswith("<think>") for a in stored)  # the store keeps the full answer


def test_export_builds_flywheel_rows_from_a_store(tmp_path):
    store_path = tmp_path / "arena.sqlite"
    with ArenaStore(store_path) as store:
        _run(store, _config([("target", "fake:weak"), ("teacher", "fake:strong")]))
    runner = CliRunner()
    for what in ("sft", "dpo", "reward"):
        out = tmp_path / f"{what}.jsonl"
        done = runner.invoke(cli, ["export", str(store_path), "--what", what, "--target", "target", "--gap", "0.1",
                                   "--out", str(out)])
        assert done.exit_code == 0, done.output
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert rows and all(r["prompt_id"] in {p["id"] for p in PROMPTS} for r in rows)
    missing = runner.invoke(cli, ["export", str(store_path), "--what", "sft", "--out", str(tmp_path / "x.jsonl")])
    assert missing.exit_code == 2 and "--target" in missing.output


def test_preflight_names_the_missing_extra_before_the_store_exists(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a))
    testset = tmp_path / "prompts.jsonl"
    testset.write_text(json.dumps(PROMPTS[0]) + "\n")
    result = _eval("--model", "vllm:org/model?tensor_parallel_size=2", "--model", "b=fake:b", "--judge", "fake:j",
                   "--testset", testset, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "wizardarena[vllm]" in result.output
    assert not (tmp_path / "out").exists()
    bad = _eval("--model", "hf:org/model?dtpye=bfloat16", "--model", "b=fake:b", "--judge", "fake:j",
                "--testset", testset, "--out", tmp_path / "out")
    assert bad.exit_code == 2 and "did you mean 'dtype'" in bad.output and not (tmp_path / "out").exists()


def test_a_system_prompt_and_generation_settings_reach_the_model(tmp_path):
    class Recorder:
        spec = "recorder"

        def __init__(self):
            self.seen = []

        def generate(self, requests, decoding):
            self.seen += [(r.messages[0], decoding.max_new_tokens) for r in requests]
            return ["ok" for _ in requests]

    from wizardarena.refs import ModelRef

    recorder = Recorder()
    spec_ref = resolve_model("fake:x?system=Be brief.&max_new_tokens=7")
    ref = ModelRef("test", "recorder", generation=spec_ref.generation, instance=recorder)
    config = EvalConfig((Contestant("r", ref), Contestant("o", resolve_model("fake:o"))),
                        resolve_judge("fake:judge", LOGPROB), "t", ratings=RatingConfig(bootstrap=0))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        _run(store, config)
    assert recorder.seen and all(m == {"role": "system", "content": "Be brief."} and n == 7 for m, n in recorder.seen)


def test_run_json_and_every_judgment_carry_provenance(tmp_path):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS[:2]))
    out = tmp_path / "out"
    done = _eval("--model", "a=fake:a", "--model", "b=fake:b", "--judge", "fake:judge", "--judge-mode", "logprob",
                 "--testset", testset, "--out", out, "--bootstrap", "5")
    assert done.exit_code == 0, done.output
    run = json.loads((out / "run.json").read_text())
    provenance = run["judge_provenance"]
    assert provenance["id"] == run["judge"] and provenance["template_digest"] and provenance["versions"]["wizardarena"]
    assert run["contestants"]["a"]["spec"] == "fake:a"
    judgments = [json.loads(line) for line in (out / "judgments.jsonl").read_text().splitlines()]
    assert all(j["judge"] == run["judge"] and j["parse"] == "ok" for j in judgments)
    page = tmp_path / "board.md"
    shown = CliRunner().invoke(cli, ["leaderboard", "render", str(out / "ratings.jsonl"), "--format", "md",
                                     "--out", str(page)])
    assert shown.exit_code == 0, shown.output
    text = page.read_text()
    assert "Judge settings" in text and provenance["template_digest"] in text
