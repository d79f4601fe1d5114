"""The report page: the figures drawn (:func:`make_figures`) and the one self-contained HTML page (:func:`render_html`).

The page shows rows of :attr:`Analysis.figures` and :attr:`Analysis.comparisons`
through the one formatter (:mod:`csanalysis.display`), each number tagged with
its figure id (``data-figure-id``); it computes no figure.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .._version import __version__
from ..analysis import Analysis
from ..display import figures_grid_html, figures_html, table_html
from .html import Section, render_page

__all__ = ["make_figures", "render_html"]


def _png(ax) -> bytes:
    import matplotlib.pyplot as plt

    fig = ax.figure if hasattr(ax, "figure") else ax
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def make_figures(analysis: Analysis, progress=None) -> dict[str, tuple[bytes, str]]:
    """name -> (PNG bytes, caption), drawn from the analysis (nothing recomputed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from ..plotting import house_style, plot_benchmarks

    say = progress or (lambda msg: None)
    say("drawing figures ...")
    figs: dict[str, tuple[bytes, str]] = {}
    notes = analysis.notes

    def add(name: str, caption: str, draw):
        with house_style():
            try:
                ax = draw()
            except ValueError as exc:
                notes.append(f"figure {name}: not drawn ({exc})")
                return
        if ax is not None:
            figs[name] = (_png(ax), caption)

    comp = analysis.comparisons
    shown = comp[~comp["verdict"].isin(["not supported"])]
    if (shown["unit"] == "share").any():
        add("benchmarks_shares", "Own figures (dot, 95% CI) against cited shares (diamond), coloured by provenance.",
            lambda: plot_benchmarks(comp, unit="share"))
    if (shown["unit"] == "people").any():
        add("benchmarks_counts", "People told: own estimate against the cited 9-15 (folklore).",
            lambda: plot_benchmarks(comp, unit="people"))
    r = analysis.results
    if r.get("avoidance") is not None:
        add("avoidance_curves", "Share still without a purchase after the index date (when the experience became known): bad "
            "and good experiences and weighted customers not contacted yet (Kaplan-Meier, 95% CI); the dashed line "
            "marks the window.", r["avoidance"].plot)
    if r.get("word_of_mouth") is not None:
        cited = comp.set_index("id").loc["wom_told_mean"] if "wom_told_mean" in set(comp["id"]) else None
        band = None
        if cited is not None and pd.notna(cited["cited_low"]) and pd.notna(cited["cited_high"]):
            band = (float(cited["cited_low"]), float(cited["cited_high"]))
        label = None if band is None else f"cited {band[0]:g}-{band[1]:g} [{cited['provenance']}]"
        add("word_of_mouth", "People told about the experience, dissatisfied and satisfied respondents"
            + ("" if band is None else f"; the band is the cited {band[0]:g}-{band[1]:g} ({cited['provenance']})")
            + ".", lambda: r["word_of_mouth"].plot(cited_band=band, cited_label=label))
    for name, key, caption in (
        ("channels", "channels", "Bad-rating share per channel with 95% CIs."),
        ("rfm", "rfm", "RFM segment shares with 95% CIs."),
        ("journeys", "journeys", "Repeat purchase after the last service event, per experience journey."),
        ("service_levels", "service_levels", "Service levels (fails ... amazes) and repeat purchase afterwards."),
        ("clusters", "clusters", "Clusters: standardised feature means."),
        ("scorecard", "scorecard", "Scorecard: the lead measure per period, significant changes marked."),
    ):
        if r.get(key) is not None:
            add(name, caption, r[key].plot)
    return figs


_VERDICT_CLS = lambda v: "v-" + v.replace(" ", "-")  # noqa: E731
_PROV_CLS = lambda v: "p-" + v.split()[0]  # noqa: E731
_FIELDS = ("estimate", "ci_low", "ci_high", "n")
_HEAD = {"estimate": "estimate", "ci_low": "95% CI low", "ci_high": "95% CI high", "observed": "yours",
         "cited": "cited"}


def _rows(f: pd.DataFrame, *, source: str | None = None, ids=None, group: str | None = None,
          group_prefix: str | None = None) -> pd.DataFrame:
    m = pd.Series(True, index=f.index)
    if source is not None:
        m &= f["source"] == source
    if ids is not None:
        m &= f["id"].isin(list(ids))
    if group is not None:
        m &= f["group"] == group
    if group_prefix is not None:
        m &= f["group"].str.startswith(group_prefix)
    return f[m]


def _fig_table(sec: Section, rows: pd.DataFrame, caption: str = "", *, label_columns=("label", "group"),
               extra=("method",)) -> None:
    if len(rows):
        sec.raw(figures_html(rows, caption, label_columns=label_columns, fields=_FIELDS, extra_columns=extra,
                             headers=_HEAD))


def render_html(analysis: Analysis, figs: dict[str, tuple[bytes, str]]) -> str:
    """The self-contained page. Every number is a row of the figure table, tagged with its id."""
    a = analysis
    f, comp, r = a.figures, a.comparisons, a.results
    secs: list[Section] = []

    def fig(sec: Section, name: str):
        if name in figs:
            sec.figure(*figs[name])

    head = Section("headline", "Headline: your figures against the cited ones")
    head.p("Each row is a figure the customer-service press cites, next to the same quantity measured in your data "
           "with its 95% confidence interval. 'above' or 'below' only when the whole interval lies above or below "
           "the cited value (or range); 'direction' says whether that is worse or better for you. Provenance says "
           "how far the cited figure could be traced: P1 primary and verified, P2 primary in part, S secondary "
           "only, U untraceable (folklore: shown, never a target).")
    supported = comp[comp["verdict"] != "not supported"]
    judged = comp[comp["verdict"].isin(["above", "below", "consistent"]) & comp["p_value"].notna()]
    if len(judged):
        head.p(f"{len(judged)} figures were tested against their cited values; at the 5% level about "
               f"{0.05 * len(judged):.1f} would differ by chance alone. {int(judged['fdr_significant'].sum())} "
               "differences survive a false-discovery rate of 5% (column 'FDR 5%').")
    badges = {"verdict": _VERDICT_CLS, "provenance": _PROV_CLS}
    for unit, caption in (("share", "Shares"), ("people", "People told")):
        rows = supported[supported["unit"] == unit]
        if len(rows):
            head.raw(figures_html(rows, caption, label_columns=("label", "id"),
                                  fields=("cited", "observed", "ci_low", "ci_high", "n", "p_value"),
                                  extra_columns=("verdict", "direction", "fdr_significant", "provenance"),
                                  badge_columns=badges, headers={**_HEAD, "fdr_significant": "FDR 5%"}))
    fig(head, "benchmarks_shares")
    fig(head, "benchmarks_counts")
    unsup = comp[comp["verdict"] == "not supported"][["label", "id", "provenance", "reason"]]
    if len(unsup):
        head.raw("<h3>Figures your data cannot support</h3>")
        head.raw(table_html(unsup.rename(columns={"reason": "what it would need"}), badge_columns={
            "provenance": _PROV_CLS}))
    head.raw("<h3>Definitions on both sides</h3>")
    head.raw(table_html(supported[["id", "definition"]]))
    secs.append(head)

    sec = Section("avoidance", "Avoidance after a bad experience")
    if r.get("avoidance") is not None:
        sec.p(f"Index: each customer's first bad experience ({a.rule.describe()}), at the time it became known "
              "(solved or answered). Baseline: customers who had bought before and were not contacted yet at the "
              "same calendar time, weighted to the same purchase history. Outcome: days to the next "
              f"purchase; customers without one are censored at {a.as_of.date()} (as_of). Kaplan-Meier estimates "
              f"of the share still without a purchase {a.options['window']:g} days later; the naive count, which "
              "treats short follow-up as avoidance, is shown only as a contrast.")
        fig(sec, "avoidance_curves")
        _fig_table(sec, _rows(f, source="avoidance"), label_columns=("label",))
    else:
        sec.p("Not computed: needs service experiences (tickets or survey answers) and purchase activity.")
    if r.get("attributable_churn") is not None:
        sec.raw("<h3>Service-attributable churn (the honest analogue of the '47%')</h3>")
        sec.p("No Microsoft edition has a 47%; Microsoft's own series asks whether people ever stopped doing "
              "business with any brand, a lifetime self-report that cannot be compared with one company's churn.")
        _fig_table(sec, _rows(f, source="attributable_churn"), label_columns=("label",))
    if r.get("snapshot_churn") is not None:
        sec.raw("<h3>Churn in the customer snapshot</h3>")
        _fig_table(sec, _rows(f, source="snapshot_churn"))
    secs.append(sec)

    sec = Section("word-of-mouth", "Word of mouth")
    if r.get("word_of_mouth") is not None:
        sec.p("How many people respondents told about the experience, from banded answers ('6-10', 'more than "
              "20'), estimated without assuming where in a band an answer lies (Turnbull's estimator): a lower "
              "bound on the mean from the bands' low ends, a central estimate under a stated assumption for the "
              "open top band and an upper sensitivity value; a verdict against a cited range only when the "
              "whole identified range misses it.")
        fig(sec, "word_of_mouth")
        rows = _rows(f, source="word_of_mouth")
        _fig_table(sec, rows[~rows["id"].str.contains("_bound")])
    else:
        sec.p("Not computed: needs survey answers with CSAT and people told / warned others.")
    secs.append(sec)

    sec = Section("metrics", "Service metrics")
    if r.get("metrics") is not None:
        _fig_table(sec, _rows(f, source="service_metrics", group="all"), "Overall", label_columns=("label",))
    if r.get("metrics_by_channel") is not None:
        cc = _rows(f, ids=["channel_consistency"])
        if len(cc):
            sec.p(f"Channel consistency: {cc.iloc[0]['method']}.")
            _fig_table(sec, cc, label_columns=("label",))
        fig(sec, "channels")
        by = _rows(f, source="service_metrics", group_prefix="channel=")
        _fig_table(sec, by[by["id"].isin(["tickets", "csat_mean", "bad_rating_share", "resolution_p50"])],
                   "By channel")
    secs.append(sec)

    sec = Section("segments", "Segments")
    for title, key, name, prefix in (("RFM", "rfm", "rfm", "segment="),
                                     ("Experience journeys", "journeys", "journeys", "journey="),
                                     ("Service levels", "service_levels", "service_levels", "level="),
                                     ("Clusters", "clusters", "clusters", "cluster=")):
        if r.get(key) is None:
            continue
        sec.raw(f"<h3>{title}</h3>")
        fig(sec, name)
        _fig_table(sec, _rows(f, source=key, group_prefix=prefix))
        if key == "journeys" and r.get("recovery") is not None:
            sec.raw("<h4>Service-recovery paradox: do recovered customers buy again more?</h4>")
            _fig_table(sec, _rows(f, source="recovery"), extra=("p_value", "method"))
    secs.append(sec)

    sec = Section("scorecard", "Scorecard")
    if r.get("scorecard") is not None:
        fig(sec, "scorecard")
        sc = _rows(f, source="scorecard")
        periods = sc["group"].drop_duplicates().tolist()[-4:]
        _fig_table(sec, sc[sc["group"].isin(periods)], "The last four periods (all in results.json)",
                   extra=("change", "p_value", "flags"))
    secs.append(sec)

    sec = Section("data-quality", "Data quality: what was read")
    res = a.to_dict()
    sec.raw(figures_grid_html(_rows(f, source="load_reports"), "Every row accounted for: read = loaded + rejected "
                              "+ merged + excluded", row_label="file",
                              headers={"rows_read": "read", "rows_loaded": "loaded", "rows_rejected": "rejected",
                                       "rows_merged": "merged", "rows_excluded": "excluded"}))
    for role, reps in a.load_reports.items():
        for rep in reps:
            items = [f"excluded {v}: {k}" for k, v in rep.excluded.items()]
            if len(rep.rejected):
                items += [f"rejected {v}: {k}" for k, v in rep.rejected["reason"].value_counts().items()]
            if rep.dropped_columns:
                items.append("personal columns dropped: " + ", ".join(rep.dropped_columns))
            items += rep.notes
            name = f"sample/{Path(rep.path).name}" if a.sample else Path(str(rep.path)).name
            sec.list(name, items)
    if a.linked is not None:
        sec.p(f"Tables linked on {a.linked.link_on}: {a.linked.reason}.")
        sec.raw(figures_grid_html(_rows(f, source="linking"), row_label="table"))
    if a.notes:
        sec.list("Notes", a.notes)
    secs.append(sec)

    src = "the bundled sample (invented customers)" if a.sample else "your exports"
    sub = (f"csanalysis {__version__} · data from {src} · as of {res['as_of']} · "
           f"figures are estimates with {a.options['confidence']:.0%} confidence intervals")
    return render_page("Customer-service report", sub, secs)
