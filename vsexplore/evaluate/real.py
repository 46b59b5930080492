"""The real-photo benchmark's measures: how well a scorer names, sorts and groups real photos.

One score matrix per scorer (photos × every text of the vocabulary: fine labels, category words,
descriptive phrases), scored once; every measure is read from it:

- ``top1`` / ``top5``: the photo's label among the fine labels' top 1 / 5;
  ``notimagenet_top5`` the same over photos whose label is not an ImageNet class name;
- ``lrap``: per photo, the AP of ranking fine labels and category words (positives: its label and
  its categories), averaged over photos;
- ``label_map``, ``category_map``, ``phrase_map``: per text, the AP of ranking all photos by it
  (what a projection or a search along that text shows), averaged over texts with a positive;
- ``category_top1``: the best-scoring category word is one of the photo's; ``max_label_share``:
  the largest fraction of photos on which one category word ranks first (1/number of words when
  scores are comparable, near 1 when one broad word wins everywhere).

All fractions in [0, 1]. Pure numpy: the scorer runs outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .metrics import label_ranking_ap, mean_average_precision


@dataclass(frozen=True)
class Truth:
    """What is true of each photo, as boolean matrices over the vocabulary's three kinds of text."""

    labels: list[str]  # fine labels (columns of ``fine``)
    categories: list[str]
    phrases: list[str]
    fine: np.ndarray  # (N, labels) exactly one True per photo
    category: np.ndarray  # (N, categories)
    phrase: np.ndarray  # (N, phrases)
    not_imagenet: np.ndarray  # (N,) the photo's label is not an ImageNet class name

    @property
    def texts(self) -> list[str]:
        """Every text a scorer is asked about, in column order: labels, categories, phrases."""
        return [*self.labels, *self.categories, *self.phrases]


def top_k_hit(scores: np.ndarray, truth: np.ndarray, k: int) -> np.ndarray:
    """(N,) whether a true column is among each row's k best (ties broken by column order)."""
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(truth, best, axis=1).any(axis=1)


def measures(scores: np.ndarray, truth: Truth) -> dict[str, float]:
    """Every benchmark measure of one scorer; ``scores`` (N, len(truth.texts))."""
    n_fine, n_cat = len(truth.labels), len(truth.categories)
    fine = scores[:, :n_fine]
    category = scores[:, n_fine : n_fine + n_cat]
    phrase = scores[:, n_fine + n_cat :]
    top5 = top_k_hit(fine, truth.fine, 5)
    has_category = truth.category.any(axis=1)
    winner = category.argmax(axis=1)
    return {
        "top1": float(top_k_hit(fine, truth.fine, 1).mean()),
        "top5": float(top5.mean()),
        "notimagenet_top5": float(top5[truth.not_imagenet].mean()) if truth.not_imagenet.any() else np.nan,
        "lrap": label_ranking_ap(np.hstack([fine, category]), np.hstack([truth.fine, truth.category])),
        "label_map": mean_average_precision(fine, truth.fine),
        "category_map": mean_average_precision(category, truth.category),
        "phrase_map": mean_average_precision(phrase, truth.phrase),
        "category_top1": float(top_k_hit(category, truth.category, 1)[has_category].mean()),
        "max_label_share": float(np.bincount(winner, minlength=n_cat).max() / len(winner)),
    }


def truth_of(photo_labels: Sequence[str], labels: Sequence[str], label_categories: dict[str, Sequence[str]],
             label_phrases: dict[str, Sequence[str]], categories: Sequence[str], phrases: Sequence[str],
             imagenet_names: set[str]) -> Truth:
    """Truth matrices from each photo's fine label and the vocabulary's per-label tables."""
    column = {name: j for j, name in enumerate(labels)}
    unknown = sorted(set(photo_labels) - set(column))
    if unknown:
        raise ValueError(f"photo labels {unknown} are not in the vocabulary's labels")
    fine = np.zeros((len(photo_labels), len(labels)), bool)
    fine[np.arange(len(photo_labels)), [column[lab] for lab in photo_labels]] = True
    category = np.array([[c in label_categories.get(lab, ()) for c in categories] for lab in photo_labels],
                        bool).reshape(len(photo_labels), len(categories))
    phrase = np.array([[p in label_phrases.get(lab, ()) for p in phrases] for lab in photo_labels],
                      bool).reshape(len(photo_labels), len(phrases))
    not_imagenet = np.array([lab not in imagenet_names for lab in photo_labels], bool)
    return Truth(list(labels), list(categories), list(phrases), fine, category, phrase, not_imagenet)


class StoredScores:
    """A scorer reading scores the way a collection does: the photos embedded into a store (in a
    temporary folder), every text then scored from the stored vectors."""

    def __init__(self, model=None):
        self.model = model

    def score(self, images, texts) -> np.ndarray:
        import tempfile

        from ..store import Collection

        with tempfile.TemporaryDirectory() as folder:
            col = Collection.build(list(images), store=f"{folder}/benchmark.vsx", model=self.model,
                                   progress=False)
            if col.paths != [str(i) for i in images]:
                raise ValueError(f"could not embed {sorted(set(map(str, images)) - set(col.paths))}")
            return col.scores(list(texts))


def benchmark_truth(photos, vocab) -> Truth:
    """:class:`Truth` of benchmark photos (:mod:`vsexplore.data.benchmark`) over its vocabulary."""
    from ..backbones import imagenet_classes

    return truth_of([p.label for p in photos], vocab.labels, vocab.label_categories, vocab.label_phrases,
                    vocab.categories, vocab.phrases, set(imagenet_classes()))


def evaluate_real(scorers: dict, photos, vocab) -> dict:
    """``{"n": photos, "scorers": [{"name", measures...}, ...]}`` for scorers with a ``score(images,
    texts)`` method (``vx.ConSE()``, models), all on the same photos and texts."""
    truth = benchmark_truth(photos, vocab)
    images = [p.path for p in photos]
    rows = []
    for name, scorer in scorers.items():
        scores = np.asarray(scorer.score(images, truth.texts), dtype=np.float64)
        rows.append({"name": name, **measures(scores, truth)})
    return {"n": len(photos), "scorers": rows}
