"""``stats.arrays.distinct``: the values ``np.unique`` gives, by sorting."""

import numpy as np
import pytest

from csanalysis.stats.arrays import distinct, n_distinct


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.uint64, bool])
@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_distinct_equals_numpy_unique_on_integers(dtype, size):
    rng = np.random.default_rng(size)
    x = rng.integers(0, 50 if size > 2 else 3, size).astype(dtype)
    got = distinct(x)
    want = np.unique(x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert n_distinct(x) == want.size


def test_distinct_extremes_and_negative_values():
    i = np.iinfo(np.int64)
    x = np.array([i.max, i.min, 0, -1, i.max, i.min, -(10**18), 10**18])
    np.testing.assert_array_equal(distinct(x), np.unique(x))


def test_distinct_flattens_like_numpy():
    x = np.array([[3, 1], [1, 2]])
    np.testing.assert_array_equal(distinct(x), [1, 2, 3])


@pytest.mark.parametrize("x", [
    np.array([1.5, np.nan, 0.5, np.nan, 1.5]),  # NaN collapsed, as np.unique does
    np.array(["b", "a", "b"], dtype=object),
    np.array(["2024-01-02", "NaT", "2024-01-01", "NaT"], dtype="datetime64[ns]"),
])
def test_other_dtypes_are_numpy_unique(x):
    got, want = distinct(x), np.unique(x)
    assert got.dtype == want.dtype and got.size == want.size
    assert n_distinct(x) == want.size
    np.testing.assert_array_equal(got, want)


def test_distinct_does_not_modify_its_input():
    x = np.array([3, 1, 2])
    distinct(x)
    assert x.tolist() == [3, 1, 2]
