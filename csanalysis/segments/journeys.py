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

from csanalysis.segments.rfm import (
    _DAY,
    _STR,
    Key,
    _as_of,
    _as_utc,
    _check_confidence,
    _check_frame,
    _plot_rates,
    _SegmentResult,
    _share_table,
    _with_customer,
)
from csanalysis.stats.intervals import two_proportion_test, wilson_ci

__all__ = ["JOURNEYS", "JourneyResult", "ServiceRecoveryResult", "experience_journeys",
           "service_recovery_test"]

#: Journey names, in the order of summaries and plots.
JOURNEYS: tuple[str, ...] = ("no contact", "good only", "neutral or unrated", "bad then recovered",
                             "bad not recovered")


# =========================================================================== follow-up machinery
def _check_window(window: Any) -> float:
    if isinstance(window, bool) or not isinstance(window, (int, float, np.integer, np.floating)) \
            or not np.isfinite(window) or window <= 0:
        raise ValueError(f"window must be a positive number of days (e.g. 365), got {window!r}.")
    return float(window)


def _purchases(activity: pd.DataFrame) -> pd.DataFrame:
    """``customer, at`` of the purchases with both, sorted by time."""
    if "at" not in activity.columns:
        raise ValueError("activity has no 'at' column (purchase time); read it with a csanalysis reader "
                         "or name the column 'at'.")
    p = pd.DataFrame({"customer": activity["customer"].astype(_STR),
                      "at": _as_utc(activity["at"], "activity 'at'")})
    return p.dropna().sort_values("at", kind="stable").reset_index(drop=True)


def _follow_up(index: pd.DataFrame, purchases: pd.DataFrame, *, window: float,
               end: pd.Timestamp) -> pd.DataFrame:
    """Outcomes after each row's index date.

    ``index`` has ``customer`` and ``index_at`` (one row per subject, NaT
    allowed). Returns, aligned with ``index``: ``follow_days``, ``followed``,
    ``prior_purchase``, ``next_purchase_at``, ``days_to_next``, ``repeat``.
    Purchases after ``end`` are ignored; the next purchase is strictly after
    the index date.
    """
    p = purchases.loc[purchases["at"] <= end]
    # integer customer codes make the by-key of merge_asof cheap
    codes, _ = pd.factorize(pd.concat([index["customer"].astype(_STR), p["customer"]], ignore_index=True))
    q = pd.DataFrame({"_c": codes[: len(index)], "index_at": index["index_at"].array,
                      "_row": np.arange(len(index))})
    has = q["index_at"].notna() & (q["_c"] >= 0)
    qq = q.loc[has].sort_values("index_at", kind="stable")
    right = pd.DataFrame({"_c": codes[len(index):], "_next": p["at"].array, "_prev": p["at"].array})
    nxt = pd.merge_asof(qq, right[["_c", "_next"]], left_on="index_at", right_on="_next",
                        by="_c", direction="forward", allow_exact_matches=False)
    prv = pd.merge_asof(qq, right[["_c", "_prev"]], left_on="index_at", right_on="_prev",
                        by="_c", direction="backward", allow_exact_matches=True)
    next_at = pd.Series(pd.NaT, index=q.index, dtype="datetime64[ns, UTC]")
    prior = np.zeros(len(q), dtype=bool)
    next_at.iloc[nxt["_row"].to_numpy()] = nxt["_next"].to_numpy()
    prior[prv["_row"].to_numpy()] = prv["_prev"].notna().to_numpy()
    idx_at = q["index_at"]
    follow = ((end - idx_at) / _DAY).to_numpy(dtype=float, na_value=np.nan)
    to_next = ((next_at - idx_at) / _DAY).to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        followed = follow >= window
        repeat = to_next <= window
    return pd.DataFrame({"follow_days": follow, "followed": followed, "prior_purchase": prior,
                         "next_purchase_at": next_at.to_numpy(), "days_to_next": to_next,
                         "repeat": repeat}, index=index.index)


