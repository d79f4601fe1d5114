"""Service experiences and customer timelines.

Two views of the same contacts, as the customer-service literature asks for:

* **problem-centred**: :func:`experiences` gives one row per service contact
  (a customer-initiated ticket with its rating and any survey answer about it,
  or a survey answer that is not about a ticket), each marked ``bad`` /
  ``good`` by an explicit, overridable :class:`BadExperienceRule`;
* **customer-centred**: :func:`timeline` lists every ticket, rating, survey
  answer and purchase of a customer in time order, and
  :func:`customer_summary` condenses it to one row per customer.

Tables are the canonical tables of :mod:`csanalysis.schema`. They are linked
per customer with :func:`csanalysis.link.link_customers` unless every table
given already carries a ``customer`` column. Nothing here copies free text or
e-mail addresses into its output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csanalysis.link import link_customers
from csanalysis.lookup import isin_values
from csanalysis.schema import (
    BAD_THRESHOLD,
    CHANNELS,
    GOOD_THRESHOLD,
    RATINGS,
    agent_initiated,
    conform,
    rating_from_score,
)
from csanalysis.stats.arrays import factorize

__all__ = [
    "COLUMNS_READ",
    "EXPERIENCE_COLUMNS",
    "concat_experiences",
    "KNOWN_FROM",
    "TIMELINE_COLUMNS",
    "TIMELINE_EVENTS",
    "BadExperienceRule",
    "customer_summary",
    "experiences",
    "sort_positions",
    "customer_order",
    "no_experiences",
    "purchases_while_open",
    "timeline",
]

#: Columns of :func:`experiences`, in order.
EXPERIENCE_COLUMNS: tuple[str, ...] = (
    "customer", "experience_id", "ticket_id", "response_id", "at", "channel", "rating",
    "rating_score", "csat", "nps", "ces", "reopens", "first_reply_minutes",
    "resolution_minutes", "bad", "good", "rated", "source", "resolved_at", "known_at", "known_from",
)
#: Values of the ``known_from`` column: which time an experience's ``known_at`` was taken from.
KNOWN_FROM: tuple[str, ...] = ("solved_at", "closed_at", "resolution_minutes", "responded_at", "first_reply_sla",
                               "created_at")
#: Columns of :func:`timeline`, in order.
TIMELINE_COLUMNS: tuple[str, ...] = ("customer", "at", "event", "id", "channel", "detail", "value")
#: Event types of :func:`timeline`, in their tie-breaking order.
TIMELINE_EVENTS: tuple[str, ...] = ("ticket", "rating", "survey", "purchase")

_STR = pd.StringDtype(na_value=np.nan)
_UTC = "datetime64[ns, UTC]"
_CHANNEL = pd.CategoricalDtype(list(CHANNELS))
_RATING = pd.CategoricalDtype(list(RATINGS))

Key = Literal["auto", "customer_id", "email_key"]


# --------------------------------------------------------------------------- the rule
@dataclass(frozen=True)
class BadExperienceRule:
    """What counts as a bad (and a good) service experience.

    The default is the foundation's rating rule: an experience is **bad** when
    the ticket's satisfaction rating is ``bad`` (normalised score <= 0.25,
    i.e. 1-2 of 5) **or** a survey answer about it gives CSAT <= 2 of 5. It is
    **good** when the rating is ``good`` (score >= 0.75) or CSAT >= 4, and it
    is not bad. Every criterion can be switched on or off; the criteria are
    combined with OR.

    Parameters
    ----------
    use_ticket_rating : bool, default True
        Use the helpdesk rating (``rating`` column) for bad and good.
    csat_at_most : float or None, default 2
        CSAT (1-5) at or below this is bad; ``None`` ignores CSAT for bad.
    csat_good_at_least : float or None, default 4
        CSAT at or above this is good (unless the experience is bad).
    ces_at_least : float or None, default None
        Customer effort (1-7, 7 = very difficult) at or above this is bad;
        e.g. ``6`` makes effort 6-7 bad.
    nps_at_most : float or None, default None
        Likelihood to recommend (0-10) at or below this is bad; e.g. ``6``
        makes every detractor a bad experience.
    reopens_at_least : int or None, default None
        A ticket reopened at least this many times is bad; e.g. ``2``.
    first_reply_sla_minutes : float or None, default None
        A ticket whose first reply came later than this many minutes is bad.
    include_agent_initiated : bool, default False
        Count agent-initiated (outbound) tickets as experiences.

    Examples
    --------
    >>> rule = BadExperienceRule(ces_at_least=6, reopens_at_least=2)
    >>> print(rule.describe())  # doctest: +NORMALIZE_WHITESPACE
    An experience is bad when the ticket's satisfaction rating is bad (normalised score <= 0.25,
    e.g. 1-2 of 5), or a survey answer about it gives CSAT 2 or lower (of 5), or customer effort
    6 or higher (of 7), or the ticket was reopened 2 or more times. It is good when the rating is
    good (normalised score >= 0.75) or CSAT is 4 or higher, and it is not bad. Only
    customer-initiated tickets count; agent-initiated (outbound) tickets are left out.
    """

    use_ticket_rating: bool = True
    csat_at_most: float | None = 2
    csat_good_at_least: float | None = 4
    ces_at_least: float | None = None
    nps_at_most: float | None = None
    reopens_at_least: int | None = None
    first_reply_sla_minutes: float | None = None
    include_agent_initiated: bool = False

    def __post_init__(self) -> None:
        def check(name: str, lo: float, hi: float, scale: str) -> None:
            v = getattr(self, name)
            if v is None:
                return
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not lo <= v <= hi:
                raise ValueError(f"BadExperienceRule: `{name}` must be None or a number on the {scale} scale "
                                 f"({lo:g}-{hi:g}), but {v!r} was passed.")

        check("csat_at_most", 1, 5, "CSAT 1-5")
        check("csat_good_at_least", 1, 5, "CSAT 1-5")
        check("ces_at_least", 1, 7, "CES 1-7")
        check("nps_at_most", 0, 10, "NPS 0-10")
        r = self.reopens_at_least
        if r is not None and (isinstance(r, bool) or int(r) != r or r < 1):
            raise ValueError(f"BadExperienceRule: `reopens_at_least` must be None or a whole number >= 1 "
                             f"(e.g. 2), but {r!r} was passed.")
        s = self.first_reply_sla_minutes
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float, np.integer, np.floating))
                              or not s > 0):
            raise ValueError(f"BadExperienceRule: `first_reply_sla_minutes` must be None or a positive number "
                             f"of minutes (e.g. 60), but {s!r} was passed.")
        if not (self.use_ticket_rating or self.csat_at_most is not None or self.ces_at_least is not None
                or self.nps_at_most is not None or self.reopens_at_least is not None
                or self.first_reply_sla_minutes is not None):
            raise ValueError("BadExperienceRule: every criterion is switched off, so nothing could ever be bad; "
                             "keep use_ticket_rating=True or set one of csat_at_most, ces_at_least, nps_at_most, "
                             "reopens_at_least, first_reply_sla_minutes.")

    # .................................................................. words
    def describe(self) -> str:
        """The rule in plain words, for reports.

        Returns
        -------
        str
        """
        bad = []
        if self.use_ticket_rating:
            bad.append(f"the ticket's satisfaction rating is bad (normalised score <= {BAD_THRESHOLD:g}, "
                       "e.g. 1-2 of 5)")
        survey = []
        if self.csat_at_most is not None:
            survey.append(f"CSAT {_g(self.csat_at_most)} or lower (of 5)")
        if self.ces_at_least is not None:
            survey.append(f"customer effort {_g(self.ces_at_least)} or higher (of 7)")
        if self.nps_at_most is not None:
            survey.append(f"likelihood to recommend {_g(self.nps_at_most)} or lower (of 0-10)")
        if survey:
            bad.append("a survey answer about it gives " + survey[0])
            bad.extend(survey[1:])
        if self.reopens_at_least is not None:
            bad.append(f"the ticket was reopened {int(self.reopens_at_least)} or more times")
        if self.first_reply_sla_minutes is not None:
            bad.append(f"the first reply took longer than {_g(self.first_reply_sla_minutes)} minutes")
        text = "An experience is bad when " + ", or ".join(bad) + "."
        good = []
        if self.use_ticket_rating:
            good.append(f"the rating is good (normalised score >= {GOOD_THRESHOLD:g})")
        if self.csat_good_at_least is not None:
            good.append(f"CSAT is {_g(self.csat_good_at_least)} or higher")
        if good:
            text += " It is good when " + " or ".join(good) + ", and it is not bad."
        else:
            text += " No experience is called good (no good criterion is set)."
        if self.include_agent_initiated:
            text += " Agent-initiated (outbound) tickets count as experiences too."
        else:
            text += (" Only customer-initiated tickets count; agent-initiated (outbound) tickets are "
                     "left out.")
        return text

    # .................................................................. masks
    def criteria(self, df: pd.DataFrame) -> pd.DataFrame:
        """Which criterion of the rule each row meets: one boolean column per criterion.

        Columns ``rating``, ``csat``, ``ces``, ``nps``, ``reopens``,
        ``first_reply`` (a column is all False when the criterion is switched
        off or its column is absent). :meth:`bad` is their OR; the
        experiences use them to date when an experience became known to be
        bad (see :func:`experiences`).

        Examples
        --------
        >>> rule = BadExperienceRule(reopens_at_least=2)
        >>> df = pd.DataFrame({"rating": ["bad", "good"], "csat": [4.0, 1.0], "reopens": [0, 3]})
        >>> rule.criteria(df)[["rating", "csat", "reopens"]]
           rating   csat  reopens
        0    True  False    False
        1   False   True     True
        """
        out = pd.DataFrame({c: np.zeros(len(df), dtype=bool) for c in _CRITERIA}, index=df.index)
        if self.use_ticket_rating and "rating" in df.columns:
            out["rating"] = _eq(df["rating"], "bad").to_numpy()
        for name, col, thr, op in (("csat", "csat", self.csat_at_most, "le"), ("ces", "ces", self.ces_at_least, "ge"),
                                   ("nps", "nps", self.nps_at_most, "le"),
                                   ("reopens", "reopens", self.reopens_at_least, "ge"),
                                   ("first_reply", "first_reply_minutes", self.first_reply_sla_minutes, "gt")):
            if thr is not None and col in df.columns:
                x = _num(df[col])
                with np.errstate(invalid="ignore"):
                    out[name] = {"le": x <= thr, "ge": x >= thr, "gt": x > thr}[op]
        return out

    def bad(self, df: pd.DataFrame) -> pd.Series:
        """Boolean mask of bad experiences in an :func:`experiences`-like frame.

        Missing columns and missing values never make an experience bad.
        """
        return self.criteria(df).any(axis=1).astype(bool)

    def good(self, df: pd.DataFrame, bad: pd.Series | None = None) -> pd.Series:
        """Boolean mask of good experiences (good by rating or CSAT, and not bad)."""
        out = pd.Series(False, index=df.index)
        if self.use_ticket_rating and "rating" in df.columns:
            out |= _eq(df["rating"], "good")
        if self.csat_good_at_least is not None and "csat" in df.columns:
            with np.errstate(invalid="ignore"):
                out |= pd.Series(_num(df["csat"]) >= self.csat_good_at_least, index=df.index)
        if bad is None:
            bad = self.bad(df)
        return out & ~bad


#: Criteria of :meth:`BadExperienceRule.criteria`, in order.
_CRITERIA: tuple[str, ...] = ("rating", "csat", "ces", "nps", "reopens", "first_reply")


def _g(x: float) -> str:
    return f"{x:g}"


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _eq(s: pd.Series, value: str) -> pd.Series:
    # compared in the column's own dtype (no Python object per row); missing is not equal
    return pd.Series(s.eq(value).to_numpy(dtype=bool, na_value=False), index=s.index)


_TICKET_USED = ("customer", "ticket_id", "created_at", "solved_at", "closed_at", "direction", "channel", "rating",
                "rating_score", "reopens", "first_reply_minutes", "resolution_minutes")
_RESPONSE_USED = ("customer", "response_id", "ticket_id", "responded_at", "csat", "nps", "ces")
#: The columns of the tickets and of the survey responses :func:`experiences` reads (every other column of the
#: exports passes through unread).
COLUMNS_READ: dict[str, tuple[str, ...]] = {"tickets": _TICKET_USED, "responses": _RESPONSE_USED}


def sort_positions(df: pd.DataFrame, by: list[str]) -> np.ndarray:
    """The positions that order ``df`` as :func:`experiences` orders its rows: those of
    ``df.sort_values(by, na_position="last", kind="stable")``, found by pyarrow.

    Same order (a stable sort; strings by code point, which is UTF-8 byte order; categoricals by
    their codes; missing values last in every key), without pandas factorising each string key.
    Code that must meet the experiences' order (a partition's rows stacked back, say) uses this.

    >>> sort_positions(pd.DataFrame({"customer": ["b", None, "a", "b"]}), ["customer"]).tolist()
    [2, 0, 3, 1]
    """
    if not len(df):
        return np.array([], dtype=np.int64)
    keys = {}
    for i, c in enumerate(by):  # a handful of sort keys
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.to_numpy()
            keys[f"k{i}"] = pa.array(codes, mask=codes < 0)
        else:
            keys[f"k{i}"] = pa.array(col, from_pandas=True)
    order = pc.sort_indices(pa.table(keys), sort_keys=[(f"k{i}", "ascending", "at_end") for i in range(len(by))])
    return np.asarray(order, dtype=np.int64)


def customer_order(labels: pd.Index | pd.Series | np.ndarray) -> np.ndarray:
    """The stable order of customer labels in which :func:`experiences` orders its rows by customer.

    Rows of partitions of customers stacked in this order (a customer's own rows keeping theirs) are the
    whole table's rows: :func:`sort_positions` on the labels as text.

    >>> customer_order(np.array(["b", "a", "b", "c"], dtype=object)).tolist()
    [1, 0, 2, 3]
    """
    return sort_positions(pd.DataFrame({"customer": pd.Series(labels, dtype="str", copy=False)}), ["customer"])


def no_experiences() -> pd.DataFrame:
    """An experiences table without rows: the columns every estimator reads (``customer, at, bad, good, rated``),
    for a partition of customers without any service experience.

    >>> list(no_experiences().dtypes.astype(str))
    ['str', 'datetime64[ns, UTC]', 'bool', 'bool', 'bool']
    """
    return pd.DataFrame({"customer": pd.Series([], dtype="str"), "at": pd.Series([], dtype="datetime64[ns, UTC]"),
                         **{c: pd.Series([], dtype=bool) for c in ("bad", "good", "rated")}})


def _sorted(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``df.sort_values(by, na_position="last", kind="stable").reset_index(drop=True)`` (:func:`sort_positions`)."""
    if not len(df):
        return df.reset_index(drop=True)
    return df.take(sort_positions(df, by)).reset_index(drop=True)


# --------------------------------------------------------------------------- preparation
def _prepare(tables: dict[str, pd.DataFrame | None], key: Key) -> dict[str, pd.DataFrame]:
    """Link (when needed) and conform the given tables; keep a string ``customer`` column."""
    given = {n: df for n, df in tables.items() if df is not None}
    if not given:
        raise ValueError("give at least one table (tickets, responses or activity)")
    for n, df in given.items():
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{n} must be a pandas DataFrame, got {type(df).__name__}")
    if any("customer" not in df.columns for df in given.values()):
        given = {n: df for n, df in link_customers(**given, key=key).tables().items()}
    out = {}
    for n, df in given.items():
        df = conform(df, n)
        df["customer"] = df["customer"].astype(_STR)
        out[n] = df
    return out


def _require(df: pd.DataFrame, table: str, cols: tuple[str, ...]) -> None:
    empty = [c for c in cols if len(df) and df[c].isna().all()]
    if empty:
        raise ValueError(f"{table} has no values in {', '.join(empty)}; the experiences need "
                         f"{' and '.join(cols)} (read the export with a csanalysis reader or map these columns)")


def concat_experiences(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Experiences of disjoint sets of customers, stacked in :func:`experiences`' own order.

    :func:`experiences` is per customer, so its result on partitions of the
    customers (:func:`csanalysis.partition.split_customers`), stacked here,
    equals its result on the whole tables: what the Dask engine relies on.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer": ["b", "a", "b"],
    ...                   "created_at": pd.to_datetime(["2024-01-03", "2024-01-02", "2024-01-01"], utc=True)})
    >>> whole = experiences(t)
    >>> parts = concat_experiences([experiences(t[t["customer"] == c]) for c in ("b", "a")])
    >>> bool(parts.equals(whole)), parts["experience_id"].tolist()
    (True, ['ticket:2', 'ticket:3', 'ticket:1'])
    """
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        raise ValueError("no experiences to stack")
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _sorted(out, ["customer", "at", "experience_id"])


def first_responses(tickets: pd.DataFrame | None, responses: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split responses into (first response per known ticket, responses about no known ticket)."""
    r = responses.sort_values("responded_at", na_position="last", kind="stable")
    if tickets is None:
        linked = pd.Series(False, index=r.index)
    else:
        linked = r["ticket_id"].notna() & isin_values(r["ticket_id"], tickets["ticket_id"])
    first = r.loc[linked].drop_duplicates("ticket_id", keep="first")
    return first, r.loc[~linked]


