"""Fixtures shared by all tests. Tests run offline: nothing may reach a hub."""

import os
import tempfile
from pathlib import Path

import pytest

from fixtures.tiny_model import tiny_model_path  # noqa: F401  (session fixture: a tiny local chat model)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Module- and session-scoped fixtures run before the per-test home below: they get a throw-away one too.
os.environ["WIZARDARENA_HOME"] = tempfile.mkdtemp(prefix="wizardarena-test-home-")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def arena_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ``$WIZARDARENA_HOME`` (the default store and caches), never the user's;
    subprocesses inherit it."""
    home = tmp_path / "wizardarena-home"
    monkeypatch.setenv("WIZARDARENA_HOME", str(home))
    monkeypatch.delenv("WIZARDARENA_CACHE", raising=False)
    return home


@pytest.fixture
def shared_data() -> Path:
    """The real reference data in ``../shared/data``; the test is skipped when the folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2 sentence embedder (offline), loaded once per test session."""
    pytest.importorskip("sentence_transformers")
    from wizardarena.embeddings import SentenceEmbedder

    embedder = SentenceEmbedder()
    embedder.embed(["warm-up"])
    return embedder


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one thread for a module: a tiny model gains nothing from intra-op threads and loses a lot
    when other jobs hold the cores."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
