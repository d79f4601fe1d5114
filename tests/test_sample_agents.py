"""The bundled sample's planted agent effects (issue 14): the rankings must flag truly different agents.

The generator re-draws the ``Assignee`` of every rated Zendesk ticket given its rating, from its own random
stream (``default_rng([seed, AGENT_STREAM])``): two agents get twice the ordinary agents' bad-rating share,
one a third of it, the others the same. ``planted_truth.json`` (key ``agents``) states the planted and the
realised shares by agent name and by the pseudonym the readers derive with ``SAMPLE_KEY``.

With 107-144 rated customer-initiated tickets per agent the effects are detectable, not certain:
re-drawing the assignment with other streams, each worse agent is flagged in about 94% of draws, the
better one in about 93%, and more than one of the nine equal agents in about 1%. The bundled sample is one
such draw, and in it all three are flagged and no equal agent is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.datasets import SAMPLE_KEY
from csanalysis.datasets import generate as g
from csanalysis.privacy import pseudonymise
from csanalysis.schema import agent_initiated

RATED = ["1", "2", "3", "4", "5", "Good", "Bad"]
BAD = ["1", "2", "Bad"]
AGENT_INITIATED_VIA = ["OutBound", "Closed Ticket"]


def _read(path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


@pytest.fixture(scope="module")
def truth() -> dict:
    return cs.datasets.load_planted_truth()["agents"]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return _read(cs.datasets.sample_path(g.FILES["tickets"]))


@pytest.fixture(scope="module")
def agent_rankings() -> pd.DataFrame:
    r = cs.analyse(cs.datasets.load_sample(), n_resamples=200).rankings
    return r[r["unit_type"] == "agent"].set_index("unit_name")


def _realised(z: pd.DataFrame) -> dict:
    rated = z[z["Satisfaction Score"].isin(RATED)]
    bad = rated["Satisfaction Score"].isin(BAD)
    return {a: {"rated": int(len(b)), "bad": int(bad[b.index].sum()),
                "bad_share": round(float(bad[b.index].mean()), 6)}
            for a, b in rated.groupby("Assignee")}


# ---------------------------------------------------------------- the truth and the file


def test_truth_names_every_agent_once_with_its_planted_role(truth):
    names = list(g._AGENTS)
    assert sorted(truth["worse"] + truth["better"] + truth["equal"]) == sorted(names)
    assert len(truth["worse"]) == 2 and len(truth["better"]) == 1 and len(truth["equal"]) == len(names) - 3
    for a in names:
        m = truth["planted_bad_multiplier"][a]
        assert truth["effect"][a] == ("worse" if m > 1 else "better" if m < 1 else "equal")
    # planted shares: twice / a third of the ordinary agents', averaging to the overall share
    equal = truth["planted_bad_share"][truth["equal"][0]]
    assert all(truth["planted_bad_share"][a] == equal for a in truth["equal"])
    assert all(truth["planted_bad_share"][a] == pytest.approx(2 * equal, abs=1e-5) for a in truth["worse"])
    assert truth["planted_bad_share"][truth["better"][0]] == pytest.approx(equal / 3, abs=1e-5)
    assert np.mean(list(truth["planted_bad_share"].values())) == pytest.approx(
        truth["bad_share_rated_customer_initiated"], abs=1e-5)
    # realistic shares: ordinary agents near the overall share, the worse about 0.35, the better about 0.06
    assert 0.10 < equal < 0.25 and 0.25 < 2 * equal < 0.45


def test_truth_keys_are_the_readers_pseudonyms(truth):
    names = list(truth["agent_key"])
    keys = pseudonymise(pd.Series(names, dtype=object), SAMPLE_KEY, prefix="agent_").astype("str").tolist()
    assert dict(zip(names, keys)) == truth["agent_key"]
    k = truth["agent_key"]
    assert truth["worse_keys"] == [k[a] for a in truth["worse"]]
    assert truth["better_keys"] == [k[a] for a in truth["better"]]
    assert truth["equal_keys"] == [k[a] for a in truth["equal"]]
    assert truth["planted_bad_share_by_key"] == {k[a]: v for a, v in truth["planted_bad_share"].items()}
    # the same keys as load_sample() gives the tickets
    t = cs.datasets.load_sample().tickets
    assert set(t["agent_key"].dropna()) == set(k.values())


def test_realised_shares_match_the_file(truth, raw):
    ci = raw[~raw["Via"].isin(AGENT_INITIATED_VIA)]
    assert _realised(ci) == truth["realised"]
    assert _realised(raw) == truth["realised_all_rated"]
    assert {a: x["bad_share"] for a, x in truth["realised"].items()} == truth["realised_bad_share"]
    rated = ci[ci["Satisfaction Score"].isin(RATED)]
    assert rated["Satisfaction Score"].isin(BAD).mean() == pytest.approx(
        truth["bad_share_rated_customer_initiated"], abs=1e-6)


def test_realised_shares_by_key_match_the_tickets_table(truth):
    t = cs.datasets.load_sample().tickets
    t = t.loc[~agent_initiated(t) & t["rating"].notna()]
    share = t["rating"].astype("object").eq("bad").groupby(t["agent_key"].astype("object")).mean()
    n = t.groupby(t["agent_key"].astype("object")).size()
    for key, s in truth["realised_bad_share_by_key"].items():
        assert share[key] == pytest.approx(s, abs=1e-6)
    name = {v: a for a, v in truth["agent_key"].items()}
    assert {name[k]: int(v) for k, v in n.items()} == {a: x["rated"] for a, x in truth["realised"].items()}


def test_realised_effects_point_the_planted_way(truth):
    real = truth["realised_bad_share"]
    equal = [real[a] for a in truth["equal"]]
    pooled_equal = (sum(truth["realised"][a]["bad"] for a in truth["equal"])
                    / sum(truth["realised"][a]["rated"] for a in truth["equal"]))
    assert min(real[a] for a in truth["worse"]) > max(equal)
    assert real[truth["better"][0]] < min(equal)
    assert all(real[a] > 1.6 * pooled_equal for a in truth["worse"])
    assert real[truth["better"][0]] < 0.5 * pooled_equal
    # every agent has enough rated tickets to be ranked
    assert min(x["rated"] for x in truth["realised"].values()) >= 100


def test_workload_and_other_columns_stay_plausible(raw):
    """Unrated tickets keep the uniform draw; every agent has a similar share of each channel's tickets."""
    assigned = raw[raw["Assignee"] != ""]
    assert set(assigned["Assignee"]) == set(g._AGENTS)
    assert (raw.loc[raw["Status"] == "New", "Assignee"] == "").all()
    share = assigned["Assignee"].value_counts(normalize=True)
    assert share.max() < 1.5 / len(g._AGENTS) and share.min() > 0.6 / len(g._AGENTS)
    # an outbound ticket is submitted by its assignee, a customer's ticket by the customer
    out = raw["Via"] == "OutBound"
    assert (raw.loc[out, "Submitter"] == raw.loc[out, "Assignee"]).all()
    assert (raw.loc[~out, "Submitter"] == raw.loc[~out, "Requester"]).all()


