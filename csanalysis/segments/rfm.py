"""RFM segmentation: recency, frequency and monetary value of purchases.

Each customer of the ``activity`` table gets three scores from 1 to ``bins``
(5 by default, quintiles):

* **R** recency: days from the customer's last purchase to ``as_of``; the
  most recent buyers get the highest score;
* **F** frequency: number of orders;
* **M** monetary: total amount spent.

Scores are quantile bins that never split ties: a customer's score is
``1 + floor(bins * w)``, where ``w`` is the share of customers with a strictly
worse value (less recent, fewer orders, less spent). Customers with the same
value always get the same score, whatever their dates or keys; when many
share a value (e.g. one order each) they all get the score of the lowest of
them, so bins are not of equal size. When every customer has the same value
the score says nothing and is the middle one, ``(bins + 1) // 2``.

A customer with a single purchase is placed in the ``FM 1`` column whatever
they spent (one purchase says nothing about loyalty): recent one-time buyers
are *New customers* (R 5) or *Promising* (R 4), never *Champions*.

The named segments come from :data:`RFM_SEGMENT_GRID`, a table of R against
``FM = ceil((F + M) / 2)`` (the mean of F and M, halves rounded up):

====  ==================  ===================  ===================  ==========  ==========
R     FM 1                FM 2                 FM 3                 FM 4        FM 5
====  ==================  ===================  ===================  ==========  ==========
5     New customers       Potential loyalists  Potential loyalists  Champions   Champions
4     Promising           Potential loyalists  Potential loyalists  Loyal       Loyal
3     About to sleep      About to sleep       Need attention       Loyal       Loyal
2     Hibernating         Hibernating          At risk              At risk     Can't lose them
1     Lost                Lost                 At risk              At risk     Can't lose them
====  ==================  ===================  ===================  ==========  ==========

With ``bins != 5`` the scores are put on the 1-5 grid before the look-up:
score ``s`` covers the quantile range around ``(s - 0.5) / bins``, which
falls in grid bin ``floor((s - 0.5) / bins * 5) + 1`` (for ``bins=3``: 1, 3,
5). A custom grid can be passed as ``grid=``.

Currencies: amounts in different currencies are never added up. When the
activity carries more than one currency, ``currency=`` must name the one
whose amounts make up ``monetary`` (purchases in other currencies still count
for recency and frequency); otherwise :func:`rfm` raises ``ValueError``.
Customers who paid only in other currencies have no comparable monetary
value: they are left out (counted in ``notes``; the flag
``incomparable_units`` of :mod:`csanalysis.guards`). Convert amounts
beforehand to use them all. When no amounts are known at all, ``monetary`` is
missing, M is missing and ``FM = F``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.checks import check_confidence
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.segments.common import (
    DAY,
    STR,
    Key,
    as_utc,
    share_counts,
    share_table,
    utc_as_of,
    with_customer,
)
from csanalysis.stats.arrays import HoldsArrays, factorize, repeated_pairs
from csanalysis.stats.selection import SortedGroups, column_ranges, combined_ranges, select

__all__ = ["RFM_SEGMENTS", "RFM_SEGMENT_GRID", "RFMPart", "RFMResult", "RFMRows", "rfm", "rfm_combine",
           "rfm_from_parts", "rfm_part"]


#: RFM segment names, from best to worst (the order of summaries and plots).
RFM_SEGMENTS: tuple[str, ...] = (
    "Champions", "Loyal", "Potential loyalists", "New customers", "Promising",
    "Need attention", "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost",
)

#: The segment of each (R, FM) pair: index R 5..1, columns FM 1..5.
RFM_SEGMENT_GRID: pd.DataFrame = pd.DataFrame(
    [
        ["New customers", "Potential loyalists", "Potential loyalists", "Champions", "Champions"],
        ["Promising", "Potential loyalists", "Potential loyalists", "Loyal", "Loyal"],
        ["About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"],
        ["Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"],
        ["Lost", "Lost", "At risk", "At risk", "Can't lose them"],
    ],
    index=pd.Index([5, 4, 3, 2, 1], name="R"),
    columns=pd.Index([1, 2, 3, 4, 5], name="FM"),
)


# =========================================================================== RFM
@dataclass(repr=False)
class RFMResult(Result):
    """Result of :func:`rfm`.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``customer, first_purchase, last_purchase,
        recency`` (days), ``frequency`` (orders), ``monetary`` (total amount in
        ``currency``), ``r_score, f_score, m_score, fm_score, rfm_score``
        (e.g. ``"545"``) and ``segment`` (categorical in :data:`RFM_SEGMENTS`
        order).
    as_of : Timestamp
        The date recency is measured to.
    currency : str or None
        The currency of ``monetary``.
    bins : int
        Number of score bins.
    confidence : float
        Confidence level of the share intervals.
    notes : list of str
        Decisions taken on the data (excluded rows, currencies).
    kept : dict or None
        Without the rows (:meth:`~csanalysis.results.Result.without_rows`:
        ``table`` is None): the summary and the number of customers.
    """

    table: pd.DataFrame | None
    as_of: pd.Timestamp
    currency: str | None
    bins: int
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    title: str = "RFM segments"
    kept: dict[str, Any] | None = field(default=None, repr=False)

    row_fields = ("table",)

    def _row_facts(self) -> dict[str, Any]:
        return {"summary": self.summary(), "customers": self.n_customers}

    @property
    def n_customers(self) -> int:
        """Customers segmented (the rows of :attr:`table`)."""
        return self._kept("customers", lambda: len(self.table))

    def __repr__(self) -> str:
        return (f"RFMResult({self.n_customers} customers, as_of={self.as_of.date()}, bins={self.bins}, "
                f"currency={self.currency!r})")

    def summary(self) -> pd.DataFrame:
        """Per segment: ``segment, n, share, share_ci_low, share_ci_high`` (Wilson) and means.

        Every segment of :data:`RFM_SEGMENTS` is listed (with ``n = 0`` when
        empty), followed by ``mean_recency, mean_frequency, mean_monetary``.
        """
        return self._kept("summary", self._summary)

    def _summary(self) -> pd.DataFrame:
        order = list(RFM_SEGMENTS) + [c for c in self.table["segment"].cat.categories
                                      if c not in RFM_SEGMENTS]
        out = share_table(self.table["segment"].astype("object"), order, self.confidence)
        means = (self.table.groupby("segment", observed=False)[["recency", "frequency", "monetary"]]
                 .mean().reindex(order))
        for c in ("recency", "frequency", "monetary"):
            out[f"mean_{c}"] = means[c].to_numpy(dtype=float)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"segments": [{"segment", "n", "share", ...}, ...], "as_of", ...}``."""
        return jsonable({"segments": frame_records(self.summary()), "as_of": self.as_of,
                         "currency": self.currency, "bins": self.bins, "customers": self.n_customers,
                         "notes": list(self.notes)})

    def plot(self, ax: Any = None) -> Any:
        """Segment shares with their Wilson intervals (see :func:`csanalysis.plotting.plot_rfm`)."""
        from csanalysis.plotting.segments import plot_rfm
        return plot_rfm(self, ax=ax)


