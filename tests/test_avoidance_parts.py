"""Avoidance per partition of customers (issue 13, items 4-5): each partition builds its index episodes' compact
rows (:func:`avoidance_part`), the rows are stacked and the figures computed once (:func:`avoidance_from_parts`).

The stacked rows are the whole tables' rows (customers numbered as the whole-table function numbers them), so the
result, its episodes and its comparison equal :func:`avoidance` on the whole tables exactly, for any split that
keeps each customer's rows together and parts given in any order: on simulated worlds with survey answers, index
times that fall back to creation, open tickets, missing customers and times, and on the bundled sample.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import partition_world

from csanalysis.estimators.avoidance import (
    avoidance,
    avoidance_from_parts,
    avoidance_part,
)
from csanalysis.partition import part_numbers, split_positions


def _split(exp: pd.DataFrame, act: pd.DataFrame, k: int, as_of, **kw) -> list:
    pe = split_positions(part_numbers(exp["customer"], k), k)
    pa = split_positions(part_numbers(act["customer"], k), k)
    return [avoidance_part(exp.take(p) if len(p) else None, act.take(q), as_of=as_of, positions=q, **kw)
            for p, q in zip(pe, pa)]


def _same(a, b) -> None:
    assert json.dumps(a.to_dict(), sort_keys=True, default=str) == json.dumps(b.to_dict(), sort_keys=True,
                                                                              default=str)
    pd.testing.assert_frame_equal(a.episodes, b.episodes, check_exact=True)
    if a.balance is not None:
        pd.testing.assert_frame_equal(a.balance, b.balance, check_exact=True)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("index,count_open", [("first", False), ("every", False), ("first", True)])
def test_parts_equal_the_whole(seed, index, count_open):
    exp, act = partition_world(seed)
    as_of = act["at"].max()
    kw = {"n_resamples": 40, "seed": seed}
    whole = avoidance(exp, act, as_of=as_of, index=index, count_open_purchases=count_open, **kw)
    assert whole.figure("avoid_2y_after_bad")["n"] > 50 and whole.balance is not None
    for k in (1, 2, 3, 6):
        parts = _split(exp, act, k, as_of, index=index, count_open_purchases=count_open)
        _same(avoidance_from_parts(parts[::-1], **kw), whole)


def test_parts_of_the_sample_equal_the_whole(sample_tables):
    exp, act, _, _ = sample_tables
    as_of = act["at"].max()
    whole = avoidance(exp, act, as_of=as_of, n_resamples=30, seed=3)
    assert whole.comparison["cases"] > 100  # the comparison has content
    for k in (2, 7):
        _same(avoidance_from_parts(_split(exp, act, k, as_of), n_resamples=30, seed=3), whole)


def test_the_order_of_the_whole_activity_matters_and_positions_carry_it():
    """Customers are numbered by their first purchase in the whole table (which orders the drawn controls):
    without positions the parts count as stacked in the order given, which is another table."""
    exp, act = partition_world(1)
    as_of = act["at"].max()
    whole = avoidance(exp, act, as_of=as_of, n_resamples=30)
    pa = split_positions(part_numbers(act["customer"], 2), 2)
    pe = split_positions(part_numbers(exp["customer"], 2), 2)
    stacked = pd.concat([act.take(q) for q in pa], ignore_index=True)
    parts = [avoidance_part(exp.take(p), act.take(q), as_of=as_of) for p, q in zip(pe, pa)]
    _same(avoidance_from_parts(parts, n_resamples=30), avoidance(exp, stacked, as_of=as_of, n_resamples=30))
    assert not whole.episodes.equals(avoidance_from_parts(parts, n_resamples=30).episodes)


def test_parts_say_what_is_wrong():
    exp, act = partition_world(0)
    as_of = act["at"].max()
    with pytest.raises(ValueError, match="needs as_of"):
        avoidance_part(exp, act, as_of=None)
    with pytest.raises(ValueError, match="one position per activity row"):
        avoidance_part(exp, act, as_of=as_of, positions=np.arange(3))
    with pytest.raises(ValueError, match="index must be"):
        avoidance_part(exp, act, as_of=as_of, index="last")
    a = avoidance_part(exp, act, as_of=as_of)
    with pytest.raises(ValueError, match="different as_of, index or count_open_purchases"):
        avoidance_from_parts([a, avoidance_part(exp.iloc[:0], act.iloc[:0], as_of=as_of, index="every")])
    with pytest.raises(ValueError, match="more than one part"):
        avoidance_from_parts([a, a])
    with pytest.raises(ValueError, match="non-empty list"):
        avoidance_from_parts([])
    none = act.assign(at=pd.NaT)
    with pytest.raises(ValueError, match="no row with both a customer and a purchase time"):
        avoidance_from_parts([avoidance_part(exp, none, as_of=as_of)])
    with pytest.raises(ValueError, match="window must be a positive"):
        avoidance_from_parts([a], window=-1)


def test_a_part_without_experiences_or_purchases():
    exp, act = partition_world(2)
    as_of = act["at"].max()
    whole = avoidance(exp, act, as_of=as_of, n_resamples=20)
    only_buyers = ~act["customer"].isin(exp["customer"])
    parts = [avoidance_part(None, act[only_buyers], as_of=as_of, positions=np.flatnonzero(only_buyers)),
             avoidance_part(exp, act[~only_buyers], as_of=as_of, positions=np.flatnonzero(~only_buyers)),
             avoidance_part(None, act.iloc[:0], as_of=as_of, positions=np.array([], dtype=np.int64))]
    _same(avoidance_from_parts(parts, n_resamples=20), whole)


@pytest.fixture(scope="module")
def sample_tables():
    from csanalysis.datasets import load_sample
    from csanalysis.estimators.verbatims import verbatims
    from csanalysis.experiences import experiences
    from csanalysis.link import link_customers

    s = load_sample()
    linked = link_customers(s.tickets, s.responses, s.activity, s.customers)
    exp = experiences(linked.tickets, linked.responses)
    return exp, linked.activity, linked.responses, verbatims(linked.responses, tickets=linked.tickets)


def test_no_return_after_disrespect_from_the_avoidance_parts_equals_the_whole(sample_tables):
    from csanalysis.estimators.avoidance import (
        no_return_after_disrespect,
        no_return_after_disrespect_from_parts,
    )

    exp, act, rs, verb = sample_tables
    as_of = act["at"].max()
    whole = no_return_after_disrespect(exp, act, rs, verb, as_of=as_of, n_resamples=40, seed=2)
    assert whole.settings["flagged"] >= 5 and np.isfinite(whole.figures["ci_low"]).all()  # a comparison
    for k in (1, 2, 5):
        got = no_return_after_disrespect_from_parts(_split(exp, act, k, as_of)[::-1], rs, verb, n_resamples=40,
                                                    seed=2)
        assert json.dumps(got.to_dict(), sort_keys=True) == json.dumps(whole.to_dict(), sort_keys=True)
        pd.testing.assert_frame_equal(got.episodes, whole.episodes, check_exact=True)
    # no comment matches an index: the same note
    other = rs.assign(response_id="x" + rs["response_id"].astype("str"))
    a = no_return_after_disrespect(exp, act, other, verb, as_of=as_of, n_resamples=20)
    b = no_return_after_disrespect_from_parts(_split(exp, act, 3, as_of), other, verb, n_resamples=20)
    assert a.to_dict() == b.to_dict() and "no first bad experience" in a.figures["note"].iloc[0]
    with pytest.raises(ValueError, match="index='first'"):
        no_return_after_disrespect_from_parts(_split(exp, act, 2, as_of, index="every"), rs, verb)
