"""Linking the tables of one company per customer.

Tickets, survey responses, purchases and a customer snapshot come from
different tools. They are linked on ``customer_id`` when the tables share id
values (the same tool's ids on both sides), and on ``email_key`` (the keyed
e-mail pseudonym) otherwise; ``key=`` overrides the choice. Rows that lack the
chosen key but carry the other one are linked through any table that has both
(for example a Zendesk ticket carries both the requester id and e-mail).

The linked tables get a string column ``customer`` holding the link key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis.lookup import isin_values, map_by_key

__all__ = ["LinkedData", "bridge_lookup", "bridge_of_answers", "bridge_parts", "choose_link_key", "link_bridge", "link_check", "link_customers", "link_id_parts", "link_ids",
           "link_key_from_counts", "link_pairs", "link_row", "link_summary", "link_table", "linked_counts",
           "resolve_link_key", "shared_ids"]

TABLE_NAMES = ("tickets", "responses", "activity", "customers")


@dataclass
class LinkedData:
    """The four canonical tables linked per customer.

    Attributes
    ----------
    tickets, responses, activity, customers : DataFrame or None
        Copies of the inputs with a ``customer`` column (missing where a row
        could not be linked).
    link_on : {"customer_id", "email_key"}
        The identifier the tables were linked on.
    reason : str
        Why that key was chosen.

    Without its tables (:meth:`without_tables`) it keeps the linking's
    :meth:`summary`.
    """

    tickets: pd.DataFrame | None
    responses: pd.DataFrame | None
    activity: pd.DataFrame | None
    customers: pd.DataFrame | None
    link_on: str
    reason: str
    _stats: list = field(default_factory=list, repr=False)

    @property
    def key(self) -> str:
        """Deprecated name of :attr:`link_on`."""
        return self.link_on

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {n: getattr(self, n) for n in TABLE_NAMES if getattr(self, n) is not None}

    def summary(self) -> pd.DataFrame:
        """Per table: rows, rows linked to a customer, share linked, distinct customers."""
        tables = self.tables()
        if not tables and self._stats:  # the tables were let go (without_tables)
            return pd.DataFrame(self._stats)
        return pd.DataFrame([link_summary(name, df, self.link_on) for name, df in tables.items()])

    def without_tables(self, summary: list[dict] | None = None) -> LinkedData:
        """The linking without its tables: key, reason and :meth:`summary` (given as ``summary``, the rows of
        :func:`link_summary`, when the tables are elsewhere).

        Examples
        --------
        >>> ld = link_customers(tickets=pd.DataFrame({"customer_id": ["1", "2", None]}))
        >>> light = ld.without_tables()
        >>> light.tables(), light.summary().equals(ld.summary())
        ({}, True)
        """
        rows = list(summary) if summary is not None else self.summary().to_dict(orient="records")
        return LinkedData(None, None, None, None, self.link_on, self.reason, rows)

    def to_dict(self) -> dict:
        return {"link_on": self.link_on, "reason": self.reason,
                "tables": self.summary().replace({np.nan: None}).to_dict(orient="records")}

    def _repr_html_(self) -> str:
        import html

        from csanalysis.display import table_html

        return (f"<p>Linked on <b>{html.escape(self.link_on)}</b>: {html.escape(self.reason)}</p>"
                + table_html(self.summary()))


def _ids(df: pd.DataFrame | None, col: str) -> pd.Series:
    if df is None or col not in df.columns:
        return pd.Series([], dtype="str")
    return df[col].dropna().astype("str")


def link_check(name: str, df: Any) -> None:
    """Raise unless ``df`` is a table :func:`link_customers` can link (named ``name`` in the error)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    if "customer_id" not in df.columns and "email_key" not in df.columns:
        raise ValueError(f"{name} has neither a customer_id nor an email_key column; "
                         "read it with a csanalysis reader or give it one of them")


def link_ids(df: pd.DataFrame) -> tuple[int, int, set]:
    """What choosing the link key needs of one table: its customer ids and e-mail keys.

    Returns ``(rows with a customer id, rows with an e-mail key, the distinct
    customer ids as text)``; :func:`choose_link_key` takes one per table. A
    table's own step of :func:`link_customers`, so that a cluster can run it
    where the table is.

    Examples
    --------
    >>> link_ids(pd.DataFrame({"customer_id": ["1", None, "1"], "email_key": ["ek_a", "ek_b", None]}))
    (2, 2, {'1'})
    """
    ids = _ids(df, "customer_id")
    return len(ids), len(_ids(df, "email_key")), set(ids.unique())


