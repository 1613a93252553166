"""Every package folder ships: a folder missing from pyproject's list works in an editable install and
breaks a real one (as ``wizardarena.refs`` once did)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    if not (ROOT / "wizardarena" / "__init__.py").is_file():
        pytest.skip("not run from a source checkout")
    listed = set(project["tool"]["setuptools"]["packages"])
    folders = {"wizardarena": ROOT / "wizardarena", "wizardarena.trainers": ROOT / "trainers",
               "wizardarena.tasks": ROOT / "tasks", "wizardarena.leaderboard": ROOT / "leaderboard"}
    found = set()
    for name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            parts = init.parent.relative_to(folder).parts
            found.add(".".join((name, *parts)))
    assert found - listed == set()
