"""Machinery every reader shares: rejecting rows, personal columns, finishing a table.

A reader's life: ``read_raw`` -> ``promote_header`` -> a :class:`Frame` that tracks
which records are still alive and why others were rejected or excluded ->
canonical columns built vectorised -> :func:`finish` conforms the table, drops
personal columns, keeps the rest under snake_case names, attaches the
:class:`~csanalysis.io.report.LoadReport` and checks that every row is accounted for.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import CsanalysisWarning, ExportError
from ..privacy import is_personal_column, redact_emails
from ..schema import conform
from ._numbers import excel_mangled
from ._text import promote_header, read_table
from .report import LoadReport

__all__ = ["Frame", "snake_case", "finish", "find_column", "check_mapping", "clean_label", "header_key",
           "find_header", "normalise_values", "stripped_text", "ids_or_emails", "redact_email_columns",
           "start_report", "EXTRA_PERSONAL", "EMAIL_RE"]

_STR = pd.StringDtype(na_value=np.nan)


def snake_case(name: str) -> str:
    """``"First reply time in minutes"`` -> ``"first_reply_time_in_minutes"``.

    Examples
    --------
    >>> snake_case("Manual Tagging of Categories [list]"), snake_case("Größe (cm)")
    ('manual_tagging_of_categories_list', 'größe_cm')
    """
    s = unicodedata.normalize("NFKC", str(name)).strip().lower()
    s = re.sub(r"[^\w]+", "_", s)
    s = re.sub(r"_+", "_", s).strip("_")
    return s or "column"


def clean_label(s: str) -> str:
    """Whitespace runs (newlines included) -> one space, stripped: a header or question text as shown.

    Examples
    --------
    >>> clean_label("  How satisfied\\n\\nare you? ")
    'How satisfied are you?'
    """
    return re.sub(r"\s+", " ", s).strip()


def header_key(name: object) -> str:
    """A column name reduced to its letters and digits, case-folded (``"Kunde-ID"`` -> ``"kundeid"``)."""
    return re.sub(r"[\W_]+", "", str(name).casefold())


def find_header(columns, candidates) -> str | None:
    """First column (in the order of ``candidates``) whose :func:`header_key` matches a candidate's.

    Examples
    --------
    >>> find_header(["Ordre-nr", "Kunde ID"], ("customer id", "kunde-id"))
    'Kunde ID'
    """
    keyed: dict[str, str] = {}
    for c in columns:
        keyed.setdefault(header_key(c), c)
    for cand in candidates:
        c = keyed.get(header_key(cand))
        if c is not None:
            return c
    return None


def normalise_values(s: pd.Series) -> pd.Series:
    """Values as text, stripped, case-folded, whitespace runs as one space ('' when missing)."""
    s = s.astype("str").where(s.notna(), "")
    # normalised once per distinct value (the whitespace regex runs per value in Python)
    codes, uniq = pd.factorize(s)
    u = pd.Series(uniq, dtype="str").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    return pd.Series(u.array.take(codes), index=s.index, name=s.name)


def stripped_text(s: pd.Series) -> pd.Series:
    """Strings, stripped, empty -> missing."""
    s = s.astype(_STR).str.strip()
    return s.where(s != "", np.nan)


def find_column(columns, *candidates: str, regex: str | None = None) -> str | None:
    """First column whose name equals a candidate (case/space-insensitive) or matches ``regex``."""
    norm = {re.sub(r"\s+", " ", str(c)).strip().casefold(): c for c in columns}
    for cand in candidates:
        c = norm.get(re.sub(r"\s+", " ", cand).strip().casefold())
        if c is not None:
            return c
    if regex is not None:
        rx = re.compile(regex, re.I)
        for c in columns:
            if rx.search(str(c)):
                return c
    return None


def check_mapping(path: str, columns, mapping: Mapping[str, str] | None, allowed) -> dict[str, str]:
    """Validate a user ``mapping`` (canonical name -> source column)."""
    if not mapping:
        return {}
    allowed = set(allowed)
    out = {}
    for canon, src in mapping.items():
        if canon not in allowed:
            raise ValueError(f"mapping key {canon!r} is not a canonical column; expected one of {sorted(allowed)}")
        if src not in columns:
            raise ExportError(path, f"mapping names column {src!r} for {canon!r}, but the file has no such column",
                              column=src, expected=f"one of the file's columns: {list(columns)[:30]}")
        out[canon] = src
    return out


class Frame:
    """The data rows of one file while a reader works on them.

    Parameters
    ----------
    data : DataFrame
        Source columns, all strings.
    rows : ndarray
        Row number of each record in the file.
    report : LoadReport
    """

    def __init__(self, data: pd.DataFrame, rows: np.ndarray, report: LoadReport) -> None:
        self.data = data.reset_index(drop=True)
        self.rows = np.asarray(rows)
        self.report = report
        self.alive = np.ones(len(data), dtype=bool)
        #: Source columns a reader knows to identify people (beyond the generic header rules) or to hold
        #: free text; neither is copied into the rejected rows of the report.
        self.personal: set[str] = set()
        self.free_text: set[str] = set()

    def reject(self, mask, reason: str) -> None:
        """Reject live records where ``mask`` is true, with a readable ``reason``."""
        mask = np.asarray(mask, dtype=bool) & self.alive
        if not mask.any():
            return
        keep = [c for c in self.data.columns
                if not is_personal_column(c) and c not in self.personal and c not in self.free_text]
        vals = self.data.loc[mask, keep].apply(redact_emails).astype("object")
        rej = pd.concat(
            [pd.DataFrame({"row": self.rows[mask].astype("int64"), "reason": reason}, index=vals.index), vals],
            axis=1,
        )
        self.report.reject(rej)
        self.alive &= ~mask

    def exclude(self, mask, reason: str) -> None:
        """Exclude live records on purpose (a default rule), counted by reason."""
        mask = np.asarray(mask, dtype=bool) & self.alive
        self.report.exclude(reason, int(mask.sum()))
        self.alive &= ~mask

    def merge(self, mask) -> None:
        """Mark live records as merged into another record (e.g. order line items)."""
        mask = np.asarray(mask, dtype=bool) & self.alive
        self.report.rows_merged += int(mask.sum())
        self.alive &= ~mask

    def col(self, name: str | None) -> pd.Series:
        """A source column as strings ('' when missing), or all-missing when ``name`` is None."""
        if name is None:
            return pd.Series(np.nan, index=self.data.index, dtype=pd.StringDtype(na_value=np.nan))
        return self.data[name]


def finish(
    frame: Frame,
    canonical: dict[str, pd.Series],
    table: str,
    *,
    used: set[str] | list[str] = (),
    keep_pii: bool = False,
    free_text: list[str] = (),
) -> pd.DataFrame:
    """Assemble the canonical table of the live records and attach the report.

    ``canonical`` maps canonical column names to full-length Series (aligned
    with ``frame.data``). Source columns not in ``used`` are kept under their
    snake_case name, except personal ones (dropped unless ``keep_pii``).
    """
    rep = frame.report
    alive = frame.alive
    df = pd.DataFrame({k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v)
                       for k, v in canonical.items()})
    df = df.loc[alive].reset_index(drop=True)
    used = set(used)
    taken = set(df.columns)
    extra = {}
    for c in frame.data.columns:
        if c in used:
            continue
        if is_personal_column(c) and not keep_pii:
            if c not in rep.dropped_columns:
                rep.dropped_columns.append(c)
            continue
        name = snake_case(c)
        while name in taken:
            name += "_src"
        taken.add(name)
        # live rows only, then '' -> missing (the same cells, without touching dropped rows)
        src = frame.data[c]
        src = src.loc[alive].reset_index(drop=True)
        extra[name] = src.replace("", np.nan) if src.dtype != object else src
    if extra:
        df = pd.concat([df, pd.DataFrame(extra, index=df.index)], axis=1)
    df = conform(df, table)
    rep.rows_loaded = int(alive.sum())
    if free_text:
        df.attrs["free_text_columns"] = list(free_text)
    df.attrs["load_report"] = rep
    rep.check()
    if rep.rows_loaded == 0:
        warnings.warn(f"{rep.path}: no rows loaded ({rep.rows_read} read)", CsanalysisWarning, stacklevel=3)
    return df


# ----------------------------------------------------------------------------- business tables
# (activity and customer tables: one header row, ids, e-mail addresses in the cells)

#: An e-mail address anywhere in a cell.
EMAIL_RE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"

#: Personal columns the shared rules (privacy.is_personal_column) do not catch:
#: a cardholder name, a customer description, telco "Lat Long".
EXTRA_PERSONAL = re.compile(
    r"card[\s_-]*(holder[\s_-]*)?name|customer[\s_-]*description|^\s*lat[\s_-]*long\s*$", re.IGNORECASE)


def redact_email_columns(df: pd.DataFrame, report: LoadReport, *, skip=()) -> pd.DataFrame:
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
