r"""Channels and self-service, measured from behaviour: channel mix, self-service first contact, repeat contact.

The press says "67% of customers prefer self-service" and "90% want an
omnichannel experience". Those are stated preferences, which a helpdesk
export cannot measure; what it can measure is behaviour. :func:`channel_use`
gives the own-data analogues: how the customer-initiated tickets split over
the channels, period by period; the share of issues whose first contact was
self-service (where the export says so); how often one issue brings the
customer back, on the same or another channel, within a week (customer
effort); and whether such issues end in bad experiences more often.

Definitions
-----------
**Tickets.** Customer-initiated tickets only: agent-initiated ones
(``direction == "agent"``, :func:`csanalysis.schema.agent_initiated`) are
left out and counted; so are tickets without ``created_at``.

**Issue.** A run of one customer's customer-initiated tickets in which each
ticket was created at most ``window_days`` (default 7) days after the
previous ticket of that customer (chained: a run can last longer than the
window as long as no gap exceeds it). The customer is the first of
:data:`csanalysis.estimators.metrics.CUSTOMER_COLUMNS` the table fills; a
ticket without a customer is an issue of its own. Within a customer,
tickets are ordered by ``created_at``, then ``ticket_id`` (then a hash of
the row), so the issues do not depend on the order of the rows. An issue's
**first contact** is its first ticket, its **period** the period of that
ticket, and its **channels** the distinct non-missing channels of its
tickets.

**Figures** (rows of :attr:`ChannelUseResult.figures`):

``self_service_first_share``
    Share of issues whose first ticket has ``self_service`` true (the
    contact began in the help centre, a bot or an FAQ; a web form is an
    assisted channel), among issues whose first ticket has a known
    ``self_service`` value. Not estimable (NaN, with the reason in
    ``note``) when the column is absent or empty: it is never guessed from
    the channel.
``cross_channel_issue_share``
    Share of issues touching two or more channels, among issues with at
    least one known channel.
``repeat_contact_share``
    Share of issues with two or more tickets (the customer had to come back
    within the window), among all issues.
``bad_share_cross_channel`` / ``bad_share_single_channel``
    Among rated issues (at least one ticket with a rating) that touch two or
    more / exactly one channel: the share that are bad (at least one rated
    ticket rated ``"bad"``).
``bad_share_difference_cross_channel``
    Cross-channel minus single-channel bad share.
``bad_share_repeat`` / ``bad_share_single_contact`` / ``bad_share_difference_repeat``
    The same for issues with two or more tickets against issues with one.

A ticket's rating is the ``rating`` label, or, where that is missing and the
table has ``rating_score``, the default rating rule applied to the score
(:func:`csanalysis.schema.rating_from_score`).

**Channel mix** (:attr:`ChannelUseResult.mix`): per period of ``created_at``
(UTC, ``freq``, default quarters) and channel, the share of the period's
customer-initiated tickets with a known channel that came through that
channel. Every channel seen in the data has a row in every period seen in
the data (a share of 0 included).

Statistics
----------
Every estimate carries ``n`` (the issues, or tickets, in its denominator),
a 95% interval and its method in words. The **sampling unit** is the
customer (``cluster="customer"``), the account (``cluster="account_id"``,
a ticket without one falling back to its customer) or, with
``cluster=None``, every issue (every ticket for the mix) on its own. An
issue's unit is that of its first ticket.

*Shares* (the mix, the issue shares and the four bad shares) are ratios of
counts over units: their interval is the cluster-robust Wilson-type
interval of :func:`csanalysis.stats.clustered.clustered_share_ci`
(linearisation variance with the units as clusters, the Wilson interval at
the effective sample size, Student-t with units minus 1 degrees of
freedom), so a customer with many tickets or issues does not narrow it.

*Differences* of two bad shares may have the same customer on both sides
(a customer with a cross-channel and a single-channel issue), so the two
shares are not independent. Their interval is the percentile interval of a
cluster bootstrap: in replicate :math:`r` every unit gets the Poisson(1)
weight that :func:`csanalysis.stats.bootstrap.poisson_weights` draws from a
hash of its identifier and :math:`r` (through
:func:`csanalysis.stats.clustered.clustered_bootstrap_sums`), both shares
are recomputed as weighted ratios from the same weights and subtracted. The
weights depend on the identifier, not on the row, so the interval is the
same whatever the order of the rows. The two-sided **p-value** inverts that
percentile interval at 0: with :math:`k_-` and :math:`k_+` the replicates
at or below and at or above 0 among :math:`B` usable ones,
:math:`p = \min\{1, 2(1 + \min(k_-, k_+))/(B + 1)\}`, so ``p < 1 - confidence``
goes with an interval that excludes 0 (its smallest value is
:math:`2/(B+1)`, about 0.002 with 1,000 replicates). A replicate in which
one side has no weight is left out (counted in a note).

Caveats: an issue is a behavioural proxy (two unrelated questions within a
week count as one issue, one question raised twice a fortnight apart as
two); issues that begin within ``window_days`` of the last ticket in the
export may still gain tickets (counted in ``diagnostics``); and the link
between cross-channel contact and bad ratings is an association (harder
problems both travel across channels and disappoint), not the effect of the
channel switch.

Examples
--------
>>> t = pd.DataFrame({
...     "ticket_id": ["1", "2", "3", "4"],
...     "customer": ["a", "a", "b", "c"],
...     "created_at": pd.to_datetime(["2024-01-02", "2024-01-04", "2024-01-03", "2024-02-01"], utc=True),
...     "channel": ["chat", "email", "email", "phone"],
...     "rating": ["bad", None, "good", "good"]})
>>> r = channel_use(t, n_resamples=200)
>>> r.diagnostics["n_issues"]
3
>>> f = r.figures.set_index("id")
>>> ids = ["cross_channel_issue_share", "repeat_contact_share"]
>>> [(round(float(f.loc[i, "estimate"]), 3), int(f.loc[i, "n"])) for i in ids]
[(0.333, 3), (0.333, 3)]
>>> f.loc["self_service_first_share", "note"][:28]
'not estimable: the tickets t'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csanalysis.checks import check_confidence, check_frame, check_resamples, check_window
from csanalysis.estimators.metrics import (
    CUSTOMER_COLUMNS,
    customer_column,
    filled_customer_columns,
    sampling_units,
)
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.schema import CHANNELS, agent_initiated, rating_from_score
from csanalysis.stats.arrays import HoldsArrays, distinct, n_distinct
from csanalysis.stats.bootstrap import percentile_interval
from csanalysis.stats.clustered import (
    ClusteredSums,
    Units,
    as_units,
    clustered_bootstrap_sums,
    hash_seed,
    shares_from_parts,
)

__all__ = ["CHANNEL_USE_FIGURES", "COLUMNS_READ", "FIGURE_COLUMNS", "MIX_COLUMNS", "ChannelUsePart", "ChannelUseResult", "channel_use",
           "channel_use_from_parts"]

#: Figure id -> definition in words (the rows of :attr:`ChannelUseResult.figures`, in this order).
CHANNEL_USE_FIGURES: dict[str, str] = {
    "self_service_first_share": ("share of issues whose first contact was self-service (help centre, bot, FAQ; "
                                 "a web form is assisted), among issues whose first ticket says whether it was"),
    "cross_channel_issue_share": "share of issues touching 2 or more channels, among issues with a known channel",
    "repeat_contact_share": "share of issues with 2 or more tickets (repeat contact within the window)",
    "bad_share_cross_channel": ("share of rated cross-channel issues (2+ channels) with at least one bad "
                                "rating"),
    "bad_share_single_channel": "share of rated single-channel issues with at least one bad rating",
    "bad_share_difference_cross_channel": ("bad share of cross-channel issues minus that of single-channel "
                                           "issues (proportion points)"),
    "bad_share_repeat": "share of rated repeat-contact issues (2+ tickets) with at least one bad rating",
    "bad_share_single_contact": "share of rated single-contact issues (1 ticket) with at least one bad rating",
    "bad_share_difference_repeat": ("bad share of repeat-contact issues minus that of single-contact issues "
                                    "(proportion points)"),
}
#: Columns of :attr:`ChannelUseResult.figures`, in order.
FIGURE_COLUMNS: tuple[str, ...] = ("id", "estimate", "ci_low", "ci_high", "n", "p_value", "method", "definition",
                                   "note", "n_units")
#: Columns of :attr:`ChannelUseResult.mix`, in order.
MIX_COLUMNS: tuple[str, ...] = ("period", "channel", "tickets", "share", "ci_low", "ci_high", "n")
_ISSUE_COLUMNS: tuple[str, ...] = (
    "period", "issues", "tickets",
    "self_service_first_share", "self_service_first_ci_low", "self_service_first_ci_high", "self_service_first_n",
    "cross_channel_share", "cross_channel_ci_low", "cross_channel_ci_high", "cross_channel_n",
    "repeat_contact_share", "repeat_contact_ci_low", "repeat_contact_ci_high", "repeat_contact_n",
)
_SHARE_METHOD = ("cluster-robust Wilson-type interval (linearisation variance, Wilson at the effective n, t with "
                 "units - 1 df); {how}")
_DIFF_METHOD = ("difference of two shares; percentile interval of a cluster bootstrap ({R} replicates, Poisson(1) "
                "weights hashed from the unit id, both shares from the same weights; {how}); two-sided p-value "
                "inverting the percentile interval at 0: 2 (1 + min(#replicates <= 0, #replicates >= 0)) / "
                "(replicates + 1)")
_NS_PER_DAY = 86_400 * 10**9
#: The ticket columns :class:`ChannelUsePart` reads, besides a ``cluster`` column (the Dask engine sends only
#: these to the partitions).
COLUMNS_READ: tuple[str, ...] = ("created_at", "channel", "self_service", "rating", "rating_score", "ticket_id",
                                 "account_id", "direction", *CUSTOMER_COLUMNS)


@dataclass
class ChannelUseResult(Result):
    """Channel mix, self-service first contact and repeat contact, with intervals (see :func:`channel_use`).

    Attributes
    ----------
    figures : DataFrame
        One row per figure of :data:`CHANNEL_USE_FIGURES`: ``id, estimate,
        ci_low, ci_high, n, p_value, method, definition, note, n_units``
        (``n``: issues in the denominator, both sides for a difference;
        ``p_value``: differences only; ``note``: why a figure is not
        estimable, or a caveat; ``n_units``: sampling units behind it).
    mix : DataFrame
        ``period, channel, tickets, share, ci_low, ci_high, n``: per period
        and channel, the tickets in that channel and their share of the
        period's ``n`` tickets with a known channel.
    issues_by_period : DataFrame
        Per period (of the issue's first ticket): ``issues``, ``tickets``,
        and the self-service first share, the cross-channel share and the
        repeat-contact share, each with ``_ci_low``, ``_ci_high`` and ``_n``.
    diagnostics : dict
        ``n_tickets`` (customer-initiated tickets analysed),
        ``n_excluded_agent_initiated``, ``n_excluded_no_created_at``,
        ``n_issues``, ``n_customers``, ``n_units``, ``sampling_unit``,
        ``customer_column``, ``window_days``, ``freq``,
        ``n_tickets_without_customer``, ``n_tickets_without_channel``,
        ``n_issues_open_at_end`` (issues whose last ticket lies within
        ``window_days`` of the last ticket in the table: they may still
        grow), ``n_rated_issues``.
    confidence : float
    n_resamples : int
    seed : int
    notes : list of str
    """

    figures: pd.DataFrame
    mix: pd.DataFrame
    issues_by_period: pd.DataFrame
    diagnostics: dict[str, Any]
    confidence: float
    n_resamples: int
    seed: int
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        return "Channels and self-service: what customers do (channel mix, self-service first, repeat contact)"

    def __repr__(self) -> str:
        d = self.diagnostics
        return (f"<ChannelUseResult: {d['n_tickets']} tickets, {d['n_issues']} issues of {d['n_units']} units "
                f"({d['sampling_unit']}), window {d['window_days']:g} days>")

    def summary(self) -> pd.DataFrame:
        """The figures (a copy)."""
        return self.figures.copy()

    def plot(self, ax: Any = None) -> Any:
        """Channel mix over time (see :func:`csanalysis.plotting.plot_channel_mix`)."""
        from csanalysis.plotting.findings import plot_channel_mix
        return plot_channel_mix(self, ax=ax)

    def footnote(self) -> str:
        """The notes, one per line."""
        return "\n".join(self.notes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"channel_use": [figures], "mix", "issues_by_period", "diagnostics", "confidence", ...}``."""
        return jsonable({
            "channel_use": frame_records(self.figures), "mix": frame_records(self.mix),
            "issues_by_period": frame_records(self.issues_by_period), "diagnostics": self.diagnostics,
            "confidence": self.confidence, "n_resamples": self.n_resamples, "seed": self.seed,
            "notes": list(self.notes),
        })


# --------------------------------------------------------------------------- the estimator
def channel_use(tickets: pd.DataFrame, *, freq: str = "Q", window_days: float = 7, cluster: str | None = "customer",
                n_resamples: int = 1000, confidence: float = 0.95, seed: Any = 0) -> ChannelUseResult:
    """Channel mix over time, self-service first contact and repeat contact across channels, with intervals.

    See the module notes for the definitions and the statistics.

    Parameters
    ----------
    tickets : DataFrame
        Canonical tickets (:data:`csanalysis.schema.TICKETS`), one row per
        ticket: ``created_at`` is required; ``channel``, ``self_service``,
        ``rating`` / ``rating_score``, a customer column
        (:data:`~csanalysis.estimators.metrics.CUSTOMER_COLUMNS`),
        ``direction``, ``ticket_id`` and ``account_id`` are used when
        present.
    freq : str, default "Q"
        Period of the mix and of ``issues_by_period`` (a pandas period
        frequency of ``created_at`` in UTC: "W", "M", "Q", "Y").
    window_days : float, default 7
        Largest gap, in days, between consecutive tickets of one issue.
    cluster : {"customer", "account_id"} or None, default "customer"
        Sampling unit: the customer; the account (a ticket without one takes
        its customer's account, else its customer); ``None``: every issue
        (every ticket for the mix) its own unit. Another column name of
        ``tickets`` is used as given.
    n_resamples : int, default 1000
        Bootstrap replicates of the two differences.
    confidence : float, default 0.95
    seed : int, Generator or None, default 0
        Seed of the hashed Poisson weights (same seed, same intervals,
        whatever the order of the rows).

    Returns
    -------
    ChannelUseResult

    Raises
    ------
    ValueError
        When ``created_at`` is missing or empty, no customer-initiated ticket
        with a creation time remains, ``freq`` is no period frequency,
        ``self_service`` is not boolean, or a ``cluster`` column is unknown.

    Examples
    --------
    Ten customers, each with a chat issue that moves to e-mail and ends badly
    and a single-channel e-mail issue a month later that ends well:

    >>> n = 10
    >>> t = pd.DataFrame({
    ...     "ticket_id": [f"t{i}" for i in range(3 * n)],
    ...     "customer": [f"c{i}" for i in range(n)] * 3,
    ...     "created_at": pd.to_datetime(["2024-03-01"] * n + ["2024-03-03"] * n + ["2024-04-10"] * n, utc=True),
    ...     "channel": ["chat"] * n + ["email"] * n + ["email"] * n,
    ...     "self_service": [True] * n + [False] * n + [False] * n,
    ...     "rating": [None] * n + ["bad"] * n + ["good"] * n})
    >>> r = channel_use(t, n_resamples=200)
    >>> f = r.figures.set_index("id")
    >>> f.loc[["self_service_first_share", "cross_channel_issue_share", "bad_share_difference_cross_channel"],
    ...       ["estimate", "n"]].to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'self_service_first_share': {'estimate': 0.5, 'n': 20},
     'cross_channel_issue_share': {'estimate': 0.5, 'n': 20},
     'bad_share_difference_cross_channel': {'estimate': 1.0, 'n': 20}}
    >>> r.mix[["period", "channel", "tickets", "share"]]
       period channel  tickets  share
    0  2024Q1   email       10    0.5
    1  2024Q1    chat       10    0.5
    2  2024Q2   email       10    1.0
    3  2024Q2    chat        0    0.0

    Without a ``self_service`` column that figure is not estimable, and says why:

    >>> r = channel_use(t.drop(columns="self_service"), n_resamples=200)
    >>> r.figures.set_index("id").loc["self_service_first_share", "note"][:60]
    'not estimable: the tickets table has no self_service column '
    """
    check_frame(tickets, "tickets")
    conf = check_confidence(confidence)
    R = check_resamples(n_resamples)
    window = check_window(window_days)
    part = ChannelUsePart(tickets, freq=freq, window_days=window, cluster=cluster)
    return channel_use_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], freq=freq, window_days=window,
                                  cluster=cluster, n_resamples=R, confidence=conf, seed=seed)


