"""``map_first``: a lookup by key where a key given twice maps to its first row, as the table route gives it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.lookup import map_by_key, map_first


def _table_route(s, keys, values):
    """The deduplicated table the callers built before (first row per key, rows without a key left out)."""
    df = pd.DataFrame({"ticket_id": keys, "v": values})
    m = df.dropna(subset=["ticket_id"]).drop_duplicates("ticket_id").set_index("ticket_id")["v"]
    return map_by_key(s, m)


@pytest.mark.parametrize("kind", ["str", "float", "category"])
def test_equals_the_table_route(kind):
    rng = np.random.default_rng(3)
    n = 2000
    keys = pd.Series(rng.integers(0, 500, n).astype(str), dtype="str")
    keys[rng.random(n) < 0.05] = np.nan
    raw = rng.integers(0, 7, n)
    values = {"str": pd.Series(raw.astype(str), dtype="str"),
              "float": pd.Series(raw.astype(float)),
              "category": pd.Series(pd.Categorical(raw.astype(str)))}[kind]
    s = pd.Series(rng.integers(0, 600, 800).astype(str), dtype="str", index=np.arange(800) * 3, name="ticket_id")
    s[rng.random(800) < 0.05] = np.nan
    got, want = map_first(s, keys, values), _table_route(s, keys, values)
    pd.testing.assert_series_equal(got, want, check_names=True)
    assert got.notna().any() and got.isna().any()
