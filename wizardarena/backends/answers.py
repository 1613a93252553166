"""``answers:PATH[#MODEL]`` — replies computed earlier, read from JSON Lines.

PATH is a ``.jsonl`` file or a folder of them. Two record formats are read:

- ours (the Answer record): ``{"prompt_id", "model", "turns": [str, ...], "meta": {...}}``;
- arena-hard's model_answer: ``{"question_id", "model_id", "choices": [{"turns": [{"content"}, ...]}]}``.

With one model in the files, ``answers:PATH`` is enough; otherwise name it with ``#MODEL``. arena-hard
folders hold one file per model, named after it, so ``answers:DIR#MODEL`` reads just ``DIR/MODEL.jsonl``
when that file exists. PATH may also be the name of a shipped reference pack
(``answers:arena-hard-v0.1#gpt-4-0314``, see :mod:`wizardarena.packs`); a bare pack name wins over a
folder of the same name in the working directory (write ``./NAME`` for the folder). The decoding settings
passed to ``generate`` are ignored: the answers are what they are. Not a ``LogprobModel``.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Sequence

from wizardarena.backends.base import ChatRequest, Decoding
from wizardarena.errors import InputError
from wizardarena.packs import is_pack, load_pack


def _record_turns(record: dict, where: str, default_model: str) -> tuple[str, str, list[str]]:
    """``(model, prompt_id, turns)`` from a record in either format."""
    if "prompt_id" in record and "turns" in record:
        model, prompt_id, turns = record.get("model") or default_model, record["prompt_id"], record["turns"]
    elif "question_id" in record and "choices" in record:
        try:
            turns = [turn["content"] for turn in record["choices"][0]["turns"]]
        except (IndexError, KeyError, TypeError) as exc:
            raise InputError(f"{where}: arena-hard record without choices[0].turns[].content") from exc
        model = record.get("model_id") or record.get("model") or default_model
        prompt_id = record["question_id"]
    else:
        raise InputError(f"{where}: not an answer record (need prompt_id + turns, or question_id + choices)")
    if not isinstance(turns, list) or not all(isinstance(t, str) for t in turns):
        raise InputError(f"{where}: turns must be a list of strings")
    return str(model), str(prompt_id), turns


def read_answer_files(files: Sequence[Path]) -> dict[str, dict[str, list[str]]]:
    """``{model: {prompt_id: turns}}`` from JSON Lines files in either format (a later duplicate wins)."""
    table: dict[str, dict[str, list[str]]] = {}
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8").split("\n")  # not splitlines(): U+2028 may sit in a reply
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot read ({exc})") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{file}:{number}: invalid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise InputError(f"{file}:{number}: expected a JSON object")
            model, prompt_id, turns = _record_turns(record, f"{file}:{number}", file.stem)
            table.setdefault(model, {})[prompt_id] = turns
    return table


def _split_target(target: str) -> tuple[Path, str | None]:
    """PATH and MODEL from ``PATH#MODEL`` (a path that exists with its '#' wins)."""
    if "#" in target and not Path(target).expanduser().exists():
        path, _, model = target.rpartition("#")
        return Path(path).expanduser(), model or None
    return Path(target).expanduser(), None


class AnswersModel:
    """Serves one model's pre-computed answers; ``prompt_ids`` says which prompts they cover."""

    def __init__(self, path: str | Path, *, model: str | None = None):
        if is_pack(str(path)):
            pack = load_pack(str(path))
            if model in pack.subsets and model not in pack.answers:
                raise InputError(f"answers:{path}#{model} is a subset of {len(pack.subsets[model])} models, not one "
                                 "model: use it with eval's --model or --opponents")
            self._serve(str(path), pack.answers, model)
            return
        path = Path(path).expanduser()
        if path.is_dir():
            files = sorted(path.glob("*.jsonl"))
            if model is not None and (path / f"{model}.jsonl").is_file():
                files = [path / f"{model}.jsonl"]
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"answers:{path}: no such file or folder")
        table = read_answer_files(files)
        if not table:
            raise InputError(f"answers:{path}: no answer records found (expected .jsonl files)")
        self._serve(str(path), table, model)

    @classmethod
    def from_table(cls, model: str, answers: dict[str, list[str]]) -> "AnswersModel":
        """Serve answers held in memory (prompt id -> replies), as ``answers:memory#MODEL``."""
        self = cls.__new__(cls)
        self._serve("memory", {model: dict(answers)}, model)
        return self

    def _serve(self, path: str, table: dict[str, dict[str, list[str]]], model: str | None) -> None:
        if model is None:
            if len(table) > 1:
                names = sorted(table)
                shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
                raise InputError(f"answers:{path} holds {len(names)} models ({shown}); "
                                 f"pick one with answers:{path}#MODEL")
            model = next(iter(table))
        if model not in table:
            close = difflib.get_close_matches(model, list(table), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(f"answers:{path}: no answers for model {model!r}{hint}")
        self.model_name = model
        self.spec = f"answers:{path}#{model}"
        self._answers = table[model]
        self.prompt_ids: set[str] = set(self._answers)

    def __repr__(self) -> str:
        return f"AnswersModel({self.spec!r}, {len(self.prompt_ids)} prompts)"

    def turns(self, prompt_id: str) -> list[str]:
        """Every stored reply to ``prompt_id`` (one per user turn)."""
        return self._answers[prompt_id]

    def generate(self, requests: Sequence[ChatRequest], decoding: Decoding) -> list[str]:
        """The stored reply to each request's turn; all requests are checked before anything is returned."""
        missing = [r for r in requests if r.turn >= len(self._answers.get(r.prompt_id, ()))]
        if missing:
            first = missing[0]
            raise InputError(f"answers for model {self.model_name!r}: {len(missing)} of {len(requests)} "
                             f"requests have no pre-computed answer "
                             f"(first: prompt {first.prompt_id!r}, turn {first.turn})")
        return [self._answers[r.prompt_id][r.turn] for r in requests]


def from_spec(target: str, **options) -> AnswersModel:
    """Build the answers backend named by ``answers:PATH[#MODEL]``."""
    path, model = _split_target(target)
    return AnswersModel(path, model=options.pop("model", None) or model, **options)
