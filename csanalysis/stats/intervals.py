"""Confidence intervals and one-sample tests for proportions, means and NPS.

All functions are vectorised where that makes sense: the proportion functions
accept scalars or array-likes (broadcast together) and return Python floats for
scalar input and numpy arrays otherwise. Functions that summarise a sample
(:func:`mean_ci`, :func:`nps_ci`, :func:`mean_test`) take one 1-D sample and
drop missing values (NaN / ``pd.NA``) first.

Examples
--------
>>> from csanalysis.stats import wilson_ci
>>> low, high = wilson_ci(81, 263)
>>> round(low, 4), round(high, 4)
(0.2553, 0.3662)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from csanalysis.checks import check_confidence, numeric_sample

__all__ = [
    "EXACT_MAX_N",
    "mean_ci",
    "mean_test",
    "nps_ci",
    "proportion_test",
    "proportion_test_method",
    "two_proportion_test",
    "wilson_ci",
    "z_critical",
]

#: :func:`proportion_test` uses the exact binomial test up to this many trials,
#: and the score z-test above it.
EXACT_MAX_N = 1000

_METHOD_EXACT = "exact binomial test (scipy.stats.binomtest, two-sided)"
_METHOD_SCORE = "score z-test (normal approximation, null variance p0(1-p0)/n, two-sided)"


# --------------------------------------------------------------------------- helpers
def z_critical(confidence: float) -> float:
    """Two-sided standard-normal critical value for ``confidence`` (1.96 for 0.95).

    Parameters
    ----------
    confidence : float
        Strictly between 0 and 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(z_critical(0.95), 4)
    1.96
    """
    return float(stats.norm.ppf(0.5 + check_confidence(confidence) / 2.0))


def _out(x: Any) -> Any:
    """Return a Python float for 0-d results and an ndarray otherwise."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return arr


