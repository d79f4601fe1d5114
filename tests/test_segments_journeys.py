"""Experience journeys and the service-recovery test on synthetic data with planted effects."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csanalysis.schema import conform
from csanalysis.segments import JOURNEYS, JourneyResult, experience_journeys, service_recovery_test
from csanalysis.stats import wilson_ci

START = pd.Timestamp("2021-01-01", tz="UTC")
END = pd.Timestamp("2024-06-30", tz="UTC")
DAY = pd.Timedelta(days=1)

PLANTED = {"no contact": 0.45, "good only": 0.50, "neutral or unrated": 0.40,
           "bad then recovered": 0.70, "bad not recovered": 0.30}


def _world(rng: np.random.Generator, n: int = 4000, rates: dict | None = None,
           n_censored: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Customers with a planted journey and a planted repeat rate within 365 days of the index date."""
    rates = PLANTED if rates is None else rates
    journeys = rng.choice(list(JOURNEYS), size=n)
    cust = np.array([f"c{i:05d}" for i in range(n)])
    first_buy = START + pd.to_timedelta(rng.uniform(0, 180, n), unit="D")
    # service events 30-200 days after the first purchase (censored customers: near the end)
    t1 = first_buy + pd.to_timedelta(rng.uniform(30, 200, n), unit="D")
    late = np.zeros(n, dtype=bool)
    late[:n_censored] = True
    t1 = t1.where(~late, END - 100 * DAY)
    t2 = t1 + pd.to_timedelta(rng.uniform(1, 20, n), unit="D")
    rows = []
    for j in JOURNEYS:  # five journeys
        m = journeys == j
        if j == "no contact":
            continue
        first_bad = j.startswith("bad")
        first_good = j == "good only"
        rows.append(pd.DataFrame({"customer": cust[m], "at": t1[m], "bad": first_bad, "good": first_good}))
        second_good = j in ("bad then recovered", "good only")
        rows.append(pd.DataFrame({"customer": cust[m], "at": t2[m], "bad": False, "good": second_good}))
    exp = pd.concat(rows, ignore_index=True)
    exp["rated"] = True  # a contact neither bad nor good was rated neutral
    # index date: the last service event (t2); no-contact customers get theirs from the library
    p = np.array([rates[j] for j in journeys])
    repeat = rng.random(n) < p
    buys = [pd.DataFrame({"customer": cust, "at": first_buy})]
    contact = journeys != "no contact"
    gap = rng.uniform(2, 360, n)
    m = repeat & contact
    buys.append(pd.DataFrame({"customer": cust[m], "at": t2[m] + pd.to_timedelta(gap[m], unit="D")}))
    # non-repeaters come back, if at all, after the window
    m = ~repeat & contact & (rng.random(n) < 0.5)
    buys.append(pd.DataFrame({"customer": cust[m],
                              "at": t2[m] + pd.to_timedelta(rng.uniform(400, 600, m.sum()), unit="D")}))
    # no-contact customers: buy again every 20-60 days with probability `rate`, else never
    m = ~contact & repeat
    for k in range(1, 30):
        buys.append(pd.DataFrame({"customer": cust[m], "at": first_buy[m] + pd.to_timedelta(k * 45.0, unit="D")}))
    act = pd.concat(buys, ignore_index=True)
    act = act.loc[act["at"] <= END]
    act["amount"] = 10.0
    act["currency"] = "EUR"
    return exp, act, pd.Series(journeys, index=cust)


def test_journeys_are_classified_as_planted(rng):
    exp, act, truth = _world(rng, n=600)
    res = experience_journeys(exp, act, as_of=END)
    t = res.table.set_index("customer")
    assert (t["journey"].astype(str) == truth.reindex(t.index)).all()
    assert t.loc[truth.index[truth == "no contact"], "index_kind"].eq("matched reference").all()
    assert t.loc[truth.index[truth != "no contact"], "index_kind"].eq("last service event").all()


