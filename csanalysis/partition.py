"""Partitions of customers: the seam for scale.

Everything that must see all of a customer's rows (experiences, index dates,
follow-up to the next purchase, per-customer features) depends on that
customer's rows only, once linking has given every row its ``customer``. So
the customers can be split into partitions and each partition processed
alone; estimators then work in two phases:

1. **per-customer phase** (:func:`customer_phase`, one call per partition):
   emits *additive* statistics only, in a :class:`Partials`: Kaplan-Meier
   event and censoring counts per distinct duration, histograms of bounded
   answers (CSAT 1-5, NPS 0-10, CES 1-7), success / eligible counts of
   shares, and one row of features per customer;
2. **global step**: :func:`combine` adds the partials (an associative,
   order-independent sum; per-customer rows are concatenated) and
   :func:`estimates` computes the point estimates from the sums.

Every figure here is defined by the estimator that reports it, and the tests
check that one pass, or four partitions combined, reproduce those estimators
to 1e-12: :func:`csanalysis.estimators.avoidance.avoidance` (the durations
come from the same :func:`~csanalysis.estimators.avoidance.index_durations`),
:func:`csanalysis.estimators.service_metrics` (overall values) and
:func:`csanalysis.estimators.word_of_mouth` (dissatisfied respondents).

Nothing loops over rows or customers in Python; a partition may be any
subset of customers, so the per-customer phase can run on Dask (or any other)
partitions as long as a customer's rows are never split.

Examples
--------
>>> import csanalysis as cs
>>> s = cs.datasets.load_sample()
>>> linked = cs.link_customers(s.tickets, s.responses, s.activity, s.customers)
>>> as_of = linked.activity["at"].max()
>>> parts = split_customers(linked, 4)
>>> total = combine([customer_phase(p, as_of=as_of) for p in parts])
>>> one = estimates(customer_phase(linked, as_of=as_of)).set_index("id")
>>> four = estimates(total).set_index("id")
>>> bool(((four["estimate"] - one["estimate"]).abs().max() < 1e-12) and (four["n"] == one["n"]).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.estimators.avoidance import MIN_STRATUM, index_durations
from csanalysis.estimators.metrics import SOLVED_STATUSES
from csanalysis.estimators.word_of_mouth import OPEN_MULTIPLIER, prepare_responses
from csanalysis.experiences import BadExperienceRule, experiences, first_responses
from csanalysis.link import TABLE_NAMES, LinkedData
from csanalysis.lookup import isin_values, map_by_key, map_first
from csanalysis.schema import agent_initiated, conform, rating_from_score
from csanalysis.stats.survival import kaplan_meier, stratified_survival

__all__ = [
    "ESTIMATE_IDS",
    "FEATURE_COLUMNS",
    "OWNER_COLUMNS",
    "Partials",
    "UnitGroups",
    "combine",
    "customer_phase",
    "estimates",
    "groups_of_edges",
    "part_numbers",
    "piece_from_parts",
    "placing_keys",
    "placing_keys_by_row",
    "rows_by_piece",
    "split_customers",
    "split_positions",
    "split_rows",
    "ticket_id_parts",
    "ticket_owners",
    "unit_edges",
    "unit_groups",
]

#: Kaplan-Meier figures, as :func:`~csanalysis.estimators.avoidance.avoidance` names them, and their index.
KM_FIGURES: dict[str, str] = {"avoid_2y_after_bad": "bad", "avoid_2y_after_good": "good"}
#: Survey items kept as histograms of their answers (bounded scales).
ANSWER_ITEMS: tuple[str, ...] = ("csat", "nps", "ces")
#: Shares kept as (successes, eligible) counts.
SHARE_IDS: tuple[str, ...] = (
    "bad_rating_share", "reopen_rate", "share_bad_any", "wom_told_over_20", "told_others_not_to_buy_after_bad",
)
#: Ids of :func:`estimates`, in order.
ESTIMATE_IDS: tuple[str, ...] = (
    "avoid_2y_after_bad", "avoid_2y_after_good", "csat_mean", "csat_top2", "nps", "ces_mean",
    "bad_rating_share", "reopen_rate", "share_bad_any", "wom_told_over_20", "told_others_not_to_buy_after_bad",
)
#: Columns of :attr:`Partials.features`, in order.
FEATURE_COLUMNS: tuple[str, ...] = (
    "customer", "n_tickets", "n_bad", "first_bad_at", "n_orders", "first_order_at", "last_order_at",
)

# word_of_mouth's defaults: who is dissatisfied, how an open answer ("more than 20") counts
_DISSATISFIED_MAX_CSAT = 2.0
_STR = pd.StringDtype(na_value=np.nan)
_UTC = "datetime64[ns, UTC]"


# =========================================================================== the partials
@dataclass(eq=False)
class Partials:
    """Additive statistics of one partition of customers (or of several, combined).

    Every table is indexed so that combining partitions is a sum of matching
    rows (missing rows count as 0); :attr:`features` has one row per
    customer and is concatenated. Compare two with :meth:`equals`.

    Attributes
    ----------
    survival : DataFrame
        Index ``(figure, rate_band, duration)``: figure id of
        :data:`KM_FIGURES`, the band of the pre-index purchase rate that
        stratifies ``avoid_2y_after_bad`` (0 for the good group) and a
        distinct duration in days (to the next purchase, or to ``as_of``);
        int64 columns ``events`` and ``censored``. Within a band, the at-risk
        count at a duration is the reverse cumulative sum of
        ``events + censored``.
    answers : DataFrame
        Index ``(item, value)``: survey item (``csat``, ``nps``, ``ces``) and
        a distinct answer; int64 column ``count``.
    shares : DataFrame
        Index ``id`` (:data:`SHARE_IDS`); int64 columns ``k`` (successes)
        and ``n`` (eligible).
    features : DataFrame
        One row per customer, columns :data:`FEATURE_COLUMNS`: ``n_tickets``
        (experiences from tickets), ``n_bad`` (bad experiences),
        ``first_bad_at``, ``n_orders``, ``first_order_at``,
        ``last_order_at``; sorted by customer.
    window : float
        Days of the Kaplan-Meier figures.
    as_of : Timestamp
        End of follow-up (UTC), the same for every partition.
    rule : BadExperienceRule
        What counted as a bad / good experience.
    """

    survival: pd.DataFrame
    answers: pd.DataFrame
    shares: pd.DataFrame
    features: pd.DataFrame
    window: float
    as_of: pd.Timestamp
    rule: BadExperienceRule = field(default_factory=BadExperienceRule)

    def settings(self) -> dict[str, Any]:
        """The settings partials must share to be combined."""
        return {"window": self.window, "as_of": self.as_of, "rule": self.rule}

    def equals(self, other: Partials) -> bool:
        """Same settings and exactly the same tables (values, dtypes, order)."""
        return (isinstance(other, Partials) and self.settings() == other.settings()
                and all(getattr(self, f).equals(getattr(other, f)) for f in ("survival", "answers", "shares",
                                                                             "features")))

    def __repr__(self) -> str:
        return (f"Partials(window={self.window:g}, as_of={self.as_of}, customers={len(self.features):,}, "
                f"durations={len(self.survival):,}, answers={int(self.answers['count'].sum()):,})")


# =========================================================================== splitting
def _hash_key(seed: int) -> str:
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be an integer from 0 to 2**64 - 1, got {seed!r}.")
    return f"{int(seed):016x}"


#: The columns :func:`ticket_owners` reads of each table.
OWNER_COLUMNS: dict[str, tuple[str, ...]] = {"tickets": ("ticket_id", "customer"),
                                             "responses": ("ticket_id", "responded_at", "customer")}


def ticket_owners(tickets: pd.DataFrame, responses: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The customer owning each ticket and each survey response, for splitting (positional Series).

    A row's own ``customer``, except that a survey response about a ticket in
    the tickets table follows that ticket (which the experiences attach it
    to), and a ticket without a customer takes that of its first response
    (as the experiences do), or of its first response with a customer when
    that one has none. Ticket ids are assumed unique (de-duplicated).
    Only the columns of :data:`OWNER_COLUMNS` are read, so a cluster can send
    just those to one place.
    """
    own_t = tickets["customer"].astype(_STR).reset_index(drop=True)
    own_r = responses["customer"].astype(_STR).reset_index(drop=True)
    if "ticket_id" not in tickets.columns or not {"ticket_id", "responded_at"} <= set(responses.columns):
        return own_t, own_r
    # positional throughout (a table's index may repeat labels, e.g. after concatenating exports); the ids and
    # customers stay Arrow text (as Python strings they held about 300 bytes a ticket, at 5M customers more than
    # a worker's 4.5 GB), looked up in pyarrow
    tt = pd.DataFrame({"ticket_id": tickets["ticket_id"].astype(_STR).reset_index(drop=True)})
    rr = pd.DataFrame({"ticket_id": responses["ticket_id"].astype(_STR).reset_index(drop=True),
                       "responded_at": pd.to_datetime(responses["responded_at"], utc=True).reset_index(drop=True),
                       "customer": own_r})
    first, _ = first_responses(tt, rr)  # the response experiences() attaches to each ticket
    own = own_t.mask(own_t.isna().to_numpy(),
                     map_first(tt["ticket_id"], first["ticket_id"].astype(_STR), first["customer"].astype(_STR)))
    own = own.astype(_STR)
    if own.isna().any() and rr["customer"].notna().any():
        # that first response without a customer either: the first that has one, so that the ticket's answers
        # stay with the customers who gave them (their sampling unit; the ticket goes where they go)
        known, _ = first_responses(tt, rr[rr["customer"].notna().to_numpy()])
        own = own.mask(own.isna().to_numpy(),
                       map_first(tt["ticket_id"], known["ticket_id"].astype(_STR), known["customer"].astype(_STR)))
        own = own.astype(_STR)
    about = (rr["ticket_id"].notna() & isin_values(rr["ticket_id"], tt["ticket_id"])).to_numpy(dtype=bool)
    # a ticket id given twice: its first ticket's owner (ids are de-duplicated by the readers)
    return own, own_r.mask(about, map_first(rr["ticket_id"], tt["ticket_id"], own)).astype(_STR)


