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
# # What drives bad experiences, and who can be told apart
#
# After "are we better or worse than the cited figures?" come two questions: *what should we fix?*
# and *is this agent, team or month really different?* This notebook answers them from the same
# single analysis as the others: which operational facts of a ticket go with a bad rating, which
# agents, groups, channels and months stand out from the rest once chance is allowed for, which
# scorecard changes are within noise, and whether the tickets that get rated tell the truth about
# the ones that do not.

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
from csanalysis.plotting.findings import DRIVER_LABELS

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed,
               n_resamples=n_resamples)
f = a.figures
r = a.results

value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)
ci = a.interval_text  # the figure's confidence interval as text
points = a.points_text  # a difference of two shares in percentage points, with its interval


def words(driver: str) -> str:
    """A driver's name in words."""
    return DRIVER_LABELS.get(driver, driver.replace("_", " "))


source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
display(Markdown(f"Data: **{source}**."))

# %% [markdown]
# ## Key drivers of a bad rating
#
# Among rated tickets the customer opened, how much of the variation in *bad or not* (and in the
# rating score) each operational fact accounts for: first-reply time, resolution time, reopens,
# and a repeat contact by the same customer within a week. The facts are correlated (a reopened
# ticket takes longer to resolve), so a plain regression would hand the shared part to whichever
# comes first; **relative weights** (Johnson; the logistic variant for *bad*) share it fairly. The
# intervals come from a bootstrap over customers, so a customer with many tickets counts once per
# resample. A fact the bad-experience rule itself uses is left out for *bad*. These are
# associations: they say where to look, not what a change would do.
#
# *Needs* rated tickets with at least two of the operational facts.

# %%
imp = f[(f["source"] == "drivers") & (f["id"] == "driver_importance")]
bad_imp = imp[imp["group"].str.startswith("outcome=bad;")].sort_values("estimate", ascending=False)
drivers = section("drivers", r["drivers"] is not None and len(bad_imp) > 0,
                  "rated tickets with at least two operational facts (first reply, resolution, reopens)")
if drivers:
    display(show(imp.sort_values(["group"]), "Importance of each fact, with 95% customer-bootstrap intervals",
                 extra_columns=("method",)))

# %%
if drivers:
    with house_style():
        outcomes = list(dict.fromkeys(r["drivers"].summary()["outcome"]))
        fig, axes = plt.subplots(1, len(outcomes), figsize=(5.5 * len(outcomes), 3.6), layout="constrained",
                                 squeeze=False)
        for ax, outcome in zip(axes[0], outcomes):
            r["drivers"].plot(ax=ax, outcome=outcome)

# %%
if drivers:
    top = bad_imp.iloc[0]
    name = top["group"].split("driver=", 1)[1]
    table = r["drivers"].summary()
    noise = table[(table["outcome"] == "bad") & (table["versus_noise"] != "above noise")]["driver"].tolist()
    display(Markdown(
        f"For a bad rating, **{words(name)}** matters most: it accounts for {value('driver_importance', top['group'])} "
        f"of the variation ({ci('driver_importance', top['group'])}). "
        + (f"Not distinguishable from an added random fact: {', '.join(words(d) for d in noise)}."
           if noise else "Every fact does better than an added random one.")))

# %% [markdown]
# ## Penalty and reward: does a fact only hurt, or also delight?
#
# The Kano-style reading: the bad-rating share when a fact is at its bad end (slowest third,
# reopened) minus the share in its middle third is the **penalty**; the middle minus the good end
# is the **reward**. A *basic* fact only hurts when bad; an *excitement* fact only delights when
# good; a *performance* fact does both.
#
# *Needs* the key drivers above.

# %%
if section("penalty and reward", drivers, "the key drivers"):
    pr = f[(f["source"] == "drivers") & f["id"].isin(["driver_penalty", "driver_reward"])
           & f["group"].str.startswith("outcome=bad;")]
    display(show(pr.sort_values(["group", "id"]), "Penalty and reward for a bad rating", extra_columns=("definition",)))
    kano = table[table["outcome"] == "bad"][["driver", "kano"]]
    display(Markdown("\n".join(f"* {words(d)}: **{k}**" for d, k in kano.itertuples(index=False))))

