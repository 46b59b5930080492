"""File names and labels are shown as text, never markup: a photo named `<img src=x onerror=alert(1)>.jpg`
and a label `<b onmouseover=alert(2)>water</b>` go through every widget that shows them, in Chromium."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from notebook_checks import assert_ran_clean, kernel_json, nth

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=alert(1)>.jpg"
MARKUP_LABEL = "<b onmouseover=alert(2)>water</b>"
FOLDER = "escaping"  # in the server's root: photos/ (the two files) and photos.vsx (the store)

CELLS = [
    "import json\n\nimport vsexplore as vx\nimport vsexplore.widgets\n\n"
    f"col = vx.Collection.build({FOLDER + '/photos'!r}, store={FOLDER + '/photos.vsx'!r}, progress=False)\n"
    f"EVIL, MARKUP_LABEL = {EVIL!r}, {MARKUP_LABEL!r}\n"
    "names = [col.display_name(i) for i in range(len(col))]\n"
    "evil = names.index(EVIL)\n"
    "names",
    # a markup label on y. With two images, one is in the plot's top-right corner, under bqplot's figure
    # toolbar (shown while the mouse is over the figure), where it cannot be hovered: hide the toolbar.
    "projection = vx.widgets.Projection(col, x='sky', y=MARKUP_LABEL)\n"
    "projection.figure.display_toolbar = False\nprojection",
    "gallery = vx.widgets.Gallery(col)\ngallery.show([0, 1], captions=[EVIL, EVIL])\ngallery",
    "vx.widgets.Heatmaps(col, evil, ['sky', MARKUP_LABEL])",
    "vx.widgets.Segments(col, evil, k=2)",
    "vx.widgets.Clusters(col, ['sky', MARKUP_LABEL])",
]

# what the page shows of the names and labels, as text, and any element they might have become
PAGE_STATE = r"""(() => {
  const texts = (sel) => [...document.querySelectorAll(sel)].map((e) => e.innerText.trim());
  return {
    body_text: document.body.innerText,
    img_src_x: document.querySelectorAll('img[src="x"]').length,
    imgs_to_x: [...document.querySelectorAll('img')].filter((i) => /\/x$/.test(i.src)).length,
    handlers: document.querySelectorAll('[onerror], [onmouseover]').length,
    bold_in_outputs: document.querySelectorAll('.jp-OutputArea-output b').length,
    projection_gallery: [...document.querySelectorAll('.vsx-projection .vsx-gallery-item')]
      .map((i) => i.querySelectorAll('.widget-label')[0].innerText.trim()),
    gallery_items: [...document.querySelectorAll('.vsx-gallery-item')]
      .map((i) => [...i.querySelectorAll('.widget-label')].map((l) => l.innerText.trim())),
    image_names: texts('.vsx-image-name'),
    legends: texts('.vsx-legend'),
    axis_labels: [...document.querySelectorAll('.vsx-projection text.axislabel')].map((t) => t.textContent),
    y_box: document.querySelector('.vsx-axis-y input').value,
  };
})()"""


def hover_dot(k: int) -> list[dict]:
    """Hover the Projection's k-th point; wait for the tooltip to show a new name, record it, move off."""
    return [
        {"type": "hover", "label": f"hover_{k}", "selector": nth(".vsx-projection", 0, "path.dot"),
         "index": k},
        {"type": "timing", "name": f"hover_{k}_ms", "start_after": f"hover_{k}", "timeout_ms": 15_000,
         "js": "(() => { const t = document.querySelector('.vsx-hover-thumb');"
               " const i = t?.querySelector('img'); const text = t?.innerText.trim();"
               " return !!(i && i.complete && i.naturalWidth > 0 && text"
               " && text !== (window.__vsxLastHover ?? '')); })()"},
        {"type": "eval", "name": f"hover_{k}_text",
         "js": "(window.__vsxLastHover = document.querySelector('.vsx-hover-thumb').innerText.trim())"},
    ]


