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
n_resamples = 1000  # bootstrap resamples (the report's default; fewer, e.g. 50, for a quick look)
preset = "Classic"  # service style whose lead measures the scorecard shows first (csanalysis.segments.PRESETS)

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


has = a.has  # whether the analysis has a figure (for a group) with a value


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
end = (f"follow-up ends on **{a.as_of.date()}** (`as_of`)" if a.as_of is not None else
       "no purchases were given, so follow-up has no end (`as_of`)")
display(Markdown(f"Data: **{source}**; {end}."))

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
#
# *Needs* tickets or survey answers; each metric needs its own column or question.

# %%
overall = section("overall", a.results["metrics"] is not None, "tickets or survey answers")
if overall:
    display(show(f[(f["source"] == "service_metrics") & (f["group"] == "all")], "Service metrics, all tickets and answers",
                 extra_columns=("method",)))

# %%
said = []
if has("csat_mean"):
    said.append(f"Mean **CSAT** is {value('csat_mean')} ({ci('csat_mean')}, n = {value('csat_mean', field='n')}); "
                f"{value('csat_top2')} answered four or five.")
if has("nps"):
    said.append(f"**NPS** is {value('nps')} ({ci('nps')}).")
if has("ces_mean"):
    said.append(f"Mean **CES** is {value('ces_mean')} on the one-to-seven effort scale.")
if has("first_reply_p50") or has("resolution_p50"):
    said.append(f"The median ticket gets its first reply after {value('first_reply_p50')} minutes and is resolved "
                f"after {value('resolution_p50')} minutes.")
if has("bad_rating_share"):
    said.append(f"{value('bad_rating_share')} of rated tickets were rated bad; {value('rating_response_rate')} of the "
                "tickets offered a rating were rated.")
if overall:
    display(Markdown("\n".join(f"* {x}" for x in said) or "The exports hold none of these metrics' columns."))

# %% [markdown]
# ## By channel
#
# The same metrics per channel. Channels without tickets show no values; a flag `small_n` marks a
# figure with too few observations behind it to be compared.
#
# *Needs* tickets with a channel.

# %%
by_channel = f[f["group"].str.startswith("channel=") & (f["n"] > 0)]  # channels with tickets
shown = ["bad_rating_share", "csat_mean", "first_reply_p50", "resolution_p50", "fcr"]
channels = section("by channel", a.results["metrics_by_channel"] is not None and len(by_channel),
                   "tickets with a channel")
if channels:
    display(show(by_channel[by_channel["id"].isin(shown)].sort_values(["id", "group"]), "Service metrics by channel",
                 extra_columns=("flags",)))

# %%
if channels:
    with house_style():
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
        a.results["metrics_by_channel"].plot(ax=axes[0], metric="bad_rating_share")
        a.results["metrics_by_channel"].plot(ax=axes[1], metric="resolution_p50")

# %%
shares = by_channel[(by_channel["id"] == "bad_rating_share") & by_channel["estimate"].notna()
                    & ~by_channel["flags"].map(lambda fl: "small_n" in fl).astype(bool)].set_index("group")
compare = channels and len(shares) > 1
if compare:
    hi, lo = shares["estimate"].idxmax(), shares["estimate"].idxmin()  # which channel, not a new number
    display(Markdown(
        f"Among channels with enough rated tickets, **{hi.split('=', 1)[1]}** has the highest bad-rating share "
        f"({value('bad_rating_share', hi)}, {ci('bad_rating_share', hi)}) and **{lo.split('=', 1)[1]}** the lowest "
        f"({value('bad_rating_share', lo)}, {ci('bad_rating_share', lo)})."))
elif channels:
    display(Markdown("Fewer than two channels have enough rated tickets to compare their bad-rating shares."))

# %% [markdown]
# ## Consistency across channels
#
# Self-service, automation and people should give the same experience, in the same tone, on every
# channel. The consistency figure is the range (highest minus lowest) of the channels' bad-rating
# shares, with a bootstrap interval.
#
# *Needs* rated tickets (or survey answers with a satisfaction question) on at least two channels.

# %%
consistent = section("consistency", a.results["channels"] is not None and has("channel_consistency"),
                     "rated tickets on at least two channels")
if consistent:
    display(show(f[f["id"] == "channel_consistency"], "Consistency across channels", extra_columns=("method",)))

# %%
if consistent:
    with house_style():
        ax = a.results["channels"].plot()

# %%
if consistent:
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
#
# *Needs* tickets; measures of purchases and referrals need purchases and survey answers too, and a
# change needs a complete quarter before it.

