"""Tests of csanalysis.estimators.power: minimum detectable changes that agree with the scorecard's tests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from csanalysis.estimators.power import (
    POWER_COLUMNS,
    TESTS,
    PowerResult,
    detection_power,
    minimum_detectable_change,
    power_table,
    sample_size,
)
from csanalysis.schema import conform
from csanalysis.segments.compare import mann_whitney_p
from csanalysis.segments.scorecard import T_MWU, T_RATE, T_SHARE, scorecard
from csanalysis.stats.intervals import two_proportion_test


def _exact_poisson_change_p(k1: np.ndarray, k2: np.ndarray) -> np.ndarray:
    """The scorecard's exact conditional test with equal exposures (binomtest(k2, k1 + k2, 1/2)), vectorised."""
    K = k1 + k2
    j = np.arange(int(K.max()) + 1)
    pmf = stats.binom.pmf(j[None, :], K[:, None], 0.5)
    obs = stats.binom.pmf(k2, K, 0.5)
    p = np.where(pmf <= obs[:, None] * (1 + 1e-7), pmf, 0.0).sum(axis=1)
    return np.where(K > 0, np.minimum(p, 1.0), 1.0)


# --------------------------------------------------------------------------- the tests the scorecard uses
def test_test_names_are_the_scorecards():
    assert (TESTS["share"], TESTS["mean"], TESTS["rate"]) == (T_SHARE, T_MWU, T_RATE)


# --------------------------------------------------------------------------- closed form
@pytest.mark.parametrize("p1,n,direction", [(0.10, 400, "up"), (0.10, 400, "down"), (0.30, 150, "up"),
                                             (0.05, 1000, "down"), (0.5, 60, "up")])
def test_share_mde_solves_the_closed_form_power(p1, n, direction):
    z, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    sign = 1 if direction == "up" else -1

    def power(d):  # Fleiss, Levin & Paik: pooled z-test, both tails
        p2 = p1 + sign * d
        pbar = (p1 + p2) / 2
        s0 = np.sqrt(pbar * (1 - pbar) * 2 / n)
        s1 = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
        return stats.norm.cdf((d - z * s0) / s1) + stats.norm.cdf((-d - z * s0) / s1)

    top = 1 - p1 if sign > 0 else p1
    expected = optimize.brentq(lambda d: power(d) - 0.8, 1e-9, top - 1e-9, xtol=1e-12)
    got = minimum_detectable_change(n, baseline=p1, direction=direction)
    assert got == pytest.approx(expected, abs=1e-9)
    # and close to the textbook one-tail sample-size formula turned round
    pbar = p1 + sign * got / 2
    approx = (z * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + (p1 + sign * got)
                                                                  * (1 - p1 - sign * got))) / np.sqrt(n)
    assert got == pytest.approx(approx, rel=1e-3)


def test_mean_mde_is_the_t_test_mde_at_three_over_pi_of_the_size():
    n, sd = 500, 1.1
    z, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    t_mde = (z + zb) * sd * np.sqrt(2 / (n * 3 / np.pi))
    assert minimum_detectable_change(n, kind="mean", sd=sd) == pytest.approx(t_mde, rel=0.01)


def test_either_direction_is_the_larger():
    up = minimum_detectable_change(300, baseline=0.08, direction="up")
    down = minimum_detectable_change(300, baseline=0.08, direction="down")
    assert up > down  # near 0 a rise is harder to see than a fall of the same size
    assert minimum_detectable_change(300, baseline=0.08) == up
    both = minimum_detectable_change(np.array([300, 3000]), baseline=0.08)
    assert both.shape == (2,) and both[1] < both[0]
    assert np.isnan(minimum_detectable_change(20, baseline=0.01, direction="down"))  # cannot fall far enough
    assert np.isnan(minimum_detectable_change(20, baseline=0.01))  # ... so no size is detected either way
    # a share at 0 has no room to fall: the MDE is the rise's
    assert minimum_detectable_change(100, baseline=0.0) == minimum_detectable_change(100, baseline=0.0,
                                                                                     direction="up")
    assert np.isnan(detection_power(0.5, 100, baseline=0.7))  # beyond the scale
    assert minimum_detectable_change(400, baseline=0.1, alpha=0.01) > minimum_detectable_change(400, baseline=0.1)
    assert minimum_detectable_change(400, baseline=0.1, power=0.9) > minimum_detectable_change(400, baseline=0.1)


def test_power_at_the_mde_is_the_target():
    for kw in ({"kind": "share", "baseline": 0.2}, {"kind": "mean", "sd": 0.9},
               {"kind": "rate", "baseline": 80.0, "scale": 1000.0}):
        for n in (50, 700):
            d = minimum_detectable_change(n, direction="up", n_previous=2 * n, **kw)
            assert detection_power(d, n, n_previous=2 * n, **kw) == pytest.approx(0.8, abs=1e-6)


