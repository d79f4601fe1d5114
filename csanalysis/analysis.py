"""The one pipeline: :func:`analyse` reads, links, measures and compares; :class:`Analysis` holds it all.

Every face (``csanalysis report``, ``results.json``, the page, the figures,
the notebooks, :func:`csanalysis.benchmark_table`) renders an
:class:`Analysis` and computes nothing itself, so a figure has one value
everywhere. The flow::

    files --readers--> canonical tables --link--> linked customers --experiences-->
    estimators and segments --figure_table--> Analysis.figures --compare_figures--> Analysis.comparisons

Examples
--------
>>> import csanalysis as cs
>>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=100)
>>> row = a.figure("avoid_2y_after_bad")
>>> 0 < row["estimate"] < 1 and row["n"] > 30
True
>>> a.comparisons.set_index("id").loc["avoid_2y_after_bad", "own_id"]
'avoid_2y_after_bad'
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import operator
import os
import time
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd

from ._version import __version__
from .display import MISSING, format_value, show
from .checks import nonempty, parse_as_of
from .stats.arrays import HoldsArrays, distinct
from .stats.bootstrap import DEFAULT_RESAMPLES
from ._memory import release_memory
from .errors import CsanalysisError
from .privacy import key_source, resolve_secret
from .schema import agent_initiated
from .estimators.metrics import CUSTOMER_COLUMNS
from .experiences import BadExperienceRule, experiences, purchases_while_open
from .figures import figure_table
from .guards import analysis_currency, combine_order_counts, most_common_currency, order_counts, run_guards
from .io.batch import Exports, concat_tables, read_exports
from .io.report import LoadReport, load_report
from .link import LinkedData, link_customers
from .registry import registry_version
from .registry.compare import compare_figures
from .results import Result, frame_records, jsonable

__all__ = ["analyse", "Analysis", "SCHEMA_VERSION", "RESULT_NAMES", "LATER_KEYS", "DEFAULT_RESAMPLES",
           "parse_as_of"]

#: Version of the ``results.json`` contract written by :meth:`Analysis.to_dict`.
SCHEMA_VERSION = 2
#: The one default number of bootstrap resamples (report, notebooks and library).
#: Names of the result objects in :attr:`Analysis.results`.
RESULT_NAMES: tuple[str, ...] = ("avoidance", "word_of_mouth", "attributable_churn", "snapshot_churn", "metrics",
                                 "metrics_by_channel", "channels", "rfm", "journeys", "recovery", "service_levels",
                                 "clusters", "scorecard", "rankings", "power", "drivers",
                                 "nonresponse", "channel_use", "verbatims")
#: Keys of ``results.json`` that later analyses fill; empty lists until they can be computed (``rankings``,
#: ``power``, ``drivers`` and ``nonresponse`` are filled from the results of the same names when those exist).
LATER_KEYS: tuple[str, ...] = ("drivers", "rankings", "nonresponse", "power", "verbatims")
#: Ticket columns the rankings compare units of, and what a unit of each is.
RANKED_UNITS: dict[str, str] = {"agent_key": "agent", "group": "group", "channel": "channel", "month": "month"}

Source = str | PathLike | list | tuple | pd.DataFrame | None


def _has(df: pd.DataFrame | None, *cols: str) -> bool:
    return df is not None and len(df) > 0 and all(c in df.columns and df[c].notna().any() for c in cols)


def _latest(df: pd.DataFrame, col: str) -> Any:
    return df[col].max()


def _filled(df: pd.DataFrame | None, *cols: str) -> tuple[int, list[bool]]:
    """Rows of ``df`` and whether each of ``cols`` has a value in it: :func:`_has` of one piece of a table."""
    if df is None:
        return 0, [False] * len(cols)
    return len(df), [c in df.columns and bool(df[c].notna().any()) for c in cols]


def _has_of(filled: list[tuple[int, list[bool]]]) -> bool:
    """:func:`_has` of a table from :func:`_filled` of its pieces: rows in one, each column filled in one."""
    return sum(n for n, _ in filled) > 0 and all(any(col) for col in zip(*(f for _, f in filled)))


def _latest_of(values: list[Any]) -> Any:
    """:func:`_latest` of a table from :func:`_latest` of its pieces."""
    return max((v for v in values if pd.notna(v)), default=pd.NaT)


def _free_text_columns(df: pd.DataFrame | None) -> list:
    return list(df.attrs.get("free_text_columns") or []) if df is not None else []


def _first(values: list[Any]) -> Any:
    """The first piece's answer (a question of the columns or attributes, which every piece shares)."""
    return values[0]


#: What the analysis asks of a table the Dask engine holds in pieces (csanalysis.distributed.Pieces: the activity
#: and the tickets read in blocks), piece by piece: ``fn -> (each piece's question, combining the answers)``.
_OVER_PIECES: dict[Callable[..., Any], tuple[Callable[..., Any], Callable[[list[Any]], Any]]] = {
    _has: (_filled, _has_of), _latest: (_latest, _latest_of), _free_text_columns: (_free_text_columns, _first)}


#: The activity columns the stages computed per partition of customers read (the order counts, RFM).
_ORDER_COLUMNS = ("customer", "at", "amount", "currency", "order_id")
#: The survey columns word of mouth reads, per partition of the answers' own customers.
_ANSWER_COLUMNS = ("customer", "csat", "told_count_low", "told_count_high", "warned_others")


