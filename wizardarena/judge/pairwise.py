"""The pairwise judge: one judge model (any backend) compares two answers to a prompt."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Sequence

from wizardarena.backends.asking import ask_and_parse
from wizardarena.backends.base import ChatModel, ChatRequest, LogprobModel
from wizardarena.errors import InputError
from wizardarena.judge.base import Game, strip_reasoning
from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.parse import (
    SCORE_TOKENS,
    expected_score,
    parse_scores,
    prob_first_better,
    score_distribution,
    verdict,
)
from wizardarena.judge.protocols import LABELS, five_level_label, five_level_scores, label_preference
from wizardarena.records import Judgment


class PairwiseJudge:
    """Judges games with ``model`` as the judge, per ``config`` (see :class:`JudgeConfig`); ``judge_id``
    labels its judgments (the judge reference's id; the model's spec when not given). ``model`` None makes a
    judge that only renders prompts (cost estimates: no model is loaded)."""

    def __init__(self, model: ChatModel | None, config: JudgeConfig = JudgeConfig(), judge_id: str | None = None):
        needs_logprobs = config.protocol == "alpaca-eval" or config.mode == "logprob"
        if needs_logprobs and model is not None and not isinstance(model, LogprobModel):
            if config.protocol == "alpaca-eval":
                raise InputError(f"judge {model.spec} gives no token log-probabilities, which the alpaca-eval "
                                 "protocol reads; use --judge-protocol paper or arena-hard")
            raise InputError(f"judge {model.spec} gives no token log-probabilities; use --judge-mode text")
        self.model, self.config, self.template = model, config, config.template_text()
        # Only the five slots are placeholders: every other brace in a user's template is escaped, so
        # rendering is one str.format call (values may hold braces; format never parses them).
        pieces = re.split(r"\{(history|question|answer_a|answer_b|target)\}", self.template)
        self._format = "".join("{" + piece + "}" if k % 2 else piece.replace("{", "{{").replace("}", "}}")
                               for k, piece in enumerate(pieces)).format
        self.id = judge_id or (model.spec if model is not None else "")
        self._strip = config.strip_reasoning
        self.calls = 0  # requests sent to the judge model, retries included
        self.stripped = 0  # answer turns shown without their reasoning trace

    def judge(self, games: Sequence[Game]) -> list[Judgment]:
        """One judgment per game, in order. Unparseable replies are retried, then marked invalid."""
        if self.config.protocol == "alpaca-eval":
            return self._judge_labels(games)
        if self.config.mode == "logprob":
            return self._judge_logprob(games)
        return self._judge_text(games)

    def render(self, game: Game, target: str = "") -> str:
        """The judge prompt for ``game`` (``target`` names the response to score in logprob mode)."""
        turns = game.prompt["turns"]
        history = "\n\n".join(f"User (turn {k + 1}): {text}" for k, text in enumerate(turns[:-1])) \
            if len(turns) > 1 else "(none)"
        return self._format(history=history, question=turns[-1], answer_a=self._shown(game.answer_a),
                            answer_b=self._shown(game.answer_b), target=target)

    def shown(self, turns: Sequence[str]) -> str:
        """An answer's turns as the template shows them (reasoning stripped, turns joined per the protocol)."""
        return self._replies(turns)[0]

    def _shown(self, turns: Sequence[str]) -> str:
        if len(turns) == 1 and (not self._strip or "think>" not in turns[0]):
            return turns[0]  # the common case, kept cheap: it runs twice per judge call
        text, stripped = self._replies(turns)
        self.stripped += stripped
        return text

    def _replies(self, turns: Sequence[str]) -> tuple[str, int]:
        """The answer's text for the template, and how many of its turns lost a reasoning trace."""
        if len(turns) == 1 and (not self._strip or "think>" not in turns[0]):
            return turns[0], 0
        stripped = 0
        if self._strip:
            cleaned = [strip_reasoning(text) for text in turns]
            stripped = sum(changed for _, changed in cleaned)
            turns = [text for text, _ in cleaned]
        if self.config.multi_turn == "last" or len(turns) == 1:
            return turns[-1], stripped
        return "\n\n".join(f"(reply to turn {k + 1}) {text}" for k, text in enumerate(turns)), stripped

    def _request(self, game: Game, target: str = "") -> ChatRequest:
        return ChatRequest(game.prompt["id"], 0, ({"role": "user", "content": self.render(game, target)},))

    def _judge_text(self, games: Sequence[Game]) -> list[Judgment]:
        config = self.config
        asked, calls = ask_and_parse(self.model, [self._request(game) for game in games],
                                     partial(read_reply, config=config), config.decoding,
                                     config.max_retries, config.retry_temperature)
        self.calls += calls
        out = []
        for game, result in zip(games, asked):
            raw = result.replies[-1] if not result.retried else json.dumps({"attempts": result.replies},
                                                                              ensure_ascii=False)
            out.append(self._record(game, result.parsed, raw, len(result.replies)))
        return out

    def _judge_logprob(self, games: Sequence[Game]) -> list[Judgment]:
        requests = []
        for game in games:
            requests += [self._request(game, target) for target in ("A", "B")]
        logprobs = self.model.first_token_logprobs(requests, SCORE_TOKENS)
        self.calls += len(requests)
        raws = [json.dumps({"A": logprobs[2 * k], "B": logprobs[2 * k + 1]}, sort_keys=True) for k in range(len(games))]
        return [self._record(game, read_reply(raw, self.config), raw) for game, raw in zip(games, raws)]

    def _judge_labels(self, games: Sequence[Game]) -> list[Judgment]:
        """alpaca-eval: one call per game; p_a from the labels' first-token logprobs (see :func:`read_reply`)."""
        logprobs = self.model.first_token_logprobs([self._request(game) for game in games], LABELS)
        self.calls += len(games)
        raws = [json.dumps(found, sort_keys=True) for found in logprobs]
        return [self._record(game, read_reply(raw, self.config), raw) for game, raw in zip(games, raws)]

    def _record(self, game: Game, read: tuple | None, raw: str, attempts: int = 1) -> Judgment:
        score_a, score_b, p_a = read or (None, None, None)
        judgment = Judgment(prompt_id=game.prompt["id"], model_a=game.model_a, model_b=game.model_b,
                            judge=self.id, swapped=game.swapped, score_a=score_a, score_b=score_b, p_a=p_a,
                            winner=None, valid=False, raw=raw)
        if attempts > 1:  # one attempt is the default: records stay lean (outputs add the parse status)
            judgment["attempts"] = attempts
        return with_verdict(judgment, read, self.config) if read else judgment


