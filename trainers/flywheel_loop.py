"""The flywheel's driver: pool -> parts -> (battle -> build data -> train) per stage -> evaluate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable

from wizardarena.refs import Contestant
from wizardarena.trainers.base_model import base_checkpoint
from wizardarena.trainers.flywheel import FlywheelConfig, describe, save_report, split_parts, stage_part


def run_flywheel(config: FlywheelConfig, embedder=None, say: Callable[[str], None] = print) -> dict:
    """Run (or resume) the flywheel; returns the report (also written to ``OUT/flywheel_report.json``)."""
    return FlywheelRun(config, embedder, say).run()


class FlywheelRun:
    """One run of :func:`run_flywheel` (state for its helpers)."""

    def __init__(self, config: FlywheelConfig, embedder, say: Callable[[str], None]):
        from wizardarena.backends import Decoding
        from wizardarena.judge import JudgeConfig
        from wizardarena.refs import resolve_judge

        self.config, self.embedder, self.say = config, embedder, say
        self.out = Path(config.out)
        self.judge = resolve_judge(config.judge, JudgeConfig(mode=config.judge_mode))
        self.decoding = Decoding(max_new_tokens=config.max_new_tokens, seed=config.seed)
        self.report: dict = {"config": describe(config), "iterations": []}

    def run(self) -> dict:
        """Every iteration in turn; returns the report."""
        from wizardarena.arena.contestants import contestants
        from wizardarena.refs import resolve_model
        from wizardarena.store import ArenaStore, make_owner

        self.out.mkdir(parents=True, exist_ok=True)
        parts = self._parts()
        self.opponents, _ = contestants(self.config.opponents, self.judge)
        self.eval_opponents, _ = contestants(self.config.eval_opponents or self.config.opponents, self.judge)
        checkpoint = base_checkpoint(self.config.target, self.out, self.say)
        checkpoints = [Contestant("target-it0", resolve_model(f"hf:{checkpoint}"))]
        with ArenaStore(self.out / "arena.sqlite") as store:
            self.store, self.owner = store, make_owner()
            for iteration in range(1, self.config.iterations + 1):
                entry: dict = {"iteration": iteration, "stages": {}}
                self.report["iterations"].append(entry)
                for stage in self.config.stages:
                    checkpoint, entry["stages"][stage] = self._stage(iteration, stage, checkpoint, parts)
                    save_report(self.report, self.out)
                    if self.config.evaluate_every == "stage" and "skipped" not in entry["stages"][stage]:
                        name = f"it{iteration}-after-{stage}"
                        checkpoints.append(Contestant(name, resolve_model(f"hf:{checkpoint}")))
                changed = checkpoint.resolve() != Path(checkpoints[-1].model.target)  # every stage may be skipped
                if self.config.evaluate_every == "iteration" and changed:
                    checkpoints.append(Contestant(f"target-it{iteration}", resolve_model(f"hf:{checkpoint}")))
                entry["checkpoint"] = str(checkpoint)
                entry["eval"] = self._evaluate(checkpoints)
                self.say(f"iteration {iteration}: Elo {entry['eval'][checkpoints[-1].name]['elo']:.1f}")
                save_report(self.report, self.out)
        self.report["best"] = self._best(checkpoints)
        save_report(self.report, self.out)
        return self.report

    def _parts(self) -> list[list]:
        from wizardarena.construct.clean import clean_pool
        from wizardarena.construct.decontaminate import DecontaminationConfig, decontaminate
        from wizardarena.construct.pool import read_pool
        from wizardarena.testsets import load_testset

        pool = read_pool(self.config.pool).prompts
        cleaned, steps = clean_pool(pool)
        test = [p for name in self.config.against for p in load_testset(name)[1]]
        if self.config.decontaminate_top_k and self.embedder is None:
            from wizardarena.embeddings import SentenceEmbedder, default_cache_path

            self.embedder = SentenceEmbedder(cache=default_cache_path())
        settings = DecontaminationConfig(top_k=self.config.decontaminate_top_k)
        result = decontaminate(cleaned, test, self.embedder, settings)
        size, needed = self.config.part_size, len(self.config.stages) * self.config.iterations
        count = self.config.parts if size is None else max(needed, len(result.kept) // size)
        parts = [part[:size] for part in split_parts(result.kept, count, self.config.seed)]
        self.report["pool"] = {"read": len(pool), "after_cleaning": len(cleaned),
                               "cleaning": [step.counts() for step in steps],
                               "decontamination": {k: v for k, v in result.report.items() if k != "parameters"},
                               "parts": [len(part) for part in parts]}
        self.say(f"pool: {len(pool)} read, {len(cleaned)} after cleaning, {result.report['dropped']} dropped by "
                 f"decontamination against {', '.join(self.config.against)}; parts of {len(parts[0])}")
        return parts

    def _stage(self, iteration: int, stage: str, checkpoint: Path, parts: list[list]) -> tuple[Path, dict]:
        from wizardarena.refs import resolve_model
        from wizardarena.trainers.flywheel_battles import battle_part
        from wizardarena.trainers.flywheel_stages import train_stage

        part = stage_part(iteration, stage, self.config.stages)
        target = Contestant(f"target-it{iteration}-{stage}", resolve_model(f"hf:{checkpoint}"))
        battles = battle_part(self.store, f"flywheel-part{part}", parts[part], target, self.opponents,
                              self.judge, self.decoding, self.owner, self.config.engine_settings())
        folder = self.out / f"iteration-{iteration}" / stage
        new_checkpoint, info = train_stage(stage, iteration, battles, target.name, checkpoint, folder, self.config)
        games = Counter("invalid" if not v.valid else "valid" for v in battles.judgments)
        info = {"part": part, "prompts": len(parts[part]), "games": dict(games), "model_calls": battles.model_calls,
                **info, "checkpoint": str(new_checkpoint)}
        self.say(f"iteration {iteration} {stage}: part {part}, {info['rows']} rows -> {new_checkpoint}")
        return new_checkpoint, info

    def _evaluate(self, checkpoints: list[Contestant]) -> dict:
        from wizardarena.trainers.flywheel_battles import evaluate_checkpoints

        return evaluate_checkpoints(self.store, checkpoints, self.eval_opponents, self.config.eval_testset,
                                    self.config.eval_limit, self.judge, self.decoding, self.owner,
                                    self.config.eval_bootstrap, self.config.seed, self.config.engine_settings(),
                                    self.config.eval_baseline)

    def _best(self, checkpoints: list[Contestant]) -> dict:
        final = self.report["iterations"][-1]["eval"]
        best = max(checkpoints, key=lambda c: final[c.name]["elo"])
        path = best.model.target
        (self.out / "best_checkpoint.txt").write_text(path + "\n", encoding="utf-8")
        return {"name": best.name, "checkpoint": path, **final[best.name]}
