"""Options of the pairwise judge, validated where they are built."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from wizardarena.backends.base import Decoding
from wizardarena.errors import InputError
from wizardarena.judge.protocols import LABELS, PROTOCOLS, TEMPLATES, patterns_digest

DEFAULT_PATTERNS = (r"score\W*a\W*(?:is\W*)?(\d+(?:\.\d+)?)", r"score\W*b\W*(?:is\W*)?(\d+(?:\.\d+)?)")
SCORE_RANGE = (1.0, 10.0)


@dataclass(frozen=True)
class JudgeConfig:
    """How the judge is asked and read.

    ``mode``: ``text`` (the judge explains, then writes "Score A: n" / "Score B: n", parsed with
    ``patterns``, last match wins) or ``logprob`` (two one-token calls read the probability of each score
    1..10; the expected score is used — deterministic). ``max_retries``: re-asks (at
    ``retry_temperature``) for an unparseable reply before it is stored as invalid. ``multi_turn``:
    ``full`` shows each response's replies to every turn, ``last`` only the replies to the last turn.
    ``strip_reasoning``: answers are shown without their ``<think>…</think>`` traces.

    ``protocol``: ``paper`` (the two scores above), ``arena-hard`` (the judge answers the prompt itself, then
    ends with a five-level verdict such as ``[[A>>B]]``; text mode only) or ``alpaca-eval`` (a preference
    read from the log-probabilities of the labels A and B, one call per game, whatever ``mode`` says). It
    picks the shipped template and how replies are read (:mod:`wizardarena.judge.protocols`).

    ``tie_margin`` and ``combine`` are the run's battle rules, not the judge's: they never change a
    stored verdict (so they are not part of the judge's id), only how every view reads it. ``tie_margin``:
    score gaps up to it are ties. ``combine``: how the two position-swapped games of a pair become
    battles — ``separate`` (two battles, the default), ``average`` (mean scores, one battle) or
    ``consistent`` (one battle; games that disagree make a tie). ``strong_weight``: an arena-hard strong
    verdict (``A>>B``) counts as that many battles (Arena-Hard's 3); other protocols have no strong verdicts.
    """

    mode: Literal["text", "logprob"] = "text"
    template: str | None = None
    patterns: tuple[str, str] = DEFAULT_PATTERNS
    max_retries: int = 2
    retry_temperature: float = 0.7
    multi_turn: Literal["full", "last"] = "full"
    tie_margin: float = 0.0
    combine: Literal["separate", "average", "consistent"] = "separate"
    decoding: Decoding = field(default_factory=lambda: Decoding(temperature=0.0, max_new_tokens=512))
    strip_reasoning: bool = True
    protocol: Literal["paper", "arena-hard", "alpaca-eval"] = "paper"
    strong_weight: int = 3

    def __post_init__(self) -> None:
        checks = {
            "judge mode must be text or logprob": self.mode in ("text", "logprob"),
            "judge retries must be between 0 and 10": 0 <= self.max_retries <= 10,
            "multi-turn protocol must be full or last": self.multi_turn in ("full", "last"),
            "tie margin must be >= 0": self.tie_margin >= 0,
            "combine must be separate, average or consistent": self.combine in ("separate", "average", "consistent"),
            "two score patterns are needed (A, then B)": len(self.patterns) == 2,
            "judge protocol must be paper, arena-hard or alpaca-eval": self.protocol in PROTOCOLS,
            "the arena-hard protocol reads a written verdict: use --judge-mode text":
                not (self.protocol == "arena-hard" and self.mode == "logprob"),
            "strong weight must be a whole number >= 1": int(self.strong_weight) == self.strong_weight >= 1,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise InputError("; ".join(failed))
        if self.template is not None and not Path(self.template).is_file():
            raise InputError(f"judge template {self.template}: no such file")

    def template_text(self) -> str:
        """The prompt template: the user's file, or the shipped one for the protocol (and mode)."""
        if self.template is not None:
            text = Path(self.template).read_text(encoding="utf-8")
        else:
            name = TEMPLATES.get(self.protocol) or \
                ("pairwise_logprob.txt" if self.mode == "logprob" else "pairwise.txt")
            text = resources.files("wizardarena.judge").joinpath("templates", name).read_text(encoding="utf-8")
        needed = ["{history}", "{question}", "{answer_a}", "{answer_b}"]
        needed += ["{target}"] if self.scores_each_side else []
        missing = [slot for slot in needed if slot not in text]
        if missing:
            raise InputError(f"judge template lacks {', '.join(missing)}")
        return text

    def template_digest(self) -> str:
        """sha256 of the template text (first 16 hex digits): what provenance records."""
        return hashlib.sha256(self.template_text().encode("utf-8")).hexdigest()[:16]

    def verdict_settings(self) -> dict:
        """Every setting that can change a verdict: mode, template text, patterns, multi-turn protocol,
        decoding, retries, reasoning stripping and the protocol — written only when it is not ``paper``, so
        the ids of paper judges stay what they were before protocols existed (never the tie rule, how games
        combine or the strong weight)."""
        settings = {"mode": self.mode, "template": self.template_digest(), "patterns": list(self.patterns),
                    "multi_turn": self.multi_turn, "decoding": self.decoding.key(),
                    "retries": [self.max_retries, self.retry_temperature], "strip_reasoning": self.strip_reasoning}
        if self.protocol == "arena-hard":
            settings["patterns"] = [f"{self.protocol}:{patterns_digest()}"]
        elif self.protocol == "alpaca-eval":  # --judge-mode does not apply: the labels' logprobs are read
            settings.update(mode="label-logprobs", patterns=list(LABELS))
        if self.protocol != "paper":
            settings["protocol"] = self.protocol
        return settings

    @property
    def scores_each_side(self) -> bool:
        """Whether the judge is asked once per response (the paper's logprob mode: the ``{target}`` slot)."""
        return self.mode == "logprob" and self.protocol == "paper"

    @property
    def strong_repeats(self) -> int:
        """Battles a strong verdict counts as: ``strong_weight`` for arena-hard, else 1 (none are strong)."""
        return self.strong_weight if self.protocol == "arena-hard" else 1

    def calls_per_game(self) -> int:
        """Judge requests one game costs when every reply is readable (the paper's logprob mode asks once
        per side; arena-hard and alpaca-eval ask once)."""
        return 2 if self.scores_each_side else 1

    def key(self) -> str:
        """:meth:`verdict_settings` as canonical JSON."""
        return json.dumps(self.verdict_settings(), sort_keys=True)


def describe(config: JudgeConfig) -> dict:
    """A JSON-friendly summary for run metadata and reports."""
    summary = asdict(config)
    summary["decoding"] = asdict(config.decoding)
    return summary
