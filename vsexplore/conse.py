"""ConSE's concept mixture (Norouzi et al. 2014): Σ over the top-T classes of p(c|x)·text(c).

Shared by the ConSE baseline and the network's fixed ConSE block. Only the top-T
probabilities and class indices are needed, which is what makes a ConSE block cheap to store.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from .text import LabelEncoder


def class_text_embeddings(encoder: LabelEncoder, class_names: list[str]) -> torch.Tensor:
    """Unit text vectors of the classifier's class names (C, d); zero rows for unknown names."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vectors, known = encoder.encode_known(class_names)
    if not known.any():
        raise ValueError(f"encoder {encoder.name} knows none of the class names")
    return torch.from_numpy(np.ascontiguousarray(vectors))


def top_probabilities(logits: torch.Tensor, top_t: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax over classes (dim 1), keep the T most probable: (values, indices), dim 1 = T.

    Computed in float32, or in float64 when given float64 logits."""
    logits = logits if logits.dtype == torch.float64 else logits.float()
    return logits.softmax(dim=1).topk(top_t, dim=1)


def top_weights(logits: torch.Tensor, top_t: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The T largest logits (dim 1) and their softmax among themselves: what
    :func:`concept_mixture` makes of :func:`top_probabilities` (it renormalises them), without
    the softmax over every class."""
    values, indices = logits.float().topk(top_t, dim=1)
    return values.softmax(dim=1), indices


def concept_mixture(probs: torch.Tensor, indices: torch.Tensor, class_text: torch.Tensor) -> torch.Tensor:
    """Σ_t p_t · text(c_t), renormalised by Σ_t p_t.

    ``probs``/``indices``: (B, T, *spatial) → embedding (B, d, *spatial).
    """
    weights = probs / probs.sum(dim=1, keepdim=True).clamp_min(1e-12)
    vectors = class_text[indices]  # (B, T, *spatial, d)
    mixed = (weights.unsqueeze(-1) * vectors).sum(dim=1)  # (B, *spatial, d)
    return mixed.movedim(-1, 1)
