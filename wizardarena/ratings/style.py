"""Style control: Bradley-Terry with answer-style covariates fitted jointly (as LMSYS does), so a
model's rating is its strength with length and markdown differences held equal.

Features per battle, for length, headers, list items and bold spans: the normalised difference
``(a - b) / (a + b)`` (0 when both are 0), then z-scored across battles. Counts come from the battle's
``conv_metadata`` (the LMSYS keys) or ``style_a``/``style_b`` dicts; :func:`markdown_style` makes such a
dict from an answer's text.
"""

from __future__ import annotations

import re

import numpy as np

from wizardarena.errors import InputError
from wizardarena.ratings import bradley_terry as bt
from wizardarena.ratings.config import RatingConfig
from wizardarena.ratings.logistic import expit, log_expit
from wizardarena.ratings.pairs import OutcomeClasses, kept_prompts
from wizardarena.ratings.resample import bootstrap_sampler, run_blocks
from wizardarena.ratings.style_coefs import STYLE_FEATURES, StyleCoefs
from wizardarena.ratings.table import MODEL_A_WINS, TIE, BattleTable

STYLE_COLUMNS = ("style_a", "style_b", "conv_metadata")  # where style_counts looks for the counts
_HEADER = re.compile(r"^#{1,6}\s", re.MULTILINE)
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_CODE = re.compile(r"```[^`]*```")  # LMSYS's pattern: a "# comment" in a code block is no header


def markdown_style(text: str) -> dict[str, int]:
    """Style counts of one answer: whitespace tokens, markdown headers, list items, bold spans. As LMSYS
    does, the markdown is counted outside fenced code blocks, the tokens over the whole text.

    >>> markdown_style("# Title\\n- **a**\\n- b\\n```\\n# code\\n```")
    {'length': 10, 'headers': 1, 'lists': 2, 'bold': 1}
    """
    prose = _CODE.sub("", text) if "```" in text else text
    return {"length": len(text.split()), "headers": len(_HEADER.findall(prose)),
            "lists": len(_LIST.findall(prose)), "bold": len(_BOLD.findall(prose))}


def style_counts(table: BattleTable) -> tuple[np.ndarray, np.ndarray]:
    """Per-battle style counts of the two sides, each of shape (battles, 4)."""
    if "style_a" in table.extra and "style_b" in table.extra:
        sides = [[_from_style(row) for row in table.extra[col]] for col in ("style_a", "style_b")]
    elif "conv_metadata" in table.extra:
        sides = [[_from_lmsys(row, side) for row in table.extra["conv_metadata"]] for side in "ab"]
    else:
        raise InputError("--style-control needs conv_metadata (LMSYS keys) or style_a/style_b on every battle")
    return np.array(sides[0], dtype=float), np.array(sides[1], dtype=float)


def _from_style(row) -> list[float]:
    if not isinstance(row, dict):
        raise InputError(f"style_a/style_b must be objects with {', '.join(STYLE_FEATURES)}, got {row!r}")
    if "token_len" in row:  # arena-hard answer metadata
        return [row["token_len"], sum(row["header_count"].values()), sum(row["list_count"].values()),
                sum(row["bold_count"].values())]
    return [float(row[name]) for name in STYLE_FEATURES]


def _from_lmsys(row, side: str) -> list[float]:
    try:
        return [row[f"sum_assistant_{side}_tokens"], sum(row[f"header_count_{side}"].values()),
                sum(row[f"list_count_{side}"].values()), sum(row[f"bold_count_{side}"].values())]
    except (KeyError, TypeError, AttributeError):
        raise InputError(f"conv_metadata lacks the LMSYS style keys for side {side}: {row!r}"[:200]) from None


