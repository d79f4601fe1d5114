"""Fuzz the four readers with damaged copies of real exports, and count what goes wrong.

Every generated file starts from a real-format fixture (``tests/data``) and is
mutated the way real files get damaged: duplicated rows and columns, extra or
missing header rows, garbage and out-of-range dates, infinite and absurd
numbers, ragged rows, stray quotes, bare carriage returns, NUL bytes, blank
lines, truncation, Excel's ``sep=`` line, another delimiter, quoting or
encoding; JSON exports get non-object entries, garbage values and duplicates.
E-mail addresses ``planted.N@example.org`` are written into text cells.

For each file the reader's outcome is classified:

* **raised** -- an exception that is not the package's own
  (:class:`csanalysis.errors.CsanalysisError`), or the package's safety net
  (``ExportError(kind="internal")``) catching one: both are bugs;
* **accounting** -- a load report whose ``rows_read`` is not ``loaded +
  rejected + merged + excluded``, or whose ``rows_loaded`` is not the table's
  length;
* **lost** -- fewer records counted (``rows_read`` + header rows) than the
  file holds (a record swallowed by a broken neighbour);
* **leaked** -- a planted address found in the table (values, column names,
  ``attrs["questions"]``), its load report (notes, rejected rows) or an error
  message (counted per file, and by place);
* **named** -- a person's full name from the fixture's name columns
  (requester, contact, customer name ...) found in an error message, a load
  report note, a rejected row or a column name.
  Masking is :mod:`csanalysis.privacy`'s job; this script only measures it.

Usage::

    python benchmarks/fuzz_readers.py --n 500             # 500 files per reader
    python benchmarks/fuzz_readers.py --n 10000 --seed 1  # the issue's run (takes a while)
    python benchmarks/fuzz_readers.py --n 200 --readers tickets --show 5
    # the same 10,000 files in two parts (e.g. on two days), then added up
    python benchmarks/fuzz_readers.py --n 5000 --seed 1 --readers surveys --json a.json
    python benchmarks/fuzz_readers.py --n 5000 --first 5000 --seed 1 --readers surveys --json b.json
    python benchmarks/fuzz_readers.py --combine a.json b.json

``tests/test_io_fuzz.py`` drives the same mutations from hypothesis.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import random
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from csanalysis.errors import CsanalysisError  # noqa: E402
from csanalysis.io import load_report, read_activity, read_customers, read_survey, read_tickets  # noqa: E402
from csanalysis.io._text import FIXED_WIDTH, WHITESPACE, decode_text, sniff_layout  # noqa: E402

DATA = ROOT / "tests" / "data"
PLANTED = re.compile(r"planted\.\d+@example\.org", re.IGNORECASE)

READERS: dict[str, Callable] = {"tickets": read_tickets, "surveys": read_survey, "activity": read_activity,
                                "customers": read_customers}

#: Real-format seeds per reader: (path relative to tests/data, reader keyword arguments).
SEEDS: dict[str, list[tuple[str, dict]]] = {
    "tickets": [
        ("tickets/zendesk_export.csv", {"timezone": "Europe/Copenhagen"}),
        ("tickets/freshdesk_export.csv", {"timezone": "Europe/London"}),
        ("tickets/intercom_conversations.csv", {}),
        ("tickets/helpscout_conversations.csv", {}),
        ("tickets/jira_export.csv", {}),
        ("tickets/salesforce_cases_utf16.txt", {}),
        ("tickets/zendesk_excel_cp1252.csv", {}),
        ("tickets/zendesk_export.ndjson", {}),
        ("fixtures/zendesk/zendesk_api_client_rb_tickets.json", {}),
        ("layouts/zendesk_bad_cells.csv", {}),
    ],
    "surveys": [
        ("fixtures/qualtrics/qualtRics_BeskarArmor_export-responses_2025.csv", {}),
        ("fixtures/qualtrics/qualtRics_BeskarArmor_export-responses_subset_2025.csv", {"timezone": "Europe/Berlin"}),
        ("fixtures/qualtrics/qualtRics_sample.csv", {}),
        ("fixtures/qualtrics/qualtRics_sample_legacy.csv", {}),
        ("fixtures/european/codexjl_2020-08_responses_second.csv", {"dayfirst": True}),
        ("surveys/google_forms_en.csv", {}),
        ("surveys/google_forms_gmt3.csv", {}),
        ("surveys/typeform.csv", {}),
        ("surveys/surveymonkey_2row.csv", {}),
        ("surveys/qualtrics_numeric.csv", {}),
        ("surveys/danish_semicolon_cp1252.csv", {}),
        ("surveys/german_semicolon_utf8bom.csv", {}),
        ("surveys/russian_cp1251.csv", {}),
        ("surveys/swedish_utf16.txt", {}),
        ("layouts/google_forms_mdt.csv", {}),
        ("layouts/survey_one_header_numeric_ids.csv", {}),
    ],
    "activity": [
        ("activity/shopify_orders.csv", {}),
        ("activity/stripe_payments.csv", {}),
        ("activity/stripe_invoices.csv", {}),
        ("activity/online_retail.csv", {"dayfirst": False, "currency": "GBP"}),
        ("activity/danish_shop_cp1252.csv", {"timezone": "Europe/Copenhagen"}),
        ("activity/russian_shop_utf16.txt", {}),
        ("activity/custom_columns.csv", {"mapping": {"customer_id": "Buyer Ref", "at": "When", "amount": "Paid",
                                                     "currency": "Cur"}}),
        ("layouts/cdnow_master.txt", {}),
        ("layouts/cdnow_with_header.txt", {}),
        ("layouts/excel_sep_line.csv", {}),
        ("layouts/orders_amount_usd.csv", {}),
    ],
    "customers": [
        ("customers/ibm_telco.csv", {}),
        ("customers/bank_churn.csv", {}),
        ("customers/ecommerce_churn.csv", {}),
        ("customers/danish_crm.csv", {}),
        ("layouts/customers_bad_cells.csv", {}),
    ],
}

BAD_DATES = ["-1", "9999-12-31", "0202-03-05", "9999-12-31 23:59:59", "31/31/2024", "2024-13-45 25:61:00", "1e308",
             "0", "NaT", "yesterday", "00/00/0000", "2024-02-30", "1899-12-30", "12/25/2024 10:00 IST",
             "2024-01-01 10:00 XYZ", "2018/04/09 2:30:02 PM MDT", "19970101", "-99999999999999"]
BAD_NUMBERS = ["inf", "-inf", "Infinity", "NaN", "1e308", "-1e308", "1e400", "9" * 400, "-0", "1,5", "1.234,5",
               "１２", "(12)", "12 kr", "$-3", "", "n/a", "0x1F"]
NOISE = ["\u200b", "\ufeff", "\u00a0", "😀", "\u202e", "\\", "\t", ";", ",", "|"]


# --------------------------------------------------------------------------- choosers
class RandomChooser:
    """Choices from a seeded :class:`random.Random` (the script)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def boolean(self, p: float = 0.5) -> bool:
        return self.rng.random() < p


