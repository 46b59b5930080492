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
from .network import NetConfig, VisualSemanticNet


@functools.lru_cache(maxsize=4)
def _worker_model(weights: str, input_size: int, precision: str):
    return load_model(weights, input_size=input_size, precision=precision)


@functools.lru_cache(maxsize=8)
def _worker_group(url: str):
    from .store import _zarr

    return _zarr().open_group(url, mode="r+")


def _head(payload: dict) -> tuple[VisualSemanticNet, RegionCodec]:
    net = VisualSemanticNet(NetConfig.from_dict(payload["config"]))
    net.load_state_dict(payload["state"])
    net.eval()
    return net, RegionCodec.from_tensors(payload["codec"], net)


def _head_payload(col) -> dict:
    return {
        "config": col.model.config.to_dict(),
        "state": {k: v.detach().cpu() for k, v in col.model.net.state_dict().items()},
        "codec": col.codec.tensors(),
    }


def _embed_chunk(url: str, rows: tuple[int, int], chunk: int, weights: str, input_size: int,
                 precision: str, codec_tensors: dict) -> int:
    import os

    model = _worker_model(weights, input_size, precision)
    codec = RegionCodec.from_tensors(codec_tensors, model.net)
    group = _worker_group(url)
    paths = [os.fsdecode(p) for p in group["path"][rows[0] : rows[1]]]
    (prepared, features, logits), = embed_chunks(model, [paths], threads=1)
    arrays = encode_rows(model, codec, prepared, features, logits)
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
    codec = client.scatter(col.codec.tensors(), broadcast=True, hash=False)
    futures = []
    for c in pending:
        rows = col._chunk_rows(c)
        futures.append(client.submit(_embed_chunk, col.url, (rows.start, rows.stop), c, str(weights),
                                     col.model.input_size, col.model.backbone.precision, codec, pure=False))
    for future in as_completed(futures):
        bar.update(future.result())


def _query_chunk(url: str, rows: tuple[int, int], payload: dict, vectors: torch.Tensor,
                 grid: tuple[int, int], query: torch.Tensor | None) -> np.ndarray:
    from .store import QUERY_ARRAYS, scores_and_maps

    net, codec = _head(payload)
    group = _worker_group(url)
    stored = {name: group[name][rows[0] : rows[1]] for name in QUERY_ARRAYS}
    ok = group["status"][rows[0] : rows[1]] == OK
    scores, maps = scores_and_maps(net, codec, stored, vectors, grid)
    if query is None:
        return scores.numpy()[ok]
    return torch.einsum("nchw,chw->n", maps, query).numpy()[ok]


def _map_chunks(col, vectors: torch.Tensor, client, query: torch.Tensor | None) -> np.ndarray:
    # hash=False: a same-content scatter would share the key with the previous call's, whose
    # release could then drop the data under this call's tasks ("lost dependencies")
    payload = client.scatter(_head_payload(col), broadcast=True, hash=False)
    futures = [
        client.submit(_query_chunk, col.url, (r.start, r.stop), payload, vectors, col.grid, query, pure=False)
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
