"""The record contracts of DESIGN.md as typed dicts (scripts outside the project read and write them)."""

from __future__ import annotations

from typing import Iterable, Literal, NamedTuple, TypedDict

WinnerValue = Literal["model_a", "model_b", "tie", "tie (bothbad)"]
WINNER_VALUES: tuple[str, ...] = ("model_a", "model_b", "tie", "tie (bothbad)")


class Prompt(TypedDict):
    """A test-set item: one or more user turns."""

    id: str
    turns: list[str]
    category: str | None
    cluster: int | None
    difficulty: float | None
    source: str


class Answer(TypedDict):
    """One model's replies to a prompt, one per user turn."""

    prompt_id: str
    model: str
    turns: list[str]
    meta: dict


class Judgment(TypedDict):
    """One judge call in one order; ``model_a`` is the model shown first. ``valid`` is False (and the
    scores None) when the reply could not be parsed after the bounded retries; ``raw`` keeps it."""

    prompt_id: str
    model_a: str
    model_b: str
    judge: str
    swapped: bool
    score_a: float | None
    score_b: float | None
    p_a: float | None
    winner: Literal["model_a", "model_b", "tie"] | None
    valid: bool
    raw: str


class Verdict(NamedTuple):
    """What rating needs of a :class:`Judgment`, without the raw reply. The field order is the order
    battles are listed in (prompt, judge, models, swap), so sorting verdicts sorts them that way."""

    prompt_id: str
    judge: str
    model_a: str
    model_b: str
    swapped: bool
    valid: bool
    score_a: float | None
    score_b: float | None

    @classmethod
    def of(cls, judgment: Judgment) -> "Verdict":
        """The verdict part of a full judgment record."""
        j = judgment
        return cls(j["prompt_id"], j["judge"], j["model_a"], j["model_b"], bool(j["swapped"]), bool(j["valid"]),
                   j["score_a"], j["score_b"])


def as_verdicts(judgments: Iterable[Verdict | Judgment]) -> list[Verdict]:
    """``judgments`` as verdicts (verdicts pass through unchanged)."""
    return [j if isinstance(j, tuple) else Verdict.of(j) for j in judgments]


def with_parse_status(judgment: Judgment) -> Judgment:
    """``judgment`` with its ``attempts`` (1 unless stored otherwise) and ``parse`` status, as outputs show it."""
    attempts = int(judgment.get("attempts", 1))
    return {**judgment, "attempts": attempts, "parse": parse_status(bool(judgment["valid"]), attempts)}  # type: ignore


def parse_status(valid: bool, attempts: int) -> str:
    """How a judgment's reply was read: ``ok``, ``ok after N attempts`` or ``invalid after N attempts``.

    >>> parse_status(True, 1), parse_status(False, 3)
    ('ok', 'invalid after 3 attempts')
    """
    plural = "s" * (attempts > 1)
    if valid:
        return "ok" if attempts == 1 else f"ok after {attempts} attempt{plural}"
    return f"invalid after {attempts} attempt{plural}"


class Battle(TypedDict, total=False):
    """One battle in the LMSYS public format; ``model_a``, ``model_b`` and ``winner`` are required."""

    model_a: str
    model_b: str
    winner: WinnerValue
    prompt_id: str
    category: str
    judge: str
    weight: float


class Rating(TypedDict, total=False):
    """One model's rating on the Elo scale (400 / ln 10 per Bradley-Terry unit)."""

    model: str
    rating: float
    lower: float
    upper: float
    n_battles: int
    samples: list[float]
    category: str
    baseline: str
    baseline_win_rate: float
    baseline_lower: float
    baseline_upper: float
