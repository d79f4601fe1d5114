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
# # Customer segments: RFM, journeys, service levels and clusters
#
# Who the customers are (recency, frequency and monetary value), what service journey they had
# (no contact, good only, bad then recovered, bad not recovered), which level of service they
# received (fails, meets, exceeds, delights, amazes) and what they did afterwards, and which groups
# the data forms on its own.

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


value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)
ci = a.interval_text  # the figure's confidence interval as text
points = a.points_text  # a difference of two shares in percentage points, with its interval


def segment_rows(kind, ids=None):
    """The figure rows of one segmentation (slices ``kind=...``), for the given figure ids in that order."""
    rows = f[f["group"].str.startswith(kind + "=")]
    if ids is None:
        return rows
    rows = rows[rows["id"].isin(ids)]
    return rows.sort_values("id", key=lambda s: s.map(ids.index), kind="stable")


def name(group):
    """The segment of a figure's slice: ``journey=good only`` -> ``good only``."""
    return group.split("=", 1)[1]


has = a.has  # whether the analysis has a figure (for a group) with a value


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
end = (f"follow-up ends on **{a.as_of.date()}** (`as_of`)" if a.as_of is not None else
       "no purchases were given, so follow-up has no end (`as_of`)")
display(Markdown(f"Data: **{source}**; {end}."
                 + "".join(f"\n\nNote: {n}." for n in a.notes if "currenc" in n)))

# %% [markdown]
# ## RFM: recency, frequency, monetary value
#
# Customers are scored in quintiles of days since their last purchase, number of purchases and total
# spend, and named by the usual grid (Champions, Loyal, ..., Lost). Amounts are never added across
# currencies: the monetary value counts one currency.
#
# *Needs* purchases (an activity export).

# %%
rfm_ids = ["segment_customers", "segment_share", "segment_mean_recency", "segment_mean_frequency",
           "segment_mean_monetary"]
shares = segment_rows("segment", ["segment_share"]).dropna(subset=["estimate"])
top = shares.sort_values("estimate", ascending=False)["group"].head(3).tolist()  # which segments, not a new number
if section("rfm", a.results["rfm"] is not None and top, "purchases"):
    display(show(segment_rows("segment", rfm_ids), f"RFM segments (monetary value in {a.options['currency']})"))

# %%
if top:
    with house_style():
        ax = a.results["rfm"].plot()
    display(Markdown("The largest segments: " + "; ".join(
        f"**{name(g)}** {value('segment_share', g)} of customers ({value('segment_customers', g)})" for g in top)
        + "."))

# %% [markdown]
# ## Service journeys and the service-recovery test
#
# Each customer's journey is classified from their service experiences: no contact, good only,
# neutral or unrated, bad then recovered (a good experience after the bad one), bad not recovered.
# The outcome is a purchase within the window after the last service event (customers without contact
# get a reference date drawn like the others' index dates); customers followed for less than the
# window are left out of the rates. The journey is read from the whole history, so this table
# *describes* customers; it does not compare them.
#
# The **service-recovery test** compares without looking ahead: time zero is the contact itself (the
# recovering good experience, a later contact that did not recover, or a good experience with no bad
# one before it); only customers who had bought before time zero, recently enough to be active, and
# who are followed for the whole window take part; the groups are weighted (overlap weights of a
# propensity model) to the same purchase and contact history before time zero; the interval and the
# test come from a sandwich variance with the customer as cluster. Flags withhold the verdict where the
# design is weak: `poor_overlap`, `unmeasured_propensity` (heavy buyers are disappointed more often per
# contact than their history explains) and `recurring_contacts` (the customers not recovered give many
# reference rows each: their contacts recur, and when they are recovered later that cannot be lined up
# with when the recovered customers would have been).
#
# *Needs* tickets or survey answers together with purchases, linked per customer; the recovery test
# also needs customers in each journey who are followed for the whole window.

