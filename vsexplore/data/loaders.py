"""Dataset loaders: an image folder, a CSV file, NUS-WIDE and PASCAL VOC 2012 as ``Record`` lists.

Every loader returns absolute paths in a deterministic order; a malformed dataset file raises
``ManifestError`` naming the file, line and field. COCO lives in ``coco.py``.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import numpy as np
from PIL import Image

from ..images import image_files
from .cache import cache_dir
from .masks import save_mask
from .records import ManifestError, Record

# NUS-WIDE split → (image list in ImageList/, label folder in Groundtruth/, label file name pattern).
NUS_WIDE_SPLITS = {
    "all": ("Imagelist.txt", "AllLabels", "Labels_{}.txt"),
    "train": ("TrainImagelist.txt", "TrainTestLabels", "Labels_{}_Train.txt"),
    "test": ("TestImagelist.txt", "TrainTestLabels", "Labels_{}_Test.txt"),
}

# PASCAL VOC 2012 class names; the index is the pixel value in SegmentationClass PNGs.
VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
    "tvmonitor",
)  # fmt: skip
VOC_VOID = 255
# VOC's run-together names as plain phrases, so every label encoder knows their words
VOC_LABELS = {"diningtable": "dining table", "pottedplant": "potted plant", "tvmonitor": "tv monitor"}


def _read_lines(path: Path) -> list[str]:
    """Stripped lines of a text file without trailing blank lines, so item i is on line i + 1."""
    lines = [text.strip() for text in path.read_text(encoding="utf-8").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def from_folder(root: str | os.PathLike) -> list[Record]:
    """Images under ``root``, labelled by their top-level sub-folder, so a sorted photo tree is a dataset.

    Images are found recursively by extension (case-insensitive); files directly in ``root`` get
    no label; hidden files and folders (a leading dot) are skipped. Sorted by relative path.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    records = []
    for path in sorted(image_files(root), key=lambda p: p.relative_to(root).parts):
        parts = path.relative_to(root).parts
        records.append(Record(os.fspath(path), list(parts[:1]) if len(parts) > 1 else []))
    return records


def from_csv(path: str | os.PathLike) -> list[Record]:
    """Records from a ``path,labels`` CSV with a header (labels ``|``-separated), the simplest hand-made list.

    Relative paths are resolved against the CSV's folder; an empty labels cell means no labels;
    other columns are ignored.
    """
    path = Path(path)
    root = path.parent.resolve()
    records = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        for column in ("path", "labels"):
            if column not in reader.fieldnames:
                raise ManifestError(path, 1, column, "column missing from the header")
        for row in reader:
            for column in ("path", "labels"):
                if row[column] is None:
                    raise ManifestError(path, reader.line_num, column, "missing (too few columns)")
            cell = row["labels"].strip()
            labels = [label.strip() for label in cell.split("|")] if cell else []
            if "" in labels:
                raise ManifestError(path, reader.line_num, "labels", f"empty label in {cell!r}")
            data = {"path": row["path"].strip(), "labels": list(dict.fromkeys(labels))}
            records.append(Record.from_json(data, root, path, reader.line_num))
    return records


def _nus_wide_relative(entry: str) -> str:
    """An image list entry as a path below the image folder: backslashes turned, ``...\\Flickr\\`` dropped."""
    parts = entry.replace("\\", "/").split("/")
    return "/".join(parts[parts.index("Flickr") + 1 :] if "Flickr" in parts else parts)


