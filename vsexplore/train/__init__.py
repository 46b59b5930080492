"""Training a head (and, optionally, the backbone) on labelled records.

Rooms: :mod:`.trainer` holds the loop — labels, teacher, losses, stages, checkpoints — and
trains from any :class:`InputSource`; :mod:`.feature_cache` computes backbone features once and
serves them (:class:`CachedFeatures`, backbone frozen); :mod:`.finetune` serves augmented images
through the learning backbone (:class:`AugmentedImages`); :mod:`.run` ties them into one call,
:func:`train_head`.

>>> from vsexplore.train import TrainConfig, train_head
>>> model, history = train_head(records, "my.safetensors", "features/", config=TrainConfig(epochs=4))
"""

from .feature_cache import CachedFeatures, FeatureCache, mask_fraction
from .finetune import AugmentedImages, random_crop_box
from .run import train_head
from .trainer import HeadTrainer, InputSource, SourceBatch, TrainConfig, Vocabulary, sample_labels

__all__ = [
    "AugmentedImages",
    "CachedFeatures",
    "FeatureCache",
    "HeadTrainer",
    "InputSource",
    "SourceBatch",
    "TrainConfig",
    "Vocabulary",
    "mask_fraction",
    "random_crop_box",
    "sample_labels",
    "train_head",
]
