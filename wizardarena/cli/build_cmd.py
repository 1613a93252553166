"""``wizardarena build-testset`` (diverse / hard / mix test sets from a pool) and ``wizardarena
decontaminate`` (drop training instructions close to test items)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from wizardarena.embeddings import DEFAULT_EMBEDDER
from wizardarena.errors import InputError


def _embedder(name: str, cache: Path | None, device: str, progress=None):
    """The sentence embedder the commands use (a seam for tests)."""
    from wizardarena.embeddings import SentenceEmbedder

    return SentenceEmbedder(name, cache=cache, device=device, progress=progress)


def _embedding_options(command):
    """The embedder options both commands take."""
    command = click.option("--device", default="cpu", show_default=True, help="Device of the embedder.")(command)
    command = click.option("--no-cache", is_flag=True, help="Keep no embedding cache.")(command)
    command = click.option("--cache", type=click.Path(dir_okay=False), default=None,
                           help="Embedding cache file, reused across runs [default: "
                                "$WIZARDARENA_HOME/embeddings.sqlite].")(command)
    return click.option("--embedder", default=DEFAULT_EMBEDDER, show_default=True,
                        help="sentence-transformers model.")(command)


def _cache_path(cache: str | None, no_cache: bool) -> Path | None:
    """The embedding cache file to use (shown on stderr), or None with --no-cache."""
    from wizardarena.embeddings import default_cache_path

    if cache and no_cache:
        raise InputError("give --cache FILE or --no-cache, not both")
    if no_cache:
        return None
    path = Path(cache) if cache else default_cache_path()
    click.echo(f"embedding cache: {path} (--no-cache to keep none)", err=True)
    return path


def _notice(text: str) -> None:
    click.echo(text, err=True)


def _near_threshold(value: float) -> float | None:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"--near-dup-threshold must be in [0, 1] (0 turns it off), got {value}")
    return value or None


@click.command("build-testset")
@click.argument("pools", nargs=-1, required=True)
@click.option("--name", default="wizardarena", show_default=True,
              help="Output files are OUT/NAME-{diverse,hard,mix}.jsonl.")
@click.option("--out", type=click.Path(file_okay=False), default="testsets", show_default=True)
@click.option("-k", "--clusters", default=500, show_default=True, help="k-means clusters (paper: 500).")
@click.option("--per-cluster", default=2, show_default=True, help="Diverse prompts per cluster, n (paper: 2).")
@click.option("--hard-pool", default=20, show_default=True, help="Hard-pool prompts per cluster, m (paper: 20).")
@click.option("--hard-keep", default=1000, show_default=True, help="Hard prompts kept, h (paper: 1000).")
@click.option("--seed", default=0, show_default=True, help="Seed of k-means and of every random choice.")
@click.option("--rater", default=None, help="Model spec that rates difficulty 0-10 (hf:, vllm:, openai:, ...).")
@click.option("--upstream-hard", multiple=True, help="Source label whose prompts were chosen as hard upstream "
              "(no rating); repeat or comma-separate.")
@click.option("--rater-template", type=click.Path(dir_okay=False), default=None,
              help="Own rating prompt with {conversation}.")
@click.option("--rater-retries", default=2, show_default=True, help="Re-asks of an unparseable rating.")
@click.option("--rater-batch", default=32, show_default=True, help="Prompts per rater call batch.")
@click.option("--rating-cache", type=click.Path(dir_okay=False), default=None,
              help="Default OUT/difficulty-cache.jsonl.")
@click.option("--min-valid-ratings", default=0.8, show_default=True,
              help="Fewest valid difficulty ratings, as a share of the hard pool; fewer fail the build.")
@click.option("--max-concurrency", default=8, show_default=True, help="Parallel requests to an openai: rater.")
@click.option("--min-chars", default=10, show_default=True, help="Fewest characters of the user turns.")
@click.option("--max-chars", default=20_000, show_default=True, help="Most characters of the user turns.")
@click.option("--prefix-chars", default=100, show_default=True, help="Prefix dedup length (0: off).")
@click.option("--near-dup-threshold", default=0.8, show_default=True, help="MinHash Jaccard threshold (0: off).")
@click.option("--english-only", is_flag=True, help="Keep only English-like prompts (ASCII letter share).")
@click.option("--min-ascii-share", default=0.9, show_default=True, help="Letter share for --english-only.")
@_embedding_options
def build_testset(pools, name, out, clusters, per_cluster, hard_pool, hard_keep, seed, rater, upstream_hard,
                  rater_template, rater_retries, rater_batch, rating_cache, min_valid_ratings, max_concurrency,
                  min_chars, max_chars, prefix_chars, near_dup_threshold, english_only, min_ascii_share, embedder,
                  cache, no_cache, device) -> None:
    """Build diverse, hard and mix test sets from the conversations in POOLS: each PATH or LABEL=PATH, a
    .jsonl/.json/.parquet file or a folder saved with datasets' save_to_disk. The label (default: the
    file stem) becomes each prompt's source."""
    from wizardarena.backends import load_model
    from wizardarena.cli.progress import progress_bars
    from wizardarena.construct.build import BuildConfig, build_testsets, write_build
    from wizardarena.construct.clean import CleaningConfig
    from wizardarena.construct.difficulty import DifficultyRater
    from wizardarena.construct.pool import read_pool

    if not rater and not upstream_hard:
        raise InputError("build-testset needs a difficulty method: the hard set is the top of the pool by an "
                         "LLM's 0-10 difficulty rating (as in Arena Learning); give --rater SPEC to rate it, or "
                         "--upstream-hard LABEL to take the prompts of a pool LABEL=PATH chosen as hard upstream")
    cleaning = CleaningConfig(min_chars=min_chars, max_chars=max_chars, prefix_chars=prefix_chars,
                              near_duplicate_threshold=_near_threshold(near_dup_threshold),
                              english_only=english_only, min_ascii_letter_share=min_ascii_share)
    upstream = tuple(label for value in upstream_hard for label in value.split(",") if label)
    config = BuildConfig(name=name, clusters=clusters, per_cluster=per_cluster, hard_pool=hard_pool,
                         hard_keep=hard_keep, seed=seed, embedder=embedder, cleaning=cleaning, rater=rater,
                         upstream_hard=upstream, min_valid_ratings=min_valid_ratings)
    pool = read_pool(pools)
    difficulty_rater = None
    if rater:
        options = {"max_concurrency": max_concurrency} if rater.startswith("openai:") else {}
        difficulty_rater = DifficultyRater(load_model(rater, **options), template=rater_template,
                                           cache=rating_cache or Path(out) / "difficulty-cache.jsonl",
                                           max_retries=rater_retries, batch_size=rater_batch)
    cache_file = _cache_path(cache, no_cache)
    out_existed = Path(out).exists()
    try:
        with progress_bars() as progress:
            if difficulty_rater:
                difficulty_rater.progress = progress
            result = build_testsets(pool.prompts, config, _embedder(embedder, cache_file, device, progress),
                                    difficulty_rater, _notice)
    except InputError:
        if not out_existed and Path(out).is_dir() and not any(Path(out).iterdir()):
            Path(out).rmdir()  # a failed build leaves no trace, not even the folder the rating cache made
        raise
    result.report["pool"]["skipped_without_user_text"] = pool.skipped
    written = write_build(result, out)
    _print_build(result.report)
    click.echo(f"wrote {', '.join(path.name for path in written)} to {out}", err=True)


