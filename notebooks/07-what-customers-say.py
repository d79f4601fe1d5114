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
# # What customers say, in their own words
#
# The survey's free-text comments say *why* an experience was bad. This notebook reads them in the
# customers' own languages (English, Danish, Swedish, Norwegian, German, Russian, Portuguese) for the
# reasons they give (rudeness, waiting, having to repeat oneself, a problem not solved, wrong
# information, delivery, product quality, billing, price, self-service), for their tone, and for the
# words no reason catches yet; then it asks whether customers who felt disrespected came back.
#
# Everything is read offline by word lists that ship with csanalysis: no model is downloaded, and
# every tag and every score keeps the words that made it, so a reader can check any of them. E-mail
# addresses, phone numbers and names are masked before anything is read or quoted. A reason or a
# tone is shown for a language only where the reading was checked on labelled comments in that
# language and was right often enough (most of its tags correct, and at least half of the comments
# giving the reason found); the checks are in `validation/verbatims.md` and `validation/sentiment.md`.

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

from csanalysis.display import section, show

sample = all(x is None for x in (tickets, survey, activity, customers))
a = cs.analyse(cs.datasets.load_sample() if sample else tickets, survey=survey, activity=activity,
               customers=customers, as_of=as_of, timezone=timezone, dayfirst=dayfirst, seed=seed,
               n_resamples=n_resamples)
f = a.figures
r = a.results
v = r.get("verbatims")

value = a.text  # a figure as text at its unit's precision ("–" when the data lacks it)
ci = a.interval_text  # the figure's confidence interval as text

source = "the bundled sample (a simulated Danish web shop)" if a.sample else "your exports"
display(Markdown(f"Data: **{source}**."))


def reason_words(reason: str) -> str:
    return str(reason).replace("_", " ")


# %% [markdown]
# ## The reasons customers give
#
# The share of comments giving each reason, pooled over the languages where the reason passed its
# check, then per language. A comment can give several reasons; shares are of comments, and the
# intervals allow for customers who wrote several (the customer is the sampling unit).
#
# *Needs* survey answers with a free-text comment column, in a language where a reason is validated.

# %%
vr = f[(f["source"] == "verbatims") & (f["id"] == "reason_share")]
split = vr["group"].str.contains("period=|channel=")
pooled = vr[vr["group"].str.contains("language=all; ") & ~split]
reasons = section("reasons", v is not None and len(pooled) > 0,
                  "survey answers with a free-text comment column, in a language where a reason is validated")
if reasons:
    overall = pooled[pooled["group"].str.endswith("comments=all")].sort_values("estimate", ascending=False)
    display(show(pooled, "Comments giving each reason (languages where it is validated, pooled)"))
    top = overall.iloc[0]
    display(Markdown(
        f"Of {int(top['n'])} comments in the languages where it can be read, the reason given most often is "
        f"**{reason_words(top['group'].split(';')[0].split('=')[1])}**: {value('reason_share', top['group'])} "
        f"({ci('reason_share', top['group'])})."))
    per_language = vr[~split & ~vr["group"].str.contains("language=all; ")
                      & vr["group"].str.endswith("comments=all")]
    display(show(per_language, "Comments giving each reason, per language"))

# %% [markdown]
# ## By year, and by the channel of the ticket the comment is about
#
# The same shares per year of the answer and, where the comment is about a ticket, per channel of
# that ticket: whether a reason is growing, and where it comes from.
#
# *Needs* the comments of the section above, with answer dates or linked tickets.

# %%
by = vr[split]
section("by period and channel", reasons and len(by) > 0, "the comments above with dates or linked tickets")
if reasons and len(by):
    display(show(by, "Comments giving each reason, by year and by channel"))

# %% [markdown]
# ## The tone of the comments
#
# Each comment's tone from published lists of positive and negative words, with negations ("not bad
# at all") and intensifiers ("very", "extremely") handled: the share of comments negative in tone,
# overall and for the bad and the other experiences. The word lists are third-party ones where an
# openly licensed list exists (English, Danish, Swedish, Norwegian, Portuguese) and csanalysis's own
# for German and Russian; a language's tone is shown only where its check passed.
#
# *Needs* the comments of the first section, in a language whose tone passed its check.

