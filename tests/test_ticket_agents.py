"""Agents and groups in the tickets table (issue 14): ``agent_key`` and ``group`` from the exports that have them.

``agent_key`` is a keyed pseudonym of the agent a ticket is assigned to (never the name or id), ``group`` the
team / group / queue as the tool names it. The fixtures are the real-format exports of ``tests/data/tickets``
and the Zendesk API page of ``tests/data/fixtures``; the odd cases (``Unassigned``, blanks, queues) are built
here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from csanalysis.io import load_report, read_tickets
from csanalysis.privacy import email_key
from csanalysis.schema import TICKETS

DATA = Path(__file__).parent / "data"
TICKETS_DIR = DATA / "tickets"
ZENDESK_API = DATA / "fixtures" / "zendesk" / "zendesk_api_client_rb_tickets.json"

# fixture -> (read options, the assignee column, the group column or None)
WITH_AGENTS = {
    "zendesk_export.csv": ({"timezone": "Europe/Copenhagen"}, "Assignee", "Group"),
    "zendesk_export.ndjson": ({}, "assignee_id", None),
    "freshdesk_export.csv": ({"timezone": "Europe/London"}, "Agent", "Group"),
    "intercom_conversations.csv": ({}, "Teammate currently assigned", "Team currently assigned"),
    "jira_export.csv": ({}, "Assignee", None),
    "salesforce_cases_utf16.txt": ({}, "Case Owner", None),
    "helpscout_conversations.csv": ({}, "Assigned To", "Mailbox"),
}
# every agent name the fixtures hold (assignees, submitters, creators, last rated)
AGENT_NAMES = ["Bo Agent", "Cy Agent", "Ola Agent", "Ann Mate", "Jo Agent", "Sam Owner", "Kim Agent"]


def _raw(name: str) -> pd.DataFrame:
    """The fixture as the tool wrote it (every cell a string), to compare against."""
    path = TICKETS_DIR / name
    if path.suffix == ".ndjson":
        return pd.json_normalize([json.loads(line)["ticket"] for line in path.read_text().splitlines()])
    kw = {"encoding": "utf-16", "sep": "\t"} if name.startswith("salesforce") else {"encoding": "utf-8-sig"}
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def _everything(t: pd.DataFrame) -> str:
    """Every text the table and its load report show: cells, column names, report, notes, rejected rows."""
    rep = load_report(t)
    parts = [t.astype("str").to_csv(index=False), json.dumps(rep.to_dict(), default=str), str(rep),
             "\n".join(rep.notes), rep.rejected.astype("str").to_csv(index=False), json.dumps(rep.column_mapping)]
    return "\n".join(parts)


def test_schema_appends_agent_key_and_group():
    names = [c.name for c in TICKETS]
    assert names[:17] == ["ticket_id", "customer_id", "email_key", "created_at", "solved_at", "channel", "status",
                          "priority", "rating", "rating_score", "rating_offered", "first_reply_minutes",
                          "resolution_minutes", "reopens", "direction", "account_id", "source_format"]
    assert names[17:] == ["agent_key", "group", "self_service", "sla_breached", "assignee_changes",
                          "group_changes"]  # new columns are appended, never inserted
    assert {c.name: c.dtype for c in TICKETS}["agent_key"] == "str"
    assert {c.name: c.dtype for c in TICKETS}["group"] == "str"


@pytest.mark.parametrize("name", sorted(WITH_AGENTS))
def test_tool_fixtures_fill_agent_and_group(name):
    kw, agent_col, group_col = WITH_AGENTS[name]
    t = read_tickets(TICKETS_DIR / name, key="k1", **kw)
    rep = load_report(t)
    assert [c.name for c in TICKETS] == list(t.columns[: len(TICKETS)])
    raw = _raw(name).set_index(_raw(name).columns[0] if name != "zendesk_export.csv" else "Id")
    # one agent_key per ticket with an assignee, all pseudonyms, the same agent the same key
    assigned = raw[agent_col].notna() & (raw[agent_col].astype("str").str.strip() != "")
    assert t["agent_key"].notna().sum() == int(assigned.sum()) > 0
    assert t["agent_key"].dropna().str.fullmatch(r"agent_[0-9a-f]{16}").all()
    by_agent = pd.DataFrame({"agent": raw.loc[assigned, agent_col].astype("str").to_numpy(),
                             "key": t.loc[t["agent_key"].notna(), "agent_key"].to_numpy()})
    assert (by_agent.groupby("agent")["key"].nunique() == 1).all()
    assert by_agent["agent"].nunique() == by_agent["key"].nunique()
    assert rep.column_mapping[agent_col] == "agent_key"
    assert any(n.startswith("agent_key: the assignee in") for n in rep.notes)
    assert agent_col not in t.columns
    if group_col is None:
        assert t["group"].isna().all()
        assert "group" not in rep.column_mapping.values()
    else:
        assert t["group"].tolist() == raw[group_col].str.strip().tolist()
        assert rep.column_mapping[group_col] == "group"
        assert not [c for c in t.columns if c.startswith("group_src")]


def test_zendesk_api_page_assignee_id_and_group_id():
    t = read_tickets(ZENDESK_API, key="k1")
    rep = load_report(t)
    assert rep.column_mapping["assignee_id"] == "agent_key" and rep.column_mapping["group_id"] == "group"
    assert t["agent_key"].notna().sum() == 1  # one of the 100 tickets is assigned
    assert set(t["group"]) == {"20001662"}  # the id as the API writes it, not 20001662.0
    # the submitter is not the assignee: agent_key comes from assignee_id only (here the same person)
    assert t["submitter_id_key"].notna().all()
    assert t.loc[t["agent_key"].notna(), "agent_key"].iloc[0] == t.loc[t["agent_key"].notna(), "submitter_id_key"].iloc[0]
    # an id column holding nulls is written as floats: the pseudonym is the same as without them
    one = pd.DataFrame({"id": ["1"], "created_at": ["2024-01-01T00:00:00Z"], "assignee_id": ["20014182"]})
    alone = read_tickets(one, source="generic", key="k1")
    assert alone["agent_key"].iloc[0] == t.loc[t["agent_key"].notna(), "agent_key"].iloc[0]
    assert "20014182" not in " ".join(t["agent_key"].dropna()) and "assignee_id" not in t.columns


def test_submitter_and_creator_are_not_the_agent():
    t = read_tickets(TICKETS_DIR / "jira_export.csv", key="k1")
    assert (t["agent_key"] == t["assignee_key"]).all()
    assert (t["agent_key"] != t["creator_key"]).all()  # the creator is the customer here
    z = read_tickets(TICKETS_DIR / "intercom_conversations.csv", key="k1")
    # the last teammate rated is missing on the third conversation, the assignee is not
    assert z["agent_key"].notna().all() and z["last_teammate_rated_key"].isna().sum() == 1


def test_pseudonym_stable_per_key_and_different_across_keys():
    a = read_tickets(TICKETS_DIR / "zendesk_export.csv", key="k1")
    b = read_tickets(TICKETS_DIR / "zendesk_export.csv", key="k1")
    c = read_tickets(TICKETS_DIR / "zendesk_export.csv", key="k2")
    assert a["agent_key"].tolist() == b["agent_key"].tolist()
    pairs = a["agent_key"].notna()
    assert (a.loc[pairs, "agent_key"] != c.loc[pairs, "agent_key"]).all()
    # the same agent in another export (same key) gets the same pseudonym
    g = read_tickets(pd.DataFrame({"ticket_id": ["1"], "created_at": ["2024-01-01"], "assignee": [" Bo  Agent "]}),
                     source="generic", key="k1")
    bo = a.loc[a["ticket_id"] == "101", "agent_key"].iloc[0]
    assert g["agent_key"].iloc[0] == bo


def test_agent_pseudonym_never_equals_an_email_key():
    addr = "bo.agent@example.com"
    df = pd.DataFrame({"ticket_id": ["1", "2"], "created_at": ["2024-01-01", "2024-01-02"],
                       "email": [addr, "kunde@example.com"], "assignee": [addr, addr], "team": ["Billing", "Billing"]})
    t = read_tickets(df, source="generic", key="k1")
    ek = email_key(pd.Series([addr]), key="k1").iloc[0]
    assert t["email_key"].iloc[0] == ek
    assert t["agent_key"].notna().all() and (t["agent_key"] != ek).all()
    assert not t["agent_key"].str.removeprefix("agent_").eq(ek.removeprefix("ek_")).any()  # another hash, not a prefix
    assert t["group"].tolist() == ["Billing", "Billing"]
    assert addr not in _everything(t)


@pytest.mark.parametrize("name", sorted(WITH_AGENTS))
def test_no_agent_name_anywhere(name):
    kw, _, _ = WITH_AGENTS[name]
    for keep_pii in (False, True):
        t = read_tickets(TICKETS_DIR / name, key="k1", keep_pii=keep_pii, **kw)
        text = _everything(t)
        found = [n for n in AGENT_NAMES if n in text]
        assert not found, (keep_pii, found)


def test_rejected_rows_do_not_show_the_agent(tmp_path):
    p = tmp_path / "intercom.csv"
    p.write_text("Conversation ID,Conversation started at (UTC),Teammate currently assigned,Team currently assigned,"
                 "Channel\n1,2024-03-10 10:00:00,Rut Helper,Billing,Chat\n2,,Rut Helper,Billing,Chat\n")
    t = read_tickets(p, key="k1")
    rep = load_report(t)
    assert rep.rows_rejected == 1 and len(t) == 1
    assert "Rut" not in _everything(t) and "Helper" not in _everything(t)
    assert rep.rejected["Team currently assigned"].tolist() == ["Billing"]  # the group is no person


@pytest.mark.parametrize("name,kw", [("zendesk_excel_cp1252.csv", {}),
                                     ("generic_cp1251.csv", {"source": "generic", "mapping": {
                                         "ticket_id": "Номер", "created_at": "Открыт"}})])
def test_files_without_agent_or_group_give_missing_columns(name, kw):
    t = read_tickets(TICKETS_DIR / name, key="k1", **kw)
    rep = load_report(t)
    assert t["agent_key"].isna().all() and t["group"].isna().all()
    assert str(t["agent_key"].dtype) == str(t["group"].dtype) == str(t["ticket_id"].dtype)
    assert not {"agent_key", "group"} & set(rep.column_mapping.values())
    assert not any(n.startswith("agent_key") for n in rep.notes)


def test_unassigned_dash_and_blanks_are_missing(tmp_path):
    p = tmp_path / "intercom.csv"
    p.write_text(
        "Conversation ID,Conversation started at (Europe/Paris),Team currently assigned,Teammate currently assigned,"
        "Last teammate rated,Channel\n"
        "1,2024-03-10 10:00:00,Billing,Ann Mate,Ann Mate,Chat\n"
        "2,2024-03-11 10:00:00,Unassigned,Unassigned,,Chat\n"
        "3,2024-03-12 10:00:00,,,,Email\n"
        "4,2024-03-13 10:00:00,-,  -  ,Unassigned,Email\n"
        "5,2024-03-14 10:00:00,  Billing  ,  Ann   Mate ,UNASSIGNED,Email\n")
    t = read_tickets(p, key="k1")
    assert t["agent_key"].isna().tolist() == [False, True, True, True, False]
    assert t["group"].tolist()[0] == "Billing" and t["group"].isna().tolist() == [False, True, True, True, False]
    assert t["agent_key"].iloc[0] == t["agent_key"].iloc[4]  # spaces do not make another agent
    assert t["group"].iloc[4] == "Billing"
    # the other agent columns read "Unassigned" as nobody too
    assert t["last_teammate_rated_key"].notna().tolist() == [True, False, False, False, False]
    assert t["teammate_currently_assigned_key"].tolist() == t["agent_key"].tolist()


def test_generic_group_and_agent_columns_and_mapping():
    df = pd.DataFrame({"id": ["1", "2", "3"], "created_at": ["2024-01-01"] * 3,
                       "agent": ["Per Helper", "Per Helper", ""], "queue": ["Returns", "Returns", "Returns"]})
    t = read_tickets(df, source="generic", key="k1")
    rep = load_report(t)
    assert rep.column_mapping["agent"] == "agent_key" and rep.column_mapping["queue"] == "group"
    assert t["agent_key"].notna().tolist() == [True, True, False] and t["group"].eq("Returns").all()
    assert "queue" not in t.columns and "agent" not in t.columns
    # named columns win over detection; the raw column stays out
    df2 = df.rename(columns={"agent": "Handler", "queue": "Desk"})
    m = read_tickets(df2, source="generic", key="k1",
                     mapping={"ticket_id": "id", "created_at": "created_at", "agent_key": "Handler", "group": "Desk"})
    rep2 = load_report(m)
    assert rep2.column_mapping["Handler"] == "agent_key" and rep2.column_mapping["Desk"] == "group"
    assert m["agent_key"].tolist()[:2] == t["agent_key"].tolist()[:2] and m["group"].eq("Returns").all()
    assert "handler" not in m.columns and "Per Helper" not in _everything(m)


def test_an_agent_column_named_agent_besides_the_assignee_keeps_both():
    df = pd.DataFrame({"id": ["1", "2"], "created_at": ["2024-01-01"] * 2,
                       "assignee": ["Una Helper", "Una Helper"], "agent": ["Vic Helper", "Vic Helper"]})
    t = read_tickets(df, source="generic", key="k1")
    assert (t["agent_key"] == t["assignee_key"]).all()  # the assignee wins
    assert "agent_src_key" in t.columns and (t["agent_src_key"] != t["agent_key"]).all()


def test_salesforce_cases_owned_by_a_queue_have_no_agent(tmp_path):
    p = tmp_path / "cases.csv"
    p.write_text("Case Number,Case Origin,Case Owner,OwnerId,Owner Role,Status,Date/Time Opened\n"
                 "00001026,Phone,Sam Owner,0051t000001AbCd,Tier 1,Closed,1/5/2024 3:04 PM\n"
                 "00001027,Web,Returns Queue,00G1t000002XyZa,,New,1/15/2024 10:00 AM\n")
    t = read_tickets(p, key="k1")
    rep = load_report(t)
    assert t["agent_key"].notna().tolist() == [True, False]
    assert t["group"].tolist()[0] == "Tier 1" and pd.isna(t["group"].iloc[1])
    assert rep.column_mapping["Case Owner"] == "agent_key" and rep.column_mapping["Owner Role"] == "group"
    assert any("owned by a queue" in n for n in rep.notes)
    assert "Sam Owner" not in _everything(t) and "0051t000001AbCd" not in _everything(t)


def _zendesk_with(tmp_path, **extra):
    """The Zendesk fixture with extra columns (name -> one value per row, cycled), written as a CSV."""
    import csv

    with open(TICKETS_DIR / "zendesk_export.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    for name, values in extra.items():
        head.append(name)
        for i, r in enumerate(body):
            r.append(values[i % len(values)])
    p = tmp_path / "zendesk_extra.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([head, *body])
    return p, len(body)


def test_sla_breach_and_handoffs_named_by_mapping_are_read(tmp_path):
    """A column the user maps to sla_breached / assignee_changes / group_changes is read as that measure (it was
    dropped as used and the measure left empty, with no note)."""
    p, n = _zendesk_with(tmp_path, **{"Breach?": ["Yes", "No", ""], "Handovers": ["0", "2", "1"],
                                      "Team moves": ["1", "0"]})
    df = read_tickets(p, timezone="UTC", mapping={"sla_breached": "Breach?", "assignee_changes": "Handovers",
                                                  "group_changes": "Team moves"})
    assert df["sla_breached"].notna().sum() == sum(1 for i in range(n) if i % 3 != 2)
    assert df["sla_breached"].sum() == sum(1 for i in range(n) if i % 3 == 0)
    assert df["assignee_changes"].tolist() == [[0, 2, 1][i % 3] for i in range(n)]
    assert df["group_changes"].tolist() == [[1, 0][i % 2] for i in range(n)]
    notes = " ".join(load_report(df).notes)
    assert "'Breach?'" in notes and "'Handovers'" in notes


def test_zendesk_custom_field_with_its_type_is_an_sla_status(tmp_path):
    """Zendesk exports a custom field as '<title> [<type>]': 'SLA breached [flag]' is the SLA status."""
    p, n = _zendesk_with(tmp_path, **{"SLA breached [flag]": ["No", "Yes"]})
    df = read_tickets(p, timezone="UTC")
    assert df["sla_breached"].notna().all() and int(df["sla_breached"].sum()) == n // 2
    assert "SLA breached [flag]" in " ".join(load_report(df).notes)
