"""One WizardArena run over answers produced elsewhere (lm-eval): the answers go straight into the
pipeline as an in-memory model (known by their content), battle the references through the usual store,
and are rated and reported."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from wizardarena.errors import InputError


@dataclass
class ArenaOutcome:
    """What one aggregation computed, shared by all six metrics."""

    metrics: dict[str, float]
    ratings: list = field(default_factory=list)


def run_items(items: list[tuple]):
    """Judge and rate lm-eval's ``(settings, testset, prompt id, answer)`` items; returns an
    :class:`ArenaOutcome` whose metrics are the model's."""
    from wizardarena.arena.contestants import contestants
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.home import default_store
    from wizardarena.ratings import RatingConfig, parse_anchor
    from wizardarena.refs import Contestant, resolve_judge
    from wizardarena.refs.model import in_memory_answers
    from wizardarena.store import ArenaStore, make_owner
    from wizardarena.testsets import load_testset

    settings, testset = json.loads(items[0][0]), items[0][1]
    answers = {prompt_id: [text] for _, _, prompt_id, text in items}
    name, prompts = load_testset(testset)
    prompts = [p for p in prompts if p["id"] in answers]
    store_path = Path(settings["store"] or default_store()).expanduser()  # shared with eval: references judged once
    model = settings["model_name"]
    judge = resolve_judge(settings["judge"])
    references, _ = contestants((settings["references"],), judge)
    if model in {r.name for r in references}:
        raise InputError(f"model_name {model!r} is also a reference model's name; pick another in --metadata")
    config = EvalConfig(candidates=(Contestant(model, in_memory_answers(model, answers)), *references),
                        judge=judge, testset=name, chunk=256,
                        ratings=RatingConfig(bootstrap=int(settings["bootstrap"]), seed=int(settings["seed"]),
                                             unit="prompt", anchor=parse_anchor(f"{settings['baseline']}=1000")))
    with ArenaStore(store_path) as store:
        result = run_eval(config, store, make_owner(), testset=(name, prompts))
    return ArenaOutcome(metrics=model_metrics(result, model, settings["baseline"]), ratings=result.ratings.records())


def model_metrics(result, model: str, baseline: str) -> dict[str, float]:
    """The six reported numbers for ``model`` from a finished run."""
    records = {r["model"]: r for r in result.ratings.records(with_samples=False)}
    mine = records[model]
    columns = result.battle_columns
    won = total = 0.0
    for a, b, winner in zip(columns["model_a"], columns["model_b"], columns["winner"]):
        if {a, b} == {model, baseline}:
            total += 1
            won += 0.5 if winner.startswith("tie") else float((a if winner == "model_a" else b) == model)
    return {"elo": mine["rating"], "elo_lower": mine["lower"], "elo_upper": mine["upper"],
            "win_rate": won / total if total else float("nan"), "n_battles": float(mine["n_battles"]),
            "n_invalid": float(result.judge_report.invalid_by_model.get(model, 0))}
