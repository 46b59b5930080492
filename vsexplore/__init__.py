"""vsexplore: explore and label image collections through language.

>>> import vsexplore as vx
>>> model = vx.load_model()                       # shipped weights, offline
>>> model.score(["a.jpg"], ["dog", "small boat"])  # (N, L) in [0, 1]
"""

from .backbones import BACKBONES, list_backbones, load_backbone, register_backbone
from .baselines import ConSE
from .errors import VsexploreError
from .images import ImageError, load_image
from .model import Model, load_collection_model, load_conv_model, load_model
from .store import Collection, StoreError
from .text import ENCODERS, LabelError, UnknownWordsError, list_encoders, load_encoder, register_encoder

__version__ = "0.1.0"


def __getattr__(name: str):
    """``vx.widgets`` and ``vx.datasets`` load on first use (widgets need the lab extra)."""
    if name in ("widgets", "datasets"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vsexplore' has no attribute {name!r}")

__all__ = [
    "BACKBONES",
    "Collection",
    "ENCODERS",
    "ConSE",
    "ImageError",
    "LabelError",
    "Model",
    "StoreError",
    "UnknownWordsError",
    "VsexploreError",
    "list_backbones",
    "list_encoders",
    "load_backbone",
    "load_encoder",
    "load_image",
    "load_collection_model",
    "load_conv_model",
    "load_model",
    "register_backbone",
    "register_encoder",
]
