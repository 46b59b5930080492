"""One training run from records to a saved model: :func:`train_head`.

It builds the head (ConSE-initialised when it has a ConSE block), picks the input source — cached
features with the backbone frozen (:mod:`~vsexplore.train.feature_cache`), or augmented images
with the backbone learning too (:mod:`~vsexplore.train.finetune`) — trains with
:class:`~vsexplore.train.trainer.HeadTrainer` and saves the result. A checkpoint next to the
output lets the same call resume where it stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..backbones import load_backbone
from ..conse import class_text_embeddings
from ..data.records import Record
from ..model import Model
from ..network import ConSEBlock
from .feature_cache import CachedFeatures, FeatureCache
from .finetune import AugmentedImages
from .trainer import HeadTrainer, InputSource, TrainConfig


def train_head(
    records: list[Record],
    out: str | os.PathLike,
    cache_dir: str | os.PathLike,
    unseen: set[str] = frozenset(),
    backbone: str = "efficientnet-lite0",
    encoder: str = "minilm-l6",
    config: TrainConfig | None = None,
    finetune: bool = False,
    device: str = "cpu",
    progress: bool = True,
    **net_options,
) -> tuple[Model, list[dict]]:
    """Build a head (ConSE-initialised when it has a ConSE block), train it and save it to
    ``out``; re-running the same call resumes where it stopped. Frozen backbone (default):
    features are cached once in ``cache_dir``. ``finetune``: backbone and head learn together
    from augmented images (meant for a GPU, ``device="cuda"``)."""
    config = config or TrainConfig()
    torch.manual_seed(config.seed)
    model = Model.create(load_backbone(backbone).to(device), encoder, **net_options)
    net = model.net
    conse = [b for b in net.blocks if isinstance(b, ConSEBlock)]
    class_text = conse[0].class_text if conse else None
    if class_text is None:
        class_text = class_text_embeddings(model.encoder, model.backbone.class_names)
    net.init_from_classifier(model.backbone.classifier, class_text)
    if conse:
        net.init_as_conse()
    source: InputSource
    if finetune:
        source = AugmentedImages(model, records)
    else:
        cache = FeatureCache.build(
            records, model.backbone, cache_dir, input_size=net.config.input_size, progress=progress
        )
        source = CachedFeatures(cache, model.backbone)
    history = HeadTrainer(model, source, config, unseen).fit(Path(f"{out}.checkpoint"), progress=progress)
    model.save(out, with_backbone=finetune)
    return model, history
