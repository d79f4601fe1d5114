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
# # Service metrics: satisfaction, effort, speed, channels and the scorecard
#
# Two views of the same service. The *problem-centred* view treats each ticket as a case: how
# satisfied, how much effort, how fast, on which channel. The *customer-centred* view treats the
# customer and the problem as one package, with the history of every earlier contact; it ends this
# notebook with one customer's timeline.

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
preset = "Classic"  # service style whose lead measures the scorecard shows first (csanalysis.segments.PRESETS)

# %%
# %matplotlib inline
import csanalysis as cs
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from csanalysis.display import format_value, show
from csanalysis.plotting import house_style

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed)
f = a.figures


value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)
ci = a.interval_text  # the figure's confidence interval as text
points = a.points_text  # a difference of two shares in percentage points, with its interval


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
display(Markdown(f"Data: **{source}**; follow-up ends on **{a.as_of.date()}** (`as_of`)."))

# %% [markdown]
# ## Overall
#
# * **CSAT**: mean answer on the one-to-five satisfaction scale (t interval) and the top-two-box
#   share (answers four or five, Wilson interval).
# * **NPS**: promoters minus detractors on the zero-to-ten recommendation question.
# * **CES**: customer effort on the one-to-seven scale, low = easy (scales worded the other way are
#   reversed when read).
# * **Times**: median and ninetieth percentile of the first reply and of the resolution, in minutes,
#   with distribution-free intervals; reopen rate and first-contact resolution.

# %%
show(f[(f["source"] == "service_metrics") & (f["group"] == "all")], "Service metrics, all tickets and answers",
     extra_columns=("method",))

# %%
display(Markdown(f"""
* Mean **CSAT** is {value('csat_mean')} ({ci('csat_mean')}, n = {value('csat_mean', field='n')});
  {value('csat_top2')} answered four or five.
* **NPS** is {value('nps')} ({ci('nps')}); mean **CES** is {value('ces_mean')} on the one-to-seven effort scale.
* The median ticket gets its first reply after {value('first_reply_p50')} minutes and is resolved after
  {value('resolution_p50')} minutes.
* {value('bad_rating_share')} of rated tickets were rated bad; {value('rating_response_rate')} of the tickets offered
  a rating were rated.
"""))

# %% [markdown]
# ## By channel
#
# The same metrics per channel. Channels without tickets show no values; a flag `small_n` marks a
# figure with too few observations behind it to be compared.

# %%
by_channel = f[f["group"].str.startswith("channel=") & (f["n"] > 0)]  # channels with tickets
shown = ["bad_rating_share", "csat_mean", "first_reply_p50", "resolution_p50", "fcr"]
show(by_channel[by_channel["id"].isin(shown)].sort_values(["id", "group"]), "Service metrics by channel",
     extra_columns=("flags",))

# %%
with house_style():
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    a.results["metrics_by_channel"].plot(ax=axes[0], metric="bad_rating_share")
    a.results["metrics_by_channel"].plot(ax=axes[1], metric="resolution_p50")

# %%
shares = by_channel[(by_channel["id"] == "bad_rating_share") & by_channel["estimate"].notna()
                    & ~by_channel["flags"].map(lambda fl: "small_n" in fl)].set_index("group")
hi, lo = shares["estimate"].idxmax(), shares["estimate"].idxmin()  # which channel, not a new number
display(Markdown(
    f"Among channels with enough rated tickets, **{hi.split('=', 1)[1]}** has the highest bad-rating share "
    f"({value('bad_rating_share', hi)}, {ci('bad_rating_share', hi)}) and **{lo.split('=', 1)[1]}** the lowest "
    f"({value('bad_rating_share', lo)}, {ci('bad_rating_share', lo)})."))

# %% [markdown]
# ## Consistency across channels
#
# Self-service, automation and people should give the same experience, in the same tone, on every
# channel. The consistency figure is the range (highest minus lowest) of the channels' bad-rating
# shares, with a bootstrap interval.

# %%
show(f[f["id"] == "channel_consistency"], "Consistency across channels", extra_columns=("method",))

# %%
with house_style():
    ax = a.results["channels"].plot()

# %%
display(Markdown(
    f"The channels' bad-rating shares lie {points('channel_consistency')} apart. "
    + ("The interval excludes zero: the channels do not give the same experience."
       if a.figure("channel_consistency")["ci_low"] > 0 else
       "The interval includes zero: the data does not show the channels differing.")))

