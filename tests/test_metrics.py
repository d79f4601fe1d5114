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
from csanalysis.stats import grouped_quantile_ci, grouped_share_ci, mean_ci, nps_ci, wilson_ci


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
def _wilson_t(p: float, n_eff: float, clusters: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson's interval at effective size ``n_eff`` with the t critical value, clusters - 1 df."""
    c = stats.t.ppf(0.5 + conf / 2, clusters - 1)
    centre = (p + c * c / (2 * n_eff)) / (1 + c * c / n_eff)
    half = c / (1 + c * c / n_eff) * math.sqrt(p * (1 - p) / n_eff + c * c / (4 * n_eff * n_eff))
    return centre - half, centre + half


def test_share_interval_hand_computed(tickets):
    # 7 customer-initiated tickets, 5 rated, 2 bad: p = 0.4, n = 5; no customer ids: every ticket its own
    # cluster, so the cluster-robust variance is 5/4 * sum (k_i - p)^2 / 25 = 0.06 and n* = 0.24 / 0.06 = 4
    m = service_metrics(tickets)
    r = row(m, "bad_rating_share")
    var = 5 / 4 * (2 * 0.6 ** 2 + 3 * 0.4 ** 2) / 25
    assert var == pytest.approx(0.06)
    lo, hi = _wilson_t(0.4, 0.24 / var, 5)
    assert r["value"] == pytest.approx(0.4) and r["n"] == 5
    assert r["ci_low"] == pytest.approx(lo, abs=1e-12) and r["ci_high"] == pytest.approx(hi, abs=1e-12)
    assert r["method"] == "cluster-robust Wilson-type interval; each row its own cluster (no customer id)"
    # wider than Wilson's (2, 5) [0.1176, 0.7693]: four degrees of freedom for the variance
    assert r["ci_low"] < 0.1176 and r["ci_high"] > 0.7693


def test_share_interval_with_customers_hand_computed(tickets):
    # the rated tickets t1 (bad), t2, t4 (bad), t5, t6 from customers a, a, b, b, c
    t = tickets.assign(customer=["a", "a", "x", "b", "b", "c", "y", "z"])
    r = row(service_metrics(t), "bad_rating_share")
    k, n = np.array([1, 1, 0]), np.array([2, 2, 1])  # per customer
    var = 3 / 2 * ((k - 0.4 * n) ** 2).sum() / 25
    assert var == pytest.approx(0.0144)  # below the tickets' own variance 0.06: the design effect is truncated at 1
    lo, hi = _wilson_t(0.4, 0.24 / 0.06, 3)  # n* = 4 as without customers, but t with 2 df (3 customers)
    assert r["value"] == pytest.approx(0.4) and r["n"] == 5
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    assert r["method"].endswith("; customers as clusters")


def test_nps_hand_computed(responses):
    # promoters 10,10,9,10,9 = 5; detractors 6,5,0 = 3; passives 8,7; n = 10; every answer its own cluster
    m = service_metrics(None, responses)
    r = row(m, "nps")
    assert r["value"] == pytest.approx(20.0) and r["n"] == 10
    d = np.array([1, 1, 1, 0, 0, -1, -1, -1, 1, 1], float)
    u = (d + 1) / 2  # NPS as a mean on 0-1
    var = u.var(ddof=1) / 10
    lo, hi = _wilson_t(u.mean(), u.mean() * (1 - u.mean()) / var, 10)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((100 * (2 * lo - 1), 100 * (2 * hi - 1)), abs=1e-9)
    assert r["method"].startswith("cluster-robust Wilson-type interval (NPS as the mean of +1/0/-1)")
    # close to the multinomial normal interval (-34.03, 74.03): a little wider (t with 9 df), and drawn
    # towards 0 as score intervals are
    est, olo, ohi, _ = nps_ci(responses["nps"])
    assert 1.0 < (r["ci_high"] - r["ci_low"]) / (ohi - olo) < 1.25 and r["ci_low"] < olo


def test_csat_and_ces_bounded_intervals(responses):
    m = service_metrics(None, responses, confidence=0.9)
    for metric, col, top in (("csat_mean", "csat", 5.0), ("ces_mean", "ces", 7.0)):
        r = row(m, metric)
        x = responses[col].dropna().to_numpy(float)
        u = (x - 1) / (top - 1)
        lo, hi = _wilson_t(u.mean(), u.mean() * (1 - u.mean()) / (u.var(ddof=1) / len(u)), len(u), 0.9)
        assert r["value"] == pytest.approx(x.mean()) and r["n"] == len(x)
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((1 + (top - 1) * lo, 1 + (top - 1) * hi), abs=1e-9)
        assert 1 <= r["ci_low"] < r["value"] < r["ci_high"] <= top
        assert r["method"].startswith("cluster-robust Wilson-type interval on the bounded scale")
        # with one answer per cluster, close to the t interval
        t_est, t_lo, t_hi, _ = mean_ci(x, 0.9)
        assert (r["ci_high"] - r["ci_low"]) / (t_hi - t_lo) == pytest.approx(1.0, abs=0.15)
    top2 = row(m, "csat_top2")
    assert top2["value"] == pytest.approx(5 / 9) and top2["n"] == 9


def test_bounded_mean_stays_on_the_scale():
    # all answers 5 from 3 customers: the interval is [lower, 5], not above 5
    r = conform(pd.DataFrame({"response_id": list("abcdef"), "customer": list("xxyyzz"),
                              "csat": [5.0] * 6}), "responses")
    c = service_metrics(None, r).get("csat_mean")
    assert c["value"] == 5.0 and c["ci_high"] == 5.0 and 1.0 < c["ci_low"] < 5.0


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
    assert fr["method"] == ("Woodruff interval with cluster-robust design effect; "
                            "each row its own cluster (no customer id)")
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
    methods = s.set_index("metric")["method"].to_dict()
    assert all(methods[m].startswith(METHODS[m]) for m in METRICS)
    assert methods == service_metrics(tickets, responses).methods
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
    # the bounds are the vectorised call's, per group: email has 3 rated tickets, each its own cluster
    lo, hi = _wilson_t(1 / 3, (2 / 9) / (3 / 2 * (4 / 9 + 2 / 9) / 9), 3)
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
        "customer": rng.integers(0, 900, n).astype(str),
        "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
        "channel": rng.choice(["email", "chat", "web"], n),
        "first_reply_minutes": rng.exponential(60, n).round(1),
        "rating": rng.choice(["good", "bad", "neutral", None], n),
    }), "tickets")
    m = service_metrics(t, by="channel")
    for ch, g in t.groupby("channel", observed=True):
        x = g["first_reply_minutes"].to_numpy()
        one = service_metrics(g)  # the group alone gives the same figures
        for q, metric in ((0.5, "first_reply_p50"), (0.9, "first_reply_p90")):
            r = row(m, metric, ch)
            assert r["value"] == pytest.approx(np.percentile(x, 100 * q))
            assert (r["value"], r["ci_low"], r["ci_high"], r["n"]) == pytest.approx(
                tuple(row(one, metric)[k] for k in ("value", "ci_low", "ci_high", "n")))
        for metric in ("bad_rating_share", "rating_response_rate"):
            assert (row(m, metric, ch)["ci_low"], row(m, metric, ch)["ci_high"]) == pytest.approx(
                (row(one, metric)["ci_low"], row(one, metric)["ci_high"]))
        rated = g["rating"].notna()
        assert row(m, "bad_rating_share", ch)["n"] == rated.sum()
        assert row(m, "bad_rating_share", ch)["value"] == pytest.approx((g["rating"] == "bad").sum() / rated.sum())


