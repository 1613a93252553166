"""PNG plots of a leaderboard, drawn on matplotlib's Agg canvas (imported lazily, never through pyplot,
so no global backend changes). Every plot has a fixed pixel size, whatever the number of models
(``figsize`` x ``DPI``, no tight bounding box; labels shrink instead):

=================  ============  ======================================================================
file               pixels (WxH)  shows
=================  ============  ======================================================================
``elo.png``        1000 x 600    Elo with 95% CI bars, best at the top
``win_matrix.png``  900 x 800    observed win rate of each row model against each column model
``reference.png``   800 x 640    rank here against rank in the reference, y = x, Spearman in the title
=================  ============  ======================================================================

The same board gives byte-identical files (the PNG carries no software or date stamp).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from wizardarena.errors import MissingExtraError
from wizardarena.leaderboard.board import Leaderboard
from wizardarena.leaderboard.labels import place_labels

DPI = 100
PLOT_SIZES: dict[str, tuple[int, int]] = {"elo.png": (1000, 600), "win_matrix.png": (900, 800),
                                          "reference.png": (800, 640)}
_POINT_COLOR, _BAR_COLOR = "#1f4e8c", "#7a9cc6"
_MIN_LABEL_SIZE = 6.5  # points: the smallest label the reference plot writes
_ANNOTATE_UP_TO = 15  # write the percentage in each heatmap cell up to this many models


def _figure(name: str):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtraError("matplotlib", "hub") from None
    width, height = PLOT_SIZES[name]
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _plain(text: str) -> str:
    """Text matplotlib shows as written: a '$' would otherwise start mathtext."""
    return text.replace("$", r"\$")


def _label_size(count: int) -> float:
    return float(np.clip(300.0 / max(count, 1), 5.0, 10.0))


def elo_png(board: Leaderboard) -> bytes:
    """Elo with 95% CI error bars, models sorted best first (top); 1000 x 600 px."""
    figure = _figure("elo.png")
    axes = figure.add_subplot()
    rows = board.rows
    rating = np.array([row.rating for row in rows])
    below = rating - np.array([row.lower for row in rows])
    above = np.array([row.upper for row in rows]) - rating
    position = np.arange(len(rows))
    axes.errorbar(rating, position, xerr=np.vstack([below, above]), fmt="o", color=_POINT_COLOR,
                  ecolor=_BAR_COLOR, elinewidth=2, capsize=3, markersize=4)
    axes.set_yticks(position, [_plain(row.model) for row in rows], fontsize=_label_size(len(rows)))
    axes.set_ylim(len(rows) - 0.5, -0.5)  # best at the top
    axes.set_xlabel("Elo (bars: 95% confidence interval)")
    axes.set_title(_plain(board.info.title))
    axes.grid(axis="x", alpha=0.3)
    return _png(figure)


def win_matrix_png(board: Leaderboard) -> bytes:
    """Heatmap of observed win rates (row model vs column model, ties half; grey where they never
    met), in leaderboard order; 900 x 800 px. Needs battles."""
    from matplotlib import colormaps

    if board.win_matrix is None:
        raise ValueError("the leaderboard has no battles, so no win-rate matrix")
    matrix = board.win_matrix
    figure = _figure("win_matrix.png")
    axes = figure.add_subplot()
    colormap = colormaps["RdBu"].with_extremes(bad="#e6e6e6")
    image = axes.imshow(np.ma.masked_invalid(matrix.rate), cmap=colormap, vmin=0.0, vmax=1.0)
    labels, size = [_plain(model) for model in matrix.models], _label_size(len(matrix.models))
    ticks = np.arange(len(labels))
    axes.set_xticks(ticks, labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=size)
    axes.set_yticks(ticks, labels, fontsize=size)
    if len(labels) <= _ANNOTATE_UP_TO:
        for (i, j), value in np.ndenumerate(matrix.rate):
            if not np.isnan(value):
                axes.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=size - 1,
                          color="white" if abs(value - 0.5) > 0.3 else "black")
    axes.set_xlabel("opponent")
    axes.set_ylabel("model")
    axes.set_title("Observed win rate (row vs column)")
    figure.colorbar(image, ax=axes, label="win rate", shrink=0.8)
    return _png(figure)


def reference_figure(board: Leaderboard):
    """The figure of ``reference.png``: each shared model's rank here against its rank in the reference
    (1 = best, ties averaged; best at the top right), the y = x line where the two agree, and as many
    model labels as fit without overlapping (the largest disagreements first). Ranks, not Elo: the two
    rankings' Elo scales differ, and Spearman in the title is the correlation of exactly these ranks."""
    from scipy.stats import rankdata

    if board.reference is None:
        raise ValueError("the leaderboard has no reference ranking to compare with")
    compared = board.reference
    count = len(compared.models)
    here, there = rankdata(-compared.candidate), rankdata(-compared.reference)
    figure = _figure("reference.png")
    axes = figure.add_subplot()
    ends = [0.5, count + 0.5]
    axes.plot(ends, ends, linestyle="--", color="#888888", linewidth=1, zorder=1, label="y = x")
    axes.scatter(there, here, color=_POINT_COLOR, s=24, zorder=2)
    axes.set_xlim(count + 0.5, 0.5)
    axes.set_ylim(count + 0.5, 0.5)
    axes.set_aspect("equal", adjustable="box")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(_plain(f"rank in {compared.name} (reference; 1 = best)"))
    axes.set_ylabel("rank on this leaderboard (1 = best)")
    axes.set_title(_plain(f"vs {compared.name}: Spearman ρ = {compared.spearman:.3f} ({count} models); "
                          "dashed: same rank (y = x)"), fontsize=10)
    axes.grid(alpha=0.3)
    figure.canvas.draw()  # settle the layout, then freeze it: labels are placed in pixels
    figure.set_layout_engine("none")
    order = sorted(range(count), key=lambda k: (-abs(here[k] - there[k]), there[k], compared.models[k]))
    # readable or absent: crowded boards lose labels rather than shrink them past legibility
    place_labels(axes, there, here, [_plain(model) for model in compared.models], order,
                 max(_label_size(count) - 1, _MIN_LABEL_SIZE))
    return figure


def reference_png(board: Leaderboard) -> bytes:
    """:func:`reference_figure` as PNG bytes; 800 x 640 px. Needs a reference."""
    return _png(reference_figure(board))


def render_plots(board: Leaderboard) -> dict[str, bytes]:
    """Every plot the board supports, as ``{file name: PNG bytes}`` (for embedding): always
    ``elo.png``; ``win_matrix.png`` with battles; ``reference.png`` with a reference."""
    plots = {"elo.png": elo_png(board)}
    if board.win_matrix is not None and len(board.win_matrix.models) >= 2:
        plots["win_matrix.png"] = win_matrix_png(board)
    if board.reference is not None:
        plots["reference.png"] = reference_png(board)
    return plots


def write_plots(board: Leaderboard, folder: str | Path) -> list[Path]:
    """Write :func:`render_plots` into ``folder`` (created if needed); returns the written paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in render_plots(board).items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written
