"""Tests of csanalysis.experiences: the bad-experience rule, experiences, timeline, per-customer summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csanalysis.experiences import (
    EXPERIENCE_COLUMNS,
    TIMELINE_COLUMNS,
    BadExperienceRule,
    customer_summary,
    experiences,
    timeline,
)
from csanalysis.schema import conform


@pytest.fixture()
def tickets() -> pd.DataFrame:
    return conform(pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
        "customer_id": ["a", "a", "b", "b", "c", "c"],
        "email_key": ["ek_a", "ek_a", "ek_b", "ek_b", "ek_c", "ek_c"],
        "created_at": ["2024-01-01 10:00", "2024-02-01 10:00", "2024-01-05 09:00",
                       "2024-03-01 09:00", "2024-01-10 08:00", "2024-01-11 08:00"],
        "solved_at": ["2024-01-01 12:00", "2024-02-02 10:00", "2024-01-05 10:00",
                      None, "2024-01-10 09:00", "2024-01-11 09:00"],
        "channel": ["email", "chat", "phone", "email", "web", "email"],
        "status": ["solved", "solved", "closed", "open", "solved", "solved"],
        "rating": ["good", None, "bad", None, "neutral", None],
        "rating_score": [1.0, np.nan, 0.0, np.nan, 0.5, np.nan],
        "first_reply_minutes": [30.0, 5.0, 200.0, 10.0, 61.0, 2.0],
        "resolution_minutes": [120.0, 1440.0, 60.0, np.nan, 60.0, 60.0],
        "reopens": [0, 2, 0, 1, 0, 0],
        "direction": ["customer", "customer", "customer", "customer", None, "agent"],
    }), "tickets")


@pytest.fixture()
def responses() -> pd.DataFrame:
    return conform(pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "customer_id": ["a", "a", "a", "b", "c", "d"],
        "email_key": ["ek_a", "ek_a", "ek_a", "ek_b", "ek_c", "ek_d"],
        # r2 is the first response about t2 (r1 comes later), r3 and r6 are about no ticket,
        # r5 is about the agent-initiated t6.
        "ticket_id": ["t2", "t2", None, "t4", "t6", None],
        "responded_at": ["2024-02-05", "2024-02-03", "2024-04-01", "2024-03-02", "2024-01-12", "2024-05-01"],
        "csat": [5.0, 1.0, 2.0, np.nan, 1.0, 4.0],
        "nps": [10.0, 3.0, np.nan, 9.0, np.nan, 8.0],
        "ces": [2.0, 7.0, np.nan, 6.0, np.nan, 1.0],
        "comment": ["great", "Awful, mail me at jane.doe@example.com", "meh", "ok", "bad", "fine"],
    }), "responses")


@pytest.fixture()
def activity() -> pd.DataFrame:
    return conform(pd.DataFrame({
        "customer_id": ["a", "a", "b", "d"],
        "at": ["2023-12-01 00:00", "2024-05-01 00:00", "2024-01-05 09:00", "2024-06-01 00:00"],
        "amount": [129.0, 20.5, 99.999, 10.0],
        "currency": ["DKK", "DKK", "EUR", "SEK"],
        "order_id": ["o1", "o2", "o3", "o4"],
    }), "activity")


def by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("experience_id")


# --------------------------------------------------------------------------- rule
def test_rule_defaults_and_describe():
    rule = BadExperienceRule()
    text = rule.describe()
    assert "CSAT 2 or lower" in text and "CSAT is 4 or higher" in text
    assert "agent-initiated" in text and "effort" not in text
    text2 = BadExperienceRule(ces_at_least=6, reopens_at_least=2, first_reply_sla_minutes=60,
                              nps_at_most=6).describe()
    for piece in ("effort 6 or higher", "reopened 2 or more", "longer than 60 minutes", "recommend 6 or lower"):
        assert piece in text2


@pytest.mark.parametrize("kwargs", [
    {"csat_at_most": 9}, {"ces_at_least": 0}, {"reopens_at_least": 0}, {"reopens_at_least": 1.5},
    {"first_reply_sla_minutes": -5}, {"nps_at_most": 11}, {"csat_at_most": "2"},
    {"use_ticket_rating": False, "csat_at_most": None},
])
def test_rule_rejects_bad_options(kwargs):
    with pytest.raises(ValueError, match="BadExperienceRule"):
        BadExperienceRule(**kwargs)


def test_rule_is_frozen():
    with pytest.raises(AttributeError):
        BadExperienceRule().csat_at_most = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- experiences
def test_columns_and_agent_initiated_excluded(tickets, responses):
    e = experiences(tickets, responses)
    assert list(e.columns) == list(EXPERIENCE_COLUMNS)
    ids = set(e["experience_id"])
    assert "ticket:t6" not in ids  # agent-initiated
    assert "ticket:t5" in ids  # missing direction counts as customer-initiated
    # r5 is about the agent-initiated ticket: not an experience of its own either
    assert "survey:r5" not in ids
    assert e["bad"].dtype == bool and e["good"].dtype == bool and e["rated"].dtype == bool
    assert str(e["at"].dtype) == "datetime64[ns, UTC]"
    e2 = experiences(tickets, responses, rule=BadExperienceRule(include_agent_initiated=True))
    row = by_id(e2).loc["ticket:t6"]
    assert row["response_id"] == "r5" and row["csat"] == 1.0 and bool(row["bad"])


def test_survey_csat_marks_ticket_bad_and_first_response_wins(tickets, responses):
    e = by_id(experiences(tickets, responses))
    t2 = e.loc["ticket:t2"]
    # r2 (2024-02-03, CSAT 1) is the first response about t2; r1 (CSAT 5) comes later
    assert t2["response_id"] == "r2" and t2["csat"] == 1.0 and t2["nps"] == 3.0
    assert bool(t2["bad"]) and not bool(t2["good"]) and bool(t2["rated"])
    assert bool(e.loc["ticket:t3", "bad"])  # rating bad
    assert bool(e.loc["ticket:t1", "good"]) and not bool(e.loc["ticket:t1", "bad"])
    t5 = e.loc["ticket:t5"]  # neutral rating
    assert not bool(t5["bad"]) and not bool(t5["good"]) and bool(t5["rated"])
    assert not bool(e.loc["ticket:t4", "rated"])  # r4 has no CSAT and t4 no rating
    assert e.loc["ticket:t4", "nps"] == 9.0


def test_good_rating_overruled_by_bad_csat(tickets, responses):
    r = responses.assign(ticket_id=responses["ticket_id"].mask(responses["response_id"] == "r3", "t1"))
    e = by_id(experiences(tickets, r))
    assert e.loc["ticket:t1", "rating"] == "good" and e.loc["ticket:t1", "csat"] == 2.0
    assert bool(e.loc["ticket:t1", "bad"]) and not bool(e.loc["ticket:t1", "good"])


def test_unlinked_responses_are_experiences_at_responded_at(tickets, responses):
    e = by_id(experiences(tickets, responses))
    r3 = e.loc["survey:r3"]
    assert r3["source"] == "survey" and r3["customer"] == "a"
    assert r3["at"] == pd.Timestamp("2024-04-01", tz="UTC")
    assert pd.isna(r3["ticket_id"]) and pd.isna(r3["channel"]) and bool(r3["bad"])  # CSAT 2
    r6 = e.loc["survey:r6"]
    assert r6["customer"] == "d" and bool(r6["good"]) and not bool(r6["bad"])
    assert (e["source"] == "ticket").sum() == 5 and (e["source"] == "survey").sum() == 2
    # responses linked to a ticket are folded into it, not repeated
    assert "survey:r1" not in e.index and "survey:r2" not in e.index


def test_response_naming_a_missing_ticket_becomes_survey_experience(tickets, responses):
    r = responses.assign(ticket_id=responses["ticket_id"].mask(responses["response_id"] == "r6", "t999"))
    e = by_id(experiences(tickets, r))
    assert e.loc["survey:r6", "ticket_id"] == "t999" and e.loc["survey:r6", "source"] == "survey"


def test_survey_only_and_tickets_only(tickets, responses):
    s = experiences(None, responses)
    assert set(s["source"]) == {"survey"} and len(s) == len(responses)
    t = experiences(tickets)
    assert set(t["source"]) == {"ticket"} and len(t) == 5 and t["csat"].isna().all()


@pytest.mark.parametrize("rule, newly_bad", [
    (BadExperienceRule(ces_at_least=6), {"ticket:t4"}),  # t4's survey: CES 6
    (BadExperienceRule(reopens_at_least=1), {"ticket:t4"}),  # t2 already bad (CSAT 1)
    (BadExperienceRule(first_reply_sla_minutes=60), {"ticket:t5"}),  # 61 > 60; t3 already bad
    (BadExperienceRule(nps_at_most=6), set()),  # t2 (NPS 3) already bad
    (BadExperienceRule(csat_at_most=4), {"survey:r6"}),
])
def test_each_rule_option_adds_exactly_its_cases(tickets, responses, rule, newly_bad):
    base = set(experiences(tickets, responses).query("bad")["experience_id"])
    assert base == {"ticket:t2", "ticket:t3", "survey:r3"}
    got = set(experiences(tickets, responses, rule=rule).query("bad")["experience_id"])
    assert got - base == newly_bad and base <= got


def test_reopens_threshold_two(tickets, responses):
    rule = BadExperienceRule(reopens_at_least=2, csat_at_most=None)
    bad = set(experiences(tickets, responses, rule=rule).query("bad")["experience_id"])
    assert bad == {"ticket:t2", "ticket:t3"}  # t2: 2 reopens; t3: bad rating; t4 (1 reopen) not


def test_ticket_rating_can_be_switched_off(tickets, responses):
    rule = BadExperienceRule(use_ticket_rating=False)
    e = by_id(experiences(tickets, responses, rule=rule))
    assert not bool(e.loc["ticket:t3", "bad"]) and not bool(e.loc["ticket:t1", "good"])
    assert bool(e.loc["ticket:t2", "bad"])


def test_rating_derived_from_score_when_label_missing(tickets):
    t = tickets.assign(rating=pd.Series([None] * 6, index=tickets.index).astype(tickets["rating"].dtype))
    e = by_id(experiences(t))
    assert e.loc["ticket:t3", "rating"] == "bad" and bool(e.loc["ticket:t3", "bad"])
    assert e.loc["ticket:t1", "rating"] == "good"


def test_linking_by_email_key_when_ids_differ(tickets, responses):
    r = responses.assign(customer_id=["x1", "x2", "x3", "x4", "x5", "x6"])
    r = conform(r, "responses")
    e = experiences(tickets, r)
    assert set(e["customer"].dropna()) <= {"ek_a", "ek_b", "ek_c", "ek_d"}
    assert by_id(e).loc["survey:r6", "customer"] == "ek_d"


def test_existing_customer_column_is_used(tickets, responses):
    t = tickets.assign(customer=tickets["customer_id"].str.upper())
    r = responses.assign(customer=responses["customer_id"].str.upper())
    e = experiences(t, r)
    assert set(e["customer"]) == {"A", "B", "C", "D"}


def test_sorted_by_customer_and_time(tickets, responses):
    e = experiences(tickets, responses)
    assert e["customer"].tolist() == sorted(e["customer"].tolist())
    for _, g in e.groupby("customer"):
        assert g["at"].is_monotonic_increasing


def test_teaching_errors(tickets):
    with pytest.raises(ValueError, match="neither a customer_id nor an email_key"):
        experiences(pd.DataFrame({"ticket_id": ["1"], "created_at": ["2024-01-01"]}))
    with pytest.raises(TypeError, match="BadExperienceRule"):
        experiences(tickets, rule={"csat_at_most": 2})
    with pytest.raises(ValueError, match="at least one table"):
        experiences(None)


def test_vectorised_at_scale():
    rng = np.random.default_rng(7)
    n = 50_000
    t = conform(pd.DataFrame({
        "ticket_id": np.arange(n).astype(str), "customer_id": rng.integers(0, 5_000, n).astype(str),
        "created_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**6, n), "m"),
        "rating_score": rng.choice([0.0, 0.5, 1.0, np.nan], n),
    }), "tickets")
    r = conform(pd.DataFrame({
        "response_id": np.arange(n // 2).astype(str), "customer_id": rng.integers(0, 5_000, n // 2).astype(str),
        "ticket_id": rng.integers(0, 2 * n, n // 2).astype(str),
        "responded_at": pd.Timestamp("2024-06-01", tz="UTC"), "csat": rng.integers(1, 6, n // 2).astype(float),
    }), "responses")
    e = experiences(t, r)
    linked_tickets = r.loc[r["ticket_id"].astype(int) < n, "ticket_id"].nunique()
    unlinked = int((r["ticket_id"].astype(int) >= n).sum())
    assert len(e) == n + unlinked
    assert e["csat"].notna().sum() == linked_tickets + unlinked
    assert e["bad"].sum() == ((e["rating"] == "bad") | (e["csat"] <= 2)).sum()


# --------------------------------------------------------------------------- timeline
def test_timeline_order_and_details(tickets, responses, activity):
    tl = timeline(tickets, responses, activity)
    assert list(tl.columns) == list(TIMELINE_COLUMNS)
    keys = list(zip(tl["customer"], tl["at"]))
    assert keys == sorted(keys)
    a = tl.loc[tl["customer"] == "a"]
    assert a["event"].astype(str).tolist() == [
        "purchase", "ticket", "rating", "ticket", "survey", "survey", "survey", "purchase"]
    assert a["detail"].iloc[0] == "order 129.00 DKK" and a["value"].iloc[0] == 129.0
    rating = a.loc[a["event"] == "rating"].iloc[0]
    assert rating["detail"] == "rating good (1.00)"
    assert rating["at"] == pd.Timestamp("2024-01-01 12:00", tz="UTC")  # at solved_at
    assert a.loc[a["id"] == "r2", "detail"].iloc[0] == "CSAT 1, NPS 3, CES 7"
    assert a.loc[a["id"] == "r3", "detail"].iloc[0] == "CSAT 2"
    assert a.loc[a["id"] == "r2", "channel"].iloc[0] == "chat"  # via its ticket
    b = tl.loc[tl["customer"] == "b"]
    assert "rating bad (0.00)" in set(b["detail"])
    assert b.loc[b["id"] == "o3", "detail"].iloc[0] == "order 100.00 EUR"
    # a tie at the same instant: the ticket comes before the purchase
    tie = b.loc[b["at"] == pd.Timestamp("2024-01-05 09:00", tz="UTC"), "event"].astype(str).tolist()
    assert tie == ["ticket", "purchase"]
    c = tl.loc[tl["customer"] == "c"]
    assert "ticket (agent-initiated) via email (solved)" in set(c["detail"])


def test_timeline_never_shows_email_or_free_text(tickets, responses, activity):
    r = responses.assign(email="jane.doe@example.com", subject="My order never arrived")
    t = tickets.assign(description="Please call jane.doe@example.com", subject="Refund now")
    tl = timeline(t, r, activity)
    text = tl.to_csv(index=False)
    assert len(tl) == 19
    for leak in ("@", "jane", "Awful", "great", "Refund", "never arrived", "call"):
        assert leak not in text


def test_timeline_one_customer(tickets, responses, activity):
    tl = timeline(tickets, responses, activity, customer="b")
    assert set(tl["customer"]) == {"b"} and len(tl) == 5  # 2 tickets, 1 rating, 1 survey, 1 order
    empty = timeline(tickets, responses, activity, customer="nobody")
    assert empty.empty and list(empty.columns) == list(TIMELINE_COLUMNS)


# --------------------------------------------------------------------------- customer summary
def test_customer_summary(tickets, responses, activity):
    s = customer_summary(tickets, responses, activity).set_index("customer")
    assert list(s.index) == ["a", "b", "c", "d"]
    assert s.loc["a", "n_tickets"] == 2 and s.loc["a", "n_experiences"] == 3
    assert s.loc["a", "n_bad"] == 2 and s.loc["a", "n_good"] == 1
    assert s.loc["a", "first_bad_at"] == pd.Timestamp("2024-02-01 10:00", tz="UTC")
    assert s.loc["a", "n_orders"] == 2 and s.loc["a", "total_amount"] == pytest.approx(149.5)
    assert s.loc["a", "currency"] == "DKK"
    assert s.loc["a", "first_purchase_at"] == pd.Timestamp("2023-12-01", tz="UTC")
    assert s.loc["a", "last_purchase_at"] == pd.Timestamp("2024-05-01", tz="UTC")
    assert s.loc["c", "n_orders"] == 0 and s.loc["c", "total_amount"] == 0.0
    assert pd.isna(s.loc["c", "first_bad_at"]) and pd.isna(s.loc["c", "first_purchase_at"])
    assert s.loc["d", "n_tickets"] == 0 and s.loc["d", "n_experiences"] == 1
    assert s["n_bad"].dtype == np.int64


def test_customer_summary_mixed_currency(activity):
    a = conform(activity.assign(customer_id=["a", "a", "a", "d"]), "activity")
    s = customer_summary(activity=a).set_index("customer")
    assert s.loc["a", "currency"] == "mixed" and s.loc["a", "n_orders"] == 3
    assert "n_bad" not in s.columns or s["n_bad"].eq(0).all()


# --------------------------------------------------------------------------- when an experience became known
def test_known_at_is_when_the_experience_became_known(tickets, responses):
    from csanalysis.experiences import KNOWN_FROM

    e = by_id(experiences(tickets, responses))
    ts = pd.Timestamp
    # a good rating: known when the ticket was solved
    assert e.loc["ticket:t1", "known_at"] == ts("2024-01-01 12:00", tz="UTC")
    assert e.loc["ticket:t1", "known_from"] == "solved_at"
    # bad by the survey answer about it: known when the answer was recorded, not when the ticket was created
    assert e.loc["ticket:t2", "at"] == ts("2024-02-01 10:00", tz="UTC")
    assert e.loc["ticket:t2", "known_at"] == ts("2024-02-03", tz="UTC")
    assert e.loc["ticket:t2", "known_from"] == "responded_at"
    assert e.loc["ticket:t2", "resolved_at"] == ts("2024-02-02 10:00", tz="UTC")
    # a bad rating: known when solved
    assert e.loc["ticket:t3", "known_at"] == ts("2024-01-05 10:00", tz="UTC")
    # never solved, not bad: known when its survey answer came in
    assert pd.isna(e.loc["ticket:t4", "resolved_at"])
    assert e.loc["ticket:t4", "known_at"] == ts("2024-03-02", tz="UTC")
    # survey answers about no ticket: their recorded time
    assert e.loc["survey:r3", "known_at"] == ts("2024-04-01", tz="UTC")
    assert e.loc["survey:r3", "known_from"] == "responded_at"
    assert set(e["known_from"]) <= set(KNOWN_FROM)
    assert (e["known_at"] >= e["at"]).all()


def test_known_at_follows_the_rule_that_made_it_bad():
    t = conform(pd.DataFrame({
        "ticket_id": ["s", "r", "c", "m", "o"], "customer_id": ["a"] * 5,
        "created_at": ["2024-01-01 08:00"] * 5,
        "solved_at": ["2024-01-03 08:00", "2024-01-09 08:00", None, None, None],
        "closed_at": [None, None, "2024-01-04 08:00", None, None],
        "resolution_minutes": [np.nan, np.nan, np.nan, 600.0, np.nan],
        "first_reply_minutes": [500.0, 5.0, 5.0, 5.0, 5.0], "reopens": [0, 3, 0, 0, 0],
        "rating": [None, None, "bad", "bad", "bad"]}), "tickets")
    rule = BadExperienceRule(first_reply_sla_minutes=60, reopens_at_least=2)
    e = by_id(experiences(t, rule=rule))
    ts = pd.Timestamp
    # a first-reply breach is known when the SLA ran out without a reply
    assert e.loc["ticket:s", "known_at"] == ts("2024-01-01 09:00", tz="UTC")
    assert e.loc["ticket:s", "known_from"] == "first_reply_sla"
    # a reopen rule has no event log: the (last) solved time
    assert e.loc["ticket:r", "known_at"] == ts("2024-01-09 08:00", tz="UTC")
    assert e.loc["ticket:r", "known_from"] == "solved_at"
    # without solved_at: a closed_at column, then creation + resolution time, then the creation itself
    assert e.loc["ticket:c", "known_at"] == ts("2024-01-04 08:00", tz="UTC")
    assert e.loc["ticket:c", "known_from"] == "closed_at"
    assert e.loc["ticket:m", "known_at"] == ts("2024-01-01 18:00", tz="UTC")
    assert e.loc["ticket:m", "known_from"] == "resolution_minutes"
    assert e.loc["ticket:o", "known_at"] == e.loc["ticket:o", "at"]
    assert e.loc["ticket:o", "known_from"] == "created_at"


def test_criteria_are_the_parts_of_bad(tickets, responses):
    rule = BadExperienceRule(ces_at_least=6, reopens_at_least=2, first_reply_sla_minutes=60)
    e = experiences(tickets, responses, rule=rule)
    crit = rule.criteria(e)
    assert list(crit.columns) == ["rating", "csat", "ces", "nps", "reopens", "first_reply"]
    assert (crit.any(axis=1) == e["bad"]).all()
