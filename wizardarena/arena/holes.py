"""Pre-computed answers with holes: prompts of the test set that an ``answers:`` contestant has no complete
answer for. Their games are skipped and counted per model (``--missing-answers skip``, the default), or
the run refuses before any work (``refuse``); never a silent hole."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from wizardarena.arena.judging import PlannedGame
from wizardarena.errors import InputError
from wizardarena.records import Prompt
from wizardarena.refs import Contestant


def answer_holes(contestants: Sequence[Contestant], prompts: Sequence[Prompt]) -> dict[str, list[str]]:
    """Contestant name -> ids of the prompts its pre-computed answers lack (or answer in fewer turns
    than the prompt has); contestants without holes are left out."""
    holes = {}
    for contestant in contestants:
        if contestant.model.backend != "answers":
            continue
        model = contestant.model.load()
        lacking = [p["id"] for p in prompts if p["id"] not in model.prompt_ids
                   or len(model.turns(p["id"])) < len(p["turns"])]
        if lacking:
            holes[contestant.name] = lacking
    return holes


def check_holes(holes: dict[str, list[str]], mode: str, prompts: int) -> None:
    """Raise (one line) when ``mode`` is ``refuse`` and any contestant has holes."""
    if holes and mode == "refuse":
        listed = ", ".join(f"{name} {len(ids)}" for name, ids in holes.items())
        raise InputError(f"pre-computed answers miss prompts of the test set ({prompts} prompts): {listed}; "
                         "--missing-answers skip plays every other game")


def skip_games(planned: list[PlannedGame], holes: dict[str, list[str]]) -> tuple[list[PlannedGame], Counter]:
    """The games whose both answers exist, and per contestant with holes the games skipped for them."""
    if not holes:
        return planned, Counter()
    lacking = {(name, prompt_id) for name, ids in holes.items() for prompt_id in ids}
    kept, skipped = [], Counter()
    for game in planned:
        gone = [name for name in (game.model_a, game.model_b) if (name, game.prompt["id"]) in lacking]
        if gone:
            skipped.update(gone)
        else:
            kept.append(game)
    return kept, skipped


def describe_holes(holes: dict[str, list[str]], prompts: int, skipped: dict[str, int] | None = None) -> list[str]:
    """One line per contestant with holes: how many prompts lack an answer, and how many games were
    skipped for it (or, before the plan, that its games on them will be)."""
    return [f"{name}: {len(ids)} of {prompts} prompts without a pre-computed answer; "
            + (f"{skipped.get(name, 0)} judge games on them skipped" if skipped is not None else
               "its games on them are skipped (--missing-answers refuse stops instead)")
            for name, ids in holes.items()]


def holes_info(holes: dict[str, list[str]], skipped: dict[str, int]) -> dict:
    """The holes for ``run.json``: name -> prompts without an answer (count and ids) and games skipped."""
    return {name: {"prompts": len(ids), "games_skipped": skipped.get(name, 0), "prompt_ids": ids}
            for name, ids in holes.items()}
