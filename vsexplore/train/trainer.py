"""Training the head from an input source: real labels, teacher labels, and exact masks.

Per image and view, the label set is every positive plus random negatives up to
``labels_per_image``. Positives are the record's own labels (target 1) and ImageNet class names
the backbone's classifier finds in the view (the teacher: soft target ``min(1, p / tau)``).
Loss: binary cross-entropy on the pooled scores, plus, where a record has masks, per-location
cross-entropy of each label map against the mask's area fraction. One-cycle schedule; a
safetensors checkpoint after every epoch, from which an interrupted run resumes. With
``head_holdout`` a second stage follows in which only the conv head learns, on labels the blocks
never saw (see :attr:`HeadTrainer.stage`).

What the trainer sees comes from an :class:`InputSource`: cached backbone features with the
backbone frozen (:class:`~vsexplore.train.feature_cache.CachedFeatures`), or augmented images
through a learning backbone and a frozen teacher (:class:`~vsexplore.train.finetune.AugmentedImages`).
The source also says what of the model besides the head learns, at which rate, in which mode.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..errors import TrainingError
from ..model import Model


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (stored in its checkpoints)."""

    epochs: int = 6
    batch_size: int = 64
    labels_per_image: int = 50
    lr: float = 2e-3
    weight_decay: float = 1e-4
    teacher_tau: float = 0.3  # an ImageNet class with pooled probability ≥ tau is a full positive
    teacher_min: float = 0.1  # soft targets below this count as negatives
    mask_weight: float = 1.0
    mask_negatives: bool = False  # also push maps of absent labels to zero (else the score loss does)
    teacher_pool: str = "max"  # a class counts where the classifier finds it most ("max") or overall ("mean")
    head_holdout: float = 0.0  # share of labels kept from the blocks and used to train the head alone
    head_epochs: int = 2
    seed: int = 0


@dataclass
class Vocabulary:
    """The labels training may use, with their unit vectors; unseen labels are never in it."""

    names: list[str]
    vectors: torch.Tensor  # (V, d)
    imagenet: np.ndarray  # (1000,) vocabulary index of each ImageNet class, or -1

    def __post_init__(self):
        self.index = {name: i for i, name in enumerate(self.names)}

    @classmethod
    def build(cls, model: Model, record_labels: list[list[str]], exclude: set[str]) -> Vocabulary:
        """Record labels and ImageNet class names, minus ``exclude``; words the encoder does not
        know are dropped from a label, and labels with no known word are left out (warned)."""
        own = sorted({lab for labels in record_labels for lab in labels} - exclude)
        classes = [c for c in model.backbone.class_names if c not in exclude]
        candidates = list(dict.fromkeys(own + classes))
        vectors, known = model.encoder.encode_known(candidates)
        if not known[: len(own)].all():
            missing = [lab for lab, ok in zip(own, known, strict=False) if not ok]
            warnings.warn(
                f"{model.encoder.name} knows no word of labels {missing}; not trained", stacklevel=2
            )
        names = [c for c, ok in zip(candidates, known, strict=True) if ok]
        index = {name: i for i, name in enumerate(names)}
        imagenet = np.array(
            [index.get(c, -1) if c not in exclude else -1 for c in model.backbone.class_names]
        )
        return cls(names, torch.from_numpy(vectors[known]), imagenet)


