"""Avoidance after a bad experience: the company's own "39% avoid us for two years".

The figure the customer-service press cites ("39% of customers avoid a
company for two years after one bad experience", Dimensional Research for
Zendesk, 2013) is a survey answer, conditional on respondents whose buying
was affected. :func:`avoidance` computes the behavioural analogue from a
company's own contacts and purchases:

``avoid_2y_after_bad``
    Among customers with a bad service experience, the share still without a
    purchase ``window`` (730) days after their first bad experience:
    ``S(window)`` of a Kaplan-Meier curve of the time to the next purchase,
    right-censored at ``as_of``. Never the naive count of customers "without a
    purchase yet", which counts every customer followed for less than the
    window as an avoider.
``avoid_2y_after_good``
    The same after the first *rated* experience, when it was good.
``avoid_2y_baseline`` and ``excess_avoidance``
    The same for customers without any service contact, matched to each
    bad-experience customer on recency, frequency and tenure at the same date, and
    the difference ``S_bad - S_baseline``: long natural buying cycles give
    two-year gaps without any service failure.
``avoid_2y_after_bad_changed``
    The survey's denominator: among bad-experience customers whose buying
    changed (no purchase within their expected cycle), the share whose gap
    reaches the window.
``split_lt_365``, ``split_365_729``, ``split_730_plus``
    The gap to the next purchase in the survey's bins (under a year, one to
    two years, two years or more).

Everything is vectorised: purchases are sorted once by (customer, time) and
every question "how many purchases before t, when is the next one after t" is
one ``np.searchsorted`` over all customers at once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from csanalysis.checks import check_confidence, check_frame, check_resamples
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.bootstrap import percentile_interval
from csanalysis.stats.survival import (
    KaplanMeierResult,
    LogRankResult,
    cluster_bootstrap_survival_at,
    kaplan_meier,
    km_difference_ci,
    logrank_test,
)

__all__ = [
    "FIGURE_IDS",
    "AvoidanceResult",
    "ChangedRule",
    "avoidance",
    "index_durations",
    "simulate_avoidance_scenario",
]

#: Figure ids of :meth:`AvoidanceResult.summary`, in order.
FIGURE_IDS: tuple[str, ...] = (
    "avoid_2y_after_bad",
    "avoid_2y_after_good",
    "avoid_2y_baseline",
    "excess_avoidance",
    "avoid_2y_after_bad_changed",
    "naive_avoid_2y_after_bad",
    "split_lt_365",
    "split_365_729",
    "split_730_plus",
)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "figure", "group", "estimate", "ci_low", "ci_high", "n", "n_events", "n_followed_window",
    "method", "note",
)

_DAY_NS = 86_400 * 10**9
_SPLIT = (365.0, 730.0)
#: Bound on (index days x candidate controls) evaluated by the matching.
_MATCH_MAX_QUERIES = 3_000_000
_MATCH_MIN_PER_DAY = 500
_MATCH_CHUNK = 1_000_000
#: Bootstrap inputs are rounded to ``window / _BOOT_STEPS`` days (about nine
#: hours for two years) to bound the number of distinct times and so the cost
#: of the multinomial bootstrap; the point estimates use the exact durations.
_BOOT_STEPS = 2048
#: Above this many contributing customers the "changed" interval uses the
#: linearised (delta-method) cluster variance of the ratio instead of resampling.
_CHANGED_BOOT_MAX_CLUSTERS = 50_000


# =========================================================================== the "changed" rule
@dataclass(frozen=True)
class ChangedRule:
    """When a bad-experience customer's buying counts as *changed*.

    Buying changed when the gap from the index experience to the next purchase
    exceeds the customer's expected cycle::

        threshold = max(multiple * median inter-purchase interval, floor_days)

    where the median is taken over the intervals between the customer's
    purchases on or before the index date. Customers with fewer than
    ``min_prior_purchases`` purchases by then have no usable interval and get
    ``floor_days``.

    Parameters
    ----------
    multiple : float, default 2.0
        Multiple of the customer's own median interval.
    floor_days : float, default 90.0
        Lower bound of the threshold, in days.
    min_prior_purchases : int, default 2
        Purchases needed (on or before the index) to use the own interval.

    Examples
    --------
    >>> ChangedRule().describe()
    'gap > max(2 x own median inter-purchase interval before the index, 90 days); customers with fewer than 2 purchases before the index: 90 days'
    """

    multiple: float = 2.0
    floor_days: float = 90.0
    min_prior_purchases: int = 2

    def __post_init__(self) -> None:
        if not (math.isfinite(self.multiple) and self.multiple > 0):
            raise ValueError(f"ChangedRule.multiple must be a positive number, got {self.multiple!r}.")
        if not (math.isfinite(self.floor_days) and self.floor_days >= 0):
            raise ValueError(f"ChangedRule.floor_days must be a number of days >= 0, got {self.floor_days!r}.")
        if int(self.min_prior_purchases) != self.min_prior_purchases or self.min_prior_purchases < 2:
            raise ValueError(
                "ChangedRule.min_prior_purchases must be an integer >= 2 (one interval needs two "
                f"purchases), got {self.min_prior_purchases!r}."
            )

    def describe(self) -> str:
        """The rule in words."""
        return (
            f"gap > max({self.multiple:g} x own median inter-purchase interval before the index, "
            f"{self.floor_days:g} days); customers with fewer than {self.min_prior_purchases} purchases "
            f"before the index: {self.floor_days:g} days"
        )


def _changed_rule(rule: ChangedRule | Mapping[str, Any] | None) -> ChangedRule:
    if rule is None:
        return ChangedRule()
    if isinstance(rule, ChangedRule):
        return rule
    if isinstance(rule, Mapping):
        unknown = set(rule) - {"multiple", "floor_days", "min_prior_purchases"}
        if unknown:
            raise ValueError(
                f"changed_rule has unknown key(s) {sorted(unknown)}; expected multiple, floor_days, "
                "min_prior_purchases."
            )
        return ChangedRule(**dict(rule))
    raise TypeError(f"changed_rule must be a ChangedRule, a dict or None, got {type(rule).__name__}.")


# =========================================================================== input handling
def _ns(s: pd.Series, what: str) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds; NaT -> int64 min."""
    if not (pd.api.types.is_datetime64_any_dtype(s.dtype)):
        try:
            s = pd.to_datetime(s, utc=True)
        except (TypeError, ValueError):
            raise ValueError(
                f"{what} must hold timestamps (UTC); convert it with pd.to_datetime(..., utc=True) first."
            ) from None
    if getattr(s.dtype, "tz", None) is None:
        s = s.dt.tz_localize("UTC")
    arr = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    return arr.astype("datetime64[ns]").view("int64")


_NAT = np.iinfo(np.int64).min


def _flag(s: pd.Series, what: str) -> np.ndarray:
    if s.dtype == bool:
        return s.to_numpy()
    try:
        return s.astype("boolean").fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be boolean (True / False); found other values.") from None


def _timestamp(x: Any, what: str) -> int:
    try:
        ts = pd.Timestamp(x)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a date or timestamp, got {x!r}.") from None
    if pd.isna(ts):
        raise ValueError(f"{what} must be a date or timestamp, got a missing value.")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.as_unit("ns").value)


def _check_inputs(experiences: Any, activity: Any) -> None:
    check_frame(experiences, "experiences")
    check_frame(activity, "activity")
    if "customer" not in activity.columns:
        has = [c for c in ("customer_id", "email_key") if c in activity.columns]
        found = f" (it has {' and '.join(has)})" if has else ""
        raise ValueError(
            f"activity has no `customer` column{found}. Link the tables first: "
            "csanalysis.link.link_customers(tickets=..., activity=...).activity adds it; "
            "csanalysis.experiences.experiences(...) builds the matching experiences table."
        )
    if "customer" not in experiences.columns:
        raise ValueError(
            "experiences has no `customer` column. Build it with csanalysis.experiences.experiences(tickets, "
            "responses, activity=...), which links contacts to customers with csanalysis.link.link_customers."
        )
    missing = [c for c in ("at", "bad", "good", "rated") if c not in experiences.columns]
    if missing:
        raise ValueError(
            f"experiences lacks column(s) {missing}; expected one row per service contact with customer, at, "
            "bad, good, rated (as csanalysis.experiences.experiences returns)."
        )
    if "at" not in activity.columns:
        raise ValueError("activity lacks the `at` column (purchase time, UTC); read it with a csanalysis reader.")


