"""A Projection of 100,000 images (the canvas scatter) in Chromium: how long it takes to draw, and that
hovering and brushing still work.

The store is synthetic (benchmarks/queries.py: grow_store, composites of the real sample rows), built once
(~40 s) into the vsexplore cache and reused while the sample store it copies is unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from notebook_checks import assert_ran_clean, kernel_json

pytestmark = pytest.mark.browser

N = 100_000
RENDER_LIMIT_MS = 1500
CANVAS = ".vsx-canvas-scatter"
POINT_RGB = (0x1F, 0x77, 0xB4)  # vsexplore.widgets.palette.UNTAGGED

# Installed before the cells run: on the kernel's IOPub messages, stamp (performance.now(), ms) the
# Projection cell's execute_input (the kernel starts executing it) and the first widget display message
# after it (the output that makes JupyterLab create the views); from that display on, check every animation
# frame whether the canvas shows points (more than 1000 sampled pixels of the point colour) and stamp that.
TIMING_HOOK = f"""(() => {{
  const marks = window.__vsxMarks = {{}};
  const kernel = window.__vsxPanel().sessionContext.session.kernel;
  const pointsDrawn = () => {{
    const c = document.querySelector('{CANVAS}');
    if (!c || !c.width) return false;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 16) {{
      if (Math.abs(d[i] - {POINT_RGB[0]}) < 8 && Math.abs(d[i + 1] - {POINT_RGB[1]}) < 8
          && Math.abs(d[i + 2] - {POINT_RGB[2]}) < 8) n += 1;
    }}
    return n > 1000;
  }};
  const watch = () => {{
    if (pointsDrawn()) {{ marks.drawn = performance.now(); return; }}
    requestAnimationFrame(watch);
  }};
  kernel.iopubMessage.connect((_, msg) => {{
    const t = performance.now();
    const type = msg.header.msg_type;
    if (type === 'execute_input' && msg.content.code.includes('vx.widgets.Projection(')) marks.exec = t;
    if (marks.exec && !marks.display && (type === 'execute_result' || type === 'display_data')
        && msg.content.data?.['application/vnd.jupyter.widget-view+json']) {{
      marks.display = t;
      requestAnimationFrame(watch);
    }}
  }});
  return true;
}})()"""

MARKS = "window.__vsxMarks"

CELLS = [
    "import json\nimport time\n\nimport numpy as np\n\nimport vsexplore as vx\nimport vsexplore.widgets\n\n"
    "start = time.perf_counter()\ncol = vx.Collection.open(STORE)\nopen_s = time.perf_counter() - start\n"
    "start = time.perf_counter()\ncol.scores(['sky', 'water'])  # cold: the codes are read from disk\n"
    "scores_s = time.perf_counter() - start\n"
    "print(f'{len(col)} images: opened in {open_s:.2f} s, two labels scored in {scores_s:.2f} s')",
    # the timed cell: scoring both axes again (warm) and the canvas' draw commands, then the display
    "start = time.perf_counter()\nprojection = vx.widgets.Projection(col, x='sky', y='water')\n"
    "build_s = time.perf_counter() - start\nprojection",
]

# a point near the canvas' centre, as fractions of the canvas, to hover (the points form clusters)
TARGET = """
s = projection.scatter
i = s.nearest(s.width / 2, s.height / 2, radius=10_000)
px, py = (float(v) for v in s.to_pixels(s.x[i], s.y[i]))
print(json.dumps({'index': i, 'fx': px / s.width, 'fy': py / s.height}))
"""
TARGET_AT = "(() => { const t = JSON.parse(window.__vsxResults.target.stdout.trim().split('\\n').pop());" \
    " return [t.fx, t.fy]; })()"

HOVER_STATE = """
s = projection.scatter
h = s.hovered
px, py = (None, None) if h is None else (float(v) for v in s.to_pixels(s.x[h], s.y[h]))
print(json.dumps({'hovered': h, 'px': px, 'py': py, 'name': projection.hover_name.value,
    'expected': None if h is None else col.display_name(h), 'width': s.width, 'height': s.height}))
