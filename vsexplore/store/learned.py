"""Learned axes: a tag with a few examples becomes an axis to sort every image on.

Features per image are what the store already keeps, read once and kept: the described embedding
(what its classes' WordNet descriptions say, calibrated models only) and the pooled region
embedding, plus, when the tag is a phrase the model can read, its calibrated zero-shot score as a
prior (as a logit). A logistic regression (scikit-learn, balanced classes) learns the tag's
images against the rejected ones plus a sample of the others, on those rows only; every image is
then scored by one product per feature block, in the stored dtype, so a refit after one decision
over 100k images stays well under a second.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import analysis
from ..errors import LabelError, StoreError
from ..int8 import Int8Rows
from .embedding import POOLED_SCALE

LEARNED = "#"  # col.scores(["#holiday"]) asks for tag holiday's learned axis
OTHERS_PER_POSITIVE = 10
MIN_OTHERS = 50
BLOCK = 65536  # images per block when the int8 pooled embeddings are scored


def _blocks(col) -> list[tuple[torch.Tensor, float]]:
    """(N, d) feature blocks as stored, each with the scale that makes it unit length."""
    blocks = [(torch.from_numpy(col._stored.whole("pooled")), 1.0 / POOLED_SCALE)]
    if col.model.calibration is not None:
        blocks.insert(0, (col._stored.calibration_summaries()[0], 1.0))
    return blocks


def _prior(col, tag: str) -> np.ndarray | None:
    try:
        score = np.clip(col.scores([tag])[:, 0].astype(np.float64), 1e-4, 1 - 1e-4)
    except LabelError:  # a tag the encoder cannot read (a code, a name): no prior
        return None
    return np.log(score / (1 - score))


def learned_axis(col, tag: str, seed: int = 0) -> np.ndarray:
    """(N,) scores in [0, 1] along tag ``tag`` (see the module docstring)."""
    tag = tag.strip()
    positives = np.asarray(col.tags.get(tag, []), np.int64)
    if not len(positives):
        raise StoreError(f"tag {tag!r} has no images yet: tag a few with col.tag([...], {tag!r}) first")
    rejected = np.asarray(col.rejections.get(tag, []), np.int64)
    taken = np.zeros(len(col), bool)
    taken[positives] = taken[rejected] = True
    want = max(MIN_OTHERS, OTHERS_PER_POSITIVE * len(positives))
    others = np.random.default_rng(seed).choice(np.flatnonzero(~taken), min(want, int((~taken).sum())),
                                                replace=False)
    rows = np.concatenate([positives, rejected, others])
    blocks, prior = _blocks(col), _prior(col, tag)
    parts = [block[rows].float().numpy() * scale for block, scale in blocks]
    if prior is not None:
        parts.append(prior[rows, None])
    weights, bias = analysis.fit_axis(np.hstack(parts), np.arange(len(rows)) < len(positives))
    logit = torch.full((len(col),), bias, dtype=torch.float32)
    start = 0
    for block, scale in blocks:
        w = torch.from_numpy(weights[start : start + block.shape[1]] * scale)
        if isinstance(block, Int8Rows):  # the mirror's described embeddings
            logit += block.dot(w.float()[None])[:, 0]
        else:
            # bfloat16 as stored; int8 pooled embeddings in float, block by block
            dtype = torch.bfloat16 if block.dtype == torch.bfloat16 else torch.float32
            for s in range(0, len(block), BLOCK):
                logit[s : s + BLOCK] += (block[s : s + BLOCK].to(dtype) @ w.to(dtype)).float()
        start += block.shape[1]
    if prior is not None:
        logit += float(weights[-1]) * torch.from_numpy(prior).float()
    return logit.sigmoid().numpy()
