"""Issue 11, items 1-4 and 10: roles and times from evidence, the wrong table refused, workbooks, other inputs.

The fixtures are in tests/data/roles (written by its make_fixtures.py; every person fictitious).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csanalysis.errors import ExportError
from csanalysis.io import load_report, read_activity, read_customers, read_survey, read_tickets

DATA = Path(__file__).parent / "data"
ROLES = DATA / "roles"
QUALTRICS = ROLES / "qualtrics_roles.csv"
BOOK = ROLES / "workbook_dictionary.xlsx"


def notes_of(df: pd.DataFrame) -> list[str]:
    rep = load_report(df)
    assert rep.balanced
    return rep.notes


def role_note(df: pd.DataFrame, role: str) -> str:
    found = [n for n in notes_of(df) if n.startswith(f"role {role}:")]
    assert len(found) == 1, (role, notes_of(df))
    return found[0]


# --------------------------------------------------------------------------- item 1: roles from evidence
def test_qualtrics_roles_need_a_fitting_text_and_fitting_answers():
    df = read_survey(QUALTRICS)
    rep = load_report(df)
    assert rep.column_mapping["Q1"] == "csat" and rep.column_mapping["Q2"] == "nps"
    assert rep.column_mapping["Q3_TEXT"] == "told_count" and rep.column_mapping["Q4"] == "warned_others"
    # the matrix items (one says "recommended", one "recommendations") are no NPS; the consent is no expectation
    assert not {"Q5_1", "Q5_2", "Q5_3", "Q0"} & set(rep.column_mapping)
    assert df["nps"].tolist() == [10.0, 9.0, 2.0, 7.0, 3.0, 10.0]
    nps = role_note(df, "nps")
    assert "'Q2'" in nps and "'Q5_3'" in nps and "sub-item of the matrix question" in nps
    exp = role_note(df, "expectation")
    assert "'Q6'" in exp.split(";")[0] and "'Q0'" in exp and "consent" in exp
    assert df.attrs["questions"]["csat"].startswith("Overall, how satisfied")
    # every decision is also a record: the chosen column and the losers with their reason
    table = pd.DataFrame(df.attrs["question_roles"])
    chosen = table[table["chosen"]].set_index("role")["column"].to_dict()
    assert chosen == {"csat": "Q1", "nps": "Q2", "told_count": "Q3_TEXT", "warned_others": "Q4",
                      "expectation": "Q6"}
    lost = table[~table["chosen"]].set_index("column")["why_not"]
    assert "consent" in lost["Q0"] and "matrix" in lost["Q5_3"]


def test_qualtrics_text_entry_count_question_is_the_told_count():
    df = read_survey(QUALTRICS)
    assert df["told_count_low"].tolist() == [3.0, 0.0, 5.0, 2.0, 21.0, 1.0]
    high = df["told_count_high"].tolist()
    assert high[:4] == [3.0, 0.0, 10.0, 2.0] and math.isnan(high[4])  # "more than 20": open
    assert "Q3_TEXT" not in df.attrs["free_text_columns"] and "q3_text" not in df.columns
    assert "q7_text" in df.attrs["free_text_columns"]  # "Why did you give this score?" stays free text


def test_a_99_is_missing_with_a_note_not_a_rescaled_answer():
    df = read_survey(QUALTRICS)
    csat = df["csat"].tolist()
    assert csat[:3] == [5.0, 4.0, 1.0] and math.isnan(csat[3]) and csat[4:] == [2.0, 5.0]
    notes = notes_of(df)
    assert any("csat from 'Q1'" in n and "99" in n and "set to missing" in n for n in notes)
    assert any("scale 1-5" in n for n in notes)


def test_qualtrics_recode_11_15_is_a_five_point_scale():
    df = read_survey(ROLES / "qualtrics_recode.csv")
    assert df["csat"].tolist() == [5.0, 1.0, 3.0, 4.0, 2.0]
    assert df["nps"].tolist() == [10.0, 0.0, 6.0, 9.0, 3.0]
    assert any("recode 11-15" in n for n in notes_of(df))


def test_texts_that_fit_with_answers_that_do_not_get_no_role():
    df = read_survey(ROLES / "google_forms_misfits.csv")
    assert df["csat"].isna().all() and df["nps"].isna().all()
    assert df["ces"].notna().all()  # "How easy ..." with an effort scale fits
    csat = role_note(df, "csat")
    assert csat.startswith("role csat: no column") and "yes/no answers" in csat and "questions=" in csat
    nps = role_note(df, "nps")
    assert "1-7 scale, not 0-10" in nps
    # the columns are kept as they are
    assert "were_you_satisfied_with_the_delivery" in df.columns


def test_roles_can_be_overridden_and_say_when_the_answers_do_not_fit():
    df = read_survey(QUALTRICS, questions={"nps": "Q5_2", "expectation": None})
    note = role_note(df, "nps")
    assert "given" in note and "although" in note and "1-7" in note
    assert load_report(df).column_mapping["Q5_2"] == "nps"
    assert "Q6" not in load_report(df).column_mapping
    assert any(n.startswith("role expectation: switched off") for n in notes_of(df))


# --------------------------------------------------------------------------- item 2: timestamps
def test_a_review_is_timed_by_its_answer_not_by_the_order():
    df = read_survey(ROLES / "review_export.csv")
    assert df["responded_at"].tolist() == [pd.Timestamp(t, tz="UTC") for t in
                                           ("2018-01-11 08:30", "2018-01-15 21:10", "2018-01-12 19:45")]
    note = next(n for n in notes_of(df) if n.startswith("responded_at from"))
    assert "'review_answer_timestamp'" in note
    assert "'order_purchase_timestamp' (an order's or payment's time" in note
    assert "'order_delivered_customer_date' (a delivery time" in note
    assert "'review_creation_date'" in note


def test_qualtrics_takes_the_recorded_date_and_names_the_others():
    df = read_survey(QUALTRICS)
    assert load_report(df).column_mapping["Recorded Date"] == "responded_at"
    note = next(n for n in notes_of(df) if n.startswith("responded_at from"))
    assert "'Start Date' (a start time, never the response time)" in note


def test_an_order_is_timed_by_its_purchase():
    df = read_activity(ROLES / "marketplace_orders.csv")
    assert df["at"].tolist()[0] == pd.Timestamp("2018-01-02 10:11:12", tz="UTC")
    assert df["amount"].tolist() == [129.9, 49.0, 18.5]
    note = next(n for n in notes_of(df) if n.startswith("at = "))
    assert note.startswith("at = 'order_purchase_timestamp'")
    for other in ("'order_approved_at' (a later event's time)", "'order_delivered_customer_date' (a delivery time)",
                  "'order_estimated_delivery_date'"):
        assert other in note


def test_a_start_time_alone_is_never_the_response_time(tmp_path):
    p = tmp_path / "started.csv"
    p.write_text("review_id,StartDate,review_score\n" + "\n".join(
        f"r{i},2024-01-0{i} 10:00:00,{i}" for i in range(1, 4)) + "\n")
    df = read_survey(p)
    assert df["responded_at"].isna().all()
    assert any(n.startswith("no response time column") and "'Start Date' (a start time" in n for n in notes_of(df))
    given = read_survey(p, mapping={"responded_at": "StartDate"})
    assert given["responded_at"].notna().all()


# --------------------------------------------------------------------------- item 3: the wrong table
@pytest.mark.parametrize("path,looks,reader", [
    (DATA / "tickets" / "zendesk_export.csv", "Zendesk Support CSV export", "read_tickets()"),
    (DATA / "activity" / "shopify_orders.csv", "Shopify orders export", "read_activity()"),
    (ROLES / "orders_generic.csv", "an orders table (order id 'Order ID', amount 'Total'", "read_activity()"),
    (DATA / "customers" / "ibm_telco.csv", "IBM", "read_customers()"),
])
def test_another_table_given_as_a_survey_is_refused(path, looks, reader):
    with pytest.raises(ExportError) as err:
        read_survey(path)
    msg = str(err.value)
    assert path.name in msg and looks in msg and reader in msg and "not a survey export" in msg


def test_a_refused_survey_can_be_insisted_on():
    df = read_survey(ROLES / "orders_generic.csv", source="generic")
    assert len(df) == 3 and load_report(df).source_format == "generic"


def test_a_zip_code_lookup_is_not_a_customer_table():
    path = ROLES / "zip_population.csv"
    with pytest.raises(ExportError) as err:
        read_customers(path)
    msg = str(err.value)
    assert "lookup table" in msg and "'Zip Code'" in msg and "mapping={'customer_id'" in msg
    assert "54492" not in msg  # no cell value is quoted
    df = read_customers(path, mapping={"customer_id": "ID"})  # the user says these rows are customers
    assert len(df) == 5


@pytest.mark.parametrize("path,reader", [
    (DATA / "tickets" / "zendesk_export.csv", "read_tickets()"),
    (DATA / "activity" / "online_retail.csv", "read_activity()"),
    (DATA / "surveys" / "typeform.csv", "read_survey()"),
])
def test_other_tables_given_as_customers_are_refused(path, reader):
    with pytest.raises(ExportError, match=r"not a customer table") as err:
        read_customers(path)
    assert reader in str(err.value)


def test_real_customer_tables_still_load():
    for name in ("bank_churn.csv", "danish_crm.csv", "ecommerce_churn.csv", "ibm_telco.csv"):
        df = read_customers(DATA / "customers" / name)
        assert len(df) and load_report(df).balanced


# --------------------------------------------------------------------------- item 4: workbooks
@pytest.mark.parametrize("reader,sheet", [
    (read_survey, "Responses"), (read_customers, "Customers"), (read_activity, "Orders"),
    (read_tickets, "Tickets"),
])
def test_each_reader_reads_the_sheet_that_fits_it(reader, sheet):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = reader(BOOK)
    note = next(n for n in notes_of(df) if n.startswith("workbook with 5 sheets"))
    assert f"sheet {sheet!r} read" in note and "'Data dictionary'" in note and "sheet=" in note
    assert len(df) >= 2


def test_survey_sheet_content_and_explicit_sheets():
    df = read_survey(BOOK)
    assert df["csat"].tolist() == [5.0, 2.0, 4.0] and df["customer_id"].tolist() == ["C-1", "C-2", "C-3"]
    by_name = read_survey(BOOK, sheet="Responses")
    by_pos = read_survey(BOOK, sheet=1)
    assert by_name["csat"].tolist() == by_pos["csat"].tolist() == [5.0, 2.0, 4.0]
    assert any("sheet 'Responses' read (sheet= given)" in n for n in notes_of(by_name))
    with pytest.raises(ExportError, match=r"no sheet named 'Answers'.*'Data dictionary', 'Responses'"):
        read_survey(BOOK, sheet="Answers")
    with pytest.raises(ExportError, match="sheet=9"):
        read_survey(BOOK, sheet=9)


# --------------------------------------------------------------------------- item 10: DataFrames and lists
def test_a_dataframe_is_read_like_the_file():
    from_file = read_survey(QUALTRICS)
    frame = pd.read_csv(QUALTRICS, dtype=str, keep_default_na=False)  # rows 2-3 of Qualtrics become data rows
    from_frame = read_survey(frame)
    rep = load_report(from_frame)
    assert rep.path == "<DataFrame>" and rep.source_format == "qualtrics" and rep.balanced
    cols = ["response_id", "responded_at", "csat", "nps", "told_count_low", "warned_others"]
    pd.testing.assert_frame_equal(from_frame[cols], from_file[cols])


def test_a_typed_dataframe_from_a_database():
    rows = pd.DataFrame({
        "customer_id": [1001.0, np.nan, 1003.0, 1004.0],           # ids with a gap come back as floats
        "email": ["a@example.com", "b@example.com", None, "d@example.com"],
        "Date": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", None, "2024-03-04 12:30"]).tz_localize("UTC"),
        "amount": [10.5, 20.0, 5.0, 7.25],
        "currency": pd.Categorical(["EUR", "EUR", "EUR", "EUR"]),
    })
    df = read_activity(rows)
    rep = load_report(df)
    assert rep.balanced and rep.rows_read == 4 and rep.rows_loaded == 3
    assert df["customer_id"].tolist()[0] == "1001" and df["amount"].tolist() == [10.5, 20.0, 7.25]
    assert df["at"].iloc[3 - 1] == pd.Timestamp("2024-03-04 12:30", tz="UTC")
    assert rep.rejected["row"].tolist() == [4]  # the third record, a spreadsheet's row 4 (header = row 1)
    # an index with a name is a column
    customers = pd.DataFrame({"Churn": ["Yes", "No"]}, index=pd.Index(["C-1", "C-2"], name="Customer ID"))
    c = read_customers(customers)
    assert c["customer_id"].tolist() == ["C-1", "C-2"] and c["churned"].tolist() == [True, False]


def test_a_list_of_files_is_one_table_with_one_report():
    df = read_survey([QUALTRICS, ROLES / "qualtrics_recode.csv"])
    rep = load_report(df)
    assert len(df) == 11 and rep.rows_read == 11 and rep.balanced and rep.source_format == "qualtrics"
    assert rep.notes[0].startswith("2 sources stacked into one table")
    assert any(n.startswith("qualtrics_recode.csv: role csat:") for n in rep.notes)
    assert {r["file"] for r in df.attrs["question_roles"]} == {"qualtrics_roles.csv", "qualtrics_recode.csv"}
    # a repeated export: the same tickets twice are merged, never counted twice
    z = DATA / "tickets" / "zendesk_export.csv"
    one = read_tickets(z, timezone="Europe/Copenhagen")
    two = read_tickets([z, z], timezone="Europe/Copenhagen")
    rep2 = load_report(two)
    assert len(two) == len(one) and rep2.rows_read == 2 * load_report(one).rows_read
    assert rep2.rows_merged == len(one) and rep2.balanced
    with pytest.raises(ValueError, match="empty list"):
        read_customers([])
