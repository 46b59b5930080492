"""Turning anything image-like into model input: RGB decoding, orientation, resize policy.

Resize policy ("squash"): the whole image is resized to ``size × size`` without cropping, so
every pixel is seen by the model and a heatmap maps back onto the full image by a plain resize.
Aspect ratios are not preserved; the backbone is tolerant to this and nothing is cut away.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

ImageLike = str | os.PathLike | Image.Image | np.ndarray
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


def image_files(root: str | os.PathLike) -> list[Path]:
    """Every image file under ``root``, recursively, by extension (case-insensitive), skipping hidden
    files and folders (a leading dot); unsorted: callers order them as they need. A broken link is
    kept, so the job that reads it reports it instead of silently missing it."""
    root = Path(root)
    return [
        path for path in root.rglob("*")
        if path.suffix.lower() in IMAGE_EXTENSIONS and not any(part.startswith(".") for part in
                                                              path.relative_to(root).parts)
        and not path.is_dir()
    ]


def display_path(path: str | bytes | os.PathLike) -> str:
    """A printable, UTF-8-safe form of any path, for messages, logs and stored records.

    File names are bytes on Linux; Python shows a name that is not valid UTF-8 as a str holding
    surrogate escapes (``os.fsdecode(b"caf\\xe9.jpg") == "caf\\udce9.jpg"``), which cannot be printed
    or written as UTF-8. Here such bytes are shown as ``\\xe9`` escapes, and control characters
    (newlines, tabs, ...) as escapes too, so the result is one printable line: ``"caf\\xe9.jpg"``.
    Valid non-ASCII names (``"café.jpg"``) are kept as they are. Never raises for a path.
    """
    try:
        raw = os.fspath(path)
    except TypeError:
        raw = str(path)
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", "backslashreplace")
    else:
        try:
            text = os.fsencode(raw).decode("utf-8", "backslashreplace")
        except UnicodeError:  # a lone surrogate that surrogateescape cannot map back to a byte
            text = raw.encode("utf-8", "backslashreplace").decode("utf-8")
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _describe(source: ImageLike) -> str:
    if isinstance(source, (str, bytes, os.PathLike)):
        return f"'{display_path(source)}'"
    if isinstance(source, np.ndarray):
        return f"array of shape {source.shape} and dtype {source.dtype}"
    return f"{type(source).__name__} image"


def _why(err: BaseException) -> str:
    """An exception's text, safe to print (it may quote a file name with surrogate escapes)."""
    return str(err).encode("utf-8", "backslashreplace").decode("utf-8") or type(err).__name__


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
    img.load()
    try:
        img = ImageOps.exif_transpose(img)
    except (SyntaxError, ValueError, TypeError, KeyError, IndexError, struct.error):
        img = img.copy()  # an unreadable EXIF block: keep the pixels as stored rather than fail
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


