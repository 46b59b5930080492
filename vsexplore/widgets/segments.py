"""Unsupervised segments of one image: k-means over its region embeddings, k on a slider."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
from PIL import Image

from .compositing import blend_ids
from .image_view import DISPLAY_PX, ImageView
from .palette import colour

MAX_K = 8


class Segments(ImageView):
    """k-means segments of image ``index`` drawn over it (map cells upsampled by nearest neighbour).

    ``segments`` holds the (h, w) ids on the map grid, as ``col.segment(index, k)`` returns them.
    """

    def __init__(self, col, index: int = 0, k: int = 3, *, opacity: float = 0.5, max_px: int = DISPLAY_PX):
        cells = int(np.prod(col.grid))
        self.k = w.IntSlider(value=k, min=1, max=min(MAX_K, cells), description="segments k",
                             continuous_update=False, style={"description_width": "initial"})
        self.k.add_class("vsx-k-slider")
        self.segments = np.zeros(col.grid, np.int64)
        super().__init__(col, index, [self.k], opacity, max_px)
        self.add_class("vsx-segments")
        self.k.observe(lambda _: self.refresh(), "value")
        self.refresh()

    def recompute(self) -> None:
        self.segments = self.col.segment(self.index, self.k.value)

    def draw(self) -> Image.Image:
        found = int(self.segments.max()) + 1
        colours = [colour(s) for s in range(found)]
        self.show_legend([(f"segment {s + 1}", c) for s, c in enumerate(colours)])
        return blend_ids(self.photo, self.segments, colours, self.opacity.value)
