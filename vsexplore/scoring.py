"""What every image scorer shares: batched decoding, backbone features, the public score API.

A scorer turns images + labels into scores (N, L) in [0, 1] and per-label maps. Subclasses
(the visual-semantic :class:`~vsexplore.model.Model`, the ConSE baseline) only say how the
backbone's feature map becomes scores, maps and region embeddings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from .analysis import upsample_maps
from .backbones import Backbone
from .images import ImageLike, as_list, load_image, to_tensor
from .text import LabelEncoder


class ImageScorer:
    """Base class: owns the backbone, the label encoder, preprocessing and batching."""

    def __init__(
        self,
        backbone: Backbone,
        encoder: LabelEncoder,
        input_size: int = 224,
        batch_size: int = 32,
        decode_threads: int = 2,
    ):
        self.backbone = backbone
        self.encoder = encoder
        self.input_size = input_size
        self.batch_size = batch_size
        self.decode_threads = decode_threads

    @property
    def device(self) -> torch.device:
        return next(self.backbone.parameters()).device

    # -- what subclasses provide -------------------------------------------------------------
    def _scores_and_maps(
        self, features: torch.Tensor, location_logits: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """→ scores (B, L) and maps (B, L, h, w), both in [0, 1]."""
        raise NotImplementedError

    def _region_embeddings(self, features: torch.Tensor, location_logits: torch.Tensor) -> torch.Tensor:
        """→ unit region embeddings (B, k, d, h, w)."""
        raise NotImplementedError

    # -- shared machinery --------------------------------------------------------------------
    def preprocess(self, image: ImageLike) -> torch.Tensor:
        """One image → normalised (3, S, S) tensor (squash resize, see :mod:`vsexplore.images`)."""
        spec = self.backbone.spec
        img = load_image(image, draft_size=self.input_size)
        return to_tensor(img, self.input_size, spec.mean, spec.std)

    def batches(self, images: Iterable[ImageLike]) -> Iterator[torch.Tensor]:
        """Decoded, stacked batches; the next batch decodes in threads while this one computes."""
        items = as_list(images)
        starts = range(0, len(items), self.batch_size)
        with ThreadPoolExecutor(self.decode_threads) as pool:

            def submit(start: int):
                return pool.map(self.preprocess, items[start : start + self.batch_size])

            pending = submit(0) if items else None
            for i, _ in enumerate(starts):
                current = list(pending)
                pending = submit(starts[i + 1]) if i + 1 < len(starts) else None
                yield torch.stack(current)

    def features(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised images → (last conv map, per-location ImageNet logits)."""
        features = self.backbone(batch.to(self.device))
        return features, self.backbone.location_logits(features)

    def encode_labels(self, labels: str | Sequence[str]) -> torch.Tensor:
        """Labels → unit vectors (L, d) on the scorer's device."""
        return torch.from_numpy(self.encoder.encode(labels)).to(self.device)

    def prepare_labels(self, labels: str | Sequence[str]):
        """What :meth:`_scores_and_maps` receives for ``labels``: their unit vectors (L, d) here;
        a scorer needing more of a label (a calibrated model) returns more."""
        return self.encode_labels(labels)

    @torch.inference_mode()
    def iter_scores_and_maps(
        self, images: ImageLike | Iterable[ImageLike], labels: str | Sequence[str]
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Batch by batch: scores (B, L) and label maps (B, L, h, w), both in [0, 1]."""
        prepared = self.prepare_labels(labels)
        for batch in self.batches(images):
            scores, maps = self._scores_and_maps(*self.features(batch), prepared)
            yield scores.float().cpu().numpy(), maps.float().cpu().numpy()

    def score(self, images: ImageLike | Iterable[ImageLike], labels: str | Sequence[str]) -> np.ndarray:
        """Scores (N, L) in [0, 1]: how much each label is present in each image."""
        n_labels = len(self.encode_labels(labels))
        out = [scores for scores, _ in self.iter_scores_and_maps(images, labels)]
        return np.concatenate(out) if out else np.zeros((0, n_labels), dtype=np.float32)

    @torch.inference_mode()
    def heatmaps(
        self, image: ImageLike, labels: str | Sequence[str], size: tuple[int, int] | None = None
    ) -> np.ndarray:
        """Per-label maps (L, h, w) in [0, 1], or bilinearly upsampled to ``size = (H, W)``."""
        batch = torch.stack([self.preprocess(image)])
        maps = self._scores_and_maps(*self.features(batch), self.prepare_labels(labels))[1]
        maps = maps[0].float().cpu().numpy()
        if size is not None:
            maps = np.clip(upsample_maps(maps, size), 0.0, 1.0)
        return maps.astype(np.float32)

    @torch.inference_mode()
    def region_embeddings(self, images: ImageLike | Iterable[ImageLike]) -> np.ndarray:
        """Unit region embeddings (N, k, d, h, w): every block's vector at every location."""
        out = [self._region_embeddings(*self.features(batch)).cpu() for batch in self.batches(images)]
        return torch.cat(out).numpy()