def _outcome_table(table: pd.DataFrame, group: str, order: list[str] | tuple[str, ...],
                   confidence: float) -> pd.DataFrame:
    """Shares and followed outcome rates per group (Wilson intervals)."""
    out = _share_table(table[group].astype("object"), order, confidence)
    f = table.loc[table["followed"]]
    g = f.groupby(table[group].astype("object").loc[f.index], sort=False)
    n_f = g.size().reindex(list(order), fill_value=0).to_numpy()
    k_rep = g["repeat"].sum().reindex(list(order), fill_value=0).to_numpy()
    pr = f.loc[f["prior_purchase"]]
    gp = pr.groupby(table[group].astype("object").loc[pr.index], sort=False)
    n_p = gp.size().reindex(list(order), fill_value=0).to_numpy()
    k_lapse = (gp.size() - gp["repeat"].sum()).reindex(list(order), fill_value=0).to_numpy()
    out["n_followed"] = n_f.astype("int64")
    out["n_censored"] = (out["n"].to_numpy() - n_f).astype("int64")
    out["repeat_n"] = k_rep.astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["repeat_rate"] = np.where(n_f > 0, k_rep / np.maximum(n_f, 1), np.nan)
        lo, hi = wilson_ci(k_rep, n_f, confidence)
        out["repeat_ci_low"], out["repeat_ci_high"] = np.atleast_1d(lo), np.atleast_1d(hi)
        out["avoid_rate"] = 1.0 - out["repeat_rate"]
        out["avoid_ci_low"], out["avoid_ci_high"] = 1.0 - out["repeat_ci_high"], 1.0 - out["repeat_ci_low"]
        out["n_prior_buyers"] = n_p.astype("int64")
        out["lapse_rate"] = np.where(n_p > 0, k_lapse / np.maximum(n_p, 1), np.nan)
        lo, hi = wilson_ci(k_lapse, n_p, confidence)
        out["lapse_ci_low"], out["lapse_ci_high"] = np.atleast_1d(lo), np.atleast_1d(hi)
    return out


