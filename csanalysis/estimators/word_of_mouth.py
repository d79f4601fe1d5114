"""Word of mouth: how many people do dissatisfied customers tell?

The press cites "a dissatisfied customer tells 9 to 15 people" and "13% tell
more than 20" (untraceable folklore, see the registry), and "54% of those who
share a bad experience tell more than five people" (Dimensional Research
2013). Word of mouth cannot be seen in ticket or purchase data; it needs a
survey item such as "How many people did you tell? 0 / 1-2 / 3-5 / 6-10 /
11-20 / more than 20". :func:`word_of_mouth` estimates the figures from such
answers, honouring that an answer is an *interval*.

Answers are intervals
---------------------
Each answer is an interval ``[told_count_low, told_count_high]`` of whole
people: an exact answer has ``low == high``, a band ``6-10`` is ``[6, 10]``,
an open band "more than 20" is ``[21, NaN]`` (the readers' convention: both
ends inclusive, a missing high end means open). Surveys may offer different
band sets (one asks 1-5, another 1-2 and 3-5, a third an exact number); the
estimator takes them together.

Estimator
---------
**Distribution.** :func:`turnbull` computes Turnbull's nonparametric maximum
likelihood estimate (NPMLE, JRSS-B 1976) of the distribution of people told:
probability masses on the *Turnbull intervals* (the innermost intervals that
the answers' ends form), found by the self-consistency EM algorithm,
vectorised over answers and bootstrap replicates. It assumes nothing about
where inside an interval a count lies, only that which band a respondent
picks says nothing more about the count (non-informative coarsening, the
assumption of every interval-censored likelihood). With one fixed set of
non-overlapping bands the Turnbull intervals *are* the bands and the NPMLE
is simply the share of answers in each band; with several band sets (or
exact answers inside bands) the EM shares the wider answers out over the
finer intervals in proportion to the estimated masses.

**Figures** (per group; ids in the ``dissatisfied`` group, see the
Denominators for the satisfied names):

``wom_told_over_20``
    The NPMLE probability of telling more than 20 people. No band straddles
    20 in the usual band sets, so this is exactly the share of answers above
    20; a Turnbull interval that straddles a threshold is shared out by the
    within-interval law of the central estimate (below), the interval then
    spans from the ``*_lower_bound`` row's CI low (straddling mass counted
    out) to the ``*_upper_bound`` row's CI high (counted in).
``share_bad_any``
    The NPMLE probability of telling anyone (at least 1 person).
``share_bad_gt5``
    Among those who told anyone, the probability of telling more than 5.
``wom_told_median_band``
    The band holding the median: the Turnbull interval where the NPMLE's
    cumulative probability reaches 0.5, reported as the narrowest band a
    survey offered that contains it (an exact count or the interval itself
    when no band does). Unit people: ``estimate`` is the band's low end (the
    median is at least this), ``ci_low`` / ``ci_high`` the low end of the
    lowest and the high end of the highest band the bootstrap puts the median
    in (95% of replicates; always containing the estimated band); the band
    text is in ``method``. A cited median is thus judged against whole bands:
    a verdict only when every band in that range lies on one side of it.
``wom_told_mean_lower_bound``
    Every answer at its low end (an open band at its floor). No assumption:
    the true mean cannot be lower.
``wom_told_mean_upper_sensitivity``
    Every answer at its high end and an open answer at
    ``open_upper_multiplier`` times its floor (default 3: 63 for "more than
    20", the mean of a Pareto tail of index 1.5, whose variance is
    infinite), or the central estimate where that is larger. An upper end
    under a stated, deliberately heavy assumption about open answers, not a
    bound: the mean of an open band is not identified by the answers. Like
    the lower bound it reads every answer by itself, without the NPMLE's
    assumption.
``wom_told_mean``
    The central estimate, under a stated assumption: a *constant hazard*
    within each interval. The NPMLE gives each Turnbull interval ``[a, b]``
    its mass and the probability ``P(X > b | X >= a)`` of lying above it;
    inside, counts decay geometrically, ``P(X = x) ~ rho^x`` with
    ``rho^(b - a + 1) = P(X > b | X >= a)`` (an even spread when nothing
    lies above). Counts of people told thin out within bands, so this sits
    below the midpoints that the audit found biased. The open band
    continues the hazard of the offered band below it: from that band's
    floor ``t1`` (11 for "11-20") on, ``rho`` is fitted so that ``P(X >=
    t2) / P(X >= t1)`` equals the NPMLE's (``t2`` = the open band's floor),
    and the open band averages ``t2 + rho / (1 - rho)``, kept within ``[t2,
    open_upper_multiplier x t2]`` (a geometric tail: lighter than a
    log-normal or Pareto one). Pass ``open_multiplier`` to replace the
    fitted tail by a fixed multiple of the floor (the rule this package
    used before: 1.5). **Its interval is the identified range**, from the
    lower bound's ``ci_low`` to the upper sensitivity's ``ci_high``, so
    that a verdict against a cited value (the folklore 9-15) is ``above`` /
    ``below`` only when the whole range excludes it; the central estimate's
    own bootstrap interval is given in ``method``.

Sampling unit
-------------
One customer may answer several surveys, and their answers are alike; the
intervals therefore treat the *customer* as the unit: a Poisson bootstrap in
which every answer of a customer gets the customer's weight in a replicate,
drawn by :func:`csanalysis.stats.bootstrap.poisson_weights` from a hash of
the ``customer`` column (after linking) and the replicate number, so the
intervals do not depend on row order or partitioning. Answers without a
customer (or a table without the column) are each their own unit; the
``method`` says which. Each replicate refits the NPMLE. Intervals are
percentile intervals; a share whose replicates are all equal (e.g. no answer
above 20) gets the Wilson interval on the number of customers instead.

Denominators
------------
* ``wom_told_*``: answers of the group to the "how many" item, zeros
  included.
* ``share_bad_any`` (``share_good_any``): the same answers.
* ``share_bad_gt5`` (``share_good_gt5``): those who told anyone; ``n``
  counts the answers of at least 1.
* ``told_others_not_to_buy_after_bad`` (``..._after_good``): answers of
  the group to the warned-others item (the same customer bootstrap).

Groups: *dissatisfied* is ``csat <= dissatisfied_max_csat`` (default 1-2 on
the 1-5 scale), *satisfied* is ``csat >= satisfied_min_csat`` (4-5); the
satisfied figures are the contrast. The figures weight every answer equally
(the population is answers, as in the cited surveys); only the intervals
know that answers cluster in customers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis.checks import check_confidence, check_frame, check_resamples
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.bootstrap import (DEFAULT_RESAMPLES, PERCENTILE_METHOD, percentile_interval,
                                        poisson_weights_from_hash, unit_hash)
from csanalysis.stats.intervals import wilson_ci

__all__ = ["word_of_mouth", "word_of_mouth_part", "word_of_mouth_combine", "reach_model", "prepare_responses", "turnbull", "turnbull_intervals",
           "WordOfMouthResult", "ReachResult", "TOLD_BINS", "GROUPS", "OPEN_MULTIPLIER", "OPEN_UPPER_MULTIPLIER"]

#: Answer bands of the distribution table and the plot: (first count, last count, label).
TOLD_BINS: tuple[tuple[float, float, str], ...] = (
    (0, 0, "0"),
    (1, 5, "1-5"),
    (6, 10, "6-10"),
    (11, 20, "11-20"),
    (21, math.inf, "more than 20"),
)
GROUPS = ("dissatisfied", "satisfied")
SUMMARY_COLUMNS = ["id", "group", "estimate", "ci_low", "ci_high", "n", "method", "flags"]

#: A single number per answer for callers that need one (``prepare_responses``'s ``mid``): an open
#: answer at 1.5 x its floor. :func:`word_of_mouth` no longer scores answers this way.
OPEN_MULTIPLIER = 1.5
#: The open band's mean at the upper end of the sensitivity range: 3 x its floor (a Pareto tail of index 1.5).
OPEN_UPPER_MULTIPLIER = 3.0

_IDS = {
    "dissatisfied": {"any": "share_bad_any", "gt5": "share_bad_gt5", "warned": "told_others_not_to_buy_after_bad"},
    "satisfied": {"any": "share_good_any", "gt5": "share_good_gt5", "warned": "told_others_not_to_buy_after_good"},
}
_MAX_CELLS = 2_000_000  # entries per chunk of the (replicates x units) weight matrix
_TIE = 1e-9  # cumulative probability within this of 0.5: the median lies between two intervals


# --------------------------------------------------------------------------- input
def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype) or not (pd.api.types.is_numeric_dtype(s.dtype)):
        conv = pd.to_numeric(s, errors="coerce")
        bad = int((conv.isna() & s.notna()).sum())
        if bad:
            raise ValueError(f"column {col!r} must be numeric; {bad} value(s) could not be read as numbers. "
                             "Read the survey with csanalysis.io (which parses answers such as '6-10') "
                             "or convert the column first")
        s = conv
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _bool(df: pd.DataFrame, col: str) -> np.ndarray:
    """Float array: 1.0 / 0.0 / NaN."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isnan(x) | (x == 0) | (x == 1)
        if not ok.all():
            raise ValueError(f"column {col!r} must be boolean (True/False, or 1/0); "
                             f"found {int((~ok).sum())} other value(s)")
        return x
    try:
        b = s.astype("boolean")
    except (TypeError, ValueError):
        raise ValueError(f"column {col!r} must be boolean (True/False); got dtype {s.dtype} with values that are "
                         "not True/False. Read the survey with csanalysis.io, which maps yes/no answers in "
                         "several languages") from None
    return b.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def prepare_responses(responses: pd.DataFrame, csat: str, told_low: str, told_high: str, warned: str,
                      open_multiplier: float) -> dict[str, np.ndarray]:
    """The answers :func:`word_of_mouth` reads, checked: one array per item, aligned with ``responses``.

    Parameters
    ----------
    responses : DataFrame
    csat, told_low, told_high, warned : str
        Column names (``warned`` may be absent).
    open_multiplier : float
        For ``mid`` only: an open answer ("more than 20") counts as
        ``open_multiplier x low`` (:data:`OPEN_MULTIPLIER` is 1.5).

    Returns
    -------
    dict
        ``csat``, ``low``, ``high`` (``inf`` for open answers), ``mid``
        (one number per answer: closed intervals at their midpoints, open
        ones at ``open_multiplier x low``; :func:`word_of_mouth`'s estimates
        do not use it), ``warned`` (1 / 0 / NaN) and ``has_warned_col``.

    Examples
    --------
    >>> v = prepare_responses(pd.DataFrame({"csat": [1, 5], "told_count_low": [6, 21],
    ...     "told_count_high": [10, None]}), "csat", "told_count_low", "told_count_high", "warned_others", 1.5)
    >>> v["mid"].tolist(), v["high"].tolist()
    ([8.0, 31.5], [10.0, inf])
    """
    check_frame(responses, "responses")
    need = [csat, told_low, told_high]
    missing = [c for c in need if c not in responses.columns]
    if missing:
        raise ValueError(f"responses lacks the column(s) {missing}; expected the canonical responses table "
                         f"with {need} (and optionally {warned!r}), or pass the column names as arguments")
    c = _num(responses, csat)
    lo = _num(responses, told_low)
    hi = _num(responses, told_high)
    fin = ~np.isnan(c)
    if np.any((c[fin] < 1) | (c[fin] > 5)):
        raise ValueError(f"column {csat!r} must be satisfaction on 1-5; found values from {c[fin].min():g} "
                         f"to {c[fin].max():g}. Rescale it to 1-5 first")
    if np.any(lo[~np.isnan(lo)] < 0):
        raise ValueError(f"column {told_low!r} has negative counts; people told must be >= 0")
    both = ~np.isnan(lo) & ~np.isnan(hi)
    if np.any(hi[both] < lo[both]):
        raise ValueError(f"{int((hi[both] < lo[both]).sum())} answer(s) have {told_high!r} < {told_low!r}; "
                         "the high end of an interval must not be below its low end")
    if not (math.isfinite(open_multiplier) and open_multiplier >= 1):
        raise ValueError(f"open_multiplier must be a number >= 1, got {open_multiplier!r}")
    high_eff = np.where(np.isnan(hi), np.inf, hi)  # open answers: unbounded above
    mid = np.where(np.isinf(high_eff), lo * open_multiplier, (lo + high_eff) / 2.0)
    w = _bool(responses, warned) if warned in responses.columns else np.full(len(responses), np.nan)
    return {"csat": c, "low": lo, "high": high_eff, "mid": mid, "warned": w,
            "has_warned_col": np.array(warned in responses.columns)}


