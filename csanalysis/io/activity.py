"""Reading purchase activity: Shopify orders, Stripe charges and invoices, any order table.

:func:`read_activity` turns a shop's or a payment processor's export into the
canonical *activity* table (:data:`csanalysis.schema.ACTIVITY`): one row per
order, charge or invoice, with the buyer as a customer id and/or a keyed
e-mail pseudonym, a UTC timestamp, an amount and a currency.

Rules (the load report counts every one of them)
------------------------------------------------
Line items
    Shopify writes one row per line item and fills the order-level fields
    (e-mail, status, totals, dates) on the first row only. Each order becomes
    one row; its other line rows are counted as *merged*. In other tables,
    rows sharing an order id are merged the same way: when every repeated
    order carries the same amount on each of its rows, that amount is the
    order total (taken once); otherwise the rows are line amounts and are
    summed. The note says which.
What counts as a purchase
    Activity is money a customer committed to pay and did not take back.
    Kept: paid, partially paid, partially refunded (amount = the gross total;
    the note says so), pending and authorised orders, open invoices (amount
    due). Excluded by default, switchable with ``include_refunded=True``:
    refunded and voided orders, refunded charges, void invoices, negative
    amounts (returns, credit notes). Always excluded, because no purchase took
    place: failed or cancelled charges, draft and uncollectible invoices.
Test orders
    Excluded by default (``include_test=True`` keeps them): a ``test`` word in
    ``Tags``, a true ``Test`` column, Stripe ``Mode`` = Test, Shopify's
    ``bogus`` test gateway in ``Payment Method``/``Gateway``, and buyer
    e-mails at the domains reserved for testing by RFC 2606 / RFC 6761
    (``.test``, ``.example``, ``.invalid``, ``.localhost``). ``example.com``
    is *not* treated as a test domain.
Rejected rows
    An amount or a date that cannot be parsed, a missing amount or date, and
    rows with neither a customer id nor an e-mail address. The rejected
    table in the report shows the row's non-personal values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from os import PathLike
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..privacy import email_key, email_key_note, is_personal_column
from ._common import Frame, check_mapping, finish
from ._dates import ParsedTimes, parse_timestamps
from ._numbers import clean_ids, excel_mangled
from ._numbers import parse_numbers as _parse_numbers
from ._text import RawTable, promote_header, read_bytes, read_raw
from .report import LoadReport

__all__ = ["ACTIVITY_SOURCES", "read_activity"]

#: Values accepted by ``read_activity(source=...)``.
ACTIVITY_SOURCES = ("auto", "shopify", "stripe_charges", "stripe_invoices", "generic")

_MAPPING_KEYS = ("customer_id", "email", "at", "amount", "currency", "order_id")

_STR = pd.StringDtype(na_value=np.nan)

# An e-mail address anywhere in a cell.
EMAIL_RE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"

# Candidate headers of a generic order table, compared after removing
# everything but letters and digits and case-folding ("Kunde-ID" == "kundeid").
_GENERIC = {
    "customer_id": (
        "customer_id", "customer id", "customerid", "customer", "customer number", "customer no",
        "customer nr", "client id", "client", "user id", "buyer id", "account id",
        "kunde-id", "kunde", "kundeid", "kundenummer", "kundenr", "kundennummer", "kunden-nr",
        "kundnummer", "kund-id", "kundnr", "kund", "klantnummer", "klant id",
        "клиент", "id клиента", "код клиента", "номер клиента", "клиент id", "покупатель",
    ),
    "email": (
        "email", "e-mail", "email address", "e-mail address", "customer email", "buyer email",
        "e-mailadresse", "emailadresse", "e-mail-adresse", "e-postadress", "e-post", "epost",
        "почта", "электронная почта", "e-mail клиента", "email клиента",
    ),
    "at": (
        "date", "order date", "created at", "created", "paid at", "purchase date",
        "transaction date", "invoice date", "invoicedate", "timestamp", "datetime", "time",
        "dato", "ordredato", "købsdato", "fakturadato", "datum", "orderdatum", "bestelldatum",
        "köpdatum", "fakturadatum", "rechnungsdatum", "дата", "дата заказа", "дата покупки",
        "дата оплаты",
    ),
    "amount": (
        "amount", "total", "order total", "total amount", "grand total", "amount paid", "revenue",
        "sales", "value", "order value", "total price", "totalprice", "net amount", "gross amount",
        "beløb", "belob", "total beløb", "ordrebeløb", "ordretotal", "belopp", "totalt", "summa",
        "betrag", "gesamtbetrag", "summe", "gesamt", "bedrag", "totaal",
        "сумма", "итого", "сумма заказа", "стоимость",
    ),
    "quantity": ("quantity", "qty", "antal", "anzahl", "menge", "aantal", "количество", "кол-во"),
    "unit_price": ("unit price", "unitprice", "price", "pris", "stykpris", "preis", "einzelpreis",
                   "prijs", "цена"),
    "currency": ("currency", "currency code", "valuta", "valutakode", "währung", "waehrung",
                 "munt", "валюта"),
    "order_id": (
        "order id", "order_id", "orderid", "order number", "order no", "order nr", "order",
        "invoice", "invoice no", "invoiceno", "invoice number", "invoice id", "transaction id",
        "ordrenummer", "ordre-id", "ordrenr", "ordre", "ordernummer", "ordernr", "bestellnummer",
        "bestell-nr", "bestellung", "fakturanummer", "rechnungsnummer", "номер заказа", "заказ",
        "id заказа",
    ),
}

# Currency symbols and words seen around amounts, mapped to ISO codes.
_CURRENCY_WORDS = {"€": "EUR", "£": "GBP", "₽": "RUB", "руб": "RUB", "р": "RUB", "¥": "JPY",
                   "zł": "PLN", "eur": "EUR", "euro": "EUR", "usd": "USD", "$": None, "kr": None}

_TEST_DOMAIN = r"@[^@\s]*\.(?:test|example|invalid|localhost)\s*$"
_TEST_DOMAIN_HINT = r"(?i)\.(?:test|example|invalid|localhost)"  # implied by _TEST_DOMAIN

# Personal columns the shared rules (privacy.is_personal_column) do not catch:
# Stripe's cardholder name and customer description, telco "Lat Long".
EXTRA_PERSONAL = re.compile(
    r"card[\s_-]*(holder[\s_-]*)?name|customer[\s_-]*description|^\s*lat[\s_-]*long\s*$", re.IGNORECASE)

_TRUE = {"1", "true", "yes", "y", "ja", "j", "da", "да", "t", "x", "test"}


# --------------------------------------------------------------------------- helpers
def parse_numbers(values: pd.Series, *, decimal: str | None = None):
    """:func:`._numbers.parse_numbers`, with words such as ``ukendt`` counted as invalid.

    ``_numbers.parse_numbers`` strips currency text around a number, so a cell
    holding no digit at all ('unknown', 'n/a') comes back as an empty cell
    rather than an invalid one; here it is invalid.
    """
    s = values.astype(_STR).str.strip()
    blank = (s.isna() | (s == "")).to_numpy()
    # fast paths for plain columns (the general parser's regexes run per cell in Python)
    if decimal in (None, ".") and (s.str.fullmatch(r"[-+]?\d+(?:\.\d+)?", na=False).to_numpy() | blank).all():
        return pd.to_numeric(s.where(~blank), errors="coerce").astype("float64"), np.zeros(len(s), bool), "."
    if decimal in (None, ",") and (s.str.fullmatch(r"[-+]?\d+,\d+|[-+]?\d+", na=False).to_numpy() | blank).all() \
            and s.str.contains(",", regex=False, na=False).any():
        num = pd.to_numeric(s.where(~blank).str.replace(",", ".", regex=False), errors="coerce")
        return num.astype("float64"), np.zeros(len(s), bool), ","
    num, bad, mark = _parse_numbers(values, decimal=decimal)
    wordy = (s.notna() & (s != "") & ~s.str.contains(r"\d", regex=True, na=False)
             & ~s.str.fullmatch(r"[-–—]|n/?a|null|none|nan", case=False, na=False)).to_numpy()
    return num, bad | wordy, mark


def _key(name: object) -> str:
    return re.sub(r"[\W_]+", "", str(name).casefold())


def _find(columns, candidates) -> str | None:
    """First column (in the order of ``candidates``) whose letters-and-digits key matches."""
    keyed: dict[str, str] = {}
    for c in columns:
        keyed.setdefault(_key(c), c)
    for cand in candidates:
        c = keyed.get(_key(cand))
        if c is not None:
            return c
    return None


def _txt(s: pd.Series) -> pd.Series:
    """Strings, stripped, empty -> missing."""
    s = s.astype(_STR).str.strip()
    return s.where(s != "", np.nan)


def _truthy(s: pd.Series) -> np.ndarray:
    return _txt(s).str.casefold().isin(_TRUE).to_numpy(dtype=bool)


def redact_emails(df: pd.DataFrame, report: LoadReport, *, skip=()) -> pd.DataFrame:
    """Replace e-mail addresses inside kept free-text columns by ``[email]``.

    The personal-column rules drop columns *named* like e-mails; this catches
    addresses hiding in notes, descriptions or tags. One pass per column.
    """
    out = df
    for c in df.columns:
        if c in skip or not (pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object):
            continue
        s = df[c]
        if s.dtype == object:
            s = s.astype(_STR)
        if not s.str.contains("@", regex=False, na=False).any():  # no address without an '@'
            continue
        has = s.str.contains(EMAIL_RE, regex=True, na=False)
        if has.any():
            if out is df:
                out = df.copy()
            out[c] = s.str.replace(EMAIL_RE, "[email]", regex=True)
            report.note(f"e-mail addresses inside column {c!r} replaced by '[email]' "
                        f"({int(has.sum())} row(s)); keep_pii=True keeps them")
    return out


def ids_or_emails(ids: pd.Series, email: pd.Series | None, report: LoadReport, column: str):
    """Move a customer-id column that really holds e-mail addresses to the e-mail role."""
    present = ids.notna()
    if present.any():
        at_share = ids[present].str.contains("@", regex=False).mean()
        if at_share > 0.5:
            report.note(f"column {column!r} holds e-mail addresses, not ids; used for email_key "
                        "and customer_id left empty")
            email = ids if email is None else email.fillna(ids)
            ids = pd.Series(np.nan, index=ids.index, dtype=_STR)
        elif ids[present].str.contains("@", regex=False).any():
            ids = ids.where(~ids.str.contains("@", regex=False, na=False))
            report.note(f"some values of {column!r} were e-mail addresses; cleared from customer_id")
    mangled = excel_mangled(ids)
    if mangled.any():
        report.note(f"{int(mangled.sum())} id(s) in column {column!r} look Excel-mangled "
                    "(scientific notation such as 1.03006E+13); they cannot be linked reliably")
    return ids, email


def _iso_currency(cur: pd.Series, report: LoadReport) -> pd.Series:
    c = _txt(cur).str.upper()
    words = {k.upper(): v for k, v in _CURRENCY_WORDS.items() if v}
    c = c.replace(words)
    odd = c.notna() & ~c.str.fullmatch(r"[A-Z]{3}", na=False)
    if odd.any():
        report.note(f"{int(odd.sum())} currency value(s) are not ISO 4217 codes: "
                    f"{sorted(c[odd].unique().tolist())[:5]}")
    return c


def _currency_from_amounts(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """ISO codes or unambiguous symbols written around amounts (``DKK 12,50``, ``12 €``)."""
    s = _txt(values)
    code = s.str.extract(r"(?:^|[\d\s])([A-Z]{3})(?:$|[\d\s])", expand=False)
    sym = s.str.extract(r"([€£₽¥]|руб|zł)", expand=False).map(
        {k: v for k, v in _CURRENCY_WORDS.items() if v}, na_action="ignore")
    out = code.fillna(sym).astype(_STR)
    notes = []
    if s.str.contains(r"(?i)(?:^|[\d\s.])kr\.?(?:$|[\d\s])", regex=True, na=False).any():
        notes.append("amounts are written with 'kr' (DKK, SEK, NOK or ISK?); pass currency= to record which")
    if s.str.contains("$", regex=False, na=False).any():
        notes.append("amounts are written with '$', which names no single currency; pass currency=")
    return out, notes


def _times_on(values: pd.Series, rows: np.ndarray, **kwargs) -> ParsedTimes:
    """:func:`parse_timestamps` on the ``rows`` that matter only (e.g. one row per order), spread back."""
    p = parse_timestamps(values[rows], **kwargs)
    # spread back as int64 nanoseconds (to_numpy() on tz-aware values builds Timestamp objects)
    ns = np.full(len(values), np.iinfo(np.int64).min, dtype=np.int64)
    ns[rows] = p.values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    out = pd.Series(ns.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")
    invalid = np.zeros(len(values), dtype=bool)
    invalid[rows] = p.invalid
    return ParsedTimes(out, invalid, p.date_order, p.timezone, p.notes)


def _err_columns(path: str, columns, missing: list[str]) -> ExportError:
    need = {"customer_id": "a customer id or an e-mail address", "at": "a date",
            "amount": "an amount (or a quantity and a unit price)"}
    what = ", ".join(need[m] for m in missing)
    example = ", ".join(f'"{m}": "<column>"' for m in missing)
    return ExportError(
        path,
        f"cannot tell which column holds {what}; the columns found are {list(map(str, columns))[:40]}",
        expected=f"an order table with a customer, a date and an amount per row, or name the columns "
        f"with mapping={{{example}}}")


def read_table(path, *, encoding: str | None, sheet) -> RawTable:
    """:func:`read_raw`, preferring Windows-1252 when another Western code page fits no better.

    ``read_raw`` asks charset-normalizer to choose among legacy code pages;
    on short Danish/German files it ties cp1250 with cp1252 and returns
    cp1250 (``Beløb`` becomes ``Belřb``). Excel in Western Europe writes
    cp1252, so on a tie cp1252 wins.
    """
    raw = read_raw(path, encoding=encoding, sheet=sheet)
    if encoding is None and raw.encoding in ("cp1250", "iso8859_15", "mac_roman"):
        from charset_normalizer import from_bytes

        blob, _ = read_bytes(path)
        found = {m.encoding: m for m in from_bytes(blob[:200_000], cp_isolation=[raw.encoding, "cp1252"])}
        mine = found.get("cp1252") or found.get("windows_1252")
        other = found.get(raw.encoding) or next((m for e, m in found.items() if e not in ("cp1252", "windows_1252")), None)
        if mine is not None and (other is None or (mine.chaos <= other.chaos and mine.coherence >= other.coherence)):
            was = raw.encoding
            raw = read_raw(path, encoding="cp1252", sheet=sheet)
            raw.notes.append(f"not UTF-8; decoded as cp1252 (Windows-1252 fits at least as well as {was})")
    return raw


def start_report(path, table: str, *, encoding, sheet):
    """Read the file, split the header and open the load report (malformed lines rejected)."""
    raw = read_table(path, encoding=encoding, sheet=sheet)
    data, rows, _ = promote_header(raw, 1)
    rep = LoadReport(path=str(path), table=table, encoding=raw.encoding, delimiter=raw.delimiter,
                     header_rows=1)
    for n in raw.notes:
        rep.note(n)
    rep.rows_read = len(data) + len(raw.bad_rows)
    if len(raw.bad_rows):
        rep.reject(raw.bad_rows)
    return data, rows, rep


def _map(rep: LoadReport, **roles) -> None:
    """Record source column -> canonical role (a role may come from several columns)."""
    for role, src in roles.items():
        for c in (src if isinstance(src, (tuple, list)) else (src,)):
            if c is not None:
                rep.column_mapping[str(c)] = role


def _apply_test(frame: Frame, test: np.ndarray, include_test: bool) -> None:
    live = test & frame.alive
    if include_test:
        if live.any():
            frame.report.note(f"{int(live.sum())} test order(s) kept (include_test=True)")
    else:
        frame.exclude(test, "test order (include_test=True keeps it)")


def _detect(columns) -> str:
    has = {_key(c) for c in columns}
    if "financialstatus" in has and "name" in has and ({"lineitemname", "lineitemquantity", "paidat",
                                                        "total", "createdat"} & has):
        return "shopify"
    if {"amountdue", "amountpaid"} <= has:
        return "stripe_invoices"
    if "amountrefunded" in has and "amount" in has and ("captured" in has or "status" in has):
        return "stripe_charges"
    return "generic"


# --------------------------------------------------------------------------- main
def read_activity(
    path: str | PathLike,
    source: Literal["auto", "shopify", "stripe_charges", "stripe_invoices", "generic"] = "auto",
    *,
    mapping: Mapping[str, str] | None = None,
    key: str | bytes | None = None,
    keep_pii: bool = False,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    currency: str | None = None,
    include_refunded: bool = False,
    include_test: bool = False,
) -> pd.DataFrame:
    """Read an order / charge / invoice export into the canonical activity table.

    Parameters
    ----------
    path : str or PathLike
        CSV/TSV (any common encoding and delimiter), .xlsx, or a .zip holding one.
    source : {"auto", "shopify", "stripe_charges", "stripe_invoices", "generic"}
        Export format; detected from the header by default.
    mapping : dict, optional
        Canonical role -> source column, for roles the reader cannot recognise:
        ``customer_id``, ``email``, ``at``, ``amount``, ``currency``, ``order_id``.
    key : str or bytes, optional
        Key of the e-mail pseudonyms (see :func:`csanalysis.privacy.email_key`).
    keep_pii : bool
        Keep e-mail addresses, names and other personal columns.
    timezone : str, optional
        IANA zone of timestamps written without an offset (UTC otherwise).
        Columns marked ``(UTC)`` (Stripe) are always UTC.
    dayfirst : bool, optional
        Day/month order when the dates themselves cannot decide it.
    encoding, sheet
        Force an encoding; choose an .xlsx worksheet.
    currency : str, optional
        ISO 4217 code for rows whose file gives no currency.
    include_refunded : bool
        Keep refunded / voided orders, refunded charges, void invoices and
        negative amounts (excluded and counted by default).
    include_test : bool
        Keep test orders (excluded and counted by default).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id, email_key, at, amount, currency, order_id,
        source_format``, then the file's other non-personal columns. The
        :class:`~csanalysis.io.report.LoadReport` is in ``df.attrs["load_report"]``.

    Raises
    ------
    ExportError
        When the file is not a table, or no amount, date or customer column
        can be found (the message lists the columns found).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = p.write_text(
    ...     "Ordrenummer;Kundenummer;Dato;Beløb;Valuta\\n"
    ...     "1001;K-1;05.03.2024;1.234,50;DKK\\n1002;K-2;17.03.2024;99,95;DKK\\n", encoding="cp1252")
    >>> df = read_activity(p, timezone="Europe/Copenhagen")
    >>> df[["customer_id", "amount", "currency", "order_id"]].values.tolist()
    [['K-1', 1234.5, 'DKK', '1001'], ['K-2', 99.95, 'DKK', '1002']]
    >>> str(df["at"].iloc[0])
    '2024-03-04 23:00:00+00:00'
    """
    if source not in ACTIVITY_SOURCES:
        raise ValueError(f"source must be one of {ACTIVITY_SOURCES}, not {source!r}")
    spath = str(path)
    data, rows, rep = start_report(path, "activity", encoding=encoding, sheet=sheet)
    columns = list(data.columns)
    fmt = _detect(columns) if source == "auto" else source
    rep.source_format = {"shopify": "shopify_orders_csv", "stripe_charges": "stripe_payments_csv",
                         "stripe_invoices": "stripe_invoices_csv", "generic": "generic"}[fmt]
    user = check_mapping(spath, columns, mapping, _MAPPING_KEYS)
    frame = Frame(data, rows, rep)
    opts = {"path": spath, "timezone": timezone, "dayfirst": dayfirst, "currency": currency,
            "include_refunded": include_refunded, "include_test": include_test}
    if fmt == "shopify":
        parts = _shopify(frame, user, **opts)
    elif fmt in ("stripe_charges", "stripe_invoices"):
        parts = _stripe(frame, user, invoices=fmt == "stripe_invoices", **opts)
    else:
        parts = _generic(frame, user, **opts)
    canonical, used = parts

    # e-mail -> keyed pseudonym; the address itself only with keep_pii
    email = canonical.pop("_email")
    email_col = canonical.pop("_email_col")
    canonical["email_key"] = email_key(email, key) if email is not None else pd.Series(
        np.nan, index=frame.data.index, dtype=_STR)
    if email is not None:
        rep.note(email_key_note(email_col, key))
        if email_col is not None and not keep_pii and not is_personal_column(email_col):
            used.add(email_col)
            rep.dropped_columns.append(email_col)
    canonical["source_format"] = pd.Series(rep.source_format, index=frame.data.index, dtype=_STR)
    if not keep_pii:
        for c in frame.data.columns:
            if c not in used and EXTRA_PERSONAL.search(str(c)):
                used.add(c)
                rep.dropped_columns.append(c)
    df = finish(frame, canonical, "activity", used=used, keep_pii=keep_pii)
    if not keep_pii:
        df = redact_emails(df, rep, skip=("customer_id", "email_key", "order_id", "currency",
                                          "source_format"))
        if len(rep.rejected):
            rep.rejected = redact_emails(rep.rejected, LoadReport(spath, "activity"))
    df.attrs["load_report"] = rep
    return df


# --------------------------------------------------------------------------- shared tail
def _common_rules(frame: Frame, *, path: str, at: ParsedTimes, at_col: str, amount: pd.Series,
                  amount_bad: np.ndarray, amount_col: str, cust: pd.Series, email: pd.Series | None,
                  include_refunded: bool, negative_is_refund: bool = True) -> None:
    """Exclusions (after the test rule) first, then rejections."""
    rep = frame.report
    if negative_is_refund:
        neg = (amount < 0).to_numpy()
        if include_refunded:
            if (neg & frame.alive).any():
                rep.note(f"{int((neg & frame.alive).sum())} negative amount(s) (returns / credit notes) kept "
                         "(include_refunded=True)")
        else:
            frame.exclude(neg, "negative amount: a return or credit note (include_refunded=True keeps it)")
    frame.reject(amount_bad, f"amount in column {amount_col!r} is not a number")
    frame.reject(amount.isna().to_numpy(), f"no amount in column {amount_col!r}")
    frame.reject(at.invalid, f"date in column {at_col!r} is not a date")
    frame.reject(at.values.isna().to_numpy(), f"no date in column {at_col!r}")
    nobody = cust.isna().to_numpy().copy()
    if email is not None:
        nobody &= ~email.str.contains("@", regex=False, na=False).to_numpy()
    frame.reject(nobody, "neither a customer id nor an e-mail address")
    rep.date_order = at.date_order
    rep.timezone = at.timezone
    for n in at.notes:
        rep.note(n)


def _test_mask(frame: Frame, email: pd.Series | None) -> np.ndarray:
    d = frame.data
    cols = list(d.columns)
    test = np.zeros(len(d), dtype=bool)
    tags = _find(cols, ("Tags", "Tag"))
    if tags is not None:
        test |= d[tags].str.contains(r"(?i)\btest\b", regex=True, na=False).to_numpy()
    flag = _find(cols, ("Test", "Test order", "Is test", "Testordre", "Testbestellung"))
    if flag is not None:
        test |= _truthy(d[flag])
    mode = _find(cols, ("Mode", "Livemode"))
    if mode is not None:
        v = _txt(d[mode]).str.casefold()
        test |= (v == "test").to_numpy() if _key(mode) == "mode" else v.isin(["false", "0"]).to_numpy()
    gw = _find(cols, ("Payment Method", "Gateway", "Payment Gateway"))
    if gw is not None:
        test |= d[gw].str.contains(r"(?i)bogus", regex=True, na=False).to_numpy()
    if email is not None:
        # a cheap pyarrow pre-filter first: the exact rule (case=False, \s) runs per value in Python
        maybe = email.str.contains(_TEST_DOMAIN_HINT, regex=True, na=False).to_numpy()
        if maybe.any():
            hit = email[maybe].str.contains(_TEST_DOMAIN, regex=True, case=False, na=False).to_numpy()
            test[np.flatnonzero(maybe)[hit]] = True
    return test


def _email_and_customer(frame: Frame, user: dict, email_cands, cust_cands):
    cols = list(frame.data.columns)
    rep = frame.report
    email_col = user.get("email") or _find(cols, email_cands)
    cust_col = user.get("customer_id") or _find(cols, cust_cands)
    if cust_col is not None and cust_col == email_col:
        cust_col = None
    email = _txt(frame.col(email_col)) if email_col is not None else None
    cust = clean_ids(frame.col(cust_col)) if cust_col is not None else pd.Series(
        np.nan, index=frame.data.index, dtype=_STR)
    if cust_col is not None:
        cust, email = ids_or_emails(cust, email, rep, cust_col)
        if cust.isna().all() and email_col is None:
            email_col = cust_col
    _map(rep, customer_id=cust_col, email=email_col)
    return cust, cust_col, email, email_col


# --------------------------------------------------------------------------- Shopify
def _shopify(frame: Frame, user: dict, *, path, timezone, dayfirst, currency, include_refunded,
             include_test):
    d = frame.data
    cols = list(d.columns)
    rep = frame.report
    name_col = user.get("order_id") or _find(cols, ("Name", "Order", "Order Name"))
    if name_col is None:
        raise ExportError(path, "a Shopify orders export without its 'Name' (order number) column",
                          expected="the orders CSV from Shopify admin > Orders > Export, or "
                          "mapping={'order_id': '<column>'}")
    oid = clean_ids(d[name_col])
    frame.reject(oid.isna().to_numpy(), f"no order number in column {name_col!r}")
    codes, _ = pd.factorize(oid)
    codes = np.asarray(codes)
    has = codes >= 0
    line_rows = pd.Series(codes).duplicated().to_numpy() & has
    first = has & ~line_rows
    frame.merge(line_rows)
    n_lines = np.bincount(codes[has], minlength=int(codes.max()) + 1 if has.any() else 0)
    line_items = np.zeros(len(d), dtype="int64")
    line_items[has] = n_lines[codes[has]]
    if line_rows.any():
        rep.note(f"Shopify line items: {int(line_rows.sum())} line row(s) merged into their orders "
                 "(order-level fields are taken from the order's rows, counted once)")

    def order_level(col: str | None) -> pd.Series | None:
        """Each order's first non-empty value of ``col``, on every row of the order."""
        if col is None:
            return None
        s = _txt(d[col])
        out = s.where(first)
        # Shopify fills order-level fields on the order's first row; only orders whose first row is
        # empty need the first non-empty value of their other rows (a groupby over those orders)
        gap = first & s.isna().to_numpy()
        if gap.any():
            need = np.isin(codes, codes[gap])
            g = s[need].groupby(codes[need]).first()
            out = out.copy()
            out[gap] = pd.Series(g.reindex(codes[gap]).to_numpy(), dtype=_STR).to_numpy()
        return out

    email_col = user.get("email") or _find(cols, ("Email", "Customer Email"))
    cust_col = user.get("customer_id") or _find(cols, ("Customer ID", "Customer Id", "Customer"))
    email = order_level(email_col)
    cust = clean_ids(order_level(cust_col)) if cust_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if cust_col is not None:
        cust, email = ids_or_emails(cust, email, rep, cust_col)
    status_col = _find(cols, ("Financial Status",))
    status = order_level(status_col).str.casefold().str.replace(" ", "_") if status_col else None
    total_col = user.get("amount") or _find(cols, ("Total",))
    if total_col is None:
        raise _err_columns(path, cols, ["amount"])
    paid_col = _find(cols, ("Paid at",))
    created_col = _find(cols, ("Created at",))
    at_col = user.get("at")
    if at_col is not None:
        at = _times_on(order_level(at_col), first, column=at_col, path=path, dayfirst=dayfirst,
                              timezone=timezone)
        at_label = at_col
    else:
        if paid_col is None and created_col is None:
            raise _err_columns(path, cols, ["at"])
        paid = _times_on(order_level(paid_col), first, column=paid_col, path=path, dayfirst=dayfirst,
                                timezone=timezone) if paid_col else None
        created = _times_on(order_level(created_col), first, column=created_col, path=path,
                                   dayfirst=dayfirst, timezone=timezone) if created_col else None
        if paid is not None and created is not None:
            vals = paid.values.where(paid.values.notna(), created.values)
            at = ParsedTimes(vals, paid.invalid | (created.invalid & paid.values.isna().to_numpy()),
                             paid.date_order if paid.date_order != "none" else created.date_order,
                             paid.timezone or created.timezone, paid.notes + created.notes)
            rep.note("at = 'Paid at', or 'Created at' for orders not (yet) paid")
            at_label = f"{paid_col}/{created_col}"
        else:
            at = paid or created
            at_label = paid_col or created_col
    amount, amount_bad, _ = parse_numbers(order_level(total_col))
    cur_col = user.get("currency") or _find(cols, ("Currency",))
    cur = _iso_currency(order_level(cur_col), rep) if cur_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if currency:
        cur = cur.fillna(currency.upper())

    _apply_test(frame, _test_mask(frame, email) & first, include_test)
    # order-level exclusions: refunded / voided; pending & authorised kept
    if status is not None:
        gone = {"refunded": "refunded order", "voided": "voided order"}
        for st, label in gone.items():
            m = (status == st).fillna(False).to_numpy()
            if include_refunded:
                if (m & frame.alive).any():
                    rep.note(f"{int((m & frame.alive).sum())} {label}(s) kept (include_refunded=True)")
            else:
                frame.exclude(m, f"{label} (include_refunded=True keeps it)")
        part = (status == "partially_refunded").fillna(False).to_numpy() & frame.alive
        if part.any():
            rep.note(f"{int(part.sum())} partially refunded order(s) kept with their gross Total "
                     "(the refunded part is not subtracted)")
        pend = status.isin(["pending", "authorized", "partially_paid"]).fillna(False).to_numpy() & frame.alive
        if pend.any():
            rep.note(f"{int(pend.sum())} pending / authorised / partially paid order(s) kept: the customer "
                     "placed the order (at = 'Created at' when not paid)")
    _common_rules(frame, path=path, at=at, at_col=at_label, amount=amount, amount_bad=amount_bad,
                  amount_col=total_col, cust=cust, email=email, include_refunded=include_refunded,
                  negative_is_refund=False)
    _map(rep, order_id=name_col, at=(at_col,) if at_col else (paid_col, created_col), amount=total_col,
         currency=cur_col, customer_id=cust_col, email=email_col)
    used = {c for c in (name_col, total_col, cur_col, paid_col, created_col, at_col, cust_col) if c}
    used |= {c for c in cols if _key(c).startswith("lineitem")}
    rep.note("Shopify 'Lineitem ...' columns describe single lines and are left out of the order table; "
             "line_items counts each order's rows")
    canonical = {
        "customer_id": cust, "at": at.values, "amount": amount, "currency": cur, "order_id": oid,
        "line_items": pd.Series(line_items, index=d.index, dtype="Int64"),
        "_email": email, "_email_col": email_col,
    }
    return canonical, used


