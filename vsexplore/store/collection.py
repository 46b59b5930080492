"""A collection: every image embedded once into a chunked Zarr store, then asked anything.

Layout of a store (a Zarr group at a local path or any fsspec URL)::

    attrs       format, model config + fingerprint, grid, chunk size, tags
    codec/      the fitted RegionCodec (fitted on the collection's first images)
    path        (N,) file paths as bytes (any file name, UTF-8 or not)
    status      (N,) 0 pending, 1 embedded, 2 failed;  error (N,) the reason
    width, height, sha1, thumb (JPEG bytes, 128 px)
    score_vectors (N, slots, d)   bfloat16 bits: a label's score is one dot product per slot
    codes (N, hw, q), steps (N, hw)   what label maps are decoded from (see :mod:`vsexplore.codec`)
    pooled (N, d), diversity (N,)    exact per-image summaries
    done        (chunks,) set after all of a chunk's rows are written

Queries keep what they read in memory (up to ``VSEXPLORE_CACHE_BYTES``, default 4 GiB): all
score vectors first (a million images with 4 slots: 3 GB), then location codes chunk by chunk.

Rows are written a whole chunk at a time and a chunk's ``done`` flag last, so a job killed at any
moment resumes by redoing only unfinished chunks; chunks never share files, so Dask workers write
in parallel without locks. Images are addressed by their index among embedded images (failed
rows are left out of every analysis and listed in :attr:`Collection.failures`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from . import analysis
from .codec import DEFAULT_COMPONENTS, FITTED, RegionCodec, from_bf16_bits
from .data.loaders import IMAGE_EXTENSIONS
from .embedding import FAILED, OK, POOLED_SCALE, embed_chunks, encode_rows, prefetch
from .errors import StoreError
from .images import display_path
from .model import Model, load_collection_model

FORMAT = 2
CHUNK = 256
FIT_IMAGES = 512
STORE_INPUT_SIZE = 224
READ_SLAB = 32  # chunks per read of a whole-collection query
SCORE_CACHE_LABELS = 64  # per-label score columns remembered between queries
DEFAULT_CACHE_BYTES = 4 << 30  # what queries keep in memory between queries
PER_IMAGE = ("path", "status", "error", "width", "height", "sha1", "thumb", "score_vectors", "codes", "steps",
             "pooled", "diversity")
MAP_ARRAYS = ("codes", "steps")
UNCOMPRESSED = ("score_vectors",)  # bfloat16 bits shrink 17 %; every projection's first read would wait on it
MAP_BLOCK = 8192  # images per block of a painted search: temporaries stay small


@torch.inference_mode()
def stored_scores(score_vectors: torch.Tensor, labels: torch.Tensor, bias: float) -> torch.Tensor:
    """Score vectors (n, slots, d) bfloat16 + unit labels (L, d) → scores (n, L) in [0, 1]."""
    n, slots, d = score_vectors.shape
    out = torch.empty(n, len(labels))
    flat = score_vectors.reshape(n * slots, d)
    for j, label in enumerate(labels.to(score_vectors.dtype)):  # one column at a time: a fast GEMV
        out[:, j] = (flat @ label).reshape(n, slots).amax(1).float()
    return (out + bias).sigmoid_()


@torch.inference_mode()
def stored_maps(codec: RegionCodec, codes: torch.Tensor, steps: torch.Tensor, labels: torch.Tensor,
                bias: float, grid: tuple[int, int]) -> torch.Tensor:
    """Codes (n, hw, q) + steps (n, hw) + unit labels (L, d) → label maps (n, L, h, w) in [0, 1]."""
    return codec.map_logits(codes, steps, labels, bias).sigmoid_().reshape(len(codes), len(labels), *grid)


@torch.inference_mode()
def painted_totals(codec: RegionCodec, codes: torch.Tensor, steps: torch.Tensor, labels: torch.Tensor,
                   bias: float, query: torch.Tensor) -> torch.Tensor:
    """Σ over concepts and cells of query (C, h, w) · label map, per image: (n,)."""
    maps = codec.map_logits(codes, steps, labels, bias).sigmoid_()  # (n, C, hw)
    return (maps * query.reshape(1, len(labels), -1)).sum(dim=(1, 2))


def _zarr():
    import zarr
    from zarr.core.dtype.common import UnstableSpecificationWarning

    warnings.filterwarnings("ignore", category=UnstableSpecificationWarning)
    return zarr


def model_fingerprint(model: Model) -> str:
    """A hash of the head's weights and config: a store only answers for the model that built it."""
    digest = hashlib.sha256(repr(sorted(model.config.to_dict().items())).encode())
    for name, tensor in sorted(model.net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def list_images(source: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """A folder (recursive, by extension), a manifest (.jsonl, .csv, .txt: one path per line) or paths."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            found = [
                p for p in path.rglob("*")
                if p.suffix.lower() in IMAGE_EXTENSIONS and not any(part.startswith(".") for part in
                                                                    p.relative_to(path).parts)
            ]
            return sorted(os.fspath(p) for p in found if not p.is_dir())
        if path.suffix == ".jsonl":
            from .data.records import read_manifest

            return [r.path for r in read_manifest(path)]
        if path.suffix == ".csv":
            from .data.loaders import from_csv

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
    return [os.fspath(p) for p in source]


@dataclass
class SearchResult:
    """Painted-search hits, best first: collection indices, scores and the hits' label maps."""

    indices: np.ndarray  # (top,)
    scores: np.ndarray  # (top,)
    maps: np.ndarray  # (top, C, h, w) in [0, 1]
    concepts: list[str]


class Collection:
    """Images embedded once; scores, maps, segments, search and tags answered from the store."""

    def __init__(self, group, model: Model, codec: RegionCodec, url: str):
        self.group = group
        self.model = model
        self.codec = codec
        self.url = url
        self.grid = tuple(group.attrs["grid"])
        self._map_arrays: tuple[torch.Tensor, torch.Tensor] | None = None
        self._score_cache: dict[str, np.ndarray] = {}
        self._score_vectors: torch.Tensor | None = None
        self._cached_bytes = 0
        self.cache_bytes = int(os.environ.get("VSEXPLORE_CACHE_BYTES", DEFAULT_CACHE_BYTES))
        self.refresh()

    # -- building and opening ----------------------------------------------------------------
    @classmethod
    def build(
        cls,
        source: str | os.PathLike | Sequence[str | os.PathLike],
        store: str | os.PathLike,
        model: Model | None = None,
        *,
        client=None,
        chunk_size: int = CHUNK,
        components: int = DEFAULT_COMPONENTS,
        fit_images: int = FIT_IMAGES,
        progress: bool = True,
    ) -> Collection:
        """Embed every image of ``source`` into ``store`` once; re-running finishes an interrupted job
        and appends images that are new in ``source``. ``client``: a ``dask.distributed.Client``.

        The store's codec is fitted on the first ``fit_images`` images (embedded in-process)."""
        paths = list_images(source)
        url = _local_or_url(store)
        zarr = _zarr()
        model = model if model is not None else load_collection_model(input_size=STORE_INPUT_SIZE)
        _require_factorised(model)
        if _exists(url):
            col = cls.open(url, model=model, mode="r+")
            col._append_paths(paths)
        else:
            group = zarr.open_group(url, mode="w")
            _create_layout(group, model, chunk_size, components, fit_images)
            col = cls(group, model, _empty_codec(model), url)
            col._append_paths(paths)
        col._embed_pending(client=client, progress=progress)
        return col

    @classmethod
    def open(cls, store: str | os.PathLike, model: Model | None = None, mode: str = "r") -> Collection:
        """Reopen a store; the source images need not exist. ``model`` must be the one that built it."""
        url = _local_or_url(store)
        zarr = _zarr()
        if not _exists(url):
            raise StoreError(f"{url}: no vsexplore store here; build one with "
                             "vx.Collection.build(folder, store=...)")
        group = zarr.open_group(url, mode=mode)
        attrs = group.attrs.asdict()
        if attrs.get("vsexplore_store") != FORMAT:
            found = attrs.get("vsexplore_store")
            raise StoreError(f"{url}: store format {found}, this vsexplore reads format {FORMAT}; "
                             "build the collection again (the source images are needed)" if found else
                             f"{url}: not a vsexplore store")
        if model is None:
            model = load_collection_model(input_size=attrs["input_size"])
        _require_factorised(model)
        if model_fingerprint(model) != attrs["model_fingerprint"]:
            raise StoreError(
                f"{url} was embedded with a different model (backbone {attrs['model']['backbone']}, encoder "
                f"{attrs['model']['encoder']}, fingerprint {attrs['model_fingerprint']}); this model's "
                f"fingerprint is {model_fingerprint(model)}. Open it with the model that built it, or "
                "build a new store for this model."
            )
        if model.input_size != attrs["input_size"]:
            model.input_size = attrs["input_size"]
        codec = _empty_codec(model)
        if "codec" in group and bool(group.attrs.get("codec_fitted", False)):
            codec = RegionCodec.from_tensors({k: group["codec"][k][...] for k in FITTED})
        return cls(group, model, codec, url)

    def add(self, paths: Iterable[str | os.PathLike], client=None, progress: bool = True) -> Collection:
        """Append images (paths already in the store are skipped) and embed them."""
        self._append_paths(list_images(list(paths)))
        self._embed_pending(client=client, progress=progress)
        return self

    def _append_paths(self, paths: list[str]) -> None:
        known = set(self.all_paths)
        new, seen = [], set()
        for p in paths:
            if p not in known and p not in seen:
                new.append(p)
                seen.add(p)
        if not new:
            return
        start = len(known)
        total = start + len(new)
        for name in PER_IMAGE:
            array = self.group[name]
            array.resize((total, *array.shape[1:]))
        chunk = self.chunk_size
        done = self.group["done"]
        done.resize((-(-total // chunk),))
        for c in range(start // chunk, -(-total // chunk)):
            done[c] = False  # a partly filled last chunk is redone with its new rows
        self.group["path"][start:total] = np.array([os.fsencode(p) for p in new], dtype=object)
        self.refresh()

    def _embed_pending(self, client=None, progress: bool = True) -> None:
        pending = [c for c in range(self.n_chunks) if not self.group["done"][c]]
        if not pending:
            return
        bar = tqdm(total=sum(len(self._chunk_rows(c)) for c in pending), unit="img", disable=not progress,
                   desc=f"embedding into {Path(self.url).name}")
        if not self.group.attrs.get("codec_fitted", False):
            pending = self._fit_codec_and_embed(pending, bar)
        if client is not None and pending:
            from .distributed import embed_on_cluster

            embed_on_cluster(self, pending, client, bar)
        else:
            stream = embed_chunks(self.model, [self._chunk_paths(c) for c in pending])
            for c, (prepared, head) in zip(pending, stream, strict=True):
                self._write_chunk(c, encode_rows(self.model, self.codec, prepared, head))
                bar.update(len(prepared))
        bar.close()
        self.refresh()

    def _fit_codec_and_embed(self, pending: list[int], bar) -> list[int]:
        """Embed the first chunks in-process, fit the codec on their location vectors, then store them."""
        held = []
        chunk_paths = [self._chunk_paths(c) for c in pending]
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
            codec_group = self.group.require_group("codec")
            for name, tensor in self.codec.tensors().items():
                codec_group.create_array(name, data=tensor.numpy(), overwrite=True)
            shape = (*self.group["codes"].shape[:2], components)
            self.group.create_array("codes", shape=shape, chunks=(self.chunk_size, *shape[1:]), dtype="int8",
                                    overwrite=True, compressors=_compressors())
            self.group.attrs["components"] = components
            self.group.attrs["codec_fitted"] = True
        for c, prepared, head in held:
            self._write_chunk(c, encode_rows(self.model, self.codec, prepared, head))
        return [c for c in pending if c not in {h[0] for h in held}]

    def _write_chunk(self, chunk: int, arrays: dict[str, np.ndarray]) -> None:
        rows = self._chunk_rows(chunk)
        for name, values in arrays.items():
            self.group[name][rows.start : rows.stop] = values
        self.group["done"][chunk] = True

    # -- layout helpers ----------------------------------------------------------------------
    @functools.cached_property
    def chunk_size(self) -> int:
        return int(self.group.attrs["chunk_size"])

    @property
    def n_chunks(self) -> int:
        return self.group["done"].shape[0]

    def _chunk_rows(self, chunk: int) -> range:
        size = self.chunk_size
        return range(chunk * size, min(len(self.all_paths), (chunk + 1) * size))

    def _chunk_paths(self, chunk: int) -> list[str]:
        rows = self._chunk_rows(chunk)
        return [os.fsdecode(p) for p in self.group["path"][rows.start : rows.stop]]

    def refresh(self) -> None:
        """Re-read which rows are embedded (after another process added images)."""
        status = self.group["status"][...]
        self.rows = np.flatnonzero(status == OK)
        self.all_paths = [os.fsdecode(p) for p in self.group["path"][...]]
        self._status = status
        self._map_arrays = None
        self._score_cache = {}
        self._score_vectors = None
        self._cached_bytes = 0

    # -- what is stored ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return (f"Collection({self.url!r}: {len(self)} images, {len(self.failures)} failed, "
                f"{int((self._status == 0).sum())} pending)")

    @property
    def paths(self) -> list[str]:
        """Paths of the embedded images, in collection order."""
        return [self.all_paths[r] for r in self.rows]

    def display_name(self, i: int) -> str:
        """A printable file name of image i (non-UTF-8 names escaped)."""
        return display_path(os.path.basename(self.all_paths[self.rows[i]]))

    @property
    def failures(self) -> list[tuple[str, str]]:
        """(path, reason) of every file that could not be embedded."""
        failed = np.flatnonzero(self._status == FAILED)
        errors = self.group["error"][...] if len(failed) else []
        return [(self.all_paths[r], str(errors[r])) for r in failed]

    def sizes(self) -> np.ndarray:
        """(N, 2) original (width, height) of each image."""
        return np.stack([self.group["width"][...][self.rows], self.group["height"][...][self.rows]], axis=1)

    def thumbnail(self, i: int) -> bytes:
        """JPEG bytes of image i's stored thumbnail (128 px)."""
        row = int(self.rows[i])
        return bytes(self.group["thumb"][row : row + 1][0])

    def image(self, i: int) -> Image.Image:
        """Image i: the original file when present and unchanged, else the stored thumbnail."""
        from .images import load_image

        path = self.all_paths[self.rows[i]]
        try:
            return load_image(path)
        except Exception:  # noqa: BLE001 — moved or unreadable: the store still has a thumbnail
            return Image.open(io.BytesIO(self.thumbnail(i))).convert("RGB")

    def _all_score_vectors(self) -> torch.Tensor:
        """(N, slots, d) bfloat16 score vectors of the embedded images, read once and kept."""
        if self._score_vectors is not None:
            return self._score_vectors
        slots, d = self.group["score_vectors"].shape[1:]
        bits = np.empty((len(self.rows), slots, d), np.int16)  # filled in place: no second copy
        filled = 0
        for part in self._read_embedded(["score_vectors"]):
            n = len(part["score_vectors"])
            bits[filled : filled + n] = part["score_vectors"]
            filled += n
        vectors = from_bf16_bits(bits)
        if self._cached_bytes + bits.nbytes <= self.cache_bytes:
            self._score_vectors = vectors
            self._cached_bytes += bits.nbytes
        return vectors

    def _map_blocks(self):
        """(codes as bfloat16 (n, hw, q), steps (n, hw)) of the embedded images, in blocks of
        ``MAP_BLOCK`` images: from memory after the first query while the budget lasts, else
        streamed chunk by chunk."""
        if self._map_arrays is None:
            codes_shape = self.group["codes"].shape[1:]
            size = len(self.rows) * (2 * int(np.prod(codes_shape)) + 4 * codes_shape[0])
            if self._cached_bytes + size > self.cache_bytes:
                for part in self._read_embedded(MAP_ARRAYS):
                    yield torch.from_numpy(part["codes"]).to(torch.bfloat16), torch.from_numpy(part["steps"])
                return
            codes = torch.empty(len(self.rows), *codes_shape, dtype=torch.bfloat16)
            steps = torch.empty(len(self.rows), codes_shape[0])
            filled = 0
            for part in self._read_embedded(MAP_ARRAYS):
                n = len(part["codes"])
                codes[filled : filled + n] = torch.from_numpy(part["codes"])  # int8 is exact in bf16
                steps[filled : filled + n] = torch.from_numpy(part["steps"])
                filled += n
            self._map_arrays = (codes, steps)
            self._cached_bytes += size
        codes, steps = self._map_arrays
        for start in range(0, len(codes), MAP_BLOCK):
            yield codes[start : start + MAP_BLOCK], steps[start : start + MAP_BLOCK]

    def _read_embedded(self, names: Sequence[str]):
        """{name: rows} of the embedded rows, ``READ_SLAB`` chunks per read (zarr then fetches and
        decodes them concurrently; chunk by chunk costs ~2 ms each), the next slab read ahead."""
        total, step = len(self.all_paths), READ_SLAB * self.chunk_size
        starts = [s for s in range(0, total, step) if (self._status[s : s + step] == OK).any()]

        def read(start: int) -> dict[str, np.ndarray]:
            ok = self._status[start : start + step] == OK
            part = {name: self.group[name][start : min(total, start + step)] for name in names}
            return part if ok.all() else {name: values[ok] for name, values in part.items()}

        with ThreadPoolExecutor(1) as pool:
            yield from prefetch(read, starts, pool, depth=1)

    def _stored_maps(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = self.rows[np.asarray(indices, dtype=np.int64)]
        codes, steps = (self.group[name].get_orthogonal_selection((rows,)) for name in MAP_ARRAYS)
        return torch.from_numpy(codes), torch.from_numpy(steps)

    # -- analyses ----------------------------------------------------------------------------
    def _labels(self, labels: str | Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(self.model.encoder.encode(labels)).float()

    def scores(self, labels: str | Sequence[str], client=None) -> np.ndarray:
        """(N, L) scores in [0, 1] of any labels for every image, from the store (no re-embedding).

        Recent labels' scores are remembered, so redrawing a view along the same words is free."""
        names = [labels] if isinstance(labels, str) else list(labels)
        vectors = self._labels(names)
        missing = [j for j, name in enumerate(names) if name not in self._score_cache]
        if missing:
            if client is not None:
                from .distributed import scores_on_cluster

                fresh = scores_on_cluster(self, vectors[missing], client)
            else:
                bias = self.model.net.score_bias
                fresh = stored_scores(self._all_score_vectors(), vectors[missing], bias).numpy()
            for column, j in enumerate(missing):
                self._score_cache[names[j]] = fresh[:, column]
                while len(self._score_cache) > SCORE_CACHE_LABELS:
                    self._score_cache.pop(next(iter(self._score_cache)))
        if not names:
            return np.zeros((len(self), 0), np.float32)
        return np.stack([self._score_cache[name] for name in names], axis=1)

    def label_maps(self, indices: Sequence[int], labels: str | Sequence[str]) -> np.ndarray:
        """(n, L, h, w) label maps in [0, 1] of some images, on the map grid."""
        codes, steps = self._stored_maps(indices)
        bias = self.model.net.map_bias
        return stored_maps(self.codec, codes, steps, self._labels(labels), bias, self.grid).numpy()

    def heatmaps(self, i: int, labels: str | Sequence[str], size: tuple[int, int] | None = None
                 ) -> np.ndarray:
        """(L, H, W) maps of image i upsampled to ``size`` (default: the original image size)."""
        maps = self.label_maps([i], labels)[0]
        if size is None:
            width, height = self.sizes()[i]
            size = (int(height), int(width))
        return np.clip(analysis.upsample_maps(maps, size), 0.0, 1.0)

    def weak_segmentation(
        self, i: int, labels: Sequence[str], threshold: float = 0.5, size: tuple[int, int] | None = None
    ) -> np.ndarray:
        """(H, W) ids: 0 = background (every map below ``threshold``), else 1 + index of the best label."""
        return analysis.weak_segmentation(self.heatmaps(i, labels, size), threshold)

    def location_vectors(self, i: int) -> np.ndarray:
        """(d, h, w) image i's location vectors, decoded from the store: a label's map logit at a
        location is its vector · the label + the map head's bias."""
        codes, steps = self._stored_maps([i])
        return self.codec.location_vectors(codes, steps)[0].T.reshape(-1, *self.grid).numpy()

    def segment(self, i: int, k: int = 3, seed: int = 0) -> np.ndarray:
        """(h, w) k-means segment ids over image i's location vectors."""
        return analysis.kmeans_segments(self.location_vectors(i), k, seed=seed)

    def diversity(self) -> np.ndarray:
        """(N,) variance of each image's region embeddings (computed exactly when embedded)."""
        return self.group["diversity"][...][self.rows].astype(np.float64)

    def pooled(self) -> np.ndarray:
        """(N, d) unit mean region embedding of each image."""
        return self.group["pooled"][...][self.rows].astype(np.float32) / POOLED_SCALE

    def pca(self, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
        """PCA of the pooled embeddings: ((N, n) coordinates, (n,) explained-variance ratios)."""
        return analysis.pca(self.pooled(), n)

    def clusters(self, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each image's nearest label (index into ``labels``) and its margin over the runner-up.

        Scores are standardised per label over the collection first: labels are not calibrated
        against each other, and a broad word would otherwise take most images."""
        return analysis.cluster_by_labels(analysis.standardise(self.scores(labels)))

    def similar(self, i: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The n images most similar to image i: (indices, cosine similarities), best first."""
        return analysis.nearest(self.pooled(), i, n)

    def search(self, painted: dict[str, np.ndarray], top: int = 20, client=None) -> SearchResult:
        """Rank all images by Σ grid·map over painted concepts ({label: grid in [-1, 1]}, any size)."""
        if not painted:
            raise ValueError("search needs at least one painted concept, e.g. {'sky': grid}")
        concepts = list(painted)
        grids = []
        for name, grid in painted.items():
            grid = np.asarray(grid, dtype=np.float64)
            if grid.ndim != 2 or grid.size == 0:
                raise ValueError(f"concept {name!r}: the painted grid must be a non-empty 2-D array")
            grids.append(analysis.resample_grid(grid, self.grid))
        query = torch.from_numpy(np.stack(grids)).float()
        vectors = self._labels(concepts)
        if client is not None:
            from .distributed import search_on_cluster

            totals = search_on_cluster(self, vectors, query, client)
        else:
            bias = self.model.net.map_bias
            parts = [painted_totals(self.codec, codes, steps, vectors, bias, query).numpy()
                     for codes, steps in self._map_blocks()]
            totals = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        order = np.argsort(-totals, kind="stable")[:top]
        maps = self.label_maps(order, concepts) if len(order) else np.zeros((0, len(concepts), *self.grid))
        return SearchResult(order, totals[order], maps, concepts)

    # -- tags --------------------------------------------------------------------------------
    @property
    def tags(self) -> dict[str, list[int]]:
        """{tag: collection indices}, as stored."""
        stored = self.group.attrs.get("tags", {})
        index_of = {int(r): i for i, r in enumerate(self.rows)}
        return {tag: sorted(index_of[r] for r in rows if r in index_of) for tag, rows in stored.items()}

    def tag(self, indices: Iterable[int], tag: str) -> None:
        """Give images a tag (kept in the store)."""
        tag = _clean_tag(tag)
        stored = dict(self.group.attrs.get("tags", {}))
        rows = set(stored.get(tag, [])) | {int(self.rows[i]) for i in indices}
        stored[tag] = sorted(rows)
        self.group.attrs["tags"] = stored

    def untag(self, indices: Iterable[int], tag: str) -> None:
        """Remove a tag from images."""
        stored = dict(self.group.attrs.get("tags", {}))
        drop = {int(self.rows[i]) for i in indices}
        stored[tag] = [r for r in stored.get(tag, []) if r not in drop]
        if not stored[tag]:
            del stored[tag]
        self.group.attrs["tags"] = stored

    def export_tags(self, path: str | os.PathLike, format: str | None = None) -> Path:
        """Write tags as CSV (path,tag per line) or COCO-style JSON (by extension or ``format``)."""
        from .export import write_coco, write_csv

        path = Path(path)
        format = format or ("coco" if path.suffix == ".json" else "csv")
        sizes = self.sizes()
        images = [(display_path(p), int(w), int(h)) for p, (w, h) in zip(self.paths, sizes, strict=True)]
        if format == "csv":
            return write_csv(path, images, self.tags)
        if format == "coco":
            return write_coco(path, images, self.tags)
        raise ValueError(f"format {format!r}: use 'csv' or 'coco'")


def _clean_tag(tag: str) -> str:
    if not isinstance(tag, str) or not tag.strip():
        raise ValueError(f"tag {tag!r}: use a non-empty string")
    return tag.strip()


def _local_or_url(store: str | os.PathLike) -> str:
    """A local path for ``file://`` URLs (Zarr's local store makes folders as needed), else as given."""
    url = os.fspath(store)
    return url.removeprefix("file://") if url.startswith("file://") else url


def _exists(url: str) -> bool:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    return fs.exists(path.rstrip("/") + "/zarr.json")


def _compressors():
    import zarr

    return zarr.codecs.BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle")


def _empty_codec(model: Model) -> RegionCodec:
    return RegionCodec.fit(model.net, torch.zeros(1, model.config.dim, 1, 1), components=0)


def _require_factorised(model: Model) -> None:
    if not model.config.factorised:
        raise StoreError(
            f"this model's head ({model.config.head!r} head, {model.config.pool!r} pooling) cannot answer "
            "a collection-wide query without running every location of every image through it; "
            "collections need a factorised head (NetConfig head='linear', pool='attention', the default)"
        )


def _create_layout(group, model: Model, chunk_size: int, components: int, fit_images: int) -> None:
    """Empty per-image arrays (zero rows) and the store's attributes."""
    config = model.config
    size = model.input_size
    stride = 32
    grid = (size // stride, size // stride)
    hw = grid[0] * grid[1]
    q = min(components, config.dim)
    layout = {
        "path": ((), "bytes"), "status": ((), "int8"), "error": ((), str), "width": ((), "int32"),
        "height": ((), "int32"), "sha1": ((20,), "uint8"), "thumb": ((), "bytes"),
        "score_vectors": ((config.slots, config.dim), "int16"), "codes": ((hw, q), "int8"),
        "steps": ((hw,), "float16"), "pooled": ((config.dim,), "int8"), "diversity": ((), "float32"),
    }
    zarr = _zarr()
    for name, (shape, dtype) in layout.items():
        if dtype == "bytes":
            dtype = zarr.dtype.VariableLengthBytes()
        group.create_array(name, shape=(0, *shape), chunks=(chunk_size, *shape), dtype=dtype,
                           compressors=None if name in UNCOMPRESSED else _compressors())
    group.create_array("done", shape=(0,), chunks=(1,), dtype="bool")
    group.attrs.update({
        "vsexplore_store": FORMAT,
        "model": config.to_dict(),
        "model_fingerprint": model_fingerprint(model),
        "input_size": size,
        "grid": list(grid),
        "chunk_size": chunk_size,
        "components": q,
        "fit_images": fit_images,
        "codec_fitted": False,
        "tags": {},
    })