def _owners(linked: LinkedData, groups: UnitGroups | None = None) -> dict[str, pd.Series]:
    """The key that places each row of every table, for splitting: its owner (see :func:`ticket_owners`), or
    with ``groups`` the owner's group (:func:`placing_keys`)."""
    keys = {n: df["customer"].astype(_STR) for n, df in linked.tables().items()}
    if groups is not None:
        keys = {n: groups.keys(k, unit_values(getattr(linked, n), groups.column)) for n, k in keys.items()}
    if linked.tickets is not None and linked.responses is not None:
        keys["tickets"], keys["responses"] = placing_keys(linked.tickets, linked.responses, groups)
    return keys


def unit_values(table: pd.DataFrame | None, column: str, via: pd.DataFrame | None = None) -> pd.Series | None:
    """Each row's own value of the unit ``column`` (positional): the table's, else (answers) that of the ticket
    it is about in ``via``, as :func:`~csanalysis.estimators.metrics.sampling_units` reads it; None when the
    rows have no way to one."""
    if table is None:
        return None
    if column in table.columns:
        return table[column].astype(_STR).reset_index(drop=True)
    if via is not None and column in via.columns and "ticket_id" in table.columns and "ticket_id" in via.columns:
        return map_first(table["ticket_id"].astype(_STR), via["ticket_id"].astype(_STR),
                         via[column].astype(_STR)).reset_index(drop=True)
    return None


