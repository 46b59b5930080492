"""What the model ships of WordNet: the ImageNet classes below each noun lemma, and a describing
sentence per class, built here from Debian's WordNet 3.0 and stored as package data.

- ``_data/imagenet_hyponyms.json``: every lower-case lemma of every ImageNet class and of its
  ancestors → the sorted class indices below it (:meth:`WordNet.imagenet_classes_below`), so the
  model knows that ``animal`` covers 398 classes and ``tool`` 40 without WordNet installed;
- ``_data/imagenet_descriptions.txt``: per class, in class order, ``name, 3 nearest ancestors: gloss``
  (``tench, cyprinid, cyprinid fish, soft-finned fish: freshwater dace-like game fish ...``): what
  the model's ConSE terms compare labels with, so a phrase such as ``something you can eat`` or
  ``lives in water`` finds the classes whose description says so.

``python scripts/imagenet_hierarchy.py`` writes both; a test checks the shipped files are current.
"""

from __future__ import annotations

from .wordnet import WordNet

DESCRIPTION_ANCESTORS = 3


def hyponym_table(wordnet: WordNet) -> dict[str, list[int]]:
    """Lemma → ImageNet classes below it, for every lemma on an ImageNet class's way to the root."""
    lemmas = {
        lemma
        for synset in wordnet.imagenet_synsets
        for s in (synset, *wordnet.ancestors(synset))
        for lemma in s.lemmas
        if lemma == lemma.lower()
    }
    table = {lemma: wordnet.imagenet_classes_below(lemma) for lemma in sorted(lemmas)}
    return {lemma: classes for lemma, classes in table.items() if classes}


def class_descriptions(wordnet: WordNet, names: list[str]) -> list[str]:
    """One line per class: its name, its nearest ancestors' lemmas and its gloss."""
    lines = []
    for index, (name, synset) in enumerate(zip(names, wordnet.imagenet_synsets, strict=True)):
        words = [name, *wordnet.ancestor_lemmas(index)[:DESCRIPTION_ANCESTORS]]
        lines.append(" ".join(f"{', '.join(words)}: {synset.gloss}".split()))
    return lines
