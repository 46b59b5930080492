"""The visual-semantic model users hold: backbone + label encoder + head, saved as one safetensors.

A weights file stores only the head (blocks, conv head, pooling, ConSE class texts), a JSON
config naming the backbone and encoder and, for the shipped model, its :mod:`~vsexplore.calibration`
(reference photos' summaries and coefficients: scores comparable across labels, WordNet's
hierarchy and class descriptions folded in); the backbone's own weights stay in their package, so
shipped models are small. Loading never unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import torch

from .backbones import Backbone, load_backbone
from .calibration import PREFIX as CALIBRATION_PREFIX
from .calibration import Calibration, LabelTerms, image_terms
from .conse import class_text_embeddings
from .network import ConSEBlock, NetConfig, VisualSemanticNet
from .scoring import ImageScorer
from .text import LabelEncoder, load_encoder

DEFAULT_WEIGHTS_NAME = "vsexplore-default.safetensors"  # the factorised head + calibration: one default
CONV_WEIGHTS_NAME = "vsexplore-conv.safetensors"  # the original write-up's conv head, 448 px
WEIGHTS_ENV = {DEFAULT_WEIGHTS_NAME: "VSEXPLORE_WEIGHTS", CONV_WEIGHTS_NAME: "VSEXPLORE_CONV_WEIGHTS"}
METADATA_KEY = "vsexplore"
CALIBRATION_KEY = "vsexplore_calibration"
BACKBONE_PREFIX = "backbone."  # fine-tuned backbone weights stored beside the head


def default_weights_path(name: str = DEFAULT_WEIGHTS_NAME) -> Path:
    """Where a shipped weights file lives: its environment variable (``$VSEXPLORE_WEIGHTS``,
    ``$VSEXPLORE_CONV_WEIGHTS``), the checkout's ``weights/``, or the install's
    ``share/vsexplore/weights``."""
    if os.environ.get(WEIGHTS_ENV[name]):
        return Path(os.environ[WEIGHTS_ENV[name]])
    candidates = [
        Path(__file__).resolve().parent.parent / "weights" / name,
        Path(sys.prefix) / "share" / "vsexplore" / "weights" / name,
    ]
    return next((p for p in candidates if p.exists()), candidates[0])


class Model(ImageScorer):
    """Scores, heatmaps and region embeddings of images for any labels."""

    def __init__(self, net: VisualSemanticNet, backbone: Backbone, encoder: LabelEncoder, **options):
        config = net.config
        if backbone.spec.name != config.backbone or backbone.spec.channels != config.channels:
            raise ValueError(f"network expects backbone {config.backbone!r}, got {backbone.spec.name!r}")
        if encoder.dim != config.dim:
            raise ValueError(
                f"network compares in a {config.dim}-d label space ({config.encoder}); "
                f"encoder {encoder.name} gives {encoder.dim}-d vectors"
            )
        options.setdefault("input_size", config.input_size)
        super().__init__(backbone, encoder, **options)
        self.net = net.to(self.device).eval()
        self.weights_path: Path | None = None  # set when loaded from a file
        self.calibration: Calibration | None = None  # the shipped model's: see vsexplore.calibration

    @property
    def config(self) -> NetConfig:
        return self.net.config

    @classmethod
    def create(
        cls,
        backbone: Backbone | str = "efficientnet-lite0",
        encoder: LabelEncoder | str = "minilm-l6",
        **config_fields,
    ) -> Model:
        """A new, untrained model (random head; ConSE blocks are ready, having no weights)."""
        backbone = load_backbone(backbone) if isinstance(backbone, str) else backbone
        encoder = load_encoder(encoder) if isinstance(encoder, str) else encoder
        config = NetConfig(
            backbone=backbone.spec.name,
            encoder=encoder.name,
            channels=backbone.spec.channels,
            dim=encoder.dim,
            **config_fields,
        )
        net = VisualSemanticNet(config)
        class_text = None
        for block in net.blocks:
            if isinstance(block, ConSEBlock):
                if class_text is None:
                    class_text = class_text_embeddings(encoder, backbone.class_names)
                block.class_text.copy_(class_text)
        return cls(net, backbone, encoder)

    def _scores_and_maps(self, features, location_logits, labels):
        vectors = labels.vectors if isinstance(labels, LabelTerms) else labels
        scores, maps = self.net(features, location_logits, vectors)
        if isinstance(labels, LabelTerms):  # calibrated: the head's logit is one of three terms
            terms = image_terms(location_logits, self.calibration.descriptions, self.calibration.coefficients)
            calibrated = self.calibration.scores(scores.float(), terms.described, terms.top_classes,
                                                 terms.top_probs, labels)
            return calibrated, maps.sigmoid()
        return scores.sigmoid(), maps.sigmoid()

    def fingerprint(self) -> str:
        """A hash of the head's weights and config, and of the calibration: what a store or a
        cached vocabulary is tied to."""
        digest = hashlib.sha256(repr(sorted(self.config.to_dict().items())).encode())
        tensors = dict(self.net.state_dict())
        if self.calibration is not None:
            tensors |= self.calibration.tensors()
            digest.update(repr(sorted(self.calibration.metadata().items())).encode())
        for name, tensor in sorted(tensors.items()):
            digest.update(name.encode())
            digest.update(tensor.detach().float().cpu().numpy().tobytes())
        return digest.hexdigest()[:16]

    def prepare_labels(self, labels):
        """Label texts → unit vectors; with a calibration, :class:`LabelTerms` (vectors, WordNet
        masks and reference statistics)."""
        vectors = self.encode_labels(labels)
        if self.calibration is None:
            return vectors
        names = [labels] if isinstance(labels, str) else list(labels)
        return self.calibration.label_terms(vectors, names, self.net.score_bias)

    def _region_embeddings(self, features, location_logits):
        return self.net.region_embeddings(features, location_logits)

    def save(self, path: str | os.PathLike, with_backbone: bool = False) -> Path:
        """Write the head and its config to one safetensors file; ``with_backbone`` also stores
        the backbone's weights (after full fine-tuning they differ from the pretrained ones)."""
        from safetensors.torch import save_file

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.net.state_dict().items()}
        if with_backbone:
            body = self.backbone.body.state_dict()
            tensors.update({f"{BACKBONE_PREFIX}{k}": v.detach().cpu().contiguous() for k, v in body.items()})
        metadata = {METADATA_KEY: json.dumps(self.config.to_dict())}
        if self.calibration is not None:
            tensors.update(self.calibration.tensors())
            metadata[CALIBRATION_KEY] = json.dumps(self.calibration.metadata())
        save_file(tensors, path, metadata=metadata)
        return path


