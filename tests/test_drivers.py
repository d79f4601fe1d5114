"""Tests of csanalysis.estimators.drivers: key drivers (relative weights, LMG, penalty-reward)."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from pathlib import Path

from scipy import optimize, special

from csanalysis.estimators.drivers import (
    DRIVER_COLUMNS,
    DRIVER_EXTRA_COLUMNS,
    FIT_COLUMNS,
    KANO,
    MIN_EVENTS,
    MIN_ROWS,
    DriverResult,
    key_drivers,
    lmg_weights,
    relative_weights,
)
from csanalysis.results import Result
from csanalysis.stats.bootstrap import poisson_weights

ROOT = Path(__file__).resolve().parents[1]

SIGMA = np.array([
    [1.0, 0.6, 0.5, 0.2, 0.1],
    [0.6, 1.0, 0.4, 0.3, 0.0],
    [0.5, 0.4, 1.0, 0.2, 0.2],
    [0.2, 0.3, 0.2, 1.0, 0.5],
    [0.1, 0.0, 0.2, 0.5, 1.0],
])
BETA = np.array([0.5, 0.2, -0.3, 0.25, 0.0])
NAMES = ["x1", "x2", "x3", "x4", "x5"]


def _linear(n: int, seed: int = 0, customers: int | None = None, noise_sd: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(np.zeros(5), SIGMA, n)
    y = X @ BETA + rng.normal(0, noise_sd, n)
    df = pd.DataFrame(X, columns=NAMES)
    df["y"] = y
    df["customer"] = np.arange(n) if customers is None else rng.integers(0, customers, n)
    return df


def _population_weights(noise_sd: float = 1.0) -> np.ndarray:
    sd_y = math.sqrt(BETA @ SIGMA @ BETA + noise_sd ** 2)
    return relative_weights(SIGMA, SIGMA @ BETA / sd_y)


def _weighted_rw(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Relative weights of data weighted by ``w`` (an independent, plain implementation)."""
    C = np.cov(np.column_stack([X, y]), rowvar=False, aweights=w)
    d = np.sqrt(np.diag(C))
    Rt = C / np.outer(d, d)
    ev, V = np.linalg.eigh(Rt[:-1, :-1])
    lam = V @ np.diag(np.sqrt(ev)) @ V.T
    beta = np.linalg.solve(lam, Rt[:-1, -1])
    return (lam ** 2) @ beta ** 2


