"""Labels through WordNet's hierarchy: the ImageNet classes below a label, and each class described.

A category word (``animal``, ``tool``, ``vehicle``) names hundreds of ImageNet classes that the
backbone's classifier already tells apart; the *mass* of a label in an image is the probability
the classifier puts on the classes below it. Which classes lie below which noun is package data
built from WordNet 3.0 (:mod:`vsexplore.data.imagenet_hierarchy`), so nothing here needs WordNet
installed: ``_data/imagenet_hyponyms.json`` (2,920 lemmas) and ``_data/imagenet_descriptions.txt``
(one ``name, ancestors: gloss`` line per class, what a label is compared with in the model's
ConSE term). A label WordNet does not know (a phrase, a name) has no classes and mass 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources

import torch

N_CLASSES = 1000


@cache
def _hyponyms() -> dict[str, tuple[int, ...]]:
    text = (resources.files("vsexplore") / "_data" / "imagenet_hyponyms.json").read_text(encoding="utf-8")
    return {lemma: tuple(classes) for lemma, classes in json.loads(text).items()}


@cache
def class_descriptions() -> tuple[str, ...]:
    """The 1,000 classes' describing sentences, in class order."""
    text = (resources.files("vsexplore") / "_data" / "imagenet_descriptions.txt").read_text(encoding="utf-8")
    return tuple(text.splitlines())


def classes_below(label: str) -> tuple[int, ...]:
    """ImageNet classes at or below the label's noun senses; a plural falls back to its singular."""
    key = " ".join(label.lower().split())
    table = _hyponyms()
    for candidate in (key, *_singulars(key)):
        if candidate in table:
            return table[candidate]
    return ()


def _singulars(key: str) -> list[str]:
    """English plural endings, undone on the last word: berries → berry, boxes → box, dogs → dog."""
    head, _, last = key.rpartition(" ")
    stems = [last[:-3] + "y"] if last.endswith("ies") else []
    stems += [last[:-2]] if last.endswith(("ses", "xes", "zes", "ches", "shes")) else []
    stems += [last[:-1]] if last.endswith("s") and not last.endswith("ss") else []
    return [f"{head} {s}".strip() for s in stems]


def class_mask(labels: Sequence[str]) -> torch.Tensor:
    """(L, 1000) float32: 1 where ImageNet class c lies below label l."""
    mask = torch.zeros(len(labels), N_CLASSES)
    for row, label in enumerate(labels):
        below = classes_below(label)
        if below:
            mask[row, list(below)] = 1.0
    return mask