def test_markup_in_names_and_labels_is_text(jupyter_server, run_notebook, artifacts_dir):
    """Every widget shows the literal file name and label; no <img src=x>, no handler attribute, no alert."""
    import vsexplore.datasets

    photos = sorted((vsexplore.datasets.sample() / "photos").glob("*.jpg"))[:2]
    folder = jupyter_server.root_dir / FOLDER / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(photos[0], folder / EVIL)
    shutil.copyfile(photos[1], folder / "plain.jpg")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, jupyter_server.root_dir / "escaping.ipynb")

    projection = ".vsx-projection"
    result = run_notebook(
        "escaping.ipynb",
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": ".vsx-heatmaps img.vsx-overlay"},
            {"type": "wait_for", "selector": ".vsx-segments img.vsx-overlay"},
            {"type": "wait_for", "selector": f"{projection} path.dot", "count": 2},
            {"type": "wait_for", "selector": ".vsx-clusters .vsx-gallery-item"},
            {"type": "kernel", "name": "state", "code": "print(json.dumps({'names': names, 'evil': evil}))"},
            # select both in the Projection, so its gallery shows them (done after the figure rendered:
            # a selection made before is reset when the brush selector's view starts)
            {"type": "kernel", "name": "select", "code": "projection.select([0, 1])"},
            {"type": "wait_for", "selector": f"{projection} .vsx-gallery-item", "count": 2},
            # scrolls the Projection into view, so the hovers below do not scroll (which would end them)
            {"type": "screenshot", "path": str(artifacts_dir / "escaping-projection.png"),
             "selector": projection},
            {"type": "eval", "name": "page_selected", "js": PAGE_STATE},  # before hover mode clears it
            {"type": "click", "selector": nth(projection, 0, ".vsx-selector-mode button:has-text('hover')")},
            {"type": "wait_for", "selector": nth(projection, 0, ".brushintsel"), "state": "detached"},
            *hover_dot(1),
            *hover_dot(0),  # last: files are listed sorted, so the screenshot below shows the evil name
            {"type": "screenshot", "path": str(artifacts_dir / "escaping-hover.png"), "selector": projection},
            {"type": "sleep", "ms": 1000},  # time for an onerror handler to fire, had an <img> been made
            {"type": "eval", "name": "page", "js": PAGE_STATE},
        ],
        viewport=[1400, 1800],
        screenshot=str(artifacts_dir / "escaping.png"),
    )
    assert_ran_clean(result)  # this includes: no alert, confirm or prompt dialog opened
    state = kernel_json(result, "state")
    names = state["names"]
    assert sorted(names) == sorted([EVIL, "plain.jpg"]), names
    r = result["results"]
    page = r["page"]

    # nothing became an element or a handler
    assert page["img_src_x"] == 0 and page["imgs_to_x"] == 0, "an <img src=x> was made from a file name"
    assert page["handlers"] == 0 and page["bold_in_outputs"] == 0, "markup in a name or label became elements"
    # the literal text is visible everywhere the name or label is shown
    assert EVIL in page["body_text"] and MARKUP_LABEL in page["body_text"]
    # galleries (Projection, Gallery with captions, Clusters): name and caption lines are plain text
    items = page["gallery_items"]
    assert [EVIL, EVIL] in items and ["plain.jpg", EVIL] in items, items  # the Gallery: name, caption
    assert sum(item[0] == EVIL for item in items) >= 2, items  # Gallery, Clusters
    assert r["page_selected"]["projection_gallery"] == names, r["page_selected"]  # Projection's gallery
    assert page["image_names"] == [EVIL, EVIL], page["image_names"]  # Heatmaps, Segments
    assert any(MARKUP_LABEL in legend for legend in page["legends"]), page["legends"]  # Heatmaps' legend
    assert MARKUP_LABEL in page["axis_labels"] and page["y_box"] == MARKUP_LABEL, page["axis_labels"]
    # hover tooltips: each point's own name, the evil one literally
    assert [r["hover_0_text"], r["hover_1_text"]] == names, (r["hover_0_text"], r["hover_1_text"])
    print(f"hover → tooltip: {r['hover_0_ms']} ms, {r['hover_1_ms']} ms")
