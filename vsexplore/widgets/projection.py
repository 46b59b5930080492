"""Every image as a point along two axes (labels, diversity, PCA); select, browse and tag them.

Design: one code path over the :class:`~vsexplore.widgets._scatter.Scatter` interface. The plot is
an :class:`~vsexplore.widgets.svg_scatter.SvgScatter` up to ``fast_threshold`` images and a
:class:`~vsexplore.widgets.canvas_scatter.CanvasScatter` above it; the Projection sets coordinates,
titles and tag colours on it and observes its ``selected`` (the gallery) and ``hovered`` (the hover
box) traits, whichever it is.
"""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from ..text import LabelError
from .axes import PCA_COMPONENTS, AxisControl, AxisValues
from .canvas_scatter import CanvasScatter
from .gallery import GALLERY_LIMIT, Gallery
from .palette import TAG_COLOURS
from .svg_scatter import SvgScatter
from .tagging import TagBar

FAST_THRESHOLD = 20_000  # above this many images the scatter is drawn on a canvas, not as SVG
BLANK_GIF = bytes.fromhex(  # a transparent 1×1 GIF: the hover box before any point is hovered
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
PLOT_PX = (640, 480)


class Projection(w.VBox):
    """A scatter of all images; ``x``/``y`` are labels or modes ('diversity', 'PCA 1', 'jitter (1-D)').

    Select a region to fill the gallery, tag the selection, export the tags; hovering a point shows
    its thumbnail and file name. Tagged images are red. Up to ``fast_threshold`` images the points are
    a bqplot SVG scatter (brush, lasso or hover-and-click tools); above it a canvas (drag to brush,
    click a point, hover always on), which draws 100k points at once. ``scatter`` is either (both
    :class:`~vsexplore.widgets._scatter.Scatter` s: observe ``scatter.selected``/``scatter.hovered``);
    ``figure`` is the widget showing the points; ``x_values``/``y_values`` the plotted coordinates.
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
        self.scatter = (CanvasScatter if self.fast else SvgScatter)(*PLOT_PX, palette=TAG_COLOURS)
        self.figure = self.scatter.figure
        self.figure.add_class("vsx-scatter-figure")
        self.hover_image = w.Image(value=BLANK_GIF, format="gif", layout=w.Layout(
            width="128px", height="128px", object_fit="contain"))  # blank until a point is hovered
        self.hover_name = w.Label(self.scatter.hover_prompt)
        self.hover = w.VBox([self.hover_image, self.hover_name])
        self.hover.add_class("vsx-hover-thumb")
        plot = self.scatter.with_hover_box(self.hover)
        self.scatter.observe(lambda change: self.gallery.show(change["new"]), "selected")
        self.scatter.observe(self._hovered, "hovered")
        clear = w.Button(description="Clear selection")
        clear.add_class("vsx-clear-selection")
        clear.on_click(lambda _: self.select([]))
        with self.scatter.hold():  # one draw for the first coordinates, titles and colours
            self.scatter.set_data(np.zeros(len(col)), np.zeros(len(col)))
            self._update_axes("x", "y")
            self._recolour()
        super().__init__([
            w.HBox([self.x_axis, self.y_axis]),
            w.HBox([self.scatter.tools, clear, self.status]),
            plot,
            self.tags,
            self.gallery,
        ])
        self.add_class("vsx-projection")

    # -- axes --------------------------------------------------------------------------------
    @property
    def x_values(self) -> np.ndarray:
        """The plotted x coordinate of every image."""
        return self.scatter.x

    @property
    def y_values(self) -> np.ndarray:
        """The plotted y coordinate of every image."""
        return self.scatter.y

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
            title = self.axis_values.title(control.mode.value, control.label)
            with self.scatter.hold():
                self.scatter.set_data(*((values, self.y_values) if axis == "x" else (self.x_values, values)))
                self.scatter.set_labels(**{axis: title})

    # -- selection, hover, tags ----------------------------------------------------------------
    @property
    def selected(self) -> np.ndarray:
        """Indices of the selected images."""
        return self.scatter.selected

    def select(self, indices) -> None:
        """Select these images (as a brush, lasso or click would): the gallery follows."""
        self.scatter.selected = indices

    def _hovered(self, change) -> None:
        if change["new"] is not None:
            self.show_hover(change["new"])

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
        self.scatter.set_colours(tagged)
