"""The report page a manager reads in two minutes (issue 12, point 2), checked without a browser.

The summary comes first and every number in it is a tagged row of the figure table; rows carry
labels and units, verdicts say worse or better than cited, counts are integers, shares are
percentages, definitions sit in ``<details>``, flags sit next to their figure with the reason in
plain words, empty segments are left out and the scorecard is one line per measure.
"""

from __future__ import annotations

import html
import math
import re

import matplotlib
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.display import DECIMALS, figures_html, flags_html, parse_value
from csanalysis.flags import DATA_QUALITY, flag_reason
from csanalysis.report.page import against_cited, make_figures, render_html

matplotlib.use("Agg")

TAG = re.compile(r"<td data-figure-id='([^']*)' data-group='([^']*)' data-field='([^']*)'>([^<]*)</td>")


@pytest.fixture(scope="module")
def analysis():
    return cs.analyse(cs.datasets.load_sample(), n_resamples=50)


@pytest.fixture(scope="module")
def figs(analysis):
    return make_figures(analysis)


@pytest.fixture(scope="module")
def page(analysis, figs) -> str:
    return render_html(analysis, figs)


def section(page: str, sid: str) -> str:
    m = re.search(rf"<section id='{sid}'>(.*?)</section>", page, re.S)
    assert m, sid
    return m.group(1)


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def agrees(figures: pd.DataFrame, cells) -> None:
    f = figures.set_index(["id", "group"])
    for fid, group, field, text in cells:
        row = f.loc[(html.unescape(fid), html.unescape(group))]
        value, shown = float(row[field]), parse_value(html.unescape(text))
        if math.isnan(value):
            assert math.isnan(shown)
            continue
        tol = 0.5 if field == "n" else 0.5 * 10.0 ** (-DECIMALS[row["unit"]]) * (
            0.01 if row["unit"] == "share" else 1) * 1.0001
        assert abs(shown - value) <= tol, (fid, group, field, text, value)


def test_summary_is_the_first_section(page):
    assert page.index("<section ") == page.index("<section id='summary'>")
    assert page.index("<section id='summary'>") < page.index("<nav>")


def test_summary_has_three_to_six_sentences_each_number_tagged(page, analysis):
    summary = section(page, "summary")
    sentences = re.findall(r"<tr[^>]*>(.*?)</tr>", summary, re.S)
    assert 3 <= len(sentences) <= 6
    caveats = [s for s in re.findall(r"<tr([^>]*)>", summary) if "caveat" in s]
    assert len(caveats) == 1 and "Strongest caveat" in visible_text(summary)
    for s in sentences:
        text = visible_text(s)
        if "Strongest caveat" in text:
            continue
        cells = TAG.findall(s)
        assert {c[2] for c in cells} >= {"estimate", "ci_low", "ci_high", "n"}, text
        agrees(analysis.figures, cells)
        # no untagged number: every digit in the sentence is in a tagged cell, the label or the cited value
        assert not re.search(r"<td>[^<]*\d+\.\d+(?!%)[^<]*</td>", s.split("the cited")[0] if "the cited" in s
                             else s), text
    words = visible_text(summary)
    assert "worse than the cited" in words or "better than the cited" in words
    assert not re.search(r"\b(above|below) (the )?cited", words)


def test_rows_have_labels_units_and_words_for_verdicts(page):
    text = visible_text(page)
    assert "ms_stopped_business_poor_service_2015" not in text  # labels, not registry ids
    assert "Ever stopped doing business with a brand over poor service (Microsoft 2015)" in text
    head = section(page, "headline")
    badges = re.findall(r"<span class='badge [^']*'>([^<]*)</span>", head)
    assert "worse than cited" in badges and "better than cited" in badges
    assert "above" not in badges and "below" not in badges
    metrics = section(page, "metrics")
    row = re.search(r"First reply time \(median\)</summary>.*?</td><td class='text'>([^<]*)</td>", metrics, re.S)
    assert row and row.group(1) == "minutes"


