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
# # Churn after a bad experience
#
# "Customers avoid a company for two years after one bad experience" is the most quoted figure in
# customer service. This notebook measures the behavioural analogue in your own data (how many
# customers had not bought again two years after their first bad experience), shows why a naive count
# overstates it, separates the effect of the bad experience from ordinary long buying cycles, and
# puts service-attributable churn next to the "switched because of poor service" figure, which
# turns out not to be comparable at all.

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
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from csanalysis.display import format_value, section, show
from csanalysis.plotting import house_style

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed,
               n_resamples=n_resamples)
f = a.figures
av = a.results["avoidance"]


value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)
ci = a.interval_text  # the figure's confidence interval as text
points = a.points_text  # a difference of two shares in percentage points, with its interval


def compared(id, field="cited"):
    """A field of the comparison of the cited figure ``id`` (a row of a.comparisons) as text."""
    row = a.comparisons.set_index("id").loc[id]
    return format_value(row[field], row["unit"], field=field) if field in ("cited", "observed") else row[field]


def rows(ids):
    """The figure rows ``ids`` (whole population), in that order."""
    out = f[f["id"].isin(ids) & (f["group"] == "all")]
    return out.sort_values("id", key=lambda s: s.map(ids.index))


has = a.has  # whether the analysis has a figure (for a group) with a value


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
end = (f"follow-up ends on **{a.as_of.date()}** (`as_of`)" if a.as_of is not None else
       "no purchases were given, so follow-up has no end (`as_of`)")
window = format_value(a.options["window"], "days")
display(Markdown(f"Data: **{source}**; {end}; avoidance window "
                 f"{window} days."))

# %% [markdown]
# ## The cited figure and what its provenance allows

# %%
b = cs.registry.get_benchmark("avoid_2y_after_bad")
display(Markdown(f"""
**As cited:** "{b['claim_as_cited']}".

**Source:** {b['research_firm']} for {b['sponsor']}, *{b['report_title']}* ({b['publication_year']};
n = {format_value(b['sample_size'], field='n')}; {b['population_country']}; {b['segment']}).
Provenance: **{b['provenance']}**. {b['provenance_note']}

**What was measured:** {b['metric_definition']}

**Denominator:** {b['denominator']}. **Conditional on:** {b['conditional_on']}.

**What this allows one to conclude:** the number exists, but it is a recalled survey answer among
people whose buying had already changed. It is not the share of customers who stay away after one
bad experience. Your figures below are behaviour: the unconditional share (all customers with a bad
experience) and a conditional analogue closer to the survey's denominator.

Caveats the registry carries: {"; ".join(b['caveats'])}.
"""))

# %% [markdown]
# ## Avoidance in your data
#
# For every customer with a bad experience, the clock starts when their first bad experience became
# known (the ticket solved, the survey answered) and stops at their next purchase; purchases while the
# ticket was still open are not returns. Customers who have not bought again by the end of the data are *censored*:
# we know only that their gap is at least as long as their follow-up. The Kaplan-Meier curve uses
# each customer for as long as they were observed; its value at the window is the estimated share
# still without a purchase.
#
# *Needs* tickets or survey answers (rated, so that some experiences are bad) together with purchases,
# linked per customer.

# %%
avoided = section("avoidance", av is not None and has("avoid_2y_after_bad"),
                  "rated tickets or survey answers together with purchases of the same customers")
if avoided:
    display(show(f[f["source"] == "avoidance"], "Avoidance after a bad experience", extra_columns=("method",)))

# %%
if avoided:
    display(Markdown(
        f"An estimated **{value('avoid_2y_after_bad')}** of the {value('avoid_2y_after_bad', field='n')} customers "
        f"with a bad experience had not bought again {window} days later ({ci('avoid_2y_after_bad')}). Against the "
        f"cited {compared('avoid_2y_after_bad')} ({compared('avoid_2y_after_bad', 'provenance')}) the verdict is "
        f"**{compared('avoid_2y_after_bad', 'verdict')}**."))

