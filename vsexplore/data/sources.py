"""What a collection is built from: a folder, a manifest or a list of paths, as one list of paths."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import StoreError
from ..images import display_path, image_files
from .loaders import from_csv
from .records import read_manifest

Source = str | os.PathLike | Sequence[str | os.PathLike]


def list_images(source: Source) -> list[str]:
    """A folder (recursive, by extension, sorted), a manifest (.jsonl, .csv, or .txt with one path
    per line; relative paths against its folder) or paths (kept as given)."""
    if not isinstance(source, (str, os.PathLike)):
        return [os.fspath(p) for p in source]
    path = Path(source)
    if path.is_dir():
        return sorted(os.fspath(p) for p in image_files(path))
    if path.suffix == ".jsonl":
        return [r.path for r in read_manifest(path)]
    if path.suffix == ".csv":
        return [r.path for r in from_csv(path)]
    if path.suffix == ".txt":
        root = path.parent
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        return [line if os.path.isabs(line) else os.fspath(root / line) for line in lines if line]
    if not path.exists():
        raise FileNotFoundError(f"{display_path(path)}: no such folder or manifest")
    raise StoreError(
        f"{display_path(path)}: pass a folder, a manifest (.jsonl, .csv, .txt) or a list of paths"
    )
