"""``--engine ray``: the missing answers and judgments are made by an actor pool on a Ray cluster, and the
driver streams each finished batch into the store as it arrives.

The driver plans and claims exactly as the local path does (:func:`claimed_batches`), in large windows;
each window becomes a ``ray.data`` dataset of small JSON rows. Actors build the backend once from the
picklable model or judge reference and call the very same code as the local path (the judge's
``judge``, :func:`answer_turns`), so a verdict is identical whichever path made it. The store stays the
single source of truth: a killed driver loses only the rows in flight, and a rerun sends only what is
still missing. Ray is imported here only, and only when this engine runs.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from typing import Callable, Iterator, Sequence

from wizardarena.arena.answering import answer_turns, missing_answers
from wizardarena.arena.judging import JudgingStats, PlannedGame, games_to_judge
from wizardarena.arena.ray_address import check_reachable
from wizardarena.arena.work import claimed_batches
from wizardarena.backends.base import BackendError
from wizardarena.errors import MissingExtraError
from wizardarena.judge.base import Game

WINDOW = 16384  # keys claimed and sent as one dataset: memory stays bounded, actors live across its batches
BATCH = 16  # rows per actor call, and per store transaction on the driver
ATTEMPTS = 3  # tries of a failing judge batch before its games are judged one by one, then recorded invalid


class RayEngine:
    """Runs answer and judge work on Ray: ``address`` (None: ``RAY_ADDRESS`` or a local instance), an
    actor pool of ``workers``, ``options`` the run-wide backend options (``max_concurrency``, ...)."""

    def __init__(self, address: str | None, workers: int, options: dict):
        try:
            import ray
        except ImportError:
            raise MissingExtraError("ray[data]", "ray") from None
        if not ray.is_initialized():
            check_reachable(address or os.environ.get("RAY_ADDRESS"))
            try:
                ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as error:
                where = address or os.environ.get("RAY_ADDRESS") or "a local instance"
                raise BackendError(f"--engine ray: cannot reach the Ray cluster at {where}: "
                                 f"{str(error).splitlines()[0] if str(error) else type(error).__name__}") from None
        from ray.data import DataContext

        DataContext.get_current().enable_progress_bars = False  # the run's own bars count stored rows
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # not an INFO block per dataset on stderr
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled"
        self.ray, self.workers, self.options = ray, workers, options

    def answers(self, store, contestant, decoding, prompts: Sequence, owner: str,
                advance: Callable[[int], None], notice: Callable[[str], None]) -> int:
        """Generate and store the contestant's missing answers; returns the model requests made."""
        todo = missing_answers(store, contestant, decoding, prompts)
        calls = 0
        for keys in claimed_batches(store, list(todo), owner, "answer", WINDOW, store.complete_answer_keys,
                                    notice=notice):
            partial = store.partial_answers(keys)
            rows = [{"key": k, "prompt": json.dumps(todo[k]),
                     "replies": json.dumps(partial[k]["turns"] if k in partial else [])} for k in keys]
            try:
                for batch in self._run(rows, _Answerer, {"contestant": contestant, "decoding": decoding,
                                                         "options": self.options}):
                    store.put_answers([(k, json.loads(a)) for k, a in zip(batch["key"], batch["answer"])], True)
                    calls += int(sum(batch["calls"]))
                    advance(len(batch["key"]))
            finally:
                store.release(keys, owner)
        return calls

    def judgments(self, store, planned: Sequence[PlannedGame], judge_ref, owner: str,
                  advance: Callable[[int], None], notice: Callable[[str], None]) -> tuple[JudgingStats, str]:
        """Judge and store the ``planned`` games missing from the store; returns the stats and how the
        games were grouped."""
        by_key, todo, _ = games_to_judge(store, planned)
        calls = stripped = 0
        for keys in claimed_batches(store, todo, owner, "judgment", WINDOW, store.judgment_keys, notice=notice):
            shown = store.answers({key for k in keys for key in (by_key[k].answer_a, by_key[k].answer_b)})
            rows = [{"key": k, "game": json.dumps(_game(by_key[k], shown))} for k in keys]
            try:
                for batch in self._run(rows, _Judger, {"judge_ref": judge_ref, "options": self.options}):
                    store.put_judgments([(k, json.loads(j)) for k, j in zip(batch["key"], batch["judgment"])])
                    calls += int(sum(batch["calls"]))
                    stripped += int(sum(batch["stripped"]))
                    advance(len(batch["key"]))
            finally:
                store.release(keys, owner)  # stored keys hold no claim any more; this frees those in flight
        return JudgingStats(calls, stripped), f"batches of {BATCH} games sharing a prompt and first answer"

    def _run(self, rows: list[dict], actor: type, kwargs: dict) -> Iterator[dict]:
        pickle.dumps(kwargs)  # an in-memory backend cannot travel: its reference says so (InputError)
        dataset = self.ray.data.from_items(rows)
        pool = self.ray.data.ActorPoolStrategy(size=self.workers)
        mapped = dataset.map_batches(actor, fn_constructor_kwargs=kwargs, compute=pool,
                                     batch_size=BATCH, batch_format="pandas", num_cpus=1)
        for batch in mapped.iter_batches(batch_size=None, batch_format="pandas"):
            yield {name: list(batch[name]) for name in batch.columns}


