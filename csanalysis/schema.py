"""The canonical data model: four tidy tables every reader returns.

Every reader in :mod:`csanalysis.io` returns one of four tables with fixed
snake_case column names and stable dtypes. Everything downstream (linking,
experiences, estimators, reports) reads only these names.

Tables
------
tickets
    One row per helpdesk ticket / conversation / case.
responses
    One row per survey response.
activity
    One row per purchase / order / invoice (line items merged).
customers
    A snapshot: one row per customer.

Conventions
-----------
* Timestamps are timezone-aware UTC (``datetime64[ns, UTC]``).
* Identifiers are strings (``str``); never floats, so that Excel-mangled ids
  such as ``1.03006E+13`` stay visible and can be flagged.
* ``email_key`` is a keyed pseudonym of the e-mail address
  (see :func:`csanalysis.privacy.email_key`); raw e-mails are dropped unless
  a reader is called with ``keep_pii=True``.
* ``agent_key`` (tickets) is a keyed pseudonym of the assigned agent
  (:func:`csanalysis.privacy.pseudonymise` with the prefix ``agent_``: the same
  secret, another domain, so it never equals an ``email_key``); agent names and
  ids are never kept, not even with ``keep_pii=True``.
* Missing values are ``NaN`` / ``NaT`` / ``<NA>``.
* Source columns that have no canonical name are kept after the canonical
  columns under a snake_case version of their original header, except columns
  that identify people (names, e-mails, phone numbers, IP addresses,
  locations), which are dropped unless ``keep_pii=True``.

Rating rule
-----------
The default rating rule, used everywhere, maps a tool's rating to a
normalised score ``rating_score = (x - min) / (max - min)`` in [0, 1] and then
to a label: ``bad`` when ``rating_score <= 0.25`` (1-2 of 5, 1-2 of 7, 0-2 of
0-10) or the tool says bad; ``good`` when ``rating_score >= 0.75`` or the tool
says good; ``neutral`` in between. See :func:`rating_from_score`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Column",
    "TICKETS",
    "RESPONSES",
    "ACTIVITY",
    "CUSTOMERS",
    "TABLES",
    "CHANNELS",
    "RATINGS",
    "DIRECTIONS",
    "BAD_THRESHOLD",
    "GOOD_THRESHOLD",
    "rating_from_score",
    "agent_initiated",
    "empty_table",
    "conform",
]

#: Normalised channel vocabulary of the tickets table.
CHANNELS: tuple[str, ...] = ("email", "web", "chat", "phone", "social", "api", "other")
#: Rating labels of the tickets table.
RATINGS: tuple[str, ...] = ("good", "neutral", "bad")
#: Ticket directions.
DIRECTIONS: tuple[str, ...] = ("customer", "agent")

#: ``rating_score`` at or below this is ``bad``.
BAD_THRESHOLD = 0.25
#: ``rating_score`` at or above this is ``good``.
GOOD_THRESHOLD = 0.75

UTC_TS = "datetime64[ns, UTC]"


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, dtype and meaning."""

    name: str
    dtype: str
    description: str


