"""Reading a store's embedded rows for queries, and keeping what was read in memory.

Queries keep what they read (up to ``VSEXPLORE_CACHE_BYTES``, default 4 GiB): all score vectors
first (a million images with 4 slots: 3 GB), then the location codes; past the budget they
stream chunk by chunk. Whole-collection reads take ``READ_SLAB`` chunks per Zarr call (Zarr then
fetches and decodes them concurrently; chunk by chunk costs ~2 ms each), the next slab read ahead.

A local store with a :mod:`.mirror` opens without reading any of that: its rows, score vectors and
summaries are memory-mapped, and status and paths are read when first asked for. A few images'
codes come straight from their chunk files when the codes are stored uncompressed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from ..int8 import Int8Rows
from . import _layout
from .codec import from_bf16_bits
from .embedding import OK, prefetch
from .mirror import local_root, open_mirror

READ_SLAB = 32  # chunks per read of a whole-collection query
DEFAULT_CACHE_BYTES = 4 << 30  # what queries keep in memory between queries
MAP_BLOCK = 8192  # images per block of a painted search: temporaries stay small


class StoredRows:
    """The rows of a store as they are now: which are embedded, their paths, and cached arrays."""

    def __init__(self, group, url: str | None = None, cache_bytes: int | None = None):
        self.group = group
        self.url = url
        self.cache_bytes = int(os.environ.get("VSEXPLORE_CACHE_BYTES", DEFAULT_CACHE_BYTES)
                               if cache_bytes is None else cache_bytes)
        self.chunk_size = int(group.attrs["chunk_size"])
        self.total = group["status"].shape[0]
        self.mirror = open_mirror(group, url) if url is not None else None
        # collection index → store row
        self.rows = self.mirror.rows if self.mirror is not None else np.flatnonzero(self.status == OK)
        self._whole: dict[str, np.ndarray] = {}
        self._map_arrays: tuple[torch.Tensor, torch.Tensor] | None = None
        self._cached_bytes = 0

    @cached_property
    def status(self) -> np.ndarray:
        """(rows,) 0 pending, 1 embedded, 2 failed."""
        return self.group["status"][...]

    @cached_property
    def all_paths(self) -> list[str]:
        return [os.fsdecode(p) for p in self.group["path"][...]]

    def mirrored(self, name: str) -> bool:
        return self.mirror is not None and name in self.mirror.names

    @property
    def n_chunks(self) -> int:
        return self.group["done"].shape[0]

    def chunk_rows(self, chunk: int) -> range:
        return _layout.chunk_rows(chunk, self.chunk_size, self.total)

    def row_ranges(self) -> list[tuple[int, int]]:
        """[start, stop) of every chunk, for work split by chunk (Dask)."""
        return [(r.start, r.stop) for r in map(self.chunk_rows, range(self.n_chunks))]

    def embedded(self, name: str) -> np.ndarray:
        """A per-image array's values for the embedded rows, in collection order."""
        if self.mirrored(name):
            return self.mirror.array(name)
        return self.group[name][...][self.rows]

    def score_vectors(self) -> torch.Tensor | Int8Rows:
        """(N, slots, d) score vectors of the embedded images: memory-mapped int8 from the mirror,
        else bfloat16 read once and kept."""
        return self._vectors("score_vectors")

    def calibration_summaries(self) -> tuple[torch.Tensor | Int8Rows, torch.Tensor, torch.Tensor]:
        """(described (N, d) bfloat16 or the mirror's int8, top_classes (N, K) int16, top_probs (N, K)
        float16) of the embedded images: what a calibrated model's score needs besides the score vectors."""
        described = self._vectors("described")
        top_classes, top_probs = (torch.from_numpy(self.whole(name)) for name in ("top_classes", "top_probs"))
        return described, top_classes, top_probs

    def _vectors(self, name: str) -> torch.Tensor | Int8Rows:
        """Stored vectors: the mirror's int8 ones, else the store's bfloat16 read once and kept."""
        return self.mirror.int8(name) if self.mirrored(name) else from_bf16_bits(self.whole(name))

    def whole(self, name: str) -> np.ndarray:
        """A per-image array's values for every embedded image, read once and kept while the
        budget lasts (filled in place: no second copy)."""
        if name in self._whole:
            return self._whole[name]
        if self.mirrored(name):
            return self.mirror.array(name)
        array = self.group[name]
        values = np.empty((len(self.rows), *array.shape[1:]), array.dtype)
        filled = 0
        for part in self.read_embedded([name]):
            n = len(part[name])
            values[filled : filled + n] = part[name]
            filled += n
        if self._cached_bytes + values.nbytes <= self.cache_bytes:
            self._whole[name] = values
            self._cached_bytes += values.nbytes
        return values

    def map_blocks(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(codes as bfloat16 (n, hw, q), steps (n, hw)) of the embedded images, in blocks of
        ``MAP_BLOCK`` images: from memory after the first query while the budget lasts, else
        streamed chunk by chunk."""
        if self._map_arrays is None:
            codes_shape = self.group["codes"].shape[1:]
            size = len(self.rows) * (2 * int(np.prod(codes_shape)) + 4 * codes_shape[0])
            if self._cached_bytes + size > self.cache_bytes:
                for part in self.read_embedded(_layout.MAP_ARRAYS):
                    yield torch.from_numpy(part["codes"]).to(torch.bfloat16), torch.from_numpy(part["steps"])
                return
            codes = torch.empty(len(self.rows), *codes_shape, dtype=torch.bfloat16)
            steps = torch.empty(len(self.rows), codes_shape[0])
            filled = 0
            for part in self.read_embedded(_layout.MAP_ARRAYS):
                n = len(part["codes"])
                codes[filled : filled + n] = torch.from_numpy(part["codes"])  # int8 is exact in bf16
                steps[filled : filled + n] = torch.from_numpy(part["steps"])
                filled += n
            self._map_arrays = (codes, steps)
            self._cached_bytes += size
        codes, steps = self._map_arrays
        for start in range(0, len(codes), MAP_BLOCK):
            yield codes[start : start + MAP_BLOCK], steps[start : start + MAP_BLOCK]

    def read_embedded(self, names: Sequence[str]) -> Iterator[dict[str, np.ndarray]]:
        """{name: rows} of the embedded rows, ``READ_SLAB`` chunks per read, the next read ahead."""
        total, step = self.total, READ_SLAB * self.chunk_size
        starts = [s for s in range(0, total, step) if (self.status[s : s + step] == OK).any()]

        def read(start: int) -> dict[str, np.ndarray]:
            ok = self.status[start : start + step] == OK
            part = {name: self.group[name][start : min(total, start + step)] for name in names}
            return part if ok.all() else {name: values[ok] for name, values in part.items()}

        with ThreadPoolExecutor(1) as pool:
            yield from prefetch(read, starts, pool, depth=1)

    def maps_of(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(codes int8, steps) of a few images, by collection index."""
        rows = self.rows[np.asarray(indices, dtype=np.int64)]
        codes, steps = (self._rows_of(name, rows) for name in _layout.MAP_ARRAYS)
        return torch.from_numpy(codes), torch.from_numpy(steps)

    def _rows_of(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Some store rows of an array: from its chunk files when they are plain bytes on this
        machine (a page each, no decoding), else through Zarr."""
        array = self.group[name]
        root = local_root(self.url) if self.url is not None else None
        if root is None or not _plain_chunks(array) or len(rows) == 0:
            return array.get_orthogonal_selection((rows,))
        chunk = array.chunks[0]
        out = np.empty((len(rows), *array.shape[1:]), array.dtype)
        row_bytes = out[0].nbytes
        chunks = rows // chunk
        order = np.argsort(chunks, kind="stable")
        starts = np.flatnonzero(np.diff(chunks[order], prepend=-1))
        for mine in np.split(order, starts[1:]):  # the requested rows of one chunk file at a time
            k = int(chunks[mine[0]])
            path = Path(root, name, "c", str(k), *["0"] * (array.ndim - 1))
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:  # a chunk never written holds the fill value
                out[mine] = array.fill_value
                continue
            try:
                for j in mine:
                    data = os.pread(fd, row_bytes, int(rows[j] - k * chunk) * row_bytes)
                    out[j] = np.frombuffer(data, array.dtype).reshape(out.shape[1:])
            finally:
                os.close(fd)
        return out


def _plain_chunks(array) -> bool:
    """Chunks stored as raw little-endian bytes under Zarr's default keys (``c/0/0``), split by rows only."""
    meta = array.metadata
    codecs = [c.to_dict() for c in meta.codecs]
    key = meta.chunk_key_encoding.to_dict()
    plain = len(codecs) == 1 and codecs[0]["name"] == "bytes" and (
        codecs[0].get("configuration", {}).get("endian", "little") == "little")
    return (plain
            and key == {"name": "default", "configuration": {"separator": "/"}}
            and tuple(array.chunks[1:]) == tuple(array.shape[1:]))
