"""The held-out real photos: never a train-split background (by id and by pixels), plain labels, readable."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import fft
from scipy.ndimage import gaussian_filter
from skimage.feature import match_template

from vsexplore.data.backgrounds import SKIMAGE_PHOTOS, SOURCES, backgrounds
from vsexplore.data.real_photos import PHOTOS, SHORT_SIDE, real_photos, regions
from vsexplore.data.scenes import in_test

CORE = ("sky", "water", "tree", "grass", "person")
# Pixel check, two stages: grey thumbnails (short side COARSE) of one set are scanned for the other's
# images at SCALES (how much of the short side a crop may cover) by normalised cross-correlation; each
# place above CANDIDATE is verified on detail layers (grey minus its blur, short side FINE) over finer
# scales, so smooth skies that correlate everywhere do not count, and above SAME it is the same photo.
COARSE, FINE = 32, 128
SCALES = (1.0, 0.84, 0.71, 0.6, 0.5)
CANDIDATE, SAME = 0.85, 0.7


@pytest.fixture(scope="session")
def records():
    return real_photos()


@pytest.fixture(scope="session")
def train_views() -> list[Path]:
    return [b.path for b in backgrounds() if not in_test(b.source)]


@cache
def _grey(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.draft("L", (im.width // 2, im.height // 2))
        return im.convert("L")


def _thumb(path: Path, short: float, detail: bool = False) -> np.ndarray:
    """A grey float thumbnail with short side ``short``; ``detail`` keeps only what a blur removes."""
    image = _grey(path)
    scale = short / min(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    array = np.asarray(image.resize(size, Image.Resampling.BOX), np.float32)
    return array - gaussian_filter(array, 2.0) if detail else array


class _Mosaic:
    """Coarse thumbnails in one noise-filled grid, scanned by FFT cross-correlation in one pass."""

    def __init__(self, paths: list[Path], per_row: int = 12):
        thumbs = [_thumb(p, COARSE) for p in paths]
        self.paths, self.per_row = paths, per_row
        self.cell = (max(t.shape[0] for t in thumbs) + 2, max(t.shape[1] for t in thumbs) + 2)
        rows = -(-len(thumbs) // per_row)
        grid = np.random.default_rng(0).uniform(0, 255, (rows * self.cell[0], per_row * self.cell[1]))
        for i, t in enumerate(thumbs):
            y, x = (i // per_row) * self.cell[0], (i % per_row) * self.cell[1]
            grid[y : y + t.shape[0], x : x + t.shape[1]] = t
        self.grid = grid
        self.size = tuple(fft.next_fast_len(n) for n in grid.shape)
        self.spectrum = fft.rfft2(grid, s=self.size, workers=-1)
        padded = np.pad(grid, ((1, 0), (1, 0)))
        self.sums = padded.cumsum(0).cumsum(1), (padded**2).cumsum(0).cumsum(1)

    def candidates(self, template: np.ndarray) -> set[int]:
        """Indices of the images holding a place that correlates above ``CANDIDATE`` with ``template``."""
        (height, width), (h, w) = self.grid.shape, template.shape
        centred = template - template.mean()
        norm = np.sqrt((centred**2).sum())
        if h > self.cell[0] or w > self.cell[1] or norm < 1e-3:
            return set()
        spectrum = self.spectrum * np.conj(fft.rfft2(centred, s=self.size, workers=-1))
        product = fft.irfft2(spectrum, s=self.size, workers=-1)[: height - h + 1, : width - w + 1]
        s1, s2 = (s[h:, w:] - s[:-h, w:] - s[h:, :-w] + s[:-h, :-w] for s in self.sums)
        ncc = product / (np.sqrt(np.maximum(s2 - s1**2 / (h * w), 1e-6)) * norm)
        ys, xs = np.nonzero(ncc > CANDIDATE)
        cells = (ys // self.cell[0]) * self.per_row + xs // self.cell[1]
        return {int(c) for c in cells if c < len(self.paths)}


def _verify(template: Path, image: Path, scale: float) -> float:
    """Best detail-layer correlation of ``template`` inside ``image`` around ``scale``."""
    big, best = _thumb(image, FINE, detail=True), 0.0
    for factor in np.linspace(scale * 0.88, scale * 1.12, 9):
        small = _thumb(template, FINE * factor, detail=True)
        if small.shape[0] <= big.shape[0] and small.shape[1] <= big.shape[1]:
            best = max(best, float(match_template(big, small).max()))
    return best


def _overlap(templates: list[Path], mosaic: _Mosaic) -> dict[Path, float]:
    """For each image, how surely it (or a crop of at least half its size) is inside a mosaic image."""
    return {
        path: max(
            [0.0]
            + [
                _verify(path, mosaic.paths[cell], scale)
                for scale in SCALES
                for cell in mosaic.candidates(_thumb(path, COARSE * scale))
            ]
        )
        for path in templates
    }


def test_ids_are_held_out():
    """No id or original file is a train-split background; background files used are test-split."""
    by_file = {(pkg, path): f"{pkg}/{name}" for pkg, files in SOURCES.items() for name, path in files.items()}
    by_file |= {("scikit-image", f): f"scikit-image/{Path(f).stem}" for f in SKIMAGE_PHOTOS}
    train_ids = {source for source in by_file.values() if not in_test(source)}
    for pid, photo in PHOTOS.items():
        assert pid not in train_ids, pid
        background = by_file.get((photo["source"], photo["path"]))
        assert background is None or (background == pid and in_test(pid)), pid


def test_labels_are_plain_known_words(glove):
    vocab = glove.vectors.key_to_index
    for pid, photo in PHOTOS.items():
        labels = photo["labels"]
        assert 1 <= len(labels) <= 8 and len(set(labels)) == len(labels), pid
        for label in labels:
            assert isinstance(label, str) and label == label.strip().lower() and label, (pid, label)
            assert all(word in vocab for word in label.split()), (pid, label)


def test_core_labels_and_regions():
    counts = Counter(label for photo in PHOTOS.values() for label in photo["labels"])
    assert all(counts[label] >= 5 for label in CORE), {label: counts[label] for label in CORE}
    with_regions = [pid for pid, photo in PHOTOS.items() if photo["regions"]]
    assert len(with_regions) >= 10
    for pid in with_regions:
        for label, boxes in regions(pid).items():
            assert label in CORE and label in PHOTOS[pid]["labels"], (pid, label)
            assert boxes and all(0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 for x0, y0, x1, y1 in boxes), pid


def test_real_photos_are_readable(records):
    assert [r.labels for r in records] == [list(PHOTOS[pid]["labels"]) for pid in sorted(PHOTOS)]
    for record in records:
        with Image.open(record.path) as im:
            im.load()
            assert im.mode == "RGB" and min(im.size) <= SHORT_SIDE, record.path
            width, height = im.size
        for boxes in record.boxes.values():
            assert all(0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height for x0, y0, x1, y1 in boxes)
    assert real_photos() == records  # idempotent: a second call rewrites nothing and agrees


def test_no_photo_shows_train_background_pixels(records, train_views, tmp_path):
    photos = [Path(r.path) for r in records]
    views_mosaic, photos_mosaic = _Mosaic(train_views), _Mosaic(photos)
    # the check finds what it must: a crop of a train view, and a test photo's own views in the photo
    crop = tmp_path / "crop.png"
    with Image.open(train_views[0]) as im:
        im.crop((im.width // 5, im.height // 4, im.width * 4 // 5, im.height)).save(crop)
    assert _overlap([crop], views_mosaic)[crop] > SAME
    own_views = [b.path for b in backgrounds() if b.source == "opencv-doc/001"]
    assert min(_overlap(own_views, photos_mosaic).values()) > SAME
    # no photo (or half-size crop of one) is in a train view; no train view is in a photo
    inside_views = _overlap(photos, views_mosaic)
    inside_photos = _overlap(train_views, photos_mosaic)
    assert max(inside_views.values()) < SAME, max(inside_views, key=inside_views.get)
    assert max(inside_photos.values()) < SAME, max(inside_photos, key=inside_photos.get)
