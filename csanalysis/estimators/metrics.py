"""Service metrics with confidence intervals, overall and by group.

The service scorecard of the source articles ("faster response and turnaround
times, less rework, ... it is worth seeing how you score") as one tidy table:
CSAT, NPS, CES, the share of bad ratings, reply and resolution times,
reopen rate and first-contact resolution, each with its interval and the name
of the method behind it, overall and by any column (channel, month, segment).

Every metric is computed for all groups at once with ``np.bincount`` over
integer group codes (no Python loop over tickets, responses or groups).

The computation is split into rounds over partitions of customers
(:class:`MetricsPart`, :func:`metrics_from_parts`): counts and sums per
group, then sums over units around the combined means, then the quantiles'
exact order statistics from counts (:mod:`csanalysis.stats.selection`). On
one machine the whole tables are the only part; the Dask engine asks each
partition where it is, and gets the same table.

Sampling unit
-------------
One customer opens several tickets and answers several surveys, and their
answers are alike; so every interval treats the **customer** as the
sampling unit, not the ticket or answer (:mod:`csanalysis.stats.clustered`):
shares and means of bounded scores get a cluster-robust (ratio-estimator)
variance with customers as clusters and a Wilson-type interval with the
effective sample size that stays on the scale; quantiles get Woodruff's
interval with the same cluster-robust design effect. The customer is the
``customer`` column the linking step writes (else the table's
``customer_id``, else ``email_key``); ``cluster="account_id"`` uses the
account (Zendesk organisation) instead, ``cluster=None`` treats every row
as independent. Rows without an identifier count as their own cluster. The
``method`` column says which unit was used. Point estimates do not depend on
the unit.

Metric definitions
------------------
csat_mean
    Mean CSAT (1-5) of survey responses; cluster-robust Wilson-type interval
    on the 1-5 scale (rescaled to 0-1).
csat_top2
    Share of CSAT answers that are 4 or 5; cluster-robust Wilson-type.
nps
    Net Promoter Score (-100..100) of the 0-10 answers: % promoters (9-10)
    minus % detractors (0-6); the mean of +1 / 0 / -1 with the cluster-robust
    Wilson-type interval on -100..100 (with one answer per customer, close to
    the normal interval with the multinomial variance of
    :func:`csanalysis.stats.nps_ci`).
ces_mean
    Mean customer effort (1-7, 7 = very difficult); cluster-robust
    Wilson-type interval on the 1-7 scale.
bad_rating_share
    Share of rated tickets whose rating is ``bad`` (default rating rule,
    normalised score <= 0.25); cluster-robust Wilson-type.
rating_response_rate
    Share of tickets offered a satisfaction survey (``rating_offered``) that
    were rated; cluster-robust Wilson-type. ``n = 0`` when the export does
    not say which tickets were offered one.
first_reply_p50, first_reply_p90, resolution_p50, resolution_p90
    Median and 90th percentile of ``first_reply_minutes`` /
    ``resolution_minutes`` (calendar minutes), with Woodruff's interval:
    the ranks of the exact order-statistic interval (:func:`quantile_ci`)
    at the effective sample size of the share below the quantile.
reopen_rate
    Share of solved tickets (``solved_at`` set, or status solved / closed /
    resolved) with a known ``reopens`` count that were reopened at least once;
    cluster-robust Wilson-type.
fcr
    First-contact resolution: share of solved customer-initiated tickets,
    with a known ``reopens`` count, that were never reopened (``reopens ==
    0``) and, when the table has a ``replies`` column (agent replies, e.g.
    Zendesk's "Replies"), were solved with at most one agent reply
    (tickets with a missing ``replies`` value are left out); cluster-robust
    Wilson-type.
tickets
    Number of tickets counted (no interval).

Ticket metrics use customer-initiated tickets only (``direction`` not
``"agent"``) unless ``include_agent_initiated=True``; survey metrics use every
response. An interval needs at least two clusters in its group (NaN
otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.checks import check_confidence, check_frame
from csanalysis.lookup import map_by_key, map_first
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.schema import agent_initiated, conform, rating_from_score
from csanalysis.stats.arrays import HoldsArrays, finite_range, ratio, sum_parts
from csanalysis.stats.clustered import (
    ClusteredQuantiles,
    Units,
    as_units,
    bounded_interval,
    centred_cluster_sums,
    cluster_variances,
    woodruff_from_parts,
)
from csanalysis.stats.grouped import grouped_quantile_ci

__all__ = ["COLUMNS_READ", "CUSTOMER_COLUMNS", "DEFINITIONS", "METHODS", "METRICS", "PERIODS", "SOLVED_STATUSES", "MetricsPart",
           "ServiceMetrics", "customer_column", "filled_customer_columns", "metrics_from_parts", "quantile_ci",
           "sampling_units", "service_metrics", "unit_counts"]

SHARE_CI = "cluster-robust Wilson-type interval"
MEAN_CI = "cluster-robust Wilson-type interval on the bounded scale"
NPS_CI = "cluster-robust Wilson-type interval (NPS as the mean of +1/0/-1)"
QUANTILE_CI = "Woodruff interval with cluster-robust design effect"
COUNT = "count"

#: Metric -> method used for its interval (the table's ``method`` adds the sampling unit,
#: e.g. ``"cluster-robust Wilson-type interval; customers as clusters"``).
METHODS: dict[str, str] = {
    "csat_mean": MEAN_CI,
    "csat_top2": SHARE_CI,
    "nps": NPS_CI,
    "ces_mean": MEAN_CI,
    "bad_rating_share": SHARE_CI,
    "rating_response_rate": SHARE_CI,
    "first_reply_p50": QUANTILE_CI,
    "first_reply_p90": QUANTILE_CI,
    "resolution_p50": QUANTILE_CI,
    "resolution_p90": QUANTILE_CI,
    "reopen_rate": SHARE_CI,
    "fcr": SHARE_CI,
    "tickets": COUNT,
}
#: Survey metrics (the rest are ticket metrics).
_SURVEY_METRICS = frozenset({"csat_mean", "csat_top2", "nps", "ces_mean"})
#: Columns naming the customer, in order of preference: the linked customer, the tool's id, the e-mail pseudonym.
CUSTOMER_COLUMNS: tuple[str, ...] = ("customer", "customer_id", "email_key")
#: The metrics, in output order.
METRICS: tuple[str, ...] = tuple(METHODS)

#: Metric -> definition in words (carried into ``to_dict``).
DEFINITIONS: dict[str, str] = {
    "csat_mean": "mean CSAT (1-5) of survey responses",
    "csat_top2": "share of CSAT answers that are 4 or 5",
    "nps": "% promoters (9-10) minus % detractors (0-6) of the 0-10 answers",
    "ces_mean": "mean customer effort (1-7, 7 = very difficult)",
    "bad_rating_share": "share of rated tickets rated bad (normalised score <= 0.25)",
    "rating_response_rate": "share of tickets offered a satisfaction survey that were rated",
    "first_reply_p50": "median minutes from creation to the first agent reply",
    "first_reply_p90": "90th percentile of minutes to the first agent reply",
    "resolution_p50": "median minutes from creation to resolution",
    "resolution_p90": "90th percentile of minutes to resolution",
    "reopen_rate": "share of solved tickets (with a known reopen count) reopened at least once",
    "fcr": ("first-contact resolution: share of solved customer-initiated tickets never reopened "
            "(and, where a 'replies' column exists, solved with at most one agent reply)"),
    "tickets": "number of tickets counted",
}

#: Special ``by`` names that derive a period from ``created_at`` / ``responded_at``.
PERIODS: dict[str, str | None] = {"week": "W", "month": "M", "quarter": "Q", "year": "Y", "period": None}

#: Ticket statuses that count as solved (with ``solved_at`` set, a ticket is solved whatever its status).
SOLVED_STATUSES: tuple[str, ...] = ("solved", "closed", "resolved")
_MAX_GROUPS = 5_000_000
#: Ticket columns the metrics, their groups and their sampling units read (besides ``by`` and ``cluster``).
_TICKET_COLUMNS_READ = frozenset({"ticket_id", "created_at", "rating", "rating_score", "rating_offered", "status",
                                  "solved_at", "reopens", "replies", "first_reply_minutes", "resolution_minutes",
                                  "direction", "account_id", *CUSTOMER_COLUMNS})
#: The columns :class:`MetricsPart` reads of each table, besides the ``by`` and ``cluster`` columns (the Dask
#: engine sends only these to the partitions).
COLUMNS_READ: dict[str, tuple[str, ...]] = {
    "tickets": tuple(sorted(_TICKET_COLUMNS_READ)),
    "responses": ("response_id", "ticket_id", "responded_at", "csat", "nps", "ces", *CUSTOMER_COLUMNS)}


def _present(df: pd.DataFrame, col: str) -> bool:
    return col in df.columns and bool(df[col].notna().any())


def filled_customer_columns(df: pd.DataFrame | None) -> tuple[str, ...]:
    """The :data:`CUSTOMER_COLUMNS` that ``df`` has and fills (at least one value), in order: a partition's
    answer for :func:`customer_column`.

    >>> filled_customer_columns(pd.DataFrame({"customer": [None], "email_key": ["k1"]}))
    ('email_key',)
    """
    return () if df is None else tuple(c for c in CUSTOMER_COLUMNS if _present(df, c))


def customer_column(filled: Any) -> str | None:
    """The customer column of a table split into partitions (``sampling_units(customer=)``): the first of
    :data:`CUSTOMER_COLUMNS` that some partition fills (``filled``: each partition's
    :func:`filled_customer_columns`), as :func:`sampling_units` picks it for the whole table.

    >>> customer_column([(), ("customer_id",), ("email_key",)])
    'customer_id'
    """
    seen = set().union(*filled)
    return next((c for c in CUSTOMER_COLUMNS if c in seen), None)


def _coded(prefix: str, values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes of ``values`` (-1 where missing) and ``prefix + value`` for each distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [prefix + str(v) for v in np.asarray(uniq, dtype=object)]


def sampling_units(df: pd.DataFrame, cluster: str | None = "customer", *, row_id: str | None = None,
                   via: pd.DataFrame | None = None, customer: str | None = None,
                   via_counts: pd.DataFrame | None = None) -> tuple[pd.Categorical, str]:
    """The sampling unit (cluster) of every row of a canonical table, and how it was chosen.

    Parameters
    ----------
    df : DataFrame
        Canonical tickets or responses (linked or not).
    cluster : str or None, default "customer"
        ``"customer"``: the first of :data:`CUSTOMER_COLUMNS` the table
        fills (the linked ``customer``, else ``customer_id``, else
        ``email_key``). ``"account_id"``: the account (for responses, that of
        the ticket they are about, looked up in ``via`` by ``ticket_id``);
        a row without one takes the account its customer's tickets have
        most often, and a customer without any is its own unit. Any other
        column name: that column (of ``df``, or of ``via`` through
        ``ticket_id``). ``None``: every row its own unit.
    row_id : str, optional
        Column identifying rows (``ticket_id``, ``response_id``): a row
        without a unit is a unit of its own under this name, so the units do
        not depend on the order of the rows.
    via : DataFrame, optional
        Tickets to look the account (or ``cluster`` column) of a response up in.
    customer : str, optional
        The customer column to use (one of :data:`CUSTOMER_COLUMNS`), decided elsewhere: for a partition of
        a table, the one the whole table fills (a partition may hold none of its values). Default: the first
        the table fills.
    via_counts : DataFrame, optional
        The rows of ``via`` per customer and ``cluster`` value (:func:`unit_counts`), counted in place of
        ``via``'s own rows for a row without a unit of its own: for tickets held in pieces, ``via`` then
        needs only the first ticket of each id the rows name (its ``ticket_id`` and ``cluster``), and the
        counts only the rows' customers (each piece's counts add up: :func:`unit_counts` ``counts=``).

    Returns
    -------
    (ids, description)
        A categorical with one identifier per row (``"customer:..."``,
        ``"account:..."``, ``"row:..."``; missing where a row has neither a
        unit nor a row id), ready for :func:`csanalysis.stats.as_units`, and
        the words for the method, e.g. ``"customers as clusters"``.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer": ["a", "a", None],
    ...                   "account_id": ["acme", None, None]})
    >>> ids, how = sampling_units(t, row_id="ticket_id")
    >>> ids.tolist(), how
    (['customer:a', 'customer:a', 'row:3'], 'customers as clusters')
    >>> sampling_units(t, "account_id", row_id="ticket_id")[0].tolist()
    ['account:acme', 'account:acme', 'row:3']

    A survey answer about no ticket belongs to its customer's account:

    >>> r = pd.DataFrame({"response_id": ["r1", "r2"], "customer": ["a", "b"]})
    >>> sampling_units(r, "account_id", row_id="response_id", via=t)[0].tolist()
    ['account:acme', 'customer:b']
    """
    n = len(df)
    layers: list[tuple[str, pd.Series]] = []  # (prefix, values), first non-missing wins
    if customer is None:
        cust_col = next((c for c in CUSTOMER_COLUMNS if _present(df, c)), None)
    elif customer in CUSTOMER_COLUMNS:
        cust_col = customer if customer in df.columns else None
    else:
        raise ValueError(f"`customer` must be one of {', '.join(CUSTOMER_COLUMNS)}, not {customer!r}")
    if cluster is not None and cluster == cust_col:  # the customer column named: customers as clusters
        cluster = "customer"
    if cluster is None:
        how = "each row its own cluster"
    elif cluster == "customer":
        if cust_col is not None:
            layers.append(("customer:", df[cust_col]))
            how = "customers as clusters"
        else:
            how = "each row its own cluster (no customer id)"
    else:
        if cluster in df.columns:
            col = df[cluster]
        elif via is not None and cluster in via.columns and "ticket_id" in df.columns and "ticket_id" in via.columns:
            col = map_first(df["ticket_id"], via["ticket_id"], via[cluster])
        elif cluster == "account_id" or (via is not None and cluster in via.columns):
            col = pd.Series(np.full(n, np.nan, dtype=object), index=df.index)  # no way to the other table
        else:
            raise ValueError(f"`cluster` column {cluster!r} is in neither table; use 'customer', 'account_id', "
                             "a column of the tables or None")
        word = "accounts" if cluster == "account_id" else repr(cluster)
        prefix = "account:" if cluster == "account_id" else f"{cluster}:"
        layers.append((prefix, col))
        if cust_col is not None:  # a row without its own account: that of its customer's tickets
            of_via = via if via_counts is None else None  # (the counts stand for via's rows)
            layers.append((prefix, map_by_key(df[cust_col], _unit_of_customer(cust_col, cluster, df, of_via,
                                                                                counts=(via_counts,)))))
        if cust_col is not None:
            layers.append(("customer:", df[cust_col]))
            how = f"{word} as clusters (customers where none)"
        else:
            how = f"{word} as clusters (each row its own where none)"
    if row_id is not None and row_id in df.columns:
        layers.append(("row:", df[row_id]))
    # codes into one list of texts, built from the distinct values only (no text per row)
    codes = np.full(n, -1, dtype=np.int64)
    texts: list[str] = []
    for prefix, values in layers:
        gap = codes < 0
        if not gap.any():
            break
        c, t = _coded(prefix, values if gap.all() else values.loc[gap])
        codes[gap] = np.where(c >= 0, c + len(texts), -1)
        texts.extend(t)
    # one category per text (1 and "1" are the same unit)
    cats, inv = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)
    codes = np.where(codes >= 0, inv.ravel()[np.maximum(codes, 0)] if len(texts) else -1, -1)
    ids = pd.Categorical.from_codes(codes, categories=pd.Index(cats.astype(object), dtype="object"))
    return ids, how


def unit_counts(customer: str, cluster: str, *tables: pd.DataFrame | None,
                counts: tuple[pd.DataFrame | None, ...] = ()) -> pd.DataFrame:
    """The rows of ``tables`` per ``customer`` and ``cluster`` value (a row missing either is not counted; a
    table without both columns adds nothing), added to ``counts`` (earlier answers of this function, say for
    other pieces of the same tables): columns ``customer``, ``cluster`` and ``n``, sorted by the first two.

    The counts of a table's pieces add up to the whole table's, so the most frequent unit of each customer
    (:func:`sampling_units` for a row without a unit of its own) can be found where a table is held in pieces.

    Examples
    --------
    >>> t = pd.DataFrame({"customer": ["a", "a", "b", None], "account_id": ["x", "x", None, "y"]})
    >>> unit_counts("customer", "account_id", t).to_dict("list")
    {'customer': ['a'], 'account_id': ['x'], 'n': [2]}
    >>> more = unit_counts("customer", "account_id", t.iloc[:1])
    >>> unit_counts("customer", "account_id", t.iloc[1:], counts=(more,))["n"].tolist()
    [2]
    """
    pairs = [t[[customer, cluster]] for t in tables
             if t is not None and customer in t.columns and cluster in t.columns]
    given = [c for c in counts if c is not None and len(c)]
    if pairs:
        both = pd.concat(pairs, ignore_index=True).dropna()
        if len(both):
            given.append(both.groupby([customer, cluster], sort=True, observed=True).size().rename("n").reset_index())
    if not given:
        return pd.DataFrame({customer: pd.Series(dtype=object), cluster: pd.Series(dtype=object),
                             "n": pd.Series(dtype=np.int64)})
    if len(given) == 1:
        return given[0]
    return (pd.concat(given, ignore_index=True).groupby([customer, cluster], sort=True, observed=True)["n"]
            .sum().reset_index())


def _unit_of_customer(cust_col: str, cluster: str, *tables: pd.DataFrame | None,
                      counts: tuple[pd.DataFrame | None, ...] = ()) -> pd.Series:
    """Each customer's most frequent ``cluster`` value over the rows of ``tables`` and ``counts``
    (:func:`unit_counts`; ties: the first in sort order), indexed by customer; empty when none holds both
    columns."""
    n = unit_counts(cust_col, cluster, *tables, counts=counts)
    if n.empty:
        return pd.Series([], dtype=object)
    n = n.sort_values("n", ascending=False, kind="stable").drop_duplicates(cust_col)
    return n.set_index(cust_col)[cluster]


def quantile_ci(x: Any, q: float = 0.5, confidence: float = 0.95) -> tuple[float, float, float, int]:
    r"""A quantile with an exact distribution-free (order-statistic) interval.

    Parameters
    ----------
    x : array-like
        A sample (missing values are dropped).
    q : float, default 0.5
        The quantile, strictly between 0 and 1 (0.5 = median, 0.9 = 90th
        percentile).
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    estimate, low, high : float
        The sample quantile (linear interpolation, numpy's default) and the
        interval ``[x_(l), x_(u)]``. A bound is NaN when the sample is too
        small to reach the confidence on that side (e.g. a 95% interval for
        the median needs n >= 6).
    n : int
        Number of values used.

    Notes
    -----
    With :math:`B \sim \mathrm{Binomial}(n, q)` the number of observations
    below the true quantile :math:`\xi_q`, :math:`P(x_{(l)} \le \xi_q \le
    x_{(u)}) = F_B(u-1) - F_B(l-1)` for any continuous distribution. The
    ranks are :math:`l = F_B^{-1}(\alpha/2)` and :math:`u =
    F_B^{-1}(1-\alpha/2) + 1`, so each tail has at most :math:`\alpha/2` and
    coverage is at least the nominal level (slightly conservative because
    ranks are whole numbers; e.g. 96.2% for the median at n = 40). See
    Hahn & Meeker (1991), *Statistical Intervals*, ch. 5.

    Examples
    --------
    >>> est, lo, hi, n = quantile_ci(range(1, 21))
    >>> est, lo, hi, n
    (10.5, 6.0, 15.0, 20)
    """
    conf = check_confidence(confidence)
    qf = float(q)
    if not 0.0 < qf < 1.0:
        raise ValueError(f"`q` must be strictly between 0 and 1 (0.5 for the median), but {q!r} was passed.")
    arr = pd.to_numeric(pd.Series(np.asarray(x).ravel()), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    g = np.zeros(len(arr), dtype=np.int64)
    est, low, high, n = grouped_quantile_ci(arr, g, 1, q=qf, confidence=conf)
    return float(est[0]), float(low[0]), float(high[0]), int(n[0])


# --------------------------------------------------------------------------- grouping
def _as_list(by: str | list[str] | tuple[str, ...] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    out = list(by)
    if not all(isinstance(b, str) for b in out):
        raise TypeError("`by` must be a column name or a list of column names")
    if len(set(out)) != len(out):
        raise ValueError(f"`by` names a column twice: {out}")
    return out


def _period(ts: pd.Series, freq: str) -> pd.Series:
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None) if ts.dt.tz is not None else ts
    return naive.dt.to_period(freq)


def _via_ticket(src: pd.DataFrame, col: str, ids: pd.Series) -> pd.Series:
    """Values of ``src[col]`` looked up by ``ticket_id`` for ``ids``."""
    m = src[col]
    out = map_first(ids, src["ticket_id"], m)
    if isinstance(m.dtype, pd.CategoricalDtype) and not isinstance(out.dtype, pd.CategoricalDtype):
        out = out.astype(m.dtype)
    return out


def _by_values(name: str, t: pd.DataFrame, r: pd.DataFrame, freq: str) -> tuple[pd.Series, pd.Series]:
    in_t, in_r = name in t.columns, name in r.columns
    if not in_t and not in_r and name in PERIODS:
        f = PERIODS[name] or freq
        try:
            return _period(t["created_at"], f), _period(r["responded_at"], f)
        except (ValueError, TypeError) as err:
            raise ValueError(f"`freq` {f!r} is not a pandas period frequency (use 'W', 'M', 'Q' or 'Y')") from err
    if not in_t and not in_r:
        raise ValueError(f"`by` column {name!r} is in neither the tickets nor the responses table; "
                         f"give a column of the tables (e.g. 'channel', 'segment') or one of "
                         f"{', '.join(repr(p) for p in PERIODS)}")
    vt = t[name] if in_t else _via_ticket(r, name, t["ticket_id"])
    vr = r[name] if in_r else _via_ticket(t, name, r["ticket_id"])
    return vt, vr


def _categories(vt: pd.Series, vr: pd.Series) -> pd.Index:
    cats = [s.cat.categories for s in (vt, vr) if isinstance(s.dtype, pd.CategoricalDtype)]
    periods = [s for s in (vt, vr) if isinstance(s.dtype, pd.PeriodDtype)]
    if periods:
        both = pd.concat([s.dropna() for s in periods])
        if both.empty:
            return pd.PeriodIndex([], freq=periods[0].dtype.freq)
        return pd.period_range(both.min(), both.max(), freq=periods[0].dtype.freq)
    observed = pd.Index(pd.concat([vt.dropna().astype("object"), vr.dropna().astype("object")]).unique())
    if cats:
        base = cats[0]
        for c in cats[1:]:
            base = base.append(c.difference(base))
        extra = observed.difference(base) if len(observed) else observed
        return base.append(extra) if len(extra) else base
    try:
        return observed.sort_values()
    except TypeError:
        return observed


def _codes(v: pd.Series, cats: pd.Index) -> np.ndarray:
    if isinstance(v.dtype, pd.CategoricalDtype):
        return v.cat.set_categories(cats).cat.codes.to_numpy(dtype=np.int64)
    if isinstance(v.dtype, pd.PeriodDtype):
        return np.asarray(cats.get_indexer(pd.PeriodIndex(v)), dtype=np.int64)
    return np.asarray(cats.get_indexer(pd.Index(v.astype("object"))), dtype=np.int64)


def _levels(cols: list[str], seen: list[dict[str, tuple[pd.Series, pd.Series]]]) -> list[pd.Index]:
    """Every ``by`` column's categories (:func:`_categories`) from each part's distinct values."""
    out = []
    for name in cols:
        vt = pd.concat([p[name][0] for p in seen], ignore_index=True)
        vr = pd.concat([p[name][1] for p in seen], ignore_index=True)
        out.append(_categories(vt, vr))
    return out


def _check_groups(cols: list[str], levels: list[pd.Index]) -> int:
    shape = tuple(len(c) for c in levels)
    G = int(np.prod(shape)) if shape else 1
    if G > _MAX_GROUPS:
        raise ValueError(f"grouping by {cols} gives {G:,} groups (every combination of "
                         f"{' x '.join(str(len(c)) for c in levels)} values); group by fewer or coarser columns")
    return G


def _group_codes(cols: list[str], levels: list[pd.Index], t: pd.DataFrame, r: pd.DataFrame,
                 freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Each ticket's and response's group (-1: a missing value) among every combination of ``levels``."""
    shape = tuple(len(c) for c in levels)
    G = int(np.prod(shape))
    ct, cr = [], []
    for name, cats in zip(cols, levels):
        vt, vr = _by_values(name, t, r, freq)
        ct.append(_codes(vt, cats))
        cr.append(_codes(vr, cats))

    def combine(codes: list[np.ndarray], n: int) -> np.ndarray:
        if G == 0:
            return np.full(n, -1, np.int64)
        ok = np.all(np.vstack(codes) >= 0, axis=0) if n else np.zeros(0, bool)
        out = np.full(n, -1, np.int64)
        if ok.any():
            out[ok] = np.ravel_multi_index(tuple(c[ok] for c in codes), shape)
        return out

    return combine(ct, len(t)), combine(cr, len(r))


# --------------------------------------------------------------------------- computation
def _scale(x: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """The scale's ends, widened to the data where answers fall outside it (the interval stays on the data)."""
    f = x[np.isfinite(x)]
    if not len(f):
        return low, high
    return min(low, float(f.min())), max(high, float(f.max()))


#: The metrics from moments of 0/1 values: metric -> (table, the 0/1 value, the rows it is defined on).
_SHARES: dict[str, tuple[str, str, str]] = {
    "csat_top2": ("r", "top2", "csat_known"),
    "bad_rating_share": ("t", "bad", "rated"),
    "rating_response_rate": ("t", "rated", "offered"),
    "reopen_rate": ("t", "reopened", "known"),
    "fcr": ("t", "first_time", "fcr_ok"),
}
#: The means of bounded scores: metric -> (survey column, the scale's usual ends).
_MEANS: dict[str, tuple[str, tuple[float, float]]] = {"csat_mean": ("csat", (1.0, 5.0)), "ces_mean": ("ces", (1.0, 7.0))}
_MOMENTS: tuple[str, ...] = (*_MEANS, "nps", *_SHARES)
#: The quantiles: measure -> (ticket column, quantiles, their metrics).
_QUANTILES: dict[str, tuple[str, tuple[float, ...], tuple[str, ...]]] = {
    "first_reply": ("first_reply_minutes", (0.5, 0.9), ("first_reply_p50", "first_reply_p90")),
    "resolution": ("resolution_minutes", (0.5, 0.9), ("resolution_p50", "resolution_p90")),
}


def _numbers(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


class MetricsPart(HoldsArrays):
    """One partition's share of :func:`service_metrics`: what the combining step asks of it, in rounds.

    Built from a partition's tickets and the responses placed with them
    (:func:`csanalysis.partition.split_customers` with the analysis's
    sampling unit, so that no unit spans partitions); :func:`service_metrics`
    on one machine is the same with the whole tables as the only part. Every
    answer is a count, a sum or a sum over units (additive over partitions);
    the quantiles are found by :func:`csanalysis.stats.selection.select` from
    counts. Methods are called in order: :meth:`first`, :meth:`codes`,
    :meth:`centred`, then the quantile rounds.
    """

    def __init__(self, tickets: pd.DataFrame | None, responses: pd.DataFrame | None = None, *,
                 by: str | list[str] | None = None, freq: str = "M", include_agent_initiated: bool = False,
                 cluster: str | None = "customer") -> None:
        self.cols = _as_list(by)
        self.freq, self.cluster = freq, cluster
        t = t_all = _table(tickets, "tickets")
        r = _table(responses, "responses")
        _check_cluster(cluster, t, r)
        if not include_agent_initiated:  # the rows of customer-initiated tickets, with only the columns read below
            keep = [c for c in t.columns if c in _TICKET_COLUMNS_READ or c in self.cols or c == cluster]
            t = t.loc[~agent_initiated(t), keep].reset_index(drop=True)
        self.t, self.r = t, r
        via = [c for c in ("ticket_id", *CUSTOMER_COLUMNS, *([cluster] if cluster else [])) if c in t_all.columns]
        self.t_all = t_all[list(dict.fromkeys(via))]  # (a response's unit through its ticket)
        csat, nps, ces = _numbers(r["csat"]), _numbers(r["nps"]), _numbers(r["ces"])
        rating = pd.Series(rating_from_score(t["rating_score"], said=t["rating"]), index=t.index)
        rated = rating.notna().to_numpy()
        offered = t["rating_offered"].fillna(False).to_numpy(dtype=bool)
        status = t["status"].astype("str").str.lower()
        solved = (t["solved_at"].notna() | status.isin(SOLVED_STATUSES).fillna(False)).to_numpy(dtype=bool)
        reopens = _numbers(t["reopens"])
        known = solved & np.isfinite(reopens)
        with np.errstate(invalid="ignore"):
            reopened = reopens >= 1
            first_time = reopens == 0
        fcr_ok = known & ~agent_initiated(t)
        if "replies" in t.columns:
            replies = _numbers(t["replies"])
            fcr_ok &= np.isfinite(replies)
            with np.errstate(invalid="ignore"):
                first_time = first_time & (replies <= 1)
        self.values: dict[str, np.ndarray] = {
            "csat": csat, "nps": nps, "ces": ces, "csat_known": np.isfinite(csat), "top2": csat >= 4,
            "bad": (rating.astype("object") == "bad").fillna(False).to_numpy(dtype=bool), "rated": rated,
            "offered": offered, "reopened": reopened, "known": known, "first_time": first_time, "fcr_ok": fcr_ok}
        self.times = {m: _numbers(t[col]) for m, (col, _, _) in _QUANTILES.items()}

    # -- round 1: what every part must agree on
    def first(self) -> dict[str, Any]:
        """The customer columns each table fills, the ``by`` columns' distinct values, the scores' ranges."""
        by = {}
        for name in self.cols:
            vt, vr = _by_values(name, self.t, self.r, self.freq)
            by[name] = (vt.dropna().drop_duplicates(), vr.dropna().drop_duplicates())
        return {"customer": filled_customer_columns(self.t), "customer_r": filled_customer_columns(self.r),
                "by": by, **{k: finite_range(self.values[k]) for k in ("csat", "nps", "ces")}}

    # -- round 2: groups and units, then counts and sums
    def codes(self, *, levels: list[pd.Index], customer: str | None, customer_r: str | None,
              bounds: dict[str, tuple[float, float]]) -> dict[tuple[str, int], tuple[np.ndarray, ...]]:
        """Fix the groups (``levels``: every ``by`` column's categories), the units and the scales' ends;
        return per metric and grouping (0 overall, 1 by the columns) the rows, sums and counts behind the
        estimate, and the values per group of each quantile's measure."""
        nt, nr = len(self.t), len(self.r)
        self.groupings = [(np.zeros(nt, np.int64), np.zeros(nr, np.int64), 1)]
        if self.cols:
            gt, gr = _group_codes(self.cols, levels, self.t, self.r, self.freq)
            self.groupings.append((gt, gr, int(np.prod([len(c) for c in levels]))))
        ids_t, self.how_t = sampling_units(self.t, self.cluster, row_id="ticket_id", via=self.r, customer=customer)
        ids_r, self.how_r = sampling_units(self.r, self.cluster, row_id="response_id", via=self.t_all,
                                           customer=customer_r)
        ut, ur = as_units(ids_t), as_units(ids_r)
        v = self.values
        self.rows: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # (y, groups, units)
        extra: dict[tuple[str, int], tuple[np.ndarray, ...]] = {}  # the estimates' own sums, where not S
        out: dict[tuple[str, int], tuple[np.ndarray, ...]] = {}
        for k, (gt, gr, G) in enumerate(self.groupings):
            for m, (col, _) in _MEANS.items():  # the scores rescaled to [0, 1]; the mean from their own sum
                x, (a, b) = v[col], bounds[m]
                ok = np.isfinite(x) & (gr >= 0)
                self.rows[m, k] = ((x[ok] - a) / (b - a), gr[ok], ur.codes[ok])
                extra[m, k] = (np.bincount(gr[ok], weights=x[ok], minlength=G),)
            x = v["nps"]  # +1 / 0 / -1 rescaled to [0, 1]; the score from promoters and detractors
            ok = np.isfinite(x) & (gr >= 0)
            pro, det = (x[ok] >= 9).astype(float), (x[ok] <= 6).astype(float)
            self.rows["nps", k] = ((pro - det + 1.0) / 2.0, gr[ok], ur.codes[ok])
            extra["nps", k] = (np.bincount(gr[ok], weights=pro, minlength=G),
                               np.bincount(gr[ok], weights=det, minlength=G))
            for m, (table, success, eligible) in _SHARES.items():
                g, u = (gt, ut) if table == "t" else (gr, ur)
                ok = v[eligible] & (g >= 0)
                self.rows[m, k] = (v[success][ok].astype(float), g[ok], u.codes[ok])
            out["tickets", k] = (np.bincount(gt[gt >= 0], minlength=G).astype(float),)
        for key, (y, g, _) in self.rows.items():  # (rows, sum of y, the estimate's own sums)
            G = self.groupings[key[1]][2]
            out[key] = (np.bincount(g, minlength=G).astype(float), np.bincount(g, weights=y, minlength=G),
                        *extra.get(key, ()))
        # the quantiles' values: one sorted set with a group per (measure, grouping, group)
        xs, gs, self.offsets = [], [], {}
        at = 0
        for name, x in self.times.items():
            for k, (gt, _, G) in enumerate(self.groupings):
                self.offsets[name, k] = at
                xs.append(x)
                gs.append(np.where(gt >= 0, gt + at, -1))
                at += G
        self.sorted = ClusteredQuantiles(np.concatenate(xs), np.concatenate(gs), at,
                                         Units(np.tile(ut.codes, len(xs)), ut.ids))
        out["quantiles", 0] = (self.sorted.counts(),)
        return out

    def centred(self, *, means: dict[tuple[str, int], np.ndarray]) -> dict[tuple[str, int], tuple[np.ndarray, ...]]:
        """:func:`~csanalysis.stats.clustered.centred_cluster_sums` of every moment metric around ``means``."""
        return {key: centred_cluster_sums(y, g, u, self.groupings[key[1]][2], means[key])
                for key, (y, g, u) in self.rows.items()}

    def how(self) -> tuple[str, str]:
        """The words for the tickets' and the responses' sampling units (after :meth:`codes`)."""
        return self.how_t, self.how_r

    # -- the quantiles' rounds (csanalysis.stats.clustered.woodruff_from_parts)
    def at_most(self, **kw: Any) -> np.ndarray:
        return self.sorted.at_most(**kw)

    def between(self, **kw: Any) -> list[np.ndarray]:
        return self.sorted.between(**kw)

    def below_counts(self, **kw: Any) -> np.ndarray:
        return self.sorted.below_counts(**kw)

    def below_centred(self, **kw: Any) -> list[tuple[np.ndarray, ...]]:
        return self.sorted.below_centred(**kw)


def metrics_from_parts(each: Callable[..., list[Any]], *, by: str | list[str] | None = None,
                       confidence: float = 0.95, cluster: str | None = "customer") -> ServiceMetrics:
    """:func:`service_metrics` combined from partitions (:class:`MetricsPart`), asked in rounds.

    Parameters
    ----------
    each : callable
        ``each(method, **kw)`` calls :class:`MetricsPart` ``method`` with ``kw`` on every partition and
        returns their answers (a list): a loop on one machine, tasks on a cluster (the Dask engine).
    by, confidence, cluster
        As :func:`service_metrics` (the parts were built with the same).

    Returns
    -------
    ServiceMetrics
        The one :func:`service_metrics` gives on the whole tables: counts
        and sums are added up, the units do not span partitions, and the
        quantiles are the exact order statistics (sums of floats in another
        order may differ in the last bits).
    """
    conf = check_confidence(confidence)
    cols = _as_list(by)
    seen = each("first")
    nps_lo = min(p["nps"][0] for p in seen)
    nps_hi = max(p["nps"][1] for p in seen)
    if nps_lo < 0 or nps_hi > 10:
        raise ValueError("NPS answers must lie on the 0-10 scale; found value(s) outside 0..10 "
                         f"(min {nps_lo:g}, max {nps_hi:g}). Rescale the answers to 0-10 first.")
    bounds = {}
    for m, (col, (a, b)) in _MEANS.items():
        lo, hi = min(p[col][0] for p in seen), max(p[col][1] for p in seen)
        bounds[m] = (min(a, lo), max(b, hi))
    levels = _levels(cols, [p["by"] for p in seen])
    G = _check_groups(cols, levels)
    customer = customer_column(p["customer"] for p in seen)
    customer_r = customer_column(p["customer_r"] for p in seen)
    sums = sum_parts(each("codes", levels=levels, customer=customer, customer_r=customer_r, bounds=bounds))
    means = {key: ratio(sums[key][1], sums[key][0]) for key in ((m, k) for m in _MOMENTS for k in range(1 + bool(cols)))}
    centred = sum_parts(each("centred", means=means))
    res: list[dict[str, tuple[np.ndarray, ...]]] = [{} for _ in range(1 + bool(cols))]
    for (m, k), (N, S, *extra) in ((key, sums[key]) for key in means):
        clusters, ss, rows_ss = centred[m, k]
        lo01, hi01 = bounded_interval(N, S, clusters, *cluster_variances(N, clusters, ss, rows_ss), conf)
        if m in _MEANS:
            a, b = bounds[m]
            est = ratio(extra[0], N)
            lo, hi = np.minimum(a + (b - a) * lo01, est), np.maximum(a + (b - a) * hi01, est)
        elif m == "nps":
            with np.errstate(divide="ignore", invalid="ignore"):
                est = np.where(N == 0, np.nan, 100 * (extra[0] / N - extra[1] / N))
            lo = np.where(N == 0, np.nan, np.minimum(100.0 * (2.0 * lo01 - 1.0), est))
            hi = np.where(N == 0, np.nan, np.maximum(100.0 * (2.0 * hi01 - 1.0), est))
        else:
            est, lo, hi = ratio(S, N), lo01, hi01
        res[k][m] = (est, lo, hi, N)
    for k in range(len(res)):
        n_t = sums["tickets", k][0]
        res[k]["tickets"] = (n_t, np.full(len(n_t), np.nan), np.full(len(n_t), np.nan), n_t)
    _quantiles(each, sums["quantiles", 0][0], res, [1] + ([G] if cols else []), conf)
    how_t, how_r = _how(each)
    methods = {m: (b if b == COUNT else f"{b}; {how_r if m in _SURVEY_METRICS else how_t}") for m, b in METHODS.items()}
    overall = _long(res[0], None, methods)
    table = _long(res[1], pd.MultiIndex.from_product(levels, names=cols), methods) if cols else overall.copy()
    return ServiceMetrics(table=table, overall=overall, by=tuple(cols), confidence=conf, methods=methods,
                          cluster=cluster)


def _how(each: Callable[..., list[Any]]) -> tuple[str, str]:
    """The words for the sampling units (the same in every part: they name the unit, not the rows)."""
    return each("how")[0]


def _quantiles(each: Callable[..., list[Any]], cnt: np.ndarray, res: list[dict], sizes: list[int],
               conf: float) -> None:
    """The quantile metrics (Woodruff's intervals, as :func:`~csanalysis.stats.clustered.clustered_quantile_ci`)
    into ``res``, every measure and grouping at once (:func:`~csanalysis.stats.clustered.woodruff_from_parts`)."""
    qs = next(iter(_QUANTILES.values()))[1]
    est, low, high = woodruff_from_parts(each, cnt, qs, conf)
    N = cnt.astype(float)
    for name, (_, _, metrics) in _QUANTILES.items():
        for k, size in enumerate(sizes):
            off = _offset(name, k, sizes)
            sl = slice(off, off + size)
            for i, m in enumerate(metrics):
                res[k][m] = (est[i, sl], low[i, sl], high[i, sl], N[sl])


def _offset(name: str, k: int, sizes: list[int]) -> int:
    """Where measure ``name``'s grouping ``k`` begins among the quantiles' groups (as :meth:`MetricsPart.codes`
    lays them out)."""
    at = 0
    for other in _QUANTILES:
        for j, size in enumerate(sizes):
            if (other, j) == (name, k):
                return at
            at += size
    raise KeyError(name)


def _long(res: dict[str, tuple[np.ndarray, ...]], index: pd.MultiIndex | None,
          methods: dict[str, str]) -> pd.DataFrame:
    M = len(METRICS)
    vals = np.vstack([np.asarray(res[m][0], float) for m in METRICS])  # (M, G)
    G = vals.shape[1]
    stack = lambda i: np.vstack([np.asarray(res[m][i], float) for m in METRICS]).T.ravel()
    cols: dict[str, Any] = {}
    if index is not None:
        for j, name in enumerate(index.names):
            level = index.get_level_values(j)
            cols[name] = level.repeat(M)
    n = stack(3)
    cols.update({
        "metric": np.tile(np.array(METRICS, dtype=object), G),
        "value": vals.T.ravel(),
        "ci_low": stack(1),
        "ci_high": stack(2),
        "n": n.astype(np.int64),
        "method": np.tile(np.array([methods[m] for m in METRICS], dtype=object), G),
    })
    out = pd.DataFrame(cols)
    out["metric"] = out["metric"].astype("str")
    out["method"] = out["method"].astype("str")
    return out


# --------------------------------------------------------------------------- result
@dataclass(repr=False)
class ServiceMetrics(Result):
    """Service metrics with confidence intervals (see :func:`service_metrics`).

    Attributes
    ----------
    table : DataFrame
        Long table ``[<by...>, metric, value, ci_low, ci_high, n, method]``,
        one row per group and metric (overall rows when there is no ``by``).
    overall : DataFrame
        The same metrics over all rows, ``[metric, value, ci_low, ci_high, n,
        method]``.
    by : tuple of str
        The grouping columns.
    confidence : float
        Confidence level of the intervals.
    methods : dict
        Metric -> interval method, with the sampling unit.
    cluster : str or None
        The ``cluster`` option used (``"customer"``, ``"account_id"``, ...).
    """

    table: pd.DataFrame
    overall: pd.DataFrame
    by: tuple[str, ...] = ()
    confidence: float = 0.95
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))
    methods: dict[str, str] = field(default_factory=lambda: dict(METHODS))
    cluster: str | None = "customer"

    @property
    def title(self) -> str:  # type: ignore[override]
        by = f" by {', '.join(self.by)}" if self.by else ""
        return f"Service metrics{by} ({self.confidence:.0%} intervals)"

    def __repr__(self) -> str:
        g = f", {self.table.shape[0] // len(METRICS)} groups" if self.by else ""
        return f"<ServiceMetrics by={list(self.by)}{g}, confidence={self.confidence}>"

    def summary(self) -> pd.DataFrame:
        """The tidy long table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: by, confidence, definitions, summary and overall records."""
        tab = self.table.copy()
        for b in self.by:
            if isinstance(tab[b].dtype, pd.PeriodDtype):
                tab[b] = tab[b].astype("str")
            elif isinstance(tab[b].dtype, pd.CategoricalDtype):
                tab[b] = tab[b].astype("object")
        return {"by": list(self.by), "confidence": self.confidence,
                "methods": dict(self.methods), "definitions": dict(self.definitions),
                "summary": frame_records(tab), "overall": frame_records(self.overall)}

    def _check_metric(self, metric: str) -> None:
        if metric not in METHODS:
            raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")

    def get(self, metric: str, group: Any = None) -> dict[str, Any]:
        """One metric as a JSON-ready dict.

        Parameters
        ----------
        metric : str
            One of :data:`METRICS`.
        group : scalar or tuple, optional
            The group's value (a tuple with one value per ``by`` column; a
            period may be given as text such as ``"2024-03"``). ``None`` gives
            the overall value.

        Returns
        -------
        dict
            ``metric, value, ci_low, ci_high, n, method`` (and the ``by``
            values).
        """
        self._check_metric(metric)
        if group is None:
            row = self.overall.loc[self.overall["metric"] == metric]
            return jsonable(row.iloc[0].to_dict())
        if not self.by:
            raise ValueError("these metrics are not grouped; call get(metric) without `group`")
        want = group if isinstance(group, tuple) else (group,)
        if len(want) != len(self.by):
            raise ValueError(f"`group` needs one value per by-column {list(self.by)}, got {len(want)}")
        mask = (self.table["metric"] == metric).to_numpy(dtype=bool, copy=True)
        for b, w in zip(self.by, want):
            mask &= (self.table[b].astype("str") == str(w)).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            have = self.table.loc[self.table["metric"] == metric, list(self.by)].astype("str")
            shown = ", ".join(map(str, have.head(10).itertuples(index=False, name=None)))
            raise ValueError(f"no group {want} among the groups of {list(self.by)} (first few: {shown})")
        row = self.table.loc[mask].iloc[0].to_dict()
        return jsonable({k: (str(v) if isinstance(v, pd.Period) else v) for k, v in row.items()})

    def plot(self, ax: Any = None, metric: str = "csat_mean") -> Any:
        """One metric per group with its interval (see :func:`csanalysis.plotting.plot_service_metrics`)."""
        from csanalysis.plotting.metrics import plot_service_metrics
        return plot_service_metrics(self, ax=ax, metric=metric)


# --------------------------------------------------------------------------- entry point
def _check_cluster(cluster: Any, t: pd.DataFrame, r: pd.DataFrame) -> None:
    if cluster is not None and not isinstance(cluster, str):
        raise TypeError(f"`cluster` must be a column name ('customer', 'account_id', ...) or None, not {cluster!r}")
    if cluster not in (None, "customer", "account_id") and cluster not in t.columns and cluster not in r.columns:
        raise ValueError(f"`cluster` column {cluster!r} is in neither the tickets nor the responses table; use "
                         "'customer', 'account_id', a column of the tables or None")


def _table(df: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if df is None:
        return conform(pd.DataFrame(), name)
    check_frame(df, name)
    return conform(df, name).reset_index(drop=True)


def service_metrics(
    tickets: pd.DataFrame | None,
    responses: pd.DataFrame | None = None,
    *,
    by: str | list[str] | None = None,
    confidence: float = 0.95,
    freq: str = "M",
    include_agent_initiated: bool = False,
    cluster: str | None = "customer",
) -> ServiceMetrics:
    """Service metrics with confidence intervals, overall and by group.

    Parameters
    ----------
    tickets : DataFrame or None
        Canonical tickets table (:mod:`csanalysis.schema`).
    responses : DataFrame, optional
        Canonical survey responses.
    by : str or list of str, optional
        Grouping column(s), e.g. ``"channel"``, ``"segment"`` or
        ``["channel", "month"]``. ``"week"``, ``"month"``, ``"quarter"``,
        ``"year"`` (and ``"period"``, which uses ``freq``) derive the period
        from ``created_at`` (tickets) / ``responded_at`` (responses) unless
        the tables have a column of that name. A column only one table has is
        carried to the other through ``ticket_id``. Every combination of the
        groups' values is reported (all categories of a categorical such as
        ``channel``; every period between the first and the last), so empty
        groups show ``n = 0`` and NaN values. Rows whose group value is
        missing count only in the overall figures.
    confidence : float, default 0.95
        Confidence level of the intervals.
    freq : str, default "M"
        Period frequency for ``by="period"``.
    include_agent_initiated : bool, default False
        Count agent-initiated (outbound) tickets in the ticket metrics.
    cluster : str or None, default "customer"
        The sampling unit of the intervals (see :func:`sampling_units`):
        ``"customer"`` (the linked ``customer`` column, else ``customer_id``,
        else ``email_key``; every row its own cluster when the tables have
        none), ``"account_id"`` (accounts, e.g. Zendesk organisations;
        responses through their ticket; customers where a row has no
        account), another column name, or ``None`` (rows independent).
        Point estimates do not depend on it.

    Returns
    -------
    ServiceMetrics
        ``.summary()`` gives ``[<by...>, metric, value, ci_low, ci_high, n,
        method]``; see the module docstring for each metric's definition.

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": ["1", "2", "3", "4"],
    ...     "created_at": ["2024-01-05", "2024-01-09", "2024-02-01", "2024-02-03"],
    ...     "channel": ["email", "chat", "email", "email"],
    ...     "rating": ["bad", "good", "good", None]}), "tickets")
    >>> m = service_metrics(t, by="channel")
    >>> m.get("bad_rating_share", "email")["value"]
    0.5
    >>> m.get("bad_rating_share", "phone")["n"]
    0
    >>> r = m.get("bad_rating_share")
    >>> round(r["ci_high"], 4), r["method"]
    (0.9562, 'cluster-robust Wilson-type interval; each row its own cluster (no customer id)')

    The same tickets from two customers (``customer``, as linking writes
    it): customer ``a`` gave both email tickets, so the email share rests on
    one customer and has no interval.

    >>> t2 = t.assign(customer=["a", "b", "a", "c"])
    >>> e = service_metrics(t2, by="channel").get("bad_rating_share", "email")
    >>> e["value"], e["ci_low"], e["method"]
    (0.5, None, 'cluster-robust Wilson-type interval; customers as clusters')
    """
    conf = check_confidence(confidence)
    if tickets is None and responses is None:
        raise ValueError("give a tickets table, a responses table or both")
    part = MetricsPart(tickets, responses, by=by, freq=freq, include_agent_initiated=include_agent_initiated,
                       cluster=cluster)
    return metrics_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], by=by, confidence=conf,
                              cluster=cluster)
