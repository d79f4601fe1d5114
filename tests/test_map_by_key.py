"""``lookup.map_by_key``: ``Series.map`` of text keys, looked up in pyarrow."""

import numpy as np
import pandas as pd
import pytest

from csanalysis.lookup import map_by_key


def _case(rng, n, k, values):
    keys = pd.Index([f"k{i}é" for i in range(k)], dtype="str")
    s = pd.Series(np.array([f"k{i}é" for i in range(k + 5)] + [None], dtype=object)[rng.integers(0, k + 6, n)],
                  dtype="str", index=pd.RangeIndex(7, 7 + n), name="ticket_id")
    return s, pd.Series(values, index=keys, name="account_id")


@pytest.mark.parametrize("kind", ["str", "object", "int", "float", "category"])
def test_same_as_pandas_map(kind):
    rng = np.random.default_rng(3)
    k = 40
    values = {"str": pd.array([f"a{i % 7}" for i in range(k)], dtype="str"),
              "object": np.array([f"a{i}" if i % 5 else None for i in range(k)], dtype=object),
              "int": np.arange(k), "float": np.linspace(0, 1, k),
              "category": pd.Categorical([f"c{i % 3}" for i in range(k)])}[kind]
    s, m = _case(rng, 500, k, values)
    got, want = map_by_key(s, m), s.map(m)
    pd.testing.assert_series_equal(got, want)


def test_other_key_types_are_left_to_pandas():
    s = pd.Series([1, 2, 5])
    m = pd.Series(["x", "y"], index=[1, 2])
    pd.testing.assert_series_equal(map_by_key(s, m), s.map(m))
    s2 = pd.Series(["1", "2"], dtype="str")
    pd.testing.assert_series_equal(map_by_key(s2, m), s2.map(m))  # int keys: no text match, as in pandas


def test_empty_inputs():
    s = pd.Series([], dtype="str")
    m = pd.Series(["x"], index=pd.Index(["a"], dtype="str"))
    assert map_by_key(s, m).empty
    s2 = pd.Series(["a", None], dtype="str")
    empty = pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    assert map_by_key(s2, empty).isna().all()
