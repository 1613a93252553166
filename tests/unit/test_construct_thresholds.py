"""The guards a small or badly rated pool meets: k capped to the pool, a build failing on too few valid
ratings (and forgetting them, so that a fixed rater is asked again), decontamination's min-similarity."""

import json
from dataclasses import replace

import pytest

from fixtures.construct_data import ScriptedModel, rating_from_text, shared_rows
from wizardarena.construct.build import BuildConfig, build_testsets
from wizardarena.construct.cluster import capped_clusters
from wizardarena.construct.decontaminate import DecontaminationConfig
from wizardarena.construct.difficulty import DifficultyRater
from wizardarena.construct.pool import pool_prompts
from wizardarena.errors import InputError


@pytest.mark.parametrize("requested, prompts, k", [(500, 151, 15), (500, 9, 1), (50, 1402, 50), (151, 151, 151)])
def test_k_above_the_pool_becomes_a_tenth_of_it(requested, prompts, k):
    used, message = capped_clusters(requested, prompts)
    assert used == k
    assert (message is None) == (requested <= prompts)
    if message:
        assert message.startswith(f"k={requested} > {prompts} prompts: using k={k}")


def _half_garbage(request):
    reply = rating_from_text(request)
    return reply if int(reply.rsplit(" ", 1)[1]) % 2 == 0 else "I would rather not say."


def test_too_few_valid_ratings_fail_and_are_forgotten(shared_data, minilm, tmp_path):
    pool = pool_prompts(shared_rows(shared_data, "vicuna-bench", 40), "vicuna", "vicuna")
    cache = tmp_path / "ratings.jsonl"
    config = BuildConfig(name="t", clusters=4, hard_pool=5, hard_keep=5, rater="scripted:rater")
    rater = DifficultyRater(ScriptedModel(_half_garbage), cache=cache, max_retries=0)
    with pytest.raises(InputError, match=r"only \d+ of 20 difficulty ratings by scripted:rater are valid") as failed:
        build_testsets(pool, config, minilm, rater)
    assert "one reply: 'I would rather not say.'" in str(failed.value)
    entries = [json.loads(line) for line in cache.read_text().splitlines()]
    valid = int(str(failed.value).split("only ")[1].split(" ")[0])
    assert len(entries) == valid and all(entry["valid"] for entry in entries)  # the invalid ones forgotten
    lenient = DifficultyRater(ScriptedModel(_half_garbage), cache=cache, max_retries=0)
    result = build_testsets(pool, replace(config, min_valid_ratings=0.3), minilm, lenient)
    assert result.report["difficulty"]["cached"] == valid and result.report["difficulty"]["rater_calls"] == 20 - valid


def test_a_fully_invalid_run_leaves_no_cache_file(shared_data, tmp_path):
    prompts = pool_prompts(shared_rows(shared_data, "mt-bench", 3), "mt-bench", "mt-bench")
    cache = tmp_path / "ratings.jsonl"
    rater = DifficultyRater(ScriptedModel(lambda request: "no idea"), cache=cache, max_retries=0)
    assert rater.rate(prompts).example_invalid == "no idea"
    rater.forget_invalid(prompts)
    assert not cache.exists() and rater.rate(prompts).calls == 3


@pytest.mark.parametrize("value", [-1.5, 1.01])
def test_min_similarity_is_a_cosine(value):
    with pytest.raises(InputError, match="min-similarity"):
        DecontaminationConfig(min_similarity=value)
