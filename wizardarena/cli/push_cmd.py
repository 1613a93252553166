"""``wizardarena leaderboard push``: publish ratings (and optionally battles and judgments) to the Hugging
Face Hub as a dataset repo, or with ``--dry-run DIR`` write exactly the folder that would be uploaded.

Registered under the ``leaderboard`` group by :mod:`wizardarena.cli.main`; user errors raise
:class:`~wizardarena.errors.InputError`, which the CLI group prints on one line with exit status 2.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

_FILE = click.Path(dir_okay=False)


@click.command("push")
@click.argument("ratings", type=_FILE)
@click.option("--repo-id", required=True, help="Dataset repo to publish to, ORG/NAME (created when absent).")
@click.option("--battles", type=_FILE, default=None, help="Battles to publish beside the ratings.")
@click.option("--judgments", type=_FILE, default=None, help="Judgments to publish beside the ratings.")
@click.option("--private", is_flag=True, help="Create the repo private (an existing repo keeps its visibility).")
@click.option("--dry-run", "dry_run", type=click.Path(file_okay=False), default=None,
              help="Write the folder that would be uploaded into this (new or empty) folder; contact no Hub.")
@click.option("--judge", default=None, help="Judge that produced the battles, for the card and run.json.")
@click.option("--testset", default=None, help="Test set the models answered, for the card and run.json.")
@click.option("--seed", type=int, default=None, help="Seed of the rating bootstrap, for the card and run.json.")
@click.option("--message", default=None, help="Commit message (default: 'Publish WizardArena leaderboard').")
def push(ratings: str, repo_id: str, battles: str | None, judgments: str | None, private: bool,
         dry_run: str | None, judge: str | None, testset: str | None, seed: int | None,
         message: str | None) -> None:
    """Publish RATINGS (Rating records: JSON Lines, JSON, CSV or Parquet) to the Hub dataset repo --repo-id.

    The token comes from HF_TOKEN or the saved Hub login (`hf auth login`); the Hub address from HF_ENDPOINT.
    Prints the commit URL."""
    from wizardarena.leaderboard.publish import DEFAULT_COMMIT_MESSAGE, build_folder, resolve_token, validate_repo_id
    from wizardarena.leaderboard.publish import push as push_folder

    validate_repo_id(repo_id)
    meta = _run_json_beside(Path(ratings))  # the eval run's metadata and judge provenance, when there
    meta.update({key: value for key, value in (("judge", judge), ("testset", testset), ("seed", seed))
                 if value is not None})
    options = {"battles": battles, "judgments": judgments, "meta": meta, "repo_id": repo_id}
    if dry_run is not None:
        folder = build_folder(ratings, dry_run, **options)
        files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
        click.echo(f"dry run: wrote {len(files)} files to {folder} ({', '.join(files)}); nothing was sent", err=True)
        _note_blanks(folder, ratings)
        return
    token = resolve_token()  # fail before any work when there is none
    with tempfile.TemporaryDirectory(prefix="wizardarena-push-") as tmp:
        folder = build_folder(ratings, Path(tmp) / repo_id.split("/")[1], **options)
        url = push_folder(folder, repo_id, token=token, private=private,
                          commit_message=message or DEFAULT_COMMIT_MESSAGE)
        click.echo(f"pushed {repo_id}", err=True)
        _note_blanks(folder, ratings)
    click.echo(url)


def _note_blanks(folder: Path, ratings: str) -> None:
    """Say which of judge, test set and seed the published ``run.json`` in ``folder`` leaves blank, and how
    to fill them (after success only: a failure stays one line)."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    unknown = [key for key in ("judge", "testset", "seed") if run.get(key) is None]
    if unknown:
        click.echo(f"note: the card shows no {', '.join(unknown)}: no run.json beside {ratings} names "
                   f"{'it' if len(unknown) == 1 else 'them'} (pass --{' / --'.join(unknown)})", err=True)


def _run_json_beside(ratings: Path) -> dict:
    """The ``run.json`` that ``wizardarena eval`` wrote beside its ratings (empty when there is none), its
    field names as the rendered boards read them (``test_set`` is ``testset``)."""
    from wizardarena.leaderboard.sources import METADATA_FIELDS, read_json_object

    data = read_json_object(ratings.parent / "run.json") or {}
    return {METADATA_FIELDS.get(key, key): value for key, value in data.items() if key not in ("files", "versions")}