def test_counts_are_integers_and_shares_percentages(page, analysis):
    units = analysis.figures.set_index(["id", "group"])["unit"]
    for fid, group, field, text in TAG.findall(page):
        unit = units.loc[(html.unescape(fid), html.unescape(group))]
        if field == "n" or unit == "count":
            assert re.fullmatch(r"-?[\d,]+|–", text), (fid, field, text)
        elif unit == "share":
            assert re.fullmatch(r"-?\d+\.\d%|–", text), (fid, field, text)


def test_definitions_and_methods_are_one_click_away(page):
    assert page.count("<details>") > 50
    m = re.search(r"<details><summary>No purchase for 2 years after a bad experience</summary>(.*?)</details>", page,
                  re.S)
    assert m and "definition:" in m.group(1) and "method:" in m.group(1)


def test_flags_sit_next_to_their_figure_in_plain_words(page, analysis):
    flagged = analysis.figures[analysis.figures["flags"].map(len) > 0]
    assert len(flagged)
    assert html.escape(flag_reason("small_n")) in page
    assert "small_n" not in visible_text(page)
    dq = next(iter(DATA_QUALITY))
    assert "data-quality warning" in flags_html([dq]) and "caution" in flags_html(["small_n"])
    rows = pd.DataFrame({"id": ["x"], "label": ["X"], "unit": ["share"], "group": ["all"], "estimate": [0.5],
                         "ci_low": [0.4], "ci_high": [0.6], "n": [10.0], "flags": [[dq]]})
    out = figures_html(rows, flags_column=True)
    assert "data-quality warning" in out and html.escape(flag_reason(dq)) in out


def test_empty_segments_are_left_out(page, analysis):
    f = analysis.figures
    rfm = f[(f["source"] == "rfm") & (f["id"] == "segment_customers")]
    empty = rfm.loc[rfm["n"] == 0, "group"].str.split("=").str[1].tolist()
    full = rfm.loc[rfm["n"] > 0, "group"].str.split("=").str[1].tolist()
    seg = section(page, "segments")
    grid = re.search(r"<caption>RFM: the estimates.*?</table>", seg, re.S).group(0)
    assert all(f"<td class='text'>{html.escape(g)}</td>" in grid for g in full)
    assert not any(f"<td class='text'>{html.escape(g)}</td>" in grid for g in empty)
    if empty:
        assert "Left out, with no one or no estimate" in seg


def test_the_scorecard_is_compact_with_its_rule(page, analysis):
    sc = section(page, "scorecard")
    tables = re.findall(r"<table>.*?</table>", sc, re.S)
    assert len(tables) == 1
    n_rows = tables[0].count("<tr>") - 1
    assert 0 < n_rows <= analysis.figures.loc[analysis.figures["source"] == "scorecard", "id"].nunique()
    assert "p-value below 5%" in visible_text(sc)
    sc_rows = analysis.figures[analysis.figures["source"] == "scorecard"]
    partial = set(sc_rows.loc[sc_rows["flags"].map(lambda fl: "incomplete_period" in fl), "group"])
    complete = [g for g in dict.fromkeys(sc_rows["group"]) if g not in partial]
    latest, previous = complete[-1].split("=")[1], complete[-2].split("=")[1]
    assert f"<caption>Scorecard: {latest} against {previous}</caption>" in tables[0]
    for g in partial:  # the partial period is drawn, not judged
        assert g.split("=")[1] not in tables[0]


def test_page_is_self_contained(page):
    assert "<script" not in page
    assert not re.search(r"""(src|href)=['"]https?://""", page)
    assert page.count("data:image/png;base64,") >= 8


def test_make_figures_svg(analysis, figs):
    svg = make_figures(analysis, fmt="svg")
    assert set(svg) == set(figs)
    for name, (data, caption) in svg.items():
        assert data.lstrip().startswith(b"<?xml") and b"<svg" in data[:500], name
        assert caption == figs[name][1]
    assert "data:image/svg+xml;base64," in render_html(analysis, svg)
    with pytest.raises(ValueError, match="fmt"):
        make_figures(analysis, fmt="jpg")


