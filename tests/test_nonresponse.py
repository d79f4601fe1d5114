"""Tests of csanalysis.estimators.nonresponse: ratings weighted for survey non-response."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csanalysis.estimators.nonresponse import (
    DEFAULT_COVARIATES,
    MEASURES,
    NONRESPONSE_COLUMNS,
    NonresponseResult,
    nonresponse_weighted,
)
from csanalysis.schema import rating_from_score

START = pd.Timestamp("2024-01-01", tz="UTC")


def tickets(seed: int = 0, n: int = 4000, customers: int = 1500, *, selective: bool = True) -> pd.DataFrame:
    """Canonical tickets; slow tickets (long resolution) are rated bad more often and, when ``selective``, rated
    less often (non-response at random given the resolution time); else every ticket is rated with one chance.

    ``true_bad`` and ``true_score`` carry every ticket's rating, answered or not (the full-data truth).
    """
    rng = np.random.default_rng(seed)
    slow = rng.random(n) < 0.4
    resolution = np.where(slow, 2500.0, 90.0) * rng.lognormal(0.0, 0.4, n)
    bad = rng.random(n) < np.where(slow, 0.45, 0.10)
    score = np.where(bad, rng.choice([0.0, 0.25], n), rng.choice([0.5, 0.75, 1.0], n))
    p_rate = np.where(slow, 0.15, 0.55) if selective else np.full(n, 0.35)
    rated = rng.random(n) < p_rate
    created = START + pd.to_timedelta(rng.uniform(0, 300, n), unit="D")
    rating_score = np.where(rated, score, np.nan)
    return pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(n)],
        "customer": rng.integers(0, customers, n).astype(str),
        "created_at": created,
        "solved_at": created + pd.to_timedelta(resolution, unit="min"),
        "channel": rng.choice(["email", "chat", "phone"], n, p=[0.5, 0.3, 0.2]),
        "status": "closed",
        "priority": rng.choice(["low", "normal", "high"], n),
        "rating": pd.Categorical(rating_from_score(rating_score), categories=["good", "neutral", "bad"]),
        "rating_score": rating_score,
        "rating_offered": pd.array(np.ones(n, dtype=bool), dtype="boolean"),
        "first_reply_minutes": rng.lognormal(4.0, 1.0, n),
        "resolution_minutes": resolution,
        "reopens": rng.poisson(0.2, n),
        "direction": "customer",
        "true_bad": bad,
        "true_score": score,
    })


def row(res: NonresponseResult, measure: str) -> pd.Series:
    return res.summary().set_index("measure").loc[measure]


# --------------------------------------------------------------------------- what it corrects
def test_planted_nonresponse_on_resolution_time_is_corrected():
    t = tickets(1)
    res = nonresponse_weighted(t, n_resamples=150, seed=3)
    truth_bad = t["true_bad"].mean()
    truth_score = t["true_score"].mean()
    bad = row(res, "bad_share")
    csat = row(res, "csat")
    # the raw share describes the fast tickets that answer; the weighted one all tickets
    assert truth_bad - bad["raw"] > 0.06
    assert abs(bad["weighted"] - truth_bad) < 0.025
    assert bad["weighted_ci_low"] <= truth_bad <= bad["weighted_ci_high"]
    assert not bad["raw_ci_low"] <= truth_bad <= bad["raw_ci_high"]
    assert abs(csat["weighted"] - truth_score) < 0.025 < csat["raw"] - truth_score
    # the difference is significant and its interval comes from the same resamples
    assert bad["difference_ci_low"] > 0
    assert bad["difference"] == pytest.approx(bad["weighted"] - bad["raw"])
    # balance: resolution time was far off among the rated tickets, and is not after weighting
    bal = res.balance.set_index("term")
    assert bal.loc["log1p(resolution_minutes)", "smd_before"] < -0.3
    assert abs(bal.loc["log1p(resolution_minutes)", "smd_after"]) < 0.05
    assert res.model.set_index("term").loc["log1p(resolution_minutes)", "coefficient"] < 0


def test_completely_at_random_weighted_equals_raw():
    t = tickets(2, selective=False)
    res = nonresponse_weighted(t, n_resamples=100, seed=0)
    s = res.summary().set_index("measure")
    assert (s["weighted"] - s["raw"]).abs().max() < 0.01
    assert ((s["difference_ci_low"] <= 0) & (0 <= s["difference_ci_high"])).all()
    assert (s["effective_n"] > 0.9 * s["n"]).all()
    assert res.diagnostics["max_abs_smd_before"] < 0.1
    assert (s["flags"] == "").all()


# --------------------------------------------------------------------------- the table and the weights
def test_contract_columns_and_diagnostics():
    t = tickets(3)
    res = nonresponse_weighted(t, n_resamples=60)
    tab = res.summary()
    assert tuple(tab.columns[:len(NONRESPONSE_COLUMNS)]) == NONRESPONSE_COLUMNS
    assert tab["measure"].tolist() == list(MEASURES)
    for c in ("n_tickets", "response_rate", "max_weight", "n_trimmed", "method", "note", "flags"):
        assert c in tab.columns
    rated = int(t["rating_score"].notna().sum())
    assert (tab["n"] == rated).all() and (tab["n_tickets"] == len(t)).all()
    assert (tab["effective_n"] <= tab["n"]).all() and (tab["effective_n"] > 0).all()
    assert (tab["raw_ci_low"] <= tab["raw"]).all() and (tab["raw"] <= tab["raw_ci_high"]).all()
    assert (tab["weighted_ci_low"] <= tab["weighted"]).all() and (tab["weighted"] <= tab["weighted_ci_high"]).all()
    # weights: one per rated ticket, summing to the eligible tickets; Kish's n from them
    w = res.weights
    assert len(w) == rated and w.sum() == pytest.approx(len(t))
    assert res.diagnostics["effective_n"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum())
    assert res.diagnostics["max_weight"] == pytest.approx(w.max()) == pytest.approx(tab["max_weight"].iloc[0])
    largest = res.diagnostics["largest_weights"]
    assert [d["weight"] for d in largest] == sorted((d["weight"] for d in largest), reverse=True)
    assert largest[0]["ticket"] == t.loc[w.idxmax(), "ticket_id"]
    assert res.diagnostics["response_rate"] == pytest.approx(rated / len(t))
    # the method says its assumption; JSON-ready
    assert "missing at random given the modelled attributes" in res.method
    assert "cannot correct for selection on the experience itself" in res.method
    json.dumps(res.to_dict())
    assert "effective n" in repr(res) and res.to_text()


def test_weights_are_inverse_probabilities_and_trimming_is_counted():
    t = tickets(4)
    res = nonresponse_weighted(t, n_resamples=30, trim=None)
    w = res.weights
    # each weight is proportional to 1 / p_rated
    inv = 1.0 / np.array([d["p_rated"] for d in res.diagnostics["largest_weights"]])
    got = np.array([d["weight"] for d in res.diagnostics["largest_weights"]])
    assert np.allclose(got / inv, got[0] / inv[0])
    assert res.diagnostics["n_trimmed"] == 0 and res.diagnostics["trim_cap"] is None
    cut = nonresponse_weighted(t, n_resamples=30, trim=1.5)
    k = cut.diagnostics["n_trimmed"]
    assert k > 0 and (cut.summary()["n_trimmed"] == k).all()
    assert cut.weights.max() == pytest.approx(cut.diagnostics["trim_cap"])
    assert int((cut.weights >= cut.diagnostics["trim_cap"] * (1 - 1e-9)).sum()) == k
    # the cap is 1.5 times the mean weight before trimming
    assert cut.weights.max() / cut.weights.mean() < w.max() / w.mean()
    assert cut.weights.max() / cut.weights.mean() >= 1.5
    assert any("cut to that cap" in x for x in cut.notes)


def test_reproducible_with_the_same_seed_and_whatever_the_row_order():
    t = tickets(5, n=2500)
    a = nonresponse_weighted(t, n_resamples=80, seed=11).summary()
    b = nonresponse_weighted(t, n_resamples=80, seed=11).summary()
    pd.testing.assert_frame_equal(a, b)
    shuffled = t.sample(frac=1.0, random_state=1)
    c = nonresponse_weighted(shuffled, n_resamples=80, seed=11).summary()
    num = [x for x in a.columns if pd.api.types.is_float_dtype(a[x])]
    assert np.allclose(a[num].to_numpy(), c[num].to_numpy(), rtol=1e-6, atol=1e-9)
    d = nonresponse_weighted(t, n_resamples=80, seed=12).summary()
    assert np.allclose(a["weighted"], d["weighted"]) and not np.allclose(a["weighted_ci_low"], d["weighted_ci_low"])


def test_resampled_figures_equal_the_dense_bootstrap_with_the_cap():
    """The passes over the rated tickets (a second one for resamples whose weights reach their cap) give what
    the whole resamples x tickets matrices give: raw and capped inverse-probability weighted sums."""
    from scipy import special

    from csanalysis.estimators.nonresponse import _resampled_means, _weights
    from csanalysis.stats.bootstrap import poisson_weights_from_hash, unit_hash

    rng = np.random.default_rng(3)
    n, R = 700, 40
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    rated = rng.random(n) < 0.4
    h = unit_hash(rng.integers(0, 250, n).astype(str), 5)
    beta = np.array([-0.3, 1.5, -0.8]) + rng.normal(0.0, 0.2, (R, 3))  # steep: many weights reach the cap
    y = rng.random(n)
    M_all = np.column_stack([y * rated, rated.astype(float)])
    F = poisson_weights_from_hash(h, R).astype(float)
    W = _weights(special.expit(beta @ X.T), rated.astype(float), F, 1.5)[0]
    idx = np.flatnonzero(rated)
    for trim, want in ((1.5, W @ M_all), (None, (F * rated / special.expit(beta @ X.T)) @ M_all)):
        raw, wtd = _resampled_means(X, idx, h[idx], M_all[idx], R, beta, trim)
        assert np.allclose(raw, F @ M_all, rtol=1e-12) and np.allclose(wtd, want, rtol=1e-12)
    capped = W[:, rated] < F[:, rated] / special.expit(beta @ X[rated].T) * (1 - 1e-12)
    assert capped.any(axis=1).sum() > R // 2  # the second pass was exercised
    raw, wtd = _resampled_means(X, idx, h[idx], M_all[idx], R, None, 1.5)  # no model: every weight 1
    assert np.array_equal(raw, wtd) and np.allclose(raw, F @ M_all, rtol=1e-12)


def test_figures_do_not_depend_on_the_size_of_the_row_blocks(monkeypatch):
    from csanalysis.stats import passes

    t = tickets(6, n=1500)
    a = nonresponse_weighted(t, n_resamples=40, seed=2, trim=2.0).summary()
    monkeypatch.setattr(passes, "PASS_CELLS", 997)  # blocks of a row or a few: many partial sums
    b = nonresponse_weighted(t, n_resamples=40, seed=2, trim=2.0).summary()
    num = [x for x in a.columns if pd.api.types.is_float_dtype(a[x])]
    assert np.allclose(a[num].to_numpy(), b[num].to_numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)
    assert (a["n_trimmed"] > 0).all()


# --------------------------------------------------------------------------- inputs
def test_missing_covariate_values_are_filled_flagged_and_counted():
    t = tickets(6, n=3000)
    rng = np.random.default_rng(0)
    gone = rng.random(len(t)) < 0.2
    t.loc[gone, "resolution_minutes"] = np.nan
    t.loc[rng.random(len(t)) < 0.1, "channel"] = None
    t["group"] = np.where(rng.random(len(t)) < 0.7, None, "Support")  # mostly missing: not used
    res = nonresponse_weighted(t, n_resamples=40)
    cov = res.covariates.set_index("covariate")
    assert cov.loc["resolution_minutes", "used"] and cov.loc["resolution_minutes", "missing"] == int(gone.sum())
    assert "median" in cov.loc["resolution_minutes", "transform"]
    assert "resolution_minutes missing" in res.model["term"].tolist()
    assert "channel=(missing)" in res.model["term"].tolist()
    assert not cov.loc["group", "used"] and "at least 50%" in cov.loc["group", "reason"]
    assert any("resolution_minutes" in x and str(int(gone.sum())) in x for x in res.notes)
    assert np.isfinite(res.summary()[["weighted", "weighted_ci_low", "weighted_ci_high"]].to_numpy()).all()


def test_default_covariates_and_a_chosen_list():
    t = tickets(7, n=2000)
    res = nonresponse_weighted(t, n_resamples=20)
    cov = res.covariates.set_index("covariate")
    assert list(cov.index) == list(DEFAULT_COVARIATES)
    assert cov.loc["created_period", "used"] and "10 levels" in cov.loc["created_period", "transform"]
    assert not cov.loc["group", "used"] and cov.loc["group", "reason"] == "not in the table"
    one = nonresponse_weighted(t, covariates=["resolution_minutes"], n_resamples=20)
    assert one.model["term"].tolist() == ["(intercept)", "log1p(resolution_minutes)"]
    wd = nonresponse_weighted(t, covariates=["created_weekday", "channel"], n_resamples=20)
    assert "created_weekday=" in " ".join(wd.model["term"])


def test_eligible_tickets_only():
    t = tickets(8, n=2400)
    base = nonresponse_weighted(t, n_resamples=20)
    extra = t.iloc[:300].copy()
    extra["ticket_id"] = extra["ticket_id"] + "x"
    extra.loc[extra.index[:100], "direction"] = "agent"
    extra.loc[extra.index[100:200], ["solved_at", "rating_score", "rating"]] = [pd.NaT, np.nan, np.nan]
    extra.loc[extra.index[100:200], "status"] = "open"
    extra.loc[extra.index[200:300], ["rating_score", "rating"]] = [np.nan, np.nan]
    extra.loc[extra.index[200:300], "rating_offered"] = pd.NA  # not offered a survey
    both = pd.concat([t, extra], ignore_index=True)
    res = nonresponse_weighted(both, n_resamples=20)
    assert res.diagnostics["excluded"] == {"agent-initiated": 100, "not solved": 100, "not offered a survey": 100}
    assert res.diagnostics["n_tickets"] == len(t)
    pd.testing.assert_series_equal(res.summary()["weighted"], base.summary()["weighted"])
    # a rated ticket was evidently offered a survey, whatever the column says
    t2 = t.copy()
    t2["rating_offered"] = pd.array(np.where(t2["rating_score"].notna(), pd.NA, True), dtype="boolean")
    assert nonresponse_weighted(t2, n_resamples=10).diagnostics["n_tickets"] == len(t)


def test_label_only_ratings_and_other_scales():
    t = tickets(9, n=2500)
    # a tool that gives good / bad only for some tickets (no score): rated, bad and good count them, csat does not
    some = t.index[t["rating_score"].notna()][:50]
    t.loc[some, "rating_score"] = np.nan
    res = nonresponse_weighted(t, n_resamples=20)
    s = res.summary().set_index("measure")
    assert s.loc["bad_share", "n"] == s.loc["csat", "n"] + 50
    assert "label but no" in s.loc["csat", "note"]
    # CSAT 1-5 on its own scale
    u = tickets(9, n=2500)
    u["csat5"] = 1 + 4 * u["rating_score"]
    five = nonresponse_weighted(u.drop(columns=["rating", "rating_score"]), outcome="csat5", scale=(1, 5),
                                n_resamples=20)
    one = nonresponse_weighted(u, n_resamples=20)
    f, o = five.summary().set_index("measure"), one.summary().set_index("measure")
    assert f.loc["csat", "weighted"] == pytest.approx(1 + 4 * o.loc["csat", "weighted"], rel=1e-6)
    assert f.loc["bad_share", "weighted"] == pytest.approx(o.loc["bad_share", "weighted"], rel=1e-6)


def test_no_customer_column_makes_every_ticket_its_own_unit():
    t = tickets(10, n=1500).drop(columns=["customer"])
    res = nonresponse_weighted(t, n_resamples=20)
    assert res.diagnostics["n_customers"] == len(t)
    assert any("own sampling unit" in x for x in res.notes)


def test_no_unrated_tickets_returns_the_raw_figures_with_a_note():
    t = tickets(11, n=1500)
    t["rating_score"] = t["true_score"]
    t["rating"] = rating_from_score(t["rating_score"])
    res = nonresponse_weighted(t, n_resamples=40)
    s = res.summary()
    for a, b in (("raw", "weighted"), ("raw_ci_low", "weighted_ci_low"), ("raw_ci_high", "weighted_ci_high")):
        assert np.allclose(s[a], s[b])
    assert (s["effective_n"] == s["n"]).all() and (s["n"] == len(t)).all()
    assert (s["note"].str.contains("nothing to correct")).all()
    assert any("no non-response to correct" in x for x in res.notes)
    assert res.model.empty and res.balance.empty
    assert np.allclose(res.weights, 1.0)


# --------------------------------------------------------------------------- errors that teach
def test_errors():
    t = tickets(12, n=800)
    with pytest.raises(ValueError, match="no eligible ticket is rated.*'rating_score' or 'rating'"):
        nonresponse_weighted(t.assign(rating_score=np.nan, rating=None), n_resamples=10)
    flat = t[["ticket_id", "customer", "rating_score"]].assign(channel="email")
    with pytest.raises(ValueError, match="no usable covariate.*channel: a single value"):
        nonresponse_weighted(flat, n_resamples=10)
    with pytest.raises(ValueError, match="covariate 'wait_minutes' is not a column"):
        nonresponse_weighted(t, covariates=["channel", "wait_minutes"], n_resamples=10)
    with pytest.raises(ValueError, match="'rating' is the rating itself"):
        nonresponse_weighted(t, covariates=["channel", "rating"], n_resamples=10)
    with pytest.raises(ValueError, match=r"must lie within its scale 0..1 \(pass scale"):
        nonresponse_weighted(t.assign(rating_score=t["rating_score"] * 5), n_resamples=10)
    with pytest.raises(ValueError, match="outcome column 'csat' is not in the tickets table"):
        nonresponse_weighted(t, outcome="csat", n_resamples=10)
    with pytest.raises(ValueError, match="`customer` column 'account_id' is not in the tickets table"):
        nonresponse_weighted(t, customer="account_id", n_resamples=10)
    with pytest.raises(ValueError, match="`trim` must be a number greater than 1"):
        nonresponse_weighted(t, trim=0.5, n_resamples=10)
    with pytest.raises(ValueError, match="confidence"):
        nonresponse_weighted(t, confidence=95, n_resamples=10)
    with pytest.raises(TypeError, match="tickets must be a pandas DataFrame"):
        nonresponse_weighted(t.to_dict(), n_resamples=10)
