"""A bundled sample collection for examples: real photos plus labelled cut-out scenes, built once."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from .data.backgrounds import backgrounds
from .data.cache import cache_dir
from .data.debian import DebianUnavailable
from .data.scenes import build_scenes

TRAIN_SCENES = 120
TEST_SCENES = 30
MARKER = ".complete"


def sample(path: str | Path | None = None) -> Path:
    """A folder with ``photos/`` (real background photos and crops) and ``scenes/`` (train/test manifests).

    Built once into the cache (or ``path``); rerunning after an interruption redoes only what is
    missing. Without apt (macOS, Windows) it holds scikit-image's photos only, with a warning.
    """
    root = Path(path) if path is not None else cache_dir("sample")
    if (root / MARKER).exists():
        return root
    photos = root / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    try:
        views = backgrounds()
    except DebianUnavailable as err:
        warnings.warn(f"building a reduced sample (scikit-image photos only, no scenes): {err}", stacklevel=2)
        for view in backgrounds(require_debian=False):
            shutil.copyfile(view.path, photos / view.path.name)
        return root
    for view in views:
        if not (photos / view.path.name).exists():
            shutil.copyfile(view.path, photos / view.path.name)
    build_scenes(root / "scenes", TRAIN_SCENES, seed=0, split="train")
    build_scenes(root / "scenes", TEST_SCENES, seed=0, split="test")
    (root / MARKER).write_text("photos/ and scenes/ complete\n")
    return root


def sample_collection(store: str | Path | None = None, progress: bool = False):
    """The bundled sample's real photos embedded into a store (built once, then just opened)."""
    from .store import Collection, StoreError

    photos = sample() / "photos"
    if store is not None:
        return Collection.build(photos, store=store, progress=progress)
    cached = cache_dir("sample") / "photos.vsx"
    try:
        return Collection.build(photos, store=cached, progress=progress)
    except StoreError:  # our own cache, made by another model or vsexplore version: make it again
        shutil.rmtree(cached)
        return Collection.build(photos, store=cached, progress=progress)
