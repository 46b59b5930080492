"""Ship the default model: the factorised head with its calibration fitted on the reference photos.

    python scripts/calibrate.py HEAD.safetensors weights/vsexplore-default.safetensors

HEAD is a trained factorised head (e.g. the run of scripts/train-shipped.sh); the benchmark's
vocabulary sets the three terms' global scales (texts only: no benchmark photo is used).
"""

from __future__ import annotations

import sys

import vsexplore as vx
from vsexplore.data.benchmark import vocabulary
from vsexplore.train.calibrate import fit_calibration
from vsexplore.train.reference import reference_images


def main(head: str, out: str) -> None:
    model = vx.load_model(head)
    vocab = vocabulary()
    reference = reference_images()
    model.calibration = fit_calibration(model, reference, [*vocab.labels, *vocab.categories, *vocab.phrases])
    model.save(out)
    print(f"{out}: {len(reference)} reference photos, {model.calibration.metadata()}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