def _print_build(report: dict) -> None:
    by_source = ", ".join(f"{source} {count}" for source, count in report["pool"]["by_source"].items())
    click.echo(f"pool: {report['pool']['prompts']} prompts ({by_source})")
    for step in report["cleaning"]:
        click.echo(f"  {step['step']:<15} {step['before']:>7} -> {step['after']:<7} (-{step['dropped']})")
    found = report["clusters"]
    click.echo(f"clusters: {found['k']} ({found['algorithm']}), sizes {found['size_min']}..{found['size_max']}")
    rated = report["difficulty"]
    if "invalid" in rated:
        click.echo(f"difficulty: {rated['method']}: {rated['pool']} in the hard pool, {rated['invalid']} invalid "
                   f"({rated['retried']} retried), {rated['rater_calls']} rater calls, {rated['cached']} cached")
    else:
        click.echo(f"difficulty: {rated['method']}: hard pool of {rated['pool']}, not rated")
    sizes = report["sizes"]
    click.echo(f"diverse {sizes['diverse']}, hard {sizes['hard']}, mix {sizes['mix']} "
               f"({sizes['diverse_and_hard']} in both diverse and hard)")


@click.command("decontaminate")
@click.argument("train")
@click.option("--against", "testsets", multiple=True, required=True,
              help="Test set: a shipped name or a file (any pool format); repeat.")
