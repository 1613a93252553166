"""lm-eval helpers: where the task YAML files are, and bringing lm-eval's answers into an arena."""

from __future__ import annotations

from pathlib import Path

import click

from wizardarena.errors import InputError


@click.command("lm-eval-path")
def lm_eval_path() -> None:
    """Print the folder of the WizardArena lm-eval tasks, for ``lm_eval --include_path``."""
    from wizardarena.tasks import include_path

    click.echo(include_path())


@click.command("import-lm-eval")
@click.argument("samples", type=click.Path(dir_okay=False))
@click.option("--model", "model", required=True, help="The name the answers get in the arena.")
@click.option("--store", type=click.Path(dir_okay=False), default=None,
              help="Arena store the answers join; the answers file goes beside it (default: the shared store).")
def import_lm_eval(samples: str, model: str, store: str | None) -> None:
    """Add a model's answers from lm-eval's ``--log_samples`` file (samples_wizardarena_*.jsonl) to an
    arena, as an ``answers:`` file that ``wizardarena eval`` can re-judge with any judge."""
    from wizardarena.home import default_store
    from wizardarena.tables import read_rows

    rows = read_rows(Path(samples))
    answers, docs = {}, []
    for index, row in enumerate(rows, start=1):
        doc, replies = row.get("doc"), row.get("filtered_resps") or row.get("resps")
        if not isinstance(doc, dict) or "id" not in doc or "settings" not in doc or not replies:
            raise InputError(f"{samples}: record {index} is not an lm-eval sample of a WizardArena task "
                             "(needs doc.id, doc.settings and filtered_resps)")
        reply = replies[0][0] if isinstance(replies[0], list) else replies[0]
        if not isinstance(reply, str):
            raise InputError(f"{samples}: record {index}: the response is not text")
        answers[str(doc["id"])] = [reply]
        docs.append(doc)
    if not answers:
        raise InputError(f"{samples}: no samples")
    folder = (Path(store).expanduser() if store else default_store()).parent / "lm-eval-answers"
    path = write_answers_file(model, answers, folder)
    click.echo(f"{len(answers)} answers of {model} -> {path}")
    click.echo("re-judge (the lm-eval run's schedule and settings; change --judge to re-judge): "
               + rejudge_command(model, path, docs, store))


def rejudge_command(model: str, path: Path, docs: list[dict], store: str | None) -> str:
    """The ``wizardarena eval`` line that battles these answers exactly as the lm-eval task did, each
    word shell-quoted."""
    import json
    import shlex

    from wizardarena.tasks.harness import dataset

    try:
        settings, testset = json.loads(docs[0]["settings"]), str(docs[0]["testset"])
        order = [doc["id"] for doc in dataset(testset, **settings)["test"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError("an lm-eval sample's doc lacks the task's settings or test set "
                         f"({type(exc).__name__})") from None
    answered = {doc["id"] for doc in docs}
    limit = ["--limit", str(len(answered))] if set(order[:len(answered)]) == answered else []
    words = ["wizardarena", "eval", "--model", f"{model}=answers:{path}#{model}", "--model",
             str(settings["references"]), "--judge", str(settings["judge"]), "--testset", testset, *limit,
             "--anchor", f"{settings['baseline']}=1000", "--bootstrap", str(settings["bootstrap"]),
             "--seed", str(settings["seed"]), *(["--store", str(store)] if store else [])]
    return shlex.join(words)  # every word quoted: a name like 'x;touch F' stays a name when pasted


def write_answers_file(model: str, answers: dict[str, list[str]], folder: Path) -> Path:
    """Write ``answers`` (prompt id -> replies) as our Answer records to ``folder/MODEL-DIGEST.jsonl``
    (the content's digest in the name keeps different answers of one model in different files)."""
    import hashlib
    import json
    import os

    records = [{"prompt_id": prompt_id, "model": model, "turns": turns, "meta": {"source": "lm-eval"}}
               for prompt_id, turns in sorted(answers.items())]
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe}-{digest}.jsonl"
    if not path.exists():
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path
