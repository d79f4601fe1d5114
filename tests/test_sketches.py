"""Distinct-value sketches (csanalysis.stats.sketches): the sketch of a union is the parts' merged, and the
estimate is within the margin the block reads decide by."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from csanalysis.stats.sketches import SKETCH_MARGIN, distinct_sketch, sketch_estimate


def _values(n: int, seed: int) -> np.ndarray:
    return np.char.add(f"{seed}-", np.arange(n).astype(str)).astype(object)


def test_the_sketch_of_a_union_is_the_parts_sketches_merged():
    v = _values(30_000, 1)
    a, b = distinct_sketch(v[:20_000]), distinct_sketch(pa.array(v[12_000:]))
    np.testing.assert_array_equal(np.maximum(a, b), distinct_sketch(pd.Series(v)))
    np.testing.assert_array_equal(distinct_sketch(np.r_[v, v]), distinct_sketch(v))  # repeats count once


@pytest.mark.parametrize("n", [0, 1, 7, 500, 20_000, 200_000])
def test_the_estimate_is_within_the_margin(n):
    for seed in range(3):
        est = sketch_estimate(distinct_sketch(_values(n, seed)))
        assert abs(est - n) <= SKETCH_MARGIN * n + 0.5, (n, seed, est)


def test_missing_values_are_not_counted():
    v = np.array(["a", None, "b", np.nan, "a"], dtype=object)
    assert round(sketch_estimate(distinct_sketch(v))) == 2
    assert round(sketch_estimate(distinct_sketch(pa.array(["a", None, "b"])))) == 2
