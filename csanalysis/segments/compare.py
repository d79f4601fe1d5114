"""Compare any metric across segments, with the right test and corrected p-values.

A *metric* is one column of a per-ticket, per-response or per-customer table:

* a **share** (a boolean column: bad rating, repeat purchase, churned, ...),
* a **time** (a duration: ``resolution_minutes``, a ``timedelta`` column, ...),
* a **score** (a number such as CSAT, NPS or effort).

:func:`compare_segments` estimates the metric per segment with an interval,
tests whether the segments differ at all (the *omnibus* test), and compares
each segment with the rest (or every pair of segments) with p-values adjusted
for the number of comparisons.

Tests
-----
shares
    Pearson's chi-square test of independence on the segments x (yes, no)
    table (``scipy.stats.chi2_contingency``, no continuity correction); for a
    2 x 2 table with an expected count below 5, Fisher's exact test
    (``scipy.stats.fisher_exact``). Pairwise: the pooled two-proportion
    z-test (the 2 x 2 chi-square), or Fisher's exact test when an expected
    count is below 5.
times and scores
    Kruskal-Wallis H test across all segments (chi-square approximation with
    the tie correction, computed here from one ranking; equal to
    ``scipy.stats.kruskal``); pairwise Mann-Whitney U tests
    (``scipy.stats.mannwhitneyu``, two-sided; segment-vs-rest tests of
    segments with more than 8 values use the same normal approximation with
    continuity and tie corrections, computed from the one ranking).

Multiple comparisons
--------------------
:func:`adjust_pvalues` implements Benjamini-Hochberg (false-discovery rate),
Holm and Bonferroni adjustments itself, vectorised (BH: sort, scale by
``m / rank``, cumulative minimum from the largest p down; equal to
``scipy.stats.false_discovery_control(p, method="bh")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from csanalysis.checks import check_alpha, check_confidence, check_frame
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.segments.common import segment_codes
from csanalysis.stats.multiplicity import Correction, adjust_pvalues
from csanalysis.stats.clustered import clustered_mean_ci
from csanalysis.stats.grouped import grouped_mean_ci, grouped_quantile_ci, grouped_share_ci
from csanalysis.stats.intervals import two_proportion_test

__all__ = ["Omnibus", "SegmentComparison", "adjust_pvalues", "compare_segments", "kruskal_wallis",
           "kruskal_wallis_from_sums", "mann_whitney_from_sums", "mann_whitney_p", "rank_omnibus",
           "rank_omnibus_from_sums", "share_omnibus"]

Kind = Literal["share", "time", "score"]

_TIME_SUFFIXES = ("_minutes", "_hours", "_days", "_seconds")
_ESTIMATORS = {
    "share": "share with Wilson score interval",
    "time": "median with binomial order-statistic interval",
    "score": "mean with a Wilson-type interval on the score's scale (the known scale of csat 1-5, ces 1-7 and "
             "nps 0-10, else the range of the values), so it stays on the scale",
}
#: Known answer scales of score columns (by name); other scores are bounded by their observed range.
SCORE_SCALES: dict[str, tuple[float, float]] = {"csat": (1.0, 5.0), "ces": (1.0, 7.0), "nps": (0.0, 10.0)}
_CHI2 = "Pearson chi-square test of independence"
_FISHER = "Fisher's exact test"
_KW = "Kruskal-Wallis H test"
_Z = "two-proportion z-test (pooled; = 2x2 chi-square)"
_MWU = "Mann-Whitney U test"


# --------------------------------------------------------------------------- grouped kernels
def _ranks(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Mid-ranks of ``x`` and the tie sum ``sum(t^3 - t)``."""
    r = stats.rankdata(x, method="average")
    _, t = np.unique(x, return_counts=True)
    t = t.astype(float)
    return r, float(np.sum(t ** 3 - t))


