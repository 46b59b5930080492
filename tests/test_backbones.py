"""Backbones: the offline weight mapping gives real ImageNet predictions; nothing downloads."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from photos import photo
from scipy.stats import spearmanr

import vsexplore as vx
from vsexplore.backbones import (
    BACKBONES,
    WeightsNotFound,
    imagenet_classes,
    list_backbones,
    load_backbone,
    load_weights,
    read_state_dict,
    register_backbone,
)
from vsexplore.images import load_image, to_tensor


def top_classes(backbone, image: np.ndarray, k: int = 3) -> tuple[list[str], torch.Tensor]:
    spec = backbone.spec
    x = to_tensor(load_image(image), spec.input_size, spec.mean, spec.std)[None]
    with torch.inference_mode():
        probs = backbone.logits(backbone(x)).softmax(-1)[0]
    return [backbone.class_names[i] for i in probs.topk(k).indices], probs


def test_efficientnet_lite0_predicts_real_photos(backbone):
    cat, _ = top_classes(backbone, photo("chelsea"))
    coffee, _ = top_classes(backbone, photo("coffee"))
    assert any("cat" in name or name == "tabby" for name in cat), cat
    assert {"espresso", "cup"} & set(coffee), coffee


def test_last_conv_map_shape_and_location_logits(backbone):
    x = torch.randn(2, 3, 224, 224)
    with torch.inference_mode():
        features = backbone(x)
        per_location = backbone.location_logits(features)
        pooled = backbone.logits(features)
    assert features.shape == (2, 1280, 7, 7)
    assert per_location.shape == (2, 1000, 7, 7)
    # the classifier is linear after average pooling: mean of per-location logits = image logits
    torch.testing.assert_close(per_location.mean(dim=(2, 3)), pooled, rtol=1e-4, atol=1e-4)
    with torch.inference_mode():
        assert backbone(torch.randn(1, 3, 448, 448)).shape == (1, 1280, 14, 14)


def test_bf16_path_agrees_with_fp32():
    fp32 = load_backbone(precision="fp32")
    bf16 = load_backbone(precision="bf16")
    for name in ("chelsea", "coffee", "astronaut", "rocket"):
        top32, p32 = top_classes(fp32, photo(name), 1)
        top16, p16 = top_classes(bf16, photo(name), 1)
        assert top32 == top16
        assert spearmanr(p32.numpy(), p16.numpy()).statistic > 0.99


def test_resnet34_builds_without_weights_and_never_downloads(monkeypatch, tmp_path):
    def no_download(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    net = load_backbone("resnet34", weights=False, precision="fp32")
    with torch.inference_mode():
        features = net(torch.randn(1, 3, 224, 224))
    assert features.shape == (1, 512, 7, 7)
    assert net.location_logits(features).shape == (1, 1000, 7, 7)
    with pytest.raises(WeightsNotFound, match="never downloads"):
        load_backbone("resnet34")


def test_resnet34_loads_a_user_safetensors_file(tmp_path):
    from safetensors.torch import save_file
    from torchvision.models import resnet34

    reference = resnet34(weights=None).eval()
    path = tmp_path / "resnet34.safetensors"
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, path)
    net = load_backbone("resnet34", weights=path, precision="fp32")
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        torch.testing.assert_close(net.logits(net(x)), reference(x), rtol=1e-4, atol=1e-4)


def test_positional_loading_rejects_other_architectures():
    spec = BACKBONES["efficientnet-lite0"]
    state = read_state_dict(spec.find_weights())
    assert len(state) == 247
    bad = dict(state)
    first = next(iter(bad))
    bad[first] = torch.zeros(3, 3)
    with pytest.raises(ValueError, match=f"tensor {first} has shape"):
        load_weights(spec.build(), bad, "x.pth")
    with pytest.raises(ValueError, match="246 tensors"):
        load_weights(spec.build(), dict(list(state.items())[1:]), "x.pth")


def test_unknown_backbone_names_the_known_ones():
    with pytest.raises(KeyError, match="efficientnet-lite0"):
        load_backbone("vgg16")


def test_list_backbones_names_every_registered_spec():
    assert list_backbones() == vx.list_backbones() == ["efficientnet-lite0", "resnet34"]
    assert all(BACKBONES[name].name == name for name in list_backbones())
    assert vx.BACKBONES is BACKBONES


def test_register_backbone_refuses_a_taken_name_unless_overwrite():
    spec = replace(BACKBONES["resnet34"], name="resnet34-copy")
    try:
        assert vx.register_backbone(spec) is spec
        assert "resnet34-copy" in list_backbones()
        assert load_backbone("resnet34-copy", weights=False, precision="fp32").spec is spec
        with pytest.raises(ValueError, match="'resnet34-copy' is already registered.*overwrite=True"):
            register_backbone(replace(spec, channels=1))
        assert BACKBONES["resnet34-copy"] is spec
        wider = register_backbone(replace(spec, channels=1), overwrite=True)
        assert BACKBONES["resnet34-copy"] is wider
    finally:
        BACKBONES.pop("resnet34-copy", None)
    assert list_backbones() == ["efficientnet-lite0", "resnet34"]


def test_imagenet_class_names_ship_with_the_package():
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    names = imagenet_classes()
    assert list(names) == list(_IMAGENET_CATEGORIES)
    assert len(names) == 1000 and len(set(names)) == len(set(_IMAGENET_CATEGORIES))
    net = load_backbone("resnet34", weights=False, precision="fp32")
    assert net.class_names == list(names) and net.class_names is not net.class_names
