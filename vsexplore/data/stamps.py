"""Tux Paint's photographic object cut-outs (``tuxpaint-stamps-default``) with curated English labels.

The package holds ~800 stamps: PNGs with alpha, a ``.txt`` whose first line is an English
description, a ``.dat`` of flags (``colorable`` = a grey shape Tux Paint fills with colour), in
category folders. Kept: photographs. Dropped: ``cartoon`` and ``symbols`` folders (the authors'
own marks), ``colorable`` shapes, ``*_mirror`` copies (scenes flip objects themselves), and
drawings, which two measured cues catch: photos have a rich colour distribution (entropy of
the 15-bit colour histogram >= 4 bits) and almost no perfectly flat neighbourhoods (<= 15 % of
opaque pixels equal to both their right and lower neighbours), while drawings are flat fills.
``OVERRIDES`` fixes the cues' mistakes, checked by looking at every stamp.

Labels: the object's specific name (the file name, or ``NAMES`` where the file name misleads:
``beetle`` is a VW car, ``tucan`` a toucan, ``flower10`` a hibiscus), then broader categories
from ``FOLDER_CATEGORIES``, or ``STEM_CATEGORIES`` where the folder is wrong (a lobster in
``fish``, rabbits in ``rodents``). The names were checked against each stamp's description. These
curated tables are package data, ``_tables/stamp_*.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .cache import cache_dir
from .debian import fetch
from .tables import read_table

PACKAGE = "tuxpaint-stamps-default"
STAMPS_DIR = "usr/share/tuxpaint/stamps"
INCLUDE = ("*/stamps/*.png", "*/stamps/*.txt", "*/stamps/*.dat")
MIN_ENTROPY_BITS = 4.0
MAX_FLAT_FRACTION = 0.15

# Stamp key (path under the stamps folder, no suffix) -> keep?  Where the cues are wrong. The file's rows
# are [key, keep], plus the reason on the first row of each run of rows it explains.
OVERRIDES: dict[str, bool] = {key: keep for key, keep, *_why in read_table("stamp_overrides")}

# File stem -> specific name, where the cleaned file name is wrong, obscure or too specific.
NAMES: dict[str, str] = read_table("stamp_names")


def _categories(table: str) -> dict[str, tuple[str, ...]]:
    """A ``_tables`` file of name -> categories, with the categories as tuples."""
    return {name: tuple(categories) for name, categories in read_table(table).items()}


# Folder -> broader categories (complete list per folder, no inheritance, so each line reads alone).
FOLDER_CATEGORIES: dict[str, tuple[str, ...]] = _categories("stamp_folder_categories")

# File stem -> categories replacing the folder's, where the folder misleads.
STEM_CATEGORIES: dict[str, tuple[str, ...]] = _categories("stamp_stem_categories")


@dataclass(frozen=True)
class Stamp:
    """One photographic cut-out: its PNG, a stable key, its labels (specific name first), flip allowed."""

    path: Path
    key: str
    labels: tuple[str, ...]
    flippable: bool

    @property
    def name(self) -> str:
        return self.labels[0]


def on_white(path: str | Path, side: int) -> Image.Image:
    """A cut-out composited on white, its longer side at most ``side`` pixels (never enlarged)."""
    with Image.open(path) as im:
        rgba = im.convert("RGBA")
    rgba.thumbnail((side, side), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", rgba.size, "white")
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def photo_cues(rgba: np.ndarray) -> tuple[float, float]:
    """Colour entropy (bits, 15-bit histogram) and flat-neighbourhood fraction over opaque pixels."""
    opaque = rgba[..., 3] >= 250
    rgb = rgba[..., :3].astype(np.int16)
    if not opaque.any():
        return 0.0, 1.0
    q = rgb[opaque] // 8
    _, counts = np.unique(q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2], return_counts=True)
    p = counts / counts.sum()
    entropy = float(-(p * np.log2(p)).sum())
    inner = opaque[:-1, :-1] & opaque[1:, :-1] & opaque[:-1, 1:]
    if not inner.any():
        return entropy, 1.0
    same_right = (rgb[:-1, 1:] == rgb[:-1, :-1]).all(-1)
    same_down = (rgb[1:, :-1] == rgb[:-1, :-1]).all(-1)
    return entropy, float((same_right & same_down)[inner].mean())


def looks_photographic(entropy: float, flat: float) -> bool:
    """True for rich-coloured, non-flat cut-outs (see ``photo_cues``): photographs, not drawings."""
    return entropy >= MIN_ENTROPY_BITS and flat <= MAX_FLAT_FRACTION


def stamp_labels(key: str) -> tuple[str, ...]:
    """Specific name then broader categories for a stamp key, from the curated tables."""
    folder, _, stem = key.rpartition("/")
    name = NAMES.get(stem) or re.sub(r"[-_ ]*\d+[a-z]?$", "", stem).replace("_", " ").replace("-", " ")
    categories = STEM_CATEGORIES.get(stem, FOLDER_CATEGORIES.get(folder, ()))
    return tuple(dict.fromkeys([name.lower().strip(), *categories]))


def catalogue(root: Path | None = None) -> list[Stamp]:
    """All photographic stamps, sorted by key; fetches the package when ``root`` is not given."""
    root = Path(root) if root is not None else fetch(PACKAGE, INCLUDE) / STAMPS_DIR
    cues_file = (
        cache_dir("stamps") / f"cues-{hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]}.json"
    )
    cues = json.loads(cues_file.read_text()) if cues_file.exists() else {}
    stamps = [stamp for path in sorted(root.rglob("*.png")) if (stamp := _judge(root, path, cues))]
    cues_file.write_text(json.dumps(cues))
    return stamps


def _judge(root: Path, path: Path, cues: dict[str, list[float]]) -> Stamp | None:
    """The stamp for one PNG, or None when it is not a usable photograph; ``cues`` memoises the measures."""
    rel = path.relative_to(root)
    key = rel.with_suffix("").as_posix()
    dat = path.with_suffix(".dat")
    flags = dat.read_text(errors="ignore").split() if dat.exists() else []
    excluded_folder = rel.parts[0] == "symbols" or "cartoon" in rel.parts or path.stem.endswith("_mirror")
    if excluded_folder or "colorable" in flags or rel.parent.as_posix() not in FOLDER_CATEGORIES:
        return None
    keep = OVERRIDES.get(key)
    if keep is None:
        if key not in cues:
            cues[key] = list(photo_cues(np.asarray(Image.open(path).convert("RGBA"))))
        keep = looks_photographic(*cues[key])
    return Stamp(path, key, stamp_labels(key), "nomirror" not in flags) if keep else None
