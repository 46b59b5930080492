"""The visual-semantic head: k region-embedding blocks, cosine with labels, a map head, pooling.

For each label: the cosine between every block's region embeddings and the unit label vector
gives k maps (h × w); the map head turns them into one similarity map; pooling turns that into
one logit; a sigmoid into a score in [0, 1].

Two heads exist. ``head="linear", pool="attention"`` (the default since version 2): the map is
one learned linear mix of the k cosine maps, and a label's score is the best of a few
label-independent attention-weighted means of another linear mix of them. Both then factor
through stored vectors — a map logit is ``E_l · t + b`` with one vector ``E_l`` per location, a
score logit is ``max_s V_s · t + c`` with a few vectors ``V_s`` per image — so a collection
answers a new label with one small matrix product (see :meth:`VisualSemanticNet.location_vectors`).
``head="conv", pool="mix"`` (version 1, the original write-up's): a few 3×3 conv+ReLU layers
and a learnable mix of average and max pooling; scoring a new label then needs every location
of every image through the conv head.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .conse import concept_mixture, top_weights

VERSION = 2
LEGACY = {"head": "conv", "pool": "mix", "slots": 1}  # what version-1 weights files mean


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
    head: str = "linear"  # "conv": 3×3 conv+ReLU layers (version 1)
    pool: str = "attention"  # "mix": learnable mix of mean and max (version 1)
    slots: int = 4  # attention weightings per image (pool="attention")
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
        for key, value in LEGACY.items():
            data.setdefault(key, value)
        return cls(**data)

    @property
    def factorised(self) -> bool:
        """Whether scores and maps factor through per-image and per-location vectors."""
        return self.head == "linear" and self.pool == "attention" and self.compare_at == "conv"


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
        return concept_mixture(*top_weights(location_logits, self.top_t), self.class_text)


class MixPool(nn.Module):
    """``w·mean + (1−w)·max`` over locations, with a learnable w kept in [0, 1]."""

    def __init__(self, avg_weight: float = 0.5):
        super().__init__()
        self.avg_weight = nn.Parameter(torch.tensor(float(avg_weight)))

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        flat = maps.flatten(-2)
        w = self.avg_weight.clamp(0.0, 1.0)
        return w * flat.mean(-1) + (1 - w) * flat.amax(-1)


class LinearMix(nn.Module):
    """``scale · Σ_b w_b · cos_b + bias``: one linear mix of the k cosine maps. The scale is
    learned in log space, so the mix weights stay near 1 and learn at a useful rate."""

    def __init__(self, k: int, scale: float = 10.0):
        super().__init__()
        self.mix = nn.Parameter(torch.full((k,), 1.0 / k))
        self.log_scale = nn.Parameter(torch.tensor(float(scale)).log())
        self.bias = nn.Parameter(torch.zeros(()))

    @property
    def weights(self) -> torch.Tensor:
        """(k,) effective weight of each block's cosine."""
        return self.log_scale.exp() * self.mix

    def forward(self, cosines: torch.Tensor) -> torch.Tensor:
        """(..., k, h, w) cosines → (..., h, w) logits."""
        return torch.einsum("...khw,k->...hw", cosines, self.weights) + self.bias

    @torch.no_grad()
    def start_as(self, block: int, scale: float, bias: float, others: float) -> None:
        """Mostly block ``block``'s cosine (the others enter with small random weights)."""
        self.mix.normal_(0.0, others)
        self.mix[block] = 1.0
        self.log_scale.fill_(float(torch.tensor(scale).log()))
        self.bias.fill_(bias)


