"""The flywheel's report as terminal tables: data per stage and opponent (the paper's tables), and the
Elo with 95% CI of every checkpoint."""

from __future__ import annotations


def print_report(report: dict) -> None:
    """Print the data table and the Elo table of a :func:`run_flywheel` report."""
    from rich.table import Table

    from wizardarena.cli.console import make_console

    console = make_console()
    pool = report.get("pool", {})
    if pool:
        decon = pool["decontamination"]
        console.print(f"pool: {pool['read']} instructions, {pool['after_cleaning']} after cleaning, "
                      f"{decon['dropped']} dropped by decontamination, parts of {pool['parts'][0]}")
    data = Table(title="Flywheel data per stage", title_justify="left")
    for column in ("iteration", "stage", "part", "prompts", "games (invalid)", "rows", "rows by source model",
                   "train loss"):
        data.add_column(column, justify="left" if column in ("stage", "rows by source model") else "right")
    for entry in report["iterations"]:
        for stage, info in entry["stages"].items():
            games = info.get("games", {})
            loss = info.get("metrics", {}).get("train_loss")
            by_source = ", ".join(f"{m} {n}" for m, n in info.get("rows_by_opponent", {}).items()) or "-"
            data.add_row(str(entry["iteration"]), stage, str(info["part"]), str(info["prompts"]),
                         f"{sum(games.values())} ({games.get('invalid', 0)})", str(info["rows"]), by_source,
                         "skipped" if "skipped" in info else ("-" if loss is None else f"{loss:.4f}"))
    console.print(data)
    final = report["iterations"][-1].get("eval", {}) if report["iterations"] else {}
    elo = Table(title="Checkpoints on the evaluation set (Elo, 95% CI)", title_justify="left")
    baseline = next((row["baseline"] for row in final.values() if "baseline" in row), None)
    columns = ("checkpoint", "elo", "95% CI", *((f"win rate vs {baseline} (95% CI)",) if baseline else ()), "battles")
    for column in columns:
        elo.add_column(column, justify="left" if column == "checkpoint" else "right")
    best = report.get("best", {}).get("name")
    for name, row in sorted(final.items(), key=lambda item: -item[1]["elo"]):
        label = f"{name} (best)" if name == best else name
        rate = ((f"{row['win_rate']:.1%} [{row['win_rate_lower']:.1%}, {row['win_rate_upper']:.1%}]",)
                if baseline else ())
        elo.add_row(label, f"{row['elo']:.1f}", f"[{row['lower']:.1f}, {row['upper']:.1f}]", *rate,
                    f"{row['battles']:,}")
    console.print(elo)