# %%
tone = f[f["id"] == "comment_negative_share"]
toned = section("tone", reasons and len(tone) > 0,
                "comments in a language whose tone passed its check (da, de, en, ru)")
if toned:
    display(show(tone[~tone["group"].str.contains("period=|channel=")], "Comments negative in tone"))
    g = "language=all; comments=all"
    text = (f"By the word lists, **{value('comment_negative_share', g)}** of the comments are negative in tone "
            f"({ci('comment_negative_share', g)})")
    if a.has("comment_negative_share", "language=all; experience=bad"):
        text += (f": {value('comment_negative_share', 'language=all; experience=bad')} of the comments on a bad "
                 f"experience, {value('comment_negative_share', 'language=all; experience=not bad')} of the others")
    display(Markdown(text + ". The words behind every score are in `v.sentiment` (column `evidence`)."))

# %% [markdown]
# ## In their own words, and what the word lists miss
#
# A few short comments for each reason that enough comments give, masked again and left out when
# they hold a digit or a capitalised word that could be a name; then the words that set apart the
# comments on a bad experience that no reason caught: candidates for the vocabulary, which the user
# can extend (`cs.text.load_vocabulary`).
#
# *Needs* the comments of the first section.

# %%
if section("quotes and themes", reasons, "the comments of the first section"):
    q = v.quotes()
    display(Markdown("\n".join(f"* *{reason_words(x.reason)}* ({x.language}): \u201c{x.quote}\u201d"
                               for x in q.itertuples()) if len(q) else
                     "No reason is given by enough comments to quote."))
    th = v.themes()
    display(Markdown("Words setting apart the bad-experience comments no reason caught: "
                     + (", ".join(f"*{t.word}* ({t.language}, {t.comments} comments)" for t in th.itertuples())
                        if len(th) else "none stands out beyond chance.")))

# %% [markdown]
# ## Did customers who felt disrespected come back?
#
# The press repeats that about half of customers would not do business again after feeling
# disrespected, a stated intention that no study traces (provenance: unverified folklore). From the
# company's own data: among the customers whose first bad experience came with a comment tagged rude,
# how many had not bought again a year later, and how that compares with the other commented bad
# experiences weighted to the same purchase history. Some rude tags are wrong (the tagger's checked
# precision is in the definition); the folklore figure is shown beside, never as a target.
#
# *Needs* comments linked to bad experiences and purchases.

# %%
dis = f[f["id"] == "no_return_after_disrespect"]
if section("disrespect", reasons and a.has("no_return_after_disrespect", "flagged=rude"),
           "comments tagged rude on customers' first bad experiences, with purchases"):
    display(show(dis, "No purchase within a year after a bad experience whose comment was tagged rude",
                 extra_columns=("p_value",)))
    text = (f"Of the customers whose first bad experience came with a comment tagged rude "
            f"(n = {value('no_return_after_disrespect', 'flagged=rude', 'n')}), "
            f"**{value('no_return_after_disrespect', 'flagged=rude')}** had not bought again a year later "
            f"({ci('no_return_after_disrespect', 'flagged=rude')})")
    if a.has("no_return_after_disrespect", "rude minus other bad"):
        text += (f", {a.points_text('no_return_after_disrespect', 'rude minus other bad')} more than after the "
                 "other commented bad experiences weighted to the same purchase history")
    display(Markdown(text + f". The folklore says {a.cited_text('no_return_after_disrespect')}; the two are shown "
                            "side by side and never judged."))

# %% [markdown]
# ## Conclusions
#
# Each conclusion needs the data of the section it sums up; one without them is left out.

# %%
said = []
if reasons:
    said.append(f"The reason given most often: **{reason_words(top['group'].split(';')[0].split('=')[1])}** "
                f"({value('reason_share', top['group'])} of the comments where it can be read).")
if toned:
    said.append(f"{value('comment_negative_share', 'language=all; comments=all')} of the comments are negative in "
                "tone.")
if reasons and a.has("no_return_after_disrespect", "rude minus other bad"):
    said.append(f"After a comment tagged rude, {value('no_return_after_disrespect', 'flagged=rude')} did not come "
                f"back within a year ({a.points_text('no_return_after_disrespect', 'rude minus other bad')} more "
                "than after the other commented bad experiences).")
if section("conclusions", said, "survey comments"):
    display(Markdown("\n".join(f"* {x}" for x in said)))
