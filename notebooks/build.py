"""Build the narrative notebooks from their cell definitions (the source of truth).

Each notebook is a list of cells defined here: ``("md", text)`` for static
markdown, ``("params", source)`` for the papermill-style parameters cell (the
first code cell, tagged ``parameters``) and ``("code", source)``. Static
markdown holds headings, method explanations and links only; every number about
the data is formatted from variables by a code cell that displays
``IPython.display.Markdown(f"...")``.

Usage (from the repository root)::

    python notebooks/build.py                      # write the six .ipynb, without outputs
    python notebooks/build.py --execute            # write and run them; save with outputs
    python notebooks/build.py --execute --only 04  # one notebook (number or name prefix)

The committed notebooks are generated with ``--execute`` on the bundled sample
(``make notebooks``), so a reader browsing the repository sees the story with
its figures. ``tests/test_notebooks.py`` re-executes them and checks that the
committed copies match these definitions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from textwrap import dedent

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "python3"
TIMEOUT = 600

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
LANGUAGE_INFO = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python",
                 "codemirror_mode": {"name": "ipython", "version": 3}, "pygments_lexer": "ipython3",
                 "nbconvert_exporter": "python"}


def _src(text: str) -> str:
    return dedent(text).strip("\n")


# --------------------------------------------------------------------------- shared cells
PARAMETERS = """
# Parameters (papermill style): None means the bundled sample.
tickets = None      # helpdesk export(s): a path or a list of paths (Zendesk, Freshdesk, Intercom, ...)
surveys = None      # survey export(s) (Qualtrics, SurveyMonkey, Typeform, Google Forms, SPSS, ...)
activity = None     # purchase export(s) (Shopify, Stripe, any CSV with customer, date and amount)
customers = None    # customer snapshot(s) (churn tables, CRM exports)
timezone = None     # zone of timestamps without an offset, e.g. "Europe/Copenhagen"
dayfirst = None     # True / False when a file's dates cannot decide their order themselves
as_of = None        # end of the data, e.g. "2025-12-31" (None: the last purchase)
n_resamples = 300   # bootstrap resamples (use 1000 or more for figures you publish)
seed = 0            # seed of the bootstraps and of the matching draws
"""

SETUP = """
%matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import csanalysis as cs
from csanalysis import segments as sg
from csanalysis.plotting import house_style

pd.set_option("display.max_colwidth", 70)
pd.set_option("display.precision", 3)
pd.set_option("display.max_rows", 60)

# formatting only: a share as a percentage, a number with thousands separators ("–" when missing)
pct = lambda x, d=0: "–" if x is None or pd.isna(x) else f"{x:.{d}%}"
num = lambda x, d=0: "–" if x is None or pd.isna(x) else f"{x:,.{d}f}"
"""

LOAD = """
data = cs.read_exports(tickets=tickets, survey=surveys, activity=activity, customers=customers,
                       timezone=timezone, dayfirst=dayfirst)
linked = cs.link_customers(data.tickets, data.responses, data.activity, data.customers)
ends = [df[c].max() for df, c in ((linked.activity, "at"), (linked.tickets, "created_at"),
                                   (linked.responses, "responded_at")) if df is not None]
as_of = pd.Timestamp(as_of) if as_of is not None else (ends[0] if linked.activity is not None else max(ends))
as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of
source = "the bundled sample (a simulated Danish web shop)" if data.sample else "your exports"
display(Markdown(f"Data: **{source}**; follow-up ends on **{as_of.date()}** (`as_of`)."))
"""

# --------------------------------------------------------------------------- 00 quickstart
NB00 = [
    ("md", """
# Quickstart: your own figures against the ones the press cites

The customer-service press repeats a handful of figures: customers avoid a company for two
years after one bad experience, a dissatisfied customer tells many others, poor service makes
people switch. This notebook goes from the exports to one table that puts every figure your data
supports next to the cited one, with a confidence interval, a verdict and the provenance of the
cited figure (how far back it could be traced).

It runs on the bundled sample unless the parameters below point at your own exports. The
notebooks that follow take each part apart:
[loading and checking the exports](01-load-and-check-exports.ipynb),
[service metrics](02-service-metrics.ipynb),
[customer segments](03-customer-segments.ipynb),
[churn after a bad experience](04-churn-after-a-bad-experience.ipynb) and
[word of mouth](05-word-of-mouth.ipynb).
"""),
    ("params", PARAMETERS),
    ("code", SETUP),
    ("md", """
## Load the exports

Each file is read by the reader for its format; e-mail addresses become keyed pseudonyms and
columns that name people are dropped. The tables are then linked per customer.
"""),
    ("code", LOAD),
    ("md", """
## Compute every figure the data supports

`benchmark_results` builds the service experiences (a ticket or survey answer is *bad* when it
is rated bad or CSAT is low), runs the estimators (avoidance after a bad experience, word of
mouth, service-attributable churn, snapshot churn) and compares each result with the registry
of cited figures.
"""),
    ("code", """
results = cs.benchmark_results(data.tickets, data.responses, data.activity, customers=data.customers,
                               as_of=as_of, n_resamples=n_resamples, seed=seed)
table = results.table
computed = table[table["observed"].notna()]
display(Markdown(f"{len(computed)} of {len(table)} figures could be computed from this data; "
                 f"the other {len(table) - len(computed)} need data these exports do not hold. "
                 + " ".join(results.notes)))
computed[["id", "cited", "observed", "ci_low", "ci_high", "n", "verdict", "provenance"]]
"""),
    ("md", """
## The headline on one screen

Each row is one figure: your value (dot) with its confidence interval (line) against the cited
figure (diamond; a band for a cited range), coloured by the provenance of the cited figure.
Shares are in percent; the counts of people told follow in a second panel.
"""),
    ("code", """
with house_style():
    ax = results.plot()
"""),
    ("code", """
with house_style():
    ax = results.plot(unit="count")
"""),
    ("md", """
## Reading guide

* `cited` is the value the comparison uses (the registry's best-sourced reading of the claim;
  where a rounded version circulates, the sourced number is used). `observed` is your figure,
  `ci_low` and `ci_high` its confidence interval, `n` the customers or respondents behind it.
