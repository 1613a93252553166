"""``--model`` / ``--opponents`` values -> contestants: ``[NAME=]SPEC``, and ``answers:PACK`` (or
``answers:PACK#SUBSET``) for every model of a shipped reference pack (or of a named subset of it)."""

from __future__ import annotations

from typing import Sequence

from wizardarena.errors import InputError
from wizardarena.refs import Contestant, JudgeRef, parse_contestant, resolve_model


def contestants(texts: tuple[str, ...], judge: JudgeRef | Sequence[JudgeRef] | None = None
                ) -> tuple[list[Contestant], list[str]]:
    """Every contestant the values name, and notes for the user. ``answers:PACK`` (a shipped pack, no
    ``#MODEL``) stands for all its models and ``answers:PACK#SUBSET`` for a subset its card names, each
    named by its Chatbot Arena name, except the models whose answers an offline judge (``similarity:``,
    ``overlap:``; any judge of a panel) uses as references: those sit out."""
    from wizardarena.packs import pack_selection

    judges = () if judge is None else (judge,) if isinstance(judge, JudgeRef) else tuple(judge)
    references = [ref.identity for one in judges for ref in one.references]
    out, notes = [], []
    for text in texts:
        selection = pack_selection(text.strip().partition(":")[2]) if text.strip().startswith("answers:") else None
        if selection is not None:
            pack, models = selection
            for model in models:
                ref = resolve_model(f"answers:{pack.name}#{model}")
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
