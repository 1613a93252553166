"""``wizardarena eval``: answer, judge, rate and rank models (checkpoint selection with several --model)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import click

from wizardarena.errors import InputError

_NAMED = re.compile(r"^([\w.\-]+)=(\w+:.*)$")


def contestant(text: str):
    """``NAME=SPEC`` or ``SPEC``; the default name is the spec's last path part (or ``MODEL`` of openai:)."""
    from wizardarena.arena.answering import Contestant

    named = _NAMED.match(text)
    if named:
        return Contestant(named.group(1), named.group(2))
    prefix, _, rest = text.partition(":")
    if not rest:
        raise InputError(f"model spec {text!r} needs a backend prefix (hf:, vllm:, openai:, answers:)")
    if prefix == "openai":
        rest = rest.rsplit("@", 1)[0]
    if prefix == "answers" and "#" in rest:
        rest = rest.rsplit("#", 1)[1]
    return Contestant(rest.rstrip("/").rsplit("/", 1)[-1] or text, text)


@click.command("eval")
@click.option("--model", "models", multiple=True, required=True, help="Model under test: [NAME=]SPEC; repeat to compare checkpoints.")
@click.option("--judge", "judge_spec", required=True, help="Judge model spec (hf:, vllm:, openai:).")
@click.option("--testset", required=True, help="Test set: a JSON Lines file of prompts.")
@click.option("--opponents", multiple=True, help="Fixed opponents, [NAME=]SPEC; repeat. Default: full round-robin.")
@click.option("--out", type=click.Path(file_okay=False), default="wizardarena-out", show_default=True)
@click.option("--store", type=click.Path(dir_okay=False), default=None, help="Arena store (default OUT/arena.sqlite).")
@click.option("--bootstrap", default=100, show_default=True)
@click.option("--seed", default=0, show_default=True, help="Seed of decoding and of the bootstrap.")
@click.option("--unit", type=click.Choice(["prompt", "battle"]), default="prompt", show_default=True)
@click.option("--anchor", default=None, help="Pin a model's Elo, e.g. gpt-4-0314=1200.")
@click.option("--max-concurrency", default=8, show_default=True, help="Parallel requests to openai: servers.")
@click.option("--temperature", default=0.0, show_default=True)
@click.option("--max-new-tokens", default=512, show_default=True)
@click.option("--judge-mode", type=click.Choice(["text", "logprob"]), default="text", show_default=True)
@click.option("--judge-template", type=click.Path(dir_okay=False), default=None)
@click.option("--judge-retries", default=2, show_default=True)
@click.option("--combine", type=click.Choice(["separate", "average", "consistent"]), default="separate", show_default=True)
@click.option("--tie-margin", default=0.0, show_default=True)
@click.option("--multi-turn", type=click.Choice(["full", "last"]), default="full", show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N prompts.")
@click.option("--dry-run", is_flag=True, help="Print the generations and judge calls needed, then stop.")
def eval_command(models, judge_spec, testset, opponents, out, store, bootstrap, seed, unit, anchor, max_concurrency,
                 temperature, max_new_tokens, judge_mode, judge_template, judge_retries, combine, tie_margin,
                 multi_turn, limit, dry_run) -> None:
    """Answer TESTSET with every model, judge every pair in both orders, rate and rank."""
    from wizardarena.arena.pipeline import EvalConfig, make_plan, run_eval, write_outputs
    from wizardarena.backends import Decoding, load_model
    from wizardarena.judge import JudgeConfig
    from wizardarena.ratings import RatingConfig, parse_anchor
    from wizardarena.store import ArenaStore, make_owner
    from wizardarena.testsets import load_testset

    config = EvalConfig(
        candidates=tuple(contestant(m) for m in models), opponents=tuple(contestant(o) for o in opponents),
        judge_spec=judge_spec, testset=testset, limit=limit,
        decoding=Decoding(temperature=temperature, max_new_tokens=max_new_tokens, seed=seed),
        judge=JudgeConfig(mode=judge_mode, template=judge_template, max_retries=judge_retries,
                          combine=combine, tie_margin=tie_margin, multi_turn=multi_turn),
        ratings=RatingConfig(bootstrap=bootstrap, seed=seed, unit=unit, anchor=parse_anchor(anchor) if anchor else None))
    _check_specs(config)
    loaded = load_testset(testset)  # bad input fails here, before the store is opened or created
    if not dry_run:
        _check_servers(config, load_model)
    store_path = Path(store) if store else Path(out) / "arena.sqlite"
    with ArenaStore(store_path) as arena:
        if dry_run:
            _print_plan(make_plan(config, arena, loaded), store_path)
            return
        run_id = arena.start_run({"models": list(models), "judge": judge_spec, "testset": testset})

        def load(spec: str):
            return load_model(spec, max_concurrency=max_concurrency) if spec.startswith("openai:") else load_model(spec)

        from wizardarena.cli.progress import progress_bars

        with progress_bars() as progress:
            result = run_eval(config, arena, load, make_owner(), progress, loaded)
        arena.finish_run(run_id)
        written = write_outputs(result, arena, Path(out))
    _print_report(result, config)
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out}; store {store_path}", err=True)