def test_one_ticket_per_customer_gives_the_classic_intervals_nearly():
    # unclustered data, n = 2000: the cluster-robust intervals are the classic ones to within a few percent
    rng = np.random.default_rng(3)
    n = 2000
    t = conform(pd.DataFrame({"ticket_id": np.arange(n).astype(str), "customer": np.arange(n).astype(str),
                              "rating": rng.choice(["good", "bad"], n, p=[0.8, 0.2]),
                              "first_reply_minutes": rng.exponential(60, n)}), "tickets")
    m = service_metrics(t)
    b = row(m, "bad_rating_share")
    k = int((t["rating"] == "bad").sum())
    lo, hi = wilson_ci(k, n)
    assert b["ci_low"] == pytest.approx(lo, rel=0.01) and b["ci_high"] == pytest.approx(hi, rel=0.01)
    for q, metric in ((0.5, "first_reply_p50"), (0.9, "first_reply_p90")):
        _, qlo, qhi, _ = quantile_ci(t["first_reply_minutes"], q)
        x = np.sort(t["first_reply_minutes"].to_numpy())
        r = row(m, metric)
        # the same ranks as the exact order-statistic interval, give or take one
        assert abs(np.searchsorted(x, r["ci_low"]) - np.searchsorted(x, qlo)) <= 1
        assert abs(np.searchsorted(x, r["ci_high"]) - np.searchsorted(x, qhi)) <= 1


