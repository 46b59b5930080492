"""Every image as a point along two axes (labels, diversity, PCA); select, browse and tag them."""

from __future__ import annotations

import warnings

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..text import LabelError
from .axes import PCA_COMPONENTS, AxisControl, AxisValues
from .gallery import GALLERY_LIMIT, Gallery
from .tagging import TagBar

GL_THRESHOLD = 20_000  # above this many images the scatter is drawn with WebGL (bqplot-gl), if installed
UNTAGGED, TAGGED = "#1f77b4", "#d62728"
TOOLS = {  # selection tool → what it does (a selector's overlay catches the mouse, so hover needs none)
    "brush": "drag a rectangle to select",
    "lasso": "draw a loop to select",
    "hover": "hover a point for its thumbnail, click to select it",
}


class Projection(w.VBox):
    """A scatter of all images; ``x``/``y`` are labels or modes ('diversity', 'PCA 1', 'jitter (1-D)').

    Brush or lasso a region (or click points in hover mode) to fill the gallery, tag the selection,
    export the tags. In hover mode a point shows its thumbnail and file name. Tagged images are red.
    """

    def __init__(
        self,
        col,
        x: str = "animal",
        y: str = "garden",
        *,
        gl_threshold: int = GL_THRESHOLD,
        pca_components: int = PCA_COMPONENTS,
        seed: int = 0,
        gallery_limit: int = GALLERY_LIMIT,
    ):
        self.col = col
        self.axis_values = AxisValues(col, pca_components, seed)
        self.x_axis = AxisControl("x", self.axis_values.modes, x, lambda: self._update_axis("x"))
        self.y_axis = AxisControl("y", self.axis_values.modes, y, lambda: self._update_axis("y"))
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.gallery = Gallery(col, limit=gallery_limit, empty="select points to see them here")
        self.tags = TagBar(col, selection=lambda: self.selected, on_tagged=self._recolour)
        self.scatter = self._scatter(scatter_mark(len(col), gl_threshold))
        self.figure = self._figure()
        self.selector_mode = w.ToggleButtons(options=list(TOOLS), value="brush",
                                             tooltips=list(TOOLS.values()), style={"button_width": "70px"})
        self.selector_mode.add_class("vsx-selector-mode")
        self.selector_mode.observe(self._switch_selector, "value")
        clear = w.Button(description="Clear selection")
        clear.add_class("vsx-clear-selection")
        clear.on_click(lambda _: self.select([]))
        self.scatter.observe(self._selection_changed, "selected")
        self.scatter.on_hover(self._hovered)
        for axis in ("x", "y"):
            self._update_axis(axis)
        self._recolour()
        super().__init__([
            w.HBox([self.x_axis, self.y_axis]),
            w.HBox([self.selector_mode, clear, self.status]),
            self.figure,
            self.tags,
            self.gallery,
        ])
        self.add_class("vsx-projection")

    # -- building ----------------------------------------------------------------------------
    def _scatter(self, mark: type[bq.Scatter]) -> bq.Scatter:
        scales = {"x": bq.LinearScale(), "y": bq.LinearScale(),
                  "color": bq.ColorScale(colors=[UNTAGGED, TAGGED], min=0, max=1)}
        self.hover_image = w.Image(format="jpeg", layout=w.Layout(width="128px", height="128px",
                                                                  object_fit="contain"))
        self.hover_name = w.Label()
        self.hover = w.VBox([self.hover_image, self.hover_name])
        self.hover.add_class("vsx-hover-thumb")
        n = len(self.col)
        return mark(
            x=np.zeros(n, np.float32), y=np.zeros(n, np.float32), color=np.zeros(n, np.float32),
            scales=scales, default_size=16 if n > 2000 else 32, opacities=[0.75],
            stroke="white" if n <= 2000 else None, stroke_width=0.5,
            selected_style={"opacity": 1.0}, unselected_style={"opacity": 0.2},
            tooltip=self.hover, interactions={"hover": "tooltip", "click": "select"}, display_names=False,
        )

    def _figure(self) -> bq.Figure:
        scales = self.scatter.scales
        self.x_bq_axis = bq.Axis(scale=scales["x"], label="x", tick_format=".2f")
        self.y_bq_axis = bq.Axis(scale=scales["y"], label="y", side="left", tick_format=".2f")
        on_points = dict(x_scale=scales["x"], y_scale=scales["y"], marks=[self.scatter], color="orange")
        self.selectors = {"brush": bq.interacts.BrushSelector(**on_points),
                          "lasso": bq.interacts.LassoSelector(**on_points),
                          "hover": None}
        self.selectors["brush"].observe(self._brushing_done, "brushing")
        figure = bq.Figure(marks=[self.scatter], axes=[self.x_bq_axis, self.y_bq_axis],
                           interaction=self.selectors["brush"], animation_duration=0,
                           fig_margin={"top": 20, "bottom": 50, "left": 60, "right": 20},
                           layout=w.Layout(width="640px", height="480px"))
        figure.add_class("vsx-scatter-figure")
        return figure

    # -- axes --------------------------------------------------------------------------------
    def _update_axis(self, axis: str) -> None:
        control = self.x_axis if axis == "x" else self.y_axis
        try:
            values = self.axis_values.values(control.mode.value, control.label)
        except (LabelError, ValueError) as err:
            self.status.value = f"{axis} axis: {err}"
            return
        self.status.value = ""
        setattr(self.scatter, axis, values)
        (self.x_bq_axis if axis == "x" else self.y_bq_axis).label = self.axis_values.title(
            control.mode.value, control.label)

    # -- selection, hover, tags ----------------------------------------------------------------
    @property
    def selected(self) -> np.ndarray:
        """Indices of the selected images."""
        chosen = self.scatter.selected
        return np.zeros(0, np.int64) if chosen is None else np.asarray(chosen, dtype=np.int64)

    def select(self, indices) -> None:
        """Select these images (as a brush or lasso would): the gallery follows."""
        indices = np.asarray(indices, dtype=np.int64)
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
        self.hover_image.value = self.col.thumbnail(i)
        self.hover_name.value = self.col.display_name(i)

    def _recolour(self) -> None:
        tagged = np.zeros(len(self.col), np.float32)
        for indices in self.col.tags.values():
            tagged[indices] = 1.0
        self.scatter.color = tagged


def scatter_mark(n: int, gl_threshold: int = GL_THRESHOLD) -> type[bq.Scatter]:
    """bqplot's SVG Scatter, or bqplot-gl's WebGL ScatterGL for more than ``gl_threshold`` points."""
    if n <= gl_threshold:
        return bq.Scatter
    try:
        from bqplot_gl import ScatterGL
    except ImportError:
        warnings.warn(f"{n} points draw slowly as SVG; `pip install bqplot-gl` draws them with WebGL",
                      stacklevel=3)
        return bq.Scatter
    return ScatterGL
