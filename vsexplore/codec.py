"""What a collection stores per image instead of exact region embeddings (≈190 KB), and how label
cosine maps come back from it at query time.

- **Linear blocks** share one code: the backbone features ``f`` of each location projected on
  ``q`` principal directions of the blocks' joint output ``[P₁f, …, Pₖf]``, plus each block's
  exact norm ``|Pⱼ f|``. All components are quantised with one step (equal error everywhere is
  what minimises the total error); the few high-variance components that need more than 8 bits
  are stored as int16 (``codes_wide``), the rest as int8 (``codes``), and the store's
  compressor squeezes the small values of the tail. The directions are found after weighting
  the label space by the second moment of label vectors, so the bits go where label vectors
  look. A new label ``t`` then needs one small matrix product per location:
  ``cos = (mⱼ·t + code·(Dⱼ t)) / |Pⱼ f|``.
- **ConSE blocks** store their top-T class indices and probabilities per location (exact) and
  the mixture's norm; ``cos = Σ p·(text(c)·t) / |mixture|``.

Encoding is one (C, q) matrix product per location, so it costs little next to the backbone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .conse import concept_mixture, top_probabilities
from .network import ConSEBlock, LinearBlock, VisualSemanticNet

DEFAULT_COMPONENTS = 288
STEP = 0.1  # quantisation step, as a fraction of the median component's standard deviation
INT8_MAX = 127
FIT_LOCATIONS = 12_000  # feature locations the directions are fitted on (subsampled evenly)
INT16_MAX = 32767
PROB_SCALE = 255  # ConSE probabilities stored as uint8
NORM_FLOOR = 1e-4  # below this a stored norm means an all-zero region (float16 resolution)
FITTED = ("encode_matrix", "encode_offset", "scale", "wide", "decode", "decode_offset")


@dataclass
class RegionCodec:
    """Encodes feature maps into compact per-location codes and decodes label cosine maps."""

    encode_matrix: torch.Tensor  # (C, q): features → code (before scaling)
    encode_offset: torch.Tensor  # (q,)
    scale: torch.Tensor  # (q,) code units per integer step (one step for all components)
    wide: torch.Tensor  # (q,) 1 for the leading components stored as int16, else 0
    decode: torch.Tensor  # (n_linear, q, d): code → block embedding (unnormalised)
    decode_offset: torch.Tensor  # (n_linear, d)
    projections: torch.Tensor  # (n_linear, d, C): the linear blocks' P (for exact norms)
    class_text: torch.Tensor  # (num_classes, d) for ConSE blocks (empty if none)
    blocks: tuple[str, ...]
    top_t: int

    @property
    def components(self) -> int:
        return int(self.scale.numel())

    @property
    def n_wide(self) -> int:
        return int(self.wide.sum())

    @property
    def linear(self) -> list[int]:
        return [i for i, kind in enumerate(self.blocks) if kind == "linear"]

    @property
    def conse(self) -> list[int]:
        return [i for i, kind in enumerate(self.blocks) if kind == "conse"]

    # -- fitting -----------------------------------------------------------------------------
    @classmethod
    def fit(
        cls, net: VisualSemanticNet, features: torch.Tensor, components: int = DEFAULT_COMPONENTS
    ) -> RegionCodec:
        """Fit the code directions on feature maps ``(N, C, h, w)`` of representative photos."""
        linear = [b for b in net.blocks if isinstance(b, LinearBlock)]
        conse = [b for b in net.blocks if isinstance(b, ConSEBlock)]
        d, c = net.config.dim, net.config.channels
        projections = (
            torch.stack([b.proj.weight[:, :, 0, 0].detach().float() for b in linear])
            if linear
            else torch.zeros(0, d, c)
        )
        class_text = conse[0].class_text.detach().float() if conse else torch.zeros(0, d)
        n_lin = len(linear)
        q = min(components, n_lin * d) if n_lin else 0
        flat = features.detach().float().permute(0, 2, 3, 1).reshape(-1, c)
        if n_lin == 0 or q == 0:
            empty = torch.zeros(c, 0)
            return cls(empty, torch.zeros(0), torch.ones(0), torch.zeros(0), torch.zeros(n_lin, 0, d),
                       torch.zeros(n_lin, d), projections, class_text, tuple(net.config.blocks),
                       net.config.top_t)
        half, inv_half = _label_metric(class_text if len(class_text) else None, d)
        joint = projections.reshape(n_lin * d, c)  # rows: block-major
        weighted = torch.block_diag(*[half] * n_lin)  # (n_lin·d, n_lin·d)
        inv_weighted = torch.block_diag(*[inv_half] * n_lin)
        sample = flat[:: -(-len(flat) // FIT_LOCATIONS)]  # plenty for q directions, and fast
        h = sample @ joint.T @ weighted  # (M, n_lin·d)
        mean = h.mean(0)
        centred = h - mean
        # principal directions from the (n_lin·d)² scatter matrix: much faster than an SVD of h
        values, vectors = torch.linalg.eigh((centred.T @ centred).double())
        rank = int((values > values.max() * 1e-10).sum())
        vt = vectors.flip(1)[:, : min(rank, len(h))].T.float()
        if vt.shape[0] < q:
            raise ValueError(
                f"fitting {q} code components needs at least {q} feature locations; got {vt.shape[0]}: "
                "fit on more images or ask for fewer components"
            )
        basis = vt[:q].T  # (n_lin·d, q)
        encode_matrix = joint.T @ weighted @ basis  # (C, q)
        encode_offset = mean @ basis
        codes = flat @ encode_matrix - encode_offset
        spread = codes.std(dim=0)
        step = float((STEP * spread.median()).clamp_min(1e-12))
        extent = torch.quantile(codes.abs()[:: max(1, len(codes) // 200_000)], 0.9999, dim=0) / step
        wide = torch.zeros(q)
        wide[: int((extent > INT8_MAX).nonzero().max()) + 1 if (extent > INT8_MAX).any() else 0] = 1.0
        scale = torch.full((q,), step)
        decode = (basis.T @ inv_weighted).reshape(q, n_lin, d).permute(1, 0, 2) * step
        decode_offset = (mean @ inv_weighted).reshape(n_lin, d)
        return cls(encode_matrix, encode_offset, scale, wide, decode.contiguous(), decode_offset,
                   projections, class_text, tuple(net.config.blocks), net.config.top_t)

    # -- encoding ----------------------------------------------------------------------------
    @torch.no_grad()
    def encode(
        self, features: torch.Tensor, location_logits: torch.Tensor
    ) -> tuple[dict[str, np.ndarray], torch.Tensor]:
        """Feature maps (B, C, h, w) + location logits (B, K, h, w) → (the stored arrays of a batch,
        the exact unit region embeddings (B, k, d, hw) they were computed from).

        ``codes_wide`` (B, hw, q_wide) int16, ``codes`` (B, hw, q − q_wide) int8, ``norms``
        (B, n_linear, hw) float16, ``conse_index`` (B, n_conse, T, hw) int16,
        ``conse_prob`` (B, n_conse, T, hw) uint8 (×255), ``conse_norm`` (B, n_conse, hw) float16.
        """
        b, c, h, w = features.shape
        flat = features.float().permute(0, 2, 3, 1).reshape(b, h * w, c)
        codes = torch.round((flat @ self.encode_matrix - self.encode_offset) / self.scale)
        n_wide = self.n_wide
        linear = torch.einsum("bmc,jdc->bjdm", flat, self.projections)  # (B, n_lin, d, hw)
        norms = linear.norm(dim=2)
        n_conse = len(self.conse)
        # float64 softmax: stored probabilities then do not depend on the thread count (Dask = in-process)
        probs, index = top_probabilities(location_logits.double(), self.top_t)  # (B, T, h, w)
        probs = torch.round(probs.float() * PROB_SCALE) / PROB_SCALE  # as stored, so norms match
        mixture = concept_mixture(probs, index, self.class_text) if len(self.class_text) else None
        out = {
            "codes_wide": codes[..., :n_wide].clamp(-INT16_MAX, INT16_MAX).to(torch.int16).numpy(),
            "codes": codes[..., n_wide:].clamp(-INT8_MAX, INT8_MAX).to(torch.int8).numpy(),
            "norms": norms.half().numpy(),
            "conse_index": index.reshape(b, 1, self.top_t, h * w).expand(b, n_conse, -1, -1).short().numpy(),
            "conse_prob": torch.round(probs * PROB_SCALE).reshape(b, 1, self.top_t, h * w)
            .expand(b, n_conse, -1, -1).to(torch.uint8).numpy(),
            "conse_norm": (
                mixture.norm(dim=1).reshape(b, 1, h * w).expand(b, n_conse, -1).half().numpy()
                if mixture is not None
                else np.zeros((b, 0, h * w), np.float16)
            ),
        }
        regions = torch.empty(b, len(self.blocks), self.projections.shape[1] if self.linear else
                              self.class_text.shape[1], h * w)
        if self.linear:
            regions[:, self.linear] = linear
        if mixture is not None:
            regions[:, self.conse] = mixture.reshape(b, 1, -1, h * w)
        return out, torch.nn.functional.normalize(regions, dim=2)

    # -- decoding ----------------------------------------------------------------------------
    def cosine_maps(self, stored: dict, labels: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
        """Stored arrays of B images + unit labels (L, d) → cosine maps (B, L, k, h, w) float32."""
        b, hw = stored["codes"].shape[:2]
        n_labels = len(labels)
        out = torch.empty(b, n_labels, len(self.blocks), hw)
        if self.linear:
            directions = torch.einsum("jqd,ld->qjl", self.decode, labels).reshape(self.components, -1)
            numer = _codes_times(stored, directions, self.n_wide)  # (B, hw, n_lin·L)
            numer = numer.reshape(b, hw, len(self.linear), n_labels) + (self.decode_offset @ labels.T)
            inverse = _safe_inverse(torch.as_tensor(stored["norms"]).float())  # (B, n_lin, hw)
            out[:, :, self.linear] = (numer * inverse.permute(0, 2, 1)[..., None]).permute(0, 3, 2, 1)
        if self.conse:
            class_cos = self.class_text @ labels.T  # (K, L)
            index = torch.as_tensor(stored["conse_index"]).long()  # (B, n_c, T, hw)
            weights = torch.as_tensor(stored["conse_prob"]).float()
            weights = weights / weights.sum(dim=2, keepdim=True).clamp_min(1e-12)
            mixed = (class_cos[index] * weights[..., None]).sum(dim=2)  # (B, n_c, hw, L)
            inverse = _safe_inverse(torch.as_tensor(stored["conse_norm"]).float())
            out[:, :, self.conse] = (mixed * inverse[..., None]).permute(0, 3, 1, 2)
        return out.reshape(b, n_labels, len(self.blocks), *grid)

    def region_embeddings(self, stored: dict[str, np.ndarray], grid: tuple[int, int]) -> torch.Tensor:
        """Reconstructed unit region embeddings (B, k, d, h, w) of a few images (k-means, diversity)."""
        codes = _codes(stored)
        b, hw = codes.shape[:2]
        d = self.decode.shape[-1] if self.linear else self.class_text.shape[1]
        out = torch.empty(b, len(self.blocks), d, hw)
        if self.linear:
            emb = torch.einsum("bmq,jqd->bjdm", codes, self.decode) + self.decode_offset[None, :, :, None]
            out[:, self.linear] = emb
        if self.conse:
            index = torch.as_tensor(stored["conse_index"]).long()
            probs = torch.as_tensor(stored["conse_prob"]).float() / PROB_SCALE
            weights = probs / probs.sum(dim=2, keepdim=True).clamp_min(1e-12)
            vectors = self.class_text[index]  # (B, n_c, T, hw, d)
            out[:, self.conse] = (vectors * weights[..., None]).sum(dim=2).permute(0, 1, 3, 2)
        out = torch.nn.functional.normalize(out, dim=2)
        return out.reshape(b, len(self.blocks), d, *grid)

    # -- persistence -------------------------------------------------------------------------
    def tensors(self) -> dict[str, torch.Tensor]:
        """The fitted part (the model supplies projections and class texts)."""
        return {name: getattr(self, name).contiguous() for name in FITTED}

    def save(self, path: str | os.PathLike) -> Path:
        from safetensors.torch import save_file

        save_file(self.tensors(), str(path))
        return Path(path)

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor], net: VisualSemanticNet) -> RegionCodec:
        """A codec from its fitted tensors and the network it was fitted for."""
        model_part = cls.fit(net, torch.zeros(1, net.config.channels, 1, 1), components=0)
        fitted = {k: torch.as_tensor(np.asarray(tensors[k])).float() for k in FITTED}
        return cls(**fitted, projections=model_part.projections, class_text=model_part.class_text,
                   blocks=model_part.blocks, top_t=model_part.top_t)

    @classmethod
    def load(cls, path: str | os.PathLike, net: VisualSemanticNet) -> RegionCodec:
        from safetensors.torch import load_file

        return cls.from_tensors(load_file(str(path)), net)


def _codes_times(stored: dict, directions: torch.Tensor, n_wide: int) -> torch.Tensor:
    """Stored integer codes (B, hw, q) @ directions (q, N) → float32 (B, hw, N), int16 and int8 parts."""
    out = torch.as_tensor(stored["codes"]).float() @ directions[n_wide:]
    if n_wide:
        out += torch.as_tensor(stored["codes_wide"]).float() @ directions[:n_wide]
    return out


def _codes(stored: dict) -> torch.Tensor:
    """The int16 and int8 code parts joined as float32 (B, hw, q)."""
    wide = torch.as_tensor(stored["codes_wide"]).float()
    narrow = torch.as_tensor(stored["codes"]).float()
    return torch.cat([wide, narrow], dim=-1)


def _safe_inverse(norms: torch.Tensor) -> torch.Tensor:
    """1/norm, and 0 where a region embedding is (numerically) zero, as exact normalisation gives."""
    return torch.where(norms > NORM_FLOOR, 1.0 / norms.clamp_min(NORM_FLOOR), torch.zeros_like(norms))


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


def codec_path_for(weights: str | os.PathLike) -> Path:
    """The codec shipped beside a weights file: ``name.safetensors`` → ``name.codec.safetensors``."""
    weights = Path(weights)
    return weights.with_name(weights.name.removesuffix(".safetensors") + ".codec.safetensors")
