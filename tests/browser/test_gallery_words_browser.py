"""examples/05 in JupyterLab in Chromium: the "words" toggle of the Suggest widget's gallery puts each
candidate's best vocabulary words under it (those of col.suggest_labels), above its buttons; accepting a
candidate redraws the words for the new candidates; toggling off takes them away."""

from __future__ import annotations

import pytest
from notebook_checks import assert_ran_clean, kernel_json, nth

pytestmark = pytest.mark.browser

NOTEBOOK = "05-label-a-collection.ipynb"
SHOWN = 8  # the notebook's Suggest(col, "lake", n=8)
ITEM = ".vsx-suggest .vsx-suggest-item"
TOGGLE = nth(".vsx-gallery-words", 0)  # the first gallery of the page: Suggest's
LINE = ".vsx-gallery-words-line"
NAMES = (f"[...document.querySelectorAll('{ITEM}')]"
         ".map((i) => i.querySelector('.widget-label').innerText.trim())")
# per candidate: its name, its words line's text and tooltip, and whether the line comes before the buttons
WORDS = f"""[...document.querySelectorAll('{ITEM}')].map((i) => {{
  const line = i.querySelector('{LINE}'), accept = i.querySelector('.vsx-suggest-accept');
  return {{name: i.querySelector('.widget-label').innerText.trim(), text: line ? line.innerText.trim() : null,
    tooltip: line && line.querySelector('span[title]') ? line.querySelector('span[title]').title : null,
    above_buttons: !!line && !!accept && !!(line.compareDocumentPosition(accept) & 4)}};
}})"""

STATE = """
import json
print(json.dumps({'names': [col.display_name(int(i)) for i in suggest.candidates],
    'words': [[w for w, _ in col.suggest_labels(int(i), 3)] for i in suggest.candidates]}))
"""


def lines_shown(first_not: str | None = None) -> str:
    """JS: every candidate has its words line (and, after a decision, a new first candidate)."""
    checks = [f"items.length === {SHOWN}", f"items.every((i) => i.querySelector('{LINE}'))"]
    if first_not:
        checks.append(f"{NAMES}[0] !== window.__vsxResults.{first_not}")
    return (f"(() => {{ const items = [...document.querySelectorAll('{ITEM}')];"
            f" return {' && '.join(checks)}; }})()")


def test_05_gallery_words_toggle(run_notebook, artifacts_dir):
    """Toggle on: each candidate shows col.suggest_labels(i, 3)'s words; accept: the redrawn candidates show
    theirs; toggle off: no words line is left."""
    result = run_notebook(
        NOTEBOOK,
        [
            {"type": "run_all", "timeout_ms": 240_000},
            {"type": "wait_for", "selector": ITEM, "count": SHOWN},
            {"type": "wait_idle"},
            {"type": "count", "name": "lines_before", "selector": LINE},
            {"type": "click", "label": "words_on", "selector": TOGGLE},
            {"type": "timing", "name": "words_ms", "start_after": "words_on", "timeout_ms": 30_000,
             "js": lines_shown()},
            {"type": "eval", "name": "shown", "js": WORDS},
            {"type": "kernel", "name": "state", "code": STATE},
            {"type": "screenshot", "path": str(artifacts_dir / "05-gallery-words.png"),
             "selector": ".vsx-suggest"},
            {"type": "eval", "name": "first", "js": f"{NAMES}[0]"},
            {"type": "click", "label": "accept", "selector": nth(ITEM, 0, ".vsx-suggest-accept")},
            {"type": "timing", "name": "redrawn_ms", "start_after": "accept", "timeout_ms": 30_000,
             "js": lines_shown(first_not="first")},
            {"type": "eval", "name": "shown_after", "js": WORDS},
            {"type": "kernel", "name": "state_after", "code": STATE},
            {"type": "click", "label": "words_off", "selector": TOGGLE},
            {"type": "timing", "name": "off_ms", "start_after": "words_off", "timeout_ms": 30_000,
             "js": f"document.querySelectorAll('{LINE}').length === 0"},
            {"type": "count", "name": "buttons_after", "selector": f"{ITEM} .vsx-suggest-accept"},
        ],
        viewport=[1400, 1600],
    )
    assert_ran_clean(result)
    r = result["results"]
    assert r["lines_before"] == 0  # off until asked
    for shown, state in ((r["shown"], kernel_json(result, "state")), (r["shown_after"],
                                                                      kernel_json(result, "state_after"))):
        assert [s["name"] for s in shown] == state["names"]
        assert [s["text"].split(" · ") for s in shown] == state["words"]
        assert len({tuple(words) for words in state["words"]}) >= SHOWN // 2  # not one list for every photo
        assert all(s["above_buttons"] for s in shown), shown
        assert all(s["tooltip"].startswith("best words: ") and s["text"].split(" · ")[0] in s["tooltip"]
                   for s in shown), shown
    assert r["first"] not in kernel_json(result, "state_after")["names"]
    assert r["buttons_after"] == SHOWN  # the buttons stay when the words go
    print(f"toggle → words for {SHOWN} images: {r['words_ms']} ms; accept → redrawn with words:"
          f" {r['redrawn_ms']} ms; toggle off: {r['off_ms']} ms")
