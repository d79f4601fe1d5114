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
# # Quickstart: your own figures against the ones the press cites
#
# The customer-service press repeats a handful of figures: customers avoid a company for two
# years after one bad experience, a dissatisfied customer tells many others, poor service makes
# people switch. This notebook goes from the exports to one table that puts every figure your data
# supports next to the cited one, with a confidence interval, a verdict and the provenance of the
# cited figure (how far back it could be traced).
#
# It runs on the bundled sample unless the parameters below point at your own exports. The
# notebooks that follow take each part apart:
# [loading and checking the exports](01-load-and-check-exports.ipynb),
# [service metrics](02-service-metrics.ipynb),
# [customer segments](03-customer-segments.ipynb),
# [churn after a bad experience](04-churn-after-a-bad-experience.ipynb) and
# [word of mouth](05-word-of-mouth.ipynb).

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

# %% [markdown]
# ## One call computes every figure
#
# `cs.analyse` reads each export with the reader for its format (e-mail addresses become keyed
# pseudonyms, columns that name people are dropped), links the tables per customer, builds the
# service experiences (a ticket or survey answer is *bad* when it is rated bad or CSAT is low),
# runs every estimator the data supports and compares the results with the registry of cited
# figures. The report (`csanalysis report`), its `results.json` and these notebooks all show the
# same `Analysis`: a figure has one value everywhere. The notebooks compute nothing themselves;
# they show rows of `a.figures` and `a.comparisons`, draw the result objects, and put figures into
# words.

# %%
# %matplotlib inline
import csanalysis as cs
from IPython.display import Markdown, display

from csanalysis.display import format_value, section, show
from csanalysis.plotting import house_style, plot_benchmarks

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed,
               n_resamples=n_resamples)


value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)
ci = a.interval_text  # the figure's confidence interval as text


def compared(id, field="cited"):
    """A field of the comparison of the cited figure ``id`` (a row of a.comparisons) as text."""
    row = a.comparisons.set_index("id").loc[id]
    return a.cited_text(id) if field == "cited" else row[field]


has = a.has  # whether the analysis has a figure (for a group) with a value


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
end = (f"follow-up ends on **{a.as_of.date()}** (`as_of`)" if a.as_of is not None else
       "no purchases were given, so follow-up has no end (`as_of`)")
display(Markdown(f"Data: **{source}**; {end}."))

# %% [markdown]
# ## The headline table
#
# Every cited figure the data supports, next to your own figure: `cited` is the value the
# comparison uses (`cited_low` to `cited_high` where the figure is cited as a range), `observed` your figure with its confidence interval (`ci_low` to `ci_high`) and
# `n` the customers or respondents behind it. Cited figures your exports cannot support are listed,
# with what they need, at the end of [loading and checking the exports](01-load-and-check-exports.ipynb).
#
# *Needs* an own figure behind at least one cited figure: most need tickets or survey answers
# together with purchases, or survey answers with a satisfaction question.

# %%
supported = a.comparisons[a.comparisons["verdict"] != "not supported"]
if a.notes:
    display(Markdown("Notes: " + " ".join(a.notes)))
if section("headline", len(supported), "data behind at least one cited figure (notebook 01 lists what each needs)"):
    display(show(supported, "Own figures against the cited figures", label_columns=("id", "label"),
                 fields=("cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n"),
                 extra_columns=("verdict", "direction", "provenance")))

# %% [markdown]
# ## The headline on one screen
#
# Each row is one figure: your value (dot) with its confidence interval (line) against the cited
# figure (diamond; a band for a cited range), coloured by the provenance of the cited figure.
# Shares are in percent; the counts of people told follow in a second panel.
#
# *Needs* the same as the headline table; the second panel needs survey answers with a question on how
# many people were told.

# %%
if section("forest plot, shares", (supported["unit"] == "share").any(), "data behind a cited share"):
    with house_style():
        ax = plot_benchmarks(a.comparisons, unit="share")

# %%
if section("forest plot, people told", (supported["unit"] == "people").any(),
           "survey answers on how many people were told"):
    with house_style():
        ax = plot_benchmarks(a.comparisons, unit="people")