# %%
style = cs.segments.PRESETS[preset]
scorecard = f[(f["source"] == "scorecard") & f["estimate"].notna()]
referral = next((m for m in ("referral_share", "referring_customers_share", "promoter_share")
                 if m in set(scorecard["id"])), None)
lead = [referral if m == "referrals" else m for m in style["lead"]]
lead = [m for m in lead if m in set(scorecard["id"])]
if section("scorecard", a.results["scorecard"] is not None and len(scorecard), "tickets"):
    display(Markdown(f"**{preset}** promises *{style['promise']}*; lead measures: "
                     f"{', '.join(f'`{m}`' for m in lead) or 'none in these exports'} ({style['why']})."))
    periods = sorted(scorecard["group"].unique())[-4:]
    display(show(scorecard[scorecard["group"].isin(periods)].sort_values(["id", "group"]),
                 "The scorecard: the last four quarters", extra_columns=("p_value", "flags")))

# %%
if lead:
    with house_style():
        fig, axes = plt.subplots(len(lead), 1, figsize=(10, 3.4 * len(lead)), layout="constrained", squeeze=False)
        for ax, measure in zip(axes[:, 0], lead):
            a.results["scorecard"].plot(ax=ax, measure=measure)

# %%
complete = scorecard[~scorecard["flags"].map(lambda fl: "incomplete_period" in fl).astype(bool)]
last = complete["group"].max() if len(complete) else None
changes = complete[(complete["group"] == last) & (complete["p_value"] < 0.05)]
if last is not None:
    display(Markdown(
        f"In the last complete quarter ({last.split('=', 1)[1]}), the measures that changed significantly from the "
        "quarter before: "
        + (", ".join(f"`{m}` (p = {format_value(p, field='p_value')})" for m, p in changes[["id", "p_value"]]
                     .itertuples(index=False)) or "none")
        + ". The tests are not adjusted for the number of measures: expect about one false alarm in twenty."))
elif len(scorecard):
    display(Markdown("No quarter in these exports is complete, so no change is tested."))

# %% [markdown]
# ## One customer's timeline (customer-centred view)
#
# Every purchase, ticket, rating and survey answer of one customer in time order: the history an
# agent should see before answering. The customer is shown by pseudonym only; details never include
# free text or e-mail addresses. Here: the customer of the latest bad experience.
#
# *Needs* a bad experience (a ticket rated bad or a low CSAT answer) of a customer the exports identify.

# %%
bad = (a.experiences[a.experiences["bad"].fillna(False).astype(bool) & a.experiences["customer"].notna()]
       if a.experiences is not None else [])
if section("timeline", len(bad), "a bad experience of a customer the exports identify"):
    who = bad.sort_values(["at", "customer"])["customer"].iloc[-1]
    story = cs.timeline(a.linked.tickets, a.linked.responses, a.linked.activity, customer=who)
    display(Markdown(f"Customer `{who}`, from {story['at'].min().date()} to {story['at'].max().date()}:"))
    display(show(story[["at", "event", "channel", "detail"]].astype(str), f"Timeline of {who}"))

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
#
# Each conclusion needs the data of the section it sums up; one without them is left out.

# %%
said = []
if has("csat_mean") or has("bad_rating_share"):
    said.append(f"Satisfaction: mean CSAT {value('csat_mean')}, NPS {value('nps')}, {value('bad_rating_share')} of "
                "rated tickets bad.")
if has("first_reply_p50") or has("resolution_p50"):
    said.append(f"Speed: median first reply {value('first_reply_p50')} minutes, median resolution "
                f"{value('resolution_p50')} minutes.")
if compare:
    said.append(f"Channels: bad ratings range from {value('bad_rating_share', lo)} ({lo.split('=', 1)[1]}) to "
                f"{value('bad_rating_share', hi)} ({hi.split('=', 1)[1]})"
                + (f"; the spread of {points('channel_consistency')} is the consistency figure to watch."
                   if consistent else "."))
if last is not None:
    said.append(f"Scorecard ({preset}): {', '.join(f'`{m}`' for m in changes['id']) or 'no measure'} changed "
                f"significantly in {last.split('=', 1)[1]}.")
if section("conclusions", said, "tickets or survey answers"):
    display(Markdown("\n".join(f"* {x}" for x in said)))

# %% [markdown]
# ### Caveats
#
# * Ratings and survey answers come from the customers who chose to answer; customers answer more
#   often after a bad experience.
# * Times count calendar minutes, not business hours.
# * Channels differ in the problems they receive (complex cases arrive by e-mail), so a gap between
#   channels is not all down to how each channel is run.
