"""The shipped weights load offline and mean something on real photos."""

from __future__ import annotations

import pytest
from conftest import photo

import vsexplore as vx
from vsexplore.model import default_weights_path

pytestmark = pytest.mark.skipif(
    not default_weights_path().exists(), reason="no shipped weights in this checkout"
)


@pytest.fixture(scope="module")
def shipped():
    return vx.load_model()


def test_shipped_model_is_the_documented_one(shipped):
    config = shipped.config
    assert config.backbone == "efficientnet-lite0" and config.blocks[0] == "conse"
    assert config.k == 5 and config.compare_at == "conv"


def test_shipped_model_ranks_real_photos(shipped, photo_files):
    labels = ["cat", "car", "building", "coffee", "rocket"]
    scores = shipped.score([photo_files["chelsea"], photo_files["coffee"], photo_files["rocket"]], labels)
    assert [labels[i] for i in scores.argmax(axis=1)] == ["cat", "coffee", "rocket"]


def test_shipped_heatmaps_sit_on_their_things(shipped):
    # astronaut: the person fills the left two thirds; camera: sky above, grass below
    person = shipped.heatmaps(photo("astronaut"), ["person"])[0]
    assert person[:, :4].mean() > person[:, 5:].mean()
    sky, grass = shipped.heatmaps(photo("camera"), ["sky", "grass"])
    assert sky[:2].mean() > sky[5:].mean()
    assert grass[5:].mean() > grass[:2].mean()