# =========================================================================== purchase index
class _Purchases:
    """Purchases sorted by (customer code, time) for vectorised look-ups.

    ``after(codes, t)`` returns, for each query, the position of the first
    purchase of that customer strictly after ``t`` (or the end of the
    customer's block); ``position - start[code]`` is the number of purchases
    at or before ``t``. Times are replaced by their rank among the distinct
    purchase times, so (customer, rank) packs exactly into one int64 key.
    """

    def __init__(self, codes: np.ndarray, ns: np.ndarray, n_codes: int) -> None:
        order = np.argsort(ns)
        srt = ns[order]
        new = np.ones(srt.size, dtype=bool)
        new[1:] = srt[1:] != srt[:-1]
        inv = np.empty(srt.size, dtype=np.int64)
        inv[order] = np.cumsum(new) - 1
        uniq = srt[new]
        self.uniq = uniq
        self.mult = np.int64(uniq.size + 1)
        if (n_codes + 1) * float(self.mult) >= 2.0**62:
            raise ValueError("too many customers x distinct purchase times to index (over 2^62).")
        key = codes.astype(np.int64) * self.mult + inv.astype(np.int64).ravel()
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.at = ns[order]
        self.start = np.searchsorted(self.key, np.arange(n_codes + 1, dtype=np.int64) * self.mult)

    def after(self, codes: np.ndarray, t: np.ndarray) -> np.ndarray:
        r = _search(self.uniq, t, "right").astype(np.int64)
        return _search(self.key, codes.astype(np.int64) * self.mult + r, "left")

    def follow(self, codes: np.ndarray, t: np.ndarray, as_of: int) -> dict[str, np.ndarray]:
        """Next purchase after ``t`` (censored at ``as_of``) and the history up to ``t``."""
        pos = self.after(codes, t)
        st = self.start[codes]
        en = self.start[codes + 1]
        n_prior = pos - st
        if self.at.size:
            nxt = self.at[np.minimum(pos, self.at.size - 1)]
            last = self.at[np.maximum(pos - 1, 0)]
        else:  # no purchases at all (index_durations of a partition without any): all censored
            nxt = last = np.zeros(pos.size, dtype=np.int64)
        event = (pos < en) & (nxt <= as_of)
        dur = np.where(event, nxt - t, as_of - t) / _DAY_NS
        return {
            "pos": pos,
            "n_prior": n_prior,
            "last": np.where(n_prior > 0, last, _NAT),
            "event": event,
            "duration": dur.astype(float),
            "followup": ((as_of - t) / _DAY_NS).astype(float),
        }


def _first_per_code(codes: np.ndarray, ns: np.ndarray) -> np.ndarray:
    """Row index of each code's earliest row (the first such row on ties)."""
    if codes.size == 0:
        return np.array([], dtype=np.int64)
    return pd.Series(ns).groupby(codes, sort=False).idxmin().to_numpy(dtype=np.int64)


# =========================================================================== index episodes
@dataclass
class _Episodes:
    """Customer codes, the purchase index and the bad / good index episodes with their follow-up."""

    counts: dict[str, Any]
    labels: pd.Index
    n_codes: int
    n_act: int
    e_codes: np.ndarray
    e_ns: np.ndarray
    as_of_ns: int
    pur: _Purchases
    b_codes: np.ndarray
    b_t: np.ndarray
    b_first: np.ndarray
    bad: dict[str, np.ndarray]
    g_codes: np.ndarray
    g_t: np.ndarray
    good: dict[str, np.ndarray]


def _index_episodes(experiences: pd.DataFrame, activity: pd.DataFrame, *, as_of: Any, index: str,
                    require_purchases: bool = True) -> _Episodes:
    """The index episodes of :func:`avoidance` (and :func:`index_durations`): the one construction."""
    # ------------------------------------------------------------------ codes and times
    counts: dict[str, Any] = {}
    a_cust = activity["customer"]
    a_ns = _ns(activity["at"], "activity['at']")
    a_ok = a_cust.notna().to_numpy() & (a_ns != _NAT)
    counts["activity_rows"] = len(activity)
    counts["activity_rows_dropped"] = int((~a_ok).sum())
    if not a_ok.any() and (require_purchases or as_of is None):
        raise ValueError("activity has no row with both a customer and a purchase time; nothing to follow.")
    a_str = a_cust[a_ok].astype("str")
    a_ns = a_ns[a_ok]

    e_cust = experiences["customer"]
    e_ns = _ns(experiences["at"], "experiences['at']")
    e_ok = e_cust.notna().to_numpy() & (e_ns != _NAT)
    counts["experience_rows"] = len(experiences)
    counts["experience_rows_dropped"] = int((~e_ok).sum())
    e_bad = _flag(experiences["bad"], "experiences['bad']")[e_ok]
    e_good = _flag(experiences["good"], "experiences['good']")[e_ok]
    e_rated = _flag(experiences["rated"], "experiences['rated']")[e_ok]
    e_ns = e_ns[e_ok]
    e_str = e_cust[e_ok].astype("str")
    # one factorisation: purchasers first (codes 0 .. n_act - 1), then contact-only customers
    all_codes, uniques = pd.factorize(pd.concat([a_str, e_str], ignore_index=True))
    a_codes = all_codes[: a_str.size].astype(np.int64)
    e_codes = all_codes[a_str.size:].astype(np.int64)
    n_act = int(a_codes.max()) + 1 if a_codes.size else 0
    labels = pd.Index(uniques)
    n_codes = len(labels)
    counts["customers_with_purchases"] = int(n_act)
    counts["contact_customers_without_purchases"] = int(n_codes - n_act)

    as_of_ns = int(a_ns.max()) if as_of is None else _timestamp(as_of, "as_of")
    pur = _Purchases(a_codes, a_ns, n_codes)

    # ------------------------------------------------------------------ index episodes
    if index == "first":
        b_rows = np.nonzero(e_bad)[0][_first_per_code(e_codes[e_bad], e_ns[e_bad])]
    else:
        bad_frame = pd.DataFrame({"c": e_codes[e_bad], "t": e_ns[e_bad]}).drop_duplicates()
        b_rows = np.nonzero(e_bad)[0][bad_frame.index.to_numpy()]
    b_rows = b_rows[np.lexsort((e_ns[b_rows], e_codes[b_rows]))]
    late = e_ns[b_rows] > as_of_ns
    counts["bad_index_after_as_of"] = int(late.sum())
    b_rows = b_rows[~late]
    b_codes, b_t = e_codes[b_rows], e_ns[b_rows]
    b_first = np.ones(b_codes.size, dtype=bool)
    b_first[1:] = b_codes[1:] != b_codes[:-1]

    r_idx = np.nonzero(e_rated)[0]
    g_rows = r_idx[_first_per_code(e_codes[r_idx], e_ns[r_idx])]
    g_rows = g_rows[e_good[g_rows]]
    late_g = e_ns[g_rows] > as_of_ns
    counts["good_index_after_as_of"] = int(late_g.sum())
    g_rows = g_rows[~late_g]
    g_codes, g_t = e_codes[g_rows], e_ns[g_rows]

    return _Episodes(
        counts=counts, labels=labels, n_codes=n_codes, n_act=n_act, e_codes=e_codes, e_ns=e_ns,
        as_of_ns=as_of_ns, pur=pur, b_codes=b_codes, b_t=b_t, b_first=b_first,
        bad=pur.follow(b_codes, b_t, as_of_ns), g_codes=g_codes, g_t=g_t, good=pur.follow(g_codes, g_t, as_of_ns))


