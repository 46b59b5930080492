"""COCO instances as records: category labels, boxes and per-category mask files, plus a downloader.

Masks are decoded here without pycocotools: polygons are rasterised with PIL, run-length
encodings (``counts`` as a list, or COCO's compressed string) are decoded with numpy. Crowd
annotations (``iscrowd`` = 1, a region covering many objects) add to the label and the mask but
not to the boxes, which stay one per object.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from .masks import save_mask
from .records import Box, ManifestError, Record

COCO_URL = "http://images.cocodataset.org"

Fetch = Callable[[str, Path], None]

_IMAGE_FIELDS = (("file_name", str), ("height", int), ("width", int))


def _counts_from_string(text: str | bytes) -> np.ndarray:
    """Run lengths from COCO's compressed counts: 5-bit groups (+48), continuation bit 0x20, sign bit
    0x10 in the last group, and from the fourth count on, a delta to the count two places back."""
    codes = (
        np.frombuffer(text.encode("utf-32-le"), np.uint32)
        if isinstance(text, str)
        else np.frombuffer(text, np.uint8)
    )
    chars = codes.astype(np.int64) - 48
    if chars.size == 0:
        return chars
    if ((chars < 0) | (chars > 63)).any():
        raise ValueError("compressed counts hold characters outside '0'..'o'")
    more = (chars & 0x20) != 0
    if more[-1]:
        raise ValueError("compressed counts end in the middle of a number")
    ends = np.flatnonzero(~more)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > 12:
        raise ValueError("a compressed count is longer than 60 bits")
    shifts = 5 * (np.arange(chars.size) - np.repeat(starts, lengths))
    counts = np.add.reduceat((chars & 0x1F) << shifts, starts)
    negative = (chars[ends] & 0x10) != 0
    counts[negative] -= np.int64(1) << (5 * lengths[negative])
    counts[1::2] = np.cumsum(counts[1::2])
    counts[2::2] = np.cumsum(counts[2::2])
    return counts


def decode_rle(rle: dict) -> np.ndarray:
    """Decode a COCO RLE (``size`` [h, w], ``counts`` list or compressed string) to a bool (h, w) mask.

    Runs alternate background/foreground starting with background, in column-major order.
    """
    size, counts = rle.get("size"), rle.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v >= 0 for v in size)):
        raise ValueError("'size' must be [height, width]")
    if isinstance(counts, str | bytes):
        runs = _counts_from_string(counts)
    elif isinstance(counts, list) and all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        runs = np.asarray(counts, np.int64)
    else:
        raise ValueError("'counts' must be a list of integers or a compressed string")
    height, width = size
    if (runs < 0).any() or runs.sum() != height * width:
        raise ValueError(f"run lengths must be non-negative and sum to {height}x{width}, got {runs.sum()}")
    return np.repeat(np.arange(runs.size) % 2 == 1, runs).reshape((height, width), order="F")


def _polygons_mask(polygons: list, height: int, width: int) -> np.ndarray:
    """Rasterise COCO polygons (flat [x0, y0, x1, y1, ...] lists) into one bool (h, w) mask."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    for polygon in polygons:
        if not (isinstance(polygon, list) and len(polygon) >= 6 and len(polygon) % 2 == 0) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in polygon
        ):
            raise ValueError("each polygon must be a flat list of at least 3 (x, y) number pairs")
        draw.polygon([float(v) for v in polygon], fill=1, outline=1)
    return np.asarray(canvas, dtype=bool)


def _segmentation_mask(segmentation: object, height: int, width: int) -> np.ndarray | None:
    """An annotation's mask from polygons or RLE; None when it has no segmentation."""
    if isinstance(segmentation, list):
        return _polygons_mask(segmentation, height, width) if segmentation else None
    if isinstance(segmentation, dict):
        mask = decode_rle(segmentation)
        if mask.shape != (height, width):
            raise ValueError(f"RLE size {list(mask.shape)} differs from the image's [{height}, {width}]")
        return mask
    raise ValueError("expected a list of polygons or an RLE object")


def _field(entry: object, key: str, kind: type, file: Path, context: str) -> Any:
    """``entry[key]`` checked to be of ``kind``; errors name the file, the field and the entry."""
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ManifestError(file, None, key, f"{context}: missing or of the wrong type ({value!r})")
    return value


