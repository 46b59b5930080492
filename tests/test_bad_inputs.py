"""The bad-input corpus: every awkward file decodes to the right picture or fails with a clear error.

A clear error is an ImageError whose message names the file in printable form (display_path), says
why, and says what to do.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import CASE_NAMES, BadInput, vanish
from PIL import Image, ImageFile

from vsexplore import images
from vsexplore.images import ImageError, display_path, load_image

DRAFTS = (None, 224)
# the cases that must fail, with what each error message must tell the user to do
ADVICE = {
    "empty": "copy it again",
    "truncated_jpeg": "copy or export it again",
    "truncated_png": "copy or export it again",
    "text": "convert it to JPEG or PNG",
    "huge_header": "shrink it first",
    "vanishing": "check the path",
}
ERRORS = list(ADVICE)
OK = [name for name in CASE_NAMES if name not in ADVICE]


def mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def assert_names_file(message: str, path: str) -> None:
    assert display_path(path) in message
    message.encode("utf-8")  # printable and loggable: no lone surrogates


def test_corpus_holds_what_it_claims(bad_corpus):
    assert tuple(bad_corpus) == CASE_NAMES
    assert {case.expect for case in bad_corpus.values()} == {"ok", "error"}
    assert set(OK) | set(ERRORS) == set(CASE_NAMES)
    assert all(bad_corpus[name].expect == "ok" for name in OK)
    assert all(bad_corpus[name].expect == "error" for name in ERRORS)

    assert os.path.getsize(bad_corpus["empty"].path) == 0
    with open(bad_corpus["text"].path, "rb") as f:
        assert f.read().decode("ascii").startswith("Shopping list")
    with Image.open(bad_corpus["cmyk_jpeg"].path) as img:
        assert img.mode == "CMYK"
    with Image.open(bad_corpus["png_16bit"].path) as img:
        assert img.mode.startswith("I;16") and np.asarray(img).max() > 255
    with Image.open(bad_corpus["palette_transparency"].path) as img:
        assert img.mode == "P" and img.info["transparency"] == 0
        assert (np.asarray(img) == 0).mean() > 0.001  # the transparent colour is used
    for orientation in (6, 8):
        case = bad_corpus[f"exif_rotated_{orientation}"]
        with Image.open(case.path) as img:
            assert img.getexif()[0x0112] == orientation
            assert img.size == case.upright.shape[:2]  # stored sideways: width = upright height
    with Image.open(bad_corpus["one_pixel"].path) as img:
        assert img.size == (1, 1)

    huge = bad_corpus["huge_header"].path
    assert os.path.getsize(huge) < 200
    with open(huge, "rb") as f:
        assert struct.unpack(">II", f.read(24)[16:24]) == (30000, 30000)

    name = os.fsencode(bad_corpus["non_utf8_name"].path)
    assert name.endswith(b"/caf\xe9.jpg") and os.path.exists(name)
    with pytest.raises(UnicodeDecodeError):
        name.decode("utf-8")


@pytest.mark.parametrize("draft_size", DRAFTS)
@pytest.mark.parametrize("name", OK)
def test_ok_cases_decode_to_the_upright_picture(bad_corpus, name, draft_size):
    case: BadInput = bad_corpus[name]
    img = load_image(case.path, draft_size=draft_size)
    assert img.mode == "RGB"
    got = np.asarray(img)
    height, width = case.upright.shape[:2]
    if got.shape[:2] == (height, width):
        expected, tolerance = case.upright, case.max_mean_diff
    else:  # JPEG draft mode decoded it smaller: still upright, same shape, and never below draft_size
        with Image.open(case.path) as stored:
            assert draft_size is not None and stored.format == "JPEG"
        assert min(got.shape[:2]) >= draft_size
        assert got.shape[0] / got.shape[1] == pytest.approx(height / width, rel=0.01)
        expected = np.asarray(Image.fromarray(case.upright).resize(img.size, Image.Resampling.BOX))
        tolerance = case.max_mean_diff + 3.0
    assert mean_diff(got, expected) <= tolerance
    if name.startswith("exif_rotated") and got.shape[0] != got.shape[1]:
        assert mean_diff(got, expected[::-1, ::-1]) > 20  # upside down would fail the test above


def test_draft_mode_really_shrinks_the_rotated_photo(bad_corpus):
    case = bad_corpus["exif_rotated_6"]
    full, draft = load_image(case.path), load_image(case.path, draft_size=224)
    assert full.size == (741, 500)
    assert draft.size == (371, 250)  # decoded at half size, then turned upright


@pytest.mark.parametrize("draft_size", DRAFTS)
@pytest.mark.parametrize("name", [n for n in ERRORS if n != "vanishing"])
def test_error_cases_name_the_file_and_say_what_to_do(bad_corpus, name, draft_size):
    case: BadInput = bad_corpus[name]
    with pytest.raises(ImageError) as caught:
        load_image(case.path, draft_size=draft_size)
    message = str(caught.value)
    assert_names_file(message, case.path)
    assert case.reason in message
    assert ADVICE[name] in message


def test_vanished_file_is_named(bad_corpus, tmp_path):
    shutil.copy(bad_corpus["vanishing"].path, tmp_path)  # the session corpus stays whole
    listed = [str(p) for p in sorted(tmp_path.iterdir())]  # a job lists the folder ...
    assert len(listed) == 1 and load_image(listed[0]).size == (600, 400)
    vanish(listed[0])  # ... and the file is deleted before the job reaches it
    for draft_size in DRAFTS:
        with pytest.raises(ImageError, match="no such file") as caught:
            load_image(listed[0], draft_size=draft_size)
        assert_names_file(str(caught.value), listed[0])
        assert ADVICE["vanishing"] in str(caught.value)


def test_huge_header_is_refused_before_decoding(bad_corpus, monkeypatch):
    def no_decoding(self):
        raise AssertionError("tried to decode a 30000×30000 image")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageError) as caught:
        load_image(bad_corpus["huge_header"].path)
    message = str(caught.value)
    assert "30000×30000" in message and "900,000,000 pixels" in message
    assert "MAX_IMAGE_PIXELS" in message  # the way out, for a file the user trusts


def test_non_utf8_names_in_errors_are_printable(bad_corpus, tmp_path):
    broken = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.jpg")
    missing = os.fsdecode(os.fsencode(tmp_path) + b"/gon\xe9.jpg")
    with open(bad_corpus["truncated_jpeg"].path, "rb") as src, open(broken, "wb") as dst:
        dst.write(src.read())
    for path, reason in ((broken, "truncated"), (missing, "no such file")):
        with pytest.raises(ImageError, match=reason) as caught:
            load_image(path)
        message = str(caught.value)
        assert_names_file(message, path)
        assert "caf\\xe9.jpg" in message or "gon\\xe9.jpg" in message
        print(message, file=io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))  # strict: must not raise


def test_odd_file_kinds_are_named(tmp_path):
    with pytest.raises(ImageError, match="is a folder"):
        load_image(tmp_path, draft_size=224)
    if hasattr(os, "mkfifo"):  # opening a pipe would wait for a writer forever
        os.mkfifo(tmp_path / "pipe.jpg")

        def hung(signum, frame):
            raise AssertionError("load_image waited on a pipe")

        previous = signal.signal(signal.SIGALRM, hung)
        signal.alarm(5)
        try:
            with pytest.raises(ImageError, match="pipe.jpg.*not a regular file"):
                load_image(tmp_path / "pipe.jpg")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def test_unreadable_file_is_named(bad_corpus, tmp_path, monkeypatch):
    path = shutil.copy(bad_corpus["vanishing"].path, tmp_path / "locked.jpg")
    os.chmod(path, 0)
    if sys.platform == "win32" or os.geteuid() == 0:  # root reads files whatever their permissions

        def denied(file, *args, **kwargs):
            raise PermissionError(13, "Permission denied", file)

        monkeypatch.setattr(images, "open", denied, raising=False)
    with pytest.raises(ImageError, match="locked.jpg.*permission denied"):
        load_image(path)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("photos/cat.jpg", "photos/cat.jpg"),
        ("photos/café.jpg", "photos/café.jpg"),  # valid UTF-8 stays readable
        (os.fsdecode(b"photos/caf\xe9.jpg"), "photos/caf\\xe9.jpg"),  # surrogate-escaped byte
        (b"photos/caf\xe9.jpg", "photos/caf\\xe9.jpg"),
        (b"photos/caf\xc3\xa9.jpg", "photos/café.jpg"),
        ("line\nbreak\t.jpg", "line\\nbreak\\t.jpg"),
        ("lone\ud800.jpg", "lone\\ud800.jpg"),  # not from a file name, but must not raise either
    ],
)
def test_display_path_is_printable(path, shown):
    assert display_path(path) == shown
    assert display_path(shown).encode("utf-8")
    if isinstance(path, str):
        assert display_path(Path(path)) == shown
