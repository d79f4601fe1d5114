"""Guards against false findings: detectors that turn a data problem into flags on the figures it affects.

Each detector reads one canonical table and returns a tidy table of evidence
(which column or currency, the numbers that decide, and ``flagged``);
:func:`run_guards` runs them all for :func:`csanalysis.analyse`, which keeps
the result as ``Analysis.results["guards"]`` (a :class:`GuardsResult`) and
attaches the flag codes to the affected rows of ``Analysis.figures`` (see
:func:`figure_flags`). The codes and their plain-word reasons are in
:data:`csanalysis.flags.FLAGS`; every code here is in
:data:`csanalysis.flags.NO_VERDICT` (no above/below verdict), and all but
``unmeasured_propensity`` in :data:`csanalysis.flags.DATA_QUALITY` (a
warning about the data, not a finding).

``outcome_leakage`` (:func:`outcome_leakage`)
    A two-valued column of the customer table agrees with the churn outcome
    on ``threshold`` (99%) or more of the rows where both are known, and
    more often than a constant column would (the majority share of the
    outcome). Either coding counts (``True`` = churned or ``True`` =
    stayed). Flags the snapshot-churn figures of that predictor
    (``complained``: the churn rates by complaint and their difference;
    ``satisfaction``: the churn rates by satisfaction band).
``derived_from_outcome`` (:func:`derived_from_outcome`)
    A numeric score with 3 to ``max_levels`` (11) levels whose lowest level
    has a churn rate of at least ``purity`` (100%) and whose highest level at
    most ``1 - purity`` (0%), or the reverse; levels with fewer than
    ``min_level_n`` (5) customers are ignored. Flags the snapshot-churn
    figures of that score.
``broken_histories`` (:func:`broken_histories`)
    Fewer than ``min_share`` (10%) of the customers of the activity table
    have two or more purchases. Flags the RFM, journey, service-recovery and
    avoidance figures.
``incomparable_units`` (:func:`currency_split`)
    The activity carries amounts in several currencies: the analysis
    currency is ``currency=`` (default the most common, by orders) and
    customers who paid only in other currencies are left out of the RFM
    segments and the clusters (no conversion). Flags the RFM and cluster
    figures when any customer was left out.
``unmeasured_propensity`` (:func:`buying_propensity`)
    Customers who buy more have bad experiences more (or less) often per
    contact: the service-recovery test's disappointment gradient (whether
    each customer's first experience was bad, regressed on their purchases
    in the year before it, :func:`csanalysis.segments.service_recovery_test`)
    is significant at ``alpha`` (5%). Then who has a bad experience depends
    on buying beyond what the purchase history shows, which no weighting on
    that history removes: in the validation's worlds where bad experiences
    follow a latent purchase rate, the no-contact baseline was biased by up
    to 12 points and this test fired in every run. Flags the comparisons
    with customers without a contact (:data:`PROPENSITY_FIGURES`); the
    recovery comparisons carry the same flag from their own estimator. Unlike
    the other codes, a limit of the design rather than of the data (it is in
    :data:`csanalysis.flags.NO_VERDICT`, not in ``DATA_QUALITY``).

Examples
--------
>>> import pandas as pd
>>> cust = pd.DataFrame({"churned": [True] * 50 + [False] * 150,
...                      "complained": [True] * 50 + [False] * 150})
>>> outcome_leakage(cust)[["predictor", "agreement", "flagged"]]
    predictor  agreement  flagged
0  complained        1.0     True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.errors import CsanalysisError
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.arrays import distinct, factorize, repeated_pairs

__all__ = ["GuardsResult", "outcome_leakage", "derived_from_outcome", "churn_by_level", "broken_histories",
           "currency_split", "analysis_currency", "run_guards", "figure_flags", "LEAKAGE_THRESHOLD",
           "REPEAT_MIN_SHARE", "GUARD_SOURCES", "SNAPSHOT_PREDICTORS", "buying_propensity", "PROPENSITY_ALPHA",
           "PROPENSITY_FIGURES", "OrderCounts", "ORDER_COUNT_COLUMNS", "order_counts", "combine_order_counts",
           "most_common_currency"]

#: Agreement with the churn outcome from which a two-valued predictor leaks it.
LEAKAGE_THRESHOLD = 0.99
#: Share of customers with two or more purchases below which the histories look broken.
REPEAT_MIN_SHARE = 0.10
#: Columns of the customer table that are never predictors (keys, the outcome and what only churners have).
_NOT_PREDICTORS = frozenset({"customer", "customer_id", "email_key", "source_format", "churned", "churn_reason",
                             "churn_category"})
#: Snapshot-churn predictor -> the ``snapshot_churn`` figure rows ((id, group) of the figure table) it drives.
SNAPSHOT_PREDICTORS: dict[str, tuple[tuple[str, str], ...]] = {
    "complained": (("churn_rate", "snapshot=complained"), ("churn_rate", "snapshot=did not complain"),
                   ("churn_rate_difference", "all")),
    "satisfaction": (("churn_rate", "snapshot=satisfaction 1-2"), ("churn_rate", "snapshot=satisfaction 3"),
                     ("churn_rate", "snapshot=satisfaction 4-5")),
}
#: Level of the disappointment-gradient test behind ``unmeasured_propensity``.
PROPENSITY_ALPHA = 0.05
#: Figure ids whose design an unmeasured propensity to bad experiences biases (no-contact comparisons).
PROPENSITY_FIGURES: tuple[str, ...] = ("avoid_2y_baseline", "excess_avoidance", "excess_avoidance_censored",
                                       "rmst_diff_2y")
#: Flag code -> the figure-table ``source`` values whose rows it flags (whole results, not single predictors).
GUARD_SOURCES: dict[str, tuple[str, ...]] = {
    "broken_histories": ("rfm", "journeys", "recovery", "avoidance"),
    "incomparable_units": ("rfm", "clusters"),
}


def _outcome(customers: pd.DataFrame, outcome: str) -> pd.Series:
    if not isinstance(customers, pd.DataFrame):
        raise CsanalysisError(f"customers must be a DataFrame (the canonical customer table), got "
                              f"{type(customers).__name__}")
    if outcome not in customers.columns:
        raise CsanalysisError(f"customers has no outcome column {outcome!r}; expected a boolean churn flag "
                              "(read the table with csanalysis.read_customers, or pass outcome=)")
    y = customers[outcome]
    try:
        return y.astype("boolean").astype("Float64").astype("float64")
    except (TypeError, ValueError):
        raise CsanalysisError(f"customers[{outcome!r}] must be boolean (True/False or 1/0); found other "
                              "values") from None


def _candidates(customers: pd.DataFrame, outcome: str) -> list[str]:
    return [c for c in customers.columns if c != outcome and c not in _NOT_PREDICTORS]


def outcome_leakage(customers: pd.DataFrame, outcome: str = "churned", *,
                    threshold: float = LEAKAGE_THRESHOLD) -> pd.DataFrame:
    """Two-valued columns that agree with the churn outcome on nearly every row.

    Parameters
    ----------
    customers : DataFrame
        Canonical customer table (any further columns are checked too).
    outcome : str, default "churned"
        The boolean outcome column.
    threshold : float, default 0.99
        Agreement from which a column leaks the outcome.

    Returns
    -------
    DataFrame
        One row per two-valued column: ``predictor, n`` (rows where both are
        known), ``agreement`` (share of those rows where the column's value
        matches the outcome, under the better of the two codings),
        ``baseline`` (the agreement of a constant column: the outcome's
        majority share), ``flagged`` (``agreement >= threshold`` and
        ``agreement > baseline``).

    Examples
    --------
    >>> cust = pd.DataFrame({"churned": [True] * 20 + [False] * 80, "vip": ["no"] * 20 + ["yes"] * 80})
    >>> outcome_leakage(cust).to_dict("records")
    [{'predictor': 'vip', 'n': 100, 'agreement': 1.0, 'baseline': 0.8, 'flagged': True}]
    """
    if not 0 < threshold <= 1:
        raise CsanalysisError(f"threshold must be a share in (0, 1] (e.g. 0.99), got {threshold!r}")
    y = _outcome(customers, outcome)
    rows = []
    for col in _candidates(customers, outcome):  # a handful of columns; each test is vectorised
        x = customers[col]
        ok = (x.notna() & y.notna()).to_numpy()
        if not ok.any():
            continue
        codes, levels = pd.factorize(x[ok], sort=True)
        if len(levels) != 2:
            continue
        yy = y.to_numpy()[ok]
        agree = float(np.mean(codes == yy))
        p = float(yy.mean())
        rows.append({"predictor": col, "n": int(ok.sum()), "agreement": max(agree, 1.0 - agree),
                     "baseline": max(p, 1.0 - p)})
    out = pd.DataFrame(rows, columns=["predictor", "n", "agreement", "baseline"])
    out["flagged"] = (out["agreement"] >= threshold) & (out["agreement"] > out["baseline"])
    return out.astype({"n": "int64", "agreement": "float64", "baseline": "float64", "flagged": "bool"})


def churn_by_level(customers: pd.DataFrame, outcome: str = "churned", *, max_levels: int = 11) -> pd.DataFrame:
    """Churn rate per level of every numeric column with 3 to ``max_levels`` levels (a score).

    Returns
    -------
    DataFrame
        ``predictor, level, n, churned, churn_rate``, levels ascending.

    Examples
    --------
    >>> cust = pd.DataFrame({"churned": [True, True, False, False, True, False], "satisfaction": [1, 1, 3, 5, 3, 5]})
    >>> churn_by_level(cust)[["level", "n", "churn_rate"]].to_dict("list")
    {'level': [1.0, 3.0, 5.0], 'n': [2, 2, 2], 'churn_rate': [1.0, 0.5, 0.0]}
    """
    y = _outcome(customers, outcome)
    blocks = []
    for col in _candidates(customers, outcome):
        x = customers[col]
        if pd.api.types.is_bool_dtype(x.dtype) or not pd.api.types.is_numeric_dtype(x.dtype):
            continue
        x = pd.to_numeric(x, errors="coerce").astype("float64")
        ok = x.notna() & y.notna()
        if not 3 <= x[ok].nunique() <= max_levels:
            continue
        g = pd.DataFrame({"level": x[ok], "y": y[ok]}).groupby("level", sort=True)["y"].agg(["size", "sum"])
        blocks.append(pd.DataFrame({"predictor": col, "level": g.index.to_numpy(dtype="float64"),
                                    "n": g["size"].to_numpy(dtype="int64"), "churned": g["sum"].to_numpy("int64")}))
    if not blocks:
        return pd.DataFrame({"predictor": pd.Series(dtype="object"), "level": pd.Series(dtype="float64"),
                             "n": pd.Series(dtype="int64"), "churned": pd.Series(dtype="int64"),
                             "churn_rate": pd.Series(dtype="float64")})
    out = pd.concat(blocks, ignore_index=True)
    out["churn_rate"] = out["churned"] / out["n"]
    return out


def derived_from_outcome(customers: pd.DataFrame, outcome: str = "churned", *, purity: float = 1.0,
                         min_level_n: int = 5, max_levels: int = 11) -> pd.DataFrame:
    """Scores whose lowest levels all churned and highest levels all stayed (or the reverse).

    Parameters
    ----------
    customers : DataFrame
    outcome : str, default "churned"
    purity : float, default 1.0
        Churn rate the lowest level must reach (and ``1 - purity`` the
        highest level must not exceed).
    min_level_n : int, default 5
        Levels with fewer customers are ignored (one customer is always 0%
        or 100%).
    max_levels : int, default 11
        Numeric columns with more distinct values are not scores.

    Returns
    -------
    DataFrame
        One row per score: ``predictor, n, levels, lowest, highest,
        churn_at_lowest, churn_at_highest, flagged``; the churn by level is
        :func:`churn_by_level`.

    Examples
    --------
    >>> cust = pd.DataFrame({"churned": [True] * 10 + [False] * 10 + [True, False] * 5,
    ...                      "satisfaction": [1] * 10 + [5] * 10 + [3] * 10})
    >>> derived_from_outcome(cust)[["predictor", "churn_at_lowest", "churn_at_highest", "flagged"]]
          predictor  churn_at_lowest  churn_at_highest  flagged
    0  satisfaction              1.0               0.0     True
    """
    if not 0.5 < purity <= 1:
        raise CsanalysisError(f"purity must be a share in (0.5, 1] (e.g. 1.0 for 100% and 0%), got {purity!r}")
    lv = churn_by_level(customers, outcome, max_levels=max_levels)
    cols = ["predictor", "n", "levels", "lowest", "highest", "churn_at_lowest", "churn_at_highest"]
    big = lv[lv["n"] >= min_level_n]
    if big.empty:
        out = pd.DataFrame({c: pd.Series(dtype="object" if c == "predictor" else "float64") for c in cols})
    else:
        g = big.groupby("predictor", sort=False)
        first, last = g.head(1).set_index("predictor"), g.tail(1).set_index("predictor")
        out = pd.DataFrame({"n": lv.groupby("predictor", sort=False)["n"].sum(), "levels": g.size(),
                            "lowest": first["level"], "highest": last["level"],
                            "churn_at_lowest": first["churn_rate"], "churn_at_highest": last["churn_rate"]})
        out = out.rename_axis("predictor").reset_index()[cols]
    lo, hi = out["churn_at_lowest"].astype("float64"), out["churn_at_highest"].astype("float64")
    out["flagged"] = (out["levels"].astype("float64") >= 2) & (((lo >= purity) & (hi <= 1 - purity))
                                                              | ((hi >= purity) & (lo <= 1 - purity)))
    return out.astype({"flagged": "bool"})


def _orders(activity: pd.DataFrame, positions: np.ndarray | None = None) -> pd.DataFrame:
    """One row per order with ``customer``, ``amount``, ``currency`` (repeated order ids counted once),
    ``position`` (the row's position in the whole activity table: ``positions``, default the row number) and
    ``customer_code``: the customer as an integer (the same code for the same customer), which the guards
    group by instead of the text."""
    from csanalysis.segments.common import STR, with_customer

    act = with_customer(activity, "activity", "customer", "auto")
    d = pd.DataFrame({"customer": act["customer"],
                      "order_id": act["order_id"].astype(STR) if "order_id" in act.columns else pd.NA,
                      "amount": pd.to_numeric(act["amount"], errors="coerce") if "amount" in act.columns
                      else np.nan,
                      "currency": act["currency"].astype(STR) if "currency" in act.columns else np.nan,
                      "position": np.arange(len(act), dtype=np.int64) if positions is None
                      else np.asarray(positions, dtype=np.int64)})
    d = d[d["customer"].notna()]
    customer = factorize(d["customer"])[0].astype(np.int64)
    d = d.assign(customer_code=customer)
    if "order_id" not in act.columns:
        return d
    # a repeated (customer, order id) pair, on integer codes (a missing order id is never a repeat)
    dup = repeated_pairs(customer, factorize(d["order_id"])[0])
    return d[~dup]


#: Columns of :attr:`OrderCounts.currencies`.
ORDER_COUNT_COLUMNS: tuple[str, ...] = ("rows", "orders", "first_order", "customers", "only_customers")
_NEVER = np.iinfo(np.int64).max  # the position of an order that never came


@dataclass(frozen=True)
class OrderCounts:
    """What the guards and the analysis read of an activity table: counts per currency and per customer.

    Made by :func:`order_counts` from a table, or from the parts of a table
    split by customer (each customer's rows in one part) by
    :func:`combine_order_counts`: every count is then a sum over the parts,
    so both give the same numbers.

    Attributes
    ----------
    currencies : DataFrame
        Indexed by ``currency`` (sorted), columns
        :data:`ORDER_COUNT_COLUMNS`: ``rows`` (activity rows in that
        currency), ``orders`` (priced orders with a customer, repeated order
        ids once), ``first_order`` (position in the whole table of the first
        of those orders, which breaks ties between equally common
        currencies), ``customers`` (with a priced order in it) and
        ``only_customers`` (whose priced orders are all in it).
    customers : int
        Customers with an order.
    repeat_buyers : int
        Customers with two or more orders.
    """

    currencies: pd.DataFrame
    customers: int
    repeat_buyers: int


def order_counts(activity: pd.DataFrame | None, positions: np.ndarray | None = None) -> OrderCounts:
    """The :class:`OrderCounts` of an activity table, or of one part of it split by customer.

    Parameters
    ----------
    activity : DataFrame or None
        Canonical activity table (None or empty: nothing counted).
    positions : array of int, optional
        Each row's position in the whole table when ``activity`` is a part
        of it (default: the row number); only ties between equally common
        currencies read it.

    Examples
    --------
    >>> act = pd.DataFrame({"customer": ["a", "a", "b"], "order_id": ["1", "1", "2"], "amount": 1.0,
    ...                     "currency": ["EUR", "EUR", "DKK"]})
    >>> c = order_counts(act)
    >>> c.customers, c.repeat_buyers, c.currencies["orders"].to_dict()
    (2, 0, {'DKK': 1, 'EUR': 1})
    """
    from csanalysis.segments.common import STR

    empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in ORDER_COUNT_COLUMNS},
                         index=pd.Index([], dtype="object", name="currency"))
    if activity is None or not len(activity):
        return OrderCounts(empty, 0, 0)
    rows = (activity["currency"].astype(STR).value_counts() if "currency" in activity.columns
            else pd.Series([], dtype="int64"))
    d = _orders(activity, positions)
    per = np.bincount(d["customer_code"].to_numpy(), minlength=0)  # orders per customer (code)
    n, k = int((per > 0).sum()), int((per >= 2).sum())
    p = d[d["amount"].notna() & d["currency"].notna()]
    codes, names = factorize(p["currency"])
    m = len(names)
    first = np.full(m, _NEVER, dtype=np.int64)
    np.minimum.at(first, codes, p["position"].to_numpy(dtype=np.int64))
    # the distinct (customer, currency) pairs, and how many currencies each pair's customer paid in
    pairs = distinct(p["customer_code"].to_numpy() * m + codes) if m else np.array([], dtype=np.int64)
    pair_cur, pair_customer = pairs % max(m, 1), pairs // max(m, 1)
    paid_in = np.bincount(pair_customer)[pair_customer] if len(pairs) else pair_customer
    priced = pd.DataFrame({"orders": np.bincount(codes, minlength=m), "first_order": first,
                           "customers": np.bincount(pair_cur, minlength=m),
                           "only_customers": np.bincount(pair_cur[paid_in == 1], minlength=m)},
                          index=pd.Index(np.asarray(names, dtype=object), dtype="object", name="currency"))
    index = priced.index.union(pd.Index(rows.index.astype("object"), dtype="object")).sort_values()
    out = priced.reindex(index, fill_value=0).astype("int64")  # (integers throughout: no float round trip)
    out.loc[~index.isin(priced.index), "first_order"] = _NEVER
    out.insert(0, "rows", rows.reindex(index, fill_value=0).to_numpy(dtype="int64"))
    out.index.name = "currency"
    return OrderCounts(out[list(ORDER_COUNT_COLUMNS)], n, k)


def combine_order_counts(parts: list[OrderCounts]) -> OrderCounts:
    """The :class:`OrderCounts` of a table from those of its parts split by customer (each customer's rows
    in one part, ``positions`` given in the whole table).

    Examples
    --------
    >>> act = pd.DataFrame({"customer": ["a", "b", "a"], "amount": 1.0, "currency": ["EUR", "DKK", "DKK"]})
    >>> whole = order_counts(act)
    >>> parts = [order_counts(act.iloc[[0, 2]], [0, 2]), order_counts(act.iloc[[1]], [1])]
    >>> combine_order_counts(parts).currencies.equals(whole.currencies)
    True
    """
    if not parts:
        return order_counts(None)
    both = pd.concat([p.currencies for p in parts])
    g = both.groupby(level="currency", sort=True)
    out = g[[c for c in ORDER_COUNT_COLUMNS if c != "first_order"]].sum()
    out["first_order"] = g["first_order"].min()
    out = out[list(ORDER_COUNT_COLUMNS)].astype("int64")
    out.index = out.index.astype("object")
    return OrderCounts(out, sum(p.customers for p in parts), sum(p.repeat_buyers for p in parts))


def most_common_currency(counts: OrderCounts) -> tuple[str | None, int]:
    """The currency of the most activity rows (the first in sorted order among equals), and how many
    currencies the rows carry.

    Examples
    --------
    >>> act = pd.DataFrame({"customer": list("abcd"), "currency": ["EUR", "DKK", "EUR", "DKK"]})
    >>> most_common_currency(order_counts(act))
    ('DKK', 2)
    """
    rows = counts.currencies["rows"]
    rows = rows[rows > 0]
    if rows.empty:
        return None, 0
    return str(rows[rows == rows.max()].index[0]), len(rows)


def _check_share(min_share: float) -> None:
    if not 0 < min_share < 1:
        raise CsanalysisError(f"min_share must be a share in (0, 1) (e.g. 0.10), got {min_share!r}")


def broken_histories(activity: pd.DataFrame, *, min_share: float = REPEAT_MIN_SHARE) -> pd.DataFrame:
    """Whether fewer than ``min_share`` of the customers bought twice or more.

    Returns
    -------
    DataFrame
        One row: ``customers, repeat_buyers`` (two or more orders),
        ``repeat_share, min_share, flagged``.

    Examples
    --------
    >>> act = pd.DataFrame({"customer": [f"c{i}" for i in range(20)] + ["c0"], "order_id": range(21)})
    >>> broken_histories(act)[["customers", "repeat_buyers", "repeat_share", "flagged"]].to_dict("records")
    [{'customers': 20, 'repeat_buyers': 1, 'repeat_share': 0.05, 'flagged': True}]
    """
    _check_share(min_share)
    return _broken_histories(order_counts(activity), min_share)


def _broken_histories(counts: OrderCounts, min_share: float) -> pd.DataFrame:
    """:func:`broken_histories` of an activity table's :class:`OrderCounts`."""
    n, k = counts.customers, counts.repeat_buyers
    share = k / n if n else np.nan
    return pd.DataFrame({"customers": [n], "repeat_buyers": [k], "repeat_share": [share],
                         "min_share": [float(min_share)], "flagged": [bool(n and share < min_share)]})


def analysis_currency(activity: pd.DataFrame | None, currency: str | None = None, *,
                      orders: OrderCounts | None = None) -> str | None:
    """The analysis currency: ``currency`` when given, else the currency of most priced orders (the first
    seen among equals; ``None`` when no order carries one).

    ``orders``: the activity's :class:`OrderCounts` when already counted (then ``activity`` is not read).

    Examples
    --------
    >>> analysis_currency(pd.DataFrame({"customer": list("abc"), "amount": 1.0, "currency": ["EUR", "DKK", "DKK"]}))
    'DKK'
    """
    if currency is not None:  # (no orders table needed)
        return str(currency)
    return _analysis_currency(order_counts(activity) if orders is None else orders, None)


def _analysis_currency(counts: OrderCounts, currency: str | None) -> str | None:
    """:func:`analysis_currency` of an activity table's :class:`OrderCounts`."""
    if currency is not None:
        return str(currency)
    have = counts.currencies[counts.currencies["orders"] > 0]
    if have.empty:
        return None
    return str(have.sort_values(["orders", "first_order"], ascending=[False, True], kind="stable").index[0])


def currency_split(activity: pd.DataFrame, currency: str | None = None) -> pd.DataFrame:
    """Orders and customers per currency, and who is left out of the monetary segments.

    Parameters
    ----------
    activity : DataFrame
        Canonical activity table.
    currency : str, optional
        The analysis currency (default: the most common, see :func:`analysis_currency`).

    Returns
    -------
    DataFrame
        One row per currency of priced orders: ``currency, orders,
        customers, only_customers`` (customers whose priced orders are all in
        this currency), ``analysis`` (it is the analysis currency),
        ``left_out`` (customers left out of monetary segments and clusters:
        those who paid only in this currency when it is not the analysis
        currency), ``flagged`` (any customer left out).

    Examples
    --------
    >>> act = pd.DataFrame({"customer": ["a", "a", "b", "c"], "amount": 1.0,
    ...                     "currency": ["DKK", "EUR", "DKK", "EUR"]})
    >>> currency_split(act)[["currency", "customers", "only_customers", "left_out", "flagged"]]
      currency  customers  only_customers  left_out  flagged
    0      DKK          2               1         0     True
    1      EUR          2               1         1     True
    """
    return _currency_split(order_counts(activity), currency)


def _currency_split(counts: OrderCounts, currency: str | None) -> pd.DataFrame:
    """:func:`currency_split` of an activity table's :class:`OrderCounts`."""
    have = counts.currencies[counts.currencies["orders"] > 0]
    cols = ["currency", "orders", "customers", "only_customers", "analysis", "left_out", "flagged"]
    if have.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    cur = _analysis_currency(counts, currency)
    out = have[["orders", "customers", "only_customers"]].astype(np.int64).rename_axis("currency").reset_index()
    out["currency"] = out["currency"].astype("object")
    out["analysis"] = out["currency"].eq(cur)
    out["left_out"] = out["only_customers"].where(~out["analysis"], 0).astype("int64")
    out["flagged"] = bool(out["left_out"].sum() > 0)
    return out[cols]


def buying_propensity(gradient: dict[str, float] | None, *, alpha: float = PROPENSITY_ALPHA) -> pd.DataFrame:
    """Evidence of ``unmeasured_propensity`` from the disappointment gradient of the service-recovery test.

    Parameters
    ----------
    gradient : dict or None
        ``{"slope", "se", "p_value", "n"}`` as in
        ``service_recovery_test(...).settings["disappointment_gradient"]``
        (slope per log purchase in the year before the first experience);
        None when there is none (no experiences or no purchases).
    alpha : float, default 0.05

    Returns
    -------
    DataFrame
        One row: ``slope, se, p_value, n, alpha, flagged``.

    Examples
    --------
    >>> buying_propensity({"slope": 0.4, "se": 0.1, "p_value": 6e-5, "n": 900})["flagged"].item()
    True
    >>> buying_propensity(None)["flagged"].item()
    False
    """
    g = gradient or {}
    p = float(g.get("p_value", np.nan))
    return pd.DataFrame({"slope": [float(g.get("slope", np.nan))], "se": [float(g.get("se", np.nan))],
                         "p_value": [p], "n": [float(g.get("n", 0) or 0)], "alpha": [alpha],
                         "flagged": [bool(np.isfinite(p) and p < alpha)]})


def _fmt(s: pd.Series, fmt: str) -> pd.Series:
    """Numbers as text (an empty column stays a text column)."""
    return s.map(fmt.format).astype("object") if len(s) else pd.Series([], index=s.index, dtype="object")


@dataclass(repr=False)
class GuardsResult(Result):
    """The evidence of every guard of one analysis (``Analysis.results["guards"]``).

    Attributes
    ----------
    leakage, derived, levels, histories, currencies, propensity : DataFrame
        :func:`outcome_leakage`, :func:`derived_from_outcome`,
        :func:`churn_by_level`, :func:`broken_histories`,
        :func:`currency_split`, :func:`buying_propensity` (empty or not
        flagged when the table they need is missing).
    currency : str or None
        The analysis currency.
    """

    leakage: pd.DataFrame
    derived: pd.DataFrame
    levels: pd.DataFrame
    histories: pd.DataFrame
    currencies: pd.DataFrame
    propensity: pd.DataFrame = field(default_factory=lambda: buying_propensity(None))
    currency: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    title: str = "Data-quality guards"

    def summary(self) -> pd.DataFrame:
        """One row per raised flag: ``flag, subject, evidence`` (plain words)."""
        parts = []
        lk = self.leakage[self.leakage["flagged"]]
        parts.append(pd.DataFrame({"flag": "outcome_leakage", "subject": lk["predictor"].astype("str"),
                                   "evidence": "agrees with churn on " + _fmt(100 * lk["agreement"], "{:.1f}%")
                                   + " of " + lk["n"].astype("str") + " rows"}))
        dv = self.derived[self.derived["flagged"]]
        parts.append(pd.DataFrame({"flag": "derived_from_outcome", "subject": dv["predictor"].astype("str"),
                                   "evidence": "churn " + _fmt(100 * dv["churn_at_lowest"], "{:.0f}%")
                                   + " at level " + _fmt(dv["lowest"], "{:g}") + ", "
                                   + _fmt(100 * dv["churn_at_highest"], "{:.0f}%") + " at level "
                                   + _fmt(dv["highest"], "{:g}")}))
        bh = self.histories[self.histories["flagged"]]
        parts.append(pd.DataFrame({"flag": "broken_histories", "subject": "activity",
                                   "evidence": bh["repeat_buyers"].astype("str") + " of "
                                   + bh["customers"].astype("str") + " customers ("
                                   + _fmt(100 * bh["repeat_share"], "{:.1f}%") + ") bought twice or more"}))
        cu = self.currencies[self.currencies["left_out"].fillna(0).astype("int64") > 0] if len(self.currencies) \
            else self.currencies
        parts.append(pd.DataFrame({"flag": "incomparable_units", "subject": "currency " + cu["currency"].astype("str"),
                                   "evidence": cu["left_out"].astype("str") + " customer(s) paid only in "
                                   + cu["currency"].astype("str") + ", not the analysis currency "
                                   + str(self.currency) + ": left out of RFM and clusters"}))
        pr = self.propensity[self.propensity["flagged"]]
        parts.append(pd.DataFrame({"flag": "unmeasured_propensity", "subject": "bad experiences",
                                   "evidence": "log-odds of a bad first experience " + _fmt(pr["slope"], "{:+.2f}")
                                   + " per log purchase in the year before (p = " + _fmt(pr["p_value"], "{:.2g}")
                                   + ", " + pr["n"].astype("int64").astype("str") + " customers)"}))
        return pd.concat(parts, ignore_index=True)[["flag", "subject", "evidence"]]

    def flags(self) -> dict[str, set[str]]:
        """Flag code -> predictors (``outcome_leakage``, ``derived_from_outcome``) or ``{"all"}`` when raised."""
        return {"outcome_leakage": set(self.leakage.loc[self.leakage["flagged"], "predictor"]),
                "derived_from_outcome": set(self.derived.loc[self.derived["flagged"], "predictor"]),
                "broken_histories": {"all"} if self.histories["flagged"].any() else set(),
                "incomparable_units": {"all"} if len(self.currencies) and self.currencies["flagged"].any()
                else set(),
                "unmeasured_propensity": {"all"} if self.propensity["flagged"].any() else set()}

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"summary": frame_records(self.summary()), "leakage": frame_records(self.leakage),
                         "derived": frame_records(self.derived), "levels": frame_records(self.levels),
                         "histories": frame_records(self.histories), "currencies": frame_records(self.currencies),
                         "propensity": frame_records(self.propensity),
                         "currency": self.currency, "settings": self.settings})


