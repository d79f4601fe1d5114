"""Write the fixtures of tests/test_io_roles.py (run once; the outputs are committed).

Every person here is fictitious (ids like R_role0000000001, addresses at
example.com, documentation IP addresses 192.0.2.x). The layouts copy real
exports (shared/formats.md): a Qualtrics 3-header-row export with a consent
notice, a matrix question and a text-entry count question; a Qualtrics numeric
export with its 11-15 recode; a marketplace review export joined to its orders
(purchase, creation and answer times);
a marketplace orders export with purchase, approval, delivery and estimated times; the IBM Telco "population" lookup table
(ID, Zip Code, Population); a Google Forms export whose question texts name roles its
answers do not fit; a workbook whose first sheet is a data dictionary, then one sheet per table.

    .venv/bin/python tests/data/roles/make_fixtures.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def write(name: str, text: str, newline: str = "\n") -> None:
    (HERE / name).write_bytes(text.replace("\n", newline).encode("utf-8"))


def qualtrics(tags, texts, imports, rows) -> str:
    def q(v):
        v = str(v)
        return '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n') else v
    ids = [('{"ImportId":"%s","timeZone":"Europe/Copenhagen"}' % i) if i in ("startDate", "endDate", "recordedDate")
           else '{"ImportId":"%s"}' % i for i in imports]
    lines = [",".join(map(q, tags)), ",".join(map(q, texts)), ",".join(map(q, ids))]
    lines += [",".join(map(q, r)) for r in rows]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ Qualtrics: roles from evidence
META_TAGS = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
             "ResponseId", "DistributionChannel", "UserLanguage"]
META_TEXTS = ["Start Date", "End Date", "Response Type", "Progress", "Duration (in seconds)", "Finished",
              "Recorded Date", "Response ID", "Distribution Channel", "User Language"]
META_IDS = ["startDate", "endDate", "status", "progress", "duration", "finished", "recordedDate", "_recordId",
            "distributionChannel", "userLanguage"]
CONSENT = ("Thank you for taking part. The survey takes about five minutes and we expect to use your answers "
           "only to improve our service. Do you agree to take part?")
MATRIX = "How would you rate the following aspects of your last contact?"
Q_TAGS = ["Q0", "Q1", "Q2", "Q5_1", "Q5_2", "Q5_3", "Q3_TEXT", "Q4", "Q6", "Q7_TEXT"]
Q_TEXTS = [CONSENT, "Overall, how satisfied are you with our customer service?",
           "How likely are you to recommend us to a friend or colleague?",
           f"{MATRIX} - The friendliness of the agent", f"{MATRIX} - The recommendations you were given",
           f"{MATRIX} - The agent recommended a solution quickly",
           "How many people have you told about your experience with us?",
           "Did you advise anyone not to buy from us?",
           "Compared with what you expected, how was the service?",
           "Why did you give this score?"]
Q_IDS = ["QID0", "QID1", "QID2", "QID5_1", "QID5_2", "QID5_3", "QID3_TEXT", "QID4", "QID6", "QID7_TEXT"]
ANSWERS = [
    # consent, csat (99 = don't know), nps, matrix 1-7 x3, told (text entry), warned, expectation, why
    ["I agree", 5, 10, 7, 6, 7, "3", "No", "Better than expected", "Quick answer"],
    ["I agree", 4, 9, 6, 5, 6, "none", "No", "As expected", ""],
    ["I agree", 1, 2, 2, 1, 1, "5-10", "Yes", "Much worse than expected", "Nobody called back"],
    ["I agree", 99, 7, 4, 3, 5, "about 2", "No", "As expected", ""],
    ["I agree", 2, 3, 3, 2, 2, "more than 20", "Yes", "Worse than expected", "Slow"],
    ["I agree", 5, 10, 7, 7, 7, "1", "No", "Much better than expected", ""],
]
rows = []
for i, a in enumerate(ANSWERS, 1):
    meta = [f"2024-03-0{i} 09:00:00", f"2024-03-0{i} 09:04:00", 0, 100, 240, 1, f"2024-03-0{i} 09:04:01",
            f"R_role000000000{i}", "anonymous", "EN"]
    rows.append(meta + a)
write("qualtrics_roles.csv", qualtrics(META_TAGS + Q_TAGS, META_TEXTS + Q_TEXTS, META_IDS + Q_IDS, rows), "\r\n")

# ------------------------------------------------------------------ Qualtrics numeric export, 11-15 recode
rows = []
for i, (csat, nps) in enumerate([(15, 10), (11, 0), (13, 6), (14, 9), (12, 3)], 1):
    rows.append([f"2024-04-0{i} 10:00:00", f"2024-04-0{i} 10:03:00", 0, 100, 180, 1, f"2024-04-0{i} 10:03:05",
                 f"R_recode00000000{i}", "email", "EN", csat, nps])
write("qualtrics_recode.csv",
      qualtrics(META_TAGS + ["Q1", "Q2"],
                META_TEXTS + ["How satisfied are you with the support you received?",
                              "How likely is it that you would recommend us to a friend?"],
                META_IDS + ["QID1", "QID2"], rows), "\r\n")

# ------------------------------------------------------------------ Google Forms: texts that fit, answers that do not
# "Were you satisfied with the delivery?" answered yes/no is no CSAT scale; "recommend ... (1-7)" is no 0-10 NPS.
write("google_forms_misfits.csv", """\
Timestamp,Were you satisfied with the delivery?,How strongly would you recommend our app? (1-7),How easy was it to reach us?
2024/06/03 9:15:00 AM GMT+2,Yes,6,Very easy
2024/06/04 2:40:00 PM GMT+2,No,2,Difficult
2024/06/05 8:05:00 AM GMT+2,Yes,7,Easy
2024/06/06 4:30:00 PM GMT+2,Yes,5,Neither easy nor difficult
""")

# ------------------------------------------------------------------ a review export joined to its orders
write("review_export.csv", """\
review_id,order_id,customer_id,order_purchase_timestamp,order_delivered_customer_date,review_score,review_creation_date,review_answer_timestamp
rv01,od01,cu01,2018-01-02 10:11:12,2018-01-09 15:00:00,5,2018-01-10 00:00:00,2018-01-11 08:30:00
rv02,od02,cu02,2018-01-03 11:00:00,2018-01-12 16:00:00,1,2018-01-13 00:00:00,2018-01-15 21:10:00
rv03,od03,cu03,2018-01-05 09:30:00,2018-01-11 12:00:00,4,2018-01-12 00:00:00,2018-01-12 19:45:00
""")

# ------------------------------------------------------------------ a marketplace orders export (several times)
write("marketplace_orders.csv", """\
order_id,customer_id,order_status,order_approved_at,order_purchase_timestamp,order_delivered_customer_date,order_estimated_delivery_date,order_value
od01,cu01,delivered,2018-01-02 10:30:00,2018-01-02 10:11:12,2018-01-09 15:00:00,2018-01-20 00:00:00,129.90
od02,cu02,delivered,2018-01-03 11:20:00,2018-01-03 11:00:00,2018-01-12 16:00:00,2018-01-25 00:00:00,49.00
od03,cu01,delivered,2018-01-05 09:45:00,2018-01-05 09:30:00,2018-01-11 12:00:00,2018-01-22 00:00:00,18.50
""")

# ------------------------------------------------------------------ a zip-code lookup table (IBM Telco "population")
write("zip_population.csv", """\
ID,Zip Code,Population
1,90001,54492
2,90002,44586
3,90003,58198
4,90004,67852
5,90005,43019
""")

# ------------------------------------------------------------------ a generic orders table
write("orders_generic.csv", """\
Order ID,Customer ID,Order Date,Total,Currency
A-1001,C-1,2024-02-01 10:00,120.50,EUR
A-1002,C-2,2024-02-03 12:30,35.00,EUR
A-1003,C-1,2024-02-09 09:15,80.00,EUR
""")


# ------------------------------------------------------------------ workbooks: a data dictionary first
def workbooks() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data dictionary"
    for r in [("Variable", "Description", "Type"),
              ("Timestamp", "When the form was submitted", "datetime"),
              ("How satisfied are you with our service?", "CSAT, 5 labelled points", "text"),
              ("Customer ID", "Our customer number", "text"),
              ("Churn", "Whether the customer left", "Yes/No")]:
        ws.append(r)
    ws = wb.create_sheet("Responses")
    for r in [("Timestamp", "How satisfied are you with our service?", "Customer ID"),
              ("2024-05-01 10:00:00", "Very satisfied", "C-1"),
              ("2024-05-02 11:00:00", "Dissatisfied", "C-2"),
              ("2024-05-03 12:00:00", "Satisfied", "C-3")]:
        ws.append(r)
    ws = wb.create_sheet("Customers")
    for r in [("Customer ID", "Churn", "Satisfaction Score"), ("C-1", "No", 5), ("C-2", "Yes", 2),
              ("C-3", "No", 4), ("C-4", "No", 3)]:
        ws.append(r)
    ws = wb.create_sheet("Orders")
    for r in [("Order ID", "Customer ID", "Order Date", "Total", "Currency"),
              ("A-1", "C-1", "2024-04-02 10:00", 120.5, "EUR"), ("A-2", "C-2", "2024-04-03 11:30", 35, "EUR")]:
        ws.append(r)
    ws = wb.create_sheet("Tickets")
    for r in [("Id", "Requester id", "Status", "Via", "Created at", "Solved at"),
              (501, 9001, "Solved", "Mail", "2024-04-04 09:00:00", "2024-04-04 12:00:00"),
              (502, 9002, "Open", "Web form", "2024-04-05 10:00:00", None)]:
        ws.append(r)
    wb.save(HERE / "workbook_dictionary.xlsx")


if __name__ == "__main__":
    workbooks()
