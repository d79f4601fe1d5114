"""Tests of the benchmark registry and the verdict rule of compare_to_benchmark."""

from __future__ import annotations

import json
import math
from importlib import resources

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from csanalysis.registry import (
    COMPARABILITY,
    REGISTRY_COLUMNS,
    REGISTRY_VERSION,
    compare_to_benchmark,
    comparison_table,
    get_benchmark,
    load_registry,
)
from csanalysis.registry.compare import ROW_FIELDS
from csanalysis.stats.intervals import proportion_test

matplotlib.use("Agg")  # headless: no display in CI

REQUIRED = {
    "avoid_2y_after_bad": 0.39,
    "avoid_2y_after_bad_changed": 0.39,
    "told_others_not_to_buy_after_bad": 0.44,
    "wom_told_mean": 15,
    "wom_told_over_20": 0.13,
    "share_bad_gt5": 0.54,
    "switched_after_poor_service": 0.47,
    "ms_stopped_business_poor_service": 0.56,
    "prefer_self_service": 0.67,
    "pay_more_for_better_cx": 0.86,
}


# --------------------------------------------------------------------------- the data file
def test_registry_ships_as_package_data_with_a_version():
    f = resources.files("csanalysis.registry") / "benchmarks.csv"
    assert f.is_file()
    reg = load_registry()
    assert list(reg.columns) == list(REGISTRY_COLUMNS)
    assert reg["registry_version"].nunique() == 1
    assert reg["registry_version"].iloc[0] == REGISTRY_VERSION and REGISTRY_VERSION


def test_every_required_id_present_with_value_and_provenance():
    reg = load_registry().set_index("id")
    assert reg.index.is_unique
    for id_, value in REQUIRED.items():
        assert id_ in reg.index, id_
        assert reg.loc[id_, "value"] == pytest.approx(value), id_
    assert set(reg["provenance_level"]) <= {"P1", "P2", "S", "U"}
    assert reg["provenance_level"].notna().all()
    assert set(reg["comparability"]) <= set(COMPARABILITY)
    assert reg["metric_definition"].notna().all() and reg["claim_as_cited"].notna().all()
    assert reg["caveats"].notna().all()
    # proportions are shares, not percentages
    props = reg[reg["unit"] == "proportion"]
    assert ((props["value"] > 0) & (props["value"] < 1)).all()


def test_the_known_facts_are_encoded():
    reg = load_registry().set_index("id")
    assert reg.loc["switched_after_poor_service", "provenance_level"] == "U"
    assert reg.loc["switched_after_poor_service", "comparability"] == "lifetime_any_brand"
    assert reg.loc["ms_stopped_business_poor_service", "comparability"] == "lifetime_any_brand"
    assert reg.loc["ms_stopped_business_poor_service", "provenance_level"] == "P2"
    assert reg.loc["told_others_not_to_buy_after_bad", "value_as_cited"] == "0.40"
    assert reg.loc["wom_told_mean", "cited_low"] == 9 and reg.loc["wom_told_mean", "cited_high"] == 15
    assert reg.loc["wom_told_mean", "provenance_level"] == "U"
    assert reg.loc["wom_told_over_20", "provenance_level"] == "U"
    assert reg.loc["avoid_2y_after_bad", "sample_size"] == 1046
    assert reg.loc["avoid_2y_after_bad", "comparability"] == "conditional"
    assert not reg.loc["avoid_2y_after_bad", "question_wording_verified"]
    # only the range figure has a range
    ranged = reg[reg["cited_low"].notna()].index.tolist()
    assert ranged == ["wom_told_mean"]


def test_get_benchmark_lists_and_labels():
    b = get_benchmark("share_bad_gt5")
    assert isinstance(b["urls"], list) and b["urls"] and all(u.startswith("http") for u in b["urls"])
    assert isinstance(b["caveats"], list) and len(b["caveats"]) >= 2
    assert b["provenance"] == "P1 (primary, verified)" and b["folklore"] is False
    json.dumps(b)
    with pytest.raises(KeyError, match="share_bad_gt5"):
        get_benchmark("share_bad_gt_5")


def test_load_registry_returns_a_copy():
    reg = load_registry()
    reg.loc[0, "value"] = -1.0
    assert load_registry().loc[0, "value"] != -1.0


# --------------------------------------------------------------------------- verdict rule
def test_verdict_below_and_above_a_point_value():
    below = compare_to_benchmark("share_bad_gt5", 0.40, 0.35, 0.45, 400, observed_definition="told > 5 among tellers")
    assert below.verdict == "below"
    above = compare_to_benchmark("share_bad_gt5", 0.70, 0.60, 0.78, 100, observed_definition="told > 5 among tellers")
    assert above.verdict == "above"
    touching = compare_to_benchmark("share_bad_gt5", 0.50, 0.46, 0.54, 600, observed_definition="x")
    assert touching.verdict == "consistent"  # an interval reaching the cited value is not "below"


