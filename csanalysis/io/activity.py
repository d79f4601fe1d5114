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

What each tool's export is (signature, columns, statuses, test markers, time
zones) is in its module of :mod:`csanalysis.io.tools`
(:mod:`~csanalysis.io.tools.shopify`, :mod:`~csanalysis.io.tools.stripe`);
this reader asks the registry which tool wrote the file and hands the file to
that tool's reading rules, or reads it as a generic order table. The rules
every order table shares are in :mod:`csanalysis.io._orders`.
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
from . import tools
from ._common import (EXTRA_PERSONAL, Frame, check_mapping, find_header, finish, header_key, reader, redact_email_columns,
                      reject_implausible, start_report, unmasked_text_columns)
from ._dates import parse_timestamps
from ._inputs import is_several, read_several
from ._text import as_input
from ._numbers import clean_ids, implausible_numbers, parse_numbers_strict
from ._orders import (
    apply_test,
    common_rules,
    currency_from_amounts,
    email_and_customer,
    iso_currency,
    map_roles,
    merge_orders,
    missing_columns_error,
    test_mask,
)
from .report import LoadReport
from .tools import ActivityTool, Header

__all__ = ["ACTIVITY_SOURCES", "read_activity"]

#: Values accepted by ``read_activity(source=...)``.
ACTIVITY_SOURCES = ("auto", *tools.sources("activity"), "generic")

_ACTIVITY_TOOLS: tuple[ActivityTool, ...] = tools.formats("activity")
# every tool's test-mode markers apply to every file (a generic table may be a tool's export)
_TEST_RULES = tuple(dict.fromkeys(t.test_rows for t in _ACTIVITY_TOOLS if t.test_rows is not None))

_MAPPING_KEYS = ("customer_id", "email", "at", "amount", "currency", "order_id")

_STR = pd.StringDtype(na_value=np.nan)

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
        "dollar value", "dollar_value", "dollars", "dollar amount", "sales amount", "sale amount", "sales value",
        "order amount", "purchase amount", "payment amount", "amount spent", "spend", "spent", "turnover",
        "monetary value", "monetary", "price paid", "paid", "total spent", "total sales", "line total",
        "subtotal", "net sales", "gross sales",
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

#: An amount named with its currency: ``amount_usd``, ``revenue (EUR)``, ``USD Amount``, ``total_dkk``.
_AMOUNT_CCY = re.compile(
    r"^(?:(?:amount|total|revenue|sales|value|price|spend|paid|beløb|betrag|summe|сумма)[\W_]*([a-z]{3})"
    r"|([a-z]{3})[\W_]*(?:amount|total|revenue|sales|value))$", re.IGNORECASE)
_NOT_CURRENCIES = frozenset({"net", "sum", "avg", "max", "min", "per", "all", "the", "and", "due", "tax", "row"})


def _amount_by_currency_name(columns) -> tuple[str, str] | None:
    """(column, ISO code) of an amount whose name carries its currency (``amount_usd`` -> USD)."""
    for c in columns:
        m = _AMOUNT_CCY.match(re.sub(r"[()\[\]]", " ", str(c)).strip())
        if m:
            code = (m.group(1) or m.group(2)).upper()
            if code.casefold() not in _NOT_CURRENCIES:
                return c, code
    return None


def _roles_from_values(frame: Frame, columns, *, path, timezone, dayfirst) -> dict[str, str]:
    """Roles of a table without a header row, from its values: a date, an amount, a customer id.

    The date is the column whose values read as dates (compact ``19970101``
    included, epoch seconds last); the amount the last column of numbers with
    decimals; the customer the first column left. The note says what was taken.
    """
    d = frame.data
    found: dict[str, str] = {}
    dates, epochs = [], []
    for c in columns:
        v = d[c][d[c].str.strip() != ""].head(500)
        if not len(v):
            continue
        try:
            p = parse_timestamps(v, column=str(c), path=path, dayfirst=dayfirst, timezone=timezone)
        except ExportError:
            continue
        if p.invalid.mean() <= 0.1:
            (epochs if p.date_order == "epoch" else dates).append(c)
    if dates or epochs:
        found["at"] = (dates or epochs)[0]
    numeric = []
    for c in columns:
        if c == found.get("at"):
            continue
        v = d[c][d[c].str.strip() != ""].head(2000)
        if len(v) and not parse_numbers_strict(v)[1].any() and v.str.contains(r"[.,][0-9]", regex=True).any():
            numeric.append(c)
    if numeric:
        found["amount"] = numeric[-1]
    rest = [c for c in columns if c not in found.values()]
    if rest:
        found["customer_id"] = rest[0]
    if found:
        frame.report.note("roles taken from the values (no header row): "
                          + ", ".join(f"{c!r} as {r}" for r, c in found.items())
                          + "; name them with mapping= if wrong")
    return found