def test_recovery_timing_rules():
    t = lambda s: pd.Timestamp(s, tz="UTC")
    exp = pd.DataFrame({
        "customer": ["same", "same", "before", "before", "after", "after", "twice", "twice", "twice"],
        "at": [t("2023-01-01"), t("2023-01-01"), t("2023-01-01"), t("2023-01-05"), t("2023-01-01"),
               t("2023-01-02"), t("2023-01-01"), t("2023-01-03"), t("2023-01-09")],
        "bad": [True, False, False, True, True, False, True, False, True],
        "good": [False, True, True, False, False, True, False, True, False]})
    act = pd.DataFrame({"customer": ["same", "before", "after", "twice"], "at": t("2022-06-01")})
    res = experience_journeys(exp, act, as_of="2024-01-01")
    j = res.table.set_index("customer")["journey"].astype(str)
    assert j["same"] == "bad not recovered"  # a good at the very same time is not later
    assert j["before"] == "bad not recovered"  # good came before the bad one
    assert j["after"] == "bad then recovered"
    assert j["twice"] == "bad then recovered"  # good after the first bad one, even if bad again later
    # the index date is the last service event
    assert res.table.set_index("customer").loc["twice", "index_at"] == t("2023-01-09")


def test_experiences_count_when_known_and_replacement_orders_are_not_returns():
    t = lambda s: pd.Timestamp(s, tz="UTC")
    # a bad ticket created on 1 January and solved on 20 January, with a replacement order while it was open;
    # a good experience that started on 25 January and became known (rated) on 10 March
    exp = pd.DataFrame({
        "customer": ["a", "a"], "at": [t("2023-01-01"), t("2023-01-25")],
        "known_at": [t("2023-01-20"), t("2023-03-10")], "resolved_at": [t("2023-01-20"), pd.NaT],
        "bad": [True, False], "good": [False, True], "rated": [True, True]})
    act = pd.DataFrame({"customer": ["a", "a", "a"], "at": [t("2022-06-01"), t("2023-01-10"), t("2023-02-01")]})
    res = experience_journeys(exp, act, as_of="2024-06-01")
    row = res.table.set_index("customer").loc["a"]
    assert row["journey"] == "bad then recovered"
    assert row["index_at"] == t("2023-03-10")  # the recovery counts from when it was known
    # the order of 1 February (after the good experience started, before it was known) is not a repeat
    # purchase after the recovery, and the replacement order of 10 January is not a purchase at all
    assert not row["repeat"] and pd.isna(row["next_purchase_at"])
    assert len(res.purchases) == 2 and t("2023-01-10") not in set(res.purchases["at"])
    assert any("while one of the customer's tickets was open" in n for n in res.notes)


def test_planted_recovery_effect_is_found(rng):
    # both recovered and unrecovered customers sit at their second contact (t2), the planted time zero
    exp, act, _ = _world(rng, n=6000)
    res = service_recovery_test(exp, act, as_of=END)
    c = res.comparisons.set_index("reference")
    vs_not = c.loc["bad not recovered"]
    assert vs_not["ci_low"] < 0.40 < vs_not["ci_high"]  # planted 0.70 - 0.30
    assert vs_not["difference"] > 0.3 and vs_not["p_value"] < 1e-10
    assert vs_not["rate_group"] - vs_not["rate_reference"] == pytest.approx(vs_not["difference"])
    assert vs_not["max_abs_smd_after"] < 0.1 and vs_not["ess_reference"] > 0.5 * vs_not["rows_reference"]
    # every earlier contact of a good-only customer was good, every recovered customer's was bad: no overlap
    assert "poor_overlap" in c.loc["good only", "flags"] and "poor_overlap" not in vs_not["flags"]
    # one reference row per customer not recovered: their contacts do not recur
    assert "recurring_contacts" not in vs_not["flags"] and "recurring_contacts" not in c.loc["good only", "flags"]
    s = res.journeys.summary().set_index("segment")
    for j, rate in PLANTED.items():
        if j == "no contact":
            continue
        assert s.loc[j, "repeat_ci_low"] < rate < s.loc[j, "repeat_ci_high"], j
    assert np.allclose(s["avoid_rate"], 1 - s["repeat_rate"])
    assert s["description"].str.contains("descriptive").all()
    text = " ".join(res.describe())
    assert "more often" in text and "'bad not recovered'" in text
    b = res.balance
    assert set(b["comparison"]) == {"bad then recovered vs good only", "bad then recovered vs bad not recovered"}
    assert (b.loc[b["comparison"].str.endswith("bad not recovered"), "smd_after"].abs() < 0.1).all()


def test_no_effect_when_none_is_planted(rng):
    flat = dict.fromkeys(JOURNEYS, 0.5)
    exp, act, _ = _world(rng, n=3000, rates=flat)
    res = service_recovery_test(exp, act, as_of=END)
    c = res.comparisons.set_index("reference").loc["bad not recovered"]
    assert c["ci_low"] < 0 < c["ci_high"] and c["p_value"] > 0.01


