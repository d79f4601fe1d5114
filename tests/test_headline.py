"""benchmark_table on the bundled sample: every registry id, honest verdicts, planted truth covered."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.experiences import BadExperienceRule
from csanalysis.headline import TABLE_COLUMNS


@pytest.fixture(scope="module")
def sample():
    return cs.datasets.load_sample()


@pytest.fixture(scope="module")
def results(sample):
    return cs.benchmark_results(sample.tickets, sample.responses, sample.activity, customers=sample.customers,
                                n_resamples=400)


@pytest.fixture(scope="module")
def truth():
    return cs.datasets.load_planted_truth()


def test_every_registry_id_appears_once_with_fixed_columns(results):
    t = results.table
    assert list(t.columns) == TABLE_COLUMNS
    reg = cs.load_registry()
    assert set(reg["id"]) | {"avoid_2y_after_good"} == set(t["id"])
    assert t["id"].is_unique
    for fid in ("avoid_2y_after_bad", "avoid_2y_after_bad_changed", "told_others_not_to_buy_after_bad",
                "wom_told_mean", "wom_told_over_20", "share_bad_gt5", "switched_after_poor_service",
                "ms_stopped_business_poor_service", "prefer_self_service", "pay_more_for_better_cx"):
        assert fid in set(t["id"])


def test_verdict_rule_follows_the_interval(results):
    t = results.table
    cmp = t[t["verdict"].isin(["below", "above", "consistent"])]
    assert len(cmp) >= 6
    lo_ref = cmp["cited_low"].fillna(cmp["cited"])
    hi_ref = cmp["cited_high"].fillna(cmp["cited"])
    expected = np.where(cmp["ci_high"] < lo_ref, "below", np.where(cmp["ci_low"] > hi_ref, "above", "consistent"))
    assert (cmp["verdict"].to_numpy() == expected).all()
    assert cmp["p_value"].between(0, 1).all()
    assert ((cmp["ci_low"] <= cmp["observed"]) & (cmp["observed"] <= cmp["ci_high"])).all()


def test_lifetime_any_brand_and_folklore_rules(results):
    t = results.table.set_index("id")
    for fid in ("switched_after_poor_service", "ms_stopped_business_poor_service"):
        assert t.loc[fid, "verdict"] == "not comparable"
        assert np.isfinite(t.loc[fid, "observed"])  # still computed and shown
    assert "folklore" in t.loc["switched_after_poor_service", "provenance"]
    assert "folklore" in t.loc["wom_told_mean", "provenance"]
    assert t.loc["wom_told_mean", "cited_low"] == 9 and t.loc["wom_told_mean", "cited_high"] == 15


def test_unsupported_figures_say_why(results):
    t = results.table.set_index("id")
    for fid in ("prefer_self_service", "pay_more_for_better_cx", "avoid_2y_after_bad_b2b"):
        assert t.loc[fid, "verdict"] == "not supported" and np.isnan(t.loc[fid, "observed"])
        assert "not computed" in t.loc[fid, "definition"]


def test_override_lifts_not_comparable(sample):
    t = cs.benchmark_table(sample.tickets, sample.responses, sample.activity, n_resamples=100,
                           override={"ms_stopped_business_poor_service"}).set_index("id")
    assert t.loc["ms_stopped_business_poor_service", "verdict"] in {"below", "above", "consistent"}
    assert t.loc["switched_after_poor_service", "verdict"] == "not comparable"


def test_avoidance_ci_covers_the_planted_truth(sample, truth):
    # the generator's truth counts Zendesk-rated bad tickets only: use the same rule
    rule = BadExperienceRule(csat_at_most=None)
    t = cs.benchmark_table(sample.tickets, sample.responses, sample.activity, rule=rule,
                           n_resamples=200).set_index("id")
    true = truth["avoidance"]["avoid_2y_after_bad"]
    naive = truth["avoidance"]["naive_avoid_2y_after_bad"]
    r = t.loc["avoid_2y_after_bad"]
    assert r["ci_low"] <= true <= r["ci_high"]
    assert abs(r["observed"] - true) < abs(naive - true)  # KM closer than the naive count


def test_word_of_mouth_cis_cover_planted_truth(results, truth):
    t = results.table.set_index("id")
    # the table pools both surveys; the planted shares are for the Qualtrics respondents, so allow the pooled
    # estimate's interval to be checked against the pooled simulated truth computed from both parts
    q, d = truth["word_of_mouth"]["dissatisfied"], truth["danish"]
    n = q["n"] + d["dissatisfied_n"]
    pooled_gt20 = (q["share_told_gt20"] * q["n"] + d["dissatisfied_share_told_gt20"] * d["dissatisfied_n"]) / n
    pooled_warned = (q["share_warned"] * q["n"] + d["dissatisfied_share_warned"] * d["dissatisfied_n"]) / n
    r = t.loc["wom_told_over_20"]
    assert r["ci_low"] <= pooled_gt20 <= r["ci_high"]
    r = t.loc["told_others_not_to_buy_after_bad"]
    assert r["ci_low"] <= pooled_warned <= r["ci_high"]


def test_json_ready(results):
    d = results.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert "NaN" not in text and len(d["benchmarks"]) == len(results.table)


def test_needs_a_table():
    with pytest.raises(ValueError, match="at least one table"):
        cs.benchmark_table()


def test_survey_only_still_gives_every_row(sample):
    t = cs.benchmark_table(responses=sample.responses, n_resamples=100).set_index("id")
    assert t.loc["avoid_2y_after_bad", "verdict"] == "not supported"
    assert np.isfinite(t.loc["wom_told_over_20", "observed"])
    assert t.loc["avoid_2y_after_good", "verdict"] == "not supported"


def test_reproducible(sample):
    a = cs.benchmark_table(sample.tickets, sample.responses, sample.activity, n_resamples=100, seed=3)
    b = cs.benchmark_table(sample.tickets, sample.responses, sample.activity, n_resamples=100, seed=3)
    pd.testing.assert_frame_equal(a, b)