# --------------------------------------------------------------------------- the NPMLE
def _interval_arrays(low: Any, high: Any) -> tuple[np.ndarray, np.ndarray]:
    lo = np.asarray(low, dtype="float64").ravel()
    hi = np.asarray(high, dtype="float64").ravel()
    if lo.shape != hi.shape:
        raise ValueError(f"low and high must have the same length, got {lo.size} and {hi.size}")
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise ValueError("low and high must not be missing (an open interval has high = inf)")
    if np.any(hi < lo):
        raise ValueError(f"{int((hi < lo).sum())} interval(s) have high < low")
    return lo, hi


def turnbull_intervals(low: Any, high: Any) -> tuple[np.ndarray, np.ndarray]:
    """Turnbull's innermost intervals of closed intervals ``[low, high]`` (``high = inf``: open).

    An innermost interval ``[a, b]`` runs from some interval's left end ``a``
    to some interval's right end ``b`` with no other end in between; the
    nonparametric MLE puts all its mass on these intervals.

    Parameters
    ----------
    low, high : array-like
        Inclusive interval ends; ``high`` may be ``inf``.

    Returns
    -------
    a, b : ndarray
        The innermost intervals' ends, in increasing order.

    Examples
    --------
    >>> a, b = turnbull_intervals([0, 1, 1, 3, 21], [0, 5, 2, 5, np.inf])
    >>> [(float(x), float(y)) for x, y in zip(a, b)]
    [(0.0, 0.0), (1.0, 2.0), (3.0, 5.0), (21.0, inf)]
    """
    lo, hi = _interval_arrays(low, high)
    ends = np.concatenate([lo, hi])
    kind = np.concatenate([np.zeros(lo.size), np.ones(hi.size)])  # a left end sorts before an equal right end
    order = np.lexsort((kind, ends))
    e, k = ends[order], kind[order]
    pair = (k[:-1] == 0) & (k[1:] == 1)
    return e[:-1][pair], e[1:][pair]


