"""Consistency of service across channels.

The source articles ask that self-service, automation and people give "the
same experience; the same tone on every channel". :func:`channel_consistency`
measures, per channel, satisfaction (mean CSAT), the share of bad ratings and
the median resolution time, tests whether the channels are equal on each, and
condenses consistency into one figure with a bootstrap interval.

The consistency figure
----------------------
**The spread of the bad-rating share: highest channel share minus lowest
channel share, in proportion points (0 = every channel equally good),
among channels with at least ``min_n`` rated tickets.**

Why this one: a bad rating is the experience the articles warn about (the
customer who walks away), every helpdesk records it on every channel, and
a share difference needs no scale conversion (CSAT scales and
rating-score mappings differ between channels and tools). The range answers
the practical question "how much worse is our worst channel than our best?"
in the unit the analyst already reports. A weighted standard deviation is
harder to read and is dominated by the largest channels, which hides a small,
bad channel; the range does not.

Caveat: the range of noisy estimates is biased upwards (with equal true
shares it is still above 0), the more so the smaller the channels; hence
``min_n``. The interval is a percentile cluster bootstrap: every customer
gets a Poisson(1) weight per resample drawn from a hash of their identifier
(:func:`csanalysis.stats.clustered_bootstrap_sums`), so all of a customer's
tickets, on every channel, move together, and the interval does not depend
on the order of the tickets. It describes the uncertainty of the spread, it
is not a test. Whether the channels differ at all is the chi-square test in
``.tests`` (which counts tickets as independent).

Sampling unit
-------------
As in :func:`csanalysis.estimators.service_metrics`, every interval treats
the customer (``cluster="customer"``; or the account, ``"account_id"``) as
the sampling unit: cluster-robust Wilson-type intervals for the bad-rating
share and mean CSAT, Woodruff's interval for the median resolution time
(:mod:`csanalysis.stats.clustered`). The ``method`` column names the unit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, PERCENTILE_METHOD
from csanalysis.checks import check_confidence, check_frame, check_positive_int, check_resamples
from csanalysis.display import show
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.schema import agent_initiated, conform, rating_from_score
from csanalysis.estimators.metrics import (
    CUSTOMER_COLUMNS,
    MEAN_CI,
    QUANTILE_CI,
    SHARE_CI,
    customer_column,
    filled_customer_columns,
    sampling_units,
)
from csanalysis.segments.common import segment_codes
from csanalysis.segments.compare import Omnibus, rank_omnibus_from_sums, share_omnibus
from csanalysis.stats.arrays import HoldsArrays, finite_range, ratio, sum_parts
from csanalysis.stats.clustered import (
    ClusteredQuantiles,
    ClusteredSums,
    as_units,
    clustered_bootstrap_sums,
    shares_from_parts,
    woodruff_from_parts,
)
from csanalysis.stats.selection import SortedGroups, rank_sums

__all__ = ["CHANNEL_MEASURES", "ChannelConsistency", "ChannelsPart", "channel_consistency", "channels_from_parts"]

#: Measures reported per channel: name -> (definition, interval method; the table adds the sampling unit).
CHANNEL_MEASURES: dict[str, tuple[str, str]] = {
    "tickets": ("customer-initiated tickets", "count"),
    "csat_mean": ("mean CSAT (1-5)", MEAN_CI),
    "bad_share": ("share of rated tickets rated bad (default rating rule)", SHARE_CI),
    "resolution_p50": ("median minutes from creation to resolution", QUANTILE_CI),
}
FIGURE_METHOD = ("range (highest minus lowest) of the channel bad-rating shares among channels with at least "
                 "{min_n} rated tickets; percentile cluster bootstrap interval, {n_resamples} resamples with "
                 "Poisson(1) weights from a hash of the unit ({how})")


@dataclass(repr=False)
class ChannelConsistency(Result):
    """Service per channel and one consistency figure (see :func:`channel_consistency`).

    Attributes
    ----------
    table : DataFrame
        Long table ``channel, measure, value, ci_low, ci_high, n, method``.
    tests : DataFrame
        One row per measure: ``measure, test, statistic, df, p_value,
        assumptions, reason``.
    consistency : dict
        The figure: ``value, ci_low, ci_high, n, method`` and ``measure``,
        ``channels`` (included), ``highest``, ``lowest``, ``reason``.
    csat_source : str
        Where CSAT came from: ``"survey"``, ``"rating"`` or ``"none"``.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    consistency: dict[str, Any]
    channel: str
    csat_source: str
    confidence: float
    notes: list[str] = field(default_factory=list)

    title = "Service by channel"

    def __repr__(self) -> str:
        f = self.consistency
        return (f"<ChannelConsistency {self.table['channel'].nunique()} channels: bad-share range "
                f"{f['value']:.3g} [{f['ci_low']:.3g}, {f['ci_high']:.3g}]>")

    def summary(self) -> pd.DataFrame:
        """The long per-channel table (a copy)."""
        return self.table.copy()

    def figure(self) -> dict[str, Any]:
        """The consistency figure as a JSON-ready dict (value, ci_low, ci_high, n, method, ...)."""
        return jsonable(dict(self.consistency))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, figure, per-channel summary and tests."""
        tab = self.table.assign(channel=self.table["channel"].astype("str"))
        return jsonable({"channel_column": self.channel, "csat_source": self.csat_source,
                         "confidence": self.confidence, "notes": list(self.notes), "figure": self.figure(),
                         "summary": frame_records(tab), "tests": frame_records(self.tests)})

    def wide(self) -> pd.DataFrame:
        """Channels as rows and measures as columns (the values), channel order kept."""
        w = self.table.pivot_table(index="channel", columns="measure", values="value", observed=False,
                                   sort=False, dropna=False)
        w.columns.name = None
        return w.reset_index()

    def footnote(self) -> str:
        """The consistency figure and how it was computed."""
        f = self.consistency
        return (f"Consistency across channels: bad-rating share range {f['value']:.3g} "
                f"[{f['ci_low']:.3g}, {f['ci_high']:.3g}] ({self.confidence:.0%}); {f['method']}.")

    def _repr_html_(self) -> str:
        tests = self.tests.drop(columns=["assumptions"])
        return (show(self.wide(), self.title)._repr_html_()
                + f"<p><small>{html.escape(self.footnote())}</small></p>"
                + show(tests, "Tests of equality across channels")._repr_html_())

    def plot(self, ax: Any = None, measure: Literal["bad_share", "csat_mean", "resolution_p50"] = "bad_share") -> Any:
        """Estimate and interval per channel (see :func:`csanalysis.plotting.plot_channel_consistency`)."""
        from csanalysis.plotting.segments import plot_channel_consistency
        return plot_channel_consistency(self, ax=ax, measure=measure)


# --------------------------------------------------------------------------- helpers
def _survey_csat(t: pd.DataFrame, responses: pd.DataFrame) -> np.ndarray:
    """CSAT of the first survey answer (by responded_at) with a CSAT about each ticket."""
    r = conform(responses, "responses")
    r = r.loc[r["ticket_id"].notna() & r["csat"].notna()]
    r = r.sort_values("responded_at", na_position="last", kind="stable").drop_duplicates("ticket_id")
    m = pd.Series(r["csat"].to_numpy(dtype=float), index=r["ticket_id"].astype("str").to_numpy())
    return t["ticket_id"].astype("str").map(m).to_numpy(dtype=float, na_value=np.nan)


def _test_row(measure: str, o: Omnibus) -> dict[str, Any]:
    return {"measure": measure, "test": o.test, "statistic": o.statistic, "df": o.df, "p_value": o.p_value,
            "assumptions": o.assumptions, "reason": o.reason}


def _range_ci(sums: np.ndarray, inc: np.ndarray, conf: float) -> tuple[float, float]:
    """Percentile interval of max - min of the included channels' bad shares, cluster bootstrap.

    ``sums``: the hashed bootstrap sums ``(replicates, 2, channels)`` of the rated tickets and the bad ones
    (:meth:`ChannelsPart.boot`, added up); ``inc``: the channels in the figure. A resample in which an
    included channel has no weight is left out.
    """
    N, K = sums[:, 0, inc], sums[:, 1, inc]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = K / N
        spread = np.where((N > 0).all(axis=1), p.max(axis=1, initial=-np.inf) - p.min(axis=1, initial=np.inf),
                          np.nan)
    spread = spread[np.isfinite(spread)]
    if not len(spread):
        return np.nan, np.nan
    a = (1.0 - conf) / 2.0
    lo, hi = np.quantile(spread, [a, 1.0 - a], method=PERCENTILE_METHOD)
    return float(lo), float(hi)


# --------------------------------------------------------------------------- entry point
def channel_consistency(
    tickets: pd.DataFrame,
    responses: pd.DataFrame | None = None,
    *,
    channel: str = "channel",
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = 0,
    min_n: int = 30,
    csat_from: Literal["auto", "survey", "rating"] = "auto",
    include_agent_initiated: bool = False,
    cluster: str | None = "customer",
) -> ChannelConsistency:
    """Satisfaction, bad ratings and resolution time per channel, and how consistent they are.

    Parameters
    ----------
    tickets : DataFrame
        Canonical tickets table (:mod:`csanalysis.schema`).
    responses : DataFrame, optional
        Canonical survey responses; answers whose ``ticket_id`` names a ticket
        give that ticket's CSAT (the first answer by ``responded_at``).
    channel : str, default "channel"
        Column of ``tickets`` holding the channel. Every category of a
        categorical column is reported (the canonical channel column has
        them all), so channels without tickets show ``n = 0`` and NaN.
    confidence : float, default 0.95
        Confidence level of every interval.
    n_resamples : int, default 1000
        Bootstrap resamples of the consistency figure.
    seed : int, Generator or None, default 0
        Seed of the bootstrap's hashed weights
        (:func:`csanalysis.stats.hash_seed`).
    min_n : int, default 30
        Channels with fewer rated tickets are shown but left out of the
        consistency figure (their share is too noisy; see the module notes).
    csat_from : {"auto", "survey", "rating"}, default "auto"
        ``survey``: CSAT from the linked survey answers; ``rating``: the
        ticket's ``rating_score`` mapped to 1-5 (``1 + 4 * rating_score``;
        a Good/Bad rating becomes 5/1); ``auto``: survey answers when any are
        linked to the tickets, ratings otherwise. One source only, never a
        mix, so the channels are compared on the same scale.
    include_agent_initiated : bool, default False
        Count agent-initiated (outbound) tickets too.
    cluster : str or None, default "customer"
        Sampling unit of the intervals and of the bootstrap (see
        :func:`csanalysis.estimators.metrics.sampling_units`): the customer
        (``customer``, else ``customer_id``, else ``email_key``; each ticket
        its own when there is none), ``"account_id"``, another ticket column,
        or ``None`` (tickets independent).

    Returns
    -------
    ChannelConsistency
        ``.summary()`` (channel, measure, value, ci_low, ci_high, n, method),
        ``.tests`` (chi-square / Fisher for the bad share, Kruskal-Wallis for
        CSAT and resolution time), ``.figure()``, ``.to_dict()``, ``.plot()``.

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": [str(i) for i in range(200)],
    ...     "channel": ["email", "chat"] * 100,
    ...     "rating": (["bad", "good"] + ["good", "good"] * 4) * 20}), "tickets")
    >>> cc = channel_consistency(t)
    >>> f = cc.figure()
    >>> round(f["value"], 2), f["highest"], f["lowest"], f["n"]
    (0.2, 'email', 'chat', 200)
    >>> cc.summary().query("measure == 'bad_share' and channel == 'phone'")["n"].item()
    0
    """
    check_frame(tickets, "tickets")
    if channel not in tickets.columns:
        raise ValueError(f"tickets has no column {channel!r}; pass channel= the column holding the channel "
                         "(e.g. 'channel', 'via', 'source')")
    _check(confidence, n_resamples, min_n, csat_from)
    part = ChannelsPart(tickets, responses, channel=channel, include_agent_initiated=include_agent_initiated,
                        cluster=cluster)
    return channels_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], channel=channel,
                               confidence=confidence, n_resamples=n_resamples, seed=seed, min_n=min_n,
                               csat_from=csat_from, cluster=cluster)


def _check(confidence: Any, n_resamples: Any, min_n: Any, csat_from: Any) -> float:
    conf = check_confidence(confidence)
    check_resamples(n_resamples)
    check_positive_int(min_n, "min_n")
    if csat_from not in ("auto", "survey", "rating"):
        raise ValueError(f"The value for `csat_from` must be one of ['auto', 'survey', 'rating'], "
                         f"but {csat_from!r} was passed.")
    return conf


class ChannelsPart(HoldsArrays):
    """One partition's share of :func:`channel_consistency` (its tickets and the survey answers about them;
    every sampling unit's tickets in one partition), answering the combining step's rounds: :meth:`first`
    (the channels seen, the CSAT sources and ranges), :meth:`build` (rows and sums per channel, the resolution
    times and CSAT values kept sorted), :meth:`centred`, then the quantile, rank and bootstrap rounds through
    :meth:`on`. :func:`channel_consistency` is the same with the whole tables as the only part."""

    def __init__(self, tickets: pd.DataFrame, responses: pd.DataFrame | None = None, *, channel: str = "channel",
                 include_agent_initiated: bool = False, cluster: str | None = "customer") -> None:
        check_frame(tickets, "tickets")
        if channel not in tickets.columns:
            raise ValueError(f"tickets has no column {channel!r}; pass channel= the column holding the channel "
                             "(e.g. 'channel', 'via', 'source')")
        t = conform(tickets, "tickets").reset_index(drop=True)
        # only the columns read below, so that filtering the rows does not copy the whole table
        read = {channel, "rating_score", "rating", "ticket_id", "resolution_minutes", "direction", "account_id",
                *CUSTOMER_COLUMNS, *([cluster] if isinstance(cluster, str) else [])}
        t = t[[c for c in t.columns if c in read]]
        self.n_agent = 0
        if not include_agent_initiated:
            agent = agent_initiated(t)
            self.n_agent = int(agent.sum())
            t = t.loc[~agent].reset_index(drop=True)
        if cluster is not None and not isinstance(cluster, str):
            raise TypeError(f"`cluster` must be a column name ('customer', 'account_id', ...) or None, not "
                            f"{cluster!r}")
        if cluster not in (None, "customer", "account_id") and cluster not in t.columns:
            raise ValueError(f"tickets have no column {cluster!r}; use cluster='customer', 'account_id', a ticket "
                             "column or None")
        self.t, self.channel, self.cluster = t, channel, cluster
        rating = pd.Series(rating_from_score(t["rating_score"], said=t["rating"]), index=t.index)
        self.rated_any = rating.notna().to_numpy()
        self.bad = (rating.astype("object") == "bad").fillna(False).to_numpy(dtype=float)
        self.survey = _survey_csat(t, responses) if responses is not None else np.full(len(t), np.nan)
        self.score = 1.0 + 4.0 * t["rating_score"].to_numpy(dtype=float, na_value=np.nan)
        self.res = t["resolution_minutes"].to_numpy(dtype=float, na_value=np.nan)

    def first(self) -> dict[str, Any]:
        """The channels seen (a categorical column's categories), the tickets without one, the CSAT sources'
        ranges over the tickets with a channel, the customer columns filled."""
        s = self.t[self.channel]
        has = s.notna().to_numpy()
        return {"n_agent": self.n_agent, "categorical": isinstance(s.dtype, pd.CategoricalDtype),
                "levels": pd.Index(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype)
                else s[has].drop_duplicates(), "no_channel": int((~has).sum()),
                "survey": finite_range(self.survey[has]), "rating": finite_range(self.score[has]),
                "customer": filled_customer_columns(self.t)}

    def build(self, *, levels: pd.Index, source: str, bounds: tuple[float, float],
              customer: str | None) -> dict[str, Any]:
        """Channel codes and units fixed; per channel the tickets, the CSAT and bad-share rows and sums; the
        resolution times (for the median) and both measures (for the rank tests) kept sorted."""
        s = self.t[self.channel]
        if isinstance(s.dtype, pd.CategoricalDtype):
            g = s.cat.codes.to_numpy(dtype=np.int64)
        else:
            g = np.asarray(levels.get_indexer(s), dtype=np.int64)
        G = len(levels)
        has = g >= 0
        csat = self.survey if source == "survey" else self.score
        ids, how = sampling_units(self.t, self.cluster, row_id="ticket_id", customer=customer)
        units = as_units(ids)
        self.g, self.units, self.G = g, units, G
        rated = self.rated_any & has
        okc = has & np.isfinite(csat)
        okr = has & np.isfinite(self.res)
        a, b = bounds
        self.sums = ClusteredSums()
        self.sums.add("csat_mean", (csat[okc] - a) / (b - a), units.take(okc), g[okc], G)
        self.sums.add("bad_share", self.bad[rated], units.take(rated), g[rated], G)
        self.rated = rated
        zeros = lambda k: np.zeros(int(k.sum()), dtype=np.int64)
        self.objs = {"resolution": ClusteredQuantiles(self.res[okr], g[okr], G, units.take(okr)),
                     "csat_ranks": SortedGroups(csat[okc], zeros(okc), 1, units=g[okc]),
                     "resolution_ranks": SortedGroups(self.res[okr], zeros(okr), 1, units=g[okr])}
        return {"sums": self.sums.sums(), "tickets": np.bincount(g[has], minlength=G).astype(float),
                "csat_total": np.bincount(g[okc], weights=csat[okc], minlength=G),
                "resolution": self.objs["resolution"].counts(), "how": how}

    def centred(self, *, means: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, ...]]:
        return self.sums.centred(means)

    def on(self, *, obj: str, call: str, args: dict) -> Any:
        """Method ``call`` (with ``args``) of one of the part's sorted sets (the resolution times per channel; the CSAT values and
        the resolution times pooled, labelled by channel), for the quantile and rank rounds."""
        return getattr(self.objs[obj], call)(**args)

    def boot(self, *, include: np.ndarray, n_resamples: int, seed: Any) -> np.ndarray:
        """The hashed bootstrap sums of the bad share's range (rated tickets and bad ones of the included
        channels; whole numbers: exact over partitions)."""
        r, g = self.rated, self.g
        return clustered_bootstrap_sums(np.vstack([np.ones(int(r.sum())), self.bad[r]]), self.units.take(r),
                                        np.where(include[g[r]], g[r], -1), self.G, n_resamples=n_resamples,
                                        seed=seed)


def channels_from_parts(each: Any, *, channel: str = "channel", confidence: float = 0.95,
                        n_resamples: int = DEFAULT_RESAMPLES, seed: Any = 0, min_n: int = 30,
                        csat_from: Literal["auto", "survey", "rating"] = "auto",
                        cluster: str | None = "customer") -> ChannelConsistency:
    """:func:`channel_consistency` combined from partitions (:class:`ChannelsPart`), asked in rounds.

    ``each(method, **kw)`` calls :class:`ChannelsPart` ``method`` on every partition and returns their answers
    (a list): a loop on one machine, tasks on a cluster (the Dask engine). The other parameters are
    :func:`channel_consistency`'s (the parts were built with the same). The estimates, intervals and tests
    are those of the whole tables: counts and sums are added up, the median's order statistics and the rank
    tests' mid-rank sums are exact (:mod:`csanalysis.stats.selection`), the bootstrap sums are whole numbers.
    """
    conf = _check(confidence, n_resamples, min_n, csat_from)
    seen = each("first")
    notes: list[str] = []
    n_agent = sum(p["n_agent"] for p in seen)
    if n_agent:
        notes.append(f"{n_agent} agent-initiated ticket(s) left out")
    if seen[0]["categorical"]:
        levels = seen[0]["levels"]
    else:
        _, levels = segment_codes(pd.concat([p["levels"] for p in seen], ignore_index=True))
    no_channel = sum(p["no_channel"] for p in seen)
    if no_channel:
        notes.append(f"{no_channel} ticket(s) without a channel left out")
    survey_any = any(p["survey"][0] <= p["survey"][1] for p in seen)
    if csat_from == "survey" or (csat_from == "auto" and survey_any):
        source = "survey"
    else:
        source = "rating"
    lo = min(p[source][0] for p in seen)
    hi = max(p[source][1] for p in seen)
    if not any(p[source][0] <= p[source][1] for p in seen):
        source_used = "none"
        notes.append("no CSAT: no survey answers linked to the tickets and no rating scores")
    else:
        source_used = source
    bounds = (min(1.0, lo), max(5.0, hi)) if np.isfinite(lo) else (1.0, 5.0)
    customer = customer_column(p["customer"] for p in seen)
    built = each("build", levels=levels, source=source, bounds=bounds, customer=customer)
    G = len(levels)
    shares = shares_from_parts([b["sums"] for b in built], lambda means: each("centred", means=means), conf)
    n_t = sum_parts([b["tickets"] for b in built])
    # CSAT: the bounded mean (its interval on the [0, 1] rescaled scores, mapped back)
    _, lo01, hi01, c_n, _, _ = shares["csat_mean"]
    c_est = ratio(sum_parts([b["csat_total"] for b in built]), c_n)
    a, b_ = bounds
    c_lo, c_hi = np.minimum(a + (b_ - a) * lo01, c_est), np.maximum(a + (b_ - a) * hi01, c_est)
    b_est, b_lo, b_hi, b_n, b_k, _ = shares["bad_share"]

    def ask(obj: str) -> Any:
        return lambda method, **kw: each("on", obj=obj, call=method, args=kw)

    r_n = sum_parts([b["resolution"] for b in built])
    r_est, r_lo, r_hi = (v[0] for v in woodruff_from_parts(ask("resolution"), r_n, [0.5], conf))
    how = built[0]["how"]
    nan = np.full(G, np.nan)
    blocks = {
        "tickets": (n_t, nan, nan, n_t),
        "csat_mean": (c_est, c_lo, c_hi, c_n),
        "bad_share": (b_est, b_lo, b_hi, b_n),
        "resolution_p50": (r_est, r_lo, r_hi, r_n.astype(float)),
    }
    M = len(blocks)
    table = pd.DataFrame({
        "channel": np.asarray(levels, dtype=object).repeat(M) if G else np.array([], dtype=object),
        "measure": np.tile(np.array(list(blocks), dtype=object), G),
        "value": np.column_stack([v[0] for v in blocks.values()]).ravel() if G else [],
        "ci_low": np.column_stack([v[1] for v in blocks.values()]).ravel() if G else [],
        "ci_high": np.column_stack([v[2] for v in blocks.values()]).ravel() if G else [],
        "n": np.column_stack([v[3] for v in blocks.values()]).ravel().astype(np.int64) if G else [],
        "method": np.tile(np.array([CHANNEL_MEASURES[m][1] + ("" if m == "tickets" else f"; {how}")
                                    for m in blocks], dtype=object), G),
    })
    if seen[0]["categorical"]:
        table["channel"] = pd.Categorical(table["channel"], categories=levels)
    table["measure"] = table["measure"].astype("str")
    table["method"] = table["method"].astype("str")
    if source_used != "none":
        table.loc[table["measure"] == "csat_mean", "method"] = f"{MEAN_CI} (CSAT from {source_used}); {how}"

    tests = pd.DataFrame([
        _test_row("csat_mean", rank_omnibus_from_sums(*rank_sums(ask("csat_ranks"), G))),
        _test_row("bad_share", share_omnibus(b_k, b_n)),
        _test_row("resolution_p50", rank_omnibus_from_sums(*rank_sums(ask("resolution_ranks"), G))),
    ])

    # the consistency figure
    inc = b_n >= min_n
    method = FIGURE_METHOD.format(min_n=min_n, n_resamples=int(n_resamples), how=how)
    fig: dict[str, Any] = {"measure": "bad_share_range", "value": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                           "n": int(b_n[inc].sum()), "method": method, "confidence": conf,
                           "channels": [str(c) for c in np.asarray(levels, dtype=object)[inc]],
                           "highest": None, "lowest": None, "reason": ""}
    if inc.sum() < 2:
        fig["reason"] = (f"{int(inc.sum())} channel(s) with at least {min_n} rated tickets; two are needed "
                         "(lower min_n to include smaller channels)")
    else:
        p = b_est[inc]
        names = np.asarray(levels, dtype=object)[inc]
        boot = np.sum(each("boot", include=inc, n_resamples=int(n_resamples), seed=seed), axis=0)
        lo_, hi_ = _range_ci(boot, inc, conf)
        fig.update(value=float(p.max() - p.min()), ci_low=lo_, ci_high=hi_,
                   highest=str(names[int(np.argmax(p))]), lowest=str(names[int(np.argmin(p))]))
    small = (b_n > 0) & ~inc
    if small.any():
        notes.append(f"{int(small.sum())} channel(s) with fewer than {min_n} rated tickets shown but not in the "
                     "consistency figure")
    return ChannelConsistency(table=table, tests=tests, consistency=fig, channel=channel, csat_source=source_used,
                              confidence=conf, notes=notes)