def _logistic_rw_direct(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Tonidandel & LeBreton (2010) written out: orthogonal Z, logistic fit (BFGS), Menard's standardization."""
    Xs = (X - X.mean(0)) / X.std(0)
    ev, V = np.linalg.eigh(np.corrcoef(Xs, rowvar=False))
    lam = V @ np.diag(np.sqrt(ev)) @ V.T
    Z = Xs @ np.linalg.inv(lam)
    Z1 = np.column_stack([np.ones(len(Z)), Z])

    def f(b):
        return np.sum(np.logaddexp(0, Z1 @ b) - y * (Z1 @ b))

    def g(b):
        return Z1.T @ (special.expit(Z1 @ b) - y)

    b = optimize.minimize(f, np.zeros(Z1.shape[1]), jac=g, method="BFGS", options={"gtol": 1e-10}).x
    eta = Z1 @ b
    ro = np.corrcoef(y, special.expit(eta))[0, 1]
    beta = b[1:] * Z.std(0) * ro / eta.std()
    return (lam ** 2) @ beta ** 2, ro ** 2


def _imp(r: DriverResult, col: str = "importance", outcome: str | None = None) -> pd.Series:
    t = r.table if outcome is None else r.table[r.table["outcome"] == outcome]
    return t.set_index("driver")[col]


# --------------------------------------------------------------------------- contract
def test_contract_columns_result_and_json():
    df = _linear(400, customers=150)
    r = key_drivers(df, "y", NAMES, customer="customer", n_resamples=50)
    assert isinstance(r, DriverResult) and isinstance(r, Result)
    assert tuple(r.table.columns) == DRIVER_COLUMNS + DRIVER_EXTRA_COLUMNS
    assert tuple(r.fit.columns) == FIT_COLUMNS
    assert len(r.table) == 5 and (r.table["n"] == 400).all() and r.table["n"].dtype == np.int64
    assert set(r.table["kano"]) <= set(KANO)
    assert r.table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert (r.table["importance"].diff().dropna() <= 0).all()
    assert ((r.table["ci_low"] <= r.table["importance"]) & (r.table["importance"] <= r.table["ci_high"])).all()
    assert r.table["method"].eq("relative weights (Johnson 2000)").all()
    assert "relative weights" in r.method and "customer" in r.method and "Penalty-reward" in r.method
    d = r.to_dict()
    json.dumps(d)
    assert len(d["drivers"]) == 5 and d["fit"][0]["n"] == 400 and d["n_resamples"] == 50
    s = r.summary()
    s.loc[0, "importance"] = -1.0
    assert r.table.loc[0, "importance"] >= 0
    assert "y" in r.title and "DriverResult" in repr(r)
    assert r.fit.loc[0, "customers"] == df["customer"].nunique()


# --------------------------------------------------------------------------- the estimator
def test_recovers_population_relative_weights():
    df = _linear(20_000, seed=1)
    r = key_drivers(df, "y", NAMES, n_resamples=20, versus_noise=False)
    est = _imp(r).loc[NAMES].to_numpy()
    truth = _population_weights()
    assert np.abs(est - truth).max() < 0.012
    assert np.argsort(-est).tolist() == np.argsort(-truth).tolist()


def test_weights_sum_to_r2_of_least_squares():
    df = _linear(500, seed=2)
    r = key_drivers(df, "y", NAMES, n_resamples=20)
    X1 = np.column_stack([np.ones(len(df)), df[NAMES].to_numpy()])
    resid = df["y"] - X1 @ np.linalg.lstsq(X1, df["y"].to_numpy(), rcond=None)[0]
    r2 = 1 - resid.var() / df["y"].var()
    assert r.table["importance"].sum() == pytest.approx(r2, abs=1e-10)
    assert r.fit.loc[0, "r2"] == pytest.approx(r2, abs=1e-10)
    assert r.table["share"].sum() == pytest.approx(1.0)


def test_matches_an_independent_implementation_in_the_data_and_a_replicate():
    df = _linear(300, seed=3, customers=90)
    X, y = df[NAMES].to_numpy(), df["y"].to_numpy()
    # n_resamples=1: the interval's ends are the one replicate's value
    r = key_drivers(df, "y", NAMES, customer="customer", n_resamples=1, seed=5, versus_noise=False)
    np.testing.assert_allclose(_imp(r).loc[NAMES], _weighted_rw(X, y, np.ones(len(y))), atol=1e-10)
    w = poisson_weights(df["customer"].astype(str).to_numpy(), 1, seed=5)[0].astype(float)
    np.testing.assert_allclose(_imp(r, "ci_low").loc[NAMES], _weighted_rw(X, y, w), atol=1e-10)
    np.testing.assert_allclose(_imp(r, "ci_high").loc[NAMES], _weighted_rw(X, y, w), atol=1e-10)


def test_invariant_to_driver_scale_shift_and_sign():
    df = _linear(600, seed=4, customers=200)
    r = key_drivers(df, "y", NAMES, customer="customer", n_resamples=100)
    df2 = df.copy()
    df2["x1"] = df["x1"] * 60 + 1000       # hours -> minutes, shifted
    df2["x3"] = -df["x3"] / 7               # reversed scale
    r2 = key_drivers(df2, "y", NAMES, customer="customer", n_resamples=100)
    for col in ("importance", "ci_low", "ci_high", "penalty", "reward", "penalty_ci_low", "reward_ci_high"):
        np.testing.assert_allclose(_imp(r2, col).loc[NAMES], _imp(r, col).loc[NAMES], atol=1e-9)
    assert _imp(r, "bad_end")["x3"] != _imp(r2, "bad_end")["x3"]


def test_row_order_does_not_matter():
    df = _linear(500, seed=5, customers=150)
    r = key_drivers(df, "y", NAMES, customer="customer", n_resamples=100, versus_noise=False)
    shuffled = df.sample(frac=1.0, random_state=3)
    r2 = key_drivers(shuffled, "y", NAMES, customer="customer", n_resamples=100, versus_noise=False)
    for col in ("importance", "ci_low", "ci_high", "penalty_ci_low", "reward_ci_high"):
        np.testing.assert_allclose(_imp(r2, col).loc[NAMES], _imp(r, col).loc[NAMES], atol=1e-9)


def test_duplicated_driver_splits_its_weight():
    df = _linear(800, seed=6)
    base = key_drivers(df, "y", NAMES, n_resamples=30, versus_noise=False)
    df["x1_copy"] = df["x1"]
    dup = key_drivers(df, "y", [*NAMES, "x1_copy"], n_resamples=30, versus_noise=False)
    w = _imp(dup)
    # the copies share one weight equally; R^2 stays. (The pair holds a little more than x1 alone did, at
    # the expense of the drivers x1 correlates with: relative weights, like LMG, are not invariant to
    # adding a copy, which is why a copy should not be listed.)
    assert w["x1"] == pytest.approx(w["x1_copy"], abs=1e-9)
    assert 0.45 < w["x1"] / _imp(base)["x1"] < 0.65
    assert dup.fit.loc[0, "r2"] == pytest.approx(base.fit.loc[0, "r2"], abs=1e-9)
    assert w.drop(["x1", "x1_copy"]).sum() < _imp(base).drop("x1").sum()
    # nearly a copy: about the same split
    df["x1_copy"] = df["x1"] + np.random.default_rng(0).normal(0, 0.01, len(df))
    near = _imp(key_drivers(df, "y", [*NAMES, "x1_copy"], n_resamples=30, versus_noise=False))
    assert near["x1"] == pytest.approx(w["x1"], rel=0.05) and near["x1_copy"] == pytest.approx(w["x1"], rel=0.05)


def test_lmg_is_exact_and_close_to_relative_weights():
    rng = np.random.default_rng(7)
    A = rng.normal(size=(4, 4))
    C = A @ A.T + np.eye(4)
    R = C / np.sqrt(np.outer(np.diag(C), np.diag(C)))
    r = np.array([0.4, 0.3, -0.2, 0.1])

    def r2(S):
        S = list(S)
        return 0.0 if not S else float(r[S] @ np.linalg.solve(R[np.ix_(S, S)], r[S]))

    brute = np.zeros(4)
    for order in itertools.permutations(range(4)):
        for i, j in enumerate(order):
            brute[j] += r2(order[:i + 1]) - r2(order[:i])
    brute /= math.factorial(4)
    np.testing.assert_allclose(lmg_weights(R, r), brute, atol=1e-8)
    assert lmg_weights(R, r).sum() == pytest.approx(r2(range(4)))
    # on data: the two methods agree closely, ranks included
    df = _linear(3000, seed=8)
    rw = key_drivers(df, "y", NAMES, n_resamples=30)
    lmg = key_drivers(df, "y", NAMES, method="lmg", n_resamples=30)
    assert lmg.table["method"].iloc[0].startswith("Shapley/LMG")
    assert np.abs(_imp(rw).loc[NAMES] - _imp(lmg).loc[NAMES]).max() < 0.015
    assert rw.table["driver"].tolist()[:3] == lmg.table["driver"].tolist()[:3]
    assert lmg.table["importance"].sum() == pytest.approx(rw.fit.loc[0, "r2"])


def test_binary_outcome_logistic_relative_weights():
    rng = np.random.default_rng(9)
    n = 1500
    X = rng.multivariate_normal(np.zeros(5), SIGMA, n)
    y = (X @ np.array([1.0, 0.4, -0.6, 0.5, 0.0]) + rng.logistic(size=n) > 1.0).astype(int)
    df = pd.DataFrame(X, columns=NAMES)
    df["bad"] = y
    df["customer"] = rng.integers(0, 500, n)
    r = key_drivers(df, "bad", NAMES, customer="customer", n_resamples=60)
    assert r.fit.loc[0, "kind"] == "binary"
    assert r.table["method"].iloc[0] == "logistic relative weights (Tonidandel & LeBreton 2010)"
    direct, r2o = _logistic_rw_direct(X, y.astype(float))
    # the weak ridge penalty (LOGIT_PENALTY) moves the weights of 1,500 rows by about 1e-5
    np.testing.assert_allclose(_imp(r).loc[NAMES], direct, atol=1e-4)
    assert r.fit.loc[0, "r2"] == pytest.approx(r2o, abs=1e-4)
    assert r.table["importance"].sum() == pytest.approx(r.fit.loc[0, "r2"], abs=1e-9)
    assert r.table["driver"].iloc[0] == "x1"
    assert r.fit.loc[0, "resamples_failed"] == 0
    assert r.table["ci_low"].notna().all()
    # penalty and reward of a 0/1 outcome are in share points, positive = more bad outcomes when bad
    assert _imp(r, "penalty")["x1"] > 0.05
    assert any("read as a binary outcome" in s for s in r.notes)
    # booleans are 0/1
    df["bad"] = df["bad"].astype(bool)
    rb = key_drivers(df, "bad", NAMES, customer="customer", n_resamples=60)
    np.testing.assert_allclose(_imp(rb).loc[NAMES], _imp(r).loc[NAMES], atol=1e-12)


def test_binary_duplicated_driver_splits_its_weight():
    rng = np.random.default_rng(10)
    n = 1200
    X = rng.multivariate_normal(np.zeros(5), SIGMA, n)
    df = pd.DataFrame(X, columns=NAMES)
    df["bad"] = (X @ np.array([1.0, 0.4, -0.6, 0.5, 0.0]) + rng.logistic(size=n) > 1.0).astype(int)
    base = _imp(key_drivers(df, "bad", NAMES, n_resamples=20, versus_noise=False))
    df["x1_copy"] = df["x1"]
    dup = _imp(key_drivers(df, "bad", [*NAMES, "x1_copy"], n_resamples=20, versus_noise=False))
    assert dup["x1"] == pytest.approx(dup["x1_copy"], abs=1e-8)
    assert 0.45 < dup["x1"] / base["x1"] < 0.65
    assert dup.sum() == pytest.approx(base.sum(), abs=1e-8)          # R^2_O: the same model


def test_several_outcomes_stacked_with_their_own_kinds():
    df = _linear(600, seed=11, customers=200)
    df["low"] = (df["y"] < -0.5).astype(int)
    r = key_drivers(df, ["y", "low"], NAMES, customer="customer", n_resamples=40)
    assert r.table["outcome"].tolist() == ["y"] * 5 + ["low"] * 5
    assert r.fit["kind"].tolist() == ["continuous", "binary"]
    assert r.fit["outcome"].tolist() == ["y", "low"]
    # a 0/1 outcome can be read as a score when asked
    r2 = key_drivers(df, ["y", "low"], NAMES, kind={"low": "continuous"}, n_resamples=20)
    assert r2.fit["kind"].tolist() == ["continuous", "continuous"]


def test_outcomes_fitted_side_by_side_give_the_same_result():
    # workers= (a map-like callable) fits the outcomes elsewhere: the same tables, fits, notes and method; in this
    # process in another order, exactly; in other processes up to the order of floating-point sums, which BLAS
    # chooses by its threads (Dask's nanny puts OPENBLAS_NUM_THREADS=1 in the environment that processes
    # spawned later inherit: after the Dask tests, the spawned fits differed from these by 1e-15)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    df = _linear(600, seed=11, customers=200)
    df["low"] = (df["y"] < -0.5).astype(int)
    df["y2"] = df["y"] + df["x1"]
    seen = []

    def recording_map(func, items):
        items = list(items)
        seen.append([it[0] for it in items])
        return [func(it) for it in reversed(items)][::-1]  # run in another order, returned in order

    one = key_drivers(df, ["y", "low", "y2"], NAMES, customer="customer", n_resamples=40)
    two = key_drivers(df, ["y", "low", "y2"], NAMES, customer="customer", n_resamples=40, workers=recording_map)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        three = key_drivers(df, ["y", "low", "y2"], NAMES, customer="customer", n_resamples=40, workers=ex.map)
    assert seen == [["y", "low", "y2"]]
    for other, exact in ((two, True), (three, False)):
        pd.testing.assert_frame_equal(one.table, other.table, check_exact=exact, rtol=1e-12, atol=1e-15)
        pd.testing.assert_frame_equal(one.fit, other.fit, check_exact=exact, rtol=1e-12, atol=1e-15)
        assert (one.notes, one.method) == (other.notes, other.method)


# --------------------------------------------------------------------------- exclude and missing values
def test_exclude_leaves_the_driver_out_and_says_so():
    df = _linear(500, seed=12, customers=200)
    df["rating"] = df["y"] + np.random.default_rng(1).normal(0, 0.3, len(df))
    df["bad"] = (df["rating"] < -0.5).astype(int)
    df.loc[:40, "rating"] = np.nan            # missing values of a driver left out do not cost rows
    drivers = [*NAMES, "rating"]
    r = key_drivers(df, ["y", "bad"], drivers, customer="customer", exclude={"bad": ["rating"]}, n_resamples=30)
    bad = r.table[r.table["outcome"] == "bad"].set_index("driver")
    assert np.isnan(bad.loc["rating", "importance"]) and pd.isna(bad.loc["rating", "rank"])
    assert bad.loc["rating", "note"] == "left out: the outcome's own definition uses it"
    assert bad.drop(index="rating")["importance"].notna().all()
    assert "'rating' left out for 'bad'" in " ".join(r.notes)
    rec = [d for d in json.loads(json.dumps(r.to_dict()))["drivers"] if d["driver"] == "rating"]
    assert rec[1]["importance"] is None and rec[1]["rank"] is None and rec[0]["rank"] >= 1
    fit = r.fit.set_index("outcome")
    assert fit.loc["bad", "excluded"] == "rating" and fit.loc["bad", "drivers"] == 5
    assert fit.loc["bad", "n"] == 500 and fit.loc["y", "n"] == 459
    assert fit.loc["y", "excluded"] == "" and fit.loc["y", "drivers"] == 6
    # the same for every outcome when a list; names that are not drivers are ignored
    r2 = key_drivers(df, ["y", "bad"], drivers, exclude=["rating", "not_a_driver"], n_resamples=20)
    assert (r2.table.loc[r2.table["driver"] == "rating", "note"] != "").all()


def test_missing_values_are_counted():
    df = _linear(400, seed=13, customers=150)
    df.loc[:9, "y"] = np.nan
    df.loc[20:34, "x2"] = np.nan
    df.loc[50, "x4"] = np.inf
    r = key_drivers(df, "y", NAMES, customer="customer", n_resamples=30)
    assert (r.table["n"] == 374).all()
    assert r.fit.loc[0, "n"] == 374 and r.fit.loc[0, "n_dropped"] == 26
    note = next(s for s in r.notes if "left out for a missing value" in s)
    assert "26 of 400" in note and "'x2' 15" in note and "'y' 10" in note


# --------------------------------------------------------------------------- the bootstrap
def test_bootstrap_reproducible_and_seeded():
    df = _linear(400, seed=14, customers=120)
    a = key_drivers(df, "y", NAMES, customer="customer", n_resamples=80, seed=3)
    b = key_drivers(df, "y", NAMES, customer="customer", n_resamples=80, seed=3)
    c = key_drivers(df, "y", NAMES, customer="customer", n_resamples=80, seed=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["ci_low"], c.table["ci_low"])
    np.testing.assert_allclose(a.table["importance"], c.table["importance"])


def test_intervals_resample_customers():
    rng = np.random.default_rng(15)
    G, m = 40, 30                                   # 40 customers with 30 rows each
    n = G * m
    cust = np.repeat(np.arange(G), m)
    Lc = np.linalg.cholesky(SIGMA)
    # strong customer effects in the drivers and the outcome: a customer's rows are alike
    X = 0.9 * (rng.standard_normal((G, 5)) @ Lc.T)[cust] + math.sqrt(1 - 0.81) * (rng.standard_normal((n, 5)) @ Lc.T)
    y = X @ BETA + 0.8 * rng.standard_normal(G)[cust] + 0.6 * rng.standard_normal(n)
    df = pd.DataFrame(X, columns=NAMES)
    df["y"] = y
    df["customer"] = cust
    df["row"] = np.arange(n)
    grouped = key_drivers(df, "y", NAMES, customer="customer", n_resamples=200)
    rows = key_drivers(df, "y", NAMES, customer="row", n_resamples=200)
    none = key_drivers(df, "y", NAMES, n_resamples=200)
    np.testing.assert_allclose(_imp(grouped).loc[NAMES], _imp(rows).loc[NAMES])
    w_grouped = (_imp(grouped, "ci_high") - _imp(grouped, "ci_low")).loc[NAMES]
    w_rows = (_imp(rows, "ci_high") - _imp(rows, "ci_low")).loc[NAMES]
    assert (w_grouped.sum() / w_rows.sum()) > 2.0
    assert grouped.fit.loc[0, "customers"] == 40 and rows.fit.loc[0, "customers"] == n
    assert any("every row counts as its own sampling unit" in s for s in none.notes)


def test_versus_noise():
    df = _linear(1500, seed=16, customers=500)
    r = key_drivers(df, "y", NAMES, customer="customer", n_resamples=200, seed=1)
    vs = _imp(r, "versus_noise")
    assert vs["x1"] == "above noise"
    assert set(vs) <= {"above noise", "not above noise"}
    assert 0 <= r.fit.loc[0, "noise_weight"] < 0.01
    off = key_drivers(df, "y", NAMES, customer="customer", n_resamples=20, versus_noise=False)
    assert (off.table["versus_noise"] == "").all() and np.isnan(off.fit.loc[0, "noise_weight"])


# --------------------------------------------------------------------------- penalty-reward
def _planted_kano(n: int = 6000, seed: int = 17) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    S = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    Z = rng.multivariate_normal(np.zeros(4), S, n)
    lo, hi = np.quantile(Z, [1 / 3, 2 / 3], axis=0)
    bad, good = Z < lo, Z > hi
    # wait: long is bad (basic); speed: quick delights (excitement); courtesy both; tone nothing
    y = (4.0 - 0.6 * bad[:, 0] + 0.6 * good[:, 1] - 0.5 * bad[:, 2] + 0.5 * good[:, 2]
         + rng.normal(0, 1, n))
    return pd.DataFrame({"csat": y, "wait_min": 60 - 20 * Z[:, 0], "speed": Z[:, 1], "courtesy": 3 + Z[:, 2],
                         "tone": Z[:, 3], "customer": rng.integers(0, 2500, n)})


def test_penalty_reward_recover_a_planted_asymmetry():
    df = _planted_kano()
    drivers = ["wait_min", "speed", "courtesy", "tone"]
    r = key_drivers(df, "csat", drivers, customer="customer", higher_is_worse={"wait_min": True}, n_resamples=200)
    t = r.table.set_index("driver")
    assert t.loc["wait_min", "bad_end"] == "high" and t.loc["speed", "bad_end"] == "low"
    assert t.loc["wait_min", "penalty"] == pytest.approx(0.6, abs=0.1)
    assert t.loc["wait_min", "reward"] == pytest.approx(0.0, abs=0.1)
    assert t.loc["speed", "penalty"] == pytest.approx(0.0, abs=0.1)
    assert t.loc["speed", "reward"] == pytest.approx(0.6, abs=0.1)
    assert t.loc["courtesy", "penalty"] == pytest.approx(0.5, abs=0.1)
    assert t.loc["courtesy", "reward"] == pytest.approx(0.5, abs=0.1)
    assert t.loc[["wait_min", "speed", "courtesy"], "kano"].tolist() == ["basic", "excitement", "performance"]
    assert t.loc["tone", "kano"] in ("no effect", "reversed")
    assert (t[["n_bad", "n_neutral", "n_good"]].sum(axis=1) == 6000).all()
    assert (t["n_bad"] == 2000).all()
    assert ((t["penalty_ci_low"] <= t["penalty"]) & (t["penalty"] <= t["penalty_ci_high"])).all()
    # inferred directions are noted; a 0/1 "bad" outcome gets the same signs (penalty = more bad outcomes)
    assert any("'speed', 'courtesy', 'tone' read from the sign" in s for s in r.notes)
    df["bad"] = (df["csat"] < 3.5).astype(int)
    b = key_drivers(df, "bad", drivers, customer="customer", higher_is_worse={"wait_min": True}, n_resamples=100)
    tb = b.table.set_index("driver")
    assert tb.loc["wait_min", "penalty"] > 0.1 and tb.loc["speed", "reward"] > 0.1
    assert tb.loc["wait_min", "kano"] == "basic" and tb.loc["speed", "kano"] == "excitement"


def test_thresholds_and_few_distinct_values():
    rng = np.random.default_rng(18)
    n = 900
    wait = rng.gamma(2.0, 60.0, n)
    reopens = rng.choice([0, 1, 2], size=n, p=[0.7, 0.2, 0.1])
    item = rng.integers(1, 6, n)
    csat = 4 - 0.004 * wait - 0.4 * reopens + 0.2 * item + rng.normal(0, 0.7, n)
    df = pd.DataFrame({"csat": csat, "wait": wait, "reopens": reopens, "item": item})
    r = key_drivers(df, "csat", ["wait", "reopens", "item"], thresholds={"wait": (240, 30), "item": (2, 5)},
                    higher_is_worse={"wait": True, "reopens": True}, n_resamples=50)
    t = r.table.set_index("driver")
    assert t.loc["wait", "n_bad"] == (wait >= 240).sum() and t.loc["wait", "n_good"] == (wait <= 30).sum()
    assert t.loc["item", "n_bad"] == (item <= 2).sum() and t.loc["item", "n_good"] == (item == 5).sum()
    # reopens: 70% zeros: zero is neutral, there is no good tercile
    assert t.loc["reopens", "n_bad"] == (reopens > 0).sum() and t.loc["reopens", "n_good"] == 0
    assert np.isnan(t.loc["reopens", "reward"]) and t.loc["reopens", "kano"] == "not estimable"
    assert t.loc["reopens", "penalty"] > 0
    assert any("the good class of 'reopens' has 0 rows" in s for s in r.notes)
    with pytest.raises(ValueError, match="both the bad and the good class"):
        key_drivers(df, "csat", ["wait", "reopens"], thresholds={"wait": (30, 240)}, higher_is_worse=["wait"])


# --------------------------------------------------------------------------- errors that teach
def test_errors_name_the_column_and_what_was_expected():
    df = _linear(200, seed=19)
    with pytest.raises(TypeError, match="pandas DataFrame"):
        key_drivers(df.to_numpy(), "y", NAMES)
    with pytest.raises(ValueError, match="at least 2 driver columns"):
        key_drivers(df, "y", ["x1"])
    with pytest.raises(ValueError, match=r"\['nope'\] not in the data"):
        key_drivers(df, "y", ["x1", "nope"])
    with pytest.raises(ValueError, match="listed more than once"):
        key_drivers(df, "y", ["x1", "x1"])
    with pytest.raises(ValueError, match="both as outcome and as driver"):
        key_drivers(df, "y", ["x1", "y"])
    d = df.copy()
    d["flat"] = 3.0
    with pytest.raises(ValueError, match="driver 'flat' is constant"):
        key_drivers(d, "y", ["x1", "flat"])
    d["channel"] = "email"
    with pytest.raises(ValueError, match="driver 'channel' must be numeric.*pd.to_numeric"):
        key_drivers(d, "y", ["x1", "channel"])
    d["reply"] = pd.to_timedelta(d["x1"].abs(), unit="h")
    with pytest.raises(ValueError, match="'reply' holds durations"):
        key_drivers(d, "y", ["x1", "reply"])
    small = df.copy()
    small.loc[MIN_ROWS - 2:, "x2"] = np.nan
    with pytest.raises(ValueError, match=r"'y' has 28 complete rows .* at least 30 .*'x2' 172"):
        key_drivers(small, "y", NAMES)
    d["score"] = np.where(df["y"] > 0, 1, 2)
    with pytest.raises(ValueError, match="must be 0/1"):
        key_drivers(d, "score", NAMES, kind="binary")
    d["ones"] = 1
    with pytest.raises(ValueError, match="'ones' is 1 in every complete row"):
        key_drivers(d, "ones", NAMES, kind="binary")
    d["rare"] = 0
    d.loc[:MIN_EVENTS - 6, "rare"] = 1
    with pytest.raises(ValueError, match=r"'rare' has only 5 complete row\(s\) with its rarer value"):
        key_drivers(d, "rare", NAMES)
    d.loc[:14, "rare"] = 1
    r = key_drivers(d, "rare", NAMES, n_resamples=20, versus_noise=False)
    assert any("fewer than 10 per driver" in s for s in r.notes)
    d["low"] = (df["y"] < 0).astype(int)
    with pytest.raises(ValueError, match="method='lmg' is for continuous outcomes"):
        key_drivers(d, "low", NAMES, method="lmg")
    with pytest.raises(ValueError, match="`method` must be one of"):
        key_drivers(df, "y", NAMES, method="shapley")
    with pytest.raises(ValueError, match="`kind` must be one of"):
        key_drivers(df, "y", NAMES, kind="score")
    with pytest.raises(ValueError, match="`higher_is_worse` names \\['wait'\\]"):
        key_drivers(df, "y", NAMES, higher_is_worse={"wait": True})
    with pytest.raises(ValueError, match="at least 2 drivers after `exclude`"):
        key_drivers(df, "y", ["x1", "x2"], exclude=["x2"])
    with pytest.raises(ValueError, match="confidence"):
        key_drivers(df, "y", NAMES, confidence=95)
    wide = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 11)), columns=[f"d{i}" for i in range(11)])
    wide["y"] = wide.sum(axis=1)
    with pytest.raises(ValueError, match="at most 10 drivers"):
        key_drivers(wide, "y", [f"d{i}" for i in range(11)], method="lmg")


