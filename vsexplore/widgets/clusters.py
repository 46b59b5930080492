"""Images grouped around a few typed labels, each group ordered by how clearly it won.

For the groups the collection finds and names itself, see :class:`.named_clusters.NamedClusters`.
"""

from __future__ import annotations

from collections.abc import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..text import LabelError
from .gallery import Gallery
from .labels import labels_box, parse_labels
from .palette import colour

PER_GROUP = 12
MARGIN_BINS = 20


class Clusters(w.VBox):
    """Each image joins its best-scoring label; a group lists its images by margin over the runner-up.

    ``groups`` maps each label to its images (largest margin first); ``margins`` holds every image's.
    """

    def __init__(self, col, labels: Sequence[str] = ("flower", "water", "sky"), per_group: int = PER_GROUP):
        self.col = col
        self.per_group = per_group
        self.groups: dict[str, np.ndarray] = {}
        self.margins = np.zeros(0)
        self.labels_text = labels_box(labels, "vsx-clusters-labels")
        self.status = w.Label()
        self.status.add_class("vsx-status")
        self.histogram = self._histogram()
        self.sections = w.VBox()
        self.labels_text.observe(lambda _: self.update(), "value")
        super().__init__([self.labels_text, self.status, self.histogram, self.sections])
        self.add_class("vsx-clusters")
        self.update()

    @property
    def labels(self) -> list[str]:
        return parse_labels(self.labels_text.value)

    def update(self) -> None:
        """Regroup the images around the labels in the text box."""
        labels = self.labels
        if not labels:
            self.status.value = "type one or more labels, separated by commas"
            return
        try:
            assignment, margins = self.col.clusters(labels)
        except LabelError as err:
            self.status.value = str(err)
            return
        order = np.argsort(-margins, kind="stable")
        self.margins = margins
        self.groups = {label: order[assignment[order] == k] for k, label in enumerate(labels)}
        self.status.value = ", ".join(f"{label}: {len(g)}" for label, g in self.groups.items())
        self._draw_histogram(labels, assignment, margins)
        self.sections.children = [self._section(k, label) for k, label in enumerate(labels)]

    def _section(self, k: int, label: str) -> w.VBox:
        members = self.groups[label]
        title = w.Label(f"{label} — {len(members)} images",
                        style={"font_weight": "bold", "text_color": colour(k)})
        gallery = Gallery(self.col, limit=self.per_group, empty="no image chose this label")
        gallery.show(members, captions=[f"margin {self.margins[i]:.3f}" for i in members[: self.per_group]])
        group = w.VBox([title, gallery])
        group.add_class("vsx-cluster-group")
        return group

    def _histogram(self) -> bq.Figure:
        x, y = bq.LinearScale(min=0.0), bq.LinearScale(min=0.0)
        self.bars = bq.Bars(x=np.zeros(MARGIN_BINS), y=np.zeros((1, MARGIN_BINS)), scales={"x": x, "y": y},
                            type="stacked", padding=0.05, display_legend=True)
        axes = [bq.Axis(scale=x, label="margin over the runner-up label", tick_format=".2f"),
                bq.Axis(scale=y, side="left", label="images", tick_format="d")]
        figure = bq.Figure(marks=[self.bars], axes=axes, animation_duration=0, legend_location="top-right",
                           fig_margin={"top": 20, "bottom": 45, "left": 55, "right": 20},
                           layout=w.Layout(width="640px", height="220px"))
        figure.add_class("vsx-margin-histogram")
        return figure

    def _draw_histogram(self, labels: list[str], assignment: np.ndarray, margins: np.ndarray) -> None:
        edges = np.linspace(0.0, max(float(margins.max()), 1e-6), MARGIN_BINS + 1)
        counts = np.stack([np.histogram(margins[assignment == k], edges)[0] for k in range(len(labels))])
        with self.bars.hold_sync():
            self.bars.x = ((edges[:-1] + edges[1:]) / 2).astype(np.float32)
            self.bars.y = counts.astype(np.float32)
            self.bars.labels = labels
            self.bars.colors = [colour(k) for k in range(len(labels))]