def index_durations(
    experiences: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    as_of: Any = None,
    which: Literal["bad", "good"] = "bad",
    index: Literal["first", "every"] = "first",
) -> pd.DataFrame:
    """Days from each index experience to the next purchase: the data of the avoidance curves.

    The one construction behind the Kaplan-Meier figures of :func:`avoidance`
    (``avoid_2y_after_bad`` for ``which="bad"``, ``avoid_2y_after_good`` for
    ``which="good"``): the same index dates, eligibility and censoring at
    ``as_of``. Each customer's rows depend on that customer's experiences and
    purchases only, so the table can be built per partition of customers
    (see :mod:`csanalysis.partition`).

    Parameters
    ----------
    experiences : DataFrame
        One row per service contact with ``customer``, ``at``, ``bad``,
        ``good``, ``rated``, as :func:`csanalysis.experiences.experiences`
        returns.
    activity : DataFrame
        Purchases with ``customer`` and ``at``.
    as_of : timestamp, optional
        End of follow-up. Default: the last purchase in ``activity``. Give it
        explicitly when processing a part of the customers, so that every
        part is censored at the same date.
    which : {"bad", "good"}, default "bad"
        ``"bad"``: the customer's first bad experience (every one with
        ``index="every"``). ``"good"``: the first *rated* experience, when it
        was good.
    index : {"first", "every"}, default "first"
        As in :func:`avoidance` (``which="bad"`` only).

    Returns
    -------
    DataFrame
        One row per index episode on or before ``as_of``: ``customer``
        (str), ``index_at`` (UTC), ``duration`` (days to the next purchase
        strictly after the index, or to ``as_of`` when none came),
        ``event`` (a purchase was seen), ``followup`` (days from the index to
        ``as_of``). Rows of one customer are together, in time order.

    Examples
    --------
    >>> exp = pd.DataFrame({"customer": ["a", "a", "b"],
    ...     "at": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-03-01"], utc=True),
    ...     "bad": [True, True, False], "good": [False, False, True], "rated": [True, True, True]})
    >>> act = pd.DataFrame({"customer": ["a", "a", "b"],
    ...     "at": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-01"], utc=True)})
    >>> index_durations(exp, act, as_of="2024-12-31")[["customer", "duration", "event"]]
      customer  duration  event
    0        a      10.0   True
    >>> index_durations(exp, act, as_of="2024-12-31", which="good")[["customer", "duration", "event"]]
      customer  duration  event
    0        b     305.0  False
    """
    _check_inputs(experiences, activity)
    if which not in ("bad", "good"):
        raise ValueError(f"which must be 'bad' or 'good', got {which!r}.")
    if index not in ("first", "every"):
        raise ValueError(f"index must be 'first' or 'every', got {index!r}.")
    ep = _index_episodes(experiences, activity, as_of=as_of, index=index, require_purchases=False)
    codes, t, fol = (ep.b_codes, ep.b_t, ep.bad) if which == "bad" else (ep.g_codes, ep.g_t, ep.good)
    return pd.DataFrame({
        "customer": pd.Series(ep.labels.take(codes).to_numpy(), dtype="str"),
        "index_at": pd.to_datetime(t, unit="ns", utc=True),
        "duration": fol["duration"],
        "event": fol["event"],
        "followup": fol["followup"],
    })


# =========================================================================== pieces of the estimate
def _row(figure: str, group: str, est: float = np.nan, lo: float = np.nan, hi: float = np.nan, *,
         n: Any = None, n_events: Any = None, n_followed: Any = None, method: str = "", note: str = "") -> dict:
    return {
        "figure": figure, "group": group, "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
        "n": n, "n_events": n_events, "n_followed_window": n_followed, "method": method, "note": note,
    }


def _boot_durations(d: np.ndarray, window: float) -> np.ndarray:
    step = window / _BOOT_STEPS
    return np.round(d / step) * step


def _search(a: np.ndarray, v: np.ndarray, side: Literal["left", "right"]) -> np.ndarray:
    """``np.searchsorted`` that sorts large needle arrays first (much faster on big haystacks)."""
    if v.size < 50_000 or bool(np.all(v[1:] >= v[:-1])):
        return np.searchsorted(a, v, side=side)
    order = np.argsort(v, kind="stable")
    out = np.empty(v.size, dtype=np.int64)
    out[order] = np.searchsorted(a, v[order], side=side)
    return out


