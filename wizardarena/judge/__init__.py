"""The judge stage: templates (package data), verdict parsing, the pairwise LLM judge and the offline
similarity judge."""

from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.factory import judge_key, make_judge
from wizardarena.judge.pairwise import Game, PairwiseJudge
from wizardarena.judge.similarity import SimilarityJudge

__all__ = ["Game", "JudgeConfig", "PairwiseJudge", "SimilarityJudge", "judge_key", "make_judge"]
