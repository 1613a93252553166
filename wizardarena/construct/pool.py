"""Reading a pool of conversations and reducing each to a Prompt record (its user turns only).

Inputs are JSON Lines / JSON / Parquet files or a folder saved with ``datasets``' ``save_to_disk``
(every split, in order). Accepted record shapes:

- our Prompt records, MT-Bench ``{question_id, turns}`` and Arena-Hard ``{uid, prompt}``;
- ShareGPT ``{"conversations": [{"from": "human" | "gpt", "value"}]}``;
- OpenAI-style ``{"messages": [{"role", "content"}]}`` (also under ``conversation``, as LMSYS-Chat
  and WildChat have it); ``content`` may be a list of ``{"type": "text", "text"}`` parts.

Every prompt's ``source`` is its input's label (``LABEL=PATH``, else the file stem, else, where stems
collide, the parent folder's name). Ids are kept; a record without one gets its position in the file;
an id repeated within a file gets ``~2``, ``~3``, ... When several inputs are pooled, ids become
``LABEL/ID`` so they stay unique. A conversation without any user text is skipped and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple, Sequence

from wizardarena.errors import InputError, MissingExtraError
from wizardarena.records import Prompt
from wizardarena.tables import read_rows
from wizardarena.testsets import prompt_from_row

USER_ROLES = frozenset({"human", "user"})
_LABELLED = re.compile(r"^([\w.\-]+)=(.+)$")
_ID_KEYS = ("id", "question_id", "uid", "conversation_id")


class PoolInput(NamedTuple):
    """One input of a pool: a file or saved dataset folder, and its source label."""

    label: str
    path: Path


class Pool(NamedTuple):
    """The prompts read, and per source how many records had no user text."""

    prompts: list[Prompt]
    skipped: dict[str, int]


def pool_inputs(specs: Sequence[str | Path]) -> list[PoolInput]:
    """Parse ``PATH`` or ``LABEL=PATH`` inputs and give each a distinct label."""
    parsed: list[tuple[str | None, Path]] = []
    for spec in specs:
        labelled = _LABELLED.match(str(spec))
        if labelled and not Path(spec).exists():
            parsed.append((labelled.group(1), Path(labelled.group(2))))
        else:
            parsed.append((None, Path(spec)))
    stems = Counter(path.stem for label, path in parsed if label is None)
    inputs = [PoolInput(label or (path.stem if stems[path.stem] == 1 else path.resolve().parent.name), path)
              for label, path in parsed]
    repeated = [label for label, count in Counter(i.label for i in inputs).items() if count > 1]
    if repeated:
        raise InputError(f"pool inputs share the label {repeated[0]!r}; name them as LABEL=PATH")
    return inputs


def read_records(path: str | Path) -> list[dict]:
    """The raw records of a pool file, or of every split of a ``save_to_disk`` dataset folder."""
    path = Path(path)
    if not path.is_dir():
        return read_rows(path)
    try:
        import datasets
    except ImportError:
        raise MissingExtraError("datasets", "hub") from None
    try:
        loaded = datasets.load_from_disk(str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: a folder, but not a dataset saved with save_to_disk") from None
    splits = loaded.values() if isinstance(loaded, datasets.DatasetDict) else [loaded]
    return [row for split in splits for row in split.to_list()]


def prompt_from_record(row: dict, source: str, position: int, where: str) -> Prompt | None:
    """The Prompt of one record of any accepted shape (``source`` set, id as found or ``position``);
    None for a conversation without user text."""
    ident = next((row[key] for key in _ID_KEYS if row.get(key) is not None), position)
    conversation = next((row[key] for key in ("conversations", "messages", "conversation")
                         if isinstance(row.get(key), list)), None)
    if conversation is None:
        if not any(key in row for key in ("turns", "prompt")):
            raise InputError(f"{where}: no conversation found (expected turns, prompt, conversations or "
                             f"messages; found {', '.join(sorted(row)) or 'no fields'})")
        prompt = prompt_from_row({**row, "id": ident}, where)
        return Prompt(**{**prompt, "source": source})
    turns = [text for text in map(_user_text, conversation) if text and text.strip()]
    if not turns:
        return None
    category = row.get("category") if isinstance(row.get("category"), str) else None
    return Prompt(id=str(ident), turns=turns, category=category, cluster=None, difficulty=None, source=source)


def _user_text(message) -> str | None:
    """The text of a user message (ShareGPT or OpenAI style); None for any other role."""
    if not isinstance(message, dict):
        return None
    role = message.get("from", message.get("role"))
    if role not in USER_ROLES:
        return None
    content = message.get("value", message.get("content"))
    if isinstance(content, list):  # OpenAI content parts: keep the text ones
        content = "\n".join(part.get("text") or "" for part in content
                            if isinstance(part, dict) and part.get("type") == "text")
    return content if isinstance(content, str) else None


def pool_prompts(rows: Sequence[dict], source: str, where: str) -> list[Prompt | None]:
    """The Prompt of every record (None where it has no user text), with ids made unique in the file."""
    prompts = [prompt_from_record(row, source, position, f"{where}: record {position + 1}")
               for position, row in enumerate(rows)]
    seen: Counter[str] = Counter()
    for prompt in prompts:
        if prompt is not None:
            seen[prompt["id"]] += 1
            if seen[prompt["id"]] > 1:
                prompt["id"] = f"{prompt['id']}~{seen[prompt['id']]}"
    return prompts


def read_pool(specs: Sequence[str | Path]) -> Pool:
    """Read and pool every input (``PATH`` or ``LABEL=PATH``). An id that two inputs share becomes
    ``LABEL/ID`` in each; other ids are kept as given, so prompts still match answers keyed by them."""
    inputs = pool_inputs(specs)
    if not inputs:
        raise InputError("no pool inputs given")
    found_by_input: list[tuple[str, list[Prompt]]] = []
    skipped: dict[str, int] = {}
    for pool_input in inputs:
        found = pool_prompts(read_records(pool_input.path), pool_input.label, str(pool_input.path))
        skipped[pool_input.label] = sum(prompt is None for prompt in found)
        found_by_input.append((pool_input.label, [prompt for prompt in found if prompt is not None]))
    owners = Counter(prompt["id"] for _, found in found_by_input for prompt in found)
    prompts: list[Prompt] = []
    for label, found in found_by_input:
        for prompt in found:
            if owners[prompt["id"]] > 1:
                prompt["id"] = f"{label}/{prompt['id']}"
            prompts.append(prompt)
    if not prompts:
        raise InputError(f"the pool ({', '.join(str(i.path) for i in inputs)}) holds no prompts")
    return Pool(prompts, skipped)