# --------------------------------------------------------------------------- seeds
@dataclass
class Seed:
    """A fixture as a grid of strings (or a JSON document), ready to be mutated and written again."""

    reader: str
    path: Path
    kwargs: dict
    kind: str  # "table", "whitespace", "fixed", "json", "ndjson"
    delimiter: str | None = None
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""
    doc: Any = None
    encoding: str = "utf-8"
    names: tuple[str, ...] = ()  # people's names in the fixture's name columns (must never reach a message)

    def __repr__(self) -> str:
        return f"Seed({self.reader!r}, {self.path.name!r})"


def load_seed(reader: str, rel: str, kwargs: dict) -> Seed:
    path = DATA / rel
    data = path.read_bytes()
    if path.suffix in (".json", ".ndjson"):
        text = data.decode("utf-8-sig")
        if path.suffix == ".ndjson":
            return Seed(reader, path, kwargs, "ndjson", doc=[json.loads(x) for x in text.splitlines() if x.strip()])
        return Seed(reader, path, kwargs, "json", doc=json.loads(text))
    text, enc, _ = decode_text(str(path), data, None)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    m = re.match(r'"?sep=(.)"?\n', text)
    if m:
        text = text[m.end():]
    layout = m.group(1) if m else sniff_layout(text)
    if layout == WHITESPACE:
        rows = [ln.split() for ln in text.split("\n") if ln.strip()]
        return Seed(reader, path, kwargs, "whitespace", rows=rows, text=text, encoding=enc)
    if layout == FIXED_WIDTH:
        return Seed(reader, path, kwargs, "fixed", text=text, encoding=enc)
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=layout) if any(c.strip() for c in r)]
    return Seed(reader, path, kwargs, "table", delimiter=layout, rows=rows, text=text, encoding=enc,
                names=_people(rows))


