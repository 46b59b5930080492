"""examples/05 in JupyterLab in Chromium: the NamedClusters widget renders the collection's named clusters;
typing a new name into one cluster's box relabels its button, and one click tags exactly that cluster's
photos in the store (the live kernel's and a fresh reading of it from disk)."""

from __future__ import annotations

import pytest
from notebook_checks import assert_ran_clean, images_js, kernel_json, nth

pytestmark = pytest.mark.browser

NOTEBOOK = "05-label-a-collection.ipynb"
SECTION = ".vsx-named-clusters .vsx-named-cluster"
PICK = 1  # the cluster renamed and tagged: the second largest
NAME = "harbour views"
PER_GROUP = 12  # vsexplore.widgets.named_clusters.PER_GROUP (not imported: no torch in this process)

STATE = """
import json
import vsexplore as _vx
print(json.dumps({'url': col.url, 'n': len(col), 'k': clusters.clustering.k,
    'names': clusters.clustering.names, 'members': [m.tolist() for m in clusters.members],
    'tags': col.tags,
    'stored': _vx.Collection.open(col.url, model=col.model).tags,
    'buttons': [b.description for b in clusters.buttons], 'notes': [n.value for n in clusters.notes]}))
"""

# JS: the `before` kernel result, parsed
BEFORE = "JSON.parse(window.__vsxResults.before.stdout.trim().split('\\n').pop())"


def rendered(k: str) -> str:
    """JS: `k` (a JS expression) cluster sections, each with its tag button and loaded thumbnails."""
    return f"""(() => {{
  const sections = [...document.querySelectorAll('{SECTION}')];
  return sections.length === {k} && sections.every((s) => {{
    const imgs = [...s.querySelectorAll('.vsx-gallery-item img')];
    return !!s.querySelector('.vsx-cluster-tag') && imgs.length > 0
      && imgs.every((im) => im.complete && im.naturalWidth > 0);
  }});
}})()"""


def inner_text(cls: str) -> str:
    """JS: the trimmed text of the picked cluster's element of class `cls`."""
    return f"document.querySelectorAll('{SECTION}')[{PICK}].querySelector('.{cls}').innerText.trim()"


def test_05_rename_a_cluster_and_tag_it(run_notebook, artifacts_dir):
    """Rename the second cluster, click its button: the store holds the new tag for exactly its members."""
    size = f"{BEFORE}.members[{PICK}].length"
    result = run_notebook(
        NOTEBOOK,
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": SECTION},
            {"type": "kernel", "name": "before", "code": STATE},
            {"type": "timing", "name": "rendered_ms", "start_after": "run_all", "timeout_ms": 60_000,
             "js": rendered(f"{BEFORE}.k")},
            {"type": "eval", "name": "thumbs", "js": images_js(f"{SECTION} .vsx-gallery-item img")},
            {"type": "eval", "name": "button_before", "js": inner_text("vsx-cluster-tag")},
            {"type": "fill", "label": "rename", "selector": nth(SECTION, PICK, ".vsx-cluster-rename input"),
             "text": NAME},
            {"type": "timing", "name": "renamed_ms", "start_after": "rename", "timeout_ms": 30_000,
             "js": f"{inner_text('vsx-cluster-tag')} === `Tag ${{{size}}} images as '{NAME}'`"},
            {"type": "click", "label": "tag", "selector": nth(SECTION, PICK, ".vsx-cluster-tag")},
            {"type": "timing", "name": "tagged_ms", "start_after": "tag", "timeout_ms": 30_000,
             "js": f"{inner_text('vsx-cluster-note')}.startsWith(`tagged ${{{size}}} images '{NAME}'`)"},
            {"type": "eval", "name": "note", "js": inner_text("vsx-cluster-note")},
            {"type": "kernel", "name": "after", "code": STATE},
            {"type": "screenshot", "path": str(artifacts_dir / "05-named-clusters.png"),
             "selector": nth(SECTION, PICK)},
        ],
        viewport=[1400, 1600],
    )
    assert_ran_clean(result)
    r = result["results"]
    before, after = kernel_json(result, "before"), kernel_json(result, "after")
    k, members = before["k"], before["members"]
    assert k >= 2 and sorted(i for m in members for i in m) == list(range(before["n"]))
    shown = sum(min(len(m), PER_GROUP) for m in members)
    assert len(r["thumbs"]) == shown and all(w > 0 and h > 0 for w, h in r["thumbs"]), r["thumbs"]
    first_name, size = before["names"][PICK][0], len(members[PICK])
    assert r["button_before"] == before["buttons"][PICK] == f"Tag {size} images as '{first_name}'"
    assert NAME not in before["tags"] and before["stored"] == before["tags"]

    # exactly the picked cluster's photos got the new tag; every other tag is as it was
    expected = {**before["tags"], NAME: sorted(members[PICK])}
    assert after["tags"] == expected, (after["tags"], members[PICK])
    assert after["stored"] == expected  # read afresh from disk
    assert after["buttons"][PICK] == f"Tag {size} images as '{NAME}'"
    assert r["note"] == after["notes"][PICK] == f"tagged {size} images '{NAME}' ({size} in all)"
    print(f"{k} clusters rendered {r['rendered_ms']} ms after run-all ({result['timings']['run_all']} ms);"
          f" rename → button text {r['renamed_ms']} ms; click → tagged {r['tagged_ms']} ms")
