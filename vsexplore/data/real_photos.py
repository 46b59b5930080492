"""A held-out evaluation set of real, non-composite photos with hand-written labels and rough regions.

How it was made: every candidate image in the sources below was looked at, one by one, on a
10 x 10 grid; labels say what is really visible over a meaningful area (plain lowercase English
words or short phrases, each word known to GloVe 6B), and for sky, water, tree, grass and person
a few coarse boxes (x0, y0, x1, y1, relative 0-1, in the photo as stored) say where they are.
Abstract wallpapers, drawings, charts, screenshots and text pages were left out.

Sources, and why the model never trained on them:

* the test-split background photos (``scenes.in_test(source)``), whole; training composites
  only ever use train-split views, and these ids equal their background ids;
* Debian photos that ``backgrounds.SOURCES`` does not list (``opencv-doc`` examples, the
  ``kphotoalbum`` demo album — 24 photos, 12.2 MB download), fetched into a separate cache
  folder so they never disturb the backgrounds' extraction; photos that are another shot of a
  train-split background (stereo pairs such as ``aloeR``, ``rubberwhale2``, ``motorcycle_right``,
  the edited ``ela_modified``, other sizes of the same wallpaper) are excluded by hand;
* scikit-image's bundled photos that are not backgrounds (no pooch downloads).

``rotate`` (degrees clockwise) is the turn KPhotoAlbum's demo ``index.xml`` records for scanned
photos stored sideways; it is applied before saving.

The table is package data, ``_tables/real_photos.json``, one photo a line; a test-split background
has no ``path`` there, its path is the one ``backgrounds.SOURCES`` gives its id. In ``opencv-doc/aero3``
the hazy top band is the sea behind a beach line, so it is boxed as water, not sky.
"""

from __future__ import annotations

import os
from pathlib import Path

import skimage
from PIL import Image

from .backgrounds import SOURCES, VIEW_SHORT_SIDE, save_photo, source_photos
from .cache import cache_dir
from .debian import fetch
from .records import Box, Record
from .tables import read_table

SHORT_SIDE = VIEW_SHORT_SIDE  # stored like the background views, so both sets look alike to the model
SKIMAGE = "scikit-image"


def _photos() -> dict[str, dict]:
    """The photos of ``_tables/real_photos.json``, labels and boxes as tuples, with backgrounds' paths."""
    photos = {}
    for photo_id, entry in read_table("real_photos").items():
        source = entry["source"]
        path = entry.get("path") or SOURCES[source][photo_id.removeprefix(f"{source}/")]
        photos[photo_id] = {"source": source, "path": path, **entry} | {
            "labels": tuple(entry["labels"]),
            "regions": {label: [tuple(box) for box in boxes] for label, boxes in entry["regions"].items()},
        }
    return photos


# photo id -> source package (or "scikit-image"), path inside it (or skimage data file), labels,
# regions {label: [(x0, y0, x1, y1), ...]} and, for sideways scans, rotate (degrees clockwise).
PHOTOS: dict[str, dict] = _photos()


def regions(photo_id: str) -> dict[str, list[Box]]:
    """The hand-drawn boxes of one photo, relative (x0, y0, x1, y1) in 0-1 of the stored image."""
    return {label: list(boxes) for label, boxes in PHOTOS[photo_id]["regions"].items()}


def real_photos(out_dir: str | os.PathLike | None = None) -> list[Record]:
    """The held-out photos as Records (JPEG path, labels, region boxes in pixels), sorted by id.

    Missing JPEGs are written (short side <= ``SHORT_SIDE``, atomic) from the fetched originals;
    with all of them in place nothing is fetched, so a warm cache works offline.
    """
    out = Path(out_dir) if out_dir is not None else cache_dir("real-photos")
    out.mkdir(parents=True, exist_ok=True)
    targets = {pid: out / f"{pid.replace('/', '__')}.jpg" for pid in sorted(PHOTOS)}
    missing = [pid for pid, path in targets.items() if not path.exists()]
    if missing:
        originals = _originals(missing)
        for pid in missing:
            _write(originals[pid], targets[pid], PHOTOS[pid].get("rotate", 0))
    records = []
    for pid, path in targets.items():
        with Image.open(path) as im:
            width, height = im.size
        boxes = {
            label: [(x0 * width, y0 * height, x1 * width, y1 * height) for x0, y0, x1, y1 in rects]
            for label, rects in regions(pid).items()
        }
        records.append(Record(os.fspath(path), list(PHOTOS[pid]["labels"]), boxes=boxes))
    return records


def _originals(photo_ids: list[str]) -> dict[str, Path]:
    """Original files: backgrounds' own fetch for their photos, a separate fetch folder for the rest."""
    background_ids = {
        (pkg, path): f"{pkg}/{name}" for pkg, files in SOURCES.items() for name, path in files.items()
    }
    skimage_data = Path(skimage.__file__).parent / "data"
    found: dict[str, Path] = {}
    extra: dict[str, list[str]] = {}  # package -> all its photos that backgrounds do not fetch
    for pid, photo in sorted(PHOTOS.items()):
        if photo["source"] != SKIMAGE and (photo["source"], photo["path"]) not in background_ids:
            extra.setdefault(photo["source"], []).append(pid)
    wanted = set(photo_ids)
    if any((PHOTOS[pid]["source"], PHOTOS[pid]["path"]) in background_ids for pid in wanted):
        backgrounds = source_photos()
        for pid in wanted:
            key = (PHOTOS[pid]["source"], PHOTOS[pid]["path"])
            if key in background_ids:
                found[pid] = backgrounds[background_ids[key]]
    for package, pids in extra.items():
        if wanted.isdisjoint(pids):
            continue
        root = fetch(
            package,
            tuple(f"./{PHOTOS[pid]['path']}" for pid in pids),
            root=cache_dir("real-photos", "debian"),
        )
        found |= {pid: root / PHOTOS[pid]["path"] for pid in pids}
    found |= {pid: skimage_data / PHOTOS[pid]["path"] for pid in wanted if PHOTOS[pid]["source"] == SKIMAGE}
    return {pid: found[pid] for pid in photo_ids}


def _write(photo: Path, target: Path, rotate: int) -> None:
    """One photo as an RGB JPEG, turned ``rotate`` degrees clockwise, short side at most ``SHORT_SIDE``."""
    with Image.open(photo) as im:
        image = im.convert("RGB")
    if rotate:
        image = image.rotate(-rotate, expand=True)
    save_photo(image, target, SHORT_SIDE)
