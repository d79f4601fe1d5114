"""Statistics of many groups at once: one ``np.bincount`` pass over integer group codes.

Every function takes values, integer group codes ``0 .. n_groups - 1`` and
the number of groups, leaves out values whose code is negative (no group) or
that are not finite, and returns arrays of length ``n_groups``, one entry per
group (NaN for an empty group). There is no Python loop over rows or groups,
so a million rows in ten thousand groups cost a few array passes.

Used by :func:`csanalysis.estimators.service_metrics`, the segment
comparisons (:mod:`csanalysis.segments`) and the scorecard.

Examples
--------
>>> est, lo, hi, n = grouped_mean_ci([3.0, 4.0, 5.0, 1.0, 2.0], [0, 0, 0, 1, 1], 3)
>>> est.tolist(), n.tolist()
([4.0, 1.5, nan], [3.0, 2.0, 0.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from csanalysis.stats.arrays import ratio
from csanalysis.stats.intervals import wilson_ci

__all__ = ["grouped_mean_ci", "grouped_nps_ci", "grouped_quantile_ci", "grouped_share_ci"]


def _valid(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & (g >= 0)


def grouped_mean_ci(x: Any, groups: Any, n_groups: int,
                    confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean per group with the Student-t interval, all groups at once.

    Parameters
    ----------
    x : array of float
        Values (non-finite ones are left out).
    groups : array of int
        Group code of each value, 0 .. n_groups - 1 (negative codes are left out).
    n_groups : int
    confidence : float

    Returns
    -------
    (estimate, low, high, n) : arrays of length ``n_groups``
        The interval is NaN for groups with fewer than two values.

    Examples
    --------
    >>> est, lo, hi, n = grouped_mean_ci([1.0, 2.0, 3.0, np.nan, 7.0], [0, 0, 0, 0, -1], 1)
    >>> est.tolist(), n.tolist(), round(float(hi[0]), 4)
    ([2.0], [3.0], 4.4841)
    """
    x = np.asarray(x, dtype=float)
    g = np.asarray(groups, dtype=np.int64)
    G, conf = int(n_groups), float(confidence)
    ok = _valid(x, g)
    xs, gs = x[ok], g[ok]
    n = np.bincount(gs, minlength=G).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(gs, weights=xs, minlength=G) / n
        dev = xs - mean[gs]
        ss = np.bincount(gs, weights=dev * dev, minlength=G)
        sd = np.sqrt(ss / (n - 1))
        tq = stats.t.ppf(0.5 + conf / 2.0, np.maximum(n - 1, 1))
        half = np.where(n >= 2, tq * sd / np.sqrt(n), np.nan)
    mean = np.where(n > 0, mean, np.nan)
    return mean, mean - half, mean + half, n


