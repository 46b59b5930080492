"""The gallery's "words" toggle: each drawn photo's best vocabulary words under it (real photos, a store)."""

from __future__ import annotations

import time
from html import escape

import pytest

w = pytest.importorskip("ipywidgets")

import vsexplore as vx  # noqa: E402
from vsexplore.data.benchmark import benchmark_photos  # noqa: E402
from vsexplore.errors import StoreError  # noqa: E402
from vsexplore.store import naming  # noqa: E402
from vsexplore.widgets import Gallery, Suggest  # noqa: E402
from vsexplore.widgets.gallery import GALLERY_LIMIT, WORDS  # noqa: E402


@pytest.fixture(scope="module")
def col(tmp_path_factory):
    photos = benchmark_photos("dev", kinds=("stamp", "pypi"))
    store = tmp_path_factory.mktemp("gallery-words") / "photos.vsx"
    return vx.Collection.build([p.path for p in photos], store=store, progress=False)


@pytest.fixture(scope="module")
def best(col):
    """best(i): image i's words from col.suggest_labels(i, 3), each image asked once (~0.3 s a call)."""
    asked: dict[int, list[str]] = {}

    def words(i: int) -> list[str]:
        if int(i) not in asked:
            asked[int(i)] = [word for word, _ in col.suggest_labels(int(i), WORDS)]
        return asked[int(i)]

    return words


def shown_words(gallery: Gallery) -> list[list[str]]:
    """The words of each drawn image, as the gallery holds them and as its lines say (escaped text)."""
    words = [[word for word, _ in suggested] for suggested in gallery.words]
    lines = gallery.word_lines
    assert len(lines) == len(words) == len(gallery.grid.children)
    for line, these in zip(lines, words, strict=True):
        assert f">{escape(' · '.join(these))}</span>" in line.value and 'title="best words: ' in line.value
    return words


def test_batched_suggestions_are_the_one_image_ones(col, monkeypatch):
    indices = [*range(len(col) - 1, -1, -1), 0]  # every image, backwards, one twice
    monkeypatch.setattr(naming, "IMAGE_BLOCK", 7)  # several blocks, the last one short
    many = col.suggest_many(indices, 5)
    assert len(many) == len(indices) and many[-1] == many[-2]  # image 0, twice
    for i, suggested in zip(indices, many, strict=True):
        single = col.suggest_labels(i, 5)
        assert [w for w, _ in suggested] == [w for w, _ in single]
        assert [s for _, s in suggested] == pytest.approx([s for _, s in single], abs=1e-5)
    assert col.suggest_many([], 5) == []


def test_toggle_shows_the_drawn_photos_best_words_then_takes_them_away(col, best):
    g = Gallery(col, limit=12)
    g.show(range(20), captions=[f"caption {i}" for i in range(20)])
    assert not g.words_toggle.disabled and "vsx-gallery-words" in g.words_toggle._dom_classes
    assert g.words_toggle.description == "words" and "best 3 words" in g.words_toggle.tooltip
    assert g.word_lines == []
    start = time.perf_counter()
    g.words_toggle.value = True
    print(f"toggle on → words for 12 images: {1000 * (time.perf_counter() - start):.0f} ms")
    expected = [best(i) for i in range(12)]  # the drawn images only, not all 20
    assert shown_words(g) == expected
    assert len({tuple(words) for words in expected}) >= 10  # not one list for every photo
    for item, image, line in zip(g.grid.children, g.images, g.word_lines, strict=True):
        assert item.children[0] is image and isinstance(image, w.Image)
        assert item.children[2].value.startswith("caption ") and item.children[3] is line
        assert "vsx-gallery-words-line" in line._dom_classes
    tip = "best words: " + ", ".join(f"{word} {score:.2f}" for word, score in g.words[0])
    assert f'title="{escape(tip)}"' in g.word_lines[0].value  # the tooltip: words and scores
    g.words_toggle.value = False
    assert g.word_lines == [] == g.words and all(len(item.children) == 3 for item in g.grid.children)
    assert [item.children[-1].value for item in g.grid.children] == [f"caption {i}" for i in range(12)]


def test_show_while_on_recomputes_the_words(col, best):
    g = Gallery(col)
    g.show([0, 1])
    g.words_toggle.value = True
    g.show([5, 9, 13])
    assert shown_words(g) == [best(i) for i in (5, 9, 13)]
    n = min(GALLERY_LIMIT, len(col))
    start = time.perf_counter()
    g.show(range(len(col)))
    print(f"show() of {n} drawn images with words on: {1000 * (time.perf_counter() - start):.0f} ms")
    assert shown_words(g) == [best(i) for i in range(n)]
    g.show([])
    assert g.word_lines == [] and g.summary.value == "no images"


def test_words_sit_above_suggest_buttons_and_follow_its_refresh(col, best):
    s = Suggest(col, "animal", n=4)
    s.gallery.words_toggle.value = True  # after Suggest appended its buttons: words go before them
    for item, line in zip(s.gallery.grid.children, s.gallery.word_lines, strict=True):
        assert item.children[-2] is line and len(item.children[-1].children) == 3
    assert shown_words(s.gallery) == [best(i) for i in s.candidates]
    first = int(s.candidates[0])
    s.controls[0]["accept"].click()  # refresh: show() while on, then the buttons
    assert first not in s.candidates and len(s.candidates) == 4
    assert shown_words(s.gallery) == [best(i) for i in s.candidates]
    assert all(item.children[-2] is line for item, line in zip(s.gallery.grid.children, s.gallery.word_lines,
                                                               strict=True))
    s.controls[1]["skip"].click()  # the buttons of the redrawn items still decide
    assert len(s.history) == 2
    s.undo()
    s.undo()
    assert col.tags.get("animal", []) == []


def test_an_uncalibrated_model_disables_the_toggle(col, monkeypatch):
    monkeypatch.setattr(col.model, "calibration", None)
    g = Gallery(col)
    g.show([0, 1])
    assert g.words_toggle.disabled and "calibrated model" in g.words_toggle.tooltip and g.word_lines == []
    with pytest.raises(StoreError, match="calibrated"):
        col.suggest_many([0], 3)
