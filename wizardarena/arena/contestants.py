"""``--model`` / ``--opponents`` values -> contestants: ``[NAME=]SPEC``, and ``answers:PACK`` for every
model of a shipped reference pack."""

from __future__ import annotations

import re

from wizardarena.errors import InputError

_NAMED = re.compile(r"^([\w.\-]+)=(\w+:.*)$")


def contestant(text: str):
    """``NAME=SPEC`` or ``SPEC``; the default name is the spec's last path part (or ``MODEL`` of openai:)."""
    from wizardarena.arena.answering import Contestant

    named = _NAMED.match(text)
    if named:
        return Contestant(named.group(1), named.group(2))
    prefix, _, rest = text.partition(":")
    if not rest:
        raise InputError(f"model spec {text!r} needs a backend prefix (hf:, vllm:, openai:, answers:)")
    if prefix == "openai":
        rest = rest.rsplit("@", 1)[0]
    if prefix == "answers" and "#" in rest:
        rest = rest.rsplit("#", 1)[1]
    return Contestant(rest.rstrip("/").rsplit("/", 1)[-1] or text, text)


def contestants(texts: tuple[str, ...], judge_spec: str) -> tuple[list, list[str]]:
    """Every contestant the values name, and notes for the user. ``answers:PACK`` (a shipped pack, no
    ``#MODEL``) stands for all its models, named by their Chatbot Arena names, except the model whose
    answers a ``similarity:`` judge uses as its reference: that one sits out."""
    from wizardarena.arena.answering import Contestant
    from wizardarena.judge.similarity import reference_spec
    from wizardarena.packs import is_pack, load_pack

    reference = reference_spec(judge_spec)
    out, notes = [], []
    for text in texts:
        target = text.partition(":")[2]
        if text.startswith("answers:") and is_pack(target):
            pack = load_pack(target)
            for model in pack.models:
                spec = f"answers:{target}#{model}"
                if spec == reference:
                    notes.append(f"{model} sits out: its answers are the similarity judge's reference")
                    continue
                out.append(Contestant(pack.arena_names.get(model, model), spec))
            continue
        one = contestant(text)
        if one.spec == reference:
            raise InputError(f"{one.spec} is the similarity judge's reference; it cannot also be a contestant")
        out.append(one)
    return out, notes
