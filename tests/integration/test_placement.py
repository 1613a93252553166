"""Placing candidates among references: the references' own games are judged once per judge and spread
the references by their own battles; the adaptive schedule stops on its rule, resumes for free and
spends less than the full design."""

import zlib

import pytest

from wizardarena.arena import work
from wizardarena.arena.adaptive import AdaptiveConfig
from wizardarena.arena.pipeline import EvalConfig, make_plan, run_eval
from wizardarena.judge import JudgeConfig
from wizardarena.ratings import RatingConfig
from wizardarena.refs import Contestant, JudgeRef, ModelRef
from wizardarena.store import ArenaStore, make_owner

STRENGTH = {"r1": 800.0, "r2": 950.0, "r3": 1050.0, "r4": 1200.0, "mine": 1000.0, "other": 1100.0,
            "best": 1350.0, "worst": 700.0}
PROMPTS = [{"id": f"q{k:03d}", "turns": [f"Question {k}?"], "category": "math" if k % 2 else "code",
            "cluster": None, "difficulty": None, "source": "test"} for k in range(40)]


class StrengthJudge:
    """A text-mode judge that knows each fake model's strength (its answers start with ``[NAME]``) and
    lets the stronger answer win with the Bradley-Terry probability, decided by a hash of the request."""

    spec = "test:strength-judge"

    def generate(self, requests, decoding):
        replies = []
        for request in requests:
            text = request.messages[-1]["content"]
            shown = sorted((text.index(f"[{name}]"), name) for name in STRENGTH if f"[{name}]" in text)
            first, second = shown[0][1], shown[-1][1]
            p_first = 1.0 / (1.0 + 10.0 ** ((STRENGTH[second] - STRENGTH[first]) / 400.0))
            won = zlib.crc32(text.encode("utf-8")) / 2**32 < p_first
            replies.append(f"Fine.\nScore A: {8 if won else 5}\nScore B: {5 if won else 8}")
        return replies


JUDGE = JudgeRef(ModelRef("test", "strength-judge", instance=StrengthJudge()), JudgeConfig(mode="text"))
REFERENCES = tuple(Contestant(name, f"fake:{name}") for name in ("r1", "r2", "r3", "r4"))


def _config(*candidates, **options):
    return EvalConfig(candidates=tuple(Contestant(n, f"fake:{n}") for n in candidates), opponents=REFERENCES,
                      judge=JUDGE, testset="t", ratings=RatingConfig(bootstrap=50, unit="prompt"), **options)


def _run(store, config):
    return run_eval(config, store, make_owner(), testset=("t", PROMPTS))


def test_references_are_spread_by_their_own_games_and_judged_once(tmp_path):
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        first = _run(store, _config("mine"))
        ratings = {r["model"]: r for r in first.ratings.records()}
        order = sorted(("r1", "r2", "r3", "r4"), key=lambda name: -ratings[name]["rating"])
        assert order == ["r4", "r3", "r2", "r1"]
        assert len({round(ratings[name]["rating"], 3) for name in order}) == 4
        per_model = 2 * len(PROMPTS)
        assert all(ratings[name]["n_battles"] == 4 * per_model for name in order)  # 3 references + mine
        assert ratings["mine"]["n_battles"] == 4 * per_model
        assert first.judging.calls == (6 + 4) * per_model  # the references' round robin + mine's games

        second = _run(store, _config("other"))
        assert second.judging.calls == 4 * per_model  # only other's games: 0 reference-vs-reference calls
        again = {r["model"]: r["rating"] for r in second.ratings.records()}
        assert sorted(("r1", "r2", "r3", "r4"), key=lambda name: -again[name]) == order


def test_adaptive_placement_stops_on_its_ci_and_resumes_identically(tmp_path):
    config = _config("mine", schedule="adaptive", adaptive=AdaptiveConfig(target_ci=90, seed=3))
    full_design = 4 * 2 * len(PROMPTS)
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        assert make_plan(config, store, ("t", PROMPTS), write=False).placement.expected is None
        first = _run(store, config)
        placed = first.placement
        assert placed.full_design == full_design and 0 < placed.judgments < full_design
        assert "CI half-width" in placed.stop
        mine = next(r for r in first.ratings.records() if r["model"] == "mine")
        assert (mine["upper"] - mine["lower"]) / 2 <= 90 + 1e-9
        assert first.judging.calls == 6 * 2 * len(PROMPTS) + placed.judgments
        planned = make_plan(config, store, ("t", PROMPTS), write=False).placement
        assert planned.most == full_design and 0 < planned.expected <= full_design

        rerun = _run(store, config)  # the schedule replays from the store: same games, no calls
        assert rerun.judging.calls == 0 and rerun.placement == placed
        assert rerun.ratings.records() == first.ratings.records()


def test_adaptive_budget_caps_the_calls(tmp_path):
    config = _config("mine", schedule="adaptive", adaptive=AdaptiveConfig(target_ci=1, max_judgments=40))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        placed = _run(store, config).placement
    assert placed.judgments <= 40 and "budget" in placed.stop


def test_adaptive_race_decides_the_best_candidate_early(tmp_path):
    config = _config("best", "worst", "mine", schedule="adaptive", adaptive=AdaptiveConfig(target_ci=1))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        result = _run(store, config)
    placed = result.placement
    assert "best is the best" in placed.stop
    assert placed.judgments < placed.full_design / 2
    assert "worst" in placed.left_race or "P(best)" in placed.stop


