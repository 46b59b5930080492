"""Every image mode users throw at us becomes the right RGB image, or a clear error naming it."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from photos import photo
from PIL import Image

from vsexplore.images import ImageError, as_list, load_image, to_tensor

CHELSEA = photo("chelsea")


def save(img: Image.Image, path, **kwargs) -> str:
    img.save(path, **kwargs)
    return str(path)


def test_rgb_sources_agree(tmp_path):
    path = save(Image.fromarray(CHELSEA), tmp_path / "c.png")
    from_path = np.asarray(load_image(path))
    assert np.array_equal(from_path, CHELSEA)
    assert np.array_equal(np.asarray(load_image(Image.fromarray(CHELSEA))), CHELSEA)
    assert np.array_equal(np.asarray(load_image(CHELSEA)), CHELSEA)


def test_grayscale_becomes_three_equal_channels(tmp_path):
    gray = CHELSEA.mean(-1).astype(np.uint8)
    for source in (gray, save(Image.fromarray(gray), tmp_path / "g.png")):
        rgb = np.asarray(load_image(source))
        assert rgb.shape == (*gray.shape, 3)
        assert np.array_equal(rgb[..., 0], gray) and np.array_equal(rgb[..., 2], gray)


def test_rgba_transparency_is_composited_on_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:4, :, 3] = 255  # top half opaque red, bottom half transparent
    for source in (rgba, save(Image.fromarray(rgba, "RGBA"), tmp_path / "a.png")):
        rgb = np.asarray(load_image(source))
        assert rgb[0, 0].tolist() == [200, 0, 0]
        assert rgb[7, 7].tolist() == [255, 255, 255]


def test_palette_with_transparency(tmp_path):
    pal = Image.new("P", (6, 6), 0)
    pal.putpalette([0, 0, 255] + [0, 255, 0] + [0] * 762)
    pal.paste(1, (0, 0, 3, 6))
    path = save(pal, tmp_path / "p.png", transparency=0)
    rgb = np.asarray(load_image(path))
    assert rgb[0, 0].tolist() == [0, 255, 0]  # opaque palette colour kept
    assert rgb[0, 5].tolist() == [255, 255, 255]  # transparent index → white, not blue


def test_cmyk_jpeg_colours(tmp_path):
    red = Image.new("RGB", (16, 16), (220, 30, 30))
    path = save(red.convert("CMYK"), tmp_path / "cmyk.jpg", quality=95)
    assert Image.open(path).mode == "CMYK"
    r, g, b = np.asarray(load_image(path)).reshape(-1, 3).mean(0)
    assert r > 180 and g < 80 and b < 80


def test_16_bit_png_is_scaled_not_clipped(tmp_path):
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    path = save(Image.fromarray(ramp), tmp_path / "deep.png")
    assert Image.open(path).mode.startswith("I")
    rgb = np.asarray(load_image(path))[..., 0].astype(int)
    assert rgb.min() == 0 and rgb.max() == 255
    assert abs(rgb[32, 32] - ramp[32, 32] / 257) <= 1  # mid-grey stays mid-grey


def test_exif_rotation_is_applied(tmp_path):
    img = Image.fromarray(CHELSEA)  # 451 wide × 300 high
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = save(img, tmp_path / "rotated.jpg", exif=exif.tobytes(), quality=95)
    shown = load_image(path)
    assert shown.size == (300, 451)
    expected = np.asarray(img.transpose(Image.Transpose.ROTATE_270)).astype(int)
    assert np.abs(np.asarray(shown).astype(int) - expected).mean() < 4


def test_tiny_and_odd_sizes_resize_to_the_input_size():
    for shape in ((1, 1, 3), (3, 1000, 3), (500, 2, 3)):
        x = to_tensor(load_image(np.full(shape, 128, np.uint8)), 224, (0.5,) * 3, (0.5,) * 3)
        assert x.shape == (3, 224, 224) and np.isfinite(x.numpy()).all()


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "not an image"), (b"hello, I am text", "not an image")],
)
def test_unreadable_files_are_named(tmp_path, content, reason):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=f"broken.jpg.*{reason}"):
        load_image(path)


def test_truncated_jpeg_is_named(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(CHELSEA).save(buf, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    with pytest.raises(ImageError, match="cut.jpg.*truncated"):
        load_image(path)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(ImageError, match="nope.jpg.*no such file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="is a folder"):
        load_image(tmp_path)


def test_decompression_bomb_is_refused(tmp_path):
    # a real PNG header claiming 30000×30000 pixels, with almost no data behind it
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    raw = bytearray(buf.getvalue())
    raw[16:24] = (30000).to_bytes(4, "big") * 2
    raw[29:33] = zlib.crc32(bytes(raw[12:29])).to_bytes(4, "big")  # keep the header chunk valid
    path = tmp_path / "bomb.png"
    path.write_bytes(bytes(raw))
    with pytest.raises(ImageError, match="bomb.png.*too large"):
        load_image(path)


def test_bad_arrays_get_clear_errors():
    with pytest.raises(ImageError, match="float32"):
        load_image(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ImageError, match=r"shape \(4, 4, 2\)"):
        load_image(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ImageError, match="int"):
        load_image(42)


def test_as_list_treats_one_image_as_one():
    assert len(as_list(CHELSEA)) == 1
    assert len(as_list(np.stack([CHELSEA, CHELSEA]))) == 2
    assert len(as_list("a.jpg")) == 1 and len(as_list(["a.jpg", "b.jpg"])) == 2
