"""An open vocabulary to name clusters and suggest labels: WordNet's common English words, scored.

The words are package data (``_data/vocabulary.txt``: 26,851 nouns and adjectives of WordNet 3.0
that SemCor tags or that have several senses, lower case, at most two words; built by
``scripts/imagenet_hierarchy.py``). Per model they are encoded once and their calibration
statistics computed once, then kept in the cache folder (``~/.cache/vsexplore/vocabulary``), so
a second session loads them in well under a second instead of encoding 27k words again.

:func:`word_logits` scores every word for a few images from their stored summaries, calibrated
like any label (:mod:`vsexplore.calibration`), so a broad word that is high everywhere does not
top every photo's list.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np
import torch

from .calibration import Calibration, LabelTerms
from .data.cache import cache_dir
from .hierarchy import class_mask, classes_below
from .model import Model

BLOCK = 4096  # words per block: temporaries (images × slots × words) stay small
GENERAL = 250  # a word over more ImageNet classes than this is too general to name or suggest


@cache
def words() -> tuple[str, ...]:
    text = (resources.files("vsexplore") / "_data" / "vocabulary.txt").read_text(encoding="utf-8")
    return tuple(text.split("\n")[:-1])


@dataclass
class Vocabulary:
    """The words, their unit vectors in the model's label space and their reference statistics."""

    words: tuple[str, ...]
    vectors: torch.Tensor  # (W, d) float32
    mean: torch.Tensor  # (W,) μ of each word's raw combination over the reference photos
    spread: torch.Tensor  # (W,) σ

    @cached_property
    def general(self) -> np.ndarray:
        """(W,) whether each word covers more than ``GENERAL`` ImageNet classes (``entity``, ``object``)."""
        return np.array([len(classes_below(w)) > GENERAL for w in self.words])

    @cached_property
    def _masks(self) -> list[torch.Tensor]:
        return [class_mask(self.words[s : s + BLOCK]) for s in range(0, len(self.words), BLOCK)]

    def terms(self, start: int, stop: int) -> LabelTerms:
        """:class:`LabelTerms` of words ``start:stop`` (``start`` a multiple of ``BLOCK``)."""
        return LabelTerms(self.vectors[start:stop], self._masks[start // BLOCK][: stop - start],
                          self.mean[start:stop], self.spread[start:stop])


def load_vocabulary(model: Model) -> Vocabulary:
    """The open vocabulary for a calibrated ``model``: from the cache, else encoded and saved."""
    if model.calibration is None:
        raise ValueError("naming and suggestions need a calibrated model, e.g. the shipped vx.load_model()")
    path = cache_dir("vocabulary") / f"{model.encoder.name}-{model.fingerprint()}.npz"
    if path.exists():
        saved = np.load(path)
        if len(saved["vectors"]) == len(words()):
            tensors = (torch.from_numpy(saved[k]).float() for k in ("vectors", "mean", "spread"))
            return Vocabulary(words(), *tensors)
    vectors = torch.from_numpy(model.encoder.encode(list(words()))).float()
    means, spreads = [], []
    for start in range(0, len(vectors), BLOCK):
        block = slice(start, start + BLOCK)
        terms = model.calibration.label_terms(vectors[block], list(words()[block]), model.net.score_bias)
        means.append(terms.mean)
        spreads.append(terms.spread)
    vocabulary = Vocabulary(words(), vectors, torch.cat(means), torch.cat(spreads))
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, vectors=vectors.half().numpy(), mean=vocabulary.mean.numpy(),
             spread=vocabulary.spread.numpy())
    os.replace(tmp, path)
    return vocabulary


@torch.inference_mode()
def word_logits(calibration: Calibration, vocabulary: Vocabulary, score_vectors: torch.Tensor,
                described: torch.Tensor, top_classes: torch.Tensor, top_probs: torch.Tensor,
                bias: float) -> torch.Tensor:
    """Calibrated logits (n, W) of every word for n images' summaries (before the sigmoid)."""
    n, slots, d = score_vectors.shape
    flat = score_vectors.float().reshape(n * slots, d)
    out = torch.empty(n, len(vocabulary.words))
    for start in range(0, len(vocabulary.words), BLOCK):
        stop = min(start + BLOCK, len(vocabulary.words))
        terms = vocabulary.terms(start, stop)
        head = (flat @ terms.vectors.T).reshape(n, slots, -1).amax(1) + bias  # a GEMM: many words, few images
        out[:, start:stop] = calibration.logits(head, described, top_classes, top_probs, terms)
    return out
