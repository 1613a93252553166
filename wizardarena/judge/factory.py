"""Judge specs -> judges: ``similarity:ANSWERS`` is the offline reference-guided judge; any model spec
(``hf:``, ``vllm:``, ``openai:``, ...) is an LLM asked by the pairwise judge."""

from __future__ import annotations

from typing import Callable

from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.pairwise import PairwiseJudge
from wizardarena.judge.similarity import (EMBEDDER_MAX_TOKENS, SimilarityJudge, reference_spec,
                                         similarity_key)


def make_judge(spec: str, config: JudgeConfig, load_model: Callable[[str], object]):
    """The judge named by ``spec``; ``load_model(spec)`` builds backends (the judge model, or the
    similarity judge's reference answers)."""
    reference = reference_spec(spec)
    if reference is not None:
        from wizardarena.embeddings import SentenceEmbedder, default_cache_path

        embedder = SentenceEmbedder(cache=default_cache_path(), max_seq_length=EMBEDDER_MAX_TOKENS)
        return SimilarityJudge(spec, load_model(reference), embedder)
    return PairwiseJudge(load_model(spec), config)


def judge_key(spec: str, config: JudgeConfig) -> str:
    """The part of every judgment's cache key that the judge's settings contribute."""
    return similarity_key() if reference_spec(spec) is not None else config.key()
