"""Tests of csanalysis.stats.survival: lifelines agreement, planted truth, bootstrap."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_waltons
from lifelines.statistics import logrank_test as lifelines_logrank

from csanalysis.stats import (
    KaplanMeierResult,
    SurvivalAt,
    cluster_bootstrap_survival_at,
    kaplan_meier,
    km_difference_ci,
    km_survival_bootstrap,
    logrank_test,
    merge_strata,
    stratified_survival,
)
from csanalysis.stats.survival import _cells, _surv_from_cell_weights


@pytest.fixture(autouse=True)
def _restore_numpy_errstate():
    # lifelines calls np.seterr(...) globally; keep other tests unaffected
    old = np.geterr()
    yield
    np.seterr(**old)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(730)


def _random_ties(seed: int, n: int = 60):
    r = np.random.default_rng(seed)
    return r.integers(0, 12, n).astype(float), r.random(n) < 0.55


# Small data sets with tied times and censoring: (durations, events, weights)
DATASETS = {
    "ties_event_and_censor_same_time": (
        [1, 2, 2, 2, 3, 3, 5, 5, 5, 8],
        [1, 1, 0, 1, 0, 1, 1, 0, 0, 1],
        None,
    ),
    "all_censored_at_the_end": ([2, 3, 3, 4, 9, 9, 9, 9], [1, 1, 0, 1, 0, 0, 0, 0], None),
    "single_subject_event": ([5.0], [True], None),
    "single_subject_censored": ([5.0], [False], None),
    "counts_as_weights": ([1, 2, 2, 4, 6, 7], [1, 0, 1, 1, 0, 1], [3, 1, 2, 5, 4, 1]),
    "events_at_time_zero": ([0, 0, 0, 1, 2, 2, 4], [1, 0, 1, 1, 1, 0, 1], None),
    "last_subject_has_event": ([1.5, 2.5, 2.5, 3.0], [0, 1, 1, 1], None),
    "no_events_at_all": ([3, 4, 4, 10], [0, 0, 0, 0], None),
    "random_many_ties": (*_random_ties(1), None),
    "random_weighted": (*_random_ties(2), np.random.default_rng(3).integers(1, 5, 60)),
    "waltons_control": (
        load_waltons().query("group == 'control'")["T"].to_numpy(),
        load_waltons().query("group == 'control'")["E"].to_numpy(),
        None,
    ),
}


def _lifelines_km(d, e, w, alpha=0.05):
    return KaplanMeierFitter(alpha=alpha).fit(np.asarray(d, float), np.asarray(e), weights=w)


# --------------------------------------------------------------------------- agreement with lifelines
@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_km_matches_lifelines(name, confidence):
    d, e, w = DATASETS[name]
    ours = kaplan_meier(d, e, weights=w, confidence=confidence)
    ref = _lifelines_km(d, e, w, alpha=1 - confidence)
    tl = ours.timeline
    np.testing.assert_allclose(tl["time"], ref.survival_function_.index.to_numpy(), atol=0)
    np.testing.assert_allclose(tl["survival"], ref.survival_function_.iloc[:, 0], atol=1e-6)
    ci = ref.confidence_interval_.to_numpy()
    np.testing.assert_allclose(tl["ci_low"], ci[:, 0], atol=1e-6)
    np.testing.assert_allclose(tl["ci_high"], ci[:, 1], atol=1e-6)
    et = ref.event_table
    np.testing.assert_allclose(tl["events"], et["observed"].to_numpy(), atol=0)
    np.testing.assert_allclose(tl["censored"], et["censored"].to_numpy(), atol=0)
    np.testing.assert_allclose(tl["at_risk"], et["at_risk"].to_numpy(), atol=0)
    assert ours.median_survival() == ref.median_survival_time_


def test_km_lifelines_agreement_on_many_random_tied_sets():
    # random small data sets (ties everywhere, some with counts); S(t) and CI to 1e-6
    r = np.random.default_rng(11)
    for i in range(60):
        n = int(r.integers(1, 30))
        d = r.integers(0, 8, n).astype(float)
        e = r.random(n) < 0.6
        w = r.integers(1, 4, n) if i % 2 else None
        ours = kaplan_meier(d, e, weights=w).timeline
        ref = _lifelines_km(d, e, w)
        np.testing.assert_allclose(ours["survival"], ref.survival_function_.iloc[:, 0], atol=1e-6)
        np.testing.assert_allclose(ours[["ci_low", "ci_high"]], ref.confidence_interval_, atol=1e-6)


def _lifelines_lr(da, ea, db, eb, wa=None, wb=None):
    with warnings.catch_warnings():
        # lifelines' own call pattern triggers a pandas 4 keyword deprecation
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        return lifelines_logrank(da, db, ea, eb, weights_A=wa, weights_B=wb)


LOGRANK_PAIRS = [
    ("ties_event_and_censor_same_time", "all_censored_at_the_end"),
    ("counts_as_weights", "random_weighted"),
    ("events_at_time_zero", "last_subject_has_event"),
    ("random_many_ties", "ties_event_and_censor_same_time"),
    ("single_subject_event", "random_many_ties"),
    ("waltons_control", "random_many_ties"),
]


@pytest.mark.parametrize("a, b", LOGRANK_PAIRS)
def test_logrank_matches_lifelines(a, b):
    da, ea, wa = DATASETS[a]
    db, eb, wb = DATASETS[b]
    if (wa is None) != (wb is None):
        wa = np.ones(len(da), int) if wa is None else wa
        wb = np.ones(len(db), int) if wb is None else wb
    ours = logrank_test(da, ea, db, eb, weights_a=wa, weights_b=wb)
    ref = _lifelines_lr(da, ea, db, eb, wa, wb)
    assert ours.statistic == pytest.approx(ref.test_statistic, abs=1e-6)
    assert ours.p_value == pytest.approx(ref.p_value, abs=1e-6)
    assert ours.df == 1
    assert ours.observed_a + ours.observed_b == pytest.approx(ours.expected_a + ours.expected_b)


def test_logrank_waltons_groups_and_result_object():
    df = load_waltons()
    a, b = df[df.group == "miR-137"], df[df.group == "control"]
    ours = logrank_test(a["T"], a["E"], b["T"], b["E"])
    ref = _lifelines_lr(a["T"], a["E"], b["T"], b["E"])
    assert ours.statistic == pytest.approx(ref.test_statistic, abs=1e-6)
    assert ours.p_value == pytest.approx(ref.p_value, abs=1e-6)
    assert ours.p_value < 1e-6  # the two waltons groups differ clearly
    summ = ours.summary()
    assert list(summ.columns[:3]) == ["statistic", "p_value", "df"]
    json.dumps(ours.to_dict(), allow_nan=False)
    assert "log-rank" in ours._repr_html_()


def test_logrank_no_events_is_nan_and_planted_difference_detected(rng):
    r = logrank_test([1, 2, 3], [0, 0, 0], [2, 4], [0, 0])
    assert np.isnan(r.statistic) and np.isnan(r.p_value)
    a = rng.exponential(100, 300)
    b = rng.exponential(160, 300)
    assert logrank_test(np.minimum(a, 365), a < 365, np.minimum(b, 365), b < 365).p_value < 0.01
    same = rng.exponential(100, 300)
    assert (
        logrank_test(np.minimum(a, 365), a < 365, np.minimum(same, 365), same < 365).p_value > 0.01
    )


# --------------------------------------------------------------------------- survival_at: missing beyond follow-up
def test_survival_at_is_missing_beyond_the_longest_follow_up():
    km = kaplan_meier([10, 200, 400, 412], [True, True, False, False])
    s = km.survival_at(730)
    assert isinstance(s, SurvivalAt)
    assert np.isnan(s.survival) and np.isnan(s.ci_low) and np.isnan(s.ci_high)
    assert not s.estimable
    assert "730" in s.reason and "412" in s.reason
    # the last step (0.5) is NOT carried forward
    at_412 = km.survival_at(412)
    assert at_412.survival == pytest.approx(0.5) and at_412.reason is None
    assert at_412.at_risk == 1


def test_survival_at_beyond_a_final_event_is_missing_too():
    # "followed as long as t" means max duration >= t, whether the last one is an event or not
    km = kaplan_meier([1, 2, 3], [True, True, True])
    assert km.survival_at(3).survival == 0.0
    assert np.isnan(km.survival_at(3.5).survival)


def test_survival_at_steps_and_times_table():
    d, e, _ = DATASETS["ties_event_and_censor_same_time"]
    km = kaplan_meier(d, e)
    ref = _lifelines_km(d, e, None)
    for t in [0, 0.5, 1, 2, 2.5, 4.99, 5, 8]:
        s, lo, hi = km.survival_at(t)
        assert s == pytest.approx(float(ref.predict(t)), abs=1e-12)
        assert lo <= s <= hi
    table = km.survival_at_times([0.5, 2.5, 8, 9])
    assert list(table.columns) == ["t", "survival", "ci_low", "ci_high", "at_risk", "reason"]
    assert table["survival"].iloc[:3].tolist() == pytest.approx(
        [km.survival_at(t).survival for t in (0.5, 2.5, 8)]
    )
    assert np.isnan(table["survival"].iloc[3]) and isinstance(table["reason"].iloc[3], str)
    assert table["reason"].iloc[:3].isna().all()
    assert table["at_risk"].tolist() == [10, 6, 1, 0]
    with pytest.raises(ValueError, match=">= 0"):
        km.survival_at(-1)


# --------------------------------------------------------------------------- result object
def test_result_object_reporting():
    d, e, _ = DATASETS["random_many_ties"]
    km = kaplan_meier(pd.Series(d), pd.Series(e))
    assert isinstance(km, KaplanMeierResult)
    assert km.n == 60 and km.n_events == int(np.sum(e)) and km.n_censored == 60 - int(np.sum(e))
    assert km.last_time == d.max()
    summ = km.summary()
    assert summ.shape[0] == 1 and summ["n"].iat[0] == 60
    out = km.to_dict()
    text = json.dumps(out, allow_nan=False)
    assert '"timeline"' in text
    assert len(out["timeline"]["survival"]) == len(km.timeline)
    assert "Kaplan-Meier" in km._repr_html_()
    assert "n=60" in repr(km)
    no_median = kaplan_meier([1, 2, 3], [0, 0, 0])
    assert no_median.median_survival() == float("inf")
    assert no_median.to_dict(include_timeline=False)["median_survival"] is None


def test_plot_returns_axes_with_step_and_band():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    km = kaplan_meier([1, 2, 2, 4, 6], [1, 0, 1, 1, 0])
    fig, ax = plt.subplots()
    try:
        out = km.plot(ax=ax, label="all")
        assert out is ax
        (line,) = ax.lines
        assert line.get_label() == "all"
        np.testing.assert_allclose(line.get_ydata(), km.timeline["survival"])
        assert len(ax.collections) == 1  # the CI band
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "d, e, match",
    [
        ([1, np.nan], [1, 0], "missing or infinite"),
        ([1, -2], [1, 0], "negative"),
        ([1, 2], [1, 2], "boolean"),
        ([1, 2], [1, None], "missing"),
        ([1, 2, 3], [1, 0], "same length"),
        (["a", "b"], [1, 0], "numeric"),
    ],
)
def test_kaplan_meier_rejects_bad_input(d, e, match):
    with pytest.raises(ValueError, match=match):
        kaplan_meier(d, e)


def test_weights_equal_replicated_rows_and_zero_weights_drop():
    d = np.array([1.0, 2, 2, 5, 7])
    e = np.array([1, 0, 1, 1, 0], bool)
    w = np.array([2, 1, 3, 1, 2])
    a = kaplan_meier(d, e, weights=w).timeline
    b = kaplan_meier(np.repeat(d, w), np.repeat(e, w)).timeline
    pd.testing.assert_frame_equal(a, b)
    c = kaplan_meier(np.append(d, 99.0), np.append(e, True), weights=np.append(w, 0))
    assert c.last_time == 7.0
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier(d, e, weights=-w)


# --------------------------------------------------------------------------- planted truth
def _planted(rng, n, rate=1 / 400, horizon=1000):
    event_time = rng.exponential(1 / rate, n)
    censor_time = rng.uniform(0, horizon, n)
    durations = np.minimum(event_time, censor_time)
    events = event_time <= censor_time
    return durations, events


def test_planted_truth_km_covers_and_naive_share_is_biased():
    # one seeded draw (a 95% interval misses in 1 of 20 draws; the coverage rate
    # itself is tested below over 400 draws)
    t, rate = 365.0, 1 / 400
    true_s = np.exp(-rate * t)
    d, e = _planted(np.random.default_rng(2024), 3000, rate)
    s, lo, hi = kaplan_meier(d, e).survival_at(t)
    assert lo <= true_s <= hi
    # naive share "no event seen by t" counts everyone censored before t as a survivor
    naive = np.mean(~(e & (d <= t)))
    assert naive - true_s > 0.1
    assert abs(s - true_s) < 0.03


def test_planted_truth_km_interval_coverage(rng):
    t, rate = 365.0, 1 / 400
    true_s = np.exp(-rate * t)
    reps, hits = 400, 0
    for _ in range(reps):
        d, e = _planted(rng, 300, rate)
        _, lo, hi = kaplan_meier(d, e).survival_at(t)
        hits += lo <= true_s <= hi
    assert 0.92 <= hits / reps <= 0.98


# --------------------------------------------------------------------------- bootstrap of S(t)
def test_cell_evaluator_equals_weighted_km():
    # the multinomial bootstrap is exact only if S(t) from cell counts equals KM; check on many sets
    r = np.random.default_rng(5)
    for _ in range(100):
        n = int(r.integers(1, 40))
        d = r.integers(0, 10, n).astype(float)
        e = r.random(n) < 0.6
        t = float(r.integers(0, 12))
        w = r.integers(0, 4, n).astype(float)
        cells = _cells(d, e, t)
        W = np.bincount(cells.subject_cell, weights=w, minlength=cells.counts.size)[None, :]
        got = _surv_from_cell_weights(cells, W)[0]
        expected = kaplan_meier(d, e, weights=w).survival_at(t).survival if w.sum() > 0 else np.nan
        if np.isnan(expected):
            assert np.isnan(got)
        else:
            assert got == pytest.approx(expected, abs=1e-12)


def test_km_survival_bootstrap_centred_on_km_and_matches_greenwood(rng):
    d, e = _planted(rng, 5000)
    t = 365.0
    s, lo, hi = kaplan_meier(d, e).survival_at(t)
    boot = km_survival_bootstrap(d, e, t, n_resamples=2000, seed=1)
    assert boot.shape == (2000,)
    assert not np.isnan(boot).any()
    assert abs(boot.mean() - s) < 0.003
    b_lo, b_hi = np.quantile(boot, [0.025, 0.975])
    assert b_lo == pytest.approx(lo, abs=0.006)
    assert b_hi == pytest.approx(hi, abs=0.006)
    assert (b_hi - b_lo) == pytest.approx(hi - lo, rel=0.12)


def test_km_survival_bootstrap_matches_subject_resampling(rng):
    # distribution equals a plain loop over resampled subjects (the definition)
    d = rng.integers(1, 30, 80).astype(float)
    e = rng.random(80) < 0.5
    t = 15.0
    fast = km_survival_bootstrap(d, e, t, n_resamples=3000, seed=2)
    r = np.random.default_rng(3)
    slow = []
    for _ in range(1500):
        idx = r.integers(0, 80, 80)
        slow.append(kaplan_meier(d[idx], e[idx]).survival_at(t).survival)
    slow = np.array(slow)
    assert np.nanmean(fast) == pytest.approx(np.nanmean(slow), abs=0.01)
    assert np.nanstd(fast) == pytest.approx(np.nanstd(slow), rel=0.1)


def test_km_survival_bootstrap_chunking_and_seed(rng):
    d, e = _planted(rng, 500)
    a = km_survival_bootstrap(d, e, 200, n_resamples=300, seed=9)
    b = km_survival_bootstrap(d, e, 200, n_resamples=300, seed=9, max_cells=5_000)
    c = km_survival_bootstrap(d, e, 200, n_resamples=300, seed=10)
    np.testing.assert_allclose(a, b)
    assert not np.allclose(a, c)


def test_km_survival_bootstrap_missing_when_resample_not_followed():
    # only one subject reaches t: a resample omits it with probability (1 - 1/n)^n
    d = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 50.0])
    e = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], bool)
    boot = km_survival_bootstrap(d, e, 40, n_resamples=4000, seed=4)
    frac = np.mean(np.isnan(boot))
    assert frac == pytest.approx(0.9**10, abs=0.03)
    assert np.isnan(km_survival_bootstrap(d, e, 60, n_resamples=10, seed=4)).all()


def test_km_difference_ci_covers_planted_difference(rng):
    t = 180.0
    a_true, b_true = np.exp(-t / 150), np.exp(-t / 300)
    a = rng.exponential(150, 1500)
    b = rng.exponential(300, 1500)
    ca, cb = rng.uniform(0, 720, 1500), rng.uniform(0, 720, 1500)
    diff, lo, hi = km_difference_ci(
        np.minimum(a, ca), a <= ca, np.minimum(b, cb), b <= cb, t, n_resamples=1000, seed=6
    )
    assert lo <= a_true - b_true <= hi
    assert hi < 0
    km_a = kaplan_meier(np.minimum(a, ca), a <= ca).survival_at(t).survival
    km_b = kaplan_meier(np.minimum(b, cb), b <= cb).survival_at(t).survival
    assert diff == pytest.approx(km_a - km_b)
    out = km_difference_ci([1, 2, 3], [1, 0, 1], [1, 2, 30], [1, 0, 0], 10, n_resamples=50, seed=1)
    assert all(np.isnan(out))


def test_cluster_bootstrap_single_episode_matches_subject_bootstrap(rng):
    d, e = _planted(rng, 2000)
    t = 300.0
    res = cluster_bootstrap_survival_at(d, e, np.arange(2000), t, n_resamples=1000, seed=7)
    s, lo, hi = res
    km = kaplan_meier(d, e).survival_at(t)
    assert s == pytest.approx(km.survival)
    assert res.resamples.shape == (1000,)
    assert (hi - lo) == pytest.approx(km.ci_high - km.ci_low, rel=0.15)
    assert lo < s < hi


def test_cluster_bootstrap_widens_for_repeated_episodes(rng):
    # each customer contributes 5 identical episodes: the effective sample is 5x smaller
    d, e = _planted(rng, 600)
    dd, ee = np.repeat(d, 5), np.repeat(e, 5)
    cust = np.repeat(np.array([f"c{i}" for i in range(600)]), 5)
    t = 300.0
    _, lo, hi = cluster_bootstrap_survival_at(dd, ee, cust, t, n_resamples=800, seed=8)
    naive = km_survival_bootstrap(dd, ee, t, n_resamples=800, seed=8)
    n_lo, n_hi = np.quantile(naive, [0.025, 0.975])
    ratio = (hi - lo) / (n_hi - n_lo)
    assert 1.8 < ratio < 2.8  # about sqrt(5) = 2.24
    again = cluster_bootstrap_survival_at(dd, ee, cust, t, n_resamples=800, seed=8, max_cells=1_000)
    assert (again.ci_low, again.ci_high) == pytest.approx((lo, hi))


def test_cluster_bootstrap_missing_and_errors():
    res = cluster_bootstrap_survival_at(
        [1, 2, 3], [1, 0, 1], ["a", "a", "b"], 10, n_resamples=20, seed=1
    )
    assert np.isnan(res.survival) and res.reason is not None
    with pytest.raises(ValueError, match="missing label"):
        cluster_bootstrap_survival_at([1, 2], [1, 0], ["a", None], 1)
    with pytest.raises(ValueError, match="same length"):
        cluster_bootstrap_survival_at([1, 2], [1, 0], ["a"], 1)
    with pytest.raises(ValueError, match="n_resamples"):
        km_survival_bootstrap([1, 2], [1, 0], 1, n_resamples=0)
    json.dumps(res.to_dict(), allow_nan=False)


def test_survival_at_pickles_and_empty_input_is_missing():
    import pickle

    s = kaplan_meier([1, 2, 3], [1, 0, 1]).survival_at(2)
    back = pickle.loads(pickle.dumps(s))
    assert tuple(back) == tuple(s) and back.t == 2.0 and back.method == s.method
    empty = kaplan_meier([], [])
    assert empty.n == 0
    res = empty.survival_at(1)
    assert np.isnan(res.survival) and res.reason == "no subjects"


# ----------------------------------------------------------------------------- standardised over strata
def _two_speed_world(seed: int, n: int = 4000):
    """Fast and slow buyers; the slow ones are followed less (they meet the index late): the pooled curve is biased."""
    rng = np.random.default_rng(seed)
    fast = rng.random(n) < 0.5
    gap = np.where(fast, rng.exponential(400.0, n), rng.exponential(2000.0, n))
    # 70% of the slow ones are followed 100-800 days only
    follow = np.where(fast, 3000.0, rng.uniform(100.0, 800.0, n) + (rng.random(n) < 0.3) * 3000.0)
    truth = 0.5 * np.exp(-730 / 400.0) + 0.5 * np.exp(-730 / 2000.0)
    return np.minimum(gap, follow), gap <= follow, fast.astype(int), truth


def test_stratified_survival_removes_the_bias_of_stratum_dependent_censoring():
    hits, pooled_err, std_err = 0, [], []
    for seed in range(30):
        d, e, s, truth = _two_speed_world(seed)
        ss = stratified_survival(d, e, s)
        est, lo, hi, var, reason = ss.survival_at(730)
        assert reason == "" and ss.n_strata == 2 and lo < est < hi
        hits += lo <= truth <= hi
        std_err.append(est - truth)
        pooled_err.append(kaplan_meier(d, e).survival_at(730).survival - truth)
    # the pooled curve under-represents the slow, rarely followed half; the standardised one does not
    assert np.mean(pooled_err) < -0.02
    assert abs(np.mean(std_err)) < 0.005
    assert hits >= 26  # 95% intervals: at least 26 of 30 (P(fewer) < 2% at nominal coverage)


def test_stratified_survival_with_one_stratum_is_kaplan_meier_and_weights_are_counts():
    d, e, s, _ = _two_speed_world(3, n=300)
    one = stratified_survival(d, e, np.zeros(d.size, dtype=int))
    km = kaplan_meier(d, e)
    assert one.n_strata == 1
    assert one.survival_at(730)[0] == pytest.approx(km.survival_at(730).survival, abs=1e-12)
    # duplicated rows equal weight 2
    ss2 = stratified_survival(np.r_[d, d], np.r_[e, e], np.r_[s, s], min_stratum=100)
    ssw = stratified_survival(d, e, s, weights=np.full(d.size, 2.0), min_stratum=100)
    np.testing.assert_allclose(ss2.survival_at(730)[:4], ssw.survival_at(730)[:4], rtol=1e-12)


def test_merge_strata_pools_small_neighbours_in_order():
    g, k = merge_strata([0, 1, 1, 2, 3, 3, 3, 3, 5], min_size=3)
    assert k == 2
    assert g.tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 1]
    g, k = merge_strata([4, 4], min_size=3)  # too few for any full stratum: one
    assert (k, g.tolist()) == (1, [0, 0])
    # additive: counts from two halves give the same merge as the whole
    s = np.random.default_rng(0).integers(0, 8, 1000)
    g_all, _ = merge_strata(s, min_size=120)
    codes, counts = np.unique(s, return_counts=True)
    g_cnt, _ = merge_strata(codes, weights=counts, min_size=120)
    assert g_all.tolist() == g_cnt[np.searchsorted(codes, s)].tolist()


def test_stratified_difference_is_the_share_between_two_times():
    d, e, s, _ = _two_speed_world(5)
    ss = stratified_survival(d, e, s)
    mid, var, reason = ss.difference(365, 730)
    assert reason == ""
    assert mid == pytest.approx(ss.survival_at(365)[0] - ss.survival_at(730)[0], abs=1e-12)
    assert 0 < var < 0.01
