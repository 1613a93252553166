"""Ratings: Bradley-Terry Elo with batched bootstrap CIs, online Elo, style control, win matrices."""

from wizardarena.ratings.compute import RatingResult, compute_ratings, ratings_by
from wizardarena.ratings.config import ELO_PER_BT_UNIT, RatingConfig, parse_anchor

__all__ = ["ELO_PER_BT_UNIT", "RatingConfig", "RatingResult", "compute_ratings", "parse_anchor", "ratings_by"]
