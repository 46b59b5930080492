"""One image of a collection with a coloured overlay: picks the image, draws, shows a legend."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
from PIL import Image

from .compositing import fit_within, png_bytes
from .legend import swatches

DISPLAY_PX = 512


class ImageView(w.VBox):
    """Base of per-image views: an index box, the file name, an opacity slider and the overlay.

    Subclasses put their controls in ``controls`` and return the composited picture from ``draw``.
    """

    def __init__(
        self, col, index: int, controls: Sequence[w.Widget], opacity: float, max_px: int = DISPLAY_PX
    ):
        self.col = col
        self.max_px = max_px
        self.index_box = w.BoundedIntText(value=index, min=0, max=len(col) - 1, description="image",
                                          layout=w.Layout(width="170px"))
        self.index_box.add_class("vsx-image-index")
        self.name = w.Label()
        self.name.add_class("vsx-image-name")
        self.opacity = w.FloatSlider(value=opacity, min=0.0, max=1.0, step=0.05, description="opacity",
                                     continuous_update=False)
        self.opacity.add_class("vsx-opacity")
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.legend = w.HBox()
        self.legend.add_class("vsx-legend")
        self.picture = w.Image(format="png")
        self.picture.add_class("vsx-overlay")
        self.photo: Image.Image | None = None
        self._photo_index = -1
        self.index_box.observe(lambda _: self.refresh(), "value")
        self.opacity.observe(lambda _: self.redraw(), "value")
        super().__init__([
            w.HBox([self.index_box, self.name]),
            *controls,
            self.opacity,
            self.status,
            self.legend,
            self.picture,
        ])

    @property
    def index(self) -> int:
        return int(self.index_box.value)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the displayed image."""
        return self.photo.height, self.photo.width

    def refresh(self) -> None:
        """Reload the image if the index changed, recompute what the view shows, then redraw."""
        if self._photo_index != self.index:
            self.photo = fit_within(self.col.image(self.index), self.max_px)
            self._photo_index = self.index
            self.name.value = self.col.display_name(self.index)
        self.recompute()
        self.redraw()

    def recompute(self) -> None:
        """Ask the collection for what is drawn (subclasses)."""

    def redraw(self) -> None:
        """Composite the overlay onto the image and show it."""
        if self.photo is not None:
            picture = self.draw()
            self.picture.value = png_bytes(picture)
            self.picture.layout.width = f"{picture.width}px"  # shown at its own size, not stretched

    def draw(self) -> Image.Image:
        raise NotImplementedError

    def show_legend(self, entries: Sequence[tuple[str, str]]) -> None:
        """Coloured swatches with plain-text names: [(text, '#rrggbb'), ...]."""
        self.legend.children = swatches(entries)
