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
    FLAGS,
    AvoidanceResult,
    RECURRENCE_MAX,
    ChangedRule,
    avoidance,
    index_durations,
    simulate_avoidance_scenario,
)
from csanalysis.experiences import experiences
from csanalysis.flags import NO_VERDICT
from csanalysis.figures import figure_table
from csanalysis.schema import conform

W = 730.0
# Long natural cycles and many recent index dates: the naive count is badly biased here.
LONG_CYCLES = {"fast_mean_gap": 150.0, "slow_mean_gap": 600.0, "fast_share_contact": 0.6, "fast_share_no_contact": 0.6,
               "years_observed": 3.0}
# Contact customers buy much faster than the others: an unadjusted no-contact baseline would be far off.
CONFOUNDED = {"fast_mean_gap": 45.0, "slow_mean_gap": 700.0, "fast_share_contact": 0.85, "fast_share_no_contact": 0.25,
              "years_before": 5.0}
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


@pytest.fixture(scope="module")
def confounded():
    """A world with a planted effect (a quarter stop buying at their first bad experience) and confounding."""
    exp, act, truth = simulate_avoidance_scenario(4000, seed=21, stop_share=0.25, **CONFOUNDED)
    return exp, act, truth, avoidance(exp, act, n_resamples=100, seed=1)


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
    assert "short_followup" in f["flags"]  # most index dates are followed for less than the window


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


# --------------------------------------------------------------------------- index time: when it became known
def _ticket_tables():
    """Canonical tickets and purchases: a's bad ticket is open from day 10 to day 40, with a replacement order."""
    t = conform(pd.DataFrame({
        "ticket_id": ["1", "2", "3"], "customer": ["a", "b", "c"],
        "created_at": _day([10, 10, 10]), "solved_at": _day([40, 12, np.nan]),
        "rating": ["bad", "bad", "bad"]}), "tickets")
    t["customer"] = t["customer"].astype("str")
    act = pd.DataFrame({"customer": ["a", "a", "a", "b", "b", "c", "c"],
                        "at": _day([0, 20, 300, 0, 200, 0, 30])})
    return t, act


def test_index_is_when_the_experience_became_known():
    t, act = _ticket_tables()
    exp = experiences(t, None)
    res = avoidance(exp, act, as_of=DAY0 + pd.Timedelta(days=1000), baseline="none", n_resamples=20)
    ep = res.episodes[res.episodes["group"] == "bad"].set_index("customer")
    # a: solved on day 40; the order on day 20, placed while the ticket was open, is no purchase at all
    assert ep.loc["a", "index_at"] == DAY0 + pd.Timedelta(days=40)
    assert ep.loc["a", "duration_days"] == pytest.approx(260.0) and ep.loc["a", "prior_purchases"] == 1
    assert ep.loc["b", "index_at"] == DAY0 + pd.Timedelta(days=12)
    # c was never solved: its clock starts at creation, and every figure on the bad index says so
    assert ep.loc["c", "index_at"] == DAY0 + pd.Timedelta(days=10)
    assert res.counts["purchases_while_ticket_open"] == 1
    f = res.figure("avoid_2y_after_bad")
    assert "index_at_creation" in f["flags"] and "solved time" in f["definition"]
    assert "index_at_creation" in FLAGS
    # the documented option counts the replacement order as a return
    opened = avoidance(exp, act, as_of=DAY0 + pd.Timedelta(days=1000), baseline="none", n_resamples=20,
                       count_open_purchases=True)
    ep2 = opened.episodes[opened.episodes["group"] == "bad"].set_index("customer")
    assert ep2.loc["a", "duration_days"] == pytest.approx(260.0)  # day 20 is before the index either way
    assert ep2.loc["a", "prior_purchases"] == 2 and opened.counts["purchases_while_ticket_open"] == 0
    d = index_durations(exp, act, as_of=DAY0 + pd.Timedelta(days=1000))
    np.testing.assert_array_equal(d["duration"].to_numpy(), ep["duration_days"].to_numpy())


def test_purchases_during_a_later_open_ticket_are_not_returns():
    t = conform(pd.DataFrame({
        "ticket_id": ["1", "2"], "customer": ["a", "a"], "created_at": _day([10, 100]),
        "solved_at": _day([12, 130]), "rating": ["bad", None]}), "tickets")
    t["customer"] = t["customer"].astype("str")
    act = pd.DataFrame({"customer": ["a", "a", "a"], "at": _day([0, 110, 500])})
    exp = experiences(t, None)
    as_of = DAY0 + pd.Timedelta(days=1000)
    ep = avoidance(exp, act, as_of=as_of, baseline="none", n_resamples=20).episodes.set_index("group")
    assert ep.loc["bad", "duration_days"] == pytest.approx(488.0)  # the day-110 replacement order is skipped
    ep = avoidance(exp, act, as_of=as_of, baseline="none", n_resamples=20,
                   count_open_purchases=True).episodes.set_index("group")
    assert ep.loc["bad", "duration_days"] == pytest.approx(98.0)


