"""Tests of csanalysis.estimators.metrics: service metrics with intervals, overall and grouped."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.estimators.metrics import (
    METHODS,
    METRICS,
    ServiceMetrics,
    quantile_ci,
    service_metrics,
)
from csanalysis.schema import conform
from csanalysis.stats import mean_ci, nps_ci


@pytest.fixture(autouse=True)
def close_figs():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture()
def tickets() -> pd.DataFrame:
    return conform(pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(1, 9)],
        "created_at": ["2024-01-03", "2024-01-20", "2024-01-25", "2024-01-28",
                       "2024-03-02", "2024-03-05", "2024-03-09", "2024-03-10"],
        "solved_at": ["2024-01-04", "2024-01-21", None, "2024-01-29",
                      "2024-03-03", "2024-03-06", None, "2024-03-11"],
        "status": ["solved", "solved", "open", "closed", "solved", "solved", "open", "solved"],
        "channel": ["email", "email", "email", "chat", "chat", "email", "web", "email"],
        "rating": ["bad", "good", None, "bad", "good", "neutral", None, "good"],
        "first_reply_minutes": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 5.0],
        "resolution_minutes": [100.0, 200.0, np.nan, 300.0, 50.0, 60.0, np.nan, 500.0],
        "reopens": [0, 1, 0, 0, 2, 0, 0, None],
        "rating_offered": [True, True, True, True, True, True, False, False],
        "direction": ["customer"] * 7 + ["agent"],
    }), "tickets")


@pytest.fixture()
def responses() -> pd.DataFrame:
    return conform(pd.DataFrame({
        "response_id": [f"r{i}" for i in range(1, 11)],
        "ticket_id": ["t1", "t2", "t4", "t5", "t6", None, None, None, None, None],
        "responded_at": ["2024-01-05", "2024-01-22", "2024-01-30", "2024-03-04", "2024-03-07",
                         "2024-01-10", "2024-01-11", "2024-03-20", "2024-03-21", "2024-03-22"],
        "csat": [1.0, 5.0, 2.0, 4.0, 3.0, 5.0, 4.0, np.nan, 5.0, 2.0],
        "nps": [10.0, 10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 0.0, 10.0, 9.0],
        "ces": [7.0, 1.0, 5.0, 2.0, np.nan, np.nan, 3.0, 4.0, 1.0, 2.0],
    }), "responses")


def row(m: ServiceMetrics, metric: str, group=None) -> dict:
    return m.get(metric, group)


# --------------------------------------------------------------------------- hand-computed values
def test_wilson_interval_hand_computed(tickets):
    # 7 customer-initiated tickets, 5 rated, 2 bad: p = 0.4, n = 5.
    m = service_metrics(tickets)
    r = row(m, "bad_rating_share")
    z = 1.959963984540054
    p, n = 0.4, 5
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert r["value"] == pytest.approx(0.4) and r["n"] == 5
    assert r["ci_low"] == pytest.approx(centre - half, abs=1e-12)
    assert r["ci_high"] == pytest.approx(centre + half, abs=1e-12)
    assert (round(r["ci_low"], 4), round(r["ci_high"], 4)) == (0.1176, 0.7693)  # published Wilson (2, 5)
    assert r["method"] == "Wilson score interval"


def test_nps_hand_computed(responses):
    # promoters 10,10,9,10,9 = 5; detractors 6,5,0 = 3; passives 8,7; n = 10
    m = service_metrics(None, responses)
    r = row(m, "nps")
    assert r["value"] == pytest.approx(20.0) and r["n"] == 10
    var = (0.5 + 0.3 - 0.2 ** 2) / 10  # 0.076
    half = 100 * 1.959963984540054 * math.sqrt(var)
    assert r["ci_low"] == pytest.approx(20 - half) and r["ci_high"] == pytest.approx(20 + half)
    assert r["ci_low"] == pytest.approx(-34.03, abs=0.01) and r["ci_high"] == pytest.approx(74.03, abs=0.01)
    assert r["method"] == "normal approx. to multinomial variance"
    assert (r["value"], r["ci_low"], r["ci_high"], r["n"]) == pytest.approx(nps_ci(responses["nps"]))


def test_csat_and_ces_t_intervals(responses):
    m = service_metrics(None, responses, confidence=0.9)
    for metric, col in (("csat_mean", "csat"), ("ces_mean", "ces")):
        r = row(m, metric)
        x = responses[col].dropna().to_numpy(float)
        half = stats.t.ppf(0.95, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        assert r["value"] == pytest.approx(x.mean()) and r["n"] == len(x)
        assert r["ci_low"] == pytest.approx(x.mean() - half) and r["ci_high"] == pytest.approx(x.mean() + half)
        assert (r["value"], r["ci_low"], r["ci_high"], r["n"]) == pytest.approx(mean_ci(x, 0.9))
        assert r["method"] == "t interval"
    top2 = row(m, "csat_top2")
    assert top2["value"] == pytest.approx(5 / 9) and top2["n"] == 9


def test_ticket_rates_definitions(tickets):
    m = service_metrics(tickets)
    # solved customer-initiated tickets: t1, t2, t4, t5, t6 (t8 is agent-initiated)
    assert row(m, "reopen_rate")["n"] == 5 and row(m, "reopen_rate")["value"] == pytest.approx(2 / 5)
    assert row(m, "fcr")["n"] == 5 and row(m, "fcr")["value"] == pytest.approx(3 / 5)
    assert row(m, "tickets")["value"] == 7
    rr = row(m, "rating_response_rate")  # offered: t1..t6, rated: t1, t2, t4, t5, t6
    assert rr["n"] == 6 and rr["value"] == pytest.approx(5 / 6)
    fr = row(m, "first_reply_p50")
    assert fr["value"] == pytest.approx(40.0) and fr["n"] == 7
    assert fr["method"] == "binomial order-statistic interval"
    # with agent-initiated tickets: t8 counts, its reopens are unknown so it is not in reopen_rate
    m2 = service_metrics(tickets, include_agent_initiated=True)
    assert row(m2, "tickets")["value"] == 8 and row(m2, "reopen_rate")["n"] == 5
    assert row(m2, "first_reply_p50")["value"] == pytest.approx(35.0)


def test_fcr_uses_replies_column_when_present(tickets):
    t = tickets.assign(replies=[1, 1, 3, 2, 1, np.nan, 1, 1])
    r = row(service_metrics(t), "fcr")
    # solved customer-initiated with known reopens and replies: t1, t2, t4, t5 (t6 has no replies value)
    # first-contact resolved: t1 (0 reopens, 1 reply) only; t4 has 2 replies
    assert r["n"] == 4 and r["value"] == pytest.approx(1 / 4)


def test_every_metric_and_method_reported(tickets, responses):
    s = service_metrics(tickets, responses).summary()
    assert list(s.columns) == ["metric", "value", "ci_low", "ci_high", "n", "method"]
    assert s["metric"].tolist() == list(METRICS)
    assert s.set_index("metric")["method"].to_dict() == METHODS
    assert s["n"].dtype == np.int64
    ok = s.dropna(subset=["ci_low", "ci_high"])
    assert ((ok["ci_low"] <= ok["value"]) & (ok["value"] <= ok["ci_high"])).all()


# --------------------------------------------------------------------------- grouping
def test_group_by_channel_with_empty_channel(tickets, responses):
    m = service_metrics(tickets, responses, by="channel")
    s = m.summary()
    assert list(s.columns) == ["channel", "metric", "value", "ci_low", "ci_high", "n", "method"]
    assert list(dict.fromkeys(s["channel"].astype(str))) == ["email", "web", "chat", "phone", "social", "api", "other"]
    phone = s.loc[s["channel"] == "phone"]
    assert len(phone) == len(METRICS) and (phone["n"] == 0).all()
    assert phone.loc[phone["metric"] != "tickets", ["value", "ci_low", "ci_high"]].isna().all().all()
    email = row(m, "bad_rating_share", "email")  # t1 bad, t2 good, t6 neutral (t8 agent)
    assert email["n"] == 3 and email["value"] == pytest.approx(1 / 3) and email["channel"] == "email"
    chat = row(m, "bad_rating_share", "chat")
    assert chat["n"] == 2 and chat["value"] == pytest.approx(0.5)
    # survey answers reach their channel through ticket_id: email tickets t1, t2, t6 -> CSAT 1, 5, 3
    assert row(m, "csat_mean", "email")["value"] == pytest.approx(3.0)
    assert row(m, "csat_mean", "email")["n"] == 3
    # the Wilson bounds are the vectorised call's, per group
    from csanalysis.stats import wilson_ci

    lo, hi = wilson_ci(1, 3)
    assert (email["ci_low"], email["ci_high"]) == pytest.approx((lo, hi))


def test_group_by_month_fills_empty_months(tickets, responses):
    m = service_metrics(tickets, responses, by="month")
    s = m.summary()
    months = list(dict.fromkeys(s["month"].astype(str)))
    assert months == ["2024-01", "2024-02", "2024-03"]
    feb = s.loc[s["month"].astype(str) == "2024-02"]
    assert (feb["n"] == 0).all() and feb["value"].drop(feb.index[feb["metric"] == "tickets"]).isna().all()
    assert row(m, "tickets", "2024-01")["value"] == 4
    assert row(m, "tickets", pd.Period("2024-03", "M"))["value"] == 3
    # responses are grouped by responded_at: January has r1, r2, r3, r6, r7
    assert row(m, "nps", "2024-01")["n"] == 5
    d = m.to_dict()
    json.dumps(d)  # JSON-ready, periods as text
    assert d["summary"][0]["month"] == "2024-01" and d["by"] == ["month"]


def test_group_by_two_columns_and_quarter(tickets, responses):
    m = service_metrics(tickets, responses, by=["channel", "quarter"])
    s = m.summary()
    assert list(s.columns[:2]) == ["channel", "quarter"]
    assert len(s) == 7 * 1 * len(METRICS)  # one quarter, 2024Q1
    assert row(m, "tickets", ("email", "2024Q1"))["value"] == 4
    with pytest.raises(ValueError, match="one value per by-column"):
        m.get("tickets", "email")


def test_group_by_custom_column_carried_through_ticket_id(tickets, responses):
    r = responses.assign(segment=["amaze", "delight", "meet", "meet", "exceed", None, None, "meet", "x", "x"])
    m = service_metrics(tickets, r, by="segment")
    s = m.summary()
    assert set(s["segment"]) == {"amaze", "delight", "exceed", "meet", "x"}
    # tickets get the segment of their survey answer: t4 and t5 are "meet"
    assert row(m, "tickets", "meet")["value"] == 2
    assert row(m, "csat_mean", "x")["n"] == 2


def test_grouped_equals_per_group_computation():
    rng = np.random.default_rng(11)
    n = 3000
    t = conform(pd.DataFrame({
        "ticket_id": np.arange(n).astype(str),
        "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
        "channel": rng.choice(["email", "chat", "web"], n),
        "first_reply_minutes": rng.exponential(60, n).round(1),
        "rating": rng.choice(["good", "bad", "neutral", None], n),
    }), "tickets")
    m = service_metrics(t, by="channel")
    for ch, g in t.groupby("channel", observed=True):
        x = g["first_reply_minutes"].to_numpy()
        for q, metric in ((0.5, "first_reply_p50"), (0.9, "first_reply_p90")):
            r = row(m, metric, ch)
            assert r["value"] == pytest.approx(np.percentile(x, 100 * q))
            assert (r["value"], r["ci_low"], r["ci_high"], r["n"]) == pytest.approx(quantile_ci(x, q))
        rated = g["rating"].notna()
        assert row(m, "bad_rating_share", ch)["n"] == rated.sum()
        assert row(m, "bad_rating_share", ch)["value"] == pytest.approx((g["rating"] == "bad").sum() / rated.sum())


# --------------------------------------------------------------------------- quantile interval
def test_quantile_ci_hand_computed():
    # n = 20, median: ranks l = 6, u = 15 (Binomial(20, 0.5) quantiles 6 and 14, + 1)
    assert quantile_ci(np.arange(1, 21)[::-1]) == (10.5, 6.0, 15.0, 20)
    est, lo, hi, n = quantile_ci([3.0, 1.0, 2.0])
    assert (est, n) == (2.0, 3) and math.isnan(lo) and math.isnan(hi)  # too few for 95%
    est, lo, hi, n = quantile_ci([np.nan, np.nan])
    assert n == 0 and math.isnan(est)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        quantile_ci([1, 2, 3], q=1.0)


def test_quantile_ci_coverage_simulation():
    rng = np.random.default_rng(20240601)
    sims, n = 400, 40
    x = rng.exponential(scale=1.0, size=(sims, n))
    t = conform(pd.DataFrame({
        "ticket_id": np.arange(sims * n).astype(str),
        "sim": np.repeat(np.arange(sims), n),
        "first_reply_minutes": x.ravel(),
    }), "tickets")
    s = service_metrics(t, by="sim").summary()
    med = s.loc[s["metric"] == "first_reply_p50"]
    assert len(med) == sims and (med["n"] == n).all()
    true = math.log(2.0)
    covered = ((med["ci_low"] <= true) & (true <= med["ci_high"])).mean()
    assert 0.91 <= covered <= 0.98
    p90 = s.loc[s["metric"] == "first_reply_p90"]
    covered90 = ((p90["ci_low"] <= math.log(10.0)) & (math.log(10.0) <= p90["ci_high"])).mean()
    assert 0.91 <= covered90 <= 0.99


# --------------------------------------------------------------------------- result object
def test_result_object_faces(tickets, responses):
    m = service_metrics(tickets, responses, by="channel")
    html = m._repr_html_()
    assert "<table" in html and "Wilson score interval" in html and "by channel" in html
    d = m.to_dict()
    text = json.dumps(d)
    assert "NaN" not in text and d["confidence"] == 0.95
    assert "first-contact resolution" in d["definitions"]["fcr"]
    assert len(d["overall"]) == len(METRICS)
    assert "ServiceMetrics" in repr(m)
    with pytest.raises(ValueError, match="unknown metric"):
        m.get("csat_median")
    with pytest.raises(ValueError, match="no group"):
        m.get("csat_mean", "carrier pigeon")
    with pytest.raises(ValueError, match="not grouped"):
        service_metrics(tickets).get("csat_mean", "email")


def test_plot_returns_axes(tickets, responses):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = service_metrics(tickets, responses, by="channel")
    _fig, ax = plt.subplots()
    out = m.plot(ax=ax, metric="bad_rating_share")
    assert out is ax
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["email", "web"]
    assert "Wilson" in ax.get_title()
    ax2 = service_metrics(tickets).plot()
    assert [t.get_text() for t in ax2.get_yticklabels()] == ["all"]


def test_input_errors(tickets):
    with pytest.raises(ValueError, match="neither the tickets nor the responses"):
        service_metrics(tickets, by="segment")
    with pytest.raises(ValueError, match="confidence"):
        service_metrics(tickets, confidence=95)
    with pytest.raises(ValueError, match="give a tickets table"):
        service_metrics(None)
    with pytest.raises(ValueError, match="0-10 scale"):
        service_metrics(None, conform(pd.DataFrame({"nps": [11.0]}), "responses"))
