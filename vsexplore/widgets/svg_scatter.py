"""The SVG scatter: a bqplot ``Scatter`` in a ``Figure``, with brush, lasso and hover-and-click tools.

Design: an adapter of the :class:`~vsexplore.widgets._scatter.Scatter` interface, for up to a few
tens of thousands of points (one SVG element each). Points, colours and the selection go to the
bqplot mark in one ``hold_sync`` message per change (or per ``hold()``), titles to its axes.

The browser changes the mark's own ``selected``; it becomes ``selected`` here when a gesture ends: a
brush on mouse-up (``brushing`` back to False), a lasso or a click at once. A brush also clears
its marks' selection whenever a view of it is drawn (bqplot's ``BrushSelector`` does so on render
and on a change of scale), so a clear that no gesture made puts ``selected`` back on the mark: a
selection set from Python before display survives the first render. Hovering a point needs the
"hover" tool (a selector's overlay catches the mouse); it sets ``hovered`` and shows the tooltip.
bqplot reports no mouse leaving a point, so ``hovered`` keeps the last point hovered.
"""

from __future__ import annotations

from collections.abc import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from ._scatter import Scatter
from .palette import HIGHLIGHT, TAG_COLOURS

TOOLS = {  # selection tool → what it does (a selector's overlay catches the mouse, so hover needs none)
    "brush": "drag a rectangle to select",
    "lasso": "draw a loop to select",
    "hover": "hover a point for its thumbnail, click to select it",
}
CROWDED = 2000  # above this many points they are drawn smaller and without an outline


class SvgScatter(Scatter):
    """A bqplot scatter of ``x`` against ``y``: ``figure`` shows it, ``tools`` picks brush, lasso or hover.

    ``mark`` is the bqplot ``Scatter``, ``x_axis``/``y_axis`` its axes, ``selectors`` the brush and
    lasso interactions (None for hover), ``selector_mode`` the tool buttons (``tools``).
    """

    def __init__(
        self,
        width: int = 640,
        height: int = 480,
        *,
        palette: Sequence[str] = TAG_COLOURS,
        highlight: str = HIGHLIGHT,
        x_label: str = "",
        y_label: str = "",
    ):
        super().__init__(palette=palette, x_label=x_label, y_label=y_label)
        scales = {"x": bq.LinearScale(), "y": bq.LinearScale(),
                  "color": bq.ColorScale(colors=list(self.palette), min=0, max=max(1, len(self.palette) - 1))}
        self.mark = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), color=np.zeros(0, np.float32),
            scales=scales, opacities=[0.75], stroke_width=0.5,
            selected_style={"opacity": 1.0}, unselected_style={"opacity": 0.2},
            interactions={"hover": "tooltip", "click": "select"}, display_names=False,
        )
        self.x_axis = bq.Axis(scale=scales["x"], label=self.x_label, tick_format=".3~g")
        self.y_axis = bq.Axis(scale=scales["y"], label=self.y_label, side="left", tick_format=".3~g")
        on_points = dict(x_scale=scales["x"], y_scale=scales["y"], marks=[self.mark], color=highlight)
        self.selectors: dict[str, bq.interacts.Interaction | None] = {
            "brush": bq.interacts.BrushSelector(**on_points),
            "lasso": bq.interacts.LassoSelector(**on_points),
            "hover": None,
        }
        self.figure = bq.Figure(marks=[self.mark], axes=[self.x_axis, self.y_axis],
                                interaction=self.selectors["brush"], animation_duration=0,
                                display_toolbar=False,  # its pan/save buttons cover top-right points
                                fig_margin={"top": 20, "bottom": 50, "left": 60, "right": 20},
                                layout=w.Layout(width=f"{width}px", height=f"{height}px"))
        self.selector_mode = self.tools = w.ToggleButtons(
            options=list(TOOLS), value="brush", tooltips=list(TOOLS.values()), style={"button_width": "70px"})
        self.selector_mode.add_class("vsx-selector-mode")
        self.selector_mode.observe(self._switch_tool, "value")
        self.mark.observe(self._mark_selected, "selected")
        self.selectors["brush"].observe(self._brushing, "brushing")
        self.mark.on_hover(self._mark_hovered)

    def with_hover_box(self, box: w.Widget) -> w.Widget:
        """The figure, with ``box`` as the tooltip of a hovered point."""
        self.mark.tooltip = box
        return self.figure

    # -- drawing -------------------------------------------------------------------------------
    def _draw(self, changed: frozenset[str]) -> None:
        with self.mark.hold_sync():
            if "data" in changed:
                crowded = len(self.x) > CROWDED
                self.mark.default_size = 16 if crowded else 32
                self.mark.stroke = None if crowded else "white"
                self.mark.x, self.mark.y = self.x.astype(np.float32), self.y.astype(np.float32)
            if "colours" in changed:
                self.mark.color = (self.colours % len(self.palette)).astype(np.float32)
            if "selection" in changed:
                self.mark.selected = self.selected if len(self.selected) else None
        if "selection" in changed and not len(self.selected):
            for selector in filter(None, self.selectors.values()):
                selector.reset()
        if "labels" in changed:
            self.x_axis.label, self.y_axis.label = self.x_label, self.y_label

    # -- the browser ---------------------------------------------------------------------------
    def _mark_selected(self, change) -> None:
        brush = self.selectors["brush"]
        if brush.brushing:
            return  # while dragging: wait for the mouse-up
        if change["new"] is None and len(self.selected) and self.figure.interaction is brush:
            self.mark.selected = self.selected  # a view of the brush was drawn and cleared the mark
            return
        self.selected = change["new"]

    def _brushing(self, change) -> None:
        if not change["new"]:
            self.selected = self.mark.selected

    def _switch_tool(self, change) -> None:
        self.selected = []
        self.figure.interaction = self.selectors[change["new"]]

    def _mark_hovered(self, _mark, content: dict) -> None:
        point = content.get("point") or content.get("data") or {}
        if "index" in point:
            self.hovered = int(point["index"])