def _game(plan: PlannedGame, answers: dict) -> list:
    return [plan.prompt, plan.model_a, plan.model_b, answers[plan.answer_a]["turns"],
            answers[plan.answer_b]["turns"], plan.swapped]


class _Judger:
    """A Ray actor: builds the judge once, then judges batches with the local path's own code."""

    def __init__(self, judge_ref, options: dict):
        self.judge = judge_ref.load(**options)

    def __call__(self, batch):
        games = [Game(*json.loads(text)) for text in batch["game"]]
        before, stripped = self.judge.calls, self.judge.stripped
        judgments = _with_retries(self.judge, games)
        calls = [0] * len(games)
        strips = [0] * len(games)
        calls[0], strips[0] = self.judge.calls - before, self.judge.stripped - stripped
        return {"key": list(batch["key"]), "judgment": [json.dumps(j) for j in judgments],
                "calls": calls, "stripped": strips}


def _with_retries(judge, games: list[Game]) -> list:
    """The batch's judgments; a batch that keeps failing is judged game by game, and a game that still
    fails is recorded invalid with the error as its raw reply (never dropped)."""
    for _ in range(ATTEMPTS):
        try:
            return judge.judge(games)
        except Exception:  # noqa: BLE001 (any backend failure: retried, then recorded)
            continue
    out = []
    for game in games:
        try:
            out += judge.judge([game])
        except Exception as error:  # noqa: BLE001
            out.append({"prompt_id": game.prompt["id"], "model_a": game.model_a, "model_b": game.model_b,
                        "judge": judge.id, "swapped": game.swapped, "score_a": None, "score_b": None, "p_a": None,
                        "winner": None, "valid": False, "raw": f"error on a Ray worker: {error!r}"})
    return out


class _Answerer:
    """A Ray actor: builds the model once, then answers batches turn by turn like the local path."""

    def __init__(self, contestant, decoding, options: dict):
        self.contestant, self.decoding = contestant, decoding
        self.model = contestant.model.load(**options)

    def __call__(self, batch):
        items = [(key, json.loads(p)) for key, p in zip(batch["key"], batch["prompt"])]
        replies = {key: json.loads(r) for key, r in zip(batch["key"], batch["replies"])}
        answers, calls = {}, [0] * len(items)
        for sent, finished in answer_turns(self.contestant, self.model, self.decoding, items, replies):
            calls[0] += sent
            answers.update(finished[True])
        return {"key": [key for key, _ in items], "answer": [json.dumps(answers[key]) for key, _ in items],
                "calls": calls}