def kruskal_wallis(x: Any, g: Any) -> tuple[float, float, int]:
    """Kruskal-Wallis H test from one ranking (vectorised over groups).

    Parameters
    ----------
    x : array-like of float
        Values (no missing values).
    g : array-like of int
        Group code of each value (0..G-1); groups without values are ignored.

    Returns
    -------
    statistic, p_value, df : float, float, int
        H corrected for ties, its chi-square p-value with ``k - 1`` degrees
        of freedom (``k`` groups with values). NaN when fewer than two groups
        have values or every value is the same.

    Examples
    --------
    >>> h, p, df = kruskal_wallis([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1])
    >>> round(h, 4), round(p, 4), df
    (3.8571, 0.0495, 1)
    """
    xa = np.asarray(x, dtype=float)
    ga = np.asarray(g, dtype=np.int64)
    counts = np.bincount(ga) if ga.size else np.zeros(0, np.int64)
    if int(np.sum(counts > 0)) < 2:
        return kruskal_wallis_from_sums(np.zeros(len(counts)), counts, 0.0)
    r, ties = _ranks(xa)
    return kruskal_wallis_from_sums(np.bincount(ga, weights=r), counts, ties)


def kruskal_wallis_from_sums(rank_sums: np.ndarray, counts: np.ndarray, ties: float) -> tuple[float, float, int]:
    """:func:`kruskal_wallis` from the mid-rank sums and counts per group and the tie sum ``sum(t^3 - t)`` of one
    ranking of all values (:func:`csanalysis.stats.selection.rank_sums` gives them for values spread over
    partitions).

    >>> h, p, df = kruskal_wallis_from_sums(np.array([6.0, 15.0]), np.array([3, 3]), 0.0)
    >>> (h, p, df) == kruskal_wallis([1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1])
    True
    """
    counts = np.asarray(counts)
    k = int(np.sum(counts > 0))
    N = int(np.sum(counts))
    if k < 2:
        return np.nan, np.nan, max(k - 1, 0)
    corr = 1.0 - ties / (N ** 3 - N)
    if corr <= 0:
        return np.nan, np.nan, k - 1
    rs = np.asarray(rank_sums, dtype=float)
    nz = counts > 0
    h = (12.0 / (N * (N + 1)) * np.sum(rs[nz] ** 2 / counts[nz]) - 3.0 * (N + 1)) / corr
    return float(h), float(stats.chi2.sf(h, k - 1)), k - 1


def _mwu_vs_rest(x: np.ndarray, g: np.ndarray, G: int) -> np.ndarray:
    """Two-sided Mann-Whitney p-values of each group vs the rest, from one global ranking
    (:func:`mann_whitney_from_sums`)."""
    N = x.size
    n1 = np.bincount(g, minlength=G).astype(float)
    if N == 0:
        return np.full(G, np.nan)
    r, ties = _ranks(x)
    return mann_whitney_from_sums(np.bincount(g, weights=r, minlength=G), n1, N - n1, ties)