class AttentionPool(nn.Module):
    """``slots`` label-independent softmax weightings of the locations, computed from the image's
    features; a label's logit is the largest weighted mean of its own linear mix of the cosine
    maps. Because the weights do not depend on the label, each weighted mean is one vector per
    image dotted with the label."""

    def __init__(self, channels: int, k: int, slots: int):
        super().__init__()
        self.saliency = nn.Conv2d(channels, slots, kernel_size=1)
        nn.init.normal_(self.saliency.weight, std=0.01)
        nn.init.zeros_(self.saliency.bias)
        self.mix = LinearMix(k)

    def weights(self, features: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) features → (B, slots, h·w) weights, each slot summing to one."""
        return self.saliency(features.float()).flatten(-2).softmax(-1)

    def forward(self, cosines: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Cosines (B, L, k, h, w) + weights (B, slots, h·w) → logits (B, L)."""
        pooled = torch.einsum("blkx,bsx->blks", cosines.flatten(-2), weights)
        return torch.einsum("blks,k->bls", pooled, self.mix.weights).amax(-1) + self.mix.bias


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
        if config.head == "conv":
            self.head = nn.Sequential(
                nn.Conv2d(k, hidden, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(hidden, hidden, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(hidden, 1, 1),
            )
        elif config.head == "linear":
            self.head = LinearMix(k)
        else:
            raise ValueError(f"unknown head {config.head!r}; use 'linear' or 'conv'")
        if config.pool == "mix":
            self.pool = MixPool()
        elif config.pool == "attention":
            self.pool = AttentionPool(config.channels, k, config.slots)
        else:
            raise ValueError(f"unknown pool {config.pool!r}; use 'attention' or 'mix'")

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
        if self.config.head == "linear":  # ConSE cosines of present labels sit around 0.3
            self.head.start_as(conse[0], scale, -scale * 0.3, others)
            if isinstance(self.pool, AttentionPool):
                self.pool.mix.start_as(conse[0], scale, -scale * 0.3, others)
            return
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

    def location_vectors(self, features: torch.Tensor, location_logits: torch.Tensor) -> torch.Tensor:
        """(B, d, h, w): each location's vector ``E`` with map logit = ``E · t + bias`` for a unit
        label ``t`` (factorised heads only)."""
        return self.factorised_vectors(self.region_embeddings(features, location_logits), features)[0]

    def factorised_vectors(self, regions: torch.Tensor, features: torch.Tensor
                           ) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit region embeddings (B, k, d, h, w) → location vectors (B, d, h, w), map logit =
        ``E·t + map_bias``, and score vectors (B, slots, d), score logit = ``max_s V_s·t + score_bias``."""
        self._require_factorised()
        locations = torch.einsum("bkdhw,k->bdhw", regions, self.head.weights)
        pooled = torch.einsum("bkdx,bsx->bksd", regions.flatten(-2), self.pool.weights(features))
        return locations, torch.einsum("bksd,k->bsd", pooled, self.pool.mix.weights)

    @property
    def map_bias(self) -> float:
        """The constant in every map logit of a factorised head."""
        return float(self.head.bias.detach())

    @property
    def score_bias(self) -> float:
        """The constant in every score logit of a factorised head."""
        return float(self.pool.mix.bias.detach())

    def _require_factorised(self) -> None:
        if not self.config.factorised:
            raise ValueError(
                f"this network's head ({self.config.head!r} head, {self.config.pool!r} pooling) does not "
                "factor through stored vectors; use a model trained with head='linear', pool='attention'"
            )

    def map_logits(self, cosines: torch.Tensor) -> torch.Tensor:
        """k cosine maps per (image, label) (B, L, k, h, w) → one similarity logit map (B, L, h, w)."""
        b, n_labels, k, h, w = cosines.shape
        return self.head(cosines.reshape(b * n_labels, k, h, w)).reshape(b, n_labels, h, w)

    def forward(
        self, features: torch.Tensor, location_logits: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """→ (score logits (B, L), map logits (B, L, h, w)); apply a sigmoid for [0, 1]."""
        regions = self.region_embeddings(features, location_logits)
        cosines = cosine_maps(regions, labels)
        maps = self.map_logits(cosines)
        if isinstance(self.pool, AttentionPool):
            if self.config.compare_at == "pooled":
                features = features.mean(dim=(2, 3), keepdim=True)
            return self.pool(cosines, self.pool.weights(features)), maps
        return self.pool(maps), maps
