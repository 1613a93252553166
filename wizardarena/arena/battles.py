"""Judgments -> battles (the LMSYS format): where the run's tie rule and combine rule meet the verdicts.

It works on :class:`Verdict` tuples (full judgment dicts are accepted and reduced to them): at hundreds
of thousands of games, tuples sorted and unpacked in C are several times cheaper than dicts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from wizardarena.judge.parse import verdict
from wizardarena.judge.protocols import STRONG_GAP
from wizardarena.records import Battle, Judgment, Verdict, as_verdicts
from wizardarena.tables import Columns

BATTLE_COLUMNS = ("model_a", "model_b", "winner", "prompt_id", "judge", "category")
STYLE_COLUMNS = ("style_a", "style_b")  # added by wizardarena.arena.styles.add_battle_styles


def battle_columns(judgments: Iterable[Verdict | Judgment], combine: str = "separate", tie_margin: float = 0.0,
                   categories: Mapping[str, str | None] | None = None, strong_weight: int = 1) -> Columns:
    """Battles as columns (:data:`BATTLE_COLUMNS`), ordered by prompt, judge and models; invalid
    judgments are never battles (they are counted by :func:`judge_report`).

    ``separate``: every valid game is a battle. ``average``: one battle per pair and prompt from the
    mean of each model's scores over its valid games. ``consistent``: one battle per pair and prompt;
    two valid games that disagree make a tie. With one valid game, ``average`` and ``consistent`` use it.
    ``strong_weight`` > 1 (arena-hard's strong verdicts, see ``JudgeConfig.strong_repeats``): a battle
    whose score gap (the mean gap, when games combine) is at least the strong gap appears that many times,
    as Arena-Hard's own arithmetic repeats such rows.
    """
    valid = sorted(v for v in as_verdicts(judgments) if v.valid)  # no None scores left to compare
    if combine == "separate":
        rows = [(a, b, verdict(sa, sb, tie_margin), p, j) for p, j, a, b, _, _, sa, sb in valid]
        if strong_weight > 1:
            gaps = [abs(sa - sb) for *_, sa, sb in valid]
            rows = [row for row, gap in zip(rows, gaps) for _ in range(strong_weight if gap >= STRONG_GAP else 1)]
    else:
        games: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
        for p, j, a, b, _, _, sa, sb in valid:
            if a < b:
                games[(p, j, a, b)].append((sa, sb))
            else:
                games[(p, j, b, a)].append((sb, sa))
        rows = [(a, b, _combined(scores, combine, tie_margin), p, j)
                for (p, j, a, b), scores in games.items()
                for _ in range(strong_weight if _strong(scores, combine, tie_margin, strong_weight) else 1)]
        rows.sort(key=lambda row: (row[3], row[4], row[0], row[1]))
    columns: Columns = {name: list(values) for name, values in zip(BATTLE_COLUMNS, zip(*rows))} if rows \
        else {name: [] for name in BATTLE_COLUMNS[:5]}
    categories = categories or {}
    columns["category"] = [categories.get(p) for p in columns["prompt_id"]]
    return columns


def _combined(scores: list[tuple[float, float]], combine: str, tie_margin: float) -> str:
    if combine == "average":
        return verdict(sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores), tie_margin)
    winners = {verdict(a, b, tie_margin) for a, b in scores}
    return winners.pop() if len(winners) == 1 else "tie"


def _strong(scores: list[tuple[float, float]], combine: str, tie_margin: float, strong_weight: int) -> bool:
    """Whether a combined battle is strong: its mean gap reaches the strong gap (and, for ``consistent``,
    its games agree)."""
    if strong_weight <= 1:
        return False
    gap = abs(sum(a - b for a, b in scores)) / len(scores)
    return gap >= STRONG_GAP and _combined(scores, combine, tie_margin) != "tie"


def battle_rows(columns: Columns) -> list[Battle]:
    """Battle records from :func:`battle_columns` (a missing category is left out, not null), with
    ``style_a``/``style_b`` when the columns have them (:func:`~wizardarena.arena.styles.add_battle_styles`)."""
    names = [name for name in (*BATTLE_COLUMNS, *STYLE_COLUMNS) if name in columns]
    rows = [dict(zip(names, values)) for values in zip(*(columns[name] for name in names))]
    for row in rows:
        if row.get("category", "") is None:
            del row["category"]
    return rows


def battles_from_judgments(judgments: Iterable[Verdict | Judgment], combine: str = "separate",
                           tie_margin: float = 0.0, categories: Mapping[str, str | None] | None = None,
                           strong_weight: int = 1) -> list[Battle]:
    """Battle records from judgments; see :func:`battle_columns` for ``combine`` and ``strong_weight``."""
    return battle_rows(battle_columns(judgments, combine, tie_margin, categories, strong_weight))
