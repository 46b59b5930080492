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

SHORT_SIDE = VIEW_SHORT_SIDE  # stored like the background views, so both sets look alike to the model
SKIMAGE = "scikit-image"
_KPA = "usr/share/kphotoalbum/demo/{}.jpg"
_CV = "usr/share/doc/opencv-doc/examples/{}"

# photo id -> source package (or "scikit-image"), path inside it (or skimage data file), labels,
# regions {label: [(x0, y0, x1, y1), ...]} and, for sideways scans, rotate (degrees clockwise).
PHOTOS: dict[str, dict] = {
    # ---- test-split backgrounds (whole photos) ----
    "mate-backgrounds/Aqua": {
        "source": "mate-backgrounds",
        "path": SOURCES["mate-backgrounds"]["Aqua"],
        "labels": ("water", "drop", "splash"),
        "regions": {},
    },
    "mate-backgrounds/Storm": {
        "source": "mate-backgrounds",
        "path": SOURCES["mate-backgrounds"]["Storm"],
        "labels": ("sky", "cloud", "storm", "field", "grass", "road"),
        "regions": {"sky": [(0.0, 0.0, 1.0, 0.58)], "grass": [(0.0, 0.58, 1.0, 0.7)]},
    },
    "opencv-doc/001": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["001"],
        "labels": ("sky", "cloud", "water", "lake", "tree", "forest"),
        "regions": {
            "sky": [(0.0, 0.0, 1.0, 0.33)],
            "water": [(0.0, 0.47, 1.0, 1.0)],
            "tree": [(0.0, 0.33, 0.17, 0.5), (0.1, 0.33, 0.85, 0.46), (0.8, 0.18, 1.0, 0.5)],
        },
    },
    "opencv-doc/aero1": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["aero1"],
        "labels": ("city", "building", "road", "tree", "water"),
        "regions": {
            "tree": [(0.55, 0.6, 1.0, 1.0), (0.0, 0.85, 0.25, 1.0)],
            "water": [(0.25, 0.85, 0.45, 1.0), (0.7, 0.0, 1.0, 0.25)],
        },
    },
    "opencv-doc/aero3": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["aero3"],
        "labels": ("city", "building", "tree", "forest", "road", "sea", "water", "beach"),
        "regions": {  # the hazy top band is the sea behind a beach line, not sky
            "water": [(0.0, 0.0, 1.0, 0.17)],
            "tree": [(0.0, 0.15, 1.0, 0.3), (0.0, 0.6, 0.35, 1.0), (0.6, 0.55, 1.0, 1.0)],
        },
    },
    "opencv-doc/board": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["board"],
        "labels": ("circuit board", "electronics", "chip"),
        "regions": {},
    },
    "opencv-doc/fruits": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["fruits"],
        "labels": ("fruit", "food", "orange", "lemon", "lime", "kiwi"),
        "regions": {},
    },
    "opencv-doc/graf1": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["graf1"],
        "labels": ("graffiti", "wall", "painting"),
        "regions": {},
    },
    "opencv-doc/leuvenA": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["leuvenA"],
        "labels": ("building", "house", "street", "cobblestone", "brick", "window", "sky"),
        "regions": {"sky": [(0.28, 0.0, 0.68, 0.45), (0.68, 0.0, 0.9, 0.13)]},
    },
    "opencv-doc/orange": {
        "source": "opencv-doc",
        "path": SOURCES["opencv-doc"]["orange"],
        "labels": ("orange", "fruit", "food"),
        "regions": {},
    },
    "plasma-workspace-wallpapers/ColorfulCups": {
        "source": "plasma-workspace-wallpapers",
        "path": SOURCES["plasma-workspace-wallpapers"]["ColorfulCups"],
        "labels": ("cup", "plastic"),
        "regions": {},
    },
    "plasma-workspace-wallpapers/Path": {
        "source": "plasma-workspace-wallpapers",
        "path": SOURCES["plasma-workspace-wallpapers"]["Path"],
        "labels": ("tree", "forest", "path", "grass", "plant"),
        "regions": {"tree": [(0.0, 0.0, 1.0, 0.5)], "grass": [(0.0, 0.5, 1.0, 1.0)]},
    },
    # ---- kphotoalbum demo album ----
    "kphotoalbum/anne_helene": {
        "source": "kphotoalbum",
        "path": _KPA.format("anne_helene"),
        "labels": ("person", "woman", "beach", "sand", "sea", "water", "sky", "sunglasses"),
        "regions": {
            "person": [(0.0, 0.18, 0.65, 1.0)],
            "sky": [(0.0, 0.0, 1.0, 0.22)],
            "water": [(0.5, 0.27, 1.0, 0.34)],
        },
    },
    "kphotoalbum/bar55": {
        "source": "kphotoalbum",
        "path": _KPA.format("bar55"),
        "labels": ("person", "man", "woman", "bar", "glass"),
        "regions": {"person": [(0.28, 0.15, 0.85, 1.0), (0.0, 0.2, 0.12, 0.85), (0.63, 0.0, 0.8, 0.25)]},
    },
    "kphotoalbum/bar55_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("bar55_2"),
        "labels": ("person", "man", "woman", "glass", "wine", "bar"),
        "regions": {"person": [(0.1, 0.1, 0.95, 0.85)]},
    },
    "kphotoalbum/blackie": {
        "source": "kphotoalbum",
        "path": _KPA.format("blackie"),
        "labels": ("aquarium", "water", "animal", "wood", "pebble", "plant"),
        "regions": {},
    },
    "kphotoalbum/cold_water": {
        "source": "kphotoalbum",
        "path": _KPA.format("cold_water"),
        "labels": ("person", "man", "sea", "water", "beach", "sky"),
        "regions": {
            "person": [(0.35, 0.3, 0.82, 1.0), (0.13, 0.38, 0.36, 1.0), (0.0, 0.45, 0.06, 0.6)],
            "sky": [(0.0, 0.0, 1.0, 0.4)],
            "water": [(0.0, 0.42, 1.0, 1.0)],
        },
    },
    "kphotoalbum/donna": {
        "source": "kphotoalbum",
        "path": _KPA.format("donna"),
        "labels": ("dog", "animal", "tree", "forest", "leaf"),
        "regions": {"tree": [(0.0, 0.0, 1.0, 0.35)]},
    },
    "kphotoalbum/donna_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("donna_2"),
        "labels": ("dog", "animal", "floor", "wood"),
        "regions": {},
    },
    "kphotoalbum/grand_canyon_1": {
        "source": "kphotoalbum",
        "path": _KPA.format("grand_canyon_1"),
        "rotate": 180,
        "labels": ("person", "man", "woman", "sky", "canyon", "rock"),
        "regions": {
            "person": [(0.0, 0.15, 0.35, 1.0), (0.3, 0.28, 0.58, 1.0)],
            "sky": [(0.0, 0.0, 1.0, 0.45)],
        },
    },
    "kphotoalbum/grand_canyon_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("grand_canyon_2"),
        "labels": ("person", "man", "sky", "canyon", "rock", "snow", "hat"),
        "regions": {"person": [(0.3, 0.37, 0.7, 1.0)], "sky": [(0.0, 0.0, 1.0, 0.48)]},
    },
    "kphotoalbum/grand_canyon_3": {
        "source": "kphotoalbum",
        "path": _KPA.format("grand_canyon_3"),
        "labels": ("sky", "cloud", "canyon", "rock", "cliff"),
        "regions": {"sky": [(0.0, 0.0, 1.0, 0.5)]},
    },
    "kphotoalbum/jesper": {
        "source": "kphotoalbum",
        "path": _KPA.format("jesper"),
        "labels": ("person", "man", "face"),
        "regions": {"person": [(0.0, 0.0, 1.0, 1.0)]},
    },
    "kphotoalbum/jesper_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("jesper_2"),
        "labels": ("person", "man", "face", "shirt"),
        "regions": {"person": [(0.15, 0.0, 0.8, 1.0), (0.0, 0.7, 1.0, 1.0)]},
    },
    "kphotoalbum/new_wave_1": {
        "source": "kphotoalbum",
        "path": _KPA.format("new_wave_1"),
        "rotate": 90,
        "labels": ("person", "man", "can"),
        "regions": {"person": [(0.1, 0.15, 0.95, 1.0)]},
    },
    "kphotoalbum/new_wave_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("new_wave_2"),
        "labels": ("person", "man", "face", "smile"),
        "regions": {"person": [(0.33, 0.0, 0.68, 1.0), (0.66, 0.18, 0.8, 0.88)]},
    },
    "kphotoalbum/pool": {
        "source": "kphotoalbum",
        "path": _KPA.format("pool"),
        "labels": ("person", "man", "pool table", "billiards", "cue"),
        "regions": {"person": [(0.15, 0.2, 0.65, 0.85), (0.62, 0.17, 0.78, 0.76)]},
    },
    "kphotoalbum/pool_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("pool_2"),
        "rotate": 270,
        "labels": ("person", "man", "pool table", "billiards", "cue", "ball"),
        "regions": {"person": [(0.3, 0.03, 0.6, 0.6)]},
    },
    "kphotoalbum/qt-logo": {
        "source": "kphotoalbum",
        "path": _KPA.format("qt-logo"),
        "labels": ("person", "man", "tattoo", "arm", "smile"),
        "regions": {"person": [(0.0, 0.0, 1.0, 1.0)]},
    },
    "kphotoalbum/skagen": {
        "source": "kphotoalbum",
        "path": _KPA.format("skagen"),
        "labels": ("sea", "water", "wave", "sky", "cloud"),
        "regions": {"sky": [(0.0, 0.0, 1.0, 0.43)], "water": [(0.0, 0.43, 1.0, 1.0)]},
    },
    "kphotoalbum/skagen_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("skagen_2"),
        "labels": ("sea", "water", "sky", "coast", "land"),
        "regions": {
            "sky": [(0.0, 0.0, 1.0, 0.38)],
            "water": [(0.0, 0.38, 1.0, 0.47), (0.0, 0.47, 0.4, 1.0), (0.4, 0.72, 0.75, 1.0)],
        },
    },
    "kphotoalbum/snow": {
        "source": "kphotoalbum",
        "path": _KPA.format("snow"),
        "labels": ("snow", "airplane", "airport", "sky"),
        "regions": {"sky": [(0.0, 0.0, 1.0, 0.17)]},
    },
    "kphotoalbum/spiff": {
        "source": "kphotoalbum",
        "path": _KPA.format("spiff"),
        "labels": ("rabbit", "animal", "grass"),
        "regions": {"grass": [(0.0, 0.0, 0.3, 1.0), (0.7, 0.0, 1.0, 1.0), (0.3, 0.0, 0.7, 0.15)]},
    },
    "kphotoalbum/spiff_2": {
        "source": "kphotoalbum",
        "path": _KPA.format("spiff_2"),
        "labels": ("rabbit", "animal", "box", "cardboard", "wall"),
        "regions": {},
    },
    "kphotoalbum/sunset": {
        "source": "kphotoalbum",
        "path": _KPA.format("sunset"),
        "labels": ("sunset", "sky", "cloud", "sun", "tree"),
        "regions": {"sky": [(0.0, 0.0, 1.0, 0.5)], "tree": [(0.0, 0.42, 1.0, 0.6)]},
    },
    "kphotoalbum/wayne": {
        "source": "kphotoalbum",
        "path": _KPA.format("wayne"),
        "rotate": 90,
        "labels": ("person", "man", "pool table", "cue", "wood"),
        "regions": {"person": [(0.2, 0.3, 0.5, 0.97), (0.6, 0.33, 0.93, 0.8)]},
    },
    # ---- opencv-doc examples not used as backgrounds ----
    "opencv-doc/alphamat-plant": {
        "source": "opencv-doc",
        "path": _CV.format("alphamat/input_images/plant.jpg"),
        "labels": ("plant", "leaf", "pot"),
        "regions": {},
    },
    "opencv-doc/basketball1": {
        "source": "opencv-doc",
        "path": _CV.format("data/basketball1.png"),
        "labels": ("person", "man", "basketball", "ball"),
        "regions": {"person": [(0.05, 0.15, 0.43, 1.0), (0.75, 0.05, 1.0, 1.0)]},
    },
    "opencv-doc/superres-butterfly": {
        "source": "opencv-doc",
        "path": _CV.format("dnn_superres/butterfly.png"),
        "labels": ("butterfly", "insect", "wing"),
        "regions": {},
    },
    "opencv-doc/reg-home": {
        "source": "opencv-doc",
        "path": _CV.format("reg/home.png"),
        "labels": ("house", "building", "brick", "roof", "chimney", "window", "sky"),
        "regions": {"sky": [(0.0, 0.0, 0.22, 0.45), (0.38, 0.0, 1.0, 0.22)]},
    },
    "opencv-doc/left01": {
        "source": "opencv-doc",
        "path": _CV.format("data/left01.jpg"),
        "labels": ("person", "chessboard", "computer", "keyboard"),
        "regions": {"person": [(0.3, 0.1, 0.9, 1.0)]},
    },
    "opencv-doc/left": {
        "source": "opencv-doc",
        "path": _CV.format("data/left.jpg"),
        "labels": ("book", "floor"),
        "regions": {},
    },
    "opencv-doc/licenseplate_motion": {
        "source": "opencv-doc",
        "path": _CV.format("data/licenseplate_motion.jpg"),
        "labels": ("car", "license plate"),
        "regions": {},
    },
    "opencv-doc/scenetext01": {
        "source": "opencv-doc",
        "path": _CV.format("text/scenetext01.jpg"),
        "labels": ("sign", "tree", "car", "person", "street"),
        "regions": {
            "tree": [(0.0, 0.0, 0.33, 0.6), (0.55, 0.0, 1.0, 0.55)],
            "person": [(0.0, 0.53, 0.13, 1.0), (0.83, 0.58, 1.0, 1.0)],
        },
    },
    "opencv-doc/scenetext02": {
        "source": "opencv-doc",
        "path": _CV.format("text/scenetext02.jpg"),
        "labels": ("sign", "tree", "leaf"),
        "regions": {"tree": [(0.0, 0.0, 1.0, 0.5), (0.0, 0.5, 0.18, 1.0)]},
    },
    "opencv-doc/scenetext03": {
        "source": "opencv-doc",
        "path": _CV.format("text/scenetext03.jpg"),
        "labels": ("building", "sign", "flower", "concrete"),
        "regions": {},
    },
    "opencv-doc/scenetext04": {
        "source": "opencv-doc",
        "path": _CV.format("text/scenetext04.jpg"),
        "labels": ("building", "tree", "palm tree", "wall", "sky"),
        "regions": {
            "tree": [(0.35, 0.18, 0.6, 0.42), (0.62, 0.0, 1.0, 0.82)],
            "sky": [(0.36, 0.0, 0.62, 0.3)],
        },
    },
    "opencv-doc/scenetext05": {
        "source": "opencv-doc",
        "path": _CV.format("text/scenetext05.jpg"),
        "labels": ("road", "barrier", "sign", "sidewalk"),
        "regions": {},
    },
    "opencv-doc/scenetext06": {
        "source": "opencv-doc",
        "path": _CV.format("text/scenetext06.jpg"),
        "labels": ("building", "house", "window", "sign", "car"),
        "regions": {},
    },
    # ---- scikit-image photos not used as backgrounds ----
    "scikit-image/camera": {
        "source": SKIMAGE,
        "path": "camera.png",
        "labels": ("person", "man", "camera", "tripod", "grass", "sky", "building"),
        "regions": {
            "person": [(0.0, 0.12, 0.6, 1.0)],
            "grass": [(0.35, 0.48, 1.0, 1.0)],
            "sky": [(0.0, 0.0, 1.0, 0.17), (0.62, 0.17, 1.0, 0.32)],
        },
    },
    "scikit-image/brick": {
        "source": SKIMAGE,
        "path": "brick.png",
        "labels": ("brick", "wall"),
        "regions": {},
    },
    "scikit-image/coins": {"source": SKIMAGE, "path": "coins.png", "labels": ("coin",), "regions": {}},
    "scikit-image/grass": {
        "source": SKIMAGE,
        "path": "grass.png",
        "labels": ("grass", "plant"),
        "regions": {"grass": [(0.0, 0.0, 1.0, 1.0)]},
    },
    "scikit-image/gravel": {
        "source": SKIMAGE,
        "path": "gravel.png",
        "labels": ("gravel", "rock", "stone"),
        "regions": {},
    },
    "scikit-image/moon": {"source": SKIMAGE, "path": "moon.png", "labels": ("moon", "crater"), "regions": {}},
    "scikit-image/hubble_deep_field": {
        "source": SKIMAGE,
        "path": "hubble_deep_field.jpg",
        "labels": ("galaxy", "star", "space"),
        "regions": {},
    },
}


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
