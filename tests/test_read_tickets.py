"""read_tickets on every supported format, plus the realities of analysts' files."""

from __future__ import annotations

import pandas as pd
import pytest

from csanalysis.errors import ExportError
from csanalysis.io import load_report, read_tickets
from csanalysis.schema import TICKETS

GENERIC_MAP = {"ticket_id": "Номер", "customer_id": "Клиент", "email": "Почта", "created_at": "Открыт",
               "solved_at": "Закрыт", "channel": "Канал", "rating": "Оценка"}

CASES = [
    ("zendesk_export.csv", {"timezone": "Europe/Copenhagen"}, "zendesk_csv"),
    ("zendesk_excel_cp1252.csv", {}, "zendesk_csv"),
    ("zendesk_export.ndjson", {}, "zendesk_json"),
    ("freshdesk_export.csv", {"timezone": "Europe/London"}, "freshdesk_csv"),
    ("intercom_conversations.csv", {}, "intercom_csv"),
    ("jira_export.csv", {}, "jira_csv"),
    ("salesforce_cases_utf16.txt", {}, "salesforce_csv"),
    ("helpscout_conversations.csv", {}, "helpscout_csv"),
    ("generic_cp1251.csv", {"source": "generic", "mapping": GENERIC_MAP}, "generic"),
]


def _no_email(df: pd.DataFrame) -> None:
    for c in df.columns:
        if df[c].dtype == object or str(df[c].dtype).startswith(("str", "string")):
            assert not df[c].astype("str").str.contains("@example", regex=False).any(), c


@pytest.mark.parametrize("name,kw,fmt", CASES)
def test_every_format_loads_canonically(data_dir, name, kw, fmt):
    t = read_tickets(data_dir / "tickets" / name, **kw)
    rep = load_report(t)
    assert rep.source_format == fmt
    assert [c.name for c in TICKETS] == list(t.columns[: len(TICKETS)])
    assert str(t["created_at"].dtype) == "datetime64[ns, UTC]"
    assert t["created_at"].notna().all()
    assert set(t["channel"].dropna()) <= {"email", "web", "chat", "phone", "social", "api", "other"}
    assert rep.rows_read == rep.rows_loaded + rep.rows_rejected + rep.rows_merged + rep.rows_excluded
    assert rep.rows_loaded == len(t) > 0
    _no_email(t)


def test_zendesk_csv_values(data_dir):
    t = read_tickets(data_dir / "tickets" / "zendesk_export.csv", timezone="Europe/Copenhagen").set_index("ticket_id")
    # 20:52 in Copenhagen (CEST, +02:00) is 18:52 UTC
    assert t.loc["101", "created_at"] == pd.Timestamp("2023-04-08 18:52", tz="UTC")
    assert t.loc["101", "rating"] == "good" and t.loc["101", "rating_score"] == 1.0  # 5 of 5
    assert t.loc["102", "rating"] == "bad" and t.loc["102", "rating_score"] == 0.0  # 1 of 5
    assert t.loc["106", "rating"] == "bad"  # legacy "Bad"
    assert pd.isna(t.loc["103", "rating"]) and bool(t.loc["103", "rating_offered"])  # "Offered"
    assert t.loc["104", "direction"] == "agent"  # follow-up of a closed ticket
    assert t.loc["107", "direction"] == "agent"  # outbound
    assert t.loc["105", "channel"] == "phone"
    assert t.loc["106", "reopens"] == 3
    assert t.loc["102", "first_reply_minutes"] == 120
    # business-hours variants and custom fields are kept, not dropped
    assert "first_reply_time_in_minutes_within_business_hours" in t.columns
    assert "manual_tagging_of_categories_list" in t.columns
    rep = load_report(t)
    assert "Requester" in rep.dropped_columns and "requester" not in t.columns
    assert "assignee_key" in t.columns and t["assignee_key"].str.startswith("agent_").all()
    assert rep.timezone == "Europe/Copenhagen"


def test_zendesk_timezone_assumption_is_reported(data_dir):
    t = read_tickets(data_dir / "tickets" / "zendesk_export.csv")
    notes = " ".join(load_report(t).notes)
    assert "account's time zone" in notes and "UTC assumed" in notes


def test_excel_mangled_ids_are_flagged_and_not_used(data_dir):
    t = read_tickets(data_dir / "tickets" / "zendesk_excel_cp1252.csv")
    rep = load_report(t)
    assert any("Excel-mangled" in n for n in rep.notes)
    assert t["customer_id"].isna().sum() == 2  # the mangled ones, not merged into one customer
    assert rep.encoding == "cp1252" and rep.delimiter == ";" and rep.date_order == "dayfirst"
    assert t["first_reply_minutes"].iloc[0] == 30.5  # decimal comma


