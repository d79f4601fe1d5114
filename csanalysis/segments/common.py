"""Helpers shared by the segment modules: customer keys, times, follow-up and share tables.

One definition of each step the segmentations share:

* :func:`with_customer`, :func:`link_pair`: give tables one ``customer`` key
  (linking with :func:`csanalysis.link.link_customers` when they have none);
* :func:`as_utc`, :func:`utc_as_of`: timestamps in UTC;
* :func:`purchases`, :func:`prepare_experiences`, :func:`link_activity_to`:
  the purchase and experience tables the journeys, levels and clusters use;
* :func:`follow_up`, :func:`outcome_table`: what customers did within a
  window after an index date (complete follow-up only), and the rates per
  segment;
* :func:`share_table`, :func:`share_counts`: share of customers per segment with Wilson intervals;
* :func:`segment_codes`: integer codes of a segment column.

Examples
--------
>>> share_table(pd.Series(["a", "b", "a"]), ["a", "b", "c"], 0.95)[["segment", "n", "share"]]
  segment  n     share
0       a  2  0.666667
1       b  1  0.333333
2       c  0  0.000000
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis.checks import check_frame, parse_as_of
from csanalysis.link import link_customers
from csanalysis.stats.arrays import factorize
from csanalysis.stats.intervals import wilson_ci

__all__ = ["DAY", "Key", "STR", "as_utc", "follow_up", "link_activity_to", "link_pair", "outcome_counts",
           "outcome_table", "outcome_table_from_counts", "prepare_experiences", "purchases", "segment_codes",
           "share_counts", "share_table", "utc_as_of", "with_customer"]

#: Linking key for tables without a ``customer`` column.
Key = Literal["auto", "customer_id", "email_key"]
#: The string dtype of customer keys and labels (missing = NaN).
STR = pd.StringDtype(na_value=np.nan)
#: One day.
DAY = pd.Timedelta(days=1)


# =========================================================================== customer keys
def with_customer(df: pd.DataFrame, table: str, customer: str, key: Key) -> pd.DataFrame:
    """``df`` with a string ``customer`` column (linking the table on its own when needed).

    Parameters
    ----------
    df : DataFrame
    table : str
        The table's name (``"activity"``, ``"tickets"``, ...).
    customer : str
        Name of its customer column; ``"customer"`` links a table without one.
    key : {"auto", "customer_id", "email_key"}
        Linking key.

    Returns
    -------
    DataFrame
    """
    check_frame(df, table)
    if customer in df.columns:
        out = df if customer == "customer" else df.assign(customer=df[customer])
    elif customer != "customer":
        raise ValueError(f"{table} has no column {customer!r}; pass the name of its customer column as "
                         "customer=, or leave customer='customer' to link the table with link_customers.")
    else:
        out = getattr(link_customers(**{table: df}, key=key), table)
    return out.assign(customer=out["customer"].astype(STR))


def link_pair(a: pd.DataFrame, a_name: str, b: pd.DataFrame, b_name: str,
              customer: str, key: Key) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give two tables one customer key: link together when neither has one, else separately.

    Raises ``ValueError`` when the two tables end up sharing no customer at all
    (typically one was linked on customer ids and the other on e-mail keys).
    """
    check_frame(a, a_name)
    check_frame(b, b_name)
    has_a, has_b = customer in a.columns, customer in b.columns
    if not has_a and not has_b and customer == "customer":
        ld = link_customers(**{a_name: a, b_name: b}, key=key)
        a2, b2 = getattr(ld, a_name), getattr(ld, b_name)
        return (a2.assign(customer=a2["customer"].astype(STR)),
                b2.assign(customer=b2["customer"].astype(STR)))
    a2 = with_customer(a, a_name, customer, key)
    b2 = with_customer(b, b_name, customer, key)
    if not (has_a and has_b):
        ka, kb = a2["customer"].dropna(), b2["customer"].dropna()
        if len(ka) and len(kb) and not ka.isin(kb.unique()).any():
            raise ValueError(
                f"{a_name} and {b_name} share no customer: one table was linked here on its own and its "
                "customer keys do not match the other's (customer ids against e-mail keys?). Link both "
                f"with csanalysis.link.link_customers(...) first, or pass key='customer_id' / 'email_key'.")
    return a2, b2


