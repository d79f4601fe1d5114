"""Partitions of customers (issue 9, point 9): per-partition statistics combine to one pass."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.estimators import avoidance, service_metrics, word_of_mouth
from csanalysis.estimators.avoidance import index_durations
from csanalysis.experiences import BadExperienceRule, customer_summary, experiences
from csanalysis.partition import (
    ESTIMATE_IDS,
    FEATURE_COLUMNS,
    Partials,
    combine,
    customer_phase,
    estimates,
    split_customers,
)

TABLES = ("tickets", "responses", "activity", "customers")


@pytest.fixture(scope="module")
def linked():
    s = cs.datasets.load_sample()
    return cs.link_customers(s.tickets, s.responses, s.activity, s.customers)


@pytest.fixture(scope="module")
def as_of(linked):
    return linked.activity["at"].max()


@pytest.fixture(scope="module")
def one(linked, as_of):
    return customer_phase(linked, as_of=as_of)


@pytest.fixture(scope="module")
def pieces(linked, as_of):
    return [customer_phase(p, as_of=as_of) for p in split_customers(linked, 4)]


def _same(a: Partials, b: Partials) -> None:
    """Integer counts exactly equal, estimates to 1e-12."""
    for f in ("survival", "answers", "shares", "features"):
        pd.testing.assert_frame_equal(getattr(a, f), getattr(b, f), check_exact=True)
    ea, eb = estimates(a), estimates(b)
    pd.testing.assert_frame_equal(ea[["id", "group", "n"]], eb[["id", "group", "n"]], check_exact=True)
    np.testing.assert_allclose(ea["estimate"], eb["estimate"], rtol=0, atol=1e-12)
    assert a.equals(b)


# ----------------------------------------------------------------------------- 1. four parts = one pass
def test_four_parts_equal_one_pass(one, pieces):
    assert all(len(p.features) for p in pieces)  # four non-trivial parts
    _same(combine(pieces), one)
    for f in ("survival", "answers", "shares"):
        assert (getattr(one, f).dtypes == "int64").all()
    est = estimates(one)
    assert list(est["id"]) == list(ESTIMATE_IDS)
    assert (est["group"] == "all").all()
    assert est["estimate"].notna().all()


def test_empty_part(linked, as_of, one):
    # a partition without any row (as a hash split of few customers can give) adds nothing
    empty = replace(linked, **{n: getattr(linked, n).iloc[:0] for n in TABLES})
    e = customer_phase(empty, as_of=as_of)
    assert e.survival.empty and e.answers.empty and e.features.empty
    assert (e.shares[["k", "n"]] == 0).all().all()
    assert estimates(e)["estimate"].isna().all() and (estimates(e)["n"] == 0).all()
    _same(combine([e, one]), one)
    _same(combine([one, e]), one)


def test_response_follows_its_ticket(linked, as_of):
    # responses about a ticket carry another customer (or none), tickets lose theirs: the split keeps
    # each response with its ticket, as experiences() attaches it, so the parts still add up
    # (without that routing, avoid_2y_after_bad would differ by 0.016 here)
    r = linked.responses.copy()
    t = linked.tickets.copy()
    about = r["ticket_id"].isin(t["ticket_id"]).to_numpy()
    idx = np.flatnonzero(about)
    r.loc[r.index[idx[::3]], "customer"] = "someone-else"
    r.loc[r.index[idx[1::3]], "customer"] = np.nan
    named = t["ticket_id"].isin(r.loc[r.index[idx[2::3]], "ticket_id"]).to_numpy()
    t.loc[named, "customer"] = np.nan
    # and an index with repeated labels, as after concatenating two exports
    odd = replace(linked, tickets=t.set_axis(np.arange(len(t)) % 7), responses=r.set_axis(np.arange(len(r)) % 5))
    whole = customer_phase(odd, as_of=as_of)
    _same(combine([customer_phase(p, as_of=as_of) for p in split_customers(odd, 4, seed=3)]), whole)


# ----------------------------------------------------------------------------- 2. the estimators' figures
def test_one_pass_equals_the_estimators(linked, as_of, one):
    got = estimates(one).set_index("id")
    exp = experiences(linked.tickets, linked.responses)
    av = avoidance(exp, linked.activity, window=730, as_of=as_of, n_resamples=50, seed=0)
    sm = service_metrics(linked.tickets, linked.responses).overall.set_index("metric")
    wm = word_of_mouth(linked.responses, n_resamples=50).summary()
    wm = wm[wm["group"] == "dissatisfied"].set_index("id")
    want = {f: (av.figure(f)["estimate"], av.figure(f)["n"]) for f in ("avoid_2y_after_bad", "avoid_2y_after_good")}
    for m in ("csat_mean", "csat_top2", "nps", "ces_mean", "bad_rating_share", "reopen_rate"):
        want[m] = (sm.loc[m, "value"], sm.loc[m, "n"])
    for i in ("share_bad_any", "wom_told_over_20", "told_others_not_to_buy_after_bad"):
        want[i] = (wm.loc[i, "estimate"], wm.loc[i, "n"])
    assert set(want) == set(ESTIMATE_IDS)
    for id_, (value, n) in want.items():
        assert got.loc[id_, "estimate"] == pytest.approx(value, abs=1e-12, rel=0), id_
        assert int(got.loc[id_, "n"]) == int(n), id_
    # the Kaplan-Meier counts are those of the estimator's own curves
    for g, f in (("bad", "avoid_2y_after_bad"), ("good", "avoid_2y_after_good")):
        tl = av.curves[g].timeline
        tl = tl[(tl["events"] + tl["censored"]) > 0]
        mine = one.survival.xs(f, level="figure").groupby(level="duration").sum()
        np.testing.assert_array_equal(mine.index.to_numpy(), tl["time"].to_numpy())
        np.testing.assert_array_equal(mine["events"].to_numpy(), tl["events"].to_numpy())
        np.testing.assert_array_equal(mine["censored"].to_numpy(), tl["censored"].to_numpy())


def test_index_durations_are_the_estimators(linked, as_of):
    exp = experiences(linked.tickets, linked.responses)
    av = avoidance(exp, linked.activity, as_of=as_of, baseline="none", n_resamples=20)
    for which in ("bad", "good"):
        d = index_durations(exp, linked.activity, as_of=as_of, which=which)
        ep = av.episodes[av.episodes["group"] == which]
        assert list(d.columns) == ["customer", "index_at", "duration", "event", "followup", "rate_band"]
        np.testing.assert_array_equal(d["customer"].to_numpy(), ep["customer"].to_numpy())
        np.testing.assert_array_equal(d["duration"].to_numpy(), ep["duration_days"].to_numpy())
        np.testing.assert_array_equal(d["event"].to_numpy(), ep["event"].to_numpy())
        assert d["customer"].is_unique


def test_features_match_customer_summary(linked, one):
    cs_ = customer_summary(linked.tickets, linked.responses, linked.activity)
    want = cs_.rename(columns={"first_purchase_at": "first_order_at", "last_purchase_at": "last_order_at"})
    want = want[list(FEATURE_COLUMNS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(one.features, want, check_exact=True)


def test_rule_and_window_are_used(linked, as_of, one):
    rule = BadExperienceRule(ces_at_least=6)
    p = customer_phase(linked, as_of=as_of, window=365, rule=rule)
    exp = experiences(linked.tickets, linked.responses, rule=rule)
    av = avoidance(exp, linked.activity, window=365, as_of=as_of, baseline="none", n_resamples=20)
    got = estimates(p).set_index("id")
    for f in ("avoid_2y_after_bad", "avoid_2y_after_good"):
        assert got.loc[f, "estimate"] == pytest.approx(av.figure(f)["estimate"], abs=1e-12, rel=0)
        assert got.loc[f, "n"] == av.figure(f)["n"]
    assert p.features["n_bad"].sum() > one.features["n_bad"].sum()


# ----------------------------------------------------------------------------- 3. the split
def test_every_customer_in_exactly_one_part(linked):
    parts = split_customers(linked, 4)
    assert len(parts) == 4
    for name in TABLES:
        whole = getattr(linked, name)
        sizes = [len(getattr(p, name)) for p in parts]
        assert sum(sizes) == len(whole) and all(sizes), name
        # every row exactly once, row order kept within a part
        idx = np.concatenate([getattr(p, name).index.to_numpy() for p in parts])
        assert np.array_equal(np.sort(idx), np.sort(whole.index.to_numpy()))
        for p in parts:
            assert getattr(p, name).index.is_monotonic_increasing
    home: dict[str, set[int]] = {}
    for i, p in enumerate(parts):
        for name in TABLES:
            for c in getattr(p, name)["customer"].dropna().unique():
                home.setdefault(c, set()).add(i)
    assert all(len(v) == 1 for v in home.values())
    assert set(home) == set(pd.concat([getattr(linked, n)["customer"] for n in TABLES]).dropna())
    assert all(p.reason == linked.reason for p in parts)


def test_split_is_stable_and_seeded(linked):
    a = split_customers(linked, 3)
    b = split_customers(linked, 3, seed=0)
    c = split_customers(linked, 3, seed=1)
    assert all(x.activity.index.equals(y.activity.index) for x, y in zip(a, b))
    assert not all(x.activity.index.equals(y.activity.index) for x, y in zip(a, c))
    assert len(split_customers(linked, 1)[0].tickets) == len(linked.tickets)


def test_rows_without_customer_go_to_part_zero(linked):
    act = linked.activity.copy()
    act.loc[act.index[:5], "customer"] = np.nan
    parts = split_customers(replace(linked, activity=act), 4)
    assert parts[0].activity["customer"].isna().sum() == 5
    assert sum(len(p.activity) for p in parts) == len(act)


def test_split_checks_arguments(linked):
    with pytest.raises(ValueError, match="n_parts"):
        split_customers(linked, 0)
    with pytest.raises(ValueError, match="seed"):
        split_customers(linked, 2, seed=-1)
    with pytest.raises(TypeError, match="LinkedData"):
        split_customers(linked.tickets, 2)


# ----------------------------------------------------------------------------- 4. combine
def test_combine_is_associative_and_order_free(pieces):
    a, b, c, d = pieces
    ref = combine([a, b, c, d])
    assert ref.equals(combine([combine([a, b]), combine([c, d])]))
    assert ref.equals(combine([combine([combine([a, b]), c]), d]))
    assert ref.equals(combine([a, combine([b, combine([c, d])])]))
    assert ref.equals(combine([d, b, a, c]))
    assert ref.equals(combine([combine([c, a]), d, b]))
    assert combine([a]).equals(a)


def test_combine_refuses_mismatches(linked, as_of, pieces):
    a = pieces[0]
    with pytest.raises(ValueError, match="more than one part"):
        combine([a, a])
    other = customer_phase(split_customers(linked, 4)[1], as_of=as_of, window=365)
    with pytest.raises(ValueError, match="settings"):
        combine([a, other])
    with pytest.raises(ValueError, match="at least one"):
        combine([])
    with pytest.raises(TypeError, match="Partials"):
        combine([a, "b"])


def test_customer_phase_checks_arguments(linked, as_of):
    with pytest.raises(ValueError, match="window"):
        customer_phase(linked, as_of=as_of, window=0)
    with pytest.raises(ValueError, match="as_of"):
        customer_phase(linked, as_of=None)
    with pytest.raises(TypeError, match="LinkedData"):
        customer_phase(linked.tickets, as_of=as_of)


def test_known_times_and_open_tickets_add_up_across_parts():
    # index at the solved time, purchases while a ticket is open skipped, good episodes censored at a later bad one:
    # all of it per customer, so four parts still add up to the estimator's own curves
    rng = np.random.default_rng(5)
    n, k = 120, 400
    day = pd.Timestamp("2022-01-01", tz="UTC")
    created = day + pd.to_timedelta(rng.uniform(0, 500, k), unit="D")
    t = pd.DataFrame({"ticket_id": np.arange(k).astype(str), "customer_id": rng.integers(0, n, k).astype(str),
                      "created_at": created, "solved_at": created + pd.to_timedelta(rng.uniform(0, 40, k), unit="D"),
                      "rating": rng.choice(["bad", "good", None], k)})
    a = pd.DataFrame({"customer_id": rng.integers(0, n, 8 * n).astype(str),
                      "at": day + pd.to_timedelta(rng.uniform(-300, 1400, 8 * n), unit="D")})
    linked = cs.link_customers(tickets=t, activity=a)
    as_of = linked.activity["at"].max()
    whole = customer_phase(linked, as_of=as_of)
    _same(combine([customer_phase(p, as_of=as_of) for p in split_customers(linked, 4)]), whole)
    exp = experiences(linked.tickets, None)
    av = avoidance(exp, linked.activity, as_of=as_of, baseline="none", n_resamples=20)
    assert av.counts["purchases_while_ticket_open"] > 0 and av.counts["good_censored_at_later_bad"] > 0
    got = estimates(whole).set_index("id")
    for f in ("avoid_2y_after_bad", "avoid_2y_after_good"):
        assert got.loc[f, "estimate"] == pytest.approx(av.figure(f)["estimate"], abs=1e-12, rel=0)
        assert got.loc[f, "n"] == av.figure(f)["n"]
    assert 0 < got.loc["avoid_2y_after_bad", "estimate"] < 1


def test_a_curve_that_reached_zero_gives_zero_in_both():
    t = pd.DataFrame({"ticket_id": ["1", "2"], "customer_id": ["a", "b"], "created_at": ["2024-01-10"] * 2,
                      "solved_at": ["2024-01-11"] * 2, "rating": ["bad", "bad"]})
    a = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "at": ["2024-01-01", "2024-02-01", "2024-01-01",
                                                                  "2024-03-01"]})
    linked = cs.link_customers(tickets=t, activity=a)
    as_of = pd.Timestamp("2024-06-30", tz="UTC")
    av = avoidance(experiences(linked.tickets, None), linked.activity, as_of=as_of, baseline="none", n_resamples=20)
    assert av.figure("avoid_2y_after_bad")["estimate"] == 0.0
    assert estimates(customer_phase(linked, as_of=as_of)).set_index("id").loc["avoid_2y_after_bad", "estimate"] == 0.0


def test_stratified_bad_figure_equals_the_estimator_across_partitions(tmp_path_factory):
    """With enough bad-experience customers the figure is standardised over purchase-rate strata; the partitions'
    counts per band give the estimator's value."""
    from csanalysis.datasets.generate import BENCHMARK_RATES, generate_sample
    from csanalysis.estimators.avoidance import MIN_STRATUM

    d = tmp_path_factory.mktemp("gen")
    generate_sample(d, n_customers=6000, seed=5, rates=BENCHMARK_RATES, danish=False, snapshot=False)
    big = cs.link_customers(cs.read_tickets(d / "zendesk_tickets.csv", key="k"),
                            cs.read_survey(d / "qualtrics_survey.csv", key="k"),
                            cs.read_activity(d / "shopify_orders.csv", key="k"))
    at = big.activity["at"].max()
    exp = experiences(big.tickets, big.responses)
    av = avoidance(exp, big.activity, as_of=at, baseline="none", n_resamples=20)
    row = av.figure("avoid_2y_after_bad")
    dur = index_durations(exp, big.activity, as_of=at)
    assert (dur.groupby("rate_band").size() >= 1).sum() >= 2 and len(dur) >= 2 * MIN_STRATUM
    assert "strata of the pre-index purchase rate" in row["method"]
    four = estimates(combine([customer_phase(p, as_of=at) for p in split_customers(big, 4)])).set_index("id")
    assert four.loc["avoid_2y_after_bad", "estimate"] == pytest.approx(row["estimate"], abs=1e-12, rel=0)
    # the figure is the standardisation of index_durations' own bands
    from csanalysis.stats import stratified_survival
    ss = stratified_survival(dur["duration"], dur["event"], dur["rate_band"], min_stratum=MIN_STRATUM)
    assert ss.survival_at(730)[0] == pytest.approx(row["estimate"], abs=1e-12)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