# --------------------------------------------------------------------------- the sampling unit
def _account_clustered(rng: np.random.Generator, sims: int, accounts: int, p: float, icc: float):
    """Tickets of ``sims`` independent data sets, each with ``accounts`` accounts whose bad-rating
    probabilities vary (beta, intra-account correlation ``icc``), 1 + Poisson(7) tickets per account,
    2 customers per account."""
    a, b = p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc
    size = 1 + rng.poisson(7, sims * accounts)
    acc = np.repeat(np.arange(sims * accounts), size)
    bad = rng.random(size.sum()) < np.repeat(rng.beta(a, b, sims * accounts), size)
    cust = acc * 2 + rng.integers(0, 2, size.sum())
    return conform(pd.DataFrame({
        "ticket_id": np.arange(size.sum()).astype(str), "sim": acc // accounts,
        "account_id": acc.astype(str), "customer": cust.astype(str),
        "rating": np.where(bad, "bad", "good"),
        "first_reply_minutes": np.exp(np.repeat(rng.normal(0, 0.8, sims * accounts), size)
                                      + rng.normal(0, 1, size.sum())),
    }), "tickets")


def test_account_clustered_coverage_simulation():
    # 300 data sets of 30 accounts (about 240 tickets each), intra-account correlation 0.15
    rng = np.random.default_rng(10)
    p, sims = 0.2, 300
    t = _account_clustered(rng, sims, 30, p, 0.15)
    s = service_metrics(t, by="sim", cluster="account_id").summary()
    new = s.loc[s["metric"] == "bad_rating_share"]
    assert len(new) == sims and (new["method"].str.endswith("accounts as clusters (customers where none)")).all()
    covered = ((new["ci_low"] <= p) & (p <= new["ci_high"])).mean()
    # the rows-independent Wilson interval of before
    bad = (t["rating"] == "bad").to_numpy()
    _, lo, hi, _, _ = grouped_share_ci(bad, t["sim"].to_numpy(), sims)
    old = ((lo <= p) & (p <= hi)).mean()
    assert old < 0.87 and covered >= 0.90 and covered <= 0.99
    # the median reply time: Woodruff with accounts as clusters covers too; the exact order-statistic
    # interval, which assumes independent tickets, does not
    med = s.loc[s["metric"] == "first_reply_p50"]
    assert ((med["ci_low"] <= 1.0) & (1.0 <= med["ci_high"])).mean() >= 0.90
    _, qlo, qhi, _ = grouped_quantile_ci(t["first_reply_minutes"].to_numpy(), t["sim"].to_numpy(), sims)
    assert ((qlo <= 1.0) & (1.0 <= qhi)).mean() < 0.87


def test_cluster_options_change_intervals_not_estimates():
    rng = np.random.default_rng(4)
    t = _account_clustered(rng, 1, 40, 0.2, 0.2)
    r = conform(pd.DataFrame({"response_id": [f"r{i}" for i in range(300)],
                              "ticket_id": t["ticket_id"].sample(300, random_state=1).to_numpy(),
                              "csat": rng.integers(1, 6, 300).astype(float),
                              "nps": rng.integers(0, 11, 300).astype(float)}), "responses")
    r["customer"] = r["ticket_id"].map(t.set_index("ticket_id")["customer"])
    out = {c: service_metrics(t, r, cluster=c) for c in ("customer", "account_id", None)}
    base = out["customer"].overall
    for c, m in out.items():
        assert m.overall["value"].equals(base["value"]) and m.overall["n"].equals(base["n"])
        assert m.cluster == c
    acc = out["account_id"].overall.set_index("metric")
    cus = out["customer"].overall.set_index("metric")
    rows_ = out[None].overall.set_index("metric")
    # accounts hold the correlation: widest with accounts, narrowest with rows
    w = lambda d, k: d.loc[k, "ci_high"] - d.loc[k, "ci_low"]
    assert w(acc, "bad_rating_share") > w(cus, "bad_rating_share") > w(rows_, "bad_rating_share")
    # responses reach their account through ticket_id
    assert acc.loc["csat_mean", "method"].endswith("accounts as clusters (customers where none)")
    assert rows_.loc["csat_mean", "method"].endswith("each row its own cluster")
    d = out["account_id"].to_dict()
    assert d["methods"]["nps"] == acc.loc["nps", "method"]
    with pytest.raises(ValueError, match="neither the tickets nor the responses"):
        service_metrics(t, cluster="household")
    with pytest.raises(TypeError, match="column name"):
        service_metrics(t, cluster=3)
    # a custom column of one table reaches the other through ticket_id
    t2 = t.assign(region=np.where(t["account_id"].astype(int) % 2 == 0, "north", "south"))
    m = service_metrics(t2, r, cluster="region")
    assert m.get("csat_mean")["method"].endswith("'region' as clusters (customers where none)")