# --------------------------------------------------------------------------- experiences
def experiences(
    tickets: pd.DataFrame | None,
    responses: pd.DataFrame | None = None,
    *,
    rule: BadExperienceRule = BadExperienceRule(),
    key: Key = "auto",
) -> pd.DataFrame:
    """One row per service contact, marked bad / good by ``rule``.

    Parameters
    ----------
    tickets : DataFrame or None
        Canonical tickets table. Each customer-initiated ticket is one
        experience (agent-initiated tickets, ``direction == "agent"``, only
        when ``rule.include_agent_initiated``); a missing direction counts as
        customer-initiated.
    responses : DataFrame, optional
        Canonical survey responses. A response whose ``ticket_id`` names a
        ticket in ``tickets`` adds its CSAT / NPS / CES to that ticket's row
        (the first by ``responded_at`` when a ticket has several; responses
        about excluded agent-initiated tickets are dropped). Every other
        response is an experience of its own at ``responded_at`` (its
        ``ticket_id`` is kept when it names a ticket that is not in
        ``tickets``).
    rule : BadExperienceRule
        What counts as bad and good; see :meth:`BadExperienceRule.describe`.
    key : {"auto", "customer_id", "email_key"}
        Linking key, passed to :func:`csanalysis.link.link_customers` when a
        table has no ``customer`` column yet.

    Returns
    -------
    DataFrame
        Columns :data:`EXPERIENCE_COLUMNS`: ``customer``, ``experience_id``
        (``"ticket:<ticket_id>"`` or ``"survey:<response_id>"``),
        ``ticket_id``, ``response_id``, ``at`` (ticket ``created_at``, or
        ``responded_at``), ``channel``, ``rating``, ``rating_score``, ``csat``,
        ``nps``, ``ces``, ``reopens``, ``first_reply_minutes``,
        ``resolution_minutes``, ``bad``, ``good``, ``rated`` (has a rating or
        a CSAT), ``source`` (``"ticket"`` / ``"survey"``), ``resolved_at``,
        ``known_at``, ``known_from`` (see Notes). Sorted by customer and
        creation time; rows that could not be linked to a customer keep a
        missing ``customer`` and come last.

    Notes
    -----
    *When an experience became known* (``known_at``, the index time of the
    avoidance figures; ``at`` stays the time of the contact itself):

    * ``resolved_at``, a ticket's solved time: ``solved_at``, else a
      ``closed_at`` column when the export has one, else ``created_at +
      resolution_minutes``; missing for tickets never solved and for survey
      answers;
    * a bad experience is known when the first criterion of ``rule`` that
      makes it bad is met: a bad rating or a reopen rule at the solved time
      (exports carry neither the time of the rating nor an event log of the
      reopens, so the solved time approximates both; for reopens it is the
      last solve, an upper bound), a survey answer about the ticket at the
      answer's ``responded_at`` (its recorded / submitted time), a
      first-reply SLA breach at ``created_at + first_reply_sla_minutes``
      (when the SLA ran out without a reply);
    * any other experience is known when all its information is in: the
      later of the solved time and the answer's ``responded_at``;
    * a survey answer about no ticket is known at its ``responded_at``;
    * a ticket without any solved time falls back to ``created_at``;
      ``known_from`` then says ``"created_at"`` (the avoidance figures flag
      it as ``index_at_creation``). ``known_at`` is never before ``at``.

    ``known_from`` names the time used, one of :data:`KNOWN_FROM`.

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": ["1", "2"], "customer_id": ["a", "a"],
    ...     "created_at": ["2024-01-01", "2024-02-01"], "rating": ["good", None]}), "tickets")
    >>> r = conform(pd.DataFrame({"response_id": ["r1"], "customer_id": ["a"], "ticket_id": ["2"],
    ...     "responded_at": ["2024-02-02"], "csat": [1.0]}), "responses")
    >>> experiences(t, r)[["experience_id", "csat", "bad", "good"]]
      experience_id  csat    bad   good
    0      ticket:1   NaN  False   True
    1      ticket:2   1.0   True  False
    """
    if not isinstance(rule, BadExperienceRule):
        raise TypeError(f"rule must be a BadExperienceRule, got {type(rule).__name__}")
    tabs = _prepare({"tickets": tickets, "responses": responses}, key)
    t = tabs.get("tickets")
    r = tabs.get("responses")
    # only the columns the experiences are built from: the row filters and sorts below then copy
    # a few columns instead of every pass-through column of the exports
    if t is not None:
        t = t[[c for c in _TICKET_USED if c in t.columns]]
    if r is not None:
        r = r[[c for c in _RESPONSE_USED if c in r.columns]]
    parts = []
    if t is not None:
        _require(t, "tickets", ("ticket_id", "created_at"))
        keep = t if rule.include_agent_initiated else t.loc[~agent_initiated(t)]
        if r is not None:
            first, unlinked = first_responses(t, r)
            first = first.loc[isin_values(first["ticket_id"], keep["ticket_id"])]
            x = keep.merge(first[["ticket_id", "response_id", "csat", "nps", "ces", "customer", "responded_at"]]
                           .rename(columns={"customer": "_r_customer", "responded_at": "_responded"}),
                           on="ticket_id", how="left", validate="many_to_one")
        else:
            unlinked = None
            x = keep.assign(response_id=pd.Series(np.nan, index=keep.index, dtype=_STR),
                            _r_customer=pd.Series(np.nan, index=keep.index, dtype=_STR),
                            csat=np.nan, nps=np.nan, ces=np.nan,
                            _responded=pd.Series(pd.NaT, index=keep.index, dtype=_UTC))
            x = x.reset_index(drop=True)
        closed = x["closed_at"] if "closed_at" in x.columns else pd.Series(pd.NaT, index=x.index)
        rating = pd.Series(rating_from_score(x["rating_score"], said=x["rating"]), index=x.index)
        parts.append(pd.DataFrame({
            "customer": x["customer"].fillna(x["_r_customer"]).astype(_STR),
            "experience_id": ("ticket:" + x["ticket_id"].astype(_STR)).astype(_STR),
            "ticket_id": x["ticket_id"].astype(_STR),
            "response_id": x["response_id"].astype(_STR),
            "at": x["created_at"].astype(_UTC),
            "channel": x["channel"].astype(_CHANNEL),
            "rating": rating.astype(_RATING),
            "rating_score": x["rating_score"].astype("float64"),
            "csat": x["csat"].astype("float64"),
            "nps": x["nps"].astype("float64"),
            "ces": x["ces"].astype("float64"),
            "reopens": x["reopens"].astype("Int64"),
            "first_reply_minutes": x["first_reply_minutes"].astype("float64"),
            "resolution_minutes": x["resolution_minutes"].astype("float64"),
            "source": pd.Series("ticket", index=x.index, dtype=_STR),
            "_solved": x["solved_at"].astype(_UTC),
            "_closed": pd.to_datetime(closed, utc=True, errors="coerce").astype(_UTC),
            "_responded": pd.to_datetime(x["_responded"], utc=True).astype(_UTC),
        }))
    else:
        unlinked = r.sort_values("responded_at", na_position="last", kind="stable")
    if unlinked is not None and len(unlinked):
        u = unlinked.reset_index(drop=True)
        n = len(u)
        # a response without an id is named by its row label in the responses table (kept when the customers
        # are split into partitions, so the name does not depend on the split); by its position if labels repeat
        labels = unlinked.index.to_numpy() if unlinked.index.is_unique else np.arange(n)
        pos = pd.Series(labels, index=u.index).astype(_STR)
        rid = u["response_id"].astype(_STR)
        parts.append(pd.DataFrame({
            "customer": u["customer"].astype(_STR),
            "experience_id": ("survey:" + rid.fillna("row" + pos)).astype(_STR),
            "ticket_id": u["ticket_id"].astype(_STR),
            "response_id": rid,
            "at": u["responded_at"].astype(_UTC),
            "channel": pd.Series(np.nan, index=u.index).astype(_CHANNEL),
            "rating": pd.Series(np.nan, index=u.index).astype(_RATING),
            "rating_score": np.full(n, np.nan),
            "csat": u["csat"].astype("float64"),
            "nps": u["nps"].astype("float64"),
            "ces": u["ces"].astype("float64"),
            "reopens": pd.array([pd.NA] * n, dtype="Int64"),
            "first_reply_minutes": np.full(n, np.nan),
            "resolution_minutes": np.full(n, np.nan),
            "source": pd.Series("survey", index=u.index, dtype=_STR),
            "_solved": pd.Series(pd.NaT, index=u.index, dtype=_UTC),
            "_closed": pd.Series(pd.NaT, index=u.index, dtype=_UTC),
            "_responded": u["responded_at"].astype(_UTC),
        }))
    if parts:
        out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    else:
        out = _empty_experiences()
    crit = rule.criteria(out)
    bad = crit.any(axis=1)
    out["bad"] = bad.astype(bool)
    out["good"] = rule.good(out, bad).astype(bool)
    out["rated"] = (out["rating"].notna() | out["csat"].notna()).astype(bool)
    out["resolved_at"], out["known_at"], out["known_from"] = _known(out, crit, rule)
    return _sorted(out, ["customer", "at", "experience_id"])[list(EXPERIENCE_COLUMNS)]


