r"""Intervals with the customer (or account) as the sampling unit, for many groups at once.

One customer gives several tickets and survey answers, and one account
several customers; their answers are alike, so treating rows as independent
makes intervals too narrow. The functions here take, besides the values and
the integer group codes of :mod:`csanalysis.stats.grouped`, the **sampling
unit** of every row (a customer or account identifier) and return intervals
that treat those units as independent clusters. The service metrics, the
scorecard and channel consistency all call them.

Shares and bounded means: cluster-robust variance
-------------------------------------------------
A share of rows is a ratio of sums over clusters, :math:`\hat p = \sum_c k_c
/ \sum_c n_c` (:math:`k_c` successes of :math:`n_c` rows of cluster
:math:`c`). Its linearisation (ratio-estimator, sandwich) variance with
:math:`G` clusters is

.. math:: \widehat{V} = \frac{G}{G-1}\,
          \frac{\sum_c (k_c - \hat p\, n_c)^2}{(\sum_c n_c)^2}

(the ratio estimator of Cochran 1977, *Sampling Techniques*; Cameron & Miller 2015,
"A practitioner's guide to cluster-robust inference", *J. Human Resources* 50: 317-372).
The same holds for the mean of bounded scores after rescaling them to
[0, 1] (CSAT 1-5, CES 1-7, NPS as the mean of +1 / 0 / -1), with
:math:`k_c` the cluster's sum. The interval is Wilson's score interval with
the **effective sample size** :math:`n^* = \hat p(1-\hat p)/\widehat{V}`
and the Student-t critical value with :math:`G - 1` degrees of freedom
(Korn & Graubard 1998, "Confidence intervals for proportions with small
expected number of positive counts estimated from survey data", *Survey
Methodology* 24: 193-201), so it stays inside the scale and is not too
narrow with few clusters. As there, the design effect is truncated at 1
(:math:`\widehat V` is at least the rows' own variance
:math:`s^2/n`), and when every value is at one end of the scale (a share of
0 or 1) the effective size is the number of clusters. With one row per
cluster :math:`\widehat V = s^2/n` and :math:`n^* = n - 1` for a share, so
the interval is close to the plain Wilson interval; for a mean it is
close to the t interval. A group with fewer than two clusters has no
interval (NaN).

Quantiles: Woodruff interval with the cluster-robust design effect
------------------------------------------------------------------
A quantile (median or 90th percentile of reply times) is located through the
share of rows below it (Woodruff 1952): that share's cluster-robust design
effect sets the effective size, and the ranks of the interval are those of
the exact order-statistic interval at that size, scaled back to the sample
(see :func:`clustered_quantile_ci`). With one row per unit it is the exact
interval. It is deterministic (no Monte Carlo error) and identical whatever
the order of the rows. A cluster bootstrap is there too
(``method="bootstrap"``): in replicate :math:`r` every unit gets the
Poisson(1) weight :func:`~csanalysis.stats.bootstrap.poisson_weights`
draws from a hash of its identifier and :math:`r`, so its intervals do not
depend on the order or partition of the units either;
:func:`clustered_bootstrap_sums` gives the weighted sums per cell for
statistics built from sums (the spread of channel shares).

Missing unit identifiers make a row its own unit (identified by its
position; give a row identifier instead where the order may change).

Examples
--------
>>> k = [1, 1, 1, 0, 0, 0, 1, 0]
>>> same = [f"c{i}" for i in range(8)]            # every row its own customer
>>> est, lo, hi, n, _, g = clustered_share_ci(k, same, [0] * 8, 1)
>>> round(float(est[0]), 2), [round(float(v), 3) for v in (lo[0], hi[0])], int(g[0])
(0.5, [0.167, 0.833], 8)
>>> from csanalysis.stats import wilson_ci
>>> [round(v, 3) for v in wilson_ci(4, 8)]           # rows as independent: Wilson, z instead of t(7)
[0.215, 0.785]
>>> two = ["a", "a", "a", "b", "b", "b", "c", "d"]  # customers a and b answer alike
>>> _, lo2, hi2, *_ = clustered_share_ci(k, two, [0] * 8, 1)
>>> bool(hi2[0] - lo2[0] > hi[0] - lo[0])
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from csanalysis.checks import check_confidence, check_positive_int, check_resamples
from csanalysis.stats.arrays import distinct, ratio, sum_parts
from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, poisson_weights_from_hash, unit_hash
from csanalysis.stats.selection import SortedGroups, select

__all__ = ["ClusteredQuantiles", "ClusteredSums", "Units", "as_units", "bounded_interval", "centred_cluster_sums", "cluster_variances",
           "clustered_bootstrap_sums", "clustered_mean_ci", "clustered_nps_ci", "clustered_quantile_ci",
           "clustered_share_ci", "hash_seed", "share_interval", "shares_from_parts", "wilson_effective_ci", "woodruff_from_parts", "woodruff_ranks"]


# --------------------------------------------------------------------------- units
@dataclass(frozen=True)
class Units:
    """Sampling units of rows: an integer code per row and the distinct identifiers.

    Build with :func:`as_units`; pass to the functions of this module instead
    of the identifiers to factorise them only once.

    Attributes
    ----------
    codes : ndarray of int64
        Unit of each row, ``0 .. len(ids) - 1``.
    ids : ndarray of str
        The distinct identifiers (a row without one has its own,
        ``"\\x00row:<position>"``).
    """

    codes: np.ndarray
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def hashes(self, seed: int = 0) -> np.ndarray:
        """:func:`~csanalysis.stats.bootstrap.unit_hash` of every distinct unit."""
        return unit_hash(self.ids, seed)

    def take(self, mask: np.ndarray) -> Units:
        """The units of the rows where ``mask`` (identifiers kept as they are)."""
        return Units(self.codes[mask], self.ids)


def as_units(units: Any, n: int | None = None, rows: np.ndarray | None = None) -> Units:
    """The :class:`Units` of ``units`` (identifiers per row), or ``units`` itself if it is one.

    Parameters
    ----------
    units : array-like, Categorical, Units or None
        One identifier per row (strings, numbers); missing values make the
        row its own unit. ``None``: every row its own unit (needs ``n``). A
        ``pandas.Categorical`` is taken by its codes (fast).
    n : int, optional
        Number of rows, checked against ``units``.
    rows : array of int, optional
        The rows' numbers in the whole table (a partition's rows), which name
        the units of rows without an identifier (``"\\x00row:<number>"``);
        default 0 .. n - 1.

    Returns
    -------
    Units

    Examples
    --------
    >>> u = as_units(["c1", "c2", "c1", None])
    >>> u.codes.tolist(), u.ids.tolist()
    ([0, 1, 0, 2], ['c1', 'c2', '\\x00row:3'])
    """
    if isinstance(units, Units):
        out = units
    elif units is None:
        if n is None:
            raise ValueError("`units` is None: give the number of rows `n` (every row its own unit)")
        numbers = range(int(n)) if rows is None else np.asarray(rows, dtype=np.int64).tolist()
        out = Units(np.arange(int(n), dtype=np.int64), np.array([f"\x00row:{i}" for i in numbers], dtype=object))
    else:
        if isinstance(units, pd.Categorical):
            raw, uniq = np.asarray(units.codes, dtype=np.int64), np.asarray(units.categories, dtype=object)
        else:
            # a pandas column is factorized in its own dtype (no Python object per row), anything else as objects
            native = isinstance(units, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray))
            raw, uniq = pd.factorize(units if native else np.asarray(units, dtype=object).ravel(),
                                     use_na_sentinel=True)
        # identifiers compared as text (1 and "1" are one unit); codes follow the sorted texts, so they do
        # not depend on the order of the rows; the text conversion touches the distinct values only
        ids, inv = np.unique(np.asarray(uniq, dtype=object).astype(str), return_inverse=True)
        ids = ids.astype(object)
        codes = (np.where(raw >= 0, inv.ravel()[np.maximum(raw, 0)], -1) if len(ids) else np.full(len(raw), -1))
        codes = codes.astype(np.int64)
        miss = np.flatnonzero(codes < 0)
        if len(miss):
            codes[miss] = len(ids) + np.arange(len(miss))
            numbers = miss if rows is None else np.asarray(rows, dtype=np.int64)[miss]
            ids = np.concatenate([ids, np.array([f"\x00row:{i}" for i in numbers.tolist()], dtype=object)])
        out = Units(codes, ids)
    if n is not None and len(out) != int(n):
        raise ValueError(f"`units` has {len(out)} rows but the values have {int(n)}")
    return out


def hash_seed(seed: Any) -> int:
    """An integer seed for the hashed Poisson weights from an int, a Generator or None.

    ``None`` draws a fresh seed (intervals then vary from call to call, like
    an unseeded bootstrap); a Generator gives its next integer.

    Examples
    --------
    >>> hash_seed(7), hash_seed(np.random.default_rng(0)) == hash_seed(np.random.default_rng(0))
    (7, True)
    """
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**31 - 1))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`seed` must be an int, a numpy Generator or None, but {seed!r} was passed.")
    return int(seed)


# --------------------------------------------------------------------------- kernels
def _critical(clusters: np.ndarray, confidence: float) -> np.ndarray:
    return stats.t.ppf(0.5 + confidence / 2.0, np.maximum(clusters - 1, 1))


def wilson_effective_ci(p: Any, var: Any, clusters: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson-type interval of a share (or a mean on [0, 1]) with a given variance and cluster count.

    The Wilson score interval with the effective sample size
    ``n* = p (1 - p) / var`` and the Student-t critical value with
    ``clusters - 1`` degrees of freedom (Korn & Graubard 1998). When
    ``var == 0`` the effective size is the number of clusters if ``p`` is 0
    or 1, and infinite otherwise (a zero-width interval).

    Parameters
    ----------
    p : array of float
        Estimates on [0, 1].
    var : array of float
        Their variances.
    clusters : array of int
        Number of clusters behind each estimate; fewer than 2 gives NaN.
    confidence : float

    Returns
    -------
    (low, high) : arrays, inside [0, 1]

    Examples
    --------
    >>> lo, hi = wilson_effective_ci([0.4], [0.4 * 0.6 / 100], [1_000_000])
    >>> [round(float(v), 4) for v in (lo[0], hi[0])]                      # Wilson(40, 100)
    [0.3094, 0.498]
    """
    conf = check_confidence(confidence)
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    v = np.asarray(var, dtype=float)
    g = np.asarray(clusters, dtype=float)
    pq = p * (1.0 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(v > 0, pq / v, np.where(pq > 0, np.inf, g))
        crit = _critical(g, conf)
        c2n = np.where(np.isinf(n_eff), 0.0, crit * crit / n_eff)
        centre = (p + c2n / 2.0) / (1.0 + c2n)
        half = crit / (1.0 + c2n) * np.sqrt(np.where(np.isinf(n_eff), 0.0, pq / n_eff) + c2n / (4.0 * n_eff))
    ok = np.isfinite(p) & (g >= 2) & np.isfinite(v)
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    # the score interval contains its estimate; rounding must not say otherwise
    return np.minimum(low, p), np.maximum(high, p)


def centred_cluster_sums(y: np.ndarray, g: np.ndarray, u: np.ndarray, G: int,
                         m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: clusters, :math:`\\sum_c (s_c - m\\,n_c)^2` and :math:`\\sum_i (y_i - m)^2` around given means ``m``.

    ``y``, ``g``, ``u`` hold valid rows only (finite values, group code >= 0; ``u`` unit codes). The three
    are sums over the units, so for rows split into partitions that no unit spans they are the partitions'
    sums (the Dask engine's two passes: the means from every partition's counts and sums, then these).
    The clusters are summed in the order of their (group, unit) codes, and for 0/1 values the rows' sum of
    squares comes from counts.

    Examples
    --------
    >>> y = np.array([1.0, 0.0, 1.0, 1.0])
    >>> clusters, ss, rows_ss = centred_cluster_sums(y, np.zeros(4, int), np.array([0, 0, 1, 2]), 1, np.array([0.75]))
    >>> clusters.tolist(), ss.tolist(), rows_ss.tolist()
    ([3.0], [0.375], [0.75])
    """
    if len(y) == 0:
        z = np.zeros(G)
        return z, z.copy(), z.copy()
    C = int(u.max()) + 1
    key = g * np.int64(C) + u
    if G * C <= max(4 * len(y), 1 << 20):  # few enough (group, unit) cells to count them directly
        n_all = np.bincount(key, minlength=G * C)
        nz = np.flatnonzero(n_all)
        n_c = n_all[nz].astype(float)
        s_c = np.bincount(key, weights=y, minlength=G * C)[nz]
        cg = nz // C
    else:
        keys, cell = np.unique(key, return_inverse=True)  # (pd.factorize(key, sort=True): the same, 1.5x slower)
        cg = np.asarray(keys, dtype=np.int64) // C
        n_c = np.bincount(cell).astype(float)
        s_c = np.bincount(cell, weights=y)
    e = s_c - m[cg] * n_c
    clusters = np.bincount(cg, minlength=G).astype(float)
    ss = np.bincount(cg, weights=e * e, minlength=G)
    if np.all((y == 0.0) | (y == 1.0)):
        N = np.bincount(g, minlength=G).astype(float)
        S = np.bincount(g, weights=y, minlength=G)
        with np.errstate(invalid="ignore"):
            rows_ss = np.where(N > 0, S * (1.0 - m) ** 2 + (N - S) * m ** 2, 0.0)
    else:
        d = y - m[g]
        rows_ss = np.bincount(g, weights=d * d, minlength=G)
    return clusters, ss, rows_ss


def cluster_variances(N: np.ndarray, clusters: np.ndarray, ss: np.ndarray,
                      rows_ss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cluster-robust and the rows' own variance of a group mean, from :func:`centred_cluster_sums`
    (``N`` rows per group)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v_cr = clusters / (clusters - 1.0) * ss / (N * N)
        v_row = rows_ss / (N - 1.0) / N
    return v_cr, v_row


def _cluster_moments(y: np.ndarray, g: np.ndarray, u: np.ndarray, G: int) -> tuple[np.ndarray, ...]:
    """Per group: rows, sum, clusters, cluster-robust and row variance of the mean of ``y``.

    ``y``, ``g``, ``u`` hold valid rows only (finite values, group code >= 0). The clusters are summed in
    the order of their (group, unit) codes, and for 0/1 values every sum is a count, so the result for
    0/1 values does not depend on the order of the rows, not even in the last bit.
    """
    N = np.bincount(g, minlength=G).astype(float)
    S = np.bincount(g, weights=y, minlength=G)
    m = ratio(S, N)
    if len(y) == 0:
        z = np.zeros(G)
        return N, S, z, np.full(G, np.nan), np.full(G, np.nan)
    clusters, ss, rows_ss = centred_cluster_sums(y, g, u, G, m)
    v_cr, v_row = cluster_variances(N, clusters, ss, rows_ss)
    return N, S, clusters, v_cr, v_row


def bounded_interval(N: np.ndarray, S: np.ndarray, clusters: np.ndarray, v_cr: np.ndarray, v_row: np.ndarray,
                     conf: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson-type interval of a mean on [0, 1] per group from its moments (:func:`cluster_variances`):
    the design effect truncated at 1."""
    m = ratio(S, N)
    var = np.fmax(v_cr, v_row)  # design effect truncated at 1
    var = np.where(np.isfinite(var), var, np.nan)
    return wilson_effective_ci(m, var, clusters, conf)


def _bounded_ci(y01: np.ndarray, g: np.ndarray, u: np.ndarray, G: int, conf: float):
    N, S, clusters, v_cr, v_row = _cluster_moments(y01, g, u, G)
    lo, hi = bounded_interval(N, S, clusters, v_cr, v_row, conf)
    return lo, hi, clusters


class ClusteredSums:
    """One partition's rows for cluster-robust shares, asked in two rounds (the design's B4/B5).

    :meth:`add` the shares a stage needs (values, sampling units, groups);
    :meth:`sums` gives each one's rows and sum per group (add them up over
    partitions for the means), :meth:`centred` the sums over units around
    the combined means (:func:`centred_cluster_sums`; add them up over
    partitions whose units are disjoint); :func:`share_interval` turns the
    totals into what :func:`clustered_share_ci` gives for all the rows.

    Examples
    --------
    >>> k, u = np.array([1, 1, 0, 0, 1, 0]), ["a", "a", "b", "b", "c", "d"]
    >>> parts = [ClusteredSums(), ClusteredSums()]
    >>> parts[0].add("x", k[:4], as_units(u[:4]), np.zeros(4, int), 1)
    >>> parts[1].add("x", k[4:], as_units(u[4:]), np.zeros(2, int), 1)
    >>> N, S = np.sum([p.sums()["x"] for p in parts], axis=0)
    >>> c = np.sum([p.centred({"x": S / N})["x"] for p in parts], axis=0)
    >>> est, lo, hi, n, k_, g = share_interval(N, S, *c, 0.95)
    >>> whole = clustered_share_ci(k, u, np.zeros(6, int), 1)
    >>> bool(np.allclose([lo[0], hi[0], g[0]], [whole[1][0], whole[2][0], whole[5][0]]))
    True
    """

    def __init__(self) -> None:
        self._rows: dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray, int]] = {}

    def add(self, name: Any, values: Any, units: Units, groups: Any, n_groups: int, *,
            eligible: Any = None) -> None:
        """A share (0/1 ``values``, non-finite ones left out) of the rows in ``eligible`` per group
        (``groups``, negative codes left out), with ``units`` as the sampling units."""
        v = np.asarray(values, dtype=float).ravel()
        g = np.asarray(groups, dtype=np.int64).ravel()
        use = np.isfinite(v) & (g >= 0)
        if eligible is not None:
            use &= np.asarray(eligible, dtype=bool).ravel()
        if np.any((v[use] < 0) | (v[use] > 1)):
            raise ValueError("`values` must be 0/1 (or boolean)")
        self._rows[name] = (v[use], g[use], units.codes[use], int(n_groups))

    def sums(self) -> dict[Any, tuple[np.ndarray, np.ndarray]]:
        """Per share: rows and sum per group."""
        return {k: (np.bincount(g, minlength=G).astype(float), np.bincount(g, weights=v, minlength=G))
                for k, (v, g, _, G) in self._rows.items()}

    def centred(self, means: dict[Any, np.ndarray]) -> dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per share: :func:`centred_cluster_sums` around ``means`` (the combined sums over rows)."""
        return {k: centred_cluster_sums(v, g, u, G, np.asarray(means[k], dtype=float))
                for k, (v, g, u, G) in self._rows.items()}


def share_interval(N: np.ndarray, S: np.ndarray, clusters: np.ndarray, ss: np.ndarray, rows_ss: np.ndarray,
                   confidence: float) -> tuple[np.ndarray, ...]:
    """:func:`clustered_share_ci`'s ``(estimate, low, high, n, k, clusters)`` from the totals of
    :class:`ClusteredSums` (rows ``N``, successes ``S``, then the centred sums)."""
    lo, hi = bounded_interval(N, S, clusters, *cluster_variances(N, clusters, ss, rows_ss),
                              check_confidence(confidence))
    return ratio(S, N), lo, hi, N, S, clusters


def shares_from_parts(sums: list[dict[Any, tuple[np.ndarray, np.ndarray]]], centred: Any,
                      confidence: float) -> dict[Any, tuple[np.ndarray, ...]]:
    """:func:`share_interval` of every share of :class:`ClusteredSums` spread over partitions: the parts'
    :meth:`~ClusteredSums.sums` (a list) added up, the combined means handed to ``centred(means)``, which returns
    every part's :meth:`~ClusteredSums.centred` (the second round), added up in turn."""
    total = sum_parts(sums)
    about = sum_parts(centred({k: ratio(S, N) for k, (N, S) in total.items()}))
    return {k: share_interval(*total[k], *about[k], confidence) for k in total}