def placing_keys(tickets: pd.DataFrame, responses: pd.DataFrame,
                 groups: UnitGroups | None) -> tuple[pd.Series, pd.Series]:
    """The keys placing the tickets and the answers (positional): their owners (:func:`ticket_owners`), through
    ``groups`` (:meth:`UnitGroups.keys`; an answer's unit is its ticket's when it has none of its own)."""
    own_t, own_r = ticket_owners(tickets, responses)
    if groups is None:
        return own_t, own_r
    col = groups.column
    return (groups.keys(own_t, unit_values(tickets, col)),
            groups.keys(own_r, unit_values(responses, col, tickets)))


def ticket_id_parts(df: pd.DataFrame, n_parts: int, *, start: int = 0) -> list[pd.DataFrame]:
    """The rows of ``df`` (a table's :data:`OWNER_COLUMNS`, or a piece of it) in ``n_parts`` parts by ticket id,
    so that owners and placing keys can be found part by part (:func:`placing_keys_by_row`).

    Every row of one ticket id, in the tickets and in the answers, goes to the same part (a stable hash of the
    id as text), and with it all that decides its owner (the ticket's customer, the answers about it); a row
    without a ticket id (or of a table without the column) is owned by its own customer alone, and goes to a
    part by its position. Each part keeps the rows' order, indexed by their row numbers in the whole table
    (``start``: the number of ``df``'s first row), which :func:`rows_by_piece` sends back by.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "1", None], "customer": ["a", "b", "a", "c"]})
    >>> parts = ticket_id_parts(t, 2, start=10)
    >>> sorted(i for p in parts for i in p.index)
    [10, 11, 12, 13]
    >>> any({10, 12} <= set(p.index) for p in parts)
    True
    """
    df = df.set_axis(pd.RangeIndex(int(start), int(start) + len(df)))
    by_position = df.index.to_numpy() % n_parts
    if "ticket_id" not in df.columns:
        return split_rows(df, by_position, n_parts)
    ids = df["ticket_id"].astype(_STR)  # (the id as text: the same part for "7" and 7 in two tables)
    return split_rows(df, np.where(ids.notna().to_numpy(), part_numbers(ids, n_parts), by_position), n_parts)


def placing_keys_by_row(tickets: pd.DataFrame, responses: pd.DataFrame,
                        groups: UnitGroups | None) -> tuple[pd.Series, pd.Series]:
    """:func:`placing_keys` of one part by ticket id (:func:`ticket_id_parts`: the tickets' and the answers'
    parts of every piece, stacked in order), indexed by the rows' numbers in the whole tables: what
    :func:`placing_keys` gives those rows of the whole tables."""
    keys_t, keys_r = placing_keys(tickets, responses, groups)
    return keys_t.set_axis(tickets.index), keys_r.set_axis(responses.index)


def rows_by_piece(values: pd.Series, starts: list[int]) -> list[pd.Series]:
    """``values`` indexed by increasing row numbers of a whole table, cut into the pieces that begin at rows
    ``starts`` (increasing, from 0), each indexed by its rows' positions in its piece (:func:`piece_from_parts`
    joins them again).

    >>> [p.to_dict() for p in rows_by_piece(pd.Series(["x", "y", "z"], index=[1, 4, 5]), [0, 4])]
    [{1: 'x'}, {0: 'y', 1: 'z'}]
    """
    rows = values.index.to_numpy()
    cut = np.searchsorted(rows, np.asarray(starts[1:], dtype=np.int64), side="left")
    bounds = [0, *cut.tolist(), len(rows)]
    return [values.iloc[bounds[i]:bounds[i + 1]].set_axis(rows[bounds[i]:bounds[i + 1]] - int(s))
            for i, s in enumerate(starts)]  # a loop over pieces


def piece_from_parts(parts: list[pd.Series], n_rows: int | None = None) -> pd.Series:
    """One piece's values from every part's (:func:`rows_by_piece`), positional: each of its rows once.

    >>> piece_from_parts([pd.Series(["b"], index=[1]), pd.Series(["a", "c"], index=[0, 2])]).tolist()
    ['a', 'b', 'c']
    """
    values = pd.concat(parts)
    values = values.iloc[np.argsort(values.index.to_numpy(), kind="stable")]
    rows = values.index.to_numpy()
    n = len(rows) if n_rows is None else int(n_rows)
    if len(rows) != n or not np.array_equal(rows, np.arange(n)):
        raise ValueError(f"the parts hold rows {rows[:5].tolist()}..., not each of the piece's {n} rows once")
    return values.reset_index(drop=True)


@dataclass(frozen=True)
class UnitGroups:
    """Customers that go to one partition together, so that no sampling unit spans partitions (the design's B2).

    Built by :func:`unit_groups`. ``customers`` maps each customer that shares a unit with another customer to
    its group's key (the smallest customer key of the group, so a group goes where that customer alone would);
    ``units`` maps every unit value a customer has to its group's key. A customer sharing nothing keeps its
    own key; rows without an owner whose unit no customer has keep none (every row of that unit goes to part 0).
    """

    column: str
    customers: pd.Series
    units: pd.Series

    def keys(self, owner: pd.Series, units: pd.Series | None = None) -> pd.Series:
        """The key placing each row (positional, like ``owner``): its owner's group key, its owner when alone,
        and for a row without an owner the group key of its unit value (``units``, positional:
        :func:`unit_values`)."""
        owner = owner.astype(_STR).reset_index(drop=True)
        key = owner
        if len(self.customers):
            grouped = map_by_key(owner, self.customers)
            key = owner.mask(grouped.notna().to_numpy(), grouped.to_numpy()).astype(_STR)
        if units is not None and len(self.units):
            unit = units.astype(_STR).reset_index(drop=True)
            ownerless = (key.isna() & unit.notna()).to_numpy()
            if ownerless.any():
                key = key.mask(ownerless, map_by_key(unit, self.units).to_numpy()).astype(_STR)
        return key


