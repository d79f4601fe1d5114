"""Tests of csanalysis.segments.scorecard: the Danish service scorecard, period over period."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.schema import conform
from csanalysis.segments.scorecard import PRESETS, Scorecard, scorecard


def _tickets(rng: np.random.Generator, bad_by_month: list[float], n_per_month: int = 1500,
             chat_bad_by_month: list[float] | None = None, start: str = "2024-01-01") -> pd.DataFrame:
    parts = []
    for m, p_bad in enumerate(bad_by_month):
        lo = pd.Timestamp(start, tz="UTC") + pd.DateOffset(months=m)
        days = ((lo + pd.DateOffset(months=1)) - lo).days
        n = n_per_month
        ch = rng.choice(np.array(["email", "chat", "phone"]), n)
        p = np.full(n, p_bad)
        if chat_bad_by_month is not None:
            p = np.where(ch == "chat", chat_bad_by_month[m], p)
        parts.append(pd.DataFrame({
            "created_at": lo + pd.to_timedelta(rng.uniform(0, days - 0.01, n), unit="D"),
            "channel": ch,
            "rating": np.where(rng.random(n) < p, "bad", "good"),
            "first_reply_minutes": rng.lognormal(4.0, 0.6, n),
            "resolution_minutes": rng.lognormal(6.0, 0.6, n),
            "reopens": rng.binomial(1, 0.1, n),
            "status": "solved",
            "assignee_key": np.array([f"agent_{i:02d}" for i in range(10)])[rng.integers(0, 10, n)],
        }))
    t = pd.concat(parts, ignore_index=True)
    t["ticket_id"] = [f"t{i}" for i in range(len(t))]
    return conform(t, "tickets")


def _rows(sc: Scorecard, measure: str) -> pd.DataFrame:
    s = sc.summary()
    return s.loc[s["measure"] == measure].reset_index(drop=True)


# --------------------------------------------------------------------------- planted changes
def test_planted_rise_in_complaints_is_significant():
    sc = scorecard(_tickets(np.random.default_rng(0), [0.05, 0.05, 0.12]))
    c = _rows(sc, "complaints_per_1000")
    assert c["period"].astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert c.loc[2, "significant"] and c.loc[2, "p_value"] < 1e-6 and c.loc[2, "change"] > 40
    assert not c.loc[2, "improved"]  # NA would raise here
    assert c.loc[2, "good_direction"] == "down" and c.loc[2, "test"].startswith("Poisson rate test")
    assert c.loc[2, "ci_low"] < c.loc[2, "value"] < c.loc[2, "ci_high"]


def test_null_change_in_complaints_rarely_significant():
    hits = 0
    for seed in range(20):
        c = _rows(scorecard(_tickets(np.random.default_rng(seed), [0.08, 0.08], n_per_month=800), n_resamples=100),
                  "complaints_per_1000")
        hits += bool(c.loc[1, "significant"])
    assert hits <= 4


def test_poisson_rate_test_against_hand_computation():
    t = _tickets(np.random.default_rng(1), [0.05, 0.09], n_per_month=500)
    c = _rows(scorecard(t), "complaints_per_1000")
    m = t["created_at"].dt.month.to_numpy()
    bad = (t["rating"] == "bad").to_numpy()
    k1, k2 = bad[m == 1].sum(), bad[m == 2].sum()
    e1, e2 = (m == 1).sum(), (m == 2).sum()
    want = stats.binomtest(int(k2), int(k1 + k2), e2 / (e1 + e2)).pvalue
    assert np.isclose(c.loc[1, "p_value"], want)
    assert np.isclose(c.loc[0, "value"], 1000 * k1 / e1) and c.loc[1, "n"] == e2


def test_complaint_tags_count_even_when_rated_good():
    t = conform(pd.DataFrame({
        "ticket_id": ["1", "2", "3", "4"],
        "created_at": ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
        "rating": ["good", "good", "bad", None],
        "tags": ["billing complaint", "order_status", "", None],
        "ticket_type": [None, "Klage", None, None],
    }), "tickets")
    c = _rows(scorecard(t), "complaints_per_1000")
    assert c.loc[0, "value"] == 750.0  # tag, type (Danish "klage") and bad rating; the 4th is none
    assert "tags" in c.loc[0, "note"] and "ticket_type" in c.loc[0, "note"]


def test_planted_channel_spread_change_and_times():
    t = _tickets(np.random.default_rng(2), [0.08, 0.08], chat_bad_by_month=[0.08, 0.30])
    sc = scorecard(t, preset="Classic", n_resamples=400)
    sp = _rows(sc, "channel_spread_bad_share")
    assert sp.loc[1, "value"] > 0.15 and sp.loc[1, "significant"] and sp.loc[1, "test"].startswith("bootstrap")
    assert sp.loc[0, "ci_low"] <= sp.loc[0, "value"] <= sp.loc[0, "ci_high"]
    fr = _rows(sc, "first_reply_p50")
    assert fr.loc[1, "test"].startswith("Mann-Whitney") and not np.isnan(fr.loc[1, "p_value"])
    x = t.loc[t["created_at"].dt.month == 1, "first_reply_minutes"]
    assert np.isclose(fr.loc[0, "value"], x.median())


# --------------------------------------------------------------------------- presets
def test_presets_order_and_flag_lead_measures():
    rng = np.random.default_rng(3)
    t = _tickets(rng, [0.1, 0.1], n_per_month=400)
    a = conform(pd.DataFrame({"customer_id": rng.choice([f"c{i}" for i in range(80)], 300),
                              "at": pd.Timestamp("2024-01-01", tz="UTC")
                              + pd.to_timedelta(rng.uniform(0, 59, 300), unit="D"),
                              "order_id": [f"o{i}" for i in range(300)], "amount": 10.0}), "activity")
    expect_first = {"Classic": "channel_spread_bad_share", "Old Shoe": "repeat_purchase_rate", "Solution": "fcr",
                    "Bargain": "contacts_per_order", "Aggregator": "first_reply_p50", "Utility": "complaints_per_1000"}
    for preset, first in expect_first.items():
        sc = scorecard(t, activity=a, preset=preset, n_resamples=50)
        for _, per in sc.summary().groupby("period", sort=False):
            assert per["measure"].iloc[0] == first
            assert per.loc[per["lead"], "measure"].tolist() == sc.lead
        assert sc.lead[0] == first
    sol = scorecard(t, preset="solution")  # case-insensitive
    assert sol.preset == "Solution" and sol.lead[:2] == ["fcr", "reopen_rate"]
    assert len(PRESETS) == 9
    with pytest.raises(ValueError, match="Old Shoe"):
        scorecard(t, preset="Luxury")


def test_missing_lead_and_referral_proxy_labelled():
    t = _tickets(np.random.default_rng(4), [0.1, 0.1], n_per_month=200)
    r = conform(pd.DataFrame({"response_id": [f"r{i}" for i in range(40)],
                              "responded_at": ["2024-01-15"] * 20 + ["2024-02-15"] * 20,
                              "nps": [10, 9, 3, 7] * 10, "csat": [5.0, 4.0, 1.0, 3.0] * 10}), "responses")
    sc = scorecard(t, r, preset="Old Shoe")
    assert sc.missing_lead == ["repeat_purchase_rate"]
    assert sc.lead == ["promoter_share", "csat_mean"]
    p = _rows(sc, "promoter_share")
    assert p.loc[0, "value"] == 0.5 and "PROXY" in p.loc[0, "note"]
    cs = _rows(sc, "csat_mean")
    assert cs.loc[0, "value"] == 3.25 and cs.loc[0, "note"] == "survey CSAT"
    # with a referral column in the survey, no proxy
    sc2 = scorecard(t, r.assign(referrals=[0, 1, 2, 0] * 10), preset="Trendsetter")
    assert "promoter_share" not in set(sc2.summary()["measure"]) and sc2.lead[0] == "referral_share"
    assert _rows(sc2, "referral_share").loc[0, "value"] == 0.5
    # customers snapshot: one row at the as_of period, no change
    cust = conform(pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "referrals": [0, 3, np.nan, 1]}),
                   "customers")
    rc = _rows(scorecard(t, r, customers=cust), "referring_customers_share")
    assert np.isnan(rc.loc[0, "value"]) and np.isclose(rc.loc[1, "value"], 2 / 3) and rc.loc[1, "n"] == 3
    assert not rc["significant"].any()


# --------------------------------------------------------------------------- other measures
def test_repeat_purchase_rate_and_contacts_per_order_by_hand():
    a = conform(pd.DataFrame({
        "customer_id": ["a", "b", "a", "c", "b", "d"],
        "at": ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-02-11", "2024-02-12"],
        "order_id": list("123456"), "amount": 1.0}), "activity")
    t = conform(pd.DataFrame({"ticket_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
                              "created_at": ["2024-01-06", "2024-02-04", "2024-02-05"]}), "tickets")
    sc = scorecard(t, activity=a)
    rp = _rows(sc, "repeat_purchase_rate")
    assert rp["value"].tolist() == [0.0, 0.5] and rp["n"].tolist() == [2, 4]  # Feb buyers a, b repeat; c, d new
    cpo = _rows(sc, "contacts_per_order")
    assert cpo["value"].tolist() == [0.5, 0.5] and cpo["n"].tolist() == [2, 4]


def test_tickets_per_agent_reopen_rate_and_fcr():
    t = conform(pd.DataFrame({
        "ticket_id": list("12345"),
        "created_at": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
        "status": ["solved", "solved", "closed", "open", "solved"],
        "reopens": [0, 1, 0, 0, None],
        "replies": [1, 1, 3, 1, 1],
        "assignee_key": ["agent_a", "agent_a", "agent_b", None, "agent_b"],
        "submitter_key": ["x1", "x2", "x3", "x4", "x5"],  # not agent keys: ignored
    }), "tickets")
    sc = scorecard(t)
    assert _rows(sc, "tickets_per_agent").loc[0, ["value", "n"]].tolist() == [2.0, 2]
    assert _rows(sc, "reopen_rate").loc[0, ["value", "n"]].tolist() == [1 / 3, 3]
    assert _rows(sc, "fcr").loc[0, ["value", "n"]].tolist() == [1 / 3, 3]  # only ticket 1: 0 reopens, 1 reply


# --------------------------------------------------------------------------- edge cases and output
def test_single_period():
    sc = scorecard(_tickets(np.random.default_rng(5), [0.1], n_per_month=300))
    s = sc.summary()
    assert s["period"].nunique() == 1
    assert s["change"].isna().all() and s["p_value"].isna().all() and not s["significant"].any()
    assert s["improved"].isna().all()
    json.dumps(sc.to_dict(), allow_nan=False)


def test_as_of_cuts_and_marks_incomplete_period_and_quarters():
    t = _tickets(np.random.default_rng(6), [0.1, 0.1, 0.1, 0.1], n_per_month=200)
    sc = scorecard(t, as_of="2024-03-15")
    s = _rows(sc, "complaints_per_1000")
    assert s["period"].astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert s["complete"].tolist() == [True, True, False]
    assert s.loc[2, "n"] == int(((t["created_at"] >= "2024-03-01") & (t["created_at"] <= "2024-03-15")).sum())
    q = scorecard(t, freq="quarter")
    assert q.freq == "Q" and _rows(q, "fcr")["period"].astype(str).tolist() == ["2024Q1", "2024Q2"]
    with pytest.raises(ValueError, match="freq"):
        scorecard(t, freq="W")
    with pytest.raises(ValueError, match="as_of"):
        scorecard(t, as_of="2023-01-01")


def test_to_dict_json_records_and_plot():
    t = _tickets(np.random.default_rng(7), [0.05, 0.05, 0.15], n_per_month=800)
    sc = scorecard(t, preset="Utility", n_resamples=100)
    d = sc.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert "NaN" not in text
    rec = d["scorecard"]
    assert rec[0].keys() >= {"period", "measure", "value", "change", "good_direction", "significant", "n",
                             "p_value", "test", "lead"}
    assert rec[0]["period"] == "2024-01" and rec[0]["change"] is None and rec[0]["measure"] == "complaints_per_1000"
    assert d["preset"] == "Utility" and d["lead"][0] == "complaints_per_1000"
    ax = sc.plot(measure="complaints_per_1000")
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    assert "significant worsening" in labels
    assert "Service scorecard" in sc._repr_html_()
    with pytest.raises(ValueError, match="not in this scorecard"):
        sc.plot(measure="repeat_purchase_rate")


def test_needs_a_dated_table():
    with pytest.raises(ValueError, match="at least a tickets"):
        scorecard(None, customers=conform(pd.DataFrame({"customer_id": ["a"]}), "customers"))


def test_repeat_purchase_rate_against_a_groupby():
    """Per month: the share of that month's buyers whose first order in the data came before the month."""
    rng = np.random.default_rng(8)
    n = 400
    at = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 150 * 24, n), unit="h")
    raw = pd.DataFrame({"customer_id": rng.integers(0, 90, n).astype(str),
                        "at": at.tz_convert("Europe/Copenhagen").astype(str),  # offsets in the text
                        "order_id": [f"o{i}" for i in range(n)], "amount": 1.0})
    a = conform(raw, "activity")
    t = conform(pd.DataFrame({"ticket_id": ["1"], "customer_id": ["0"], "created_at": ["2024-01-06"]}), "tickets")
    rp = _rows(scorecard(t, activity=a), "repeat_purchase_rate")
    month = at.tz_localize(None).to_period("M")
    df = pd.DataFrame({"c": raw["customer_id"], "at": at, "m": month})
    df["first"] = df.groupby("c")["at"].transform("min")
    buyers = df.drop_duplicates(["c", "m"])
    want = buyers.assign(rep=buyers["first"] < buyers["m"].dt.start_time.dt.tz_localize("UTC")).groupby("m")["rep"]
    assert rp["n"].tolist() == want.size().tolist()
    np.testing.assert_allclose(rp["value"].to_numpy(dtype=float), want.mean().to_numpy(dtype=float), rtol=1e-12)
