"""Tests of csanalysis.estimators.word_of_mouth on planted survey data."""

from __future__ import annotations

import json

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.estimators.word_of_mouth import reach_model, word_of_mouth
from csanalysis.stats.intervals import wilson_ci

matplotlib.use("Agg")  # headless: no display in CI

# A known heavy-tailed law of "people told": 15% tell nobody, the rest a
# negative binomial with mean ~11 and a long right tail.
P_ZERO, NB_N, NB_P = 0.15, 0.8, 0.07
TRUE_OVER_20 = (1 - P_ZERO) * float(stats.nbinom.sf(20, NB_N, NB_P))
TRUE_MEAN = (1 - P_ZERO) * float(stats.nbinom.mean(NB_N, NB_P))
BANDS = [(0, 0), (1, 5), (6, 10), (11, 20)]


def draw_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.negative_binomial(NB_N, NB_P, size=n)
    return np.where(rng.random(n) < P_ZERO, 0, x)


def bin_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survey bands 0 / 1-5 / 6-10 / 11-20 / more than 20 as [low, high] (high NaN = open)."""
    low = np.full(x.size, 21.0)
    high = np.full(x.size, np.nan)
    for a, b in BANDS:
        m = (x >= a) & (x <= b)
        low[m], high[m] = a, b
    return low, high


def survey(rng: np.random.Generator, n_dis: int, n_sat: int = 0, p_warn: float = 0.44) -> tuple[pd.DataFrame, np.ndarray]:
    x = draw_counts(rng, n_dis)
    low, high = bin_counts(x)
    csat = rng.choice([1.0, 2.0], size=n_dis)
    warned = rng.random(n_dis) < p_warn
    df = pd.DataFrame({"csat": csat, "told_count_low": low, "told_count_high": high,
                       "warned_others": pd.array(warned, dtype="boolean")})
    if n_sat:
        xs = rng.poisson(2, size=n_sat)
        ls, hs = bin_counts(xs)
        df = pd.concat([df, pd.DataFrame({"csat": rng.choice([4.0, 5.0], size=n_sat), "told_count_low": ls,
                                          "told_count_high": hs,
                                          "warned_others": pd.array(rng.random(n_sat) < 0.05, dtype="boolean")})],
                       ignore_index=True)
    return df, x


def test_planted_truth_is_heavy_tailed_and_plausible():
    # guards the planted law itself: the share above 20 is a real tail, not zero or most
    assert 0.08 < TRUE_OVER_20 < 0.3
    assert 8 < TRUE_MEAN < 14


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_lower_bound_mean_never_exceeds_the_planted_counts(seed):
    rng = np.random.default_rng(seed)
    df, x = survey(rng, 500)
    r = word_of_mouth(df, n_resamples=200, seed=seed)
    lb = r.get("wom_told_mean_lower_bound")["estimate"]
    mid = r.get("wom_told_mean")["estimate"]
    assert lb <= x.mean()
    assert lb < mid  # bands wider than one person: the midpoint reading adds mass
    assert r.get("wom_told_median_lower_bound")["estimate"] <= np.median(x)
    row = r.get("wom_told_mean")
    assert row["ci_low"] < mid < row["ci_high"]
    assert row["n"] == 500


def test_share_over_20_exact_from_bands_and_ci_covers_truth_about_95_percent():
    covered = 0
    reps = 200
    for seed in range(reps):
        rng = np.random.default_rng(1000 + seed)
        df, x = survey(rng, 300)
        r = word_of_mouth(df, n_resamples=20, seed=seed)
        row = r.get("wom_told_over_20")
        # the bands align with 20, so the binned share is the exact sample share
        assert row["estimate"] == pytest.approx(np.mean(x > 20))
        lo_b, up_b = r.get("wom_told_over_20_lower_bound"), r.get("wom_told_over_20_upper_bound")
        assert lo_b["estimate"] == up_b["estimate"] == row["estimate"]
        lo, hi = wilson_ci(int((x > 20).sum()), 300)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
        covered += row["ci_low"] <= TRUE_OVER_20 <= row["ci_high"]
    assert 0.90 <= covered / reps <= 0.99


def test_wilson_interval_for_warned_others_covers_truth():
    covered = 0
    reps = 200
    for seed in range(reps):
        rng = np.random.default_rng(5000 + seed)
        df, _ = survey(rng, 250, p_warn=0.44)
        r = word_of_mouth(df, n_resamples=20, seed=0)
        row = r.get("told_others_not_to_buy_after_bad")
        assert row["n"] == 250
        covered += row["ci_low"] <= 0.44 <= row["ci_high"]
    assert 0.90 <= covered / reps <= 0.99


def test_denominators_and_satisfied_contrast():
    rng = np.random.default_rng(7)
    df, x = survey(rng, 400, n_sat=300)
    df.loc[df.index[:10], "told_count_low"] = np.nan  # did not answer the told item
    df.loc[df.index[:10], "told_count_high"] = np.nan
    r = word_of_mouth(df, n_resamples=100)
    answered = x[10:]
    assert r.get("wom_told_over_20")["n"] == 390
    assert r.get("share_bad_any")["estimate"] == pytest.approx(np.mean(answered >= 1))
    tellers = answered[answered >= 1]
    gt5 = r.get("share_bad_gt5")
    assert gt5["n"] == tellers.size
    assert gt5["estimate"] == pytest.approx(np.mean(tellers > 5))
    # warned-others has its own denominator: everyone in the group who answered that item
    assert r.get("told_others_not_to_buy_after_bad")["n"] == 400
    sat = r.get("share_good_gt5", "satisfied")
    assert sat["estimate"] < gt5["estimate"]
    assert set(r.summary()["group"]) == {"dissatisfied", "satisfied"}
    assert list(r.summary().columns) == ["id", "group", "estimate", "ci_low", "ci_high", "n", "method"]


def test_straddling_and_open_answers():
    df = pd.DataFrame({"csat": [1, 1, 1, 2],
                       "told_count_low": [11, 21, 0, 3],
                       "told_count_high": [30, np.nan, 0, 3]})
    r = word_of_mouth(df, n_resamples=50)
    # 11-30 straddles 20: only in the upper bound; its midpoint 20.5 counts in the estimate
    assert r.get("wom_told_over_20_lower_bound")["estimate"] == 0.25
    assert r.get("wom_told_over_20_upper_bound")["estimate"] == 0.5
    row = r.get("wom_told_over_20")
    assert row["estimate"] == 0.5
    assert row["ci_low"] == pytest.approx(wilson_ci(1, 4)[0])
    assert row["ci_high"] == pytest.approx(wilson_ci(2, 4)[1])
    assert "straddle" in row["method"]
    # open answer "more than 20" = [21, open] counts 1.5 x 21 = 31.5
    assert r.get("wom_told_mean")["estimate"] == pytest.approx((20.5 + 31.5 + 0 + 3) / 4)
    assert r.get("wom_told_mean_lower_bound")["estimate"] == pytest.approx((11 + 21 + 0 + 3) / 4)
    r2 = word_of_mouth(df, n_resamples=50, open_multiplier=2.0)
    assert r2.get("wom_told_mean")["estimate"] == pytest.approx((20.5 + 42 + 0 + 3) / 4)
    dist = r.distribution()
    d = dist[dist["group"] == "dissatisfied"].set_index("band")["count"]
    assert d["spans bands"] == 1 and d["more than 20"] == 1 and d["0"] == 1 and d["1-5"] == 1
    assert dist.groupby("group")["share"].sum()["dissatisfied"] == pytest.approx(1.0)


def test_bootstrap_is_reproducible_with_seed():
    rng = np.random.default_rng(11)
    df, _ = survey(rng, 200)
    a = word_of_mouth(df, n_resamples=300, seed=3).summary()
    b = word_of_mouth(df, n_resamples=300, seed=3).summary()
    pd.testing.assert_frame_equal(a, b)


def test_reach_model_decomposes_and_widens_with_rate_uncertainty():
    rng = np.random.default_rng(12)
    df, _ = survey(rng, 400)
    r = word_of_mouth(df, n_resamples=400)
    reach = reach_model(r, 250)
    t = reach.summary().set_index("component")
    mean = r.get("wom_told_mean")["estimate"]
    assert reach.people_reached_per_month == pytest.approx(250 * mean)
    assert t.loc["share_telling_anyone", "estimate"] * t.loc["mean_told_among_tellers", "estimate"] == pytest.approx(mean)
    lo, hi = t.loc["people_reached_per_month", ["ci_low", "ci_high"]]
    assert lo < 250 * mean < hi
    pois = reach_model(r, 250, rate_uncertainty="poisson").summary().set_index("component")
    w_none = hi - lo
    w_pois = pois.loc["people_reached_per_month", "ci_high"] - pois.loc["people_reached_per_month", "ci_low"]
    assert w_pois > w_none
    lb = reach_model(r, 250, estimator="lower_bound")
    assert lb.people_reached_per_month < reach.people_reached_per_month
    with pytest.raises(ValueError, match="non-negative"):
        reach_model(r, -1)


def test_result_faces_json_html_and_plot():
    rng = np.random.default_rng(14)
    df, _ = survey(rng, 100, n_sat=50)
    r = word_of_mouth(df, n_resamples=50)
    d = r.to_dict()
    json.dumps(d)  # JSON-ready
    assert {"summary", "distribution", "settings"} <= set(d)
    assert "<table" in r._repr_html_()
    fig, ax = plt.subplots()
    out = r.plot(ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("cited" in s for s in labels)  # cited figures come from the registry, passed by the caller
    plt.close(fig)
    ax = r.plot(cited_band=(9, 15), cited_label="cited 9-15 people [U folklore]")
    assert any("cited 9-15" in t.get_text() for t in ax.get_legend().get_texts())


def test_errors_teach():
    ok = pd.DataFrame({"csat": [1.0], "told_count_low": [1.0], "told_count_high": [5.0]})
    with pytest.raises(ValueError, match="told_count_high"):
        word_of_mouth(ok.drop(columns="told_count_high"))
    with pytest.raises(ValueError, match="1-5"):
        word_of_mouth(ok.assign(csat=7.0))
    with pytest.raises(ValueError, match="high end"):
        word_of_mouth(ok.assign(told_count_high=0.0))
    with pytest.raises(ValueError, match="overlap"):
        word_of_mouth(ok, dissatisfied_max_csat=4, satisfied_min_csat=3)
    with pytest.raises(TypeError):
        word_of_mouth([1, 2, 3])
    # no warned-others column: that figure is not supported, the rest works
    r = word_of_mouth(ok, n_resamples=20)
    row = r.get("told_others_not_to_buy_after_bad")
    assert row["estimate"] is None and "not supported" in row["method"]
