"""Adjusting p-values for multiple comparisons (one owner for segment tests and the page's verdicts)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

__all__ = ["Correction", "adjust_pvalues"]

Correction = Literal["fdr_bh", "holm", "bonferroni", "none"]


def adjust_pvalues(p: Any, method: Correction | None = "fdr_bh") -> np.ndarray:
    """Adjust p-values for multiple comparisons.

    Parameters
    ----------
    p : array-like of float
        Raw p-values; NaN values are kept as NaN and not counted.
    method : {"fdr_bh", "holm", "bonferroni", "none"} or None
        ``fdr_bh``: Benjamini-Hochberg step-up (controls the false-discovery
        rate); ``holm``: Holm step-down and ``bonferroni`` (both control the
        family-wise error rate); ``none`` / ``None``: unadjusted.

    Returns
    -------
    ndarray
        Adjusted p-values, capped at 1.

    Notes
    -----
    BH, with the ``m`` finite p-values sorted ascending,
    :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m\\,p_{(j)}/j)`.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.20]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    >>> adjust_pvalues([0.01, float("nan"), 0.02], "bonferroni").tolist()
    [0.02, nan, 0.04]
    """
    arr = np.asarray(p, dtype=float).ravel()
    if method is None or method == "none":
        return arr.copy()
    if method not in ("fdr_bh", "holm", "bonferroni"):
        raise ValueError(f"The value for `correction` must be one of ['fdr_bh', 'holm', 'bonferroni', 'none'] "
                         f"or None, but {method!r} was passed.")
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError("p-values must lie between 0 and 1.")
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    q = arr[ok]
    m = q.size
    if m == 0:
        return out
    if method == "bonferroni":
        out[ok] = np.minimum(q * m, 1.0)
        return out
    order = np.argsort(q, kind="stable")
    s = q[order]
    ranks = np.arange(1, m + 1)
    if method == "fdr_bh":
        adj = np.minimum.accumulate((s * m / ranks)[::-1])[::-1]
    else:  # holm
        adj = np.maximum.accumulate(s * (m - ranks + 1))
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out