# --------------------------------------------------------------------------- missing figure, S(t) = 0
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
    assert "short_followup" in f["flags"]
    row = res.summary().set_index("figure")
    assert np.isnan(row.loc["split_730_plus", "estimate"]) and np.isnan(row.loc["split_365_729", "estimate"])
    assert np.isfinite(row.loc["split_lt_365", "estimate"])
    assert np.isnan(row.loc["avoid_2y_after_bad_changed", "estimate"])
    # the curve's last step is not carried forward
    assert res.curves["bad"].timeline["survival"].iloc[-1] > 0
    json.dumps(res.to_dict())


def test_survival_zero_is_reported_not_missing():
    # every bad-experience customer buys again within 300 days; nobody is followed 730 days after
    n = 60
    purchases = {f"k{i}": [0.0, 100.0 + 3 * i] for i in range(n)}
    exp, act = _tables(purchases, [(f"k{i}", 50.0, "bad") for i in range(n)])
    res = avoidance(exp, act, as_of=DAY0 + pd.Timedelta(days=400), baseline="none", n_resamples=20)
    s = res.summary().set_index("figure")
    assert s.loc["avoid_2y_after_bad", "estimate"] == 0.0
    assert s.loc["avoid_2y_after_bad", "ci_low"] == 0.0 and 0 < s.loc["avoid_2y_after_bad", "ci_high"] < 0.1
    assert s.loc["split_730_plus", "estimate"] == 0.0 and s.loc["split_365_729", "estimate"] == 0.0
    assert s.loc["split_lt_365", "estimate"] == 1.0
    parts = s.loc[["split_lt_365", "split_365_729", "split_730_plus"]]
    assert parts[["ci_low", "ci_high"]].stack().between(0, 1).all()


# --------------------------------------------------------------------------- good experiences
def test_good_group_is_first_rated_good_and_censored_at_a_later_bad_experience():
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
    # a's later bad experience (day 100) censors the good episode: 90 days without a purchase, then censored
    assert not good.loc["a", "event"] and good.loc["a", "duration_days"] == pytest.approx(90.0)
    assert good.loc["a", "index_at"] == DAY0 + pd.Timedelta(days=10)
    assert good.loc["c", "event"] and good.loc["c", "duration_days"] == pytest.approx(200.0)
    bad = res.episodes[res.episodes["group"] == "bad"].set_index("customer")
    assert bad.loc["a", "duration_days"] == pytest.approx(300.0)
    f = res.figure("avoid_2y_after_good")
    assert f["n"] == 2 and "1 censored at a later bad experience" in f["note"]
    assert "censored when a later bad experience becomes known" in f["definition"]
    d = index_durations(exp, act, which="good")
    np.testing.assert_array_equal(d["duration"].to_numpy(), good["duration_days"].to_numpy())


# --------------------------------------------------------------------------- the no-contact comparison
def test_weighted_baseline_balances_history_and_finds_the_planted_excess(confounded):
    exp, act, truth, res = confounded
    # the scenario is a real test: customers without contact lapse quite differently
    assert truth["no_contact_natural"] - truth["counterfactual_bad"] > 0.15
    b = res.figure("avoid_2y_baseline")
    assert not (b["ci_low"] <= truth["no_contact_natural"] <= b["ci_high"])
    assert abs(b["estimate"] - truth["counterfactual_bad"]) < 0.03
    # the primary baseline ignores the controls' later contacts (some of which are bad): slightly above the
    # never-contacted counterfactual; censoring at contact targets that one
    ex, exc = res.figure("excess_avoidance"), res.figure("excess_avoidance_censored")
    assert abs(ex["estimate"] - truth["excess"]) < 0.04 and ex["ci_low"] > 0.15
    assert exc["ci_low"] <= truth["excess"] <= exc["ci_high"]
    assert ex["p_value"] <= 2 / 101 and exc["p_value"] <= 2 / 101  # the smallest p of 100 resamples
    rm = res.figure("rmst_diff_2y")
    assert 50 < rm["estimate"] < 400 and rm["ci_low"] < rm["estimate"] < rm["ci_high"]
    # every bad-experience customer with an earlier purchase is compared
    assert res.comparison["cases"] == res.comparison["bad_customers"] - res.comparison["cases_without_prior_purchase"]
    assert ex["n"] == res.comparison["cases"]
    # balance: large differences before weighting, none after; overlap good enough
    bal = res.balance.set_index(["covariate", "scale"])
    model = res.balance[res.balance["scale"] == "model"]
    assert model["smd_before"].abs().max() > 0.3 and model["smd_after"].abs().max() < 0.05
    assert bal.loc[("purchases", "raw"), "smd_after"] == pytest.approx(0, abs=0.1)
    assert not bal.loc[("earlier contacts", "raw"), "adjusted"]
    assert res.comparison["effective_controls"] > 0.5 * res.comparison["cases"]
    assert "poor_overlap" not in ex["flags"]
    for fid in ("avoid_2y_baseline", "excess_avoidance", "excess_avoidance_censored", "rmst_diff_2y"):
        d = res.figure(fid)["definition"]
        assert "sequential emulated trials" in d and "not been contacted yet" in d and "sampling unit" in d


