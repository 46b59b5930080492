"""Colour legends: each name as plain text on its own colour."""

from __future__ import annotations

from collections.abc import Iterable

import ipywidgets as w

from .compositing import rgb

DARK_LUMA = 150


def swatches(entries: Iterable[tuple[str, str]]) -> list[w.Label]:
    """[(name, '#rrggbb'), ...] → one Label per entry, readable text on its colour."""
    return [
        w.Label(f" {name} ", style={"background": c, "text_color": "white" if _dark(c) else "black"},
                layout=w.Layout(padding="0 6px", margin="0 4px 0 0"))
        for name, c in entries
    ]


def _dark(hex_colour: str) -> bool:
    r, g, b = rgb([hex_colour])[0]
    return 0.299 * r + 0.587 * g + 0.114 * b < DARK_LUMA