def from_nus_wide(
    root: str | os.PathLike, split: str = "all", images_dir: str | os.PathLike | None = None
) -> list[Record]:
    """NUS-WIDE's 81-concept ground truth as records, to evaluate on a standard multi-label web set.

    Layout (the official archives unpacked into ``root``): ``ImageList/Imagelist.txt`` (split
    "all"), ``ImageList/TrainImagelist.txt`` / ``TestImagelist.txt`` ("train" / "test"), one
    relative image path per line (Windows backslashes allowed); ``Groundtruth/AllLabels/
    Labels_<concept>.txt`` or ``Groundtruth/TrainTestLabels/Labels_<concept>_Train.txt`` /
    ``_Test.txt`` with one 0/1 line per image in list order. Images live under ``images_dir``
    (default ``root/Flickr``); an entry's prefix up to a ``Flickr`` folder is dropped, as in
    ``C:\\ImageData\\Flickr\\actor\\0001_2124494179.jpg``. Concepts come from the label file names,
    sorted.
    """
    if split not in NUS_WIDE_SPLITS:
        raise ValueError(f"split must be one of {sorted(NUS_WIDE_SPLITS)}, not {split!r}")
    list_name, label_folder, pattern = NUS_WIDE_SPLITS[split]
    root = Path(root).resolve()
    images = Path(images_dir).resolve() if images_dir is not None else root / "Flickr"
    image_list = root / "ImageList" / list_name
    names = _read_lines(image_list)
    if "" in names:
        raise ManifestError(image_list, names.index("") + 1, "path", "empty image path")
    prefix, suffix = pattern.split("{}")
    label_files = sorted((root / "Groundtruth" / label_folder).glob(pattern.format("*")))
    if not label_files:
        raise FileNotFoundError(
            f"no {pattern.format('<concept>')} files in {root / 'Groundtruth' / label_folder}"
        )
    labels: list[list[str]] = [[] for _ in names]
    for label_file in label_files:
        concept = label_file.name[len(prefix) : -len(suffix)]
        values = _read_lines(label_file)
        if len(values) != len(names):
            problem = f"{len(values)} lines but {image_list.name} lists {len(names)} images"
            raise ManifestError(label_file, min(len(values), len(names)) + 1, concept, problem)
        for number, value in enumerate(values, start=1):
            if value not in ("0", "1"):
                raise ManifestError(label_file, number, concept, f"expected 0 or 1, got {value!r}")
            if value == "1":
                labels[number - 1].append(concept)
    return [
        Record(os.fspath(images / _nus_wide_relative(name)), lab)
        for name, lab in zip(names, labels, strict=True)
    ]


def _voc_class_map(path: Path) -> np.ndarray:
    """A SegmentationClass PNG as an (H, W) array of class indices, checked against VOC's classes."""
    with Image.open(path) as img:
        if img.mode not in ("P", "L"):
            raise ManifestError(path, None, "mode", f"expected a palette or 8-bit PNG, got mode {img.mode}")
        classes = np.asarray(img)
    bad = np.setdiff1d(np.unique(classes), [*range(len(VOC_CLASSES)), VOC_VOID])
    if bad.size:
        raise ManifestError(
            path, None, "pixel", f"class index {bad[0]} is not a VOC class (0-20, 255 = void)"
        )
    return classes


def from_voc(
    root: str | os.PathLike, split: str = "val", mask_dir: str | os.PathLike | None = None
) -> list[Record]:
    """PASCAL VOC 2012 segmentation images with class labels and per-class mask files, to measure mIoU.

    ``root`` is the ``VOC2012`` folder (``ImageSets/Segmentation/<split>.txt``, ``JPEGImages``,
    ``SegmentationClass``). Labels are the classes present (background and the 255 void border
    excluded), run-together names as phrases (``dining table``); each gets a 0/255 PNG in
    ``mask_dir`` (default: a folder per dataset in the vsexplore cache, so a read-only dataset
    works).
    """
    root = Path(root).resolve()
    if mask_dir is None:
        mask_dir = cache_dir("voc-masks", hashlib.sha1(os.fspath(root).encode()).hexdigest()[:12])
    split_file = root / "ImageSets" / "Segmentation" / f"{split}.txt"
    records = []
    for number, image_id in enumerate(_read_lines(split_file), start=1):
        image = root / "JPEGImages" / f"{image_id}.jpg"
        segmentation = root / "SegmentationClass" / f"{image_id}.png"
        for required in (image, segmentation):
            if not image_id or not required.is_file():
                raise ManifestError(split_file, number, "id", f"image id {image_id!r}: no file {required}")
        classes = _voc_class_map(segmentation)
        present = [int(i) for i in np.unique(classes) if 0 < i < len(VOC_CLASSES)]
        names = {i: VOC_LABELS.get(VOC_CLASSES[i], VOC_CLASSES[i]) for i in present}
        masks = {names[i]: save_mask(classes == i, mask_dir, image_id, names[i]) for i in present}
        records.append(Record(os.fspath(image), list(masks), masks))
    return records