@pytest.mark.parametrize("options, message", [
    ({"schedule": "adaptive", "opponents": REFERENCES[:1], "candidates": ()}, "at least one --model"),
    ({"schedule": "adaptive", "opponents": (), "candidates": REFERENCES[:2]}, "among --opponents"),
    ({"schedule": "adaptive", "ratings": RatingConfig(bootstrap=0)}, "--bootstrap"),
    ({"schedule": "sometimes"}, "full or adaptive"),
])
def test_adaptive_refuses_what_it_cannot_do(options, message):
    from wizardarena.errors import InputError

    base = {"candidates": (Contestant("mine", "fake:mine"),), "opponents": REFERENCES, "judge": JUDGE,
            "testset": "t"}
    with pytest.raises(InputError, match=message):
        EvalConfig(**{**base, **options})


def test_a_sampled_reference_arena_costs_its_share_and_keeps_its_games_when_references_join(tmp_path):
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        first = _run(store, _config("mine", reference_prompts=10))
        assert first.judging.calls == 6 * 10 * 2 + 4 * 2 * len(PROMPTS)  # 6 reference pairs on 10 prompts each
        ratings = {r["model"]: r["rating"] for r in first.ratings.records()}
        assert ratings["r4"] > ratings["r1"]
        grown = EvalConfig(candidates=(Contestant("mine", "fake:mine"),),
                           opponents=(*REFERENCES, Contestant("other", "fake:other")), judge=JUDGE, testset="t",
                           ratings=RatingConfig(bootstrap=20, unit="prompt"), reference_prompts=10)
        assert _run(store, grown).judging.calls == 4 * 10 * 2 + 2 * len(PROMPTS)  # only other's new games


def test_the_schedule_doctests_hold():
    import doctest

    from wizardarena.arena import choosing, schedule
    from wizardarena.ratings import simulation

    for module in (choosing, schedule, simulation):
        assert doctest.testmod(module).failed == 0


class CrashingJudge(StrengthJudge):
    """The same verdicts, but the process "dies" at the given judge call."""

    def __init__(self, crash_at: int):
        self.left = crash_at

    def generate(self, requests, decoding):
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().generate(requests, decoding)


@pytest.mark.parametrize("crash_at", [3, 34, 40])  # in the references' games, in the first and a later round
def test_an_interrupted_adaptive_run_resumes_to_the_same_placement(tmp_path, crash_at, monkeypatch):
    monkeypatch.setattr(work, "MAX_WINDOW", 1)  # the crash points count judge calls of chunk-sized batches
    adaptive = AdaptiveConfig(target_ci=60, seed=1)
    with ArenaStore(tmp_path / "clean.sqlite") as store:
        clean = _run(store, _config("mine", "other", schedule="adaptive", adaptive=adaptive))
    crashing = JudgeRef(ModelRef("test", "strength-judge", instance=CrashingJudge(crash_at)), JudgeConfig(mode="text"))
    assert crashing.id == JUDGE.id
    config = EvalConfig(candidates=(Contestant("mine", "fake:mine"), Contestant("other", "fake:other")),
                        opponents=REFERENCES, judge=crashing, testset="t", chunk=16, schedule="adaptive",
                        adaptive=adaptive, ratings=RatingConfig(bootstrap=50, unit="prompt"))
    with ArenaStore(tmp_path / "crashed.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            _run(store, config)
        judged = store.judgment_count()
        assert judged < 6 * 2 * len(PROMPTS) if crash_at == 3 else judged > 6 * 2 * len(PROMPTS)
        resumed = _run(store, _config("mine", "other", schedule="adaptive", adaptive=adaptive))
    assert resumed.placement == clean.placement
    assert resumed.ratings.records() == clean.ratings.records()


def test_adaptive_against_one_opponent_plays_only_the_games_it_chooses(tmp_path):
    """With one opponent there are no reference games: nothing may be planned beside the adaptive rounds."""
    config = EvalConfig(candidates=(Contestant("mine", "fake:mine"),), opponents=REFERENCES[-1:], judge=JUDGE,
                        testset="t", ratings=RatingConfig(bootstrap=50, unit="prompt"), schedule="adaptive",
                        adaptive=AdaptiveConfig(target_ci=200))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        result = _run(store, config)
    assert 0 < result.placement.judgments < result.placement.full_design
    assert result.judging.calls == result.placement.judgments == len(result.plan.planned)


class RecordingJudge(StrengthJudge):
    """The strength judge, noting each request's prompt and the model whose answer it shows first."""

    def __init__(self):
        self.seen = []

    def generate(self, requests, decoding):
        for request in requests:
            text = request.messages[-1]["content"]
            first = min((text.index(f"[{name}]"), name) for name in STRENGTH if f"[{name}]" in text)[1]
            prompt = next(p["id"] for p in PROMPTS if p["turns"][0] in text)
            self.seen.append((prompt, first))
        return super().generate(requests, decoding)


def test_games_go_to_the_judge_grouped_by_prompt_and_first_answer(tmp_path):
    recorder = RecordingJudge()
    judge = JudgeRef(ModelRef("test", "strength-judge", instance=recorder), JudgeConfig(mode="text"))
    config = EvalConfig(candidates=REFERENCES[:3], judge=judge, testset="t", ratings=RatingConfig(bootstrap=0))
    with ArenaStore(tmp_path / "arena.sqlite") as store:
        result = _run(store, config)
    runs = [group for k, group in enumerate(recorder.seen) if k == 0 or recorder.seen[k - 1] != group]
    assert len(runs) == len(set(recorder.seen)) == len(PROMPTS) * 3  # each group sent once, as one run
    assert result.judging.groups == len(PROMPTS) * 3 and result.judging.sent == len(PROMPTS) * 6