# %% [markdown]
# ## Agents, groups, channels and months, compared fairly
#
# A raw bad-rating share per agent puts the smallest teams at the top and the bottom by chance. Here
# each unit's share is pulled towards the overall share in proportion to how little its own tickets
# say (empirical Bayes, a beta-binomial prior), and a unit **stands out** only when it differs from
# the rest after a false-discovery-rate adjustment across all units. Units with fewer than twenty
# rated tickets are not ranked. Agents appear by pseudonym.
#
# *Needs* rated tickets with an agent, group, channel or creation month.

# %%
ranks = r["rankings"].summary() if r["rankings"] is not None else None
rankings = section("rankings", ranks is not None and ranks["estimate"].notna().any(),
                   "rated tickets with an agent, group, channel or month")
if rankings:
    counts = (ranks.groupby("unit_type", sort=False)["versus_rest"].value_counts().unstack(fill_value=0))
    display(show(counts.reset_index(), "Units per verdict, by unit type"))

# %%
if rankings:
    ranked = ranks[ranks["estimate"].notna()]
    kinds = [k for k in ("agent", "group", "channel", "month") if k in set(ranked["unit_type"])]
    drawn = [k for k in kinds if (ranked["unit_type"] == k).sum() <= 30]  # months of a long history: the table
    if drawn:
        with house_style():
            fig, axes = plt.subplots(1, len(drawn), figsize=(5.2 * len(drawn), 0.32 * max(
                (ranked["unit_type"] == k).sum() for k in drawn) + 1.6), layout="constrained", squeeze=False)
            for ax, kind in zip(axes[0], drawn):
                r["rankings"].plot(ax=ax, unit_type=kind)

# %%
if rankings:
    out = ranks[ranks["versus_rest"].isin(["worse", "better"])]
    lines = [f"* {kind}s: {int((ranks['unit_type'] == kind).sum())} compared, "
             f"{int(((out['unit_type'] == kind)).sum())} stand out" for kind in kinds]
    for row in out.itertuples(index=False):
        g = f"{row.unit_type}={row.unit_name}"
        lines.append(f"* `{row.unit_name}` ({row.unit_type}) is **{row.versus_rest}** than the rest: "
                     f"{value('unit_bad_rating_share', g)} bad ({ci('unit_bad_rating_share', g)})")
    display(Markdown("\n".join(lines) + ("" if len(out) else
                                         "\n\nNo unit stands out: the differences between them are within chance.")))

# %% [markdown]
# ## Which scorecard changes are within noise
#
# One significance rule for the scorecard: a change is significant when its test gives a p-value
# below five percent. Beside it, the **smallest detectable change**: the change this period's volume
# would show four times in five at that level. A smaller change, real or not, mostly reads as noise.
#
# *Needs* the scorecard with two complete periods.

# %%
mde = f[(f["source"] == "power") & f["estimate"].notna()]
if section("power", r["power"] is not None and len(mde) > 0, "a scorecard with two complete periods"):
    display(show(mde, "Smallest detectable change per measure, latest complete period", extra_columns=("change",
                                                                                                     "p_value")))
    pw = r["power"].summary()
    noise_ = pw[pw["within_noise"].fillna(False).astype(bool)]["measure"].tolist()
    sig = pw[pw["significant"].fillna(False).astype(bool)]["measure"].tolist()
    display(Markdown(f"Significant changes: {', '.join(f'`{m}`' for m in sig) or 'none'}. "
                     f"Within noise: {', '.join(f'`{m}`' for m in noise_) or 'none'}."))

# %% [markdown]
# ## Channels, self-service and coming back
#
# An **issue** is one customer's run of tickets, each within a week of the one before. How did the
# issues begin (self-service, where the export records it: help centre, bot, FAQ; a web form counts
# as assisted), how many crossed channels or brought the customer back, and did those end badly more
# often? The press says most customers *prefer* self-service and *want* omnichannel service: stated
# preferences, which only a survey item measures. These figures are what customers did; they sit
# beside the cited ones, never judged against them.
#
# *Needs* dated customer-initiated tickets.

