"""Write vsexplore/_data/imagenet_hyponyms.json, imagenet_descriptions.txt and vocabulary.txt (the
open vocabulary: WordNet's common nouns and adjectives) from Debian's WordNet 3.0."""

from __future__ import annotations

import json
from pathlib import Path

from vsexplore.backbones import imagenet_classes
from vsexplore.data.imagenet_hierarchy import class_descriptions, hyponym_table
from vsexplore.data.wordnet import load_wordnet

OUT = Path(__file__).resolve().parents[1] / "vsexplore" / "_data"


def main() -> None:
    wordnet = load_wordnet()
    table = hyponym_table(wordnet)
    lines = [f"{json.dumps(lemma)}: {json.dumps(classes)}" for lemma, classes in table.items()]
    (OUT / "imagenet_hyponyms.json").write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    descriptions = class_descriptions(wordnet, list(imagenet_classes()))
    (OUT / "imagenet_descriptions.txt").write_text("\n".join(descriptions) + "\n", encoding="utf-8")
    words = wordnet.common_lemmas()
    (OUT / "vocabulary.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(table)} lemmas, {len(descriptions)} descriptions, {len(words)} vocabulary words → {OUT}")


if __name__ == "__main__":
    main()
