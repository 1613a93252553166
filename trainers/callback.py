"""``ArenaEvalCallback``: rate the model being trained in the simulated arena while it trains.

Every ``every_n_steps`` steps the model being trained battles the fixed opponents on the test set under
the judge, straight from memory (its identity is a digest of its weights; ``save_checkpoints`` also writes
them to ``CHECKPOINT_DIR/step-N`` for later use), and after each of the trainer's own checkpoint saves the
saved checkpoint does — ``wizardarena eval`` in-process, with one :class:`~wizardarena.store.ArenaStore`,
so the opponents answer once for the whole run. The checkpoint's Elo and its bootstrap interval go into the
trainer's log history as ``arena/elo``, ``arena/elo_lower`` and ``arena/elo_upper``, and into
:attr:`ArenaEvalCallback.points` for checkpoint selection (:meth:`ArenaEvalCallback.best`). Unless the
rating config names an anchor, the first opponent is pinned at 1000 so checkpoints compare across calls.

Importing this module imports transformers (the base class); ``import wizardarena.trainers`` does not.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import NamedTuple, Sequence

from transformers import TrainerCallback

from wizardarena.backends.base import Decoding
from wizardarena.errors import InputError
from wizardarena.judge.config import JudgeConfig
from wizardarena.ratings.config import RatingConfig
from wizardarena.refs import JudgeRef, ModelRef, resolve_model


def in_memory_model(model, tokenizer, label: str) -> ModelRef:
    """A model reference to a transformers model in memory: its identity is a digest of its weights and
    its tokenizer's chat template, so equal weights share stored answers and changed weights never do."""
    import hashlib

    import torch

    from wizardarena.backends.hf import HFModel

    digest = hashlib.sha256(str(tokenizer.chat_template).encode("utf-8"))
    with torch.no_grad():
        for name, tensor in sorted(model.state_dict().items()):
            digest.update(name.encode("utf-8"))
            digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return ModelRef("hf", f"memory:{label}", fingerprint=digest.hexdigest()[:24],
                    instance=HFModel.from_loaded(model, tokenizer, f"hf:memory:{label}"))


class ArenaPoint(NamedTuple):
    """One evaluation: the training step and the checkpoint's Elo with its interval."""

    step: int
    elo: float
    lower: float
    upper: float


class ArenaEvalCallback(TrainerCallback):
    """Evaluate checkpoints in the arena during training (see the module docstring).

    ``opponents``: ``[NAME=]SPEC`` values as ``wizardarena eval --opponents`` takes them; ``testset``: a
    shipped name or a JSON Lines file; ``store`` defaults to the shared store of ``wizardarena eval``
    (``$WIZARDARENA_HOME/arena.sqlite``: the references' games are judged once), ``checkpoint_dir`` to
    ``arena-checkpoints`` under the trainer's ``output_dir``; ``judge_spec`` may also be a resolved
    :class:`~wizardarena.refs.JudgeRef` (then ``judge`` is ignored)."""

    def __init__(self, judge_spec: str | JudgeRef, testset: str | Path, opponents: Sequence[str], *,
                 every_n_steps: int | None = None, on_save: bool = True, judge: JudgeConfig = JudgeConfig(),
                 decoding: Decoding = Decoding(), ratings: RatingConfig = RatingConfig(unit="prompt"),
                 limit: int | None = None, store: str | Path | None = None,
                 checkpoint_dir: str | Path | None = None, save_checkpoints: bool = True):
        from wizardarena.arena.contestants import contestants
        from wizardarena.refs import resolve_judge

        if every_n_steps is not None and every_n_steps < 1:
            raise InputError(f"every_n_steps must be >= 1, got {every_n_steps}")
        self.judge_ref = judge_spec if isinstance(judge_spec, JudgeRef) else resolve_judge(judge_spec, judge)
        self.opponents = tuple(contestants(tuple(opponents), self.judge_ref)[0])
        if not self.opponents:
            raise InputError("the arena callback needs at least one opponent")
        if ratings.anchor is None:
            ratings = replace(ratings, anchor=(self.opponents[0].name, 1000.0))
        self.testset, self.limit = str(testset), limit
        self.decoding, self.ratings = decoding, ratings
        self.every_n_steps, self.on_save_too = every_n_steps, on_save
        self.store, self.checkpoint_dir, self.save_checkpoints = store, checkpoint_dir, save_checkpoints
        self.points: list[ArenaPoint] = []
        self.checkpoints: dict[int, Path] = {}

    def best(self) -> ArenaPoint | None:
        """The evaluation with the highest Elo (None before any); its folder is ``checkpoints[step]``."""
        return max(self.points, key=lambda p: p.elo, default=None)

    def on_step_end(self, args, state, control, **kwargs):
        """Evaluate the model in memory every ``every_n_steps`` steps (and save it, unless told not to)."""
        if self.every_n_steps and state.global_step % self.every_n_steps == 0 and self._fresh(state):
            model, tokenizer = kwargs["model"], kwargs["processing_class"]
            folder = Path(self.checkpoint_dir or Path(args.output_dir) / "arena-checkpoints") / \
                f"step-{state.global_step}"
            if self.save_checkpoints:
                model.save_pretrained(folder)
                tokenizer.save_pretrained(folder)
            training = model.training
            model.eval()
            try:
                self.evaluate(in_memory_model(model, tokenizer, f"step-{state.global_step}"), args, state, folder)
            finally:
                model.train(training)
        return control

    def on_save(self, args, state, control, **kwargs):
        """Evaluate the checkpoint the trainer has just written."""
        if self.on_save_too and self._fresh(state):
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                self.evaluate(resolve_model(f"hf:{folder}"), args, state, folder)
        return control

    def _fresh(self, state) -> bool:
        """On the main process, and this step not yet evaluated."""
        return state.is_world_process_zero and state.global_step not in self.checkpoints

    def evaluate(self, model: ModelRef, args, state, folder: Path) -> ArenaPoint:
        """Rate ``model`` (this step's weights) against the opponents; log and remember the result."""
        from wizardarena.arena.pipeline import EvalConfig, run_eval
        from wizardarena.home import default_store
        from wizardarena.refs import Contestant
        from wizardarena.store import ArenaStore, make_owner

        name = f"step-{state.global_step}"
        config = EvalConfig(candidates=(Contestant(name, model),), opponents=self.opponents, judge=self.judge_ref,
                            testset=self.testset, decoding=self.decoding, ratings=self.ratings, limit=self.limit)
        with ArenaStore(Path(self.store or default_store())) as arena:
            result = run_eval(config, arena, make_owner())
        index = result.ratings.models.index(name)
        lower, upper = result.ratings.interval()
        point = ArenaPoint(state.global_step, float(result.ratings.rating[index]), float(lower[index]),
                           float(upper[index]))
        self.points.append(point)
        self.checkpoints[point.step] = folder
        state.log_history.append({"arena/elo": point.elo, "arena/elo_lower": point.lower,
                                  "arena/elo_upper": point.upper, "step": point.step})
        return point