# %% [markdown]
# ## The censoring trap
#
# A customer whose bad experience happened eight months before the export cannot have stayed away for
# two years yet. Counting every customer "without a purchase so far" as an avoider, as a quick query
# does, counts them anyway and biases the share upwards. Side by side: the naive count and the
# Kaplan-Meier estimate; on the bundled sample also the share its generator planted, which it knows
# because it also generated the future.
#
# *Needs* the same as the section before.

# %%
planted = cs.datasets.load_planted_truth()["avoidance"] if a.sample else None
truth = planted["avoid_2y_after_bad"] if planted else None
trap = section("censoring trap", avoided and has("naive_avoid_2y_after_bad"),
               "tickets or survey answers together with purchases")
if trap:
    with house_style():
        fig, ax = plt.subplots(figsize=(7, 2.8), layout="constrained")
        av.plot_censoring_trap(ax=ax, truth=truth)
    display(show(rows(["naive_avoid_2y_after_bad", "avoid_2y_after_bad"]), "The naive count against Kaplan-Meier",
                 extra_columns=("method",)))

# %%
if trap:
    text = (f"The naive count says {value('naive_avoid_2y_after_bad')}; Kaplan-Meier, which uses each customer only "
            f"for as long as they were observed, says {value('avoid_2y_after_bad')} ({ci('avoid_2y_after_bad')}).")
    if planted:
        text += (f" The sample's generator knows the future: its planted share is "
                 f"{format_value(truth, 'share')} (its definition differs slightly: {planted['definition']}).")
    display(Markdown(text))

# %% [markdown]
# ## Bad against good against a no-contact baseline
#
# Some customers buy every few years anyway: a two-year gap is not always a reaction to service. Three
# curves: after a bad experience; after a good experience (the first rated experience was good; a
# customer leaves this curve at a later bad experience); and a baseline of customers who, in the same
# month, had bought before but had **not contacted the company yet**. Their purchase history up to that
# month (purchase count and rate, recency, tenure, spend) is weighted (entropy balancing) to match that
# of the customers whose bad experience fell in the month, so the baseline says what the
# bad-experience customers would have done without the experience, as far as their history can tell.
# The quantity worth reporting is the *excess*: the bad curve minus the baseline at the window. Its
# interval comes from a customer-level bootstrap that refits the weights in every resample. Two more
# views: the same with controls leaving at their own later contact (`excess_avoidance_censored`), and
# the days without a purchase within the window that go with the bad experience (a difference of
# restricted mean times).
#
# *Needs* the same, and purchases of customers who had not contacted the company yet.

# %%
baseline = section("baseline", avoided and has("avoid_2y_baseline"),
                   "purchases of customers before their first contact, next to those with a bad experience")
if baseline:
    with house_style():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        av.plot(ax=ax)
    display(show(rows(["avoid_2y_after_bad", "avoid_2y_after_good", "avoid_2y_baseline", "excess_avoidance",
                      "excess_avoidance_censored", "rmst_diff_2y"]),
                 "Bad, good and the no-contact baseline", extra_columns=("flags",)))

# %%
if baseline:
    display(Markdown(f"""
* After a **bad** experience {value('avoid_2y_after_bad')} had not bought again within the window; after a **good**
  one {value('avoid_2y_after_good')} ({ci('avoid_2y_after_good')}).
* **Weighted customers not contacted yet**: {value('avoid_2y_baseline')} ({ci('avoid_2y_baseline')};
  n = {value('avoid_2y_baseline', field='n')}).
* **Excess avoidance** over that baseline: **{points('excess_avoidance')}**.
  This, not the raw share, is the part of the two-year gaps that goes with the bad experience.
* Within the window, bad-experience customers went **{value('rmst_diff_2y')} days** longer without a purchase
  ({ci('rmst_diff_2y')}).
"""))

# %% [markdown]
# ## The survey's bands: under a year, one year, two years or more
#
# The survey's answers were spread over three bands; the same split of your bad-experience curve
# (the next purchase within a year, in the second year, or not within two years). *Needs* the same
# as the avoidance section.

