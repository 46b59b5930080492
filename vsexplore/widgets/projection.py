"""Every image as a point along two axes (labels, diversity, PCA); select, browse and tag them."""

from __future__ import annotations

from contextlib import AbstractContextManager

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..text import LabelError
from .axes import PCA_COMPONENTS, AxisControl, AxisValues
from .canvas_scatter import CanvasScatter
from .gallery import GALLERY_LIMIT, Gallery
from .tagging import TagBar

FAST_THRESHOLD = 20_000  # above this many images the scatter is drawn on a canvas, not as SVG
BLANK_GIF = bytes.fromhex(  # a transparent 1×1 GIF: the hover box before any point is hovered
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
UNTAGGED, TAGGED = "#1f77b4", "#d62728"
PLOT_PX = (640, 480)
TOOLS = {  # selection tool → what it does (a selector's overlay catches the mouse, so hover needs none)
    "brush": "drag a rectangle to select",
    "lasso": "draw a loop to select",
    "hover": "hover a point for its thumbnail, click to select it",
}
CANVAS_TOOLS = "drag a rectangle to select, click a point to select it, hover a point for its thumbnail"


class Projection(w.VBox):
    """A scatter of all images; ``x``/``y`` are labels or modes ('diversity', 'PCA 1', 'jitter (1-D)').

    Select a region to fill the gallery, tag the selection, export the tags; hovering a point shows
    its thumbnail and file name. Tagged images are red. Up to ``fast_threshold`` images the points are
    a bqplot SVG ``Scatter`` (brush, lasso or hover-and-click tools); above it a
    :class:`~vsexplore.widgets.canvas_scatter.CanvasScatter` (drag to brush, click a point, hover
    always on), which draws 100k points at once. ``scatter`` is either; ``x_values``/``y_values``
    read the plotted coordinates of both.
    """

    def __init__(
        self,
        col,
        x: str = "animal",
        y: str = "garden",
        *,
        fast_threshold: int = FAST_THRESHOLD,
        pca_components: int = PCA_COMPONENTS,
        seed: int = 0,
        gallery_limit: int = GALLERY_LIMIT,
    ):
        self.col = col
        self.fast = len(col) > fast_threshold
        self.axis_values = AxisValues(col, pca_components, seed)
        self.x_axis = AxisControl("x", self.axis_values.modes, x, lambda: self._update_axes("x"))
        self.y_axis = AxisControl("y", self.axis_values.modes, y, lambda: self._update_axes("y"))
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.gallery = Gallery(col, limit=gallery_limit, empty="select points to see them here")
        self.tags = TagBar(col, selection=lambda: self.selected, on_tagged=self._recolour)
        self.hover_image = w.Image(value=BLANK_GIF, format="gif", layout=w.Layout(
            width="128px", height="128px", object_fit="contain"))  # blank until a point is hovered
        self.hover_name = w.Label()
        self.hover = w.VBox([self.hover_image, self.hover_name])
        self.hover.add_class("vsx-hover-thumb")
        self.selector_mode: w.ToggleButtons | None = None  # the SVG scatter's tools
        self.selectors: dict[str, bq.interacts.Interaction | None] = {}
        self.x_bq_axis = self.y_bq_axis = None
        if self.fast:
            plot, tools = self._canvas_plot()
        else:
            plot, tools = self._svg_plot()
        self.figure.add_class("vsx-scatter-figure")
        clear = w.Button(description="Clear selection")
        clear.add_class("vsx-clear-selection")
        clear.on_click(lambda _: self.select([]))
        with self._held():  # one draw for the first coordinates and colours
            if self.fast:  # the SVG scatter starts at zeros too
                self.scatter.set_data(np.zeros(len(col)), np.zeros(len(col)))
            self._update_axes("x", "y")
            self._recolour()
        super().__init__([
            w.HBox([self.x_axis, self.y_axis]),
            w.HBox([tools, clear, self.status]),
            plot,
            self.tags,
            self.gallery,
        ])
        self.add_class("vsx-projection")

    # -- building ----------------------------------------------------------------------------
    def _svg_plot(self) -> tuple[w.Widget, w.Widget]:
        """bqplot's Scatter in a Figure, with brush, lasso and hover tools; the hover box is its tooltip."""
        scales = {"x": bq.LinearScale(), "y": bq.LinearScale(),
                  "color": bq.ColorScale(colors=[UNTAGGED, TAGGED], min=0, max=1)}
        n = len(self.col)
        self.scatter = bq.Scatter(
            x=np.zeros(n, np.float32), y=np.zeros(n, np.float32), color=np.zeros(n, np.float32),
            scales=scales, default_size=16 if n > 2000 else 32, opacities=[0.75],
            stroke="white" if n <= 2000 else None, stroke_width=0.5,
            selected_style={"opacity": 1.0}, unselected_style={"opacity": 0.2},
            tooltip=self.hover, interactions={"hover": "tooltip", "click": "select"}, display_names=False,
        )
        self.x_bq_axis = bq.Axis(scale=scales["x"], label="x", tick_format=".3~g")
        self.y_bq_axis = bq.Axis(scale=scales["y"], label="y", side="left", tick_format=".3~g")
        on_points = dict(x_scale=scales["x"], y_scale=scales["y"], marks=[self.scatter], color="orange")
        self.selectors = {"brush": bq.interacts.BrushSelector(**on_points),
                          "lasso": bq.interacts.LassoSelector(**on_points),
                          "hover": None}
        self.selectors["brush"].observe(self._brushing_done, "brushing")
        width, height = PLOT_PX
        self.figure = bq.Figure(marks=[self.scatter], axes=[self.x_bq_axis, self.y_bq_axis],
                                interaction=self.selectors["brush"], animation_duration=0,
                                display_toolbar=False,  # its pan/save buttons cover top-right points
                                fig_margin={"top": 20, "bottom": 50, "left": 60, "right": 20},
                                layout=w.Layout(width=f"{width}px", height=f"{height}px"))
        self.selector_mode = w.ToggleButtons(options=list(TOOLS), value="brush",
                                             tooltips=list(TOOLS.values()), style={"button_width": "70px"})
        self.selector_mode.add_class("vsx-selector-mode")
        self.selector_mode.observe(self._switch_selector, "value")
        self.scatter.observe(self._selection_changed, "selected")
        self.scatter.on_hover(self._hovered)
        return self.figure, self.selector_mode

    def _canvas_plot(self) -> tuple[w.Widget, w.Widget]:
        """A CanvasScatter (drag, click, hover all at once), the hover box beside it."""
        self.scatter = self.figure = CanvasScatter(*PLOT_PX, palette=(UNTAGGED, TAGGED))
        self.scatter.on_select(lambda _: self.gallery.show(self.selected))
        self.scatter.on_hover(self.show_hover)
        self.hover_name.value = "hover a point"
        hint = w.Label(CANVAS_TOOLS)
        hint.add_class("vsx-canvas-tools")
        return w.HBox([self.scatter, self.hover]), hint

    def _held(self) -> AbstractContextManager:
        """Batch changes to the scatter: one draw (canvas) or one message (SVG) at the end."""
        return self.scatter.batch() if self.fast else self.scatter.hold_sync()

    # -- axes --------------------------------------------------------------------------------
    @property
    def x_values(self) -> np.ndarray:
        """The plotted x coordinate of every image."""
        return np.asarray(self.scatter.x)

    @property
    def y_values(self) -> np.ndarray:
        """The plotted y coordinate of every image."""
        return np.asarray(self.scatter.y)

    def _update_axes(self, *axes: str) -> None:
        """Recompute these axes from their controls; a bad label is reported and leaves the plot as is."""
        for axis in axes:
            control = self.x_axis if axis == "x" else self.y_axis
            try:
                values = self.axis_values.values(control.mode.value, control.label)
            except (LabelError, ValueError) as err:
                self.status.value = f"{axis} axis: {err}"
                continue
            self.status.value = ""
            self._show_axis(axis, values, self.axis_values.title(control.mode.value, control.label))

    def _show_axis(self, axis: str, values: np.ndarray, title: str) -> None:
        if self.fast:
            with self.scatter.batch():
                self.scatter.set_data(*((values, self.y_values) if axis == "x" else (self.x_values, values)))
                self.scatter.set_labels(**{axis: title})
        else:
            setattr(self.scatter, axis, values)
            (self.x_bq_axis if axis == "x" else self.y_bq_axis).label = title

    # -- selection, hover, tags ----------------------------------------------------------------
    @property
    def selected(self) -> np.ndarray:
        """Indices of the selected images."""
        chosen = self.scatter.selected
        return np.zeros(0, np.int64) if chosen is None else np.asarray(chosen, dtype=np.int64)

    def select(self, indices) -> None:
        """Select these images (as a brush, lasso or click would): the gallery follows."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if self.fast:
            self.scatter.selected = indices
            return
        self.scatter.selected = indices if len(indices) else None
        if not len(indices):
            for selector in filter(None, self.selectors.values()):
                selector.reset()

    def _selection_changed(self, _change) -> None:
        if not self.selectors["brush"].brushing:  # while dragging, wait for the mouse-up
            self.gallery.show(self.selected)

    def _brushing_done(self, change) -> None:
        if not change.new:
            self.gallery.show(self.selected)

    def _switch_selector(self, change) -> None:
        self.select([])
        self.figure.interaction = self.selectors[change.new]

    def _hovered(self, _mark, content: dict) -> None:
        point = content.get("point") or content.get("data") or {}
        if "index" in point:
            self.show_hover(int(point["index"]))

    def show_hover(self, i: int) -> None:
        """Put image i's thumbnail and file name in the hover box."""
        self.hover_image.format = "jpeg"
        self.hover_image.value = self.col.thumbnail(i)
        self.hover_name.value = self.col.display_name(i)

    def _recolour(self) -> None:
        """Tagged images red, the others blue."""
        tagged = np.zeros(len(self.col), np.float32)
        for indices in self.col.tags.values():
            tagged[indices] = 1.0
        if self.fast:
            self.scatter.set_colours(tagged)
        else:
            self.scatter.color = tagged