def choose_link_key(ids: dict[str, tuple[int, int, set]]) -> tuple[str, str]:
    """The link key and why, from :func:`link_ids` of every table (by table name, in the tables' order).

    ``customer_id`` when every table has customer ids and every pair of
    tables shares at least 5% of them (the smaller table's), ``email_key``
    otherwise; with one table, the identifier more of its rows carry.
    (:func:`link_key_from_counts` of the ids' counts.)
    """
    names = list(ids)
    shared = {(a, b): len(ids[a][2] & ids[b][2]) for i, a in enumerate(names) for b in names[i + 1:]}
    return link_key_from_counts({n: (r, e, len(s)) for n, (r, e, s) in ids.items()}, shared)


def link_key_from_counts(counts: dict[str, tuple[int, int, int]],
                         shared: dict[tuple[str, str], int]) -> tuple[str, str]:
    """:func:`choose_link_key` from counts: per table (in the tables' order) its rows with a customer id, rows
    with an e-mail key and distinct customer ids; per pair of tables (in that order) the customer ids they
    share. What a cluster counts where the ids are (:func:`link_id_parts`, :func:`shared_ids`).

    Examples
    --------
    >>> counts = {"tickets": (10, 10, 8), "activity": (20, 5, 10)}
    >>> link_key_from_counts(counts, {("tickets", "activity"): 0})[0]
    'email_key'
    >>> link_key_from_counts(counts, {("tickets", "activity"): 4})
    ('customer_id', 'the tables share customer id values')
    """
    with_ids = {n: k for n, (_, _, k) in counts.items() if k}
    if len(counts) == 1:
        n_ids, n_emails, _ = next(iter(counts.values()))
        if n_ids >= n_emails:
            return "customer_id", "one table; its customer ids are used"
        return "email_key", "one table; its e-mail keys are used"
    names = list(counts)
    missing = [n for n in names if n not in with_ids]
    if missing:
        return "email_key", f"{', '.join(missing)} carr{'ies' if len(missing) == 1 else 'y'} no customer ids"
    overlaps = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            overlaps.append((shared[(a, b)] / max(1, min(with_ids[a], with_ids[b])), a, b))
    worst = min(overlaps)
    if worst[0] >= 0.05:
        return "customer_id", "the tables share customer id values"
    return "email_key", (f"{worst[1]} and {worst[2]} share {worst[0]:.0%} of customer id values "
                         "(different tools' ids)")


def link_id_parts(df: pd.DataFrame, n_parts: int) -> tuple[int, int, list[pd.Series]]:
    """:func:`link_ids` of one table (or a piece of it) with its distinct customer ids in ``n_parts`` parts by a
    stable hash of the id (an id in the same part in every table), so that a cluster counts the ids the tables
    share part by part (:func:`shared_ids`) and no task holds every table's ids.

    >>> n_ids, n_emails, parts = link_id_parts(pd.DataFrame({"customer_id": ["1", "2", "1", None]}), 2)
    >>> n_ids, n_emails, sorted(v for p in parts for v in p)
    (3, 0, ['1', '2'])
    """
    ids = _ids(df, "customer_id")
    distinct = ids.drop_duplicates().reset_index(drop=True)
    return len(ids), len(_ids(df, "email_key")), [distinct.iloc[pos] for pos in _part_positions(distinct, n_parts)]


def shared_ids(parts: dict[str, list[pd.Series]]) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """One part's counts for :func:`link_key_from_counts`: ``parts`` holds each table's shares of the part
    (:func:`link_id_parts` of each of its pieces); per table its distinct ids there, per pair of tables (in
    ``parts``' order) the ids they share. Summed over the parts, they are the whole tables' counts."""
    distinct = {n: pd.concat(p).drop_duplicates() if p else pd.Series([], dtype="str") for n, p in parts.items()}
    names = list(distinct)
    shared = {(a, b): int(isin_values(distinct[a], distinct[b]).sum())
              for i, a in enumerate(names) for b in names[i + 1:]}
    return {n: len(d) for n, d in distinct.items()}, shared


