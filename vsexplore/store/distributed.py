"""Running a collection's embedding and queries on a ``dask.distributed`` cluster, chunk by chunk.

Each task opens the store itself (any fsspec URL the workers can reach) and works on one Zarr
chunk, so nothing large travels through the scheduler; the head and codec go to workers once per
call. The functions run exactly the code the in-process path runs.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from .codec import RegionCodec
from .embedding import OK, embed_chunks, encode_rows
from .model import load_model


@functools.lru_cache(maxsize=4)
def _worker_model(weights: str, input_size: int, precision: str):
    return load_model(weights, input_size=input_size, precision=precision)


@functools.lru_cache(maxsize=8)
def _worker_group(url: str):
    from .store import _zarr

    return _zarr().open_group(url, mode="r+")


def _scatter(client, value):
    """One future holding ``value`` on every worker. Wrapped in a list: a scattered dict would
    become one future per item *keyed by the dict's keys*, shared between calls, and one call's
    release could then drop another's data ("lost dependencies"); ``hash=False`` likewise."""
    return client.scatter([value], broadcast=True, hash=False)[0]


def _head_payload(col) -> dict:
    """What a query task needs besides the store: the head's biases and the codec."""
    return {"map_bias": col.model.net.map_bias, "score_bias": col.model.net.score_bias,
            "codec": col.codec.tensors()}


def _embed_chunk(url: str, rows: tuple[int, int], chunk: int, weights: str, input_size: int,
                 precision: str, codec_tensors: dict) -> int:
    import os

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


def embed_on_cluster(col, pending: list[int], client, bar) -> None:
    """Embed the pending chunks of ``col`` on the cluster's workers."""
    from dask.distributed import as_completed

    weights = getattr(col.model, "weights_path", None)
    if weights is None:
        raise ValueError("embedding on a cluster loads the model on each worker: save it with "
                         "model.save(path) and load it with vx.load_model(path) first")
    codec = _scatter(client, col.codec.tensors())
    futures = []
    for c in pending:
        rows = col._chunk_rows(c)
        futures.append(client.submit(_embed_chunk, col.url, (rows.start, rows.stop), c, str(weights),
                                     col.model.input_size, col.model.backbone.precision, codec, pure=False))
    for future in as_completed(futures):
        bar.update(future.result())


def _query_chunk(url: str, rows: tuple[int, int], payload: dict, vectors: torch.Tensor,
                 query: torch.Tensor | None) -> np.ndarray:
    from .codec import from_bf16_bits
    from .store import painted_totals, stored_scores

    group = _worker_group(url)
    ok = group["status"][rows[0] : rows[1]] == OK
    if query is None:
        score_vectors = from_bf16_bits(group["score_vectors"][rows[0] : rows[1]])
        return stored_scores(score_vectors, vectors, payload["score_bias"]).numpy()[ok]
    codec = RegionCodec.from_tensors(payload["codec"])
    codes = torch.from_numpy(group["codes"][rows[0] : rows[1]]).to(torch.bfloat16)
    steps = torch.from_numpy(group["steps"][rows[0] : rows[1]])
    return painted_totals(codec, codes, steps, vectors, payload["map_bias"], query).numpy()[ok]


def _map_chunks(col, vectors: torch.Tensor, client, query: torch.Tensor | None) -> np.ndarray:
    payload = _scatter(client, _head_payload(col))
    futures = [
        client.submit(_query_chunk, col.url, (r.start, r.stop), payload, vectors, query, pure=False)
        for r in (col._chunk_rows(c) for c in range(col.n_chunks))
    ]
    parts = client.gather(futures)
    return np.concatenate(parts) if parts else np.zeros((0,), np.float32)


def scores_on_cluster(col, vectors: torch.Tensor, client) -> np.ndarray:
    """(N, L) scores, one task per chunk."""
    out = _map_chunks(col, vectors, client, None)
    return out.reshape(-1, len(vectors))


def search_on_cluster(col, vectors: torch.Tensor, query: torch.Tensor, client) -> np.ndarray:
    """(N,) painted-search scores, one task per chunk."""
    return _map_chunks(col, vectors, client, query)
