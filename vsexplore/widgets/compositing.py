"""Colour overlays drawn with PIL: label maps and segment ids over a photo, encoded as PNG bytes.

Display only: the maps and ids come from the collection's analyses.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from ..analysis import upsample_maps

BACKGROUND_DIM = 0.45  # how much weak segmentation darkens pixels no label claims


def rgb(colours: Sequence[str]) -> np.ndarray:
    """['#rrggbb', ...] → (n, 3) float array in [0, 255]."""
    values = [[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours]
    return np.array(values, dtype=np.float32).reshape(-1, 3)


def fit_within(image: Image.Image, max_px: int) -> Image.Image:
    """The image scaled down (never up) so its longer side is at most ``max_px``."""
    scale = max_px / max(image.size)
    if scale >= 1:
        return image.convert("RGB")
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.convert("RGB").resize(size, Image.Resampling.LANCZOS)


def blend_maps(image: Image.Image, maps: np.ndarray, colours: Sequence[str], opacity: float) -> Image.Image:
    """Tint each pixel with the colour of the label that is relatively strongest there.

    ``maps`` (L, h, w) in [0, 1] on any grid (bilinearly resized to the image). Each map is stretched
    to its own range in this image, so every label shows where it is most present; how strong it
    is in absolute terms is what weak segmentation's threshold shows.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if len(maps) == 0:
        return image
    if maps.shape[1:] != (image.height, image.width):
        maps = upsample_maps(maps, (image.height, image.width))
    lo = maps.min(axis=(1, 2), keepdims=True)
    stretched = (maps - lo) / np.maximum(maps.max(axis=(1, 2), keepdims=True) - lo, 1e-6)
    tint = rgb(colours)[stretched.argmax(axis=0)]
    return _mix(image, tint, opacity * stretched.max(axis=0))


def blend_ids(
    image: Image.Image, ids: np.ndarray, colours: Sequence[str | None], opacity: float
) -> Image.Image:
    """Colour each pixel by its segment id (``colours[id]``; ``None`` dims the photo instead).

    ``ids`` (h, w) on any grid is upsampled to the image by nearest neighbour: cells stay crisp.
    """
    ids = np.asarray(ids)
    if ids.shape != (image.height, image.width):
        small = Image.fromarray(ids.astype(np.uint8), mode="L")
        ids = np.asarray(small.resize(image.size, Image.Resampling.NEAREST))
    table = rgb([c or "#000000" for c in colours])
    alpha = np.array([opacity if c else BACKGROUND_DIM * opacity for c in colours], dtype=np.float32)
    return _mix(image, table[ids], alpha[ids])


def _mix(image: Image.Image, tint: np.ndarray, alpha: np.ndarray) -> Image.Image:
    photo = np.asarray(image.convert("RGB"), dtype=np.float32)
    alpha = np.clip(alpha, 0.0, 1.0)[..., None]
    return Image.fromarray((photo * (1 - alpha) + tint * alpha).round().astype(np.uint8))


def png_bytes(image: Image.Image) -> bytes:
    """PNG encoding, what ``ipywidgets.Image(format='png')`` shows."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_image(data: bytes) -> Image.Image:
    """Decode a stored JPEG thumbnail."""
    return Image.open(io.BytesIO(data)).convert("RGB")
