"""WordNet 3.0 from Debian's ``wordnet-base`` files: noun synsets, hypernyms, ImageNet classes, vocabulary.

Design: the plain-text database (``data.noun``, ``index.noun``, ``data.adj``, ``index.adj``, see ``man 5
wndb``) is parsed once per folder (:func:`load_wordnet` is cached by the resolved folder). Only what the
package needs is kept: noun synsets with their lemmas, gloss and hypernym pointers (``@`` and the instance
hypernym ``@i``), each lemma's noun senses in sense order, and each lemma's sense and tagged-sense counts
(nouns and adjectives) for the vocabulary. Hyponyms are the inverted hypernyms, built on first use.

The folder is ``root=``, else ``$VSEXPLORE_WORDNET``, else ``/usr/share/wordnet``; nothing is downloaded,
a missing file raises :class:`~vsexplore.errors.WordNetUnavailable` saying how to install it.

ImageNet-1k: ``vsexplore/_data/imagenet_synsets.txt`` is timm's ``imagenet_synsets.txt`` (class order;
``n02123045`` is noun offset 2123045 of WordNet 3.0), copied so that reading it imports neither timm
nor torch.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from ..errors import WordNetUnavailable

DEFAULT_ROOT = Path("/usr/share/wordnet")
ROOT_VARIABLE = "VSEXPLORE_WORDNET"
FILES = ("data.noun", "index.noun", "data.adj", "index.adj")
HYPERNYM_POINTERS = frozenset({"@", "@i"})
# The top of the noun hierarchy, too generic to teach or to name anything: never an ancestor lemma.
GENERIC_SYNSETS = {
    1740: "entity",
    1930: "physical entity",
    2137: "abstraction",
    2452: "thing",
    2684: "object",
    3553: "whole",
    4258: "living thing",
    4475: "organism",
    7347: "causal agent",
    20827: "matter",
}
_COMMON_LEMMA = re.compile(r"[a-z]+(?:[ '-][a-z]+)*")
_ADJECTIVE_MARKER = re.compile(r"\((?:a|p|ip)\)$")  # syntactic marker after an adjective: "big(a)"


@dataclass(frozen=True)
class Synset:
    """A noun synset: its offset in ``data.noun``, lemmas (spaces, not underscores), gloss, hypernyms."""

    offset: int
    lemmas: tuple[str, ...]
    gloss: str
    hypernyms: tuple[int, ...]

    @property
    def id(self) -> str:
        """The ImageNet-style id, ``n`` and the offset in eight digits: ``n02084071``."""
        return f"n{self.offset:08d}"

    @property
    def name(self) -> str:
        """The first lemma."""
        return self.lemmas[0]


class LemmaCounts(NamedTuple):
    """How common a lemma is: its number of senses and of senses tagged in the SemCor corpus."""

    senses: int
    tagged: int


class WordNet:
    """The parsed noun hierarchy, lemma index and vocabulary counts of one WordNet 3.0 folder."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        missing = [name for name in FILES if not (self.root / name).is_file()]
        if missing:
            raise WordNetUnavailable(
                f"WordNet 3.0 files {', '.join(missing)} not found in {self.root}: install the Debian "
                f"package wordnet-base (`sudo apt-get install wordnet-base`) or set {ROOT_VARIABLE} to a "
                f"folder holding {', '.join(FILES)}"
            )
        self.synsets: dict[int, Synset] = {s.offset: s for s in _read_noun_synsets(self.root / "data.noun")}
        self.noun_senses, noun_counts = _read_index(self.root / "index.noun")
        _, adjective_counts = _read_index(self.root / "index.adj")
        lowercase_nouns = {w for s in self.synsets.values() for w in s.lemmas if w.islower()}
        lowercase_adjectives = {w for w in _read_adjective_words(self.root / "data.adj") if w.islower()}
        spelled_lowercase = ((noun_counts, lowercase_nouns), (adjective_counts, lowercase_adjectives))
        self.lemma_counts: dict[str, LemmaCounts] = _merge_counts(
            {lemma: c for lemma, c in counts.items() if lemma in lowercase}
            for counts, lowercase in spelled_lowercase
        )

    def synset(self, key: int | str) -> Synset:
        """The noun synset of an offset (``2084071``) or an ImageNet-style id (``"n02084071"``)."""
        return self.synsets[int(key[1:]) if isinstance(key, str) else key]

    def noun_synsets(self, lemma: str) -> list[Synset]:
        """The noun synsets of ``lemma`` (``"musical instrument"`` or ``musical_instrument``), in sense order;
        only those spelling it in lower case, so ``"bird"`` skips Charlie Parker (``Bird``)."""
        key = "_".join(lemma.lower().split())
        spelled = key.replace("_", " ")
        senses = (self.synsets[offset] for offset in self.noun_senses.get(key, ()))
        return [s for s in senses if spelled in s.lemmas]

    def ancestors(self, synset: Synset) -> list[Synset]:
        """The transitive hypernyms of ``synset`` (instance hypernyms included), nearest first."""
        return [self.synsets[o] for o in _breadth_first(synset.offset, lambda o: self.synsets[o].hypernyms)]

    def descendants(self, synset: Synset) -> list[Synset]:
        """The transitive hyponyms of ``synset`` (instances included), nearest first."""
        return [self.synsets[o] for o in _breadth_first(synset.offset, lambda o: self._hyponyms.get(o, ()))]

    @cached_property
    def _hyponyms(self) -> dict[int, list[int]]:
        hyponyms: dict[int, list[int]] = {}
        for synset in self.synsets.values():
            for parent in synset.hypernyms:
                hyponyms.setdefault(parent, []).append(synset.offset)
        return hyponyms

    @cached_property
    def imagenet_synsets(self) -> tuple[Synset, ...]:
        """The 1,000 ImageNet-1k classes' synsets, in class order."""
        ids = (resources.files("vsexplore") / "_data" / "imagenet_synsets.txt").read_text().split()
        return tuple(self.synset(i) for i in ids)

    @cached_property
    def _imagenet_closures(self) -> tuple[frozenset[int], ...]:
        """Per class, the offsets of its synset and all its ancestors."""
        return tuple(
            frozenset([s.offset, *(a.offset for a in self.ancestors(s))]) for s in self.imagenet_synsets
        )

    def imagenet_classes_below(self, label: str) -> list[int]:
        """Sorted indices of the ImageNet classes at or below any noun sense of ``label`` (see
        :meth:`noun_synsets`): ``"dog"`` gives the dog breeds; an unknown label gives ``[]``."""
        senses = {s.offset for s in self.noun_synsets(label)}
        return [i for i, closure in enumerate(self._imagenet_closures) if closure & senses]

    def ancestor_lemmas(self, class_index: int) -> list[str]:
        """The lemmas of ImageNet class ``class_index``'s ancestors, nearest first, without the
        :data:`GENERIC_SYNSETS` and without lemmas holding capitals or digits (``Canis familiaris``)."""
        lemmas = (
            lemma
            for synset in self.ancestors(self.imagenet_synsets[class_index])
            if synset.offset not in GENERIC_SYNSETS
            for lemma in synset.lemmas
            if _COMMON_LEMMA.fullmatch(lemma)
        )
        return list(dict.fromkeys(lemmas))

    def common_lemmas(self, min_tagged: int = 1, min_senses: int = 2, max_words: int = 2) -> list[str]:
        """Common English nouns and adjectives (spaces, not underscores): lemmas with at least ``min_tagged``
        senses tagged in the SemCor corpus or at least ``min_senses`` senses, of at most ``max_words``
        lower-case words (no proper names, no digits); most tagged senses first, then most senses, then
        alphabetical."""
        kept = [
            (-c.tagged, -c.senses, lemma)
            for lemma, c in self.lemma_counts.items()
            if (c.tagged >= min_tagged or c.senses >= min_senses)
            and len(lemma.split()) <= max_words
            and _COMMON_LEMMA.fullmatch(lemma)
        ]
        return [lemma for *_, lemma in sorted(kept)]


