"""The shipped weights load offline and mean something on real photos."""

from __future__ import annotations

import pytest
from photos import photo

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
    assert config.k == 5 and config.compare_at == "conv" and config.input_size == 224
    assert config.factorised and shipped.calibration is not None  # one default, for images and stores
    conv = vx.load_conv_model()  # the original write-up's head, kept as the compared variant
    assert conv.config.head == "conv" and conv.config.input_size == 448 and conv.calibration is None


def test_shipped_model_ranks_real_photos(shipped, photo_files):
    labels = ["cat", "car", "building", "coffee", "rocket"]
    scores = shipped.score([photo_files["chelsea"], photo_files["coffee"], photo_files["rocket"]], labels)
    assert [labels[i] for i in scores.argmax(axis=1)] == ["cat", "coffee", "rocket"]


def test_shipped_heatmaps_sit_on_their_things(shipped):
    # astronaut: the person fills the left two thirds, a flag stands at the left edge;
    # camera: a man on a lawn, the grass filling the lower half. The factorised head's maps are
    # softer than the conv head's (a linear mix of cosine maps, no 3×3 context): 2.5×, not 3×.
    person, flag = shipped.heatmaps(photo("astronaut"), ["person", "flag"])
    width = person.shape[1]
    assert person[:, : int(0.4 * width)].mean() > 2.5 * person[:, int(0.6 * width) :].mean()
    assert flag[:, : int(0.15 * width)].mean() > 3 * flag[:, int(0.15 * width) :].mean()
    grass = shipped.heatmaps(photo("camera"), ["grass"])[0]
    assert grass[grass.shape[0] // 2 :].mean() > grass[: grass.shape[0] // 2].mean()
