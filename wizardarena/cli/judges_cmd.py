"""``wizardarena judges STORE``: how the judges whose judgments a store holds compare (what ``eval`` prints
after a judge panel's run, for any store)."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.errors import InputError


@click.command("judges")
@click.argument("store", type=click.Path(dir_okay=False))
@click.option("--testset", default=None, help="Only the games on this test set's prompts (its name in the store).")
@click.option("--judge", "judges", multiple=True, metavar="ID",
              help="Only these judges (a judge id, or a spec with one configuration stored); repeat. Default: all.")
@click.option("--tie-margin", type=click.FloatRange(0, 9), default=0.0, show_default=True,
              help="Score gaps up to this are ties.")
def judges_command(store, testset, judges, tie_margin) -> None:
    """Every judge of STORE (judgments, validity, ties, position bias) and, for each pair of judges, their
    agreement on the games both judged validly. Games are matched by prompt id and the two models in the
    order shown, as the store names them."""
    from wizardarena.cli.store_cmd import pick_judge
    from wizardarena.judge.panel import compare_judges
    from wizardarena.store import ArenaStore

    if not Path(store).is_file():
        raise InputError(f"{store}: no such store")
    with ArenaStore(store) as arena:
        stored = arena.judge_ids()
        if not stored:
            raise InputError(f"{store}: the store holds no judgments")
        chosen = list(dict.fromkeys(pick_judge(stored, judge) for judge in judges)) if judges else stored
        prompt_ids = None
        if testset is not None:
            if testset not in arena.testsets():
                raise InputError(f"no test set {testset!r} in {store}; test sets: {', '.join(arena.testsets())}")
            prompt_ids = {p["id"] for p in arena.prompts(testset)}
        by_judge = {}
        for judge in chosen:
            verdicts = sorted(arena.judgment_verdicts(judge).values())
            by_judge[judge] = [v for v in verdicts if prompt_ids is None or v.prompt_id in prompt_ids]
    from wizardarena.cli.panel_options import panel_lines

    for line in panel_lines(compare_judges(by_judge, tie_margin)):
        click.echo(line)
