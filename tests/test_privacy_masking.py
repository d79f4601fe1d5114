"""Personal data (issue 11, item 9): columns classified precisely, personal data masked everywhere it can leak.

Fixtures (tests/data/privacy/, invented people only; ``make_fixtures.py`` and ``make_labelled.py`` rebuild them):
real-format exports with e-mail addresses, phone numbers and names planted in every text column, and a
labelled set of texts with the planted personal spans marked, on which the masking's recall and its
false-positive rate on clean texts are measured.
"""

from __future__ import annotations

import json
import os
import re
import stat
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis import privacy
from csanalysis.errors import CsanalysisError, ExportError
from csanalysis.io.report import LoadReport
from csanalysis.privacy import (
    Names,
    classify_column,
    email_key,
    is_personal_column,
    mask_counts,
    mask_text,
)

HERE = Path(__file__).parent / "data" / "privacy"
SAMPLE = Path(cs.datasets.sample_path("zendesk_tickets.csv")).parent
PLANTED = ["anna.berg@example.com", "jörg.müller@exämple.de", "kontakt@berg-consulting.example",
           "jorg.muller@example.org", "sara.lund@example.se", "иван@пример.рф", "mette@example.dk",
           "emma.berg@example.net", "Olav.Nes@Example.NO", "freja.holm@example.com", "lars.dahl@example.com",
           "noah.kim@example.org", "zoe.durand@example.fr", "pieter.vd@example.nl"]
PHONES = ["+45 12 34 56 78", "0171 1234567", "22334455", "+46 70 123 45 67", "(555) 123-4567", "+7 (495) 123-45-67",
          "070-123 45 67"]

#: floors of the masking's recall on tests/data/privacy/labelled.csv, and the ceiling of its false-positive rate
#: on the clean texts there (measured: e-mails 0.985, phones 0.98, greeting names 0.98, listed names 1.0;
#: false positives 0 of 202; the misses are the documented limits: "anna at example dot com", bare digit
#: runs without a phone word, lower-case names after a greeting)
FLOORS = {"email": 0.95, "phone": 0.95, "greeting": 0.80, "listed": 0.95}
MAX_FALSE_POSITIVES = 0.02


