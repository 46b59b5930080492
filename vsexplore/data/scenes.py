"""Multi-label scenes: real photographic cut-outs pasted on real background photos, with exact masks.

Each scene is a 320 x 240 crop of a background view with 1-4 cut-outs at random scale, position
and horizontal flip. Later objects occlude earlier ones; each object's mask is its alpha (>= 128)
minus what later objects cover, and an object placed so that it would leave an earlier one less
than ``MIN_VISIBLE`` visible is moved or left out, so every drawn object is labelled. One 8-bit mask
PNG per label (the union over objects carrying it, category labels included), boxes per object.
The background's hand-labelled regions (``background_labels``: sky, water, tree…) become labels
too, with masks where no object covers them; unseen labels never enter train scenes.
A scene depends only on ``(seed, split, index)``: the same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from .background_labels import label_masks_for
from .backgrounds import Background, backgrounds
from .records import Record, write_manifest
from .stamps import Stamp, catalogue

SIZE = (320, 240)
MIN_VISIBLE = 0.3
MIN_BACKGROUND = 0.03  # a background label must show on at least this share of the scene
MAX_UPSCALE = 3.0
PLACEMENT_TRIES = 10

SPLIT = {
    "unseen_labels": (
        "marsupial", "string instrument", "reptile", "nut",
        "zebra", "giraffe", "penguin", "owl", "tiger", "elephant", "parrot", "pineapple", "broccoli",
        "strawberry", "hammer", "scissors", "teapot", "bus", "hot air balloon", "trophy",
    ),
    "test_share": 0.2,
    "salt": "vsexplore-scenes-v1",
}  # fmt: skip
"""The train/test split, as data. Unseen labels: four whole categories and sixteen specific names,
picked by hand to span animals, food, tools, vehicles and objects with words every text encoder
knows, so zero-shot scores on them are meaningful; an object carrying any of them is used in test
scenes only, so these labels never occur in train scenes. Of the other cut-outs, and of the
background photos (all views of one photo together), a fixed share goes to test, chosen by a
salted SHA-1 of the stamp key or photo id: stable across machines and independent of list order."""


@dataclass
class Placed:
    """One object in a scene: its stamp, its full alpha mask on the canvas, and what stays visible."""

    stamp: Stamp
    alpha: np.ndarray
    visible: np.ndarray


def in_test(key: str) -> bool:
    """Whether a stamp key or background photo id belongs to the test split (salted hash)."""
    digest = hashlib.sha1(f"{SPLIT['salt']}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < SPLIT["test_share"]


def split_pools(split: str) -> tuple[list[Stamp], list[Background]]:
    """The cut-outs and background views a split may use (disjoint between train and test)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    unseen = set(SPLIT["unseen_labels"])
    test = split == "test"
    stamps = [s for s in catalogue() if (bool(unseen & set(s.labels)) or in_test(s.key)) == test]
    views = [b for b in backgrounds() if in_test(b.source) == test]
    return stamps, views


def compose(
    rng: np.random.Generator, stamps: list[Stamp], views: list[Background]
) -> tuple[Image.Image, list[Placed], dict[str, np.ndarray]]:
    """One scene: the RGB image, its visible objects, drawn in order (later ones on top), and
    the hand-labelled background regions it shows (before objects cover them)."""
    view = views[rng.integers(len(views))]
    background, region = _background(rng, view)
    canvas = background.convert("RGBA")
    placed: list[Placed] = []
    for index in rng.choice(len(stamps), size=int(rng.integers(1, 5)), replace=False):
        stamp = stamps[int(index)]
        image = _object(rng, stamp)
        for _ in range(PLACEMENT_TRIES):
            x = int(rng.integers(0, SIZE[0] - image.width + 1))
            y = int(rng.integers(0, SIZE[1] - image.height + 1))
            alpha = np.zeros(SIZE[::-1], bool)
            alpha[y : y + image.height, x : x + image.width] = np.asarray(image)[..., 3] >= 128
            if alpha.any() and all(
                ((p.visible & ~alpha).sum() >= MIN_VISIBLE * p.alpha.sum()) for p in placed
            ):
                for p in placed:
                    p.visible &= ~alpha
                placed.append(Placed(stamp, alpha, alpha.copy()))
                canvas.alpha_composite(image, dest=(x, y))
                break
    return canvas.convert("RGB"), placed, label_masks_for(view.source, region, SIZE)


