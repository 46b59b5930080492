"""Writing image tags out: CSV (one path,tag row per pair) and COCO-style JSON (image-level labels)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

Image = tuple[str, int, int]  # (path, width, height)


def write_csv(path: str | Path, images: list[Image], tags: dict[str, list[int]]) -> Path:
    """``path,tag`` rows, sorted by image then tag; paths as given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pairs = sorted((i, tag) for tag, indices in tags.items() for i in indices)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "tag"])
        writer.writerows((images[i][0], tag) for i, tag in pairs)
    return path


def write_coco(path: str | Path, images: list[Image], tags: dict[str, list[int]]) -> Path:
    """COCO-style JSON: ``images``, ``categories`` (one per tag) and one image-level annotation
    (no box, no segmentation) per tagged image."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tagged = sorted({i for indices in tags.values() for i in indices})
    categories = [{"id": c + 1, "name": tag} for c, tag in enumerate(sorted(tags))]
    category_id = {c["name"]: c["id"] for c in categories}
    annotations = [
        {"id": n + 1, "image_id": i + 1, "category_id": category_id[tag]}
        for n, (i, tag) in enumerate(sorted((i, tag) for tag, indices in tags.items() for i in indices))
    ]
    document = {
        "images": [{"id": i + 1, "file_name": images[i][0], "width": images[i][1], "height": images[i][2]}
                   for i in tagged],
        "categories": categories,
        "annotations": annotations,
    }
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def export_tags(path: str | Path, images: list[Image], tags: dict[str, list[int]], format: str | None = None
                ) -> Path:
    """Write tags in ``format`` ('csv' or 'coco'; default: COCO for a .json path, else CSV)."""
    path = Path(path)
    format = format or ("coco" if path.suffix == ".json" else "csv")
    if format == "csv":
        return write_csv(path, images, tags)
    if format == "coco":
        return write_coco(path, images, tags)
    raise ValueError(f"format {format!r}: use 'csv' or 'coco'")
