"""The open vocabulary names clusters and suggests labels, on real photos, from a store."""

from __future__ import annotations

import numpy as np
import pytest

import vsexplore as vx
from vsexplore.data.benchmark import benchmark_photos, vocabulary
from vsexplore.vocabulary import load_vocabulary, words


def test_the_vocabulary_is_large_and_plain():
    vocab = words()
    assert len(vocab) >= 20_000 and len(set(vocab)) == len(vocab)
    assert {"dog", "beach", "red", "wooden", "musical instrument"} <= set(vocab)
    assert all(w == w.lower() and not any(ch.isdigit() for ch in w) for w in vocab)


@pytest.fixture(scope="module")
def model():
    return vx.load_model()


def test_the_vocabulary_is_encoded_once_then_read_from_the_cache(model, monkeypatch):
    first = load_vocabulary(model)
    monkeypatch.setattr(model.encoder, "encode", lambda *a: pytest.fail("encoded the vocabulary again"))
    again = load_vocabulary(model)
    assert again.words == first.words and again.vectors.shape == (len(words()), model.config.dim)
    assert bool(again.general[again.words.index("entity")]) and not again.general[again.words.index("dog")]


@pytest.fixture(scope="module")
def photos_and_store(model, tmp_path_factory):
    photos = benchmark_photos("dev", kinds=("stamp", "pypi"))
    store = tmp_path_factory.mktemp("naming") / "photos.vsx"
    return photos, vx.Collection.build([p.path for p in photos], store=store, model=model, progress=False)


def test_suggestions_differ_per_photo_and_often_hold_the_label(photos_and_store):
    photos, col = photos_and_store
    vocab = vocabulary()
    lists = [[w for w, _ in col.suggest_labels(i, n=5)] for i in range(len(col))]
    assert all(len(set(words)) == 5 for words in lists)
    assert len({tuple(words) for words in lists}) >= 0.9 * len(lists)  # not one list for every photo
    truths = [{p.label, *vocab.label_categories.get(p.label, ())} for p in photos]
    hit = np.mean([bool(truth & set(words)) for truth, words in zip(truths, lists, strict=True)])
    assert hit >= 0.3, hit


def test_clusters_name_themselves_with_distinctive_words(photos_and_store):
    _, col = photos_and_store
    clustering = col.auto_clusters()
    assert clustering.k == round((len(col) / 2) ** 0.5) and len(clustering.labels) == len(col)
    assert set(clustering.labels) == set(range(clustering.k))
    names = [n for cluster in clustering.names for n in cluster]
    assert all(len(cluster) == 3 for cluster in clustering.names)
    assert len(set(names)) >= 0.8 * len(names)  # distinctive: clusters do not share one broad word
    assert not {"entity", "object", "physical entity", "organism"} & set(names)
