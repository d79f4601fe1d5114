"""Tests of csanalysis.segments.compare: segment comparison with the right test and BH correction."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.schema import conform
from csanalysis.segments.compare import (
    SegmentComparison,
    adjust_pvalues,
    compare_segments,
    kruskal_wallis,
)


def _tickets(rng: np.random.Generator, n: int = 3000, bad_by: dict | None = None, slow: str | None = None):
    channels = np.array(["email", "chat", "phone", "web"])
    ch = rng.choice(channels, n)
    p_bad = np.array([(bad_by or {}).get(c, 0.10) for c in ch])
    res = rng.lognormal(6.0, 0.8, n)
    if slow is not None:
        res = np.where(ch == slow, res * 1.6, res)
    df = pd.DataFrame({
        "ticket_id": [str(i) for i in range(n)],
        "channel": ch,
        "rating": np.where(rng.random(n) < p_bad, "bad", "good"),
        "resolution_minutes": res,
    })
    t = conform(df, "tickets")
    return t.assign(bad=(t["rating"] == "bad").astype(bool))


# --------------------------------------------------------------------------- BH and friends
def test_bh_against_hand_computed_values():
    # sorted 0.005, 0.01, 0.03, 0.04, 0.20 (m = 5): p*m/rank = 0.025, 0.025, 0.05, 0.05, 0.2
    p = [0.01, 0.04, 0.03, 0.20, 0.005]
    assert np.allclose(adjust_pvalues(p, "fdr_bh"), [0.025, 0.05, 0.05, 0.2, 0.025])
    # step-up: 0.01*3/1 = 0.03 and 0.02*3/2 = 0.03 are lowered to the later 0.021*3/3 = 0.021
    assert np.allclose(adjust_pvalues([0.01, 0.02, 0.021]), [0.021, 0.021, 0.021])
    # capped at 1, NaN kept and not counted (m = 2)
    out = adjust_pvalues([0.8, np.nan, 0.9])
    assert np.allclose(out[[0, 2]], [0.9, 0.9]) and np.isnan(out[1])


def test_holm_and_bonferroni_hand_values_and_scipy_bh():
    p = np.array([0.01, 0.04, 0.03])
    assert np.allclose(adjust_pvalues(p, "bonferroni"), [0.03, 0.12, 0.09])
    # Holm: sorted 0.01*3, 0.03*2, 0.04*1 -> 0.03, 0.06, 0.06 (monotone)
    assert np.allclose(adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06])
    assert np.allclose(adjust_pvalues(p, None), p)
    rng = np.random.default_rng(3)
    q = rng.uniform(0, 0.2, 40)
    assert np.allclose(adjust_pvalues(q), stats.false_discovery_control(q, method="bh"))
    with pytest.raises(ValueError, match="correction"):
        adjust_pvalues(p, "sidak")


def test_kruskal_and_mann_whitney_match_scipy():
    rng = np.random.default_rng(11)
    x = np.round(rng.exponential(10, 900))
    g = rng.integers(0, 3, 900)
    x[g == 1] += 3
    h, p, df = kruskal_wallis(x, g)
    ref = stats.kruskal(*[x[g == i] for i in range(3)])
    assert np.isclose(h, ref.statistic) and np.isclose(p, ref.pvalue) and df == 2
    d = pd.DataFrame({"seg": g.astype(str), "wait_minutes": x})
    res = compare_segments(d, segment="seg", metric="wait_minutes", correction=None)
    for i, row in res.summary().iterrows():
        mask = g == int(row["segment"])
        want = stats.mannwhitneyu(x[mask], x[~mask], method="asymptotic").pvalue
        assert np.isclose(row["p_value"], want)
    assert res.kind == "time" and res.unit == "minutes"


# --------------------------------------------------------------------------- shares
def test_planted_higher_bad_share_is_flagged():
    t = _tickets(np.random.default_rng(1), bad_by={"chat": 0.25})
    res = compare_segments(t, segment="channel", metric="bad")
    assert isinstance(res, SegmentComparison)
    s = res.summary().set_index("segment")
    assert res.omnibus.test.startswith("Pearson chi-square") and res.omnibus.p_value < 1e-6
    assert res.omnibus.df == 3  # 4 channels with tickets; social/api/other are empty
    assert bool(s.loc["chat", "significant"]) and s.loc["chat", "difference"] > 0.1
    assert s.loc["chat", "ci_low"] < s.loc["chat", "estimate"] < s.loc["chat", "ci_high"]
    # empty categorical levels: n = 0, NaN, never significant, not tested
    assert s.loc["social", "n"] == 0 and np.isnan(s.loc["social", "estimate"])
    assert np.isnan(s.loc["social", "p_value"]) and not s.loc["social", "significant"]
    assert list(res.summary().columns[:9]) == ["segment", "n", "estimate", "ci_low", "ci_high", "difference",
                                               "p_value", "p_adjusted", "significant"]
    # summary p_adjusted is BH over the testable segments
    tested = s["p_value"].dropna()
    assert np.allclose(s.loc[tested.index, "p_adjusted"], adjust_pvalues(tested.to_numpy()))


def test_null_share_difference_rarely_significant():
    hits = sum(compare_segments(_tickets(np.random.default_rng(seed), n=800), segment="channel",
                                metric="bad").omnibus.p_value < 0.05 for seed in range(20))
    assert hits <= 4


def test_fisher_for_small_two_by_two():
    d = pd.DataFrame({"seg": ["a"] * 8 + ["b"] * 8, "flag": [True] * 6 + [False] * 2 + [True] * 1 + [False] * 7})
    res = compare_segments(d, segment="seg", metric="flag")
    assert res.omnibus.test == "Fisher's exact test" and np.isnan(res.omnibus.df)
    assert np.isclose(res.omnibus.p_value, stats.fisher_exact([[6, 2], [1, 7]]).pvalue)
    assert "expected count" in res.omnibus.assumptions
    assert set(res.summary()["test"]) == {"Fisher's exact test"}


def test_all_pairs_family():
    t = _tickets(np.random.default_rng(5), bad_by={"phone": 0.3})
    res = compare_segments(t, segment="channel", metric="bad", pairs="all", correction="fdr_bh")
    pw = res.pairwise
    assert len(pw) == 6  # 4 channels with tickets
    assert np.allclose(pw["p_adjusted"], adjust_pvalues(pw["p_value"].to_numpy()))
    phone = pw.loc[(pw["segment_a"] == "phone") | (pw["segment_b"] == "phone")]
    assert phone["significant"].all()
    assert not pw.drop(phone.index)["significant"].any()  # no planted difference among the others


# --------------------------------------------------------------------------- times and scores
def test_planted_slow_segment_median():
    t = _tickets(np.random.default_rng(2), slow="email")
    res = compare_segments(t, segment="channel", metric="resolution_minutes")
    s = res.summary().set_index("segment")
    assert res.omnibus.test == "Kruskal-Wallis H test" and res.omnibus.p_value < 1e-6
    assert bool(s.loc["email", "significant"]) and s.loc["email", "difference"] > 0
    x = t.loc[t["channel"] == "email", "resolution_minutes"].to_numpy()
    assert np.isclose(s.loc["email", "estimate"], np.median(x))


def test_median_order_statistic_interval():
    d = pd.DataFrame({"seg": ["a"] * 20 + ["b"] * 20, "t": np.r_[np.arange(1, 21), np.arange(1, 21) + 0.5]})
    res = compare_segments(d, segment="seg", metric="t", kind="time")
    a = res.summary().set_index("segment").loc["a"]
    assert (a["estimate"], a["ci_low"], a["ci_high"]) == (10.5, 6.0, 15.0)


def test_score_mean_interval_is_close_to_t_in_large_segments():
    # the bounded (Wilson-type) interval agrees with the Student-t interval where both are fine
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"seg": rng.choice(["x", "y"], 400), "csat": rng.integers(1, 6, 400).astype(float)})
    res = compare_segments(d, segment="seg", metric="csat", confidence=0.9)
    row = res.summary().set_index("segment").loc["x"]
    v = d.loc[d["seg"] == "x", "csat"]
    half = stats.t.ppf(0.95, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    assert res.kind == "score"
    assert np.isclose(row["estimate"], v.mean())
    assert np.isclose(row["ci_high"] - row["ci_low"], 2 * half, rtol=0.03)


def test_timedelta_metric_in_minutes():
    d = pd.DataFrame({"seg": ["a", "a", "b", "b"], "wait": pd.to_timedelta([1, 3, 2, 4], unit="h")})
    res = compare_segments(d, segment="seg", metric="wait")
    assert res.kind == "time" and res.unit == "minutes"
    assert res.summary()["estimate"].tolist() == [120.0, 180.0]


# --------------------------------------------------------------------------- edge cases and output
def test_single_segment_gives_nan_with_reason():
    d = pd.DataFrame({"seg": ["only"] * 30, "bad": [True] * 5 + [False] * 25})
    res = compare_segments(d, segment="seg", metric="bad")
    assert np.isnan(res.omnibus.p_value) and "at least two" in res.omnibus.reason
    row = res.summary().iloc[0]
    assert row["n"] == 30 and np.isclose(row["estimate"], 5 / 30) and np.isnan(row["p_value"])
    assert not row["significant"] and res.pairwise.empty
    json.dumps(res.to_dict(), allow_nan=False)


def test_all_identical_values():
    d = pd.DataFrame({"seg": ["a"] * 5 + ["b"] * 5, "csat": [3.0] * 10})
    res = compare_segments(d, segment="seg", metric="csat")
    assert np.isnan(res.omnibus.p_value) and "same" in res.omnibus.reason
    assert (res.summary()["p_value"] == 1.0).all()


def test_missing_rows_dropped_and_counted():
    d = pd.DataFrame({"seg": ["a", "b", None, "a", "b"], "csat": [1.0, 2.0, 3.0, np.nan, 4.0]})
    res = compare_segments(d, segment="seg", metric="csat")
    assert res.n_dropped == 2 and res.summary()["n"].tolist() == [1, 2]


def test_json_html_and_plot():
    t = _tickets(np.random.default_rng(8), bad_by={"chat": 0.3})
    res = compare_segments(t, segment="channel", metric="bad", pairs="all")
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert "NaN" not in text and d["omnibus"]["test"].startswith("Pearson")
    assert d["summary"][0].keys() >= {"segment", "n", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted",
                                      "significant", "test"}
    assert "chi-square" in res._repr_html_()
    ax = res.plot()
    assert len(ax.get_yticklabels()) == len(res.summary())


def test_errors_teach():
    d = pd.DataFrame({"seg": ["a", "b"], "txt": ["x", "y"], "n": [0, 2]})
    with pytest.raises(ValueError, match="not in the table"):
        compare_segments(d, segment="nope", metric="n")
    with pytest.raises(ValueError, match="kind="):
        compare_segments(d, segment="seg", metric="txt")
    with pytest.raises(ValueError, match="other than 0 and 1"):
        compare_segments(d, segment="seg", metric="n", kind="share")
    with pytest.raises(ValueError, match="pairs"):
        compare_segments(d, segment="seg", metric="n", pairs="some")
    with pytest.raises(ValueError, match="alpha"):
        compare_segments(d, segment="seg", metric="n", alpha=5)


def test_score_intervals_stay_on_their_scale_for_tiny_segments():
    # a t interval at n = 2 ran from -22 to +28 on a 1-5 scale (issue 12)
    df = pd.DataFrame({"channel": ["a", "a", "b", "b", "b", "c"], "csat": [1, 5, 4, 5, 5, 3]})
    t = compare_segments(df, segment="channel", metric="csat").table
    assert (t["ci_low"].dropna() >= 1).all() and (t["ci_high"].dropna() <= 5).all()
    assert t.loc[t["segment"] == "a", "estimate"].item() == 3.0
    # an unknown score is bounded by the range of its values
    df["minutes_waited_score"] = [0.0, 10.0, 2.0, 3.0, 4.0, 5.0]
    t = compare_segments(df, segment="channel", metric="minutes_waited_score").table
    assert (t["ci_low"].dropna() >= 0).all() and (t["ci_high"].dropna() <= 10).all()


def test_segment_as_of_date_means_the_end_of_that_day():
    from csanalysis.segments.common import utc_as_of

    end = utc_as_of("2024-06-30", pd.Timestamp("2025-01-01", tz="UTC"))
    assert end > pd.Timestamp("2024-06-30 23:59", tz="UTC") and end < pd.Timestamp("2024-07-01", tz="UTC")
