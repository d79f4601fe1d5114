"""Experience journeys and the service-recovery test per partition of customers (issue 13, items 4-5).

Each partition builds its customers' journeys (:func:`journey_part`); the matched reference dates of customers
without contact are drawn over every partition (:func:`reference_offsets`); each part is finished where it is
(the follow-up and the recovery test's rows) and the parts are stacked (:func:`experience_journeys_from_parts`).
The stacked table and rows are the whole tables', so the journeys, their notes and the recovery test equal the
functions on the whole tables exactly, for any split keeping each customer's rows together, parts in any order.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import partition_world

from csanalysis.partition import part_numbers, split_positions
from csanalysis.segments import experience_journeys, service_recovery_test
from csanalysis.segments.journeys import (
    JourneyPart,
    experience_journeys_from_parts,
    journey_part,
    reference_offsets,
)


def _split(exp: pd.DataFrame, act: pd.DataFrame, k: int, as_of) -> list[JourneyPart]:
    pe = split_positions(part_numbers(exp["customer"], k), k)
    pa = split_positions(part_numbers(act["customer"], k), k)
    return [journey_part(exp.take(p) if len(p) else None, act.take(q), as_of=as_of) for p, q in zip(pe, pa)]


def _same(a, b, active_days=365) -> None:
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert a.notes == b.notes and a.end == b.end
    ra, rb = service_recovery_test(a, active_days=active_days), service_recovery_test(b, active_days=active_days)
    assert json.dumps(ra.to_dict(), sort_keys=True, default=str) == json.dumps(rb.to_dict(), sort_keys=True,
                                                                                default=str)
    pd.testing.assert_frame_equal(ra.rows, rb.rows, check_exact=True)
    pd.testing.assert_frame_equal(ra.balance, rb.balance, check_exact=True)


@pytest.mark.parametrize("seed", range(4))
def test_parts_equal_the_whole(seed):
    exp, act = partition_world(seed)
    as_of = act["at"].max()
    whole = experience_journeys(exp, act, as_of=as_of, seed=seed)
    rec = service_recovery_test(whole)
    assert (whole.table["journey"] == "no contact").sum() > 50  # matched reference dates drawn
    assert len(whole.notes) >= 3 and rec.comparisons["n_group"].min() >= 5  # rows left out; comparisons
    for k in (1, 2, 3, 6):
        _same(experience_journeys_from_parts(_split(exp, act, k, as_of)[::-1], seed=seed), whole)
    _same(experience_journeys_from_parts(_split(exp, act, 3, as_of), seed=seed), whole, active_days=None)


def test_parts_of_the_sample_equal_the_whole():
    from csanalysis.datasets import load_sample
    from csanalysis.experiences import experiences
    from csanalysis.link import link_customers

    s = load_sample()
    linked = link_customers(s.tickets, s.responses, s.activity, s.customers)
    exp, act = experiences(linked.tickets, linked.responses), linked.activity
    as_of = act["at"].max()
    whole = experience_journeys(exp, act, as_of=as_of, window=180, seed=4)
    assert np.isfinite(service_recovery_test(whole).comparisons["difference"]).all()
    for k in (2, 7):
        _same(experience_journeys_from_parts(_split(exp, act, k, as_of), window=180, seed=4), whole)


def test_finished_parts_combine_as_the_dask_engine_combines_them():
    """Drawn over every part's references, finished one by one (where each part is), then combined."""
    exp, act = partition_world(1)
    as_of = act["at"].max()
    parts = _split(exp, act, 3, as_of)
    offsets = reference_offsets([p.references() for p in parts], seed=9)
    assert [o.size for o in offsets] == [int((p.table["journey"] == "no contact").sum()) for p in parts]
    done = [p.finish(o, window=200, seed=9) for p, o in zip(parts, offsets)]
    assert all(p.events is None and p.purchases is None and p.recovery is not None for p in done)
    _same(experience_journeys_from_parts(done, window=200, seed=9),
          experience_journeys(exp, act, as_of=as_of, window=200, seed=9))
    with pytest.raises(ValueError, match="another window or seed"):
        experience_journeys_from_parts(done, window=365, seed=9)
    with pytest.raises(ValueError, match="some parts are finished"):
        experience_journeys_from_parts([done[0], parts[1]])
    with pytest.raises(ValueError, match="finished"):
        done[0].references()


