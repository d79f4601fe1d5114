"""Tests of csanalysis.estimators.avoidance on planted scenarios with a known full future."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from csanalysis.estimators.avoidance import (
    FIGURE_IDS,
    AvoidanceResult,
    ChangedRule,
    avoidance,
    simulate_avoidance_scenario,
)

W = 730.0
# Long natural cycles and many recent index dates: the naive count is badly biased here.
LONG_CYCLES = {"fast_mean_gap": 150.0, "slow_mean_gap": 600.0, "fast_share_contact": 0.6, "fast_share_no_contact": 0.6,
                   "years_observed": 3.0}
DAY0 = pd.Timestamp("2020-01-01", tz="UTC")


def _day(d) -> pd.Series:
    return pd.Series(DAY0 + pd.to_timedelta(np.asarray(d, dtype=float), unit="D"))


def _tables(purchases: dict[str, list[float]], contacts: list[tuple[str, float, str]]):
    """Hand-made tables: purchases per customer (days), contacts (customer, day, 'bad'|'good'|'none')."""
    act = pd.DataFrame({
        "customer": pd.Series([c for c, ds in purchases.items() for _ in ds], dtype="str"),
        "at": _day([d for ds in purchases.values() for d in ds]),
    })
    exp = pd.DataFrame({
        "customer": pd.Series([c for c, _, _ in contacts], dtype="str"),
        "at": _day([d for _, d, _ in contacts]),
        "bad": [k == "bad" for _, _, k in contacts],
        "good": [k == "good" for _, _, k in contacts],
        "rated": [k in ("bad", "good") for _, _, k in contacts],
    })
    return exp, act


def _next_purchase_days(index: pd.DataFrame, purchases: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Days to the next purchase strictly after `at` (NaN if none by as_of), by merge_asof."""
    left = index.reset_index(drop=True).assign(_i=lambda d: np.arange(len(d))).sort_values("at")
    right = purchases[purchases["at"] <= as_of][["customer", "at"]].rename(columns={"at": "nxt"}).sort_values("nxt")
    m = pd.merge_asof(left, right, left_on="at", right_on="nxt", by="customer", direction="forward",
                      allow_exact_matches=False).sort_values("_i")
    return ((m["nxt"] - m["at"]).dt.total_seconds() / 86400.0).to_numpy()


# --------------------------------------------------------------------------- the headline figure
def test_km_interval_covers_truth_and_naive_count_is_badly_biased():
    exp, act, truth = simulate_avoidance_scenario(4000, seed=11, **LONG_CYCLES)
    assert truth["share_followed_less_than_window"] >= 0.30
    res = avoidance(exp, act, baseline="none", n_resamples=200)
    f = res.figure("avoid_2y_after_bad")
    t = truth["avoid_2y_after_bad"]
    assert f["ci_low"] <= t <= f["ci_high"]
    assert f["n"] == truth["n_bad"]
    assert f["n_followed_window"] < 0.7 * f["n"]
    naive = res.figure("naive_avoid_2y_after_bad")
    assert not (f["ci_low"] <= naive["estimate"] <= f["ci_high"])
    assert naive["estimate"] - t > 0.07
    assert "biased by censoring" in naive["note"]
    assert naive["ci_low"] is None  # a contrast, not an estimate


def test_km_coverage_over_seeds():
    covered, naive_outside = 0, 0
    for seed in range(20):
        exp, act, truth = simulate_avoidance_scenario(1500, seed=100 + seed, **LONG_CYCLES)
        res = avoidance(exp, act, baseline="none", n_resamples=20)
        f = res.figure("avoid_2y_after_bad")
        covered += f["ci_low"] <= truth["avoid_2y_after_bad"] <= f["ci_high"]
        naive_outside += not (f["ci_low"] <= res.figure("naive_avoid_2y_after_bad")["estimate"] <= f["ci_high"])
    assert covered >= 16
    assert naive_outside >= 16


