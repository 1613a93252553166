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
from wizardarena.records import Judgment


class PairwiseJudge:
    """Judges games with ``model`` as the judge, per ``config`` (see :class:`JudgeConfig`); ``judge_id``
    labels its judgments (the judge reference's id; the model's spec when not given). ``model`` None makes a
    judge that only renders prompts (cost estimates: no model is loaded)."""

    def __init__(self, model: ChatModel | None, config: JudgeConfig = JudgeConfig(), judge_id: str | None = None):
        if config.mode == "logprob" and model is not None and not isinstance(model, LogprobModel):
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
                                     partial(parse_scores, patterns=config.patterns), config.decoding,
                                     config.max_retries, config.retry_temperature)
        self.calls += calls
        out = []
        for game, result in zip(games, asked):
            raw = result.replies[-1] if not result.retried else json.dumps({"attempts": result.replies},
                                                                              ensure_ascii=False)
            scores = result.parsed or (None, None)
            out.append(self._record(game, scores[0], scores[1], None, raw, len(result.replies)))
        return out

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

    def _record(self, game: Game, score_a, score_b, p_a, raw: str, attempts: int = 1) -> Judgment:
        valid = score_a is not None
        judgment = Judgment(prompt_id=game.prompt["id"], model_a=game.model_a, model_b=game.model_b,
                            judge=self.id, swapped=game.swapped, score_a=score_a, score_b=score_b, p_a=p_a,
                            winner=verdict(score_a, score_b, 0.0) if valid else None, valid=valid, raw=raw)
        if attempts > 1:  # one attempt is the default: records stay lean (outputs add the parse status)
            judgment["attempts"] = attempts
        return judgment
