"""A local store's memory-mapped mirror: it opens without reading Zarr, answers like Zarr, follows the
store after every job, and its coarse cells shortlist painted searches without losing the exact top."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

import vsexplore as vx
import vsexplore.datasets as datasets
from benchmarks.queries import PAINTED, grow_store
from vsexplore.int8 import Int8Rows, quantise
from vsexplore.store import coarse, mirror
from vsexplore.store.codec import from_bf16_bits, painted_totals

LABELS = ["sky", "water", "tree", "person", "a red boat", "animal", "something you can eat"]


@pytest.fixture(scope="module")
def sample():
    return datasets.sample_collection()


@pytest.fixture(scope="module")
def grown(sample, tmp_path_factory):
    """5,000 rows of real photos' stored rows with noise (the benchmarks' synthetic store), mirrored."""
    url = str(tmp_path_factory.mktemp("grown") / "5k.vsx")
    grow_store(sample.url, url, 5000)
    return vx.Collection.open(url, model=sample.model)


def zarr_only(col) -> vx.Collection:
    """The same store answered from Zarr alone, as a remote store is."""
    other = vx.Collection.open(col.url, model=col.model)
    other._stored.mirror = None
    other._stored.rows = np.flatnonzero(other._stored.status == 1)
    return other


def test_opening_reads_no_per_image_array(sample):
    col = vx.Collection.open(sample.url, model=sample.model)
    assert col._stored.mirror is not None and len(col) == len(sample)
    assert "status" not in vars(col._stored) and "all_paths" not in vars(col._stored)  # read when asked
    col.scores(["sky"])
    assert "status" not in vars(col._stored)
    assert col.paths == sample.paths and "all_paths" in vars(col._stored)


def test_mirror_answers_like_zarr(sample):
    col = vx.Collection.open(sample.url, model=sample.model)
    plain = zarr_only(col)
    a, b = col.scores(LABELS), plain.scores(LABELS)
    assert np.abs(a - b).max() < 5e-3
    assert min(spearmanr(a[:, j], b[:, j])[0] for j in range(len(LABELS))) > 0.999
    np.testing.assert_array_equal(col.pooled(), plain.pooled())
    np.testing.assert_array_equal(col.diversity(), plain.diversity())
    idx = [3, 0, 77, 5]
    np.testing.assert_array_equal(col.label_maps(idx, ["sky"]), plain.label_maps(idx, ["sky"]))


def test_rows_come_from_chunk_files_as_zarr_reads_them(grown):
    rows = np.array([4999, 0, 256, 255, 1234, 1234, 3000])
    for name in ("codes", "steps"):
        direct = grown._stored._rows_of(name, rows)
        np.testing.assert_array_equal(direct, grown.group[name].get_orthogonal_selection((rows,)))


def test_every_job_replaces_the_mirror(sample, tmp_path):
    photos = sorted((datasets.sample() / "photos").glob("*.jpg"))
    col = vx.Collection.build(photos[:20], store=tmp_path / "s.vsx", model=sample.model, progress=False)
    first = col.group.attrs["mirror"]
    assert (tmp_path / "s.vsx" / f"mirror-{first}").is_dir() and len(col) == 20
    col.add(photos[20:30], progress=False)
    second = col.group.attrs["mirror"]
    assert second != first and len(col) == 30 and len(col._stored.mirror.rows) == 30
    assert [p.name for p in (tmp_path / "s.vsx").glob("mirror-*")] == [f"mirror-{second}"]
    assert np.abs(col.scores(LABELS) - zarr_only(col).scores(LABELS)).max() < 5e-3
    mirror.forget(col.group)  # what a job does before writing rows: a reader then ignores the mirror
    assert vx.Collection.open(col.url, model=col.model)._stored.mirror is None


def test_shortlisted_search_finds_the_exact_top(grown):
    assert len(grown) > coarse.shortlist_size(20, len(grown))
    recalls = []
    extra = {"sky": np.array([[1.0, 0.0], [0.0, -1.0]]), "grass": np.array([[-1.0], [1.0]])}
    for painted in [*PAINTED, extra]:
        fast, exact = grown.search(painted, top=20), grown.search(painted, top=20, exact=True)
        recalls.append(len(set(fast.indices) & set(exact.indices)) / 20)
        common = np.isin(fast.indices, exact.indices)
        np.testing.assert_allclose(fast.scores[common], exact.scores[np.isin(exact.indices, fast.indices)],
                                   rtol=2e-3)  # the exact pass multiplies in bfloat16
    assert min(recalls) >= 0.95 and np.mean(recalls) >= 0.99, recalls


def test_coarse_cells_hold_every_coarse_painting_exactly_and_track_the_exact_total(grown):
    """A 1-, 2- or 3-row painting lies in the cell basis; the coarse totals rank images as the exact
    totals from the full codes do."""
    basis = coarse.cell_basis(grown.grid)
    from vsexplore.analysis import resample_grid

    for grid in ([[1.0], [0.0], [-1.0]], [[1.0, -1.0]], [[0.5, 0.0], [1.0, -1.0]]):
        query = resample_grid(np.array(grid), grown.grid).reshape(-1)
        weights = np.linalg.lstsq(basis, query, rcond=None)[0]
        np.testing.assert_allclose(basis @ weights, query, atol=1e-6)
    cells, basis = grown._stored.mirror.cells()
    labels = torch.from_numpy(grown.model.encoder.encode(["sky", "water"])).float()
    query = torch.from_numpy(np.stack([resample_grid(np.array(g), grown.grid)
                                       for g in ([[1.0], [-1.0]], [[-1.0], [1.0]])])).float()
    bias = grown.model.net.map_bias
    totals = coarse.coarse_totals(cells[:300], basis, grown.codec, labels, query.reshape(2, -1), bias).numpy()
    codes, steps = grown._stored.maps_of(np.arange(300))
    exact = painted_totals(grown.codec, codes, steps, labels, bias, query).numpy()
    assert spearmanr(totals, exact)[0] > 0.9
    assert np.abs(totals - exact).mean() < 0.5 * exact.std()  # the same scale: sigmoids, not logits


def test_int8_products_match_float_on_real_score_vectors(sample):
    vectors = from_bf16_bits(sample.group["score_vectors"][...]).float()
    labels = torch.from_numpy(sample.model.encoder.encode(LABELS)).float()
    rows = Int8Rows(*(torch.from_numpy(a) for a in quantise(vectors)))
    exact = torch.einsum("nsd,ld->nsl", vectors, labels)
    error = (rows.dot(labels) - exact).abs()
    assert error.mean() < 0.005 * exact.std() and error.max() < 0.05 * exact.std()
    np.testing.assert_allclose(rows[2:4].float(), vectors[2:4], atol=float(vectors.abs().max()) / 200)


def test_the_mirror_is_a_zarr_node_listing_does_not_warn_about(sample, tmp_path):
    import warnings

    photos = sorted((datasets.sample() / "photos").glob("*.jpg"))[:4]
    col = vx.Collection.build(photos, store=tmp_path / "s.vsx", model=sample.model, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = {name for name, _ in col.group.members()}
    assert f"mirror-{col.group.attrs['mirror']}" in names
