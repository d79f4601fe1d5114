"""The bundled sample's comments (issue 15): seven languages, planted reasons, the planted disrespect effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.datasets import generate as g
from csanalysis.estimators.avoidance import DISRESPECT_MIN_GROUP
from csanalysis.text import LANGUAGES, REASONS, language_code


@pytest.fixture(scope="module")
def comments() -> pd.DataFrame:
    """One row per sample comment: language (tagger code), text, planted reasons, tagged reasons."""
    s = cs.datasets.load_sample()
    r = s.responses
    parts = []
    for col in ("q7", "kommentar"):
        t = r[col].astype("str")
        ok = t.notna() & t.str.strip().ne("") & r["status"].fillna("IP Address").eq("IP Address")
        lang = (r.loc[ok, "user_language"].map(language_code) if col == "q7"
                else pd.Series("da", index=r.index[ok]))
        parts.append(pd.DataFrame({"column": col, "language": lang.to_numpy(), "text": t[ok].to_numpy()}))
    com = pd.concat(parts, ignore_index=True)
    com["planted"] = [g.planted_reasons(t, lg) for t, lg in zip(com["text"], com["language"])]
    tags = cs.tag_reasons(com["text"], language=com["language"].tolist())
    got = tags.groupby("text_index")["reason"].agg(set)
    com["tagged"] = [got.get(i, set()) for i in range(len(com))]
    return com


def test_seven_languages_with_comments_in_their_language(comments):
    s = cs.datasets.load_sample()
    q = s.responses[s.responses["source_format"] == "qualtrics"]
    assert {language_code(x) for x in q["user_language"].dropna()} == set(LANGUAGES)
    assert set(comments["language"]) == set(LANGUAGES)
    assert comments["planted"].notna().all()  # every comment is a template of its own language
    assert (comments.loc[comments["column"] == "kommentar", "language"] == "da").all()
    # the detection agrees with the column for the comments it can decide
    det = cs.text.detect_language(comments["text"])
    decided = det.notna().to_numpy()
    assert decided.mean() > 0.7
    assert (det[decided].to_numpy() == comments.loc[decided, "language"].to_numpy()).mean() > 0.95


def test_every_template_is_written_and_planted_in_its_language():
    for lg, kinds in g.VERBATIM_TEMPLATES.items():
        assert lg in LANGUAGES
        assert len(kinds["rude"]) >= 2 and all("rudeness" in p for _, p in kinds["rude"])
        assert len(kinds["rude"]) + len(kinds["bad"]) >= 8
        assert not any("rudeness" in p for _, p in kinds["bad"] + kinds["mid"] + kinds["good"])
        assert any(len(p) >= 2 for _, p in kinds["rude"] + kinds["bad"])  # mixed reasons
        assert any(not p for _, p in kinds["bad"])  # a bad comment that gives no reason
        assert all(set(p) <= set(REASONS) for k in kinds.values() for _, p in k)


def _precision_recall(c: pd.DataFrame) -> tuple[float, float]:
    tp = sum(len(set(p) & t) for p, t in zip(c["planted"], c["tagged"]))
    n_tag = sum(len(t) for t in c["tagged"])
    n_planted = sum(len(p) for p in c["planted"])
    return tp / max(n_tag, 1), tp / max(n_planted, 1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_planted_reasons_are_recovered(comments, lang):
    c = comments[comments["language"] == lang]
    assert sum(len(p) for p in c["planted"]) >= 5
    precision, recall = _precision_recall(c)
    assert precision >= 0.8, (lang, precision, recall)
    assert recall >= 0.5, (lang, precision, recall)


def test_negated_rudeness_is_not_flagged(comments):
    negated = ("not rude at all|ikke uhøflig|inte otrevliga|Ingen var uhøflige|Niemand war unfreundlich"
               "|Никто не грубил|Ninguém foi grosseiro")
    neg = comments[comments["text"].str.contains(negated, regex=True)]
    assert len(neg) >= 1
    assert not any("rudeness" in t for t in neg["tagged"])


def test_truth_counts_match_the_files(comments):
    truth = cs.datasets.load_planted_truth()["verbatims"]
    q = comments[comments["column"] == "q7"]
    for lg, x in truth["qualtrics_comments"].items():
        c = q[q["language"] == lg]
        assert x["comments"] == len(c)
        for reason, n in x["planted_reasons"].items():
            assert n == sum(reason in p for p in c["planted"])


@pytest.fixture(scope="module")
def disrespect():
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=200)
    return a.results["verbatims"].disrespect


def test_rude_bad_experiences_go_with_fewer_repeat_purchases_in_the_truth():
    d = cs.datasets.load_planted_truth()["verbatims"]["disrespect"]
    assert d["planted_p_rude_given_no_repeat_365"] > d["planted_p_rude_given_repeat_365"]
    for part in ("bad_comments", "first_bad_comments"):
        assert d[part]["no_repeat_365_rude"] > d[part]["no_repeat_365_other"]
        assert d[part]["n_rude"] >= DISRESPECT_MIN_GROUP


def test_flagged_share_is_computed_and_covers_the_planted_share(disrespect):
    f = disrespect.figures.set_index("group")
    truth = cs.datasets.load_planted_truth()["verbatims"]["disrespect"]["first_bad_comments"]
    row = f.loc["flagged=rude"]
    assert row["n"] >= DISRESPECT_MIN_GROUP and np.isfinite(row["estimate"])
    assert row["ci_low"] <= truth["no_repeat_365_rude"] <= row["ci_high"]
    assert row["estimate"] > truth["no_repeat_365_other"]  # the planted direction


def test_difference_row_is_computed_on_the_sample_and_covers_the_planted_difference(disrespect):
    """The sample's 49 other commented first bad experiences allow the smallest history model (purchase rate
    and recency, 20 rows per term); the note says so, and the interval covers the planted difference."""
    f = disrespect.figures.set_index("group")
    truth = cs.datasets.load_planted_truth()["verbatims"]["disrespect"]["first_bad_comments"]
    row = f.loc["rude minus other bad"]
    assert np.isfinite(row["estimate"]) and row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["ci_low"] <= truth["difference_rude_minus_other"] <= row["ci_high"]
    assert "weighted on 2 of the" in row["note"] and "purchases per year" in row["note"]
