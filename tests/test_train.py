"""Feature caching and head training: resumable, deterministic, and learning from real photos."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from photos import photo
from PIL import Image
from scipy.stats import spearmanr

import vsexplore as vx
from vsexplore.data import Record
from vsexplore.evaluate import evaluate
from vsexplore.train import CachedFeatures, FeatureCache, HeadTrainer, TrainConfig, sample_labels

LABELS = {
    "chelsea": ["cat", "animal"],
    "coffee": ["cup", "drink"],
    "rocket": ["rocket"],
    "astronaut": ["person"],
}


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[Record]:
    """Real photos, each with a mask for its first label (the left half) and one missing file."""
    root = tmp_path_factory.mktemp("train")
    out = []
    for name, labels in LABELS.items():
        image = photo(name)
        Image.fromarray(image).save(root / f"{name}.jpg")
        mask = np.zeros(image.shape[:2], np.uint8)
        mask[:, : image.shape[1] // 2] = 255
        Image.fromarray(mask).save(root / f"{name}-mask.png")
        out.append(Record(str(root / f"{name}.jpg"), labels, {labels[0]: str(root / f"{name}-mask.png")}))
    out.append(Record(str(root / "gone.jpg"), ["ghost"]))
    return out


@pytest.fixture(scope="module")
def cache(records, backbone, tmp_path_factory) -> FeatureCache:
    return FeatureCache.build(records, backbone, tmp_path_factory.mktemp("cache"), progress=False)


def test_cache_holds_features_masks_and_failures(cache, backbone, records):
    assert cache.features.shape == (5, 2, 1280, 7, 7)
    assert cache.usable.tolist() == [0, 1, 2, 3]
    assert "gone.jpg" in cache.meta["failed"]["4"]
    assert list(CachedFeatures(cache, backbone).failed) == [records[4].path]
    mask = cache.label_masks(0)["cat"]
    assert mask.shape == (7, 7) and mask[:, :3].min() == 1 and mask[:, 4:].max() == 0
    model = vx.ConSE(backbone, "minilm-l6")  # the cached view equals a fresh forward pass
    x = model.preprocess(records[0].path)[None]
    with torch.inference_mode():
        fresh = backbone(x)[0].numpy()
        flipped = backbone(x.flip(-1))[0].numpy()
    np.testing.assert_allclose(cache.features[0, 0], fresh, atol=0.02, rtol=0.01)
    np.testing.assert_allclose(cache.features[0, 1], flipped, atol=0.02, rtol=0.01)


def test_cache_resumes_and_refuses_other_images(cache, records, backbone):
    done = np.load(cache.root / "done.npy")
    before = np.array(cache.features[2])
    done[2] = False  # as if the job died before image 2 was written
    np.save(cache.root / "done.npy", done)
    resumed = FeatureCache.build(records, backbone, cache.root, progress=False)
    assert resumed.usable.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(resumed.features[2], before)
    with pytest.raises(ValueError, match="other images"):
        FeatureCache.build(records[:2], backbone, cache.root, progress=False)
    relabelled = [Record(r.path, [*r.labels, "photo"], r.masks) for r in records]
    again = FeatureCache.build(relabelled, backbone, cache.root, progress=False)
    assert again.records[0]["labels"] == ["cat", "animal", "photo"]  # new labels, same features
    np.testing.assert_array_equal(again.features[2], before)


def test_sample_labels_keeps_positives_and_fills_negatives():
    rng = np.random.default_rng(0)
    chosen, targets = sample_labels({3: 1.0, 7: 0.4}, np.arange(100), n=10, rng=rng)
    assert chosen[:2].tolist() == [3, 7] and targets[:2].tolist() == [1.0, pytest.approx(0.4)]
    assert len(set(chosen.tolist())) == 10 and targets[2:].max() == 0
    only_even = sample_labels({}, np.arange(0, 100, 2), n=10, rng=rng)[0]
    assert (only_even % 2 == 0).all()


def new_model(backbone, minilm) -> vx.Model:
    torch.manual_seed(0)
    model = vx.Model.create(backbone, minilm, blocks=("conse", "linear"), hidden=8)
    model.net.init_from_classifier(backbone.classifier, model.net.blocks[0].class_text)
    model.net.init_as_conse()
    return model


def cached_trainer(backbone, minilm, cache: FeatureCache, config: TrainConfig) -> HeadTrainer:
    """A trainer of a fresh ConSE-initialised head on the cached features, "rocket" unseen."""
    model = new_model(backbone, minilm)
    return HeadTrainer(model, CachedFeatures(cache, model.backbone), config, unseen={"rocket"})


def test_conse_initialised_head_ranks_like_conse(backbone, minilm, records):
    model = new_model(backbone, minilm)
    conse = vx.ConSE(backbone, minilm)
    labels = ["cat", "cup", "rocket", "person", "sky", "building"]
    for record in records[:4]:
        ours = model.heatmaps(record.path, labels).ravel()
        theirs = conse.heatmaps(record.path, labels).ravel()
        assert spearmanr(ours, theirs).statistic > 0.95


def test_training_learns_and_resumes_exactly(backbone, minilm, cache, tmp_path):
    config = TrainConfig(
        epochs=2, batch_size=4, labels_per_image=20, lr=5e-3, head_holdout=0.5, head_epochs=1
    )
    straight = cached_trainer(backbone, minilm, cache, config)
    assert "rocket" not in straight.vocab.names and "cat" in straight.vocab.names
    blocks_before = straight.net.blocks[1].proj.weight.clone()
    history = straight.fit(progress=False)
    assert [h["stage"] for h in history] == ["blocks", "blocks", "head"]
    assert history[1]["loss"] < history[0]["loss"]
    assert not torch.equal(straight.net.blocks[1].proj.weight, blocks_before)
    head_labels = set(straight.label_sets["head"].tolist())
    assert head_labels and not head_labels & set(straight.label_sets["blocks"].tolist())

    checkpoint = tmp_path / "run.safetensors"
    first = cached_trainer(backbone, minilm, cache, config)
    first.fit(checkpoint, until=2, progress=False)  # stopped at the change of stage
    # the head stage leaves the blocks as the blocks stage made them
    torch.testing.assert_close(first.net.blocks[1].proj.weight, straight.net.blocks[1].proj.weight)
    resumed = cached_trainer(backbone, minilm, cache, config)
    resumed.fit(checkpoint, progress=False)
    assert resumed.epoch == 3
    for (name, a), b in zip(
        straight.net.state_dict().items(), resumed.net.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, msg=name)
    other = cached_trainer(backbone, minilm, cache, TrainConfig(epochs=5))
    with pytest.raises(ValueError, match="different run"):
        other.fit(checkpoint, progress=False)


def test_evaluate_reports_labelling_and_localisation(backbone, minilm, records):
    from vsexplore.evaluate.metrics import mean_average_precision

    conse = vx.ConSE(backbone, minilm)
    seen, unseen = ["cat", "cup", "drink", "animal"], ["rocket", "person"]
    report = evaluate(conse, records[:4], seen, unseen, classes=["cat", "cup", "rocket", "person"])
    assert report["images"] == 4
    assert report["unseen"]["labels"] == 2 and report["seen"]["labels"] == 4
    scores = conse.score([r.path for r in records[:4]], unseen)
    truth = np.array([[lab in r.labels for lab in unseen] for r in records[:4]])
    assert report["unseen"]["mAP"] == pytest.approx(100 * mean_average_precision(scores, truth))
    assert 0 < report["localisation"]["mIoU"] <= 100
    assert len(report["localisation"]["sweep"]) == 41


def test_full_finetune_trains_backbone_and_round_trips(backbone, minilm, records, tmp_path):
    from vsexplore.train import AugmentedImages, random_crop_box

    box = random_crop_box(np.random.default_rng(0), (400, 300))
    assert 0.5 * 400 * 300 * 0.9 <= (box[2] - box[0]) * (box[3] - box[1]) <= 400 * 300
    fresh = vx.load_backbone(precision="fp32")  # its own copy: the shared fixture must stay pretrained
    model = new_model(fresh, minilm)
    before = [p.clone() for p in fresh.body.parameters()][-3]
    config = TrainConfig(epochs=1, batch_size=3, labels_per_image=10, lr=1e-3)
    images = AugmentedImages(model, records)  # records include one missing file
    history = HeadTrainer(model, images, config).fit(tmp_path / "ft.checkpoint", progress=False)
    assert np.isfinite(history[0]["loss"]) and "gone.jpg" in next(iter(images.failed))
    assert not torch.equal([p for p in fresh.body.parameters()][-3], before)
    torch.testing.assert_close(images.teacher.classifier.weight, backbone.classifier.weight)  # teacher frozen
    path = model.save(tmp_path / "ft.safetensors", with_backbone=True)
    loaded = vx.load_model(path, encoder=minilm, precision="fp32")
    paths = [r.path for r in records[:4]]
    np.testing.assert_allclose(
        loaded.score(paths, ["cat", "cup"]), model.score(paths, ["cat", "cup"]), atol=1e-5
    )
