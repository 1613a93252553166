"""The pairwise judge: one judge model (any backend) compares two answers to a prompt."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import NamedTuple, Sequence

from wizardarena.backends.base import ChatModel, ChatRequest, LogprobModel
from wizardarena.errors import InputError
from wizardarena.judge.config import JudgeConfig
from wizardarena.judge.parse import (SCORE_TOKENS, expected_score, parse_scores, prob_first_better,
                                     score_distribution, verdict)
from wizardarena.records import Judgment, Prompt


class Game(NamedTuple):
    """One judge call: ``answer_a`` is shown first. ``swapped`` marks the reversed canonical order."""

    prompt: Prompt
    model_a: str
    model_b: str
    answer_a: Sequence[str]
    answer_b: Sequence[str]
    swapped: bool


class PairwiseJudge:
    """Judges games with ``model`` as the judge, per ``config`` (see :class:`JudgeConfig`)."""

    def __init__(self, model: ChatModel, config: JudgeConfig = JudgeConfig()):
        if config.mode == "logprob" and not isinstance(model, LogprobModel):
            raise InputError(f"judge {model.spec} gives no token log-probabilities; use --judge-mode text")
        self.model, self.config, self.template = model, config, config.template_text()
        # Only the five slots are placeholders: every other brace in a user's template is escaped, so
        # rendering is one str.format call (values may hold braces; format never parses them).
        pieces = re.split(r"\{(history|question|answer_a|answer_b|target)\}", self.template)
        self._format = "".join("{" + piece + "}" if k % 2 else piece.replace("{", "{{").replace("}", "}}")
                               for k, piece in enumerate(pieces)).format
        self.calls = 0  # requests sent to the judge model, retries included

    @property
    def spec(self) -> str:
        return self.model.spec

    def judge(self, games: Sequence[Game]) -> list[Judgment]:
        """One judgment per game, in order. Unparseable replies are retried, then marked invalid."""
        if self.config.mode == "logprob":
            return self._judge_logprob(games)
        return self._judge_text(games)

    def render(self, game: Game, target: str = "") -> str:
        """The judge prompt for ``game`` (``target`` names the response to score in logprob mode)."""
        turns = game.prompt["turns"]
        history = "\n\n".join(f"User (turn {k + 1}): {text}" for k, text in enumerate(turns[:-1])) \
            if len(turns) > 1 else "(none)"
        return self._format(history=history, question=turns[-1], answer_a=self._replies(game.answer_a),
                            answer_b=self._replies(game.answer_b), target=target)

    def _replies(self, turns: Sequence[str]) -> str:
        if self.config.multi_turn == "last" or len(turns) == 1:
            return turns[-1]
        return "\n\n".join(f"(reply to turn {k + 1}) {text}" for k, text in enumerate(turns))

    def _request(self, game: Game, target: str = "") -> ChatRequest:
        return ChatRequest(game.prompt["id"], 0, ({"role": "user", "content": self.render(game, target)},))

    def _judge_text(self, games: Sequence[Game]) -> list[Judgment]:
        replies: list[list[str]] = [[] for _ in games]
        scores: list[tuple[float, float] | None] = [None] * len(games)
        pending = list(range(len(games)))
        decoding = self.config.decoding
        for attempt in range(self.config.max_retries + 1):
            if not pending:
                break
            if attempt:
                decoding = replace(decoding, temperature=max(decoding.temperature, self.config.retry_temperature),
                                   seed=decoding.seed + attempt)
            outputs = self.model.generate([self._request(games[i]) for i in pending], decoding)
            self.calls += len(pending)
            for i, text in zip(pending, outputs):
                replies[i].append(text)
                scores[i] = parse_scores(text, self.config.patterns)
            pending = [i for i in pending if scores[i] is None]
        return [self._text_judgment(game, tries, parsed) for game, tries, parsed in zip(games, replies, scores)]

    def _text_judgment(self, game: Game, tries: list[str], scores: tuple[float, float] | None) -> Judgment:
        raw = tries[-1] if len(tries) == 1 else json.dumps({"attempts": tries}, ensure_ascii=False)
        if scores is None:
            return self._record(game, None, None, None, raw)
        return self._record(game, scores[0], scores[1], None, raw)

    def _judge_logprob(self, games: Sequence[Game]) -> list[Judgment]:
        requests = []
        for game in games:
            requests += [self._request(game, target) for target in ("A", "B")]
        logprobs = self.model.first_token_logprobs(requests, SCORE_TOKENS)
        self.calls += len(requests)
        out = []
        for k, game in enumerate(games):
            dist_a, dist_b = score_distribution(logprobs[2 * k]), score_distribution(logprobs[2 * k + 1])
            raw = json.dumps({"A": logprobs[2 * k], "B": logprobs[2 * k + 1]}, sort_keys=True)
            if dist_a is None or dist_b is None:
                out.append(self._record(game, None, None, None, raw))
                continue
            out.append(self._record(game, expected_score(dist_a), expected_score(dist_b),
                                    prob_first_better(dist_a, dist_b), raw))
        return out

    def _record(self, game: Game, score_a, score_b, p_a, raw: str) -> Judgment:
        valid = score_a is not None
        return Judgment(prompt_id=game.prompt["id"], model_a=game.model_a, model_b=game.model_b,
                        judge=self.spec, swapped=game.swapped, score_a=score_a, score_b=score_b, p_a=p_a,
                        winner=verdict(score_a, score_b, self.config.tie_margin) if valid else None,
                        valid=valid, raw=raw)