def mann_whitney_from_sums(r1: Any, n1: Any, n2: Any, ties: Any) -> np.ndarray:
    """Two-sided Mann-Whitney U p-values from the first sample's mid-rank sum ``r1`` in one ranking of both
    samples (sizes ``n1``, ``n2``) and that ranking's tie sum ``sum(t^3 - t)``; arrays broadcast.

    As :func:`mann_whitney_p` on the values (``scipy.stats.mannwhitneyu``, ``method="auto"``): exact when a
    sample has at most 8 values and there are no ties (the null distribution of U depends on U and the sizes
    only), the normal approximation with tie and continuity corrections otherwise; NaN when a sample is
    empty, 1 when every value is the same. :func:`csanalysis.stats.selection.rank_sums` gives the sums for
    values spread over partitions.

    >>> a, b = np.array([1.0, 2, 3, 4]), np.array([5.0, 6, 7, 8])
    >>> float(mann_whitney_from_sums(10.0, 4, 4, 0.0)) == mann_whitney_p(a, b)
    True
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r1, n1, n2, ties)))
    shape = arrays[0].shape
    r1, n1, n2, ties = (a.ravel() for a in arrays)
    n = n1 + n2
    u1 = r1 - n1 * (n1 + 1.0) / 2.0
    u = np.maximum(u1, n1 * n2 - u1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0))))
        p = np.clip(2.0 * special.ndtr(-(u - n1 * n2 / 2.0 - 0.5) / s), 0.0, 1.0)
    out = np.where((n1 > 0) & (n2 > 0), p, np.nan)
    out = np.where((n1 > 0) & (n2 > 0) & (ties == n ** 3 - n), 1.0, out)  # one value throughout
    exact = (n1 > 0) & (n2 > 0) & (np.minimum(n1, n2) <= 8) & (ties == 0)
    for i in np.flatnonzero(exact):  # few: a sample of at most 8 values
        out[i] = _mwu_exact(int(u1[i]), int(n1[i]), int(n2[i]))
    return out.reshape(shape)[()]


def _mwu_exact(u1: int, n1: int, n2: int) -> float:
    """scipy's exact two-sided p-value for U = ``u1`` of samples of sizes ``n1``, ``n2`` (no ties): computed on
    two samples arranged to give that U (the exact null distribution depends on nothing else)."""
    y = np.arange(n2, dtype=float)
    # each value of x sits above c_j values of y, the c_j adding up to u1; x + 0.5 never equals a y
    c = np.minimum(np.maximum(u1 - n2 * np.arange(n1), 0), n2)
    x = c - 0.5 + np.arange(n1) * 1e-9 / max(n1, 1)
    return float(stats.mannwhitneyu(x, y, alternative="two-sided", method="exact").pvalue)


def mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value of two samples (NaN when one is empty, 1 when all values are equal).

    Exact (scipy's ``method="auto"``) when a sample has at most 8 values,
    the normal approximation with tie and continuity corrections otherwise.

    Examples
    --------
    >>> round(mann_whitney_p(np.array([1.0, 2, 3, 4]), np.array([5.0, 6, 7, 8])), 4)
    0.0286
    """
    if a.size == 0 or b.size == 0:
        return np.nan
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    method = "auto" if min(a.size, b.size) <= 8 else "asymptotic"
    return float(stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


def _small_expected(k1, n1, k2, n2) -> np.ndarray:
    """Whether the 2x2 table [[k1, n1-k1], [k2, n2-k2]] has an expected count below 5."""
    k1, n1, k2, n2 = (np.asarray(v, float) for v in (k1, n1, k2, n2))
    N = n1 + n2
    K = k1 + k2
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.minimum(np.minimum(n1, n2) * np.minimum(K, N - K) / N, np.inf)
    return np.where(N > 0, e < 5, False)


def _fisher(k1, n1, k2, n2) -> float:
    return float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)


# --------------------------------------------------------------------------- omnibus
@dataclass(frozen=True)
class Omnibus:
    """The test of whether any segment differs (see :func:`compare_segments`).

    Attributes
    ----------
    test : str
        Name of the test.
    statistic, df, p_value : float
        Test statistic (chi-square / H; the odds ratio for Fisher's exact
        test), degrees of freedom (NaN for Fisher) and p-value; NaN when the
        test cannot be run, with the reason in ``reason``.
    assumptions : str
        The test's assumptions, and whether the data meet them.
    reason : str
        Why the test is NaN (empty when it ran).
    """

    test: str
    statistic: float
    df: float
    p_value: float
    assumptions: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"test": self.test, "statistic": self.statistic, "df": self.df,
                         "p_value": self.p_value, "assumptions": self.assumptions, "reason": self.reason})


def share_omnibus(k: np.ndarray, n: np.ndarray) -> Omnibus:
    """Whether a share differs across segments: chi-square test (Fisher's exact test for a small 2 x 2).

    Parameters
    ----------
    k, n : ndarray
        Successes and rows per segment (segments with ``n = 0`` are left out).

    Returns
    -------
    Omnibus

    Examples
    --------
    >>> share_omnibus(np.array([20.0, 4.0]), np.array([40.0, 40.0])).test
    'Pearson chi-square test of independence'
    """
    use = n > 0
    base = ("independent observations (one row per ticket / response / customer, not repeated measures); "
            "expected count of at least 5 in every cell for the chi-square approximation")
    if use.sum() < 2:
        return Omnibus(_CHI2, np.nan, np.nan, np.nan, base,
                       f"only {int(use.sum())} segment with values; at least two are needed for a comparison")
    table = np.column_stack([k[use], n[use] - k[use]])
    if np.any(table.sum(axis=0) == 0):
        return Omnibus(_CHI2, 0.0, float(use.sum() - 1), 1.0, base,
                       "every value is the same (all true or all false), so the segments cannot differ")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if table.shape[0] == 2 and expected.min() < 5:
        res = stats.fisher_exact(table)
        return Omnibus(_FISHER, float(res.statistic), np.nan, float(res.pvalue),
                       "independent observations; margins treated as fixed (conditional test); used instead of "
                       f"the chi-square test because the smallest expected count is {expected.min():.2g} (< 5)")
    res = stats.chi2_contingency(table, correction=False)
    small = float(np.mean(expected < 5))
    note = (f"; {small:.0%} of the cells have an expected count below 5 (smallest {expected.min():.2g}), so "
            "the chi-square approximation may be poor: merge small segments" if small > 0 else
            f"; met (smallest expected count {expected.min():.3g})")
    return Omnibus(_CHI2, float(res.statistic), float(res.dof), float(res.pvalue), base + note)


