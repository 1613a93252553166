"""Publish a leaderboard to the Hugging Face Hub as a dataset repo.

:func:`build_folder` writes exactly what is uploaded (Parquet tables under ``data/``, ``run.json`` and
the dataset card ``README.md``); :func:`push` creates the repo if needed and uploads the folder in one
commit. huggingface_hub and pyarrow are imported inside the functions that need them. The token is
never written to a file, and error messages are scrubbed of it.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

from wizardarena import __version__
from wizardarena.errors import InputError
from wizardarena.leaderboard.card import DEFAULT_LICENSE, DEFAULT_PRETTY_NAME, dataset_card, import_hub
from wizardarena.leaderboard.sources import read_rating_rows
from wizardarena.ratings.table import battles_from_records
from wizardarena.tables import read_rows, write_records

DEFAULT_COMMIT_MESSAGE = "Publish WizardArena leaderboard"
NO_TOKEN_MESSAGE = "no Hugging Face token: set HF_TOKEN or run `hf auth login`"
VERSIONED_PACKAGES = ("wizardarena", "numpy", "scipy", "pyarrow")
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


def validate_repo_id(repo_id: str) -> str:
    """Return ``repo_id`` when it is ``ORG/NAME`` (a namespace and a name); else raise :class:`InputError`."""
    if not _REPO_ID.fullmatch(repo_id) or ".." in repo_id or "--" in repo_id:
        raise InputError(f"repo id must be ORG/NAME (a namespace, a slash and a name), got {repo_id!r}")
    return repo_id


def resolve_token(token: str | None = None) -> str:
    """The token to push with: the argument, else ``HF_TOKEN``, else the user's Hub login."""
    token = token or os.environ.get("HF_TOKEN")
    if not token:
        token = import_hub().get_token()
    if not token:
        raise InputError(NO_TOKEN_MESSAGE)
    return token


def package_versions() -> dict[str, str | None]:
    """Versions of the packages that produced the numbers (None where one is not installed), and Python's."""
    versions: dict[str, str | None] = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["python"] = platform.python_version()
    return versions


def _read_table(path: str | Path, what: str) -> list[dict]:
    rows = read_rows(path)
    if not rows:
        raise InputError(f"{path}: no {what} records")
    return rows


def _write_parquet(path: Path, rows: list[dict], source: str | Path) -> None:
    import pyarrow as pa

    try:
        write_records(path, rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(f"{source}: cannot store as Parquet ({' '.join(str(exc).split())})") from None


def _typed_ratings(rows: list[dict]) -> list[dict]:
    """Rating rows (already validated) with their numbers as numbers: a CSV file holds them as text."""
    return [{**row, "rating": float(row["rating"]), "lower": float(row["lower"]), "upper": float(row["upper"]),
             "n_battles": int(float(row["n_battles"]))} for row in rows]


def build_folder(ratings_path: str | Path, out_dir: str | Path, *, battles: str | Path | None = None,
                 judgments: str | Path | None = None, meta: Mapping[str, Any] | None = None,
                 repo_id: str | None = None, pretty_name: str = DEFAULT_PRETTY_NAME,
                 license: str = DEFAULT_LICENSE) -> Path:
    """Write the folder to upload into ``out_dir`` (absent or empty) and return it:

    ``data/ratings.parquet`` (Rating records), ``data/battles.parquet`` and ``data/judgments.parquet``
    when given (any format :func:`wizardarena.tables.read_rows` reads), ``run.json`` (``meta`` — judge,
    testset, seed, ... — over defaults: today's UTC date, table sizes, package versions) and
    ``README.md``, the dataset card. ``repo_id`` only appears in the card's loading example."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: exists and is not an empty folder (the folder is uploaded as a whole)")
    overall, by_category = read_rating_rows(ratings_path)  # validates; the table keeps every column
    sources = {"ratings": ratings_path, "battles": battles, "judgments": judgments}
    tables = {"ratings": _typed_ratings(read_rows(ratings_path))}
    for name, path in (("battles", battles), ("judgments", judgments)):
        if path is not None:
            tables[name] = _read_table(path, name[:-1])
    files = {name: f"data/{name}.parquet" for name in tables}
    run: dict[str, Any] = {"judge": _single_value(tables.get("battles", []), "judge"), "testset": None,
                           "seed": None, "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat()}
    run.update(meta or {})
    run.update({f"n_{name}": len(rows) for name, rows in tables.items()})
    run.update({"files": files, "versions": package_versions()})
    table = None if battles is None else battles_from_records(tables["battles"], str(battles))
    card = dataset_card(overall, by_category, files, run, pretty_name=pretty_name, license=license,
                        repo_id=repo_id, battles=table)
    existed = out.exists()
    try:
        for name, rows in tables.items():
            _write_parquet(out / files[name], rows, sources[name])
    except InputError:  # a column Parquet cannot hold: leave no half-written folder behind
        shutil.rmtree(out, ignore_errors=True)
        if existed:
            out.mkdir()
        raise
    (out / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.md").write_text(card, encoding="utf-8")
    return out


def _single_value(rows: list[dict], key: str) -> Any:
    """The value of ``key`` when all rows share one (e.g. every battle has the same judge), else None."""
    values = {row.get(key) for row in rows}
    return values.pop() if len(values) == 1 else None


def _scrub(message: str, token: str) -> str:
    """``message`` on one line, with every occurrence of the token replaced by ``<token>``."""
    return " ".join(message.split()).replace(token, "<token>")


def push(folder: str | Path, repo_id: str, *, token: str | None = None, private: bool = False,
         commit_message: str = DEFAULT_COMMIT_MESSAGE) -> str:
    """Create the dataset repo ``repo_id`` if needed and upload ``folder`` in one commit; return the
    commit URL. Hub and connection failures become one-line :class:`InputError` messages without the token."""
    hub = import_hub()
    from huggingface_hub.errors import HfHubHTTPError

    validate_repo_id(repo_id)
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    token = resolve_token(token)
    # HfHubHTTPError derives from the HTTP client's base error (httpx2.HTTPError in huggingface_hub 2.x),
    # which also covers refused connections and timeouts; OSError covers offline mode and local files.
    client_error = HfHubHTTPError.__mro__[1]
    api = hub.HfApi(token=token, library_name="wizardarena", library_version=__version__)
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        info = api.upload_folder(repo_id=repo_id, repo_type="dataset", folder_path=folder,
                                 commit_message=commit_message)
    except HfHubHTTPError as exc:  # the Hub answered (its message names the URL)
        raise InputError(_scrub(f"push to {repo_id} failed: {exc}", token)) from None
    except (client_error, OSError, ValueError) as exc:  # no answer, offline mode, or a bad card/folder
        reason = str(exc) or type(exc).__name__
        raise InputError(_scrub(f"push to {repo_id} via {api.endpoint} failed: {reason}", token)) from None
    return info.commit_url
