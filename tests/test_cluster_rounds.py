"""The clusters asked of partitions of customers where they are (issue 13, item 5): rows at given ranks of the
lexicographic order over partitions (:func:`csanalysis.stats.selection.select_rows`), and
:func:`csanalysis.segments.clusters_from_parts`, whose rounds with one part are :func:`cluster_customers`: any
split of the customers gives the clusters of the whole table, and no round sends a row per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import wire
from pandas.testing import assert_frame_equal

from csanalysis.partition import part_numbers, split_positions
from csanalysis.segments import (
    FEATURES,
    FeatureRows,
    cluster_customers,
    clusters_from_parts,
    customer_features,
)
from csanalysis.segments.clusters import (
    _median_of,
    _median_ranks,
    _percentile_of,
    _percentile_ranks,
)
from csanalysis.stats.selection import SortedRows, select_rows


@pytest.mark.parametrize("seed", range(12))
def test_select_rows_are_the_rows_at_those_ranks_of_the_whole_lexicographic_order(seed):
    rng = np.random.default_rng(seed)
    n, f, p = int(rng.integers(1, 4_000)), int(rng.integers(1, 6)), int(rng.integers(1, 8))
    x = rng.integers(-3, 4, (n, f)).astype(float) if seed % 2 else np.round(rng.normal(size=(n, f)), 1)
    owner = rng.integers(0, p, n)
    parts = [SortedRows(x[owner == i]) for i in range(p)]  # (some may hold no row)
    want = x[np.lexsort(x.T[::-1])]
    ranks = rng.integers(0, n, int(rng.integers(1, 300)))
    for sample, batch in ((1024, 1_000_000), (4, 7), (2, 1)):
        got = select_rows(wire(parts), ranks, f, sample=sample, batch=batch)
        assert np.array_equal(got, want[ranks])
    with pytest.raises(ValueError, match="beyond the rows"):
        select_rows(wire(parts), np.array([n]), f)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 101, 1_000])
def test_the_scalings_order_statistics_are_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for _ in range(50):
        x = np.round(rng.exponential(3.0, n), int(rng.integers(0, 4)))
        s = np.sort(x)
        at = {r: s[r] for r in _median_ranks(n) + _percentile_ranks(n, 0.25) + _percentile_ranks(n, 0.75)}
        assert _median_of(n, at) == np.nanmedian(x)
        q1, q3 = np.nanpercentile(x, [25, 75])
        assert (_percentile_of(n, 0.25, at), _percentile_of(n, 0.75, at)) == (q1, q3)


def _features(seed: int) -> pd.DataFrame:
    """Customer features with ties (an interquartile range of 0), missing values and a constant feature."""
    rng = np.random.default_rng(seed)
    n = 3_000
    f = pd.DataFrame({"recency": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 400, n).astype(float)),
                      "frequency": rng.poisson(0.3, n) + 1,
                      "monetary": np.round(rng.gamma(2.0, 40.0, n), 0),
                      "contact_rate": np.where(rng.random(n) < 0.8, 0.0, rng.exponential(1.0, n)),
                      "bad_share": np.where(rng.random(n) < 0.5, np.nan, rng.integers(0, 3, n) / 2),
                      "mean_csat": 4.0},
                     index=pd.Index([f"c{i:05d}" for i in range(n)], name="customer"))
    return f[[c for c in FEATURES if c in f.columns]]


def _parts(f: pd.DataFrame, k: int) -> list[FeatureRows]:
    pos = split_positions(part_numbers(pd.Series(f.index.to_numpy()), k), k)
    return [FeatureRows(f.iloc[p] if len(p) else None) for p in pos]


def _same_clusters(got, whole) -> None:
    assert got.labels is None and got.features is None
    assert (got.k, got.used, got.dropped, got.notes) == (whole.k, whole.used, whole.dropped, whole.notes)
    assert_frame_equal(got.summary(), whole.summary(), check_exact=True)
    assert_frame_equal(got.k_scores, whole.k_scores, check_exact=False, rtol=1e-12)
    assert_frame_equal(got.scaling, whole.scaling, check_exact=False, rtol=1e-13)
    assert_frame_equal(got.centres, whole.centres, check_exact=False, rtol=1e-11, atol=1e-13)
    assert_frame_equal(got.profile(), whole.profile(), check_exact=False, rtol=1e-11, atol=1e-13)
    assert got.n_customers == whole.n_customers == len(whole.labels)


@pytest.mark.parametrize("options", [{}, {"scaling": "zscore"}, {"k": 3}, {"k": 1},
                                     {"fit_sample": 400, "silhouette_sample": 150, "seed": 4}])
@pytest.mark.parametrize("k_parts", [1, 3, 7])
def test_clusters_asked_of_their_parts_are_the_whole_tables(options, k_parts):
    f = _features(k_parts)
    whole = cluster_customers(f, **options)
    assert "mean_csat" in whole.dropped and any("imputed" in n for n in whole.notes)
    _same_clusters(clusters_from_parts(wire(_parts(f, k_parts)), **options), whole)


@pytest.mark.parametrize("seed", range(3))
def test_clusters_of_simulated_customers_parts_equal_the_whole(seed):
    from csanalysis.estimators.avoidance import simulate_avoidance_scenario

    exp, act, _ = simulate_avoidance_scenario(500 + 200 * seed, seed=seed)
    act = act.assign(amount=np.random.default_rng(seed).gamma(2.0, 30.0, len(act)), currency="EUR")
    f = customer_features(act, exp)
    whole = cluster_customers(act, exp, seed=seed)
    _same_clusters(clusters_from_parts(wire(_parts(f, 4)), seed=seed), whole)


def test_one_value_for_everyone_is_one_cluster_from_the_parts_too():
    f = pd.DataFrame({"frequency": [2] * 9, "monetary": [5.0] * 9},
                     index=pd.Index([f"c{i}" for i in range(9)], name="customer"))
    whole = cluster_customers(f)
    assert whole.k == 1
    _same_clusters(clusters_from_parts(wire(_parts(f, 3))), whole)
    with pytest.raises(ValueError, match="no customers to cluster"):
        clusters_from_parts(wire([FeatureRows(None), FeatureRows(None)]))


def test_no_round_sends_a_row_per_customer():
    # 40,000 customers in 2 parts: counts of ranges, a few sampled keys, the sample's rows; nothing as long as a
    # part's rows
    f = pd.concat([_features(9 + i).set_axis(_features(0).index + f"-{i}") for i in range(14)]).iloc[:40_000]
    each = wire(_parts(f, 2))
    got = clusters_from_parts(each, fit_sample=60, silhouette_sample=40, sample=64, fetch=64)
    _same_clusters(got, cluster_customers(f, fit_sample=60, silhouette_sample=40))
    largest = {}
    for method, answers in each.answers:
        for a in answers:
            items = a.values() if isinstance(a, dict) else a if isinstance(a, list) else [a]
            sizes = [np.asarray(v).size for v in items if isinstance(v, np.ndarray)]
            largest[method] = max([largest.get(method, 0), *sizes])
    assert set(largest) >= {"at_most", "between", "row_sample", "row_counts", "rows_between", "assign"}
    assert max(largest.values()) < len(f) / 2 / 2, largest