def run_guards(customers: pd.DataFrame | None = None, activity: pd.DataFrame | None = None, *,
               currency: str | None = None, outcome: str = "churned", threshold: float = LEAKAGE_THRESHOLD,
               min_share: float = REPEAT_MIN_SHARE, gradient: dict[str, float] | None = None,
               orders: OrderCounts | None = None) -> GuardsResult:
    """Every guard on the tables given (``None`` or a table without the needed columns: an empty evidence table).

    ``gradient`` is the service-recovery test's disappointment gradient (see :func:`buying_propensity`).
    ``orders``: the activity's :class:`OrderCounts` when already counted (e.g. per partition of customers,
    :func:`combine_order_counts`); then ``activity`` is not read.

    Examples
    --------
    >>> g = run_guards(pd.DataFrame({"churned": [True, False] * 20, "complained": [True, False] * 20}))
    >>> g.summary()["flag"].tolist()
    ['outcome_leakage']
    """
    has_y = customers is not None and len(customers) and outcome in customers.columns
    leak = outcome_leakage(customers, outcome, threshold=threshold) if has_y else outcome_leakage(
        pd.DataFrame({outcome: pd.Series(dtype="boolean")}), outcome)
    derived = derived_from_outcome(customers, outcome) if has_y else derived_from_outcome(
        pd.DataFrame({outcome: pd.Series(dtype="boolean")}), outcome)
    levels = churn_by_level(customers, outcome) if has_y else churn_by_level(
        pd.DataFrame({outcome: pd.Series(dtype="boolean")}), outcome)
    _check_share(min_share)
    # the orders counted once for the guards that read them
    counts = order_counts(activity) if orders is None else orders
    has_act = counts.customers > 0 or bool(counts.currencies["rows"].sum())
    hist = _broken_histories(counts, min_share) if has_act else pd.DataFrame(
        {"customers": [0], "repeat_buyers": [0], "repeat_share": [np.nan], "min_share": [min_share],
         "flagged": [False]})
    cur = _analysis_currency(counts, currency) if has_act else currency
    cs = _currency_split(counts, cur)
    return GuardsResult(leakage=leak, derived=derived, levels=levels, histories=hist, currencies=cs,
                        propensity=buying_propensity(gradient), currency=cur,
                        settings={"outcome": outcome, "threshold": threshold, "min_share": min_share,
                                  "propensity_alpha": PROPENSITY_ALPHA})


