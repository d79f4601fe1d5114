"""Stages computed per partition of customers and combined (issue 13, item 5): the combined result equals one
pass over the whole table, for any split that keeps each customer's rows together.

The activity's order counts (:func:`csanalysis.guards.order_counts`, read by the analysis currency and the
guards) and RFM (:func:`csanalysis.segments.rfm_part`, :func:`csanalysis.segments.rfm_combine`) on random
activity tables with missing customers, times, amounts and order ids, repeated orders and several currencies;
word of mouth, attributable churn, service levels, snapshot churn and the clusters' customer features on
random or simulated tables; each split into 1 to 6 parts by the partitioner the Dask engine uses, the parts
combined in any order, error messages included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import wire
from pandas.testing import assert_frame_equal

from csanalysis.guards import (
    ORDER_COUNT_COLUMNS,
    analysis_currency,
    combine_order_counts,
    currency_split,
    most_common_currency,
    order_counts,
    run_guards,
)
from csanalysis.partition import part_numbers, split_positions
from csanalysis.segments import rfm, rfm_combine, rfm_part


def _activity(rng: np.random.Generator, n: int, currencies: tuple[str, ...]) -> pd.DataFrame:
    start = pd.Timestamp("2024-01-01", tz="UTC")
    a = pd.DataFrame({
        "customer": pd.array(rng.choice(["a", "b", "c", "d", "e", "f", "g", None], n), dtype="str"),
        "at": start + pd.to_timedelta(rng.integers(0, 400 * 86_400, n), "s"),
        "order_id": pd.array(rng.choice(["1", "2", "3", "4", "5", "6", "7", None], n), dtype="str"),
        "amount": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 6, n) * 10.0),
        "currency": pd.array(rng.choice(list(currencies) + [None], n), dtype="str"),
    })
    a.loc[rng.random(n) < 0.05, "at"] = pd.NaT
    return a


def _positions(a: pd.DataFrame, n_parts: int) -> list[np.ndarray]:
    return split_positions(part_numbers(a["customer"], n_parts), n_parts)


WORLDS = [(seed, n, cur) for seed, (n, cur) in enumerate(
    [(0, ("EUR",)), (1, ("EUR",)), (30, ("EUR",)), (40, ("EUR", "DKK")), (60, ("DKK", "EUR", "USD")),
     (45, ("SEK",)), (80, ("EUR", "DKK", "USD", "SEK"))] * 6)]


@pytest.mark.parametrize("seed,n,currencies", WORLDS)
def test_order_counts_of_parts_add_up_to_the_whole(seed, n, currencies):
    a = _activity(np.random.default_rng(seed), n, currencies)
    whole = order_counts(a)
    assert list(whole.currencies.columns) == list(ORDER_COUNT_COLUMNS)
    for k in (1, 2, 3, 6):
        parts = [order_counts(a.take(p), p) for p in _positions(a, k)]
        both = combine_order_counts(parts)
        assert_frame_equal(both.currencies, whole.currencies, check_exact=True)
        assert (both.customers, both.repeat_buyers) == (whole.customers, whole.repeat_buyers)
        for cur in (None, "EUR"):  # what the analysis and the guards read of them
            assert analysis_currency(None, cur, orders=both) == analysis_currency(a, cur)
            g, h = run_guards(None, None, currency=cur, orders=both), run_guards(None, a, currency=cur)
            assert_frame_equal(g.currencies, h.currencies, check_exact=True)
            assert_frame_equal(g.histories, h.histories, check_exact=True)
            assert_frame_equal(g.currencies, currency_split(a, cur), check_exact=True)


def test_order_counts_against_plain_pandas():
    rng = np.random.default_rng(7)
    a = _activity(rng, 500, ("EUR", "DKK", "USD"))
    c = order_counts(a)
    raw = a["currency"].value_counts()
    assert c.currencies["rows"].to_dict() == raw.sort_index().to_dict()
    d = a[a["customer"].notna()]
    d = d[~(d.duplicated(["customer", "order_id"]) & d["order_id"].notna())]
    per = d.groupby("customer").size()
    assert (c.customers, c.repeat_buyers) == (len(per), int((per >= 2).sum()))
    priced = d[d["amount"].notna() & d["currency"].notna()]
    assert c.currencies["orders"].to_dict() == priced["currency"].value_counts().sort_index().to_dict()
    assert c.currencies["customers"].to_dict() == priced.groupby("currency")["customer"].nunique().to_dict()
    paid_in = priced.groupby("customer")["currency"].nunique()
    only = priced[priced["customer"].map(paid_in) == 1].groupby("currency")["customer"].nunique()
    assert c.currencies["only_customers"].to_dict() == only.reindex(c.currencies.index, fill_value=0).to_dict()
    first = pd.Series(np.arange(len(a)), index=a.index)[priced.index].groupby(priced["currency"]).min()
    assert c.currencies["first_order"].to_dict() == first.to_dict()
    # the most common currency of the rows: the first in sorted order among equals
    assert most_common_currency(order_counts(pd.DataFrame({"customer": list("abcd"),
                                                           "currency": ["USD", "EUR", "USD", "EUR"]}))) == ("EUR", 2)


def test_equally_common_currencies_are_ordered_by_their_first_order_in_the_whole_table():
    # the part holding the later order is combined first: ties still go to the currency seen first
    a = pd.DataFrame({"customer": ["x", "y"], "order_id": ["1", "2"], "amount": 1.0, "currency": ["EUR", "DKK"]})
    parts = [order_counts(a.iloc[[1]], [1]), order_counts(a.iloc[[0]], [0])]
    assert analysis_currency(None, orders=combine_order_counts(parts)) == analysis_currency(a) == "EUR"


def _same_rfm(x, y) -> None:
    assert_frame_equal(x.table, y.table, check_exact=True)
    assert (x.notes, x.currency, x.as_of, x.bins) == (y.notes, y.currency, y.as_of, y.bins)


def _whole_rfm_or_the_same_error(a, as_of, currency, bins, combine):
    """``rfm`` of the whole table, or None when it raises and ``combine`` of the parts raises the same."""
    try:
        return rfm(a, as_of=as_of, currency=currency, bins=bins)
    except ValueError as exc:  # the same error from the parts
        resolved = pd.Timestamp("2024-11-01 23:59:59.999999999", tz="UTC") if as_of else None
        for k in (1, 4):
            with pytest.raises(ValueError) as got:
                combine([rfm_part(a.take(p), as_of=resolved, currency=currency, positions=p)
                         for p in _positions(a, k)], as_of=resolved, currency=currency, bins=bins)
            assert str(got.value) == str(exc)
    return None


@pytest.mark.parametrize("seed,n,currencies", WORLDS)
@pytest.mark.parametrize("currency", [None, "EUR"])
def test_rfm_of_parts_equals_rfm_of_the_whole(seed, n, currencies, currency):
    a = _activity(np.random.default_rng(100 + seed), n, currencies)
    bins = (3, 4, 5)[seed % 3]
    as_of = None if seed % 2 else "2024-11-01"
    whole = _whole_rfm_or_the_same_error(a, as_of, currency, bins, lambda parts, **kw: rfm_combine(parts, **kw))
    if whole is None:
        return
    for k in (1, 2, 3, 6):
        parts = [rfm_part(a.take(p), as_of=whole.as_of, currency=currency, positions=p) for p in _positions(a, k)]
        _same_rfm(rfm_combine(parts, as_of=whole.as_of, currency=currency, bins=bins), whole)


def test_rfm_parts_keep_the_notes_on_currencies():
    # two currencies: customers who paid only in the other are left out, other orders counted for R and F
    a = pd.DataFrame({"customer": ["a", "a", "b", "c", "c", "d"], "order_id": list("123456"),
                      "at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-05", "2024-04-01",
                                            "2024-05-01"], utc=True),
                      "amount": [10.0, 20.0, 30.0, 40.0, 50.0, np.nan], "currency": ["EUR", "DKK", "DKK", "EUR",
                                                                                    "EUR", "EUR"]})
    whole = rfm(a, currency="EUR", bins=3)
    assert any("paid only in other currencies" in n for n in whole.notes)
    assert any("count for recency and frequency" in n for n in whole.notes)
    for k in (2, 3):
        parts = [rfm_part(a.take(p), as_of=whole.as_of, currency="EUR", positions=p) for p in _positions(a, k)]
        _same_rfm(rfm_combine(parts, as_of=whole.as_of, currency="EUR", bins=3), whole)
    with pytest.raises(ValueError, match="2 currencies: EUR \\(3 orders\\), DKK \\(2 orders\\)"):
        rfm_combine([rfm_part(a.take(p), as_of=whole.as_of, positions=p) for p in _positions(a, 3)],
                    as_of=whole.as_of)


def _answers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    low = rng.choice([0, 1, 2, 6, 11, 21, np.nan], n).astype(float)
    high = np.select([low == 0, low <= 2, low == 21], [0.0, 5.0, np.nan], default=low + 4)
    return pd.DataFrame({"csat": rng.choice([1, 2, 3, 4, 5, np.nan], n), "told_count_low": low,
                         "told_count_high": high,
                         "warned_others": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
                         "customer": pd.array(rng.choice(["a", "b", "c", "d", "e", "f", "g", None], n), dtype="str")})


def _same_word_of_mouth(x, y) -> None:
    assert_frame_equal(x.table, y.table, check_exact=True)
    assert x.settings == y.settings
    for g in ("dissatisfied", "satisfied"):
        assert_frame_equal(x.answers(g), y.answers(g), check_exact=True)


@pytest.mark.parametrize("seed", range(12))
def test_word_of_mouth_of_parts_equals_the_whole(seed):
    from csanalysis.estimators import word_of_mouth
    from csanalysis.estimators.word_of_mouth import word_of_mouth_combine, word_of_mouth_part

    rng = np.random.default_rng(300 + seed)
    r = _answers(rng, int(rng.integers(1, 120)))
    if seed % 4 == 3:
        r = r.drop(columns="warned_others")
    whole = word_of_mouth(r, n_resamples=40, seed=seed)
    for k in (1, 2, 5):
        pos = _positions(r, k)
        parts = [word_of_mouth_part(r.take(p), n_resamples=40, seed=seed, positions=p) for p in pos]
        # the parts in any order: the same classes, weights and answers
        _same_word_of_mouth(word_of_mouth_combine(parts[::-1], n_resamples=40, seed=seed), whole)


def test_word_of_mouth_parts_need_the_resolved_seed():
    from csanalysis.estimators.word_of_mouth import word_of_mouth_part

    with pytest.raises(ValueError, match="whole number"):
        word_of_mouth_part(_answers(np.random.default_rng(1), 10), seed=None)


@pytest.mark.parametrize("seed,options", [(0, {}), (1, {"risk_method": "complete"}), (2, {"stratify": False}),
                                          (3, {"lookback_days": 30, "after_days": 10}), (4, {})])
def test_attributable_churn_of_parts_equals_the_whole(seed, options):
    import json

    from csanalysis.estimators import attributable_churn
    from csanalysis.estimators.avoidance import simulate_avoidance_scenario
    from csanalysis.estimators.churn import (
        attributable_churn_combine,
        attributable_churn_part,
        experience_span,
    )

    exp, act, _ = simulate_avoidance_scenario(600, seed=seed)
    as_of = max(act["at"].max(), exp["at"].max())
    boot = {"n_resamples": 50, "seed": seed}
    whole = attributable_churn(exp, act, **options, **boot)

    def dump(r) -> str:
        return json.dumps({"table": r.table.to_dict("records"), "diagnostics": r.diagnostics, "settings": r.settings,
                           "tests": r.tests_table.to_dict("records"), "curves": r.standardised.to_dict("records")},
                          sort_keys=True, default=str)

    assert whole.diagnostics["index_bad"] > 20 and whole.diagnostics["lapsed"] > 20
    split = {k: v for k, v in options.items() if k != "stratify"}
    for k in (1, 3, 6):  # the experiences and purchases of one customer in the same part
        pe, pa = _positions(exp, k), _positions(act, k)
        since = min(lo for lo, _ in (experience_span(exp.take(p)) for p in pe) if np.isfinite(lo))
        parts = [attributable_churn_part(exp.take(p), act.take(q), as_of=as_of, experiences_since=since, **split)
                 for p, q in zip(pe, pa)]
        got = attributable_churn_combine(parts[::-1], as_of=as_of, experiences_since=since, **options, **boot)
        assert dump(got) == dump(whole)


EXPECTED = ["Much worse than expected", "Worse than expected", "As expected", "Better than expected",
            "Much better than expected", "Not a label"]


def _levels_world(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(500 + seed)
    n, m = int(rng.integers(5, 90)), int(rng.integers(0, 70))
    r = pd.DataFrame({"customer": pd.array(rng.choice(list("abcdefg") + [None], n), dtype="str"),
                      "csat": rng.choice([1, 2, 3, 4, 5, np.nan], n), "nps": rng.choice([0, 5, 9, 10, np.nan], n),
                      "responded_at": pd.Timestamp("2024-01-01", tz="UTC")
                      + pd.to_timedelta(rng.integers(0, 300, n), "D")})
    r["expect"] = (pd.array(rng.choice(EXPECTED + [None], n), dtype="str") if seed % 2
                   else rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, np.nan], n))
    r.attrs["questions"] = {"expect": "Compared with what you expected, the service you received was..."}
    a = pd.DataFrame({"customer": pd.array(rng.choice(list("abcdefgh"), m), dtype="str"),
                      "at": pd.Timestamp("2023-06-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 700, m), "D")})
    return r, a


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("per_customer", ["latest", "modal"])
def test_service_levels_of_parts_equal_the_whole(seed, per_customer):
    from csanalysis.segments import service_levels
    from csanalysis.segments.service_levels import (
        expectation_column,
        expectation_scale,
        service_levels_combine,
        service_levels_part,
    )

    r, a = _levels_world(seed)
    act = a if seed % 3 else None
    whole = service_levels(r, act, per_customer=per_customer)
    col = expectation_column(r)
    assert col == "expect" and whole.expectation_column == col
    mapping, notes = expectation_scale(r[col]) if seed % 2 else (None, [])
    for k in (1, 2, 5):
        pr = _positions(r, k)
        pa = _positions(act, k) if act is not None else [None] * k
        parts = [service_levels_part(r.take(p), None if q is None else act.take(q), end=whole.end, expectation=col,
                                     expectation_map=mapping, per_customer=per_customer, positions=p)
                 for p, q in zip(pr, pa)]
        got = service_levels_combine(parts[::-1], expectation_column=col, end=whole.end, per_customer=per_customer,
                                     with_activity=act is not None,
                                     notes=[f"expectation question detected in column {col!r}", *notes])
        assert_frame_equal(got.responses, whole.responses, check_exact=True)
        assert_frame_equal(got.customers, whole.customers, check_exact=True)
        assert (got.notes, got.test, got.end) == (whole.notes, whole.test, whole.end)
        assert_frame_equal(got.summary(), whole.summary(), check_exact=True)


def test_service_levels_parts_check_the_numbers_over_all_parts():
    from csanalysis.segments import service_levels
    from csanalysis.segments.service_levels import service_levels_combine, service_levels_part

    r, _ = _levels_world(0)
    r.loc[r.index[-1], "expect"] = 9.0  # one part holds an answer outside the codes 1..5
    with pytest.raises(ValueError) as whole:
        service_levels(r)
    parts = [service_levels_part(r.take(p), expectation="expect", positions=p) for p in _positions(r, 3)]
    with pytest.raises(ValueError) as got:
        service_levels_combine(parts, expectation_column="expect")
    assert str(got.value) == str(whole.value) and "from 1 to 9" in str(got.value)


@pytest.mark.parametrize("seed", range(8))
def test_snapshot_churn_of_parts_equals_the_whole(seed):
    import json

    from csanalysis.estimators import snapshot_churn
    from csanalysis.estimators.churn import snapshot_churn_combine, snapshot_churn_part

    rng = np.random.default_rng(700 + seed)
    n = int(rng.integers(5, 150))
    c = pd.DataFrame({"customer": pd.array([f"c{i}" for i in range(n)], dtype="str"),
                      "churned": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
                      "satisfaction": rng.choice([1, 2, 3, 4, 5, np.nan], n),
                      "complained": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
                      "churn_reason": pd.array(rng.choice(["Attitude of support person", "Price too high",
                                                           "Network reliability", None], n), dtype="str")})
    if seed % 3 == 2:
        c.loc[c.index[-1], "satisfaction"] = 7.0  # out of range in one part: the same error from the parts
    try:
        whole = json.dumps(snapshot_churn(c).to_dict(), sort_keys=True)
    except ValueError as exc:
        whole = str(exc)
    for k in (1, 3, 6):
        try:
            got = json.dumps(snapshot_churn_combine([snapshot_churn_part(c.take(p), positions=p)
                                                     for p in _positions(c, k)]).to_dict(), sort_keys=True)
        except ValueError as exc:
            got = str(exc)
        assert got == whole


@pytest.mark.parametrize("seed", range(4))
def test_customer_features_of_parts_make_the_same_clusters(seed):
    # each part's features with the whole tables' end, put together in customer order, equal the whole's; the
    # clusters of those features equal the clusters of the tables
    from csanalysis.estimators.avoidance import simulate_avoidance_scenario
    from csanalysis.segments import cluster_customers, customer_features, features_end

    exp, act, _ = simulate_avoidance_scenario(400 + 150 * seed, seed=seed)
    act = act.assign(amount=np.random.default_rng(seed).gamma(2.0, 30.0, len(act)), currency="EUR")
    whole = customer_features(act, exp)
    end = features_end(act, exp)
    pe, pa = _positions(exp, 4), _positions(act, 4)
    assert max(features_end(act.take(q), exp.take(p)) for p, q in zip(pe, pa)) == end
    parts = pd.concat([customer_features(act.take(q), exp.take(p), as_of=end) for p, q in zip(pe, pa)]).sort_index()
    assert_frame_equal(parts, whole, check_exact=True)
    a, b = cluster_customers(act, exp, seed=seed), cluster_customers(parts, seed=seed)
    assert_frame_equal(a.features, b.features, check_exact=True)
    assert_frame_equal(a.centres, b.centres, check_exact=True)
    assert a.notes == b.notes and a.k == b.k


# --------------------------------------------------------------------------- RFM asked of its parts in rounds
def _same_rfm_summary(got, whole) -> None:
    assert got.table is None and got.n_customers == whole.n_customers
    assert (got.notes, got.currency, got.as_of, got.bins) == (whole.notes, whole.currency, whole.as_of, whole.bins)
    g, w = got.summary(), whole.summary()
    assert_frame_equal(g.drop(columns=[c for c in g if c.startswith("mean_")]),
                       w.drop(columns=[c for c in w if c.startswith("mean_")]), check_exact=True)
    assert_frame_equal(g, w, check_exact=False, rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed,n,currencies", WORLDS[:14])
@pytest.mark.parametrize("currency", [None, "EUR"])
def test_rfm_asked_of_its_parts_equals_rfm_of_the_whole(seed, n, currencies, currency):
    from csanalysis.segments import RFMRows, rfm_from_parts

    a = _activity(np.random.default_rng(100 + seed), n, currencies)
    bins = (3, 4, 5)[seed % 3]
    as_of = None if seed % 2 else "2024-11-01"
    whole = _whole_rfm_or_the_same_error(a, as_of, currency, bins,
                                         lambda parts, **kw: rfm_from_parts(wire(list(map(RFMRows, parts))), **kw))
    if whole is None:
        return
    for k in (1, 2, 3, 6):
        rows = [RFMRows(rfm_part(a.take(p), as_of=whole.as_of, currency=currency, positions=p))
                for p in _positions(a, k)]
        _same_rfm_summary(rfm_from_parts(wire(rows), as_of=whole.as_of, currency=currency, bins=bins), whole)


@pytest.mark.parametrize("bins", [2, 5, 7, 10])
def test_rfm_rounds_on_many_customers_with_ties_send_no_row(bins):
    # 3,000 customers, frequencies and amounts with many ties, some customers without an amount, a custom grid
    from csanalysis.segments import RFM_SEGMENT_GRID, RFMRows, rfm_from_parts

    rng = np.random.default_rng(bins)
    n = 12_000
    a = pd.DataFrame({"customer": pd.array([f"c{i}" for i in rng.integers(0, 3_000, n)], dtype="str"),
                      "at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
                      "amount": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.exponential(40.0, n), 0)),
                      "currency": "EUR"})
    grid = RFM_SEGMENT_GRID.replace({"Lost": "Gone", "Loyal": "Faithful"})
    whole = rfm(a, bins=bins, grid=grid)
    assert "Gone" in whole.summary()["segment"].tolist()
    rows = [RFMRows(rfm_part(a.take(p), as_of=whole.as_of, positions=p)) for p in _positions(a, 4)]
    each = wire(rows)
    _same_rfm_summary(rfm_from_parts(each, as_of=whole.as_of, bins=bins, grid=grid, fetch=64), whole)
    # no answer carries a row per customer: counts and sums per segment, the values of narrowed ranges
    for method, got in each.answers:
        for answer in got:
            sizes = [np.asarray(v).size for v in (answer.values() if isinstance(answer, dict) else
                                                  answer if isinstance(answer, (list, tuple)) else [answer])
                     if not isinstance(v, (dict, pd.DataFrame))]
            assert max(sizes, default=0) <= 3 * 256 * (bins - 1), method


def test_rfm_rounds_with_one_value_and_without_amounts():
    from csanalysis.segments import RFMRows, rfm_from_parts

    # everyone bought once on the same day, no amounts: the middle score for R and F, M missing
    a = pd.DataFrame({"customer": pd.array(list("abcdef"), dtype="str"),
                      "at": pd.Timestamp("2024-03-01", tz="UTC")})
    whole = rfm(a, bins=5)
    rows = [RFMRows(rfm_part(a.take(p), as_of=whole.as_of, positions=p)) for p in _positions(a, 3)]
    got = rfm_from_parts(wire(rows), as_of=whole.as_of, bins=5)
    _same_rfm_summary(got, whole)
    assert "no amounts: monetary is missing and FM = F" in got.notes
    # a part without a customer adds nothing
    empty = RFMRows(rfm_part(a.iloc[:0], as_of=whole.as_of, positions=np.zeros(0, dtype=np.int64)))
    _same_rfm_summary(rfm_from_parts(wire([*rows, empty]), as_of=whole.as_of, bins=5), whole)
