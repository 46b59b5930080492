"""examples/01-04 run in JupyterLab in Chromium: no errors, the widgets rendered, and mouse and keyboard
interactions reach Python and change what is shown (hover, brush, axis label, painting, k slider)."""

from __future__ import annotations

import numpy as np
import pytest
from notebook_checks import FIND_WIDGETS, assert_ran_clean, images_js, kernel_json, nth, pixels_js

pytestmark = pytest.mark.browser

PROJ = ".vsx-projection"
GALLERY_LIMIT = 48  # vsexplore.widgets.gallery.GALLERY_LIMIT (not imported: no torch in this process)

# bqplot draws each scatter point as <g class="object_grp" transform="translate(x, y)"><path class="dot">
DOT_POSITIONS = r"""[...document.querySelectorAll('.vsx-projection')[0].querySelectorAll('g.object_grp')]
  .map((g) => {
    const m = /translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)/.exec(g.getAttribute('transform') ?? '');
    return m ? [Number(m[1]), Number(m[2])] : null;
  })"""

# the dot of the first Projection nearest the plot's centre that is on top at its own centre (not covered by
# another dot; and far from the figure's top-right corner, where bqplot's toolbar shows on mouse-over)
PICK_UNCOVERED_DOT = """(() => {
  const p = document.querySelectorAll('.vsx-projection')[0];
  const area = p.querySelector('.plotarea_background').getBoundingClientRect();
  const [cx, cy] = [area.x + area.width / 2, area.y + area.height / 2];
  let best = -1, bestD = Infinity;
  for (const [i, d] of [...p.querySelectorAll('path.dot')].entries()) {
    const b = d.getBoundingClientRect();
    const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
    const dist = Math.hypot(x - cx, y - cy);
    if (b.width > 0 && dist < bestD && document.elementFromPoint(x, y) === d) [best, bestD] = [i, dist];
  }
  return best;
})()"""

HOVER_THUMB = """(() => {
  const t = document.querySelector('.vsx-hover-thumb');
  if (!t) return null;
  const img = t.querySelector('img');
  const style = getComputedStyle(t.parentElement);
  return {
    width: img && img.complete ? img.naturalWidth : 0, height: img && img.complete ? img.naturalHeight : 0,
    text: t.innerText.trim(), tooltip_opacity: Number(style.opacity), tooltip_display: style.display,
  };
})()"""


def shot(artifacts_dir, name: str) -> str:
    """Where this run's screenshot ``name`` goes."""
    return str(artifacts_dir / name)


def gallery_filled(count: str) -> str:
    """JS: the first Projection's gallery says `count` images and holds that many (up to its limit) loaded
    items; `count` is a JS expression (null: whatever its summary line says, "61 images, ...")."""
    return f"""(() => {{
  const g = document.querySelectorAll('.vsx-projection')[0].querySelector('.vsx-gallery');
  const m = /^(\\d+) images/.exec(g.children[0].innerText.trim());
  const n = {count} ?? (m ? Number(m[1]) : null);
  if (!m || Number(m[1]) !== n) return false;
  const items = [...g.querySelectorAll('.vsx-gallery-item')];
  const loaded = (img) => img.complete && img.naturalWidth > 0;
  return items.length === Math.min(n, {GALLERY_LIMIT}) && items.every((i) => loaded(i.querySelector('img')));
}})()"""


# the selection Python holds, as read by the `selection` kernel action
PY_SELECTED = "JSON.parse(window.__vsxResults.selection.stdout.trim().split('\\n').pop()).selected.length"

GALLERY_NAMES = """[...document.querySelectorAll('.vsx-projection')[0].querySelectorAll('.vsx-gallery-item')]
  .map((i) => i.querySelectorAll('.widget-label')[0].innerText.trim())"""

NEW_LABEL = "sunset over the sea"