# %%
split = ["split_lt_365", "split_365_729", "split_730_plus"]
if section("survey's bands", avoided and any(has(i) for i in split),
           "tickets or survey answers together with purchases"):
    display(Markdown("The survey's bands are in its definition above (*What was measured*). They are recalled "
                     "durations among people whose buying changed; yours are gaps in purchases among all customers "
                     "with a bad experience."))
    display(show(rows(split), "The bad-experience curve in the survey's bands"))

# %% [markdown]
# ## The conditional analogue
#
# The survey's denominator is people whose buying changed after the experience. The closest
# behavioural analogue: among bad-experience customers whose gap exceeded their own expected buying
# cycle, the share whose gap reached the window.
#
# *Needs* the same, and customers with enough purchases before their bad experience to have a cycle.

# %%
if section("conditional analogue", avoided and has("avoid_2y_after_bad_changed"),
           "bad-experience customers with a buying cycle of their own (several purchases before)"):
    display(Markdown(f"Buying counts as changed when the {av.changed_rule.describe()}.\n\n"
                     f"Among them, **{value('avoid_2y_after_bad_changed')}** did not buy within the window "
                     f"({ci('avoid_2y_after_bad_changed')}, n = {value('avoid_2y_after_bad_changed', field='n')}); "
                     f"against the cited {compared('avoid_2y_after_bad_changed')} the verdict is "
                     f"**{compared('avoid_2y_after_bad_changed', 'verdict')}**."))

# %% [markdown]
# ## Service-attributable churn against the "switched because of poor service" figure
#
# Another circulating figure says that nearly half of consumers switched to another company because of
# poor service, attributed to a Microsoft report. The honest own-data analogue asks a different
# question: of the customers who lapsed (no purchase for a year), how many had a bad experience around
# their last purchase, and is that more than among customers who stayed?
#
# *Needs* tickets or survey answers together with purchases, and customers who lapsed.

# %%
attributed = section("attributable churn", a.results["attributable_churn"] is not None
                     and has("attributable_churn_share"), "tickets or survey answers together with purchases, "
                     "with customers who lapsed")
if attributed:
    with house_style():
        ax = a.results["attributable_churn"].plot()
    display(show(f[f["source"] == "attributable_churn"], "Service-attributable churn", extra_columns=("p_value", "method")))

# %%
if attributed:
    excess = a.figure("attributable_excess")
    display(Markdown(f"""
* {value('attributable_churn_share')} of the {value('attributable_churn_share', field='n')} lapsed customers had a bad
  experience around their last purchase ({ci('attributable_churn_share')}), against
  {value('bad_experience_share_retained')} of retained customers: an excess of {points('attributable_excess')},
  p = {format_value(excess['p_value'], field='p_value')}.
* The risk of a year-long lapse after a first rated experience that was bad ({value('lapse_risk_after_bad')}) exceeds
  that after a good one ({value('lapse_risk_after_good')}) by {points('lapse_risk_difference')}.
"""))

# %%
ms = a.comparisons[a.comparisons["id"].str.startswith("ms_stopped_business_poor_service")]
registry = cs.load_registry().set_index("id")
years = ms["id"].map(registry["publication_year"])
sw = cs.registry.get_benchmark("switched_after_poor_service")
display(Markdown(f"""
**Why the circulating figure is not comparable.** "{sw['claim_as_cited']}": provenance **{sw['provenance']}**.
{sw['provenance_note']}

Microsoft's own series asks whether respondents have *ever* stopped doing business with *any* brand because of poor
service: {", ".join(f"{format_value(c, 'share')} in {int(y)} ({p})" for c, y, p in
                    sorted(zip(ms["cited"], years, ms["provenance"]), key=lambda t: t[1]))}. No edition shows
{compared('switched_after_poor_service')}. Even the real series is a lifetime self-report across every brand a person
ever used, so it cannot be set against one company's churn: the registry marks it `{sw['comparability']}` and the
verdict is **{compared('switched_after_poor_service', 'verdict')}**. The like-for-like comparison is to put
Microsoft's question into your own survey.
"""))