# ---------------------------------------------------------------- the rankings


def test_rankings_flag_the_planted_agents(truth, agent_rankings):
    r = agent_rankings
    assert set(r.index) == set(truth["agent_key"].values())
    assert (r["versus_rest"] != "not ranked").all()
    for key in truth["worse_keys"]:
        assert r.loc[key, "versus_rest"] == "worse", key
    for key in truth["better_keys"]:
        assert r.loc[key, "versus_rest"] == "better", key
    flagged_equal = [k for k in truth["equal_keys"] if r.loc[k, "versus_rest"] != "indistinguishable"]
    assert len(flagged_equal) <= 1, flagged_equal


def test_rankings_order_and_estimates_follow_the_planted_shares(truth, agent_rankings):
    r = agent_rankings
    est = r["estimate"]
    assert min(est[k] for k in truth["worse_keys"]) > max(est[k] for k in truth["equal_keys"])
    assert est[truth["better_keys"][0]] < min(est[k] for k in truth["equal_keys"])
    # raw estimates are the realised shares; the shrunken estimates lie between them and the prior mean
    for key, s in truth["realised_bad_share_by_key"].items():
        assert r.loc[key, "raw_estimate"] == pytest.approx(s, abs=1e-6)
        lo, hi = sorted((s, r.loc[key, "prior_mean"]))
        assert lo - 1e-9 <= est[key] <= hi + 1e-9
    # the planted shares lie in the intervals of the flagged agents
    for key in truth["worse_keys"] + truth["better_keys"]:
        assert r.loc[key, "ci_low"] <= truth["planted_bad_share_by_key"][key] <= r.loc[key, "ci_high"]


# ---------------------------------------------------------------- the separate stream


def test_assignees_come_from_their_own_stream(tmp_path, monkeypatch):
    """Another agent stream changes only the rated tickets' Assignee (and an OutBound one's Submitter)."""
    a, b = tmp_path / "a", tmp_path / "b"
    ta = g.generate_sample(a, n_customers=400, seed=3)
    monkeypatch.setattr(g, "AGENT_STREAM", 99)
    tb = g.generate_sample(b, n_customers=400, seed=3)
    for name in (g.FILES["survey"], g.FILES["orders"], g.FILES["danish"], g.FILES["snapshot"]):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    x, y = _read(a / g.FILES["tickets"]), _read(b / g.FILES["tickets"])
    free = ["Assignee", "Submitter"]
    assert list(x.columns) == list(y.columns)
    assert x.drop(columns=free).equals(y.drop(columns=free))
    rated = x["Satisfaction Score"].isin(RATED)
    assert x.loc[~rated, free].equals(y.loc[~rated, free])  # unrated tickets keep the main stream's draw
    assert not x.loc[rated, "Assignee"].equals(y.loc[rated, "Assignee"])  # the stream is used
    assert {k: v for k, v in ta.items() if k != "agents"} == {k: v for k, v in tb.items() if k != "agents"}
    for z, t in ((x, ta), (y, tb)):
        assert _realised(z[~z["Via"].isin(AGENT_INITIATED_VIA)]) == {
            a_: v for a_, v in t["agents"]["realised"].items() if v["rated"]}
