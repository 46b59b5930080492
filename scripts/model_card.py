"""Print the model card's evaluation tables (markdown) from the JSON reports of `vsexplore eval`.

    python scripts/model_card.py RUNS_DIR

Reads RUNS_DIR/scenes-minilm.json, scenes-glove.json, scenes-448.json and real.json, as written
by scripts/train-shipped.sh.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

NAMES = {
    "factorised.safetensors": "ours, factorised head (shipped, MiniLM)",
    "minilm.safetensors": "ours, conv head (version 1, MiniLM)",
    "pooled.safetensors": "pooled-comparison ablation (MiniLM)",
    "glove.safetensors": "ours, conv head (GloVe-50)",
    "ConSE": "ConSE baseline",
}


def name(key: str, suffix: str = "") -> str:
    return NAMES.get(Path(key).name, key) + suffix


def labelling_rows(report: dict, suffix: str = "") -> list[str]:
    rows = []
    for key, r in report.items():
        cells = [f"{r[s][m]:.1f}" for s in ("unseen", "seen", "all") for m in ("mAP", "F1@3", "F1@5")]
        rows.append(f"| {name(key, suffix)} | " + " | ".join(cells) + " |")
    return rows


def localisation_rows(report: dict, suffix: str = "") -> list[str]:
    rows = []
    for key, r in report.items():
        plain, refined = r["localisation"], r.get("localisation_refined")
        extra = f"{refined['mIoU']:.1f} @ {refined['threshold']:.3f}" if refined else "–"
        rows.append(f"| {name(key, suffix)} | {plain['mIoU']:.1f} @ {plain['threshold']:.3f} | {extra} |")
    return rows


def main(runs: Path) -> None:
    scenes = {enc: json.loads((runs / f"scenes-{enc}.json").read_text()) for enc in ("minilm", "glove")}
    hi_res = json.loads((runs / "scenes-448.json").read_text())
    real = json.loads((runs / "real.json").read_text())
    first = next(iter(scenes["minilm"].values()))
    print(
        f"Held-out scenes: {first['images']} images; labels with a positive image: unseen "
        f"{first['unseen']['labels']}, seen {first['seen']['labels']}.\n"
    )
    print(
        "| model | unseen mAP | unseen F1@3 | unseen F1@5 | seen mAP | seen F1@3 | seen F1@5 "
        "| all mAP | all F1@3 | all F1@5 |"
    )
    print("|---|" + "---|" * 9)
    for line in labelling_rows(scenes["minilm"]) + labelling_rows(scenes["glove"], " (GloVe space)"):
        print(line)
    print("\nLocalisation on held-out scenes (object classes; best background threshold of a sweep):\n")
    print("| model | mIoU, 7×7 maps upsampled | mIoU, snapped to superpixels |")
    print("|---|---|---|")
    for line in localisation_rows(scenes["minilm"]) + localisation_rows(hi_res, ", 448 px input (14×14)"):
        print(line)
    print("\nReal held-out photos (hand labels): label-ranking AP per image, and mAP per label:\n")
    print("| model | all labels LRAP | all labels mAP | unseen LRAP | unseen mAP |")
    print("|---|---|---|---|---|")
    for key, r in real.items():
        print(
            f"| {name(key)} | {r['all']['label-ranking AP']:.1f} | {r['all']['mAP']:.1f} "
            f"| {r['unseen']['label-ranking AP']:.1f} | {r['unseen']['mAP']:.1f} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