def _greenwood_var(km: KaplanMeierResult, t: float) -> float:
    tl = km.timeline
    keep = tl["time"].to_numpy() <= t
    n = tl["at_risk"].to_numpy(dtype=float)[keep]
    d = tl["events"].to_numpy(dtype=float)[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(n > d, d / (n * (n - d)), 0.0)
    return float(inc.sum())


def _median_intervals(pur: _Purchases, codes: np.ndarray, pos: np.ndarray, n_prior: np.ndarray,
                      min_prior: int) -> np.ndarray:
    """Median interval (days) between each episode's purchases up to the index; NaN when too few."""
    out = np.full(codes.size, np.nan)
    use = np.nonzero(n_prior >= min_prior)[0]
    if use.size == 0:
        return out
    lengths = (n_prior[use] - 1).astype(np.int64)
    # bounded chunks of episodes so the flattened interval arrays stay small
    cum = np.cumsum(lengths)
    bounds = np.searchsorted(cum, np.arange(0, cum[-1], 5_000_000), side="right")
    bounds = np.unique(np.concatenate([[0], bounds, [use.size]]))
    for a, b in itertools.pairwise(bounds):
        L = lengths[a:b]
        first_row = pur.start[codes[use[a:b]]] + 1  # interval of row j is at[j] - at[j-1]
        total = int(L.sum())
        gid = np.repeat(np.arange(L.size), L)
        offs = np.cumsum(L) - L
        rows = np.arange(total) - np.repeat(offs, L) + np.repeat(first_row, L)
        gaps = (pur.at[rows] - pur.at[rows - 1]) / _DAY_NS
        srt = gaps[np.lexsort((gaps, gid))]
        lo = srt[offs + (L - 1) // 2]
        hi = srt[offs + L // 2]
        out[use[a:b]] = (lo + hi) / 2.0
    return out


def _changed_share(dur: np.ndarray, followup: np.ndarray, threshold: np.ndarray, clusters: np.ndarray,
                   window: float, n_resamples: int, rng: np.random.Generator, confidence: float) -> dict:
    """P(gap > window | gap > threshold) by inverse probability of censoring weighting."""
    n = dur.size
    out = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0, "n_followed": 0,
           "share_changed": np.nan, "reason": None}
    if n == 0:
        out["reason"] = "no bad experience on or before as_of"
        return out
    # strata of the threshold: the floor, then deciles of the customer-specific thresholds
    floor = threshold.min()
    own = threshold > floor
    cuts = _cuts(threshold[own])
    stratum = np.where(own, 1 + np.searchsorted(cuts, threshold, side="right"), 0)
    # K(t | stratum) = share of the stratum's episodes followed beyond t; one sorted key packs all strata
    span = float(followup.max()) + 1.0
    key = np.sort(stratum * span + followup)
    size = np.bincount(stratum, minlength=stratum.max() + 1).astype(float)
    lo_pos = np.searchsorted(key, stratum * span, side="left")

    def K(t: np.ndarray) -> np.ndarray:
        at_or_below = np.searchsorted(key, stratum * span + np.minimum(t, span - 0.5), side="right") - lo_pos
        return 1.0 - at_or_below / size[stratum]

    m = np.maximum(window, threshold)
    den_i = dur > threshold  # gap beyond the threshold observed (implies followed beyond it)
    num_i = dur > m
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.where(den_i, 1.0 / K(threshold), 0.0)
        num = np.where(num_i, 1.0 / K(m), 0.0)
    out["n"] = int(den_i.sum())
    out["n_followed"] = int((den_i & (followup > m)).sum())
    out["share_changed"] = float(den.sum() / n)
    if den.sum() == 0:
        out["reason"] = ("no bad-experience customer was seen without a purchase beyond the expected cycle "
                         "(nobody's buying changed, or nobody was followed that long)")
        return out
    if not (followup > window).any():
        out["reason"] = (f"no bad-experience customer was followed for more than {window:g} days "
                         f"(longest follow-up: {followup.max():.0f} days); the figure is not estimable")
        return out
    out["estimate"] = float(num.sum() / den.sum())
    keep = den > 0
    codes, _ = pd.factorize(pd.Series(clusters[keep]))
    a = np.bincount(codes, weights=num[keep])
    b = np.bincount(codes, weights=den[keep])
    k = a.size
    if k > _CHANGED_BOOT_MAX_CLUSTERS:
        # linearised cluster-robust variance of a ratio of sums
        R = out["estimate"]
        se = math.sqrt(float(np.sum((a - R * b) ** 2))) / float(b.sum())
        z = float(stats.norm.ppf(0.5 + confidence / 2.0))
        out["ci_low"], out["ci_high"] = max(R - z * se, 0.0), min(R + z * se, 1.0)
        out["interval"] = "linearised cluster variance (many customers)"
        return out
    rows = max(1, min(n_resamples, 2_000_000 // max(k, 1)))
    ratios = np.empty(n_resamples)
    for s in range(0, n_resamples, rows):
        r = min(rows, n_resamples - s)
        W = rng.poisson(1.0, size=(r, k)).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios[s:s + r] = (W @ a) / (W @ b)
    out["ci_low"], out["ci_high"] = percentile_interval(ratios, confidence)
    out["interval"] = "Poisson bootstrap over customers (censoring weights held fixed)"
    return out


def _cuts(values: np.ndarray, k: int = 10) -> np.ndarray:
    """Distinct inner quantile cut points (deciles for k = 10); ties merge bins."""
    if values.size == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.arange(1, k) / k))


#: Matching features and the number of quantile bins of each.
_MATCH_FEATURES: tuple[tuple[str, int], ...] = (("recency", 10), ("frequency", 10), ("tenure", 5))


def _features(pur: _Purchases, codes: np.ndarray, t: np.ndarray, pos: np.ndarray) -> dict[str, np.ndarray]:
    """Recency (days since the last purchase), frequency (purchases so far), tenure (days since the first)."""
    st = pur.start[codes]
    n = pos - st
    ok = n > 0
    last = pur.at[np.maximum(pos - 1, 0)] if pur.at.size else np.zeros(pos.size, dtype=np.int64)
    first = pur.at[np.minimum(st, max(pur.at.size - 1, 0))] if pur.at.size else last
    return {
        "recency": np.where(ok, (t - last) / _DAY_NS, np.nan),
        "frequency": n.astype(float),
        "tenure": np.where(ok, (t - first) / _DAY_NS, np.nan),
    }


def _match_controls(pur: _Purchases, codes: np.ndarray, t: np.ndarray, pos: np.ndarray,
                    pool: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """One no-contact control per index episode: same day, same cell of recency x frequency x tenure bins.

    Episodes without a control in their cell get a second chance in the coarser recency x frequency cell.
    """
    E = t.size
    ctrl = np.full(E, -1, dtype=np.int64)
    feats = _features(pur, codes, t, pos)
    elig = feats["frequency"] > 0
    cuts = {f: _cuts(feats[f][elig], k) for f, k in _MATCH_FEATURES}
    info: dict[str, Any] = {
        "n_index": int(E), "n_no_prior_purchase": int((~elig).sum()), "n_pool": int(pool.size),
        "cuts": {f"{f}_{'days' if f != 'frequency' else 'purchases'}": cuts[f].tolist() for f, _ in _MATCH_FEATURES}}
    if E == 0 or pool.size == 0 or not elig.any():
        info.update(n_matched=0, n_matched_coarse=0, n_no_control=int(elig.sum()), candidates_per_day=0)
        return ctrl, info
    S = 0
    n_fine = 0
    for level, names in enumerate((("recency", "frequency", "tenure"), ("recency", "frequency"))):
        todo = elig & (ctrl < 0)
        if not todo.any():
            break
        S = _match_level(pur, feats, t, todo, pool, rng, {f: cuts[f] for f in names}, ctrl)
        if level == 0:
            n_fine = int((ctrl >= 0).sum())
    matched = ctrl >= 0
    info.update(n_matched=int(matched.sum()), n_matched_coarse=int(matched.sum()) - n_fine,
                n_no_control=int((elig & ~matched).sum()), candidates_per_day=int(S))
    return ctrl, info


def _match_level(pur: _Purchases, feats: dict[str, np.ndarray], t: np.ndarray, todo: np.ndarray,
                 pool: np.ndarray, rng: np.random.Generator, cuts: dict[str, np.ndarray],
                 ctrl: np.ndarray) -> int:
    """Fill ``ctrl`` for the ``todo`` episodes from per-day candidate pools, cells given by ``cuts``."""
    names = list(cuts)
    sizes = [cuts[f].size + 1 for f in names]
    ncell = int(np.prod(sizes))

    def cell(fe: dict[str, np.ndarray]) -> np.ndarray:
        c = np.zeros(fe["frequency"].size, dtype=np.int64)
        for f, size in zip(names, sizes):
            c = c * size + np.searchsorted(cuts[f], fe[f], side="right")
        return c

    E = t.size
    bad_cell = cell(feats)
    day = np.floor_divide(t, _DAY_NS)
    days, day_idx = np.unique(day, return_inverse=True)
    u = rng.random(E)
    order = np.nonzero(todo)[0]
    order = order[np.argsort(day_idx[order], kind="stable")]
    sorted_days = day_idx[order]
    days_with_work = np.unique(sorted_days)
    per_day = max(_MATCH_MIN_PER_DAY, _MATCH_MAX_QUERIES // max(days_with_work.size, 1))
    full = pool.size <= per_day
    S = pool.size if full else per_day
    days_per_chunk = max(1, _MATCH_CHUNK // S)
    for c0 in range(0, days_with_work.size, days_per_chunk):
        chunk_days = days_with_work[c0:c0 + days_per_chunk]
        d0, d1 = int(chunk_days[0]), int(chunk_days[-1]) + 1
        k = chunk_days.size
        cand = np.tile(pool, k) if full else pool[rng.integers(0, pool.size, size=k * S)]
        cday = np.repeat(chunk_days.astype(np.int64), S)
        tq = days[cday] * _DAY_NS
        cpos = pur.after(cand, tq)
        cf = _features(pur, cand, tq, cpos)
        ok = cf["frequency"] > 0
        key = cday[ok] * ncell + cell({f: v[ok] for f, v in cf.items()})
        srt = np.argsort(key, kind="stable")
        key, cand_ok = key[srt], cand[ok][srt]
        a, b = np.searchsorted(sorted_days, [d0, d1])
        sel = order[a:b]
        q = day_idx[sel].astype(np.int64) * ncell + bad_cell[sel]
        lo = np.searchsorted(key, q, side="left")
        hi = np.searchsorted(key, q, side="right")
        has = hi > lo
        pick = lo + np.floor(u[sel] * (hi - lo)).astype(np.int64)
        ctrl[sel[has]] = cand_ok[pick[has]]
    return S


def _matching_method(info: dict, index: str) -> str:
    pool = ("every no-contact customer" if info.get("candidates_per_day", 0) >= info.get("n_pool", 0)
            else f"{info.get('candidates_per_day', 0):,} no-contact customers drawn at random per day")
    return (
        "matched no-contact baseline: each bad-experience index is matched to one customer without any "
        "service contact (on or before as_of), drawn at random among those with a purchase before the index "
        "day and in the same cell of recency deciles (days since the last purchase) x frequency deciles "
        "(purchases so far) x tenure quintiles (days since the first purchase), bins from the bad-experience "
        f"customers' values at their index dates; the candidates ({pool}) are evaluated, and the control's "
        "clock starts, at 00:00 UTC of the bad customer's index day (approximation: up to one day earlier than "
        "the bad customer's own clock); index dates without a control in their cell are matched in the "
        "coarser recency x frequency cell; controls are drawn with replacement"
        + ("" if index == "first" else "; one control per bad experience")
    )


# =========================================================================== result
@dataclass(repr=False)
class AvoidanceResult(Result):
    """Result of :func:`avoidance`.

    Attributes
    ----------
    figures : DataFrame
        The tidy table :meth:`summary` returns: one row per figure id (see
        :data:`FIGURE_IDS`) with ``group``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n``, ``n_events``, ``n_followed_window``, ``method``,
        ``note`` (why a figure is missing, and caveats). The cited survey
        figures are in the registry (:mod:`csanalysis.registry`), not here.
    curves : dict
        Kaplan-Meier results (:class:`csanalysis.stats.survival.KaplanMeierResult`)
        of time to the next purchase for ``"bad"``, ``"good"`` and
        ``"baseline"`` (``None`` when the group is empty).
    logrank : dict
        :class:`csanalysis.stats.survival.LogRankResult` for
        ``"bad_vs_baseline"`` and ``"bad_vs_good"`` (``None`` when a group is
        empty).
    episodes : DataFrame
        One row per index episode: ``group`` (bad / good / baseline),
        ``customer``, ``index_at``, ``duration_days``, ``event`` (a purchase
        was seen), ``followup_days`` (days from the index to ``as_of``),
        ``prior_purchases``, ``threshold_days`` (bad: the "changed" threshold),
        ``matched_to`` (baseline: the bad-experience customer), ``first``
        (the customer's first bad experience).
    window : float
        Days.
    as_of : Timestamp
        End of follow-up.
    index, baseline : str
        The options used.
    confidence : float
    counts : dict
        Rows dropped and why, index dates after ``as_of``, pool sizes.
    matching : dict
        How the baseline was matched, and how many found a control.
    changed_rule : ChangedRule
    """

    figures: pd.DataFrame
    curves: dict[str, KaplanMeierResult | None]
    logrank: dict[str, LogRankResult | None]
    episodes: pd.DataFrame
    window: float
    as_of: pd.Timestamp
    index: str
    baseline: str
    confidence: float
    counts: dict[str, Any] = field(default_factory=dict)
    matching: dict[str, Any] = field(default_factory=dict)
    changed_rule: ChangedRule = field(default_factory=ChangedRule)

    title = "Avoidance after a bad service experience"

    def summary(self) -> pd.DataFrame:
        """One tidy row per figure (see :data:`FIGURE_IDS`)."""
        return self.figures.copy()

    def figure(self, figure_id: str) -> dict[str, Any]:
        """One figure as a JSON-ready dict.

        Examples
        --------
        >>> exp, act, truth = simulate_avoidance_scenario(600, seed=1)
        >>> res = avoidance(exp, act, baseline="none", n_resamples=50)
        >>> sorted(res.figure("avoid_2y_after_bad"))[:3]
        ['ci_high', 'ci_low', 'estimate']
        """
        rows = self.figures[self.figures["figure"] == figure_id]
        if rows.empty:
            raise ValueError(f"unknown figure id {figure_id!r}; expected one of {', '.join(FIGURE_IDS)}.")
        return jsonable(rows.iloc[0].to_dict())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None); the episodes table is left out."""
        return jsonable({
            "title": self.title,
            "window": self.window,
            "as_of": self.as_of,
            "index": self.index,
            "baseline": self.baseline,
            "confidence": self.confidence,
            "summary": frame_records(self.figures),
            "logrank": {k: (None if v is None else v.to_dict()) for k, v in self.logrank.items()},
            "counts": self.counts,
            "matching": self.matching,
            "changed_rule": asdict(self.changed_rule) | {"description": self.changed_rule.describe()},
        })

    def __repr__(self) -> str:
        lines = [f"AvoidanceResult(window={self.window:g} days, as_of={self.as_of.date()}, index={self.index!r})"]
        for r in self.figures.itertuples():
            est = "missing" if not np.isfinite(r.estimate) else f"{r.estimate:.3f}"
            ci = "" if not np.isfinite(r.ci_low) else f" [{r.ci_low:.3f}, {r.ci_high:.3f}]"
            lines.append(f"  {r.figure:<28} {est}{ci}")
        return "\n".join(lines)

    def footnote(self) -> str:
        """Window, end of follow-up, index and baseline."""
        return (f"Window {self.window:g} days; follow-up to {self.as_of.date()}; index = {self.index}; "
                f"baseline = {self.baseline}.")

    def censoring_trap(self, truth: float | None = None) -> pd.DataFrame:
        """The naive count next to the Kaplan-Meier estimate, to show what censoring does.

        Parameters
        ----------
        truth : float, optional
            The true share, where it is known (simulated data with a full future).

        Returns
        -------
        DataFrame
            Rows ``naive count``, ``Kaplan-Meier``; columns ``estimate``,
            ``ci_low``, ``ci_high``; plus the share of bad-experience customers
            followed for less than the window and ``truth``, as attributes of
            the frame (``.attrs``).

        Examples
        --------
        >>> exp, act, truth = simulate_avoidance_scenario(600, seed=1)
        >>> res = avoidance(exp, act, baseline="none", n_resamples=50)
        >>> list(res.censoring_trap(truth["avoid_2y_after_bad"]).index)
        ['naive count', 'Kaplan-Meier']
        """
        km, naive = self.figure("avoid_2y_after_bad"), self.figure("naive_avoid_2y_after_bad")
        bad = self.episodes[(self.episodes["group"] == "bad") & self.episodes["first"].astype(bool)]
        out = pd.DataFrame(
            {"estimate": [naive["estimate"], km["estimate"]], "ci_low": [np.nan, km["ci_low"]],
             "ci_high": [np.nan, km["ci_high"]]},
            index=["naive count", "Kaplan-Meier"], dtype="float64")
        out.attrs["followed_less_than_window"] = (
            float((bad["followup_days"] < self.window).mean()) if len(bad) else np.nan)
        out.attrs["truth"] = np.nan if truth is None else float(truth)
        out.attrs["window"] = self.window
        return out

    def plot_censoring_trap(self, ax: Any = None, truth: float | None = None) -> Any:
        """The naive count next to the Kaplan-Meier estimate (see :func:`csanalysis.plotting.plot_censoring_trap`)."""
        from csanalysis.plotting.avoidance import plot_censoring_trap
        return plot_censoring_trap(self, ax=ax, truth=truth)

    def plot(self, ax: Any = None) -> Any:
        """Kaplan-Meier curves for bad / good / baseline (see :func:`csanalysis.plotting.plot_avoidance`)."""
        from csanalysis.plotting.avoidance import plot_avoidance
        return plot_avoidance(self, ax=ax)


# =========================================================================== main
def avoidance(
    experiences: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    window: float = 730,
    as_of: Any = None,
    index: Literal["first", "every"] = "first",
    baseline: Literal["matched", "none"] = "matched",
    changed_rule: ChangedRule | Mapping[str, Any] | None = None,
    n_resamples: int = 1000,
    seed: int | np.random.Generator | None = 0,
    confidence: float = 0.95,
) -> AvoidanceResult:
    """How many customers avoid the company after a bad experience, and for how long.

    Parameters
    ----------
    experiences : DataFrame
        One row per service contact with ``customer`` (str), ``at`` (UTC
        timestamp), ``bad``, ``good`` and ``rated`` (bool), as
        :func:`csanalysis.experiences.experiences` returns.
    activity : DataFrame
        Purchases (canonical activity table) with ``customer`` and ``at``; one
        row per order. Link it with :func:`csanalysis.link.link_customers`.
    window : float, default 730
        Days without a purchase that count as avoidance.
    as_of : timestamp, optional
        End of follow-up (extraction date). Default: the last purchase in
        ``activity``. Purchases after it are ignored; index dates after it are
        dropped and counted.
    index : {"first", "every"}, default "first"
        ``"first"``: each customer's first bad experience starts the clock.
        ``"every"``: every bad experience does (a sensitivity check); intervals
        then come from a bootstrap over customers.
    baseline : {"matched", "none"}, default "matched"
        Compare with matched customers without any service contact, or not.
    changed_rule : ChangedRule or dict, optional
        When buying counts as changed (default :class:`ChangedRule`).
    n_resamples : int, default 1000
        Bootstrap resamples (excess avoidance, changed share, ``index="every"``).
    seed : int, Generator or None, default 0
        Seed of the matching draws and of the bootstraps.
    confidence : float, default 0.95

    Returns
    -------
    AvoidanceResult
        ``.summary()`` has one row per figure id of :data:`FIGURE_IDS`.

    Notes
    -----
    *Outcome.* Days from the index experience to the customer's next purchase
    strictly after it. Without one (up to ``as_of``) the customer is censored
    at ``as_of``. ``avoid_2y_after_bad`` is the Kaplan-Meier ``S(window)``,
    the estimated share with no purchase in ``(index, index + window]``, with
    the log(-log) Greenwood interval. When nobody was followed for ``window``
    days the figure is missing, with the reason in ``note`` (the last step of
    the curve is never carried forward). ``naive_avoid_2y_after_bad`` counts
    customers without an observed purchase within the window, whatever their
    follow-up; it is biased upwards by censoring and shown only as a contrast.

    *Good experiences.* Customers whose first *rated* experience was good,
    indexed there; later experiences (good or bad) do not censor them.

    *Baseline.* Customers without any service contact on or before
    ``as_of``. For each bad-experience index date, candidates (every such
    customer, or a random sample of them per index day when there are many,
    bounding the work at about three million look-ups) are described at
    00:00 UTC of the index day by recency (days since the last purchase),
    frequency (purchases so far) and tenure (days since the first purchase);
    one control is drawn at random among the candidates in the same cell of
    recency deciles x frequency deciles x tenure quintiles (bins from the
    bad-experience customers' values at their index dates), with
    replacement. Index dates without a control in that cell are matched in
    the coarser recency x frequency cell. The control's clock starts at
    00:00 UTC of the index day, so its features and its outcome are split at
    the same moment (approximation: at most one day earlier than the bad
    customer's own clock). Bad-experience customers without a purchase
    before their index (no recency) or without any control are left out of
    the comparison and counted in ``matching``. Matching on coarse bins
    leaves some residual confounding when the two groups' buying cycles
    differ a lot. ``excess_avoidance`` is ``S_bad(window) -
    S_baseline(window)`` over the matched bad-experience index dates, with
    a percentile bootstrap interval
    (:func:`~csanalysis.stats.survival.km_difference_ci`; groups resampled
    independently, which ignores the positive correlation the matching
    creates and so errs on the wide side). Bootstraps run on durations
    rounded to ``window / 2048`` days (about nine hours for two years) to
    bound their cost; point estimates use the exact durations.

    *Changed buying.* Buying changed when the gap exceeds the customer's own
    threshold ``h`` (see :class:`ChangedRule`). ``avoid_2y_after_bad_changed``
    is ``P(gap > window | gap > h)``. Thresholds differ per customer, so one
    Kaplan-Meier curve does not give it; it is estimated by inverse
    probability of censoring weighting with the known administrative
    follow-up ``C`` (days from the index to ``as_of``): with ``K(t)`` the
    share of index dates in the same threshold stratum (the floor, then
    deciles of the customer-specific thresholds) with ``C > t``, the estimate
    is ``sum 1[gap > max(window, h)] / K(max(window, h))`` over
    ``sum 1[gap > h] / K(h)``. Like Kaplan-Meier it assumes that follow-up is
    unrelated to the gap (here: within threshold strata, since a long history
    both sets the threshold and goes with early index dates). Interval:
    Poisson bootstrap over customers with ``K`` held fixed (linearised
    cluster variance of the ratio above 50,000 contributing customers).

    *Split.* ``1 - S(365)``, ``S(365) - S(730)``, ``S(730)`` of the
    bad-experience curve (fixed at the survey's bins whatever ``window``);
    the middle interval uses the delta method with the Greenwood covariance.

    *index="every".* Every bad experience is an episode; the ``S(window)``
    intervals come from :func:`~csanalysis.stats.survival.cluster_bootstrap_survival_at`
    (customers resampled), the excess interval from the difference of the
    two cluster bootstraps. Log-rank tests always use one episode per
    customer (the first), since they assume independent subjects. This mode
    costs two or three cluster bootstraps: about a minute at a million
    customers, against about ten seconds for ``index="first"``.

    Examples
    --------
    >>> exp, act, truth = simulate_avoidance_scenario(1500, seed=3)
    >>> res = avoidance(exp, act, n_resamples=200)
    >>> f = res.figure("avoid_2y_after_bad")
    >>> f["ci_low"] < f["estimate"] < f["ci_high"]
    True
    >>> list(res.summary()["figure"][:3])
    ['avoid_2y_after_bad', 'avoid_2y_after_good', 'avoid_2y_baseline']
    """
    _check_inputs(experiences, activity)
    try:
        window = float(window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a number of days, got {window!r}.") from None
    if not (math.isfinite(window) and window > 0):
        raise ValueError(f"window must be a positive number of days, got {window!r}.")
    if index not in ("first", "every"):
        raise ValueError(f"index must be 'first' or 'every', got {index!r}.")
    if baseline not in ("matched", "none"):
        raise ValueError(f"baseline must be 'matched' or 'none', got {baseline!r}.")
    n_resamples = check_resamples(n_resamples)
    confidence = check_confidence(confidence)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    rule = _changed_rule(changed_rule)
    rng = np.random.default_rng(seed)
    rng_match, rng_excess, rng_changed, rng_bad, rng_base = rng.spawn(5)

    # ------------------------------------------------------------------ codes, times and index episodes
    # (the construction index_durations shares: one definition of the durations)
    ep = _index_episodes(experiences, activity, as_of=as_of, index=index)
    counts, labels, n_codes, n_act = ep.counts, ep.labels, ep.n_codes, ep.n_act
    e_codes, e_ns, as_of_ns, pur = ep.e_codes, ep.e_ns, ep.as_of_ns, ep.pur
    as_of_ts = pd.Timestamp(as_of_ns, unit="ns", tz="UTC")
    b_codes, b_t, b_first, bad = ep.b_codes, ep.b_t, ep.b_first, ep.bad
    g_codes, g_t, good = ep.g_codes, ep.g_t, ep.good
    nb, ng = b_codes.size, g_codes.size

    rows: list[dict] = []
    curves: dict[str, KaplanMeierResult | None] = {"bad": None, "good": None, "baseline": None}
    km_method = "Kaplan-Meier S(window) of days to the next purchase, censored at as_of; log(-log) Greenwood interval"
    cl_method = ("Kaplan-Meier S(window) over every bad experience; percentile interval of a cluster (customer) "
                 "Poisson bootstrap")
    no_bad = "no bad experience on or before as_of"

    def km_row(fig: str, group: str, ep: dict, method: str, empty_note: str, extra_note: str = "",
               cluster: np.ndarray | None = None, boot_rng: Any = None) -> tuple[dict, KaplanMeierResult | None, Any]:
        n = ep["duration"].size
        if n == 0:
            return _row(fig, group, n=0, n_events=0, n_followed=0, method=method, note=empty_note), None, None
        km = kaplan_meier(ep["duration"], ep["event"], confidence=confidence)
        s = km.survival_at(window)
        est, lo, hi = s
        cb = None
        if cluster is not None and s.estimable:
            cb = cluster_bootstrap_survival_at(_boot_durations(ep["duration"], window), ep["event"], cluster, window,
                                               n_resamples=n_resamples, seed=boot_rng, confidence=confidence)
            lo, hi = cb.ci_low, cb.ci_high
        note = s.reason or ""
        if extra_note:
            note = f"{note}; {extra_note}" if note else extra_note
        row = _row(fig, group, est, lo, hi, n=int(n), n_events=int(ep["event"].sum()),
                   n_followed=int((ep["followup"] >= window).sum()), method=method, note=note)
        return row, km, cb

    late_note = (f"{counts['bad_index_after_as_of']} index date(s) after as_of dropped"
                 if counts["bad_index_after_as_of"] else "")
    cluster_b = b_codes if index == "every" else None
    r_bad, curves["bad"], cb_bad = km_row(
        "avoid_2y_after_bad", "bad experience", bad, cl_method if index == "every" else km_method, no_bad,
        late_note, cluster_b, rng_bad)
    rows.append(r_bad)
    r_good, curves["good"], _ = km_row(
        "avoid_2y_after_good", "good experience (first rated)", good, km_method,
        "no customer whose first rated experience was good, on or before as_of",
        "first rated experience good; not censored at later experiences")
    rows.append(r_good)

    # ------------------------------------------------------------------ matched baseline
    matching: dict[str, Any] = {}
    ctrl = np.full(nb, -1, dtype=np.int64)
    base = None
    if baseline == "matched":
        contact = np.zeros(n_codes, dtype=bool)
        contact[e_codes[e_ns <= as_of_ns]] = True
        pool = np.nonzero(~contact[:n_act])[0].astype(np.int64)
        ctrl, matching = _match_controls(pur, b_codes, b_t, bad["pos"], pool, rng_match)
        matching["method"] = _matching_method(matching, index)
        has = ctrl >= 0
        # the controls' features and clock both start at 00:00 UTC of the bad customer's index day
        b_day = np.floor_divide(b_t, _DAY_NS) * _DAY_NS
        base = pur.follow(ctrl[has], b_day[has], as_of_ns)
        unmatched = nb - int(has.sum())
        b_note = (f"{matching['n_matched']} of {nb} bad-experience index dates matched; "
                  f"{matching['n_no_prior_purchase']} without a purchase before the index, "
                  f"{matching['n_no_control']} without a control in their cell" if unmatched else
                  f"all {nb} bad-experience index dates matched")
        r_base, curves["baseline"], cb_base = km_row(
            "avoid_2y_baseline", "matched customers without contact", base,
            (cl_method.replace("every bad experience", "the matched controls") if index == "every" else km_method)
            + "; matching: same day, recency x frequency x tenure cell",
            (no_bad if not nb else "no customer without a service contact to match" if not matching["n_pool"]
             else "no bad-experience index date found a matched control"), b_note,
            labels.take(ctrl[has]).to_numpy() if index == "every" else None, rng_base)
        rows.append(r_base)
        # excess over the matched bad-experience index dates
        d1, e1 = bad["duration"][has], bad["event"][has]
        d2, e2 = base["duration"], base["event"]
        ex_method = ("S_bad(window) - S_baseline(window) over the matched bad-experience index dates; "
                     "percentile bootstrap, groups resampled independently")
        if has.sum() == 0:
            rows.append(_row("excess_avoidance", "bad - matched baseline", n=0, method=ex_method,
                             note="no matched pair"))
        else:
            s1 = kaplan_meier(d1, e1).survival_at(window)
            s2 = kaplan_meier(d2, e2).survival_at(window)
            diff, lo, hi = s1.survival - s2.survival, np.nan, np.nan
            note = s1.reason or s2.reason or ""
            if not note:
                if index == "first":
                    _, lo, hi = km_difference_ci(_boot_durations(d1, window), e1, _boot_durations(d2, window), e2, window,
                                                 n_resamples=n_resamples, seed=rng_excess, confidence=confidence)
                else:
                    ex_method = ex_method.replace("groups resampled independently",
                                                  "difference of the two cluster bootstraps (customers)")
                    if has.all() and cb_bad is not None:  # the matched episodes are all episodes
                        boot_bad = cb_bad.resamples
                    else:
                        boot_bad = cluster_bootstrap_survival_at(
                            _boot_durations(d1, window), e1, b_codes[has], window, n_resamples=n_resamples,
                            seed=rng_excess, confidence=confidence).resamples
                    lo, hi = percentile_interval(boot_bad - cb_base.resamples, confidence)
            if unmatched and not note:
                note = f"over the {int(has.sum())} matched of {nb} bad-experience index dates"
            rows.append(_row("excess_avoidance", "bad - matched baseline", diff, lo, hi, n=int(has.sum()),
                             n_events=int(e1.sum()), n_followed=int((bad["followup"][has] >= window).sum()),
                             method=ex_method, note=note))
    else:
        for fig, group in (("avoid_2y_baseline", "matched customers without contact"),
                           ("excess_avoidance", "bad - matched baseline")):
            rows.append(_row(fig, group, method="not computed", note="baseline='none'"))
        matching = {"method": "baseline='none': no baseline"}

    # ------------------------------------------------------------------ changed buying
    med = _median_intervals(pur, b_codes, bad["pos"], bad["n_prior"], rule.min_prior_purchases)
    thr = np.where(np.isnan(med), rule.floor_days, np.maximum(rule.multiple * med, rule.floor_days))
    ch = _changed_share(bad["duration"], bad["followup"], thr, b_codes, window, n_resamples, rng_changed,
                        confidence)
    ch_note = ch["reason"] or (
        f"buying changed for an estimated {ch['share_changed']:.1%} of bad-experience customers; "
        "closest to the survey's denominator (respondents whose buying was affected)")
    rows.append(_row(
        "avoid_2y_after_bad_changed", "bad experience, buying changed", ch["estimate"], ch["ci_low"],
        ch["ci_high"], n=ch["n"], n_followed=ch["n_followed"],
        method=("P(gap > window | gap > threshold), inverse probability of censoring weighting with the "
                "administrative follow-up within threshold strata; interval: " + ch.get("interval", "-")
                + "; changed: " + rule.describe()),
        note=ch_note))

    # ------------------------------------------------------------------ naive contrast
    if nb:
        naive = 1.0 - float((bad["event"] & (bad["duration"] <= window)).mean())
        rows.append(_row("naive_avoid_2y_after_bad", "bad experience", naive, n=nb,
                         n_events=int((bad["event"] & (bad["duration"] <= window)).sum()),
                         n_followed=int((bad["followup"] >= window).sum()),
                         method="naive count: no purchase observed within the window, whatever the follow-up",
                         note="naive, biased by censoring: customers followed for less than the window count "
                              "as avoiders; a contrast only, not an estimate"))
    else:
        rows.append(_row("naive_avoid_2y_after_bad", "bad experience", n=0, method="naive count", note=no_bad))

    # ------------------------------------------------------------------ split in the survey's bins
    split_method = ("1 - S(365), S(365) - S(730), S(730) of the bad-experience Kaplan-Meier curve; log(-log) "
                    "Greenwood interval at the ends, delta method (Greenwood covariance) in the middle")
    if index == "every":
        split_method += "; episode-level intervals (not adjusted for repeated customers)"
    km = curves["bad"]
    ids = ("split_lt_365", "split_365_729", "split_730_plus")
    if km is None:
        rows.extend(_row(f, "bad experience", n=0, method=split_method, note=no_bad) for f in ids)
    else:
        s1, s2 = km.survival_at(_SPLIT[0]), km.survival_at(_SPLIT[1])
        v1, v2 = _greenwood_var(km, _SPLIT[0]), _greenwood_var(km, _SPLIT[1])
        mid = s1.survival - s2.survival
        sd = math.sqrt(max(s1.survival**2 * v1 + s2.survival**2 * v2 - 2 * s1.survival * s2.survival * v1, 0.0)) \
            if np.isfinite(mid) else np.nan
        common = {"n": int(km.n), "n_events": int(km.n_events), "method": split_method}
        fol = bad["followup"]
        rows.append(_row(ids[0], "bad experience", 1 - s1.survival, 1 - s1.ci_high, 1 - s1.ci_low,
                         n_followed=int((fol >= _SPLIT[0]).sum()), note=s1.reason or "", **common))
        rows.append(_row(ids[1], "bad experience", mid, max(mid - z * sd, 0.0) if np.isfinite(mid) else np.nan,
                         min(mid + z * sd, 1.0) if np.isfinite(mid) else np.nan,
                         n_followed=int((fol >= _SPLIT[1]).sum()), note=s2.reason or s1.reason or "", **common))
        rows.append(_row(ids[2], "bad experience", s2.survival, s2.ci_low, s2.ci_high,
                         n_followed=int((fol >= _SPLIT[1]).sum()), note=s2.reason or "", **common))

    figures = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    figures = figures.set_index("figure").loc[list(FIGURE_IDS)].reset_index()
    for c in ("n", "n_events", "n_followed_window"):
        figures[c] = pd.array(figures[c].tolist(), dtype="Int64")
    for c in ("figure", "group", "method", "note"):
        figures[c] = figures[c].astype("str")

    # ------------------------------------------------------------------ log-rank tests
    logrank: dict[str, LogRankResult | None] = {"bad_vs_baseline": None, "bad_vs_good": None}
    fb = b_first
    if fb.any() and ng:
        logrank["bad_vs_good"] = logrank_test(bad["duration"][fb], bad["event"][fb], good["duration"],
                                              good["event"])
    if base is not None:
        has = ctrl >= 0
        sel = fb & has
        if sel.any():
            pos_in_base = np.cumsum(has) - 1
            logrank["bad_vs_baseline"] = logrank_test(bad["duration"][sel], bad["event"][sel],
                                                      base["duration"][pos_in_base[sel]],
                                                      base["event"][pos_in_base[sel]])

    # ------------------------------------------------------------------ episodes table
    def ep_frame(group: str, codes: np.ndarray, t: np.ndarray, ep: dict, *, threshold=None, matched=None,
                 first=None) -> pd.DataFrame:
        n = codes.size
        return pd.DataFrame({
            "group": pd.Series([group] * n, dtype="str") if n else pd.Series([], dtype="str"),
            "customer": pd.Series(labels.take(codes).to_numpy(), dtype="str"),
            "index_at": pd.to_datetime(t, unit="ns", utc=True),
            "duration_days": ep["duration"],
            "event": ep["event"],
            "followup_days": ep["followup"],
            "prior_purchases": ep["n_prior"].astype(np.int64),
            "threshold_days": np.full(n, np.nan) if threshold is None else threshold,
            "matched_to": (pd.Series(np.nan, index=range(n), dtype="str") if matched is None
                           else pd.Series(labels.take(matched).to_numpy(), dtype="str")),
            "first": np.ones(n, dtype=bool) if first is None else first,
        })

    parts = [ep_frame("bad", b_codes, b_t, bad, threshold=thr, first=b_first),
             ep_frame("good", g_codes, g_t, good)]
    if base is not None:
        has = ctrl >= 0
        parts.append(ep_frame("baseline", ctrl[has], b_day[has], base, matched=b_codes[has], first=b_first[has]))
    episodes = pd.concat(parts, ignore_index=True)
    counts["no_contact_customers"] = int(matching.get("n_pool", 0)) if baseline == "matched" else None

    return AvoidanceResult(
        figures=figures, curves=curves, logrank=logrank, episodes=episodes, window=window, as_of=as_of_ts,
        index=index, baseline=baseline, confidence=confidence, counts=counts, matching=matching,
        changed_rule=rule,
    )


# =========================================================================== simulator
def simulate_avoidance_scenario(
    n_customers: int = 4000,
    *,
    seed: int | np.random.Generator | None = None,
    share_contact: float = 0.6,
    share_bad: float = 0.5,
    stop_share: float = 0.25,
    pause_share: float = 0.0,
    fast_share_contact: float = 0.8,
    fast_share_no_contact: float = 0.8,
    fast_mean_gap: float = 60.0,
    slow_mean_gap: float = 500.0,
    gap_shape: float = 1.5,
    heavy_share: float = 0.0,
    heavy_contacts: int = 10,
    extra_contacts: float = 0.5,
    years_before: float = 4.0,
    years_observed: float = 4.0,
    window: float = 730.0,
    start: str = "2018-01-01",
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Simulated contacts and purchases with a planted avoidance effect and the full future.

    Customers buy as stationary renewal processes with gamma gaps (shape
    ``gap_shape``) around a customer-specific mean: "fast" buyers around
    ``fast_mean_gap`` days, "slow" ones around ``slow_mean_gap`` (each times a
    log-normal factor). They join at staggered dates over ``years_before``
    years. Contact customers have their first contact at a uniformly random
    time in the observation period (``years_observed`` years, ending at
    ``as_of``, plus 60 days after it); it is bad with probability
    ``share_bad``, otherwise good (both rated), followed by Poisson
    (``extra_contacts``) later contacts (``heavy_contacts`` for a
    ``heavy_share`` of customers with a bad first contact). At each
    customer's first bad experience, a ``stop_share`` stops buying for good
    and a ``pause_share`` pauses for 200 to 1,100 days.

    Parameters
    ----------
    n_customers : int
    seed : int, Generator or None
    share_contact : float
        Share of customers with at least one contact.
    share_bad, stop_share, pause_share : float
        See above.
    fast_share_contact, fast_share_no_contact : float
        Share of fast buyers among contact / no-contact customers (unequal
        values make the no-contact customers lapse differently).
    fast_mean_gap, slow_mean_gap, gap_shape : float
        Purchase-gap distribution.
    heavy_share, heavy_contacts, extra_contacts : float
        Repeated contacts.
    years_before, years_observed : float
        Join period before, and observation period.
    window : float
        Window of the truth figures (days).
    start : str
        Calendar date of day 0.

    Returns
    -------
    experiences : DataFrame
        ``customer``, ``at``, ``bad``, ``good``, ``rated``.
    activity : DataFrame
        ``customer``, ``at``, ``amount``: purchases up to ``as_of``.
    truth : dict
        ``as_of``, ``window``; ``avoid_2y_after_bad`` / ``avoid_2y_after_good``
        (share of index customers, index on or before ``as_of``, with no
        purchase in ``(index, index + window]`` in the full simulated
        future); ``counterfactual_bad`` (the same without the planted effect),
        ``excess`` (their difference), ``no_contact_natural`` (the same share
        for random no-contact customers at the bad index dates);
        ``share_followed_less_than_window``; ``full_activity`` (every
        purchase, also after ``as_of``); ``customers`` (one row per customer
        with the planted flags).

    Examples
    --------
    >>> exp, act, truth = simulate_avoidance_scenario(500, seed=0)
    >>> sorted(exp.columns), list(act.columns)
    (['at', 'bad', 'customer', 'good', 'rated'], ['customer', 'at', 'amount'])
    """
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    J = years_before * 365.25
    obs = years_observed * 365.25
    as_of = J + obs
    horizon = as_of + 60.0 + window + 5.0
    contact = rng.random(n) < share_contact
    fast = rng.random(n) < np.where(contact, fast_share_contact, fast_share_no_contact)
    mean_gap = np.where(fast, fast_mean_gap, slow_mean_gap) * np.exp(rng.normal(0.0, 0.25, n))
    join = rng.uniform(0.0, J, n)
    k = float(gap_shape)
    theta = mean_gap / k

    # purchases: first at join + U * size-biased gap (stationary start), then gamma gaps
    span = horizon - join
    expected = span / mean_gap
    cnt = np.ceil(expected + 8.0 * np.sqrt(expected / k + 1.0) + 10.0).astype(np.int64)
    cust = np.repeat(np.arange(n), cnt)
    gaps = rng.gamma(k, np.repeat(theta, cnt))
    first_pos = np.cumsum(cnt) - cnt
    gaps[first_pos] = rng.uniform(0, 1, n) * rng.gamma(k + 1.0, theta)
    cs = np.cumsum(gaps)
    base_cs = np.repeat(cs[first_pos] - gaps[first_pos], cnt)
    t = np.repeat(join, cnt) + cs - base_cs
    last = t[first_pos + cnt - 1]
    if (last < horizon).any():  # pragma: no cover - vanishingly rare with the margin above
        raise RuntimeError("simulation margin too small; raise the purchase count margin")
    natural = t <= horizon
    cust_nat, t_nat = cust[natural], t[natural]

    # contacts
    first_c = rng.uniform(J, as_of + 60.0, n)
    first_bad = contact & (rng.random(n) < share_bad)
    heavy = first_bad & (rng.random(n) < heavy_share)
    n_extra = np.where(contact, rng.poisson(extra_contacts, n), 0)
    n_extra = np.where(heavy, heavy_contacts - 1, n_extra)
    ex_c = np.repeat(np.arange(n), n_extra)
    steps = rng.exponential(np.where(heavy, 20.0, 120.0)[ex_c])
    off = np.cumsum(n_extra) - n_extra
    cs_e = np.cumsum(steps)
    off_safe = np.minimum(off, max(steps.size - 1, 0))
    before = (cs_e[off_safe] - steps[off_safe]) if steps.size else np.zeros(n)
    ex_t = first_c[ex_c] + cs_e - np.repeat(before, n_extra)
    u = rng.random(ex_c.size)
    ex_bad = np.where(heavy[ex_c], True, u < 0.3)
    ex_good = ~ex_bad & (u < 0.7)
    ex_rated = ex_bad | ex_good | (rng.random(ex_c.size) < 0.3)
    ex_rated = np.where(ex_bad, rng.random(ex_c.size) < 0.7, ex_rated)
    c_idx = np.nonzero(contact)[0]
    exp_c = np.concatenate([c_idx, ex_c])
    exp_t = np.concatenate([first_c[c_idx], ex_t])
    exp_bad = np.concatenate([first_bad[c_idx], ex_bad])
    exp_good = np.concatenate([~first_bad[c_idx], ex_good])
    exp_rated = np.concatenate([np.ones(c_idx.size, dtype=bool), ex_rated])

    # planted effect at each customer's first bad experience
    fb = np.full(n, np.inf)
    np.minimum.at(fb, exp_c[exp_bad], exp_t[exp_bad])
    has_bad = np.isfinite(fb)
    stop = has_bad & (rng.random(n) < stop_share)
    pause = has_bad & ~stop & (rng.random(n) < pause_share / max(1e-12, 1.0 - stop_share))
    pause_len = rng.uniform(200.0, 1100.0, n)
    tb = fb[cust_nat]
    drop = (stop[cust_nat] & (t_nat > tb)) | (pause[cust_nat] & (t_nat > tb) & (t_nat <= tb + pause_len[cust_nat]))
    cust_full, t_full = cust_nat[~drop], t_nat[~drop]

    ids = np.array([f"c{i:06d}" for i in range(n)], dtype=object)
    day0 = pd.Timestamp(start, tz="UTC")

    def ts(days: np.ndarray) -> pd.Series:
        return pd.Series(day0 + pd.to_timedelta(np.round(days * 86400.0), unit="s"))

    full = pd.DataFrame({"customer": pd.Series(ids[cust_full], dtype="str"), "at": ts(t_full),
                         "amount": np.round(rng.gamma(2.0, 40.0, t_full.size), 2)})
    seen = t_full <= as_of
    activity = full[seen].reset_index(drop=True)
    order = np.lexsort((exp_t, exp_c))
    experiences = pd.DataFrame({
        "customer": pd.Series(ids[exp_c[order]], dtype="str"), "at": ts(exp_t[order]),
        "bad": exp_bad[order], "good": exp_good[order], "rated": exp_rated[order]})

    # truth from the full future (merge_asof, independent of the estimator's code path)
    def no_purchase_within(c: np.ndarray, at_days: np.ndarray, pc: np.ndarray, pt: np.ndarray) -> np.ndarray:
        left = pd.DataFrame({"c": c, "t": at_days, "i": np.arange(c.size)}).sort_values("t")
        right = pd.DataFrame({"c": pc, "nt": pt}).sort_values("nt")
        m = pd.merge_asof(left, right, left_on="t", right_on="nt", by="c", direction="forward",
                          allow_exact_matches=False).sort_values("i")
        nxt = m["nt"].to_numpy()
        return ~(nxt <= at_days + window)

    bad_idx = np.nonzero(has_bad & (fb <= as_of))[0]
    tb_i = fb[bad_idx]
    # first rated experience
    rated_first = np.full(n, np.inf)
    np.minimum.at(rated_first, exp_c[exp_rated], exp_t[exp_rated])
    good_at = np.full(n, False)
    is_first_rated = exp_rated & (exp_t == rated_first[exp_c])
    good_at[exp_c[is_first_rated & exp_good]] = True
    good_idx = np.nonzero(good_at & (rated_first <= as_of))[0]
    avoid_bad = no_purchase_within(bad_idx, tb_i, cust_full, t_full)
    cf_bad = no_purchase_within(bad_idx, tb_i, cust_nat, t_nat)
    avoid_good = no_purchase_within(good_idx, rated_first[good_idx], cust_full, t_full)
    nc = np.nonzero(~contact)[0]
    ctrl = nc[rng.integers(0, nc.size, bad_idx.size)] if nc.size else np.array([], dtype=np.int64)
    nc_nat = no_purchase_within(ctrl, tb_i, cust_nat, t_nat) if nc.size else np.array([])
    customers = pd.DataFrame({
        "customer": pd.Series(ids, dtype="str"), "contact": contact, "fast": fast, "mean_gap": mean_gap,
        "join_at": ts(join), "first_bad_at": ts(np.where(has_bad, fb, np.nan)), "stopped": stop,
        "paused": pause})
    truth = {
        "as_of": day0 + pd.Timedelta(seconds=round(as_of * 86400.0)),
        "window": float(window),
        "avoid_2y_after_bad": float(avoid_bad.mean()) if bad_idx.size else np.nan,
        "counterfactual_bad": float(cf_bad.mean()) if bad_idx.size else np.nan,
        "excess": float(avoid_bad.mean() - cf_bad.mean()) if bad_idx.size else np.nan,
        "avoid_2y_after_good": float(avoid_good.mean()) if good_idx.size else np.nan,
        "no_contact_natural": float(np.mean(nc_nat)) if nc_nat.size else np.nan,
        "share_followed_less_than_window": float(np.mean(as_of - tb_i < window)) if bad_idx.size else np.nan,
        "n_bad": int(bad_idx.size),
        "full_activity": full,
        "customers": customers,
    }
    return experiences, activity, truth
