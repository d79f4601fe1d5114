"""Tests of csanalysis.estimators.word_of_mouth: the Turnbull NPMLE, planted truth, customer-level intervals."""

from __future__ import annotations

import json

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from csanalysis.estimators.word_of_mouth import reach_model, turnbull, turnbull_intervals, word_of_mouth
from csanalysis.figures import figure_table
from csanalysis.registry.compare import compare_figures

matplotlib.use("Agg")  # headless: no display in CI

# ----------------------------------------------------------------------------- the planted world
# People told per answer: zero-inflated negative binomial. Every customer has a gamma-distributed
# propensity u (shape K, mean M) shared by all their answers (answers of one customer are alike), an
# answer is Poisson(u), and 10% of answers are 0 anyway: marginally 0.1 + 0.9 NB(K, mean M).
P0, K, M = 0.10, 1.5, 11.0
FMT_A = ((0, 0), (1, 2), (3, 5), (6, 10), (11, 20))  # + "more than 20"
FMT_B = ((0, 0), (1, 5), (6, 10), (11, 20))  # a second survey with coarser bands
P_WARN_A, P_WARN_B = 2.0, 3.0  # warned others: Beta(2, 3) propensity per customer, mean 0.4
X = np.arange(20_000)
PMF = stats.nbinom.pmf(X, K, K / (K + M)) * (1 - P0)
PMF[0] += P0