def _check_specs(config) -> None:
    """Fail fast on an unknown backend prefix before anything touches the store."""
    from wizardarena.backends.registry import parse_spec

    for spec in [c.spec for c in (*config.candidates, *config.opponents)] + [config.judge_spec]:
        prefix, target = parse_spec(spec)
        local = target.startswith(("/", ".", "~")) or target.count("/") > 1
        if prefix in ("hf", "vllm", "answers") and local and not Path(target.split("#")[0]).expanduser().exists():
            raise InputError(f"{spec}: no such file or directory")


def _check_servers(config, load_model) -> None:
    """Reach every openai: server once before any work, so an unreachable one leaves the store as it was."""
    for spec in {c.spec for c in (*config.candidates, *config.opponents)} | {config.judge_spec}:
        if spec.startswith("openai:"):
            load_model(spec).ping()


def _print_plan(plan, store_path) -> None:
    click.echo(f"test set {plan.testset}: {len(plan.prompts)} prompts; {len(plan.pairs)} pairs x 2 orders; store {store_path}")
    for name, count in plan.missing_answers.items():
        click.echo(f"  {name}: {count} answers missing, {plan.missing_generations[name]} model calls")
    click.echo(f"  judge: {plan.missing_judgments} of {len(plan.planned)} judgments missing")


def _print_report(result, config) -> None:
    from rich.console import Console

    from wizardarena.arena.selection import select_checkpoint
    from wizardarena.leaderboard import ratings_table

    score, played = defaultdict(float), defaultdict(int)
    for battle in result.battles:
        for side in ("model_a", "model_b"):
            played[battle[side]] += 1
        if battle["winner"].startswith("tie"):
            score[battle["model_a"]] += 0.5
            score[battle["model_b"]] += 0.5
        else:
            score[battle[battle["winner"]]] += 1
    report = result.judge_report
    extra = {"win rate": {m: f"{score[m] / played[m]:.1%}" for m in played},
             "invalid": {m: str(report.invalid_by_model.get(m, 0)) for m in played}}
    console = Console()
    console.print(ratings_table(result.ratings.records(), title=f"WizardArena: {result.plan.testset}", extra=extra))
    bias = "n/a" if report.first_slot_wins is None else f"{report.first_slot_wins:.1%}"
    agree = "n/a" if report.consistency is None else f"{report.consistency:.1%}"
    console.print(f"judge {config.judge_spec}: {report.judgments} judgments, {report.invalid} invalid, "
                  f"{report.ties} ties; first position wins {bias} of decisive games; both orders agree {agree}; "
                  f"model calls this run: {result.model_calls}")
    selection = select_checkpoint(result.ratings, [c.name for c in config.candidates])
    if selection:
        console.print(selection.summary())
