"""Scores comparable across labels, and what WordNet adds: the shipped model's final score.

Three terms per (image, label ``t``), each factoring through a small per-image summary, so the same
numbers come from an image and from a store:

- ``head``: the factorised head's score logit, ``max_s V_s·t + bias`` (score vectors ``V``);
- ``described``: ConSE over *described* classes, ``cos(e, t)``, where ``e`` mixes the describing
  sentences of the image's top-10 ImageNet classes (``name, ancestors: gloss``,
  :func:`vsexplore.hierarchy.class_descriptions`): phrases (``lives in water``) and category words
  find the classes whose description says so;
- ``mass``: the classifier's probability on the ImageNet classes below ``t`` in WordNet (top-K
  classes kept per image), ``sqrt`` taken so a category's many small shares count.

``raw = described/s_d + w_head·head/s_h + w_mass·sqrt(mass)/s_m`` (global scales ``s`` from the
reference set), then each label is calibrated against its own distribution over a fixed, varied
reference set of real photos (``μ_t``, ``σ_t``): ``final = (raw − λ·μ_t) / (σ_t + σ_0)``, score =
``sigmoid(final − offset)``. ``λ < 1`` and ``σ_0 > 0`` keep part of each label's own level, which
measured better than a full z-score on the benchmark's dev split (a full z-score boosts labels
that never occur among the reference photos). A label's statistics are computed on first use
from the stored reference summaries (a few hundred images), so any label is calibrated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from .conse import concept_mixture, top_weights
from .hierarchy import class_mask
from .int8 import Int8Rows

PREFIX = "calibration."


@dataclass(frozen=True)
class Coefficients:
    """The combination's constants (chosen on the benchmark's dev split, see the model card)."""

    head_weight: float = 0.5
    mass_weight: float = 0.5
    keep_level: float = 0.5  # λ: share of each label's reference mean that is subtracted
    spread_floor: float = 0.5  # σ_0, added to each label's reference spread
    offset: float = 2.0  # final − offset goes through the sigmoid: absent labels score low
    top_t: int = 10  # classes mixed into the described embedding
    mass_k: int = 32  # classes kept per image for the mass
    scale_described: float = 1.0  # global scales s_d, s_h, s_m, measured on the reference set
    scale_head: float = 1.0
    scale_mass: float = 1.0


@dataclass
class ImageTerms:
    """What the final score needs of each image, besides the head's score vectors."""

    described: torch.Tensor  # (B, d) unit described-ConSE embedding
    top_classes: torch.Tensor  # (B, K) int64
    top_probs: torch.Tensor  # (B, K) float32


def image_terms(location_logits: torch.Tensor, descriptions: torch.Tensor, coefficients: Coefficients
                ) -> ImageTerms:
    """Per-location class logits (B, C, h, w) → :class:`ImageTerms` (image-level softmax)."""
    logits = location_logits.float().mean(dim=(2, 3))
    embedding = concept_mixture(*top_weights(logits, coefficients.top_t), descriptions.float())
    probs, classes = logits.softmax(dim=1).topk(coefficients.mass_k, dim=1)
    return ImageTerms(torch.nn.functional.normalize(embedding, dim=1), classes, probs)


FEW_LABELS = 16  # up to this many labels, the WordNet mass is gathered label by label


