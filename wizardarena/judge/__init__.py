"""The judge stage: templates (package data), verdict parsing, and the pairwise judge."""

from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.pairwise import Game, PairwiseJudge

__all__ = ["Game", "JudgeConfig", "PairwiseJudge"]