class ClusteredQuantiles(SortedGroups):
    """One partition's values per group with their sampling units, for quantiles with Woodruff's interval over
    partitions (:func:`woodruff_from_parts`): the order statistics come from :func:`~csanalysis.stats.selection.
    select`'s counts, the share at or below each estimate from :meth:`below_counts` and :meth:`below_centred`.

    Parameters
    ----------
    x, groups, n_groups
        As :class:`~csanalysis.stats.selection.SortedGroups`.
    units : Units
        The rows' sampling units (no unit in two partitions).
    """

    def __init__(self, x: np.ndarray, groups: np.ndarray, n_groups: int, units: Units) -> None:
        super().__init__(x, groups, n_groups, units=units.codes)

    def _below(self, est: np.ndarray) -> np.ndarray:
        return (self.values() <= est[self.groups]).astype(float)

    def below_counts(self, *, est: np.ndarray) -> np.ndarray:
        """Per quantile (rows of ``est``, one value per group) the values at or below it in each group."""
        return np.vstack([np.bincount(self.groups, weights=self._below(e), minlength=len(e)) for e in est])

    def below_centred(self, *, est: np.ndarray, means: np.ndarray) -> list[tuple[np.ndarray, ...]]:
        """Per quantile :func:`centred_cluster_sums` of the 0/1 'at or below the estimate' around ``means``."""
        return [centred_cluster_sums(self._below(e), self.groups, self.units, len(e), m) for e, m in zip(est, means)]