def turnbull(low: Any, high: Any, weights: Any = None, *, tol: float = 1e-10,
             max_iter: int = 10_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turnbull's nonparametric MLE of a distribution from interval answers (self-consistency EM).

    Parameters
    ----------
    low, high : array-like
        Inclusive ends of each answer's interval (``high = inf`` for an open
        answer such as "more than 20"); one entry per answer or per distinct
        interval with its count in ``weights``.
    weights : array-like, optional
        Non-negative weight of each interval (default 1 each): shape ``(n,)``
        for one fit, or ``(R, n)`` to fit ``R`` weightings at once (bootstrap
        replicates), vectorised.
    tol : float, default 1e-10
        A fit stops when no probability changes by more than this in one
        iteration.
    max_iter : int, default 10000
        At most this many EM iterations.

    Returns
    -------
    a, b : ndarray
        The Turnbull intervals ``[a_j, b_j]`` (:func:`turnbull_intervals`).
    p : ndarray
        Their probabilities, shape ``(J,)``, or ``(R, J)`` for 2-D weights
        (NaN rows where the weights sum to 0).

    Notes
    -----
    With ``alpha_ij = 1`` when Turnbull interval ``j`` lies inside answer
    ``i``, every iteration sets ``p_j <- sum_i w_i alpha_ij p_j / (sum_k
    alpha_ik p_k) / sum_i w_i``, starting from equal masses (Turnbull 1976).
    With non-overlapping intervals every answer interval is a Turnbull
    interval and one step gives the shares of the answers; masses within an
    interval that no answer tells apart keep their equal split.

    Examples
    --------
    One set of bands: the shares of the answers.

    >>> a, b, p = turnbull([0, 1, 1, 6], [0, 5, 5, 10])
    >>> p.tolist()
    [0.25, 0.5, 0.25]

    Two band sets: the coarse ``1-5`` answer is shared out as the fine
    ``1-2`` / ``3-5`` answers say (the MLE of ``p1 * p2**2 * (p1 + p2)``).

    >>> a, b, p = turnbull([1, 3, 3, 1], [2, 5, 5, 5])
    >>> np.round(p, 4).tolist()
    [0.3333, 0.6667]
    >>> turnbull([1, 3, 3, 1], [2, 5, 5, 5], weights=[[1, 2, 0, 1], [0, 0, 1, 1]])[2].round(4).tolist()
    [[0.3333, 0.6667], [0.0, 1.0]]
    """
    lo, hi = _interval_arrays(low, high)
    w = np.ones(lo.size) if weights is None else np.asarray(weights, dtype="float64")
    one = w.ndim == 1
    w = np.atleast_2d(w)
    if w.ndim != 2 or w.shape[1] != lo.size:
        raise ValueError(f"weights must have shape (n,) or (R, n) with n = {lo.size}, got {w.shape}")
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError("weights must be finite and non-negative")
    a, b = turnbull_intervals(lo, hi)
    alpha = ((lo[:, None] <= a[None, :]) & (b[None, :] <= hi[:, None])).astype("float64")  # answers x intervals
    tot = w.sum(axis=1)
    p = np.full((w.shape[0], a.size), 1.0 / max(a.size, 1))
    p[tot <= 0] = np.nan
    active = np.flatnonzero(tot > 0) if a.size else np.array([], dtype=int)
    for _ in range(int(max_iter)):
        if not active.size:
            break
        pa, wa = p[active], w[active]
        denom = pa @ alpha.T
        ratio = np.divide(wa, denom, out=np.zeros_like(wa), where=wa > 0)
        new = pa * (ratio @ alpha) / tot[active, None]
        step = np.abs(new - pa).max(axis=1)
        p[active] = new
        active = active[step > tol]
    return a, b, (p[0] if one else p)


# --------------------------------------------------------------------------- functionals of a fit
def _band_label(lo: float, hi: float) -> str:
    if not math.isfinite(hi):
        return f"more than {lo - 1:g}" if lo >= 1 else "any number"
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def _offered_bands(a: np.ndarray, b: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per Turnbull interval, the narrowest offered band (an answer interval wider than one count) holding it."""
    is_band = high > low
    width = np.where(np.isinf(high), np.inf, high - low)
    order = np.lexsort((np.where(np.isinf(high), -low, low), width))  # narrowest; open: the highest floor
    lo_o, hi_o, band_o = low[order], high[order], is_band[order]
    holds = band_o[:, None] & (lo_o[:, None] <= a[None, :]) & (b[None, :] <= hi_o[:, None])
    first = holds.argmax(axis=0)
    found = holds.any(axis=0)
    return np.where(found, lo_o[first], a), np.where(found, hi_o[first], b)