def test_durations_match_an_independent_merge_asof():
    exp, act, _truth = simulate_avoidance_scenario(800, seed=5)
    res = avoidance(exp, act, baseline="none", n_resamples=20)
    as_of = res.as_of
    first_bad = exp[exp["bad"]].groupby("customer", as_index=False)["at"].min()
    first_bad = first_bad[first_bad["at"] <= as_of].sort_values("customer")
    nxt = _next_purchase_days(first_bad, act, as_of)
    ep = res.episodes[res.episodes["group"] == "bad"].sort_values("customer")
    assert ep["customer"].tolist() == first_bad["customer"].tolist()
    event = ~np.isnan(nxt)
    np.testing.assert_array_equal(ep["event"].to_numpy(), event)
    expected = np.where(event, nxt, (as_of - first_bad["at"]).dt.total_seconds().to_numpy() / 86400.0)
    np.testing.assert_allclose(ep["duration_days"].to_numpy(), expected, rtol=0, atol=1e-6)


def test_next_purchase_is_strictly_after_and_as_of_cuts_follow_up():
    exp, act = _tables(
        {"a": [0, 100, 400], "b": [0, 50, 120], "c": [0, 10]},
        [("a", 100, "bad"), ("b", 60, "bad"), ("c", 900, "bad")],
    )
    res = avoidance(exp, act, as_of=DAY0 + pd.Timedelta(days=300), baseline="none", n_resamples=20)
    ep = res.episodes[res.episodes["group"] == "bad"].set_index("customer")
    # a bought at the very moment of the bad contact: not its outcome; next purchase (day 400) is after as_of
    assert not ep.loc["a", "event"] and ep.loc["a", "duration_days"] == pytest.approx(200.0)
    assert ep.loc["a", "prior_purchases"] == 2
    assert ep.loc["b", "event"] and ep.loc["b", "duration_days"] == pytest.approx(60.0)
    assert "c" not in ep.index
    assert res.counts["bad_index_after_as_of"] == 1


# --------------------------------------------------------------------------- missing figure
def test_figure_missing_with_reason_when_nobody_followed_the_window():
    rng = np.random.default_rng(3)
    n = 300
    custs = [f"k{i}" for i in range(n)]
    purchases = {c: sorted(rng.uniform(0, 500, 6).tolist()) + ([1000.0] if i % 2 else [])
                 for i, c in enumerate(custs)}
    idx = rng.uniform(400, 600, n)  # as_of is day 1000: follow-up 400-600 days < 730
    exp, act = _tables(purchases, [(c, d, "bad") for c, d in zip(custs, idx)])
    res = avoidance(exp, act, baseline="none", n_resamples=20)
    f = res.figure("avoid_2y_after_bad")
    assert f["estimate"] is None and f["ci_low"] is None
    assert "not estimable" in f["note"] and "730" in f["note"]
    assert f["n"] == n and f["n_followed_window"] == 0
    row = res.summary().set_index("figure")
    assert np.isnan(row.loc["split_730_plus", "estimate"]) and np.isnan(row.loc["split_365_729", "estimate"])
    assert np.isfinite(row.loc["split_lt_365", "estimate"])
    assert np.isnan(row.loc["avoid_2y_after_bad_changed", "estimate"])
    # the curve's last step is not carried forward
    assert res.curves["bad"].timeline["survival"].iloc[-1] > 0
    json.dumps(res.to_dict())


# --------------------------------------------------------------------------- good experiences
def test_good_group_is_first_rated_good_and_not_censored_at_later_experiences():
    exp, act = _tables(
        {"a": [-50, 400, 1500], "b": [-10, 30, 1500], "c": [-20, 200, 1500], "d": [-30, 90, 1500]},
        [("a", 0, "none"), ("a", 10, "good"), ("a", 100, "bad"), ("a", 200, "bad"),
         ("b", 0, "bad"), ("b", 5, "good"),
         ("c", 0, "good"),
         ("d", 0, "none")],
    )
    res = avoidance(exp, act, baseline="none", n_resamples=20)
    good = res.episodes[res.episodes["group"] == "good"].set_index("customer")
    assert sorted(good.index) == ["a", "c"]  # b's first rated experience was bad; d was never rated
    # a's later bad experiences (days 100, 200) do not censor the good episode: 390 days to the purchase
    assert good.loc["a", "event"] and good.loc["a", "duration_days"] == pytest.approx(390.0)
    assert good.loc["a", "index_at"] == DAY0 + pd.Timedelta(days=10)
    bad = res.episodes[res.episodes["group"] == "bad"].set_index("customer")
    assert bad.loc["a", "duration_days"] == pytest.approx(300.0)
    assert res.figure("avoid_2y_after_good")["n"] == 2


