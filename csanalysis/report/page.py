"""The report page: the figures drawn (:func:`make_figures`) and the one self-contained HTML page (:func:`render_html`).

The page shows rows of :attr:`Analysis.figures` and :attr:`Analysis.comparisons`
through the one formatter (:mod:`csanalysis.display`), each number tagged with
its figure id (``data-figure-id``); it computes no figure.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pandas as pd

from .._version import __version__
from ..analysis import Analysis
from ..display import (MISSING, figure_cell, figures_grid_html, figures_html, flags_html, format_value, is_empty,
                       table_html, unit_text)
from ..flags import DATA_QUALITY, flag_reason
from ..estimators.verbatims import QUOTE_MIN_COMMENTS
from .html import Section, render_page

__all__ = ["make_figures", "render_html", "against_cited"]


FORMATS = ("png", "svg")


def _image(ax, fmt: str = "png") -> bytes:
    import matplotlib.pyplot as plt

    fig = ax.figure if hasattr(ax, "figure") else ax
    buf = io.BytesIO()
    if fmt == "svg":
        with plt.rc_context({"svg.hashsalt": "csanalysis", "svg.fonttype": "path"}):
            fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    else:
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def make_figures(analysis: Analysis, progress=None, fmt: str = "png") -> dict[str, tuple[bytes, str]]:
    """The report's figures, drawn from the analysis' result objects (nothing recomputed).

    Parameters
    ----------
    analysis : Analysis
    progress : callable, optional
        Called with a short message.
    fmt : {"png", "svg"}
        The image format of the bytes returned (the names are the same).

    Returns
    -------
    dict
        name -> (image bytes, caption). A figure that cannot be drawn is
        left out and named in ``analysis.notes``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
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
            figs[name] = (_image(ax, fmt), caption)

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
    if r.get("drivers") is not None:
        add("drivers", "Importance of each operational fact for a bad rating (relative weights, 95% customer-bootstrap "
            "intervals; grey: not above an added random driver).", lambda: r["drivers"].plot(outcome="bad"))
    if r.get("rankings") is not None:
        kinds = r["rankings"].summary()["unit_type"].astype(str)
        kind = "agent" if (kinds == "agent").any() else (kinds.iloc[0] if len(kinds) else "agent")
        add("rankings", f"Bad-rating share per {kind}, shrunken, with 95% intervals; red worse and green better than "
            "the rest after a false-discovery-rate adjustment; dashed: the overall mean.",
            lambda: r["rankings"].plot(unit_type=kind))
    if r.get("channel_use") is not None:
        add("channel_mix", "Share of customer-initiated tickets per channel, period by period, with 95% bands "
            "(customers as the sampling unit).", r["channel_use"].plot)
    if r.get("nonresponse") is not None:
        add("nonresponse", "Ratings as given (grey) and weighted for which tickets get rated (blue), 95% intervals.",
            r["nonresponse"].plot)
    return figs


_PROV_CLS = lambda v: "p-" + v.split()[0]  # noqa: E731
_FIELDS = ("estimate", "ci_low", "ci_high", "n")
_HEAD = {"estimate": "value", "observed": "yours", "ci_low": "95% CI low", "ci_high": "95% CI high",
         "cited": "cited", "segment": "segment", "against": "against the cited figure", "p_value": "p-value",
         "label": "figure", "method": "method"}
_AGAINST = {"consistent": "consistent with cited", "not comparable": "not comparable", "too few": "too few to judge",
            "too uncertain": "too uncertain to judge", "not supported": "not supported"}
_LONG = 15  # tables longer than this are folded


def against_cited(verdict: str, direction: str | None) -> str:
    """A registry verdict in the reader's words: ``worse than cited``, ``better than cited``, ...

    Examples
    --------
    >>> against_cited("above", "worse"), against_cited("below", ""), against_cited("too few", "")
    ('worse than cited', 'lower than cited', 'too few to judge')
    """
    if verdict in ("above", "below"):
        if direction in ("worse", "better"):
            return f"{direction} than cited"
        return "higher than cited" if verdict == "above" else "lower than cited"
    return _AGAINST.get(verdict, str(verdict))


def _against_cls(text: str) -> str:
    words = text.split()
    key = "-".join(words[:2]) if words[:1] in (["not"], ["too"]) else words[0]
    return "v-" + key


