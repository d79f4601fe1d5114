"""Avoidance after a bad experience: the company's own "39% avoid us for two years".

The figure the customer-service press cites ("39% of customers avoid a
company for two years after one bad experience", Dimensional Research for
Zendesk, 2013) is a survey answer, conditional on respondents whose buying
was affected. :func:`avoidance` computes the behavioural analogue from a
company's own contacts and purchases. Every index time is the moment the
experience *became known* (``known_at`` of
:func:`csanalysis.experiences.experiences`: a ticket's solved time, a survey
answer's recorded time), and nothing after an index is used to form a group:

``avoid_2y_after_bad``
    Among customers with a bad service experience, the share still without a
    purchase ``window`` (730) days after their first bad experience:
    ``S(window)`` of a Kaplan-Meier curve of the time to the next purchase,
    right-censored at ``as_of``. Never the naive count of customers "without a
    purchase yet", which counts every customer followed for less than the
    window as an avoider.
``avoid_2y_after_good``
    The same after the first *rated* experience, when it was good, censored
    when a later bad experience becomes known.
``avoid_2y_baseline``, ``excess_avoidance``, ``rmst_diff_2y``
    The comparison "bad experience now" versus "no contact now" (sequential
    emulated trials, one per calendar month): for the bad-experience customers
    with an earlier purchase, the share that would have had no purchase
    within the window without the experience, estimated from customers who at
    the same calendar time had bought before and had not been contacted yet
    (their later contacts ignored), weighted to the bad-experience customers'
    whole pre-index purchase history; the difference ``S_bad - S_baseline``
    and the difference in restricted mean time without a purchase. A bad
    experience that is a survey answer (not about a ticket) is compared with
    the answers that were not bad, given in the same month (answering shows
    the customer is still engaged; customers not contacted yet include many
    who silently stopped buying), each kind of trial weighted on its own.
``excess_avoidance_censored``
    The same with the controls censored at their first later contact, with
    inverse-probability-of-censoring weights ("as if never contacted").
``avoid_2y_after_bad_changed``
    The survey's denominator: among bad-experience customers whose buying
    changed (no purchase within their expected cycle), the share whose gap
    reaches the window. Customers whose expected cycle is at least the
    window are left out (counted in the note): for them a changed buying
    means a gap beyond the window by definition, and too few are followed
    that long to estimate how often it happens.
``split_lt_365``, ``split_365_729``, ``split_730_plus``
    The gap to the next purchase in the survey's bins (under a year, one to
    two years, two years or more).
``no_return_after_disrespect`` (:func:`no_return_after_disrespect`)
    No purchase within a year after a first bad experience whose survey
    comment was tagged rude, and its difference from the other commented bad
    experiences, weighted by the same machinery as the no-contact comparison.

Everything is vectorised: purchases are sorted once by (customer, time) and
every question "how many purchases before t, when is the next one after t" is
one ``np.searchsorted`` over all customers at once; the weights are refitted
in every bootstrap resample as a batch of Newton steps.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

from csanalysis import flags as _flags
from csanalysis.checks import check_confidence, check_frame, check_resamples
from csanalysis.experiences import customer_order, no_experiences, purchases_while_open
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.arrays import HoldsArrays, factorize, n_distinct, search_sorted
from csanalysis.stats.bootstrap import (DEFAULT_RESAMPLES, percentile_interval, poisson_weights_from_hash,
                                       unit_hash)
from csanalysis.stats.survival import (
    KaplanMeierResult,
    LogRankResult,
    StratifiedSurvival,
    cluster_bootstrap_survival_at,
    kaplan_meier,
    logrank_test,
    merge_strata,
    stratified_survival,
)

__all__ = [
    "FIGURE_IDS",
    "FLAGS",
    "MIN_STRATUM",
    "RATE_BANDS",
    "RECURRENCE_MAX",
    "AvoidancePart",
    "AvoidanceResult",
    "ChangedRule",
    "DisrespectFlags",
    "DisrespectResult",
    "DISRESPECT_MIN_GROUP",
    "avoidance",
    "avoidance_from_parts",
    "avoidance_in_rounds",
    "disrespect_flags",
    "disrespect_part",
    "avoidance_part",
    "index_durations",
    "no_return_after_disrespect",
    "no_return_after_disrespect_from_parts",
    "no_return_after_disrespect_from_rows",
    "simulate_avoidance_scenario",
]

#: Figure ids of :meth:`AvoidanceResult.summary`, in order.
FIGURE_IDS: tuple[str, ...] = (
    "avoid_2y_after_bad",
    "avoid_2y_after_good",
    "avoid_2y_baseline",
    "excess_avoidance",
    "excess_avoidance_censored",
    "rmst_diff_2y",
    "avoid_2y_after_bad_changed",
    "naive_avoid_2y_after_bad",
    "split_lt_365",
    "split_365_729",
    "split_730_plus",
)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "figure", "group", "estimate", "ci_low", "ci_high", "n", "n_events", "n_followed_window", "p_value",
    "method", "definition", "note", "flags",
)

#: Flag codes of the ``flags`` column (a list per figure) and what each means (from :mod:`csanalysis.flags`).
FLAGS: dict[str, str] = {k: _flags.FLAGS[k] for k in ("index_at_creation", "short_followup", "poor_overlap",
                                                      "recurring_bad")}

_DAY_NS = 86_400 * 10**9
_SPLIT = (365.0, 730.0)
#: Bands of the pre-index purchase rate (purchases per year, among customers with at least two purchases before the
#: index; fewer than two is band 0) that stratify the Kaplan-Meier figures after a bad experience: customers who buy
#: often have their first bad experience early and are followed longest, so the pooled curve under-represents the
#: rarely buying, late-indexed customers. Fixed bands (not quantiles) keep the strata additive over partitions.
RATE_BANDS: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)
#: Adjacent bands are merged until each stratum holds this many bad-experience customers; with fewer than two
#: strata the figures are the pooled Kaplan-Meier estimates.
MIN_STRATUM = 200
#: The censoring weights of ``avoid_2y_after_bad_changed`` are estimated within the threshold's strata crossed
#: with quantile groups of the pre-index purchase rate: one group per this many customers, at most
#: :data:`CHANGED_RATE_GROUPS` (quintiles from 2,500 customers). Measured on the validation worlds (40
#: replications each, against each sample's own truth): in the world with many contacts and confounded buyers the
#: bias went from -0.0055 (fixed rate bands merged to 200 customers) to -0.0015; no world moved beyond 0.01.
CHANGED_RATE_GROUP = 500
CHANGED_RATE_GROUPS = 5
#: Bootstrap inputs are rounded to ``window / _BOOT_STEPS`` days (about nine
#: hours for two years) to bound the number of distinct times and so the cost
#: of the batched bootstrap; the point estimates use the exact durations.
_BOOT_STEPS = 2048
#: Controls drawn per trial month: this many per case, at least _CTRL_MIN_PER_TRIAL, at most _CTRL_MAX_ROWS in all
#: (second phase; the first, random phase draws _CAND_PER_CASE per case, at least _CAND_MIN_PER_TRIAL).
_CTRL_PER_CASE = 10
_CTRL_MIN_PER_TRIAL = 30
_CTRL_MAX_ROWS = 200_000
_CAND_PER_CASE = 50
_CAND_MIN_PER_TRIAL = 500
_CAND_MAX_ROWS = 400_000
#: Consecutive trial months are pooled until a pool holds this many control rows.
_MIN_CTRL_PER_BLOCK = 30
#: Fewer answer-indexed cases or answer controls than this: those cases join the no-contact trials (a weighting
#: of a handful of rows on all the history covariates is not estimable).
_MIN_ANSWER_CASES = 20
_MIN_ANSWER_CONTROLS = 200
#: Intervals of the piecewise-exponential model of the controls' time to first contact (secondary comparison).
_CENSOR_INTERVALS = 4
#: Inverse-probability-of-censoring weights are capped at this value.
_MAX_IPCW = 20.0
#: Ridge penalty of the weighting and censoring models, per unit of total case weight.
_RIDGE = 1e-3
#: Bound on (resamples x rows) entries of one bootstrap chunk.
_BOOT_CELLS = 64_000_000
#: Effective sample size of the weighted controls below max(_ESS_MIN, _ESS_SHARE x cases) flags poor overlap.
_ESS_MIN = 50.0
_ESS_SHARE = 0.5
_SMD_MAX = 0.1
#: ``recurring_bad``: the cases' share with a further bad experience within the window exceeds the weighted controls'
#: share with a first one by this much or more. Bad experiences then recur with the customer (a lasting propensity
#: the history does not show), so the controls' future is not the cases' future without this experience: in the
#: validation (worlds ``repeated`` and ``no_recovery``, differences of 0.23 and 0.16) the baseline was about 0.11 x
#: the difference too low (coverage 0-32%); where nothing recurs the difference was -0.02 to -0.01.
RECURRENCE_MAX = 0.05
#: The no-contact figures that ``recurring_bad`` biases (the censored comparison, whose controls leave at their first
#: contact, is not: it passed in both worlds).
_RECURRENCE_FIGURES = ("avoid_2y_baseline", "excess_avoidance", "rmst_diff_2y")


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


def _check_index(index: Any) -> None:
    if index not in ("first", "every"):
        raise ValueError(f"index must be 'first' or 'every', got {index!r}.")


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
_NEVER = np.iinfo(np.int64).max
_NO_PURCHASES = "activity has no row with both a customer and a purchase time; nothing to follow."


class _Purchases:
    """Events (purchases, or contacts) sorted by (customer code, time) for vectorised look-ups.

    ``after(codes, t)`` returns, for each query, the position of the first
    event of that customer strictly after ``t`` (or the end of the
    customer's block); ``position - start[code]`` is the number of events
    at or before ``t``. Times are replaced by their rank among the distinct
    times, so (customer, rank) packs exactly into one int64 key. With
    ``amounts``, :meth:`spend` is a customer's spend before a position,
    summed over that customer's own events only (so it is the same whichever
    other customers the table holds: a partition's figures equal the whole
    table's).
    """

    def __init__(self, codes: np.ndarray, ns: np.ndarray, n_codes: int, amounts: np.ndarray | None = None) -> None:
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
        self.n_codes = int(n_codes)
        self.start = np.searchsorted(self.key, np.arange(n_codes + 1, dtype=np.int64) * self.mult)
        self.amounts = None if amounts is None else np.nan_to_num(np.asarray(amounts, float)[order])
        # each customer's running spend, from its own first event (pandas' grouped cumulative sum)
        self.own = (None if amounts is None else
                    pd.Series(self.amounts).groupby(self.key // self.mult, sort=False).cumsum().to_numpy())

    def codes(self) -> np.ndarray:
        """The customer code of each event, in the sorted order."""
        return self.key // self.mult

    def subset(self, keep: np.ndarray) -> _Purchases:
        """The same index without the events where ``keep`` (in sorted order) is False."""
        amounts = None if self.amounts is None else self.amounts[keep]
        return _Purchases(self.codes()[keep], self.at[keep], self.n_codes, amounts)

    def spend(self, pos: np.ndarray, start: np.ndarray) -> np.ndarray:
        """The amounts of a customer's events from position ``start`` (its first) up to, not including,
        ``pos``."""
        if self.own is None:
            raise ValueError("no amounts")
        return np.where(pos > start, self.own[np.maximum(pos - 1, 0)] if self.own.size else 0.0, 0.0)

    def after(self, codes: np.ndarray, t: np.ndarray) -> np.ndarray:
        r = search_sorted(self.uniq, t, "right")
        return search_sorted(self.key, codes.astype(np.int64) * self.mult + r, "left")

    def first(self) -> np.ndarray:
        """Each customer's first event time (``_NEVER`` without any)."""
        has = self.start[1:] > self.start[:-1]
        out = np.full(self.n_codes, _NEVER, dtype=np.int64)
        out[has] = self.at[self.start[:-1][has]]
        return out

    def follow(self, codes: np.ndarray, t: np.ndarray, as_of: int,
               stop: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Next purchase after ``t``, censored at ``as_of`` (and at ``stop`` where given); the history up to ``t``."""
        pos = self.after(codes, t)
        st = self.start[codes]
        en = self.start[codes + 1]
        n_prior = pos - st
        if self.at.size:
            nxt = self.at[np.minimum(pos, self.at.size - 1)]
            last = self.at[np.maximum(pos - 1, 0)]
        else:  # no purchases at all (index_durations of a partition without any): all censored
            nxt = last = np.zeros(pos.size, dtype=np.int64)
        end = np.full(pos.size, as_of, dtype=np.int64) if stop is None else np.minimum(stop, as_of)
        event = (pos < en) & (nxt <= end)
        dur = np.where(event, nxt - t, end - t) / _DAY_NS
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
    """Customer codes, the purchase and contact indexes and the bad / good index episodes with their follow-up."""

    counts: dict[str, Any]
    labels: pd.Index
    n_codes: int
    n_act: int
    as_of_ns: int
    pur: _Purchases
    contacts: _Purchases
    answers: _Purchases
    good_answers: _Purchases
    bads: _Purchases
    known_at: bool
    b_codes: np.ndarray
    b_t: np.ndarray
    b_first: np.ndarray
    b_created: np.ndarray
    b_creation: np.ndarray
    b_answer: np.ndarray
    bad: dict[str, np.ndarray]
    a_codes: np.ndarray
    a_t: np.ndarray
    g_codes: np.ndarray
    g_t: np.ndarray
    g_creation: np.ndarray
    good: dict[str, np.ndarray]


@dataclass
class _EpisodeRows(HoldsArrays):
    """What the tables (or one partition of their customers) give the index episodes, before any look-up.

    Customer codes (purchasers first, in order of their first purchase row;
    then contact-only customers in order of their first experience row),
    the purchases kept, the contacts, survey answers and bad experiences,
    and the rows of the bad, good and answer index episodes; the bad ones
    sorted by (code, time). :func:`_episodes_from_rows` builds the look-ups
    and follow-ups from them (on a partition: :class:`AvoidancePart`).
    """

    counts: dict[str, Any]
    labels: pd.Index
    n_codes: int
    n_act: int
    as_of_ns: int
    known_at: bool
    p_codes: np.ndarray
    p_ns: np.ndarray
    p_amounts: np.ndarray | None
    c_codes: np.ndarray
    c_t: np.ndarray
    an_codes: np.ndarray
    an_t: np.ndarray
    ga_codes: np.ndarray
    ga_t: np.ndarray
    bd_codes: np.ndarray
    bd_t: np.ndarray
    b_codes: np.ndarray
    b_t: np.ndarray
    b_created: np.ndarray
    b_creation: np.ndarray
    b_answer: np.ndarray
    g_codes: np.ndarray
    g_t: np.ndarray
    g_creation: np.ndarray
    a_codes: np.ndarray
    a_t: np.ndarray
    act_first: np.ndarray | None  # (parts) per purchaser code, the row of its first purchase in the activity table
    b_response: np.ndarray | None = None  # the survey response of each bad index row (experiences' response_id)
    late_response: np.ndarray | None = None  # those of the bad index rows dropped as known after as_of
    index: str = "first"
    count_open_purchases: bool = False
    positioned: bool = False  # act_first are positions in the whole activity table (not this part's rows)


def _episode_rows(experiences: pd.DataFrame, activity: pd.DataFrame, *, as_of: Any, index: str,
                  count_open_purchases: bool = False, require_purchases: bool = True,
                  for_parts: bool = False) -> _EpisodeRows:
    """The first phase of :func:`_index_episodes`: codes, times and the index rows, per customer.

    ``for_parts``: also what only partitions need (:class:`AvoidancePart`, the disrespect figures from the
    parts): each purchaser's first row and the survey response of each bad index row.
    """
    # ------------------------------------------------------------------ codes and times
    counts: dict[str, Any] = {}
    a_cust = activity["customer"]
    a_ns = _ns(activity["at"], "activity['at']")
    a_ok = a_cust.notna().to_numpy() & (a_ns != _NAT)
    counts["activity_rows"] = len(activity)
    counts["activity_rows_dropped"] = int((~a_ok).sum())
    if not a_ok.any() and (require_purchases or as_of is None):
        raise ValueError(_NO_PURCHASES)
    a_str = a_cust[a_ok].astype("str")
    a_ns = a_ns[a_ok]
    amounts = (pd.to_numeric(activity["amount"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[a_ok]
               if "amount" in activity.columns else None)

    e_cust = experiences["customer"]
    e_at = _ns(experiences["at"], "experiences['at']")
    known_at = "known_at" in experiences.columns
    e_known = _ns(experiences["known_at"], "experiences['known_at']") if known_at else e_at.copy()
    e_at = np.where(e_at == _NAT, e_known, e_at)
    e_ok = e_cust.notna().to_numpy() & (e_known != _NAT)
    counts["experience_rows"] = len(experiences)
    counts["experience_rows_dropped"] = int((~e_ok).sum())
    e_bad = _flag(experiences["bad"], "experiences['bad']")[e_ok]
    e_good = _flag(experiences["good"], "experiences['good']")[e_ok]
    e_rated = _flag(experiences["rated"], "experiences['rated']")[e_ok]
    # survey answers not about a ticket (answering is itself a sign that the customer is still engaged)
    e_answer = ((experiences["source"].astype("object") == "survey").fillna(False).to_numpy(dtype=bool)
                if "source" in experiences.columns else np.zeros(len(experiences), dtype=bool))[e_ok]
    e_creation = ((experiences["known_from"].astype("object") == "created_at").fillna(False).to_numpy(dtype=bool)
                  if "known_from" in experiences.columns else np.zeros(len(experiences), dtype=bool))[e_ok]
    if "resolved_at" in experiences.columns:  # checked here (a teaching error); used by purchases_while_open
        _ns(experiences["resolved_at"], "experiences['resolved_at']")
    e_at, e_known = e_at[e_ok], e_known[e_ok]
    e_str = e_cust[e_ok].astype("str")
    # one factorisation: purchasers first (codes 0 .. n_act - 1), then contact-only customers
    all_codes, uniques = factorize(pd.concat([a_str, e_str], ignore_index=True))
    a_codes = all_codes[: a_str.size].astype(np.int64)
    e_codes = all_codes[a_str.size:].astype(np.int64)
    n_act = int(a_codes.max()) + 1 if a_codes.size else 0
    act_first = None
    if for_parts:  # each purchaser's first row (codes are numbered in order of appearance: a new code is a new maximum)
        top = np.maximum.accumulate(a_codes) if a_codes.size else a_codes
        new = np.ones(a_codes.size, dtype=bool)
        new[1:] = top[1:] > top[:-1]
        act_first = np.flatnonzero(a_ok)[new]
    labels = pd.Index(uniques)
    n_codes = len(labels)
    counts["customers_with_purchases"] = int(n_act)
    counts["contact_customers_without_purchases"] = int(n_codes - n_act)

    as_of_ns = int(a_ns.max()) if as_of is None else _timestamp(as_of, "as_of")
    # purchases placed while one of the customer's tickets was open (after its creation, up to its solved time)
    # are replacement orders, not purchases: neither returns nor history (unless count_open_purchases)
    inside = (np.zeros(a_codes.size, dtype=bool) if count_open_purchases
              else purchases_while_open(experiences, activity)[a_ok])
    counts["purchases_while_ticket_open"] = int(inside.sum())
    if inside.any():
        a_codes, a_ns = a_codes[~inside], a_ns[~inside]
        amounts = None if amounts is None else amounts[~inside]
    # contacts: tickets and bad experiences; a survey answer that was not bad is not a contact (the company asked),
    # it is history (answers, as a sign that the customer is still engaged, are adjusted for)
    is_contact = ~e_answer | e_bad

    # ------------------------------------------------------------------ bad index episodes
    if index == "first":
        b_rows = np.nonzero(e_bad)[0][_first_per_code(e_codes[e_bad], e_known[e_bad])]
    else:
        bad_frame = pd.DataFrame({"c": e_codes[e_bad], "t": e_known[e_bad]}).drop_duplicates()
        b_rows = np.nonzero(e_bad)[0][bad_frame.index.to_numpy()]
    b_rows = b_rows[np.lexsort((e_known[b_rows], e_codes[b_rows]))]
    late = e_known[b_rows] > as_of_ns
    counts["bad_index_after_as_of"] = int(late.sum())
    # (the survey answer an index comes from: no_return_after_disrespect picks the commented ones)
    has_rid = for_parts and "response_id" in experiences.columns

    def rid(rows: np.ndarray) -> np.ndarray | None:  # (of the experiences' rows kept, e_ok)
        return (experiences["response_id"].iloc[np.flatnonzero(e_ok)[rows]].astype("str")
                .to_numpy(dtype=object, na_value=None) if has_rid else None)

    late_response = rid(b_rows[late])
    b_rows = b_rows[~late]

    # ------------------------------------------------------------------ good index episodes
    r_idx = np.nonzero(e_rated)[0]
    g_rows = r_idx[_first_per_code(e_codes[r_idx], e_known[r_idx])]
    g_rows = g_rows[e_good[g_rows]]
    late_g = e_known[g_rows] > as_of_ns
    counts["good_index_after_as_of"] = int(late_g.sum())
    g_rows = g_rows[~late_g]
    # rated survey answers that were not bad (the active comparator of the cases indexed by an answer)
    a_rows = np.nonzero(e_answer & e_rated & ~e_bad & (e_known <= as_of_ns))[0]
    return _EpisodeRows(
        counts=counts, labels=labels, n_codes=n_codes, n_act=n_act, as_of_ns=as_of_ns,
        known_at=known_at, p_codes=a_codes, p_ns=a_ns, p_amounts=amounts,
        c_codes=e_codes[is_contact], c_t=e_at[is_contact], an_codes=e_codes[e_answer], an_t=e_at[e_answer],
        ga_codes=e_codes[e_answer & e_good], ga_t=e_at[e_answer & e_good], bd_codes=e_codes[e_bad],
        bd_t=e_known[e_bad], b_codes=e_codes[b_rows], b_t=e_known[b_rows], b_created=e_at[b_rows],
        b_creation=e_creation[b_rows], b_answer=e_answer[b_rows], g_codes=e_codes[g_rows], g_t=e_known[g_rows],
        g_creation=e_creation[g_rows], a_codes=e_codes[a_rows], a_t=e_known[a_rows], act_first=act_first,
        b_response=rid(b_rows), late_response=late_response, index=index,
        count_open_purchases=bool(count_open_purchases))


def _episodes_from_rows(r: _EpisodeRows) -> _Episodes:
    """The second phase of :func:`_index_episodes`: the look-ups of purchases and contacts, the follow-ups."""
    n_codes, as_of_ns = r.n_codes, r.as_of_ns
    pur = _Purchases(r.p_codes, r.p_ns, n_codes, r.p_amounts)
    contacts = _Purchases(r.c_codes, r.c_t, n_codes)
    answers = _Purchases(r.an_codes, r.an_t, n_codes)
    # the good ones among them: how satisfied the customer has said they were before the index (history too)
    good_answers = _Purchases(r.ga_codes, r.ga_t, n_codes)
    b_codes, g_codes, g_t = r.b_codes, r.g_codes, r.g_t
    b_first = np.ones(b_codes.size, dtype=bool)
    b_first[1:] = b_codes[1:] != b_codes[:-1]
    # good episodes are censored when a later bad experience becomes known
    bads = _Purchases(r.bd_codes, r.bd_t, n_codes)
    nb = bads.after(g_codes, g_t)
    has_bad = nb < bads.start[g_codes + 1]
    stop = np.where(has_bad, bads.at[np.minimum(nb, max(bads.at.size - 1, 0))] if bads.at.size else _NEVER, _NEVER)
    good = pur.follow(g_codes, g_t, as_of_ns, stop=stop)
    good["censored_by_bad"] = ~good["event"] & (stop <= as_of_ns)
    counts = dict(r.counts)
    counts["good_censored_at_later_bad"] = int(good["censored_by_bad"].sum())
    return _Episodes(
        counts=counts, labels=r.labels, n_codes=n_codes, n_act=r.n_act, as_of_ns=as_of_ns, pur=pur,
        contacts=contacts, answers=answers, good_answers=good_answers, bads=bads, known_at=r.known_at,
        b_codes=b_codes, b_t=r.b_t, b_first=b_first, b_created=r.b_created, b_creation=r.b_creation,
        b_answer=r.b_answer, bad=pur.follow(b_codes, r.b_t, as_of_ns), a_codes=r.a_codes, a_t=r.a_t,
        g_codes=g_codes, g_t=g_t, g_creation=r.g_creation, good=good)


def _index_episodes(experiences: pd.DataFrame, activity: pd.DataFrame, *, as_of: Any, index: str,
                    count_open_purchases: bool = False, require_purchases: bool = True) -> _Episodes:
    """The index episodes of :func:`avoidance` (and :func:`index_durations`): the one construction."""
    return _episodes_from_rows(_episode_rows(experiences, activity, as_of=as_of, index=index,
                                             count_open_purchases=count_open_purchases,
                                             require_purchases=require_purchases))


def index_durations(
    experiences: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    as_of: Any = None,
    which: Literal["bad", "good"] = "bad",
    index: Literal["first", "every"] = "first",
    count_open_purchases: bool = False,
) -> pd.DataFrame:
    """Days from each index experience to the next purchase: the data of the avoidance curves.

    The one construction behind the Kaplan-Meier figures of :func:`avoidance`
    (``avoid_2y_after_bad`` for ``which="bad"``, ``avoid_2y_after_good`` for
    ``which="good"``): the same index times (when each experience became
    known), eligibility, purchases and censoring. Each customer's rows depend
    on that customer's experiences and purchases only, so the table can be
    built per partition of customers (see :mod:`csanalysis.partition`).

    Parameters
    ----------
    experiences : DataFrame
        One row per service contact with ``customer``, ``at``, ``bad``,
        ``good``, ``rated`` and, as :func:`csanalysis.experiences.experiences`
        returns them, ``known_at`` (the index time; ``at`` when absent) and
        ``resolved_at`` (a ticket's solved time, for the open-ticket rule).
    activity : DataFrame
        Purchases with ``customer`` and ``at``.
    as_of : timestamp, optional
        End of follow-up. Default: the last purchase in ``activity``. Give it
        explicitly when processing a part of the customers, so that every
        part is censored at the same date.
    which : {"bad", "good"}, default "bad"
        ``"bad"``: the customer's first bad experience (every one with
        ``index="every"``). ``"good"``: the first *rated* experience, when it
        was good, censored when a later bad experience becomes known.
    index : {"first", "every"}, default "first"
        As in :func:`avoidance` (``which="bad"`` only).
    count_open_purchases : bool, default False
        As in :func:`avoidance`.

    Returns
    -------
    DataFrame
        One row per index episode on or before ``as_of``: ``customer``
        (str), ``index_at`` (UTC), ``duration`` (days to the next purchase
        strictly after the index, or to the censoring time when none came),
        ``event`` (a purchase was seen), ``followup`` (days from the index to
        ``as_of``), ``rate_band`` (band of the purchase rate before the index,
        :data:`RATE_BANDS`; 0 with fewer than two purchases: the strata of
        ``avoid_2y_after_bad``). Rows of one customer are together, in time
        order.

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
    _check_index(index)
    ep = _index_episodes(experiences, activity, as_of=as_of, index=index, require_purchases=False,
                         count_open_purchases=bool(count_open_purchases))
    codes, t, fol = (ep.b_codes, ep.b_t, ep.bad) if which == "bad" else (ep.g_codes, ep.g_t, ep.good)
    return pd.DataFrame({
        "customer": pd.Series(ep.labels.take(codes).to_numpy(), dtype="str"),
        "index_at": pd.to_datetime(t, unit="ns", utc=True),
        "duration": fol["duration"],
        "event": fol["event"],
        "followup": fol["followup"],
        "rate_band": _rate_band(_pre_index_rate(ep.pur, codes, t, fol), fol["n_prior"]),
    })


# =========================================================================== pieces of the estimate
def _row(figure: str, group: str, est: float = np.nan, lo: float = np.nan, hi: float = np.nan, *,
         n: Any = None, n_events: Any = None, n_followed: Any = None, p_value: float = np.nan, method: str = "",
         definition: str = "", note: str = "", flags: list[str] | None = None) -> dict:
    return {
        "figure": figure, "group": group, "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
        "n": n, "n_events": n_events, "n_followed_window": n_followed, "p_value": float(p_value),
        "method": method, "definition": definition, "note": note, "flags": list(flags or []),
    }


def _boot_durations(d: np.ndarray, window: float) -> np.ndarray:
    step = window / _BOOT_STEPS
    return np.round(d / step) * step


def _surv_at(km: KaplanMeierResult | None, t: float, confidence: float) -> tuple[float, float, float, str]:
    """S(t), its log(-log) interval and why it is missing; S(t) = 0 once the curve has reached 0.

    The log(-log) interval is undefined at 0: there the upper end is the
    upper end just before the last drop times the exact binomial upper bound
    ``1 - (alpha/2)^(1/n)`` of the last factor (no survivor among the ``n``
    at risk), the lower end 0.
    """
    if km is None or km.n <= 0:
        return np.nan, np.nan, np.nan, "no subjects"
    tl = km.timeline
    surv = tl["survival"].to_numpy(dtype=float)
    zero = np.nonzero(surv <= 0.0)[0]
    if zero.size and tl["time"].iat[int(zero[0])] <= t:
        j = int(zero[0])
        prev_hi = float(tl["ci_high"].iat[j - 1]) if j > 0 else 1.0
        n_j = float(tl["at_risk"].iat[j])
        alpha = 1.0 - confidence
        return 0.0, 0.0, prev_hi * (1.0 - (alpha / 2.0) ** (1.0 / max(n_j, 1.0))), ""
    s = km.survival_at(t)
    return s.survival, s.ci_low, s.ci_high, s.reason or ""


def _rmst(km: KaplanMeierResult | None, window: float) -> float:
    """Restricted mean time without a purchase: the area under S(t) from 0 to ``window``."""
    if km is None or km.n <= 0:
        return np.nan
    tl = km.timeline
    t = tl["time"].to_numpy(dtype=float)
    s = tl["survival"].to_numpy(dtype=float)
    if km.last_time < window and s[-1] > 0:
        return np.nan
    keep = t < window
    edges = np.append(t[keep], window)
    return float(np.sum(s[keep] * np.diff(edges)))


def _pre_index_rate(pur: _Purchases, codes: np.ndarray, t: np.ndarray, fol: dict[str, np.ndarray]) -> np.ndarray:
    """Purchases per year before the index: the count over the tenure at the index plus 30 days."""
    n = fol["n_prior"].astype(float)
    if not pur.at.size:
        return np.zeros(codes.size)
    first = pur.at[np.minimum(pur.start[codes], pur.at.size - 1)]
    return n / (np.maximum((t - first) / _DAY_NS, 0.0) + 30.0) * 365.25


def _rate_band(rate: np.ndarray, n_prior: np.ndarray) -> np.ndarray:
    """Band of the pre-index purchase rate (:data:`RATE_BANDS`): 0 with fewer than two purchases before the index."""
    band = 1 + np.searchsorted(np.asarray(RATE_BANDS), rate, side="right")
    return np.where(n_prior >= 2, band, 0).astype(np.int64)


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


def _cuts(values: np.ndarray, k: int = 10) -> np.ndarray:
    """Distinct inner quantile cut points (deciles for k = 10); ties merge bins."""
    if values.size == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.arange(1, k) / k))


