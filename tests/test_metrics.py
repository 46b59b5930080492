"""Evaluation measures against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from vsexplore.analysis import segment
from vsexplore.evaluate.metrics import (
    IoUAccumulator,
    average_precision,
    f1_at_k,
    label_ranking_ap,
    mean_average_precision,
)


def test_average_precision_by_hand_and_against_sklearn():
    # ranking: rel, not, rel, not → AP = (1/1 + 2/3) / 2
    assert average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == pytest.approx((1 + 2 / 3) / 2)
    rng = np.random.default_rng(0)
    scores, truth = rng.random(200), rng.random(200) < 0.2
    assert average_precision(scores, truth) == pytest.approx(average_precision_score(truth, scores))
    assert np.isnan(average_precision(scores, np.zeros(200)))


def test_map_skips_labels_without_positives():
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.4]])
    targets = np.array([[1, 0, 0], [0, 0, 0]])
    assert mean_average_precision(scores, targets) == 1.0


def test_f1_at_k_by_hand():
    scores = np.array([[0.9, 0.8, 0.1], [0.1, 0.2, 0.9]])
    targets = np.array([[1, 0, 1], [0, 0, 1]])
    # top-2: image 0 hits 1 of 2, image 1 hits 1 of 2 → P = 2/4, R = 2/3
    assert f1_at_k(scores, targets, 2) == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_segmentation_and_miou():
    maps = np.zeros((2, 2, 2))
    maps[0, 0, :] = 0.9  # label a on the top row
    maps[1, 1, 0] = 0.6  # label b bottom-left, weak
    assert segment(maps, 0.5).tolist() == [[1, 1], [2, 0]]
    assert segment(maps, 0.7).tolist() == [[1, 1], [0, 0]]
    truth = np.array([[1, 1], [2, 0]])
    acc = IoUAccumulator(["a", "b"], [0.5, 0.7])
    acc.add(maps, ["a", "b"], truth)
    miou = acc.miou()
    assert miou[0] == pytest.approx(1.0)  # perfect at 0.5
    assert miou[1] == pytest.approx((1 + 0 + 0.5) / 3)  # b missed; background 1 of 2 right
    assert acc.best() == (pytest.approx(1.0), 0.5)


def test_label_ranking_ap_matches_sklearn():
    from sklearn.metrics import label_ranking_average_precision_score

    rng = np.random.default_rng(1)
    scores, truth = rng.random((30, 12)), rng.random((30, 12)) < 0.3
    truth[:, 0] = True  # every image has a label
    assert label_ranking_ap(scores, truth) == pytest.approx(
        label_ranking_average_precision_score(truth, scores)
    )
