"""Avoidance asked in rounds of its partitions (issue 13, item 5): each partition looks up purchases, contacts and
answers for its own customers and sends rows per index episode and per drawn control, never a purchase; the
figures equal :func:`avoidance` on the whole tables exactly, whatever the split and the order of the parts.

The whole-table tests of the split (1 to 7 parts, parts in any order, parts without experiences or purchases)
are in ``test_avoidance_parts.py``; these test what the rounds send and what makes them partition-independent.
"""

from __future__ import annotations

import copy
import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import partition_world

from csanalysis.estimators.avoidance import (
    AvoidancePart,
    avoidance,
    avoidance_in_rounds,
    avoidance_part,
    disrespect_flags,
    disrespect_part,
    no_return_after_disrespect_from_rows,
)
from csanalysis.partition import part_numbers, split_positions


def _parts(exp: pd.DataFrame, act: pd.DataFrame, k: int, as_of) -> list:
    pe = split_positions(part_numbers(exp["customer"], k), k)
    pa = split_positions(part_numbers(act["customer"], k), k)
    return [avoidance_part(exp.take(p), act.take(q), as_of=as_of, positions=q) for p, q in zip(pe, pa)]


def _arrays(x, out: list) -> list:
    """Every array in an answer (nested dicts and lists too; the labels' text arrays too)."""
    if isinstance(x, np.ndarray | pd.api.extensions.ExtensionArray):
        out.append(x)
    elif isinstance(x, dict):
        for v in x.values():
            _arrays(v, out)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _arrays(v, out)
    return out


@pytest.mark.parametrize("seed", [0, 3])
def test_the_rounds_send_rows_per_episode_and_control_never_a_purchase(seed):
    exp, act = partition_world(seed)
    as_of = act["at"].max()
    states = [AvoidancePart(p) for p in _parts(exp, act, 3, as_of)]
    answered: list[tuple[int, str, object]] = []

    def each(method, **kw):
        got = [getattr(s, method)(**kw) for s in states]
        answered.extend((i, method, copy.deepcopy(a)) for i, a in enumerate(got))  # (the combining lets go of
        return got  # the answers as it stacks them)

    res = avoidance_in_rounds(each, n_resamples=30, seed=seed)
    assert {m for _, m, _ in answered} >= {"episodes", "pools", "candidates"}
    assert res.comparison["cases"] > 50 and res.balance is not None  # the comparison ran
    for i, s in enumerate(states):
        purchases = s.ep.pur.at.size
        sent = [a for j, _, a in answered if j == i]
        episodes = next(a for j, m, a in answered if j == i and m == "episodes")
        rows = {episodes["bad"]["t"].size, episodes["good"]["t"].size}
        for j, m, a in answered:
            if j == i and m in ("candidates", "answer_controls"):
                rows.add(a["t"].size)
            if j == i and m == "pools":
                rows.add(a.size)
        lengths = {len(x) for x in _arrays(sent, [])}
        assert lengths <= rows, (lengths - rows)  # every array is one value per episode or control row
        assert purchases not in lengths and purchases > episodes["bad"]["t"].size  # (the test can tell them apart)
        # labels travel as text in Arrow buffers, not one Python object per row
        assert all(isinstance(a[g]["label"].dtype, pd.StringDtype) for a in (episodes,) for g in ("bad", "good"))
        assert not any(x.dtype == object for x in _arrays(sent, []))


def test_rounds_through_a_wire_equal_the_whole():
    """Arguments and answers pickled both ways (as a cluster sends them), parts in another order: the whole
    tables' result, every figure, episode and balance row."""
    exp, act = partition_world(1)
    as_of = act["at"].max()
    whole = avoidance(exp, act, as_of=as_of, n_resamples=40, seed=2)
    states = [pickle.loads(pickle.dumps(AvoidancePart(p))) for p in _parts(exp, act, 4, as_of)[::-1]]

    def each(method, **kw):
        kw = pickle.loads(pickle.dumps(kw))
        return [pickle.loads(pickle.dumps(getattr(s, method)(**kw))) for s in states]

    got = avoidance_in_rounds(each, n_resamples=40, seed=2)
    assert json.dumps(got.to_dict(), sort_keys=True, default=str) == json.dumps(whole.to_dict(), sort_keys=True,
                                                                                default=str)
    pd.testing.assert_frame_equal(got.episodes, whole.episodes, check_exact=True)
    pd.testing.assert_frame_equal(got.balance, whole.balance, check_exact=True)