def unit_groups(tickets: pd.DataFrame | None, responses: pd.DataFrame | None, unit: str | None) -> UnitGroups | None:
    """Which customers must share a partition so that no sampling unit ``unit`` spans two (None: none need to).

    :func:`~csanalysis.estimators.metrics.sampling_units` makes a ticket's or answer's unit its ``unit`` value
    (an account), else its customer's most frequent one, else its customer; rows are placed by their owner
    (:func:`ticket_owners`: a response about a ticket goes with the ticket's customer). So a unit's rows stay
    in one partition when the connected components of the graph owner -- unit value (every ticket and answer
    carrying one) and answer's customer -- ticket owner go whole to one partition: each component goes where
    its smallest customer key would go alone (:meth:`UnitGroups.keys`). Cluster-robust variances and counts of
    distinct units are then sums over partitions. The components are found by
    :func:`scipy.sparse.csgraph.connected_components` over the distinct pairs (no loop over rows): the edges of
    :func:`unit_edges`, joined by :func:`groups_of_edges` (which the Dask engine does part by part of ticket
    ids, :func:`ticket_id_parts`, since a row's edges depend only on the rows of its ticket id).

    ``unit`` ``"customer"``: only the second kind of edge (an answer's own customer is its unit, and it is placed
    with the ticket's owner). ``unit`` None (every row its own unit), or no table carrying the column and no
    answer placed away from its customer: returns None.

    Examples
    --------
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer": ["a", "b", "c"], "account_id": ["X", "X", None]})
    >>> g = unit_groups(t, None, "account_id")
    >>> g.customers.to_dict(), g.units.to_dict()
    ({'b': 'a'}, {'X': 'a'})
    >>> g.keys(t["customer"], t["account_id"]).tolist()
    ['a', 'a', 'c']
    """
    edges = unit_edges(tickets, responses, unit)
    return None if edges is None else groups_of_edges([edges], unit)


def unit_edges(tickets: pd.DataFrame | None, responses: pd.DataFrame | None, unit: str | None) -> pd.DataFrame | None:
    """The distinct edges of :func:`unit_groups`' graph from these rows: ``customer`` (a row's owner, or an
    answer's own customer) to ``other``, a unit value, or with ``to_customer`` another customer (an answer's,
    placed with the ticket's owner). None when there is no graph to build (``unit`` None, no tickets). A row's
    edges depend only on the rows of its ticket id, so the edges of the parts of :func:`ticket_id_parts`,
    together, are those of the whole tables (:func:`groups_of_edges` joins them).

    >>> t = pd.DataFrame({"ticket_id": ["1", "2"], "customer": ["a", "b"], "account_id": ["X", "X"]})
    >>> unit_edges(t, None, "account_id").to_dict("list")
    {'customer': ['a', 'b'], 'other': ['X', 'X'], 'to_customer': [False, False]}
    """
    if unit is None or tickets is None:
        return None
    tickets = tickets.reset_index(drop=True)
    own_t = tickets["customer"].astype(_STR)
    own_r = owner_r = None
    if responses is not None:
        responses = responses.reset_index(drop=True)
        own_t, owner_r = ticket_owners(tickets, responses)
        own_r = responses["customer"].astype(_STR).reset_index(drop=True)
    # (customer, unit value) pairs: each table's rows carrying a value, by owner and by own customer
    pairs: list[tuple[pd.Series, pd.Series]] = []
    for table, owners, via in ((tickets, (own_t,), None), (responses, (owner_r, own_r), tickets)):
        u = None if unit == "customer" else unit_values(table, unit, via)
        if u is not None:
            pairs += [(o, u) for o in owners]
    links = [(owner_r, own_r)] if responses is not None else []  # an answer placed with another customer
    frames = []
    for (a, b), to_customer in [*((p, False) for p in pairs), *((p, True) for p in links)]:
        keep = (a.notna() & b.notna()).to_numpy(copy=True)
        if to_customer:
            keep &= (a != b).to_numpy()
        frames.append(pd.DataFrame({"customer": a[keep].array, "other": b[keep].array, "to_customer": to_customer}))
    edges = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame({"customer": pd.Series([], dtype=_STR), "other": pd.Series([], dtype=_STR),
                                "to_customer": pd.Series([], dtype=bool)}))
    return edges.drop_duplicates(ignore_index=True)


