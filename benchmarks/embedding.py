"""Embedding real photos into a store, against the bare backbone on the same photos, in one process.

The photos are the bundled sample's real photos (Debian photo packages), copied under several
names so the run lasts long enough to measure; every copy is read and decoded from its JPEG file.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

COPIES = 4
LABELS = ["sky", "water", "tree", "person", "building", "grass", "flower", "car", "dog", "food",
          "mountain", "beach", "snow", "night", "stormy", "dark", "red", "crowd of people"]


def _photo_folder(root: Path) -> Path:
    from vsexplore.datasets import sample

    photos = sorted((sample() / "photos").glob("*.jpg"))
    folder = root / "photos"
    folder.mkdir()
    for copy in range(COPIES):
        for photo in photos:
            shutil.copyfile(photo, folder / f"{copy}-{photo.name}")
    return folder


def _bare_backbone(model, paths: list[str]) -> float:
    """Images/s of the backbone forward alone, on the decoded photos (decoding not timed)."""
    tensors = [model.preprocess(p) for p in paths]
    batch = model.batch_size
    with torch.inference_mode():
        model.features(torch.stack(tensors[:batch]))  # warm-up
        start = time.perf_counter()
        for i in range(0, len(tensors), batch):
            model.features(torch.stack(tensors[i : i + batch]))
    return len(tensors) / (time.perf_counter() - start)


def _store_bytes(url: str) -> int:
    return sum(f.stat().st_size for f in Path(url).rglob("*") if f.is_file() and "codec" not in f.parts)


def run() -> list[dict]:
    from scipy.stats import spearmanr

    import vsexplore as vx

    model = vx.load_model(input_size=224)
    with tempfile.TemporaryDirectory() as tmp:
        folder = _photo_folder(Path(tmp))
        paths = sorted(str(p) for p in folder.glob("*.jpg"))
        warm = vx.Collection.build(paths[:64], store=Path(tmp) / "warm.vsx", model=model, progress=False)
        del warm
        bare = _bare_backbone(model, paths)
        start = time.perf_counter()
        col = vx.Collection.build(folder, store=Path(tmp) / "photos.vsx", model=model, progress=False)
        end_to_end = len(col) / (time.perf_counter() - start)
        per_image = _store_bytes(col.url) / len(col)
        originals = paths[:: COPIES][: len(paths) // COPIES]  # one copy of each photo
        rows = [col.paths.index(p) for p in originals]
        stored = col.scores(LABELS)[rows]
        exact = model.score(originals, LABELS)
        rho = np.array([spearmanr(stored[:, j], exact[:, j])[0] for j in range(len(LABELS))])
    return [
        {"measure": f"embedding images/s, JPEG files → store, 224 px ({len(col)} real photos)",
         "value": round(end_to_end, 1), "floor": 60, "better": "higher"},
        {"measure": "bare backbone forward images/s on the same photos (decoded beforehand)",
         "value": round(bare, 1), "floor": None, "better": "higher"},
        {"measure": "embedding / bare backbone throughput", "value": round(end_to_end / bare, 3),
         "floor": 0.9, "better": "higher"},
        {"measure": "bytes stored per image (all arrays but the shared codec)", "value": round(per_image),
         "floor": 16 * 1024, "better": "lower"},
        {"measure": f"store vs exact scores: min Spearman over {len(LABELS)} labels ({len(rows)} photos)",
         "value": round(float(rho.min()), 4), "floor": 0.99, "better": "higher"},
        {"measure": "store vs exact scores: median Spearman", "value": round(float(np.median(rho)), 4),
         "floor": 0.99, "better": "higher"},
    ]
