"""examples/00-quickstart.ipynb run in JupyterLab in a real browser: no errors, its images rendered."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# naturalWidth/Height of every image in an output area (0 while not loaded or broken)
IMAGE_SIZES = """[...document.querySelectorAll('.jp-OutputArea-output img')]
  .map((img) => [img.complete ? img.naturalWidth : 0, img.complete ? img.naturalHeight : 0])"""


def test_quickstart_runs_and_renders(run_notebook, artifacts_dir):
    result = run_notebook(
        "00-quickstart.ipynb",
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": ".jp-OutputArea-output img", "timeout_ms": 30_000},
            {"type": "eval", "name": "images", "js": IMAGE_SIZES},
            {"type": "count", "name": "outputs", "selector": ".jp-OutputArea-output"},
        ],
        screenshot=str(artifacts_dir / "00-quickstart.png"),
    )
    assert not result["errors"], result["summary"]
    assert not result["cell_errors"], result["summary"]
    code_cells = [c for c in result["cells"] if c["type"] == "code"]
    assert code_cells and all(c["execution_count"] is not None for c in code_cells), result["summary"]
    # the heatmap cell shows one PNG: three maps side by side over the astronaut photo
    assert result["results"]["images"], "no image output rendered"
    assert all(w > 0 and h > 0 for w, h in result["results"]["images"]), result["results"]["images"]
    assert result["results"]["outputs"] >= len(code_cells)
    assert (artifacts_dir / "00-quickstart.png").stat().st_size > 10_000
