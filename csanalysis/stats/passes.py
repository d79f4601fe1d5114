"""Passes over the rows in cache-sized blocks, for many bootstrap replicates at once.

A bootstrap that refits a model in every replicate (the key drivers' logistic
weights, the survey non-response model) needs, at every Newton step, a sum
over the rows for every replicate still being fitted: a score, sometimes a
Hessian. Done as one pass over the rows in blocks of :data:`PASS_CELLS`
(replicates x rows) cells, each block's replicate weights drawn from the
units' hashes as it is read (:func:`csanalysis.stats.poisson_weights_from_hash`),
the cost grows linearly with the rows and no replicate's weights are held for
all rows: a block stays in a core's cache through its dozen array operations.
Fitting a few replicates at a time over all rows instead makes every step of
every chunk stream all the rows again.

Examples
--------
>>> blocks = row_blocks(1_000_000, 1001)
>>> blocks.step, len(blocks)
(261, 3832)
>>> eta = np.array([-800.0, 0.0, 2.0])
>>> expit_inplace(eta).round(4).tolist()
[0.0, 0.5, 0.8808]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["PASS_CELLS", "expit_inplace", "logistic_pass", "row_blocks"]

#: Cells (replicates x rows, or rows x terms) of one block of a pass: 2 MB of float64, which stays in a core's
#: cache through the block's array operations (measured faster than 2M-cell blocks on the key drivers).
PASS_CELLS = 262_144


def row_blocks(n: int, width: int, max_cells: int | None = None) -> range:
    """Starts of the row blocks of a pass over ``n`` rows, ``range.step`` rows each.

    Parameters
    ----------
    n : int
        Rows.
    width : int
        Cells per row of the block's largest array (replicates, or products of pairs of terms).
    max_cells : int, optional
        A further bound on the cells of a block (default :data:`PASS_CELLS`).

    Returns
    -------
    range
        ``range(0, n, rows)`` with ``rows * width`` at most ``min(max_cells, PASS_CELLS)`` (at least one row).
    """
    cells = PASS_CELLS if max_cells is None else min(int(max_cells), PASS_CELLS)
    return range(0, n, max(1, cells // max(1, int(width))))


def expit_inplace(eta: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-eta))``, computed in place in ``eta`` (float) and returned.

    numpy's vectorised ``exp`` is faster than :func:`scipy.special.expit` on the bootstrap's
    replicates x rows blocks; the values agree with it within 2 ulp (``exp`` overflow gives exactly 0).
    """
    with np.errstate(over="ignore"):
        np.negative(eta, out=eta)
        np.exp(eta, out=eta)
    eta += 1.0
    return np.reciprocal(eta, out=eta)


def logistic_pass(X: np.ndarray, y: np.ndarray, coef: np.ndarray, weights: Callable[[slice], np.ndarray],
                  blocks: range, hessian: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores and Hessians of weighted logistic log-likelihoods for many fits, in one pass over the rows.

    Parameters
    ----------
    X : ndarray (rows x k), or an object with ``shape`` whose ``X[rows]`` is that block's ndarray
        The design (its first column the intercept's ones, if any); the key drivers' is made a block at a
        time as the pass reads it, never held whole.
    y : ndarray (rows,)
        The 0/1 outcome.
    coef : ndarray (fits x k)
        Each fit's coefficients.
    weights : callable
        ``weights(rows)`` -> the fits' frequency weights on a block of rows, (fits, block rows): drawn as the
        block is read (e.g. a bootstrap's Poisson weights from the units' hashes), never held for all rows.
    blocks : range
        The row blocks (:func:`row_blocks`).
    hessian : bool, default True
        Also sum the Hessians (else the second value is None).

    Returns
    -------
    score : ndarray (fits x k)
        :math:`\\sum_i w_i (y_i - p_i) x_i` per fit.
    hessian : ndarray (fits x k x k) or None
        :math:`\\sum_i w_i p_i (1 - p_i) x_i x_i'` per fit (without sign or penalty), summed as one matrix
        product of each block's weights with the products of every pair of columns (the upper triangle).

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> score, H = logistic_pass(X, np.array([0.0, 0.0, 1.0, 1.0]), np.zeros((1, 2)),
    ...                          lambda rows: np.ones((1, len(X[rows]))), row_blocks(4, 3))
    >>> score.tolist(), H.tolist()  # p = 1/2 everywhere: weights 1/4 in the Hessian
    ([[0.0, 2.0]], [[[1.0, 1.5], [1.5, 3.5]]])
    """
    k = X.shape[1]
    iu, ju = np.triu_indices(k)
    score = np.zeros((len(coef), k))
    upper = np.zeros((len(coef), len(iu))) if hessian else None
    for a in blocks:
        rows = slice(a, a + blocks.step)
        Xb = X[rows]
        W = weights(rows)
        p = expit_inplace(coef @ Xb.T)
        r = y[rows] - p
        r *= W
        score += r @ Xb
        if upper is not None:
            np.subtract(1.0, p, out=r)
            r *= p
            r *= W
            upper += r @ (Xb[:, iu] * Xb[:, ju])
    if upper is None:
        return score, None
    H = np.empty((len(coef), k, k))
    H[:, iu, ju] = upper
    H[:, ju, iu] = upper
    return score, H
