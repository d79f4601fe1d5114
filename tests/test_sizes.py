"""The size Dask gives the package's objects (issue 13, item 5): ``sys.getsizeof``, which Dask uses for objects it
does not know, counts the arrays and tables a partition's state or a result holds, so that a worker spills them
to disk as it spills a table (a state counted about 50 bytes before, and the 5M run lost both workers)."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from csanalysis.stats.arrays import HoldsArrays, deep_nbytes


def test_deep_nbytes_counts_arrays_tables_and_nested_objects_once():
    a = np.zeros(1000)
    frame = pd.DataFrame({"x": np.arange(100, dtype=np.int64), "s": pd.Series(["ab"] * 100, dtype=object)})
    text = pd.DataFrame({"s": pd.array(["ab"] * 100, dtype="str")})
    holder = type("Holder", (), {"__module__": "csanalysis.test"})()
    holder.a, holder.again = a, a  # (one array counted once)
    assert deep_nbytes(holder) == 8000
    assert deep_nbytes({"f": frame}) >= 800 + 100 * 8 + 100 * 56  # (object column: a pointer and a string each)
    assert 200 <= deep_nbytes(text) < 100 * 64  # (Arrow-backed text: its buffers)
    assert deep_nbytes([np.zeros(3, dtype=np.int8), (np.zeros(2),)]) == 3 + 16
    assert deep_nbytes("text") == deep_nbytes(3) == 0
    outside = type("Outside", (), {})()  # (a foreign object is not walked)
    outside.a = a
    assert deep_nbytes(outside) == 0


def test_states_and_results_count_what_they_hold():
    from csanalysis.estimators.avoidance import AvoidancePart, avoidance, avoidance_part, simulate_avoidance_scenario
    from csanalysis.segments.journeys import journey_part

    exp, act, _ = simulate_avoidance_scenario(3000, seed=1)
    as_of = act["at"].max()
    rows = avoidance_part(exp, act, as_of=as_of)
    state = AvoidancePart(rows)
    assert sys.getsizeof(rows) > rows.p_ns.nbytes + rows.p_codes.nbytes
    assert sys.getsizeof(state) > state.ep.pur.at.nbytes + state.ep.pur.key.nbytes + rows.b_t.nbytes
    jp = journey_part(exp, act, as_of=as_of)
    assert sys.getsizeof(jp) > jp.purchases["at"].to_numpy().nbytes
    res = avoidance(exp, act, n_resamples=20)
    assert sys.getsizeof(res) > res.episodes["duration_days"].to_numpy().nbytes
    assert sys.getsizeof(res.without_rows()) < sys.getsizeof(res)


def test_dask_sizes_them_so():
    sizeof = pytest.importorskip("dask.sizeof").sizeof

    class Rows(HoldsArrays):
        def __init__(self) -> None:
            self.t = np.zeros(100_000)

    assert sizeof(Rows()) >= 800_000
