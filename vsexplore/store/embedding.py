"""Embedding rows of a collection: read each file once, decode, run the backbone, encode for storage.

Everything here is a plain function of (model, codec, paths), so the in-process path and a Dask
worker run the same code. A file that cannot be read becomes a failed row with its reason; it
never stops the batch.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image

from ..calibration import image_terms
from ..images import ImageError, display_path, load_image, normalise, squash
from ..model import Model
from .codec import RegionCodec, to_bf16_bits

THUMBNAIL_SIZE = 128
THUMBNAIL_QUALITY = 75
OK, FAILED = 1, 2
POOLED_SCALE = 127  # unit vectors stored as int8


@dataclass
class Prepared:
    """One decoded file: the model input as uint8 pixels (S, S, 3), or the reason it could not be read."""

    tensor: torch.Tensor | None
    meta: dict = field(default_factory=dict)
    error: str = ""


def _original_size(data: bytes) -> tuple[int, int]:
    """(width, height) as displayed: the header's size, swapped when EXIF says the photo is rotated."""
    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size
        orientation = img.getexif().get(0x0112, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def thumbnail_bytes(img: Image.Image, size: int = THUMBNAIL_SIZE) -> bytes:
    """A JPEG thumbnail whose longer side is ``size`` pixels (never enlarged)."""
    thumb = img.copy()
    thumb.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def prepare(path: str, model: Model) -> Prepared:
    """Read, hash and decode one file; any failure is returned as a reason, not raised."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        reason = "no such file" if isinstance(err, FileNotFoundError) else f"cannot read ({err.strerror})"
        return Prepared(None, error=reason)
    try:
        img = load_image(path, draft_size=model.input_size)
        width, height = _original_size(data)
    except ImageError as err:
        return Prepared(None, error=str(err))
    except Exception as err:  # noqa: BLE001 — one odd file must not stop a million
        return Prepared(None, error=f"cannot decode {display_path(path)} ({type(err).__name__}: {err})")
    meta = {
        "sha1": np.frombuffer(hashlib.sha1(data).digest(), dtype=np.uint8),
        "width": width,
        "height": height,
        "thumb": thumbnail_bytes(img),
    }
    return Prepared(squash(img, model.input_size), meta)


def prefetch(func: Callable, items: Iterable, pool: ThreadPoolExecutor, depth: int) -> Iterator:
    """``map(func, items)`` in order, keeping ``depth`` calls running ahead in ``pool``."""
    pending: list[Future] = []
    for item in items:
        pending.append(pool.submit(func, item))
        if len(pending) > depth:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()


@torch.inference_mode()
def embed_batch(model: Model, pixels: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Decoded uint8 images → what the store needs of each (see :func:`head_outputs`)."""
    spec = model.backbone.spec
    return head_outputs(model, *model.features(normalise(torch.stack(pixels), spec.mean, spec.std)))


@torch.inference_mode()
def head_outputs(model: Model, features: torch.Tensor, logits: torch.Tensor) -> dict[str, torch.Tensor]:
    """Backbone outputs → ``locations`` (B, d, h, w) float32 and ``score_vectors`` (B, slots, d) from
    the factorised head, ``pooled`` (B, d) unit mean region embedding and ``diversity`` (B,). The
    head's projections run in bfloat16 where the backbone does (stored scores agree with the
    float32 model's at Spearman ≥ 0.99, see the tests)."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=model.backbone.precision == "bf16"):
        regions = model.net.region_embeddings(features, logits)
    locations, scores = model.net.factorised_vectors(regions, features.float())
    outputs = {"locations": locations.float(), "score_vectors": scores.float(), **summaries(regions.float())}
    if model.calibration is not None:  # the calibrated score's other two terms, per image
        terms = image_terms(logits, model.calibration.descriptions, model.calibration.coefficients)
        outputs |= {"described": terms.described, "top_classes": terms.top_classes,
                    "top_probs": terms.top_probs}
    return outputs


def summaries(regions: torch.Tensor) -> dict[str, torch.Tensor]:
    """Unit region embeddings (B, k, d, h, w) → ``pooled`` (B, d) unit mean and ``diversity`` (B,):
    the mean per-dimension variance across locations (:func:`vsexplore.analysis.diversity`),
    as E[|x|²] − |E[x]|² per block, which needs one pass."""
    flat = regions.flatten(-2)  # (B, k, d, hw)
    means = flat.mean(-1)  # (B, k, d)
    spread = flat.pow(2).sum(2).mean(-1) - means.pow(2).sum(2)  # (B, k)
    k, d = regions.shape[1:3]
    return {"pooled": torch.nn.functional.normalize(means.mean(1), dim=1),
            "diversity": spread.sum(1) / (k * d)}


def encode_rows(model: Model, codec: RegionCodec, prepared: list[Prepared], head: dict[str, torch.Tensor]
                ) -> dict[str, np.ndarray]:
    """Stored arrays for a run of rows: ok rows get their vectors, failed rows zeros and a reason.
    ``head``: :func:`embed_batch`'s outputs for the ok rows, in order."""
    ok = [i for i, p in enumerate(prepared) if p.tensor is not None]
    n = len(prepared)
    arrays: dict[str, np.ndarray] = {
        "status": np.array([OK if p.tensor is not None else FAILED for p in prepared], dtype=np.int8),
        "error": np.array([p.error for p in prepared], dtype=object),
        "width": np.array([p.meta.get("width", 0) for p in prepared], dtype=np.int32),
        "height": np.array([p.meta.get("height", 0) for p in prepared], dtype=np.int32),
        "sha1": np.stack([p.meta.get("sha1", np.zeros(20, np.uint8)) for p in prepared]) if n else
        np.zeros((0, 20), np.uint8),
        "thumb": np.array([p.meta.get("thumb", b"") for p in prepared], dtype=object),
    }
    if ok:
        encoded = codec.encode(head["locations"]) | {
            "score_vectors": to_bf16_bits(head["score_vectors"]),
            "pooled": torch.round(head["pooled"] * POOLED_SCALE).to(torch.int8).numpy(),
            "diversity": head["diversity"].numpy().astype(np.float32),
        }
        if "described" in head:
            encoded |= {"described": to_bf16_bits(head["described"]),
                        "top_classes": head["top_classes"].to(torch.int16).numpy(),
                        "top_probs": head["top_probs"].half().numpy()}
        for name, values in encoded.items():
            full = np.zeros((n, *values.shape[1:]), dtype=values.dtype)
            full[ok] = values
            arrays[name] = full
    return arrays


def embed_chunks(
    model: Model, chunks: Iterable[list[str]], threads: int = 2
) -> Iterator[tuple[list[Prepared], dict[str, torch.Tensor]]]:
    """Per chunk of paths: (decoded rows, :func:`embed_batch`'s outputs for its decodable rows).

    Files decode in ``threads`` threads, a few batches ahead of the backbone, across chunk ends.
    """
    chunks = list(chunks)
    flat = [(c, path) for c, paths in enumerate(chunks) for path in paths]
    batch = model.batch_size
    with ThreadPoolExecutor(threads) as pool:
        stream = prefetch(lambda item: prepare(item[1], model), flat, pool, depth=2 * batch)
        for paths in chunks:
            prepared: list[Prepared] = []
            outputs = []
            waiting: list[torch.Tensor] = []
            for _ in paths:
                row = next(stream)
                prepared.append(row)
                if row.tensor is not None:
                    waiting.append(row.tensor)
                if len(waiting) == batch:
                    outputs.append(embed_batch(model, waiting))
                    waiting = []
            if waiting:
                outputs.append(embed_batch(model, waiting))
            joined = {name: torch.cat([o[name] for o in outputs]) for name in outputs[0]} if outputs else {}
            yield prepared, joined
