"""Kaplan-Meier survival, the log-rank test and a vectorised bootstrap of S(t).

The question this module answers is of the kind "what share of customers is
still without a purchase 730 days after a bad experience?". Each customer (or
episode) contributes a duration in days and an event flag: ``True`` when the
event (for example the next purchase) was observed, ``False`` when the
customer was censored (followed for that long without the event).

Everything is vectorised: the estimator only needs the counts of events and
censorings per distinct time (``np.unique`` + ``np.bincount``), and the
bootstrap uses the fact that a resample of subjects is a multinomial draw over
the distinct (time, event) cells.

The point estimate and the Greenwood / log(-log) interval reproduce lifelines'
``KaplanMeierFitter`` (``survival_function_`` and ``confidence_interval_``) and
:func:`logrank_test` reproduces ``lifelines.statistics.logrank_test``; the
test-suite checks both to 1e-6.

Examples
--------
>>> from csanalysis.stats import kaplan_meier
>>> km = kaplan_meier([5, 8, 8, 12, 20, 20], [True, True, False, True, False, False])
>>> s = km.survival_at(10)
>>> round(s.survival, 4)
0.6667
>>> km.survival_at(30).reason
'no subject was followed for 30 days (longest follow-up: 20 days); S(t) is not estimable there'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import sparse, stats

from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, percentile_interval
from csanalysis.checks import check_confidence, check_resamples
from csanalysis.results import Result
from csanalysis.stats.arrays import factorize
from csanalysis.stats.intervals import z_critical

__all__ = [
    "KaplanMeierResult",
    "LogRankResult",
    "StratifiedSurvival",
    "SurvivalAt",
    "cluster_bootstrap_survival_at",
    "kaplan_meier",
    "km_difference_ci",
    "km_survival_bootstrap",
    "logrank_test",
    "merge_strata",
    "stratified_survival",
]

_KM_METHOD = (
    "Kaplan-Meier; Greenwood variance; log(-log) ('exponential Greenwood') interval, as lifelines"
)
_DEFAULT_MAX_CELLS = 2_000_000


# =========================================================================== input checks
def _durations(durations: Any, name: str = "durations") -> np.ndarray:
    try:
        if isinstance(durations, (pd.Series, pd.Index)):
            arr = pd.Series(durations).to_numpy(dtype=float, na_value=np.nan)
        else:
            arr = np.asarray(durations, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be numeric (days as numbers); convert timedeltas with `.dt.days` or "
            "`/ pd.Timedelta(days=1)` first."
        ) from None
    arr = np.atleast_1d(arr).ravel()
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"`{name}` contains {int(bad.sum())} missing or infinite value(s); every subject needs a "
            "finite follow-up time (censor open cases at the end of the observation window)."
        )
    if (arr < 0).any():
        raise ValueError(
            f"`{name}` contains {int((arr < 0).sum())} negative value(s); durations are times since "
            "the start event and must be >= 0."
        )
    return arr


def _events(events: Any, n: int, name: str = "events") -> np.ndarray:
    ser = (
        events
        if isinstance(events, pd.Series)
        else pd.Series(np.atleast_1d(np.asarray(events)).ravel())
    )
    if len(ser) != n:
        raise ValueError(
            f"`{name}` has {len(ser)} values but the durations have {n}; they must be the same length."
        )
    if ser.isna().any():
        raise ValueError(
            f"`{name}` contains {int(ser.isna().sum())} missing value(s); use True for an observed event "
            "and False for a censored subject."
        )
    try:
        arr = ser.to_numpy(dtype=float)
    except (TypeError, ValueError):
        arr = np.array([np.nan])
    if np.isnan(arr).any() or not np.isin(arr, (0.0, 1.0)).all():
        raise ValueError(
            f"`{name}` must be boolean (True = event observed, False = censored) or 0/1; found other values."
        )
    return arr.astype(bool)


def _weights(weights: Any, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.atleast_1d(np.asarray(weights, dtype=float)).ravel()
    if w.size != n:
        raise ValueError(
            f"`weights` has {w.size} values but the durations have {n}; they must be the same length."
        )
    if (~np.isfinite(w)).any() or (w < 0).any():
        raise ValueError(
            "`weights` must be finite and non-negative (counts of identical subjects)."
        )
    return w


def _check_t(t: Any) -> float:
    tt = float(t)
    if not np.isfinite(tt) or tt < 0:
        raise ValueError(
            f"`t` must be a finite time >= 0 (in the units of the durations), but {t!r} was passed."
        )
    return tt


def _py(x: Any) -> Any:
    """JSON-ready scalar: numpy -> Python, NaN -> None, inf -> None."""
    if isinstance(x, (np.generic,)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _fmt_t(t: float) -> str:
    return f"{t:g}"


# =========================================================================== core estimator
def _km_arrays(
    durations: np.ndarray, events: np.ndarray, weights: np.ndarray | None, z: float
) -> dict[str, np.ndarray]:
    """Kaplan-Meier table arrays (time 0 row included), lifelines-compatible."""
    w = np.ones(durations.size) if weights is None else weights
    times, inv = np.unique(durations, return_inverse=True)
    d = np.bincount(inv, weights=w * events, minlength=times.size)
    c = np.bincount(inv, weights=w * ~events, minlength=times.size)
    if times.size == 0 or times[0] > 0:
        times = np.concatenate(([0.0], times))
        d = np.concatenate(([0.0], d))
        c = np.concatenate(([0.0], c))
    total = float(w.sum())
    removed = d + c
    at_risk = total - np.concatenate(([0.0], np.cumsum(removed)[:-1]))
    # guard float round-off of the cumulative sum
    at_risk = np.where(np.abs(at_risk) < 1e-9 * max(total, 1.0), 0.0, at_risk)
    # over: where S is within round-off of 1 the log-log bounds overflow to their limits, 0 and 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        factor = np.where(at_risk > 0, 1.0 - d / at_risk, 1.0)
        surv = np.cumprod(factor)
        # Greenwood: sum d / (n (n - d)); increments where n == d (S hits 0) are 0, as in lifelines
        inc = np.where((at_risk > 0) & (at_risk > d), d / (at_risk * (at_risk - d)), 0.0)
        var = np.cumsum(inc)
        v = np.log(surv)
        lo = np.exp(-np.exp(np.log(-v) - z * np.sqrt(var) / v))
        hi = np.exp(-np.exp(np.log(-v) + z * np.sqrt(var) / v))
    lo = np.where(np.isnan(lo), 1.0, lo)
    hi = np.where(np.isnan(hi), 1.0, hi)
    return {
        "time": times,
        "at_risk": at_risk,
        "events": d,
        "censored": c,
        "survival": surv,
        "ci_low": lo,
        "ci_high": hi,
        "greenwood_var": var,
    }


class SurvivalAt(tuple):
    """S(t) with its interval; unpacks as ``(survival, ci_low, ci_high)``.

    Extra attributes: ``t``, ``reason`` (``None`` when estimable, otherwise why
    the figure is missing), ``at_risk`` (subjects still followed at ``t``),
    ``method`` and, for bootstrap intervals, ``resamples`` (the S(t) values).
    """

    t: float
    reason: str | None
    at_risk: float
    method: str
    resamples: np.ndarray | None

    def __new__(
        cls,
        survival: float,
        ci_low: float,
        ci_high: float,
        *,
        t: float,
        reason: str | None = None,
        at_risk: float = np.nan,
        method: str = _KM_METHOD,
        resamples: np.ndarray | None = None,
    ) -> Self:
        self = super().__new__(cls, (float(survival), float(ci_low), float(ci_high)))
        self.t = float(t)
        self.reason = reason
        self.at_risk = float(at_risk)
        self.method = method
        self.resamples = resamples
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[float, float, float], dict[str, Any]]:
        # lets pickle / copy rebuild the keyword-only attributes
        return tuple(self), {
            "t": self.t,
            "reason": self.reason,
            "at_risk": self.at_risk,
            "method": self.method,
            "resamples": self.resamples,
        }

    @property
    def survival(self) -> float:
        return self[0]

    @property
    def ci_low(self) -> float:
        return self[1]

    @property
    def ci_high(self) -> float:
        return self[2]

    @property
    def estimable(self) -> bool:
        return self.reason is None

    def __repr__(self) -> str:
        core = f"SurvivalAt(t={_fmt_t(self.t)}, survival={self[0]:.4g}, ci_low={self[1]:.4g}, ci_high={self[2]:.4g}"
        if self.reason:
            core += f", reason={self.reason!r}"
        return core + ")"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        return {
            "t": _py(self.t),
            "survival": _py(self[0]),
            "ci_low": _py(self[1]),
            "ci_high": _py(self[2]),
            "at_risk": _py(self.at_risk),
            "reason": self.reason,
            "method": self.method,
        }


def _not_followed_reason(t: float, last: float) -> str:
    return (
        f"no subject was followed for {_fmt_t(t)} days (longest follow-up: {_fmt_t(last)} days); "
        "S(t) is not estimable there"
    )


@dataclass(frozen=True, repr=False, eq=False)
class KaplanMeierResult(Result):
    """Result of :func:`kaplan_meier`.

    Attributes
    ----------
    timeline : DataFrame
        One row per distinct time (time 0 included): ``time``, ``at_risk``,
        ``events``, ``censored``, ``survival``, ``ci_low``, ``ci_high``.
    n, n_events, n_censored : int or float
        Subjects, observed events and censorings (weighted sums with weights).
    last_time : float
        Longest follow-up (largest duration, event or censored).
    confidence : float
        Confidence level of ``ci_low`` / ``ci_high``.
    method : str
        How the interval was computed.
    """

    timeline: pd.DataFrame
    n: float
    n_events: float
    n_censored: float
    last_time: float
    confidence: float
    method: str = _KM_METHOD

    # ------------------------------------------------------------------ queries
    @property
    def zero_time(self) -> float:
        """First time the curve reaches 0 (``inf`` when it never does); S(t) = 0 from then on.

        Examples
        --------
        >>> kaplan_meier([2, 3], [True, True]).zero_time
        3.0
        """
        tl = self.timeline
        zero = tl["time"].to_numpy(dtype=float)[tl["survival"].to_numpy(dtype=float) <= 0.0]
        return float(zero[0]) if zero.size else math.inf

    def greenwood(self, t: float) -> float:
        r"""Greenwood's sum up to ``t``, :math:`\sum_{t_j \le t} d_j / (n_j (n_j - d_j))`: the variance of log S(t).

        Terms where everyone at risk has the event (S reaches 0) count 0, as in lifelines.

        Examples
        --------
        >>> round(kaplan_meier([1, 2, 3, 4], [True, True, False, True]).greenwood(2), 4)  # 1/(4*3) + 1/(3*2)
        0.25
        """
        tl = self.timeline
        keep = tl["time"].to_numpy() <= t
        n = tl["at_risk"].to_numpy(dtype=float)[keep]
        d = tl["events"].to_numpy(dtype=float)[keep]
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.where(n > d, d / (n * (n - d)), 0.0).sum())

    def survival_at(self, t: float) -> SurvivalAt:
        """S(t) and its interval; NaN with a ``reason`` when no one was followed that long.

        "Followed as long as ``t``" means the longest duration (event or
        censored) is at least ``t``. Beyond it the figure is missing: the last
        step of the curve is never carried forward.

        Parameters
        ----------
        t : float
            Time (days) since the start event.

        Returns
        -------
        SurvivalAt
            Unpacks as ``(survival, ci_low, ci_high)``; ``.reason`` says why a
            figure is missing (``None`` otherwise).

        Examples
        --------
        >>> km = kaplan_meier([2, 3, 3, 6], [True, False, True, False])
        >>> s, lo, hi = km.survival_at(3)
        >>> round(s, 4)
        0.5
        >>> km.survival_at(7).reason is not None
        True
        """
        tt = _check_t(t)
        tl = self.timeline
        if self.n <= 0 or tt > self.last_time:
            reason = "no subjects" if self.n <= 0 else _not_followed_reason(tt, self.last_time)
            return SurvivalAt(
                np.nan, np.nan, np.nan, t=tt, reason=reason, at_risk=0.0, method=self.method
            )
        times = tl["time"].to_numpy()
        i = int(np.searchsorted(times, tt, side="right")) - 1
        at_risk = self._at_risk_at(np.array([tt]))[0]
        return SurvivalAt(
            tl["survival"].iat[i],
            tl["ci_low"].iat[i],
            tl["ci_high"].iat[i],
            t=tt,
            at_risk=at_risk,
            method=self.method,
        )

    def _at_risk_at(self, ts: np.ndarray) -> np.ndarray:
        """Subjects with duration >= t (still followed at t)."""
        tl = self.timeline
        times = tl["time"].to_numpy()
        removed = (tl["events"] + tl["censored"]).to_numpy(dtype=float)
        # weight with duration >= t = total - weight with duration < t
        before = np.concatenate(([0.0], np.cumsum(removed)))
        j = np.searchsorted(times, ts, side="left")
        return float(self.n) - before[j]

    def survival_at_times(self, times: Any) -> pd.DataFrame:
        """Vectorised :meth:`survival_at`: one row per requested time.

        Returns
        -------
        DataFrame
            Columns ``t``, ``survival``, ``ci_low``, ``ci_high``, ``at_risk``,
            ``reason`` (missing when estimable).

        Examples
        --------
        >>> km = kaplan_meier([2, 3, 3, 6], [True, False, True, False])
        >>> km.survival_at_times([1, 3, 10])["survival"].round(3).tolist()
        [1.0, 0.5, nan]
        """
        ts = np.atleast_1d(np.asarray(times, dtype=float)).ravel()
        if (~np.isfinite(ts)).any() or (ts < 0).any():
            raise ValueError("`times` must be finite times >= 0.")
        tl = self.timeline
        tgrid = tl["time"].to_numpy()
        i = np.searchsorted(tgrid, ts, side="right") - 1
        ok = (ts <= self.last_time) & (self.n > 0)
        cols = {}
        for col in ("survival", "ci_low", "ci_high"):
            cols[col] = np.where(ok, tl[col].to_numpy(dtype=float)[i], np.nan)
        at_risk = np.where(ok, self._at_risk_at(ts), 0.0)
        reason = (
            pd.Series(
                [None if o else _not_followed_reason(x, self.last_time) for o, x in zip(ok, ts)],
                dtype="str",
            )
            if (~ok).any()
            else pd.Series([None] * ts.size, dtype="str")
        )
        return pd.DataFrame({"t": ts, **cols, "at_risk": at_risk, "reason": reason})

    def median_survival(self) -> float:
        """Smallest time with S(t) <= 0.5 (``inf`` if never reached), as lifelines.

        S(t) is compared with a 1e-12 tolerance, so a curve that steps to
        exactly one half (for example 1 of 2 at risk) reaches its median
        there; lifelines, which computes S through ``exp(sum(log))``, can miss
        such exact halves by rounding.

        Examples
        --------
        >>> kaplan_meier([2, 3, 3, 6], [True, False, True, False]).median_survival()
        3.0
        """
        s = self.timeline["survival"].to_numpy()
        hit = np.flatnonzero(s <= 0.5 + 1e-12)
        if hit.size == 0:
            return float("inf")
        return float(self.timeline["time"].iat[int(hit[0])])

    # ------------------------------------------------------------------ reporting
    def summary(self) -> pd.DataFrame:
        """One-row tidy overview: n, events, censored, median, follow-up, method."""
        return pd.DataFrame(
            {
                "n": [self.n],
                "n_events": [self.n_events],
                "n_censored": [self.n_censored],
                "median_survival": [self.median_survival()],
                "last_time": [self.last_time],
                "confidence": [self.confidence],
                "method": [self.method],
            }
        )

    def to_dict(self, include_timeline: bool = True) -> dict[str, Any]:
        """JSON-ready dictionary (numpy -> Python, NaN/inf -> None)."""
        out: dict[str, Any] = {
            "n": _py(self.n),
            "n_events": _py(self.n_events),
            "n_censored": _py(self.n_censored),
            "median_survival": _py(self.median_survival()),
            "last_time": _py(self.last_time),
            "confidence": _py(self.confidence),
            "method": self.method,
        }
        if include_timeline:
            out["timeline"] = {
                col: [_py(v) for v in self.timeline[col].tolist()] for col in self.timeline.columns
            }
        return out

    def __repr__(self) -> str:
        med = self.median_survival()
        return (
            f"KaplanMeierResult(n={self.n:g}, n_events={self.n_events:g}, n_censored={self.n_censored:g}, "
            f"last_time={self.last_time:g}, median_survival={med:g}, confidence={self.confidence:g})"
        )

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Kaplan-Meier estimate ({self.method})"

    def plot(self, ax: Any = None, *, ci: bool = True, **kw: Any) -> Any:
        """Step plot of S(t) with its confidence band (see :func:`csanalysis.plotting.plot_survival`)."""
        from csanalysis.plotting.survival import plot_survival
        return plot_survival(self, ax=ax, ci=ci, **kw)


def kaplan_meier(
    durations: Any,
    events: Any,
    *,
    weights: Any = None,
    confidence: float = 0.95,
) -> KaplanMeierResult:
    r"""Kaplan-Meier estimate of the survival function with a log(-log) interval.

    Parameters
    ----------
    durations : array-like of float
        Time (days) from the start event (for example a bad experience) to the
        event or to censoring. Must be finite and >= 0.
    events : array-like of bool
        ``True`` when the event (for example the next purchase) was observed,
        ``False`` when the subject was censored at ``durations``.
    weights : array-like of float, optional
        Case weights, typically counts of identical subjects.
    confidence : float, default 0.95
        Confidence level of the pointwise interval.

    Returns
    -------
    KaplanMeierResult

    Notes
    -----
    With :math:`n_j` at risk and :math:`d_j` events at distinct time
    :math:`t_j`, :math:`\hat S(t) = \prod_{t_j \le t} (1 - d_j/n_j)`. Greenwood:
    :math:`V(t) = \sum_{t_j \le t} d_j / (n_j (n_j - d_j))` (terms with
    :math:`n_j = d_j` set to 0). The interval is
    :math:`\exp(-\exp(\log(-\log \hat S) \mp z \sqrt{V}/\log \hat S))`, the
    "exponential Greenwood" / log(-log) interval of lifelines and R's
    ``conf.type="log-log"``; it is (1, 1) where :math:`\hat S = 1`.
    A time-0 row is added as in lifelines. Matches lifelines
    ``KaplanMeierFitter`` to 1e-6 (checked in the tests) for unit or integer
    weights; for non-integer weights lifelines truncates the at-risk counts
    in the variance, this function does not.

    Examples
    --------
    >>> km = kaplan_meier([5, 8, 8, 12, 20, 20], [True, True, False, True, False, False])
    >>> km.timeline[["time", "at_risk", "events", "survival"]].round(4)
       time  at_risk  events  survival
    0   0.0        6       0    1.0000
    1   5.0        6       1    0.8333
    2   8.0        5       1    0.6667
    3  12.0        3       1    0.4444
    4  20.0        2       0    0.4444
    """
    z = z_critical(confidence)
    d = _durations(durations)
    e = _events(events, d.size)
    w = _weights(weights, d.size)
    if w is not None:
        keep = w > 0
        d, e, w = d[keep], e[keep], w[keep]
    arrs = _km_arrays(d, e, w, z)
    integral = w is None or bool(np.all(w == np.round(w)))
    cnt_dtype = "int64" if integral else "float64"
    timeline = pd.DataFrame(
        {
            "time": arrs["time"],
            "at_risk": np.round(arrs["at_risk"]).astype(cnt_dtype) if integral else arrs["at_risk"],
            "events": np.round(arrs["events"]).astype(cnt_dtype) if integral else arrs["events"],
            "censored": np.round(arrs["censored"]).astype(cnt_dtype)
            if integral
            else arrs["censored"],
            "survival": arrs["survival"],
            "ci_low": arrs["ci_low"],
            "ci_high": arrs["ci_high"],
        }
    )
    n = float(w.sum()) if w is not None else float(d.size)
    n_ev = float(arrs["events"].sum())
    n_c = float(arrs["censored"].sum())
    if integral:
        n, n_ev, n_c = round(n), round(n_ev), round(n_c)
    return KaplanMeierResult(
        timeline=timeline,
        n=n,
        n_events=n_ev,
        n_censored=n_c,
        last_time=float(d.max()) if d.size else float("nan"),
        confidence=float(confidence),
    )


# =========================================================================== log-rank
@dataclass(frozen=True, repr=False)
class LogRankResult(Result):
    """Result of :func:`logrank_test` (two groups, ``df = 1``)."""

    statistic: float
    p_value: float
    df: int
    method: str
    n_a: float
    n_b: float
    observed_a: float
    expected_a: float
    observed_b: float
    expected_b: float

    def summary(self) -> pd.DataFrame:
        """One-row tidy table of the test."""
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "p_value": [self.p_value],
                "df": [self.df],
                "n_a": [self.n_a],
                "n_b": [self.n_b],
                "observed_a": [self.observed_a],
                "expected_a": [self.expected_a],
                "observed_b": [self.observed_b],
                "expected_b": [self.expected_b],
                "method": [self.method],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        return {k: _py(v) for k, v in self.summary().iloc[0].to_dict().items()}

    def __repr__(self) -> str:
        return f"LogRankResult(statistic={self.statistic:.4g}, p_value={self.p_value:.4g}, df={self.df})"

    @property
    def title(self) -> str:  # type: ignore[override]
        return self.method


def logrank_test(
    durations_a: Any,
    events_a: Any,
    durations_b: Any,
    events_b: Any,
    *,
    weights_a: Any = None,
    weights_b: Any = None,
) -> LogRankResult:
    r"""Log-rank test that two groups share one survival function.

    Parameters
    ----------
    durations_a, events_a : array-like
        Durations and event flags of group A (see :func:`kaplan_meier`).
    durations_b, events_b : array-like
        The same for group B.
    weights_a, weights_b : array-like, optional
        Case weights (counts).

    Returns
    -------
    LogRankResult
        ``statistic`` (chi-square, 1 df), ``p_value``, observed and expected
        events per group. NaN statistic and p-value when the variance is 0
        (no events, or events only while one group alone is at risk); lifelines
        reports 0 and 1 there, which reads as "no difference" although nothing
        was testable.

    Notes
    -----
    :math:`U = \sum_j (d_{aj} - d_j n_{aj}/n_j)`,
    :math:`V = \sum_j n_{aj} n_{bj} d_j (n_j - d_j) / (n_j^2 (n_j - 1))`
    (hypergeometric variance; the factor :math:`(n_j-d_j)/(n_j-1)` is 1 when
    :math:`n_j = 1`), statistic :math:`U^2/V`, p-value from
    :math:`\chi^2_1`. Same as ``lifelines.statistics.logrank_test`` and R's
    ``survdiff``.

    Examples
    --------
    >>> r = logrank_test([1, 3, 4, 6], [1, 1, 0, 1], [2, 5, 7, 8, 9], [1, 0, 1, 1, 0])
    >>> round(r.statistic, 4), round(r.p_value, 4)
    (2.4691, 0.1161)
    """
    da = _durations(durations_a, "durations_a")
    db = _durations(durations_b, "durations_b")
    ea = _events(events_a, da.size, "events_a")
    eb = _events(events_b, db.size, "events_b")
    wa = _weights(weights_a, da.size)
    wb = _weights(weights_b, db.size)
    wa = np.ones(da.size) if wa is None else wa
    wb = np.ones(db.size) if wb is None else wb
    times, inv = np.unique(np.concatenate([da, db]), return_inverse=True)
    ia, ib = inv[: da.size], inv[da.size :]
    m = times.size
    dA = np.bincount(ia, weights=wa * ea, minlength=m)
    dB = np.bincount(ib, weights=wb * eb, minlength=m)
    rA = np.bincount(ia, weights=wa, minlength=m)
    rB = np.bincount(ib, weights=wb, minlength=m)
    nA = wa.sum() - np.concatenate(([0.0], np.cumsum(rA)[:-1]))
    nB = wb.sum() - np.concatenate(([0.0], np.cumsum(rB)[:-1]))
    n = nA + nB
    dd = dA + dB
    with np.errstate(divide="ignore", invalid="ignore"):
        expA = np.where(n > 0, dd * nA / n, 0.0)
        ratio = np.where(n > 1, (n - dd) / (n - 1), 1.0)
        var = np.where(n > 0, nA * nB * dd * ratio / n**2, 0.0)
    o_a, e_a = float(dA.sum()), float(expA.sum())
    o_b, e_b = float(dB.sum()), float(dd.sum() - expA.sum())
    V = float(var.sum())
    if V > 0:
        stat = (o_a - e_a) ** 2 / V
        p = float(stats.chi2.sf(stat, 1))
    else:
        stat, p = np.nan, np.nan
    return LogRankResult(
        statistic=float(stat),
        p_value=p,
        df=1,
        method="log-rank test (Mantel-Haenszel, hypergeometric variance), chi-square with 1 df",
        n_a=float(wa.sum()),
        n_b=float(wb.sum()),
        observed_a=o_a,
        expected_a=e_a,
        observed_b=o_b,
        expected_b=e_b,
    )


# =========================================================================== bootstrap of S(t)
@dataclass(frozen=True)
class _Cells:
    """Distinct (time, event) cells for evaluating S(t) at one ``t``.

    Cells with time <= t are kept apart (one per time and event flag);
    every subject with time > t goes into one last "beyond" cell, since such
    subjects only count in the risk sets. ``time_idx`` maps each cell to the
    index of its distinct time (``-1`` for the beyond cell).
    """

    n_times: int
    time_idx: np.ndarray
    is_event: np.ndarray
    reaches_t: np.ndarray  # cell time >= t (the subject was followed as long as t)
    counts: np.ndarray  # unweighted number of subjects in each cell
    subject_cell: np.ndarray  # cell id of each subject


def _cells(durations: np.ndarray, events: np.ndarray, t: float) -> _Cells:
    le = durations <= t
    times = np.unique(durations[le])
    tix = np.searchsorted(times, durations)  # valid where le
    n_times = times.size
    # cell id: 2 * time index + event for subjects at or before t; beyond cell = 2 * n_times
    raw = np.where(le, 2 * tix + events.astype(np.int64), 2 * n_times)
    used, subject_cell = np.unique(raw, return_inverse=True)
    counts = np.bincount(subject_cell, minlength=used.size).astype(float)
    beyond = used == 2 * n_times
    time_idx = np.where(beyond, -1, used // 2)
    is_event = (~beyond) & (used % 2 == 1)
    cell_time = np.full(used.size, np.inf)
    cell_time[~beyond] = times[used[~beyond] // 2]
    reaches_t = cell_time >= t
    return _Cells(n_times, time_idx, is_event, reaches_t, counts, subject_cell)


def _surv_from_cell_weights(cells: _Cells, W: np.ndarray) -> np.ndarray:
    """S(t) for each row of a (resamples x cells) matrix of cell weights/counts."""
    rows = W.shape[0]
    T = cells.n_times
    total = W.sum(axis=1)
    followed = W[:, cells.reaches_t].sum(axis=1) > 0
    if T == 0:
        out = np.ones(rows)
    else:
        D = np.zeros((rows, T))
        C = np.zeros((rows, T))
        ev = cells.is_event
        cen = (~ev) & (cells.time_idx >= 0)
        # each (time, flag) pair is one column, so plain assignment is safe
        D[:, cells.time_idx[ev]] = W[:, ev]
        C[:, cells.time_idx[cen]] = W[:, cen]
        R = D + C
        before = np.cumsum(R, axis=1) - R
        risk = total[:, None] - before
        with np.errstate(divide="ignore", invalid="ignore"):
            fac = np.where(risk > 1e-12, 1.0 - D / risk, 1.0)
        out = np.prod(fac, axis=1)
    out = np.clip(out, 0.0, 1.0)
    return np.where(followed & (total > 0), out, np.nan)


def _chunk_rows(width: int, max_cells: int, n_resamples: int) -> int:
    if int(max_cells) < 1:
        raise ValueError(f"`max_cells` must be a positive integer, but {max_cells!r} was passed.")
    return int(max(1, min(n_resamples, max_cells // max(width, 1))))


def km_survival_bootstrap(
    durations: Any,
    events: Any,
    t: float,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = None,
    max_cells: int = _DEFAULT_MAX_CELLS,
) -> np.ndarray:
    """Nonparametric bootstrap distribution of the Kaplan-Meier S(t).

    Parameters
    ----------
    durations, events : array-like
        As in :func:`kaplan_meier`.
    t : float
        Time at which S is evaluated.
    n_resamples : int, default 1000
        Number of bootstrap resamples.
    seed : int, Generator or None
        Seed for ``np.random.default_rng``.
    max_cells : int, default 2_000_000
        Bound on the size of one chunk of the (resamples x cells) matrix.

    Returns
    -------
    ndarray, shape (n_resamples,)
        S(t) in each resample; NaN for a resample in which no subject was
        followed as long as ``t`` (the figure is missing there, as in
        :meth:`KaplanMeierResult.survival_at`).

    Notes
    -----
    The KM estimate at ``t`` depends on the data only through the counts in
    the distinct (time, event) cells with time <= t plus the count beyond
    ``t``. Resampling ``n`` subjects with replacement therefore equals a
    multinomial draw of ``n`` over those cells with probabilities
    ``count / n``. All resamples are drawn as one (resamples x cells) matrix,
    in chunks of at most ``max_cells`` entries, and S(t) is a row-wise
    product of ``1 - d/n`` factors. Cost does not depend on ``n`` beyond one
    ``np.unique``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = rng.exponential(100, 500); e = d < 150; d = np.minimum(d, 150)
    >>> boot = km_survival_bootstrap(d, e, 60, n_resamples=200, seed=1)
    >>> boot.shape
    (200,)
    """
    tt = _check_t(t)
    B = check_resamples(n_resamples)
    d = _durations(durations)
    e = _events(events, d.size)
    rng = np.random.default_rng(seed)
    if d.size == 0:
        return np.full(B, np.nan)
    cells = _cells(d, e, tt)
    n = int(d.size)
    p = cells.counts / cells.counts.sum()
    width = p.size + 3 * max(cells.n_times, 1)
    chunk = _chunk_rows(width, max_cells, B)
    out = np.empty(B)
    for start in range(0, B, chunk):
        rows = min(chunk, B - start)
        M = rng.multinomial(n, p, size=rows).astype(float)
        out[start : start + rows] = _surv_from_cell_weights(cells, M)
    return out


def _percentile_ci(values: np.ndarray, confidence: float) -> tuple[float, float]:
    return percentile_interval(values, confidence)


def km_difference_ci(
    d1: Any,
    e1: Any,
    d2: Any,
    e2: Any,
    t: float,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = None,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Difference S1(t) - S2(t) of two independent groups, percentile bootstrap interval.

    Parameters
    ----------
    d1, e1 : array-like
        Durations and event flags of group 1.
    d2, e2 : array-like
        Durations and event flags of group 2.
    t : float
        Time at which the curves are compared.
    n_resamples : int, default 1000
        Bootstrap resamples per group (see :func:`km_survival_bootstrap`).
    seed : int, Generator or None
        Seed.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    diff, low, high : float
        Point difference of the KM estimates and its percentile interval. All
        NaN when either group has no one followed as long as ``t``.
        Resamples in which a group has no one followed as long as ``t`` are
        left out of the interval.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> a = rng.exponential(100, 400); b = rng.exponential(200, 400)
    >>> diff, lo, hi = km_difference_ci(np.minimum(a, 300), a < 300, np.minimum(b, 300), b < 300, 100, seed=3)
    >>> lo < diff < hi < 0
    True
    """
    check_confidence(confidence)
    tt = _check_t(t)
    rng = np.random.default_rng(seed)
    s1 = kaplan_meier(d1, e1).survival_at(tt)
    s2 = kaplan_meier(d2, e2).survival_at(tt)
    diff = s1.survival - s2.survival
    if np.isnan(diff):
        return np.nan, np.nan, np.nan
    b1 = km_survival_bootstrap(d1, e1, tt, n_resamples=n_resamples, seed=rng)
    b2 = km_survival_bootstrap(d2, e2, tt, n_resamples=n_resamples, seed=rng)
    lo, hi = _percentile_ci(b1 - b2, confidence)
    return float(diff), lo, hi


