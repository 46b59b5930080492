"""Analyses over what the model produces, as pure array functions: arrays in, arrays out, no UI.

Inputs are the model's outputs: scores (N, L), label maps (L, h, w) or (N, C, h, w), and region
embeddings (N, k, d, h, w) (k projection blocks of d-dim unit vectors on an h×w grid).
"""

from __future__ import annotations

import numpy as np


def diversity(regions: np.ndarray) -> np.ndarray:
    """(N, k, d, h, w) or (N, d, h, w) → (N,) mean per-dim variance across locations: the diversity axis.

    Computed in the input's float precision (float32 inputs stay float32: fast on large batches)."""
    regions = np.asarray(regions)
    regions = regions if regions.dtype in (np.float32, np.float64) else regions.astype(np.float64)
    if regions.ndim == 4:
        regions = regions[:, None]
    n, k, d, h, w = regions.shape
    flat = regions.reshape(n, k * d, h * w)
    return flat.var(axis=2).mean(axis=1)


def pooled_embeddings(regions: np.ndarray) -> np.ndarray:
    """(N, k, d, h, w) or (N, d, h, w) → (N, k·d): location means, blocks joined, unit norm (PCA, kNN)."""
    regions = np.asarray(regions, dtype=np.float64)
    pooled = regions.mean(axis=(-2, -1)).reshape(len(regions), -1)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.where(norms > 0, norms, 1.0)


def pca(embeddings: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) → ((N, n) coordinates, (n,) explained-variance ratios); each component's largest loading > 0."""
    x = np.asarray(embeddings, dtype=np.float64)
    if not 1 <= n <= min(x.shape):
        raise ValueError(f"n={n} components need 1 <= n <= min(N, D) = {min(x.shape)}")
    x = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    components = vt[:n]
    rows = np.arange(n)
    signs = np.sign(components[rows, np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    var = s**2
    total = var.sum()
    ratios = var[:n] / total if total > 0 else np.zeros(n)
    return x @ components.T, ratios


def standardise(scores: np.ndarray) -> np.ndarray:
    """(N, L) → each column shifted to mean 0 and scaled to unit standard deviation (constant → 0)."""
    scores = np.asarray(scores, dtype=np.float64)
    spread = scores.std(axis=0)
    return (scores - scores.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def cluster_by_labels(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, L) scores → (assignment (N,) = best label, margin (N,) = best − second best (0 if L=1))."""
    scores = np.asarray(scores, dtype=np.float64)
    assignment = scores.argmax(axis=1)
    if scores.shape[1] < 2:
        return assignment, scores[:, 0].copy() if scores.shape[1] else np.zeros(len(scores))
    top2 = -np.sort(-scores, axis=1)[:, :2]
    return assignment, top2[:, 0] - top2[:, 1]


def upsample_maps(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(L, h, w) maps → (L, H, W), bilinear, as the scorers' ``heatmaps(size=...)`` do."""
    import torch

    t = torch.from_numpy(np.ascontiguousarray(maps))[None]
    out = torch.nn.functional.interpolate(t, size=tuple(size), mode="bilinear", align_corners=False)
    return out[0].numpy()


def segment(maps: np.ndarray, threshold: float) -> np.ndarray:
    """Label maps (L, H, W) → per-pixel class: 1 + best label, or 0 (background) below threshold."""
    best = maps.argmax(axis=0)
    return np.where(maps.max(axis=0) >= threshold, best + 1, 0)


def weak_segmentation(maps: np.ndarray, threshold: float) -> np.ndarray:
    """(L, H, W) maps → (H, W) ids: 0 where the best map < threshold, else 1 + best label."""
    return segment(np.asarray(maps), threshold).astype(np.int64)


def kmeans_segments(region: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Regions of one image (k_blocks, d, h, w) or (d, h, w) → (h, w) k-means ids, first-seen order."""
    from sklearn.cluster import KMeans

    region = np.asarray(region, dtype=np.float64)
    h, w = region.shape[-2:]
    vectors = region.reshape(-1, h * w).T  # (h·w, k_blocks·d)
    if not 1 <= k <= len(vectors):
        raise ValueError(f"k={k} segments need 1 <= k <= {len(vectors)} locations")
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
    uniques, first = np.unique(labels, return_index=True)
    relabel = np.empty(uniques.max() + 1, dtype=np.int64)
    relabel[uniques[np.argsort(first, kind="stable")]] = np.arange(len(uniques))
    return relabel[labels].reshape(h, w)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights: the fraction of each output cell covered by each input cell on [0, 1]."""
    edges_in = np.linspace(0.0, 1.0, n_in + 1)
    edges_out = np.linspace(0.0, 1.0, n_out + 1)
    lo = np.maximum(edges_out[:-1, None], edges_in[None, :-1])
    hi = np.minimum(edges_out[1:, None], edges_in[None, 1:])
    return np.clip(hi - lo, 0.0, None) * n_out


def resample_grid(grid: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A painted query grid (gh, gw) → (h, w) by exact area averaging: any painting fits the map grid."""
    grid = np.asarray(grid, dtype=np.float64)
    h, w = size
    return _area_matrix(grid.shape[0], h) @ grid @ _area_matrix(grid.shape[1], w).T


def map_search(maps: np.ndarray, grids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maps (N, C, h, w) and painted grids (C, gh, gw) → (order (N,), scores (N,)), score = Σ grid·map."""
    maps = np.asarray(maps, dtype=np.float64)
    grids = np.asarray(grids, dtype=np.float64)
    if grids.ndim != 3 or grids.shape[0] != maps.shape[1]:
        raise ValueError(f"grids {grids.shape} must be (C, gh, gw) with C = {maps.shape[1]} concepts")
    query = np.stack([resample_grid(g, maps.shape[-2:]) for g in grids])
    scores = np.einsum("nchw,chw->n", maps, query)
    return np.argsort(-scores, kind="stable"), scores


def nearest(embeddings: np.ndarray, i: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The n images most cosine-similar to image i (i excluded): (indices, similarities), best first."""
    x = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 0, norms, 1.0)
    sims = x @ x[i]
    candidates = np.delete(np.arange(len(x)), i)
    order = candidates[np.argsort(-sims[candidates], kind="stable")][:n]
    return order, sims[order]


def kmeans(features: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """(N, d) features → (N,) k-means cluster ids (clusters numbered by size, largest first)."""
    from sklearn.cluster import KMeans

    if not 1 <= k <= len(features):
        raise ValueError(f"k={k} clusters need 1 <= k <= {len(features)} images")
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(np.asarray(features, np.float32))
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(k)
    return relabel[labels]


def rule_of_thumb_k(n: int, low: int = 2, high: int = 20) -> int:
    """How many clusters for n images when none is asked for: round(sqrt(n / 2)), within [low, high]."""
    return int(min(high, max(low, round((n / 2) ** 0.5)), max(1, n)))


def top_indices(values: np.ndarray, n: int) -> list[int]:
    """Indices of the ``n`` largest values, largest first."""
    values = np.asarray(values)
    best = np.argpartition(-values, min(n, len(values)) - 1)[:n]
    return best[np.argsort(-values[best], kind="stable")].tolist()


def fit_axis(rows: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression (balanced classes) of the rows' features (n, d) against ``positive``
    (n,) bool: the axis's weights (d,) and bias; an image's axis logit is features · w + bias."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=1.0, class_weight="balanced", max_iter=500).fit(
        np.asarray(rows, np.float64), np.asarray(positive, bool))
    return fitted.coef_[0], float(fitted.intercept_[0])
