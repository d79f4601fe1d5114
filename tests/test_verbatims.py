"""Issue 15: shares of survey comments giving each reason (csanalysis.estimators.verbatims)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.estimators.verbatims import VERBATIM_COLUMNS, comment_table, verbatims

VALID = pd.DataFrame({"reason": ["rudeness", "waiting", "delivery", "rudeness"], "language": ["en", "en", "en", "da"],
                      "precision": [0.9, 0.85, 0.95, 0.9], "recall": [0.7, 0.6, 0.8, 0.6], "published": True})


def _responses() -> pd.DataFrame:
    texts = (["The agent was rude to me."] * 6 + ["I waited 40 minutes on hold."] * 4 + ["Great help, thanks!"] * 10
             + ["Medarbejderen var uhøflig og arrogant."] * 3 + ["Tak for hjælpen."] * 7)
    n = len(texts)
    r = pd.DataFrame({"customer": [f"c{i // 2}" for i in range(n)], "csat": [1.0] * 10 + [5.0] * 10 + [2.0] * 3
                      + [4.0] * 7, "comment": texts, "user_language": ["EN"] * 20 + ["DA"] * 10})
    r.attrs["free_text_columns"] = ["comment"]
    return r


def test_shares_counts_and_contract_columns():
    v = verbatims(_responses(), validated=VALID)
    t = v.table
    assert list(v.summary().columns) == list(VERBATIM_COLUMNS)
    row = t.set_index(["reason", "language", "group"])
    assert row.loc[("rudeness", "en", "all"), "k"] == 6 and row.loc[("rudeness", "en", "all"), "n"] == 20
    assert row.loc[("rudeness", "en", "experience=bad"), "share"] == pytest.approx(6 / 10)
    assert row.loc[("rudeness", "da", "all"), "share"] == pytest.approx(3 / 10)
    # "all" pools the languages where the reason is published: rudeness en + da
    assert row.loc[("rudeness", "all", "all"), "n"] == 30 and row.loc[("rudeness", "all", "all"), "k"] == 9
    # waiting is published for English only: its pooled row has the English comments alone
    assert row.loc[("waiting", "all", "all"), "n"] == 20
    # customers are the sampling unit: 2 comments per customer
    assert row.loc[("rudeness", "en", "all"), "customers"] == 10
    assert ((t["ci_low"] <= t["share"]) & (t["share"] <= t["ci_high"])).all()


def test_unpublished_reasons_and_languages_have_no_rows():
    v = verbatims(_responses(), validated=VALID.assign(published=[True, False, True, False]))
    assert set(v.table["reason"]) == {"rudeness", "delivery"}  # waiting not published anywhere
    assert set(v.table.loc[v.table["reason"] == "rudeness", "language"]) == {"en", "all"}
    none = verbatims(_responses(), validated=VALID.assign(published=False))
    assert none.table.empty


def test_language_column_then_detection_then_override():
    r = _responses().drop(columns="user_language")
    com = comment_table(r)
    assert (com["language"].iloc[:10] == "en").all()
    forced = comment_table(_responses(), language="da")
    assert (forced["language"] == "da").all()


def test_no_comment_columns_is_a_clear_error():
    r = _responses()
    r.attrs = {}
    with pytest.raises(ValueError, match="no free-text survey columns"):
        verbatims(r, validated=VALID)


def test_sample_comments_are_counted_and_masked():
    s = cs.datasets.load_sample()
    v = verbatims(s.responses, validated=VALID.assign(reason=["repeat", "waiting", "not_resolved", "rudeness"]))
    assert s.responses.attrs["free_text_columns"] == ["q7", "kommentar"]  # the Danish survey's "Kommentar" too
    want = sum(int((q.notna() & q.str.strip().ne("")).sum())
               for q in (s.responses[c].astype("str") for c in ("q7", "kommentar")))
    assert len(v.comments) == want > 300
    assert not v.tags["evidence"].str.contains("@", regex=False).any()
    assert np.isfinite(v.table["share"]).all()


def test_shipped_validation_verdicts_follow_the_rule():
    """csanalysis/text/validated.csv (written by validation/verbatims.py): every reason x language, rule applied."""
    from csanalysis.estimators.verbatims import validated_reasons
    from csanalysis.text import LANGUAGES, REASONS

    v = validated_reasons()
    assert len(v) == len(REASONS) * len(LANGUAGES)
    assert set(v["reason"]) == set(REASONS) and set(v["language"]) == set(LANGUAGES)
    rule = (v["precision"] >= 0.8) & (v["recall"] >= 0.5)
    assert (v["published"].astype(bool) == rule).all()
    assert v.loc[v["reason"] == "rudeness", "published"].astype(bool).any()  # what no_return_after_disrespect needs


def test_analysis_fills_verbatims_from_published_reasons_only():
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=30)
    t = a.verbatims
    assert list(t.columns) == list(VERBATIM_COLUMNS)
    from csanalysis.estimators.verbatims import validated_reasons

    v = validated_reasons()
    pub = set(map(tuple, v.loc[v["published"].astype(bool), ["reason", "language"]].to_numpy()))
    assert len(t) and all((r, lg) in pub for r, lg in t.loc[t["language"] != "all", ["reason", "language"]].to_numpy())
    d = a.to_dict()
    assert len(d["verbatims"]) == len(t)
    figs = a.figures[a.figures["id"] == "reason_share"]
    assert len(figs) == len(t)


def _quote_responses(extra: list[str]) -> pd.DataFrame:
    texts = (["The agent was rude to me."] * 4 + ["rude and arrogant staff"] * 4 + ["so rude, never again"] * 3
             + extra + ["waited on hold, the agent was slow"] * 5)
    r = pd.DataFrame({"customer": [f"c{i}" for i in range(len(texts))], "csat": 1.0, "comment": texts,
                      "user_language": "EN"})
    r.attrs["free_text_columns"] = ["comment"]
    return r


def test_quotes_are_short_masked_and_only_for_reasons_with_enough_comments():
    extra = ["Peter Jensen was rude", "rude agent, write to anna.berg@example.com",
             "the rude agent closed ticket 4471 on me", "rude " + "very " * 40 + "rude"]
    v = verbatims(_quote_responses(extra), validated=VALID)
    q = v.quotes()
    assert list(q.columns) == ["reason", "language", "quote", "evidence"]
    assert set(q["reason"]) == {"rudeness"}  # waiting: 5 comments, below the minimum of 10
    assert 1 <= len(q) <= 3 and q["quote"].is_unique
    joined = " ".join(q["quote"])
    assert "Peter" not in joined and "example.com" not in joined and "4471" not in joined
    assert (q["quote"].str.len() <= 120).all()
    assert len(v.quotes(min_comments=100)) == 0
    assert set(v.quotes(min_comments=5)["reason"]) == {"rudeness", "waiting"}
    # the masked e-mail comment can be quoted, masked; the one with a name or a number never
    allq = v.quotes(per_reason=50)
    assert not allq["quote"].str.contains("Peter|@|\\d", regex=True).any()


def test_quotes_do_not_depend_on_the_order_of_the_comments():
    r = _quote_responses(["rude people", "rude again and again", "rude beyond words"])
    a = verbatims(r, validated=VALID).quotes()
    b = verbatims(r.iloc[::-1].reset_index(drop=True).pipe(lambda d: d.attrs.update(r.attrs) or d),
                  validated=VALID).quotes()
    pd.testing.assert_frame_equal(a, b)


def test_reasons_by_period_and_by_channel_of_the_ticket():
    r = _responses()
    n = len(r)
    r["responded_at"] = pd.to_datetime(["2023-05-01"] * (n // 2) + ["2024-02-01"] * (n - n // 2), utc=True)
    r["ticket_id"] = [f"t{i}" for i in range(n)]
    tickets = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(n)], "channel": ["email", "phone"] * (n // 2)})
    v = verbatims(r, validated=VALID, tickets=tickets)
    t = v.table.set_index(["reason", "language", "group"])
    # pooled over languages only; a period or channel row counts the comments of that period or channel
    assert ("rudeness", "all", "period=2023") in t.index and ("rudeness", "en", "period=2023") not in t.index
    k23 = t.loc[("rudeness", "all", "period=2023"), "k"]
    k24 = t.loc[("rudeness", "all", "period=2024"), "k"]
    assert k23 + k24 == t.loc[("rudeness", "all", "all"), "k"]
    assert t.loc[("rudeness", "all", "period=2023"), "n"] == n // 2
    ke, kp = t.loc[("rudeness", "all", "channel=email"), "k"], t.loc[("rudeness", "all", "channel=phone"), "k"]
    assert ke + kp == t.loc[("rudeness", "all", "all"), "k"]
    # quarterly on request
    vq = verbatims(r, validated=VALID, freq="Q")
    assert ("rudeness", "all", "period=2023Q2") in vq.table.set_index(["reason", "language", "group"]).index


def test_themes_characterise_the_bad_comments_no_reason_caught():
    texts = (["The agent was rude to me."] * 10 + ["the voucher code does not work"] * 12
             + ["Great help, thanks!"] * 30 + ["all good"] * 20)
    r = pd.DataFrame({"customer": [f"c{i}" for i in range(len(texts))], "comment": texts, "user_language": "EN",
                      "csat": [1.0] * 22 + [5.0] * 50})
    r.attrs["free_text_columns"] = ["comment"]
    th = verbatims(r, validated=VALID).themes()
    assert {"voucher", "code", "work"} <= set(th["stem"])
    assert "rude" not in set(th["stem"])  # tagged comments are not in the focus


def test_undecided_short_comments_take_their_columns_language_when_the_column_agrees():
    long_da = ["Medarbejderen var meget uhøflig og jeg ventede alt for længe på svar fra jer"] * 12
    short = ["ok", "Tak", "fint"]
    r = pd.DataFrame({"customer": [f"c{i}" for i in range(15)], "kommentar": long_da + short})
    r.attrs["free_text_columns"] = ["kommentar"]
    c = comment_table(r)
    assert (c["language"] == "da").all()
    assert (c["language_from"].iloc[-3:] == "majority of the column").sum() >= 2  # "ok", "fint" at least
    # a mixed column leaves them undecided
    mixed = pd.DataFrame({"customer": [f"c{i}" for i in range(15)],
                          "kommentar": long_da[:6] + ["The agent was very rude and I waited far too long for an answer"] * 6
                          + short})
    mixed.attrs["free_text_columns"] = ["kommentar"]
    cm = comment_table(mixed)
    assert (cm["language_from"].iloc[-3:] != "majority of the column").all()


TONE_OK = pd.DataFrame({"language": ["en", "da"], "accuracy": [0.8, 0.8], "precision": [0.9, 0.85],
                        "recall": [0.7, 0.6], "published": [True, True]})


def test_tone_is_the_share_of_negative_comments_per_published_language():
    from csanalysis.estimators.verbatims import TONE_COLUMNS
    from csanalysis.text import score_sentiment

    r = _responses()
    v = verbatims(r, validated=VALID, validated_tone=TONE_OK)
    assert list(v.tone.columns) == list(TONE_COLUMNS)
    t = v.tone.set_index(["language", "group"])
    # the same scores as the public scorer, with the comments' languages
    s = score_sentiment(r["comment"].reset_index(drop=True), language=r["user_language"].str.lower().tolist())
    neg = s["label"].eq("negative").to_numpy()
    en = (r["user_language"] == "EN").to_numpy()
    assert t.loc[("en", "all"), "n"] == 20 and t.loc[("en", "all"), "k"] == neg[en].sum()
    assert t.loc[("en", "all"), "share"] == pytest.approx(neg[en].mean())
    assert t.loc[("en", "all"), "mean_score"] == pytest.approx(s["score"][en].mean())
    # rude and waiting comments are negative, the thanks positive: the bad experiences' share is higher
    assert t.loc[("en", "experience=bad"), "share"] > t.loc[("en", "experience=not bad"), "share"]
    assert t.loc[("all", "all"), "n"] == 30 and t.loc[("en", "all"), "customers"] == 10
    assert ((v.tone["ci_low"] <= v.tone["share"]) & (v.tone["share"] <= v.tone["ci_high"])).all()
    # the figure rows say which word list and which check
    from csanalysis.figures import figure_table

    rows = figure_table({"verbatims": v})
    tone = rows[rows["id"] == "comment_negative_share"]
    assert len(tone) == len(v.tone)
    assert tone["definition"].str.contains("VADER").any() and tone["definition"].str.contains("precision 0.90").any()


def test_tone_only_for_languages_whose_scorer_passed_the_check():
    v = verbatims(_responses(), validated=VALID, validated_tone=TONE_OK.assign(published=[True, False]))
    assert set(v.tone["language"]) == {"en", "all"}
    assert v.tone.set_index(["language", "group"]).loc[("all", "all"), "n"] == 20  # English only
    none = verbatims(_responses(), validated=VALID, validated_tone=TONE_OK.assign(published=False))
    from csanalysis.estimators.verbatims import TONE_COLUMNS

    assert none.tone.empty and list(none.tone.columns) == list(TONE_COLUMNS)


def test_ticket_free_text_is_kept_masked_and_taggable():
    """Ticket exports that carry free text (Zendesk's JSON rating comment and subject, Intercom's rating remark)
    keep it as masked columns named in attrs['free_text_columns']; the same tagger reads them."""
    from pathlib import Path

    data = Path(__file__).parent / "data" / "tickets"
    z = cs.read_tickets(data / "zendesk_export.ndjson")
    assert {"satisfaction_rating_comment", "subject"} <= set(z.attrs["free_text_columns"])
    i = cs.read_tickets(data / "intercom_conversations.csv")
    assert "conversation_rating_remark" in i.attrs["free_text_columns"]
    for t, col in ((z, "satisfaction_rating_comment"), (i, "conversation_rating_remark")):
        texts = t[col].dropna().astype("str")
        tags = cs.tag_reasons(texts)
        assert (tags["reason"] == "waiting").any()  # "slow" in both files
        assert not texts.str.contains("@").any()  # masked on reading


def test_ticket_satisfaction_comments_join_the_comments_with_the_tickets_rating():
    """A ticket export's rating comment (not its subject) is read with the survey comments: CSAT from the
    ticket's rating, response -1, source 'tickets'; alone (no survey) it still gives the verbatims."""
    t = pd.DataFrame({"ticket_id": ["t1", "t2", "t3", "t4"], "customer": ["a", "b", "c", "d"],
                      "created_at": pd.to_datetime(["2024-01-02"] * 4, utc=True),
                      "solved_at": pd.to_datetime(["2024-01-03"] * 4, utc=True),
                      "rating_score": [0.0, 1.0, np.nan, 0.25],
                      "satisfaction_rating_comment": ["The agent was rude to me.", "Great help, thanks!", None,
                                                      "I waited 40 minutes on hold."],
                      "subject": ["Where is my parcel?"] * 4})
    t.attrs["free_text_columns"] = ["satisfaction_rating_comment", "subject"]
    com = comment_table(None, tickets=t, language="en")
    assert com["text"].tolist() == ["The agent was rude to me.", "Great help, thanks!", "I waited 40 minutes on hold."]
    assert com["csat"].tolist() == [1.0, 5.0, 2.0] and (com["response"] == -1).all()
    assert (com["source"] == "tickets").all() and com["ticket_id"].tolist() == ["t1", "t2", "t4"]
    both = comment_table(_responses(), tickets=t)
    assert (both["source"] == "survey").sum() == 30 and (both["source"] == "tickets").sum() == 3
    v = verbatims(None, tickets=t, validated=VALID, language="en")
    row = v.table.set_index(["reason", "language", "group"])
    assert row.loc[("rudeness", "en", "all"), "k"] == 1 and row.loc[("rudeness", "en", "all"), "n"] == 3
    assert row.loc[("rudeness", "en", "experience=bad"), "n"] == 2  # ratings 0 and 0.25: CSAT 1 and 2


def test_analysis_reads_the_ticket_exports_rating_comments():
    from pathlib import Path

    a = cs.analyse(tickets=Path(__file__).parent / "data" / "tickets" / "zendesk_export.ndjson", n_resamples=20)
    v = a.results["verbatims"]
    assert v is not None and (v.comments["source"] == "tickets").all()
    assert v.comments["column"].str.contains("satisfaction_rating_comment").all()  # not the subjects
