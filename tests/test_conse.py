"""The training-free ConSE baseline on real photos, with both encoders."""

from __future__ import annotations

import numpy as np
import pytest

import vsexplore as vx

LABELS = ["cat", "car", "building", "coffee", "rocket"]


@pytest.fixture(scope="module")
def conse(backbone, encoder):
    return vx.ConSE(backbone, encoder)


def test_conse_ranks_the_right_label_first(conse, photo_files):
    scores = conse.score([photo_files["chelsea"], photo_files["coffee"]], LABELS)
    assert LABELS[int(np.argmax(scores[0]))] == "cat", scores[0]
    assert LABELS[int(np.argmax(scores[1]))] == "coffee", scores[1]


def test_conse_scores_and_maps_are_in_unit_range(conse, photo_files):
    scores = conse.score(list(photo_files.values()), LABELS)
    assert scores.shape == (4, 5) and scores.min() >= 0 and scores.max() <= 1
    maps = conse.heatmaps(photo_files["chelsea"], ["cat", "sky"], size=(30, 45))
    assert maps.shape == (2, 30, 45) and maps.min() >= 0 and maps.max() <= 1


def test_conse_cat_map_is_highest_on_the_cat(conse, photo_files):
    # chelsea: the cat fills the centre-left; the right edge is background
    cat_map = conse.heatmaps(photo_files["chelsea"], ["cat"])[0]
    assert cat_map[2:5, 1:4].mean() > cat_map[:, 6].mean()


def test_conse_region_embeddings_are_one_unit_block(conse, photo_files):
    regions = conse.region_embeddings([photo_files["rocket"]])
    assert regions.shape == (1, 1, conse.encoder.dim, 7, 7)
    np.testing.assert_allclose(np.linalg.norm(regions, axis=2), 1, atol=1e-4)
