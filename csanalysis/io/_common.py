"""Machinery every reader shares: rejecting rows, personal columns, finishing a table.

A reader's life: ``read_raw`` -> ``promote_header`` -> a :class:`Frame` that tracks
which records are still alive and why others were rejected or excluded ->
canonical columns built vectorised -> :func:`finish` conforms the table, drops
personal columns, keeps the rest under snake_case names, attaches the
:class:`~csanalysis.io.report.LoadReport` and checks that every row is accounted for.
"""

from __future__ import annotations

import functools
import inspect
import linecache
import re
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._memory import release_memory
from ..errors import CsanalysisError, CsanalysisWarning, ExportError
from ..privacy import (
    Names,
    classify_column,
    classify_column_prefix,
    email_key,
    is_personal_column,
    mask_counts,
    mask_name_like,
    mask_text,
    pseudonymise,
)
from ..schema import conform
from ..stats.arrays import factorize
from ._block_state import MASKING_NOTE
from ._block_state import current as current_block
from ._dates import tz_abbreviations_in_effect
from ._numbers import excel_mangled, implausible_numbers
from ._text import (
    blank_text,
    column_names,
    dedupe_names,
    distinct_text,
    empty_as_missing,
    header_cells,
    missing_text,
    promote_header,
    read_table,
    repeated_as_categories,
)
from .report import LoadReport

__all__ = ["Frame", "snake_case", "finish", "find_column", "check_mapping", "clean_label", "header_key",
           "find_header", "normalise_values", "stripped_text", "ids_or_emails", "redact_email_columns",
           "unmasked_text_columns", "start_report", "EXTRA_PERSONAL", "EMAIL_RE", "reader", "space_runs",
           "reject_implausible", "first_row_is_data", "released_in_block", "header_rows_from_data", "protect",
           "protect_ids", "protect_text", "mask_text_columns", "text_masking_notes",
           "protect_rejected", "base_column", "ID_COLUMN", "MERGE_KEYS"]

_STR = pd.StringDtype(na_value=np.nan)


#: Python's white space (``str.isspace``, what ``\\s`` matches in ``re``) as an RE2 character class.
_SPACE_CLASS = "[" + "".join(f"\\x{{{i:x}}}" for i in range(0x3001) if chr(i).isspace()) + "]"


