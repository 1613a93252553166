"""What ``eval`` writes to ``--out``: answers, judgments, battles and ratings under this run's labels and
tie rule, and ``run.json`` with the provenance of every number (judge id and settings, models, versions)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from wizardarena.arena.holes import holes_info
from wizardarena.arena.pipeline import EvalConfig, EvalResult
from wizardarena.judge.parse import verdict
from wizardarena.ratings.baseline import with_baseline
from wizardarena.ratings.length_control import with_length_control
from wizardarena.records import with_parse_status
from wizardarena.store.protocol import Store

STAGING = ".wizardarena-out-"


def run_info(result: EvalResult, config: EvalConfig) -> dict:
    """The run's metadata: judge provenance, contestants (label -> canonical spec and fingerprint),
    test set, decoding, battle rules, CI kind (``ci``), bootstrap (rounds, unit) and seed, the ``--baseline`` and
    whether style control rated the battles (``style_coefs``: the coefficients it used and their origin);
    ``missing_answers`` when pre-computed answers lacked prompts (what was skipped)."""
    judge = config.judge
    models = {c.name: {"spec": c.spec, **({"fingerprint": c.model.fingerprint} if c.model.fingerprint else {})}
              for c in config.contestants}
    return {"judge": judge.id, "judge_provenance": judge.provenance(), "testset": result.plan.testset,
            "prompts": len(result.plan.prompts), "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "seed": result.ratings.config.seed, "ci": result.ratings.config.ci,
            "bootstrap": 0 if result.ratings.config.ci == "sandwich" else result.ratings.config.bootstrap,
            "unit": result.ratings.config.unit, "baseline": config.baseline,
            "style_control": result.ratings.config.style_control,
            **({"style_coefs": result.ratings.style.info()} if result.ratings.style else {}),
            "decoding": json.loads(config.decoding.key()), "tie_margin": judge.config.tie_margin,
            "combine": judge.config.combine, "contestants": models, "models": list(result.ratings.models),
            "schedule": config.schedule, **_placement_info(result),
            **({"missing_answers": holes_info(result.plan.holes, result.plan.skipped)} if result.plan.holes else {}),
            **({"panel": [j.provenance() for j in config.judges]} if config.panel else {})}


def _placement_info(result: EvalResult) -> dict:
    placed = result.placement
    if placed is None:
        return {}
    return {"placement": {"judgments": placed.judgments, "full_design": placed.full_design,
                          "rounds": placed.rounds, "stop": placed.stop, "left_race": placed.left_race}}


def write_outputs(result: EvalResult, config: EvalConfig, store: Store, out: Path,
                  ratings: list[dict] | None = None) -> list[Path]:
    """Write, as one set (all files are complete before any replaces its old version), ``run.json``
    (:func:`run_info`), ``answers.jsonl``, ``judgments.jsonl`` (full, with raw
    replies, winners by the run's tie rule: the same function the battles use), ``battles.jsonl`` (LMSYS
    format) and ``ratings.jsonl`` (with the ``baseline_*`` fields under ``--baseline``, and the ``lc_*`` ones
    for the alpaca-eval protocol). Records carry this run's labels, whatever names the store holds. A judge
    panel's judgments are every judge's; ``ratings`` replaces the records of ``ratings.jsonl`` (a panel rated
    per judge)."""
    from wizardarena.tables import write_records

    planned = result.plan.planned
    stored_answers = store.answers(result.plan.answer_keys())
    labels = sorted({(g.answer_a, g.model_a) for g in planned} | {(g.answer_b, g.model_b) for g in planned})
    answers = [{**stored_answers[key], "model": name} for key, name in labels if key in stored_answers]
    keys = dict.fromkeys(g.key for g in planned)
    stored = store.judgments(keys, None if config.panel else config.judge.id)  # a panel's keys span its judges
    margins = {judge.id: judge.config.tie_margin for judge in config.judges}
    judgments = []
    for game in sorted(planned, key=lambda g: (g.key, g.model_a, g.model_b)):
        record = stored.get(game.key)
        if record is not None:
            margin = margins.get(record["judge"], config.judge.config.tie_margin)
            winner = verdict(record["score_a"], record["score_b"], margin) if record["valid"] else None
            judgments.append(with_parse_status({**record, "model_a": game.model_a, "model_b": game.model_b,
                                                "swapped": game.swapped, "winner": winner}))
    files = {"answers.jsonl": answers, "judgments.jsonl": judgments, "battles.jsonl": result.battles,
             "ratings.jsonl": ratings if ratings is not None else
             with_length_control(with_baseline(result.ratings.records(), result.ratings, config.baseline), result,
                                 config)}
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(f"{STAGING}*"):  # left by a run killed while writing its set
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=out))
    try:  # the whole set first, beside the old one; a full disk here leaves the old set as it was
        (staging / "run.json").write_text(json.dumps(run_info(result, config), indent=1) + "\n", encoding="utf-8")
        for name, records in files.items():
            write_records(staging / name, list(records))
        names = ["run.json", *files]
        for name in names:  # renames need no space: the new set replaces the old one file by file
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in names]
