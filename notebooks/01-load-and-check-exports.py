# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Loading and checking the exports
#
# Before any comparison, every input row has to be accounted for: which formats were found, how
# many rows were loaded, rejected, merged or excluded (and why), how the tables link per customer,
# what is missing, and how the survey scales were read. This notebook shows all of it from the
# load reports the readers attach to every table, which `cs.analyse` keeps in `a.load_reports`.

# %% tags=["parameters"]
# Parameters (papermill style). None for all four exports means the bundled sample.
tickets = None      # helpdesk export(s): a path or a list of paths (Zendesk, Freshdesk, Intercom, ...)
survey = None       # survey export(s) (Qualtrics, SurveyMonkey, Typeform, Google Forms, SPSS, ...)
activity = None     # purchase export(s) (Shopify, Stripe, any CSV with customer, date and amount)
customers = None    # customer snapshot(s) (churn tables, CRM exports)
timezone = None     # zone of timestamps without an offset, e.g. "Europe/Copenhagen"
dayfirst = None     # True / False when a file's dates cannot decide their order themselves
as_of = None        # end of the data, e.g. "2025-12-31" (None: the last purchase)
seed = 0            # seed of the bootstraps and of the random draws
n_resamples = 1000  # bootstrap resamples (the report's default; fewer, e.g. 50, for a quick look)

# %%
# %matplotlib inline
from pathlib import Path

import csanalysis as cs
import pandas as pd
from IPython.display import Markdown, display

from csanalysis.display import MISSING, section, show

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed,
               n_resamples=n_resamples)


value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)


has = a.has  # whether the analysis has a figure (for a group) with a value


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
end = (f"follow-up ends on **{a.as_of.date()}** (`as_of`)" if a.as_of is not None else
       "no purchases were given, so follow-up has no end (`as_of`)")
display(Markdown(f"Data: **{source}**; {end}."))

# %% [markdown]
# ## Formats found
#
# The readers detect the export format from the columns, the encoding and delimiter from the bytes,
# and the order of day and month from the dates themselves.

# %%
reports = [r for role in a.load_reports.values() for r in role]
files = [Path(r.path).name for r in reports]  # file names only: the folders are yours
found = pd.DataFrame({"file": files, "table": [r.table for r in reports],
                      "format": [r.source_format for r in reports], "encoding": [r.encoding for r in reports],
                      "delimiter": [r.delimiter for r in reports], "date order": [r.date_order for r in reports],
                      "timezone": [r.timezone for r in reports], "header rows": [r.header_rows for r in reports]})
show(found, "Formats found")

# %% [markdown]
# ## Every row accounted for
#
# For every file, rows read = loaded + rejected + merged + excluded. *Merged* rows were folded into
# another row (line items of one order); *excluded* rows were left out on purpose by a default rule
# (survey previews and tests, unfinished responses, test, voided and refunded orders), each with its
# reason and an option to keep them.

# %%
accounting = pd.DataFrame({"file": files, "rows read": [r.rows_read for r in reports],
                           "loaded": [r.rows_loaded for r in reports], "rejected": [r.rows_rejected for r in reports],
                           "merged": [r.rows_merged for r in reports], "excluded": [r.rows_excluded for r in reports],
                           "balanced": [r.balanced for r in reports]})
balanced = all(r.balanced for r in reports)
display(Markdown(f"Every file balances (read = loaded + rejected + merged + excluded): **{'yes' if balanced else 'no'}**."))
display(show(accounting, "Rows per file"))
excluded = pd.DataFrame([{"file": f, "reason": k, "rows": v} for f, r in zip(files, reports)
                         for k, v in r.excluded.items()], columns=["file", "reason", "rows"])
show(excluded, "Rows excluded by a default rule, by reason")

# %% [markdown]
# ## What was rejected and why
#
# A row is rejected when it cannot become a valid record (no id, no date, a date that is not a
# date, ...). The load report keeps each rejected row with its row number in the file (as a
# spreadsheet shows it) and the reason; only the reasons are shown here, so no personal value
# reaches the notebook.

# %%
rejected = pd.DataFrame([{"file": f, "reason": k, "rows": v} for f, r in zip(files, reports)
                         for k, v in r.to_dict()["rejected_reasons"].items()], columns=["file", "reason", "rows"])
display(Markdown("No row was rejected." if rejected.empty else "Rows rejected, by file and reason:"))
show(rejected, "Rows rejected, by reason")

# %% [markdown]
# ### What a rejection looks like
#
# A demonstration on a damaged copy of the first rows of the sample's Zendesk export: one creation
# time that is not a date, one ticket without an id and one without a creation time. It is read into
# a temporary folder and thrown away; the analysis above does not see it.

# %%
import tempfile

raw = pd.read_csv(cs.datasets.sample_path("zendesk_tickets.csv"), dtype=str, keep_default_na=False, nrows=40)
raw.loc[3, "Created at"] = "31/31/2024 25:00"
raw.loc[7, "Id"] = ""
raw.loc[11, "Created at"] = ""
with tempfile.TemporaryDirectory() as tmp:
    raw.to_csv(Path(tmp) / "damaged_zendesk_export.csv", index=False)
    damaged = cs.load_report(cs.read_tickets(Path(tmp) / "damaged_zendesk_export.csv",
                                             timezone="Europe/Copenhagen", key="demo"))