def _cut_ranks(n: int, bins: int) -> np.ndarray:
    """The 0-based ranks of the cut values of ``n`` values in ``bins`` score bins (ascending, worst first).

    A value's score is ``1 + floor(bins * w / n)``, ``w`` the values strictly worse; it is at least ``j`` when
    ``w >= t = ceil((j - 1) n / bins)``, that is when the value is above the one of rank ``t - 1``. So the
    scores need only these ``bins - 1`` order statistics (:func:`csanalysis.stats.selection.select` finds them
    over partitions).

    >>> _cut_ranks(6, 5).tolist()
    [1, 2, 3, 4]
    """
    j = np.arange(1, int(bins), dtype=np.int64)
    return -((-j * int(n)) // int(bins)) - 1  # ceil((j - 1 + 1) n / bins) - 1 in integers


def _score_with(x: np.ndarray, cuts: np.ndarray | None, bins: int) -> np.ndarray:
    """Scores 1..bins of the values ``x`` (oriented: higher is better; NaN: no score) from their cut values
    (:func:`_cut_ranks`), or the middle score for everyone when ``cuts`` is None (one value for all)."""
    x = np.asarray(x, dtype=np.float64)
    ok = ~np.isnan(x)
    out = np.full(len(x), np.nan)
    if cuts is None:
        out[ok] = (bins + 1) // 2  # one value for everyone (or one customer): the middle score
    else:
        out[ok] = np.searchsorted(cuts, x[ok], side="left") + 1.0  # 1 + the cut values strictly below
    return out


def _scores(values: pd.Series, bins: int, *, higher_is_better: bool) -> np.ndarray:
    """Scores 1..bins of ``values``: ``1 + floor(bins * share strictly worse)`` (ties share a score).

    >>> _scores(pd.Series([1, 1, 1, 1, 2, 3]), 5, higher_is_better=True).tolist()
    [1.0, 1.0, 1.0, 1.0, 4.0, 5.0]
    """
    x = _oriented(values.to_numpy(dtype="float64", na_value=np.nan), higher_is_better)
    v = np.sort(x[~np.isnan(x)])
    if len(v) == 0:
        return np.full(len(x), np.nan)
    return _score_with(x, None if v[0] == v[-1] else v[_cut_ranks(len(v), bins)], bins)


def _oriented(x: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """The values with higher better (recency negated; 0 stays 0, not -0)."""
    return x if higher_is_better else 0.0 - x


def _on_five(score: np.ndarray, bins: int) -> np.ndarray:
    """Scores 1..bins on the 1-5 grid: the bin's quantile midpoint placed on five equal bins."""
    return (np.floor((score - 0.5) / bins * 5.0) + 1).astype("int64")


def _check_grid(grid: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(grid, pd.DataFrame) or sorted(grid.index.tolist()) != [1, 2, 3, 4, 5] \
            or sorted(grid.columns.tolist()) != [1, 2, 3, 4, 5]:
        raise ValueError("grid must be a DataFrame with index R = 1..5 and columns FM = 1..5 holding "
                         "segment names (see RFM_SEGMENT_GRID).")
    return grid


def rfm(
    activity: pd.DataFrame,
    *,
    as_of: Any = None,
    bins: int = 5,
    customer: str = "customer",
    currency: str | None = None,
    grid: pd.DataFrame | None = None,
    key: Key = "auto",
    confidence: float = 0.95,
) -> RFMResult:
    """Score customers on recency, frequency and monetary value, and name their segment.

    Parameters
    ----------
    activity : DataFrame
        Canonical activity table (one row per order). Without a ``customer``
        column it is linked on its own with
        :func:`csanalysis.link.link_customers` (``key``). Rows without a
        customer or a time are left out (counted in ``notes``).
    as_of : date-like, optional
        The date recency is measured to; default: the latest purchase in
        ``activity``. Purchases after ``as_of`` are left out.
    bins : int, default 5
        Number of quantile scores (5 = quintiles).
    customer : str, default "customer"
        Name of the customer column.
    currency : str, optional
        Currency whose amounts make up ``monetary``. Required when the
        activity carries more than one currency (amounts are never added
        across currencies).
    grid : DataFrame, optional
        Segment of each (R, FM) pair; default :data:`RFM_SEGMENT_GRID`.
    key : {"auto", "customer_id", "email_key"}
        Linking key when ``activity`` has no customer column.
    confidence : float, default 0.95
        Confidence level of the share intervals.

    Returns
    -------
    RFMResult
        ``.table`` (one row per customer), ``.summary()``, ``.to_dict()``,
        ``.plot()``.

    Raises
    ------
    ValueError
        No purchase with a customer and a time, several currencies without
        ``currency=``, bad ``bins``.

    Examples
    --------
    >>> act = pd.DataFrame({"customer": ["a", "a", "a", "b", "c"],
    ...                     "at": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-06-01",
    ...                                           "2023-02-01", "2024-05-20"], utc=True),
    ...                     "amount": [100.0, 80.0, 120.0, 15.0, 40.0], "currency": "DKK"})
    >>> res = rfm(act, bins=3)
    >>> res.table[["customer", "recency", "frequency", "monetary", "rfm_score"]]
      customer  recency  frequency  monetary rfm_score
    0        a      0.0          3     300.0       333
    1        b    486.0          1      15.0       111
    2        c     12.0          1      40.0       212
    >>> res.table["segment"].tolist()
    ['Champions', 'Lost', 'About to sleep']
    """
    _check_options(bins, confidence, grid)
    act = with_customer(activity, "activity", customer, key)
    _check_at(act)
    as_of_ts = utc_as_of(as_of, None)
    if as_of_ts is None:  # the latest purchase with a customer
        at = as_utc(act["at"], "activity 'at'")
        keep = act["customer"].notna() & at.notna()
        as_of_ts = at[keep].max() if keep.any() else None
    part = rfm_part(act, as_of=as_of_ts, currency=currency)
    return rfm_combine([part], as_of=as_of_ts, currency=currency, bins=bins, grid=grid, confidence=confidence)


def _check_options(bins: Any, confidence: Any, grid: pd.DataFrame | None) -> tuple[int, float, pd.DataFrame]:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be a whole number of at least 2 (5 gives quintiles), got {bins!r}.")
    return int(bins), check_confidence(confidence), RFM_SEGMENT_GRID if grid is None else _check_grid(grid)


def _check_at(act: pd.DataFrame) -> None:
    if "at" not in act.columns:
        raise ValueError("activity has no 'at' column (purchase time); read it with "
                         "csanalysis.io.read_activity or name the column 'at'.")


@dataclass(frozen=True, repr=False)
class RFMPart:
    """What one part of an activity table (split by customer) contributes to :func:`rfm`.

    Made by :func:`rfm_part`; :func:`rfm_combine` scores the customers of
    every part together. Each count is a sum over the parts, and each
    customer's row is computed from that customer's orders alone.

    Attributes
    ----------
    table : DataFrame
        One row per customer of the part (sorted): ``customer,
        first_purchase, last_purchase, frequency, monetary`` (the sum of the
        amounts in the RFM currency, missing when none) and ``other_only``
        (every order is priced in another currency).
    currencies : DataFrame
        Priced orders per currency (index, sorted): ``orders`` and ``first``
        (the position of the first such order in the whole table).
    counts : dict
        ``rows, unkeyed`` (no customer or time), ``late`` (after as_of),
        ``repeated`` (order rows counted once), ``priced, in_money`` (priced
        in the RFM currency), ``other`` (priced in another currency),
        ``gone`` (customers who paid only in another currency, left out),
        ``other_after`` (other orders of the customers kept), ``money``
        (orders with an amount counted in ``monetary``).
    """

    table: pd.DataFrame
    currencies: pd.DataFrame
    counts: dict[str, int]

    def __repr__(self) -> str:
        return f"RFMPart({len(self.table)} customers, {self.counts['rows']} rows)"


_COUNTS = ("rows", "unkeyed", "late", "repeated", "priced", "in_money", "other", "gone", "other_after", "money")


def rfm_part(activity: pd.DataFrame, *, as_of: Any, currency: str | None = None, customer: str = "customer",
             key: Key = "auto", positions: np.ndarray | None = None) -> RFMPart:
    """One part's contribution to :func:`rfm`: its customers' recency inputs, frequency and money, and counts.

    Parameters
    ----------
    activity : DataFrame
        A canonical activity table, or one part of it holding every row of
        its customers (:func:`csanalysis.partition.split_customers`).
    as_of : date-like or None
        The date recency is measured to, as :func:`rfm` resolved it
        (``rfm``'s default, the latest purchase, needs the whole table);
        None: no purchase is after it.
    currency : str, optional
        As in :func:`rfm`.
    customer, key
        As in :func:`rfm`.
    positions : array of int, optional
        Each row's position in the whole table (default: the row number);
        read only to order equally common currencies in messages.

    Returns
    -------
    RFMPart

    Examples
    --------
    >>> act = pd.DataFrame({"customer": ["a", "a", "b"], "at": pd.to_datetime(
    ...     ["2024-01-05", "2024-03-01", "2023-02-01"], utc=True), "amount": 10.0, "currency": "DKK"})
    >>> parts = [rfm_part(act.iloc[[0, 1]], as_of="2024-06-30", positions=[0, 1]),
    ...          rfm_part(act.iloc[[2]], as_of="2024-06-30", positions=[2])]
    >>> rfm_combine(parts, as_of="2024-06-30", bins=3).table.equals(rfm(act, as_of="2024-06-30", bins=3).table)
    True
    """
    act = with_customer(activity, "activity", customer, key)
    _check_at(act)
    as_of_ts = utc_as_of(as_of, None)
    counts = dict.fromkeys(_COUNTS, 0)
    counts["rows"] = len(act)
    at = as_utc(act["at"], "activity 'at'")
    keep = act["customer"].notna() & at.notna()
    counts["unkeyed"] = int((~keep).sum())
    if as_of_ts is not None:
        late = keep & (at > as_of_ts)
        counts["late"] = int(late.sum())
        keep &= ~late
    cols = {"customer": act.loc[keep, "customer"], "at": at[keep]}
    cols["amount"] = (pd.to_numeric(act.loc[keep, "amount"], errors="coerce").astype("float64")
                      if "amount" in act.columns else pd.Series(np.nan, index=cols["at"].index))
    cols["amount"] = cols["amount"].where(np.isfinite(cols["amount"].to_numpy()))  # an infinite amount is none
    cols["currency"] = (act.loc[keep, "currency"].astype(STR) if "currency" in act.columns
                        else pd.Series(np.nan, index=cols["at"].index, dtype=STR))
    cols["order_id"] = (act.loc[keep, "order_id"].astype(STR) if "order_id" in act.columns
                        else pd.Series(np.nan, index=cols["at"].index, dtype=STR))
    pos = np.arange(len(act), dtype=np.int64) if positions is None else np.asarray(positions, dtype=np.int64)
    cols["position"] = pd.Series(pos[keep.to_numpy(dtype=bool)], index=cols["at"].index)
    a = pd.DataFrame(cols)
    # one row per order: repeated (customer, order_id) rows are counted once
    dup = pd.Series(repeated_pairs(factorize(a["customer"])[0], factorize(a["order_id"])[0]), index=a.index)
    counts["repeated"] = int(dup.sum())
    if counts["repeated"]:
        a = a.loc[~dup]

    # ---- currency of monetary
    priced = a["amount"].notna()
    counts["priced"] = int(priced.sum())
    have = a.loc[priced & a["currency"].notna(), ["currency", "position"]]
    g = have.groupby("currency", sort=True, observed=True)["position"]
    currencies = pd.DataFrame({"orders": g.size().astype("int64"), "first": g.min().astype("int64")})
    currencies.index = currencies.index.astype("object")
    if currency is None:
        in_money = priced
    else:
        in_money = priced & (a["currency"] == str(currency)).fillna(False).astype(bool)
        counts["other"] = counts["other_after"] = int((priced & ~in_money).sum())
        if counts["other"]:
            # customers who paid only in other currencies have no comparable monetary value: left out
            only_other = (a.assign(_in=in_money, _other=priced & ~in_money).groupby("customer", observed=True)
                          .agg(_in=("_in", "any"), _other=("_other", "any")))
            gone = only_other.index[only_other["_other"] & ~only_other["_in"]]
            counts["gone"] = len(gone)
            if len(gone):
                drop = a["customer"].isin(gone)
                a, priced, in_money = a.loc[~drop], priced[~drop], in_money[~drop]
                counts["other_after"] = int((priced & ~in_money).sum())
    counts["in_money"] = int(in_money.sum())
    money = a["amount"].where(in_money)
    counts["money"] = int(money.notna().sum())
    a = a.assign(money=money)
    g = a.groupby("customer", sort=True, observed=True)
    table = pd.DataFrame({
        "first_purchase": g["at"].min(),
        "last_purchase": g["at"].max(),
        "frequency": g.size().astype("int64"),
        "monetary": g["money"].sum(min_count=1),
    })
    table.index.name = "customer"
    table = table.reset_index()
    table["customer"] = table["customer"].astype(STR)
    # a customer whose every order is in another currency (when any order is)
    table["other_only"] = ((a.assign(_other=priced & ~in_money).groupby("customer", sort=True, observed=True)
                            ["_other"].all().reindex(table["customer"]).to_numpy(dtype=bool))
                           if counts["other_after"] else np.zeros(len(table), dtype=bool))
    return RFMPart(table=table, currencies=currencies, counts=counts)


def _combined_notes(c: dict[str, int], currencies: list[pd.DataFrame], currency: str | None,
                    as_of_ts: pd.Timestamp | None) -> tuple[list[str], str | None]:
    """The notes on the rows left out and the currencies, and the currency of ``monetary``, from the counts
    summed over the parts and each part's priced orders per currency (errors as :func:`rfm` raises them)."""
    notes: list[str] = []
    if c["unkeyed"]:
        notes.append(f"{c['unkeyed']} purchase row(s) without a customer or a time left out")
    if c["rows"] == c["unkeyed"]:
        raise ValueError("activity has no purchase with both a customer and a time; RFM needs at least one "
                         f"(got {c['rows']} row(s)).")
    if c["late"]:
        notes.append(f"{c['late']} purchase(s) after as_of left out")
    if c["rows"] == c["unkeyed"] + c["late"]:
        raise ValueError(f"activity has no purchase on or before as_of={as_of_ts.date()}.")
    if c["repeated"]:
        notes.append(f"{c['repeated']} repeated order row(s) (same customer and order_id) counted once")

    # ---- currency of monetary: priced orders per currency, the most common first (equals: first seen)
    both = pd.concat(currencies)
    cg = both.groupby(level=0, sort=True)
    currencies = (pd.DataFrame({"orders": cg["orders"].sum(), "first": cg["first"].min()})
                  .sort_values(["orders", "first"], ascending=[False, True], kind="stable")["orders"])
    if currency is None:
        if len(currencies) > 1:
            listing = ", ".join(f"{name} ({n} orders)" for name, n in currencies.items())
            raise ValueError(f"activity carries amounts in {len(currencies)} currencies: {listing}. Amounts are "
                             "never added across currencies: pass currency='<code>' to use one currency for "
                             "the monetary value, or convert the amounts first.")
        currency_used = currencies.index[0] if len(currencies) else None
        if currency_used is None and c["priced"]:
            notes.append("amounts carry no currency code; monetary adds them up as one currency")
    else:
        currency_used = str(currency)
        if not c["in_money"]:
            found = ", ".join(map(str, currencies.index)) or "none"
            raise ValueError(f"no amount in currency {currency_used!r}; currencies found: {found}.")
        if c["gone"]:
            notes.append(f"{c['gone']} customer(s) paid only in other currencies than {currency_used}: left "
                         "out (incomparable units; no conversion)")
        if c["other_after"]:
            notes.append(f"{c['other_after']} order(s) in other currencies count for recency and frequency, not "
                         "monetary")

    return notes, currency_used


def rfm_combine(parts: list[RFMPart], *, as_of: Any, currency: str | None = None, bins: int = 5,
                grid: pd.DataFrame | None = None, confidence: float = 0.95) -> RFMResult:
    """:func:`rfm` of a whole activity table from its parts' :func:`rfm_part` (the customers scored together).

    Parameters
    ----------
    parts : list of RFMPart
        Every part of the table, each customer's rows in one part.
    as_of, currency
        The same values every :func:`rfm_part` was given.
    bins, grid, confidence
        As in :func:`rfm`.

    Returns
    -------
    RFMResult
        Equal to :func:`rfm` of the whole table (its rows sorted by
        customer, as ``rfm`` sorts them).
    """
    bins, confidence, grid = _check_options(bins, confidence, grid)
    as_of_ts = utc_as_of(as_of, None)
    c = {k: sum(p.counts[k] for p in parts) for k in _COUNTS}
    notes, currency_used = _combined_notes(c, [p.currencies for p in parts], currency, as_of_ts)

    tables = [p.table for p in parts if len(p.table)] or [parts[0].table]
    table = tables[0] if len(tables) == 1 else (
        pd.concat(tables, ignore_index=True).sort_values("customer", kind="stable", ignore_index=True))
    other_only = table["other_only"].to_numpy(dtype=bool)
    table = table.drop(columns="other_only")
    table.insert(3, "recency", _recency(table["last_purchase"], as_of_ts))
    if c["money"]:
        table["monetary"] = _monetary(table["monetary"], other_only)
    notes += _money_notes(c, int(other_only.sum()))

    # Ties share a score, so the scores depend on the values only: not on dates, keys or row order.
    r = _scores(table["recency"], bins, higher_is_better=False)
    f = _scores(table["frequency"].astype("float64"), bins, higher_is_better=True)
    m = _scores(table["monetary"], bins, higher_is_better=True)
    fm = np.where(np.isnan(m), f, np.ceil((f + m) / 2.0))
    table["r_score"] = r.astype("int64")
    table["f_score"] = f.astype("int64")
    table["m_score"] = pd.array(np.where(np.isnan(m), np.nan, m), dtype="Float64").astype("Int64")
    table["fm_score"] = fm.astype("int64")
    m_txt = pd.Series(table["m_score"].astype(STR)).fillna("-")
    table["rfm_score"] = (table["r_score"].astype(STR) + table["f_score"].astype(STR) + m_txt).astype(STR)
    seg, names = _segments(r, fm, table["frequency"].to_numpy(), bins, grid)
    table["segment"] = pd.Categorical.from_codes(seg, categories=names)
    return RFMResult(table=table, as_of=as_of_ts, currency=currency_used, bins=bins, confidence=confidence,
                     notes=notes)


def _recency(last_purchase: pd.Series, as_of_ts: pd.Timestamp) -> pd.Series:
    """Whole days from each last purchase to ``as_of`` (exact), as floats."""
    return ((as_of_ts - last_purchase) // DAY).astype("float64")


def _monetary(monetary: pd.Series, other_only: np.ndarray) -> pd.Series:
    """Orders without an amount spent 0; a customer whose every order is in another currency has no monetary
    value in the RFM currency (missing, scored on F alone), not a spend of 0."""
    return monetary.fillna(0.0).where(~other_only)


def _money_notes(c: dict[str, int], other_only: int) -> list[str]:
    if not c["money"]:
        return ["no amounts: monetary is missing and FM = F"]
    if other_only:
        return [(f"{other_only} customer(s) bought only in other currencies: monetary is missing for them and "
                 "their FM score is their F score")]
    return []


def _segment_grid(grid: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The grid's segments as codes (rows R 5..1, columns FM 1..5) into the names: :data:`RFM_SEGMENTS`, then
    the grid's other names sorted."""
    gv = grid.loc[[5, 4, 3, 2, 1], [1, 2, 3, 4, 5]].to_numpy(dtype=object).astype(str)
    names = list(RFM_SEGMENTS) + sorted(set(np.unique(gv).tolist()) - set(RFM_SEGMENTS))
    return pd.Index(names).get_indexer(gv.ravel()).reshape(gv.shape), names


def _segments(r: np.ndarray, fm: np.ndarray, frequency: np.ndarray, bins: int,
              grid: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each customer's segment (codes into the names of :func:`_segment_grid`) from the R and FM scores and the
    number of orders, and the names."""
    code, names = _segment_grid(grid)
    r5 = _on_five(r, bins)
    fm5 = np.where(np.asarray(frequency) == 1, 1, _on_five(fm, bins))  # one purchase: the FM 1 column
    return code[5 - r5, fm5 - 1], names


# =========================================================================== RFM asked of its parts
class RFMRows(HoldsArrays):
    """One part's :class:`RFMPart` where it is, answering :func:`rfm_from_parts`'s rounds (counts, the order
    statistics of the three values, the customers per segment and the values' sums): no customer's row
    leaves it.

    Parameters
    ----------
    part : RFMPart
    """

    def __init__(self, part: RFMPart) -> None:
        self.part = part
        self.values: SortedGroups | None = None
        self._x: np.ndarray | None = None

    def head(self) -> tuple[dict[str, int], pd.DataFrame]:
        """The part's counts and priced orders per currency (:class:`RFMPart`)."""
        return dict(self.part.counts), self.part.currencies

    def prepare(self, *, as_of: pd.Timestamp, money: bool) -> tuple[int, tuple[np.ndarray, ...]]:
        """Its customers' recency (negated: higher is better), frequency and monetary value, kept sorted for
        :func:`~csanalysis.stats.selection.select`: ``(customers who bought only in other currencies, each
        measure's values, smallest and largest)`` (:func:`~csanalysis.stats.selection.column_ranges`)."""
        t = self.part.table
        other_only = t["other_only"].to_numpy(dtype=bool)
        mon = _monetary(t["monetary"], other_only) if money else t["monetary"]
        x = np.column_stack([_oriented(_recency(t["last_purchase"], as_of).to_numpy(dtype="float64"), False),
                             t["frequency"].to_numpy(dtype="float64"),
                             mon.to_numpy(dtype="float64", na_value=np.nan)]) if len(t) else np.zeros((0, 3))
        self._x, self._frequency = x, t["frequency"].to_numpy(dtype="int64")
        self.values = SortedGroups(x.T.ravel(), np.repeat(np.arange(3), len(x)), 3)
        return int(other_only.sum()), column_ranges(x)

    def at_most(self, **kw: Any) -> np.ndarray:
        return self.values.at_most(**kw)

    def between(self, **kw: Any) -> list[np.ndarray]:
        return self.values.between(**kw)

    def segments(self, *, cuts: list[np.ndarray | None], bins: int, grid: pd.DataFrame,
                 n_names: int) -> dict[str, np.ndarray]:
        """Per segment its customers (``n``) and, per measure (recency, frequency, monetary), the values and
        their sum (``values``, ``sums``: ``(3, n_names)``)."""
        x = self._x
        r, f, m = (_score_with(x[:, i], cuts[i], bins) for i in range(3))
        fm = np.where(np.isnan(m), f, np.ceil((f + m) / 2.0))
        seg, _ = _segments(r, fm, self._frequency, bins, grid)
        raw = np.column_stack([0.0 - x[:, 0], x[:, 1], x[:, 2]])  # recency back as days
        ok = ~np.isnan(raw)
        return {"n": np.bincount(seg, minlength=n_names),
                "values": np.stack([np.bincount(seg[ok[:, i]], minlength=n_names) for i in range(3)]),
                "sums": np.stack([np.bincount(seg[ok[:, i]], weights=raw[ok[:, i], i], minlength=n_names)
                                  for i in range(3)])}


def rfm_from_parts(each: Any, *, as_of: Any, currency: str | None = None, bins: int = 5,
                   grid: pd.DataFrame | None = None, confidence: float = 0.95, fetch: int = 4096) -> RFMResult:
    """:func:`rfm` of a whole activity table asked of its parts where they are (:class:`RFMRows`), without its
    rows: the summary and the number of customers, the figures :func:`rfm_combine` gives.

    The scores need of all the customers only the ``bins - 1`` cut values of each measure (order statistics,
    :func:`_cut_ranks`), found exactly in rounds of counts (:func:`~csanalysis.stats.selection.select`); each
    part then scores its customers and sends its customers and sums per segment. About ten rounds; no round
    sends a customer's row.

    Parameters
    ----------
    each : callable
        ``each(method, **kw)`` calls ``method`` of every part's :class:`RFMRows` and returns the answers (a
        list); for one machine ``lambda m, **kw: [getattr(p, m)(**kw) for p in parts]``.
    as_of, currency, bins, grid, confidence
        As in :func:`rfm_combine`.
    fetch : int, default 4096
        A cut value whose range of values holds at most this many is read off
        those values (:func:`~csanalysis.stats.selection.select`).

    Returns
    -------
    RFMResult
        Without its rows (``table`` None): :meth:`~RFMResult.summary` and
        :attr:`~RFMResult.n_customers` equal :func:`rfm_combine`'s (the
        means to rounding).

    Examples
    --------
    >>> act = pd.DataFrame({"customer": list("aabcd"), "at": pd.to_datetime(["2024-01-05", "2024-03-01",
    ...                     "2023-02-01", "2024-05-20", "2024-06-01"], utc=True), "amount": 10.0})
    >>> parts = [RFMRows(rfm_part(act.iloc[[0, 1, 2]], as_of="2024-06-30")),
    ...          RFMRows(rfm_part(act.iloc[[3, 4]], as_of="2024-06-30"))]
    >>> got = rfm_from_parts(lambda m, **kw: [getattr(p, m)(**kw) for p in parts], as_of="2024-06-30", bins=3)
    >>> whole = rfm(act, as_of="2024-06-30", bins=3)
    >>> got.summary()[["segment", "n"]].equals(whole.summary()[["segment", "n"]])
    True
    """
    bins, confidence, grid = _check_options(bins, confidence, grid)
    as_of_ts = utc_as_of(as_of, None)
    heads = each("head")
    c = {k: sum(h[0][k] for h in heads) for k in _COUNTS}
    notes, currency_used = _combined_notes(c, [h[1] for h in heads], currency, as_of_ts)
    got = each("prepare", as_of=as_of_ts, money=bool(c["money"]))
    notes += _money_notes(c, sum(g[0] for g in got))
    n, lo, hi = combined_ranges([g[1] for g in got])  # (lo, hi NaN: a measure without values)
    asked = [i for i in range(3) if n[i] and lo[i] != hi[i]]  # a measure with one value: the middle score
    ranks = [_cut_ranks(int(n[i]), bins) for i in asked]
    found = select(each, np.repeat(np.asarray(asked, dtype=np.int64), bins - 1),
                   np.concatenate(ranks), fetch=fetch) if asked else np.zeros(0)
    cuts: list[np.ndarray | None] = [None] * 3
    for j, i in enumerate(asked):
        cuts[i] = found[j * (bins - 1):(j + 1) * (bins - 1)]
    names = _segment_grid(grid)[1]
    per = each("segments", cuts=cuts, bins=bins, grid=grid, n_names=len(names))
    counts = np.sum([p["n"] for p in per], axis=0)
    k = np.sum([p["values"] for p in per], axis=0)
    sums = np.sum([p["sums"] for p in per], axis=0)
    summary = share_counts(counts, names, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, col in enumerate(("recency", "frequency", "monetary")):
            summary[f"mean_{col}"] = np.where(k[i] > 0, sums[i] / np.maximum(k[i], 1), np.nan)
    res = RFMResult(table=None, as_of=as_of_ts, currency=currency_used, bins=bins, confidence=confidence,
                    notes=notes)
    res.kept = {"summary": summary, "customers": int(counts.sum())}
    return res
