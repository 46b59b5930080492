"""Backbone feature maps of labelled images, computed once so the head trains in minutes on a CPU.

Layout of a cache folder: ``meta.json`` (backbone, input size, views, paths, labels), ``features.npy``
(N, V, C, h, w) float16, ``masks.npy`` (M, h, w) float16 area fractions with ``meta["masks"]``
naming which (image, label) each row is, and ``done.npy`` (N,) marking finished images, so an
interrupted build resumes where it stopped. Views: the image and its mirror image (``flip``).
:class:`CachedFeatures` serves an opened cache to :class:`~vsexplore.train.trainer.HeadTrainer`
as its input source, the backbone frozen.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from numpy.lib.format import open_memmap
from PIL import Image
from tqdm.auto import tqdm

from ..backbones import Backbone
from ..data.records import Record
from ..errors import TrainingError
from ..images import ImageError, load_image, to_tensor
from .trainer import SourceBatch

VIEWS = ("orig", "flip")


def mask_fraction(
    path: str | os.PathLike, size: tuple[int, int], box: tuple[int, ...] | None = None
) -> np.ndarray:
    """A mask PNG, cropped to ``box`` (x0, y0, x1, y1) if given → the fraction of each map cell
    it covers, (h, w) float32 in [0, 1]."""
    with Image.open(path) as img:
        mask = Image.fromarray((np.asarray(img.convert("L")) > 0).astype(np.float32), "F")
    if box is not None:
        mask = mask.crop(box)
    resized = mask.resize((size[1], size[0]), Image.Resampling.BOX)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


@dataclass
class FeatureCache:
    """An opened cache: features, masks and labels of every successfully read image."""

    root: Path
    meta: dict
    features: np.ndarray  # (N, V, C, h, w) float16, memory-mapped
    masks: np.ndarray  # (M, h, w) float16
    done: np.ndarray  # (N,) bool

    @property
    def records(self) -> list[dict]:
        """Per image: its current ``labels`` and ``masks``."""
        return self.meta["labelling"]

    @property
    def usable(self) -> np.ndarray:
        """Indices of images whose features were computed (failed images are left out)."""
        return np.flatnonzero(self.done)

    def label_masks(self, index: int) -> dict[str, np.ndarray]:
        """Per-label mask fractions (h, w) of image ``index``, in its original orientation."""
        rows = self.meta["masks"].get(str(index), {})
        return {label: self.masks[row].astype(np.float32) for label, row in rows.items()}

    @classmethod
    def open(cls, root: str | os.PathLike) -> FeatureCache:
        root = Path(root)
        meta = json.loads((root / "meta.json").read_text())
        return cls(
            root,
            meta,
            np.load(root / "features.npy", mmap_mode="r"),
            np.load(root / "masks.npy", mmap_mode="r"),
            np.load(root / "done.npy"),
        )

    @classmethod
    def build(
        cls,
        records: list[Record],
        backbone: Backbone,
        root: str | os.PathLike,
        input_size: int = 224,
        batch_size: int = 32,
        progress: bool = True,
    ) -> FeatureCache:
        """Compute (or finish computing) the cache for ``records``; unreadable images are listed
        in ``meta["failed"]`` with their reason and skipped."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        with torch.inference_mode():
            probe = backbone(torch.zeros(1, 3, input_size, input_size))
        channels, h, w = probe.shape[1:]
        meta = cls._start(root, records, backbone, input_size, (channels, h, w))
        features = np.load(root / "features.npy", mmap_mode="r+")
        done = np.load(root / "done.npy")
        todo = [i for i in range(len(records)) if not done[i] and str(i) not in meta["failed"]]
        spec = backbone.spec
        bar = tqdm(total=len(todo), desc="caching features", disable=not progress, unit="img")
        for start in range(0, len(todo), batch_size):
            batch, kept, failed_before = [], [], len(meta["failed"])
            for i in todo[start : start + batch_size]:
                try:
                    img = load_image(records[i].path, draft_size=input_size)
                except ImageError as err:
                    meta["failed"][str(i)] = str(err)
                    continue
                x = to_tensor(img, input_size, spec.mean, spec.std)
                batch += [x, x.flip(-1)]
                kept.append(i)
            if kept:
                with torch.inference_mode():
                    out = backbone(torch.stack(batch)).reshape(len(kept), len(VIEWS), channels, h, w)
                features[kept] = out.numpy().astype(np.float16)
                features.flush()
                done[kept] = True
                np.save(root / "done.npy", done)  # only after the features are on disk
            if len(meta["failed"]) > failed_before:
                (root / "meta.json").write_text(json.dumps(meta))
            bar.update(len(todo[start : start + batch_size]))
        bar.close()
        return cls.open(root)

    @staticmethod
    def _start(root: Path, records: list[Record], backbone: Backbone, input_size: int, shape) -> dict:
        """Create the files of a new cache, or check that an existing one holds the same images.

        Labels and masks may change (re-labelling never re-embeds): they are re-read when they do.
        """
        identity = {
            "backbone": backbone.spec.name,
            "input_size": input_size,
            "views": list(VIEWS),
            "paths": [r.path for r in records],
        }
        labelling = [{"labels": r.labels, "masks": r.masks} for r in records]
        meta_path = root / "meta.json"
        channels, h, w = shape
        if meta_path.exists():
            meta = json.loads(meta_path.read_text())
            if any(meta.get(k) != v for k, v in identity.items()):
                raise TrainingError(f"{root}: holds a cache of other images or settings; use a new folder")
            if meta["labelling"] == labelling:
                return meta
        else:
            open_memmap(root / "features.npy", "w+", np.float16, (len(records), len(VIEWS), channels, h, w))
            np.save(root / "done.npy", np.zeros(len(records), dtype=bool))
            meta = {**identity, "map_size": [h, w], "failed": {}}
        mask_rows, masks = {}, []
        for i, rec in enumerate(records):
            for label, path in rec.masks.items():
                mask_rows.setdefault(str(i), {})[label] = len(masks)
                masks.append(mask_fraction(path, (h, w)))
        np.save(root / "masks.npy", np.asarray(masks, np.float16).reshape(-1, h, w))
        meta.update(labelling=labelling, masks=mask_rows)
        meta_path.write_text(json.dumps(meta))
        return meta


