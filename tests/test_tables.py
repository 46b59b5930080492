"""The tables of ``vsexplore/data/_tables/`` load to exactly the values the modules once held as literals.

The fingerprints are sha256 of ``repr`` of each public table, taken from the Python literals before
they moved to JSON: ``repr`` tells tuples from lists and keeps key order, so any change to a value,
its type or its order shows. A deliberate edit of a table changes its fingerprint here too.
"""

from __future__ import annotations

import hashlib

import pytest

from vsexplore.data import background_labels, backgrounds, real_photos, stamps

FINGERPRINTS = {
    "OVERRIDES": (stamps, "8d829bc99847a0f01546d9d30efc8b2b21dd292465a2f31d7aee7b6f6634e68b"),
    "NAMES": (stamps, "e47498be22af05ca19d86d4af0aeaa68c7f6119149a2e8bead34e4dd12ffed20"),
    "FOLDER_CATEGORIES": (stamps, "d91d5f2c73eb53bdda49ae3d528709afb7db263fbf036e49557cf8563c362994"),
    "STEM_CATEGORIES": (stamps, "b0bc37a43787f646098d33f9cb7d5b149fa0ca3be2d2596021cff18c57a762dd"),
    "SOURCES": (backgrounds, "16797911c62485e65d218531f83e42b7ff8f544366486e4fb11d05f22caa34d2"),
    "SKIMAGE_PHOTOS": (backgrounds, "9a12fa0c6f3bc8d5b9d4ba519f2961ce5c6624f94aa1b74e58cfe63ad6a19564"),
    "PHOTOS": (real_photos, "fc98f45e88e65d704914aa3a3004641ad71f659c68d3694b68bdbba677be35ac"),
    "BACKGROUND_LABELS": (
        background_labels,
        "b95c3b64c2cc5616d22ac35da12a9ed171d512b1a70f57a249e4c84c6a2a0f4e",
    ),
}


@pytest.mark.parametrize("name", sorted(FINGERPRINTS))
def test_table_matches_its_fingerprint(name):
    module, digest = FINGERPRINTS[name]
    assert hashlib.sha256(repr(getattr(module, name)).encode()).hexdigest() == digest, (module.__name__, name)


def test_stamp_tables_spot_values():
    assert stamps.OVERRIDES["clothes/button"] is False and stamps.OVERRIDES["plants/flowers/flower5"] is True
    assert stamps.NAMES["beetle"] == "car" and stamps.NAMES["tucan"] == "toucan"
    assert stamps.FOLDER_CATEGORIES["animals/mammals/apes"] == ("primate", "mammal", "animal")
    assert stamps.STEM_CATEGORIES["rubberduck"] == ("toy",)
    assert stamps.stamp_labels("animals/fish/lobster") == ("lobster", "crustacean", "animal")


def test_background_tables_spot_values():
    assert backgrounds.SOURCES["plasma-workspace-wallpapers"]["Path"] == (
        "usr/share/wallpapers/Path/contents/images/2560x1600.jpg"
    )
    assert backgrounds.SOURCES["opencv-doc"]["000"] == "usr/share/doc/opencv-doc/examples/hfs/data/000.jpg"
    assert backgrounds.SKIMAGE_PHOTOS[0] == "astronaut.png" and isinstance(backgrounds.SKIMAGE_PHOTOS, tuple)
    dune = background_labels.BACKGROUND_LABELS["mate-backgrounds/Dune"]
    assert dune["sky"] == [[(0.0, 0.0), (1.0, 0.0), (1.0, 0.3), (0.0, 0.3)]]
    assert dune["sea"] == dune["water"]
    assert background_labels.BACKGROUND_LABELS["mate-backgrounds/Aqua"]["splash"][0][:2] == [
        (0.86, 0.6),
        (0.8478, 0.6842),
    ]


def test_real_photo_table_spot_values():
    storm = real_photos.PHOTOS["mate-backgrounds/Storm"]
    assert storm["path"] == backgrounds.SOURCES["mate-backgrounds"]["Storm"]
    assert storm["labels"] == ("sky", "cloud", "storm", "field", "grass", "road")
    assert storm["regions"]["sky"] == [(0.0, 0.0, 1.0, 0.58)]
    canyon = real_photos.PHOTOS["kphotoalbum/grand_canyon_1"]
    assert canyon["path"] == "usr/share/kphotoalbum/demo/grand_canyon_1.jpg" and canyon["rotate"] == 180
    assert list(canyon) == ["source", "path", "rotate", "labels", "regions"]
    assert real_photos.PHOTOS["scikit-image/coins"] == {
        "source": "scikit-image",
        "path": "coins.png",
        "labels": ("coin",),
        "regions": {},
    }