def _metadata(path: str | os.PathLike) -> dict[str, str]:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        return fh.metadata() or {}


def read_config(path: str | os.PathLike) -> NetConfig:
    """The :class:`NetConfig` embedded in a weights file."""
    metadata = _metadata(path)
    if METADATA_KEY not in metadata:
        raise ValueError(f"{path}: not a vsexplore weights file (no '{METADATA_KEY}' metadata)")
    return NetConfig.from_dict(json.loads(metadata[METADATA_KEY]))


def load_model(
    path: str | os.PathLike | None = None,
    *,
    encoder: LabelEncoder | str | None = None,
    backbone_weights: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    precision: str = "auto",
    **options,
) -> Model:
    """Load a model from a safetensors file; with no path, the weights shipped in ``weights/``.

    ``encoder`` overrides the stored encoder name (e.g. a word2vec file of the same dimension);
    ``backbone_weights`` points the backbone at a local file instead of its default source.
    """
    from safetensors.torch import load_file

    path = Path(path) if path is not None else default_weights_path()
    if not path.exists():
        if path in (default_weights_path(), default_weights_path(CONV_WEIGHTS_NAME)):
            raise FileNotFoundError(
                f"no shipped weights at {path}: trained weights are not part of this version yet. "
                "Pass the path of a vsexplore .safetensors file, or use vsexplore.ConSE() for "
                "training-free scoring."
            )
        raise FileNotFoundError(f"{path}: no such weights file")
    config = read_config(path)
    # precision is chosen after the move: whether bf16 pays off depends on the device
    backbone = load_backbone(config.backbone, weights=backbone_weights).to(device).set_precision(precision)
    encoder = load_encoder(encoder or config.encoder) if not isinstance(encoder, LabelEncoder) else encoder
    tensors = load_file(path)
    body = {k[len(BACKBONE_PREFIX) :]: v for k, v in tensors.items() if k.startswith(BACKBONE_PREFIX)}
    if body:
        backbone.body.load_state_dict(body, strict=True)
    net = VisualSemanticNet(config)
    head = {k: v for k, v in tensors.items() if not k.startswith((BACKBONE_PREFIX, CALIBRATION_PREFIX))}
    net.load_state_dict(head, strict=True)
    metadata = _metadata(path)
    model = Model(net, backbone, encoder, **options)
    model.weights_path = path  # workers of a cluster load the same file
    coefficients = json.loads(metadata.get(CALIBRATION_KEY, "{}"))
    model.calibration = Calibration.from_tensors(tensors, coefficients)
    return model


def load_collection_model(**options) -> Model:
    """The model collections use by default: the shipped default (:func:`load_model`), whose
    factorised head and calibration factor through stored vectors, so a new label over a million
    images is a few matrix products. ``options`` as for :func:`load_model`."""
    return load_model(**options)


def load_conv_model(**options) -> Model:
    """The original write-up's conv head (3×3 conv+ReLU layers, mixed mean/max pooling) at 448 px:
    the variant the model card compares; per image only (it does not factor through a store)."""
    return load_model(default_weights_path(CONV_WEIGHTS_NAME), **options)
