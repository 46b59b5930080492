"""Scene builder, stamp catalogue and sample collection, on the real fetched Debian packages."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from vsexplore.data import read_manifest
from vsexplore.data.backgrounds import backgrounds
from vsexplore.data.scenes import MIN_VISIBLE, SPLIT, build_scenes, compose, split_pools
from vsexplore.data.stamps import catalogue, looks_photographic, photo_cues
from vsexplore.datasets import sample


@pytest.fixture(scope="session")
def fetched():
    """Fetch (once per machine, cached) the stamps and background packages; catalogue them."""
    return catalogue(), backgrounds()


def test_catalogue_size_and_plain_labels(fetched):
    stamps, views = fetched
    assert len(stamps) >= 250 and len(views) >= 100
    for stamp in stamps:
        assert all(re.fullmatch(r"[a-z][a-z ]*[a-z]", label) for label in stamp.labels), stamp.labels
    by_key = {s.key: s for s in stamps}
    assert by_key["vehicles/auto/beetle"].labels[:2] == ("car", "vehicle")  # misleading file name fixed
    assert by_key["animals/mammals/bovines/goat"].labels == ("goat", "hoofed mammal", "mammal", "animal")


def test_cartoon_filter(fetched):
    keys = {s.key for s in fetched[0]}
    photos = [
        "animals/mammals/bovines/goat",
        "food/fruit/banana",
        "animals/birds/owl",
        "animals/mammals/rhino_black",
    ]
    cartoons = [
        "food/fruit/cartoon/apple",  # cartoon folder
        "clothes/hats/sombrero",  # flat drawing, caught by the cues
        "seasonal/easter/chick",  # shaded drawing, caught by the exclusion table
        "town/roadsigns/stop",
        "seasonal/halloween/jackolantern_mean",
        "symbols/shapes/star",
    ]
    assert all(k in keys for k in photos)
    assert not any(k in keys for k in cartoons)
    flat = np.zeros((64, 64, 4), np.uint8)
    flat[..., 3] = 255
    flat[:32, :, 0] = 200
    assert not looks_photographic(*photo_cues(flat))
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 4), dtype=np.uint8)
    noisy[..., 3] = 255
    assert looks_photographic(*photo_cues(noisy))


def test_masks_exact():
    stamps, views = split_pools("train")
    for i in range(40):
        _, placed, _ = compose(np.random.default_rng([7, i]), stamps, views)
        assert placed
        for k, obj in enumerate(placed):
            assert not (obj.visible & ~obj.alpha).any()  # only where the object's alpha is
            for later in placed[k + 1 :]:
                assert not (obj.visible & later.alpha).any()  # and not where a later object covers it
            assert obj.visible.sum() >= MIN_VISIBLE * obj.alpha.sum() > 0


def test_build_is_deterministic_and_masks_are_nonempty(tmp_path):
    a = build_scenes(tmp_path / "a", 12, seed=3)
    b = build_scenes(tmp_path / "b", 12, seed=3)
    c = build_scenes(tmp_path / "c", 12, seed=4)
    assert a.read_bytes() == b.read_bytes() and a.read_bytes() != c.read_bytes()
    for rec_a, rec_b in zip(read_manifest(a), read_manifest(b), strict=True):
        assert open(rec_a.path, "rb").read() == open(rec_b.path, "rb").read()
        assert rec_a.labels and set(rec_a.labels) == set(rec_a.masks) == set(rec_a.boxes)
        for label, mask_path in rec_a.masks.items():
            assert open(mask_path, "rb").read() == open(rec_b.masks[label], "rb").read()
            mask = np.asarray(Image.open(mask_path))
            assert mask.shape == (240, 320) and set(np.unique(mask)) <= {0, 255} and (mask > 0).any()
            for x0, y0, x1, y1 in rec_a.boxes[label]:
                assert mask[int(y0) : int(y1), int(x0) : int(x1)].any()


def test_split_holds(tmp_path):
    train_stamps, train_views = split_pools("train")
    test_stamps, test_views = split_pools("test")
    assert not {s.path for s in train_stamps} & {s.path for s in test_stamps}
    assert not {v.source for v in train_views} & {v.source for v in test_views}
    assert not {v.path for v in train_views} & {v.path for v in test_views}
    unseen = set(SPLIT["unseen_labels"])
    vocabulary = {label for s in train_stamps + test_stamps for label in s.labels}
    assert unseen <= vocabulary  # every unseen label is really used
    assert not unseen & {label for s in train_stamps for label in s.labels}
    records = read_manifest(build_scenes(tmp_path, 60, seed=0, split="train"))
    assert not unseen & {label for r in records for label in r.labels}
    test_records = read_manifest(build_scenes(tmp_path, 60, seed=0, split="test"))
    assert unseen & {label for r in test_records for label in r.labels}


def test_sample_has_enough_images(tmp_path):
    root = sample(tmp_path / "sample")
    images = list(root.rglob("*.jpg"))
    assert len(images) >= 200
    assert sample(tmp_path / "sample") == root  # second call: already built
    assert read_manifest(root / "scenes" / "train.jsonl") and read_manifest(root / "scenes" / "test.jsonl")
