"""A scatter plot drawn on an ipycanvas ``Canvas``: fast for 100k points, with hover, click and brush.

Design: the fast adapter of the :class:`~vsexplore.widgets._scatter.Scatter` interface (data,
colours, titles, the ``selected``/``hovered`` traits and ``hold()`` live there). Points are drawn
once per change of data, colours or selection, on a hidden canvas (one batched ``fill_rects`` per
colour, numpy arrays sent as binary buffers). The visible canvas copies that layer and draws the
brush rectangle and the hover marker over it, so dragging or hovering sends a few bytes per mouse
move, never the points again. Lookups run in Python on the pixel coordinates: a uniform grid for
the nearest point, a numpy mask for a rectangle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import ipywidgets as w
import numpy as np
from ipycanvas import Canvas, hold_canvas

from ._scatter import Scatter
from .palette import HIGHLIGHT, TAG_COLOURS

MARGINS = (16, 16, 48, 68)  # top, right, bottom, left, in pixels
HOVER_PX = 6.0  # hover and click reach the nearest point within this many pixels
CLICK_PX = 3.0  # a press and release closer than this is a click, not a drag
TICKS = 5
PAD = 0.03  # of the data range, on each side
UNSELECTED_ALPHA = 0.3  # other points, while some are selected
FONT = "12px sans-serif"
BACKGROUND, FRAME, TEXT = "white", "#666666", "#333333"
TOOLS = "drag a rectangle to select, click a point to select it, hover a point for its thumbnail"


def point_px(n: int) -> int:
    """Side of a point's square: smaller as the plot gets crowded."""
    return 2 if n > 50_000 else 3 if n > 10_000 else 4 if n > 1_000 else 6


def tick_labels(values: np.ndarray) -> list[str]:
    """Evenly spaced tick values as text, with enough decimals to tell them apart."""
    step = abs(float(values[1] - values[0])) if len(values) > 1 else 0.0
    decimals = 2 if step == 0 or not math.isfinite(step) else min(6, max(0, 1 - math.floor(math.log10(step))))
    return [f"{v:.{decimals}f}" for v in values]