def test_binary_outcome_separated_by_a_driver_still_has_intervals():
    # a driver above which every row is bad: the maximum-likelihood logistic fit does not exist in many
    # bootstrap replicates; the weak ridge penalty gives one
    rng = np.random.default_rng(11)
    n = 800
    X = rng.multivariate_normal(np.zeros(5), SIGMA, n)
    y = (X[:, 0] > 0.8).astype(int)  # completely separated by x1
    df = pd.DataFrame(X, columns=NAMES)
    df["bad"] = y
    df["customer"] = rng.integers(0, 400, n)
    r = key_drivers(df, "bad", NAMES, customer="customer", n_resamples=60, versus_noise=False)
    assert r.fit.loc[0, "resamples_failed"] == 0
    assert r.table["driver"].iloc[0] == "x1" and r.table["ci_low"].notna().all()


def test_analyse_leaves_out_for_the_bad_outcome_a_driver_its_rule_uses():
    import csanalysis as cs
    from csanalysis.analysis import _drivers

    tickets = cs.datasets.load_sample().tickets
    rule = cs.BadExperienceRule(reopens_at_least=2)
    r = _drivers(tickets, rule, "customer", n_resamples=20, seed=0, confidence=0.95)
    t = r.table.set_index(["outcome", "driver"])
    assert np.isnan(t.loc[("bad", "reopens"), "importance"])  # the rule uses reopens: left out, and said
    assert any("reopens" in s and "left out" in s for s in r.notes)
    assert np.isfinite(t.loc[("rating_score", "reopens"), "importance"])  # not for the score
    # the sample's customers hardly ever come back within a week: too few repeat contacts to weigh
    assert "repeat_contact_7d" not in set(r.table["driver"])


