"""Service levels (fails / meets / exceeds / delights / amazes) and their later behaviour."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csanalysis.schema import conform
from csanalysis.segments import LEVELS, ServiceLevelRule, service_levels
from csanalysis.stats import wilson_ci

END = pd.Timestamp("2024-12-31", tz="UTC")
NAN = np.nan

# one typical answer pattern per level: csat, expectation label, nps
PATTERN = {
    "fails": (2.0, "Worse than expected", 3.0),
    "meets": (3.0, "As expected", 6.0),
    "exceeds": (4.0, "Better than expected", 8.0),
    "delights": (5.0, "Better than expected", 9.0),
    "amazes": (5.0, "Much better than expected", 10.0),
}
PLANTED = {"fails": 0.20, "meets": 0.40, "exceeds": 0.50, "delights": 0.65, "amazes": 0.80}


def _survey(rng: np.random.Generator, n: int = 5000, rates: dict | None = None,
            share: tuple = (0.15, 0.35, 0.25, 0.2, 0.05)) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    rates = PLANTED if rates is None else rates
    level = rng.choice(list(LEVELS), size=n, p=list(share))
    cust = np.array([f"{i:05d}" for i in range(n)])
    at = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 300, n), unit="D")
    csat = np.array([PATTERN[x][0] for x in level])
    expect = np.array([PATTERN[x][1] for x in level], dtype=object)
    nps = np.array([PATTERN[x][2] for x in level])
    resp = conform(pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "customer_id": cust,
                                 "responded_at": at, "csat": csat, "nps": nps,
                                 "q7": pd.Series(expect, dtype="str")}), "responses")
    resp.attrs["questions"] = {"csat": "How satisfied were you?", "nps": "How likely are you to recommend us?",
                               "q7": "Compared with what you expected, the service was ..."}
    repeat = rng.random(n) < np.array([rates[x] for x in level])
    buys = [pd.DataFrame({"customer_id": cust, "at": at - pd.to_timedelta(rng.uniform(10, 90, n), unit="D")})]
    buys.append(pd.DataFrame({"customer_id": cust[repeat],
                              "at": at[repeat] + pd.to_timedelta(rng.uniform(1, 360, repeat.sum()), unit="D")}))
    act = conform(pd.concat(buys, ignore_index=True).assign(amount=20.0, currency="EUR"), "activity")
    return resp, act, pd.Series(level, index=cust)


def test_rule_assign_documented_cases():
    rule = ServiceLevelRule()
    cases = [  # csat, expectation (centred), nps, ces, level
        (2, NAN, 10, NAN, "fails"),
        (5, -1, 10, NAN, "fails"),  # worse than expected fails whatever the CSAT
        (5, 2, 10, 6, "fails"),  # high effort fails
        (3, NAN, NAN, NAN, "meets"),
        (3, 0, NAN, NAN, "meets"),
        (5, 0, 10, NAN, "meets"),  # as expected: meets, however satisfied
        (NAN, 0, NAN, NAN, "meets"),
        (4, NAN, 10, NAN, "exceeds"),
        (3, 1, NAN, NAN, "exceeds"),
        (4, 2, 10, NAN, "exceeds"),  # amazing needs top CSAT
        (NAN, 2, NAN, NAN, "exceeds"),
        (5, NAN, 8, NAN, "exceeds"),
        (5, NAN, 9, NAN, "delights"),
        (5, 1, 0, NAN, "delights"),
        (5, 2, 9, NAN, "delights"),  # amazing needs NPS 10
        (5, 2, 10, 2, "amazes"),
        (NAN, NAN, 10, NAN, None),  # NPS alone gives no level
        (NAN, NAN, NAN, 3, None),
        (NAN, NAN, NAN, 7, "fails"),
    ]
    c, e, p, f, want = zip(*cases)
    got = rule.assign(csat=c, expectation=e, nps=p, ces=f)
    assert [None if pd.isna(x) else x for x in got] == list(want)
    assert list(got.categories) == list(LEVELS) and got.ordered


def test_rule_overrides_and_validation():
    loose = ServiceLevelRule(nps_amazes_at_least=None, ces_fails_at_least=None, csat_exceeds_at_least=5)
    got = loose.assign(csat=[5, 4, 5], expectation=[2, NAN, NAN], nps=[NAN, 9, 3], ces=[7, 1, 1])
    assert list(got) == ["amazes", "meets", "exceeds"]
    assert "effort" not in loose.describe() and "Amazes" in loose.describe()
    with pytest.raises(ValueError, match="csat_fails_at_most"):
        ServiceLevelRule(csat_fails_at_most=9)
    with pytest.raises(ValueError, match="rise"):
        ServiceLevelRule(csat_exceeds_at_least=2)
    with pytest.raises(ValueError, match="at least one"):
        ServiceLevelRule().assign()


def test_expectation_detected_from_question_text(rng):
    resp, act, truth = _survey(rng, n=300)
    res = service_levels(resp, act)
    assert res.expectation_column == "q7"
    lv = res.customers.set_index("customer")["level"].astype(str)
    assert (lv == truth.reindex(lv.index)).all()
    assert set(res.responses["expectation"].dropna()) == {-1.0, 0.0, 1.0, 2.0}
    # ignoring the expectation question loses "amazes" (no evidence of surprise)
    res_no = service_levels(resp, act, expectation=False)
    assert res_no.expectation_column is None
    assert res_no.summary().set_index("segment").loc["amazes", "n"] == 0


def test_explicit_numeric_expectation_column():
    r = pd.DataFrame({"customer": ["a", "b", "c"], "csat": [5.0, 5.0, 3.0], "nps": [10.0, 10.0, 5.0],
                      "exp_code": [5, 3, 1], "responded_at": pd.to_datetime(["2024-01-01"] * 3, utc=True)})
    res = service_levels(r, expectation="exp_code")
    assert res.customers["level"].astype(str).tolist() == ["amazes", "meets", "fails"]
    three = service_levels(r.assign(exp_code=[3, 2, 1]), expectation="exp_code", expectation_points=3)
    assert three.responses["expectation"].tolist() == [1.0, 0.0, -1.0]
    with pytest.raises(ValueError, match="expectation_points"):
        service_levels(r.assign(exp_code=[9, 3, 1]), expectation="exp_code")
    with pytest.raises(ValueError, match="no column"):
        service_levels(r, expectation="nope")


def test_planted_repeat_rates_differ_by_level(rng):
    resp, act, _ = _survey(rng)
    res = service_levels(resp, act, window=365, as_of=END)
    s = res.summary().set_index("segment")
    for lvl, rate in PLANTED.items():
        assert s.loc[lvl, "repeat_ci_low"] < rate < s.loc[lvl, "repeat_ci_high"], lvl
    assert s.loc["amazes", "repeat_rate"] > s.loc["meets", "repeat_rate"] > s.loc["fails", "repeat_rate"]
    assert np.allclose(s["avoid_rate"], 1 - s["repeat_rate"])
    assert res.test["p_value"] < 1e-20 and res.test["df"] == 4
    k, n = s["repeat_n"].to_numpy(), s["n_followed"].to_numpy()
    lo, hi = wilson_ci(k, n)
    assert np.allclose(s["repeat_ci_low"], lo)
    # shares near the planted shares, with Wilson intervals around the observed share
    assert abs(s.loc["meets", "share"] - 0.35) < 0.03
    lo, hi = wilson_ci(s["n"].to_numpy(), s["n"].sum())
    assert np.allclose(s["share_ci_low"], lo) and np.allclose(s["share_ci_high"], hi)


def test_no_difference_when_none_is_planted(rng):
    resp, act, _ = _survey(rng, n=3000, rates=dict.fromkeys(LEVELS, 0.5))
    res = service_levels(resp, act, as_of=END)
    assert res.test["p_value"] > 0.01


def test_per_customer_latest_and_modal():
    t = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01"], utc=True)
    r = pd.DataFrame({"customer": ["a", "a", "a", "b"], "csat": [2.0, 2.0, 5.0, 4.0], "nps": [1.0, 1.0, 9.0, 7.0],
                      "responded_at": t})
    latest = service_levels(r, expectation=False).customers.set_index("customer")
    modal = service_levels(r, expectation=False, per_customer="modal").customers.set_index("customer")
    assert latest.loc["a", "level"] == "delights" and modal.loc["a", "level"] == "fails"
    assert latest.loc["a", "level_at"] == t[2] and latest.loc["a", "n_responses"] == 3
    # ties in the modal level go to the lower level
    tie = service_levels(r.iloc[1:], expectation=False, per_customer="modal").customers.set_index("customer")
    assert tie.loc["a", "level"] == "fails"
    with pytest.raises(ValueError, match="per_customer"):
        service_levels(r, per_customer="mean")


def test_one_level_only_and_censoring():
    r = pd.DataFrame({"customer": ["a", "b", "c"], "csat": [3.0, 3.0, 3.0],
                      "responded_at": pd.to_datetime(["2023-01-01", "2023-01-01", "2024-12-01"], utc=True)})
    act = pd.DataFrame({"customer": ["a", "c"], "at": pd.to_datetime(["2023-02-01", "2024-12-20"], utc=True)})
    res = service_levels(r, act, as_of=END)
    s = res.summary().set_index("segment")
    assert s.loc["meets", "n"] == 3 and s.loc["meets", "share"] == 1.0
    assert s["n"].drop("meets").eq(0).all()
    assert s.loc["meets", "n_followed"] == 2 and s.loc["meets", "n_censored"] == 1  # c answered too late
    assert s.loc["meets", "repeat_rate"] == 0.5
    assert np.isnan(res.test["p_value"]) and "not computable" in res.test["method"]


def test_empty_and_unusable_inputs():
    with pytest.raises(ValueError, match="empty"):
        service_levels(pd.DataFrame({"customer": pd.Series([], dtype="str"), "csat": []}))
    with pytest.raises(ValueError, match="neither CSAT"):
        service_levels(pd.DataFrame({"customer": ["a"], "nps": [9.0]}), expectation=False)
    with pytest.raises(ValueError, match="could be given a service level"):
        service_levels(pd.DataFrame({"customer": ["a"], "csat": [5.0]}).assign(csat=NAN).astype({"csat": float})
                       .assign(q=[np.nan]), expectation="q")


def test_linking_per_response_summary_and_outputs(rng):
    resp, act, _ = _survey(rng, n=400)
    # a customer with no activity at all: followed, never repeats
    extra = conform(pd.DataFrame({"response_id": ["rx"], "customer_id": ["zzz"], "csat": [1.0],
                                  "responded_at": [pd.Timestamp("2023-03-01", tz="UTC")]}), "responses")
    both = pd.concat([resp, extra], ignore_index=True)
    both.attrs = resp.attrs
    res = service_levels(both, act, as_of=END)
    z = res.customers.set_index("customer").loc["zzz"]
    assert z["level"] == "fails" and z["followed"] and not z["repeat"] and not z["prior_purchase"]
    by_resp = res.summary("response")
    assert by_resp["n"].sum() == len(both)
    assert list(by_resp.columns) == ["segment", "n", "share", "share_ci_low", "share_ci_high"]
    d = res.to_dict()
    json.dumps(d)
    assert [x["segment"] for x in d["segments"]] == list(LEVELS)
    assert {"segment", "n", "share"} <= set(d["segments"][0])
    assert d["test"]["df"] == 4 and "Fails when" in d["rule"]
    assert "delights" in res._repr_html_()
    ax = res.plot(what="repeat")
    assert len(ax.patches) == len(LEVELS) and "within 365 days" in ax.get_xlabel()
    no_act = service_levels(resp)
    assert "repeat_rate" not in no_act.summary().columns
    with pytest.raises(ValueError, match="no activity"):
        no_act.plot(what="repeat")
    assert no_act.plot().get_title() == "Service levels"