def cluster_bootstrap_survival_at(
    durations: Any,
    events: Any,
    clusters: Any,
    t: float,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = None,
    confidence: float = 0.95,
    max_cells: int = _DEFAULT_MAX_CELLS,
) -> SurvivalAt:
    """S(t) with a cluster (customer-level) Poisson bootstrap interval.

    Use it when one customer contributes several episodes (several bad
    experiences): episodes of the same customer are not independent, so the
    resampling unit must be the customer.

    Parameters
    ----------
    durations, events : array-like
        One row per episode, as in :func:`kaplan_meier`.
    clusters : array-like
        Cluster label (customer id) of each episode; no missing values.
    t : float
        Time at which S is evaluated.
    n_resamples : int, default 500
        Number of bootstrap resamples.
    seed : int, Generator or None
        Seed.
    confidence : float, default 0.95
        Confidence level of the percentile interval.
    max_cells : int, default 2_000_000
        Bound on the size of one chunk of the (resamples x clusters) weight matrix.

    Returns
    -------
    SurvivalAt
        Unpacks as ``(survival, ci_low, ci_high)``: the KM estimate on all
        episodes and the percentile interval; ``.resamples`` holds the
        bootstrap S(t) values, ``.reason`` why a figure is missing.

    Notes
    -----
    Each resample gives every cluster an independent Poisson(1) weight (the
    "Poisson bootstrap", an approximation of drawing clusters with
    replacement that keeps resamples independent across clusters and is
    trivially vectorised). Episode weights are their cluster's weight; cell
    weights follow from one sparse (clusters x cells) product, and the
    weighted KM S(t) is evaluated per resample. The weight matrix is built in
    chunks of at most ``max_cells`` entries.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> cust = rng.integers(0, 150, 400)
    >>> d = rng.exponential(100, 400); e = d < 200; d = np.minimum(d, 200)
    >>> s, lo, hi = cluster_bootstrap_survival_at(d, e, cust, 50, n_resamples=200, seed=5)
    >>> lo < s < hi
    True
    """
    check_confidence(confidence)
    tt = _check_t(t)
    B = check_resamples(n_resamples)
    d = _durations(durations)
    e = _events(events, d.size)
    cl = pd.Series(
        clusters.to_numpy()
        if isinstance(clusters, (pd.Series, pd.Index))
        else np.asarray(clusters, dtype=object).ravel()
    )
    if len(cl) != d.size:
        raise ValueError(
            f"`clusters` has {len(cl)} values but the durations have {d.size}; they must be the same length."
        )
    if cl.isna().any():
        raise ValueError(
            f"`clusters` contains {int(cl.isna().sum())} missing label(s); every episode needs its customer id."
        )
    codes, uniques = factorize(cl)
    k = len(uniques)
    est = kaplan_meier(d, e).survival_at(tt)
    method = "Kaplan-Meier; percentile interval from a cluster Poisson(1) bootstrap"
    if d.size == 0 or not est.estimable:
        return SurvivalAt(
            np.nan,
            np.nan,
            np.nan,
            t=tt,
            reason=est.reason,
            at_risk=est.at_risk,
            method=method,
            resamples=np.full(B, np.nan),
        )
    cells = _cells(d, e, tt)
    A = sparse.csr_matrix(
        (np.ones(d.size), (cells.subject_cell, codes)), shape=(cells.counts.size, k)
    )  # cells x clusters
    rng = np.random.default_rng(seed)
    chunk = _chunk_rows(k + cells.counts.size + 3 * max(cells.n_times, 1), max_cells, B)
    out = np.empty(B)
    for start in range(0, B, chunk):
        rows = min(chunk, B - start)
        Wc = rng.poisson(1.0, size=(rows, k)).astype(float)
        W = np.asarray(A @ Wc.T).T  # rows x cells
        out[start : start + rows] = _surv_from_cell_weights(cells, W)
    lo, hi = _percentile_ci(out, confidence)
    return SurvivalAt(est.survival, lo, hi, t=tt, at_risk=est.at_risk, method=method, resamples=out)


