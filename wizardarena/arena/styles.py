"""Answer style for style control: every stored answer records its style counts in ``meta["style"]``, and
eval's battles carry the counts of the two answers shown as ``style_a``/``style_b``, so
``--style-control`` (see :mod:`wizardarena.ratings.style`) can rate eval's own battles.

A multi-turn answer's counts are summed over its assistant turns, as LMSYS sums ``sum_assistant_*_tokens``
and the per-turn markdown counts. Answers stored before styles were recorded get theirs from the text.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from wizardarena.arena.battles import STYLE_COLUMNS
from wizardarena.ratings.style import STYLE_FEATURES, markdown_style
from wizardarena.records import Answer
from wizardarena.store.protocol import Store
from wizardarena.tables import Columns


def turns_style(turns: Iterable[str]) -> dict[str, int]:
    """Style counts of an answer: each feature of :func:`markdown_style` summed over the turns.

    >>> turns_style(["# Plan\\n- one", "**done**"])
    {'length': 5, 'headers': 1, 'lists': 1, 'bold': 1}
    """
    total = dict.fromkeys(STYLE_FEATURES, 0)
    for text in turns:
        for name, count in markdown_style(text).items():
            total[name] += count
    return total


def answer_style(answer: Answer) -> dict[str, int]:
    """The style counts recorded in the answer's meta, else (an older store) counted from its turns."""
    style = answer.get("meta", {}).get("style")
    return style if _recorded(style) else turns_style(answer["turns"])


def _recorded(style: object) -> bool:
    return isinstance(style, dict) and all(name in style for name in STYLE_FEATURES)


def stored_styles(store: Store, keys: Iterable[str]) -> dict[str, dict[str, int]]:
    """Answer key -> style counts of the complete answers stored under ``keys``: the recorded ones read
    without their texts, the others (stored before styles were recorded) by :func:`answer_style`."""
    styles = store.answer_styles(keys)
    older = [key for key, style in styles.items() if not _recorded(style)]
    if older:
        styles.update((key, answer_style(answer)) for key, answer in store.answers(older).items())
    return styles  # type: ignore[return-value]


def label_styles(planned: Sequence, styles: Mapping[str, dict[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    """``(label, prompt_id) -> style`` for the answers the planned games show, from ``styles`` (answer key
    -> style, see :func:`stored_styles`); ``planned`` holds :class:`~wizardarena.arena.judging.PlannedGame`."""
    keys = {(model_a, prompt["id"]): key_a for _, prompt, model_a, key_a, _, _, _ in planned}
    keys.update({(model_b, prompt["id"]): key_b for _, prompt, _, _, model_b, key_b, _ in planned})
    return {label: styles[key] for label, key in keys.items() if key in styles}


def add_battle_styles(columns: Columns, styles: Mapping[tuple[str, str], dict[str, int]]) -> Columns:
    """Add ``style_a``/``style_b`` (the style of the answer shown as model_a / model_b) to battle columns
    from :func:`~wizardarena.arena.battles.battle_columns`; the dicts are shared, not copied. When an
    answer is not in ``styles`` (a store holding judgments without their answers) no column is added,
    so style control says that the battles lack styles rather than rate some of them."""
    prompts, get = columns["prompt_id"], styles.get
    sides = [[get((model, prompt)) for model, prompt in zip(columns[side], prompts)] for side in ("model_a", "model_b")]
    if not any(None in side for side in sides):
        columns.update(zip(STYLE_COLUMNS, sides))
    return columns
