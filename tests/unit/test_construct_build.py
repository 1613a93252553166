"""Building diverse / hard / mix sets from real prompts with the real embedder and a scripted rater."""

import json

import pytest

from fixtures.construct_data import ScriptedModel, rating_from_text
from wizardarena.construct.build import BuildConfig, build_testsets, write_build
from wizardarena.construct.clean import CleaningConfig
from wizardarena.construct.difficulty import DifficultyRater
from wizardarena.construct.pool import read_pool
from wizardarena.errors import InputError

RATER = "scripted:rater"


@pytest.fixture
def pool(shared_data):
    paths = [shared_data / "prompts" / name / "question.jsonl" for name in ("vicuna-bench", "mt-bench")]
    prompts = read_pool(paths).prompts
    return prompts[:60] + prompts[80:110]


def _config(**changes):
    return BuildConfig(**{"name": "t", "clusters": 6, "per_cluster": 2, "hard_pool": 4, "hard_keep": 8,
                          "rater": RATER, **changes})


def _rater(script=rating_from_text):
    return DifficultyRater(ScriptedModel(script, spec=RATER))


def test_same_seed_same_sets_other_seed_different(pool, minilm):
    first = build_testsets(pool, _config(), minilm, _rater())
    again = build_testsets(pool, _config(), minilm, _rater())
    assert (first.diverse, first.hard, first.mix, first.report) == (again.diverse, again.hard, again.mix, again.report)
    other = build_testsets(pool, _config(seed=1), minilm, _rater())
    assert [p["id"] for p in other.diverse] != [p["id"] for p in first.diverse]
    assert other.report["parameters"]["seed"] == 1


def test_outputs_follow_the_paper_recipe_and_carry_source_cluster_difficulty(pool, minilm):
    rater = _rater()
    result = build_testsets(pool, _config(), minilm, rater)
    assert result.report["clusters"]["k"] == 6 and result.report["clusters"]["algorithm"] == "KMeans"
    clusters = [p["cluster"] for p in result.diverse]
    assert sorted(clusters) == [c for c in range(6) for _ in range(2)]  # n = 2 per cluster
    assert all(isinstance(p["cluster"], int) and p["source"] in ("vicuna-bench", "mt-bench") for p in result.mix)
    report = result.report["difficulty"]
    assert (report["pool"], report["rater_calls"], report["invalid"]) == (24, 24, 0)  # m = 4 per cluster
    (rated_ids, _), = rater.model.batches
    by_id = {p["id"]: p for p in pool}
    scores = dict(zip(rated_ids, rater.rate([by_id[i] for i in rated_ids]).scores))  # from the cache
    hard_scores = sorted((p["difficulty"] for p in result.hard), reverse=True)
    assert hard_scores == sorted(scores.values(), reverse=True)[:8]  # h = 8: the top of the rated pool
    assert {p["id"]: p["difficulty"] for p in result.mix} == {p["id"]: scores.get(p["id"]) for p in result.mix}
    assert len(result.mix) == len({p["id"] for p in result.diverse} | {p["id"] for p in result.hard})


def test_invalid_ratings_stay_null_and_fill_hard_only_when_nothing_better(pool, minilm):
    def mostly_garbage(request):
        return rating_from_text(request) if len(request.messages[0]["content"]) % 4 == 0 else "no idea"

    result = build_testsets(pool, _config(hard_keep=20, min_valid_ratings=0), minilm, _rater(mostly_garbage))
    report = result.report["difficulty"]
    assert 0 < report["invalid"] < report["pool"] and report["rater_calls"] == 24 + 2 * report["retried"]
    valid = report["pool"] - report["invalid"]
    assert report["unrated_kept_in_hard"] == 20 - valid
    assert sum(p["difficulty"] is None for p in result.hard) == 20 - valid


def test_upstream_mode_takes_hard_prompts_from_the_named_sources_without_rating(pool, minilm, tmp_path):
    config = _config(rater=None, upstream_hard=("mt-bench",), hard_keep=10)
    result = build_testsets(pool, config, minilm)
    assert len(result.hard) == 10 and {p["source"] for p in result.hard} == {"mt-bench"}
    assert all(p["difficulty"] is None for p in result.mix)
    assert result.report["difficulty"]["method"] == "upstream:mt-bench"
    assert result.report["parameters"]["difficulty_method"] == "upstream:mt-bench"
    written = write_build(result, tmp_path / "out")
    assert [p.name for p in written] == ["t-diverse.jsonl", "t-hard.jsonl", "t-mix.jsonl", "t-cleaning-drops.jsonl",
                                         "build_report.json"]
    hard = [json.loads(line) for line in (tmp_path / "out" / "t-hard.jsonl").read_text().splitlines()]
    assert hard == result.hard and set(hard[0]) == {"id", "turns", "category", "cluster", "difficulty", "source"}
    with pytest.raises(InputError, match="not in the cleaned pool"):
        build_testsets(pool, _config(rater=None, upstream_hard=("arena-hard",)), minilm)


class _NoEmbedder:
    name = "all-MiniLM-L6-v2"

    def embed(self, texts):
        raise AssertionError("embedding must not start")


@pytest.mark.parametrize("changes, message", [
    ({"rater": None}, "exactly one"), ({"upstream_hard": ("x",)}, "exactly one"),
    ({"clusters": 0}, ">= 1"), ({"name": "a/b"}, "name"),
])
def test_bad_configs_fail_in_post_init(changes, message):
    with pytest.raises(InputError, match=message):
        _config(**changes)


def test_bad_builds_fail_before_embedding(pool):
    with pytest.raises(InputError, match="pass that rater"):
        build_testsets(pool, _config(), _NoEmbedder())
    with pytest.raises(InputError, match="no prompts are left after cleaning"):
        tiny = CleaningConfig(min_chars=10**6, max_chars=10**6)
        build_testsets(pool[:1], _config(cleaning=tiny), _NoEmbedder(), _rater())
    with pytest.raises(InputError, match="the embedder is"):
        build_testsets(pool, _config(embedder="other"), _NoEmbedder(), _rater())
