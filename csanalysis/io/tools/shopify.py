"""Shopify: the orders export.

What the export looks like
--------------------------
Shopify admin > Orders > Export (CSV): **one row per line item**. The
order-level fields (``Name`` = the order number ``#1001``, ``Email``,
``Financial Status``, ``Paid at``, ``Currency``, ``Subtotal``, ``Total``,
``Created at``, ``Tags``, ``Payment Method`` ...) are filled on the order's
first row only; every row has its ``Lineitem name``, ``Lineitem quantity``,
``Lineitem price`` ... Recognised by ``Financial Status`` and ``Name`` with
a ``Lineitem ...``, ``Paid at``, ``Total`` or ``Created at`` column.

Quirks
------
* Line items: each order becomes one row, its other rows are counted as
  merged (``line_items`` counts them); order-level fields are each order's
  first non-empty value. The ``Lineitem ...`` columns describe single lines
  and are left out.
* ``at`` is ``Paid at``, or ``Created at`` for orders not (yet) paid.
* ``Financial Status``: refunded and voided orders are excluded by default;
  partially refunded orders keep their gross ``Total``; pending,
  authorised and partially paid orders are kept. A negative ``Total`` is not
  read as a refund.
* Test orders: Shopify's ``bogus`` test gateway in ``Payment Method`` /
  ``Gateway`` (applied to every activity file).
* Time zone: the shop's zone, written as an offset in every timestamp
  (``2024-03-05 14:03:22 +0100``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import ExportError
from ...stats.arrays import factorize
from .._common import find_header, header_key, ids_or_emails, stripped_text
from .._dates import ParsedTimes
from .._numbers import clean_ids, parse_numbers_strict
from .._orders import (
    apply_test,
    common_rules,
    iso_currency,
    map_roles,
    missing_columns_error,
    test_mask,
    times_on,
)
from .base import ActivityTool, Header

__all__ = ["TITLE", "ORDERS", "FORMATS", "COLUMNS", "read_orders", "test_rows"]

#: The tool, in words.
TITLE = "Shopify"

_STR = pd.StringDtype(na_value=np.nan)

#: Role -> the export's column names (first match wins).
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("Name", "Order", "Order Name"),
    "email": ("Email", "Customer Email"),
    "customer_id": ("Customer ID", "Customer Id", "Customer"),
    "status": ("Financial Status",),
    "amount": ("Total",),
    "paid_at": ("Paid at",),
    "created_at": ("Created at",),
    "currency": ("Currency",),
}
#: ``Financial Status`` values of orders taken back (excluded unless ``include_refunded=True``).
TAKEN_BACK: dict[str, str] = {"refunded": "refunded order", "voided": "voided order"}
#: ``Financial Status`` values of orders placed but not (fully) paid: kept.
PENDING: tuple[str, ...] = ("pending", "authorized", "partially_paid")
#: Columns naming the payment gateway; Shopify's test gateway is called "bogus".
GATEWAY_COLUMNS: tuple[str, ...] = ("Payment Method", "Gateway", "Payment Gateway")


def _detect(h: Header) -> bool:
    has = h.keys
    return "financialstatus" in has and "name" in has and bool(
        {"lineitemname", "lineitemquantity", "paidat", "total", "createdat"} & has)


def test_rows(data: pd.DataFrame) -> np.ndarray:
    """Orders paid through Shopify's ``bogus`` test gateway."""
    test = np.zeros(len(data), dtype=bool)
    gw = find_header(list(data.columns), GATEWAY_COLUMNS)
    if gw is not None:
        test |= data[gw].str.contains(r"(?i)bogus", regex=True, na=False).to_numpy()
    return test


