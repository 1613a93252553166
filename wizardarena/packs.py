"""Reference packs: real answers of known models to a shipped test set, so a new model can meet them
without regenerating anything (``answers:PACK#MODEL``; in ``eval``, ``answers:PACK`` means every model and
``answers:PACK#SUBSET`` a named subset of them, e.g. ``arena-hard-v0.1#2024-03``).

A pack is two files in ``wizardarena/data/packs``: ``NAME.parquet`` (``model``, ``prompt_id``, ``turns``)
and ``NAME.json`` (provenance, the test set the prompts come from, each model's Chatbot Arena name, and
``subsets``: subset name -> models; ``all`` is always every model).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from wizardarena.errors import InputError


@dataclass(frozen=True)
class Pack:
    """A loaded pack: ``answers[model][prompt_id]`` is the list of that model's replies, one per turn."""

    name: str
    testset: str
    models: tuple[str, ...]
    arena_names: dict[str, str]
    answers: dict[str, dict[str, list[str]]]
    meta: dict

    @property
    def subsets(self) -> dict[str, tuple[str, ...]]:
        """Named subsets of the models (from the card), ``all`` included."""
        named = {name: tuple(models) for name, models in self.meta.get("subsets", {}).items()}
        return {**named, "all": self.models}


def _folder() -> Path:
    return Path(str(resources.files("wizardarena.data.packs")))


def pack_names() -> list[str]:
    """Names of the shipped packs."""
    return sorted(path.stem for path in _folder().glob("*.json"))


def is_pack(name: str) -> bool:
    """Whether ``name`` is a shipped pack."""
    return name in pack_names()


@lru_cache(maxsize=4)
def load_pack(name: str) -> Pack:
    """Load a shipped pack by name (cached: the answers are read once per process)."""
    import pyarrow.parquet as pq

    if not is_pack(name):
        raise InputError(f"no reference pack {name!r}; shipped: {', '.join(pack_names()) or 'none'}")
    meta = json.loads((_folder() / f"{name}.json").read_text(encoding="utf-8"))
    table = pq.read_table(_folder() / f"{name}.parquet").to_pydict()
    answers: dict[str, dict[str, list[str]]] = {}
    for model, prompt_id, turns in zip(table["model"], table["prompt_id"], table["turns"]):
        answers.setdefault(model, {})[prompt_id] = turns
    return Pack(name=name, testset=meta["testset"], models=tuple(sorted(answers)),
                arena_names=meta.get("arena_names", {}), answers=answers, meta=meta)


def pack_selection(target: str) -> tuple[Pack, tuple[str, ...]] | None:
    """The pack and models that ``PACK`` (every model) or ``PACK#SUBSET`` names, or None when ``target``
    names neither (a path, or ``PACK#MODEL``: one model)."""
    name, hash_sign, subset = (part.strip() for part in target.strip().rpartition("#")) if "#" in target \
        else (target.strip(), "", "")
    if not is_pack(name):
        return None
    pack = load_pack(name)
    if not hash_sign:
        return pack, pack.models
    return (pack, pack.subsets[subset]) if subset in pack.subsets and subset not in pack.answers else None


def write_pack(out: str | Path, name: str, answers: dict[str, dict[str, list[str]]], meta: dict) -> Path:
    """Write a pack (Parquet with zstd, rows sorted by prompt then model so similar answers compress
    together) and its JSON card; returns the Parquet path. ``meta`` must name the ``testset``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "testset" not in meta:
        raise InputError("a pack's metadata must name its test set ('testset')")
    rows = sorted((prompt_id, model, turns) for model, by_prompt in answers.items()
                  for prompt_id, turns in by_prompt.items())
    table = pa.table({"model": [r[1] for r in rows], "prompt_id": [r[0] for r in rows],
                      "turns": [r[2] for r in rows]})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.parquet"
    pq.write_table(table, path, compression="zstd", compression_level=19, use_dictionary=["model", "prompt_id"],
                   row_group_size=len(rows), data_page_size=8 << 20)
    card = {"name": name, **meta, "models": sorted(answers), "rows": len(rows)}
    (out / f"{name}.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
