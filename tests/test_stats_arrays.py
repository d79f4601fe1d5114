"""``stats.arrays``: ``distinct`` gives the values ``np.unique`` gives, by sorting; ``factorize`` what
``pd.factorize`` gives, quicker on Arrow text in many chunks."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from csanalysis.stats.arrays import distinct, factorize, n_distinct, repeated_pairs, search_sorted


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


def _chunked_text(rng, n_chunks: int, large: bool) -> pa.ChunkedArray:
    chunks = []
    for _ in range(n_chunks):
        m = int(rng.integers(0, 40))
        vals = [None if rng.random() < 0.2 else "" if rng.random() < 0.1
                else f"v{rng.integers(0, 15)}" + ("é" if rng.random() < 0.1 else "") for _ in range(m)]
        chunks.append(pa.array(vals, type=pa.large_string() if large else pa.string()))
    return pa.chunked_array(chunks, type=pa.large_string() if large else pa.string())


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "arrow"])
def test_factorize_equals_pandas_on_chunked_text(dtype, large):
    rng = np.random.default_rng(7 + large)
    fast = 0
    for trial in range(60):
        ca = _chunked_text(rng, int(rng.integers(1, 6)), large)
        arr = pd.arrays.ArrowExtensionArray(ca) if dtype == "arrow" else pd.array(ca, dtype=dtype)
        s = pd.Series(arr, index=rng.permutation(len(ca)), name="x")
        fast += s.array._pa_array.num_chunks > 1
        codes, uniques = factorize(s)
        want_codes, want_uniques = pd.factorize(s)
        assert codes.dtype == want_codes.dtype
        np.testing.assert_array_equal(codes, want_codes)
        pd.testing.assert_index_equal(uniques, want_uniques, exact=True)
    assert fast > 20  # the combined-chunks path was taken


@pytest.mark.parametrize("values", [
    pd.Series([3, 1, 3, None], dtype="Int64"),
    pd.Series(["b", "a", "b"], dtype=object),
    pd.Index(["b", "a", "b"], dtype="str"),
    np.array([2.0, np.nan, 2.0]),
    pd.Series([], dtype="str"),
])
def test_factorize_other_inputs_are_pandas(values):
    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values)
    np.testing.assert_array_equal(codes, want_codes)
    assert type(uniques) is type(want_uniques)
    assert list(uniques) == list(want_uniques) or len(uniques) == len(want_uniques) == 0


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("n", [10, 200_000])
def test_search_sorted_equals_numpy(side, n):
    rng = np.random.default_rng(n)
    a = np.sort(rng.integers(0, 1000, 5000))  # repeats in the haystack: the side matters
    v = rng.integers(-5, 1005, n)  # random order, repeats, values outside the haystack
    got = search_sorted(a, v, side=side)
    np.testing.assert_array_equal(got, np.searchsorted(a, v, side=side))
    assert got.dtype == np.int64
    s = np.sort(v)  # needles already in order take numpy's path
    np.testing.assert_array_equal(search_sorted(a, s, side=side), np.searchsorted(a, s, side=side))


@pytest.mark.parametrize("seed", [0, 1])
def test_repeated_pairs_equals_pandas_duplicated(seed):
    rng = np.random.default_rng(seed)
    n = 5000
    cust = pd.Series(rng.integers(0, 300, n).astype(str), dtype="str")
    order = pd.Series(rng.integers(0, 400, n).astype(str), dtype="str")
    cust[rng.random(n) < 0.03] = np.nan
    order[rng.random(n) < 0.05] = np.nan
    df = pd.DataFrame({"customer": cust, "order_id": order})
    want = (df["order_id"].notna() & df.duplicated(["customer", "order_id"])).to_numpy()
    got = repeated_pairs(factorize(cust)[0], factorize(order)[0])
    np.testing.assert_array_equal(got, want)
    assert want.any()