def test_01_projections(run_notebook, artifacts_dir):
    """Two Projections and Clusters render; typing an axis label moves the points to the label's scores,
    hovering a point (hover tool) shows its thumbnail and name, brushing fills the gallery."""

    result = run_notebook(
        "01-projections.ipynb",
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": f"{PROJ} path.dot", "count": 240},
            {"type": "count", "name": "dots_0", "selector": nth(PROJ, 0, "path.dot")},
            {"type": "count", "name": "dots_1", "selector": nth(PROJ, 1, "path.dot")},
            {"type": "canvas_nonblank", "name": "scatter_rendered", "selector": ".vsx-scatter-figure"},
            {"type": "wait_for", "selector": ".vsx-cluster-group .vsx-gallery-item"},
            {"type": "count", "name": "cluster_groups", "selector": ".vsx-cluster-group"},
            {"type": "count", "name": "cluster_items", "selector": ".vsx-cluster-group .vsx-gallery-item"},
            {"type": "eval", "name": "cluster_images",
             "js": images_js(".vsx-cluster-group .vsx-gallery-item img")},
            {"type": "canvas_nonblank", "name": "histogram_rendered", "selector": ".vsx-margin-histogram"},
            {"type": "kernel", "name": "before", "code": (
                "import json\n"
                "print(json.dumps({'n': len(col), 'names': [col.display_name(i) for i in range(len(col))],\n"
                "  'x': projection.scatter.x.tolist(), 'y': projection.scatter.y.tolist()}))")},
            # -- a new x label, typed into the axis box --------------------------------------------------
            {"type": "eval", "name": "positions_before", "js": f"(window.__vsxBefore = {DOT_POSITIONS})"},
            {"type": "fill", "label": "type_label", "selector": nth(PROJ, 0, ".vsx-axis-x input"),
             "text": NEW_LABEL, "press": "Enter"},
            {"type": "timing", "name": "axis_moved_ms", "start_after": "type_label",
             "js": f"JSON.stringify({DOT_POSITIONS}) !== JSON.stringify(window.__vsxBefore)",
             "timeout_ms": 30_000},
            {"type": "sleep", "ms": 300},
            {"type": "eval", "name": "positions_after", "js": DOT_POSITIONS},
            {"type": "kernel", "name": "after_axis", "code": (
                "print(json.dumps({'x': projection.scatter.x.tolist(),\n"
                "  'label': projection.scatter.x_axis.label,\n"
                f"  'scores': col.scores([{NEW_LABEL!r}])[:, 0].tolist(),\n"
                "  'status': projection.status.value}))")},
            # scrolls the Projection into view, so the hover below does not scroll (which would end it)
            {"type": "screenshot", "path": shot(artifacts_dir, "01-projection-new-axis.png"),
             "selector": PROJ},
            # -- hover tool: a point's thumbnail and file name ------------------------------------------
            {"type": "click", "selector": nth(PROJ, 0, ".vsx-selector-mode button:has-text('hover')")},
            {"type": "wait_for", "selector": nth(PROJ, 0, ".brushintsel"), "state": "detached"},
            {"type": "eval", "name": "hover_index", "js": PICK_UNCOVERED_DOT},
            {"type": "hover", "label": "hover_dot", "selector": nth(PROJ, 0, "path.dot"),
             "index_from": "hover_index"},
            {"type": "timing", "name": "hover_thumb_ms", "start_after": "hover_dot", "timeout_ms": 15_000,
             "js": "(() => { const t = document.querySelector('.vsx-hover-thumb');"
                   " const i = t?.querySelector('img');"
                   " return !!(i && i.complete && i.naturalWidth > 0 && t.innerText.trim()); })()"},
            {"type": "eval", "name": "hover_thumb", "js": HOVER_THUMB},
            {"type": "kernel", "name": "hover_py", "code": "print(json.dumps(projection.hover_name.value))"},
            {"type": "screenshot", "path": shot(artifacts_dir, "01-projection-hover.png"), "selector": PROJ},
            # -- brush: the gallery fills with the selection ---------------------------------------------
            {"type": "click", "selector": nth(PROJ, 0, ".vsx-selector-mode button:has-text('brush')")},
            {"type": "wait_for", "selector": nth(PROJ, 0, ".brushintsel"), "state": "attached"},
            # bqplot's plot area starts ~60 px into the figure: start the drag well inside it
            {"type": "drag", "label": "brush", "selector": nth(PROJ, 0, ".vsx-scatter-figure"),
             "from": [0.25, 0.08], "to": [0.92, 0.85]},
            {"type": "timing", "name": "gallery_filled_ms", "start_after": "brush",
             "js": gallery_filled("null"), "timeout_ms": 30_000},
            # the selection as it ended in Python (the brush's last messages came before this request) ...
            {"type": "kernel", "name": "selection", "code": (
                "print(json.dumps({'selected': projection.selected.tolist(),\n"
                "  'gallery': projection.gallery.indices.tolist(), 'limit': projection.gallery.limit}))")},
            # ... and the gallery showing it (an intermediate selection may have shown first)
            {"type": "timing", "name": "gallery_final_ms", "start_after": "brush",
             "js": gallery_filled(PY_SELECTED), "timeout_ms": 30_000},
            {"type": "count", "name": "gallery_items", "selector": nth(PROJ, 0, ".vsx-gallery-item")},
            {"type": "eval", "name": "gallery_images",
             "js": images_js(".vsx-projection .vsx-gallery-item img")},
            {"type": "eval", "name": "gallery_names", "js": GALLERY_NAMES},
            {"type": "screenshot", "path": shot(artifacts_dir, "01-projection-gallery.png"),
             "selector": PROJ},
        ],
        viewport=[1400, 1800],
    )
    assert_ran_clean(result)
    r = result["results"]
    before = kernel_json(result, "before")
    n = before["n"]
    assert n == 120
    # every image is one bqplot point, in both Projections, and the SVG is drawn
    assert r["dots_0"] == n and r["dots_1"] == n, (r["dots_0"], r["dots_1"])
    assert r["scatter_rendered"]["nonblank"] and r["scatter_rendered"]["colours"] > 10, r["scatter_rendered"]
    # Clusters: four groups of thumbnails, loaded, and a drawn margin histogram
    assert r["cluster_groups"] == 4, r["cluster_groups"]
    assert r["cluster_items"] > 0, r["cluster_items"]
    assert all(w > 0 and h > 0 for w, h in r["cluster_images"]), r["cluster_images"]
    assert r["histogram_rendered"]["nonblank"], r["histogram_rendered"]

    # new x label: Python's x are the label's scores; the dots moved horizontally, in the scores' order,
    # and vertically not at all
    after = kernel_json(result, "after_axis")
    assert after["label"] == NEW_LABEL and after["status"] == "", after["status"]
    np.testing.assert_allclose(after["x"], after["scores"], rtol=0, atol=1e-6)
    assert not np.allclose(after["x"], before["x"])
    pos0, pos1 = np.array(r["positions_before"], float), np.array(r["positions_after"], float)
    assert pos0.shape == pos1.shape == (n, 2)
    np.testing.assert_allclose(pos1[:, 1], pos0[:, 1], atol=0.5)
    assert np.abs(pos1[:, 0] - pos0[:, 0]).max() > 5
    assert np.corrcoef(pos1[:, 0], after["scores"])[0, 1] > 0.9999  # a linear scale: pixel x ∝ score
    print(f"axis label → points moved: {r['axis_moved_ms']} ms")

    # hover: the tooltip shows the hovered point's thumbnail and its file name, which Python set
    i = r["hover_index"]
    assert 0 <= i < n, "no uncovered dot to hover"
    thumb = r["hover_thumb"]
    assert thumb and thumb["width"] > 0 and thumb["height"] > 0, thumb
    assert thumb["tooltip_opacity"] > 0 and thumb["tooltip_display"] != "none", thumb
    assert kernel_json(result, "hover_py") == before["names"][i] == thumb["text"], (thumb, before["names"][i])
    print(f"hover → thumbnail shown: {r['hover_thumb_ms']} ms")

    # brush: the gallery shows the selection (its first GALLERY_LIMIT), thumbnails loaded, names in order
    sel = kernel_json(result, "selection")
    selected = sel["selected"]
    assert len(selected) > 0, "the brush selected nothing"
    assert sel["gallery"] == selected
    assert r["gallery_items"] == min(len(selected), sel["limit"]) > 0, (r["gallery_items"], len(selected))
    assert len(r["gallery_images"]) == r["gallery_items"]
    assert all(w > 0 and h > 0 for w, h in r["gallery_images"]), r["gallery_images"]
    assert r["gallery_names"] == [before["names"][k] for k in selected[: sel["limit"]]]
    print(f"brush → gallery filled: {r['gallery_filled_ms']} ms, with the final {len(selected)}: "
          f"{r['gallery_final_ms']} ms")


