"""A small language for painted-search grids on the command line: ``sky=top``, ``cloud=-all``.

A spec is ``[-]REGION[+REGION...]`` on a 3 × 3 grid, or explicit rows ``1,0,0;0,0,0;-1,-1,-1``
(any size, values in [-1, 1]). Regions: ``all``, ``top``, ``middle``, ``bottom``, ``left``,
``center``, ``right``, ``top-left``, ``top-right``, ``bottom-left``, ``bottom-right``. A leading
``-`` asks for the concept to be absent there; cells outside the regions are 0 (don't care).
"""

from __future__ import annotations

import numpy as np

ROWS = {"top": [0], "middle": [1], "bottom": [2]}
COLUMNS = {"left": [0], "center": [1], "right": [2]}


def _region(name: str) -> np.ndarray:
    cells = np.zeros((3, 3))
    if name == "all":
        cells[:] = 1
    elif name in ROWS:
        cells[ROWS[name], :] = 1
    elif name in COLUMNS:
        cells[:, COLUMNS[name]] = 1
    elif "-" in name and name.split("-", 1)[0] in ROWS and name.split("-", 1)[1] in COLUMNS:
        row, column = name.split("-", 1)
        cells[ROWS[row][0], COLUMNS[column][0]] = 1
    else:
        known = ", ".join(["all", *ROWS, *COLUMNS, "top-left", "top-right", "bottom-left", "bottom-right"])
        raise ValueError(f"unknown region {name!r}; use one of {known}, or rows like 1,0;0,-1")
    return cells


def parse_grid(spec: str) -> np.ndarray:
    """One grid spec → a 2-D array in [-1, 1]."""
    spec = spec.strip()
    if not spec:
        raise ValueError("empty grid spec; use e.g. top, -all, top+left or 1,0;0,-1")
    if any(ch.isdigit() for ch in spec.lstrip("-")[:1]) or ";" in spec or "," in spec:
        try:
            rows = [[float(v) for v in row.split(",")] for row in spec.split(";")]
            grid = np.array(rows, dtype=np.float64)
        except ValueError:
            raise ValueError(f"grid {spec!r}: rows of numbers, comma-separated, rows split by ';'") from None
        if grid.ndim != 2 or np.abs(grid).max() > 1:
            raise ValueError(f"grid {spec!r}: all rows need the same length and values in [-1, 1]")
        return grid
    sign = -1.0 if spec.startswith("-") else 1.0
    cells = np.zeros((3, 3))
    for name in spec.lstrip("-").split("+"):
        cells = np.maximum(cells, _region(name.strip().lower()))
    return sign * cells


def parse_concepts(items: list[str]) -> dict[str, np.ndarray]:
    """``["sky=top", "cloud=-all"]`` → {"sky": grid, "cloud": grid}."""
    painted = {}
    for item in items:
        label, sep, spec = item.partition("=")
        if not sep or not label.strip():
            raise ValueError(f"concept {item!r}: write LABEL=GRID, e.g. sky=top or 'red car=-bottom'")
        painted[label.strip()] = parse_grid(spec)
    return painted
