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
# # Word of mouth: how far does the bad word travel?
#
# The folklore says a dissatisfied customer tells many people and a good share of them tell a crowd.
# Word of mouth cannot be seen in tickets or orders; it takes a survey question ("how many people
# have you told about this experience?"). This notebook reads those answers, which come as bands
# rather than exact counts, compares them with the cited figures, and contrasts satisfied with
# dissatisfied respondents.

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
import csanalysis as cs
from IPython.display import Markdown, display

from csanalysis.display import format_value, section, show
from csanalysis.plotting import house_style

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed,
               n_resamples=n_resamples)
f = a.figures
BAD, GOOD = "satisfaction=dissatisfied", "satisfaction=satisfied"


def value(id, group=BAD, field="estimate"):
    """A figure as text (dissatisfied respondents unless said)."""
    return a.text(id, group, field)


def ci(id, group=BAD):
    """The figure's confidence interval as text."""
    return a.interval_text(id, group)


def compared(id, field="cited"):
    """A field of the comparison of the cited figure ``id`` (a row of a.comparisons) as text."""
    row = a.comparisons.set_index("id").loc[id]
    return a.cited_text(id) if field == "cited" else row[field]


def rows(ids, group=BAD):
    """The figure rows ``ids`` of one slice, in that order."""
    out = f[f["id"].isin(ids) & (f["group"] == group)]
    return out.sort_values("id", key=lambda s: s.map(ids.index))


has = a.has  # whether the analysis has a figure (for a group) with a value


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
end = (f"follow-up ends on **{a.as_of.date()}** (`as_of`)" if a.as_of is not None else
       "no purchases were given, so follow-up has no end (`as_of`)")
display(Markdown(f"Data: **{source}**; {end}."))

# %% [markdown]
# ## The cited figures and what their provenance allows

# %%
ids = ["wom_told_mean", "wom_told_over_20", "wom_told_median_tarp", "told_others_not_to_buy_after_bad",
       "share_bad_any", "share_bad_gt5"]
cited = {i: cs.registry.get_benchmark(i) for i in ids}
comparisons = a.comparisons.set_index("id")
lines = []
for i, c in cited.items():
    line = f"* **{c['claim_as_cited']}** ({c['sponsor'] or 'no sponsor'}): {c['provenance']}. {c['provenance_note']}"
    if c["unit"] == "proportion" and c["value_as_cited"] and format_value(float(c["value_as_cited"]), "share") != \
            format_value(c["value"], "share"):
        line += (f" The sourced value is {format_value(c['value'], 'share')}; "
                 f"{format_value(float(c['value_as_cited']), 'share')} is how it circulates.")
    lines.append(line)
display(Markdown("\n".join(lines)))
display(Markdown(
    "**What this allows one to conclude.** The range of people told and the share telling more than twenty are "
    "folklore: no original study carries them, so your figures can be shown next to them but never judged against them. "
    "The nearest traceable figure is a median from one old study of one product category. The share who warned others "
    "is a real survey figure seen only second-hand; it is the one comparison here with a defined meaning."))

# %% [markdown]
# ## People told, from banded answers
#
# The survey offers bands (none, a few, six to ten, eleven to twenty, more than twenty), so each answer
# is an interval. The distribution is estimated without assuming where in a band an answer lies
# (Turnbull's estimator). The mean is only bounded when the top band is open: the lower bound reads every
# answer at its low end and cannot overstate, the central estimate continues the band shares' decline
# into the open band, and the upper sensitivity value reads every answer at its high end with the open
# band at three times its floor. The mean's interval is this identified range, so it gets a verdict only
# when the whole range misses the cited range; the central estimate carries the flag `assumed_tail`,
# because no answer shows how far beyond twenty the open band reaches. Intervals resample customers,
# not answers.
#
# *Needs* survey answers with a satisfaction (CSAT) question and a question on how many people were
# told, from dissatisfied respondents.

# %%
NEEDS = "survey answers with a satisfaction question and a question on how many people were told"
told = section("people told", a.results["word_of_mouth"] is not None and has("wom_told_mean", BAD), NEEDS)
if told:
    with house_style():
        ax = a.results["word_of_mouth"].plot()
    display(show(a.comparisons[a.comparisons["id"].isin(ids)], "Dissatisfied respondents against the cited figures",
                 label_columns=("id", "label"), extra_columns=("verdict", "provenance"),
                 fields=("cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n")))

