"""``wizardarena ratings`` (battles -> Elo with CIs) and ``wizardarena simulate`` (battles drawn from a
known ranking, for power analysis and demos)."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.cli.phases import phase
from wizardarena.cli.style_options import frozen_style, save_style, style_coefs_option
from wizardarena.errors import InputError

_CHOICE = click.Choice


@click.command()
@click.argument("battles", type=click.Path(dir_okay=False))
@click.option("--bootstrap", type=int, default=None, help="Bootstrap rounds (0: point fit only).  [default: 100]")
@click.option("--ci", type=_CHOICE(["bootstrap", "sandwich"]), default="bootstrap", show_default=True,
              help="Confidence interval: bootstrap percentiles (the paper's) or the sandwich (robust) covariance "
                   "of one fit, clustered by prompt with --unit prompt; the sandwich reports the MLE.")
@click.option("--seed", default=0, show_default=True, help="Seed of the bootstrap (and of online Elo's order).")
@click.option("--anchor", default=None, help="Pin a model's Elo, e.g. llama-2-70b-chat=1100 (default: mean 1000).")
@click.option("--unit", type=_CHOICE(["battle", "prompt"]), default="battle", show_default=True,
              help="What the bootstrap resamples (or the sandwich clusters by): battles, or prompts with all "
                   "their battles.")
@click.option("--ties", type=_CHOICE(["half", "drop", "drop-bothbad"]), default="half", show_default=True)
@click.option("--method", type=_CHOICE(["bt", "online"]), default="bt", show_default=True,
              help="Bradley-Terry MLE or online Elo.")
@click.option("--k-factor", default=4.0, show_default=True, help="K of online Elo.")
@click.option("--style-control", is_flag=True, help="Fit length/markdown style covariates jointly.")
@click.option("--by", "by_column", default=None, help="Separate ratings per value of a column, e.g. category.")
@click.option("--point", type=_CHOICE(["median", "mle"]), default=None,
              help="Reported rating: bootstrap median (the paper) or the full-data fit.  [default: median; mle "
                   "with --ci sandwich]")
@click.option("--confidence", default=0.95, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write ratings (.jsonl/.json/.csv/.parquet).")
@click.option("--no-samples", is_flag=True, help="Leave the bootstrap samples out of --out.")
@click.option("--pairwise", type=click.Path(dir_okay=False), default=None,
              help="Write observed vs predicted win rates of every pair that met.")
@click.option("--baseline", default=None, metavar="MODEL",
              help="Add each model's predicted win rate against MODEL, with its CI (Arena-Hard's headline).")
@style_coefs_option
def ratings(battles, bootstrap, ci, seed, anchor, unit, ties, method, k_factor, style_control, by_column, point,
            confidence, out, no_samples, pairwise, baseline, style_coefs) -> None:
    """Rate BATTLES (LMSYS format: model_a, model_b, winner; JSON Lines, JSON, CSV or Parquet)."""
    from wizardarena.cli.console import make_console
    from wizardarena.leaderboard.terminal import rank_note, ratings_table
    from wizardarena.ratings import RatingConfig, compute_ratings, parse_anchor, ratings_by
    from wizardarena.ratings.baseline import with_baseline
    from wizardarena.ratings.checks import resolve_model
    from wizardarena.ratings.compute import group_values
    from wizardarena.ratings.matrix import pairwise_records
    from wizardarena.ratings.style import STYLE_COLUMNS
    from wizardarena.ratings.table import read_battles
    from wizardarena.tables import detect_format, write_records

    for path in filter(None, (out, pairwise)):
        detect_format(Path(path))  # fail on a bad output name before any work
    bootstrap, point = sandwich_options(ci, bootstrap, point)
    config = RatingConfig(method=method, bootstrap=bootstrap, seed=seed, unit=unit, ties=ties,
                          anchor=parse_anchor(anchor) if anchor else None, confidence=confidence,
                          point=point, k_factor=k_factor, style_control=style_control, ci=ci,
                          style_coefs=frozen_style(style_coefs, style_control, grouped=bool(by_column)))
    wanted = [by_column] if by_column else []  # read no column the run does not use
    with phase("read"):
        table = read_battles(battles, extra=wanted + list(STYLE_COLUMNS if style_control else ()))
    if baseline is not None:
        resolve_model(baseline, list(table.models), "--baseline")  # an unknown name fails before any fit
    with phase("rate"):
        if by_column:
            results = ratings_by(table, by_column, config)
            groups = group_values(table, by_column)
        else:
            results, groups = {None: compute_ratings(table, config)}, None
    console, records, pairs = make_console(), [], []
    with phase("show"):
        for group, result in results.items():
            label = {} if group is None else {by_column: group}
            echo_warnings(result, group)
            shown = baseline if baseline in result.models else None
            if baseline is not None and shown is None:
                click.echo(f"warning: {group}: {baseline} has no battles here, so no win rate against it", err=True)
            rows = with_baseline(result.records(with_samples=bool(out) and not no_samples), result, shown)
            title = f"Ratings ({method}, {config.describe_ci()}{', ' + group if group else ''})"
            console.print(ratings_table(rows, title=title, intervals=result.has_intervals))
            if result.style is not None:
                console.print(result.style.describe())
            records += [{**row, **label} for row in rows]
            if pairwise:
                subset = table if groups is None else table.subset(groups == group)
                pairs += [{**row, **label} for row in pairwise_records(subset, result.models, result.rating, ties)]
        click.echo(rank_note(records, any(result.has_intervals for result in results.values())))
    with phase("write"):
        save_style(style_coefs, results[None].style if by_column is None else None)
        if out:
            write_records(out, records)
            click.echo(f"wrote {len(records)} ratings to {out}", err=True)
        if pairwise:
            write_records(pairwise, pairs)
            click.echo(f"wrote {len(pairs)} pair rows to {pairwise}", err=True)


def sandwich_options(ci: str, bootstrap: int | None, point: str | None) -> tuple[int, str]:
    """Bootstrap rounds and point rule for ``--ci``: the sandwich draws no rounds and reports the MLE, so
    an explicit ``--bootstrap N`` (N > 0) or ``--point median`` with it is refused."""
    if ci == "sandwich":
        if bootstrap:
            raise InputError(f"--bootstrap {bootstrap} draws rounds for the bootstrap CI; --ci sandwich draws "
                             "none (leave --bootstrap out)")
        if point == "median":
            raise InputError("--point median is the median of bootstrap rounds; --ci sandwich reports the MLE")
        return 0, "mle"
    return (100 if bootstrap is None else bootstrap), (point or "median")


def echo_warnings(result, group: str | None = None) -> None:
    """Print a rating result's warnings (e.g. a model that lost every battle) on stderr, one a line."""
    for warning in result.warnings:
        click.echo(f"warning: {group + ': ' if group else ''}{warning}", err=True)


