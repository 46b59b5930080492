"""Words for images and groups of images from the open vocabulary (:mod:`vsexplore.vocabulary`).

- :func:`suggest_labels`: one image's best words, calibrated (a broad word high on every photo
  is held back by its own reference statistics, so lists differ from photo to photo);
  :func:`suggest_many` the same for many images (a gallery's), scored in blocks;
- :func:`auto_clusters`: k-means over the images' described embeddings (what their top ImageNet
  classes' WordNet descriptions say: semantic, not colour), ``k = round(sqrt(N/2))`` (2 to 20)
  when not given (the silhouette score, tried first, picked 3 clusters for 77 varied photos),
  each cluster named by its most *distinctive* words: the cluster's mean
  calibrated logit minus the collection's, over the collection's spread plus the median spread
  (a z-score with a floor), so a word like ``photo`` that is high everywhere names no cluster,
  and words above a quarter of ImageNet's classes (``entity``, ``organism``) are left out.

Large collections are sampled: at most ``MEMBERS`` images per cluster and ``BACKGROUND`` for the
collection as a whole are scored against all 27k words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import analysis
from ..errors import StoreError
from ..vocabulary import load_vocabulary, word_logits

MEMBERS = 64
IMAGE_BLOCK = 64  # images scored against all 27k words at once (64 × 27k logits: 7 MB)
BACKGROUND = 512


@dataclass
class Clustering:
    """Each image's cluster and each cluster's names (most distinctive first)."""

    labels: np.ndarray  # (N,) cluster of each image
    names: list[list[str]]  # per cluster
    k: int
    criterion: str  # how k was chosen


def _logits(col, indices: np.ndarray) -> torch.Tensor:
    """Calibrated logits (n, W) of every vocabulary word for images ``indices``."""
    model = col.model
    score_vectors = col._stored.score_vectors()[indices]
    described, top_classes, top_probs = (part[indices] for part in col._stored.calibration_summaries())
    return word_logits(model.calibration, load_vocabulary(model), score_vectors, described, top_classes,
                       top_probs, model.net.score_bias)


def suggest_labels(col, i: int, n: int = 5) -> list[tuple[str, float]]:
    """The ``n`` best vocabulary words for image i, with their scores in [0, 1]; words above
    ``GENERAL`` of ImageNet's classes (``entity``, ``object``, ``organism``) are never suggested."""
    return suggest_many(col, [i], n)[0]


def suggest_many(col, indices, n: int = 5) -> list[list[tuple[str, float]]]:
    """:func:`suggest_labels` for each image of ``indices``, scored ``IMAGE_BLOCK`` images at a time."""
    if col.model.calibration is None:
        raise StoreError(f"{col.url}: word suggestions need the shipped (calibrated) model; this store's "
                         "model has no calibration: open or build the store with vx.load_model()")
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    vocabulary = load_vocabulary(col.model)
    general = torch.from_numpy(vocabulary.general).bool()
    offset = col.model.calibration.coefficients.offset
    out = []
    for start in range(0, len(indices), IMAGE_BLOCK):
        logits = _logits(col, indices[start : start + IMAGE_BLOCK]).masked_fill(general, -torch.inf)
        best, where = torch.topk(logits, n, dim=1)
        scores = torch.sigmoid(best - offset).tolist()
        out += [[(vocabulary.words[j], s) for j, s in zip(row, values, strict=True)]
                for row, values in zip(where.tolist(), scores, strict=True)]
    return out


def auto_clusters(col, k: int | None = None, names: int = 3, seed: int = 0) -> Clustering:
    """Cluster the collection and name each cluster (see the module docstring)."""
    described = col._stored.calibration_summaries()[0].float().numpy()
    if k is None:
        k = analysis.rule_of_thumb_k(len(col))
        labels, criterion = analysis.kmeans(described, k, seed=seed), "k = round(sqrt(N / 2)), 2 to 20"
    else:
        labels, criterion = analysis.kmeans(described, k, seed=seed), "given"
    rng = np.random.default_rng(seed)
    background = rng.choice(len(col), min(BACKGROUND, len(col)), replace=False)
    members = [rng.choice(np.flatnonzero(labels == c), min(MEMBERS, int((labels == c).sum())), replace=False)
               for c in range(k)]
    scored = np.unique(np.concatenate([background, *members]))  # every sampled image scored once
    logits = _logits(col, scored).numpy()
    row = {int(image): r for r, image in enumerate(scored)}
    everyone = logits[[row[int(i)] for i in background]]
    vocabulary = load_vocabulary(col.model)
    mean, spread = everyone.mean(0), everyone.std(0)
    spread = spread + np.median(spread)  # rare words barely vary: without a floor they win on noise
    named = []
    for c in range(k):
        z = (logits[[row[int(i)] for i in members[c]]].mean(0) - mean) / spread
        z[vocabulary.general] = -np.inf
        named.append([vocabulary.words[j] for j in analysis.top_indices(z, names)])
    return Clustering(labels, named, k, criterion)
