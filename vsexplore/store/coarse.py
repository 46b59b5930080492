"""Painted search in two steps: coarse candidates from grid-pooled codes, then the exact ranking.

A map logit is linear in the location vector (``E_l · t``), so a painting's linear total for a
concept, ``Σ_l Q[l] (E_l · t)``, only needs ``Σ_l B[l, m] E_l`` for a basis ``B`` of paintings.
The basis here is the area-averaged 3×3 and 2×2 grids (13 cells): every painting of 1, 2 or 3 rows
by 1, 2 or 3 columns of the same kind lies in it exactly (area averaging keeps constants), others
are projected onto it by least squares. Each image keeps its cells' codes on the codec's leading
``COMPONENTS`` directions (int8, 13 × 32 bytes, one scale per image), so the painting, the labels and
the basis fold into one (13·32)-vector and the candidates of a search over a million images are one
int8 matrix-vector product; the best of them (2,000, or 1 % of the collection if more) are then
ranked by the exact total (Σ painting · sigmoid(map logit)) from their full codes.

What the shortlist cannot do: tell near-duplicates apart by what the coarse cells leave out. In the
benchmarks' synthetic stores (each of 120 real rows copied ~830 times per 100k, with ±1 code noise)
the exact top-20 is decided by that noise, so a shortlist smaller than one photo's copies misses it.
"""

from __future__ import annotations

import numpy as np
import torch

from ..analysis import _area_matrix
from ..int8 import Int8Rows, quantise
from .codec import RegionCodec

COMPONENTS = 32
SHORTLIST = 2000  # candidates ranked exactly, at least
SHORTLIST_PER_RESULT = 50
SHORTLIST_SHARE = 0.01  # and at least this share of the collection
GRIDS = (3, 2)  # the cell grids of the basis


def cell_basis(grid: tuple[int, int]) -> np.ndarray:
    """(h·w, m) columns: each cell of the ``GRIDS`` paintings, area-resampled to the map grid."""
    h, w = grid
    columns = [np.kron(_area_matrix(g, h), _area_matrix(g, w)) for g in GRIDS]
    return np.concatenate(columns, axis=1).astype(np.float32)


def cell_codes(codec: RegionCodec, codes: np.ndarray, steps: np.ndarray, basis: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Codes (n, hw, q) int8 + steps (n, hw) → int8 cell codes (n, m·q') and their scales (n,)."""
    q = min(COMPONENTS, codec.components)
    scaled = torch.from_numpy(codes[..., :q]).float() * torch.from_numpy(steps).float()[..., None]
    cells = torch.einsum("lm,nlq->nmq", torch.from_numpy(basis), scaled)
    return quantise(cells.reshape(len(cells), -1))


def coarse_totals(cells: Int8Rows, basis: np.ndarray, codec: RegionCodec, labels: torch.Tensor,
                  query: torch.Tensor) -> torch.Tensor:
    """(n,) linear painted totals, up to a constant: labels (C, d) unit, query (C, hw)."""
    m = basis.shape[1]
    q = cells.shape[-1] // m
    directions = (codec.decode[:q] @ labels.float().T).T  # (C, q'): a code's logit per unit step
    # (m, C): the painting projected onto the basis
    weights = torch.linalg.lstsq(torch.from_numpy(basis).double(), query.double().T).solution.float()
    folded = torch.einsum("mc,cq->mq", weights, directions).reshape(1, m * q)
    return cells.dot(folded)[:, 0]


def shortlist_size(top: int, images: int) -> int:
    """How many coarse candidates a search for ``top`` results over ``images`` ranks exactly."""
    return max(SHORTLIST, SHORTLIST_PER_RESULT * top, int(SHORTLIST_SHARE * images))


def candidates(cells: Int8Rows, basis: np.ndarray, codec: RegionCodec, labels: torch.Tensor,
               query: torch.Tensor, count: int) -> np.ndarray:
    """Indices of the ``count`` images with the highest coarse totals (unordered)."""
    totals = coarse_totals(cells, basis, codec, labels, query)
    if count >= len(totals):
        return np.arange(len(totals))
    return torch.topk(totals, count, sorted=False).indices.numpy()