@click.option("--top-k", default=5, show_default=True, help="Drop each test item's k nearest training items (0: off).")
@click.option("--min-similarity", type=float, default=None,
              help="Drop a top-k neighbour only when its cosine similarity is at least this [default: any].")
@click.option("--near-dup-threshold", default=0.8, show_default=True, help="MinHash Jaccard threshold (0: off).")
@_embedding_options
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Kept training records, as they were (default ./TRAIN-decontaminated.jsonl).")
@click.option("--report", type=click.Path(dir_okay=False), default=None, help="JSON report of every dropped item.")
def decontaminate_command(train, testsets, top_k, min_similarity, near_dup_threshold, embedder, cache, no_cache, device,
                          out, report) -> None:
    """Drop the TRAIN instructions that duplicate, or are top-k embedding neighbours of, any test item."""
    from wizardarena.cli.progress import progress_bars
    from wizardarena.construct.decontaminate import DecontaminationConfig, decontaminate
    from wizardarena.construct.pool import pool_inputs, pool_prompts, read_pool, read_records
    from wizardarena.tables import detect_format, write_records

    config = DecontaminationConfig(top_k=top_k, min_similarity=min_similarity,
                                   near_duplicate_threshold=_near_threshold(near_dup_threshold))
    out = Path(out) if out else Path(f"{Path(train).stem}-decontaminated.jsonl")
    detect_format(out)
    (train_input,) = pool_inputs([train])
    rows = read_records(train_input.path)
    prompts = pool_prompts(rows, train_input.label, str(train_input.path))
    from wizardarena.testsets import testset_names, testset_path

    shipped = testset_names()
    test = read_pool([testset_path(t) if t in shipped else t for t in testsets]).prompts
    cache_file = _cache_path(cache, no_cache) if top_k else None
    with progress_bars() as progress:
        result = decontaminate([p for p in prompts if p is not None], test,
                               _embedder(embedder, cache_file, device, progress) if top_k else None, config)
    dropped_ids = {drop["id"] for drop in result.dropped}
    kept_rows = [row for row, prompt in zip(rows, prompts) if prompt is None or prompt["id"] not in dropped_ids]
    write_records(out, kept_rows)
    if report:
        summary = {**result.report, "train_file": str(train), "against": list(testsets), "items": result.dropped}
        Path(report).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    reasons = ", ".join(f"{reason} {count}" for reason, count in result.report["dropped_by_reason"].items()) or "none"
    click.echo(f"kept {len(kept_rows)} of {len(rows)} training records; dropped {len(result.dropped)} ({reasons})")
    if min_similarity is not None and top_k:
        spared = result.report["neighbours_below_min_similarity"]
        click.echo(f"neighbour drops need cosine >= {min_similarity:g}: {spared} top-{top_k} neighbours below it kept")
    click.echo(f"wrote {out}" + (f" and {report}" if report else ""), err=True)
