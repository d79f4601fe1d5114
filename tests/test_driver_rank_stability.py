"""Tests of the rank-stability diagnostic of key drivers and its flag ``ranks_uncertain``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csanalysis.estimators.drivers import (
    DRIVER_COLUMNS,
    DRIVER_EXTRA_COLUMNS,
    FIT_COLUMNS,
    MIN_RANK_DRIVERS,
    RANK_STABILITY_RHO,
    RANK_STABILITY_SHARE,
    RANKS_UNCERTAIN,
    key_drivers,
    rank_stability,
)
from csanalysis.figures import figure_table
from csanalysis.flags import FLAGS, flag_reason, flags_text

NAMES = ["a", "b", "c", "d", "e"]


def _planted(n: int, beta: list[float], seed: int, customers: int | None = None) -> pd.DataFrame:
    """Independent standard normal drivers, y = X beta + N(0, 1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, len(beta)))
    df = pd.DataFrame(X, columns=NAMES[: len(beta)])
    df["y"] = X @ np.asarray(beta) + rng.standard_normal(n)
    df["customer"] = rng.integers(0, customers, n) if customers else np.arange(n)
    return df


def _close_small() -> pd.DataFrame:
    # five drivers of (nearly) the same importance, 150 rows from 60 customers: no sample this small orders them
    return _planted(150, [0.20, 0.19, 0.18, 0.17, 0.16], seed=3, customers=60)


def _apart_large() -> pd.DataFrame:
    # importances 0.36, 0.16, 0.04, 0.01, 0 (times 1 / var y): well separated, 4,000 rows
    return _planted(4000, [0.6, 0.4, 0.2, 0.1, 0.0], seed=4, customers=2000)


# --------------------------------------------------------------------------- the contract
def test_contract_columns_are_unchanged_and_the_diagnostic_is_added():
    assert DRIVER_COLUMNS == ("outcome", "driver", "importance", "ci_low", "ci_high", "n", "method", "penalty",
                              "reward")
    r = key_drivers(_apart_large(), "y", NAMES, customer="customer", n_resamples=50)
    assert tuple(r.table.columns[: len(DRIVER_COLUMNS)]) == DRIVER_COLUMNS
    assert tuple(r.table.columns) == DRIVER_COLUMNS + DRIVER_EXTRA_COLUMNS
    assert {"rank_stability", "flags"} <= set(DRIVER_EXTRA_COLUMNS)
    assert "rank_stability" in FIT_COLUMNS and tuple(r.fit.columns) == FIT_COLUMNS
    assert r.table["rank_stability"].dtype == np.float64
    assert r.table["flags"].map(lambda v: isinstance(v, list)).all()
    d = r.to_dict()
    json.dumps(d)
    assert d["drivers"][0]["flags"] == [] and d["fit"][0]["rank_stability"] == pytest.approx(1.0)
    s = r.summary()
    s.loc[0, "flags"].append("x")  # the summary's lists are copies
    assert r.table.loc[0, "flags"] == []


def test_constants_are_the_validation_target():
    assert RANK_STABILITY_RHO == 0.8 and RANK_STABILITY_SHARE == 0.9 and MIN_RANK_DRIVERS == 3
    assert RANKS_UNCERTAIN == "ranks_uncertain"


# --------------------------------------------------------------------------- the flag
def test_flag_fires_for_close_importances_in_a_small_noisy_sample():
    r = key_drivers(_close_small(), "y", NAMES, customer="customer", n_resamples=200, seed=1)
    stab = r.fit.loc[0, "rank_stability"]
    assert stab < RANK_STABILITY_SHARE
    assert (r.table["rank_stability"] == stab).all()
    assert r.table["flags"].map(lambda f: f == [RANKS_UNCERTAIN]).all()
    note = [n for n in r.notes if RANKS_UNCERTAIN in n]
    assert len(note) == 1 and "'y'" in note[0] and f"{stab:.0%}" in note[0] and "intervals" in note[0]
    assert "rank stability" in r.method


def test_no_flag_for_well_separated_importances_in_a_large_sample():
    r = key_drivers(_apart_large(), "y", NAMES, customer="customer", n_resamples=200, seed=1)
    assert r.fit.loc[0, "rank_stability"] >= 0.99
    assert r.table["flags"].map(len).eq(0).all()
    assert not any(RANKS_UNCERTAIN in n for n in r.notes)


