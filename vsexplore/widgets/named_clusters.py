"""The collection's own clusters, named by the vocabulary: rename one and tag all its images in one click.

Design: ``col.auto_clusters`` groups the images (k-means, seeded) and names each group by its most
distinctive vocabulary words; each group shows its names, size and a gallery, a text box holding the
tag (its first name until renamed) and one button that writes the tag for every member at once
(``col.tag``). A store opened read-only (``mode="r"``) is shown, but its buttons are disabled.
"""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from ..errors import VsexploreError
from .gallery import Gallery
from .palette import colour

PER_GROUP = 12
MAX_K = 20
AUTO = 0  # the k menu's "auto": round(sqrt(N / 2)) clusters, 2 to 20


class NamedClusters(w.VBox):
    """One section per cluster: its names, its size, some of its images, a rename box and a tag button.

    ``clustering`` is the :class:`~vsexplore.store.naming.Clustering` shown; ``members[c]`` the images
    of cluster c; ``renames[c]`` and ``buttons[c]`` its text box and button; ``k`` the cluster menu.
    """

    def __init__(self, col, k: int | None = None, names: int = 3, per_group: int = PER_GROUP, seed: int = 0):
        self.col = col
        self.names, self.per_group, self.seed = names, per_group, seed
        self.clustering = None
        self.members: list[np.ndarray] = []
        self.renames: list[w.Text] = []
        self.buttons: list[w.Button] = []
        self.notes: list[w.Label] = []
        counts = sorted({*range(2, min(MAX_K, len(col)) + 1), *([k] if k else [])})
        if k is not None and not 1 <= k <= len(col):
            raise ValueError(f"k={k}: {col.url} has {len(col)} images; give 1 to {len(col)} clusters, "
                             "or k=None to choose")
        self.k = w.Dropdown(options=[("auto", AUTO), *((str(n), n) for n in counts)], value=k or AUTO,
                            description="clusters", layout=w.Layout(width="180px"))
        self.k.add_class("vsx-cluster-k")
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.sections = w.VBox()
        self.k.observe(lambda _: self.update(), "value")
        super().__init__([self.k, self.status, self.sections])
        self.add_class("vsx-named-clusters")
        self.update()

    @property
    def read_only(self) -> bool:
        """Whether the store was opened with mode="r" (it can be shown but not tagged)."""
        return bool(getattr(self.col.group, "read_only", False))

    def update(self) -> None:
        """Cluster again with the menu's k, and name every cluster."""
        try:
            self.clustering = self.col.auto_clusters(k=self.k.value or None, names=self.names, seed=self.seed)
        except VsexploreError as err:
            self.status.value = str(err)
            return
        labels = self.clustering.labels
        self.members = [np.flatnonzero(labels == c) for c in range(self.clustering.k)]
        self.renames, self.buttons, self.notes = [], [], []
        self.sections.children = [self._section(c) for c in range(self.clustering.k)]
        self.status.value = self._read_only_message() if self.read_only else (
            f"{self.clustering.k} clusters ({self.clustering.criterion}); rename one, then tag its images")

    def tag(self, c: int, name: str | None = None) -> int:
        """Tag every image of cluster c with ``name`` (default: its rename box); returns how many."""
        name = (self.renames[c].value if name is None else name).strip()
        if self.read_only:
            self.notes[c].value = self.status.value = self._read_only_message()
            return 0
        if not name:
            self.notes[c].value = "type a name first"
            return 0
        self.col.tag(self.members[c].tolist(), name)
        self.notes[c].value = (f"tagged {len(self.members[c])} images '{name}' "
                               f"({len(self.col.tags[name])} in all)")
        return len(self.members[c])

    def _section(self, c: int) -> w.VBox:
        members, names = self.members[c], self.clustering.names[c]
        title = w.Label(f"{', '.join(names)} — {len(members)} images",
                        style={"font_weight": "bold", "text_color": colour(c)})
        rename = w.Text(value=names[0] if names else "", placeholder="tag name",
                        layout=w.Layout(width="220px"))
        rename.add_class("vsx-cluster-rename")
        button = w.Button(icon="tag", disabled=self.read_only, layout=w.Layout(width="auto"))
        button.add_class("vsx-cluster-tag")
        button.on_click(lambda _: self.tag(c))
        note = w.Label()
        note.add_class("vsx-cluster-note")
        rename.observe(lambda _: self._describe(c), "value")
        self.renames.append(rename)
        self.buttons.append(button)
        self.notes.append(note)
        self._describe(c)
        gallery = Gallery(self.col, limit=self.per_group, empty="no image in this cluster")
        gallery.show(members)
        section = w.VBox([title, w.HBox([rename, button, note]), gallery])
        section.add_class("vsx-named-cluster")
        return section

    def _describe(self, c: int) -> None:
        """The button says what it will do: how many images get which name."""
        name, button = self.renames[c].value.strip(), self.buttons[c]
        button.description = (f"Tag {len(self.members[c])} images as '{name}'" if name
                              else "type a name to tag")
        button.disabled = self.read_only or not name
        button.tooltip = self._read_only_message() if self.read_only else button.description

    def _read_only_message(self) -> str:
        return (f"{self.col.url} is open read-only: reopen it with "
                f"vx.Collection.open({str(self.col.url)!r}, mode='r+') to tag clusters")
