"""Writing decisions out: CSV, COCO-style JSON (image-level labels) or one folder per tag.

- ``csv``: ``path,tag`` rows; with rejections, a third column ``decision`` (``tag`` or ``reject``).
- ``coco``: ``images``, ``categories`` (one per tag) and one image-level annotation (no box) per
  tagged image; with rejections, every annotation carries ``attributes: {decision: tag|reject}``.
- ``folders``: FiftyOne's ``ImageClassificationDirectoryTree``, ``<dir>/<tag>/<image files>``
  (``fo.Dataset.from_dir(dir, fo.types.ImageClassificationDirectoryTree)``): a byte-identical copy
  of each tagged image's original file in each of its tags' folders. A missing original is an error
  naming it (a 128-px thumbnail would pass silently for training data). Folder and file names are
  made safe (no separators or characters Windows refuses, none empty or starting with ``.``, which
  FiftyOne skips, never ``_unlabeled``, FiftyOne's folder of unlabelled images) and unique even on a
  case-insensitive disk: a name met twice gets ``-2``, ``-3``. ``vsexplore-export.json`` at the top
  (FiftyOne ignores top-level files) maps every folder to its tag and every file to its source, and
  lists rejections when asked; renamed tags are also warned about. The tree is written beside the
  target and moved into place whole; it replaces only an empty folder or an earlier such export.

Rejections are written only when asked (``rejections=``), so the default CSV and COCO files keep the
columns and annotations they always had.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import uuid
import warnings
from pathlib import Path

from ..errors import StoreError
from ..images import display_path
from .tags import write_atomically

Image = tuple[str, int, int]  # (path, width, height)
Decisions = dict[str, list[int]]  # {tag: image indices}
FORMATS = ("csv", "coco", "folders")
MANIFEST = "vsexplore-export.json"
FIFTYONE_UNLABELED = "_unlabeled"
UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10))}
NAME_BYTES = 200  # below every common file system's 255-byte limit, with room for "-2"


def _pairs(tags: Decisions, rejections: Decisions | None) -> list[tuple[int, str, str]]:
    """(image, tag, decision) for every decision, sorted by image, then tag, tags before rejections."""
    kinds = [("tag", tags)] + ([("reject", rejections)] if rejections is not None else [])
    return sorted((i, tag, kind) for kind, book in kinds for tag, indices in book.items() for i in indices)


def write_csv(path: str | Path, images: list[Image], tags: Decisions, rejections: Decisions | None = None
              ) -> Path:
    """``path,tag`` rows (``path,tag,decision`` with rejections), sorted by image then tag."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["path", "tag"] + (["decision"] if rejections is not None else []))
    for i, tag, kind in _pairs(tags, rejections):
        writer.writerow([images[i][0], tag] + ([kind] if rejections is not None else []))
    return _write(path, out.getvalue())


def write_coco(path: str | Path, images: list[Image], tags: Decisions, rejections: Decisions | None = None
               ) -> Path:
    """COCO-style JSON: ``images``, ``categories`` and image-level annotations (no box)."""
    pairs = _pairs(tags, rejections)
    named = sorted({tag for _, tag, _ in pairs} | set(tags))
    categories = [{"id": c + 1, "name": tag} for c, tag in enumerate(named)]
    category_id = {c["name"]: c["id"] for c in categories}
    annotations = []
    for n, (i, tag, kind) in enumerate(pairs):
        annotations.append({"id": n + 1, "image_id": i + 1, "category_id": category_id[tag]})
        if rejections is not None:
            annotations[-1]["attributes"] = {"decision": kind}
    document = {
        "images": [{"id": i + 1, "file_name": images[i][0], "width": images[i][1], "height": images[i][2]}
                   for i in sorted({i for i, _, _ in pairs})],
        "categories": categories,
        "annotations": annotations,
    }
    return _write(path, json.dumps(document, indent=1, ensure_ascii=False))


def _write(path: str | Path, text: str) -> Path:
    path = Path(path)
    write_atomically(path.parent, path.name, text.encode("utf-8"))
    return path


def safe_name(name: str) -> str:
    """``name`` as a file or folder name any common disk (and FiftyOne) takes."""
    safe = UNSAFE.sub("_", name).strip().rstrip(". ")  # Windows drops trailing dots and spaces
    if not safe or safe.startswith(".") or safe.split(".")[0].upper() in WINDOWS_RESERVED:
        safe = "_" + safe
    return safe.encode("utf-8")[:NAME_BYTES].decode("utf-8", errors="ignore")