def read_reply(raw: str, config: JudgeConfig) -> tuple[float, float, float | None] | None:
    """``(score_a, score_b, p_a)`` a stored reply gives under ``config``'s protocol and mode, or None when it
    is unreadable: a text reply (the paper's two scores or arena-hard's five-level verdict, encoded as
    scores) or the JSON of first-token log-probabilities (the paper's logprob mode: expected scores and
    P(A better); alpaca-eval: ``(p_a, 1 - p_a, p_a)`` from the labels). The judge and ``--rejudge-invalid``
    read with this one function."""
    if config.protocol == "alpaca-eval" or config.mode == "logprob":
        try:
            found = json.loads(raw)
            if config.protocol == "alpaca-eval":
                p_a = label_preference(found)
                return None if p_a is None else (p_a, 1.0 - p_a, p_a)
            dist_a, dist_b = score_distribution(found["A"]), score_distribution(found["B"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if dist_a is None or dist_b is None:
            return None
        return expected_score(dist_a), expected_score(dist_b), prob_first_better(dist_a, dist_b)
    scores = five_level_scores(raw) if config.protocol == "arena-hard" else parse_scores(raw, config.patterns)
    return None if scores is None else (*scores, None)


def with_verdict(judgment: Judgment, read: tuple, config: JudgeConfig) -> Judgment:
    """``judgment`` made valid with the ``(score_a, score_b, p_a)`` :func:`read_reply` gave (arena-hard's also
    keeps its five-level label)."""
    score_a, score_b, p_a = read
    out = dict(judgment, score_a=score_a, score_b=score_b, p_a=p_a, valid=True, winner=verdict(score_a, score_b, 0.0))
    if config.protocol == "arena-hard":
        out["verdict"] = five_level_label(score_a, score_b)
    return out  # type: ignore[return-value]
