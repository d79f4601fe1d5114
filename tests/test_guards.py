"""Guards as data (issue 12, point 1): each guard's threshold from both sides, and its flags on the figures."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.analysis import parse_as_of
from csanalysis.errors import CsanalysisError
from csanalysis.figures import FIGURE_COLUMNS
from csanalysis.flags import DATA_QUALITY, FLAGS, NO_VERDICT
from csanalysis.guards import (GuardsResult, broken_histories, currency_split, derived_from_outcome,
                               figure_flags, outcome_leakage, run_guards)
from csanalysis.registry.compare import MIN_N, compare_figures
from csanalysis.schema import conform
from csanalysis.segments import scorecard

FIXED = ("small_n", "outcome_leakage", "derived_from_outcome", "broken_histories", "incomparable_units")
END = pd.Timestamp("2024-06-30", tz="UTC")


def _flags_of(a, id_, group):
    return a.figures.set_index(["id", "group"]).loc[(id_, group), "flags"]


# ----------------------------------------------------------------------------- the catalogue
def test_fixed_codes_have_plain_reasons_and_withhold_verdicts():
    for code in FIXED:
        assert code in FLAGS and len(FLAGS[code]) > 30
        assert code in NO_VERDICT
    assert set(FIXED) - {"small_n"} <= DATA_QUALITY


# ----------------------------------------------------------------------------- outcome leakage
def _bank_like(n: int, agree: float, rng) -> pd.DataFrame:
    """A bank-churn-like table: ``Complain`` equals ``Exited`` on a share ``agree`` of the rows."""
    exited = rng.random(n) < 0.2
    flip = np.zeros(n, dtype=bool)
    flip[rng.choice(n, int(round(n * (1 - agree))), replace=False)] = True
    return pd.DataFrame({"CustomerId": np.arange(15600000, 15600000 + n), "Exited": exited.astype(int),
                         "Complain": (exited ^ flip).astype(int), "Satisfaction Score": rng.integers(1, 6, n),
                         "Age": rng.integers(18, 80, n)})


@pytest.mark.parametrize("agree, leaks", [(0.9986, True), (0.99, True), (0.97, False)])
def test_outcome_leakage_threshold_both_sides(tmp_path, agree, leaks):
    rng = np.random.default_rng(1)
    path = tmp_path / "bank_churn.csv"
    _bank_like(2000, agree, rng).to_csv(path, index=False)
    cust = cs.read_customers(path)
    ev = outcome_leakage(cust).set_index("predictor")
    assert ev.loc["complained", "agreement"] == pytest.approx(agree, abs=1e-3)
    assert bool(ev.loc["complained", "flagged"]) is leaks
    a = cs.analyse(customers=cust, n_resamples=20)
    for group in ("snapshot=complained", "snapshot=did not complain"):
        assert ("outcome_leakage" in _flags_of(a, "churn_rate", group)) is leaks
    assert ("outcome_leakage" in _flags_of(a, "churn_rate_difference", "all")) is leaks
    # the satisfaction split is not touched by the complaint's leakage
    assert "outcome_leakage" not in _flags_of(a, "churn_rate", "snapshot=satisfaction 1-2")
    assert isinstance(a.results["guards"], GuardsResult)
    assert ("complained" in set(a.results["guards"].summary()["subject"])) is leaks


def test_leakage_is_a_data_quality_warning_not_a_finding():
    # a flagged figure compared with a cited one gets no above/below/consistent verdict
    f = pd.DataFrame({"id": ["avoid_2y_after_bad"], "label": ["x"], "unit": ["share"], "group": ["all"],
                      "estimate": [0.9], "ci_low": [0.88], "ci_high": [0.92], "n": [5000.0], "method": ["m"],
                      "definition": [""], "flags": [["outcome_leakage"]]})
    c = compare_figures(f).set_index("id").loc["avoid_2y_after_bad"]
    assert c["verdict"] == "too uncertain"
    assert "outcome_leakage" in DATA_QUALITY


def test_leakage_needs_more_than_a_constant_column():
    # churn is rare: a nearly constant, unrelated column agrees on 99% of rows, but no better than a constant
    n = 2000
    churned = np.zeros(n, dtype=bool)
    churned[:10] = True
    vip = np.zeros(n, dtype=bool)
    vip[-8:] = True
    ev = outcome_leakage(pd.DataFrame({"churned": churned, "vip": vip})).set_index("predictor")
    assert ev.loc["vip", "agreement"] >= 0.99 and not ev.loc["vip", "flagged"]
    with pytest.raises(CsanalysisError, match="outcome column"):
        outcome_leakage(pd.DataFrame({"vip": vip}))


# ----------------------------------------------------------------------------- derived from the outcome
def _telco_like(rng, low_churn: float, n: int = 1000) -> pd.DataFrame:
    sat = rng.integers(1, 6, n)
    p = np.select([sat <= 2, sat == 3], [low_churn, 0.5], 0.0)
    return conform(pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "satisfaction": sat.astype(float),
                                 "churned": rng.random(n) < p}), "customers")


@pytest.mark.parametrize("low_churn, derived", [(1.0, True), (0.9, False)])
def test_derived_from_outcome_both_sides(rng, low_churn, derived):
    cust = _telco_like(rng, low_churn)
    ev = derived_from_outcome(cust).set_index("predictor")
    assert bool(ev.loc["satisfaction", "flagged"]) is derived
    assert ev.loc["satisfaction", "churn_at_highest"] == 0.0
    a = cs.analyse(customers=cust, n_resamples=20)
    for band in ("1-2", "3", "4-5"):
        assert ("derived_from_outcome" in _flags_of(a, "churn_rate", f"snapshot=satisfaction {band}")) is derived


def test_derived_ignores_tiny_levels_and_reads_the_reverse():
    n = 300
    sat = np.r_[np.full(100, 1.0), np.full(100, 3.0), np.full(100, 5.0)]
    churned = np.r_[np.zeros(100), np.tile([0, 1], 50), np.ones(100)].astype(bool)  # the reverse: 5 = all churned
    ev = derived_from_outcome(pd.DataFrame({"churned": churned, "score": sat}))
    assert ev["flagged"].item()
    # one customer at the lowest level is always 0% or 100%: ignored
    churned2 = np.r_[np.ones(1), np.tile([0, 1], 150)][:n].astype(bool)
    sat2 = np.r_[[1.0], np.tile([2.0, 3.0, 4.0], 100)][:n]
    assert not derived_from_outcome(pd.DataFrame({"churned": churned2, "score": sat2}))["flagged"].any()


# ----------------------------------------------------------------------------- currencies
def _two_currency_activity(rng, n_dkk=120, n_eur=40):
    rows = []
    for cur, n, amount in (("DKK", n_dkk, 500.0), ("EUR", n_eur, 60.0)):
        k = rng.integers(1, 5, n)
        ids = np.repeat(np.arange(n), k)
        rows.append(pd.DataFrame({"customer_id": [f"{cur}{i}" for i in ids],
                                  "at": END - pd.to_timedelta(rng.uniform(0, 600, ids.size), unit="D"),
                                  "amount": rng.gamma(3.0, amount / 3.0, ids.size), "currency": cur,
                                  "order_id": [f"{cur}-{j}" for j in range(ids.size)]}))
    return conform(pd.concat(rows, ignore_index=True), "activity")


def test_other_currency_customers_are_left_out_of_monetary_segments_and_clusters(rng):
    act = _two_currency_activity(rng)
    a = cs.analyse(activity=act, n_resamples=20)
    assert a.options["currency"] == "DKK"  # the most common
    rfm_customers = set(a.results["rfm"].table["customer"])
    assert rfm_customers and not any(c.startswith("EUR") for c in rfm_customers)
    cl = a.results["clusters"].labels
    assert len(cl) and not cl.index.str.startswith("EUR").any()
    rows = a.figures[a.figures["source"].isin(["rfm", "clusters"])]
    assert len(rows) and rows["flags"].map(lambda f: "incomparable_units" in f).all()
    split = a.results["guards"].currencies.set_index("currency")
    assert split.loc["EUR", "left_out"] == 40 and split.loc["DKK", "left_out"] == 0
    # currency= chooses the analysis currency: now the DKK customers are left out
    b = cs.analyse(activity=act, currency="EUR", n_resamples=20)
    assert all(c.startswith("EUR") for c in b.results["rfm"].table["customer"])
    assert b.results["guards"].currencies.set_index("currency").loc["DKK", "left_out"] == 120


def test_one_currency_raises_no_incomparable_units(rng):
    act = _two_currency_activity(rng, n_eur=0)
    a = cs.analyse(activity=act, n_resamples=20)
    assert not a.figures["flags"].map(lambda f: "incomparable_units" in f).any()
    assert not currency_split(act)["flagged"].any()
    # a customer who paid in both currencies stays (measured in the analysis currency)
    mixed = pd.DataFrame({"customer": ["a", "a", "b"], "amount": 1.0, "currency": ["DKK", "EUR", "DKK"]})
    assert currency_split(mixed)["left_out"].sum() == 0


# ----------------------------------------------------------------------------- broken histories
def _one_time_activity(n: int, repeat: int, rng) -> pd.DataFrame:
    at = END - pd.to_timedelta(rng.uniform(0, 700, n), unit="D")
    base = pd.DataFrame({"customer_id": [f"c{i:04d}" for i in range(n)], "at": at, "amount": 100.0,
                         "currency": "DKK", "order_id": [f"o{i}" for i in range(n)]})
    again = base.head(repeat).assign(at=END - pd.Timedelta(days=3), order_id=lambda d: d["order_id"] + "b")
    return conform(pd.concat([base, again], ignore_index=True), "activity")


@pytest.mark.parametrize("repeat, broken", [(2, True), (39, True), (40, False), (100, False)])
def test_broken_histories_threshold_both_sides(rng, repeat, broken):
    act = _one_time_activity(400, repeat, rng)
    ev = broken_histories(act)
    assert ev["repeat_buyers"].item() == repeat and bool(ev["flagged"].item()) is broken
    a = cs.analyse(activity=act, n_resamples=20)
    rfm_rows = a.figures[a.figures["source"] == "rfm"]
    assert len(rfm_rows)
    assert bool(rfm_rows["flags"].map(lambda f: "broken_histories" in f).all()) is broken
    # one-time buyers are never Champions: only the repeat buyers can be
    champions = a.results["rfm"].table.query("segment == 'Champions'")
    assert len(champions) <= repeat and (champions["frequency"] >= 2).all()


def test_broken_histories_flags_journeys_recovery_and_avoidance_rows():
    guards = run_guards(activity=_one_time_activity(200, 2, np.random.default_rng(3)))
    f = pd.DataFrame({"id": ["avoid_2y_after_bad", "segment_repeat_rate", "recovery_difference", "csat_mean",
                             "segment_share"],
                      "group": ["all", "journey=bad only", "comparison=x", "all", "cluster=cluster 1"],
                      "source": ["avoidance", "journeys", "recovery", "service_metrics", "clusters"]})
    got = figure_flags(f, guards).tolist()
    assert got[:3] == [["broken_histories"]] * 3 and got[3:] == [[], []]
    # and an avoidance figure so flagged gets no verdict
    fig = pd.DataFrame({"id": ["avoid_2y_after_bad"], "label": ["x"], "unit": ["share"], "group": ["all"],
                        "estimate": [0.5], "ci_low": [0.45], "ci_high": [0.55], "n": [400.0], "method": ["KM"],
                        "definition": [""], "flags": [got[0]]})
    assert compare_figures(fig).set_index("id").loc["avoid_2y_after_bad", "verdict"] == "too uncertain"


@pytest.mark.parametrize("p_value, flagged", [(0.001, True), (0.049, True), (0.051, False), (np.nan, False)])
def test_unmeasured_propensity_flags_the_no_contact_comparisons_only(p_value, flagged):
    """A significant disappointment gradient (bad experiences follow buying beyond the history) flags the
    comparisons with customers who had no contact, and those get no verdict (issue 10.8: the validation's
    confounded worlds biased them by up to 12 points while this test fired in every run)."""
    from csanalysis.guards import PROPENSITY_FIGURES

    guards = run_guards(gradient={"slope": 0.5, "se": 0.1, "p_value": p_value, "n": 800})
    ids = [*PROPENSITY_FIGURES, "avoid_2y_after_bad", "csat_mean", "recovery_difference"]
    f = pd.DataFrame({"id": ids, "group": "all",
                      "source": ["avoidance"] * 5 + ["service_metrics", "recovery"]})
    got = figure_flags(f, guards).tolist()
    assert got == [["unmeasured_propensity"] if flagged else []] * 4 + [[], [], []]
    assert bool((guards.summary()["flag"] == "unmeasured_propensity").any()) is flagged
    json.dumps(guards.to_dict(), allow_nan=False)
    if flagged:
        # a compared figure with this flag gets no verdict (the no-contact comparisons have no registry row
        # today; the rule is the flag's membership of NO_VERDICT)
        fig = pd.DataFrame({"id": ["avoid_2y_after_bad"], "label": ["x"], "unit": ["share"], "group": ["all"],
                            "estimate": [0.2], "ci_low": [0.15], "ci_high": [0.25], "n": [400.0], "method": ["w"],
                            "definition": [""], "flags": [got[1]]})
        assert compare_figures(fig).set_index("id").loc["avoid_2y_after_bad", "verdict"] == "too uncertain"


# ----------------------------------------------------------------------------- minimum n
@pytest.mark.parametrize("n", [1, 2, 29, 30])
def test_no_verdict_below_the_minimum_n(n):
    from csanalysis.figures import add_flags

    assert MIN_N["share"] == 30 and MIN_N["score_1_5"] == 30
    f = pd.DataFrame({"id": ["share_bad_any"], "label": ["x"], "unit": ["share"],
                      "group": ["satisfaction=dissatisfied"], "estimate": [0.5], "ci_low": [0.45],
                      "ci_high": [0.55], "n": [float(n)], "method": ["Wilson"], "definition": [""]})
    f = add_flags(f)
    assert ("small_n" in f.loc[0, "flags"]) is (n < 30)
    verdict = compare_figures(f[FIGURE_COLUMNS]).set_index("id").loc["share_bad_any", "verdict"]
    assert (verdict == "too few") is (n < 30)
    assert verdict in ("too few", "above", "below", "consistent")


def test_no_verdict_when_n_is_unknown():
    f = pd.DataFrame({"id": ["share_bad_any"], "label": ["x"], "unit": ["share"],
                      "group": ["satisfaction=dissatisfied"], "estimate": [0.9], "ci_low": [0.85],
                      "ci_high": [0.95], "n": [np.nan], "method": ["Wilson"], "definition": [""], "flags": [[]]})
    row = compare_figures(f).set_index("id").loc["share_bad_any"]
    assert row["verdict"] == "too few" and "how many" in row["reason"]


# ----------------------------------------------------------------------------- periods and as_of
def test_as_of_date_is_the_end_of_that_day_in_the_analysis_time_zone():
    assert parse_as_of("2024-06-30") == pd.Timestamp("2024-06-30 23:59:59.999999999", tz="UTC")
    assert parse_as_of(datetime.date(2024, 6, 30)) == parse_as_of("2024-06-30")
    assert parse_as_of("2024-06-30 12:00") == pd.Timestamp("2024-06-30 12:00", tz="UTC")
    cph = parse_as_of("2024-06-30", timezone="Europe/Copenhagen")
    assert cph == pd.Timestamp("2024-06-30 21:59:59.999999999", tz="UTC")
    with pytest.raises(CsanalysisError, match="timezone"):
        parse_as_of("2024-06-30", timezone="Mars/Olympus")
    # that day's purchases are kept
    act = conform(pd.DataFrame({"customer_id": ["a", "a", "b"], "at": ["2024-05-01 10:00", "2024-06-30 15:00",
                                                                       "2024-06-01 09:00"],
                                "amount": 1.0, "currency": "DKK", "order_id": ["1", "2", "3"]}), "activity")
    a = cs.analyse(activity=act, as_of="2024-06-30", n_resamples=20)
    assert a.results["rfm"].table.set_index("customer").loc["a", "frequency"] == 2
    assert a.as_of.date() == datetime.date(2024, 6, 30)


def test_a_period_covered_to_its_last_day_is_complete():
    t = conform(pd.DataFrame({"ticket_id": [str(i) for i in range(6)],
                              "created_at": pd.to_datetime(["2024-01-03 09:00", "2024-02-10 09:00",
                                                            "2024-03-31 10:00", "2024-04-02 09:00",
                                                            "2024-05-05 09:00", "2024-06-29 08:00"], utc=True),
                              "channel": "email"}), "tickets")
    s = scorecard(t, freq="Q").summary().drop_duplicates("period")
    assert s["complete"].tolist() == [True, False]  # data to 2024-06-29: Q2 runs to 06-30
    s2 = scorecard(t, freq="Q", as_of=pd.Timestamp("2024-06-30 12:00", tz="UTC")).summary()
    assert s2.drop_duplicates("period")["complete"].tolist() == [True, True]


# ----------------------------------------------------------------------------- the sample and the faces
def test_sample_guards_and_bounded_intervals():
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
    g = a.results["guards"]
    json.dumps(g.to_dict(), allow_nan=False)
    assert g.currency == "DKK"
    assert set(g.summary()["flag"]) <= set(FLAGS)
    assert not g.histories["flagged"].any()
    f = a.figures
    assert list(f.columns[:11]) == FIGURE_COLUMNS
    assert f["flags"].map(lambda fl: set(fl) <= set(FLAGS)).all()
    scale = {"share": (0.0, 1.0), "score_1_5": (1.0, 5.0), "score_1_7": (1.0, 7.0), "nps_points": (-100.0, 100.0)}
    b = f[f["unit"].isin(scale)]
    diff = b["id"].str.contains("difference|excess|penalty|reward") | b["group"].str.contains(" minus ")
    lo = b["unit"].map(lambda u: scale[u][0]).where(~diff, -1.0)
    hi = b["unit"].map(lambda u: scale[u][1])
    assert not ((b["ci_low"] < lo - 1e-9) | (b["ci_high"] > hi + 1e-9)).any()
    # New customers and Promising are no longer empty
    s = a.results["rfm"].summary().set_index("segment")
    assert s.loc["New customers", "n"] > 0 and s.loc["Promising", "n"] > 0


def test_order_guards_on_integer_codes_equal_the_grouping_by_text():
    # broken_histories and currency_split group orders by integer codes of the customer (guards._orders); on
    # random orders (repeated and missing order ids, missing and mixed currencies, missing customers) they equal
    # the grouping of the text columns they replaced
    from csanalysis.guards import broken_histories, currency_split

    rng = np.random.default_rng(5)
    n = 20_000
    cur = rng.choice(np.array(["DKK", "EUR", "SEK", "Øre", None], dtype=object), n, p=[0.6, 0.2, 0.1, 0.05, 0.05])
    oid = np.array([f"#{i}" for i in rng.integers(0, 9000, n)], dtype=object)
    oid[rng.random(n) < 0.05] = None
    cust = np.array([f"c{i}" for i in rng.integers(0, 3000, n)], dtype=object)
    cust[rng.random(n) < 0.02] = None
    act = pd.DataFrame({"customer_id": pd.Series(cust, dtype="str"), "order_id": pd.Series(oid, dtype="str"),
                        "amount": np.where(rng.random(n) < 0.03, np.nan, rng.gamma(2, 100, n)),
                        "currency": pd.Series(cur, dtype="str")})
    # the reference: the text grouping
    d = pd.DataFrame({"customer": act["customer_id"], "order_id": act["order_id"], "amount": act["amount"],
                      "currency": act["currency"]})
    d = d[d["customer"].notna()]
    d = d[~(d["order_id"].notna() & d.duplicated(["customer", "order_id"]))]
    per = d.groupby("customer").size()
    hist = broken_histories(act)
    assert hist["customers"].item() == len(per) and hist["repeat_buyers"].item() == int((per >= 2).sum())
    p = d[d["amount"].notna() & d["currency"].notna()]
    want = p.groupby("currency", sort=True).agg(orders=("customer", "size"), customers=("customer", "nunique"))
    n_cur = p.groupby("customer")["currency"].nunique()
    single = p[p["customer"].map(n_cur).eq(1)].drop_duplicates("customer")
    want["only_customers"] = single["currency"].value_counts().reindex(want.index, fill_value=0)
    want = want.rename_axis("currency").reset_index()
    want["currency"] = want["currency"].astype("object")
    got = currency_split(act, "EUR")
    pd.testing.assert_frame_equal(got[list(want.columns)], want, check_exact=True)
    assert got["left_out"].tolist() == [0 if c == "EUR" else k for c, k in zip(want["currency"], want["only_customers"])]
    assert (want["only_customers"] > 0).all() and len(want) == 4


def test_a_missing_order_id_never_makes_another_customers_order_a_repeat():
    # the codes of (customer, order id) keep a slot for a missing id: c1's order without an id must not take the
    # place of c0's second order
    from csanalysis.guards import broken_histories

    act = pd.DataFrame({"customer_id": pd.Series(["c0", "c1", "c0"], dtype="str"),
                        "order_id": pd.Series(["#a", None, "#b"], dtype="str"), "amount": 1.0, "currency": "DKK"})
    assert broken_histories(act)[["customers", "repeat_buyers"]].values.tolist() == [[2, 1]]