def _unique(name: str, taken: set[str], split_suffix: bool) -> str:
    """``name``, or ``stem-2.ext``, ``stem-3.ext``, ... when it is in ``taken`` (case-insensitively)."""
    stem, suffix = os.path.splitext(name) if split_suffix else (name, "")
    n, unique = 1, name
    while unique.casefold() in taken:
        n += 1
        unique = f"{stem}-{n}{suffix}"
    taken.add(unique.casefold())
    return unique


def folder_names(tags: list[str]) -> dict[str, str]:
    """{tag: its folder}: safe, unique, never FiftyOne's ``_unlabeled``."""
    taken = {FIFTYONE_UNLABELED, MANIFEST.casefold()}
    return {tag: _unique(safe_name(tag), taken, split_suffix=False) for tag in sorted(tags)}


def write_folders(path: str | Path, files: list[str], tags: Decisions, rejections: Decisions | None = None
                  ) -> Path:
    """One folder per tag holding a copy of each tagged image's original (see the module docstring)."""
    path = Path(path)
    missing = sorted({i for indices in tags.values() for i in indices if not os.path.isfile(files[i])})
    if missing:
        raise StoreError(f"{display_path(files[missing[0]])}: the original of a tagged image is gone "
                         f"({len(missing)} missing in all); restore it, or export the tags as CSV or COCO "
                         "JSON, which need only the paths. Nothing was written.")
    _check_target(path)
    folders = folder_names(list(tags))
    building = path.parent / f".{path.name}.partial-{uuid.uuid4().hex}"
    building.mkdir(parents=True)
    try:
        exported = {}
        for tag, folder in folders.items():
            (building / folder).mkdir()
            taken: set[str] = set()
            for i in tags[tag]:
                name = _unique(safe_name(display_path(os.path.basename(files[i]))), taken, split_suffix=True)
                shutil.copyfile(files[i], building / folder / name)
                exported[f"{folder}/{name}"] = display_path(files[i])
        manifest = {"layout": "fiftyone.types.ImageClassificationDirectoryTree",
                    "folders": {folder: tag for tag, folder in folders.items()}, "images": exported}
        if rejections is not None:
            manifest["rejected"] = {tag: [display_path(files[i]) for i in indices]
                                    for tag, indices in sorted(rejections.items())}
        (building / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        _move_into_place(building, path)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    renamed = [f"{tag!r} -> {folder!r}" for tag, folder in folders.items() if folder != tag]
    if renamed:
        warnings.warn(f"{path}: tags renamed as folder names: {', '.join(renamed)} (all in {MANIFEST})",
                      stacklevel=4)
    return path


def _check_target(path: Path) -> None:
    if path.is_dir() and any(path.iterdir()) and not (path / MANIFEST).is_file():
        raise StoreError(f"{path}: this folder is not empty and is not an earlier tag export; export into "
                         "a new or empty folder. Nothing was written.")
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: a file; export folders to a new folder, or pass format='csv'")


def _move_into_place(building: Path, path: Path) -> None:
    """Put the finished tree at ``path``; an empty folder or earlier export there is removed after."""
    if not path.exists():
        os.replace(building, path)
        return
    old = path.parent / f".{path.name}.old-{uuid.uuid4().hex}"
    os.replace(path, old)
    os.replace(building, path)
    shutil.rmtree(old)


def choose_format(path: Path) -> str:
    """'folders' for a folder or a new path without suffix, 'coco' for .json, else 'csv'."""
    if path.is_dir() or (not path.suffix and not path.exists()):
        return "folders"
    return "coco" if path.suffix == ".json" else "csv"


def export_tags(path: str | Path, images: list[Image], tags: Decisions, format: str | None = None,
                rejections: Decisions | None = None, files: list[str] | None = None) -> Path:
    """Write ``tags`` (and ``rejections``, when given) as ``format``: 'csv', 'coco' or 'folders'
    (default: by the path, :func:`choose_format`). ``files``: the images' real paths, which
    'folders' copies (default: ``images``' paths)."""
    path = Path(path)
    format = format or choose_format(path)
    if format == "csv":
        return write_csv(path, images, tags, rejections)
    if format == "coco":
        return write_coco(path, images, tags, rejections)
    if format == "folders":
        files = files if files is not None else [p for p, _, _ in images]
        return write_folders(path, files, tags, rejections)
    raise ValueError(f"format {format!r}: use one of {', '.join(FORMATS)}")