_NAME_COLUMN = re.compile(r"name|requester|contact|customer|respondent|assignee|agent|owner|navn|kunde", re.I)
_NOT_PERSON = re.compile(r"compan|organi|account|product|item|group|title|sku|vendor", re.I)  # columns
_HEADER_WORD = re.compile(r"\b(?:name|first|last)\b", re.I)  # a header row's text, not a name
_PERSON = re.compile(r"[A-ZÆØÅÄÖÜÉ][a-zæøåäöüéß'-]+(?: [A-ZÆØÅÄÖÜÉ][a-zæøåäöüéß'-]+)+")


def _people(rows: list[list[str]]) -> tuple[str, ...]:
    """The full names (two or more capitalised words) in a table's name-like columns."""
    if not rows:
        return ()
    cols = [j for j, h in enumerate(rows[0]) if _NAME_COLUMN.search(h) and not _NOT_PERSON.search(h)]
    found = {r[j].strip() for r in rows[1:] for j in cols if j < len(r) and _PERSON.fullmatch(r[j].strip())
             and not _HEADER_WORD.search(r[j])}
    return tuple(sorted(found))


def all_seeds(readers=READERS) -> dict[str, list[Seed]]:
    return {r: [load_seed(r, rel, kw) for rel, kw in SEEDS[r]] for r in readers}


# --------------------------------------------------------------------------- mutations
@dataclass
class Case:
    """One generated file: its bytes, the reader's arguments, what was done, and what must hold."""

    reader: str
    seed: str
    name: str
    data: bytes
    kwargs: dict
    mutations: list[str]
    records: int | None  # physical records in the file (None: not known, e.g. JSON documents)
    planted: int
    names: tuple[str, ...] = ()


def _column(rows: list[list[str]], j: int) -> list[str]:
    return [r[j] if j < len(r) else "" for r in rows]


def _numericish(col: list[str]) -> bool:
    vals = [v for v in col if v.strip()]
    return bool(vals) and sum(bool(re.fullmatch(r"[-+]?[\d.,]+", v.strip())) for v in vals) >= 0.8 * len(vals)


