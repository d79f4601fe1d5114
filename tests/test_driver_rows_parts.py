"""The key drivers' rows per partition of customers (issue 13, item 5; the design's 2.10): each partition's
tickets and the answers placed with them give their own rows (numbers and sampling units:
:func:`csanalysis.analysis.driver_rows`), stacked in the tickets' order they are the whole table's rows, and the
drivers fitted on them are the whole table's.

Random linked tables with accounts on some tickets, tickets without a customer, agent-initiated tickets,
answers about other customers' tickets and about no ticket, repeat contacts and channel switches, and
no-purchase values; split into 1, 2, 3 and 6 parts by the partitioner the Dask engine uses, with the analysis's
sampling unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.analysis import (
    _driver_data,
    _drivers,
    _drivers_of_parts,
    _drivers_of_rows,
    _filled_customer_columns,
    _stacked_driver_rows,
    driver_rows,
)
from csanalysis.estimators.metrics import customer_column
from csanalysis.experiences import BadExperienceRule
from csanalysis.link import link_customers
from csanalysis.partition import split_customers


def _world(rng: np.random.Generator, n: int, m: int):
    start = pd.Timestamp("2024-01-01", tz="UTC")
    cust = rng.integers(0, max(1, n // 4), n).astype(str).astype(object)
    cust[rng.random(n) < 0.05] = None
    t = pd.DataFrame({
        "ticket_id": np.arange(n).astype(str), "customer_id": cust,
        "created_at": start + pd.to_timedelta(rng.integers(0, 300 * 24, n), unit="h"),
        "channel": rng.choice(["email", "chat", "phone"], n),
        "direction": rng.choice(["customer", "agent", None], n, p=[0.8, 0.1, 0.1]),
        "rating": rng.choice(["good", "bad", None], n, p=[0.4, 0.2, 0.4]),
        "reopens": rng.integers(0, 4, n).astype(float),
        "first_reply_minutes": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(60, n)),
        "resolution_minutes": rng.exponential(600, n), "sla_breached": rng.random(n) < 0.3,
        "account_id": np.where(rng.random(n) < 0.4, rng.choice([f"A{i}" for i in range(25)], n), None)})
    t["rating_score"] = np.where(t["rating"].eq("bad"), 0.0, np.where(t["rating"].eq("good"), 1.0, np.nan))
    r = pd.DataFrame({
        "response_id": np.arange(m).astype(str),
        "ticket_id": np.where(rng.random(m) < 0.85, rng.integers(0, n, m).astype(str), None),
        "customer_id": rng.integers(0, max(1, n // 4), m).astype(str),
        "responded_at": start + pd.to_timedelta(rng.integers(0, 320 * 24, m), unit="h"),
        "csat": rng.integers(1, 6, m).astype(float), "nps": rng.integers(0, 11, m).astype(float)})
    linked = link_customers(tickets=t, responses=r)
    tk = linked.tickets
    lost = pd.Series(np.where(rng.random(n) < 0.5, rng.integers(0, 2, n), np.nan),
                     index=pd.Index(tk["ticket_id"].astype(str), name="ticket_id"))
    return linked, lost.dropna()


def _stacked(linked, lost, k, unit, rule):
    parts = split_customers(linked, k, unit=unit)
    col = customer_column(_filled_customer_columns(p.tickets) for p in parts)
    done = [(driver_rows(p.tickets, rule, unit, responses=p.responses, lost=lost, customer=col), None, 0.0)
            for p in parts[::-1]]  # in any order
    return done


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("unit", ["customer", "account_id", None])
def test_rows_of_parts_stacked_are_the_whole_tables(seed, unit):
    rng = np.random.default_rng(seed)
    linked, lost = _world(rng, 1500, 700)
    rule = BadExperienceRule(reopens_at_least=3)
    whole = driver_rows(linked.tickets, rule, unit, responses=linked.responses, lost=lost)
    assert whole["rated"].sum() > 100 and whole["lost"].notna().sum() > 100 and whole["csat"].notna().sum() > 100
    for k in (1, 2, 3, 6):
        done = _stacked(linked, lost, k, unit, rule)
        rows = pd.concat([v.drop(columns="unit", errors="ignore") for v, _, _ in done]).sort_index(kind="stable")
        pd.testing.assert_frame_equal(rows, whole.drop(columns="unit", errors="ignore"), check_like=False)
        if unit is not None:  # the same sampling unit for every row
            units = pd.concat([v["unit"].astype(str) for v, _, _ in done]).sort_index(kind="stable")
            assert units.tolist() == whole["unit"].astype(str).tolist()
        kw = {"n_resamples": 40, "seed": seed, "confidence": 0.9}
        a = _drivers_of_rows(whole, rule, unit, **kw)
        b = _drivers_of_parts(_stacked_driver_rows(done, rule), **kw)
        pd.testing.assert_frame_equal(b.table, a.table, check_exact=False, rtol=1e-9, atol=1e-9)
        pd.testing.assert_frame_equal(b.fit, a.fit, check_exact=False, rtol=1e-9, atol=1e-9)
        assert b.notes == a.notes and b.method == a.method


def test_the_whole_table_stage_is_its_rows_fitted():
    linked, lost = _world(np.random.default_rng(5), 1200, 600)
    rule = BadExperienceRule()
    kw = {"n_resamples": 30, "seed": 2, "confidence": 0.95}
    got = _drivers(linked.tickets, rule, "customer", responses=linked.responses,
                   lost_parts=[(lost.iloc[:300], None, 0.0), (lost.iloc[300:], None, 0.0)], **kw)
    want = _drivers_of_rows(driver_rows(linked.tickets, rule, "customer", responses=linked.responses, lost=lost),
                            rule, "customer", **kw)
    pd.testing.assert_frame_equal(got.table, want.table)
    assert "no_purchase_2y" in set(got.table["outcome"])


def test_a_part_that_fails_stops_the_stage_with_its_note():
    from csanalysis.analysis import _driver_rows_part

    linked, _ = _world(np.random.default_rng(6), 400, 100)
    value, note, _ = _driver_rows_part(linked.tickets, linked.responses, (None, "no purchases to follow", 0.0),
                                       rule=BadExperienceRule(), unit="customer", customer="customer")
    assert value is None and note == "no purchases to follow"
    stacked = _stacked_driver_rows([(value, note, 0.0), (None, None, 1.5)], BadExperienceRule())
    assert stacked == (None, "no purchases to follow", 1.5)
    with pytest.raises(ValueError, match="no purchases to follow"):
        _drivers_of_parts(stacked, n_resamples=10, seed=0, confidence=0.9)


def test_rows_without_enough_drivers_give_the_whole_tables_note():
    linked, lost = _world(np.random.default_rng(7), 600, 300)
    rule = BadExperienceRule()
    tickets = linked.tickets.drop(columns=["first_reply_minutes", "resolution_minutes", "reopens", "sla_breached",
                                          "channel"])  # the repeat contacts alone are left
    whole = driver_rows(tickets, rule, "customer", responses=linked.responses, lost=lost)
    with pytest.raises(ValueError) as want:
        _drivers_of_rows(whole, rule, "customer", n_resamples=10, seed=0, confidence=0.9)
    done = [(whole.iloc[: len(whole) // 2], None, 0.5), (whole.iloc[len(whole) // 2:], None, 0.25)]
    fit, note, seconds = _stacked_driver_rows(done, rule)
    assert fit is None and note == str(want.value) and seconds >= 0.75
    with pytest.raises(ValueError, match="two operational measures"):
        _drivers_of_parts((fit, note, seconds), n_resamples=10, seed=0, confidence=0.9)


def test_stacking_the_parts_holds_no_sorted_copy_of_the_rows():
    # the parts' rows are read in the tickets' order through a sort of the index, not a sorted copy of every
    # row and then a copy of the kept ones (at 5M customers the stacking task, over every ticket, lost a
    # 4.5 GB worker): about 400 -> 280 bytes a row above the parts
    import tracemalloc

    from csanalysis.analysis import DRIVERS

    n = 200_000
    rng = np.random.default_rng(0)
    cols = {"rated": rng.random(n) < 0.6, "bad": (rng.random(n) < 0.2).astype(float), "rating_score": rng.random(n),
            "csat": np.where(rng.random(n) < 0.3, rng.integers(1, 6, n).astype(float), np.nan),
            "nps": np.where(rng.random(n) < 0.3, rng.integers(0, 11, n).astype(float), np.nan),
            "lost": np.where(rng.random(n) < 0.5, (rng.random(n) < 0.3).astype(float), np.nan)}
    for c in list(DRIVERS)[:6]:
        cols[c] = rng.exponential(10, n)
    cols["unit"] = pd.Categorical(np.char.add("u", rng.integers(0, n // 3, n).astype(str)).astype(object))
    df = pd.DataFrame(cols, index=rng.permutation(n))
    done = [(df.iloc[i::4], None, 0.0) for i in range(4)]
    want = _driver_data(df.sort_index(), BadExperienceRule())
    del df
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fit, note, _ = _stacked_driver_rows(done, BadExperienceRule())
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert note is None
    pd.testing.assert_frame_equal(fit["data"], want["data"])
    assert peak / n < 330, f"{peak / n:.0f} bytes per row"
