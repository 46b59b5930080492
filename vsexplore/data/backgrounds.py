"""Real background photographs from Debian packages and scikit-image, cut into prepared views.

``SOURCES`` lists photos picked by looking at every image the packages ship: nature and
landscape photos only (no abstract wallpapers, logos, drawings, calibration charts or text). A
large photo is cut into up to 2 x 2 tiles ("views", each at least 800 x 600 source pixels), each
saved once as a JPEG with a 480-pixel short side, so scenes never decode 5k wallpapers. All views
of one photo share its ``source`` id, which is what train/test splits are made on.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import skimage
from PIL import Image

from .cache import cache_dir
from .debian import DebianUnavailable, fetch
from .tables import read_table

VIEW_SHORT_SIDE = 480

# package -> {photo name: path inside the package}, from ``_tables/background_sources.json``. Download sizes
# (bookworm): mate 46.6 MB, plasma 94.0 MB, palapeli 2.1 MB, opencv-doc 95.7 MB; only the listed files are
# kept after extraction.
_CHOSEN = read_table("background_sources")
SOURCES: dict[str, dict[str, str]] = _CHOSEN["debian"]
# scikit-image's bundled photos used as backgrounds, files of its ``data`` folder
SKIMAGE_PHOTOS: tuple[str, ...] = tuple(_CHOSEN["scikit-image"])


@dataclass(frozen=True)
class Background:
    """One prepared view: its JPEG, the photo it was cut from (``source``), its tile index, and
    the tile's box (x0, y0, x1, y1) relative to the photo."""

    path: Path
    source: str
    tile: int
    region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)


def source_photos(require_debian: bool = True) -> dict[str, Path]:
    """Source id (``package/file stem``) -> original photo; without apt, warn and keep scikit-image's only."""
    photos = {}
    for package, files in SOURCES.items():
        try:
            root = fetch(package, tuple(f"./{f}" for f in files.values()))
        except DebianUnavailable as err:
            if require_debian:
                raise
            warnings.warn(f"skipping {package} backgrounds: {err}", stacklevel=2)
            continue
        photos |= {f"{package}/{name}": root / f for name, f in files.items()}
    skimage_data = Path(skimage.__file__).parent / "data"
    photos |= {f"scikit-image/{Path(f).stem}": skimage_data / f for f in SKIMAGE_PHOTOS}
    return dict(sorted(photos.items()))


def backgrounds(require_debian: bool = True) -> list[Background]:
    """All prepared background views, sorted; prepares missing ones into the cache (atomic writes)."""
    out_dir = cache_dir("backgrounds")
    views = []
    for source, photo in source_photos(require_debian).items():
        views += _prepare(source, photo, out_dir)
    return views


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Up to 2 x 2 equal tiles, each at least 800 x 600 source pixels."""
    cols, rows = max(1, min(2, width // 800)), max(1, min(2, height // 600))
    w, h = width // cols, height // rows
    return [(c * w, r * h, (c + 1) * w, (r + 1) * h) for r in range(rows) for c in range(cols)]


def _prepare(source: str, photo: Path, out_dir: Path) -> list[Background]:
    """The views of one photo, writing those not yet in the cache."""
    stem = source.replace("/", "__")
    with Image.open(photo) as im:
        boxes = _tiles(*im.size)
        width, height = im.size
        views = [
            Background(
                out_dir / f"{stem}__{i}.jpg", source, i, (x0 / width, y0 / height, x1 / width, y1 / height)
            )
            for i, (x0, y0, x1, y1) in enumerate(boxes)
        ]
        if all(v.path.exists() for v in views):
            return views
        image = im.convert("RGB")
    for view, box in zip(views, boxes, strict=True):
        save_photo(image.crop(box), view.path, VIEW_SHORT_SIDE)
    return views


def save_photo(image: Image.Image, target: Path, short_side: int) -> None:
    """Save an RGB photo as JPEG, shrunk to at most ``short_side``; atomically, so an interrupted
    run never leaves half a file in the cache."""
    scale = short_side / min(image.size)
    if scale < 1:
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    tmp = target.with_suffix(".tmp")
    image.save(tmp, "JPEG", quality=92)
    os.replace(tmp, target)