# %%
if told:
    higher = has("wom_told_median_band", BAD) and (a.figure("wom_told_mean", BAD)["estimate"]
                                                  > a.figure("wom_told_median_band", BAD)["ci_high"])
    display(Markdown(f"""
* Dissatisfied respondents (n = {value('wom_told_mean', field='n')}) told **{value('wom_told_mean')} people** on average
  (identified range {ci('wom_told_mean')}), against the folklore range {compared('wom_told_mean')} (verdict
  **{compared('wom_told_mean', 'verdict')}**, {compared('wom_told_mean', 'provenance')}).
* The median lies in the band starting at {value('wom_told_median_band')} (bands {ci('wom_told_median_band')}),
  against the traced median of
  {compared('wom_told_median_tarp')} from the old study (verdict **{compared('wom_told_median_tarp', 'verdict')}**){
  ": most dissatisfied customers tell a few people and a few tell many, which pulls the mean above the median"
  if higher else ""}.
* **{value('wom_told_over_20')}** told more than twenty people ({ci('wom_told_over_20')}), against the folklore
  {compared('wom_told_over_20')} (verdict **{compared('wom_told_over_20', 'verdict')}**, folklore).
* **{value('told_others_not_to_buy_after_bad')}** advised others not to buy ({ci('told_others_not_to_buy_after_bad')}),
  against the sourced {compared('told_others_not_to_buy_after_bad')} (verdict
  **{compared('told_others_not_to_buy_after_bad', 'verdict')}**, {compared('told_others_not_to_buy_after_bad', 'provenance')}).
"""))

# %% [markdown]
# ## Satisfied against dissatisfied
#
# The folklore's premise is that bad news travels further than good. The same measures for satisfied
# respondents:
#
# *Needs* the same as the section before, from satisfied and from dissatisfied respondents.

# %%
contrast = ["wom_told_mean", "wom_told_median_band", "wom_told_over_20", "share_bad_any", "share_good_any",
            "told_others_not_to_buy_after_bad", "told_others_not_to_buy_after_good"]
both = section("satisfied against dissatisfied", told and has("wom_told_mean", GOOD),
               NEEDS.replace("survey answers", "survey answers of satisfied and dissatisfied respondents"))
if both:
    display(show(f[f["id"].isin(contrast) & f["group"].isin([BAD, GOOD])].sort_values(["group", "id"]),
                 "Dissatisfied against satisfied respondents"))

# %%
if both:
    further = a.figure("wom_told_mean", BAD)["ci_low"] > a.figure("wom_told_mean", GOOD)["ci_high"]
    display(Markdown(
        f"Satisfied respondents (n = {value('wom_told_mean', GOOD, 'n')}) told {value('wom_told_mean', GOOD)} people on "
        f"average (identified range {ci('wom_told_mean', GOOD)}) against {value('wom_told_mean')} for dissatisfied ones; "
        f"{value('share_good_any', GOOD)} of satisfied respondents told anyone at all, against "
        f"{value('share_bad_any')} of dissatisfied ones. "
        + ("Bad news travels further here: the identified ranges do not overlap." if further else
           "The identified ranges overlap: the data does not show bad news travelling further.")))

# %% [markdown]
# ## Bounds and the central estimate
#
# Banded answers hide the exact count. The central estimate depends on the assumption about the open
# top band; the lower bound reads every answer at its low end and so can only understate, the upper
# sensitivity value shows how far the assumption can move the mean. Shares above a threshold get a
# lower and an upper bound from answers whose band straddles it.
#
# *Needs* the same as the section on people told.

# %%
readings = ["wom_told_mean_lower_bound", "wom_told_mean", "wom_told_mean_upper_sensitivity", "wom_told_median_band",
            "wom_told_over_20_lower_bound", "wom_told_over_20", "wom_told_over_20_upper_bound",
            "share_bad_gt5_lower_bound", "share_bad_gt5", "share_bad_gt5_upper_bound"]
bounds = section("bounds", told, NEEDS)
if bounds:
    display(show(rows(readings), "Central estimates with their bounds (dissatisfied respondents)"))

# %%
if bounds:
    display(Markdown(f"The mean people told is {value('wom_told_mean')} under the tail assumption, at least "
                     f"{value('wom_told_mean_lower_bound')} ({ci('wom_told_mean_lower_bound')}) at the low ends and "
                     f"{value('wom_told_mean_upper_sensitivity')} at the upper sensitivity reading."))

# %% [markdown]
# ## Conclusions
#
# Each conclusion needs the data of the section it sums up; one without them is left out.

# %%
said = []
if told:
    said.append(f"""Dissatisfied respondents told {value('wom_told_mean')} people on average (at least
  {value('wom_told_mean_lower_bound')}), median in the band from {value('wom_told_median_band')};
  {value('wom_told_over_20')} told more than twenty. These sit next to folklore figures, which are context, not
  targets.""")
if has("told_others_not_to_buy_after_bad", BAD):
    said.append(f"""{value('told_others_not_to_buy_after_bad')} advised others not to buy: verdict
  **{compared('told_others_not_to_buy_after_bad', 'verdict')}** against a sourced but second-hand
  {compared('told_others_not_to_buy_after_bad')}.""")
if both:
    said.append(f"Satisfied respondents told {value('wom_told_mean', GOOD)} people on average.")
if section("conclusions", said, NEEDS):
    display(Markdown("\n".join(f"* {x}" for x in said)))

# %% [markdown]
# ### Caveats
#
# * Survey respondents are not all customers: people with a strong experience answer more often.
# * "People told" is self-reported and recalled; answers cluster on round numbers and band edges.
# * Reviews and social-media posts (the public part of word of mouth) are not in these exports.
