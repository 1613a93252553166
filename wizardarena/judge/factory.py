"""Judge specs -> judges: ``similarity:ANSWERS`` is the offline reference-guided judge; any model spec
(``hf:``, ``vllm:``, ``openai:``, ...) is an LLM asked by the pairwise judge."""

from __future__ import annotations

from typing import Callable

from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.pairwise import PairwiseJudge
from wizardarena.judge.similarity import SimilarityJudge, reference_spec


def make_judge(spec: str, config: JudgeConfig, load_model: Callable[[str], object]):
    """The judge named by ``spec``; ``load_model(spec)`` builds backends (the judge model, or the
    similarity judge's reference answers)."""
    reference = reference_spec(spec)
    if reference is not None:
        from wizardarena.embeddings import SentenceEmbedder, default_cache_path

        return SimilarityJudge(spec, load_model(reference), SentenceEmbedder(cache=default_cache_path()))
    return PairwiseJudge(load_model(spec), config)
