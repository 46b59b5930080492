"""Tags and rejections, kept in the store's attributes by store row (so they survive appends)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

TAGS = "tags"  # {tag: store rows that have it}
REJECTED = "rejected"  # {tag: store rows the user said do not have it}
OPPOSITE = {TAGS: REJECTED, REJECTED: TAGS}


def clean_tag(tag: str) -> str:
    if not isinstance(tag, str) or not tag.strip():
        raise ValueError(f"tag {tag!r}: use a non-empty string")
    return tag.strip()


class TagBook:
    """Reads and writes one store's tags and rejections, by collection index."""

    def __init__(self, group, rows: np.ndarray):
        self.group, self.rows = group, rows

    def read(self, kind: str) -> dict[str, list[int]]:
        index_of = {int(r): i for i, r in enumerate(self.rows)}
        stored = self.group.attrs.get(kind, {})
        return {tag: sorted(index_of[r] for r in rows if r in index_of) for tag, rows in stored.items()}

    def add(self, kind: str, indices: Iterable[int], tag: str) -> None:
        """Add images to ``kind`` for ``tag`` and take them out of the opposite kind."""
        tag = clean_tag(tag)
        rows = {int(self.rows[i]) for i in indices}
        self._update(kind, tag, lambda old: old | rows)
        self._update(OPPOSITE[kind], tag, lambda old: old - rows)

    def remove(self, kind: str, indices: Iterable[int], tag: str) -> None:
        rows = {int(self.rows[i]) for i in indices}
        self._update(kind, clean_tag(tag), lambda old: old - rows)

    def _update(self, kind: str, tag: str, change) -> None:
        stored = dict(self.group.attrs.get(kind, {}))
        rows = sorted(change(set(stored.get(tag, []))))
        if rows:
            stored[tag] = rows
        elif tag in stored:
            del stored[tag]
        else:
            return
        self.group.attrs[kind] = stored
