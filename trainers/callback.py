"""``ArenaEvalCallback``: rate the model being trained in the simulated arena while it trains.

Every ``every_n_steps`` steps (its weights saved to ``CHECKPOINT_DIR/step-N``) and/or after each of the
trainer's own checkpoint saves, the checkpoint (``hf:PATH``) battles the fixed opponents on the test set
under the judge — ``wizardarena eval`` in-process, with one :class:`~wizardarena.store.ArenaStore`, so the
opponents answer once for the whole run. The checkpoint's Elo and its bootstrap interval go into the
trainer's log history as ``arena/elo``, ``arena/elo_lower`` and ``arena/elo_upper``, and into
:attr:`ArenaEvalCallback.points` for checkpoint selection (:meth:`ArenaEvalCallback.best`). Unless the
rating config names an anchor, the first opponent is pinned at 1000 so checkpoints compare across calls.

Importing this module imports transformers (the base class); ``import wizardarena.trainers`` does not.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from transformers import TrainerCallback

from wizardarena.backends.base import Decoding
from wizardarena.errors import InputError
from wizardarena.judge.config import JudgeConfig
from wizardarena.ratings.config import RatingConfig


class ArenaPoint(NamedTuple):
    """One evaluation: the training step and the checkpoint's Elo with its interval."""

    step: int
    elo: float
    lower: float
    upper: float


class ArenaEvalCallback(TrainerCallback):
    """Evaluate checkpoints in the arena during training (see the module docstring).

    ``opponents``: ``[NAME=]SPEC`` values as ``wizardarena eval --opponents`` takes them; ``testset``: a
    shipped name or a JSON Lines file; ``store`` / ``checkpoint_dir`` default to ``arena.sqlite`` /
    ``arena-checkpoints`` under the trainer's ``output_dir``; ``load_model(spec)`` builds backends
    (default :func:`wizardarena.backends.load_model`)."""

    def __init__(self, judge_spec: str, testset: str | Path, opponents: Sequence[str], *,
                 every_n_steps: int | None = None, on_save: bool = True, judge: JudgeConfig = JudgeConfig(),
                 decoding: Decoding = Decoding(), ratings: RatingConfig = RatingConfig(unit="prompt"),
                 limit: int | None = None, store: str | Path | None = None,
                 checkpoint_dir: str | Path | None = None, load_model: Callable[[str], object] | None = None):
        from wizardarena.arena.contestants import contestants

        if every_n_steps is not None and every_n_steps < 1:
            raise InputError(f"every_n_steps must be >= 1, got {every_n_steps}")
        self.opponents = tuple(contestants(tuple(opponents), judge_spec)[0])
        if not self.opponents:
            raise InputError("the arena callback needs at least one opponent")
        if ratings.anchor is None:
            ratings = replace(ratings, anchor=(self.opponents[0].name, 1000.0))
        self.judge_spec, self.testset, self.limit = judge_spec, str(testset), limit
        self.judge, self.decoding, self.ratings = judge, decoding, ratings
        self.every_n_steps, self.on_save_too = every_n_steps, on_save
        self.store, self.checkpoint_dir = store, checkpoint_dir
        self.load_model = load_model
        self.points: list[ArenaPoint] = []
        self.checkpoints: dict[int, Path] = {}

    def best(self) -> ArenaPoint | None:
        """The evaluation with the highest Elo (None before any); its folder is ``checkpoints[step]``."""
        return max(self.points, key=lambda p: p.elo, default=None)

    def on_step_end(self, args, state, control, **kwargs):
        """Save the current weights and evaluate them every ``every_n_steps`` steps."""
        if self.every_n_steps and state.global_step % self.every_n_steps == 0 and self._fresh(state):
            folder = Path(self.checkpoint_dir or Path(args.output_dir) / "arena-checkpoints") / \
                f"step-{state.global_step}"
            kwargs["model"].save_pretrained(folder)
            kwargs["processing_class"].save_pretrained(folder)
            self.evaluate(folder, args, state)
        return control

    def on_save(self, args, state, control, **kwargs):
        """Evaluate the checkpoint the trainer has just written."""
        if self.on_save_too and self._fresh(state):
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                self.evaluate(folder, args, state)
        return control

    def _fresh(self, state) -> bool:
        """On the main process, and this step not yet evaluated."""
        return state.is_world_process_zero and state.global_step not in self.checkpoints

    def evaluate(self, folder: Path, args, state) -> ArenaPoint:
        """Rate the checkpoint in ``folder`` against the opponents; log and remember the result."""
        from wizardarena.arena.answering import Contestant
        from wizardarena.arena.pipeline import EvalConfig, run_eval
        from wizardarena.backends import load_model
        from wizardarena.store import ArenaStore, make_owner

        name = f"step-{state.global_step}"
        config = EvalConfig(candidates=(Contestant(name, f"hf:{folder}"),), opponents=self.opponents,
                            judge_spec=self.judge_spec, testset=self.testset, judge=self.judge,
                            decoding=self.decoding, ratings=self.ratings, limit=self.limit)
        with ArenaStore(Path(self.store or Path(args.output_dir) / "arena.sqlite")) as arena:
            result = run_eval(config, arena, self.load_model or load_model, make_owner())
        index = result.ratings.models.index(name)
        lower, upper = result.ratings.interval()
        point = ArenaPoint(state.global_step, float(result.ratings.rating[index]), float(lower[index]),
                           float(upper[index]))
        self.points.append(point)
        self.checkpoints[point.step] = folder
        state.log_history.append({"arena/elo": point.elo, "arena/elo_lower": point.lower,
                                  "arena/elo_upper": point.upper, "step": point.step})
        return point