# =========================================================================== standardised over strata
def merge_strata(strata: Any, *, weights: Any = None, min_size: float = 200.0) -> tuple[np.ndarray, int]:
    """Merge ordered strata so that every merged stratum holds at least ``min_size`` subjects.

    Strata are visited in ascending order of their (integer) code and pooled
    until the pool reaches ``min_size``; a remainder smaller than that joins
    the last pool. The rule depends on the counts per code only, so the
    counts of disjoint partitions, added, give the same merge.

    Parameters
    ----------
    strata : array-like of int
        Ordered stratum code per subject (for example bands of a rate).
    weights : array-like of float, optional
        Case weights (counts of identical subjects).
    min_size : float, default 200
        Smallest merged stratum.

    Returns
    -------
    (group, n_groups)
        ``group``: the merged stratum (0 .. n_groups - 1) of each subject.

    Examples
    --------
    >>> g, k = merge_strata([0, 0, 1, 2, 2, 2], min_size=2)
    >>> g.tolist(), k
    ([0, 0, 1, 1, 1, 1], 2)
    """
    s = np.asarray(strata, dtype=np.int64)
    w = np.ones(s.size) if weights is None else np.asarray(weights, dtype="float64")
    if s.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    codes, inv = np.unique(s, return_inverse=True)
    size = np.bincount(inv, weights=w, minlength=codes.size)
    group = np.zeros(codes.size, dtype=np.int64)
    g, acc = 0, 0.0
    for i in range(codes.size):  # loops over the (few) strata, never over subjects
        group[i] = g
        acc += float(size[i])
        if acc >= min_size:
            g, acc = g + 1, 0.0
    n_groups = g + (1 if acc > 0 else 0)
    if acc > 0 and n_groups > 1:  # a small remainder joins the last full pool
        group[group == g] = g - 1
        n_groups -= 1
    return group[inv], max(n_groups, 1)


