"""What ``wizardarena eval`` prints: the plan of a dry run, the leaderboard with the judge's behaviour
and checkpoint selection, and the agreement of the run's ranking with a reference ranking."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click


def print_plan(plan, store_path, judges: int = 1) -> None:
    """How many generations and judge calls a run still needs (the plan counts the first of ``judges``)."""
    click.echo(f"test set {plan.testset}: {len(plan.prompts)} prompts; {len(plan.pairs)} pairs x 2 orders; "
               f"store {store_path}")
    for name, count in plan.missing_answers.items():
        click.echo(f"  {name}: {count} answers missing, {plan.missing_generations[name]} model calls")
    from wizardarena.arena.holes import describe_holes

    for line in describe_holes(plan.holes, len(plan.prompts), plan.skipped):
        click.echo(f"  {line}")
    if plan.reference_judgments:
        click.echo(f"  references' own games: {plan.missing_reference} of {plan.reference_judgments} judgments missing "
                   "(judged once per judge and test set; later runs read them from the store)")
    panel = f" (the first of {judges} judges; each judge's in the estimate below)" if judges > 1 else ""
    click.echo(f"  judge: {plan.missing_judgments} of {len(plan.planned)} judgments missing{panel}")
    if plan.placement is not None:
        placed = plan.placement
        expected = "known once the references' games are judged" if placed.expected is None else \
            f"about {placed.expected} (the schedule replayed with the median reference's own verdicts)"
        click.echo(f"  adaptive placement: at most {placed.most} judge calls (full design {placed.full_design}); "
                   f"expected {expected}")


def print_report(result, config) -> None:
    """The leaderboard (Elo, CI, battles, win rate, invalid judgments), the judge's position bias and
    order consistency, and which candidate is best."""
    from wizardarena.cli.console import make_console
    from wizardarena.cli.ratings_cmd import echo_warnings
    from wizardarena.leaderboard.terminal import rank_note, ratings_table
    from wizardarena.ratings.baseline import with_baseline
    from wizardarena.ratings.length_control import with_length_control
    from wizardarena.ratings.selection import select_checkpoint

    columns = result.battle_columns
    score, played = defaultdict(float), defaultdict(int)
    for model_a, model_b, winner in zip(columns["model_a"], columns["model_b"], columns["winner"]):
        played[model_a] += 1
        played[model_b] += 1
        if winner.startswith("tie"):
            score[model_a] += 0.5
            score[model_b] += 0.5
        else:
            score[model_a if winner == "model_a" else model_b] += 1
    report = result.judge_report
    extra = {"win rate": {m: f"{score[m] / played[m]:.1%}" for m in played},
             "invalid": {m: str(report.invalid_by_model.get(m, 0)) for m in played}}
    console = make_console()
    echo_warnings(result.ratings)
    records = with_baseline(result.ratings.records(with_samples=False), result.ratings, config.baseline)
    records = with_length_control(records, result, config)
    if any("lc_win_rate" in r for r in records):  # alpaca-eval with --baseline: AlpacaEval 2's headline
        from wizardarena.leaderboard.ranking import format_baseline_rate

        extra[f"LC vs {config.baseline}"] = {
            r["model"]: format_baseline_rate(r["lc_win_rate"], r["lc_lower"], r["lc_upper"])
            for r in records if "lc_win_rate" in r}
    intervals = result.ratings.has_intervals
    console.print(ratings_table(records, title=f"WizardArena: {result.plan.testset}", extra=extra,
                                intervals=intervals))
    click.echo(rank_note(records, intervals))
    bias = "n/a" if report.first_slot_wins is None else f"{report.first_slot_wins:.1%}"
    agree = "n/a" if report.consistency is None else f"{report.consistency:.1%}"
    stripped = f"; reasoning traces stripped: {result.judging.stripped}" if result.judging.stripped else ""
    if result.judging.reasked:
        stripped += f"; invalid judgments of earlier runs re-asked: {result.judging.reasked}"
    if result.judging.groups:
        stripped += (f"; games sent grouped by prompt and first answer (a shared prompt prefix): "
                     f"{result.judging.groups} groups of {result.judging.sent / result.judging.groups:.1f}")
    who = f"judge {config.judge.id}" if not config.panel else f"{len(config.judges)} judges pooled"
    console.print(f"{who}: {report.judgments} judgments, {report.invalid} invalid, "
                  f"{report.ties} ties; first position wins {bias} of decisive games; both orders agree {agree}; "
                  f"model calls this run: {result.model_calls}{stripped}")
    if result.ratings.style is not None:
        console.print(result.ratings.style.describe())
    if result.placement is not None:
        console.print(result.placement.summary())
    from wizardarena.arena.holes import describe_holes

    for line in describe_holes(result.plan.holes, len(result.plan.prompts), result.plan.skipped):
        click.echo(line)
    selection = select_checkpoint(result.ratings, [c.name for c in config.candidates])
    if selection:
        console.print(selection.summary())
    elif result.ratings.covariance is not None and len(config.candidates) > 1:
        console.print("no checkpoint selection: P(best) is read off bootstrap rounds, and --ci sandwich draws none "
                      "(compare the candidates' CIs above)")


def report_agreement(result, references: list[str], out: Path) -> dict:
    """Compare the run's ranking with each of ``references`` (shipped names or ranking files), print the
    paper's metrics, with the same metrics for two yardsticks over the same models (Arena-Hard v0.1's
    GPT-4-Turbo judge, answer length alone), and write ``agreement.json`` to ``out`` (the first
    reference's metrics at the top, every reference's under ``references``)."""
    from rich.table import Table

    from wizardarena.agreement import compare, load_ranking
    from wizardarena.agreement.rankings import ranking_from_columns
    from wizardarena.agreement.yardsticks import yardsticks
    from wizardarena.cli.console import make_console

    records = result.ratings.records()
    columns = {key: [r.get(key) for r in records] for key in ("model", "rating", "lower", "upper")}
    if result.ratings.samples is not None:
        columns["samples"] = [r["samples"] for r in records]
    run = ranking_from_columns(columns, "this run")
    others = yardsticks(result.battle_columns, set(run.models))
    every: dict[str, dict] = {}
    for reference in references:
        human = load_ranking(reference)
        every[reference] = {"this run": compare(run, human)}
        every[reference].update({name: compare(ranking, human) for name, ranking in others.items()})
        table = Table(title=f"agreement with {Path(reference).stem}")
        for name in ("ranking", "models", "Spearman", "agreement CI", "separability", "consistency"):
            table.add_column(name, justify="left" if name == "ranking" else "right", no_wrap=name == "ranking")
        for label, m in every[reference].items():
            table.add_row(label, str(m["n_models"]), f"{m['spearman']:.4f}", f"{m['agreement_ci']:.1%}",
                          f"{m['separability_ci']:.1%}", f"{m['consistency']:.1%}")
        make_console().print(table)
    click.echo("Arena-Hard v0.1 judge: its published leaderboard (GPT-4-Turbo judging); length alone: mean answer "
               "length in this run's battles; both scored on the run's models by the same code. Consistency: the "
               "Arena Learning paper's mean of Spearman, signed agreement and separability.")
    first = every[references[0]]["this run"]
    (out / "agreement.json").write_text(json.dumps({"reference": references[0], **first, "references": every},
                                                   indent=1) + "\n")
    return first
