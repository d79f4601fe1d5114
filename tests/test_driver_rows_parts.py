"""The key drivers' rows per partition of customers (issue 13, item 5; the design's 2.10): each partition's
tickets and the answers placed with them give their own rows (numbers and sampling units:
:func:`csanalysis.analysis.driver_rows`), which stacked in the tickets' order would be the whole table's rows;
they stay in their partitions (:class:`csanalysis.analysis._DriverRows`), which decide together which outcomes
and drivers are known for enough tickets and then answer the key drivers' rounds
(:func:`csanalysis.analysis._drivers_from_parts`): the drivers are the whole table's.

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
    _driver_rows_part,
    _DriverRows,
    _drivers,
    _drivers_from_parts,
    _filled_customer_columns,
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


def _asker(parts):
    return lambda method, **kw: [getattr(p, method)(**kw) for p in parts]


def _split(linked, lost, k, unit, rule):
    parts = split_customers(linked, k, unit=unit)
    col = customer_column(_filled_customer_columns(p.tickets) for p in parts)
    return parts, col


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("unit", ["customer", "account_id", None])
def test_rows_of_parts_are_the_whole_tables_and_so_are_their_drivers(seed, unit):
    rng = np.random.default_rng(seed)
    linked, lost = _world(rng, 1500, 700)
    rule = BadExperienceRule(reopens_at_least=3)
    whole = driver_rows(linked.tickets, rule, unit, responses=linked.responses, lost=lost)
    assert whole["rated"].sum() > 100 and whole["lost"].notna().sum() > 100 and whole["csat"].notna().sum() > 100
    kw = {"n_resamples": 40, "seed": seed, "confidence": 0.9}
    want = _drivers(linked.tickets, rule, unit, responses=linked.responses, lost_parts=[(lost, None, 0.0)], **kw)
    for k in (1, 2, 3, 6):
        parts, col = _split(linked, lost, k, unit, rule)
        done = [driver_rows(p.tickets, rule, unit, responses=p.responses, lost=lost, customer=col)
                for p in parts[::-1]]  # in any order
        rows = pd.concat([v.drop(columns="unit", errors="ignore") for v in done]).sort_index(kind="stable")
        pd.testing.assert_frame_equal(rows, whole.drop(columns="unit", errors="ignore"), check_like=False)
        if unit is not None:  # the same sampling unit for every row
            units = pd.concat([v["unit"].astype(str) for v in done]).sort_index(kind="stable")
            assert units.tolist() == whole["unit"].astype(str).tolist()
        states = [_driver_rows_part(p.tickets, p.responses, (lost, None, 0.0), rule=rule, unit=unit, customer=col)
                  for p in parts[::-1]]
        got = _drivers_from_parts(_asker(states), rule, **kw)
        pd.testing.assert_frame_equal(got.table, want.table, check_exact=False, rtol=1e-9, atol=1e-9)
        pd.testing.assert_frame_equal(got.fit, want.fit, check_exact=False, rtol=1e-9, atol=1e-9)
        assert got.notes == want.notes and got.method == want.method
        assert all(s.rows is None for s in states)  # the rows went once the fit's frame was made


def test_the_whole_table_stage_reads_the_partitions_no_purchase_values():
    linked, lost = _world(np.random.default_rng(5), 1200, 600)
    rule = BadExperienceRule()
    kw = {"n_resamples": 30, "seed": 2, "confidence": 0.95}
    got = _drivers(linked.tickets, rule, "customer", responses=linked.responses,
                   lost_parts=[(lost.iloc[:300], None, 0.0), (lost.iloc[300:], None, 0.0)], **kw)
    part = _DriverRows(linked.tickets, linked.responses, lost, rule=rule, unit="customer")
    want = _drivers_from_parts(_asker([part]), rule, **kw)
    pd.testing.assert_frame_equal(got.table, want.table)
    assert "no_purchase_2y" in set(got.table["outcome"])


def test_a_part_that_fails_stops_the_stage_with_its_note():
    linked, _ = _world(np.random.default_rng(6), 400, 100)
    with pytest.raises(ValueError, match="no purchases to follow"):
        _driver_rows_part(linked.tickets, linked.responses, (None, "no purchases to follow", 0.0),
                          rule=BadExperienceRule(), unit="customer", customer="customer")


def test_parts_without_enough_drivers_give_the_whole_tables_error():
    linked, lost = _world(np.random.default_rng(7), 600, 300)
    rule = BadExperienceRule()
    tickets = linked.tickets.drop(columns=["first_reply_minutes", "resolution_minutes", "reopens", "sla_breached",
                                          "channel"])  # the repeat contacts alone are left
    kw = {"n_resamples": 10, "seed": 0, "confidence": 0.9}
    with pytest.raises(ValueError) as want:
        _drivers(tickets, rule, "customer", responses=linked.responses, lost_parts=[(lost, None, 0.0)], **kw)
    half = len(tickets) // 2
    parts = [_DriverRows(t, linked.responses, lost, rule=rule, unit="customer", numbered=True)
             for t in (tickets.iloc[:half], tickets.iloc[half:])]
    with pytest.raises(ValueError, match="two operational measures") as got:
        _drivers_from_parts(_asker(parts), rule, **kw)
    assert str(got.value) == str(want.value)


def test_an_outcome_or_driver_a_partition_lacks_is_decided_over_all_parts():
    # a partition without survey answers (or without a driver's values) still fits the outcomes and drivers the
    # others have enough of: the decisions are every partition's counts added up
    linked, lost = _world(np.random.default_rng(8), 1500, 700)
    rule = BadExperienceRule()
    kw = {"n_resamples": 20, "seed": 1, "confidence": 0.9}
    want = _drivers(linked.tickets, rule, "customer", responses=linked.responses, lost_parts=[(lost, None, 0.0)],
                    **kw)
    parts, col = _split(linked, lost, 3, "customer", rule)
    states = [_driver_rows_part(p.tickets, p.responses if i else None, (lost, None, 0.0), rule=rule,
                                unit="customer", customer=col) for i, p in enumerate(parts)]
    got = _drivers_from_parts(_asker(states), rule, **kw)
    assert set(got.fit["outcome"]) == set(want.fit["outcome"]) >= {"csat", "nps", "bad"}
    assert set(got.table["driver"]) == set(want.table["driver"])
