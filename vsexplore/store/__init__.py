"""The store room: a collection embedded once into a chunked Zarr store, then asked anything.

:class:`Collection` (``collection.py``) is its face; ``_layout.py`` is the format on disk,
``codec.py`` what is stored per image and the query kernels, ``embedding.py`` how rows are made,
``_build.py`` and ``_reader.py`` filling and reading a store, ``distributed.py`` the same work on
Dask, ``export.py`` tags written out. The store imports no training, evaluation or widget code.
"""

from ..errors import StoreError
from ._layout import FORMAT, PER_IMAGE, STORE_INPUT_SIZE, model_fingerprint
from .collection import Collection, SearchResult

__all__ = ["FORMAT", "PER_IMAGE", "STORE_INPUT_SIZE", "Collection", "SearchResult", "StoreError",
           "model_fingerprint"]
