"""The training-free ConSE baseline: ImageNet classifier + any label encoder.

Image embedding = Σ over the top-T classes of p(c|x)·text(c), normalised (Norouzi et al. 2014).
Scores are (cos + 1) / 2 with the pooled embedding; maps use the same mixture at every location.
"""

from __future__ import annotations

import torch
from torch import nn

from .backbones import Backbone, load_backbone
from .conse import class_text_embeddings, concept_mixture, top_probabilities
from .scoring import ImageScorer
from .text import LabelEncoder, load_encoder


class ConSE(ImageScorer):
    """ConSE with the same ``score`` / ``heatmaps`` / ``region_embeddings`` API as the model."""

    def __init__(
        self,
        backbone: Backbone | str = "efficientnet-lite0",
        encoder: LabelEncoder | str = "minilm-l6",
        top_t: int = 10,
        **scorer_options,
    ):
        backbone = load_backbone(backbone) if isinstance(backbone, str) else backbone
        encoder = load_encoder(encoder) if isinstance(encoder, str) else encoder
        super().__init__(backbone, encoder, **scorer_options)
        self.top_t = top_t
        self.class_text = class_text_embeddings(encoder, backbone.class_names).to(self.device)

    def embed(self, logits: torch.Tensor) -> torch.Tensor:
        """Class logits (B, C, *spatial) → unit ConSE embeddings (B, d, *spatial)."""
        mixed = concept_mixture(*top_probabilities(logits, self.top_t), self.class_text)
        return nn.functional.normalize(mixed, dim=1)

    def _scores_and_maps(self, features, location_logits, labels):
        pooled = self.embed(location_logits.mean(dim=(2, 3)))  # (B, d): image-level logits
        dense = self.embed(location_logits)  # (B, d, h, w)
        scores = (pooled @ labels.T + 1) / 2
        maps = (torch.einsum("bdhw,ld->blhw", dense, labels) + 1) / 2
        return scores.clamp(0, 1), maps.clamp(0, 1)

    def _region_embeddings(self, features, location_logits):
        return self.embed(location_logits).unsqueeze(1)