def test_analyse_bad_outcome_follows_the_rule_it_leaves_drivers_out_for():
    """Under a rule that also counts reopened tickets as bad, the bad outcome is that rule's (a bad rating or 2+
    reopens), not the rating alone: the other drivers' weights change (they used to be the rating-only ones,
    with reopens left out of an outcome it did not define)."""
    import csanalysis as cs
    from csanalysis.analysis import _drivers

    tickets = cs.datasets.load_sample().tickets
    rated = tickets["rating_score"].notna() & (pd.to_numeric(tickets["reopens"], errors="coerce") >= 2)
    assert (rated & tickets["rating"].astype("object").ne("bad")).sum() > 0  # tickets the rule adds
    kw = {"n_resamples": 20, "seed": 0, "confidence": 0.95}
    plain = _drivers(tickets, cs.BadExperienceRule(), "customer", **kw).table.set_index(["outcome", "driver"])
    ruled = _drivers(tickets, cs.BadExperienceRule(reopens_at_least=2), "customer", **kw).table.set_index(
        ["outcome", "driver"])
    assert not np.allclose(plain.loc[("bad", "resolution_minutes"), "importance"],
                           ruled.loc[("bad", "resolution_minutes"), "importance"])
    # the rating score is no outcome of the rule: unchanged
    assert plain.loc[("rating_score", "resolution_minutes"), "importance"] == \
        ruled.loc[("rating_score", "resolution_minutes"), "importance"]