def _chunks(n_resamples: int, width: int, cells: int = _BOOT_CELLS) -> list[np.ndarray]:
    """Replicate numbers in chunks of at most ``cells / width`` rows (default :data:`_BOOT_CELLS`)."""
    rows = max(1, min(n_resamples, cells // max(width, 1)))
    return [np.arange(s, min(s + rows, n_resamples)) for s in range(0, n_resamples, rows)]


def _boot_p(values: np.ndarray) -> float:
    """Two-sided bootstrap p-value of "no difference": the percentile interval inverted at 0."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return np.nan
    below = (np.sum(v <= 0.0) + 1.0) / (v.size + 1.0)
    above = (np.sum(v >= 0.0) + 1.0) / (v.size + 1.0)
    return float(min(1.0, 2.0 * min(below, above)))


def _changed_share(dur: np.ndarray, followup: np.ndarray, threshold: np.ndarray, units: np.ndarray,
                   window: float, n_resamples: int, seed: int, confidence: float,
                   rate: np.ndarray | None = None) -> dict:
    """P(gap > window | gap > threshold) by inverse probability of censoring weighting, K refitted per resample.

    ``K`` is estimated within strata of the threshold (the floor, then deciles) crossed with quantile groups of
    ``rate`` (the pre-index purchase rate, when given; one group per :data:`CHANGED_RATE_GROUP` customers, at
    most :data:`CHANGED_RATE_GROUPS`): frequent buyers meet their first bad experience early and are followed
    longest, and within one threshold stratum (above all the floor's, which holds customers with too few
    purchases to have a cycle) the rate still tells them apart.
    """
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
    k = min(CHANGED_RATE_GROUPS, n // CHANGED_RATE_GROUP)
    if rate is not None and k > 1:
        b = np.searchsorted(_cuts(rate, k), rate, side="right")
        _, stratum = np.unique(stratum * (int(b.max()) + 1) + b, return_inverse=True)
    # K(t | stratum) = (weighted) share of the stratum's episodes followed beyond t; one sorted key packs all strata
    span = float(followup.max()) + 1.0
    order = np.lexsort((followup, stratum))
    key = (stratum * span + followup)[order]
    n_strata = int(stratum.max()) + 1
    lo_s = np.searchsorted(key, np.arange(n_strata) * span, side="left")
    hi_s = np.searchsorted(key, (np.arange(n_strata) + 1) * span, side="left")

    def below(t: np.ndarray) -> np.ndarray:  # position (in sorted order) past the stratum's episodes with C <= t
        return np.searchsorted(key, stratum * span + np.minimum(t, span - 0.5), side="right")

    m = np.maximum(window, threshold)
    den_i = dur > threshold  # gap beyond the threshold observed (implies followed beyond it)
    num_i = dur > m
    p_h, p_m = below(threshold), below(m)

    def ratio(B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numerator and denominator sums for rows of episode weights B (resamples x episodes)."""
        cum = np.zeros((B.shape[0], B.shape[1] + 1))
        np.cumsum(B[:, order], axis=1, out=cum[:, 1:])
        lo = cum[:, lo_s[stratum]]
        total = cum[:, hi_s[stratum]] - lo
        with np.errstate(divide="ignore", invalid="ignore"):
            k = 1.0 - (cum[:, p_m] - lo) / total
            num = np.where(num_i & (B > 0), B / k, 0.0).sum(axis=1)
            k = 1.0 - (cum[:, p_h] - lo) / total
            den = np.where(den_i & (B > 0), B / k, 0.0).sum(axis=1)
        return num, den

    num, den = ratio(np.ones((1, n)))
    out["n"] = int(den_i.sum())
    out["n_followed"] = int((den_i & (followup > m)).sum())
    out["share_changed"] = float(den[0] / n)
    if den[0] == 0:
        out["reason"] = ("no bad-experience customer was seen without a purchase beyond the expected cycle "
                         "(nobody's buying changed, or nobody was followed that long)")
        return out
    if not (followup > window).any():
        out["reason"] = (f"no bad-experience customer was followed for more than {window:g} days "
                         f"(longest follow-up: {followup.max():.0f} days); the figure is not estimable")
        return out
    out["estimate"] = float(num[0] / den[0])
    inv, uniq = pd.factorize(units)  # (the labels' text as it is, no Python string per row)
    hashes = unit_hash(uniq, seed)  # once per customer, not per chunk of resamples
    boots = np.empty(n_resamples)
    for reps in _chunks(n_resamples, 8 * n, cells=_BOOT_CELLS // 4):  # about eight (resamples x episodes) arrays
        # alive at once in ratio(): 128 MB of them, whatever the number of episodes (from 512 MB: the client's peak
        # in the avoidance at 1M customers)
        B = poisson_weights_from_hash(hashes, reps).astype(float)[:, inv]
        a, b = ratio(B)
        with np.errstate(divide="ignore", invalid="ignore"):
            boots[reps] = a / b
    out["ci_low"], out["ci_high"] = percentile_interval(boots, confidence)
    out["interval"] = ("Poisson(1) bootstrap over customers (weights from a hash of the customer), the censoring "
                       "weights K re-estimated in every resample")
    return out


def _std_split(std: StratifiedSurvival, confidence: float) -> tuple | None:
    """The split's pieces from the stratified curves; None when a stratum cannot give them."""
    s1, lo1, hi1, _, r1 = std.survival_at(_SPLIT[0], confidence)
    s2, lo2, hi2, _, r2 = std.survival_at(_SPLIT[1], confidence)
    mid, var, r3 = std.difference(*_SPLIT)
    if r1 or r2 or r3:
        return None
    return s1, lo1, hi1, s2, lo2, hi2, mid, var


def _split_rows(km: KaplanMeierResult | None, followup: np.ndarray, confidence: float, common: dict,
                empty_note: str, std: tuple | None = None) -> list[dict]:
    """``split_lt_365``, ``split_365_729``, ``split_730_plus`` with intervals inside [0, 1].

    With ``std`` (:func:`_std_split` of the rate-stratified curves) the three shares are standardised over the
    strata.
    """
    ids = ("split_lt_365", "split_365_729", "split_730_plus")
    group = "bad experience"
    if km is None:
        return [_row(f, group, n=0, note=empty_note, **common) for f in ids]
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    if std is not None:
        s1, lo1, hi1, s2, lo2, hi2, mid, var = std
        r1 = r2 = ""
    else:
        s1, lo1, hi1, r1 = _surv_at(km, _SPLIT[0], confidence)
        s2, lo2, hi2, r2 = _surv_at(km, _SPLIT[1], confidence)
        mid = s1 - s2
        v1, v2 = km.greenwood(_SPLIT[0]), km.greenwood(_SPLIT[1])
        var = max(s1**2 * v1 + s2**2 * v2 - 2.0 * s1 * s2 * v1, 0.0) if np.isfinite(mid) else np.nan
    mlo, mhi = np.nan, np.nan
    if np.isfinite(mid):
        if 0.0 < mid < 1.0 and var > 0:
            # delta method on the log-odds: the interval stays inside (0, 1)
            se = math.sqrt(var) / (mid * (1.0 - mid))
            lg = math.log(mid / (1.0 - mid))
            mlo, mhi = 1.0 / (1.0 + math.exp(-(lg - z * se))), 1.0 / (1.0 + math.exp(-(lg + z * se)))
        elif std is not None:
            mlo = mhi = mid
        else:  # no purchase in the second year (or no variance): exact binomial bound on the at-risk count
            at_risk = float(km.survival_at_times([_SPLIT[0]])["at_risk"].iat[0])
            alpha = 1.0 - confidence
            mlo, mhi = mid, min(1.0, max(mid, hi1 * (1.0 - (alpha / 2.0) ** (1.0 / max(at_risk, 1.0)))))
    n_fol = {ids[0]: int((followup >= _SPLIT[0]).sum()), ids[1]: int((followup >= _SPLIT[1]).sum()),
             ids[2]: int((followup >= _SPLIT[1]).sum())}
    base = {"n": int(km.n), "n_events": int(km.n_events), **common}
    return [_row(ids[0], group, 1 - s1, 1 - hi1, 1 - lo1, n_followed=n_fol[ids[0]], note=r1, **base),
            _row(ids[1], group, mid, mlo, mhi, n_followed=n_fol[ids[1]], note=r2 or r1, **base),
            _row(ids[2], group, s2, lo2, hi2, n_followed=n_fol[ids[2]], note=r2, **base)]


# =========================================================================== the no-contact comparison
def _month(ns: np.ndarray) -> np.ndarray:
    """Calendar month (months since 1970-01, UTC) of int64 nanosecond times."""
    return ns.view("datetime64[ns]").astype("datetime64[M]").astype(np.int64)


def _uniform(h: np.ndarray, k: Any) -> np.ndarray:
    """A uniform number in [0, 1) per unit hash and draw ``k`` (splitmix64 finaliser): the draw of the controls."""
    with np.errstate(over="ignore"):
        salt = np.asarray(k).astype(np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = h ^ (salt + np.uint64(0x632BE59BD9B4E019))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / 9007199254740992.0


#: Model covariates of the weighting (names as in the balance table): the history on log scales, indicators,
#: squares and the interaction of recency with the purchase rate (how many purchases a customer has "missed").
_MODEL_COVARIATES: tuple[str, ...] = (
    "log(1 + purchases)", "log(1 + purchases in the last 365 days)", "log(1 + days since the last purchase)",
    "log(1 + days since the first purchase)", "log(purchases per year)", "log(1 + spend)", "one purchase only",
    "no purchase in the last 365 days", "years since the last purchase", "log(1 + purchases), squared",
    "log(1 + purchases in the last 365 days), squared", "log(1 + days since the last purchase), squared",
    "log(1 + days since the first purchase), squared", "log(purchases per year), squared",
    "log(1 + days since the last purchase) x log(purchases per year)",
    "log(1 + survey answers)", "survey answer in the last 365 days", "share of survey answers good",
)
#: Model covariates of the controls' time to first contact (secondary comparison).
_CENSOR_COVARIATES: tuple[str, ...] = _MODEL_COVARIATES[:5] + ("one purchase only",)


def _history(pur: _Purchases, codes: np.ndarray, t: np.ndarray, fol: dict[str, np.ndarray],
             answers: _Purchases | None = None, before: np.ndarray | None = None,
             good: _Purchases | None = None, *, always: bool = False) -> dict[str, np.ndarray]:
    """The pre-index history at ``t`` (purchases at or before ``t``; survey answers, and the good ones among them,
    strictly before ``before``, default ``t``, so that an index answer is not its own history): raw values. The
    answers' columns when there are answers (``always``: also without, zeros: a partition's columns)."""
    st = pur.start[codes]
    n = fol["n_prior"].astype(float)
    first = pur.at[np.minimum(st, max(pur.at.size - 1, 0))] if pur.at.size else t
    tenure = np.maximum((t - first) / _DAY_NS, 0.0)
    recency = np.maximum((t - fol["last"]) / _DAY_NS, 0.0)
    n365 = (fol["pos"] - pur.after(codes, t - 365 * _DAY_NS)).astype(float)
    out = {"purchases": n, "purchases in the last 365 days": n365,
           "purchases per year": n / (tenure + 30.0) * 365.25, "days since the last purchase": recency,
           "days since the first purchase": tenure}
    if pur.own is not None:
        out["spend"] = np.maximum(pur.spend(fol["pos"], st), 0.0)
    if answers is not None and (always or answers.at.size):
        b = t if before is None else np.minimum(before, t)
        upto = answers.after(codes, b - 1)
        out["survey answers"] = (upto - answers.start[codes]).astype(float)
        out["survey answers in the last 365 days"] = np.maximum(
            upto - answers.after(codes, t - 365 * _DAY_NS), 0).astype(float)
        if good is not None and (always or good.at.size):
            out["good survey answers"] = (good.after(codes, b - 1) - good.start[codes]).astype(float)
    return out


def _model_matrix(h: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    names = _MODEL_COVARIATES
    lc = np.log1p(h["purchases"])
    l365 = np.log1p(h["purchases in the last 365 days"])
    lr = np.log1p(h["days since the last purchase"])
    lt = np.log1p(h["days since the first purchase"])
    lrate = np.log(np.maximum(h["purchases per year"], 1e-9))
    cols = {names[0]: lc, names[1]: l365, names[2]: lr, names[3]: lt, names[4]: lrate}
    if "spend" in h:
        cols[names[5]] = np.log1p(h["spend"])
    cols[names[6]] = (h["purchases"] == 1).astype(float)
    cols[names[7]] = (h["purchases in the last 365 days"] == 0).astype(float)
    cols[names[8]] = h["days since the last purchase"] / 365.25
    cols[names[9]], cols[names[10]], cols[names[11]], cols[names[12]] = lc**2, l365**2, lr**2, lt**2
    cols[names[13]] = lrate**2
    cols[names[14]] = lr * lrate
    if "survey answers" in h:
        cols[names[15]] = np.log1p(h["survey answers"])
        cols[names[16]] = (h["survey answers in the last 365 days"] > 0).astype(float)
    if "good survey answers" in h:
        # customers who said they were satisfied have fewer bad experiences to come: balance what they said
        cols[names[17]] = h["good survey answers"] / np.maximum(h["survey answers"], 1.0)
    return cols


def _standardise(case: dict[str, np.ndarray], ctrl: dict[str, np.ndarray],
                 names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Case and control matrices of the named columns, centred and scaled on the pooled rows; constant ones dropped."""
    keep, zc, zk = [], [], []
    for name in names:  # about ten columns
        if name not in case:
            continue
        both = np.concatenate([case[name], ctrl[name]])
        sd = both.std()
        if not sd > 1e-12:
            continue
        mu = both.mean()
        keep.append(name)
        zc.append((case[name] - mu) / sd)
        zk.append((ctrl[name] - mu) / sd)
    return np.column_stack(zc) if keep else np.zeros((0, 0)), np.column_stack(zk) if keep else np.zeros((0, 0)), keep


@dataclass
class _TiltedDesign:
    """What :func:`_tilted_fit` needs of ``X`` and ``E`` whatever the resamples: built once per comparison.

    (Rebuilding the covariate products for every chunk of resamples cost
    two thirds of the bootstrap's time at 100,000 customers.) ``XX``, the
    rows' distinct pair products (n x p(p+1)/2, the largest array of a
    comparison), is built only for designs whose bootstrap takes Newton steps
    (``products=True``); the others' Hessians (one per fit, see
    :func:`_tilted_hessian`) are formed without it.
    """

    X: np.ndarray
    E: sparse.csr_matrix
    ET: sparse.csr_matrix
    XX: np.ndarray | None
    iu: np.ndarray
    ju: np.ndarray
    members: list[np.ndarray]
    scale: list[np.ndarray]
    unit: bool
    #: Each row's group when ``E`` is one-hot (one 1 per row, the weighting's pools), else ``None``: then
    #: ``E @ M`` is ``M[group]`` (the same values: one product by 1 added to 0), a gather instead of a sparse product.
    group: np.ndarray | None = None

    @classmethod
    def build(cls, X: np.ndarray, E: sparse.spmatrix, products: bool = False) -> _TiltedDesign:
        X = np.ascontiguousarray(X, dtype=float)
        E = sparse.csr_matrix(E)
        iu, ju = np.triu_indices(X.shape[1])
        Ecsc = E.tocsc()
        G = E.shape[1]
        members = [Ecsc.indices[Ecsc.indptr[g]:Ecsc.indptr[g + 1]] for g in range(G)]  # rows of each group
        scale = [Ecsc.data[Ecsc.indptr[g]:Ecsc.indptr[g + 1]] for g in range(G)]
        # the distinct products of a Hessian, in blocks of rows: X[:, iu] and X[:, ju] whole were two temporaries
        # as large as XX itself (1.1 GB at 100,000 customers, for the first draw of candidate controls)
        XX = None
        if products:
            XX = np.empty((X.shape[0], iu.size), order="F")  # the layout the whole product had (BLAS rounds by it)
            step = max(1, _BOOT_CELLS // (8 * max(iu.size, 1)))
            for a in range(0, X.shape[0], step):
                np.multiply(X[a:a + step, iu], X[a:a + step, ju], out=XX[a:a + step])
        unit = all(bool(np.all(v == 1.0)) for v in scale)
        one_hot = unit and E.nnz == E.shape[0] and bool(np.all(np.diff(E.indptr) == 1))
        return cls(X=X, E=E, ET=E.T.tocsr(), XX=XX,
                   iu=iu, ju=ju, members=members, scale=scale, unit=unit,
                   group=E.indices.astype(np.intp) if one_hot else None)


def _tilted_fit(design: _TiltedDesign, A: np.ndarray, N: np.ndarray, T: np.ndarray,
                beta0: np.ndarray, lam: float, max_iter: int = 100,
                tol: float = 1e-9, hess0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``sum_g N_g log(sum_i A_i E_ig exp(x_i b)) - T b + lam/2 |b|^2`` for each resample.

    The one convex problem behind both models of the comparison, solved by
    damped Newton steps batched over bootstrap resamples (the columns of
    ``A``, rows of ``N`` and ``T``):

    * the weighting (entropy balancing, i.e. an exactly identified
      covariate-balancing logistic propensity model for the treated): ``i``
      are control rows, ``E`` their pool (one-hot), ``N`` the case weight of
      each pool and ``T`` the cases' covariate sums; the tilted weights
      ``N_g A_i exp(x_i b) / sum`` then sum to the case weight in every pool
      and reproduce the cases' covariate means;
    * the censoring model (piecewise-exponential proportional hazards, the
      baseline hazard profiled out): ``E`` holds each control row's exposure
      per interval, ``N`` the contacts per interval and ``T`` the contacts'
      covariate sums.

    Each resample stops at its own convergence (``|gradient| <= tol x sum N``
    in every coordinate), so its solution does not depend on which other
    resamples share its chunk.

    Parameters
    ----------
    design : _TiltedDesign
        ``X`` (n x p) and ``E`` (sparse, n x groups), with what is derived from them.
    A : ndarray (n x resamples)
    N : ndarray (resamples x groups)
    T : ndarray (resamples x p)
    beta0 : ndarray (p,) or (resamples x p)
        Starting values (the full-sample solution for the resamples).
    lam : float
        Ridge penalty per unit of ``sum N``.
    hess0 : ndarray (p x p), optional
        The full sample's Hessian at its solution per unit of ``sum N`` (see
        :func:`_tilted_hessian`). Given, the resamples take chord steps with
        it (scaled by their ``sum N``) instead of computing their own Hessian,
        the costliest part of a step; the root is the same (the objective
        is strictly convex), reached in a few more, much cheaper steps. A
        resample not converged after :data:`_CHORD_STEPS` of them continues
        with Newton steps.

    Returns
    -------
    beta : ndarray (resamples x p)
    weights : ndarray (n x resamples)
        The tilted weights at the solution, summed over groups.
    """
    X = design.X
    n, R = A.shape
    p = X.shape[1]
    beta = np.array(np.broadcast_to(beta0, (R, p)), dtype=float)
    posN, N, totN, lamv, inv_n = _tilted_terms(design, A, N, lam)
    chord = None if hess0 is None else np.linalg.inv(hess0)
    # (the weights' columns are written as resamples converge: column-major, then one copy to row-major at the end)
    beta_out, w_out = np.empty((R, p)), np.empty((n, R), order="F")
    cols = np.arange(R)  # the resamples still iterating

    def state(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return _tilted_state(design, A, N, T, posN, lamv, b)  # (of the resamples still iterating)

    H, ratio, obj, m = state(beta)
    for it in range(max_iter):
        Wt = H * m
        grad = Wt.T @ X - T + lamv[:, None] * beta
        done = ~np.any(np.abs(grad) > tol * totN[:, None], axis=1)
        if done.any():  # converged resamples leave the iteration with their solution
            beta_out[cols[done]], w_out[:, cols[done]] = beta[done], np.compress(done, Wt, axis=1)
            if done.all():
                return beta_out, np.ascontiguousarray(w_out)
            go = ~done
            # (np.compress: selecting columns by a mask with [:, go] takes three times as long)
            cols, beta, grad, H, ratio, obj, m = cols[go], beta[go], grad[go], np.compress(go, H, axis=1), \
                ratio[go], obj[go], np.compress(go, m, axis=1)
            Wt = None if chord is not None and it < _CHORD_STEPS else np.compress(go, Wt, axis=1)  # (chord: unused)
            A, N, T, posN, totN, lamv, inv_n = (np.compress(go, A, axis=1), N[go], T[go], posN[go], totN[go],
                                                lamv[go], inv_n[go])
        if chord is not None and it < _CHORD_STEPS:
            step = (grad / totN[:, None]) @ chord.T
        else:
            hess = _hessian(design, H, Wt, ratio, inv_n, lamv)
            step = np.linalg.solve(hess, grad[..., None])[..., 0]
        alpha = np.ones(cols.size)
        for _ in range(30):  # backtracking, vectorised over the resamples
            nb = beta - alpha[:, None] * step
            nH, nratio, nobj, nm = state(nb)
            with np.errstate(invalid="ignore"):  # a step into underflow (a pool's weights all 0) is refused
                ok = np.isfinite(nobj) & (nobj <= obj + 1e-10 * (1.0 + np.abs(obj)))  # round-off: no ascent
            if ok.all() or alpha.max() < 1e-8:
                break
            alpha = np.where(ok, alpha, alpha / 2.0)
        beta, H, ratio, obj, m = nb, nH, nratio, nobj, nm
    beta_out[cols], w_out[:, cols] = beta, H * m
    return beta_out, np.ascontiguousarray(w_out)


#: Chord steps (with the full sample's Hessian) a resample takes before it turns to Newton steps.
_CHORD_STEPS = 20


def _tilted_terms(design: _TiltedDesign, A: np.ndarray, N: np.ndarray, lam: float
                  ) -> tuple[np.ndarray, ...]:
    """The groups fitted, ``N`` without the others, ``sum N``, the ridge and ``1 / N`` per resample.

    A group without any weight (possible in a resample) cannot be fitted: it is left out.
    """
    posN = (N > 0) & (np.asarray(design.ET @ A).T > 0)
    N = np.where(posN, N, 0.0)
    totN = np.maximum(N.sum(axis=1), 1.0)
    return posN, N, totN, lam * totN, np.where(posN, 1.0 / np.where(posN, N, 1.0), 0.0)


#: Rows per block of :func:`_column_max` (a block of a few resamples stays in the CPU's cache).
_MAX_BLOCK = 8192


def _column_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=0)`` of a tall array with few columns, by elementwise maxima of blocks of rows.

    The same values (a maximum does not depend on the order it is taken in; NaN propagates either way), four
    times as quick for a bootstrap chunk's handful of resamples: ``max(axis=0)`` walks a C-ordered array row by
    row, a few columns at a time.
    """
    n = a.shape[0]
    if n < 2 * _MAX_BLOCK:
        return a.max(axis=0)
    full = n - n % _MAX_BLOCK
    acc = a[:_MAX_BLOCK].copy()
    for s in range(_MAX_BLOCK, full, _MAX_BLOCK):
        np.maximum(acc, a[s:s + _MAX_BLOCK], out=acc)
    m = acc.max(axis=0)
    if full < n:
        np.maximum(m, a[full:].max(axis=0), out=m)
    return m


def _tilted_state(design: _TiltedDesign, A: np.ndarray, N: np.ndarray, T: np.ndarray, posN: np.ndarray,
                  lamv: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At ``b`` (resamples x p): the rows' tilts, each group's ``N / sum``, the objective and the rows' ratios."""
    eta = design.X @ b.T
    c = _column_max(eta)  # a shift against overflow (standardised covariates keep eta moderate)
    H = np.subtract(eta, c, out=eta)  # A * exp(eta - c), in place: no temporaries of rows x resamples
    np.exp(H, out=H)
    np.multiply(A, H, out=H)
    S = np.asarray(design.ET @ H).T
    with np.errstate(divide="ignore"):
        log_s = np.where(posN, np.log(np.where(S > 0, S, 0.0)) + c[:, None], 0.0)
    obj = (N * log_s).sum(axis=1) - (T * b).sum(axis=1) + 0.5 * lamv * (b**2).sum(axis=1)
    ratio = np.where(posN, N / np.where(S > 0, S, 1.0), 0.0)
    if design.group is not None:
        return H, ratio, obj, np.ascontiguousarray(ratio.T)[design.group]
    return H, ratio, obj, np.asarray(design.E @ np.ascontiguousarray(ratio.T))


def _hessian(design: _TiltedDesign, H: np.ndarray, Wt: np.ndarray, ratio: np.ndarray, inv_n: np.ndarray,
             lamv: np.ndarray) -> np.ndarray:
    """The Hessian of :func:`_tilted_fit`'s objective per resample (resamples x p x p), from its state."""
    X, XX, iu, ju = design.X, design.XX, design.iu, design.ju
    members, scale, unit = design.members, design.scale, design.unit
    R, p, G = Wt.shape[1], X.shape[1], design.E.shape[1]
    M1 = np.empty((R, G, p))  # per group: the resamples' weighted covariate sums
    for g in range(G):  # one small product per group (pools of months, or intervals)
        Hg = H[members[g]] if unit else H[members[g]] * scale[g][:, None]
        M1[:, g, :] = Hg.T @ X[members[g]]
    M1 *= ratio[:, :, None]
    hess = np.empty((R, p, p))
    if XX is not None:
        hess[:, iu, ju] = Wt.T @ XX  # (this orientation: multi-threaded BLAS is slow on the other)
        hess[:, ju, iu] = hess[:, iu, ju]
    else:  # without the pair products: per resample, in blocks of rows (a few MB of temporaries)
        step = max(1, (1 << 22) // max(p, 1))
        hess[:] = 0.0
        for r in range(R):
            for a in range(0, X.shape[0], step):
                hess[r] += (X[a:a + step] * Wt[a:a + step, r:r + 1]).T @ X[a:a + step]
    hess += lamv[:, None, None] * np.eye(p) - np.einsum("rgp,rgq,rg->rpq", M1, M1, inv_n, optimize=True)
    return hess


def _tilted_hessian(design: _TiltedDesign, A: np.ndarray, N: np.ndarray, beta: np.ndarray, lam: float) -> np.ndarray:
    """The Hessian of one fit of :func:`_tilted_fit` at ``beta`` per unit of its ``sum N`` (p x p): its ``hess0``.

    ``A`` (n x 1), ``N`` (1 x groups) and ``beta`` (1 x p) as given to and returned by that fit.
    """
    posN, N, totN, lamv, inv_n = _tilted_terms(design, A, N, lam)
    H, ratio, _, m = _tilted_state(design, A, N, np.zeros_like(beta), posN, lamv, beta)
    return _hessian(design, H, H * m, ratio, inv_n, lamv)[0] / totN[0]


def _grid(d: np.ndarray, e: np.ndarray, window: float) -> sparse.csr_matrix:
    """Cells (grid time x event) of the durations rounded to ``window / _BOOT_STEPS`` days, beyond the window last."""
    K = _BOOT_STEPS
    k = np.rint(d / (window / K)).astype(np.int64)
    cell = np.where(k > K, 2 * (K + 1), 2 * np.minimum(k, K) + e.astype(np.int64))
    return sparse.csr_matrix((np.ones(d.size), (cell, np.arange(d.size))), shape=(2 * K + 3, d.size))


def _grid_bounds(n_intervals: int) -> np.ndarray:
    return np.unique(np.round(np.linspace(0, _BOOT_STEPS + 1, n_intervals + 1)).astype(np.int64))


def _km_grid(cells: sparse.csr_matrix, weights: list[np.ndarray], bounds: np.ndarray,
             window: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Kaplan-Meier S(window) and restricted mean up to ``window``, one per resample.

    ``weights[g]`` (subjects x resamples) applies on grid times ``bounds[g]
    <= k < bounds[g + 1]`` (time-varying inverse-probability-of-censoring
    weights); one matrix for constant weights. S(window) is NaN where nobody
    with a positive weight was followed that long, unless the curve reached 0.
    """
    K = _BOOT_STEPS
    facs = []
    followed = None
    for g, V in enumerate(weights):  # a handful of intervals
        H = np.asarray(cells @ V).T
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        D = H[:, 2 * lo + 1:2 * hi:2]
        C = H[:, 2 * lo:2 * hi:2]
        total = H[:, 2 * lo:].sum(axis=1)
        gone = D + C
        risk = total[:, None] - (np.cumsum(gone, axis=1) - gone)
        safe = risk > 1e-12
        facs.append(np.where(safe, 1.0 - D / np.where(safe, risk, 1.0), 1.0))
        followed = H[:, 2 * K:].sum(axis=1) > 0
    S = np.clip(np.cumprod(np.concatenate(facs, axis=1), axis=1), 0.0, 1.0)
    s_w = S[:, K]
    rmst = (window / K) * S[:, :K].sum(axis=1)
    s_w = np.where(s_w < 1e-12, 0.0, s_w)  # a curve at 0 up to the round-off of weighted risk sets
    missing = ~followed & (s_w > 0)
    return np.where(missing, np.nan, s_w), np.where(missing, np.nan, rmst)


# =========================================================================== the partitions' rounds
#: The follow-up of an index episode as the figures read it (:meth:`_Purchases.follow` without the look-up
#: positions, which only a partition can read).
_FOLLOW: tuple[str, ...] = ("n_prior", "event", "duration", "followup")
#: The history columns that read the survey answers (:func:`_history`); kept only when some part has answers
#: (the good answers' column: when some part has good ones).
_ANSWER_HISTORY: tuple[str, ...] = ("survey answers", "survey answers in the last 365 days")
_GOOD_HISTORY = "good survey answers"


class AvoidancePart(HoldsArrays):
    """One partition of customers' index episodes with their look-ups, answering :func:`avoidance`'s rounds.

    Built from :func:`avoidance_part`'s rows where they are (a Dask worker),
    it looks up purchases, contacts and answers for its own customers only and
    answers the combining step with rows per index episode or drawn control:
    the follow-up, the history before the index, earlier contacts, the next
    bad experience. No purchase leaves the partition: the combining step
    holds the index episodes, the cases and at most ``_CAND_MAX_ROWS`` drawn
    controls, however many purchases there are. :func:`avoidance` on whole
    tables asks the same rounds of one part.

    Parameters
    ----------
    rows : object
        :func:`avoidance_part` of the partition.
    """

    def __init__(self, rows: _EpisodeRows) -> None:
        if not isinstance(rows, _EpisodeRows):
            raise TypeError("AvoidancePart needs the rows of avoidance_part(...).")
        self.ep = _episodes_from_rows(rows)
        self.index, self.count_open = rows.index, rows.count_open_purchases
        self.positioned = rows.positioned
        self.first_row = rows.act_first  # (each purchaser's first activity row; None on whole tables)

    def _customers(self, codes: np.ndarray) -> dict[str, np.ndarray]:
        return _customer_keys(self.ep, self.first_row, codes)

    def _history(self, codes: np.ndarray, t: np.ndarray, fol: dict[str, np.ndarray],
                 before: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """:func:`_history` with the answers' columns always (zeros without answers here; the combining step
        keeps them when any part has answers)."""
        ep = self.ep
        return _history(ep.pur, codes, t, fol, ep.answers, before, ep.good_answers, always=True)

    def _contacts_before(self, codes: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Contacts strictly before ``t``."""
        c = self.ep.contacts
        return (c.after(codes, t - 1) - c.start[codes]).astype(float)

    def _next_bad(self, codes: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        nb = self.ep.bads.follow(codes, t, self.ep.as_of_ns)
        return {"duration": nb["duration"], "event": nb["event"]}

    def episodes(self, min_prior: int) -> dict[str, Any]:
        """Round 1: the bad and good index episodes' rows (their customers, times, follow-up; the bad ones'
        pre-index rate and median purchase interval with at least ``min_prior`` purchases; the first bad
        ones' history, earlier contacts and next bad experience), and the counts."""
        ep = self.ep
        codes, bad = ep.b_codes, ep.bad
        first = np.flatnonzero(ep.b_first)
        hist = self._history(codes[first], ep.b_t[first], {k: v[first] for k, v in bad.items()}, ep.b_created[first])
        n = codes.size

        def full(v: np.ndarray) -> np.ndarray:  # (a first bad episode's value on its row; NaN on the others)
            out = np.full(n, np.nan)
            out[first] = v
            return out

        nb = self._next_bad(codes[first], ep.b_t[first])
        b = {**self._customers(codes), "t": ep.b_t, "created": ep.b_created, "creation": ep.b_creation,
             "answer": ep.b_answer, "first": ep.b_first, **{k: bad[k] for k in _FOLLOW},
             "rate": _pre_index_rate(ep.pur, codes, ep.b_t, bad),
             "median_interval": _median_intervals(ep.pur, codes, bad["pos"], bad["n_prior"], min_prior),
             "hist": {k: full(v) for k, v in hist.items()},
             "prior": full(self._contacts_before(codes[first], ep.b_created[first])),
             "next_bad_duration": full(nb["duration"]), "next_bad_event": full(nb["event"].astype(float))}
        good = ep.good
        g = {**self._customers(ep.g_codes), "t": ep.g_t, "creation": ep.g_creation, **{k: good[k] for k in _FOLLOW},
             "censored_by_bad": good["censored_by_bad"]}
        return {"counts": ep.counts, "known_at": ep.known_at, "as_of_ns": ep.as_of_ns, "index": self.index,
                "count_open": self.count_open, "positioned": self.positioned,
                "answers": int(ep.answers.at.size), "good_answers": int(ep.good_answers.at.size),
                "answer_rows": int(ep.a_codes.size),
                "bad": b, "good": g}

    def _answer_rows(self, months: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        """The survey answers eligible as controls of answer-indexed cases in ``months`` (the cases' months):
        rated, not bad, in one of the months, by a purchaser with a purchase before and no bad experience up
        to then (as :func:`_answer_trials` chose them on the whole tables)."""
        ep = self.ep
        M = months.size
        first_bad = np.full(ep.n_codes, _NEVER, dtype=np.int64)
        first_bad[ep.b_codes[ep.b_first]] = ep.b_t[ep.b_first]
        a_codes, a_t = ep.a_codes, ep.a_t
        a_month = _month(a_t)
        m = np.minimum(np.searchsorted(months, a_month), M - 1)
        ok = (months[m] == a_month) & (a_codes < ep.n_act) & (a_t < first_bad[a_codes])
        a_codes, a_t, m = a_codes[ok], a_t[ok], m[ok]
        fol = ep.pur.follow(a_codes, a_t, ep.as_of_ns)
        ok = fol["n_prior"] > 0
        return a_codes[ok], a_t[ok], m[ok], {k: v[ok] for k, v in fol.items()}

    def answer_eligible(self, months: np.ndarray) -> int:
        """Round: how many survey answers here are eligible controls in ``months``."""
        return int(self._answer_rows(np.asarray(months, dtype=np.int64))[0].size)

    def answer_controls(self, months: np.ndarray, frac: float, seed: int) -> dict[str, Any]:
        """Round: the eligible survey answers kept by the hash draw with probability ``frac`` (all at 1), with
        what the comparison reads of them."""
        ep = self.ep
        months = np.asarray(months, dtype=np.int64)
        a_codes, a_t, m, fol = self._answer_rows(months)
        if frac < 1.0:  # (the draw of _answer_trials: a hash of what the data say, not of the pseudonym)
            sig = (pd.Series(ep.pur.first()[a_codes]).astype("str") + ":" + pd.Series(a_t).astype("str") + ":"
                   + pd.Series(fol["n_prior"]).astype("str"))
            keep = _uniform(unit_hash(sig.to_numpy(), seed), months[m] * 7919 + 3) < frac
            a_codes, a_t, m = a_codes[keep], a_t[keep], m[keep]
            fol = {k: v[keep] for k, v in fol.items()}
        c = ep.contacts
        nxt = c.after(a_codes, a_t)
        has = nxt < c.start[a_codes + 1]
        contact = np.where(has, c.at[np.minimum(nxt, max(c.at.size - 1, 0))], _NEVER)
        return self._control_rows(a_codes, a_t, m, fol, contact)

    def _control_rows(self, codes: np.ndarray, t: np.ndarray, m: np.ndarray, fol: dict[str, np.ndarray],
                      contact: np.ndarray, **more: np.ndarray) -> dict[str, Any]:
        nb = self._next_bad(codes, t)
        return {**self._customers(codes), "t": t, "m": m, **{k: fol[k] for k in _FOLLOW},
                "hist": self._history(codes, t, fol),
                "contact": np.where(contact == _NEVER, np.inf, (contact - t) / _DAY_NS),
                "prior": self._contacts_before(codes, t), "next_bad_duration": nb["duration"],
                "next_bad_event": nb["event"].astype(float), **more}

    def _eligible(self, t0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each purchaser's range of trials ``[lo, hi)`` (time zeros ``t0`` in [first purchase, first
        contact)), first purchase and first contact."""
        ep = self.ep
        first_buy = ep.pur.first()[: ep.n_act]
        first_contact = ep.contacts.first()[: ep.n_act]
        lo = np.searchsorted(t0, first_buy, side="left")
        hi = np.maximum(np.searchsorted(t0, first_contact, side="left"), lo)
        return lo, hi, first_buy, first_contact

    def pools(self, t0: np.ndarray) -> np.ndarray:
        """Round: the purchasers here eligible in each trial (of time zeros ``t0``), as differences
        (``bincount(lo) - bincount(hi)``; their cumulative sum over the parts' total is the pool)."""
        t0 = np.asarray(t0, dtype=np.int64)
        lo, hi, _, _ = self._eligible(t0)
        return np.bincount(lo, minlength=t0.size + 1) - np.bincount(hi, minlength=t0.size + 1)

    def candidates(self, t0: np.ndarray, months: np.ndarray, frac: np.ndarray, seed: int) -> dict[str, Any]:
        """Round: the first phase's draw of control rows here (each eligible (purchaser, trial) kept with
        probability ``frac[trial]`` by a hash of what the data say about the customer), with their hash
        (the second phase draws again from it) and what the comparison reads of them."""
        ep = self.ep
        t0, months = np.asarray(t0, dtype=np.int64), np.asarray(months, dtype=np.int64)
        lo, hi, first_buy, first_contact = self._eligible(t0)
        pur = ep.pur
        n_pur = np.diff(pur.start)[: ep.n_act]
        last_buy = pur.at[np.maximum(pur.start[1: ep.n_act + 1] - 1, 0)] if pur.at.size else np.zeros(ep.n_act,
                                                                                                         np.int64)
        signature = (pd.Series(first_buy).astype("str") + ":" + pd.Series(n_pur).astype("str") + ":"
                     + pd.Series(last_buy).astype("str") + ":" + pd.Series(first_contact).astype("str"))
        h = unit_hash(signature.to_numpy(), seed)
        codes, m = _draw(lo, hi, months, np.asarray(frac, dtype=float), h, 1)
        t = t0[m]
        return self._control_rows(codes, t, m, pur.follow(codes, t, ep.as_of_ns), first_contact[codes], h=h[codes])


def _customer_keys(ep: _Episodes, first_row: np.ndarray | None, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Each row's customer: its code in the part, its first activity row (``first_row`` of the part's purchasers;
    -1 without a purchase or without ``first_row``) and its label, as text in one Arrow buffer (a label as a
    Python object is about 76 bytes, a third of what a round sends per index episode)."""
    pos = (np.full(codes.size, -1, dtype=np.int64) if first_row is None or not ep.n_act else
           np.where(codes < ep.n_act, first_row[np.minimum(codes, ep.n_act - 1)], -1).astype(np.int64))
    return {"code": codes.astype(np.int64), "pos": pos, "label": pd.array(ep.labels.take(codes), dtype="str")}


def _stack(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows of the parts (dicts of arrays, nested dicts too) stacked."""
    return {k: _stack([p[k] for p in parts]) if isinstance(v, dict)
            else _concat([p[k] for p in parts]) if len(parts) > 1 else v for k, v in parts[0].items()}


def _concat(arrays: list[Any]) -> Any:
    """Arrays stacked: numpy's, or pandas' (the labels' text) as one array of their type."""
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return pd.concat([pd.Series(a, copy=False) for a in arrays], ignore_index=True).array


def _take(rows: dict[str, Any], idx: np.ndarray) -> dict[str, Any]:
    """The rows ``idx`` of a dict of arrays (nested dicts too)."""
    return {k: _take(v, idx) if isinstance(v, dict) else v[idx] for k, v in rows.items()}


def _reorder(rows: dict[str, Any], idx: np.ndarray) -> dict[str, Any]:
    """``rows`` (a dict of arrays, nested dicts too, that nothing else holds) in the order ``idx``, column by
    column in place: one column's copy at a time (every index episode of 5M customers is about 0.5 GB)."""
    for k, v in rows.items():
        rows[k] = _reorder(v, idx) if isinstance(v, dict) else v[idx]
    return rows


def _stacked(got: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The parts' ``name`` rows stacked, each part's let go as it is (their answers are a round's only copy)."""
    rows = _stack([p[name] for p in got])
    for p in got:
        p[name] = None
    return rows


_BIG = np.int64(2) ** 62  # (keys of customers without a purchase: after every activity row's position)


@dataclass
class _Gathered:
    """What the figures read of every part's index episodes (:meth:`AvoidancePart.episodes`), their rows in the
    whole tables' order, and how to put the parts' later rows in it."""

    counts: dict[str, Any]
    known_at: bool
    as_of_ns: int
    bad: dict[str, Any]
    good: dict[str, Any]
    answers: bool  # (some part has survey answers: the history has their columns)
    good_answers: bool
    answer_rows: int  # (rated survey answers that were not bad, on or before as_of: answer-trial candidates)
    offsets: np.ndarray | None  # (per part, the place of its activity rows' positions; None with one part)
    index: str = "first"
    count_open: bool = False

    @classmethod
    def of(cls, got: list[dict[str, Any]]) -> _Gathered:
        first = got[0]
        for p in got[1:]:
            if (p["as_of_ns"], p["index"], p["count_open"]) != (first["as_of_ns"], first["index"],
                                                                 first["count_open"]):
                raise ValueError("the parts were built with different as_of, index or count_open_purchases; build "
                                 "every part with the same options.")
        counts = {k: sum(p["counts"][k] for p in got) for k in first["counts"]}
        with_rows = [p for p in got if p["counts"]["experience_rows"]]
        if len(got) == 1:
            offsets, bad, good = None, first["bad"], first["good"]
            bad = {**bad, "key": bad["code"]}
            good = {**good, "key": good["code"]}
        else:
            offsets = _offsets([p["counts"]["activity_rows"] for p in got], [p["positioned"] for p in got])
            sizes = {k: [p[k]["pos"].size for p in got] for k in ("bad", "good")}
            bad, good = _stacked(got, "bad"), _stacked(got, "good")
            bad["key"] = _keys(_positions(bad["pos"], sizes["bad"], offsets), bad["label"])
            bad = _reorder(bad, np.lexsort((bad["t"], bad["key"])))
            good["key"] = _keys(_positions(good["pos"], sizes["good"], offsets), good["label"])
            good = _reorder(good, customer_order(good["label"]))  # (stable: a customer's rows keep their order)
            if n_distinct(bad["key"][bad["first"]]) < int(bad["first"].sum()) or n_distinct(good["key"]) < good[
                    "key"].size:
                raise ValueError("a customer is in more than one part; split the tables by customer (each "
                                 "customer's experiences and purchases in one part).")
        answers = sum(p["answers"] for p in got) > 0
        return cls(counts=counts, known_at=(with_rows or got)[0]["known_at"], as_of_ns=first["as_of_ns"], bad=bad,
                   good=good, answers=answers, good_answers=answers and sum(p["good_answers"] for p in got) > 0,
                   answer_rows=sum(p["answer_rows"] for p in got), offsets=offsets, index=first["index"],
                   count_open=first["count_open"])

    def rows(self, got: list[dict[str, Any]], *, by_label: bool = False) -> dict[str, Any]:
        """The parts' control rows stacked with their customers' keys, in the whole tables' order: by
        trial month, then customer (``by_label``: by customer label, a customer's rows in their order)."""
        if self.offsets is None:
            return {**got[0], "key": got[0]["code"]}
        rows = _stack(got)
        pos = _positions(rows["pos"], [p["pos"].size for p in got], self.offsets)
        if (pos < 0).any():
            raise ValueError("a control row of a customer without a purchase; build the parts with avoidance_part.")
        rows["key"] = pos
        return _reorder(rows, customer_order(rows["label"]) if by_label else np.lexsort((pos, rows["m"])))

    def history(self, hist: dict[str, np.ndarray], idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The history columns as :func:`_history` gives them on the whole tables (the answers' only when some
        part has answers), of rows ``idx``."""
        drop = (*_ANSWER_HISTORY, _GOOD_HISTORY) if not self.answers else () if self.good_answers else (
            _GOOD_HISTORY,)
        return {k: v if idx is None else v[idx] for k, v in hist.items() if k not in drop}

    def more(self, rows: dict[str, Any], idx: np.ndarray | None = None) -> dict[str, Any]:
        """What the comparison reads of rows ``idx`` (all) beside their trial: label, history, earlier contacts,
        next bad experience (:class:`_Trials`' ``case_more``, ``ctrl_more``)."""
        def at(v: np.ndarray) -> np.ndarray:
            return v if idx is None else v[idx]

        return {"label": at(rows["label"]), "hist": self.history(rows["hist"], idx), "prior": at(rows["prior"]),
                "next_bad_duration": at(rows["next_bad_duration"]),
                "next_bad_event": at(rows["next_bad_event"]) > 0}


def _offsets(activity_rows: list[int], positioned: list[bool]) -> np.ndarray:
    """Per part, what its first activity rows add up to in the whole table: 0 for a part whose rows carry
    their positions in it, else the activity rows of the parts before it (as if stacked in the order given)."""
    return np.where(positioned, 0, np.cumsum([0, *activity_rows[:-1]])).astype(np.int64)


def _positions(pos: np.ndarray, sizes: list[int], offsets: np.ndarray) -> np.ndarray:
    """Stacked rows' first activity row in the whole table: each part's ``pos`` (-1 without a purchase) plus
    its offset (``sizes``: the parts' numbers of rows)."""
    return np.where(pos >= 0, pos + np.repeat(offsets, sizes), -1)


def _keys(pos: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Customer keys in the whole tables' order: purchasers by their first activity row's position (``pos``),
    the others (``pos`` -1) after them in the order of their labels (:func:`customer_order`)."""
    key = pos.astype(np.int64).copy()
    other = np.flatnonzero(pos < 0)
    if other.size:
        o = customer_order(labels[other])
        rank, _ = factorize(pd.Series(labels[other][o], dtype="str"))
        key[other[o]] = _BIG + rank.astype(np.int64)
    return key


@dataclass
class _Trials:
    """The sequential trials: cases, sampled control rows, pools, covariates; ``case_more`` and ``ctrl_more``:
    what the parts looked up for them (``label``, ``hist``, ``prior``, ``next_bad_duration``, ``next_bad_event``)."""

    case_idx: np.ndarray
    case_codes: np.ndarray
    case_t: np.ndarray
    case_pool: np.ndarray
    case_fol: dict[str, np.ndarray]
    ctrl_codes: np.ndarray
    ctrl_t: np.ndarray
    ctrl_month: np.ndarray
    ctrl_pool: np.ndarray
    ctrl_fol: dict[str, np.ndarray]
    ctrl_contact: np.ndarray
    ctrl_design: np.ndarray
    n_pools: int
    info: dict[str, Any]
    case_more: dict[str, Any]
    ctrl_more: dict[str, Any]
    case_family: np.ndarray | None = None
    ctrl_family: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.case_family is None:
            self.case_family = np.zeros(self.case_codes.size, dtype=np.int64)
        if self.ctrl_family is None:
            self.ctrl_family = np.zeros(self.ctrl_codes.size, dtype=np.int64)


def _pools(counts: np.ndarray) -> np.ndarray:
    """Pool of each trial month: consecutive months merged until each pool holds _MIN_CTRL_PER_BLOCK control rows."""
    M = counts.size
    pool_of = np.zeros(M, dtype=np.int64)
    cur, acc = 0, 0
    for m in range(M):  # a loop over the trial months
        pool_of[m] = cur
        acc += counts[m]
        if acc >= _MIN_CTRL_PER_BLOCK and m < M - 1:
            cur, acc = cur + 1, 0
    if acc < _MIN_CTRL_PER_BLOCK and cur > 0:  # the last pool is too small: merge it into the one before
        pool_of[pool_of == cur] = cur - 1
    return pool_of


def _draw(lo: np.ndarray, hi: np.ndarray, months: np.ndarray, frac: np.ndarray, h: np.ndarray,
          salt: int) -> tuple[np.ndarray, np.ndarray]:
    """Eligible (customer, month) rows kept with probability ``frac[month]`` by a hash of the customer and month."""
    has = np.nonzero(hi > lo)[0]
    codes, ms = [], []
    for m in range(months.size):  # one vectorised draw per trial month
        cand = has[(lo[has] <= m) & (hi[has] > m)]
        if frac[m] < 1.0:
            cand = cand[_uniform(h[cand], int(months[m]) * 7919 + salt) < frac[m]]
        codes.append(cand)
        ms.append(np.full(cand.size, m, dtype=np.int64))
    return np.concatenate(codes).astype(np.int64), np.concatenate(ms)


def _trials(g: _Gathered, cases: np.ndarray, seed: int, ask: Any) -> _Trials | None:
    """Trial months, their time zero, the eligible controls (drawn per month) and the pools of months.

    Controls are drawn in two phases: a large random draw of the eligible
    (customer, month) rows, then, after a first weighting fit on it, a draw
    with probabilities roughly proportional to those weights (so the drawn
    controls resemble the cases and their final weights vary little). Every
    drawn row carries its design weight, the inverse of its probability of
    being drawn; the draws are hashes of the customer, so they do not depend
    on the order or the partition of the data. Each partition draws its own
    controls (:meth:`AvoidancePart.pools`, :meth:`AvoidancePart.candidates`,
    asked by ``ask``) and looks up their history.
    """
    c_codes, c_t = g.bad["key"][cases], g.bad["t"][cases]
    c_fol = {k: g.bad[k][cases] for k in _FOLLOW}
    c_month = _month(c_t)
    months, c_m = np.unique(c_month, return_inverse=True)
    M = months.size
    # time zero of the month's controls: the median index time of the month's cases
    t0 = np.round(pd.Series(c_t.astype(float)).groupby(c_m).median().to_numpy()).astype(np.int64)
    n_case = np.bincount(c_m, minlength=M)
    # eligible for the trials whose time zero lies in [first purchase, first contact): a contiguous range
    pool = np.cumsum(np.sum(ask("pools", t0=t0), axis=0))[:M]
    # phase 1: a large random draw; the draws hash what the data says about a customer (purchase history, first
    # contact), not the pseudonym, so point estimates do not move with the pseudonymisation secret
    want = np.minimum(pool, np.maximum(_CAND_MIN_PER_TRIAL, _CAND_PER_CASE * n_case))
    if want.sum() > _CAND_MAX_ROWS:
        want = np.minimum(pool, np.maximum(np.ceil(want * _CAND_MAX_ROWS / want.sum()), 4 * _MIN_CTRL_PER_BLOCK))
    frac1 = np.where(pool > 0, want / np.maximum(pool, 1), 0.0)
    cand = g.rows(ask("candidates", t0=t0, months=months, frac=frac1, seed=seed))
    a_codes, a_m = cand["key"], cand["m"]
    if a_codes.size < _MIN_CTRL_PER_BLOCK:
        return None
    case_more = g.more(g.bad, cases)
    mc = _model_matrix(case_more["hist"])
    ma = _model_matrix(g.history(cand["hist"]))
    Zc, Za, names = _standardise(mc, ma, _MODEL_COVARIATES)
    pool1 = _pools(np.bincount(a_m, minlength=M))
    d1 = 1.0 / frac1[a_m]
    if names:
        E1 = sparse.csr_matrix((np.ones(a_codes.size), (np.arange(a_codes.size), pool1[a_m])))
        N1 = np.bincount(pool1[c_m], minlength=E1.shape[1]).astype(float)[None, :]
        _, w1 = _tilted_fit(_TiltedDesign.build(Za, E1), d1[:, None], N1, Zc.sum(axis=0)[None, :],
                            np.zeros(len(names)), _RIDGE, tol=1e-6)
        score = w1[:, 0] / d1  # the fitted odds of being a case (up to a factor per pool)
    else:
        score = np.ones(a_codes.size)
    # phase 2: probabilities proportional to 0.8 x the odds + 0.2 x their mean (a defensive mixture), per month
    mean_m = np.bincount(a_m, weights=score, minlength=M) / np.maximum(np.bincount(a_m, minlength=M), 1)
    score = 0.8 * score / np.where(mean_m > 0, mean_m, 1.0)[a_m] + 0.2
    target = np.minimum(np.bincount(a_m, minlength=M), np.maximum(_CTRL_MIN_PER_TRIAL, _CTRL_PER_CASE * n_case))
    if target.sum() > _CTRL_MAX_ROWS:
        target = np.minimum(target, np.maximum(np.ceil(target * _CTRL_MAX_ROWS / target.sum()),
                                               2 * _MIN_CTRL_PER_BLOCK))
    scale = target / np.maximum(np.bincount(a_m, weights=score, minlength=M), 1e-300)
    for _ in range(20):  # rows capped at probability 1 give their share to the others
        prob = np.minimum(1.0, scale[a_m] * score)
        capped = prob >= 1.0
        rest = target - np.bincount(a_m, weights=capped.astype(float), minlength=M)
        free = np.bincount(a_m, weights=np.where(capped, 0.0, score), minlength=M)
        scale = np.where(free > 0, np.maximum(rest, 0.0) / np.maximum(free, 1e-300), scale)
    prob = np.minimum(1.0, scale[a_m] * score)
    keep = _uniform(cand["h"], months[a_m] * 7919 + 2) < prob
    k_codes, k_m = a_codes[keep], a_m[keep]
    if k_codes.size < _MIN_CTRL_PER_BLOCK:
        return None
    pool_of = _pools(np.bincount(k_m, minlength=M))
    k_t = t0[k_m]
    kept = _take(cand, np.flatnonzero(keep))
    info = {"trial_months": int(M), "pools": int(pool_of.max() + 1), "control_rows": int(k_codes.size),
            "control_customers": n_distinct(k_codes), "eligible_control_rows": int(pool.sum()),
            "first_phase_rows": int(a_codes.size)}
    return _Trials(case_idx=cases, case_codes=c_codes, case_t=c_t, case_pool=pool_of[c_m], case_fol=c_fol,
                   ctrl_codes=k_codes, ctrl_t=k_t, ctrl_month=months[k_m], ctrl_pool=pool_of[k_m],
                   ctrl_fol={k: kept[k] for k in _FOLLOW}, ctrl_contact=kept["contact"],
                   ctrl_design=d1[keep] / prob[keep], n_pools=int(pool_of.max() + 1), info=info,
                   case_more=case_more, ctrl_more=g.more(kept))


def _answer_trials(g: _Gathered, cases: np.ndarray, seed: int, ask: Any) -> _Trials | None:
    """The active comparator of the cases indexed by a survey answer that is not about a ticket.

    Answering a survey shows that the customer is still engaged; customers
    "not contacted yet" include many who have silently stopped buying, so
    against them an answer-indexed case looks worse than it is (the planted
    -truth validation measured a 10-point bias with customer lifetimes).
    Their controls are rated survey answers that were not bad, given in a
    month of the cases by customers with a purchase before and no bad
    experience up to then; time zero is the answer's own time. Capped at
    ``_CTRL_MAX_ROWS`` rows by a hash draw of the customer and month (each
    row carrying the inverse of its probability).
    """
    if cases.size == 0 or g.answer_rows == 0 or cases.size < _MIN_ANSWER_CASES:
        return None
    c_codes, c_t = g.bad["key"][cases], g.bad["t"][cases]
    c_fol = {k: g.bad[k][cases] for k in _FOLLOW}
    months, c_m = np.unique(_month(c_t), return_inverse=True)
    M = months.size
    n_elig = int(sum(ask("answer_eligible", months=months)))
    frac = min(1.0, _CTRL_MAX_ROWS / max(n_elig, 1))
    rows = g.rows(ask("answer_controls", months=months, frac=frac, seed=seed), by_label=True)
    a_codes, a_t, m = rows["key"], rows["t"], rows["m"]
    if a_codes.size < max(_MIN_CTRL_PER_BLOCK, _MIN_ANSWER_CONTROLS):
        return None
    pool_of = _pools(np.bincount(m, minlength=M))
    info = {"trial_months": int(M), "pools": int(pool_of.max() + 1), "control_rows": int(a_codes.size),
            "control_customers": n_distinct(a_codes), "eligible_control_rows": n_elig,
            "first_phase_rows": int(a_codes.size), "answer_cases": int(cases.size),
            "answer_control_rows": int(a_codes.size), "answer_eligible_control_rows": n_elig}
    return _Trials(case_idx=cases, case_codes=c_codes, case_t=c_t, case_pool=pool_of[c_m], case_fol=c_fol,
                   ctrl_codes=a_codes, ctrl_t=a_t, ctrl_month=months[m], ctrl_pool=pool_of[m],
                   ctrl_fol={k: rows[k] for k in _FOLLOW}, ctrl_contact=rows["contact"],
                   ctrl_design=np.full(a_codes.size, 1.0 / frac), n_pools=int(pool_of.max() + 1), info=info,
                   case_more=g.more(g.bad, cases), ctrl_more=g.more(rows))


def _merge_trials(a: _Trials | None, b: _Trials | None) -> _Trials | None:
    """Two families of trials side by side (their pools kept apart)."""
    if a is None or b is None:
        return a if b is None else b
    cat = np.concatenate
    info = dict(a.info)
    for k, v in b.info.items():  # counts add up (trial months of the two kinds may coincide)
        info[k] = info.get(k, 0) + v
    info["control_customers"] = n_distinct(cat([a.ctrl_codes, b.ctrl_codes]))
    info["trial_months"] = n_distinct(cat([a.ctrl_month, b.ctrl_month, _month(a.case_t), _month(b.case_t)]))
    info["pools"] = a.n_pools + b.n_pools
    return _Trials(
        case_idx=cat([a.case_idx, b.case_idx]), case_codes=cat([a.case_codes, b.case_codes]),
        case_t=cat([a.case_t, b.case_t]), case_pool=cat([a.case_pool, b.case_pool + a.n_pools]),
        case_fol={k: cat([a.case_fol[k], b.case_fol[k]]) for k in a.case_fol},
        ctrl_codes=cat([a.ctrl_codes, b.ctrl_codes]), ctrl_t=cat([a.ctrl_t, b.ctrl_t]),
        ctrl_month=cat([a.ctrl_month, b.ctrl_month]), ctrl_pool=cat([a.ctrl_pool, b.ctrl_pool + a.n_pools]),
        ctrl_fol={k: cat([a.ctrl_fol[k], b.ctrl_fol[k]]) for k in a.ctrl_fol},
        ctrl_contact=cat([a.ctrl_contact, b.ctrl_contact]), ctrl_design=cat([a.ctrl_design, b.ctrl_design]),
        n_pools=a.n_pools + b.n_pools, info=info, case_more=_stack([a.case_more, b.case_more]),
        ctrl_more=_stack([a.ctrl_more, b.ctrl_more]),
        case_family=cat([a.case_family, b.case_family + a.case_family.max() + 1]),
        ctrl_family=cat([a.ctrl_family, b.ctrl_family + a.case_family.max() + 1]))


def _smd(case: np.ndarray, ctrl: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[float, ...]:
    """Means (cases; controls with their design weights ``d``, and with their final weights ``w``) and the
    standardised differences before and after weighting (pooled standard deviation of cases and controls)."""
    m1 = float(case.mean())
    m0 = float(np.sum(d * ctrl) / np.sum(d))
    mw = float(np.sum(w * ctrl) / np.sum(w))
    v0 = float(np.sum(d * (ctrl - m0) ** 2) / np.sum(d))
    sd = math.sqrt((case.var() + v0) / 2.0)
    if not sd > 0:
        return m1, m0, mw, 0.0, 0.0
    return m1, m0, mw, (m1 - m0) / sd, (m1 - mw) / sd


def _comparison(g: _Gathered, ask: Any, *, window: float, n_resamples: int, seed: int,
                confidence: float) -> dict[str, Any]:
    """The primary and secondary no-contact comparisons, their balance and their customer bootstrap (the parts'
    controls asked by ``ask``)."""
    out: dict[str, Any] = {"rows": {}, "curve": None, "balance": None, "controls": None}
    first = g.bad["first"]
    eligible = first & (g.bad["n_prior"] > 0)
    info: dict[str, Any] = {"bad_customers": int(first.sum()), "cases": int(eligible.sum()),
                            "cases_without_prior_purchase": int((first & ~eligible).sum())}
    out["info"] = info
    if not eligible.any():
        out["reason"] = ("no bad-experience customer with a purchase before the index" if first.any()
                         else "no bad experience on or before as_of")
        return out
    idx = np.nonzero(eligible)[0]
    answer = g.bad["answer"][idx]
    tr_answer = _answer_trials(g, idx[answer], seed, ask)
    if tr_answer is None:  # no answers to compare with: those cases join the no-contact trials
        answer = np.zeros(idx.size, dtype=bool)
    tr = _merge_trials(_trials(g, idx[~answer], seed, ask) if (~answer).any() else None, tr_answer)
    if tr is None:
        out["reason"] = "too few customers without contact at the bad-experience index dates to compare with"
        return out
    info.update(tr.info)
    # ------------------------------------------------------------------ covariates and the weighting
    hc, hk = tr.case_more["hist"], tr.ctrl_more["hist"]
    mc, mk = _model_matrix(hc), _model_matrix(hk)
    Zc, Zk, names = _standardise(mc, mk, _MODEL_COVARIATES)
    n_c, n_k = tr.case_codes.size, tr.ctrl_codes.size
    p = len(names)
    design = tr.ctrl_design[:, None]
    # one weighting per family of trials (no-contact controls; survey-answer controls): each family's cases are
    # balanced by its own controls
    families = []
    for f in np.unique(tr.case_family):
        ci, ki = np.nonzero(tr.case_family == f)[0], np.nonzero(tr.ctrl_family == f)[0]
        pools_f, kp = np.unique(tr.ctrl_pool[ki], return_inverse=True)
        cp = np.minimum(np.searchsorted(pools_f, tr.case_pool[ci]), pools_f.size - 1)  # (pools hold controls)
        G = pools_f.size
        families.append({
            "ci": ci, "ki": ki, "cp": cp, "kp": kp, "design": tr.ctrl_design[ki][:, None], "Zc": Zc[ci],
            "onehot_c": sparse.csr_matrix((np.ones(ci.size), (np.arange(ci.size), cp)), shape=(ci.size, G)),
            "pools": sparse.csr_matrix((np.ones(ki.size), (np.arange(ki.size), kp)), shape=(ki.size, G)),
        })
        families[-1]["weighting"] = _TiltedDesign.build(Zk[ki], families[-1]["pools"]) if p else None

    def fit(Bc: np.ndarray, Bk: np.ndarray, beta0: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
        """Weights (controls x resamples) for case and control resampling weights (rows x resamples).

        The full-sample fit (one column of ones) also stores each family's Hessian (``fam["hess0"]``), with
        which the resamples' fits then take their steps.
        """
        R = Bc.shape[1]
        W = np.zeros((n_k, R))
        betas = []
        for fam, b0 in zip(families, beta0):
            bk = Bk[fam["ki"]] * fam["design"]
            S = np.asarray(fam["pools"].T @ bk).T
            bc = Bc[fam["ci"]] * (S > 0)[:, fam["cp"]].T  # (in a resample) cases of a pool without controls
            N = np.asarray(fam["onehot_c"].T @ bc).T
            if fam["weighting"] is None:
                betas.append(np.zeros((R, 0)))
                W[fam["ki"]] = bk * np.where(S > 0, N / np.where(S > 0, S, 1), 0)[:, fam["kp"]].T
                continue
            b, w_f = _tilted_fit(fam["weighting"], bk, N, bc.T @ fam["Zc"], b0, _RIDGE,
                                 tol=1e-10 if R == 1 else 1e-4, hess0=fam.get("hess0"))
            if "hess0" not in fam:
                fam["hess0"] = _tilted_hessian(fam["weighting"], bk, N, b, _RIDGE)
            betas.append(b)
            W[fam["ki"]] = w_f
        return betas, W

    beta, W = fit(np.ones((n_c, 1)), np.ones((n_k, 1)), [np.zeros(p)] * len(families))
    w = W[:, 0]
    ess = float(w.sum() ** 2 / np.sum(w**2))
    rows = []
    for name in names:
        rows.append((name, "model", True, *_smd(mc[name], mk[name], tr.ctrl_design, w)))
    for name in hc:
        rows.append((name, "raw", True, *_smd(hc[name], hk[name], tr.ctrl_design, w)))
    prior, prior_k = tr.case_more["prior"], tr.ctrl_more["prior"]
    rows.append(("earlier contacts", "raw", False, *_smd(prior.astype(float), prior_k.astype(float),
                                                           tr.ctrl_design, w)))
    balance = pd.DataFrame(rows, columns=["covariate", "scale", "adjusted", "mean_bad", "mean_control",
                                          "mean_control_weighted", "smd_before", "smd_after"])
    out["balance"] = balance
    model = balance[balance["scale"] == "model"]
    max_smd = float(model["smd_after"].abs().max()) if len(model) else 0.0
    info.update({"effective_controls": ess, "max_abs_smd_after": max_smd,
                 "max_abs_smd_before": float(model["smd_before"].abs().max()) if len(model) else 0.0,
                 "largest_weight_share": float(w.max() / w.sum()),
                 "cases_with_earlier_contacts": int((prior > 0).sum())})
    out["poor_overlap"] = bool(ess < max(_ESS_MIN, _ESS_SHARE * n_c) or max_smd > _SMD_MAX)
    # do bad experiences recur with the customer? The cases' next bad experience against the weighted controls'
    # first, within the window (Kaplan-Meier, censored at as_of). After the index this only diagnoses: the cases'
    # share is if anything lowered by the experience (fewer purchases, fewer tickets)
    cm, km_ = tr.case_more, tr.ctrl_more
    later_c = 1.0 - _surv_at(kaplan_meier(cm["next_bad_duration"], cm["next_bad_event"]), window, confidence)[0]
    later_k = 1.0 - _surv_at(kaplan_meier(km_["next_bad_duration"], km_["next_bad_event"], weights=w), window,
                             confidence)[0]
    info.update({"further_bad_within_window_cases": later_c, "first_bad_within_window_controls": later_k})
    out["recurring_bad"] = bool(later_c - later_k >= RECURRENCE_MAX)

    # ------------------------------------------------------------------ point estimates
    cd, ce = tr.case_fol["duration"], tr.case_fol["event"]
    kd, ke = tr.ctrl_fol["duration"], tr.ctrl_fol["event"]
    km_bad = kaplan_meier(cd, ce, confidence=confidence)
    km_base = kaplan_meier(kd, ke, weights=w, confidence=confidence)
    out["curve"] = km_base
    s_bad, _, _, r_bad = _surv_at(km_bad, window, confidence)
    s_base, _, _, r_base = _surv_at(km_base, window, confidence)
    rm_bad, rm_base = _rmst(km_bad, window), _rmst(km_base, window)
    # secondary: controls censored at their first later contact, inverse-probability-of-censoring weighted
    contact_first = tr.ctrl_contact < kd
    sd2 = np.where(contact_first, tr.ctrl_contact, kd)
    se2 = ke & ~contact_first
    hc_c = {k: v for k, v in mc.items() if k in _CENSOR_COVARIATES}
    Xc, _, cnames = _standardise({k: mk[k] for k in hc_c}, {k: mk[k] for k in hc_c}, _CENSOR_COVARIATES)
    bounds = _grid_bounds(_CENSOR_INTERVALS)
    step = window / _BOOT_STEPS
    edges = bounds * step
    lens = np.diff(edges)
    at_risk_until = np.where(contact_first & (tr.ctrl_contact <= window), tr.ctrl_contact, np.minimum(kd, window))
    contacted = contact_first & (tr.ctrl_contact <= window)
    expo = sparse.csr_matrix(np.clip(at_risk_until[:, None] - edges[None, :-1], 0.0, lens[None, :]))
    c_int = np.clip(np.searchsorted(edges, tr.ctrl_contact, side="right") - 1, 0, lens.size - 1)
    onehot_contact = sparse.csr_matrix((contacted.astype(float), (np.arange(n_k), c_int)), shape=(n_k, lens.size))
    censoring = _TiltedDesign.build(Xc, expo) if contacted.any() and Xc.shape[1] else None

    censoring_hess: list[np.ndarray] = []  # the full sample's Hessian, for the resamples' steps

    def inv_censoring(Bk: np.ndarray, gamma0: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """1 / K(interval midpoint | covariates) per control row, interval and resample, capped at _MAX_IPCW."""
        R = Bk.shape[1]
        Bk = Bk * design
        N = np.asarray(onehot_contact.T @ Bk).T
        if censoring is None:
            return [np.ones((n_k, R))] * lens.size, np.zeros((R, Xc.shape[1]))
        gamma, _ = _tilted_fit(censoring, Bk, N, (Bk * contacted[:, None]).T @ Xc, gamma0, _RIDGE,
                               tol=1e-10 if R == 1 else 1e-4,
                               hess0=censoring_hess[0] if censoring_hess else None)
        if not censoring_hess:
            censoring_hess.append(_tilted_hessian(censoring, Bk, N, gamma, _RIDGE))
        with np.errstate(over="ignore"):
            h = np.exp(Xc @ gamma.T)  # controls x resamples
            base = np.asarray(expo.T @ (Bk * h)).T
            lam0 = np.where(N > 0, N / np.where(base > 0, base, 1.0), 0.0)  # contacts per day of exposure
            cum = (np.concatenate([np.zeros((R, 1)), np.cumsum(lam0 * lens, axis=1)[:, :-1]], axis=1)
                   + lam0 * lens / 2.0)
            out = []
            for i in range(lens.size):  # min(exp(h * cum_i), _MAX_IPCW), in place
                x = np.multiply(h, cum[:, i], out=h if i == lens.size - 1 else None)
                out.append(np.minimum(np.exp(x, out=x), _MAX_IPCW, out=x))
            return out, gamma

    cells_c, cells_k, cells_k2 = _grid(cd, ce, window), _grid(kd, ke, window), _grid(sd2, se2, window)
    one_pool = np.array([0, _BOOT_STEPS + 1])
    inv_k, gamma = inv_censoring(np.ones((n_k, 1)), np.zeros(Xc.shape[1]))
    s_cens, _ = _km_grid(cells_k2, [W * ik for ik in inv_k], bounds, window)
    s_cens = float(s_cens[0])
    info["controls_contacted_before_a_purchase_within_the_window"] = int(contacted.sum())

    # ------------------------------------------------------------------ the customer bootstrap, weights refitted
    units, at = np.unique(np.concatenate([tr.case_codes, tr.ctrl_codes]), return_index=True)
    pos_c, pos_k = np.searchsorted(units, tr.case_codes), np.searchsorted(units, tr.ctrl_codes)
    labels = _concat([tr.case_more["label"], tr.ctrl_more["label"]])[at]
    boot = {k: np.full(n_resamples, np.nan) for k in ("bad", "base", "cens", "rm_bad", "rm_base")}
    hashes = unit_hash(labels, seed)  # once, not per chunk of resamples
    for reps in _chunks(n_resamples, (n_c + n_k) * (p + 4)):
        P = np.ascontiguousarray(poisson_weights_from_hash(hashes, reps).T, dtype=float)  # customers x resamples
        Bc, Bk = P[pos_c], P[pos_k]
        _, Wr = fit(Bc, Bk, [b[0] for b in beta])
        boot["bad"][reps], boot["rm_bad"][reps] = _km_grid(cells_c, [Bc], one_pool, window)
        boot["base"][reps], boot["rm_base"][reps] = _km_grid(cells_k, [Wr], one_pool, window)
        ik, _ = inv_censoring(Bk, gamma[0])
        boot["cens"][reps], _ = _km_grid(cells_k2, [Wr * x for x in ik], bounds, window)
    diff = boot["bad"] - boot["base"]
    diff_c = boot["bad"] - boot["cens"]
    diff_rm = boot["rm_bad"] - boot["rm_base"]
    note = r_bad or r_base
    out["rows"] = {
        "avoid_2y_baseline": (s_base, *percentile_interval(boot["base"], confidence), np.nan, r_base),
        "excess_avoidance": (s_bad - s_base, *percentile_interval(diff, confidence), _boot_p(diff), note),
        "excess_avoidance_censored": (s_bad - s_cens, *percentile_interval(diff_c, confidence), _boot_p(diff_c),
                                      note),
        "rmst_diff_2y": (rm_bad - rm_base, *percentile_interval(diff_rm, confidence), _boot_p(diff_rm), note),
    }
    if note:
        out["rows"] = {k: (np.nan, np.nan, np.nan, np.nan, note) for k in out["rows"]}
    info["bootstrap_resamples_without_estimate"] = int((~np.isfinite(diff)).sum())
    info["s_bad_compared"] = s_bad
    out["controls"] = {"codes": tr.ctrl_codes, "labels": tr.ctrl_more["label"], "t": tr.ctrl_t, "fol": tr.ctrl_fol,
                       "weight": w,
                       "month": tr.ctrl_month, "contact_days": tr.ctrl_contact}
    out["cases"] = {"n": n_c, "events": int(ce.sum()), "followed": int((tr.case_fol["followup"] >= window).sum()),
                    "followup": tr.case_fol["followup"]}
    return out


# =========================================================================== result
@dataclass(repr=False)
class AvoidanceResult(Result):
    """Result of :func:`avoidance`.

    Attributes
    ----------
    figures : DataFrame
        The tidy table :meth:`summary` returns: one row per figure id (see
        :data:`FIGURE_IDS`) with ``group``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n``, ``n_events``, ``n_followed_window``, ``p_value``
        (the bootstrap test of "no difference" of the comparisons),
        ``method``, ``definition`` (the design: index time, comparison,
        adjustment, sampling unit), ``note`` (why a figure is missing, and
        caveats) and ``flags`` (a list of :data:`FLAGS` codes). The cited
        survey figures are in the registry (:mod:`csanalysis.registry`).
    curves : dict
        Kaplan-Meier results (:class:`csanalysis.stats.survival.KaplanMeierResult`)
        of time to the next purchase for ``"bad"``, ``"good"`` and
        ``"baseline"`` (the weighted controls; ``None`` when a group is empty).
    logrank : dict
        :class:`csanalysis.stats.survival.LogRankResult` for ``"bad_vs_good"``
        (``None`` when a group is empty). The bad-versus-baseline test is the
        bootstrap ``p_value`` of ``excess_avoidance`` (a log-rank test does
        not hold for weighted, overlapping groups).
    episodes : DataFrame
        One row per index episode: ``group`` (bad / good / baseline),
        ``customer``, ``index_at``, ``duration_days``, ``event`` (a purchase
        was seen), ``followup_days`` (days from the index to ``as_of``),
        ``prior_purchases``, ``threshold_days`` (bad: the "changed"
        threshold), ``weight`` (baseline: the control's weight; 1 otherwise),
        ``trial`` (baseline: the trial month), ``contact_days`` (baseline:
        days to the control's first later contact), ``first`` (the
        customer's first bad experience).
    window : float
        Days.
    as_of : Timestamp
        End of follow-up.
    index, baseline : str
        The options used.
    confidence : float
    counts : dict
        Rows dropped and why, index dates after ``as_of``, purchases not
        counted because a ticket was open.
    comparison : dict
        The design of the no-contact comparison: cases, controls, trials,
        effective sample size, largest standardised difference, bootstrap.
    balance : DataFrame or None
        One row per covariate: ``covariate``, ``scale`` (``model``: the
        balanced model covariates; ``raw``: the history on its own scale),
        ``adjusted``, ``mean_bad``, ``mean_control``,
        ``mean_control_weighted``, ``smd_before``, ``smd_after``.
    changed_rule : ChangedRule
    count_open_purchases : bool
    kept : dict or None
        Without the rows (:meth:`~csanalysis.results.Result.without_rows`:
        ``episodes`` None): what the plots and :meth:`censoring_trap` read of
        them (:meth:`episode_counts`).
    """

    figures: pd.DataFrame
    curves: dict[str, KaplanMeierResult | None]
    logrank: dict[str, LogRankResult | None]
    episodes: pd.DataFrame | None
    window: float
    as_of: pd.Timestamp
    index: str
    baseline: str
    confidence: float
    counts: dict[str, Any] = field(default_factory=dict)
    comparison: dict[str, Any] = field(default_factory=dict)
    balance: pd.DataFrame | None = None
    changed_rule: ChangedRule = field(default_factory=ChangedRule)
    count_open_purchases: bool = False
    kept: dict[str, Any] | None = field(default=None, repr=False)

    title = "Avoidance after a bad service experience"
    row_fields = ("episodes",)

    def _row_facts(self) -> dict[str, Any]:
        return {"episode_counts": self.episode_counts()}

    def episode_counts(self) -> dict[str, float]:
        """What the plots and :meth:`censoring_trap` read of the episodes: ``baseline`` (the control
        episodes) and ``followed_less_than_window`` (the share of customers' first bad experiences followed
        for less than the window; NaN without any)."""
        def count() -> dict[str, float]:
            ep = self.episodes
            bad = ep[(ep["group"] == "bad") & ep["first"].astype(bool)]
            return {"baseline": int((ep["group"] == "baseline").sum()),
                    "followed_less_than_window": (float((bad["followup_days"] < self.window).mean()) if len(bad)
                                                  else np.nan)}
        return dict(self._kept("episode_counts", count))

    def summary(self) -> pd.DataFrame:
        """One tidy row per figure (see :data:`FIGURE_IDS`)."""
        out = self.figures.copy()
        out["flags"] = [list(f) for f in out["flags"]]
        return out

    def figure(self, figure_id: str) -> dict[str, Any]:
        """One figure as a JSON-ready dict.

        Examples
        --------
        >>> exp, act, truth = simulate_avoidance_scenario(600, seed=1)
        >>> res = avoidance(exp, act, baseline="none", n_resamples=50)
        >>> sorted(res.figure("avoid_2y_after_bad"))[:3]
        ['ci_high', 'ci_low', 'definition']
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
            "count_open_purchases": self.count_open_purchases,
            "summary": frame_records(self.figures),
            "logrank": {k: (None if v is None else v.to_dict()) for k, v in self.logrank.items()},
            "counts": self.counts,
            "comparison": self.comparison,
            "balance": [] if self.balance is None else frame_records(self.balance),
            "changed_rule": asdict(self.changed_rule) | {"description": self.changed_rule.describe()},
        })

    def __repr__(self) -> str:
        lines = [f"AvoidanceResult(window={self.window:g} days, as_of={self.as_of.date()}, index={self.index!r})"]
        for r in self.figures.itertuples():
            est = "missing" if not np.isfinite(r.estimate) else f"{r.estimate:.3f}"
            ci = "" if not np.isfinite(r.ci_low) else f" [{r.ci_low:.3f}, {r.ci_high:.3f}]"
            fl = f" {list(r.flags)}" if len(r.flags) else ""
            lines.append(f"  {r.figure:<28} {est}{ci}{fl}")
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
        out = pd.DataFrame(
            {"estimate": [naive["estimate"], km["estimate"]], "ci_low": [np.nan, km["ci_low"]],
             "ci_high": [np.nan, km["ci_high"]]},
            index=["naive count", "Kaplan-Meier"], dtype="float64")
        out.attrs["followed_less_than_window"] = self.episode_counts()["followed_less_than_window"]
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


# =========================================================================== design texts
def _index_text(known_at: bool) -> str:
    if not known_at:
        return "dated by the experiences' `at` time (the table has no known_at column)"
    return ("dated when it became known (a ticket's solved time, else its closed time, else creation plus "
            "resolution time, else its creation time; a survey answer's recorded or submitted time; a first-reply "
            "SLA breach when the SLA ran out; a bad rating or a reopen rule at the solved time, since exports "
            "carry no event log of ratings and reopens)")


def _outcome_text(count_open: bool) -> str:
    return ("outcome: days to the next purchase strictly after the index, censored at as_of; "
            + ("purchases placed while one of the customer's tickets was open count as purchases "
               "(count_open_purchases=True)" if count_open else
               "purchases placed while one of the customer's tickets was open (between its creation and its solved "
               "time) are replacement orders and do not count, neither as returns nor in the history"))


_COMPARISON_TEXT = (
    "comparison: sequential emulated trials, one per calendar month: the bad-experience customers with a purchase "
    "before their index (cases) against customers who at the month's time zero (the median index time of its "
    "cases) had bought before and had not been contacted yet (controls; a contact is a ticket or a bad "
    "experience; a survey answer that was not bad is history, not a contact; a customer can be a control in several "
    "months; later contacts of a control are ignored: 'bad experience now' against 'no contact now'; drawn per "
    f"month by a hash of the customer, about {_CTRL_PER_CASE} per case and at least {_CTRL_MIN_PER_TRIAL}, in two "
    "phases: at random, then with probabilities following a first weighting fit, each control carrying the "
    "inverse of its probability of being drawn); cases whose bad experience is a survey answer not about a ticket "
    "are compared instead with the survey answers that were not bad, given in the same month by customers who had "
    f"bought before and had no bad experience yet (given at least {_MIN_ANSWER_CASES} such cases and "
    f"{_MIN_ANSWER_CONTROLS} such answers; time zero: the answer; answering shows the customer is still "
    "engaged, which customers not contacted yet are not known to be); adjustment, separately for the two kinds of "
    "trials: control weights that reproduce the cases' mean "
    "pre-index history (purchases, purchases in the last 365 days, purchases per year, days since the last and "
    "since the first purchase, spend, one-time buyers, earlier survey answers and the share of them that were good; "
    "logs, squares and recency x rate) within pools of "
    f"months holding at least {_MIN_CTRL_PER_BLOCK} control rows (entropy balancing: the odds of being a case "
    "modelled as log-linear in that history, fitted by Newton steps); earlier contacts are not adjusted for, "
    "no-contact controls have none by design; bad-experience customers without an earlier purchase are left out (no "
    "comparable controls); sampling unit: the customer, intervals from a Poisson(1) bootstrap over customers "
    "(weights from a hash of the customer id) that refits the weights in every resample; durations rounded to "
    f"window/{_BOOT_STEPS} days in the resamples")


# =========================================================================== main
def avoidance(
    experiences: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    window: float = 730,
    as_of: Any = None,
    index: Literal["first", "every"] = "first",
    baseline: Literal["weighted", "none"] = "weighted",
    changed_rule: ChangedRule | Mapping[str, Any] | None = None,
    count_open_purchases: bool = False,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = 0,
    confidence: float = 0.95,
) -> AvoidanceResult:
    """How many customers avoid the company after a bad experience, and how many more than without it.

    Parameters
    ----------
    experiences : DataFrame
        One row per service contact with ``customer`` (str), ``at`` (UTC
        timestamp of the contact), ``bad``, ``good`` and ``rated`` (bool), and
        ``known_at`` / ``known_from`` / ``resolved_at`` as
        :func:`csanalysis.experiences.experiences` returns them (without
        ``known_at`` the index time is ``at``).
    activity : DataFrame
        Purchases (canonical activity table) with ``customer`` and ``at``; one
        row per order, ``amount`` used for spend when present. Link it with
        :func:`csanalysis.link.link_customers`.
    window : float, default 730
        Days without a purchase that count as avoidance.
    as_of : timestamp, optional
        End of follow-up (extraction date). Default: the last purchase in
        ``activity``. Purchases after it are ignored; index dates after it are
        dropped and counted.
    index : {"first", "every"}, default "first"
        ``"first"``: each customer's first bad experience starts the clock.
        ``"every"``: every bad experience does (a sensitivity check); intervals
        then come from a bootstrap over customers. The comparison always uses
        the first.
    baseline : {"weighted", "none"}, default "weighted"
        Compare with weighted customers not contacted yet, or not.
    changed_rule : ChangedRule or dict, optional
        When buying counts as changed (default :class:`ChangedRule`).
    count_open_purchases : bool, default False
        Count purchases placed while one of the customer's tickets was open
        (after its creation, up to its solved time). By default they are
        replacement orders, not purchases.
    n_resamples : int, default 1000
        Bootstrap resamples (comparisons, changed share, ``index="every"``).
    seed : int, Generator or None, default 0
        Seed of the control draws and of the bootstraps (an int keeps the
        hash-based resampling weights of each customer fixed).
    confidence : float, default 0.95

    Returns
    -------
    AvoidanceResult
        ``.summary()`` has one row per figure id of :data:`FIGURE_IDS`.

    Notes
    -----
    *Index and outcome.* The index time of an experience is when it became
    known (``known_at``); a customer's first bad experience is the earliest
    known. The outcome is the number of days to the next purchase strictly
    after the index; without one (up to ``as_of``) the customer is censored
    at ``as_of``. Purchases placed while one of the customer's tickets was
    open are not purchases (``count_open_purchases=False``).
    ``avoid_2y_after_bad`` is the Kaplan-Meier ``S(window)`` with the
    log(-log) Greenwood interval; ``S = 0`` once the curve has reached 0
    (with an exact binomial upper end). When nobody was followed for
    ``window`` days the figure is missing, with the reason in ``note``.
    ``naive_avoid_2y_after_bad`` counts customers without an observed
    purchase within the window, whatever their follow-up; it is biased
    upwards by censoring and shown only as a contrast.

    *Good experiences.* Customers whose first *rated* experience was good,
    indexed when it became known, censored when a later bad experience
    becomes known (nothing after the index defines the group).

    *The no-contact comparison* (the estimand of issue 10: among customers
    whose first bad experience is at time zero, their share without a
    purchase for ``window`` days against the share they would have had
    without it). Sequential emulated trials, one per calendar month with
    cases: the cases are the bad-experience customers with an earlier
    purchase; the controls are customers who at the month's time zero (the
    median index time of its cases) had an earlier purchase and no service
    contact yet; a customer may be a control in several months and a case
    later. Each month draws about 10 controls per case (at least 30) by a
    hash of the customer, in two phases: a random draw of up to 50 per case,
    then a draw with probabilities following a first weighting fit on it
    (a defensive mixture: 0.8 x the fitted odds + 0.2), each drawn control
    carrying the inverse of its probability of being drawn as its design
    weight. Later contacts of a control are ignored
    (primary: ``avoid_2y_baseline``, ``excess_avoidance``,
    ``rmst_diff_2y``). The controls are weighted to the cases' whole
    pre-index purchase history by entropy balancing within pools of months
    (the odds of being a case log-linear in the history, fitted by damped
    Newton steps so that the weighted control means equal the case means,
    with a small ridge penalty; the ATT weights of a logistic propensity
    model fitted by its balancing equations rather than by likelihood).
    :attr:`AvoidanceResult.balance` gives the standardised mean differences
    before and after weighting; the effective sample size is in
    :attr:`AvoidanceResult.comparison`. ``avoid_2y_baseline`` is the
    weighted Kaplan-Meier ``S(window)`` of the controls, ``excess_avoidance``
    ``S_cases(window) - S_baseline(window)``, ``rmst_diff_2y`` the difference
    of the areas under the two curves up to the window (days).
    ``excess_avoidance_censored`` censors the controls at their first later
    contact and reweights them by the inverse probability of remaining
    uncontacted (a piecewise-exponential proportional-hazards model of the
    time to first contact given the history, four intervals, weights capped
    at 20). Intervals and the tests of "no difference" (``p_value``, the
    percentile interval inverted at 0) come from one Poisson(1) bootstrap
    over customers whose weights are a hash of the customer id
    (:func:`csanalysis.stats.bootstrap.poisson_weights`): every resample
    refits both models. Resamples use durations rounded to ``window / 2048``
    days.

    *Changed buying.* Buying changed when the gap exceeds the customer's own
    threshold ``h`` (see :class:`ChangedRule`). ``avoid_2y_after_bad_changed``
    is ``P(gap > window | gap > h)``, estimated by inverse probability of
    censoring weighting with the known administrative follow-up ``C`` (days
    from the index to ``as_of``): with ``K(t)`` the share of index dates in
    the same stratum with ``C > t`` (strata: the floor, then deciles of the
    thresholds, crossed with quantile groups of the pre-index purchase rate,
    one per ``CHANGED_RATE_GROUP`` customers, at most
    ``CHANGED_RATE_GROUPS``), the estimate is ``sum 1[gap > max(window, h)] /
    K(max(window, h))`` over ``sum 1[gap > h] / K(h)``, among customers with
    ``h < window`` (for ``h >= window`` the conditional is 1 by definition and
    ``K(h)`` is 0 wherever ``h`` exceeds every follow-up: left in, they pulled
    the estimate down by up to one standard error in the validation worlds with
    one-time buyers). Interval: Poisson
    bootstrap over customers with ``K`` re-estimated in every resample.

    *Split.* ``1 - S(365)``, ``S(365) - S(730)``, ``S(730)`` of the
    bad-experience curve; the middle interval is the delta method with the
    Greenwood covariance on the log-odds scale, so all three stay in [0, 1].

    *Flags.* ``index_at_creation`` when an index fell back to the ticket's
    creation time, ``short_followup`` when the median follow-up of the
    index customers is shorter than the window, ``poor_overlap`` on the
    comparisons when the effective number of controls is below
    max(50, half the cases) or a model covariate's standardised difference
    after weighting exceeds 0.1, ``recurring_bad`` on ``avoid_2y_baseline``,
    ``excess_avoidance`` and ``rmst_diff_2y`` when the cases' share with a
    further bad experience within the window exceeds the weighted controls'
    share with a first one by :data:`RECURRENCE_MAX` (5 points) or more
    (bad experiences recur with the customer, which no history shows; the
    validation measured the baseline about 0.11 x that difference too low).

    Examples
    --------
    >>> exp, act, truth = simulate_avoidance_scenario(1500, seed=3)
    >>> res = avoidance(exp, act, n_resamples=100)
    >>> f = res.figure("avoid_2y_after_bad")
    >>> f["ci_low"] < f["estimate"] < f["ci_high"]
    True
    >>> list(res.summary()["figure"][:4])
    ['avoid_2y_after_bad', 'avoid_2y_after_good', 'avoid_2y_baseline', 'excess_avoidance']
    >>> bool(res.balance.query("scale == 'model'")["smd_after"].abs().max() < 0.1)
    True
    """
    _check_inputs(experiences, activity)
    opts = _options(window=window, index=index, baseline=baseline, changed_rule=changed_rule,
                    n_resamples=n_resamples, seed=seed, confidence=confidence)
    # the index episodes (shared with index_durations), asked as one partition of customers
    part = AvoidancePart(_episode_rows(experiences, activity, as_of=as_of, index=index,
                                       count_open_purchases=bool(count_open_purchases)))
    return _avoidance_in_rounds(_asking([part]), **opts)


def _asking(parts: list[AvoidancePart]) -> Any:
    """``each(method, **kw)`` over parts held here: every part's answer to the round, in order."""
    return lambda method, **kw: [getattr(p, method)(**kw) for p in parts]


def avoidance_in_rounds(each: Any, *, window: float = 730, baseline: Literal["weighted", "none"] = "weighted",
                        changed_rule: ChangedRule | Mapping[str, Any] | None = None,
                        n_resamples: int = DEFAULT_RESAMPLES, seed: int | np.random.Generator | None = 0,
                        confidence: float = 0.95) -> AvoidanceResult:
    """:func:`avoidance` of partitions of customers held where they are, asked in rounds.

    ``each(method, **kw)`` calls ``method`` of every partition's
    :class:`AvoidancePart` (on a Dask worker, say) and returns their answers
    in the parts' order. The rounds are: the index episodes' rows, then, for
    the comparison, the trials' eligible counts and each part's own drawn
    controls with their history. No purchase leaves its partition; the
    result equals :func:`avoidance` on the whole tables.

    Parameters
    ----------
    each : callable
        ``each(method, **kw) -> list`` over the partitions' states.
    window, baseline, changed_rule, n_resamples, seed, confidence
        As :func:`avoidance`.

    Returns
    -------
    AvoidanceResult

    Examples
    --------
    >>> exp, act, _ = simulate_avoidance_scenario(400, seed=1)
    >>> part = AvoidancePart(avoidance_part(exp, act, as_of=act["at"].max()))
    >>> res = avoidance_in_rounds(lambda m, **kw: [getattr(part, m)(**kw)], n_resamples=50)
    >>> res.figure("avoid_2y_after_bad")["n"] > 0
    True
    """
    opts = _options(window=window, index="first", baseline=baseline, changed_rule=changed_rule,
                    n_resamples=n_resamples, seed=seed, confidence=confidence)
    return _avoidance_in_rounds(each, **opts)


def _avoidance_in_rounds(each: Any, *, rule: ChangedRule, index: str, **opts: Any) -> AvoidanceResult:
    """:func:`avoidance_in_rounds` with checked options (``index`` is the parts')."""
    g = _Gathered.of(each("episodes", min_prior=rule.min_prior_purchases))
    if g.counts["activity_rows"] == g.counts["activity_rows_dropped"]:
        raise ValueError(_NO_PURCHASES)
    return _avoidance(g, each, index=g.index, rule=rule, count_open=g.count_open, **opts)


def _options(*, window: Any, index: Any, baseline: Any, changed_rule: Any, n_resamples: Any, seed: Any,
             confidence: Any) -> dict[str, Any]:
    """The options of :func:`avoidance`, checked (a teaching error each), with the seed as an int."""
    try:
        window = float(window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a number of days, got {window!r}.") from None
    if not (math.isfinite(window) and window > 0):
        raise ValueError(f"window must be a positive number of days, got {window!r}.")
    _check_index(index)
    if baseline not in ("weighted", "none"):
        hint = (" (the matched baseline was replaced by weighted sequential trials)" if baseline == "matched"
                else "")
        raise ValueError(f"baseline must be 'weighted' or 'none', got {baseline!r}{hint}.")
    n_resamples = check_resamples(n_resamples)
    confidence = check_confidence(confidence)
    rule = _changed_rule(changed_rule)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        seed_int = int(seed) % 2**31
    else:
        seed_int = int(np.random.default_rng(seed).integers(0, 2**31))
    return {"window": window, "index": index, "baseline": baseline, "rule": rule, "n_resamples": n_resamples,
            "seed_int": seed_int, "confidence": confidence}


def _avoidance(g: _Gathered, ask: Any, *, window: float, index: str, baseline: str, rule: ChangedRule,
               count_open: bool, n_resamples: int, seed_int: int, confidence: float) -> AvoidanceResult:
    """:func:`avoidance` from its index episodes' rows and checked options (the parts asked by ``ask`` for the
    comparison's controls)."""
    rng_bad = np.random.default_rng(seed_int)
    counts = g.counts
    as_of_ts = pd.Timestamp(g.as_of_ns, unit="ns", tz="UTC")
    b_codes, b_first = g.bad["key"], g.bad["first"]
    bad = {k: g.bad[k] for k in _FOLLOW}
    nb, ng = b_codes.size, g.good["key"].size
    z_idx, outcome = _index_text(g.known_at), _outcome_text(count_open)
    unit_first = "sampling unit: the customer (one index per customer, independent)"

    def flags_for(creation: np.ndarray, followup: np.ndarray) -> list[str]:
        out = []
        if creation.any():
            out.append("index_at_creation")
        if followup.size and float(np.median(followup)) < window:
            out.append("short_followup")
        return out

    f_bad = flags_for(g.bad["creation"][b_first], bad["followup"][b_first])
    rows: list[dict] = []
    curves: dict[str, KaplanMeierResult | None] = {"bad": None, "good": None, "baseline": None}
    no_bad = "no bad experience on or before as_of"

    # ------------------------------------------------------------------ after a bad experience
    km_method = "Kaplan-Meier S(window) of days to the next purchase, censored at as_of; log(-log) Greenwood interval"
    def_bad = (f"index: each customer's first bad experience, {z_idx}; {outcome}; comparison: none; adjustment: "
               "none; " + (unit_first if index == "first" else
                           "sampling unit: the customer (every bad experience is an episode; intervals from a "
                           "Poisson bootstrap over customers)"))
    late_note = (f"{counts['bad_index_after_as_of']} index date(s) after as_of dropped"
                 if counts["bad_index_after_as_of"] else "")
    # censoring that depends on how often customers buy: Kaplan-Meier within bands of the pre-index purchase rate,
    # standardised to the bad-experience customers (pooled when fewer than two strata of MIN_STRATUM customers)
    std: StratifiedSurvival | None = None
    rate = g.bad["rate"] if index == "first" and nb else None
    rate_bands = None if rate is None else _rate_band(rate, bad["n_prior"])
    if rate_bands is not None:
        std = stratified_survival(bad["duration"], bad["event"], rate_bands, min_stratum=MIN_STRATUM,
                                  confidence=confidence)
        if std.n_strata < 2:
            std = None
    std_method = ("Kaplan-Meier S(window) of days to the next purchase within strata of the pre-index purchase rate "
                  f"(bands of purchases per year, merged to at least {MIN_STRATUM} customers each), averaged with "
                  "the strata's shares of the bad-experience customers; variance: Greenwood within strata plus the "
                  "variation of the shares; log(-log) interval")
    def_std = (f"index: each customer's first bad experience, {z_idx}; {outcome}; comparison: none; adjustment: "
               "standardised over strata of the pre-index purchase rate (censoring depends on how often customers "
               "buy: frequent buyers meet their first bad experience early and are followed longest); "
               + unit_first)
    if nb == 0:
        rows.append(_row("avoid_2y_after_bad", "bad experience", n=0, n_events=0, n_followed=0, method=km_method,
                         definition=def_bad, note=no_bad))
    else:
        km = curves["bad"] = kaplan_meier(bad["duration"], bad["event"], confidence=confidence)
        est, lo, hi, reason = _surv_at(km, window, confidence)
        method = km_method
        if index == "first" and std is not None:
            s_est, s_lo, s_hi, _, s_reason = std.survival_at(window, confidence)
            if s_reason:
                std = None
            else:
                est, lo, hi, reason, method, def_bad = s_est, s_lo, s_hi, "", std_method, def_std
        if index == "every" and np.isfinite(est) and reason == "":
            cb = cluster_bootstrap_survival_at(_boot_durations(bad["duration"], window), bad["event"], b_codes,
                                               window, n_resamples=n_resamples, seed=rng_bad, confidence=confidence)
            lo, hi = cb.ci_low, cb.ci_high
            method = ("Kaplan-Meier S(window) over every bad experience; percentile interval of a cluster "
                      "(customer) Poisson bootstrap")
        note = "; ".join(x for x in (reason, late_note) if x)
        rows.append(_row("avoid_2y_after_bad", "bad experience", est, lo, hi, n=int(nb),
                         n_events=int(bad["event"].sum()), n_followed=int((bad["followup"] >= window).sum()),
                         method=method, definition=def_bad, note=note, flags=f_bad))

    # ------------------------------------------------------------------ after a good experience
    good = g.good
    def_good = (f"index: each customer's first rated experience when it was good, {z_idx}; {outcome}, and censored "
                "when a later bad experience becomes known; comparison: none; adjustment: none; " + unit_first)
    if ng == 0:
        rows.append(_row("avoid_2y_after_good", "good experience (first rated)", n=0, n_events=0, n_followed=0,
                         method=km_method, definition=def_good,
                         note="no customer whose first rated experience was good, on or before as_of"))
    else:
        km = curves["good"] = kaplan_meier(good["duration"], good["event"], confidence=confidence)
        est, lo, hi, reason = _surv_at(km, window, confidence)
        n_cens = int(good["censored_by_bad"].sum())
        note = "; ".join(x for x in (reason, f"{n_cens} censored at a later bad experience" if n_cens else "") if x)
        rows.append(_row("avoid_2y_after_good", "good experience (first rated)", est, lo, hi, n=int(ng),
                         n_events=int(good["event"].sum()), n_followed=int((good["followup"] >= window).sum()),
                         method=km_method, definition=def_good, note=note,
                         flags=flags_for(g.good["creation"], good["followup"])))

    # ------------------------------------------------------------------ the no-contact comparison
    comp: dict[str, Any] = {}
    balance = None
    cmp_ids = ("avoid_2y_baseline", "excess_avoidance", "excess_avoidance_censored", "rmst_diff_2y")
    groups = {"avoid_2y_baseline": "weighted customers not contacted yet",
              "excess_avoidance": "bad - weighted baseline",
              "excess_avoidance_censored": "bad - weighted baseline censored at contact",
              "rmst_diff_2y": "bad - weighted baseline (days)"}
    what = {
        "avoid_2y_baseline": "baseline = weighted Kaplan-Meier S(window) of the controls, the cases' share without "
                             "the experience",
        "excess_avoidance": "excess = S_cases(window) - baseline; test of no difference from the same bootstrap",
        "excess_avoidance_censored": "as excess_avoidance, the controls censored at their first later contact and "
                                     "reweighted by the inverse probability of staying uncontacted "
                                     "(piecewise-exponential model of the time to first contact given the history, "
                                     f"{_CENSOR_INTERVALS} intervals, weights capped at {_MAX_IPCW:g}, refitted in "
                                     "every resample; assumes contact unrelated to the next purchase given that "
                                     "history)",
        "rmst_diff_2y": "difference of the restricted mean days without a purchase up to the window (area under "
                        "the Kaplan-Meier curves), cases minus weighted controls",
    }
    cmp_method = ("weighted sequential trials (entropy-balancing weights); percentile interval of a customer "
                  "Poisson bootstrap refitting the weights")
    if baseline == "weighted":
        comp = _comparison(g, ask, window=window, n_resamples=n_resamples, seed=seed_int, confidence=confidence)
        info = comp["info"]
        balance = comp["balance"]
        curves["baseline"] = comp["curve"]
        design = (f"index: the first bad experience, {z_idx}; {outcome}; " + _COMPARISON_TEXT)
        if comp.get("balance") is None:
            for fid in cmp_ids:
                rows.append(_row(fid, groups[fid], n=0, method=cmp_method,
                                 definition=f"{what[fid]}; {design}", note=comp.get("reason", "")))
        else:
            cases = comp["cases"]
            fl = flags_for(g.bad["creation"][b_first & (bad["n_prior"] > 0)], cases["followup"])
            if comp["poor_overlap"]:
                fl = fl + ["poor_overlap"]
            recur_note = (f"a further bad experience within the window for {info['further_bad_within_window_cases']:.1%}"
                          f" of the cases against a first one for {info['first_bad_within_window_controls']:.1%} of "
                          "the weighted controls")
            ctl = comp["controls"]
            dropped = info["cases_without_prior_purchase"]
            case_note = (f"{info['cases']} of {info['bad_customers']} bad-experience customers compared; {dropped} "
                         "without a purchase before the index left out" if dropped else
                         f"all {info['cases']} bad-experience customers compared")
            ov = (f"{info['control_rows']} control rows ({info['control_customers']} customers) in "
                  f"{info['trial_months']} trial months; effective number of controls {info['effective_controls']:.0f};"
                  f" largest |SMD| after weighting {info['max_abs_smd_after']:.3f} (before "
                  f"{info['max_abs_smd_before']:.3f})")
            for fid in cmp_ids:
                est, lo, hi, p, note = comp["rows"][fid]
                base = fid == "avoid_2y_baseline"
                rows.append(_row(
                    fid, groups[fid], est, lo, hi,
                    n=int(info["control_customers"]) if base else int(cases["n"]),
                    n_events=int(ctl["fol"]["event"].sum()) if base else int(cases["events"]),
                    n_followed=(int((ctl["fol"]["followup"] >= window).sum()) if base else int(cases["followed"])),
                    p_value=p, method=cmp_method, definition=f"{what[fid]}; {design}",
                    note="; ".join(x for x in (note, case_note, ov, recur_note) if x),
                    flags=fl + ["recurring_bad"] if comp["recurring_bad"] and fid in _RECURRENCE_FIGURES else fl))
    else:
        for fid in cmp_ids:
            rows.append(_row(fid, groups[fid], method="not computed", definition=what[fid], note="baseline='none'"))

    # ------------------------------------------------------------------ changed buying
    med = g.bad["median_interval"]
    thr = np.where(np.isnan(med), rule.floor_days, np.maximum(rule.multiple * med, rule.floor_days))
    short = thr < window  # an expected cycle of at least the window: 'changed' would mean 'avoided' by definition
    ch = _changed_share(bad["duration"][short], bad["followup"][short], thr[short],
                        g.bad["label"][short], window, n_resamples, seed_int, confidence,
                        rate=None if rate is None else rate[short])
    long_cycle = int((~short).sum())
    ch_note = ch["reason"] or (
        f"buying changed for an estimated {ch['share_changed']:.1%} of the bad-experience customers whose expected "
        "cycle is shorter than the window; closest to the survey's denominator (respondents whose buying was "
        "affected)")
    if long_cycle:
        ch_note += (f"; {long_cycle} bad-experience customer{'s' if long_cycle != 1 else ''} with an expected cycle "
                    f"of {window:g} days or more left out")
    rows.append(_row(
        "avoid_2y_after_bad_changed", "bad experience, buying changed", ch["estimate"], ch["ci_low"],
        ch["ci_high"], n=ch["n"], n_followed=ch["n_followed"],
        method=("P(gap > window | gap > threshold), inverse probability of censoring weighting with the "
                "administrative follow-up within strata of the threshold crossed with quantile groups of the pre-index "
                f"purchase rate (one per {CHANGED_RATE_GROUP} customers, at most {CHANGED_RATE_GROUPS}); "
                "interval: " + ch.get("interval", "-")
                + "; changed: " + rule.describe()),
        definition=(f"index: the first bad experience, {z_idx}; {outcome}; among customers whose gap exceeded their "
                    "own expected cycle (" + rule.describe() + f"), that cycle shorter than {window:g} days; "
                    "comparison: none; adjustment: inverse probability "
                    "of censoring weights within strata of the threshold and quantile groups of the pre-index purchase "
                    "rate; sampling unit: the customer (Poisson bootstrap over customers, censoring "
                    "weights re-estimated in every resample)"),
        note=ch_note, flags=f_bad))

    # ------------------------------------------------------------------ naive contrast
    def_naive = (f"index: the first bad experience, {z_idx}; share without an observed purchase within the window, "
                 "whatever the follow-up; a contrast only")
    if nb:
        naive = 1.0 - float((bad["event"] & (bad["duration"] <= window)).mean())
        rows.append(_row("naive_avoid_2y_after_bad", "bad experience", naive, n=nb,
                         n_events=int((bad["event"] & (bad["duration"] <= window)).sum()),
                         n_followed=int((bad["followup"] >= window).sum()),
                         method="naive count: no purchase observed within the window, whatever the follow-up",
                         definition=def_naive,
                         note="naive, biased by censoring: customers followed for less than the window count "
                              "as avoiders; a contrast only, not an estimate"))
    else:
        rows.append(_row("naive_avoid_2y_after_bad", "bad experience", n=0, method="naive count",
                         definition=def_naive, note=no_bad))

    # ------------------------------------------------------------------ split in the survey's bins
    split_method = ("1 - S(365), S(365) - S(730), S(730) of the bad-experience Kaplan-Meier curve; log(-log) "
                    "Greenwood interval at the ends, delta method (Greenwood covariance) on the log-odds in the "
                    "middle")
    if index == "every":
        split_method += "; episode-level intervals (not adjusted for repeated customers)"
    def_split = (f"index: the first bad experience, {z_idx}; {outcome}; the gap to the next purchase in the survey's "
                 "bins; comparison: none; adjustment: none; " + unit_first)
    std_split = _std_split(std, confidence) if std is not None else None
    if std_split is not None:
        split_method = ("1 - S(365), S(365) - S(730), S(730), each standardised over strata of the pre-index "
                        "purchase rate (as avoid_2y_after_bad); log(-log) interval at the ends, delta method on the "
                        "log-odds in the middle")
        def_split = def_split.replace("adjustment: none", "adjustment: standardised over strata of the pre-index "
                                      "purchase rate")
    rows.extend(_split_rows(curves["bad"], bad["followup"], confidence,
                            {"method": split_method, "definition": def_split, "flags": f_bad}, no_bad, std=std_split))

    figures = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    figures = figures.set_index("figure").loc[list(FIGURE_IDS)].reset_index()
    for c in ("n", "n_events", "n_followed_window"):
        figures[c] = pd.array(figures[c].tolist(), dtype="Int64")
    for c in ("figure", "group", "method", "definition", "note"):
        figures[c] = figures[c].fillna("").astype("str")

    # ------------------------------------------------------------------ log-rank test bad vs good
    logrank: dict[str, LogRankResult | None] = {"bad_vs_good": None}
    if b_first.any() and ng:
        logrank["bad_vs_good"] = logrank_test(bad["duration"][b_first], bad["event"][b_first], good["duration"],
                                              good["event"])

    # ------------------------------------------------------------------ episodes table
    def ep_frame(group: str, labels: np.ndarray, t: np.ndarray, e: dict, *, threshold=None, first=None,
                 weight=None, trial=None, contact=None) -> pd.DataFrame:
        n = labels.size
        return pd.DataFrame({
            "group": pd.Series([group] * n, dtype="str") if n else pd.Series([], dtype="str"),
            "customer": pd.Series(labels, dtype="str"),
            "index_at": pd.to_datetime(t, unit="ns", utc=True),
            "duration_days": e["duration"],
            "event": e["event"],
            "followup_days": e["followup"],
            "prior_purchases": e["n_prior"].astype(np.int64),
            "threshold_days": np.full(n, np.nan) if threshold is None else threshold,
            "weight": np.ones(n) if weight is None else weight,
            "trial": (pd.Series(np.nan, index=range(n), dtype="str") if trial is None
                      else pd.Series(trial.astype("datetime64[M]").astype("str"), dtype="str")),
            "contact_days": np.full(n, np.nan) if contact is None else contact,
            "first": np.ones(n, dtype=bool) if first is None else first,
        })

    parts = [ep_frame("bad", g.bad["label"], g.bad["t"], bad, threshold=thr, first=b_first),
             ep_frame("good", g.good["label"], g.good["t"], good)]
    if comp.get("controls") is not None:
        c = comp["controls"]
        parts.append(ep_frame("baseline", c["labels"], c["t"], c["fol"], weight=c["weight"], trial=c["month"],
                              contact=c["contact_days"]))
    episodes = pd.concat(parts, ignore_index=True)
    comparison = ({"method": "baseline='none': no comparison"} if baseline == "none"
                  else {**comp.get("info", {}), "method": _COMPARISON_TEXT, **({"reason": comp["reason"]}
                                                                             if "reason" in comp else {})})

    return AvoidanceResult(
        figures=figures, curves=curves, logrank=logrank, episodes=episodes, window=window, as_of=as_of_ts,
        index=index, baseline=baseline, confidence=confidence, counts=counts, comparison=comparison,
        balance=balance, changed_rule=rule, count_open_purchases=count_open,
    )


# =========================================================================== per partition of customers
#: The columns of an empty experiences table (a partition of customers without service contacts).
def avoidance_part(experiences: pd.DataFrame | None, activity: pd.DataFrame, *, as_of: Any,
                   index: Literal["first", "every"] = "first", count_open_purchases: bool = False,
                   positions: np.ndarray | None = None) -> _EpisodeRows:
    """One partition of customers' share of :func:`avoidance`: its index episodes' rows.

    Every customer's experiences and purchases must be in one partition
    (the Dask engine splits both tables by a hash of the customer). The part
    holds the compact rows of its customers: codes and times of purchases and
    contacts, and the rows of the index experiences, no text but the
    customers' labels. Its :class:`AvoidancePart`, where it is, answers the
    rounds of :func:`avoidance_from_parts` (:func:`avoidance_in_rounds`) with
    rows per index episode and drawn control; its purchases stay with it.

    Parameters
    ----------
    experiences : DataFrame or None
        The partition's experiences (as :func:`csanalysis.experiences.experiences`
        returns them, sorted by customer); None when it has none.
    activity : DataFrame
        The partition's purchases (``customer``, ``at``, ``amount`` when present).
    as_of : timestamp
        End of follow-up, the same for every part (the whole activity's last
        purchase when :func:`avoidance` is not given one).
    index, count_open_purchases
        As :func:`avoidance`; the same for every part.
    positions : array of int, optional
        Each activity row's position in the whole activity table: customers
        are numbered by their first purchase there, as :func:`avoidance`
        numbers them (which orders the control rows it draws). Without it,
        the parts count as stacked in the order given.

    Returns
    -------
    object
        The part's rows, for :func:`avoidance_from_parts`.

    Examples
    --------
    >>> exp, act, _ = simulate_avoidance_scenario(600, seed=2)
    >>> as_of = act["at"].max()
    >>> side = exp["customer"].str[-1].isin(list("02468")), act["customer"].str[-1].isin(list("02468"))
    >>> parts = [avoidance_part(exp[side[0] == k], act[side[1] == k], as_of=as_of,
    ...                         positions=np.flatnonzero(side[1] == k)) for k in (True, False)]
    >>> a = avoidance_from_parts(parts, n_resamples=50).summary()
    >>> b = avoidance(exp, act, as_of=as_of, n_resamples=50).summary()
    >>> bool(a.drop(columns="flags").equals(b.drop(columns="flags")))
    True
    """
    if experiences is None:
        experiences = no_experiences()
    _check_inputs(experiences, activity)
    if as_of is None:
        raise ValueError("avoidance_part needs as_of, the end of follow-up of every part (the last purchase in "
                         "the whole activity table, when avoidance() is given none).")
    _check_index(index)
    rows = _episode_rows(experiences, activity, as_of=as_of, index=index,
                         count_open_purchases=bool(count_open_purchases), require_purchases=False, for_parts=True)
    if positions is not None:
        positions = np.asarray(positions, dtype=np.int64)
        if positions.shape != (len(activity),):
            raise ValueError(f"positions must give one position per activity row ({len(activity)}), got "
                             f"{positions.size}.")
        rows.act_first, rows.positioned = positions[rows.act_first], True
    return rows


def avoidance_from_parts(
    parts: list[Any],
    *,
    window: float = 730,
    baseline: Literal["weighted", "none"] = "weighted",
    changed_rule: ChangedRule | Mapping[str, Any] | None = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int | np.random.Generator | None = 0,
    confidence: float = 0.95,
) -> AvoidanceResult:
    """:func:`avoidance` of the union of partitions of customers, from their :func:`avoidance_part`.

    Each part (as an :class:`AvoidancePart`) answers the rounds of
    :func:`avoidance_in_rounds`: its index episodes' rows with their
    follow-up and history, then its own drawn controls. The rows are put in
    the whole tables' order (customers numbered as :func:`avoidance` numbers
    them: purchasers by their first purchase in the whole activity table,
    the others in the order of the experiences, which is by customer), so the
    figures, intervals and episodes are :func:`avoidance`'s on the whole
    tables. Only numbers and the customers' labels travel; the purchases and
    the tables' other columns stay with the parts.

    Parameters
    ----------
    parts : list
        :func:`avoidance_part` of each partition (built with the same
        ``as_of``, ``index`` and ``count_open_purchases``), in any order.
    window, baseline, changed_rule, n_resamples, seed, confidence
        As :func:`avoidance`.

    Returns
    -------
    AvoidanceResult

    Examples
    --------
    >>> exp, act, _ = simulate_avoidance_scenario(400, seed=1)
    >>> part = avoidance_part(exp, act, as_of=act["at"].max())
    >>> avoidance_from_parts([part], n_resamples=50).figure("avoid_2y_after_bad")["n"] > 0
    True
    """
    parts = list(parts)
    if not parts or not all(isinstance(p, _EpisodeRows) for p in parts):
        raise ValueError("parts must be a non-empty list of avoidance_part(...) results.")
    opts = _options(window=window, index=parts[0].index, baseline=baseline, changed_rule=changed_rule,
                    n_resamples=n_resamples, seed=seed, confidence=confidence)
    return _avoidance_in_rounds(_asking([AvoidancePart(p) for p in parts]), **opts)


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


# =========================================================================== no return after disrespect
# No return after a bad experience in which the customer felt disrespected (``no_return_after_disrespect``).
#
# The cited "51% unlikely to do business again after feeling disrespected" is
# untraceable (registry provenance U, folklore: shown, never a target). Its
# own-data analogue, as the provenance notes define it (section 2.7):
#
# * **who**: customers whose first bad experience (the avoidance figures' index:
#   the time it became known) carries a survey comment in a language where the
#   reason tagger's ``rudeness`` tag is validated (:mod:`csanalysis.text`,
#   ``csanalysis/text/validated.csv``);
# * **flagged**: the comment is tagged ``rudeness`` (rude, disrespectful,
#   condescending, ...), the words that made the tag kept in the tags table;
#   the tagger's validated precision in those languages is stated in the
#   definition, since a share of the flags are wrong;
# * **figure**: the Kaplan-Meier share still without a purchase 365 days after
#   the index, for the flagged customers (group ``flagged=rude``; log(-log)
#   Greenwood interval), and the difference from the other commented bad
#   experiences weighted to the flagged customers' pre-index purchase history
#   (group ``rude minus other bad``; entropy balancing as in the no-contact
#   comparison of :func:`csanalysis.estimators.avoidance`, the weights refitted
#   in every resample of a Poisson bootstrap over customers).
#
# A customer counts once (the first bad experience), so the customer is the
# sampling unit throughout.

#: Fewer flagged (or other) customers than this: the figure is missing, with the reason.
DISRESPECT_MIN_GROUP = 10
_DIS_FIGURE = "no_return_after_disrespect"
#: Other (not flagged) customers needed per covariate of the weighting.
_DIS_ROWS_PER_COVARIATE = 20
#: The smallest history model of the disrespect comparison (with 40 to 99 other commented bad experiences): how
#: often the customer bought before and how recently, the two strongest predictors of a next purchase.
_DIS_SMALLEST_MODEL: tuple[str, ...] = ("log(purchases per year)", "log(1 + days since the last purchase)")
_DIS_KM_METHOD = "Kaplan-Meier S(window) of days to the next purchase; log(-log) Greenwood interval"
_DIS_COLUMNS = ["figure", "group", "estimate", "ci_low", "ci_high", "n", "n_events", "n_followed_window",
                "p_value", "method", "definition", "note"]


@dataclass(repr=False)
class DisrespectResult(Result):
    """Result of :func:`no_return_after_disrespect`: ``figures`` (two rows) and the per-customer ``episodes``."""

    figures: pd.DataFrame
    episodes: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    title: str = "No purchase within a year after feeling disrespected"

    def summary(self) -> pd.DataFrame:
        return self.figures

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"figures": frame_records(self.figures), "settings": self.settings})

    def footnote(self) -> str:
        return self.settings.get("definition", "")


def _dis_rows(definition: str, note: str) -> pd.DataFrame:
    return pd.DataFrame([{"figure": _DIS_FIGURE, "group": g, "note": note, "definition": definition, "method": ""}
                         for g in ("flagged=rude", "rude minus other bad")], columns=_DIS_COLUMNS)


def no_return_after_disrespect(experiences: pd.DataFrame, activity: pd.DataFrame, responses: pd.DataFrame,
                               verbatims: Any, *, as_of: Any = None, window: float = 365.0,
                               n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                               confidence: float = 0.95) -> DisrespectResult:
    """No purchase within ``window`` days after a first bad experience whose comment says the customer felt
    disrespected, and the difference from the other commented bad experiences.

    Parameters
    ----------
    experiences, activity : DataFrame
        Linked experiences (:func:`csanalysis.experiences.experiences`) and purchases.
    responses : DataFrame
        The survey responses the comments come from (``response_id``).
    verbatims : VerbatimsResult
        :func:`csanalysis.estimators.verbatims.verbatims` of ``responses`` (its comments, tags and the
        languages where ``rudeness`` is published).
    as_of : timestamp, optional
        End of follow-up (default: the last purchase).
    window : float, default 365
    n_resamples : int, default 1000
    seed : int, default 0
    confidence : float, default 0.95

    Returns
    -------
    DisrespectResult
    """
    early, setup, rude = _disrespect_setup(responses, verbatims, window, n_resamples, confidence)
    if early is not None:
        return early
    # each customer's first bad experience (the avoidance index), kept when it carries an eligible comment
    exp = experiences
    known = _ns(exp["known_at"] if "known_at" in exp.columns else exp["at"], "experiences['known_at']")
    bad = np.flatnonzero(_flag(exp["bad"], "experiences['bad']") & exp["customer"].notna().to_numpy()
                         & (known != _NAT))
    first = bad[_first_per_code(factorize(exp["customer"].iloc[bad].astype("str"))[0], known[bad])]
    resp = exp["response_id"].astype("str").to_numpy()[first] if "response_id" in exp.columns else np.array([])
    # (a hash lookup: np.isin compares text arrays element by element, once per wanted id)
    keep = ((pd.Index(rude.index).get_indexer(resp) >= 0) & exp["response_id"].notna().to_numpy()[first]
            if resp.size else np.zeros(first.size, dtype=bool))
    chosen = np.zeros(len(exp), dtype=bool)
    chosen[first[keep]] = True
    flag_of = dict(zip(exp["customer"].astype("str").to_numpy()[first[keep]],
                       rude.reindex(resp[keep]).to_numpy(dtype=bool)))
    if not chosen.any():
        return DisrespectResult(_dis_rows(setup["definition"], _DIS_NO_COMMENT), _dis_empty(), setup["settings"])
    # the other experiences stay (their open tickets still set purchases aside); only the chosen are "bad"
    ep = _index_episodes(exp.assign(bad=chosen), activity, as_of=as_of, index="first", require_purchases=False)
    labels = ep.labels.take(ep.b_codes).astype("str")
    flagged = labels.map(flag_of).to_numpy(dtype=bool)
    return _disrespect(labels, ep.bad, _history(ep.pur, ep.b_codes, ep.b_t, ep.bad), flagged, window=window,
                       seed=seed, **setup)


_DIS_NO_LANGUAGE = "the rudeness tag is not validated in the comments' languages"
_DIS_NO_COMMENT = "no first bad experience carries a comment in those languages"


def _dis_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["customer", "flagged", "duration", "event", "weight"])


def _disrespect_settings(verbatims: Any, window: float, n_resamples: int,
                         confidence: float) -> tuple[str, list[str], dict[str, Any]]:
    """The definition, the languages where the rudeness tag is validated and the settings of
    :func:`no_return_after_disrespect`."""
    tab = verbatims.table
    pub = tab[(tab["reason"] == "rudeness") & (tab["language"] != "all")] if len(tab) else tab
    langs = sorted(set(pub["language"])) if len(pub) else []
    precision = pub.drop_duplicates("language")["precision"] if len(pub) else pd.Series(dtype=float)
    prec_text = (f"{precision.min():.2f}-{precision.max():.2f}" if len(precision) > 1
                 else f"{precision.iloc[0]:.2f}" if len(precision) else "n/a")
    definition = (
        f"index: each customer's first bad experience, dated when it became known, with a survey comment in a "
        f"language where the 'rudeness' tag is validated ({', '.join(langs) or 'none'}); flagged: the comment is "
        f"tagged rude or disrespectful by csanalysis.text.tag_reasons (validated precision {prec_text}: some flags "
        f"are wrong); outcome: days to the next purchase, censored at as_of; figure: Kaplan-Meier share without a "
        f"purchase {window:g} days after the index (flagged=rude), and its difference from the other commented bad "
        "experiences weighted to the flagged customers' pre-index purchase history (entropy balancing; Poisson "
        "bootstrap over customers refitting the weights); sampling unit: the customer; folklore analogue: shown, "
        "never a target")
    settings = {"definition": definition, "languages": langs, "window": window, "n_resamples": n_resamples,
                "confidence": confidence}
    return definition, langs, settings


def _disrespect_setup(responses: pd.DataFrame, verbatims: Any, window: float, n_resamples: Any,
                      confidence: Any) -> tuple[DisrespectResult | None, dict[str, Any], pd.Series | None]:
    """:func:`no_return_after_disrespect`'s start: its result already when the rudeness tag is validated in none
    of the comments' languages, else None; the checked options with the definition and settings; the eligible
    answers' rude flags (:func:`_rude_answers`)."""
    n_resamples = check_resamples(n_resamples)
    confidence = check_confidence(confidence)
    definition, langs, settings = _disrespect_settings(verbatims, window, n_resamples, confidence)
    setup = {"definition": definition, "settings": settings, "n_resamples": n_resamples, "confidence": confidence}
    if not langs:
        return DisrespectResult(_dis_rows(definition, _DIS_NO_LANGUAGE), _dis_empty(), settings), setup, None
    return None, setup, _rude_answers(responses, verbatims, langs)


def _rude_answers(responses: pd.DataFrame, verbatims: Any, langs: list[str]) -> pd.Series:
    """Per survey response (id) with a comment in one of ``langs``: whether the comment is tagged rude."""
    com = verbatims.comments
    eligible = com["language"].isin(langs).to_numpy()
    rude_rows = verbatims.tags.loc[verbatims.tags["reason"] == "rudeness", "text_index"].to_numpy(dtype=np.int64)
    rude = np.zeros(len(com), dtype=bool)
    rude[rude_rows] = True
    rid_all = responses["response_id"]
    pos = com["response"].to_numpy(dtype=np.int64)
    survey = pos >= 0  # the tickets' satisfaction comments (response -1) are not survey answers
    pos = np.where(survey, pos, 0)
    has_id = rid_all.notna().to_numpy()[pos] & survey  # a comment of a response without an id cannot be matched
    rid = rid_all.astype("str").to_numpy()[pos]
    per = (pd.DataFrame({"response_id": rid, "eligible": eligible & has_id, "rude": rude & eligible & has_id})
           .groupby("response_id", sort=False)[["eligible", "rude"]].any())
    return per.loc[per["eligible"], "rude"]


@dataclass(frozen=True)
class DisrespectFlags:
    """What :func:`no_return_after_disrespect` reads of the survey and its comments (:func:`disrespect_flags`):
    the checked options, and per survey response with a comment in a validated language whether it is tagged
    rude (``rude``, indexed by response id); ``early`` is the result already when no language is validated."""

    early: DisrespectResult | None
    setup: dict[str, Any]
    rude: pd.Series | None
    window: float


def disrespect_flags(responses: pd.DataFrame, verbatims: Any, *, window: float = 365.0,
                     n_resamples: int = DEFAULT_RESAMPLES, confidence: float = 0.95) -> DisrespectFlags:
    """The first step of :func:`no_return_after_disrespect` from partitions: the rude flags of the commented
    survey answers, where the survey is (its rows are not split).

    Parameters
    ----------
    responses : DataFrame
        The survey responses the comments come from (``response_id``).
    verbatims : VerbatimsResult
        :func:`csanalysis.estimators.verbatims.verbatims` of ``responses``.
    window, n_resamples, confidence
        As :func:`no_return_after_disrespect`.

    Returns
    -------
    DisrespectFlags
        For :func:`disrespect_part` and :func:`no_return_after_disrespect_from_rows`.
    """
    early, setup, rude = _disrespect_setup(responses, verbatims, window, n_resamples, confidence)
    return DisrespectFlags(early=early, setup=setup, rude=rude, window=float(window))


def disrespect_part(part: Any, flags: DisrespectFlags) -> dict[str, Any]:
    """One partition of customers' share of :func:`no_return_after_disrespect`: its commented first bad
    experiences (the avoidance's indexes whose survey answer carries a comment in a validated language) with
    their follow-up, purchase history and rude flag, looked up where the partition is.

    Parameters
    ----------
    part : object
        :func:`avoidance_part` of the partition, built with ``index="first"``
        and ``count_open_purchases=False`` (the avoidance figures' defaults).
    flags : DisrespectFlags
        :func:`disrespect_flags` of the survey.

    Returns
    -------
    dict
        The part's rows, for :func:`no_return_after_disrespect_from_rows`.
    """
    if not isinstance(part, _EpisodeRows):
        raise TypeError("disrespect_part needs the rows of avoidance_part(...).")
    if part.index != "first" or part.count_open_purchases:
        raise ValueError("no_return_after_disrespect_from_parts needs parts built with index='first' and "
                         "count_open_purchases=False.")
    out = {"activity_rows": part.counts["activity_rows"], "positioned": part.positioned, "chosen": 0, "late": 0}
    if flags.early is not None:
        return out
    known = pd.Index(flags.rude.index)

    def commented(ids: np.ndarray | None) -> np.ndarray:
        if ids is None or not ids.size:
            return np.zeros(0 if ids is None else ids.size, dtype=bool)
        return (known.get_indexer(ids) >= 0) & pd.notna(ids)

    keep, late = commented(part.b_response), commented(part.late_response)
    if not keep.size:  # (a part without experiences)
        keep = np.zeros(part.b_codes.size, dtype=bool)
    # only the commented first bad experiences are indexes (the others' open tickets still set purchases aside)
    chosen = replace(part, **{n: getattr(part, n)[keep] for n in ("b_codes", "b_t", "b_created", "b_creation",
                                                                  "b_answer")},
                     b_response=None if part.b_response is None else part.b_response[keep])
    ep = _episodes_from_rows(chosen)
    return {**out, "chosen": int(keep.sum()), "late": int(late.sum()),
            **_customer_keys(ep, part.act_first, ep.b_codes), "t": ep.b_t,
            "flagged": (flags.rude.reindex(chosen.b_response).to_numpy(dtype=bool) if keep.any()
                        else np.zeros(0, dtype=bool)),
            **{k: ep.bad[k] for k in ("duration", "event", "followup")},
            "hist": _history(ep.pur, ep.b_codes, ep.b_t, ep.bad)}


def no_return_after_disrespect_from_rows(rows: list[dict[str, Any]], flags: DisrespectFlags, *,
                                         seed: int = 0) -> DisrespectResult:
    """:func:`no_return_after_disrespect` from every partition's :func:`disrespect_part` (in any order): the
    same result as on the whole tables; only the commented first bad experiences' rows travel.

    Parameters
    ----------
    rows : list of dict
        :func:`disrespect_part` of each partition of customers.
    flags : DisrespectFlags
        :func:`disrespect_flags` of the survey (the same the parts were given).
    seed : int, default 0
        As :func:`no_return_after_disrespect`.

    Returns
    -------
    DisrespectResult
    """
    if flags.early is not None:
        return flags.early
    setup = flags.setup
    if not sum(r["chosen"] for r in rows) and not sum(r["late"] for r in rows):
        return DisrespectResult(_dis_rows(setup["definition"], _DIS_NO_COMMENT), _dis_empty(), setup["settings"])
    got = [r for r in rows if "code" in r]
    if len(rows) == 1:
        r = got[0]
    else:  # in the whole tables' order of customers (purchasers by their first activity row, then by label)
        offsets = _offsets([r["activity_rows"] for r in rows], [r["positioned"] for r in rows])
        r = _stack([{k: v for k, v in g.items() if k not in ("activity_rows", "positioned", "chosen", "late")}
                    for g in got])
        pos = _positions(r["pos"], [g["pos"].size for g in got], offsets[["code" in g for g in rows]])
        r = _reorder(r, np.argsort(_keys(pos, r["label"]), kind="stable"))
    return _disrespect(r["label"], r, r["hist"], r["flagged"], window=flags.window, seed=seed, **setup)


def no_return_after_disrespect_from_parts(parts: list[Any], responses: pd.DataFrame, verbatims: Any, *,
                                          window: float = 365.0, n_resamples: int = DEFAULT_RESAMPLES,
                                          seed: int = 0, confidence: float = 0.95) -> DisrespectResult:
    """:func:`no_return_after_disrespect` from the partitions' :func:`avoidance_part` (the avoidance's own parts:
    their bad index rows carry the survey response they come from).

    The flags of the commented answers (:func:`disrespect_flags`), each
    part's commented first bad experiences looked up where it is
    (:func:`disrespect_part`), then the comparison of their rows
    (:func:`no_return_after_disrespect_from_rows`): no part's purchases leave
    it.

    Parameters
    ----------
    parts : list
        :func:`avoidance_part` of each partition of customers, built with
        ``index="first"`` and ``count_open_purchases=False`` (the avoidance
        figures' defaults) and the ``as_of`` of the follow-up.
    responses : DataFrame
        The survey responses the comments come from (``response_id``).
    verbatims : VerbatimsResult
        :func:`csanalysis.estimators.verbatims.verbatims` of ``responses``.
    window, n_resamples, seed, confidence
        As :func:`no_return_after_disrespect`.

    Returns
    -------
    DisrespectResult
        The same as :func:`no_return_after_disrespect` on the whole tables.
    """
    flags = disrespect_flags(responses, verbatims, window=window, n_resamples=n_resamples, confidence=confidence)
    return no_return_after_disrespect_from_rows([disrespect_part(p, flags) for p in parts], flags, seed=seed)


def _disrespect(labels: Any, bad: dict[str, np.ndarray], hist: dict[str, np.ndarray], flagged: np.ndarray, *,
                definition: str, settings: dict[str, Any], window: float, n_resamples: int, seed: int,
                confidence: float) -> DisrespectResult:
    """:func:`no_return_after_disrespect` from the commented first bad experiences (one per customer: its label,
    follow-up and pre-index purchase history) and which of them are flagged rude."""
    labels = pd.Series(labels, dtype="str")
    d, e = bad["duration"], bad["event"]
    n_r, n_o = int(flagged.sum()), int((~flagged).sum())
    episodes = pd.DataFrame({"customer": labels.to_numpy(), "flagged": flagged, "duration": d, "event": e,
                             "weight": 1.0})
    rows = _dis_rows(definition, "")
    if n_r < DISRESPECT_MIN_GROUP or n_o < DISRESPECT_MIN_GROUP:
        rows["note"] = (f"too few commented first bad experiences to compare: {n_r} flagged rude, {n_o} other "
                        f"(at least {DISRESPECT_MIN_GROUP} each)")
        rows["n"] = [n_r, n_r + n_o]
        return DisrespectResult(rows, episodes, settings)
    # ------------------------------------------------------------------ the flagged share
    km_r = kaplan_meier(d[flagged], e[flagged], confidence=confidence)
    s_r, lo_r, hi_r, why_r = _surv_at(km_r, window, confidence)
    followed = (bad["followup"] >= window)
    # ------------------------------------------------------------------ the weighted difference
    m = _model_matrix(hist)
    # the whole history model needs enough customers per covariate; fewer: the basic history only, then the
    # smallest model; fewer still: no weighted difference (a weighting of a handful of rows is not estimable)
    covariates = next((c for c in (_MODEL_COVARIATES, _MODEL_COVARIATES[:5], _DIS_SMALLEST_MODEL)
                       if n_o >= _DIS_ROWS_PER_COVARIATE * len(c) and n_r >= len(c)), ())
    Zc, Zk, names = _standardise({k: v[flagged] for k, v in m.items()}, {k: v[~flagged] for k, v in m.items()},
                                 covariates) if covariates else (np.zeros((n_r, 0)), np.zeros((n_o, 0)), [])
    one = sparse.csr_matrix(np.ones((n_o, 1)))
    design = _TiltedDesign.build(Zk, one, products=True) if names else None  # (its bootstrap: Newton steps)

    def fit(bc: np.ndarray, bk: np.ndarray) -> np.ndarray:
        N = bc.sum(axis=0)[:, None]
        if design is None:
            return bk * (N[:, 0] / np.maximum(bk.sum(axis=0), 1e-300))[None, :]
        _, w = _tilted_fit(design, bk, N, bc.T @ Zc, np.zeros(len(names)), _RIDGE,
                           tol=1e-10 if bc.shape[1] == 1 else 1e-4)
        return w

    if not covariates:
        rows["note"] = ["", f"too few commented bad experiences to weight on their history: {n_o} other, at least "
                            f"{_DIS_ROWS_PER_COVARIATE * len(_DIS_SMALLEST_MODEL)} needed"]
        rows.loc[0, ["estimate", "ci_low", "ci_high", "n", "n_events", "n_followed_window", "method"]] = [
            s_r, lo_r, hi_r, n_r, int(e[flagged].sum()), int(followed[flagged].sum()), _DIS_KM_METHOD]
        rows.loc[0, "note"] = why_r
        rows.loc[1, "n"] = n_r + n_o
        return DisrespectResult(rows, episodes, settings)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked below: finite weights only
        w = fit(np.ones((n_r, 1)), np.ones((n_o, 1)))[:, 0]
    episodes.loc[~flagged, "weight"] = w
    km_o = kaplan_meier(d[~flagged], e[~flagged], weights=w, confidence=confidence)
    s_o, _, _, why_o = _surv_at(km_o, window, confidence)
    cells_r, cells_o = _grid(d[flagged], e[flagged], window), _grid(d[~flagged], e[~flagged], window)
    one_pool = np.array([0, _BOOT_STEPS + 1])
    units = labels.to_numpy()  # one row per customer
    diff = np.full(n_resamples, np.nan)
    hashes = unit_hash(units, seed)  # once, not per chunk of resamples
    # a quarter of the usual chunk: these refits take Newton steps in one pool, whose work is per resample, so
    # narrower chunks cost no time (at 100,000 and 300,000 customers no slower, results identical) and hold
    # 120-170 MB less at the report's peak; the avoidance comparison's chord steps over many groups do pay
    # per chunk (a quarter of its chunk took 1.4x as long at 100,000 customers) and keep the usual one
    for reps in _chunks(n_resamples, (n_r + n_o) * (len(names) + 4), cells=_BOOT_CELLS // 4):
        P = np.ascontiguousarray(poisson_weights_from_hash(hashes, reps).T, dtype=float)
        br, bo = P[flagged], P[~flagged]
        sr, _ = _km_grid(cells_r, [br], one_pool, window)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            wr = fit(br, bo)
        so, _ = _km_grid(cells_o, [np.where(np.isfinite(wr), wr, 0.0)], one_pool, window)
        diff[reps] = sr - so
    lo, hi = percentile_interval(diff, confidence)
    ess = float(w.sum() ** 2 / np.sum(w**2)) if w.size else 0.0
    note_r = why_r
    note_d = "; ".join(x for x in (why_r, why_o) if x)
    model_note = ("" if covariates == _MODEL_COVARIATES else
                  f"weighted on {len(covariates)} of the {len(_MODEL_COVARIATES)} history terms ({', '.join(names)}): "
                  f"{n_o} other commented bad experiences, at least {_DIS_ROWS_PER_COVARIATE} per term")
    if not np.all(np.isfinite(w)):
        note_d = "; ".join(x for x in (note_d, "the weighting did not converge") if x)
    if ess < max(DISRESPECT_MIN_GROUP, 0.2 * n_o):
        note_d = "; ".join(x for x in (note_d, f"the weighting leaves an effective {ess:.0f} other customers") if x)
    rows = pd.DataFrame([
        {"figure": _DIS_FIGURE, "group": "flagged=rude", "estimate": s_r, "ci_low": lo_r, "ci_high": hi_r, "n": n_r,
         "n_events": int(e[flagged].sum()), "n_followed_window": int(followed[flagged].sum()), "p_value": np.nan,
         "method": _DIS_KM_METHOD,
         "definition": definition, "note": note_r},
        {"figure": _DIS_FIGURE, "group": "rude minus other bad", "estimate": s_r - s_o if not note_d else np.nan,
         "ci_low": lo if not note_d else np.nan, "ci_high": hi if not note_d else np.nan, "n": n_r + n_o,
         "n_events": int(e.sum()), "n_followed_window": int(followed.sum()),
         "p_value": _boot_p(diff) if not note_d else np.nan,
         "method": "difference of Kaplan-Meier S(365 days), the other bad experiences weighted by entropy balancing "
                   "on the pre-index purchase history; percentile interval and test of a customer Poisson bootstrap "
                   "refitting the weights",
         "definition": definition, "note": "; ".join(x for x in (note_d, model_note) if x)},
    ], columns=_DIS_COLUMNS)
    settings.update({"flagged": n_r, "other": n_o, "effective_other": ess})
    return DisrespectResult(rows, episodes, settings)