@dataclass
class Analysis:
    """One analysis of a company's exports: what :func:`analyse` returns.

    Attributes
    ----------
    figures : DataFrame
        Every number any face shows, one row per figure and slice (see
        :mod:`csanalysis.figures`): ``id, label, unit, group, estimate,
        ci_low, ci_high, n, method, definition, flags`` (+ ``p_value, change,
        source``).
    comparisons : DataFrame
        Every cited figure of the registry against the own figure it is
        compared with (see :func:`csanalysis.registry.compare_figures`).
    load_reports : dict
        Role (``tickets``, ``survey``, ``activity``, ``customers``) -> list of
        :class:`~csanalysis.LoadReport`, one per file or table read.
    linked : LinkedData
        The canonical tables linked per customer.
    experiences : DataFrame or None
        One row per service contact, marked bad or good by ``rule``.
    results : dict
        The result objects behind the figures (:data:`RESULT_NAMES`), for
        plots and details; ``None`` where the data lacks what they need.
    as_of : Timestamp or None
        End of follow-up.
    rule : BadExperienceRule
    options : dict
        Every analysis option used.
    notes : list of str
        What was not computed and why, and other remarks.
    timings : dict
        Seconds per stage.
    sample : bool
        Whether the inputs are the bundled sample.
    """

    figures: pd.DataFrame
    comparisons: pd.DataFrame
    load_reports: dict[str, list[LoadReport]]
    linked: LinkedData | None
    experiences: pd.DataFrame | None
    results: dict[str, Any]
    as_of: pd.Timestamp | None
    rule: BadExperienceRule
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    sample: bool = False

    title = "Own figures against the cited figures"

    def __repr__(self) -> str:
        counts = self.comparisons["verdict"].value_counts()
        v = ", ".join(f"{k} {n}" for k, n in counts.items())
        return (f"<Analysis as_of={None if self.as_of is None else self.as_of.date()} figures={len(self.figures)} "
                f"comparisons: {v}>")

    @property
    def verbatims(self) -> pd.DataFrame:
        """Reasons customers give in their comments: one row per reason, language and group.

        Columns ``reason, language, group, share, ci_low, ci_high, n`` (see
        :func:`csanalysis.estimators.verbatims.verbatims`); empty when the
        survey has no comments.
        """
        from .estimators.verbatims import VERBATIM_COLUMNS

        res = self.results.get("verbatims")
        return pd.DataFrame(columns=list(VERBATIM_COLUMNS)) if res is None else res.summary()

    @property
    def drivers(self) -> pd.DataFrame:
        """Key drivers: one row per outcome and driver (ticket-level outcomes, then the reasons of comments).

        Columns ``outcome, driver, importance, ci_low, ci_high, n, method, penalty, reward`` and the further
        columns of :func:`csanalysis.estimators.key_drivers`; the outcomes ending in ``(commented answers)``
        are the reasons survey comments give as drivers of the same answer's score (see
        :func:`_reason_drivers`). Empty when not computed.
        """
        from .estimators.drivers import DRIVER_COLUMNS, DRIVER_EXTRA_COLUMNS

        res = self.results.get("drivers")
        return (pd.DataFrame(columns=[*DRIVER_COLUMNS, *DRIVER_EXTRA_COLUMNS]) if res is None
                else res.summary())

    @property
    def rankings(self) -> pd.DataFrame:
        """Agents, groups, channels and months compared fairly: one row per unit.

        Columns ``unit_type, unit_name, estimate, ci_low, ci_high, n, versus_rest`` and the further columns of
        :func:`csanalysis.estimators.rank_units`; empty when not computed.
        """
        from .estimators.rankings import RANKING_COLUMNS

        return self._later("rankings", RANKING_COLUMNS)

    @property
    def nonresponse(self) -> pd.DataFrame:
        """Raw and response-weighted ticket ratings: one row per measure (empty when not computed).

        Columns ``measure, raw, raw_ci_low, raw_ci_high, weighted, weighted_ci_low, weighted_ci_high, n,
        effective_n`` (:func:`csanalysis.estimators.nonresponse_weighted`).
        """
        from .estimators.nonresponse import NONRESPONSE_COLUMNS

        return self._later("nonresponse", NONRESPONSE_COLUMNS)

    @property
    def power(self) -> pd.DataFrame:
        """The scorecard's minimum detectable changes: one row per measure (empty when not computed).

        Columns ``measure, n, mde, observed_change, significant, within_noise``
        (:mod:`csanalysis.estimators.power`).
        """
        from .estimators.power import POWER_COLUMNS

        return self._later("power", POWER_COLUMNS)

    def _later(self, key: str, columns: tuple[str, ...]) -> pd.DataFrame:
        res = self.results.get(key)
        return pd.DataFrame(columns=list(columns)) if res is None else res.summary()

    def figure(self, id: str, group: str = "all") -> dict[str, Any]:
        """One row of :attr:`figures` as a dict.

        Raises
        ------
        KeyError
            When the analysis has no such figure (the message lists the slices it has).

        Examples
        --------
        >>> import csanalysis as cs
        >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=50)
        >>> a.figure("csat_mean")["unit"]
        'score_1_5'
        """
        hit = self.figures[(self.figures["id"] == id) & (self.figures["group"] == group)]
        if hit.empty:
            groups = self.figures.loc[self.figures["id"] == id, "group"].head(8).tolist()
            hint = f"; it has the groups {groups}" if groups else "; the data did not support it"
            raise KeyError(f"no figure {id!r} in group {group!r}{hint}")
        return hit.iloc[0].to_dict()

    def has(self, id: str, group: str = "all") -> bool:
        """Whether the analysis has figure ``id`` for ``group`` with a value (what a notebook section checks).

        Examples
        --------
        >>> import csanalysis as cs
        >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
        >>> a.has("csat_mean"), a.has("csat_mean", "no such group"), a.has("no_such_figure")
        (True, False, False)
        """
        f = self.figures
        return bool(f.loc[(f["id"] == id) & (f["group"] == group), "estimate"].notna().any())

    def text(self, id: str, group: str = "all", field: str = "estimate") -> str:
        """One field of a figure as text at its unit's display precision (``"–"`` when the data lacks it).

        The way notebooks and scripts put a figure into words: the same formatter as the page.

        Examples
        --------
        >>> import csanalysis as cs
        >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=50)
        >>> a.text("csat_mean", field="n"), a.text("no_such_figure")
        ('858', '–')
        """
        try:
            row = self.figure(id, group)
        except KeyError:
            return MISSING
        return format_value(row[field], row["unit"], field=field)

    def interval_text(self, id: str, group: str = "all") -> str:
        """A figure's confidence interval as text, e.g. ``"95% CI 3.78 to 3.93"``."""
        return (f"{self.options.get('confidence', 0.95):.0%} CI {self.text(id, group, 'ci_low')} to "
                f"{self.text(id, group, 'ci_high')}")

    def points_text(self, id: str, group: str = "all") -> str:
        """A difference of two shares with its interval, in percentage points, e.g. ``"26.3 percentage points
        (95% CI 19.2 to 33.1)"``: the figure as the page formats it, without the per-cent signs."""
        est, low, high = (self.text(id, group, c).replace("%", "") for c in ("estimate", "ci_low", "ci_high"))
        return f"{est} percentage points ({self.options.get('confidence', 0.95):.0%} CI {low} to {high})"

    def cited_text(self, id: str) -> str:
        """The cited value of registry figure ``id`` as text (a range where it is cited as one)."""
        row = self.comparisons.set_index("id").loc[id]
        low, high = (format_value(row[c], row["unit"]) for c in ("cited_low", "cited_high"))
        return f"{low} to {high}" if MISSING not in (low, high) else format_value(row["cited"], row["unit"])

    def to_excel(self, path: str | PathLike) -> Path:
        """Write the Excel workbook: summary, figures, comparisons, segments, scorecard, load report and notes.

        Time stamps are in the analysis time zone without a zone suffix; flags carry their reasons. See
        :func:`csanalysis.report.workbook.write_workbook`.

        Examples
        --------
        >>> import csanalysis as cs, tempfile, os, openpyxl
        >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
        >>> with tempfile.TemporaryDirectory() as d:
        ...     sheets = openpyxl.load_workbook(a.to_excel(os.path.join(d, "report.xlsx"))).sheetnames
        >>> sheets[:3]
        ['summary', 'figures', 'comparisons']
        """
        from .report.workbook import write_workbook

        return write_workbook(self, path)

    def summary(self) -> pd.DataFrame:
        """The comparisons with the columns a reader needs first."""
        return self.comparisons[["id", "label", "cited", "observed", "ci_low", "ci_high", "n", "verdict",
                                 "direction", "provenance"]].copy()

    def _repr_html_(self) -> str:
        rows = self.comparisons[~self.comparisons["verdict"].isin(["not supported"])]
        return show(rows, self.title, label_columns=("label",),
                    fields=("cited", "observed", "ci_low", "ci_high", "n"),
                    extra_columns=("verdict", "direction", "provenance"))._repr_html_()

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` contract (``schema_version`` 2), JSON-ready (NaN -> null)."""
        return results_dict(self)

    def to_json(self, path: str | PathLike | None = None) -> str:
        """``results.json`` as text; written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


def _input_records(a: Analysis) -> dict[str, list[dict]]:
    out = {}
    for role, reps in a.load_reports.items():
        out[role] = [{"path": (f"sample/{r.name}" if a.sample else r.name),
                      "format": r.source_format, "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                      "rows_rejected": r.rows_rejected, "rows_merged": r.rows_merged,
                      "rows_excluded": r.rows_excluded, "excluded": dict(r.excluded), "encoding": r.encoding,
                      "delimiter": r.delimiter, "date_order": r.date_order, "timezone": r.timezone,
                      "notes": list(r.notes)} for r in reps]
    return out


def _records(res: Any) -> list[dict]:
    return [] if res is None else frame_records(res.summary())


def results_dict(a: Analysis) -> dict[str, Any]:
    """The ``results.json`` contract of an analysis (schema version 2).

    Top-level ``figures`` and ``comparisons`` arrays (one object per row of
    :attr:`Analysis.figures` / :attr:`Analysis.comparisons`, NaN as null),
    the keys of schema 1 (``benchmarks``, ``metrics``, ``segments``,
    ``scorecard``, ``details``, ``inputs``, ``linking``, ...) read from the
    same rows and results, and the keys later analyses fill
    (:data:`LATER_KEYS`, empty lists until computed).
    """
    r = a.results
    f = a.figures
    overall = f[(f["source"] == "service_metrics") & (f["group"] == "all")]
    metrics = {row["id"]: {"value": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                           "n": row["n"], "method": row["method"]} for row in overall.to_dict("records")}
    metrics.pop("tickets", None)
    metrics = {("csat" if k == "csat_mean" else "ces" if k == "ces_mean" else k): v for k, v in metrics.items()}
    cc = f[f["id"] == "channel_consistency"]
    if len(cc):
        row = cc.iloc[0]
        metrics["channel_consistency"] = {"value": row["estimate"], "ci_low": row["ci_low"],
                                          "ci_high": row["ci_high"], "n": row["n"], "method": row["method"]}
    out = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"csanalysis {__version__}",
        "registry_version": registry_version(),
        "as_of": None if a.as_of is None else a.as_of.date().isoformat(),
        "options": {k: v for k, v in a.options.items() if k != "secret"},
        "figures": frame_records(a.figures),
        "comparisons": frame_records(a.comparisons),
        "inputs": _input_records(a),
        "linking": a.linked.to_dict() if a.linked is not None else None,
        "bad_experience_rule": a.rule.describe(),
        "benchmarks": frame_records(a.comparisons[["id", "cited", "cited_low", "cited_high", "observed", "ci_low",
                                                   "ci_high", "n", "p_value", "verdict", "provenance",
                                                   "definition"]]),
        "metrics": metrics,
        "segments": {"rfm": _records(r.get("rfm")), "journeys": _records(r.get("journeys")),
                     "service_levels": _records(r.get("service_levels")), "clusters": _records(r.get("clusters"))},
        "scorecard": [] if r.get("scorecard") is None else r["scorecard"].to_dict()["scorecard"],
        "details": {
            "avoidance": None if r.get("avoidance") is None else r["avoidance"].to_dict(),
            "word_of_mouth": _records(r.get("word_of_mouth")) or None,
            "attributable_churn": _records(r.get("attributable_churn")) or None,
            "snapshot_churn": _records(r.get("snapshot_churn")) or None,
            "service_recovery": (None if r.get("recovery") is None else frame_records(r["recovery"].comparisons)),
            "metrics_by_channel": _records(r.get("metrics_by_channel")) or None,
        },
        "guards": None if r.get("guards") is None else r["guards"].to_dict(),
        "notes": list(a.notes),
    }
    for k in LATER_KEYS:
        out[k] = []
    for k in ("rankings", "power", "drivers", "nonresponse", "verbatims"):
        if r.get(k) is not None:
            out[k] = r[k].to_dict()[k]
    return jsonable(out)


#: The ticket measures :func:`_drivers` uses as drivers (log-scaled durations), and the rule fields that use them.
DRIVERS: dict[str, str] = {"first_reply_minutes": "log1p", "resolution_minutes": "log1p", "reopens": "count",
                           "repeat_contact_7d": "0/1", "channel_switch_7d": "0/1", "sla_breached": "0/1",
                           "assignee_changes": "count", "group_changes": "count"}
_RULE_USES = {"reopens": "reopens_at_least", "first_reply_minutes": "first_reply_sla_minutes"}
#: The criterion of :meth:`BadExperienceRule.criteria` each of those drivers feeds.
_RULE_CRITERION = {"reopens": "reopens", "first_reply_minutes": "first_reply"}
#: Fewest rated tickets on each side of a yes/no driver (a repeat contact) for it to be used.
MIN_BINARY_DRIVER = 20


#: Canonical scales of the survey answers used as driver outcomes (rescaled to 0-1, so that penalty and reward
#: read as a share of the scale, as for the rating score).
_ANSWER_SCALES = {"csat": (1.0, 5.0), "nps": (0.0, 10.0)}
_UNIT_COLUMN = "\x00unit"  # a stage's own column of sampling units (never a canonical column's name)
#: Name of the driver outcome "no purchase within the window after a ticket" (two years, the default window;
#: ``no_purchase_<days>d`` for another window).
NO_PURCHASE = "no_purchase_2y"


def _no_purchase_name(window: float) -> str:
    return NO_PURCHASE if float(window) == 730 else f"no_purchase_{float(window):g}d"


def no_purchase_after(experiences: pd.DataFrame, activity: pd.DataFrame, *, as_of: Any,
                      window: float = 730) -> pd.Series:
    """Per ticket: whether the customer bought nothing within ``window`` days after the ticket became known.

    The ticket's index time is its ``known_at`` (when its outcome was known: solved, or the survey answer;
    issue 10's index time, as in the avoidance figures). Only tickets followed for the whole window
    (``as_of - known_at >= window``) get a value (1.0 no purchase, 0.0 a purchase); later ones are left
    out rather than counted as not buying. Purchases placed while one of the customer's tickets was open are
    replacement orders, not purchases (:func:`csanalysis.experiences.purchases_while_open`, as in the
    avoidance figures). The end of the data is the only censoring here and it does not
    depend on the customer, so restricting to the fully followed tickets needs no censoring weights;
    it does restrict the outcome to earlier tickets (say so when the mix of tickets changed over time).

    Returns
    -------
    Series
        Index ``ticket_id`` (str), values 0.0 / 1.0, fully followed ticket experiences only.

    Examples
    --------
    >>> exp = pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer": ["a", "b", "a"], "source": "ticket",
    ...     "known_at": pd.to_datetime(["2020-01-01", "2020-02-01", "2025-06-01"], utc=True)})
    >>> act = pd.DataFrame({"customer": ["a"], "at": pd.to_datetime(["2021-01-01"], utc=True)})
    >>> no_purchase_after(exp, act, as_of=pd.Timestamp("2025-12-31", tz="UTC")).to_dict()
    {'1': 0.0, '2': 1.0}
    """
    e = experiences
    if "source" in e.columns:
        e = e.loc[e["source"].astype("object").eq("ticket")]
    known = e["known_at"] if "known_at" in e.columns else e["at"]
    # ids stay Arrow text (no Python string per row)
    e = pd.DataFrame({"ticket_id": e["ticket_id"].astype("str").reset_index(drop=True),
                      "customer": e["customer"].astype("str").reset_index(drop=True),
                      "t": pd.to_datetime(known, utc=True).astype("datetime64[ns, UTC]").to_numpy()})
    e["t"] = e["t"].dt.tz_localize("UTC") if e["t"].dt.tz is None else e["t"]
    as_of = pd.Timestamp(as_of)
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
    w = pd.Timedelta(days=float(window))
    e = e.loc[e["t"].notna() & e["customer"].notna() & (e["t"] + w <= as_of)]
    if e.empty:
        return pd.Series([], dtype="float64", index=pd.Index([], dtype="str", name="ticket_id"))
    activity = activity[["customer", "at"]].loc[~purchases_while_open(experiences, activity)]
    buys = pd.DataFrame({"customer": activity["customer"].astype("str").reset_index(drop=True),
                         "next": pd.to_datetime(activity["at"], utc=True).astype("datetime64[ns, UTC]").to_numpy()})
    buys["next"] = buys["next"].dt.tz_localize("UTC") if buys["next"].dt.tz is None else buys["next"]
    buys = buys.loc[buys["next"].notna() & buys["customer"].notna()].sort_values("next", kind="stable")
    left = e.sort_values("t", kind="stable")
    m = pd.merge_asof(left, buys.assign(t=buys["next"]), on="t", by="customer", direction="forward",
                      allow_exact_matches=False)
    lost = (m["next"].isna() | (m["next"] - m["t"] > w)).astype("float64")
    out = pd.Series(lost.to_numpy(), index=pd.Index(m["ticket_id"], name="ticket_id"))
    return out[~out.index.duplicated()]


def repeat_contacts(tickets: pd.DataFrame, person: str, days: float = 7) -> pd.DataFrame:
    """Whether the same customer's previous ticket came at most ``days`` before each ticket (a repeat contact), and
    whether it came through another channel (a channel switch; both channels known), as 0/1 floats.

    Examples
    --------
    >>> t = pd.DataFrame({"customer": ["a", "a", "a", "b"], "channel": ["email", "chat", "chat", "chat"],
    ...                   "created_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-02"])})
    >>> repeat_contacts(t, "customer").astype(int).to_numpy().tolist()
    [[0, 0], [1, 1], [1, 0], [0, 0]]
    """
    cols = [person, "created_at", *(["channel"] if "channel" in tickets.columns else [])]
    s = tickets[cols].sort_values([person, "created_at"], kind="stable")
    same = s[person].eq(s[person].shift()) & s[person].notna()
    repeat = same & (s["created_at"] - s["created_at"].shift() <= pd.Timedelta(days=days))
    out = pd.DataFrame({"repeat_contact_7d": repeat.astype("float64")}, index=s.index)
    if "channel" in s.columns:
        ch = s["channel"]  # compared in its own dtype (missing on either side: no switch)
        out["channel_switch_7d"] = (repeat & ch.notna() & ch.shift().notna() & ch.ne(ch.shift())).astype("float64")
    return out.reindex(tickets.index)


def _drivers(tickets: pd.DataFrame, rule: BadExperienceRule, unit: str | None, *, n_resamples: int, seed: int,
             confidence: float, responses: pd.DataFrame | None = None, experiences: pd.DataFrame | None = None,
             activity: pd.DataFrame | None = None, as_of: pd.Timestamp | None = None, window: float = 730,
             lost_parts: list[tuple] | None = None) -> Any:
    """Key drivers of a bad rating, the rating score and the survey's CSAT and NPS about customer-initiated tickets.

    Outcomes: a bad experience of a rated ticket (a bad helpdesk rating, or a ticket criterion the rule adds:
    reopens, a late first reply) and the rating score (rated tickets), and the CSAT and NPS answers of
    the survey response about the ticket (the first one, as the experiences link them; as a share of their
    scale, CSAT (x - 1) / 4 and NPS x / 10, so penalty and reward read like the rating score's), each where at
    least :data:`~csanalysis.estimators.drivers.MIN_ROWS` tickets have it; every outcome is fitted on the
    tickets that have it. With purchase activity, a fourth outcome is no purchase within ``window`` days
    after the ticket became known (:func:`no_purchase_after`), among the tickets followed for the whole
    window. Drivers are the ticket's operational measures (:data:`DRIVERS`): first-reply and
    resolution time (log(1 + minutes)), reopens, whether the same customer opened another ticket in the 7
    days before this one (a repeat contact) and whether that previous ticket came through another channel
    (a channel switch), and where the export has them an SLA breach and the number of
    assignee and group changes (hand-offs). A measure known for fewer than half the tickets, or a yes/no
    measure with fewer than :data:`MIN_BINARY_DRIVER` tickets on a side, is left out. A driver the
    bad-experience rule itself uses is left out for the bad outcome (the outcome is partly that driver by
    definition), and only for it. The sampling unit is the analysis's
    (customer or account), as the service metrics have it (:func:`~csanalysis.estimators.metrics.sampling_units`):
    a ticket without an account belongs to the account its customer's tickets have most often, else to its
    customer, so one customer's tickets are never counted as independent. The reasons survey comments give are
    drivers too, of the score of their own answer (outcomes :data:`REASON_OUTCOMES`, among the answers with a
    comment): :func:`_reason_drivers`, whose rows :func:`analyse` appends to this result. The same rounds as
    per partition on the Dask engine (:class:`_DriverRows`, :func:`_drivers_from_parts`), the whole tables
    the one part. ``lost_parts``: the no-purchase outcome computed per partition of customers
    (:func:`_lost_part` of each, as ``(value, note, seconds)``; the Dask engine, when a partition's note sends
    the stage to the whole tables), read in place of ``experiences`` and ``activity``.
    """
    if lost_parts is not None:  # per partition of customers: each ticket's value is its customer's partition's
        got = [v for v in _part_values(lost_parts) if v is not None and len(v)]
        lost = pd.concat(got) if got else None
    elif experiences is not None and activity is not None and as_of is not None:
        lost = no_purchase_after(experiences, activity, as_of=as_of, window=window)
    else:
        lost = None
    part = _DriverRows(tickets, responses, lost, rule=rule, unit=unit, window=window)
    return _drivers_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], rule, n_resamples=n_resamples,
                               seed=seed, confidence=confidence, window=window)


#: The columns of the tickets :func:`driver_rows` reads (besides the sampling unit's column).
DRIVER_TICKET_COLUMNS: tuple[str, ...] = ("direction", "ticket_id", "created_at", "channel", "rating", "rating_score",
                                          "csat", "ces", "nps", "reopens", "first_reply_minutes", *CUSTOMER_COLUMNS,
                                          *DRIVERS)
#: The columns of the survey responses :func:`driver_rows` reads.
DRIVER_RESPONSE_COLUMNS: tuple[str, ...] = ("ticket_id", "responded_at", "customer", "response_id", "csat", "nps")


def driver_rows(tickets: pd.DataFrame, rule: BadExperienceRule, unit: str | None, *,
                responses: pd.DataFrame | None = None, lost: pd.Series | None = None,
                customer: str | None = None) -> pd.DataFrame:
    """The key drivers' rows of customer-initiated tickets: what each ticket brings to :func:`_drivers`, numbers
    and its sampling unit only (the per-ticket phase, run per partition of customers on the Dask engine).

    One row per customer-initiated ticket that is rated or has a survey answer or a no-purchase value, indexed
    as the tickets (the index orders the rows of several partitions as in the whole table): ``rated``,
    ``bad`` (the rule's bad experience: a bad rating or a ticket criterion it adds), ``rating_score``, the
    first answer's ``csat`` and ``nps`` about the ticket (raw), ``lost`` (no purchase after it, ``lost``:
    values by ticket id), every :data:`DRIVERS` column the tickets have (raw numbers; the repeat contacts
    from the customer's tickets) and ``unit`` (the sampling unit, a categorical; ``customer``: the customer
    column the whole table fills, for a partition). Each value depends on the ticket's own rows, its
    customer's tickets and the answers about it, so a partition of customers (whose sampling units and
    answers are all in it) gives the whole table's rows.
    """
    from .estimators.metrics import sampling_units
    from .experiences import first_responses
    from .lookup import lookup_values

    # only the columns read below (the rule's criteria, the drivers, the ids) are copied with the rows
    wanted = {*DRIVER_TICKET_COLUMNS, *([unit] if unit else [])}
    tickets = tickets[[c for c in tickets.columns if c in wanted]]
    t = tickets.loc[~agent_initiated(tickets)]
    person = next((c for c in CUSTOMER_COLUMNS if c in t.columns), None)
    # the sampling unit as every other ticket stage has it (service metrics): the account, else the account the
    # customer's tickets have most often, else the customer, else the ticket itself
    units = (sampling_units(t, unit, row_id="ticket_id", via=responses, customer=customer)[0]
             if unit is not None else None)
    if person is not None:  # repeat contacts of the same customer (never the account)
        t = t.assign(**repeat_contacts(t, person))
    rated = (t["rating_score"].notna() if "rating_score" in t.columns
             else pd.Series(False, index=t.index)).to_numpy(dtype=bool)
    out = pd.DataFrame({"rated": rated}, index=t.index)
    keep = rated.copy()
    if (responses is not None and len(responses) and "ticket_id" in t.columns
            and {"ticket_id", "responded_at"} <= set(responses.columns)):
        r = responses[[c for c in DRIVER_RESPONSE_COLUMNS if c in responses.columns]]
        first, _ = first_responses(t[["ticket_id"]], r)  # the answer the experiences attach to each ticket
        first = first.drop_duplicates("ticket_id")
        for item in ("csat", "nps"):
            if item in first.columns:
                v = lookup_values(t["ticket_id"], first["ticket_id"],
                                  pd.to_numeric(first[item], errors="coerce").to_numpy(dtype="float64"))
                out[item] = v
                keep |= np.isfinite(v)
    if lost is not None and "ticket_id" in t.columns:
        v = lookup_values(t["ticket_id"], lost.index.to_series(), lost.to_numpy())
        out["lost"] = v
        keep |= np.isfinite(v)
    bad = t["rating"].astype("object").eq("bad") if "rating" in t.columns else pd.Series(False, index=t.index)
    # the bad outcome is the rule's bad experience on the rated tickets: a bad rating, or a ticket criterion the
    # rule adds (reopens, a late first reply); those criteria's drivers are left out for it
    # (a criterion the rule switches off is all False)
    out["bad"] = (bad | rule.criteria(t)[list(_RULE_CRITERION.values())].any(axis=1)).astype("float64")
    out["rating_score"] = (pd.to_numeric(t["rating_score"], errors="coerce").to_numpy(dtype="float64",
                                                                                     na_value=np.nan)
                           if "rating_score" in t.columns else np.nan)
    for col in DRIVERS:
        if col in t.columns:
            out[col] = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if units is not None:
        out["unit"] = units  # categorical (no Python string per row)
    return out.loc[keep]


class _DriverRows(HoldsArrays):
    """One partition's key-driver rows (:func:`driver_rows` of its tickets and the answers placed with them, beside
    its no-purchase values ``lost``; the whole tables' on the pandas engine), answering :func:`_drivers_from_parts`'
    rounds: the counts every partition must agree on (:meth:`answers`, :meth:`facts`), then the fit's frame
    (:meth:`frame`), a :class:`~csanalysis.estimators.drivers.DriversPart` answering the key drivers' rounds
    (:meth:`fit`). ``numbered``: the rows' index holds their positions in the whole tickets table (a partition's),
    which order the rows of every partition as the whole table's; else the rows are the whole data, in order."""

    def __init__(self, tickets: pd.DataFrame, responses: pd.DataFrame | None = None, lost: pd.Series | None = None,
                 *, rule: BadExperienceRule, unit: str | None, customer: str | None = None, window: float = 730,
                 numbered: bool = False) -> None:
        self.rows: pd.DataFrame | None = driver_rows(tickets, rule, unit, responses=responses, lost=lost,
                                                     customer=customer)
        self.window, self.numbered = window, numbered
        self.part: Any = None

    def answers(self) -> dict[str, int]:
        """The survey answers' and no-purchase values' counts (each an outcome when there are enough)."""
        return {col: int(np.isfinite(self.rows[col].to_numpy(dtype="float64")).sum())
                for col in ("csat", "nps", "lost") if col in self.rows.columns}

    def _kept(self, answers: list[str]) -> np.ndarray:
        rated = self.rows["rated"].to_numpy(dtype=bool)
        keep = rated.copy()
        for col in answers:
            if col in self.rows.columns:
                keep |= np.isfinite(self.rows[col].to_numpy(dtype="float64"))
        return keep

    def facts(self, answers: list[str]) -> dict[str, Any]:
        """Among the rows kept (rated, or with one of the ``answers`` columns): their count, each outcome's values,
        and each driver's values, range and 0/1 counts (which decide the outcomes and drivers for all parts)."""
        keep = self._kept(answers)
        rated = self.rows["rated"].to_numpy(dtype=bool)[keep]
        known = {"bad": int(rated.sum()),
                 "rating_score": int(np.isfinite(self.rows["rating_score"].to_numpy(dtype="float64")[keep]).sum())}
        for col in answers:
            if col in self.rows.columns:
                known[col] = int(np.isfinite(self.rows[col].to_numpy(dtype="float64")[keep]).sum())
        drivers = {}
        for col in DRIVERS:
            if col in self.rows.columns:
                x = self.rows[col].to_numpy(dtype="float64")[keep]
                x = x[~np.isnan(x)]
                drivers[col] = {"known": len(x), "min": float(x.min()) if len(x) else np.inf,
                                "max": float(x.max()) if len(x) else -np.inf,
                                "ones": int((x == 1).sum()), "zeros": int((x == 0).sum())}
        return {"kept": int(keep.sum()), "known": known, "drivers": drivers, "unit": "unit" in self.rows.columns}

    def frame(self, answers: list[str], drivers: list[str]) -> None:
        """The fit's frame of the kept rows (the survey answers as a share of their scale, the drivers on theirs)
        as the key drivers' part; the rows go."""
        rows, keep = self.rows, self._kept(answers)
        kept = np.flatnonzero(keep)

        def t(col: str) -> pd.Series:  # a column's kept rows (one column copied at a time, not every kept row's)
            return rows[col].take(kept)

        rated = rows["rated"].to_numpy(dtype=bool)[keep]
        data = pd.DataFrame({"bad": np.where(rated, t("bad").to_numpy(), np.nan),
                             "rating_score": t("rating_score").to_numpy()})
        for col in answers:  # survey answers as a share of their scale, like the rating score (0-1)
            item = _no_purchase_name(self.window) if col == "lost" else col
            lo, hi = _ANSWER_SCALES.get(item, (0.0, 1.0))
            data[item] = ((t(col).to_numpy(dtype="float64") - lo) / (hi - lo) if col in rows.columns
                          else np.full(len(kept), np.nan))
        for col in drivers:
            scale = DRIVERS[col]
            x = t(col) if col in rows.columns else pd.Series(np.nan, index=rows.index[kept])
            data[col] = (np.log1p(x.clip(lower=0)) if scale == "log1p" else x).to_numpy(dtype="float64")
        customer = None
        if "unit" in rows.columns:
            data["unit"] = t("unit").array  # categorical (no Python string per row)
            customer = "unit"
        positions = rows.index.to_numpy(dtype=np.int64)[kept] if self.numbered else None
        outcomes = [c for c in data.columns if c not in (*drivers, "unit")]
        self.rows = None
        from .estimators.drivers import DriversPart

        self.part = DriversPart(data, outcomes, drivers, customer, rows=positions)

    def fit(self, step: str, **kw: Any) -> Any:
        """The key drivers' round ``step`` (:class:`~csanalysis.estimators.drivers.DriversPart`)."""
        return getattr(self.part, step)(**kw)


def _driver_rows_part(tickets: pd.DataFrame, responses: pd.DataFrame | None, lost: Any, *, rule: BadExperienceRule,
                      unit: str | None, customer: str | None, window: float = 730) -> _DriverRows:
    """:class:`_DriverRows` of one partition of tickets and the answers placed with them, beside its
    customers' no-purchase values (``lost``: that partition's :func:`_lost_part` as ``(value, note, seconds)``,
    or None; its note stops the stage)."""
    if lost is not None and lost[1] is not None:
        raise ValueError(lost[1])
    return _DriverRows(tickets, responses, None if lost is None else lost[0], rule=rule, unit=unit, customer=customer,
                       window=window, numbered=True)


def _drivers_from_parts(each: Callable[..., list[Any]], rule: BadExperienceRule, *, n_resamples: int, seed: int,
                        confidence: float, window: float = 730) -> Any:
    """:func:`_drivers` from partitions of the key drivers' rows (:class:`_DriverRows` each, asked by ``each``; the
    whole tables the one part on the pandas engine): the outcomes and drivers known for enough tickets, decided
    from every partition's counts, then :func:`~csanalysis.estimators.drivers.key_drivers_from_parts` where
    the rows are."""
    from .estimators.drivers import MIN_ROWS, key_drivers_from_parts

    counts = each("answers")
    answers = [col for col in ("csat", "nps", "lost") if sum(c.get(col, 0) for c in counts) >= MIN_ROWS]
    facts = each("facts", answers=answers)
    kept = sum(f["kept"] for f in facts)
    if not kept:
        raise ValueError("no rated customer-initiated tickets (nor survey answers about tickets) to find the "
                         "drivers of a bad rating in")
    items = {"bad": "bad", "rating_score": "rating_score",
             **{col: _no_purchase_name(window) if col == "lost" else col for col in answers}}
    outcomes = [item for col, item in items.items() if sum(f["known"].get(col, 0) for f in facts)]
    used = []
    for col, scale in DRIVERS.items():
        seen = [f["drivers"][col] for f in facts if col in f["drivers"]]
        if not seen:
            continue
        known = sum(d["known"] for d in seen)
        lo, hi = min(d["min"] for d in seen), max(d["max"] for d in seen)
        if known / kept < 0.5 or not hi > lo:
            continue
        if scale == "0/1" and min(sum(d["ones"] for d in seen), sum(d["zeros"] for d in seen)) < MIN_BINARY_DRIVER:
            continue  # a yes/no fact seen on a handful of tickets: its weight would be noise
        used.append(col)
    if len(used) < 2:
        raise ValueError("fewer than two operational measures (first reply, resolution time, reopens, repeat "
                         "contacts, SLA breaches, hand-offs) are known for the rated tickets; key drivers need at "
                         "least two")
    exclude = {"bad": [c for c in used if getattr(rule, _RULE_USES.get(c, ""), None) is not None]}
    kinds = {"bad": "binary", "rating_score": "continuous", "csat": "continuous", "nps": "continuous",
             _no_purchase_name(window): "binary"}
    each("frame", answers=answers, drivers=used)
    return key_drivers_from_parts(lambda method, **kw: each("fit", step=method, **kw), outcomes, used,
                                  kind={o: kinds[o] for o in outcomes},
                                  customer="unit" if any(f["unit"] for f in facts) else None,
                                  exclude={k: v for k, v in exclude.items() if k in outcomes},
                                  higher_is_better={o: o not in ("bad", _no_purchase_name(window)) for o in outcomes},
                                  higher_is_worse={c: True for c in used}, n_resamples=n_resamples, seed=seed,
                                  confidence=confidence)


def _filled_customer_columns(tickets: pd.DataFrame) -> tuple[str, ...]:
    """The customer columns a partition's customer-initiated tickets fill (:func:`driver_rows`' units)."""
    from .estimators.metrics import filled_customer_columns

    return filled_customer_columns(tickets.loc[~agent_initiated(tickets)])


#: The survey columns the service levels read (and the expectation question's, found per analysis).
_LEVEL_COLUMNS = ("customer", "response_id", "responded_at", "csat", "nps", "ces")


def _levels_by_parts(runner: Any, responses: Any, activity: Any, as_of: pd.Timestamp | None) -> tuple:
    """The service levels per partition of customers (the Dask engine): the expectation question and its
    scale decided from the whole table's metadata and every part's labels, then one part per partition;
    ``(futures, combine, keywords)`` for ``DaskRunner.combine_parts``."""
    from .segments.common import utc_as_of
    from .segments.service_levels import (
        expectation_column,
        expectation_scale,
        service_levels_combine,
        service_levels_part,
    )

    col = runner.call(expectation_column, responses)
    notes = [] if col is None else [f"expectation question detected in column {col!r}"]
    columns = _LEVEL_COLUMNS + (() if col is None else (col,))
    mapping = None
    if col is not None and not runner.call(_numeric_column, responses, col):  # labels: one scale for all parts
        seen = [v for v, _, _ in runner.client.gather(runner.map_parts(_first_labels, responses, columns,
                                                                       column=col))]
        labels = (pd.concat(seen).groupby(level=0, sort=False).min().sort_values(kind="stable") if seen
                  else pd.Series([], dtype=object))
        mapping, more = expectation_scale(pd.Series(labels.index, dtype=object))
        notes += more
    end = None if activity is None else utc_as_of(as_of, None)
    parts = runner.map_parts(service_levels_part, responses, columns,
                             beside=None if activity is None else (activity, _ORDER_COLUMNS), end=end,
                             expectation=col, expectation_map=mapping)
    return parts, service_levels_combine, {"expectation_column": col, "end": end,
                                           "with_activity": activity is not None, "notes": notes}


def _metrics_by_parts(parts: list[tuple[Any, Any]], tickets: Any, responses: Any, unit: str | None, by: str | None,
                      confidence: float) -> tuple:
    """The service metrics per partition of customers (the Dask engine): each partition's tickets and the
    answers placed with them (``parts``, :func:`_ticket_part_columns`) build a
    :class:`~csanalysis.estimators.metrics.MetricsPart` where they are; ``(build, parts, build keywords, driver,
    keywords)`` for ``DaskRunner.part_states`` and ``drive_parts``."""
    from .estimators.metrics import MetricsPart, metrics_from_parts

    parts = [(t if tickets is not None else None, r if responses is not None else None) for t, r in parts]
    return MetricsPart, parts, {"by": by, "cluster": unit}, metrics_from_parts, {"by": by, "confidence": confidence,
                                                                              "cluster": unit}


def _channel_use_by_parts(parts: list[tuple[Any, Any]], unit: str | None, n_resamples: int, seed: Any,
                          confidence: float) -> tuple:
    """Channel use per partition of customers (the Dask engine), from the shared split of the tickets
    (:func:`_ticket_part_columns`); ``(build, parts, build keywords, driver, keywords)`` for ``DaskRunner.part_states``
    and ``drive_parts``."""
    from .estimators.channel_use import ChannelUsePart, channel_use_from_parts

    return (ChannelUsePart, [(t,) for t, _ in parts], {"cluster": unit}, channel_use_from_parts,
            {"cluster": unit, "n_resamples": n_resamples, "seed": seed, "confidence": confidence})


def _channels_by_parts(parts: list[tuple[Any, Any]], responses: Any, unit: str | None, boot: dict) -> tuple:
    """Channel consistency per partition of tickets and the answers about them (the Dask engine), from the shared
    split (:func:`_ticket_part_columns`); ``(build, parts, build keywords, driver, keywords)`` for
    ``DaskRunner.part_states`` and ``drive_parts``."""
    from .segments.channels import ChannelsPart, channels_from_parts

    return (ChannelsPart, [(t, r if responses is not None else None) for t, r in parts], {"cluster": unit},
            channels_from_parts, {"csat_from": "survey", "cluster": unit, **boot})


def _scorecard_by_parts(runner: Any, parts: list[tuple[Any, Any]], responses: Any, activity: Any,
                        customers: Any, unit: str | None, kw: dict) -> tuple:
    """The scorecard per partition of customers (the Dask engine): each partition's tickets and the answers
    placed with them (:func:`_ticket_part_columns`) beside its customers' orders; the customers snapshot's referrals
    counted where it is. ``(build, parts, build keywords, driver, keywords)`` for ``DaskRunner.part_states`` and
    ``drive_parts``."""
    from .segments.scorecard import ScorecardPart, customer_referrals, scorecard_from_parts

    orders = ([None] * len(parts) if activity is None
              else [p for p, _ in runner.customer_parts(activity, _ORDER_COLUMNS)])
    referrals = None if customers is None else runner.call(customer_referrals, customers)
    return (ScorecardPart, [(t, r if responses is not None else None, o) for (t, r), o in zip(parts, orders)],
            {"cluster": unit}, scorecard_from_parts, {**kw, "referrals": referrals})


def _ticket_part_columns(runner: Any, tickets: Any, unit: str | None) -> dict[str, tuple[str, ...]]:
    """The columns of the tickets and of the answers in the one split of them that every stage run per partition
    of tickets reads (:meth:`~csanalysis.distributed.DaskRunner.ticket_parts`): the service metrics' (and their
    ``by="channel"``), channel use's, the rankings', the scorecard's, survey non-response's, the key drivers'
    rows' (:func:`driver_rows`) and the sampling unit's."""
    from .estimators.channel_use import COLUMNS_READ as CHANNEL_USE_COLUMNS
    from .estimators.metrics import COLUMNS_READ as METRICS_COLUMNS
    from .estimators.nonresponse import COLUMNS_READ as NONRESPONSE_COLUMNS
    from .segments.scorecard import RESPONSE_COLUMNS_READ, ticket_columns_read

    more = tuple(c for c in ("channel", unit) if c is not None)
    scorecard = () if tickets is None else runner.call(ticket_columns_read, tickets,
                                                       over_pieces=(ticket_columns_read, _first))
    columns = {"tickets": tuple(dict.fromkeys((*METRICS_COLUMNS["tickets"], *CHANNEL_USE_COLUMNS, *RANKED_UNITS,
                                               *scorecard, *NONRESPONSE_COLUMNS, *DRIVER_TICKET_COLUMNS,
                                               *more))),
               "responses": tuple(dict.fromkeys((*METRICS_COLUMNS["responses"], *RESPONSE_COLUMNS_READ,
                                                 *DRIVER_RESPONSE_COLUMNS, *more)))}
    return columns


def _numeric_column(df: pd.DataFrame, column: str) -> bool:
    return bool(pd.api.types.is_numeric_dtype(df[column].dtype) and not pd.api.types.is_bool_dtype(df[column].dtype))


def _first_labels(responses: pd.DataFrame, *, column: str, positions: np.ndarray) -> pd.Series:
    """Each distinct answer of ``column`` in one part, with the position of its first row in the whole table."""
    v = responses[column]
    v = v.astype(object) if isinstance(v.dtype, pd.CategoricalDtype) else v
    ok = v.notna().to_numpy()
    first = pd.Series(np.asarray(positions)[ok], index=pd.Index(v[ok].astype(object).to_numpy(), dtype=object))
    return first.groupby(level=0, sort=False).min()


def _clusters_by_parts(runner: Any, activity: Any, has_exp: bool, *, currency: str | None, seed: int) -> tuple:
    """The customer clusters with each partition's customer features computed where it is (the Dask engine):
    pass 1 the latest time of each part (the features' default as_of), pass 2 the features; ``(futures,
    combine, keywords)`` for ``DaskRunner.combine_parts`` (the keywords also :func:`~csanalysis.segments.
    clusters_from_parts`'s when the parts' features are asked where they are)."""
    def each(fn: Callable[..., Any], **kw: Any) -> list[Any]:  # (experiences, activity) of every partition
        if has_exp:
            return runner.map_experience_parts(fn, activity, _ORDER_COLUMNS, **kw)
        return runner.map_parts(_without_experiences, activity, _ORDER_COLUMNS, fn=fn, **kw)

    ends = [v for v, _, _ in runner.client.gather(each(_features_end_part))]
    seen = [t for t in ends if t is not None]
    end = max(seen) if seen else None
    return (each(_features_part, as_of=end, currency=currency, with_experiences=has_exp), _clusters_of_features,
            {"currency": currency, "seed": seed})


def _without_experiences(activity: pd.DataFrame, *, fn: Callable[..., Any], positions: Any = None,
                         **kw: Any) -> Any:
    return fn(None, activity, **kw)


def _features_end_part(experiences: pd.DataFrame | None, activity: pd.DataFrame | None) -> pd.Timestamp | None:
    """One partition's :func:`~csanalysis.segments.features_end` (None without rows)."""
    from .segments import features_end

    act, exp = nonempty(activity), nonempty(experiences)
    return None if act is None and exp is None else features_end(act, exp)


def _features_part(experiences: pd.DataFrame | None, activity: pd.DataFrame | None, *,
                   as_of: pd.Timestamp | None, currency: str | None, with_experiences: bool) -> pd.DataFrame | None:
    """One partition's :func:`~csanalysis.segments.customer_features` (None without rows); a partition without
    experiences of its own still has the experience features (a customer without contacts: contact rate 0) when
    the analysis has experiences."""
    from .segments import customer_features

    if as_of is None or (nonempty(activity) is None and nonempty(experiences) is None):
        return None
    if with_experiences and experiences is None:
        experiences = pd.DataFrame({"customer": pd.Series(dtype="str"), "at": pd.Series(dtype="datetime64[ns, UTC]"),
                                    "bad": pd.Series(dtype=bool), "good": pd.Series(dtype=bool)})
    return customer_features(activity, experiences, as_of=as_of, currency=currency)


def _clusters_of_features(parts: list[pd.DataFrame | None], *, currency: str | None, seed: int) -> Any:
    """:func:`~csanalysis.segments.cluster_customers` of every partition's features (sorted by customer, as
    :func:`~csanalysis.segments.customer_features` of the whole tables gives them)."""
    from .segments import cluster_customers

    got = [f for f in parts if f is not None]
    if not got:
        raise ValueError("activity and experiences hold no customer with a time; no features to compute.")
    feats = pd.concat(got).sort_index(kind="stable") if len(got) > 1 else got[0]
    feats.attrs["other_currency_customers"] = sum(int(f.attrs.get("other_currency_customers", 0)) for f in got)
    return cluster_customers(feats, currency=currency, seed=seed)


def _experience_span_part(experiences: pd.DataFrame | None, activity: pd.DataFrame | None) -> tuple[float, float]:
    """:func:`~csanalysis.estimators.churn.experience_span` of one partition's experiences (NaN without)."""
    from .estimators.churn import experience_span

    return (np.nan, np.nan) if experiences is None else experience_span(experiences)


def _part_value(done: tuple[Any, str | None, float]) -> Any:
    """The value of a stage's partition (its ``(value, note, seconds)``, as :func:`call_stage` gives them); a part
    that lacks what the stage needs stops it with its note (``ValueError``)."""
    if done[1] is not None:
        raise ValueError(done[1])
    return done[0]


def _part_values(done: list[tuple[Any, str | None, float]]) -> list[Any]:
    """:func:`_part_value` of each of a stage's partitions (the first one's note stops it)."""
    return [_part_value(d) for d in done]


def _avoidance_state(done: tuple[Any, str | None, float]) -> Any:
    """The :class:`~csanalysis.estimators.avoidance.AvoidancePart` of a partition's index-episode rows (its
    ``(value, note, seconds)``), where they are; their note stops the stage."""
    from .estimators.avoidance import AvoidancePart

    return AvoidancePart(_part_value(done))


def _cluster_state(done: tuple[Any, str | None, float]) -> Any:
    """The :class:`~csanalysis.segments.FeatureRows` of a partition's customer features (its ``(value, note,
    seconds)``), where they are; its note stops the stage."""
    from .segments import FeatureRows

    return FeatureRows(_part_value(done))


def _rfm_state(done: tuple[Any, str | None, float]) -> Any:
    """The :class:`~csanalysis.segments.RFMRows` of a partition's RFM part (its ``(value, note, seconds)``), where
    it is; its note stops the stage."""
    from .segments import RFMRows

    return RFMRows(_part_value(done))


def _disrespect_part(done: tuple[Any, str | None, float], flags: Any) -> dict[str, Any]:
    """:func:`~csanalysis.estimators.avoidance.disrespect_part` of an avoidance part (its ``(value, note,
    seconds)``; its note stops the stage)."""
    from .estimators.avoidance import disrespect_part

    return disrespect_part(_part_value(done), flags)


def _disrespect_by_parts(runner: Any, parts: list[Any], responses: Any, verbatims: Any, *, n_resamples: int,
                         seed: int, confidence: float) -> Any:
    """No return after disrespect on the Dask engine: the rude flags where the survey is, each avoidance part's
    commented first bad experiences where it is, the comparison of their rows here."""
    from .estimators.avoidance import disrespect_flags, no_return_after_disrespect_from_rows

    flags = runner.submit(disrespect_flags, responses, verbatims, n_resamples=n_resamples, confidence=confidence)
    rows = runner.client.gather([runner.submit(_disrespect_part, p, flags) for p in parts])
    return no_return_after_disrespect_from_rows(rows, flags.result(), seed=seed)


def _experiences_then(fn: Callable[..., Any], tickets: pd.DataFrame | None, responses: pd.DataFrame | None,
                      rule: BadExperienceRule, *args: Any, at: int = 0, **kw: Any) -> Any:
    """``fn`` of ``args`` with, at position ``at``, the experiences of the whole tables built here (as the
    pandas engine builds them)."""
    return fn(*args[:at], experiences(nonempty(tickets), responses, rule=rule), *args[at:], **kw)


#: Marks, in a stage's arguments, the whole activity rebuilt from its partitions (:func:`_on_stacked`).
_STACKED = "the activity stacked back from its partitions"


def _on_stacked(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn`` with each argument ``(_STACKED, parts)`` replaced by the table the partitions (``(part, positions)``
    each) were split from, rows in its order (the columns the parts hold): a stage on the whole activity after
    the Dask engine let go of it."""
    def whole(a: Any) -> Any:
        if not (isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str) and a[0] == _STACKED):
            return a
        pos = np.concatenate([np.asarray(q, dtype=np.int64) for _, q in a[1]])
        return pd.concat([p for p, _ in a[1]]).iloc[np.argsort(pos, kind="stable")]

    return fn(*(whole(a) for a in args), **{k: whole(v) for k, v in kw.items()})


def _swapped(jobs: list[tuple[str, str, Callable[..., Any], tuple, dict]], table: Any, by: Any, *,
             wrap: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None) -> list[tuple]:
    """:func:`_analyse`'s jobs with every argument, positional or keyword, that is ``table`` replaced by ``by``
    (the Dask engine letting go of a whole table); with ``wrap``, a job that had it runs ``wrap(fn)``."""
    out = []
    for name, label, fn, args, kw in jobs:
        if not any(a is table for a in (*args, *kw.values())):
            out.append((name, label, fn, args, kw))
            continue
        out.append((name, label, fn if wrap is None else wrap(fn), tuple(by if a is table else a for a in args),
                    {k: by if v is table else v for k, v in kw.items()}))
    return out


#: With ``keep_rows=False`` on the Dask engine, the results whose stage runs on a worker let their rows go there
#: (:func:`_without_rows`); the service-recovery test reads the journeys' parts where they are, not their rows.
_ROWS_ON_WORKERS: frozenset[str] = frozenset({"avoidance", "journeys"})


def _without_rows(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)`` without its rows per customer (:meth:`~csanalysis.results.Result.without_rows`),
    where it ran."""
    value = fn(*args, **kw)
    return value.without_rows() if isinstance(value, Result) else value


#: The columns an answer's sampling unit is looked up by in the tickets (besides the unit's own:
#: :func:`~csanalysis.estimators.metrics.sampling_units`' ``via``): the ticket and its customer.
_UNIT_LOOKUP: tuple[str, ...] = ("ticket_id", *CUSTOMER_COLUMNS)


def _lookup_keys(answers: pd.DataFrame) -> dict[str, Any]:
    """What the tickets are asked for the survey answers' sampling units (:func:`_unit_lookup_piece`): the
    answers' customer column (as :func:`~csanalysis.estimators.metrics.sampling_units` picks it), and their
    distinct ticket ids and customers."""
    from .estimators.metrics import customer_column, filled_customer_columns

    cust = customer_column([filled_customer_columns(answers)])

    def values(col: str | None) -> pd.Series:
        if col is None or col not in answers.columns:
            return pd.Series([], dtype="str")
        return pd.Series(answers[col].dropna().unique())

    return {"customer": cust, "tickets": values("ticket_id"), "customers": values(cust)}


def _unit_lookup_piece(tickets: pd.DataFrame, keys: dict[str, Any],
                       unit: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What a piece of the tickets (or the whole table) tells of the answers' sampling units ``unit``
    (``keys``: :func:`_lookup_keys`): the first of its tickets of each id an answer names (their ``ticket_id``
    and ``unit`` columns, those it has), and its rows per customer and unit value among the answers' customers
    (:func:`~csanalysis.estimators.metrics.unit_counts`; None when it has not both columns)."""
    from .estimators.metrics import unit_counts
    from .lookup import isin_values

    cols = [c for c in ("ticket_id", unit) if c in tickets.columns]
    first = tickets[cols].iloc[:0]
    if len(cols) == 2 and len(keys["tickets"]):
        ids = tickets["ticket_id"]
        named = (ids.notna() & isin_values(ids, keys["tickets"])).to_numpy(dtype=bool)
        first = tickets.loc[named, cols].drop_duplicates("ticket_id")
    cust = keys["customer"]
    if cust is None or cust not in tickets.columns or unit not in tickets.columns:
        return first, None
    theirs = isin_values(tickets[cust], keys["customers"]).to_numpy(dtype=bool)
    return first, unit_counts(cust, unit, tickets.loc[theirs, [cust, unit]])


def _unit_lookup(pieces: list[tuple[pd.DataFrame, pd.DataFrame | None]]) -> tuple[pd.DataFrame,
                                                                                  pd.DataFrame | None]:
    """The tickets' answers for the survey answers' sampling units, from each piece's
    (:func:`_unit_lookup_piece`, in the tickets' order): the first ticket of each id the answers name, and the
    rows per customer and unit value (None when the tickets have not both columns). With them
    :func:`~csanalysis.estimators.metrics.sampling_units` (``via``, ``via_counts``) gives every answer the unit
    it has with the whole tickets, and no task holds more than a piece of the tickets."""
    from .estimators.metrics import unit_counts

    found = [f for f, _ in pieces if len(f)]
    first = pieces[0][0] if not found else pd.concat(found, ignore_index=True)
    if "ticket_id" in first.columns:
        first = first.drop_duplicates("ticket_id", ignore_index=True)
    counts = [c for _, c in pieces if c is not None]
    if not counts:
        return first, None
    return first, unit_counts(str(counts[0].columns[0]), str(counts[0].columns[1]), counts=tuple(counts))


def _narrowed(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df``'s ``columns`` (those it has, in its order; its ``attrs`` kept) as a table of its own: a copy, so
    that the other columns' memory goes with ``df`` (the Dask engine, once every split of ``df`` is made)."""
    return df[[c for c in df.columns if c in set(columns)]].copy(deep=True)


def _journey_references(done: tuple[Any, str | None, float]) -> tuple[Any, str | None]:
    """A journey part's :meth:`~csanalysis.segments.JourneyPart.references` (its ``(value, note, seconds)``), or
    its note."""
    value, note, _ = done
    return (None, note) if note is not None else (value.references(), None)


def _journey_draws(references: list[tuple[Any, str | None]], *, seed: Any) -> tuple[Any, str | None]:
    """The matched reference offsets of every journey part (:func:`~csanalysis.segments.journeys.
    reference_offsets`), or the first part's note."""
    from .segments.journeys import reference_offsets

    note = next((n for _, n in references if n is not None), None)
    return (None, note) if note is not None else (reference_offsets([r for r, _ in references], seed=seed), None)


def _journey_finish(done: tuple[Any, str | None, float], draws: tuple[Any, str | None], i: int, *,
                    seed: Any, rows: bool = True) -> tuple[Any, str | None, float]:
    """Journey part ``i`` finished with its drawn offsets, where it is: ``(value, note, seconds)``, the seconds
    of its building and finishing (``rows=False``: without its table, its journeys' counts instead)."""
    value, note, seconds = done
    note = note if note is not None else draws[1]
    if note is not None:
        return None, note, seconds
    out, note, s = call_stage(lambda: value.finish(draws[0][i], seed=seed, rows=rows))
    return out, note, seconds + s


def _journeys_of_parts(done: list[tuple[Any, str | None, float]], **kw: Any) -> Any:
    """:func:`~csanalysis.segments.journeys.experience_journeys_from_parts` of the finished parts (their
    ``(value, note, seconds)``): a part that lacks what the stage needs stops it with its note."""
    from .segments.journeys import experience_journeys_from_parts

    return experience_journeys_from_parts(_part_values(done), **kw)


def _without_recovery(done: tuple[Any, str | None, float]) -> tuple[Any, str | None, float]:
    """A finished journey part (its ``(value, note, seconds)``) without the service-recovery test's rows: what
    the journeys' result is combined from when the test asks the parts where they are."""
    value, note, seconds = done
    return (None if value is None else dataclasses.replace(value, recovery=None)), note, seconds


def _recovery_rows_of(done: tuple[Any, str | None, float]) -> tuple[Any, str | None, float]:
    """A finished journey part's service-recovery rows (its ``(value, note, seconds)``; the seconds counted
    with the journeys'): the state that answers :func:`~csanalysis.segments.service_recovery_from_parts`."""
    value, note, _ = done
    return (None if value is None else value.recovery), note, 0.0


def _recovery_by_parts(runner: Any, parts: list[Any], journeys: Any) -> Any:
    """The service-recovery test on the Dask engine: each finished journey part's rows answer the test's rounds
    where they are (sums per round, never a row)."""
    from .segments import service_recovery_from_parts

    states = [runner.submit(_recovery_rows_of, p) for p in parts]
    value, note, _ = runner.drive_parts(states, service_recovery_from_parts, journeys=journeys)
    if note is not None:
        raise ValueError(note)
    return value


def _lost_part(experiences: pd.DataFrame | None, activity: pd.DataFrame | None, *, as_of: pd.Timestamp,
               window: float) -> pd.Series | None:
    """:func:`no_purchase_after` of one partition of customers (its experiences and purchases), None without
    experiences."""
    if experiences is None or not len(experiences):
        return None
    return no_purchase_after(experiences, activity if activity is not None else pd.DataFrame(
        {"customer": pd.Series(dtype="str"), "at": pd.Series(dtype="datetime64[ns, UTC]")}), as_of=as_of, window=window)


#: Outcome names of the reasons as drivers (:func:`_reason_drivers`): the answer's own bad experience and CSAT,
#: among survey answers with a comment, named apart from the ticket-level outcomes of :func:`_drivers`.
REASON_OUTCOMES: dict[str, str] = {"bad": "bad (commented answers)", "csat": "csat (commented answers)"}
#: The survey-answer criteria of :class:`~csanalysis.experiences.BadExperienceRule` (criterion, column, rule field).
_ANSWER_CRITERIA = (("csat", "csat", "csat_at_most"), ("ces", "ces", "ces_at_least"), ("nps", "nps", "nps_at_most"))
#: The survey answers' columns :func:`_reason_drivers` reads (besides the sampling unit's own): the answer's
#: id and ticket, its customer and the scores of the bad-experience rule's survey criteria (:data:`_ANSWER_CRITERIA`).
_REASON_COLUMNS: tuple[str, ...] = ("response_id", *_UNIT_LOOKUP, *(col for _, col, _ in _ANSWER_CRITERIA))


def _reason_drivers_looked_up(responses: pd.DataFrame, verbatims: Any, rule: BadExperienceRule, unit: str | None, *,
                              lookup: Any = (None, None), tickets: pd.DataFrame | None = None, **kw: Any) -> Any:
    """:func:`_reason_drivers` with the tickets' answers for the units (``lookup``: :func:`_unit_lookup` of the
    tickets' pieces; ``(None, None)`` without tickets to look in), or with the whole ``tickets`` as one piece (the
    pandas engine: the lookup timed with the stage)."""
    if tickets is not None:
        lookup = _unit_lookup([_unit_lookup_piece(tickets, _lookup_keys(responses), unit)])
    first, counts = lookup
    return _reason_drivers(responses, verbatims, rule, unit, tickets=first, ticket_counts=counts, **kw)


def _reason_method(base: str, how: str) -> str:
    return (f"{base} of the reasons the comment mentions (0/1 each, validated reasons only): an association between "
            "what a survey comment mentions and the score of the same answer, which the customer wrote together "
            "with the comment, so the comment describes the score rather than causes it; not a causal effect. "
            "The weights are those of the reasons as tagged: a reason the tagger misses in some comments (its "
            "validated recall per language is in validation/verbatims.md) loses weight to the reasons mentioned "
            "with it, and the intervals do not carry the tagger's errors (validation/reason_drivers.md). "
            f"n = survey answers with a comment; bootstrap over the sampling units, {how}")


def _reason_drivers(responses: pd.DataFrame, verbatims: Any, rule: BadExperienceRule, unit: str | None, *,
                    drivers: Any = None, tickets: pd.DataFrame | None = None,
                    ticket_counts: pd.DataFrame | None = None,
                    n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, confidence: float = 0.95) -> Any:
    """The reasons survey comments give as key drivers of the same answer's bad experience and CSAT.

    Among the survey answers with a non-empty comment (the comments of the ``verbatims`` result,
    :func:`csanalysis.estimators.verbatims.verbatims`, computed from ``responses``), every reason the
    tagger found becomes a 0/1 driver: 1 when one of the answer's comments gives it. Only the tags of a reason
    validated (published) for the comment's language count, as in the verbatims table. A reason given by, or
    missing from, fewer than :data:`MIN_BINARY_DRIVER` of the answers that have the outcome is left out (as
    :func:`_drivers` leaves out a rare yes/no measure). Outcomes (:data:`REASON_OUTCOMES`): the answer's bad
    experience by the rule's survey criteria (CSAT, effort, NPS; unknown when the answer has none of them),
    logistic relative weights, and its CSAT as a share of the scale, (x - 1) / 4, relative weights; each where
    at least :data:`~csanalysis.estimators.drivers.MIN_ROWS` commented answers have it and at least two
    reasons are usable. The sampling unit is the analysis's (customer or account;
    :func:`~csanalysis.estimators.metrics.sampling_units`).

    This is an association between what a comment mentions and the score of the same answer, written together
    with it: the comment describes the score, it does not cause it.

    ``drivers`` (the ticket-level result of :func:`_drivers`, or ``None``): the reasons' rows, fits and notes are
    appended to it, and its method text gets a paragraph on the reasons. ``tickets``: the tickets an answer's
    unit is looked up in (the whole tickets, or the first of each id with ``ticket_counts``, the rows per
    customer and unit: :func:`_unit_lookup`).

    Returns
    -------
    DriverResult
        Rows as :func:`~csanalysis.estimators.key_drivers` (after those of ``drivers``), the ``method`` column
        of the reasons' rows saying the above.

    Raises
    ------
    ValueError
        When there are fewer than ``MIN_ROWS`` commented answers, or no outcome with at least two usable
        reasons (the message says why; :func:`analyse` records it as a note).
    """
    from .estimators.drivers import METHODS, MIN_EVENTS, MIN_ROWS, DriverResult, key_drivers
    from .estimators.metrics import sampling_units
    from .estimators.verbatims import published_tags
    from .text import REASONS

    com = getattr(verbatims, "comments", None)
    tags = getattr(verbatims, "tags", None)
    if com is None or tags is None or not len(com):
        raise ValueError("no survey answer has a comment to read reasons from")
    pos = com["response"].to_numpy(dtype=np.int64)  # row of `responses` each comment belongs to
    survey = pos >= 0  # the tickets' satisfaction comments (response -1) are not survey answers
    tags = tags.loc[survey[tags["text_index"].to_numpy(dtype=np.int64)]]
    answers = distinct(pos[survey])
    if len(answers) < MIN_ROWS:
        raise ValueError(f"only {len(answers)} survey answers have a comment; reasons as drivers need at least "
                         f"{MIN_ROWS}")
    tab = verbatims.table
    t = tags.loc[published_tags(tags, tab.loc[tab["language"].astype("object") != "all"])]
    if t.empty:
        raise ValueError("the comments give no reason validated for their language")
    answer_of = np.searchsorted(answers, pos)  # comment -> commented answer
    found = set(t["reason"].astype("str"))
    names = [r for r in REASONS if r in found] + sorted(found - set(REASONS))
    X = pd.DataFrame(0.0, index=np.arange(len(answers)), columns=names)
    for reason, g in t.groupby("reason", sort=False):  # a handful of reasons
        X.loc[np.unique(answer_of[g["text_index"].to_numpy(dtype=np.int64)]), str(reason)] = 1.0
    r = responses.iloc[answers]
    outcome_values: dict[str, np.ndarray] = {}
    active = [(c, col) for c, col, fld in _ANSWER_CRITERIA if getattr(rule, fld) is not None and col in r.columns]
    notes: list[str] = []
    if active:
        crit = rule.criteria(r)
        known = np.any([pd.to_numeric(r[col], errors="coerce").notna().to_numpy() for _, col in active], axis=0)
        bad = crit[[c for c, _ in active]].any(axis=1).to_numpy()
        outcome_values["bad"] = np.where(known, bad.astype("float64"), np.nan)
    else:
        notes.append(f"{REASON_OUTCOMES['bad']!r} not computed: the bad-experience rule uses no survey answer "
                     "(CSAT, effort or NPS)")
    if "csat" in r.columns:
        outcome_values["csat"] = (pd.to_numeric(r["csat"], errors="coerce").to_numpy(dtype="float64",
                                                                                      na_value=np.nan) - 1.0) / 4.0
    ids, how = sampling_units(responses, unit, row_id="response_id" if "response_id" in responses.columns else None,
                              via=tickets, via_counts=ticket_counts)
    unit_ids = np.asarray(ids.astype("object"))[answers]
    results = []
    left_out: dict[str, list[str]] = {}  # reasons left out for rarity (text -> outcomes)
    failed: list[str] = []  # outcomes with fewer than 2 usable reasons
    for key, kind in (("bad", "binary"), ("csat", "continuous")):
        if key not in outcome_values:
            continue
        name = REASON_OUTCOMES[key]
        y = outcome_values[key]
        has = np.isfinite(y)
        if has.sum() < MIN_ROWS:
            notes.append(f"{name!r} not computed: only {int(has.sum())} commented answers have it (at least "
                         f"{MIN_ROWS} needed)")
            continue
        if kind == "binary" and min(int((y[has] == 1).sum()), int((y[has] == 0).sum())) < MIN_EVENTS:
            notes.append(f"{name!r} not computed: fewer than {MIN_EVENTS} commented answers on one side")
            continue
        counts = X.loc[has].sum()
        use = [c for c in names if min(counts[c], has.sum() - counts[c]) >= MIN_BINARY_DRIVER]
        rare = sorted((c for c in names if c not in use), key=lambda c: -counts[c])
        if rare:  # the same words for both outcomes are said once, naming both
            text = (f"given by fewer than {MIN_BINARY_DRIVER} of the {int(has.sum())} commented answers that have "
                    f"it, or missing from fewer than {MIN_BINARY_DRIVER}: "
                    + ", ".join(f"{c} {int(counts[c])}" for c in rare))
            left_out.setdefault(text, []).append(name)
        if len(use) < 2:
            failed.append(name)
            continue
        data = X[use].assign(**{name: y})
        if unit is not None:
            data["unit"] = unit_ids
        try:
            res = key_drivers(data, name, use, kind=kind, customer="unit" if unit is not None else None,
                              higher_is_better=kind != "binary", higher_is_worse={c: True for c in use},
                              n_resamples=n_resamples, seed=seed, confidence=confidence)
        except ValueError as exc:  # e.g. a reason constant once complete cases are taken
            notes.append(f"{name!r} not computed: {exc}")
            continue
        base = METHODS["relative_weights"][1 if kind == "binary" else 0]
        res.table["method"] = _reason_method(base, how)
        results.append(res)
    notes += [f"reasons left out of {' and '.join(map(repr, outs))}, {text}" for text, outs in left_out.items()]
    if failed:
        notes.append(f"{' and '.join(map(repr, failed))} not computed: fewer than 2 reasons usable (key drivers "
                     "need at least 2)")
    if not results:
        raise ValueError("no reasons as drivers: " + "; ".join(notes))
    intro = ("Reasons as drivers (outcomes " + " and ".join(repr(v) for v in REASON_OUTCOMES.values()) + "): "
             "among survey answers with a comment, whether the comment gives each reason (0/1), as drivers of the "
             "same answer's bad experience and CSAT (share of the scale). " + _reason_method("Relative weights", how)
             + ".")
    table = pd.concat([x.table for x in results], ignore_index=True)
    fit = pd.concat([x.fit for x in results], ignore_index=True)
    # a mention is 0/1: its "good" class (the terciles' good end) is empty by design; one note instead of one each
    notes = [n for x in results for n in x.notes if not ("the good class of" in n and "has 0 rows" in n)] + notes
    notes.append("reasons: penalty = how much worse the answer's outcome is when its comment gives the reason "
                 "than when it does not; a mention has no good end, so no reward and kano 'not estimable'")
    if drivers is None:
        km = " ".join(dict.fromkeys(x.method for x in results))
        return DriverResult(table=table, fit=fit, confidence=results[0].confidence,
                            n_resamples=results[0].n_resamples, seed=results[0].seed, method=intro + " " + km,
                            notes=list(dict.fromkeys(notes)))
    return DriverResult(table=pd.concat([drivers.table, table], ignore_index=True),
                        fit=pd.concat([drivers.fit, fit], ignore_index=True), confidence=drivers.confidence,
                        n_resamples=drivers.n_resamples, seed=drivers.seed, method=drivers.method + " " + intro,
                        notes=list(dict.fromkeys([*drivers.notes, *notes])))


def _nonresponse(tickets: pd.DataFrame, unit: str | None, *, n_resamples: int, seed: int, confidence: float) -> Any:
    """Raw and response-weighted ticket ratings (:func:`csanalysis.estimators.nonresponse_weighted`).

    The response model uses the default attributes known for every ticket; the sampling unit is the
    analysis's (customer or account). Not computed (a note says why) when no ticket is rated or none unrated.
    """
    from .estimators.nonresponse import nonresponse_weighted

    if "rating_score" not in tickets.columns or not tickets["rating_score"].notna().any():
        raise ValueError("no ticket carries a rating score")
    return nonresponse_weighted(tickets, customer=unit, n_resamples=n_resamples, seed=seed, confidence=confidence)


def _nonresponse_from_parts(each: Callable[..., list[Any]], unit: str | None, *, n_resamples: int, seed: int,
                            confidence: float) -> Any:
    """:func:`_nonresponse` from partitions of the tickets (the Dask engine; :class:`~csanalysis.estimators.
    nonresponse.NonresponsePart` each), asked in rounds."""
    from .estimators.nonresponse import nonresponse_from_parts

    first = each("first")  # (the round changes no state: asked once, its answers given again below)
    if not any(p["has_score"] for p in first):
        raise ValueError("no ticket carries a rating score")

    def asked(method: str, **kw: Any) -> list[Any]:
        return first if method == "first" and not kw else each(method, **kw)

    return nonresponse_from_parts(asked, customer=unit, n_resamples=n_resamples, seed=seed, confidence=confidence)


def _rankings(tickets: pd.DataFrame, unit: str | None, *, timezone: str | None, confidence: float,
              key: Any) -> Any:
    """Bad-rating share per agent, group, channel and month, shrunken and ranked (:func:`rank_units`).

    Rated customer-initiated tickets; a ticket is bad when its rating is ``bad`` (the export's own rating,
    as :func:`csanalysis.schema.rating_from_score` normalised it); the month is the ticket's creation month
    (in ``timezone``, UTC by default); the sampling unit is the analysis's (customer or account) as the service
    metrics have it (:func:`~csanalysis.estimators.metrics.sampling_units`: a ticket without an account belongs
    to its customer's most frequent account, else to its customer). The same rounds as per partition
    (:class:`_RankTickets`, :func:`_rankings_from_parts`), the whole table the only part.
    """
    part = _RankTickets(tickets, unit, timezone=timezone)
    return _rankings_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], unit, confidence=confidence,
                                key=key)


class _RankTickets(HoldsArrays):
    """One partition's tickets for :func:`_rankings`: what the partitions must agree on (:meth:`facts`), then
    the ranked table (:meth:`ready`) as a :class:`~csanalysis.estimators.rankings.RankPart` answering the
    ranking's rounds."""

    def __init__(self, tickets: pd.DataFrame, unit: str | None, *, timezone: str | None) -> None:
        from .estimators.metrics import CUSTOMER_COLUMNS

        # only the columns read below (the rating, the month's time, the ranked units, the sampling unit)
        read = {"rating", "created_at", "ticket_id", *RANKED_UNITS, *CUSTOMER_COLUMNS, *([unit] if unit else [])}
        self.t = tickets.loc[~agent_initiated(tickets), [c for c in tickets.columns if c in read]]
        self.unit, self.timezone = unit, timezone

    def facts(self) -> dict[str, Any]:
        from .estimators.metrics import filled_customer_columns

        t = self.t
        rated = t.loc[t["rating"].notna()] if "rating" in t.columns else t.iloc[:0]
        return {"customer": filled_customer_columns(t),
                "rated": len(rated), "columns": tuple(c for c in RANKED_UNITS if c in rated.columns
                                                      and bool(rated[c].notna().any()))}

    def ready(self, *, customer: str | None, columns: list[str]) -> None:
        from .estimators.metrics import sampling_units
        from .estimators.rankings import RankPart

        t = self.t
        if self.unit is not None:  # the sampling unit as the service metrics have it (the account, else ...)
            t = t.assign(**{_UNIT_COLUMN: sampling_units(t, self.unit, row_id="ticket_id", customer=customer)[0]})
        t = t.loc[t["rating"].notna()] if "rating" in t.columns else t.iloc[:0]
        created = t["created_at"]
        month = (created.dt.tz_convert(self.timezone) if self.timezone else created).dt.strftime("%Y-%m")
        t = t.assign(bad=t["rating"].astype("object").eq("bad").astype("float64"), month=month)
        self.part = RankPart(t, columns, "bad", kind="share", customer=_UNIT_COLUMN if self.unit is not None else None)
        self.t = None  # (the part holds what the rounds read)

    def first(self) -> Any:
        return self.part.first()

    def moments(self, **kw: Any) -> Any:
        return self.part.moments(**kw)

    def centred(self, **kw: Any) -> Any:
        return self.part.centred(**kw)

    def pool(self, **kw: Any) -> Any:
        return self.part.pool(**kw)


def _rankings_from_parts(each: Callable[..., list[Any]], unit: str | None, *, confidence: float, key: Any) -> Any:
    """:func:`_rankings` from partitions of the tickets (:class:`_RankTickets`, each sampling unit's tickets in
    one partition), asked in rounds."""
    from .estimators.metrics import customer_column
    from .estimators.rankings import rank_units_from_parts

    facts = each("facts")
    if not sum(f["rated"] for f in facts):
        raise ValueError("no rated customer-initiated tickets to rank agents, groups, channels or months on")
    customer = customer_column(f["customer"] for f in facts)
    cols = [c for c in RANKED_UNITS if any(c in f["columns"] for f in facts)]
    each("ready", customer=customer, columns=cols)
    return rank_units_from_parts(each, cols, "bad", kind="share", customer=_UNIT_COLUMN if unit is not None else None,
                                 unit_type=[RANKED_UNITS[c] for c in cols], confidence=confidence, key=key)


def _exports_from(tickets: Any, survey: Any, activity: Any, customers: Any, *, questions, timezone, dayfirst,
                  secret, sheet, tz_abbreviations, say, mapping=None, runner=None) -> Exports:
    """Read what is a path, keep what is a table; one load report per file or table.

    With a ``runner`` (the Dask engine) the files are read on the workers and every table, read or given,
    stays there: the tables of the result are futures.
    """
    put = (lambda df: df) if runner is None else runner.put
    first = tickets
    if isinstance(first, Exports) or (hasattr(first, "tables") and hasattr(first, "reports")
                                      and not isinstance(first, pd.DataFrame)):
        if any(v is not None for v in (survey, activity, customers)):
            raise TypeError("pass either an exports object (read_exports / datasets.load_sample) as the first "
                            "argument, or tickets=, survey=, activity=, customers=; not both")
        ex = first
        reports = ex.reports if isinstance(ex.reports, dict) else _reports_by_role(ex)
        return Exports(put(ex.tickets), put(ex.responses), put(ex.activity), put(ex.customers), reports,
                       bool(getattr(ex, "sample", True)))
    given = {"tickets": tickets, "survey": survey, "activity": activity, "customers": customers}
    paths = {role: v for role, v in given.items() if v is not None and not _is_tables(v)}
    tables = {role: v for role, v in given.items() if v is not None and _is_tables(v)}
    if not paths and not tables:
        raise CsanalysisError("nothing to analyse: pass tickets=, survey=, activity= or customers= (paths, lists "
                              "of paths, or tables returned by the readers); for the bundled sample use "
                              "cs.analyse(cs.datasets.load_sample())")
    read = read_exports if runner is None else runner.read_exports
    ex = (read(**paths, questions=questions, timezone=timezone, dayfirst=dayfirst, secret=secret, sheet=sheet,
               tz_abbreviations=tz_abbreviations, mapping=mapping, progress=say)
          if paths else Exports(None, None, None, None, {}))
    reports = dict(ex.reports)
    roles = {"tickets": "tickets", "survey": "responses", "activity": "activity", "customers": "customers"}
    for role, v in tables.items():
        frames = [v] if isinstance(v, pd.DataFrame) else list(v)
        reports[role] = [load_report(df) for df in frames if "load_report" in df.attrs]
        setattr(ex, roles[role], put(concat_tables(frames)))
    return ex


def _sampling_unit(cluster: str | None, has_account: Callable[[], bool]) -> str | None:
    """``analyse(cluster=...)`` resolved: ``"auto"`` is the account when the tickets carry one (``has_account()``:
    an ``account_id`` with a value)."""
    if cluster != "auto":
        return cluster
    return "account_id" if has_account() else "customer"


def _is_tables(v: Any) -> bool:
    return isinstance(v, pd.DataFrame) or (isinstance(v, (list, tuple)) and len(v) > 0
                                           and all(isinstance(x, pd.DataFrame) for x in v))


def _reports_by_role(ex: Any) -> dict[str, list[LoadReport]]:
    out: dict[str, list[LoadReport]] = {"tickets": [], "survey": [], "activity": [], "customers": []}
    for r in ex.reports:
        out[{"tickets": "tickets", "survey": "survey", "activity": "activity",
             "customers": "customers"}.get(getattr(r, "table", ""), "survey")].append(r)
    return out


def analyse(
    tickets: Source | Exports = None,
    survey: Source = None,
    activity: Source = None,
    customers: Source = None,
    *,
    as_of: Any = None,
    window: float = 730,
    rule: BadExperienceRule | None = None,
    link_on: Literal["auto", "customer_id", "email_key"] = "auto",
    secret: str | bytes | None = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    timezone: str | None = None,
    questions: dict[str, str] | None = None,
    dayfirst: bool | None = None,
    sheet: str | int | dict[str, str | int] | None = None,
    tz_abbreviations: dict[str, str] | None = None,
    mapping: dict[str, dict[str, str]] | None = None,
    currency: str | None = None,
    scorecard_freq: Literal["M", "Q"] = "Q",
    cluster: str | None = "auto",
    override: bool | set[str] = False,
    progress: Callable[[str], None] | None = None,
    engine: Literal["pandas", "dask"] = "pandas",
    scheduler: Any = None,
    partitions: int | None = None,
    keep_tables: bool = True,
    keep_rows: bool = True,
) -> Analysis:
    """Read, link, measure and compare: the one pipeline behind every face.

    Parameters
    ----------
    tickets, survey, activity, customers : path, list of paths, DataFrame or list of DataFrames, optional
        Exports per role: files (read here with the matching reader) or
        tables returned by :func:`~csanalysis.read_tickets`,
        :func:`~csanalysis.read_survey`, :func:`~csanalysis.read_activity`
        and :func:`~csanalysis.read_customers`. The first argument may
        instead be an exports object from :func:`~csanalysis.read_exports` or
        :func:`csanalysis.datasets.load_sample` (it then keeps one load report
        per file). Reading nothing is an error.
    as_of : date-like, optional
        End of follow-up (default: the last purchase in the activity data).
        A date without a time means the end of that day in ``timezone``
        (see :func:`parse_as_of`).
    window : float, default 730
        Days of avoidance (730 = two years).
    rule : BadExperienceRule, optional
        What counts as a bad experience (default: rating bad or CSAT 1-2).
    link_on : {"auto", "customer_id", "email_key"}
        How tables are linked per customer (see :func:`~csanalysis.link_customers`).
    secret : str or bytes, optional
        Pseudonymisation secret for e-mail keys when files are read here
        (default: the environment variable ``CSANALYSIS_KEY``, else a secret
        made once per user, see :func:`csanalysis.privacy.secret_path`).
    confidence : float, default 0.95
        Level of every interval.
    n_resamples : int, default 1000
        Bootstrap resamples (the one default of the report, the notebooks and
        the library; tests may lower it).
    seed : int, default 0
        Seed of every bootstrap and random draw (results are reproducible).
    timezone : str, optional
        Zone of timestamps without an offset in the files read here, and the
        analysis time zone of ``as_of`` (default UTC).
    questions : dict, optional
        Survey question roles (``{"csat": "Q1", ...}``) for files read here.
    dayfirst : bool, optional
        Date order of ambiguous dates in files read here.
    sheet : str, int or dict, optional
        Worksheet of workbooks read here (one for all, or a dict by role; see
        :func:`~csanalysis.read_exports`). By default the sheet that fits.
    tz_abbreviations : dict, optional
        Zones of time-zone abbreviations in timestamps of files read here
        (``{"IST": "Asia/Kolkata"}``), needed for ambiguous ones.
    mapping : dict, optional
        Column mapping per role of files read here, ``{role: {canonical
        column: file column}}`` (``{"activity": {"customer_id": "Buyer Ref"}}``),
        for columns the readers do not recognise by themselves (see
        :func:`~csanalysis.read_exports`).
    currency : str, optional
        Analysis currency of monetary segments and clusters (default: the
        most common by orders). No conversion: customers who paid only in
        other currencies are left out of them and their figures are flagged
        ``incomparable_units``.
    scorecard_freq : {"M", "Q"}, default "Q"
        Period of the scorecard.
    cluster : str or None, default "auto"
        Sampling unit of ticket- and answer-level intervals: ``"auto"`` takes
        the account (``"account_id"``) when the tickets carry one, else the
        customer; ``"customer"``, ``"account_id"``, another ticket column, or
        ``None`` (every row on its own; not advised). See
        :func:`~csanalysis.estimators.metrics.sampling_units`.
    override : bool or set of ids
        Compare even cited figures whose definitions cannot meet an own
        figure (see :func:`csanalysis.registry.compare_figures`).
    progress : callable, optional
        Called with a short message before each stage.
    engine : {"pandas", "dask"}, default "pandas"
        Where the analysis runs. ``"dask"`` runs it on a Dask cluster
        (``pip install csanalysis[dask]``; see :mod:`csanalysis.distributed`):
        one task per file read, the per-customer phase per partition of
        customers, and the estimators as parallel tasks. The figures are the
        same as with ``"pandas"``.
    scheduler : str or dask.distributed.Client, optional
        With ``engine="dask"``: the address of a running scheduler
        (``"tcp://10.0.0.5:8786"``) or a client; without one, a local cluster
        is started for this analysis and closed after it.
    partitions : int, optional
        With ``engine="dask"``: partitions of customers of the per-customer
        phase (default: two per worker, or one per
        :data:`~csanalysis.distributed.PARTITION_ROWS` input rows when that is
        more). The figures do not depend on it.
    keep_tables : bool, default True
        Keep the linked tables and the experiences in the result
        (``.linked``, ``.experiences``). ``False`` keeps the linking's key,
        reason and summary only, and nothing else changes (figures, results,
        load reports): with ``engine="dask"`` the tables then never come to
        this machine, and ``csanalysis report``, which shows none of them,
        runs this way.
    keep_rows : bool, default True
        Keep the results' rows per customer (or episode): the RFM segments'
        and the journeys' tables, the clusters' labels and features, the
        avoidance's episodes, the service-recovery test's rows, the service
        levels' answers and customers. ``False``
        gives each result without them
        (:meth:`~csanalysis.results.Result.without_rows`: those attributes
        are None) and nothing else changes (figures, summaries, JSON, text,
        plots); with ``engine="dask"`` the avoidance's episodes and the
        journeys' table are let go on the workers, so they never come to
        this machine. ``csanalysis report`` runs this way (the rows are
        about 590 bytes per customer: 2.9 GB at 5M customers).

    Returns
    -------
    Analysis
        ``results["guards"]`` holds the evidence of the data-quality guards
        (:class:`csanalysis.guards.GuardsResult`: outcome leakage, scores
        derived from the outcome, broken purchase histories, currencies);
        their flags are in the ``flags`` of the figures they affect.

    Raises
    ------
    CsanalysisError
        When nothing is given, or a file cannot be read (the message names it).

    Examples
    --------
    >>> import csanalysis as cs
    >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=100)
    >>> a.figures.query("id == 'csat_mean' and group == 'all'")[["estimate", "n"]].round(2).to_dict("records")
    [{'estimate': 3.86, 'n': 858.0}]
    >>> sorted(a.load_reports)
    ['activity', 'customers', 'survey', 'tickets']
    """
    say = progress or (lambda msg: None)
    if link_on not in ("auto", "customer_id", "email_key"):
        raise CsanalysisError(f"link_on must be 'auto', 'customer_id' or 'email_key', got {link_on!r}")
    if not 0 < confidence < 1:
        raise CsanalysisError(f"confidence must lie between 0 and 1 (e.g. 0.95), got {confidence!r}")
    if int(n_resamples) < 1:
        raise CsanalysisError(f"n_resamples must be a positive number of bootstrap resamples, got {n_resamples!r}")
    as_of_ts = parse_as_of(as_of, timezone)
    secret_source = key_source(secret)
    secret = secret if secret is not None else os.environ.get("CSANALYSIS_KEY") or None
    if engine == "dask":  # workers hash with the secret resolved here (they lack this environment and user file)
        secret = resolve_secret(secret)
    rule = rule or BadExperienceRule()
    timings: dict[str, float] = {}
    notes: list[str] = []

    def stage(name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:  # one stage, here, now
        say(f"{name} ...")
        value, note, seconds = call_stage(fn, *args, **kw)
        timings[name] = seconds
        if note is not None:
            notes.append(f"{name}: not computed ({note})")
        return value

    runner = None
    if engine == "dask":
        from .distributed import DaskRunner

        runner = DaskRunner(scheduler, partitions=partitions)
    elif engine != "pandas":
        raise CsanalysisError(f"engine must be 'pandas' or 'dask', got {engine!r}")
    elif scheduler is not None:
        raise CsanalysisError("scheduler= is the address of a Dask scheduler; it needs engine='dask'")
    try:
        return _analyse(tickets, survey, activity, customers, runner=runner, stage=stage, say=say, notes=notes,
                        timings=timings, as_of_ts=as_of_ts, window=window, rule=rule, link_on=link_on,
                        secret=secret, secret_source=secret_source, confidence=confidence,
                        n_resamples=n_resamples, seed=seed, timezone=timezone, questions=questions,
                        dayfirst=dayfirst, sheet=sheet, tz_abbreviations=tz_abbreviations, mapping=mapping,
                        currency=currency, scorecard_freq=scorecard_freq, cluster=cluster, override=override,
                        engine=engine, keep_tables=bool(keep_tables), keep_rows=bool(keep_rows))
    except Exception as exc:
        lost = runner.lost_worker(exc) if runner is not None else None
        if lost is not None:
            raise lost from exc
        raise
    finally:
        if runner is not None:
            runner.close()
            # the analysis's frames hold futures in reference cycles (its closures): collected now, their data
            # leaves the workers as the analysis returns (on a cluster that outlives it, not at some later
            # collection)
            gc.collect()


def call_stage(fn: Callable[..., Any], *args: Any, **kw: Any) -> tuple[Any, str | None, float]:
    """Run one stage of :func:`analyse`: ``(value, note, seconds)``; the same wherever it runs.

    A stage whose data lacks what it needs raises ``ValueError``: its value is
    ``None`` and ``note`` says why, and the analysis goes on. A package error
    naming a file (:class:`~csanalysis.errors.CsanalysisError` with a path)
    propagates.
    """
    t0 = time.perf_counter()
    try:
        return fn(*args, **kw), None, time.perf_counter() - t0
    except ValueError as exc:  # the data lacks what the stage needs: say so, go on
        if isinstance(exc, CsanalysisError) and getattr(exc, "path", None):
            raise
        return None, str(exc), time.perf_counter() - t0
    finally:  # what the stage freed goes back to the system before the next one allocates
        release_memory()


def _analyse(tickets, survey, activity, customers, *, runner, stage, say, notes, timings, as_of_ts, window, rule,
             link_on, secret, secret_source, confidence, n_resamples, seed, timezone, questions, dayfirst, sheet,
             tz_abbreviations, mapping, currency, scorecard_freq, cluster, override, engine,
             keep_tables=True, keep_rows=True) -> Analysis:
    """The body of :func:`analyse` once its options are checked; ``runner`` runs stages elsewhere (Dask)."""
    from . import segments as sg
    from .estimators import attributable_churn, avoidance, channel_use, service_metrics, snapshot_churn, word_of_mouth
    from .estimators.avoidance import avoidance_in_rounds, avoidance_part
    from .estimators.churn import (
        SNAPSHOT_COLUMNS,
        attributable_churn_combine,
        attributable_churn_part,
        snapshot_churn_combine,
        snapshot_churn_part,
    )
    from .estimators.power import power_table
    from .estimators.word_of_mouth import word_of_mouth_combine, word_of_mouth_part

    # With the Dask engine the tables stay on the workers (futures here): `here` runs a function of them where
    # they are and returns its small value, `run` runs a stage there; without it both run in this process.
    def here(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        if runner is None:
            return fn(*args, **kw)
        return runner.call(fn, *args, over_pieces=_OVER_PIECES.get(fn), **kw)

    def run(name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        if runner is None:
            return stage(name, fn, *args, **kw)
        say(f"{name} ...")
        [(value, note, seconds)] = runner.run_stages([(fn, args, kw)])
        timings[name] = seconds
        if note is not None:
            notes.append(f"{name}: not computed ({note})")
        return value

    t0 = time.perf_counter()
    ex = _exports_from(tickets, survey, activity, customers, questions=questions, timezone=timezone,
                       dayfirst=dayfirst, secret=secret, sheet=sheet, tz_abbreviations=tz_abbreviations, say=say,
                       mapping=mapping, runner=runner)
    timings["reading"] = time.perf_counter() - t0
    if not ex.tables():
        raise CsanalysisError("nothing to analyse: every input was empty")
    if runner is None:
        linked = link_customers(ex.tickets, ex.responses, ex.activity, ex.customers, link_on=link_on)
    else:  # each table linked where it is; only the keys travel
        linked = runner.link_customers({"tickets": ex.tickets, "responses": ex.responses, "activity": ex.activity,
                                        "customers": ex.customers}, link_on=link_on)
    ex.tickets = ex.responses = ex.activity = ex.customers = None  # the linked tables hold them now
    # (a bool from where the table is: on the Dask engine the table itself stays on the workers)
    tk = linked.tickets if here(_has, linked.tickets) else None
    rs = linked.responses if here(_has, linked.responses) else None
    unit = _sampling_unit(cluster, lambda: here(_has, tk, "account_id"))
    if runner is not None:  # customers sharing a sampling unit go to one partition (before any table is split)
        runner.group_customers(linked, unit)
    if as_of_ts is None and here(_has, linked.activity, "at"):
        as_of_ts = here(_latest, linked.activity, "at")

    exp = avoidance_parts = journey_parts = None
    if here(_has, linked.tickets, "created_at") or here(_has, linked.responses, "responded_at"):
        if runner is None:
            exp_tickets = nonempty(linked.tickets)
            exp = stage("experiences", experiences, exp_tickets, linked.responses, rule=rule)
        else:  # the per-customer phase, one task per partition of customers; stacked only to be returned
            exp = stage("experiences", runner.experiences, linked, rule=rule, stack=keep_tables)
    has_exp = bool(here(len, exp)) if exp is not None else runner is not None and runner.experience_rows > 0

    def on_experiences(fn: Callable[..., Any], *args: Any, at: int = 0) -> tuple[Callable[..., Any], tuple]:
        """A stage's function and arguments with the experiences at ``at``; on the Dask engine without stacked
        experiences, built from the whole tables in its task (a parted stage's run on the whole tables, for the
        pandas engine's note when a part lacks what the stage needs)."""
        if runner is None or exp is not None:
            return fn, (*args[:at], exp, *args[at:])
        return functools.partial(_experiences_then, fn, at=at), (linked.tickets, linked.responses, rule, *args)

    act = linked.activity if here(_has, linked.activity, "at") else None
    has_act = act is not None
    link_rows = None  # (the Dask engine's linking summary without the tables, taken before any table goes)
    early_links: dict[str, dict] = {}  # (its rows of the tables let go early)
    boot = {"n_resamples": n_resamples, "seed": seed, "confidence": confidence}
    res: dict[str, Any] = dict.fromkeys(RESULT_NAMES)
    # with the Dask engine, the stages computed per partition of customers: result name -> (futures of its parts'
    # values, the function combining them, its keywords); their job in `jobs` gives the note when a part fails
    parted: dict[str, tuple[list[Any], Callable[..., Any], dict]] = {}
    # the stages whose combining step asks the partitions in rounds: result name -> (the class of a partition's
    # state, the partitions' tables (futures), its keywords, the driver, its keywords), for DaskRunner.part_states
    # and drive_parts (the states are built when the stage's turn comes)
    driven: dict[str, tuple[Callable[..., Any], list[Any], dict, Callable[..., Any], dict]] = {}
    # independent stages: (result name, stage name, function, args, keywords), run in this order here or all at
    # once on the cluster; the stages that need another's result follow
    jobs: list[tuple[str, str, Callable[..., Any], tuple, dict]] = []

    def combined_or_driven(name: str, futures: list[Any], combine: Callable[..., Any], state: Callable[..., Any],
                           driver: Callable[..., Any], kw: dict) -> None:
        """A stage whose partitions' values (``futures``) are combined here with the rows kept (``combine``), or
        without them asked in rounds where they are (each value's ``state``, ``driver``): no row per customer
        comes here."""
        if keep_rows:
            parted[name] = (futures, combine, kw)
        else:
            driven[name] = (state, [(f,) for f in futures], {}, driver, kw)
    if has_exp and act is not None:
        jobs.append(("avoidance", "avoidance", *on_experiences(avoidance, act), {"window": window,
                                                                                 "as_of": as_of_ts, **boot}))
        if runner is not None:  # each partition's index episodes, asked in rounds where they are: the rows per
            # index episode and each partition's own drawn controls come here, no purchase does; the parts are
            # kept for no return after disrespect (its indexes are the avoidance's, the commented ones)
            avoidance_parts = runner.map_experience_parts(avoidance_part, act, _ORDER_COLUMNS, positions=True,
                                                          as_of=as_of_ts)
            driven["avoidance"] = (_avoidance_state, [(f,) for f in avoidance_parts], {}, avoidance_in_rounds,
                                   {"window": window, **boot})
        jobs.append(("attributable_churn", "attributable churn", *on_experiences(attributable_churn, act),
                     {"as_of": as_of_ts, **boot}))
        if runner is not None:  # per partition of customers: their experiences beside their purchases
            spans = [v for v, _, _ in runner.client.gather(runner.map_experience_parts(
                _experience_span_part, act, _ORDER_COLUMNS))]
            starts = [lo for lo, _ in spans if np.isfinite(lo)]
            since = min(starts) if starts else np.nan  # the first experience of them all
            parted["attributable_churn"] = (
                runner.map_experience_parts(attributable_churn_part, act, _ORDER_COLUMNS, as_of=as_of_ts,
                                            experiences_since=since),
                attributable_churn_combine, {"as_of": as_of_ts, "experiences_since": since, **boot})
    else:
        notes.append("avoidance and attributable churn need service experiences (tickets or survey answers) "
                     "and purchase activity")
    if here(_has, linked.responses, "csat"):
        jobs.append(("word_of_mouth", "word of mouth", word_of_mouth, (linked.responses,), boot))
        if runner is not None:  # per partition of the answers' own customers (the sampling unit)
            parted["word_of_mouth"] = (runner.map_parts(word_of_mouth_part, linked.responses, _ANSWER_COLUMNS,
                                                        n_resamples=n_resamples, seed=seed),
                                       word_of_mouth_combine, boot)
    else:
        notes.append("word of mouth needs survey responses with a satisfaction (CSAT) answer")
    if here(_has, linked.customers, "churned"):
        jobs.append(("snapshot_churn", "snapshot churn", snapshot_churn, (linked.customers,),
                     {"confidence": confidence}))
        if runner is not None:  # counts per partition of customers
            parted["snapshot_churn"] = (runner.map_parts(snapshot_churn_part, linked.customers,
                                                         ("customer", *SNAPSHOT_COLUMNS)),
                                        snapshot_churn_combine, {"confidence": confidence})
    # with Dask, one split of the tickets and the answers placed with them for every stage driven per partition
    tcolumns = None if runner is None or (tk is None and rs is None) else _ticket_part_columns(runner, tk, unit)
    tparts = None if tcolumns is None else runner.ticket_parts(linked, tcolumns)
    if tk is not None or rs is not None:
        jobs.append(("metrics", "service metrics", service_metrics, (tk, rs),
                     {"confidence": confidence, "cluster": unit}))
        if runner is not None:  # per partition of customers (and of the sampling units), asked in rounds
            driven["metrics"] = _metrics_by_parts(tparts, tk, rs, unit, None, confidence)
    if tk is not None:
        if here(_has, tk, "channel"):
            jobs.append(("metrics_by_channel", "service metrics by channel", service_metrics, (tk, rs),
                         {"by": "channel", "confidence": confidence, "cluster": unit}))
            if runner is not None:
                driven["metrics_by_channel"] = _metrics_by_parts(tparts, tk, rs, unit, "channel", confidence)
            jobs.append(("channels", "channel consistency", sg.channel_consistency, (tk, rs),
                         {"csat_from": "survey", "cluster": unit, **boot}))
            if runner is not None:  # per partition of tickets and their answers, in rounds
                driven["channels"] = _channels_by_parts(tparts, rs, unit, boot)
        sc_kw = {"freq": scorecard_freq, "as_of": as_of_ts, "seed": seed, "cluster": unit,
                 "n_resamples": n_resamples, "confidence": confidence}
        jobs.append(("scorecard", "scorecard", sg.scorecard, (tk, rs, act, linked.customers), sc_kw))
        if runner is not None:  # per partition of customers: tickets, the answers placed with them, orders
            driven["scorecard"] = _scorecard_by_parts(runner, tparts, rs, act, linked.customers, unit, sc_kw)
        jobs.append(("rankings", "rankings", _rankings, (tk, unit),
                     {"timezone": timezone, "confidence": confidence, "key": secret}))
        if runner is not None:  # per partition of customers (the ranked agents and months span them), in rounds
            driven["rankings"] = (_RankTickets, [(t,) for t, _ in tparts], {"unit": unit, "timezone": timezone},
                                  _rankings_from_parts, {"unit": unit, "confidence": confidence, "key": secret})
        lost = {"experiences": exp, "activity": act}
        if runner is not None and has_exp and act is not None and as_of_ts is not None:  # per partition
            lost = {"lost_parts": runner.map_experience_parts(_lost_part, act, _ORDER_COLUMNS, as_of=as_of_ts,
                                                              window=window)}
        jobs.append(("drivers", "key drivers", _drivers, (tk, rule, unit),
                     {"n_resamples": n_resamples, "seed": seed, "confidence": confidence, "responses": rs,
                      "as_of": as_of_ts, "window": window, **lost}))
        if runner is not None:  # each partition's tickets' rows (numbers and sampling units), beside its
            # no-purchase values, answering the key drivers' rounds where they are
            from .estimators.metrics import customer_column

            filled = runner.client.gather([runner.submit(_filled_customer_columns, t) for t, _ in tparts])
            lost_of = lost.get("lost_parts") or [None] * len(tparts)
            driven["drivers"] = (_driver_rows_part, [(t, r, lf) for (t, r), lf in zip(tparts, lost_of)],
                                 {"rule": rule, "unit": unit, "customer": customer_column(filled), "window": window},
                                 _drivers_from_parts, {"rule": rule, "window": window, **boot})
        jobs.append(("nonresponse", "survey non-response", _nonresponse, (tk, unit),
                     {"n_resamples": n_resamples, "seed": seed, "confidence": confidence}))
        if runner is not None:  # per partition of customers (and of the sampling units), asked in rounds
            from .estimators.nonresponse import NonresponsePart

            driven["nonresponse"] = (NonresponsePart, [(t,) for t, _ in tparts], {}, _nonresponse_from_parts,
                                     {"unit": unit, **boot})
        jobs.append(("channel_use", "channels and self-service", channel_use, (tk,),
                     {"cluster": unit, "n_resamples": n_resamples, "seed": seed, "confidence": confidence}))
        if runner is not None:  # per partition of customers (and of the sampling units), asked in rounds
            driven["channel_use"] = _channel_use_by_parts(tparts, unit, n_resamples, seed, confidence)
    # the activity's orders counted once (the analysis currency, the guards); on the Dask engine per partition
    # of customers, added up here, as the stages in `parted`
    orders = None
    if act is not None:
        if runner is None:
            orders = stage("analysis currency", order_counts, act)
        else:
            orders, note, timings["analysis currency"] = runner.combine_parts(
                runner.map_parts(order_counts, act, _ORDER_COLUMNS), combine_order_counts)
            if note is not None:
                notes.append(f"analysis currency: not computed ({note})")
            if not keep_tables and orders is not None and runner.releasable(act):  # the activity's pieces go
                # once its one split is made (every stage reads its partitions; its linking row is taken first)
                early_links["activity"] = runner.link_summary("activity", act, linked.link_on)
                runner.release(act)
    cur = analysis_currency(None, currency, orders=orders) if orders is not None else (
        None if act is not None else currency)
    if act is not None:
        most, n_currencies = most_common_currency(orders if orders is not None else order_counts(None))
        if cur is None and most is not None:
            cur = most
        if n_currencies > 1:
            notes.append(f"amounts come in {n_currencies} currencies; monetary segments and clusters use {cur} "
                         "(no conversion): customers who paid only in other currencies are left out of them, "
                         "other orders count for recency and frequency only")
        if runner is not None:  # its parts run beside the other stages; without the rows, asked in rounds where
            # they are (the scores' cut values, then customers and sums per segment: no row per customer here)
            combined_or_driven("rfm", runner.map_parts(sg.rfm_part, act, _ORDER_COLUMNS, as_of=as_of_ts, currency=cur),
                               sg.rfm_combine, _rfm_state, sg.rfm_from_parts, {"as_of": as_of_ts, "currency": cur})
        jobs.append(("rfm", "RFM segments", sg.rfm, (act,), {"as_of": as_of_ts, "currency": cur}))
        if has_exp and runner is None:
            jobs.append(("journeys", "experience journeys", sg.experience_journeys, (exp, act),
                         {"as_of": as_of_ts, "seed": seed}))
        elif has_exp:  # per partition of customers: their journeys, the matched reference dates drawn over all
            # of them (a task), each part finished where it is (the follow-up, the recovery test's rows), stacked
            built = runner.map_experience_parts(sg.journey_part, act, _ORDER_COLUMNS, as_of=as_of_ts)
            draws = runner.submit(_journey_draws, [runner.submit(_journey_references, f) for f in built], seed=seed)
            journey_parts = [runner.submit(_journey_finish, f, draws, i, seed=seed, rows=keep_rows)
                             for i, f in enumerate(built)]
            del built, draws
            # without the rows kept, the recovery test asks the parts where they are (after the stages): the
            # journeys' result is combined from the parts without its rows (at 5M customers about 4M rows)
            combined = journey_parts if keep_rows else [runner.submit(_without_recovery, f) for f in journey_parts]
            jobs.append(("journeys", "experience journeys", _journeys_of_parts, (combined,), {"seed": seed}))
            del combined
        jobs.append(("clusters", "clusters", *on_experiences(sg.cluster_customers, act, at=1),
                     {"currency": cur, "seed": seed}))
        if runner is not None:  # each partition's customer features; without the rows asked in rounds where they
            # are (k-means here on the sample's rows only), with them k-means on them all here
            feature_parts, combine, cluster_kw = _clusters_by_parts(runner, act, has_exp, currency=cur, seed=seed)
            combined_or_driven("clusters", feature_parts, combine, _cluster_state, sg.clusters_from_parts, cluster_kw)
            del feature_parts
    if rs is not None:
        jobs.append(("service_levels", "service levels", sg.service_levels, (rs, act), {"as_of": as_of_ts}))
        if runner is not None:  # per partition of customers: their answers beside their purchases
            parted["service_levels"] = _levels_by_parts(runner, rs, act, as_of_ts)
    from .estimators.verbatims import TICKET_COMMENT_COLUMNS, verbatims

    survey_comments = rs is not None and bool(here(_free_text_columns, rs))
    # the tickets' rating comment columns (asked once: the verbatims' split and the narrowed tickets keep them)
    ticket_comments = ([c for c in here(_free_text_columns, linked.tickets) if TICKET_COMMENT_COLUMNS.search(str(c))]
                       if linked.tickets is not None else [])
    if survey_comments or ticket_comments:
        bad_at_most = rule.csat_at_most if rule.csat_at_most is not None else 2
        jobs.append(("verbatims", "verbatims", verbatims, (rs,), {
            "confidence": confidence, "tickets": linked.tickets, "csat_bad_at_most": bad_at_most}))
        if runner is not None:  # per partition of customers: its tickets' comments and its answers', in rounds
            from .estimators.verbatims import (
                TICKET_COLUMNS_READ,
                VerbatimsPart,
                response_columns_read,
                verbatims_from_parts,
            )

            columns = {"tickets": (*TICKET_COLUMNS_READ, *ticket_comments)}
            if rs is not None:
                columns["responses"] = runner.call(response_columns_read, rs)
            vparts = runner.ticket_parts(linked, columns)
            driven["verbatims"] = (VerbatimsPart, [(t, r if rs is not None else None) for t, r in vparts], {},
                                   verbatims_from_parts, {"confidence": confidence, "csat_bad_at_most": bad_at_most})
    if runner is None:
        for name, label, fn, args, kw in jobs:
            res[name] = stage(label, fn, *args, **kw)
    else:
        if not keep_tables:  # the linking's summary of the whole tables, before any is let go or narrowed
            link_rows = [early_links[n] if n in early_links else runner.link_summary(n, f, linked.link_on)
                         for n, f in linked.tables().items()]
        if not keep_tables and act is not None and orders is not None:  # the whole activity goes before the
            # driven and whole-table stages: they read its partitions, and a stage's run on the whole tables (for
            # the pandas engine's note when a part lacks what it needs) its partitions stacked back (the columns
            # they hold, all that the stages read); at 1M customers it held 1.6 GB through the driven stages
            stacked = (_STACKED, runner.customer_parts(act, _ORDER_COLUMNS))
            jobs[:] = _swapped(jobs, act, stacked, wrap=lambda fn: functools.partial(_on_stacked, fn))
            linked.activity = act = None
        if not keep_tables and tk is not None:  # the whole tickets' columns no stage reads go too: a stage's
            # run on the whole tables (for the pandas engine's note) reads them narrowed to what the stages read
            # (at 300k customers the whole tickets were 367 MB in memory), piece by piece where they are in
            # pieces (stacked only if such a run happens); the reason drivers read a narrower lookup still
            from .estimators.verbatims import TICKET_COLUMNS_READ as VERBATIM_TICKET_COLUMNS
            from .experiences import COLUMNS_READ as EXPERIENCE_COLUMNS_READ

            read = (*tcolumns["tickets"], *EXPERIENCE_COLUMNS_READ["tickets"],
                    *VERBATIM_TICKET_COLUMNS, *ticket_comments)
            narrow = runner.each_piece(_narrowed, tk, tuple(dict.fromkeys(read)))  # (in pieces when it was)
            jobs[:] = _swapped(jobs, tk, narrow)
            linked.tickets = tk = narrow
        # the stages driven in rounds first, on a cluster not yet busy with the whole-table stages: their
        # partitions' states leave the workers before those start (at 1M customers, holding them through the
        # whole-table stages raised the peak by half)
        done = {}
        for name, label, fn, args, kw in jobs:
            if name in driven:  # one stage's partition states at a time, let go once it is driven
                say(f"{label}, in rounds of its partitions ...")  # (a run's trace says which stage it was in)
                build, parts, build_kw, driver, driver_kw = driven.pop(name)
                states = runner.part_states(build, parts, **build_kw)
                value, note, seconds = runner.drive_parts(states, driver, whole=(fn, args, kw), **driver_kw)
                del states, parts
                if not keep_rows and isinstance(value, Result):  # its rows go now, not after the stages that
                    value = value.without_rows()  # follow (the avoidance's episodes: 98 MB at 1M customers)
                done[name] = (value, note, seconds)
        tparts = None
        runner.drop_parts()  # every part's task is submitted: each part leaves its worker once its tasks ran
        say(f"{len(jobs)} stages on the cluster ...")
        parts_of = {"avoidance": avoidance_parts, "journeys": journey_parts}
        whole = iter(runner.run_stages([(fn if keep_rows or name not in _ROWS_ON_WORKERS
                                         else functools.partial(_without_rows, fn), args, kw)
                                        for name, _, fn, args, kw in jobs
                                        if name not in parted and name not in done]))
        for name, label, fn, args, kw in jobs:
            if name in done or name not in parted:
                value, note, seconds = done.pop(name) if name in done else next(whole)
                if parts_of.get(name):  # its parts' work too (each where it is)
                    seconds += float(sum(runner.client.gather([runner.client.submit(operator.itemgetter(2), f,
                                                                                    pure=False)
                                                               for f in parts_of[name]])))
            else:
                say(f"{label}, its partitions combined ...")
                parts, combine, with_kw = parted[name]
                value, note, seconds = runner.combine_parts(parts, combine, whole=(fn, args, kw), **with_kw)
            if not keep_rows and isinstance(value, Result):
                value = value.without_rows()  # (a combined result's rows go as soon as it is here)
            res[name], timings[label] = value, seconds
            if note is not None:
                notes.append(f"{label}: not computed ({note})")
        parts_of.clear()
        # every stage's value is here: the futures its run read (its jobs' arguments, its parts) go now, not
        # after the stages that follow (at 20k customers two thirds of what the workers held: the key drivers'
        # stacked rows, the clusters' and service levels' parts, the no-purchase values, the verbatims' split)
        lost = lost_of = vparts = parts = stacked = None
        jobs.clear()
        parted.clear()
    if res["scorecard"] is not None:
        res["power"] = stage("power", power_table, res["scorecard"])
    if res["journeys"] is not None:
        if runner is None or keep_rows:
            res["recovery"] = stage("service-recovery test", sg.service_recovery_test, res["journeys"])
        else:  # each journey part's rows where they are
            res["recovery"] = stage("service-recovery test", _recovery_by_parts, runner, journey_parts,
                                    res["journeys"])
    journey_parts = None
    if res["verbatims"] is not None and survey_comments and has_exp and has_act:
        from .estimators.avoidance import no_return_after_disrespect

        if runner is None:
            res["verbatims"].disrespect = run("no return after disrespect", no_return_after_disrespect, exp, act,
                                                rs, res["verbatims"], as_of=as_of_ts, **boot)
        else:  # from the avoidance's parts, each where it is
            res["verbatims"].disrespect = stage("no return after disrespect", _disrespect_by_parts, runner,
                                                avoidance_parts, rs, res["verbatims"], **boot)
    avoidance_parts = None
    # the reasons the survey comments give as drivers of the same answer's score
    if res["verbatims"] is not None and survey_comments:
        # on a worker, the answers narrowed to what it reads first (its rows as they are: the comments' positions),
        # so that its task holds them and not every column of the survey (at 5M customers, run 11, the task over
        # the whole survey lost its worker)
        read = _REASON_COLUMNS + ((unit,) if unit else ())
        answers = rs if runner is None else runner.each_piece(_narrowed, rs, read)
        # an answer's unit looked up in the tickets piece by piece, where they are: the first ticket of each id
        # the answers name and the rows per customer and unit of theirs (at 5M customers, run 12, a task over
        # the whole tickets' ids, customers and units lost its worker)
        look: dict[str, Any] = {}
        if tk is not None and unit not in (None, "customer"):
            if runner is None:  # the whole tickets, looked in within the stage
                look["tickets"] = tk
            else:
                keys = runner.submit(_lookup_keys, answers)  # (stacked once, for this and the stage's task)
                look["lookup"] = runner.combine_each(_unit_lookup_piece, _unit_lookup, tk, keys, unit)
                keys = None
        merged = run("reason drivers", _reason_drivers_looked_up, answers, res["verbatims"], rule, unit,
                     drivers=res["drivers"], **look, **boot)
        look.clear()
        answers = None
        res["drivers"] = res["drivers"] if merged is None else merged
    # guards against false findings (csanalysis.guards): evidence in results["guards"], flags on the figures they
    # affect; the buying propensity is the service-recovery test's disappointment gradient (one computation)
    rec = res.get("recovery")
    gradient = None if rec is None else rec.settings.get("disappointment_gradient")
    res["guards"] = run("guards", run_guards, linked.customers if here(_has, linked.customers, "churned") else None,
                        act if orders is None else None, currency=currency, gradient=gradient, orders=orders)
    jobs.clear()
    parted.clear()
    driven.clear()
    if runner is not None:
        runner.drop_parts()
    tk = rs = act = None  # the tables are linked's now (with Dask: futures whose tables go once let go)
    if not keep_rows:  # the results' rows per customer go (what the later stages read of them is computed)
        res = {k: v.without_rows() if isinstance(v, Result) else v for k, v in res.items()}
    if not keep_tables:  # the linking's summary only
        linked, exp = linked.without_tables(link_rows), None  # (the Dask engine's, taken before any table went)
    elif runner is not None:  # the linked tables and the experiences, here as the pandas engine returns them
        linked.tickets, linked.responses, linked.activity, linked.customers, exp = runner.gather(
            [linked.tickets, linked.responses, linked.activity, linked.customers, exp])

    t0 = time.perf_counter()
    figures = figure_table(res, rule_text=rule.describe(), load_reports=ex.reports, linked=linked,
                           sample=bool(getattr(ex, "sample", False)))
    comparisons = compare_figures(figures, override=override, confidence=confidence)
    timings["figures and comparisons"] = time.perf_counter() - t0
    options = {"as_of": None if as_of_ts is None else as_of_ts.isoformat(), "window": window,
               "rule": rule.describe(), "link_on": linked.link_on, "confidence": confidence,
               "n_resamples": int(n_resamples), "seed": seed, "timezone": timezone, "currency": cur,
               "scorecard_freq": scorecard_freq, "cluster": unit,
               "override": sorted(override) if isinstance(override, set)
               else bool(override), "secret": secret_source, "engine": engine}
    return Analysis(figures=figures, comparisons=comparisons, load_reports=ex.reports, linked=linked,
                    experiences=exp, results=res, as_of=as_of_ts, rule=rule, options=options, notes=notes,
                    timings=timings, sample=bool(getattr(ex, "sample", False)))
