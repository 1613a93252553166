"""Agreement of a ranking with a reference ranking (Spearman, agreement / separability with 95% CI, Brier).

``compare(load_ranking(candidate), load_ranking(reference), load_name_map(spec))`` gives the numbers the
``wizardarena agreement`` command prints.
"""

from wizardarena.agreement.metrics import (
    agreement_ci,
    agreement_ci_signed,
    align,
    brier,
    compare,
    kendall,
    separability_ci,
    spearman,
)
from wizardarena.agreement.rankings import Ranking, read_ranking
from wizardarena.agreement.references import (
    list_name_maps,
    list_references,
    load_name_map,
    load_ranking,
    load_reference,
)

__all__ = [
    "Ranking",
    "agreement_ci",
    "agreement_ci_signed",
    "align",
    "brier",
    "compare",
    "kendall",
    "list_name_maps",
    "list_references",
    "load_name_map",
    "load_ranking",
    "load_reference",
    "read_ranking",
    "separability_ci",
    "spearman",
]