# --------------------------------------------------------------------------- Stripe
def _stripe(frame: Frame, user: dict, *, invoices: bool, path, timezone, dayfirst, currency,
            include_refunded, include_test):
    d = frame.data
    cols = list(d.columns)
    rep = frame.report
    id_col = user.get("order_id") or _find(cols, ("id", "ID", "Invoice ID", "Charge ID", "PaymentIntent ID"))
    cust_cands = ("Customer", "Customer ID") if invoices else ("Customer ID", "Customer")
    cust, cust_col, email, email_col = _email_and_customer(frame, user, ("Customer Email", "Email"), cust_cands)
    at_col = user.get("at") or _find(cols, ("Date (UTC)", "Created (UTC)", "Created date (UTC)", "Date",
                                            "Created", "Created date"))
    if at_col is None:
        raise _err_columns(path, cols, ["at"])
    tz = "UTC" if "utc" in str(at_col).casefold() else timezone
    if tz == "UTC" and timezone and timezone != "UTC":
        rep.note(f"{at_col!r} is marked UTC by Stripe; timezone={timezone!r} not applied to it")
    at = parse_timestamps(frame.col(at_col), column=at_col, path=path, dayfirst=dayfirst, timezone=tz)
    status_col = _find(cols, ("Status",))
    status = _txt(frame.col(status_col)).str.casefold().str.replace(" ", "_") if status_col else None
    if invoices:
        paid_col = _find(cols, ("Amount Paid",))
        due_col = _find(cols, ("Amount Due", "Total"))
        amount_col = user.get("amount") or paid_col
        amount, bad, _ = parse_numbers(frame.col(amount_col))
        if user.get("amount") is None and due_col is not None and status is not None:
            due, bad_due, _ = parse_numbers(frame.col(due_col))
            is_open = (status == "open").fillna(False).to_numpy()
            amount = amount.where(~is_open, due)
            bad = np.where(is_open, bad_due, bad)
            if (is_open & frame.alive).any():
                rep.note(f"{int(is_open.sum())} open invoice(s) kept with their Amount Due (not yet paid)")
    else:
        amount_col = user.get("amount") or _find(cols, ("Amount",))
        amount, bad, _ = parse_numbers(frame.col(amount_col))
    if amount_col is None:
        raise _err_columns(path, cols, ["amount"])
    rep.note("Stripe dashboard amounts read in major units (12.50 = twelve-fifty), as the dashboard exports them")
    cur_col = user.get("currency") or _find(cols, ("Currency",))
    cur = _iso_currency(frame.col(cur_col), rep) if cur_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if currency:
        cur = cur.fillna(currency.upper())
    oid = clean_ids(frame.col(id_col)) if id_col else pd.Series(np.nan, index=d.index, dtype=_STR)

    _apply_test(frame, _test_mask(frame, email), include_test)
    if status is not None:
        if invoices:
            never = {"draft": "draft invoice (never finalised)",
                     "uncollectible": "uncollectible invoice (not paid)"}
            undone = {"void": "void invoice"}
        else:
            never = {s: "failed or cancelled payment" for s in
                     ("failed", "canceled", "cancelled", "blocked", "incomplete", "requires_payment_method")}
            undone = {"refunded": "refunded charge"}
        for st, label in never.items():
            frame.exclude((status == st).fillna(False).to_numpy(), label)
        refunded = np.zeros(len(d), dtype=bool)
        for st in undone:
            refunded |= (status == st).fillna(False).to_numpy()
        if not invoices:
            ref_col = _find(cols, ("Amount Refunded",))
            if ref_col is not None:
                ref, _, _ = parse_numbers(frame.col(ref_col))
                refunded |= ((ref >= amount) & (amount > 0)).fillna(False).to_numpy()
                part = ((ref > 0) & (ref < amount)).fillna(False).to_numpy() & frame.alive
                if part.any():
                    rep.note(f"{int(part.sum())} partially refunded charge(s) kept with their gross Amount "
                             "(see amount_refunded)")
        label = next(iter(undone.values()))
        if include_refunded:
            if (refunded & frame.alive).any():
                rep.note(f"{int((refunded & frame.alive).sum())} {label}(s) kept (include_refunded=True)")
        else:
            frame.exclude(refunded, f"{label} (include_refunded=True keeps it)")
    _common_rules(frame, path=path, at=at, at_col=at_col, amount=amount, amount_bad=bad,
                  amount_col=amount_col, cust=cust, email=email, include_refunded=include_refunded)
    _map(rep, order_id=id_col, at=at_col, amount=amount_col, currency=cur_col)
    used = {c for c in (id_col, at_col, amount_col, cur_col, cust_col) if c}
    canonical = {"customer_id": cust, "at": at.values, "amount": amount, "currency": cur, "order_id": oid,
                 "_email": email, "_email_col": email_col}
    canonical = _merge_orders(frame, canonical, amount_summable=False)
    return canonical, used


