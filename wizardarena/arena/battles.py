"""Judgments -> battles (the LMSYS format), and what the judgments say about the judge itself."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from wizardarena.judge.parse import verdict
from wizardarena.records import Battle, Judgment


def battles_from_judgments(judgments: Iterable[Judgment], combine: str = "separate", tie_margin: float = 0.0,
                           categories: dict[str, str | None] | None = None) -> list[Battle]:
    """Battles from judgments; invalid judgments are never battles (they are counted elsewhere).

    ``separate``: every valid game is a battle. ``average``: one battle per pair and prompt from the
    mean of each model's scores over its valid games. ``consistent``: one battle per pair and prompt;
    two valid games that disagree make a tie. With one valid game, ``average`` and ``consistent`` use it.
    """
    categories = categories or {}
    valid = [j for j in judgments if j["valid"]]
    if combine == "separate":
        return [_battle(j["model_a"], j["model_b"], verdict(j["score_a"], j["score_b"], tie_margin), j, categories)
                for j in sorted(valid, key=_order)]
    games: dict[tuple, list[Judgment]] = defaultdict(list)
    for j in valid:
        first, second = _canonical(j["model_a"], j["model_b"])
        games[(j["prompt_id"], j["judge"], first, second)].append(j)
    out = []
    for (prompt_id, judge, first, second), group in sorted(games.items()):
        scores = [_scores_for(j, first) for j in sorted(group, key=_order)]
        if combine == "average":
            mean_first = sum(s[0] for s in scores) / len(scores)
            mean_second = sum(s[1] for s in scores) / len(scores)
            winner = verdict(mean_first, mean_second, tie_margin)
        else:
            winners = {verdict(a, b, tie_margin) for a, b in scores}
            winner = winners.pop() if len(winners) == 1 else "tie"
        out.append(_battle(first, second, winner, group[0], categories))
    return out


def _canonical(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _order(j: Judgment) -> tuple:
    return (j["prompt_id"], j["judge"], j["model_a"], j["model_b"], j["swapped"])


def _scores_for(j: Judgment, first: str) -> tuple[float, float]:
    return (j["score_a"], j["score_b"]) if j["model_a"] == first else (j["score_b"], j["score_a"])


def _battle(model_a: str, model_b: str, winner: str, j: Judgment, categories: dict) -> Battle:
    battle = Battle(model_a=model_a, model_b=model_b, winner=winner, prompt_id=j["prompt_id"], judge=j["judge"])
    if categories.get(j["prompt_id"]) is not None:
        battle["category"] = categories[j["prompt_id"]]
    return battle


@dataclass(frozen=True)
class JudgeReport:
    """How the judge behaved: invalid replies, ties, position bias and order consistency."""

    judgments: int
    invalid: int
    ties: int
    first_slot_wins: float | None
    consistency: float | None
    invalid_by_model: dict[str, int]


def judge_report(judgments: Sequence[Judgment], tie_margin: float = 0.0) -> JudgeReport:
    """Counts over ``judgments``. ``first_slot_wins``: share of decisive valid games won by the response
    shown first (0.5 is unbiased). ``consistency``: share of pairs judged validly in both orders whose
    two verdicts agree."""
    invalid_by_model: dict[str, int] = defaultdict(int)
    decisive = first_wins = ties = 0
    verdicts: dict[tuple, list[str]] = defaultdict(list)
    for j in judgments:
        if not j["valid"]:
            invalid_by_model[j["model_a"]] += 1
            invalid_by_model[j["model_b"]] += 1
            continue
        result = verdict(j["score_a"], j["score_b"], tie_margin)
        ties += result == "tie"
        if result != "tie":
            decisive += 1
            first_wins += result == "model_a"
        first, second = _canonical(j["model_a"], j["model_b"])
        winner = "tie" if result == "tie" else j[result]
        verdicts[(j["prompt_id"], j["judge"], first, second)].append(winner)
    both = [v for v in verdicts.values() if len(v) == 2]
    return JudgeReport(
        judgments=len(judgments), invalid=sum(not j["valid"] for j in judgments), ties=ties,
        first_slot_wins=first_wins / decisive if decisive else None,
        consistency=sum(v[0] == v[1] for v in both) / len(both) if both else None,
        invalid_by_model=dict(invalid_by_model))
