"""Localisation-map search by painting: per concept, where it should (+) and should not (−) be.

Every stroke reruns ``col.search`` and shows the best images with each concept's map over them.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import numpy as np
from ipycanvas import Canvas, hold_canvas

from ..analysis import resample_grid
from ..store import SearchResult
from ..text import LabelError
from .compositing import blend_maps, jpeg_image, png_bytes
from .gallery import Gallery
from .legend import swatches
from .palette import PALETTE, colour

CELLS, MIN_CELLS, MAX_CELLS = 7, 3, 14
CANVAS_PX = 392
TOP = 12
BRUSHES = {"+ is here": 1.0, "− is not here": -1.0, "eraser": 0.0}
PAINT_ALPHA = 0.8
BACKGROUND, GRID_LINE, NEGATIVE = "#f4f4f4", "#b0b0b0", "#333333"
RESULT_OPACITY = 0.55

Cell = int | slice


class Painter(w.VBox):
    """Paint a grid per concept; the ranked gallery updates after each stroke (mouse up).

    ``grids`` maps each concept to its (cells, cells) array in [-1, 1]; ``results`` is the latest
    :class:`~vsexplore.store.SearchResult` (None before anything is painted).
    """

    def __init__(
        self,
        col,
        concepts: Sequence[str] = ("sky", "cloud"),
        *,
        cells: int = CELLS,
        top: int = TOP,
        canvas_px: int = CANVAS_PX,
    ):
        self.col = col
        self.top = top
        self.canvas_px = canvas_px
        self.grids: dict[str, np.ndarray] = {}
        self.colours: dict[str, str] = {}
        self.results: SearchResult | None = None
        self._stroke: set[tuple[int, int]] | None = None
        self.concept = w.ToggleButtons(options=[], description="concept")
        self.concept.add_class("vsx-concepts")
        self.new_concept = w.Text(placeholder="add a concept (Enter)", continuous_update=False)
        self.new_concept.add_class("vsx-new-concept")
        remove = w.Button(description="Remove concept")
        remove.add_class("vsx-remove-concept")
        clear = w.Button(description="Clear concept")
        clear.add_class("vsx-clear-concept")
        self.brush = w.ToggleButtons(options=list(BRUSHES), description="brush")
        self.brush.add_class("vsx-brush")
        self.cells = w.IntSlider(value=cells, min=MIN_CELLS, max=MAX_CELLS, description="grid cells",
                                 continuous_update=False, style={"description_width": "initial"})
        self.cells.add_class("vsx-cells")
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.legend = w.HBox()
        self.legend.add_class("vsx-legend")
        self.canvas = Canvas(width=canvas_px, height=canvas_px,
                             layout=w.Layout(width=f"{canvas_px}px", height=f"{canvas_px}px"))
        self.canvas.add_class("vsx-painter-canvas")
        self.gallery = Gallery(col, limit=top, empty="paint where a concept should (+) or should not (−) be")
        self.gallery.add_class("vsx-painter-results")
        for concept in concepts:
            self.add_concept(concept)
        if self.grids:
            self.concept.value = next(iter(self.grids))  # paint the first concept first
        self.concept.observe(lambda _: self._draw_grid(), "value")
        self.new_concept.observe(self._typed_concept, "value")
        remove.on_click(lambda _: self.remove_concept(self.concept.value))
        clear.on_click(lambda _: self.clear(self.concept.value))
        self.cells.observe(lambda change: self.set_cells(change.new), "value")
        self.canvas.on_mouse_down(self._mouse_down)
        self.canvas.on_mouse_move(self._mouse_move)
        self.canvas.on_mouse_up(self._mouse_up)
        self.canvas.on_mouse_out(self._mouse_up)
        self._draw_grid()
        super().__init__([
            w.HBox([self.concept, self.new_concept, remove, clear]),
            self.legend,
            w.HBox([self.brush, self.cells]),
            self.canvas,
            self.status,
            self.gallery,
        ])
        self.add_class("vsx-painter")

    # -- concepts ------------------------------------------------------------------------------
    @property
    def n_cells(self) -> int:
        return int(self.cells.value)

    def add_concept(self, concept: str) -> None:
        """A new concept with an empty grid and its own colour; it becomes the one being painted."""
        concept = concept.strip()
        if not concept:
            return
        if concept not in self.grids:
            self.grids[concept] = np.zeros((self.n_cells, self.n_cells))
            used = set(self.colours.values())
            free = [c for c in PALETTE if c not in used]
            self.colours[concept] = free[0] if free else colour(len(used))
            self.concept.options = list(self.grids)
            self._show_legend()
        self.concept.value = concept

    def remove_concept(self, concept: str) -> None:
        """Forget a concept and its painting."""
        if concept in self.grids:
            del self.grids[concept], self.colours[concept]
            self.concept.options = list(self.grids)
            self._show_legend()
            self._draw_grid()
            self.search()

    def clear(self, concept: str | None = None) -> None:
        """Erase one concept's grid (or all) and search again."""
        for name in [concept] if concept is not None else list(self.grids):
            self.grids[name][:] = 0.0
        self._draw_grid()
        self.search()

    def set_cells(self, cells: int) -> None:
        """Change the grid resolution; each painting is resampled by area onto the new grid."""
        if self.cells.value != cells:
            self.cells.value = cells  # comes back here through the slider's observer
            return
        for name, grid in self.grids.items():
            self.grids[name] = np.clip(resample_grid(grid, (cells, cells)), -1.0, 1.0)
        self._draw_grid()

    # -- painting -------------------------------------------------------------------------------
    def paint(self, concept: str, row: Cell, col: Cell, value: float) -> None:
        """Set cells of a concept's grid to ``value`` in [-1, 1] (+1 here, −1 not here, 0 erase).

        ``row`` and ``col`` are cell indices or slices (``paint('sky', slice(0, 2), slice(None), 1)``).
        """
        if concept not in self.grids:
            self.add_concept(concept)
        self.grids[concept][row, col] = float(np.clip(value, -1.0, 1.0))
        if concept == self.concept.value:
            rows = np.arange(self.n_cells)[row]
            cols = np.arange(self.n_cells)[col]
            with hold_canvas():
                for r in np.atleast_1d(rows):
                    for c in np.atleast_1d(cols):
                        self._draw_cell(int(r), int(c))

    def search(self) -> SearchResult | None:
        """Rank the collection by the painted grids (unpainted concepts are left out) and show the top."""
        painted = {name: grid for name, grid in self.grids.items() if np.any(grid)}
        if not painted:
            self.results = None
            self.status.value = ""
            self.gallery.show([])
            return None
        try:
            result = self.col.search(painted, top=self.top)
        except LabelError as err:
            self.status.value = str(err)
            return self.results
        self.results = result
        self.status.value = f"ranked {len(self.col)} images by {', '.join(result.concepts)}"
        colours = [self.colours[c] for c in result.concepts]
        pictures = [
            png_bytes(blend_maps(jpeg_image(self.col.thumbnail(int(i))), maps, colours, RESULT_OPACITY))
            for i, maps in zip(result.indices, result.maps, strict=True)
        ]
        captions = [f"score {s:.2f}" for s in result.scores]
        self.gallery.show(result.indices, captions=captions, pictures=pictures)
        return result

    # -- mouse ----------------------------------------------------------------------------------
    def _cell_at(self, x: float, y: float) -> tuple[int, int]:
        size = self.canvas_px / self.n_cells
        row, col = (min(self.n_cells - 1, max(0, int(v // size))) for v in (y, x))
        return row, col

    def _mouse_down(self, x: float, y: float) -> None:
        self._stroke = set()
        self._mouse_move(x, y)

    def _mouse_move(self, x: float, y: float) -> None:
        if self._stroke is None or not self.concept.value:
            return
        cell = self._cell_at(x, y)
        if cell not in self._stroke:
            self._stroke.add(cell)
            self.paint(self.concept.value, *cell, BRUSHES[self.brush.value])

    def _mouse_up(self, x: float, y: float) -> None:
        if self._stroke is not None:
            self._stroke = None
            self.search()

    def _typed_concept(self, change) -> None:
        if change.new.strip():
            self.add_concept(change.new)
            self.new_concept.value = ""

    # -- drawing ---------------------------------------------------------------------------------
    def _draw_grid(self) -> None:
        """Redraw every cell of the concept being painted (batched into one message)."""
        with hold_canvas():
            self.canvas.clear()
            for r in range(self.n_cells):
                for c in range(self.n_cells):
                    self._draw_cell(r, c)

    def _draw_cell(self, r: int, c: int) -> None:
        """One cell: a light background, the paint (+ in the concept's colour, − dark), the cell border."""
        size = self.canvas_px / self.n_cells
        x, y = c * size, r * size
        value = self.grids[self.concept.value][r, c] if self.concept.value in self.grids else 0.0
        canvas = self.canvas
        canvas.global_alpha = 1.0
        canvas.fill_style = BACKGROUND
        canvas.fill_rect(x, y, size, size)
        if value != 0:
            canvas.global_alpha = PAINT_ALPHA * abs(value)
            canvas.fill_style = self.colours[self.concept.value] if value > 0 else NEGATIVE
            canvas.fill_rect(x, y, size, size)
            canvas.global_alpha = 1.0
            canvas.fill_style = "white"
            canvas.font = f"{int(size * 0.5)}px sans-serif"
            canvas.text_align, canvas.text_baseline = "center", "middle"
            canvas.fill_text("+" if value > 0 else "−", x + size / 2, y + size / 2)
        canvas.stroke_style = GRID_LINE
        canvas.line_width = 1
        canvas.stroke_rect(x + 0.5, y + 0.5, size - 1, size - 1)

    def _show_legend(self) -> None:
        self.legend.children = swatches(self.colours.items())
