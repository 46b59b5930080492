"""NamedClusters over a store of real photos: rename a cluster, one click tags exactly its images."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

import vsexplore as vx  # noqa: E402
from vsexplore.data.benchmark import benchmark_photos  # noqa: E402
from vsexplore.widgets import Gallery, NamedClusters  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> vx.Collection:
    photos = benchmark_photos("dev", kinds=("stamp", "pypi"))
    store = tmp_path_factory.mktemp("named") / "photos.vsx"
    return vx.Collection.build([p.path for p in photos], store=store, progress=False)


@pytest.fixture
def col(built, tmp_path) -> vx.Collection:
    """A fresh, writable copy of the built store for each test (tags start empty)."""
    shutil.copytree(built.url, tmp_path / "copy.vsx")
    return vx.Collection.open(tmp_path / "copy.vsx", model=built.model, mode="r+")


def test_sections_show_the_collections_own_clusters(col):
    nc = NamedClusters(col)
    expected = col.auto_clusters(seed=0)
    assert nc.clustering.k == expected.k == len(nc.sections.children) >= 2
    assert nc.clustering.names == expected.names
    np.testing.assert_array_equal(np.sort(np.concatenate(nc.members)), np.arange(len(col)))
    for c, section in enumerate(nc.sections.children):
        members, names = nc.members[c], expected.names[c]
        np.testing.assert_array_equal(members, np.flatnonzero(expected.labels == c))
        assert "vsx-named-cluster" in section._dom_classes
        title, row, gallery = section.children
        assert title.value == f"{', '.join(names)} — {len(members)} images"
        assert isinstance(gallery, Gallery) and gallery.indices.tolist() == members.tolist()
        assert nc.renames[c].value == names[0] and "vsx-cluster-rename" in nc.renames[c]._dom_classes
        assert nc.buttons[c].description == f"Tag {len(members)} images as '{names[0]}'"
        assert "vsx-cluster-tag" in nc.buttons[c]._dom_classes and not nc.buttons[c].disabled
    assert "vsx-named-clusters" in nc._dom_classes and col.tags == {}  # showing tags nothing


def test_rename_then_one_click_tags_exactly_the_members(col):
    nc = NamedClusters(col)
    first, second = nc.members[0].tolist(), nc.members[1].tolist()
    nc.renames[0].value = "  my stamps "
    assert nc.buttons[0].description == f"Tag {len(first)} images as 'my stamps'"
    nc.renames[0].value = ""
    assert nc.buttons[0].disabled and nc.buttons[0].description == "type a name to tag"
    nc.renames[0].value = "my stamps"
    nc.buttons[0].click()
    assert vx.Collection.open(col.url).tags == {"my stamps": sorted(first)}  # written at once, only them
    assert nc.notes[0].value == f"tagged {len(first)} images 'my stamps' ({len(first)} in all)"

    original = nc.renames[1].value
    nc.buttons[1].click()  # not renamed: its first vocabulary name
    assert vx.Collection.open(col.url).tags == {"my stamps": sorted(first), original: sorted(second)}


def test_k_menu_clusters_again(col):
    nc = NamedClusters(col)
    nc.k.value = 3
    assert nc.clustering.k == 3 and nc.clustering.criterion == "given" and len(nc.buttons) == 3
    assert sum(map(len, nc.members)) == len(col)
    nc.k.value = 0  # "auto"
    assert nc.clustering.k == col.auto_clusters().k
    assert NamedClusters(col, k=2).k.value == 2
    with pytest.raises(ValueError, match=f"has {len(col)} images"):
        NamedClusters(col, k=len(col) + 1)


def test_a_read_only_store_says_how_to_tag(col):
    read_only = vx.Collection.open(col.url, model=col.model)  # mode "r"
    nc = NamedClusters(read_only)
    assert all(b.disabled for b in nc.buttons)
    assert "read-only" in nc.status.value and "mode='r+'" in nc.status.value and col.url in nc.status.value
    assert nc.tag(0) == 0 and "mode='r+'" in nc.notes[0].value
    assert vx.Collection.open(col.url).tags == {}