def _dateish(col: list[str]) -> bool:
    vals = [v for v in col if v.strip()]
    return bool(vals) and sum(bool(re.match(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{8}$", v.strip()))
                              for v in vals) >= 0.8 * len(vals)


def mutate_grid(rows: list[list[str]], ch, header_rows: int, log: list[str], plant_counter: list[int]) -> list[list[str]]:
    """Grid-level damage; returns new rows (header rows first)."""
    rows = [list(r) for r in rows]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    head, body = rows[:header_rows], rows[header_rows:]
    n_mut = ch.integer(0, 4)
    for _ in range(n_mut):
        what = ch.choice(["dup_rows", "dup_col", "bad_dates", "bad_numbers", "blank_cells", "ragged", "header_dup",
                          "header_drop", "noise", "shuffle_cols", "drop_rows"])
        if what == "dup_rows" and body:
            k = ch.integer(1, 3)
            for _ in range(k):
                body.insert(ch.integer(0, len(body)), list(ch.choice(body)))
        elif what == "dup_col" and width:
            j = ch.integer(0, width - 1)
            head = [r + [r[j] if j < len(r) else ""] for r in head]
            body = [r + [r[j] if j < len(r) else ""] for r in body]
            width += 1
        elif what in ("bad_dates", "bad_numbers") and body:
            test = _dateish if what == "bad_dates" else _numericish
            cols = [j for j in range(width) if test(_column(body, j))] or list(range(width))
            for _ in range(ch.integer(1, 3)):
                j = ch.choice(cols)
                i = ch.integer(0, len(body) - 1)
                if j < len(body[i]):
                    body[i][j] = ch.choice(BAD_DATES if what == "bad_dates" else BAD_NUMBERS)
        elif what == "blank_cells" and body:
            for _ in range(ch.integer(1, 4)):
                i, j = ch.integer(0, len(body) - 1), ch.integer(0, width - 1)
                if j < len(body[i]):
                    body[i][j] = ""
        elif what == "ragged" and body:
            i = ch.integer(0, len(body) - 1)
            if ch.boolean():
                body[i] = body[i][: ch.integer(1, max(1, width - 1))]
            else:
                body[i] = body[i] + ["extra"] * ch.integer(1, 3)
        elif what == "header_dup" and head:
            body.insert(ch.integer(0, len(body)), list(ch.choice(head)))
        elif what == "header_drop" and len(head) > 0:
            head.pop(ch.integer(0, len(head) - 1))
        elif what == "noise" and body:
            i, j = ch.integer(0, len(body) - 1), ch.integer(0, width - 1)
            if j < len(body[i]):
                body[i][j] = body[i][j] + ch.choice(NOISE)
        elif what == "shuffle_cols" and width > 1:
            a, b = ch.integer(0, width - 1), ch.integer(0, width - 1)
            for r in head + body:
                if len(r) > max(a, b):
                    r[a], r[b] = r[b], r[a]
        elif what == "drop_rows" and len(body) > 1:
            body.pop(ch.integer(0, len(body) - 1))
        else:
            continue
        log.append(what)
    if body and ch.boolean(0.8):
        textcols = [j for j in range(width) if not _numericish(_column(body, j))
                    and not _dateish(_column(body, j))] or list(range(width))
        for _ in range(ch.integer(1, 4)):
            i = ch.integer(0, len(body) - 1)
            j = ch.choice(textcols)
            if j >= len(body[i]):
                continue
            plant_counter[0] += 1
            addr = f"planted.{plant_counter[0]}@example.org"
            body[i][j] = ch.choice([addr, f"{body[i][j]} {addr}".strip(), f"contact {addr} please"])
        log.append("plant")
    return head + body


def serialise(rows: list[list[str]], ch, delimiter: str, log: list[str]) -> tuple[list[str], str]:
    """Rows -> one text per record (with its line end) and the line end used."""
    if ch.boolean(0.25):
        delimiter = ch.choice([",", ";", "\t", "|"])
        log.append(f"delimiter {delimiter!r}")
    quoting = csv.QUOTE_ALL if ch.boolean(0.2) else csv.QUOTE_MINIMAL
    eol = "\r\n" if ch.boolean(0.3) else "\n"
    out = []
    for r in rows:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=eol).writerow(r)
        out.append(buf.getvalue())
    if ch.boolean(0.1):
        out.insert(0, f"sep={delimiter}{eol}")
        log.append("sep= line")
    return out, eol


def mutate_text(records: list[str], ch, log: list[str]) -> tuple[str, int | None]:
    """Text-level damage; returns the text and the records it holds (None when unknown)."""
    sep_line = 1 if records and records[0].startswith("sep=") else 0
    n_records = sum(1 for r in records if r.replace("\x00", "").strip()) - sep_line
    text = "".join(records)
    starts = []
    pos = 0
    for r in records:
        starts.append((pos, bool(r.strip())))
        pos += len(r)
    for _ in range(ch.integer(0, 3)):
        what = ch.choice(["quote", "field_quote", "field_quote", "cr", "nul", "blank", "truncate"])
        if not text:
            break
        if what in ("quote", "field_quote"):
            p = ch.integer(0, len(text) - 1)
            if what == "field_quote":  # at the start of a value: it opens a quoted value
                seps = [m.end() for m in re.finditer(r"[,;\t|\n]", text[p:p + 400])]
                p = p + ch.choice(seps) if seps else p
            text = text[:p] + '"' + text[p:]
            starts = [(s + (1 if s > p else 0), nb) for s, nb in starts]
        elif what == "cr":
            p = ch.integer(0, len(text) - 1)
            if text[p] != "\n" and (p == 0 or text[p - 1] != "\r"):
                text = text[:p] + "\r" + text[p:]
                starts = [(s + (1 if s > p else 0), nb) for s, nb in starts]
        elif what == "nul":
            p = ch.integer(0, len(text) - 1)
            text = text[:p] + "\x00" + text[p:]
            starts = [(s + (1 if s > p else 0), nb) for s, nb in starts]
        elif what == "blank":
            p = text.find("\n", ch.integer(0, len(text) - 1))
            if p >= 0:
                text = text[: p + 1] + "\n" + text[p + 1:]
                starts = [(s + (1 if s > p else 0), nb) for s, nb in starts]
        elif what == "truncate":
            p = ch.integer(max(1, len(text) // 3), len(text))
            text = text[:p]
            kept = [(s, nb) for s, nb in starts if s < p and nb and text[s:p].replace("\x00", "").strip()]
            n_records = len(kept) - sep_line
            starts = kept
        log.append(what)
    return text, n_records


def encode(text: str, ch, log: list[str], original: str) -> bytes:
    enc = ch.choice(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", original])
    if enc != "utf-8":
        log.append(f"encoding {enc}")
    try:
        return text.encode(enc)
    except (UnicodeEncodeError, LookupError):
        return text.encode(enc if enc != original else "utf-8", errors="replace") if enc != original \
            else text.encode("utf-8")


def mutate_json(seed: Seed, ch, log: list[str], plant_counter: list[int]) -> tuple[bytes, int | None]:
    doc = json.loads(json.dumps(seed.doc))
    if seed.kind == "ndjson":
        items = doc
    elif isinstance(doc, dict) and isinstance(doc.get("tickets"), list):
        items = doc["tickets"]
    else:
        items = [doc]
    for _ in range(ch.integer(0, 4)):
        what = ch.choice(["dup", "bad_date", "bad_value", "drop_key", "non_object", "plant", "nest"])
        if not items:
            break
        i = ch.integer(0, len(items) - 1)
        t = items[i].get("ticket", items[i]) if isinstance(items[i], dict) else None
        if what == "dup":
            items.insert(ch.integer(0, len(items)), json.loads(json.dumps(items[i])))
        elif what == "bad_date" and isinstance(t, dict):
            t[ch.choice(["created_at", "updated_at", "solved_at"])] = ch.choice(BAD_DATES)
        elif what == "bad_value" and isinstance(t, dict) and t:
            t[ch.choice(sorted(t))] = ch.choice([None, 1e308, -1, "", [], {}, "inf", True, "x" * 500])
        elif what == "drop_key" and isinstance(t, dict) and t:
            t.pop(ch.choice(sorted(t)))
        elif what == "non_object":
            items.insert(ch.integer(0, len(items)), ch.choice([5, "x", None, [1, 2], True]))
        elif what == "plant" and isinstance(t, dict):
            plant_counter[0] += 1
            t[ch.choice(["subject", "description", "tags", "external_id"])] = f"write planted.{plant_counter[0]}@example.org"
        elif what == "nest" and isinstance(t, dict):
            t["via"] = {"channel": ch.choice(["email", "web", None, 5]), "source": {"rel": ch.choice([None, "follow_up"])}}
        else:
            continue
        log.append(what)
    n = len(items)
    if seed.kind == "ndjson":
        text = "".join(json.dumps(x) + "\n" for x in items)
    else:
        text = json.dumps(doc if not (isinstance(doc, dict) and "tickets" in doc) else {**doc, "tickets": items})
    if ch.boolean(0.15):
        text = text[: ch.integer(1, len(text))]
        log.append("truncate")
        n = None
    if ch.boolean(0.1):
        p = ch.integer(0, len(text))
        text = text[:p] + "\x00" + text[p:]
        log.append("nul")
        n = None
    return text.encode("utf-8"), n


def generate(seed: Seed, ch, counter: list[int]) -> Case:
    """One damaged copy of ``seed``."""
    log: list[str] = []
    before = counter[0]
    if seed.kind in ("json", "ndjson"):
        data, n = mutate_json(seed, ch, log, counter)
        return Case(seed.reader, seed.path.name, seed.path.name, data, dict(seed.kwargs), log, n, counter[0] - before)
    if seed.kind == "fixed":
        records = [ln + "\n" for ln in seed.text.split("\n") if ln.strip()]
        text, n = mutate_text(records, ch, log)
        return Case(seed.reader, seed.path.name, seed.path.name, encode(text, ch, log, seed.encoding),
                    dict(seed.kwargs), log, n, 0)
    header_rows = 0 if seed.path.name == "cdnow_master.txt" else (
        3 if "BeskarArmor" in seed.path.name or seed.path.name in ("qualtRics_sample.csv", "qualtrics_numeric.csv")
        else 2 if seed.path.name in ("qualtRics_sample_legacy.csv", "surveymonkey_2row.csv") else 1)
    rows = mutate_grid(seed.rows, ch, header_rows, log, counter)
    if seed.kind == "whitespace":
        eol = "\n"
        records = [" ".join(c.replace(" ", "_") or "-" for c in r) + eol for r in rows]
    else:
        records, eol = serialise(rows, ch, seed.delimiter or ",", log)
    text, n = mutate_text(records, ch, log)
    suffix = seed.path.suffix
    return Case(seed.reader, seed.path.name, seed.path.stem + "_fuzz" + suffix, encode(text, ch, log, seed.encoding),
                dict(seed.kwargs), log, n, counter[0] - before, seed.names)


# --------------------------------------------------------------------------- checking
@dataclass
class Outcome:
    status: str  # "loaded", "refused", "raised"
    problems: list[str]
    detail: str = ""


def _values(df: pd.DataFrame):
    for c in df.columns:
        s = df[c]
        if s.dtype == object or str(s.dtype).startswith(("str", "string", "category")):
            yield from (str(v) for v in s.dropna().astype(str).unique())


def _questions(df: pd.DataFrame):
    q = df.attrs.get("questions")
    if isinstance(q, dict):
        yield from (str(x) for x in q.values())
        yield from (str(x) for x in q)


def check(case: Case, workdir: Path) -> Outcome:
    """Read ``case`` with its reader and classify what happened."""
    path = workdir / case.name
    path.write_bytes(case.data)
    reader = READERS[case.reader]
    problems: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            df = reader(path, **case.kwargs)
        except CsanalysisError as exc:
            if getattr(exc, "kind", None) == "internal":
                cause = exc.__cause__
                kind = "accounting" if isinstance(cause, RuntimeError) and "balance" in str(cause) else "raised"
                return Outcome("raised", [kind], f"internal: {type(cause).__name__}: {cause}"[:300]
                               + "\n" + "".join(traceback.format_exception(cause))[-1500:])
            if PLANTED.search(str(exc)):
                problems.append("leak:error")
            if case.names and _named(case.names).search(str(exc)):
                problems.append("name:error")
            return Outcome("refused", problems, getattr(exc, "problem", str(exc))[:200])
        except Exception as exc:  # noqa: BLE001 - this is what the fuzzer counts
            return Outcome("raised", ["raised"], f"{type(exc).__name__}: {exc}"[:300] + "\n"
                           + traceback.format_exc()[-1500:])
    rep = load_report(df)
    if rep.rows_read != rep.rows_loaded + rep.rows_rejected + rep.rows_merged + rep.rows_excluded \
            or rep.rows_loaded != len(df):
        problems.append("accounting")
    if case.records is not None:
        counted = rep.rows_read + (rep.header_rows or 0)
        if counted < case.records:
            problems.append("lost")
            problems.append(f"lost:{case.records - counted}")
    if case.planted:
        if any(PLANTED.search(s) for s in _values(df)):
            problems.append("leak:values")
        if any(PLANTED.search(str(c)) for c in df.columns):
            problems.append("leak:column names")
        if any(PLANTED.search(s) for s in _questions(df)):
            problems.append("leak:question texts")
        if any(PLANTED.search(n) for n in rep.notes):
            problems.append("leak:notes")
        if len(rep.rejected) and any(PLANTED.search(s) for s in _values(rep.rejected)):
            problems.append("leak:rejected")
    if case.names:
        who = _named(case.names)
        if any(who.search(str(c)) for c in df.columns):
            problems.append("name:column names")
        if any(who.search(n) for n in rep.notes):
            problems.append("name:notes")
        if len(rep.rejected) and any(who.search(s) for s in _values(rep.rejected)):
            problems.append("name:rejected")
    return Outcome("loaded", problems)


def _named(names: tuple[str, ...]) -> re.Pattern:
    return _NAMED.setdefault(names, re.compile("|".join(map(re.escape, names))))


_NAMED: dict = {}


# --------------------------------------------------------------------------- the script
_SEEDS: dict[str, list[Seed]] = {}


def one(job: tuple[str, int, int, str, str | None]) -> tuple[Case, Outcome]:
    """Generate file ``i`` for ``reader`` (its own random stream: the same file whatever the job split) and check it.

    Files that raise, break the accounting or lose records are copied to ``keep`` (when given).
    """
    reader, seed, i, workdir, keep = job
    if reader not in _SEEDS:
        _SEEDS.update(all_seeds([reader]))
    seeds = _SEEDS[reader]
    ch = RandomChooser(random.Random(f"{seed}-{reader}-{i}"))
    case = generate(seeds[i % len(seeds)], ch, [0])
    case.name = f"{i}_{case.name}"
    out = check(case, Path(workdir))
    if keep and ({"raised", "accounting", "lost"} & set(out.problems)
                 or any(p.startswith(("leak:", "name:")) for p in out.problems)):
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"{reader}_{case.name}").write_bytes(case.data)
    (Path(workdir) / case.name).unlink(missing_ok=True)
    case.data = b""  # not sent back
    return case, out


def run(n: int, seed: int, readers: list[str], show: int, workdir: Path, jobs: int = 1,
        keep: Path | None = None, done: Callable[[str, dict], None] | None = None, first: int = 0) -> dict:
    """Fuzz each reader with files ``first .. first + n - 1``; ``done(reader, its summary)`` is called as each
    reader finishes."""
    summary: dict[str, Any] = {}
    for r in readers:
        stats = Counter()
        lost_records = 0
        examples: dict[str, list[str]] = {}
        refusals: Counter = Counter()
        t0 = time.perf_counter()
        work = [(r, seed, i, str(workdir), str(keep) if keep else None) for i in range(first, first + n)]
        if jobs > 1:
            import multiprocessing as mp

            with mp.get_context("spawn").Pool(jobs) as pool:
                results = pool.imap_unordered(one, work, chunksize=8)
                results = list(results)
        else:
            results = map(one, work)
        for case, out in results:
            stats[out.status] += 1
            stats["files with planted e-mails"] += bool(case.planted)
            stats["leaked"] += any(p.startswith("leak:") for p in out.problems)
            stats["files with names"] += bool(case.names)
            stats["named"] += any(p.startswith("name:") for p in out.problems)
            if out.status == "refused":
                refusals[re.sub(r"'[^']*'|\d+", "…", out.detail)[:70]] += 1
            for p in out.problems:
                if p.startswith("lost:"):
                    lost_records += int(p.split(":")[1])
                    continue
                stats[p] += 1
                ex = examples.setdefault(p, [])
                if len(ex) < show:
                    ex.append(f"file {case.name} {case.mutations}: {out.detail}")
        leaked = stats["leaked"]
        summary[r] = {"files": n, "first_file": first, "loaded": stats["loaded"], "refused (package error)": stats["refused"],
                      "raised (non-package)": stats["raised"], "accounting violations": stats["accounting"],
                      "files losing records": stats["lost"], "records lost": lost_records,
                      "files with planted e-mails": stats["files with planted e-mails"],
                      "files leaking planted e-mails": leaked,
                      "leaks by place": {k[5:]: v for k, v in stats.items() if k.startswith("leak:")},
                      "files with names": stats["files with names"],
                      "files leaking names": stats["named"],
                      "name leaks by place": {k[5:]: v for k, v in stats.items() if k.startswith("name:")},
                      "seconds": round(time.perf_counter() - t0, 1), "examples": examples,
                      "refusals": dict(refusals.most_common(8))}
        if done is not None:
            done(r, summary[r])
    return summary


def _git_head() -> str:
    """The commit the readers ran at (and '+changes' when the work tree differs), or '' outside git."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "csanalysis"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return ""


_COUNTS = ("files", "loaded", "refused (package error)", "raised (non-package)", "accounting violations",
           "files losing records", "records lost", "files with planted e-mails", "files leaking planted e-mails",
           "files with names", "files leaking names", "seconds")


def combine(paths: list[Path], out: Path | None = None) -> int:
    """Add up per-reader summaries of runs in parts; refuse overlapping or gapped file ranges."""
    parts: dict[str, list[dict]] = {}
    for p in paths:
        for r, s in json.loads(p.read_text(encoding="utf-8")).items():
            if isinstance(s, dict):
                parts.setdefault(r, []).append({**s, "json": p.name})
    total: dict[str, Any] = {}
    failed = False
    for r, ss in parts.items():
        ss.sort(key=lambda s: s.get("first_file", 0))
        nxt = 0
        for s in ss:
            if s.get("first_file", 0) != nxt:
                print(f"{r}: part {s['json']} starts at file {s.get('first_file', 0)}, expected {nxt}")
                return 2
            nxt += s["files"]
        t = {k: sum(s.get(k, 0) for s in ss) for k in _COUNTS}
        t["seconds"] = round(t["seconds"], 1)
        t["leaks by place"] = dict(sum((Counter(s["leaks by place"]) for s in ss), Counter()))
        t["name leaks by place"] = dict(sum((Counter(s.get("name leaks by place", {})) for s in ss), Counter()))
        t["refusals"] = dict(sum((Counter(s["refusals"]) for s in ss), Counter()).most_common(8))
        t["parts"] = [s["json"] for s in ss]
        total[r] = t
        print(f"\n== {r}: files 0..{nxt - 1} in {len(ss)} part(s), {t['seconds']} s")
        for k in _COUNTS[1:-1]:
            print(f"   {k:32s} {t[k]}")
        failed |= bool(t["raised (non-package)"] or t["accounting violations"] or t["files losing records"]
                       or t["files leaking planted e-mails"] or t["files leaking names"])
    if out:
        out.write_text(json.dumps(total, indent=2), encoding="utf-8")
    return 1 if failed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500, help="generated files per reader (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--first", type=int, default=0,
                    help="number of the first file (default 0): a long run split in parts makes the same files "
                         "as one run; combine the parts' JSON with --combine")
    ap.add_argument("--combine", type=Path, nargs="+", metavar="JSON",
                    help="add up the summaries of runs in parts (--json files) and print them; runs nothing")
    ap.add_argument("--readers", default=",".join(READERS), help="comma-separated: tickets,surveys,activity,customers")
    ap.add_argument("--show", type=int, default=2, help="examples to print per kind of problem")
    ap.add_argument("--json", type=Path, help="write the summary here as JSON")
    ap.add_argument("--workdir", type=Path, help="where the generated files are written (default: a temp dir)")
    ap.add_argument("--jobs", type=int, default=1, help="processes (each file is the same whatever the split)")
    ap.add_argument("--keep", type=Path, help="copy the files that raise, break the accounting, lose records or leak here")
    args = ap.parse_args(argv)
    readers = [r.strip() for r in args.readers.split(",") if r.strip()]
    if args.combine:
        return combine(args.combine, args.json)
    import tempfile

    failed = False
    finished: dict[str, Any] = {}

    def report(r: str, s: dict) -> None:  # printed and saved as each reader finishes (a long run keeps its part)
        nonlocal failed
        finished[r] = s
        print(f"\n== {r}: {s['files']} files in {s['seconds']} s")
        for k in ("loaded", "refused (package error)", "raised (non-package)", "accounting violations",
                  "files losing records", "records lost", "files with planted e-mails",
                  "files leaking planted e-mails", "files with names", "files leaking names"):
            print(f"   {k:32s} {s[k]}")
        for k in ("leaks by place", "name leaks by place"):
            if s[k]:
                print(f"   {k:32s} {s[k]}")
        for why, k in s["refusals"].items():
            print(f"   refused {k:4d} x {why}")
        for kind, ex in s["examples"].items():
            for e in ex:
                print(f"   e.g. [{kind}] {e[:600]}")
        failed |= bool(s["raised (non-package)"] or s["accounting violations"] or s["files losing records"]
                       or s["files leaking planted e-mails"] or s["files leaking names"])
        sys.stdout.flush()
        if args.json:
            args.json.write_text(json.dumps({**finished, "command": " ".join(sys.argv), "git": _git_head()},
                                            indent=2, default=str),
                                 encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        run(args.n, args.seed, readers, args.show, workdir, args.jobs, args.keep, done=report, first=args.first)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
