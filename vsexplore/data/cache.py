"""Where vsexplore keeps what it builds or fetches: ``$VSEXPLORE_CACHE`` or ``~/.cache/vsexplore``."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """A folder under the vsexplore cache, created; one root so users can move or wipe it at once."""
    root = Path(os.environ.get("VSEXPLORE_CACHE") or Path.home() / ".cache" / "vsexplore")
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
