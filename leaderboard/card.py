"""The dataset card (``README.md``) of a published leaderboard: YAML front matter that declares every
data file as a ``datasets`` config, then the leaderboard as Markdown (the same view as
:func:`wizardarena.leaderboard.markdown.render_markdown`), the run metadata and how to load the data.

huggingface_hub is imported inside :func:`dataset_card` (see :func:`import_hub`), so importing this module
stays light.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, Mapping, Sequence

from wizardarena.errors import MissingExtraError
from wizardarena.leaderboard.board import Leaderboard, RunInfo
from wizardarena.leaderboard.markdown import escape_markdown, render_markdown
from wizardarena.ratings.table import BattleTable
from wizardarena.records import Rating

CARD_TAGS = ("wizardarena", "leaderboard", "chatbot-arena")
DEFAULT_LICENSE = "cc-by-4.0"
DEFAULT_PRETTY_NAME = "WizardArena leaderboard"

_TABLE_NOTES = {
    "ratings": "one row per model (and category): Elo `rating`, 95% CI `lower` / `upper`, `n_battles`",
    "battles": "one row per battle (LMSYS format: `model_a`, `model_b`, `winner`, ...)",
    "judgments": "one row per judge call (`prompt_id`, `model_a`, `model_b`, `judge`, `swapped`, scores, `winner`)",
}
_ABOUT = """## About

Ratings from [WizardArena](https://arxiv.org/abs/2407.10627), an offline simulated Chatbot Arena: an LLM
judge compares the answers of every pair of models (twice, positions swapped), and a Bradley-Terry fit turns
the battles into Elo ratings with bootstrap 95% confidence intervals."""


def import_hub() -> ModuleType:
    """The ``huggingface_hub`` module, or :class:`MissingExtraError` naming the ``hub`` extra."""
    try:
        import huggingface_hub
    except ImportError:
        raise MissingExtraError("huggingface_hub", "hub") from None
    return huggingface_hub


def card_configs(files: Mapping[str, str]) -> list[dict[str, Any]]:
    """``configs`` front matter: one config per table (name -> path in the repo), ``ratings`` the default.

    >>> card_configs({"ratings": "data/ratings.parquet"})
    [{'config_name': 'ratings', 'data_files': [{'split': 'train', 'path': 'data/ratings.parquet'}], 'default': True}]
    """
    return [{"config_name": name, "data_files": [{"split": "train", "path": path}],
             **({"default": True} if name == "ratings" else {})} for name, path in files.items()]


def run_markdown(run: Mapping[str, Any]) -> str:
    """The run metadata as a two-column Markdown table; package versions on one row, the file list left
    to its own section, unknown values as a dash."""
    lines = ["| | |", "| :--- | :--- |"]
    for key, value in run.items():
        if key == "files":
            continue
        if key == "versions" and isinstance(value, Mapping):
            value = ", ".join(f"{name} {version}" for name, version in value.items())
        text = "—" if value is None else escape_markdown(value if isinstance(value, str) else json.dumps(value))
        lines.append(f"| {escape_markdown(key)} | {text} |")
    return "\n".join(lines)


def dataset_card(overall: Sequence[Rating], by_category: Mapping[str, Sequence[Rating]],
                 files: Mapping[str, str], run: Mapping[str, Any], *, pretty_name: str = DEFAULT_PRETTY_NAME,
                 license: str = DEFAULT_LICENSE, repo_id: str | None = None,
                 battles: BattleTable | None = None) -> str:
    """The text of ``README.md`` for validated Rating records (``overall`` and per category).

    ``files`` maps a config name to its path in the repo; ``run`` is the content of ``run.json`` (its
    judge, testset, date and seed head the leaderboard); ``repo_id`` fills the loading example. With
    ``battles`` the board is the one ``wizardarena leaderboard`` renders: win rates and, when the ratings
    have no categories, per-category boards rated with ``run``'s bootstrap (unit, rounds, seed)."""
    hub = import_hub()
    from wizardarena.leaderboard.sources import category_rating_config, judge_settings_text, style_text

    facts = {key: None if run.get(key) is None else str(run[key]) for key in ("judge", "testset", "date", "seed")}
    if isinstance(run.get("judge_provenance"), dict):
        facts["judge_settings"] = judge_settings_text(run["judge_provenance"])
    if isinstance(run.get("style_coefs"), dict):
        facts["style_control"] = style_text(run["style_coefs"])
    config = None if battles is None else category_rating_config(dict(run), battles)
    board = Leaderboard.from_records(overall, battles, info=RunInfo(title=pretty_name, **facts),
                                     category_config=config, category_records=by_category)
    data = hub.DatasetCardData(license=license, pretty_name=pretty_name, tags=list(CARD_TAGS),
                               configs=card_configs(files))
    source = json.dumps(repo_id or "ORG/NAME")
    loads = "\n".join(f'{name} = load_dataset({source}, "{name}", split="train")' for name in files)
    listing = "\n".join(f"- `{path}`: {_TABLE_NOTES.get(name, name)}" for name, path in files.items())
    body = (f"{render_markdown(board)}\n{_ABOUT}\n\n## Run\n\n{run_markdown(run)}\n\n"
            f"## Files\n\n{listing}\n\nThe run metadata is also in `run.json`.\n\n"
            f"```python\nfrom datasets import load_dataset\n\n{loads}\n```\n")
    return str(hub.DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))
