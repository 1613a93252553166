"""``wizardarena eval``: answer, judge, rate and rank models (checkpoint selection with several --model)."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.cli.cost_options import cost_options
from wizardarena.cli.engine_options import engine_options
from wizardarena.cli.panel_options import panel_options
from wizardarena.cli.protocol_options import protocol_options
from wizardarena.cli.style_options import frozen_style, save_style, style_coefs_option
from wizardarena.errors import InputError

# Arena-Hard's judge answers the prompt itself before its verdict: 512 tokens would cut most replies short
# of it (Arena-Hard-Auto gives its judge 4096)
JUDGE_REPLY_TOKENS = {"arena-hard": 4096}


@click.command("eval")
@click.option("--model", "models", multiple=True, required=True,
              help="Model under test: [NAME=]SPEC; repeat to compare checkpoints.")
@click.option("--judge", "judges", multiple=True, required=True,
              help="Judge: an LLM (hf:, vllm:, openai:) or the offline similarity:PACK#MODEL; repeat for a panel.")
@click.option("--testset", required=True, help="Test set: a shipped name (wizardarena-hard) or a JSON Lines file.")
@click.option("--opponents", multiple=True,
              help="Fixed opponents, [NAME=]SPEC or answers:PACK; repeat. Default: round-robin.")
@click.option("--out", type=click.Path(file_okay=False), default="wizardarena-out", show_default=True)
@click.option("--store", type=click.Path(dir_okay=False), default=None,
              help="Arena store (default: the shared $WIZARDARENA_HOME/arena.sqlite, ~/.cache/wizardarena).")
@click.option("--bootstrap", type=click.IntRange(0, 100_000), default=None, help="Bootstrap rounds.  [default: 100]")
@click.option("--ci", type=click.Choice(["bootstrap", "sandwich"]), default="bootstrap", show_default=True,
              help="Confidence interval: bootstrap (the paper's) or the sandwich covariance of one fit (clustered "
                   "by prompt with --unit prompt; reports the MLE).")
@click.option("--seed", default=0, show_default=True, help="Seed of decoding and of the bootstrap.")
@click.option("--unit", type=click.Choice(["prompt", "battle"]), default="prompt", show_default=True)
@click.option("--anchor", default=None, help="Pin a model's Elo, e.g. gpt-4-0314=1200.")
@click.option("--baseline", default=None, metavar="MODEL",
              help="Report each model's predicted win rate against MODEL, with its CI (Arena-Hard's headline).")
@click.option("--style-control", is_flag=True,
              help="Rate with length/markdown style covariates fitted jointly (styles of the answers shown).")
@click.option("--max-concurrency", type=click.IntRange(1, 4096), default=8, show_default=True,
              help="Parallel requests to openai: servers.")
@click.option("--request-timeout", type=click.FloatRange(0, 3600, min_open=True), default=60.0, show_default=True,
              help="Seconds one HTTP attempt may take.")
@click.option("--retry-budget", type=click.FloatRange(0, 86400, min_open=True), default=300.0, show_default=True,
              help="Seconds one request may take over all its attempts and waits; then the run stops (exit 3).")
@click.option("--temperature", type=click.FloatRange(0, 10), default=0.0, show_default=True)
@click.option("--max-new-tokens", type=click.IntRange(1, 1_000_000), default=512, show_default=True)
@click.option("--judge-mode", type=click.Choice(["text", "logprob"]), default="text", show_default=True)
@click.option("--judge-template", type=click.Path(dir_okay=False), default=None)
@click.option("--judge-retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="Re-asks of an unparseable reply within one run.")
@click.option("--judge-attempts", type=click.IntRange(1, 100), default=9, show_default=True,
              help="Attempts an invalid judgment gets over all runs: a rerun asks it again until then.")
@click.option("--judge-max-new-tokens", type=click.IntRange(1, 1_000_000), default=None,
              help="Token budget of each judge reply.  [default: 512; 4096 for --judge-protocol arena-hard, whose "
                   "judge writes its own answer before its verdict]")
@click.option("--strip-reasoning/--keep-reasoning", default=True, show_default=True,
              help="Show the judge answers without their <think>...</think> traces.")
@click.option("--combine", type=click.Choice(["separate", "average", "consistent"]), default="separate",
              show_default=True)
@click.option("--tie-margin", type=click.FloatRange(0, 9), default=0.0, show_default=True)
@click.option("--multi-turn", type=click.Choice(["full", "last"]), default="full", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Use only the first N prompts.")
@click.option("--agreement", "agreement_with", multiple=True, metavar="REFERENCE",
              help="Compare the ranking with a human ranking (e.g. lmsys-2024-03-29); repeat for several.")
@click.option("--schedule", type=click.Choice(["full", "adaptive"]), default="full", show_default=True,
              help="With --opponents: every candidate game (full), or only the informative ones (adaptive).")
@click.option("--target-ci", type=click.FloatRange(0, 1000, min_open=True), default=15.0, show_default=True,
              help="Adaptive: stop once each candidate's 95% CI half-width is at most this many Elo.")
@click.option("--max-judgments", type=click.IntRange(2), default=None,
              help="Adaptive: the most judge calls the candidates' games may take (default: no cap).")
@click.option("--reference-prompts", type=click.IntRange(1), default=None,
              help="Each pair of --opponents battles on this many prompts of the set (a stable sample per pair) "
                   "instead of all: a cheaper reference arena, judged once per judge.")
@click.option("--missing-answers", type=click.Choice(["skip", "refuse"]), default="skip", show_default=True,
              help="Pre-computed answers that miss prompts: skip those games (counted per model) or refuse the run.")
@engine_options
@protocol_options
@panel_options
@style_coefs_option
@cost_options
@click.option("--dry-run", is_flag=True, help="Print the generations and judge calls needed, then stop.")
def eval_command(models, judges, testset, opponents, out, store, bootstrap, ci, seed, unit, anchor, max_concurrency,
                 request_timeout, retry_budget, temperature, max_new_tokens, judge_mode, judge_template, judge_retries,
                 judge_attempts, judge_max_new_tokens, strip_reasoning, combine, tie_margin, multi_turn, limit,
                 agreement_with, schedule, target_ci, max_judgments, reference_prompts, dry_run, baseline,
                 style_control, missing_answers, engine, ray_address, ray_workers, judge_protocol,
                 strong_weight, panel_battles, style_coefs, price, rejudge_invalid) -> None:
    """Answer TESTSET with every model, judge every pair in both orders, rate and rank."""
    from wizardarena.arena.adaptive import AdaptiveConfig
    from wizardarena.arena.contestants import contestants
    from wizardarena.arena.costs import estimate_costs
    from wizardarena.arena.holes import answer_holes, check_holes, describe_holes
    from wizardarena.arena.outputs import write_outputs
    from wizardarena.arena.pipeline import EvalConfig, make_plan, run_eval
    from wizardarena.arena.preflight import check_writable, preflight, readable_store
    from wizardarena.backends import Decoding
    from wizardarena.cli.cost_options import print_costs
    from wizardarena.cli.eval_report import print_plan, print_report, report_agreement
    from wizardarena.cli.ratings_cmd import sandwich_options
    from wizardarena.home import default_store
    from wizardarena.judge import JudgeConfig
    from wizardarena.ratings import RatingConfig, parse_anchor
    from wizardarena.refs import resolve_judge
    from wizardarena.store import ArenaStore, make_owner
    from wizardarena.testsets import load_testset, shipped_testsets

    bootstrap, point = sandwich_options(ci, bootstrap, None)
    judge_config = JudgeConfig(mode=judge_mode, template=judge_template, max_retries=judge_retries,
                               combine=combine, tie_margin=tie_margin, multi_turn=multi_turn,
                               strip_reasoning=strip_reasoning, protocol=judge_protocol, strong_weight=strong_weight,
                               decoding=Decoding(temperature=0.0, max_new_tokens=judge_max_new_tokens
                                                 or JUDGE_REPLY_TOKENS.get(judge_protocol, 512)))
    judge_refs = [resolve_judge(spec, judge_config) for spec in judges]  # every spec is resolved here, once
    judge = judge_refs[0]
    candidates, notes = contestants(models, judge_refs)
    fixed, more_notes = contestants(opponents, judge_refs)
    for note in notes + more_notes:
        click.echo(note, err=True)
    config = EvalConfig(
        candidates=tuple(candidates), opponents=tuple(fixed), judge=judge, panel=tuple(judge_refs[1:]),
        testset=testset, limit=limit,
        max_judge_attempts=judge_attempts, schedule=schedule, reference_prompts=reference_prompts, baseline=baseline,
        missing_answers=missing_answers, engine=engine, ray_address=ray_address, ray_workers=ray_workers,
        rejudge_invalid=rejudge_invalid,
        adaptive=AdaptiveConfig(target_ci=target_ci, max_judgments=max_judgments, seed=seed),
        decoding=Decoding(temperature=temperature, max_new_tokens=max_new_tokens, seed=seed),
        ratings=RatingConfig(bootstrap=bootstrap, seed=seed, unit=unit, ci=ci, point=point,
                             anchor=parse_anchor(anchor) if anchor else None, style_control=style_control,
                             style_coefs=frozen_style(style_coefs, style_control)))
    if config.ratings.anchor and config.ratings.anchor[0] not in [c.name for c in config.contestants]:
        import difflib

        names = [c.name for c in config.contestants]
        close = difflib.get_close_matches(config.ratings.anchor[0], names, n=1)
        raise InputError(f"--anchor names {config.ratings.anchor[0]!r}, not a model of this run"
                         + (f"; did you mean {close[0]!r}?" if close else ""))
    if agreement_with and config.panel and panel_battles == "per-judge":
        raise InputError("--agreement compares one ranking: use --panel-battles pooled, or one --judge")
    loaded = load_testset(testset)  # bad input fails here, before the store is opened or created
    if agreement_with:
        from wizardarena.agreement import load_ranking

        for reference in agreement_with:
            load_ranking(reference)
    options = {"max_concurrency": max_concurrency, "timeout": request_timeout, "retry_budget": retry_budget}
    preflight([c.model for c in config.contestants], config.judges, ping=not dry_run, **options)
    used = loaded[1][:limit] if limit else loaded[1]
    holes = answer_holes(list(config.contestants), used)  # named before any work; refused here if asked
    check_holes(holes, missing_answers, len(used))
    shipped = shipped_testsets().get(str(testset), {})
    if holes and "pack" in shipped and shipped["pack"] is None:
        click.echo(f"note: {testset} is {shipped['note']}", err=True)
    for line in [] if dry_run else describe_holes(holes, len(used)):
        click.echo(line, err=True)
    store_path = Path(store).expanduser() if store else default_store()
    check_writable(store_path, Path(out))
    if dry_run:  # never writes: an absent store is planned as an empty one
        with readable_store(store_path) as arena:
            plan = make_plan(config, arena, loaded, write=False)
            print_plan(plan, store_path, len(config.judges))
            print_costs(*estimate_costs(config, plan, arena), price, max_new_tokens)
        return
    with ArenaStore(store_path) as arena:
        name, prompts = loaded
        arena.check_prompts(name, prompts[:limit] if limit else prompts)  # a changed test set: exit 2, no write
        run_id = arena.start_run({"models": {c.name: c.spec for c in config.contestants}, "judge": judge.id,
                                  "testset": testset,
                                  **({"panel": [j.id for j in config.judges]} if config.panel else {})})
        from wizardarena.cli.progress import progress_bars

        def notice(text: str) -> None:
            click.echo(text, err=True)

        with progress_bars() as progress:
            if config.panel:
                from wizardarena.arena.panel import run_panel

                panel = run_panel(config, arena, make_owner(), progress, loaded, notice, panel_battles, **options)
                result = panel.result
            else:
                result = run_eval(config, arena, make_owner(), progress, loaded, notice, **options)
        arena.finish_run(run_id)
        per_judge = config.panel and panel_battles == "per-judge"
        written = write_outputs(result, config, arena, Path(out), panel.rating_records(config) if per_judge else None)
    save_style(style_coefs, result.ratings.style)  # a per-judge panel's: the first judge's fit
    if config.panel:
        from wizardarena.cli.panel_options import report_panel

        written.append(report_panel(panel, config, Path(out)))
    else:
        print_report(result, config)
    if agreement_with:
        report_agreement(result, list(agreement_with), Path(out))
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out}; store {store_path}", err=True)
