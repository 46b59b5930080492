"""Evaluation measures as pure numpy: mAP, F1@k, and segmentation mIoU over a threshold sweep.

Pixels are assigned to labels by :func:`vsexplore.analysis.segment`, the same rule the heatmap
views use, so the measured mIoU is the one a user sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..analysis import segment


def average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    """AP of one ranking: mean precision at the rank of each relevant item (NaN if none)."""
    relevant = np.asarray(relevant, dtype=bool)
    if not relevant.any():
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    hits = relevant[order]
    precision_at_hit = np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)
    return float(precision_at_hit.mean())


def mean_average_precision(scores: np.ndarray, targets: np.ndarray) -> float:
    """mAP over labels (columns) that have at least one positive image, ranking images."""
    aps = [average_precision(scores[:, j], targets[:, j]) for j in range(scores.shape[1])]
    aps = [ap for ap in aps if not np.isnan(ap)]
    return float(np.mean(aps)) if aps else float("nan")


def label_ranking_ap(scores: np.ndarray, targets: np.ndarray) -> float:
    """Mean over images of the AP of ranking that image's labels (images without one skipped)."""
    aps = [average_precision(s, t) for s, t in zip(scores, targets, strict=True)]
    aps = [ap for ap in aps if not np.isnan(ap)]
    return float(np.mean(aps)) if aps else float("nan")


def f1_at_k(scores: np.ndarray, targets: np.ndarray, k: int) -> float:
    """F1 of each image's top-k labels, precision and recall pooled over all images."""
    targets = np.asarray(targets, dtype=bool)
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(targets, top, axis=1).sum()
    precision = hits / (k * len(scores)) if len(scores) else 0.0
    recall = hits / targets.sum() if targets.sum() else 0.0
    return float(2 * precision * recall / (precision + recall)) if hits else 0.0


class IoUAccumulator:
    """Intersection and union counts per (class, threshold), accumulated image by image."""

    def __init__(self, classes: Sequence[str], thresholds: Iterable[float]):
        self.classes = list(classes)
        self.index = {c: i + 1 for i, c in enumerate(self.classes)}  # 0 = background
        self.thresholds = np.asarray(list(thresholds), dtype=np.float64)
        n = len(self.classes) + 1
        self.intersection = np.zeros((len(self.thresholds), n))
        self.union = np.zeros((len(self.thresholds), n))

    def add(self, maps: np.ndarray, labels: Sequence[str], truth: np.ndarray) -> None:
        """Maps (L, H, W) for ``labels``; ``truth`` (H, W) holds class ids of ``self.classes``
        (0 = background). Predictions are restricted to ``labels`` (the labels of the image, or
        any candidate set)."""
        ids = np.array([self.index[lab] for lab in labels])
        for t, threshold in enumerate(self.thresholds):
            pred = segment(maps, threshold)
            pred = np.where(pred > 0, ids[np.maximum(pred - 1, 0)], 0)
            present = np.union1d(np.unique(pred), np.unique(truth))
            for c in present:
                p, g = pred == c, truth == c
                self.intersection[t, c] += np.logical_and(p, g).sum()
                self.union[t, c] += np.logical_or(p, g).sum()

    def miou(self) -> np.ndarray:
        """mIoU per threshold over classes seen in truth or prediction (background included)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = self.intersection / self.union
        return np.nanmean(np.where(self.union > 0, iou, np.nan), axis=1)

    def best(self) -> tuple[float, float]:
        """(best mIoU, the threshold that gives it)."""
        miou = self.miou()
        i = int(np.nanargmax(miou))
        return float(miou[i]), float(self.thresholds[i])
