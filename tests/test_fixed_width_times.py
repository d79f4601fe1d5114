"""Fixed-width ISO timestamps read from the Arrow bytes (``io._dates._fixed_width_bytes``) give exactly what
the text route gives, and any column the byte route cannot read safely takes the text route."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.io import _dates


def _text_route(s: pd.Series, monkeypatch) -> tuple[pd.Series, pd.Series] | None:
    with monkeypatch.context() as m:
        m.setattr(_dates, "_fixed_width_bytes", lambda s: None)
        return _dates._fixed_width_iso(s)


def _random_times(rng, n: int, offset: bool) -> pd.Series:
    seconds = rng.integers(-2_000_000_000, 4_000_000_000, n)  # 1906 to 2096
    t = pd.Series(pd.to_datetime(seconds, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S")
    t = t.where(rng.random(n) < 0.7, t.str.slice(0, 10) + "T" + t.str.slice(11))
    if offset:
        hh = pd.Series(rng.integers(0, 15, n)).map("{:02d}".format)
        mm = pd.Series(rng.choice([0, 30, 45], n)).map("{:02d}".format)
        t = t + pd.Series(rng.choice([" +", " -"], n)) + hh + mm
    return pd.Series(t.to_numpy(), index=rng.permutation(n) + 10, name="Created at", dtype="str")


def _assert_same(got, want):
    assert got is not None and want is not None
    pd.testing.assert_series_equal(got[0], want[0], check_exact=True)
    pd.testing.assert_series_equal(got[1], want[1], check_exact=True)
    assert np.array_equal(np.signbit(got[1].to_numpy()), np.signbit(want[1].to_numpy()))


@pytest.mark.parametrize("tile", [1 << 18, 1000, 7])
@pytest.mark.parametrize("offset", [False, True])
def test_byte_route_equals_text_route_on_valid_times(offset, tile, monkeypatch):
    monkeypatch.setattr(_dates, "_TIME_TILE", tile)
    rng = np.random.default_rng(31 + offset)
    s = _random_times(rng, 50_000, offset)
    edge = ["2024-02-29 23:59:59", "2023-02-28 00:00:00", "2000-02-29 12:00:00", "1900-02-28 12:00:00",
            "0001-01-01 00:00:00", "9999-12-31 23:59:59", "1970-01-01 00:00:00", "1969-12-31 23:59:59"]
    edge = pd.Series([e + (" -0000" if offset else "") for e in edge], dtype="str")
    s = pd.concat([s, edge])
    assert _dates._fixed_width_bytes(s) is not None
    _assert_same(_dates._fixed_width_iso(s), _text_route(s, monkeypatch))


@pytest.mark.parametrize("bad", [
    "2024-02-30 01:00:00", "2023-02-29 01:00:00", "2024-13-01 01:00:00", "2024-00-10 01:00:00",
    "2024-01-00 01:00:00", "2024-01-02 24:00:00", "2024-01-02 23:60:00", "2024-01-02 03:04:60",
    "0000-01-02 03:04:05", "2024-01-02x03:04:05", "2024/01/02 03:04:05", "2024-01-02 03:04:0a",
    "２024-01-02 03:04:05", "2024-01-02 03:04:05 ", "", None, "2024-01-02 03:04",
])
@pytest.mark.parametrize("offset", [False, True])
def test_any_other_value_takes_the_text_route(bad, offset, monkeypatch):
    monkeypatch.setattr(_dates, "_TIME_TILE", 16)  # the bad value in a later tile
    rng = np.random.default_rng(5)
    s = _random_times(rng, 200, offset)
    if bad is not None and offset and len(bad) == 19:
        bad = bad + " +0100"
    s = pd.concat([s.iloc[:100], pd.Series([bad], dtype="str"), s.iloc[100:]])
    assert _dates._fixed_width_bytes(s) is None
    got, want = _dates._fixed_width_iso(s), _text_route(s, monkeypatch)
    assert (got is None) == (want is None)
    if got is not None:
        _assert_same(got, want)


@pytest.mark.parametrize("tail", [" +01a0", " *0100", "x+0100", " +0100x"])
def test_bad_offsets_take_the_text_route(tail, monkeypatch):
    s = pd.Series(["2024-01-02 03:04:05 +0100", "2024-01-02 03:04:05" + tail], dtype="str")
    assert _dates._fixed_width_bytes(s) is None
    assert _dates._fixed_width_iso(s) is None and _text_route(s, monkeypatch) is None


def test_many_chunks_and_parse_timestamps_unchanged(monkeypatch):
    import pyarrow as pa

    monkeypatch.setattr(_dates, "_TIME_TILE", 300)
    rng = np.random.default_rng(9)
    s = _random_times(rng, 3_000, True)
    chunks = pa.chunked_array([pa.array(s.iloc[i:i + 700].tolist(), type=pa.large_string())
                               for i in range(0, len(s), 700)] + [pa.array([], type=pa.large_string())])
    s2 = pd.Series(pd.array(chunks, dtype="str"), index=s.index, name=s.name)
    assert s2.array._pa_array.num_chunks > 1
    _assert_same(_dates._fixed_width_iso(s2), _text_route(s2, monkeypatch))
    # a slice (its chunk starts inside its buffers) reads the same
    part = s2.iloc[333:2222]
    assert part.array._pa_array.chunk(0).offset > 0
    _assert_same(_dates._fixed_width_iso(part), _text_route(part, monkeypatch))
    # a chunk of other width (no offset) takes the text route, which finds the layouts mixed
    mixed = pa.chunked_array(chunks.chunks + [pa.array(["2024-01-02 03:04:05"], type=pa.large_string())])
    m2 = pd.Series(pd.array(mixed, dtype="str"))
    assert _dates._fixed_width_bytes(m2) is None and _dates._fixed_width_iso(m2) is None
    got = _dates.parse_timestamps(s2, column="Created at", timezone="Europe/Copenhagen")
    with monkeypatch.context() as m:
        m.setattr(_dates, "_fixed_width_bytes", lambda s: None)
        want = _dates.parse_timestamps(s2, column="Created at", timezone="Europe/Copenhagen")
    pd.testing.assert_series_equal(got.values, want.values, check_exact=True)
    assert np.array_equal(got.invalid, want.invalid) and got.notes == want.notes