def test_avoidance_in_rounds_says_what_is_wrong():
    exp, act = partition_world(0)
    part = AvoidancePart(avoidance_part(exp, act, as_of=act["at"].max()))
    with pytest.raises(ValueError, match="n_resamples"):
        avoidance_in_rounds(lambda m, **kw: [getattr(part, m)(**kw)], n_resamples=0)
    with pytest.raises(TypeError, match="rows of avoidance_part"):
        AvoidancePart(exp)


def test_a_customers_spend_is_its_own_sum_whatever_the_other_customers():
    """The spend before an index (a covariate of the weighting) sums the customer's own purchases only: in a
    table where another customer's amounts are 1e16 it is the same, bit for bit, as in a table of its own (a
    running sum over the whole table, differenced, lost the cents)."""
    at = pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2021-01-15", "2021-02-15", "2021-03-15",
                         "2021-04-15"], utc=True)
    act = pd.DataFrame({"customer": ["big", "big", "big", "b", "b", "b", "b"], "at": at,
                        "amount": [1e16, 3e16, 1.0, 0.1, 0.2, 0.3, 0.7]})
    exp = pd.DataFrame({"customer": ["b"], "at": pd.to_datetime(["2021-04-01"], utc=True), "bad": [True],
                        "good": [False], "rated": [True]})
    as_of = pd.Timestamp("2023-01-01", tz="UTC")
    spends = []
    for table in (act, act[act["customer"] == "b"], act.iloc[::-1]):
        ep = AvoidancePart(avoidance_part(exp, table, as_of=as_of)).episodes(min_prior=2)
        spends.append(ep["bad"]["hist"]["spend"][0])
    assert spends[0] == spends[1] == spends[2] == math.fsum([0.1, 0.2, 0.3])  # (a compensated sum: 0.6)


def test_disrespect_parts_send_their_commented_first_bad_experiences_only():
    from csanalysis.datasets import load_sample
    from csanalysis.estimators.avoidance import no_return_after_disrespect
    from csanalysis.estimators.verbatims import verbatims
    from csanalysis.experiences import experiences
    from csanalysis.link import link_customers

    s = load_sample()
    linked = link_customers(s.tickets, s.responses, s.activity, s.customers)
    exp, act, rs = experiences(linked.tickets, linked.responses), linked.activity, linked.responses
    verb = verbatims(rs, tickets=linked.tickets)
    as_of = act["at"].max()
    whole = no_return_after_disrespect(exp, act, rs, verb, as_of=as_of, n_resamples=30, seed=4)
    flags = disrespect_flags(rs, verb, n_resamples=30)
    parts = _parts(exp, act, 4, as_of)
    rows = [disrespect_part(p, flags) for p in parts]
    assert sum(r["chosen"] for r in rows) == whole.settings["flagged"] + whole.settings["other"] > 10
    for r, p in zip(rows, parts):  # one row per chosen experience; nothing per purchase
        assert {a.shape[0] for a in _arrays({k: v for k, v in r.items() if k != "label"}, [])} <= {r["chosen"]}
        assert r["chosen"] < p.p_codes.size
    got = no_return_after_disrespect_from_rows(rows[::-1], flags, seed=4)
    assert json.dumps(got.to_dict(), sort_keys=True) == json.dumps(whole.to_dict(), sort_keys=True)
    pd.testing.assert_frame_equal(got.episodes, whole.episodes, check_exact=True)