def style_features(count_a: np.ndarray, count_b: np.ndarray, battles: np.ndarray | None = None,
                   scale: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Normalised differences (rows x features), z-scored over battles: ``battles`` is how many
    battles each row stands for (None: one each). ``scale``: the (mean, std) to z-score with instead,
    e.g. those of frozen coefficients (see :func:`style_scale`)."""
    diff = _differences(count_a, count_b)
    mean, std = style_scale(count_a, count_b, battles) if scale is None else scale
    return (diff - mean) / std


def style_scale(count_a: np.ndarray, count_b: np.ndarray, battles: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """The per-feature mean and std (1 where a feature never varies) that :func:`style_features` z-scores
    these battles with."""
    diff = _differences(count_a, count_b)
    mean = np.average(diff, axis=0, weights=battles)
    std = np.sqrt(np.average((diff - mean) ** 2, axis=0, weights=battles))
    return mean, np.where(std > 0, std, 1.0)


def _differences(count_a: np.ndarray, count_b: np.ndarray) -> np.ndarray:
    total = count_a + count_b
    return np.divide(count_a - count_b, total, out=np.zeros_like(total), where=total > 0)


class StyleProblem:
    """Per-battle logistic model ``σ(θa - θb + f·β + offset)`` weighted by per-round battle multiplicities;
    ``features`` may have no columns (frozen coefficients: their terms are all in ``offset``)."""

    def __init__(self, a, b, result, weight, features, multiplicity, n_models: int, ridge: float, offset=0.0):
        self.a, self.b, self.result, self.features, self.offset = a, b, result, features, offset
        self.mult = np.atleast_2d(multiplicity) * weight
        self.n_models, self.ridge = n_models, ridge
        self.rounds, self.n_params = self.mult.shape[0], n_models + features.shape[1]
        # scipy.sparse (imported here: only style control pays for it) scatters one row per battle: numpy's
        # bincount needs a (rounds x battles) index, 256 MB for a block of 32 rounds of 1M battles.
        from scipy import sparse

        rows = np.arange(a.shape[0])
        self.edges_t = sparse.csr_array((np.r_[np.ones_like(rows), -np.ones_like(rows)].astype(float),
                                         (np.r_[a, b], np.r_[rows, rows])), shape=(n_models, a.shape[0]))

    def _logits(self, params):
        theta, beta = params[:, :self.n_models], params[:, self.n_models:]
        return theta[:, self.a] - theta[:, self.b] + beta @ self.features.T + self.offset

    def objective(self, params, rows=slice(None)):
        d = self._logits(params)
        ll = self.mult[rows] * (self.result * log_expit(d) + (1 - self.result) * log_expit(-d))
        return ll.sum(1) - 0.5 * self.ridge * (params**2).sum(1)

    def gradient(self, params, rows=slice(None), curvature: bool = True):
        prob = expit(self._logits(params))
        resid = self.mult[rows] * (self.result - prob)
        grad = np.concatenate([(self.edges_t @ resid.T).T, resid @ self.features], axis=1)
        return grad - self.ridge * params, (self.mult[rows] * prob * (1 - prob) if curvature else None)

    def hessians(self, curvature):
        from scipy import sparse

        m, signed = self.n_models, abs(self.edges_t)
        h = np.zeros((curvature.shape[0], self.n_params, self.n_params))
        pair_w = sparse.csr_array((np.ones(self.a.shape[0]), (self.a * m + self.b, np.arange(self.a.shape[0]))),
                                  shape=(m * m, self.a.shape[0]))
        by_pair = (pair_w @ curvature.T).T.reshape(-1, m, m)
        h[:, :m, :m] = -(by_pair + by_pair.transpose(0, 2, 1))
        idx = np.arange(m)
        h[:, idx, idx] = (signed @ curvature.T).T
        if self.features.shape[1]:
            cross = np.stack([(self.edges_t @ (curvature * f).T).T for f in self.features.T], axis=2)
            h[:, :m, m:], h[:, m:, :m] = cross, cross.transpose(0, 2, 1)
        h[:, m:, m:] = np.einsum("rn,ns,nt->rst", curvature, self.features, self.features)
        h[:, np.arange(self.n_params), np.arange(self.n_params)] += self.ridge
        return h


def fit_style_controlled(table: BattleTable, classes: OutcomeClasses, config: RatingConfig):
    """Joint fit of strengths and style coefficients; returns (θ, θ per round or None, :class:`StyleCoefs`).
    With ``ci="sandwich"`` the second item is the sandwich covariance of θ (model 0 held fixed) instead.
    With ``config.style_coefs`` the style terms are fixed at those coefficients and their normalisation: a
    known offset in every battle's logit, so only the strengths are fitted (and resampled)."""
    kept, frozen = classes.kept, config.style_coefs
    count_a, count_b = style_counts(table)
    if frozen is None:
        scale = style_scale(count_a[kept], count_b[kept], classes.battle_count)
    else:
        scale = frozen.scale()
    features = style_features(count_a[kept], count_b[kept], scale=scale)
    offset = 0.0 if frozen is None else features @ frozen.values()
    compact = np.zeros(len(table.models), dtype=np.int64)
    compact[classes.present] = np.arange(classes.n_models)
    a, b = compact[table.a[kept]], compact[table.b[kept]]
    outcome = table.outcome[kept]
    result = np.where(outcome >= TIE, 0.5, (outcome == MODEL_A_WINS).astype(float))
    weight = np.ones(kept.shape[0]) if table.weight is None else table.weight[kept]
    count = np.ones(kept.shape[0], dtype=np.int64) if classes.battle_count is None else classes.battle_count
    design = features if frozen is None else features[:, :0]

    def problem(mult):
        return StyleProblem(a, b, result, weight, design, mult, classes.n_models, config.ridge, offset)

    full = problem(count)
    params = bt.solve(full)[0]
    coefficients = frozen or StyleCoefs.fitted(params[classes.n_models:], scale, int(count.sum()),
                                               [table.models[k] for k in classes.present])
    if config.ci == "sandwich":
        if config.unit == "prompt":
            covariance = _sandwich(full, params, kept_prompts(table, classes))
        else:  # every battle its own cluster: a row of n battles adds n squared scores, not (n × score)²
            covariance = _sandwich(full, params, np.arange(kept.shape[0]), np.sqrt(count))
        return params[:classes.n_models], covariance, coefficients
    if config.bootstrap == 0:
        return params[:classes.n_models], None, coefficients
    # Each row is its own class here; a row with a count brings that many battles to the draw.
    prompts = kept_prompts(table, classes) if config.unit == "prompt" else None
    sampler = bootstrap_sampler(config.unit, count, np.arange(kept.shape[0]), prompts, count)
    chord = bt.inverse_curvature(full, params)

    def block(rng, size):
        return bt.solve(problem(sampler(rng, size)), start=params, chord=chord)[:, :classes.n_models]

    return params[:classes.n_models], run_blocks(block, config.bootstrap, config.seed, classes.n_models), coefficients


def _sandwich(full: StyleProblem, params: np.ndarray, cluster: np.ndarray, shrink: np.ndarray | None = None
              ) -> np.ndarray:
    """The joint (θ, β) sandwich; ``shrink`` divides each row's summed score (√n for a row of n battles
    that are separate clusters)."""
    from wizardarena.ratings.sandwich import cluster_meat, robust_covariance

    prob = expit(full._logits(params[None, :]))[0]
    weight = full.mult[0]
    information = full.hessians((weight * prob * (1 - prob))[None, :])[0]  # with the fit's ridge, as in BT
    resid = weight * (full.result - prob) / (1.0 if shrink is None else shrink)
    meat = cluster_meat(cluster, resid, full.a, full.b, full.n_models, full.features)
    return robust_covariance(information, meat)[:full.n_models, :full.n_models]
