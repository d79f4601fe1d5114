"""Tests of csanalysis.stats.clustered: intervals with the customer (or account) as the sampling unit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from csanalysis.stats import (
    as_units,
    clustered_bootstrap_sums,
    clustered_mean_ci,
    clustered_nps_ci,
    clustered_quantile_ci,
    clustered_share_ci,
    grouped_mean_ci,
    grouped_nps_ci,
    grouped_quantile_ci,
    grouped_share_ci,
    hash_seed,
    poisson_weights,
    poisson_weights_from_hash,
    unit_hash,
    wilson_ci,
    wilson_effective_ci,
)


def _clustered_world(rng: np.random.Generator, sims: int, clusters: int, mean_size: float, sd: float):
    """``sims`` data sets of ``clusters`` clusters (1 + Poisson sizes) sharing a normal random effect."""
    size = 1 + rng.poisson(mean_size - 1, sims * clusters)
    unit = np.repeat(np.arange(sims * clusters), size)
    effect = np.repeat(rng.normal(0, sd, sims * clusters), size)
    return unit, unit // clusters, effect


# --------------------------------------------------------------------------- units and weights
def test_units_codes_follow_sorted_ids_and_missing_rows_stand_alone():
    u = as_units(["b", "a", None, "b", 7])
    assert u.ids.tolist() == ["7", "a", "b", "\x00row:2"] and u.codes.tolist() == [2, 1, 3, 2, 0]
    assert as_units(u) is u
    assert as_units(None, 3).codes.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="rows"):
        as_units(["a"], 2)
    with pytest.raises(ValueError, match="give the number of rows"):
        as_units(None)


def test_poisson_weights_from_hash_is_poisson_weights_and_poisson():
    ids = np.arange(2000).astype(str)
    h = unit_hash(ids, seed=5)
    assert (poisson_weights_from_hash(h, np.arange(10, 60)) == poisson_weights(ids, 60, seed=5)[10:]).all()
    w = poisson_weights_from_hash(h, 200).astype(float)
    assert w.mean() == pytest.approx(1.0, abs=0.01) and w.var() == pytest.approx(1.0, abs=0.02)
    assert hash_seed(3) == 3 and isinstance(hash_seed(None), int)
    with pytest.raises(ValueError, match="seed"):
        hash_seed("x")



def _poisson1_by_comparison(z):
    """The definition: the number of Poisson(1) CDF steps at or below z >> 11 (every step compared)."""
    from csanalysis.stats.bootstrap import _POISSON1_STEPS

    m = np.asarray(z, dtype=np.uint64) >> np.uint64(11)
    return (m[..., None] >= _POISSON1_STEPS).sum(axis=-1).astype(np.uint8)


def test_poisson_counts_by_table_equal_the_comparisons_at_every_step():
    from csanalysis.stats.bootstrap import _POISSON1_STEPS, _poisson1_counts

    # values at, just below and just above every step (the table's exact cases), the ends, and random ones
    at = _POISSON1_STEPS[_POISSON1_STEPS < 2**53] << np.uint64(11)
    edges = np.r_[at, at - np.uint64(1), at + np.uint64(2047), at + np.uint64(2048), np.uint64(0),
                  np.uint64(2**64 - 1)].astype(np.uint64)
    z = np.r_[edges, np.random.default_rng(0).integers(0, 2**64 - 1, 100_000, dtype=np.uint64, endpoint=True)]
    assert (_poisson1_counts(z) == _poisson1_by_comparison(z)).all()
    z2 = z[: 100_000].reshape(400, 250)
    assert (_poisson1_counts(z2) == _poisson1_by_comparison(z2)).all()
    assert (_poisson1_counts(z2.T) == _poisson1_by_comparison(z2.T)).all()  # (not contiguous)
    assert (_poisson1_counts(z2.byteswap().view(z2.dtype.newbyteorder())) == _poisson1_by_comparison(z2)).all()


@pytest.mark.parametrize("n, reps", [(0, 5), (1, 1), (3, 40_000), (70_000, 3), (2_000, 101)])
def test_poisson_weights_in_tiles_are_the_whole_array_computation(n, reps):
    from csanalysis.stats.bootstrap import _GOLDEN, _splitmix64

    h = unit_hash(np.arange(n).astype(str), seed=2)
    r = np.arange(reps, dtype=np.uint64)
    whole = _poisson1_by_comparison(_splitmix64(h[None, :] ^ _splitmix64(r[:, None] * _GOLDEN)))
    got = poisson_weights_from_hash(h, reps)
    assert got.dtype == np.uint8 and got.shape == (reps, n) and (got == whole).all()


# --------------------------------------------------------------------------- shares
def test_wilson_effective_is_wilson_with_the_binomial_variance_and_many_clusters():
    k, n = np.array([0.0, 3.0, 40.0, 100.0]), np.array([100.0, 100.0, 100.0, 100.0])
    p = k / n
    lo, hi = wilson_effective_ci(p, p * (1 - p) / n, np.full(4, 10**9))
    wlo, whi = wilson_ci(k[1:3], n[1:3])
    assert np.allclose(lo[1:3], wlo) and np.allclose(hi[1:3], whi)
    # p = 0 or 1: no variance, the effective size is the number of clusters
    lo, hi = wilson_effective_ci([0.0, 1.0], [0.0, 0.0], [20, 20])
    c2 = stats.t.ppf(0.975, 19) ** 2
    assert lo[0] == 0.0 and hi[0] == pytest.approx(c2 / (20 + c2))
    assert hi[1] == 1.0 and lo[1] == pytest.approx(20 / (20 + c2))
    lo, hi = wilson_effective_ci([0.3], [0.01], [1])
    assert math.isnan(lo[0]) and math.isnan(hi[0])  # one cluster: no interval


def test_share_one_row_per_unit_and_estimates_as_grouped():
    rng = np.random.default_rng(0)
    s = rng.random(500) < 0.3
    g = rng.integers(-1, 3, 500)
    est, lo, hi, n, k, cl = clustered_share_ci(s, np.arange(500), g, 3)
    gest, glo, ghi, gn, gk = grouped_share_ci(s, g, 3)
    assert est.tobytes() == gest.tobytes() and (n == gn).all() and (k == gk).all() and (cl == n).all()
    # n* = n - 1 and t with n - 1 df: a shade wider than Wilson
    p = k / n
    want = wilson_effective_ci(p, p * (1 - p) / (n - 1), n)
    assert np.allclose(lo, want[0]) and np.allclose(hi, want[1])
    assert (lo < glo).all() and (hi > ghi).all() and np.allclose(hi - lo, ghi - glo, rtol=0.02)


def test_share_clusters_widen_and_eligible_and_small_groups():
    # two groups with the same rows; in group 1 the rows come in blocks of 5 that agree
    s = np.tile(np.repeat([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], 5), 2)
    units = np.concatenate([np.arange(40), 100 + np.repeat(np.arange(8), 5)])
    g = np.repeat([0, 1], 40)
    est, lo, hi, n, k, cl = clustered_share_ci(s, units, g, 2)
    assert est[0] == est[1] == 3 / 8 and cl.tolist() == [40, 8]
    assert hi[1] - lo[1] > 1.8 * (hi[0] - lo[0])
    # the variance by hand: 8 clusters of 5 rows, k_c = 5 or 0
    kc = np.array([5, 0, 0, 5, 0, 0, 0, 5.0])
    var = 8 / 7 * ((kc - 3 / 8 * 5) ** 2).sum() / 40 ** 2
    want = wilson_effective_ci([3 / 8], [var], [8])
    assert (lo[1], hi[1]) == pytest.approx((want[0][0], want[1][0]))
    # eligible rows only; a group with one cluster has no interval
    e = np.ones(80, bool)
    e[40:75] = False
    est, lo, hi, n, k, cl = clustered_share_ci(s, units, g, 2, eligible=e)
    assert n[1] == 5 and cl[1] == 1 and math.isnan(lo[1]) and est[1] == 1.0
    with pytest.raises(ValueError, match="0/1"):
        clustered_share_ci([2.0], ["a"], [0], 1)


def test_share_coverage_with_clustered_rows():
    # 400 data sets of 25 clusters with correlated outcomes (beta-binomial, ICC 0.2)
    rng = np.random.default_rng(1)
    sims, C, p, icc = 400, 25, 0.3, 0.2
    size = 1 + rng.poisson(5, sims * C)
    pc = rng.beta(p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc, sims * C)
    unit = np.repeat(np.arange(sims * C), size)
    y = rng.random(size.sum()) < np.repeat(pc, size)
    _, lo, hi, *_ = clustered_share_ci(y, unit, unit // C, sims)
    _, wlo, whi, *_ = grouped_share_ci(y, unit // C, sims)
    new, old = ((lo <= p) & (p <= hi)).mean(), ((wlo <= p) & (p <= whi)).mean()
    assert 0.92 <= new <= 0.985 and old < 0.85


# --------------------------------------------------------------------------- means and NPS
def test_bounded_mean_hand_computed_and_on_the_scale():
    x = np.array([5, 5, 4, 1, 2, 4, 3, 5, 5, 5], float)
    u = np.array(list("aabccdeeff"))
    est, lo, hi, n, cl = clustered_mean_ci(x, u, np.zeros(10, int), 1, bounds=(1, 5))
    assert est[0] == grouped_mean_ci(x, np.zeros(10, int), 1)[0][0] and cl[0] == 6
    y = (x - 1) / 4
    m = y.mean()
    yc = np.array([2.0, 0.75, 0.25, 0.75, 1.5, 2.0])  # sums per customer a..f of the rescaled values
    nc = np.array([2, 1, 2, 1, 2, 2])
    v_cr = 6 / 5 * ((yc - m * nc) ** 2).sum() / 100
    v_row = y.var(ddof=1) / 10
    want = wilson_effective_ci([m], [max(v_cr, v_row)], [6])
    assert (lo[0], hi[0]) == pytest.approx((1 + 4 * want[0][0], 1 + 4 * want[1][0]))
    # all at the top of the scale: the interval ends there
    est, lo, hi, *_ = clustered_mean_ci([5, 5, 5, 5.0], ["a", "a", "b", "c"], [0] * 4, 1, bounds=(1, 5))
    assert hi[0] == 5.0 and 1 < lo[0] < 5
    with pytest.raises(ValueError, match="within bounds"):
        clustered_mean_ci([6.0, 1.0], ["a", "b"], [0, 0], 1, bounds=(1, 5))
    # without bounds: t interval with the cluster-robust standard error
    est, lo, hi, n, cl = clustered_mean_ci(x, u, np.zeros(10, int), 1)
    se = math.sqrt(max(6 / 5 * ((yc * 4 + nc - est[0] * nc) ** 2).sum() / 100, x.var(ddof=1) / 10))
    assert hi[0] - est[0] == pytest.approx(stats.t.ppf(0.975, 5) * se)


def test_mean_and_nps_coverage_with_clustered_answers():
    # 300 data sets of 30 customers answering 1 + Poisson(3) times; CSAT 1-5 with a customer effect
    rng = np.random.default_rng(2)
    sims = 300
    unit, sim, effect = _clustered_world(rng, sims, 30, 4, 1.0)
    latent = 3.2 + effect + rng.normal(0, 0.7, len(unit))
    csat = np.clip(np.round(latent), 1, 5)
    # the true mean, by simulation of the same model
    big = np.clip(np.round(3.2 + rng.normal(0, 1.0, 400_000) + rng.normal(0, 0.7, 400_000)), 1, 5)
    truth = big.mean()
    _, lo, hi, *_ = clustered_mean_ci(csat, unit, sim, sims, bounds=(1, 5))
    _, tlo, thi, _ = grouped_mean_ci(csat, sim, sims)
    assert ((lo <= truth) & (truth <= hi)).mean() >= 0.91 and ((tlo <= truth) & (truth <= thi)).mean() < 0.8
    nps = np.clip(np.round(2 * latent), 0, 10)
    bnps = np.clip(np.round(2 * (3.2 + rng.normal(0, 1.0, 400_000) + rng.normal(0, 0.7, 400_000))), 0, 10)
    true_nps = 100 * ((bnps >= 9).mean() - (bnps <= 6).mean())
    est, lo, hi, n, cl = clustered_nps_ci(nps, unit, sim, sims)
    assert est.tobytes() == grouped_nps_ci(nps, sim, sims)[0].tobytes()
    assert ((lo <= true_nps) & (true_nps <= hi)).mean() >= 0.91
    assert (lo >= -100).all() and (hi <= 100).all()
    with pytest.raises(ValueError, match="0-10"):
        clustered_nps_ci([11.0], ["a"], [0], 1)


# --------------------------------------------------------------------------- quantiles
def test_woodruff_one_row_per_unit_is_the_order_statistic_interval():
    rng = np.random.default_rng(3)
    x = rng.exponential(size=100 * 40)
    g = np.repeat(np.arange(100), 40)
    for q in (0.5, 0.9):
        est, lo, hi, n, cl = clustered_quantile_ci(x, None, g, 100, q=q)
        gest, glo, ghi, gn = grouped_quantile_ci(x, g, 100, q=q)
        assert est.tobytes() == gest.tobytes() and (n == gn).all() and (cl == 40).all()
        assert np.array_equal(lo, glo, equal_nan=True) and np.array_equal(hi, ghi, equal_nan=True)
    # too few rows to reach 95% on a side: NaN, as the exact interval
    est, lo, hi, n, cl = clustered_quantile_ci([1.0, 2.0, 3.0], ["a", "b", "c"], [0, 0, 0], 1)
    assert est[0] == 2.0 and math.isnan(lo[0]) and math.isnan(hi[0])
    # rows of few customers: fewer effective rows, wider interval
    x = np.arange(1.0, 41.0)
    _, lo1, hi1, *_ = clustered_quantile_ci(x, None, np.zeros(40, int), 1)
    _, lo4, hi4, *_ = clustered_quantile_ci(x, np.arange(40) // 4, np.zeros(40, int), 1)  # neighbours together
    assert lo4[0] < lo1[0] and hi4[0] > hi1[0]


def test_quantile_coverage_with_clustered_times():
    # 300 data sets of 30 customers with 1 + Poisson(5) tickets; log-times share a customer effect
    rng = np.random.default_rng(4)
    sims, sd = 300, 1.0
    unit, sim, effect = _clustered_world(rng, sims, 30, 6, sd)
    x = np.exp(effect + rng.normal(0, 1, len(unit)))
    truth = np.array([1.0, math.exp(stats.norm.ppf(0.9) * math.sqrt(sd ** 2 + 1))])
    est, lo, hi, n, cl = clustered_quantile_ci(x, unit, sim, sims, q=[0.5, 0.9])
    covered = ((lo <= truth[:, None]) & (truth[:, None] <= hi)).mean(axis=1)
    assert (covered >= 0.9).all()
    _, glo, ghi, _ = grouped_quantile_ci(x, sim, sims, q=0.5)
    assert ((glo <= 1.0) & (1.0 <= ghi)).mean() < 0.85  # the exact interval for independent rows: 76%


@pytest.mark.parametrize("method", ["woodruff", "bootstrap"])
def test_quantile_intervals_independent_of_row_order(method):
    rng = np.random.default_rng(5)
    unit, sim, effect = _clustered_world(rng, 6, 40, 4, 0.6)
    x = np.round(np.exp(3 + effect + rng.normal(0, 1, len(unit))))  # whole minutes: ties
    ids = np.char.add("cust", unit.astype(str))
    kw = {"method": method, "n_resamples": 300, "seed": 9}
    a = clustered_quantile_ci(x, ids, sim, 6, q=[0.5, 0.9], **kw)
    perm = rng.permutation(len(x))
    b = clustered_quantile_ci(x[perm], ids[perm], sim[perm], 6, q=[0.5, 0.9], **kw)
    for u, v in zip(a, b):
        assert np.array_equal(u, v, equal_nan=True)
    assert np.isfinite(a[1]).all() and (a[1] <= a[0]).all() and (a[0] <= a[2]).all()
    if method == "bootstrap":
        # the seed matters, the order does not
        c = clustered_quantile_ci(x, ids, sim, 6, q=[0.5, 0.9], method=method, n_resamples=300, seed=10)
        assert not np.array_equal(a[1], c[1])
    with pytest.raises(ValueError, match="method"):
        clustered_quantile_ci(x, ids, sim, 6, method="jackknife")


def test_bootstrap_sums_add_over_partitions_of_the_units():
    rng = np.random.default_rng(6)
    n = 600
    units = rng.integers(0, 150, n).astype(str)
    cells = rng.integers(0, 4, n)
    v = np.vstack([np.ones(n), rng.random(n) < 0.3])
    whole = clustered_bootstrap_sums(v, units, cells, 4, n_resamples=200, seed=2)
    part = np.isin(units, units[:40])  # a partition of the customers, not of the rows
    a = clustered_bootstrap_sums(v[:, part], units[part], cells[part], 4, n_resamples=200, seed=2)
    b = clustered_bootstrap_sums(v[:, ~part], units[~part], cells[~part], 4, n_resamples=200, seed=2)
    assert whole.shape == (200, 2, 4) and np.allclose(a + b, whole)
    # each replicate's row weights average 1; a unit's rows move together
    assert whole[:, 0].sum(axis=1).mean() == pytest.approx(n, rel=0.05)
    one = clustered_bootstrap_sums(np.ones(4), ["a", "a", "b", "b"], [0, 1, 0, 1], 2, n_resamples=50, seed=1)
    assert one.shape == (50, 2) and np.array_equal(one[:, 0], one[:, 1])


def test_bootstrap_sums_are_the_weighted_sums_term_by_term():
    """Each replicate's cell sum adds, unit by unit in the order of the units' ids, the unit's row sum times its
    Poisson weight: the same terms in the same order, so equal to the last bit (real values, missing ones as 0)."""
    from csanalysis.stats.bootstrap import poisson_weights_from_hash, unit_hash
    from csanalysis.stats.clustered import hash_seed

    rng = np.random.default_rng(11)
    n, K, R = 3000, 5, 40
    units = rng.integers(0, 700, n).astype(str)
    cells = rng.integers(-1, K, n)  # -1: left out
    v = np.vstack([np.ones(n), rng.random(n) * 100.0])
    v[1, rng.random(n) < 0.02] = np.nan
    got = clustered_bootstrap_sums(v, units, cells, K, n_resamples=R, seed=4, max_cells=5000)  # several chunks
    ids = np.unique(units[cells >= 0])
    w = poisson_weights_from_hash(unit_hash(ids.astype(object), hash_seed(4)), R).astype(float)  # (R, units)
    vv = np.where(np.isfinite(v), v, 0.0)
    want = np.zeros((R, 2, K))
    for k in range(K):
        for j, uid in enumerate(ids):
            rows = (cells == k) & (units == uid)
            if rows.any():
                s = np.array([np.bincount(np.zeros(int(rows.sum()), dtype=np.int64), weights=row[rows])[0]
                              for row in vv])  # the unit's sum in the cell, in row order
                want[:, :, k] += s[None, :] * w[:, j][:, None]
    np.testing.assert_array_equal(got, want)