@click.command()
@click.option("--from", "source", required=True,
              help="Ranking whose ratings are the truth: a shipped reference name or a ratings file.")
@click.option("--battles", "n_battles", default=20000, show_default=True)
@click.option("--prompts", "n_prompts", default=500, show_default=True)
@click.option("--models", "n_models", default=0, help="Use only the top N models (0: all).")
@click.option("--tie-rate", default=0.1, show_default=True, help="Share of battles that end in a tie.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True)
def simulate(source, n_battles, n_prompts, n_models, tie_rate, seed, out) -> None:
    """Draw battles from a known ranking (Bradley-Terry on its ratings): to test the pipeline, or to see
    how many battles and prompts separate models of given strengths."""
    import numpy as np

    from wizardarena.agreement.references import load_ranking
    from wizardarena.ratings.simulation import draw_winners
    from wizardarena.tables import detect_format, write_records

    detect_format(Path(out))
    if n_battles < 1 or n_prompts < 1 or not 0.0 <= tie_rate < 1.0:
        raise InputError("--battles and --prompts must be >= 1 and --tie-rate in [0, 1)")
    truth = load_ranking(source)
    order = np.argsort(-truth.score, kind="stable")[: n_models or None]
    models, elo = [truth.models[k] for k in order], truth.score[order]
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(models), n_battles)
    b = (a + rng.integers(1, len(models), n_battles)) % len(models)
    winner = draw_winners(elo[a], elo[b], tie_rate, rng)
    prompt = rng.integers(0, n_prompts, n_battles)
    write_records(out, [{"model_a": models[i], "model_b": models[j], "winner": str(w), "prompt_id": f"p{q:05d}"}
                        for i, j, w, q in zip(a, b, winner, prompt)])
    click.echo(f"wrote {n_battles} battles among {len(models)} models of {source} to {out}", err=True)
