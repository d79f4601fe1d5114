"""Machinery of order tables: what the activity reader and the shop / payment tool modules share.

:func:`csanalysis.io.activity.read_activity` reads generic order tables
itself and hands Shopify and Stripe exports to their tool modules
(:mod:`csanalysis.io.tools.shopify`, :mod:`csanalysis.io.tools.stripe`);
all of them use the rules here: currencies, test orders, the common
exclusions and rejections, merging rows of one order, and recording which
column became which role.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ExportError
from . import tools
from ._common import Frame, find_header, ids_or_emails, stripped_text
from ._dates import ParsedTimes, parse_timestamps
from ._numbers import clean_ids
from .report import LoadReport

__all__ = ["CURRENCY_WORDS", "apply_test", "common_rules", "currency_from_amounts", "email_and_customer",
           "iso_currency", "map_roles", "merge_orders", "missing_columns_error", "test_mask", "times_on",
           "truthy"]

_STR = pd.StringDtype(na_value=np.nan)

#: Currency symbols and words seen around amounts, mapped to ISO codes (None: no single currency).
CURRENCY_WORDS = {"€": "EUR", "£": "GBP", "₽": "RUB", "руб": "RUB", "р": "RUB", "¥": "JPY",
                  "zł": "PLN", "eur": "EUR", "euro": "EUR", "usd": "USD", "$": None, "kr": None}

_TEST_DOMAIN = r"@[^@\s]*\.(?:test|example|invalid|localhost)\s*$"
_TEST_DOMAIN_HINT = r"(?i)\.(?:test|example|invalid|localhost)"  # implied by _TEST_DOMAIN

_TRUE = {"1", "true", "yes", "y", "ja", "j", "da", "да", "t", "x", "test"}


def truthy(s: pd.Series) -> np.ndarray:
    """Cells saying yes (1, true, yes, ja, да, x, test ...) as a boolean mask."""
    return stripped_text(s).str.casefold().isin(_TRUE).to_numpy(dtype=bool)


def iso_currency(cur: pd.Series, report: LoadReport) -> pd.Series:
    """A currency column as ISO 4217 codes (symbols and words mapped; odd values noted)."""
    c = stripped_text(cur).str.upper()
    words = {k.upper(): v for k, v in CURRENCY_WORDS.items() if v}
    c = c.replace(words)
    odd = c.notna() & ~c.str.fullmatch(r"[A-Z]{3}", na=False)
    if odd.any():
        report.note(f"{int(odd.sum())} currency value(s) are not ISO 4217 codes: "
                    f"{sorted(c[odd].unique().tolist())[:5]}")
    return c


def currency_from_amounts(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """ISO codes or unambiguous symbols written around amounts (``DKK 12,50``, ``12 €``)."""
    s = stripped_text(values)
    code = s.str.extract(r"(?:^|[\d\s])([A-Z]{3})(?:$|[\d\s])", expand=False)
    sym = s.str.extract(r"([€£₽¥]|руб|zł)", expand=False).map(
        {k: v for k, v in CURRENCY_WORDS.items() if v}, na_action="ignore")
    out = code.fillna(sym).astype(_STR)
    notes = []
    if s.str.contains(r"(?i)(?:^|[\d\s.])kr\.?(?:$|[\d\s])", regex=True, na=False).any():
        notes.append("amounts are written with 'kr' (DKK, SEK, NOK or ISK?); pass currency= to record which")
    if s.str.contains("$", regex=False, na=False).any():
        notes.append("amounts are written with '$', which names no single currency; pass currency=")
    return out, notes


def times_on(values: pd.Series, rows: np.ndarray, **kwargs) -> ParsedTimes:
    """:func:`parse_timestamps` on the ``rows`` that matter only (e.g. one row per order), spread back."""
    p = parse_timestamps(values[rows], **kwargs)
    # spread back as int64 nanoseconds (to_numpy() on tz-aware values builds Timestamp objects)
    ns = np.full(len(values), np.iinfo(np.int64).min, dtype=np.int64)
    ns[rows] = p.values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
    out = pd.Series(ns.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")
    invalid = np.zeros(len(values), dtype=bool)
    invalid[rows] = p.invalid
    return ParsedTimes(out, invalid, p.date_order, p.timezone, p.notes)


def missing_columns_error(path: str, columns, missing: list[str]) -> ExportError:
    """The error of an order table without a customer, date or amount column."""
    need = {"customer_id": "a customer id or an e-mail address", "at": "a date",
            "amount": "an amount (or a quantity and a unit price)"}
    what = ", ".join(need[m] for m in missing)
    example = ", ".join(f'"{m}": "<column>"' for m in missing)
    return ExportError(
        path,
        f"cannot tell which column holds {what}; the columns found are {tools.shown_columns(columns, 40)}",
        expected=f"an order table with a customer, a date and an amount per row, or name the columns "
        f"with mapping={{{example}}}")


def map_roles(rep: LoadReport, **roles) -> None:
    """Record source column -> canonical role (a role may come from several columns)."""
    for role, src in roles.items():
        for c in (src if isinstance(src, (tuple, list)) else (src,)):
            if c is not None:
                rep.column_mapping[str(c)] = role


def apply_test(frame: Frame, test: np.ndarray, include_test: bool) -> None:
    """Exclude test orders (or note that they were kept)."""
    live = test & frame.alive
    if include_test:
        if live.any():
            frame.report.note(f"{int(live.sum())} test order(s) kept (include_test=True)")
    else:
        frame.exclude(test, "test order (include_test=True keeps it)")


def test_mask(frame: Frame, email: pd.Series | None, rules=()) -> np.ndarray:
    """Test orders: a ``test`` tag, a true test flag, each tool's markers (``rules``), test e-mail domains.

    ``rules`` are the tools' ``test_rows(data) -> mask`` functions; e-mail
    domains reserved for testing (RFC 2606 / RFC 6761) are ``.test``,
    ``.example``, ``.invalid`` and ``.localhost``.
    """
    d = frame.data
    cols = list(d.columns)
    test = np.zeros(len(d), dtype=bool)
    tags = find_header(cols, ("Tags", "Tag"))
    if tags is not None:
        test |= d[tags].str.contains(r"(?i)\btest\b", regex=True, na=False).to_numpy()
    flag = find_header(cols, ("Test", "Test order", "Is test", "Testordre", "Testbestellung"))
    if flag is not None:
        test |= truthy(d[flag])
    for rule in rules:
        test |= rule(d)
    if email is not None:
        # a cheap pyarrow pre-filter first: the exact rule (case=False, \s) runs per value in Python
        maybe = email.str.contains(_TEST_DOMAIN_HINT, regex=True, na=False).to_numpy()
        if maybe.any():
            hit = email[maybe].str.contains(_TEST_DOMAIN, regex=True, case=False, na=False).to_numpy()
            test[np.flatnonzero(maybe)[hit]] = True
    return test


def common_rules(frame: Frame, *, path: str, at: ParsedTimes, at_col: str, amount: pd.Series,
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


def email_and_customer(frame: Frame, user: dict, email_cands, cust_cands):
    """The e-mail and customer-id columns (given or found) -> ``(cust, cust_col, email, email_col)``."""
    cols = list(frame.data.columns)
    rep = frame.report
    email_col = user.get("email") or find_header(cols, email_cands)
    cust_col = user.get("customer_id") or find_header(cols, cust_cands)
    if cust_col is not None and cust_col == email_col:
        cust_col = None
    email = stripped_text(frame.col(email_col)) if email_col is not None else None
    cust = clean_ids(frame.col(cust_col)) if cust_col is not None else pd.Series(
        np.nan, index=frame.data.index, dtype=_STR)
    if cust_col is not None:
        cust, email = ids_or_emails(cust, email, rep, cust_col)
        if cust.isna().all() and email_col is None:
            email_col = cust_col
    map_roles(rep, customer_id=cust_col, email=email_col)
    return cust, cust_col, email, email_col


def merge_orders(frame: Frame, canonical: dict, *, amount_summable: bool) -> dict:
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
