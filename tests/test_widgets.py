"""The widgets bind UI to the collection's analyses: driven from Python on the real sample collection."""

from __future__ import annotations

import csv
import html
import json
import shutil

import ipywidgets as w
import numpy as np
import pytest

pytest.importorskip("bqplot")
pytest.importorskip("ipycanvas")

import vsexplore as vx  # noqa: E402
import vsexplore.datasets  # noqa: E402, F401
from vsexplore.widgets import Clusters, Gallery, Heatmaps, Painter, Projection, Segments  # noqa: E402

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
def test_projection_axes_follow_labels_and_modes(col):
    p = Projection(col, x="animal", y="garden")
    np.testing.assert_allclose(p.scatter.x, col.scores(["animal"])[:, 0], rtol=1e-6)
    np.testing.assert_allclose(p.scatter.y, col.scores(["garden"])[:, 0], rtol=1e-6)
    assert p.scatter.x.dtype == np.float32 and p.scatter.color.shape == (len(col),)

    p.x_axis.text.value = "stormy sky"  # what Enter in the box does
    np.testing.assert_allclose(p.scatter.x, col.scores(["stormy sky"])[:, 0], rtol=1e-6)
    assert p.x_bq_axis.label == "stormy sky"

    p.y_axis.mode.value = "diversity"
    np.testing.assert_allclose(p.scatter.y, col.diversity(), rtol=1e-6)
    for k in (1, 2):
        p.y_axis.mode.value = f"PCA {k}"
        np.testing.assert_allclose(p.scatter.y, col.pca(5)[0][:, k - 1], rtol=1e-5, atol=1e-6)

    p.y_axis.mode.value = "jitter (1-D)"  # 1-D: a label on x, seeded jitter on y
    jitter = p.scatter.y.copy()
    np.testing.assert_array_equal(jitter, Projection(col, x="tree", y="jitter (1-D)").scatter.y)
    assert np.ptp(jitter) > 0.5

    p.y_axis.text.value = "water"  # typing a label switches that axis back to label mode
    assert p.y_axis.mode.value == "label"
    np.testing.assert_allclose(p.scatter.y, col.scores(["water"])[:, 0], rtol=1e-6)

    p.x_axis.text.value = "   "
    assert "empty" in p.status.value  # a bad label is reported, the plot keeps its data


def test_projection_modes_in_constructor(col):
    p = Projection(col, x="PCA 1", y="diversity")
    assert p.x_axis.mode.value == "PCA 1" and p.y_axis.mode.value == "diversity"
    np.testing.assert_allclose(p.scatter.y, col.diversity(), rtol=1e-6)


def test_selection_fills_gallery_and_hover_shows_thumbnail(col):
    p = Projection(col)
    p.scatter.selected = np.array([5, 17, 44])  # what a brush or lasso does in the browser
    assert list(p.gallery.indices) == [5, 17, 44]
    assert [img.value for img in p.gallery.images] == [col.thumbnail(i) for i in (5, 17, 44)]
    assert all(img.format == "jpeg" for img in p.gallery.images)

    p.selector_mode.value = "lasso"
    assert p.figure.interaction is p.selectors["lasso"]
    assert len(p.gallery.indices) == 0  # switching tools starts a fresh selection
    p.selector_mode.value = "hover"  # no selector overlay: points get hover and click
    assert p.figure.interaction is None and p.scatter.interactions == {"hover": "tooltip", "click": "select"}

    p.select(range(60))
    assert len(p.gallery.images) == p.gallery.limit and "60 images" in p.gallery.summary.value

    p._hovered(p.scatter, {"event": "hover", "data": {"x": 0.1, "y": 0.2, "index": 44}})  # as bqplot sends it
    assert p.hover_image.value == col.thumbnail(44)
    assert p.hover_name.value == col.display_name(44)


def test_brush_drag_updates_gallery_on_release(col):
    p = Projection(col)
    brush = p.selectors["brush"]
    brush.brushing = True
    p.scatter.selected = np.array([1, 2])
    assert len(p.gallery.indices) == 0  # not while dragging
    brush.brushing = False
    assert list(p.gallery.indices) == [1, 2]


def test_tags_persist_and_export(writable_col, tmp_path):
    p = Projection(writable_col)
    p.select([3, 4, 50])
    p.tags.tag_text.value = "keep"
    p.tags.tag_button.click()
    assert writable_col.tags["keep"] == [3, 4, 50]
    assert p.scatter.color[[3, 4, 50]].tolist() == [1, 1, 1] and p.scatter.color.sum() == 3
    assert vx.Collection.open(writable_col.url, model=writable_col.model).tags == {"keep": [3, 4, 50]}

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


def test_tag_needs_a_selection_and_a_name(writable_col):
    p = Projection(writable_col)
    p.tags.tag_text.value = "keep"
    assert p.tags.tag() == 0 and "select" in p.tags.status.value
    p.select([1])
    assert p.tags.tag("  ") == 0 and writable_col.tags == {}


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
    clusters = Clusters(evil_col, ["tree", "sunset"])
    views = [projection, clusters, Heatmaps(evil_col, evil, ["<b>sky</b>"]), Segments(evil_col, evil, k=2)]
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
