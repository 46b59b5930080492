"""A selection set from Python before a Projection is displayed survives its first render, in Chromium.

bqplot's brush clears its marks' selection whenever a view of it renders; the SVG scatter puts the
selection back. The canvas scatter draws it for every new view. Both galleries show it, and Python
still holds it after the views rendered.
"""

from __future__ import annotations

import pytest
from notebook_checks import assert_ran_clean, kernel_json, nth

pytestmark = pytest.mark.browser

CHOSEN = [3, 7, 11, 40]
PROJ = ".vsx-projection"
HIGHLIGHT_RGB = (0xFF, 0x7F, 0x0E)  # vsexplore.widgets.palette.HIGHLIGHT: selected points on the canvas

CELLS = [
    "import json\n\nimport vsexplore as vx\nimport vsexplore.datasets\nimport vsexplore.widgets\n\n"
    f"CHOSEN = {CHOSEN}\ncol = vx.datasets.sample_collection()\n"
    "svg = vx.widgets.Projection(col, x='water', y='flower')\nsvg.select(CHOSEN)  # before display\nsvg",
    "fast = vx.widgets.Projection(col, x='water', y='flower', fast_threshold=0)\nfast.select(CHOSEN)\nfast",
    "svg  # a second view of the same widget renders its brush again",
]


def dot_opacities(k: int) -> str:
    """JS: of the k-th Projection's SVG dots, how many are drawn at full and how many at dimmed opacity."""
    return f"""(() => {{
      const root = document.querySelectorAll('{PROJ}')[{k}];
      const alpha = (el) => {{
        let a = 1;
        for (let e = el; e && e !== root; e = e.parentElement) a *= parseFloat(getComputedStyle(e).opacity);
        return a;
      }};
      const a = [...root.querySelectorAll('path.dot')].map(alpha);
      const top = Math.max(...a);
      return {{ n: a.length, bright: a.filter((x) => x > top - 0.01).length,
                dim: a.filter((x) => x < top / 2).length }};
    }})()"""


HIGHLIGHTED_PIXELS = f"""(() => {{
  const c = document.querySelector('{PROJ} .vsx-canvas-scatter');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {{
    if (Math.abs(d[i] - {HIGHLIGHT_RGB[0]}) < 8 && Math.abs(d[i + 1] - {HIGHLIGHT_RGB[1]}) < 8
        && Math.abs(d[i + 2] - {HIGHLIGHT_RGB[2]}) < 8) n += 1;
  }}
  return n;
}})()"""


def test_selection_before_display_survives_render(jupyter_server, run_notebook, artifacts_dir):
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, jupyter_server.root_dir / "projection-selection.ipynb")

    result = run_notebook(
        "projection-selection.ipynb",
        [
            {"type": "run_all", "wait": True, "timeout_ms": 180_000},
            {"type": "wait_for", "selector": f"{PROJ} path.dot", "count": 240},  # both SVG views
            {"type": "wait_for", "selector": f"{PROJ} .vsx-canvas-scatter"},
            {"type": "sleep", "ms": 2000},  # the brush's clearing and its answer have gone back and forth
            {"type": "eval", "name": "svg_dots", "js": dot_opacities(0)},
            {"type": "eval", "name": "second_view_dots", "js": dot_opacities(2)},
            {"type": "eval", "name": "canvas_highlight", "js": HIGHLIGHTED_PIXELS},
            {"type": "count", "name": "svg_gallery", "selector": nth(PROJ, 0, ".vsx-gallery-item")},
            {"type": "count", "name": "canvas_gallery", "selector": nth(PROJ, 1, ".vsx-gallery-item")},
            {"type": "kernel", "name": "python", "code": (
                "mark = svg.scatter.mark.selected\n"
                "print(json.dumps({'svg': svg.selected.tolist(), 'fast': fast.selected.tolist(),\n"
                "  'mark': None if mark is None else mark.tolist()}))")},
            {"type": "screenshot", "path": str(artifacts_dir / "projection-selection.png"), "selector": PROJ},
        ],
        viewport=[1400, 1800],
    )
    assert_ran_clean(result)
    r = result["results"]
    py = kernel_json(result, "python")
    assert py == {"svg": CHOSEN, "fast": CHOSEN, "mark": CHOSEN}, py
    n = 120
    for name in ("svg_dots", "second_view_dots"):  # the chosen dots at full opacity, the others dimmed
        assert r[name] == {"n": n, "bright": len(CHOSEN), "dim": n - len(CHOSEN)}, (name, r[name])
    assert r["canvas_highlight"] > 50, r["canvas_highlight"]  # the chosen points drawn in the highlight
    assert r["svg_gallery"] == r["canvas_gallery"] == len(CHOSEN), (r["svg_gallery"], r["canvas_gallery"])