def test_censoring_complete_follow_up_only(rng):
    exp, act, truth = _world(rng, n=1000, n_censored=150)
    res = experience_journeys(exp, act, as_of=END, window=365)
    t = res.table.set_index("customer")
    censored = truth.index[:150][truth.iloc[:150] != "no contact"]
    assert not t.loc[censored, "followed"].any()
    assert (t.loc[censored, "follow_days"] < 365).all()
    s = res.summary()
    assert s["n_followed"].sum() == int(t["followed"].sum())
    assert (s["n_followed"] + s["n_censored"] == s["n"]).all()
    k, n = s["repeat_n"].to_numpy(), s["n_followed"].to_numpy()
    lo, hi = wilson_ci(k, n)
    assert np.allclose(s["repeat_ci_low"], lo, equal_nan=True)
    assert np.allclose(s["repeat_ci_high"], hi, equal_nan=True)
    assert any("followed for less than" in x for x in res.notes)
    # a shorter window follows more customers
    res90 = experience_journeys(exp, act, as_of=END, window=90)
    assert res90.summary()["n_followed"].sum() > s["n_followed"].sum()


def test_lapse_counts_earlier_buyers_only():
    t = lambda s: pd.Timestamp(s, tz="UTC")
    exp = pd.DataFrame({"customer": ["a", "b", "c"], "at": t("2023-01-01"), "bad": True, "good": False})
    act = pd.DataFrame({"customer": ["a", "b", "b"], "at": [t("2022-06-01"), t("2022-06-01"), t("2023-03-01")]})
    res = experience_journeys(exp, act, as_of="2024-06-01")
    t_ = res.table.set_index("customer")
    assert t_.loc["a", "prior_purchase"] and not t_.loc["a", "repeat"]
    assert not t_.loc["c", "prior_purchase"]  # no activity at all: still followed, never repeats
    assert t_.loc["c", "followed"] and not t_.loc["c", "repeat"]
    s = res.summary().set_index("segment").loc["bad not recovered"]
    assert s["n"] == 3 and s["n_prior_buyers"] == 2
    assert s["lapse_rate"] == 0.5 and np.isclose(s["avoid_rate"], 2 / 3)


def test_no_contact_reference_dates_are_matched_and_seeded(rng):
    exp, act, truth = _world(rng, n=800)
    a = experience_journeys(exp, act, as_of=END, seed=3).table.set_index("customer")
    b = experience_journeys(exp, act, as_of=END, seed=3).table.set_index("customer")
    c = experience_journeys(exp, act, as_of=END, seed=4).table.set_index("customer")
    nc = truth.index[truth == "no contact"]
    assert a.loc[nc, "index_at"].equals(b.loc[nc, "index_at"])
    assert not a.loc[nc, "index_at"].equals(c.loc[nc, "index_at"])
    first = act.groupby("customer")["at"].min()
    off = ((a.loc[nc, "index_at"] - first[nc]) / DAY)
    assert (off >= 0).all() and off.max() <= 225  # offsets drawn from the contacted customers (30-220 days)
    assert str(a["index_at"].dtype) == "datetime64[ns, UTC]"


def test_empty_inputs_and_linking(rng):
    exp, act, _ = _world(rng, n=200)
    none = exp.iloc[:0]
    res = experience_journeys(none, act, as_of=END)
    assert set(res.table["journey"].astype(str)) == {"no contact"}
    assert res.summary().set_index("segment").loc["no contact", "share"] == 1.0
    with pytest.raises(ValueError, match="nothing to follow"):
        experience_journeys(none, act.iloc[:0])
    with pytest.raises(ValueError, match="bad"):
        experience_journeys(exp.drop(columns="bad"), act)
    with pytest.raises(ValueError, match="window"):
        experience_journeys(exp, act, window=0)
    # activity without a customer column is linked on its customer ids
    raw = conform(act.rename(columns={"customer": "customer_id"}), "activity")
    linked = experience_journeys(exp, raw, as_of=END)
    assert linked.table.set_index("customer")["repeat"].equals(
        experience_journeys(exp, act, as_of=END).table.set_index("customer")["repeat"])
    # keys that cannot meet teach what to do
    keyed = conform(pd.DataFrame({"email_key": "ek_" + act["customer"], "at": act["at"]}), "activity")
    with pytest.raises(ValueError, match="share no customer"):
        experience_journeys(exp, keyed)


