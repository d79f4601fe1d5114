"""Tests of csanalysis.stats.bootstrap: agreement with analytic intervals, chunking, exactness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csanalysis.stats.bootstrap as bmod
from csanalysis.stats import bootstrap_ci, bootstrap_diff_ci, mean_ci
from csanalysis.stats.bootstrap import _median_from_counts


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(99)


def test_mean_interval_close_to_t_interval(rng):
    x = rng.normal(3.5, 1.2, 2000)
    est, lo, hi = bootstrap_ci(x, "mean", n_resamples=4000, seed=1)
    m, tlo, thi, _ = mean_ci(x)
    assert est == pytest.approx(m)
    assert lo == pytest.approx(tlo, abs=0.01)
    assert hi == pytest.approx(thi, abs=0.01)


def test_median_interval_brackets_estimate_and_reasonable_width(rng):
    x = rng.normal(0.0, 1.0, 1000)
    est, lo, hi = bootstrap_ci(x, "median", n_resamples=2000, seed=2)
    assert est == pytest.approx(np.median(x))
    assert lo < est < hi
    # asymptotic se of the median: sqrt(pi/2) * sigma / sqrt(n)
    expected_width = 2 * 1.96 * np.sqrt(np.pi / 2) / np.sqrt(1000)
    assert (hi - lo) == pytest.approx(expected_width, rel=0.25)


def test_callable_statistic_and_bad_callable(rng):
    x = rng.exponential(2.0, 500)
    est, lo, hi = bootstrap_ci(x, np.std, n_resamples=1000, seed=3)
    assert est == pytest.approx(np.std(x))
    assert lo < est < hi
    with pytest.raises(ValueError, match="axis=1"):
        bootstrap_ci(x, lambda a, axis: float(np.mean(a)), n_resamples=10, seed=3)
    with pytest.raises(ValueError, match="mean"):
        bootstrap_ci(x, "mode")


def test_seed_reproducible_and_chunking_invariant(rng):
    x = rng.gamma(2.0, 3.0, 700)
    a = bootstrap_ci(x, "median", n_resamples=500, seed=4)
    b = bootstrap_ci(x, "median", n_resamples=500, seed=4, max_cells=3_000)  # 4 rows per chunk
    c = bootstrap_ci(x, "median", n_resamples=500, seed=5)
    assert a == pytest.approx(b)
    assert a[1:] != c[1:]


def test_missing_values_dropped_and_empty(rng):
    x = pd.Series([1.0, 2.0, None, 4.0, 5.0], dtype="Float64")
    est, lo, hi = bootstrap_ci(x, seed=0)
    assert est == pytest.approx(3.0)
    assert 1.0 <= lo <= est <= hi <= 5.0
    assert all(np.isnan(bootstrap_ci([], seed=0)))
    assert bootstrap_ci([7.0], seed=0) == (7.0, 7.0, 7.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_resamples": 0}, "n_resamples"),
        ({"confidence": 1.5}, "confidence"),
        ({"max_cells": 0}, "max_cells"),
    ],
)
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_ci([1.0, 2.0, 3.0], **kwargs)


def test_percentile_coverage_for_skewed_mean(rng):
    sims, hits = 300, 0
    for i in range(sims):
        x = rng.exponential(1.0, 120)
        _, lo, hi = bootstrap_ci(x, n_resamples=800, seed=i)
        hits += lo <= 1.0 <= hi
    assert 0.88 <= hits / sims <= 0.98


# --------------------------------------------------------------------------- multinomial path
def test_median_from_counts_equals_median_of_expanded(rng):
    values = np.array([0.0, 1.0, 2.5, 3.0, 7.0, 10.0])
    for n in (1, 2, 7, 10, 101):
        counts = rng.multinomial(n, np.full(6, 1 / 6), size=50)
        got = _median_from_counts(values, counts)
        expected = [np.median(np.repeat(values, row)) for row in counts]
        np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("statistic", ["mean", "median"])
def test_multinomial_path_has_same_distribution_as_index_path(rng, monkeypatch, statistic):
    x = rng.integers(0, 11, 3000).astype(float)
    index_path = bootstrap_ci(x, statistic, n_resamples=3000, seed=6)
    monkeypatch.setattr(bmod, "MULTINOMIAL_MIN_N", 100)
    _, dist = bmod._distribution(x, statistic, 3000, np.random.default_rng(6), 2_000_000)
    multi_path = bootstrap_ci(x, statistic, n_resamples=3000, seed=6)
    assert multi_path[0] == index_path[0]
    tol = 0.02 if statistic == "mean" else 0.51  # the median of integer scores moves in half steps
    assert multi_path[1] == pytest.approx(index_path[1], abs=tol)
    assert multi_path[2] == pytest.approx(index_path[2], abs=tol)
    if statistic == "mean":
        assert dist.std() == pytest.approx(x.std() / np.sqrt(x.size), rel=0.08)


def test_large_sample_uses_counts_and_gives_right_width(rng):
    n = 200_000
    x = rng.integers(0, 11, n).astype(float)
    est, lo, hi = bootstrap_ci(x, "mean", n_resamples=1000, seed=7, max_cells=100_000)
    half = 1.959963984540054 * x.std(ddof=1) / np.sqrt(n)
    assert est == pytest.approx(x.mean())
    assert (hi - lo) == pytest.approx(2 * half, rel=0.1)
    # the index path would need 1000 x 200,000 cells; the count path works in chunks of 11 columns
    est_m, lo_m, hi_m = bootstrap_ci(x, "median", n_resamples=300, seed=7)
    assert est_m == np.median(x) and lo_m <= est_m <= hi_m


# --------------------------------------------------------------------------- two groups
def test_diff_ci_covers_and_matches_welch(rng):
    x = rng.normal(5.0, 1.0, 800)
    y = rng.normal(4.8, 1.5, 600)
    d, lo, hi = bootstrap_diff_ci(x, y, "mean", n_resamples=3000, seed=8)
    assert d == pytest.approx(x.mean() - y.mean())
    se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    dof = se**4 / (
        (x.var(ddof=1) / x.size) ** 2 / (x.size - 1) + (y.var(ddof=1) / y.size) ** 2 / (y.size - 1)
    )
    q = stats.t.ppf(0.975, dof)
    assert lo == pytest.approx(d - q * se, abs=0.02)
    assert hi == pytest.approx(d + q * se, abs=0.02)


def test_diff_ci_coverage_of_planted_difference(rng):
    sims, hits = 200, 0
    for i in range(sims):
        x = rng.exponential(2.0, 150)
        y = rng.exponential(1.5, 100)
        _, lo, hi = bootstrap_diff_ci(x, y, n_resamples=600, seed=i)
        hits += lo <= 0.5 <= hi
    assert 0.88 <= hits / sims <= 0.99


def test_diff_ci_empty_group_is_nan():
    assert all(np.isnan(bootstrap_diff_ci([1.0, 2.0], [np.nan], seed=0)))


@pytest.mark.parametrize("per_unit", [1, 2, 5])
def test_weights_of_rows_sorted_by_unit_equal_their_units_weights(per_unit):
    """Rows of one unit side by side are drawn once per run (a speed-up); every row still gets its unit's
    weights, in any order and for any replicate numbers."""
    from csanalysis.stats.bootstrap import poisson_weights_from_hash, unit_hash

    rng = np.random.default_rng(per_unit)
    h = unit_hash(np.arange(400), seed=7)
    rows = np.sort(rng.integers(0, 400, 400 * per_unit))
    reps = np.array([0, 3, 999, 5000])
    units = poisson_weights_from_hash(h, reps)
    np.testing.assert_array_equal(poisson_weights_from_hash(h[rows], reps), units[:, rows])
    shuffled = rng.permutation(rows)  # hardly any runs: every row drawn
    np.testing.assert_array_equal(poisson_weights_from_hash(h[shuffled], reps), units[:, shuffled])
    assert poisson_weights_from_hash(h[rows[:1]], 3).shape == (3, 1)
    assert poisson_weights_from_hash(h[rows], []).shape == (0, len(rows))