TICKETS: tuple[Column, ...] = (
    Column("ticket_id", "str", "The tool's ticket / conversation / case id."),
    Column("customer_id", "str", "The tool's own customer (requester / contact) id, where it has one."),
    Column("email_key", "str", "Keyed pseudonym of the requester's e-mail address."),
    Column("created_at", UTC_TS, "When the ticket was created (UTC)."),
    Column("solved_at", UTC_TS, "When the ticket was (last) solved / resolved / closed (UTC)."),
    Column("channel", "category", "Normalised channel: " + ", ".join(CHANNELS) + "."),
    Column("status", "str", "Status, lower case, as the tool names it (open, pending, solved, closed, ...)."),
    Column("priority", "str", "Priority, lower case (low, normal/medium, high, urgent)."),
    Column("rating", "category", "good / neutral / bad, or missing when not rated (default rating rule)."),
    Column("rating_score", "float64", "Rating normalised to 0-1: (x - min) / (max - min) of the tool's scale."),
    Column("rating_offered", "boolean", "Whether a satisfaction survey was offered for the ticket."),
    Column("first_reply_minutes", "float64", "Calendar minutes from creation to the first agent reply."),
    Column("resolution_minutes", "float64", "Calendar minutes from creation to (full) resolution."),
    Column("reopens", "Int64", "Number of times the ticket was reopened."),
    Column("direction", "category", "customer (customer-initiated) or agent (outbound / follow-up)."),
    Column("account_id", "str", "Organisation / company / account, where the tool has one."),
    Column("source_format", "str", "Which export format the row was read from (e.g. zendesk_csv)."),
    # appended after source_format, so that the positions of the columns above stay as they were
    Column("agent_key", "str", "Keyed pseudonym of the agent the ticket is (last) assigned to (agent_ + 16 hex "
           "digits; the secret of email_key, another domain); never the agent's name or id."),
    Column("group", "str", "Team / group / queue the ticket belongs to, as the tool names it (stripped)."),
    Column("self_service", "boolean", "Whether the issue began in self-service (help centre, knowledge base, FAQ, "
           "bot) before reaching a person; missing when the export does not say, and for the whole file when no "
           "ticket of it came through self-service (the tool may not record it; a web form is assisted)."),
    Column("sla_breached", "boolean", "Whether a service-level target of the ticket was missed (Freshdesk's "
           "'First response status' / 'Resolution status' 'SLA Violated', a generic 'sla_breached' column); missing "
           "where the export has no SLA status (Zendesk's CSV export has none)."),
    Column("assignee_changes", "Int64", "Times the ticket passed to another assignee (Zendesk 'Assignee stations' "
           "minus one, a reassignment count); missing where the export does not say."),
    Column("group_changes", "Int64", "Times the ticket passed to another group (Zendesk 'Group stations' minus "
           "one); missing where the export does not say."),
)

RESPONSES: tuple[Column, ...] = (
    Column("response_id", "str", "The survey tool's response id."),
    Column("customer_id", "str", "Customer id carried by the response (embedded data / external reference)."),
    Column("email_key", "str", "Keyed pseudonym of the respondent's e-mail address."),
    Column("ticket_id", "str", "The ticket the response is about, where the survey links one."),
    Column("responded_at", UTC_TS, "When the response was recorded (UTC)."),
    Column("csat", "float64", "Satisfaction on 1-5 (5 = very satisfied)."),
    Column("nps", "float64", "Likelihood to recommend on 0-10."),
    Column("ces", "float64", "Customer effort on 1-7 (1 = very easy, 7 = very difficult)."),
    Column("told_count_low", "float64", "How many people the respondent told: lower end of the answer."),
    Column("told_count_high", "float64", "Upper end; equal to low for exact answers, missing for open answers (> 20)."),
    Column("warned_others", "boolean", "Whether the respondent warned others not to buy."),
    Column("source_format", "str", "Which export format the row was read from."),
)

ACTIVITY: tuple[Column, ...] = (
    Column("customer_id", "str", "The shop's customer id, where the export has one."),
    Column("email_key", "str", "Keyed pseudonym of the buyer's e-mail address."),
    Column("at", UTC_TS, "When the order / charge happened (UTC)."),
    Column("amount", "float64", "Order total in `currency` (refunds excluded by default)."),
    Column("currency", "str", "ISO 4217 currency code."),
    Column("order_id", "str", "Order / charge / invoice id; one row per order."),
    Column("source_format", "str", "Which export format the row was read from."),
)

CUSTOMERS: tuple[Column, ...] = (
    Column("customer_id", "str", "Customer id."),
    Column("email_key", "str", "Keyed pseudonym of the customer's e-mail address."),
    Column("satisfaction", "float64", "Satisfaction on 1-5."),
    Column("complained", "boolean", "Whether the customer complained."),
    Column("churned", "boolean", "Whether the customer churned."),
    Column("churn_reason", "str", "Stated churn reason (free text)."),
    Column("churn_category", "str", "Churn category (e.g. Competitor, Attitude, Dissatisfaction, Price)."),
    Column("referrals", "float64", "Number of referrals made."),
    Column("source_format", "str", "Which export format the row was read from."),
)

#: The four canonical tables by name.
TABLES: dict[str, tuple[Column, ...]] = {
    "tickets": TICKETS,
    "responses": RESPONSES,
    "activity": ACTIVITY,
    "customers": CUSTOMERS,
}

_CATEGORIES = {
    ("tickets", "channel"): CHANNELS,
    ("tickets", "rating"): RATINGS,
    ("tickets", "direction"): DIRECTIONS,
}


