"""Builds the real-format fixtures of tests/test_privacy_masking.py (invented people only).

* ``zendesk_planted.csv``: a Zendesk Support export (the sample's header) with e-mail addresses, phone
  numbers and requester names planted in the subject, tags, organisation, channel ("Via") and group
  columns, a repeated ``Requester`` column, an e-mail address as requester external id and a row that is
  rejected (its creation time is not a date) with personal data in its cells.
* ``qualtrics_planted.csv``: a Qualtrics export (three header rows, the sample's header) whose
  ``ExternalReference`` holds e-mail addresses, with an embedded-data column ``Login`` of addresses and
  a free-text answer quoting the recipient's own name, a greeting, an address and a phone number.
* ``telco_planted.csv``: an IBM Telco churn table with ``Phone Service``, ``Multiple Lines``,
  ``CityTier``-like tiers and counts (kept) beside ``Email``, ``Phone``, ``City``, ``Zip Code`` and
  coordinates (dropped), and churn reasons with an address and a phone number in them.
* ``orders_planted.csv``: a generic order export whose customer ids are partly e-mail addresses and whose
  notes hold phone numbers.

Run ``python tests/data/privacy/make_fixtures.py`` to rebuild them (deterministic).
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
SAMPLE = HERE.parents[2] / "csanalysis" / "datasets" / "sample"

#: every planted e-mail address (tests assert none of them reaches any output)
PLANTED_EMAILS = [
    "anna.berg@example.com", "jörg.müller@exämple.de", "kontakt@berg-consulting.example", "jorg.muller@example.org",
    "sara.lund@example.se", "иван@пример.рф", "mette@example.dk", "emma.berg@example.net", "Olav.Nes@Example.NO",
    "olav.nes@example.no", "freja.holm@example.com", "lars.dahl@example.com", "noah.kim@example.org",
    "zoe.durand@example.fr", "pieter.vd@example.nl",
]
PLANTED_PHONES = ["+45 12 34 56 78", "0171 1234567", "22334455", "+46 70 123 45 67", "(555) 123-4567",
                  "+7 (495) 123-45-67", "070-123 45 67"]


def _rows(path: Path, n_header: int) -> tuple[list[list[str]], list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[:n_header], rows[n_header:]


def _write(name: str, rows: list[list[str]]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def zendesk() -> None:
    (header,), body = _rows(SAMPLE / "zendesk_tickets.csv", 1)
    col = {c: i for i, c in enumerate(header)}
    base = body[0]
    plants = [
        {"Id": "2001", "Requester": "Anna Berg", "Requester external id": "anna.berg@example.com",
         "Requester email": "anna.berg@example.com",
         "Subject": "Hi Anna Berg, write to jörg.müller@exämple.de or call +45 12 34 56 78",
         "Tags": "vip anna.berg@example.com refund", "Organization": "Berg Consulting <kontakt@berg-consulting.example>",
         "Via": "Mail", "dup": "Anna Berg"},
        {"Id": "2002", "Requester": "Jörg Müller", "Requester email": "jorg.muller@example.org",
         "Subject": "Chat with Jörg Müller", "Via": "jorg.muller@example.org", "dup": "Jörg Müller"},
        {"Id": "2003", "Requester": "Karen Holm", "Requester email": "karen.holm@example.com",
         "Subject": "Refund for order #10023 of 1.234,50 kr on 05.03.2024 14:03", "dup": "Karen Holm"},
        {"Id": "2004", "Requester": "Sara Lund", "Requester email": "sara.lund@example.se",
         "Created at": "not a date", "Group": "Escalations: ring 0171 1234567 or sara.lund@example.se",
         "Subject": "Delivery problem", "dup": "Sara Lund"},
        {"Id": "2005", "Requester": "Åsa Lindqvist", "Requester email": "asa.lindqvist@example.se",
         "Subject": "Hej Åsa, tlf 22334455", "Organization": "Lindqvist AB", "dup": "Åsa Lindqvist"},
        {"Id": "2006", "Requester": "Иван Петров", "Requester email": "ivan.petrov@example.ru",
         "Subject": "Ответьте на иван@пример.рф", "dup": "Иван Петров"},
        {"Id": "2007", "Requester": "Mette Lund", "Requester email": "mette@example.dk",
         "Subject": "Tracking 00340434161234567890", "Contact reason [list]": "Other: see mette@example.dk",
         "dup": "Mette Lund"},
        {"Id": "2008", "Requester": "Olav Nes", "Requester email": "Olav.Nes@Example.NO",
         "Requester external id": "Olav.Nes@Example.NO", "Subject": "Faktura mangler", "dup": "Olav Nes"},
    ]
    rows = [header + ["Requester"]]
    for p in plants:
        r = list(base)
        r[col["Requester id"]] = str(16381550900 + int(p["Id"]))
        r[col["Requester external id"]] = ""
        r[col["Requester domain"]] = ""
        r[col["Submitter"]] = p["Requester"]
        for k, v in p.items():
            if k != "dup":
                r[col[k]] = v
        rows.append(r + [p["dup"]])
    _write("zendesk_planted.csv", rows)


def qualtrics() -> None:
    header, body = _rows(SAMPLE / "qualtrics_survey.csv", 3)
    col = {c: i for i, c in enumerate(header[0])}
    header = [h + [x] for h, x in zip(header, ["Login", "Login", '{"ImportId":"Login"}'])]
    plants = [
        ("Berg", "Emma", "emma.berg@example.net", "emma.berg@example.net", "freja.holm@example.com",
         "Hej Anna, thanks! Call me on +46 70 123 45 67 or mail emma.berg@example.net. Regards, Emma Berg"),
        ("Nes", "Olav", "", "Olav.Nes@Example.NO", "lars.dahl@example.com", "Olav here: the agent was great"),
        ("Kim", "Noah", "noah.kim@example.org", "noah.kim@example.org", "noah.kim@example.org",
         "Dear Sara, (555) 123-4567 is my work line"),
        ("Durand", "Zoë", "zoe.durand@example.fr", "C-4711", "zoe.durand@example.fr", "Zoë is happy with it"),
        ("Vd", "Pieter", "pieter.vd@example.nl", "pieter.vd@example.nl", "", "Здравствуйте, Анна! +7 (495) 123-45-67"),
    ]
    rows = list(header)
    finished = [r for r in body if r[col["Finished"]] == "True" and r[col["Status"]] == "IP Address"]
    for i, (last, first, mail, ext, contact, text) in enumerate(plants):
        r = list(finished[i])
        r[col["RecipientLastName"]], r[col["RecipientFirstName"]] = last, first
        r[col["RecipientEmail"]], r[col["ExternalReference"]] = mail, ext
        r[col["Q7"]] = text
        rows.append(r + [contact])
    _write("qualtrics_planted.csv", rows)


def telco() -> None:
    header = ["Customer ID", "Email", "Phone", "Country", "State", "City", "Zip Code", "Lat Long", "Latitude",
              "Longitude", "Gender", "Phone Service", "Multiple Lines", "Internet Service", "CityTier",
              "NumberOfAddress", "Number of Dependents", "Tenure in Months", "Satisfaction Score", "Churn Label",
              "Churn Value", "Churn Category", "Churn Reason"]
    rows = [header,
            ["0001-PLANT", "lars.dahl@example.com", "+45 12 34 56 78", "Denmark", "Hovedstaden", "Testrup", "2100",
             "55.7, 12.5", "55.7", "12.5", "Male", "Yes", "No", "Fiber Optic", "1", "3", "0", "12", "2", "Yes", "1",
             "Competitor", "Moved; new contact lars.dahl@example.com"],
            ["0002-PLANT", "freja.holm@example.com", "070-123 45 67", "Sweden", "Skåne", "Provby", "21119",
             "55.6, 13.0", "55.6", "13.0", "Female", "No", "No phone service", "DSL", "3", "1", "2", "40", "4", "No",
             "0", "", ""],
            ["0003-PLANT", "noah.kim@example.org", "(555) 123-4567", "United States", "California", "Testville",
             "90001", "34.0, -118.0", "34.0", "-118.0", "Male", "Yes", "Yes", "No", "2", "9", "1", "3", "1", "Yes",
             "1", "Dissatisfaction", "Call +7 (495) 123-45-67, ask for Noah; wants refund"],
            ]
    _write("telco_planted.csv", rows)


def orders() -> None:
    rows = [["Order ID", "Customer ID", "Email", "Order Date", "Amount", "Currency", "Notes"],
            ["5001", "C-1", "freja.holm@example.com", "2024-03-05", "199.95", "DKK", "Leave at door"],
            ["5002", "C-2", "lars.dahl@example.com", "2024-03-06", "49.00", "DKK", "Ring 22334455 on arrival"],
            ["5003", "zoe.durand@example.fr", "", "2024-03-07", "12.50", "EUR", "Gift for Zoë"],
            ["5004", "C-4", "noah.kim@example.org", "2024-03-08", "80.00", "USD", "call (555) 123-4567"],
            ["5005", "C-5", "pieter.vd@example.nl", "2024-03-09", "15.00", "EUR", ""]]
    _write("orders_planted.csv", rows)


if __name__ == "__main__":
    zendesk()
    qualtrics()
    telco()
    orders()
