"""The judge stage: templates (package data), verdict parsing, the pairwise LLM judge and the offline
similarity judge, behind the :class:`Judge` protocol. Judges are built from a judge reference
(:class:`wizardarena.refs.JudgeRef`), never from a spec string."""

from wizardarena.judge.base import Game, Judge
from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.pairwise import PairwiseJudge
from wizardarena.judge.similarity import SimilarityJudge

__all__ = ["Game", "Judge", "JudgeConfig", "PairwiseJudge", "SimilarityJudge"]
