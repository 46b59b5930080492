"""The labelling loop on the project's real-photo benchmark (all 191 photos, both splits: nothing here
is tuned on it): learned axes against the zero-shot word axis, clusters that name themselves, and the
open vocabulary's cache.

- Learned axes: for every benchmark text (fine label, category word, phrase) with more than ``k``
  photos, ``DRAWS`` random draws of ``k`` tagged positives; each draw's axis (``col.scores(["#t"])``)
  and the word alone (``col.scores(["t"])``) rank the photos not tagged, side by side; mAP over texts
  and draws, k = 5 and 20.
- Cluster names: ``col.auto_clusters()``; a cluster is named right when one of its 3 names is its
  photos' majority category word, their majority label, or a WordNet ancestor lemma of that label.
- Vocabulary: the second ``load_vocabulary`` in a process (the first reads the on-disk cache).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter

import numpy as np

K = (5, 20)
DRAWS = 5
FLOORS = {5: 10.0, 20: 20.0}  # points of mAP over the zero-shot word axis


def learned_axes(col, truth) -> dict[int, dict[str, float]]:
    from vsexplore.evaluate.metrics import average_precision

    targets = np.hstack([truth.fine, truth.category, truth.phrase])
    rng = np.random.default_rng(0)
    out = {}
    for k in K:
        learned, zero_shot, texts = [], [], 0
        for j, text in enumerate(truth.texts):
            members = np.flatnonzero(targets[:, j])
            if len(members) <= k:
                continue
            texts += 1
            word = col.scores([text])[:, 0]
            for draw in range(DRAWS):
                tag = f"bench {k} {j} {draw}"
                tagged = rng.choice(members, k, replace=False)
                col.tag(tagged, tag)
                rest = np.setdiff1d(np.arange(len(col)), tagged)
                learned.append(average_precision(col.scores([f"#{tag}"])[rest, 0], targets[rest, j]))
                zero_shot.append(average_precision(word[rest], targets[rest, j]))
        out[k] = {"learned": 100 * float(np.mean(learned)), "zero_shot": 100 * float(np.mean(zero_shot)),
                  "texts": texts}
    return out


def cluster_names(col, photos, vocab) -> tuple[float, list[dict]]:
    from vsexplore.data.wordnet import load_wordnet

    wordnet = load_wordnet()
    clustering = col.auto_clusters()
    table = []
    for c, names in enumerate(clustering.names):
        members = [photos[i] for i in np.flatnonzero(clustering.labels == c)]
        label = Counter(p.label for p in members).most_common(1)[0][0]
        categories = Counter(cat for p in members for cat in vocab.label_categories.get(p.label, ()))
        category = categories.most_common(1)[0][0] if categories else None
        ancestors = {lemma.replace("_", " ") for synset in wordnet.noun_synsets(label)
                     for ancestor in wordnet.ancestors(synset) for lemma in ancestor.lemmas}
        right = bool({label, category} & set(names) or ancestors & set(names))
        table.append({"cluster": c, "size": len(members), "names": names, "majority_label": label,
                      "majority_category": category, "named_right": right})
    return float(np.mean([row["named_right"] for row in table])), table


def run() -> list[dict]:
    import vsexplore as vx
    from vsexplore.data.benchmark import benchmark_photos, vocabulary
    from vsexplore.evaluate.real import benchmark_truth
    from vsexplore.vocabulary import load_vocabulary

    photos = benchmark_photos("dev") + benchmark_photos("test")
    vocab = vocabulary()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        col = vx.Collection.build([p.path for p in photos], store=f"{folder}/benchmark.vsx", progress=False)
        load_vocabulary(col.model)
        start = time.perf_counter()
        load_vocabulary(col.model)
        vocabulary_s = time.perf_counter() - start
        share, table = cluster_names(col, photos, vocab)
        axes = learned_axes(col, benchmark_truth(photos, vocab))
    for k, result in axes.items():
        gain = result["learned"] - result["zero_shot"]
        rows.append({"measure": f"learned axis, {k} tagged photos: mAP gain over the zero-shot word axis "
                                f"(points; {result['learned']:.1f} vs {result['zero_shot']:.1f}, "
                                f"{result['texts']} texts x {DRAWS} draws)",
                     "value": round(gain, 1), "floor": FLOORS[k], "better": "higher"})
    rows.append({"measure": f"clusters named right: one of 3 names is the majority category, label or a "
                            f"WordNet ancestor ({sum(r['named_right'] for r in table)} of {len(table)})",
                 "value": round(share, 3), "floor": 0.5, "better": "higher", "table": table})
    rows.append({"measure": "open vocabulary, second load in a process (s)", "value": round(vocabulary_s, 3),
                 "floor": 0.5, "better": "lower"})
    return rows
