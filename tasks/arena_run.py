"""One WizardArena run over answers produced elsewhere (lm-eval): store them as an ``answers:`` file,
battle them round-robin with the references through the usual pipeline and store, rate, report."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from wizardarena.errors import InputError


def default_store() -> Path:
    """``$WIZARDARENA_CACHE/lm-eval/arena.sqlite`` (``~/.cache/wizardarena/...`` when unset)."""
    from wizardarena.embeddings import default_cache_path

    return default_cache_path().parent / "lm-eval" / "arena.sqlite"


def write_answers_file(model: str, answers: dict[str, list[str]], folder: Path) -> Path:
    """Write ``answers`` (prompt id -> replies) as our Answer records to ``folder/MODEL-DIGEST.jsonl``.

    The digest of the content is in the name, so the ``answers:`` spec of different answers differs
    and a store never mistakes new answers for old ones under the same model name."""
    records = [{"prompt_id": prompt_id, "model": model, "turns": turns, "meta": {"source": "lm-eval"}}
               for prompt_id, turns in sorted(answers.items())]
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe}-{digest}.jsonl"
    if not path.exists():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path


def run_items(items: list[tuple]):
    """Judge and rate lm-eval's ``(settings, testset, prompt id, answer)`` items; returns an
    :class:`wizardarena.tasks.harness.ArenaOutcome` whose metrics are the model's."""
    from wizardarena.arena.answering import Contestant
    from wizardarena.arena.contestants import contestants
    from wizardarena.arena.pipeline import EvalConfig, run_eval
    from wizardarena.backends import load_model
    from wizardarena.ratings import RatingConfig, parse_anchor
    from wizardarena.store import ArenaStore, make_owner
    from wizardarena.tasks.harness import ArenaOutcome
    from wizardarena.testsets import load_testset

    settings, testset = json.loads(items[0][0]), items[0][1]
    answers = {prompt_id: [text] for _, _, prompt_id, text in items}
    name, prompts = load_testset(testset)
    prompts = [p for p in prompts if p["id"] in answers]
    store_path = Path(settings["store"] or default_store()).expanduser()
    model = settings["model_name"]
    answers_file = write_answers_file(model, answers, store_path.parent / "lm-eval-answers")
    references, _ = contestants((settings["references"],), settings["judge"])
    if model in {r.name for r in references}:
        raise InputError(f"model_name {model!r} is also a reference model's name; pick another in --metadata")
    config = EvalConfig(candidates=(Contestant(model, f"answers:{answers_file}#{model}"), *references),
                        judge_spec=settings["judge"], testset=name, chunk=256,
                        ratings=RatingConfig(bootstrap=int(settings["bootstrap"]), seed=int(settings["seed"]),
                                             unit="prompt", anchor=parse_anchor(f"{settings['baseline']}=1000")))
    with ArenaStore(store_path) as store:
        result = run_eval(config, store, load_model, make_owner(), testset=(name, prompts))
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