"""

BRUSH = [0.15, 0.1, 0.9, 0.85]  # fx0, fy0, fx1, fy1 of the canvas

# the selection, and the points inside the dragged rectangle shrunk and grown by 2 px (mouse rounding)
SELECTION_STATE = f"""
s = projection.scatter
sel = projection.selected
px, py = s.to_pixels(s.x, s.y)
x0, y0, x1, y1 = np.array({BRUSH}) * [s.width, s.height, s.width, s.height]
def inside(m):
    return set(np.flatnonzero((px >= x0 - m) & (px <= x1 + m) & (py >= y0 - m) & (py <= y1 + m)).tolist())
chosen = set(sel.tolist())
print(json.dumps({{'n': len(sel), 'gallery': len(projection.gallery.indices),
    'limit': projection.gallery.limit, 'within_grown': chosen <= inside(2),
    'covers_shrunk': inside(-2) <= chosen, 'n_shrunk': len(inside(-2))}}))
"""

HOVER_TEXT = """(() => {
  const t = document.querySelector('.vsx-projection .vsx-hover-thumb');
  const img = t?.querySelector('img');
  return { text: t?.innerText.trim() ?? null, width: img?.complete ? img.naturalWidth : 0 };
})()"""

GALLERY_FULL = """(() => {
  const items = [...document.querySelectorAll('.vsx-projection .vsx-gallery-item')];
  return items.length > 0 && items.every((i) => { const img = i.querySelector('img');
    return img.complete && img.naturalWidth > 0; });
})()"""


def _synthetic_store() -> str:
    """The cached 100k-image store (built on first use or when the sample store changed)."""
    import vsexplore.datasets
    from vsexplore.data.cache import cache_dir
    from vsexplore.store import FORMAT

    source = vsexplore.datasets.sample_collection()
    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "queries.py"
    key = json.dumps({"n": N, "format": FORMAT, "source_images": len(source),
                      "source_model": source.group.attrs["model_fingerprint"],
                      "grower": hashlib.sha1(bench.read_bytes()).hexdigest()})
    target = cache_dir("browser-tests") / f"synthetic-{N}.vsx"
    marker = target.with_suffix(".json")
    if not (marker.exists() and marker.read_text() == key and target.exists()):
        spec = importlib.util.spec_from_file_location("vsexplore_bench_queries", bench)
        queries = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(queries)
        marker.unlink(missing_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        queries.grow_store(source.url, str(target), N)
        marker.write_text(key)
    return str(target)


def test_projection_100k_renders_fast_and_hovers(jupyter_server, run_notebook, artifacts_dir):
    """Render (the widget's display message → points on the canvas) ≤ 1.5 s; hover and brush reach Python."""
    import nbformat

    store = _synthetic_store()
    cells = [f"STORE = {store!r}\n" + CELLS[0], CELLS[1]]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, jupyter_server.root_dir / "projection-100k.ipynb")

    result = run_notebook(
        "projection-100k.ipynb",
        [
            {"type": "eval", "name": "hook", "js": TIMING_HOOK},
            {"type": "run_all", "timeout_ms": 180_000},
            {"type": "timing", "name": "drawn_after_idle_ms", "start_after": "run_all", "timeout_ms": 30_000,
             "js": f"{MARKS}.drawn !== undefined"},
            {"type": "eval", "name": "marks", "js": MARKS},
            {"type": "kernel", "name": "python", "code": (
                "print(json.dumps({'n': len(col), 'open_s': open_s, 'scores_s': scores_s,\n"
                "  'build_s': build_s, 'canvas': type(projection.scatter).__name__}))")},
            {"type": "canvas_nonblank", "name": "canvas_rendered", "selector": CANVAS},
            {"type": "screenshot", "path": str(artifacts_dir / "projection-100k.png"),
             "selector": ".vsx-projection"},
            # hover: a point near the canvas' centre
            {"type": "kernel", "name": "target", "code": TARGET},
            {"type": "eval", "name": "target_at", "js": TARGET_AT},
            {"type": "hover", "label": "hover", "selector": CANVAS, "at_from": "target_at"},
            {"type": "timing", "name": "hover_ms", "start_after": "hover", "timeout_ms": 15_000,
             "js": f"(() => {{ const h = {HOVER_TEXT};"
                   " return /^\\d{7}\\.jpg$/.test(h.text) && h.width > 0; })()"},
            # the mouse crossed other points on its way: let the last hover settle, then compare
            {"type": "sleep", "ms": 500},
            {"type": "kernel", "name": "hover_py", "code": HOVER_STATE},
            {"type": "timing", "name": "hover_settled_ms", "start_after": "hover", "timeout_ms": 15_000,
             "js": f"{HOVER_TEXT}.text === JSON.parse("
                   "window.__vsxResults.hover_py.stdout.trim().split('\\n').pop()).name"},
            {"type": "eval", "name": "hover_dom", "js": HOVER_TEXT},
            {"type": "screenshot", "path": str(artifacts_dir / "projection-100k-hover.png"),
             "selector": ".vsx-projection"},
            # brush: a drag across most of the plot selects the points inside; the gallery shows them
            {"type": "drag", "label": "brush", "selector": CANVAS, "from": BRUSH[:2], "to": BRUSH[2:]},
            {"type": "timing", "name": "brush_gallery_ms", "start_after": "brush", "timeout_ms": 30_000,
             "js": GALLERY_FULL},
            {"type": "kernel", "name": "selection", "code": SELECTION_STATE},
            {"type": "count", "name": "gallery_items", "selector": ".vsx-projection .vsx-gallery-item"},
        ],
        timeout_s=240,
        viewport=[1400, 1200],
    )
    assert_ran_clean(result)
    r = result["results"]
    py = kernel_json(result, "python")
    assert py["n"] == N and py["canvas"] == "CanvasScatter", py
    marks = r["marks"]
    python_ms = marks["display"] - marks["exec"]
    render_ms = marks["drawn"] - marks["display"]
    print(f"\n100k Projection: store opened in {py['open_s']:.2f} s; two labels scored cold in "
          f"{py['scores_s']:.2f} s (cell 1, not part of the timings below)\n"
          f"  cell 2 in Python, Projection(...) built (both axes scored warm + draw commands): "
          f"{py['build_s']:.2f} s\n"
          f"  browser: cell start (execute_input) → widget display message: {python_ms:.0f} ms\n"
          f"  browser: display message → points on the canvas (render): {render_ms:.0f} ms\n"
          f"  browser: cell start → points on the canvas (total): {marks['drawn'] - marks['exec']:.0f} ms")
    assert r["canvas_rendered"]["nonblank"] and r["canvas_rendered"]["colours"] > 5, r["canvas_rendered"]
    assert render_ms <= RENDER_LIMIT_MS, f"render took {render_ms:.0f} ms > {RENDER_LIMIT_MS} ms"

    # hover: Python found a point under the mouse (the target, or one as near), the box beside the canvas
    # shows its thumbnail and name
    hover = kernel_json(result, "hover_py")
    assert hover["hovered"] is not None, hover
    fx, fy = r["target_at"]
    assert np.hypot(hover["px"] - fx * hover["width"], hover["py"] - fy * hover["height"]) <= 6 + 1, hover
    assert hover["name"] == hover["expected"] == r["hover_dom"]["text"], (hover, r["hover_dom"])
    print(f"  hover → thumbnail: {r['hover_ms']} ms; brush → gallery: {r['brush_gallery_ms']} ms")

    # brush: the selection is the points in the dragged rectangle; the gallery holds it
    sel = kernel_json(result, "selection")
    assert 0 < sel["n"] < N and sel["gallery"] == sel["n"], sel
    assert sel["within_grown"] and sel["covers_shrunk"], sel
    assert r["gallery_items"] == min(sel["n"], sel["limit"]), (r["gallery_items"], sel)
