"""Real photos for tests: scikit-image's bundled photographs (a module, not conftest: tests/browser has
its own conftest, and two modules named conftest cannot both be imported by name)."""

from __future__ import annotations

import numpy as np
from skimage import data as skdata


def photo(name: str) -> np.ndarray:
    """One of scikit-image's bundled real photos as an RGB uint8 array."""
    arr = getattr(skdata, name)()
    return np.stack([arr] * 3, -1) if arr.ndim == 2 else arr[..., :3]