def _load_json(file: Path) -> dict:
    """A COCO annotations file, checked to hold ``images``, ``annotations`` and ``categories`` lists."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ManifestError(file, err.lineno, None, f"not valid JSON ({err.msg})") from None
    if not isinstance(data, dict):
        raise ManifestError(file, None, None, "the top level must be a JSON object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise ManifestError(file, None, key, "missing or not a list")
    return data


def from_coco(
    annotations_json: str | os.PathLike, images_dir: str | os.PathLike, mask_dir: str | os.PathLike
) -> list[Record]:
    """Records from a COCO instances JSON: category names, object boxes, one union mask per category.

    Every listed image gives a record (in file order, labels by category id), so images without
    annotations stay as negatives. Masks are written as PNGs into ``mask_dir``.
    """
    file = Path(annotations_json)
    data = _load_json(file)
    names = {}
    for i, category in enumerate(data["categories"]):
        category_id = _field(category, "id", int, file, f"category #{i}")
        names[category_id] = _field(category, "name", str, file, f"category {category_id}")
    images = {}
    for i, image in enumerate(data["images"]):
        image_id = _field(image, "id", int, file, f"image #{i}")
        images[image_id] = tuple(_field(image, k, t, file, f"image {image_id}") for k, t in _IMAGE_FIELDS)
    grouped: dict[int, dict[int, list[tuple[str, dict]]]] = {}
    for i, annotation in enumerate(data["annotations"]):
        context = f"annotation {_field(annotation, 'id', int, file, f'annotation #{i}')}"
        image_id = _field(annotation, "image_id", int, file, context)
        category_id = _field(annotation, "category_id", int, file, context)
        if image_id not in images:
            raise ManifestError(file, None, "image_id", f"{context}: unknown image id {image_id}")
        if category_id not in names:
            raise ManifestError(file, None, "category_id", f"{context}: unknown category id {category_id}")
        grouped.setdefault(image_id, {}).setdefault(category_id, []).append((context, annotation))
    root = Path(images_dir).resolve()
    records = []
    for image_id, (file_name, height, width) in images.items():
        record = Record(os.fspath(root / file_name), [])
        for category_id, entries in sorted(grouped.get(image_id, {}).items()):
            name = names[category_id]
            mask, boxes = _category_mask_and_boxes(entries, height, width, file)
            record.labels.append(name)
            if mask is not None:
                record.masks[name] = save_mask(mask, mask_dir, str(image_id), name)
            if boxes:
                record.boxes[name] = boxes
        records.append(record)
    return records


def _category_mask_and_boxes(
    entries: list[tuple[str, dict]], height: int, width: int, file: Path
) -> tuple[np.ndarray | None, list[Box]]:
    """The union mask (None if no annotation has a segmentation) and non-crowd boxes of one category."""
    union, boxes = None, []
    for context, annotation in entries:
        try:
            mask = _segmentation_mask(annotation.get("segmentation", []), height, width)
        except ValueError as err:
            raise ManifestError(file, None, "segmentation", f"{context}: {err}") from None
        if mask is not None:
            union = mask if union is None else union | mask
        crowd = annotation.get("iscrowd", 0)
        if crowd not in (0, 1):
            raise ManifestError(file, None, "iscrowd", f"{context}: expected 0 or 1, got {crowd!r}")
        if crowd or "bbox" not in annotation:
            continue
        bbox = annotation["bbox"]
        if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, int | float) for v in bbox)):
            raise ManifestError(
                file, None, "bbox", f"{context}: expected [x, y, width, height], got {bbox!r}"
            )
        x, y, w, h = (float(v) for v in bbox)
        boxes.append((x, y, x + w, y + h))
    return union, boxes


def _urlopen_fetch(url: str, dest: Path) -> None:
    """Stream a URL (http, https or file) to ``dest`` with the standard library."""
    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)


def _download(url: str, dest: Path, fetch: Fetch) -> None:
    """Fetch ``url`` unless ``dest`` exists; writing to ``.part`` and renaming never leaves half a file."""
    if dest.is_file():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    fetch(url, part)
    os.replace(part, dest)


def download_coco_subset(
    out_dir: str | os.PathLike,
    n: int = 500,
    split: str = "val2017",
    seed: int = 0,
    fetch: Fetch = _urlopen_fetch,
    base_url: str = COCO_URL,
) -> Path:
    """Download COCO annotations and ``n`` random images of ``split``, resumably, for a real labelled sample.

    Files already present are skipped, so an interrupted run picks up where it stopped. Writes
    ``annotations_trainval<year>.zip``, ``annotations/instances_<split>.json``, the images under
    ``<split>/`` and ``instances_<split>_subset.json`` (only the chosen images); read it with
    ``from_coco(out / "instances_<split>_subset.json", out / split, mask_dir)``. ``fetch(url, dest)``
    and ``base_url`` are injectable so it can run offline against a local copy.
    """
    out = Path(out_dir)
    archive = out / f"annotations_trainval{split[-4:]}.zip"
    _download(f"{base_url}/annotations/{archive.name}", archive, fetch)
    member = f"annotations/instances_{split}.json"
    full = out / member
    if not full.is_file():
        with zipfile.ZipFile(archive) as zf:
            if member not in zf.namelist():
                raise ManifestError(archive, None, member, "not in the archive")

            def extract(name: str, dest: Path) -> None:
                with zf.open(name) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)

            _download(member, full, extract)
    data = _load_json(full)
    ids = sorted(_field(image, "id", int, full, f"image #{i}") for i, image in enumerate(data["images"]))
    chosen = set(random.Random(seed).sample(ids, min(n, len(ids))))
    images = [image for image in data["images"] if image["id"] in chosen]
    for image in tqdm(images, desc=f"COCO {split}", unit="image"):
        name = _field(image, "file_name", str, full, f"image {image['id']}")
        _download(f"{base_url}/{split}/{name}", out / split / name, fetch)
    annotations = [a for a in data["annotations"] if isinstance(a, dict) and a.get("image_id") in chosen]
    subset = out / f"instances_{split}_subset.json"
    subset.write_text(json.dumps({**data, "images": images, "annotations": annotations}), encoding="utf-8")
    return out