def label_masks(
    placed: list[Placed],
    background: dict[str, np.ndarray] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> dict[str, np.ndarray]:
    """Label -> union of the visible masks of the objects carrying it, labels in first-seen order,
    then background labels where no object covers them (at least ``MIN_BACKGROUND`` of the scene)."""
    masks: dict[str, np.ndarray] = {}
    for p in placed:
        for label in p.stamp.labels:
            masks[label] = masks.get(label, np.zeros_like(p.visible)) | p.visible
    covered = np.logical_or.reduce([p.visible for p in placed]) if placed else np.zeros(SIZE[::-1], bool)
    for label, region in (background or {}).items():
        visible = region & ~covered
        if label not in exclude and visible.mean() >= MIN_BACKGROUND:
            masks[label] = masks.get(label, np.zeros_like(visible)) | visible
    return masks


def build_scenes(out_dir: str | Path, n: int, seed: int = 0, split: str = "train") -> Path:
    """Write ``n`` scenes, their masks and ``<split>.jsonl`` under ``out_dir``; returns the manifest."""
    out_dir = Path(out_dir)
    stamps, views = split_pools(split)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(n):
        rng = np.random.default_rng([seed, 1 if split == "test" else 0, i])
        image, placed, background = compose(rng, stamps, views)
        name = f"{split}-{i:05d}"
        image_path = out_dir / "images" / f"{name}.jpg"
        image.save(image_path, "JPEG", quality=90)
        mask_dir = out_dir / "masks" / name
        mask_dir.mkdir(parents=True, exist_ok=True)
        exclude = frozenset(SPLIT["unseen_labels"]) if split == "train" else frozenset()
        arrays = label_masks(placed, background, exclude)
        masks = {}
        for label, mask in arrays.items():
            masks[label] = str(mask_dir / f"{label.replace(' ', '_')}.png")
            Image.fromarray(mask.astype(np.uint8) * 255).save(masks[label])
        boxes = {
            label: [_box(p.visible) for p in placed if label in p.stamp.labels] or [_box(arrays[label])]
            for label in masks
        }
        records.append(Record(str(image_path), list(masks), masks, boxes))
    return write_manifest(records, out_dir / f"{split}.jsonl")


def add_scenes_command(subparsers: argparse._SubParsersAction) -> None:
    """Register ``vsexplore scenes --out DIR --n N --seed S [--split train|test]``."""
    parser = subparsers.add_parser("scenes", help="build cut-out scenes with exact masks and a manifest")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--n", type=int, default=100, help="number of scenes")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    parser.add_argument(
        "--split", choices=("train", "test"), default="train", help="which split's pools to use"
    )
    parser.set_defaults(func=_cmd_scenes)


def _cmd_scenes(args: argparse.Namespace) -> int:
    print(build_scenes(args.out, args.n, args.seed, args.split))
    return 0


def _background(rng: np.random.Generator, view: Background) -> tuple[Image.Image, tuple[float, ...]]:
    """A random 4:3 crop (60-100 % of the largest) of a background view, resized to ``SIZE``, and
    the crop's box relative to the original photo."""
    image = _load(view.path, "RGB")
    full_w = min(image.width, image.height * SIZE[0] // SIZE[1])
    w = max(1, int(full_w * rng.uniform(0.6, 1.0)))
    h = w * SIZE[1] // SIZE[0]
    x = int(rng.integers(0, image.width - w + 1))
    y = int(rng.integers(0, image.height - h + 1))
    x0, y0, x1, y1 = view.region
    sx, sy = (x1 - x0) / image.width, (y1 - y0) / image.height
    region = (x0 + x * sx, y0 + y * sy, x0 + (x + w) * sx, y0 + (y + h) * sy)
    return image.crop((x, y, x + w, y + h)).resize(SIZE, Image.Resampling.LANCZOS), region


def _object(rng: np.random.Generator, stamp: Stamp) -> Image.Image:
    """The stamp resized so its longer side is 30-65 % of the scene height (upscale capped), maybe flipped."""
    image = _load(stamp.path, "RGBA")
    scale = rng.uniform(0.3, 0.65) * SIZE[1] / max(image.size)
    scale = min(scale, MAX_UPSCALE, SIZE[0] / image.width, SIZE[1] / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    if stamp.flippable and rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image


@lru_cache(maxsize=1024)
def _load(path: Path, mode: str) -> Image.Image:
    with Image.open(path) as im:
        return im.convert(mode)


def _box(mask: np.ndarray) -> tuple[float, float, float, float]:
    """Pixel box (x0, y0, x1, y1), exclusive upper corner, of a mask's set pixels."""
    ys, xs = np.nonzero(mask)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)