class ChannelUsePart(HoldsArrays):
    """One partition's share of :func:`channel_use` (its tickets: every customer's and every sampling unit's
    tickets in one partition), answering the combining step's rounds: :meth:`first` (what all parts must agree
    on), :meth:`build` (the issues, their counts, sums and bootstrap sums), :meth:`centred` (sums over units
    around the combined shares). :func:`channel_use` is the same with the whole table as the only part."""

    def __init__(self, tickets: pd.DataFrame, *, freq: str = "Q", window_days: float = 7,
                 cluster: str | None = "customer") -> None:
        check_frame(tickets, "tickets")
        self.freq, self.window, self.cluster = freq, check_window(window_days), cluster
        self.n_rows = len(tickets)
        self.has_created = "created_at" in tickets.columns and bool(tickets["created_at"].notna().any())
        created = _created(tickets) if self.has_created else pd.Series(pd.NaT, index=tickets.index,
                                                                        dtype="datetime64[ns, UTC]")
        agent = agent_initiated(tickets)
        no_time = created.isna().to_numpy(dtype=bool)
        keep = ~agent & ~no_time
        self.n_agent = int(agent.sum())
        self.n_no_time = int((~agent & no_time).sum())
        # only the columns read below, not the whole table
        used = {*COLUMNS_READ, *([cluster] if isinstance(cluster, str) else [])} - {"direction"}
        self.t = tickets.loc[keep, [c for c in tickets.columns if c in used]]
        self.created = created.loc[keep]
        t = self.t
        self.ss = _self_service(t)  # (value, known, reason not estimable); raises when not boolean
        self.labels, self.rating_note = _labels(t)

    def first(self) -> dict[str, Any]:
        """The facts every part must agree on: which columns the tickets fill, the periods and channels seen,
        the last ticket's time, the counts of the tickets left out."""
        t = self.t
        per = _period_values(self.created, self.freq)
        return {
            "has_created": self.has_created, "n_rows": self.n_rows, "n_kept": len(t), "n_agent": self.n_agent,
            "n_no_time": self.n_no_time,
            "customer": filled_customer_columns(t),
            "account": "account_id" in t.columns and bool(t["account_id"].notna().any()),
            "periods": pd.unique(per.dropna()), "channels": _text_codes(t["channel"])[1] if "channel" in t.columns
            else [], "has_channel": "channel" in t.columns,
            "ss_note": self.ss[2], "last": int(_ns(self.created).max()) if len(t) else None,
            "columns": tuple(t.columns), "rating_note": self.rating_note,
            "no_channel": int(t["channel"].isna().sum()) if "channel" in t.columns else len(t)}

    def build(self, *, customer: str | None, periods: list, channels: list[str], cluster: str | None,
              last: int, seed: int, n_resamples: int) -> dict[str, Any]:
        """The issues (a customer's tickets chained with gaps up to the window: local to the part), the rows
        and sums of every share, the bootstrap sums of the two differences, and the counts."""
        t, created, window = self.t, self.created, self.window
        n = len(t)
        row_key, rid_code = _row_keys(t, created)
        cust_code = np.full(n, -1, dtype=np.int64) if customer is None else _text_codes(t[customer])[0]
        t_ns = _ns(created)
        # rows alike in customer, time and row key (rare: no ticket ids) are put in the order of their contents' hash
        row_hash = np.zeros(n, dtype=np.uint64)
        tie = pd.DataFrame({"c": cust_code, "t": t_ns, "r": rid_code}).duplicated(keep=False).to_numpy(dtype=bool)
        if tie.any():
            row_hash[tie] = _row_hash(t.loc[tie], created.loc[tie])
        order = np.lexsort((row_hash, rid_code, t_ns, cust_code))
        t = t.iloc[order]
        created = created.iloc[order]
        cust_code, t_ns, row_key = cust_code[order], t_ns[order], row_key.iloc[order].reset_index(drop=True)
        ss_val, ss_known = self.ss[0][order], self.ss[1][order]
        label = self.labels[order]
        P = len(periods)
        period = _codes_among(_period_values(created, self.freq), periods)
        channel = _codes_among(t["channel"], channels) if "channel" in t.columns else np.full(n, -1, np.int64)
        C = len(channels)
        known_channel = channel >= 0
        # sampling units of the tickets (a ticket without one is its own unit, named by its row key)
        work = pd.DataFrame({c: t[c].reset_index(drop=True) for c in t.columns
                             if c in (*CUSTOMER_COLUMNS, "account_id") or c == cluster}, index=pd.RangeIndex(n))
        work["\\x00row"] = row_key
        ids, how_units = sampling_units(work, cluster, row_id="\\x00row", customer=customer)
        tunits = as_units(ids, n)
        # issues: sorted by customer and time, chained
        has_c = cust_code >= 0
        same_c = np.r_[False, (cust_code[1:] == cust_code[:-1]) & has_c[1:]][:n]  # (a part may hold no ticket)
        gap = np.r_[np.iinfo(np.int64).max, np.diff(t_ns)][:n]
        new = ~same_c | (gap > window * _NS_PER_DAY)
        issue = np.cumsum(new) - 1
        I = int(issue[-1]) + 1 if n else 0
        first = np.flatnonzero(new)
        size = np.bincount(issue, minlength=I)
        pair = distinct(issue[known_channel] * np.int64(max(C, 1)) + channel[known_channel])
        n_channels = np.bincount(pair // max(C, 1), minlength=I)
        rated_t = label != ""
        rated = np.bincount(issue, weights=rated_t, minlength=I) > 0
        bad = np.bincount(issue, weights=label == "bad", minlength=I) > 0
        i_ss_known = ss_known[first]
        i_ss = ss_val[first] & i_ss_known
        i_period = period[first]
        # an issue's unit is its first ticket's (with cluster=None: that ticket itself, i.e. the issue)
        iunits = Units(tunits.codes[first], tunits.ids)
        cross, single, repeat = n_channels >= 2, n_channels == 1, size >= 2
        one, zero = np.ones(I, dtype=bool), np.zeros(I, np.int64)
        shares = ClusteredSums()
        shares.add("self_service_first_share", i_ss, iunits, zero, 1, eligible=i_ss_known)
        shares.add("cross_channel_issue_share", cross, iunits, zero, 1, eligible=n_channels >= 1)
        shares.add("repeat_contact_share", repeat, iunits, zero, 1, eligible=one)
        for fid, side in (("bad_share_cross_channel", cross), ("bad_share_single_channel", single),
                          ("bad_share_repeat", repeat), ("bad_share_single_contact", ~repeat)):
            shares.add(fid, bad, iunits, zero, 1, eligible=rated & side)
        for j in range(C):  # the mix: a handful of channels, vectorised over tickets and periods
            shares.add(("mix", j), channel == j, tunits, period, P, eligible=known_channel)
        for name, success, eligible in (("self_service_first", i_ss, i_ss_known),
                                        ("cross_channel", cross, n_channels >= 1), ("repeat_contact", repeat, one)):
            shares.add(("period", name), success, iunits, i_period, P, eligible=eligible)
        self.shares = shares
        both = {kind: n_distinct(iunits.codes[rated & (a | b)])
                for kind, a, b in (("cross_channel", cross, single), ("repeat", repeat, ~repeat))}
        return {
            "sums": shares.sums(), "boot": _bootstrap_sums(bad, rated, cross, single, repeat, iunits, n_resamples,
                                                           seed),
            "units": {"all": n_distinct(iunits.codes), **both},
            "counts": {"n_tickets": n, "n_issues": I, "n_customers": n_distinct(cust_code[has_c]),
                       "n_tickets_without_customer": int((~has_c).sum()),
                       "n_issues_open_at_end": int((t_ns[first + size - 1] >= last - window * _NS_PER_DAY).sum()),
                       "n_rated_issues": int(rated.sum()), "no_channel_issues": int((n_channels == 0).sum()),
                       "ss_unknown": int((~i_ss_known).sum())},
            "issues": np.bincount(i_period, minlength=P).astype(np.int64),
            "tickets": np.bincount(period, minlength=P).astype(np.int64), "how_units": how_units}

    def centred(self, *, means: dict[Any, np.ndarray]) -> dict[Any, tuple[np.ndarray, ...]]:
        """:meth:`csanalysis.stats.clustered.ClusteredSums.centred` of every share."""
        return self.shares.centred(means)


def channel_use_from_parts(each: Callable[..., list[Any]], *, freq: str = "Q", window_days: float = 7,
                           cluster: str | None = "customer", n_resamples: int = 1000, confidence: float = 0.95,
                           seed: Any = 0) -> ChannelUseResult:
    """:func:`channel_use` combined from partitions (:class:`ChannelUsePart`), asked in rounds.

    Parameters
    ----------
    each : callable
        ``each(method, **kw)`` calls :class:`ChannelUsePart` ``method`` on every partition and returns their
        answers (a list): a loop on one machine, tasks on a cluster (the Dask engine).
    freq, window_days, cluster, n_resamples, confidence, seed
        As :func:`channel_use` (the parts were built with the same).

    Returns
    -------
    ChannelUseResult
        The one :func:`channel_use` gives on the whole table: every customer's (and every sampling unit's)
        tickets are in one partition, and every figure is built from counts, sums and sums over units.
    """
    conf = check_confidence(confidence)
    R = check_resamples(n_resamples)
    window = check_window(window_days)
    seed_ = hash_seed(seed)
    notes: list[str] = []
    seen = each("first")
    if not any(p["has_created"] for p in seen):
        _created(pd.DataFrame({"created_at": []}))  # (raises: the table has no created_at values)
    n_all = sum(p["n_rows"] for p in seen)
    n_agent, n_no_time = sum(p["n_agent"] for p in seen), sum(p["n_no_time"] for p in seen)
    if n_agent:
        notes.append(f"{n_agent} agent-initiated ticket(s) left out (direction 'agent': outbound, follow-ups)")
    if n_no_time:
        notes.append(f"{n_no_time} customer-initiated ticket(s) without created_at left out")
    if not sum(p["n_kept"] for p in seen):
        raise ValueError(f"no customer-initiated ticket with a creation time remains: of {n_all} ticket(s), "
                         f"{n_agent} are agent-initiated (direction 'agent') and {n_no_time} have no created_at; "
                         "channel_use measures what customers do, so it needs tickets they started (direction "
                         "'customer' or missing) with created_at set")
    cust_col = customer_column(p["customer"] for p in seen)
    if cust_col is None:
        notes.append(f"no customer column ({', '.join(CUSTOMER_COLUMNS)}): every ticket is an issue of its own and "
                     "repeat or cross-channel contact cannot be seen")
    periods = sorted({p for part in seen for p in part["periods"]})
    texts = {c for p in seen for c in p["channels"]}
    channels = [c for c in CHANNELS if c in texts] + sorted(texts - set(CHANNELS))
    last = max(p["last"] for p in seen if p["last"] is not None)
    P = len(periods)
    ss_note = seen[0]["ss_note"]
    if ss_note.startswith("not estimable: the self_service column is empty") and any(not p["ss_note"] for p in seen):
        ss_note = ""  # (a part without a known value, others with)
    n_no_channel = sum(p["no_channel"] for p in seen)
    if n_no_channel:
        notes.append(f"{n_no_channel} ticket(s) without a channel: left out of the channel mix and of the issues' "
                     "channels")
    if seen[0]["rating_note"]:
        notes.append(seen[0]["rating_note"])
    cluster_, how = _cluster_of(cluster, cust_col, any(p["account"] for p in seen), seen[0]["columns"], notes)
    built = each("build", customer=cust_col, periods=periods, channels=channels, cluster=cluster_, last=last,
                 seed=seed_, n_resamples=R)
    how = how or built[0]["how_units"]
    counts = {k: sum(b["counts"][k] for b in built) for k in built[0]["counts"]}
    I = sum(b["counts"]["n_issues"] for b in built)
    res = shares_from_parts([b["sums"] for b in built], lambda means: each("centred", means=means), conf)

    # ---------------------------------------------------------------- figures
    share_method = _SHARE_METHOD.format(how=how)
    diff_method = _DIFF_METHOD.format(R=R, how=how)
    rows: list[dict[str, Any]] = []

    def share_row(fid: str, note: str = "") -> dict[str, Any]:
        est, lo, hi, nn, _, g = res[fid]
        if nn[0] == 0 and not note:
            note = "not estimable: no issue in the denominator"
        elif nn[0] > 0 and g[0] < 2:
            note = (note + "; " if note else "") + "no interval: fewer than 2 sampling units"
        return {"id": fid, "estimate": float(est[0]), "ci_low": float(lo[0]), "ci_high": float(hi[0]),
                "n": int(nn[0]), "p_value": np.nan, "method": share_method, "definition": CHANNEL_USE_FIGURES[fid],
                "note": note, "n_units": int(g[0])}

    if ss_note:
        notes.append(ss_note)
        rows.append({"id": "self_service_first_share", "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                     "n": 0, "p_value": np.nan, "method": share_method,
                     "definition": CHANNEL_USE_FIGURES["self_service_first_share"], "note": ss_note, "n_units": 0})
    else:
        unknown = counts["ss_unknown"]
        rows.append(share_row("self_service_first_share",
                              f"{unknown} of {I} issues left out: their first ticket does not say whether it was "
                              "self-service" if unknown else ""))
    no_ch = counts["no_channel_issues"]
    rows.append(share_row("cross_channel_issue_share", f"{no_ch} issue(s) without a known channel left out"
                          if no_ch else ""))
    rows.append(share_row("repeat_contact_share"))

    no_rating = "not estimable: no rated issue" if not counts["n_rated_issues"] else ""
    boot = _differences(np.sum([b["boot"] for b in built], axis=0))
    for kind in ("cross_channel", "repeat"):
        a_id, b_id = (("bad_share_cross_channel", "bad_share_single_channel") if kind == "cross_channel"
                      else ("bad_share_repeat", "bad_share_single_contact"))
        ra = share_row(a_id, no_rating)
        rb = share_row(b_id, no_rating)
        rows += [ra, rb]
        d, ok = boot[kind]
        est = ra["estimate"] - rb["estimate"]
        note = ""
        lo = hi = p = np.nan
        if not np.isfinite(est):
            note = no_rating or f"not estimable: no rated issue on one side ({a_id} n={ra['n']}, {b_id} n={rb['n']})"
        elif ra["n_units"] < 2 or rb["n_units"] < 2:
            note = (f"no interval: fewer than 2 sampling units on one side ({a_id}: {ra['n_units']}, "
                    f"{b_id}: {rb['n_units']})")
        else:
            lo, hi = percentile_interval(d, conf)
            B = int(ok.sum())
            if B:
                k_le, k_ge = int((d[ok] <= 0).sum()), int((d[ok] >= 0).sum())
                p = min(1.0, 2.0 * (1 + min(k_le, k_ge)) / (B + 1))
            if B < R:
                note = f"{R - B} of {R} bootstrap replicates left out (no weight on one side)"
        rows.append({"id": f"bad_share_difference_{kind}", "estimate": est, "ci_low": lo, "ci_high": hi,
                     "n": ra["n"] + rb["n"], "p_value": p, "method": diff_method,
                     "definition": CHANNEL_USE_FIGURES[f"bad_share_difference_{kind}"], "note": note,
                     "n_units": sum(b["units"][kind] for b in built)})
    figures = pd.DataFrame(rows, columns=list(FIGURE_COLUMNS))
    figures = figures.set_index("id").loc[list(CHANNEL_USE_FIGURES)].reset_index()
    figures["n"] = figures["n"].astype("int64")
    figures["n_units"] = figures["n_units"].astype("int64")

    # ---------------------------------------------------------------- channel mix per period
    mix_rows = []
    labels = [str(p) for p in periods]
    for j, ch in enumerate(channels):
        est, lo, hi, nn, k, _ = res["mix", j]
        mix_rows.append(pd.DataFrame({"period": labels, "channel": ch, "tickets": k.astype(np.int64), "share": est,
                                      "ci_low": lo, "ci_high": hi, "n": nn.astype(np.int64), "_p": np.arange(P),
                                      "_c": j}))
    if mix_rows:
        mix = pd.concat(mix_rows, ignore_index=True).sort_values(["_p", "_c"], kind="stable")
        mix = mix.drop(columns=["_p", "_c"]).reset_index(drop=True)
    else:
        mix = pd.DataFrame({c: pd.Series(dtype="object" if c in ("period", "channel") else "float64")
                            for c in MIX_COLUMNS})

    # ---------------------------------------------------------------- issues per period
    by = {"period": labels, "issues": np.sum([b["issues"] for b in built], axis=0).astype(np.int64),
          "tickets": np.sum([b["tickets"] for b in built], axis=0).astype(np.int64)}
    for name in ("self_service_first", "cross_channel", "repeat_contact"):
        est, lo, hi, nn, _, _ = res["period", name]
        if name == "self_service_first" and ss_note:
            est = lo = hi = np.full(P, np.nan)
            nn = np.zeros(P)
        by[f"{name}_share"], by[f"{name}_ci_low"], by[f"{name}_ci_high"] = est, lo, hi
        by[f"{name}_n"] = nn.astype(np.int64)
    issues_by_period = pd.DataFrame(by, columns=list(_ISSUE_COLUMNS))

    open_at_end = counts["n_issues_open_at_end"]
    if open_at_end:
        notes.append(f"{open_at_end} issue(s) had a ticket within {window:g} days of the last ticket in the table "
                     "and may still gain tickets: repeat and cross-channel shares of the last period may run low")
    diagnostics = {
        "n_tickets": counts["n_tickets"], "n_excluded_agent_initiated": n_agent, "n_excluded_no_created_at": n_no_time,
        "n_issues": I, "n_customers": counts["n_customers"], "n_units": sum(b["units"]["all"] for b in built),
        "sampling_unit": how, "customer_column": cust_col, "window_days": window, "freq": freq,
        "n_tickets_without_customer": counts["n_tickets_without_customer"],
        "n_tickets_without_channel": n_no_channel,
        "n_issues_open_at_end": open_at_end, "n_rated_issues": counts["n_rated_issues"],
    }
    return ChannelUseResult(figures=figures, mix=mix, issues_by_period=issues_by_period,
                            diagnostics=jsonable(diagnostics), confidence=conf, n_resamples=R, seed=seed_,
                            notes=notes)


# --------------------------------------------------------------------------- inputs
def _created(t: pd.DataFrame) -> pd.Series:
    """``created_at`` as tz-aware UTC timestamps (NaT where missing); raises when absent or empty."""
    if "created_at" not in t.columns or not bool(t["created_at"].notna().any()):
        raise ValueError("the tickets table has no created_at values: channel_use needs when each ticket was "
                         "created, to place it in a period and to chain a customer's tickets into issues; expected "
                         "a 'created_at' column of UTC timestamps, as the csanalysis.io readers give it")
    s = t["created_at"]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(s):
        return s.dt.tz_localize("UTC")
    try:
        out = pd.to_datetime(s, utc=True, format="ISO8601")
    except (TypeError, ValueError) as e:
        raise ValueError(f"created_at could not be read as timestamps ({e}); expected UTC timestamps such as "
                         "'2024-03-01T09:30:00Z'") from None
    return out


def _row_keys(t: pd.DataFrame, created: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """A text identifier of every ticket that does not depend on the row order (``"id:"`` and the ``ticket_id``,
    else ``"h:"`` and a hash of the row), and its code in the sorted order of the identifiers.

    The identifiers are text in Arrow (no Python string per row); the codes come from sorting the distinct ticket
    ids (UTF-8 byte order, which is the code-point order of the texts) after the distinct hashes (``"h:"``
    sorts before ``"id:"``; a hash's fixed-width hex text sorts as its number).
    """
    n = len(t)
    ok = np.zeros(n, dtype=bool)
    key = pd.Series(pd.array(np.full(n, None, dtype=object), dtype="str"), index=t.index)
    code = np.zeros(n, dtype=np.int64)
    if "ticket_id" in t.columns:
        tid = t["ticket_id"]
        tid = tid if isinstance(tid.dtype, pd.StringDtype) else tid.astype("str")
        ok = tid.notna().to_numpy(dtype=bool)
        key = ("id:" + tid).where(ok, key)
    if not ok.all():
        h = _row_hash(t.loc[~ok], created.loc[~ok])
        key[~ok] = ("h:" + pd.Series(np.char.mod("%016x", h), dtype="str")).to_numpy()
        hu, hinv = np.unique(h, return_inverse=True)
        code[~ok] = hinv.ravel()
    else:
        hu = np.zeros(0, dtype=np.uint64)
    if ok.any():
        c, _ = pd.factorize(tid[ok], sort=True)
        code[ok] = len(hu) + np.asarray(c, dtype=np.int64)
    return key, code


def _row_hash(t: pd.DataFrame, created: pd.Series) -> np.ndarray:
    """A 64-bit hash of the ticket's content (its columns that matter here), the same whatever its position."""
    cols = [c for c in ("ticket_id", *CUSTOMER_COLUMNS, "account_id", "channel", "self_service", "rating",
                        "rating_score") if c in t.columns]
    frame = pd.DataFrame({c: t[c].astype("object").astype("str") for c in cols})
    frame["created_at"] = _ns(created)
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


def _period_values(created: pd.Series, freq: str) -> pd.Series:
    """Each ticket's period (UTC)."""
    naive = created.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        return naive.dt.to_period(freq)
    except (TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"`freq` must be a pandas period frequency such as 'W', 'M', 'Q' or 'Y', but {freq!r} was "
                         f"passed ({e})") from None


def _codes_among(values: pd.Series, names: list) -> np.ndarray:
    """Each value's position among ``names`` (-1 where missing), values compared as text (periods as periods);
    only the distinct values are looked up."""
    raw, uniq = pd.factorize(values, use_na_sentinel=True)
    keys = np.asarray(uniq, dtype=object)
    if not isinstance(values.dtype, pd.PeriodDtype):
        keys = keys.astype(str)
    pos = pd.Index(names, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    return np.append(pos, -1).astype(np.int64)[np.asarray(raw, dtype=np.int64)]


def _text_codes(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes of the values of ``s`` compared as text, numbered in sorted text order (-1 where missing).

    Only the distinct values are converted to text, so the codes cost no Python work per row and do not depend
    on the order of the rows.
    """
    raw, uniq = pd.factorize(s, use_na_sentinel=True)  # in the column's own dtype: no Python object per row
    raw = np.asarray(raw, dtype=np.int64)
    if not len(uniq):
        return np.full(len(s), -1, dtype=np.int64), []
    texts, inv = np.unique(np.asarray(uniq, dtype=object).astype(str), return_inverse=True)
    return np.where(raw >= 0, inv.ravel()[np.maximum(raw, 0)], -1).astype(np.int64), texts.tolist()


def _ns(created: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of tz-aware timestamps, whatever their resolution."""
    naive = created.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy().astype("datetime64[ns]").astype(np.int64)


def _self_service(t: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str]:
    """(value, known, reason not estimable) per ticket."""
    n = len(t)
    none = np.zeros(n, dtype=bool)
    if "self_service" not in t.columns:
        return none, none, ("not estimable: the tickets table has no self_service column (whether the first contact "
                            "came through the help centre, a bot or an FAQ); it is not guessed from the channel")
    try:
        s = t["self_service"].astype("boolean")
    except (TypeError, ValueError):
        raise ValueError("the self_service column must be boolean (True when the ticket's first contact came "
                         f"through self-service, False otherwise, missing when unknown); found values such as "
                         f"{t['self_service'].dropna().unique()[:3].tolist()}") from None
    known = s.notna().to_numpy(dtype=bool)
    if not known.any():
        return none, none, ("not estimable: the self_service column is empty (the export does not say whether "
                            "contacts began in self-service); it is not guessed from the channel")
    return s.fillna(False).to_numpy(dtype=bool), known, ""


def _labels(t: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Rating label of every ticket ('bad' / 'good' / 'neutral', '' when not rated) and a note when none."""
    said = t["rating"].astype("object") if "rating" in t.columns else None
    if "rating_score" in t.columns:
        score = pd.to_numeric(t["rating_score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        lab = pd.Series(rating_from_score(score, said=None if said is None else said.to_numpy(dtype=object)),
                        dtype="object")
    elif said is not None:
        lab = said.reset_index(drop=True)
    else:
        return np.full(len(t), "", dtype=object), ("no rating or rating_score column: the bad-rating figures are "
                                                   "not estimable")
    # texts of the distinct labels only; every row points at one of them ('' when not rated)
    codes, uniq = pd.factorize(lab, use_na_sentinel=True)
    texts = np.array([str(u).lower() for u in np.asarray(uniq, dtype=object)] + [""], dtype=object)
    return texts[np.asarray(codes, dtype=np.int64)], ""


def _cluster_of(cluster: str | None, cust_col: str | None, has_account: bool, columns: tuple[str, ...],
                notes: list[str]) -> tuple[str | None, str]:
    """The ``cluster`` argument for :func:`sampling_units`, and the words for the unit when they differ."""
    if cluster is None:
        return None, "each issue its own unit (each ticket for the channel mix)"
    if not isinstance(cluster, str):
        raise ValueError(f"`cluster` must be 'customer', 'account_id', a column name or None, but {cluster!r} was "
                         "passed.")
    if cluster == "account_id" and not has_account:
        notes.append("cluster='account_id' but the table has no account ids: customers are the sampling unit")
        cluster = "customer"
    if cluster != "customer" and cluster != "account_id" and cluster not in columns:
        raise ValueError(f"the `cluster` column {cluster!r} is not in the tickets table; use 'customer', "
                         "'account_id', a column of the table or None")
    if cluster == "customer" and cust_col is None:
        return cluster, "each ticket its own unit (no customer id)"
    return cluster, ""


# --------------------------------------------------------------------------- the bootstrap of the differences
def _bootstrap_sums(bad: np.ndarray, rated: np.ndarray, cross: np.ndarray, single: np.ndarray, repeat: np.ndarray,
                    iunits: Any, R: int, seed: int) -> np.ndarray:
    """The bootstrap sums behind the two differences of bad shares, ``(R, 2, 4)``: rated issues and bad ones in
    cells cross / single channel / repeat / single contact (whole numbers: sums over partitions are exact).

    Every rated issue appears twice: once in cell 0 / 1 (cross / single channel) and once in cell 2 / 3
    (repeat / single contact); the hashed Poisson weight of its unit multiplies both.
    """
    I = len(bad)
    cell_ch = np.where(rated & cross, 0, np.where(rated & single, 1, -1))
    cell_rep = np.where(rated, np.where(repeat, 2, 3), -1)
    cells = np.r_[cell_ch, cell_rep]
    values = np.vstack([np.ones(2 * I), np.r_[bad, bad].astype(float)])
    units = Units(np.r_[iunits.codes, iunits.codes], iunits.ids)
    return clustered_bootstrap_sums(values, units, cells, 4, n_resamples=R, seed=seed)


def _differences(sums: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Replicates of the two differences of bad shares (and which replicates are usable) from
    :func:`_bootstrap_sums`."""
    den, num = sums[:, 0, :], sums[:, 1, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = num / den
    out = {}
    for kind, a, b in (("cross_channel", 0, 1), ("repeat", 2, 3)):
        ok = (den[:, a] > 0) & (den[:, b] > 0)
        d = np.where(ok, share[:, a] - share[:, b], np.nan)
        out[kind] = (d, ok)
    return out
