"""``csanalysis report``: from export files to ``index.html``, ``results.json`` and ``figures/``.

The steps are plain functions so that scripts can reuse them:
:func:`compute` runs every analysis on loaded inputs and returns a
:class:`ReportData`; :func:`results_json` turns it into the stable JSON
contract (``schema_version`` 1); :func:`make_figures` draws the figures;
:func:`render_html` writes the self-contained page.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._results import frame_records, jsonable
from .._version import __version__
from ..errors import CsanalysisError
from ..estimators import service_metrics
from ..headline import BenchmarkResults, benchmark_results
from .. import segments as sg
from .html import Section, df_to_html, render_page
from ..io.batch import Exports as Inputs
from ..io.batch import read_exports
from .inputs import stderr_progress

__all__ = ["run_report", "compute", "ReportData", "results_json", "make_figures", "render_html", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
METRIC_NAMES = {"csat_mean": "csat", "csat_top2": "csat_top2", "nps": "nps", "ces_mean": "ces",
                "bad_rating_share": "bad_rating_share", "rating_response_rate": "rating_response_rate",
                "first_reply_p50": "first_reply_p50", "first_reply_p90": "first_reply_p90",
                "resolution_p50": "resolution_p50", "resolution_p90": "resolution_p90",
                "reopen_rate": "reopen_rate", "fcr": "fcr"}


@dataclass
class ReportData:
    """Everything the report shows."""

    inputs: Inputs
    bench: BenchmarkResults
    metrics: Any = None
    metrics_by_channel: Any = None
    channels: Any = None
    rfm: Any = None
    journeys: Any = None
    recovery: Any = None
    levels: Any = None
    clusters: Any = None
    scorecard: Any = None
    currency: str | None = None
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _parse_as_of(as_of: Any) -> pd.Timestamp | None:
    if as_of is None or as_of == "":
        return None
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError) as exc:
        raise CsanalysisError(f"--as-of {as_of!r} is not a date; expected YYYY-MM-DD") from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def compute(inputs: Inputs, *, link_key: str | None = None, as_of: Any = None, n_resamples: int = 1000,
            seed: int = 0, progress=None) -> ReportData:
    """Run every analysis the data supports. Steps the data cannot support are noted, not fatal."""
    say = progress or (lambda msg: None)
    timings: dict[str, float] = {}
    notes: list[str] = []

    def step(name: str, fn):
        say(f"{name} ...")
        t0 = time.perf_counter()
        try:
            return fn()
        except ValueError as exc:  # the data lacks what the step needs: say so in the report
            if isinstance(exc, CsanalysisError) and getattr(exc, "path", None):
                raise
            notes.append(f"{name}: not computed ({exc})")
            return None
        finally:
            timings[name] = time.perf_counter() - t0

    bench = step("benchmark table (linking, experiences, avoidance, word of mouth, churn)", lambda: benchmark_results(
        inputs.tickets, inputs.responses, inputs.activity, customers=inputs.customers, as_of=_parse_as_of(as_of),
        key=link_key or "auto", n_resamples=n_resamples, seed=seed))
    if bench is None:
        raise CsanalysisError("nothing to report: " + "; ".join(notes))
    data = ReportData(inputs, bench, notes=notes, timings=timings)
    ld = bench.linked
    if ld.tickets is not None or ld.responses is not None:
        data.metrics = step("service metrics", lambda: service_metrics(ld.tickets, ld.responses))
        if ld.tickets is not None:
            data.metrics_by_channel = step("service metrics by channel",
                                           lambda: service_metrics(ld.tickets, ld.responses, by="channel"))
            data.channels = step("channel consistency", lambda: sg.channel_consistency(
                ld.tickets, ld.responses, n_resamples=n_resamples, seed=seed))
    act = ld.activity
    if act is not None and len(act):
        cur = act["currency"].dropna()
        data.currency = str(cur.mode().iloc[0]) if len(cur) else None
        if cur.nunique() > 1:
            notes.append(f"amounts come in {cur.nunique()} currencies; monetary segments use the most common, "
                         f"{data.currency}, and count orders in other currencies for recency and frequency only")
        data.rfm = step("RFM segments", lambda: sg.rfm(act, as_of=bench.as_of, currency=data.currency))
        if bench.experiences is not None:
            data.journeys = step("experience journeys", lambda: sg.experience_journeys(
                bench.experiences, act, as_of=bench.as_of, seed=seed))
            if data.journeys is not None:
                data.recovery = step("service-recovery test", lambda: sg.service_recovery_test(data.journeys))
        data.clusters = step("clusters", lambda: sg.cluster_customers(
            act, bench.experiences, currency=data.currency, seed=seed))
    if ld.responses is not None and len(ld.responses):
        data.levels = step("service levels", lambda: sg.service_levels(ld.responses, act, as_of=bench.as_of))
    if ld.tickets is not None and len(ld.tickets):
        data.scorecard = step("scorecard", lambda: sg.scorecard(ld.tickets, ld.responses, act, ld.customers,
                                                                freq="Q", as_of=bench.as_of, seed=seed))
    return data


def _input_records(inputs: Inputs) -> dict[str, list[dict]]:
    out = {}
    for role, reps in inputs.reports.items():
        rows = []
        for r in reps:
            path = Path(r.path)
            shown = f"sample/{path.name}" if inputs.sample else str(r.path)
            rows.append({"path": shown, "format": r.source_format, "rows_read": r.rows_read,
                         "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected,
                         "rows_merged": r.rows_merged, "rows_excluded": r.rows_excluded,
                         "excluded": dict(r.excluded), "encoding": r.encoding, "delimiter": r.delimiter,
                         "date_order": r.date_order, "timezone": r.timezone, "notes": list(r.notes)})
        out[role] = rows
    return out


def _segment_records(result) -> list[dict]:
    if result is None:
        return []
    return frame_records(result.summary())


def results_json(data: ReportData) -> dict[str, Any]:
    """The stable ``results.json`` contract (schema_version 1); missing values are ``null``."""
    metrics: dict[str, Any] = {}
    if data.metrics is not None:
        for r in data.metrics.overall.itertuples():
            if r.metric in METRIC_NAMES:
                metrics[METRIC_NAMES[r.metric]] = {"value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high,
                                                   "n": r.n, "method": r.method}
    if data.channels is not None:
        f = data.channels.figure()
        metrics["channel_consistency"] = {k: f.get(k) for k in ("value", "ci_low", "ci_high", "n", "method")}
    bench = data.bench
    out = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"csanalysis {__version__}",
        "as_of": None if bench.as_of is None else bench.as_of.date().isoformat(),
        "inputs": _input_records(data.inputs),
        "linking": bench.linked.to_dict() if bench.linked is not None else None,
        "bad_experience_rule": bench.rule.describe() if bench.rule is not None else None,
        "benchmarks": frame_records(bench.table),
        "metrics": metrics,
        "segments": {
            "rfm": _segment_records(data.rfm),
            "journeys": _segment_records(data.journeys),
            "service_levels": _segment_records(data.levels),
            "clusters": _segment_records(data.clusters),
        },
        "scorecard": (data.scorecard.to_dict()["scorecard"] if data.scorecard is not None else []),
        "details": {
            "avoidance": None if bench.avoidance is None else bench.avoidance.to_dict(),
            "word_of_mouth": None if bench.word_of_mouth is None else frame_records(bench.word_of_mouth.summary()),
            "attributable_churn": (None if bench.attributable_churn is None
                                   else frame_records(bench.attributable_churn.summary())),
            "snapshot_churn": (None if bench.snapshot_churn is None
                               else frame_records(bench.snapshot_churn.summary())),
            "service_recovery": (None if data.recovery is None else frame_records(data.recovery.comparisons)),
            "metrics_by_channel": (None if data.metrics_by_channel is None
                                   else frame_records(data.metrics_by_channel.summary())),
        },
        "notes": list(bench.notes) + list(data.notes),
    }
    return jsonable(out)


def _png(ax) -> bytes:
    import matplotlib.pyplot as plt

    fig = ax.figure if hasattr(ax, "figure") else ax
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def make_figures(data: ReportData, progress=None) -> dict[str, tuple[bytes, str]]:
    """name -> (PNG bytes, caption)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from ..plotting import house_style, plot_benchmarks

    say = progress or (lambda msg: None)
    say("drawing figures ...")
    figs: dict[str, tuple[bytes, str]] = {}
    bench = data.bench

    def add(name: str, caption: str, draw):
        with house_style():
            try:
                ax = draw()
            except ValueError as exc:
                data.notes.append(f"figure {name}: not drawn ({exc})")
                return
        if ax is not None:
            figs[name] = (_png(ax), caption)

    add("benchmarks_shares", "Own figures (dot, 95% CI) against cited shares (diamond), coloured by provenance.",
        lambda: plot_benchmarks(bench.table, unit="share"))
    add("benchmarks_counts", "People told: own estimate against the cited 9-15 (folklore).",
        lambda: plot_benchmarks(bench.table, unit="count"))
    if bench.avoidance is not None:
        add("avoidance_curves", "Share still without a purchase after the index date: bad, good and matched "
            "no-contact customers (Kaplan-Meier, 95% CI); the dashed line marks the window.",
            lambda: bench.avoidance.plot())
    if bench.word_of_mouth is not None:
        add("word_of_mouth", "People told about the experience, dissatisfied and satisfied respondents; the band "
            "is the cited 9-15.", lambda: bench.word_of_mouth.plot())
    for name, obj, caption in (
        ("channels", data.channels, "Bad-rating share per channel with 95% CIs."),
        ("rfm", data.rfm, "RFM segment shares with 95% CIs."),
        ("journeys", data.journeys, "Repeat purchase after the last service event, per experience journey."),
        ("service_levels", data.levels, "Service levels (fails ... amazes) and repeat purchase afterwards."),
        ("clusters", data.clusters, "Clusters: standardised feature means."),
        ("scorecard", data.scorecard, "Scorecard: the lead measure per quarter, significant changes marked."),
    ):
        if obj is not None:
            add(name, caption, obj.plot)
    return figs


