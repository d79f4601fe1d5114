"""Reading a customer snapshot: churn tables, CRM exports, satisfaction and complaints.

:func:`read_customers` turns a one-row-per-customer table into the canonical
*customers* table (:data:`csanalysis.schema.CUSTOMERS`). It recognises the
churn tables analysts learn on, and any table that names its columns in a
similar way:

* IBM Telco customer churn (the 2019+ Cognos version): ``Customer ID``,
  ``Satisfaction Score`` (1-5), ``Churn Label`` (Yes/No), ``Churn Value``
  (0/1), ``Churn Reason``, ``Churn Category``, ``Number of Referrals``, or
  ``Customer Status`` (Churned/Stayed/Joined); and the older Kaggle
  ``customerID`` / ``Churn`` (Yes/No) version.
* The Kaggle e-commerce churn table: ``CustomerID``, ``Churn`` (0/1),
  ``SatisfactionScore``, ``Complain`` (0/1), ``Tenure``, ``OrderCount``, ...
* The Kaggle bank churn table: ``CustomerId``, ``Exited`` (0/1),
  ``Complain``, ``Satisfaction Score``, ``Surname`` (personal: dropped), ...
* The Kaggle credit-card churners table: ``CLIENTNUM``, ``Attrition_Flag``
  (Attrited Customer / Existing Customer).

Booleans may be written Yes/No, 1/0, True/False, Ja/Nej, Да/Нет (or a count,
read as "more than zero"). Satisfaction on another scale is rescaled
linearly to 1-5 (``satisfaction_scale=(1, 10)``, or inferred when the largest
value exceeds 5; the report says which). A customer id that appears again is
merged into its first row (counted as merged). The signatures that name
the known tables in ``LoadReport.source_format`` are in
:mod:`csanalysis.io.tools.churn_tables`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from os import PathLike

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..privacy import email_key, email_key_note, is_personal_column
from ..schema import CUSTOMERS
from . import tools
from ._common import (
    EXTRA_PERSONAL,
    Frame,
    check_mapping,
    find_header,
    finish,
    header_key,
    ids_or_emails,
    reader,
    redact_email_columns,
    unmasked_text_columns,
    reject_implausible,
    start_report,
    stripped_text,
)
from ._inputs import is_several, read_several
from ._numbers import clean_ids, parse_numbers_strict
from ._text import as_input
from .report import LoadReport
from .tools import Header

__all__ = ["read_customers"]

_STR = pd.StringDtype(na_value=np.nan)

_MAPPING_KEYS = ("customer_id", "email", "satisfaction", "complained", "churned", "churn_reason",
                 "churn_category", "referrals")

_CANDIDATES = {
    "customer_id": (
        "Customer ID", "CustomerID", "CustomerId", "customer_id", "CLIENTNUM", "Client ID", "Customer",
        "Customer Number", "Account ID", "User ID", "Kunde-ID", "Kundenummer", "Kundennummer",
        "Kundnummer", "Kund-ID", "Klantnummer", "ID клиента", "Код клиента", "Клиент", "ID",
    ),
    "email": ("Email", "E-mail", "Email Address", "E-mail address", "Customer Email", "E-mailadresse",
              "E-postadress", "Почта", "Электронная почта"),
    "satisfaction": ("Satisfaction Score", "SatisfactionScore", "satisfaction_score", "Satisfaction",
                     "CSAT", "Customer Satisfaction", "Tilfredshed", "Nöjdhet", "Zufriedenheit",
                     "Удовлетворенность"),
    "complained": ("Complain", "Complained", "Complaint", "Complaints", "Has Complained",
                   "Klage", "Klaget", "Klagomål", "Beschwerde", "Reklamation", "Жалоба"),
    # first match wins: the 0/1 value column before the label before a status
    "churned": ("Churn Value", "Churn Label", "Churn", "Churned", "Exited", "Attrition_Flag",
                "Attrition", "Customer Status", "Opsagt", "Uppsagd", "Gekündigt", "Отток", "Ушел"),
    "churn_reason": ("Churn Reason", "Reason for Leaving", "Opsigelsesårsag", "Kündigungsgrund",
                     "Причина ухода"),
    "churn_category": ("Churn Category",),
    "referrals": ("Number of Referrals", "Referrals", "Referral Count", "NumberOfReferrals",
                  "Antal anbefalinger", "Empfehlungen"),
}

_TRUE = {"1", "yes", "y", "true", "t", "ja", "j", "da", "да", "oui", "si", "sí", "x",
         "churned", "churn", "exited", "left", "attrited customer", "attrited", "opsagt", "gekündigt"}
_FALSE = {"0", "no", "n", "false", "f", "nej", "nein", "nee", "нет", "non", "",
          "stayed", "joined", "existing customer", "retained", "active", "aktiv"}



def _booleans(values: pd.Series, column: str, rep: LoadReport) -> pd.Series:
    """Yes/No-like values or counts -> nullable boolean; unknown labels left missing (noted)."""
    s = stripped_text(values)
    low = s.str.casefold().str.replace(r"\.0+$", "", regex=True)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    present = s.notna()
    num, bad, _ = parse_numbers_strict(s)
    if present.any() and not bad[present.to_numpy()].any() and (num[present] > 1).any():
        rep.note(f"{column!r} holds counts; read as true when above zero")
        out[present] = num[present] > 0
        return out
    t = low.isin(_TRUE).to_numpy()
    f = (low.isin(_FALSE) & present).to_numpy()
    out[t] = True
    out[f] = False
    unknown = present.to_numpy() & ~t & ~f
    if unknown.any():
        labels = sorted(s[unknown].unique().tolist())[:10]
        rep.note(f"{int(unknown.sum())} value(s) of {column!r} are neither yes nor no ({labels}); left missing")
    return out


def _satisfaction(values: pd.Series, column: str, scale, rep: LoadReport) -> pd.Series:
    x, bad, _ = parse_numbers_strict(values)
    if bad.any():
        labels = sorted(stripped_text(values)[bad].unique().tolist())[:10]
        rep.note(f"{int(bad.sum())} value(s) of {column!r} are not numbers ({labels}); left missing")
    if x.notna().sum() == 0:
        return x
    lo_seen, hi_seen = float(x.min()), float(x.max())
    if scale is not None:
        try:
            lo, hi = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise ValueError(f"satisfaction_scale must be a pair (low, high) such as (1, 10), not {scale!r}") from None
        if not hi > lo:
            raise ValueError(f"satisfaction_scale must have high > low, not {scale!r}")
        how = "as given by satisfaction_scale="
    elif hi_seen <= 5 and lo_seen >= 1:
        return x
    else:
        lo = 0.0 if lo_seen < 1 else 1.0
        hi = next((h for h in (5.0, 7.0, 10.0, 100.0) if hi_seen <= h), None)
        if hi is None or lo_seen < 0:
            raise ExportError(rep.path, f"satisfaction values in column {column!r} run from {lo_seen:g} to "
                              f"{hi_seen:g}, which is no scale csanalysis can infer", column=column,
                              expected="satisfaction_scale=(low, high) naming the survey's scale")
        how = f"inferred from the values ({lo_seen:g} to {hi_seen:g}); pass satisfaction_scale= if wrong"
    out_of = (x < lo) | (x > hi)
    if out_of.any():
        rep.note(f"{int(out_of.sum())} value(s) of {column!r} outside {lo:g}-{hi:g} left missing")
        x = x.where(~out_of)
    if (lo, hi) != (1.0, 5.0):
        rep.note(f"{column!r} on a {lo:g}-{hi:g} scale ({how}) rescaled to 1-5: "
                 f"1 + 4 * (x - {lo:g}) / {hi - lo:g}")
        x = 1 + 4 * (x - lo) / (hi - lo)
    return x


_OUTCOMES = ("email", "satisfaction", "complained", "churned", "churn_reason", "churn_category", "referrals")
# an id column that names nothing (a row number, a lookup key), unlike "Customer ID" or "Kundenummer"
_BARE_IDS = frozenset({"id", "no", "nr", "key", "index", "rowid", "row", "number"})
_PLACE = r"zip|postal|postcode|plz|postnummer|city|state|county|country|region|lat|lon|lng|population|индекс"


def _refuse_other_tables(path: str, columns: list, found: dict) -> None:
    """Refuse a file that is another table: tickets, orders or a survey, or a lookup table (zip codes ...).

    A known churn table never is. A tool's signature of a ticket or order
    export refuses the file; an order table's or a survey's evidence only
    when no customer outcome (e-mail, churn, satisfaction, complaint,
    referrals) was found; a bare ``ID`` with no outcome is a lookup table.
    """
    header = Header.of_columns(columns)
    if tools.detect("customers", header):
        return
    outcome = [r for r in _OUTCOMES if found.get(r)]
    other = tools.looks_like(columns, "customers")
    if other is not None:
        signed = tools.detect(other[0], header) is not None
        if not outcome or (signed and other[0] != "responses"):
            problem, expected = tools.refusal("customers", other)
            raise ExportError(path, problem, expected=expected)
    cid = found.get("customer_id")
    if cid is not None and not outcome and header_key(cid) in _BARE_IDS:
        places = [str(c) for c in columns if re.search(_PLACE, header_key(c))]
        what = "a lookup table" + (f" of places ({', '.join(map(repr, places[:3]))})" if places else "")
        shown = tools.shown_columns(columns, 6)
        raise ExportError(path, f"this looks like {what}, not a customer table: one row per {cid!r}, and no "
                          f"customer id, e-mail, churn, satisfaction, complaint or referral column (columns {shown})",
                          expected="a customer table (e.g. 'Customer ID' with 'Churn', 'Satisfaction Score' or "
                          "'Email'); join a lookup table onto your customers yourself, or, if these rows are "
                          "customers, name their id with mapping={'customer_id': <column>}")


def _reject_off_scale(frame: Frame, column: str) -> None:
    """A few satisfaction values no scale reaches (below 0, above 100) are typos: they cost their rows.

    Many such values are a scale csanalysis cannot infer; those are left to
    :func:`_satisfaction`, which asks for ``satisfaction_scale=``.
    """
    x, _, _ = parse_numbers_strict(frame.data[column])
    off = (x.notna() & ((x < 0) | (x > 100))).to_numpy()
    live = frame.alive & x.notna().to_numpy()
    if off.any() and (off & live).sum() <= max(1, 0.05 * live.sum()):
        frame.reject(off, f"column {column!r}: a satisfaction value below 0 or above 100, on no scale")
        frame.data.loc[off, column] = np.nan


def _numeric_extras(df: pd.DataFrame, skip) -> pd.DataFrame:
    """Turn kept source columns that hold only numbers into float64 (ids and codes stay text)."""
    out = {}
    for c in df.columns:
        if c in skip or not pd.api.types.is_string_dtype(df[c]) or re.search(
                r"(^|_)(id|ids|no|nr|number|num|code|zip|phone)($|_)|id$", c):
            continue
        s = df[c]
        if s.notna().sum() == 0:
            continue
        num, bad, _ = parse_numbers_strict(s)
        if not bad.any() and s.str.fullmatch(r"\s*[-+]?[\d\s.,\u00a0]+\s*", na=True).all():
            out[c] = num
    return df.assign(**out) if out else df


@reader
def read_customers(
    path: str | PathLike | pd.DataFrame | list,
    *,
    mapping: Mapping[str, str] | None = None,
    key: str | bytes | None = None,
    keep_pii: bool = False,
    encoding: str | None = None,
    sheet: str | int | None = None,
    satisfaction_scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Read a one-row-per-customer table (churn dataset, CRM export) into the customers table.

    Parameters
    ----------
    path : str, PathLike, DataFrame or list
        CSV/TSV (any common encoding and delimiter), .xlsx, or a .zip holding one;
        or a DataFrame (from an API or a database, read like a file's table);
        or a list of these, stacked, with one load report.
    mapping : dict, optional
        Canonical role -> source column for roles the reader cannot recognise:
        ``customer_id``, ``email``, ``satisfaction``, ``complained``,
        ``churned``, ``churn_reason``, ``churn_category``, ``referrals``.
    key : str or bytes, optional
        Key of the e-mail pseudonyms (see :func:`csanalysis.privacy.email_key`).
    keep_pii : bool
        Keep e-mail addresses, names and other personal columns.
    encoding, sheet
        Force an encoding; choose an .xlsx worksheet.
    satisfaction_scale : (low, high), optional
        Scale of the satisfaction column, rescaled linearly to 1-5. Inferred
        (and noted) when the values exceed 5.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, email_key, satisfaction, complained, churned,
        churn_reason, churn_category, referrals, source_format``, then the
        file's other non-personal columns (numbers as float64). The
        :class:`~csanalysis.io.report.LoadReport` is in ``df.attrs["load_report"]``.

    Raises
    ------
    ExportError
        When the file has no customer id or e-mail column (the message lists
        the columns found), or is another table: a ticket, orders or survey
        export, or a lookup table (one row per zip code, with a bare ``ID``
        and no customer id, e-mail, churn, satisfaction or complaint column);
        the message says what it looks like and which reader fits it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "churn.csv"
    >>> _ = p.write_text("CustomerId,Surname,Exited,Complain,Satisfaction Score\\n"
    ...                  "15634602,Doe,1,1,2\\n15647311,Roe,0,0,5\\n15634602,Doe,1,1,2\\n")
    >>> df = read_customers(p)
    >>> df[["customer_id", "churned", "complained", "satisfaction"]].values.tolist()
    [['15634602', True, True, 2.0], ['15647311', False, False, 5.0]]
    >>> df.attrs["load_report"].rows_merged, "surname" in df.columns
    (1, False)
    """
    if is_several(path):  # every option (as given) applies to each file
        options = dict(locals())
        del options["path"]
        return read_several(read_customers, path, **options)
    path = as_input(path)
    spath = str(path)
    data, rows, rep = start_report(path, "customers", encoding=encoding,
                                   sheet=sheet if sheet is not None else tools.sheet_fit("customers"))
    columns = list(data.columns)
    found = tools.detect("customers", Header.of_columns(columns))  # a known churn table, by its columns
    rep.source_format = found[0].name if found is not None else "generic"
    user = check_mapping(spath, columns, mapping, _MAPPING_KEYS)
    frame = Frame(data, rows, rep)
    found: dict[str, str | None] = {}
    for role, cands in _CANDIDATES.items():
        taken = {c for c in found.values() if c}
        found[role] = user.get(role) or find_header([c for c in columns if c not in taken], cands)
    if "customer_id" not in user:
        _refuse_other_tables(spath, columns, found)
    if found["customer_id"] is None and found["email"] is None:
        raise ExportError(spath, f"cannot tell which column identifies the customer; the columns found are "
                          f"{tools.shown_columns(columns, 40)}",
                          expected="a customer id or e-mail column (e.g. 'Customer ID', 'CustomerID', "
                          "'Email'), or mapping={'customer_id': '<column>'}")
    n = len(data)
    na_str = pd.Series(np.nan, index=data.index, dtype=_STR)
    cust = clean_ids(frame.col(found["customer_id"])) if found["customer_id"] else na_str
    email = stripped_text(frame.col(found["email"])) if found["email"] else None
    if found["customer_id"]:
        cust, email = ids_or_emails(cust, email, rep, found["customer_id"])
    canonical: dict[str, pd.Series] = {"customer_id": cust}
    canonical["email_key"] = email_key(email, key) if email is not None else na_str
    if email is not None:
        rep.note(email_key_note(found.get("email"), key))
    sat_col = found["satisfaction"]
    # an infinite or absurd number (a corrupted cell) costs its row, and never decides a scale
    reject_implausible(frame, [found[r] for r in ("satisfaction", "referrals", "complained", "churned")],
                       blank=frame.data)
    if sat_col and satisfaction_scale is None:
        _reject_off_scale(frame, sat_col)
    canonical["satisfaction"] = (_satisfaction(frame.col(sat_col), sat_col, satisfaction_scale, rep)
                                 if sat_col else pd.Series(np.nan, index=data.index))
    for role in ("complained", "churned"):
        col = found[role]
        canonical[role] = (_booleans(frame.col(col), col, rep) if col
                           else pd.Series(pd.NA, index=data.index, dtype="boolean"))
    for role in ("churn_reason", "churn_category"):
        canonical[role] = stripped_text(frame.col(found[role])) if found[role] else na_str
    ref_col = found["referrals"]
    if ref_col:
        ref, bad, _ = parse_numbers_strict(frame.col(ref_col))
        if bad.any():
            rep.note(f"{int(bad.sum())} value(s) of {ref_col!r} are not numbers; left missing")
        canonical["referrals"] = ref
    canonical["source_format"] = pd.Series(rep.source_format, index=data.index, dtype=_STR)

    # rows that identify nobody, then repeated customers (first row kept)
    has_email = (email.str.contains("@", regex=False, na=False).to_numpy() if email is not None
                 else np.zeros(n, dtype=bool))
    frame.reject(cust.isna().to_numpy() & ~has_email, "neither a customer id nor an e-mail address")
    ident = cust.fillna(canonical["email_key"].where(cust.isna()).radd("email:"))
    dup = ident.where(frame.alive).duplicated(keep="first").to_numpy() & ident.notna().to_numpy() & frame.alive
    if dup.any():
        frame.merge(dup)
        rep.note(f"{int(dup.sum())} row(s) repeat an earlier customer; the first row of each customer is kept")

    used = {c for c in found.values() if c}
    email_col = found["email"] or (found["customer_id"] if cust.isna().all() and email is not None else None)
    if email_col is not None:
        if keep_pii:
            used.discard(email_col)
        elif not is_personal_column(email_col):
            rep.dropped_columns.append(email_col)
    if not keep_pii:
        for c in columns:
            if EXTRA_PERSONAL.search(str(c)) and c not in used:
                used.add(c)
                rep.dropped_columns.append(c)
    for role, col in found.items():
        if col is not None:
            rep.column_mapping[str(col)] = role
    data = None  # only the frame holds the source table now: finish() lets its columns go
    df = finish(frame, canonical, "customers", used=used, keep_pii=keep_pii, key=key)
    canon = [c.name for c in CUSTOMERS]
    df = _numeric_extras(df, skip=set(canon))
    if not keep_pii:
        df = redact_email_columns(df, rep, skip=set(canon), columns=unmasked_text_columns(df))
        if len(rep.rejected):
            rep.rejected = redact_email_columns(rep.rejected, LoadReport(spath, "customers"))
    df.attrs["load_report"] = rep
    return df