_NO_TIME = np.iinfo(np.int64).max
_NAT = np.iinfo(np.int64).min


def purchases_while_open(experiences: pd.DataFrame, activity: pd.DataFrame, *,
                         customer: str = "customer") -> np.ndarray:
    """Which purchases were placed while one of the customer's tickets was open.

    A purchase strictly after a ticket's creation (``at``) and at or before
    its solved time (``resolved_at``) is, by default, a replacement or a
    re-delivery rather than a return: the avoidance figures and the
    service-recovery comparisons neither count it as a return nor as
    history. One definition for every estimator that follows purchases.

    Parameters
    ----------
    experiences : DataFrame
        As returned by :func:`experiences`: ``customer``, ``at`` and
        ``resolved_at`` (without ``resolved_at`` nothing is open).
    activity : DataFrame
        Purchases: ``customer`` (``customer=``) and ``at``.

    Returns
    -------
    ndarray of bool
        One value per row of ``activity``.

    Examples
    --------
    >>> t = pd.Timestamp("2024-01-01", tz="UTC")
    >>> exp = pd.DataFrame({"customer": ["a"], "at": [t], "resolved_at": [t + pd.Timedelta(days=10)]})
    >>> act = pd.DataFrame({"customer": ["a", "a", "b"],
    ...                     "at": [t + pd.Timedelta(days=d) for d in (0, 5, 5)]})
    >>> purchases_while_open(exp, act).tolist()
    [False, True, False]
    """
    out = np.zeros(len(activity), dtype=bool)
    if "resolved_at" not in experiences.columns or not len(activity) or not len(experiences):
        return out
    start, end = _ns_or(experiences["at"], _NAT), _ns_or(experiences["resolved_at"], _NAT)
    p_at = _ns_or(activity["at"], _NAT)
    e_c, a_c = experiences["customer"], activity[customer]
    ok_e = e_c.notna().to_numpy() & (start != _NAT) & (end != _NAT) & (end > start)
    ok_a = a_c.notna().to_numpy() & (p_at != _NAT)
    if not ok_e.any() or not ok_a.any():
        return out
    codes, _ = factorize(pd.concat([e_c[ok_e].astype("str"), a_c[ok_a].astype("str")], ignore_index=True))
    ce, ca = codes[: int(ok_e.sum())], codes[int(ok_e.sum()):]
    # per customer, open tickets at a purchase = tickets created before it - tickets solved before it
    # (customer, time) packed into one int64: the time's rank among all the times. The ranks come from one sort
    # (np.unique's inverse), and the purchases are looked up in sorted order: binary searches of millions of
    # values in random order cost 8x as much at 1,000,000 customers (see csanalysis.stats.arrays.search_sorted)
    n_e = ce.size
    times, rank = np.unique(np.concatenate([start[ok_e], end[ok_e], p_at[ok_a]]), return_inverse=True)
    m = np.int64(times.size + 1)
    rank = rank.astype(np.int64, copy=False)
    s_key = np.sort(ce.astype(np.int64) * m + rank[:n_e])
    e_key = np.sort(ce.astype(np.int64) * m + rank[n_e:2 * n_e])
    p_key = ca.astype(np.int64) * m + rank[2 * n_e:]
    order = np.argsort(p_key, kind="stable")  # (search_sorted's idea, the order shared by two searches)
    p_sorted = p_key[order]
    opened = np.searchsorted(s_key, p_sorted, side="left")
    closed = np.searchsorted(e_key, p_sorted, side="left")
    out[np.flatnonzero(ok_a)[order]] = opened - closed > 0
    return out


