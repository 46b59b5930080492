"""Per-label masks as files: loaders decode masks in memory, records point to 8-bit PNGs on disk."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from PIL import Image


def save_mask(mask: np.ndarray, mask_dir: str | os.PathLike, image_key: str, label: str) -> str:
    """Write a boolean (H, W) mask as a 0/255 PNG named after image and label; Record masks are paths."""
    safe = re.sub(r"[^\w.-]+", "_", f"{image_key}_{label}")
    path = Path(mask_dir) / f"{safe}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8)).save(path)
    return os.fspath(path.resolve())