# --------------------------------------------------------------------------- matched baseline
MATCH = {"fast_mean_gap": 45.0, "slow_mean_gap": 700.0, "fast_share_contact": 0.85, "fast_share_no_contact": 0.25,
             "years_before": 5.0}


def test_matched_baseline_recovers_the_counterfactual_and_the_planted_excess():
    exp, act, truth = simulate_avoidance_scenario(6000, seed=21, stop_share=0.25, **MATCH)
    # the scenario is a real test: customers without contact lapse quite differently
    assert truth["no_contact_natural"] - truth["counterfactual_bad"] > 0.15
    res = avoidance(exp, act, n_resamples=300, seed=1)
    assert res.matching["n_matched"] >= 0.95 * res.matching["n_index"]
    b = res.figure("avoid_2y_baseline")
    assert b["ci_low"] <= truth["counterfactual_bad"] <= b["ci_high"]
    assert not (b["ci_low"] <= truth["no_contact_natural"] <= b["ci_high"])
    ex = res.figure("excess_avoidance")
    assert ex["ci_low"] <= truth["excess"] <= ex["ci_high"]
    assert ex["ci_low"] > 0.1
    assert res.logrank["bad_vs_baseline"].p_value < 1e-6
    assert res.logrank["bad_vs_good"].p_value < 1e-6
    assert "recency" in res.matching["method"] and "frequency" in res.matching["method"]
    # controls had no contact by as_of, and their clock starts on the bad customer's index day
    base = res.episodes[res.episodes["group"] == "baseline"]
    assert not base["customer"].isin(exp.loc[exp["at"] <= res.as_of, "customer"]).any()
    pair = res.episodes[res.episodes["group"] == "bad"].set_index("customer").loc[base["matched_to"], "index_at"]
    np.testing.assert_array_equal(base["index_at"].to_numpy(), pair.dt.floor("D").to_numpy())
    assert (base["prior_purchases"] > 0).all()


def test_no_planted_effect_gives_large_logrank_p_and_excess_near_zero():
    exp, act, truth = simulate_avoidance_scenario(5000, seed=8, stop_share=0.0, fast_share_contact=0.8,
                                                  fast_share_no_contact=0.6, fast_mean_gap=60.0)
    res = avoidance(exp, act, n_resamples=300, seed=2)
    assert res.logrank["bad_vs_baseline"].p_value > 0.05
    assert res.logrank["bad_vs_good"].p_value > 0.05
    ex = res.figure("excess_avoidance")
    assert ex["ci_low"] <= 0.0 <= ex["ci_high"]
    assert ex["ci_low"] <= truth["excess"] <= ex["ci_high"]


# --------------------------------------------------------------------------- split and changed buying
def test_split_sums_to_one_and_lines_up_with_the_survey():
    exp, act, _truth = simulate_avoidance_scenario(3000, seed=4, pause_share=0.15)
    res = avoidance(exp, act, baseline="none", n_resamples=50)
    s = res.summary().set_index("figure")
    parts = s.loc[["split_lt_365", "split_365_729", "split_730_plus"]]
    assert parts["estimate"].sum() == pytest.approx(1.0)
    assert (parts["ci_low"] <= parts["estimate"]).all() and (parts["estimate"] <= parts["ci_high"]).all()
    assert parts["estimate"].between(0, 1).all()
    assert parts["estimate"]["split_365_729"] > 0.02  # the planted pauses land there
    assert s.loc["split_730_plus", "estimate"] == pytest.approx(s.loc["avoid_2y_after_bad", "estimate"])