class CachedFeatures:
    """An input source for the trainer: a cache's features, both views, through a frozen backbone."""

    def __init__(self, cache: FeatureCache, backbone: Backbone):
        self.cache, self.backbone = cache, backbone
        self.items = [(int(i), v) for i in cache.usable for v in range(len(cache.meta["views"]))]
        self.record_labels = [r["labels"] for r in cache.records]

    @property
    def failed(self) -> dict[str, str]:
        """Images the cache could not read: path → why."""
        return {self.cache.meta["paths"][int(i)]: why for i, why in self.cache.meta["failed"].items()}

    def inputs(self, rows: np.ndarray, rng: np.random.Generator) -> SourceBatch:
        """Features and logits read from the cache; masks mirrored for the flipped view."""
        rows = rows[np.argsort(rows[:, 0])]  # memory-mapped reads in file order
        features = torch.from_numpy(self.cache.features[rows[:, 0], rows[:, 1]].astype(np.float32))
        with torch.no_grad():
            logits = self.backbone.location_logits(features)
        labels, masks = [], []
        for i, view in rows:
            labels.append(self.cache.records[i]["labels"])
            own = self.cache.label_masks(int(i))
            masks.append({k: m[:, ::-1] if view == 1 else m for k, m in own.items()})
        return SourceBatch(features, logits, logits.detach(), labels, masks)

    def trained_modules(self) -> dict[str, torch.nn.Module]:
        """None: the backbone stays as it was when the features were cached."""
        return {}

    def param_groups(self, stage: str, lr: float) -> list[dict]:
        """None: only the head learns."""
        return []

    def train_mode(self) -> None:
        """Nothing to switch: the backbone is not run on images while training."""