def test_flag_per_outcome_and_not_on_excluded_rows():
    df = _apart_large().iloc[:600].copy()
    rng = np.random.default_rng(9)
    X = df[NAMES].to_numpy()
    df["z"] = X @ np.array([0.10, 0.095, 0.09, 0.085, 0.08]) + rng.standard_normal(len(df))  # close importances
    r = key_drivers(df, ["y", "z"], NAMES, customer="customer", exclude={"z": ["e"]}, n_resamples=150)
    y, z = r.table[r.table["outcome"] == "y"], r.table[r.table["outcome"] == "z"]
    assert y["flags"].map(len).eq(0).all()
    ranked, left_out = z[z["importance"].notna()], z[z["importance"].isna()]
    assert len(left_out) == 1 and left_out["flags"].iloc[0] == []
    assert ranked["flags"].map(lambda f: f == [RANKS_UNCERTAIN]).all()
    assert r.fit.set_index("outcome").loc["z", "rank_stability"] < RANK_STABILITY_SHARE
    assert [n for n in r.notes if RANKS_UNCERTAIN in n][0].startswith("'z'")


def test_two_drivers_have_no_diagnostic():
    df = _close_small()
    r = key_drivers(df, "y", ["a", "b"], customer="customer", n_resamples=100)
    assert r.table["rank_stability"].isna().all() and r.fit["rank_stability"].isna().all()
    assert r.table["flags"].map(len).eq(0).all()


def test_binary_and_lmg_outcomes_get_the_diagnostic():
    df = _close_small()
    df["bad"] = (df["y"] < df["y"].quantile(0.3)).astype(int)
    b = key_drivers(df, "bad", NAMES, customer="customer", n_resamples=100, versus_noise=False)
    assert 0 <= b.fit.loc[0, "rank_stability"] < RANK_STABILITY_SHARE
    assert b.table["flags"].map(lambda f: f == [RANKS_UNCERTAIN]).all()
    g = key_drivers(_apart_large(), "y", NAMES, method="lmg", n_resamples=50, versus_noise=False)
    assert g.fit.loc[0, "rank_stability"] >= 0.99 and g.table["flags"].map(len).eq(0).all()


# --------------------------------------------------------------------------- the statistic
def test_rank_stability_is_the_share_of_replicates_with_spearman_at_least_08():
    rng = np.random.default_rng(0)
    point = np.array([0.05, 0.04, 0.035, 0.03, 0.02, 0.01])
    boot = point + rng.normal(0, 0.008, (300, 6))
    boot[5] = np.nan  # a failed replicate is left out
    boot[7] = 0.02  # all tied: does not keep the order
    ok = np.all(np.isfinite(boot), axis=1)
    rho = np.array([stats.spearmanr(b, point).statistic if np.ptp(b) > 0 else np.nan for b in boot[ok]])
    expected = np.mean(np.nan_to_num(rho, nan=-1.0) >= 0.8)
    assert rank_stability(point, boot) == pytest.approx(expected)
    assert 0 < expected < 1 and ok.sum() == 299
    assert rank_stability(point, boot, threshold=-0.999) == pytest.approx(np.mean(np.isfinite(rho)))


def test_rank_stability_edge_cases():
    assert np.isnan(rank_stability([0.2, 0.1], [[0.1, 0.2], [0.2, 0.1]]))  # 2 drivers
    assert np.isnan(rank_stability([0.1, 0.1, 0.1], [[0.3, 0.2, 0.1]]))  # every point estimate tied
    assert np.isnan(rank_stability([0.3, 0.2, 0.1], np.full((4, 3), np.nan)))  # no usable replicate
    # with 5 drivers one adjacent swap gives exactly 0.9, two give 0.8: both count
    point = [5.0, 4.0, 3.0, 2.0, 1.0]
    assert rank_stability(point, [[4.0, 5.0, 2.0, 3.0, 1.0]]) == 1.0
    assert rank_stability(point, [[1.0, 2.0, 3.0, 4.0, 5.0]]) == 0.0


# --------------------------------------------------------------------------- how the flag travels
def test_flag_is_registered_with_a_reason():
    assert RANKS_UNCERTAIN in FLAGS
    reason = flag_reason(RANKS_UNCERTAIN)
    assert reason != RANKS_UNCERTAIN and len(reason) > 60
    assert "bootstrap" in reason and "0.8" in reason and "intervals" in reason
    assert flags_text([RANKS_UNCERTAIN]).startswith("ranks_uncertain: the order of the drivers")


def test_the_figure_table_carries_the_flag_on_importance_rows():
    r = key_drivers(_close_small(), "y", NAMES, customer="customer", n_resamples=100)
    f = figure_table({"drivers": r})
    imp = f[f["id"] == "driver_importance"]
    assert len(imp) == 5 and imp["flags"].map(lambda v: RANKS_UNCERTAIN in v).all()
    other = f[f["id"] != "driver_importance"]
    assert len(other) and not other["flags"].map(lambda v: RANKS_UNCERTAIN in v).any()
    quiet = figure_table({"drivers": key_drivers(_apart_large(), "y", NAMES, n_resamples=50)})
    assert not quiet["flags"].map(lambda v: RANKS_UNCERTAIN in v).any()
