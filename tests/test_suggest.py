"""The Suggest widget labels a store of real photos: each click is written at once, undo reverts the last."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import vsexplore as vx  # noqa: E402
from vsexplore.data.benchmark import benchmark_photos  # noqa: E402
from vsexplore.errors import LabelError  # noqa: E402
from vsexplore.widgets import Suggest  # noqa: E402

TAG = "animal"


@pytest.fixture
def col(tmp_path):
    photos = benchmark_photos("dev", kinds=("stamp", "pypi"))
    return vx.Collection.build([p.path for p in photos], store=tmp_path / "photos.vsx", progress=False)


def decided(col) -> set[int]:
    return {*col.tags.get(TAG, []), *col.rejections.get(TAG, [])}


def click(s: Suggest, decision: str, k: int = 0) -> int:
    """Click ``decision`` under the k-th candidate; returns the image it was for."""
    i = int(s.candidates[k])
    s.controls[k][decision].click()
    assert not decided(s.col) & set(s.candidates.tolist()), "a decided image is still a candidate"
    return i


def test_accept_reject_undo_are_written_to_the_store(col):
    s = Suggest(col, TAG, n=6)
    assert len(s.candidates) == 6 and s.undo_button.disabled
    assert s.counter.value == "tagged 0 · rejected 0 · seen 0"
    # no tagged image yet: ranked by the word's zero-shot score
    first = col.scores([TAG])[:, 0]
    assert list(first[s.candidates]) == sorted(first, reverse=True)[:6]

    accepted = [click(s, "accept") for _ in range(3)]
    assert len(set(accepted)) == 3
    assert vx.Collection.open(col.url).tags == {TAG: sorted(accepted)}  # written at once
    # from the first tagged image on, candidates follow the learned axis, refitted after each decision
    learned = col.learned_axis(TAG)
    assert list(learned[s.candidates]) == sorted(learned[sorted(set(range(len(col))) - set(accepted))],
                                                 reverse=True)[:6]

    rejected = click(s, "reject", k=1)
    assert vx.Collection.open(col.url).rejections == {TAG: [rejected]}
    assert s.counter.value == "tagged 3 · rejected 1 · seen 4"
    s.undo_button.click()  # the reject: forgotten in the store
    reopened = vx.Collection.open(col.url)
    assert reopened.tags == {TAG: sorted(accepted)}
    assert reopened.rejections == {}
    assert s.counter.value == "tagged 3 · rejected 0 · seen 3"
    assert rejected in s.candidates
    assert not decided(col) & set(s.candidates.tolist())

    skipped = click(s, "skip")  # a skip is not stored; it only leaves the candidates until undone
    assert skipped not in s.candidates and s.counter.value == "tagged 3 · rejected 0 · seen 4"
    s.undo_button.click()
    assert skipped in s.candidates and vx.Collection.open(col.url).rejections == {}

    for _ in accepted:  # undo everything: the store is as it was, and there is nothing left to undo
        s.undo_button.click()
    assert vx.Collection.open(col.url).tags == {} and s.undo_button.disabled
    s.undo()
    assert s.status.value == "nothing to undo"


def test_the_buttons_sit_under_each_thumbnail_with_their_classes(col):
    s = Suggest(col, TAG, n=4)
    items = s.gallery.grid.children
    assert len(items) == len(s.controls) == 4
    for item, buttons in zip(items, s.controls, strict=True):
        assert "vsx-suggest-item" in item._dom_classes and "vsx-gallery-item" in item._dom_classes
        row = item.children[-1]
        assert list(row.children) == list(buttons.values())
        assert [b._dom_classes[-1] for b in row.children] == [
            "vsx-suggest-accept", "vsx-suggest-reject", "vsx-suggest-skip"]
    assert "vsx-suggest-counter" in s.counter._dom_classes
    assert "vsx-suggest-undo" in s.undo_button._dom_classes


def test_a_tag_the_encoder_cannot_read_says_what_to_do(col, monkeypatch):
    def unreadable(labels):
        raise LabelError(f"labels {labels} encode to a zero or non-finite vector; rephrase them")

    monkeypatch.setattr(col, "scores", unreadable)  # as a GloVe encoder does with a code or a name
    s = Suggest(col, "zx-2931")
    assert "tag one image with col.tag([i], 'zx-2931')" in s.status.value, s.status.value
    assert len(s.candidates) == s.n  # still something to decide on, in collection order
    col.tag([0], "zx-2931")
    s.refresh()  # now the learned axis ranks the rest (without the word's prior)
    assert s.status.value == "" and 0 not in s.candidates
    with pytest.raises(ValueError, match="non-empty tag"):
        Suggest(col, "  ")


def test_keys_decide_on_the_highlighted_candidate_and_undo(col):
    """What the browser's keydown events (ipyevents) call: a / r / s on the highlighted candidate,
    arrows move the highlight, u undoes; other keys do nothing."""
    s = Suggest(col, TAG, n=5)
    assert s.key_events.source is s and s.key_events.watched_events == ["keydown"]
    items = s.gallery.grid.children
    current = [k for k, item in enumerate(items) if "vsx-suggest-current" in item._dom_classes]
    assert current == [0] == [s.cursor]
    s.press("ArrowRight")
    s.press("ArrowRight")
    second = int(s.candidates[2])
    assert s.cursor == 2 and "vsx-suggest-current" in s.gallery.grid.children[2]._dom_classes
    s.press("a")
    assert col.tags == {TAG: [second]} and second not in s.candidates
    assert s.cursor == 2  # the highlight stays where it was: the next candidate moved under it
    s.press("ArrowLeft")
    rejected = int(s.candidates[1])
    s.press("r")
    assert col.rejections == {TAG: [rejected]}
    s.press("q")
    s.press("Enter")
    assert s.counter.value == "tagged 1 · rejected 1 · seen 2"
    s.press("u")
    assert col.rejections == {} and rejected in s.candidates
    s.press("ArrowLeft")
    s.press("ArrowLeft")  # wraps around to the last candidate
    assert s.cursor == len(s.candidates) - 1
