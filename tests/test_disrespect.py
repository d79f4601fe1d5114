"""Issue 15, point 4: no_return_after_disrespect (csanalysis.estimators.avoidance)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.estimators.avoidance import DISRESPECT_MIN_GROUP as MIN_GROUP, no_return_after_disrespect
from csanalysis.estimators.verbatims import verbatims
from csanalysis.experiences import experiences

VALID = pd.DataFrame({"reason": ["rudeness", "not_resolved"], "language": ["en", "en"], "precision": [0.93, 0.85],
                      "recall": [0.8, 0.7], "published": True})
DAY0 = pd.Timestamp("2021-01-01", tz="UTC")


def _world(n_rude: int, n_other: int, seed: int = 0):
    """Every customer buys a few times, then has one bad experience with a comment. The rude-flagged never buy
    again; the others buy again after about a month."""
    rng = np.random.default_rng(seed)
    n = n_rude + n_other
    cust = np.array([f"c{i:04d}" for i in range(n)])
    rude = np.arange(n) < n_rude
    k = rng.integers(1, 6, n)
    pc = np.repeat(cust, k)
    pt = DAY0 + pd.to_timedelta(rng.uniform(0, 300, k.sum()), unit="D")
    idx = DAY0 + pd.to_timedelta(rng.uniform(320, 360, n), unit="D")
    back = idx + pd.to_timedelta(rng.uniform(10, 60, n), unit="D")
    act = pd.DataFrame({"customer": np.r_[pc, cust[~rude]],
                        "at": pd.DatetimeIndex(np.r_[pt.to_numpy(), back[~rude].to_numpy()]).tz_convert("UTC")})
    comments = np.where(rude, "The agent was rude and arrogant.", "Nothing was fixed, still broken.")
    resp = pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "customer": cust, "responded_at": idx,
                         "csat": 1.0, "comment": comments, "user_language": "EN"})
    resp.attrs["free_text_columns"] = ["comment"]
    return resp, act


def test_flagged_share_and_weighted_difference_recover_the_planted_contrast():
    resp, act = _world(120, 240)
    exp = experiences(None, resp)
    v = verbatims(resp, validated=VALID)
    r = no_return_after_disrespect(exp, act, resp, v, as_of=DAY0 + pd.Timedelta(days=900), n_resamples=50)
    f = r.figures.set_index("group")
    assert f.loc["flagged=rude", "n"] == 120 and f.loc["rude minus other bad", "n"] == 360
    assert f.loc["flagged=rude", "estimate"] == pytest.approx(1.0)
    assert f.loc["rude minus other bad", "estimate"] == pytest.approx(1.0, abs=0.02)
    assert f.loc["rude minus other bad", "ci_low"] > 0.9 and f.loc["rude minus other bad", "p_value"] < 0.05
    assert "precision 0.93" in f.loc["flagged=rude", "definition"]
    assert "never a target" in f.loc["flagged=rude", "definition"]
    # the flagged are the customers whose comment was tagged rude, one row per customer
    assert r.episodes["customer"].is_unique and r.episodes["flagged"].sum() == 120


def test_no_effect_gives_no_difference():
    resp, act = _world(120, 240)
    resp["comment"] = np.where(np.arange(len(resp)) % 3 == 0, "The agent was rude.", "Nothing was fixed.")
    exp = experiences(None, resp)
    v = verbatims(resp, validated=VALID)
    r = no_return_after_disrespect(exp, act, resp, v, as_of=DAY0 + pd.Timedelta(days=900), n_resamples=50)
    f = r.figures.set_index("group")
    # who returns no longer depends on the flag: the difference is near 0 and its interval holds 0
    d = f.loc["rude minus other bad"]
    assert abs(d["estimate"]) < 0.15 and d["ci_low"] <= 0 <= d["ci_high"]


def test_too_few_or_unvalidated_gives_missing_figures_with_reasons():
    resp, act = _world(MIN_GROUP - 1, 50)
    exp = experiences(None, resp)
    r = no_return_after_disrespect(exp, act, resp, verbatims(resp, validated=VALID), n_resamples=20)
    assert r.figures["estimate"].isna().all() and r.figures["note"].str.contains("too few").all()
    none = VALID.assign(published=[False, True])
    r = no_return_after_disrespect(exp, act, resp, verbatims(resp, validated=none), n_resamples=20)
    assert r.figures["note"].str.contains("not validated").all()


def test_the_sample_computes_the_flagged_share_beside_the_folklore_figure():
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=30)
    f = a.figures[a.figures["id"] == "no_return_after_disrespect"].set_index("group")
    assert np.isfinite(f.loc["flagged=rude", "estimate"]) and f.loc["flagged=rude", "n"] >= MIN_GROUP
    cmp = a.comparisons.set_index("id").loc["no_return_after_disrespect"]
    assert cmp["verdict"] in ("not comparable", "not supported") or "never judged" in str(cmp["reason"])
    assert cmp["observed"] == pytest.approx(f.loc["flagged=rude", "estimate"])


def test_the_history_model_shrinks_with_the_comparison_group_and_says_so():
    """20 other commented bad experiences per history term: 240 others give the basic five terms, 60 the smallest
    (purchase rate and recency), 30 none (missing, with its reason); the note says which."""
    exp_as_of = DAY0 + pd.Timedelta(days=900)
    notes = {}
    for n_other in (240, 60, 30):
        resp, act = _world(30, n_other, seed=n_other)
        r = no_return_after_disrespect(experiences(None, resp), act, resp, verbatims(resp, validated=VALID),
                                       as_of=exp_as_of, n_resamples=30)
        notes[n_other] = r.figures.set_index("group").loc["rude minus other bad"]
    assert "weighted on 5 of the" in notes[240]["note"] and np.isfinite(notes[240]["estimate"])
    assert "weighted on 2 of the" in notes[60]["note"] and np.isfinite(notes[60]["estimate"])
    assert notes[60]["estimate"] == pytest.approx(1.0, abs=0.05)
    assert np.isnan(notes[30]["estimate"]) and "at least 40 needed" in notes[30]["note"]