* **Verdicts**: `below` / `above` when the whole interval lies below / above the cited figure,
  `consistent` when it overlaps, `not comparable` when the definitions cannot meet (for example a
  lifetime self-report about every brand a person ever used against one company's churn), and
  `not supported` when the data lacks what the figure needs.
* **Provenance** says how far the cited figure could be traced. A verdict against an untraceable
  figure tells you about your data, not about the figure: such rows are context, never targets.
"""),
    ("code", """
levels = ["P1", "P2", "S", "U"]
counts = cs.load_registry()["provenance_level"].value_counts()
display(Markdown("Provenance levels of the registry's figures:\\n\\n" + "\\n".join(
    f"* **{cs.registry.provenance_label(l)}**: {counts.get(l, 0)} figures" for l in levels)))
"""),
    ("md", """
### Each comparison in words

The library states every computed comparison in one sentence, with the provenance of the cited
figure and, where definitions cannot meet, why.
"""),
    ("code", """
display(Markdown("\\n".join(f"* {c}" for c in results.comparisons.values() if pd.notna(c.observed))))
"""),
    ("md", """
## Conclusions
"""),
    ("code", """
row = table.set_index("id")
a, g = row.loc["avoid_2y_after_bad"], row.loc["avoid_2y_after_good"]
w, o, t = row.loc["wom_told_mean"], row.loc["wom_told_over_20"], row.loc["told_others_not_to_buy_after_bad"]
s = row.loc["switched_after_poor_service"]
verdicts = computed["verdict"].value_counts()
window = results.avoidance.window if results.avoidance is not None else float("nan")
display(Markdown(f\"\"\"
* **Avoidance.** An estimated {pct(a.observed)} of customers with a bad experience had not bought
  again {num(window)} days later (95% CI {pct(a.ci_low)} to {pct(a.ci_high)}, n = {num(a.n)}),
  against {pct(g.observed)} after a good experience. The cited {pct(a.cited)} is a survey answer
  conditional on people whose buying changed ({a.provenance}); verdict: **{a.verdict}**. Notebook 04
  separates the effect of the bad experience from ordinary long buying cycles.
* **Word of mouth.** Dissatisfied respondents told {num(w.observed, 1)} people on average
  (CI {num(w.ci_low, 1)} to {num(w.ci_high, 1)}); {pct(o.observed)} told more than twenty, and
  {pct(t.observed)} advised others not to buy (cited {pct(t.cited)}, {t.provenance}). The folklore range
  is {w.provenance}: a verdict of **{w.verdict}** describes your customers, not the folklore.
* **Switching.** {pct(s.observed, 1)} of lapsed customers had a bad experience around their last purchase;
  the circulating "{pct(s.cited)} switched" is **{s.verdict}** ({s.provenance}).
* Of the {len(computed)} computed figures: {", ".join(f"{n} {v}" for v, n in verdicts.items())}.
\"\"\"))
"""),
    ("md", """
### Caveats

* The bundled sample is simulated: its figures show how the analysis works, not how any real
  company performs.
* The cited figures are survey answers from other populations and years; your figures are
  behaviour (purchases) or your own survey answers. The `definition` column of the table gives
  both definitions for every row.
* Intervals come from bootstraps with `n_resamples` draws; raise it for figures you publish.
"""),
]

# --------------------------------------------------------------------------- 01 load and check
NB01 = [
    ("md", """
# Loading and checking the exports

Before any comparison, every input row has to be accounted for: which formats were found, how
many rows were loaded, rejected, merged or excluded (and why), how the tables link per customer,
which dates they cover, what is missing, and how the survey scales were read. This notebook shows
all of it from the load reports the readers attach to every table.
"""),
    ("params", PARAMETERS),
    ("code", SETUP),
    ("code", LOAD),
    ("md", """
## Formats found

The readers detect the export format from the columns, the encoding and delimiter from the bytes,
and the order of day and month from the dates themselves.
"""),
    ("code", """
reports = [r for rs in data.reports.values() for r in rs]
found = pd.DataFrame([r.to_dict() for r in reports])
found.insert(0, "file", [Path(r.path).name for r in reports])
found[["file", "table", "format", "encoding", "delimiter", "date_order", "timezone", "header_rows"]]
"""),
    ("code", """
display(Markdown(f"{len(reports)} files in {found['format'].nunique()} formats: "
                 + "; ".join(f"`{f}` read as **{fmt}** ({enc}, delimiter `{d}`)"
                             for f, fmt, enc, d in found[["file", "format", "encoding", "delimiter"]].itertuples(index=False))
                 + "."))
"""),
    ("md", """
## Every row accounted for

For every file, rows read = loaded + rejected + merged + excluded. *Merged* rows were folded into
another row (line items of one order); *excluded* rows were left out on purpose by a default rule
(survey previews and tests, unfinished responses, test, voided and refunded orders), each with its
reason and an option to keep them.
"""),
    ("code", """
accounting = found[["file", "rows_read", "rows_loaded", "rows_rejected", "rows_merged", "rows_excluded"]].assign(
    balanced=[r.balanced for r in reports])
accounting
"""),
    ("code", """
tot = accounting.sum(numeric_only=True)
display(Markdown(
    f"Of {num(tot.rows_read)} rows read, {num(tot.rows_loaded)} were loaded ({pct(tot.rows_loaded / tot.rows_read)}), "
    f"{num(tot.rows_merged)} merged into other rows, {num(tot.rows_excluded)} excluded by a default rule and "
    f"{num(tot.rows_rejected)} rejected. Every file balances: **{bool(accounting['balanced'].all())}**."))
excluded = pd.DataFrame([{"file": Path(r.path).name, "reason": k, "rows": v}
                         for r in reports for k, v in r.excluded.items()], columns=["file", "reason", "rows"])
excluded
"""),
    ("md", """
## What was rejected and why

A row is rejected when it cannot become a valid record (no id, no date, a date that is not a
date, ...). The load report keeps each rejected row with its row number in the file (as a
spreadsheet shows it) and the reason; only those two columns are shown here, so no personal value
reaches the notebook.
"""),
    ("code", """
rejected = pd.concat([r.rejected[["row", "reason"]].assign(file=Path(r.path).name) for r in reports],
                     ignore_index=True)[["file", "row", "reason"]]
display(Markdown("No row was rejected." if rejected.empty else
                 f"{len(rejected)} rows were rejected, for {rejected['reason'].nunique()} reasons:"))
rejected.groupby(["file", "reason"]).size().rename("rows").reset_index() if len(rejected) else rejected
"""),
    ("md", """
### What a rejection looks like

A demonstration on a damaged copy of the first rows of the sample's Zendesk export: one creation
time that is not a date, one ticket without an id and one without a creation time.
"""),
    ("code", """
import tempfile

raw = pd.read_csv(cs.datasets.sample_path("zendesk_tickets.csv"), dtype=str, keep_default_na=False, nrows=40)
raw.loc[3, "Created at"] = "31/31/2024 25:00"
raw.loc[7, "Id"] = ""
raw.loc[11, "Created at"] = ""
with tempfile.TemporaryDirectory() as tmp:
    raw.to_csv(Path(tmp) / "damaged_zendesk_export.csv", index=False)
    damaged = cs.load_report(cs.read_tickets(Path(tmp) / "damaged_zendesk_export.csv",
                                             timezone="Europe/Copenhagen", key="demo"))
display(Markdown(f"Rows read {damaged.rows_read}: loaded {damaged.rows_loaded}, rejected {damaged.rows_rejected}."))
damaged.rejected[["row", "reason"]]
"""),
    ("md", """
## Personal data

E-mail addresses are replaced by a keyed pseudonym (`email_key`, the same key links the files;
set `CSANALYSIS_KEY` so that monthly runs link too), agent names by agent keys, and columns that
name or locate people are dropped (unless a reader is called with `keep_pii=True`).
"""),
    ("code", """
pd.DataFrame({"file": [Path(r.path).name for r in reports],
              "personal columns dropped": [", ".join(r.dropped_columns) or "–" for r in reports]})
"""),
    ("md", """
## Linking the tables per customer

Tables are linked on the tools' customer ids when they share them, and on the e-mail pseudonym
otherwise.
"""),
    ("code", """
linked
"""),
    ("code", """
links = linked.summary()
display(Markdown(f"Linked on **{linked.key}** ({linked.reason}). "
                 + "; ".join(f"{t}: {pct(s, 1)} of {num(n)} rows linked to {num(c)} customers"
                             for t, s, n, c in links[["table", "share_linked", "rows", "customers"]].itertuples(index=False))
                 + "."))
"""),
    ("md", """
## Dates covered and answers missing
"""),
    ("code", """
stamps = {name: df[col] for name, df, col in (("tickets (created)", linked.tickets, "created_at"),
                                            ("survey responses", linked.responses, "responded_at"),
                                            ("purchases", linked.activity, "at")) if df is not None}
ranges = pd.DataFrame({name: {"first": s.min(), "last": s.max(), "with a date": int(s.notna().sum())}
                       for name, s in stamps.items()}).T
ranges
"""),
    ("code", """
answers = ["csat", "nps", "ces", "told_count_low", "warned_others"]
answered = linked.responses[answers].notna().groupby(linked.responses["source_format"]).mean()
rated = cs.service_metrics(linked.tickets).get("rating_response_rate")
display(Markdown(f"{pct(rated['value'])} of solved tickets carry a satisfaction rating (n = {num(rated['n'])}). "
                 "Share of survey responses answering each question, by survey format:"))
answered
"""),
    ("md", """
## How the survey scales were read

Each survey question gets a role (CSAT, NPS, CES, people told, warned others, expectation) from
its text, in any of the supported languages, and each answer scale is matched to a known scale
with its direction. An effort question worded as agreement that something was *easy* runs the
other way from a *difficulty* question: the reader reverses it so that low always means easy.
"""),
    ("code", """
scale_notes = pd.DataFrame([{"file": Path(r.path).name, "note": n} for r in data.reports["survey"]
                            for n in r.notes if n.startswith("role ") or " from '" in n],
                           columns=["file", "note"])
reversed_notes = scale_notes[scale_notes["note"].str.contains("reversed")]
display(Markdown(f"{len(scale_notes)} notes on question roles and scales; {len(reversed_notes)} scale(s) reversed:\\n\\n"
                 + "\\n".join(f"* `{f}`: {n}" for f, n in reversed_notes.itertuples(index=False))))
with pd.option_context("display.max_colwidth", 200):
    display(scale_notes)
"""),
    ("md", """
## What this data can support

Data quality decides which cited figures can be compared at all. The registry lists every figure
the press cites, with its provenance; figures that need data these exports lack (gender, account
type, social-media posts, ...) stay `not supported`, with the reason.
"""),
    ("code", """
bench = cs.benchmark_table(data.tickets, data.responses, data.activity, customers=data.customers,
                           as_of=as_of, n_resamples=n_resamples, seed=seed)
unsupported = bench[bench["verdict"] == "not supported"]
display(Markdown(f"{bench['observed'].notna().sum()} of {len(bench)} figures can be computed from these exports; "
                 f"{len(unsupported)} are not supported by them, for these reasons:"))
unsupported[["id", "cited", "provenance"]].assign(
    needs=unsupported["definition"].str.extract(r"not computed: (.*?)(?: \\|\\| |$)", expand=False)
                                    .str.replace(r"^not computed: ", "", regex=True))
"""),
    ("md", """
## Conclusions
"""),
    ("code", """
worst = links.sort_values("share_linked").iloc[0]
linking = ("every row of every table reaches a customer" if worst.share_linked == 1 else
           f"the weakest link is the {worst.table} table: {pct(worst.share_linked, 1)} of its rows reach a customer")
display(Markdown(f\"\"\"
* {len(reports)} files were read; {num(tot.rows_loaded)} of {num(tot.rows_read)} rows loaded, {num(tot.rows_rejected)} rejected,
  and every file's accounting balances: **{bool(accounting['balanced'].all())}**.
* Linked on `{linked.key}`: {linking}.
* The data covers {ranges['first'].min().date()} to {ranges['last'].max().date()}; {pct(rated['value'])} of solved tickets are rated.
* {len(reversed_notes)} survey scale(s) ran the other way and were reversed; the notes above say which.
\"\"\"))
"""),
    ("md", """
### Caveats

* Excluded rows follow default rules (previews, tests, unfinished responses, voided and refunded
  orders); each reader has an option to keep them when your definition differs.
* A row that cannot be linked to a customer still counts in per-ticket metrics but not in
  per-customer analyses (avoidance, journeys, segments).
* Unrated tickets are not random: customers answer more often after a bad experience, so rating
  shares describe the rated tickets, not every ticket.
"""),
]

# --------------------------------------------------------------------------- 02 service metrics
NB02 = [
    ("md", """
# Service metrics: satisfaction, effort, speed, channels and the scorecard

Two views of the same service. The *problem-centred* view treats each ticket as a case: how
satisfied, how much effort, how fast, on which channel. The *customer-centred* view treats the
customer and the problem as one package, with the history of every earlier contact; it ends this
notebook with one customer's timeline.
"""),
    ("params", PARAMETERS + """preset = "Classic"   # service style of the scorecard (one of csanalysis.segments.PRESETS)
freq = "Q"          # scorecard periods: "M" (months) or "Q" (quarters)
"""),
    ("code", SETUP),
    ("code", LOAD),
    ("md", """
## Overall

* **CSAT**: mean answer on the one-to-five satisfaction scale (t interval) and the top-two-box
  share (answers four or five, Wilson interval).
* **NPS**: promoters minus detractors on the zero-to-ten recommendation question.
* **CES**: customer effort on the one-to-seven scale, low = easy (scales worded the other way are
  reversed when read).
* **Times**: median and ninetieth percentile of the first reply and of the resolution, in minutes,
  with distribution-free intervals; reopen rate and first-contact resolution.
"""),
    ("code", """
overall = cs.service_metrics(linked.tickets, linked.responses)
overall
"""),
    ("code", """
g = overall.get
csat, top2, nps, ces = g("csat_mean"), g("csat_top2"), g("nps"), g("ces_mean")
first, resolved, bad, rated = g("first_reply_p50"), g("resolution_p50"), g("bad_rating_share"), g("rating_response_rate")
display(Markdown(f\"\"\"
* Mean **CSAT** is {num(csat['value'], 2)} (95% CI {num(csat['ci_low'], 2)} to {num(csat['ci_high'], 2)}, n = {num(csat['n'])});
  {pct(top2['value'])} answered four or five.
* **NPS** is {num(nps['value'])} (CI {num(nps['ci_low'])} to {num(nps['ci_high'])}); mean **CES** is {num(ces['value'], 2)} on the 1-7 effort scale.
* The median ticket gets its first reply after {num(first['value'] / 60, 1)} hours and is resolved after
  {num(resolved['value'] / 60, 1)} hours.
* {pct(bad['value'])} of rated tickets were rated bad; {pct(rated['value'])} of solved tickets were rated at all.
\"\"\"))
"""),
    ("md", """
## By channel

The same metrics per channel. Channels without tickets show no values.
"""),
    ("code", """
by_channel = cs.service_metrics(linked.tickets, linked.responses, by="channel")
wide = by_channel.summary().pivot(index="metric", columns="channel", values="value").dropna(axis=1, how="all")
wide
"""),
    ("code", """
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    by_channel.plot(ax=axes[0], metric="bad_rating_share")
    by_channel.plot(ax=axes[1], metric="resolution_p50")
"""),
    ("code", """
shares = by_channel.summary().query("metric == 'bad_rating_share' and n >= 30").set_index("channel")
hi, lo = shares["value"].idxmax(), shares["value"].idxmin()
display(Markdown(
    f"Among channels with at least thirty rated tickets, **{hi}** has the highest bad-rating share "
    f"({pct(shares.loc[hi, 'value'])}, CI {pct(shares.loc[hi, 'ci_low'])} to {pct(shares.loc[hi, 'ci_high'])}) "
    f"and **{lo}** the lowest ({pct(shares.loc[lo, 'value'])}, CI {pct(shares.loc[lo, 'ci_low'])} to "
    f"{pct(shares.loc[lo, 'ci_high'])})."))
"""),
    ("md", """
## By month

Monthly values are noisy when a month has few answers; the intervals say how noisy. The table shows
the last twelve months, the chart the quarters.
"""),
    ("code", """
by_month = cs.service_metrics(linked.tickets, linked.responses, by="month")
monthly = by_month.summary().pivot(index="month", columns="metric", values="value")
monthly[["tickets", "csat_mean", "nps", "bad_rating_share", "first_reply_p50", "resolution_p50"]].tail(12)
"""),
    ("code", """
by_quarter = cs.service_metrics(linked.tickets, linked.responses, by="quarter")
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(11, 7), layout="constrained")
    by_quarter.plot(ax=axes[0], metric="csat_mean")
    by_quarter.plot(ax=axes[1], metric="bad_rating_share")
"""),
    ("md", """
## Consistency across channels

Self-service, automation and people should give the same experience, in the same tone, on every
channel. The consistency figure is the range (highest minus lowest) of the channels' bad-rating
shares, with a bootstrap interval; the tests ask whether the channels differ at all.
"""),
    ("code", """
consistency = sg.channel_consistency(linked.tickets, linked.responses, n_resamples=n_resamples, seed=seed)
display(consistency.tests[["measure", "test", "statistic", "df", "p_value"]])
with house_style():
    ax = consistency.plot()
"""),
    ("code", """
spread = consistency.figure()
p_bad = consistency.tests.set_index("measure").loc["bad_share", "p_value"]
display(Markdown(
    f"The bad-rating share ranges over {spread['value'] * 100:.1f} percentage points between channels "
    f"(CI {spread['ci_low'] * 100:.1f} to {spread['ci_high'] * 100:.1f}): highest on **{spread['highest']}**, lowest on "
    f"**{spread['lowest']}** (test of equal shares: p = {p_bad:.2g}). "
    + ("The channels do not give the same experience." if p_bad < 0.05 else
       "The data does not show the channels differing.")))
"""),
    ("md", """
## The service scorecard

Fewer complaints, more referrals and repeat business, faster response and turnaround, higher
productivity and less rework, measured period over period with a test of each change. A preset
for one of the nine service styles puts that style's lead measures first.
"""),
    ("code", """
style = sg.PRESETS[preset]
card = sg.scorecard(linked.tickets, linked.responses, linked.activity, linked.customers, freq=freq,
                    preset=preset, as_of=as_of, n_resamples=n_resamples, seed=seed)
display(Markdown(f"**{preset}** promises *{style['promise']}*; lead measures: "
                 f"{', '.join(f'`{m}`' for m in style['lead'])} ({style['why']})."))
card.wide().iloc[:, -5:]
"""),
    ("code", """
with house_style():
    fig, axes = plt.subplots(len(style["lead"]), 1, figsize=(10, 3.4 * len(style["lead"])), layout="constrained")
    for ax, measure in zip(axes, style["lead"]):
        card.plot(ax=ax, measure=measure)
"""),
    ("code", """
last = card.summary().query("complete")["period"].max()
changes = card.summary().query("period == @last and significant")
display(Markdown(
    f"In the last complete period ({last}), {len(changes)} of {card.summary().query('period == @last')['measure'].nunique()} "
    "measures changed significantly from the period before"
    + (": " + "; ".join(f"`{m}` {'improved' if imp else 'worsened'} (p = {p:.2g})"
                        for m, imp, p in changes[["measure", "improved", "p_value"]].itertuples(index=False))
       if len(changes) else ".")
    + " The tests are not adjusted for the number of measures: expect about one false alarm in twenty."))
"""),
    ("md", """
## One customer's timeline (customer-centred view)

Every purchase, ticket, rating and survey answer of one customer in time order: the history an
agent should see before answering. The customer is shown by pseudonym only; details never include
free text or e-mail addresses. Here: the customer with the most bad experiences.
"""),
    ("code", """
per_customer = cs.customer_summary(linked.tickets, linked.responses, linked.activity)
who = per_customer.sort_values(["n_bad", "n_experiences", "n_orders"], ascending=False)["customer"].iloc[0]
story = cs.timeline(linked.tickets, linked.responses, linked.activity, customer=who)
me = per_customer.set_index("customer").loc[who]
display(Markdown(f"Customer `{who}`: {me.n_orders} orders, {me.n_tickets} tickets, {me.n_bad} bad and {me.n_good} good "
                 f"experiences between {story['at'].min().date()} and {story['at'].max().date()}."))
story[["at", "event", "channel", "detail"]]
"""),
    ("md", """
## What the cited figures allow

None of this notebook's metrics has a cited counterpart that can be compared directly. The press
figures nearest to it are stated preferences, which need a survey item rather than behaviour:
"""),
    ("code", """
near = ["prefer_self_service", "want_omnichannel", "ms_expect_self_service"]
display(Markdown("\\n".join(
    f"* {b['claim_as_cited']}: **{b['provenance']}**. {b['provenance_note']}"
    for b in map(cs.registry.get_benchmark, near))))
"""),
    ("md", """
## Conclusions
"""),
    ("code", """
display(Markdown(f\"\"\"
* Satisfaction: mean CSAT {num(csat['value'], 2)}, NPS {num(nps['value'])}, {pct(bad['value'])} of rated tickets bad.
* Speed: median first reply {num(first['value'] / 60, 1)} hours, median resolution {num(resolved['value'] / 60, 1)} hours.
* Channels: bad ratings range from {pct(shares.loc[lo, 'value'])} ({lo}) to {pct(shares.loc[hi, 'value'])} ({hi}); the
  spread of {spread['value'] * 100:.1f} percentage points is the consistency figure to watch.
* Scorecard ({preset}): {len(changes)} significant change(s) in {last}.
\"\"\"))
"""),
    ("md", """
### Caveats

* Ratings and survey answers come from the customers who chose to answer; customers answer more
  often after a bad experience.
* Times count calendar minutes, not business hours.
* Channels differ in the problems they receive (complex cases arrive by e-mail), so a gap between
  channels is not all down to how each channel is run.
"""),
]

# --------------------------------------------------------------------------- 03 segments
NB03 = [
    ("md", """
# Customer segments: RFM, journeys, service levels and clusters

Who the customers are (recency, frequency and monetary value), what service journey they had
(no contact, good only, bad then recovered, bad not recovered), which level of service they
received (fails, meets, exceeds, delights, amazes) and what they did afterwards, and which groups
the data forms on its own.
"""),
    ("params", PARAMETERS + """currency = None     # currency of the monetary value (None: the most common one)
window = 365        # days of follow-up for "bought again"
"""),
    ("code", SETUP),
    ("code", LOAD + """exp = cs.experiences(linked.tickets, linked.responses)
currency = currency or linked.activity["currency"].mode().iloc[0]
"""),
    ("md", """
## RFM: recency, frequency, monetary value

Customers are scored in quintiles of days since their last purchase, number of purchases and total
spend, and named by the usual grid (Champions, Loyal, ..., Lost). Amounts are never added across
currencies: the monetary value counts one currency.
"""),
    ("code", """
rfm = sg.rfm(linked.activity, as_of=as_of, currency=currency)
rfm
"""),
    ("code", """
with house_style():
    ax = rfm.plot()
top = rfm.summary().sort_values("n", ascending=False).head(3)
display(Markdown("The three largest segments: " + "; ".join(
    f"**{s}** {pct(sh)} of customers ({num(n)})" for s, sh, n in top[["segment", "share", "n"]].itertuples(index=False)) + "."))
"""),
    ("md", """
## Service journeys and the service-recovery test

Each customer's journey is classified from their service experiences: no contact, good only,
neutral or unrated, bad then recovered (a good experience after the bad one), bad not recovered.
The outcome is a purchase within the window after the last service event (customers without contact
get a matched reference date); customers followed for less than the window are left out of the
rates.
"""),
    ("code", """
journeys = sg.experience_journeys(exp, linked.activity, window=window, as_of=as_of, seed=seed)
journeys
"""),
    ("code", """
recovery = sg.service_recovery_test(journeys)
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
    journeys.plot(ax=axes[0], what="repeat")
    recovery.plot(ax=axes[1])
display(Markdown("\\n".join(f"* {line}" for line in recovery.describe())))
"""),
    ("md", """
## Levels of service

The four levels of service: *meet* the customer's expectations (defensive: it only keeps them from
looking elsewhere), *exceed* them, *delight* them (consistently better than they expect and than
anyone else would give them; this earns loyalty) and *amaze* them (occasional unexpected moments,
never a substitute for consistent good service), plus *fails*. Each survey response gets a level
from its CSAT, expectation, NPS and effort answers; each customer the level of their latest
response.
"""),
    ("code", """
levels = sg.service_levels(linked.responses, linked.activity, window=window, as_of=as_of)
display(Markdown(f"Rule: {levels.rule.describe()} Expectation question: `{levels.expectation_column}`."))
levels
"""),
    ("code", """
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
    levels.plot(ax=axes[0], what="share")
    levels.plot(ax=axes[1], what="repeat")
lv = levels.summary().set_index("segment")
display(Markdown(
    "Bought again within the window, by level: "
    + ", ".join(f"{s} {pct(r)} (n = {num(n)})" for s, r, n in lv[["repeat_rate", "n_followed"]].itertuples())
    + f". {levels.test['method']}: p = {levels.test['p_value']:.2g}."))
"""),
    ("md", """
## Clusters the data forms on its own

k-means on purchase and service features (recency, frequency, spend, tenure, contact rate, share of
bad experiences, mean CSAT, resolution time), with the number of clusters chosen by silhouette and
each cluster described in plain words from the features that set it apart. When purchases come in
several currencies, spend is left out: a customer paying only in another currency would otherwise
look like a customer who spends nothing.
"""),
    ("code", """
features = sg.customer_features(linked.activity, exp, as_of=as_of, currency=currency)
several = linked.activity["currency"].nunique() > 1
use = [f for f in features.columns if not (several and f == "monetary")]
clusters = sg.cluster_customers(features[use], seed=seed)
profile = clusters.profile()
profile[["segment", "n", "share", "description", *[c for c in profile.columns if c.startswith("median_")]]]
"""),
    ("code", """
with house_style():
    ax = clusters.plot()
display(Markdown(f"{clusters.k} clusters (silhouette chose k among {clusters.k_scores['k'].min()}-{clusters.k_scores['k'].max()}): "
                 + "; ".join(f"**{s}** ({pct(sh)}): {d}" for s, sh, d in
                             clusters.summary()[["segment", "share", "description"]].itertuples(index=False)) + "."))
"""),
    ("md", """
## Comparing segments

Any metric across any segments, with intervals, an omnibus test and each segment against the rest,
corrected for the number of comparisons (Benjamini-Hochberg false-discovery rate). Two examples:
buying again by journey, and the share of contacts that were bad experiences by channel.
"""),
    ("code", """
followed = journeys.table[journeys.table["followed"]]
by_journey = sg.compare_segments(followed, segment="journey", metric="repeat")
by_contact_channel = sg.compare_segments(exp, segment="channel", metric="bad")
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
    by_journey.plot(ax=axes[0])
    by_contact_channel.plot(ax=axes[1])
by_journey
"""),
    ("code", """
journey_sig = by_journey.summary().query("significant")
channel_sig = by_contact_channel.summary().query("significant")
display(Markdown(
    f"Buying again differs by journey (omnibus p = {by_journey.omnibus.p_value:.2g}). Journeys that differ from the rest "
    "after correction: "
    + (", ".join(f"**{s}** ({d * 100:+.0f} points)" for s, d in journey_sig[["segment", "difference"]].itertuples(index=False))
       or "none")
    + f". The share of contacts that were bad experiences differs by channel (omnibus p = {by_contact_channel.omnibus.p_value:.2g}); "
    "channels that differ from the rest: "
    + (", ".join(f"**{s}** {pct(e)}" for s, e in channel_sig[["segment", "estimate"]].itertuples(index=False)) or "none")
    + "."))
"""),
    ("md", """
## What the cited figures allow

The survey behind the avoidance figure reports segments too; comparing with them needs data a
company's exports rarely hold:
"""),
    ("code", """
reg = cs.load_registry().set_index("id")
seg_ids = [i for i in reg.index if i.startswith(("avoid_2y_after_bad_", "buy_more_after_good", "stop_buying_after_bad"))
           and i != "avoid_2y_after_bad_changed"]
display(Markdown("\\n".join(
    f"* `{i}`: {pct(reg.loc[i, 'value'])} ({cs.registry.provenance_label(reg.loc[i, 'provenance_level'])}; "
    f"{reg.loc[i, 'segment'] or 'subgroup'})" for i in seg_ids)
    + "\\n\\nThey are survey answers from one US study; your segments above are behaviour in your data. "
      "Use them as a reminder that effects differ between groups, not as targets."))
"""),
    ("md", """
## Conclusions
"""),
    ("code", """
j = journeys.summary().set_index("segment")
display(Markdown(f\"\"\"
* RFM: the largest segment is **{top.iloc[0].segment}** ({pct(top.iloc[0].share)} of customers).
* Journeys: customers with a bad experience that was not recovered bought again within {window} days
  {pct(j.loc['bad not recovered', 'repeat_rate'])} of the time, against {pct(j.loc['good only', 'repeat_rate'])} for good-only
  and {pct(j.loc['bad then recovered', 'repeat_rate'])} for recovered customers (n = {num(j.loc['bad then recovered', 'n_followed'])},
  so that interval is wide).
* Levels: {", ".join(f"{s} {pct(r)}" for s, r in lv["repeat_rate"].dropna().items())} bought again.
* Clusters: {clusters.k} groups; the smallest, **{clusters.summary().sort_values('n').iloc[0].description}**, holds
  {pct(clusters.summary()['share'].min())} of customers.
\"\"\"))
"""),
    ("code", """
only_other = (~linked.activity["currency"].eq(currency)).groupby(linked.activity["customer"]).all().sum()
display(Markdown(f\"\"\"
### Caveats

* Journeys, levels and clusters are observational: customers with bad experiences differ in other
  ways too (they buy more often, so they contact more often). Notebook 04 compares against matched
  customers.
* The RFM monetary value counts {currency} only; {num(only_other)} customers with no {currency} purchase
  score as if they spent nothing.
* Levels depend on the rule's thresholds (shown above); change them with `ServiceLevelRule`.
\"\"\"))
"""),
]

# --------------------------------------------------------------------------- 04 avoidance and churn
NB04 = [
    ("md", """
# Churn after a bad experience

"Customers avoid a company for two years after one bad experience" is the most quoted figure in
customer service. This notebook measures the behavioural analogue in your own data (how many
customers had not bought again two years after their first bad experience), shows why a naive count
overstates it, separates the effect of the bad experience from ordinary long buying cycles, and
puts service-attributable churn next to the "switched because of poor service" figure, which
turns out not to be comparable at all.
"""),
    ("params", PARAMETERS + """window = 730        # days without a purchase that count as avoidance (two years)
"""),
    ("code", SETUP),
    ("code", LOAD),
    ("md", """
## The cited figure and what its provenance allows
"""),
    ("code", """
b = cs.registry.get_benchmark("avoid_2y_after_bad")
display(Markdown(f\"\"\"
**As cited:** "{b['claim_as_cited']}".

**Source:** {b['research_firm']} for {b['sponsor']}, *{b['report_title']}* ({b['publication_year']};
n = {num(b['sample_size'])}; {b['population_country']}; {b['segment']}). Provenance: **{b['provenance']}**.
{b['provenance_note']}

**What was measured:** {b['metric_definition']}

**Denominator:** {b['denominator']}. **Conditional on:** {b['conditional_on']}.

**What this allows one to conclude:** the number exists, but it is a recalled survey answer among
people whose buying had already changed. It is not the share of customers who stay away after one
bad experience. Your figures below are behaviour: the unconditional share (all customers with a bad
experience) and a conditional analogue closer to the survey's denominator.

Caveats the registry carries: {"; ".join(b['caveats'])}.
\"\"\"))
"""),
    ("md", """
## Avoidance in your data

For every customer with a bad experience, the clock starts at their first bad experience and stops
at their next purchase. Customers who have not bought again by the end of the data are *censored*:
we know only that their gap is at least as long as their follow-up. The Kaplan-Meier curve uses
each customer for as long as they were observed; its value at the window is the estimated share
still without a purchase.
"""),
    ("code", """
results = cs.benchmark_results(data.tickets, data.responses, data.activity, customers=data.customers,
                               as_of=as_of, window=window, n_resamples=n_resamples, seed=seed)
av = results.avoidance
av
"""),
    ("code", """
km = av.figure("avoid_2y_after_bad")
display(Markdown(f"An estimated **{pct(km['estimate'])}** of the {num(km['n'])} customers with a bad experience had not bought "
                 f"again {num(window)} days later (95% CI {pct(km['ci_low'])} to {pct(km['ci_high'])}; "
                 f"{num(km['n_followed_window'])} were followed for the whole window).\\n\\n"
                 f"In the library's words: {results.comparisons['avoid_2y_after_bad']}"))
"""),
    ("md", """
## The censoring trap

A customer whose bad experience happened eight months before the export cannot have stayed away for
two years yet. Counting every customer "without a purchase so far" as an avoider, as a quick query
does, counts them anyway and biases the share upwards. Side by side: the naive count and the
Kaplan-Meier estimate on your data, and the same on simulated data where the true share is known
because the simulation also knows the future.
"""),
    ("code", """
from csanalysis.estimators.avoidance import simulate_avoidance_scenario

naive = av.figure("naive_avoid_2y_after_bad")
sim_exp, sim_act, truth = simulate_avoidance_scenario(4000, seed=seed, window=window)
sim = cs.avoidance(sim_exp, sim_act, window=window, n_resamples=n_resamples, seed=seed)
planted = cs.datasets.load_planted_truth()["avoidance"] if data.sample else None
ours = av.censoring_trap(truth=planted["avoid_2y_after_bad"] if planted else None)
simulated = sim.censoring_trap(truth=truth["avoid_2y_after_bad"])
short = ours.attrs["followed_less_than_window"]
trap = pd.concat({"your data": ours, "simulation": simulated}, axis=1)
trap
"""),
    ("code", """
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained", sharex=True)
    av.plot_censoring_trap(ax=axes[0], truth=ours.attrs["truth"] if planted else None)
    sim.plot_censoring_trap(ax=axes[1], truth=truth["avoid_2y_after_bad"])
    axes[0].set_title("your data")
    axes[1].set_title("simulation (the truth is known)")
"""),
    ("code", """
s, o = simulated["estimate"], ours["estimate"]
text = (f"In the simulation {pct(simulated.attrs['followed_less_than_window'])} of the customers were followed "
        f"for less than the window. The naive count gives {pct(s['naive count'])}, Kaplan-Meier "
        f"{pct(s['Kaplan-Meier'])} (CI {pct(simulated.loc['Kaplan-Meier', 'ci_low'])} to "
        f"{pct(simulated.loc['Kaplan-Meier', 'ci_high'])}); the true share is {pct(simulated.attrs['truth'])}. "
        f"On your data {pct(short)} were followed for less than the window, and the naive count "
        f"({pct(o['naive count'])}) exceeds the Kaplan-Meier estimate ({pct(o['Kaplan-Meier'])}) by "
        f"{(o['naive count'] - o['Kaplan-Meier']) * 100:.0f} points.")
if planted:
    text += (f" The sample's generator knows the future: its planted share is {pct(planted['avoid_2y_after_bad'])} "
             f"(n = {planted['n_bad_index']}; its definition differs slightly: {planted['definition']}).")
display(Markdown(text))
"""),
    ("md", """
## Bad against good against a matched baseline

Some customers buy every few years anyway: a two-year gap is not always a reaction to service. Three
curves: after a bad experience, after a good experience (the first rated experience was good), and
customers without any contact, matched to each bad-experience customer on the same day by recency,
frequency and tenure. The quantity worth reporting is the *excess*: the bad curve minus the matched
baseline at the window.
"""),
    ("code", """
with house_style():
    fig, ax = plt.subplots(figsize=(8, 4.5))
    av.plot(ax=ax)
curves = av.summary().set_index("figure").loc[
    ["avoid_2y_after_bad", "avoid_2y_after_good", "avoid_2y_baseline", "excess_avoidance"],
    ["group", "estimate", "ci_low", "ci_high", "n", "note"]]
curves
"""),
    ("code", """
good, base, excess = (av.figure(f) for f in ("avoid_2y_after_good", "avoid_2y_baseline", "excess_avoidance"))
lr_base, lr_good = av.logrank["bad_vs_baseline"], av.logrank["bad_vs_good"]
display(Markdown(f\"\"\"
* After a **bad** experience {pct(km['estimate'])} had not bought again within the window; after a **good** one
  {pct(good['estimate'])} (CI {pct(good['ci_low'])} to {pct(good['ci_high'])}; log-rank p = {lr_good.p_value:.2g}).
* **Matched customers without any contact**: {pct(base['estimate'])} (CI {pct(base['ci_low'])} to {pct(base['ci_high'])}),
  for the {num(av.matching['n_matched'])} of {num(av.matching['n_index'])} bad-experience customers a control was found for
  (log-rank p = {lr_base.p_value:.2g}).
* **Excess avoidance** over the matched baseline: **{excess['estimate'] * 100:+.0f} points** (CI {excess['ci_low'] * 100:+.0f} to
  {excess['ci_high'] * 100:+.0f}). This, not the raw share, is the part of the two-year gaps that goes with the bad experience.
\"\"\"))
"""),
    ("md", """
## The survey's bands: under a year, one year, two years or more

The survey's answers were spread over three bands; the same split of your bad-experience curve
(the next purchase within a year, in the second year, or not within two years):
"""),
    ("code", """
split = av.summary().set_index("figure").loc[["split_lt_365", "split_365_729", "split_730_plus"],
                                              ["estimate", "ci_low", "ci_high", "cited"]]
split.index = ["under one year", "one to two years", "two years or more"]
display(Markdown("Your split: " + ", ".join(f"{i} {pct(r.estimate)} (cited {pct(r.cited)})" for i, r in split.iterrows())
                 + ". The cited bands are recalled durations among people whose buying changed; yours are gaps in "
                   "purchases among all customers with a bad experience."))
split
"""),
    ("md", """
## The conditional analogue

The survey's denominator is people whose buying changed after the experience. The closest
behavioural analogue: among bad-experience customers whose gap exceeded their own expected buying
cycle, the share whose gap reached the window.
"""),
    ("code", """
changed = av.figure("avoid_2y_after_bad_changed")
display(Markdown(f"Buying counts as changed when the {av.changed_rule.describe()}. "
                 f"{changed['note'][:1].upper() + changed['note'][1:]}.\\n\\n"
                 f"Among them, **{pct(changed['estimate'])}** did not buy within the window "
                 f"(CI {pct(changed['ci_low'])} to {pct(changed['ci_high'])}).\\n\\n"
                 f"{results.comparisons['avoid_2y_after_bad_changed']}"))
"""),
    ("md", """
## Service-attributable churn against the "switched because of poor service" figure

Another circulating figure says that nearly half of consumers switched to another company because of
poor service, attributed to a Microsoft report. The honest own-data analogue asks a different
question: of the customers who lapsed (no purchase for a year), how many had a bad experience around
their last purchase, and is that more than among customers who stayed?
"""),
    ("code", """
ac = results.attributable_churn
with house_style():
    ax = ac.plot()
ac
"""),
    ("code", """
share, retained, diff = (ac.get(i) for i in ("attributable_churn_share", "bad_experience_share_retained", "attributable_excess"))
risk = ac.get("lapse_risk_difference")
display(Markdown(f\"\"\"
* {pct(share['estimate'], 1)} of the {num(share['n'])} lapsed customers had a bad experience around their last purchase
  (CI {pct(share['ci_low'], 1)} to {pct(share['ci_high'], 1)}), against {pct(retained['estimate'], 1)} of retained customers:
  an excess of {diff['estimate'] * 100:+.1f} points (CI {diff['ci_low'] * 100:+.1f} to {diff['ci_high'] * 100:+.1f}; p = {diff['p_value']:.2g}).
* The risk of a year-long lapse after a first rated experience that was bad exceeds that after a good one by
  {risk['estimate'] * 100:+.0f} points (CI {risk['ci_low'] * 100:+.0f} to {risk['ci_high'] * 100:+.0f}).
\"\"\"))
"""),
    ("code", """
reg = cs.load_registry().set_index("id")
ms_ids = [i for i in reg.index if i.startswith("ms_stopped_business_poor_service")]
ms = reg.loc[ms_ids, ["value", "publication_year", "provenance_level"]].sort_values("publication_year")
sw = cs.registry.get_benchmark("switched_after_poor_service")
display(Markdown(f\"\"\"
**Why the circulating figure is not comparable.** "{sw['claim_as_cited']}": provenance **{sw['provenance']}**.
{sw['provenance_note']}

Microsoft's own series asks whether respondents have *ever* stopped doing business with *any* brand because of poor
service: {", ".join(f"{pct(v)} in {int(y)} ({l})" for v, y, l in ms.itertuples(index=False))}. No edition shows
{pct(sw['value'])}. Even the real series is a lifetime self-report across every brand a person ever used, so it cannot be set
against one company's churn: the registry marks it `{sw['comparability']}` and the verdict is
**{results.comparisons['switched_after_poor_service'].verdict}**. The like-for-like comparison is to put Microsoft's question
into your own survey.
\"\"\"))
"""),
    ("md", """
## Snapshot churn from the customer table

A customer table (one row per customer with a churn flag, satisfaction, complaints and a stated
reason) gives a second view: churn by satisfaction band and by complaint, and the share of churners
whose stated reason is about service. A snapshot has no order in time, so this is what churners
*say*, not what caused their churn.
"""),
    ("code", """
sc = results.snapshot_churn
if sc is None:
    display(Markdown("No customer table with a churn flag was given."))
else:
    with house_style():
        ax = sc.plot()
    display(sc)
"""),
    ("code", """
if sc is not None:
    low, high, said = sc.get("churn_rate", "satisfaction 1-2"), sc.get("churn_rate", "satisfaction 4-5"), sc.get("service_reason_share")
    tests = sc.tests().set_index("test")
    reasons = sc.reasons().set_index("class")
    display(Markdown(
        f"Customers who rated satisfaction 1-2 churned {pct(low['estimate'])} of the time (n = {num(low['n'])}), those rating 4-5 "
        f"{pct(high['estimate'])} (n = {num(high['n'])}; test across bands p = {tests.loc['churn_by_satisfaction_band', 'p_value']:.2g}; "
        f"complaint vs none p = {tests.loc['churn_by_complaint', 'p_value']:.2g}). {pct(said['estimate'])} of churners with a stated "
        f"reason named service (CI {pct(said['ci_low'])} to {pct(said['ci_high'])}); the most common reason class is "
        f"**{reasons['share'].idxmax()}** ({pct(reasons['share'].max())})."))
"""),
    ("md", """
## Conclusions
"""),
    ("code", """
display(Markdown(f\"\"\"
* **Against the cited figure:** {pct(km['estimate'])} of customers with a bad experience had not bought again within
  {num(window)} days (CI {pct(km['ci_low'])} to {pct(km['ci_high'])}); verdict against the cited {pct(b['value'])}:
  **{results.comparisons['avoid_2y_after_bad'].verdict}**. The cited figure is conditional and recalled, so the verdict
  says how your customers behave, not whether the survey was right.
* **The part that goes with the bad experience** is the excess over matched customers without contact:
  {excess['estimate'] * 100:+.0f} points (CI {excess['ci_low'] * 100:+.0f} to {excess['ci_high'] * 100:+.0f}).
* **The censoring trap:** a naive count would have said {pct(naive['estimate'])}.
* **Switching:** {pct(share['estimate'], 1)} of lapsed customers had a bad experience around their last purchase
  ({diff['estimate'] * 100:+.1f} points above retained customers). The circulating figure is untraceable and would be a
  lifetime any-brand self-report even if it were sourced: not comparable.
\"\"\"))
"""),
    ("md", """
### Caveats

* "Bad experience" follows the rule shown in the table's definitions (a bad rating or a low CSAT);
  change it with `BadExperienceRule` and rerun to see how much the figures depend on it.
* Avoidance is measured as no purchase, which is not the same as avoiding the company: some
  customers simply need nothing for two years, which is what the matched baseline is for. The
  baseline is matched on recency, frequency and tenure only.
* Kaplan-Meier assumes that when the data ends is unrelated to how long a customer stays away.
* Customers who contact the company differ from those who never do; the matched comparison
  reduces, but does not remove, that difference.
"""),
]

# --------------------------------------------------------------------------- 05 word of mouth
NB05 = [
    ("md", """
# Word of mouth: how far does the bad word travel?

The folklore says a dissatisfied customer tells many people and a good share of them tell a crowd.
Word of mouth cannot be seen in tickets or orders; it takes a survey question ("how many people
have you told about this experience?"). This notebook reads those answers, which come as bands
rather than exact counts, compares them with the cited figures, contrasts satisfied with
dissatisfied respondents, and turns them into a monthly reach.
"""),
    ("params", PARAMETERS + """dissatisfied_max_csat = 2           # CSAT at or below this: dissatisfied
satisfied_min_csat = 4              # CSAT at or above this: satisfied (the contrast)
bad_experiences_per_month = None    # None: bad experiences of the last twelve months / 12
"""),
    ("code", SETUP),
    ("code", LOAD + """exp = cs.experiences(linked.tickets, linked.responses)
"""),
    ("md", """
## The cited figures and what their provenance allows
"""),
    ("code", """
ids = ["wom_told_mean", "wom_told_over_20", "wom_told_median_tarp", "told_others_not_to_buy_after_bad",
       "share_bad_any", "share_bad_gt5"]
cited = {i: cs.registry.get_benchmark(i) for i in ids}
display(Markdown("\\n".join(
    f"* **{c['claim_as_cited']}** ({c['sponsor'] or 'no sponsor'}): {c['provenance']}. {c['provenance_note']}"
    + (f" The sourced value is {pct(c['value'])}; {pct(float(c['value_as_cited']))} is how it circulates." if c["unit"] == "proportion"
       and c["value_as_cited"] and abs(float(c["value_as_cited"]) - c["value"]) > 1e-9 else "")
    for c in cited.values())))
display(Markdown(
    "**What this allows one to conclude.** The range of people told and the share telling more than twenty are "
    "folklore: no original study carries them, so your figures can be shown next to them but never judged against them. "
    "The nearest traceable figure is a median from one old study of one product category. The share who warned others "
    "is a real survey figure seen only second-hand; it is the one comparison here with a defined meaning."))
"""),
    ("md", """
## People told, from banded answers

The survey offers bands (none, a few, six to ten, eleven to twenty, more than twenty), so each answer
is an interval. The headline reads each interval at its midpoint (an open top band at one and a half
times its low end); the lower bound reads each at its low end and cannot overstate.
"""),
    ("code", """
wom = cs.word_of_mouth(linked.responses, dissatisfied_max_csat=dissatisfied_max_csat,
                       satisfied_min_csat=satisfied_min_csat, n_resamples=n_resamples, seed=seed)
with house_style():
    ax = wom.plot()
wom.distribution().pivot(index="band", columns="group", values="share").reindex(wom.distribution()["band"].unique())
"""),
    ("code", """
cmp = wom.compare().set_index("id")
m, over, med, warn = (wom.get(i) for i in ("wom_told_mean", "wom_told_over_20", "wom_told_median", "told_others_not_to_buy_after_bad"))
display(Markdown(f\"\"\"
* Dissatisfied respondents (n = {num(m['n'])}) told **{num(m['estimate'], 1)} people** on average (CI {num(m['ci_low'], 1)} to
  {num(m['ci_high'], 1)}), against the folklore range {num(cited['wom_told_mean']['cited_low'])}-{num(cited['wom_told_mean']['cited_high'])}
  (verdict **{cmp.loc['wom_told_mean', 'verdict']}**, {cmp.loc['wom_told_mean', 'provenance']}).
* The median is {num(med['estimate'])} (CI {num(med['ci_low'])} to {num(med['ci_high'])}), against the traced median of
  {num(cited['wom_told_median_tarp']['value'])} from the old study (verdict **{cmp.loc['wom_told_median_tarp', 'verdict']}**){
  ": most dissatisfied customers tell a few people and a few tell many, which pulls the mean above the median"
  if m['estimate'] > med['estimate'] else ""}.
* **{pct(over['estimate'])}** told more than twenty people (CI {pct(over['ci_low'])} to {pct(over['ci_high'])}), against the folklore
  {pct(cited['wom_told_over_20']['value'])} (verdict **{cmp.loc['wom_told_over_20', 'verdict']}**, folklore).
* **{pct(warn['estimate'])}** advised others not to buy (CI {pct(warn['ci_low'])} to {pct(warn['ci_high'])}), against the sourced
  {pct(cited['told_others_not_to_buy_after_bad']['value'])} (cited as {pct(float(cited['told_others_not_to_buy_after_bad']['value_as_cited']))};
  verdict **{cmp.loc['told_others_not_to_buy_after_bad', 'verdict']}**, {cmp.loc['told_others_not_to_buy_after_bad', 'provenance']}).
\"\"\"))
cmp[["cited", "observed", "ci_low", "ci_high", "n", "verdict", "provenance"]]
"""),
    ("md", """
## Satisfied against dissatisfied

The folklore's premise is that bad news travels further than good. The same measures for satisfied
respondents:
"""),
    ("code", """
contrast = (wom.summary().assign(measure=lambda d: d["id"].str.replace("_good", "_bad"))
            .pivot(index="measure", columns="group", values="estimate"))
contrast = contrast.loc[["wom_told_mean", "wom_told_median", "wom_told_over_20", "share_bad_any", "share_bad_gt5",
                         "told_others_not_to_buy_after_bad"]]
sat_mean, sat_any = wom.get("wom_told_mean", "satisfied"), wom.get("share_good_any", "satisfied")
display(Markdown(
    f"Satisfied respondents (n = {num(sat_mean['n'])}) told {num(sat_mean['estimate'], 1)} people on average "
    f"(CI {num(sat_mean['ci_low'], 1)} to {num(sat_mean['ci_high'], 1)}) against {num(m['estimate'], 1)} for dissatisfied ones; "
    f"{pct(sat_any['estimate'])} told anyone at all, against {pct(wom.get('share_bad_any')['estimate'])}. "
    + ("Bad news travels further here." if m["ci_low"] > sat_mean["ci_high"] else
       "The intervals overlap: the data does not show bad news travelling further.")))
contrast
"""),
    ("md", """
## The reach model

People reached per month = bad experiences per month × share of dissatisfied customers who tell
anyone × mean people told among those who tell. It counts contacts, not distinct people, and assumes
that dissatisfied customers who do not answer surveys talk as much as those who do.
"""),
    ("code", """
if bad_experiences_per_month is None:
    last_year = exp[exp["bad"] & exp["at"].between(as_of - pd.Timedelta(days=365), as_of)]
    bad_experiences_per_month = len(last_year) / 12
reach = cs.reach_model(wom, bad_experiences_per_month)
reach_low = cs.reach_model(wom, bad_experiences_per_month, estimator="lower_bound")
reach
"""),
    ("code", """
r, rl = reach.summary().set_index("component"), reach_low.summary().set_index("component")
people = r.loc["people_reached_per_month"]
display(Markdown(
    f"With {num(bad_experiences_per_month, 1)} bad experiences a month (treated as known: an average over twelve months), "
    f"about **{num(people.estimate)} people a month** hear about one (CI {num(people.ci_low)} to {num(people.ci_high)}); "
    f"reading every answer at its low end, at least {num(rl.loc['people_reached_per_month', 'estimate'])} "
    f"(CI {num(rl.loc['people_reached_per_month', 'ci_low'])} to {num(rl.loc['people_reached_per_month', 'ci_high'])})."))
"""),
    ("md", """
## Lower bound against midpoint

Banded answers hide the exact count. The midpoint reading is the best single guess and depends on
where the open top band is put; the lower bound reads every answer at its low end and so can only
understate. Shares above a threshold get a lower and an upper bound from answers whose band
straddles it. Report the midpoint with the lower bound beside it.
"""),
    ("code", """
readings = ["wom_told_mean", "wom_told_mean_lower_bound", "wom_told_median", "wom_told_median_lower_bound",
            "wom_told_over_20_lower_bound", "wom_told_over_20", "wom_told_over_20_upper_bound",
            "share_bad_gt5_lower_bound", "share_bad_gt5", "share_bad_gt5_upper_bound"]
bounds = wom.summary().query("group == 'dissatisfied'").set_index("id").loc[readings, ["estimate", "ci_low", "ci_high", "n"]]
lb = wom.get("wom_told_mean_lower_bound")
display(Markdown(f"The mean people told is {num(m['estimate'], 1)} at the midpoints and at least {num(lb['estimate'], 1)} "
                 f"(CI {num(lb['ci_low'], 1)} to {num(lb['ci_high'], 1)}) at the low ends."))
bounds
"""),
    ("md", """
## Conclusions
"""),
    ("code", """
display(Markdown(f\"\"\"
* Dissatisfied respondents told {num(m['estimate'], 1)} people on average (at least {num(lb['estimate'], 1)}), median
  {num(med['estimate'])}; {pct(over['estimate'])} told more than twenty. These sit next to folklore figures, which are
  context, not targets.
* {pct(warn['estimate'])} advised others not to buy: verdict **{cmp.loc['told_others_not_to_buy_after_bad', 'verdict']}**
  against a sourced but second-hand {pct(cited['told_others_not_to_buy_after_bad']['value'])}.
* Satisfied respondents told {num(sat_mean['estimate'], 1)} people on average.
* About {num(people.estimate)} people a month hear about a bad experience with the company (lower bound
  {num(rl.loc['people_reached_per_month', 'estimate'])}).
\"\"\"))
"""),
    ("md", """
### Caveats

* Survey respondents are not all customers: people with a strong experience answer more often.
* "People told" is self-reported and recalled; answers cluster on round numbers and band edges.
* The reach model counts contacts, not distinct people, and assumes non-respondents talk as much as
  respondents.
* Reviews and social-media posts (the public part of word of mouth) are not in these exports.
"""),
]

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "00-quickstart": NB00,
    "01-load-and-check-exports": NB01,
    "02-service-metrics": NB02,
    "03-customer-segments": NB03,
    "04-churn-after-a-bad-experience": NB04,
    "05-word-of-mouth": NB05,
}


# --------------------------------------------------------------------------- building
def build(name: str):
    """The notebook ``name`` (a key of :data:`NOTEBOOKS`) as an nbformat node, without outputs."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = []
    for i, (kind, text) in enumerate(NOTEBOOKS[name]):
        cid = f"{name[:2]}-{i:02d}"
        if kind == "md":
            cells.append(new_markdown_cell(_src(text), id=cid))
        elif kind in ("code", "params"):
            c = new_code_cell(_src(text), id=cid)
            if kind == "params":
                c.metadata["tags"] = ["parameters"]
            cells.append(c)
        else:
            raise ValueError(f"{name} cell {i}: unknown kind {kind!r}; expected 'md', 'code' or 'params'")
    nb = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})
    nbformat.validate(nb)
    return nb


def execute(nb, cwd: str | Path = HERE, timeout: int = TIMEOUT):
    """Run ``nb`` top to bottom with nbclient; return it with its outputs.

    The kernel is ipykernel's ``python3`` running on *this* interpreter
    (``sys.executable``): kernel specs installed elsewhere (for example a user-level
    ``python3`` pointing at another Python) are ignored, so the notebooks always
    run against the csanalysis of the environment that builds or tests them.
    Raises ``nbclient.exceptions.CellExecutionError`` when a cell fails.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(cleanup_kc=True)  # shut the kernel down and close its channels (nbclient does not own km)
    return nb


def write(nb, path: Path) -> None:
    import nbformat

    nb.metadata["language_info"] = dict(LANGUAGE_INFO)  # the kernel may add its version; keep the file stable
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def select(only: list[str] | None) -> list[str]:
    """Notebook names matching ``only`` (numbers such as ``04`` or name prefixes); all when empty."""
    if not only:
        return list(NOTEBOOKS)
    names = [n for n in NOTEBOOKS if any(n.startswith(o) for o in only)]
    if not names:
        raise SystemExit(f"no notebook matches {only}; expected one of {', '.join(NOTEBOOKS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook and save it with its outputs")
    parser.add_argument("--only", nargs="+", metavar="NB", help="notebook numbers or name prefixes (e.g. 04)")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: notebooks/)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in select(args.only):
        start = time.perf_counter()
        nb = build(name)
        if args.execute:
            execute(nb, cwd=HERE)
        write(nb, args.out / f"{name}.ipynb")
        print(f"{name}.ipynb {'executed' if args.execute else 'written'} in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
