"""Experience journeys (descriptive) and the service-recovery test (a target-trial comparison).

**Journeys: a description, not a comparison.** Each customer gets one
**journey**, decided from service events over the *whole* history (the
``bad`` / ``good`` flags of :func:`csanalysis.experiences.experiences`):

``no contact``
    no service experience at all;
``good only``
    at least one good experience and no bad one;
``neutral or unrated``
    contacts, none of them bad or good (neutral ratings, unrated tickets);
``bad then recovered``
    at least one bad experience followed *later* (strictly later timestamp)
    by a good one: the service recovery;
``bad not recovered``
    a bad experience with no good experience after the first bad one.

Outcomes are measured **after the index date**: the customer's last service
event (last experience up to the end of observation). Customers without
contact get a *matched reference date*: their first purchase plus an offset
drawn at random (seeded) from the offsets "index date minus first purchase"
of the customers who did have contact (negative offsets count as 0; offset 0
when nobody had contact and a purchase). Since the journey is read from the
whole history (a later good contact usually needs a later order), the journey
table describes customers; it is not used to compare them (see the test
below).

Within ``window`` days after the index date (purchases strictly after it):

* **repeat**: the customer bought again;
* **avoid**: the customer did not buy (``1 - repeat``; with
  ``window=730`` this is the analogue of the "39% avoid the company for two
  years" figure);
* **lapse**: among customers who had bought on or before the index date, the
  share who did not buy again (an existing buyer lost).

Censoring: rates use **complete follow-up only**. A customer enters the rates
only when the end of observation is at least ``window`` days after the index
date (``followed``); customers followed for less are counted in
``n_censored`` and left out, whatever they did (keeping their early purchases
but not their silences would bias the rates upwards). Intervals are Wilson.
For a time-to-purchase view with every customer, use
:func:`csanalysis.stats.kaplan_meier` on ``days_to_next`` / ``follow_days``
of :attr:`JourneyResult.table`.

**The service-recovery test** (:func:`service_recovery_test`) never uses
information from after a group's time zero. It emulates a target trial
(Hernan & Robins 2016) run at every service contact (sequential trials):

* *time zero* of a recovered customer is the **recovery**: the first good
  experience strictly after the customer's first bad one (its ``at``, the
  time the experience became known);
* ``bad not recovered``: every later *rated* contact of a customer after
  their first bad experience, before any good one, that is not good (rated
  bad or neutral; an unrated contact might have been a recovery); time zero
  is that contact. A reference contact whose customer is recovered later
  stays a reference (the contrast is "this contact recovered the customer"
  against "this contact did not");
* ``good only``: every good experience of a customer with no bad experience
  at or before it (later bad experiences are ignored); time zero is that
  experience;
* eligibility, the same for every group: at least one purchase before time
  zero, the last one at most ``active_days`` days before it (still active),
  and time zero at least ``window`` days before the end of the data (every
  row is followed for the whole window, so nothing is censored);
* outcome: a purchase within ``window`` days after time zero;
* adjustment for the pre-index history (:data:`COVARIATES`: purchases before
  time zero and in the year before it, tenure, days since the last purchase,
  service contacts and bad experiences before time zero, calendar time, and
  for ``bad not recovered`` the days since the first bad experience; log
  scale, squares and recency interactions; and the kind of the time-zero
  contact, ticket or survey answer, from the experiences' ``source``):
  logistic propensity score and
  **overlap weights** (Li, Morgan & Zaslavsky 2018: group rows weighted by
  ``1 - e``, reference rows by ``e``), which balance the means of every
  modelled term exactly; the standardised differences before and after
  weighting are in :attr:`ServiceRecoveryResult.balance`, the reference
  group's effective sample size in the comparisons;
* intervals and the test from a **customer-clustered sandwich variance**
  that includes the estimation of the propensity score (M-estimation; the
  customer, who may give several rows, is the sampling unit), with a t
  distribution on as many degrees of freedom as customers in the smaller
  group minus 1. The propensity model grows with the data: the covariates
  always, squares and interactions only while the smaller group has 15 rows
  per extra term.

Every group sits at a service contact, on purpose. A recovery needs a
contact, and customers contact a company while they still buy from it;
comparing "recovered now" with "no contact now" (for example customers not
recovered at the same delay after their bad experience) compares engaged
customers with partly lapsed ones. In simulated worlds without any recovery
effect that comparison found "recovered customers buy more" in up to 87% of
runs (contacts arriving while customers are active) and 8-18% where bad
experiences end some customers' buying; the contact-based reference held the
5% level in the same worlds.

What stays uncontrolled: a propensity to have bad (or good) experiences that
goes with buying more or less *beyond* the purchase history, for instance
heavy buyers being more often disappointed per contact. It biases ``vs good
only`` (the reference never had a bad experience) most, and ``vs bad not
recovered`` where it is strong (whether a contact goes well then depends on
the customer). The data show it: whether each customer's first experience
was bad is regressed on their purchases in the year before it (before any
experience could change their buying) and its kind (ticket or survey
answer); when that slope is significant both
comparisons carry a ``caveat`` and the flag ``unmeasured_propensity`` (see
:data:`FLAGS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from csanalysis import flags as _flags
from csanalysis.checks import check_confidence, check_window
from csanalysis.experiences import customer_order, no_experiences, purchases_while_open
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.segments.common import (
    DAY,
    STR,
    Key,
    follow_up,
    link_activity_to,
    outcome_counts,
    outcome_table_from_counts,
    prepare_experiences,
    purchases,
    utc_as_of,
)
from csanalysis.stats.arrays import HoldsArrays, factorize, n_distinct, search_sorted

__all__ = ["COMPARISONS", "COVARIATES", "FLAGS", "JOURNEYS", "JourneyPart", "JourneyResult", "ServiceRecoveryResult",
           "experience_journeys", "experience_journeys_from_parts", "journey_part", "reference_offsets",
           "service_recovery_test"]

#: Journey names, in the order of summaries and plots.
JOURNEYS: tuple[str, ...] = ("no contact", "good only", "neutral or unrated", "bad then recovered",
                             "bad not recovered")


#: What each journey is, in words.
_JOURNEY_TEXT = {
    "no contact": "customers without any service experience",
    "good only": "customers with a good experience and never a bad one",
    "neutral or unrated": "customers whose experiences were neither good nor bad",
    "bad then recovered": "customers with a good experience after their first bad one",
    "bad not recovered": "customers with a bad experience and no good one after it",
}


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.0f}%"


# =========================================================================== journeys
@dataclass(repr=False)
class JourneyResult(Result):
    """Result of :func:`experience_journeys`.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``customer, journey`` (categorical in
        :data:`JOURNEYS` order), ``n_experiences, n_bad, n_good,
        first_bad_at, index_at`` (last service event, or the matched reference
        date), ``index_kind`` (``"last service event"`` / ``"matched
        reference"``), ``follow_days, followed, prior_purchase,
        next_purchase_at, days_to_next, repeat``.
    window : float
        Follow-up window in days.
    end : Timestamp
        End of observation.
    confidence : float
    notes : list of str
    events : DataFrame
        The experiences used (``customer, at, bad, good, rated, source``), up to ``end``.
    purchases : DataFrame
        The purchases used (``customer, at``), up to ``end``.
    recovery_rows : object
        From partitions (:func:`experience_journeys_from_parts`), instead of
        ``events`` and ``purchases`` (None): the service-recovery test's rows,
        which :func:`service_recovery_test` reads.
    kept : dict or None
        Without the rows (:meth:`~csanalysis.results.Result.without_rows`:
        ``table``, ``events``, ``purchases``, ``recovery_rows`` None): the
        summary and the number of customers.
    """

    table: pd.DataFrame | None
    window: float
    end: pd.Timestamp
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    title: str = "Experience journeys"
    events: pd.DataFrame | None = field(default=None, repr=False)
    purchases: pd.DataFrame | None = field(default=None, repr=False)
    recovery_rows: Any = field(default=None, repr=False)
    kept: dict[str, Any] | None = field(default=None, repr=False)

    row_fields = ("table", "events", "purchases", "recovery_rows")

    def _row_facts(self) -> dict[str, Any]:
        return {"summary": self.summary(), "customers": self.n_customers}

    @property
    def n_customers(self) -> int:
        """Customers classified (the rows of :attr:`table`)."""
        return self._kept("customers", lambda: len(self.table))

    def __repr__(self) -> str:
        return f"JourneyResult({self.n_customers} customers, window={self.window:g} days, end={self.end.date()})"

    def summary(self) -> pd.DataFrame:
        """Per journey: share of customers and outcomes within the window.

        Columns: ``segment, n, share, share_ci_low, share_ci_high,
        n_followed, n_censored, repeat_n, repeat_rate, repeat_ci_low,
        repeat_ci_high, avoid_rate, avoid_ci_low, avoid_ci_high,
        n_prior_buyers, lapse_rate, lapse_ci_low, lapse_ci_high,
        description`` (what the journey is and its time zero; the rates
        describe customers and are not a comparison between journeys).
        """
        return self._kept("summary", self._summary)

    def _summary(self) -> pd.DataFrame:
        return _journey_summary(outcome_counts(self.table, "journey", JOURNEYS), self.window, self.confidence)

    def plot(self, ax: Any = None, *, what: Literal["repeat", "share", "avoid", "lapse"] = "repeat") -> Any:
        """Rate per journey with Wilson intervals (see :func:`csanalysis.plotting.plot_journeys`)."""
        from csanalysis.plotting.segments import plot_journeys
        return plot_journeys(self, ax=ax, what=what)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"segments": [{"segment", "n", "share", ...}, ...], "window_days", ...}``."""
        return jsonable({"segments": frame_records(self.summary()), "window_days": self.window, "end": self.end,
                         "customers": self.n_customers, "notes": list(self.notes)})


def _journey_summary(counts: dict[str, np.ndarray], window: float, confidence: float) -> pd.DataFrame:
    """:meth:`JourneyResult.summary` from the journeys' :func:`~csanalysis.segments.common.outcome_counts`."""
    out = outcome_table_from_counts(counts, JOURNEYS, confidence)
    w = f"{window:g}"
    zero = {j: "the last service event" for j in JOURNEYS}
    zero["no contact"] = "a matched reference date (first purchase plus an offset drawn from the contacted)"
    out["description"] = pd.Series([
        f"{_JOURNEY_TEXT[j]}; time zero: {zero[j]}; bought again within {w} days, customers followed "
        f"{w} days only; descriptive: the journey is read from the whole history, so it is not a "
        "comparison (see the service-recovery test)" for j in JOURNEYS], dtype=STR)
    return out


def _journey_table(exp: pd.DataFrame, customers: pd.Index) -> pd.DataFrame:
    """Journey and index date of each customer in ``customers``."""
    g = exp.groupby("customer", sort=False)
    bad_at = exp["at"].where(exp["bad"]).groupby(exp["customer"], sort=False)
    first_bad = bad_at.min()
    fb_row = bad_at.transform("min")
    recovered = (exp["good"] & (exp["at"] > fb_row).fillna(False).astype(bool)).groupby(
        exp["customer"], sort=False).any()
    per = pd.DataFrame({
        "n_experiences": g.size(),
        "n_bad": g["bad"].sum(),
        "n_good": g["good"].sum(),
        "first_bad_at": first_bad,
        "last_at": g["at"].max(),
        "recovered": recovered,
    })
    per = per.reindex(customers)
    n_exp = per["n_experiences"].fillna(0).astype("int64")
    n_bad = per["n_bad"].fillna(0).astype("int64")
    n_good = per["n_good"].fillna(0).astype("int64")
    rec = per["recovered"].fillna(False).astype(bool)
    journey = np.select(
        [n_exp.to_numpy() == 0, (n_bad.to_numpy() > 0) & rec.to_numpy(), n_bad.to_numpy() > 0,
         n_good.to_numpy() > 0],
        ["no contact", "bad then recovered", "bad not recovered", "good only"],
        default="neutral or unrated")
    return pd.DataFrame({
        "customer": pd.Series(customers, dtype=STR).array,
        "journey": pd.Categorical(journey, categories=list(JOURNEYS)),
        "n_experiences": n_exp.to_numpy(), "n_bad": n_bad.to_numpy(), "n_good": n_good.to_numpy(),
        "first_bad_at": _utc_array(per["first_bad_at"]),
        "index_at": _utc_array(per["last_at"]),
    })


def _utc_array(s: pd.Series) -> Any:
    """Values of ``s`` as a ``datetime64[ns, UTC]`` array (all-missing columns of any dtype become NaT)."""
    if s.isna().all():
        return pd.array([pd.NaT] * len(s), dtype="datetime64[ns, UTC]")
    return pd.to_datetime(s, utc=True).astype("datetime64[ns, UTC]").array


def experience_journeys(
    experiences: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    window: float = 365,
    as_of: Any = None,
    seed: int | None = 0,
    customer: str = "customer",
    key: Key = "auto",
    confidence: float = 0.95,
) -> JourneyResult:
    """Classify customers by their service journey and measure what they did next.

    Parameters
    ----------
    experiences : DataFrame
        As returned by :func:`csanalysis.experiences.experiences`: at least
        ``customer``, ``at``, ``bad`` (and ``good``).
    activity : DataFrame
        Canonical activity table; linked on its own (``key``) when it has no
        ``customer`` column.
    window : float, default 365
        Follow-up window in days.
    as_of : date-like, optional
        End of observation; default the latest purchase or experience.
        Later events are ignored.
    seed : int or None, default 0
        Seed of the matched reference dates of customers without contact.
    customer : str, default "customer"
        Name of the customer column of ``activity``.
    key : {"auto", "customer_id", "email_key"}
        Linking key for an unlinked ``activity``.
    confidence : float, default 0.95

    Returns
    -------
    JourneyResult
        See the module notes for the journeys, index dates, outcomes and
        censoring.

    Raises
    ------
    ValueError
        When there is no customer at all (empty inputs), or the two tables
        share no customer key.

    Examples
    --------
    >>> t = lambda s: pd.Timestamp(s, tz="UTC")
    >>> exp = pd.DataFrame({"customer": ["a", "a", "b"], "at": [t("2023-01-01"), t("2023-01-10"),
    ...                     t("2023-02-01")], "bad": [True, False, True], "good": [False, True, False]})
    >>> act = pd.DataFrame({"customer": ["a", "a", "b", "c"], "at": [t("2022-12-01"), t("2023-05-01"),
    ...                     t("2022-12-15"), t("2024-06-01")]})
    >>> res = experience_journeys(exp, act, window=365)
    >>> res.table[["customer", "journey", "repeat", "followed"]]
      customer             journey  repeat  followed
    0        a  bad then recovered    True      True
    1        b   bad not recovered   False      True
    2        c          no contact   False     False
    """
    window = check_window(window)
    confidence = check_confidence(confidence)
    part = _journey_start(experiences, activity, as_of=as_of, customer=customer, key=key, require=True)
    [offsets] = reference_offsets([part.references()], seed=seed)
    return _journey_result(part.completed_table(offsets, window), part.counts, window, part.end, confidence,
                           events=part.events, purchases=part.purchases)


_NOTHING = "experiences and activity hold no customer with a time; nothing to follow."


@dataclass(repr=False)
class JourneyPart(HoldsArrays):
    """One partition of customers' share of :func:`experience_journeys` (built by :func:`journey_part`).

    Before :meth:`finish`: the journey of each of its customers and the
    index date of those with contact, with their events and purchases.
    After: each customer's full row (the matched reference dates drawn,
    the follow-up) and the service-recovery test's rows, without the
    events and purchases (:func:`experience_journeys_from_parts` combines
    finished parts).

    Attributes
    ----------
    table : DataFrame
        One row per customer of the part, sorted by customer (the columns of
        :attr:`JourneyResult.table`; before :meth:`finish` only up to
        ``index_at``, missing for customers without contact).
    end : Timestamp
        End of observation (the ``as_of`` every part shares).
    counts : dict
        Rows left out: ``open_purchases`` (placed while a ticket was open),
        ``no_customer`` (experiences without a customer), ``late``
        (experiences after ``end``).
    window, seed
        Those :meth:`finish` was given (None before).
    recovery : object or None
        After :meth:`finish`: the service-recovery test's rows of its
        customers, which answer :func:`service_recovery_from_parts` where
        they are (None before, or once let go).
    tally : dict or None
        Finished without its rows (``finish(rows=False)``: ``table`` None):
        the journeys' :func:`~csanalysis.segments.common.outcome_counts`
        (its customers are the sum of ``n``; those followed for less than
        the window, ``n`` less ``followed``).
    """

    table: pd.DataFrame | None
    end: pd.Timestamp
    counts: dict[str, int]
    first_buy: pd.Series | None = None
    events: pd.DataFrame | None = None
    purchases: pd.DataFrame | None = None
    window: float | None = None
    seed: Any = None
    recovery: Any = None
    tally: dict[str, Any] | None = None

    def __repr__(self) -> str:
        state = "finished" if self.window is not None else "to finish"
        n = int(self.tally["n"].sum()) if self.table is None else len(self.table)
        return f"JourneyPart({n} customers, {state})"

    def references(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the matched reference dates need from this part (:func:`reference_offsets`).

        Returns the offsets "index date minus first purchase" of the
        customers with contact and a purchase (days, negative ones as 0,
        unsorted), and the keys and first purchases (int64 nanoseconds) of
        the customers without contact, in table order.
        """
        if self.first_buy is None:
            raise ValueError("this JourneyPart is finished; its references were drawn already.")
        t, fb = self.table, self.first_buy
        contact = (t["journey"] != "no contact").to_numpy()
        offsets = ((t["index_at"] - fb) / DAY).loc[contact & fb.notna().to_numpy()].clip(lower=0)
        first_ns = fb.loc[~contact].dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
        return (offsets.to_numpy(dtype=float), t.loc[~contact, "customer"].to_numpy(dtype=object), first_ns)

    def completed_table(self, offsets: np.ndarray, window: float) -> pd.DataFrame:
        """The table with the matched reference dates (``offsets``: days after the first purchase of each
        customer without contact, in table order) and the follow-up over ``window`` days."""
        if self.first_buy is None or self.purchases is None:
            raise ValueError("this JourneyPart is finished already.")
        table = self.table.copy()
        no_c = (table["journey"] == "no contact").to_numpy()
        offsets = np.asarray(offsets, dtype=float)
        if offsets.shape != (int(no_c.sum()),):
            raise ValueError(f"offsets must give one offset per customer without contact ({int(no_c.sum())}), "
                             f"got {offsets.size}.")
        ref = self.first_buy.loc[no_c] + pd.to_timedelta(np.round(offsets * 86400), unit="s")
        table.loc[no_c, "index_at"] = ref.array
        table["index_kind"] = pd.Series(np.where(no_c, "matched reference", "last service event"), dtype=STR)
        fu = follow_up(table[["customer", "index_at"]], self.purchases, window=window, end=self.end)
        return pd.concat([table, fu], axis=1)

    def finish(self, offsets: np.ndarray, *, window: float = 365, seed: Any = 0, rows: bool = True) -> JourneyPart:
        """The finished part: :meth:`completed_table` and the service-recovery test's rows of its customers
        (``seed``: the one the offsets were drawn with, recorded so that finished parts can be checked alike).
        ``rows=False``: without the table, its journeys' counts instead (``tally``): what
        :func:`experience_journeys_from_parts` needs for a result without its rows per customer."""
        window = check_window(window)
        table = self.completed_table(offsets, window)
        recovery = _recovery_arrays(self.events, self.purchases, self.end, window)
        tally = None
        if not rows:
            tally, table = outcome_counts(table, "journey", JOURNEYS), None
        return JourneyPart(table=table, end=self.end, counts=dict(self.counts), window=window, seed=seed,
                           recovery=recovery, tally=tally)


def _journey_start(experiences: pd.DataFrame, activity: pd.DataFrame, *, as_of: Any, customer: str, key: Key,
                   require: bool) -> JourneyPart:
    """The journeys' first phase, per customer: everything but the matched reference dates and the follow-up."""
    exp = prepare_experiences(experiences)
    # whether an experience was rated, and its kind (ticket, survey answer): known when it is, used by the test
    rated = experiences["rated"].astype("boolean").fillna(False).astype(bool) if "rated" in experiences.columns \
        else exp["bad"] | exp["good"]
    exp = exp.assign(rated=rated.to_numpy() | exp["bad"].to_numpy() | exp["good"].to_numpy(),
                     source=(experiences["source"].astype(STR) if "source" in experiences.columns
                             else pd.Series(np.nan, index=exp.index, dtype=STR)).to_numpy())
    act = link_activity_to(exp, activity, customer, key)
    # purchases placed while one of the customer's tickets was open are replacements, not returns (as in avoidance)
    inside = purchases_while_open(experiences.assign(customer=exp["customer"]), act)
    counts = {"open_purchases": int(inside.sum()), "no_customer": int(exp["customer"].isna().sum())}
    if inside.any():
        act = act.loc[~inside]
    pur = purchases(act)
    exp = exp.dropna(subset=["customer", "at"])
    if require and len(exp) == 0 and len(pur) == 0:
        raise ValueError(_NOTHING)
    times = [x for x in (pur["at"].max() if len(pur) else pd.NaT, exp["at"].max() if len(exp) else pd.NaT)
             if pd.notna(x)]
    end = utc_as_of(as_of, max(times) if times else None)
    late = exp["at"] > end
    counts["late"] = int(late.sum())
    if late.any():
        exp = exp.loc[~late]
    pur = pur.loc[pur["at"] <= end]
    customers = pd.Index(pd.unique(pd.concat([exp["customer"], pur["customer"]], ignore_index=True)))
    table = _journey_table(exp, customers.sort_values())
    first_buy = pur.groupby("customer", sort=False)["at"].min().astype("datetime64[ns, UTC]")
    return JourneyPart(table=table, end=end, counts=counts,
                       first_buy=pd.Series(first_buy.reindex(table["customer"].to_numpy()).array, index=table.index),
                       events=exp.reset_index(drop=True), purchases=pur.reset_index(drop=True))


def reference_offsets(references: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *,
                      seed: int | None = 0) -> list[np.ndarray]:
    """The matched reference dates' offsets of the customers without contact, per part.

    Offsets are drawn at random (``seed``) from the offsets of every
    customer with contact, sorted, and handed out in order of first
    purchase, then key, over every part's customers: the draws of
    :func:`experience_journeys` on the whole tables, whatever the partition.

    Parameters
    ----------
    references : list
        :meth:`JourneyPart.references` of each part.
    seed : int or None, default 0

    Returns
    -------
    list of ndarray
        Per part, the offset (days) of each of its customers without contact, in its table order.
    """
    refs = list(references)
    offsets = np.sort(np.concatenate([np.asarray(r[0], dtype=float) for r in refs] or [np.zeros(0)]))
    sizes = [len(r[1]) for r in refs]
    n = int(sum(sizes))
    rng = np.random.default_rng(seed)
    drawn = rng.choice(offsets, size=n) if offsets.size else np.zeros(n)
    # hand the draws out in order of first purchase (then key): results do not depend on the pseudonyms' values
    keys = np.concatenate([np.asarray(r[1], dtype=object) for r in refs] or [np.zeros(0, dtype=object)])
    first = np.concatenate([np.asarray(r[2], dtype=np.int64) for r in refs] or [np.zeros(0, dtype=np.int64)])
    assigned = np.empty_like(drawn)
    assigned[np.lexsort((keys, first))] = drawn
    return np.split(assigned, np.cumsum(sizes)[:-1]) if refs else []


def _journey_result(table: pd.DataFrame | None, counts: dict[str, int], window: float, end: pd.Timestamp,
                    confidence: float, censored: int | None = None, **kw: Any) -> JourneyResult:
    """The result with its notes (the rows left out, the customers followed for less than the window: counted
    in ``table``, or ``censored`` without it)."""
    notes: list[str] = []
    if counts["open_purchases"]:
        notes.append(f"{counts['open_purchases']} purchase(s) placed while one of the customer's tickets was open "
                     "not counted (replacement orders, not returns)")
    if counts["no_customer"]:
        notes.append(f"{counts['no_customer']} experience(s) without a customer left out")
    if counts["late"]:
        notes.append(f"{counts['late']} experience(s) after the end of observation left out")
    n_cens = int((~table["followed"]).sum()) if censored is None else censored
    if n_cens:
        notes.append(f"{n_cens} customer(s) followed for less than {window:g} days: left out of the rates")
    return JourneyResult(table=table, window=window, end=end, confidence=confidence, notes=notes, **kw)


def journey_part(experiences: pd.DataFrame | None, activity: pd.DataFrame, *, as_of: Any,
                 customer: str = "customer", key: Key = "auto") -> JourneyPart:
    """One partition of customers' share of :func:`experience_journeys`.

    Every customer's experiences and purchases must be in one partition
    (the Dask engine splits both tables by a hash of the customer). The
    part holds its customers' journeys and events; the matched reference
    dates of customers without contact are drawn over every part
    (:func:`reference_offsets`), then each part is finished
    (:meth:`JourneyPart.finish`: the follow-up and the service-recovery
    test's rows) and :func:`experience_journeys_from_parts` combines them.

    Parameters
    ----------
    experiences : DataFrame or None
        The partition's experiences; None when it has none.
    activity : DataFrame
        The partition's purchases.
    as_of : date-like
        End of observation, the same for every part (required: a part alone
        does not know the whole data's last event).
    customer, key
        As :func:`experience_journeys`.

    Returns
    -------
    JourneyPart

    Examples
    --------
    >>> from csanalysis.estimators.avoidance import simulate_avoidance_scenario
    >>> exp, act, _ = simulate_avoidance_scenario(600, seed=2)
    >>> as_of = act["at"].max()
    >>> even = exp["customer"].str[-1].isin(list("02468")), act["customer"].str[-1].isin(list("02468"))
    >>> parts = [journey_part(exp[even[0] == k], act[even[1] == k], as_of=as_of) for k in (True, False)]
    >>> a = experience_journeys_from_parts(parts, seed=3).table
    >>> b = experience_journeys(exp, act, as_of=as_of, seed=3).table
    >>> bool(a.equals(b))
    True
    """
    if as_of is None:
        raise ValueError("journey_part needs as_of, the end of observation of every part (experience_journeys "
                         "takes the latest purchase or experience when given none).")
    if experiences is None:
        experiences = no_experiences()
    return _journey_start(experiences, activity, as_of=as_of, customer=customer, key=key, require=False)


def experience_journeys_from_parts(parts: list[JourneyPart], *, window: float = 365, seed: int | None = 0,
                                   confidence: float = 0.95) -> JourneyResult:
    """:func:`experience_journeys` of the union of partitions of customers, from their :func:`journey_part`.

    The same table, notes and service-recovery test as the function on the
    whole tables: the matched reference dates are drawn over every part
    (:func:`reference_offsets`), the parts' tables stacked in customer order,
    and the recovery test's rows stacked in the order the whole function
    makes them. The result holds those rows instead of the events and
    purchases (:func:`service_recovery_test` reads either).

    Parameters
    ----------
    parts : list of JourneyPart
        :func:`journey_part` of each partition (built with the same
        ``as_of``), in any order; or the parts already finished
        (:meth:`JourneyPart.finish`, with the offsets :func:`reference_offsets`
        drew over all of them, as the Dask engine does where each part is);
        finished with ``rows=False``, the result comes without its table
        (as :meth:`~csanalysis.results.Result.without_rows` leaves it: the
        summary from the parts' counts, summed), so no table of every
        customer is put together.
    window, seed, confidence
        As :func:`experience_journeys` (with finished parts, ``window`` and
        ``seed`` must be those they were finished with).

    Returns
    -------
    JourneyResult

    Examples
    --------
    >>> from csanalysis.estimators.avoidance import simulate_avoidance_scenario
    >>> exp, act, _ = simulate_avoidance_scenario(400, seed=1)
    >>> res = experience_journeys_from_parts([journey_part(exp, act, as_of=act["at"].max())])
    >>> service_recovery_test(res).comparisons["n_group"].gt(0).all()
    np.True_
    """
    window = check_window(window)
    confidence = check_confidence(confidence)
    parts = list(parts)
    if not parts or not all(isinstance(p, JourneyPart) for p in parts):
        raise ValueError("parts must be a non-empty list of journey_part(...) results.")
    finished = [p.window is not None for p in parts]
    if not any(finished):
        offsets = reference_offsets([p.references() for p in parts], seed=seed)
        parts = [p.finish(o, window=window, seed=seed) for p, o in zip(parts, offsets)]
    elif not all(finished):
        raise ValueError("some parts are finished and some not; pass all of them as journey_part built them, or "
                         "all finished.")
    elif any(p.window != window or p.seed != seed for p in parts):
        raise ValueError(f"the parts were finished with another window or seed than window={window:g}, "
                         f"seed={seed!r}; pass those they were finished with.")
    if len({p.end for p in parts}) > 1:
        raise ValueError("the parts were built with different as_of; build every part with the same as_of.")
    counts = {k: sum(p.counts[k] for p in parts) for k in parts[0].counts}
    slim = [p.table is None for p in parts]
    if any(slim):  # (finished without their rows: the summary from the journeys' counts, summed)
        if not all(slim):
            raise ValueError("some parts were finished without their rows (rows=False) and some with; finish "
                             "every part alike.")
        tally = {k: sum(p.tally[k] for p in parts) for k in parts[0].tally}
        n = int(tally["n"].sum())
        if not n:
            raise ValueError(_NOTHING)
        return _journey_result(None, counts, window, parts[0].end, confidence,
                               censored=n - int(tally["followed"].sum()),
                               kept={"summary": _journey_summary(tally, window, confidence), "customers": n},
                               recovery_rows=_merge_recovery(parts))
    table = pd.concat([p.table for p in parts], ignore_index=True) if len(parts) > 1 else parts[0].table
    if not len(table):
        raise ValueError(_NOTHING)
    if len(parts) > 1:
        table = table.sort_values("customer", kind="stable", ignore_index=True)
        if not table["customer"].is_unique:
            raise ValueError("a customer is in more than one part; split the tables by customer (each customer's "
                             "experiences and purchases in one part).")
    return _journey_result(table, counts, window, parts[0].end, confidence,
                           recovery_rows=_merge_recovery(parts))


# =========================================================================== recovery test
#: The comparisons of :func:`service_recovery_test`: ``(comparison, group, reference)``.
COMPARISONS: tuple[tuple[str, str, str], ...] = (
    ("bad then recovered vs good only", "bad then recovered", "good only"),
    ("bad then recovered vs bad not recovered", "bad then recovered", "bad not recovered"),
)
_REFERENCE_TEXT = {
    "good only": "every good experience of a customer with no bad experience before it (time zero: that "
                 "experience; later bad experiences ignored)",
    "bad not recovered": "every later rated contact of a customer after the first bad experience that did not "
                         "recover them (rated bad or neutral; no good experience since the bad one) (time zero: "
                         "that contact; a recovery later is ignored)",
}
#: Flag codes of the comparisons' ``flags`` column and what each means (from :mod:`csanalysis.flags`).
FLAGS: dict[str, str] = {k: _flags.FLAGS[k]
                         for k in ("unmeasured_propensity", "poor_overlap", "recurring_contacts")}
#: Reference rows per reference customer from which the comparison with customers not recovered is flagged
#: ``recurring_contacts``. Set from the planted-truth validation (validation/README.md): 1.1-1.4 in the worlds
#: where the comparison holds, 2.0-3.4 where rated contacts recur strongly with the same customers, where it
#: missed by up to 0.8 standard errors.
RECURRING_ROWS = 1.5
#: Pre-index covariates of the propensity score, in the order of :attr:`ServiceRecoveryResult.balance`.
COVARIATES: tuple[str, ...] = ("days_since_purchase", "purchases_before", "purchases_last_year", "tenure_days",
                               "contacts_before", "good_before", "bad_before", "days_since_bad", "calendar_years")
_DAY_S = 86_400
_NO_TIME = np.iinfo(np.int64).max
_KEY = np.int64(10**10)  # more seconds than any span of the data (317 years)


def _seconds(s: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 seconds since 1970 (missing: the largest int64)."""
    v = pd.to_datetime(s, utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    return np.where(np.isnat(v), _NO_TIME, v.astype("datetime64[s]").astype(np.int64))


class _Times:
    """Event times per customer code, sorted, for counting events before a time (vectorised)."""

    def __init__(self, codes: np.ndarray, secs: np.ndarray, n_codes: int, base: int) -> None:
        self.base = base
        self.key = np.sort(codes.astype(np.int64) * _KEY + (secs - base))
        self.starts = np.searchsorted(self.key, np.arange(n_codes + 1, dtype=np.int64) * _KEY)
        self.secs = self.key % _KEY + base

    def count(self, codes: np.ndarray, secs: np.ndarray, *, inclusive: bool = False) -> np.ndarray:
        """Events of customer ``codes`` strictly before ``secs`` (at or before with ``inclusive``)."""
        q = codes.astype(np.int64) * _KEY + np.clip(secs - self.base, 0, _KEY - 1)
        return search_sorted(self.key, q, side="right" if inclusive else "left") - self.starts[codes]

    def _at(self, i: np.ndarray, has: np.ndarray) -> np.ndarray:
        """Event time at sorted position ``i`` where ``has``, else ``_NO_TIME``."""
        if self.key.size == 0:
            return np.full(i.shape, _NO_TIME)
        return np.where(has, self.secs[np.clip(i, 0, self.key.size - 1)], _NO_TIME)

    def first(self, codes: np.ndarray) -> np.ndarray:
        """First event time of each customer (``_NO_TIME`` when none)."""
        return self._at(self.starts[codes], self.starts[codes + 1] > self.starts[codes])

    def previous(self, codes: np.ndarray, secs: np.ndarray) -> np.ndarray:
        """Time of the last event strictly before ``secs`` (``_NO_TIME`` when none)."""
        k = self.count(codes, secs)
        return self._at(self.starts[codes] + k - 1, k > 0)


#: The roles of rows in :attr:`ServiceRecoveryResult.rows`, as codes.
_ROLES: tuple[str, ...] = ("bad then recovered", "good only", "bad not recovered")
#: Rows of the smaller group per propensity-score term beyond the covariates themselves.
_ROWS_PER_TERM = 15
#: Customers each group needs for a comparison.
_MIN_CUSTOMERS = 5


@dataclass
class _RecoveryRows(HoldsArrays):
    """The service-recovery test's rows before eligibility (:func:`_recovery_arrays`): ``rows`` (columns as
    arrays, customers as codes into ``keys``) and ``first``, each customer's first experience (``customer,
    bad, bought, kind``) for the disappointment gradient.

    It answers :func:`service_recovery_from_parts`' rounds where it is. Every
    method takes ``active_days`` (the eligibility) and, but the first,
    ``specs``: per fit (the disappointment gradient, then each of the
    :data:`COMPARISONS`) what the earlier rounds found over every partition,
    None for a fit not made. Answers are sums over the part's rows (a few
    numbers and small matrices per fit), so that the partitions' answers add
    up to the whole tables'; a customer's rows are all in one part, so the
    sandwich variance's per-customer scores are summed where they are.
    """

    rows: dict[str, np.ndarray]
    keys: pd.Index
    first: dict[str, np.ndarray]

    def _fits(self, active_days: float | None) -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
        """The rows of each fit and what it models: first experiences and whether they were bad; each
        comparison's eligible rows and whether they are in its group."""
        rows = _eligible(self.rows, active_days)
        return [(self.first, self.first["bad"]), *(_comparison_rows(rows, i) for i in range(len(COMPARISONS)))]

    def recovery_counts(self, active_days: float | None) -> list[dict[str, Any]]:
        """Per fit: rows, distinct customers and outcomes per group, the kinds of contact, the sums of the
        (log) covariates."""
        (first, bad), *comps = self._fits(active_days)
        out: list[dict[str, Any]] = [{"n": bad.size, "bad": int(bad.sum()), "kinds": _kinds(first["kind"]),
                                      "x_sum": np.sum(np.log1p(first["bought"].astype(float)))}]
        for i, (sub, z) in enumerate(comps):
            y, c = sub["repeat"], sub["customer"]
            base = _base(sub, COMPARISONS[i][2] != "good only")
            out.append({"n_group": n_distinct(c[z]), "n_reference": n_distinct(c[~z]), "rows_group": int(z.sum()),
                        "rows_reference": int((~z).sum()), "repeat_group": int(y[z].sum()),
                        "repeat_reference": int(y[~z].sum()), "kinds": _kinds(sub["contact_kind"]),
                        "base_sum": np.array([np.sum(v) for v in base.values()])})
        return out

    def recovery_moments(self, active_days: float | None, specs: list[dict[str, Any] | None]) -> list[Any]:
        """Per fit: the gradient's squares about its mean; each comparison's sums of its terms."""
        (first, _), *comps = self._fits(active_days)
        g = specs[0]
        out: list[Any] = [None if g is None else
                          float(np.sum((np.log1p(first["bought"].astype(float)) - g["mean"]) ** 2))]
        return out + [None if s is None else _features(sub, s).sum(axis=0) for (sub, _), s in zip(comps, specs[1:])]

    def recovery_spread(self, active_days: float | None, specs: list[dict[str, Any] | None]) -> list[Any]:
        """Per comparison: the squares of its terms about their means."""
        _, *comps = self._fits(active_days)
        return [None] + [None if s is None else np.sum((_features(sub, s) - s["x_mean"]) ** 2, axis=0)
                         for (sub, _), s in zip(comps, specs[1:])]

    def _designs(self, active_days: float | None, specs: list[dict[str, Any] | None]
                 ) -> list[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray | None] | None]:
        """Per fit made: its rows, what it models, its design and (a comparison's) :func:`_features`, made once
        for the design and the balance terms."""
        (first, bad), *comps = self._fits(active_days)
        out: list[Any] = [None if specs[0] is None else (first, bad, _disappointment_design(first, specs[0]), None)]
        for (sub, z), s in zip(comps, specs[1:]):
            F = None if s is None else _features(sub, s)
            out.append(None if s is None else (sub, z, _standardised(F, s), F))
        return out

    def recovery_newton(self, active_days: float | None, specs: list[dict[str, Any] | None],
                        betas: list[np.ndarray | None]) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Per fit still iterating (``betas``): the logistic log-likelihood's gradient and information."""
        out = []
        for d, beta in zip(self._designs(active_days, specs), betas):
            if d is None or beta is None:
                out.append(None)
                continue
            _, t, X, _ = d
            e = special.expit(X @ beta)
            out.append((X.T @ (t - e), (X * (e * (1 - e))[:, None]).T @ X))
        return out

    def recovery_fitted(self, active_days: float | None, specs: list[dict[str, Any] | None],
                        betas: list[np.ndarray | None]) -> list[dict[str, Any] | None]:
        """At the fitted coefficients: the gradient's sandwich (information, per-customer scores' squares);
        per comparison the weighted sums of the outcome and of its covariates per group."""
        out: list[dict[str, Any] | None] = []
        for j, (d, beta) in enumerate(zip(self._designs(active_days, specs), betas)):
            if d is None:
                out.append(None)
                continue
            rows, t, X, F = d
            e = special.expit(X @ beta)
            if j == 0:
                S = _per_customer(rows["customer"], X * (t - e)[:, None])
                out.append({"meat": S.T @ S, "bread": (X * (e * (1 - e))[:, None]).T @ X})
                continue
            z, y, w = t, rows["repeat"].astype(float), np.where(t, 1.0 - e, e)
            B, raw = self._balance(rows, specs[j], F)
            out.append({"wy1": np.sum(w * z * y), "w1": np.sum(w * z), "wy0": np.sum(w * ~z * y),
                        "w0": np.sum(w * ~z), "w0_sq": np.sum(w[~z] ** 2),
                        "x1": B[z].sum(axis=0), "x0": B[~z].sum(axis=0), "wx1": w[z] @ B[z], "wx0": w[~z] @ B[~z],
                        "raw1": raw[z].sum(axis=0), "raw0": raw[~z].sum(axis=0)})
        return out

    @staticmethod
    def _balance(rows: dict[str, np.ndarray], spec: dict[str, Any], F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The terms the balance table reads (the covariates and kinds of contact, the first of the rows'
        :func:`_features` ``F``) and their raw values."""
        X = F[:, : spec["k0"]]
        return X, np.column_stack([rows[c].astype(float) if c in rows else X[:, i]
                                   for i, c in enumerate(spec["names"][: spec["k0"]])]).reshape(X.shape)

    def recovery_sandwich(self, active_days: float | None, specs: list[dict[str, Any] | None],
                          betas: list[np.ndarray | None], fits: list[dict[str, Any] | None]
                          ) -> list[dict[str, Any] | None]:
        """Per comparison, at the fitted coefficients and weighted rates (``fits``): the estimating equations'
        derivatives, their per-customer scores' squares and customers, and the squares of the balance terms
        about their group means."""
        out: list[dict[str, Any] | None] = [None]
        for j, (d, beta, f) in enumerate(zip(self._designs(active_days, specs), betas, fits)):
            if j == 0:
                continue
            if d is None:
                out.append(None)
                continue
            rows, z, X, F = d
            nz, y = ~z, rows["repeat"].astype(float)
            e = special.expit(X @ beta)
            v = e * (1 - e)
            m1, m0 = f["rate_group"], f["rate_reference"]
            psi = np.column_stack([X * (z - e)[:, None], z * (1 - e) * (y - m1), nz * e * (y - m0)])
            S = _per_customer(rows["customer"], psi)
            B, _ = self._balance(rows, specs[j], F)
            out.append({"meat": S.T @ S, "customers": len(S), "information": (X * v[:, None]).T @ X,
                        "a1": (z * v * (y - m1)) @ X, "a11": np.sum(z * (1 - e)),
                        "a0": (nz * v * (y - m0)) @ X, "a00": np.sum(nz * e),
                        "ss1": np.sum((B[z] - f["mean1"]) ** 2, axis=0),
                        "ss0": np.sum((B[nz] - f["mean0"]) ** 2, axis=0)})
        return out


def _recovery_arrays(events: pd.DataFrame, purchases: pd.DataFrame, end: pd.Timestamp,
                     window: float) -> _RecoveryRows:
    """One row per customer and time zero of every group, with the pre-index covariates and the outcome.

    Columns as arrays: ``customer`` (integer code into the keys), ``role``
    (index in :data:`_ROLES`), ``t0`` (seconds since 1970), the
    :data:`COVARIATES`, ``contact_kind``, ``days_since_bad`` and ``repeat``
    (:func:`_recovery_rows` adds the eligibility). Rows whose time zero is
    less than ``window`` days before ``end`` are left out (not followed for
    the whole window). Customers are coded in order of appearance in
    ``events`` (for the experiences, sorted by customer: their order).
    """
    codes, keys = factorize(pd.concat([events["customer"], purchases["customer"]], ignore_index=True))
    codes = codes.astype(np.int64)
    ec, pc = codes[: len(events)], codes[len(events):]
    es, ps = _seconds(events["at"]), _seconds(purchases["at"])
    ok_e, ok_p = (ec >= 0) & (es != _NO_TIME), (pc >= 0) & (ps != _NO_TIME)
    bad = events["bad"].to_numpy(dtype=bool)[ok_e]
    good = events["good"].to_numpy(dtype=bool)[ok_e]
    rated = (events["rated"].to_numpy(dtype=bool) if "rated" in events.columns else bad | good)[ok_e] | bad | good
    src = (events["source"].astype("object").fillna("").to_numpy(dtype=object) if "source" in events.columns
           else np.full(len(events), "", dtype=object))[ok_e]
    ec, es, pc, ps = ec[ok_e], es[ok_e], pc[ok_p], ps[ok_p]
    n_codes = int(codes.max()) + 1 if codes.size else 0
    end_s = int(_seconds(pd.Series([end]))[0])
    win_s = int(round(window * _DAY_S))
    base = int(min(es.min(initial=end_s), ps.min(initial=end_s))) - 40 * 366 * _DAY_S
    P, E = _Times(pc, ps, n_codes, base), _Times(ec, es, n_codes, base)
    Eb = _Times(ec[bad], es[bad], n_codes, base)
    Eg = _Times(ec[good], es[good], n_codes, base)
    first_bad = np.full(n_codes, _NO_TIME)
    np.minimum.at(first_bad, ec[bad], es[bad])
    later_good = good & (es > first_bad[ec])
    lg = np.flatnonzero(later_good)
    lg = lg[np.lexsort((es[lg], ec[lg]))]
    rec_i = lg[np.r_[True, ec[lg][1:] != ec[lg][:-1]]] if lg.size else lg  # each customer's recovery
    recovery = np.full(n_codes, _NO_TIME)
    recovery[ec[rec_i]] = es[rec_i]
    gm = np.flatnonzero(good & (es < first_bad[ec]))  # good experiences with no bad one at or before them
    # later rated contacts of the bad that did not recover them (bad or neutral), before any recovery
    nm = np.flatnonzero(rated & (es > first_bad[ec]) & (es < recovery[ec]))
    ev = np.concatenate([rec_i, gm, nm])
    role = np.repeat(np.arange(3, dtype=np.int8), [rec_i.size, gm.size, nm.size])
    keep = es[ev] <= end_s - win_s
    ev, role = ev[keep], role[keep]
    c, t, kind = ec[ev], es[ev], src[ev]
    n_before = P.count(c, t)
    has = n_before > 0
    since = np.where(has, (t - P.previous(c, t)) / _DAY_S, np.nan)
    fb = first_bad[c]
    rows = {
        "customer": c, "role": role, "t0": t,
        "purchases_before": n_before,
        "purchases_last_year": n_before - P.count(c, t - 365 * _DAY_S),
        "tenure_days": np.where(has, (t - P.first(c)) / _DAY_S, np.nan),
        "days_since_purchase": since,
        "contacts_before": E.count(c, t),
        "good_before": Eg.count(c, t),
        "bad_before": Eb.count(c, t),
        "calendar_years": (t - end_s) / (365.25 * _DAY_S),
        "contact_kind": kind,
        "days_since_bad": np.where(fb < t, (t - np.minimum(fb, t)) / _DAY_S, np.nan),
    }
    rows["repeat"] = P.count(c, t + win_s, inclusive=True) > P.count(c, t, inclusive=True)
    # each customer's first experience: buying not yet changed by any experience
    o = np.lexsort((es, ec))
    fi = o[np.r_[True, ec[o][1:] != ec[o][:-1]]] if o.size else o
    first = {"customer": ec[fi], "bad": bad[fi],
             "bought": P.count(ec[fi], es[fi]) - P.count(ec[fi], es[fi] - 365 * _DAY_S), "kind": src[fi]}
    return _RecoveryRows(rows=rows, keys=pd.Index(keys), first=first)


def _eligible(rows: dict[str, np.ndarray], active_days: float | None) -> dict[str, np.ndarray]:
    """The rows of :func:`_recovery_arrays` with ``eligible``: a purchase before time zero, the last one at most
    ``active_days`` before it."""
    active = np.inf if active_days is None else float(active_days)
    out = {k: v for k, v in rows.items() if k != "repeat"}
    with np.errstate(invalid="ignore"):
        out["eligible"] = (out["purchases_before"] > 0) & (out["days_since_purchase"] <= active)
    out["repeat"] = rows["repeat"]
    return out



def _merge_recovery(finished: list[JourneyPart]) -> _RecoveryRows | None:
    """The recovery rows of finished parts (disjoint sets of customers) as :func:`_recovery_arrays` makes them on
    the whole tables; None when a part comes without them (the test then asks the parts where they are:
    :func:`service_recovery_from_parts`).

    Customers are coded in the experiences' order (:func:`csanalysis.experiences.customer_order`), the
    rows of each group stacked by customer, a customer's rows in their own order: on the experiences of
    :func:`csanalysis.experiences.experiences` the whole tables' rows, in their order.
    """
    if any(p.recovery is None for p in finished):
        return None
    parts = [p.recovery for p in finished]
    if len(parts) == 1:
        return parts[0]
    labels = pd.Series(np.concatenate([p.keys.to_numpy(dtype=object)[p.first["customer"]] for p in parts]),
                       dtype=STR)
    order = customer_order(labels)
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    ends = np.cumsum([p.first["customer"].size for p in parts])
    maps = []
    for p, stop in zip(parts, ends):  # a handful of parts
        m = np.full(len(p.keys), -1, dtype=np.int64)
        m[p.first["customer"]] = rank[stop - p.first["customer"].size: stop]
        maps.append(m)

    def stack(name: str, of: str) -> np.ndarray:
        values = [getattr(p, of)[name] for p in parts]
        return np.concatenate([m[v] for m, v in zip(maps, values)] if name == "customer" else values)

    rows = {k: stack(k, "rows") for k in parts[0].rows}
    o = np.lexsort((rows["customer"], rows["role"]))  # (stable: a customer's rows keep their order)
    first = {k: stack(k, "first") for k in parts[0].first}
    f = np.argsort(first["customer"], kind="stable")
    return _RecoveryRows(rows={k: v[o] for k, v in rows.items()}, keys=pd.Index(labels.take(order)),
                         first={k: v[f] for k, v in first.items()})


def _disappointment_design(first: dict[str, np.ndarray], spec: dict[str, Any]) -> np.ndarray:
    """The disappointment gradient's design (intercept, the standardised log purchases, one indicator per kind
    of experience but the first) of a part's first experiences, from the totals in ``spec``."""
    x = (np.log1p(first["bought"].astype(float)) - spec["mean"]) / spec["std"]
    kind = first["kind"]
    return np.column_stack([np.ones(x.size), x] + [(kind == k).astype(float) for k in spec["kinds"][1:]])