# %% [markdown]
# ## Snapshot churn from the customer table
#
# A customer table (one row per customer with a churn flag, satisfaction, complaints and a stated
# reason) gives a second view: churn by satisfaction band and by complaint, and the share of churners
# whose stated reason is about service. A snapshot has no order in time, so this is what churners
# *say*, not what caused their churn.
#
# *Needs* a customer snapshot with a churn flag.

# %%
sc = a.results["snapshot_churn"]
has_snapshot = f.loc[f["source"] == "snapshot_churn", "estimate"].notna().any()
snapshot = section("snapshot churn", sc is not None and has_snapshot, "a customer snapshot with a churn flag")
if snapshot:
    with house_style():
        ax = sc.plot()
    display(show(f[f["source"] == "snapshot_churn"], "Snapshot churn", extra_columns=("p_value",)))

# %%
if snapshot:
    bands = f[(f["id"] == "churn_rate") & f["group"].str.contains("satisfaction") & f["estimate"].notna()]
    diff = f[(f["id"] == "churn_rate_difference") & f["estimate"].notna()]
    display(Markdown(
        ("Churn by satisfaction band: " + ", ".join(
            f"{g.split('=', 1)[1]} {value('churn_rate', g)} (n = {value('churn_rate', g, 'n')})"
            for g in bands["group"]) + ". " if len(bands) else "")
        + (f"The churn rate of customers who complained differs from that of those who did not by "
           f"{points('churn_rate_difference', diff['group'].iloc[0])}. " if len(diff) else "")
        + (f"{value('service_reason_share')} of churners with a stated reason named service "
           f"({ci('service_reason_share')})." if has("service_reason_share") else "")))

# %% [markdown]
# ## Conclusions
#
# Each conclusion needs the data of the section it sums up; one without them is left out.

# %%
said = []
if avoided:
    said.append(f"""**Against the cited figure:** {value('avoid_2y_after_bad')} of customers with a bad experience had
  not bought again within {window} days ({ci('avoid_2y_after_bad')}); verdict against the cited
  {compared('avoid_2y_after_bad')}: **{compared('avoid_2y_after_bad', 'verdict')}**. The cited figure is conditional
  and recalled, so the verdict says how your customers behave, not whether the survey was right.""")
if baseline:
    said.append(f"**The part that goes with the bad experience** is the excess over weighted customers not contacted "
                f"yet: {points('excess_avoidance')}.")
if trap:
    said.append(f"**The censoring trap:** a naive count would have said {value('naive_avoid_2y_after_bad')}.")
if attributed:
    said.append(f"""**Switching:** {value('attributable_churn_share')} of lapsed customers had a bad experience around
  their last purchase, {points('attributable_excess')} more than retained customers. The circulating figure is
  untraceable and would be a lifetime any-brand self-report even if it were sourced: not comparable.""")
if snapshot and has("service_reason_share"):
    said.append(f"**Snapshot:** {value('service_reason_share')} of churners with a stated reason named service.")
if section("conclusions", said, "tickets or survey answers together with purchases, or a customer snapshot"):
    display(Markdown("\n".join(f"* {x}" for x in said)))

# %% [markdown]
# ### Caveats
#
# * "Bad experience" follows the rule shown in the figures' definitions (a bad rating or a low CSAT);
#   pass another `BadExperienceRule` to `cs.analyse` to see how much the figures depend on it.
# * Avoidance is measured as no purchase, which is not the same as avoiding the company: some
#   customers simply need nothing for two years, which is what the no-contact baseline is for.
# * Kaplan-Meier assumes that when the data ends is unrelated to how long a customer stays away.
# * Customers who contact the company differ from those who have not yet; the weights remove the
#   difference their purchase history shows, not what it does not show (why they got in touch). The
#   flags say when the comparison is weak: `poor_overlap` (too few comparable controls, or balance
#   not reached), `short_followup` (most customers followed for less than the window) and
#   `recurring_bad` (after a first bad experience customers have further ones far more often than the
#   controls have a first one, so the controls' future is not theirs; the censored comparison is
#   then the one to read); such a figure gets no above/below verdict.