def _pct(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{100 * x:.0f}%"


# =========================================================================== journeys
@dataclass(repr=False)
class JourneyResult(_SegmentResult):
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
        return _outcome_table(self.table, "journey", JOURNEYS, self.confidence)

    def _extra(self) -> dict[str, Any]:
        return {"window_days": self.window, "end": self.end, "customers": len(self.table),
                "notes": list(self.notes)}

    def plot(self, ax: Any = None, *, what: Literal["repeat", "share", "avoid", "lapse"] = "repeat") -> Any:
        """Bar chart per journey with Wilson intervals: repeat rate (default), share, avoid or lapse rate.

        Returns
        -------
        matplotlib.axes.Axes
        """
        cols = {"repeat": ("repeat_rate", "repeat_ci_low", "repeat_ci_high",
                           f"bought again within {self.window:g} days"),
                "avoid": ("avoid_rate", "avoid_ci_low", "avoid_ci_high",
                          f"no purchase within {self.window:g} days"),
                "lapse": ("lapse_rate", "lapse_ci_low", "lapse_ci_high",
                          f"earlier buyers lost within {self.window:g} days"),
                "share": ("share", "share_ci_low", "share_ci_high", "share of customers")}
        if what not in cols:
            raise ValueError(f"what must be one of {', '.join(cols)}, got {what!r}.")
        v, lo, hi, label = cols[what]
        return _plot_rates(self.summary(), v, lo, hi, ax=ax, title="Experience journeys", xlabel=label)


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
        "customer": pd.Series(customers, dtype=_STR).to_numpy(),
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


def _prepare_experiences(experiences: pd.DataFrame) -> pd.DataFrame:
    _check_frame(experiences, "experiences")
    missing = [c for c in ("customer", "at", "bad") if c not in experiences.columns]
    if missing:
        raise ValueError(f"experiences lacks column(s) {', '.join(missing)}; build it with "
                         "csanalysis.experiences.experiences(tickets, responses).")

    def flag(name: str) -> pd.Series:
        if name not in experiences.columns:
            return pd.Series(False, index=experiences.index)
        return experiences[name].astype("boolean").fillna(False).astype(bool)

    e = pd.DataFrame({"customer": experiences["customer"].astype(_STR),
                      "at": _as_utc(experiences["at"], "experiences 'at'"),
                      "bad": flag("bad"), "good": flag("good")})
    e["good"] &= ~e["bad"]
    return e


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
    window = _check_window(window)
    confidence = _check_confidence(confidence)
    exp = _prepare_experiences(experiences)
    act = _link_activity_to(exp, activity, customer, key)
    notes: list[str] = []
    pur = _purchases(act)
    no_cust = int(exp["customer"].isna().sum())
    if no_cust:
        notes.append(f"{no_cust} experience(s) without a customer left out")
    exp = exp.dropna(subset=["customer", "at"])
    if len(exp) == 0 and len(pur) == 0:
        raise ValueError("experiences and activity hold no customer with a time; nothing to follow.")
    latest = max([x for x in (pur["at"].max() if len(pur) else pd.NaT,
                              exp["at"].max() if len(exp) else pd.NaT) if pd.notna(x)])
    end = _as_of(as_of, latest)
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
    offsets = np.sort(((table["index_at"] - fb) / _DAY).loc[contact & fb.notna()].clip(lower=0).to_numpy(dtype=float))
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
    table["index_kind"] = pd.Series(np.where(no_c, "matched reference", "last service event"), dtype=_STR)
    fu = _follow_up(table[["customer", "index_at"]], pur, window=window, end=end)
    table = pd.concat([table, fu], axis=1)
    n_cens = int((~table["followed"]).sum())
    if n_cens:
        notes.append(f"{n_cens} customer(s) followed for less than {window:g} days: left out of the rates")
    return JourneyResult(table=table, window=window, end=end, confidence=confidence, notes=notes)


def _link_activity_to(exp: pd.DataFrame, activity: pd.DataFrame, customer: str, key: Key) -> pd.DataFrame:
    """``activity`` with a ``customer`` column; when it had to be linked here, check it meets ``exp``."""
    linked_here = customer not in activity.columns
    act = _with_customer(activity, "activity", customer, key)
    if not linked_here:
        return act
    ke, ka = exp["customer"].dropna(), act["customer"].dropna()
    if len(ke) and len(ka) and not ka.isin(ke.unique()).any():
        raise ValueError("experiences and activity share no customer: activity was linked here on its own "
                         "and its keys do not match the experiences' (customer ids against e-mail keys?). "
                         "Link the tables together with csanalysis.link.link_customers(...) first, or pass "
                         "key='customer_id' / key='email_key'.")
    return act


# =========================================================================== recovery test
@dataclass(repr=False)
class ServiceRecoveryResult(_SegmentResult):
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
        from csanalysis._results import frame_records, jsonable

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
        """Differences in repeat rate with their Newcombe intervals.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            ax = plt.gca()
        c = self.comparisons.iloc[::-1]
        d = c["difference"].to_numpy(dtype=float, na_value=np.nan)
        err = np.vstack([np.nan_to_num(d - c["ci_low"].to_numpy(dtype=float, na_value=np.nan)),
                         np.nan_to_num(c["ci_high"].to_numpy(dtype=float, na_value=np.nan) - d)])
        y = np.arange(len(c))
        ax.errorbar(np.nan_to_num(d), y, xerr=err, fmt="o", color="#C44E52", capsize=4)
        ax.axvline(0.0, color="#888888", lw=1)
        ax.set_yticks(y, labels=list(c["comparison"]))
        ax.set_xlabel(f"difference in repeat rate within {self.journeys.window:g} days")
        ax.set_title("Service recovery")
        return ax


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
            "comparison": pd.Series([f"{a} vs {b}" for a, b in pairs], dtype=_STR),
            "group": pd.Series(g, dtype=_STR), "reference": pd.Series(r, dtype=_STR),
            "n_group": n1.astype("int64"), "repeat_group": k1.astype("int64"),
            "rate_group": np.where(n1 > 0, k1 / np.maximum(n1, 1), np.nan),
            "n_reference": n2.astype("int64"), "repeat_reference": k2.astype("int64"),
            "rate_reference": np.where(n2 > 0, k2 / np.maximum(n2, 1), np.nan),
            "difference": np.atleast_1d(d), "ci_low": np.atleast_1d(lo), "ci_high": np.atleast_1d(hi),
            "p_value": np.atleast_1d(p),
        })
    return ServiceRecoveryResult(comparisons=comp, journeys=jr)
