"""``wizardarena export``: answers, judgments, battles (LMSYS format) or flywheel rows (SFT, DPO, reward
pairs in TRL's formats) out of an arena store. Judgments of two judge configurations are never merged."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.errors import InputError

ROW_GAPS = {"sft": 3.0, "dpo": 2.0, "reward": 1.0}  # the paper's K for each kind of row


@click.command("export")
@click.argument("store", type=click.Path(dir_okay=False))
@click.option("--what", type=click.Choice(["answers", "judgments", "battles", "sft", "dpo", "reward"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help=".jsonl, .json, .csv or .parquet")
@click.option("--judge", default=None, help="This judge's records only: a judge id, or a spec with one configuration "
              "in the store. Needed when the store holds several.")
@click.option("--model", default=None, help="Only this model's answers.")
@click.option("--target", default=None, help="sft/dpo/reward: the model under training (its losses make the rows).")
@click.option("--gap", type=float, default=None, help="sft/dpo/reward: minimum score gap K (paper: 3 / 2 / 1).")
@click.option("--combine", type=click.Choice(["separate", "average", "consistent"]), default="separate",
              show_default=True, help="How the two position-swapped games become battles.")
@click.option("--tie-margin", type=float, default=0.0, show_default=True, help="Score gaps up to this are ties.")
@click.option("--strong-weight", type=click.IntRange(1, 100), default=None,
              help="battles: an arena-hard strong verdict counts as N battles.  [default: 3 for an arena-hard judge]")
def export(store, what, out, judge, model, target, gap, combine, tie_margin, strong_weight) -> None:
    """Export records of STORE; battles come out in the LMSYS format, ready for ``wizardarena ratings``."""
    from wizardarena.arena.battles import battles_from_judgments
    from wizardarena.judge.parse import verdict
    from wizardarena.records import with_parse_status
    from wizardarena.store import ArenaStore
    from wizardarena.tables import detect_format, write_records

    detect_format(Path(out))
    if not Path(store).is_file():
        raise InputError(f"{store}: no such store")
    if what in ROW_GAPS and not target:
        raise InputError(f"--what {what} needs --target NAME (the model under training)")
    with ArenaStore(store) as arena:
        if what == "answers":
            records = arena.all_answers(model)
        else:
            judge_id = pick_judge(arena.judge_ids(), judge)
            if what == "judgments":
                records = [with_parse_status({**j, "winner": verdict(j["score_a"], j["score_b"], tie_margin)
                                              if j["valid"] else None}) for j in arena.all_judgments(judge_id)]
            elif what == "battles":
                verdicts = arena.judgment_verdicts(judge_id)
                weight = _strong_weight(arena, verdicts, strong_weight)
                records = battles_from_judgments(verdicts.values(), combine, tie_margin, strong_weight=weight)
            else:
                records = _rows(arena, judge_id, what, target, ROW_GAPS[what] if gap is None else gap, tie_margin)
    write_records(out, records)
    click.echo(f"wrote {len(records)} {what} {'rows' if what in ROW_GAPS else ''}to {out}".replace("  ", " "), err=True)


def _strong_weight(arena, verdicts: dict, given: int | None) -> int:
    """``given``, else Arena-Hard's weight when the judge is an arena-hard one (its valid records carry their
    five-level ``verdict`` label: the judge id alone does not say its protocol), else 1."""
    from wizardarena.judge.config import JudgeConfig

    if given is not None:
        return given
    key = next((key for key, v in verdicts.items() if v.valid), None)
    record = arena.judgments([key]).get(key) if key else None
    return JudgeConfig.strong_weight if record and "verdict" in record else 1


def pick_judge(stored: list[str], wanted: str | None) -> str | None:
    """The one judge id to export: ``wanted`` as an id, or as a spec with one configuration stored; with
    no ``wanted``, the store's only judge. Several matches are an error listing them (never merged)."""
    from wizardarena.refs.judge import split_judge_id

    if wanted is None:
        if len(stored) > 1:
            raise InputError(f"the store holds {len(stored)} judges or judge configurations; pick one with "
                             f"--judge ID: {', '.join(stored)}")
        return stored[0] if stored else None
    if wanted.strip() in stored:
        return wanted.strip()
    spec = _canonical(wanted)
    matches = [judge_id for judge_id in stored if split_judge_id(judge_id)[0] == spec]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise InputError(f"no judgments by {wanted!r} in the store; judges: {', '.join(stored) or 'none'}")
    raise InputError(f"the store holds {len(matches)} configurations of judge {spec} (they are never merged); "
                     f"pick one with --judge ID: {', '.join(matches)}")


def _canonical(spec: str) -> str:
    from wizardarena.refs import resolve_judge

    try:
        return resolve_judge(spec).spec
    except InputError:  # a model that is gone from this machine can still name its stored judgments
        return spec.strip()


def _rows(arena, judge_id: str | None, what: str, target: str, gap: float, tie_margin: float) -> list[dict]:
    from wizardarena.trainers.battle_data import dpo_rows, reward_rows, sft_rows

    verdicts = list(arena.judgment_verdicts(judge_id).values())
    names = {v.model_a for v in verdicts} | {v.model_b for v in verdicts}
    if target not in names:
        raise InputError(f"--target {target!r} has no judged games; models: {', '.join(sorted(names)) or 'none'}")
    answers = {(a["model"], a["prompt_id"]): a["turns"] for a in arena.all_answers()}
    prompts = {p["id"]: p for name in arena.testsets() for p in arena.prompts(name)}
    build = {"sft": sft_rows, "dpo": dpo_rows, "reward": reward_rows}[what]
    return build(verdicts, answers, prompts, target, gap=gap, tie_margin=tie_margin)