display(show(pd.DataFrame([{"rows read": damaged.rows_read, "loaded": damaged.rows_loaded,
                            "rejected": damaged.rows_rejected}]), "The damaged copy"))
show(damaged.rejected[["row", "reason"]], "Its rejected rows (row numbers as a spreadsheet shows them)")

# %% [markdown]
# ## Personal data
#
# E-mail addresses are replaced by a keyed pseudonym (`email_key`; the same secret links the files),
# agent names by agent keys, and columns that name or locate people are dropped (unless a reader is
# called with `keep_pii=True`); e-mail addresses, phone numbers and names that the export lists or that
# follow a greeting ("Hi Anna") are masked inside every kept text, note and rejected row. The secret is
# `CSANALYSIS_KEY` when set; otherwise one is made once per user in the user's configuration folder
# (readable by the user alone), so this month's run links to last month's. The load report says which
# secret was used, where it lives and how to rotate it.

# %%
show(pd.DataFrame({"file": files, "personal columns dropped": [", ".join(r.dropped_columns) or MISSING
                                                               for r in reports]}), "Personal columns dropped")

# %% [markdown]
# ## Linking the tables per customer
#
# Tables are linked on the tools' customer ids when they share them, and on the e-mail pseudonym
# otherwise. A row that reaches no customer still counts in per-ticket metrics, but not in
# per-customer analyses.

# %%
links = a.linked.summary()
display(Markdown(f"Linked on **{a.linked.link_on}** ({a.linked.reason})."))
show(links, "Rows linked to a customer, per table", units={"share_linked": "share"})

# %% [markdown]
# ## Answers missing
#
# Not every solved ticket carries a satisfaction rating, and not every survey response answers every
# question.
#
# *Needs* tickets that offer a satisfaction rating, or survey answers.

# %%
answers = a.figures.query("id in ['rating_response_rate', 'csat_mean', 'nps', 'ces_mean'] and group == 'all'")
if section("answers missing", answers["n"].fillna(0).gt(0).any(),
           "tickets with satisfaction ratings or survey answers"):
    if has("rating_response_rate"):
        display(Markdown(f"{value('rating_response_rate')} of the tickets offered a rating were rated "
                         f"(n = {value('rating_response_rate', field='n')})."))
    display(show(answers, "Answers behind the survey figures (n)"))

# %% [markdown]
# ## How the survey scales were read
#
# Each survey question gets a role (CSAT, NPS, CES, people told, warned others, expectation) from
# its text, in any of the supported languages, and each answer scale is matched to a known scale
# with its direction. An effort question worded as agreement that something was *easy* runs the
# other way from a *difficulty* question: the reader reverses it so that low always means easy.
#
# *Needs* a survey export.

# %%
scale_notes = pd.DataFrame([{"file": Path(r.path).name, "note": n} for r in a.load_reports.get("survey", [])
                            for n in r.notes if n.startswith("role ") or " from '" in n], columns=["file", "note"])
reversed_notes = scale_notes[scale_notes["note"].str.contains("reversed")]
if section("survey scales", a.load_reports.get("survey"), "a survey export"):
    display(Markdown("Scales reversed when read:\n\n" + ("\n".join(
        f"* `{f}`: {n}" for f, n in reversed_notes.itertuples(index=False)) or "* none")))
    display(show(scale_notes, "Question roles and scales, as read"))

# %% [markdown]
# ## What this data can support
#
# Data quality decides which cited figures can be compared at all. The registry lists every figure
# the press cites, with its provenance; figures that need data these exports lack (gender, account
# type, social-media posts, ...) stay `not supported`, with what they need.

# %%
registry = cs.load_registry().set_index("id")
unsupported = a.comparisons[a.comparisons["verdict"] == "not supported"]
show(unsupported.assign(needs=unsupported["id"].map(registry["needs"]).fillna("")),
     "Cited figures these exports cannot support", label_columns=("id", "label"), fields=("cited",),
     extra_columns=("provenance", "needs"))

# %% [markdown]
# ## Conclusions

# %%
weakest = links.sort_values("share_linked").iloc[0]
linking = ("every row of every table reaches a customer" if (links["linked"] == links["rows"]).all() else
           f"the table with the smallest share of rows reaching a customer is the **{weakest.table}** table "
           "(see the linking table)")
display(Markdown(f"""
* Every file was read in the format listed above, and every file's accounting balances:
  **{'yes' if balanced else 'no'}**.
* Linked on `{a.linked.link_on}`: {linking}.
"""
                 + (f"* {value('rating_response_rate')} of the tickets offered a rating were rated.\n"
                    if has("rating_response_rate") else "")
                 + (f"* Survey scales that ran the other way were reversed: "
                    f"{', '.join(f'`{f}`' for f in reversed_notes['file'].unique()) or 'none'}.\n"
                    if a.load_reports.get("survey") else "")))

# %% [markdown]
# ### Caveats
#
# * Excluded rows follow default rules (previews, tests, unfinished responses, voided and refunded
#   orders); each reader has an option to keep them when your definition differs.
# * A row that cannot be linked to a customer still counts in per-ticket metrics but not in
#   per-customer analyses (avoidance, journeys, segments).
# * Unrated tickets are not random: customers answer more often after a bad experience, so rating
#   shares describe the rated tickets, not every ticket.
