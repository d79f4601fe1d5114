"""The service-recovery test asked of partitions where they are (issue 13, item 5).

Each finished journey part keeps its customers' recovery rows; :func:`service_recovery_from_parts` asks them in
rounds (counts, moments, Newton steps, weighted rates, the sandwich's per-customer scores) and never gathers a
row. :func:`service_recovery_test` is the same rounds with the whole tables as one part, so the two agree but for
the order of floating-point sums, whatever the partition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import partition_world, wire

from csanalysis.partition import part_numbers, split_positions
from csanalysis.segments import (
    experience_journeys,
    service_recovery_from_parts,
    service_recovery_test,
)
from csanalysis.segments.journeys import (
    experience_journeys_from_parts,
    journey_part,
    reference_offsets,
)


def _finished(exp: pd.DataFrame, act: pd.DataFrame, k: int, as_of, seed: int = 0) -> list:
    pe = split_positions(part_numbers(exp["customer"], k), k)
    pa = split_positions(part_numbers(act["customer"], k), k)
    built = [journey_part(exp.take(p) if len(p) else None, act.take(q), as_of=as_of) for p, q in zip(pe, pa)]
    offsets = reference_offsets([b.references() for b in built], seed=seed)
    return [b.finish(o, seed=seed) for b, o in zip(built, offsets)]


def _wire(parts: list):
    """``each`` over the finished parts' recovery rows as a cluster asks them (:func:`conftest.wire`)."""
    return wire([p.recovery for p in parts])


def _close(a, b, rtol=1e-10) -> None:
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons, check_exact=False, rtol=rtol, atol=1e-12)
    pd.testing.assert_frame_equal(a.balance, b.balance, check_exact=False, rtol=rtol, atol=1e-12)
    ga, gb = a.settings["disappointment_gradient"], b.settings["disappointment_gradient"]
    assert ga.keys() == gb.keys()
    for k in ga:
        assert np.isclose(ga[k], gb[k], rtol=rtol, atol=0, equal_nan=True), k
    assert a.describe() == b.describe() or all(np.isfinite(a.comparisons["difference"]))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("active_days", [365, None])
def test_parts_asked_where_they_are_equal_the_whole(seed, active_days):
    exp, act = partition_world(seed)
    as_of = act["at"].max()
    whole = service_recovery_test(experience_journeys(exp, act, as_of=as_of, seed=seed), active_days=active_days)
    assert np.isfinite(whole.comparisons["difference"]).all()  # both comparisons made
    assert whole.balance["smd_after"].abs().gt(0).any()
    for k in (1, 2, 3, 7):
        parts = _finished(exp, act, k, as_of, seed)
        jr = experience_journeys_from_parts(parts, seed=seed)
        got = service_recovery_from_parts(_wire(parts), jr, active_days=active_days)
        _close(got, whole)
        assert got.rows is None and got.journeys is jr
        assert got.settings["active_days"] == active_days and got.settings["end"] == whole.settings["end"]


def test_rounds_send_sums_not_rows():
    """Every answer is a handful of numbers and matrices whose size does not grow with the part's rows."""
    from csanalysis.estimators.avoidance import simulate_avoidance_scenario

    exp, act, _ = simulate_avoidance_scenario(8000, seed=3)
    as_of = act["at"].max()
    parts = _finished(exp, act, 2, as_of)
    n_rows = min(len(p.recovery.rows["customer"]) for p in parts)
    assert n_rows > 30 ** 2
    each = _wire(parts)
    service_recovery_from_parts(each, experience_journeys_from_parts(parts))
    log = each.answers
    methods = [m for m, _ in log]
    assert methods[:3] == ["recovery_counts", "recovery_moments", "recovery_spread"]
    assert methods[-2:] == ["recovery_fitted", "recovery_sandwich"] and "recovery_newton" in methods

    def sizes(x):
        if isinstance(x, np.ndarray):
            yield x.size
        elif isinstance(x, dict):
            for v in x.values():
                yield from sizes(v)
        elif isinstance(x, list | tuple):
            for v in x:
                yield from sizes(v)

    largest = max(s for _, answers in log for s in sizes(answers))
    assert largest <= 30 ** 2 < n_rows  # at most a (terms + 2) square matrix


def test_a_part_without_eligible_rows_adds_nothing():
    """A part of customers who never had an experience (its recovery rows empty) answers every round."""
    exp, act = partition_world(2)
    as_of = act["at"].max()
    parts = _finished(exp, act, 2, as_of)
    quiet = act.loc[~act["customer"].isin(exp["customer"])]
    assert len(quiet)
    lone = journey_part(None, quiet, as_of=as_of)
    lone = lone.finish(reference_offsets([lone.references()])[0])
    assert len(lone.recovery.rows["customer"]) == 0
    jr = experience_journeys_from_parts(parts)
    _close(service_recovery_from_parts(_wire([*parts, lone]), jr), service_recovery_from_parts(_wire(parts), jr))


def test_too_few_customers_and_no_gradient_are_said_not_fitted():
    """A world too small for a comparison: the comparisons say why, the gradient has its n and no slope, as on
    the whole tables."""
    exp, act = partition_world(0)
    as_of = act["at"].max()
    few = exp["customer"].drop_duplicates().iloc[:12]
    exp, act = exp.loc[exp["customer"].isin(few)], act.loc[act["customer"].isin(few)]
    whole = service_recovery_test(experience_journeys(exp, act, as_of=as_of))
    parts = _finished(exp, act, 3, as_of)
    got = service_recovery_from_parts(_wire(parts), experience_journeys_from_parts(parts))
    assert got.comparisons["reason"].str.startswith("fewer than").all()
    pd.testing.assert_frame_equal(got.comparisons, whole.comparisons)
    assert got.balance.empty and whole.balance.empty


def test_journeys_without_recovery_rows_say_where_the_test_is():
    from dataclasses import replace

    exp, act = partition_world(3)
    parts = [replace(p, recovery=None) for p in _finished(exp, act, 2, act["at"].max())]
    jr = experience_journeys_from_parts(parts)
    assert jr.recovery_rows is None
    with pytest.raises(ValueError, match="service_recovery_from_parts"):
        service_recovery_test(jr)
    with pytest.raises(TypeError, match="JourneyResult"):
        service_recovery_from_parts(lambda method, **kw: [], jr.summary())
    with pytest.raises(ValueError, match="active_days"):
        service_recovery_from_parts(lambda method, **kw: [], jr, active_days=-3)
