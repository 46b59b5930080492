"""A wrapping grid of thumbnails with plain-text names and captions (never the original files).

The "words" toggle beside the summary adds a line under each drawn thumbnail: its best ``WORDS`` words
from the open vocabulary (:meth:`~vsexplore.store.collection.Collection.suggest_many`, for the drawn
images only, computed again by each ``show`` while it is on).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import ipywidgets as w
import numpy as np

GALLERY_LIMIT = 48
THUMB_PX = 112
WORDS = 3  # words per thumbnail while the toggle is on
WORDS_HELP = f"show each photo's best {WORDS} words from the 27k-word vocabulary (col.suggest_labels)"
NO_CALIBRATION = "word suggestions need the shipped calibrated model (vx.load_model()); this one has none"
WORDS_CLASS = "vsx-gallery-words-line"


class Gallery(w.VBox):
    """Shows some of a collection's images; the first ``limit`` of them are drawn.

    ``indices`` holds everything shown (for tagging); ``pictures`` replaces the stored thumbnails
    with other encoded images (e.g. thumbnails with map overlays) and ``captions`` adds a line each.
    ``words_toggle`` adds each drawn image's best words (a line under its own, before any line that
    a widget around it appends; ``words`` holds them, with scores); it is off, and disabled, for a
    model without calibration.
    """

    def __init__(self, col, limit: int = GALLERY_LIMIT, thumb_px: int = THUMB_PX, empty: str = "no images"):
        self.col = col
        self.limit = limit
        self.thumb_px = thumb_px
        self.empty = empty
        self.indices = np.zeros(0, dtype=np.int64)
        self.summary = w.Label(empty)
        self.grid = w.Box(layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.words: list[list[tuple[str, float]]] = []  # the drawn images' best words, while on
        self._own: list[int] = []  # per drawn item: how many lines the gallery drew (words go after them)
        calibrated = col.model.calibration is not None
        self.words_toggle = w.ToggleButton(description="words", disabled=not calibrated,
                                           tooltip=WORDS_HELP if calibrated else NO_CALIBRATION,
                                           layout=w.Layout(width="auto"))
        self.words_toggle.add_class("vsx-gallery-words")
        self.words_toggle.observe(lambda _: self._draw_words(), "value")
        super().__init__([w.HBox([self.summary, self.words_toggle]), self.grid])
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
        self._own = [len(item.children) for item in items]
        if self.words_toggle.value:
            self._draw_words()

    @property
    def images(self) -> list[w.Image]:
        """The drawn ``ipywidgets.Image`` of each shown image, in order."""
        return [item.children[0] for item in self.grid.children]

    @property
    def word_lines(self) -> list[w.HTML]:
        """The words line of each drawn image while the toggle is on (else empty), in order."""
        return [c for item in self.grid.children for c in item.children if WORDS_CLASS in c._dom_classes]

    def _draw_words(self) -> None:
        """Put each drawn image's best words under it (toggle on) or take them away (off)."""
        items = self.grid.children
        on = self.words_toggle.value and len(items) > 0
        self.words = self.col.suggest_many(self.indices[: len(items)], WORDS) if on else []
        for k, item in enumerate(items):
            lines = [c for c in item.children if WORDS_CLASS not in c._dom_classes]
            if on:
                lines.insert(self._own[k], self._words_line(self.words[k]))
            item.children = lines

    def _words_line(self, words: list[tuple[str, float]]) -> w.HTML:
        """The words as escaped text; HTML, not a Label: ipywidgets 8's Label view drops its tooltip."""
        text = " · ".join(word for word, _ in words)
        tip = "best words: " + ", ".join(f"{word} {score:.2f}" for word, score in words)
        line = w.HTML(f'<span title="{escape(tip)}">{escape(text)}</span>',
                      layout=w.Layout(width=f"{self.thumb_px}px", overflow="hidden"))
        line.add_class(WORDS_CLASS)
        return line

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