def test_controls_are_customers_not_yet_contacted_at_their_time_zero(confounded):
    exp, act, _truth, res = confounded
    base = res.episodes[res.episodes["group"] == "baseline"]
    bad = res.episodes[(res.episodes["group"] == "bad") & res.episodes["first"]]
    first_contact = exp.groupby("customer")["at"].min()
    fc = base["customer"].map(first_contact)
    assert (fc.isna() | (fc > base["index_at"])).all()  # no contact before time zero; later contacts allowed
    assert (fc > base["index_at"]).any()
    assert (base["prior_purchases"] > 0).all() and (base["weight"] > 0).all()
    # one time zero per trial month (the median index time of the month's cases), in a month with cases
    per_month = base.groupby("trial")["index_at"].nunique()
    assert (per_month == 1).all()
    assert set(base["trial"]) <= set(bad["index_at"].dt.strftime("%Y-%m"))
    assert base.groupby("customer")["trial"].nunique().max() > 1  # a customer is a control in several months
    # the weights sum to the number of cases compared
    assert base["weight"].sum() == pytest.approx(res.comparison["cases"], rel=1e-6)
    contact = base["contact_days"].dropna()
    assert (contact > 0).all()


def test_no_planted_effect_gives_no_excess():
    exp, act, truth = simulate_avoidance_scenario(4000, seed=8, stop_share=0.0, **CONFOUNDED)
    res = avoidance(exp, act, n_resamples=100, seed=2)
    assert truth["excess"] == 0.0
    for fid in ("excess_avoidance", "excess_avoidance_censored"):
        f = res.figure(fid)
        assert f["ci_low"] <= 0.0 <= f["ci_high"] and f["p_value"] > 0.05, fid
    assert abs(res.figure("excess_avoidance")["estimate"]) < 0.02
    # the restricted mean feels the unobserved fast / slow buyer types more (days earlier in the window)
    assert abs(res.figure("rmst_diff_2y")["estimate"]) < 10
    assert res.logrank["bad_vs_good"].p_value > 0.05