# ----------------------------------------------------------------------------- B2: a sampling unit in one part
def _unit_homes(linked, parts, unit):
    """For every sampling unit of the tickets and the answers, the parts holding its rows."""
    from csanalysis.estimators.metrics import sampling_units

    homes: dict[str, set[int]] = {}
    for name, row_id, via in (("tickets", "ticket_id", linked.responses), ("responses", "response_id", linked.tickets)):
        whole = getattr(linked, name)
        ids, _ = sampling_units(whole, unit, row_id=row_id, via=via)
        of = pd.Series(np.asarray(ids, dtype=object), index=whole.index)
        for i, p in enumerate(parts):
            for u in of.loc[getattr(p, name).index].dropna().unique():
                homes.setdefault(u, set()).add(i)
    return homes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_customers_sharing_a_unit_go_to_one_part(seed, shared_accounts):
    linked = shared_accounts(seed)
    for n in (2, 3, 5):
        parts = split_customers(linked, n, unit="account_id")
        homes = _unit_homes(linked, parts, "account_id")
        assert homes and all(len(v) == 1 for v in homes.values()), n
        customers: dict[str, set[int]] = {}
        for name in ("tickets", "responses", "activity"):  # every row in exactly one part, a customer's in one
            idx = np.concatenate([getattr(p, name).index.to_numpy() for p in parts])
            assert np.array_equal(np.sort(idx), np.sort(getattr(linked, name).index.to_numpy()))
            for i, p in enumerate(parts):
                for c in getattr(p, name)["customer"].dropna().unique():
                    customers.setdefault(c, set()).add(i)
        assert all(len(v) == 1 for v in customers.values())
    # without the grouping, accounts do span parts in these tables (so the check above can fail)
    parts = split_customers(linked, 5)
    assert any(len(v) > 1 for v in _unit_homes(linked, parts, "account_id").values())


