"""Hand-drawn stuff and scene labels, with coarse polygons, for every background photo in ``SOURCES``.

Composite scenes only label their pasted cut-outs, so the backgrounds' sky, water, trees, grass,
buildings and the like would never be named. How this table was made: every photo of
``backgrounds.source_photos()`` was looked at, one by one, downscaled with a 10 x 10 grid drawn
on it; a label says what covers a meaningful area (about 3 % of the photo or more), in plain
lowercase English words known to GloVe 6B, and its polygons trace that area coarsely (8-20
points). Each photo was then rendered with its polygons and checked by eye again.

Coordinates are relative (x, y in 0-1, origin top-left) to the ORIGINAL photo, not to its views:
``label_masks_for`` maps them into any box of it, such as a view's tile. Regions of two labels
overlap only where both are true (``sea`` and ``water``, ``forest`` and ``tree``); a background
label is drawn around a large foreground object rather than over it, where that was easy
(a zero-width slit joins a hole to the outline).

The table is package data, ``_tables/background_labels.json``: photo -> label -> polygons, one
polygon a line as [x, y] pairs. A region two labels share is listed under each, neighbours repeat
the points of their common border, and round things (a splash, an orange, the smarties) are 12- or
16-gons with points rounded to 4 decimals.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .tables import read_table

Point = tuple[float, float]
Polygon = list[Point]


def _background_labels() -> dict[str, dict[str, list[Polygon]]]:
    """The polygons of ``_tables/background_labels.json``, each point as an (x, y) tuple."""
    return {
        source: {
            label: [[(x, y) for x, y in polygon] for polygon in polygons]
            for label, polygons in labels.items()
        }
        for source, labels in read_table("background_labels").items()
    }


BACKGROUND_LABELS: dict[str, dict[str, list[Polygon]]] = _background_labels()


def label_masks_for(
    source: str, box: tuple[float, float, float, float], size: tuple[int, int]
) -> dict[str, np.ndarray]:
    """Boolean masks (``size[1]`` x ``size[0]``) of the background labels of photo ``source`` inside
    ``box`` = (x0, y0, x1, y1), relative to the original photo, e.g. one view's tile; labels with no
    pixel inside the box are left out."""
    x0, y0, x1, y1 = box
    width, height = size
    sx, sy = width / (x1 - x0), height / (y1 - y0)
    masks = {}
    for label, polygons in BACKGROUND_LABELS[source].items():
        canvas = Image.new("1", size, 0)
        draw = ImageDraw.Draw(canvas)
        for polygon in polygons:
            draw.polygon([((x - x0) * sx, (y - y0) * sy) for x, y in polygon], fill=1)
        mask = np.asarray(canvas, dtype=bool)
        if mask.any():
            masks[label] = mask
    return masks
