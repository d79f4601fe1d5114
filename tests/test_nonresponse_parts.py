"""Survey non-response per partition of customers (issue 13, item 5; the design's 2.11): the response model's
covariates decided from every partition's counts, order statistics and sums, every Newton step (the data's
fit and the bootstrap's refits) summed over partitions, the bootstrap's sums added up; equal to
:func:`nonresponse_weighted` on the whole table.

Random linked tables with accounts on some tickets, tickets without a customer, agent-initiated and unsolved
tickets, categorical covariates with rare and tied levels, numeric covariates with missing values (in some
partitions only), creation times spanning more than a year (quarters as periods); split into 1, 2, 3 and 6
parts by the partitioner the Dask engine uses, with the analysis's sampling unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.estimators.nonresponse import (
    NonresponsePart,
    nonresponse_from_parts,
    nonresponse_weighted,
)
from csanalysis.link import link_customers
from csanalysis.partition import split_customers


def _world(rng: np.random.Generator, n: int):
    start = pd.Timestamp("2023-01-01", tz="UTC")
    cust = rng.integers(0, max(1, n // 3), n).astype(str).astype(object)
    cust[rng.random(n) < 0.05] = None
    slow = rng.random(n) < 0.4
    t = pd.DataFrame({
        "ticket_id": np.arange(n).astype(str), "customer_id": cust,
        "created_at": start + pd.to_timedelta(rng.integers(0, 500, n), unit="D"),
        "channel": rng.choice(["email", "chat", "phone", None], n, p=[0.4, 0.3, 0.2, 0.1]),
        # ties between equally common levels, levels below MIN_LEVEL and more than MAX_LEVELS levels
        "group": rng.choice([f"g{i}" for i in range(40)], n),
        "priority": rng.choice(["low", "normal", "high"], n),
        "status": rng.choice(["solved", "open", "closed"], n, p=[0.6, 0.1, 0.3]),
        "direction": rng.choice(["customer", "agent", None], n, p=[0.8, 0.1, 0.1]),
        "rating_offered": rng.random(n) < 0.9,
        "reopens": rng.integers(0, 3, n).astype(float),
        "first_reply_minutes": np.where(rng.random(n) < 0.15, np.nan, rng.exponential(60, n).round()),
        "resolution_minutes": np.where(slow, 3000.0, 60.0) * rng.lognormal(0.0, 0.3, n),
        "account_id": np.where(rng.random(n) < 0.4, rng.choice([f"A{i}" for i in range(30)], n), None)})
    rated = rng.random(n) < np.where(slow, 0.2, 0.5)
    t["rating_score"] = np.where(rated, rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], n), np.nan)
    return link_customers(tickets=t)


def _of_parts(linked, k: int, unit, **kw):
    parts = [NonresponsePart(p.tickets) for p in split_customers(linked, k, unit=unit)][::-1]  # any order
    return nonresponse_from_parts(lambda method, **a: [getattr(p, method)(**a) for p in parts],
                                  customer=unit, **kw)


def _assert_same(whole, got):
    for name in ("table", "balance", "model", "covariates"):
        w, g = getattr(whole, name), getattr(got, name)
        assert list(w.columns) == list(g.columns) and len(w) == len(g), name
        for c in w.columns:
            if pd.api.types.is_float_dtype(w[c]):
                np.testing.assert_allclose(g[c].to_numpy(float), w[c].to_numpy(float), rtol=1e-9, atol=1e-9)
            else:
                assert g[c].astype(str).tolist() == w[c].astype(str).tolist(), (name, c)
    dw, dg = whole.diagnostics, got.diagnostics
    assert dw.keys() == dg.keys()
    for k in dw:
        if k == "largest_weights":
            assert [x["ticket"] for x in dw[k]] == [x["ticket"] for x in dg[k]]
            np.testing.assert_allclose([x["weight"] for x in dg[k]], [x["weight"] for x in dw[k]], rtol=1e-9)
        elif isinstance(dw[k], float):
            assert dg[k] == pytest.approx(dw[k], rel=1e-9, abs=1e-12)
        else:
            assert dg[k] == dw[k], k
    assert got.notes == whole.notes and got.method == whole.method
    assert got.weights.index.equals(whole.weights.index)  # every rated ticket's weight, in the table's order
    np.testing.assert_allclose(got.weights.to_numpy(), whole.weights.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("unit", ["customer", "account_id", None])
def test_parts_equal_the_whole_table(seed, unit):
    rng = np.random.default_rng(seed)
    linked = _world(rng, int(rng.integers(400, 1200)))
    kw = {"n_resamples": 60, "seed": seed, "trim": 3.0 if seed == 1 else 10.0}
    whole = nonresponse_weighted(linked.tickets, customer=unit, **kw)
    assert whole.covariates["used"].sum() >= 5
    for k in (1, 2, 3, 6):
        _assert_same(whole, _of_parts(linked, k, unit, **kw))


def test_explicit_covariates_periods_and_no_trim():
    # quarters as periods (the months all parts span decide it), weekdays, a covariate that is not used,
    # weights not capped
    linked = _world(np.random.default_rng(9), 900)
    kw = {"covariates": ["created_period", "created_weekday", "channel", "account_id"], "n_resamples": 50,
          "trim": None}
    whole = nonresponse_weighted(linked.tickets, **kw)
    assert whole.covariates.set_index("covariate").loc["created_period", "transform"].startswith("dummies (6 levels")
    for k in (2, 5):
        _assert_same(whole, _of_parts(linked, k, "customer", **kw))


def test_a_missing_value_in_one_part_gives_every_part_the_indicator():
    linked = _world(np.random.default_rng(4), 600)
    t = linked.tickets
    t["first_reply_minutes"] = np.arange(len(t), dtype=float)
    t.loc[t.index[:3], "first_reply_minutes"] = np.nan  # a few tickets, in one or two parts
    whole = nonresponse_weighted(t, n_resamples=40)
    assert "first_reply_minutes missing" in whole.model["term"].tolist()
    _assert_same(whole, _of_parts(linked, 6, "customer", n_resamples=40))


def test_every_ticket_rated_and_parts_without_eligible_tickets():
    linked = _world(np.random.default_rng(5), 300)
    t = linked.tickets
    t["rating_score"] = 0.5
    whole = nonresponse_weighted(t, n_resamples=30)
    assert whole.diagnostics["n_rated"] == whole.diagnostics["n_tickets"]
    _assert_same(whole, _of_parts(linked, 3, "customer", n_resamples=30))
    # a part whose tickets are all agent-initiated (no eligible ticket)
    linked = _world(np.random.default_rng(6), 500)
    parts = split_customers(linked, 3)
    parts[0].tickets["direction"] = "agent"
    t = pd.concat([p.tickets for p in parts]).sort_index()
    whole = nonresponse_weighted(t, n_resamples=30)
    states = [NonresponsePart(p.tickets) for p in parts]
    got = nonresponse_from_parts(lambda method, **a: [getattr(p, method)(**a) for p in states], n_resamples=30)
    _assert_same(whole, got)


@pytest.mark.parametrize("change, match", [
    (lambda t: t.assign(rating_score=np.nan), "no eligible ticket is rated"),
    (lambda t: t.assign(channel="email", group="g", priority="p", reopens=1.0, first_reply_minutes=5.0,
                        resolution_minutes=9.0, created_at=pd.Timestamp("2024-01-01", tz="UTC")),
     "no usable covariate"),
])
def test_parts_refuse_what_the_whole_table_refuses(change, match):
    linked = _world(np.random.default_rng(7), 300)
    linked.tickets = change(linked.tickets)
    with pytest.raises(ValueError, match=match):
        nonresponse_weighted(linked.tickets)
    with pytest.raises(ValueError, match=match):
        _of_parts(linked, 3, "customer")
    for covariates, why in ((["rating"], "is the rating itself"), (["nope"], "not a column of the tickets")):
        with pytest.raises(ValueError, match=why):
            _of_parts(_world(np.random.default_rng(8), 200), 2, "customer", covariates=covariates)