# %%
cu = f[(f["source"] == "channel_use") & (f["group"] == "all")]
channel_use = section("channels", r["channel_use"] is not None and len(cu) > 0, "dated customer-initiated tickets")
if channel_use:
    display(show(cu, "Issues across channels", extra_columns=("p_value",)))
    with house_style():
        ax = r["channel_use"].plot()
    stated = a.comparisons[a.comparisons["id"].isin(["prefer_self_service", "ms_expect_self_service",
                                                     "want_omnichannel"])]
    beside = stated[stated["verdict"] != "not supported"]
    if len(beside):
        display(show(beside, "Stated preferences in the press, with the own behaviour beside them",
                     label_columns=("label",), fields=("observed", "ci_low", "ci_high", "n", "cited"),
                     extra_columns=("verdict", "provenance", "reason")))
    display(Markdown("Without an own analogue in these exports: "
                     + (", ".join(f"*{x}*" for x in stated.loc[stated["verdict"] == "not supported", "label"])
                        or "none") + "."))

# %%
if channel_use:
    said_ = []
    for kind, fid in (("cross-channel", "bad_share_difference_cross_channel"),
                      ("repeat-contact", "bad_share_difference_repeat")):
        row = a.figure(fid)
        if row["ci_low"] == row["ci_low"]:  # an interval (enough rated issues on both sides)
            said_.append(f"The bad share of {kind} issues minus that of the others: {points(fid)}, "
                         + ("beyond chance." if row["ci_low"] > 0 or row["ci_high"] < 0 else "within chance."))
    display(Markdown(" ".join(said_) or "Too few cross-channel or repeat-contact issues were rated to compare."))

# %% [markdown]
# ## The tickets nobody rated
#
# Rated tickets are a selected minority: customers rate some kinds of tickets more often than
# others. A model of which tickets get rated, from what is known for every ticket (channel, timing,
# first reply, resolution, reopens), weights each rated ticket by how many tickets like it it stands
# for. If the weighted and raw figures agree, the rated tickets are a fair picture *as far as those
# attributes go*; no weighting can correct for customers skipping the survey because of the
# experience itself.
#
# *Needs* tickets, some rated and some not.

# %%
nr = f[f["source"] == "nonresponse"]
nonresponse = section("non-response", r["nonresponse"] is not None and len(nr) > 0, "tickets, some rated and some not")
if nonresponse:
    display(show(nr, "Raw and response-weighted ratings", extra_columns=("definition",)))
    with house_style():
        ax = r["nonresponse"].plot()

# %%
if nonresponse:
    d = r["nonresponse"].summary().set_index("measure")
    moved = (d.loc["bad_share", "difference_ci_low"] > 0) or (d.loc["bad_share", "difference_ci_high"] < 0)
    display(Markdown(
        f"The bad-rating share is {value('rated_bad_share', 'weights=raw')} as rated and "
        f"{value('rated_bad_share', 'weights=response')} weighted for who rates "
        f"({ci('rated_bad_share', 'weights=response')}). "
        + ("The weighting moves it beyond chance: the rated tickets are not a fair picture."
           if moved else "The weighting does not move it beyond chance.")))
    planted = cs.datasets.load_planted_truth()["nonresponse"] if a.sample else None
    if planted:
        display(Markdown(
            "The sample's generator knows every ticket's experience, answered or not: among all offered tickets "
            f"the bad share is {format_value(planted['bad_share_all_offered'], 'share')}"
            + (", below both readings" if planted["bad_share_all_offered"] < min(d.loc["bad_share", "raw"],
                                                                                   d.loc["bad_share", "weighted"])
               else "") + ". Its customers answer more often after a bad experience, which no ticket attribute "
            "shows: this is the non-response a weighting cannot correct."))

# %% [markdown]
# ## What customers say
#
# The survey's comments, read for the reasons customers give and for their tone, with the question
# whether customers who felt disrespected came back, are in
# [What customers say](07-what-customers-say.ipynb). The reasons also enter the key drivers above
# (outcomes on commented answers), where the comments' languages allow.

# %% [markdown]
# ## Conclusions
#
# Each conclusion needs the data of the section it sums up; one without them is left out.

# %%
said = []
if drivers:
    said.append(f"Fix first: **{words(name)}**, the fact that goes most with a bad rating "
                f"({value('driver_importance', top['group'])} of the variation).")
if rankings:
    said.append(f"{len(out)} of {int(ranks['estimate'].notna().sum())} ranked units stand out from the rest; "
                "the others cannot be told apart by their ratings.")
if nonresponse:
    said.append("Rated tickets " + ("misrepresent" if moved else "fairly represent")
                + " the unrated ones on the attributes every ticket has.")
if section("conclusions", said, "rated tickets"):
    display(Markdown("\n".join(f"* {x}" for x in said)))
