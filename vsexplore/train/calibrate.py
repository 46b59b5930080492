"""Fitting a model's :class:`~vsexplore.calibration.Calibration` on reference photos.

The reference photos are real and varied, and never part of the benchmark: the cut-outs and
background views that training scenes use (:func:`vsexplore.data.scenes.split_pools` ``"train"``),
each cut-out shown on white. Per photo the calibration keeps the factorised head's score vectors,
the described-ConSE embedding and the top classes, so any label's statistics come from them at
query time. The three terms' global scales are their spreads over the reference photos × a
vocabulary of labels (the benchmark's texts by default: words, category words and phrases).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..calibration import Calibration, Coefficients, image_terms, mass, reference_scales, score_logits
from ..hierarchy import class_descriptions, class_mask
from ..images import ImageLike
from ..model import Model


@torch.inference_mode()
def reference_summaries(model: Model, images: Sequence[ImageLike], coefficients: Coefficients,
                        descriptions: torch.Tensor) -> dict[str, torch.Tensor]:
    """Score vectors, described embeddings and top classes of the reference images."""
    parts: dict[str, list[torch.Tensor]] = {"score_vectors": [], "described": [], "top_classes": [],
                                            "top_probs": []}
    for batch in model.batches(images):
        features, logits = model.features(batch)
        regions = model.net.region_embeddings(features, logits)
        parts["score_vectors"].append(model.net.factorised_vectors(regions, features.float())[1].float())
        terms = image_terms(logits, descriptions, coefficients)
        parts["described"].append(terms.described)
        parts["top_classes"].append(terms.top_classes.to(torch.int16))
        parts["top_probs"].append(terms.top_probs.half())
    reference = {name: torch.cat(values) for name, values in parts.items()}
    reference["score_vectors"] = reference["score_vectors"].to(torch.bfloat16)
    reference["described"] = reference["described"].to(torch.bfloat16)
    return reference


def fit_calibration(model: Model, images: Sequence[ImageLike], texts: Sequence[str],
                    coefficients: Coefficients | None = None) -> Calibration:
    """A calibration for ``model`` (a factorised head) from reference ``images``; ``texts`` set the
    three terms' global scales."""
    coefficients = coefficients or Coefficients()
    descriptions = torch.from_numpy(model.encoder.encode(list(class_descriptions()))).float()
    reference = reference_summaries(model, images, coefficients, descriptions)
    vectors = model.encode_labels(list(texts)).float()
    terms = {
        "described": (reference["described"].float() @ vectors.T).numpy(),
        "head": score_logits(reference["score_vectors"], vectors, model.net.score_bias).numpy(),
        "mass": mass(reference["top_classes"], reference["top_probs"], class_mask(list(texts))).sqrt(),
    }
    scales = reference_scales({name: np.asarray(values, dtype=np.float64) for name, values in terms.items()})
    fitted = Coefficients(**{**coefficients.__dict__, **scales})
    return Calibration(descriptions.to(torch.bfloat16), reference, fitted)