def segment_codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row's segment (-1 when missing) and the segments.

    Every category of a categorical column is a segment (in category order);
    other columns are factorised, sorted when the values can be sorted.

    Examples
    --------
    >>> codes, levels = segment_codes(pd.Series(["web", "chat", None, "web"]))
    >>> codes.tolist(), list(levels)
    ([1, 0, -1, 1], ['chat', 'web'])
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(dtype=np.int64), pd.Index(s.cat.categories)
    try:
        codes, uniques = pd.factorize(s, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(s, sort=False)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


# =========================================================================== times
def as_utc(s: pd.Series, what: str) -> pd.Series:
    """``s`` as ``datetime64[ns, UTC]`` (naive times are taken as UTC); ``what`` names it in errors."""
    try:
        out = pd.to_datetime(s, utc=True).astype("datetime64[ns, UTC]")
    except (TypeError, ValueError):
        raise ValueError(f"{what} must hold timestamps (canonical tables carry UTC datetimes).") from None
    return out


def utc_as_of(value: Any, default: pd.Timestamp) -> pd.Timestamp:
    """The end of observation: ``value`` as a UTC timestamp, or ``default`` when ``value`` is None.

    A date without a time of day means the end of that day, as in :func:`cs.analyse <csanalysis.analyse>`
    (see :func:`csanalysis.checks.parse_as_of`).

    Examples
    --------
    >>> utc_as_of("2024-06-30", pd.Timestamp("2025-01-01", tz="UTC"))
    Timestamp('2024-06-30 23:59:59.999999999+0000', tz='UTC')
    """
    ts = parse_as_of(value)
    return default if ts is None else ts


# =========================================================================== tables
def share_table(labels: pd.Series, order: tuple[str, ...] | list[str], confidence: float) -> pd.DataFrame:
    """``segment, n, share, share_ci_low, share_ci_high`` (Wilson) for every segment in ``order``."""
    counts = labels.value_counts().reindex(list(order), fill_value=0).astype("int64")
    return share_counts(counts.to_numpy(), order, confidence)


def share_counts(n: np.ndarray, order: tuple[str, ...] | list[str], confidence: float) -> pd.DataFrame:
    """:func:`share_table` from the number of customers in each segment of ``order`` (of the whole table, or
    summed over partitions of customers)."""
    n = np.asarray(n, dtype=np.int64)
    total = int(n.sum())
    share = n / total if total else np.full(n.shape, np.nan)
    lo, hi = wilson_ci(n, np.full(n.shape, total), confidence)
    return pd.DataFrame({
        "segment": pd.Series(list(order), dtype=STR), "n": n, "share": share,
        "share_ci_low": np.atleast_1d(lo), "share_ci_high": np.atleast_1d(hi),
    })


def purchases(activity: pd.DataFrame) -> pd.DataFrame:
    """``customer, at`` of the purchases with both, sorted by time."""
    if "at" not in activity.columns:
        raise ValueError("activity has no 'at' column (purchase time); read it with a csanalysis reader "
                         "or name the column 'at'.")
    p = pd.DataFrame({"customer": activity["customer"].astype(STR),
                      "at": as_utc(activity["at"], "activity 'at'")})
    return p.dropna().sort_values("at", kind="stable").reset_index(drop=True)


def prepare_experiences(experiences: pd.DataFrame) -> pd.DataFrame:
    """``customer, at, bad, good`` of :func:`csanalysis.experiences.experiences` output (good excludes bad).

    ``at`` is when the experience became known (``known_at``: a ticket's solved time, an answer's recorded
    time), falling back on ``at`` where the table has no ``known_at`` or it is missing: no group is defined by
    an experience before anyone could know whether it was bad or good.
    """
    check_frame(experiences, "experiences")
    missing = [c for c in ("customer", "at", "bad") if c not in experiences.columns]
    if missing:
        raise ValueError(f"experiences lacks column(s) {', '.join(missing)}; build it with "
                         "csanalysis.experiences.experiences(tickets, responses).")

    def flag(name: str) -> pd.Series:
        if name not in experiences.columns:
            return pd.Series(False, index=experiences.index)
        return experiences[name].astype("boolean").fillna(False).astype(bool)

    at = as_utc(experiences["at"], "experiences 'at'")
    if "known_at" in experiences.columns:
        at = as_utc(experiences["known_at"], "experiences 'known_at'").fillna(at)
    e = pd.DataFrame({"customer": experiences["customer"].astype(STR), "at": at,
                      "bad": flag("bad"), "good": flag("good")})
    e["good"] &= ~e["bad"]
    return e


def link_activity_to(exp: pd.DataFrame, activity: pd.DataFrame, customer: str, key: Key) -> pd.DataFrame:
    """``activity`` with a ``customer`` column; when it had to be linked here, check it meets ``exp``."""
    linked_here = customer not in activity.columns
    act = with_customer(activity, "activity", customer, key)
    if not linked_here:
        return act
    ke, ka = exp["customer"].dropna(), act["customer"].dropna()
    if len(ke) and len(ka) and not ka.isin(ke.unique()).any():
        raise ValueError("experiences and activity share no customer: activity was linked here on its own "
                         "and its keys do not match the experiences' (customer ids against e-mail keys?). "
                         "Link the tables together with csanalysis.link.link_customers(...) first, or pass "
                         "key='customer_id' / key='email_key'.")
    return act


# =========================================================================== follow-up
def follow_up(index: pd.DataFrame, purchases: pd.DataFrame, *, window: float,
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
    codes, _ = factorize(pd.concat([index["customer"].astype(STR), p["customer"]], ignore_index=True))
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
    next_at.iloc[nxt["_row"].to_numpy()] = nxt["_next"].array
    prior[prv["_row"].to_numpy()] = prv["_prev"].notna().to_numpy()
    idx_at = q["index_at"]
    follow = ((end - idx_at) / DAY).to_numpy(dtype=float, na_value=np.nan)
    to_next = ((next_at - idx_at) / DAY).to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        followed = follow >= window
        repeat = to_next <= window
    return pd.DataFrame({"follow_days": follow, "followed": followed, "prior_purchase": prior,
                         "next_purchase_at": next_at.array, "days_to_next": to_next,
                         "repeat": repeat}, index=index.index)


def outcome_table(table: pd.DataFrame, group: str, order: list[str] | tuple[str, ...],
                  confidence: float) -> pd.DataFrame:
    """Shares and followed outcome rates (repeat, avoid, lapse) per group, with Wilson intervals."""
    return outcome_table_from_counts(outcome_counts(table, group, order), order, confidence)


def outcome_counts(table: pd.DataFrame, group: str, order: list[str] | tuple[str, ...]) -> dict[str, np.ndarray]:
    """What :func:`outcome_table` counts per group of ``order``: customers (``n``), followed (``followed``),
    repeating among them (``repeat``), with a prior purchase (``prior``) and lapsed among those (``lapse``).
    Counts of disjoint sets of customers add up to their union's.

    >>> t = pd.DataFrame({"g": ["a", "a", "b"], "followed": [True, False, True], "repeat": [True, False, False],
    ...                   "prior_purchase": [True, True, True]})
    >>> {k: v.tolist() for k, v in outcome_counts(t, "g", ["a", "b"]).items()}
    {'n': [2, 1], 'followed': [1, 1], 'repeat': [1, 0], 'prior': [1, 1], 'lapse': [0, 1]}
    """
    n = table[group].astype("object").value_counts().reindex(list(order), fill_value=0).to_numpy(dtype=np.int64)
    f = table.loc[table["followed"]]
    g = f.groupby(table[group].astype("object").loc[f.index], sort=False)
    n_f = g.size().reindex(list(order), fill_value=0).to_numpy(dtype=np.int64)
    k_rep = g["repeat"].sum().reindex(list(order), fill_value=0).to_numpy(dtype=np.int64)
    pr = f.loc[f["prior_purchase"]]
    gp = pr.groupby(table[group].astype("object").loc[pr.index], sort=False)
    n_p = gp.size().reindex(list(order), fill_value=0).to_numpy(dtype=np.int64)
    k_lapse = (gp.size() - gp["repeat"].sum()).reindex(list(order), fill_value=0).to_numpy(dtype=np.int64)
    return {"n": n, "followed": n_f, "repeat": k_rep, "prior": n_p, "lapse": k_lapse}


def outcome_table_from_counts(counts: dict[str, np.ndarray], order: list[str] | tuple[str, ...],
                              confidence: float) -> pd.DataFrame:
    """:func:`outcome_table` from :func:`outcome_counts` (of the whole table, or summed over partitions)."""
    n_f, k_rep, n_p, k_lapse = counts["followed"], counts["repeat"], counts["prior"], counts["lapse"]
    out = share_counts(counts["n"], order, confidence)
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
