"""WizardArena inside lm-evaluation-harness: lm-eval generates the answers, then one aggregation call
judges and rates them all at once.

The YAML tasks beside this module call it through ``hooks.py`` (lm-eval's ``!function`` loads files by
path, and every load is a fresh module, so all state lives here, in the package). Settings come from
``--metadata`` (merged into each task's ``metadata``) and travel with every doc:

- ``model_name``: the name the answers get in the arena (default ``lm-eval-model``);
- ``judge``: any judge spec (default: the offline ``similarity:arena-hard-v0.1#gpt-4-1106-preview``);
- ``references``: the opponents, an ``answers:`` pack or path (default ``answers:arena-hard-v0.1#2024-03``: the
  pack's 29 models of the 2024-03-29 arena);
- ``baseline``: the reference for ``win_rate`` and the Elo anchor (default ``gpt-4-0314``, at 1000);
- ``store``: the arena store (default: the one ``wizardarena eval`` uses, ``$WIZARDARENA_HOME/arena.sqlite``,
  so the references' games are judged once); ``bootstrap`` (100) and ``seed`` (0).

Only prompts that every reference answers become docs: references exist for single-turn prompts only,
so multi-turn prompts are left out (lm-eval asks for all generations at once, so a second turn could
not see the model's first reply anyway). The report says how many prompts of the set were used.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizardarena.tasks.arena_run import ArenaOutcome

DEFAULTS = {"model_name": "lm-eval-model", "judge": "similarity:arena-hard-v0.1#gpt-4-1106-preview",
            "references": "answers:arena-hard-v0.1#2024-03", "baseline": "gpt-4-0314", "store": None,
            "bootstrap": 100, "seed": 0}
METRICS = ("elo", "elo_lower", "elo_upper", "win_rate", "n_battles", "n_invalid")


def dataset(testset: str, **metadata):
    """The docs of a shipped test set: its prompts that every reference answers, each carrying the
    run's settings (a ``datasets.DatasetDict`` with one ``test`` split)."""
    import datasets

    from wizardarena.testsets import load_testset

    settings = {**DEFAULTS, **{k: v for k, v in metadata.items() if k in DEFAULTS}}
    _, prompts = load_testset(testset)
    covered = _covered_ids(settings)  # bad settings fail here, before any generation
    docs = [{"id": p["id"], "prompt": p["turns"][0], "category": p.get("category") or "",
             "testset": testset, "settings": json.dumps(settings, sort_keys=True)}
            for p in prompts if len(p["turns"]) == 1 and p["id"] in covered]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})


def diverse_dataset(**metadata):
    """Docs of ``wizardarena-diverse`` (see :func:`dataset`)."""
    return dataset("wizardarena-diverse", **metadata)


def hard_dataset(**metadata):
    """Docs of ``wizardarena-hard`` (see :func:`dataset`)."""
    return dataset("wizardarena-hard", **metadata)


def mix_dataset(**metadata):
    """Docs of ``wizardarena-mix`` (see :func:`dataset`)."""
    return dataset("wizardarena-mix", **metadata)


def _covered_ids(settings: dict) -> set[str]:
    from wizardarena.arena.contestants import contestants
    from wizardarena.refs import resolve_judge

    references, _ = contestants((settings["references"],), resolve_judge(settings["judge"]))
    covered: set[str] | None = None
    for reference in references:
        ids = reference.model.load().prompt_ids
        covered = ids if covered is None else covered & ids
    return covered or set()


def doc_to_text(doc: dict) -> str:
    """The user's message (lm-eval wraps it in the model's chat template with --apply_chat_template)."""
    return doc["prompt"]


def process_results(doc: dict, results: list[str]) -> dict:
    """Every metric gets the same item; the aggregations judge and rate all items at once."""
    item = (doc["settings"], doc["testset"], doc["id"], results[0])
    return {metric: item for metric in METRICS}


_OUTCOMES: dict[str, "ArenaOutcome"] = {}


def outcome(items: list[tuple]) -> "ArenaOutcome":
    """Judge and rate ``items`` (memoised: the six aggregations of one task share one run)."""
    from wizardarena.tasks.arena_run import run_items

    digest = hashlib.sha256(json.dumps(sorted(items)).encode("utf-8")).hexdigest()
    if digest not in _OUTCOMES:
        _OUTCOMES[digest] = run_items(items)
    return _OUTCOMES[digest]


def _aggregation(metric: str, doc: str):
    """An lm-eval aggregation reporting ``metric`` of the shared :func:`outcome`."""

    def aggregate(items: list[tuple]) -> float:
        return outcome(items).metrics[metric]

    aggregate.__name__, aggregate.__doc__ = metric, doc
    return aggregate


elo = _aggregation("elo", "The model's Elo on the reference pack's scale (baseline anchored at 1000).")
elo_lower = _aggregation("elo_lower", "Lower end of the model's 95% bootstrap CI.")
elo_upper = _aggregation("elo_upper", "Upper end of the model's 95% bootstrap CI.")
win_rate = _aggregation("win_rate", "Share of the model's battles against the baseline that it won (ties count half).")
n_battles = _aggregation("n_battles", "Battles the model fought.")
n_invalid = _aggregation("n_invalid", "Judgments involving the model that the judge left invalid.")
