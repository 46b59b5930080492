"""Analyses on small hand-built arrays with known answers."""

import numpy as np
import pytest

from vsexplore.analysis import (
    cluster_by_labels,
    diversity,
    kmeans_segments,
    map_search,
    nearest,
    pca,
    pooled_embeddings,
    resample_grid,
    upsample_maps,
    weak_segmentation,
)


def test_diversity_zero_for_constant_and_larger_for_varied():
    rng = np.random.default_rng(0)
    constant = np.broadcast_to(rng.normal(size=(1, 2, 4, 1, 1)), (1, 2, 4, 3, 3))
    varied = rng.normal(size=(1, 2, 4, 3, 3))
    div = diversity(np.concatenate([constant, varied]))
    assert div.shape == (2,)
    assert div[0] == pytest.approx(0.0, abs=1e-12)
    assert div[1] > 0.1
    # (N, d, h, w) works too, and matches the per-dim variance by hand
    x = np.zeros((1, 2, 1, 2))
    x[0, 0, 0] = [0.0, 2.0]  # variance 1 in dim 0, 0 in dim 1
    assert diversity(x) == pytest.approx([0.5])


def test_pooled_embeddings_unit_and_concatenated():
    regions = np.zeros((2, 2, 3, 2, 2))
    regions[0, 0, 0] = 1.0
    regions[0, 1, 2] = 1.0
    regions[1, 1, 1, 0, 0] = 4.0  # mean over locations 1.0
    pooled = pooled_embeddings(regions)
    assert pooled.shape == (2, 6)
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1.0)
    np.testing.assert_allclose(pooled[0], np.array([1, 0, 0, 0, 0, 1]) / np.sqrt(2))
    np.testing.assert_allclose(pooled[1], [0, 0, 0, 0, 1, 0])


def test_pca_recovers_dominant_axis_with_fixed_sign():
    rng = np.random.default_rng(0)
    axis = np.array([1.0, 2.0, -2.0]) / 3.0
    cloud = rng.normal(size=(200, 1)) * 10.0 * axis + rng.normal(size=(200, 3)) * 0.1
    coords, ratios = pca(cloud, n=2)
    assert coords.shape == (200, 2) and ratios.shape == (2,)
    assert ratios[0] > 0.99 and ratios[0] >= ratios[1]
    centred = cloud - cloud.mean(axis=0)
    # first coordinate is the projection on the axis, signed so the largest loading (+2/3) is positive
    np.testing.assert_allclose(coords[:, 0], centred @ axis, atol=0.05)
    coords_flipped, _ = pca(-cloud, n=2)
    np.testing.assert_allclose(coords_flipped[:, 0], -coords[:, 0], atol=1e-9)


def test_cluster_by_labels_assignment_and_margin():
    scores = np.array([[0.9, 0.2, 0.5], [0.1, 0.3, 0.35]])
    assignment, margin = cluster_by_labels(scores)
    assert assignment.tolist() == [0, 2]
    np.testing.assert_allclose(margin, [0.4, 0.05])


def test_upsample_maps_and_weak_segmentation():
    maps = np.zeros((2, 2, 2), np.float32)
    maps[0, 0, :] = 1.0
    maps[1, 1, 0] = 0.9
    dense = upsample_maps(maps, (4, 6))
    assert dense.shape == (2, 4, 6)
    assert dense[0, 0].min() == pytest.approx(1.0) and dense[0, -1].max() == pytest.approx(0.0)
    seg = weak_segmentation(maps, 0.8)
    assert seg.dtype == np.int64
    assert seg.tolist() == [[1, 1], [2, 0]]


def test_kmeans_recovers_two_halves_with_stable_ids():
    rng = np.random.default_rng(0)
    region = rng.normal(scale=0.01, size=(2, 4, 4, 6))
    region[:, 0, :, :3] += 1.0  # left half near one vector
    region[:, 1, :, 3:] += 1.0  # right half near another
    seg = kmeans_segments(region, 2, seed=0)
    expected = np.zeros((4, 6), int)
    expected[:, 3:] = 1
    np.testing.assert_array_equal(seg, expected)  # top-left pixel is segment 0
    np.testing.assert_array_equal(kmeans_segments(region[0], 2, seed=3), expected)


def test_resample_grid_keeps_quadrant_signs():
    grid = np.array([[1.0, -1.0], [-1.0, 1.0]])
    out = resample_grid(grid, (7, 7))
    assert out.shape == (7, 7)
    np.testing.assert_allclose(out[:3, :3], 1.0)
    np.testing.assert_allclose(out[:3, 4:], -1.0)
    np.testing.assert_allclose(out[4:, :3], -1.0)
    np.testing.assert_allclose(out[4:, 4:], 1.0)
    assert out.min() >= -1 - 1e-12 and out.max() <= 1 + 1e-12
    assert resample_grid(grid, (2, 2)) == pytest.approx(grid)
    # downsampling averages areas: a 4×4 paint to 2×2
    fine = np.kron(grid, np.ones((2, 2)))
    fine[0, 0] = 0.0
    np.testing.assert_allclose(resample_grid(fine, (2, 2)), [[0.75, -1], [-1, 1]])


def test_map_search_ranks_concept_where_painted_and_penalises_negative():
    maps = np.zeros((3, 2, 4, 4))
    maps[0, 0, :2, :2] = 1.0  # concept 0 top-left: where it is wanted
    maps[1, 0, 2:, 2:] = 1.0  # concept 0 bottom-right: where it is not wanted
    maps[2, 1, :, :] = 0.5  # concept 1 everywhere: painted nowhere
    grids = np.zeros((2, 2, 2))
    grids[0, 0, 0] = 1.0
    grids[0, 1, 1] = -1.0
    order, scores = map_search(maps, grids)
    assert order.tolist() == [0, 2, 1]
    np.testing.assert_allclose(scores, [4.0, -4.0, 0.0])
    with pytest.raises(ValueError):
        map_search(maps, grids[:1])


def test_nearest_returns_duplicate_first_and_excludes_self():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, 5))
    emb[4] = 3.0 * emb[1]  # same direction: cosine 1
    idx, sims = nearest(emb, 1, n=3)
    assert idx[0] == 4 and sims[0] == pytest.approx(1.0)
    assert 1 not in idx and len(idx) == 3
    assert np.all(np.diff(sims) <= 0)
    assert len(nearest(emb, 0, n=10)[0]) == 5


def test_standardise_gives_each_label_mean_0_and_unit_spread():
    from vsexplore.analysis import standardise

    z = standardise(np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0], [5.0, 5.0, 9.0]]))
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, [0, 2]].std(axis=0), 1)
    assert (z[:, 1] == 0).all()
