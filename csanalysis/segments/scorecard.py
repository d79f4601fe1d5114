"""The service scorecard of the Danish interview, period over period.

"Measure fewer written and spoken complaints, more referrals from current
customers, more repeat business, faster response and turnaround times, higher
productivity and less rework." :func:`scorecard` puts each of these in one tidy
table, one row per period and measure, with the change against the previous
period and a test of whether that change is more than noise.

Measures
--------
Ticket measures use customer-initiated tickets (``direction`` not ``agent``)
created in the period; survey measures use answers recorded in the period;
purchase measures use orders placed in the period. A measure appears only when
its data are there (e.g. no ``activity`` table: no repeat purchases).

complaints_per_1000
    Complaints per 1,000 tickets. A **complaint** is a ticket rated bad
    (default rating rule: normalised score <= 0.25, or the tool says bad) or a
    ticket tagged or typed as a complaint: a ``tags``, ``ticket_type``,
    ``type``, ``category``, ``reason``, ``topic``, ``labels`` or
    ``contact_reason...`` column matching ``complaint_pattern`` (default: the
    word stems complain, klage (da/no/de), klagomål (sv), Beschwerde (de),
    жалоб (ru); case-insensitive), or a boolean ``complaint`` /
    ``is_complaint`` column. Down is good. Interval: the share of tickets
    that are complaints (cluster-robust, see below) times 1,000. Test:
    Poisson rate test.
referral_share / referring_customers_share / promoter_share
    Referrals: the share of survey answers reporting a referral (a
    ``referrals`` / ``referred`` / ``referral`` column of the responses,
    number > 0 or true), period over period; or, from the customers
    snapshot's ``referrals``, the share of customers who referred anyone
    (one row at the ``as_of`` period: a snapshot has no dates, so no change).
    Where neither exists, ``promoter_share`` (share of NPS answers 9-10) is
    shown **as a proxy** and labelled so in ``note``. Up is good.
repeat_purchase_rate
    Share of the period's buyers (distinct customers with an order in the
    period) whose first order in the data is before the period. Up is good.
    In the first periods of the data, earlier buyers look new (left
    censoring): read the trend from the later periods.
first_reply_p50, resolution_p50
    Median minutes to the first agent reply / to resolution, with Woodruff's
    interval (cluster-robust design effect). Down is good. Test:
    Mann-Whitney U.
reopen_rate
    Rework: share of solved tickets (with a known reopen count) reopened at
    least once. Down is good.
fcr
    First-contact resolution: share of solved tickets with a known reopen
    count never reopened (and, with a ``replies`` column, solved with at most
    one agent reply). Up is good.
csat_mean
    Mean CSAT (1-5) of survey answers; without survey CSAT, the ticket rating
    score mapped to 1-5 (``1 + 4 * rating_score``), as ``note`` says. Up is
    good. Test: Mann-Whitney U.
tickets_per_agent
    Productivity proxy: tickets with an agent / distinct agents active in the
    period. The agent column is a ``*_key`` column (not ``email_key``) whose
    values start with ``agent_`` (the readers' ``agent_key``, the assignee, first), as the readers
    write them. Up is good, but it also rises when a team is short-staffed.
    Test: Poisson rate test with agents as the exposure.
contacts_per_order
    Tickets per order placed in the period (all customer-initiated tickets,
    not only order-related ones). Down is good. Test: Poisson rate test.
channel_spread_bad_share
    Consistency across touchpoints: highest minus lowest channel bad-rating
    share among channels with at least ``min_n`` rated tickets in the period
    (see :mod:`csanalysis.segments.channels`). Down is good. Interval and test
    by a percentile cluster bootstrap: Poisson(1) weights per customer from a
    hash of the identifier, the same customer weight in every period and
    channel.

Sampling unit of the intervals
------------------------------
Ticket and survey measures treat the customer (``cluster="customer"``; or the
account, ``"account_id"``) as the sampling unit, as
:func:`csanalysis.estimators.service_metrics` does
(:mod:`csanalysis.stats.clustered`): shares and the mean CSAT get
cluster-robust Wilson-type intervals, medians Woodruff's interval, the
channel spread the cluster bootstrap. ``notes`` says which unit was used.
The rates per agent and per order keep their Poisson intervals, and the
change tests below treat the rows as independent.

Tests of the change against the previous period
-----------------------------------------------
Shares: pooled two-proportion z-test. Times and scores: two-sided Mann-Whitney
U test (``scipy.stats.mannwhitneyu``). Rates (per 1,000 tickets, per agent,
per order): exact conditional Poisson rate test: given ``k1 + k2`` events
with exposures ``e1``, ``e2``, ``k2 ~ Binomial(k1 + k2, e2 / (e1 + e2))``
under equal rates (``scipy.stats.binomtest``). Each row is its own
monitoring question, so p-values are **not** adjusted for multiplicity: with
many rows, about ``alpha`` of the unchanged ones are flagged by chance.

Presets (the nine service styles)
---------------------------------
A preset puts the measures its style promises first and flags them ``lead``
(see :data:`PRESETS`): Aggregator (choice and speed), Bargain (low price: lean
contact), Classic (reliable top quality: consistency at every touchpoint), Old
Shoe (personal relationships: repeat customers), Safe Choice (fairness),
Solution (complex problems solved completely), Specialist (expertise at a
premium), Trendsetter (hip experiences and listening), Utility (essential,
regulated service with fair dispute resolution).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, PERCENTILE_METHOD
from csanalysis.checks import check_alpha, check_confidence, check_frame, check_resamples
from csanalysis.display import show
from csanalysis.estimators.metrics import (
    CUSTOMER_COLUMNS,
    SOLVED_STATUSES,
    customer_column,
    filled_customer_columns,
    sampling_units,
)
from csanalysis.link import link_customers
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.schema import agent_initiated, conform, rating_from_score
from csanalysis.segments.common import segment_codes
from csanalysis.segments.compare import mann_whitney_from_sums
from csanalysis.stats.arrays import HoldsArrays, factorize, finite_range, ratio, repeated_pairs, sum_parts
from csanalysis.stats.clustered import (
    ClusteredQuantiles,
    ClusteredSums,
    as_units,
    clustered_bootstrap_sums,
    shares_from_parts,
    woodruff_from_parts,
)
from csanalysis.stats.grouped import grouped_share_ci
from csanalysis.stats.intervals import two_proportion_test
from csanalysis.stats.selection import SortedGroups, rank_sums

__all__ = ["COMPLAINT_PATTERN", "MEASURES", "PRESETS", "RESPONSE_COLUMNS_READ", "Scorecard", "ScorecardPart",
           "customer_referrals", "scorecard", "scorecard_from_parts", "ticket_columns_read"]

#: Default pattern (case-insensitive) of a complaint tag / type.
COMPLAINT_PATTERN = r"complain|klage|klagom[åa]l|beschwerde|жалоб"

_COMPLAINT_COLS = re.compile(r"(tags?|ticket_type|type|category|categories|reason|topic|labels?|contact_reason.*)")
_REFERRAL_COLS = ("referrals", "referred", "referral", "has_referred")

T_SHARE = "two-proportion z-test (pooled)"
T_MWU = "Mann-Whitney U test (two-sided)"
T_RATE = "Poisson rate test (exact conditional binomial)"
T_BOOT = "bootstrap percentile test (cluster bootstrap, hashed Poisson weights)"
T_NONE = "none (snapshot)"

#: Measure -> (definition, good direction).
MEASURES: dict[str, tuple[str, str]] = {
    "complaints_per_1000": ("complaints per 1,000 customer-initiated tickets (bad rating or complaint tag/type)",
                            "down"),
    "referral_share": ("share of survey answers reporting a referral", "up"),
    "referring_customers_share": ("share of customers who referred anyone (customers snapshot, as_of period)",
                                  "up"),
    "promoter_share": ("share of NPS answers 9-10 (proxy for referrals)", "up"),
    "repeat_purchase_rate": ("share of the period's buyers who had bought before", "up"),
    "first_reply_p50": ("median minutes to the first agent reply", "down"),
    "resolution_p50": ("median minutes to resolution", "down"),
    "reopen_rate": ("share of solved tickets reopened at least once (rework)", "down"),
    "fcr": ("first-contact resolution: share of solved tickets never reopened", "up"),
    "csat_mean": ("mean CSAT (1-5)", "up"),
    "tickets_per_agent": ("tickets per active agent (productivity proxy)", "up"),
    "contacts_per_order": ("customer-initiated tickets per order", "down"),
    "channel_spread_bad_share": ("highest minus lowest channel bad-rating share (consistency)", "down"),
}

#: The nine service styles: promise, lead measures (in order; "referrals" is
#: whichever referral measure exists) and why.
PRESETS: dict[str, dict[str, Any]] = {
    "Aggregator": {"promise": "choice and speed",
                   "lead": ("first_reply_p50", "resolution_p50", "contacts_per_order"),
                   "why": "speed is the promise: fast replies and turnaround, few contacts needed per order"},
    "Bargain": {"promise": "low price",
                "lead": ("contacts_per_order", "tickets_per_agent", "complaints_per_1000"),
                "why": "low price needs lean service: few contacts per order, high productivity, "
                       "without complaints rising"},
    "Classic": {"promise": "reliable top quality",
                "lead": ("channel_spread_bad_share", "complaints_per_1000", "csat_mean"),
                "why": "consistency at every touchpoint first, then few complaints and high satisfaction"},
    "Old Shoe": {"promise": "personal relationships",
                 "lead": ("repeat_purchase_rate", "referrals", "csat_mean"),
                 "why": "repeat customers known by name, who bring friends"},
    "Safe Choice": {"promise": "fairness",
                    "lead": ("complaints_per_1000", "channel_spread_bad_share", "reopen_rate"),
                    "why": "fair treatment shows as few complaints, the same outcome on every channel, "
                           "and cases that stay closed"},
    "Solution": {"promise": "thoroughness on complex needs",
                 "lead": ("fcr", "reopen_rate", "resolution_p50"),
                 "why": "complex problems solved completely: first-contact resolution and no reopens"},
    "Specialist": {"promise": "expertise at a premium",
                   "lead": ("fcr", "csat_mean", "referrals"),
                   "why": "experts get it right the first time, satisfy, and are recommended"},
    "Trendsetter": {"promise": "hip experiences and listening",
                    "lead": ("referrals", "csat_mean", "first_reply_p50"),
                    "why": "buzz (referrals / promoters), delight, and quick answers when customers speak"},
    "Utility": {"promise": "essential regulated service with fair dispute resolution",
                "lead": ("complaints_per_1000", "resolution_p50", "reopen_rate"),
                "why": "disputes (complaints) are few and resolved quickly and for good"},
}
_REFERRAL_MEASURES = ("referral_share", "referring_customers_share", "promoter_share")


def _preset_key(preset: str) -> str:
    norm = re.sub(r"[\s_\-]+", " ", str(preset)).strip().casefold()
    for name in PRESETS:
        if name.casefold() == norm:
            return name
    raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)} (or None)")


# --------------------------------------------------------------------------- result
@dataclass(repr=False)
class Scorecard(Result):
    """The service scorecard (see :func:`scorecard`).

    Attributes
    ----------
    table : DataFrame
        One row per period and measure: ``period, measure, value, ci_low,
        ci_high, n, change, good_direction, improved, significant, p_value,
        test, lead, complete, note``; lead measures first within a period.
    freq : str
        ``"M"`` or ``"Q"``.
    preset : str or None
        The service style used.
    lead : list of str
        Lead measures present, in order.
    missing_lead : list of str
        Lead measures of the preset the data could not give.
    as_of : Timestamp
        Cut-off (UTC); later rows were left out.
    """

    table: pd.DataFrame
    freq: str
    preset: str | None
    lead: list[str]
    missing_lead: list[str]
    as_of: pd.Timestamp
    alpha: float
    confidence: float
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        style = f", {self.preset} style" if self.preset else ""
        return f"Service scorecard by {'month' if self.freq == 'M' else 'quarter'}{style}"

    def __repr__(self) -> str:
        return (f"<Scorecard freq={self.freq!r} preset={self.preset!r}: {self.table['period'].nunique()} periods, "
                f"{self.table['measure'].nunique()} measures, {int(self.table['significant'].sum())} "
                "significant changes>")

    def summary(self) -> pd.DataFrame:
        """The long scorecard (a copy)."""
        return self.table.copy()

    def wide(self, column: str = "value") -> pd.DataFrame:
        """Measures as rows and periods as columns (``column`` as values), in scorecard order."""
        order = list(dict.fromkeys(self.table["measure"]))
        w = self.table.pivot(index="measure", columns="period", values=column)
        return w.reindex(order)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"scorecard": [records], ...}`` with periods as text and NaN as None."""
        tab = self.table.assign(period=self.table["period"].astype("str"))
        tab["improved"] = tab["improved"].astype("object")
        info = PRESETS.get(self.preset or "", {})
        return jsonable({
            "scorecard": frame_records(tab), "freq": self.freq, "preset": self.preset,
            "preset_promise": info.get("promise"), "preset_why": info.get("why"),
            "lead": list(self.lead), "missing_lead": list(self.missing_lead),
            "as_of": self.as_of, "alpha": self.alpha, "confidence": self.confidence,
            "definitions": {m: d for m, (d, _) in MEASURES.items() if m in set(self.table["measure"])},
            "notes": list(self.notes),
        })

    def footnote(self) -> str:
        """The lead measures, and those the data could not give."""
        parts = [f"Lead: {', '.join(self.lead)}"] if self.preset else []
        if self.missing_lead:
            parts.append(f"Not available from these data: {', '.join(self.missing_lead)}")
        return "; ".join(parts)

    def _repr_html_(self) -> str:
        note = self.footnote()
        foot = f"<p><small>{html.escape(note)}</small></p>" if note else ""
        return show(self.wide().reset_index(), self.title)._repr_html_() + foot

    def plot(self, ax: Any = None, measure: str | None = None) -> Any:
        """One measure over the periods, significant changes marked (see :func:`csanalysis.plotting.plot_scorecard`)."""
        from csanalysis.plotting.scorecard import plot_scorecard
        return plot_scorecard(self, ax=ax, measure=measure)