_VERDICT_CLS = lambda v: "v-" + v.replace(" ", "-")  # noqa: E731
_PROV_CLS = lambda v: "p-" + v.split()[0]  # noqa: E731


def render_html(data: ReportData, results: dict, figs: dict[str, tuple[bytes, str]]) -> str:
    """The self-contained page. Free-text answers, names and e-mails are never shown."""
    bench = data.bench
    secs: list[Section] = []

    def fig(sec: Section, name: str):
        if name in figs:
            sec.figure(*figs[name])

    t = bench.table.copy()
    shown = t[["id", "cited", "observed", "ci_low", "ci_high", "n", "p_value", "verdict", "provenance"]].copy()
    is_share = t["cited"].abs().le(1) | t["cited"].isna()
    head = Section("headline", "Headline: your figures against the cited ones")
    head.p("Each row is a figure the customer-service press cites. 'observed' is the same quantity measured in "
           "your data, with its 95% confidence interval. The verdict is 'below' or 'above' only when the whole "
           "interval lies below or above the cited value (or range). Provenance says how far the cited figure "
           "could be traced: P1 primary and verified, P2 primary in part, S secondary only, U untraceable "
           "(folklore: shown, never a target).")
    supported = shown[t["verdict"] != "not supported"]
    head.raw(df_to_html(supported[is_share[supported.index]], "Shares (shown as %)",
                        pct_columns=("cited", "observed", "ci_low", "ci_high"),
                        badge_columns={"verdict": _VERDICT_CLS, "provenance": _PROV_CLS}))
    head.raw(df_to_html(supported[~is_share[supported.index]], "Counts (people)",
                        badge_columns={"verdict": _VERDICT_CLS, "provenance": _PROV_CLS}))
    fig(head, "benchmarks_shares")
    fig(head, "benchmarks_counts")
    unsup = t[t["verdict"] == "not supported"][["id", "cited", "provenance", "definition"]].copy()
    unsup["definition"] = unsup["definition"].str.extract(r"not computed: ([^|]*)", expand=False).str.strip()
    unsup = unsup.rename(columns={"definition": "what it would need"})
    head.raw("<h3>Figures your data cannot support</h3>")
    head.raw(df_to_html(unsup, badge_columns={"provenance": _PROV_CLS}))
    head.raw("<h3>Definitions on both sides</h3>")
    head.raw(df_to_html(t[t["verdict"] != "not supported"][["id", "definition"]]))
    secs.append(head)

    av = bench.avoidance
    sec = Section("avoidance", "Avoidance after a bad experience")
    if av is not None:
        sec.p(f"Index: each customer's first bad experience ({bench.rule.describe()}). Outcome: days to the next "
              f"purchase; customers without one are censored at {bench.as_of.date()} (as_of). Kaplan-Meier "
              f"estimates of the share still without a purchase {av.window:g} days later; the naive count, which "
              "treats short follow-up as avoidance, is shown only as a contrast.")
        fig(sec, "avoidance_curves")
        sec.table(av.summary()[["figure", "group", "estimate", "ci_low", "ci_high", "n", "n_followed_window",
                                "method"]], pct_columns=("estimate", "ci_low", "ci_high"))
        if bench.attributable_churn is not None:
            sec.raw("<h3>Service-attributable churn (the honest analogue of the '47%')</h3>")
            sec.p("No Microsoft edition has a 47%; Microsoft's own series asks whether people ever stopped doing "
                  "business with any brand, a lifetime self-report that cannot be compared with one company's churn.")
            sec.table(bench.attributable_churn.summary().drop(columns=["method"]),
                      pct_columns=("estimate", "ci_low", "ci_high"))
    else:
        sec.p("Not computed: needs service experiences (tickets or survey answers) and purchase activity.")
    if bench.snapshot_churn is not None:
        sec.raw("<h3>Churn in the customer snapshot</h3>")
        sec.table(bench.snapshot_churn.summary().drop(columns=["method"]), pct_columns=("estimate", "ci_low", "ci_high"))
    secs.append(sec)

    wom = bench.word_of_mouth
    sec = Section("word-of-mouth", "Word of mouth")
    if wom is not None:
        sec.p("How many people respondents told about the experience, from interval answers ('6-10', 'more than "
              "20'): the midpoint estimate, with a lower bound from the interval low ends.")
        fig(sec, "word_of_mouth")
        ws = wom.summary()
        sec.table(ws[~ws["id"].str.contains("_bound")][["id", "group", "estimate", "ci_low", "ci_high", "n"]])
    else:
        sec.p("Not computed: needs survey answers with CSAT and people told / warned others.")
    secs.append(sec)

    sec = Section("metrics", "Service metrics")
    if data.metrics is not None:
        sec.table(data.metrics.overall[["metric", "value", "ci_low", "ci_high", "n", "method"]], "Overall")
    if data.channels is not None:
        f = data.channels.figure()
        sec.p(f"Channel consistency ({f['method']}).")
        fig(sec, "channels")
        sec.table(data.channels.summary())
    secs.append(sec)

    sec = Section("segments", "Segments")
    for title, obj, name in (("RFM", data.rfm, "rfm"), ("Experience journeys", data.journeys, "journeys"),
                             ("Service levels", data.levels, "service_levels"), ("Clusters", data.clusters, "clusters")):
        if obj is None:
            continue
        sec.raw(f"<h3>{title}</h3>")
        fig(sec, name)
        sec.table(obj.summary())
        if name == "journeys" and data.recovery is not None:
            sec.raw("<h4>Service-recovery paradox: do recovered customers buy again more?</h4>")
            sec.table(data.recovery.comparisons)
    secs.append(sec)

    sec = Section("scorecard", "Scorecard")
    if data.scorecard is not None:
        fig(sec, "scorecard")
        sc = data.scorecard.summary()
        keep = [c for c in ("period", "measure", "value", "n", "change", "good_direction", "significant", "p_value",
                            "test") if c in sc.columns]
        periods = sc["period"].astype(str).unique()[-4:]
        sec.table(sc[sc["period"].astype(str).isin(periods)][keep], "The last four quarters (all in results.json)")
    secs.append(sec)

    sec = Section("data-quality", "Data quality: what was read")
    rows = []
    for role, recs in results["inputs"].items():
        for r in recs:
            rows.append({"role": role, "file": r["path"], "format": r["format"], "read": r["rows_read"],
                         "loaded": r["rows_loaded"], "rejected": r["rows_rejected"], "merged": r["rows_merged"],
                         "excluded": r["rows_excluded"], "encoding": r["encoding"] or "", "dates": r["date_order"] or ""})
    sec.table(pd.DataFrame(rows), "Every row accounted for: read = loaded + rejected + merged + excluded")
    for role, reps in data.inputs.reports.items():
        for rep in reps:
            items = [f"excluded {v}: {k}" for k, v in rep.excluded.items()]
            if len(rep.rejected):
                items += [f"rejected {v}: {k}" for k, v in rep.rejected["reason"].value_counts().items()]
            if rep.dropped_columns:
                items.append("personal columns dropped: " + ", ".join(rep.dropped_columns))
            items += rep.notes
            name = f"sample/{Path(rep.path).name}" if data.inputs.sample else rep.path
            sec.raw(f"<h4>{name}</h4><ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>")
    if bench.linked is not None:
        sec.p(f"Tables linked on {bench.linked.key}: {bench.linked.reason}.")
        sec.table(bench.linked.summary())
    if results["notes"]:
        sec.raw("<h3>Notes</h3><ul>" + "".join(f"<li>{_esc(n)}</li>" for n in results["notes"]) + "</ul>")
    secs.append(sec)

    src = "the bundled sample (invented customers)" if data.inputs.sample else "your exports"
    sub = (f"csanalysis {__version__} · data from {src} · as of {results['as_of']} · "
           "figures are estimates with 95% confidence intervals")
    return render_page("Customer-service report", sub, secs)


