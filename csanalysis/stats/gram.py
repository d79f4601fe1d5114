"""Weighted Gram matrices X' diag(s) X for many weight vectors at once: the Hessians of bootstrap refits.

A refit of a (logistic) regression in every bootstrap resample needs, at every
Newton step, ``X' diag(s_b) X`` for each resample ``b``. Summed as one matrix
product of the weights with the products of every pair of columns (the upper
triangle), row block by row block, it is a few BLAS calls whatever the number of
resamples. The pair products do not change between calls, so they are computed
once when they fit a memory bound, and per call otherwise (the estimators call
the function in every step of every chunk of resamples: recomputing them made
the time grow with the square of the rows). Used by the survey non-response
model (the key drivers' logistic weights add their Hessians inside their own
pass over the rows, every replicate at once).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["weighted_grams"]


def weighted_grams(X: np.ndarray, block_cells: int, cache_cells: int) -> Callable[[np.ndarray], np.ndarray]:
    """A function ``S`` (weights x rows) -> the Gram matrices ``X' diag(S_b) X``, shape (weights, k, k).

    Parameters
    ----------
    X : ndarray (rows x k)
    block_cells : int
        Cells (rows x pairs of columns) of one block of pair products; the sums run block by block.
    cache_cells : int
        The pair products of all rows are kept between calls when they have at most this many cells.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
    >>> gram = weighted_grams(X, block_cells=4, cache_cells=100)
    >>> S = np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]])
    >>> np.allclose(gram(S), [X.T @ (X * s[:, None]) for s in S])
    True
    """
    n, k = X.shape
    iu, ju = np.triu_indices(k)
    step = max(1, block_cells // max(len(iu), 1))
    starts = range(0, n, step)
    pairs = [X[a:a + step, iu] * X[a:a + step, ju] for a in starts] if n * len(iu) <= cache_cells else None

    def gram(S: np.ndarray) -> np.ndarray:
        up = np.zeros((S.shape[0], len(iu)))
        for c, a in enumerate(starts):
            Z = pairs[c] if pairs is not None else X[a:a + step, iu] * X[a:a + step, ju]
            up += S[:, a:a + step] @ Z
        H = np.empty((S.shape[0], k, k))
        H[:, iu, ju] = up
        H[:, ju, iu] = up
        return H

    return gram