def rank_omnibus(x: np.ndarray, g: np.ndarray, G: int) -> Omnibus:
    """Whether a time or score differs across segments: the Kruskal-Wallis H test.

    Parameters
    ----------
    x : ndarray
        Values (no missing values).
    g : ndarray of int
        Segment code of each value, 0 .. G - 1.
    G : int
        Number of segments.

    Returns
    -------
    Omnibus

    Examples
    --------
    >>> o = rank_omnibus(np.array([1.0, 2, 3, 4, 5, 6]), np.array([0, 0, 0, 1, 1, 1]), 2)
    >>> o.test, round(o.p_value, 4)
    ('Kruskal-Wallis H test', 0.0495)
    """
    counts = np.bincount(g, minlength=G)
    if int(np.sum(counts > 0)) < 2:
        return rank_omnibus_from_sums(np.zeros(G), counts, 0.0)
    r, ties = _ranks(np.asarray(x, dtype=float))
    return rank_omnibus_from_sums(np.bincount(g, weights=r, minlength=G), counts, ties)


def rank_omnibus_from_sums(rank_sums: np.ndarray, counts: np.ndarray, ties: float) -> Omnibus:
    """:func:`rank_omnibus` from the mid-rank sums and counts per segment and the tie sum of one ranking of all
    values (:func:`csanalysis.stats.selection.rank_sums`)."""
    counts = np.asarray(counts)
    k = int(np.sum(counts > 0))
    base = ("independent observations; an ordinal or continuous metric; tests whether values tend to be "
            "larger in some segments (a difference in location when the distributions have the same shape); "
            "chi-square approximation of H (reliable with at least 5 values per segment)")
    if k < 2:
        return Omnibus(_KW, np.nan, np.nan, np.nan, base,
                       f"only {k} segment with values; at least two are needed for a comparison")
    h, p, df = kruskal_wallis_from_sums(rank_sums, counts, ties)
    if not np.isfinite(h):
        return Omnibus(_KW, np.nan, float(df), np.nan, base,
                       "every value is the same, so the test is undefined (nothing differs)")
    smallest = int(counts[counts > 0].min())
    note = f"; smallest segment has {smallest} values" + (" (< 5: the approximation is rough)" if smallest < 5 else "")
    return Omnibus(_KW, h, float(df), p, base + note)


