"""Label a collection one decision at a time: the best candidates for a tag, accept, reject or skip.

Design: the store holds the truth. Each decision is written at once (``col.tag`` / ``col.reject``),
then the tag's learned axis is refitted and the candidates are ranked again; before the tag has an
image, the tag's zero-shot word score ranks them. Candidates are the images neither tagged nor
rejected for the tag nor skipped here. The widget keeps only its own decisions (a stack, for undo)
and the skipped images; the candidate grid is a :class:`~vsexplore.widgets.gallery.Gallery` with a
row of buttons under each thumbnail. Keys (through ``ipyevents``, while the pointer is over the
widget): ``a`` accept, ``r`` reject, ``s`` skip the highlighted candidate, ``←``/``→`` move the
highlight, ``u`` undo.
"""

from __future__ import annotations

import ipyevents
import ipywidgets as w
import numpy as np

from ..errors import LabelError
from .gallery import THUMB_PX, Gallery

DECISIONS = {"accept": "check", "reject": "times", "skip": "forward"}  # decision: its button's icon
DONE = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}
KEYS = {"a": "accept", "r": "reject", "s": "skip"}  # key: decision for the highlighted candidate
MOVES = {"ArrowRight": 1, "ArrowLeft": -1}
UNDO_KEY = "u"
KEY_HELP = "keys, pointer over the grid: a accept · r reject · s skip · ← → move · u undo"
HIGHLIGHT = "2px solid #1f77b4"


class Suggest(w.VBox):
    """The top ``n`` undecided images for ``tag``, each with accept / reject / skip; "Undo" reverts the last.

    ``candidates`` holds the shown indices, best first; ``controls[k]`` maps each decision to the
    button under candidate k; ``cursor`` is the highlighted candidate (what keys decide on);
    ``history`` lists this widget's decisions as (decision, index).
    """

    def __init__(self, col, tag: str, n: int = 12, thumb_px: int = THUMB_PX):
        if not isinstance(tag, str) or not tag.strip():
            raise ValueError(f"tag {tag!r}: give Suggest a non-empty tag, e.g. Suggest(col, 'holiday')")
        self.col = col
        self.tag = tag.strip()
        self.n = n
        self.thumb_px = thumb_px
        self.history: list[tuple[str, int]] = []
        self.skipped: set[int] = set()
        self.candidates = np.zeros(0, dtype=np.int64)
        self.cursor = 0
        self.controls: list[dict[str, w.Button]] = []
        self.gallery = Gallery(col, limit=n, thumb_px=thumb_px,
                               empty=f"no undecided image left for {self.tag!r}")
        self.counter = w.Label()
        self.counter.add_class("vsx-suggest-counter")
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.undo_button = w.Button(description="Undo", icon="undo", disabled=True)
        self.undo_button.add_class("vsx-suggest-undo")
        self.undo_button.on_click(lambda _: self.undo())
        title = w.Label(f"Suggestions for {self.tag!r}", style={"font_weight": "bold"})
        help_line = w.Label(KEY_HELP, style={"text_color": "#666"})
        super().__init__([title, w.HBox([self.undo_button, self.counter]), help_line, self.status,
                          self.gallery])
        self.add_class("vsx-suggest")
        self.key_events = ipyevents.Event(source=self, watched_events=["keydown"],
                                          ignore_modifier_key_events=True)
        self.key_events.on_dom_event(lambda event: self.press(event.get("key", "")))
        self.refresh()

    def press(self, key: str) -> None:
        """A key pressed over the widget: decide on, or move, the highlighted candidate, or undo."""
        if key in KEYS and len(self.candidates):
            self.decide(KEYS[key], int(self.candidates[self.cursor]))
        elif key in MOVES and len(self.candidates):
            self._highlight((self.cursor + MOVES[key]) % len(self.candidates))
        elif key == UNDO_KEY:
            self.undo()

    def decide(self, decision: str, i: int) -> None:
        """Accept (tag), reject or skip image ``i``: stored at once, then the candidates are ranked again."""
        if decision not in DECISIONS:
            raise ValueError(f"decision {decision!r}: use one of {', '.join(DECISIONS)}")
        if decision == "accept":
            self.col.tag([i], self.tag)
        elif decision == "reject":
            self.col.reject([i], self.tag)
        else:
            self.skipped.add(i)
        self.history.append((decision, i))
        self.refresh(f"{DONE[decision]} {self.col.display_name(i)}")

    def undo(self) -> None:
        """Revert this widget's last decision (an accept is untagged, a reject forgotten, a skip undone)."""
        if not self.history:
            self.status.value = "nothing to undo"
            return
        decision, i = self.history.pop()
        if decision == "accept":
            self.col.untag([i], self.tag)
        elif decision == "reject":
            self.col.unreject([i], self.tag)
        else:
            self.skipped.discard(i)
        self.refresh(f"undid {decision} of {self.col.display_name(i)}")

    def refresh(self, message: str = "") -> None:
        """Rank the undecided images again (refitting the learned axis) and show the best ``n``."""
        tagged, rejected = self.col.tags.get(self.tag, []), self.col.rejections.get(self.tag, [])
        self.counter.value = f"tagged {len(tagged)} · rejected {len(rejected)} · seen {len(self.history)}"
        self.undo_button.disabled = not self.history
        self.status.value = message
        try:
            scores = self.col.learned_axis(self.tag) if tagged else self.col.scores([self.tag])[:, 0]
        except LabelError as err:  # no image yet, and a tag the encoder cannot read
            self.status.value = f"{err}; tag one image with col.tag([i], {self.tag!r}) to learn it instead"
            scores = np.zeros(len(self.col), np.float32)
        undecided = np.ones(len(self.col), bool)
        undecided[[*tagged, *rejected, *self.skipped]] = False
        order = np.argsort(-scores, kind="stable")
        self.candidates = order[undecided[order]][: self.n]
        self.gallery.show(self.candidates, captions=[f"score {scores[i]:.3f}" for i in self.candidates])
        self.controls = []
        for item, i in zip(self.gallery.grid.children, self.candidates, strict=True):
            buttons = {decision: self._button(decision, icon, int(i)) for decision, icon in DECISIONS.items()}
            item.children = (*item.children, w.HBox(list(buttons.values())))
            item.add_class("vsx-suggest-item")
            self.controls.append(buttons)
        self._highlight(min(self.cursor, max(len(self.candidates) - 1, 0)))

    def _highlight(self, k: int) -> None:
        """Mark candidate k as the one keys decide on (a border; class ``vsx-suggest-current``)."""
        self.cursor = k
        for j, item in enumerate(self.gallery.grid.children):
            item.layout.border = HIGHLIGHT if j == k else "2px solid transparent"
            (item.add_class if j == k else item.remove_class)("vsx-suggest-current")

    def _button(self, decision: str, icon: str, i: int) -> w.Button:
        button = w.Button(icon=icon, tooltip=f"{decision} {self.col.display_name(i)}",
                          layout=w.Layout(width=f"{self.thumb_px // 3 - 2}px", padding="0"))
        button.add_class(f"vsx-suggest-{decision}")
        button.on_click(lambda _: self.decide(decision, i))
        return button