def _changed_truth(exp: pd.DataFrame, act: pd.DataFrame, truth: dict) -> tuple[float, int]:
    """Share with gap > 730 among bad-experience customers whose gap exceeds their threshold (full future)."""
    bad = exp[exp["bad"]].groupby("customer", as_index=False)["at"].min()
    bad = bad[bad["at"] <= truth["as_of"]].reset_index(drop=True)
    m = act.merge(bad.rename(columns={"at": "T"}), on="customer")
    m = m[m["at"] <= m["T"]].sort_values(["customer", "at"])
    m["gap"] = m.groupby("customer")["at"].diff().dt.total_seconds() / 86400.0
    med = bad["customer"].map(m.groupby("customer")["gap"].median())
    n_prior = bad["customer"].map(m.groupby("customer").size()).fillna(0)
    thr = np.where(n_prior >= 2, np.maximum(2 * med, 90.0), 90.0)
    gap = _next_purchase_days(bad, truth["full_activity"], pd.Timestamp.max.tz_localize("UTC"))
    gap = np.where(np.isnan(gap), np.inf, gap)
    changed = gap > thr
    return float(np.mean(gap[changed] > W)), int(changed.sum())


def test_changed_buying_share_covers_the_truth():
    exp, act, truth = simulate_avoidance_scenario(4000, seed=31, pause_share=0.1)
    res = avoidance(exp, act, baseline="none", n_resamples=400)
    f = res.figure("avoid_2y_after_bad_changed")
    t, n_changed = _changed_truth(exp, act, truth)
    assert f["ci_low"] <= t <= f["ci_high"]
    assert f["estimate"] > res.figure("avoid_2y_after_bad")["estimate"]
    assert 0 < f["n"] <= n_changed  # only those seen past their threshold
    assert "changed: gap > max(2 x own median" in f["method"]


def test_changed_thresholds_follow_the_rule():
    exp, act = _tables(
        {"a": [0, 10, 30, 60, 500], "b": [0, 100, 200, 900], "c": [0, 2000], "d": [0, 300, 310, 320, 330, 2000]},
        [("a", 61, "bad"), ("b", 210, "bad"), ("c", 5, "bad"), ("d", 331, "bad")],
    )
    res = avoidance(exp, act, baseline="none", n_resamples=20)
    thr = res.episodes[res.episodes["group"] == "bad"].set_index("customer")["threshold_days"]
    assert thr["a"] == pytest.approx(90.0)  # intervals 10, 20, 30: 2 x 20 < 90
    assert thr["b"] == pytest.approx(200.0)  # intervals 100, 100
    assert thr["c"] == pytest.approx(90.0)  # one purchase before: the floor
    assert thr["d"] == pytest.approx(90.0)  # intervals 300, 10, 10, 10: median 10
    res2 = avoidance(exp, act, baseline="none", n_resamples=20, changed_rule={"multiple": 3, "floor_days": 30})
    thr2 = res2.episodes[res2.episodes["group"] == "bad"].set_index("customer")["threshold_days"]
    assert thr2["a"] == pytest.approx(60.0) and thr2["b"] == pytest.approx(300.0) and thr2["c"] == 30.0
    assert "3 x own median" in res2.figure("avoid_2y_after_bad_changed")["method"]


# --------------------------------------------------------------------------- every bad experience
def test_every_bad_experience_gives_a_wider_cluster_interval_when_customers_repeat():
    exp, act, _truth = simulate_avoidance_scenario(3000, seed=13, heavy_share=0.2, heavy_contacts=10,
                                                  fast_mean_gap=90.0)
    first = avoidance(exp, act, n_resamples=300)
    every = avoidance(exp, act, index="every", n_resamples=300)
    f, e = first.figure("avoid_2y_after_bad"), every.figure("avoid_2y_after_bad")
    assert e["n"] > 1.5 * f["n"]
    assert e["ci_high"] - e["ci_low"] >= f["ci_high"] - f["ci_low"]
    assert "cluster" in e["method"]
    # the naive episode-level (Greenwood) interval would be too narrow
    _s, lo, hi = every.curves["bad"].survival_at(W)
    assert e["ci_high"] - e["ci_low"] > hi - lo
    assert every.episodes.query("group == 'bad'")["first"].sum() == f["n"]
    ex = every.figure("excess_avoidance")
    assert ex["ci_low"] < ex["estimate"] < ex["ci_high"]
    # log-rank tests use one episode per customer, also with index="every"
    assert every.logrank["bad_vs_good"].n_a == first.logrank["bad_vs_good"].n_a == f["n"]
    assert 0.9 * f["n"] <= every.logrank["bad_vs_baseline"].n_a <= f["n"]