def test_verdict_with_a_cited_range():
    c = compare_to_benchmark("wom_told_mean", 17.0, 14.0, 20.0, 300, observed_definition="midpoint mean")
    assert c.verdict == "consistent"  # overlaps 9-15
    c = compare_to_benchmark("wom_told_mean", 12.0, 10.0, 14.0, 300, observed_definition="midpoint mean")
    assert c.verdict == "consistent"  # inside the range (though below its high end)
    assert compare_to_benchmark("wom_told_mean", 18.0, 16.0, 21.0, 300, observed_definition="m").verdict == "above"
    assert compare_to_benchmark("wom_told_mean", 6.0, 5.0, 8.5, 300, observed_definition="m").verdict == "below"
    assert (c.cited_low, c.cited_high) == (9.0, 15.0)


def test_lifetime_any_brand_is_not_comparable_without_override():
    for id_ in ("ms_stopped_business_poor_service", "switched_after_poor_service"):
        c = compare_to_benchmark(id_, 0.12, 0.10, 0.14, 900, observed_definition="12-month churn after a bad ticket")
        assert c.verdict == "not comparable"
        assert "lifetime" in c.definition
        assert math.isnan(c.p_value)
        # comparable=True alone does not lift the rule
        assert compare_to_benchmark(id_, 0.12, 0.10, 0.14, 900, observed_definition="x",
                                    comparable=True).verdict == "not comparable"
    o = compare_to_benchmark("ms_stopped_business_poor_service", 0.12, 0.10, 0.14, 900,
                             observed_definition="same question asked in our survey", override=True)
    assert o.verdict == "below" and o.overridden
    assert "override=True" in o.definition
    assert o.p_value == pytest.approx(proportion_test(108, 900, 0.56))


def test_caller_can_declare_not_comparable():
    c = compare_to_benchmark("share_bad_gt5", 0.4, 0.3, 0.5, 100, observed_definition="x", comparable=False)
    assert c.verdict == "not comparable"


def test_not_supported_when_observed_missing():
    c = compare_to_benchmark("told_others_not_to_buy_after_bad", float("nan"), None, None, 0,
                             observed_definition="not supported: the survey has no warned-others item")
    assert c.verdict == "not supported"
    assert "warned-others" in c.to_row()["definition"]
    assert c.to_row()["observed"] is None
    c2 = compare_to_benchmark("share_bad_gt5", 0.4, None, None, 3, observed_definition="x")
    assert c2.verdict == "too few"  # precedence: too few before too uncertain
    c3 = compare_to_benchmark("share_bad_gt5", 0.4, None, None, 300, observed_definition="x")
    assert c3.verdict == "too uncertain" and "no confidence interval" in c3.reason
    c4 = compare_to_benchmark("share_bad_gt5", 0.5, 0.2, 0.8, 40, observed_definition="x")
    assert c4.verdict == "too uncertain" and "wider than 0.5" in c4.reason


def test_untraceable_figures_are_labelled_folklore_but_still_judged():
    c = compare_to_benchmark("wom_told_over_20", 0.05, 0.03, 0.08, 400, observed_definition="share > 20")
    assert c.verdict == "below"
    assert c.provenance == "U (folklore: untraceable)"
    assert c.folklore and c.role == "folklore"
    assert "folklore" in str(c) and "not a target" in str(c)
    assert "folklore" in c.to_row()["provenance"]
    assert "target" not in str(compare_to_benchmark("share_bad_gt5", 0.4, 0.35, 0.45, 400, observed_definition="x"))


def test_p_value_computed_for_proportions_and_passed_through_otherwise():
    c = compare_to_benchmark("told_others_not_to_buy_after_bad", 0.30, 0.26, 0.34, 500, observed_definition="x")
    assert c.p_value == pytest.approx(proportion_test(150, 500, 0.44))
    assert "binomial" in c.test
    given = compare_to_benchmark("wom_told_mean", 20.0, 18.0, 22.0, 300, p_value=0.001, test="t-test",
                                 observed_definition="x")
    assert given.p_value == 0.001 and given.test == "t-test"
    # the registry names the test: for the weighted conditional share, a normal test with the SE read off its
    # interval; for the people-told mean, whose interval is an identified range, no p-value is invented
    reg = compare_to_benchmark("avoid_2y_after_bad_changed", 0.50, 0.45, 0.55, 300, observed_definition="x")
    assert "normal approximation" in reg.test
    se = 0.10 / (2 * 1.959963984540054)
    assert reg.p_value == pytest.approx(2 * __import__("scipy").stats.norm.sf(0.11 / se))
    rng = compare_to_benchmark("wom_told_mean", 20.0, 18.0, 22.0, 300, observed_definition="x")
    assert math.isnan(rng.p_value) and "identified range" in rng.test and rng.verdict == "above"
    inside = compare_to_benchmark("wom_told_mean", 12.0, 4.0, 16.0, 300, observed_definition="x")
    assert math.isnan(inside.p_value) and inside.verdict == "consistent"


