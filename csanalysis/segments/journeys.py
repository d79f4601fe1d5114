"""Experience journeys: what happened to customers after good, bad and recovered service.

Each customer gets one **journey**, decided from service events only (the
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
when nobody had contact and a purchase). This compares contacted and
uncontacted customers at a similar tenure.

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
but not their silences would bias the rates upwards). Intervals are Wilson;
differences use Newcombe intervals and the pooled z-test
(:func:`csanalysis.stats.two_proportion_test`). For a time-to-purchase view
with every customer, use :func:`csanalysis.stats.kaplan_meier` on
``days_to_next`` / ``follow_days`` of :attr:`JourneyResult.table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis.checks import check_confidence, check_window
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.segments.common import (
    DAY,
    STR,
    Key,
    follow_up,
    link_activity_to,
    outcome_table,
    prepare_experiences,
    purchases,
    utc_as_of,
)
from csanalysis.stats.intervals import two_proportion_test

__all__ = ["JOURNEYS", "JourneyResult", "ServiceRecoveryResult", "experience_journeys",
           "service_recovery_test"]

#: Journey names, in the order of summaries and plots.
JOURNEYS: tuple[str, ...] = ("no contact", "good only", "neutral or unrated", "bad then recovered",
                             "bad not recovered")


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
    """

    table: pd.DataFrame
    window: float
    end: pd.Timestamp
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    title: str = "Experience journeys"

    def __repr__(self) -> str:
        return f"JourneyResult({len(self.table)} customers, window={self.window:g} days, end={self.end.date()})"

    def summary(self) -> pd.DataFrame:
        """Per journey: share of customers and outcomes within the window.

        Columns: ``segment, n, share, share_ci_low, share_ci_high,
        n_followed, n_censored, repeat_n, repeat_rate, repeat_ci_low,
        repeat_ci_high, avoid_rate, avoid_ci_low, avoid_ci_high,
        n_prior_buyers, lapse_rate, lapse_ci_low, lapse_ci_high``.
        """
        return outcome_table(self.table, "journey", JOURNEYS, self.confidence)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"segments": [{"segment", "n", "share", ...}, ...], "window_days", ...}``."""
        return jsonable({"segments": frame_records(self.summary()), "window_days": self.window, "end": self.end,
                         "customers": len(self.table), "notes": list(self.notes)})

    def plot(self, ax: Any = None, *, what: Literal["repeat", "share", "avoid", "lapse"] = "repeat") -> Any:
        """Rate per journey with Wilson intervals (see :func:`csanalysis.plotting.plot_journeys`)."""
        from csanalysis.plotting.segments import plot_journeys
        return plot_journeys(self, ax=ax, what=what)


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
        "customer": pd.Series(customers, dtype=STR).to_numpy(),
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
    exp = prepare_experiences(experiences)
    act = link_activity_to(exp, activity, customer, key)
    notes: list[str] = []
    pur = purchases(act)
    no_cust = int(exp["customer"].isna().sum())
    if no_cust:
        notes.append(f"{no_cust} experience(s) without a customer left out")
    exp = exp.dropna(subset=["customer", "at"])
    if len(exp) == 0 and len(pur) == 0:
        raise ValueError("experiences and activity hold no customer with a time; nothing to follow.")
    latest = max([x for x in (pur["at"].max() if len(pur) else pd.NaT,
                              exp["at"].max() if len(exp) else pd.NaT) if pd.notna(x)])
    end = utc_as_of(as_of, latest)
    late = exp["at"] > end
    if late.any():
        notes.append(f"{int(late.sum())} experience(s) after the end of observation left out")
        exp = exp.loc[~late]
    pur = pur.loc[pur["at"] <= end]
    customers = pd.Index(pd.unique(pd.concat([exp["customer"], pur["customer"]], ignore_index=True)))
    customers = customers.sort_values()
    table = _journey_table(exp, customers)
    first_buy = pur.groupby("customer", sort=False)["at"].min()
    fb = table["customer"].map(first_buy).astype("datetime64[ns, UTC]")
    contact = table["journey"] != "no contact"
    offsets = np.sort(((table["index_at"] - fb) / DAY).loc[contact & fb.notna()].clip(lower=0).to_numpy(dtype=float))
    no_c = (~contact).to_numpy()
    rng = np.random.default_rng(seed)
    drawn = rng.choice(offsets, size=int(no_c.sum())) if offsets.size else np.zeros(int(no_c.sum()))
    # hand the draws out in order of first purchase (then key): results do not depend on the pseudonyms' values
    fb_nc = fb.loc[no_c]
    by_first = np.lexsort((table.loc[no_c, "customer"].to_numpy(dtype=object), fb_nc.to_numpy()))
    assigned = np.empty_like(drawn)
    assigned[by_first] = drawn
    ref = fb_nc + pd.to_timedelta(np.round(assigned * 86400), unit="s")
    table.loc[no_c, "index_at"] = ref.array
    table["index_kind"] = pd.Series(np.where(no_c, "matched reference", "last service event"), dtype=STR)
    fu = follow_up(table[["customer", "index_at"]], pur, window=window, end=end)
    table = pd.concat([table, fu], axis=1)
    n_cens = int((~table["followed"]).sum())
    if n_cens:
        notes.append(f"{n_cens} customer(s) followed for less than {window:g} days: left out of the rates")
    return JourneyResult(table=table, window=window, end=end, confidence=confidence, notes=notes)


# =========================================================================== recovery test
@dataclass(repr=False)
class ServiceRecoveryResult(Result):
    """Result of :func:`service_recovery_test`.

    Attributes
    ----------
    comparisons : DataFrame
        One row per comparison: ``comparison, group, reference, n_group,
        repeat_group, rate_group, n_reference, repeat_reference,
        rate_reference, difference, ci_low, ci_high, p_value`` (difference =
        group rate minus reference rate; Newcombe interval; pooled z-test).
    journeys : JourneyResult
        The journeys the comparisons come from.
    """

    comparisons: pd.DataFrame
    journeys: JourneyResult
    title: str = "Service recovery: repeat purchase after recovered vs other journeys"

    def __repr__(self) -> str:
        return f"ServiceRecoveryResult(window={self.journeys.window:g} days, {len(self.comparisons)} comparisons)"

    def summary(self) -> pd.DataFrame:
        """The comparisons (see :attr:`comparisons`)."""
        return self.comparisons.copy()

    def to_dict(self) -> dict[str, Any]:
        """``{"segments": journey records (segment, n, share, ...), "comparisons": [...], ...}``."""
        return jsonable({"segments": frame_records(self.journeys.summary()),
                         "comparisons": frame_records(self.comparisons),
                         "window_days": self.journeys.window, "conclusions": self.describe()})

    def describe(self) -> list[str]:
        """Each comparison in one plain sentence."""
        out = []
        w = f"{self.journeys.window:g}"
        for r in self.comparisons.itertuples(index=False):  # a handful of comparisons
            if not (r.n_group and r.n_reference):
                out.append(f"{r.comparison}: not estimable (a group has no customer followed for {w} days).")
                continue
            way = "more" if r.difference > 0 else "less" if r.difference < 0 else "as"
            out.append(
                f"Customers with {r.group!r} journeys bought again within {w} days {way} often than "
                f"{r.reference!r} customers ({_pct(r.rate_group)} of {r.n_group} vs {_pct(r.rate_reference)} "
                f"of {r.n_reference}; difference {100 * r.difference:+.1f} points, "
                f"{round(100 * self.journeys.confidence)}% CI {100 * r.ci_low:+.1f} to "
                f"{100 * r.ci_high:+.1f}, p = {r.p_value:.3g}).")
        return out

    def plot(self, ax: Any = None) -> Any:
        """Differences in repeat rate with their Newcombe intervals (see :func:`csanalysis.plotting.plot_recovery`)."""
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
) -> ServiceRecoveryResult:
    """Do recovered customers buy again more (or less) than others?

    Compares the repeat-purchase rate within ``window`` days (complete
    follow-up only, see the module notes) of ``bad then recovered`` customers
    with ``good only`` customers (never a bad experience) and with ``bad not
    recovered`` customers.

    Parameters
    ----------
    experiences : DataFrame or JourneyResult
        Experiences (with ``activity``), or the result of
        :func:`experience_journeys` (then the other arguments are unused).
    activity : DataFrame, optional
        Canonical activity table; required with an experiences DataFrame.
    window, as_of, seed, customer, key, confidence
        As in :func:`experience_journeys`.

    Returns
    -------
    ServiceRecoveryResult
        ``comparisons`` with the difference in repeat rate, its Newcombe
        interval and the two-sided pooled z-test p-value.

    Examples
    --------
    >>> t = lambda s: pd.Timestamp(s, tz="UTC")
    >>> exp = pd.DataFrame({"customer": ["a", "a", "b", "c"],
    ...                     "at": [t("2023-01-01"), t("2023-01-10"), t("2023-02-01"), t("2023-01-05")],
    ...                     "bad": [True, False, True, False], "good": [False, True, False, True]})
    >>> act = pd.DataFrame({"customer": ["a", "b", "c", "c"],
    ...                     "at": [t("2023-03-01"), t("2022-01-01"), t("2023-04-01"), t("2024-03-01")]})
    >>> res = service_recovery_test(exp, act)
    >>> res.comparisons[["group", "reference", "difference"]]
                    group          reference  difference
    0  bad then recovered          good only         0.0
    1  bad then recovered  bad not recovered         1.0
    """
    if isinstance(experiences, JourneyResult):
        jr = experiences
    else:
        if activity is None:
            raise ValueError("service_recovery_test needs the activity table with an experiences DataFrame "
                             "(or pass the result of experience_journeys).")
        jr = experience_journeys(experiences, activity, window=window, as_of=as_of, seed=seed,
                                 customer=customer, key=key, confidence=confidence)
    s = jr.summary().set_index("segment")
    pairs = [("bad then recovered", "good only"), ("bad then recovered", "bad not recovered")]
    g = [a for a, _ in pairs]
    r = [b for _, b in pairs]
    k1, n1 = s.loc[g, "repeat_n"].to_numpy(), s.loc[g, "n_followed"].to_numpy()
    k2, n2 = s.loc[r, "repeat_n"].to_numpy(), s.loc[r, "n_followed"].to_numpy()
    d, lo, hi, p = two_proportion_test(k1, n1, k2, n2, jr.confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        comp = pd.DataFrame({
            "comparison": pd.Series([f"{a} vs {b}" for a, b in pairs], dtype=STR),
            "group": pd.Series(g, dtype=STR), "reference": pd.Series(r, dtype=STR),
            "n_group": n1.astype("int64"), "repeat_group": k1.astype("int64"),
            "rate_group": np.where(n1 > 0, k1 / np.maximum(n1, 1), np.nan),
            "n_reference": n2.astype("int64"), "repeat_reference": k2.astype("int64"),
            "rate_reference": np.where(n2 > 0, k2 / np.maximum(n2, 1), np.nan),
            "difference": np.atleast_1d(d), "ci_low": np.atleast_1d(lo), "ci_high": np.atleast_1d(hi),
            "p_value": np.atleast_1d(p),
        })
    return ServiceRecoveryResult(comparisons=comp, journeys=jr)