def mass(top_classes: torch.Tensor, top_probs: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """(B, K) classes and probabilities + (L, 1000) masks → (B, L) probability below each label.
    Labels with no ImageNet class below them are skipped; a few labels are gathered one by one."""
    out = torch.zeros(len(top_classes), len(masks))
    used = torch.nonzero(masks.abs().sum(1) > 0)[:, 0]
    if len(used) == 0:
        return out
    index, probs = top_classes.int(), top_probs.float()  # int32 indices: half the copy of int64
    if len(used) <= FEW_LABELS:
        for j in used.tolist():
            out[:, j] = (probs * masks[j][index]).sum(1)
    else:
        out[:, used] = torch.einsum("bk,bkl->bl", probs, masks[used].T[index])  # (B, K, L) gathered
    return out


def cosines(embeddings: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """(B, d) embeddings (stored bfloat16, or float) · (L, d) label vectors → (B, L) float32, the
    product in the embeddings' own dtype (no float copy of a whole collection), or int8 for
    :class:`~vsexplore.int8.Int8Rows`."""
    if isinstance(embeddings, Int8Rows):
        return embeddings.dot(vectors.float())
    return (embeddings @ vectors.T.to(embeddings.dtype)).float()


@dataclass
class LabelTerms:
    """What the final score needs of each label: its vector, WordNet mask and reference statistics."""

    vectors: torch.Tensor  # (L, d)
    masks: torch.Tensor  # (L, 1000)
    mean: torch.Tensor  # (L,) μ_t of raw over the reference photos
    spread: torch.Tensor  # (L,) σ_t


class Calibration:
    """The reference photos' summaries and the coefficients: turns the three terms into scores."""

    def __init__(self, descriptions: torch.Tensor, reference: dict[str, torch.Tensor],
                 coefficients: Coefficients):
        self.descriptions = descriptions.float()  # (1000, d) unit describing-sentence vectors
        self.reference = reference  # score_vectors (R, S, d), described (R, d), top_classes, top_probs (R, K)
        self.coefficients = coefficients

    # -- the combination -------------------------------------------------------------------
    def raw(self, head_logits: torch.Tensor, described: torch.Tensor, below: torch.Tensor) -> torch.Tensor:
        """(B, L) head logits, described cosines and masses → the uncalibrated combination."""
        c = self.coefficients
        return (described / c.scale_described + c.head_weight * head_logits / c.scale_head
                + c.mass_weight * below.clamp_min(0).sqrt() / c.scale_mass)

    def label_terms(self, vectors: torch.Tensor, labels: list[str], score_bias: float) -> LabelTerms:
        """Label vectors and texts → :class:`LabelTerms`, its reference statistics included."""
        masks = class_mask(labels)
        ref = self.reference
        head = score_logits(ref["score_vectors"], vectors, score_bias)
        raw = self.raw(head, ref["described"].float() @ vectors.float().T,
                       mass(ref["top_classes"], ref["top_probs"], masks))
        return LabelTerms(vectors.float(), masks, raw.mean(0), raw.std(0))

    def logits(self, head_logits: torch.Tensor, described: torch.Tensor, top_classes: torch.Tensor,
               top_probs: torch.Tensor, labels: LabelTerms) -> torch.Tensor:
        """Per image (B,) summaries + :class:`LabelTerms` → calibrated logits ``final`` (B, L)."""
        c = self.coefficients
        below = mass(top_classes, top_probs, labels.masks)
        raw = self.raw(head_logits, cosines(described, labels.vectors), below)
        return (raw - c.keep_level * labels.mean) / (labels.spread + c.spread_floor)

    def scores(self, head_logits: torch.Tensor, described: torch.Tensor, top_classes: torch.Tensor,
               top_probs: torch.Tensor, labels: LabelTerms) -> torch.Tensor:
        """Per image (B,) summaries + :class:`LabelTerms` → calibrated scores (B, L) in [0, 1]."""
        final = self.logits(head_logits, described, top_classes, top_probs, labels)
        return (final - self.coefficients.offset).sigmoid()

    def without_reference(self) -> Calibration:
        """The same combination without the reference summaries (what a Dask task needs)."""
        return Calibration(self.descriptions, {}, self.coefficients)

    # -- persistence -----------------------------------------------------------------------
    def tensors(self) -> dict[str, torch.Tensor]:
        named = {"descriptions": self.descriptions} | {f"reference.{k}": v for k, v in self.reference.items()}
        return {PREFIX + k: v.contiguous() for k, v in named.items()}

    def metadata(self) -> dict:
        return asdict(self.coefficients)

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor], metadata: dict) -> Calibration | None:
        """The calibration stored in a weights file's tensors, or None when it has none."""
        if PREFIX + "descriptions" not in tensors:
            return None
        start = len(PREFIX + "reference.")
        reference = {k[start:]: v for k, v in tensors.items() if k.startswith(PREFIX + "reference.")}
        return cls(tensors[PREFIX + "descriptions"], reference, Coefficients(**metadata))


@torch.inference_mode()
def score_logits(score_vectors: torch.Tensor, labels: torch.Tensor, bias: float) -> torch.Tensor:
    """Score vectors (n, slots, d) + unit labels (L, d) → the factorised head's logits (n, L), one
    label at a time (a fast GEMV in the vectors' own dtype, e.g. bfloat16; int8 for
    :class:`~vsexplore.int8.Int8Rows`)."""
    if isinstance(score_vectors, Int8Rows):
        return score_vectors.dot(labels.float()).amax(1) + bias
    n, slots, d = score_vectors.shape
    out = torch.empty(n, len(labels))
    flat = score_vectors.reshape(n * slots, d)
    for j, label in enumerate(labels.to(score_vectors.dtype)):
        out[:, j] = (flat @ label).reshape(n, slots).amax(1).float()
    return out + bias


def reference_scales(raw_terms: dict[str, np.ndarray]) -> dict[str, float]:
    """Global scales of the three terms over reference photos × labels (their standard deviations)."""
    return {f"scale_{name}": float(np.std(values)) or 1.0 for name, values in raw_terms.items()}