def test_a_customer_sharing_no_unit_stays_where_it_was(linked):
    """Customers grouped with nobody are placed as before: only the customers sharing a unit move."""
    from csanalysis.partition import unit_groups

    a, b = split_customers(linked, 4), split_customers(linked, 4, unit="account_id")
    groups = unit_groups(linked.tickets, linked.responses, "account_id")
    moved = set(groups.customers.index) if groups is not None else set()
    for x, y in zip(a, b):
        keep_x = set(x.activity["customer"].dropna()) - moved
        keep_y = set(y.activity["customer"].dropna()) - moved
        assert keep_x == keep_y
    assert all(x.activity.index.equals(y.activity.index) for x, y in zip(a, split_customers(linked, 4, unit="customer")))
    homes = _unit_homes(linked, b, "account_id")
    assert all(len(v) == 1 for v in homes.values())


def test_unit_groups_are_the_connected_components():
    from csanalysis.partition import unit_groups

    # c1 - A - c2 - B - c3 (a chain through two accounts), c4 alone, C on an ownerless ticket only (no group:
    # every row of C has no owner, so all go to part 0)
    t = pd.DataFrame({"ticket_id": ["1", "2", "3", "4", "5", "6"], "customer": ["c2", "c1", "c2", "c3", "c4", None],
                      "account_id": ["A", "A", "B", "B", None, "C"]})
    g = unit_groups(t, None, "account_id")
    assert g.customers.to_dict() == {"c2": "c1", "c3": "c1"}
    assert g.units.to_dict() == {"A": "c1", "B": "c1"}
    assert g.keys(t["customer"], t["account_id"]).tolist()[:5] == ["c1", "c1", "c1", "c1", "c4"]
    assert pd.isna(g.keys(t["customer"], t["account_id"]).iloc[5])
    # an ownerless ticket of a shared account goes with the account's customers
    t2 = pd.concat([t, pd.DataFrame({"ticket_id": ["7"], "customer": [None], "account_id": ["B"]})], ignore_index=True)
    assert unit_groups(t2, None, "account_id").keys(t2["customer"], t2["account_id"]).iloc[6] == "c1"
    # an answer by c5 about c4's ticket joins c5 to c4
    r = pd.DataFrame({"ticket_id": ["5"], "customer": ["c5"], "responded_at": pd.Timestamp("2024-01-01", tz="UTC")})
    g = unit_groups(t, r, "account_id")
    assert g.customers.to_dict() == {"c2": "c1", "c3": "c1", "c5": "c4"}
    # customers as the unit: only that kind of link (an answer's customer is its unit, placed with the ticket)
    g = unit_groups(t, r, "customer")
    assert g.customers.to_dict() == {"c5": "c4"} and g.units.empty
    assert unit_groups(t, None, "customer") is None and unit_groups(t, r, None) is None
    assert unit_groups(t.assign(account_id=None), None, "account_id") is None