@dataclass
class _Fit:
    """One group's NPMLE on the full sample (row 0) and every bootstrap replicate (rows 1...)."""

    a: np.ndarray
    b: np.ndarray
    p: np.ndarray  # (R + 1, J)
    low: np.ndarray  # distinct answer intervals
    high: np.ndarray
    w: np.ndarray  # (R + 1, D) their weights
    mu: np.ndarray  # (R + 1,) mean of the open Turnbull interval in the central estimate
    tail: str  # how ``mu`` was set
    upper_multiplier: float  # an open answer's mean at the upper end of the sensitivity range, x its floor

    @property
    def open(self) -> bool:
        return bool(self.a.size) and not math.isfinite(self.b[-1])

    def ratios(self) -> np.ndarray:
        """Per row and Turnbull interval, the ratio ``rho`` of the within-interval law ``P(X = x) ~ rho^x``.

        A closed interval ``[a, b]`` of ``n`` counts gets a constant hazard:
        ``rho^n = P(X > b | X >= a)`` as the NPMLE estimates it (``rho`` near
        1: spread evenly; near 0: piled at ``a``). The top interval with mass
        and nothing above it says nothing about its shape and is spread
        evenly; the open interval has the ratio of the geometric tail with
        mean ``mu``.
        """
        a, b, p = self.a, self.b, self.p
        c = np.isfinite(b)
        surv = np.cumsum(p[:, ::-1], axis=1)[:, ::-1]  # P(X >= a_j)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.clip(np.where(surv > 0, (surv - p) / surv, 1.0), 0.0, 1.0)
            rho = np.where(c & (q > 0), q ** (1.0 / np.where(c, b - a + 1, 1.0)), 1.0)
            if self.open:
                d = self.mu - a[-1]
                rho[:, -1] = d / (d + 1.0)
        return rho

    def above(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(X > t) per row: estimate (an interval straddling ``t`` shared out by its ratio), sure and possible mass."""
        a, b, p = self.a, self.b, self.p
        rho = self.ratios()
        n = b - a + 1
        k = np.clip(t + 1 - a, 0, None)  # counts of the interval at or below t
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            tail_n = np.where(np.isfinite(n), rho ** np.where(np.isfinite(n), n, 0), 0.0)
            frac = (rho ** k - tail_n) / (1.0 - tail_n)
            frac = np.where(rho >= 1 - 1e-9, np.where(np.isfinite(n), (b - t) / n, 1.0), frac)
        frac = np.where(a > t, 1.0, np.where(b <= t, 0.0, frac))
        point = (p * frac).sum(axis=1)
        return point, p[:, a > t].sum(axis=1), p[:, b > t].sum(axis=1)

    def means(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean people told per row: lower bound, central estimate, upper sensitivity.

        The central estimate is the NPMLE with every interval's mass spread
        by its ratio (:meth:`ratios`); the lower bound puts every answer at
        its low end, the upper sensitivity every answer at its high end and
        an open one at ``upper_multiplier`` x its floor (or is the central
        estimate where that is larger); neither bound needs the NPMLE's
        assumption.
        """
        a, b, p = self.a, self.b, self.p
        high = np.where(np.isinf(self.high), self.upper_multiplier * self.low, self.high)
        with np.errstate(divide="ignore", invalid="ignore"):
            lower = (self.w @ self.low) / self.w.sum(axis=1)
            upper = (self.w @ high) / self.w.sum(axis=1)
        c = np.isfinite(b)
        rho = self.ratios()[:, c]
        n = (b - a + 1)[c]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # E[X - a | a <= X <= b] for P(X = x) ~ rho^x: rho/(1-rho) - n rho^n / (1 - rho^n)
            shift = rho / (1.0 - rho) - n * rho ** n / (1.0 - rho ** n)
        shift = np.where(rho >= 1 - 1e-6, (n - 1) / 2.0, np.where(rho <= 0, 0.0, shift))
        central = (p[:, c] * (a[c] + shift)).sum(axis=1)
        if self.open:
            central = central + p[:, -1] * self.mu
        return lower, central, np.fmax(upper, central)

    def median_band(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the offered band holding the median (low, high) and the Turnbull interval (a, b)."""
        r = self.p.shape[0]
        if not self.a.size:
            nan = np.full(r, np.nan)
            return nan, nan, nan, nan
        band_lo, band_hi = _offered_bands(self.a, self.b, self.low, self.high)
        cum = np.cumsum(self.p, axis=1)
        j = np.argmax(cum >= 0.5 - _TIE, axis=1)
        rows = np.arange(r)
        tie = np.abs(cum[rows, j] - 0.5) <= _TIE
        j2 = np.where(tie, np.minimum(j + 1, self.a.size - 1), j)
        bad = ~np.isfinite(cum[:, -1])
        out = (np.minimum(band_lo[j], band_lo[j2]), np.maximum(band_hi[j], band_hi[j2]), self.a[j], self.b[j2])
        return tuple(np.where(bad, np.nan, x) for x in out)  # type: ignore[return-value]

    def band_shares(self, bins: tuple) -> np.ndarray:
        """P(band) per row and band of ``bins``, shape (R + 1, len(bins))."""
        cols = []
        for lo, hi, _ in bins:
            above_lo = self.above(lo - 1)[0]
            above_hi = self.above(hi)[0] if math.isfinite(hi) else 0.0
            cols.append(above_lo - above_hi)
        return np.column_stack(cols) if cols else np.empty((self.p.shape[0], 0))


def _fit_group(low: np.ndarray, high: np.ndarray, w: np.ndarray, open_multiplier: float | None,
               upper_multiplier: float) -> _Fit:
    a, b, p = turnbull(low, high, w)
    r = w.shape[0]
    mu = np.zeros(r)
    tail = "no open answer"
    if a.size and not math.isfinite(b[-1]):
        t2 = float(a[-1])
        cap = max(upper_multiplier * t2, t2)
        lab = _band_label(t2, math.inf)
        if open_multiplier is not None:
            mu = np.full(r, open_multiplier * t2)
            tail = f"the open band '{lab}' at {open_multiplier:g} x its floor (a stated assumption)"
        else:
            below = np.isfinite(high) & (high < t2)
            if not below.any():
                mu = np.full(r, OPEN_MULTIPLIER * t2)
                tail = (f"the open band '{lab}' at {OPEN_MULTIPLIER:g} x its floor (no closed band below it to fit "
                        "a tail to)")
            else:
                t1 = float(low[below & (high == high[below].max())].min())
                s1 = p[:, a >= t1].sum(axis=1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    rho = np.where(s1 > 0, (p[:, -1] / s1) ** (1.0 / (t2 - t1)), 0.0)
                    mu = np.where(rho < 1, t2 + rho / (1.0 - rho), np.inf)
                mu = np.clip(mu, t2, cap)
                tail = (f"the open band '{lab}' at the mean of a geometric tail fitted to the NPMLE from {t1:g} "
                        f"people on (P(X >= {t2:g}) / P(X >= {t1:g}) as estimated), at most {upper_multiplier:g} x "
                        "its floor")
    return _Fit(a=a, b=b, p=p, low=low, high=high, w=w, mu=mu, tail=tail, upper_multiplier=upper_multiplier)


# --------------------------------------------------------------------------- customer-level replicate weights
def _int_seed(seed: Any) -> int:
    if seed is None:
        return int(np.random.default_rng().integers(2**31))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")


def _units(responses: pd.DataFrame, customer: str, positions: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """The sampling unit of every row: its customer, or the row itself when it has none.

    Returns the unit labels (strings: the customer ids as they are, so the
    weights are those :func:`~csanalysis.stats.bootstrap.poisson_weights` gives the customer anywhere; a row
    without a customer is named by its position in the whole table, ``positions``, default the row number)
    and how many rows have no customer.
    """
    n = len(responses)
    at = np.arange(n) if positions is None else np.asarray(positions, dtype=np.int64)

    def own(pos: np.ndarray) -> np.ndarray:  # one vectorised concatenation, only for the rows that need it
        return np.asarray("\x00answer " + pos.astype(str), dtype=object)

    if customer not in responses.columns:
        return own(at), n
    c = responses[customer]
    missing = c.isna().to_numpy()
    ids = c.astype("object").astype("str").to_numpy(dtype=object, copy=True)
    ids[missing] = own(at[missing])
    return ids, int(missing.sum())


def _key_weights(unit: np.ndarray, key: np.ndarray, n_keys: int, n_resamples: int, seed: int) -> np.ndarray:
    """Weight of every key (row class) in the sample (row 0) and in each Poisson replicate (rows 1...).

    Every row of one unit gets the unit's Poisson(1) weight, so a key's weight
    in a replicate is the sum over units of weight x the unit's rows in it.
    """
    out = np.empty((n_resamples + 1, n_keys))
    out[0] = np.bincount(key, minlength=n_keys)
    if not key.size:
        out[1:] = 0.0
        return out
    u_code, u_ids = pd.factorize(pd.Series(unit, dtype="object"))
    n_u = max(len(u_ids), 1)
    pair, pc = np.unique(key.astype(np.int64) * n_u + u_code, return_counts=True)  # sorted by key
    pk, pu = pair // n_u, pair % n_u
    pc = pc.astype("float64")
    starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
    keys_present = pk[starts]
    chunk = max(1, _MAX_CELLS // max(pu.size, len(u_ids)))
    out[1:] = 0.0
    hashes = unit_hash(np.asarray(u_ids, dtype=object), seed)  # once, not per chunk of resamples
    for s in range(0, n_resamples, chunk):
        reps = np.arange(s, min(n_resamples, s + chunk))
        wu = poisson_weights_from_hash(hashes, reps)
        out[1 + reps[0]:1 + reps[-1] + 1, keys_present] = np.add.reduceat(wu[:, pu] * pc, starts, axis=1)
    return out


# --------------------------------------------------------------------------- rows
def _n_eff(x: np.ndarray, n: float, n_units: int) -> tuple[float, str]:
    """Effective sample size of a share from the customer-level bootstrap (Korn & Graubard 1998).

    ``n / deff`` with the design effect ``deff`` = the replicates' variance
    over the binomial variance ``p (1 - p) / n``, at least 1; when the share
    is 0 or 1 (no variance to compare) the number of units (customers).
    """
    est = float(x[0])
    if not math.isfinite(est) or n <= 0 or n_units == 0:
        return math.nan, ""
    reps = x[1:][np.isfinite(x[1:])]
    binom = est * (1.0 - est) / n
    if binom > 0 and reps.size > 1:
        deff = max(float(np.var(reps, ddof=1)) / binom, 1.0)
        return n / deff, f"design effect {deff:.2f} from the bootstrap"
    return float(n_units), f"effective n = the {n_units} unit(s), the share being {est:g}"


def _share_cis(shares: list[tuple[np.ndarray, float, int]], confidence: float) -> list[tuple[float, float, str]]:
    """Wilson intervals of shares with their effective sample sizes (one vectorised Wilson call)."""
    eff = [_n_eff(x, n, u) for x, n, u in shares]
    est = np.array([float(x[0]) for x, _, _ in shares])
    n_eff = np.array([e for e, _ in eff])
    ok = np.isfinite(est) & np.isfinite(n_eff)
    lo, hi = np.full(est.size, np.nan), np.full(est.size, np.nan)
    if ok.any():
        lo[ok], hi[ok] = wilson_ci(est[ok] * n_eff[ok], n_eff[ok], confidence)
    return [(float(min(lo[i], est[i])), float(max(hi[i], est[i])),
             f"Wilson interval with the effective sample size n / deff (Korn & Graubard 1998; {eff[i][1]})")
            if ok[i] else (math.nan, math.nan, "") for i in range(est.size)]


def _pct(x: np.ndarray, confidence: float) -> tuple[float, float]:
    lo, hi = percentile_interval(x[1:], confidence)
    est = float(x[0])
    if math.isfinite(est) and math.isfinite(lo):
        lo, hi = min(lo, est), max(hi, est)
    return lo, hi


def _row(id_: str, group: str, est: float, lo: float, hi: float, n: int, method: str,
         flags: list[str] | None = None) -> dict:
    return {"id": id_, "group": group, "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
            "n": int(n), "method": method, "flags": list(flags or [])}


def _told_rows(g: str, fit: _Fit, n: int, n_units: dict[str, int], confidence: float, boot: str) -> list[dict]:
    """The people-told figures of one group (NaN rows when nobody answered)."""
    ids = _IDS[g]
    order = ["wom_told_mean", "wom_told_mean_lower_bound", "wom_told_mean_upper_sensitivity", "wom_told_median_band",
             "wom_told_over_20", "wom_told_over_20_lower_bound", "wom_told_over_20_upper_bound", ids["any"],
             ids["gt5"], ids["gt5"] + "_lower_bound", ids["gt5"] + "_upper_bound"]
    if n == 0:
        return [_row(i, g, math.nan, math.nan, math.nan, 0, "no answers to the people-told item") for i in order]
    pc = f"{100 * confidence:g}%"
    rows: list[dict] = []
    lower, central, upper = fit.means()
    lb_lo, lb_hi = _pct(lower, confidence)
    up_lo, up_hi = _pct(upper, confidence)
    c_lo, c_hi = _pct(central, confidence)
    closed = "a constant hazard within each interval (counts thin out geometrically inside a band)"
    tail = f"; {fit.tail} (averaging {float(fit.mu[0]):.1f})" if fit.open else ""
    up_text = ("every answer at its high end" + (f" and an open answer at {fit.upper_multiplier:g} x its floor (the "
               "mean of a Pareto tail of index 1.5 for 3)" if np.isinf(fit.high).any() else "")
               + ", or the central estimate where that is larger")
    rows.append(_row("wom_told_mean", g, central[0], min(lb_lo, central[0]), max(up_hi, central[0]), n,
                     f"Turnbull NPMLE of people told, {closed}{tail}; interval = the identified range: from the "
                     f"{pc} CI low of the lower bound (answers at their low ends) to the {pc} CI high of the upper "
                     f"sensitivity ({up_text}), so a cited value gets a verdict only "
                     f"when the whole range excludes it; the central estimate's own {pc} CI is {c_lo:.1f} to "
                     f"{c_hi:.1f}; {boot}",
                     # the open band's mass is averaged under an assumption the answers cannot check
                     ["assumed_tail"] if fit.open and fit.p[0, -1] > 0 else None))
    rows.append(_row("wom_told_mean_lower_bound", g, lower[0], lb_lo, lb_hi, n,
                     "mean of the answers' low ends (an open answer at its floor): no assumption, the mean cannot be "
                     f"lower; percentile CI, {boot}"))
    rows.append(_row("wom_told_mean_upper_sensitivity", g, upper[0], up_lo, up_hi, n,
                     f"mean with {up_text}: the upper end of the sensitivity range under that stated assumption about "
                     f"open answers, not a bound; percentile CI, {boot}"))
    # median band
    m_lo, m_hi, t_a, t_b = fit.median_band()
    if math.isfinite(m_lo[0]):
        alpha = (1.0 - confidence) / 2.0
        rl, rh = m_lo[1:][np.isfinite(m_lo[1:])], m_hi[1:][np.isfinite(m_hi[1:])]
        q_lo = float(np.quantile(rl, alpha, method="lower")) if rl.size else m_lo[0]
        q_hi = float(np.quantile(rh, 1 - alpha, method="higher")) if rh.size else m_hi[0]
        q_lo, q_hi = min(q_lo, m_lo[0]), max(q_hi, m_hi[0])
        band = _band_label(m_lo[0], m_hi[0])
        lowest = _band_label(q_lo, float(m_hi[1:][m_lo[1:] == q_lo].min()) if (m_lo[1:] == q_lo).any() else m_hi[0])
        highest = _band_label(float(m_lo[1:][m_hi[1:] == q_hi].max()) if (m_hi[1:] == q_hi).any() else m_lo[0], q_hi)
        open_note = "; the highest band is open, so the interval has no finite upper end" if math.isinf(q_hi) else ""
        rows.append(_row("wom_told_median_band", g, m_lo[0], q_lo, q_hi if math.isfinite(q_hi) else math.nan, n,
                         f"the median lies in band '{band}' (the Turnbull NPMLE's cumulative probability reaches 0.5 "
                         f"in its Turnbull interval [{t_a[0]:g}, {t_b[0]:g}], reported as the narrowest band offered "
                         "that holds it); estimate = the band's low end (the median is at least this); interval = from "
                         "the low end of the lowest to the high end of the highest band the bootstrap puts the median "
                         f"in ({pc} of replicates: '{lowest}' to '{highest}'){open_note}; {boot}"))
    else:
        rows.append(_row("wom_told_median_band", g, math.nan, math.nan, math.nan, n, "no answers"))
    # shares above thresholds
    any_pt, any_sure, any_pos = fit.above(0)
    for id_, t, denom, what in (("wom_told_over_20", 20, None, "answers (zeros included)"),
                                (ids["gt5"], 5, (any_pt, any_sure, any_pos), "those who told anyone")):
        pt, sure, pos = fit.above(t)
        units, n_t = n_units["answers"], n
        if denom is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                pt, sure, pos = pt / denom[0], sure / denom[2], np.minimum(pos / denom[1], 1.0)
            units, n_t = n_units["tellers"], n_units["n_tellers"]
        straddle = bool(np.nanmax(np.abs(pos[:1] - sure[:1]), initial=0.0) > 1e-12)
        (lo, hi, how), (s_lo, s_hi, s_how), (p_lo, p_hi, p_how) = _share_cis(
            [(pt, n_t, units), (sure, n_t, units), (pos, n_t, units)], confidence)
        if straddle:
            lo, hi = min(lo, s_lo), max(hi, p_hi)
        head = (f"Turnbull NPMLE probability of telling more than {t:g} people, among {what}; {how}, {boot}; "
                + (f"some intervals straddle {t:g}: shared out by the within-interval law of the central mean in the "
                   "estimate, and the interval runs from the lower bound's CI low to the upper bound's CI high"
                   if straddle
                   else f"no answer straddles {t:g}"))
        rows.append(_row(id_, g, pt[0], lo, hi, n_t, head))
        rows.append(_row(id_ + "_lower_bound", g, sure[0], s_lo, s_hi, n_t,
                         f"NPMLE mass surely above {t:g} (intervals straddling {t:g} left out); {s_how}, {boot}"))
        rows.append(_row(id_ + "_upper_bound", g, pos[0], p_lo, p_hi, n_t,
                         f"NPMLE mass possibly above {t:g} (intervals straddling {t:g} counted); {p_how}, {boot}"))
        if denom is None:
            (a_lo, a_hi, a_how), = _share_cis([(any_pt, n, n_units["answers"])], confidence)
            rows.append(_row(ids["any"], g, any_pt[0], a_lo, a_hi, n,
                             f"Turnbull NPMLE probability of telling at least 1 person, among answers; {a_how}, {boot}"
                             + ("" if abs(any_pos[0] - any_sure[0]) <= 1e-12 else
                                "; some intervals straddle 0 and 1: shared out by the within-interval law")))
    return sorted(rows, key=lambda r: order.index(r["id"]))


def _warned_row(g: str, warned: tuple[np.ndarray, np.ndarray] | None, n_units: int, confidence: float, boot: str,
                warned_col: str) -> dict:
    id_ = _IDS[g]["warned"]
    if warned is None:
        return {"id": id_, "group": g, "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0,
                "method": f"not supported: no {warned_col!r} column"}
    k, m = warned
    with np.errstate(divide="ignore", invalid="ignore"):
        share = k / m
    (lo, hi, how), = _share_cis([(share, float(m[0]), n_units)], confidence)
    return _row(id_, g, share[0] if m[0] > 0 else math.nan, lo, hi, int(m[0]),
                f"share of the group's answers to the warned-others item; {how}, {boot}")


# --------------------------------------------------------------------------- results
@dataclass
class WordOfMouthResult(Result):
    """Result of :func:`word_of_mouth`.

    Attributes
    ----------
    table : DataFrame
        The tidy summary (see :meth:`summary`).
    settings : dict
        The arguments used (thresholds, replicates, seed, tail assumptions,
        sampling unit).
    """

    table: pd.DataFrame
    settings: dict[str, Any]
    _values: dict[str, dict[str, np.ndarray]] = field(repr=False, default_factory=dict)
    _fits: dict[str, _Fit] = field(repr=False, default_factory=dict)
    title: str = "Word of mouth after dissatisfying and satisfying experiences"

    def summary(self) -> pd.DataFrame:
        """One row per figure and group: id, group, estimate, ci_low, ci_high, n, method.

        The headline rows of the dissatisfied group are ``wom_told_mean``
        (whose interval is the identified range),
        ``wom_told_median_band``, ``wom_told_over_20``, ``share_bad_any``,
        ``share_bad_gt5`` and ``told_others_not_to_buy_after_bad``; the
        ``wom_told_mean_lower_bound`` / ``_upper_sensitivity`` rows and the
        ``*_lower_bound`` / ``*_upper_bound`` shares belong beside them.
        """
        return self.table.copy()

    def get(self, id: str, group: Literal["dissatisfied", "satisfied"] = "dissatisfied") -> dict[str, Any]:
        """One summary row as a dict.

        Examples
        --------
        >>> r = word_of_mouth(pd.DataFrame({"csat": [1, 2, 5], "told_count_low": [6, 0, 1],
        ...     "told_count_high": [10, 0, 5], "warned_others": [True, False, False]}), n_resamples=50)
        >>> r.get("wom_told_mean")["estimate"], r.get("wom_told_mean_lower_bound")["estimate"]
        (4.0, 3.0)
        """
        t = self.table
        hit = t[(t["id"] == id) & (t["group"] == group)]
        if hit.empty:
            raise KeyError(f"no figure {id!r} for group {group!r}; available ids: {sorted(t['id'].unique())}")
        return jsonable(hit.iloc[0].to_dict())

    def distribution(self, bins: tuple = TOLD_BINS) -> pd.DataFrame:
        """The estimated distribution of people told over ``bins``, per group.

        ``share`` is the Turnbull NPMLE probability of the band (an answer
        reaching into two bands is shared out by the NPMLE; a Turnbull
        interval that straddles a band edge by the within-interval law of the
        central mean, the open one by the fitted tail), with its bootstrap
        percentile interval; ``answers`` counts the answers that lie wholly
        inside the band.

        Returns
        -------
        DataFrame
            ``group``, ``band`` (ordered categorical), ``answers``, ``share``,
            ``ci_low``, ``ci_high``.

        Examples
        --------
        >>> r = word_of_mouth(pd.DataFrame({"csat": [1, 1, 1, 2], "told_count_low": [0, 1, 1, 3],
        ...     "told_count_high": [0, 1, 5, 3]}), n_resamples=20)
        >>> d = r.distribution()
        >>> dis = d[d["group"] == "dissatisfied"]
        >>> dis[["band", "answers", "share"]].to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
        {'band': ['0', '1-5', '6-10', '11-20', 'more than 20'], 'answers': [1, 3, 0, 0, 0],
         'share': [0.25, 0.75, 0.0, 0.0, 0.0]}
        """
        labels = [b[2] for b in bins]
        conf = float(self.settings["confidence"])
        frames = []
        for g in GROUPS:
            fit, v = self._fits[g], self._values[g]
            shares = fit.band_shares(bins) if fit.a.size else np.full((1, len(bins)), np.nan)
            ci = np.array([percentile_interval(shares[1:, i], conf) if shares.shape[0] > 1 else (np.nan, np.nan)
                           for i in range(len(bins))]).reshape(len(bins), 2)
            inside = [int(np.sum((v["low"] >= lo) & (v["high"] <= hi))) for lo, hi, _ in bins]
            frames.append(pd.DataFrame({
                "group": g, "band": pd.Categorical(labels, categories=labels, ordered=True),
                "answers": np.array(inside, dtype="int64"), "share": shares[0],
                "ci_low": np.minimum(ci[:, 0], shares[0]), "ci_high": np.maximum(ci[:, 1], shares[0])}))
        return pd.concat(frames, ignore_index=True)

    def answers(self, group: Literal["dissatisfied", "satisfied"] = "dissatisfied") -> pd.DataFrame:
        """The group's answers to the "how many people" item: ``low``, ``high`` (``inf`` when open), ``unit``.

        ``unit`` is the sampling unit of the bootstrap: the customer, or the
        answer itself when it has none.

        Examples
        --------
        >>> r = word_of_mouth(pd.DataFrame({"csat": [1, 2, 5], "told_count_low": [6, 0, 1],
        ...     "told_count_high": [10, 0, 5], "customer": ["a", "a", "b"]}), n_resamples=50)
        >>> r.answers()[["low", "high", "unit"]].to_dict("list")
        {'low': [6.0, 0.0], 'high': [10.0, 0.0], 'unit': ['a', 'a']}
        """
        if group not in GROUPS:
            raise ValueError(f"group must be one of {list(GROUPS)}, got {group!r}")
        return pd.DataFrame({k: self._values[group][k] for k in ("low", "high", "unit")})

    def to_dict(self) -> dict[str, Any]:
        """Summary, distribution and settings, JSON-ready."""
        return {"summary": frame_records(self.table), "distribution": frame_records(self.distribution()),
                "settings": jsonable(self.settings)}

    def footnote(self) -> str:
        """How the groups and the sampling unit are defined."""
        return (f"Dissatisfied: csat <= {self.settings['dissatisfied_max_csat']}; "
                f"satisfied: csat >= {self.settings['satisfied_min_csat']}. Intervals resample "
                + ("customers." if self.settings["unit"] == "customer" else "answers (no customer column)."))

    def plot(self, ax: Any = None, cited_band: tuple[float, float] | None = None, **kwargs: Any) -> Any:
        """Distribution of people told per group (see :func:`csanalysis.plotting.plot_word_of_mouth`)."""
        from csanalysis.plotting.word_of_mouth import plot_word_of_mouth
        return plot_word_of_mouth(self, ax=ax, cited_band=cited_band, **kwargs)


def word_of_mouth(
    responses: pd.DataFrame,
    *,
    dissatisfied_max_csat: float = 2,
    satisfied_min_csat: float = 4,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = 0,
    confidence: float = 0.95,
    open_multiplier: float | None = None,
    open_upper_multiplier: float = OPEN_UPPER_MULTIPLIER,
    csat: str = "csat",
    told_low: str = "told_count_low",
    told_high: str = "told_count_high",
    warned: str = "warned_others",
    customer: str = "customer",
) -> WordOfMouthResult:
    """Distribution of people told after dissatisfying (and satisfying) experiences, from interval answers.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses table: ``csat`` (1-5), ``told_count_low``,
        ``told_count_high`` (missing high = open answer such as "more than
        20"), ``warned_others`` (boolean, optional) and, after linking,
        ``customer`` (the sampling unit of the intervals).
    dissatisfied_max_csat : float, default 2
        Respondents with ``csat`` at or below this are dissatisfied.
    satisfied_min_csat : float, default 4
        Respondents with ``csat`` at or above this are satisfied (contrast).
    n_resamples : int, default 1000
        Poisson bootstrap replicates (customer level).
    seed : int, Generator or None, default 0
        Seed of the replicate weights (fixed by default so results are
        reproducible; ``None`` draws one).
    confidence : float, default 0.95
        Confidence level of every interval.
    open_multiplier : float or None, default None
        ``None``: the open band's mean in the central estimate comes from a
        geometric tail fitted to the NPMLE (see the module notes). A number
        (>= 1): the open band averages this times its floor instead.
    open_upper_multiplier : float, default 3
        The open band's mean at the upper end of the sensitivity range, as a
        multiple of its floor.
    csat, told_low, told_high, warned, customer : str
        Column names.

    Returns
    -------
    WordOfMouthResult
        ``.summary()`` has, per group, ``wom_told_mean`` (interval = the
        identified range), ``wom_told_mean_lower_bound``,
        ``wom_told_mean_upper_sensitivity``, ``wom_told_median_band``,
        ``wom_told_over_20`` (+ lower / upper bound), ``share_bad_any``,
        ``share_bad_gt5`` (+ bounds) and ``told_others_not_to_buy_after_bad``
        (``good`` in place of ``bad`` for the satisfied group).

    See Also
    --------
    turnbull : the NPMLE.
    reach_model : people reached by negative word of mouth per month.

    Examples
    --------
    >>> resp = pd.DataFrame({
    ...     "csat": [1, 1, 2, 2, 2, 5, 4],
    ...     "told_count_low": [0, 1, 6, 21, 11, 1, 0],
    ...     "told_count_high": [0, 5, 10, None, 20, 5, 0],
    ...     "warned_others": [False, True, True, True, None, False, False],
    ...     "customer": ["a", "b", "b", "c", "d", "e", "f"]})
    >>> r = word_of_mouth(resp, n_resamples=200)
    >>> r.get("wom_told_mean_lower_bound")["estimate"], r.get("wom_told_over_20")["estimate"]
    (7.8, 0.2)
    >>> round(r.get("wom_told_mean")["estimate"], 2), r.get("wom_told_median_band")["estimate"]
    (12.12, 6.0)
    >>> r.get("told_others_not_to_buy_after_bad")["estimate"]
    0.75
    """
    R, conf, up = _check_options(dissatisfied_max_csat, satisfied_min_csat, n_resamples, confidence,
                                 open_multiplier, open_upper_multiplier)
    seed_int = _int_seed(seed)
    part = word_of_mouth_part(responses, dissatisfied_max_csat=dissatisfied_max_csat,
                              satisfied_min_csat=satisfied_min_csat, n_resamples=R, seed=seed_int, csat=csat,
                              told_low=told_low, told_high=told_high, warned=warned, customer=customer)
    return word_of_mouth_combine([part], dissatisfied_max_csat=dissatisfied_max_csat,
                                 satisfied_min_csat=satisfied_min_csat, n_resamples=R, seed=seed_int,
                                 confidence=conf, open_multiplier=open_multiplier, open_upper_multiplier=up,
                                 warned=warned, customer=customer)


def _check_options(dissatisfied_max_csat: float, satisfied_min_csat: float, n_resamples: Any, confidence: Any,
                   open_multiplier: Any, open_upper_multiplier: Any) -> tuple[int, float, float]:
    if not dissatisfied_max_csat < satisfied_min_csat:
        raise ValueError(f"dissatisfied_max_csat ({dissatisfied_max_csat}) must be below satisfied_min_csat "
                         f"({satisfied_min_csat}); the groups must not overlap")
    R = check_resamples(n_resamples)
    conf = check_confidence(confidence)
    if open_multiplier is not None and not (math.isfinite(float(open_multiplier)) and open_multiplier >= 1):
        raise ValueError(f"open_multiplier must be None (fitted tail) or a number >= 1, got {open_multiplier!r}")
    up = float(open_upper_multiplier)
    if not (math.isfinite(up) and up >= 1):
        raise ValueError(f"open_upper_multiplier must be a number >= 1, got {open_upper_multiplier!r}")
    return R, conf, up


def word_of_mouth_part(responses: pd.DataFrame, *, dissatisfied_max_csat: float = 2, satisfied_min_csat: float = 4,
                       n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, csat: str = "csat",
                       told_low: str = "told_count_low", told_high: str = "told_count_high",
                       warned: str = "warned_others", customer: str = "customer",
                       positions: np.ndarray | None = None) -> dict[str, Any]:
    """One part's contribution to :func:`word_of_mouth`: its answers' classes and their bootstrap weights.

    ``responses`` is a responses table or a part of it holding every answer
    of its customers (split by the answer's own ``customer``, the sampling
    unit); ``positions`` says where each row is in the whole table (an
    answer without a customer is its own unit, named by that position).
    :func:`word_of_mouth_combine` of every part equals :func:`word_of_mouth`
    of the whole: a class's weight in each replicate is a sum over units
    (whole numbers, so exactly the same sum in any order), and the distinct
    units of a part are its own. ``seed`` is a whole number (the resolved
    seed). The options are :func:`word_of_mouth`'s.

    Returns
    -------
    dict
        ``classes`` (distinct rows of group, low, high, warned codes),
        ``weights`` (their weight in the sample, row 0, and in each
        replicate), unit counts, and each group's answers with their
        positions.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):  # (a ValueError: the stage's note)
        raise ValueError(f"word_of_mouth_part needs the seed as a whole number (every part must draw the "  # noqa: TRY004
                         f"same weights), got {seed!r}")
    v = prepare_responses(responses, csat, told_low, told_high, warned, OPEN_MULTIPLIER)
    units, n_own = _units(responses, customer, positions)
    pos = np.arange(len(responses), dtype=np.int64) if positions is None else np.asarray(positions, dtype=np.int64)
    code = np.where(v["csat"] <= dissatisfied_max_csat, 0, np.where(v["csat"] >= satisfied_min_csat, 1, -1))
    answered = ~np.isnan(v["low"])
    keep = np.flatnonzero(code >= 0)
    tbl = np.column_stack([code, np.where(answered, v["low"], -1.0), np.where(answered, v["high"], -1.0),
                           np.where(np.isnan(v["warned"]), 2.0, v["warned"])])[keep]
    if keep.size:
        uniq, key = np.unique(tbl, axis=0, return_inverse=True)
        key = np.asarray(key).ravel()
    else:
        uniq, key = np.empty((0, 4)), np.empty(0, dtype=int)
    out: dict[str, Any] = {"classes": uniq, "weights": _key_weights(units[keep], key, len(uniq), n_resamples, seed),
                           "rows": len(responses), "n_own": n_own, "has_customer": customer in responses.columns,
                           "has_warned": bool(v["has_warned_col"]), "units": len(set(units[keep].tolist()))}
    for gi, g in enumerate(GROUPS):
        m = (code == gi) & answered
        tell = m & (v["low"] >= 1)
        wm = (code == gi) & ~np.isnan(v["warned"])
        out[g] = {"low": v["low"][m], "high": v["high"][m], "unit": units[m], "position": pos[m],
                  "answers": len(set(units[m].tolist())), "tellers": len(set(units[tell].tolist())),
                  "n_tellers": int(tell.sum()), "warned": len(set(units[wm].tolist())), "n_warned": int(wm.sum())}
    return out


def word_of_mouth_combine(parts: list[dict[str, Any]], *, dissatisfied_max_csat: float = 2,
                          satisfied_min_csat: float = 4, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                          confidence: float = 0.95, open_multiplier: float | None = None,
                          open_upper_multiplier: float = OPEN_UPPER_MULTIPLIER, warned: str = "warned_others",
                          customer: str = "customer") -> WordOfMouthResult:
    """:func:`word_of_mouth` of a whole responses table from its parts' :func:`word_of_mouth_part` (the same
    options, ``seed`` the resolved whole number): the NPMLE fitted to the classes' weights added up."""
    R, conf, up = _check_options(dissatisfied_max_csat, satisfied_min_csat, n_resamples, confidence,
                                 open_multiplier, open_upper_multiplier)
    seed_int = _int_seed(seed)
    # the classes of every part, in np.unique's sorted order, and their weights added up (whole numbers)
    uniq = np.unique(np.concatenate([p["classes"] for p in parts]), axis=0) if parts else np.empty((0, 4))
    wk = np.zeros((R + 1, len(uniq)))
    for p in parts:  # a loop over parts
        if len(p["classes"]):
            at = np.asarray(np.unique(np.concatenate([uniq, p["classes"]]), axis=0, return_inverse=True)[1]
                            ).ravel()[len(uniq):]
            wk[:, at] += p["weights"]
    has_w = any(p["has_warned"] for p in parts)
    n_own, n_rows = sum(p["n_own"] for p in parts), sum(p["rows"] for p in parts)
    has_customer = bool(parts) and parts[0]["has_customer"]
    n_units_all = sum(p["units"] for p in parts)
    if has_customer and n_own < n_rows:
        boot = (f"customer-level Poisson bootstrap (every answer of a customer gets the customer's Poisson(1) weight "
                f"from a hash of {customer!r}: {{units}} customer(s) for {{n}} answer(s)"
                + (f"; {n_own} answer(s) without a customer are their own units" if n_own else "")
                + f"), {R} replicates, seed {seed_int}, the NPMLE refitted in each")
        unit = "customer"
    else:
        why = "column" if not has_customer else "for any answer"
        boot = (f"Poisson bootstrap with one unit per answer (no {customer!r} {why}: link the tables to resample "
                f"customers), {R} replicates, seed {seed_int}, the NPMLE refitted in each")
        unit = "answer"
    rows: list[dict] = []
    values: dict[str, dict[str, np.ndarray]] = {}
    fits: dict[str, _Fit] = {}
    for gi, g in enumerate(GROUPS):
        in_g = uniq[:, 0] == gi
        ans_k = np.flatnonzero(in_g & (uniq[:, 1] >= 0))
        if ans_k.size:
            ivals, d_code = np.unique(uniq[ans_k][:, 1:3], axis=0, return_inverse=True)
            d_code = np.asarray(d_code).ravel()
        else:
            ivals, d_code = np.empty((0, 2)), np.empty(0, dtype=int)
        agg = np.zeros((len(uniq), len(ivals)))
        agg[ans_k, d_code] = 1.0
        fit = _fit_group(ivals[:, 0], ivals[:, 1], wk @ agg, None if open_multiplier is None
                         else float(open_multiplier), up)
        fits[g] = fit
        got = [p[g] for p in parts]
        order = np.argsort(np.concatenate([x["position"] for x in got]), kind="stable") if got else np.empty(0, int)
        values[g] = {k: np.concatenate([x[k] for x in got])[order] if got else np.empty(0)
                     for k in ("low", "high", "unit")}
        n = len(order)
        n_units = {k: sum(x[k] for x in got) for k in ("answers", "tellers", "n_tellers", "warned")}
        n_warned = sum(x["n_warned"] for x in got)
        warned_km = None
        if has_w:
            warned_km = (wk @ (in_g & (uniq[:, 3] == 1)).astype(float), wk @ (in_g & (uniq[:, 3] != 2)).astype(float))
        rows += _told_rows(g, fit, n, n_units, conf, boot.format(units=n_units["answers"], n=n))
        rows.append(_warned_row(g, warned_km, n_units["warned"], conf,
                                boot.format(units=n_units["warned"], n=n_warned), warned))
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table["n"] = table["n"].astype("int64")
    table["flags"] = [f if isinstance(f, list) else [] for f in table["flags"]]
    settings = {"dissatisfied_max_csat": dissatisfied_max_csat, "satisfied_min_csat": satisfied_min_csat,
                "n_resamples": R, "seed": seed_int, "confidence": conf,
                "open_multiplier": None if open_multiplier is None else float(open_multiplier),
                "open_upper_multiplier": up, "customer": customer, "unit": unit, "units": n_units_all}
    return WordOfMouthResult(table=table, settings=settings, _values=values, _fits=fits)


# --------------------------------------------------------------------------- reach
@dataclass
class ReachResult(Result):
    """Result of :func:`reach_model`: people reached by negative word of mouth."""

    table: pd.DataFrame
    settings: dict[str, Any]
    title: str = "People reached by negative word of mouth per month"

    def summary(self) -> pd.DataFrame:
        """One row per component: component, estimate, ci_low, ci_high, method."""
        return self.table.copy()

    @property
    def people_reached_per_month(self) -> float:
        t = self.table.set_index("component")
        return float(t.loc["people_reached_per_month", "estimate"])

    def to_dict(self) -> dict[str, Any]:
        return {"summary": frame_records(self.table), "settings": jsonable(self.settings)}


def reach_model(
    result: WordOfMouthResult,
    bad_experiences_per_month: float,
    *,
    estimator: Literal["central", "lower_bound", "upper_sensitivity"] = "central",
    rate_uncertainty: Literal["none", "poisson"] = "none",
    seed: Any = None,
    confidence: float | None = None,
) -> ReachResult:
    """People reached by negative word of mouth per month.

    ``reach = bad experiences per month x share of dissatisfied customers who
    tell anyone x mean people told among those who tell``. The product of the
    last two factors is the mean people told per dissatisfied answer (zeros
    included), so ``reach = bad experiences x mean told``.

    Parameters
    ----------
    result : WordOfMouthResult
        From :func:`word_of_mouth` (its dissatisfied group is used).
    bad_experiences_per_month : float
        Bad experiences per month (for example bad-rated tickets per month).
    estimator : {"central", "lower_bound", "upper_sensitivity"}
        Which mean of people told: ``wom_told_mean``,
        ``wom_told_mean_lower_bound`` or ``wom_told_mean_upper_sensitivity``.
    rate_uncertainty : {"none", "poisson"}
        ``"none"`` treats the monthly count as known. ``"poisson"`` treats it
        as one month's observation of a Poisson rate and propagates that
        uncertainty too.
    seed : int or None
        Seed of the Poisson draws of the monthly count (default: the
        result's seed).
    confidence : float, optional
        Defaults to the result's.

    Returns
    -------
    ReachResult
        Rows ``bad_experiences_per_month``, ``share_telling_anyone``,
        ``mean_told_among_tellers``, ``people_told_per_bad_experience``,
        ``people_reached_per_month``.

    Notes
    -----
    Uncertainty: the customer-level bootstrap replicates of
    :func:`word_of_mouth` (both factors come from the same replicate, so
    their correlation is kept); with ``rate_uncertainty="poisson"`` every
    replicate also draws the monthly count from
    Poisson(``bad_experiences_per_month``). "Tells anyone" is the NPMLE
    probability of telling at least one person, so the two factors multiply
    to the chosen mean exactly. The reach counts contacts, not distinct
    people (one person told by two customers counts twice), and assumes that
    survey respondents tell as much as dissatisfied customers who do not
    answer surveys.

    Examples
    --------
    >>> resp = pd.DataFrame({"csat": [1, 1, 2, 2], "told_count_low": [0, 1, 6, 11],
    ...                      "told_count_high": [0, 5, 10, 20]})
    >>> reach = reach_model(word_of_mouth(resp, n_resamples=100), 200)
    >>> round(reach.people_reached_per_month, 1)
    1303.2
    """
    if not isinstance(result, WordOfMouthResult):
        raise TypeError(f"result must be a WordOfMouthResult from word_of_mouth(), got {type(result).__name__}")
    B = float(bad_experiences_per_month)
    if not (math.isfinite(B) and B >= 0):
        raise ValueError(f"bad_experiences_per_month must be a non-negative number, got {bad_experiences_per_month!r}")
    means = ("lower_bound", "central", "upper_sensitivity")
    if estimator not in means:
        raise ValueError(f"estimator must be one of {list(means)}, got {estimator!r}")
    if rate_uncertainty not in ("none", "poisson"):
        raise ValueError(f"rate_uncertainty must be 'none' or 'poisson', got {rate_uncertainty!r}")
    conf = check_confidence(confidence if confidence is not None else result.settings["confidence"])
    seed = result.settings["seed"] if seed is None else seed
    fit = result._fits["dissatisfied"]
    n = int(result._values["dissatisfied"]["low"].size)
    a = (1.0 - conf) / 2.0
    R = int(result.settings["n_resamples"])

    def q(v: np.ndarray) -> tuple[float, float]:
        v = v[np.isfinite(v)]
        if v.size == 0:
            return math.nan, math.nan
        return tuple(float(t) for t in np.quantile(v, [a, 1 - a], method=PERCENTILE_METHOD))

    if n == 0:
        nan = (math.nan, math.nan, math.nan)
        ests = {"share_telling_anyone": nan, "mean_told_among_tellers": nan,
                "people_told_per_bad_experience": nan, "people_reached_per_month": nan}
    else:
        mean = fit.means()[means.index(estimator)]
        share = fit.above(0)[0]
        rng = np.random.default_rng(seed if isinstance(seed, (int, np.integer)) else None)
        Bs = rng.poisson(B, size=R).astype(float) if rate_uncertainty == "poisson" else np.full(R, B)
        with np.errstate(divide="ignore", invalid="ignore"):
            among = np.where(share > 0, mean / share, np.nan)
        ests = {
            "share_telling_anyone": (float(share[0]), *q(share[1:])),
            "mean_told_among_tellers": (float(among[0]), *q(among[1:])),
            "people_told_per_bad_experience": (float(mean[0]), *q(mean[1:])),
            "people_reached_per_month": (B * float(mean[0]), *q(Bs * mean[1:])),
        }
    b_lo, b_hi = (B, B)
    if rate_uncertainty == "poisson":
        from scipy import stats

        b_lo = float(stats.chi2.ppf(a, 2 * B) / 2) if B > 0 else 0.0
        b_hi = float(stats.chi2.ppf(1 - a, 2 * (B + 1)) / 2)
    rows = [{"component": "bad_experiences_per_month", "estimate": B, "ci_low": b_lo, "ci_high": b_hi,
             "method": "given, treated as known" if rate_uncertainty == "none"
             else "one month's count as a Poisson observation; exact (Garwood) interval"}]
    how = (f"{estimator} mean of people told (word_of_mouth); percentile interval over its {R} "
           f"{result.settings['unit']}-level bootstrap replicates")
    for comp, (e, lo, hi) in ests.items():
        method = how + ("; x Poisson draws of the monthly count" if comp == "people_reached_per_month"
                        and rate_uncertainty == "poisson" else "")
        rows.append({"component": comp, "estimate": e, "ci_low": lo, "ci_high": hi, "method": method})
    table = pd.DataFrame(rows, columns=["component", "estimate", "ci_low", "ci_high", "method"])
    return ReachResult(table=table, settings={"estimator": estimator, "rate_uncertainty": rate_uncertainty,
                                              "n_resamples": R, "confidence": conf, "n_dissatisfied": n})
