"""One labelled image — the common record every loader produces — and its JSON-lines manifest.

A manifest line: ``{"path": "...", "labels": [...], "masks": {label: "mask.png"}, "boxes":
{label: [[x0, y0, x1, y1], ...]}}``. Relative paths are relative to the manifest's folder.
Masks are 8-bit PNGs (non-zero = the label is there), the same size as the image.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ManifestError

Box = tuple[float, float, float, float]


@dataclass
class Record:
    """A path, its labels, and optional per-label mask files and boxes (x0, y0, x1, y1 pixels)."""

    path: str
    labels: list[str]
    masks: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, list[Box]] = field(default_factory=dict)

    def to_json(self, root: Path | None = None) -> dict:
        def rel(p: str) -> str:
            if root is None:
                return p
            try:
                return os.path.relpath(p, root)
            except ValueError:  # another drive on Windows
                return p

        out: dict = {"path": rel(self.path), "labels": list(self.labels)}
        if self.masks:
            out["masks"] = {k: rel(v) for k, v in self.masks.items()}
        if self.boxes:
            out["boxes"] = {k: [list(b) for b in v] for k, v in self.boxes.items()}
        return out

    @classmethod
    def from_json(cls, data: object, root: Path, file: str | os.PathLike, line: int) -> Record:
        if not isinstance(data, dict):
            raise ManifestError(file, line, None, "each line must be a JSON object")
        path = data.get("path")
        if not isinstance(path, str) or not path:
            raise ManifestError(file, line, "path", "missing or not a string")
        labels = data.get("labels", [])
        if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
            raise ManifestError(file, line, "labels", "must be a list of non-empty strings")
        masks = data.get("masks", {})
        if not isinstance(masks, dict) or not all(isinstance(v, str) for v in masks.values()):
            raise ManifestError(file, line, "masks", "must map labels to mask file paths")
        boxes = data.get("boxes", {})
        try:
            boxes = {k: [tuple(float(c) for c in b) for b in v] for k, v in boxes.items()}
            if any(len(b) != 4 for v in boxes.values() for b in v):
                raise ValueError
        except (AttributeError, TypeError, ValueError):
            raise ManifestError(file, line, "boxes", "must map labels to [[x0, y0, x1, y1], ...]") from None

        def resolve(p: str) -> str:
            return p if os.path.isabs(p) else os.fspath(root / p)

        return cls(resolve(path), labels, {k: resolve(v) for k, v in masks.items()}, boxes)


def write_manifest(records: list[Record], path: str | os.PathLike) -> Path:
    """Write records as JSON lines, paths relative to the manifest's folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = path.parent.resolve()
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec.to_json(root), ensure_ascii=False) + "\n")
    return path


def read_manifest(path: str | os.PathLike) -> list[Record]:
    """Read a JSON-lines manifest; errors name the file, line and field."""
    path = Path(path)
    root = path.parent.resolve()
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as err:
                raise ManifestError(path, number, None, f"not valid JSON ({err.msg})") from None
            records.append(Record.from_json(data, root, path, number))
    return records
