"""The on-disk layout of a store: format constants, opening Zarr, creating the arrays, chunk rows.

Layout of a store (a Zarr group at a local path or any fsspec URL)::

    attrs       format, model config + fingerprint, grid, chunk size (tags of stores made before decisions/)
    decisions/  a sub-group whose attributes are the tags and rejections (see :mod:`.tags`)
    codec/      the fitted RegionCodec (fitted on the collection's first images)
    path        (N,) file paths as bytes (any file name, UTF-8 or not)
    status      (N,) 0 pending, 1 embedded, 2 failed;  error (N,) the reason
    width, height, sha1, thumb (JPEG bytes, 128 px)
    score_vectors (N, slots, d)   bfloat16 bits: a label's score is one dot product per slot
    codes (N, hw, q), steps (N, hw)   what label maps are decoded from (see :mod:`.codec`)
    pooled (N, d), diversity (N,)    exact per-image summaries
    described (N, d), top_classes (N, K), top_probs (N, K)   with a calibrated model: what its
                described-ConSE and WordNet-mass terms need (see :mod:`vsexplore.calibration`)
    done        (chunks,) set after all of a chunk's rows are written
    mirror-<token>/   a local store's memory-mapped copy of what queries read first (:mod:`.mirror`)

Chunks never share files, so Dask workers write in parallel without locks.
"""

from __future__ import annotations

import math
import os
import warnings

import torch

from ..errors import StoreError
from ..model import Model
from .codec import FITTED, RegionCodec

FORMAT = 2
CHUNK = 256
FIT_IMAGES = 512
STORE_INPUT_SIZE = 224
PER_IMAGE = ("path", "status", "error", "width", "height", "sha1", "thumb", "score_vectors", "codes", "steps",
             "pooled", "diversity")
MAP_ARRAYS = ("codes", "steps")
CALIBRATED = ("described", "top_classes", "top_probs")  # stored when the model has a calibration
# bfloat16 bits shrink 17 %, every projection's first read would wait on it; codes shrink 28 %, but
# plain chunk files let a painted search read its candidates' rows a page each (:mod:`._reader`); so
# do their steps (6 % of them)
UNCOMPRESSED = ("score_vectors", "codes", "steps")


def zarr_module():
    """``zarr``, with its warning about variable-length bytes (not yet in the v3 spec) silenced."""
    import zarr
    from zarr.core.dtype.common import UnstableSpecificationWarning

    warnings.filterwarnings("ignore", category=UnstableSpecificationWarning)
    return zarr


def local_or_url(store: str | os.PathLike) -> str:
    """A local path for ``file://`` URLs (Zarr's local store makes folders as needed), else as given."""
    url = os.fspath(store)
    return url.removeprefix("file://") if url.startswith("file://") else url


def store_exists(url: str) -> bool:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    return fs.exists(path.rstrip("/") + "/zarr.json")


def open_group(url: str, mode: str = "r"):
    """The store's Zarr group."""
    return zarr_module().open_group(url, mode=mode)


def compressors():
    import zarr

    return zarr.codecs.BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle")


def chunk_rows(chunk: int, chunk_size: int, total: int) -> range:
    """The rows of chunk ``chunk`` in a store of ``total`` rows."""
    return range(chunk * chunk_size, min(total, (chunk + 1) * chunk_size))


def model_fingerprint(model: Model) -> str:
    """:meth:`Model.fingerprint`: a store only answers for the model that built it."""
    return model.fingerprint()


def per_image_arrays(group) -> tuple[str, ...]:
    """The store's per-image arrays: the always-present ones, and the calibrated model's if stored."""
    return PER_IMAGE + tuple(name for name in CALIBRATED if name in group)


def map_grid(model: Model) -> tuple[int, int]:
    """(h, w) of the model's last conv map at its input size: every stride-2 stage rounds up."""
    side = math.ceil(model.input_size / model.backbone.spec.stride)
    return side, side


def require_factorised(model: Model) -> None:
    if not model.config.factorised:
        raise StoreError(
            f"this model's head ({model.config.head!r} head, {model.config.pool!r} pooling) cannot answer "
            "a collection-wide query without running every location of every image through it; "
            "collections need a factorised head (NetConfig head='linear', pool='attention', the default)"
        )


def empty_codec(model: Model) -> RegionCodec:
    """The codec of a store whose first images are not embedded yet."""
    return RegionCodec.fit(model.net, torch.zeros(1, model.config.dim, 1, 1), components=0)


def read_codec(group, model: Model) -> RegionCodec:
    """The store's fitted codec, or an empty one before it is fitted."""
    if "codec" in group and bool(group.attrs.get("codec_fitted", False)):
        return RegionCodec.from_tensors({k: group["codec"][k][...] for k in FITTED})
    return empty_codec(model)


def write_codec(group, codec: RegionCodec, chunk_size: int) -> None:
    """Store a fitted codec and re-create the (still empty) ``codes`` array at its width."""
    codec_group = group.require_group("codec")
    for name, tensor in codec.tensors().items():
        codec_group.create_array(name, data=tensor.numpy(), overwrite=True)
    shape = (*group["codes"].shape[:2], codec.components)
    group.create_array("codes", shape=shape, chunks=(chunk_size, *shape[1:]), dtype="int8", overwrite=True,
                       compressors=None)
    group.attrs["components"] = codec.components
    group.attrs["codec_fitted"] = True


def create_layout(group, model: Model, chunk_size: int, components: int, fit_images: int) -> None:
    """Empty per-image arrays (zero rows) and the store's attributes."""
    config = model.config
    grid = map_grid(model)
    hw = grid[0] * grid[1]
    q = min(components, config.dim)
    layout = {
        "path": ((), "bytes"), "status": ((), "int8"), "error": ((), str), "width": ((), "int32"),
        "height": ((), "int32"), "sha1": ((20,), "uint8"), "thumb": ((), "bytes"),
        "score_vectors": ((config.slots, config.dim), "int16"), "codes": ((hw, q), "int8"),
        "steps": ((hw,), "float16"), "pooled": ((config.dim,), "int8"), "diversity": ((), "float32"),
    }
    if model.calibration is not None:
        k = model.calibration.coefficients.mass_k
        layout |= {"described": ((config.dim,), "int16"), "top_classes": ((k,), "int16"),
                   "top_probs": ((k,), "float16")}
    zarr = zarr_module()
    for name, (shape, dtype) in layout.items():
        if dtype == "bytes":
            dtype = zarr.dtype.VariableLengthBytes()
        group.create_array(name, shape=(0, *shape), chunks=(chunk_size, *shape), dtype=dtype,
                           compressors=None if name in UNCOMPRESSED else compressors())
    group.create_array("done", shape=(0,), chunks=(1,), dtype="bool")
    group.attrs.update({
        "vsexplore_store": FORMAT,
        "model": config.to_dict(),
        "model_fingerprint": model_fingerprint(model),
        "input_size": model.input_size,
        "grid": list(grid),
        "chunk_size": chunk_size,
        "components": q,
        "fit_images": fit_images,
        "codec_fitted": False,
        "tags": {},
    })


def check_format(url: str, group) -> None:
    """Refuse a group that is not a store of this format, saying what to do."""
    found = group.attrs.asdict().get("vsexplore_store")
    if found != FORMAT:
        raise StoreError(f"{url}: store format {found}, this vsexplore reads format {FORMAT}; "
                         "build the collection again (the source images are needed)" if found else
                         f"{url}: not a vsexplore store")
