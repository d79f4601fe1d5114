"""Tests of csanalysis.stats.intervals against textbook values, scipy and simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.stats import (
    EXACT_MAX_N,
    mean_ci,
    mean_test,
    nps_ci,
    proportion_test,
    proportion_test_method,
    two_proportion_test,
    wilson_ci,
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


# --------------------------------------------------------------------------- Wilson
def test_wilson_textbook_value():
    # Newcombe (1998), Statistics in Medicine 17:857, example 81/263: Wilson 0.2553 to 0.3662
    low, high = wilson_ci(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-5)
    assert high == pytest.approx(0.3662, abs=5e-5)
    assert isinstance(low, float) and isinstance(high, float)


def test_wilson_solves_the_score_equation():
    # The Wilson bounds are the two roots p of (k/n - p)^2 = z^2 p (1 - p) / n.
    k, n, z = 81, 263, stats.norm.ppf(0.975)
    phat = k / n
    # (1 + z^2/n) p^2 - (2 phat + z^2/n) p + phat^2 = 0
    roots = np.sort(np.roots([1 + z**2 / n, -(2 * phat + z**2 / n), phat**2]).real)
    low, high = wilson_ci(k, n)
    assert low == pytest.approx(roots[0], abs=1e-12)
    assert high == pytest.approx(roots[1], abs=1e-12)


def _statsmodels_wilson(count, nobs, alpha):
    # statsmodels.stats.proportion.proportion_confint(method="wilson"), reproduced by hand
    q_ = count / nobs
    crit = stats.norm.isf(alpha / 2.0)
    crit2 = crit**2
    denom = 1 + crit2 / nobs
    center = (q_ + crit2 / (2 * nobs)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs + crit2 / (4.0 * nobs**2))
    dist /= denom
    return center - dist, center + dist


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels_formula_vectorised(confidence):
    k = np.array([0, 1, 5, 17, 50, 99, 100])
    n = np.array([10, 10, 40, 60, 100, 100, 100])
    low, high = wilson_ci(k, n, confidence)
    ref_low, ref_high = _statsmodels_wilson(k, n, 1 - confidence)
    assert isinstance(low, np.ndarray) and low.shape == k.shape
    np.testing.assert_allclose(low, np.clip(ref_low, 0, 1), atol=1e-12)
    np.testing.assert_allclose(high, np.clip(ref_high, 0, 1), atol=1e-12)
    assert low[0] == 0.0 and high[-1] == 1.0 and high[-2] < 1.0


def test_wilson_edges_and_broadcasting():
    low, high = wilson_ci([0, 0], [0, 0])
    assert np.isnan(low).all() and np.isnan(high).all()
    low, high = wilson_ci(np.array([[1, 2], [3, 4]]), 10)
    assert low.shape == (2, 2)
    assert np.all(np.diff(low, axis=1) > 0)
    lo_all, hi_all = wilson_ci(20, 20)
    assert hi_all == 1.0 and 0.8 < lo_all < 1.0


@pytest.mark.parametrize(
    "k, n, confidence, match",
    [
        (5, 4, 0.95, "cannot exceed"),
        (-1, 4, 0.95, "non-negative"),
        (np.nan, 4, 0.95, "missing"),
        (1, 4, 95, "between 0 and 1"),
        ([1, 2], [3, 4, 5], 0.95, "same shape"),
    ],
)
def test_wilson_rejects_bad_input(k, n, confidence, match):
    with pytest.raises(ValueError, match=match):
        wilson_ci(k, n, confidence)


def test_wilson_coverage_simulation(rng):
    p, n, sims = 0.3, 150, 2000
    k = rng.binomial(n, p, size=sims)
    low, high = wilson_ci(k, n)
    coverage = np.mean((low <= p) & (p <= high))
    assert 0.93 <= coverage <= 0.97


def test_wilson_coverage_small_n_varied_p(rng):
    # Wilson keeps close-to-nominal coverage where the Wald interval fails (small n, p near 0)
    p, n, sims = 0.05, 40, 4000
    k = rng.binomial(n, p, size=sims)
    low, high = wilson_ci(k, n)
    wilson_cov = np.mean((low <= p) & (p <= high))
    ph = k / n
    half = 1.96 * np.sqrt(ph * (1 - ph) / n)
    wald_cov = np.mean((ph - half <= p) & (p <= ph + half))
    assert wilson_cov >= 0.90
    assert wald_cov < wilson_cov


# --------------------------------------------------------------------------- one-sample proportion test
def test_proportion_test_exact_branch_matches_binomtest():
    for k, n, p0 in [(81, 263, 0.39), (3, 15, 0.1), (0, 10, 0.2), (1000, 1000, 0.99)]:
        expected = stats.binomtest(k, n, p0).pvalue
        assert proportion_test(k, n, p0) == pytest.approx(expected, rel=1e-12)
        assert proportion_test_method(n).startswith("exact binomial")


def test_proportion_test_score_branch_matches_hand_z():
    k, n, p0 = 4150, 10000, 0.40
    z = (k / n - p0) / np.sqrt(p0 * (1 - p0) / n)
    assert proportion_test(k, n, p0) == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    assert proportion_test_method(n).startswith("score z-test")
    # the score test is close to the exact test at this size
    assert proportion_test(k, n, p0) == pytest.approx(stats.binomtest(k, n, p0).pvalue, rel=0.05)


def test_proportion_test_vectorised_and_switch_point():
    k = np.array([40, 400, 450, 4100, 0])
    n = np.array([100, EXACT_MAX_N, EXACT_MAX_N + 1, 10000, 0])
    p = proportion_test(k, n, 0.4)
    assert p.shape == (5,)
    assert p[0] == pytest.approx(stats.binomtest(40, 100, 0.4).pvalue)
    assert p[1] == pytest.approx(stats.binomtest(400, EXACT_MAX_N, 0.4).pvalue)
    z = (450 / (EXACT_MAX_N + 1) - 0.4) / np.sqrt(0.24 / (EXACT_MAX_N + 1))
    assert p[2] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert np.isnan(p[4])
    methods = proportion_test_method(n)
    assert list(methods[:3]) == [methods[0], methods[0], methods[2]]
    assert methods[0] != methods[2]


def test_proportion_test_null_at_edges_and_errors():
    # p0 = 0 with a success is impossible under the null; with none it is certain
    assert proportion_test(1, 5000, 0.0) == 0.0
    assert proportion_test(0, 5000, 0.0) == 1.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        proportion_test(3, 10, 1.5)


def test_proportion_test_type_one_error_rate(rng):
    k = rng.binomial(400, 0.39, size=1500)
    p = proportion_test(k, 400, 0.39)
    assert 0.02 <= np.mean(p < 0.05) <= 0.07


# --------------------------------------------------------------------------- two proportions
def test_two_proportion_newcombe_textbook_value():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a) 56/70 vs 48/80, method 10
    diff, low, high, p = two_proportion_test(56, 70, 48, 80)
    assert diff == pytest.approx(0.2)
    assert low == pytest.approx(0.0524, abs=5e-5)
    assert high == pytest.approx(0.3339, abs=5e-5)
    _, p_ref, _, _ = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert p == pytest.approx(p_ref, rel=1e-10)


def test_two_proportion_more_newcombe_examples():
    # Newcombe (1998) examples (b) 9/10 vs 3/10 -> 0.1705, 0.8090 and (d) 5/56 vs 0/29 -> -0.0381, 0.1926
    _, lo, hi, _ = two_proportion_test(9, 10, 3, 10)
    assert (lo, hi) == pytest.approx((0.1705, 0.8090), abs=5e-5)
    _, lo, hi, _ = two_proportion_test(5, 56, 0, 29)
    assert (lo, hi) == pytest.approx((-0.0381, 0.1926), abs=5e-5)


def test_two_proportion_vectorised_and_degenerate():
    d, lo, hi, p = two_proportion_test([10, 0, 0], [20, 30, 0], [5, 0, 1], [20, 40, 10])
    assert d.shape == (3,)
    assert p[1] == 1.0 and d[1] == 0.0
    assert np.isnan(d[2]) and np.isnan(p[2])
    assert lo[0] < d[0] < hi[0]


def test_two_proportion_coverage(rng):
    p1, p2, n1, n2, sims = 0.35, 0.25, 200, 300, 2000
    k1 = rng.binomial(n1, p1, sims)
    k2 = rng.binomial(n2, p2, sims)
    _, lo, hi, _ = two_proportion_test(k1, n1, k2, n2)
    cov = np.mean((lo <= p1 - p2) & (p1 - p2 <= hi))
    assert 0.93 <= cov <= 0.97


# --------------------------------------------------------------------------- means
def test_mean_ci_matches_scipy_t_interval():
    x = np.array([3.1, 4.5, 2.2, 5.0, 4.4, np.nan, 3.9, 4.1])
    m, lo, hi, n = mean_ci(x, confidence=0.9)
    clean = x[~np.isnan(x)]
    ref = stats.t.interval(0.9, len(clean) - 1, loc=clean.mean(), scale=stats.sem(clean))
    assert n == 7
    assert m == pytest.approx(clean.mean())
    assert (lo, hi) == pytest.approx(ref, rel=1e-12)


def test_mean_ci_small_and_pandas_input():
    assert mean_ci([])[3] == 0 and np.isnan(mean_ci([])[0])
    m, lo, hi, n = mean_ci([5.0])
    assert (m, n) == (5.0, 1) and np.isnan(lo) and np.isnan(hi)
    s = pd.Series([1, 2, None, 4], dtype="Float64")
    m, lo, hi, n = mean_ci(s)
    assert n == 3 and m == pytest.approx(7 / 3)


def test_mean_ci_coverage(rng):
    x = rng.exponential(2.0, size=(2000, 60))
    hits = 0
    for row in x:  # 2000 small samples
        _, lo, hi, _ = mean_ci(row)
        hits += lo <= 2.0 <= hi
    assert 0.92 <= hits / 2000 <= 0.97


def test_mean_test_matches_ttest_1samp():
    x = [4, 5, 3, 4, 5, np.nan, 2]
    clean = np.array([4, 5, 3, 4, 5, 2.0])
    assert mean_test(x, 3.0) == pytest.approx(stats.ttest_1samp(clean, 3.0).pvalue, rel=1e-12)
    assert np.isnan(mean_test([1.0], 0.0))
    assert mean_test([2, 2, 2], 2) == 1.0
    assert mean_test([2, 2, 2], 3) == 0.0
    with pytest.raises(ValueError, match="finite"):
        mean_test([1, 2], np.nan)


# --------------------------------------------------------------------------- NPS
def test_nps_hand_computed():
    scores = [10, 9, 9, 8, 7, 6, 3, 10, 10, 5, np.nan]
    nps, lo, hi, n = nps_ci(scores)
    p_pro, p_det = 5 / 10, 3 / 10
    se = np.sqrt((p_pro + p_det - (p_pro - p_det) ** 2) / 10)
    assert n == 10
    assert nps == pytest.approx(20.0)
    assert lo == pytest.approx(100 * (0.2 - 1.959963984540054 * se))
    assert hi == pytest.approx(100 * (0.2 + 1.959963984540054 * se))


def test_nps_degenerate_and_clipping():
    nps, lo, hi, n = nps_ci([10] * 8)
    assert (nps, lo, hi, n) == (100.0, 100.0, 100.0, 8)
    nps, lo, hi, n = nps_ci([0, 10])  # var = (1 - 0) / 2, wide interval clipped
    assert lo == -100.0 and hi == 100.0 and nps == 0.0
    assert np.isnan(nps_ci([])[0])


def test_nps_rejects_wrong_scale():
    with pytest.raises(ValueError, match="0-10 scale"):
        nps_ci([1, 2, 11])
    with pytest.raises(ValueError, match="0-10 scale"):
        nps_ci([-1, 5])


def test_nps_coverage_of_planted_multinomial(rng):
    # planted: 45% promoters (9-10), 25% passives (7-8), 30% detractors (0-6): true NPS = 15
    probs = np.array([0.3 / 7] * 7 + [0.125, 0.125] + [0.225, 0.225])
    assert probs.sum() == pytest.approx(1.0)
    true_nps = 100 * (0.45 - 0.30)
    sims, n = 2000, 250
    samples = rng.choice(11, size=(sims, n), p=probs)
    hits = 0
    for row in samples:
        _, lo, hi, _ = nps_ci(row)
        hits += lo <= true_nps <= hi
    assert 0.93 <= hits / sims <= 0.97
