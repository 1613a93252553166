"""Cleaning on real prompts with planted duplicates: exact, prefix and near duplicates are found (the first
copy is kept), unrelated prompts survive, and MinHash estimates track the true Jaccard similarity."""

import numpy as np
import pytest

from wizardarena.construct.clean import CleaningConfig, clean_pool, drop_near_duplicates, filter_language, filter_length
from wizardarena.construct.minhash import MinHasher, choose_bands
from wizardarena.construct.pool import read_pool
from wizardarena.construct.text import normalise
from wizardarena.errors import InputError


def _prompt(ident, text, source="planted"):
    return {"id": ident, "turns": [text], "category": None, "cluster": None, "difficulty": None, "source": source}


def _change_chars(text, positions):
    chars = list(text)
    for position in positions:
        chars[position] = "#" if chars[position] != "#" else "%"
    return "".join(chars)


@pytest.fixture
def real_pool(shared_data):
    """Arena-Hard v0.1 (no duplicates among them) followed by planted copies of some of them."""
    prompts = read_pool([shared_data / "prompts" / "arena-hard-v0.1" / "question.jsonl"]).prompts[:120]
    long_ones = [p for p in prompts if len(p["turns"][0]) > 600][:2]
    mid = [p for p in prompts if 150 < len(p["turns"][0]) < 400][:1]
    exact = _prompt("exact-copy", "  " + prompts[3]["turns"][0].upper().replace(" ", " \n "))
    prefix = _prompt("prefix-copy", mid[0]["turns"][0][:110] + " Answer in French, please.")
    near = [_prompt(f"near-copy-{k}", _change_chars(p["turns"][0], [40, 260, 330])) for k, p in enumerate(long_ones)]
    planted = {"exact-copy": prompts[3]["id"], "prefix-copy": mid[0]["id"],
               **{f"near-copy-{k}": p["id"] for k, p in enumerate(long_ones)}}
    return prompts + [exact, prefix, *near], planted


def test_planted_exact_prefix_and_near_duplicates_are_dropped_and_nothing_else(real_pool):
    pool, planted = real_pool
    kept, steps = clean_pool(pool)
    drops = {drop.id: (step.name, drop.match_id) for step in steps for drop in step.dropped}
    assert drops == {"exact-copy": ("exact", planted["exact-copy"]), "prefix-copy": ("prefix", planted["prefix-copy"]),
                     "near-copy-0": ("near-duplicate", planted["near-copy-0"]),
                     "near-copy-1": ("near-duplicate", planted["near-copy-1"])}
    assert [p["id"] for p in kept] == [p["id"] for p in pool[:120]]
    assert [s.counts()["dropped"] for s in steps] == [0, 1, 1, 2]
    assert clean_pool(pool)[0] == kept  # deterministic


def test_steps_can_be_switched_off_and_thresholds_matter(real_pool):
    pool, _ = real_pool
    kept, steps = clean_pool(pool, CleaningConfig(prefix_chars=0, near_duplicate_threshold=None))
    assert [s.name for s in steps] == ["length", "exact"] and len(kept) == len(pool) - 1
    strict = drop_near_duplicates([p for p in pool if p["id"] != "exact-copy"], threshold=0.99)
    assert not strict.dropped
    lengths = filter_length(pool, 100, 1000)
    assert all(100 <= len(p["turns"][0].strip()) <= 1000 for p in lengths.kept)
    assert {d.reason for d in lengths.dropped} == {"too short", "too long"}


def test_the_real_vicuna_and_mt_bench_overlap_is_found_by_prefix(shared_data):
    paths = [shared_data / "prompts" / name / "question.jsonl" for name in ("vicuna-bench", "mt-bench")]
    kept, steps = clean_pool(read_pool(paths).prompts)
    prefix = next(s for s in steps if s.name == "prefix")
    assert ("130", "67") in {(d.id, d.match_id) for d in prefix.dropped}  # mt-bench 130 repeats vicuna 67


def test_language_filter_keeps_english_like_text_only():
    prompts = [_prompt("en", "How do I reverse a linked list in C?"), _prompt("zh", "如何在C语言中反转链表？"),
               _prompt("ru", "Как развернуть связный список на C?"), _prompt("math", "2 + 2 = ?"),
               _prompt("fr", "Écris un poème très élégant à propos de l'été à Paris.")]
    step = filter_language(prompts)
    assert [p["id"] for p in step.kept] == ["en", "math"]
    assert [d.id for d in step.dropped] == ["zh", "ru", "fr"]
    assert "language" not in [s.name for s in clean_pool(prompts)[1]]  # off by default


def test_minhash_estimates_jaccard_and_is_seeded(shared_data):
    texts = [p["turns"][0] for p in read_pool([shared_data / "prompts" / "arena-hard-v0.1" / "question.jsonl"]).prompts
             if len(p["turns"][0]) > 300][:20]
    hasher = MinHasher(num_perm=256)
    variants = [_change_chars(t, range(50, 300, 40)) for t in texts]
    signatures = hasher.signatures(texts + variants)
    for k, (text, variant) in enumerate(zip(texts, variants)):
        a, b = (set(hasher.shingle_hashes(x).tolist()) for x in (text, variant))
        estimate = float(np.mean(signatures[k] == signatures[len(texts) + k]))
        assert abs(estimate - len(a & b) / len(a | b)) < 0.12
    assert not np.array_equal(MinHasher(seed=1).signatures(texts), MinHasher(seed=0).signatures(texts))
    assert np.array_equal(MinHasher(seed=1).signatures(texts), MinHasher(seed=1).signatures(texts))
    assert normalise("A \n\t b") == "a b" and choose_bands(128, 0.8) == (18, 7)


def test_bad_thresholds_are_input_errors():
    with pytest.raises(InputError, match="near-duplicate threshold"):
        CleaningConfig(near_duplicate_threshold=1.5)
    with pytest.raises(InputError, match="min chars"):
        CleaningConfig(min_chars=50, max_chars=10)
