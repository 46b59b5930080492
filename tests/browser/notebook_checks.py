"""Shared checks and page snippets for the browser tests (imported by the test modules next to it)."""

from __future__ import annotations

import json


def nth(selector: str, k: int, inner: str = "") -> str:
    """A Playwright selector chain: the k-th element matching ``selector``, then ``inner`` inside it."""
    return f"{selector} >> nth={k}" + (f" >> {inner}" if inner else "")


def assert_ran_clean(result: dict) -> list[dict]:
    """No runner error, no cell error, every code cell executed, no dialog; returns the code cells."""
    assert not result["errors"], result["summary"]
    assert not result["cell_errors"], result["summary"]
    code_cells = [c for c in result["cells"] if c["type"] == "code"]
    assert code_cells, "no code cells found in the notebook"
    assert all(c["execution_count"] is not None for c in code_cells), result["summary"]
    assert not result["dialogs"], f"the page opened dialogs: {result['dialogs']}"
    return code_cells


def kernel_json(result: dict, name: str):
    """The JSON printed (last stdout line) by a `kernel` action."""
    out = result["results"][name]
    assert out["error"] is None, f"kernel code {name} failed: {out['error']}\n{out['stderr']}"
    lines = out["stdout"].strip().splitlines()
    assert lines, f"kernel code {name} printed nothing; stderr:\n{out['stderr']}"
    return json.loads(lines[-1])


def images_js(selector: str) -> str:
    """[naturalWidth, naturalHeight] of every <img> matching a CSS selector (0, 0 while not loaded)."""
    return f"""[...document.querySelectorAll({json.dumps(selector)})].map((img) =>
      [img.complete ? img.naturalWidth : 0, img.complete ? img.naturalHeight : 0])"""


def pixels_js(selector: str, k: int = 0) -> str:
    """A checksum of the pixels of the k-th <img> or <canvas> matching a CSS selector: {w, h, hash}."""
    return f"""(async () => {{
      const el = document.querySelectorAll({json.dumps(selector)})[{k}];
      if (!el) return null;
      let c = el;
      if (el.tagName === 'IMG') {{
        await el.decode().catch(() => {{}});
        c = document.createElement('canvas');
        [c.width, c.height] = [el.naturalWidth, el.naturalHeight];
        if (!c.width) return {{ w: 0, h: 0, hash: 0 }};
        c.getContext('2d').drawImage(el, 0, 0);
      }}
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < d.length; i += 1) h = (Math.imul(h, 31) + d[i]) | 0;
      return {{ w: c.width, h: c.height, hash: h }};
    }})()"""


# Python, run with the runner's `kernel` action: the live instances of a widget class, oldest first
FIND_WIDGETS = """
import json as _json
import ipywidgets as _ipw
def _vsx_find(cls):
    return [w for w in _ipw.widgets.widget._instances.values() if type(w) is cls]
"""
