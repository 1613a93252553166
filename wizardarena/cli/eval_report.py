"""What ``wizardarena eval`` prints: the plan of a dry run, the leaderboard with the judge's behaviour
and checkpoint selection, and the agreement of the run's ranking with a reference ranking."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click


def print_plan(plan, store_path) -> None:
    """How many generations and judge calls a run still needs."""
    click.echo(f"test set {plan.testset}: {len(plan.prompts)} prompts; {len(plan.pairs)} pairs x 2 orders; "
               f"store {store_path}")
    for name, count in plan.missing_answers.items():
        click.echo(f"  {name}: {count} answers missing, {plan.missing_generations[name]} model calls")
    if plan.reference_judgments:
        click.echo(f"  references' own games: {plan.missing_reference} of {plan.reference_judgments} judgments missing "
                   "(judged once per judge and test set; later runs read them from the store)")
    click.echo(f"  judge: {plan.missing_judgments} of {len(plan.planned)} judgments missing")
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
    console.print(ratings_table(records, title=f"WizardArena: {result.plan.testset}", extra=extra))
    click.echo(rank_note(records))
    bias = "n/a" if report.first_slot_wins is None else f"{report.first_slot_wins:.1%}"
    agree = "n/a" if report.consistency is None else f"{report.consistency:.1%}"
    stripped = f"; reasoning traces stripped: {result.judging.stripped}" if result.judging.stripped else ""
    if result.judging.reasked:
        stripped += f"; invalid judgments of earlier runs re-asked: {result.judging.reasked}"
    console.print(f"judge {config.judge.id}: {report.judgments} judgments, {report.invalid} invalid, "
                  f"{report.ties} ties; first position wins {bias} of decisive games; both orders agree {agree}; "
                  f"model calls this run: {result.model_calls}{stripped}")
    if result.ratings.style_coefficients:
        from wizardarena.ratings.style import describe_coefficients

        console.print(describe_coefficients(result.ratings.style_coefficients))
    if result.placement is not None:
        console.print(result.placement.summary())
    selection = select_checkpoint(result.ratings, [c.name for c in config.candidates])
    if selection:
        console.print(selection.summary())


def report_agreement(result, reference: str, out: Path) -> dict:
    """Compare the run's ranking with ``reference`` (a shipped name or a ranking file), print the
    paper's metrics and write ``agreement.json`` to ``out``."""
    from wizardarena.agreement import compare, load_ranking
    from wizardarena.agreement.rankings import ranking_from_columns
    from wizardarena.cli.console import make_console

    records = result.ratings.records()
    columns = {key: [r.get(key) for r in records] for key in ("model", "rating", "lower", "upper")}
    if result.ratings.samples is not None:
        columns["samples"] = [r["samples"] for r in records]
    metrics = compare(ranking_from_columns(columns, "this run"), load_ranking(reference))
    shown = (("models shared", str(metrics["n_models"])), ("Spearman", f"{metrics['spearman']:.4f}"),
             ("Kendall tau", f"{metrics['kendall']:.4f}"),
             ("agreement with 95% CI", f"{metrics['agreement_ci']:.1%}"),
             ("separability with 95% CI", f"{metrics['separability_ci']:.1%}"),
             ("pair-rank Brier", f"{metrics['brier']:.4f}"),
             ("consistency (paper's average)", f"{metrics['consistency']:.1%}"))
    make_console().print(f"agreement with {reference}: " + "; ".join(f"{k} {v}" for k, v in shown))
    (out / "agreement.json").write_text(json.dumps({"reference": reference, **metrics}, indent=1) + "\n")
    return metrics
