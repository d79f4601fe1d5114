"""Property-based tests: damaged copies of real exports never crash a reader, and every row is accounted for.

The mutations (duplicated rows and columns, header rows added or dropped,
garbage and out-of-range dates, infinite and absurd numbers, ragged rows, stray
quotes, bare CRs, NUL bytes, blank lines, truncation, Excel's ``sep=`` line,
other delimiters, quoting and encodings; for JSON: non-object entries, garbage
values, duplicates) are those of ``benchmarks/fuzz_readers.py``, drawn here by
hypothesis so that a failure shrinks to a small damage. Example counts are
modest (CI); ``CSANALYSIS_FUZZ_EXAMPLES`` raises them, and the script runs
thousands of files per reader.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from fuzzing import HypothesisChooser, fuzz
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from csanalysis.errors import CsanalysisError
from csanalysis.io._dates import parse_timestamps
from csanalysis.io._numbers import implausible_numbers, parse_numbers, parse_numbers_strict
from csanalysis.io._text import _parse

EXAMPLES = int(os.environ.get("CSANALYSIS_FUZZ_EXAMPLES", "10"))
CI = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAST = settings(max_examples=max(40, 4 * EXAMPLES), deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

SEEDS = fuzz.all_seeds()


def _check_reader(reader: str, data) -> None:
    seed = data.draw(st.sampled_from(SEEDS[reader]), label="seed")
    case = fuzz.generate(seed, HypothesisChooser(data), [0])
    note(f"seed {seed.path.name}, mutations {case.mutations}")
    with tempfile.TemporaryDirectory() as tmp:
        out = fuzz.check(case, Path(tmp))
    assert out.status != "raised", out.detail
    assert "accounting" not in out.problems, out.detail
    assert "lost" not in out.problems, (case.records, out.problems)


@CI
@given(data=st.data())
def test_tickets_survive_damaged_exports(data):
    _check_reader("tickets", data)


@CI
@given(data=st.data())
def test_surveys_survive_damaged_exports(data):
    _check_reader("surveys", data)


@CI
@given(data=st.data())
def test_activity_survives_damaged_exports(data):
    _check_reader("activity", data)


@CI
@given(data=st.data())
def test_customers_survive_damaged_exports(data):
    _check_reader("customers", data)


# ----------------------------------------------------------------------------- the parsing core, fast
_CELL = st.text(alphabet=st.sampled_from(list('ab1 ,;"\n\r\t\x00é')), max_size=8)


@FAST
@given(rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=12),
       damage=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(['"', "\r", "\n", "\x00", ","])), max_size=4))
def test_parser_counts_every_record(rows, damage):
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["h1", "h2", "h3"], *rows])
    text = buf.getvalue().replace("\x00", "").replace("\r", "")
    for pos, ch in damage:
        p = pos % (len(text) + 1)
        text = text[:p] + ch + text[p:]
    text = text.replace("\r\n", "\n").replace("\r", " ").replace("\x00", "")
    try:
        cells, numbers, bad, notes = _parse("x.csv", text, ",")
    except CsanalysisError:
        return
    # records are numbered once each, in order, without gaps
    counted = np.sort(np.concatenate([numbers, bad["row"].to_numpy()]))
    assert counted.tolist() == list(range(1, len(counted) + 1))
    assert len(cells) == len(numbers)
    if not damage:  # a clean file: exactly its records, quoted line breaks and all
        assert len(counted) == len(rows) + 1 and bad.empty


@FAST
@given(values=st.lists(st.one_of(st.sampled_from(fuzz.BAD_DATES + ["2024-03-05 10:00", "05/03/2024", "19970101",
                                                                    "2018/04/09 2:30:02 PM MDT", ""]),
                                  st.text(max_size=12)), min_size=1, max_size=20))
def test_timestamps_never_raise_a_raw_error(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p = parse_timestamps(pd.Series(values, dtype="str"), column="c", dayfirst=True)
        except CsanalysisError:
            return
    assert len(p.values) == len(values)
    ok = p.values.dropna()
    assert ((ok >= pd.Timestamp("1900-01-01", tz="UTC")) & (ok < pd.Timestamp("2100-01-01", tz="UTC"))).all()
    assert not (p.invalid & p.values.notna().to_numpy()).any()


@FAST
@given(values=st.lists(st.one_of(st.sampled_from(fuzz.BAD_NUMBERS), st.text(max_size=10),
                                  st.floats(allow_nan=True, allow_infinity=True).map(str)), min_size=1, max_size=20))
def test_numbers_are_finite_or_invalid(values):
    s = pd.Series(values, dtype="str")
    for parse in (parse_numbers, parse_numbers_strict):
        x, bad, _ = parse(s)
        v = x.to_numpy(dtype="float64", na_value=np.nan)
        assert np.isfinite(v[~np.isnan(v)]).all() and (np.abs(v[~np.isnan(v)]) <= 1e15).all()
        assert len(bad) == len(values)
    assert len(implausible_numbers(s)) == len(values)
