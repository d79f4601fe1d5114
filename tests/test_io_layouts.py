"""Layouts that used to fail, bad cells that cost a row (not the file), and records that must not vanish.

Issue 11, items 5 (layouts), 6 (bad cells, no raw exceptions) and 7 (every
physical record counted). The fixtures are in ``tests/data/layouts/`` (made
by its ``make_fixtures.py``; real export shapes, made-up values).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csanalysis.errors import CsanalysisError, ExportError
from csanalysis.io import load_report, read_activity, read_customers, read_survey, read_tickets
from csanalysis.io._common import first_row_is_data, header_rows_from_data
from csanalysis.io._dates import AMBIGUOUS_TZ_ABBREVIATIONS, TZ_ABBREVIATIONS, parse_timestamps
from csanalysis.io._numbers import implausible_numbers, parse_numbers, parse_numbers_strict
from csanalysis.io._text import FIXED_WIDTH, WHITESPACE, read_raw, sniff_layout


@pytest.fixture()
def layouts(data_dir):
    return data_dir / "layouts"


def balanced(df):
    rep = load_report(df)
    assert rep.rows_read == rep.rows_loaded + rep.rows_rejected + rep.rows_merged + rep.rows_excluded
    return rep


def reasons(rep) -> dict[int, str]:
    return dict(zip(rep.rejected["row"].tolist(), rep.rejected["reason"].tolist()))


# ----------------------------------------------------------------------------- item 5: layouts
def test_cdnow_purchase_log_without_header(layouts):
    df = read_activity(layouts / "cdnow_master.txt")
    rep = balanced(df)
    assert rep.delimiter == WHITESPACE and rep.header_rows == 0 and rep.rows_loaded == 10
    assert df["customer_id"].tolist()[:3] == ["00001", "00002", "00002"]
    assert df["amount"].tolist()[:3] == [11.77, 12.0, 77.0]
    assert df["at"].iloc[0] == pd.Timestamp("1997-01-01", tz="UTC")
    assert any("roles taken from the values" in n for n in rep.notes)


def test_cdnow_with_header_and_dollar_value(layouts):
    df = read_activity(layouts / "cdnow_with_header.txt")
    rep = balanced(df)
    assert rep.column_mapping["dollar_value"] == "amount" and rep.column_mapping["date"] == "at"
    assert df["amount"].sum() == pytest.approx(sum([11.77, 12, 77, 20.76, 20.76, 19.54, 29.33, 29.73, 29.33, 0]))
    assert df["at"].iloc[4] == pd.Timestamp("1997-03-30", tz="UTC")
    assert any("dollars" in n for n in rep.notes)


def test_headerless_roles_can_be_named(layouts):
    df = read_activity(layouts / "cdnow_master.txt",
                       mapping={"customer_id": "column 1", "at": "column 2", "amount": "column 3"})
    assert df["amount"].tolist()[:3] == [1.0, 1.0, 5.0]


def test_fixed_width_text(layouts):
    df = read_activity(layouts / "fixed_width_orders.txt")
    rep = balanced(df)
    assert rep.delimiter == FIXED_WIDTH
    assert df["order_id"].tolist() == ["A-1001", "A-1002", "A-1003"]
    assert df["amount"].tolist() == [12.5, 7.0, 101.25]
    assert df["note"].isna().tolist() == [False, True, False]


def test_sniff_layout():
    assert sniff_layout("a;b\n1;2\n") == ";"
    assert sniff_layout("00001 19970101  1  11.77\n00002 19970112  5  77.00\n") == WHITESPACE
    assert sniff_layout("id   name    amount\n1    Anna    12.50\n2            3.00\n") == FIXED_WIDTH


def test_excel_sep_line(layouts):
    df = read_activity(layouts / "excel_sep_line.csv", timezone="Europe/Copenhagen")
    rep = balanced(df)
    assert rep.delimiter == ";" and rep.rows_read == 3
    assert df["amount"].tolist() == [1234.5, 99.95, 10.0]
    assert rep.rejected.empty and any("sep=;" in n for n in rep.notes)


@pytest.mark.parametrize("name,currency", [("orders_amount_usd.csv", "USD"), ("orders_revenue.csv", None)])
def test_amounts_by_common_names(layouts, name, currency):
    df = read_activity(layouts / name)
    balanced(df)
    assert df["amount"].tolist() == [12.5, 3.0]
    if currency:
        assert df["currency"].tolist() == [currency, currency]


@pytest.mark.parametrize("header", ["dollar_value", "Revenue", "Sales", "amount_usd", "Total (EUR)", "Turnover"])
def test_amount_vocabulary(tmp_path, header):
    p = tmp_path / "o.csv"
    p.write_text(f"customer_id,date,{header}\n1,2024-01-05,12.50\n")
    assert read_activity(p)["amount"].tolist() == [12.5]


def test_compact_dates():
    p = parse_timestamps(pd.Series(["19970101", "20240229", "20240230", "20240305143000"]), column="d")
    assert [str(v)[:19] for v in p.values] == ["1997-01-01 00:00:00", "2024-02-29 00:00:00", "NaT",
                                              "2024-03-05 14:30:00"]
    assert p.invalid.tolist() == [False, False, True, False]


def test_google_forms_zone_abbreviations(layouts):
    df = read_survey(layouts / "google_forms_mdt.csv")
    rep = balanced(df)
    assert df["responded_at"].tolist() == [pd.Timestamp("2018-04-09 20:30:02", tz="UTC"),
                                           pd.Timestamp("2018-04-10 15:01:00", tz="UTC"),
                                           pd.Timestamp("2018-11-05 17:15:00", tz="UTC")]
    assert any("MDT read as UTC-06:00" in n for n in rep.notes)


def test_ambiguous_abbreviation_is_refused_naming_the_override(layouts):
    with pytest.raises(ExportError, match="tz_abbreviations=") as exc:
        read_survey(layouts / "google_forms_ist.csv")
    assert exc.value.kind == "ambiguous_tz_abbreviation" and "google_forms_ist.csv" in str(exc.value)
    df = read_survey(layouts / "google_forms_ist.csv", tz_abbreviations={"IST": "Asia/Kolkata"})
    assert df["responded_at"].iloc[0] == pd.Timestamp("2018-04-09 09:00:02", tz="UTC")
    df = read_survey(layouts / "google_forms_ist.csv", tz_abbreviations={"ist": "+01:00"})
    assert df["responded_at"].iloc[0] == pd.Timestamp("2018-04-09 13:30:02", tz="UTC")


def test_abbreviation_table_is_consistent():
    assert not set(TZ_ABBREVIATIONS) & set(AMBIGUOUS_TZ_ABBREVIATIONS)
    assert {"IST", "CST"} <= set(AMBIGUOUS_TZ_ABBREVIATIONS)
    assert all(abs(m) <= 14 * 60 for m, _ in TZ_ABBREVIATIONS.values())


def test_unknown_abbreviation_and_bad_override(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Id,Requester id,Via,Created at\n1,1,Mail,2024-01-01 10:00 XYZT\n")
    with pytest.raises(ExportError, match="tz_abbreviations="):
        read_tickets(p)
    assert read_tickets(p, tz_abbreviations={"XYZT": "UTC+2"})["created_at"].iloc[0] == pd.Timestamp(
        "2024-01-01 08:00", tz="UTC")
    with pytest.raises(CsanalysisError, match="tz_abbreviations="):
        read_tickets(p, tz_abbreviations={"XYZT": "Mars/Olympus"})


def test_single_header_survey_keeps_its_first_response(layouts):
    df = read_survey(layouts / "survey_one_header_numeric_ids.csv")
    rep = balanced(df)
    assert rep.header_rows == 1 and rep.rows_loaded == 3
    assert df["response_id"].tolist() == ["1001", "1002", "1003"]
    df = read_survey(layouts / "surveymonkey_one_header.csv")
    rep = balanced(df)
    assert rep.header_rows == 1 and rep.rows_loaded == 3 and df["csat"].tolist()[0] == 5.0


def test_two_header_rows_are_still_two(data_dir):
    rep = load_report(read_survey(data_dir / "surveys" / "surveymonkey_2row.csv"))
    assert rep.header_rows == 2 and rep.rows_read == 5


def test_header_rows_from_data():
    cells = pd.DataFrame([["id", "When", "Score"], ["1", "2024-01-02", "4"], ["2", "2024-01-03", "5"]])
    assert header_rows_from_data(cells, 2)[0] == 1
    labels = pd.DataFrame([["id", "When", "Score"], ["", "Start Date", "Response"], ["2", "2024-01-03", "5"]])
    assert header_rows_from_data(labels, 2) == (2, None)
    assert first_row_is_data(pd.DataFrame([["00001", "19970101", "1", "11.77"]]))
    assert not first_row_is_data(pd.DataFrame([["customer_id", "19970101"]]))


# ----------------------------------------------------------------------------- item 6: bad cells
def test_bad_ticket_cells_cost_their_rows(layouts):
    df = read_tickets(layouts / "zendesk_bad_cells.csv")
    rep = balanced(df)
    assert df["ticket_id"].tolist() == ["1", "8"]
    r = reasons(rep)
    assert "not a date" in r[3]  # -1
    assert "outside 1900-2099" in r[4] and "outside 1900-2099" in r[5]  # 9999-12-31, 0202-03-05
    assert "'Reopens'" in r[6] and "infinite or absurd" in r[6]  # inf
    assert "'First reply time in minutes'" in r[7]  # 1e308
    assert "'Solved at'" in r[8]  # a 9999-12-31 solve time


def test_bad_order_cells_cost_their_rows(layouts):
    df = read_activity(layouts / "orders_bad_cells.csv")
    rep = balanced(df)
    assert df["order_id"].tolist() == ["1", "7"]
    r = reasons(rep)
    assert "outside" in r[3] and "outside" in r[6] and all("absurd" in r[i] for i in (4, 5, 7))


def test_bad_customer_cells_cost_their_rows(layouts):
    df = read_customers(layouts / "customers_bad_cells.csv")
    rep = balanced(df)
    assert df["customer_id"].tolist() == ["1", "4", "5"]
    assert df["satisfaction"].tolist() == [4.0, 2.0, 5.0]  # the scale is not inferred from inf
    assert sorted(reasons(rep)) == [3, 4]


def test_absurd_survey_answer_costs_its_row(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("id,How satisfied were you? (1-5),Comment\n1,4,ok\n2," + "9" * 400 + ",x\n3,5,fine\n")
    df = read_survey(p)
    rep = balanced(df)
    assert rep.rows_rejected == 1 and df["csat"].tolist() == [4.0, 5.0]


def test_numbers_are_finite():
    for parse in (parse_numbers, parse_numbers_strict):
        x, bad, _ = parse(pd.Series(["1", "inf", "1e308", "-Infinity", "2.5", ""]))
        assert np.isfinite(x.dropna()).all() and bad.tolist()[:5] == [False, True, True, True, False]
    assert implausible_numbers(pd.Series(["12345678901234567890", "123456789012", "Infinity",
                                          "info@x"])).tolist() == [True, False, True, False]


def test_unknown_timezone_is_a_package_error(layouts):
    with pytest.raises(ExportError, match="timezone=") as exc:
        read_tickets(layouts / "zendesk_bad_cells.csv", timezone="Mars/Olympus")
    assert exc.value.kind == "unknown_timezone"


def test_zone_in_a_qualtrics_row_3_that_does_not_exist(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('StartDate,RecordedDate,ResponseId,Q1\nStart Date,Recorded Date,Response ID,How satisfied are you?\n'
                 '"{""ImportId"":""startDate"",""timeZone"":""Nowhere/Atlantis""}",'
                 '"{""ImportId"":""recordedDate"",""timeZone"":""Nowhere/Atlantis""}",'
                 '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\n'
                 "2024-03-01 10:00:00,2024-03-01 10:05:00,R_1,Very satisfied\n")
    with pytest.raises(ExportError, match="Nowhere/Atlantis") as exc:
        read_survey(p)
    assert exc.value.kind == "unknown_timezone"


def test_json_list_with_a_non_object_entry(layouts):
    with pytest.raises(ExportError, match="entry 2 .* not a ticket object") as exc:
        read_tickets(layouts / "zendesk_non_object_entry.json")
    assert "zendesk_non_object_entry.json" in str(exc.value)


def test_ndjson_with_a_broken_line_costs_that_line(layouts):
    df = read_tickets(layouts / "zendesk_broken_line.ndjson")
    rep = balanced(df)
    assert df["ticket_id"].tolist() == ["1", "2", "4"] and reasons(rep) == {3: reasons(rep)[3]}
    assert "not valid JSON" in reasons(rep)[3]


def test_messages_show_a_shape_not_the_value(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Id,Requester id,Via,Created at\n1,1,Mail,anna.jensen@example.com\n")
    with pytest.raises(ExportError) as exc:
        read_tickets(p)
    assert "anna" not in str(exc.value) and "example" not in str(exc.value)
    p.write_text("Id,Requester id,Via,Created at\n1,1,Mail,03/04/2024 Anna\n")
    with pytest.raises(ExportError) as exc:
        read_tickets(p)
    assert "Anna" not in str(exc.value)


def test_no_raw_exception_leaves_a_reader(monkeypatch, layouts):
    import csanalysis.io.tickets as T

    def boom(*a, **k):
        raise KeyError("internal")

    monkeypatch.setattr(T, "_channels", boom)
    with pytest.raises(ExportError) as exc:
        read_tickets(layouts / "zendesk_bad_cells.csv")
    assert exc.value.kind == "internal" and isinstance(exc.value.__cause__, KeyError)
    with pytest.raises(ValueError, match="source"):  # the reader's own argument checks pass unchanged
        read_tickets(layouts / "zendesk_bad_cells.csv", source="nope")


def test_mixed_day_month_order_with_a_typo(tmp_path):
    rows = [f"{i},{i},Mail,{d}/{m:02d}/2024 10:00" for i, (d, m) in enumerate([(13, 1), (14, 2), (15, 3), (16, 4),
                                                                                 (17, 5), (18, 6), (19, 7), (20, 8),
                                                                                 (21, 9), (22, 10), (23, 11), (24, 12),
                                                                                 (25, 1), (26, 2), (27, 3), (28, 4),
                                                                                 (29, 5), (30, 6), (31, 7), (5, 20)],
                                                                                start=1)]
    p = tmp_path / "t.csv"
    p.write_text("Id,Requester id,Via,Created at\n" + "\n".join(rows) + "\n")
    df = read_tickets(p)
    rep = balanced(df)
    assert rep.date_order == "dayfirst" and rep.rows_loaded == 19 and list(reasons(rep)) == [21]


# ----------------------------------------------------------------------------- item 7: records
def test_unclosed_quote_costs_one_row(layouts):
    df = read_tickets(layouts / "zendesk_unclosed_quote.csv")
    rep = balanced(df)
    assert df["ticket_id"].tolist() == ["1", "3", "4", "6"]
    r = reasons(rep)
    assert "never closed" in r[3] and "not a date" in r[6]  # row 6 rejected for its own reason


def test_stray_quotes_that_pair_up_lose_no_record(layouts):
    df = read_tickets(layouts / "zendesk_stray_quotes.csv")
    rep = balanced(df)
    assert rep.rows_read == 5 and df["ticket_id"].tolist() == ["1", "3", "5"]
    assert sorted(reasons(rep)) == [3, 5]


def test_stray_quote_in_the_header_swallows_no_record(tmp_path):
    # found by benchmarks/fuzz_readers.py: a quote opened in the header and closed by a stray quote
    # in a later row made the first records part of the header
    body = ('Id|Requester id|Via|"Created at|Subject\n1|1|Mail|2024-01-01 10:00|a\n'
            '2|"|Mail|2024-01-02 10:00|b\n3|3|Mail|2024-01-03 10:00|c\n')
    p = tmp_path / "q.csv"
    p.write_text(body)
    df = read_tickets(p)
    rep = balanced(df)
    assert rep.rows_read == 3 and "1" in df["ticket_id"].tolist() and "3" in df["ticket_id"].tolist()
    assert any("header row opens a quote" in n for n in rep.notes)


def test_stray_quote_closed_mid_first_record_swallows_no_record(tmp_path):
    # found by the 10,000-file fuzz: the stray quote opens the header's last (or a middle) name and is
    # closed in the middle of the first record, so the next line holds fewer delimiters than the header
    body = ('Id,Requester id,Via,Created at,"Subject\n'
            '1,1,Mail|",2024-01-01 10:00,a\n2,2,Mail,2024-01-02 10:00,b\n'
            '3,3,Mail,2024-01-03 10:00,c\n4,4,Mail,2024-01-04 10:00,d\n')
    p = tmp_path / "q.csv"
    p.write_text(body)
    df = read_tickets(p)
    rep = balanced(df)
    assert rep.rows_read == 4 and {"2", "3", "4"} <= set(df["ticket_id"])
    assert any("header row opens a quote" in n for n in rep.notes)


def test_header_name_quoted_over_two_lines_with_a_comma_is_kept(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text('Id,Requester id,Via,"Created,\nat"\n1,1,Mail,2024-01-01 10:00\n2,2,Mail,2024-01-02 10:00\n'
                 '3,3,Mail,2024-01-03 10:00\n')
    raw = read_raw(p)
    assert raw.cells.iloc[0].tolist() == ["Id", "Requester id", "Via", "Created,\nat"] and raw.bad_rows.empty


def test_stray_quotes_that_pair_up_over_whole_records_are_no_trailing_delimiter(tmp_path):
    # found by the fuzz: two stray quotes glue four records into one with one field too many, which
    # alone looked like Excel's trailing delimiter; records quoted over lines are no evidence of it
    body = ("Id,Requester id,Via,Created at,Subject,Tags\n"
            '1,1,Mail,2024-01-01 10:00,",x\n'
            "2,2,Mail,2024-01-02 10:00,b,t\n"
            "3,3,Mail,2024-01-03 10:00,c,t\n"
            '4,4,Mail,2024-01-04 10:00,",d,\n')
    p = tmp_path / "pair.csv"
    p.write_text(body)
    df = read_tickets(p)
    rep = balanced(df)
    assert rep.rows_read == 4 and {"2", "3"} <= set(df["ticket_id"])


def test_a_narrow_table_loses_no_record_to_a_stray_quote(tmp_path):
    # found by the fuzz: in a three-column survey a quote opened in the last value swallowed the next
    # record, whose line holds a whole record's delimiters and starts with a timestamp like its own record
    p = tmp_path / "narrow.csv"
    p.write_text("Timestamp,How satisfied are you?,Recommend?\n"
                 "2026/09/27 3:00:00 PM GMT+3,Extremely satisfied,10\n"
                 '2026/09/28 11:30:00 AM GMT+3,Satisfied,"5\n'
                 "2026/09/28 11:59:59 PM GMT+3,Dissatisfied,0\n"
                 '"\n')
    raw = read_raw(p)
    assert len(raw.cells) + len(raw.bad_rows) >= 4  # header, three records (and the stray quote's line)
    assert "Dissatisfied" in raw.cells[1].tolist()


def test_a_narrow_table_keeps_a_comment_over_lines(tmp_path):
    p = tmp_path / "comment.csv"
    p.write_text("Timestamp,Comment,Recommend?\n"
                 '2026/09/27 3:00:00 PM,"first line\n2024 was great, really, yes",10\n'
                 "2026/09/28 3:00:00 PM,ok,9\n")
    raw = read_raw(p)
    assert raw.bad_rows.empty and raw.cells[1].tolist()[1] == "first line\n2024 was great, really, yes"


def test_header_quoted_over_two_lines_is_kept(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text('Id,Requester id,Via,"Created\nat"\n1,1,Mail,2024-01-01 10:00\n2,2,Mail,2024-01-02 10:00\n')
    raw = read_raw(p)
    assert raw.cells.iloc[0].tolist() == ["Id", "Requester id", "Via", "Created\nat"] and raw.bad_rows.empty


def test_bare_cr_inside_a_value(layouts):
    df = read_tickets(layouts / "zendesk_bare_cr.csv")
    rep = balanced(df)
    assert rep.rows_read == 3 and df["channel"].tolist() == ["email", "web", "email"]


def test_old_mac_line_ends(tmp_path):
    p = tmp_path / "mac.csv"
    p.write_bytes(b"Id,Requester id,Via,Created at\r1,1,Mail,2024-01-01 10:00\r2,2,Mail,2024-01-02 10:00\r")
    assert read_tickets(p)["ticket_id"].tolist() == ["1", "2"]


def test_nul_bytes_are_dropped(layouts):
    df = read_tickets(layouts / "zendesk_nul_bytes.csv")
    rep = balanced(df)
    assert rep.rows_loaded == 2 and any("NUL" in n for n in rep.notes)


def test_quoted_line_breaks_still_load(tmp_path):
    body = 'Id,Requester id,Via,Created at,Subject\n1,1,Mail,2024-01-01 10:00,"two\nlines, here"\n' \
           '2,2,Mail,2024-01-02 10:00,"one ""quoted"" word"\n3,3,Mail,2024-01-03 10:00,"x\n\ny"\n'
    p = tmp_path / "q.csv"
    p.write_text(body)
    raw = read_raw(p)
    assert raw.row_numbers.tolist() == [1, 2, 3, 4] and raw.bad_rows.empty
    assert raw.cells[4].tolist()[1:] == ["two\nlines, here", 'one "quoted" word', "x\n\ny"]


def test_unclosed_quote_on_the_last_row_is_a_truncated_export(tmp_path):
    p = tmp_path / "cut.csv"
    p.write_text('Id,Requester id,Via,Created at\n1,1,Mail,2024-01-01 10:00\n2,2,Mail,"2024-01-02 1')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = balanced(read_tickets(p))
    assert rep.rows_loaded == 1 and "truncated" in rep.rejected["reason"].iloc[0]


def test_many_unclosed_quotes_fall_back_to_one_record_per_line(tmp_path):
    rows = [f'{i},{i},"Mail,2024-01-01 10:00' if i % 2 else f"{i},{i},Mail,2024-01-01 10:00" for i in range(1, 241)]
    p = tmp_path / "many.csv"
    p.write_text("Id,Requester id,Via,Created at\n" + "\n".join(rows) + "\n")
    df = read_tickets(p)
    rep = balanced(df)
    # 50 rows cost a line each; after them quotes are literal, so the other open-quote rows load too
    assert rep.rows_read == 240 and rep.rows_rejected == 50 and rep.rows_loaded == 190
    assert any("taken literally" in n for n in rep.notes)


def test_blank_lines_before_the_header_and_between_rows(tmp_path):
    p = tmp_path / "b.csv"
    p.write_bytes("\n  \nId;Requester id;Via;Created at\n1;1;Mail;2024-01-01 10:00\n\n2;2;Mæil;2024-01-02 10:00\n"
                  .encode("cp1252"))
    raw = read_raw(p)
    assert raw.row_numbers.tolist() == [1, 2, 3] and raw.bad_rows.empty
    assert raw.cells[2].tolist() == ["Via", "Mail", "Mæil"]


def test_survey_with_a_sep_line_a_header_quote_and_a_ragged_record_is_read(tmp_path):
    # found by the 10,000-file fuzz: the survey reader's re-read for Qualtrics' trailing delimiter raised
    # pandas' ParserError on a header quote that is never closed
    p = tmp_path / "q.csv"
    p.write_text('sep=,\nResponseID,Name,Status,StartDate,EndDate,Finished,Q1,"Q2,Q3,\n'
                 "R_1,Anonym,0,2017-07-18 08:28:09,2017-07-18 08:28:48,1,2,Hello,-1,x@example.org,extra")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no rows loaded": the one record is ragged
        df = read_survey(p)
    assert balanced(df).rows_read == 1


def test_header_quote_closed_by_a_stray_quote_in_the_first_record(tmp_path):
    # found by the fuzz: the header's stray quote is closed by another stray quote that opens a value of
    # the first record; the records after it are the width evidence, each line read on its own
    head = ";".join(f"c{j}" for j in range(8)).replace("c5", '"c5')
    body = head + '\n40;";;4;1;4;x;y\n' + "".join(f"{i};a;b;4;1;4;x;y\n" for i in range(50, 54))
    p = tmp_path / "s.csv"
    p.write_text(body)
    raw = read_raw(p)
    assert len(raw.cells) - 1 + len(raw.bad_rows) == 5 and raw.cells.shape[1] == 8


def test_tab_delimiter_found_despite_a_stray_quote_opening_the_first_record(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('Timestamp\tEmail\tScore\tComments\n"\ta@example.org\t4\tQuick.\n'
                 "4/13/2024 14:40:10\tb@example.org\t2\tSlow.\n4/14/2024 14:40:10\tc@example.org\t3\tOk.\n\"\n")
    raw = read_raw(p)
    assert raw.delimiter == "\t" and raw.cells.shape[1] == 4
    assert "Slow." in raw.cells[3].tolist() and "Ok." in raw.cells[3].tolist()


def test_a_narrow_table_value_closing_at_a_line_start_swallowed_a_record(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text('Timestamp,How satisfied?,Anything else?\n-1,Satisfied,\n'
                 '2018/04/10 9:01:00 AM MDT,Dissatisfied,"Slow reply\n'
                 "yesterday,contact me please,\n"
                 '"\n')
    raw = read_raw(p)
    assert "contact me please" in raw.cells[1].tolist()


def test_header_quote_swallowing_the_only_record_is_taken_as_stray(tmp_path):
    # found by the 10,000-file fuzz at 697abed (file 8662 of the surveys, seed 1): a header whose last name opens
    # a quote, a blank line and one record; read with the quote, the header swallows the whole file, so
    # with no second record to weigh widths the record's delimiters are the evidence
    p = tmp_path / "g.csv"
    p.write_text('\ufeffsep=,\r\nTimestamp,How satisfied are you with the delivery?,"How likely are you to '
                 'recommend us?\r\n""\r\n2026/09/28 11:59:59 PM GMT+3,",0\r\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = read_survey(p)
    acc = balanced(df)
    assert acc.rows_read + acc.rows_rejected >= 1  # the record is accounted for, not lost into the header
    assert not any("\n" in str(c) for c in df.columns)


def test_header_only_file_with_a_name_quoted_over_lines_is_not_split(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text('a,b,"c\nd"\n')
    raw = read_raw(p)  # no record, and the name quoted over two lines is kept whole
    assert raw.cells.shape == (1, 3) and raw.cells.iat[0, 2] == "c\nd"


@pytest.mark.parametrize("step", [1, 7, 64, 1 << 24])
def test_lines_of_the_file_are_the_texts_lines_whatever_the_step(monkeypatch, tmp_path, step):
    # the fast read's check for stray quotes finds a file's line breaks and reads the lines it asks for a step
    # of the file at a time (it never holds the file's bytes; what it holds beyond the lines' numbers is bounded
    # by the step): the same lines as the text split at its line breaks, whatever the step
    from csanalysis.io import _text

    monkeypatch.setattr(_text._ByteLines, "STEP", step)
    text = 'a,b\n"x\ny",1\n\n"é,ü",2\nlast line\n' * 5 + "no break at the end"
    path = tmp_path / "lines.csv"
    path.write_bytes(b"skipped line\n" + text.encode("utf-8"))
    lines = _text._ByteLines(path, skip=len(b"skipped line\n"))
    want = text.split("\n")
    assert len(lines) == len(want)
    idx = np.array([0, 3, 1, len(want) - 1, len(want) + 2, 3])
    assert lines.pick(idx).tolist() == [want[i] if i < len(want) else "" for i in idx]
    start, span = np.array([1, 5, len(want) - 2, 0]), np.array([2, 3, 5, 1])
    assert lines.records(start, span).tolist() == ["\n".join(want[s:s + n]) for s, n in zip(start, span)]
    assert lines.last == b"d" and lines.pick(np.array([], dtype=np.int64)).tolist() == []