# %%
journey_ids = ["segment_customers", "segment_share", "segment_repeat_rate", "segment_avoid_rate",
               "segment_lapse_rate"]
journeys = section("journeys", a.results["journeys"] is not None and len(segment_rows("journey")),
                   "tickets or survey answers together with purchases")
if journeys:
    display(show(segment_rows("journey", journey_ids), "Service journeys and what the customers did next",
                 extra_columns=("flags",)))

# %%
recovered = f[(f["id"] == "recovery_difference") & f["estimate"].notna()].set_index("group")
tested = section("recovery test", a.results["recovery"] is not None and len(recovered),
                 "customers with a bad experience and others, followed for the whole window after their contact")
repeat = journeys and segment_rows("journey", ["segment_repeat_rate"])["estimate"].notna().any()
panels = [k for k, ok in (("journeys", repeat), ("recovery", tested)) if ok]
if panels:
    with house_style():
        fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 3.8), layout="constrained", squeeze=False)
        for ax, panel in zip(axes[0], panels):
            a.results[panel].plot(ax=ax, **({"what": "repeat"} if panel == "journeys" else {}))
if tested:
    display(show(f[f["id"] == "recovery_difference"], "The service-recovery test: repeat purchase, difference between "
                 "journeys", extra_columns=("p_value", "definition")))

# %%
if len(recovered):
    lines = [f"* {name(g).replace(' vs ', ' against ')}: {points('recovery_difference', g)}, "
             f"p = {format_value(row.p_value, field='p_value')}" for g, row in recovered.iterrows()]
    display(Markdown("Buying again within the window after time zero (the contact), weighted difference between "
                     "the groups:\n\n" + "\n".join(lines)))

# %% [markdown]
# ## Levels of service
#
# The four levels of service: *meet* the customer's expectations (defensive: it only keeps them from
# looking elsewhere), *exceed* them, *delight* them (consistently better than they expect and than
# anyone else would give them; this earns loyalty) and *amaze* them (occasional unexpected moments,
# never a substitute for consistent good service), plus *fails*. Each survey response gets a level
# from its CSAT, expectation, NPS and effort answers; each customer the level of their latest
# response.
#
# *Needs* survey answers with a satisfaction (CSAT) or expectation question; what customers did next
# also needs purchases.

# %%
levels = a.results["service_levels"]
leveled = section("levels", levels is not None and len(segment_rows("level")),
                  "survey answers with a satisfaction or expectation question")
if leveled:
    display(Markdown(f"Rule: {levels.rule.describe()} Expectation question: `{levels.expectation_column}`."))
    display(show(segment_rows("level", ["segment_customers", "segment_share", "segment_repeat_rate",
                                        "segment_avoid_rate"]), "Levels of service and what the customers did next",
                 extra_columns=("flags",)))

# %%
rates = segment_rows("level", ["segment_repeat_rate"]).dropna(subset=["estimate"])
if leveled:
    with house_style():
        fig, axes = plt.subplots(1, 2 if len(rates) else 1, figsize=(12, 3.6), layout="constrained", squeeze=False)
        levels.plot(ax=axes[0, 0], what="share")
        if len(rates):
            levels.plot(ax=axes[0, 1], what="repeat")
if len(rates):
    display(Markdown("Bought again within the window, by level: " + ", ".join(
        f"{name(g)} {value('segment_repeat_rate', g)} (n = {value('segment_repeat_rate', g, 'n')})"
        for g in rates["group"]) + "."))

# %% [markdown]
# ## Clusters the data forms on its own
#
# k-means on purchase and service features (recency, frequency, spend, tenure, contact rate, share of
# bad experiences, mean CSAT, resolution time), with the number of clusters chosen by silhouette and
# each cluster described in plain words from the features that set it apart. When purchases come in
# several currencies, spend counts the main currency only.
#
# *Needs* purchases from enough customers to form clusters.

