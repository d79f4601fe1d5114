"""Stripe: the dashboard's payments (charges) and invoices exports.

What the exports look like
--------------------------
``stripe_charges`` (``source_format`` ``stripe_payments_csv``)
    Dashboard > Payments > Export: one row per charge, with ``id``,
    ``Created date (UTC)``, ``Amount``, ``Amount Refunded``, ``Currency``,
    ``Captured``, ``Status``, ``Customer ID``, ``Customer Email``, ``Card
    Name``, ``Mode`` ... Recognised by ``Amount Refunded`` and ``Amount``
    with ``Captured`` or ``Status`` (and not the invoice signature).
``stripe_invoices`` (``source_format`` ``stripe_invoices_csv``)
    Dashboard > Invoices > Export: one row per invoice, with ``id``,
    ``Date (UTC)``, ``Amount Due``, ``Amount Paid``, ``Total``, ``Status``
    (draft / open / paid / uncollectible / void), ``Customer``, ``Customer
    Email`` ... Recognised by ``Amount Due`` with ``Amount Paid``.

Quirks
------
* Amounts: the dashboard exports them in major units (12.50 =
  twelve-fifty), unlike the API's minor units (cents); read as written.
* Time zone: columns marked ``(UTC)`` are UTC whatever ``timezone=`` says.
* Charges: failed, cancelled, blocked and incomplete payments are no
  purchase (always excluded); a refunded charge (``Status`` refunded, or
  ``Amount Refunded`` >= ``Amount``) is excluded unless
  ``include_refunded=True``; partially refunded charges keep their gross
  ``Amount``.
* Invoices: ``Amount Paid``, or ``Amount Due`` for open invoices; draft and
  uncollectible invoices are no purchase; void invoices are excluded unless
  ``include_refunded=True``. The invoice's customer is ``Customer`` (an id).
* Test mode: ``Mode`` = test, or ``Livemode`` = false (applied to every
  activity file).
* The cardholder name and the customer description are personal (dropped).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .._common import find_header, header_key, stripped_text
from .._dates import parse_timestamps
from .._numbers import clean_ids, parse_numbers_strict
from .._orders import (
    apply_test,
    common_rules,
    email_and_customer,
    iso_currency,
    map_roles,
    merge_orders,
    missing_columns_error,
    test_mask,
)
from .base import ActivityTool, Header

__all__ = ["TITLE", "CHARGES", "INVOICES", "FORMATS", "COLUMNS", "read_payments", "test_rows"]

#: The tool, in words.
TITLE = "Stripe"

_STR = pd.StringDtype(na_value=np.nan)

#: Role -> the exports' column names (first match wins).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("id", "ID", "Invoice ID", "Charge ID", "PaymentIntent ID"),
    "email": ("Customer Email", "Email"),
    "customer_id": ("Customer ID", "Customer"),  # charges: the id column first
    "at": ("Date (UTC)", "Created (UTC)", "Created date (UTC)", "Date", "Created", "Created date"),
    "status": ("Status",),
    "amount": ("Amount",),  # charges
    "amount_paid": ("Amount Paid",),  # invoices
    "amount_due": ("Amount Due", "Total"),  # open invoices
    "amount_refunded": ("Amount Refunded",),
    "currency": ("Currency",),
}
#: Invoices name the customer id ``Customer``.
INVOICE_CUSTOMER: tuple[str, ...] = ("Customer", "Customer ID")
#: Charge statuses that are no purchase (always excluded).
FAILED_CHARGE: tuple[str, ...] = ("failed", "canceled", "cancelled", "blocked", "incomplete",
                                  "requires_payment_method")
#: Columns telling test mode from live mode.
MODE_COLUMNS: tuple[str, ...] = ("Mode", "Livemode")


def _detect_invoices(h: Header) -> bool:
    return {"amountdue", "amountpaid"} <= h.keys


def _detect_charges(h: Header) -> bool:
    has = h.keys
    return (not _detect_invoices(h) and "amountrefunded" in has and "amount" in has
            and ("captured" in has or "status" in has))


def test_rows(data: pd.DataFrame) -> np.ndarray:
    """Rows of test mode: ``Mode`` = test, or ``Livemode`` = false / 0."""
    test = np.zeros(len(data), dtype=bool)
    mode = find_header(list(data.columns), MODE_COLUMNS)
    if mode is not None:
        v = stripped_text(data[mode]).str.casefold()
        test |= (v == "test").to_numpy() if header_key(mode) == "mode" else v.isin(["false", "0"]).to_numpy()
    return test


def read_payments(frame, user: dict, *, invoices: bool, path, timezone, dayfirst, currency, include_refunded,
                  include_test, test_rules=()):
    """A charges or invoices export -> (canonical columns, source columns used)."""
    d = frame.data
    cols = list(d.columns)
    rep = frame.report
    id_col = user.get("order_id") or find_header(cols, COLUMNS["order_id"])
    cust_cands = INVOICE_CUSTOMER if invoices else COLUMNS["customer_id"]
    cust, cust_col, email, email_col = email_and_customer(frame, user, COLUMNS["email"], cust_cands)
    at_col = user.get("at") or find_header(cols, COLUMNS["at"])
    if at_col is None:
        raise missing_columns_error(path, cols, ["at"])
    tz = "UTC" if "utc" in str(at_col).casefold() else timezone
    if tz == "UTC" and timezone and timezone != "UTC":
        rep.note(f"{at_col!r} is marked UTC by Stripe; timezone={timezone!r} not applied to it")
    at = parse_timestamps(frame.col(at_col), column=at_col, path=path, dayfirst=dayfirst, timezone=tz)
    status_col = find_header(cols, COLUMNS["status"])
    status = stripped_text(frame.col(status_col)).str.casefold().str.replace(" ", "_") if status_col else None
    if invoices:
        paid_col = find_header(cols, COLUMNS["amount_paid"])
        due_col = find_header(cols, COLUMNS["amount_due"])
        amount_col = user.get("amount") or paid_col
        amount, bad, _ = parse_numbers_strict(frame.col(amount_col))
        if user.get("amount") is None and due_col is not None and status is not None:
            due, bad_due, _ = parse_numbers_strict(frame.col(due_col))
            is_open = (status == "open").fillna(False).to_numpy()
            amount = amount.where(~is_open, due)
            bad = np.where(is_open, bad_due, bad)
            if (is_open & frame.alive).any():
                rep.note(f"{int(is_open.sum())} open invoice(s) kept with their Amount Due (not yet paid)")
    else:
        amount_col = user.get("amount") or find_header(cols, COLUMNS["amount"])
        amount, bad, _ = parse_numbers_strict(frame.col(amount_col))
    if amount_col is None:
        raise missing_columns_error(path, cols, ["amount"])
    rep.note("Stripe dashboard amounts read in major units (12.50 = twelve-fifty), as the dashboard exports them")
    cur_col = user.get("currency") or find_header(cols, COLUMNS["currency"])
    cur = iso_currency(frame.col(cur_col), rep) if cur_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if currency:
        cur = cur.fillna(currency.upper())
    oid = clean_ids(frame.col(id_col)) if id_col else pd.Series(np.nan, index=d.index, dtype=_STR)

    apply_test(frame, test_mask(frame, email, test_rules), include_test)
    if status is not None:
        if invoices:
            never = {"draft": "draft invoice (never finalised)",
                     "uncollectible": "uncollectible invoice (not paid)"}
            undone = {"void": "void invoice"}
        else:
            never = {s: "failed or cancelled payment" for s in FAILED_CHARGE}
            undone = {"refunded": "refunded charge"}
        for st, label in never.items():
            frame.exclude((status == st).fillna(False).to_numpy(), label)
        refunded = np.zeros(len(d), dtype=bool)
        for st in undone:
            refunded |= (status == st).fillna(False).to_numpy()
        if not invoices:
            ref_col = find_header(cols, COLUMNS["amount_refunded"])
            if ref_col is not None:
                ref, _, _ = parse_numbers_strict(frame.col(ref_col))
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
    common_rules(frame, path=path, at=at, at_col=at_col, amount=amount, amount_bad=bad,
                 amount_col=amount_col, cust=cust, email=email, include_refunded=include_refunded)
    map_roles(rep, order_id=id_col, at=at_col, amount=amount_col, currency=cur_col)
    used = {c for c in (id_col, at_col, amount_col, cur_col, cust_col) if c}
    canonical = {"customer_id": cust, "at": at.values, "amount": amount, "currency": cur, "order_id": oid,
                 "_email": email, "_email_col": email_col}
    canonical = merge_orders(frame, canonical, amount_summable=False)
    return canonical, used


CHARGES = ActivityTool(
    name="stripe_charges", family="stripe", title="Stripe payments export", source_format="stripe_payments_csv",
    detect=_detect_charges,
    timezone="UTC, stated in the column names ('Created date (UTC)')",
    columns=COLUMNS, read=functools.partial(read_payments, invoices=False), test_rows=test_rows,
)
INVOICES = ActivityTool(
    name="stripe_invoices", family="stripe", title="Stripe invoices export", source_format="stripe_invoices_csv",
    detect=_detect_invoices,
    timezone="UTC, stated in the column names ('Date (UTC)')",
    columns=COLUMNS, read=functools.partial(read_payments, invoices=True), test_rows=test_rows,
)

FORMATS = (CHARGES, INVOICES)
