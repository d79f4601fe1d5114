"""Ticket stages per partition of customers (issue 13, item 5; the design's steps 7 and 8): the service
metrics and channel use from counts, sums and sums over units of each partition (the service metrics'
quantiles as exact order statistics found from counts, :mod:`csanalysis.stats.selection`), combined into what
one pass over the whole tables gives.

Random linked tables with accounts on some tickets, answers about other customers' tickets, answers about no
ticket, missing customers, channels, ratings, self-service flags, directions, reopens and times; split into
2, 3 and 6 parts by the partitioner the Dask engine uses, with the analysis's sampling unit (customers,
accounts, rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.estimators.channel_use import ChannelUsePart, channel_use, channel_use_from_parts
from csanalysis.estimators.metrics import MetricsPart, metrics_from_parts, service_metrics
from csanalysis.link import link_customers
from csanalysis.partition import split_customers
from csanalysis.stats.selection import SortedGroups, from_keys, order_keys, select


def _world(rng: np.random.Generator, n: int, m: int):
    start = pd.Timestamp("2024-01-01", tz="UTC")
    cust = rng.integers(0, max(1, n // 3 + 1), n).astype(str).astype(object)
    cust[rng.random(n) < 0.1] = None
    t = pd.DataFrame({
        "ticket_id": np.arange(n).astype(str), "customer_id": cust,
        "created_at": start + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "channel": rng.choice(["email", "chat", "phone", None], n),
        "rating": rng.choice(["good", "bad", None], n), "rating_offered": rng.random(n) < 0.7,
        "status": rng.choice(["solved", "open", "closed"], n),
        "reopens": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 3, n)),
        "first_reply_minutes": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.exponential(60, n), 0)),
        "resolution_minutes": np.where(rng.random(n) < 0.1, np.nan, rng.exponential(600, n)),
        "account_id": np.where(rng.random(n) < 0.4, rng.choice(list("ABCDEF"), n), None)})
    r = pd.DataFrame({
        "response_id": np.arange(m).astype(str),
        "ticket_id": np.where(rng.random(m) < 0.7, rng.integers(0, max(n, 1), m).astype(str), None),
        "customer_id": np.where(rng.random(m) < 0.9, rng.integers(0, max(1, n // 3 + 1), m).astype(str), None),
        "responded_at": start + pd.to_timedelta(rng.integers(0, 300, m), unit="D"),
        "csat": np.where(rng.random(m) < 0.2, np.nan, rng.integers(1, 6, m)),
        "nps": np.where(rng.random(m) < 0.3, np.nan, rng.integers(0, 11, m)),
        "ces": np.where(rng.random(m) < 0.5, np.nan, rng.integers(1, 8, m))})
    return link_customers(tickets=t, responses=r)


def _each(parts):
    """``each(method, **kw)`` over the parts on this machine."""
    return lambda method, **a: [getattr(p, method)(**a) for p in parts]


def _of_parts(parts, **kw):
    return metrics_from_parts(_each(parts), **kw)


def _assert_same(whole, got):
    w, g = whole.summary(), got.summary()
    assert list(w.columns) == list(g.columns) and len(w) == len(g)
    for c in w.columns:
        if pd.api.types.is_float_dtype(w[c]):
            np.testing.assert_allclose(g[c].to_numpy(float), w[c].to_numpy(float), rtol=1e-9, atol=1e-9)
        else:
            assert g[c].astype(str).tolist() == w[c].astype(str).tolist(), c
    assert (g["n"].to_numpy() == w["n"].to_numpy()).all()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cluster", ["customer", "account_id", None])
@pytest.mark.parametrize("by", [None, "channel", "month"])
def test_service_metrics_of_parts_equal_the_whole(seed, cluster, by):
    rng = np.random.default_rng(seed)
    linked = _world(rng, int(rng.integers(1, 300)), int(rng.integers(1, 150)))
    whole = service_metrics(linked.tickets, linked.responses, by=by, cluster=cluster)
    assert whole.summary()["value"].notna().any()
    for k in (2, 3, 6):
        parts = split_customers(linked, k, unit=cluster)
        got = _of_parts([MetricsPart(p.tickets, p.responses, by=by, cluster=cluster) for p in parts], by=by,
                        cluster=cluster)
        _assert_same(whole, got)


def test_answers_about_another_customers_ticket_need_the_grouping():
    # customers as the unit: an answer is placed with its ticket's owner, its unit is its own customer; without
    # grouping the two customers, that customer's answers span parts and the intervals come out wrong
    rng = np.random.default_rng(11)
    linked = _world(rng, 300, 200)
    whole = service_metrics(linked.tickets, linked.responses, cluster="customer").summary()
    ungrouped = split_customers(linked, 3)
    got = _of_parts([MetricsPart(p.tickets, p.responses, cluster="customer") for p in ungrouped]).summary()
    assert not np.allclose(got["ci_low"].to_numpy(float), whole["ci_low"].to_numpy(float), equal_nan=True)


def test_a_part_holding_no_customer_uses_the_whole_tables_customer_column():
    t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4"], "customer": ["a", "a", None, None],
                      "customer_id": ["x", "y", "z", "w"], "rating": ["bad", "good", "bad", "good"]})
    whole = service_metrics(t)
    parts = [MetricsPart(t.iloc[:2]), MetricsPart(t.iloc[2:])]  # the second part fills customer_id only
    _assert_same(whole, _of_parts(parts))
    assert "customers as clusters" in whole.get("bad_rating_share")["method"]


def test_nps_out_of_range_is_refused_over_all_parts():
    r = pd.DataFrame({"response_id": ["1", "2"], "customer": ["a", "b"], "nps": [3, 11]})
    with pytest.raises(ValueError, match="0-10 scale"):
        _of_parts([MetricsPart(None, r.iloc[:1]), MetricsPart(None, r.iloc[1:])])
    with pytest.raises(ValueError, match="0-10 scale"):
        service_metrics(None, r)


@pytest.mark.parametrize("seed", range(40))
def test_select_finds_the_exact_order_statistics(seed):
    rng = np.random.default_rng(seed)
    n, G, P = int(rng.integers(1, 3000)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
    x = [rng.exponential(60, n), rng.integers(0, 5, n).astype(float), rng.normal(0, 1e-200, n),
         np.round(rng.normal(0, 100, n)) - 0.0][seed % 4]
    x[rng.random(n) < 0.05] = np.nan
    g = rng.integers(-1, G, n)
    part = rng.integers(0, P, n)
    parts = [SortedGroups(x[part == i], g[part == i], G) for i in range(P)]
    groups, ranks, want = [], [], []
    for j in range(G):
        v = np.sort(x[(g == j) & np.isfinite(x)])
        for r in rng.integers(0, len(v), 5) if len(v) else []:
            groups.append(j), ranks.append(r), want.append(v[r])
    if not groups:
        return
    got = select(lambda method, **kw: [getattr(p, method)(**kw) for p in parts], np.array(groups), np.array(ranks),
                 fetch=int(rng.choice([1, 10, 4096])))
    assert np.array_equal(got, np.array(want))
    with pytest.raises(ValueError, match="beyond"):
        select(lambda method, **kw: [getattr(p, method)(**kw) for p in parts], np.array(groups[:1]),
               np.array([n + 1]))


def test_order_keys_sort_as_the_floats():
    x = np.array([-np.finfo(float).max, -1.5, -1e-300, -0.0, 0.0, 5e-324, 2.0, np.finfo(float).max])
    k = order_keys(x)
    assert (np.diff(k.astype(object)) >= 0).all() and k[3] == k[4]
    assert np.array_equal(from_keys(k), x + 0.0)


def _tickets(rng: np.random.Generator, n: int, i: int) -> pd.DataFrame:
    cust = rng.integers(0, max(1, n // 3), n).astype(str).astype(object)
    cust[rng.random(n) < 0.1] = None
    t = pd.DataFrame({"ticket_id": np.where(rng.random(n) < 0.9, np.arange(n).astype(str), None),
                      "customer_id": cust,
                      "created_at": pd.Timestamp("2024-01-01", tz="UTC")
                      + pd.to_timedelta(rng.integers(0, 300 * 24, n), unit="h"),
                      "channel": rng.choice(["email", "chat", "phone", "web", "sms", None], n),
                      "self_service": rng.choice([True, False, None], n),
                      "rating": rng.choice(["good", "bad", None], n),
                      "direction": rng.choice(["customer", "agent", None], n, p=[0.6, 0.1, 0.3]),
                      "account_id": np.where(rng.random(n) < 0.4, rng.choice(list("ABCDEF"), n), None)})
    t.loc[rng.random(n) < 0.05, "created_at"] = pd.NaT
    if i % 3 == 1:
        t = t.drop(columns="self_service")
    if i % 4 == 2:
        t["self_service"] = None
    return t


def _same_tables(a, b, names):
    """The result tables ``names`` of ``a`` and ``b`` alike: floats within 1e-9, everything else equal."""
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        assert list(x.columns) == list(y.columns) and len(x) == len(y)
        for c in x.columns:
            if pd.api.types.is_float_dtype(x[c]):
                np.testing.assert_allclose(y[c].to_numpy(float), x[c].to_numpy(float), rtol=1e-9, atol=1e-9)
            else:
                assert y[c].astype(str).tolist() == x[c].astype(str).tolist(), (name, c)


def _same_channel_use(a, b):
    _same_tables(a, b, ("figures", "mix", "issues_by_period"))
    assert a.diagnostics == b.diagnostics and a.notes == b.notes


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("cluster", ["customer", "account_id", None])
def test_channel_use_of_parts_equals_the_whole(seed, cluster):
    rng = np.random.default_rng(seed)
    linked = link_customers(tickets=_tickets(rng, int(rng.integers(1, 300)), seed))
    whole = channel_use(linked.tickets, cluster=cluster, n_resamples=100)
    assert whole.figures["estimate"].notna().any()
    for k in (2, 3, 6):
        parts = [ChannelUsePart(p.tickets, cluster=cluster) for p in split_customers(linked, k, unit=cluster)]
        got = channel_use_from_parts(_each(parts), cluster=cluster,
                                     n_resamples=100)
        _same_channel_use(whole, got)


def test_channel_use_parts_refuse_what_the_whole_table_refuses():
    t = _tickets(np.random.default_rng(1), 50, 0).assign(direction="agent")
    parts = [ChannelUsePart(t.iloc[:20]), ChannelUsePart(t.iloc[20:])]
    with pytest.raises(ValueError, match="no customer-initiated ticket") as there:
        channel_use_from_parts(_each(parts))
    with pytest.raises(ValueError, match="no customer-initiated ticket") as here:
        channel_use(t)
    assert str(there.value) == str(here.value)
    # a part whose tickets have no creation time while the others have: no error
    t2 = _tickets(np.random.default_rng(2), 80, 0)
    t2.loc[:39, "created_at"] = pd.NaT
    parts = [ChannelUsePart(t2.iloc[:40]), ChannelUsePart(t2.iloc[40:])]
    got = channel_use_from_parts(_each(parts), n_resamples=50)
    _same_channel_use(channel_use(t2, n_resamples=50), got)


def _rank_table(rng: np.random.Generator, n: int, kind: str) -> pd.DataFrame:
    cust = rng.integers(0, max(2, n // 4), n).astype(str).astype(object)
    cust[rng.random(n) < 0.05] = None
    agent = rng.choice([f"a{i}" for i in range(int(rng.integers(1, 30)))] + [None], n)
    bad = (rng.random(n) < np.where(agent == "a0", 0.4, 0.1)).astype(float)
    bad[rng.random(n) < 0.1] = np.nan
    y = bad if kind == "share" else np.where(np.isnan(bad), np.nan, rng.integers(1, 6, n))
    return pd.DataFrame({"agent": agent, "month": rng.choice(["2024-01", "2024-02", "2024-03", None], n), "y": y,
                         "customer": cust})


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("kind", ["share", "mean"])
def test_rankings_of_parts_are_the_whole_tables_bit_for_bit(seed, kind):
    # the ranked units (agents, months) span partitions; their sums are whole numbers, and the customers'
    # spread around each unit's mean is computed from whole-number sums, so the fits downstream (whose
    # optimum moves with the last bit when the prior is nearly a point) see the same numbers
    from csanalysis.estimators.rankings import RankPart, rank_units, rank_units_from_parts
    from csanalysis.partition import part_numbers, split_positions

    rng = np.random.default_rng(seed)
    t = _rank_table(rng, int(rng.integers(50, 3000)), kind)
    kw = {"kind": kind, "bounds": (1, 5) if kind == "mean" else None, "key": "k"}
    whole = rank_units(t, ["agent", "month"], "y", **kw)
    for k in (2, 3, 6):
        parts = [RankPart(t.iloc[p], ["agent", "month"], "y", kind=kind, bounds=kw["bounds"])
                 for p in split_positions(part_numbers(t["customer"], k), k)]
        got = rank_units_from_parts(_each(parts),
                                    ["agent", "month"], "y", **kw)
        pd.testing.assert_frame_equal(got.table, whole.table, check_exact=True)
        assert got.notes == whole.notes and got.priors == whole.priors


def test_the_analysis_rankings_of_ticket_parts_equal_the_whole():
    from csanalysis.analysis import _rankings, _rankings_from_parts, _RankTickets

    linked = _world(np.random.default_rng(5), 400, 50)
    t = linked.tickets.assign(agent_key=np.random.default_rng(6).choice(["agent_1", "agent_2", "agent_3"],
                                                                        len(linked.tickets)))
    linked.tickets = t
    for unit in ("customer", "account_id", None):
        whole = _rankings(t, unit, timezone=None, confidence=0.95, key="k")
        for k in (2, 5):
            parts = [_RankTickets(p.tickets, unit, timezone=None) for p in split_customers(linked, k, unit=unit)]
            got = _rankings_from_parts(_each(parts), unit,
                                       confidence=0.95, key="k")
            pd.testing.assert_frame_equal(got.table, whole.table, check_exact=True)
            assert got.notes == whole.notes


@pytest.mark.parametrize("seed", range(30))
def test_rank_sums_are_one_ranking_of_all_parts(seed):
    # mid-rank sums per label and the tie sum of values spread over partitions equal one ranking of them all
    from scipy import stats

    from csanalysis.stats.selection import rank_sums

    rng = np.random.default_rng(seed)
    n, L, P = int(rng.integers(1, 5000)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    x = [rng.exponential(600, n), rng.integers(1, 6, n).astype(float), np.round(rng.normal(0, 30, n)),
         np.where(rng.random(n) < 0.7, 0.0, rng.exponential(1.0, n)) * rng.choice([-1.0, 1.0], n)][seed % 4]
    g = rng.integers(0, L, n)
    part = rng.integers(0, P, n)
    parts = [SortedGroups(x[part == i], np.zeros(int((part == i).sum()), int), 1, units=g[part == i])
             for i in range(P)]
    rs, counts, ties = rank_sums(lambda method, **kw: [getattr(p, method)(**kw) for p in parts], L,
                                 fetch=int(rng.choice([1, 20, 65_536])), batch=int(rng.choice([5, 100, 10**6])))
    r = stats.rankdata(x)
    np.testing.assert_array_equal(rs, np.bincount(g, weights=r, minlength=L))
    np.testing.assert_array_equal(counts, np.bincount(g, minlength=L))
    _, t = np.unique(x, return_counts=True)
    assert ties == pytest.approx(float(np.sum(t.astype(float) ** 3 - t)), rel=1e-12)


def _same_channels(x, y):
    _same_tables(x, y, ("table", "tests"))
    for k, v in x.consistency.items():
        if isinstance(v, float) and np.isfinite(v):
            assert y.consistency[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k
        elif isinstance(v, float):
            assert not np.isfinite(y.consistency[k]), k
        else:
            assert y.consistency[k] == v, k
    assert x.notes == y.notes and x.csat_source == y.csat_source


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cluster", ["customer", "account_id", None])
@pytest.mark.parametrize("csat_from", ["auto", "rating"])
def test_channel_consistency_of_parts_equals_the_whole(seed, cluster, csat_from):
    # the median resolution time by Woodruff over partitions, both Kruskal-Wallis tests from exact mid-rank
    # sums, the bad share's range from whole-number bootstrap sums
    from csanalysis.segments.channels import ChannelsPart, channel_consistency, channels_from_parts

    rng = np.random.default_rng(seed)
    linked = _world(rng, int(rng.integers(20, 400)), int(rng.integers(1, 200)))
    n = len(linked.tickets)
    linked.tickets = linked.tickets.assign(
        rating_score=np.where(rng.random(n) < 0.5, rng.random(n).round(2), np.nan),
        direction=rng.choice(["customer", "agent", None], n))
    kw = {"cluster": cluster, "csat_from": csat_from, "n_resamples": 100, "min_n": 5}
    whole = channel_consistency(linked.tickets, linked.responses, **kw)
    assert np.isfinite(whole.tests["statistic"].to_numpy(float)).any()
    for k in (2, 3, 6):
        parts = [ChannelsPart(p.tickets, p.responses, cluster=cluster) for p in split_customers(linked, k, unit=cluster)]
        _same_channels(whole, channels_from_parts(_each(parts), **kw))


@pytest.mark.parametrize("seed", range(12))
def test_rank_sums_of_groups_rank_each_group_on_its_own(seed):
    # with n_groups, each group's values are one ranking of their own, over all parts
    from scipy import stats

    from csanalysis.stats.selection import rank_sums

    rng = np.random.default_rng(100 + seed)
    n, L, G, P = int(rng.integers(1, 4000)), int(rng.integers(1, 4)), int(rng.integers(1, 7)), int(rng.integers(1, 5))
    x = [rng.exponential(60, n), rng.integers(1, 6, n).astype(float), np.round(rng.normal(0, 30, n))][seed % 3]
    g, lab, part = rng.integers(0, G, n), rng.integers(0, L, n), rng.integers(0, P, n)
    parts = [SortedGroups(x[part == i], g[part == i], G, units=lab[part == i]) for i in range(P)]
    rs, counts, ties = rank_sums(_each(parts), L, n_groups=G, fetch=int(rng.choice([1, 30, 65_536])),
                                 batch=int(rng.choice([7, 10**6])))
    assert rs.shape == counts.shape == (G, L) and ties.shape == (G,)
    for j in range(G):
        m = g == j
        np.testing.assert_array_equal(rs[j], np.bincount(lab[m], weights=stats.rankdata(x[m]), minlength=L))
        np.testing.assert_array_equal(counts[j], np.bincount(lab[m], minlength=L))
        _, t = np.unique(x[m], return_counts=True)
        assert ties[j] == float(np.sum(t.astype(float) ** 3 - t))


@pytest.mark.parametrize("seed", range(60))
def test_mann_whitney_from_rank_sums_is_scipys_test(seed):
    # exact for small samples without ties, the normal approximation with tie and continuity corrections
    # otherwise, 1 when every value is the same
    from scipy import stats

    from csanalysis.segments.compare import mann_whitney_from_sums, mann_whitney_p

    rng = np.random.default_rng(seed)
    n1, n2 = (int(v) for v in rng.integers(1, [12, 40] if seed % 2 else [400, 400]))
    a, b = ((rng.normal(size=n1), rng.normal(0.5, size=n2)) if seed % 3 else
            (rng.integers(0, 1 + seed % 7, n1).astype(float), rng.integers(0, 1 + seed % 5, n2).astype(float)))
    x = np.concatenate([a, b])
    _, t = np.unique(x, return_counts=True)
    got = mann_whitney_from_sums(stats.rankdata(x)[:n1].sum(), n1, n2, float(np.sum(t.astype(float) ** 3 - t)))
    assert got == pytest.approx(mann_whitney_p(a, b), rel=1e-12, abs=1e-15)
    assert np.isnan(mann_whitney_from_sums(0.0, 0, 5, 0.0))


def _scorecard_world(rng: np.random.Generator, n: int, m: int, k: int):
    base = _world(rng, n, m)
    created = base.tickets["created_at"]
    t = base.tickets.assign(
        direction=rng.choice(["customer", "agent", None], n, p=[0.7, 0.1, 0.2]),
        agent_key=np.where(rng.random(n) < 0.8, np.char.add("agent_", rng.integers(0, 6, n).astype(str)), None),
        tags=rng.choice(["complaint billing", "billing", None, "Klage"], n),
        replies=np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 4, n)),
        solved_at=(created + pd.Timedelta("2D")).where(rng.random(n) < 0.5))
    r = base.responses.assign(referrals=np.where(rng.random(m) < 0.5, np.nan, rng.integers(0, 3, m)))
    if rng.random() < 0.5:
        r = r.drop(columns="referrals")
    a = pd.DataFrame({"order_id": np.arange(k).astype(str),
                      "customer_id": np.where(rng.random(k) < 0.95, rng.integers(0, n // 3 + 1, k).astype(str), None),
                      "at": pd.Timestamp("2023-10-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 400, k), unit="D")})
    return link_customers(tickets=t, responses=r, activity=a)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("cluster", ["customer", "account_id", None])
def test_scorecard_of_parts_equals_the_whole(seed, cluster):
    # every measure: Poisson rates from counts, cluster-robust shares from sums, medians by Woodruff over
    # partitions, Mann-Whitney changes from exact mid-rank sums per pair of periods, distinct agents per period
    # over parts, the channel spread's bootstrap from whole-number sums
    from csanalysis.segments.scorecard import ScorecardPart, scorecard, scorecard_from_parts

    rng = np.random.default_rng(seed)
    linked = _scorecard_world(rng, int(rng.integers(30, 400)), int(rng.integers(10, 200)), int(rng.integers(1, 300)))
    kw = {"freq": ["M", "Q"][seed % 2], "cluster": cluster, "n_resamples": 100, "min_n": 5,
          "as_of": None if seed % 3 else pd.Timestamp("2024-06-15")}
    whole = scorecard(linked.tickets, linked.responses, linked.activity, **kw)
    assert {"first_reply_p50", "csat_mean", "tickets_per_agent", "repeat_purchase_rate"} <= set(whole.table["measure"])
    for k in (2, 3, 6):
        parts = [ScorecardPart(p.tickets, p.responses, p.activity, cluster=cluster)
                 for p in split_customers(linked, k, unit=cluster)]
        got = scorecard_from_parts(_each(parts), **kw)
        _same_tables(whole, got, ("table",))
        assert (whole.notes, whole.lead, whole.as_of) == (got.notes, got.lead, got.as_of)


def test_scorecard_keeps_a_ticket_column_named_as_the_sampling_unit():
    # a cluster column the scorecard does not otherwise read stays (it was dropped before the check, so
    # cluster="team" was refused although the tickets have it)
    from csanalysis.segments.scorecard import scorecard

    linked = _scorecard_world(np.random.default_rng(3), 200, 50, 100)
    t = linked.tickets.assign(team=np.where(np.arange(200) % 2, "north", "south"))
    sc = scorecard(t, cluster="team")
    assert any("'team' as clusters" in n for n in sc.notes)