def _ns_or(s: pd.Series, missing: int) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds, ``missing`` where NaT (naive times taken as UTC, unparseable ones
    as NaT: :func:`purchases_while_open` takes any activity table)."""
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True, errors="coerce")
    if getattr(s.dtype, "tz", None) is None:
        s = s.dt.tz_localize("UTC")
    v = s.astype(_UTC).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view("int64").copy()
    v[s.isna().to_numpy()] = missing
    return v


def _known(out: pd.DataFrame, crit: pd.DataFrame, rule: BadExperienceRule) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``resolved_at``, ``known_at`` and ``known_from`` of each experience (see :func:`experiences`)."""
    n = len(out)
    nat = np.iinfo(np.int64).min
    created = _ns_or(out["at"], nat)
    # a ticket's solved time: solved_at, else a closed_at column, else created_at + resolution_minutes
    res_min = _num(out["resolution_minutes"])
    by_res = np.where(np.isfinite(res_min) & (created != nat),
                      created + np.round(np.nan_to_num(res_min) * 60e9).astype(np.int64), nat)
    cand = [(_ns_or(out["_solved"], nat), 0), (_ns_or(out["_closed"], nat), 1), (by_res, 2)]
    resolved = np.full(n, nat, dtype=np.int64)
    res_from = np.full(n, 5, dtype=np.int64)  # index into KNOWN_FROM; 5 = created_at
    for v, k in cand:  # three fallbacks
        take = (resolved == nat) & (v != nat)
        resolved[take] = v[take]
        res_from[take] = k
    ticket = (out["source"] == "ticket").to_numpy(dtype=bool)
    resolved[~ticket] = nat
    res_from[~ticket] = 5
    responded = _ns_or(out["_responded"], nat)
    # when each kind of information arrived: ratings and reopens when the ticket was solved (no event log: a
    # ticket's rating time and its reopen times are not exported), survey answers when recorded, a first-reply
    # breach when the SLA ran out without a reply
    solved_t = np.where(resolved != nat, resolved, created)
    solved_k = res_from
    answer_t = np.where(responded != nat, responded, solved_t)
    answer_k = np.where(responded != nat, 3, solved_k)
    sla = rule.first_reply_sla_minutes
    sla_t = created + (np.int64(round(float(sla) * 60e9)) if sla is not None else 0)
    times = {"rating": (solved_t, solved_k), "csat": (answer_t, answer_k), "ces": (answer_t, answer_k),
             "nps": (answer_t, answer_k), "reopens": (solved_t, solved_k),
             "first_reply": (sla_t, np.full(n, 4, dtype=np.int64))}
    known = np.full(n, _NO_TIME, dtype=np.int64)
    known_k = np.full(n, 5, dtype=np.int64)
    for c, (t, k) in times.items():  # six criteria: a bad experience is known when its first criterion is met
        hit = crit[c].to_numpy(dtype=bool) & (t != nat) & (t < known)
        known[hit] = t[hit]
        known_k[hit] = k[hit]
    # not bad: known once all its information is in (the later of the solved time and the survey answer)
    later = np.where((responded != nat) & (responded > solved_t), responded, solved_t)
    later_k = np.where((responded != nat) & (responded > solved_t), 3, solved_k)
    unknown = known == _NO_TIME
    known[unknown] = later[unknown]
    known_k[unknown] = later_k[unknown]
    # never before the contact itself (a response dated before its ticket was created)
    early = (created != nat) & (known != nat) & (known < created)
    known[early] = created[early]
    known_k[early] = 5
    known[~ticket] = responded[~ticket]
    known_k[~ticket] = 3

    def ts(v: np.ndarray) -> pd.Series:
        return pd.Series(pd.to_datetime(v.view("datetime64[ns]"), utc=True), index=out.index).astype(_UTC)

    labels = np.asarray(KNOWN_FROM, dtype=object)[known_k]
    return ts(resolved), ts(known), pd.Series(labels, index=out.index, dtype=_STR).where(known != nat)


