"""``purchases_while_open``: a purchase placed while one of its customer's tickets was open.

Checked against the definition, one purchase at a time: a ticket counts when it was created strictly before the
purchase and solved at or after it (created < purchase <= solved); tickets without both times, or solved no later
than created, never count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.experiences import purchases_while_open

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _brute(exp: pd.DataFrame, act: pd.DataFrame) -> np.ndarray:
    out = []
    for c, at in zip(act["customer"], act["at"]):
        if pd.isna(c) or pd.isna(at):
            out.append(False)
            continue
        e = exp[(exp["customer"] == c) & exp["at"].notna() & exp["resolved_at"].notna()
                & (exp["resolved_at"] > exp["at"])]
        out.append(bool(((e["at"] < at) & (e["resolved_at"] >= at)).any()))
    return np.array(out, dtype=bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_the_definition(seed):
    rng = np.random.default_rng(seed)
    n_e, n_a, n_c = 300, 500, 40
    days = lambda n: pd.to_timedelta(rng.integers(0, 60, n), unit="D")  # few distinct days: many ties
    start = T0 + days(n_e)
    exp = pd.DataFrame({
        "customer": pd.Series(rng.integers(0, n_c, n_e).astype(str), dtype="str"),
        "at": start,
        "resolved_at": start + pd.to_timedelta(rng.integers(-3, 15, n_e), unit="D"),  # some solved before created
    })
    exp.loc[rng.random(n_e) < 0.05, "resolved_at"] = pd.NaT
    exp.loc[rng.random(n_e) < 0.05, "customer"] = np.nan
    act = pd.DataFrame({"customer": pd.Series(rng.integers(0, n_c + 5, n_a).astype(str), dtype="str"),
                        "at": T0 + days(n_a)})
    act.loc[rng.random(n_a) < 0.05, "at"] = pd.NaT
    act.loc[rng.random(n_a) < 0.05, "customer"] = np.nan
    got = purchases_while_open(exp, act)
    want = _brute(exp, act)
    assert got.dtype == bool and got.shape == (n_a,)
    np.testing.assert_array_equal(got, want)
    assert want.any() and not want.all()  # the data exercise both answers


def test_boundaries():
    exp = pd.DataFrame({"customer": ["a"], "at": [T0], "resolved_at": [T0 + pd.Timedelta(days=10)]})
    act = pd.DataFrame({"customer": ["a"] * 4 + ["b"],
                        "at": [T0, T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=10),
                               T0 + pd.Timedelta(days=11), T0 + pd.Timedelta(days=1)]})
    # at creation: not open yet; at the solving time: still open; after it, or another customer: no
    assert purchases_while_open(exp, act).tolist() == [False, True, True, False, False]