def bands(v: np.ndarray, fmt: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Answer intervals [low, high] (high NaN = open "more than 20") of exact counts in one band set."""
    low, high = np.full(v.shape, 21.0), np.full(v.shape, np.nan)
    for a, b in fmt:
        m = (v >= a) & (v <= b)
        low[m], high[m] = a, b
    return low, high


TRUE_MEAN = float((PMF * X).sum())
TRUE_OVER_20 = float(PMF[21:].sum())
TRUE_ANY = float(1 - PMF[0])
TRUE_LOWER = float(0.5 * (PMF * bands(X, FMT_A)[0]).sum() + 0.5 * (PMF * bands(X, FMT_B)[0]).sum())
TRUE_MEDIAN = int(X[np.argmax(np.cumsum(PMF) >= 0.5)])
TRUE_WARNED = P_WARN_A / (P_WARN_A + P_WARN_B)


def world(rng: np.random.Generator, n_customers: int, csat: float = 1.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers answering 1 + Poisson(1.5) surveys; each answer in band set A or B at random."""
    k = 1 + rng.poisson(1.5, n_customers)
    cust = np.repeat(np.arange(n_customers), k)
    u = rng.gamma(K, M / K, n_customers)[cust]
    v = np.where(rng.random(cust.size) < P0, 0, rng.poisson(u))
    fmt_a = rng.random(cust.size) < 0.5
    (la, ha), (lb, hb) = bands(v, FMT_A), bands(v, FMT_B)
    warned = rng.random(cust.size) < rng.beta(P_WARN_A, P_WARN_B, n_customers)[cust]
    df = pd.DataFrame({"csat": csat, "told_count_low": np.where(fmt_a, la, lb),
                       "told_count_high": np.where(fmt_a, ha, hb),
                       "warned_others": pd.array(warned, dtype="boolean"), "customer": cust.astype(str)})
    return df, v


def test_planted_world_is_heavy_tailed_and_its_median_inside_a_band():
    assert 0.10 < TRUE_OVER_20 < 0.16 and 9 < TRUE_MEAN < 11
    cdf = np.cumsum(PMF)
    assert TRUE_MEDIAN in range(6, 11) and cdf[5] < 0.45 and cdf[10] > 0.55  # the median band 6-10 is clear
    assert 6 < TRUE_LOWER < TRUE_MEAN


# ----------------------------------------------------------------------------- the NPMLE
def test_turnbull_on_one_band_set_is_the_share_of_answers():
    rng = np.random.default_rng(1)
    low, high = bands(rng.poisson(8, 500), FMT_B)
    high = np.where(np.isnan(high), np.inf, high)
    a, b, p = turnbull(low, high, max_iter=1)  # one EM step is enough
    want = pd.Series(low).value_counts(normalize=True).sort_index()
    assert a.tolist() == want.index.tolist()
    np.testing.assert_allclose(p, want.to_numpy(), atol=1e-15)


def test_turnbull_on_two_band_sets_and_exact_answers_maximises_the_likelihood():
    rng = np.random.default_rng(2)
    v = rng.poisson(6, 400)
    (la, ha), (lb, hb) = bands(v, FMT_A), bands(v, FMT_B)
    pick = rng.integers(0, 3, v.size)  # band set A, band set B, or the exact count
    low = np.select([pick == 0, pick == 1], [la, lb], v.astype(float))
    high = np.select([pick == 0, pick == 1], [ha, hb], v.astype(float))
    high = np.where(np.isnan(high), np.inf, high)
    a, b, p = turnbull(low, high)
    assert np.all(a <= b) and np.all(b[:-1] < a[1:]) and p.sum() == pytest.approx(1.0)
    alpha = (low[:, None] <= a) & (b <= high[:, None])

    def nll(z):
        q = np.exp(z - z.max())
        q /= q.sum()
        return -np.log(alpha @ q).sum()

    best = optimize.minimize(nll, np.log(np.full(a.size, 1.0 / a.size)), method="BFGS")
    assert nll(np.log(np.maximum(p, 1e-300))) <= best.fun + 1e-6
    # self-consistency: one more EM step leaves the estimate where it is
    step = p * ((1.0 / (alpha @ p)) @ alpha) / low.size
    np.testing.assert_allclose(step, p, atol=1e-8)


def test_turnbull_is_vectorised_over_weightings():
    low, high = np.array([0, 1, 1, 3, 6, 21.0]), np.array([0, 2, 5, 5, 10, np.inf])
    w = np.random.default_rng(3).poisson(1.0, size=(50, low.size)).astype(float)
    w[0] = 0.0
    a, b, p = turnbull(low, high, w)
    assert np.isnan(p[0]).all()
    for r in range(1, 50):
        np.testing.assert_allclose(p[r], turnbull(low, high, w[r])[2], atol=1e-9)
    assert turnbull_intervals(low, high)[0].tolist() == [0.0, 1.0, 3.0, 6.0, 21.0]


# ----------------------------------------------------------------------------- planted truth
def test_coverage_on_planted_truth_with_customers_answering_several_surveys():
    reps = 200
    hit = {k: 0 for k in ("over_20", "lower", "any", "warned", "mean_range", "median_band", "median_ci")}
    widths = {"customer": [], "answer": []}
    central = []
    for i in range(reps):
        df, _ = world(np.random.default_rng(10_000 + i), 120)  # about 300 answers from 120 customers
        r = word_of_mouth(df, n_resamples=200, seed=i)
        row = r.get("wom_told_over_20")
        hit["over_20"] += row["ci_low"] <= TRUE_OVER_20 <= row["ci_high"]
        lb = r.get("wom_told_mean_lower_bound")
        hit["lower"] += lb["ci_low"] <= TRUE_LOWER <= lb["ci_high"]
        a = r.get("share_bad_any")
        hit["any"] += a["ci_low"] <= TRUE_ANY <= a["ci_high"]
        w = r.get("told_others_not_to_buy_after_bad")
        hit["warned"] += w["ci_low"] <= TRUE_WARNED <= w["ci_high"]
        mean = r.get("wom_told_mean")
        hit["mean_range"] += mean["ci_low"] <= TRUE_MEAN <= mean["ci_high"]
        central.append(mean["estimate"])
        med = r.get("wom_told_median_band")
        hit["median_band"] += med["estimate"] == 6 and "band '6-10'" in med["method"]
        hit["median_ci"] += med["ci_low"] <= TRUE_MEDIAN <= med["ci_high"]
        if i < 20:  # the same data resampled answer by answer: narrower, the clustering ignored
            widths["customer"].append(lb["ci_high"] - lb["ci_low"])
            flat = word_of_mouth(df.drop(columns="customer"), n_resamples=200, seed=i).get("wom_told_mean_lower_bound")
            widths["answer"].append(flat["ci_high"] - flat["ci_low"])
    cover = {k: v / reps for k, v in hit.items()}
    assert cover["over_20"] >= 0.90 and cover["lower"] >= 0.90, cover
    assert cover["any"] >= 0.90 and cover["warned"] >= 0.90, cover
    assert cover["mean_range"] >= 0.95 and cover["median_ci"] >= 0.95, cover
    assert cover["median_band"] >= 0.95, cover
    assert np.mean(widths["customer"]) > 1.15 * np.mean(widths["answer"])
    # the central mean (fitted geometric tail) is close to the truth on average
    assert abs(np.mean(central) - TRUE_MEAN) < 0.25 * np.std(central)


def test_one_band_set_gives_the_sample_shares_exactly():
    rng = np.random.default_rng(7)
    df, v = world(rng, 150)
    low, high = bands(v, FMT_B)
    df = df.assign(told_count_low=low, told_count_high=high)
    df.loc[df.index[:10], ["told_count_low", "told_count_high"]] = np.nan  # did not answer the item
    sat, _ = world(np.random.default_rng(8), 100, csat=5.0)
    r = word_of_mouth(pd.concat([df, sat.assign(customer="s" + sat["customer"])], ignore_index=True),
                      n_resamples=100)
    x = v[10:]
    assert r.get("wom_told_over_20")["n"] == x.size
    assert r.get("wom_told_over_20")["estimate"] == pytest.approx(np.mean(x > 20), abs=1e-12)
    assert r.get("share_bad_any")["estimate"] == pytest.approx(np.mean(x >= 1), abs=1e-12)
    gt5 = r.get("share_bad_gt5")
    assert gt5["n"] == (x >= 1).sum() and gt5["estimate"] == pytest.approx(np.mean(x[x >= 1] > 5), abs=1e-12)
    assert r.get("wom_told_mean_lower_bound")["estimate"] == pytest.approx(low[10:].mean())
    assert r.get("told_others_not_to_buy_after_bad")["n"] == len(df)
    for i in ("wom_told_over_20", "share_bad_gt5"):  # no band straddles 20 or 5: the bounds coincide
        assert r.get(i + "_lower_bound")["estimate"] == pytest.approx(r.get(i + "_upper_bound")["estimate"])
    assert "no answer straddles" in r.get("wom_told_over_20")["method"]
    assert set(r.summary()["group"]) == {"dissatisfied", "satisfied"}
    assert list(r.summary().columns) == ["id", "group", "estimate", "ci_low", "ci_high", "n", "method", "flags"]
    assert r.summary().groupby("group")["id"].apply(lambda s: s.is_unique).all()


def s_flags(r):
    return r.get("wom_told_mean")["flags"]


def test_open_band_tail_straddling_answers_and_the_mean_range():
    # 0 / 1-5 / 11-20 / more than 20, a quarter each: P(X >= 21) / P(X >= 11) = 1/2 over 10 counts
    df = pd.DataFrame({"csat": 1.0, "told_count_low": [0, 1, 11, 21], "told_count_high": [0, 5, 20, np.nan]})
    r = word_of_mouth(df, n_resamples=50)
    def within(a, n, leave):  # mean of P(X = x) ~ rho^x on a .. a+n-1, with rho^n = P(X > a+n-1 | X >= a)
        rho = leave ** (1 / n)
        return a + rho / (1 - rho) - n * rho ** n / (1 - rho ** n)

    rho = 0.5 ** (1 / 10)  # the hazard of 11-20 continues beyond 20: a geometric tail
    tail = 21 + rho / (1 - rho)
    central = (0 + within(1, 5, 0.5 / 0.75) + within(11, 10, 0.5) + tail) / 4
    assert r.get("wom_told_mean")["estimate"] == pytest.approx(central)
    assert within(1, 5, 0.5 / 0.75) < 3 and within(11, 10, 0.5) < 15.5  # below the midpoints: counts thin out
    assert r.get("wom_told_mean_lower_bound")["estimate"] == pytest.approx((0 + 1 + 11 + 21) / 4)
    assert r.get("wom_told_mean_upper_sensitivity")["estimate"] == pytest.approx((0 + 5 + 20 + 63) / 4)
    fixed = word_of_mouth(df, n_resamples=50, open_multiplier=1.5).get("wom_told_mean")
    assert fixed["estimate"] == pytest.approx(central + (31.5 - tail) / 4) and "1.5 x its floor" in fixed["method"]
    row = r.get("wom_told_mean")  # the interval is the identified range
    assert row["ci_low"] == r.get("wom_told_mean_lower_bound")["ci_low"]
    assert row["ci_high"] == r.get("wom_told_mean_upper_sensitivity")["ci_high"]
    assert "identified range" in row["method"]
    # the open band's mean is assumed, not seen: the central estimate says so; bands without one do not
    assert row["flags"] == ["assumed_tail"] and r.get("wom_told_mean_lower_bound")["flags"] == []
    assert s_flags(word_of_mouth(df.iloc[:3], n_resamples=20)) == []
    # an answer 11-30 straddles 20 and nothing lies above it: spread evenly in the estimate, bounds around it
    s = word_of_mouth(pd.DataFrame({"csat": 1.0, "told_count_low": [0, 11], "told_count_high": [0, 30]}),
                      n_resamples=50)
    assert s.get("wom_told_over_20")["estimate"] == pytest.approx(0.5 * 10 / 20)
    assert s.get("wom_told_over_20_lower_bound")["estimate"] == 0.0
    assert s.get("wom_told_over_20_upper_bound")["estimate"] == 0.5
    assert "straddle" in s.get("wom_told_over_20")["method"]
    d = s.distribution()
    d = d[d["group"] == "dissatisfied"].set_index("band")
    assert d.loc["11-20", "share"] == pytest.approx(0.25) and d.loc["more than 20", "share"] == pytest.approx(0.25)
    assert d["share"].sum() == pytest.approx(1.0) and d.loc["11-20", "answers"] == 0


def test_median_band_is_reported_in_the_bands_offered():
    # exact answers inside the band 1-5 place the median at 2, but the band is what was offered
    df = pd.DataFrame({"csat": 1.0, "told_count_low": [0] * 20 + [1] * 30 + [2] * 10 + [6] * 10,
                       "told_count_high": [0] * 20 + [5] * 30 + [2] * 10 + [10] * 10})
    med = word_of_mouth(df, n_resamples=200).get("wom_told_median_band")
    assert med["estimate"] == 1 and med["ci_low"] <= 1 and med["ci_high"] >= 5
    assert "band '1-5'" in med["method"] and "[2, 2]" in med["method"]
    everyone_open = word_of_mouth(pd.DataFrame({"csat": 1.0, "told_count_low": [21.0] * 40,
                                                "told_count_high": np.nan}), n_resamples=50)
    row = everyone_open.get("wom_told_median_band")
    assert row["estimate"] == 21 and row["ci_high"] is None and "no finite upper end" in row["method"]


def test_intervals_do_not_depend_on_row_order_and_estimates_not_on_customer_labels():
    df, _ = world(np.random.default_rng(21), 80)
    a = word_of_mouth(df, n_resamples=200, seed=5).summary()
    b = word_of_mouth(df.sample(frac=1.0, random_state=3).reset_index(drop=True), n_resamples=200, seed=5).summary()
    pd.testing.assert_frame_equal(a, b)
    c = word_of_mouth(df.assign(customer="key-" + df["customer"]), n_resamples=200, seed=5).summary()
    pd.testing.assert_series_equal(a["estimate"], c["estimate"])
    pd.testing.assert_frame_equal(a, word_of_mouth(df, n_resamples=200, seed=5).summary())  # reproducible
    assert "customer-level Poisson bootstrap" in a.loc[0, "method"]
    flat = word_of_mouth(df.drop(columns="customer"), n_resamples=50).summary()
    assert "one unit per answer" in flat.loc[0, "method"]


# ----------------------------------------------------------------------------- verdicts against the folklore 9-15
def _compare(df: pd.DataFrame) -> pd.DataFrame:
    r = word_of_mouth(df, n_resamples=300)
    return compare_figures(figure_table({"word_of_mouth": r})).set_index("id"), r


def _answers(spec: dict[tuple[float, float], int]) -> pd.DataFrame:
    low = np.concatenate([[lo] * k for (lo, _), k in spec.items()])
    high = np.concatenate([[hi] * k for (_, hi), k in spec.items()])
    return pd.DataFrame({"csat": 1.0, "told_count_low": low, "told_count_high": high,
                         "customer": [f"c{i // 2}" for i in range(low.size)]})


def test_verdict_against_9_15_only_when_the_identified_range_excludes_it():
    few = _answers({(0, 0): 30, (1, 2): 30, (3, 5): 20})  # range well below 9
    c, _ = _compare(few)
    assert c.loc["wom_told_mean", "verdict"] == "below" and c.loc["wom_told_mean", "ci_high"] < 9
    many = _answers({(21, np.nan): 40})  # everyone told more than 20: at least 21 > 15
    c, _ = _compare(many)
    assert c.loc["wom_told_mean", "verdict"] == "above" and c.loc["wom_told_mean", "ci_low"] > 15
    # the central estimate and even the lower bound's whole interval lie below 9, but the open band could
    # carry the mean into 9-15: no verdict
    open_tail = _answers({(0, 0): 50, (1, 5): 30, (6, 10): 10, (21, np.nan): 10})
    c, r = _compare(open_tail)
    assert r.get("wom_told_mean")["estimate"] < 9 and r.get("wom_told_mean_lower_bound")["ci_high"] < 9
    assert r.get("wom_told_mean_upper_sensitivity")["ci_high"] >= 9
    assert c.loc["wom_told_mean", "verdict"] == "consistent"
    # the cited median 10 against the median band: below only when every band in the range is
    c, _ = _compare(few)
    assert c.loc["wom_told_median_tarp", "own_id"] == "wom_told_median_band"
    assert c.loc["wom_told_median_tarp", "verdict"] == "below"
    c, _ = _compare(_answers({(0, 0): 20, (1, 5): 20, (6, 10): 25, (11, 20): 15}))
    assert c.loc["wom_told_median_tarp", "verdict"] == "consistent"


# ----------------------------------------------------------------------------- faces and errors
def test_reach_model_decomposes_and_widens_with_rate_uncertainty():
    df, _ = world(np.random.default_rng(12), 150)
    r = word_of_mouth(df, n_resamples=400)
    reach = reach_model(r, 250)
    t = reach.summary().set_index("component")
    mean = r.get("wom_told_mean")["estimate"]
    assert reach.people_reached_per_month == pytest.approx(250 * mean)
    share, among = t.loc["share_telling_anyone", "estimate"], t.loc["mean_told_among_tellers", "estimate"]
    assert share * among == pytest.approx(mean)
    lo, hi = t.loc["people_reached_per_month", ["ci_low", "ci_high"]]
    assert lo < 250 * mean < hi
    pois = reach_model(r, 250, rate_uncertainty="poisson").summary().set_index("component")
    assert (pois.loc["people_reached_per_month", "ci_high"] - pois.loc["people_reached_per_month", "ci_low"]
            > hi - lo)
    low = reach_model(r, 250, estimator="lower_bound").people_reached_per_month
    high = reach_model(r, 250, estimator="upper_sensitivity").people_reached_per_month
    assert low < reach.people_reached_per_month < high
    with pytest.raises(ValueError, match="non-negative"):
        reach_model(r, -1)
    with pytest.raises(ValueError, match="estimator"):
        reach_model(r, 1, estimator="midpoint")


def test_result_faces_json_html_and_plot():
    df, _ = world(np.random.default_rng(14), 60)
    sat, _ = world(np.random.default_rng(15), 30, csat=4.0)
    r = word_of_mouth(pd.concat([df, sat], ignore_index=True), n_resamples=50)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)  # JSON-ready
    assert {"summary", "distribution", "settings"} <= set(d) and d["settings"]["unit"] == "customer"
    assert "<table" in r._repr_html_()
    dist = r.distribution()
    assert (dist["ci_low"] <= dist["share"]).all() and (dist["share"] <= dist["ci_high"]).all()
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("cited" in s for s in labels)  # cited figures come from the registry, passed by the caller
    assert any(s.startswith("dissatisfied mean: range") for s in labels)
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
    with pytest.raises(ValueError, match="open_multiplier"):
        word_of_mouth(ok, open_multiplier=0.5)
    with pytest.raises(TypeError):
        word_of_mouth([1, 2, 3])
    with pytest.raises(ValueError, match="weights"):
        turnbull([0, 1], [0, 2], weights=[1.0, -1.0])
    # no warned-others column: that figure is not supported, the rest works
    r = word_of_mouth(ok, n_resamples=20)
    row = r.get("told_others_not_to_buy_after_bad")
    assert row["estimate"] is None and "not supported" in row["method"]
    # nobody in the satisfied group: missing figures, not errors
    assert r.get("wom_told_mean", "satisfied")["estimate"] is None and r.get("wom_told_mean", "satisfied")["n"] == 0
