"""Rating how hard a prompt is, 0–10, with any ChatModel as the rater.

The rater sees the user turns in ``templates/difficulty.txt`` (or the user's template, which must hold
``{conversation}``), gives a short reason and ends with ``Difficulty: N``. The last such line wins and
only 0..10 is accepted. Unparseable replies are asked again, at most ``max_retries`` times; after that the
prompt counts as invalid and its difficulty stays None. Results are appended, batch by batch, to a JSON
Lines cache keyed by sha256 of (rater spec, template text, turns, decoding), so a rerun makes no calls.
:meth:`DifficultyRater.forget_invalid` takes invalid ratings out of it again (a build that fails for
too many of them does so, so that a rerun with a fixed rater asks anew).
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from wizardarena.backends.asking import ask_and_parse
from wizardarena.backends.base import ChatModel, ChatRequest, Decoding
from wizardarena.errors import InputError
from wizardarena.records import Prompt
from wizardarena.refs.keys import content_key

SLOT = "{conversation}"
_DIFFICULTY = re.compile(r"difficulty(?:\s+(?:score|rating|level))?\W*(?:is\W*)?(\d+(?:\.\d+)?)", re.IGNORECASE)


def parse_difficulty(reply: str) -> float | None:
    """The difficulty a reply gives (last match wins), or None when absent or outside 0..10.

    >>> parse_difficulty("Difficulty: 3 would be too low. **Difficulty:** 7/10")
    7.0
    >>> parse_difficulty("Difficulty: 12") is None
    True
    """
    found = _DIFFICULTY.findall(reply)
    if not found:
        return None
    value = float(found[-1])
    return value if 0.0 <= value <= 10.0 else None


def default_template() -> str:
    """The shipped rating prompt."""
    return resources.files("wizardarena.construct").joinpath("templates", "difficulty.txt").read_text(encoding="utf-8")


class RatingRun(NamedTuple):
    """Difficulties in prompt order (None = invalid), what producing them took, and the last reply to
    the first invalid prompt (None when all are valid)."""

    scores: list[float | None]
    calls: int
    cached: int
    invalid: int
    retried: int
    example_invalid: str | None = None


class DifficultyRater:
    """Rates prompts with ``model``; see the module notes for the protocol, retries and the cache.
    ``progress`` is ``start(label, total) -> advance(n)`` (see :mod:`wizardarena.cli.progress`)."""

    def __init__(self, model: ChatModel, *, template: str | Path | None = None, cache: str | Path | None = None,
                 max_retries: int = 2, batch_size: int = 32, retry_temperature: float = 0.7,
                 decoding: Decoding = Decoding(temperature=0.0, max_new_tokens=256),
                 progress: Callable[[str, int], Callable[[int], None]] | None = None):
        if not 0 <= max_retries <= 10 or batch_size < 1:
            raise InputError("difficulty rater: retries must be 0..10 and the batch size >= 1")
        if template is not None and not Path(template).is_file():
            raise InputError(f"difficulty template {template}: no such file")
        self.model, self.max_retries, self.batch_size = model, max_retries, batch_size
        self.retry_temperature, self.decoding, self.progress = retry_temperature, decoding, progress
        self.template = Path(template).read_text(encoding="utf-8") if template else default_template()
        if SLOT not in self.template:
            raise InputError(f"difficulty template lacks {SLOT}")
        self.cache_path = Path(cache) if cache else None
        self._cache: dict[str, dict] = {}
        self._cache_ends_cleanly = True
        if self.cache_path and self.cache_path.is_file():
            self._load_cache()

    @property
    def spec(self) -> str:
        """The rater model's spec (part of every cache key)."""
        return self.model.spec

    def render(self, prompt: Prompt) -> str:
        """The rating request for ``prompt`` (turns numbered when there are several)."""
        turns = prompt["turns"]
        shown = turns[0] if len(turns) == 1 else "\n\n".join(f"User (turn {k + 1}): {t}" for k, t in enumerate(turns))
        return self.template.replace(SLOT, shown)

    def key(self, prompt: Prompt) -> str:
        """The cache key of rating ``prompt`` with this rater."""
        return content_key(self.model.spec, self.template, list(prompt["turns"]), self.decoding.key())

    def rate(self, prompts: Sequence[Prompt]) -> RatingRun:
        """Rate every prompt (cached ones without a call), in batches of ``batch_size``."""
        keys = [self.key(prompt) for prompt in prompts]
        todo = {key: prompt for key, prompt in zip(keys, prompts) if key not in self._cache}
        cached = sum(key not in todo for key in keys)
        calls = retried = 0
        pending = list(todo.items())
        advance = self.progress(f"rating difficulty ({self.spec})", len(pending)) if self.progress and pending else None
        for start in range(0, len(pending), self.batch_size):
            batch_calls, batch_retried = self._rate_batch(pending[start:start + self.batch_size])
            calls, retried = calls + batch_calls, retried + batch_retried
            if advance:
                advance(len(pending[start:start + self.batch_size]))
        scores = [self._cache[key]["difficulty"] for key in keys]
        invalid = [self._cache[key].get("replies") for key, score in zip(keys, scores) if score is None]
        example = invalid[0][-1] if invalid and invalid[0] else None
        return RatingRun(scores, calls, cached, len(invalid), retried, example)

    def forget_invalid(self, prompts: Sequence[Prompt]) -> None:
        """Drop the invalid ratings of ``prompts`` from memory and from the cache file (rewritten whole;
        removed when nothing is left in it)."""
        keys = {self.key(prompt) for prompt in prompts}
        gone = [key for key in keys if key in self._cache and self._cache[key]["difficulty"] is None]
        if not gone:
            return
        for key in gone:
            del self._cache[key]
        if self.cache_path is None or not self.cache_path.is_file():
            return
        if not self._cache:
            self.cache_path.unlink()
            return
        partial = self.cache_path.with_name(self.cache_path.name + ".partial")
        partial.write_text("".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in self._cache.values()),
                           encoding="utf-8")
        os.replace(partial, self.cache_path)
        self._cache_ends_cleanly = True

    def _rate_batch(self, batch: list[tuple[str, Prompt]]) -> tuple[int, int]:
        requests = [ChatRequest(prompt["id"], 0, ({"role": "user", "content": self.render(prompt)},))
                    for _, prompt in batch]
        asked, calls = ask_and_parse(self.model, requests, parse_difficulty, self.decoding, self.max_retries,
                                     self.retry_temperature)
        entries = [{"key": key, "prompt_id": prompt["id"], "rater": self.spec, "difficulty": result.parsed,
                    "valid": result.parsed is not None, "replies": result.replies}
                   for (key, prompt), result in zip(batch, asked)]
        self._remember(entries)
        return calls, sum(result.retried for result in asked)

    def _remember(self, entries: list[dict]) -> None:
        self._cache.update((entry["key"], entry) for entry in entries)
        if self.cache_path is None:
            return
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        with self.cache_path.open("a", encoding="utf-8") as handle:
            if not self._cache_ends_cleanly:  # an interrupted earlier write left a partial last line
                handle.write("\n")
                self._cache_ends_cleanly = True
            handle.writelines(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)

    def _load_cache(self) -> None:
        try:
            text = self.cache_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.cache_path}: not a readable rating cache ({exc.__class__.__name__})") from None
        self._cache_ends_cleanly = not text or text.endswith("\n")
        for line in text.split("\n"):  # not splitlines(): U+2028 may sit inside a reply
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted run: that prompt is rated again
            if isinstance(entry, dict) and isinstance(entry.get("key"), str) and "difficulty" in entry:
                self._cache[entry["key"]] = entry
