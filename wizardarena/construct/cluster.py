"""Embedding prompts and clustering them with k-means (scikit-learn, imported when used)."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from wizardarena.construct.text import prompt_text
from wizardarena.embeddings import Embedder
from wizardarena.errors import InputError, MissingExtraError
from wizardarena.records import Prompt

MINIBATCH_ABOVE = 20_000  # pools larger than this use MiniBatchKMeans (full k-means is too slow there)
N_INIT = 3  # k-means restarts; fixed so that a seed alone decides the result
PROMPTS_PER_CAPPED_CLUSTER = 10  # k larger than the pool becomes pool // 10: clusters of ~10 prompts


class Clustering(NamedTuple):
    """Cluster labels (0..k-1, numbered by first appearance in the pool) and how they were found."""

    labels: np.ndarray
    algorithm: str

    def sizes(self) -> np.ndarray:
        """Members per cluster, indexed by label."""
        return np.bincount(self.labels)

    def describe(self) -> dict:
        """Algorithm and size summary, for reports."""
        sizes = self.sizes()
        return {"algorithm": self.algorithm, "k": int(len(sizes)), "n_init": N_INIT, "size_min": int(sizes.min()),
                "size_median": float(np.median(sizes)), "size_max": int(sizes.max())}


def embed_prompts(prompts: Sequence[Prompt], embedder: Embedder) -> np.ndarray:
    """Unit vectors of each prompt's user turns joined with blank lines; the embedder's file cache (if
    it has one) is saved afterwards."""
    vectors = embedder.embed([prompt_text(prompt) for prompt in prompts])
    save = getattr(embedder, "save", None)
    if callable(save):
        save()
    return vectors


def capped_clusters(requested: int, prompts: int) -> tuple[int, str | None]:
    """The k to use for a pool of ``prompts``, and a notice when it is not ``requested``. A k above the
    pool (the paper's 500 on a small pool) becomes ``prompts // 10`` (at least 1), so that clusters hold
    ~10 prompts and the diverse set still chooses among them; k = prompts would make every cluster a
    single prompt and the diverse set the whole pool."""
    if requested <= prompts or prompts == 0:
        return requested, None
    k = max(1, prompts // PROMPTS_PER_CAPPED_CLUSTER)
    return k, (f"k={requested} > {prompts} prompts: using k={k} "
               f"(~{PROMPTS_PER_CAPPED_CLUSTER} prompts per cluster; set -k to choose)")


def cluster_vectors(vectors: np.ndarray, k: int, seed: int, minibatch_above: int = MINIBATCH_ABOVE) -> Clustering:
    """K-means labels of ``vectors`` into ``k`` clusters, seeded; MiniBatchKMeans above ``minibatch_above``
    rows. Labels are renumbered by first appearance so that the numbering does not depend on the solver."""
    count = len(vectors)
    if not 1 <= k <= count:
        raise InputError(f"k-means: {k} clusters need at least {k} prompts, and k >= 1; the pool has {count}")
    try:
        from sklearn.cluster import KMeans, MiniBatchKMeans
    except ImportError:
        raise MissingExtraError("scikit-learn", "embed") from None
    data = np.asarray(vectors, dtype=np.float64)  # float64: sums less sensitive to summation order
    if count > minibatch_above:
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=N_INIT, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=seed, n_init=N_INIT)
    raw = model.fit_predict(data)
    _, first_seen = np.unique(raw, return_index=True)
    renumber = np.empty(raw.max() + 1, np.int64)
    renumber[raw[np.sort(first_seen)]] = np.arange(len(first_seen))
    return Clustering(renumber[raw], type(model).__name__)