@dataclass(frozen=True)
class StratifiedSurvival:
    """Kaplan-Meier curves per stratum, standardised to the strata's shares (see :func:`stratified_survival`).

    Attributes
    ----------
    curves : list of KaplanMeierResult
        One curve per (merged) stratum.
    shares : ndarray
        Each stratum's share of the subjects (the standard population).
    n : float
        Subjects in all.
    """

    curves: list
    shares: np.ndarray
    n: float

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self.curves)

    def _parts(self, t: float) -> tuple[np.ndarray, np.ndarray, str]:
        """S_k(t) and Greenwood var(log S_k(t)) per stratum; a reason when some stratum is not estimable."""
        s = np.empty(self.n_strata)
        g = np.zeros(self.n_strata)
        for k, km in enumerate(self.curves):
            if km.zero_time <= t:
                s[k] = 0.0
                continue
            at = km.survival_at(t)
            if at.reason:
                return s, g, f"stratum {k + 1} of {self.n_strata}: {at.reason}"
            s[k] = at.survival
            g[k] = km.greenwood(t)
        return s, g, ""

    def survival_at(self, t: float, confidence: float = 0.95) -> tuple[float, float, float, float, str]:
        r"""Standardised S(t), its interval, its variance and why it is missing.

        :math:`S(t) = \sum_k p_k S_k(t)`, with variance
        :math:`\sum_k p_k^2 S_k^2 V_k + \sum_k p_k (S_k - S)^2 / n` (Greenwood
        within strata, plus the multinomial variation of the shares); the
        interval is the log(-log) transform of it, inside (0, 1).

        Returns
        -------
        (survival, ci_low, ci_high, variance, reason)
        """
        s, g, reason = self._parts(float(t))
        if reason:
            return np.nan, np.nan, np.nan, np.nan, reason
        p = self.shares
        est = float(p @ s)
        var = float(np.sum(p**2 * s**2 * g) + np.sum(p * (s - est) ** 2) / max(self.n, 1.0))
        return (*_loglog_interval(est, var, confidence), var, "")

    def difference(self, t1: float, t2: float) -> tuple[float, float, str]:
        """Standardised S(t1) - S(t2) (t1 < t2: the share with the event in (t1, t2]) and its variance."""
        s1, g1, r1 = self._parts(float(t1))
        s2, g2, r2 = self._parts(float(t2))
        if r1 or r2:
            return np.nan, np.nan, r1 or r2
        p = self.shares
        dk = s1 - s2
        est = float(p @ dk)
        vk = np.maximum(s1**2 * g1 + s2**2 * g2 - 2.0 * s1 * s2 * g1, 0.0)
        return est, float(np.sum(p**2 * vk) + np.sum(p * (dk - est) ** 2) / max(self.n, 1.0)), ""


