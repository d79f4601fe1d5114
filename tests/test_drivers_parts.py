"""The key drivers from partitions of the rows (issue 13, item 5; the design's 2.10, second level): every
partition answers the fit's rounds with sums, counts and order statistics' counts over its own rows
(:class:`csanalysis.estimators.drivers.DriversPart`), and :func:`key_drivers_from_parts` gives the whole
data's :func:`key_drivers` (the tables, fits and notes), whatever the partition: continuous and 0/1 outcomes,
missing values, rows without a customer (their units named by their rank in the whole data), no customer
column, thresholds, a driver left out, the noise driver (each row's draw at its rank among every
partition's complete rows), ties at the terciles' edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.estimators.drivers import (
    DriversPart,
    _noise_at,
    key_drivers,
    key_drivers_from_parts,
)
from csanalysis.stats.clustered import as_units
from csanalysis.stats.selection import position_bits, ranks_among

OUTCOMES = ["y", "yb"]
DRIVERS = ["a", "b", "c", "d"]


def _world(seed: int, n: int = 1_500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, 400, n).astype(object)
    cust[rng.random(n) < 0.03] = None  # rows without a customer: each its own unit
    a = rng.gamma(2, 60, n)
    b = 0.5 * a + rng.gamma(2, 100, n)
    c = np.round(rng.normal(3, 1, n))  # few distinct values: ties at the terciles' edges
    d = (rng.random(n) < 0.3).astype(float)
    a[rng.random(n) < 0.05] = np.nan
    y = 3 - 0.004 * np.nan_to_num(a) + 0.2 * c + 0.3 * d + rng.normal(0, 1, n)
    yb = (y < 2.5).astype(float)
    yb[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"cust": cust, "y": y, "yb": yb, "a": a, "b": b, "c": -c, "d": d})


def _parts(t: pd.DataFrame, k: int, customer: str | None, seed: int) -> list[DriversPart]:
    rng = np.random.default_rng(100 + seed)
    if customer is None:  # rows anywhere
        side = rng.integers(0, k, len(t))
    else:  # a customer's rows in one partition, rows without one anywhere
        codes = pd.factorize(t[customer])[0]
        side = np.where(codes >= 0, rng.permutation(max(codes.max() + 1, k))[np.maximum(codes, 0)] % k,
                        rng.integers(0, k, len(t)))
    return [DriversPart(t[side == i], OUTCOMES, DRIVERS, customer, rows=np.flatnonzero(side == i)) for i in range(k)]


def _asker(parts: list[DriversPart]):
    """``each`` of parts in this process: every part's answer to a round."""
    return lambda method, **kw: [getattr(p, method)(**kw) for p in parts]


def _assert_same(want, got, rtol: float = 1e-9) -> None:
    for frame_w, frame_g in ((want.table, got.table), (want.fit, got.fit)):
        pd.testing.assert_frame_equal(frame_w, frame_g, check_exact=False, rtol=rtol, atol=1e-12)
    assert want.notes == got.notes
    assert want.method == got.method


@pytest.mark.parametrize("case", [
    {"customer": "cust"},
    {"customer": None},
    {"customer": "cust", "thresholds": {"b": (300.0, 100.0)}, "exclude": {"yb": ["c"]}},
    {"customer": "cust", "higher_is_worse": ["a", "b"], "versus_noise": False},
])
def test_the_fit_from_partitions_is_the_whole_datas(case):
    for seed in range(3):
        t = _world(seed)
        kw = {"n_resamples": 30, "seed": seed, **case}
        want = key_drivers(t, OUTCOMES, DRIVERS, **kw)
        for k in (1, 2, 3, 6):
            _assert_same(want, key_drivers_from_parts(_asker(_parts(t, k, kw["customer"], seed)), OUTCOMES, DRIVERS,
                                                      **kw))


def test_the_partitions_order_of_rows_does_not_matter():
    # a partition's rows need not be in the data's order: their numbers place them
    t = _world(4)
    kw = {"customer": "cust", "n_resamples": 30, "seed": 4}
    want = key_drivers(t, OUTCOMES, DRIVERS, **kw)
    rng = np.random.default_rng(0)
    side = pd.factorize(t["cust"])[0] % 3
    parts = []
    for i in range(3):
        at = rng.permutation(np.flatnonzero(side == i))
        parts.append(DriversPart(t.iloc[at], OUTCOMES, DRIVERS, "cust", rows=at))
    _assert_same(want, key_drivers_from_parts(_asker(parts), OUTCOMES, DRIVERS, **kw))


def test_a_partition_without_rows_answers_every_round():
    t = _world(5)
    kw = {"customer": "cust", "n_resamples": 20, "seed": 5}
    parts = [DriversPart(t.iloc[:0], OUTCOMES, DRIVERS, "cust", rows=np.array([], dtype=np.int64)),
             DriversPart(t, OUTCOMES, DRIVERS, "cust")]
    _assert_same(key_drivers(t, OUTCOMES, DRIVERS, **kw),
                 key_drivers_from_parts(_asker(parts), OUTCOMES, DRIVERS, **kw))


def test_errors_from_partitions_are_the_whole_datas():
    t = _world(6)
    t["flat"] = 2.0
    half = np.arange(len(t)) % 2
    for drivers, match in ((["a", "flat"], "'flat' is constant .*every value is 2"),):
        with pytest.raises(ValueError, match=match):
            key_drivers(t, ["y"], drivers, customer="cust", n_resamples=10)
        parts = [DriversPart(t[half == i], ["y"], drivers, "cust", rows=np.flatnonzero(half == i)) for i in (0, 1)]
        with pytest.raises(ValueError, match=match):
            key_drivers_from_parts(_asker(parts), ["y"], drivers, customer="cust", n_resamples=10)


@pytest.mark.parametrize("step", [1, 7, 1000, 1 << 20])
def test_the_noise_drawn_in_steps_is_the_seeded_stream(step):
    # numpy's generator gives the same normals whatever the chunks the stream is drawn in: each partition draws
    # up to its largest rank and keeps its rows' draws (fails if a generator's chunks were not one stream)
    rng = np.random.default_rng(1)
    whole = np.random.default_rng(42).standard_normal(5_000)
    ranks = rng.permutation(5_000)[:1_234]
    np.testing.assert_array_equal(_noise_at(42, ranks, step=step), whole[ranks])


def test_ranks_among_partitions_bits():
    rng = np.random.default_rng(2)
    for _ in range(50):
        n = int(rng.integers(1, 300))
        side = rng.integers(0, 4, n)
        keep = rng.random(n) < 0.7
        bits = np.bitwise_or.reduce([position_bits(np.flatnonzero(keep & (side == i)), n) for i in range(4)])
        for i in range(4):
            mine = np.flatnonzero(keep & (side == i))
            want = np.searchsorted(np.flatnonzero(keep), mine)
            order = rng.permutation(len(mine))  # (in any order)
            np.testing.assert_array_equal(ranks_among(bits, mine[order]), want[order])
    with pytest.raises(ValueError, match="positions must lie"):
        position_bits(np.array([5]), 5)


def test_units_of_rows_without_an_identifier_are_named_by_their_number():
    u = as_units(pd.Series(["x", None, "y", None]), rows=np.array([10, 11, 12, 13]))
    assert u.ids.tolist() == ["x", "y", "\x00row:11", "\x00row:13"]
    assert as_units(None, n=2, rows=np.array([5, 9])).ids.tolist() == ["\x00row:5", "\x00row:9"]
