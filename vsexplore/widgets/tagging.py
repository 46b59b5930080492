"""Tag the images a view has selected, and export every tag as CSV or COCO JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as w
import numpy as np

EXPORT_SUFFIX = {"csv": ".csv", "coco": ".json"}


class TagBar(w.VBox):
    """Text + "Tag" writes the current selection's tag into the store; "Export" writes all tags.

    ``selection`` returns the indices to tag; ``on_tagged`` runs after each tag (to recolour a view).
    """

    def __init__(
        self,
        col,
        selection: Callable[[], np.ndarray],
        on_tagged: Callable[[], None] | None = None,
        export_path: str = "tags.csv",
    ):
        self.col = col
        self.selection = selection
        self.on_tagged = on_tagged
        self.tag_text = w.Text(placeholder="tag for the selection", layout=w.Layout(width="220px"))
        self.tag_button = w.Button(description="Tag", icon="tag")
        self.path_text = w.Text(value=export_path, description="Export to", layout=w.Layout(width="320px"))
        self.format = w.Dropdown(options=list(EXPORT_SUFFIX), value="csv", layout=w.Layout(width="90px"))
        self.export_button = w.Button(description="Export", icon="download")
        self.status = w.Label()
        self.tag_text.add_class("vsx-tag-text")
        self.tag_button.add_class("vsx-tag-button")
        self.path_text.add_class("vsx-export-path")
        self.export_button.add_class("vsx-export-button")
        self.format.add_class("vsx-export-format")
        self.status.add_class("vsx-status")
        self.tag_button.on_click(lambda _: self.tag())
        self.export_button.on_click(lambda _: self.export())
        self.format.observe(self._suffix_follows_format, "value")
        super().__init__([
            w.HBox([self.tag_text, self.tag_button]),
            w.HBox([self.path_text, self.format, self.export_button]),
            self.status,
        ])
        self.add_class("vsx-tagbar")

    def tag(self, tag: str | None = None) -> int:
        """Tag the selection with ``tag`` (default: the text box); returns how many images got it."""
        tag = (self.tag_text.value if tag is None else tag).strip()
        indices = np.asarray(self.selection(), dtype=np.int64)
        if not tag:
            self.status.value = "type a tag first"
            return 0
        if len(indices) == 0:
            self.status.value = "select some images first"
            return 0
        self.col.tag(indices.tolist(), tag)
        self.status.value = f"tagged {len(indices)} images '{tag}' ({len(self.col.tags[tag])} in all)"
        if self.on_tagged is not None:
            self.on_tagged()
        return len(indices)

    def export(self, path: str | None = None) -> Path:
        """Write every tag to ``path`` (default: the path box) in the chosen format; returns the file."""
        target = Path(self.path_text.value if path is None else path).expanduser()
        written = self.col.export_tags(target, format=self.format.value).resolve()
        self.status.value = f"wrote {len(self.col.tags)} tags to {written}"
        return written

    def _suffix_follows_format(self, change) -> None:
        path = Path(self.path_text.value or "tags")
        self.path_text.value = str(path.with_suffix(EXPORT_SUFFIX[change.new]))
