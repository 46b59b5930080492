"""The widgets bind UI to the collection's analyses: driven from Python on the real sample collection."""

from __future__ import annotations

import csv
import html
import json
import shutil

import ipywidgets as w
import numpy as np
import pytest

bq = pytest.importorskip("bqplot")
pytest.importorskip("ipycanvas")

import vsexplore as vx  # noqa: E402
import vsexplore.datasets  # noqa: E402, F401
from vsexplore.widgets import Clusters, Gallery, Heatmaps, Painter, Projection, Segments  # noqa: E402
from vsexplore.widgets.canvas_scatter import CanvasScatter  # noqa: E402
from vsexplore.widgets.palette import HIGHLIGHT, TAGGED, UNTAGGED  # noqa: E402
from vsexplore.widgets.svg_scatter import SvgScatter  # noqa: E402

EVIL_NAME = "<img src=x onerror=alert(1)>.jpg"


@pytest.fixture(scope="session")
def col():
    return vx.datasets.sample_collection()


@pytest.fixture
def writable_col(col, tmp_path):
    """A copy of the sample store, so tagging leaves the cached sample untouched."""
    store = tmp_path / "copy.vsx"
    shutil.copytree(col.url, store)
    return vx.Collection.open(store, model=col.model, mode="r+")


@pytest.fixture(scope="session")
def evil_col(col, tmp_path_factory):
    """Two real photos, one named like an HTML injection."""
    root = tmp_path_factory.mktemp("evil")
    photos = root / "photos"
    photos.mkdir()
    shutil.copyfile(col.paths[0], photos / EVIL_NAME)
    shutil.copyfile(col.paths[1], photos / "normal.jpg")
    return vx.Collection.build(photos, store=root / "evil.vsx", model=col.model, progress=False)


