"""Full fine-tuning: backbone and head learn together from images — for a GPU (bf16 AMP on CUDA).

Each item is an image under a random resized crop (50–100 % of the area) and a random horizontal
flip, applied to its masks too. The teacher is a frozen copy of the pretrained backbone, so
teacher labels do not drift while the backbone learns. The backbone learns at a fraction of the
head's rate with its batch-norm statistics frozen (batches are small). :class:`AugmentedImages`
is the input source that does all this; everything else — labels, stages, loss, checkpoints and
resuming — is :class:`~vsexplore.train.trainer.HeadTrainer`'s.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..data.records import Record
from ..images import ImageError, load_image, to_tensor
from ..model import Model
from .feature_cache import mask_fraction
from .trainer import SourceBatch


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


class AugmentedImages:
    """An input source for the trainer: records (paths, labels, optional masks) read, augmented
    and run through the learning backbone, with teacher labels from a frozen copy of it."""

    def __init__(self, model: Model, records: list[Record], backbone_lr_scale: float = 0.1):
        self.model, self.records = model, records
        self.backbone_lr_scale = backbone_lr_scale
        self.teacher = copy.deepcopy(model.backbone).eval().requires_grad_(False)
        self.failed: dict[str, str] = {}  # unreadable image → why
        self.items = [(i, 0) for i in range(len(records))]
        self.record_labels = [r.labels for r in records]

    def trained_modules(self) -> dict[str, nn.Module]:
        """The backbone's body, under the checkpoint prefix ``backbone``."""
        return {"backbone": self.model.backbone.body}

    def param_groups(self, stage: str, lr: float) -> list[dict]:
        """The backbone's body learns in the ``blocks`` stage, at ``lr * backbone_lr_scale``."""
        body = self.model.backbone.body
        body.requires_grad_(stage == "blocks")
        if stage == "blocks":
            return [{"params": list(body.parameters()), "lr": lr * self.backbone_lr_scale}]
        return []

    def train_mode(self) -> None:
        """The backbone in eval mode: frozen batch-norm statistics."""
        self.model.backbone.eval()

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
            fraction = mask_fraction(path, cells, box)
            masks[label] = fraction[:, ::-1] if flip else fraction
        return (x.flip(-1) if flip else x), masks

    def inputs(self, rows: np.ndarray, rng: np.random.Generator) -> SourceBatch | None:
        """Augmented images of ``rows`` through backbone and teacher; unreadable ones are skipped
        (listed in :attr:`failed`)."""
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
        batch = torch.stack(images).to(self.model.device)
        features = self.model.backbone(batch)
        logits = self.model.backbone.location_logits(features)
        with torch.no_grad():
            teacher_logits = self.teacher.location_logits(self.teacher(batch))
        return SourceBatch(features, logits, teacher_logits, labels, masks)