def _empty_experiences() -> pd.DataFrame:
    return pd.DataFrame({
        "customer": pd.Series(dtype=_STR), "experience_id": pd.Series(dtype=_STR),
        "ticket_id": pd.Series(dtype=_STR), "response_id": pd.Series(dtype=_STR),
        "at": pd.Series(dtype=_UTC), "channel": pd.Series(dtype=_CHANNEL),
        "rating": pd.Series(dtype=_RATING), "rating_score": pd.Series(dtype="float64"),
        "csat": pd.Series(dtype="float64"), "nps": pd.Series(dtype="float64"),
        "ces": pd.Series(dtype="float64"), "reopens": pd.Series(dtype="Int64"),
        "first_reply_minutes": pd.Series(dtype="float64"), "resolution_minutes": pd.Series(dtype="float64"),
        "source": pd.Series(dtype=_STR), "_solved": pd.Series(dtype=_UTC), "_closed": pd.Series(dtype=_UTC),
        "_responded": pd.Series(dtype=_UTC),
    })


# --------------------------------------------------------------------------- formatting helpers
def _fixed2(x: pd.Series) -> pd.Series:
    """Numbers as strings with exactly two decimals, vectorised (NaN stays missing)."""
    v = _num(x)
    ok = np.isfinite(v)
    cents = np.round(np.where(ok, np.abs(v), 0.0) * 100).astype("int64")
    whole = pd.Series(cents // 100, index=x.index).astype(_STR)
    frac = pd.Series(cents % 100, index=x.index).astype(_STR).str.zfill(2)
    sign = pd.Series(np.where(ok & (v < 0) & (cents > 0), "-", ""), index=x.index, dtype=_STR)
    s = sign + whole + "." + frac
    return s.where(ok)


def _short(x: pd.Series) -> pd.Series:
    """Whole numbers without decimals, others with two; vectorised."""
    v = _num(x)
    ok = np.isfinite(v)
    integral = ok & (np.round(v) == v)
    as_int = pd.Series(np.where(integral, v, 0).astype("int64"), index=x.index).astype(_STR)
    return as_int.where(integral, _fixed2(x)).where(ok)


def _label(prefix: str, values: pd.Series) -> pd.Series:
    """``prefix + value`` where the value is present, missing otherwise."""
    return (prefix + values.astype(_STR)).where(values.notna())


def _join(parts: list[pd.Series], sep: str = ", ") -> pd.Series:
    """Join string Series element-wise, skipping missing pieces."""
    out = parts[0]
    for p in parts[1:]:
        both = out.notna() & p.notna()
        out = (out + sep + p).where(both, out.fillna(p))
    return out


# --------------------------------------------------------------------------- timeline
def timeline(
    tickets: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    *,
    customer: str | None = None,
    key: Key = "auto",
) -> pd.DataFrame:
    """Every ticket, rating, survey answer and purchase of a customer, in time order.

    The customer-centred view: one row per event.

    Parameters
    ----------
    tickets, responses, activity : DataFrame, optional
        Canonical tables (at least one).
    customer : str, optional
        A customer key (the ``customer`` column of linked tables); ``None``
        gives every customer.
    key : {"auto", "customer_id", "email_key"}
        Linking key, as in :func:`csanalysis.link.link_customers`.

    Returns
    -------
    DataFrame
        Columns :data:`TIMELINE_COLUMNS`:

        * ``event``: ``"ticket"`` (at ``created_at``; agent-initiated tickets
          included and marked), ``"rating"`` (a ticket's satisfaction rating,
          at ``solved_at``, or ``created_at`` when not solved), ``"survey"``
          (at ``responded_at``) or ``"purchase"``;
        * ``id``: ticket id, response id or order id;
        * ``detail``: short non-personal text such as ``"ticket via email
          (solved)"``, ``"rating bad (0.00)"``, ``"CSAT 2, NPS 6"``,
          ``"order 129.00 DKK"``; never free text or e-mail addresses;
        * ``value``: rating score, CSAT (else NPS, else CES) or order amount.

        Sorted by customer, time and event type (ticket, rating, survey,
        purchase); events without a customer come last.

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": ["7"], "customer_id": ["a"], "channel": ["email"],
    ...     "created_at": ["2024-01-02"], "rating": ["bad"], "rating_score": [0.0]}), "tickets")
    >>> a = conform(pd.DataFrame({"customer_id": ["a"], "at": ["2024-01-01"], "amount": [129.0],
    ...     "currency": ["DKK"], "order_id": ["o1"]}), "activity")
    >>> timeline(t, activity=a)[["event", "detail"]]
          event             detail
    0  purchase   order 129.00 DKK
    1    ticket   ticket via email
    2    rating  rating bad (0.00)
    """
    tabs = _prepare({"tickets": tickets, "responses": responses, "activity": activity}, key)
    if customer is not None:
        tabs = {n: df.loc[(df["customer"] == str(customer)).fillna(False).astype(bool)] for n, df in tabs.items()}
    parts = []
    t = tabs.get("tickets")
    if t is not None:
        agent = _eq(t["direction"], "agent")
        det = _join([pd.Series("ticket", index=t.index, dtype=_STR).where(~agent, "ticket (agent-initiated)"),
                     _label("via ", t["channel"].astype(_STR))], sep=" ")
        det = _join([det, _label("(", t["status"].astype(_STR)) + ")"], sep=" ")
        parts.append(pd.DataFrame({"customer": t["customer"], "at": t["created_at"], "event": "ticket",
                                   "id": t["ticket_id"].astype(_STR), "channel": t["channel"].astype(_CHANNEL),
                                   "detail": det, "value": np.nan}))
        rating = pd.Series(rating_from_score(t["rating_score"], said=t["rating"]), index=t.index).astype(_STR)
        has = rating.notna()
        rt = t.loc[has]
        score = _fixed2(rt["rating_score"])
        det = _join([_label("rating ", rating.loc[has]), "(" + score + ")"], sep=" ")
        parts.append(pd.DataFrame({"customer": rt["customer"], "at": rt["solved_at"].fillna(rt["created_at"]),
                                   "event": "rating", "id": rt["ticket_id"].astype(_STR),
                                   "channel": rt["channel"].astype(_CHANNEL), "detail": det,
                                   "value": rt["rating_score"].astype("float64")}))
    r = tabs.get("responses")
    if r is not None:
        if t is not None and len(t):
            chan_map = t.dropna(subset=["ticket_id"]).drop_duplicates("ticket_id").set_index("ticket_id")["channel"]
            chan = r["ticket_id"].map(chan_map.astype("object")).astype(_CHANNEL)
        else:
            chan = pd.Series(np.nan, index=r.index).astype(_CHANNEL)
        det = _join([_label("CSAT ", _short(r["csat"])), _label("NPS ", _short(r["nps"])),
                     _label("CES ", _short(r["ces"]))]).fillna("survey answer")
        value = r["csat"].astype("float64").fillna(r["nps"].astype("float64")).fillna(r["ces"].astype("float64"))
        parts.append(pd.DataFrame({"customer": r["customer"], "at": r["responded_at"], "event": "survey",
                                   "id": r["response_id"].astype(_STR), "channel": chan, "detail": det,
                                   "value": value}))
    a = tabs.get("activity")
    if a is not None:
        det = _join([pd.Series("order", index=a.index, dtype=_STR), _fixed2(a["amount"]),
                     a["currency"].astype(_STR)], sep=" ")
        parts.append(pd.DataFrame({"customer": a["customer"], "at": a["at"], "event": "purchase",
                                   "id": a["order_id"].astype(_STR),
                                   "channel": pd.Series(np.nan, index=a.index).astype(_CHANNEL),
                                   "detail": det, "value": a["amount"].astype("float64")}))
    parts = [p for p in parts if len(p)]
    if parts:
        out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    else:
        out = pd.DataFrame({c: [] for c in TIMELINE_COLUMNS})
    out = pd.DataFrame({
        "customer": out["customer"].astype(_STR),
        "at": out["at"].astype(_UTC),
        "event": out["event"].astype(pd.CategoricalDtype(list(TIMELINE_EVENTS), ordered=True)),
        "id": out["id"].astype(_STR),
        "channel": out["channel"].astype(_CHANNEL),
        "detail": out["detail"].astype(_STR),
        "value": out["value"].astype("float64"),
    })
    return _sorted(out, ["customer", "at", "event", "id"])


# --------------------------------------------------------------------------- per customer
def customer_summary(
    tickets: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    *,
    rule: BadExperienceRule = BadExperienceRule(),
    key: Key = "auto",
) -> pd.DataFrame:
    """One row per customer: contacts, bad / good experiences and purchases.

    Parameters
    ----------
    tickets, responses, activity : DataFrame, optional
        Canonical tables (at least one), linked together per customer.
    rule : BadExperienceRule
        Passed to :func:`experiences`.
    key : {"auto", "customer_id", "email_key"}
        Linking key.

    Returns
    -------
    DataFrame
        Columns ``customer``, ``n_experiences``, ``n_tickets`` (experiences
        from tickets), ``n_rated``, ``n_bad``, ``n_good``, ``first_contact_at``,
        ``first_bad_at``, ``n_orders``, ``total_amount``, ``currency`` (the
        single currency, ``"mixed"`` when a customer's orders use several),
        ``first_purchase_at``, ``last_purchase_at``. Customers that appear in
        any table; rows without a customer key are left out. Sorted by
        customer.

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": ["1"], "customer_id": ["a"],
    ...     "created_at": ["2024-01-02"], "rating": ["bad"]}), "tickets")
    >>> a = conform(pd.DataFrame({"customer_id": ["a", "a"], "at": ["2024-01-01", "2024-03-01"],
    ...     "amount": [10.0, 5.5], "currency": ["EUR", "EUR"], "order_id": ["o1", "o2"]}), "activity")
    >>> s = customer_summary(t, activity=a)
    >>> s[["customer", "n_tickets", "n_bad", "n_orders", "total_amount"]]
      customer  n_tickets  n_bad  n_orders  total_amount
    0        a          1      1         2          15.5
    """
    tabs = _prepare({"tickets": tickets, "responses": responses, "activity": activity}, key)
    frames = []
    if "tickets" in tabs or "responses" in tabs:
        e = experiences(tabs.get("tickets"), tabs.get("responses"), rule=rule)
        e = e.loc[e["customer"].notna()]
        g = e.assign(_t=e["source"] == "ticket").groupby("customer", sort=False)
        ex = pd.DataFrame({
            "n_experiences": g.size(),
            "n_tickets": g["_t"].sum(),
            "n_rated": g["rated"].sum(),
            "n_bad": g["bad"].sum(),
            "n_good": g["good"].sum(),
            "first_contact_at": g["at"].min(),
        })
        ex["first_bad_at"] = e.loc[e["bad"]].groupby("customer", sort=False)["at"].min()
        frames.append(ex)
    if "activity" in tabs:
        a = tabs["activity"]
        a = a.loc[a["customer"].notna()]
        g = a.groupby("customer", sort=False)
        ncur = g["currency"].nunique()
        cur = g["currency"].first().astype("object").where(ncur <= 1, "mixed")
        frames.append(pd.DataFrame({
            "n_orders": g.size(),
            "total_amount": g["amount"].sum(),
            "currency": cur,
            "first_purchase_at": g["at"].min(),
            "last_purchase_at": g["at"].max(),
        }))
    out = pd.concat(frames, axis=1, join="outer") if len(frames) > 1 else frames[0]
    cols = {
        "n_experiences": "int64", "n_tickets": "int64", "n_rated": "int64", "n_bad": "int64",
        "n_good": "int64", "first_contact_at": _UTC, "first_bad_at": _UTC, "n_orders": "int64",
        "total_amount": "float64", "currency": _STR, "first_purchase_at": _UTC, "last_purchase_at": _UTC,
    }
    res = {"customer": pd.Series(out.index, index=out.index).astype(_STR)}
    for c, dt in cols.items():
        if c in out.columns:
            s = out[c]
        else:
            s = pd.Series(np.nan, index=out.index)
        if dt == "int64":
            s = s.fillna(0)
        elif c == "total_amount" and "n_orders" in out.columns:
            s = s.fillna(0.0)
        res[c] = s.astype(dt)
    out = pd.DataFrame(res).reset_index(drop=True).sort_values("customer", kind="stable")
    out = out.reset_index(drop=True)
    return out
