"""Turning anything image-like into model input: RGB decoding, orientation, resize policy.

Resize policy ("squash"): the whole image is resized to ``size × size`` without cropping, so
every pixel is seen by the model and a heatmap maps back onto the full image by a plain resize.
Aspect ratios are not preserved; the backbone is tolerant to this and nothing is cut away.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

ImageLike = str | os.PathLike | Image.Image | np.ndarray


class ImageError(ValueError):
    """An input that cannot be turned into an RGB image; the message names it and says why."""


def _describe(source: ImageLike) -> str:
    if isinstance(source, (str, os.PathLike)):
        return repr(os.fspath(source))
    if isinstance(source, np.ndarray):
        return f"array of shape {source.shape} and dtype {source.dtype}"
    return f"{type(source).__name__} image"


def _to_8bit(img: Image.Image) -> Image.Image:
    """Scale 16-bit and float single-channel images to 8 bits instead of clipping them."""
    arr = np.asarray(img)
    if arr.dtype == np.uint8:
        return Image.fromarray(arr)
    arr = arr.astype(np.float64)
    if img.mode.startswith("I;16") or (arr.max() > 255 and arr.max() <= 65535):
        arr = arr / 257.0
    elif img.mode == "F" and arr.max() <= 1.0:
        arr = arr * 255.0
    return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8))


def to_rgb(img: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Any PIL mode → RGB: EXIF orientation applied, transparency composited on ``background``."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        img = _to_8bit(img)
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("LA", "La", "PA"):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "RGBa"):
        base = Image.new("RGB", img.size, background)
        base.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
        return base
    return img.convert("RGB") if img.mode != "RGB" else img


def _array_to_pil(arr: np.ndarray) -> Image.Image:
    if arr.dtype != np.uint8:
        raise ImageError(f"array of dtype {arr.dtype}: pass H×W×3 uint8 RGB (convert with .astype(np.uint8))")
    if arr.ndim == 2:
        return Image.fromarray(arr, "L")
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        return Image.fromarray(np.ascontiguousarray(arr), "RGB" if arr.shape[2] == 3 else "RGBA")
    raise ImageError(f"array of shape {arr.shape}: expected H×W×3 (RGB), H×W×4 (RGBA) or H×W")


def load_image(source: ImageLike, draft_size: int | None = None) -> Image.Image:
    """Open a path, PIL image or uint8 array as an RGB PIL image.

    ``draft_size`` lets JPEG decoding skip resolution it will not need (PIL draft mode).
    Raises :class:`ImageError` naming the file when it is missing, unreadable or too large.
    """
    if isinstance(source, np.ndarray):
        return to_rgb(_array_to_pil(source))
    if isinstance(source, Image.Image):
        return to_rgb(source)
    if not isinstance(source, (str, os.PathLike)):
        raise ImageError(f"cannot read {type(source).__name__}: pass a path, PIL image or array")
    path = Path(source)
    try:
        with Image.open(path) as img:
            if draft_size and img.format == "JPEG":
                img.draft("RGB", (draft_size, draft_size))
            img.load()
            return to_rgb(img)
    except FileNotFoundError as err:
        raise ImageError(f"{_describe(source)}: no such file") from err
    except IsADirectoryError as err:
        raise ImageError(f"{_describe(source)}: is a folder, not an image file") from err
    except UnidentifiedImageError as err:
        raise ImageError(f"{_describe(source)}: not an image file PIL can read") from err
    except Image.DecompressionBombError as err:
        raise ImageError(f"{_describe(source)}: too large to decode safely ({err}); shrink it first") from err
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{_describe(source)}: damaged or truncated image ({err})") from err


def to_tensor(img: Image.Image, size: int, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Squash-resize an RGB image to ``size × size`` and normalise it → float32 (3, size, size)."""
    resized = img.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    arr = torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255.0).permute(2, 0, 1)
    mean_t = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
    return (arr - mean_t) / std_t


def as_list(images: ImageLike | Iterable[ImageLike]) -> list[ImageLike]:
    """One image or many → a list (a single path, PIL image or H×W×C array counts as one)."""
    if isinstance(images, (str, os.PathLike, Image.Image)):
        return [images]
    if isinstance(images, np.ndarray):
        return [images] if images.ndim in (2, 3) else list(images)
    return list(images)
