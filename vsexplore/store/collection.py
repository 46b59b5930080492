"""A collection: every image embedded once into a chunked Zarr store, then asked anything.

:class:`Collection` is the one face of the store room: build, open and add (filled by
:mod:`._build`), queries answered from stored vectors (read and cached by :mod:`._reader`,
computed by the kernels of :mod:`.codec`, or on Dask by :mod:`.distributed`), and tags (written
out by :mod:`.export`). The layout on disk is :mod:`._layout`'s. Images are addressed by their
index among embedded images (failed rows are left out of every analysis and listed in
:attr:`Collection.failures`).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .. import analysis
from ..data.sources import Source, list_images
from ..errors import StoreError
from ..images import display_path, load_image
from ..model import Model, load_collection_model
from . import _layout, coarse, naming
from ._build import append_paths, embed_pending
from ._reader import StoredRows
from .codec import (
    DEFAULT_COMPONENTS,
    RegionCodec,
    calibrated_scores,
    painted_totals,
    stored_maps,
    stored_scores,
)
from .distributed import scores_on_cluster, search_on_cluster
from .embedding import FAILED, POOLED_SCALE
from .export import export_tags
from .learned import LEARNED, learned_axis
from .tags import REJECTED, TAGS, TagBook

SCORE_CACHE_LABELS = 64  # per-label score columns remembered between queries


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
        self.refresh()

    # -- building and opening ----------------------------------------------------------------
    @classmethod
    def build(
        cls,
        source: Source,
        store: str | os.PathLike,
        model: Model | None = None,
        *,
        client=None,
        chunk_size: int = _layout.CHUNK,
        components: int = DEFAULT_COMPONENTS,
        fit_images: int = _layout.FIT_IMAGES,
        progress: bool = True,
    ) -> Collection:
        """Embed every image of ``source`` into ``store`` once; re-running finishes an interrupted job
        and appends images that are new in ``source``. ``client``: a ``dask.distributed.Client``.

        The store's codec is fitted on the first ``fit_images`` images (embedded in-process)."""
        paths = list_images(source)
        url = _layout.local_or_url(store)
        model = model if model is not None else load_collection_model(input_size=_layout.STORE_INPUT_SIZE)
        _layout.require_factorised(model)
        if _layout.store_exists(url):
            col = cls.open(url, model=model, mode="r+")
        else:
            group = _layout.open_group(url, mode="w")
            _layout.create_layout(group, model, chunk_size, components, fit_images)
            col = cls(group, model, _layout.empty_codec(model), url)
        return col._embed(paths, client=client, progress=progress)

    @classmethod
    def open(cls, store: str | os.PathLike, model: Model | None = None, mode: str = "r") -> Collection:
        """Reopen a store; the source images need not exist. ``model`` must be the one that built it."""
        url = _layout.local_or_url(store)
        if not _layout.store_exists(url):
            raise StoreError(f"{url}: no vsexplore store here; build one with "
                             "vx.Collection.build(folder, store=...)")
        group = _layout.open_group(url, mode=mode)
        _layout.check_format(url, group)
        attrs = group.attrs.asdict()
        if model is None:
            model = load_collection_model(input_size=attrs["input_size"])
        _layout.require_factorised(model)
        if _layout.model_fingerprint(model) != attrs["model_fingerprint"]:
            raise StoreError(
                f"{url} was embedded with a different model (backbone {attrs['model']['backbone']}, encoder "
                f"{attrs['model']['encoder']}, fingerprint {attrs['model_fingerprint']}); this model's "
                f"fingerprint is {_layout.model_fingerprint(model)}. Open it with the model that built it, "
                "or build a new store for this model."
            )
        if model.input_size != attrs["input_size"]:
            model.input_size = attrs["input_size"]
        return cls(group, model, _layout.read_codec(group, model), url)

    def add(self, paths: Iterable[str | os.PathLike], client=None, progress: bool = True) -> Collection:
        """Append images (paths already in the store are skipped) and embed them."""
        return self._embed(list_images(list(paths)), client=client, progress=progress)

    def _embed(self, paths: list[str], client=None, progress: bool = True) -> Collection:
        append_paths(self.group, paths)
        self.codec = embed_pending(self.group, self.url, self.model, self.codec, client=client,
                                   progress=progress)
        self.refresh()
        return self

    def refresh(self) -> None:
        """Re-read which rows are embedded (after another process added images)."""
        self._stored = StoredRows(self.group, self.url)
        self._score_cache: dict[str, np.ndarray] = {}

    # -- what is stored ----------------------------------------------------------------------
    @property
    def rows(self) -> np.ndarray:
        """Store row of each embedded image, in collection order."""
        return self._stored.rows

    @property
    def all_paths(self) -> list[str]:
        """Every path in the store, embedded, failed or pending, in row order."""
        return self._stored.all_paths

    @property
    def chunk_size(self) -> int:
        """Images per Zarr chunk (the unit of writing, resuming and Dask work)."""
        return self._stored.chunk_size

    @property
    def n_chunks(self) -> int:
        return self._stored.n_chunks

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return (f"Collection({self.url!r}: {len(self)} images, {len(self.failures)} failed, "
                f"{int((self._stored.status == 0).sum())} pending)")

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
        failed = np.flatnonzero(self._stored.status == FAILED)
        errors = self.group["error"][...] if len(failed) else []
        return [(self.all_paths[r], str(errors[r])) for r in failed]

    def sizes(self) -> np.ndarray:
        """(N, 2) original (width, height) of each image."""
        return np.stack([self._stored.embedded("width"), self._stored.embedded("height")], axis=1)

    def thumbnail(self, i: int) -> bytes:
        """JPEG bytes of image i's stored thumbnail (128 px)."""
        row = int(self.rows[i])
        return bytes(self.group["thumb"][row : row + 1][0])

    def image(self, i: int) -> Image.Image:
        """Image i: the original file when present and unchanged (its SHA-1 is the stored one),
        else the stored thumbnail."""
        row = int(self.rows[i])
        path = self.all_paths[row]
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            if hashlib.sha1(data).digest() == bytes(self.group["sha1"][row : row + 1][0]):
                return load_image(path)
        except Exception:  # noqa: BLE001 — moved or unreadable: the store still has a thumbnail
            pass
        return Image.open(io.BytesIO(self.thumbnail(i))).convert("RGB")

    # -- analyses ----------------------------------------------------------------------------
    def _labels(self, labels: str | Sequence[str]) -> torch.Tensor:
        return torch.from_numpy(self.model.encoder.encode(labels)).float()

    def scores(self, labels: str | Sequence[str], client=None) -> np.ndarray:
        """(N, L) scores in [0, 1] of any labels for every image, from the store (no re-embedding).

        Recent labels' scores are remembered, so redrawing a view along the same words is free.
        A name ``"#tag"`` is the tag's learned axis (:meth:`learned_axis`), refitted each time."""
        names = [labels] if isinstance(labels, str) else list(labels)
        if not names:
            return np.zeros((len(self), 0), np.float32)
        if any(name.startswith(LEARNED) for name in names):  # learned axes: fitted now, never cached
            columns = [self.learned_axis(n.removeprefix(LEARNED)) if n.startswith(LEARNED)
                       else self.scores([n])[:, 0] for n in names]
            return np.stack(columns, axis=1).astype(np.float32)
        vectors = self._labels(names)
        missing = list(dict.fromkeys(name for name in names if name not in self._score_cache))
        columns = {name: self._score_cache[name] for name in names if name in self._score_cache}
        if missing:
            index = {name: j for j, name in enumerate(names)}
            fresh = self._fresh_scores(missing, vectors[[index[name] for name in missing]], client)
            columns |= {name: fresh[:, j] for j, name in enumerate(missing)}
        for name in names:  # most recent last; the oldest go past SCORE_CACHE_LABELS
            self._score_cache.pop(name, None)
            self._score_cache[name] = columns[name]
        while len(self._score_cache) > SCORE_CACHE_LABELS:
            self._score_cache.pop(next(iter(self._score_cache)))
        return np.stack([columns[name] for name in names], axis=1)

    def _fresh_scores(self, names: list[str], vectors: torch.Tensor, client=None) -> np.ndarray:
        """(N, L) scores computed from the store: the head's alone, or the calibrated model's."""
        bias, calibration = self.model.net.score_bias, self.model.calibration
        labels = calibration.label_terms(vectors, names, bias) if calibration is not None else None
        if client is not None:
            mirror = self._stored.mirror.folder.name if self._stored.mirror is not None else None
            return scores_on_cluster(self.url, self._stored.row_ranges(), vectors, bias, client,
                                     calibration=calibration, labels=labels, mirror=mirror)
        if calibration is None:
            return stored_scores(self._stored.score_vectors(), vectors, bias).numpy()
        summaries = self._stored.calibration_summaries()
        return calibrated_scores(calibration, self._stored.score_vectors(), *summaries, labels, bias).numpy()

    def label_maps(self, indices: Sequence[int], labels: str | Sequence[str]) -> np.ndarray:
        """(n, L, h, w) label maps in [0, 1] of some images, on the map grid."""
        codes, steps = self._stored.maps_of(indices)
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
        codes, steps = self._stored.maps_of([i])
        return self.codec.location_vectors(codes, steps)[0].T.reshape(-1, *self.grid).numpy()

    def segment(self, i: int, k: int = 3, seed: int = 0) -> np.ndarray:
        """(h, w) k-means segment ids over image i's location vectors."""
        return analysis.kmeans_segments(self.location_vectors(i), k, seed=seed)

    def diversity(self) -> np.ndarray:
        """(N,) variance of each image's region embeddings (computed exactly when embedded)."""
        return self._stored.embedded("diversity").astype(np.float64)

    def pooled(self) -> np.ndarray:
        """(N, d) unit mean region embedding of each image."""
        return self._stored.embedded("pooled").astype(np.float32) / POOLED_SCALE

    def pca(self, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
        """PCA of the pooled embeddings: ((N, n) coordinates, (n,) explained-variance ratios)."""
        return analysis.pca(self.pooled(), n)

    def clusters(self, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each image's nearest label (index into ``labels``) and its margin over the runner-up.

        Scores are standardised per label over the collection first: labels are not calibrated
        against each other, and a broad word would otherwise take most images."""
        return analysis.cluster_by_labels(analysis.standardise(self.scores(labels)))

    def suggest_labels(self, i: int, n: int = 5) -> list[tuple[str, float]]:
        """Image i's ``n`` best words from the 27k-word open vocabulary, with scores (calibrated: not
        the same list for every photo). Needs the shipped (calibrated) model."""
        return naming.suggest_labels(self, i, n)

    def suggest_many(self, indices: Sequence[int], n: int = 5) -> list[list[tuple[str, float]]]:
        """:meth:`suggest_labels` for each image of ``indices`` (a gallery's), scored in blocks."""
        return naming.suggest_many(self, indices, n)

    def auto_clusters(self, k: int | None = None, names: int = 3, seed: int = 0) -> naming.Clustering:
        """Clusters of the collection, each named by its most distinctive vocabulary words;
        ``k=None``: round(sqrt(N / 2)) clusters, 2 to 20."""
        return naming.auto_clusters(self, k=k, names=names, seed=seed)

    def similar(self, i: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The n images most similar to image i: (indices, cosine similarities), best first."""
        return analysis.nearest(self.pooled(), i, n)

    def search(self, painted: dict[str, np.ndarray], top: int = 20, client=None, exact: bool = False
               ) -> SearchResult:
        """Rank all images by Σ grid·map over painted concepts ({label: grid in [-1, 1]}, any size).

        A local store's mirror shortlists candidates by coarse cells first (:mod:`.coarse`) and ranks
        them exactly; ``exact=True`` ranks every image from its full codes instead (slow on large stores)."""
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
        bias = self.model.net.map_bias
        size = coarse.shortlist_size(top, len(self))
        if client is not None:
            shortlist = np.arange(len(self))
            totals = search_on_cluster(self.url, self._stored.row_ranges(), vectors, query, self.codec, bias,
                                       client)
        elif not exact and self._stored.mirrored("cells") and len(self) > size:
            # the mirror's coarse cells pick candidates; their full codes rank them exactly
            cells, basis = self._stored.mirror.cells()
            flat = query.reshape(len(query), -1)
            shortlist = np.sort(coarse.candidates(cells, basis, self.codec, vectors, flat, bias, size))
            codes, steps = self._stored.maps_of(shortlist)
            totals = painted_totals(self.codec, codes, steps, vectors, bias, query).numpy()
        else:
            shortlist = np.arange(len(self))
            parts = [painted_totals(self.codec, codes, steps, vectors, bias, query).numpy()
                     for codes, steps in self._stored.map_blocks()]
            totals = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        best = np.argsort(-totals, kind="stable")[:top]
        order = shortlist[best]
        maps = self.label_maps(order, concepts) if len(order) else np.zeros((0, len(concepts), *self.grid))
        return SearchResult(order, totals[best], maps, concepts)

    # -- tags --------------------------------------------------------------------------------
    def _book(self) -> TagBook:
        return TagBook(self.url, self.group, self.rows)

    @property
    def tags(self) -> dict[str, list[int]]:
        """{tag: collection indices}, as stored (read afresh: another process may have tagged)."""
        return self._book().read(TAGS)

    @property
    def rejections(self) -> dict[str, list[int]]:
        """{tag: indices the user said do not have it}, as stored (what learned axes learn against)."""
        return self._book().read(REJECTED)

    def tag(self, indices: Iterable[int], tag: str) -> None:
        """Give images a tag (kept in the store at once, atomically); it stops being rejected for them."""
        self._book().add(TAGS, indices, tag)

    def untag(self, indices: Iterable[int], tag: str) -> None:
        """Remove a tag from images."""
        self._book().remove(TAGS, indices, tag)

    def reject(self, indices: Iterable[int], tag: str) -> None:
        """Record that images do not have a tag (a learned axis's negatives); they lose the tag."""
        self._book().add(REJECTED, indices, tag)

    def unreject(self, indices: Iterable[int], tag: str) -> None:
        """Forget that images were rejected for a tag (they are neither tagged nor rejected again)."""
        self._book().remove(REJECTED, indices, tag)

    def learned_axis(self, tag: str) -> np.ndarray:
        """(N,) scores in [0, 1] of a model fitted on the tag's images against rejected and sampled
        others (see :mod:`.learned`); ``col.scores(["#tag"])`` asks the same."""
        return learned_axis(self, tag)

    def export_tags(self, path: str | os.PathLike, format: str | None = None, decisions: bool = False
                    ) -> Path:
        """Write tags as CSV (``path,tag`` rows), COCO-style JSON or one folder per tag holding copies of
        the original files (FiftyOne's ImageClassificationDirectoryTree); by ``format`` or the path (see
        :func:`.export.export_tags`). ``decisions=True`` adds rejections (CSV: a ``decision`` column)."""
        sizes = self.sizes()
        images = [(display_path(p), int(w), int(h)) for p, (w, h) in zip(self.paths, sizes, strict=True)]
        return export_tags(path, images, self.tags, format, rejections=self.rejections if decisions else None,
                           files=self.paths)
