"""Point labels that never overlap: each label is tried at a few fixed offsets around its point and kept
at the first one whose box stays inside the axes and clear of every point and every label already placed;
a label with no free spot is left out. Deterministic: the same points give the same labels.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

# (dx, dy) in points and the text alignment: right, left, above, below the point, then the diagonals.
_OFFSETS = ((5, 0, "left", "center"), (-5, 0, "right", "center"), (0, 5, "center", "bottom"),
            (0, -5, "center", "top"), (4, 4, "left", "bottom"), (-4, -4, "right", "top"),
            (-4, 4, "right", "bottom"), (4, -4, "left", "top"))
_MARKER_PX = 4.0  # half the side of the box kept clear around each point


def place_labels(axes, x: Sequence[float], y: Sequence[float], names: Sequence[str], order: Sequence[int],
                 fontsize: float) -> list:
    """Annotate the points ``(x[k], y[k])`` with ``names[k]``, in ``order`` (first come, first placed),
    each where it overlaps nothing; returns the placed text artists. The figure's layout must be final
    (drawn once and frozen), since the boxes are measured in pixels."""
    from matplotlib.transforms import Bbox

    renderer = axes.figure.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    centres = axes.transData.transform(np.column_stack([x, y]))
    taken = [Bbox.from_extents(cx - _MARKER_PX, cy - _MARKER_PX, cx + _MARKER_PX, cy + _MARKER_PX)
             for cx, cy in centres]
    placed = []
    for k in order:
        for dx, dy, ha, va in _OFFSETS:
            text = axes.annotate(names[k], (x[k], y[k]), xytext=(dx, dy), textcoords="offset points",
                                 ha=ha, va=va, fontsize=fontsize)
            box = text.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in taken):
                taken.append(box)
                placed.append(text)
                break
            text.remove()
    return placed
