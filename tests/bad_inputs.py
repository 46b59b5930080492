"""A corpus of awkward and broken image files, built from scikit-image's real photos.

``build_bad_corpus(root)`` writes the files into ``root`` and returns one :class:`BadInput` per case,
keyed by a short name. Each case says what ``vsexplore.images.load_image`` should do with it:

* ``expect == "ok"``: it decodes to ``upright`` (the RGB picture a viewer shows), within
  ``max_mean_diff`` mean absolute difference per channel value (JPEG and palette losses);
* ``expect == "error"``: it raises ``ImageError`` whose message names the file and contains ``reason``.

The ``vanishing`` case is a real photo that exists when the corpus is built; a test lists it (as a
job would), then makes it vanish with :func:`vanish` before loading it, and expects "no such file".

The ``non_utf8_name`` case is a real photo whose file name holds the byte 0xE9 (Latin-1 "é"), which is
not valid UTF-8. Its path is returned as Python shows such names: a str with a surrogate escape
(``os.fsdecode``), here ``"caf\\udce9.jpg"``. It needs a file system that takes arbitrary bytes (Linux).

Used by tests/test_bad_inputs.py; other tests can take the ``bad_corpus`` fixture from conftest.py.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata

ORIENTATION = 0x0112  # EXIF tag

CASE_NAMES = (
    "empty",
    "truncated_jpeg",
    "truncated_png",
    "text",
    "cmyk_jpeg",
    "png_16bit",
    "palette_transparency",
    "exif_rotated_6",
    "exif_rotated_8",
    "one_pixel",
    "huge_header",
    "vanishing",
    "non_utf8_name",
)


@dataclass(frozen=True)
class BadInput:
    """One corpus file and what loading it should do."""

    path: str  # str, since a non-UTF-8 name only exists as a surrogate-escaped str (or bytes)
    expect: str  # "ok" or "error"
    reason: str = ""  # for "error": a phrase the ImageError message must contain
    upright: np.ndarray | None = None  # for "ok": the H×W×3 uint8 picture it must decode to
    max_mean_diff: float = 0.0  # for "ok": tolerated mean absolute difference against ``upright``

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


def _photo(name: str) -> np.ndarray:
    arr = getattr(skdata, name)()
    return np.stack([arr] * 3, -1) if arr.ndim == 2 else np.ascontiguousarray(arr[..., :3])


def _motorcycle() -> np.ndarray:
    """scikit-image's motorcycle photo, 741×500: wide, and big enough for JPEG draft mode to shrink it."""
    bundled = Path(skdata.__file__).parent / "motorcycle_left.png"
    if bundled.exists():  # skips loading the rest of the stereo pair
        with Image.open(bundled) as img:
            return np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(skdata.stereo_motorcycle()[0][..., :3])


def _jpeg_bytes(img: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def huge_header_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose IHDR claims ``width × height`` 8-bit RGB pixels, followed by a few bytes of data.

    Every chunk CRC is valid, so only the size gives it away. Decoding it fully would need
    ``width × height × 3`` bytes (2.7 GB at 30000×30000).
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, deflate, no interlace
    idat = zlib.compress(b"\x00" + b"\x80" * 3 * 4)  # the first few pixels of one row, then nothing
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def vanish(case: BadInput | str | os.PathLike) -> None:
    """Delete a corpus file, as another process might between listing a folder and reading it."""
    os.remove(case.path if isinstance(case, BadInput) else case)


def build_bad_corpus(root: Path | str) -> dict[str, BadInput]:
    """Write the bad-input corpus into ``root`` (created if needed); return the cases by name.

    Takes about half a second; the keys are :data:`CASE_NAMES`, in that order.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    chelsea, coffee, astronaut = _photo("chelsea"), _photo("coffee"), _photo("astronaut")
    cases: dict[str, BadInput] = {}

    def write(name: str, data: bytes) -> str:
        path = root / name
        path.write_bytes(data)
        return str(path)

    cases["empty"] = BadInput(write("empty.jpg", b""), "error", "empty")

    full = _jpeg_bytes(Image.fromarray(coffee), quality=90)
    cut = full[: int(len(full) * 0.4)]
    cases["truncated_jpeg"] = BadInput(write("truncated.jpg", cut), "error", "truncated")

    buf = io.BytesIO()
    Image.fromarray(chelsea).save(buf, "PNG")
    cut = buf.getvalue()[: int(len(buf.getvalue()) * 0.4)]
    cases["truncated_png"] = BadInput(write("truncated.png", cut), "error", "truncated")

    text = b"Shopping list:\n- cat food\n- coffee\n"
    cases["text"] = BadInput(write("notes.jpg", text), "error", "not an image")

    # PIL writes CMYK JPEGs with an Adobe marker; naive RGB→CMYK→RGB is lossless before JPEG coding
    cmyk = Image.fromarray(astronaut).convert("CMYK")
    cases["cmyk_jpeg"] = BadInput(
        write("cmyk.jpg", _jpeg_bytes(cmyk, quality=95)), "ok", upright=astronaut, max_mean_diff=4.0
    )

    gray = chelsea.mean(-1).round().astype(np.uint8)
    deep = Image.fromarray(gray.astype(np.uint16) * 257)  # 0…255 → 0…65535, mode I;16
    path = str(root / "deep16.png")
    deep.save(path)
    cases["png_16bit"] = BadInput(path, "ok", upright=np.stack([gray] * 3, -1), max_mean_diff=0.5)

    # a real photo quantised to 64 colours; palette index 0 is transparent and must come out white
    pal = Image.fromarray(chelsea).quantize(64)
    path = str(root / "palette.png")
    pal.save(path, transparency=0)
    indices = np.asarray(pal)
    colours = np.array(pal.getpalette()[: 64 * 3], np.uint8).reshape(64, 3)[indices]
    colours[indices == 0] = 255
    cases["palette_transparency"] = BadInput(path, "ok", upright=colours, max_mean_diff=0.0)

    # pixels stored on their side; EXIF says how to turn them upright (6: 90° clockwise, 8: anticlockwise).
    # The photo is wide and over 2 × 224 pixels both ways, so draft_size=224 decodes it at half size.
    motorcycle = _motorcycle()
    for orientation, stored in ((6, Image.Transpose.ROTATE_90), (8, Image.Transpose.ROTATE_270)):
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        sideways = Image.fromarray(motorcycle).transpose(stored)
        data = _jpeg_bytes(sideways, quality=95, exif=exif.tobytes())
        cases[f"exif_rotated_{orientation}"] = BadInput(
            write(f"rotated{orientation}.jpg", data), "ok", upright=motorcycle, max_mean_diff=4.0
        )

    pixel = coffee[200:201, 300:301]
    data = _jpeg_bytes(Image.fromarray(pixel), quality=100, subsampling=0)
    cases["one_pixel"] = BadInput(write("pixel.jpg", data), "ok", upright=pixel, max_mean_diff=3.0)

    cases["huge_header"] = BadInput(write("huge.png", huge_header_png()), "error", "too large")

    cases["vanishing"] = BadInput(
        write("vanishing.jpg", _jpeg_bytes(Image.fromarray(coffee), quality=90)), "error", "no such file"
    )

    name = os.fsencode(root) + b"/caf\xe9.jpg"  # Latin-1 é: not valid UTF-8
    with open(name, "wb") as f:
        f.write(_jpeg_bytes(Image.fromarray(astronaut), quality=95))
    cases["non_utf8_name"] = BadInput(os.fsdecode(name), "ok", upright=astronaut, max_mean_diff=3.0)
    assert tuple(cases) == CASE_NAMES
    return cases