def _esc(s: str) -> str:
    import html

    return html.escape(str(s))


def run_report(*, tickets=(), survey=(), activity=(), customers=(), questions=None, link_key=None, timezone=None,
               dayfirst=None, as_of=None, out: Path = Path("report"), quiet: bool = False, n_resamples: int = 1000,
               seed: int = 0) -> Path:
    """Load the inputs, compute, and write ``out/index.html``, ``out/results.json`` and ``out/figures/``.

    Returns the path of ``index.html``.
    """
    say = stderr_progress(quiet)
    t0 = time.perf_counter()
    _parse_as_of(as_of)  # fail early on a bad date
    inputs = read_exports(tickets=tickets, survey=survey, activity=activity, customers=customers,
                          questions=questions, timezone=timezone, dayfirst=dayfirst, progress=say)
    data = compute(inputs, link_key=link_key, as_of=as_of, n_resamples=n_resamples, seed=seed, progress=say)
    figs = make_figures(data, progress=say)
    results = results_json(data)
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name, (png, _) in figs.items():
        (out / "figures" / f"{name}.png").write_bytes(png)
    (out / "results.json").write_text(json.dumps(results, indent=2, allow_nan=False), encoding="utf-8")
    page = render_html(data, results, figs)
    (out / "index.html").write_text(page, encoding="utf-8")
    say(f"wrote {out / 'index.html'}, {out / 'results.json'} and {len(figs)} figures in "
        f"{time.perf_counter() - t0:.1f} s")
    return out / "index.html"