def _counts(k: Any, n: Any, names: tuple[str, str] = ("k", "n")) -> tuple[np.ndarray, np.ndarray]:
    """Validate success counts ``k`` and trial counts ``n`` (broadcast together)."""
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    try:
        k_arr, n_arr = np.broadcast_arrays(k_arr, n_arr)
    except ValueError:
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` must have the same shape (or one must be a scalar); "
            f"got shapes {np.shape(k)} and {np.shape(n)}."
        ) from None
    finite = np.isfinite(k_arr) & np.isfinite(n_arr)
    if np.any(~finite):
        raise ValueError(
            f"`{names[0]}` and `{names[1]}` must be finite counts; found {int(np.sum(~finite))} missing or infinite value(s)."
        )
    if np.any(n_arr < 0) or np.any(k_arr < 0):
        raise ValueError(f"`{names[0]}` and `{names[1]}` must be non-negative counts.")
    if np.any(k_arr > n_arr):
        raise ValueError(
            f"`{names[0]}` (successes) cannot exceed `{names[1]}` (trials); "
            f"found {int(np.sum(k_arr > n_arr))} case(s) with {names[0]} > {names[1]}."
        )
    return k_arr, n_arr


# --------------------------------------------------------------------------- proportions
def wilson_ci(k: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    r"""Wilson score interval for a binomial proportion.

    Parameters
    ----------
    k : int or array-like
        Number of successes.
    n : int or array-like
        Number of trials (broadcast against ``k``).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    low, high : float or ndarray
        Interval bounds. ``n == 0`` gives NaN.

    Notes
    -----
    With :math:`\hat p = k/n` and :math:`z` the normal quantile,

    .. math::

        \frac{\hat p + z^2/(2n)}{1 + z^2/n} \pm
        \frac{z}{1 + z^2/n}\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}

    (Wilson 1927; identical to statsmodels ``proportion_confint(method="wilson")``).

    Examples
    --------
    >>> low, high = wilson_ci(81, 263)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    >>> wilson_ci([0, 0], [10, 0])[1]
    array([0.2775328,       nan])
    """
    z = z_critical(confidence)
    k_arr, n_arr = _counts(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        z2n = z * z / n_arr
        denom = 1.0 + z2n
        centre = (p + z2n / 2.0) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n_arr + z2n / (4.0 * n_arr))
        low = np.where(n_arr > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n_arr > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # exact bounds at the edges (avoid 1e-17 rounding)
    low = np.where((n_arr > 0) & (k_arr == 0), 0.0, low)
    high = np.where((n_arr > 0) & (k_arr == n_arr), 1.0, high)
    return _out(low), _out(high)


def proportion_test_method(n: Any) -> Any:
    """Name the method :func:`proportion_test` uses for ``n`` trials.

    Parameters
    ----------
    n : int or array-like
        Number of trials.

    Returns
    -------
    str or ndarray of str
        ``"exact binomial test ..."`` for ``n <= EXACT_MAX_N`` (1000), otherwise
        ``"score z-test ..."``.

    Examples
    --------
    >>> proportion_test_method(263)
    'exact binomial test (scipy.stats.binomtest, two-sided)'
    >>> proportion_test_method(5000).split(" (")[0]
    'score z-test'
    """
    n_arr = np.asarray(n)
    out = np.where(n_arr <= EXACT_MAX_N, _METHOD_EXACT, _METHOD_SCORE)
    if out.ndim == 0:
        return str(out)
    return out


def _binom_p(k: float, n: float, p0: float) -> float:
    if n == 0:
        return np.nan
    return float(stats.binomtest(int(k), int(n), p0, alternative="two-sided").pvalue)


_binom_p_vec = np.vectorize(_binom_p, otypes=[float])


def proportion_test(k: Any, n: Any, p0: Any) -> Any:
    r"""Two-sided test of a proportion against a fixed value ``p0``.

    Parameters
    ----------
    k : int or array-like
        Number of successes.
    n : int or array-like
        Number of trials.
    p0 : float or array-like
        Null-hypothesis proportion, in [0, 1] (for example a published
        benchmark such as 0.39).

    Returns
    -------
    float or ndarray
        Two-sided p-value; NaN where ``n == 0``.

    Notes
    -----
    * ``n <= 1000`` (:data:`EXACT_MAX_N`): exact binomial test,
      ``scipy.stats.binomtest(k, n, p0).pvalue`` (two-sided p-value sums
      the probabilities of outcomes no more likely than the one observed).
    * ``n > 1000``: score z-test,
      :math:`z = (\hat p - p_0) / \sqrt{p_0(1-p_0)/n}`, ``p = 2 * norm.sf(|z|)``.
      When ``p0`` is 0 or 1 the exact test is used for every ``n`` (the z
      statistic is undefined there).

    :func:`proportion_test_method` returns the method string for a given ``n``.

    Examples
    --------
    >>> round(proportion_test(81, 263, 0.39), 4)
    0.0065
    >>> [round(float(p), 5) for p in proportion_test([50, 5200], [100, 10000], 0.5)]
    [1.0, 6e-05]
    """
    k_arr, n_arr = _counts(k, n)
    p0_arr = np.asarray(p0, dtype=float)
    if np.any(~np.isfinite(p0_arr)) or np.any((p0_arr < 0) | (p0_arr > 1)):
        raise ValueError(f"`p0` must be a proportion between 0 and 1, but {p0!r} was passed.")
    k_arr, n_arr, p0_arr = np.broadcast_arrays(k_arr, n_arr, p0_arr)
    edge = (p0_arr == 0) | (p0_arr == 1)
    exact = (n_arr <= EXACT_MAX_N) | edge
    out = np.full(k_arr.shape, np.nan)
    if np.any(exact):
        out[exact] = _binom_p_vec(k_arr[exact], n_arr[exact], p0_arr[exact])
    score = ~exact
    if np.any(score):
        kk, nn, pp = k_arr[score], n_arr[score], p0_arr[score]
        zstat = (kk / nn - pp) / np.sqrt(pp * (1.0 - pp) / nn)
        out[score] = 2.0 * stats.norm.sf(np.abs(zstat))
    return _out(np.minimum(out, 1.0))


def two_proportion_test(
    k1: Any, n1: Any, k2: Any, n2: Any, confidence: float = 0.95
) -> tuple[Any, Any, Any, Any]:
    r"""Difference of two independent proportions, with Newcombe interval and z-test.

    Parameters
    ----------
    k1, n1 : int or array-like
        Successes and trials of the first group.
    k2, n2 : int or array-like
        Successes and trials of the second group.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    diff, low, high, p_value : float or ndarray
        ``diff = k1/n1 - k2/n2``; Newcombe hybrid-score interval; two-sided
        p-value. NaN where either ``n`` is 0.

    Notes
    -----
    Interval: Newcombe (1998) method 10, built from the two Wilson intervals
    :math:`(l_i, u_i)`:

    .. math::

        \left(d - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2},\;
              d + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}\right)

    Test: pooled two-proportion z-test (identical to Pearson's chi-square
    test on the 2x2 table without continuity correction). When both groups
    are all successes or all failures the p-value is 1.

    Examples
    --------
    >>> d, lo, hi, p = two_proportion_test(56, 70, 48, 80)
    >>> round(d, 4), round(lo, 4), round(hi, 4)
    (0.2, 0.0524, 0.3339)
    """
    k1a, n1a = _counts(k1, n1, ("k1", "n1"))
    k2a, n2a = _counts(k2, n2, ("k2", "n2"))
    k1a, n1a, k2a, n2a = np.broadcast_arrays(k1a, n1a, k2a, n2a)
    l1, u1 = wilson_ci(k1a, n1a, confidence)
    l2, u2 = wilson_ci(k2a, n2a, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = k1a / n1a
        p2 = k2a / n2a
        d = p1 - p2
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        pooled = (k1a + k2a) / (n1a + n2a)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1a + 1.0 / n2a))
        zstat = d / se
        pval = np.where(se > 0, 2.0 * stats.norm.sf(np.abs(zstat)), 1.0)
    valid = (n1a > 0) & (n2a > 0)
    pval = np.where(valid, pval, np.nan)
    return _out(d), _out(low), _out(high), _out(pval)


# --------------------------------------------------------------------------- means
def mean_ci(x: Any, confidence: float = 0.95) -> tuple[float, float, float, int]:
    r"""Mean with a Student-t confidence interval.

    Parameters
    ----------
    x : array-like
        A sample (missing values are dropped).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    mean, low, high : float
        Sample mean and the t interval
        :math:`\bar x \pm t_{n-1} s/\sqrt n`. NaN bounds when fewer than two
        values remain (mean NaN when none).
    n : int
        Number of non-missing values used.

    Examples
    --------
    >>> m, lo, hi, n = mean_ci([4, 5, 3, 4, 5, float("nan")])
    >>> round(m, 2), round(lo, 3), round(hi, 3), n
    (4.2, 3.161, 5.239, 5)
    """
    z = z_critical(confidence)  # validates confidence
    del z
    arr = numeric_sample(x)
    n = int(arr.size)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(arr.mean())
    if n < 2:
        return mean, np.nan, np.nan, n
    se = float(arr.std(ddof=1)) / np.sqrt(n)
    tq = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))
    return mean, float(mean - tq * se), float(mean + tq * se), n


def mean_test(x: Any, mu0: float) -> float:
    """Two-sided one-sample t-test of the mean against a fixed value ``mu0``.

    Parameters
    ----------
    x : array-like
        A sample (missing values are dropped).
    mu0 : float
        Null-hypothesis mean (for example a published benchmark).

    Returns
    -------
    float
        Two-sided p-value (``scipy.stats.ttest_1samp``); NaN when fewer than
        two values remain. A sample with zero spread gives 0 when its mean
        differs from ``mu0`` and 1 when it equals it.

    Examples
    --------
    >>> round(mean_test([4, 5, 3, 4, 5], 3.0), 4)
    0.0327
    """
    mu = float(mu0)
    if not np.isfinite(mu):
        raise ValueError(f"`mu0` must be a finite number, but {mu0!r} was passed.")
    arr = numeric_sample(x)
    if arr.size < 2:
        return np.nan
    if np.ptp(arr) == 0:
        return 1.0 if arr[0] == mu else 0.0
    return float(stats.ttest_1samp(arr, mu).pvalue)


# --------------------------------------------------------------------------- NPS
def nps_ci(scores: Any, confidence: float = 0.95) -> tuple[float, float, float, int]:
    r"""Net Promoter Score with a confidence interval.

    Parameters
    ----------
    scores : array-like
        Answers on the 0-10 "how likely are you to recommend" scale. Missing
        values are dropped; values outside 0..10 raise ``ValueError``.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    nps, low, high : float
        NPS on the -100..100 scale, ``100 * (p_pro - p_det)``, and its
        interval (clipped to [-100, 100]). NaN when no scores remain.
    n : int
        Number of scores used.

    Notes
    -----
    Promoters score 9-10, detractors 0-6, passives 7-8. Each answer is one
    multinomial draw, so the variance of :math:`\hat p_{pro} - \hat p_{det}` is

    .. math::

        \operatorname{Var} = \frac{p_{pro} + p_{det} - (p_{pro} - p_{det})^2}{n}

    and the interval is the normal (Wald) approximation
    ``100 * (d +- z * sqrt(Var))``. When every answer is in one category the
    variance is 0 and the interval collapses to the point estimate.

    Examples
    --------
    >>> nps, lo, hi, n = nps_ci([10, 9, 9, 8, 7, 6, 3, 10, 10, 5])
    >>> round(nps, 1), round(lo, 1), round(hi, 1), n
    (20.0, -34.0, 74.0, 10)
    """
    z = z_critical(confidence)
    arr = numeric_sample(scores, "scores")
    if np.any((arr < 0) | (arr > 10)):
        bad = int(np.sum((arr < 0) | (arr > 10)))
        raise ValueError(
            f"NPS scores must lie on the 0-10 scale; found {bad} value(s) outside 0..10 "
            f"(min {arr.min():g}, max {arr.max():g}). Rescale the answers to 0-10 first."
        )
    n = int(arr.size)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    p_pro = float(np.mean(arr >= 9))
    p_det = float(np.mean(arr <= 6))
    d = p_pro - p_det
    var = max(p_pro + p_det - d * d, 0.0) / n
    half = z * np.sqrt(var)
    low = max(d - half, -1.0)
    high = min(d + half, 1.0)
    return float(100.0 * d), float(100.0 * low), float(100.0 * high), n
