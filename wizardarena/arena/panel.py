"""A judge panel (``eval --judge J1 --judge J2 ...``): every game judged by each judge.

Each judge runs the single-judge path (:func:`~wizardarena.arena.pipeline.run_eval`) on its own: its
judgments are stored under its own id, so keys, resuming, claims and caching work per judge unchanged, and
the answers are made once (the first judge's run) and read from the store after. The results are then put
together: every judge's battles in one table (the ``judge`` column tells them apart), rated as one pool
or, with ``per-judge``, each judge's separately.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from wizardarena.arena.config import EvalConfig
from wizardarena.arena.judging import JudgingStats
from wizardarena.arena.pipeline import EvalResult, run_eval
from wizardarena.judge.panel import PanelReport, compare_judges
from wizardarena.judge.report import judge_report
from wizardarena.ratings import compute_ratings
from wizardarena.ratings.table import battles_from_columns
from wizardarena.records import Prompt
from wizardarena.store.protocol import Store

PANEL_BATTLES = ("pooled", "per-judge")


@dataclass(frozen=True)
class PanelResult:
    """``result``: every judge's games, judgments and battles together (its ratings are the pooled fit, or
    the first judge's under ``per-judge``); ``by_judge``: each judge's own run; ``report``: how they compare."""

    result: EvalResult
    by_judge: dict[str, EvalResult]
    report: PanelReport
    battles: str

    def rating_records(self, config: EvalConfig) -> list[dict]:
        """``ratings.jsonl``'s records under ``per-judge``: each judge's ratings (with the ``baseline_*``
        fields under ``--baseline``, and the ``lc_*`` ones for the alpaca-eval protocol), labelled with its id."""
        from wizardarena.ratings.baseline import with_baseline
        from wizardarena.ratings.length_control import with_length_control

        return [{**record, "judge": judge} for judge, result in self.by_judge.items()
                for record in with_length_control(with_baseline(result.ratings.records(), result.ratings,
                                                                 config.baseline), result, config)]


def judge_config(config: EvalConfig, judge_id: str) -> EvalConfig:
    """The single-judge configuration of one judge of the panel."""
    judge = next(j for j in config.judges if j.id == judge_id)
    return replace(config, judge=judge, panel=())


def run_panel(config: EvalConfig, store: Store, owner: str, progress: Callable = lambda label, total: (lambda n: None),
              testset: tuple[str, list[Prompt]] | None = None, notice: Callable[[str], None] = lambda text: None,
              battles: str = "pooled", **model_options) -> PanelResult:
    """Run (or resume) the evaluation with each judge of ``config.judges`` in turn, then pool the battles
    (``battles="pooled"``: one Bradley-Terry fit) or keep each judge's own ratings (``"per-judge"``)."""
    by_judge: dict[str, EvalResult] = {}
    # pooled, each judge's own ratings are never shown: a point fit, not a bootstrap that is thrown away
    own = config.ratings if battles == "per-judge" else replace(config.ratings, bootstrap=0)
    for judge in config.judges:
        def labelled(name: str, total: int, spec: str = judge.spec):
            judging = not name.startswith("answers")  # answers are made once, whichever judge's run asks
            return progress(f"{name} ({spec})" if judging else name, total)

        by_judge[judge.id] = run_eval(replace(config, judge=judge, panel=(), ratings=own), store, owner, labelled,
                                      testset, notice, **model_options)
    results = list(by_judge.values())
    columns = _pooled_columns([r.battle_columns for r in results])
    verdicts = [v for r in results for v in r.judgments]
    if battles == "pooled":
        ratings = compute_ratings(battles_from_columns(columns, "battles"), config.ratings)
    else:
        ratings = results[0].ratings
    stats = JudgingStats(*(sum(getattr(r.judging, name) for r in results)
                           for name in ("calls", "stripped", "reasked", "groups", "sent")))
    plan = replace(results[0].plan, planned=[g for r in results for g in r.plan.planned])
    result = EvalResult(plan, verdicts, columns, ratings, judge_report(verdicts, config.judge.config.tie_margin),
                        sum(r.model_calls for r in results), stats)
    report = compare_judges({j: r.judgments for j, r in by_judge.items()}, config.judge.config.tie_margin)
    return PanelResult(result, by_judge, report, battles)


def _pooled_columns(tables: list[dict[str, list]]) -> dict[str, list]:
    """Battle columns of several judges in one table, ordered by prompt, judge and models as
    :func:`~wizardarena.arena.battles.battle_columns` orders one judge's."""
    names = [name for name in tables[0] if all(name in t for t in tables)]
    joined = {name: [value for t in tables for value in t[name]] for name in names}
    order = sorted(range(len(joined["winner"])), key=lambda k: (joined["prompt_id"][k], joined["judge"][k],
                                                               joined["model_a"][k], joined["model_b"][k]))
    return {name: [values[k] for k in order] for name, values in joined.items()}