def _open_file(path: Path, name: str) -> BinaryIO:
    """Open a file for reading, or raise an ImageError saying why it cannot be and what to do."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ImageError(f"{name}: is a folder, not an image file; pass the image files inside it")
        if not stat.S_ISREG(info.st_mode):  # a pipe or device would block or never end
            raise ImageError(f"{name}: not a regular file; pass an image file")
        if info.st_size == 0:
            raise ImageError(
                f"{name}: empty file (0 bytes), not an image; it may not have finished copying or "
                "downloading: copy it again or leave it out"
            )
        return open(path, "rb")  # load_image closes it
    except FileNotFoundError as err:
        raise ImageError(
            f"{name}: no such file (moved or deleted since it was listed?); "
            "check the path, or list the folder again"
        ) from err
    except IsADirectoryError as err:
        raise ImageError(f"{name}: is a folder, not an image file; pass the image files inside it") from err
    except PermissionError as err:
        raise ImageError(f"{name}: permission denied; make the file readable or leave it out") from err
    except OSError as err:
        raise ImageError(f"{name}: cannot be opened ({_why(err)}); check the path and the disk") from err


def _claimed_size(fp: BinaryIO) -> tuple[int, int] | None:
    """The width × height a file's header claims, read without Pillow's size check (for messages)."""
    try:
        fp.seek(0)
        prefix = fp.read(16)
        Image.init()
        for fmt in Image.ID:
            factory, accept = Image.OPEN[fmt]
            result = accept(prefix) if accept else True
            if not result or isinstance(result, str):  # as Image.open: a str is a "cannot read" warning
                continue
            try:
                fp.seek(0)
                return factory(fp, "").size
            except Exception:  # another format may still read it
                continue
    except Exception:  # only the message loses the size
        pass
    return None


def _too_large(name: str, fp: BinaryIO, err: Exception) -> ImageError:
    size = _claimed_size(fp)
    limit = 2 * Image.MAX_IMAGE_PIXELS if Image.MAX_IMAGE_PIXELS else None
    if size is not None:
        claims = f"{size[0]}×{size[1]} = {size[0] * size[1]:,} pixels"
    else:
        found = re.search(r"(\d+) pixels", str(err))
        claims = f"{int(found.group(1)):,} pixels" if found else "more pixels than allowed"
    over = f", over Pillow's limit of {limit:,} (2 × PIL.Image.MAX_IMAGE_PIXELS)" if limit else ""
    return ImageError(
        f"{name}: too large to decode safely: its header claims {claims}{over}, "
        "so it was not decoded; shrink it first (e.g. to at most 10000 pixels on the long side), or, "
        "if you trust the file, raise PIL.Image.MAX_IMAGE_PIXELS"
    )


def load_image(source: ImageLike, draft_size: int | None = None) -> Image.Image:
    """Open a path, PIL image or uint8 array as an RGB PIL image.

    ``draft_size`` lets JPEG decoding skip resolution it will not need (PIL draft mode): the image
    comes back at least ``draft_size`` pixels on each side where it was that large, EXIF orientation
    applied as always. Raises :class:`ImageError` naming the file (see :func:`display_path`) when it
    is missing, empty, unreadable, not an image, damaged or too large, saying what to do about it.
    Sizes are checked from the header before anything is decoded.
    """
    if isinstance(source, np.ndarray):
        return to_rgb(_array_to_pil(source))
    if isinstance(source, Image.Image):
        return to_rgb(source)
    if not isinstance(source, (str, os.PathLike)):
        raise ImageError(f"cannot read {type(source).__name__}: pass a path, PIL image or array")
    name = _describe(source)
    with _open_file(Path(source), name) as fp:
        try:
            with Image.open(fp) as img:  # reads the header only; Pillow refuses huge sizes here
                if draft_size:
                    img.draft("RGB", (draft_size, draft_size))  # JPEG only; a no-op for other formats
                img.load()
                return to_rgb(img)
        except UnidentifiedImageError as err:
            raise ImageError(
                f"{name}: not an image file Pillow can read (text, video or an unsupported format?); "
                "convert it to JPEG or PNG, or leave it out"
            ) from err
        except Image.DecompressionBombError as err:
            raise _too_large(name, fp, err) from err
        except OSError as err:
            if err.errno is not None:  # the disk, not the data: e.g. a network share went away
                raise ImageError(
                    f"{name}: reading it failed ({_why(err)}); check the file is still there and readable"
                ) from err
            raise ImageError(
                f"{name}: damaged or truncated image ({_why(err)}); copy or export it again, or leave it out"
            ) from err
        except (SyntaxError, ValueError, EOFError, struct.error, zlib.error) as err:
            raise ImageError(
                f"{name}: damaged or truncated image ({_why(err)}); copy or export it again, or leave it out"
            ) from err


def squash(img: Image.Image, size: int) -> torch.Tensor:
    """Squash-resize an RGB image to ``size × size`` → uint8 pixels (size, size, 3)."""
    resized = img.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return torch.from_numpy(np.array(resized, dtype=np.uint8))


def normalise(pixels: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """uint8 pixels (..., H, W, 3) → normalised float32 (..., 3, H, W) (channels-last in memory).

    ``(x / 255 − mean) / std`` as one multiply-add per value, on the pixels' own layout."""
    std_t = torch.tensor(std, dtype=torch.float32)
    out = pixels.to(torch.float32)
    out.mul_(1.0 / (255.0 * std_t)).add_(-torch.tensor(mean, dtype=torch.float32) / std_t)
    return out.movedim(-1, -3)


def to_tensor(img: Image.Image, size: int, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Squash-resize an RGB image to ``size × size`` and normalise it → float32 (3, size, size)."""
    return normalise(squash(img, size), mean, std)


def as_list(images: ImageLike | Iterable[ImageLike]) -> list[ImageLike]:
    """One image or many → a list (a single path, PIL image or H×W×C array counts as one)."""
    if isinstance(images, (str, os.PathLike, Image.Image)):
        return [images]
    if isinstance(images, np.ndarray):
        return [images] if images.ndim in (2, 3) else list(images)
    return list(images)