# %% [markdown]
# ## The service scorecard, quarter by quarter
#
# Fewer complaints, more referrals and repeat business, faster response and turnaround, higher
# productivity and less rework, measured period over period with a test of each change. A preset
# for one of the nine service styles names that style's lead measures; they are shown first.

# %%
style = cs.segments.PRESETS[preset]
scorecard = f[f["source"] == "scorecard"]
referral = next((m for m in ("referral_share", "referring_customers_share", "promoter_share")
                 if m in set(scorecard["id"])), None)
lead = [referral if m == "referrals" else m for m in style["lead"]]
lead = [m for m in lead if m in set(scorecard["id"])]
display(Markdown(f"**{preset}** promises *{style['promise']}*; lead measures: "
                 f"{', '.join(f'`{m}`' for m in lead)} ({style['why']})."))
periods = sorted(scorecard["group"].unique())[-4:]
show(scorecard[scorecard["group"].isin(periods) & scorecard["estimate"].notna()].sort_values(["id", "group"]),
     "The scorecard: the last four quarters", extra_columns=("p_value", "flags"))

# %%
with house_style():
    fig, axes = plt.subplots(len(lead), 1, figsize=(10, 3.4 * len(lead)), layout="constrained", squeeze=False)
    for ax, measure in zip(axes[:, 0], lead):
        a.results["scorecard"].plot(ax=ax, measure=measure)

# %%
complete = scorecard[~scorecard["flags"].map(lambda fl: "incomplete_period" in fl)]
last = complete["group"].max()
changes = complete[(complete["group"] == last) & (complete["p_value"] < 0.05)]
display(Markdown(
    f"In the last complete quarter ({last.split('=', 1)[1]}), the measures that changed significantly from the "
    "quarter before: "
    + (", ".join(f"`{m}` (p = {format_value(p, field='p_value')})" for m, p in changes[["id", "p_value"]].itertuples(
        index=False)) or "none")
    + ". The tests are not adjusted for the number of measures: expect about one false alarm in twenty."))

# %% [markdown]
# ## One customer's timeline (customer-centred view)
#
# Every purchase, ticket, rating and survey answer of one customer in time order: the history an
# agent should see before answering. The customer is shown by pseudonym only; details never include
# free text or e-mail addresses. Here: the customer of the latest bad experience.

# %%
bad = a.experiences[a.experiences["bad"] & a.experiences["customer"].notna()]
who = bad.sort_values(["at", "customer"])["customer"].iloc[-1]
story = cs.timeline(a.linked.tickets, a.linked.responses, a.linked.activity, customer=who)
display(Markdown(f"Customer `{who}`, from {story['at'].min().date()} to {story['at'].max().date()}:"))
show(story[["at", "event", "channel", "detail"]].astype(str), f"Timeline of {who}")

# %% [markdown]
# ## What the cited figures allow
#
# None of this notebook's metrics has a cited counterpart that can be compared directly. The press
# figures nearest to it are stated preferences, which need a survey item rather than behaviour:

# %%
near = ["prefer_self_service", "want_omnichannel", "ms_expect_self_service"]
display(Markdown("\n".join(
    f"* {b['claim_as_cited']}: **{b['provenance']}**. {b['provenance_note']}"
    for b in map(cs.registry.get_benchmark, near))))

# %% [markdown]
# ## Conclusions

# %%
display(Markdown(f"""
* Satisfaction: mean CSAT {value('csat_mean')}, NPS {value('nps')}, {value('bad_rating_share')} of rated tickets bad.
* Speed: median first reply {value('first_reply_p50')} minutes, median resolution {value('resolution_p50')} minutes.
* Channels: bad ratings range from {value('bad_rating_share', lo)} ({lo.split('=', 1)[1]}) to
  {value('bad_rating_share', hi)} ({hi.split('=', 1)[1]}); the spread of {points('channel_consistency')} is
  the consistency figure to watch.
* Scorecard ({preset}): {", ".join(f"`{m}`" for m in changes["id"]) or "no measure"} changed significantly in
  {last.split('=', 1)[1]}.
"""))

# %% [markdown]
# ### Caveats
#
# * Ratings and survey answers come from the customers who chose to answer; customers answer more
#   often after a bad experience.
# * Times count calendar minutes, not business hours.
# * Channels differ in the problems they receive (complex cases arrive by e-mail), so a gap between
#   channels is not all down to how each channel is run.