def _loglog_interval(est: float, var: float, confidence: float) -> tuple[float, float, float]:
    """``(est, lo, hi)``: the log(-log) interval of a survival probability with variance ``var``."""
    if not (0.0 < est < 1.0) or not (var > 0.0):
        return est, est, est
    z = z_critical(confidence)
    se = math.sqrt(var) / abs(est * math.log(est))
    return est, est ** math.exp(z * se), est ** math.exp(-z * se)


def stratified_survival(
    durations: Any,
    events: Any,
    strata: Any,
    *,
    weights: Any = None,
    min_stratum: float = 200.0,
    confidence: float = 0.95,
) -> StratifiedSurvival:
    r"""Kaplan-Meier within strata, standardised to the strata's shares: survival under stratum-dependent censoring.

    When the follow-up depends on something that also drives the outcome
    (customers who buy often have their first bad experience early and are
    followed longest), the pooled Kaplan-Meier curve is biased; within
    strata of that something the censoring is closer to independent, and
    the average of the stratum curves, weighted by each stratum's share of
    all subjects, estimates the survival of the whole group. Strata are
    merged in order until each holds ``min_stratum`` subjects
    (:func:`merge_strata`).

    Parameters
    ----------
    durations, events : array-like
        As in :func:`kaplan_meier`.
    strata : array-like of int
        Ordered stratum code per subject.
    weights : array-like of float, optional
        Case weights (counts of identical subjects).
    min_stratum : float, default 200
        Smallest (merged) stratum.
    confidence : float, default 0.95
        Confidence level of the curves.

    Returns
    -------
    StratifiedSurvival

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> fast = rng.random(600) < 0.5
    >>> d = np.where(fast, rng.exponential(100, 600), rng.exponential(800, 600))
    >>> follow = np.where(fast, 2000.0, rng.uniform(0, 2000, 600))  # the slow ones followed less
    >>> ss = stratified_survival(np.minimum(d, follow), d <= follow, fast.astype(int), min_stratum=100)
    >>> s, lo, hi, var, reason = ss.survival_at(730)
    >>> ss.n_strata, lo < s < hi
    (2, True)
    """
    d = _durations(durations)
    e = _events(events, d.size)
    w = _weights(weights, d.size)
    s = np.asarray(strata)
    if s.shape != d.shape:
        raise ValueError(f"strata must have one value per subject ({d.size}), got shape {s.shape}.")
    confidence = check_confidence(confidence)
    group, k = merge_strata(s, weights=w, min_size=min_stratum)
    ww = np.ones(d.size) if w is None else w
    size = np.bincount(group, weights=ww, minlength=k)
    curves = [kaplan_meier(d[group == j], e[group == j], weights=None if w is None else w[group == j],
                           confidence=confidence) for j in range(k)]
    total = float(size.sum())
    return StratifiedSurvival(curves=curves, shares=size / total if total > 0 else size, n=total)
