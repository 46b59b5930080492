"""Draw a model's heatmaps for a few labels over real photos, next to ConSE's, into one PNG.

    python scripts/heatmap_figure.py MODEL.safetensors MANIFEST.jsonl OUT.png [--labels sky,water,...]

Each row: the photo, then per label the photo tinted by the model's map (and ConSE's below it),
each map stretched to its own range so the figure shows *where*; the number on a tile is the
image-level score. Photos are those of the manifest showing the most of the labels.
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
    wanted = set(labels)
    records = sorted(read_manifest(args.manifest), key=lambda r: -len(wanted & set(r.labels)))[: args.rows]
    sheet = Image.new("RGB", (TILE * (len(labels) + 1), TILE * 2 * len(records) + 20), "white")
    draw = ImageDraw.Draw(sheet)
    for j, label in enumerate(labels):
        draw.text((TILE * (j + 1) + 4, 4), label, fill="black")
    for i, record in enumerate(records):
        photo = vx.load_image(record.path).resize((TILE, TILE))
        image = np.asarray(photo, np.float32)
        y = 20 + 2 * TILE * i
        sheet.paste(photo, (0, y))
        caption = "top: ours\nbottom: ConSE\n* = in the photo\n" + ", ".join(record.labels[:4])
        draw.text((4, y + TILE + 4), caption, fill="black")
        for row, scorer in enumerate((model, conse)):
            maps = scorer.heatmaps(record.path, labels, size=(TILE, TILE))
            scores = scorer.score(record.path, labels)[0]
            for j in range(len(labels)):
                stretched = (maps[j] - maps[j].min()) / max(float(np.ptp(maps[j])), 1e-6)
                x, y_tile = TILE * (j + 1), y + row * TILE
                sheet.paste(tint(image, stretched), (x, y_tile))
                mark = "*" if labels[j] in record.labels else ""
                draw.text((x + 4, y_tile + 4), f"{scores[j]:.2f}{mark}", fill="white")
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
