"""The head does exactly what the design says; weights round-trip through safetensors only."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from photos import photo

import vsexplore as vx
from vsexplore.conse import concept_mixture, top_probabilities
from vsexplore.model import read_config
from vsexplore.network import VERSION, MixPool, NetConfig, VisualSemanticNet, cosine_maps

SMALL = NetConfig(channels=8, dim=6, blocks=("linear", "conse", "linear"), num_classes=20, top_t=3)


def random_inputs(batch=2, h=7, w=7):
    torch.manual_seed(0)
    return torch.randn(batch, SMALL.channels, h, w), torch.randn(batch, SMALL.num_classes, h, w)


def test_cosine_maps_equal_brute_force():
    torch.manual_seed(0)
    net = VisualSemanticNet(SMALL)
    net.blocks[1].class_text.copy_(torch.nn.functional.normalize(torch.randn(20, 6), dim=1))
    features, logits = random_inputs()
    labels = torch.nn.functional.normalize(torch.randn(4, 6), dim=1)
    regions = net.region_embeddings(features, logits)
    maps = cosine_maps(regions, labels)
    assert maps.shape == (2, 4, 3, 7, 7)
    for b, lab, k, y, x in [(0, 0, 0, 0, 0), (1, 3, 2, 6, 4), (1, 2, 1, 3, 5)]:
        if k == 1:  # the ConSE block: top-T class mixture at that location
            probs = logits[b, :, y, x].softmax(0)
            top = probs.topk(3)
            vec = (top.values[:, None] * net.blocks[1].class_text[top.indices]).sum(0)
        else:  # a linear block: W · f at that location
            vec = net.blocks[k].proj.weight[:, :, 0, 0] @ features[b, :, y, x]
        expected = torch.dot(vec, labels[lab]) / vec.norm()
        torch.testing.assert_close(maps[b, lab, k, y, x], expected, rtol=1e-4, atol=1e-5)


def test_concept_mixture_pooled_and_dense_agree():
    class_text = torch.randn(20, 6)
    logits = torch.randn(2, 20, 3, 3)
    dense = concept_mixture(*top_probabilities(logits, 4), class_text)
    pooled = concept_mixture(*top_probabilities(logits[:, :, 1, 2], 4), class_text)
    torch.testing.assert_close(dense[:, :, 1, 2], pooled)


def test_mix_pool_extremes_are_plain_average_and_max():
    maps = torch.randn(3, 5, 7, 7)
    pool = MixPool()
    with torch.no_grad():
        pool.avg_weight.fill_(1.0)
        torch.testing.assert_close(pool(maps), maps.mean(dim=(2, 3)))
        pool.avg_weight.fill_(0.0)
        torch.testing.assert_close(pool(maps), maps.amax(dim=(2, 3)))
        pool.avg_weight.fill_(0.25)
        torch.testing.assert_close(pool(maps), 0.25 * maps.mean(dim=(2, 3)) + 0.75 * maps.amax(dim=(2, 3)))


@pytest.mark.parametrize("slots", [1, 4])
def test_factorised_head_is_exactly_dot_products_of_stored_vectors(slots):
    """Map logit = E_l·t + map_bias and score logit = max_s V_s·t + score_bias, as the store uses them."""
    torch.manual_seed(slots)
    net = VisualSemanticNet(NetConfig(**{**SMALL.to_dict(), "slots": slots})).eval()
    with torch.no_grad():
        net.blocks[1].class_text.normal_()
        net.head.mix.normal_()
        net.pool.mix.mix.normal_()
        net.pool.saliency.weight.normal_()
    features, logits = random_inputs(batch=3)
    labels = torch.nn.functional.normalize(torch.randn(5, 6), dim=1)
    with torch.no_grad():
        scores, maps = net(features, logits, labels)
        locations, vectors = net.factorised_vectors(net.region_embeddings(features, logits), features)
    assert vectors.shape == (3, slots, 6)
    torch.testing.assert_close(maps, torch.einsum("bdhw,ld->blhw", locations, labels) + net.map_bias)
    expected = torch.einsum("bsd,ld->bls", vectors, labels).amax(-1) + net.score_bias
    torch.testing.assert_close(scores, expected)


def test_version_1_weights_keep_their_conv_head():
    old = {k: v for k, v in SMALL.to_dict().items() if k not in ("head", "pool", "slots")}
    config = NetConfig.from_dict({**old, "version": 1})
    assert (config.head, config.pool, config.factorised) == ("conv", "mix", False)
    assert isinstance(VisualSemanticNet(config).pool, MixPool)
    with pytest.raises(ValueError, match="does not factor"):
        VisualSemanticNet(config).location_vectors(*random_inputs())


def test_forward_shapes_follow_labels_and_map_size():
    net = VisualSemanticNet(SMALL)
    features, logits = random_inputs(batch=3, h=14, w=10)
    scores, maps = net(features, logits, torch.nn.functional.normalize(torch.randn(5, 6), dim=1))
    assert scores.shape == (3, 5) and maps.shape == (3, 5, 14, 10)


def test_random_init_resnet34_model_shapes():
    backbone = vx.load_backbone("resnet34", weights=False, precision="fp32")
    net = VisualSemanticNet(NetConfig(backbone="resnet34", encoder="test", channels=512, dim=6))
    features = backbone(torch.randn(2, 3, 224, 224))
    regions = net.region_embeddings(features, backbone.location_logits(features))
    assert regions.shape == (2, 5, 6, 7, 7)


@pytest.fixture(scope="module")
def model(backbone, minilm):
    torch.manual_seed(0)
    return vx.Model.create(backbone, minilm, blocks=("conse", "linear", "linear"))


def test_untrained_model_api_shapes(model, photo_files):
    images = [photo_files["chelsea"], photo("coffee")]
    scores = model.score(images, ["cat", "cup", "sky"])
    assert scores.shape == (2, 3) and scores.dtype == np.float32
    assert ((scores >= 0) & (scores <= 1)).all()
    assert model.heatmaps(images[0], ["cat", "sky"]).shape == (2, 7, 7)
    heat = model.heatmaps(images[0], ["cat", "sky"], size=(300, 451))
    assert heat.shape == (2, 300, 451) and heat.min() >= 0 and heat.max() <= 1
    regions = model.region_embeddings(images)
    assert regions.shape == (2, 3, 384, 7, 7)
    np.testing.assert_allclose(np.linalg.norm(regions, axis=2), 1, atol=1e-4)


def test_path_pil_and_array_inputs_score_the_same(model, photo_files):
    from PIL import Image

    path = photo_files["coffee"]
    as_pil = Image.open(path)
    as_array = np.asarray(as_pil.convert("RGB"))
    scores = [model.score(x, ["cup", "cat"]) for x in (path, as_pil, as_array)]
    np.testing.assert_allclose(scores[0], scores[1], atol=1e-6)
    np.testing.assert_allclose(scores[0], scores[2], atol=1e-6)


def test_batching_does_not_change_scores(model, photo_files):
    images = list(photo_files.values()) * 3
    model.batch_size = 5
    batched = model.score(images, ["cat", "rocket"])
    model.batch_size = 32
    np.testing.assert_allclose(batched, model.score(images, ["cat", "rocket"]), atol=1e-5)
    assert model.score([], ["cat"]).shape == (0, 1)


def test_unreadable_image_error_names_it(model, tmp_path):
    bad = tmp_path / "not-a-photo.jpg"
    bad.write_text("text")
    with pytest.raises(vx.ImageError, match="not-a-photo.jpg"):
        model.score([bad], ["cat"])


def test_safetensors_round_trip(model, photo_files, tmp_path):
    with torch.no_grad():
        for p in model.net.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    path = model.save(tmp_path / "head.safetensors")
    config = read_config(path)
    assert config.backbone == "efficientnet-lite0" and config.encoder == "minilm-l6"
    assert config.k == 3 and config.dim == 384 and config.version == VERSION and config.factorised
    loaded = vx.load_model(path, encoder=model.encoder, precision="fp32")
    images = list(photo_files.values())
    np.testing.assert_allclose(
        loaded.score(images, ["cat", "sky"]), model.score(images, ["cat", "sky"]), atol=1e-6
    )
    assert path.read_bytes()[:8] != b"\x80\x02\x8a\nl\xfc\x9cF"  # not a pickle


def test_weights_files_are_validated(tmp_path, minilm):
    from safetensors.torch import save_file

    plain = tmp_path / "plain.safetensors"
    save_file({"x": torch.zeros(1)}, plain)
    with pytest.raises(ValueError, match="not a vsexplore weights file"):
        vx.load_model(plain)
    future = tmp_path / "future.safetensors"
    save_file(
        {"x": torch.zeros(1)}, future, metadata={"vsexplore": json.dumps({**SMALL.to_dict(), "version": 99})}
    )
    with pytest.raises(ValueError, match="upgrade vsexplore"):
        vx.load_model(future)
    with pytest.raises(FileNotFoundError, match="nowhere.safetensors"):
        vx.load_model(tmp_path / "nowhere.safetensors")


def test_missing_shipped_weights_say_so(monkeypatch, tmp_path):
    monkeypatch.setenv("VSEXPLORE_WEIGHTS", str(tmp_path / "absent.safetensors"))
    with pytest.raises(FileNotFoundError, match="no shipped weights"):
        vx.load_model()


def test_encoder_dimension_must_match(model, glove):
    with pytest.raises(ValueError, match="384-d label space"):
        vx.Model(model.net, model.backbone, glove)