# --------------------------------------------------------------------------- result
@dataclass(repr=False)
class SegmentComparison(Result):
    """A metric compared across segments (see :func:`compare_segments`).

    Attributes
    ----------
    table : DataFrame
        One row per segment: ``segment, n, estimate, ci_low, ci_high,
        difference`` (segment minus the rest), ``p_value, p_adjusted,
        significant`` (segment vs the rest, adjusted across segments),
        ``test``.
    omnibus : Omnibus
        Test of whether any segment differs.
    pairwise : DataFrame
        The comparisons chosen with ``pairs``: ``segment_a, segment_b,
        estimate_a, estimate_b, difference, p_value, p_adjusted,
        significant, test`` (``segment_b`` is ``"rest"`` for segment-vs-rest).
    """

    table: pd.DataFrame
    omnibus: Omnibus
    pairwise: pd.DataFrame
    segment: str
    metric: str
    kind: str
    estimator: str
    alpha: float
    correction: str
    pairs: str
    confidence: float
    unit: str = ""
    n_dropped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"{self.metric} by {self.segment} ({self.estimator})"

    def __repr__(self) -> str:
        return (f"<SegmentComparison {self.metric!r} by {self.segment!r}: {len(self.table)} segments, "
                f"{self.omnibus.test} p={self.omnibus.p_value:.3g}>")

    def summary(self) -> pd.DataFrame:
        """One row per segment (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, omnibus test, per-segment summary and pairwise comparisons."""
        tab = self.table.assign(segment=self.table["segment"].astype("str"))
        pw = self.pairwise.assign(segment_a=self.pairwise["segment_a"].astype("str"),
                                  segment_b=self.pairwise["segment_b"].astype("str"))
        return jsonable({
            "segment": self.segment, "metric": self.metric, "kind": self.kind, "unit": self.unit,
            "estimator": self.estimator, "confidence": self.confidence, "alpha": self.alpha,
            "correction": self.correction, "pairs": self.pairs, "n_dropped": self.n_dropped,
            "notes": list(self.notes), "omnibus": self.omnibus.to_dict(),
            "summary": frame_records(tab), "pairwise": frame_records(pw),
        })

    def footnote(self) -> str:
        """The omnibus test, its assumptions and the p-value adjustment."""
        o = self.omnibus
        if np.isfinite(o.p_value):
            line = f"{o.test}: statistic {o.statistic:.4g}, df {o.df:.3g}, p = {o.p_value:.3g}"
        else:
            line = f"{o.test}: not computed ({o.reason})"
        return (f"{line}. Assumptions: {o.assumptions}. Segment vs rest p-values adjusted with "
                f"{self.correction}.")

    def plot(self, ax: Any = None) -> Any:
        """Estimate and interval per segment (see :func:`csanalysis.plotting.plot_segment_comparison`)."""
        from csanalysis.plotting.segments import plot_segment_comparison
        return plot_segment_comparison(self, ax=ax)


# --------------------------------------------------------------------------- helpers
def _infer_kind(s: pd.Series, name: str) -> Kind:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "share"
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return "time"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "time" if name.lower().endswith(_TIME_SUFFIXES) else "score"
    raise ValueError(f"metric column {name!r} has dtype {s.dtype}, which is neither boolean (a share), a duration "
                     "(a time) nor numeric (a score); convert it, e.g. df[col] == 'bad' for a share, or pass kind=")


def _values(s: pd.Series, kind: Kind, name: str) -> tuple[np.ndarray, str]:
    if kind == "share":
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.astype("float64").to_numpy(dtype=float, na_value=np.nan), ""
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isfinite(x) & (x != 0) & (x != 1)
        if not pd.api.types.is_numeric_dtype(s.dtype) or bad.any():
            raise ValueError(f"kind='share' needs a boolean (or 0/1) column; {name!r} has dtype {s.dtype}"
                             + (f" and {int(bad.sum())} value(s) other than 0 and 1" if bad.any() else ""))
        return x, ""
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return (s.dt.total_seconds() / 60.0).to_numpy(dtype=float, na_value=np.nan), "minutes"
    if not (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)):
        raise ValueError(f"kind={kind!r} needs a numeric (or duration) column; {name!r} has dtype {s.dtype}")
    unit = next((suf[1:] for suf in _TIME_SUFFIXES if name.lower().endswith(suf)), "") if kind == "time" else ""
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan), unit


