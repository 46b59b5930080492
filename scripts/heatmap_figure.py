"""Draw a model's heatmaps for a few labels over real photos, next to ConSE's, into one PNG.

    python scripts/heatmap_figure.py MODEL.safetensors MANIFEST.jsonl OUT.png [--labels sky,water,...]

Each row: the photo, then per label the photo tinted by the model's map (and ConSE's below it).
Photos are taken from the manifest in order, keeping those that carry one of the labels.
"""

from __future__ import annotations

import argparse

import numpy as np
from PIL import Image, ImageDraw

import vsexplore as vx
from vsexplore.data import read_manifest

TILE = 160


def tint(image: np.ndarray, heat: np.ndarray) -> Image.Image:
    """The photo darkened where the map is low, red-tinted where it is high (map kept absolute)."""
    heat = np.clip(heat, 0, 1)[..., None]
    red = np.array([255, 40, 40], np.float32)
    out = image * (0.25 + 0.75 * heat) * 0.6 + red * heat * 0.4
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model")
    parser.add_argument("manifest")
    parser.add_argument("out")
    parser.add_argument("--labels", default="sky,water,tree,grass,person")
    parser.add_argument("--rows", type=int, default=6)
    args = parser.parse_args()
    labels = args.labels.split(",")
    model, conse = vx.load_model(args.model), vx.ConSE()
    records = [r for r in read_manifest(args.manifest) if set(labels) & set(r.labels)][: args.rows]
    sheet = Image.new("RGB", (TILE * (len(labels) + 1), TILE * 2 * len(records) + 20), "white")
    draw = ImageDraw.Draw(sheet)
    for j, label in enumerate(labels):
        draw.text((TILE * (j + 1) + 4, 4), label, fill="black")
    for i, record in enumerate(records):
        photo = vx.load_image(record.path).resize((TILE, TILE))
        image = np.asarray(photo, np.float32)
        y = 20 + 2 * TILE * i
        sheet.paste(photo, (0, y))
        draw.text(
            (4, y + TILE + 4), "top: ours\nbottom: ConSE\n" + ", ".join(record.labels[:4]), fill="black"
        )
        ours = model.heatmaps(record.path, labels, size=(TILE, TILE))
        theirs = conse.heatmaps(record.path, labels, size=(TILE, TILE))
        theirs = (theirs - theirs.min()) / max(np.ptp(theirs), 1e-6)  # ConSE maps span ~0.5–1
        for j in range(len(labels)):
            sheet.paste(tint(image, ours[j]), (TILE * (j + 1), y))
            sheet.paste(tint(image, theirs[j]), (TILE * (j + 1), y + TILE))
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