SEGMENTS_STATE = FIND_WIDGETS + """
from vsexplore.widgets import Heatmaps, Segments
_seg = _vsx_find(Segments)[0]
print(_json.dumps({'heatmaps': len(_vsx_find(Heatmaps)), 'segments': len(_vsx_find(Segments)),
    'k': _seg.k.value, 'ids': sorted(set(_seg.segments.ravel().tolist())), 'name': _seg.name.value,
    'expected_name': col.display_name(lake)}))
"""

SEGMENTS_OVERLAY = ".vsx-segments img.vsx-overlay"


def test_02_heatmaps_and_segments(run_notebook, artifacts_dir):
    """Three Heatmaps and a Segments render their overlays; the k slider (keyboard) re-segments the image."""

    result = run_notebook(
        "02-heatmaps-and-segments.ipynb",
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": ".vsx-overlay", "count": 4},
            {"type": "count", "name": "heatmaps", "selector": ".vsx-heatmaps"},
            {"type": "eval", "name": "overlays", "js": images_js("img.vsx-overlay")},
            {"type": "canvas_nonblank", "name": "heatmap_rendered", "selector": ".vsx-heatmaps .vsx-overlay"},
            {"type": "canvas_nonblank", "name": "segments_rendered", "selector": SEGMENTS_OVERLAY},
            {"type": "eval", "name": "legends", "js": "[...document.querySelectorAll('.vsx-legend')]"
                                                      ".map((l) => l.innerText.trim().split(/\\s*\\n\\s*/))"},
            {"type": "kernel", "name": "before", "code": SEGMENTS_STATE},
            {"type": "eval", "name": "pixels_before", "js": pixels_js(SEGMENTS_OVERLAY)},
            {"type": "eval", "name": "src_before",
             "js": f"(window.__vsxSrc = document.querySelector('{SEGMENTS_OVERLAY}').src)"},
            {"type": "screenshot", "path": shot(artifacts_dir, "02-heatmaps.png"),
             "selector": ".vsx-heatmaps"},
            {"type": "screenshot", "path": shot(artifacts_dir, "02-weak-segmentation.png"),
             "selector": ".vsx-heatmaps", "index": 2},
            # focus the k slider's handle, then one step right with the keyboard
            {"type": "click", "selector": ".vsx-k-slider .noUi-handle"},
            {"type": "press", "label": "k_up", "key": "ArrowRight"},
            {"type": "timing", "name": "overlay_changed_ms", "start_after": "k_up", "timeout_ms": 30_000,
             "js": "(() => { const i = document.querySelector('.vsx-segments img.vsx-overlay');"
                   " return i.src !== window.__vsxSrc && i.complete && i.naturalWidth > 0; })()"},
            {"type": "kernel", "name": "after", "code": SEGMENTS_STATE},
            {"type": "eval", "name": "pixels_after", "js": pixels_js(SEGMENTS_OVERLAY)},
            {"type": "eval", "name": "slider_after",
             "js": "document.querySelector('.vsx-k-slider .noUi-handle').getAttribute('aria-valuenow')"},
            {"type": "screenshot", "path": shot(artifacts_dir, "02-segments.png"),
             "selector": ".vsx-segments"},
        ],
        viewport=[1400, 1400],
    )
    assert_ran_clean(result)
    r = result["results"]
    before, after = kernel_json(result, "before"), kernel_json(result, "after")
    assert before["heatmaps"] == r["heatmaps"] == 3 and before["segments"] == 1
    assert len(r["overlays"]) == 4 and all(w > 0 and h > 0 for w, h in r["overlays"]), r["overlays"]
    # a blank canvas has one colour; segments are k flat colours blended over the photo (7×7 cells
    # at the default's 224 px, so fewer distinct colours than the heatmap's smooth ramp)
    assert r["heatmap_rendered"]["colours"] > 100 and r["segments_rendered"]["colours"] > 40
    assert before["name"] == before["expected_name"]
    # legends: the label names of each Heatmaps, background first in weak-segmentation mode, k segments
    assert ["sky", "water", "cloud"] in r["legends"], r["legends"]
    assert ["background", "sky", "water", "cloud"] in r["legends"], r["legends"]
    assert ["segment 1", "segment 2", "segment 3"] in r["legends"], r["legends"]

    # k 3 → 4: Python re-segmented (ids 0..3), the overlay is a new, different picture
    assert before["k"] == 3 and before["ids"] == [0, 1, 2], before
    assert after["k"] == 4 and r["slider_after"] in ("4", "4.0"), (after, r["slider_after"])
    assert after["ids"] == [0, 1, 2, 3], after
    assert r["pixels_after"]["w"] == r["pixels_before"]["w"] > 0
    assert r["pixels_after"]["hash"] != r["pixels_before"]["hash"], "the segments overlay did not change"
    print(f"k slider → new overlay: {r['overlay_changed_ms']} ms")