# --------------------------------------------------------------------------- entry point
def compare_segments(
    data: pd.DataFrame,
    *,
    segment: str,
    metric: str,
    kind: Kind | None = None,
    alpha: float = 0.05,
    correction: Correction | None = "fdr_bh",
    pairs: Literal["vs_rest", "all"] = "vs_rest",
    confidence: float | None = None,
) -> SegmentComparison:
    """Compare a metric across segments with intervals, an omnibus test and corrected pairwise tests.

    Parameters
    ----------
    data : DataFrame
        A per-ticket, per-response or per-customer table.
    segment : str
        Column holding the segment of each row (categorical, text, number,
        period, bool). Every category of a categorical column is reported,
        so unused categories show ``n = 0`` and NaN. Rows with a missing
        segment or metric are left out (counted in ``n_dropped``).
    metric : str
        Column holding the metric.
    kind : {"share", "time", "score"}, optional
        How to summarise and test the metric. Inferred when omitted: boolean
        columns are shares, ``timedelta`` columns and numeric columns whose
        name ends in ``_minutes`` / ``_hours`` / ``_days`` / ``_seconds`` are
        times, other numeric columns are scores. ``timedelta`` values are
        converted to minutes.
    alpha : float, default 0.05
        Significance level applied to the adjusted p-values.
    correction : {"fdr_bh", "holm", "bonferroni", "none"} or None, default "fdr_bh"
        Multiple-comparison adjustment across the pairwise comparisons
        (Benjamini-Hochberg false-discovery rate by default; see
        :func:`adjust_pvalues`).
    pairs : {"vs_rest", "all"}, default "vs_rest"
        Which comparisons go in ``.pairwise``: each segment against all other
        rows together, or every pair of segments (adjusted as one family).
        The per-segment ``summary()`` always shows segment vs rest.
    confidence : float, optional
        Confidence level of the intervals; ``1 - alpha`` by default.

    Returns
    -------
    SegmentComparison
        ``.summary()`` (segment, n, estimate, ci_low, ci_high, difference,
        p_value, p_adjusted, significant, test), ``.omnibus``,
        ``.pairwise``, ``.to_dict()``, ``.plot()``.

    Notes
    -----
    Estimates: shares with the Wilson interval; times as the median with the
    distribution-free order-statistic interval (times are skewed; the median
    is the usual service figure); scores as the mean with a Wilson-type
    interval on the score's scale (:data:`SCORE_SCALES`, else the values'
    range; :func:`csanalysis.stats.clustered.clustered_mean_ci`), which stays
    on the scale even for tiny segments. Tests are named in the module docstring; the omnibus test and
    its assumptions are carried in the result. With one segment the omnibus
    test and p-values are NaN with a reason, not an error.

    Examples
    --------
    >>> df = pd.DataFrame({"channel": ["email"] * 40 + ["chat"] * 40,
    ...                    "bad": [True] * 20 + [False] * 20 + [True] * 4 + [False] * 36})
    >>> res = compare_segments(df, segment="channel", metric="bad")
    >>> res.omnibus.test, round(res.omnibus.p_value, 5)
    ('Pearson chi-square test of independence', 9e-05)
    >>> res.summary()[["segment", "n", "estimate", "significant"]]
      segment   n  estimate  significant
    0    chat  40       0.1         True
    1   email  40       0.5         True
    """
    check_frame(data, "data")
    for role, col in (("segment", segment), ("metric", metric)):
        if not isinstance(col, str) or col not in data.columns:
            shown = ", ".join(map(str, list(data.columns)[:15]))
            raise ValueError(f"`{role}` column {col!r} is not in the table; its columns are: {shown}")
    if segment == metric:
        raise ValueError("`segment` and `metric` must be different columns")
    if kind is not None and kind not in ("share", "time", "score"):
        raise ValueError(f"The value for `kind` must be one of ['share', 'time', 'score'] or None, "
                         f"but {kind!r} was passed.")
    if pairs not in ("vs_rest", "all"):
        raise ValueError(f"The value for `pairs` must be one of ['vs_rest', 'all'], but {pairs!r} was passed.")
    a = check_alpha(alpha)
    conf = 1.0 - a if confidence is None else check_confidence(confidence)
    corr = "none" if correction is None else correction
    adjust_pvalues([], corr)  # validates

    k_ = kind or _infer_kind(data[metric], metric)
    x_all, unit = _values(data[metric], k_, metric)
    g_all, levels = segment_codes(data[segment])
    G = len(levels)
    keep = np.isfinite(x_all) & (g_all >= 0)
    x, g = x_all[keep], g_all[keep]
    n_dropped = int((~keep).sum())
    notes = []
    if n_dropped:
        notes.append(f"{n_dropped} row(s) with a missing {segment!r} or {metric!r} were left out")

    # per-segment estimates, and the rest
    if k_ == "share":
        est, low, high, n, ksum = grouped_share_ci(x, g, G, conf)
        K, N = float(ksum.sum()), float(n.sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            rest_est = np.where(N - n > 0, (K - ksum) / (N - n), np.nan)
        omni = share_omnibus(ksum, n)
        _, _, _, p = two_proportion_test(ksum, n, K - ksum, N - n)
        p = np.asarray(p, float)
        small = _small_expected(ksum, n, K - ksum, N - n)
        for i in np.flatnonzero(small & (n > 0) & (N - n > 0)):
            p[i] = _fisher(ksum[i], n[i], K - ksum[i], N - n[i])
        test = np.where(small, _FISHER, _Z)
    else:
        if k_ == "time":
            est, low, high, n = grouped_quantile_ci(x, g, G, q=0.5, confidence=conf)
        else:
            est, low, high, n = grouped_mean_ci(x, g, G, conf)
            lo_b, hi_b = SCORE_SCALES.get(metric.lower(), (np.inf, -np.inf))
            if x.size:
                lo_b, hi_b = min(lo_b, float(x.min())), max(hi_b, float(x.max()))
            if x.size and hi_b > lo_b:  # a mean cannot leave its scale: a bounded interval
                est, low, high, n = clustered_mean_ci(x, None, g, G, conf, bounds=(lo_b, hi_b))[:4]
        N = float(n.sum())
        if k_ == "score":
            S = float(x.sum())
            sums = np.bincount(g, weights=x, minlength=G)
            with np.errstate(divide="ignore", invalid="ignore"):
                rest_est = np.where(N - n > 0, (S - sums) / (N - n), np.nan)
        else:
            rest_est = np.full(G, np.nan)
            for i in np.flatnonzero((n > 0) & (N - n > 0)):
                rest_est[i] = float(np.median(x[g != i]))
        omni = rank_omnibus(x, g, G)
        p = _mwu_vs_rest(x, g, G)
        test = np.full(G, _MWU, dtype=object)
    testable = (n > 0) & (N - n > 0)
    p = np.where(testable, p, np.nan)
    test = np.where(testable, test, "")
    p_adj = adjust_pvalues(p, corr)
    with np.errstate(invalid="ignore"):
        sig = np.where(np.isfinite(p_adj), p_adj < a, False).astype(bool)
    if int((n > 0).sum()) < 2:
        notes.append("fewer than two segments have values: no comparison is possible")
    table = pd.DataFrame({
        "segment": levels,
        "n": n.astype(np.int64),
        "estimate": est,
        "ci_low": low,
        "ci_high": high,
        "difference": est - rest_est,
        "p_value": p,
        "p_adjusted": p_adj,
        "significant": sig,
        "test": pd.array(test.astype(object), dtype="str"),
    })

    # pairwise family
    if pairs == "vs_rest":
        pw = pd.DataFrame({
            "segment_a": levels, "segment_b": "rest", "estimate_a": est, "estimate_b": rest_est,
            "difference": est - rest_est, "p_value": p, "p_adjusted": p_adj, "significant": sig,
            "test": table["test"],
        })
        pw = pw.loc[testable].reset_index(drop=True)
    else:
        idx = np.flatnonzero(n > 0)
        ia, ib = np.triu_indices(len(idx), k=1)
        ia, ib = idx[ia], idx[ib]
        if k_ == "share":
            _, _, _, pp = two_proportion_test(ksum[ia], n[ia], ksum[ib], n[ib])
            pp = np.atleast_1d(np.asarray(pp, float)).copy()
            sm = np.atleast_1d(_small_expected(ksum[ia], n[ia], ksum[ib], n[ib]))
            for j in np.flatnonzero(sm):
                pp[j] = _fisher(ksum[ia[j]], n[ia[j]], ksum[ib[j]], n[ib[j]])
            ptest = np.where(sm, _FISHER, _Z)
        else:
            order = np.argsort(g, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(g, minlength=G))])
            xs = x[order]
            pp = np.array([mann_whitney_p(xs[bounds[i]:bounds[i + 1]], xs[bounds[j]:bounds[j + 1]])
                           for i, j in zip(ia, ib)], dtype=float)
            ptest = np.full(len(ia), _MWU, dtype=object)
        pa = adjust_pvalues(pp, corr)
        pw = pd.DataFrame({
            "segment_a": levels[ia] if len(ia) else pd.Index([], dtype=object),
            "segment_b": levels[ib] if len(ib) else pd.Index([], dtype=object),
            "estimate_a": est[ia], "estimate_b": est[ib], "difference": est[ia] - est[ib],
            "p_value": pp, "p_adjusted": pa,
            "significant": np.where(np.isfinite(pa), pa < a, False).astype(bool),
            "test": pd.array(np.asarray(ptest, dtype=object), dtype="str"),
        })
    return SegmentComparison(
        table=table, omnibus=omni, pairwise=pw, segment=segment, metric=metric, kind=k_,
        estimator=_ESTIMATORS[k_], alpha=a, correction=corr, pairs=pairs, confidence=conf,
        unit=unit, n_dropped=n_dropped, notes=notes,
    )