def test_the_draws_do_not_depend_on_the_split_but_on_the_seed():
    exp, act = partition_world(2)
    as_of = act["at"].max()
    a = experience_journeys_from_parts(_split(exp, act, 2, as_of), seed=1).table
    b = experience_journeys_from_parts(_split(exp, act, 5, as_of), seed=1).table
    c = experience_journeys_from_parts(_split(exp, act, 2, as_of), seed=2).table
    ref = a["index_kind"] == "matched reference"
    assert a["index_at"].equals(b["index_at"]) and not a.loc[ref, "index_at"].equals(c.loc[ref, "index_at"])


def test_parts_say_what_is_wrong():
    exp, act = partition_world(0)
    as_of = act["at"].max()
    with pytest.raises(ValueError, match="needs as_of"):
        journey_part(exp, act, as_of=None)
    a = journey_part(exp, act, as_of=as_of)
    with pytest.raises(ValueError, match="more than one part"):
        experience_journeys_from_parts([a, a])
    with pytest.raises(ValueError, match="non-empty list"):
        experience_journeys_from_parts([])
    with pytest.raises(ValueError, match="different as_of"):
        experience_journeys_from_parts([a, journey_part(None, act.iloc[:0], as_of=as_of - pd.Timedelta(days=1))])
    with pytest.raises(ValueError, match="no customer with a time"):
        experience_journeys_from_parts([journey_part(None, act.iloc[:0], as_of=as_of)])
    with pytest.raises(ValueError, match="one offset per customer without contact"):
        a.finish(np.zeros(1))
    with pytest.raises(ValueError, match="window must be a positive"):
        experience_journeys_from_parts([a], window=-1)


def test_a_part_without_experiences_or_purchases():
    exp, act = partition_world(3)
    as_of = act["at"].max()
    whole = experience_journeys(exp, act, as_of=as_of)
    buyers = ~act["customer"].isin(exp["customer"])
    contacts = exp["customer"].isin(act["customer"])
    parts = [journey_part(None, act[buyers], as_of=as_of), journey_part(exp[~contacts], act.iloc[:0], as_of=as_of),
             journey_part(exp[contacts], act[~buyers], as_of=as_of), journey_part(None, act.iloc[:0], as_of=as_of)]
    _same(experience_journeys_from_parts(parts), whole)


@pytest.mark.parametrize("seed", [0, 2])
def test_parts_finished_without_their_rows_give_the_whole_results_without_rows(seed):
    """finish(rows=False): each part keeps its journeys' counts, not its table; combined, the summary, notes,
    JSON and recovery test are the whole tables' (and the result is the whole one without its rows), while no
    table of every customer is put together."""
    exp, act = partition_world(seed)
    as_of = act["at"].max()
    whole = experience_journeys(exp, act, as_of=as_of, window=300, seed=seed)
    parts = _split(exp, act, 4, as_of)
    offsets = reference_offsets([p.references() for p in parts], seed=seed)
    slim = [p.finish(o, window=300, seed=seed, rows=False) for p, o in zip(parts, offsets)]
    assert all(p.table is None and p.tally["n"].sum() > 0 for p in slim)
    assert "customers" in repr(slim[0])
    got = experience_journeys_from_parts(slim[::-1], window=300, seed=seed)
    assert got.table is None and got.recovery_rows is not None
    pd.testing.assert_frame_equal(got.summary(), whole.summary(), check_exact=True)
    assert got.notes == whole.notes and got.n_customers == whole.n_customers
    assert json.dumps(got.to_dict(), sort_keys=True, default=str) == json.dumps(
        whole.without_rows().to_dict(), sort_keys=True, default=str)
    ra, rb = service_recovery_test(got), service_recovery_test(whole)
    assert json.dumps(ra.to_dict(), sort_keys=True, default=str) == json.dumps(rb.to_dict(), sort_keys=True,
                                                                                default=str)
    with pytest.raises(ValueError, match="without their rows"):
        experience_journeys_from_parts([slim[0], parts[1].finish(offsets[1], window=300, seed=seed), *slim[2:]],
                                       window=300, seed=seed)