def test_owners_are_found_without_a_python_string_per_ticket():
    # ticket_owners (and unit_groups, placing_keys through it) runs over every ticket of the export in one task
    # on the Dask engine: with each ticket id and customer made a Python string it held about 200 bytes a ticket
    # besides the tables (at 5M customers, a 4.5 GB worker died in unit_groups); Arrow text looked up in pyarrow
    # holds about 15
    import tracemalloc

    from csanalysis.partition import ticket_owners

    n = 100_000
    rng = np.random.default_rng(0)
    t = pd.DataFrame({"ticket_id": pd.Series(np.char.add("T", np.arange(n).astype(str)), dtype="str"),
                      "customer": pd.Series(np.char.add("cust-", rng.integers(0, n // 3, n).astype(str)), dtype="str")})
    pick = rng.integers(0, n, n // 5)
    r = pd.DataFrame({"ticket_id": pd.Series(t["ticket_id"].to_numpy()[pick], dtype="str"),
                      "customer": pd.Series(rng.choice(t["customer"].to_numpy(), n // 5), dtype="str"),
                      "responded_at": pd.Timestamp("2024-01-01", tz="UTC")
                      + pd.to_timedelta(rng.integers(0, 10**6, n // 5), "s")})
    tracemalloc.start()
    try:
        own_t, own_r = ticket_owners(t, r)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / n < 60, f"{peak / n:.0f} bytes per ticket"
    # an answer about a ticket goes with the ticket's customer
    assert own_r.tolist() == t["customer"].to_numpy()[pick].tolist()
    assert own_t.tolist() == t["customer"].tolist()


def _owner_tables(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tickets and answers with everything that decides an owner: repeated and missing ticket ids, tickets
    without a customer, answers about unknown tickets, by other customers, without a time, accounts on some."""
    rng = np.random.default_rng(seed)
    n_t, n_r = int(rng.integers(0, 300)), int(rng.integers(0, 200))
    ids = np.array([f"t{i}" for i in rng.integers(0, max(n_t, 1) * 2, n_t)], dtype=object)
    ids[rng.random(n_t) < 0.05] = None
    cust = np.array([f"c{i}" for i in rng.integers(0, 60, n_t)], dtype=object)
    cust[rng.random(n_t) < 0.15] = None
    acct = np.array([f"A{i}" for i in rng.integers(0, 15, n_t)], dtype=object)
    acct[rng.random(n_t) < 0.5] = None
    t = pd.DataFrame({"ticket_id": pd.Series(ids, dtype="str"), "customer": pd.Series(cust, dtype="str"),
                      "account_id": pd.Series(acct, dtype="str")})
    rid = np.array([f"t{i}" for i in rng.integers(0, max(n_t, 1) * 2, n_r)], dtype=object)
    rid[rng.random(n_r) < 0.1] = None
    rc = np.array([f"c{i}" for i in rng.integers(0, 70, n_r)], dtype=object)
    rc[rng.random(n_r) < 0.3] = None
    at = pd.Series(pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 5, n_r), "D"))
    at[rng.random(n_r) < 0.1] = pd.NaT
    r = pd.DataFrame({"ticket_id": pd.Series(rid, dtype="str"), "responded_at": at, "customer": pd.Series(rc, dtype="str")})
    return t, r


def _cut(df: pd.DataFrame, rng: np.random.Generator) -> tuple[list[pd.DataFrame], list[int]]:
    """``df`` cut at random rows into pieces (at least one), and each piece's first row number."""
    cuts = np.sort(rng.integers(0, len(df) + 1, int(rng.integers(0, 4))))
    starts = [0, *cuts.tolist()]
    bounds = [*starts, len(df)]
    return [df.iloc[bounds[i]:bounds[i + 1]] for i in range(len(starts))], starts


@pytest.mark.parametrize("unit", [None, "customer", "account_id"])
def test_placing_keys_found_by_ticket_id_part_equal_the_whole_tables(unit):
    # the Dask engine finds the split's keys and the units' groups part by part of ticket ids (every piece's rows
    # of an id sent to one task, the keys sent back to the pieces, the distinct edges joined in one graph)
    # instead of in one task over every ticket: the same keys and groups
    from csanalysis.partition import (
        groups_of_edges,
        piece_from_parts,
        placing_keys,
        placing_keys_by_row,
        rows_by_piece,
        ticket_id_parts,
        unit_edges,
        unit_groups,
    )

    rng = np.random.default_rng(7)
    for seed in range(15):
        t, r = _owner_tables(seed)
        if unit is None:
            t = t.drop(columns="account_id")
        groups = unit_groups(t, r, unit)
        want_t, want_r = placing_keys(t, r, groups)
        (tp, ts), (rp, rs) = _cut(t, rng), _cut(r, rng)
        for m in range(1, 7):
            by_t = [ticket_id_parts(p, m, start=s) for p, s in zip(tp, ts)]
            by_r = [ticket_id_parts(p, m, start=s) for p, s in zip(rp, rs)]
            back_t, back_r, edges = [], [], []
            for j in range(m):
                t_j, r_j = pd.concat([b[j] for b in by_t]), pd.concat([b[j] for b in by_r])
                edges.append(unit_edges(t_j, r_j, unit))
                kt, kr = placing_keys_by_row(t_j, r_j, groups)
                back_t.append(rows_by_piece(kt, ts))
                back_r.append(rows_by_piece(kr, rs))
            got_t = pd.concat([piece_from_parts([b[i] for b in back_t], len(p)) for i, p in enumerate(tp)], ignore_index=True)
            got_r = pd.concat([piece_from_parts([b[i] for b in back_r], len(p)) for i, p in enumerate(rp)], ignore_index=True)
            pd.testing.assert_series_equal(got_t, want_t, check_names=False, check_dtype=False)
            pd.testing.assert_series_equal(got_r, want_r, check_names=False, check_dtype=False)
            # the groups from every part's edges are the whole tables' (the engine's group_customers)
            joined = None if unit is None else groups_of_edges(edges, unit)
            assert (joined is None) == (groups is None)
            if groups is not None:
                assert joined.customers.to_dict() == groups.customers.to_dict()
                assert joined.units.to_dict() == groups.units.to_dict()
    # (an answer about another customer's ticket does follow it in these tables, so the parts matter)
    t, r = _owner_tables(3)
    assert (placing_keys(t, r, None)[1] != r["customer"]).fillna(False).any()