def read_orders(frame, user: dict, *, path, timezone, dayfirst, currency, include_refunded, include_test,
                test_rules=()):
    """The orders export -> (canonical columns, source columns used): one row per order."""
    d = frame.data
    cols = list(d.columns)
    rep = frame.report
    name_col = user.get("order_id") or find_header(cols, COLUMNS["order_id"])
    if name_col is None:
        raise ExportError(path, "a Shopify orders export without its 'Name' (order number) column",
                          expected="the orders CSV from Shopify admin > Orders > Export, or "
                          "mapping={'order_id': '<column>'}")
    oid = clean_ids(d[name_col])
    frame.reject(oid.isna().to_numpy(), f"no order number in column {name_col!r}")
    codes, _ = factorize(oid)
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
        s = stripped_text(d[col])
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

    email_col = user.get("email") or find_header(cols, COLUMNS["email"])
    cust_col = user.get("customer_id") or find_header(cols, COLUMNS["customer_id"])
    email = order_level(email_col)
    cust = clean_ids(order_level(cust_col)) if cust_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if cust_col is not None:
        cust, email = ids_or_emails(cust, email, rep, cust_col)
    status_col = find_header(cols, COLUMNS["status"])
    status = order_level(status_col).str.casefold().str.replace(" ", "_") if status_col else None
    total_col = user.get("amount") or find_header(cols, COLUMNS["amount"])
    if total_col is None:
        raise missing_columns_error(path, cols, ["amount"])
    paid_col = find_header(cols, COLUMNS["paid_at"])
    created_col = find_header(cols, COLUMNS["created_at"])
    at_col = user.get("at")
    if at_col is not None:
        at = times_on(order_level(at_col), first, column=at_col, path=path, dayfirst=dayfirst,
                      timezone=timezone)
        at_label = at_col
    else:
        if paid_col is None and created_col is None:
            raise missing_columns_error(path, cols, ["at"])
        paid = times_on(order_level(paid_col), first, column=paid_col, path=path, dayfirst=dayfirst,
                        timezone=timezone) if paid_col else None
        created = times_on(order_level(created_col), first, column=created_col, path=path,
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
    amount, amount_bad, _ = parse_numbers_strict(order_level(total_col))
    cur_col = user.get("currency") or find_header(cols, COLUMNS["currency"])
    cur = iso_currency(order_level(cur_col), rep) if cur_col else pd.Series(np.nan, index=d.index, dtype=_STR)
    if currency:
        cur = cur.fillna(currency.upper())

    apply_test(frame, test_mask(frame, email, test_rules) & first, include_test)
    # order-level exclusions: refunded / voided; pending & authorised kept
    if status is not None:
        for st, label in TAKEN_BACK.items():
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
        pend = status.isin(list(PENDING)).fillna(False).to_numpy() & frame.alive
        if pend.any():
            rep.note(f"{int(pend.sum())} pending / authorised / partially paid order(s) kept: the customer "
                     "placed the order (at = 'Created at' when not paid)")
    common_rules(frame, path=path, at=at, at_col=at_label, amount=amount, amount_bad=amount_bad,
                 amount_col=total_col, cust=cust, email=email, include_refunded=include_refunded,
                 negative_is_refund=False)
    map_roles(rep, order_id=name_col, at=(at_col,) if at_col else (paid_col, created_col), amount=total_col,
              currency=cur_col, customer_id=cust_col, email=email_col)
    used = {c for c in (name_col, total_col, cur_col, paid_col, created_col, at_col, cust_col) if c}
    used |= {c for c in cols if header_key(c).startswith("lineitem")}
    rep.note("Shopify 'Lineitem ...' columns describe single lines and are left out of the order table; "
             "line_items counts each order's rows")
    canonical = {
        "customer_id": cust, "at": at.values, "amount": amount, "currency": cur, "order_id": oid,
        "line_items": pd.Series(line_items, index=d.index, dtype="Int64"),
        "_email": email, "_email_col": email_col,
    }
    return canonical, used


ORDERS = ActivityTool(
    name="shopify", family="shopify", title="Shopify orders export", source_format="shopify_orders_csv",
    detect=_detect,
    timezone="the shop's zone, as an offset in every timestamp (+0100)",
    columns=COLUMNS, read=read_orders, test_rows=test_rows,
)

FORMATS = (ORDERS,)