# %% [markdown]
# ## Reading guide
#
# * **Verdicts**: `below` / `above` when the whole interval lies below / above the cited figure,
#   `consistent` when it overlaps, `too few` when too few customers stand behind your figure,
#   `too uncertain` when its interval is too wide to say, `not comparable` when the definitions
#   cannot meet (for example a lifetime self-report about every brand a person ever used against
#   one company's churn), and `not supported` when the data lacks what the figure needs.
# * **Direction** says what an `above` or `below` verdict means for the company: `worse` or
#   `better`.
# * **Provenance** says how far the cited figure could be traced. A verdict against an untraceable
#   figure tells you about your data, not about the figure: such rows are context, never targets.

# %%
display(Markdown("Provenance levels:\n\n" + "\n".join(
    f"* **{cs.registry.provenance_label(level)}**" for level in ("P1", "P2", "S", "U"))))

# %% [markdown]
# ### Each comparison in words
#
# *Needs* the same as the headline table.

# %%
lines = []
for r in supported.to_dict("records"):
    def fmt(v, field="estimate", unit=r["unit"]):
        return format_value(v, unit, field=field)
    reason = f" ({r['reason']})" if r["reason"] else ""
    lines.append(f"* **{r['label']}**: {fmt(r['observed'])} ({fmt(r['ci_low'])} to {fmt(r['ci_high'])}, "
                 f"n = {fmt(r['n'], 'n')}) against the cited {a.cited_text(r['id'])}, {r['provenance']}: "
                 f"**{r['verdict']}**{reason}.")
if section("in words", lines, "data behind at least one cited figure"):
    display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Conclusions
#
# Each conclusion needs the data of the figures it states; one without them is left out.

# %%
said = []
if has("avoid_2y_after_bad"):
    said.append(f"""**Avoidance.** An estimated {value('avoid_2y_after_bad')} of customers with a bad experience had
  not bought again two years later ({ci('avoid_2y_after_bad')}, n = {value('avoid_2y_after_bad', field='n')}), against
  {value('avoid_2y_after_good')} after a good experience. The cited {compared('avoid_2y_after_bad')} is a survey answer
  conditional on people whose buying changed ({compared('avoid_2y_after_bad', 'provenance')}); verdict:
  **{compared('avoid_2y_after_bad', 'verdict')}**. [Notebook 04](04-churn-after-a-bad-experience.ipynb) separates the
  effect of the bad experience from ordinary long buying cycles.""")
BAD = "satisfaction=dissatisfied"
if has("wom_told_mean", BAD):
    said.append(f"""**Word of mouth.** Dissatisfied respondents told {value('wom_told_mean', BAD)} people on average
  ({ci('wom_told_mean', BAD)}); {value('wom_told_over_20', BAD)} told more than twenty, and
  {value('told_others_not_to_buy_after_bad', BAD)} advised others not to buy (cited
  {compared('told_others_not_to_buy_after_bad')}, {compared('told_others_not_to_buy_after_bad', 'provenance')}). The
  folklore range is {compared('wom_told_mean', 'provenance')}: a verdict of **{compared('wom_told_mean', 'verdict')}**
  describes your customers, not the folklore.""")
if has("attributable_churn_share"):
    said.append(f"""**Switching.** {value('attributable_churn_share')} of lapsed customers had a bad experience around
  their last purchase; the circulating "{compared('switched_after_poor_service')} switched" is
  **{compared('switched_after_poor_service', 'verdict')}**
  ({compared('switched_after_poor_service', 'provenance')}).""")
if section("conclusions", said,
           "tickets or survey answers together with purchases, or survey answers on word of mouth"):
    display(Markdown("\n".join(f"* {x}" for x in said)))

# %% [markdown]
# ### Caveats
#
# * The bundled sample is simulated: its figures show how the analysis works, not how any real
#   company performs.
# * The cited figures are survey answers from other populations and years; your figures are
#   behaviour (purchases) or your own survey answers. The `definition` column of `a.comparisons`
#   gives both definitions for every row.
# * Intervals come from bootstraps with the report's number of resamples, so they equal the
#   report's to the last digit for the same data and `seed`.