def _comparison_rows(rows: dict[str, np.ndarray], i: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The eligible rows of comparison ``i`` (:data:`COMPARISONS`) and which of them are in its group."""
    _, grp, ref = COMPARISONS[i]
    m = rows["eligible"] & np.isin(rows["role"], [_ROLES.index(grp), _ROLES.index(ref)])
    sub = {k: v[m] for k, v in rows.items()}
    return sub, sub["role"] == _ROLES.index(grp)


def _features(rows: dict[str, np.ndarray], spec: dict[str, Any]) -> np.ndarray:
    """Design matrix (no intercept) of the propensity score: its first ``spec["k"]`` terms.

    In order of priority: log1p of the covariates (``calendar_years`` as is;
    with ``spec["with_bad"]`` also the bad experiences before time zero and
    the days since the first bad one) and one indicator per kind of the
    time-zero contact but the first (``contact_kind=survey``: a survey
    answer rather than a ticket), then their squares, then the products of
    ``days_since_purchase`` with the purchase counts and tenure, centred at
    the means of every partition's rows (``spec["means"]``). The covariates
    come first so that the balance table can read them. Names:
    :func:`_feature_names`.
    """
    cols = _covariates(spec["with_bad"])
    base = _base(rows, spec["with_bad"])
    mean = dict(zip(cols, spec["means"]))
    X = list(base.values()) + [(rows["contact_kind"] == k).astype(float) for k in spec["kinds"][1:]]
    X += [(base[c] - mean[c]) ** 2 for c in cols]
    r = base["days_since_purchase"] - mean["days_since_purchase"]
    X += [r * (base[c] - mean[c]) for c in ("purchases_before", "purchases_last_year", "tenure_days")]
    return np.column_stack(X[: spec["k"]]).reshape(len(rows["role"]), spec["k"])


def _base(rows: dict[str, np.ndarray], with_bad: bool) -> dict[str, np.ndarray]:
    """The propensity score's covariates as it reads them: log1p of each (``calendar_years`` as is)."""
    return {c: (np.log1p(rows[c].astype(float)) if c != "calendar_years" else rows[c].astype(float))
            for c in _covariates(with_bad)}


def _covariates(with_bad: bool) -> list[str]:
    """The :data:`COVARIATES` of a comparison (those about bad experiences only when its reference had one)."""
    return [c for c in COVARIATES if with_bad or c not in ("bad_before", "days_since_bad")]


def _feature_names(with_bad: bool, kinds: list[str]) -> list[str]:
    """The names of every term :func:`_features` may take, in its order."""
    cols = _covariates(with_bad)
    return (cols + [f"contact_kind={k}" for k in kinds[1:]] + [f"{c}^2" for c in cols]
            + [f"days_since_purchase*{c}" for c in ("purchases_before", "purchases_last_year", "tenure_days")])


def _standardised(F: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """The propensity score's design: intercept, then the terms of :func:`_features` (``F``) not constant over
    every partition's rows, standardised by their means and standard deviations there."""
    keep = spec["keep"]
    X = F[:, keep]
    return np.column_stack([np.ones(len(X)), (X - spec["x_mean"][keep]) / spec["x_sd"][keep]])


def _per_customer(customer: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``scores`` (one row per row of data) summed per customer: the clusters of the sandwich variance."""
    if not len(customer):
        return np.zeros((0, scores.shape[1]))
    order = np.argsort(customer, kind="stable")
    cs = customer[order]
    return np.add.reduceat(scores[order], np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]]), axis=0)


def _kinds(values: np.ndarray) -> np.ndarray:
    """The distinct kinds of contact among ``values`` (missing ones as the empty kind), sorted."""
    return np.unique(values.astype(str))


_FIT_COLUMNS = ["rate_group", "rate_reference", "difference", "se", "ci_low", "ci_high", "p_value",
                "ess_reference", "max_abs_smd_before", "max_abs_smd_after"]
_COMPARISON_COLUMNS = ["comparison", "group", "reference", "n_group", "n_reference", "rows_group",
                       "rows_reference", "repeat_group", "repeat_reference", *_FIT_COLUMNS, "time_zero", "method",
                       "definition", "reason", "caveat", "flags"]
_BALANCE_COLUMNS = ["comparison", "covariate", "mean_group", "mean_reference", "smd_before", "smd_after"]
#: The ridge on the slopes of each logistic fit: the disappointment gradient's, then the propensity scores'.
_RIDGES = (1e-6, *(1.0 for _ in COMPARISONS))


def _summed(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """The partitions' answers for one fit added up (the kinds of contact: their union, sorted)."""
    return {k: (np.unique(np.concatenate([a[k] for a in answers])) if k == "kinds" else sum(a[k] for a in answers))
            for k in answers[0]}


def _newton(each: Any, specs: list[dict[str, Any] | None], kw: dict[str, Any]) -> list[np.ndarray | None]:
    """Every fit's logistic regression by Newton-Raphson with its ridge on the slopes (:data:`_RIDGES`), all
    fits in the same rounds: each round's gradient and information are the partitions' sums."""
    betas = [None if s is None else np.zeros(s["p"]) for s in specs]
    going = list(betas)  # (the fits still iterating; each at most 100 steps)
    for _ in range(100):
        if all(b is None for b in going):
            break
        answers = each("recovery_newton", specs=specs, betas=going, **kw)
        for j, beta in enumerate(going):
            if beta is None:
                continue
            pen = np.full(beta.size, _RIDGES[j])
            pen[0] = 0.0
            step = np.linalg.solve(sum(a[j][1] for a in answers) + np.diag(pen),
                                   sum(a[j][0] for a in answers) - pen * beta)
            beta += step
            if np.max(np.abs(step)) < 1e-8:
                going[j] = None
    return betas


def _recovery_fits(each: Any, confidence: float, active_days: float | None
                   ) -> tuple[list[dict[str, Any]], dict[str, float], list[tuple[dict[str, Any], pd.DataFrame] | None]]:
    """The rounds of the service-recovery test over every partition's rows (``each``; one part: the whole
    tables): each comparison's counts, the disappointment gradient, and each comparison's fit and balance
    (None where a group has too few customers).

    The disappointment gradient: do customers who buy more have bad
    experiences more (or less) often? Logistic regression of ``bad`` on
    ``log1p(bought)`` (purchases in the year before the experience) and the
    kind of experience, over each customer's first experience (one per
    customer, so buying is not yet changed by an experience and no customer
    weighs more for having more contacts); sandwich variance.

    Each comparison: overlap-weighted difference in repeat rate (group -
    reference) with a customer-clustered sandwich variance. Estimating
    equations ``x (z - e) = 0`` (the propensity score, with the ridge),
    ``z (1 - e)(y - m1) = 0`` and ``(1 - z) e (y - m0) = 0``; the variance of
    ``m1 - m0`` is ``A^-1 B A^-T`` with the scores summed per customer and
    the factor ``G / (G - 1)`` for ``G`` customers. The balance: standardised
    mean differences of the covariates (weighted means over the unweighted
    pooled standard deviation, 0 where constant in both groups).
    """
    kw = {"active_days": active_days}
    answers = each("recovery_counts", **kw)
    counts = [_summed([a[j] for a in answers]) for j in range(1 + len(COMPARISONS))]
    g = counts[0]
    specs: list[dict[str, Any] | None] = [None] * (1 + len(COMPARISONS))
    if g["n"] >= 10 and 0 < g["bad"] < g["n"]:
        specs[0] = {"mean": g["x_sum"] / g["n"], "kinds": list(g["kinds"])}
    for j, (_, _, ref) in enumerate(COMPARISONS, start=1):
        c = counts[j]
        if min(c["n_group"], c["n_reference"]) < _MIN_CUSTOMERS:
            continue
        with_bad, kinds = ref != "good only", list(c["kinds"])
        names = _feature_names(with_bad, kinds)
        k0 = len(_covariates(with_bad)) + max(len(kinds) - 1, 0)  # (the covariates and kinds come first)
        k = max(k0, min(len(names), min(c["rows_group"], c["rows_reference"]) // _ROWS_PER_TERM))
        specs[j] = {"with_bad": with_bad, "kinds": kinds, "k": k, "k0": k0, "names": names[:k],
                    "means": c["base_sum"] / (c["rows_group"] + c["rows_reference"])}
    n = [g["n"]] + [c["rows_group"] + c["rows_reference"] for c in counts[1:]]
    moments = each("recovery_moments", specs=specs, **kw)
    if specs[0] is not None:
        std = float(np.sqrt(sum(a[0] for a in moments) / n[0]))
        specs[0] = {**specs[0], "std": std, "p": 1 + len(specs[0]["kinds"])} if std > 0 else None
    for j, s in enumerate(specs[1:], start=1):
        if s is not None:
            s["x_mean"] = sum(a[j] for a in moments) / n[j]
    spread = each("recovery_spread", specs=specs, **kw)
    for j, s in enumerate(specs[1:], start=1):
        if s is not None:
            s["x_sd"] = np.sqrt(sum(a[j] for a in spread) / n[j])
            s["keep"] = s["x_sd"] > 1e-12
            s["p"] = 1 + int(s["keep"].sum())
    betas = _newton(each, specs, kw)
    fitted = each("recovery_fitted", specs=specs, betas=betas, **kw)
    sums = [None if s is None else _summed([a[j] for a in fitted]) for j, s in enumerate(specs)]
    gradient = {"slope": np.nan, "se": np.nan, "p_value": np.nan, "n": float(g["n"])}
    if specs[0] is not None:
        Ai = np.linalg.pinv(sums[0]["bread"])
        se = float(np.sqrt(max((Ai @ sums[0]["meat"] @ Ai)[1, 1], 0.0)))
        if se > 0:
            b, std = betas[0][1], specs[0]["std"]
            gradient.update(slope=float(b / std), se=se / std, p_value=float(2 * stats.norm.sf(abs(b / se))))
    rates: list[dict[str, Any] | None] = [None]
    for j, s in enumerate(sums[1:], start=1):
        rates.append(None if s is None else {
            "rate_group": float(s["wy1"] / s["w1"]), "rate_reference": float(s["wy0"] / s["w0"]),
            "mean1": s["x1"] / counts[j]["rows_group"], "mean0": s["x0"] / counts[j]["rows_reference"]})
    sandwich = each("recovery_sandwich", specs=specs, betas=betas, fits=rates, **kw)
    out: list[tuple[dict[str, Any], pd.DataFrame] | None] = [None]
    for j, (s, spec) in enumerate(zip(sums[1:], specs[1:]), start=1):
        if s is None:
            out.append(None)
            continue
        out.append(_overlap_fit(counts[j], spec, s, rates[j], _summed([a[j] for a in sandwich]), confidence))
    return counts[1:], gradient, out[1:]


def _overlap_fit(counts: dict[str, Any], spec: dict[str, Any], fitted: dict[str, Any], rates: dict[str, Any],
                 sandwich: dict[str, Any], confidence: float) -> tuple[dict[str, Any], pd.DataFrame]:
    """One comparison's weighted difference, its sandwich interval and test, and its balance table, from the
    partitions' sums (:func:`_recovery_fits`)."""
    p = spec["p"]
    pen = np.full(p, 1.0)
    pen[0] = 0.0
    A = np.zeros((p + 2, p + 2))
    A[:p, :p] = -sandwich["information"] - np.diag(pen)
    A[p, :p] = -sandwich["a1"]
    A[p, p] = -sandwich["a11"]
    A[p + 1, :p] = sandwich["a0"]
    A[p + 1, p + 1] = -sandwich["a00"]
    Ai = np.linalg.inv(A)
    G = sandwich["customers"]
    V = Ai @ sandwich["meat"] @ Ai.T * (G / (G - 1))
    c = np.zeros(p + 2)
    c[p], c[p + 1] = 1.0, -1.0
    var = float(c @ V @ c)
    se = float(np.sqrt(var)) if var > 0 else np.nan
    m1, m0 = rates["rate_group"], rates["rate_reference"]
    d = m1 - m0
    df = max(min(counts["n_group"], counts["n_reference"]) - 1, 1)
    zc = float(stats.t.ppf(0.5 + confidence / 2, df))
    pv = float(2 * stats.t.sf(abs(d / se), df)) if se > 0 else np.nan
    ess = float(fitted["w0"] ** 2 / fitted["w0_sq"]) if fitted["w0"] > 0 else 0.0
    n1, n0 = counts["rows_group"], counts["rows_reference"]
    sd = np.sqrt((sandwich["ss1"] / n1 + sandwich["ss0"] / n0) / 2.0)
    # a term constant in both groups has no spread but the rounding of its partitions' sums: 0, not noise / noise
    spread = sd > 1e-12 * np.maximum(1.0, np.abs(rates["mean1"]) + np.abs(rates["mean0"]))

    def smd(diff: np.ndarray) -> np.ndarray:
        return np.where(spread, diff / np.where(spread, sd, 1.0), 0.0)

    before = smd(rates["mean1"] - rates["mean0"])
    after = smd(fitted["wx1"] / fitted["w1"] - fitted["wx0"] / fitted["w0"])
    bal = pd.DataFrame({"covariate": spec["names"][: spec["k0"]], "mean_group": fitted["raw1"] / n1,
                        "mean_reference": fitted["raw0"] / n0, "smd_before": before, "smd_after": after})
    fit = {"rate_group": m1, "rate_reference": m0, "difference": d, "se": se,
           "ci_low": max(d - zc * se, -1.0), "ci_high": min(d + zc * se, 1.0), "p_value": pv, "ess_reference": ess,
           "max_abs_smd_before": float(np.max(np.abs(before))), "max_abs_smd_after": float(np.max(np.abs(after)))}
    return fit, bal


def _recovery_comparisons(each: Any, window: float, confidence: float, active_days: float | None
                          ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """The comparisons, the balance table and the disappointment gradient from every partition's rows (``each``:
    :func:`_recovery_fits`)."""
    counts, gradient, fits = _recovery_fits(each, confidence, active_days)
    act = "any earlier purchase" if active_days is None else f"a purchase in the {active_days:g} days before"
    recs, bals = [], []
    for (name, grp, ref), c, fitted in zip(COMPARISONS, counts, fits):  # two comparisons
        rec: dict[str, Any] = {
            "comparison": name, "group": grp, "reference": ref,
            **{k: int(c[k]) for k in ("n_group", "n_reference", "rows_group", "rows_reference", "repeat_group",
                                      "repeat_reference")},
            "time_zero": f"{grp}: the recovery (first good experience after the first bad one); {ref}: "
                         + _REFERENCE_TEXT[ref].split("(time zero: ")[1].rstrip(")"),
            "method": ("overlap-weighted difference of repeat rates (logistic propensity score on the pre-index "
                       "history); customer-clustered sandwich variance; t interval and test with as many degrees "
                       "of freedom as customers in the smaller group minus 1"),
            "definition": (f"bought again within {window:g} days after time zero: recovered customers (time zero: "
                           f"the recovery) minus {_REFERENCE_TEXT[ref]}; eligible: {act} time zero; time zero at "
                           f"least {window:g} days before the end of the data"),
            "reason": "",
            "caveat": "",
            "flags": [],
        }
        if gradient["p_value"] < 0.05:
            why = ("the reference never had a bad experience" if ref == "good only" else
                   "whether a contact recovers a customer then also depends on how much they buy")
            rec["caveat"] = (
                "customers who buy more have bad experiences {} often per contact (log-odds {:+.2f} per log "
                "purchase in the year before, p = {:.2g}): {}, beyond what their purchase history shows, so the "
                "difference may carry that propensity".format("more" if gradient["slope"] > 0 else "less",
                                                              gradient["slope"], gradient["p_value"], why))
            rec["flags"].append("unmeasured_propensity")
        rec.update(dict.fromkeys(_FIT_COLUMNS, np.nan))
        if fitted is not None:
            fit, bal = fitted
            rec.update(fit)
            if fit["ess_reference"] < max(20.0, 0.5 * rec["rows_group"]) or fit["max_abs_smd_after"] > 0.1:
                rec["flags"].append("poor_overlap")
            if ref != "good only" and rec["rows_reference"] >= RECURRING_ROWS * rec["n_reference"]:
                rec["flags"].append("recurring_contacts")
                rec["caveat"] = "; ".join(x for x in (rec["caveat"], (
                    f"the customers not recovered gave {rec['rows_reference'] / rec['n_reference']:.2f} reference "
                    f"rows each (a flag from {RECURRING_ROWS:g}): their contacts recur, and when they are recovered "
                    "later the design cannot align with when the recovered customers would have been")) if x)
            bals.append(bal.assign(comparison=name))
        else:
            rec["reason"] = (f"fewer than {_MIN_CUSTOMERS} eligible customers followed for {window:g} days in a "
                             f"group ({rec['n_group']} recovered, {rec['n_reference']} reference)")
        recs.append(rec)
    comp = pd.DataFrame(recs)[_COMPARISON_COLUMNS].astype(
        dict.fromkeys(["comparison", "group", "reference", "time_zero", "method", "definition", "reason", "caveat"],
                      STR))
    balance = (pd.concat(bals, ignore_index=True)[_BALANCE_COLUMNS] if bals
               else pd.DataFrame({c: pd.Series(dtype="float64") for c in _BALANCE_COLUMNS}))
    balance = balance.astype({"comparison": STR, "covariate": STR})
    return comp, balance, gradient


@dataclass(repr=False)
class ServiceRecoveryResult(Result):
    """Result of :func:`service_recovery_test`.

    Attributes
    ----------
    comparisons : DataFrame
        One row per comparison (:data:`COMPARISONS`): ``comparison, group,
        reference, n_group, n_reference`` (customers), ``rows_group,
        rows_reference`` (customer-time-zero rows; a reference customer may
        give several rows), ``repeat_group, repeat_reference`` (rows with
        a repeat purchase, unweighted), ``rate_group, rate_reference`` (the
        overlap-weighted repeat rates), ``difference`` (their difference),
        ``se, ci_low, ci_high, p_value`` (customer-clustered sandwich
        standard error; t interval, clipped to [-1, 1], and two-sided
        t-test), ``ess_reference`` (effective sample size of the weighted
        reference rows), ``max_abs_smd_before, max_abs_smd_after``,
        ``time_zero, method, definition`` (the design in words),
        ``reason`` (why a comparison is missing), ``caveat`` (what the
        design cannot rule out in these data) and ``flags`` (a list of
        :data:`FLAGS` codes).
    journeys : JourneyResult
        The journeys (the descriptive table) and the events the rows come from.
    balance : DataFrame
        Per comparison and covariate: ``comparison, covariate, mean_group,
        mean_reference`` (unweighted), ``smd_before, smd_after``.
    rows : DataFrame
        Every customer-time-zero row followed for the whole window:
        ``customer, role, time_zero``, the :data:`COVARIATES` (at time zero,
        from earlier events only), ``contact_kind`` (the source of the
        time-zero experience), ``eligible`` and ``repeat`` (the outcome).
    settings : dict
    kept : dict or None
        Set when the rows are let go (:meth:`without_rows`: ``rows`` None,
        the journeys without theirs).
    """

    comparisons: pd.DataFrame
    journeys: JourneyResult
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows: pd.DataFrame | None = field(default_factory=pd.DataFrame, repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
    title: str = "Service recovery: repeat purchase after the recovery vs comparable customers"
    kept: dict[str, Any] | None = field(default=None, repr=False)

    row_fields = ("rows",)

    def without_rows(self, keep: tuple[str, ...] = ()) -> ServiceRecoveryResult:
        """The same test without its rows and with its journeys without theirs (see
        :meth:`csanalysis.results.Result.without_rows`)."""
        slim, journeys = super().without_rows(keep), self.journeys.without_rows()
        return slim if journeys is self.journeys else replace(slim, journeys=journeys)

    def __repr__(self) -> str:
        return f"ServiceRecoveryResult(window={self.journeys.window:g} days, {len(self.comparisons)} comparisons)"

    def summary(self) -> pd.DataFrame:
        """The comparisons (see :attr:`comparisons`)."""
        return self.comparisons.copy()

    def footnote(self) -> str:
        """The design in one sentence."""
        return (f"Time zero: the recovery (first good experience after the first bad one); outcome: a purchase "
                f"within {self.journeys.window:g} days; overlap weights on the pre-index history; "
                "customer-clustered sandwich intervals.")

    def to_dict(self) -> dict[str, Any]:
        """``{"segments": journey records, "comparisons": [...], "balance": [...], ...}``."""
        return jsonable({"segments": frame_records(self.journeys.summary()),
                         "comparisons": frame_records(self.comparisons),
                         "balance": frame_records(self.balance), "settings": self.settings,
                         "window_days": self.journeys.window, "conclusions": self.describe()})

    def describe(self) -> list[str]:
        """Each comparison in one plain sentence."""
        out = []
        w = f"{self.journeys.window:g}"
        for r in self.comparisons.itertuples(index=False):  # a handful of comparisons
            if not np.isfinite(r.difference):
                out.append(f"{r.comparison}: not estimable ({r.reason}).")
                continue
            way = "more" if r.difference > 0 else "less" if r.difference < 0 else "as"
            out.append(
                f"Customers just recovered bought again within {w} days {way} often than comparable "
                f"{r.reference!r} customers ({_pct(r.rate_group)} of {r.n_group} vs {_pct(r.rate_reference)} of "
                f"{r.n_reference}, weighted; difference {100 * r.difference:+.1f} points, "
                f"{round(100 * self.journeys.confidence)}% CI {100 * r.ci_low:+.1f} to "
                f"{100 * r.ci_high:+.1f}, p = {r.p_value:.3g}).")
        return out

    def plot(self, ax: Any = None) -> Any:
        """Differences in repeat rate with their intervals (see :func:`csanalysis.plotting.plot_recovery`)."""
        from csanalysis.plotting.segments import plot_recovery
        return plot_recovery(self, ax=ax)


def service_recovery_test(
    experiences: pd.DataFrame | JourneyResult,
    activity: pd.DataFrame | None = None,
    *,
    window: float = 365,
    as_of: Any = None,
    seed: int | None = 0,
    customer: str = "customer",
    key: Key = "auto",
    confidence: float = 0.95,
    active_days: float | None = 365,
) -> ServiceRecoveryResult:
    """Do customers buy again more (or less) after a service recovery than comparable customers?

    A target-trial comparison with time zero at the recovery (see the module
    notes): recovered customers against (1) customers at a good experience
    with no bad one before it and (2) customers not (yet) recovered at the
    same delay after their first bad experience; every group is defined with
    information up to its time zero only, eligible on the same terms, and
    adjusted for the pre-index history by overlap weights.

    Parameters
    ----------
    experiences : DataFrame or JourneyResult
        Experiences (with ``activity``), or the result of
        :func:`experience_journeys` (then ``window``, ``as_of``, ``seed``,
        ``customer``, ``key`` and ``confidence`` come from it).
    activity : DataFrame, optional
        Canonical activity table; required with an experiences DataFrame.
    window, as_of, seed, customer, key, confidence
        As in :func:`experience_journeys`.
    active_days : float or None, default 365
        Eligibility: the last purchase before time zero at most this many
        days before it (``None``: any earlier purchase).

    Returns
    -------
    ServiceRecoveryResult
        ``comparisons`` with the weighted difference in repeat rate, its
        interval and the two-sided p-value; ``balance`` with the standardised
        differences before and after weighting.

    Examples
    --------
    Two recovered customers (a, b), two whose next contact after a bad one
    was rated neutral (c, d), two with good experiences only (e, f):

    >>> t = lambda d: pd.Timestamp("2022-01-01", tz="UTC") + pd.Timedelta(days=d)
    >>> exp = pd.DataFrame({"customer": list("aabbccddef"),
    ...     "at": [t(100), t(103), t(100), t(110), t(100), t(104), t(90), t(95), t(100), t(120)],
    ...     "bad": [True, False, True, False, True, False, True, False, False, False],
    ...     "good": [False, True, False, True, False, False, False, False, True, True], "rated": True})
    >>> act = pd.DataFrame({"customer": list("aabccdeef"),
    ...     "at": [t(50), t(200), t(60), t(40), t(300), t(70), t(20), t(150), t(30)]})
    >>> res = service_recovery_test(exp, act, as_of=t(900))
    >>> res.rows[["customer", "role", "time_zero", "repeat"]]
      customer                role                 time_zero  repeat
    0        a  bad then recovered 2022-04-14 00:00:00+00:00    True
    1        b  bad then recovered 2022-04-21 00:00:00+00:00   False
    2        e           good only 2022-04-11 00:00:00+00:00    True
    3        f           good only 2022-05-01 00:00:00+00:00   False
    4        c   bad not recovered 2022-04-15 00:00:00+00:00    True
    5        d   bad not recovered 2022-04-06 00:00:00+00:00   False
    >>> print(res.comparisons.loc[1, "reason"])  # a real comparison needs more customers
    fewer than 5 eligible customers followed for 365 days in a group (2 recovered, 2 reference)
    """
    if isinstance(experiences, JourneyResult):
        jr = experiences
    else:
        if activity is None:
            raise ValueError("service_recovery_test needs the activity table with an experiences DataFrame "
                             "(or pass the result of experience_journeys).")
        jr = experience_journeys(experiences, activity, window=window, as_of=as_of, seed=seed,
                                 customer=customer, key=key, confidence=confidence)
    has_events = jr.events is not None and jr.purchases is not None
    if not has_events and jr.recovery_rows is None:  # (from partitions: the rows, not the events)
        raise ValueError("this JourneyResult carries neither its events nor the recovery test's rows; build it "
                         "with experience_journeys() (or, with partitions kept where they are, run "
                         "service_recovery_from_parts on them).")
    active_days = _check_active(active_days)
    rec = _recovery_arrays(jr.events, jr.purchases, jr.end, jr.window) if has_events else jr.recovery_rows
    comp, balance, gradient = _recovery_comparisons(lambda method, **kw: [getattr(rec, method)(**kw)], jr.window,
                                                    jr.confidence, active_days)
    rows = _eligible(rec.rows, active_days)
    table = pd.DataFrame({k: v for k, v in rows.items() if k not in ("customer", "role", "t0")})
    table.insert(0, "customer", pd.Series(np.asarray(rec.keys, dtype=object)[rows["customer"]], dtype=STR))
    table.insert(1, "role", pd.Categorical.from_codes(rows["role"], categories=list(_ROLES)))
    table.insert(2, "time_zero", pd.to_datetime(rows["t0"], unit="s", utc=True))
    table["contact_kind"] = table["contact_kind"].replace("", np.nan).astype(STR)
    settings = _recovery_settings(jr, active_days, gradient)
    return ServiceRecoveryResult(comparisons=comp, journeys=jr, balance=balance, rows=table, settings=settings)


def service_recovery_from_parts(each: Any, journeys: JourneyResult, *,
                                active_days: float | None = 365) -> ServiceRecoveryResult:
    """:func:`service_recovery_test` of partitions of customers whose rows stay where they are, asked in rounds.

    ``each(method, **kw)`` calls ``method`` of every partition's recovery
    rows (the ``recovery`` of each :meth:`JourneyPart.finish`, on a Dask
    worker, say) and returns their answers, a list: a few sums per fit and
    round (counts, the covariates' moments, each Newton step's gradient and
    information, the weighted rates, the sandwich's per-customer scores
    squared), never a row. :func:`service_recovery_test` is the same rounds
    with the whole tables as one part, so the figures agree but for the
    order of floating-point sums (about 1e-15).

    Parameters
    ----------
    each : callable
        ``each(method, **kw) -> list``, one answer per partition.
    journeys : JourneyResult
        :func:`experience_journeys_from_parts` of the same finished parts
        (its window, end of observation and confidence level; the result's
        :attr:`~ServiceRecoveryResult.journeys`).
    active_days : float or None, default 365
        As :func:`service_recovery_test`.

    Returns
    -------
    ServiceRecoveryResult
        Without its rows (``rows`` None, as
        :meth:`~ServiceRecoveryResult.without_rows` leaves a result).

    Examples
    --------
    >>> from csanalysis.estimators.avoidance import simulate_avoidance_scenario
    >>> exp, act, _ = simulate_avoidance_scenario(600, seed=1)
    >>> end = act["at"].max()
    >>> half = exp["customer"].isin(exp["customer"].drop_duplicates().iloc[::2])
    >>> built = [journey_part(exp[m], act[act["customer"].isin(exp.loc[m, "customer"])], as_of=end)
    ...          for m in (half, ~half)]
    >>> parts = [p.finish(o) for p, o in zip(built, reference_offsets([p.references() for p in built]))]
    >>> jr = experience_journeys_from_parts(parts)
    >>> each = lambda method, **kw: [getattr(p.recovery, method)(**kw) for p in parts]
    >>> by_parts = service_recovery_from_parts(each, jr)
    >>> whole = service_recovery_test(jr)
    >>> np.allclose(by_parts.comparisons["difference"], whole.comparisons["difference"], rtol=1e-12)
    True
    """
    if not isinstance(journeys, JourneyResult):
        raise TypeError(f"journeys must be the JourneyResult of the same parts, got {type(journeys).__name__}.")
    active_days = _check_active(active_days)
    comp, balance, gradient = _recovery_comparisons(each, journeys.window, journeys.confidence, active_days)
    return ServiceRecoveryResult(comparisons=comp, journeys=journeys, balance=balance, rows=None,
                                 settings=_recovery_settings(journeys, active_days, gradient), kept={})


def _check_active(active_days: float | None) -> float | None:
    """``active_days`` checked: a positive number of days or None."""
    if active_days is not None and not (np.isfinite(active_days) and active_days > 0):
        raise ValueError(f"active_days must be a positive number of days or None, got {active_days!r}.")
    return active_days


def _recovery_settings(jr: JourneyResult, active_days: float | None, gradient: dict[str, float]) -> dict[str, Any]:
    """The test's ``settings``."""
    return {"window_days": jr.window, "active_days": active_days, "end": jr.end, "confidence": jr.confidence,
            "covariates": list(COVARIATES), "disappointment_gradient": gradient}