def test_analyse_uses_repeat_contacts_of_the_same_customer_not_the_same_account():
    import pandas as pd

    import csanalysis as cs
    from csanalysis.analysis import MIN_BINARY_DRIVER, _drivers

    t = cs.datasets.load_sample().tickets
    rated = t[t["rating_score"].notna() & t["customer_id"].notna()].head(300)
    again = rated.assign(ticket_id=rated["ticket_id"].astype(str) + "-again",
                         created_at=rated["created_at"] + pd.Timedelta(days=2))
    r = _drivers(pd.concat([t, again], ignore_index=True), cs.BadExperienceRule(), "account_id", n_resamples=20,
                 seed=0, confidence=0.95)
    assert "repeat_contact_7d" in set(r.table["driver"])
    # every customer in one account: the account's tickets come days apart, yet no customer came back
    lone = t.assign(account_id="acct-all")
    r2 = _drivers(lone, cs.BadExperienceRule(), "account_id", n_resamples=20, seed=0, confidence=0.95)
    assert "repeat_contact_7d" not in set(r2.table["driver"]) and MIN_BINARY_DRIVER >= 20


def test_sla_breach_and_handoffs_are_read_and_become_drivers():
    """Freshdesk's SLA statuses and Zendesk's assignee / group stations reach the tickets table and the drivers."""
    import csanalysis as cs
    from csanalysis.analysis import _drivers
    from csanalysis.experiences import BadExperienceRule

    fd = cs.read_tickets(ROOT / "tests/data/tickets/freshdesk_export.csv", key="k")
    assert fd["sla_breached"].dtype == "boolean"
    raw = pd.read_csv(ROOT / "tests/data/tickets/freshdesk_export.csv", dtype=str, keep_default_na=False)
    said = raw[["First response status", "Resolution status", "Every response status"]]
    assert fd["sla_breached"].fillna(False).tolist() == said.eq("SLA Violated").any(axis=1).tolist()
    assert fd["sla_breached"].isna().tolist() == (~said.isin(["SLA Violated", "Within SLA"]).any(axis=1)).tolist()
    zd = cs.read_tickets(ROOT / "tests/data/tickets/zendesk_export.csv", key="k")
    zraw = pd.read_csv(ROOT / "tests/data/tickets/zendesk_export.csv", dtype=str)
    stations = pd.to_numeric(zraw["Assignee stations"]).to_numpy()
    assert zd["assignee_changes"].astype("float64").tolist() == list(np.maximum(stations - 1, 0).astype(float))
    assert zd["sla_breached"].isna().all()  # Zendesk's CSV export has no SLA status
    # a generated table: breached SLAs and hand-offs make bad ratings likelier; both are found as drivers
    rng = np.random.default_rng(5)
    n = 1500
    sla = rng.random(n) < 0.3
    hand = rng.poisson(0.6, n)
    bad = rng.random(n) < 0.08 + 0.35 * sla + 0.1 * np.minimum(hand, 3)
    t = pd.DataFrame({
        "ticket_id": np.arange(n).astype(str), "customer": rng.integers(0, 900, n).astype(str),
        "created_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        "direction": "customer", "rating": np.where(bad, "bad", "good"), "rating_score": np.where(bad, 0.0, 1.0),
        "first_reply_minutes": rng.exponential(60, n), "resolution_minutes": rng.exponential(600, n),
        "sla_breached": pd.array(sla, dtype="boolean"), "assignee_changes": pd.array(hand, dtype="Int64"),
        "group_changes": pd.array(np.zeros(n, dtype=int), dtype="Int64")})
    res = _drivers(t, BadExperienceRule(), "customer", n_resamples=50, seed=1, confidence=0.95)
    tab = res.table.set_index(["outcome", "driver"])
    assert "group_changes" not in tab.index.get_level_values("driver")  # never varies: left out
    top = tab.loc["bad"].sort_values("importance", ascending=False).index.tolist()
    assert top[0] == "sla_breached" and top.index("assignee_changes") == 1


