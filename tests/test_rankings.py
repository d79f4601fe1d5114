"""Tests of csanalysis.estimators.rankings: empirical-Bayes rankings of agents, teams, channels, months."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from csanalysis.estimators.rankings import (
    MIN_RATED,
    RANKING_COLUMNS,
    VERSUS_REST,
    RankingResult,
    rank_units,
)
from csanalysis.privacy import pseudonymise
from csanalysis.results import Result


def _counts_table(k: list[int], n: list[int], prefix: str = "U", col: str = "team") -> pd.DataFrame:
    """One row per customer: unit i has k[i] successes of n[i] rows."""
    unit = np.repeat([f"{prefix}{i}" for i in range(len(n))], n)
    y = np.concatenate([np.arange(nn) < kk for kk, nn in zip(k, n)]).astype(int)
    return pd.DataFrame({col: unit, "bad": y, "customer": np.arange(len(y))})


def _agents(rng: np.random.Generator, rates: np.ndarray, volumes: np.ndarray, rows_per_customer: float = 1.0,
            shared_sd: float = 0.0) -> pd.DataFrame:
    """Rows per agent with a bad share per agent; customers of an agent give several rows when asked."""
    A = len(rates)
    agent = np.repeat(np.arange(A), volumes)
    pool = np.maximum(np.ceil(volumes / rows_per_customer), 1).astype(int)
    offset = np.concatenate([[0], np.cumsum(pool)[:-1]])
    customer = offset[agent] + np.floor(rng.random(len(agent)) * pool[agent]).astype(int)
    latent = shared_sd * rng.standard_normal(pool.sum())[customer] + np.sqrt(1 - shared_sd ** 2) * \
        rng.standard_normal(len(agent))
    bad = (latent < stats.norm.ppf(rates[agent])).astype(int)
    names = np.array([f"Person {i:02d}" for i in range(A)], dtype=object)
    return pd.DataFrame({"agent": names[agent], "bad": bad, "customer": customer})


# --------------------------------------------------------------------------- contract
def test_contract_columns_first_and_values():
    t = _counts_table([3, 8, 10, 2], [30, 40, 25, 10])
    r = rank_units(t, "team", "bad")
    assert isinstance(r, RankingResult) and isinstance(r, Result)
    assert tuple(r.table.columns[:7]) == RANKING_COLUMNS
    for extra in ("reason", "raw_estimate", "prior_mean", "p_value", "q_value", "method", "design_effect"):
        assert extra in r.table.columns
    assert set(r.table["versus_rest"]) <= set(VERSUS_REST)
    assert (r.table["unit_type"] == "team").all()
    assert r.table["n"].dtype == np.int64 and r.table["n"].sum() == 105
    d = r.to_dict()
    json.dumps(d)  # JSON-ready
    assert len(d["rankings"]) == 4 and d["min_n"] == 20 and "beta-binomial" in d["method"]
    s = r.summary()
    s.loc[0, "estimate"] = -1.0
    assert r.table.loc[0, "estimate"] != -1.0  # a copy
    assert "not ranked" in repr(r) and r.to_text().startswith("bad by team")


# --------------------------------------------------------------------------- hand-computed shrinkage
def test_beta_binomial_shrinkage_by_hand():
    k, n = np.array([3, 8, 10]), np.array([30, 40, 25])
    r = rank_units(_counts_table(list(k), list(n)), "team", "bad")
    tab = r.table.set_index("unit_name").loc[["U0", "U1", "U2"]]
    # one row per customer: no design effect, the counts are the data
    assert np.allclose(tab["design_effect"], 1.0) and r.priors["team"]["icc"] == 0.0
    # the prior maximises the beta-binomial marginal likelihood times a Beta(3/2, 3/2) density of its mean
    # (fitted here independently, with scipy's beta-binomial and Nelder-Mead)
    def nll(th, penalty=True):
        a, b = 0.5 + np.exp(th)
        pen = stats.beta.logpdf(a / (a + b), 1.5, 1.5) if penalty else 0.0
        return -stats.betabinom.logpmf(k, n, a, b).sum() - pen

    opts = {"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000}
    a, b = 0.5 + np.exp(optimize.minimize(nll, [0.0, 1.0], method="Nelder-Mead", options=opts).x)
    prior = r.priors["team"]
    assert prior["mean"] == pytest.approx(a / (a + b), rel=1e-4)
    assert prior["strength"] == pytest.approx(a + b, rel=1e-3)
    # the penalty hardly matters here: the plain maximum-likelihood prior is close
    a0, b0 = 0.5 + np.exp(optimize.minimize(nll, [0.0, 1.0], args=(False,), method="Nelder-Mead",
                                            options=opts).x)
    assert a / (a + b) == pytest.approx(a0 / (a0 + b0), abs=0.01)
    # posterior means (a + k) / (a + b + n): here 0.154, 0.212, 0.326 against raw 0.10, 0.20, 0.40
    assert tab["estimate"].to_numpy() == pytest.approx((a + k) / (a + b + n), abs=1e-5)
    assert tab["estimate"].round(3).tolist() == [0.154, 0.212, 0.326]
    M = prior["strength"]
    assert tab["shrinkage"].to_numpy() == pytest.approx(M / (M + n), rel=1e-12)
    # shrinkage moves every unit towards the prior mean, never past it
    raw = tab["raw_estimate"].to_numpy()
    est = tab["estimate"].to_numpy()
    assert np.all(np.abs(est - prior["mean"]) < np.abs(raw - prior["mean"]))
    assert np.all(np.sign(est - prior["mean"]) == np.sign(raw - prior["mean"]))


def test_normal_normal_shrinkage_by_hand():
    rng = np.random.default_rng(11)
    sizes = [25, 40, 30, 50]
    shifts = [-0.6, 0.0, 0.2, 0.5]
    y = np.concatenate([np.clip(np.round(4 + s + rng.normal(0, 1, m)), 1, 5) for s, m in zip(shifts, sizes)])
    unit = np.repeat(["a", "b", "c", "d"], sizes)
    t = pd.DataFrame({"group": unit, "csat": y, "customer": np.arange(len(y))})
    r = rank_units(t, "group", "csat", kind="mean", bounds=(1, 5))
    tab = r.table.set_index("unit_name").loc[["a", "b", "c", "d"]]
    # by hand: pooled within-unit variance, each unit's variance moderated towards it with 10 rows' weight
    g = t.groupby("group")["csat"]
    N, mean, ss = g.size().to_numpy(float), g.mean().to_numpy(), g.apply(lambda v: ((v - v.mean()) ** 2).sum())
    ss = ss.to_numpy()
    s2w = ss.sum() / (N - 1).sum()
    V = (ss + 10 * s2w) / (N - 1 + 10) / N
    # tau^2 by REML, found on a fine grid
    taus = np.linspace(0, 1.5, 30001)
    w = 1 / (V[None, :] + taus[:, None] ** 2)
    mu = (w * mean).sum(1) / w.sum(1)
    reml = np.log(V[None, :] + taus[:, None] ** 2).sum(1) + np.log(w.sum(1)) + (w * (mean - mu[:, None]) ** 2).sum(1)
    tau = taus[np.argmin(reml)]
    assert r.priors["group"]["tau"] == pytest.approx(tau, abs=2e-4)
    tau2 = r.priors["group"]["tau"] ** 2
    wt = 1 / (V + tau2)
    mu_hat = (wt * mean).sum() / wt.sum()
    B = V / (V + tau2)
    assert tab["raw_estimate"].to_numpy() == pytest.approx(mean)
    assert tab["shrinkage"].to_numpy() == pytest.approx(B, rel=1e-9)
    assert tab["estimate"].to_numpy() == pytest.approx(mu_hat + (1 - B) * (mean - mu_hat), rel=1e-9)
    half = stats.norm.ppf(0.975) * np.sqrt((1 - B) * V + B ** 2 / wt.sum())
    assert tab["ci_high"].to_numpy() == pytest.approx(np.minimum(tab["estimate"] + half, 5), rel=1e-9)
    assert ((tab["ci_low"] >= 1) & (tab["ci_high"] <= 5)).all()


def test_no_heterogeneity_pools_completely():
    t = _counts_table([10, 10, 10, 10], [100, 100, 100, 100])
    r = rank_units(t, "team", "bad")
    assert np.allclose(r.table["estimate"], 0.1, atol=1e-3)
    assert (r.table["shrinkage"] > 0.99).all()
    assert (r.table["versus_rest"] == "indistinguishable").all()


# --------------------------------------------------------------------------- intervals
def test_no_success_anywhere_keeps_intervals_open():
    t = _counts_table([0, 0, 0], [30, 30, 30])
    tab = rank_units(t, "team", "bad").table
    # pooled: 0 of 90 (Jeffreys' upper 95% bound 0.027); an interval, not a point at 0
    assert (tab["ci_low"] >= 0).all() and tab["ci_high"].between(0.015, 0.06).all()
    assert (tab["versus_rest"] == "indistinguishable").all()
    ones = rank_units(t.assign(bad=1), "team", "bad").table
    assert np.allclose(ones["estimate"], 1 - tab["estimate"]) and ones["ci_low"].between(0.94, 0.985).all()


def test_share_intervals_within_0_1_even_at_the_ends():
    t = _counts_table([0, 25, 5, 0, 30], [25, 25, 50, 8, 30])
    r = rank_units(t, "team", "bad")
    tab = r.table
    assert ((tab["ci_low"] >= 0) & (tab["ci_high"] <= 1)).all()
    assert ((tab["ci_low"] <= tab["estimate"]) & (tab["estimate"] <= tab["ci_high"])).all()
    assert (tab["ci_high"] > tab["ci_low"]).all()
    assert tab.set_index("unit_name").loc["U1", "versus_rest"] == "worse"


def test_customers_with_several_rows_widen_the_intervals():
    rng = np.random.default_rng(5)
    t = _agents(rng, np.full(12, 0.2), np.full(12, 200), rows_per_customer=5.0, shared_sd=0.8)
    clustered = rank_units(t, "agent", "bad", pseudonymise=False)
    rows = rank_units(t, "agent", "bad", customer=None, pseudonymise=False)
    assert clustered.priors["agent"]["icc"] > 0.1 and (clustered.table["design_effect"] > 1.5).all()
    assert np.allclose(rows.table["design_effect"], 1.0)
    a = clustered.table.set_index("unit_name")
    b = rows.table.set_index("unit_name").loc[a.index]
    assert (a["n_effective"] < b["n_effective"]).all()
    # rows taken as independent mistake the customers' likeness for differences between agents
    assert clustered.priors["agent"]["sd"] < rows.priors["agent"]["sd"]
    # twelve equal agents: rows taken as independent make chance differences look real; customers do not
    assert (a["versus_rest"] == "indistinguishable").all()
    assert (np.abs(a["statistic"]) < np.abs(b["statistic"]) + 1e-12).mean() >= 0.75


def test_row_order_does_not_matter():
    rng = np.random.default_rng(2)
    t = _agents(rng, np.r_[np.full(10, 0.15), 0.4], np.full(11, 80), rows_per_customer=2.0, shared_sd=0.5)
    a = rank_units(t, "agent", "bad", pseudonymise=False).table
    b = rank_units(t.sample(frac=1, random_state=1), "agent", "bad", pseudonymise=False).table
    pd.testing.assert_frame_equal(a.set_index("unit_name").sort_index(), b.set_index("unit_name").sort_index(),
                                  rtol=1e-7)


# --------------------------------------------------------------------------- minimum volume
def test_units_below_min_n_are_kept_but_not_ranked():
    t = _counts_table([1, 9, 3, 12], [19, 20, 30, 60])
    r = rank_units(t, "team", "bad")
    tab = r.table.set_index("unit_name")
    assert tab.loc["U0", "versus_rest"] == "not ranked"
    assert tab.loc["U0", "reason"] == "fewer than 20 rated rows (19)"
    assert np.isnan(tab.loc["U0", "p_value"]) and np.isnan(tab.loc["U0", "q_value"])
    assert np.isfinite(tab.loc["U0", "estimate"])  # still estimated (shrunken), just not ranked
    assert (tab.loc[["U1", "U2", "U3"], "versus_rest"] != "not ranked").all()
    assert (tab.loc[["U1", "U2", "U3"], "reason"] == "").all()
    assert r.table["versus_rest"].iloc[-1] == "not ranked"  # ranked units first
    strict = rank_units(t, "team", "bad", min_n=40).table.set_index("unit_name")
    assert (strict.loc[["U0", "U1", "U2"], "versus_rest"] == "not ranked").all()
    assert strict.loc["U2", "reason"] == "fewer than 40 rated rows (30)"
    with pytest.raises(ValueError, match="at least 20"):
        rank_units(t, "team", "bad", min_n=10)
    assert MIN_RATED == 20


def test_unrated_rows_do_not_count():
    t = _counts_table([5, 5], [25, 25])
    t.loc[:9, "bad"] = np.nan  # ten rows of U0 not rated
    r = rank_units(t, "team", "bad")
    tab = r.table.set_index("unit_name")
    assert tab.loc["U0", "n"] == 15 and tab.loc["U0", "versus_rest"] == "not ranked"
    assert any("not rated" in n for n in r.notes)


def test_one_unit_is_not_ranked():
    r = rank_units(_counts_table([5], [50]), "team", "bad")
    assert r.table.loc[0, "versus_rest"] == "not ranked" and "only one unit" in r.table.loc[0, "reason"]


# --------------------------------------------------------------------------- pseudonyms
def test_agent_names_are_keyed_pseudonyms_stable_and_opaque():
    rng = np.random.default_rng(1)
    names = np.array(["Anna Lindqvist", "Bo Jensen", "Carla Diaz", "Dmitri Ivanov"], dtype=object)
    t = pd.DataFrame({"agent": names[rng.integers(0, 4, 400)], "bad": rng.integers(0, 2, 400),
                      "customer": rng.integers(0, 300, 400)})
    a = rank_units(t, "agent", "bad", key="secret-1")
    b = rank_units(t.sample(frac=1, random_state=3), "agent", "bad", key="secret-1")
    c = rank_units(t, "agent", "bad", key="secret-2")
    assert (a.table["unit_type"] == "agent").all()
    assert a.table["unit_name"].str.fullmatch(r"agent_[0-9a-f]{16}").all()
    assert set(a.table["unit_name"]) == set(b.table["unit_name"])  # stable for a key
    assert not set(a.table["unit_name"]) & set(c.table["unit_name"])  # another key, other pseudonyms
    text = json.dumps(a.to_dict()) + a.to_text()
    for full in names:
        assert full.lower() not in text.lower()
        for part in full.split():
            assert len(part) < 4 or part.lower() not in text.lower()
    # the same pseudonym as the readers give the raw name (privacy.pseudonymise with prefix agent_)
    expected = set(pseudonymise(pd.Series(names), "secret-1", prefix="agent_"))
    assert set(a.table["unit_name"]) == expected
    # estimates do not depend on the pseudonyms
    shown = rank_units(t, "agent", "bad", pseudonymise=False)
    assert set(shown.table["unit_name"]) == set(names)
    assert sorted(shown.table["estimate"]) == pytest.approx(sorted(a.table["estimate"]))


def test_reader_pseudonyms_kept_and_other_units_not_hashed():
    rng = np.random.default_rng(4)
    keys = pseudonymise(pd.Series(["x", "y", "z"]), "k", prefix="agent_").to_numpy(dtype=object)
    t = pd.DataFrame({"assignee_key": keys[rng.integers(0, 3, 300)], "channel": rng.choice(["chat", "email"], 300),
                      "bad": rng.integers(0, 2, 300), "customer": rng.integers(0, 200, 300)})
    r = rank_units(t, ["assignee_key", "channel"], "bad", key="another-key")
    agents = r.table[r.table["unit_type"] == "agent"]
    assert set(agents["unit_name"]) == set(keys)  # already pseudonyms: kept as the tables have them
    ch = r.table[r.table["unit_type"] == "channel"]
    assert set(ch["unit_name"]) == {"chat", "email"}
    assert set(r.priors) == {"agent", "channel"}
    typed = rank_units(t, "channel", "bad", unit_type="agent", key="k2")  # told they are people: hashed
    assert typed.table["unit_name"].str.startswith("agent_").all()


# --------------------------------------------------------------------------- false discoveries and power
def test_null_many_units_flags_none():
    flagged = 0
    for seed in range(5):
        rng = np.random.default_rng(100 + seed)
        t = _agents(rng, np.full(60, 0.15), rng.integers(30, 300, 60), rows_per_customer=2.0, shared_sd=0.5)
        tab = rank_units(t, "agent", "bad", pseudonymise=False).table
        flagged += int(tab["versus_rest"].isin(["worse", "better"]).sum())
    assert flagged <= 1  # 300 equal units in five companies: at most one by chance


def test_strong_outliers_flagged_in_their_direction():
    rng = np.random.default_rng(8)
    rates = np.r_[np.full(30, 0.12), 0.40, 0.45, 0.01]
    t = _agents(rng, rates, np.full(33, 250), rows_per_customer=2.0, shared_sd=0.5)
    tab = rank_units(t, "agent", "bad", pseudonymise=False).table.set_index("unit_name")
    assert tab.loc[["Person 30", "Person 31"], "versus_rest"].tolist() == ["worse", "worse"]
    assert tab.loc["Person 32", "versus_rest"] == "better"
    assert (tab.drop(["Person 30", "Person 31", "Person 32"])["versus_rest"] == "indistinguishable").mean() >= 0.95
    assert (tab["q_value"] >= tab["p_value"] - 1e-15).all()  # Benjamini-Hochberg never lowers a p-value
    # worst first
    assert tab.index[0] in ("Person 30", "Person 31")


def test_one_sided_contamination_does_not_make_equal_units_look_better():
    # 8 of 30 agents far worse: the pooled rest of an equal agent is worse than it, yet it is not "better"
    rng = np.random.default_rng(21)
    rates = np.r_[np.full(22, 0.10), np.full(8, 0.35)]
    t = _agents(rng, rates, np.full(30, 300))
    tab = rank_units(t, "agent", "bad", pseudonymise=False).table.set_index("unit_name")
    equal = tab.loc[[f"Person {i:02d}" for i in range(22)]]
    assert (equal["versus_rest"] == "better").sum() <= 1
    assert (tab.loc[[f"Person {i:02d}" for i in range(22, 30)], "versus_rest"] == "worse").all()
    assert equal["rest_estimate"].between(0.08, 0.12).all()  # compared with the units that do not stand out


def test_mean_kind_direction_and_bounds():
    rng = np.random.default_rng(9)
    sizes = np.full(12, 120)
    shift = np.r_[np.zeros(10), -1.0, 0.8]
    unit = np.repeat(np.arange(12), sizes)
    csat = np.clip(np.round(4 + shift[unit] + rng.normal(0, 1, unit.size)), 1, 5)
    t = pd.DataFrame({"team": unit.astype(str), "csat": csat, "customer": rng.integers(0, 900, unit.size)})
    r = rank_units(t, "team", "csat", kind="mean", bounds=(1, 5))
    tab = r.table.set_index("unit_name")
    assert tab.loc["10", "versus_rest"] == "worse" and tab.loc["11", "versus_rest"] == "better"
    assert (tab["good_direction"] == "up").all() and r.good_direction == "up"
    assert ((tab["ci_low"] >= 1) & (tab["ci_high"] <= 5)).all()
    flipped = rank_units(t, "team", "csat", kind="mean", good_direction="down").table.set_index("unit_name")
    assert flipped.loc["10", "versus_rest"] == "better"
    with pytest.raises(ValueError, match="bounds"):
        rank_units(t, "team", "csat", kind="mean", bounds=(1, 4))


# --------------------------------------------------------------------------- arguments
def test_bad_arguments():
    t = _counts_table([3, 4], [30, 30])
    with pytest.raises(ValueError, match="0/1"):
        rank_units(t.assign(bad=t["bad"] * 3), "team", "bad")
    with pytest.raises(ValueError, match="not in the table"):
        rank_units(t, "agent", "bad")
    with pytest.raises(ValueError, match="kind"):
        rank_units(t, "team", "bad", kind="median")
    with pytest.raises(ValueError, match="good_direction"):
        rank_units(t, "team", "bad", good_direction="higher")
    with pytest.raises(TypeError):
        rank_units(t.to_dict(), "team", "bad")
    boolean = rank_units(t.assign(bad=t["bad"].astype(bool)), "team", "bad")
    assert boolean.table["raw_estimate"].round(2).tolist() == rank_units(t, "team", "bad").table[
        "raw_estimate"].round(2).tolist()


def test_analyse_tickets_without_an_account_are_their_customers_not_their_own():
    """With accounts as the sampling unit, a ticket without one belongs to its customer (the service metrics'
    units), so the rankings equal the customer-unit rankings when no ticket has an account."""
    import csanalysis as cs
    from csanalysis.analysis import _rankings

    t = cs.datasets.load_sample().tickets
    none = t.assign(account_id=pd.Series(pd.NA, index=t.index, dtype="string"))
    kw = {"timezone": None, "confidence": 0.95, "key": "k"}
    by_account = _rankings(none, "account_id", **kw)
    by_customer = _rankings(none, "customer", **kw)
    pd.testing.assert_frame_equal(by_account.table, by_customer.table)
    rows = _rankings(none, None, **kw)  # every ticket its own unit: the pooled design effect is 1
    assert not by_account.table["design_effect"].equals(rows.table["design_effect"])
