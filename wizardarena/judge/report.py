"""What the judgments say about the judge itself: invalid replies, ties, position bias, order consistency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from wizardarena.judge.parse import verdict
from wizardarena.records import Judgment, Verdict, as_verdicts


@dataclass(frozen=True)
class JudgeReport:
    """How the judge behaved: invalid replies, ties, position bias and order consistency."""

    judgments: int
    invalid: int
    ties: int
    first_slot_wins: float | None
    consistency: float | None
    invalid_by_model: dict[str, int]


def judge_report(judgments: Sequence[Verdict | Judgment], tie_margin: float = 0.0) -> JudgeReport:
    """Counts over ``judgments``. ``first_slot_wins``: share of decisive valid games won by the response
    shown first (0.5 is unbiased). ``consistency``: share of pairs judged validly in both orders whose
    two verdicts agree."""
    invalid_by_model: dict[str, int] = defaultdict(int)
    decisive = first_wins = ties = invalid = 0
    waiting: dict[tuple, str] = {}  # a pair's first valid verdict on a prompt, until its other order comes
    both = agree = 0
    verdicts = as_verdicts(judgments)
    for p, j, a, b, _, valid, sa, sb in verdicts:
        if not valid:
            invalid += 1
            invalid_by_model[a] += 1
            invalid_by_model[b] += 1
            continue
        result = verdict(sa, sb, tie_margin)
        if result == "tie":
            ties += 1
        else:
            decisive += 1
            first_wins += result == "model_a"
        winner = "tie" if result == "tie" else a if result == "model_a" else b
        game = (p, j, a, b) if a < b else (p, j, b, a)
        first = waiting.pop(game, None)  # popped: a million games never sit in the dict at once
        if first is None:
            waiting[game] = winner
        else:
            both += 1
            agree += first == winner
    return JudgeReport(
        judgments=len(verdicts), invalid=invalid, ties=ties,
        first_slot_wins=first_wins / decisive if decisive else None,
        consistency=agree / both if both else None,
        invalid_by_model=dict(invalid_by_model))