def test_survey_answers_about_tickets_are_driver_outcomes():
    """CSAT and NPS of the survey response about a ticket are outcomes of their own, each on the tickets that have it."""
    import csanalysis as cs

    a = cs.analyse(cs.datasets.load_sample(), n_resamples=40)
    tab = a.results["drivers"].table
    assert {"bad", "rating_score", "csat", "nps"} <= set(tab["outcome"])
    exp = a.experiences
    tickets_with_csat = exp.loc[(exp["source"] == "ticket") & exp["csat"].notna()]
    n_csat = tab.loc[tab["outcome"] == "csat", "n"].unique()
    assert len(n_csat) == 1 and 30 <= n_csat[0] <= len(tickets_with_csat)
    assert (tab.loc[tab["outcome"] == "bad", "n"] == int(exp["rating"].notna().sum())).all() or \
        tab.loc[tab["outcome"] == "bad", "n"].iloc[0] > tab.loc[tab["outcome"] == "csat", "n"].iloc[0]
    figs = a.figures[a.figures["id"] == "driver_importance"]
    assert figs["group"].str.startswith("outcome=nps;").any()


def test_no_purchase_after_a_ticket_is_an_outcome_on_fully_followed_tickets():
    """No purchase within the window after a ticket: only tickets followed for the whole window have a value."""
    import csanalysis as cs
    from csanalysis.analysis import no_purchase_after

    a = cs.analyse(cs.datasets.load_sample(), n_resamples=40)
    exp, act = a.experiences, a.linked.activity
    lost = no_purchase_after(exp, act, as_of=a.as_of, window=730)
    tick = exp.loc[exp["source"].astype(str) == "ticket"].drop_duplicates("ticket_id").set_index("ticket_id")
    followed = tick["known_at"] + pd.Timedelta(days=730) <= a.as_of
    assert set(lost.index) == set(tick.index[followed.to_numpy()])
    # brute force on a few tickets: the next purchase strictly after known_at, more than 730 days later or none;
    # a purchase placed while one of the customer's tickets was open (created < at <= resolved) does not count
    all_t = exp.loc[exp["source"].astype(str) == "ticket"]
    for tid in lost.index[:40]:
        row = tick.loc[tid]
        later = act.loc[(act["customer"] == row["customer"]) & (act["at"] > row["known_at"]), "at"]
        own = all_t.loc[all_t["customer"] == row["customer"]]
        later = later[[not ((own["at"] < p) & (own["resolved_at"] >= p)).any() for p in later]]
        expect = float(later.empty or (later.min() - row["known_at"]) > pd.Timedelta(days=730))
        assert lost[tid] == expect, tid
    tab = a.results["drivers"].table
    n = tab.loc[tab["outcome"] == "no_purchase_2y", "n"].unique()
    assert len(n) == 1 and 30 <= n[0] <= len(lost)
    shorter = cs.analyse(cs.datasets.load_sample(), n_resamples=20, window=365)
    assert "no_purchase_365d" in set(shorter.results["drivers"].table["outcome"])


