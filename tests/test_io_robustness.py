"""Malformed and awkward files: every reader answers with ExportError, never a parser traceback."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csanalysis.errors import CsanalysisWarning, ExportError
from csanalysis.io import load_report, read_tickets
from csanalysis.io._dates import parse_timestamps
from csanalysis.io._numbers import parse_duration_minutes, parse_numbers
from csanalysis.io._text import read_raw, sniff_delimiter
from csanalysis.privacy import email_key, is_personal_column

HEADER = "Id,Requester id,Requester email,Via,Created at,Status"
ROW = "{i},{i},person{i}@example.com,Mail,2024-01-0{d} 10:00,Open"


def _write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("name,data,match", [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n  \n", "empty"),
    ("report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "PDF"),
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG"),
    ("photo.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200), "JPEG"),
    ("old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "xls"),
])
def test_not_a_table_is_refused(tmp_path, name, data, match):
    p = _write(tmp_path, name, data)
    with pytest.raises(ExportError, match=match) as exc:
        read_tickets(p)
    assert str(p) in str(exc.value)


def test_binary_garbage_is_refused(tmp_path):
    rng = np.random.default_rng(1)
    p = _write(tmp_path, "garbage.csv", rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(ExportError, match="binary|not text|NUL"):
        read_tickets(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        read_tickets(tmp_path / "nope.csv")
    with pytest.raises(ExportError, match="folder"):
        read_tickets(tmp_path)


def test_header_only_file_loads_nothing_with_a_warning(tmp_path):
    p = _write(tmp_path, "h.csv", (HEADER + "\n").encode())
    with pytest.warns(CsanalysisWarning, match="no rows loaded"):
        t = read_tickets(p)
    assert len(t) == 0 and list(t.columns[:3]) == ["ticket_id", "customer_id", "email_key"]
    assert load_report(t).rows_read == 0


def test_truncated_file_keeps_complete_rows_and_rejects_the_cut_one(tmp_path):
    body = HEADER + "\n" + "\n".join(ROW.format(i=i, d=i) for i in range(1, 4))
    body += '\n4,4,x@example.com,Mail,"2024-01-04 10:'  # cut inside a quoted value
    p = _write(tmp_path, "cut.csv", body.encode())
    t = read_tickets(p)
    rep = load_report(t)
    assert len(t) == 3 and rep.rows_rejected == 1 and rep.rows_read == 4
    assert "truncated" in rep.rejected["reason"].iloc[0]


def test_truncated_row_without_quotes_is_rejected(tmp_path):
    body = HEADER + "\n" + ROW.format(i=1, d=1) + "\n2,2,y@example.com,Mail"
    t = read_tickets(_write(tmp_path, "short.csv", body.encode()))
    rep = load_report(t)
    assert len(t) == 1 and rep.rows_rejected == 1
    assert rep.rejected["row"].tolist() == [3]


def test_row_with_extra_fields_is_rejected_not_lost(tmp_path):
    body = HEADER + "\n" + ROW.format(i=1, d=1) + "\n2,2,z@example.com,Mail,2024-01-02 10:00,Open,EXTRA\n" + ROW.format(i=3, d=3)
    t = read_tickets(_write(tmp_path, "extra.csv", body.encode()))
    rep = load_report(t)
    assert len(t) == 2 and rep.rows_rejected == 1 and rep.rows_read == 3
    assert "fields" in rep.rejected["reason"].iloc[0]


def test_rejected_rows_do_not_carry_personal_values(tmp_path):
    body = HEADER + "\n" + ROW.format(i=1, d=1) + "\n2,2,secret.person@example.com,Mail,never,Open\n"
    t = read_tickets(_write(tmp_path, "r.csv", body.encode()))
    rej = load_report(t).rejected
    assert len(rej) == 1
    assert not rej.astype("str").apply(lambda c: c.str.contains("secret.person")).any().any()
    assert "secret.person" not in str(load_report(t))


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""),
                                          ("utf-16", b""), ("cp1251", b"")])
def test_encodings(tmp_path, encoding, bom):
    text = "Id,Requester id,Via,Created at,Status,Subject\r\n1,1,Mail,2024-01-01 10:00,Open,{}\r\n"
    word = "Привет мир" if encoding == "cp1251" else "Æble på Straße"
    p = _write(tmp_path, "e.csv", bom + text.format(word).encode(encoding))
    t = read_tickets(p)
    assert t["subject"].iloc[0] == word
    assert load_report(t).encoding.replace("-sig", "") in (encoding, "utf-8")


def test_utf16_without_bom(tmp_path):
    text = "Id\tRequester id\tVia\tCreated at\n1\t1\tMail\t2024-01-01 10:00\n"
    t = read_tickets(_write(tmp_path, "u.txt", text.encode("utf-16-le")))
    assert len(t) == 1 and "utf-16" in load_report(t).encoding


def test_mixed_encodings_are_decoded_line_by_line_and_reported(tmp_path):
    lines = ["Id,Requester id,Via,Created at,Subject", "1,1,Mail,2024-01-01 10:00,Grüße aus Köln",
             "2,2,Mail,2024-01-02 10:00,Smørrebrød"]
    data = (lines[0] + "\n" + lines[1] + "\n").encode("utf-8") + (lines[2] + "\n").encode("cp1252")
    t = read_tickets(_write(tmp_path, "m.csv", data))
    assert t["subject"].tolist() == ["Grüße aus Köln", "Smørrebrød"]
    assert any("mixed encodings" in n for n in load_report(t).notes)


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters(tmp_path, sep):
    text = sep.join(["Id", "Requester id", "Via", "Created at"]) + "\n" + sep.join(["1", "1", "Mail", "2024-01-01 10:00"]) + "\n"
    t = read_tickets(_write(tmp_path, "d.csv", text.encode()))
    assert len(t) == 1 and load_report(t).delimiter == sep


def test_sniffer_respects_quotes():
    assert sniff_delimiter('a,b,c\n"x;y;z",2,3\n"p;q",5,6\n') == ","


def test_zip_with_one_export(tmp_path):
    import zipfile

    p = tmp_path / "export_2024_01_01_abc_1.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("export.csv", HEADER + "\n" + ROW.format(i=1, d=1) + "\n")
    assert len(read_tickets(p)) == 1


def test_xlsx_export(tmp_path):
    df = pd.DataFrame({"Id": ["1", "2"], "Requester id": ["7", "8"], "Via": ["Mail", "Chat"],
                       "Created at": ["2024-01-01 10:00:00", "2024-01-02 10:00:00"]})
    p = tmp_path / "t.xlsx"
    df.to_excel(p, index=False)
    t = read_tickets(p)
    assert t["channel"].tolist() == ["email", "chat"] and load_report(t).encoding == "xlsx"


# -- the building blocks ---------------------------------------------------------------------------

def test_decimal_commas_and_thousands():
    x, bad, mark = parse_numbers(pd.Series(["1.234,50", "12,5", "-3,25", "2 500,00", "twelve"]))
    assert mark == "," and x.tolist()[:4] == [1234.5, 12.5, -3.25, 2500.0] and bad.tolist() == [False] * 4 + [True]
    x, bad, mark = parse_numbers(pd.Series(["1,234.50", "12.5"]))
    assert mark == "." and x.tolist() == [1234.5, 12.5]


def test_durations_beyond_a_day():
    m, bad = parse_duration_minutes(pd.Series(["64:00:00", "0:05", "90"]))
    assert m.tolist() == [3840.0, 5.0, 90.0] and not bad.any()


def test_dates_offsets_and_zones():
    p = parse_timestamps(pd.Series(["2024-03-05 14:03:22 +0100", "2024-03-05T13:03:22Z"]), column="x")
    assert p.values.nunique() == 1
    p = parse_timestamps(pd.Series(["2026/09/27 3:00:00 PM GMT+3"]), column="x")
    assert p.values.iloc[0] == pd.Timestamp("2026-09-27 12:00", tz="UTC")
    p = parse_timestamps(pd.Series(["2024-07-01 12:00"]), column="x", timezone="Europe/Copenhagen")
    assert p.values.iloc[0] == pd.Timestamp("2024-07-01 10:00", tz="UTC")


def test_contradictory_dates_are_an_error():
    with pytest.raises(ExportError, match="neither all day-first nor all month-first"):
        parse_timestamps(pd.Series(["13/01/2024", "01/13/2024"]), column="Created")
    with pytest.raises(ExportError, match="dayfirst=False was given"):
        parse_timestamps(pd.Series(["13/01/2024"]), column="Created", dayfirst=False)


def test_email_key_is_fast_and_vectorised():
    # correctness at volume (speed itself is measured in benchmarks/, not here)
    s = pd.Series([f"user{i}@example.com" for i in range(200_000)])
    k = email_key(s, key="x")
    assert k.nunique() == len(s) and k.str.len().eq(19).all()


def test_personal_columns():
    personal = ["Requester email", "E-mailadresse", "Full name", "Billing Name", "IPAddress", "IP Address",
                "LocationLatitude", "Work phone", "Телефон", "RecipientLastName", "Billing Street", "Billing Zip"]
    other = ["Status", "Group", "Via", "Created at", "Satisfaction Score", "Tags", "Currency", "Total"]
    assert all(is_personal_column(c) for c in personal)
    assert not any(is_personal_column(c) for c in other)


def test_read_raw_row_numbers_count_the_header(tmp_path):
    p = _write(tmp_path, "r.csv", b"a,b\n1,2\n\n3,4\n")
    raw = read_raw(p)
    assert raw.row_numbers.tolist()[:3] == [1, 2, 3]


def test_no_stray_warnings_on_clean_file(data_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_tickets(data_dir / "tickets" / "zendesk_export.csv", timezone="Europe/Copenhagen")


def test_trailing_delimiter_on_data_rows_only(tmp_path):
    # Qualtrics and Excel write a trailing comma on data rows that the header lacks
    body = HEADER + "\n" + ",\n".join(ROW.format(i=i, d=i) for i in range(1, 4)) + ",\n"
    t = read_tickets(_write(tmp_path, "trail.csv", body.encode()))
    assert len(t) == 3 and load_report(t).rows_rejected == 0


def test_iso_dates_with_gmt_offset_words():
    p = parse_timestamps(pd.Series(["2026-09-08 14:03:21 GMT+3"]), column="x")
    assert p.values.iloc[0] == pd.Timestamp("2026-09-08 11:03:21", tz="UTC")


def test_ambiguous_dates_error_has_a_code():
    with pytest.raises(ExportError) as exc:
        parse_timestamps(pd.Series(["03/04/2024"]), column="x")
    assert exc.value.kind == "ambiguous_dates"


def test_every_reader_says_where_the_email_key_comes_from(data_dir, monkeypatch):
    from csanalysis import read_activity, read_customers, read_survey

    monkeypatch.delenv("CSANALYSIS_KEY", raising=False)
    t = read_tickets(data_dir / "tickets" / "zendesk_export.csv")
    notes = " ".join(load_report(t).notes)
    # no CSANALYSIS_KEY: the per-user secret (here in the test suite's temporary config folder), not a random one
    assert "key: user secret" in notes and "csanalysis" in notes and "CSANALYSIS_KEY" in notes
    from csanalysis.datasets import sample_path

    for reader, name in ((read_survey, "qualtrics_survey.csv"), (read_activity, "shopify_orders.csv"),
                         (read_customers, "customer_snapshot.csv")):
        rep = load_report(reader(sample_path(name), key="k"))
        assert any("pseudonymised as email_key (key: argument)" in n for n in rep.notes), name


def test_a_wrong_argument_is_a_type_error_not_a_damaged_file():
    """A misspelt keyword is the caller's mistake: Python's TypeError, never 'a damaged file'."""
    import csanalysis as cs
    from csanalysis.datasets import sample_path

    for reader, name in [(cs.read_tickets, "zendesk_tickets.csv"), (cs.read_survey, "qualtrics_survey.csv"),
                         (cs.read_activity, "shopify_orders.csv"), (cs.read_customers, "customer_snapshot.csv")]:
        with pytest.raises(TypeError, match="unexpected keyword argument 'secrett'"):
            reader(sample_path(name), secrett="x")


def test_space_runs_counts_what_python_s_counts():
    # the readers count runs of white space with pyarrow (io._common.space_runs); pandas would count r"\s+" per
    # value in Python, since RE2's \s is narrower: the counts must be Python's, on every white-space character
    import re as _re

    from csanalysis.io._common import space_runs

    spaces = [chr(i) for i in range(0x3001) if chr(i).isspace()] + ["\u200b", "\ufeff", "_"]
    rng = np.random.default_rng(11)
    pieces = np.array(spaces + ["a", "bc", "ø", "7", ",", "Ω"], dtype=object)
    values = ["".join(rng.choice(pieces, int(rng.integers(0, 8)))) for _ in range(5_000)]
    got = space_runs(pd.Series(values + [None], dtype="str"))
    want = [len(_re.findall(r"\s+", v)) for v in values]
    assert got[:-1].tolist() == want and np.isinf(got[-1])