# --------------------------------------------------------------------------- result object
def test_result_object_api():
    exp, act, _truth = simulate_avoidance_scenario(1500, seed=2)
    res = avoidance(exp, act, n_resamples=100)
    assert isinstance(res, AvoidanceResult)
    s = res.summary()
    assert s["figure"].tolist() == list(FIGURE_IDS)
    assert list(s.columns) == ["figure", "group", "estimate", "ci_low", "ci_high", "n", "n_events",
                               "n_followed_window", "method", "note"]
    assert s["method"].str.len().gt(10).all()
    d = res.to_dict()
    json.dumps(d)
    assert [r["figure"] for r in d["summary"]] == list(FIGURE_IDS)
    assert d["logrank"]["bad_vs_good"]["p_value"] is not None
    assert isinstance(res.figure("excess_avoidance")["n"], int)
    with pytest.raises(ValueError, match="unknown figure id"):
        res.figure("avoid_3y")
    html = res._repr_html_()
    assert "avoid_2y_after_bad_changed" in html and "<table" in html
    assert "avoid_2y_after_bad" in repr(res)
    fig, ax = plt.subplots()
    out = res.plot(ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 3 and any("bad" in x for x in labels)
    assert any(len(line.get_xdata()) == 2 and np.allclose(line.get_xdata(), [W, W]) for line in ax.get_lines())
    plt.close(fig)
    assert set(res.curves) == {"bad", "good", "baseline"}


def test_contact_customers_without_purchases_are_followed_from_their_index():
    exp, act = _tables({"a": [0, 50, 900], "b": [0, 40]}, [("a", 10, "bad"), ("z", 20, "bad")])
    res = avoidance(exp, act, baseline="none", n_resamples=20)
    ep = res.episodes[res.episodes["group"] == "bad"].set_index("customer")
    assert not ep.loc["z", "event"] and ep.loc["z", "duration_days"] == pytest.approx(880.0)
    assert ep.loc["z", "prior_purchases"] == 0
    assert res.counts["contact_customers_without_purchases"] == 1


def test_errors_teach():
    exp, act = _tables({"a": [0, 10]}, [("a", 5, "bad")])
    with pytest.raises(ValueError, match="link_customers"):
        avoidance(exp, act.rename(columns={"customer": "customer_id"}))
    with pytest.raises(ValueError, match="csanalysis.experiences.experiences"):
        avoidance(exp.drop(columns="customer"), act)
    with pytest.raises(ValueError, match="rated"):
        avoidance(exp.drop(columns="rated"), act)
    with pytest.raises(ValueError, match="window"):
        avoidance(exp, act, window=0)
    with pytest.raises(ValueError, match="index"):
        avoidance(exp, act, index="last")
    with pytest.raises(ValueError, match="baseline"):
        avoidance(exp, act, baseline="all")
    with pytest.raises(ValueError, match="confidence"):
        avoidance(exp, act, confidence=95)
    with pytest.raises(TypeError, match="DataFrame"):
        avoidance(exp.to_dict(), act)
    with pytest.raises(ValueError, match="floor_days"):
        ChangedRule(floor_days=-1)
    with pytest.raises(ValueError, match="unknown key"):
        avoidance(exp, act, changed_rule={"mutliple": 3})


def test_no_bad_experience_gives_missing_figures_not_an_error():
    exp, act = _tables({"a": [0, 100, 900], "b": [0, 30]}, [("a", 10, "good")])
    res = avoidance(exp, act, n_resamples=20)
    s = res.summary().set_index("figure")
    assert np.isnan(s.loc["avoid_2y_after_bad", "estimate"])
    assert "no bad experience" in s.loc["avoid_2y_after_bad", "note"]
    assert res.curves["bad"] is None and res.logrank["bad_vs_good"] is None
    assert s.loc["avoid_2y_after_good", "n"] == 1
    json.dumps(res.to_dict())
    fig, ax = plt.subplots()
    res.plot(ax=ax)
    plt.close(fig)