def test_email_key_links_same_address_across_case_and_space(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("ticket_id,email,created_at\n1,Anna@Example.com ,2024-01-01\n2,anna@example.com,2024-01-02\n")
    t = read_tickets(p, source="generic", mapping={"ticket_id": "ticket_id", "email": "email", "created_at": "created_at"})
    assert t["email_key"].nunique() == 1
    assert "email" not in t.columns


def test_keep_pii_keeps_addresses(data_dir):
    t = read_tickets(data_dir / "tickets" / "zendesk_export.csv", keep_pii=True)
    assert "requester" in t.columns and t["email"].str.contains("@").all()


def test_same_key_same_pseudonym_across_runs(data_dir):
    a = read_tickets(data_dir / "tickets" / "zendesk_export.csv", key="k1")
    b = read_tickets(data_dir / "tickets" / "zendesk_export.csv", key="k1")
    c = read_tickets(data_dir / "tickets" / "zendesk_export.csv", key="k2")
    assert a["email_key"].tolist() == b["email_key"].tolist()
    assert a["email_key"].tolist() != c["email_key"].tolist()


def test_intercom_zone_from_header(data_dir):
    t = read_tickets(data_dir / "tickets" / "intercom_conversations.csv")
    # 2024-03-10 01:30 in New York (EST, -05:00) = 06:30 UTC
    assert t["created_at"].iloc[0] == pd.Timestamp("2024-03-10 06:30", tz="UTC")
    assert t["first_reply_minutes"].iloc[0] == 2.0  # 120 seconds
    assert t["direction"].tolist() == ["customer", "customer", "agent"]
    assert t["rating"].tolist()[:2] == ["good", "bad"]


def test_freshdesk_ratings_and_times(data_dir):
    t = read_tickets(data_dir / "tickets" / "freshdesk_export.csv", timezone="Europe/London")
    assert t["rating"].tolist()[:2] == ["neutral", "good"]  # Slightly dissatisfied (3 of 7), Extremely Happy
    assert t["first_reply_minutes"].iloc[0] == 30  # 01:30 -> 02:00
    assert t["resolution_minutes"].iloc[1] == 2 * 24 * 60
    assert t["direction"].iloc[2] == "agent"  # Outbound Email
    assert t["customer_id"].isna().all()  # Contact ID holds e-mails: used for email_key only


def test_salesforce_date_order_decided_by_the_file(data_dir):
    # "Date/Time Closed" alone is ambiguous; "Date/Time Opened" has 1/15 -> month-first for the file
    t = read_tickets(data_dir / "tickets" / "salesforce_cases_utf16.txt")
    assert t["solved_at"].iloc[0] == pd.Timestamp("2024-01-06 09:00", tz="UTC")
    assert load_report(t).encoding == "utf-16"


def test_ambiguous_dates_ask_for_dayfirst(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Ticket ID,Created time,Status\n1,03/04/2024 10:00,Open\n2,05/06/2024 11:00,Open\n")
    with pytest.raises(ExportError, match="dayfirst"):
        read_tickets(p, source="freshdesk_csv")
    t = read_tickets(p, source="freshdesk_csv", dayfirst=True)
    assert t["created_at"].iloc[0] == pd.Timestamp("2024-04-03 10:00", tz="UTC")
    t = read_tickets(p, source="freshdesk_csv", dayfirst=False)
    assert t["created_at"].iloc[0] == pd.Timestamp("2024-03-04 10:00", tz="UTC")


def test_ndjson_follow_up_and_ratings(data_dir):
    t = read_tickets(data_dir / "tickets" / "zendesk_export.ndjson")
    assert t["rating"].tolist()[:2] == ["bad", "good"]
    assert t["direction"].tolist() == ["customer", "customer", "agent"]
    assert bool(t["rating_offered"].iloc[2]) and pd.isna(t["rating"].iloc[2])


@pytest.mark.parametrize("lead", [b"", b"\n", b" \r\n\t" * 30_000])  # the last longer than a read block
@pytest.mark.parametrize("zipped", [False, True])
def test_json_document_recognised_after_any_leading_white_space(data_dir, tmp_path, lead, zipped):
    import zipfile

    body = (data_dir / "tickets" / "zendesk_export.ndjson").read_bytes()
    p = tmp_path / "export.ndjson"
    p.write_bytes(lead + body)
    if zipped:
        z = tmp_path / "export.zip"
        with zipfile.ZipFile(z, "w") as zf:
            zf.write(p, "export.ndjson")
        p = z
    t = read_tickets(p)
    assert load_report(t).source_format == "zendesk_json"
    assert t["direction"].tolist() == ["customer", "customer", "agent"]


def test_leading_bytes_reads_up_to_the_first_text(tmp_path):
    from csanalysis.io._text import leading_bytes

    p = tmp_path / "a.csv"
    p.write_bytes(b"   \n" * 40_000 + b"id,x\n1,2\n")
    assert leading_bytes(p) == b"i" and leading_bytes(p, 4) == b"id,x"
    p.write_bytes(b"  \n ")
    assert leading_bytes(p) == b""
    with pytest.raises(ExportError, match="no such file"):
        leading_bytes(tmp_path / "missing.csv")


def test_zendesk_api_fixture(fixtures_dir):
    t = read_tickets(fixtures_dir / "zendesk" / "zendesk_api_client_rb_tickets.json")
    rep = load_report(t)
    assert len(t) == 100 and rep.rows_read == 100
    assert t["channel"].value_counts().to_dict() == {"api": 99, "web": 1, "email": 0, "chat": 0, "phone": 0,
                                                     "social": 0, "other": 0}
    assert (t["rating_offered"] == False).all()  # noqa: E712  every ticket "unoffered"
    assert any("next_page" in n for n in rep.notes)


def test_satisfaction_ratings_fixture_is_refused_clearly(fixtures_dir):
    with pytest.raises(ExportError, match="satisfaction-ratings"):
        read_tickets(fixtures_dir / "zendesk" / "zendesk_api_client_rb_satisfaction_ratings.json")


def test_survey_file_is_refused_as_tickets(fixtures_dir):
    with pytest.raises(ExportError, match="not recognised as a ticket export"):
        read_tickets(fixtures_dir / "qualtrics" / "qualtRics_sample.csv")


def test_mapping_errors_teach(data_dir):
    with pytest.raises(ExportError, match="no such column"):
        read_tickets(data_dir / "tickets" / "zendesk_export.csv", mapping={"ticket_id": "Nope"})
    with pytest.raises(ValueError, match="not a canonical column"):
        read_tickets(data_dir / "tickets" / "zendesk_export.csv", mapping={"colour": "Id"})


def test_duplicate_tickets_are_merged_and_counted(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Id,Requester id,Via,Created at,Status\n1,9,Mail,2024-01-01 10:00,Open\n"
                 "1,9,Mail,2024-01-01 10:00,Solved\n2,9,Mail,2024-01-02 10:00,Open\n")
    t = read_tickets(p)
    rep = load_report(t)
    assert rep.rows_merged == 1 and len(t) == 2
    assert t.set_index("ticket_id").loc["1", "status"] == "solved"


def test_unparseable_dates_are_rejected_with_reason(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Id,Requester id,Via,Created at\n1,9,Mail,2024-01-01 10:00\n2,9,Mail,yesterday\n3,9,Mail,\n")
    t = read_tickets(p)
    rep = load_report(t)
    assert len(t) == 1 and rep.rows_rejected == 2
    assert set(rep.rejected["row"]) == {3, 4}
    assert rep.rejected["reason"].str.contains("Created at").all()


def test_rejected_rows_carry_no_names_agents_or_free_text(tmp_path, data_dir):
    src = (data_dir / "tickets" / "zendesk_export.csv").read_text()
    lines = src.splitlines()
    lines[2] = lines[2].replace("2023-04-10 08:00:00", "not a date", 1)
    p = tmp_path / "z.csv"
    p.write_text("\n".join(lines) + "\n")
    t = read_tickets(p)
    rej = load_report(t).rejected
    assert len(rej) == 1
    assert not {"Requester", "Submitter", "Assignee", "Subject", "Requester email"} & set(rej.columns)
    assert "Bent Hansen" not in rej.astype("str").to_string()


def test_self_service_first_contact_is_read_from_the_channel(tmp_path):
    # issue 14, item 3: help centre, knowledge base and bots are self-service; a web form is assisted
    p = tmp_path / "z.csv"
    p.write_text("Id,Requester,Requester id,Subject,Status,Via,Created at,Solved at\n"
                 "1,Ann,11,a,Solved,Help Center,2023-04-08 20:52:00,2023-04-09 20:52:00\n"
                 "2,Bo,12,b,Solved,Answer Bot,2023-04-08 20:52:00,2023-04-09 20:52:00\n"
                 "3,Cy,13,c,Solved,Web form,2023-04-08 20:52:00,2023-04-09 20:52:00\n"
                 "4,Di,14,d,Solved,Mail,2023-04-08 20:52:00,2023-04-09 20:52:00\n"
                 "5,Ed,15,e,Solved,,2023-04-08 20:52:00,2023-04-09 20:52:00\n"
                 "6,Fi,16,f,Solved,Selbstbedienung,2023-04-08 20:52:00,2023-04-09 20:52:00\n")
    df = read_tickets(p, timezone="UTC")
    got = df.set_index("ticket_id")["self_service"]
    assert got.dtype == "boolean"
    assert got[["1", "2", "6"]].tolist() == [True, True, True] and got[["3", "4"]].tolist() == [False, False]
    assert pd.isna(got["5"])
    assert df.set_index("ticket_id").loc["3", "channel"] == "web"


def test_self_service_stays_unknown_when_the_export_records_none(tmp_path):
    # no self-service value anywhere: "not self-service" cannot be told from "not recorded"
    p = tmp_path / "z.csv"
    p.write_text("Id,Requester,Requester id,Subject,Status,Via,Created at,Solved at\n"
                 "1,Ann,11,a,Solved,Mail,2023-04-08 20:52:00,2023-04-09 20:52:00\n"
                 "2,Bo,12,b,Solved,Web form,2023-04-08 20:52:00,2023-04-09 20:52:00\n")
    df = read_tickets(p, timezone="UTC")
    assert df["self_service"].isna().all() and df["channel"].notna().all()