class CanvasScatter(Scatter, Canvas):
    """A scatter of ``x`` against ``y`` on a canvas; hover a point, click one or drag a rectangle.

    ``set_data(x, y)`` takes float arrays (points with a NaN coordinate are neither drawn nor
    selectable), ``set_colours`` a colour index per point (a bool mask works: True is ``palette[1]``),
    ``set_labels`` the axis titles. ``selected`` (the selected indices, settable) and ``hovered`` are
    traits to observe; ``on_hover(callback(index))`` and ``on_select(callback(indices))`` run on every
    hovered point and every selection. ``to_pixels``/``to_data`` map between data and canvas pixels.
    """

    hover_prompt = "hover a point"

    def __init__(
        self,
        width: int = 640,
        height: int = 480,
        *,
        palette: Sequence[str] = TAG_COLOURS,
        highlight: str = HIGHLIGHT,
        margins: tuple[int, int, int, int] = MARGINS,
        hover_px: float = HOVER_PX,
        x_label: str = "",
        y_label: str = "",
    ):
        size = w.Layout(width=f"{width}px", height=f"{height}px")
        super().__init__(palette=palette, x_label=x_label, y_label=y_label, width=width, height=height,
                         layout=size)
        self.add_class("vsx-canvas-scatter")
        self.highlight = highlight
        self.margins = tuple(margins)
        self.hover_px = float(hover_px)
        self.brush: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 in canvas pixels
        self.tools = w.Label(TOOLS)
        self.tools.add_class("vsx-canvas-tools")
        self._layer = Canvas(width=width, height=height)  # the points and axes; never displayed
        self._press: tuple[float, float] | None = None  # where the button went down
        self._dragging = False
        self.on_mouse_down(self._mouse_down)
        self.on_mouse_move(self._mouse_move)
        self.on_mouse_up(self._mouse_up)
        self.on_mouse_out(self._mouse_out)
        # a new or reloaded browser view starts blank: draw again for it
        self._layer.on_client_ready(self.redraw)
        self.on_client_ready(self._compose)
        self._place()
        self.redraw()

    @property
    def figure(self) -> CanvasScatter:
        """The widget that shows the points: the canvas itself."""
        return self

    def with_hover_box(self, box: w.Widget) -> w.Widget:
        """The canvas with ``box`` beside it (hovering is always on)."""
        return w.HBox([self, box])

    # -- geometry ------------------------------------------------------------------------------------
    @property
    def plot_area(self) -> tuple[float, float, float, float]:
        """left, top, width, height of the area the points are drawn in (canvas pixels)."""
        top, right, bottom, left = self.margins
        return left, top, max(1, self.width - left - right), max(1, self.height - top - bottom)

    def to_pixels(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Canvas pixel coordinates of data points (NaN stays NaN)."""
        left, top, _, _ = self.plot_area
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        return left + (x - self.xlim[0]) * self._sx, top + (self.ylim[1] - y) * self._sy

    def to_data(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        """Data coordinates of canvas pixels (the inverse of ``to_pixels``)."""
        left, top, _, _ = self.plot_area
        px, py = np.asarray(px, np.float64), np.asarray(py, np.float64)
        return self.xlim[0] + (px - left) / self._sx, self.ylim[1] - (py - top) / self._sy

    def nearest(self, px: float, py: float, radius: float | None = None) -> int | None:
        """The point nearest to canvas pixel (px, py), if one lies within ``radius`` (default hover_px)."""
        radius = self.hover_px if radius is None else float(radius)
        keys, ids, cell, columns = self._grid
        if not len(ids) or not (math.isfinite(px) and math.isfinite(py)):
            return None
        reach = math.ceil(radius / cell)
        cx, cy = math.floor(px / cell) + 1, math.floor(py / cell) + 1
        wanted = [(cy + dy) * columns + cx + dx for dy in range(-reach, reach + 1)
                  for dx in range(-reach, reach + 1) if 0 <= cx + dx < columns and cy + dy >= 0]
        starts = np.searchsorted(keys, wanted, "left")
        ends = np.searchsorted(keys, wanted, "right")
        candidates = np.concatenate([ids[a:b] for a, b in zip(starts, ends, strict=True)] + [ids[:0]])
        if not len(candidates):
            return None
        d2 = (self._px[candidates] - px) ** 2 + (self._py[candidates] - py) ** 2
        best = int(np.argmin(d2))
        return int(candidates[best]) if d2[best] <= radius * radius else None

    def points_in_rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices of the points inside a rectangle given by two corners in canvas pixels."""
        (x0, x1), (y0, y1) = sorted((x0, x1)), sorted((y0, y1))
        inside = self._finite & (self._px >= x0) & (self._px <= x1) & (self._py >= y0) & (self._py <= y1)
        return np.flatnonzero(inside)

    def _place(self) -> None:
        """Data ranges, the data → pixel transform, pixel coordinates and the nearest-point grid."""
        self._finite = np.isfinite(self._x) & np.isfinite(self._y)
        self.data_xlim = _extent(self._x[self._finite])
        self.data_ylim = _extent(self._y[self._finite])
        self.xlim, self.ylim = _padded(self.data_xlim), _padded(self.data_ylim)
        _, _, pw, ph = self.plot_area
        self._sx = pw / (self.xlim[1] - self.xlim[0])
        self._sy = ph / (self.ylim[1] - self.ylim[0])
        self._px, self._py = self.to_pixels(self._x, self._y)
        cell = max(self.hover_px, 1.0)
        columns = int(self.width // cell) + 3
        ids = np.flatnonzero(self._finite)
        cx = np.clip(np.floor(self._px[ids] / cell) + 1, 0, columns - 1).astype(np.int64)
        cy = np.clip(np.floor(self._py[ids] / cell) + 1, 0, None).astype(np.int64)
        keys = cy * columns + cx
        order = np.argsort(keys, kind="stable")
        self._grid = (keys[order], ids[order], cell, columns)
        size = point_px(len(ids))
        self._size = size
        self._corner_x = (self._px - size / 2).astype(np.float32)  # top-left corners, as sent
        self._corner_y = (self._py - size / 2).astype(np.float32)

    # -- drawing ---------------------------------------------------------------------------------
    def _draw(self, changed: frozenset[str]) -> None:
        if changed & {"data", "selection"}:
            self.brush = None  # a brush is drawn only over the selection it made (see _mouse_up)
        if "data" in changed:
            self._place()
        if changed == {"hover"}:
            self._compose()  # the marker moved: the points need not be sent again
        else:
            self.redraw()

    def redraw(self) -> None:
        """Draw axes and points on the layer, then show it (one message to the browser)."""
        with hold_canvas():
            self._draw_axes(self._layer)
            self._draw_points(self._layer)
            self._compose()

    def _compose(self) -> None:
        """Show the layer with the brush rectangle and the hover marker over it."""
        with hold_canvas():
            self.draw_image(self._layer, 0, 0)
            if self.brush is not None:
                x0, y0, x1, y1 = self.brush
                left, top = min(x0, x1), min(y0, y1)
                self.global_alpha = 0.15
                self.fill_style = self.highlight
                self.fill_rect(left, top, abs(x1 - x0), abs(y1 - y0))
                self.global_alpha = 1.0
                self.stroke_style = self.highlight
                self.line_width = 1.0
                self.stroke_rect(left, top, abs(x1 - x0), abs(y1 - y0))
            if self.hovered is not None:
                reach = self._size / 2 + 3
                self.global_alpha = 1.0
                self.stroke_style = "black"
                self.line_width = 1.5
                self.stroke_rect(self._px[self.hovered] - reach, self._py[self.hovered] - reach,
                                 2 * reach, 2 * reach)

    def _draw_axes(self, c: Canvas) -> None:
        left, top, pw, ph = self.plot_area
        c.global_alpha = 1.0
        c.fill_style = BACKGROUND
        c.fill_rect(0, 0, self.width, self.height)
        c.stroke_style = FRAME
        c.line_width = 1.0
        c.stroke_rect(left - 0.5, top - 0.5, pw + 1, ph + 1)
        c.fill_style = TEXT
        c.font = FONT
        xs = np.linspace(*self.data_xlim, TICKS)
        ys = np.linspace(*self.data_ylim, TICKS)
        px, _ = self.to_pixels(xs, np.zeros(TICKS))
        _, py = self.to_pixels(np.zeros(TICKS), ys)
        c.text_align, c.text_baseline = "center", "top"
        for p, text in zip(px, tick_labels(xs), strict=True):
            c.stroke_line(p, top + ph, p, top + ph + 5)
            c.fill_text(text, p, top + ph + 7)
        c.text_align, c.text_baseline = "right", "middle"
        for p, text in zip(py, tick_labels(ys), strict=True):
            c.stroke_line(left - 5, p, left, p)
            c.fill_text(text, left - 7, p)
        c.text_align, c.text_baseline = "center", "bottom"
        c.fill_text(self.x_label, left + pw / 2, self.height - 4, max_width=pw)
        c.text_align, c.text_baseline = "center", "top"
        c.save()
        c.translate(4, top + ph / 2)
        c.rotate(-math.pi / 2)
        c.fill_text(self.y_label, 0, 0, max_width=ph)
        c.restore()

    def _draw_points(self, c: Canvas) -> None:
        """One ``fill_rects`` per colour; selected points last, larger, in the highlight colour."""
        chosen = np.zeros(len(self._x), bool)
        chosen[self.selected] = True
        rest = self._finite & ~chosen
        c.global_alpha = UNSELECTED_ALPHA if chosen.any() else 1.0
        for k in np.unique(self._colours[rest]):
            group = rest & (self._colours == k)
            c.fill_style = self.palette[int(k) % len(self.palette)]
            c.fill_rects(self._corner_x[group], self._corner_y[group], self._size)
        c.global_alpha = 1.0
        chosen &= self._finite
        if chosen.any():
            c.fill_style = self.highlight
            c.fill_rects(self._corner_x[chosen] - 1, self._corner_y[chosen] - 1, self._size + 2)

    # -- mouse -------------------------------------------------------------------------------------
    def _mouse_down(self, px: float, py: float) -> None:
        self._press, self._dragging = (px, py), False
        self.hovered = None

    def _mouse_move(self, px: float, py: float) -> None:
        if self._press is not None:  # a button is down: a brush once it moves far enough
            x0, y0 = self._press
            self._dragging = self._dragging or max(abs(px - x0), abs(py - y0)) > CLICK_PX
            if self._dragging:
                self.brush = (x0, y0, px, py)
                self._compose()
            return
        self.hovered = self.nearest(px, py)

    def _mouse_up(self, px: float, py: float) -> None:
        if self._press is None:
            return
        x0, y0 = self._press
        self._press = None
        if self._dragging or max(abs(px - x0), abs(py - y0)) > CLICK_PX:
            brush = (x0, y0, px, py)
            self.selected = self.points_in_rect(*brush)
            self.brush = brush
            self._compose()
        else:  # a click: the point under it, or nothing
            i = self.nearest(px, py)
            self.selected = [] if i is None else [i]
            if self.brush is not None:  # the selection stayed the same, but a click ends the brush
                self.brush = None
                self._compose()

    def _mouse_out(self, px: float, py: float) -> None:
        if self._press is not None:  # a drag that leaves the canvas ends at its edge
            self._mouse_up(min(max(px, 0.0), self.width), min(max(py, 0.0), self.height))
        else:
            self.hovered = None


def _extent(values: np.ndarray) -> tuple[float, float]:
    if not len(values):
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 1e-12 * max(1.0, abs(lo)):
        return lo - 0.5, hi + 0.5
    return lo, hi


def _padded(limits: tuple[float, float]) -> tuple[float, float]:
    lo, hi = limits
    return lo - PAD * (hi - lo), hi + PAD * (hi - lo)
