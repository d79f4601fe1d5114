"""Tests of csanalysis.segments.channels: per-channel service and the consistency figure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.schema import conform
from csanalysis.segments.channels import ChannelConsistency, channel_consistency


def _tickets(rng: np.random.Generator, n: int = 4000, bad_by: dict | None = None, slow: str | None = None,
             channels=("email", "chat", "phone", "web")):
    ch = rng.choice(np.array(channels), n)
    p_bad = np.array([(bad_by or {}).get(c, 0.10) for c in ch])
    rated = rng.random(n) < 0.7
    is_bad = rng.random(n) < p_bad
    score = np.where(is_bad, rng.choice([0.0, 0.25], n), rng.choice([0.5, 0.75, 1.0], n))
    res = rng.lognormal(6.0, 0.7, n)
    if slow is not None:
        res = np.where(ch == slow, res * 1.8, res)
    return conform(pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(n)],
        "created_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
        "channel": ch,
        "rating_score": np.where(rated, score, np.nan),
        "resolution_minutes": res,
    }), "tickets")


def _tab(cc: ChannelConsistency, measure: str) -> pd.DataFrame:
    s = cc.summary()
    return s.loc[s["measure"] == measure].set_index(s.loc[s["measure"] == measure, "channel"].astype(str))


def test_planted_worse_channel_is_found():
    t = _tickets(np.random.default_rng(0), bad_by={"chat": 0.30})
    cc = channel_consistency(t)
    tests = cc.tests.set_index("measure")
    assert tests.loc["bad_share", "test"].startswith("Pearson chi-square") and tests.loc["bad_share", "p_value"] < 1e-6
    f = cc.figure()
    assert f["highest"] == "chat"
    bad = _tab(cc, "bad_share")
    inc = bad.loc[f["channels"], "value"]
    assert np.isclose(f["value"], inc.max() - inc.min())
    assert f["ci_low"] < f["value"] < f["ci_high"] and f["ci_low"] > 0.1
    assert f["n"] == int(bad.loc[f["channels"], "n"].sum())
    assert set(f) >= {"value", "ci_low", "ci_high", "n", "method"} and "bootstrap" in f["method"]


def test_null_channels_consistent_test_not_significant_in_most_seeds():
    hits = 0
    for seed in range(20):
        cc = channel_consistency(_tickets(np.random.default_rng(seed), n=1500), n_resamples=200)
        hits += cc.tests.set_index("measure").loc["bad_share", "p_value"] < 0.05
    assert hits <= 4


def test_counts_wilson_and_tests_match_scipy():
    t = _tickets(np.random.default_rng(1), slow="phone")
    cc = channel_consistency(t)
    bad = _tab(cc, "bad_share")
    rated = t.loc[t["rating_score"].notna()]
    em = rated.loc[rated["channel"] == "email"]
    assert bad.loc["email", "n"] == len(em)
    assert np.isclose(bad.loc["email", "value"], (em["rating_score"] <= 0.25).mean())
    res = _tab(cc, "resolution_p50")
    assert np.isclose(res.loc["phone", "value"], t.loc[t["channel"] == "phone", "resolution_minutes"].median())
    tests = cc.tests.set_index("measure")
    groups = [t.loc[t["channel"] == c, "resolution_minutes"].to_numpy() for c in ("email", "web", "chat", "phone")]
    ref = stats.kruskal(*groups)
    assert np.isclose(tests.loc["resolution_p50", "statistic"], ref.statistic)
    assert tests.loc["resolution_p50", "p_value"] < 1e-6


def test_empty_channels_shown_with_n_zero():
    t = _tickets(np.random.default_rng(2), n=600)
    cc = channel_consistency(t)
    s = cc.summary()
    social = s.loc[s["channel"].astype(str) == "social"]
    assert len(social) == 4 and (social["n"] == 0).all()
    assert social.set_index("measure")["value"].to_dict() == pytest.approx(
        {"tickets": 0.0, "csat_mean": np.nan, "bad_share": np.nan, "resolution_p50": np.nan}, nan_ok=True)
    assert set(s["channel"].astype(str)) == {"email", "web", "chat", "phone", "social", "api", "other"}
    assert cc.tests.set_index("measure").loc["bad_share", "df"] == 3  # only channels with ratings


def test_csat_from_linked_survey_or_rating():
    rng = np.random.default_rng(3)
    t = _tickets(rng, n=400)
    cc = channel_consistency(t)
    assert cc.csat_source == "rating"
    email = t.loc[(t["channel"] == "email") & t["rating_score"].notna(), "rating_score"]
    assert np.isclose(_tab(cc, "csat_mean").loc["email", "value"], (1 + 4 * email).mean())
    r = conform(pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r0"],
        "ticket_id": [t["ticket_id"].iloc[0], t["ticket_id"].iloc[0], t["ticket_id"].iloc[1], "unknown"],
        "responded_at": ["2024-05-02", "2024-05-01", "2024-05-03", "2024-05-03"],
        "csat": [1.0, 5.0, 3.0, 2.0],
    }), "responses")
    cs = channel_consistency(t, r)
    assert cs.csat_source == "survey"
    c = _tab(cs, "csat_mean")
    assert int(c["n"].sum()) == 2  # first answer per ticket (by responded_at); unknown ticket left out
    ch0, ch1 = t["channel"].iloc[0], t["channel"].iloc[1]
    if ch0 != ch1:
        assert c.loc[ch0, "value"] == 5.0 and c.loc[ch1, "value"] == 3.0
    else:
        assert c.loc[ch0, "value"] == 4.0


def test_too_few_channels_gives_nan_figure_with_reason():
    t = _tickets(np.random.default_rng(4), n=300, channels=("email",))
    cc = channel_consistency(t)
    f = cc.figure()
    assert f["value"] is None and "two are needed" in f["reason"]
    assert np.isnan(cc.tests.set_index("measure").loc["bad_share", "p_value"])
    json.dumps(cc.to_dict(), allow_nan=False)


def test_min_n_excludes_small_channel_and_seed_reproducible():
    rng = np.random.default_rng(5)
    t = _tickets(rng, n=3000)
    small = conform(pd.DataFrame({"ticket_id": ["s1", "s2", "s3"], "channel": ["api"] * 3,
                                  "rating": ["bad", "bad", "bad"]}), "tickets")
    both = pd.concat([t, small], ignore_index=True)
    a = channel_consistency(both, seed=7)
    b = channel_consistency(both, seed=7)
    assert "api" not in a.figure()["channels"] and a.figure() == b.figure()
    assert any("fewer than 30" in n for n in a.notes)
    c = channel_consistency(both, min_n=3)
    assert "api" in c.figure()["channels"] and c.figure()["highest"] == "api"


def test_custom_text_channel_column_and_agent_tickets_left_out():
    t = _tickets(np.random.default_rng(6), n=800)
    t = t.assign(via=np.where(t["channel"] == "chat", "Messenger", "Mail"),
                 direction=pd.Categorical(["agent"] * 10 + ["customer"] * (len(t) - 10)))
    cc = channel_consistency(t, channel="via")
    assert set(cc.summary()["channel"]) == {"Mail", "Messenger"}
    assert int(_tab(cc, "tickets")["value"].sum()) == len(t) - 10
    with pytest.raises(ValueError, match="channel="):
        channel_consistency(t, channel="medium")


def test_json_html_plot():
    cc = channel_consistency(_tickets(np.random.default_rng(7), bad_by={"web": 0.25}))
    d = cc.to_dict()
    assert "NaN" not in json.dumps(d, allow_nan=False)
    assert d["figure"]["highest"] == "web" and len(d["summary"]) == 7 * 4
    assert "Consistency across channels" in cc._repr_html_()
    ax = cc.plot()
    # the four channels with tickets; the schema's other (empty) channels are left out of the plot
    assert sorted(t.get_text().split(" (")[0] for t in ax.get_yticklabels()) == ["chat", "email", "phone", "web"]
    cc.plot(measure="csat_mean")
    with pytest.raises(ValueError, match="measure"):
        cc.plot(measure="nps")