def sample_labels(
    positives: dict[int, float], candidates: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """All positives (strongest first, at most ``n``) plus distinct random negatives drawn from
    ``candidates`` (vocabulary indices), up to ``n`` labels."""
    pos = sorted(positives, key=positives.get, reverse=True)[:n]
    need = n - len(pos)
    draw = rng.choice(candidates, size=min(len(candidates), need * 2 + 8), replace=False)
    negatives = draw[~np.isin(draw, pos)]
    chosen = np.concatenate([np.array(pos, dtype=np.int64), negatives[:need]])
    targets = np.array([positives.get(int(i), 0.0) for i in chosen], dtype=np.float32)
    return chosen, targets


class SourceBatch(NamedTuple):
    """What an input source gives for the items of one batch."""

    features: torch.Tensor  # (B, C, h, w) backbone feature maps
    logits: torch.Tensor  # (B, 1000, h, w) per-location ImageNet logits of the same backbone
    teacher_logits: torch.Tensor  # (B, 1000, h, w) the teacher's, from which teacher labels come
    labels: list[list[str]]  # per item, its record's labels
    masks: list[dict[str, np.ndarray]]  # per item, label → mask fractions (h, w) in the view's orientation


class InputSource(Protocol):
    """What a :class:`HeadTrainer` learns from, and what of the model besides the head learns too."""

    items: list[tuple[int, int]]  # image index and view of every training item
    record_labels: list[list[str]]  # per image, its record's labels (they make the vocabulary)

    @property
    def failed(self) -> dict[str, str]:
        """Unreadable images: path → why."""

    def inputs(self, rows: np.ndarray, rng: np.random.Generator) -> SourceBatch | None:
        """The inputs of the items ``rows`` (rows of :attr:`items`); None if none could be read."""

    def trained_modules(self) -> dict[str, nn.Module]:
        """Modules besides the head that training changes, by checkpoint prefix."""

    def param_groups(self, stage: str, lr: float) -> list[dict]:
        """Optimizer groups besides the head's that learn in ``stage`` (``lr``: the head's rate)."""

    def train_mode(self) -> None:
        """Switch the source's own modules to the mode they train in."""


class HeadTrainer:
    """Trains a :class:`Model`'s head (and what its input source adds); resumable from checkpoints."""

    def __init__(
        self, model: Model, source: InputSource, config: TrainConfig, unseen: set[str] = frozenset()
    ):
        self.model, self.source, self.config = model, source, config
        self.vocab = Vocabulary.build(model, source.record_labels, set(unseen))
        self.net = model.net
        self.items = np.array(source.items, dtype=np.int64).reshape(-1, 2)
        self.steps_per_epoch = max(1, int(np.ceil(len(self.items) / config.batch_size)))
        held = np.random.default_rng([config.seed, 1]).random(len(self.vocab.names)) < config.head_holdout
        self.label_sets = {"blocks": np.flatnonzero(~held), "head": np.flatnonzero(held)}
        self.epoch = 0
        self._enter_stage(self.stage)

    @property
    def total_epochs(self) -> int:
        return self.config.epochs + (self.config.head_epochs if self.config.head_holdout > 0 else 0)

    @property
    def stage(self) -> str:
        """``blocks``: blocks and head learn (labels not held out); then, with ``head_holdout``,
        ``head``: blocks frozen, the head alone learns on the held-out labels, which the blocks
        never saw — as they will not have seen unseen labels at test time."""
        return "blocks" if self.epoch < self.config.epochs else "head"

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def trained_modules(self) -> dict[str, nn.Module]:
        """What training changes, by checkpoint prefix: the head (``net``) and the source's modules."""
        return {"net": self.net, **self.source.trained_modules()}

    def _param_groups(self, stage: str) -> list[dict]:
        """What learns in ``stage``: everything in the head, then only its conv head and pooling;
        after the head's group, the source's."""
        self.net.requires_grad_(stage == "blocks")
        self.net.head.requires_grad_(True)
        self.net.pool.requires_grad_(True)
        head = {"params": [p for p in self.net.parameters() if p.requires_grad]}
        return [head, *self.source.param_groups(stage, self.config.lr)]

    def _enter_stage(self, stage: str) -> None:
        """Optimizer and one-cycle schedule over what learns in ``stage``."""
        cfg = self.config
        groups = self._param_groups(stage)
        epochs = cfg.epochs if stage == "blocks" else cfg.head_epochs
        self.optimizer = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
        max_lr = [g.get("lr", cfg.lr) for g in groups]
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=max_lr, total_steps=epochs * self.steps_per_epoch
        )
        self.current_stage = stage

    def _teacher(self, teacher_logits: torch.Tensor) -> np.ndarray:
        """ImageNet class probabilities per image: where the classifier finds each class most
        ("max": every object of a scene counts) or over the whole image ("mean")."""
        with torch.no_grad():
            if self.config.teacher_pool == "max":
                return teacher_logits.float().softmax(1).amax(dim=(2, 3)).cpu().numpy()
            return teacher_logits.float().mean(dim=(2, 3)).softmax(-1).cpu().numpy()

    def _batch(self, rows: np.ndarray, rng: np.random.Generator):
        """Features, logits, per-image label vectors, targets and mask targets of one batch."""
        cfg = self.config
        inputs = self.source.inputs(rows, rng)
        if inputs is None:
            return None
        features, logits, teacher_logits, item_labels, item_masks = inputs
        teacher = self._teacher(teacher_logits)
        h, w = features.shape[-2:]
        label_idx, targets, mask_targets, mask_weights = [], [], [], []
        allowed = self.label_sets[self.stage]
        usable = np.zeros(len(self.vocab.names), dtype=bool)
        usable[allowed] = True
        for b, (own_labels, masks) in enumerate(zip(item_labels, item_masks, strict=True)):
            own = [self.vocab.index[lab] for lab in own_labels if lab in self.vocab.index]
            positives = dict.fromkeys(own, 1.0)
            soft = np.minimum(1.0, teacher[b] / cfg.teacher_tau)
            for c in np.flatnonzero((soft >= cfg.teacher_min) & (self.vocab.imagenet >= 0)):
                v = int(self.vocab.imagenet[c])
                positives[v] = max(positives.get(v, 0.0), float(soft[c]))
            positives = {v: t for v, t in positives.items() if usable[v]}
            chosen, target = sample_labels(positives, allowed, cfg.labels_per_image, rng)
            mt = np.zeros((len(chosen), h, w), np.float32)
            mw = np.zeros(len(chosen), np.float32)
            for j, v in enumerate(chosen):  # scenes: each present label's map has an exact target
                name = self.vocab.names[v]
                if name in masks:
                    mt[j] = masks[name]
                mw[j] = 1.0 if name in masks or (masks and cfg.mask_negatives and target[j] == 0) else 0.0
            label_idx.append(chosen)
            targets.append(target)
            mask_targets.append(mt)
            mask_weights.append(mw)
        device = features.device
        labels = self.vocab.vectors[torch.from_numpy(np.stack(label_idx))].to(device)
        return (
            features,
            logits,
            labels,
            torch.from_numpy(np.stack(targets)).to(device),
            torch.from_numpy(np.stack(mask_targets)).to(device),
            torch.from_numpy(np.stack(mask_weights)).to(device),
        )

    def step(self, batch) -> dict[str, float]:
        features, logits, labels, targets, mask_targets, mask_weights = batch
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            scores, maps = self.net(features, logits, labels)
        scores, maps = scores.float(), maps.float()
        if maps.shape[-2:] != mask_targets.shape[-2:]:  # coarser maps (the pooled ablation)
            mask_targets = nn.functional.adaptive_avg_pool2d(mask_targets, maps.shape[-2:])
        loss_score = nn.functional.binary_cross_entropy_with_logits(scores, targets)
        per_cell = nn.functional.binary_cross_entropy_with_logits(maps, mask_targets, reduction="none")
        weight = mask_weights.sum()
        loss_mask = (
            (per_cell.mean(dim=(2, 3)) * mask_weights).sum() / weight if weight > 0 else scores.new_zeros(())
        )
        loss = loss_score + self.config.mask_weight * loss_mask
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        return {"loss": loss.item(), "score": loss_score.item(), "mask": loss_mask.item()}

    def fit(
        self, checkpoint: str | os.PathLike | None = None, until: int | None = None, progress: bool = True
    ) -> list[dict]:
        """Train up to epoch ``until`` (default: all); after each epoch write ``checkpoint``, from
        which a later call resumes."""
        if checkpoint and Path(checkpoint).exists():
            self.load_checkpoint(checkpoint)
        history = []
        self.net.train()
        self.source.train_mode()
        while self.epoch < min(until or self.total_epochs, self.total_epochs):
            if self.stage != self.current_stage:
                self._enter_stage(self.stage)
            rng = np.random.default_rng([self.config.seed, self.epoch])
            order = rng.permutation(len(self.items))
            totals: dict[str, float] = {}
            bar = tqdm(range(self.steps_per_epoch), desc=f"epoch {self.epoch + 1}", disable=not progress)
            for s in bar:
                rows = self.items[order[s * self.config.batch_size : (s + 1) * self.config.batch_size]]
                batch = self._batch(rows, rng)
                if batch is None:  # every image of the batch was unreadable
                    continue
                for key, value in self.step(batch).items():
                    totals[key] = totals.get(key, 0.0) + value / self.steps_per_epoch
                bar.set_postfix(loss=f"{totals['loss'] * self.steps_per_epoch / (s + 1):.4f}")
            self.epoch += 1
            history.append({"epoch": self.epoch, "stage": self.current_stage, **totals})
            if checkpoint:
                self.save_checkpoint(checkpoint)
        self.net.eval()
        return history

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Trained modules, optimizer moments and schedule position in one safetensors file (no pickle)."""
        from safetensors.torch import save_file

        tensors = {
            f"{name}.{k}": v.detach().cpu().contiguous()
            for name, module in self.trained_modules().items()
            for k, v in module.state_dict().items()
        }
        state = self.optimizer.state_dict()
        for pid, moments in state["state"].items():
            for key, value in moments.items():
                tensors[f"opt.{pid}.{key}"] = torch.as_tensor(value).cpu().contiguous()
        meta = {"epoch": self.epoch, "train": asdict(self.config), "net": self.net.config.to_dict()}
        meta["param_groups"] = state["param_groups"]  # the schedule's current lr and momentum
        meta["scheduler"] = {k: v for k, v in self.scheduler.state_dict().items() if k != "anneal_func"}
        tmp = Path(f"{path}.tmp")
        save_file(tensors, tmp, metadata={"checkpoint": json.dumps(meta, default=float)})
        os.replace(tmp, path)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        from safetensors import safe_open
        from safetensors.torch import load_file

        with safe_open(str(path), framework="pt") as fh:
            meta = json.loads(fh.metadata()["checkpoint"])
        expected = json.loads(json.dumps({"train": asdict(self.config), "net": self.net.config.to_dict()}))
        if meta["train"] != expected["train"] or meta["net"] != expected["net"]:
            raise TrainingError(f"{path}: checkpoint of a different run; delete it or use its settings")
        tensors = load_file(path, device=str(self.device))
        for name, module in self.trained_modules().items():
            prefix = f"{name}."
            module.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)})
        self.epoch = meta["epoch"]
        # the optimizer saved is the one of the stage that epoch ran in
        self._enter_stage("blocks" if meta["epoch"] <= self.config.epochs else "head")
        state = self.optimizer.state_dict()
        for key, value in tensors.items():
            if key.startswith("opt."):
                _, pid, name = key.split(".", 2)
                state["state"].setdefault(int(pid), {})[name] = value
        state["param_groups"] = [{**group, "betas": tuple(group["betas"])} for group in meta["param_groups"]]
        self.optimizer.load_state_dict(state)
        scheduler_state = self.scheduler.state_dict()
        scheduler_state.update(meta["scheduler"])
        self.scheduler.load_state_dict(scheduler_state)
