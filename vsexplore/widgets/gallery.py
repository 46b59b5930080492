"""A wrapping grid of thumbnails with plain-text names and captions (never the original files)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import numpy as np

GALLERY_LIMIT = 48
THUMB_PX = 112


class Gallery(w.VBox):
    """Shows some of a collection's images; the first ``limit`` of them are drawn.

    ``indices`` holds everything shown (for tagging); ``pictures`` replaces the stored thumbnails
    with other encoded images (e.g. thumbnails with map overlays) and ``captions`` adds a line each.
    """

    def __init__(self, col, limit: int = GALLERY_LIMIT, thumb_px: int = THUMB_PX, empty: str = "no images"):
        self.col = col
        self.limit = limit
        self.thumb_px = thumb_px
        self.empty = empty
        self.indices = np.zeros(0, dtype=np.int64)
        self.summary = w.Label(empty)
        self.grid = w.Box(layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        super().__init__([self.summary, self.grid])
        self.add_class("vsx-gallery")

    def show(
        self,
        indices: Sequence[int] | np.ndarray,
        captions: Sequence[str] | None = None,
        pictures: Sequence[bytes] | None = None,
        picture_format: str = "png",
    ) -> None:
        """Show these images, in this order (captions and pictures align with ``indices``)."""
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self.indices)
        shown = self.indices[: self.limit]
        self.summary.value = self.empty if n == 0 else f"{n} images"
        if n > self.limit:
            self.summary.value += f", showing the first {self.limit}"
        items = []
        for k, i in enumerate(shown):
            if pictures is None:
                value, fmt = self.col.thumbnail(int(i)), "jpeg"
            else:
                value, fmt = pictures[k], picture_format
            items.append(self._item(int(i), value, fmt, None if captions is None else captions[k]))
        self.grid.children = items

    @property
    def images(self) -> list[w.Image]:
        """The drawn ``ipywidgets.Image`` of each shown image, in order."""
        return [item.children[0] for item in self.grid.children]

    def _item(self, i: int, value: bytes, fmt: str, caption: str | None) -> w.VBox:
        px = f"{self.thumb_px}px"
        name = self.col.display_name(i)
        picture = w.Image(value=value, format=fmt, layout=w.Layout(width=px, height=px, object_fit="contain"))
        text = w.Layout(width=px, overflow="hidden")
        lines = [picture, w.Label(name, tooltip=name, layout=text)]
        if caption is not None:
            lines.append(w.Label(caption, layout=text))
        item = w.VBox(lines, layout=w.Layout(margin="2px"))
        item.add_class("vsx-gallery-item")
        return item