def woodruff_from_parts(ask: Any, counts: np.ndarray, q: Any,
                        confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`clustered_quantile_ci`'s estimates and Woodruff bounds per group, from partitions.

    Parameters
    ----------
    ask : callable
        ``ask(method, **kw)`` calls ``method`` of every partition's :class:`ClusteredQuantiles` and returns the
        answers (a list).
    counts : array of int
        Values per group over all partitions (the parts' :meth:`~csanalysis.stats.selection.SortedGroups.counts`
        added up).
    q : sequence of float
    confidence : float

    Returns
    -------
    (estimate, low, high)
        Arrays of shape ``(len(q), groups)``, equal to :func:`clustered_quantile_ci` on all the rows (the
        order statistics exactly; the design effect's sums over units up to their order of addition).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, cust = rng.exponential(60.0, 400), np.repeat(np.arange(100), 4)
    >>> parts = [ClusteredQuantiles(x[cust % 2 == i], np.zeros(200, int), 1, as_units(cust[cust % 2 == i]))
    ...          for i in range(2)]
    >>> ask = lambda method, **kw: [getattr(p, method)(**kw) for p in parts]
    >>> est, lo, hi = woodruff_from_parts(ask, np.array([400]), [0.5])
    >>> one = clustered_quantile_ci(x, cust, np.zeros(400, int), 1)
    >>> bool(np.allclose([est[0, 0], lo[0, 0], hi[0, 0]], [one[0][0], one[1][0], one[2][0]]))
    True
    """
    conf = check_confidence(confidence)
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    cnt = np.asarray(counts)
    Q = len(qs)
    est = np.full((Q, len(cnt)), np.nan)
    low, high = np.full_like(est, np.nan), np.full_like(est, np.nan)
    has = np.flatnonzero(cnt > 0)
    if not len(has):
        return est, low, high
    # the estimates: the sample quantile from the two order statistics around (n - 1) q
    h = np.maximum(cnt - 1, 0)[None, :] * qs[:, None]
    lo_i, hi_i = np.floor(h).astype(np.int64), np.ceil(h).astype(np.int64)
    v = select(ask, np.tile(has, 2 * Q), np.concatenate([lo_i[:, has].ravel(), hi_i[:, has].ravel()]))
    v = v.reshape(2, Q, len(has))
    est[:, has] = v[0] + (h[:, has] - lo_i[:, has]) * (v[1] - v[0])
    # the design effect of the share at or below each estimate, then the bounds' ranks and order statistics
    N = cnt.astype(float)
    below = np.sum(ask("below_counts", est=est), axis=0)
    parts = ask("below_centred", est=est, means=ratio(below, N))
    wanted = []
    for i, qq in enumerate(qs):
        clusters, ss, rows_ss = (np.sum([p[i][j] for p in parts], axis=0) for j in range(3))
        li, okl, ui, oku = woodruff_ranks(N, clusters, *cluster_variances(N, clusters, ss, rows_ss), qq, conf)
        wanted += [(low, i, np.flatnonzero(okl), li), (high, i, np.flatnonzero(oku), ui)]
    groups = np.concatenate([g for _, _, g, _ in wanted])
    if len(groups):
        got = select(ask, groups, np.concatenate([r[g] - 1 for _, _, g, r in wanted]))
        at = 0
        for arr, i, g, _ in wanted:
            arr[i, g] = got[at:at + len(g)]
            at += len(g)
    return est, low, high


def _prepare(x: Any, units: Any, groups: Any, n_groups: int) -> tuple[np.ndarray, np.ndarray, Units, int]:
    xv = np.asarray(x, dtype=float).ravel()
    g = np.asarray(groups, dtype=np.int64).ravel()
    if g.shape != xv.shape:
        raise ValueError(f"`groups` has {g.size} rows but the values have {xv.size}")
    return xv, g, as_units(units, len(xv)), int(n_groups)


# --------------------------------------------------------------------------- shares and means
def clustered_share_ci(success: Any, units: Any, groups: Any, n_groups: int, confidence: float = 0.95, *,
                       eligible: Any = None) -> tuple[np.ndarray, ...]:
    """Share of successes per group, with the cluster-robust Wilson-type interval.

    Parameters
    ----------
    success : array of bool or 0/1
        Whether each row is a success (non-finite values are left out).
    units : array-like or Units or None
        Sampling unit of each row (customer or account id); ``None``: every
        row its own unit.
    groups : array of int
        Group code of each row, 0 .. n_groups - 1 (negative codes are left out).
    n_groups : int
    confidence : float
    eligible : array of bool, optional
        Rows that count (the denominator); default every row.

    Returns
    -------
    (estimate, low, high, n, k, clusters) : arrays of length ``n_groups``
        ``k`` successes of ``n`` eligible rows from ``clusters`` units per
        group. The estimate is ``k / n`` exactly as
        :func:`~csanalysis.stats.grouped.grouped_share_ci` gives it.

    Examples
    --------
    >>> est, lo, hi, n, k, g = clustered_share_ci([1, 1, 0, 0, 1, 0], ["a", "a", "b", "b", "c", "d"], [0] * 6, 1)
    >>> float(est[0]), int(n[0]), int(g[0]), bool(0 <= lo[0] < 0.5 < hi[0] <= 1)
    (0.5, 6, 4, True)
    """
    s, g, u, G = _prepare(success, units, groups, n_groups)
    conf = check_confidence(confidence)
    use = np.isfinite(s) & (g >= 0)
    if eligible is not None:
        use &= np.asarray(eligible, dtype=bool).ravel()
    if np.any((s[use] < 0) | (s[use] > 1)):
        raise ValueError("`success` must be 0/1 (or boolean)")
    n = np.bincount(g[use], minlength=G).astype(float)
    k = np.bincount(g[use], weights=s[use], minlength=G)
    est = ratio(k, n)
    lo, hi, clusters = _bounded_ci(s[use], g[use], u.codes[use], G, conf)
    return est, lo, hi, n, k, clusters


def clustered_mean_ci(x: Any, units: Any, groups: Any, n_groups: int, confidence: float = 0.95, *,
                      bounds: tuple[float, float] | None = None) -> tuple[np.ndarray, ...]:
    """Mean per group with a cluster-robust interval; inside ``bounds`` for bounded scores.

    Parameters
    ----------
    x : array of float
        Values (non-finite ones are left out).
    units : array-like or Units or None
        Sampling unit of each row; ``None``: every row its own unit.
    groups : array of int
        Group code of each row (negative codes are left out).
    n_groups : int
    confidence : float
    bounds : (low, high), optional
        The scale's ends (e.g. ``(1, 5)`` for CSAT): the values are rescaled
        to [0, 1] and the Wilson-type interval (see the module notes) is
        mapped back, so it stays on the scale. Without bounds: the Student-t
        interval with the cluster-robust standard error and ``clusters - 1``
        degrees of freedom.

    Returns
    -------
    (estimate, low, high, n, clusters) : arrays of length ``n_groups``
        The estimate is the plain mean, as
        :func:`~csanalysis.stats.grouped.grouped_mean_ci` gives it.

    Raises
    ------
    ValueError
        When a value lies outside ``bounds``.

    Examples
    --------
    >>> x = [5, 5, 4, 1, 2, 4, 3, 5]
    >>> est, lo, hi, n, g = clustered_mean_ci(x, ["a", "a", "b", "c", "c", "d", "e", "f"], [0] * 8, 1, bounds=(1, 5))
    >>> float(est[0]), bool(1 <= lo[0] < est[0] < hi[0] <= 5), int(g[0])
    (3.625, True, 6)
    """
    xv, g, u, G = _prepare(x, units, groups, n_groups)
    conf = check_confidence(confidence)
    ok = np.isfinite(xv) & (g >= 0)
    xs, gs, us = xv[ok], g[ok], u.codes[ok]
    n = np.bincount(gs, minlength=G).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(n > 0, np.bincount(gs, weights=xs, minlength=G) / n, np.nan)
    if bounds is not None:
        a, b = float(bounds[0]), float(bounds[1])
        if not b > a:
            raise ValueError(f"`bounds` must be (low, high) with low < high, but {bounds!r} was passed.")
        if len(xs) and (xs.min() < a or xs.max() > b):
            raise ValueError(f"values must lie within bounds {a:g}..{b:g}; found {xs.min():g}..{xs.max():g}")
        lo01, hi01, clusters = _bounded_ci((xs - a) / (b - a), gs, us, G, conf)
        lo, hi = a + (b - a) * lo01, a + (b - a) * hi01
        return est, np.minimum(lo, est), np.maximum(hi, est), n, clusters
    N, _, clusters, v_cr, v_row = _cluster_moments(xs, gs, us, G)
    with np.errstate(invalid="ignore"):
        half = _critical(clusters, conf) * np.sqrt(np.fmax(v_cr, v_row))
    half = np.where(clusters >= 2, half, np.nan)
    return est, est - half, est + half, n, clusters


def clustered_nps_ci(scores: Any, units: Any, groups: Any, n_groups: int,
                     confidence: float = 0.95) -> tuple[np.ndarray, ...]:
    """Net Promoter Score (-100..100) per group with the cluster-robust Wilson-type interval.

    NPS is 100 times the mean of +1 (promoter, 9-10), 0 (passive, 7-8) and
    -1 (detractor, 0-6); that mean is rescaled to [0, 1] and given the
    interval of :func:`clustered_mean_ci` with bounds, so the interval stays
    within -100..100. With one answer per unit it is close to the normal
    interval with the multinomial variance (:func:`csanalysis.stats.nps_ci`).

    Parameters
    ----------
    scores : array of float
        Answers on 0-10 (non-finite ones are left out).
    units : array-like or Units or None
        Sampling unit of each answer.
    groups : array of int
        Group code of each answer (negative codes are left out).
    n_groups : int
    confidence : float

    Returns
    -------
    (estimate, low, high, n, clusters) : arrays of length ``n_groups``
        The estimate is computed as
        :func:`~csanalysis.stats.grouped.grouped_nps_ci` computes it.

    Raises
    ------
    ValueError
        When an answer lies outside 0..10.

    Examples
    --------
    >>> est, lo, hi, n, g = clustered_nps_ci([10, 9, 3, 7, 10, 0], ["a", "a", "b", "c", "d", "e"], [0] * 6, 1)
    >>> round(float(est[0]), 2), int(n[0]), int(g[0]), bool(-100 <= lo[0] < est[0] < hi[0] <= 100)
    (16.67, 6, 5, True)
    """
    x, g, u, G = _prepare(scores, units, groups, n_groups)
    conf = check_confidence(confidence)
    ok = np.isfinite(x) & (g >= 0)
    xs, gs, us = x[ok], g[ok], u.codes[ok]
    out_of_range = (xs < 0) | (xs > 10)
    if np.any(out_of_range):
        raise ValueError(f"NPS answers must lie on the 0-10 scale; found {int(out_of_range.sum())} value(s) "
                         f"outside 0..10 (min {xs.min():g}, max {xs.max():g}). Rescale the answers to 0-10 first.")
    pro_i, det_i = (xs >= 9).astype(float), (xs <= 6).astype(float)
    n = np.bincount(gs, minlength=G).astype(float)
    pro = np.bincount(gs, weights=pro_i, minlength=G)
    det = np.bincount(gs, weights=det_i, minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = pro / n - det / n
    lo01, hi01, clusters = _bounded_ci((pro_i - det_i + 1.0) / 2.0, gs, us, G, conf)
    empty = n == 0
    est = np.where(empty, np.nan, 100 * d)
    lo = np.minimum(100.0 * (2.0 * lo01 - 1.0), est)
    hi = np.maximum(100.0 * (2.0 * hi01 - 1.0), est)
    return est, np.where(empty, np.nan, lo), np.where(empty, np.nan, hi), n, clusters


# --------------------------------------------------------------------------- the cluster bootstrap
def _chunk_rows(n_resamples: int, width: int, max_cells: int) -> int:
    return int(max(1, min(n_resamples, max_cells // max(width, 1))))


def clustered_quantile_ci(x: Any, units: Any, groups: Any, n_groups: int, q: Any = 0.5, confidence: float = 0.95,
                          *, method: str = "woodruff", n_resamples: int = DEFAULT_RESAMPLES, seed: Any = 0,
                          max_cells: int = 2_000_000) -> tuple[np.ndarray, ...]:
    r"""Quantile(s) per group with a cluster-robust interval (Woodruff) or a cluster bootstrap.

    Parameters
    ----------
    x : array of float
        Values (non-finite ones are left out).
    units : array-like or Units or None
        Sampling unit of each row (customer or account id); ``None``: every
        row its own unit.
    groups : array of int
        Group code of each row (negative codes are left out).
    n_groups : int
    q : float or sequence of float
        Quantile(s) strictly between 0 and 1.
    confidence : float
    method : {"woodruff", "bootstrap"}, default "woodruff"
        ``woodruff``: the order-statistic interval with the ranks taken at
        the effective sample size of the share below the quantile (see
        Notes). ``bootstrap``: percentile interval of a cluster bootstrap with
        hashed Poisson(1) weights.
    n_resamples, seed, max_cells
        Replicates, seed (:func:`hash_seed`) and rows x replicates per chunk
        of the bootstrap (``method="bootstrap"`` only).

    Returns
    -------
    (estimate, low, high, n, clusters)
        Arrays of length ``n_groups`` (shape ``(len(q), n_groups)`` for a
        sequence ``q``). The estimate is the sample quantile, exactly as
        :func:`~csanalysis.stats.grouped.grouped_quantile_ci` computes it. A
        bound is NaN for groups with fewer than two units, and (Woodruff) when
        the group is too small to reach the confidence on that side.

    Notes
    -----
    **Woodruff** (1952; for cluster samples Francisco & Fuller 1991): the
    interval :math:`[x_{(l)}, x_{(u)}]` covers :math:`\xi_q` when the share
    of rows at or below :math:`\xi_q` lies between :math:`(l-1)/n` and
    :math:`u/n`, so the ranks come from the distribution of that share. With
    independent rows it is :math:`B/n`, :math:`B \sim
    \mathrm{Binomial}(n, q)`, which gives the exact order-statistic interval
    of :func:`~csanalysis.stats.grouped.grouped_quantile_ci`. With clusters
    its variance is :math:`d` times larger; the design effect :math:`d` is
    that of the share of rows at or below :math:`\hat\xi_q` (cluster-robust
    variance over the rows' own, truncated at 1; the rows per unit when every
    row is on one side), so the share is treated as :math:`B^*/n^*` with
    :math:`n^* = n/d` and the ranks are :math:`l = n\,l^*/n^*`,
    :math:`u = n\,u^*/n^*` (rounded), where :math:`l^*, u^*` are the exact
    ranks at :math:`n^*` (whole-number ranks make these conservative, so
    the level is not widened further for few clusters). A bound that would
    need a rank outside the sample is NaN, as for the exact interval: a 90th
    percentile needs about 35 effective rows for an upper bound. With one row
    per unit the bounds are those of the exact interval. The interval is
    deterministic and identical whatever the order of the rows (it needs
    only the sorted values and counts of rows per unit). In simulations
    with 20-200 customers of 3-5 correlated times each (400 data sets per
    setting), the median's interval covered 94-97% where the exact interval
    for independent rows covered 85-95%; each side of the 90th percentile's
    held at least 96.8% where reported, its upper bound missing in up to 12%
    of the smallest data sets (about 60 times from 20 customers).

    **Bootstrap**: in replicate :math:`r` every unit gets the weight
    :func:`~csanalysis.stats.bootstrap.poisson_weights` draws from a hash of
    its identifier and :math:`r`; the weighted quantile (numpy's linear
    interpolation on the sample with each row repeated weight times) is
    computed for all groups and a chunk of replicates at once, and the
    interval is the percentile interval of the replicates in which the group
    has weight. A unit's weight depends only on its identifier, ``r`` and the
    seed, so the intervals do not depend on the order of the rows or on how
    the units are partitioned.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.exponential(60.0, 400)
    >>> cust = np.repeat(np.arange(100), 4)                    # 4 tickets per customer
    >>> est, lo, hi, n, g = clustered_quantile_ci(x, cust, np.zeros(400, int), 1)
    >>> bool(lo[0] < est[0] < hi[0]), int(n[0]), int(g[0])
    (True, 400, 100)
    >>> perm = rng.permutation(400)
    >>> again = clustered_quantile_ci(x[perm], cust[perm], np.zeros(400, int), 1)
    >>> (again[1][0], again[2][0]) == (lo[0], hi[0])
    True
    >>> b = clustered_quantile_ci(x, cust, np.zeros(400, int), 1, method="bootstrap", seed=1)
    >>> bool(b[1][0] < est[0] < b[2][0])
    True
    """
    xv, g, u, G = _prepare(x, units, groups, n_groups)
    conf = check_confidence(confidence)
    if method not in ("woodruff", "bootstrap"):
        raise ValueError(f"The value for `method` must be one of ['woodruff', 'bootstrap'], but {method!r} was passed.")
    scalar = np.ndim(q) == 0
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if np.any(~((qs > 0) & (qs < 1))):
        raise ValueError(f"`q` must be strictly between 0 and 1 (0.5 for the median), but {q!r} was passed.")
    Q = len(qs)
    est = np.full((Q, G), np.nan)
    low = np.full((Q, G), np.nan)
    high = np.full((Q, G), np.nan)
    ok = np.isfinite(xv) & (g >= 0)
    xs, gs, us = xv[ok], g[ok], u.codes[ok]
    cnt = np.bincount(gs, minlength=G)
    n = cnt.astype(float)
    clusters = np.zeros(G)
    if len(xs):
        order = np.lexsort((xs, gs))  # by group and value: ties are equal values, so no order matters
        xs, gs, us = xs[order], gs[order], us[order]
        # the sample quantile, computed exactly as grouped_quantile_ci computes it
        start = np.concatenate([[0], np.cumsum(cnt)[:-1]]).astype(np.int64)
        last = len(xs) - 1
        for i, qq in enumerate(qs):
            h = np.maximum(cnt - 1, 0) * qq
            lo_i = np.floor(h).astype(np.int64)
            hi_i = np.ceil(h).astype(np.int64)
            v_lo = xs[np.minimum(start + lo_i, last)]
            v_hi = xs[np.minimum(start + hi_i, last)]
            est[i] = np.where(cnt > 0, v_lo + (h - lo_i) * (v_hi - v_lo), np.nan)
        if method == "woodruff":
            clusters = _woodruff(xs, gs, us, G, qs, est, conf, low, high)
        else:
            check_resamples(n_resamples)
            check_positive_int(max_cells, "max_cells")
            clusters = _bootstrap_quantiles(xs, gs, us, u.ids, G, qs, conf, int(n_resamples), hash_seed(seed),
                                            int(max_cells), low, high)
    if scalar:
        return est[0], low[0], high[0], n, clusters
    return est, low, high, n, clusters


def woodruff_ranks(N: np.ndarray, clusters: np.ndarray, v_cr: np.ndarray, v_row: np.ndarray, q: float,
                   conf: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Woodruff's ranks (1-based) of the lower and upper bound per group, and whether each exists, from the
    moments of the share of rows at or below the estimate (:func:`cluster_variances`; ``N`` rows per group).

    Returns
    -------
    (lower, has_lower, upper, has_upper)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(v_row > 0, np.fmax(v_cr / v_row, 1.0), N / clusters)
        n_star = np.maximum(np.round(N / deff), 1.0)
    n_star = np.where(np.isfinite(n_star), n_star, 1.0)
    alpha = 1.0 - conf
    l_star = stats.binom.ppf(alpha / 2.0, n_star, q)
    u_star = stats.binom.ppf(1.0 - alpha / 2.0, n_star, q) + 1.0
    lr = np.round(l_star * N / n_star)
    ur = np.round(u_star * N / n_star)
    good = (N > 0) & (clusters >= 2)
    okl = good & (l_star >= 1) & (lr >= 1)
    oku = good & (u_star <= n_star) & (ur <= N)
    li = np.clip(np.nan_to_num(lr, nan=1.0), 1, np.maximum(N, 1)).astype(np.int64)
    ui = np.clip(np.nan_to_num(ur, nan=1.0), 1, np.maximum(N, 1)).astype(np.int64)
    return li, okl, ui, oku


def _woodruff(xs: np.ndarray, gs: np.ndarray, us: np.ndarray, G: int, qs: np.ndarray, est: np.ndarray,
              conf: float, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Woodruff bounds into ``low``/``high`` (rows sorted by group and value); returns clusters per group."""
    cnt = np.bincount(gs, minlength=G)
    start = np.cumsum(cnt) - cnt
    last = len(xs) - 1
    clusters = np.zeros(G)
    for i, qq in enumerate(qs):
        below = (xs <= est[i][gs]).astype(float)
        N, _, clusters, v_cr, v_row = _cluster_moments(below, gs, us, G)
        li, okl, ui, oku = woodruff_ranks(N, clusters, v_cr, v_row, qq, conf)
        low[i] = np.where(okl, xs[np.clip(start + li - 1, 0, last)], np.nan)
        high[i] = np.where(oku, xs[np.clip(start + ui - 1, 0, last)], np.nan)
    return clusters


def _bootstrap_quantiles(xs: np.ndarray, gs: np.ndarray, us: np.ndarray, ids: np.ndarray, G: int, qs: np.ndarray,
                         conf: float, R: int, seed: int, max_cells: int, low: np.ndarray,
                         high: np.ndarray) -> np.ndarray:
    """Cluster-bootstrap percentile bounds into ``low``/``high`` (rows sorted by group, value)."""
    Q = len(qs)
    present, uinv = np.unique(us, return_inverse=True)
    pair = distinct(gs * np.int64(len(present)) + uinv)
    clusters = np.bincount(pair // len(present), minlength=G).astype(float)
    hashes = unit_hash(ids[present], seed)
    cnt = np.bincount(gs, minlength=G)
    gi = np.flatnonzero(cnt > 0)
    start = (np.cumsum(cnt) - cnt)[gi]
    m = len(xs)
    reps = np.full((Q, R, len(gi)), np.nan)
    chunk = _chunk_rows(R, m, max_cells)
    for r0 in range(0, R, chunk):
        r = np.arange(r0, min(R, r0 + chunk))
        W = poisson_weights_from_hash(hashes, r)[:, uinv].astype(np.int64)  # (replicates, rows)
        flat = W.ravel()
        cum = np.cumsum(flat)
        base = (cum - flat)[np.arange(len(r))[:, None] * m + start[None, :]]  # weight before each group
        T = np.add.reduceat(W, start, axis=1)  # weight of each group
        has = T > 0
        for i, qq in enumerate(qs):
            h = np.maximum(T - 1, 0) * qq
            lo_i = np.floor(h).astype(np.int64)
            hi_i = np.ceil(h).astype(np.int64)
            v_lo = xs[np.searchsorted(cum, (base + lo_i).ravel(), side="right") % m].reshape(T.shape)
            v_hi = xs[np.searchsorted(cum, (base + hi_i).ravel(), side="right") % m].reshape(T.shape)
            reps[i, r0:r0 + len(r)] = np.where(has, v_lo + (h - lo_i) * (v_hi - v_lo), np.nan)
    a = (1.0 - conf) / 2.0
    enough = clusters[gi] >= 2
    if enough.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            qq = np.nanquantile(reps[:, :, enough], [a, 1.0 - a], axis=1)  # (2, Q, groups)
        cols = gi[enough]
        low[:, cols], high[:, cols] = qq[0], qq[1]
    return clusters


def clustered_bootstrap_sums(values: Any, units: Any, cells: Any, n_cells: int, *, n_resamples: int = DEFAULT_RESAMPLES,
                             seed: Any = 0, max_cells: int = 2_000_000) -> np.ndarray:
    """Sums of values per cell in every replicate of the hashed Poisson cluster bootstrap.

    The building block for bootstraps of statistics made of sums (shares per
    channel and period, their spread): replicate ``r`` gives every unit the
    weight :func:`~csanalysis.stats.bootstrap.poisson_weights` draws for it,
    and each cell's sum is the weighted sum of its rows. Row order and the
    partition of the units do not matter (up to floating-point rounding of
    the sums).

    Parameters
    ----------
    values : array of float, shape (n,) or (V, n)
        One or several value columns per row (e.g. 1 for a row, and whether
        it is a success). Non-finite values count as 0.
    units : array-like or Units or None
        Sampling unit of each row.
    cells : array of int
        Cell of each row, 0 .. n_cells - 1 (negative: left out).
    n_cells : int
    n_resamples : int, default 1000
    seed : int, Generator or None, default 0
    max_cells : int, default 2_000_000
        (unit, cell) pairs x replicates per chunk.

    Returns
    -------
    ndarray, shape (n_resamples, V, n_cells) (``(n_resamples, n_cells)`` for 1-D ``values``)

    Examples
    --------
    >>> s = clustered_bootstrap_sums([[1, 1, 1, 1], [1, 0, 0, 1]], ["a", "a", "b", "c"], [0, 0, 1, 1], 2,
    ...                              n_resamples=500, seed=3)
    >>> s.shape, round(float(s[:, 0, 0].mean() / 2), 1)        # cell 0: customer a's two rows, weight ~ 1
    ((500, 2, 2), 1.0)
    """
    check_resamples(n_resamples)
    check_positive_int(max_cells, "max_cells")
    v = np.asarray(values, dtype=float)
    one = v.ndim == 1
    v = np.atleast_2d(v)
    c = np.asarray(cells, dtype=np.int64).ravel()
    u = as_units(units, v.shape[1])
    if c.size != v.shape[1]:
        raise ValueError(f"`cells` has {c.size} rows but the values have {v.shape[1]}")
    R, K = int(n_resamples), int(n_cells)
    use = c >= 0
    vv = np.where(np.isfinite(v[:, use]), v[:, use], 0.0)
    cs, us = c[use], u.codes[use]
    out = np.zeros((R, v.shape[0], K))
    if cs.size:
        present, uinv = np.unique(us, return_inverse=True)
        key, pair = np.unique(cs * np.int64(len(present)) + uinv, return_inverse=True)
        pcell, punit = key // len(present), key % len(present)
        psum = np.vstack([np.bincount(pair, weights=row, minlength=len(key)) for row in vv])  # (V, pairs)
        hashes = unit_hash(u.ids[present], hash_seed(seed))
        # cells x units matrices holding each (cell, unit) pair's sum: a replicate's cell sums are M @ the units'
        # weights. (A cell's pairs are in the order of their units, so each sum adds the same terms in the same
        # order as over a column per pair, without spreading every replicate's weights to the pairs.)
        mats = [sparse.csr_matrix((psum[j], (pcell, punit)), shape=(K, len(present)))
                for j in range(vv.shape[0])]
        chunk = _chunk_rows(R, len(key), int(max_cells))
        for r0 in range(0, R, chunk):
            r = np.arange(r0, min(R, r0 + chunk))
            W = np.ascontiguousarray(poisson_weights_from_hash(hashes, r).T, dtype=float)  # (units, replicates)
            for j, M in enumerate(mats):
                out[r0:r0 + len(r), j] = np.asarray(M @ W).T
    return out[:, 0] if one else out
