"""The hand-drawn background labels: one entry per background photo, known words, sane polygons, masks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from vsexplore.data.background_labels import BACKGROUND_LABELS, label_masks_for
from vsexplore.data.backgrounds import SKIMAGE_PHOTOS, SOURCES

SIZE = (400, 300)


def _shoelace(polygon: list[tuple[float, float]]) -> float:
    x, y = np.asarray(polygon).T
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def test_every_background_photo_has_an_entry():
    ids = {f"{package}/{name}" for package, files in SOURCES.items() for name in files}
    ids |= {f"scikit-image/{name.rsplit('.', 1)[0]}" for name in SKIMAGE_PHOTOS}
    assert set(BACKGROUND_LABELS) == ids


def test_labels_are_known_words_and_polygons_sane(glove):
    vocab = glove.vectors.key_to_index
    for source, regions in BACKGROUND_LABELS.items():
        assert regions, source
        for label, polygons in regions.items():
            assert label == label.strip().lower() and all(w in vocab for w in label.split()), (source, label)
            assert polygons, (source, label)
            for polygon in polygons:
                assert len(polygon) >= 3, (source, label)
                assert all(0.0 <= v <= 1.0 for point in polygon for v in point), (source, label)


def test_core_labels_are_common():
    counts = Counter(label for regions in BACKGROUND_LABELS.values() for label in regions)
    assert counts["sky"] >= 10, counts
    assert all(counts[label] >= 5 for label in ("tree", "grass", "water")), counts


@pytest.mark.parametrize("source", sorted(BACKGROUND_LABELS))
def test_full_box_masks_match_polygon_areas(source):
    masks = label_masks_for(source, (0.0, 0.0, 1.0, 1.0), SIZE)
    assert set(masks) == set(BACKGROUND_LABELS[source])
    for label, mask in masks.items():
        assert mask.shape == (SIZE[1], SIZE[0]) and mask.dtype == bool
        # polygons of one label do not overlap each other, so their areas add up
        area = sum(_shoelace(p) for p in BACKGROUND_LABELS[source][label])
        assert abs(mask.mean() - area) < 0.02, (source, label, mask.mean(), area)


@pytest.mark.parametrize("source", ["opencv-doc/001", "scikit-image/astronaut", "opencv-doc/messi5"])
def test_half_box_gives_the_right_half(source):
    full = label_masks_for(source, (0.0, 0.0, 1.0, 1.0), (2 * SIZE[0], SIZE[1]))
    half = label_masks_for(source, (0.5, 0.0, 1.0, 1.0), SIZE)
    right = {label: mask[:, SIZE[0] :] for label, mask in full.items() if mask[:, SIZE[0] :].any()}
    assert set(half) == set(right)
    for label, mask in half.items():
        assert np.mean(mask != right[label]) < 0.01, (source, label)


def test_box_outside_a_label_leaves_it_out():
    # in Dune the sky ends at y = 0.3: the lower half has sea and grass but no sky
    masks = label_masks_for("mate-backgrounds/Dune", (0.0, 0.5, 1.0, 1.0), SIZE)
    assert "sky" not in masks and "grass" in masks