def test_bootstrap_does_not_depend_on_row_order():
    exp, act, _truth = simulate_avoidance_scenario(1200, seed=4, stop_share=0.2)
    a = avoidance(exp, act, n_resamples=40, seed=3).summary()
    b = avoidance(exp.sample(frac=1.0, random_state=1), act.sample(frac=1.0, random_state=2), n_resamples=40,
                  seed=3).summary()
    cols = ["estimate", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(a[cols].to_numpy(dtype=float), b[cols].to_numpy(dtype=float), rtol=0, atol=1e-9)


def test_poor_overlap_is_flagged():
    # the bad-experience customers buy every week; the only customers without contact bought once, long ago
    heavy = {f"h{i}": list(np.arange(0, 700, 7.0) + i % 7) for i in range(40)}
    light = {f"l{i}": [float(i % 30)] for i in range(200)}
    exp, act = _tables({**heavy, **light}, [(f"h{i}", 705.0 + i, "bad") for i in range(40)])
    res = avoidance(exp, act, as_of=DAY0 + pd.Timedelta(days=1600), n_resamples=30)
    ex = res.figure("excess_avoidance")
    assert "poor_overlap" in ex["flags"] and "poor_overlap" in res.figure("avoid_2y_baseline")["flags"]
    assert "poor_overlap" not in res.figure("avoid_2y_after_bad")["flags"]


def test_recurring_bad_experiences_are_flagged_on_the_no_contact_figures(confounded):
    exp, act, _truth, res = confounded
    # in the scenario nothing recurs: no flag, and the diagnostic is in the comparison's record
    assert all("recurring_bad" not in res.figure(f)["flags"] for f in ("avoid_2y_baseline", "excess_avoidance"))
    c = res.comparison
    assert c["further_bad_within_window_cases"] - c["first_bad_within_window_controls"] < RECURRENCE_MAX
    # plant recurrence: every bad-experience customer has another bad experience 90 days after the first
    first_bad = exp[exp["bad"]].sort_values("at").drop_duplicates("customer")
    again = first_bad.assign(at=first_bad["at"] + pd.Timedelta(days=90))
    res2 = avoidance(pd.concat([exp, again], ignore_index=True), act, n_resamples=20, seed=1)
    c2 = res2.comparison
    assert c2["further_bad_within_window_cases"] > 0.9
    assert c2["further_bad_within_window_cases"] - c2["first_bad_within_window_controls"] >= RECURRENCE_MAX
    for fid in ("avoid_2y_baseline", "excess_avoidance", "rmst_diff_2y"):
        f = res2.figure(fid)
        assert "recurring_bad" in f["flags"] and "further bad experience within the window" in f["note"], fid
    # the censored comparison (controls leave at their first contact) and the curves are not flagged
    for fid in ("excess_avoidance_censored", "avoid_2y_after_bad"):
        assert "recurring_bad" not in res2.figure(fid)["flags"], fid
    assert "recurring_bad" in NO_VERDICT


def test_estimator_flags_reach_the_figure_table():
    exp, act, truth = simulate_avoidance_scenario(1500, seed=11, **LONG_CYCLES)
    res = avoidance(exp, act, n_resamples=30)
    f = figure_table({"avoidance": res}, rule_text="rule").set_index("id")
    assert {"excess_avoidance_censored", "rmst_diff_2y"} <= set(f.index)
    assert f.loc["rmst_diff_2y", "unit"] == "days"
    assert np.isfinite(f.loc["excess_avoidance", "p_value"])
    assert "short_followup" in f.loc["avoid_2y_after_bad", "flags"]
    assert f.loc["avoid_2y_after_bad", "definition"].endswith("; bad experience: rule") or \
        "bad experience: rule" in f.loc["avoid_2y_after_bad", "definition"]


# --------------------------------------------------------------------------- split and changed buying
def test_split_sums_to_one_and_lines_up_with_the_survey():
    exp, act, _truth = simulate_avoidance_scenario(3000, seed=4, pause_share=0.15)
    res = avoidance(exp, act, baseline="none", n_resamples=50)
    s = res.summary().set_index("figure")
    parts = s.loc[["split_lt_365", "split_365_729", "split_730_plus"]]
    assert parts["estimate"].sum() == pytest.approx(1.0)
    assert (parts["ci_low"] <= parts["estimate"]).all() and (parts["estimate"] <= parts["ci_high"]).all()
    assert parts["estimate"].between(0, 1).all() and parts[["ci_low", "ci_high"]].stack().between(0, 1).all()
    assert parts["estimate"]["split_365_729"] > 0.02  # the planted pauses land there
    assert s.loc["split_730_plus", "estimate"] == pytest.approx(s.loc["avoid_2y_after_bad", "estimate"])
    assert "log-odds" in s.loc["split_365_729", "method"]


def test_split_interval_stays_inside_zero_one_for_a_small_middle_share():
    exp, act, _truth = simulate_avoidance_scenario(300, seed=9, fast_mean_gap=20.0, slow_mean_gap=60.0)
    res = avoidance(exp, act, baseline="none", n_resamples=20)
    mid = res.figure("split_365_729")
    assert 0.0 <= mid["ci_low"] <= mid["estimate"] <= mid["ci_high"] <= 1.0


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
    res = avoidance(exp, act, baseline="none", n_resamples=300)
    f = res.figure("avoid_2y_after_bad_changed")
    t, n_changed = _changed_truth(exp, act, truth)
    assert f["ci_low"] <= t <= f["ci_high"]
    assert f["estimate"] > res.figure("avoid_2y_after_bad")["estimate"]
    assert 0 < f["n"] <= n_changed  # only those seen past their threshold
    assert "changed: gap > max(2 x own median" in f["method"]
    assert "re-estimated in every resample" in f["method"]


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
    first = avoidance(exp, act, n_resamples=100)
    every = avoidance(exp, act, index="every", n_resamples=100)
    f, e = first.figure("avoid_2y_after_bad"), every.figure("avoid_2y_after_bad")
    assert e["n"] > 1.5 * f["n"]
    assert e["ci_high"] - e["ci_low"] >= f["ci_high"] - f["ci_low"]
    assert "cluster" in e["method"]
    # the naive episode-level (Greenwood) interval would be too narrow
    _s, lo, hi = every.curves["bad"].survival_at(W)
    assert e["ci_high"] - e["ci_low"] > hi - lo
    assert every.episodes.query("group == 'bad'")["first"].sum() == f["n"]
    # the comparison uses each customer's first bad experience whatever the index option
    assert every.figure("excess_avoidance")["estimate"] == pytest.approx(first.figure("excess_avoidance")["estimate"])
    assert every.logrank["bad_vs_good"].n_a == first.logrank["bad_vs_good"].n_a == f["n"]


# --------------------------------------------------------------------------- result object
def test_result_object_api():
    exp, act, _truth = simulate_avoidance_scenario(1500, seed=2)
    res = avoidance(exp, act, n_resamples=50)
    assert isinstance(res, AvoidanceResult)
    s = res.summary()
    assert s["figure"].tolist() == list(FIGURE_IDS)
    assert list(s.columns) == ["figure", "group", "estimate", "ci_low", "ci_high", "n", "n_events",
                               "n_followed_window", "p_value", "method", "definition", "note", "flags"]
    assert s["method"].str.len().gt(10).all() and s["definition"].str.contains("index").all()
    assert s["flags"].map(lambda f: isinstance(f, list) and set(f) <= set(FLAGS)).all()
    d = res.to_dict()
    json.dumps(d)
    assert [r["figure"] for r in d["summary"]] == list(FIGURE_IDS)
    assert d["logrank"]["bad_vs_good"]["p_value"] is not None
    assert d["balance"] and d["comparison"]["effective_controls"] > 0
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
    assert len(labels) == 3 and any("bad" in x for x in labels) and any("not contacted" in x for x in labels)
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
    with pytest.raises(ValueError, match="replaced by weighted sequential trials"):
        avoidance(exp, act, baseline="matched")
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
    assert np.isnan(s.loc["excess_avoidance", "estimate"]) and "no bad experience" in s.loc["excess_avoidance", "note"]
    assert res.curves["bad"] is None and res.logrank["bad_vs_good"] is None
    assert s.loc["avoid_2y_after_good", "n"] == 1
    json.dumps(res.to_dict())
    fig, ax = plt.subplots()
    res.plot(ax=ax)
    plt.close(fig)


def test_cases_indexed_by_a_survey_answer_are_compared_with_answers_that_were_not_bad():
    rng = np.random.default_rng(5)
    n = 400
    cust = [f"c{i}" for i in range(n)]
    purchases = {c: sorted(rng.uniform(0, 900, 4).tolist()) for c in cust}
    contacts = []
    kinds = []
    for i, c in enumerate(cust):  # one relationship survey answer each, in the same season; a quarter bad
        contacts.append((c, float(rng.uniform(1000, 1060)), "bad" if i % 4 == 0 else "good"))
        kinds.append("survey")
    for i, c in enumerate(cust[:60]):  # and some tickets
        contacts.append((c, float(rng.uniform(950, 990)), "none"))
        kinds.append("ticket")
    exp, act = _tables(purchases, contacts)
    exp["source"] = kinds
    res = avoidance(exp, act, as_of=DAY0 + pd.Timedelta(days=1500), n_resamples=20, seed=0)
    info = res.comparison
    assert info["answer_cases"] == n // 4
    base = res.episodes[res.episodes["group"] == "baseline"]
    answers = exp[(exp["source"] == "survey") & exp["good"]]
    keyed = set(zip(answers["customer"], answers["at"]))
    is_answer = np.array([(c, t) in keyed for c, t in zip(base["customer"], base["index_at"])])
    assert is_answer.sum() == info["answer_control_rows"] > 0
    # each kind of trial is weighted to its own cases
    assert base.loc[is_answer, "weight"].sum() == pytest.approx(info["answer_cases"], rel=1e-6)
    # a good survey answer is not a contact: the tickets' customers are not no-contact controls after them
    tickets = exp[exp["source"] == "ticket"].groupby("customer")["at"].min()
    t = base.loc[~is_answer, "customer"].map(tickets)
    assert (t.isna() | (t > base.loc[~is_answer, "index_at"])).all()
