"""Tags that become axes: learned from a few tagged photos, against rejected ones, from the store."""

from __future__ import annotations

import numpy as np
import pytest

import vsexplore as vx
from vsexplore.data.benchmark import benchmark_photos, vocabulary
from vsexplore.evaluate.metrics import average_precision
from vsexplore.store import StoreError


@pytest.fixture(scope="module")
def photos_and_store(tmp_path_factory):
    photos = benchmark_photos("dev", kinds=("stamp", "pypi"))
    store = tmp_path_factory.mktemp("learned") / "photos.vsx"
    return photos, vx.Collection.build([p.path for p in photos], store=store, progress=False)


def test_tags_and_rejections_persist_and_exclude_each_other(photos_and_store):
    _, col = photos_and_store
    col.tag([0, 1, 2], "keep")
    col.reject([2, 3], "keep")  # rejecting an image takes the tag away
    col.tag([3], "keep")  # and tagging it again takes the rejection away
    reopened = vx.Collection.open(col.url)
    assert reopened.tags["keep"] == [0, 1, 3] and reopened.rejections["keep"] == [2]
    col.untag([0, 1, 3], "keep")
    assert "keep" not in vx.Collection.open(col.url).tags


def test_a_learned_axis_ranks_the_untagged_positives_above_the_word_alone(photos_and_store):
    photos, col = photos_and_store
    vocab = vocabulary()
    animal = np.array(["animal" in vocab.label_categories.get(p.label, ()) for p in photos])
    assert animal.sum() >= 10
    chosen = np.flatnonzero(animal)[:5]
    col.tag(chosen, "animal")
    try:
        learned = col.scores(["#animal"])[:, 0]
        np.testing.assert_array_equal(learned, col.learned_axis("animal"))
        rest = np.setdiff1d(np.arange(len(col)), chosen)
        zero_shot = col.scores(["animal"])[:, 0]
        ap = {name: average_precision(s[rest], animal[rest]) for name, s in (("learned", learned),
                                                                               ("word", zero_shot))}
        assert ap["learned"] >= ap["word"], ap
        assert learned.min() >= 0 and learned.max() <= 1
        negative = int(np.flatnonzero(~animal)[0])
        col.reject([negative], "animal")
        assert col.scores(["#animal"])[negative, 0] <= np.median(learned)
    finally:
        col.untag(chosen, "animal")


def test_a_tag_with_no_images_says_what_to_do(photos_and_store):
    _, col = photos_and_store
    with pytest.raises(StoreError, match="tag a few"):
        col.scores(["#nothing tagged"])