def _segment(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a ``segment`` column: the group without its ``kind=`` prefix (display only)."""
    out = rows.copy()
    # "kind=value", or several "kind=value" parts joined by "; " (outcome=bad; driver=reopens -> bad · reopens)
    out["segment"] = out["group"].astype(str).map(
        lambda g: " · ".join(part.split("=", 1)[-1] for part in g.split("; ")))
    return out


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


def _fig_table(sec: Section, rows: pd.DataFrame, caption: str = "", *, by_segment: bool = True,
               extra=(), fields=_FIELDS) -> None:
    """Figure rows with labels, units, caveats; definition and method one click away; empty rows left out."""
    if not len(rows):
        return
    labels = ("label", "segment") if by_segment and (rows["group"] != "all").any() else ("label",)
    sec.raw(figures_html(_segment(rows), caption, label_columns=labels, fields=fields, extra_columns=extra,
                         headers=_HEAD, details=("definition", "method"), unit_column=True, flags_column=True,
                         hide_empty=True, collapse_after=_LONG))


class _Says:
    """One summary sentence: escaped text and tagged numbers, as inline cells of one table row."""

    def __init__(self, cls: str = "") -> None:
        self.cells: list[str] = []
        self.cls = cls

    def text(self, t: str) -> "_Says":
        self.cells.append(f"<td>{html.escape(t)}</td>")
        return self

    def strong(self, t: str) -> "_Says":
        self.cells.append(f"<td><b>{html.escape(t)}</b></td>")
        return self

    def num(self, value, unit, fid: str, group: str, field: str = "estimate") -> "_Says":
        self.cells.append(figure_cell(value, unit, fid, group, field))
        return self

    def figure(self, r: dict, fid: str, group: str, est: str = "estimate") -> "_Says":
        """The number, its interval and n of one figure-table row."""
        unit = r["unit"]
        self.num(r[est], unit, fid, group)
        if unit_text(unit):
            self.text(" " + unit_text(unit))
        if pd.notna(r.get("ci_low")) and pd.notna(r.get("ci_high")):
            self.text(" (95% interval ").num(r["ci_low"], unit, fid, group, "ci_low").text(" to ")
            self.num(r["ci_high"], unit, fid, group, "ci_high").text(", n = ").num(r["n"], unit, fid, group, "n")
            self.text(")")
        elif pd.notna(r.get("n")):
            self.text(" (n = ").num(r["n"], unit, fid, group, "n").text(")")
        return self

    def html(self) -> str:
        cls = f" class='{self.cls}'" if self.cls else ""
        return f"<tr{cls}>" + "".join(self.cells) + "</tr>"


def _unit_after(unit: str) -> str:
    u = unit_text(unit)
    return f" {u}" if u else ""


def _latest_periods(sc: pd.DataFrame) -> tuple[str | None, str | None]:
    """The latest complete scorecard period (no row flagged ``incomplete_period``) and the one before it."""
    periods = list(dict.fromkeys(sc["group"]))
    incomplete = set(sc.loc[sc["flags"].map(lambda fl: "incomplete_period" in list(fl or [])), "group"])
    complete = [p for p in periods if p not in incomplete and sc.loc[sc["group"] == p, "estimate"].notna().any()]
    if not complete:
        return None, None
    last = complete[-1]
    i = periods.index(last)
    return last, (periods[i - 1] if i > 0 else None)


def _summary(a: Analysis) -> Section:
    """The plain-language summary: three to six sentences, each number tagged, the strongest caveat last."""
    f, comp, r = a.figures, a.comparisons, a.results
    sec = Section("summary", "Summary")
    says: list[_Says] = []
    # folklore (provenance U) is shown in the tables, never summarised as a target
    traced = comp[comp["provenance_level"] != "U"]
    judged = traced[traced["verdict"].isin(["above", "below"]) & traced["observed"].notna()].copy()
    judged["_o"] = judged["direction"].map({"worse": 0, "better": 1}).fillna(2)
    judged["_p"] = judged["provenance_level"].map({"P1": 0, "P2": 1, "S": 2}).fillna(3)
    judged = judged.sort_values(["_o", "_p"], kind="stable")
    first = pd.concat([judged[judged["_o"] == 0].head(2), judged[judged["_o"] == 1].head(1)])
    picked = pd.concat([first, judged.drop(first.index)]).head(3)
    if len(picked) < 2:
        cons = traced[(traced["verdict"] == "consistent") & traced["observed"].notna()]
        picked = pd.concat([picked, cons.head(2 - len(picked))])
    used = []
    for c in picked.to_dict("records"):
        cited = (format_value(c["cited_low"], c["unit"]) + " to " + format_value(c["cited_high"], c["unit"])
                 if pd.notna(c.get("cited_low")) and pd.notna(c.get("cited_high")) else format_value(c["cited"],
                                                                                                     c["unit"]))
        s = _Says().text(f"{c['label']}: ").figure(c, c["own_id"], c["own_group"], est="observed")
        verdict = against_cited(c["verdict"], c["direction"])
        word = verdict.replace(" cited", " the cited") if verdict.endswith("cited") else verdict
        prov = str(c["provenance"]).replace(" (", ": ").rstrip(")")
        s.text(" in your data, ").strong(f"{word} {cited}{_unit_after(c['unit'])}")
        s.text(f" (source {prov}).")
        says.append(s)
        used.append(c)
    if not says:  # nothing to compare with: the overall service figures
        for fid in ("csat_mean", "bad_rating_share", "first_reply_p50", "resolution_p50"):
            rows = _rows(f, ids=[fid], group="all")
            if len(rows) and pd.notna(rows.iloc[0]["estimate"]) and len(says) < 3:
                row = rows.iloc[0].to_dict()
                s = _Says().text(f"{row['label']}: ").figure(row, fid, "all")
                says.append(s.text("; no cited figure can be compared with it."))
    sc = _rows(f, source="scorecard")
    if len(sc) and r.get("scorecard") is not None:
        last, prev = _latest_periods(sc)
        if last and prev:
            cur = sc[(sc["group"] == last) & sc["estimate"].notna()]
            alpha = float(getattr(r["scorecard"], "alpha", 0.05))
            sig = cur[cur["p_value"] < alpha]
            lp, pp = last.split("=", 1)[-1], prev.split("=", 1)[-1]
            if len(sig):
                row = sig.iloc[0].to_dict()
                good = _improved(r["scorecard"], lp, row["id"])
                how = "better" if good is True else "worse" if good is False else "different"
                s = _Says().text(f"Scorecard, {lp} against {pp}: {row['label']} changed significantly, to ")
                s.figure(row, row["id"], last).text(f", {how} than in {pp}")
                s.text(f"; {len(sig) - 1} other measure(s) also changed (p-value below {alpha:.0%})."
                       if len(sig) > 1 else f" (p-value below {alpha:.0%}).")
                says.append(s)
            elif len(cur):
                row = cur.iloc[0].to_dict()
                s = _Says().text(f"Scorecard, {lp} against {pp}: no measure changed significantly (p-value below "
                                 f"{alpha:.0%}); {row['label']} was ").figure(row, row["id"], last)
                says.append(s.text("."))
    caveat = _caveat(a, used)
    if caveat:
        says.append(_Says("caveat").text("Strongest caveat: " + caveat))
    if says:
        sec.raw("<table class='says' role='presentation'><tbody>" + "".join(s.html() for s in says[:6])
                + "</tbody></table>")
    else:
        sec.p("Nothing to summarise: the data gave no figure that can be shown.")
    sec.p("Every number here is a row of the tables below, where its definition, method and caveats are one "
          "click away; 95% intervals throughout.", "muted")
    return sec


def _improved(card, period: str, measure: str):
    t = card.table
    m = t[(t["period"].astype(str) == period) & (t["measure"] == measure)]
    if not len(m) or pd.isna(m.iloc[0]["improved"]):
        return None
    return bool(m.iloc[0]["improved"])


_COMPARABILITY = {
    "conditional": "the cited share was measured only among people whose buying was affected at all, so it is "
                   "conditional; your figure counts every customer with a bad experience",
}


_SEVERE = ("broken_histories", "outcome_leakage", "derived_from_outcome")  # a finding cannot stand on these
_PART = {"rfm": "RFM segments", "clusters": "clusters", "journeys": "experience journeys", "avoidance": "avoidance",
         "snapshot_churn": "churn in the customer snapshot", "attributable_churn": "service-attributable churn",
         "service_levels": "service levels", "recovery": "service recovery", "scorecard": "the scorecard"}


def _data_quality(f: pd.DataFrame, codes) -> str:
    """The first data-quality flag of ``codes`` found in the figure table, with the parts of the page it touches."""
    for code in codes:
        hit = f[f["flags"].map(lambda fl: code in list(fl or []))]
        if len(hit):
            parts = ", ".join(dict.fromkeys(_PART.get(s, str(lab)) for s, lab in zip(hit["source"], hit["label"])))
            return f"data-quality warning ({parts}): {flag_reason(code)}."
    return ""


def _caveat(a: Analysis, used: list[dict]) -> str:
    """The strongest caveat, in plain words: a data-quality flag, a flag on a summarised figure, a definition gap."""
    f, comp = a.figures, a.comparisons
    severe = _data_quality(f, [c for c in _SEVERE if c in DATA_QUALITY])
    if severe:
        return severe
    for c in used:
        codes = [x for x in (c["flags"] or []) if x != "folklore"]
        if codes:
            return f"'{c['label']}': {flag_reason(codes[0])}."
    for c in used:
        if c.get("comparability") in _COMPARABILITY:
            return f"'{c['label']}': {_COMPARABILITY[c['comparability']]}."
    other = _data_quality(f, sorted(DATA_QUALITY))
    if other:
        return other
    nc = comp[comp["verdict"] == "not comparable"]
    if len(nc):
        c = nc.iloc[-1]
        return f"'{c['label']}' cannot be compared with your data: {c['reason']}."
    return ("the cited figures describe other companies' customers, surveyed; a difference says your customers "
            "differ, not why.")


def _scorecard(sec: Section, a: Analysis) -> None:
    """The compact scorecard: the latest complete period against the previous one, one line per measure."""
    f, card = a.figures, a.results.get("scorecard")
    sc = _rows(f, source="scorecard")
    last, prev = _latest_periods(sc)
    if card is None or last is None:
        sec.p("No complete period to show.")
        return
    alpha = float(getattr(card, "alpha", 0.05))
    lp = last.split("=", 1)[-1]
    pp = prev.split("=", 1)[-1] if prev else None
    sec.p(f"The latest complete period, {lp}, against the one before{f', {pp}' if pp else ''}. A change is called "
          f"significant when its test (named one click away under the measure) gives a p-value below {alpha:.0%}, "
          "and 'within noise' otherwise; the smallest detectable change is the change this period's volume would "
          "show 80% of the time at that level (a smaller one, real or not, mostly reads as noise); "
          f"with {sc.loc[sc['group'] == last, 'id'].nunique()} measures, one may pass that by chance alone. "
          "Later, incomplete periods are drawn in the chart and kept in results.json, not judged here.")
    cur = sc[sc["group"] == last].set_index("id")
    before = sc[sc["group"] == prev].set_index("id") if prev else pd.DataFrame()
    mde = _rows(f, source="power", group=last).set_index("id")
    head = ["measure", "unit", pp or "previous", lp, "95% CI low", "95% CI high", "n", "change",
            "smallest detectable change", "p-value", "verdict", "caveats"]
    body, empty = [], []
    for fid, row in cur.iterrows():
        b = before.loc[fid] if fid in before.index else None
        if pd.isna(row["estimate"]) and (b is None or pd.isna(b["estimate"])):
            empty.append(str(row["label"]))
            continue
        unit = row["unit"]
        if pd.notna(row["p_value"]) and row["p_value"] < alpha:
            good = _improved(card, lp, fid)
            verdict = "significantly better" if good is True else "significantly worse" if good is False else \
                "significant change"
        elif pd.isna(row["p_value"]):
            verdict = "not tested"
        else:
            verdict = "within noise"
        cls = {"significantly better": "v-better", "significantly worse": "v-worse"}.get(verdict, "v-none")
        label = _label_details(row["label"], row.get("definition"), row.get("method"))
        cells = [label, f"<td class='text'>{html.escape(unit_text(unit))}</td>",
                 figure_cell(b["estimate"], unit, fid, prev) if b is not None else f"<td>{MISSING}</td>",
                 figure_cell(row["estimate"], unit, fid, last),
                 figure_cell(row["ci_low"], unit, fid, last, "ci_low"),
                 figure_cell(row["ci_high"], unit, fid, last, "ci_high"),
                 figure_cell(row["n"], unit, fid, last, "n"),
                 f"<td>{html.escape(format_value(row['change'], unit, field='change'))}</td>",
                 (figure_cell(mde.at[f"mde_{fid}", "estimate"], unit, f"mde_{fid}", last)
                  if f"mde_{fid}" in mde.index else f"<td>{MISSING}</td>"),
                 f"<td>{html.escape(format_value(row['p_value'], None, field='p_value'))}</td>",
                 f"<td class='text'><span class='badge {cls}'>{html.escape(verdict)}</span></td>",
                 f"<td class='text caveat'>{flags_html(row['flags'])}</td>"]
        body.append("<tr>" + "".join(cells) + "</tr>")
    ths = "".join(f"<th class='{'text' if h in ('measure', 'unit', 'verdict', 'caveats') else ''}'>"
                  f"{html.escape(h)}</th>" for h in head)
    sec.raw(f"<table><caption>Scorecard: {html.escape(lp)} against {html.escape(pp or '-')}</caption><thead><tr>"
            f"{ths}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    if empty:
        sec.p(f"Left out, with no value in either period: {', '.join(empty)}.", "muted")


def _label_details(label, definition, method) -> str:
    more = "".join(f"<p><b>{k}:</b> {html.escape(str(v))}</p>" for k, v in (("definition", definition),
                                                                            ("method", method))
                   if v is not None and not (isinstance(v, float) and pd.isna(v)) and str(v).strip())
    lab = html.escape(str(label))
    return (f"<td class='text'><details><summary>{lab}</summary>{more}</details></td>" if more
            else f"<td class='text'>{lab}</td>")


_OUTCOME_WORDS = {"bad": "a bad rating", "rating_score": "the rating score",
                  "csat": "the survey's satisfaction (CSAT) answer", "nps": "the survey's recommend (NPS) answer",
                  "no_purchase_2y": "no purchase within two years after the ticket (tickets followed two years)",
                  "bad (commented answers)": "a bad survey answer, by the reasons its comment gives (an association "
                                             "with what the comment says, not a cause)",
                  "csat (commented answers)": "the survey's satisfaction (CSAT) answer, by the reasons its comment "
                                              "gives (an association with what the comment says, not a cause)"}


def _findings(a: Analysis, figs: dict[str, tuple[bytes, str]]) -> list[Section]:
    """What to fix and who stands out: key drivers, rankings of agents / groups / channels / months, non-response."""
    f, r = a.figures, a.results

    def fig(sec: Section, name: str):
        if name in figs:
            sec.figure(*figs[name])
    out = []
    sec = Section("drivers", "What goes with bad ratings")
    rows = _rows(f, source="drivers", ids=["driver_importance"])
    if r.get("drivers") is not None and len(rows):
        sec.p("Which operational facts of a ticket go with a bad rating and the rating score (rated tickets the "
              "customer opened), and with the satisfaction and recommend answers of the survey about the ticket, "
              "where there is one, and with buying nothing in the two years after the ticket (tickets the data "
              "follows for two years): first-reply and resolution time, reopens, a repeat contact by the same customer "
              "within 7 days (and whether it came through another channel) and, where the export has them, SLA "
              "breaches and hand-offs between agents or groups. "
              "Importance is the share of the outcome's variation a fact accounts "
              "for, with correlated facts sharing credit fairly (relative weights); intervals come from a bootstrap "
              "over customers. 'Bad' is the bad-experience rule's (a bad rating, and reopens or a late first reply "
              "where the rule counts them); a fact the rule itself uses is left out for it. These are "
              "associations, not proof that changing the fact changes the rating.")
        present = rows["group"].str.extract(r"^outcome=([^;]+);", expand=False).dropna().unique().tolist()
        for outcome in sorted(present, key=lambda o: list(_OUTCOME_WORDS).index(o) if o in _OUTCOME_WORDS else 99):
            words = _OUTCOME_WORDS.get(outcome, outcome.replace("_", " "))
            part = rows[rows["group"].str.startswith(f"outcome={outcome};")]
            if len(part):
                _fig_table(sec, part.sort_values("estimate", ascending=False), f"Importance for {words}")
                if outcome == "bad":
                    fig(sec, "drivers")
        pr = _rows(f, source="drivers", ids=["driver_penalty", "driver_reward"])
        if len(pr):
            sec.details("Penalty and reward: does a fact only hurt when bad, or also delight when good?",
                        figures_html(_segment(pr), "", label_columns=("label", "segment"), fields=_FIELDS,
                                     headers=_HEAD, details=("definition", "method"), unit_column=True,
                                     hide_empty=True))
    else:
        sec.p("Not computed: needs rated tickets (or survey answers about tickets) with at least two operational "
              "measures (first reply, resolution time, reopens, repeat contacts, SLA breaches, hand-offs).")
    out.append(sec)

    sec = Section("rankings", "Agents, groups, channels and months compared fairly")
    res = r.get("rankings")
    rows = _rows(f, source="rankings")
    if res is not None and len(rows):
        sec.p("The bad-rating share of each agent, group, channel and month, pulled towards the overall share in "
              "proportion to how little the unit's own tickets say (empirical Bayes), so that a small team does "
              "not top or bottom the list by chance. A unit 'stands out' only when it differs from the rest after a "
              "false-discovery-rate adjustment; units with fewer than 20 rated tickets are not ranked. Agents are "
              "shown by pseudonym.")
        fig(sec, "rankings")
        verdict = res.summary().assign(group=lambda d: d["unit_type"].astype(str) + "=" + d["unit_name"].astype(str))
        rows = rows.merge(verdict[["group", "versus_rest"]], on="group", how="left")
        for kind in rows["group"].str.split("=", n=1).str[0].unique():
            part = rows[rows["group"].str.startswith(f"{kind}=")]
            out_ = part[part["versus_rest"].isin(["worse", "better"])]
            same = int((part["versus_rest"] == "indistinguishable").sum())
            if len(out_):
                sec.raw(figures_html(_segment(out_), f"{kind.capitalize()}s that stand out",
                                     label_columns=("segment",), fields=_FIELDS, extra_columns=("versus_rest",),
                                     headers={**_HEAD, "segment": kind, "versus_rest": "versus the rest"},
                                     details=("definition", "method"), unit_column=True))
            else:
                sec.p(f"No {kind} stands out from the rest.", "muted")
            sec.details(f"Every {kind} ({same} indistinguishable from the rest)",
                        figures_html(_segment(part), "", label_columns=("segment",), fields=_FIELDS,
                                     extra_columns=("versus_rest",),
                                     headers={**_HEAD, "segment": kind, "versus_rest": "versus the rest"},
                                     details=("definition", "method"), unit_column=True))
    else:
        sec.p("Not computed: needs rated tickets with an agent, group, channel or creation month.")
    out.append(sec)

    sec = Section("channel-use", "Channels, self-service and coming back")
    rows = _rows(f, source="channel_use", group="all")
    if r.get("channel_use") is not None and len(rows):
        sec.p("An issue is one customer's run of tickets, each within a week of the one before. How the issues "
              "began (self-service: help centre, bot or FAQ, where the export records it; a web form counts as "
              "assisted), how many crossed channels or brought the customer back, and whether those ended badly "
              "more often. The press figures on self-service and omnichannel are stated preferences; these are "
              "what customers did, shown beside them in the table above and never judged against them.")
        fig(sec, "channel_mix")
        _fig_table(sec, rows, "Issues across channels", extra=("p_value",))
    else:
        sec.p("Not computed: needs dated customer-initiated tickets.")
    out.append(sec)

    sec = Section("verbatims", "What customers say in their comments")
    rows = _rows(f, source="verbatims")
    if r.get("verbatims") is not None and len(rows):
        sec.p("The survey's free-text comments (and the ticket export's satisfaction comments, where it has them), "
              "read for the reasons they give: rudeness, waiting, having to repeat "
              "oneself, a problem not solved, wrong information, delivery, product quality, billing, price and "
              "self-service. Each comment is tagged by a word list in its own language, with negations handled "
              "('not rude at all' is no complaint of rudeness), and e-mail addresses, phone numbers and names are "
              "masked first. A reason is shown for a language only where the tagger was checked on labelled "
              "comments in that language and found right often enough (most of its tags correct, and at least "
              "half of the comments giving the reason found). Shares are of comments; intervals allow for "
              "customers who wrote several.")
        split = rows["group"].astype("str").str.contains(r"(?:^|; )(?:period|channel)=", regex=True)
        reason = rows["id"].eq("reason_share")
        _fig_table(sec, rows[~split & reason].sort_values(["group"], kind="stable"), "Comments giving each reason")
        _fig_table(sec, rows[split & reason], "By channel of the ticket the comment is about, and by year")
        tone = rows[rows["id"].eq("comment_negative_share")]
        if len(tone):
            sec.p("The tone of the same comments, read from published word lists of positive and negative words "
                  "(negations and words such as 'very' handled): the share of comments negative in tone. Only in "
                  "the languages where the scorer was checked on labelled comments and its 'negative' was right "
                  "often enough; the definition names the word list and the check.")
            _fig_table(sec, tone, "Comments negative in tone")
        dis = rows[rows["id"].eq("no_return_after_disrespect")]
        if len(dis):
            sec.p("Customers whose first bad experience came with a comment tagged rude or disrespectful: how many "
                  "had not bought again a year later, and the difference from the other commented bad experiences "
                  "(weighted to the same purchase history). The press figure it echoes cannot be traced, so it is "
                  "shown beside, never judged against; some of the tags are wrong (the tagger's checked precision "
                  "is in the definition).")
            _fig_table(sec, dis, "No return after feeling disrespected", extra=("p_value",))
        quotes = r["verbatims"].quotes()
        sec.list("In their own words: short comments, masked, for the reasons at least "
                 f"{QUOTE_MIN_COMMENTS} comments give",
                 [f"{str(q.reason).replace('_', ' ')} ({q.language}): \u201c{q.quote}\u201d"
                  for q in quotes.itertuples()], fold=True)  # a handful of quotes
        themes = r["verbatims"].themes()
        sec.list("Words that set apart the bad-experience comments no reason caught (candidates for the "
                 "vocabulary)", [f"{t.word} ({t.language}): in {t.comments} of those comments, {t.share:.0%} "
                                 f"against {t.share_other:.0%} of the others" for t in themes.itertuples()],
                 fold=True)  # at most fifteen words per language
    elif r.get("verbatims") is not None:
        sec.p("The survey has comments, but no reason has been validated for their languages yet, so none is shown.")
    else:
        sec.p("Not computed: needs survey responses with a free-text comment column, or a ticket export with "
              "satisfaction comments.")
    out.append(sec)

    sec = Section("nonresponse", "Rated tickets and the ones nobody rated")
    rows = _rows(f, source="nonresponse")
    if r.get("nonresponse") is not None and len(rows):
        sec.p("Only some tickets get rated, and they are not a random choice. The ratings are reweighted so that "
              "the rated tickets stand for all tickets like them (by channel, timing, waiting and resolution), "
              "from a model of which tickets get rated. This corrects for who rates what the model sees; it "
              "cannot correct for customers skipping the survey because of the experience itself.")
        fig(sec, "nonresponse")
        _fig_table(sec, rows, "Raw and response-weighted ratings")
    else:
        sec.p("Not computed: needs tickets, some rated and some not, with attributes known for every ticket.")
    out.append(sec)
    return out


def render_html(analysis: Analysis, figs: dict[str, tuple[bytes, str]]) -> str:
    """The self-contained page, the summary first. Every number is a row of the figure table, tagged with its id."""
    a = analysis
    f, comp, r = a.figures, a.comparisons, a.results
    secs: list[Section] = [_summary(a)]

    def fig(sec: Section, name: str):
        if name in figs:
            sec.figure(*figs[name])

    head = Section("headline", "Your figures against the cited ones")
    head.p("Each row is a figure the customer-service press cites, next to the same quantity measured in your data "
           "with its 95% confidence interval. 'Worse' or 'better than cited' only when the whole interval lies on "
           "one side of the cited value (or range); 'higher' or 'lower' when neither side is worse. Provenance says "
           "how far the cited figure could be traced: P1 primary and verified, P2 primary in part, S secondary "
           "only, U untraceable (folklore: shown, never a target). Click a figure for both definitions and the test.")
    supported = comp[comp["verdict"] != "not supported"].copy()
    supported["against"] = [against_cited(v, d) for v, d in zip(supported["verdict"], supported["direction"])]
    supported["test_p"] = supported["p_value"]
    supported = supported.rename(columns={"test": "method"})
    judged = comp[comp["verdict"].isin(["above", "below", "consistent"]) & comp["p_value"].notna()]
    badges = {"against": _against_cls, "provenance": _PROV_CLS}
    for unit, caption in (("share", "Shares"), ("people", "People told"), ("ratio", "Ratios")):
        rows = supported[supported["unit"] == unit]
        if len(rows):
            head.raw(figures_html(rows, caption, label_columns=("label",), fields=("observed", "ci_low", "ci_high",
                                                                                   "n", "cited"),
                                  extra_columns=("against", "provenance"), badge_columns=badges,
                                  headers=_HEAD, details=("definition", "method", "reason"),
                                  unit_column=unit != "share",
                                  flags_column=True))
    if len(judged):
        head.details(f"How many differences could be chance ({len(judged)} figures tested)",
                     f"<p>{len(judged)} figures were tested against their cited values; at the 5% level about "
                     f"{0.05 * len(judged):.1f} would differ by chance alone. {int(judged['fdr_significant'].sum())} "
                     "differences survive a false-discovery rate of 5%.</p>"
                     + figures_html(judged, "", label_columns=("label",), fields=("p_value",),
                                    extra_columns=("fdr_significant",),
                                    headers={"p_value": "p-value", "fdr_significant": "survives FDR 5%",
                                             "label": "figure"}))
    fig(head, "benchmarks_shares")
    fig(head, "benchmarks_counts")
    unsup = comp[comp["verdict"] == "not supported"][["label", "provenance", "reason"]]
    if len(unsup):
        head.details(f"{len(unsup)} cited figures your data cannot support",
                     table_html(unsup.rename(columns={"label": "figure", "reason": "what it would need"}),
                                badge_columns={"provenance": _PROV_CLS}))
    secs.append(head)

    sec = Section("scorecard", "Scorecard")
    if r.get("scorecard") is not None:
        _scorecard(sec, a)
        fig(sec, "scorecard")
    else:
        sec.p("Not computed: needs dated tickets or orders over at least two periods.")
    secs.append(sec)

    sec = Section("avoidance", "Avoidance after a bad experience")
    if r.get("avoidance") is not None:
        sec.p(f"Index: each customer's first bad experience ({a.rule.describe()}), at the time it became known "
              "(solved or answered). Baseline: customers who had bought before and were not contacted yet at the "
              "same calendar time (for a bad survey answer: customers who answered a survey in the same month "
              "without a bad rating), weighted to the same purchase history. Outcome: days to the next "
              f"purchase; customers without one are censored at {a.as_of.date()} (as_of). Kaplan-Meier estimates "
              f"of the share still without a purchase {a.options['window']:g} days later; the naive count, which "
              "treats short follow-up as avoidance, is shown only as a contrast.")
        fig(sec, "avoidance_curves")
        _fig_table(sec, _rows(f, source="avoidance"), extra=("p_value",))
    else:
        sec.p("Not computed: needs service experiences (tickets or survey answers) and purchase activity.")
    if r.get("attributable_churn") is not None:
        sec.raw("<h3>Service-attributable churn (the honest analogue of the '47%')</h3>")
        sec.p("No Microsoft edition has a 47%; Microsoft's own series asks whether people ever stopped doing "
              "business with any brand, a lifetime self-report that cannot be compared with one company's churn.")
        _fig_table(sec, _rows(f, source="attributable_churn"), extra=("p_value",))
    if r.get("snapshot_churn") is not None:
        sec.raw("<h3>Churn in the customer snapshot</h3>")
        _fig_table(sec, _rows(f, source="snapshot_churn"), extra=("p_value",))
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
        _fig_table(sec, rows[~rows["id"].str.contains("_bound")], "Word of mouth")
    else:
        sec.p("Not computed: needs survey answers with CSAT and people told / warned others.")
    secs.append(sec)

    sec = Section("metrics", "Service metrics")
    if r.get("metrics") is not None:
        _fig_table(sec, _rows(f, source="service_metrics", group="all"), "Overall")
    if r.get("metrics_by_channel") is not None:
        cc = _rows(f, ids=["channel_consistency"])
        if len(cc):
            _fig_table(sec, cc, "Channel consistency")
        fig(sec, "channels")
        by = _rows(f, source="service_metrics", group_prefix="channel=")
        _fig_table(sec, by[by["id"].isin(["tickets", "csat_mean", "bad_rating_share", "resolution_p50"])],
                   "By channel")
    secs.append(sec)

    secs.extend(_findings(a, figs))

    sec = Section("segments", "Segments")
    for title, key, name, prefix in (("RFM", "rfm", "rfm", "segment="),
                                     ("Experience journeys", "journeys", "journeys", "journey="),
                                     ("Service levels", "service_levels", "service_levels", "level="),
                                     ("Clusters", "clusters", "clusters", "cluster=")):
        if r.get(key) is None:
            continue
        sec.raw(f"<h3>{title}</h3>")
        fig(sec, name)
        rows = _rows(f, source=key, group_prefix=prefix)
        gone = is_empty(rows).groupby(rows["group"]).transform("mean") > 0.5
        sec.raw(figures_grid_html(rows[~gone], f"{title}: the estimates, one line per segment", row_label="segment",
                                  flags_column=True))
        _fig_table(sec, rows, f"{title} with intervals and definitions")
        if key == "journeys" and r.get("recovery") is not None:
            sec.raw("<h4>Service-recovery paradox: do recovered customers buy again more?</h4>")
            _fig_table(sec, _rows(f, source="recovery"), extra=("p_value",))
    secs.append(sec)

    sec = Section("data-quality", "Data quality: what was read")
    for code in sorted(DATA_QUALITY):
        warning = _data_quality(f, [code])
        if warning:
            sec.raw(f"<div class='dq-warning'>{html.escape(warning[:1].upper() + warning[1:])}</div>")
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
            sec.list(name, items, fold=True)
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
