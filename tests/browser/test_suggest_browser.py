"""examples/05 in JupyterLab in Chromium: the Suggest widget's buttons, clicked, write tags to the store at
once; undo reverts the last decision; after a page reload a fresh kernel finds exactly those tags."""

from __future__ import annotations

import json

import pytest
from notebook_checks import assert_ran_clean, images_js, kernel_json, nth

pytestmark = pytest.mark.browser

NOTEBOOK = "05-label-a-collection.ipynb"
TAG = "lake"
SHOWN = 8  # the notebook's Suggest(col, "lake", n=8)
ITEM = ".vsx-suggest .vsx-suggest-item"
NAMES = (f"[...document.querySelectorAll('{ITEM}')]"
         ".map((i) => i.querySelector('.widget-label').innerText.trim())")

STATE = f"""
import json
print(json.dumps({{'url': col.url, 'tags': col.tags.get({TAG!r}, []),
    'rejected': col.rejections.get({TAG!r}, []),
    'names': [col.display_name(i) for i in range(len(col))], 'counter': suggest.counter.value,
    'candidates': suggest.candidates.tolist()}}))
"""


def shown_after(seen: int, gone: str | None = None, back: str | None = None) -> str:
    """JS: the counter says `seen` decisions, the grid is redrawn (all thumbnails loaded) without the
    name in result `gone` and with the one in result `back`."""
    checks = [f"document.querySelector('.vsx-suggest-counter').innerText.trim().endsWith('seen {seen}')",
              f"items.length === {SHOWN}", "items.every((i) => { const im = i.querySelector('img');"
                                           " return !!im && im.complete && im.naturalWidth > 0; })"]
    if gone:
        checks.append(f"!names.includes(window.__vsxResults.{gone})")
    if back:
        checks.append(f"names.includes(window.__vsxResults.{back})")
    return (f"(() => {{ const items = [...document.querySelectorAll('{ITEM}')]; const names = {NAMES};"
            f" return {' && '.join(checks)}; }})()")


def decide(decision: str, label: str, seen: int) -> list[dict]:
    """Record the first candidate's name, click `decision` under it, wait for the redrawn candidates."""
    return [
        {"type": "eval", "name": label, "js": f"{NAMES}[0]"},
        {"type": "click", "label": f"click_{label}", "selector": nth(ITEM, 0, f".vsx-suggest-{decision}")},
        {"type": "timing", "name": f"{label}_ms", "start_after": f"click_{label}", "timeout_ms": 30_000,
         "js": shown_after(seen, gone=label)},
    ]


def press(key: str, label: str, seen: int, **shown) -> list[dict]:
    """With the pointer over the widget (ipyevents listens while it is), press ``key``; wait for redraw."""
    return [
        {"type": "hover", "selector": f"{ITEM} img", "index": 1},
        {"type": "press", "key": key, "label": f"key_{label}"},
        {"type": "timing", "name": f"{label}_ms", "start_after": f"key_{label}", "timeout_ms": 30_000,
         "js": shown_after(seen, **shown)},
    ]


def test_05_suggest_accept_reject_undo_persist(run_notebook, artifacts_dir):
    """Accept the top candidate three times (buttons), reject the next (key ``r``), undo (key ``u``): the
    store holds the three new tags and no new rejection, in the live kernel and, after reloading the page,
    in a fresh one."""
    result = run_notebook(
        NOTEBOOK,
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": ITEM, "count": SHOWN},
            {"type": "timing", "name": "rendered_ms", "start_after": "run_all", "js": shown_after(0)},
            {"type": "eval", "name": "thumbs", "js": images_js(f"{ITEM} img")},
            {"type": "count", "name": "buttons", "selector": f"{ITEM} .vsx-suggest-accept"},
            {"type": "kernel", "name": "before", "code": STATE},
            *decide("accept", "accept_1", 1),
            *decide("accept", "accept_2", 2),
            *decide("accept", "accept_3", 3),
            {"type": "eval", "name": "reject_1", "js": f"{NAMES}[0]"},  # the highlighted candidate
            *press("r", "reject_1", 4, gone="reject_1"),
            {"type": "screenshot", "path": str(artifacts_dir / "05-suggest-rejected.png"),
             "selector": ".vsx-suggest"},
            *press("u", "undo", 3, back="reject_1"),
            {"type": "eval", "name": "counter",
             "js": "document.querySelector('.vsx-suggest-counter').innerText"},
            {"type": "kernel", "name": "after", "code": STATE},
            {"type": "screenshot", "path": str(artifacts_dir / "05-suggest.png"), "selector": ".vsx-suggest"},
        ],
        viewport=[1400, 1600],
    )
    assert_ran_clean(result)
    r = result["results"]
    before, after = kernel_json(result, "before"), kernel_json(result, "after")
    names = before["names"]
    assert len(r["thumbs"]) == r["buttons"] == SHOWN and all(w > 0 and h > 0 for w, h in r["thumbs"])
    assert before["counter"] == "tagged 3 · rejected 1 · seen 0", before["counter"]
    assert [names[i] for i in before["candidates"]][0] == r["accept_1"]

    accepted = [names.index(r[f"accept_{k}"]) for k in (1, 2, 3)]
    rejected = names.index(r["reject_1"])
    assert len(set(accepted)) == 3 and rejected not in accepted
    assert not set(accepted + [rejected]) & set(before["tags"] + before["rejected"])
    expected_tags = sorted(before["tags"] + accepted)
    # the live kernel: three new tags, the undone rejection gone, the page's counter says so
    assert after["tags"] == expected_tags and after["rejected"] == before["rejected"], (after, before)
    assert r["counter"].strip() == after["counter"] == "tagged 6 · rejected 1 · seen 3", r["counter"]
    assert not set(after["candidates"]) & set(expected_tags + after["rejected"])
    print("accept → redrawn: " + ", ".join(f"{r[f'accept_{k}_ms']} ms" for k in (1, 2, 3))
          + f"; reject: {r['reject_1_ms']} ms; undo: {r['undo_ms']} ms")

    # reload: a new page and a new kernel (the first was shut down) read the store from disk
    reopened = run_notebook(
        NOTEBOOK,
        [{"type": "kernel", "name": "store", "code": (
            "import json\nimport vsexplore as vx\n"
            f"c = vx.Collection.open({json.dumps(before['url'])})\n"
            "print(json.dumps({'tags': c.tags, 'rejected': c.rejections}))")}],
        screenshot=str(artifacts_dir / "05-suggest-reloaded.png"),
    )
    assert not reopened["errors"], reopened["summary"]
    stored = kernel_json(reopened, "store")
    assert stored == {"tags": {TAG: expected_tags}, "rejected": {TAG: before["rejected"]}}, stored
