"""Labels as people type them: comma-separated text ↔ a clean list of words and phrases."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w


def parse_labels(text: str) -> list[str]:
    """'sky, cloud,, sky' → ['sky', 'cloud']: split on commas, strip, drop empties and repeats."""
    labels = [part.strip() for part in text.split(",")]
    return list(dict.fromkeys(label for label in labels if label))


def join_labels(labels: Sequence[str]) -> str:
    """['sky', 'cloud'] → 'sky, cloud', what a label text box shows."""
    return ", ".join(labels)


def labels_box(labels: Sequence[str], css_class: str) -> w.Text:
    """A text box for comma-separated labels that reports on Enter or when it loses focus."""
    box = w.Text(value=join_labels(labels), description="labels", continuous_update=False,
                 placeholder="comma-separated words or phrases", layout=w.Layout(width="480px"))
    box.add_class(css_class)
    return box