def all_widgets(root) -> list[w.Widget]:
    """Every widget reachable from ``root`` through its traits (children, marks, tooltips, ...)."""
    seen, stack = {}, [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen[id(widget)] = widget
        for name in widget.trait_names():
            value = getattr(widget, name, None)
            if isinstance(value, dict):
                value = list(value.values())
            items = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(v for v in items if isinstance(v, w.Widget))
    return list(seen.values())


# -- Projection --------------------------------------------------------------------------------------
@pytest.fixture(params=["svg", "canvas"])
def fast_threshold(request):
    """The SVG scatter (default threshold) and the canvas scatter (threshold lowered below 120 images)."""
    return 10**9 if request.param == "svg" else 50


def axis_title(p, axis: str) -> str:
    title = p.scatter.x_label if axis == "x" else p.scatter.y_label
    if not p.fast:  # the SVG scatter shows it on its bqplot axis
        assert (p.scatter.x_axis if axis == "x" else p.scatter.y_axis).label == title
    return title


def test_projection_axes_follow_labels_and_modes(col, fast_threshold):
    p = Projection(col, x="animal", y="garden", fast_threshold=fast_threshold)
    assert isinstance(p.scatter, CanvasScatter) == (fast_threshold < len(col))
    np.testing.assert_allclose(p.x_values, col.scores(["animal"])[:, 0], rtol=1e-6)
    np.testing.assert_allclose(p.y_values, col.scores(["garden"])[:, 0], rtol=1e-6)
    assert axis_title(p, "x") == "animal" and axis_title(p, "y") == "garden"

    p.x_axis.text.value = "stormy sky"  # what Enter in the box does
    np.testing.assert_allclose(p.x_values, col.scores(["stormy sky"])[:, 0], rtol=1e-6)
    assert axis_title(p, "x") == "stormy sky"

    p.y_axis.mode.value = "diversity"
    np.testing.assert_allclose(p.y_values, col.diversity(), rtol=1e-6)
    assert axis_title(p, "y") == "diversity"
    for k in (1, 2):
        p.y_axis.mode.value = f"PCA {k}"
        np.testing.assert_allclose(p.y_values, col.pca(5)[0][:, k - 1], rtol=1e-5, atol=1e-6)

    p.y_axis.mode.value = "jitter (1-D)"  # 1-D: a label on x, seeded jitter on y
    jitter = p.y_values.copy()
    again = Projection(col, x="tree", y="jitter (1-D)", fast_threshold=fast_threshold)
    np.testing.assert_array_equal(jitter, again.y_values)
    assert np.ptp(jitter) > 0.5

    p.y_axis.text.value = "water"  # typing a label switches that axis back to label mode
    assert p.y_axis.mode.value == "label"
    np.testing.assert_allclose(p.y_values, col.scores(["water"])[:, 0], rtol=1e-6)

    p.x_axis.text.value = "   "
    assert "empty" in p.status.value  # a bad label is reported, the plot keeps its data
    np.testing.assert_allclose(p.x_values, col.scores(["stormy sky"])[:, 0], rtol=1e-6)


def test_svg_scatter_up_to_the_threshold(col):
    p = Projection(col, fast_threshold=len(col))
    s = p.scatter
    assert type(s) is SvgScatter and isinstance(p.figure, bq.Figure) and p.figure.marks == [s.mark]
    assert s.mark.x.dtype == np.float32 and s.mark.color.shape == (len(col),)
    assert s.tools is s.selector_mode and p.figure.interaction is s.selectors["brush"]
    assert s.mark.tooltip is p.hover  # the hover box is the tooltip of a hovered point


def test_projection_modes_in_constructor(col):
    p = Projection(col, x="PCA 1", y="diversity")
    assert p.x_axis.mode.value == "PCA 1" and p.y_axis.mode.value == "diversity"
    np.testing.assert_allclose(p.scatter.y, col.diversity(), rtol=1e-6)


def bqplot_hover(scatter: SvgScatter, i: int) -> None:
    """The message bqplot sends when the mouse comes over point i (the "hover" tool)."""
    scatter.mark._handle_custom_msgs(None, {"event": "hover", "data": {"x": 0.1, "y": 0.2, "index": i}})


def test_selection_fills_gallery_and_hover_shows_thumbnail(col):
    p = Projection(col)
    s = p.scatter
    s.selector_mode.value = "lasso"
    assert p.figure.interaction is s.selectors["lasso"]
    s.mark.selected = np.array([5, 17, 44], np.uint32)  # what a lasso does in the browser
    assert p.selected.tolist() == [5, 17, 44] and list(p.gallery.indices) == [5, 17, 44]
    assert [img.value for img in p.gallery.images] == [col.thumbnail(i) for i in (5, 17, 44)]
    assert all(img.format == "jpeg" for img in p.gallery.images)

    s.selector_mode.value = "brush"
    assert p.figure.interaction is s.selectors["brush"]
    assert len(p.selected) == len(p.gallery.indices) == 0  # switching tools starts a fresh selection
    s.selector_mode.value = "hover"  # no selector overlay: points get hover and click
    assert p.figure.interaction is None and s.mark.interactions == {"hover": "tooltip", "click": "select"}

    p.select(range(60))
    assert s.mark.selected.tolist() == list(range(60))
    assert len(p.gallery.images) == p.gallery.limit and "60 images" in p.gallery.summary.value
    s.mark.selected = None  # a click on the background, in the browser
    assert len(p.selected) == len(p.gallery.indices) == 0

    bqplot_hover(s, 44)
    assert s.hovered == 44
    assert p.hover_image.value == col.thumbnail(44)
    assert p.hover_name.value == col.display_name(44)


def test_brush_drag_updates_gallery_on_release(col):
    p = Projection(col)
    brush, mark = p.scatter.selectors["brush"], p.scatter.mark
    brush.brushing = True
    mark.selected = np.array([1, 2])
    assert len(p.selected) == len(p.gallery.indices) == 0  # not while dragging
    brush.brushing = False
    assert p.selected.tolist() == [1, 2] and list(p.gallery.indices) == [1, 2]
    brush.brushing = True  # a click beside the points, with the brush: the selection ends
    mark.selected = None
    brush.brushing = False
    assert len(p.selected) == len(p.gallery.indices) == 0


def fill_calls(scatter, monkeypatch) -> list[tuple[str, int]]:
    """Record the canvas scatter's point drawing: (colour, number of points) per ``fill_rects`` call."""
    calls, layer, fill_rects = [], scatter._layer, scatter._layer.fill_rects

    def recorded(x, y, *args):
        calls.append((layer.fill_style, len(x)))
        return fill_rects(x, y, *args)

    monkeypatch.setattr(layer, "fill_rects", recorded)
    return calls


def test_tags_persist_and_export(writable_col, tmp_path, fast_threshold, monkeypatch):
    p = Projection(writable_col, fast_threshold=fast_threshold)
    p.select([3, 4, 50])
    p.tags.tag_text.value = "keep"
    p.tags.tag_button.click()
    assert writable_col.tags["keep"] == [3, 4, 50]
    colours = p.scatter.colours  # tagged images are red
    assert colours[[3, 4, 50]].tolist() == [1, 1, 1] and colours.sum() == 3
    if not p.fast:
        np.testing.assert_array_equal(p.scatter.mark.color, colours)
    assert vx.Collection.open(writable_col.url, model=writable_col.model).tags == {"keep": [3, 4, 50]}
    if p.fast:
        drawn = fill_calls(p.scatter, monkeypatch)
        p.select([])
        assert drawn == [(UNTAGGED, len(writable_col) - 3), (TAGGED, 3)]

    p.tags.path_text.value = str(tmp_path / "tags.csv")
    p.tags.export_button.click()
    rows = list(csv.reader((tmp_path / "tags.csv").open()))
    assert sum(row[-1] == "keep" for row in rows) == 3
    assert str(tmp_path / "tags.csv") in p.tags.status.value

    p.tags.format.value = "coco"
    assert p.tags.path_text.value.endswith("tags.json")
    written = p.tags.export()
    coco = json.loads(written.read_text())
    assert {"images", "annotations", "categories"} <= set(coco)
    assert [c["name"] for c in coco["categories"]] == ["keep"]


def test_tag_needs_a_selection_and_a_name(writable_col, fast_threshold):
    p = Projection(writable_col, fast_threshold=fast_threshold)
    p.tags.tag_text.value = "keep"
    assert p.tags.tag() == 0 and "select" in p.tags.status.value
    p.select([1])
    assert p.tags.tag("  ") == 0 and writable_col.tags == {}


# -- the canvas scatter, for large collections ---------------------------------------------------------
def test_canvas_projection_brush_click_and_hover(col, monkeypatch):
    p = Projection(col, x="water", y="flower", fast_threshold=50)
    s = p.scatter
    assert isinstance(s, CanvasScatter) and p.figure is s and isinstance(s.tools, w.Label)
    assert {"vsx-canvas-scatter", "vsx-scatter-figure"} <= set(s._dom_classes)
    classes = {c for x in all_widgets(p) for c in getattr(x, "_dom_classes", ())}
    assert {"vsx-projection", "vsx-hover-thumb", "vsx-gallery", "vsx-clear-selection",
            "vsx-canvas-tools"} <= classes
    assert p.hover_name.value == s.hover_prompt
    px, py = s.to_pixels(p.x_values, p.y_values)

    # a brush: press, drag, release over a rectangle of the canvas (as the browser sends it)
    x0, x1 = np.percentile(px, [20, 75])
    y0, y1 = np.percentile(py, [25, 90])
    inside = np.flatnonzero((px >= x0) & (px <= x1) & (py >= y0) & (py <= y1))
    assert 5 < len(inside) < len(col)
    drawn = fill_calls(s, monkeypatch)
    s._mouse_down(x1, y0)
    s._mouse_move((x0 + x1) / 2, (y0 + y1) / 2)
    s._mouse_move(x0, y1)
    assert len(p.gallery.indices) == 0 and not drawn  # while dragging: no selection, no points resent
    s._mouse_up(x0, y1)
    np.testing.assert_array_equal(p.selected, inside)
    np.testing.assert_array_equal(p.gallery.indices, inside)
    assert [img.value for img in p.gallery.images] == [col.thumbnail(i) for i in inside[: p.gallery.limit]]
    assert drawn[-1] == (HIGHLIGHT, len(inside)) and sum(n for _, n in drawn) == len(col)

    # hover and click: the photo farthest from any other, so that it is the nearest to the mouse
    gaps = np.hypot(px[:, None] - px, py[:, None] - py) + np.diag(np.full(len(col), np.inf))
    k = int(np.argmax(gaps.min(axis=1)))
    s._mouse_move(px[k] + 1, py[k] - 1)
    assert s.hovered == k
    assert p.hover_image.value == col.thumbnail(k) and p.hover_name.value == col.display_name(k)
    s._mouse_down(px[k], py[k])
    s._mouse_up(px[k] + 1, py[k])  # a click, not a drag
    assert list(p.selected) == [k] and list(p.gallery.indices) == [k] and s.brush is None

    p.select(range(60))
    assert len(p.gallery.images) == p.gallery.limit and "60 images" in p.gallery.summary.value
    p.select([])
    assert len(p.selected) == 0 and len(p.gallery.indices) == 0

    p.x_axis.text.value = "stormy sky"  # typed labels move the points
    np.testing.assert_allclose(s.x, col.scores(["stormy sky"])[:, 0], rtol=1e-6)
    assert s.x_label == "stormy sky"
    moved, _ = s.to_pixels(s.x, s.y)
    assert not np.allclose(moved, px)


def test_canvas_scatter_pixels_brush_and_nearest():
    rng = np.random.default_rng(0)
    n = 100_000
    x, y = rng.normal(size=n), rng.uniform(-3, 5, size=n)
    x[:50] = np.nan  # NaN points are neither drawn nor selected
    y[40:90] = np.nan
    finite = np.isfinite(x) & np.isfinite(y)
    s = CanvasScatter(width=640, height=480)
    chosen = []
    s.on_select(chosen.append)
    s.set_data(x, y)
    left, top, width, height = s.plot_area
    px, py = s.to_pixels(x, y)
    assert left <= px[finite].min() < px[finite].max() <= left + width
    assert top <= py[finite].min() < py[finite].max() <= top + height
    back_x, back_y = s.to_data(px, py)
    np.testing.assert_allclose(back_x[finite], x[finite], atol=1e-9)
    np.testing.assert_allclose(back_y[finite], y[finite], atol=1e-9)

    # a brush dragged from the bottom right to the top left selects what lies inside, in data terms
    s._mouse_down(420, 300)
    s._mouse_move(300, 200)
    s._mouse_up(200, 100)
    (x_lo, x_hi), (y_hi, y_lo) = s.to_data([200, 420], [100, 300])
    expected = np.flatnonzero((x >= x_lo) & (x <= x_hi) & (y >= y_lo) & (y <= y_hi))
    assert 1000 < len(expected) < n
    np.testing.assert_array_equal(s.selected, expected)
    np.testing.assert_array_equal(chosen[-1], expected)
    assert s.brush == (420, 300, 200, 100)

    for i in rng.choice(np.flatnonzero(finite), 20, replace=False):  # nearest == brute force
        qx, qy = px[i] + 0.7, py[i] - 0.4
        j = s.nearest(qx, qy)
        d = np.hypot(px - qx, py - qy)
        assert j is not None and finite[j] and d[j] == pytest.approx(np.nanmin(d), abs=1e-9)
    assert s.nearest(5, 5) is None  # in the margin, no point within reach

    sparse = CanvasScatter()
    sparse.set_data([0.0, 1.0, np.nan], [0.0, 1.0, 0.5])
    (ax, bx), (ay, by) = sparse.to_pixels([0.0, 1.0], [0.0, 1.0])
    assert sparse.nearest(ax + 4, ay) == 0 and sparse.nearest(ax + 10, ay) is None
    hovered = []
    sparse.on_hover(hovered.append)
    sparse._mouse_move(ax + 1, ay)
    sparse._mouse_move(ax + 2, ay + 1)  # the same point: reported once
    sparse._mouse_move(bx, by - 2)
    sparse._mouse_move((ax + bx) / 2, (ay + by) / 2)  # nothing near
    assert hovered == [0, 1] and sparse.hovered is None
    sparse._mouse_down(ax - 20, ay + 20)  # a brush around point 0
    sparse._mouse_move(ax + 20, ay - 20)
    sparse._mouse_up(ax + 20, ay - 20)
    assert sparse.selected.tolist() == [0] and sparse.brush is not None
    sparse._mouse_down(bx, by)  # then a click on point 1
    sparse._mouse_up(bx + 1, by + 1)
    assert sparse.selected.tolist() == [1] and sparse.brush is None
    sparse._mouse_down(ax + 50, ay)  # a click on nothing clears the selection
    sparse._mouse_up(ax + 50, ay)
    assert sparse.selected.tolist() == []
    sparse.set_colours(np.array([True, False, True]))
    assert sparse.colours.tolist() == [1, 0, 1]
    with pytest.raises(ValueError):
        sparse.set_colours([1, 0])


# -- the Scatter interface: both adapters -------------------------------------------------------------
POINTS = ([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0])


@pytest.fixture(params=[SvgScatter, CanvasScatter])
def scatter(request):
    s = request.param()
    s.set_data(*POINTS)
    return s


def select_in_browser(s, indices: list[int]) -> None:
    """Select points as the browser does: a lasso on the SVG mark, a brush around them on the canvas."""
    if isinstance(s, SvgScatter):
        s.selector_mode.value = "lasso"
        s.mark.selected = np.array(indices, np.uint32)
        return
    px, py = s.to_pixels(s.x[indices], s.y[indices])
    s._mouse_down(px.min() - 2, py.min() - 2)
    s._mouse_move(px.max() + 2, py.max() + 2)
    s._mouse_up(px.max() + 2, py.max() + 2)


def hover_in_browser(s, i: int) -> None:
    if isinstance(s, SvgScatter):
        bqplot_hover(s, i)
    else:
        s._mouse_move(*(float(v) for v in s.to_pixels(s.x[i], s.y[i])))


def test_selected_and_hovered_are_observable(scatter):
    seen = []
    scatter.observe(lambda change: seen.append(("selected", change["new"].tolist())), "selected")
    scatter.observe(lambda change: seen.append(("hovered", change["new"])), "hovered")
    picked, hovered = [], []
    scatter.on_select(picked.append)
    scatter.on_hover(hovered.append)
    select_in_browser(scatter, [1, 2])
    hover_in_browser(scatter, 3)
    hover_in_browser(scatter, 3)  # the same point: one notification
    scatter.selected = [0]
    scatter.selected = np.array([0], np.int32)  # the same selection: none
    scatter.hovered = None
    assert seen == [("selected", [1, 2]), ("hovered", 3), ("selected", [0]), ("hovered", None)]
    assert [p.tolist() for p in picked] == [[1, 2], [0]] and hovered == [3]
    assert scatter.selected.dtype == np.int64
    with pytest.raises(IndexError, match="out of range for 4 points"):
        scatter.selected = [4]
    assert scatter.selected.tolist() == [0]
    scatter.on_select(picked.append, remove=True)
    scatter.selected = []
    assert len(picked) == 2


def drawing_messages(s, monkeypatch) -> list:
    """What goes to the browser: the bqplot mark's state messages (SVG), the layer's redraws (canvas)."""
    sent = []
    if isinstance(s, SvgScatter):
        send_state = s.mark.send_state

        def recorded(key=None):
            keys = {key} if isinstance(key, str) else set(key or ())
            if keys:
                sent.append(keys)
            send_state(key)

        monkeypatch.setattr(s.mark, "send_state", recorded)
    else:
        redraw = s.redraw
        monkeypatch.setattr(s, "redraw", lambda: (sent.append({"redraw"}), redraw()))
    return sent


def test_hold_batches_changes_into_one_draw(scatter, monkeypatch):
    sent = drawing_messages(scatter, monkeypatch)
    scatter.set_data([3.0, 2.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0])
    scatter.set_colours([0, 1, 0, 1])
    scatter.selected = [2]
    assert len(sent) == 3  # without hold: one each
    sent.clear()
    with scatter.hold():
        scatter.set_data(*POINTS)
        with scatter.hold():  # nested: still one draw, when the outermost ends
            scatter.set_colours([1, 1, 0, 0])
        scatter.selected = [0, 3]
        scatter.set_labels(x="water", y="sky")
        assert not sent
    assert len(sent) == 1
    assert scatter.x.tolist() == POINTS[0] and scatter.colours.tolist() == [1, 1, 0, 0]
    assert (scatter.x_label, scatter.y_label) == ("water", "sky") and scatter.selected.tolist() == [0, 3]
    if isinstance(scatter, SvgScatter):
        assert sent[0] >= {"x", "y", "color", "selected"}
        assert (scatter.x_axis.label, scatter.y_axis.label) == ("water", "sky")
        assert scatter.mark.selected.tolist() == [0, 3] and scatter.mark.color.tolist() == [1, 1, 0, 0]


def test_selection_set_before_display_survives_first_render(col, fast_threshold, monkeypatch):
    p = Projection(col, fast_threshold=fast_threshold)
    p.select([3, 7, 11])
    s = p.scatter
    if p.fast:  # a new view of the canvas asks for its drawing: the selection is in it
        drawn = fill_calls(s, monkeypatch)
        s._layer._handle_frontend_event(None, {"event": "client_ready"}, [])
        assert drawn[-1] == (HIGHLIGHT, 3)
    else:  # bqplot's brush clears its marks' selection as its view renders: the selection comes back
        s.mark.set_state({"selected": None})
        assert s.mark.selected.tolist() == [3, 7, 11]
    assert p.selected.tolist() == [3, 7, 11] and list(p.gallery.indices) == [3, 7, 11]


# -- Clusters ------------------------------------------------------------------------------------------
def test_clusters_partition_by_margin(col):
    c = Clusters(col, ["flower", "water", "sky"])
    members = np.concatenate(list(c.groups.values()))
    np.testing.assert_array_equal(np.sort(members), np.arange(len(col)))
    assignment, margins = col.clusters(["flower", "water", "sky"])
    assert (c.margins >= 0).all()
    for k, group in enumerate(c.groups.values()):
        assert (assignment[group] == k).all()
        assert (np.diff(margins[group]) <= 0).all()  # most confident first
    assert c.bars.y.sum() == len(col) and c.bars.labels == ["flower", "water", "sky"]
    first = c.sections.children[0].children[1]
    assert isinstance(first, Gallery) and first.grid.children[0].children[-1].value.startswith("margin ")

    c.labels_text.value = "tree, building"
    assert list(c.groups) == ["tree", "building"] and len(c.sections.children) == 2


# -- Heatmaps ------------------------------------------------------------------------------------------
def test_heatmaps_overlay_follows_controls(col):
    h = Heatmaps(col, 45, ["sky", "tree", "grass"])
    assert h.maps.shape == (3, *h.size) and max(h.size) <= 512
    np.testing.assert_allclose(h.maps, col.heatmaps(45, ["sky", "tree", "grass"], size=h.size), atol=1e-6)
    assert [label.value.strip() for label in h.legend.children] == ["sky", "tree", "grass"]
    first = h.picture.value
    assert bytes(first).startswith(b"\x89PNG")

    h.opacity.value = 0.2
    assert h.picture.value != first
    h.labels_text.value = "stormy, dark"  # descriptive words are labels too
    assert h.maps.shape[0] == 2 and h.picture.value != first

    h.mode.value = "weak segmentation"
    assert not h.threshold.disabled
    seg = h.segmentation
    expected = col.weak_segmentation(45, ["stormy", "dark"], h.threshold.value, h.size)
    np.testing.assert_array_equal(seg, expected)
    before = h.picture.value
    h.threshold.value = 0.05
    assert h.picture.value != before and (h.segmentation > 0).mean() > (seg > 0).mean()
    assert h.legend.children[0].value.strip() == "background"

    h.index_box.value = 91
    assert h.name.value == col.display_name(91)


# -- Segments ------------------------------------------------------------------------------------------
def test_segments_follow_k(col):
    s = Segments(col, 45, k=2)
    assert len(np.unique(s.segments)) == 2
    first = s.picture.value
    s.k.value = 5
    assert len(np.unique(s.segments)) == 5 and len(s.legend.children) == 5
    np.testing.assert_array_equal(s.segments, col.segment(45, 5))
    assert s.picture.value != first


# -- Painter -------------------------------------------------------------------------------------------
def test_painter_sky_at_the_top(col):
    p = Painter(col, ["sky", "cloud"], top=8)
    assert p.concept.value == "sky" and p.results is None and set(p.grids) == {"sky", "cloud"}
    assert p.colours["sky"] != p.colours["cloud"]
    p.paint("sky", slice(0, 2), slice(None), 1.0)
    assert (p.grids["sky"][:2] == 1).all() and (p.grids["sky"][2:] == 0).all()
    result = p.search()
    expected = col.search({"sky": p.grids["sky"]}, top=8)
    np.testing.assert_array_equal(result.indices, expected.indices)
    assert list(p.gallery.indices) == list(expected.indices)
    assert all(i.format == "png" for i in p.gallery.images)
    # the winners' sky maps are high at the top, higher than the collection's on average
    sky = col.label_maps(range(len(col)), ["sky"])[:, 0]
    top_rows = sky[:, :2].mean(axis=(1, 2))
    assert top_rows[result.indices[:3]].mean() > top_rows.mean()

    p.paint("sky", slice(2, None), slice(None), -1.0)  # and not below
    changed = p.search()
    assert not np.allclose(changed.scores, result.scores)

    p.brush.value = "eraser"
    p._mouse_down(5, 5)
    p._mouse_up(5, 5)
    assert p.grids["sky"][0, 0] == 0
    p.clear("sky")
    assert not p.grids["sky"].any() and p.results is None and len(p.gallery.indices) == 0


def test_painter_mouse_strokes_and_concepts(col):
    p = Painter(col, ["sky"], cells=7, canvas_px=280)  # 40 px cells
    p._mouse_down(5, 5)
    p._mouse_move(45, 5)
    p._mouse_move(45, 45)
    assert p.results is None  # searched only when the stroke ends
    p._mouse_up(45, 45)
    assert p.grids["sky"][0, 0] == p.grids["sky"][0, 1] == p.grids["sky"][1, 1] == 1.0
    assert p.grids["sky"].sum() == 3 and p.results is not None
    p._mouse_move(200, 200)  # hovering without a button paints nothing
    assert p.grids["sky"].sum() == 3

    p.new_concept.value = "water"  # typing a concept adds it and makes it the active one
    assert p.concept.value == "water" and p.new_concept.value == "" and p.grids["water"].shape == (7, 7)
    p.brush.value = "− is not here"
    p._mouse_down(270, 270)
    p._mouse_up(270, 270)
    assert p.grids["water"][6, 6] == -1.0 and p.results.concepts == ["sky", "water"]
    assert p.results.maps.shape[:2] == (p.top, 2)

    p.cells.value = 14  # resolution: paintings resample by area
    assert p.grids["sky"].shape == (14, 14) and p.grids["sky"][:2, :2].min() == 1.0
    p.set_cells(3)
    assert p.cells.value == 3 and p.grids["water"].shape == (3, 3) and p.grids["water"][2, 2] < 0

    p.remove_concept("water")
    assert list(p.grids) == ["sky"] and p.results.concepts == ["sky"]


# -- escaping and CSS classes --------------------------------------------------------------------------
def test_names_are_never_markup(evil_col):
    evil = evil_col.paths.index(next(p for p in evil_col.paths if p.endswith(EVIL_NAME)))
    projection = Projection(evil_col, x="tree", y="sky")
    projection.select([0, 1])
    projection.show_hover(evil)
    fast = Projection(evil_col, x="tree", y="sky", fast_threshold=0)
    fast.select([0, 1])
    fast.scatter._mouse_move(*(float(v[evil]) for v in fast.scatter.to_pixels(fast.x_values, fast.y_values)))
    clusters = Clusters(evil_col, ["tree", "sunset"])
    views = [projection, fast, clusters, Heatmaps(evil_col, evil, ["<b>sky</b>"]),
             Segments(evil_col, evil, k=2)]
    painter = Painter(evil_col, ["sky", "<script>x</script>"])
    painter.paint("sky", 0, slice(None), 1.0)
    painter.search()
    views.append(painter)
    for view in views:
        widgets = all_widgets(view)
        for widget in widgets:
            if isinstance(widget, (w.HTML, w.HTMLMath)):
                assert "<img" not in widget.value and "<script" not in widget.value, widget.value
        labels = [x.value for x in widgets if isinstance(x, w.Label)]
        if view is not painter:
            assert EVIL_NAME in labels or any(EVIL_NAME in v for v in labels), type(view)
    assert html.escape(EVIL_NAME) != EVIL_NAME


def test_css_classes_for_browser_tests(col):
    p = Projection(col)
    classes = {c for x in all_widgets(p) for c in getattr(x, "_dom_classes", ())}
    assert {"vsx-projection", "vsx-gallery", "vsx-hover-thumb", "vsx-axis-x", "vsx-axis-y"} <= classes
    assert "vsx-clusters" in Clusters(col, ["sky", "water"])._dom_classes
    assert "vsx-heatmaps" in Heatmaps(col, 0, ["sky"])._dom_classes
    segments = Segments(col, 0, k=2)
    assert "vsx-segments" in segments._dom_classes and "vsx-k-slider" in segments.k._dom_classes
    painter = Painter(col, ["sky"])
    assert "vsx-painter" in painter._dom_classes and "vsx-painter-canvas" in painter.canvas._dom_classes