PAINTER_STATE = """
import json
print(json.dumps({'concept': painter.concept.value, 'water': painter.grids['water'].tolist(),
    'sky': painter.grids['sky'].tolist(), 'indices': painter.results.indices.tolist(),
    'status': painter.status.value}))
"""
RESULT_SRCS = "[...document.querySelectorAll('.vsx-painter-results .vsx-gallery-item img')].map((i) => i.src)"


def test_03_painted_search(run_notebook, artifacts_dir):
    """The Painter renders its grid and ranked gallery; a mouse stroke on the canvas paints the grid in
    Python and changes the ranking, and the gallery shows the new one."""

    result = run_notebook(
        "03-painted-search.ipynb",
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": ".vsx-painter-results .vsx-gallery-item", "count": 12},
            {"type": "canvas_nonblank", "name": "canvas_rendered", "selector": ".vsx-painter-canvas"},
            {"type": "eval", "name": "results_images", "js": images_js(".vsx-painter-results img")},
            # paint `water`: pick the concept (the canvas redraws its empty grid)
            {"type": "click", "selector": ".vsx-concepts button:has-text('water')"},
            {"type": "wait_for", "selector": ".vsx-concepts button.mod-active:has-text('water')"},
            {"type": "kernel", "name": "before", "code": PAINTER_STATE},
            {"type": "sleep", "ms": 300},  # the canvas' redraw, sent before the kernel answered, lands
            {"type": "eval", "name": "canvas_before", "js": pixels_js(".vsx-painter-canvas")},
            {"type": "eval", "name": "srcs_before", "js": f"(window.__vsxSrcs = {RESULT_SRCS})"},
            # a stroke along the bottom row, left to right (7 cells of 56 px; 14 mouse moves)
            {"type": "drag", "label": "stroke", "selector": ".vsx-painter-canvas",
             "from": [0.03, 0.93], "to": [0.97, 0.93], "steps": 14},
            {"type": "timing", "name": "results_changed_ms", "start_after": "stroke", "timeout_ms": 30_000,
             "js": f"(() => {{ const s = {RESULT_SRCS}; const imgs = document.querySelectorAll("
                   "'.vsx-painter-results .vsx-gallery-item img');"
                   " return s.length === 12 && s.every((x) => !window.__vsxSrcs.includes(x))"
                   " && [...imgs].every((i) => i.complete && i.naturalWidth > 0); })()"},
            {"type": "kernel", "name": "after", "code": PAINTER_STATE},
            {"type": "eval", "name": "canvas_after", "js": pixels_js(".vsx-painter-canvas")},
            {"type": "screenshot", "path": shot(artifacts_dir, "03-painter.png"), "selector": ".vsx-painter"},
        ],
        viewport=[1400, 1600],
    )
    assert_ran_clean(result)
    r = result["results"]
    before, after = kernel_json(result, "before"), kernel_json(result, "after")
    assert r["canvas_rendered"]["nonblank"], r["canvas_rendered"]
    assert len(r["results_images"]) == 12 and all(w > 0 and h > 0 for w, h in r["results_images"])
    assert before["concept"] == after["concept"] == "water"
    assert not np.any(before["water"]), "water was painted before the stroke"
    # the stroke reached Python: the bottom row of `water` is + (1), nothing else changed
    water = np.array(after["water"])
    assert np.all(water[-1] == 1.0), water
    assert not np.any(water[:-1]), water
    assert after["sky"] == before["sky"]
    assert "sky, water" in after["status"], after["status"]
    # the ranking changed, and the canvas shows the painted cells
    assert after["indices"] != before["indices"], "the ranking did not change"
    assert r["canvas_after"]["hash"] != r["canvas_before"]["hash"]
    print(f"stroke → new ranking shown: {r['results_changed_ms']} ms; "
          f"top 5 before {before['indices'][:5]}, after {after['indices'][:5]}")


def test_04_train_your_own(run_notebook, artifacts_dir):
    """The training notebook runs (about a minute) and shows its heatmap figure."""
    result = run_notebook(
        "04-train-your-own.ipynb",
        [
            {"type": "run_all", "timeout_ms": 270_000},
            {"type": "wait_for", "selector": ".jp-OutputArea-output img"},
            {"type": "eval", "name": "images", "js": images_js(".jp-OutputArea-output img")},
            {"type": "kernel", "name": "state", "code": (
                "import json, math\n"
                "print(json.dumps({'epochs': len(history), 'loss': history[-1]['loss'],\n"
                "  'weights': (workdir / 'my-head.safetensors').stat().st_size}))")},
        ],
        timeout_s=300,
    )
    assert_ran_clean(result)
    r = result["results"]
    assert len(r["images"]) == 1 and all(w > 0 and h > 0 for w, h in r["images"]), r["images"]
    state = kernel_json(result, "state")
    assert state["epochs"] == 4 and np.isfinite(state["loss"]) and state["weights"] > 0, state
    print(f"04 ran in {result['timings']['run_all'] / 1000:.1f} s")