def test_analyse_channel_switch_is_a_repeat_contact_through_another_channel():
    """channel_switch_7d: the same customer's previous ticket within 7 days came through another channel (issue 14
    lists channel switches among the operational drivers); a driver once enough rated tickets have one."""
    import csanalysis as cs
    from csanalysis.analysis import MIN_BINARY_DRIVER, _drivers

    t = cs.datasets.load_sample().tickets
    rated = t[t["rating_score"].notna() & t["customer_id"].notna() & t["channel"].notna()].head(400)
    other = rated["channel"].astype("object").map(lambda c: "chat" if c != "chat" else "email")
    again = rated.assign(ticket_id=rated["ticket_id"].astype(str) + "-again", channel=other.to_numpy(),
                         created_at=rated["created_at"] + pd.Timedelta(days=2))
    same = rated.iloc[:5].assign(ticket_id=rated["ticket_id"].iloc[:5].astype(str) + "-same",
                                 created_at=rated["created_at"].iloc[:5] + pd.Timedelta(days=3))
    both = pd.concat([t, again, same], ignore_index=True)
    r = _drivers(both, cs.BadExperienceRule(), "customer", n_resamples=20, seed=0, confidence=0.95)
    assert {"channel_switch_7d", "repeat_contact_7d"} <= set(r.table["driver"]) and MIN_BINARY_DRIVER >= 20


def test_repeat_contacts_and_channel_switches_per_ticket():
    from csanalysis.analysis import repeat_contacts

    t = pd.DataFrame({"customer": ["a", "a", "a", "a", "b", None, None],
                      "channel": ["email", "chat", "chat", None, "chat", "chat", "email"],
                      "created_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-06",
                                                    "2024-01-02", "2024-01-02", "2024-01-03"])})
    got = repeat_contacts(t.iloc[::-1], "customer").loc[t.index]  # any row order
    assert got["repeat_contact_7d"].tolist() == [0, 1, 1, 1, 0, 0, 0]  # no customer: never a repeat
    assert got["channel_switch_7d"].tolist() == [0, 1, 0, 0, 0, 0, 0]  # same channel, or one unknown: no switch
    late = t.assign(created_at=t["created_at"] + pd.to_timedelta([0, 9, 9, 9, 0, 0, 0], unit="D"))
    assert repeat_contacts(late, "customer")["repeat_contact_7d"].tolist() == [0, 0, 1, 1, 0, 0, 0]


