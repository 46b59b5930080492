"""Running a collection's embedding and queries on a ``dask.distributed`` cluster, chunk by chunk.

Each task opens the store itself (any fsspec URL the workers can reach) and works on one Zarr
chunk's rows, so nothing large travels through the scheduler; the head's biases and the codec go
to workers once per call. The tasks run exactly the code the in-process path runs (the kernels of
:mod:`.codec` and the row encoding of :mod:`.embedding`), on the same data: scores read the caller's
memory-mapped :mod:`.mirror` where the workers share its file system (a ``LocalCluster``), so their
answers are the in-process ones; elsewhere both read the store's Zarr arrays. Callers pass the
store's URL and row ranges, never a collection object.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..model import load_model
from . import _layout
from .codec import RegionCodec, calibrated_scores, from_bf16_bits, painted_totals, stored_scores
from .embedding import OK, embed_chunks, encode_rows
from .mirror import mirror_named

Rows = tuple[int, int]  # [start, stop) of one chunk's rows


@functools.lru_cache(maxsize=4)
def _worker_model(weights: str, input_size: int, precision: str):
    return load_model(weights, input_size=input_size, precision=precision)


@functools.lru_cache(maxsize=8)
def _worker_group(url: str):
    return _layout.open_group(url, mode="r+")


def _scatter(client, value):
    """One future holding ``value`` on every worker. Wrapped in a list: a scattered dict would
    become one future per item *keyed by the dict's keys*, shared between calls, and one call's
    release could then drop another's data ("lost dependencies"); ``hash=False`` likewise."""
    return client.scatter([value], broadcast=True, hash=False)[0]


def _embed_chunk(url: str, rows: Rows, chunk: int, weights: str, input_size: int, precision: str,
                 codec_tensors: dict) -> int:
    model = _worker_model(weights, input_size, precision)
    codec = RegionCodec.from_tensors(codec_tensors)
    group = _worker_group(url)
    paths = [os.fsdecode(p) for p in group["path"][rows[0] : rows[1]]]
    (prepared, head), = embed_chunks(model, [paths], threads=1)
    arrays = encode_rows(model, codec, prepared, head)
    for name, values in arrays.items():
        group[name][rows[0] : rows[1]] = values
    group["done"][chunk] = True
    return len(paths)


def embed_on_cluster(url: str, chunks: dict[int, Rows], model, codec: RegionCodec, client,
                     on_done: Callable[[int], object]) -> None:
    """Embed the given chunks ({chunk: rows}) of the store at ``url`` on the cluster's workers;
    ``on_done(n)`` after each chunk of n images."""
    from dask.distributed import as_completed

    weights = getattr(model, "weights_path", None)
    if weights is None:
        raise ValueError("embedding on a cluster loads the model on each worker: save it with "
                         "model.save(path) and load it with vx.load_model(path) first")
    codec_future = _scatter(client, codec.tensors())
    futures = [client.submit(_embed_chunk, url, rows, c, str(weights), model.input_size,
                             model.backbone.precision, codec_future, pure=False)
               for c, rows in chunks.items()]
    for future in as_completed(futures):
        on_done(future.result())


# the caller's mirror, when this worker sees the same file system (a LocalCluster, shared disks)
_worker_mirror = functools.lru_cache(maxsize=4)(mirror_named)


def _chunk_summaries(url: str, rows: Rows, payload: dict) -> tuple[list, np.ndarray | None]:
    """[score vectors, described, top classes, top probs] of a chunk's embedded rows, and the chunk's
    embedded mask (None when read from the mirror, which holds embedded rows only): from the caller's
    mirror where this worker can map it, so the answers are the in-process ones, else from Zarr."""
    mirror = _worker_mirror(url, payload["mirror"]) if payload.get("mirror") else None
    if mirror is not None:
        part = slice(*np.searchsorted(mirror.rows, rows))
        arrays = [mirror.int8("score_vectors")[part]]
        if "described" in mirror.names:
            arrays += [mirror.int8("described")[part],
                       *(torch.from_numpy(mirror.array(name)[part]) for name in ("top_classes", "top_probs"))]
        return arrays, None
    group = _worker_group(url)
    ok = group["status"][rows[0] : rows[1]] == OK
    arrays = [from_bf16_bits(group["score_vectors"][rows[0] : rows[1]])]
    if "described" in group:
        arrays += [from_bf16_bits(group["described"][rows[0] : rows[1]]),
                   *(torch.from_numpy(group[n][rows[0] : rows[1]]) for n in ("top_classes", "top_probs"))]
    return arrays, ok


def _query_chunk(url: str, rows: Rows, payload: dict, vectors: torch.Tensor,
                 query: torch.Tensor | None) -> np.ndarray:
    if query is None:
        (score_vectors, *summaries), ok = _chunk_summaries(url, rows, payload)
        if payload.get("calibration") is None:
            scores = stored_scores(score_vectors, vectors, payload["score_bias"])
        else:
            scores = calibrated_scores(payload["calibration"], score_vectors, *summaries, payload["labels"],
                                       payload["score_bias"])
        return scores.numpy() if ok is None else scores.numpy()[ok]
    group = _worker_group(url)
    ok = group["status"][rows[0] : rows[1]] == OK
    codec = RegionCodec.from_tensors(payload["codec"])
    codes = torch.from_numpy(group["codes"][rows[0] : rows[1]]).to(torch.bfloat16)
    steps = torch.from_numpy(group["steps"][rows[0] : rows[1]])
    return painted_totals(codec, codes, steps, vectors, payload["map_bias"], query).numpy()[ok]


def _map_chunks(url: str, chunks: Sequence[Rows], payload: dict, vectors: torch.Tensor, client,
                query: torch.Tensor | None) -> np.ndarray:
    shared = _scatter(client, payload)
    futures = [client.submit(_query_chunk, url, rows, shared, vectors, query, pure=False) for rows in chunks]
    parts = client.gather(futures)
    return np.concatenate(parts) if parts else np.zeros((0,), np.float32)


def scores_on_cluster(url: str, chunks: Sequence[Rows], vectors: torch.Tensor, score_bias: float,
                      client, calibration=None, labels=None, mirror: str | None = None) -> np.ndarray:
    """(N, L) scores of the embedded rows, one task per chunk; with a model's ``calibration`` and
    the labels' :class:`~vsexplore.calibration.LabelTerms`, its calibrated scores. ``mirror``: the
    folder name of the caller's :mod:`.mirror`, which workers on the same file system read."""
    lean = None if calibration is None else calibration.without_reference()
    payload = {"score_bias": score_bias, "calibration": lean, "labels": labels, "mirror": mirror}
    out = _map_chunks(url, chunks, payload, vectors, client, None)
    return out.reshape(-1, len(vectors))


def search_on_cluster(url: str, chunks: Sequence[Rows], vectors: torch.Tensor, query: torch.Tensor,
                      codec: RegionCodec, map_bias: float, client) -> np.ndarray:
    """(N,) painted-search totals of the embedded rows, one task per chunk."""
    return _map_chunks(url, chunks, {"map_bias": map_bias, "codec": codec.tensors()}, vectors, client, query)
