"""Tests of csanalysis.estimators.churn on planted scenarios."""

from __future__ import annotations

import json

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.estimators.churn import (
    attributable_churn,
    classify_churn_reason,
    snapshot_churn,
)
from csanalysis.stats.intervals import wilson_ci
from csanalysis.text import tag_reasons

matplotlib.use("Agg")  # headless: no display in CI

D0 = pd.Timestamp("2019-01-01", tz="UTC")
AS_OF = D0 + pd.Timedelta(days=2000)
CUTOFF = 2000 - 365


def ts(days) -> pd.Series:
    return D0 + pd.to_timedelta(np.asarray(days, dtype=float), unit="D")


def _monthly(starts: np.ndarray, stops: np.ndarray, step: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Row index and day of purchases every ``step`` days from ``starts`` while below ``stops`` (vectorised)."""
    k = np.maximum(np.ceil((stops - starts) / step).astype(int), 0)
    i = np.repeat(np.arange(starts.size), k)
    j = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    return i, starts[i] + step * j


def planted_lapse_scenario(seed: int = 0, n_lapsed: int = 400, n_retained: int = 600,
                           p_bad_lapsed: float = 0.6, p_bad_retained: float = 0.2):
    """Lapsers buy monthly until L, then never again; retainers buy monthly until as_of.

    A planted bad experience 10 days before the reference purchase; every lapser
    without one gets a decoy bad experience 300 days before L (outside the window).
    """
    rng = np.random.default_rng(seed)
    lc = np.array([f"L{i}" for i in range(n_lapsed)])
    rc = np.array([f"R{i}" for i in range(n_retained)])
    last = rng.integers(500, 1200, n_lapsed).astype(float)
    first = last - 30 * np.floor((last - 101) / 30)  # monthly back from L to just above day 100
    i, d = _monthly(first, last + 1)
    hit_l = rng.random(n_lapsed) < p_bad_lapsed
    days = np.arange(100, 1995, 30)
    ref = days[days <= CUTOFF][-1]
    hit_r = rng.random(n_retained) < p_bad_retained
    act = pd.concat([pd.DataFrame({"customer": lc[i], "at": ts(d)}),
                     pd.DataFrame({"customer": np.repeat(rc, days.size), "at": ts(np.tile(days, n_retained))})],
                    ignore_index=True)
    exp = pd.concat([
        pd.DataFrame({"customer": lc, "at": ts(np.where(hit_l, last - 10, last - 300)), "bad": True, "good": False}),
        pd.DataFrame({"customer": rc[hit_r], "at": ts(np.full(hit_r.sum(), ref - 10)), "bad": True, "good": False}),
        pd.DataFrame({"customer": rc, "at": ts(np.full(n_retained, ref + 200)), "bad": False, "good": True}),
        # experience data starts at day 0 (a marker row of a customer without purchases)
        pd.DataFrame({"customer": ["nobody"], "at": ts([0]), "bad": [False], "good": [False]}),
    ], ignore_index=True)
    planted = dict(zip(lc, hit_l)) | dict(zip(rc, hit_r))
    return act, exp, planted


def test_attributable_share_recovers_planted_shares_and_excess():
    act, exp, planted = planted_lapse_scenario()
    r = attributable_churn(exp, act, as_of=AS_OF, n_resamples=100)
    a = r.get("attributable_churn_share")
    k_l = sum(v for c, v in planted.items() if c.startswith("L"))
    assert a["n"] == 400 and r.diagnostics["lapsed"] == 400
    assert a["estimate"] == pytest.approx(k_l / 400)  # decoys 300 days before L are not counted
    assert (a["ci_low"], a["ci_high"]) == pytest.approx(wilson_ci(k_l, 400))
    b = r.get("bad_experience_share_retained")
    k_r = sum(v for c, v in planted.items() if c.startswith("R"))
    assert b["n"] == 600 and b["estimate"] == pytest.approx(k_r / 600)
    ex = r.get("attributable_excess")
    assert ex["estimate"] == pytest.approx(k_l / 400 - k_r / 600)
    assert ex["ci_low"] > 0.3 and ex["p_value"] < 1e-10
    assert ex["ci_low"] < 0.4 < ex["ci_high"]  # planted excess 0.6 - 0.2


def test_attributable_share_window_and_coverage_rules():
    act, exp, _ = planted_lapse_scenario(n_lapsed=50, n_retained=50, seed=3)
    # window shrunk to 5 days before / after: the planted experiences (10 days before) drop out
    r = attributable_churn(exp, act, as_of=AS_OF, lookback_days=5, after_days=5, n_resamples=50)
    assert r.get("attributable_churn_share")["estimate"] == 0.0
    # experience data said to start at day 900: lapsers whose window starts earlier are excluded
    r2 = attributable_churn(exp, act, as_of=AS_OF, experiences_since=D0 + pd.Timedelta(days=900), n_resamples=50)
    last = act.groupby("customer")["at"].max()
    lapsed_last = last[last.index.str.startswith("L")]
    expected = int(((lapsed_last - D0).dt.days - 90 >= 900).sum())
    assert r2.diagnostics["lapsed"] == expected
    assert r2.diagnostics["lapsed_not_covered_by_experience_data"] == 50 - expected
    with pytest.raises(ValueError, match="after_days"):
        attributable_churn(exp, act, after_days=400)


def planted_risk_scenario(seed: int = 0, n: int = 500, p_bad: float = 0.5, p_good: float = 0.2,
                          e_range: tuple[int, int] = (400, 1000), stop_within: int = 0):
    """First rated experience at e; afterwards the customer stops buying with p_bad / p_good.

    A stopper keeps buying monthly for D ~ U(0, stop_within) days after e, then never again;
    the others buy monthly until as_of. The true 365-day lapse risk is p (D < 365).
    """
    rng = np.random.default_rng(seed)
    cust = np.array([f"{g}{i}" for g in ("bad", "good") for i in range(n)])
    is_bad = np.repeat([True, False], n)
    e = rng.integers(*e_range, size=2 * n).astype(float)
    s = rng.random(2 * n) < np.where(is_bad, p_bad, p_good)
    end = np.where(s, e + rng.integers(0, stop_within + 1, 2 * n), 1999.0)
    first = (e - 5) - 30 * np.floor((e - 6) / 30)  # monthly back from e - 5 to just above day 0
    i1, d1 = _monthly(first, e - 4)
    i2, d2 = _monthly(e + 20, end)
    i, d = np.concatenate([i1, i2]), np.concatenate([d1, d2])
    act = pd.DataFrame({"customer": cust[i], "at": ts(d)})
    exp = pd.DataFrame({"customer": np.repeat(cust, 2), "at": ts(np.column_stack([e, e + 100]).ravel()),
                        "bad": np.column_stack([is_bad, np.ones(2 * n, bool)]).ravel(),
                        "good": np.column_stack([~is_bad, np.zeros(2 * n, bool)]).ravel()})
    return act, exp, dict(zip(cust, s))


def test_lapse_risk_after_bad_versus_good_km():
    act, exp, stop = planted_risk_scenario()
    r = attributable_churn(exp, act, as_of=AS_OF, n_resamples=300, seed=1)
    sb = np.mean([v for c, v in stop.items() if c.startswith("bad")])
    sg = np.mean([v for c, v in stop.items() if c.startswith("good")])
    rb, rg = r.get("lapse_risk_after_bad"), r.get("lapse_risk_after_good")
    # everyone is followed past 365 days, so the bad group's risk (standardised to its own strata) is the
    # plain share of stoppers, and the good group's is that share reweighted to the bad group's strata
    assert rb["estimate"] == pytest.approx(sb) and rg["estimate"] == pytest.approx(sg, abs=0.02)
    assert rb["ci_low"] < 0.5 < rb["ci_high"] and rg["ci_low"] < 0.2 < rg["ci_high"]
    d = r.get("lapse_risk_difference")
    assert d["estimate"] == pytest.approx(rb["estimate"] - rg["estimate"])
    assert d["ci_low"] > 0 and d["ci_low"] < 0.3 < d["ci_high"]
    assert "stratified Kaplan-Meier" in d["method"] and "time zero" in d["method"]
    one = attributable_churn(exp, act, as_of=AS_OF, n_resamples=100, seed=1, stratify=False)
    assert one.get("lapse_risk_after_good")["estimate"] == pytest.approx(sg)  # one stratum: the plain share
    assert one.get("lapse_risk_difference")["estimate"] == pytest.approx(sb - sg)
    assert d["p_value"] < 1e-10
    t = r.tests().set_index("test")
    assert t.loc["lapse_curves_logrank", "p_value"] < 1e-10
    # the later bad experience (day e+100) does not move a good-first customer into the bad group
    assert r.diagnostics["index_bad"] == 500 and r.diagnostics["index_good"] == 500


def test_lapse_risk_is_censoring_aware():
    # indexes up to the cutoff, lapses starting up to 300 days after: many are not yet confirmable
    act, exp, stop = planted_risk_scenario(seed=2, n=1500, p_bad=0.5, p_good=0.2, e_range=(1000, 1630),
                                           stop_within=360)
    km = attributable_churn(exp, act, as_of=AS_OF, n_resamples=200)
    cc = attributable_churn(exp, act, as_of=AS_OF, risk_method="complete")
    for g, p in (("bad", 0.5), ("good", 0.2)):
        k, c = km.get(f"lapse_risk_after_{g}"), cc.get(f"lapse_risk_after_{g}")
        assert k["ci_low"] < p < k["ci_high"]
        assert c["ci_low"] < p < c["ci_high"]
        assert k["n"] == 1500 and c["n"] < 1500  # KM keeps the short follow-ups as censored
    # a naive share (confirmed lapses / everyone) is biased downwards
    first = exp.groupby("customer").head(1)
    bad_c = first.loc[first["bad"], "customer"]
    last = act.groupby("customer")["at"].max()
    naive = np.mean(((last[bad_c] - D0).dt.days <= CUTOFF) & np.array([stop[c] for c in bad_c]))
    assert naive < 0.5 - 0.05
    assert km.get("lapse_risk_after_bad")["ci_low"] > naive
    assert cc.get("lapse_risk_difference")["p_value"] < 1e-6


def test_attributable_result_faces():
    act, exp, _ = planted_risk_scenario(seed=4, n=60)
    r = attributable_churn(exp, act, as_of=AS_OF, n_resamples=50)
    json.dumps(r.to_dict())
    assert "<table" in r._repr_html_()
    assert list(r.summary().columns) == ["id", "group", "estimate", "ci_low", "ci_high", "n", "p_value", "method"]
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    plt.close(fig)


def test_attributable_errors_teach():
    act = pd.DataFrame({"customer": ["a"], "at": [D0]})
    with pytest.raises(ValueError, match="customer"):
        attributable_churn(pd.DataFrame({"at": [D0], "bad": [True], "good": [False]}), act)
    with pytest.raises(ValueError, match="risk_method"):
        attributable_churn(pd.DataFrame({"customer": ["a"], "at": [D0], "bad": [True], "good": [False]}), act,
                           risk_method="naive")


# --------------------------------------------------------------------------- snapshot
TELCO_REASONS = {
    "Attitude of support person": ("Attitude", "service"),
    "Attitude of service provider": ("Attitude", "service"),
    "Poor expertise of online support": ("Dissatisfaction", "service"),
    "Poor expertise of phone support": ("Dissatisfaction", "service"),
    "Lack of self-service on Website": ("Dissatisfaction", "service"),
    "Service dissatisfaction": ("Dissatisfaction", "service"),
    "Product dissatisfaction": ("Dissatisfaction", "product"),
    "Network reliability": ("Dissatisfaction", "product"),
    "Limited range of services": ("Dissatisfaction", "product"),
    "Competitor made better offer": ("Competitor", "competitor"),
    "Competitor had better devices": ("Competitor", "competitor"),
    "Competitor offered higher download speeds": ("Competitor", "competitor"),
    "Price too high": ("Price", "price"),
    "Extra data charges": ("Price", "price"),
    "Long distance charges": ("Price", "price"),
    "Lack of affordable download/upload speed": ("Price", "price"),
    "Moved": ("Other", "other"),
    "Deceased": ("Other", "other"),
    "Don't know": ("Other", "other"),
}


def telco_table(seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """Exact counts: complained 200 (100 churn), not 800 (160 churn); bands fixed."""
    rng = np.random.default_rng(seed)
    parts = []
    spec = [  # (satisfaction, complained, n, churned)
        (1, True, 80, 56), (2, True, 60, 30), (3, True, 40, 10), (5, True, 20, 4),
        (1, False, 70, 35), (2, False, 130, 45), (3, False, 200, 40), (4, False, 250, 25), (5, False, 150, 15)]
    for s, comp, n, k in spec:
        parts.append(pd.DataFrame({"satisfaction": float(s), "complained": comp,
                                   "churned": np.r_[np.ones(k, bool), np.zeros(n - k, bool)]}))
    df = pd.concat(parts, ignore_index=True)
    churners = np.flatnonzero(df["churned"].to_numpy())
    names = list(TELCO_REASONS)
    picks = rng.choice(len(names), size=churners.size)
    reason = pd.Series(np.nan, index=df.index, dtype="str")
    category = pd.Series(np.nan, index=df.index, dtype="str")
    reason.iloc[churners] = [names[i] for i in picks]
    category.iloc[churners] = [TELCO_REASONS[names[i]][0] for i in picks]
    reason.iloc[churners[:5]] = np.nan  # five churners state no reason at all
    category.iloc[churners[:5]] = np.nan
    df["churn_reason"] = reason
    df["churn_category"] = category
    df["customer_id"] = [f"c{i}" for i in range(len(df))]
    n_service = sum(TELCO_REASONS[names[i]][1] == "service" for i in picks[5:])
    return df, {"n_service": n_service, "n_stated": churners.size - 5}


def test_snapshot_churn_known_rates_and_complaint_effect():
    df, truth = telco_table()
    r = snapshot_churn(df)
    by = r.summary().query("id == 'churn_rate'").set_index("group")
    assert by.loc["complained", "estimate"] == pytest.approx(100 / 200)
    assert by.loc["did not complain", "estimate"] == pytest.approx(160 / 800)
    assert by.loc["satisfaction 1-2", "estimate"] == pytest.approx((56 + 30 + 35 + 45) / 340)
    assert by.loc["satisfaction 3", "estimate"] == pytest.approx(50 / 240)
    assert by.loc["satisfaction 4-5", "estimate"] == pytest.approx(44 / 420)
    assert (by.loc["complained", "ci_low"], by.loc["complained", "ci_high"]) == pytest.approx(wilson_ci(100, 200))
    tests = r.tests().set_index("test")
    chi = stats.chi2_contingency(np.array([[100, 100], [160, 640]]), correction=False)
    assert tests.loc["churn_by_complaint", "p_value"] == pytest.approx(chi.pvalue)
    assert tests.loc["churn_by_complaint", "p_value"] < 1e-12
    assert "chi2_contingency" in tests.loc["churn_by_complaint", "method"]
    assert tests.loc["churn_by_satisfaction_band", "dof"] == 2
    d = r.get("churn_rate_difference")
    assert d["estimate"] == pytest.approx(0.3) and d["ci_low"] > 0.2
    s = r.get("service_reason_share")
    assert s["n"] == truth["n_stated"]
    assert s["estimate"] == pytest.approx(truth["n_service"] / truth["n_stated"])
    reasons = r.reasons().set_index("class")
    assert reasons["count"].sum() == truth["n_stated"]
    json.dumps(r.to_dict())
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    plt.close(fig)


def test_snapshot_no_complaint_effect_is_not_significant():
    # 25 churners among 100 complainers and 25 among 100 others: identical rates
    df = pd.DataFrame({"churned": np.repeat([True, False], [50, 150]),
                       "complained": np.tile([True, False], 100)})
    r = snapshot_churn(df)
    assert r.get("churn_rate_difference")["estimate"] == 0.0
    assert r.tests().set_index("test").loc["churn_by_complaint", "p_value"] == pytest.approx(1.0)
    assert r.get("service_reason_share")["estimate"] is None  # no reason columns: not supported


def test_classify_reasons_default_rules_and_languages():
    names = list(TELCO_REASONS)
    got = classify_churn_reason(pd.Series(names), pd.Series([TELCO_REASONS[n][0] for n in names])).tolist()
    assert got == [TELCO_REASONS[n][1] for n in names]
    multi = pd.Series(["Dårlig kundeservice", "Otrevligt bemötande av personalen", "Kundeservicen svarte aldri",
                       "Unfreundlicher Kundendienst", "Грубость службы поддержки", "For dyrt",
                       "Mehr Leistung beim Konkurrenten", "Плохое качество связи"])
    assert classify_churn_reason(multi).tolist() == ["service", "service", "service", "service", "service",
                                                     "price", "competitor", "product"]
    # reason missing: the category decides; both missing: missing
    out = classify_churn_reason(pd.Series([None, None, None]), pd.Series(["Attitude", "Dissatisfaction", None]))
    assert out.iloc[0] == "service" and out.iloc[1] == "other" and pd.isna(out.iloc[2])


def test_churn_reasons_read_with_the_comments_vocabulary():
    # the same tagger as the survey comments: negation handled, inflections, languages; a competitor first
    texts = pd.Series(["Not rude at all, I just moved away", "The staff were extremely rude to me",
                       "Die Ware kam kaputt an", "Грубый оператор бросил трубку", "Found a better offer elsewhere",
                       "Nothing to complain about", None])
    got = classify_churn_reason(texts).tolist()
    assert got[:6] == ["other", "service", "product", "service", "competitor", "other"]
    assert pd.isna(got[6])
    # a class from the vocabulary only where the tagger found a published reason, as in the verbatims table
    from csanalysis.estimators.churn import VOCABULARY_CLASSES
    from csanalysis.text import REASONS

    assert set(VOCABULARY_CLASSES) == set(REASONS)
    tags = tag_reasons(texts.iloc[1:2])
    assert VOCABULARY_CLASSES[tags["reason"].iloc[0]] == got[1]


def test_reason_map_overrides():
    r = pd.Series(["Moved", "Service dissatisfaction", "Network reliability"])
    out = classify_churn_reason(r, reason_map={"network reliability": "service", "MOVED": "other"})
    assert out.tolist() == ["other", "service", "service"]
    out2 = classify_churn_reason(r, reason_map=lambda reason, cat: "product")
    assert out2.tolist() == ["product"] * 3
    with pytest.raises(ValueError, match="one of"):
        classify_churn_reason(r, reason_map={"Moved": "logistics"})
    with pytest.raises(ValueError, match="one of"):
        classify_churn_reason(r, reason_map=lambda reason, cat: "nonsense")
    df, _ = telco_table(1)
    base = snapshot_churn(df).get("service_reason_share")["estimate"]
    more = snapshot_churn(df, reason_map={"Network reliability": "service"}).get("service_reason_share")["estimate"]
    assert more > base


def test_lapse_risk_strata_handle_tenure_and_join_time():
    """No effect of the experience; new customers lapse more, have bad experiences more and join late.

    Bad-first customers are 70% new (lapse risk 0.6), good-first 30% (old customers: 0.1); new customers'
    indexes are late, so they are censored sooner. Standardised to the bad group's mix the difference is 0.
    """
    rng = np.random.default_rng(11)
    n = 3000
    cust = np.array([f"c{i}" for i in range(n)])
    is_bad = rng.random(n) < 0.5
    new = rng.random(n) < np.where(is_bad, 0.7, 0.3)
    e = np.where(new, rng.uniform(1250, 1630, n), rng.uniform(900, 1450, n)).round()
    first = e - np.where(new, rng.uniform(60, 150, n), rng.uniform(800, 880, n)).round()
    stopper = rng.random(n) < np.where(new, 0.6, 0.1)
    end = np.where(stopper, e + rng.integers(0, 361, n), 1999.0)
    i1, d1 = _monthly(first, e - 4)
    i2, d2 = _monthly(e + 20, end)
    act = pd.DataFrame({"customer": cust[np.concatenate([i1, i2])], "at": ts(np.concatenate([d1, d2]))})
    exp = pd.DataFrame({"customer": cust, "at": ts(e), "bad": is_bad, "good": ~is_bad})
    r = attributable_churn(exp, act, as_of=AS_OF, n_resamples=200, seed=2)
    d = r.get("lapse_risk_difference")
    assert d["ci_low"] < 0 < d["ci_high"] and abs(d["estimate"]) < 0.07
    planted_bad = 0.7 * 0.6 + 0.3 * 0.1
    b = r.get("lapse_risk_after_bad")
    assert b["ci_low"] < planted_bad < b["ci_high"]
    assert r.diagnostics["strata_used"] >= 2
    assert r.tests().set_index("test").loc["lapse_curves_logrank", "p_value"] > 0.01
    crude = attributable_churn(exp, act, as_of=AS_OF, n_resamples=200, seed=2, stratify=False)
    assert crude.get("lapse_risk_difference")["ci_low"] > 0.1  # the mix of new and old customers
    assert crude.get("lapse_risk_after_bad")["ci_high"] < planted_bad  # new customers censored sooner
    assert len(r.standardised) and set(r.standardised["group"]) == {"bad", "good"}


def test_km_grid_sums_at_risk_per_duration_exactly():
    # attributable churn's Kaplan-Meier on the grid sums the at-risk weights per distinct duration, then from the
    # last duration back; with whole-number weights (the data's ones, Poisson bootstrap counts) that equals the
    # reversed cumulative sum over every subject exactly, and the curves equal the step-by-step product
    import importlib

    churn = importlib.import_module("csanalysis.estimators.churn")
    rng = np.random.default_rng(8)
    n = 5000
    d = np.floor(rng.exponential(120, n))  # many ties
    ev = rng.random(n) < 0.5
    grid = np.linspace(0.0, 365.0, 41)
    order = churn._KMOrder.of(np.arange(n), d, ev, grid)
    W = np.vstack([np.ones(n), rng.poisson(1.0, (40, n))]).astype(float)[:, order.rows]
    got = churn._km_grid(order, W, grid)
    at_risk = np.cumsum(W[:, ::-1], axis=1)[:, ::-1][:, order.start]
    events = np.add.reduceat(W * order.ev, order.start, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        S = np.cumprod(np.where(at_risk > 0, 1.0 - events / at_risk, 1.0), axis=1)
    want = np.where(order.at_grid >= 0, S[:, np.maximum(order.at_grid, 0)], 1.0)
    assert np.array_equal(got, want)
    # row 0 (every weight one) is the ordinary Kaplan-Meier estimate at the grid times
    t = order.times
    surv = [np.prod([1 - ((d == u) & ev).sum() / (d >= u).sum() for u in t[t <= g]]) for g in grid[::10]]
    np.testing.assert_allclose(got[0, ::10], surv, rtol=1e-12)