def _dtype_for(table: str, col: Column):
    if col.dtype == "category":
        return pd.CategoricalDtype(list(_CATEGORIES[(table, col.name)]))
    if col.dtype == "str":
        return pd.StringDtype(na_value=np.nan)
    return col.dtype


def agent_initiated(tickets: pd.DataFrame) -> np.ndarray:
    """Which tickets an agent started (``direction == "agent"``: outbound, follow-ups); a boolean array.

    A missing direction counts as customer-initiated; so does a table without
    the column. Measures of service use the customer-initiated tickets.

    Examples
    --------
    >>> agent_initiated(pd.DataFrame({"direction": ["customer", "agent", None]})).tolist()
    [False, True, False]
    """
    if "direction" not in tickets.columns:
        return np.zeros(len(tickets), dtype=bool)
    # compared in the column's own dtype (no Python string per row); a missing direction is not "agent"
    return np.asarray(tickets["direction"].eq("agent").to_numpy(dtype=bool, na_value=False), dtype=bool)


def rating_from_score(score, said=None) -> pd.Categorical:
    """Apply the default rating rule.

    Parameters
    ----------
    score : array-like of float
        Ratings normalised to [0, 1].
    said : array-like of {"good", "neutral", "bad"} or missing, optional
        What the tool itself says (e.g. Zendesk legacy ``Good``/``Bad``). A
        label the tool gives wins over the score.

    Returns
    -------
    pandas.Categorical
        ``good`` / ``neutral`` / ``bad`` or missing.

    Examples
    --------
    >>> list(rating_from_score([0.0, 0.25, 0.5, 0.75, 1.0, float("nan")]))
    ['bad', 'bad', 'neutral', 'good', 'good', nan]
    """
    s = np.asarray(score, dtype="float64")
    cats = list(RATINGS)
    codes = np.full(s.shape, -1, dtype=np.int8)  # built as codes: no Python object per row
    codes[s <= BAD_THRESHOLD] = cats.index("bad")
    codes[(s > BAD_THRESHOLD) & (s < GOOD_THRESHOLD)] = cats.index("neutral")
    codes[s >= GOOD_THRESHOLD] = cats.index("good")
    if said is not None:
        told = np.asarray(pd.notna(said), dtype=bool).reshape(s.shape)
        if told.any():  # a label the tool gives wins (one outside the ratings gives a missing rating)
            native = isinstance(said, (pd.Series, pd.Index, pd.api.extensions.ExtensionArray))
            raw, uniq = pd.factorize(said if native else np.asarray(said, dtype=object).ravel())
            of_uniq = pd.Index(cats).get_indexer(pd.Index(np.asarray(uniq, dtype=object)))  # distinct labels only
            raw = np.asarray(raw, dtype=np.int64)
            said_codes = np.where(raw >= 0, of_uniq[np.maximum(raw, 0)], -1).reshape(s.shape)
            codes[told] = said_codes[told]
    return pd.Categorical.from_codes(codes, categories=cats)


def empty_table(table: str) -> pd.DataFrame:
    """An empty canonical table with the right columns and dtypes."""
    cols = TABLES[table]
    return pd.DataFrame({c.name: pd.Series(dtype=_dtype_for(table, c)) for c in cols})


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with every canonical column present, in order, with its dtype.

    Canonical columns missing from ``df`` are added (all missing); extra
    columns are kept after the canonical ones, in their original order.

    Examples
    --------
    >>> t = conform(pd.DataFrame({"ticket_id": ["1"], "extra": [1]}), "tickets")
    >>> list(t.columns[:3]), t.columns[-1]
    (['ticket_id', 'customer_id', 'email_key'], 'extra')
    """
    cols = TABLES[table]
    n = len(df)
    out = {}
    for c in cols:
        dtype = _dtype_for(table, c)
        if c.name in df.columns:
            s = df[c.name]
            if c.dtype == UTC_TS:
                s = pd.to_datetime(s, utc=True)
                if str(s.dtype) != UTC_TS:
                    s = s.astype(UTC_TS)
            else:
                s = s.astype(dtype)
        else:
            s = pd.Series(pd.array([None] * n, dtype=dtype) if c.dtype != UTC_TS
                          else pd.NaT, index=df.index, dtype=dtype)
        out[c.name] = s
    canon = {c.name for c in cols}
    for name in df.columns:
        if name not in canon:
            out[name] = df[name]
    return pd.DataFrame(out, index=df.index, copy=False)  # columns kept as they are are not copied (copy on write)