def test_analyse_tickets_without_an_account_are_their_customers_not_their_own():
    """The sampling unit is the analysis's as the service metrics have it: with accounts as units, a ticket
    without one belongs to its customer (who may have several tickets), never to itself alone. With no
    account anywhere the drivers are the customer-unit drivers, to the bit; with one account for a few
    customers, those customers' tickets make one unit."""
    import csanalysis as cs
    from csanalysis.analysis import _drivers

    t = cs.datasets.load_sample().tickets
    kw = {"n_resamples": 30, "seed": 0, "confidence": 0.95}
    none = t.assign(account_id=pd.Series(pd.NA, index=t.index, dtype="string"))
    by_account = _drivers(none, cs.BadExperienceRule(), "account_id", **kw)
    by_customer = _drivers(none, cs.BadExperienceRule(), "customer", **kw)
    pd.testing.assert_frame_equal(by_account.table, by_customer.table)
    rows = by_account.fit.set_index("outcome")
    assert (rows["customers"] < rows["n"]).all()  # customers with several rated tickets: fewer units than rows
    # a few customers share an account: their tickets are one unit, the others' tickets their customer's
    shared = t["customer_id"].isin(t["customer_id"].dropna().unique()[:40])
    some = none.assign(account_id=none["account_id"].mask(shared, "acct-1"))
    fit = _drivers(some, cs.BadExperienceRule(), "account_id", **kw).fit.set_index("outcome")
    assert (fit["n"] == rows["n"]).all()
    assert (fit["customers"] < rows["customers"]).all()


def test_drivers_of_equal_importance_share_a_rank_whatever_the_rounding():
    """Two identical driver columns have equal importance in the data; rounding (row order, the matrix
    library's threads) must not rank one above the other, or two engines order the table differently."""
    from csanalysis.estimators.drivers import TIE_TOLERANCE, importance_ranks

    assert importance_ranks([0.2, 0.05, 0.05 * (1 + 1e-15), 0.1]).tolist() == [1, 3, 3, 2]
    assert importance_ranks([0.2, 0.05, 0.05 * (1 + 1e-6), 0.1]).tolist() == [1, 4, 3, 2]  # a real difference
    assert importance_ranks([0.0, 0.0]).tolist() == [1, 1] and TIE_TOLERANCE < 1e-9
    rng = np.random.default_rng(10)
    n = 1200
    X = rng.multivariate_normal(np.zeros(5), SIGMA, n)
    df = pd.DataFrame(X, columns=NAMES)
    df["bad"] = (X @ np.array([1.0, 0.4, -0.6, 0.5, 0.0]) + rng.logistic(size=n) > 1.0).astype(int)
    df["customer"] = rng.integers(0, 400, n)
    df["x1_copy"] = df["x1"]
    tables = [key_drivers(d, "bad", [*NAMES, "x1_copy"], customer="customer", n_resamples=20,
                          versus_noise=False).table.set_index("driver")
              for d in (df, df.iloc[::-1], df.sample(frac=1.0, random_state=3))]
    for t in tables:
        assert t.loc["x1", "rank"] == t.loc["x1_copy", "rank"]
        assert list(t.index) == list(tables[0].index)  # the same order: rank, then name


def test_moments_of_boolean_flags_equal_their_0_1_columns():
    # the class dummies stay booleans in a fit (made 0/1 a chunk at a time): the replicates' moments are those of
    # the 0/1 columns stacked beside the numbers, bit for bit, whatever the chunks
    from csanalysis.estimators.drivers import _weighted_moments

    rng = np.random.default_rng(8)
    n = 5000
    V = rng.standard_normal((n, 3))
    flags = rng.random((n, 4)) < 0.3
    codes = rng.integers(0, 700, n)

    def weights(idx):
        return np.vstack([np.ones(len(idx)), (idx % 3).astype(float), ((idx * 7) % 5).astype(float)])

    for max_cells in (50, 5_000, 2_000_000):
        got = _weighted_moments(V, codes, weights, 3, max_cells, flags)
        want = _weighted_moments(np.column_stack([V, flags.astype(float)]), codes, weights, 3, max_cells)
        for g, w in zip(got, want):
            assert g.shape == w.shape and np.array_equal(g, w)


def _binary_rows(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    d = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    eta = X @ np.array([0.5, -0.3, 0.2, 0.1, 0.0, 0.4]) - 1.0
    d["bad"] = (rng.random(n) < special.expit(eta)).astype(float)
    d["customer"] = rng.integers(0, n // 3, n)
    return d


def test_a_logistic_fit_holds_one_working_copy_of_the_rows():
    """The key drivers' fits run on one worker per outcome over all the outcome's rows (the Dask engine too):
    their working set is what bounds that worker's memory. Besides the drivers' own columns, a binary outcome's
    fit (with the noise driver) holds one copy of the rows (the moments' columns) and the rows' order; the
    logistic design is made a block at a time. Before, the drivers in the customers' order, their principal
    components and the design were held whole beside it: about 445 bytes per row at most, now about 260."""
    import tracemalloc

    n = 100_000
    d = _binary_rows(n)
    drivers = [f"x{i}" for i in range(6)]
    tracemalloc.start()
    try:
        key_drivers(d, "bad", drivers, customer="customer", n_resamples=5, seed=3, max_cells=100_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / n < 330, f"{peak / n:.0f} bytes per row at most"


def test_the_logistic_design_made_by_blocks_is_the_design():
    """``_Components``: the intercept's ones and the drivers' principal components of unit variance, in the
    rows' order, block by block as the passes read them; ``@`` gives the whole linear predictor."""
    from csanalysis.estimators.drivers import _component_map, _Components, _gram

    rng = np.random.default_rng(4)
    n = 5_000
    V = rng.standard_normal((n, 5))
    V[:, 1] += 0.6 * V[:, 0]
    V -= V.mean(axis=0)
    V /= V.std(axis=0)
    cols = np.array([1, 2, 3])
    order = rng.permutation(n)
    T = _component_map(_gram(V, list(cols), max_cells=1_000), n)
    D = _Components(V, list(cols), order, T)
    assert D.shape == (n, 4)
    whole = np.vstack([D[a:a + 700] for a in range(0, n, 700)])
    np.testing.assert_allclose(whole[:, 0], 1.0)
    np.testing.assert_allclose(whole[:, 1:], V[order][:, cols] @ D.T, rtol=1e-12, atol=1e-12)
    P = whole[:, 1:]
    np.testing.assert_allclose(P.T @ P / n, np.eye(3), atol=1e-10)  # unit variance, uncorrelated
    g = np.array([0.3, -1.0, 0.5, 2.0])
    np.testing.assert_allclose(D @ g, whole @ g, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="run of V's columns"):
        _gram(V, [0, 1, 3], max_cells=1_000)