def space_runs(values: pd.Series) -> np.ndarray:
    """Runs of white space per value (``values.str.count(r"\\s+")``, by pyarrow, not per value in Python).

    Missing values count as ``inf``, so a ``<=`` test leaves them out as pandas' NaN would.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.astype("str").array)
    runs = pc.count_substring_regex(arr, _SPACE_CLASS + "+")
    return np.where(pc.is_null(runs).to_numpy(zero_copy_only=False), np.inf,
                    pc.fill_null(runs, 0).to_numpy(zero_copy_only=False).astype(float))


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
    codes, uniq = factorize(s)
    u = pd.Series(uniq, dtype="str").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    return pd.Series(u.array.take(codes), index=s.index, name=s.name)


def stripped_text(s: pd.Series) -> pd.Series:
    """Strings, stripped, empty -> missing."""
    s = s.astype(_STR).str.strip()
    blank = (s == "").to_numpy(dtype=bool)
    return s.where(~blank, np.nan) if blank.any() else s


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


def _tools():
    from . import tools  # late: the tool registry imports this module

    return tools


def check_mapping(path: str, columns, mapping: Mapping[str, str] | None, allowed) -> dict[str, str]:
    """Validate a user ``mapping`` (canonical name -> source column)."""
    if not mapping:
        return {}
    allowed = set(allowed)
    out = {}
    for canon, src in mapping.items():
        if canon not in allowed:
            raise CsanalysisError(f"mapping key {canon!r} is not a canonical column; expected one of {sorted(allowed)}")
        if src not in columns:
            raise ExportError(path, f"mapping names column {src!r} for {canon!r}, but the file has no such column",
                              column=src, expected=f"one of the file's columns: {_tools().shown_columns(columns, 30)}")
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
        #: The source columns in the file's order, and those let go early (:meth:`release_personal`): name -> kind.
        self.columns: list = list(self.data.columns)
        self.released: dict = {}
        #: Source columns a reader knows to identify people (beyond the generic header rules) or to hold
        #: free text; neither is copied into the rejected rows of the report.
        self.personal: set[str] = set()
        self.free_text: set[str] = set()
        self._kinds: dict[str, str | None] | None = None
        self._names: Names | None = None

    # -- personal data -------------------------------------------------------
    def personal_kind(self, column: str) -> str | None:
        """What personal data a source column holds (:func:`csanalysis.privacy.classify_column`, by header
        and values), ``'person'`` for the reader's own person columns, None when it holds none.

        A repeated column (``Requester (2)``) follows the rule of its first.
        """
        if self._kinds is None:
            self._kinds = {c: classify_column(c, self.data[c]) for c in self.data.columns}
        kind = self._kinds.get(column)
        if column not in self._kinds:
            kind = self._kinds[column] = classify_column(column, self.data[column])
        if kind is None and (column in self.personal or base_column(column) in self.personal):
            kind = "person"
        return kind

    def release_personal(self, keep=()) -> list:
        """Let go now of the source columns :func:`finish` would drop as personal data no reader reads.

        A column goes when its header names it an address, postcode, city, phone number, location, IP
        address, card, identity document or social profile and its values agree (:meth:`personal_kind`),
        unless it is in ``keep`` (the columns a mapping names). Names, person and e-mail columns stay: their
        values are read (names masked in text, e-mail pseudonyms). Such a column never reaches a table or a
        rejected row; finish() records it as dropped in the file's column order, as before. Only the source
        table gets smaller while the reader parses (issue 13: at 300,000 customers a Shopify export's 13
        address and phone columns are 212 of its 1,262 MB). On a large plain CSV file, those whose fate the
        first block decided were not even parsed further (:func:`start_report`'s ``release_personal``): they
        hold ``''`` here and go the same way. Returns the columns let go.
        """
        keep = set(keep)
        go = [c for c in self.data.columns if c not in keep and classify_column(c) in RELEASED_KINDS
              and self.personal_kind(c) in RELEASED_KINDS]
        if go:
            self.released.update({c: self.personal_kind(c) for c in go})
            self.data = self.data.drop(columns=go)
            release_memory()
        return go

    def listed_names(self) -> Names:
        """The names this export lists in its name and person columns (masked wherever they recur in text)."""
        if self._names is None:
            cols = [c for c in self.data.columns if self.personal_kind(c) in ("name", "person")]
            # each column's distinct values (a name recurs on an order's lines and a customer's orders), of
            # those that can list a word at all (not a Shopify "Name" column's order numbers)
            values = pd.concat([distinct_text(Names.holding_words(self.data[c])) for c in cols],
                               ignore_index=True) if cols else None
            if values is not None:  # names are short: a comment in a person column (Jira's) lists no names
                values = values[(values.str.len() <= 80) & (space_runs(values) <= 5)]
            self._names = Names(values if values is not None else ())
        return self._names

    def reject(self, mask, reason: str) -> None:
        """Reject live records where ``mask`` is true, with a readable ``reason``.

        The record's values go into the report without its personal columns and free text, and with
        e-mail addresses, phone numbers and the export's names masked.
        """
        mask = np.asarray(mask, dtype=bool) & self.alive
        if (block := current_block()) is not None:  # (the whole file's rejected rows: each call's, in turn)
            block.rejects.append(int(mask.sum()))
        if not mask.any():
            return
        keep = [c for c in self.data.columns
                if self.personal_kind(c) is None and c not in self.free_text
                and base_column(c) not in self.free_text]
        names = self.listed_names()
        vals = mask_text(self.data.loc[mask, keep], names=names).astype("object")
        reason = mask_text(reason, names=names)
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


#: The canonical column a reader merges rows on, by table (a file read in blocks: no two blocks may share one).
MERGE_KEYS = {"activity": "order_id", "tickets": "ticket_id"}

#: Kinds of personal data no reader reads (:meth:`Frame.release_personal`).
RELEASED_KINDS = frozenset({"address", "postcode", "city", "phone", "location", "ip", "card", "identity", "social"})


def finish(
    frame: Frame,
    canonical: dict[str, pd.Series],
    table: str,
    *,
    used: set[str] | list[str] = (),
    keep_pii: bool = False,
    free_text: list[str] = (),
    key: str | bytes | None = None,
    categories: bool = False,
) -> pd.DataFrame:
    """Assemble the canonical table of the live records and attach the report.

    ``canonical`` maps canonical column names to full-length Series (aligned
    with ``frame.data``). Source columns not in ``used`` are kept under their
    snake_case name, except personal ones (by header and values, see
    :meth:`Frame.personal_kind`; dropped unless ``keep_pii``). Unless
    ``keep_pii``, every kept text column, the rejected rows and the notes are
    then masked (:func:`protect`; ``key`` is the pseudonym secret).
    ``frame.output_names`` records which source column became which column.
    With ``categories``, a kept source column whose values repeat (not an id,
    key or free-text column) becomes categorical once masked
    (:func:`~csanalysis.io._text.repeated_as_categories`): the same values in a
    fraction of the memory.

    The source columns and ``canonical`` are consumed: afterwards
    ``frame.data`` keeps its rows, not its columns, and ``canonical`` is
    empty (their memory goes once the reader holds no other reference to
    them).
    """
    rep = frame.report
    alive = frame.alive
    everyone = bool(alive.all())
    used = set(used)
    block = current_block()
    if block is not None and table in MERGE_KEYS:  # the keys rows are merged on, of every row (csanalysis.io.blocks)
        keys = canonical.get(MERGE_KEYS[table])
        block.keys = None if keys is None else np.unique(  # (64-bit hashes: a collision only reads the file whole)
            pd.util.hash_pandas_object(pd.Series(keys).dropna().astype("str"), index=False).to_numpy())
    names = None
    kinds = dict(frame.released)  # (columns let go early are personal: dropped below in the file's order)
    if not keep_pii:  # what the source columns say about people, read before they go
        names = frame.listed_names()
        kinds.update({c: frame.personal_kind(c) for c in frame.data.columns})
    # The source columns (every cell as text) leave the frame and go one by one as they are copied, so the
    # source table is not kept whole beside the output (readers drop their own references before this call);
    # the ones read into canonical columns go first, before the live rows of those are taken.
    source = {c: v for c, v in frame.data.items() if c not in used}
    frame.data = frame.data.iloc[:, :0]
    release_memory()
    # the canonical columns' live rows, one column at a time (each full column goes once it is taken)
    live = None if everyone else np.flatnonzero(alive)
    cols = {}
    for k in list(canonical):
        v = canonical.pop(k)
        if isinstance(v, pd.Series):
            v = v.reset_index(drop=True)
        elif np.ndim(v):
            v = pd.Series(v)
        if live is not None and np.ndim(v):  # every row live: the column stays as it is (no copy)
            v = v.take(live).reset_index(drop=True)
        cols[k] = v
        del v
    df = pd.DataFrame(cols, copy=False)
    del cols
    taken = set(df.columns)
    extra = {}
    frame.output_names = {}
    known = set(frame.columns)
    order = [c for c in frame.columns if c in source or c in frame.released] + [c for c in source if c not in known]
    for c in order:
        src = source.pop(c, None)
        if c in used:
            continue
        kind = kinds.get(c)  # (with keep_pii: only the columns let go early)
        if kind is not None:
            if c not in rep.dropped_columns:
                rep.dropped_columns.append(c)
                if not is_personal_column(c) and c not in frame.personal and base_column(c) not in frame.personal:
                    rep.note(f"column {c!r} dropped: its values are {_KIND_WORDS.get(kind, kind)}")
            continue
        name = snake_case(c)
        while name in taken:
            name += "_src"
        taken.add(name)
        frame.output_names[c] = name
        # live rows only, then '' -> missing (the same cells, without touching dropped rows); neither copies
        # a column it does not change, and a column without any text costs no memory (missing_text)
        if blank_text(src):
            extra[name] = missing_text(len(df))
            continue
        if not everyone:
            src = src.loc[alive]
        src = src.reset_index(drop=True)
        if src.dtype != object:
            src = empty_as_missing(src)
        extra[name] = src
    release_memory()  # the source columns' pages, before the masking below allocates its own
    if extra:
        df = pd.concat([df, pd.DataFrame(extra, index=df.index, copy=False)], axis=1)
    df = conform(df, table)
    candidates = []
    if categories:  # kept source columns whose values may repeat
        free = {snake_case(c) for c in free_text} | set(free_text)
        candidates = [name for name in frame.output_names.values()
                      if name not in free and not _kept_as_is(name) and not ID_COLUMN.search(name)]
    if block is not None:  # the masking with the export's names and the categories are the whole table's
        block.names, block.categories, block.masked = names, candidates, not keep_pii
        if not keep_pii:
            df = protect_ids(df, rep, key=key)
            rep.notes.append(MASKING_NOTE)
    else:
        if not keep_pii:
            df = protect(df, rep, names=names, key=key)
        if candidates:  # after the masking, which reads text columns
            for name in candidates:
                df[name] = repeated_as_categories(df[name])
            release_memory()
    rep.rows_loaded = int(alive.sum())
    if free_text:
        df.attrs["free_text_columns"] = list(free_text)
    df.attrs["load_report"] = rep
    rep.check()
    if rep.rows_loaded == 0 and block is None:
        warnings.warn(f"{rep.path}: no rows loaded ({rep.rows_read} read)", CsanalysisWarning, stacklevel=3)
    return df


_KIND_WORDS = {"email": "e-mail addresses", "phone": "phone numbers"}
_SAFE_COLUMNS = frozenset({"email_key", "source_format"})
#: Output columns holding identifiers: personal data in them is replaced by a keyed pseudonym, not masked,
#: so that distinct ids stay distinct (and e-mail ids link like ``email_key``).
ID_COLUMN = re.compile(r"(^|_)(id|ids|ref|reference|number|no|nr)$")


def base_column(name: object) -> str:
    """A repeated column's name without the `` (2)`` that :func:`~csanalysis.io._text.dedupe_names` added."""
    return re.sub(r"\s*\(\d+\)$", "", str(name))


def _pseudonymise_ids(s: pd.Series, key) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Ids holding personal data -> keyed pseudonyms: a whole e-mail address its ``email_key``, anything else
    with an address or phone number inside ``pid_`` + 16 hex digits. -> (ids, was e-mail, was other)."""
    masked, counts = mask_counts(s, greetings=False)
    none = np.zeros(len(s), dtype=bool)
    if not (counts["emails"] or counts["phones"]):
        return s, none, none
    changed = (masked != s).fillna(False).to_numpy(dtype=bool) & s.notna().to_numpy()
    whole = (masked.str.strip() == "[email]").fillna(False).to_numpy(dtype=bool) & changed
    other = changed & ~whole
    out = s.astype(pd.StringDtype(na_value=np.nan)).copy()
    if whole.any():
        out[whole] = email_key(s[whole], key).to_numpy()
    if other.any():
        out[other] = pseudonymise(s[other], key, prefix="pid_").to_numpy()
    return out, whole, other


def protect(df: pd.DataFrame, report: LoadReport, *, names: Names | None = None, key=None) -> pd.DataFrame:
    """Personal data out of a finished table, its rejected rows and its notes.

    Id columns (``customer_id``, ``ticket_id``, ... any ``*_id``/``*_ref``) holding an e-mail address get its
    ``email_key`` pseudonym (and fill ``email_key`` where that is missing), so linking still works; ids with
    a phone number or address inside get a ``pid_`` pseudonym (:func:`protect_ids`). Every other text
    column, the rejected rows and the notes are masked with :func:`csanalysis.privacy.mask_text` (e-mail
    addresses, phone numbers, greeting names and the export's own ``names``), the text columns together; in
    the rejected rows, whose values may have slid out of their columns, any cell that reads like a full name
    is masked too (:func:`csanalysis.privacy.mask_name_like`) (:func:`protect_text`). Vectorised.
    """
    return protect_text(protect_ids(df, report, key=key), report, names=names)


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c in df.columns if not _kept_as_is(c) and not ID_COLUMN.search(str(c))
            and (pd.api.types.is_string_dtype(df[c].dtype) or df[c].dtype == object)]


def protect_ids(df: pd.DataFrame, report: LoadReport, *, key=None) -> pd.DataFrame:
    """:func:`protect`'s first part: id columns holding an e-mail address, a phone number or an address
    pseudonymised (value by value: the same in any block of the file)."""
    out = df
    for c in df.columns:
        s = df[c]
        if _kept_as_is(c) or not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        if not ID_COLUMN.search(str(c)):
            continue
        new, whole, other = _pseudonymise_ids(s, key)
        if not (whole.any() or other.any()):
            continue
        if out is df:
            out = df.copy()
        out[c] = new
        if whole.any():
            report.note(f"{int(whole.sum())} value(s) of {c!r} are e-mail addresses: replaced by their email_key "
                        "pseudonym (ek_...), so they link like email_key; keep_pii=True keeps them")
            if "email_key" in out.columns:
                ek = out["email_key"]
                out["email_key"] = ek.where(ek.notna() | ~whole, new.where(whole))
        if other.any():
            report.note(f"{int(other.sum())} value(s) of {c!r} hold a phone number or e-mail address: replaced "
                        "by a keyed pseudonym (pid_...); keep_pii=True keeps them")
    return out


def protect_text(df: pd.DataFrame, report: LoadReport, *, names: Names | None = None) -> pd.DataFrame:
    """:func:`protect`'s second part: the text columns (:func:`mask_text_columns`), the rejected rows and the
    notes (:func:`protect_rejected`) masked, with the export's ``names``."""
    out, per = mask_text_columns(df, names=names)
    for n in text_masking_notes(per):
        report.note(n)
    protect_rejected(report, names=names)
    return out


def mask_text_columns(df: pd.DataFrame, *, names: Names | None = None) -> tuple[pd.DataFrame, dict]:
    """The text columns :func:`protect` masks, masked (cell by cell: a table read in blocks is masked block by
    block with the whole file's ``names``), and per column the cells each rule changed."""
    text = _text_columns(df)
    if not text:  # all text columns at once: each rule runs once over their distinct values
        return df, {}
    out = df
    masked, per = mask_counts(df[text], names=names)
    for c in text:
        if any(per[c].values()):
            if out is df:
                out = df.copy()
            out[c] = masked[c]
    return out, per


def text_masking_notes(per: dict) -> list[str]:
    """The notes of :func:`mask_text_columns`' counts (``{column: {"emails": n, "phones": n, "names": n}}``)."""
    out = []
    for c, counts in per.items():
        if any(counts.values()):
            what = ", ".join(f"{n} with {w}" for w, n in (("e-mail addresses", counts["emails"]),
                                                        ("phone numbers", counts["phones"]),
                                                        ("names", counts["names"])) if n)
            out.append(f"personal data in {c!r} masked ({what}; as [email], [phone], [name]); keep_pii=True keeps them")
    return out


def protect_rejected(report: LoadReport, *, names: Names | None = None) -> None:
    """:func:`protect`'s last step: the rejected rows and the notes masked (notes deduplicated)."""
    if len(report.rejected):
        cols = [c for c in report.rejected.columns if c != "row"]
        # a rejected row's values may have slid out of their columns: names anywhere in it are masked too
        report.rejected[cols] = mask_text(report.rejected[cols], names=names)
        vals = [c for c in cols if c != "reason"]
        report.rejected[vals] = mask_name_like(report.rejected[vals])
        withheld = _withhold_glued(report.rejected, vals, report.delimiter)
        if withheld:
            report.note(f"{withheld} value(s) of rejected rows hold what reads as several records' fields glued "
                        "together by a stray quote; withheld (each row's number and reason are kept)")
    report.notes[:] = list(dict.fromkeys(mask_text(list(report.notes), names=names)))


def _kept_as_is(column: object) -> bool:
    """Whether :func:`protect` trusts a column as it is (the e-mail key, the source format, other keys)."""
    return column in _SAFE_COLUMNS or str(column).endswith("_key")


def unmasked_text_columns(df: pd.DataFrame) -> list:
    """The text columns :func:`protect` does not mask as text: ids (pseudonymised only where they hold an
    e-mail address or phone number) and keys. Only these can still hold what :func:`redact_email_columns`
    finds in a table :func:`finish` returned."""
    return [c for c in df.columns if (_kept_as_is(c) or ID_COLUMN.search(str(c)))
            and (pd.api.types.is_string_dtype(df[c].dtype) or df[c].dtype == object)]


#: What a rejected row shows instead of a value that glued several fields together.
GLUED = "[withheld: fields glued by a quote]"


def _withhold_glued(rejected: pd.DataFrame, cols: list, delimiter: object) -> int:
    """Withhold (in place) rejected-row values holding many of the file's delimiters; return how many.

    A stray quote can glue the rest of a record, or several records, into one
    value. Such a value holds names in places the export's name columns never
    list, so no column rule can mask them. A value holding at least half as many
    delimiters as the row has fields is taken as glued. Over-withholds on purpose
    (a long comment full of commas): it is a diagnostic, and the row number and
    reason still say where to look.
    """
    if not isinstance(delimiter, str) or len(delimiter) != 1 or not cols:
        return 0
    limit = max(2, len(cols) // 2)
    n = 0
    for c in cols:
        s = rejected[c]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        hit = (s.astype("str").str.count(re.escape(delimiter)) >= limit).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            rejected[c] = s.where(~hit, GLUED)
            n += int(hit.sum())
    return n


# ----------------------------------------------------------------------------- business tables
# (activity and customer tables: one header row, ids, e-mail addresses in the cells)

#: An e-mail address anywhere in a cell.
EMAIL_RE = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"

#: Personal columns the shared rules (privacy.is_personal_column) do not catch:
#: a cardholder name, a customer description, telco "Lat Long".
EXTRA_PERSONAL = re.compile(
    r"card[\s_-]*(holder[\s_-]*)?name|customer[\s_-]*description|^\s*lat[\s_-]*long\s*$", re.IGNORECASE)


def redact_email_columns(df: pd.DataFrame, report: LoadReport, *, skip=(), columns=None) -> pd.DataFrame:
    """Mask e-mail addresses and phone numbers inside kept text columns (``[email]``, ``[phone]``).

    The personal-column rules drop columns *named* like e-mails; this catches
    addresses hiding in notes, descriptions or tags. Vectorised, one pass per
    column (:func:`csanalysis.privacy.mask_text`). ``columns`` limits it to
    those columns: for a table :func:`finish` returned (its text already
    masked), :func:`unmasked_text_columns`.
    """
    out = df
    cols = [c for c in (df.columns if columns is None else columns)
            if c not in skip and (pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object)]
    if not cols:
        return out
    masked, per = mask_counts(df[cols])  # the columns together: each rule once over their distinct values
    for c in cols:
        counts = per[c]
        if counts["emails"] or counts["phones"] or counts["names"]:
            if out is df:
                out = df.copy()
            out[c] = masked[c]
            report.note(f"personal data inside column {c!r} masked ({counts['emails']} value(s) with e-mail "
                        f"addresses, {counts['phones']} with phone numbers); keep_pii=True keeps them")
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
        # a few addresses among ids stay ids: finish() replaces each by its email_key pseudonym (noted there)
    mangled = excel_mangled(ids)
    if mangled.any():
        report.note(f"{int(mangled.sum())} id(s) in column {column!r} look Excel-mangled "
                    "(scientific notation such as 1.03006E+13); they cannot be linked reliably")
    return ids, email


def start_report(path, table: str, *, encoding, sheet, headerless_ok: bool = False, release_personal=None):
    """Read the file, split the header and open the load report (malformed lines rejected).

    ``headerless_ok``: a table whose first record is data (:func:`first_row_is_data`)
    has no header; its columns are named ``column 1``, ``column 2`` ... and the
    report says so (``header_rows`` 0).

    ``release_personal``: for a reader that calls :meth:`Frame.release_personal`, the columns it keeps
    (a mapping's). The columns that call lets go, when the file's first block already decides it
    (:func:`released_in_block`), are then not parsed beyond that block on the fast path; they read as
    ``''`` there, which :meth:`Frame.release_personal` lets go as it would have let go their values.
    """
    let_go = None
    if release_personal is not None:
        keep = set(release_personal)

        def let_go(cells: pd.DataFrame) -> list[int]:
            return released_in_block(cells, keep=keep, headerless_ok=headerless_ok)

    raw = read_table(path, encoding=encoding, sheet=sheet, let_go=let_go)
    headerless = headerless_ok and first_row_is_data(raw.cells)
    if headerless:
        data = raw.cells.reset_index(drop=True)
        data.columns = dedupe_names([f"column {i + 1}" for i in range(data.shape[1])])
        rows = raw.row_numbers
    else:
        data, rows, _ = promote_header(raw, 1)
    rep = LoadReport(path=str(path), table=table, encoding=raw.encoding, delimiter=raw.delimiter,
                     header_rows=0 if headerless else 1)
    for n in raw.notes:
        rep.note(n)
    if headerless:
        rep.note("no header row: the first row holds numbers and dates, so every row is data; columns named "
                 "'column 1', 'column 2', ... (name their roles with mapping=)")
    block = current_block()
    if block is not None and block.row_offset:  # a block of a larger file: the file's row numbers
        rows = np.asarray(rows) + block.row_offset
    rep.rows_read = len(data) + len(raw.bad_rows)
    if len(raw.bad_rows):
        rep.reject(raw.bad_rows)
    return data, rows, rep


def released_in_block(cells: pd.DataFrame, *, keep=(), headerless_ok: bool = False) -> list[int]:
    """Positions of the columns :meth:`Frame.release_personal` lets go whatever follows ``cells``.

    ``cells``: a file's first records as :func:`~csanalysis.io._text.read_raw` gives them, header row
    included. A column counts when its header (named as :func:`start_report` names it) is not in ``keep``
    and :func:`~csanalysis.privacy.classify_column_prefix` decides from these cells that it holds an
    address, a phone number or another kind of :data:`RELEASED_KINDS`. A headerless table lets nothing go.

    Examples
    --------
    >>> cells = pd.DataFrame([["Name", "Billing Phone", "IP Address", "Total"]] + [["A", "", "", "1"]] * 3,
    ...                      dtype="str")
    >>> released_in_block(cells)   # the phone column's few values do not decide it; an IP's header does
    [2]
    """
    if len(cells) < 1 or (headerless_ok and first_row_is_data(cells)):
        return []
    names = column_names(header_cells(cells))
    out = []
    for i, name in enumerate(names):
        if name in keep or classify_column(name) not in RELEASED_KINDS:
            continue
        decided, kind = classify_column_prefix(name, cells[cells.columns[i]].iloc[1:])
        if decided and kind in RELEASED_KINDS:
            out.append(i)
    return out


# ----------------------------------------------------------------------------- robustness
def first_row_is_data(cells: pd.DataFrame) -> bool:
    """Whether a table's first record is data, not a header: every cell a number or a date.

    A header names its columns with words; a purchase log written without a
    header (the classic CDNOW file) starts with ids, compact dates and amounts.

    Examples
    --------
    >>> first_row_is_data(pd.DataFrame([["00001", "19970101", "1", "11.77"], ["00002", "19970112", "5", "77.00"]]))
    True
    >>> first_row_is_data(pd.DataFrame([["customer_id", "date", "amount"], ["1", "19970101", "11.77"]]))
    False
    """
    if len(cells) < 1:
        return False
    first = pd.Series([("" if pd.isna(v) else str(v)).strip() for v in cells.iloc[0].tolist()], dtype="str")
    first = first[first != ""]
    return len(first) >= 2 and bool(first.str.fullmatch(r"[-+]?[0-9][0-9.,:/ T-]*").all())


def reject_implausible(frame: Frame, columns, *, blank=()) -> None:
    """Reject rows with an infinite or absurd number (beyond 10^15) in any of ``columns``.

    Such a cell is a corrupted value, not a measurement; it costs its row
    (with the reason naming the column), never the file. ``blank``: a table
    (or tables) whose same cells are then emptied, so that later steps reading
    the whole column (scale inference, number detection) never see the value.
    """
    tables = [blank] if isinstance(blank, pd.DataFrame) else list(blank)
    for c in dict.fromkeys(columns):
        if c is None or c not in frame.data.columns:
            continue
        bad = implausible_numbers(frame.data[c])
        if bad.any():
            frame.reject(bad, f"column {c!r}: an infinite or absurd number (expected a finite number below 10^15)")
            for t in tables:
                if c in t.columns and len(t) == len(bad):
                    t.loc[bad, c] = np.nan


_TYPED = {"number": r"[-+]?[0-9]+(?:[.,][0-9]+)?", "date": r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}(?:[ T].*)?"}


def header_rows_from_data(cells: pd.DataFrame, claimed: int) -> tuple[int, str | None]:
    """How many of the ``claimed`` header rows are headers, decided by the rows below them.

    A tool's signature says "2 header rows" from the first cells alone; a
    second header row holds labels ("Start Date", "Response"), a response holds
    values. Columns whose values below are (nearly) all numbers or all dates
    decide: a claimed header row whose cells in those columns mostly hold such
    values is a response, so it and the rows after it are data. Returns
    ``(header rows, note or None)``.

    Examples
    --------
    >>> cells = pd.DataFrame([["id", "When", "Score"], ["1", "2024-01-02", "4"], ["2", "2024-01-03", "5"]])
    >>> header_rows_from_data(cells, 2)
    (1, 'row 2 holds values like the rows below it (numbers, dates), so it is a response, not a header row; read with 1 header row')
    >>> cells = pd.DataFrame([["id", "When", "Score"], ["", "Start Date", "Response"], ["2", "2024-01-03", "5"]])
    >>> header_rows_from_data(cells, 2)
    (2, None)
    """
    if claimed <= 1 or len(cells) <= claimed:
        return claimed, None
    body = cells.iloc[claimed:claimed + 200]
    kinds: dict = {}
    for c in cells.columns:
        v = body[c].astype("str").where(body[c].notna(), "").str.strip()
        v = v[v != ""]
        if not len(v):
            continue
        for kind, rx in _TYPED.items():
            if v.str.fullmatch(rx).mean() >= 0.9:
                kinds[c] = rx
                break
    if not kinds:
        return claimed, None
    for i in range(1, claimed):
        row = cells.iloc[i]
        checked = [(c, str(row[c]).strip()) for c in kinds if not pd.isna(row[c]) and str(row[c]).strip()]
        if not checked:
            continue
        fits = sum(bool(re.fullmatch(kinds[c], v)) for c, v in checked)
        if fits / len(checked) > 0.5:
            return i, (f"row {i + 1} holds values like the rows below it (numbers, dates), so it is a response, "
                       f"not a header row; read with {i} header row" + ("s" if i > 1 else ""))
    return claimed, None


def _intentional(exc: BaseException) -> bool:
    """A ValueError/TypeError raised on purpose by csanalysis itself (a bad argument), not a library failure."""
    if type(exc) not in (ValueError, TypeError):
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    fname = tb.tb_frame.f_code.co_filename
    package = str(Path(__file__).resolve().parents[1])
    if not str(Path(fname).resolve()).startswith(package):
        return False
    return linecache.getline(fname, tb.tb_lineno).strip().startswith("raise")


def reader(func):
    """Make ``func`` a reader: ``tz_abbreviations=`` in effect, and no raw exception reaching the user.

    Errors of csanalysis (:class:`~csanalysis.errors.CsanalysisError`) and its
    own argument checks pass through. Anything else a library raises on a
    damaged file (pandas, pyarrow, json, zoneinfo) becomes an
    :class:`~csanalysis.errors.ExportError` of ``kind="internal"`` naming the
    file, with the original exception as its ``__cause__``: such an error is a
    case csanalysis should have recognised (please report it).
    """
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(path, *args, **kwargs):
        signature.bind(path, *args, **kwargs)  # a wrong argument is the caller's TypeError, not a damaged file
        abbr = kwargs.get("tz_abbreviations")
        try:
            if abbr is None:
                return func(path, *args, **kwargs)
            with tz_abbreviations_in_effect(abbr):
                return func(path, *args, **kwargs)
        except (CsanalysisError, MemoryError, RecursionError):
            raise
        except Exception as exc:
            if _intentional(exc):
                raise
            where = None if isinstance(path, (list, tuple, pd.DataFrame)) else str(path)
            raise ExportError(where, f"could not be read: {type(exc).__name__} inside {func.__name__} (a damaged "
                              "file csanalysis does not recognise yet; please report it with the file's layout)",
                              kind="internal",
                              expected="a file csanalysis reads, or the load of a smaller part of it to find the "
                              "damaged rows") from exc
        finally:  # the raw table is gone with the reader's frame: its memory back to the system
            release_memory()
    return wrapper