def test_intervals_do_not_depend_on_row_order():
    rng = np.random.default_rng(5)
    t = _account_clustered(rng, 4, 25, 0.2, 0.2)
    a = service_metrics(t, by="sim").summary()
    b = service_metrics(t.sample(frac=1.0, random_state=2).reset_index(drop=True), by="sim").summary()
    quant = a["metric"].str.contains("_p")
    cols = ["value", "ci_low", "ci_high", "n"]
    # quantiles: identical; shares and means: the same up to floating-point rounding of the sums
    assert a.loc[quant, cols].equals(b.loc[quant, cols])
    assert np.allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-12, equal_nan=True)


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
    assert "<table" in html and "Wilson-type interval" in html and "by channel" in html
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
    # the web channel has no rated ticket: an empty group is left out of the plot, not drawn as a gap
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["email", "chat"]
    assert "web" not in [t.get_text() for t in ax.get_yticklabels()]
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


def test_answers_without_a_ticket_are_clustered_by_their_customers_account():
    """An answer about no ticket belongs to the account its customer's tickets name (issue 10.4): with
    two accounts of three customers each, CSAT rests on 2 clusters, and its interval is the one of
    the account-level means, not of six customers."""
    from csanalysis.estimators.metrics import sampling_units

    tickets = pd.DataFrame({"ticket_id": [str(i) for i in range(6)], "customer": list("abcdef"),
                            "account_id": ["acme"] * 3 + ["globex"] * 3})
    answers = pd.DataFrame({"response_id": [f"r{i}" for i in range(12)], "customer": list("abcdef") * 2,
                            "ticket_id": [None] * 12})
    ids, how = sampling_units(answers, "account_id", row_id="response_id", via=tickets)
    assert set(ids.astype(str)) == {"account:acme", "account:globex"}
    assert how == "accounts as clusters (customers where none)"
    # a customer whose tickets name two accounts takes the more frequent one
    t2 = pd.concat([tickets, pd.DataFrame({"ticket_id": ["x", "y"], "customer": ["a", "a"],
                                           "account_id": ["globex", "globex"]})], ignore_index=True)
    ids2, _ = sampling_units(answers.iloc[:1], "account_id", row_id="response_id", via=t2)
    assert ids2.astype(str).tolist() == ["account:globex"]
    # a customer with no account of their own stays their own unit
    ids3, _ = sampling_units(pd.DataFrame({"response_id": ["z"], "customer": ["q"]}), "account_id",
                             row_id="response_id", via=tickets)
    assert ids3.astype(str).tolist() == ["customer:q"]
    # counted in pieces (the Dask engine): each piece's rows per customer and account add up, and stand for
    # the tickets' rows (with them given, the tickets' own rows are not counted again)
    from csanalysis.estimators.metrics import unit_counts

    counts = unit_counts("customer", "account_id", t2.iloc[4:],
                         counts=(unit_counts("customer", "account_id", t2.iloc[:4]),))
    assert counts["n"].sum() == len(t2) and counts.set_index(["customer", "account_id"])["n"].max() == 2
    ids4, _ = sampling_units(answers.iloc[:1], "account_id", row_id="response_id", via=t2[["ticket_id"]],
                             via_counts=counts)
    assert ids4.astype(str).tolist() == ["account:globex"]
    t3 = pd.DataFrame({"ticket_id": ["p", "q"], "customer": ["a", "a"], "account_id": ["zed", "zed"]})
    ids5, _ = sampling_units(answers.iloc[:1], "account_id", row_id="response_id", via=t3,
                             via_counts=unit_counts("customer", "account_id", tickets))  # a: acme once, not zed
    assert ids5.astype(str).tolist() == ["account:acme"]


@pytest.mark.parametrize("col", ["customer", "customer_id", "email_key"])
def test_sampling_units_naming_the_customer_column_is_customers_as_clusters(col):
    """`cluster=` the table's own customer column (what a user passes as `customer=`) means customers as
    clusters; it used to fail with pandas' "Grouper ... not 1-dimensional" (grouping by the column twice)."""
    from csanalysis.estimators.metrics import sampling_units

    t = pd.DataFrame({"ticket_id": ["1", "2", "3"], col: ["a", "a", None]})
    ids, how = sampling_units(t, col, row_id="ticket_id")
    assert ids.tolist() == ["customer:a", "customer:a", "row:3"] and how == "customers as clusters"
