"""Linking: the link key chosen from counts made part by part, and the bridge between identifiers as Arrow text."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from csanalysis.link import (
    choose_link_key,
    link_bridge,
    link_customers,
    link_id_parts,
    link_ids,
    link_key_from_counts,
    link_pairs,
    link_table,
    shared_ids,
)


def _table(rng: np.random.Generator, ids: list[str], n: int, missing: float) -> pd.DataFrame:
    cid = rng.choice(np.array(ids, dtype=object), n) if ids else np.full(n, None, dtype=object)
    cid[rng.random(n) < missing] = None
    email = np.array([f"ek_{i}" for i in rng.integers(0, 200, n)], dtype=object)
    email[rng.random(n) < 0.2] = None
    return pd.DataFrame({"customer_id": pd.Series(cid, dtype="str"), "email_key": pd.Series(email, dtype="str")})


def _by_parts(tables: dict[str, pd.DataFrame], n_parts: int, rng: np.random.Generator) -> tuple[str, str]:
    """What the Dask engine does: every piece's ids in parts, the shared ids counted part by part, summed."""
    split = {}
    for name, df in tables.items():
        cuts = np.sort(rng.integers(0, len(df) + 1, int(rng.integers(0, 3))))
        bounds = [0, *cuts.tolist(), len(df)]
        split[name] = [link_id_parts(df.iloc[a:b], n_parts) for a, b in itertools.pairwise(bounds)]
    counted = [shared_ids({n: [s[2][j] for s in pieces] for n, pieces in split.items()}) for j in range(n_parts)]
    counts = {n: (sum(s[0] for s in p), sum(s[1] for s in p), sum(c[0][n] for c in counted))
              for n, p in split.items()}
    return link_key_from_counts(counts, {pair: sum(c[1][pair] for c in counted) for pair in counted[0][1]})


@pytest.mark.parametrize("overlap", [0, 6, 10, 80])
def test_the_key_chosen_from_counts_by_part_is_the_key_chosen_from_the_ids(overlap):
    # the tables share `overlap` of 200 ids (0%, 3% and 5% of the smaller table's sit on either side of the
    # threshold); a table without ids; a single table: the same key and reason (its percentage too) from the
    # counts summed over any number of parts as from the tables' id sets
    rng = np.random.default_rng(overlap)
    a_ids = [f"A{i}" for i in range(200)]
    b_ids = a_ids[:overlap] + [f"B{i}" for i in range(200 - overlap)]
    worlds = [{"tickets": _table(rng, a_ids, 600, 0.1), "activity": _table(rng, b_ids, 900, 0.05)},
              {"tickets": _table(rng, a_ids, 300, 0.1), "responses": _table(rng, a_ids[:150], 100, 0.5),
               "activity": _table(rng, b_ids, 400, 0.0)},
              {"tickets": _table(rng, a_ids, 50, 0.1), "customers": _table(rng, [], 40, 0.0)},
              {"activity": _table(rng, b_ids, 30, 0.9)}]
    reasons = set()
    for tables in worlds:
        want = choose_link_key({n: link_ids(df) for n, df in tables.items()})
        reasons.add(want)
        for m in (1, 2, 5):
            assert _by_parts(tables, m, rng) == want, (list(tables), m)
    assert len(reasons) >= 3


def test_the_bridge_is_arrow_text_and_links_as_a_mapping_does():
    rng = np.random.default_rng(1)
    t = _table(rng, [f"A{i}" for i in range(100)], 400, 0.3)
    a = _table(rng, [f"A{i}" for i in range(120)], 300, 0.5)
    bridge = link_bridge([link_pairs(t, "customer_id"), link_pairs(a, "customer_id")], "customer_id")
    assert isinstance(bridge.dtype, pd.StringDtype) and isinstance(bridge.index.dtype, pd.StringDtype)
    assert bridge.index.is_unique
    # what the bridge did as a Python mapping: first seen wins, rows with their own id keep it
    first = pd.concat([t, a]).dropna().drop_duplicates("email_key")
    mapping = dict(zip(first["email_key"], first["customer_id"]))
    got = link_table(a, "customer_id", bridge)["customer"]
    want = [c if isinstance(c, str) else mapping.get(e) if isinstance(e, str) else None
            for c, e in zip(a["customer_id"], a["email_key"])]
    assert [x if isinstance(x, str) else None for x in got] == want
    assert got.isna().sum() < a["customer_id"].isna().sum()  # (the bridge did link rows)
    # the public function links the same
    linked = link_customers(tickets=t, activity=a, link_on="customer_id")
    pd.testing.assert_series_equal(linked.activity["customer"], got)


def test_the_bridge_holds_no_python_string_per_identifier():
    # on the Dask engine the bridge is made on the client and sent to every worker: as Python strings it held
    # about 120 bytes an identifier (index and values)
    import tracemalloc

    n = 100_000
    pairs = pd.DataFrame({"email_key": pd.Series(np.char.add("ek_", np.arange(n).astype(str)), dtype="str"),
                          "customer_id": pd.Series(np.char.add("C", np.arange(n).astype(str)), dtype="str")})
    tracemalloc.start()
    try:
        bridge = link_bridge([pairs], "customer_id")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(bridge) == n
    assert peak / n < 40, f"{peak / n:.0f} bytes per identifier"


@pytest.mark.parametrize("key", ["customer_id", "email_key"])
def test_the_bridge_built_part_by_part_links_as_the_whole_bridge(key):
    # the Dask engine builds the bridge part by part of the other identifier (each piece sending its pairs and
    # the identifiers it needs, each part answering every piece): every piece linked as with the whole bridge,
    # the first pair seen in the tables' and pieces' order winning (an e-mail key given two customer ids)
    from csanalysis.link import bridge_lookup, bridge_of_answers, bridge_parts

    rng = np.random.default_rng(3)
    for _ in range(10):
        tables = {"tickets": _table(rng, [f"A{i}" for i in range(80)], 300, 0.3),
                  "responses": _table(rng, [f"A{i}" for i in range(90)], 100, 0.6),
                  "activity": _table(rng, [f"A{i}" for i in range(120)], 400, 0.2)}
        want = link_customers(**tables, link_on=key)
        pieces = []
        for name, df in tables.items():
            cuts = np.sort(rng.integers(0, len(df) + 1, int(rng.integers(0, 3))))
            bounds = [0, *cuts.tolist(), len(df)]
            pieces += [(name, df.iloc[a:b]) for a, b in itertools.pairwise(bounds)]
        for m in (1, 3, 7):
            split = [bridge_parts(p, key, m) for _, p in pieces]
            answers = [bridge_lookup([s[0][j] for s in split], [s[1][j] for s in split], key) for j in range(m)]
            got = {n: [] for n in tables}
            for i, (name, p) in enumerate(pieces):
                got[name].append(link_table(p, key, bridge_of_answers([a[i] for a in answers])))
            for name in tables:
                pd.testing.assert_frame_equal(pd.concat(got[name]), getattr(want, name), obj=f"{name}, {m} parts")
    # (the bridge links rows in these tables: without it some rows would have no customer)
    assert want.activity["customer"].notna().sum() > tables["activity"][key].notna().sum()
