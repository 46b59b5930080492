"""Side-by-side evaluation of scorers on labelled images: labelling and localisation.

Labelling: every scorer scores every image for every label of the vocabulary; mAP ranks
images per label (labels without a positive image are skipped), label-ranking AP ranks labels per
image, and F1@k takes each image's top-k labels. Three settings: unseen labels only, seen
labels only, and generalised (all labels).
Localisation: for each image, the maps of its own object labels (``classes``) are upsampled to
the mask size; a pixel takes the best label, or background below a threshold; mIoU is reported
at every threshold of a sweep and at the best one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from ..analysis import upsample_maps
from ..data.records import Record
from ..images import load_image
from ..scoring import ImageScorer
from .metrics import IoUAccumulator, f1_at_k, label_ranking_ap, mean_average_precision
from .refine import snap_to_superpixels, superpixels

THRESHOLDS = np.round(np.arange(0.0, 1.0001, 0.025), 3)


def truth_map(record: Record, classes: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """(H, W) class ids (1-based into ``classes``, 0 = background) from a record's masks, and the
    image's labels that are among ``classes``."""
    present = [c for c in classes if c in record.masks]
    truth = None
    for label in present:
        with Image.open(record.masks[label]) as img:
            mask = np.asarray(img.convert("L")) > 0
        truth = np.zeros(mask.shape, np.int64) if truth is None else truth
        truth[mask] = classes.index(label) + 1
    return truth, present


def evaluate(
    scorer: ImageScorer,
    records: list[Record],
    seen: Sequence[str],
    unseen: Sequence[str],
    classes: Sequence[str] = (),
    thresholds: np.ndarray = THRESHOLDS,
    refine: bool = True,
) -> dict:
    """Labelling measures for seen/unseen/all labels and, when ``classes`` are given (object
    names whose masks are exclusive), localisation mIoU over ``thresholds`` — for the plain
    upsampled maps and, with ``refine``, for maps snapped to superpixels. Labels the scorer's
    encoder cannot read at all (no known word) are left out and listed in the report."""
    vocabulary = list(dict.fromkeys([*seen, *unseen]))
    known = scorer.encoder.encode_known(vocabulary)[1]
    dropped = [lab for lab, ok in zip(vocabulary, known, strict=True) if not ok]
    vocabulary = [lab for lab, ok in zip(vocabulary, known, strict=True) if ok]
    seen = [lab for lab in seen if lab not in dropped]
    unseen = [lab for lab in unseen if lab not in dropped]
    classes = [c for c in classes if c not in dropped]
    targets = np.array([[lab in r.labels for lab in vocabulary] for r in records], dtype=bool)
    classes = list(classes)
    iou = IoUAccumulator(classes, thresholds)
    iou_refined = IoUAccumulator(classes, thresholds)
    class_columns = [vocabulary.index(c) for c in classes]
    scores, start = [], 0
    for batch_scores, batch_maps in scorer.iter_scores_and_maps([r.path for r in records], vocabulary):
        scores.append(batch_scores)
        for b, record in enumerate(records[start : start + len(batch_scores)]):
            if classes:
                truth, present = truth_map(record, classes)
                if present:
                    own = batch_maps[b][[class_columns[classes.index(c)] for c in present]]
                    dense = upsample_maps(own, truth.shape)
                    iou.add(dense, present, truth)
                    if refine:
                        image = np.asarray(load_image(record.path).resize(truth.shape[::-1]))
                        iou_refined.add(snap_to_superpixels(dense, superpixels(image)), present, truth)
        start += len(batch_scores)
    scores = np.concatenate(scores)
    report: dict = {}
    for setting, names in (("unseen", unseen), ("seen", seen), ("all", vocabulary)):
        cols = [vocabulary.index(n) for n in dict.fromkeys(names)]
        s, t = scores[:, cols], targets[:, cols]
        tagged = t.any(axis=1)  # F1@k over images with at least one label of this setting
        report[setting] = {
            "mAP": 100 * mean_average_precision(s, t),
            "label-ranking AP": 100 * label_ranking_ap(s, t),
            "F1@3": 100 * f1_at_k(s[tagged], t[tagged], 3),
            "F1@5": 100 * f1_at_k(s[tagged], t[tagged], 5),
            "labels": int(t.any(axis=0).sum()),
        }
    for key, acc in (("localisation", iou), ("localisation_refined", iou_refined)):
        if classes and (refine or acc is iou):
            best, threshold = acc.best()
            report[key] = {
                "mIoU": 100 * best,
                "threshold": threshold,
                "sweep": dict(zip(map(float, thresholds), map(float, 100 * acc.miou()), strict=True)),
            }
    report["images"] = len(records)
    report["labels the encoder cannot read"] = dropped
    return report