def _texts(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def _cells(df: pd.DataFrame) -> str:
    return "\n".join(df.astype("object").where(df.notna(), "").astype(str).to_numpy().ravel().tolist())


def _leaks(text: str, emails=PLANTED, phones=PHONES) -> list[str]:
    low = text.casefold()
    found = [e for e in emails if e.casefold() in low]
    digits = re.sub(r"\D", "", text)
    found += [p for p in phones if re.sub(r"\D", "", p) in digits]
    return found


def _report_text(rep: LoadReport) -> str:
    return "\n".join([_texts(rep.to_dict()), str(rep), _cells(rep.rejected), _cells(rep.summary()),
                      "\n".join(rep.notes)])


def test_email_key_of_a_column_is_each_values_own_key():
    # keys are hashed once per distinct value: every row must still get the key of its own value
    s = pd.Series(["a@x.org", "B@x.org ", "", None, "a@x.org", "no address", "b@x.org", "  "], dtype="str",
                  index=[5, 3, 9, 1, 0, 2, 4, 8])
    got = email_key(s, key="k")
    one_by_one = pd.concat([email_key(s.iloc[[i]], key="k") for i in range(len(s))])
    pd.testing.assert_series_equal(got, one_by_one)
    assert got.isna().tolist() == [False, False, True, True, False, True, False, True]
    assert got[5] == got[0] and got[3] == got[4] and got[5] != got[3]


# ----------------------------------------------------------------------------- classification
@pytest.mark.parametrize("column", [
    "Phone Service", "PhoneService", "Multiple Lines", "CityTier", "City_Tier", "City Category", "NumberOfAddress",
    "Number of Addresses", "Address Type", "Email Opt-in", "Emails Sent", "Email Address Verified",
    "Mobile App Usage", "Avg Monthly Long Distance Charges", "Product name", "Company name", "Lineitem name",
    "Card_Category", "Requester wait time in minutes", "Produktnavn", "Satisfaction Score", "Status", "Tags",
    "Country", "State", "Tenure in Months"])
def test_attributes_are_not_personal(column):
    assert classify_column(column) is None, column
    assert not is_personal_column(column)


@pytest.mark.parametrize("column,kind", [
    ("Requester email", "email"), ("E-mailadresse", "email"), ("Full name", "name"), ("Billing Name", "name"),
    ("RecipientLastName", "name"), ("Surname", "name"), ("Navn", "name"), ("Фамилия", "name"),
    ("Work phone", "phone"), ("Телефон", "phone"), ("Mobile", "phone"), ("Billing Street", "address"),
    ("Billing Address1", "address"), ("Billing Zip", "postcode"), ("Zip Code", "postcode"), ("City", "city"),
    ("Billing City", "city"), ("IPAddress", "ip"), ("LocationLatitude", "location"), ("Lat Long", "location"),
    ("Requester", "person"), ("Requester (2)", "person"), ("Billing Name (2)", "name"),
    ("Date of Birth", "identity"), ("Card Number", "card")])
def test_personal_columns_by_header(column, kind):
    assert classify_column(column) == kind


def test_columns_by_content():
    # no word in the header, but the values are addresses / phone numbers
    assert classify_column("Login", pd.Series(["anna@example.com", "bo@example.org", "", None])) == "email"
    assert classify_column("Kontakt", pd.Series(["+45 12 34 56 78", "(555) 123-4567", "22 33 44 55"])) == "phone"
    assert classify_column("Created", pd.Series(["2024-03-05", "05.03.2024 14:03", "12/31/2023"])) is None
    assert classify_column("Order", pd.Series(["10023", "10024", "SO-12345"])) is None
    # a personal-looking header over yes/no flags, small counts or a checkbox's own label: an attribute
    assert classify_column("Mobile", pd.Series(["Yes", "No", "Yes"])) is None
    assert classify_column("Phone", pd.Series(["0", "1", "1"])) is None
    assert classify_column("Which channels did you use? - Email", pd.Series(["Email", "", "Email"])) is None
    # ... but postcodes and coordinates stay personal whatever they look like
    assert classify_column("Zip", pd.Series(["12", "99"])) == "postcode"


# ----------------------------------------------------------------------------- mask_text
def test_mask_text_keeps_type_index_and_missing_values():
    s = pd.Series(["mail jörg.müller@exämple.de", None, "order 10023"], index=[5, 7, 9], name="subject", dtype="str")
    out = mask_text(s)
    assert out.index.tolist() == [5, 7, 9] and out.name == "subject" and out.dtype == s.dtype
    assert out.iloc[0] == "mail [email]" and pd.isna(out.iloc[1]) and out.iloc[2] == "order 10023"
    obj = pd.Series(["call +45 12 34 56 78", np.nan, 3], dtype="object")
    assert mask_text(obj).tolist()[0] == "call [phone]" and mask_text(obj).tolist()[2] == 3
    assert mask_text("Hej Anna, ring 22 33 44 55") == "Hej [name], ring [phone]"
    assert mask_text(["a@example.com", "b"]) == ["[email]", "b"]
    assert mask_text(None) is None
    df = pd.DataFrame({"a": ["x anna@example.com", "y"], "n": [1, 2], "b": ["Dear Mr. Smith", "ok"]})
    out, counts = mask_counts(df)
    assert out["a"].tolist() == ["x [email]", "y"] and out["b"].tolist() == ["Dear Mr. [name]", "ok"]
    assert out["n"].tolist() == [1, 2] and counts["a"]["emails"] == 1 and counts["b"]["names"] == 1


def test_a_dataframes_columns_masked_in_groups_equal_masked_together(monkeypatch):
    """Wide tables are masked a few columns at a time (memory); the result and the counts are the same."""
    rng = np.random.default_rng(3)
    pool = np.array(["x anna@example.com", "call +45 12 34 56 78", "Dear Mr. Smith", "ok", "order 10023", None],
                    dtype=object)
    df = pd.DataFrame({f"c{i}": pd.Series(pool[rng.integers(0, len(pool), 50)], dtype="str") for i in range(7)})
    df["n"] = np.arange(50)
    df["clean"] = pd.Series(["fine"] * 50, dtype="str")
    together, counts = mask_counts(df, names=["Smith"])
    monkeypatch.setattr(privacy, "_MASK_CELLS", 120)  # two columns of 50 rows per group
    grouped, counts_g = mask_counts(df, names=["Smith"])
    pd.testing.assert_frame_equal(grouped, together)
    assert counts_g == counts and any(v["emails"] for v in counts.values())
    assert grouped["clean"] is df["clean"] or grouped["clean"].equals(df["clean"])
    untouched = df[["n", "clean"]]
    assert mask_counts(untouched)[0] is untouched  # nothing to mask: the same object back


@pytest.mark.parametrize("address", ["jörg.müller@exämple.de", "иван@пример.рф", "ÅSA+ORDERS@EXEMPEL.SE",
                                     "anna.o'neill@example.ie", "x_y-z.9@mail.example.co.uk", "anna%40example.com",
                                     "anna [at] example [dot] com", "lars(at)eksempel.dk"])
def test_internationalised_and_obfuscated_addresses(address):
    assert mask_text(f"write to <{address}> now") == "write to <[email]> now"


def test_names_listed_by_the_export_are_masked_as_whole_words():
    names = Names(["Anna Berg", "jörg müller", "Anne-Marie O'Neill", None, "anna.berg@example.com"])
    assert {"Anna", "Berg", "Jörg", "Müller", "Anne", "Marie", "Neill"} <= names.tokens
    assert "Example" not in names.tokens  # e-mail addresses in a name column are no names
    out = mask_text("Berg called; Jörg's parcel; Anne-Marie O'Neill; Bergen is a city; anna", names=names)
    assert out == "[name] called; [name]'s parcel; [name]-[name] O'[name]; Bergen is a city; anna"


def test_names_from_values_without_two_letters_in_a_row_are_none():
    n = Names(["#1001", "12 34", "A B", "J. K.", "Anna", "ab@c.de", "x y@zz.com Bo"])
    assert n.tokens == {"Anna", "Bo"}
    assert not Names(["#1001", "A.B.", "", None])


def test_names_listed_from_only_the_values_holding_words_are_the_same():
    # Frame.listed_names collects only the values that can list a word (Names.holding_words): the words equal
    # those of every value, on random values of letters, digits, separators, e-mail addresses and other scripts
    rng = np.random.default_rng(31)
    pieces = np.array(["Anna", "berg", "Jörg", "Ли", "Ян", "ǅ", "Ø", "a", "B", "#", "1001", "12", "-", " ", ".",
                       "'", "@", "x@yy.dk", "ab@cd.com", "ñ", "ß", "\u00a0", "SHOP", "_"], dtype=object)
    values = ["".join(rng.choice(pieces, int(rng.integers(0, 5)))) for _ in range(20_000)]
    for s in (pd.Series(values + [None], dtype="str"), pd.Series(values + [None, 7, 2.5], dtype=object)):
        kept = Names.holding_words(s)
        assert 1000 < len(kept) < len(s) - 1000
        assert Names(kept).tokens == Names(s).tokens
        assert len(Names(s).tokens) > 20
    order_numbers = pd.Series([f"#{i}" for i in range(1000)] + ["Anna Berg"], dtype="str")
    assert Names.holding_words(order_numbers).tolist() == ["Anna Berg"]


def test_listed_names_masked_the_same_whatever_the_two_letter_prefilter_leaves_out():
    # Names.mask looks only at values with two letters in a row (a listed word has two or more): on random text
    # of listed words, other words, digits, separators and letters of other scripts, its result equals the
    # split-and-look-up of every value (the values without two letters in a row are returned as they are)
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(23)
    names = Names(["Anna Berg", "jörg müller", "Ωmega Σigma", "Ли Ян", "de Vries", "Ø Å", "ǆemal Ǆuric"])
    pieces = np.array(["Anna", "Berg", "Jörg", "müller", "Ян", "Ли", "Vries", "De", "Ø", "Å", "Ǆemal", "Ωmega",
                       "a", "B", "7", "12", "2024-03-05", "#1001", " ", "  ", "-", "'", "’", "/", "_", ",", ".",
                       "x1", "ñ", "ß", "\u00a0", "Bergen", "anna"], dtype=object)
    values = ["".join(rng.choice(pieces, int(rng.integers(0, 6)))) for _ in range(20_000)] + ["", "Anna"]
    arr = pa.array(values + [None], type=pa.string())
    got = names.mask(arr)
    # the reference: every value split and looked up (the code before the prefilter)
    a = arr
    for ch in "-'’/\\_":
        a = pc.replace_substring(a, ch, " ")
    words = pc.utf8_split_whitespace(a)
    trimmed = pc.utf8_trim(words.values, privacy._TRIM)
    hit = pc.unique(pc.filter(pc.list_parent_indices(words), pc.is_in(trimmed, value_set=names._set)))
    some = np.zeros(len(arr), dtype=bool)
    some[hit.to_numpy()] = True
    assert 1000 < some.sum() < len(arr) - 1000
    no_two = ~pc.fill_null(pc.match_substring_regex(arr, privacy._TWO_LETTERS), False).to_numpy(zero_copy_only=False)
    assert no_two.sum() > 1000 and not (some & no_two).any()
    changed = np.array([x != y for x, y in zip(got.to_pylist(), arr.to_pylist())])
    assert (changed == some).all()
    assert all("[name]" in v for v in np.array(got.to_pylist(), dtype=object)[changed])


def test_greetings_in_several_languages():
    cases = {
        "Hi Anna, my order": "Hi [name], my order", "Hej Anna!": "Hej [name]!", "Hallo Jörg,": "Hallo [name],",
        "Dear Mr. Smith,": "Dear Mr. [name],", "Sehr geehrte Frau Dr. Müller": "Sehr geehrte Frau Dr. [name]",
        "Здравствуйте, Анна!": "Здравствуйте, [name]!", "Добрый день, Иван Петрович.": "Добрый день, [name].",
        "Best regards,\nAnna Berg": "Best regards,\n[name]", "Med venlig hilsen\nSøren": "Med venlig hilsen\n[name]",
        # no name after the greeting: nothing to mask
        "Hi there, my order": "Hi there, my order", "Dear Sir or Madam": "Dear Sir or Madam",
        "Hallo zusammen": "Hallo zusammen", "Hello World!": "Hello World!", "Здравствуйте! Подскажите": "Здравствуйте! Подскажите",
    }
    for text, want in cases.items():
        assert mask_text(text) == want, text


def test_dates_times_amounts_and_ids_are_left_alone():
    clean = ["Refund for order #10023 of 1.234,50 kr on 05.03.2024 14:03", "ETA 2024-03-05T10:00:00Z",
             "Invoice INV-2024-000123", "Bank transfer ref 2024-03-000987", "Tracking 00340434161234567890",
             "Total 12 345 678 DKK", "Order dates 03-05-2024 and 12/31/2023", "14:03 10008", "v10.2.3 build 20240305"]
    assert mask_text(clean) == clean


def test_iso_timestamps_skipped_by_the_phone_rules_are_ones_they_leave_alone():
    # the phone rules skip whole ISO timestamps (privacy._ISO_TIMESTAMP) because they protect them anyway: checked
    # here on random valid ones of every form the pattern takes, through the rules themselves
    import pyarrow as pa

    rng = np.random.default_rng(13)
    n = 20_000
    two = lambda lo, hi: pd.Series(rng.integers(lo, hi + 1, n)).map("{:02d}".format)  # noqa: E731
    v = pd.Series(rng.integers(1900, 2100, n)).astype(str) + "-" + two(1, 12) + "-" + two(1, 31)
    form = rng.integers(0, 4, n)
    v = v.where(form < 1, v + pd.Series(rng.choice([" ", "T"], n)) + two(0, 23) + ":" + two(0, 59))
    v = v.where(form < 2, v + ":" + two(0, 59))
    v = v.where(form < 3, v + "." + pd.Series(rng.integers(0, 10**6, n)).astype(str))
    zone = pd.Series(rng.choice(["", "Z", " UTC", "+", " -"], n))
    sign = zone.str.contains("[+-]", regex=True)
    v = v + zone.where(~sign, zone + two(0, 23) + pd.Series(rng.choice(["", ":"], n)) + two(0, 59))
    assert v.str.fullmatch(privacy._ISO_TIMESTAMP.strip("^$")).all()
    arr = pa.array(v.tolist())
    assert privacy._mask_phones(arr).to_pylist() == v.tolist()
    # and a phone number beside a timestamp is still masked
    assert mask_text("2024-03-05 14:22 call +45 12 34 56 78") == "2024-03-05 14:22 call [phone]"


def test_plain_numbers_skipped_by_the_phone_rules_are_ones_they_leave_alone():
    # the phone rules skip whole runs of digits (privacy._PLAIN_NUMBER: order numbers, numeric ids): checked here
    # through the rules themselves on random ones of every length, with and without a leading '#'
    import pyarrow as pa

    rng = np.random.default_rng(17)
    n = 30_000
    length = rng.integers(1, 25, n)
    digits = rng.integers(0, 10, (n, 24)).astype(str)
    v = pd.Series(["".join(row[:k]) for row, k in zip(digits, length)])
    v = v.where(rng.random(n) < 0.5, "#" + v)
    v = pd.concat([v, pd.Series(["4512345678", "0045123456789", "5551234567", "#0012345678901"])], ignore_index=True)
    assert v.str.fullmatch(privacy._PLAIN_NUMBER.strip("^$")).all()
    assert privacy._mask_phones(pa.array(v.tolist())).to_pylist() == v.tolist()
    # the skip is whole-value only: digits with separators are still masked
    assert mask_text(["#12345678", "+4512345678", "12 34 56 78"]) == ["#12345678", "[phone]", "[phone]"]


def _labelled():
    d = pd.read_csv(HERE / "labelled.csv", keep_default_na=False)
    span = re.compile(r"\[\[(\w+):(.*?)\]\]", re.DOTALL)
    plain = d["text"].str.replace(span, lambda m: m.group(2), regex=True)
    names = Names([n for v in d["listed_names"] for n in v.split(";") if n])
    return d, span, plain, mask_text(plain, names=names)


def _recalled(kind: str, span: str, out: str) -> bool:
    if kind == "email":  # neither the address nor its local part survives
        local = re.split(r"@|%40|\s*[\[(]at[\])]\s*|\s+at\s+", span)[0]
        return span not in out and not (len(local) >= 3 and re.search(rf"(?<!\w){re.escape(local)}(?!\w)", out))
    if kind == "phone":  # none of its digits in a row
        return re.sub(r"\D", "", span) not in re.sub(r"\D", "", out)
    return not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", out) for w in re.findall(r"[^\W\d_]{2,}", span))


def test_recall_and_false_positives_on_the_labelled_set():
    d, span, plain, masked = _labelled()
    hits: dict[str, list[bool]] = {}
    for text, out in zip(d["text"], masked):
        for kind, value in span.findall(text):
            hits.setdefault(kind, []).append(_recalled(kind, value, out))
    recall = {k: float(np.mean(v)) for k, v in hits.items()}
    assert set(recall) == set(FLOORS) and all(len(v) >= 40 for v in hits.values())
    for kind, floor in FLOORS.items():
        assert recall[kind] >= floor, (kind, recall[kind])
    clean = (d["kind"] == "clean").to_numpy()
    assert clean.sum() >= 200
    false_positive = float((masked[clean] != plain[clean]).mean())
    assert false_positive <= MAX_FALSE_POSITIVES, false_positive


# ----------------------------------------------------------------------------- the readers
def test_zendesk_planted_everywhere():
    t = cs.read_tickets(HERE / "zendesk_planted.csv", key="k", timezone="Europe/Copenhagen")
    rep = cs.load_report(t)
    assert rep.rows_read == 8 and rep.rows_rejected == 1
    # the repeated Requester column follows the rule of the first; the export's names are masked in the text
    assert {"Requester", "Requester (2)"} <= set(rep.dropped_columns) and "requester_2" not in t.columns
    subject = t.set_index("ticket_id")["subject"]
    assert subject["2001"] == "Hi [name], write to [email] or call [phone]"
    assert subject["2002"] == "Chat with [name] [name]"  # the requester's name, listed by the export
    assert subject["2005"] == "Hej [name], tlf [phone]" and subject["2006"] == "Ответьте на [email]"
    assert subject["2003"] == "Refund for order #10023 of 1.234,50 kr on 05.03.2024 14:03"
    assert t.set_index("ticket_id").loc["2001", "tags"] == "vip [email] refund"
    # an unrecognised channel value quoted in a note: masked
    assert any("channel values not recognised" in n and "[email]" in n for n in rep.notes)
    # the rejected row keeps its non-personal values, masked
    assert rep.rejected["Group"].iloc[0] == "Escalations: ring [phone] or [email]"
    for text in (_cells(t), _report_text(rep)):
        assert _leaks(text) == []
        assert not re.search(r"(?<![\w\[])(Anna|Berg|Jörg|Müller|Åsa|Иван)(?!\w)", text)


def test_survey_external_reference_gets_the_email_key():
    s = cs.read_survey(HERE / "qualtrics_planted.csv", key="k")
    rep = cs.load_report(s)
    ek = email_key(pd.Series(["emma.berg@example.net", "Olav.Nes@Example.NO", "noah.kim@example.org"]), key="k")
    assert s["customer_id"].tolist()[:3] == ek.tolist() and s["customer_id"].iloc[3] == "C-4711"
    # linking still works: the pseudonym equals email_key, and fills it where the e-mail column is empty
    assert s["email_key"].tolist()[:3] == ek.tolist()
    tickets = cs.read_tickets(HERE / "zendesk_planted.csv", key="k", timezone="Europe/Copenhagen")
    assert ek.iloc[1] in set(tickets["email_key"])  # Olav.Nes@Example.NO wrote a ticket too
    assert {"Recipient Last Name", "Recipient First Name", "Login"} <= set(rep.dropped_columns)
    assert any("'Login' dropped: its values are e-mail addresses" in n for n in rep.notes)
    q7 = s["q7"].tolist()
    assert q7[0].startswith("Hej [name], thanks! Call me on [phone]") and q7[0].endswith("Regards, [name]")
    assert q7[1] == "[name] here: the agent was great" and q7[3] == "[name] is happy with it"
    assert q7[4] == "Здравствуйте, [name]! [phone]"
    for text in (_cells(s), _report_text(rep), _texts(s.attrs.get("questions", {}))):
        assert _leaks(text) == []


def test_customers_keep_service_tier_and_count_columns():
    c = cs.read_customers(HERE / "telco_planted.csv", key="k")
    rep = cs.load_report(c)
    assert {"phone_service", "multiple_lines", "citytier", "numberofaddress", "number_of_dependents"} <= set(c.columns)
    assert c["phone_service"].tolist() == ["Yes", "No", "Yes"] and c["citytier"].tolist() == [1.0, 3.0, 2.0]
    assert {"Phone", "City", "Zip Code", "Lat Long", "Latitude", "Longitude"} <= set(rep.dropped_columns)
    assert c["churn_reason"].tolist()[0] == "Moved; new contact [email]"
    assert c["churn_reason"].tolist()[2] == "Call [phone], ask for Noah; wants refund"
    assert _leaks(_cells(c)) == [] and _leaks(_report_text(rep)) == []
    e = cs.read_customers(Path(__file__).parent / "data" / "customers" / "ecommerce_churn.csv")
    assert {"citytier", "numberofaddress", "preferredlogindevice"} <= set(e.columns)
    assert not {"CityTier", "NumberOfAddress"} & set(cs.load_report(e).dropped_columns)


def test_activity_email_ids_are_pseudonymised_and_notes_masked():
    a = cs.read_activity(HERE / "orders_planted.csv", key="k")
    ek = email_key(pd.Series(["zoe.durand@example.fr"]), key="k").iloc[0]
    row = a.set_index("order_id").loc["5003"]
    assert row["customer_id"] == ek and row["email_key"] == ek
    assert a.set_index("order_id").loc["5002", "notes"] == "Ring [phone] on arrival"
    assert _leaks(_cells(a)) == [] and _leaks(_report_text(cs.load_report(a))) == []


def test_keep_pii_keeps_everything():
    t = cs.read_tickets(HERE / "zendesk_planted.csv", key="k", keep_pii=True, timezone="Europe/Copenhagen")
    assert "jörg.müller@exämple.de" in _cells(t) and "requester_2" in t.columns


# ----------------------------------------------------------------------------- notes, errors, the report's faces
def test_notes_and_errors_never_quote_personal_values():
    rep = LoadReport("/home/someone/exports/tickets.csv", "tickets")
    rep.note("channel values not recognised, counted as 'other': anna@example.com, +45 12 34 56 78")
    assert rep.notes == ["channel values not recognised, counted as 'other': [email], [phone]"]
    err = ExportError("t.csv", "cannot read 'jörg.müller@exämple.de' as a date", column="anna@example.com",
                      expected="a date, not 0171 1234567")
    assert _leaks(str(err)) == [] and _leaks(err.problem + err.expected + err.column) == []
    assert "[email]" in str(err) and "[phone]" in str(err)
    assert str(CsanalysisError("bad value 'anna@example.com'")) == "bad value '[email]'"
    with pytest.warns(cs.CsanalysisWarning, match=r"label \[email\] unmapped"):
        warnings.warn("label anna@example.com unmapped", cs.CsanalysisWarning, stacklevel=1)


def test_load_report_shows_the_file_name_only(tmp_path):
    src = tmp_path / "deep" / "folder"
    src.mkdir(parents=True)
    p = src / "export.csv"
    p.write_bytes((HERE / "orders_planted.csv").read_bytes())
    rep = cs.load_report(cs.read_activity(p, key="k"))
    assert rep.path == str(p) and rep.name == "export.csv"  # the library user keeps the path
    d = rep.to_dict()
    assert d["name"] == "export.csv" and "path" not in d
    assert str(tmp_path) not in _texts(d) + str(rep) + _cells(rep.summary())
    assert LoadReport(r"C:\Users\someone\export.csv", "tickets").name == "export.csv"


# ----------------------------------------------------------------------------- the per-user secret
@pytest.fixture()
def no_key(monkeypatch, tmp_path):
    monkeypatch.delenv("CSANALYSIS_KEY", raising=False)
    monkeypatch.setenv("CSANALYSIS_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "secret"


def test_default_secret_is_made_once_per_user(no_key):
    emails = pd.Series(["anna@example.com"])
    assert not no_key.exists()
    first = email_key(emails)
    assert no_key.exists() and privacy.secret_path() == no_key and privacy.key_source() == "user secret"
    if os.name == "posix":
        assert stat.S_IMODE(no_key.stat().st_mode) == 0o600
    content = no_key.read_bytes()
    assert email_key(emails).equals(first) and no_key.read_bytes() == content  # used, never rewritten
    note = privacy.email_key_note("Email")
    assert "key: user secret" in note and str(no_key.parent.name) in note
    assert "delete that file" in note and "CSANALYSIS_KEY" in note
    no_key.unlink()  # rotation: a new secret, new keys
    assert not email_key(emails).equals(first)


def test_the_environment_key_wins_and_xdg_is_honoured(no_key, monkeypatch, tmp_path):
    monkeypatch.setenv("CSANALYSIS_KEY", "monthly-secret")
    assert privacy.key_source() == "environment" and email_key(pd.Series(["a@example.com"])).equals(
        email_key(pd.Series(["a@example.com"]), key="monthly-secret"))
    assert not no_key.exists()
    monkeypatch.delenv("CSANALYSIS_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if os.name == "posix":
        assert privacy.secret_path() == tmp_path / "xdg" / "csanalysis" / "secret"


def test_no_writable_folder_falls_back_to_a_process_secret(no_key, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CSANALYSIS_CONFIG_DIR", str(blocker))
    assert privacy.key_source() == "random per process"
    note = privacy.email_key_note("Email")
    assert "could not be used" in note and "CSANALYSIS_KEY" in note


def test_readers_say_where_the_secret_lives(no_key):
    rep = cs.load_report(cs.read_activity(HERE / "orders_planted.csv"))
    note = next(n for n in rep.notes if "pseudonymised as email_key" in n)
    assert "key: user secret" in note and "secret" in note and "rotate" in note


# ----------------------------------------------------------------------------- end to end
def _plant(df: pd.DataFrame, tag: str, skip_rows: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """An e-mail address planted in the first data rows of every text column (not numbers, not dates)."""
    planted = []
    body = df.iloc[skip_rows:]
    for i, c in enumerate(df.columns):
        v = body[c].replace("", np.nan).dropna()
        if len(v) and (pd.to_numeric(v, errors="coerce").notna().mean() > 0.8
                       or pd.to_datetime(v, errors="coerce", format="mixed").notna().mean() > 0.8):
            continue
        address = f"planted.{tag}{i}@exämple.de" if i % 2 else f"planted.{tag}{i}@example.org"
        planted.append(address)
        for r in range(skip_rows, skip_rows + 3):
            cell = df.iat[r, i]
            df.iat[r, i] = address if not cell else f"{cell} {address}"
    return df, planted


def test_no_planted_email_reaches_results_json_or_load_reports(tmp_path):
    z = pd.read_csv(SAMPLE / "zendesk_tickets.csv", dtype=str, keep_default_na=False).head(150)
    q = pd.read_csv(SAMPLE / "qualtrics_survey.csv", dtype=str, keep_default_na=False, header=None).head(63)
    o = pd.read_csv(SAMPLE / "shopify_orders.csv", dtype=str, keep_default_na=False).head(400)
    c = pd.read_csv(SAMPLE / "customer_snapshot.csv", dtype=str, keep_default_na=False).head(100)
    planted = []
    for df, tag, skip in ((z, "z", 0), (q, "q", 3), (o, "o", 0), (c, "c", 0)):
        planted += _plant(df, tag, skip)[1]
    z.loc[5, "Via"] = "planted.via@example.org"  # an unrecognised channel value, quoted in a note
    z.loc[6, "Created at"] = "planted.date@example.org"  # a rejected row
    planted += ["planted.via@example.org", "planted.date@example.org"]
    z.to_csv(tmp_path / "tickets.csv", index=False)
    q.to_csv(tmp_path / "survey.csv", index=False, header=False)
    o.to_csv(tmp_path / "orders.csv", index=False)
    c.to_csv(tmp_path / "customers.csv", index=False)
    a = cs.analyse(tickets=tmp_path / "tickets.csv", survey=tmp_path / "survey.csv", activity=tmp_path / "orders.csv",
                   customers=tmp_path / "customers.csv", n_resamples=5, timezone="Europe/Copenhagen")
    reports = [r for reps in a.load_reports.values() for r in reps]
    assert sum(r.rows_rejected for r in reports) >= 1
    out = _texts(a.to_dict()) + "\n".join(_report_text(r) for r in reports)
    assert len(planted) >= 20
    leaked = [p for p in planted if p.casefold() in out.casefold() or p.split("@")[0] in out]
    assert leaked == []


def test_an_unrecognised_file_error_quotes_no_value_of_its_first_record(tmp_path):
    # found by the 10,000-file fuzz: a ticket export whose header row is missing made the first record
    # the header, and the error listed its cells (a requester's name among them)
    p = tmp_path / "no_header.csv"
    p.write_text("1003,Call,Waiting on Customer,Urgent,Ola Agent,Support,04/02/2025 09:00,Liv Vest,Acme Ltd\n"
                 "1004,Refund,Open,Low,Ola Agent,Support,05/02/2025 09:00,Per Syd,Acme Ltd\n")
    with pytest.raises(ExportError) as err:
        cs.read_tickets(p)
    msg = str(err.value)
    assert "not recognised as a ticket export" in msg
    for value in ("Liv Vest", "Ola Agent", "Acme", "1003"):
        assert value not in msg
    assert "header row is missing" in msg


def test_an_unrecognised_file_error_still_names_its_header(tmp_path):
    p = tmp_path / "other.csv"
    p.write_text("Ticket ID,Subject,Kundenavn\n1,Hello,Anna Jensen\n")
    with pytest.raises(ExportError) as err:
        cs.read_tickets(p)
    msg = str(err.value)
    assert "'Ticket ID', 'Subject'" in msg and "1 more not quoted" in msg and "Anna" not in msg


def test_order_and_customer_column_errors_quote_no_values(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("ch_001,Payment from Anna Example,2024-03-05 14:03,12.50,usd\n"
                 "ch_002,Payment from Bo Example,2024-03-06 14:03,13.50,usd\n")
    with pytest.raises(ExportError) as err:
        cs.read_activity(p)
    assert "Anna" not in str(err.value) and "ch_001" not in str(err.value)


def test_a_rejected_row_whose_values_slid_masks_the_names_in_it(tmp_path):
    # values shifted by one column (a lost cell): the requester's name sits in 'Requester id' of a row that
    # is rejected for its date, so the export's name column does not list it
    p = tmp_path / "slid.csv"
    p.write_text("Id,Requester,Requester id,Subject,Status,Via,Created at,Solved at\n"
                 "1,,Anna Jensen,Order missing,Solved,Mail,2023-04-08 20:52:00,1899-99-99\n"
                 "2,Bo Hansen,102,Refund,Solved,Mail,2023-04-09 20:52:00,2023-04-10 20:52:00\n")
    df = cs.read_tickets(p)
    rep = cs.io.load_report(df)
    assert rep.rows_read == 2 and rep.balanced
    cells = rep.rejected.drop(columns=["row", "reason"]).astype("str").to_numpy().ravel().tolist()
    assert not any("Anna" in c or "Jensen" in c for c in cells)
    assert "Solved" in cells and "1899-99-99" in cells  # values that are no names stay readable


def test_a_rejected_row_glued_by_a_stray_quote_withholds_the_glued_value(tmp_path):
    # found by the fuzz: a stray quote glues the rest of the record into one value; the names inside it
    # ('ann mate' in lower case reads like no name) sit where no name column says
    p = tmp_path / "glued.csv"
    p.write_text("Id,Requester,Requester id,Subject,Status,Via,Created at,Solved at\n"
                 '1,Bo Hansen,101,Refund,"Solved,Mail,2023-04-09 20:52:00,ann mate,see you"\n'
                 "2,Cy Berg,102,Refund,Solved,Mail,2023-04-09 20:52:00,2023-04-10 20:52:00\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = cs.read_tickets(p)
    rep = cs.io.load_report(df)
    assert rep.balanced and rep.rows_rejected >= 1
    cells = rep.rejected.drop(columns=["row", "reason"]).astype("str").to_numpy().ravel().tolist()
    assert not any("ann mate" in c or "Hansen" in c for c in cells)
    assert any("withheld" in n for n in rep.notes) and "101" in cells  # the other values stay readable


def test_name_like_cells_with_stray_quotes_tabs_and_masks_are_masked():
    # found by the fuzz: a broken quote leaves a name with a quote, a tab or a backslash around it
    got = privacy.mask_name_like(pd.DataFrame({"a": ['"\tUlla Kunde"', "Xena Kunde\\", "Ola Kunde [email]",
                                                     "Web", "10:00 AM"]}))["a"].tolist()
    assert got == ["[name]", "[name]", "[name]", "Web", "10:00 AM"]


@pytest.mark.parametrize("phones,greetings,listed", [(True, True, True), (True, False, False), (False, True, False),
                                                      (False, False, True)])
def test_mostly_distinct_columns_masked_from_the_rows_a_step_could_change(phones, greetings, listed):
    # _mask_positions masks a mostly distinct column only at the rows some step's prefilter finds
    # (privacy._rows_to_mask); the positions, new values and hits equal those of masking every distinct value
    import pyarrow as pa

    rng = np.random.default_rng(41 + 2 * phones + greetings)
    pieces = np.array(["Anna", "Berg", "hi", "Hej", "Dear", "Best regards,\n", "x@yy.dk", "a (at) b.dk", "%40",
                       "+45 20 30 40 50", "(555) 123-4567", "2024-03-05", "T", "10:00:00", "Z", "#", "1001",
                       "123456", " ", "-", ".", ",", "Ли", "ñ", "7"], dtype=object)
    # ids and timestamps, every fifth value random text
    values = [str(10_000_000 + i) for i in range(30_000)]
    values[::3] = [f"2024-0{1 + i % 9}-1{i % 10} 0{i % 10}:1{i % 6}:{10 + i % 50}" for i in range(len(values[::3]))]
    values[::5] = [f"{i}-" + "".join(rng.choice(pieces, int(rng.integers(0, 5)))) for i in range(len(values[::5]))]
    names = Names(["Anna Berg"]) if listed else None
    for s in (pd.Series(values + [None, ""], dtype="str"),
              pd.Series(pa.chunked_array([values[:9000], values[9000:]], type=pa.large_string()), dtype="str")):
        rows = privacy._rows_to_mask(s, names, phones=phones, greetings=greetings)
        assert rows is not None and 0 < len(rows) < len(s)
        got = privacy._mask_positions(s, names, phones=phones, greetings=greetings)
        want = privacy._mask_distinct(s, names, phones=phones, greetings=greetings)
        assert (got[0] == want[0]).all() and got[0].any()
        assert got[1].to_pylist() == want[1].to_pylist()
        assert got[2].keys() == want[2].keys()
        for k in want[2]:
            assert (got[2][k] == want[2][k]).all()
    repeated = pd.Series(["Anna x@yy.dk"] * 5000 + ["ok"] * 5000, dtype="str")
    assert privacy._rows_to_mask(repeated, names, phones=phones, greetings=greetings) is None
    free_text = pd.Series([f"Dear shop, order {i} x@yy.dk" for i in range(10_000)], dtype="str")
    assert privacy._rows_to_mask(free_text, names, phones=phones, greetings=greetings) is None
