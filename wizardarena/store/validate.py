"""Type checks of the record contracts, run before anything reaches the store.

A bad record raises a one-line ``InputError`` that says where it came from; a good one comes back
normalised (an int in a float field becomes a float, a null ``meta`` becomes ``{}``) with any keys outside
the contract kept as they were.
"""

from __future__ import annotations

import math

import orjson

from wizardarena.errors import InputError
from wizardarena.records import Answer, Judgment, Prompt

# Field kinds: "name" is a non-empty string, "text" any string, "texts" a list of strings; "?" allows null.
PROMPT_FIELDS = {"id": "name", "turns": "texts", "category": "text?", "cluster": "int?",
                 "difficulty": "float?", "source": "text"}
ANSWER_FIELDS = {"prompt_id": "name", "model": "name", "turns": "texts", "meta": "dict"}
JUDGMENT_FIELDS = {"prompt_id": "name", "model_a": "name", "model_b": "name", "judge": "name",
                   "swapped": "bool", "score_a": "float?", "score_b": "float?", "p_a": "float?",
                   "winner": "winner?", "valid": "bool", "raw": "text"}
JUDGMENT_WINNERS = ("model_a", "model_b", "tie")

_MEANING = {"name": "a non-empty string", "text": "a string", "texts": "a list of strings",
            "dict": "an object", "bool": "true or false", "int": "an integer", "float": "a finite number",
            "winner": "one of " + ", ".join(JUDGMENT_WINNERS)}


def check_prompt(record: object, where: str) -> Prompt:
    """Validate one test-set prompt (the ``Prompt`` contract); ``where`` prefixes any error."""
    prompt = check_fields(record, PROMPT_FIELDS, where)
    if not prompt["turns"]:
        raise InputError(f"{where}: field 'turns' must hold at least one user turn")
    return prompt  # type: ignore[return-value]


def check_answer(record: object, where: str) -> Answer:
    """Validate one answer (the ``Answer`` contract); ``where`` prefixes any error."""
    return check_fields(record, ANSWER_FIELDS, where)  # type: ignore[return-value]


def check_judgment(record: object, where: str) -> Judgment:
    """Validate one judgment (the ``Judgment`` contract); ``where`` prefixes any error."""
    if _well_formed_judgment(record):  # the common case, checked cheaply; anything odd gets the full check
        return record  # type: ignore[return-value]
    return check_fields(record, JUDGMENT_FIELDS, where)  # type: ignore[return-value]


def _well_formed_judgment(j: object) -> bool:
    if type(j) is not dict:
        return False
    get = j.get
    for name in ("prompt_id", "model_a", "model_b", "judge"):
        value = get(name)
        if type(value) is not str or not value:
            return False
    for name in ("score_a", "score_b", "p_a"):
        value = get(name)
        if value is not None and (type(value) is not float or not math.isfinite(value)):
            return False
    return (type(get("swapped")) is bool and type(get("valid")) is bool and type(get("raw")) is str
            and get("winner") in _WINNER_OR_NONE)


_WINNER_OR_NONE = (None, *JUDGMENT_WINNERS)


def check_fields(record: object, fields: dict[str, str], where: str) -> dict:
    """Check ``record`` against a field table like :data:`ANSWER_FIELDS`; returns a normalised copy.

    Nullable fields may be absent (they read as null); every other field is required.
    """
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected an object, got {type(record).__name__}")
    clean = dict(record)
    for name, kind in fields.items():
        if name not in record and not kind.endswith("?") and kind != "dict":
            raise InputError(f"{where}: missing field {name!r}")
        clean[name] = _check_value(record.get(name), kind, f"{where}: field {name!r}")
    return clean


def _check_value(value: object, kind: str, where: str) -> object:
    base = kind.rstrip("?")
    if value is None and (kind.endswith("?") or base == "dict"):
        return {} if base == "dict" else None
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if base == "name" and isinstance(value, str) and value:
        return value
    if base == "text" and isinstance(value, str):
        return value
    if base == "texts" and isinstance(value, list) and all(isinstance(t, str) for t in value):
        return list(value)
    if base == "dict" and isinstance(value, dict):
        try:
            orjson.dumps(value)  # the store's own encoder: what it cannot write is refused
        except (TypeError, ValueError) as exc:  # caught here, not half-way through a transaction
            raise InputError(f"{where} must hold only JSON values ({exc})") from None
        return value
    if base == "bool" and isinstance(value, bool):
        return value
    if base == "int" and is_number and float(value).is_integer():
        return int(value)
    if base == "float" and is_number and math.isfinite(value):
        return float(value)
    if base == "winner" and value in JUDGMENT_WINNERS:
        return value
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    nullable = " or null" if kind.endswith("?") else ""
    raise InputError(f"{where} must be {_MEANING[base]}{nullable}, got {shown}")
