"""Full fine-tuning: backbone and head learn together from images — for a GPU (bf16 AMP on CUDA).

Each item is an image under a random resized crop (50–100 % of the area) and a random horizontal
flip, applied to its masks too. The teacher is a frozen copy of the pretrained backbone, so
teacher labels do not drift while the backbone learns. The backbone learns at a fraction of the
head's rate with its batch-norm statistics frozen (batches are small). Everything else —
labels, stages, loss, checkpoints and resuming — is :class:`~vsexplore.train.HeadTrainer`'s.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from PIL import Image
from torch import nn

from .data.records import Record
from .images import ImageError, load_image, to_tensor
from .model import Model
from .train import HeadTrainer, TrainConfig


def random_crop_box(
    rng: np.random.Generator, size: tuple[int, int], min_area: float = 0.5
) -> tuple[int, ...]:
    """A random box (x0, y0, x1, y1) covering ``min_area``–100 % of an image, aspect 3:4–4:3."""
    width, height = size
    area = width * height * rng.uniform(min_area, 1.0)
    aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    w = int(min(width, round(np.sqrt(area * aspect))))
    h = int(min(height, round(np.sqrt(area / aspect))))
    x = int(rng.integers(0, width - w + 1))
    y = int(rng.integers(0, height - h + 1))
    return x, y, x + w, y + h


class FineTuner(HeadTrainer):
    """Trains backbone and head end to end on records (paths, labels, optional masks)."""

    def __init__(
        self,
        model: Model,
        records: list[Record],
        config: TrainConfig,
        unseen: set[str] = frozenset(),
        backbone_lr_scale: float = 0.1,
    ):
        self.records = records
        self.backbone_lr_scale = backbone_lr_scale
        self.teacher = copy.deepcopy(model.backbone).eval().requires_grad_(False)
        self.failed: dict[str, str] = {}
        self._setup(model, config, unseen, [r.labels for r in records], [(i, 0) for i in range(len(records))])

    def trained_modules(self) -> dict[str, nn.Module]:
        return {"net": self.net, "backbone": self.model.backbone.body}

    def _param_groups(self, stage: str) -> list[dict]:
        groups = super()._param_groups(stage)
        body = self.model.backbone.body
        body.requires_grad_(stage == "blocks")
        if stage == "blocks":
            groups.append({"params": list(body.parameters()), "lr": self.config.lr * self.backbone_lr_scale})
        return groups

    def _train_mode(self) -> None:
        self.net.train()
        self.model.backbone.eval()  # frozen batch-norm statistics

    def _augment(
        self, record: Record, rng: np.random.Generator
    ) -> tuple[torch.Tensor, dict[str, np.ndarray]]:
        """One crop-and-flip of an image and of its masks (as area fractions at map resolution)."""
        size = self.model.input_size
        spec = self.model.backbone.spec
        image = load_image(record.path)
        box = random_crop_box(rng, image.size)
        flip = rng.random() < 0.5
        crop = image.crop(box)
        x = to_tensor(crop, size, spec.mean, spec.std)
        cells = (size // spec.stride, size // spec.stride)
        masks = {}
        for label, path in record.masks.items():
            with Image.open(path) as m:
                mask = Image.fromarray((np.asarray(m.convert("L")) > 0).astype(np.float32), "F").crop(box)
            fraction = np.clip(np.asarray(mask.resize(cells[::-1], Image.Resampling.BOX)), 0, 1)
            masks[label] = fraction[:, ::-1] if flip else fraction
        return (x.flip(-1) if flip else x), masks

    def _inputs(self, rows: np.ndarray, rng: np.random.Generator):
        images, labels, masks = [], [], []
        for i, _ in rows:
            record = self.records[int(i)]
            try:
                x, m = self._augment(record, rng)
            except ImageError as err:
                self.failed[record.path] = str(err)
                continue
            images.append(x)
            labels.append(record.labels)
            masks.append(m)
        if not images:
            return None
        batch = torch.stack(images).to(self.device)
        features = self.model.backbone(batch)
        logits = self.model.backbone.location_logits(features)
        with torch.no_grad():
            teacher_logits = self.teacher.location_logits(self.teacher(batch))
        return features, logits, teacher_logits, labels, masks