# %%
sizes = segment_rows("cluster", ["segment_share"]).dropna(subset=["estimate"])
clustered = section("clusters", a.results["clusters"] is not None and len(sizes), "purchases from enough customers")
if clustered:
    display(show(segment_rows("cluster", ["segment_customers", "segment_share", "segment_repeat_rate"]),
                 "Clusters, described by what sets them apart", extra_columns=("definition",)))

# %%
if clustered:
    with house_style():
        ax = a.results["clusters"].plot()
    display(Markdown("The clusters: " + "; ".join(
        f"**{name(g)}** ({value('segment_share', g)}): {d}" for g, d in sizes[["group", "definition"]].itertuples(
            index=False)) + "."))

# %% [markdown]
# ## Comparing segments
#
# Any metric across any segments can be compared with intervals, an omnibus test and each segment
# against the rest, corrected for the number of comparisons (Benjamini-Hochberg false-discovery rate),
# with `cs.segments.compare_segments` on the analysis's tables (`a.linked`, `a.experiences`). Such
# comparisons are exploratory; the segment figures above are the ones the report shows.

# %% [markdown]
# ## What the cited figures allow
#
# The survey behind the avoidance figure reports segments too; comparing with them needs data a
# company's exports rarely hold:

# %%
sub = a.comparisons[a.comparisons["id"].str.startswith(("avoid_2y_after_bad_", "buy_more_after_good",
                                                         "stop_buying_after_bad"))
                    & (a.comparisons["id"] != "avoid_2y_after_bad_changed")]
display(Markdown("\n".join(
    f"* `{r['id']}`: {format_value(r['cited'], r['unit'])} ({r['provenance']}; {r['label']}): **{r['verdict']}**"
    for r in sub.to_dict("records"))
    + "\n\nThey are survey answers from one US study; your segments above are behaviour in your data. "
      "Use them as a reminder that effects differ between groups, not as targets."))

# %% [markdown]
# ## Conclusions
#
# Each conclusion needs the data of the section it sums up; one without them is left out.

# %%
said = []
if top:
    said.append(f"RFM: the largest segment is **{name(top[0])}** ({value('segment_share', top[0])} of customers).")
if has("segment_repeat_rate", "journey=bad not recovered"):
    said.append(f"""Journeys: customers with a bad experience that was not recovered bought again within the window
  {value('segment_repeat_rate', 'journey=bad not recovered')} of the time, against
  {value('segment_repeat_rate', 'journey=good only')} for good-only and
  {value('segment_repeat_rate', 'journey=bad then recovered')} for recovered customers
  (n = {value('segment_repeat_rate', 'journey=bad then recovered', 'n')}, so that interval is wide:
  {ci('segment_repeat_rate', 'journey=bad then recovered')}).""")
if len(rates):
    by_level = ", ".join(f"{name(g)} {value('segment_repeat_rate', g)}" for g in rates["group"])
    said.append(f"Levels: {by_level} bought again.")
if clustered:
    smallest = sizes.sort_values("estimate")["group"].iloc[0]
    said.append(f"Clusters: the smallest, **{name(smallest)}** ({a.figure('segment_share', smallest)['definition']}), "
                f"holds {value('segment_share', smallest)} of customers.")
if section("conclusions", said, "purchases"):
    display(Markdown("\n".join(f"* {x}" for x in said)))

# %% [markdown]
# ### Caveats
#
# * Journeys, levels and clusters are observational: customers with bad experiences differ in other
#   ways too (they buy more often, so they contact more often). The recovery test adjusts for the
#   history before time zero, not for what the history does not show (the figure's `caveat` and
#   `flags` say so); the [churn notebook](04-churn-after-a-bad-experience.ipynb) compares against
#   weighted customers without contact.
# * The RFM monetary value counts one currency; customers who paid only in another currency score
#   as if they spent nothing (the analysis notes say when the data holds several).
# * Levels depend on the rule's thresholds (shown above); change them with `ServiceLevelRule`.