def test_to_row_has_exactly_the_agreed_fields_and_table_and_plot():
    c = compare_to_benchmark("avoid_2y_after_bad_changed", 0.30, 0.25, 0.35, 300, observed_definition="KM share")
    row = c.to_row()
    assert tuple(row) == ROW_FIELDS == ("id", "cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high",
                                        "n", "p_value", "verdict", "provenance", "definition")
    assert row["cited_low"] is None and row["cited"] == 0.39
    json.dumps(c.to_dict())
    cond = compare_to_benchmark("avoid_2y_after_bad", 0.30, 0.25, 0.35, 300, observed_definition="KM share")
    assert "conditional" in cond.definition
    t = comparison_table([c, cond])
    assert list(t.columns) == list(ROW_FIELDS) and len(t) == 2
    assert "<table" in c._repr_html_()
    fig, ax = plt.subplots()
    assert c.plot(ax=ax) is ax
    assert "P1" in ax.get_yticklabels()[0].get_text()
    plt.close(fig)


def test_inputs_that_teach():
    with pytest.raises(ValueError, match="0.12"):
        compare_to_benchmark("share_bad_gt5", 12, 10, 14, 100, observed_definition="x")
    with pytest.raises(ValueError, match="does not contain"):
        compare_to_benchmark("share_bad_gt5", 0.5, 0.1, 0.2, 100, observed_definition="x")
    with pytest.raises(ValueError, match="observed_definition"):
        compare_to_benchmark("share_bad_gt5", 0.5, 0.4, 0.6, 100, observed_definition=" ")
    with pytest.raises(KeyError):
        compare_to_benchmark("no_such_figure", 0.5, 0.4, 0.6, 100, observed_definition="x")


def test_registry_frame_types():
    reg = load_registry()
    assert str(reg["question_wording_verified"].dtype) == "boolean"
    assert pd.api.types.is_float_dtype(reg["value"])


def test_cited_sampling_error_widens_the_comparison_where_denominator_n_is_known():
    import pandas as pd

    from csanalysis.registry import load_registry
    from csanalysis.registry.compare import compare_figures

    reg = load_registry()
    reg = reg[reg["id"] == "told_others_not_to_buy_after_bad"].copy()
    p0 = float(reg["value"].iloc[0])
    fig = pd.DataFrame({"id": ["told_others_not_to_buy_after_bad"], "label": ["x"], "unit": ["share"],
                        "group": ["satisfaction=dissatisfied"], "estimate": [p0 + 0.045],
                        "ci_low": [p0 + 0.01], "ci_high": [p0 + 0.08], "n": [800.0], "method": ["m"],
                        "definition": ["d"], "flags": [[]]})
    exact = compare_figures(fig, reg).iloc[0]
    assert exact["verdict"] == "above" and math.isnan(exact["cited_ci_low"])
    reg["denominator_n"] = pd.array([300], dtype="Int64")  # a small cited survey: its own error matters
    two = compare_figures(fig, reg).iloc[0]
    assert two["verdict"] == "consistent" and "two-sample" in two["test"]
    se = math.sqrt(p0 * (1 - p0) / 300)
    assert two["cited_ci_low"] == pytest.approx(p0 - 1.959963984540054 * se)
    assert two["p_value"] > exact["p_value"]


def test_fdr_marks_only_differences_that_survive():
    import csanalysis as cs

    s = cs.datasets.load_sample()
    t = cs.benchmark_table(s.tickets, s.responses, s.activity, n_resamples=100)
    judged = t[t["verdict"].isin(["above", "below", "consistent"])]
    tested = judged[judged["p_value"].notna()]
    assert len(tested) and tested["q_value"].notna().all() and (tested["q_value"] >= tested["p_value"] - 1e-15).all()
    assert judged.loc[judged["p_value"].isna(), "q_value"].isna().all()  # identified ranges: no test
    assert (t.loc[t["fdr_significant"], "q_value"] <= 0.05).all()
    assert not t.loc[~t["verdict"].isin(["above", "below", "consistent"]), "fdr_significant"].any()
