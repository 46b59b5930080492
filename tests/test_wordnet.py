"""The WordNet 3.0 reader, on Debian's wordnet-base files (skipped without them, outside CI) and on a tiny
hand-written folder in the same format."""

from __future__ import annotations

import os

import pytest

from vsexplore.data import WordNet, load_wordnet
from vsexplore.errors import VsexploreError, WordNetUnavailable

GOLDEN_RETRIEVER = 207


@pytest.fixture(scope="module")
def wordnet() -> WordNet:
    try:
        return load_wordnet()
    except WordNetUnavailable as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Debian's WordNet is not installed ({missing})")


def test_dog_ancestors_climb_to_animal(wordnet):
    dog = wordnet.noun_synsets("dog")[0]
    assert dog.id == "n02084071" and dog.lemmas == ("dog", "domestic dog", "Canis familiaris")
    assert "domesticated" in dog.gloss
    names = [s.name for s in wordnet.ancestors(dog)]
    assert {"canine", "carnivore", "mammal", "animal"} <= set(names)
    assert names.index("canine") < names.index("carnivore") < names.index("mammal")  # nearest first


def test_descendants_and_synset_lookup(wordnet):
    dog = wordnet.synset("n02084071")
    assert wordnet.synset(2084071) is dog
    below = {s.name for s in wordnet.descendants(dog)}
    assert {"golden retriever", "poodle", "corgi"} <= below and "wolf" not in below


def test_imagenet_classes_below_labels(wordnet):
    dogs = wordnet.imagenet_classes_below("dog")
    assert 118 <= len(dogs) <= 120 and GOLDEN_RETRIEVER in dogs and dogs == sorted(dogs)
    assert 55 <= len(wordnet.imagenet_classes_below("bird")) <= 62
    assert len(wordnet.imagenet_classes_below("vehicle")) >= 30
    instruments = wordnet.imagenet_classes_below("musical instrument")
    assert len(instruments) >= 20 and instruments == wordnet.imagenet_classes_below("musical_instrument")
    assert wordnet.imagenet_classes_below("no such thing here") == []


def test_imagenet_synsets_in_class_order(wordnet):
    classes = wordnet.imagenet_synsets
    assert len(classes) == 1000 and classes[GOLDEN_RETRIEVER].name == "golden retriever"


def test_ancestor_lemmas_of_golden_retriever(wordnet):
    lemmas = wordnet.ancestor_lemmas(GOLDEN_RETRIEVER)
    assert lemmas[0] == "retriever" and {"dog", "animal"} <= set(lemmas)
    assert not {"golden retriever", "entity", "physical entity", "object", "whole"} & set(lemmas)
    assert "Canis familiaris" not in lemmas and len(lemmas) == len(set(lemmas))


def test_common_lemmas_vocabulary(wordnet):
    vocabulary = wordnet.common_lemmas()
    assert len(vocabulary) >= 20_000 and len(vocabulary) == len(set(vocabulary))
    assert {"dog", "beach", "red", "wooden", "musical instrument"} <= set(vocabulary)
    assert "paris" not in vocabulary and not any(c.isdigit() or c.isupper() for w in vocabulary for c in w)
    assert vocabulary == wordnet.common_lemmas()
    assert vocabulary.index("dog") < vocabulary.index("zucchini")  # most tagged first


def test_missing_root_names_the_package(tmp_path, monkeypatch):
    with pytest.raises(WordNetUnavailable, match="wordnet-base") as raised:
        load_wordnet(tmp_path)
    assert isinstance(raised.value, VsexploreError) and isinstance(raised.value, FileNotFoundError)
    assert "apt-get install wordnet-base" in str(raised.value) and str(tmp_path) in str(raised.value)
    monkeypatch.setenv("VSEXPLORE_WORDNET", str(tmp_path / "elsewhere"))
    with pytest.raises(WordNetUnavailable, match="elsewhere"):
        load_wordnet()


def write_tiny_wordnet(root) -> None:
    """Four noun synsets (one an instance) and two adjectives, in the database format of ``man 5 wndb``."""
    licence = "  1 This is a licence line.\n"
    (root / "data.noun").write_text(
        licence
        + "00000001 03 n 01 entity 0 001 ~ 00000002 n 0000 | that which exists\n"
        + "00000002 05 n 02 animal 0 beast 0 002 @ 00000001 n 0000 ~ 00000003 n 0000 | a living organism\n"
        + "00000003 05 n 02 dog 0 Canis_familiaris 0 002 @ 00000002 n 0000 ~i 00000004 n 0000 | barks\n"
        + "00000004 18 n 01 Laika 0 001 @i 00000003 n 0000 | the dog in space\n"
    )
    (root / "index.noun").write_text(
        licence
        + "animal n 1 2 @ ~ 1 1 00000002\n"
        + "beast n 1 1 @ 1 0 00000002\n"
        + "canis_familiaris n 1 1 @ 1 0 00000003\n"
        + "dog n 1 2 @ ~i 1 1 00000003\n"
        + "entity n 1 1 ~ 1 1 00000001\n"
        + "laika n 1 1 @i 1 0 00000004\n"
    )
    (root / "data.adj").write_text(
        licence
        + "00000010 00 a 01 red(a) 0 000 | of the colour of blood\n"
        + "00000011 00 a 01 American 0 000 | of the United States\n"
    )
    (root / "index.adj").write_text(licence + "american a 1 0 1 0 00000011\nred a 1 0 1 1 00000010\n")


def test_tiny_folder_given_as_root(tmp_path):
    write_tiny_wordnet(tmp_path)
    wordnet = load_wordnet(tmp_path)
    assert load_wordnet(str(tmp_path)) is wordnet  # parsed once per folder
    dog, laika = wordnet.synset(3), wordnet.synset("n00000004")
    assert dog.lemmas == ("dog", "Canis familiaris") and dog.gloss == "barks" and laika.hypernyms == (3,)
    assert [s.name for s in wordnet.ancestors(laika)] == ["dog", "animal", "entity"]
    assert [s.name for s in wordnet.descendants(wordnet.synset(1))] == ["animal", "dog", "Laika"]
    assert wordnet.noun_synsets("Dog") == [dog] and wordnet.noun_synsets("laika") == []
    assert wordnet.common_lemmas(min_tagged=1, min_senses=99) == ["animal", "dog", "entity", "red"]