def test_scorecard_bands_stay_within_the_scale(analysis):
    import matplotlib.pyplot as plt

    from csanalysis.plotting.scorecard import measure_bounds

    card = analysis.results["scorecard"]
    for m in ("csat_mean", "reopen_rate"):
        ax = card.plot(measure=m)
        lo, hi = measure_bounds(m)
        ys = [p.vertices[:, 1] for c in ax.collections for p in c.get_paths()]
        assert ys and all(((y >= lo - 1e-9) & (y <= hi + 1e-9)).all() for y in ys), m
        plt.close(ax.figure)


def test_against_cited_words():
    assert against_cited("above", "worse") == "worse than cited"
    assert against_cited("below", "better") == "better than cited"
    assert against_cited("consistent", "") == "consistent with cited"


def test_a_metric_over_months_is_a_line_with_a_bounded_band():
    import matplotlib.pyplot as plt

    from csanalysis.estimators import service_metrics
    from csanalysis.plotting.metrics import plot_service_metrics

    t = cs.datasets.load_sample().tickets.copy()
    t["month"] = t["created_at"].dt.strftime("%Y-%m")
    ax = plot_service_metrics(service_metrics(t, by="month"), metric="bad_rating_share")
    assert len(ax.get_yticklabels()) < 20  # not one row per month
    assert len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) > 24
    ys = [p.vertices[:, 1] for c in ax.collections for p in c.get_paths()]
    assert ys and min(y.min() for y in ys) >= 0 and max(y.max() for y in ys) <= 1
    plt.close(ax.figure)


def test_findings_sections_show_drivers_rankings_and_nonresponse_from_the_figure_table(page, analysis):
    # issue 14, item 7: a section each, plain language first, every number a tagged row of the figure table
    f = analysis.figures
    for sid, source in (("drivers", "drivers"), ("rankings", "rankings"), ("nonresponse", "nonresponse"),
                        ("channel-use", "channel_use")):
        sec = section(page, sid)
        first = re.search(r"<p>(.*?)</p>", sec, re.S)
        assert first and len(visible_text(first.group(1)).split()) > 20  # words before numbers
        cells = TAG.findall(sec)
        assert cells, sid
        assert {html.unescape(c[0]) for c in cells} <= set(f.loc[f["source"] == source, "id"])
        agrees(f, cells)
    drivers = visible_text(section(page, "drivers"))
    assert "Importance for a bad rating" in drivers and "reopens" in drivers
    nr = section(page, "nonresponse")
    assert {html.unescape(c[1]) for c in TAG.findall(nr)} == {"weights=raw", "weights=response"}
    ranks = visible_text(section(page, "rankings"))
    n_agents = int((analysis.results["rankings"].summary()["unit_type"] == "agent").sum())
    assert f"Every agent ({n_agents} indistinguishable" in ranks or "Agents that stand out" in ranks
    assert "@" not in ranks


def test_the_scorecard_shows_the_smallest_detectable_change_and_within_noise(page, analysis):
    sc = section(page, "scorecard")
    assert "smallest detectable change" in sc
    cells = [c for c in TAG.findall(sc) if c[0].startswith("mde_")]
    assert cells
    agrees(analysis.figures, cells)
    p = analysis.results["power"].summary()
    if (~p["significant"].astype(bool) & p["p_value"].notna()).any():
        assert "within noise" in sc


def test_verbatims_section_quotes_only_reasons_with_enough_comments(page, analysis):
    sec = visible_text(section(page, "verbatims"))
    q = analysis.results["verbatims"].quotes()
    assert len(q) >= 1  # the sample's English comments: 'not resolved' is given by enough of them
    assert "In their own words" in sec
    for quote in q["quote"]:
        assert quote in sec
    table = analysis.results["verbatims"].table
    few = table[(table["language"] == "all") & (table["group"] == "all") & (table["k"] < 10)]["reason"]
    assert not set(q["reason"]) & set(few)