# --------------------------------------------------------------------------- simulation: the scorecard's own tests
def test_share_mde_rejected_80_percent_by_the_scorecards_test():
    rng = np.random.default_rng(1)
    R = 4000
    for p1, n1, n2 in [(0.12, 300, 450), (0.4, 120, 120)]:
        d = minimum_detectable_change(n2, baseline=p1, n_previous=n1, direction="up")
        k1, k2 = rng.binomial(n1, p1, R), rng.binomial(n2, p1 + d, R)
        _, _, _, p = two_proportion_test(k2, n2, k1, n1)  # as scorecard's _share_change_p calls it
        assert abs(np.mean(p < 0.05) - 0.8) < 0.03


def test_rate_mde_rejected_about_80_percent_by_the_exact_poisson_test():
    rng = np.random.default_rng(2)
    R = 2000
    k1 = rng.binomial(10, 0.5, 5)
    k2 = rng.binomial(10, 0.5, 5)
    assert _exact_poisson_change_p(k1, k2) == pytest.approx(
        [stats.binomtest(int(b), int(a + b), 0.5).pvalue if a + b else 1.0 for a, b in zip(k1, k2)])
    for lam, e, scale in [(120.0, 2000, 1000.0), (0.4, 500, 1.0)]:
        for direction in ("up", "down"):
            d = minimum_detectable_change(e, kind="rate", baseline=lam, scale=scale, direction=direction)
            l2 = lam + d if direction == "up" else lam - d
            k1, k2 = rng.poisson(lam / scale * e, R), rng.poisson(l2 / scale * e, R)
            rate = np.mean(_exact_poisson_change_p(k1, k2) < 0.05)
            assert 0.75 < rate < 0.85  # the exact test is a little conservative


def test_mean_mde_rejected_80_percent_by_the_mann_whitney_test():
    rng = np.random.default_rng(3)
    R = 2000
    n, sd = 150, 1.2
    d = minimum_detectable_change(n, kind="mean", sd=sd)
    x, y = rng.normal(3.8, sd, (R, n)), rng.normal(3.8 + d, sd, (R, n))
    p = stats.mannwhitneyu(y, x, axis=1, method="asymptotic").pvalue
    assert p[:3] == pytest.approx([mann_whitney_p(y[i], x[i]) for i in range(3)])  # the scorecard's function
    assert abs(np.mean(p < 0.05) - 0.8) < 0.03


# --------------------------------------------------------------------------- sample size
@pytest.mark.parametrize("kw", [{"kind": "share", "baseline": 0.15}, {"kind": "mean", "sd": 1.0},
                                {"kind": "rate", "baseline": 3.0}])
def test_sample_size_is_the_inverse_of_the_mde(kw):
    for n in (60, 333, 5000):
        for direction, sign in (("up", 1), ("down", -1)):
            d = minimum_detectable_change(n, direction=direction, **kw)
            assert sample_size(sign * d, **kw) == n
            bigger = sample_size(sign * d * 1.1, **kw)
            if kw["kind"] == "share" and not 0 <= kw["baseline"] + sign * d * 1.1 <= 1:
                assert np.isnan(bigger)  # beyond the scale
            else:
                assert bigger < n and minimum_detectable_change(bigger, direction=direction, **kw) <= d * 1.1
    # a previous wave already collected
    d = minimum_detectable_change(800, n_previous=300, direction="up", **kw)
    assert sample_size(d, n_previous=300, **kw) == 800


def test_sample_size_edges():
    assert sample_size(0.05, baseline=0.10) == 686
    assert sample_size(0.05, baseline=0.10, design_effect=1.5) == pytest.approx(686 * 1.5, abs=2)
    assert np.isnan(sample_size(0.5, baseline=0.7))  # beyond the scale
    assert np.isnan(sample_size(0.01, baseline=0.10, n_previous=50))  # the old wave is too small
    arr = sample_size(np.array([0.05, -0.05]), baseline=0.10)
    assert arr.shape == (2,) and arr[1] < arr[0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="sd"):
        minimum_detectable_change(100, kind="mean")
    with pytest.raises(ValueError, match="baseline"):
        minimum_detectable_change(100, kind="share")
    with pytest.raises(ValueError, match="between 0 and 1"):
        minimum_detectable_change(100, baseline=1.5)
    with pytest.raises(ValueError, match="power"):
        minimum_detectable_change(100, baseline=0.1, power=80)
    with pytest.raises(ValueError, match="kind"):
        minimum_detectable_change(100, kind="median", sd=1)
    with pytest.raises(ValueError, match="positive"):
        minimum_detectable_change(0, baseline=0.1)
    with pytest.raises(ValueError, match="direction"):
        minimum_detectable_change(100, baseline=0.1, direction="both")


