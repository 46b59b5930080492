"""The colours every view draws with, in one place: a categorical cycle and the Projection's roles.

Design: one cycle of ten distinguishable colours (matplotlib's "tab10" order) colours labels,
segments, clusters and painted concepts; the Projection's roles (untagged and tagged points, the
selection highlight) are entries of that same cycle, so a colour means one thing on every view.
"""

from __future__ import annotations

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
UNTAGGED, HIGHLIGHT, TAGGED = PALETTE[0], PALETTE[1], PALETTE[3]  # blue points, orange selection, red tags
TAG_COLOURS = (UNTAGGED, TAGGED)  # a Projection point's colour index → colour: 0 untagged, 1 tagged


def colour(i: int) -> str:
    """The i-th palette colour (cycles), as '#rrggbb'."""
    return PALETTE[i % len(PALETTE)]