# --------------------------------------------------------------------------- generic
def _generic(frame: Frame, user: dict, *, path, timezone, dayfirst, currency, include_refunded,
             include_test):
    d = frame.data
    cols = list(d.columns)
    rep = frame.report
    cust, cust_col, email, email_col = _email_and_customer(frame, user, _GENERIC["email"],
                                                           _GENERIC["customer_id"])
    taken = {c for c in (cust_col, email_col) if c}
    free = [c for c in cols if c not in taken]
    at_col = user.get("at") or _find(free, _GENERIC["at"])
    amount_col = user.get("amount") or _find(free, _GENERIC["amount"])
    qty_col = price_col = None
    if amount_col is None:
        qty_col = _find(free, _GENERIC["quantity"])
        price_col = _find(free, _GENERIC["unit_price"])
    missing = []
    if cust_col is None and email_col is None:
        missing.append("customer_id")
    if at_col is None:
        missing.append("at")
    if amount_col is None and (qty_col is None or price_col is None):
        missing.append("amount")
    if missing:
        raise _err_columns(path, cols, missing)
    at = parse_timestamps(frame.col(at_col), column=at_col, path=path, dayfirst=dayfirst, timezone=timezone)
    summable = False
    if amount_col is not None:
        raw_amount = frame.col(amount_col)
        amount, bad, mark = parse_numbers(raw_amount)
        amount_label = amount_col
    else:
        q, bad_q, _ = parse_numbers(frame.col(qty_col))
        p, bad_p, mark = parse_numbers(frame.col(price_col))
        amount = q * p
        bad = bad_q | bad_p
        raw_amount = frame.col(price_col)
        amount_label = f"{qty_col} x {price_col}"
        summable = True
        rep.note(f"amount = {qty_col!r} x {price_col!r} (no total column)")
    if mark == ",":
        rep.note(f"{amount_label!r}: decimal comma")
    cur_col = user.get("currency") or _find(free, _GENERIC["currency"])
    if cur_col is not None:
        cur = _iso_currency(frame.col(cur_col), rep)
    else:
        cur, notes = _currency_from_amounts(raw_amount)
        for n in notes:
            if not currency:
                rep.note(n)
    if currency:
        cur = cur.fillna(currency.upper())
    order_col = user.get("order_id") or _find([c for c in free if c not in (at_col, amount_col, cur_col)],
                                              _GENERIC["order_id"])
    oid = clean_ids(frame.col(order_col)) if order_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if order_col is None:
        rep.note("no order id column: each row is taken as one order")
    _apply_test(frame, _test_mask(frame, email), include_test)
    _common_rules(frame, path=path, at=at, at_col=at_col, amount=amount, amount_bad=bad,
                  amount_col=amount_label, cust=cust, email=email, include_refunded=include_refunded)
    _map(rep, at=at_col, amount=amount_col or (qty_col, price_col), currency=cur_col, order_id=order_col)
    used = {c for c in (cust_col, at_col, amount_col, cur_col, order_col) if c}
    canonical = {"customer_id": cust, "at": at.values, "amount": amount, "currency": cur, "order_id": oid,
                 "_email": email, "_email_col": email_col}
    canonical = _merge_orders(frame, canonical, amount_summable=summable)
    return canonical, used


def _merge_orders(frame: Frame, canonical: dict, *, amount_summable: bool) -> dict:
    """Merge live rows sharing an order id into the order's first row (vectorised)."""
    oid = canonical["order_id"]
    live = frame.alive & oid.notna().to_numpy()
    key = oid.where(live)
    dup = key.duplicated(keep="first").to_numpy() & live
    if not dup.any():
        return canonical
    rep = frame.report
    amount, at = canonical["amount"], canonical["at"]
    g_amount = amount.where(live).groupby(key)
    counts = key.value_counts()
    same = bool((g_amount.nunique(dropna=False).reindex(counts.index[counts > 1]) <= 1).all())
    if amount_summable or not same:
        per = g_amount.transform("sum")
        rep.note(f"{int(dup.sum())} row(s) share an order id with an earlier row and differ in amount: "
                 "read as line items, amounts summed per order")
    else:
        per = amount
        rep.note(f"{int(dup.sum())} row(s) repeat an earlier row's order id with the same amount: read as "
                 "the same order, counted once")
    first_at = at.where(live).groupby(key).transform("min")
    frame.merge(dup)
    out = dict(canonical)
    out["amount"] = amount.where(~live, per)
    out["at"] = at.where(~live, first_at)
    return out