# --------------------------------------------------------------------------- the scorecard's power table
def _company(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts, answers = [], []
    for m, (p_bad, n) in enumerate([(0.08, 900), (0.08, 900), (0.16, 1000)]):
        lo = pd.Timestamp("2024-01-01", tz="UTC") + pd.DateOffset(months=m)
        days = ((lo + pd.DateOffset(months=1)) - lo).days
        parts.append(pd.DataFrame({
            "created_at": lo + pd.to_timedelta(rng.uniform(0, days - 0.01, n), unit="D"),
            "rating": np.where(rng.random(n) < p_bad, "bad", "good"),
            "first_reply_minutes": rng.lognormal(4.0, 0.6, n),
            "reopens": rng.binomial(1, 0.1, n), "status": "solved",
            "customer_id": rng.integers(0, 2000, n).astype(str),
        }))
        answers.append(pd.DataFrame({
            "responded_at": lo + pd.to_timedelta(rng.uniform(0, days - 0.01, 200), unit="D"),
            "csat": np.clip(np.round(rng.normal(4.0, 1.0, 200)), 1, 5),
        }))
    t = pd.concat(parts, ignore_index=True)
    t["ticket_id"] = [f"t{i}" for i in range(len(t))]
    r = pd.concat(answers, ignore_index=True)
    r["response_id"] = [f"r{i}" for i in range(len(r))]
    return conform(t, "tickets"), conform(r, "responses")


def test_power_table_agrees_with_the_scorecard():
    t, r = _company(np.random.default_rng(7))
    sc = scorecard(t, r, as_of="2024-03-31")
    pt = power_table(sc)
    assert isinstance(pt, PowerResult)
    tab = pt.table
    assert tuple(tab.columns[:6]) == POWER_COLUMNS and "test" in tab.columns
    assert pt.period == "2024-03" and pt.previous_period == "2024-02"
    s = sc.summary()
    cur = s[s["period"].astype(str) == "2024-03"].set_index("measure")
    assert list(tab["measure"]) == list(cur.index)  # one row per scorecard measure, in its order
    mine = tab.set_index("measure")
    assert (mine["significant"] == cur["significant"]).all()  # one rule: the scorecard's
    assert (mine["observed_change"].to_numpy() == cur["change"].to_numpy()).all()
    assert (mine["n"] == cur["n"]).all() and (mine["test"] == cur["test"]).all()
    tested = cur["p_value"].notna()
    assert (mine.loc[tested, "within_noise"] == ~cur.loc[tested, "significant"]).all()
    assert (mine["mde"] > 0).all()
    # the planted doubling of complaints is significant, and larger than its MDE
    c = mine.loc["complaints_per_1000"]
    assert c["significant"] and not c["within_noise"] and abs(c["observed_change"]) > c["mde"]
    assert c["mde"] == pytest.approx(minimum_detectable_change(
        c["n"], kind="rate", baseline=c["baseline"], n_previous=c["n_previous"], scale=1000), rel=1e-12)
    ro = mine.loc["reopen_rate"]
    assert ro["mde"] == pytest.approx(minimum_detectable_change(
        ro["n"], baseline=ro["baseline"], n_previous=ro["n_previous"]), rel=1e-12)
    # the MDE of a mean: Mann-Whitney with the sd the intervals imply (about 0.9 for these answers)
    cs = mine.loc["csat_mean"]
    assert 0.2 < cs["mde"] < 0.35
    known = power_table(sc, sd={"csat_mean": 0.9}).table.set_index("measure").loc["csat_mean"]
    assert known["mde"] == pytest.approx(minimum_detectable_change(cs["n"], kind="mean", sd=0.9,
                                                                   n_previous=cs["n_previous"]))
    assert "sd given" in known["mde_basis"]
    d = pt.to_dict()
    json.dumps(d)
    assert len(d["power"]) == len(tab) and d["alpha"] == sc.alpha and "below 0.05" in d["rule"]
    assert "within noise" in pt.to_text()


def test_power_table_periods():
    t, r = _company(np.random.default_rng(8))
    sc = scorecard(t, r, as_of="2024-03-20")  # March incomplete: the latest complete one is February
    pt = power_table(sc)
    assert (pt.period, pt.previous_period) == ("2024-02", "2024-01")
    assert not pt.table.set_index("measure").loc["complaints_per_1000", "significant"]
    jan = power_table(sc, period="2024-01")
    assert jan.previous_period == "" and jan.table["within_noise"].isna().all()
    assert (jan.table["note"].str.startswith("no previous period") | jan.table["mde"].isna()).all()
    assert np.isfinite(jan.table["mde"]).any()
    with pytest.raises(ValueError, match="not in the scorecard"):
        power_table(sc, period="2023-12")
