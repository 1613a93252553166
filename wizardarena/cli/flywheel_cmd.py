"""``wizardarena flywheel``: the Arena Learning loop (battle -> SFT / DPO / reward model + RL -> evaluate)."""

from __future__ import annotations

import click

from wizardarena.cli.engine_options import engine_options


@click.command("flywheel")
@click.option("--target", required=True,
              help="Starting checkpoint: a local model folder, a .gguf file, or smollm2-135m-instruct.")
@click.option("--opponents", multiple=True, required=True, help="[NAME=]SPEC of an opponent; repeat (paper: 3).")
@click.option("--judge", "judge_spec", required=True, help="Judge spec (an LLM: hf:, vllm:, openai:).")
@click.option("--judge-mode", type=click.Choice(["text", "logprob"]), default="text", show_default=True)
@click.option("--pool", multiple=True, required=True, help="Instruction pool file(s) (any build-testset format).")
@click.option("--out", type=click.Path(file_okay=False), default="wizardarena-flywheel", show_default=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="YAML/JSON with flywheel settings and a 'training' section (flags win).")
@click.option("--iterations", type=int, default=None, help="Iterations (paper: 3).")
@click.option("--parts", type=int, default=None, help="Pool parts, >= 3 x iterations (paper: 9).")
@click.option("--against", multiple=True, help="Test sets to decontaminate against (default: the shipped sets).")
@click.option("--eval-testset", default=None, help="Evaluation set (default wizardarena-hard).")
@click.option("--eval-limit", type=int, default=None, help="Evaluate on the first N prompts only.")
@click.option("--max-steps", type=int, default=None, help="Cap every training stage at N steps (smoke runs).")
@click.option("--max-new-tokens", type=int, default=None, help="Answer length in battles (default 512).")
@click.option("--seed", type=int, default=None)
@engine_options
def flywheel(target, opponents, judge_spec, judge_mode, pool, out, config_file, iterations, parts, against,
             eval_testset, eval_limit, max_steps, max_new_tokens, seed, engine, ray_address, ray_workers) -> None:
    """Battle the target where it is weak, train on what the battles teach, evaluate; repeat."""
    from wizardarena.trainers.flywheel import flywheel_config
    from wizardarena.trainers.flywheel_loop import run_flywheel
    from wizardarena.trainers.flywheel_report import print_report

    flags = {"target": target, "opponents": opponents, "judge": judge_spec, "judge_mode": judge_mode,
             "pool": pool, "out": out, "iterations": iterations, "parts": parts, "against": against or None,
             "eval_testset": eval_testset, "eval_limit": eval_limit, "max_new_tokens": max_new_tokens,
             "seed": seed, "ray_address": ray_address}
    given = click.get_current_context().get_parameter_source  # a config file's value wins over a flag's default
    flags.update({name: value for name, value in (("engine", engine), ("ray_workers", ray_workers))
                  if given(name) is not click.core.ParameterSource.DEFAULT})
    config = flywheel_config(config_file, {k: v for k, v in flags.items() if v is not None}, max_steps)
    report = run_flywheel(config, say=lambda line: click.echo(line, err=True))
    print_report(report)