def resolve_link_key(link_on: str, choose: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    """``link_on`` of :func:`link_customers` resolved to a key and its reason; ``choose()`` (the key and its
    reason from the tables' ids: :func:`choose_link_key`) is called only for ``"auto"``."""
    if link_on == "auto":
        return choose()
    if link_on in ("customer_id", "email_key"):
        return link_on, "chosen with link_on="
    raise ValueError(f"link_on must be 'auto', 'customer_id' or 'email_key', got {link_on!r}")


def _other(key: str) -> str:
    return "email_key" if key == "customer_id" else "customer_id"


def link_pairs(df: pd.DataFrame, key: str) -> pd.DataFrame | None:
    """One table's rows carrying both identifiers, as ``(other, key)`` pairs: the first row of each other value.

    None when the table lacks one of the two columns. :func:`link_bridge`
    stacks them, table by table in order, into the bridge.
    """
    other = _other(key)
    if other not in df.columns or key not in df.columns:
        return None
    return df[[other, key]].dropna().drop_duplicates(other)


def link_bridge(pairs: list[pd.DataFrame | None], key: str) -> pd.Series:
    """The bridge other identifier -> link key, from :func:`link_pairs` of every table in order (first seen wins).

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["1", "2"], "email_key": ["ek_a", "ek_b"]})
    >>> a = pd.DataFrame({"customer_id": ["3"], "email_key": ["ek_a"]})
    >>> link_bridge([link_pairs(t, "customer_id"), link_pairs(a, "customer_id")], "customer_id").to_dict()
    {'ek_a': '1', 'ek_b': '2'}
    """
    other = _other(key)
    given = [p for p in pairs if p is not None]
    bridge = pd.concat(given).drop_duplicates(other) if given else pd.DataFrame(columns=[other, key])
    # Arrow text on both sides (as Python strings the bridge held about 120 bytes an identifier, on the Dask
    # client and on every worker it is sent to)
    return pd.Series(bridge[key].astype("str").array, index=pd.Index(bridge[other].astype("str").array, dtype="str"))


def _part_positions(values: pd.Series, n_parts: int) -> list[np.ndarray]:
    """The positions of text ``values`` (none missing) in each of ``n_parts`` parts by a stable hash of the
    value, increasing within a part: a value goes to the same part from every table and piece."""
    h = pd.util.hash_pandas_object(values.astype("str"), index=False).to_numpy() % np.uint64(n_parts)
    order = np.argsort(h, kind="stable")
    bounds = np.searchsorted(h[order], np.arange(n_parts + 1, dtype=np.uint64))
    return [order[bounds[i]:bounds[i + 1]] for i in range(n_parts)]  # a loop over parts


def bridge_parts(df: pd.DataFrame, key: str, n_parts: int) -> tuple[list[pd.DataFrame | None], list[pd.Series]]:
    """One table's (or piece's) share of the bridge in ``n_parts`` parts by a hash of the other identifier, for
    a cluster to build the bridge part by part (:func:`bridge_lookup`) instead of in one place: its
    :func:`link_pairs` (None without both columns) and the other identifiers of its rows that need the bridge
    (no ``key``; distinct), each split by the same hash.

    >>> t = pd.DataFrame({"customer_id": ["1", None], "email_key": ["ek_a", "ek_b"]})
    >>> pairs, asked = bridge_parts(t, "customer_id", 2)
    >>> sorted(v for a in asked for v in a), sum(len(p) for p in pairs)
    (['ek_b'], 1)
    """
    other = _other(key)
    pairs = link_pairs(df, key)
    split_pairs: list[pd.DataFrame | None] = [None] * n_parts
    if pairs is not None:
        split_pairs = [pairs.iloc[pos] for pos in _part_positions(pairs[other], n_parts)]
    if other not in df.columns or not len(df):
        return split_pairs, [pd.Series([], dtype="str") for _ in range(n_parts)]
    lacking = df[key].isna() if key in df.columns else pd.Series(True, index=df.index)
    asked = df[other][lacking.to_numpy(dtype=bool)].dropna().astype("str").drop_duplicates().reset_index(drop=True)
    return split_pairs, [asked.iloc[pos] for pos in _part_positions(asked, n_parts)]


def bridge_lookup(pairs: list[pd.DataFrame | None], asked: list[pd.Series], key: str) -> list[pd.Series]:
    """One part of the bridge (:func:`link_bridge` of every table's and piece's pairs in the part, in the
    tables' order: first seen wins), answering each piece's ``asked`` identifiers (:func:`bridge_parts`): per
    piece, the part's bridge restricted to them. :func:`link_table` with a piece's answers from every part
    links it as with the whole bridge."""
    bridge = link_bridge(pairs, key)
    return [bridge[isin_values(pd.Series(bridge.index), a).to_numpy()] for a in asked]


def bridge_of_answers(answers: list[pd.Series]) -> pd.Series:
    """A piece's bridge from every part's answers (:func:`bridge_lookup`): the entries its rows need."""
    given = [a for a in answers if len(a)]
    if not given:
        return pd.Series([], dtype="str", index=pd.Index([], dtype="str"))
    return pd.concat(given)


def link_table(df: pd.DataFrame, key: str, bridge: pd.Series) -> pd.DataFrame:
    """A copy of one table with its ``customer`` column: its own ``key``, else its other identifier via ``bridge``."""
    other = _other(key)
    df = df.copy()
    own = df[key].astype("str") if key in df.columns else pd.Series(np.nan, index=df.index, dtype="str")
    if other in df.columns and len(bridge):
        via = map_by_key(df[other].astype("str"), bridge)
        own = own.where(own.notna(), via)
    df["customer"] = own.astype("str")
    return df


def linked_counts(df: pd.DataFrame) -> tuple[int, int]:
    """Rows of a linked table and rows linked to a customer (what :func:`link_summary` counts; a table in
    pieces adds up its pieces' counts)."""
    return len(df), int(df["customer"].notna().sum())


def link_summary(name: str, df: pd.DataFrame, link_on: str) -> dict:
    """One row of :meth:`LinkedData.summary`: the table's rows, rows linked, share linked and distinct customers."""
    return link_row(name, *linked_counts(df), int(df["customer"].nunique()), link_on)


def link_row(name: str, rows: int, linked: int, customers: int, link_on: str) -> dict:
    """:func:`link_summary`'s row from its counts (a table counted where its parts are).

    Examples
    --------
    >>> link_row("activity", 4, 3, 2, "customer_id")["share_linked"]
    0.75
    """
    return {"table": name, "rows": int(rows), "linked": int(linked),
            "share_linked": linked / rows if rows else np.nan, "customers": int(customers), "link_on": link_on}


def link_customers(
    tickets: pd.DataFrame | None = None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    *,
    link_on: Literal["auto", "customer_id", "email_key"] = "auto",
    key: Literal["auto", "customer_id", "email_key"] | None = None,
) -> LinkedData:
    """Link the canonical tables per customer.

    Parameters
    ----------
    tickets, responses, activity, customers : DataFrame, optional
        Tables as the readers return them.
    link_on : {"auto", "customer_id", "email_key"}
        ``auto`` uses ``customer_id`` when every table has customer ids and
        every pair of tables shares at least 5% of them, ``email_key`` otherwise.
    key : optional
        Former name of ``link_on`` (kept so that old scripts run).

    Returns
    -------
    LinkedData

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["1", "2"], "email_key": ["ek_a", "ek_b"]})
    >>> a = pd.DataFrame({"customer_id": [None, "2"], "email_key": ["ek_a", None]})
    >>> ld = link_customers(tickets=t, activity=a)
    >>> ld.link_on, ld.activity["customer"].tolist()
    ('customer_id', ['1', '2'])
    """
    key = link_on if key is None else key
    given = {n: df for n, df in zip(TABLE_NAMES, (tickets, responses, activity, customers)) if df is not None}
    if not given:
        raise ValueError("link_customers needs at least one table")
    for n, df in given.items():
        link_check(n, df)
    key, reason = resolve_link_key(key, lambda: choose_link_key({n: link_ids(df) for n, df in given.items()}))
    # A bridge other -> key learned from rows carrying both (first seen wins).
    bridge = link_bridge([link_pairs(df, key) for df in given.values()], key)
    out = {n: link_table(df, key, bridge) for n, df in given.items()}
    return LinkedData(out.get("tickets"), out.get("responses"), out.get("activity"), out.get("customers"),
                      key, reason)
