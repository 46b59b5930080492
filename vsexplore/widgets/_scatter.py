"""One scatter interface over the Projection's two plots: bqplot's SVG and the ipycanvas fast path.

Design: :class:`Scatter` is a traitlets ``HasTraits`` base holding everything the two plots share.
``set_data`` (x, y), ``set_colours`` (a palette index per point) and ``set_labels`` (axis titles)
check their input and keep it here, in Python. ``selected`` (int64 indices) and ``hovered`` (an index
or None) are traits, so ``scatter.observe(callback, "selected")`` works on either plot; callbacks
given to ``on_select``/``on_hover`` sit in ipywidgets ``CallbackDispatcher`` s fed by those traits.
Every change is recorded by kind ("data", "colours", "labels", "selection", "hover") and drawn by the
adapter's ``_draw`` right away, or once at the end of the outermost ``hold()``: one redraw (canvas)
or one message (SVG).

The adapters, :class:`~vsexplore.widgets.svg_scatter.SvgScatter` and
:class:`~vsexplore.widgets.canvas_scatter.CanvasScatter`, draw what changed, say which widget shows
the points (``figure``), which controls go with them (``tools``) and where a hover box goes
(``with_hover_box``), and report the mouse by setting ``selected`` and ``hovered``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import ipywidgets as w
import numpy as np
from traitlets import HasTraits, Int, TraitType, validate

from .palette import TAG_COLOURS


class Indices(TraitType):
    """Point indices as a 1-D int64 array (None and [] are no selection); notifies only when they change."""

    info_text = "a sequence of point indices"

    def make_dynamic_default(self) -> np.ndarray:
        return np.zeros(0, np.int64)

    def validate(self, obj, value) -> np.ndarray:
        try:
            return np.array([] if value is None else value, dtype=np.int64).reshape(-1)
        except (TypeError, ValueError):
            self.error(obj, value)

    def set(self, obj, value) -> None:
        new, old = self._validate(obj, value), getattr(obj, self.name)
        obj._trait_values[self.name] = new
        if not np.array_equal(old, new):
            obj._notify_trait(self.name, old, new)


class Scatter(HasTraits):
    """Points ``x`` against ``y`` with a colour each, an observable selection and hovered point.

    ``selected`` holds the selected indices, in selection order (settable, e.g. ``scatter.selected =
    [3, 4]``); ``hovered`` the point under the mouse or None. Both are traits: observe them with
    ``scatter.observe(callback, "selected")``. Batch changes with ``with scatter.hold(): ...``.
    An adapter also sets ``figure`` (the widget that shows the points) and ``tools`` (its controls).
    """

    selected = Indices(help="indices of the selected points, in selection order")
    hovered = Int(None, allow_none=True, help="the point under the mouse, or None")
    hover_prompt = ""  # what a hover box says before any point is hovered

    def __init__(self, *, palette: Sequence[str] = TAG_COLOURS, x_label: str = "", y_label: str = "",
                 **kwargs):
        super().__init__(**kwargs)
        self.palette = tuple(palette)
        self._x = self._y = np.zeros(0)
        self._colours = np.zeros(0, np.int64)
        self._labels = (str(x_label), str(y_label))
        self._holds = 0
        self._stale: set[str] = set()
        self._select_callbacks = w.CallbackDispatcher()
        self._hover_callbacks = w.CallbackDispatcher()
        self.observe(self._selection_changed, "selected")
        self.observe(self._hover_changed, "hovered")

    # -- data ----------------------------------------------------------------------------------
    @property
    def x(self) -> np.ndarray:
        return self._x

    @property
    def y(self) -> np.ndarray:
        return self._y

    @property
    def colours(self) -> np.ndarray:
        """Each point's colour index into ``palette``."""
        return self._colours

    @property
    def x_label(self) -> str:
        return self._labels[0]

    @property
    def y_label(self) -> str:
        return self._labels[1]

    def set_data(self, x, y) -> None:
        """New coordinates (same length for both; a point with a NaN coordinate is not drawn).

        A new length resets colours and selection.
        """
        x = np.array(x, dtype=np.float64).reshape(-1)
        y = np.array(y, dtype=np.float64).reshape(-1)
        if x.shape != y.shape:
            raise ValueError(f"x and y differ in length: {len(x)} and {len(y)}; give one of each per point")
        resized = len(x) != len(self._x)
        self._x, self._y = x, y
        with self.hold():
            if resized:
                self._colours = np.zeros(len(x), np.int64)
                self._changed("colours")
                self.selected = []
            self.hovered = None
            self._changed("data")

    def set_colours(self, values) -> None:
        """A colour index per point into ``palette`` (bools and 0/1 floats work as tagged masks)."""
        values = np.asarray(values).reshape(-1)
        if len(values) != len(self._x):
            raise ValueError(f"{len(values)} colours for {len(self._x)} points: give one per point")
        colours = np.rint(values.astype(np.float64)).astype(np.int64)
        if colours.min(initial=0) < 0:
            raise ValueError(f"colour indices must be >= 0 (indices into a palette of {len(self.palette)})")
        self._colours = colours
        self._changed("colours")

    def set_labels(self, x: str | None = None, y: str | None = None) -> None:
        """Axis titles (plain text, never markup); None keeps one."""
        self._labels = (self._labels[0] if x is None else str(x), self._labels[1] if y is None else str(y))
        self._changed("labels")

    # -- selection and hover -------------------------------------------------------------------
    @validate("selected")
    def _within_points(self, proposal) -> np.ndarray:
        chosen = proposal["value"]
        if len(chosen) and (chosen.min() < 0 or chosen.max() >= len(self._x)):
            raise IndexError(f"selection {chosen.min()}..{chosen.max()} out of range for {len(self._x)} "
                             f"points: select indices from 0 to {len(self._x) - 1}")
        return chosen

    def on_select(self, callback: Callable[[np.ndarray], object], remove: bool = False) -> None:
        """Call ``callback(indices)`` on every new selection (the mouse, or ``selected = ...``)."""
        self._select_callbacks.register_callback(callback, remove=remove)

    def on_hover(self, callback: Callable[[int], object], remove: bool = False) -> None:
        """Call ``callback(index)`` whenever the mouse comes to another point."""
        self._hover_callbacks.register_callback(callback, remove=remove)

    def _selection_changed(self, change) -> None:
        self._changed("selection")
        self._select_callbacks(change["new"].copy())

    def _hover_changed(self, change) -> None:
        self._changed("hover")
        if change["new"] is not None:
            self._hover_callbacks(change["new"])

    # -- drawing -------------------------------------------------------------------------------
    @contextmanager
    def hold(self) -> Iterator[None]:
        """Draw once, when the outermost ``hold`` ends, however many changes are made inside."""
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds:
                self._flush()

    def _changed(self, kind: str) -> None:
        self._stale.add(kind)
        if not self._holds:
            self._flush()

    def _flush(self) -> None:
        if self._stale:
            changed, self._stale = frozenset(self._stale), set()
            self._draw(changed)

    def _draw(self, changed: frozenset[str]) -> None:
        """Show what changed ("data", "colours", "labels", "selection", "hover") in the browser (adapters)."""
        raise NotImplementedError

    def with_hover_box(self, box: w.Widget) -> w.Widget:
        """The plot as a Projection shows it, with ``box`` (the hovered point's thumbnail) (adapters)."""
        raise NotImplementedError
