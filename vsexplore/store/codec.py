"""What a collection stores per image instead of exact region embeddings (≈190 KB), and how scores
and label maps come back from it at query time.

It relies on a factorised head (:attr:`~vsexplore.network.NetConfig.factorised`): a map logit is
``E_l · t + bias`` with one vector ``E_l`` per location, a score logit ``max_s V_s · t + bias``
with a few vectors ``V_s`` per image. So a store keeps

- ``score_vectors`` (slots, d), as bfloat16 bits: every label's score is one dot product per
  slot — exact to bfloat16 rounding, and a new label over a million images is one matrix product;
- ``codes`` (hw, q) int8 and ``steps`` (hw,) float16: each location's ``E_l`` on ``q`` principal
  directions, fitted on the collection's first photos after weighting the label space by the
  second moment of label vectors (errors count where label vectors point), quantised with one
  step per location. A map logit is then ``steps · (codes · (D t)) + offset · t + bias``.

The query kernels at the end (:func:`stored_scores`, :func:`stored_maps`, :func:`painted_totals`)
are what the in-process path and a Dask worker both run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..calibration import score_logits
from ..network import VisualSemanticNet

DEFAULT_COMPONENTS = 128
INT8_MAX = 127
FIT_LOCATIONS = 20_000  # locations the directions are fitted on (subsampled evenly)
FITTED = ("encode_matrix", "offset", "decode")


def to_bf16_bits(values: torch.Tensor) -> np.ndarray:
    """float tensor → its bfloat16 bit patterns as int16 (Zarr has no bfloat16 type)."""
    return values.to(torch.bfloat16).view(torch.int16).numpy()


def from_bf16_bits(bits: np.ndarray) -> torch.Tensor:
    """int16 bit patterns → bfloat16 tensor, without copying."""
    return torch.from_numpy(np.ascontiguousarray(bits)).view(torch.bfloat16)


@dataclass
class RegionCodec:
    """Encodes location vectors into int8 codes; decodes label map logits from them."""

    encode_matrix: torch.Tensor  # (d, q): location vector − offset → code (before the step)
    offset: torch.Tensor  # (d,) mean location vector
    decode: torch.Tensor  # (q, d): code → location vector − offset

    @property
    def components(self) -> int:
        return int(self.encode_matrix.shape[1])

    # -- fitting -----------------------------------------------------------------------------
    @classmethod
    def fit(cls, net: VisualSemanticNet, locations: torch.Tensor, components: int = DEFAULT_COMPONENTS,
            label_vectors: torch.Tensor | None = None) -> RegionCodec:
        """Fit the code directions on location vectors ``(N, d, h, w)`` of representative photos;
        ``label_vectors`` (default: the ConSE block's class texts) say where errors count."""
        d = net.config.dim
        if label_vectors is None:
            texts = [b.class_text for b in net.blocks if hasattr(b, "class_text")]
            label_vectors = texts[0].detach().float() if texts else None
        flat = locations.detach().float().permute(0, 2, 3, 1).reshape(-1, d)
        if components == 0 or len(flat) == 0:
            return cls(torch.zeros(d, 0), torch.zeros(d), torch.zeros(0, d))
        if components > min(len(flat), d):
            raise ValueError(
                f"fitting {components} code components needs at least {components} locations and "
                f"dimensions; got {len(flat)} locations of {d}-d vectors: fit on more images or ask for fewer"
            )
        half, inv_half = _label_metric(label_vectors, d)
        sample = flat[:: -(-len(flat) // FIT_LOCATIONS)]
        offset = sample.mean(0)
        weighted = (sample - offset) @ half
        values, vectors = torch.linalg.eigh((weighted.T @ weighted).double())
        basis = vectors.flip(1)[:, :components].float()  # (d, q), leading directions first
        return cls(half @ basis, offset, basis.T @ inv_half)

    # -- encoding ----------------------------------------------------------------------------
    @torch.no_grad()
    def encode(self, locations: torch.Tensor) -> dict[str, np.ndarray]:
        """Location vectors (B, d, h, w) → ``codes`` (B, hw, q) int8 and ``steps`` (B, hw) float16."""
        b, d = locations.shape[:2]
        flat = locations.float().reshape(b, d, -1).transpose(1, 2)  # (B, hw, d)
        coords = (flat - self.offset) @ self.encode_matrix
        steps = (coords.abs().amax(-1) / INT8_MAX).half().float().clamp_min(1e-12)  # as stored
        codes = torch.round(coords / steps[..., None]).clamp(-INT8_MAX, INT8_MAX)
        return {"codes": codes.to(torch.int8).numpy(), "steps": steps.half().numpy()}

    # -- decoding ----------------------------------------------------------------------------
    def map_logits(self, codes: torch.Tensor, steps: torch.Tensor, labels: torch.Tensor, bias: float
                   ) -> torch.Tensor:
        """Codes (B, hw, q) (int8, or bfloat16 holding the same integers) + steps (B, hw) + unit
        labels (L, d) → map logits (B, L, hw) float32, multiplied in float32 (a bfloat16 product
        would round each logit by up to 0.4 %: enough to swap near-tied search results)."""
        directions = (self.decode @ labels.T).float()
        product = codes.float() @ directions  # (B, hw, L)
        logits = product * steps.float()[..., None] + (self.offset @ labels.T + bias)
        return logits.transpose(1, 2)

    def location_vectors(self, codes: np.ndarray, steps: np.ndarray) -> torch.Tensor:
        """Decoded location vectors (B, hw, d) of a few images (k-means segments)."""
        scaled = torch.as_tensor(codes).float() * torch.as_tensor(steps).float()[..., None]
        return scaled @ self.decode + self.offset

    # -- persistence -------------------------------------------------------------------------
    def tensors(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, name).contiguous() for name in FITTED}

    @classmethod
    def from_tensors(cls, tensors: dict) -> RegionCodec:
        return cls(**{k: torch.as_tensor(np.asarray(tensors[k])).float() for k in FITTED})


def _label_metric(label_vectors: torch.Tensor | None, d: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Square root (and inverse) of the labels' second moment: where label vectors point, errors count."""
    if label_vectors is None:
        eye = torch.eye(d)
        return eye, eye
    moment = label_vectors.T @ label_vectors / len(label_vectors) + 1e-3 * torch.eye(d)
    values, vectors = torch.linalg.eigh(moment)
    half = vectors @ torch.diag(values.sqrt()) @ vectors.T
    inv_half = vectors @ torch.diag(values.rsqrt()) @ vectors.T
    return half, inv_half


# -- query kernels ---------------------------------------------------------------------------
@torch.inference_mode()
def stored_scores(score_vectors: torch.Tensor, labels: torch.Tensor, bias: float) -> torch.Tensor:
    """Score vectors (n, slots, d) bfloat16 + unit labels (L, d) → an uncalibrated head's scores
    (n, L) in [0, 1]."""
    return score_logits(score_vectors, labels, bias).sigmoid_()


SCORE_BLOCK = 65536  # images per block of a calibrated score: the WordNet-mass gather stays small


@torch.inference_mode()
def calibrated_scores(calibration, score_vectors: torch.Tensor, described: torch.Tensor,
                      top_classes: torch.Tensor, top_probs: torch.Tensor, labels, bias: float
                      ) -> torch.Tensor:
    """A calibrated model's scores (n, L) in [0, 1] from stored summaries (see
    :mod:`vsexplore.calibration`); ``labels``: its :class:`~vsexplore.calibration.LabelTerms`."""
    head = score_logits(score_vectors, labels.vectors, bias)
    parts = [calibration.scores(head[s : s + SCORE_BLOCK], described[s : s + SCORE_BLOCK],
                                top_classes[s : s + SCORE_BLOCK], top_probs[s : s + SCORE_BLOCK], labels)
             for s in range(0, len(head), SCORE_BLOCK)]
    return torch.cat(parts) if parts else head.sigmoid()


@torch.inference_mode()
def stored_maps(codec: RegionCodec, codes: torch.Tensor, steps: torch.Tensor, labels: torch.Tensor,
                bias: float, grid: tuple[int, int]) -> torch.Tensor:
    """Codes (n, hw, q) + steps (n, hw) + unit labels (L, d) → label maps (n, L, h, w) in [0, 1]."""
    return codec.map_logits(codes, steps, labels, bias).sigmoid_().reshape(len(codes), len(labels), *grid)


@torch.inference_mode()
def painted_totals(codec: RegionCodec, codes: torch.Tensor, steps: torch.Tensor, labels: torch.Tensor,
                   bias: float, query: torch.Tensor) -> torch.Tensor:
    """Σ over concepts and cells of query (C, h, w) · label map, per image: (n,)."""
    maps = codec.map_logits(codes, steps, labels, bias).sigmoid_()  # (n, C, hw)
    return (maps * query.reshape(1, len(labels), -1)).sum(dim=(1, 2))