def groups_of_edges(edges: list[pd.DataFrame | None], unit: str) -> UnitGroups | None:
    """:func:`unit_groups` from the edges of its graph (:func:`unit_edges`, of the whole tables or of their
    parts by ticket id): None when there are none."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    given = [e for e in edges if e is not None and len(e)]
    if not given:
        return None
    e = pd.concat(given, ignore_index=True)
    del given
    to_c = e["to_customer"].to_numpy(dtype=bool)
    # the graph's nodes as integer codes (customers first, then unit values), its edges pairs of codes: no text
    # is made per row (the prefixed keys and their factorising once held every ticket's twice, at 5M customers
    # more than a worker's 4.5 GB)
    cust_codes, cust_keys = pd.factorize(pd.concat([e["customer"], e["other"][to_c]], ignore_index=True))
    unit_codes, unit_keys = pd.factorize(e["other"][~to_c])
    nc, n_e = len(cust_keys), len(e)
    dst = np.empty(n_e, dtype=np.int64)
    dst[to_c] = cust_codes[n_e:]
    dst[~to_c] = nc + unit_codes
    src = cust_codes[:n_e]
    n = nc + len(unit_keys)
    del e
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    del graph, src, dst
    cust_keys = pd.Series(cust_keys.array, dtype=_STR)
    # a group's key: its smallest customer key (every edge has a customer at one end, so every group has one)
    group_of = cust_keys.groupby(label[:nc]).min()
    cgroup = pd.Series(group_of.reindex(label[:nc]).to_numpy(), dtype=_STR)
    moved = (cgroup != cust_keys).to_numpy()
    customers = pd.Series(cgroup[moved].to_numpy(), index=pd.Index(cust_keys[moved].to_numpy(), dtype=_STR),
                          dtype=_STR)
    units = pd.Series(group_of.reindex(label[nc:]).to_numpy(),
                      index=pd.Index(pd.Series(unit_keys.array, dtype=_STR).array, dtype=_STR), dtype=_STR)
    return UnitGroups(unit, customers, units)


def part_numbers(owner: pd.Series, n_parts: int, *, seed: int = 0) -> np.ndarray:
    """The partition (0 .. ``n_parts`` - 1) of each row owned by ``owner``: a stable hash of the customer.

    Rows without an owner go to part 0. The same customer gets the same
    part in every table and on every machine (:func:`split_customers`).
    """
    h = pd.util.hash_pandas_object(owner, index=False, hash_key=_hash_key(seed)).to_numpy()
    return np.where(owner.notna().to_numpy(), (h % np.uint64(n_parts)).astype(np.int64), 0)


def split_positions(part: np.ndarray, n_parts: int) -> list[np.ndarray]:
    """The positions of the rows in each of ``n_parts`` parts (``part``: each row's, :func:`part_numbers`),
    increasing within a part.

    >>> [p.tolist() for p in split_positions(np.array([1, 0, 1, 1]), 3)]
    [[1], [0, 2, 3], []]
    """
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n_parts + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(n_parts)]  # a loop over parts


def split_rows(df: pd.DataFrame, part: np.ndarray, n_parts: int) -> list[pd.DataFrame]:
    """The rows of ``df`` in each of ``n_parts`` parts (``part``: each row's, :func:`part_numbers`), row
    order (and index) kept within a part."""
    return [df.take(pos) for pos in split_positions(part, n_parts)]


def split_customers(linked: LinkedData, n_parts: int, *, seed: int = 0, unit: str | None = None) -> list[LinkedData]:
    """Split linked tables into ``n_parts`` partitions of customers.

    A row goes to part ``hash(customer) mod n_parts`` (a stable 64-bit hash,
    :func:`pandas.util.hash_pandas_object` with a key derived from
    ``seed``), so every row of a customer lands in the same part, in every
    table and on every machine. A survey response about a ticket follows that
    ticket's customer, and rows without any customer go to part 0, so that
    each row is in exactly one part and :func:`customer_phase` on the parts,
    combined, equals one pass over the whole.

    Parameters
    ----------
    linked : LinkedData
        Tables linked per customer (:func:`csanalysis.link.link_customers`).
    n_parts : int
        Number of partitions (>= 1).
    seed : int, default 0
        Changes which customers go together.
    unit : str, optional
        The sampling unit of the analysis (``"account_id"``, as
        :func:`csanalysis.analyse` resolves ``cluster=``): customers sharing
        a unit go to one part together (:func:`unit_groups`), so no unit
        spans parts. ``"customer"``: a customer who answered about another
        customer's ticket goes with that customer. None: every customer alone.

    Returns
    -------
    list of LinkedData
        ``n_parts`` copies of ``linked`` (same linking key and reason), each
        with its rows of every table; row order (and index) within a table is
        kept. A part may be empty.

    Examples
    --------
    >>> from csanalysis.link import link_customers
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer_id": ["a", "b", "a"]})
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "at": ["2024-01-01"] * 4})
    >>> parts = split_customers(link_customers(tickets=t, activity=a), 3)
    >>> [sorted(p.activity["customer"]) for p in parts]
    [['c'], ['b'], ['a', 'd']]
    >>> [p.tickets["ticket_id"].tolist() for p in parts]
    [[], ['2'], ['1', '3']]
    """
    if not isinstance(linked, LinkedData):
        raise TypeError(f"linked must be a LinkedData (csanalysis.link.link_customers), got {type(linked).__name__}.")
    if isinstance(n_parts, bool) or int(n_parts) != n_parts or n_parts < 1:
        raise ValueError(f"n_parts must be a whole number >= 1, got {n_parts!r}.")
    n_parts = int(n_parts)
    missing = [n for n, df in linked.tables().items() if "customer" not in df.columns]
    if missing:
        raise ValueError(f"{', '.join(missing)} ha{'s' if len(missing) == 1 else 've'} no `customer` column; "
                         "link the tables with csanalysis.link.link_customers first.")
    _hash_key(seed)  # checked before any work
    out: dict[str, list[pd.DataFrame | None]] = {n: [None] * n_parts for n in TABLE_NAMES}
    groups = unit_groups(linked.tickets, linked.responses, unit)
    for name, owner in _owners(linked, groups).items():  # at most four tables
        out[name] = split_rows(getattr(linked, name), part_numbers(owner, n_parts, seed=seed), n_parts)
    return [replace(linked, **{n: out[n][i] for n in TABLE_NAMES}) for i in range(n_parts)]


# =========================================================================== per-customer phase
def _timestamp(as_of: Any) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise ValueError(f"as_of must be a date or timestamp, got {as_of!r}.") from None
    if pd.isna(ts):
        raise ValueError("as_of must be a date or timestamp, got a missing value.")
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).as_unit("ns")


def _canonical(df: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """The canonical table (empty when absent), with its ``customer`` column."""
    if df is None:
        out = conform(pd.DataFrame(), name)
        out["customer"] = pd.Series(dtype=_STR)
        return out
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}.")
    if "customer" not in df.columns:
        raise ValueError(f"{name} has no `customer` column; link the tables with csanalysis.link.link_customers.")
    out = conform(df, name).reset_index(drop=True)
    out["customer"] = out["customer"].astype(_STR)
    return out


def _km_counts(durations: pd.DataFrame, figure: str) -> pd.DataFrame:
    event = durations["event"].to_numpy(dtype=bool)
    # the bad group's figure is standardised over bands of the pre-index purchase rate; the good group's is pooled
    band = (durations["rate_band"].to_numpy(dtype=np.int64) if figure == "avoid_2y_after_bad"
            else np.zeros(len(durations), dtype=np.int64))
    counts = pd.DataFrame({"events": event.astype(np.int64), "censored": (~event).astype(np.int64)},
                          index=pd.MultiIndex.from_arrays(
                              [band, durations["duration"].to_numpy(dtype="float64")],
                              names=["rate_band", "duration"]))
    counts = counts.groupby(level=["rate_band", "duration"], sort=True).sum()
    return pd.concat({figure: counts}, names=["figure"])


def _answers(responses: pd.DataFrame) -> pd.DataFrame:
    parts = {}
    for item in ANSWER_ITEMS:
        x = pd.to_numeric(responses[item], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        x = x[np.isfinite(x)]
        if item == "nps" and np.any((x < 0) | (x > 10)):
            raise ValueError(f"NPS answers must lie on the 0-10 scale; found {int(((x < 0) | (x > 10)).sum())} "
                             "value(s) outside 0..10. Rescale the answers to 0-10 first.")
        values, counts = np.unique(x, return_counts=True)
        parts[item] = pd.DataFrame({"count": counts.astype(np.int64)},
                                   index=pd.Index(values.astype("float64"), name="value"))
    return pd.concat(parts, names=["item"])


def _shares(tickets: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Successes and eligible counts, as service_metrics (overall) and word_of_mouth define them."""
    # service_metrics: customer-initiated tickets only (its default)
    t = tickets.loc[~agent_initiated(tickets)]
    rating = pd.Series(rating_from_score(t["rating_score"], said=t["rating"]), index=t.index)
    rated = rating.notna().to_numpy()
    bad = (rating.astype("object") == "bad").fillna(False).to_numpy(dtype=bool)
    status = t["status"].astype("str").str.lower()
    solved = (t["solved_at"].notna() | status.isin(SOLVED_STATUSES).fillna(False)).to_numpy(dtype=bool)
    reopens = pd.to_numeric(t["reopens"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    known = solved & np.isfinite(reopens)
    with np.errstate(invalid="ignore"):
        reopened = reopens >= 1
    # word_of_mouth: dissatisfied respondents (its column conventions and checks)
    v = prepare_responses(responses, "csat", "told_count_low", "told_count_high", "warned_others", OPEN_MULTIPLIER)
    dis = v["csat"] <= _DISSATISFIED_MAX_CSAT
    ans = dis & ~np.isnan(v["low"])
    warned = v["warned"][dis]
    warned = warned[~np.isnan(warned)]
    kn = {
        "bad_rating_share": ((bad & rated).sum(), rated.sum()),
        "reopen_rate": ((reopened & known).sum(), known.sum()),
        "share_bad_any": ((v["low"][ans] >= 1).sum(), ans.sum()),
        "wom_told_over_20": ((v["mid"][ans] > 20).sum(), ans.sum()),
        "told_others_not_to_buy_after_bad": ((warned == 1).sum(), warned.size),
    }
    return pd.DataFrame({"k": [int(kn[i][0]) for i in SHARE_IDS], "n": [int(kn[i][1]) for i in SHARE_IDS]},
                        index=pd.Index(list(SHARE_IDS), name="id", dtype=_STR))


def _features(exp: pd.DataFrame, activity: pd.DataFrame) -> pd.DataFrame:
    e = exp.loc[exp["customer"].notna()]
    g = e.assign(_t=e["source"] == "ticket").groupby("customer", sort=False)
    ex = pd.DataFrame({"n_tickets": g["_t"].sum(), "n_bad": g["bad"].sum()})
    ex["first_bad_at"] = e.loc[e["bad"]].groupby("customer", sort=False)["at"].min()
    a = activity.loc[activity["customer"].notna()]
    g = a.groupby("customer", sort=False)
    ac = pd.DataFrame({"n_orders": g.size(), "first_order_at": g["at"].min(), "last_order_at": g["at"].max()})
    both = pd.concat([ex, ac], axis=1, join="outer")
    out = pd.DataFrame({"customer": pd.Series(both.index.to_numpy(), dtype=_STR)})
    for c in ("n_tickets", "n_bad", "n_orders"):
        out[c] = both[c].fillna(0).to_numpy(dtype=np.int64)
    for c in ("first_bad_at", "first_order_at", "last_order_at"):
        out[c] = both[c].astype(_UTC).reset_index(drop=True)
    return out[list(FEATURE_COLUMNS)]


def customer_phase(
    part: LinkedData,
    *,
    as_of: Any,
    window: float = 730,
    rule: BadExperienceRule | None = None,
) -> Partials:
    """The per-customer phase on one partition: additive statistics only.

    Builds the partition's experiences
    (:func:`csanalysis.experiences.experiences` with ``rule``) and emits:

    * for ``avoid_2y_after_bad`` and ``avoid_2y_after_good``, the number of
      events and of censored customers per distinct duration, from
      :func:`csanalysis.estimators.avoidance.index_durations` (the durations
      :func:`~csanalysis.estimators.avoidance.avoidance` uses: indexed when
      each experience became known, purchases placed while a ticket was open
      not counted, the good group censored at a later bad experience; all of
      it per customer, so partitions add up);
    * histograms of the CSAT, NPS and CES answers of every response, and the
      (successes, eligible) counts of the bad-rating share and the reopen
      rate over customer-initiated tickets, as
      :func:`csanalysis.estimators.service_metrics` defines them;
    * the counts behind ``share_bad_any``, ``wom_told_over_20`` and
      ``told_others_not_to_buy_after_bad`` among dissatisfied respondents
      (CSAT 1-2), as :func:`csanalysis.estimators.word_of_mouth` defines
      them (open answers at 1.5 x their low end);
    * per-customer features.

    Parameters
    ----------
    part : LinkedData
        One partition (:func:`split_customers`), or all the linked data.
    as_of : timestamp
        End of follow-up. Required: every partition must be censored at the
        same date (typically the last purchase of the whole activity table).
    window : float, default 730
        Days of the avoidance figures.
    rule : BadExperienceRule, optional
        What counts as a bad / good experience (default rule when ``None``).

    Returns
    -------
    Partials

    Examples
    --------
    >>> from csanalysis.link import link_customers
    >>> t = pd.DataFrame({"ticket_id": ["1", "2"], "customer_id": ["a", "b"],
    ...     "created_at": ["2024-01-10", "2024-02-01"], "rating": ["bad", "good"]})
    >>> a = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "at": ["2024-01-01", "2024-03-01", "2024-01-05"]})
    >>> p = customer_phase(link_customers(tickets=t, activity=a), as_of="2024-12-31")
    >>> p.survival.reset_index()
                    figure  rate_band  duration  events  censored
    0   avoid_2y_after_bad          0      51.0       1         0
    1  avoid_2y_after_good          0     334.0       0         1
    >>> p.shares.loc["bad_rating_share"].tolist()
    [1, 2]
    """
    if not isinstance(part, LinkedData):
        raise TypeError(f"part must be a LinkedData (see split_customers), got {type(part).__name__}.")
    rule = BadExperienceRule() if rule is None else rule
    if not isinstance(rule, BadExperienceRule):
        raise TypeError(f"rule must be a BadExperienceRule or None, got {type(rule).__name__}.")
    try:
        window = float(window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a number of days, got {window!r}.") from None
    if not (math.isfinite(window) and window > 0):
        raise ValueError(f"window must be a positive number of days, got {window!r}.")
    as_of_ts = _timestamp(as_of)
    tickets = _canonical(part.tickets, "tickets")
    responses = _canonical(part.responses, "responses")
    activity = _canonical(part.activity, "activity")
    exp = experiences(tickets, responses, rule=rule)
    survival = pd.concat([
        _km_counts(index_durations(exp, activity, as_of=as_of_ts, which=which), figure)
        for figure, which in KM_FIGURES.items()])
    raw = Partials(survival=survival, answers=_answers(responses), shares=_shares(tickets, responses),
                   features=_features(exp, activity), window=window, as_of=as_of_ts, rule=rule)
    return combine([raw])


# =========================================================================== global step
def _sum(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum of rows with the same index (missing rows count as 0), sorted by the index; int64 kept."""
    both = pd.concat(frames)
    return both.groupby(level=list(range(both.index.nlevels)), sort=True).sum().astype(np.int64)


def combine(parts: list[Partials]) -> Partials:
    """Combine the partials of disjoint partitions: sums of the statistics, rows of the features.

    Associative and order-independent: ``combine([a, b, c])`` equals
    ``combine([combine([a, b]), c])`` and ``combine([c, a, b])``.

    Parameters
    ----------
    parts : list of Partials
        From :func:`customer_phase` (or earlier :func:`combine` calls), with
        the same ``window``, ``as_of`` and ``rule``, over disjoint customers.

    Returns
    -------
    Partials

    Raises
    ------
    ValueError
        When the settings differ, or a customer appears in two parts (the
        partitions were not split by customer).

    Examples
    --------
    >>> from csanalysis.link import link_customers
    >>> t = pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
    ...     "created_at": ["2024-02-01"] * 3, "rating": ["bad", "good", "bad"]})
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c"], "at": ["2024-01-01"] * 3})
    >>> ps = [customer_phase(p, as_of="2024-06-30") for p in split_customers(
    ...     link_customers(tickets=t, activity=a), 3)]
    >>> combine(ps).shares.loc["bad_rating_share"].tolist()
    [2, 3]
    >>> combine(ps).equals(combine([combine(ps[:2]), ps[2]]))
    True
    """
    parts = list(parts)
    if not parts:
        raise ValueError("combine needs at least one Partials.")
    bad = [type(p).__name__ for p in parts if not isinstance(p, Partials)]
    if bad:
        raise TypeError(f"combine takes Partials (from customer_phase), got {', '.join(sorted(set(bad)))}.")
    first = parts[0].settings()
    for p in parts[1:]:
        if p.settings() != first:
            raise ValueError(f"partials with different settings cannot be combined: {p.settings()} vs {first}.")
    features = pd.concat([p.features for p in parts], ignore_index=True)
    dup = features["customer"].duplicated()
    if dup.any():
        raise ValueError(f"{int(dup.sum())} customer(s) appear in more than one part (e.g. "
                         f"{features['customer'][dup].iloc[0]!r}); split the data with split_customers.")
    features = features.sort_values("customer", kind="stable").reset_index(drop=True)
    return Partials(survival=_sum([p.survival for p in parts]), answers=_sum([p.answers for p in parts]),
                    shares=_sum([p.shares for p in parts]), features=features, **first)


def _km_estimate(counts: pd.DataFrame, window: float) -> tuple[float, int]:
    """S(window) of the product-limit estimator from event / censoring counts per rate band and duration.

    With two or more strata after merging the bands (as
    :func:`~csanalysis.estimators.avoidance.avoidance` merges them), the
    standardised estimate over the strata; otherwise the pooled curve.
    """
    d = counts["events"].to_numpy(dtype=np.int64)
    c = counts["censored"].to_numpy(dtype=np.int64)
    n = int(d.sum() + c.sum())
    if n == 0:
        return math.nan, 0
    t = counts.index.get_level_values("duration").to_numpy(dtype="float64")
    b = counts.index.get_level_values("rate_band").to_numpy(dtype=np.int64)
    # the counts are case weights: kaplan_meier's at-risk counts are their reverse cumulative sums
    times = np.concatenate([t[d > 0], t[c > 0]])
    events = np.concatenate([np.ones(int((d > 0).sum()), dtype=bool), np.zeros(int((c > 0).sum()), dtype=bool)])
    weights = np.concatenate([d[d > 0], c[c > 0]]).astype("float64")
    bands = np.concatenate([b[d > 0], b[c > 0]])
    std = stratified_survival(times, events, bands, weights=weights, min_stratum=MIN_STRATUM)
    if std.n_strata >= 2:
        est, _, _, _, reason = std.survival_at(window)
        if not reason:
            return est, n
    km = kaplan_meier(times, events, weights=weights)
    if km.zero_time <= window:  # the curve has reached 0: S(window) = 0, as the estimator reports it
        return 0.0, n
    return km.survival_at(window).survival, n


def _hist(answers: pd.DataFrame, item: str) -> tuple[np.ndarray, np.ndarray]:
    if item not in answers.index.get_level_values("item"):
        return np.array([], dtype="float64"), np.array([], dtype=np.int64)
    h = answers.xs(item, level="item")
    return h.index.to_numpy(dtype="float64"), h["count"].to_numpy(dtype=np.int64)


def estimates(partials: Partials) -> pd.DataFrame:
    """Point estimates from (combined) partials.

    Kaplan-Meier ``S(window)`` from the event and at-risk counts (0 once
    the curve has reached 0, missing when nobody was followed for
    ``window`` days before that); CSAT and CES means from
    their histograms; CSAT top-2 share (answers 4-5); NPS ``100 x
    (promoters - detractors) / n`` (9-10 and 0-6 of 0-10); shares ``k / n``
    (missing when ``n = 0``).

    Parameters
    ----------
    partials : Partials
        From :func:`combine` (or one :func:`customer_phase`).

    Returns
    -------
    DataFrame
        Columns ``id`` (:data:`ESTIMATE_IDS`), ``group`` (``"all"``),
        ``estimate``, ``n`` (customers indexed for the avoidance figures,
        answers or eligible rows otherwise).

    Examples
    --------
    >>> from csanalysis.link import link_customers
    >>> r = pd.DataFrame({"response_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
    ...     "responded_at": ["2024-01-01"] * 3, "csat": [5, 4, 1], "nps": [10, 9, 3]})
    >>> a = pd.DataFrame({"customer_id": ["a"], "at": ["2024-01-01"]})
    >>> est = estimates(customer_phase(link_customers(responses=r, activity=a), as_of="2024-06-30"))
    >>> est.loc[est["id"].isin(["csat_mean", "csat_top2", "nps"]), ["id", "estimate", "n"]].round(4)
              id  estimate  n
    2  csat_mean    3.3333  3
    3  csat_top2    0.6667  3
    4        nps   33.3333  3
    """
    if not isinstance(partials, Partials):
        raise TypeError(f"partials must be a Partials, got {type(partials).__name__}.")
    rows: dict[str, tuple[float, int]] = {}
    for figure in KM_FIGURES:
        sel = partials.survival.index.get_level_values("figure") == figure
        rows[figure] = _km_estimate(partials.survival.loc[sel], partials.window)
    nan = math.nan
    for item, ids in (("csat", ("csat_mean",)), ("ces", ("ces_mean",))):
        v, c = _hist(partials.answers, item)
        n = int(c.sum())
        rows[ids[0]] = (float(np.dot(v, c)) / n if n else nan, n)
        if item == "csat":
            k = int(c[v >= 4].sum())
            rows["csat_top2"] = (k / n if n else nan, n)
    v, c = _hist(partials.answers, "nps")
    n = int(c.sum())
    pro, det = int(c[v >= 9].sum()), int(c[v <= 6].sum())
    rows["nps"] = (100 * (pro / n - det / n) if n else nan, n)
    for id_ in SHARE_IDS:
        k, n = (int(x) for x in partials.shares.loc[id_, ["k", "n"]]) if id_ in partials.shares.index else (0, 0)
        rows[id_] = (k / n if n else nan, n)
    return pd.DataFrame({
        "id": pd.Series(list(ESTIMATE_IDS), dtype=_STR),
        "group": pd.Series(["all"] * len(ESTIMATE_IDS), dtype=_STR),
        "estimate": np.array([rows[i][0] for i in ESTIMATE_IDS], dtype="float64"),
        "n": np.array([rows[i][1] for i in ESTIMATE_IDS], dtype=np.int64),
    })
