"""The real-photo benchmark: its tables hold what the issue asks, its photos load, its measures are right."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vsexplore.backbones import imagenet_classes
from vsexplore.data.benchmark import RESERVED, _table, benchmark_photos, vocabulary
from vsexplore.evaluate.real import benchmark_truth, measures, truth_of


def test_the_vocabulary_and_photos_hold_what_a_benchmark_needs():
    vocab, photos = vocabulary(), _table()
    assert len(vocab.labels) + len(vocab.categories) >= 200
    used = {p.label for p in photos}
    assert used <= set(vocab.labels)
    assert len(used - set(imagenet_classes())) >= 30  # words that are not ImageNet class names
    categories_used = {c for label in used for c in vocab.label_categories.get(label, ())}
    phrases_used = {c for label in used for c in vocab.label_phrases.get(label, ())}
    assert len(categories_used) >= 20 and len(phrases_used) >= 20
    assert set(categories_used) <= set(vocab.categories) and set(phrases_used) <= set(vocab.phrases)
    assert not {p.package for p in photos} & RESERVED
    assert {p.split for p in photos} == {"dev", "test"}
    assert len({p.id for p in photos}) == len(photos)
    assert all(p.licence and p.file and p.package for p in photos)


def test_the_quick_subset_loads_as_real_images():
    photos = benchmark_photos("test", kinds=("stamp", "pypi"))
    assert len(photos) >= 40 and {p.kind for p in photos} == {"stamp", "pypi"}
    with Image.open(photos[0].path) as im:
        assert im.mode == "RGB" and max(im.size) >= 24


def test_measures_on_a_hand_made_case():
    truth = truth_of(["cat", "hammer"], ["cat", "hammer", "dog"], {"cat": ["animal"], "hammer": ["tool"]},
                     {"hammer": ["made of metal"]}, ["animal", "tool"], ["made of metal"], {"hammer"})
    # texts: cat hammer dog | animal tool | made of metal
    perfect = np.array([[0.9, 0.1, 0.5, 0.8, 0.1, 0.1], [0.1, 0.9, 0.2, 0.1, 0.7, 0.9]])
    m = measures(perfect, truth)
    assert m["top1"] == m["top5"] == m["label_map"] == m["category_top1"] == m["phrase_map"] == 1.0
    assert m["notimagenet_top5"] == 1.0 and m["max_label_share"] == 0.5
    broad = perfect.copy()
    broad[:, 3] = 0.95  # 'animal' wins on both photos
    assert measures(broad, truth)["max_label_share"] == 1.0 and measures(broad, truth)["category_top1"] == 0.5
    wrong = perfect[:, [2, 1, 0, 3, 4, 5]]  # cat and dog swapped
    assert measures(wrong, truth)["top1"] == 0.5


@pytest.mark.slow
def test_benchmark_truth_matches_the_tables():
    photos, vocab = _table(), vocabulary()
    truth = benchmark_truth(photos, vocab)
    assert truth.fine.sum() == len(photos) and truth.category.any(axis=1).mean() > 0.6
    goat_like = [i for i, p in enumerate(photos) if p.label == "zebra"]
    assert goat_like and truth.category[goat_like[0], vocab.categories.index("animal")]
