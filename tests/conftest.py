"""Shared fixtures: real photos from scikit-image, the real backbone and encoders (loaded once)."""

from __future__ import annotations

import pytest
from photos import photo
from PIL import Image


@pytest.fixture(scope="session")
def photo_files(tmp_path_factory) -> dict[str, str]:
    """chelsea (cat), coffee, rocket and astronaut saved as JPEG files."""
    root = tmp_path_factory.mktemp("photos")
    paths = {}
    for name in ("chelsea", "coffee", "rocket", "astronaut"):
        paths[name] = str(root / f"{name}.jpg")
        Image.fromarray(photo(name)).save(paths[name], quality=95)
    return paths


@pytest.fixture(scope="session")
def backbone():
    from vsexplore.backbones import load_backbone

    return load_backbone("efficientnet-lite0", precision="fp32")


@pytest.fixture(scope="session")
def minilm():
    from vsexplore.text import MiniLMEncoder

    return MiniLMEncoder()


@pytest.fixture(scope="session")
def glove():
    from vsexplore.text import glove_6b_50d

    return glove_6b_50d()


@pytest.fixture(scope="session", params=["minilm", "glove"])
def encoder(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def bad_corpus(tmp_path_factory):
    """Awkward and broken image files with what loading each should do: see tests/bad_inputs.py.

    Shared by the session: to make the ``vanishing`` case vanish, copy it somewhere of your own first.
    """
    from bad_inputs import build_bad_corpus

    return build_bad_corpus(tmp_path_factory.mktemp("bad_inputs"))
