"""Tests of csanalysis.estimators.channel_use: channel mix, self-service first contact and repeat contact."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csanalysis.estimators.channel_use import (
    CHANNEL_USE_FIGURES,
    FIGURE_COLUMNS,
    MIX_COLUMNS,
    ChannelUseResult,
    channel_use,
)
from csanalysis.schema import CHANNELS

R = 200  # bootstrap replicates in the tests
START = pd.Timestamp("2024-01-01", tz="UTC")
SIM_CHANNELS = np.array(["email", "chat", "phone", "web"])


# --------------------------------------------------------------------------- data
def hand_table() -> pd.DataFrame:
    """Eleven tickets whose issues are counted by hand in :func:`test_hand_counted_table`.

    Customer a: chat (self-service) -> e-mail 4 days later (bad) -> e-mail 6 days after that (chained: 10 days after
    the first, still one issue); a phone ticket two weeks later is a new issue (good). An agent-initiated phone
    ticket in between is left out. Customer b: two web tickets exactly 7 days apart (one issue, good). Customer c:
    one e-mail, self-service unknown, unrated. Two tickets without a customer at the same time: two issues (one
    self-service, bad). Customer e: a ticket without a channel in April (second quarter).
    """
    ts = pd.to_datetime([
        "2024-01-01 10:00", "2024-01-05 10:00", "2024-01-11 10:00", "2024-01-25 10:00",  # a
        "2024-02-01 00:00", "2024-02-08 00:00",                                          # b: exactly 7 days
        "2024-03-01 09:00",                                                              # c
        "2024-03-02 12:00", "2024-03-02 12:00",                                          # no customer
        "2024-01-03 10:00",                                                              # a, agent-initiated
        "2024-04-01 08:00",                                                              # e, no channel
    ], utc=True)
    return pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(1, 12)],
        "customer": ["a", "a", "a", "a", "b", "b", "c", None, None, "a", "e"],
        "created_at": ts,
        "channel": pd.Categorical(["chat", "email", "email", "phone", "web", "web", "email", "chat", "chat", "phone",
                                   None], categories=list(CHANNELS)),
        "self_service": pd.array([True, False, False, False, False, False, None, True, False, False, False],
                                 dtype="boolean"),
        "rating": pd.Categorical([None, "bad", None, "good", None, "good", None, "bad", None, "bad", None],
                                 categories=["good", "neutral", "bad"]),
        "direction": ["customer"] * 9 + ["agent", None],
    })


def simulate(seed: int = 0, customers: int = 3000, *, p_bad_single: float = 0.15, p_bad_cross: float = 0.30,
             p_repeat: float = 0.35, p_cross: float = 0.5, p_ss: float = 0.25, p_rated: float = 0.5,
             agent_tickets: int = 0) -> tuple[pd.DataFrame, dict[str, float], dict[str, float]]:
    """Tickets of issues with planted probabilities, the population value of every figure, and its sample value.

    The sample values are the figures of the issues as drawn (what the estimator must reproduce exactly); the
    population values are the planted probabilities (what the intervals must cover).

    Customers differ in how often they contact (issues ~ Poisson(Gamma(1, 2.5)): a few customers have many issues)
    and in how prone they are to bad experiences (a multiplier of 0.5 or 1.5, mean 1, independent of the contact
    rate), so tickets, issues and bad ratings cluster within customers. An issue repeats (2 + Poisson(0.5) tickets,
    each 0.05-6.5 days after the previous) with ``p_repeat``; a repeat issue crosses to a second channel with
    ``p_cross``; its first contact is self-service with ``p_ss``; it is rated (its last ticket) with ``p_rated`` and,
    when rated, bad with ``p_bad_cross`` / ``p_bad_single`` times the customer's multiplier. A customer's issues are
    at least 8 days apart, so the issues are recoverable exactly.
    """
    rng = np.random.default_rng(seed)
    k = rng.poisson(rng.gamma(1.0, 2.5, customers))
    cust = np.repeat(np.arange(customers), k)
    n_issues = len(cust)
    frail = rng.choice([0.5, 1.5], customers)[cust]
    pref = rng.integers(0, 4, customers)[cust]
    repeat = rng.random(n_issues) < p_repeat
    size = np.where(repeat, 2 + rng.poisson(0.5, n_issues), 1)
    cross = repeat & (rng.random(n_issues) < p_cross)
    rated = rng.random(n_issues) < p_rated
    bad = rated & (rng.random(n_issues) < np.where(cross, p_bad_cross, p_bad_single) * frail)
    ss = rng.random(n_issues) < p_ss
    c1 = np.where(rng.random(n_issues) < 0.7, pref, rng.integers(0, 4, n_issues))
    c2 = (c1 + rng.integers(1, 4, n_issues)) % 4
    # tickets of each issue, and when
    iss = np.repeat(np.arange(n_issues), size)
    head = np.cumsum(size) - size
    pos = np.arange(len(iss)) - head[iss]
    step = np.where(pos == 0, 0.0, rng.uniform(0.05, 6.5, len(iss)))
    cum = np.cumsum(step)
    within = cum - cum[head][iss]
    duration = np.bincount(iss, weights=step, minlength=n_issues)
    first_of_c = np.r_[True, cust[1:] != cust[:-1]]
    inc = np.where(first_of_c, rng.uniform(0, 60, n_issues), 8 + rng.exponential(20, n_issues)
                   + np.r_[0.0, duration[:-1]])
    cs = np.cumsum(inc)
    start = cs - (cs - inc)[first_of_c][np.cumsum(first_of_c) - 1]
    days = start[iss] + within
    second = (pos >= 1) & cross[iss] & ((pos == 1) | (rng.random(len(iss)) < 0.5))
    ch = np.where(second, c2[iss], c1[iss])
    last = np.r_[pos[1:] == 0, True]
    rating = np.where(rated[iss] & last, np.where(bad[iss], "bad", "good"), None)
    t = pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(len(iss))],
        "customer": np.char.add("c", cust[iss].astype(str)),
        "created_at": START + pd.to_timedelta(days, unit="D"),
        "channel": pd.Categorical(SIM_CHANNELS[ch], categories=list(CHANNELS)),
        "self_service": pd.array(np.where(pos == 0, ss[iss], False), dtype="boolean"),
        "rating": pd.Categorical(rating, categories=["good", "neutral", "bad"]),
        "direction": "customer",
    })
    if agent_tickets:  # outbound tickets: a channel and ratings of their own, which must not count
        a = t.sample(agent_tickets, random_state=seed).copy()
        a["ticket_id"] = "a" + a["ticket_id"]
        a["direction"] = "agent"
        a["channel"] = "phone"
        a["rating"] = "bad"
        a["self_service"] = True
        a["created_at"] = a["created_at"] + pd.Timedelta(hours=1)
        t = pd.concat([t, a], ignore_index=True)
    bad_repeat = p_cross * p_bad_cross + (1 - p_cross) * p_bad_single
    single = ~cross
    sample = {
        "n_issues": n_issues, "self_service_first_share": ss.mean(), "cross_channel_issue_share": cross.mean(),
        "repeat_contact_share": repeat.mean(), "bad_share_cross_channel": bad[rated & cross].mean(),
        "bad_share_single_channel": bad[rated & single].mean(), "bad_share_repeat": bad[rated & repeat].mean(),
        "bad_share_single_contact": bad[rated & ~repeat].mean(),
    }
    truth = {
        "self_service_first_share": p_ss, "cross_channel_issue_share": p_repeat * p_cross,
        "repeat_contact_share": p_repeat, "bad_share_cross_channel": p_bad_cross,
        "bad_share_single_channel": p_bad_single, "bad_share_difference_cross_channel": p_bad_cross - p_bad_single,
        "bad_share_repeat": bad_repeat, "bad_share_single_contact": p_bad_single,
        "bad_share_difference_repeat": bad_repeat - p_bad_single,
    }
    return t, truth, sample


def fig(res: ChannelUseResult) -> pd.DataFrame:
    return res.figures.set_index("id")


@pytest.fixture(scope="module")
def world():
    # one fixed seed: nine 95% intervals all cover in about 63% of seeds; their coverage one by one was checked
    # over 250 simulated worlds of 600 customers (0.91-0.97 per figure with 200 replicates; the cross-channel
    # difference 0.945 over 400 worlds with 1,000 replicates)
    t, truth, sample = simulate(1, agent_tickets=60)
    return t, truth, sample, channel_use(t, n_resamples=R)


# --------------------------------------------------------------------------- counted by hand
def test_hand_counted_table():
    r = channel_use(hand_table(), n_resamples=R)
    d = r.diagnostics
    # issues: a1 (t1-t3), a2 (t4), b1 (t5-t6), c1 (t7), two without customer (t8, t9), e1 (t11)
    assert d["n_issues"] == 7
    assert d["n_tickets"] == 10 and d["n_excluded_agent_initiated"] == 1
    assert d["n_customers"] == 4 and d["n_tickets_without_customer"] == 2 and d["n_tickets_without_channel"] == 1
    f = fig(r)
    expected = {
        "self_service_first_share": (2 / 6, 6),     # a1, no-customer t8 of the 6 with a known first value
        "cross_channel_issue_share": (1 / 6, 6),    # a1 (chat + e-mail) of the 6 with a known channel
        "repeat_contact_share": (2 / 7, 7),         # a1, b1
        "bad_share_cross_channel": (1.0, 1),        # a1
        "bad_share_single_channel": (1 / 3, 3),     # a2 good, b1 good, t8 bad
        "bad_share_difference_cross_channel": (2 / 3, 4),
        "bad_share_repeat": (1 / 2, 2),             # a1 bad, b1 good
        "bad_share_single_contact": (1 / 2, 2),     # a2 good, t8 bad
        "bad_share_difference_repeat": (0.0, 4),
    }
    for fid, (est, n) in expected.items():
        assert f.loc[fid, "estimate"] == pytest.approx(est), fid
        assert f.loc[fid, "n"] == n, fid
    # the mix: first quarter 9 tickets with a channel; the April ticket has none
    m = r.mix.set_index(["period", "channel"])
    assert list(r.mix.columns) == list(MIX_COLUMNS)
    assert m.loc[("2024Q1", "email"), "tickets"] == 3 and m.loc[("2024Q1", "email"), "n"] == 9
    assert m.loc[("2024Q1", "chat"), "share"] == pytest.approx(3 / 9)
    assert m.loc[("2024Q1", "web"), "share"] == pytest.approx(2 / 9)
    assert m.loc[("2024Q1", "phone"), "share"] == pytest.approx(1 / 9)   # the agent's phone ticket is not counted
    assert r.mix["channel"].tolist()[:4] == ["email", "web", "chat", "phone"]  # CHANNELS order
    assert m.loc[("2024Q2", "email"), "n"] == 0 and np.isnan(m.loc[("2024Q2", "email"), "share"])
    assert r.mix.loc[r.mix["period"] == "2024Q1", "share"].sum() == pytest.approx(1.0)
    ip = r.issues_by_period.set_index("period")
    assert ip["issues"].tolist() == [6, 1] and ip["tickets"].tolist() == [9, 1]
    assert ip.loc["2024Q1", "self_service_first_share"] == pytest.approx(2 / 5)
    assert ip.loc["2024Q1", "cross_channel_share"] == pytest.approx(1 / 6)
    assert ip.loc["2024Q2", "cross_channel_n"] == 0


def test_window_is_chained_and_inclusive():
    base = pd.Timestamp("2024-05-01", tz="UTC")
    gaps = [pd.Timedelta(0), pd.Timedelta(days=7), pd.Timedelta(days=14), pd.Timedelta(days=21, seconds=1)]
    t = pd.DataFrame({"ticket_id": list("wxyz"), "customer": "a", "created_at": [base + g for g in gaps],
                      "channel": ["email", "chat", "phone", "email"]})
    r = channel_use(t, n_resamples=R)
    assert r.diagnostics["n_issues"] == 2          # w-x-y chained (7 days each), z 7 days + 1 s after y
    assert fig(r).loc["cross_channel_issue_share", "estimate"] == 0.5
    assert channel_use(t, window_days=3, n_resamples=R).diagnostics["n_issues"] == 4
    assert channel_use(t, window_days=30, n_resamples=R).diagnostics["n_issues"] == 1


# --------------------------------------------------------------------------- planted truth
def test_planted_truth_inside_intervals(world):
    t, truth, sample, r = world
    f = fig(r)
    assert r.diagnostics["n_issues"] == sample["n_issues"]    # the issues are recovered exactly
    for fid, value in sample.items():
        if fid != "n_issues":
            assert f.loc[fid, "estimate"] == pytest.approx(value, abs=1e-12), fid
    for fid, value in truth.items():
        assert f.loc[fid, "ci_low"] <= value <= f.loc[fid, "ci_high"], (fid, value, f.loc[fid].to_dict())
        assert f.loc[fid, "ci_low"] <= f.loc[fid, "estimate"] <= f.loc[fid, "ci_high"], fid
    for fid in ("bad_share_difference_cross_channel", "bad_share_difference_repeat"):
        assert f.loc[fid, "estimate"] > 0 and f.loc[fid, "ci_low"] > 0, fid
        assert f.loc[fid, "p_value"] < 0.05, fid
    # the difference is the difference of the two reported shares
    assert f.loc["bad_share_difference_cross_channel", "estimate"] == pytest.approx(
        f.loc["bad_share_cross_channel", "estimate"] - f.loc["bad_share_single_channel", "estimate"])
    # shares get no p-value
    assert f.loc[["repeat_contact_share", "bad_share_repeat"], "p_value"].isna().all()


def test_no_effect_world_difference_covers_zero():
    t, truth, _ = simulate(11, customers=1500, p_bad_single=0.2, p_bad_cross=0.2)
    f = fig(channel_use(t, n_resamples=R, seed=3))
    for fid in ("bad_share_difference_cross_channel", "bad_share_difference_repeat"):
        assert truth[fid] == 0.0
        assert f.loc[fid, "ci_low"] < 0 < f.loc[fid, "ci_high"], fid
        assert f.loc[fid, "p_value"] > 0.05, fid


def test_customers_as_clusters_widen_the_intervals(world):
    t, *_, r = world
    naive = channel_use(t, cluster=None, n_resamples=R)
    width = (fig(r)["ci_high"] - fig(r)["ci_low"])
    width0 = (fig(naive)["ci_high"] - fig(naive)["ci_low"])
    # customers keep to a preferred channel and differ in how prone they are to bad ratings
    # (not so for a difference: a customer's frailty is on both sides of it and partly cancels)
    assert width["bad_share_single_channel"] > width0["bad_share_single_channel"]
    assert width["bad_share_repeat"] > width0["bad_share_repeat"]
    assert (fig(r)["estimate"].fillna(-1) == fig(naive)["estimate"].fillna(-1)).all()   # same estimates
    w_mix = (r.mix["ci_high"] - r.mix["ci_low"]).to_numpy()
    w_mix0 = (naive.mix["ci_high"] - naive.mix["ci_low"]).to_numpy()
    big = (r.mix["n"] > 500).to_numpy()
    assert (w_mix[big] > w_mix0[big]).all()
    assert "customers as clusters" in r.figures["method"].iloc[0]
    assert "each issue its own unit" in naive.figures["method"].iloc[0]


def test_account_clusters():
    t, *_ = simulate(5, customers=600)
    t["account_id"] = "acc" + (t["customer"].str[1:].astype(int) // 10).astype(str)   # 10 customers per account
    r = channel_use(t, cluster="account_id", n_resamples=R)
    assert r.diagnostics["sampling_unit"].startswith("accounts as clusters")
    assert r.diagnostics["n_units"] <= 60
    c = channel_use(t, n_resamples=R)
    assert (fig(r)["n_units"] <= fig(c)["n_units"]).all()
    no_acc = channel_use(t.drop(columns="account_id"), cluster="account_id", n_resamples=R)
    assert any("no account ids" in n for n in no_acc.notes)
    pd.testing.assert_frame_equal(no_acc.figures, c.figures)


# --------------------------------------------------------------------------- invariance and bookkeeping
@pytest.mark.parametrize("drop_ids", [False, True])
def test_row_order_invariance(drop_ids):
    t, *_ = simulate(7, customers=800, agent_tickets=20)
    t.loc[t.sample(30, random_state=1).index, "customer"] = None     # some tickets without a customer
    t.loc[t.sample(30, random_state=2).index, "channel"] = None
    if drop_ids:
        t = t.drop(columns="ticket_id")
    a = channel_use(t, n_resamples=R, seed=5)
    shuffled = t.sample(frac=1.0, random_state=9)
    shuffled.index = np.arange(len(t))[::-1]
    b = channel_use(shuffled, n_resamples=R, seed=5)
    pd.testing.assert_frame_equal(a.figures, b.figures, check_exact=True)
    pd.testing.assert_frame_equal(a.mix, b.mix, check_exact=True)
    pd.testing.assert_frame_equal(a.issues_by_period, b.issues_by_period, check_exact=True)
    assert a.diagnostics == b.diagnostics
    # another seed gives other bootstrap intervals (the seed is used)
    c = channel_use(t, n_resamples=R, seed=6)
    assert fig(c).loc["bad_share_difference_repeat", "ci_low"] != fig(a).loc["bad_share_difference_repeat", "ci_low"]


def test_self_service_absent_or_empty_is_not_estimable(world):
    t, *_, full = world
    for table in (t.drop(columns="self_service"), t.assign(self_service=pd.array([None] * len(t), dtype="boolean"))):
        r = channel_use(table, n_resamples=R)
        f = fig(r)
        row = f.loc["self_service_first_share"]
        assert np.isnan(row["estimate"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
        assert row["n"] == 0 and "not estimable" in row["note"] and "not guessed from the channel" in row["note"]
        assert any("self_service" in n for n in r.notes)
        assert r.issues_by_period["self_service_first_share"].isna().all()
        # the other figures are computed, and are those of the full table
        others = [i for i in CHANNEL_USE_FIGURES if i != "self_service_first_share"]
        assert f.loc[others, "estimate"].notna().all()
        pd.testing.assert_frame_equal(r.figures.iloc[1:].reset_index(drop=True),
                                      full.figures.iloc[1:].reset_index(drop=True))


def test_self_service_partly_known():
    t, truth, _ = simulate(2, customers=1000)
    first = ~t.duplicated("customer")   # blank the value on some first contacts
    t.loc[first[first].index[::3], "self_service"] = pd.NA
    f = fig(channel_use(t, n_resamples=R))
    row = f.loc["self_service_first_share"]
    assert "left out" in row["note"] and row["n"] < f.loc["repeat_contact_share", "n"]
    assert row["ci_low"] <= truth["self_service_first_share"] <= row["ci_high"]


def test_agent_initiated_excluded_and_counted(world):
    t, *_, r = world
    assert r.diagnostics["n_excluded_agent_initiated"] == 60
    assert r.diagnostics["n_tickets"] == len(t) - 60
    assert any("60 agent-initiated" in n for n in r.notes)
    customer_only = channel_use(t[t["direction"] != "agent"], n_resamples=R)
    pd.testing.assert_frame_equal(r.figures, customer_only.figures)
    pd.testing.assert_frame_equal(r.mix, customer_only.mix)
    assert customer_only.diagnostics["n_excluded_agent_initiated"] == 0


def test_every_figure_has_n_interval_or_reason_and_method(world):
    t, *_, r = world
    sparse = channel_use(hand_table().drop(columns="self_service"), n_resamples=R)
    for res in (r, sparse):
        f = res.figures
        assert list(f.columns) == list(FIGURE_COLUMNS)
        assert f["id"].tolist() == list(CHANNEL_USE_FIGURES)
        assert (f["n"] >= 0).all() and f["n"].dtype.kind == "i"
        assert (f["method"].str.len() > 20).all() and (f["definition"].str.len() > 10).all()
        has_ci = f["ci_low"].notna() & f["ci_high"].notna()
        assert (has_ci | (f["note"].str.len() > 0)).all(), f[~has_ci]
        assert (f.loc[has_ci, "ci_low"] <= f.loc[has_ci, "estimate"] + 1e-12).all()
        assert (f.loc[has_ci, "estimate"] <= f.loc[has_ci, "ci_high"] + 1e-12).all()
        diff = f["id"].str.startswith("bad_share_difference")
        assert f.loc[diff, "method"].str.contains("bootstrap").all()
        assert f.loc[~diff, "method"].str.contains("Wilson").all()
    assert r.figures["ci_low"].notna().all() and (r.figures["note"] == "").all()
    # one-customer sides: a reason instead of a silent interval
    s = fig(sparse)
    assert "fewer than 2" in s.loc["bad_share_cross_channel", "note"]
    assert "fewer than 2" in s.loc["bad_share_difference_cross_channel", "note"]
    assert np.isnan(s.loc["bad_share_difference_cross_channel", ["ci_low", "ci_high", "p_value"]].astype(float)).all()


def test_result_faces(world):
    *_, r = world
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d) >= {"channel_use", "mix", "issues_by_period", "diagnostics", "confidence", "n_resamples", "seed",
                      "notes"}
    assert [x["id"] for x in d["channel_use"]] == list(CHANNEL_USE_FIGURES)
    assert d["diagnostics"]["sampling_unit"] == "customers as clusters" and d["diagnostics"]["window_days"] == 7.0
    s = r.summary()
    s.loc[0, "estimate"] = -1.0
    assert r.figures.loc[0, "estimate"] != -1.0
    assert r.title and "ChannelUseResult" in repr(r)
    assert "self_service_first_share" in r.to_text()
    assert r.n_resamples == R and r.confidence == 0.95


def test_monthly_periods_and_confidence(world):
    t, *_, r = world
    m = channel_use(t, freq="M", confidence=0.8, n_resamples=R)
    assert m.issues_by_period["period"].iloc[0] == "2024-01"
    assert m.issues_by_period["issues"].sum() == r.diagnostics["n_issues"]
    w80 = fig(m)["ci_high"] - fig(m)["ci_low"]
    w95 = fig(r)["ci_high"] - fig(r)["ci_low"]
    assert (w80 < w95).all()


def test_no_customer_column_every_ticket_its_own_issue():
    t = hand_table().drop(columns="customer")
    r = channel_use(t, n_resamples=R)
    assert r.diagnostics["n_issues"] == 10 and r.diagnostics["customer_column"] is None
    assert fig(r).loc["repeat_contact_share", "estimate"] == 0.0
    assert any("no customer column" in n for n in r.notes)


def test_rating_score_without_label():
    t = hand_table()
    t["rating_score"] = t["rating"].astype("object").map({"bad": 0.0, "good": 1.0})
    a = channel_use(t.drop(columns="rating"), n_resamples=R)
    b = channel_use(t, n_resamples=R)
    pd.testing.assert_frame_equal(a.figures, b.figures)
    c = channel_use(t.drop(columns=["rating", "rating_score"]), n_resamples=R)
    assert fig(c).loc["bad_share_cross_channel", "estimate"] != fig(c).loc["bad_share_cross_channel", "estimate"]
    assert "not estimable" in fig(c).loc["bad_share_difference_repeat", "note"]


def test_errors_teach():
    t = hand_table()
    with pytest.raises(ValueError, match="created_at"):
        channel_use(t.drop(columns="created_at"))
    with pytest.raises(ValueError, match="created_at"):
        channel_use(t.assign(created_at=pd.NaT))
    with pytest.raises(ValueError, match="customer-initiated"):
        channel_use(t.assign(direction="agent"))
    with pytest.raises(ValueError, match="freq"):
        channel_use(t, freq="fortnightly")
    with pytest.raises(ValueError, match="window"):
        channel_use(t, window_days=0)
    with pytest.raises(ValueError, match="cluster"):
        channel_use(t, cluster="region")
    with pytest.raises(ValueError, match="self_service"):
        channel_use(t.assign(self_service="sometimes"))
    with pytest.raises(TypeError):
        channel_use([1, 2, 3])


def test_simultaneous_tickets_ordered_by_ticket_id():
    # two tickets of one customer at the same second: the first contact is the lower ticket_id, in any row order
    t = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "customer": ["a", "a", "b"],
                      "created_at": pd.to_datetime(["2024-01-01 10:00"] * 2 + ["2024-01-02 10:00"], utc=True),
                      "channel": ["chat", "email", "email"],
                      "self_service": pd.array([True, False, False], dtype="boolean")})
    for rows in ([0, 1, 2], [1, 0, 2], [2, 1, 0]):
        r = channel_use(t.iloc[rows], n_resamples=R)
        f = fig(r)
        assert r.diagnostics["n_issues"] == 2
        assert f.loc["self_service_first_share", "estimate"] == 0.5, rows
        assert f.loc["cross_channel_issue_share", "estimate"] == 0.5