def grouped_share_ci(success: Any, groups: Any, n_groups: int, confidence: float = 0.95, *,
                     eligible: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Share of successes per group with the Wilson score interval, all groups at once.

    Parameters
    ----------
    success : array of bool or 0/1
        Whether each row is a success (non-finite values are left out).
    groups : array of int
        Group code of each row, 0 .. n_groups - 1 (negative codes are left out).
    n_groups : int
    confidence : float
    eligible : array of bool, optional
        Rows that count (the denominator); default every row.

    Returns
    -------
    (estimate, low, high, n, k) : arrays of length ``n_groups``
        ``k`` successes of ``n`` eligible rows per group.

    Examples
    --------
    >>> est, lo, hi, n, k = grouped_share_ci([True, False, True, True], [0, 0, 1, 1], 2)
    >>> est.tolist(), n.tolist(), k.tolist()
    ([0.5, 1.0], [2.0, 2.0], [1.0, 2.0])
    """
    s = np.asarray(success, dtype=float)
    g = np.asarray(groups, dtype=np.int64)
    G = int(n_groups)
    use = _valid(s, g)
    if eligible is not None:
        use &= np.asarray(eligible, dtype=bool)
    n = np.bincount(g[use], minlength=G).astype(float)
    k = np.bincount(g[use], weights=s[use], minlength=G)
    low, high = wilson_ci(k, n, confidence)
    return ratio(k, n), np.asarray(low, dtype=float), np.asarray(high, dtype=float), n, k


def grouped_nps_ci(scores: Any, groups: Any, n_groups: int,
                   confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Net Promoter Score (-100..100) per group with its normal interval, all groups at once.

    % promoters (9-10) minus % detractors (0-6), with the multinomial variance
    ``(p_pro + p_det - (p_pro - p_det)^2) / n``, as
    :func:`csanalysis.stats.nps_ci` for one sample.

    Parameters
    ----------
    scores : array of float
        Answers on 0-10 (non-finite ones are left out).
    groups : array of int
        Group code of each answer (negative codes are left out).
    n_groups : int
    confidence : float

    Returns
    -------
    (estimate, low, high, n) : arrays of length ``n_groups``

    Raises
    ------
    ValueError
        When an answer lies outside 0..10.

    Examples
    --------
    >>> est, lo, hi, n = grouped_nps_ci([10, 9, 3, 7], [0, 0, 0, 1], 2)
    >>> [round(v, 2) for v in est.tolist()], n.tolist()
    ([33.33, 0.0], [3.0, 1.0])
    """
    x = np.asarray(scores, dtype=float)
    g = np.asarray(groups, dtype=np.int64)
    G = int(n_groups)
    ok = _valid(x, g)
    xs, gs = x[ok], g[ok]
    out_of_range = (xs < 0) | (xs > 10)
    if np.any(out_of_range):
        raise ValueError(f"NPS answers must lie on the 0-10 scale; found {int(out_of_range.sum())} value(s) "
                         f"outside 0..10 (min {xs.min():g}, max {xs.max():g}). Rescale the answers to 0-10 first.")
    n = np.bincount(gs, minlength=G).astype(float)
    pro = np.bincount(gs, weights=(xs >= 9).astype(float), minlength=G)
    det = np.bincount(gs, weights=(xs <= 6).astype(float), minlength=G)
    z = stats.norm.ppf(0.5 + float(confidence) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp, pd_ = pro / n, det / n
        d = pp - pd_
        var = np.maximum(pp + pd_ - d * d, 0.0) / n
        half = z * np.sqrt(var)
        low = np.maximum(d - half, -1.0)
        high = np.minimum(d + half, 1.0)
    nan = n == 0
    return (np.where(nan, np.nan, 100 * d), np.where(nan, np.nan, 100 * low),
            np.where(nan, np.nan, 100 * high), n)


def grouped_quantile_ci(x: Any, groups: Any, n_groups: int, q: float = 0.5,
                        confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A quantile per group with the distribution-free order-statistic interval, all groups at once.

    With B ~ Binomial(n, q), the interval [x_(l), x_(u)] with l = F_B^-1(alpha/2) and
    u = F_B^-1(1 - alpha/2) + 1 covers the true quantile with at least the nominal
    probability (Hahn & Meeker 1991, ch. 5). The point estimate interpolates linearly
    (numpy's default). A bound the group is too small to reach is NaN; so is every value
    of an empty group.

    Parameters
    ----------
    x : array of float
        Values (non-finite ones are left out).
    groups : array of int
        Group code of each value, 0 .. n_groups - 1 (negative codes are left out).
    n_groups : int
    q : float
        The quantile (0.5 = median).
    confidence : float

    Returns
    -------
    (estimate, low, high, n) : arrays of length ``n_groups``

    Examples
    --------
    >>> est, lo, hi, n = grouped_quantile_ci([1, 2, 3, 4, 5, 6, 7, 10, 20, 30], [0] * 7 + [1] * 3, 2)
    >>> est.tolist(), n.tolist()
    ([4.0, 20.0], [7.0, 3.0])
    """
    x = np.asarray(x, dtype=float)
    g = np.asarray(groups, dtype=np.int64)
    ok = np.isfinite(x) & (g >= 0)
    xs, gs = x[ok], g[ok]
    order = np.lexsort((xs, gs))
    xs = xs[order]
    n = np.bincount(gs, minlength=n_groups)
    if len(xs) == 0:
        nan = np.full(n_groups, np.nan)
        return nan, nan.copy(), nan.copy(), n.astype(float)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    has = n > 0
    last = len(xs) - 1
    h = np.maximum(n - 1, 0) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.ceil(h).astype(np.int64)
    v_lo = xs[np.minimum(start + lo, last)]
    v_hi = xs[np.minimum(start + hi, last)]
    est = np.where(has, v_lo + (h - lo) * (v_hi - v_lo), np.nan)
    alpha = 1.0 - confidence
    n_safe = np.maximum(n, 1)
    l_rank = stats.binom.ppf(alpha / 2.0, n_safe, q).astype(np.int64)          # 1-based rank of the lower bound
    u_rank = stats.binom.ppf(1.0 - alpha / 2.0, n_safe, q).astype(np.int64) + 1  # 1-based rank of the upper bound
    low = np.where(has & (l_rank >= 1), xs[np.clip(start + l_rank - 1, 0, last)], np.nan)
    high = np.where(has & (u_rank <= n), xs[np.clip(start + u_rank - 1, 0, last)], np.nan)
    return est, low, high, n.astype(float)
