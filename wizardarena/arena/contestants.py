"""``--model`` / ``--opponents`` values -> contestants: ``[NAME=]SPEC``, and ``answers:PACK`` for every
model of a shipped reference pack."""

from __future__ import annotations

from wizardarena.errors import InputError
from wizardarena.refs import Contestant, JudgeRef, parse_contestant, resolve_model


def contestants(texts: tuple[str, ...], judge: JudgeRef | None = None) -> tuple[list[Contestant], list[str]]:
    """Every contestant the values name, and notes for the user. ``answers:PACK`` (a shipped pack, no
    ``#MODEL``) stands for all its models, named by their Chatbot Arena names, except the model whose
    answers an offline judge (``similarity:``, ``overlap:``) uses as a reference: those sit out."""
    from wizardarena.packs import is_pack, load_pack

    references = [ref.identity for ref in judge.references] if judge is not None else []
    out, notes = [], []
    for text in texts:
        target = text.strip().partition(":")[2].strip()
        if text.strip().startswith("answers:") and is_pack(target):
            pack = load_pack(target)
            for model in pack.models:
                ref = resolve_model(f"answers:{target}#{model}")
                if ref.identity in references:
                    notes.append(f"{model} sits out: its answers are the offline judge's reference")
                    continue
                out.append(Contestant(pack.arena_names.get(model, model), ref))
            continue
        one = parse_contestant(text)
        if one.model.identity in references:
            raise InputError(f"{one.spec} is the offline judge's reference; it cannot also be a contestant")
        out.append(one)
    return out, notes
