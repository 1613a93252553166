"""Judged battles -> TRL training data for the Arena Learning flywheel (SFT, DPO and reward-model pairs).

Pure functions: judgments (records or :class:`~wizardarena.records.Verdict` tuples), ``answers``
(``(model, prompt_id) -> [reply per user turn]``) and ``prompts`` (``prompt_id -> Prompt``) in, lists
of row dicts out, sorted by prompt id. Scores are those of :mod:`wizardarena.trainers.battle_scores`;
a tie is never a win, and a gap equal to the threshold passes it.

Row formats (TRL's conversational formats; extra columns are provenance, which TRL ignores):

- SFT: ``{"prompt_id", "messages": [user, assistant, user, assistant, ...], "source_model",
  "source_score", "target_score", "gap"}`` — every user turn followed by the winner's reply to it.
- DPO: ``{"prompt_id", "prompt": [user, assistant, ..., user], "chosen": [assistant], "rejected":
  [assistant], "source_model", "rejected_model", "chosen_score", "rejected_score", "gap"}``.
- Reward: the DPO columns plus ``"margin"`` (the pairwise score gap, float).

Multi-turn preference pairs: the judge saw each model's whole conversation, but a pair shares one
prompt, so the earlier turns of ``prompt`` carry the CHOSEN model's replies and ``chosen`` / ``rejected``
are the two last replies (exact for single-turn prompts, the bulk of the flywheel's data).
``source_model`` is always the model whose reply is the positive example.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from wizardarena.errors import InputError, MissingExtraError
from wizardarena.records import Judgment, Prompt, Verdict
from wizardarena.tables import detect_format, write_records
from wizardarena.trainers.battle_scores import passes, score_battles

if TYPE_CHECKING:
    from datasets import Dataset

Judgments = Iterable[Verdict | Judgment]
Answers = Mapping[tuple[str, str], Sequence[str]]
Prompts = Mapping[str, Prompt]
Message = dict[str, str]


def sft_rows(judgments: Judgments, answers: Answers, prompts: Prompts, target: str, gap: float = 3.0,
             winners: str = "best", tie_margin: float = 0.0) -> list[dict]:
    """SFT rows where ``target`` lost to an opponent by a pairwise score gap ``>= gap`` (paper: K = 3 in
    iteration 1, then 1); the winner's replies become the training target.

    With several such winners, ``winners="best"`` keeps the one with the highest pairwise score against
    the target (ties: higher per-prompt score, then smaller model name); ``"all"`` keeps one row per
    winner, best first. A gap within ``tie_margin`` (the run's tie rule) is a tie, never a win.
    """
    _check(gap, winners, ("best", "all"), "winners")
    rows = []
    for prompt_id, scores in score_battles(judgments).prompts.items():
        beaten_by = [o for o in scores.opponents(target) if passes(scores.gap(o, target), gap, tie_margin)]
        beaten_by.sort(key=lambda o: (-scores.pairwise[(o, target)], -scores.overall[o], o))
        for winner in beaten_by[:1] if winners == "best" else beaten_by:
            turns = _turns(prompts, prompt_id)
            replies = _replies(answers, winner, prompt_id, len(turns))
            messages = [m for turn, reply in zip(turns, replies) for m in (_user(turn), _assistant(reply))]
            rows.append({"prompt_id": prompt_id, "messages": messages, "source_model": winner,
                         "source_score": scores.pairwise[(winner, target)],
                         "target_score": scores.pairwise[(target, winner)],
                         "gap": scores.gap(winner, target)})
    return rows


def dpo_rows(judgments: Judgments, answers: Answers, prompts: Prompts, target: str, gap: float = 2.0,
             rejected: str = "lowest", tie_margin: float = 0.0) -> list[dict]:
    """One DPO pair per prompt ``target`` played on, when chosen minus rejected per-prompt score ``>= gap``
    (paper: K = 2).

    Chosen: the highest per-prompt score among the target and its opponents on that prompt (possibly the
    target itself). Rejected: the lowest of the others (``"lowest"``) or the target's own reply
    (``"target"``: no pair when the target is the chosen one). Equal scores prefer the target's own
    reply (on-policy), then the smaller model name.
    """
    _check(gap, rejected, ("lowest", "target"), "rejected")
    rows = []
    for prompt_id, scores in score_battles(judgments).prompts.items():
        opponents = scores.opponents(target)
        if not opponents:
            continue
        overall = scores.overall
        chosen = min([target, *opponents], key=lambda m: (-overall[m], m != target, m))
        if rejected == "target":
            loser = target
        else:
            others = [m for m in [target, *opponents] if m != chosen]
            loser = min(others, key=lambda m: (overall[m], m != target, m))
        if loser != chosen and passes(overall[chosen] - overall[loser], gap, tie_margin):
            rows.append(_pair(prompt_id, answers, prompts, chosen, loser, overall[chosen], overall[loser]))
    return rows


def reward_rows(judgments: Judgments, answers: Answers, prompts: Prompts, target: str | None = None,
                gap: float = 1.0, tie_margin: float = 0.0) -> list[dict]:
    """Reward-model pairs (TRL ``RewardTrainer``): every pair of models judged on a prompt whose pairwise
    score gap is ``>= gap``, the higher one chosen; ``margin`` is that gap. With ``target``, only the
    pairs the target is in. Rows in prompt order, then by the two model names."""
    _check(gap)
    rows = []
    for prompt_id, scores in score_battles(judgments).prompts.items():
        for a, b in scores.pairwise:
            if a < b and target in (None, a, b) and passes(abs(scores.gap(a, b)), gap, tie_margin):
                chosen, loser = (a, b) if scores.gap(a, b) > 0 else (b, a)
                row = _pair(prompt_id, answers, prompts, chosen, loser, scores.pairwise[(chosen, loser)],
                            scores.pairwise[(loser, chosen)])
                rows.append({**row, "margin": row["gap"]})
    return rows


def _pair(prompt_id: str, answers: Answers, prompts: Prompts, chosen: str, loser: str,
          chosen_score: float, loser_score: float) -> dict:
    """A conversational preference row: the earlier turns carry the chosen model's replies."""
    turns = _turns(prompts, prompt_id)
    good = _replies(answers, chosen, prompt_id, len(turns))
    bad = _replies(answers, loser, prompt_id, len(turns))
    history = [m for turn, reply in zip(turns[:-1], good[:-1]) for m in (_user(turn), _assistant(reply))]
    return {"prompt_id": prompt_id, "prompt": [*history, _user(turns[-1])], "chosen": [_assistant(good[-1])],
            "rejected": [_assistant(bad[-1])], "source_model": chosen, "rejected_model": loser,
            "chosen_score": chosen_score, "rejected_score": loser_score, "gap": chosen_score - loser_score}


def _check(gap: float, value: str = "", allowed: tuple[str, ...] = ("",), name: str = "") -> None:
    if not gap >= 0:  # also refuses NaN
        raise InputError(f"gap must be >= 0, got {gap!r}")
    if value not in allowed:
        raise InputError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _turns(prompts: Prompts, prompt_id: str) -> list[str]:
    prompt = prompts.get(prompt_id)
    if prompt is None or not prompt["turns"]:
        raise InputError(f"prompt {prompt_id!r}: {'no such prompt' if prompt is None else 'no turns'}")
    return list(prompt["turns"])


def _replies(answers: Answers, model: str, prompt_id: str, count: int) -> list[str]:
    replies = answers.get((model, prompt_id))
    if replies is None:
        raise InputError(f"no answer of {model!r} to prompt {prompt_id!r}")
    if len(replies) != count:
        raise InputError(f"{model!r} on prompt {prompt_id!r}: {len(replies)} replies for {count} user turns")
    return list(replies)


def _user(content: str) -> Message:
    return {"role": "user", "content": content}


def _assistant(content: str) -> Message:
    return {"role": "assistant", "content": content}


def to_dataset(rows: list[dict]) -> "Dataset":
    """The rows as a ``datasets.Dataset`` (what the TRL trainers take, unchanged)."""
    try:
        from datasets import Dataset
    except ImportError:
        raise MissingExtraError("datasets", "hub") from None
    return Dataset.from_list(rows)


def write_rows(rows: list[dict], path: str | Path) -> None:
    """Write rows as JSON Lines, a JSON list or Parquet, by suffix (atomically; see
    :func:`wizardarena.tables.write_records`). CSV is refused: the conversations are nested."""
    if detect_format(Path(path)) == "csv":
        raise InputError(f"{path}: training rows hold nested conversations; write .jsonl, .json or .parquet")
    write_records(path, rows)
