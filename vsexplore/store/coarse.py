"""Painted search in two steps: coarse candidates from grid-pooled codes, then the exact ranking.

A map logit is linear in the location vector (``E_l · t``), so a cell's mean map logit for a
concept only needs the cell's summed location vector ``Σ_l B[l, m] E_l``. The basis ``B`` here is
the area-averaged 3×3 and 2×2 grids (13 cells): every painting of 1, 2 or 3 rows by 1, 2 or 3
columns of the same kind lies in it exactly (area averaging keeps constants), others are projected
onto it by least squares. Each image keeps its cells' codes on the codec's leading ``COMPONENTS``
directions (int8, 13 × 32 bytes, one scale per image), so a search's candidates over a million
images are one int8 product (13 cells × concepts per image) and a sigmoid per cell; the best of them
(2,000, or 1 % of the collection if more) are then ranked by the exact total
(Σ painting · sigmoid(map logit)) from their full codes.

What the shortlist cannot do: tell near-duplicates apart by what the coarse cells leave out. In a
store of thousands of copies of one photo that differ by code noise, the exact top-20 is decided by
that noise, and a shortlist smaller than the copies misses it.
"""

from __future__ import annotations

import numpy as np
import torch

from ..analysis import _area_matrix
from ..int8 import Int8Rows, int8_product, quantise
from .codec import RegionCodec

COMPONENTS = 32
SHORTLIST = 2000  # candidates ranked exactly, at least
SHORTLIST_PER_RESULT = 50
SHORTLIST_SHARE = 0.01  # and at least this share of the collection
GRIDS = (3, 2)  # the cell grids of the basis
CELL_BLOCK = 131072  # images per block of coarse totals: temporaries stay small


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
                  query: torch.Tensor, bias: float) -> torch.Tensor:
    """(n,) approximate painted totals: labels (C, d) unit, query (C, hw), ``bias`` the map bias.

    Each cell's mean map logit comes from its code; the painting's weight on the cell (its least-squares
    projection onto the basis) times the cell's area multiplies the sigmoid of that mean. Following the
    sigmoid, not only the linear logit, keeps a strong concept in one cell from outweighing three
    concepts each present (on the benchmark's 100k store: 19 of the exact top-20 in the best 1,000
    candidates, against 16 for the linear total)."""
    m = basis.shape[1]
    q, n_concepts = cells.shape[-1] // m, len(labels)
    area = torch.from_numpy(basis).sum(0)  # (m,) each cell's area in map locations
    # one int8 product gives every cell's summed logit for every concept: codes (n, m·q) @ (m·q, m·C),
    # the concepts' directions (a code's logit per unit step) repeated block-diagonally, one scale each
    directions, scales = (torch.from_numpy(a) for a in quantise(labels.float() @ codec.decode[:q].T))
    columns = -(-m * n_concepts // 8) * 8  # the kernel wants columns % 8 == 0
    folded = torch.zeros(m * q, columns, dtype=torch.int8)
    for cell in range(m):
        folded[cell * q : (cell + 1) * q, cell * n_concepts : (cell + 1) * n_concepts] = directions.T
    # a cell's code is a sum over its locations: its mean logit is the sum / area, plus the constant
    column_scale = (scales[None, :] / area[:, None]).reshape(-1)  # (m·C,)
    constant = (codec.offset @ labels.float().T + bias).repeat(m)  # (m·C,) the logit of a zero code
    weights = torch.linalg.lstsq(torch.from_numpy(basis).double(), query.double().T).solution.float()
    weights = (weights * area[:, None]).reshape(-1)  # (m·C,)
    totals = torch.empty(len(cells))
    for start in range(0, len(cells), CELL_BLOCK):
        block = cells[start : start + CELL_BLOCK]
        logits = int8_product(block.values, folded)[:, : m * n_concepts].float()
        logits.mul_(block.scales.float()[:, None]).mul_(column_scale).add_(constant).sigmoid_()
        totals[start : start + CELL_BLOCK] = logits @ weights
    return totals


def shortlist_size(top: int, images: int) -> int:
    """How many coarse candidates a search for ``top`` results over ``images`` ranks exactly."""
    return max(SHORTLIST, SHORTLIST_PER_RESULT * top, int(SHORTLIST_SHARE * images))


def candidates(cells: Int8Rows, basis: np.ndarray, codec: RegionCodec, labels: torch.Tensor,
               query: torch.Tensor, bias: float, count: int) -> np.ndarray:
    """Indices of the ``count`` images with the highest coarse totals (unordered)."""
    totals = coarse_totals(cells, basis, codec, labels, query, bias)
    if count >= len(totals):
        return np.arange(len(totals))
    return torch.topk(totals, count, sorted=False).indices.numpy()