def figure_flags(figures: pd.DataFrame, guards: GuardsResult | None) -> pd.Series:
    """The guard flag codes of each row of a figure table (a list per row, empty when none).

    Snapshot-churn rows of a leaking or derived predictor (:data:`SNAPSHOT_PREDICTORS`) get
    ``outcome_leakage`` / ``derived_from_outcome``; rows whose ``source`` is in :data:`GUARD_SOURCES`
    get ``broken_histories`` / ``incomparable_units`` when raised, and rows of
    :data:`PROPENSITY_FIGURES` get ``unmeasured_propensity``.
    """
    out = pd.Series([[] for _ in range(len(figures))], index=figures.index, dtype="object")
    if guards is None or figures.empty:
        return out
    raised = guards.flags()
    key = pd.MultiIndex.from_arrays([figures["id"].astype("str"), figures["group"].astype("str")])
    snap = figures["source"].astype("str").eq("snapshot_churn").to_numpy()
    hits = {}
    for code in ("outcome_leakage", "derived_from_outcome"):
        pairs = [p for pred in sorted(raised[code]) for p in SNAPSHOT_PREDICTORS.get(pred, ())]
        hits[code] = snap & key.isin(pairs)
    for code, sources in GUARD_SOURCES.items():
        hits[code] = figures["source"].isin(sources).to_numpy() & bool(raised[code])
    hits["unmeasured_propensity"] = (figures["id"].isin(PROPENSITY_FIGURES).to_numpy()
                                     & bool(raised["unmeasured_propensity"]))
    codes = pd.DataFrame(hits, index=figures.index)
    names = np.array(codes.columns, dtype=object)
    return pd.Series([list(names[row]) for row in codes.to_numpy()], index=figures.index, dtype="object")
