"""The reference photos a calibration is fitted on: real, varied, and never in the benchmark.

They are what the training scenes are made of — the train split's cut-outs, each on white, and
its background views (:func:`vsexplore.data.scenes.split_pools`) — so they cost no download of
their own and never overlap the real-photo benchmark, which uses only photos training never saw.
"""

from __future__ import annotations

from PIL import Image

from ..data.scenes import split_pools
from ..data.stamps import on_white

STAMP_SIDE = 512


def reference_images() -> list[Image.Image | str]:
    """Background views (paths) then cut-outs on white (images), in a fixed order."""
    stamps, views = split_pools("train")
    return [str(v.path) for v in views] + [on_white(s.path, STAMP_SIDE) for s in stamps]