@lru_cache(maxsize=4)
def _load(root: Path) -> WordNet:
    return WordNet(root)


def load_wordnet(root: str | os.PathLike | None = None) -> WordNet:
    """The WordNet of ``root``, else of ``$VSEXPLORE_WORDNET``, else of ``/usr/share/wordnet``; parsed
    once per folder."""
    return _load(Path(root or os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT).resolve())


def _database_lines(path: Path) -> Iterable[str]:
    """The lines of a WordNet database file, without its licence header (lines starting with two spaces)."""
    with path.open(encoding="utf-8") as lines:
        yield from (line for line in lines if not line.startswith("  "))


def _read_noun_synsets(path: Path) -> Iterable[Synset]:
    for line in _database_lines(path):
        head, _, gloss = line.partition(" | ")
        fields = head.split()
        n_words = int(fields[3], 16)
        pointers_at = 4 + 2 * n_words
        pointers = fields[pointers_at + 1 : pointers_at + 1 + 4 * int(fields[pointers_at])]
        yield Synset(
            offset=int(fields[0]),
            lemmas=tuple(w.replace("_", " ") for w in fields[4:pointers_at:2]),
            gloss=gloss.strip(),
            hypernyms=tuple(
                int(pointers[i + 1]) for i in range(0, len(pointers), 4) if pointers[i] in HYPERNYM_POINTERS
            ),
        )


def _read_adjective_words(path: Path) -> Iterable[str]:
    for line in _database_lines(path):
        fields = line.split()
        words = fields[4 : 4 + 2 * int(fields[3], 16) : 2]
        yield from (_ADJECTIVE_MARKER.sub("", w).replace("_", " ") for w in words)


def _read_index(path: Path) -> tuple[dict[str, tuple[int, ...]], dict[str, LemmaCounts]]:
    """Per lemma (underscores), its synset offsets in sense order and its counts (lemmas with spaces)."""
    senses, counts = {}, {}
    for line in _database_lines(path):
        fields = line.split()
        n_pointers = int(fields[3])
        senses[fields[0]] = tuple(map(int, fields[6 + n_pointers :]))
        counts[fields[0].replace("_", " ")] = LemmaCounts(int(fields[2]), int(fields[5 + n_pointers]))
    return senses, counts


def _merge_counts(tables: Iterable[dict[str, LemmaCounts]]) -> dict[str, LemmaCounts]:
    """The counts of every lemma of ``tables``, summed over the tables holding it (noun and adjective)."""
    merged: dict[str, LemmaCounts] = {}
    for table in tables:
        for lemma, c in table.items():
            old = merged.get(lemma)
            merged[lemma] = c if old is None else LemmaCounts(old.senses + c.senses, old.tagged + c.tagged)
    return merged


def _breadth_first(start: int, neighbours: Callable[[int], Iterable[int]]) -> list[int]:
    """The offsets reachable from ``start`` through ``neighbours``, nearest first, ``start`` excluded."""
    seen, order, queue = {start}, [], deque([start])
    while queue:
        for nxt in neighbours(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order
