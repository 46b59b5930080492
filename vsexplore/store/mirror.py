"""A local store's memory-mapped mirror: what queries read first, so a million images open at once.

Zarr keeps every per-image array in 256-row chunks: reading all score vectors of 1M images takes
~4,000 chunk reads per array before the first projection. At the end of each embedding job a
local store therefore also writes ``mirror-<token>/``: plain ``.npy`` files of the embedded rows,
in collection order, that numpy memory-maps (nothing is read until a query touches it):

    rows                     (n,) int64          store row of each embedded image
    score_vectors + _scales  (n, slots, d) int8  one scale per vector (:mod:`vsexplore.int8`)
    described + _scales      (n, d) int8         calibrated models only
    top_classes, top_probs   (n, K)              calibrated models only
    pooled, diversity        (n, d) int8, (n,)   as in the store
    cells + _scales          (n, m·q') int8      coarse location codes for painted search (:mod:`.coarse`)

The mirror is derived from the Zarr arrays, never the truth: a job forgets it (``attrs['mirror']``)
before writing a row and writes a new one when done, so a mirror whose token is in the attrs
matches the store. Remote (fsspec) stores have none; their queries read Zarr.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import torch

from ..int8 import Int8Rows, quantise
from . import coarse
from .codec import RegionCodec, from_bf16_bits

ATTR = "mirror"
SLAB = 8192  # rows written per step
PLAIN = ("top_classes", "top_probs", "pooled", "diversity")


def local_root(url: str) -> Path | None:
    """The store's folder when it is on this machine's file system, else None."""
    if "://" in url and not url.startswith("file://"):
        return None
    return Path(url.removeprefix("file://"))


def forget(group) -> None:
    """Before rows are written: the mirror no longer matches the store."""
    if ATTR in group.attrs:
        group.attrs[ATTR] = None


class Mirror:
    """The memory-mapped arrays of one mirror (read-only views, copy-on-write for torch)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.manifest = json.loads((folder / "manifest.json").read_text())
        self.names = set(self.manifest["arrays"])
        self.rows = self.array("rows")

    def array(self, name: str) -> np.ndarray:
        return np.load(self.folder / f"{name}.npy", mmap_mode="c")

    def int8(self, name: str) -> Int8Rows:
        return Int8Rows(torch.from_numpy(self.array(name)), torch.from_numpy(self.array(f"{name}_scales")))

    def cells(self) -> tuple[Int8Rows, np.ndarray]:
        """(coarse cell codes, the cell basis (hw, m)) for :func:`.coarse.candidates`."""
        return self.int8("cells"), np.asarray(self.manifest["cell_basis"], dtype=np.float32)


def open_mirror(group, url: str) -> Mirror | None:
    """The store's mirror when it has one that matches it."""
    token = group.attrs.get(ATTR)
    return mirror_named(url, f"mirror-{token}") if token else None


def mirror_named(url: str, name: str) -> Mirror | None:
    """The mirror folder ``name`` of the store at ``url``, when it is on this machine and complete."""
    root = local_root(url)
    if root is None or not (root / name / "manifest.json").exists():
        return None
    return Mirror(root / name)


def write_mirror(stored, url: str, codec: RegionCodec, grid: tuple[int, int]) -> Mirror | None:
    """Write a new mirror of ``stored`` (a :class:`~._reader.StoredRows` read from Zarr), make it the
    store's, and delete older ones. None for a remote store."""
    root = local_root(url)
    if root is None:
        return None
    token = uuid.uuid4().hex[:12]
    folder = root / f"mirror-{token}"
    folder.mkdir()
    group, n = stored.group, len(stored.rows)
    names = [name for name in ("score_vectors", "described", *PLAIN) if name in group]
    basis = coarse.cell_basis(grid)
    files: dict[str, np.ndarray] = {"rows": _create(folder, "rows", (n,), np.int64)}
    files["rows"][:] = stored.rows
    filled = 0
    for part in stored.read_embedded([*names, "codes", "steps"]):
        end = filled + len(part["codes"])
        quantised = {"cells": coarse.cell_codes(codec, part["codes"], part["steps"], basis)}
        for name in ("score_vectors", "described"):
            if name in part:
                quantised[name] = quantise(from_bf16_bits(part[name]))
        for name, (codes, scales) in quantised.items():
            _slab(folder, files, name, n, codes)[filled:end] = codes
            _slab(folder, files, f"{name}_scales", n, scales)[filled:end] = scales
        for name in PLAIN:
            if name in part:
                _slab(folder, files, name, n, part[name])[filled:end] = part[name]
        filled = end
    for array in files.values():
        array.flush()
    manifest = {"arrays": sorted(files), "images": n, "cell_basis": basis.tolist()}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    # a Zarr node of its own, so that listing the store's members does not warn about the folder
    (folder / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {}}))
    group.attrs[ATTR] = token
    for stale in root.glob("mirror-*"):  # readers that mapped an old one keep their open files
        if stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    return Mirror(folder)


def _create(folder: Path, name: str, shape: tuple, dtype) -> np.ndarray:
    return np.lib.format.open_memmap(os.fspath(folder / f"{name}.npy"), mode="w+", dtype=dtype, shape=shape)


def _slab(folder: Path, files: dict, name: str, n: int, like: np.ndarray) -> np.ndarray:
    """The mirror file ``name`` of n rows shaped like ``like``'s rows, created on first use."""
    if name not in files:
        files[name] = _create(folder, name, (n, *like.shape[1:]), like.dtype)
    return files[name]
