"""The visual-semantic head: k region-embedding blocks, cosine with labels, conv head, mixed pooling.

For each label: the cosine between every block's region embeddings and the unit label vector
gives k maps (h × w); a few conv+ReLU layers turn them into one similarity map; a learnable mix
of average and max pooling turns that into one logit; a sigmoid into a score in [0, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .conse import concept_mixture, top_probabilities

VERSION = 1


@dataclass
class NetConfig:
    """Everything that determines a network's shape and meaning; stored inside its weights."""

    backbone: str = "efficientnet-lite0"
    encoder: str = "minilm-l6"
    channels: int = 1280  # backbone's last conv map
    dim: int = 384  # label space, follows the encoder
    blocks: tuple[str, ...] = ("conse", "linear", "linear", "linear", "linear")
    hidden: int = 16
    top_t: int = 10
    num_classes: int = 1000
    input_size: int = 224
    compare_at: str = "conv"  # "pooled": the ablation that compares after average pooling
    version: int = VERSION
    extra: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.blocks)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> NetConfig:
        data = dict(data)
        if data.get("version", VERSION) > VERSION:
            raise ValueError(
                f"weights are format version {data['version']}; this vsexplore reads up to "
                f"{VERSION}: upgrade vsexplore"
            )
        data["blocks"] = tuple(data["blocks"])
        return cls(**data)


class LinearBlock(nn.Module):
    """A learned 1×1 projection of each location into the label space.

    Linear and bias-free, so cos(P f, t) = f·(Pᵀt) / |P f| factors through stored features.
    """

    kind = "linear"

    def __init__(self, channels: int, dim: int):
        super().__init__()
        self.proj = nn.Conv2d(channels, dim, kernel_size=1, bias=False)

    def forward(self, features: torch.Tensor, location_logits: torch.Tensor) -> torch.Tensor:
        return self.proj(features)


class ConSEBlock(nn.Module):
    """A fixed block: each location's ConSE mixture of its top-T ImageNet class texts."""

    kind = "conse"

    def __init__(self, num_classes: int, dim: int, top_t: int):
        super().__init__()
        self.top_t = top_t
        self.register_buffer("class_text", torch.zeros(num_classes, dim))

    def forward(self, features: torch.Tensor, location_logits: torch.Tensor) -> torch.Tensor:
        probs, indices = top_probabilities(location_logits, self.top_t)
        return concept_mixture(probs, indices, self.class_text)


class MixPool(nn.Module):
    """``w·mean + (1−w)·max`` over locations, with a learnable w kept in [0, 1]."""

    def __init__(self, avg_weight: float = 0.5):
        super().__init__()
        self.avg_weight = nn.Parameter(torch.tensor(float(avg_weight)))

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        flat = maps.flatten(-2)
        w = self.avg_weight.clamp(0.0, 1.0)
        return w * flat.mean(-1) + (1 - w) * flat.amax(-1)


def cosine_maps(regions: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Unit region embeddings (B, k, d, h, w) · unit labels → (B, L, k, h, w).

    ``labels`` is (L, d), shared by all images, or (B, L, d), a label set per image (training).
    """
    if labels.dim() == 3:
        return torch.einsum("bkdhw,bld->blkhw", regions, labels)
    return torch.einsum("bkdhw,ld->blkhw", regions, labels)


class VisualSemanticNet(nn.Module):
    """Backbone-agnostic head: feature map + per-location class logits + labels → scores, maps."""

    def __init__(self, config: NetConfig):
        super().__init__()
        self.config = config
        self.blocks = nn.ModuleList(self._make_block(kind) for kind in config.blocks)
        k, hidden = config.k, config.hidden
        self.head = nn.Sequential(
            nn.Conv2d(k, hidden, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, 1, 1),
        )
        self.pool = MixPool()

    def _make_block(self, kind: str) -> nn.Module:
        c = self.config
        if kind == "linear":
            return LinearBlock(c.channels, c.dim)
        if kind == "conse":
            return ConSEBlock(c.num_classes, c.dim, c.top_t)
        raise ValueError(f"unknown block kind {kind!r}; use 'linear' or 'conse'")

    @torch.no_grad()
    def init_from_classifier(
        self, classifier: nn.Linear, class_text: torch.Tensor, noise: float = 0.1
    ) -> None:
        """Data-free start for linear blocks: P = text(class names)ᵀ · W_classifier, so a region
        first maps to the text of the classes it looks like; each block gets its own noise."""
        base = class_text.T @ classifier.weight  # (d, C)
        base = base / base.norm(dim=1, keepdim=True).clamp_min(1e-12)
        for block in self.blocks:
            if isinstance(block, LinearBlock):
                jitter = torch.randn_like(base) * noise * base.abs().mean()
                block.proj.weight.copy_((base + jitter)[:, :, None, None])

    @torch.no_grad()
    def init_as_conse(self, scale: float = 10.0, others: float = 0.01) -> None:
        """Start the conv head as a monotone function of the ConSE block's cosine map, so the
        untrained network ranks like ConSE; the other blocks enter through small weights."""
        conse = [i for i, b in enumerate(self.blocks) if isinstance(b, ConSEBlock)]
        if not conse:
            raise ValueError("init_as_conse needs a 'conse' block")
        first, second, last = self.head[0], self.head[2], self.head[4]
        for conv in (first, second, last):
            conv.weight.normal_(0.0, others)
            conv.bias.zero_()
        first.weight[0, conse[0], 1, 1] = 1.0
        first.bias[0] = 1.0  # cosine ≥ −1, so channel 0 stays positive and ReLU passes it
        second.weight[0, 0, 1, 1] = 1.0
        last.weight[0, 0, 0, 0] = scale
        last.bias[0] = -scale * 1.3  # ConSE cosines of present labels sit around 0.3

    def region_embeddings(self, features: torch.Tensor, location_logits: torch.Tensor) -> torch.Tensor:
        """Unit-norm region embeddings of every block: (B, k, d, h, w); (B, k, d, 1, 1) when the
        network compares after pooling."""
        if self.config.compare_at == "pooled":
            features = features.mean(dim=(2, 3), keepdim=True)
            location_logits = location_logits.mean(dim=(2, 3), keepdim=True)
        regions = torch.stack([b(features, location_logits) for b in self.blocks], dim=1)
        return nn.functional.normalize(regions.float(), dim=2)

    def map_logits(self, cosines: torch.Tensor) -> torch.Tensor:
        """k cosine maps per (image, label) (B, L, k, h, w) → one similarity logit map (B, L, h, w)."""
        b, n_labels, k, h, w = cosines.shape
        return self.head(cosines.reshape(b * n_labels, k, h, w)).reshape(b, n_labels, h, w)

    def forward(
        self, features: torch.Tensor, location_logits: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """→ (score logits (B, L), map logits (B, L, h, w)); apply a sigmoid for [0, 1]."""
        regions = self.region_embeddings(features, location_logits)
        maps = self.map_logits(cosine_maps(regions, labels))
        return self.pool(maps), maps