# --------------------------------------------------------------------------- main
@reader
def read_activity(
    path: str | PathLike | pd.DataFrame | list,
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
    tz_abbreviations: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read an order / charge / invoice export into the canonical activity table.

    Parameters
    ----------
    path : str, PathLike, DataFrame or list
        CSV/TSV (any common encoding and delimiter), .xlsx, or a .zip holding one;
        or a DataFrame (from an API or a database, read like a file's table);
        or a list of these, stacked, with one load report.
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
    tz_abbreviations : mapping, optional
        Time-zone abbreviations written after the times -> IANA zone or UTC
        offset (``{"IST": "Asia/Kolkata"}``), for abbreviations with several
        meanings; see :data:`csanalysis.io._dates.TZ_ABBREVIATIONS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id, email_key, at, amount, currency, order_id,
        source_format``, then the file's other non-personal columns (text; a
        column whose values repeat, such as a status or a shipping method, is
        categorical: the same values in a fraction of the memory). The
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
    if is_several(path):  # every option (as given) applies to each file
        options = dict(locals())
        del options["path"]
        return read_several(read_activity, path, **options)
    path = as_input(path)
    spath = str(path)
    data, rows, rep = start_report(path, "activity", encoding=encoding,
                                   sheet=sheet if sheet is not None else tools.sheet_fit("activity"),
                                   headerless_ok=True, release_personal=None if keep_pii else (mapping or {}).values())
    columns = list(data.columns)
    if source == "auto":
        found = tools.detect("activity", Header.of_columns(columns))
        tool = found[0] if found is not None else None
    else:
        tool = tools.named("activity", source)
    rep.source_format = tool.source_format if tool is not None else "generic"
    user = check_mapping(spath, columns, mapping, _MAPPING_KEYS)
    frame = Frame(data, rows, rep)
    del data  # the frame holds the source table now; finish() lets its columns go
    opts = {"path": spath, "timezone": timezone, "dayfirst": dayfirst, "currency": currency,
            "include_refunded": include_refunded, "include_test": include_test, "test_rules": _TEST_RULES}
    if not keep_pii:  # addresses and phone numbers go before the columns are parsed (finish() drops them)
        frame.release_personal(keep=user.values())
    read = tool.read if tool is not None else _generic
    canonical, used = read(frame, user, **opts)

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
    del email  # the addresses themselves go before the source columns are copied (finish)
    canonical["source_format"] = pd.Series(rep.source_format, index=frame.data.index, dtype=_STR)
    if not keep_pii:
        for c in frame.data.columns:
            if c not in used and EXTRA_PERSONAL.search(str(c)):
                used.add(c)
                rep.dropped_columns.append(c)
    df = finish(frame, canonical, "activity", used=used, keep_pii=keep_pii, key=key, categories=True)
    del frame, canonical
    if not keep_pii:
        df = redact_email_columns(df, rep, columns=unmasked_text_columns(df),
                                  skip=("customer_id", "email_key", "order_id", "currency", "source_format"))
        if len(rep.rejected):
            rep.rejected = redact_email_columns(rep.rejected, LoadReport(spath, "activity"))
    df.attrs["load_report"] = rep
    return df


# --------------------------------------------------------------------------- generic
def _generic(frame: Frame, user: dict, *, path, timezone, dayfirst, currency, include_refunded,
             include_test, test_rules=()):
    d = frame.data
    cols = list(d.columns)
    rep = frame.report
    cust, cust_col, email, email_col = email_and_customer(frame, user, _GENERIC["email"],
                                                          _GENERIC["customer_id"])
    if rep.header_rows == 0:  # no header row: the values say which column is which
        guessed = {k: v for k, v in _roles_from_values(frame, cols, path=path, timezone=timezone,
                                                       dayfirst=dayfirst).items() if k not in user}
        if guessed:
            cust, cust_col, email, email_col = email_and_customer(frame, {**guessed, **user}, (), ())
            user = {**user, **{k: v for k, v in guessed.items() if k != "customer_id"}}
    taken = {c for c in (cust_col, email_col) if c}
    free = [c for c in cols if c not in taken]
    at_col = user.get("at") or find_header(free, _GENERIC["at"])
    if "at" not in user:  # an order's time is its purchase time; the alternatives named in the report
        at_col, at_note = tools.order_time(free, d, at_col)
        if at_note:
            rep.note(at_note)
    amount_col = user.get("amount") or find_header(free, _GENERIC["amount"])
    named_ccy = None
    if amount_col is None and (hit := _amount_by_currency_name(free)) is not None:
        amount_col, named_ccy = hit
    qty_col = price_col = None
    if amount_col is None:
        qty_col = find_header(free, _GENERIC["quantity"])
        price_col = find_header(free, _GENERIC["unit_price"])
    missing = []
    if cust_col is None and email_col is None:
        missing.append("customer_id")
    if at_col is None:
        missing.append("at")
    if amount_col is None and (qty_col is None or price_col is None):
        missing.append("amount")
    if missing:
        raise missing_columns_error(path, cols, missing)
    at = parse_timestamps(frame.col(at_col), column=at_col, path=path, dayfirst=dayfirst, timezone=timezone)
    summable = False
    if amount_col is not None:
        raw_amount = frame.col(amount_col)
        amount, bad, mark = parse_numbers_strict(raw_amount)
        amount_label = amount_col
    else:
        q, bad_q, _ = parse_numbers_strict(frame.col(qty_col))
        p, bad_p, mark = parse_numbers_strict(frame.col(price_col))
        amount = q * p
        bad = bad_q | bad_p
        raw_amount = frame.col(price_col)
        amount_label = f"{qty_col} x {price_col}"
        summable = True
        rep.note(f"amount = {qty_col!r} x {price_col!r} (no total column)")
    if mark == ",":
        rep.note(f"{amount_label!r}: decimal comma")
    cur_col = user.get("currency") or find_header(free, _GENERIC["currency"])
    if cur_col is not None:
        cur = iso_currency(frame.col(cur_col), rep)
    else:
        cur, notes = currency_from_amounts(raw_amount)
        for n in notes:
            if not currency:
                rep.note(n)
    if cur_col is None and not currency and re.search(r"dollar", str(amount_col), re.IGNORECASE):
        rep.note(f"amounts in {amount_col!r} are dollars, which names no single currency; pass currency= "
                 "(e.g. 'USD') to record it")
    if named_ccy is not None and cur_col is None and not currency:
        cur = cur.fillna(named_ccy)
        rep.note(f"currency {named_ccy} taken from the amount column's name {amount_col!r}")
    if currency:
        cur = cur.fillna(currency.upper())
    order_col = user.get("order_id") or find_header([c for c in free if c not in (at_col, amount_col, cur_col)],
                                                    _GENERIC["order_id"])
    oid = clean_ids(frame.col(order_col)) if order_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if order_col is None:
        rep.note("no order id column: each row is taken as one order")
    apply_test(frame, test_mask(frame, email, test_rules), include_test)
    # bad cells cost a row: a date out of range, an infinite or absurd amount (each with its reason)
    frame.reject(at.out_of_range, f"date in column {at_col!r} is outside 1900-2099 (a typo or a placeholder "
                 "such as 9999-12-31)")
    reject_implausible(frame, [amount_col, qty_col, price_col])
    common_rules(frame, path=path, at=at, at_col=at_col, amount=amount, amount_bad=bad,
                 amount_col=amount_label, cust=cust, email=email, include_refunded=include_refunded)
    map_roles(rep, at=at_col, amount=amount_col or (qty_col, price_col), currency=cur_col, order_id=order_col)
    used = {c for c in (cust_col, at_col, amount_col, cur_col, order_col) if c}
    canonical = {"customer_id": cust, "at": at.values, "amount": amount, "currency": cur, "order_id": oid,
                 "_email": email, "_email_col": email_col}
    canonical = merge_orders(frame, canonical, amount_summable=summable)
    return canonical, used
