"""Filling a store: append new paths, then embed every unfinished chunk, in-process or on Dask.

Rows are written a whole chunk at a time and a chunk's ``done`` flag last, so a job killed at any
moment resumes by redoing only unfinished chunks. The codec is fitted on the location vectors of
the first ``fit_images`` images (embedded in-process), which are then stored with it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ..model import Model
from . import _layout, mirror
from ._reader import StoredRows
from .codec import RegionCodec
from .distributed import embed_on_cluster
from .embedding import embed_chunks, encode_rows


def append_paths(group, paths: list[str]) -> int:
    """Add the paths not yet in the store (in order, without repeats) as pending rows; how many."""
    known = {os.fsdecode(p) for p in group["path"][...]}
    new = list(dict.fromkeys(p for p in paths if p not in known))
    if not new:
        return 0
    start = group["path"].shape[0]
    total = start + len(new)
    for name in _layout.per_image_arrays(group):
        array = group[name]
        array.resize((total, *array.shape[1:]))
    chunk = int(group.attrs["chunk_size"])
    done = group["done"]
    done.resize((-(-total // chunk),))
    for c in range(start // chunk, -(-total // chunk)):
        done[c] = False  # a partly filled last chunk is redone with its new rows
    group["path"][start:total] = np.array([os.fsencode(p) for p in new], dtype=object)
    return len(new)


class _Filler:
    """One embedding job over a store's unfinished chunks."""

    def __init__(self, group, url: str, model: Model, codec: RegionCodec):
        self.group, self.url, self.model, self.codec = group, url, model, codec
        self.chunk_size = int(group.attrs["chunk_size"])
        self.total = group["path"].shape[0]

    def rows(self, chunk: int) -> range:
        return _layout.chunk_rows(chunk, self.chunk_size, self.total)

    def paths(self, chunk: int) -> list[str]:
        rows = self.rows(chunk)
        return [os.fsdecode(p) for p in self.group["path"][rows.start : rows.stop]]

    def write(self, chunk: int, arrays: dict[str, np.ndarray]) -> None:
        rows = self.rows(chunk)
        for name, values in arrays.items():
            self.group[name][rows.start : rows.stop] = values
        self.group["done"][chunk] = True

    def fit_codec_and_embed(self, pending: list[int], bar) -> list[int]:
        """Embed the first chunks, fit the codec on their location vectors, store both; the rest."""
        held = []
        chunk_paths = [self.paths(c) for c in pending]
        for c, (prepared, head) in zip(pending, embed_chunks(self.model, chunk_paths), strict=False):
            held.append((c, prepared, head))
            bar.update(len(prepared))
            if sum(len(h.get("locations", ())) for _, _, h in held) >= int(self.group.attrs["fit_images"]):
                break
        heads = [h["locations"] for _, _, h in held if h]
        if heads:
            locations = torch.cat(heads)
            count = len(locations) * locations.shape[2] * locations.shape[3]
            components = min(int(self.group.attrs["components"]), count, self.model.config.dim)
            self.codec = RegionCodec.fit(self.model.net, locations, components)
            _layout.write_codec(self.group, self.codec, self.chunk_size)
        for c, prepared, head in held:
            self.write(c, encode_rows(self.model, self.codec, prepared, head))
        return [c for c in pending if c not in {h[0] for h in held}]

    def run(self, client=None, progress: bool = True) -> RegionCodec:
        pending = [c for c in range(self.group["done"].shape[0]) if not self.group["done"][c]]
        if not pending:
            return self.codec
        bar = tqdm(total=sum(len(self.rows(c)) for c in pending), unit="img", disable=not progress,
                   desc=f"embedding into {Path(self.url).name}")
        if not self.group.attrs.get("codec_fitted", False):
            pending = self.fit_codec_and_embed(pending, bar)
        if client is not None and pending:
            chunks = {c: (self.rows(c).start, self.rows(c).stop) for c in pending}
            embed_on_cluster(self.url, chunks, self.model, self.codec, client, bar.update)
        else:
            stream = embed_chunks(self.model, [self.paths(c) for c in pending])
            for c, (prepared, head) in zip(pending, stream, strict=True):
                self.write(c, encode_rows(self.model, self.codec, prepared, head))
                bar.update(len(prepared))
        bar.close()
        return self.codec


def embed_pending(group, url: str, model: Model, codec: RegionCodec, client=None, progress: bool = True
                  ) -> RegionCodec:
    """Embed every unfinished chunk, then mirror the store (:mod:`.mirror`) unless its mirror is
    current; the store's codec (fitted now if it was not yet)."""
    if not all(group["done"][...]):
        mirror.forget(group)
    codec = _Filler(group, url, model, codec).run(client=client, progress=progress)
    refresh_mirror(group, url, codec)
    return codec


def refresh_mirror(group, url: str, codec: RegionCodec) -> None:
    """Write the store's memory-mapped mirror if it has none that matches it (local stores only)."""
    if mirror.open_mirror(group, url) is None and not group.read_only:
        mirror.write_mirror(StoredRows(group), url, codec, tuple(group.attrs["grid"]))