def test_outputs(rng):
    exp, act, _ = _world(rng, n=400)
    res = service_recovery_test(exp, act, as_of=END)
    d = res.to_dict()
    json.dumps(d)
    assert [r["segment"] for r in d["segments"]] == list(JOURNEYS)
    assert {"segment", "n", "share"} <= set(d["segments"][0])
    assert len(d["comparisons"]) == 2
    jd = res.journeys.to_dict()
    json.dumps(jd)
    assert jd["window_days"] == 365
    assert "bad then recovered" in res.journeys._repr_html_()
    ax = res.plot()
    assert ax.get_xlabel().startswith("difference")
    import matplotlib.pyplot as plt

    _, ax2 = plt.subplots()
    assert res.journeys.plot(ax=ax2, what="avoid") is ax2
    assert len(ax2.patches) == len(JOURNEYS)
    with pytest.raises(ValueError, match="what"):
        res.journeys.plot(what="nope")
    # reuse of a JourneyResult
    again = service_recovery_test(res.journeys)
    assert again.comparisons.equals(res.comparisons)
    with pytest.raises(ValueError, match="activity"):
        service_recovery_test(exp)


# --------------------------------------------------------------------------- time zero and test size
def _buyers(rng: np.random.Generator, n: int = 1500, span: float = 1460.0, p_stop: float = 0.0,
            p_stop_recovered: float | None = None, p_followup: float = 0.5, bad_slope: float = 0.3
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Customers joining throughout, gamma-Poisson buyers with exponential lifetimes (vectorised).

    Every purchase leads to a contact with probability 0.3 (known 0.5-10 days later), bad with a probability
    growing with the customer's purchase rate (heavy buyers are disappointed more often), else good with
    probability 0.7. After a customer's first bad experience the company follows up with probability
    ``p_followup`` (good with probability 0.75). At the first bad experience the customer stops buying for good
    with probability ``p_stop`` (``p_stop_recovered`` when the follow-up was good; default ``p_stop``: recovery
    has no effect).
    """
    p_rec = p_stop if p_stop_recovered is None else p_stop_recovered
    join = rng.uniform(0, span, n)
    lam = rng.gamma(1.0, 1 / 45, n)
    stop = np.minimum(join + rng.exponential(900, n), span)
    k = rng.poisson(lam * (stop - join))
    c = np.repeat(np.arange(n), k)
    pc = np.concatenate([np.arange(n), c])
    pt = np.concatenate([join, join[c] + rng.random(c.size) * (stop - join)[c]])
    has = rng.random(pc.size) < 0.3
    ec, et, src = pc[has], pt[has] + 0.5 + rng.exponential(4.0, has.sum()), np.flatnonzero(has)
    p_bad = 0.08 + bad_slope * lam.argsort().argsort() / n
    bad = rng.random(ec.size) < p_bad[ec]
    good = ~bad & (rng.random(ec.size) < 0.7)
    first_bad = np.full(n, np.inf)
    np.minimum.at(first_bad, ec[bad & (et <= span)], et[bad & (et <= span)])
    fc = np.flatnonzero(np.isfinite(first_bad) & (rng.random(n) < p_followup))
    ft = first_bad[fc] + rng.uniform(0.5, 14, fc.size)
    fgood = rng.random(fc.size) < 0.75
    recovered = np.zeros(n, dtype=bool)
    recovered[fc] = fgood
    stops = np.isfinite(first_bad) & (rng.random(n) < np.where(recovered, p_rec, p_stop))
    gone = stops[pc] & (pt > first_bad[pc])  # purchases after the stop, and the contacts they would cause
    keep_e = ~gone[src]
    ec = np.concatenate([ec[keep_e], fc])
    et = np.concatenate([et[keep_e], ft])
    bad = np.concatenate([bad[keep_e], np.zeros(fc.size, dtype=bool)])
    good = np.concatenate([good[keep_e], fgood])
    e_in, p_in = et <= span, ~gone
    exp = pd.DataFrame({"customer": ec[e_in], "at": START + pd.to_timedelta(et[e_in], unit="D"),
                        "bad": bad[e_in], "good": good[e_in], "rated": True})  # neither bad nor good: neutral
    act = pd.DataFrame({"customer": pc[p_in], "at": START + pd.to_timedelta(pt[p_in], unit="D")})
    return exp, act, START + pd.Timedelta(days=span)


def _p_values(rng: np.random.Generator, reps: int, **world) -> np.ndarray:
    """p-values of the two comparisons in ``reps`` simulated worlds (reps x comparisons)."""
    out = []
    for _ in range(reps):  # one world per replication
        exp, act, end = _buyers(rng, **world)
        jr = JourneyResult(table=pd.DataFrame(), window=365.0, end=end, events=exp, purchases=act)
        out.append(service_recovery_test(jr).comparisons["p_value"].to_numpy())
    return np.array(out)


def test_groups_use_nothing_after_their_time_zero(rng):
    """Cutting the data at any date leaves every earlier row, its group and its covariates unchanged."""
    exp, act, end = _buyers(rng, n=800)
    full = service_recovery_test(JourneyResult(table=pd.DataFrame(), window=365.0, end=end, events=exp,
                                               purchases=act)).rows
    cols = ["customer", "role", "time_zero", "purchases_before", "purchases_last_year", "tenure_days",
            "days_since_purchase", "contacts_before", "good_before", "bad_before", "days_since_bad", "contact_kind", "eligible"]
    for cut in (300, 700, 1000):
        at = START + pd.Timedelta(days=cut)
        part = service_recovery_test(JourneyResult(
            table=pd.DataFrame(), window=365.0, end=end, events=exp.loc[exp["at"] <= at],
            purchases=act.loc[act["at"] <= at])).rows
        a = full.loc[full["time_zero"] <= at, cols].sort_values(cols[:3]).reset_index(drop=True)
        b = part.loc[part["time_zero"] <= at, cols].sort_values(cols[:3]).reset_index(drop=True)
        assert len(a) > 50
        pd.testing.assert_frame_equal(a, b)


def test_recovery_test_holds_its_size_in_worlds_without_a_recovery_effect():
    """Heavy buyers have more (and more often bad) contacts, customers join throughout, nothing is planted.

    The journey-based test this replaced rejected in 25% (recovered vs good only) and 95% (vs bad not
    recovered, when bad experiences end some customers' buying) of such worlds.
    """
    rng = np.random.default_rng(20240610)
    p = _p_values(rng, 200)
    rej = (p < 0.05).mean(axis=0)
    assert rej[1] <= 0.10, rej  # recovered vs bad not recovered
    assert rej[0] <= 0.20, rej  # vs good only: the propensity to be disappointed is partly unobserved
    # bad experiences end some customers' buying, recovery does not change that (the old test: 100%)
    rej = (_p_values(rng, 60, p_stop=0.3, p_followup=0.0) < 0.05).mean(axis=0)
    assert rej[1] <= 0.12, rej


def test_recovery_test_finds_a_planted_recovery_effect():
    rng = np.random.default_rng(7)
    p = _p_values(rng, 30, p_stop=0.5, p_stop_recovered=0.0)
    assert (p[:, 1] < 0.05).mean() >= 0.8


def test_a_disappointment_gradient_is_detected_and_stated(rng):
    """Where heavy buyers are disappointed more often per contact, 'vs good only' says so."""
    for slope, flagged in ((0.3, True), (0.0, False)):
        exp, act, end = _buyers(rng, n=6000, bad_slope=slope, p_followup=0.0)
        res = service_recovery_test(JourneyResult(table=pd.DataFrame(), window=365.0, end=end, events=exp,
                                                  purchases=act))
        c = res.comparisons.set_index("reference")
        assert (c["caveat"] != "").tolist() == [flagged, flagged]
        assert [("unmeasured_propensity" in f) for f in c["flags"]] == [flagged, flagged]
        g = res.settings["disappointment_gradient"]
        assert (g["p_value"] < 0.05) is flagged and (g["slope"] > 0 or not flagged)


def test_recurring_contacts_flag_follows_the_reference_rows_per_customer(rng, monkeypatch):
    """Customers not recovered who give many reference rows each flag the comparison with them (no verdict)."""
    from csanalysis.flags import NO_VERDICT
    from csanalysis.segments import journeys

    exp, act, end = _buyers(rng, n=1500)
    jr = JourneyResult(table=pd.DataFrame(), window=365.0, end=end, events=exp, purchases=act)
    c = service_recovery_test(jr).comparisons.set_index("reference")
    ratio = c.loc["bad not recovered", "rows_reference"] / c.loc["bad not recovered", "n_reference"]
    assert ratio > 1.0  # several later contacts of some customers
    for limit in (ratio - 0.01, ratio + 0.01):
        monkeypatch.setattr(journeys, "RECURRING_ROWS", limit)
        c = service_recovery_test(jr).comparisons.set_index("reference")
        flagged = "recurring_contacts" in c.loc["bad not recovered", "flags"]
        assert flagged is bool(limit <= ratio)
        assert ("reference rows each" in c.loc["bad not recovered", "caveat"]) is flagged
        assert "recurring_contacts" not in c.loc["good only", "flags"]  # about the not-recovered reference only
    assert "recurring_contacts" in NO_VERDICT