# --------------------------------------------------------------------------- kernels
def _poisson_ci(k: np.ndarray, e: np.ndarray, conf: float, scale: float = 1.0):
    a = 1.0 - conf
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(a / 2.0, 2 * k) / 2.0, 0.0) / e * scale
        hi = stats.chi2.ppf(1.0 - a / 2.0, 2 * k + 2) / 2.0 / e * scale
    bad = ~(e > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def _poisson_change_p(k: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Exact conditional test of equal rates between each period and the previous one."""
    out = np.full(len(k), np.nan)
    for i in range(1, len(k)):
        e1, e2 = e[i - 1], e[i]
        if not (e1 > 0 and e2 > 0):
            continue
        tot = int(k[i - 1] + k[i])
        out[i] = 1.0 if tot == 0 else float(stats.binomtest(int(k[i]), tot, e2 / (e1 + e2)).pvalue)
    return out


def _share_change_p(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = np.full(len(k), np.nan)
    if len(k) > 1:
        _, _, _, p = two_proportion_test(k[1:], n[1:], k[:-1], n[:-1])
        out[1:] = np.asarray(p, float)
    return out


def _spread_boot(K: np.ndarray, N: np.ndarray, sums: np.ndarray, min_n: int, conf: float):
    """Channel spread per period with bootstrap interval and change p-value.

    ``K``, ``N``: (periods, channels) bad counts and rated counts; ``sums``: their cluster-bootstrap
    replicates, shape (replicates, 2, periods * channels), rated then bad. A replicate in which an
    included channel of a period has no weight gives no spread for that period.
    """
    inc = N >= min_n
    ok = inc.sum(axis=1) >= 2
    P, C = N.shape

    def spread(k: np.ndarray, n: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            b = k / n
        hi = np.where(inc, b, -np.inf).max(axis=-1)
        lo = np.where(inc, b, np.inf).min(axis=-1)
        full = np.where(inc, n > 0, True).all(axis=-1)
        return np.where(ok & full, hi - lo, np.nan)

    est = spread(K, N)
    R = sums.shape[0]
    S = spread(sums[:, 1].reshape(R, P, C), sums[:, 0].reshape(R, P, C))  # (R, P)
    a = (1.0 - conf) / 2.0
    lo = np.full(P, np.nan)
    hi = np.full(P, np.nan)
    fin = np.isfinite(S)
    for i in np.flatnonzero(ok & fin.any(axis=0)):  # periods (few); NaN replicates left out
        lo[i], hi[i] = np.quantile(S[fin[:, i], i], [a, 1.0 - a], method=PERCENTILE_METHOD)
    pv = np.full(P, np.nan)
    both = ok[1:] & ok[:-1]
    if both.any():
        d = S[:, 1:][:, both] - S[:, :-1][:, both]
        m = np.isfinite(d).sum(axis=0)
        le = (np.sum(d <= 0, axis=0) + 1) / (m + 1)
        ge = (np.sum(d >= 0, axis=0) + 1) / (m + 1)
        pv[1:][both] = np.minimum(1.0, 2.0 * np.minimum(le, ge))
    n = np.where(ok, np.where(inc, N, 0).sum(axis=1), 0)
    return est, lo, hi, n.astype(float), pv


# --------------------------------------------------------------------------- helpers
_TICKET_USED = frozenset({"customer", "created_at", "direction", "rating", "rating_score", "channel", "status",
                          "solved_at", "reopens", "replies", "first_reply_minutes", "resolution_minutes",
                          "complaint", "is_complaint", "ticket_id", "account_id", "customer_id"})


def _ticket_column_used(c: Any) -> bool:
    """Whether :func:`scorecard` reads ticket column ``c`` (the fixed ones, complaint tag / type
    columns, ``*_key`` agent columns); the others are dropped before the rows are filtered."""
    return isinstance(c, str) and (c in _TICKET_USED or c.endswith("_key") or bool(_COMPLAINT_COLS.fullmatch(c)))


def ticket_columns_read(tickets: pd.DataFrame) -> tuple[str, ...]:
    """The columns of ``tickets`` :func:`scorecard` reads (the fixed ones, complaint tag / type columns, ``*_key``
    agent columns; the Dask engine sends only these, with the sampling unit's, to the partitions)."""
    return tuple(c for c in tickets.columns if _ticket_column_used(c))


#: The survey columns :func:`scorecard` reads (beside a ``cluster`` column).
RESPONSE_COLUMNS_READ: tuple[str, ...] = ("response_id", "ticket_id", "responded_at", "csat", "nps", "account_id",
                                          *_REFERRAL_COLS, *CUSTOMER_COLUMNS)


def _rows(df: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``df`` restricted to the rows where ``keep`` (index reset); ``df`` itself when all are kept."""
    if keep.all() and isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1:
        return df
    return df.loc[keep].reset_index(drop=True)


def _period_codes(ts: pd.Series, periods: pd.PeriodIndex, freq: str) -> np.ndarray:
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    per = naive.dt.to_period(freq)
    codes = np.asarray(periods.get_indexer(pd.PeriodIndex(per)), dtype=np.int64)
    return codes


def _complaint_tagged(t: pd.DataFrame, pattern: str) -> tuple[np.ndarray, list[str]]:
    out = np.zeros(len(t), dtype=bool)
    used = []
    for c in t.columns:
        if not isinstance(c, str):
            continue
        if c in ("complaint", "is_complaint") and pd.api.types.is_bool_dtype(t[c].dtype):
            out |= t[c].fillna(False).to_numpy(dtype=bool)
            used.append(c)
        elif _COMPLAINT_COLS.fullmatch(c) and not pd.api.types.is_numeric_dtype(t[c].dtype):
            hit = t[c].astype("str").str.contains(pattern, case=False, regex=True)
            out |= hit.fillna(False).to_numpy(dtype=bool)
            used.append(c)
    return out, used


def _freq(freq: str) -> str:
    f = {"m": "M", "month": "M", "monthly": "M", "me": "M", "q": "Q", "quarter": "Q", "quarterly": "Q",
         "qe": "Q"}.get(str(freq).casefold())
    if f is None:
        raise ValueError(f"The value for `freq` must be 'M' (month) or 'Q' (quarter), but {freq!r} was passed.")
    return f


def _as_of(as_of: Any) -> pd.Timestamp | None:
    if as_of is None:
        return None
    try:
        ts = pd.Timestamp(as_of)
    except (TypeError, ValueError) as err:
        raise ValueError(f"`as_of` must be a date or timestamp (e.g. '2024-06-30'), but {as_of!r} was passed.") \
            from err
    if pd.isna(ts):
        raise ValueError("`as_of` is missing (NaT); give a date such as '2024-06-30' or None")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# --------------------------------------------------------------------------- entry point
def scorecard(
    tickets: pd.DataFrame | None,
    responses: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    *,
    freq: Literal["M", "Q"] = "M",
    preset: str | None = None,
    as_of: Any = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
    complaint_pattern: str = COMPLAINT_PATTERN,
    min_n: int = 20,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = 0,
    cluster: str | None = "customer",
) -> Scorecard:
    """The service scorecard, period over period, with tested changes.

    Parameters
    ----------
    tickets : DataFrame or None
        Canonical tickets table.
    responses, activity, customers : DataFrame, optional
        Canonical survey responses, purchases and customers snapshot.
    freq : {"M", "Q"}, default "M"
        Month or quarter ("month" / "quarter" are accepted too).
    preset : str, optional
        One of the nine service styles (:data:`PRESETS`; case and spaces
        are ignored, e.g. ``"old shoe"``): its measures come first and are
        flagged ``lead``.
    as_of : date-like, optional
        Cut-off (UTC when naive): later rows are left out, and a period
        whose last day it does not reach is marked ``complete = False`` (a
        cut-off on the period's last day covers it to its end). Default: the
        latest timestamp in the tables.
    alpha : float, default 0.05
        Significance level of the change tests (not adjusted for
        multiplicity; see the module notes).
    confidence : float, default 0.95
        Confidence level of the intervals.
    complaint_pattern : str
        Regular expression (case-insensitive) that marks a complaint tag or
        type; see :data:`COMPLAINT_PATTERN`.
    min_n : int, default 20
        Fewest rated tickets a channel needs in a period to count in
        ``channel_spread_bad_share``.
    n_resamples : int, default 1000
        Bootstrap resamples for ``channel_spread_bad_share``.
    seed : int, Generator or None, default 0
        Seed of that bootstrap's hashed weights (:func:`csanalysis.stats.hash_seed`).
    cluster : str or None, default "customer"
        Sampling unit of the ticket and survey intervals (see
        :func:`csanalysis.estimators.metrics.sampling_units`): the customer,
        ``"account_id"`` (responses through their ticket), another column, or
        ``None`` (rows independent).

    Returns
    -------
    Scorecard
        ``.summary()`` (period, measure, value, ci_low, ci_high, n, change,
        good_direction, improved, significant, p_value, test, lead, complete,
        note), ``.wide()``, ``.to_dict()``, ``.plot(measure=...)``. Measures,
        tests and presets are defined in the module docstring.

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": [str(i) for i in range(8)],
    ...     "created_at": ["2024-01-03", "2024-01-09", "2024-01-20", "2024-01-28",
    ...                    "2024-02-02", "2024-02-05", "2024-02-11", "2024-02-20"],
    ...     "rating": ["bad", "good", "good", "good", "bad", "bad", "good", "bad"],
    ...     "first_reply_minutes": [30, 45, 20, 60, 90, 120, 80, 150]}), "tickets")
    >>> sc = scorecard(t, preset="Classic")
    >>> rows = sc.summary().query("measure == 'complaints_per_1000'")
    >>> rows["value"].tolist(), rows["change"].tolist(), rows["significant"].tolist()
    ([250.0, 750.0], [nan, 500.0], [False, False])
    >>> sc.summary()["measure"].unique().tolist(), sc.missing_lead
    (['complaints_per_1000', 'first_reply_p50'], ['channel_spread_bad_share', 'csat_mean'])
    """
    f, a, conf, _ = _check(freq, alpha, confidence, n_resamples, preset, complaint_pattern)
    given = {"tickets": tickets, "responses": responses, "activity": activity, "customers": customers}
    for name, df in given.items():
        if df is not None:
            check_frame(df, name)
    if tickets is None and responses is None and activity is None:
        raise ValueError("give at least a tickets, responses or activity table (a customers snapshot alone has "
                         "no dates to build periods from)")
    part = ScorecardPart(tickets, responses, activity, cluster=cluster)
    return scorecard_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], freq=f, preset=preset,
                                as_of=as_of, alpha=a, confidence=conf, complaint_pattern=complaint_pattern,
                                min_n=min_n, n_resamples=n_resamples, seed=seed, cluster=cluster,
                                referrals=customer_referrals(customers))


def _check(freq: Any, alpha: Any, confidence: Any, n_resamples: Any, preset: Any,
           complaint_pattern: Any) -> tuple[str, float, float, str | None]:
    f = _freq(freq)
    a = check_alpha(alpha)
    conf = check_confidence(confidence)
    check_resamples(n_resamples)
    pkey = _preset_key(preset) if preset is not None else None
    try:
        re.compile(complaint_pattern)
    except re.error as err:
        raise ValueError(f"`complaint_pattern` is not a valid regular expression: {err}") from err
    return f, a, conf, pkey


def _check_cluster(cluster: Any) -> None:
    if cluster is not None and not isinstance(cluster, str):
        raise TypeError(f"`cluster` must be a column name ('customer', 'account_id', ...) or None, not {cluster!r}")


def customer_referrals(customers: pd.DataFrame | None) -> tuple[int, int] | None:
    """The customers snapshot's referrals for :func:`scorecard_from_parts`: ``(customers who referred anyone,
    customers with a known count)``, or None when the snapshot has no ``referrals``."""
    if customers is None or "referrals" not in customers.columns or not customers["referrals"].notna().any():
        return None
    v = _num(customers["referrals"])
    known = np.isfinite(v)
    return int((v[known] > 0).sum()), int(known.sum())


# --------------------------------------------------------------------------- one partition
def _span(s: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    return (s.min(), s.max()) if len(s) else None


def _period_pairs(x: np.ndarray, g: np.ndarray, P: int) -> SortedGroups:
    """The values of each pair of consecutive periods (group ``i``: periods ``i`` and ``i + 1``), labelled 0 (the
    earlier) and 1 (the later), for the rank tests of the changes (every value in up to two pairs)."""
    ok = np.isfinite(x) & (g >= 0)
    x, g = x[ok], g[ok]
    early, late = g <= P - 2, g >= 1
    labels = np.concatenate([np.zeros(int(early.sum()), np.int64), np.ones(int(late.sum()), np.int64)])
    return SortedGroups(np.concatenate([x[early], x[late]]), np.concatenate([g[early], g[late] - 1]),
                        max(P - 1, 0), units=labels)


class ScorecardPart(HoldsArrays):
    """One partition's share of :func:`scorecard` (its customers' tickets, the survey answers placed with them
    and its customers' orders; no sampling unit in two partitions), answering the combining step's rounds:
    :meth:`first` (the tables' time spans), :meth:`seen` (what every part must agree on below the cut),
    :meth:`build` (counts and sums per period; the times and scores kept sorted), :meth:`centred`, then the
    quantile and rank rounds through :meth:`on` and the channel spread's bootstrap (:meth:`boot`).
    :func:`scorecard` is the same with the whole tables as the only part."""

    def __init__(self, tickets: pd.DataFrame | None = None, responses: pd.DataFrame | None = None,
                 activity: pd.DataFrame | None = None, *, cluster: str | None = "customer") -> None:
        for name, df in (("tickets", tickets), ("responses", responses), ("activity", activity)):
            if df is not None:
                check_frame(df, name)
        _check_cluster(cluster)
        self.cluster = cluster
        self.via = tickets  # the tickets as given: an answer's account is its ticket's
        self.n_agent = 0
        t = r = act = None
        if tickets is not None:
            t = conform(tickets, "tickets").reset_index(drop=True)
            t = t[[c for c in t.columns if _ticket_column_used(c) or c == cluster]]
            agent = agent_initiated(t)
            self.n_agent = int(agent.sum())
            self.tkeep = ~agent & t["created_at"].notna().to_numpy()
        if responses is not None:
            r = conform(responses, "responses").reset_index(drop=True)
            self.rkeep = r["responded_at"].notna().to_numpy()
        if activity is not None:
            act = conform(activity.reset_index(drop=True), "activity")
            self.akeep = act["at"].notna().to_numpy()
        self.t, self.r, self.act = t, r, act

    # -- round 1: the time spans (the cut and the first period come from them)
    def first(self) -> dict[str, Any]:
        """The agent-initiated tickets left out, the columns, each table's (first, last) dated row."""
        t, r, act = self.t, self.r, self.act
        return {"n_agent": self.n_agent, "tables": (t is not None, r is not None, act is not None),
                "columns": set().union(*(df.columns for df in (t, r) if df is not None)),
                "spans": (None if t is None else _span(t["created_at"][self.tkeep]),
                          None if r is None else _span(r["responded_at"][self.rkeep]),
                          None if act is None else _span(act["at"][self.akeep]))}

    # -- round 2: the rows on or before the cut, and what the measures need decided for all
    def seen(self, *, cut: pd.Timestamp) -> dict[str, Any]:
        """Keep the rows on or before ``cut``; their counts, the referral columns filled, the agent columns'
        look, the channels, the CSAT range and the customer columns filled."""
        t, r, act = self.t, self.r, self.act
        if t is not None:
            t = self.t = _rows(t, self.tkeep & (t["created_at"] <= cut).to_numpy())
        if r is not None:
            r = self.r = _rows(r, self.rkeep & (r["responded_at"] <= cut).to_numpy())
        if act is not None:
            act = self.act = _rows(act, self.akeep & (act["at"] <= cut).to_numpy())
        out: dict[str, Any] = {"rows": tuple(0 if df is None else len(df) for df in (t, r, act))}
        if r is not None:
            out["referral"] = tuple(c for c in _REFERRAL_COLS if c in r.columns and r[c].notna().any())
            out["csat"] = finite_range(_num(r["csat"]))
            out["customer_r"] = filled_customer_columns(r)
        if t is not None:
            agents = {}
            for c in t.columns:
                if isinstance(c, str) and c.endswith("_key") and c != "email_key":
                    v = t[c].dropna()
                    agents[c] = (len(v) > 0, bool(v.astype("str").str.startswith("agent_").all()))
            s = t["channel"]
            out.update(agents=agents, customer_t=filled_customer_columns(t),
                       categorical=isinstance(s.dtype, pd.CategoricalDtype),
                       levels=pd.Index(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype)
                       else s.dropna().drop_duplicates())
        return out

    # -- round 3: per period the counts and the shares' rows and sums
    def build(self, *, periods: pd.PeriodIndex, freq: str, customer_t: str | None, customer_r: str | None,
              referral: str | None, agent: str | None, levels: pd.Index | None, csat_bounds: tuple[float, float],
              complaint_pattern: str) -> dict[str, Any]:
        t, r, act, P = self.t, self.r, self.act, len(periods)
        out: dict[str, Any] = {}
        self.shares = ClusteredSums()
        self.objs: dict[str, SortedGroups] = {}
        if t is not None:
            ids, out["how_t"] = sampling_units(t, self.cluster, row_id="ticket_id", via=r, customer=customer_t)
            ut = as_units(ids)
            gt = _period_codes(t["created_at"], periods, freq)
            dated = gt >= 0
            out["n_tickets"] = np.bincount(gt[dated], minlength=P).astype(float)
            rating = pd.Series(rating_from_score(t["rating_score"], said=t["rating"]), index=t.index)
            bad = (rating.astype("object") == "bad").fillna(False).to_numpy(dtype=bool)
            tagged, out["complaint_columns"] = _complaint_tagged(t, complaint_pattern)
            complaint = bad | tagged
            out["complaints"] = np.bincount(gt[dated], weights=complaint[dated].astype(float), minlength=P)
            self.shares.add("complaints_per_1000", complaint, ut, gt, P)
            for name, col in (("first_reply_p50", "first_reply_minutes"), ("resolution_p50", "resolution_minutes")):
                x = _num(t[col])
                self.objs[name] = ClusteredQuantiles(x, gt, P, ut)
                self.objs[name + " pairs"] = _period_pairs(x, gt, P)
                out[name] = self.objs[name].counts()
            status = t["status"].astype("str").str.lower()
            solved = (t["solved_at"].notna() | status.isin(SOLVED_STATUSES).fillna(False)).to_numpy(dtype=bool)
            reopens = _num(t["reopens"])
            known = solved & np.isfinite(reopens)
            with np.errstate(invalid="ignore"):
                self.shares.add("reopen_rate", reopens >= 1, ut, gt, P, eligible=known)
                first_time = reopens == 0
                fcr_ok = known.copy()
                out["replies"] = "replies" in t.columns
                if out["replies"]:
                    replies = _num(t["replies"])
                    fcr_ok &= np.isfinite(replies)
                    first_time = first_time & (replies <= 1)
                self.shares.add("fcr", first_time, ut, gt, P, eligible=fcr_ok)
            if agent is not None:
                has = t[agent].notna().to_numpy() & dated
                out["agent_tickets"] = np.bincount(gt[has], minlength=P).astype(float)
                out["agent_pairs"] = pd.DataFrame({"a": t[agent].to_numpy()[has], "g": gt[has]}).drop_duplicates()
            if levels is not None:
                s = t["channel"]
                gc = (s.cat.codes.to_numpy(dtype=np.int64) if isinstance(s.dtype, pd.CategoricalDtype)
                      else np.asarray(levels.get_indexer(s), dtype=np.int64))
                C = len(levels)
                rated = rating.notna().to_numpy() & (gc >= 0) & dated
                cell = gt[rated] * C + gc[rated]
                out["rated"] = np.bincount(cell, minlength=P * C).astype(float)
                out["rated_bad"] = np.bincount(cell, weights=bad[rated].astype(float), minlength=P * C)
                self.spread = (np.vstack([np.ones(int(rated.sum())), bad[rated].astype(float)]), ut.take(rated),
                               cell, P * C)
        if r is not None:
            ids, out["how_r"] = sampling_units(r, self.cluster, row_id="response_id", via=self.via,
                                               customer=customer_r)
            ur = as_units(ids)
            gr = _period_codes(r["responded_at"], periods, freq)
            if referral is not None:
                s = r[referral]
                v = (s.astype("float64").to_numpy(dtype=float, na_value=np.nan) if pd.api.types.is_bool_dtype(s.dtype)
                     else _num(s))
                with np.errstate(invalid="ignore"):
                    self.shares.add("referral_share", v > 0, ur, gr, P, eligible=np.isfinite(v))
            nps = _num(r["nps"]) if "nps" in r.columns else np.full(len(r), np.nan)
            self.shares.add("promoter_share", nps >= 9, ur, gr, P, eligible=np.isfinite(nps))
            csat = _num(r["csat"])
            ok = np.isfinite(csat) & (gr >= 0)
            lo, hi = csat_bounds
            self.shares.add("csat_mean", (csat[ok] - lo) / (hi - lo), ur.take(ok), gr[ok], P)
            out["csat_total"] = np.bincount(gr[ok], weights=csat[ok], minlength=P)
            self.objs["csat_mean pairs"] = _period_pairs(csat, gr, P)
        if act is not None:
            if "customer" not in act.columns:
                act = link_customers(activity=act).activity
            ga = _period_codes(act["at"], periods, freq)
            out["orders"] = np.bincount(ga[ga >= 0], minlength=P).astype(float)
            okc = act["customer"].notna().to_numpy() & (ga >= 0)
            if okc.any():
                # the customers as integer codes (the text factorised once, no Python string per row): each one's
                # first order, then one row per (customer, period) in the order the pairs first appear
                cc, cu = factorize(act["customer"][okc].reset_index(drop=True))
                cc = np.asarray(cc, dtype=np.int64)
                ns = pd.DatetimeIndex(act["at"].array[okc]).tz_convert("UTC").as_unit("ns").asi8
                first_ns = np.full(len(cu), np.iinfo(np.int64).max)
                np.minimum.at(first_ns, cc, ns)
                g_okc = ga[okc]
                first_row = np.flatnonzero(~repeated_pairs(cc, g_okc))
                bc, bg = cc[first_row], g_okc[first_row]
                starts = periods.start_time.tz_localize("UTC").as_unit("ns").asi8
                self.shares.add("repeat_purchase_rate", first_ns[bc] < starts[bg],
                                as_units(pd.Series(cu.take(bc)).astype("str")), bg.astype(np.int64), P)
            else:  # no buyer here (a part of the customers may hold none)
                self.shares.add("repeat_purchase_rate", np.zeros(0), as_units(np.zeros(0, object)),
                                np.zeros(0, np.int64), P)
        self.t = self.r = self.act = self.via = None  # what the later rounds need is kept above
        out["sums"] = self.shares.sums()
        return out

    def centred(self, *, means: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, ...]]:
        return self.shares.centred(means)

    def on(self, *, obj: str, call: str, args: dict) -> Any:
        """Method ``call`` (with ``args``) of one of the part's sorted sets: the reply and resolution times per
        period (the medians), and per pair of consecutive periods those times and the CSAT scores (the rank
        tests)."""
        return getattr(self.objs[obj], call)(**args)

    def boot(self, *, n_resamples: int, seed: Any) -> np.ndarray:
        """The hashed bootstrap sums of the rated tickets and the bad ones per period and channel (whole
        numbers: exact over partitions); zeros for a part without rated tickets."""
        values, units, cells, n_cells = self.spread
        return clustered_bootstrap_sums(values, units, cells, n_cells, n_resamples=n_resamples, seed=seed)


# --------------------------------------------------------------------------- combining
def scorecard_from_parts(each: Any, *, freq: Literal["M", "Q"] = "M", preset: str | None = None, as_of: Any = None,
                         alpha: float = 0.05, confidence: float = 0.95, complaint_pattern: str = COMPLAINT_PATTERN,
                         min_n: int = 20, n_resamples: int = DEFAULT_RESAMPLES, seed: Any = 0,
                         cluster: str | None = "customer", referrals: tuple[int, int] | None = None) -> Scorecard:
    """:func:`scorecard` combined from partitions (:class:`ScorecardPart`), asked in rounds.

    ``each(method, **kw)`` calls :class:`ScorecardPart` ``method`` on every partition and returns their answers
    (a list): a loop on one machine, tasks on a cluster (the Dask engine). ``referrals`` is the customers
    snapshot's (:func:`customer_referrals`); the other parameters are :func:`scorecard`'s. Counts and sums are
    added up, the medians' order statistics and the rank tests' mid-rank sums are exact
    (:mod:`csanalysis.stats.selection`), the bootstrap sums are whole numbers: the result is the whole tables'.
    """
    f, a, conf, pkey = _check(freq, alpha, confidence, n_resamples, preset, complaint_pattern)
    _check_cluster(cluster)
    notes: list[str] = []
    seen = each("first")
    has_t, has_r, has_act = (any(p["tables"][i] for p in seen) for i in range(3))
    if not (has_t or has_r or has_act):
        raise ValueError("give at least a tickets, responses or activity table (a customers snapshot alone has "
                         "no dates to build periods from)")
    n_agent = sum(p["n_agent"] for p in seen)
    if n_agent:
        notes.append(f"{n_agent} agent-initiated ticket(s) left out")
    spans = [s for p in seen for s in p["spans"] if s is not None]
    cut = _as_of(as_of)
    if cut is None:
        if not spans:
            raise ValueError("the tables have no timestamps (created_at / responded_at / at), so there are no "
                             "periods; read them with a csanalysis reader or map the date columns")
        cut = max(s[1] for s in spans)
    first = min((s[0] for s in spans), default=None)
    if first is None or first > cut:
        raise ValueError(f"no rows on or before as_of ({cut.date()}); choose a later as_of")
    cut_naive = cut.tz_localize(None)
    periods = pd.period_range(first.tz_localize(None).to_period(f), cut_naive.to_period(f), freq=f)
    P = len(periods)
    # complete when the data (or as_of) reaches the period's last day: a cut on that day covers it to its end
    complete = np.asarray(periods.end_time.normalize() <= cut_naive.normalize())
    columns = set().union(*(p["columns"] for p in seen))
    if cluster not in (None, "customer", "account_id") and cluster not in columns:
        raise ValueError(f"`cluster` column {cluster!r} is in neither the tickets nor the responses table; use "
                         "'customer', 'account_id', a column of the tables or None")

    below = each("seen", cut=cut)
    n_t, _, n_act = (sum(p["rows"][i] for p in below) for i in range(3))
    referral = next((c for c in _REFERRAL_COLS if any(c in p.get("referral", ()) for p in below)), None)
    ranges = [p["csat"] for p in below if "csat" in p]
    csat_bounds = (min([1.0, *(lo for lo, _ in ranges)]), max([5.0, *(hi for _, hi in ranges)]))
    agent = levels = None
    if has_t:
        looks: dict[str, list[tuple[bool, bool]]] = {}
        for p in below:
            for c, look in p["agents"].items():
                looks.setdefault(c, []).append(look)
        found = [c for c, ls in looks.items() if any(h for h, _ in ls) and all(ok for _, ok in ls)]
        agent = next((c for c in ("agent_key", "assignee_key") if c in found), found[0] if found else None)
        if below[0]["categorical"]:
            levels = below[0]["levels"]
        else:
            _, levels = segment_codes(pd.concat([p["levels"] for p in below], ignore_index=True))
    customer_t = customer_column(p.get("customer_t", ()) for p in below)
    customer_r = customer_column(p.get("customer_r", ()) for p in below)
    built = each("build", periods=periods, freq=f, customer_t=customer_t, customer_r=customer_r, referral=referral,
                 agent=agent, levels=levels, csat_bounds=csat_bounds, complaint_pattern=complaint_pattern)
    total = lambda key: sum_parts([b[key] for b in built if key in b])
    shares = shares_from_parts([b["sums"] for b in built], lambda means: each("centred", means=means), conf)

    def ask(obj: str) -> Any:
        return lambda method, **kw: each("on", obj=obj, call=method, args=kw)

    def rank_change_p(obj: str) -> np.ndarray:
        out = np.full(P, np.nan)
        if P > 1:
            rs, n, ties = rank_sums(ask(obj), 2, n_groups=P - 1)
            out[1:] = mann_whitney_from_sums(rs[:, 0], n[:, 0], n[:, 1], ties)
        return out

    blocks: list[dict[str, Any]] = []

    def add(measure, value, lo, hi, n, p, test, note=""):
        blocks.append({"measure": measure, "value": np.asarray(value, float), "ci_low": np.asarray(lo, float),
                       "ci_high": np.asarray(hi, float), "n": np.asarray(n, float), "p_value": np.asarray(p, float),
                       "test": test, "note": note})

    def share(measure, note=""):
        est, lo, hi, n, k, _ = shares[measure]
        if n.sum() > 0:
            add(measure, est, lo, hi, n, _share_change_p(k, n), T_SHARE, note)

    def rate(measure, k, e, scale, note=""):
        if e.sum() > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(e > 0, k / e * scale, np.nan)
            lo, hi = _poisson_ci(k, e, conf, scale)
            add(measure, v, lo, hi, e, _poisson_change_p(k, e), T_RATE, note)

    def median(measure):
        n = total(measure)
        if n.sum() > 0:
            est, lo, hi = (v[0] for v in woodruff_from_parts(ask(measure), n, [0.5], conf))
            add(measure, est, lo, hi, n, rank_change_p(measure + " pairs"), T_MWU)

    if has_t and n_t:
        # complaints: the rate per 1,000 tickets, its interval the share of tickets that are complaints x 1,000
        used = list(dict.fromkeys(c for b in built for c in b.get("complaint_columns", ())))
        src = "bad rating" + (f" or complaint in {', '.join(used)}" if used else " (no tag/type column found)")
        n_tickets = total("n_tickets")
        rate("complaints_per_1000", total("complaints"), n_tickets, 1000.0, f"complaint = {src}")
        if blocks and blocks[-1]["measure"] == "complaints_per_1000":
            _, lo, hi, _, _, _ = shares["complaints_per_1000"]
            blocks[-1]["ci_low"], blocks[-1]["ci_high"] = 1000.0 * lo, 1000.0 * hi
    # referrals
    if referral is not None:
        share("referral_share", f"from the survey column {referral!r}")
    if referrals is not None:
        k, n = referrals
        val = np.full(P, np.nan)
        lo_, hi_, nn = val.copy(), val.copy(), np.zeros(P)
        est, lo, hi, _, _ = grouped_share_ci(np.arange(n) < k, np.zeros(n, np.int64), 1, conf)
        val[-1], lo_[-1], hi_[-1], nn[-1] = est[0], lo[0], hi[0], n
        add("referring_customers_share", val, lo_, hi_, nn, np.full(P, np.nan), T_NONE,
            "customers snapshot (no dates): shown at the as_of period, no change")
    if referral is None and referrals is None and has_r:
        share("promoter_share",
              "PROXY for referrals: share of NPS answers 9-10 (no referral data in the survey or customers table)")
    # repeat purchases and contacts per order
    if has_act and n_act:
        share("repeat_purchase_rate", "buyers whose first order in the data is before the period; early periods "
              "are left-censored")
        if has_t and n_t:
            rate("contacts_per_order", total("n_tickets"), total("orders"), 1.0,
                 "all customer-initiated tickets / orders")
    if has_t and n_t:
        median("first_reply_p50")
        median("resolution_p50")
        share("reopen_rate")
        share("fcr", "never reopened" + (" and at most one agent reply" if any(b.get("replies") for b in built)
                                         else ""))
    # csat: survey answers only (as csat_mean of the service metrics); helpdesk good/bad ratings are not a
    # 1-5 score and count in complaints_per_1000 and the bad-rating share instead
    if has_r and shares["csat_mean"][3].sum() > 0:
        _, lo01, hi01, n, _, _ = shares["csat_mean"]
        est = ratio(total("csat_total"), n)
        lo, hi = csat_bounds
        add("csat_mean", est, np.minimum(lo + (hi - lo) * lo01, est), np.maximum(lo + (hi - lo) * hi01, est), n,
            rank_change_p("csat_mean pairs"), T_MWU, "survey CSAT")
    if has_t and n_t:
        # productivity: tickets with an agent / distinct agents per period (an agent may work in every part)
        if agent is not None:
            pairs = pd.concat([b["agent_pairs"] for b in built if "agent_pairs" in b],
                              ignore_index=True).drop_duplicates()
            agents = np.bincount(pairs["g"].to_numpy(np.int64), minlength=P).astype(float)
            rate("tickets_per_agent", total("agent_tickets"), agents, 1.0, f"agents from {agent!r}; n = active agents")
        # consistency across channels
        C = len(levels)
        N, K = total("rated").reshape(P, C), total("rated_bad").reshape(P, C)
        if N.sum() > 0 and C >= 2:
            boot = np.sum(each("boot", n_resamples=int(n_resamples), seed=seed), axis=0)
            est, lo, hi, n, pv = _spread_boot(K, N, boot, int(min_n), conf)
            if np.isfinite(est).any():
                add("channel_spread_bad_share", est, lo, hi, n, pv, T_BOOT,
                    f"channels with at least {min_n} rated tickets in the period; n = their rated tickets")
            else:
                notes.append(f"channel_spread_bad_share left out: no period has two channels with at least "
                             f"{min_n} rated tickets")

    if not blocks:
        raise ValueError("none of the scorecard measures could be computed from these tables; they need "
                         "ratings, reply/resolution times, reopens, survey answers or orders with dates")
    hows = [f"{built[0][k]} ({what})" for k, what in (("how_t", "tickets"), ("how_r", "survey answers"))
            if k in built[0]]
    return _scorecard_table(blocks, periods, complete, pkey, f, cut, a, conf, hows, notes)


def _scorecard_table(blocks: list[dict[str, Any]], periods: pd.PeriodIndex, complete: np.ndarray, pkey: str | None,
                     f: str, cut: pd.Timestamp, a: float, conf: float, hows: list[str],
                     notes: list[str]) -> Scorecard:
    """The measures' blocks as the long table, lead measures first within a period."""
    P = len(periods)
    # order: lead measures first, then the default order
    have = {b["measure"] for b in blocks}
    lead: list[str] = []
    missing: list[str] = []
    if pkey is not None:
        for m in PRESETS[pkey]["lead"]:
            if m == "referrals":
                m2 = next((x for x in _REFERRAL_MEASURES if x in have), None)
                (lead.append(m2) if m2 else missing.append("referrals"))
            else:
                (lead.append(m) if m in have else missing.append(m))
    default = list(MEASURES)
    rank = {m: i for i, m in enumerate(lead + [m for m in default if m not in lead])}
    blocks.sort(key=lambda b: rank[b["measure"]])

    frames = []
    per = pd.Series(periods)
    for b in blocks:
        v = b["value"]
        change = np.full(P, np.nan)
        change[1:] = v[1:] - v[:-1]
        good = MEASURES[b["measure"]][1]
        improved = pd.array(np.where(good == "up", change > 0, change < 0), dtype="boolean")
        improved[~(np.isfinite(change) & (change != 0))] = pd.NA
        p = b["p_value"]
        frames.append(pd.DataFrame({
            "period": per, "measure": b["measure"], "value": v, "ci_low": b["ci_low"], "ci_high": b["ci_high"],
            "n": b["n"].astype(np.int64), "change": change, "good_direction": good, "improved": improved,
            "significant": np.where(np.isfinite(p), p < a, False).astype(bool), "p_value": p,
            "test": b["test"], "lead": b["measure"] in lead, "complete": complete, "note": b["note"],
            "_rank": rank[b["measure"]], "_p": np.arange(P),
        }))
    table = pd.concat(frames, ignore_index=True).sort_values(["_p", "_rank"], kind="stable")
    table = table.drop(columns=["_rank", "_p"]).reset_index(drop=True)
    for c in ("measure", "good_direction", "test", "note"):
        table[c] = table[c].astype("str")
    if missing:
        notes.append(f"lead measure(s) not available from these tables: {', '.join(missing)}")
    if hows:
        notes.append("sampling unit of the intervals: " + "; ".join(hows) + " (shares and mean CSAT: cluster-robust "
                     "Wilson-type; medians: Woodruff; channel spread: cluster bootstrap)")
    return Scorecard(table=table, freq=f, preset=pkey, lead=lead, missing_lead=missing, as_of=cut, alpha=a,
                     confidence=conf, notes=notes)
