"""Writes the layout and bad-cell fixtures of tests/test_io_layouts.py (synthetic values, no personal data).

Each file copies the shape of a real export (named in its comment here); the
values are made up. Run from the repository root: ``python tests/data/layouts/make_fixtures.py``.
Files with bytes a text editor may change (bare CR, NUL) are written here, not by hand.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def write(name: str, text: str | bytes, encoding: str = "utf-8") -> None:
    data = text if isinstance(text, bytes) else text.encode(encoding)
    (HERE / name).write_bytes(data)


def main() -> None:
    # The classic CDNOW purchase log (CDNOW_master.txt): no header, right-aligned columns separated by
    # spaces: customer id, date (YYYYMMDD), number of CDs, dollar value.
    CDNOW_ROWS = [("00001", "19970101", 1, 11.77), ("00002", "19970112", 1, 12.00), ("00002", "19970112", 5, 77.00),
                  ("00003", "19970102", 2, 20.76), ("00003", "19970330", 2, 20.76), ("00003", "19970402", 2, 19.54),
                  ("00004", "19970101", 2, 29.33), ("00004", "19970118", 2, 29.73), ("00005", "19970101", 2, 29.33),
                  ("00006", "19970101", 1, 0.00)]
    write("cdnow_master.txt", "".join(f"{c:>6} {d} {n:>2} {v:>7.2f}\r\n" for c, d, n, v in CDNOW_ROWS))
    # the same log as analysts share it, with a header line and single spaces
    write("cdnow_with_header.txt", "customer_id date number_of_cds dollar_value\n"
          + "".join(f"{int(c)} {d} {n} {v:.2f}\n" for c, d, n, v in CDNOW_ROWS))
    # an aligned text report (fixed-width), one value left blank
    write("fixed_width_orders.txt",
          "order_id  customer  order_date   amount  note\n"
          "A-1001    K-1       2024-03-01    12.50  first order\n"
          "A-1002    K-2       2024-03-02     7.00\n"
          "A-1003    K-1       2024-03-05   101.25  gift wrap\n")
    # Excel "CSV" in a decimal-comma locale with its first line naming the delimiter
    write("excel_sep_line.csv", "sep=;\r\nOrdrenummer;Kundenummer;Dato;Beløb;Valuta\r\n"
          "1001;K-1;05.03.2024;1.234,50;DKK\r\n1002;K-2;17.03.2024;99,95;DKK\r\n1003;K-1;18.03.2024;10,00;DKK\r\n",
          encoding="cp1252")
    # amounts named as in real order tables
    write("orders_amount_usd.csv", "order_id,customer_id,order_date,amount_usd\n"
          "1,C1,2024-01-05,12.50\n2,C2,2024-01-06,3.00\n")
    write("orders_revenue.csv", "Order,Customer,Date,Revenue\n1,C1,2024-01-05,12.50\n2,C2,2024-01-06,3.00\n")
    # Google Forms "Download responses (.csv)" with a US account: zone abbreviation after the time
    write("google_forms_mdt.csv",
          "Timestamp,How satisfied are you with our support?,Anything else?\n"
          "2018/04/09 2:30:02 PM MDT,Very satisfied,\n"
          "2018/04/10 9:01:00 AM MDT,Dissatisfied,Slow reply\n"
          "2018/11/05 10:15:00 AM MST,Satisfied,\n")
    write("google_forms_ist.csv",
          "Timestamp,How satisfied are you with our support?\n"
          "2018/04/09 2:30:02 PM IST,Very satisfied\n2018/04/10 9:01:00 AM IST,Dissatisfied\n")
    # a survey with one header row whose ids look like no tool's: the first response must stay a response
    write("survey_one_header_numeric_ids.csv",
          "ResponseId,RecordedDate,How satisfied are you with our support?,How likely are you to recommend us? (0-10)\n"
          "1001,2024-03-01 10:00:00,Very satisfied,9\n"
          "1002,2024-03-02 11:00:00,Dissatisfied,3\n"
          "1003,2024-03-03 12:00:00,Satisfied,8\n")
    # SurveyMonkey's metadata columns but only one header row (an analyst removed row 2), ids blank in row 2
    write("surveymonkey_one_header.csv",
          "Respondent ID,Collector ID,Start Date,End Date,How satisfied were you with our customer service?\n"
          ",,03/14/2025 09:01:10 AM,03/14/2025 09:04:40 AM,Very satisfied\n"
          "11887401002,431200001,03/15/2025 01:15:00 PM,03/15/2025 01:20:05 PM,Dissatisfied\n"
          "11887401003,431200001,03/16/2025 02:00:00 PM,03/16/2025 02:03:00 PM,Neither satisfied nor dissatisfied\n")
    # Zendesk CSV columns with bad cells: garbage and out-of-range dates, infinite and absurd numbers
    ZD = "Id,Requester id,Via,Created at,Solved at,Status,Reopens,First reply time in minutes\n"
    write("zendesk_bad_cells.csv", ZD
          + "1,11,Mail,2024-01-01 10:00:00,2024-01-02 10:00:00,Solved,0,30\n"
          + "2,12,Mail,-1,,Open,0,\n"
          + "3,13,Mail,9999-12-31 00:00:00,,Open,0,\n"
          + "4,14,Mail,0202-03-05 10:00:00,,Open,1,\n"
          + "5,15,Mail,2024-01-05 10:00:00,,Open,inf,\n"
          + "6,16,Mail,2024-01-06 10:00:00,,Open,0,1e308\n"
          + "7,17,Mail,2024-01-07 10:00:00,9999-12-31 00:00:00,Solved,0,20\n"
          + "8,18,Mail,2024-01-08 10:00:00,2024-01-09 10:00:00,Solved,2,45\n")
    write("orders_bad_cells.csv", "Order ID,Customer ID,Order Date,Amount\n"
          "1,C1,2024-01-05,12.50\n2,C2,9999-12-31,3.00\n3,C3,2024-01-07,inf\n4,C4,2024-01-08,1e308\n"
          "5,C5,0202-03-05,4.00\n6,C6,2024-01-09,-Infinity\n7,C7,2024-01-10,8.00\n")
    write("customers_bad_cells.csv", "CustomerID,Churn,SatisfactionScore,Complain\n"
          "1,0,4,0\n2,1,inf,1\n3,0,1e308,0\n4,1,2,1\n5,0,5,0\n")
    # a quote opened mid-file and never closed (a hand-edited export), and two stray quotes that pair up
    write("zendesk_unclosed_quote.csv", ZD
          + "1,11,Mail,2024-01-01 10:00:00,,Open,0,30\n"
          + '2,12,"Mail,2024-01-02 10:00:00,,Open,0,30\n'
          + "3,13,Mail,2024-01-03 10:00:00,,Open,0,30\n"
          + "4,14,Web form,2024-01-04 10:00:00,,Open,0,30\n"
          + "5,15,Mail,not a date,,Open,0,30\n"
          + "6,16,Mail,2024-01-06 10:00:00,,Open,0,30\n")
    write("zendesk_stray_quotes.csv", ZD
          + "1,11,Mail,2024-01-01 10:00:00,,Open,0,30\n"
          + '2,12,"Mail,2024-01-02 10:00:00,,Open,0,30\n'
          + "3,13,Mail,2024-01-03 10:00:00,,Open,0,30\n"
          + '4,14,"Web form,2024-01-04 10:00:00,,Open,0,30\n'
          + "5,15,Mail,2024-01-05 10:00:00,,Open,0,30\n")
    # a bare carriage return inside a value (Excel cell with a line break saved on a Mac), CRLF line ends
    write("zendesk_bare_cr.csv", (ZD.replace("\n", "\r\n")
          + "1,11,Mail,2024-01-01 10:00:00,,Open,0,30\r\n"
          + "2,12,Web\rform,2024-01-02 10:00:00,,Open,0,30\r\n"
          + "3,13,Mail,2024-01-03 10:00:00,,Open,0,30\r\n").encode())
    # NUL bytes scattered in an otherwise UTF-8 file (a damaged download)
    write("zendesk_nul_bytes.csv", (ZD + "1,11,Mail,2024-01-01 10:00:00,,Open,0,30\n"
                                    + "2,12,Ma\x00il,2024-01-02 10:00:00,,Open,0,30\n").encode())
    # the Zendesk NDJSON export with one line cut short and a value whose type changes between lines
    write("zendesk_broken_line.ndjson",
          '{"ticket": {"id": 1, "requester_id": 11, "created_at": "2024-01-01T10:00:00Z", "via": {"channel": "email"}}}\n'
          '{"ticket": {"id": 2, "requester_id": 12, "created_at": "2024-01-02T10:00:00Z", "via": "web"}}\n'
          '{"ticket": {"id": 3, "requester_id": 13, "created_at": "2024-01-0\n'
          '{"ticket": {"id": 4, "requester_id": 14, "created_at": "2024-01-04T10:00:00Z"}}\n')
    # a Zendesk API listing whose second entry is no object
    write("zendesk_non_object_entry.json",
          '{"tickets": [{"id": 1, "requester_id": 11, "created_at": "2024-01-01T10:00:00Z"}, 5]}')


if __name__ == "__main__":
    main()
