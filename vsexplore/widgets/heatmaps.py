"""Where labels live in one image: a colour per label, or a weak segmentation with a background."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import numpy as np
from PIL import Image

from ..analysis import weak_segmentation
from ..text import LabelError
from .compositing import blend_ids, blend_maps
from .image_view import DISPLAY_PX, ImageView
from .labels import labels_box, parse_labels
from .palette import colour

HEATMAPS, WEAK_SEGMENTATION = "heatmaps", "weak segmentation"


class Heatmaps(ImageView):
    """Label heatmaps over image ``index``; any word works ('stormy', 'dark' are labels too).

    Heatmaps mode colours each pixel by the label relatively strongest there (each map stretched to
    its own range). In weak-segmentation mode a pixel takes its best label, or stays background
    (dimmed) when every map is below the threshold. ``maps`` holds the (L, H, W) maps as displayed.
    """

    def __init__(
        self,
        col,
        index: int = 0,
        labels: Sequence[str] = ("sky", "cloud", "tree"),
        *,
        opacity: float = 0.6,
        threshold: float = 0.4,
        mode: str = HEATMAPS,
        max_px: int = DISPLAY_PX,
    ):
        self.labels_text = labels_box(labels, "vsx-heatmap-labels")
        self.mode = w.ToggleButtons(options=[HEATMAPS, WEAK_SEGMENTATION], value=mode,
                                    style={"button_width": "160px"})
        self.mode.add_class("vsx-heatmap-mode")
        self.threshold = w.FloatSlider(value=threshold, min=0.0, max=1.0, step=0.01, continuous_update=False,
                                       description="background <", disabled=mode != WEAK_SEGMENTATION,
                                       style={"description_width": "initial"})
        self.threshold.add_class("vsx-threshold")
        self.maps = np.zeros((0, 1, 1), np.float32)
        self.labels: list[str] = []
        super().__init__(col, index, [self.labels_text, w.HBox([self.mode, self.threshold])], opacity, max_px)
        self.add_class("vsx-heatmaps")
        self.labels_text.observe(lambda _: self.refresh(), "value")
        self.mode.observe(self._mode_changed, "value")
        self.threshold.observe(lambda _: self.redraw(), "value")
        self.refresh()

    @property
    def segmentation(self) -> np.ndarray:
        """(H, W) weak-segmentation ids at the displayed size: 0 background, else 1 + label index."""
        return weak_segmentation(self.maps, self.threshold.value)

    def recompute(self) -> None:
        labels = parse_labels(self.labels_text.value)
        try:
            self.maps = self.col.heatmaps(self.index, labels, size=self.size) if labels else self.maps[:0]
        except LabelError as err:
            self.status.value = str(err)
            return
        self.labels = labels
        self.status.value = "" if labels else "type one or more labels, separated by commas"

    def draw(self) -> Image.Image:
        colours = [colour(k) for k in range(len(self.labels))]
        if self.mode.value == WEAK_SEGMENTATION and self.labels:
            self.show_legend([("background", "#000000"), *zip(self.labels, colours, strict=True)])
            return blend_ids(self.photo, self.segmentation, [None, *colours], self.opacity.value)
        self.show_legend(list(zip(self.labels, colours, strict=True)))
        return blend_maps(self.photo, self.maps, colours, self.opacity.value)

    def _mode_changed(self, change) -> None:
        self.threshold.disabled = change.new != WEAK_SEGMENTATION
        self.redraw()
