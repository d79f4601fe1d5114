"""Reading survey exports (Qualtrics, SPSS, SurveyMonkey, Typeform, Google Forms, generic).

:func:`read_survey` turns a survey export, as the tool or an analyst's Excel
wrote it, into the canonical ``responses`` table (see
:data:`csanalysis.schema.RESPONSES`): one row per response, with CSAT on 1-5,
NPS on 0-10 and CES on 1-7 (effort) where the survey asks them, plus every
other question in its own column.

What it handles
---------------
* Layout: Qualtrics' 3 header rows (tags, question texts, ImportId JSON), the
  legacy Qualtrics 2-row export, SurveyMonkey's 2-row header whose question
  text spans several columns, Typeform and Google Forms 1-row headers, SPSS
  ``.sav`` files (value labels and user-missing codes honoured) and any other
  table with one header row ("generic").
* Bytes: any encoding, delimiter, zip or ``.xlsx`` that
  :func:`csanalysis.io._text.read_raw` reads.
* Time: Qualtrics' row-3 time zone, Typeform's ``(UTC)`` columns, Google Forms'
  ``GMT+3`` values, day-first or month-first dates decided from the data.
* Answers: scale labels in English, Danish, Swedish, German, Russian (and
  more, see :mod:`csanalysis.io.labels`), numbered labels (``10 - Extremely
  likely``) and numbers; CES agreement ("it was easy") scales reversed.
* Rows: previews, tests, spam and unfinished responses excluded and counted;
  rows whose timestamp cannot be read rejected with a reason.
* Privacy: e-mail addresses become ``email_key``; names, e-mails, IP addresses
  and locations are dropped, and e-mail addresses written into answers are
  masked, unless ``keep_pii=True``.

What each tool's export is (signature, header rows, metadata columns, time
zones) is in its module of :mod:`csanalysis.io.tools`; this reader asks the
registry which tool wrote the file and applies that tool's descriptor
(:class:`~csanalysis.io.tools.base.SurveyTool`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..privacy import email_key, email_key_note, is_personal_column
from ..schema import RESPONSES
from . import tools
from ._common import Frame, check_mapping, clean_label, find_column, finish, snake_case
from ._dates import parse_timestamps
from ._numbers import clean_ids, excel_mangled, parse_numbers
from ._text import RawTable, promote_header, read_raw
from .report import LoadReport
from .tools import Header, SurveyLayout, SurveyTool
from .tools.base import one_header_layout

__all__ = ["ROLES", "SOURCES", "read_survey"]

#: Values accepted by ``read_survey(source=...)``.
SOURCES: tuple[str, ...] = ("auto", *tools.sources("responses"), "generic")
#: Question roles ``read_survey(questions=...)`` accepts.
ROLES: tuple[str, ...] = ("csat", "nps", "ces", "told_count", "warned_others", "expectation")

_STR = pd.StringDtype(na_value=np.nan)

_EMAIL_NAMES = (
    "RecipientEmail", "Recipient Email", "EmailAddress", "Email Address", "Email", "E-mail",
    "E-mail address", "email_address", "respondent_email", "Respondent Email", "E-Mail-Adresse",
    "E-Mail", "E-mailadresse", "E-postadress", "Mailadresse", "Электронная почта", "Адрес электронной почты",
    "Email-adresse", "Adresse e-mail", "Dirección de correo electrónico",
)
_EMAIL_RX = r"(^|[\s_\-(])e-?mail|mailadress|e-?postadress|почт"
_CUSTOMER_NAMES = (
    "ExternalReference", "ExternalDataReference", "External Data Reference", "External Reference",
    "customer_id", "customer id", "customerid", "customer number", "customer_number", "customer_no",
    "requester_id", "requester id", "requesterid", "client_id", "client id", "user_id", "contact_id",
    "kunden-id", "kundennummer", "kunde_id", "kundenummer", "kundnummer", "kund-id", "kunde-id",
    "id клиента", "номер клиента",
)
_TICKET_NAMES = (
    "ticket_id", "ticket id", "ticketid", "ticket", "zendesk ticket id", "zendesk_ticket_id",
    "zendesk ticket", "ticket_number", "ticket number", "ticket no", "ticket-id", "sag", "sagsnummer",
    "ticketnummer", "номер обращения", "case_id", "case id", "conversation_id",
)
_RESPONSE_ID_NAMES = (
    "ResponseId", "ResponseID", "Response ID", "Respondent ID", "respondent_id", "#", "response_id",
    "Token", "Antwort-ID", "Svar-ID", "Svars-ID", "Svar ID", "Response Number", "Antwortnummer",
    "ID ответа", "Номер ответа", "id",
)
_SURVEY_TOOLS: tuple[SurveyTool, ...] = tools.formats("responses")
# names any survey tool gives its other date columns (an analyst's subset of any export keeps them)
_DATE_NAMES = frozenset(c.casefold() for t in _SURVEY_TOOLS for c in t.date_columns)
_DATE_RX = re.compile(
    r"(date|_at$|\bat$|time|timestamp|datum|dato|tidspunkt|tidsstempel|zeitstempel|дата|время|отметка)",
    re.IGNORECASE)


@dataclass
class _Survey:
    """A survey export after its header rows were understood (all cells strings)."""

    path: str
    data: pd.DataFrame
    rows: np.ndarray
    fmt: str
    header_rows: int
    texts: dict[str, str]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)
    import_ids: dict[str, str] = field(default_factory=dict)
    free_text: set[str] = field(default_factory=set)
    labelled: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)
    notes_roles: list[str] = field(default_factory=list)
    bad_rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"row": pd.Series(dtype="int64"),
                                                                         "reason": pd.Series(dtype="str")}))
    tool: SurveyTool | None = None  # the tool that wrote the file (None: a generic table)

    @classmethod
    def of(cls, path: str, layout: SurveyLayout, tool: SurveyTool | None) -> _Survey:
        rows = layout.rows if layout.rows is not None else np.array([])
        return cls(path, layout.data, rows, tool.name if tool is not None else "generic", layout.header_rows,
                   layout.texts, encoding=layout.encoding, notes=layout.notes, zones=layout.zones,
                   import_ids=layout.import_ids, free_text=layout.free_text, labelled=layout.labelled, tool=tool)


# ----------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------
def read_survey(
    path: str | PathLike,
    source: Literal["auto", "qualtrics", "qualtrics_legacy", "spss", "surveymonkey", "typeform",
                    "google_forms", "generic"] = "auto",
    questions: Mapping[str, str | None] | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    key: str | bytes | None = None,
    keep_pii: bool = False,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    include_previews: bool = False,
    include_unfinished: bool = False,
) -> pd.DataFrame:
    """Read a survey export into the canonical ``responses`` table.

    Parameters
    ----------
    path : str or PathLike
        A CSV/TSV (any common encoding or delimiter, optionally zipped),
        ``.xlsx`` or SPSS ``.sav`` export.
    source : str, default "auto"
        The tool that wrote the file: ``"qualtrics"``, ``"qualtrics_legacy"``,
        ``"spss"``, ``"surveymonkey"``, ``"typeform"``, ``"google_forms"`` or
        ``"generic"`` (one header row, any columns). ``"auto"`` detects it from
        the header rows (Qualtrics ImportId row, legacy ``V1,V2,...`` row,
        ``Respondent ID,Collector ID``, Typeform ``#`` ... ``Submit Date (UTC)``,
        Google Forms ``Timestamp``) or the ``.sav`` signature.
    questions : mapping, optional
        Question roles by hand: ``{"csat": "Q1", "nps": "Q2", "ces": "Q3",
        "told_count": ..., "warned_others": ..., "expectation": ...}``. Values
        are export tags or column names (a Qualtrics ``QID`` or the question
        text also work); ``None`` switches a role off. Roles not given are
        detected from the question texts.
    mapping : mapping, optional
        Canonical column -> source column, for ``response_id``,
        ``customer_id``, ``email_key`` (the e-mail column), ``ticket_id`` and
        ``responded_at`` (``csat``, ``nps``, ``ces``, ``warned_others`` are
        treated like ``questions=``).
    key : str or bytes, optional
        Key of the e-mail pseudonyms (see :func:`csanalysis.privacy.email_key`).
    keep_pii : bool, default False
        Keep names, e-mail addresses, IP addresses and locations (and
        e-mail addresses written into answers).
    timezone : str, optional
        IANA zone of timestamps the file writes without one (UTC otherwise;
        the load report says which was used). Zones the file states itself
        (Qualtrics row 3, Typeform ``(UTC)``, ``GMT+3``) win.
    dayfirst : bool, optional
        Day/month order of numeric dates, needed only when no date in the
        file decides it.
    encoding, sheet : optional
        Force the text encoding; pick an ``.xlsx`` worksheet.
    include_previews : bool, default False
        Keep survey previews and tests (excluded and counted by default).
        Spam is always excluded and counted.
    include_unfinished : bool, default False
        Keep unfinished / partial responses.

    Returns
    -------
    pandas.DataFrame
        The canonical responses columns, then every other question under the
        snake_case of its export tag or header. ``df.attrs`` holds
        ``"questions"`` (output column -> question text; the role columns
        ``csat``, ``nps``, ... carry their question's text),
        ``"free_text_columns"`` and ``"load_report"`` (a
        :class:`~csanalysis.io.report.LoadReport`, also reachable with
        :func:`~csanalysis.io.report.load_report`).

    Raises
    ------
    ExportError
        When the file is not a survey export csanalysis can read, names the
        file, the row or column, what was found and what was expected.

    Examples
    --------
    >>> import tempfile, os
    >>> text = ("Timestamp,How satisfied are you overall?,Email Address\\n"
    ...         "2024/03/05 9:15:00 AM GMT+1,Very satisfied,ann@example.com\\n"
    ...         "2024/03/06 2:40:00 PM GMT+1,Dissatisfied,bob@example.com\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "form.csv")
    ...     with open(p, "w", encoding="utf-8") as f:
    ...         _ = f.write(text)
    ...     df = read_survey(p, key="secret")
    >>> df["csat"].tolist(), str(df["responded_at"][0])
    ([5.0, 2.0], '2024-03-05 08:15:00+00:00')
    >>> df.attrs["load_report"].source_format, "email_address" in df.columns
    ('google_forms', False)
    """
    if source not in SOURCES:
        raise ValueError(f"source={source!r} is not a survey format csanalysis reads; expected one of {list(SOURCES)}")
    if questions is not None and not isinstance(questions, Mapping):
        raise TypeError("questions= must be a mapping of role -> column, e.g. {'csat': 'Q1'}")
    spath = str(path)
    survey = _load(spath, source, encoding=encoding, sheet=sheet)
    return _to_responses(survey, questions=questions, mapping=mapping, key=key, keep_pii=keep_pii,
                         timezone=timezone, dayfirst=dayfirst, include_previews=include_previews,
                         include_unfinished=include_unfinished)


# ----------------------------------------------------------------------------
# Layout: files -> _Survey
# ----------------------------------------------------------------------------
def _load(path: str, source: str, *, encoding: str | None, sheet) -> _Survey:
    # a tool whose files are not text tables (SPSS): named by source=, or recognised by its bytes
    file_tool = next((t for t in _SURVEY_TOOLS if t.reads_file is not None and t.reads_file(path)), None)
    named = tools.named("responses", source)
    tool = named if named is not None and named.read_file is not None else (file_tool if source == "auto" else None)
    if tool is not None:
        if not tool.reads_file(path):
            raise ExportError(path, f"source={tool.name!r} was given, but this is not {tool.file_kind}",
                              expected=tool.file_expected)
        survey = _Survey.of(path, tool.read_file(path), tool)
        survey.data = _strip_cells(survey.data)
        return survey
    if file_tool is not None:
        raise ExportError(path, f"this is {file_tool.file_kind}, but source={source!r} was given",
                          expected=f"source={file_tool.name!r} or source='auto'")
    raw = _trailing_delimiter_fix(read_raw(path, encoding=encoding, sheet=sheet), encoding)
    tool, header_rows = _detect(raw, source)
    data, rows, headers = promote_header(raw, header_rows)
    builder = tool.layout if tool is not None and tool.layout is not None else one_header_layout
    survey = _Survey.of(path, builder(path, data, headers), tool)
    survey.rows = rows
    survey.header_rows = header_rows
    survey.encoding = raw.encoding
    survey.delimiter = raw.delimiter
    survey.notes = list(raw.notes) + survey.notes
    survey.bad_rows = raw.bad_rows
    survey.data = _strip_cells(survey.data)
    return survey


def _trailing_delimiter_fix(raw: RawTable, encoding: str | None) -> RawTable:
    """Re-read a file whose data rows end in one extra, empty field the header row lacks.

    Qualtrics writes a trailing delimiter on its data rows but not on its header
    rows (``qualtRics_sample.csv``); :func:`read_raw` sizes the table by the first
    row and rejects every such data row as "N+1 fields where the header has N".
    Here the records are parsed again with one more column, which
    :func:`promote_header` then drops (unnamed and empty).
    """
    if not len(raw.bad_rows) or raw.delimiter is None:
        return raw
    n = raw.cells.shape[1]
    extra = raw.bad_rows["reason"].astype(str).str.startswith(f"has {n + 1} fields where the header has {n} ")
    if not extra.all():
        return raw
    import io
    import warnings

    from ._text import decode_text, read_bytes

    data, _ = read_bytes(raw.path)
    text, _, _ = decode_text(raw.path, data, encoding)
    text = text.removeprefix("\ufeff")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cells = pd.read_csv(io.StringIO(text), sep=raw.delimiter, header=None, names=list(range(n + 1)),
                            dtype=str, keep_default_na=False, na_filter=False, engine="c",
                            on_bad_lines="warn", skip_blank_lines=True, quotechar='"', doublequote=True)
    if caught:
        return raw
    last = cells[n].fillna("").str.strip()
    if (last != "").any():
        return raw
    cells = cells.reset_index(drop=True)
    return RawTable(raw.path, cells, np.arange(1, len(cells) + 1), raw.encoding, raw.delimiter,
                    notes=[*raw.notes, ("data rows end in a delimiter the header row lacks (an empty "
                                        "trailing column); read as such")])


def _row(cells: pd.DataFrame, i: int) -> list[str]:
    if len(cells) <= i:
        return []
    return [("" if pd.isna(v) else str(v)).strip() for v in cells.iloc[i].tolist()]


def _detect(raw: RawTable, source: str) -> tuple[SurveyTool | None, int]:
    """Which tool (and how many header rows) the first rows of ``raw`` show; None: a generic table."""
    if source == "generic":
        return None, 1
    header = Header(tuple(tuple(_row(raw.cells, i)) for i in range(3)))
    among = None if source == "auto" else (tools.named("responses", source),)
    found = tools.detect("responses", header, among)
    if found is not None:
        return found
    if among is not None:  # source= names the tool, but its signature is not there
        tool = among[0]
        return tool, (tool.forced(header, raw.path) if tool.forced is not None else 1)
    return None, 1


def _strip_cells(data: pd.DataFrame) -> pd.DataFrame:
    """Cells as ``str`` with surrounding whitespace (Qualtrics' trailing ``\\n\\n``) removed, '' -> NaN."""
    out = {}
    for c in data.columns:
        s = data[c]
        if s.dtype == object or str(s.dtype) in ("str", "string"):
            s = s.astype(_STR).str.strip()
            s = s.where(s != "", np.nan)
        out[c] = s
    return pd.DataFrame(out, index=data.index)


# ----------------------------------------------------------------------------
# _Survey -> canonical responses
# ----------------------------------------------------------------------------
def _to_responses(sv: _Survey, *, questions, mapping, key, keep_pii, timezone, dayfirst,
                  include_previews, include_unfinished) -> pd.DataFrame:
    from . import labels as L

    path = sv.path
    fmt = sv.fmt
    _rename_columns(sv)
    data = sv.data
    cols = list(data.columns)
    rep = LoadReport(path, "responses", source_format=fmt, rows_read=len(data), encoding=sv.encoding,
                     delimiter=sv.delimiter, header_rows=sv.header_rows)
    for n in sv.notes:
        rep.note(n)
    if mapping:
        mapping = {k: (_resolve_column(sv, data, str(v)) or v) for k, v in mapping.items()}
    mapped = check_mapping(path, cols, mapping, [c.name for c in RESPONSES if c.name != "source_format"]
                           + ["told_count"])

    # ---- metadata columns -------------------------------------------------
    def pick(canon: str, *names: str, regex: str | None = None) -> str | None:
        if canon in mapped:
            return mapped[canon]
        return find_column(cols, *names, regex=regex)

    rid_col = pick("response_id", *_RESPONSE_ID_NAMES, "Response Id")
    tool = sv.tool
    if tool is not None and not tool.response_ids and "response_id" not in mapped:
        rid_col = None
    cust_col = pick("customer_id", *_CUSTOMER_NAMES, "External Reference")
    ticket_col = pick("ticket_id", *_TICKET_NAMES)
    email_col = mapped.get("email_key") or _find_email(data)
    time_col = mapped.get("responded_at") or _find_time_column(sv)
    status_col = find_column(cols, *tool.status_columns) if tool is not None and tool.status_columns else None
    finished_col = find_column(cols, "Finished")
    channel_col = find_column(cols, "DistributionChannel", "Distribution Channel")
    rtype_col = find_column(cols, *tool.partial_columns) if tool is not None and tool.partial_columns else None

    frame = Frame(data, sv.rows, rep)
    if len(sv.bad_rows):
        # records the text reader could not parse: read, and rejected with its reason
        rep.rows_read += len(sv.bad_rows)
        rep.reject(sv.bad_rows[["row", "reason"]].reset_index(drop=True))
    used: set[str] = set()
    canonical: dict[str, pd.Series] = {}
    mapping_out: dict[str, str] = {}

    # ---- identifiers ----------------------------------------------------------
    for canon, col in (("response_id", rid_col), ("customer_id", cust_col), ("ticket_id", ticket_col)):
        if col is None:
            continue
        ids = clean_ids(data[col])
        mangled = excel_mangled(data[col])
        if mangled.any():
            rep.note(f"{col}: {int(mangled.sum())} id(s) look Excel-mangled (like 1.2E+11); the digits lost "
                     "cannot be recovered: export again without opening the file in Excel")
        canonical[canon] = ids
        used.add(col)
        mapping_out[col] = canon
    if rid_col is None:
        rep.note("no response id column found" + (f" ({tool.response_id_note})"
                                                   if tool is not None and tool.response_id_note else ""))
    if email_col is not None:
        canonical["email_key"] = email_key(data[email_col], key)
        mapping_out[email_col] = "email_key"
        rep.note(email_key_note(email_col, key))
        if not keep_pii:
            used.add(email_col)
    if not keep_pii:
        _mask_emails(frame, {email_col} if email_col else set(), rep)

    # ---- exclusions ---------------------------------------------------------
    _exclusions(frame, tool, status_col, finished_col, channel_col, rtype_col, include_previews,
                include_unfinished)

    # ---- timestamps -----------------------------------------------------------
    _timestamps(frame, sv, canonical, used, mapping_out, time_col, timezone, dayfirst)

    # ---- question roles -------------------------------------------------------
    meta_cols = {c for c in (rid_col, cust_col, ticket_col, email_col, time_col, status_col, finished_col,
                             channel_col, rtype_col) if c}
    meta_cols |= {c for c in cols if _is_metadata(c, sv)}
    roles = _resolve_roles(sv, data, questions, mapped, meta_cols, L)
    role_texts: dict[str, str] = {}
    for n in sv.notes_roles:
        if not n.startswith("role "):
            rep.note(n)
    for role, col in roles.items():
        if _apply_role(role, col, data, sv, canonical, rep, L):
            role_texts[role] = sv.texts.get(col, col)
            used.add(col)
            mapping_out[col] = role
    if not roles:
        rep.note("no question role (csat, nps, ces, told_count, warned_others) found in the question texts; "
                 "every question is kept as its own column; name roles with questions={'csat': <column>, ...}")

    canonical["source_format"] = pd.Series(fmt, index=data.index, dtype=_STR)

    # ---- the other columns: numbers where the whole column is numeric ---------
    free = _free_text_columns(sv, data, used | meta_cols)
    _numeric_columns(frame, sv, used | free)

    rep.column_mapping = mapping_out
    df = finish(frame, canonical, "responses", used=used, keep_pii=keep_pii, free_text=[])
    out_names = _output_names(frame, canonical, used, keep_pii)
    qs = {out_names[c]: sv.texts.get(c, c) for c in out_names}
    if "told_count" in role_texts:
        role_texts["told_count_low"] = role_texts["told_count_high"] = role_texts.pop("told_count")
    role_texts.pop("expectation", None)
    qs.update(role_texts)
    for col, name in mapping_out.items():  # canonical columns: the label of their source column
        if name in df.columns and name not in qs:
            qs[name] = sv.texts.get(col, col)
    df.attrs["questions"] = qs
    df.attrs["free_text_columns"] = [out_names[c] for c in data.columns if c in free and c in out_names]
    return df


def _find_email(data: pd.DataFrame) -> str | None:
    cols = list(data.columns)
    c = find_column(cols, *_EMAIL_NAMES)
    if c is not None:
        return c
    rx = re.compile(_EMAIL_RX, re.IGNORECASE)
    for c in cols:
        if len(str(c)) > 40 or not rx.search(str(c)):
            continue
        s = data[c].dropna()
        if len(s) and s.astype(str).str.contains("@", regex=False).mean() > 0.5:
            return c
    return None


def _find_time_column(sv: _Survey) -> str | None:
    cols = list(sv.data.columns)
    tool = sv.tool
    if tool is not None and tool.time_column_first:
        return cols[0]
    if tool is not None and (tool.time_columns or tool.time_regex):
        c = find_column(cols, *tool.time_columns, regex=tool.time_regex)
        if c is not None:
            return c
    c = find_column(cols, "RecordedDate", "Recorded Date", "responded_at", "response_date", "Response Date",
                    "submitted_at", "Submitted At", "Submit Date", "completed_at", "Completed At",
                    "EndDate", "End Date", "Timestamp", "Date", "created_at", "Created At", "Tidsstempel",
                    "Zeitstempel", "Отметка времени", "Dato", "Datum", "Дата")
    if c is not None:
        return c
    for c in cols:
        if _DATE_RX.search(str(c)):
            s = sv.data[c].dropna()
            if len(s) and s.astype(str).str.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() > 0.8:
                return c
    return None


def _is_metadata(col: str, sv: _Survey) -> bool:
    """One of the tool's own metadata columns (never a question)."""
    return bool(sv.tool is not None and sv.tool.is_metadata is not None and sv.tool.is_metadata(col))


# -- personal columns -----------------------------------------------------------
def _split_camel(name: str) -> str:
    """``"RecipientLastName"`` -> ``"Recipient Last Name"`` (tags with spaces or ``_`` are left alone)."""
    name = str(name)
    if re.search(r"[\s_]", name):
        return name
    name = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", name)  # IPAddress -> IP Address
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def _rename_columns(sv: _Survey) -> None:
    """Split CamelCase export tags (``RecipientLastName`` -> ``Recipient Last Name``).

    The output column names then read ``recipient_last_name``,
    ``distribution_channel``, ``start_date``; and
    :func:`csanalysis.privacy.is_personal_column`, which does not see
    ``RecipientFirstName`` / ``RecipientLastName`` / ``RecipientEmail``,
    recognises them (so they are dropped, and never quoted in rejected rows).
    """
    ren = {}
    taken = set(sv.data.columns)
    for c in sv.data.columns:
        new = _split_camel(c)
        if new != c and new not in taken:
            ren[c] = new
            taken.add(new)
    sv.renamed = ren
    if not ren:
        return
    sv.data = sv.data.rename(columns=ren)
    sv.texts = {ren.get(k, k): v for k, v in sv.texts.items()}
    sv.zones = {ren.get(k, k): v for k, v in sv.zones.items()}
    sv.import_ids = {ren.get(k, k): v for k, v in sv.import_ids.items()}
    sv.free_text = {ren.get(k, k) for k in sv.free_text}
    sv.labelled = {ren.get(k, k) for k in sv.labelled}


# -- exclusions -----------------------------------------------------------------
def _exclusions(frame: Frame, tool: SurveyTool | None, status_col, finished_col, channel_col, rtype_col,
                include_previews, include_unfinished) -> None:
    d = frame.data
    n = len(d)
    preview = np.zeros(n, dtype=bool)
    spam = np.zeros(n, dtype=bool)
    if status_col is not None:
        # the tool's status codes and words (Qualtrics: 1 = preview, 8 = spam, "Survey Preview" ...)
        st = d[status_col].fillna("").astype(str).str.strip()
        code = pd.to_numeric(st, errors="coerce")
        low = st.str.casefold()
        preview |= code.isin(list(tool.preview_codes)).to_numpy()
        if tool.preview_pattern:
            preview |= low.str.contains(tool.preview_pattern, regex=True).to_numpy()
        spam |= code.isin(list(tool.spam_codes)).to_numpy()
        if tool.spam_pattern:
            spam |= low.str.contains(tool.spam_pattern, regex=True).to_numpy()
    if channel_col is not None:
        ch = d[channel_col].fillna("").astype(str).str.strip().str.casefold()
        preview |= ch.isin(["preview", "test"]).to_numpy()
    if not include_previews:
        frame.exclude(preview, "survey preview or test")
    frame.exclude(spam, "spam")
    unfinished = np.zeros(n, dtype=bool)
    if finished_col is not None:
        f = d[finished_col].fillna("").astype(str).str.strip().str.casefold()
        unfinished |= f.isin(["false", "0", "falsch", "nein", "no", "falsk", "nej", "ложь"]).to_numpy()
    if rtype_col is not None:
        rt = d[rtype_col].fillna("").astype(str).str.strip().str.casefold()
        unfinished |= rt.isin(list(tool.partial_values)).to_numpy()
    if not include_unfinished:
        frame.exclude(unfinished, "unfinished response")
    elif unfinished.any():
        frame.report.note(f"{int((unfinished & frame.alive).sum())} unfinished response(s) kept "
                          "(include_unfinished=True)")
    if include_previews and (preview & frame.alive).any():
        frame.report.note(f"{int((preview & frame.alive).sum())} survey preview/test response(s) kept "
                          "(include_previews=True)")


# -- timestamps -----------------------------------------------------------------
_GMT = re.compile(r"\s*(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_GMT_ANY = re.compile(r"(?:GMT|UTC)\s*[+-]\d{1,2}(?::?\d{2})?$", re.IGNORECASE)


def _normalise_offsets(s: pd.Series) -> pd.Series:
    """``... GMT+3`` / ``... UTC-05:30`` -> ``... +03:00`` (the ISO form every date pattern reads)."""
    s = s.astype(_STR)
    maybe = s.str.contains("GMT", regex=False, na=False) | s.str.contains("UTC", regex=False, na=False)
    if not maybe.any():
        return s
    has = s.str.contains(_GMT_ANY, na=False) & maybe
    if not has.any():
        return s
    parts = s.str.extract(_GMT)
    off = parts[0].fillna("+") + parts[1].fillna("0").str.zfill(2) + ":" + parts[2].fillna("00")
    body = s.str.replace(_GMT, "", regex=True)
    return (body + " " + off).where(has, s)


def _zone_for(sv: _Survey, col: str, timezone: str | None, rep: LoadReport) -> str | None:
    zone = sv.zones.get(col)
    if zone is None:
        m = re.search(r"\((UTC|GMT|[A-Za-z]+/[A-Za-z_+\-/]+)\)\s*$", str(col))
        if m:
            zone = "UTC" if m.group(1) in ("UTC", "GMT") else m.group(1)
    if zone in ("Z", "z", "GMT", "Etc/UTC"):
        zone = "UTC"
    if zone is not None and timezone is not None and zone != timezone:
        rep.note(f"{col}: the file states time zone {zone}; timezone={timezone!r} ignored for this column")
    return zone or timezone


def _parse_dates(sv: _Survey, col: str, timezone, dayfirst, rep: LoadReport):
    zone = _zone_for(sv, col, timezone, rep)
    values = _normalise_offsets(sv.data[col])
    try:
        return parse_timestamps(values, column=col, path=sv.path, dayfirst=dayfirst, timezone=zone), zone
    except ExportError:
        raise
    except Exception as exc:  # noqa: BLE001 - an unknown zone name and the like
        raise ExportError(sv.path, f"cannot read the timestamps of column {col!r} ({type(exc).__name__}: {exc})",
                          column=col, expected="timestamps and a valid IANA timezone= (e.g. 'Europe/Copenhagen')"
                          ) from None


def _other_date_columns(sv: _Survey, time_col: str | None, skip: set[str]) -> list[str]:
    cols = []
    for c in sv.data.columns:
        if c == time_col or c in skip:
            continue
        lc = str(c).casefold()
        named = (lc in _DATE_NAMES or "(utc)" in lc or c in sv.zones
                 or (sv.tool is None and _DATE_RX.search(str(c)) is not None))
        if not named:
            continue
        s = sv.data[c].dropna()
        if len(s) and s.astype(str).str.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() > 0.8:
            cols.append(c)
    return cols


def _ambiguous(err: ExportError) -> bool:
    return "day-first or month-first" in err.problem


def _timestamps(frame: Frame, sv: _Survey, canonical, used, mapping_out, time_col, timezone, dayfirst) -> None:
    rep = frame.report
    others = _other_date_columns(sv, time_col, used)
    if time_col is None:
        rep.note("no response timestamp column found; responded_at is missing "
                 "(name one with mapping={'responded_at': <column>})")
    columns = ([time_col] if time_col else []) + others
    # Every date column is parsed once; the date order is decided for the whole file:
    # a column whose data decides it decides it for the columns that cannot.
    parsed: dict[str, tuple] = {}
    failed: dict[str, ExportError] = {}
    scratch: dict[str, LoadReport] = {}
    for c in columns:
        scratch[c] = LoadReport(sv.path, "responses")
        try:
            parsed[c] = _parse_dates(sv, c, timezone, dayfirst, scratch[c])
        except ExportError as err:
            if c == time_col and not _ambiguous(err):
                raise
            failed[c] = err
    if dayfirst is None and any(_ambiguous(e) for e in failed.values()):
        orders = {p.date_order for p, _ in parsed.values()
                  if p.date_order in ("dayfirst", "monthfirst") and not any("dotted" in n for n in p.notes)}
        if len(orders) == 1:
            decided = orders.pop() == "dayfirst"
            rep.note(f"dates read {'day' if decided else 'month'}-first in every date column, decided from "
                     "the data of another date column")
            for c, err in list(failed.items()):
                if not _ambiguous(err):
                    continue
                scratch[c] = LoadReport(sv.path, "responses")
                try:
                    parsed[c] = _parse_dates(sv, c, timezone, decided, scratch[c])
                    del failed[c]
                except ExportError as err2:
                    failed[c] = err2
    if time_col is not None:
        if time_col in failed:
            err = failed[time_col]
            raise ExportError(sv.path, err.problem + "; no other date column of the file decides it",
                              column=time_col, expected=err.expected) from None
        p, _ = parsed[time_col]
        for n in scratch[time_col].notes + p.notes:
            rep.note(n)
        rep.date_order = p.date_order
        rep.timezone = p.timezone
        frame.reject(p.invalid, f"{time_col}: not a timestamp (expected a date and time such as "
                                f"2024-03-05 14:03 in the format of the column's other rows)")
        empty = p.values.isna().to_numpy() & ~p.invalid & frame.alive
        if empty.any():
            rep.note(f"{int(empty.sum())} response(s) have no {time_col}; responded_at is missing for them")
        canonical["responded_at"] = p.values
        used.add(time_col)
        mapping_out[time_col] = "responded_at"
    orders = {p.date_order for p, _ in parsed.values() if p.date_order in ("dayfirst", "monthfirst")}
    if len(orders) > 1:
        rep.note("the date columns of this file disagree on the day/month order: "
                 + ", ".join(f"{c}: {p.date_order}" for c, (p, _) in parsed.items()))
    for c in others:
        if c in failed:
            rep.note(f"{c}: kept as text ({failed[c].problem})")
            continue
        p, _ = parsed[c]
        name = re.sub(r"_utc$", "", snake_case(c))
        if name in canonical or name in {col.name for col in RESPONSES}:
            continue
        if p.invalid.any():
            rep.note(f"{c}: {int(p.invalid.sum())} value(s) are not timestamps; set to missing")
        canonical[name] = p.values
        used.add(c)
        mapping_out[c] = name


# -- question roles ----------------------------------------------------------------
def _resolve_column(sv: _Survey, data: pd.DataFrame, name: str) -> str | None:
    cols = list(data.columns)
    if name in cols:
        return name
    ren = getattr(sv, "renamed", {})
    if name in ren:
        return ren[name]
    fold = {str(c).casefold(): c for c in cols}
    if str(name).casefold() in fold:
        return fold[str(name).casefold()]
    snake = {snake_case(c): c for c in cols}
    if snake_case(name) in snake:
        return snake[snake_case(name)]
    for c, imp in sv.import_ids.items():
        if imp.casefold() == str(name).casefold() and c in cols:
            return c
    for c, t in sv.texts.items():
        if clean_label(t).casefold() == clean_label(str(name)).casefold() and c in cols:
            return c
    return None


def _resolve_roles(sv: _Survey, data: pd.DataFrame, questions, mapped, meta_cols, L) -> dict[str, str]:
    given: dict[str, str | None] = {}
    for canon in ("csat", "nps", "ces", "warned_others", "told_count"):
        if canon in mapped:
            given[canon] = mapped[canon]
    for canon in ("told_count_low", "told_count_high"):
        if canon in mapped:
            given["told_count"] = mapped[canon]
    for role, col in (questions or {}).items():
        if role not in ROLES:
            raise ValueError(f"questions= key {role!r} is not a question role; expected one of {list(ROLES)}")
        given[role] = col
    resolved: dict[str, str | None] = {}
    for role, name in given.items():
        if name is None:
            resolved[role] = None
            continue
        col = _resolve_column(sv, data, str(name))
        if col is None:
            avail = [c for c in data.columns if c not in meta_cols][:40]
            raise ExportError(sv.path, f"questions= names column {name!r} for {role!r}, but the file has no "
                              "such column", column=str(name),
                              expected=f"one of the file's question columns: {avail}")
        resolved[role] = col
    candidates = {c: sv.texts.get(c, str(c)) for c in data.columns if c not in meta_cols
                  and c not in sv.free_text and c not in resolved.values()}
    detected = dict(L.detect_question_roles(candidates, on_ambiguous="first")) if candidates else {}
    amb_notes = []
    if candidates:
        tab = L.question_roles_table(candidates)
        for role, g in tab[tab["ambiguous"]].groupby("role", sort=False):
            if role not in resolved:
                amb_notes.append(f"several columns ask a {role} question ({', '.join(map(str, g['column']))}); "
                                f"{detected.get(role)!r} was used; choose with questions={{{role!r}: ...}}")
    roles: dict[str, str] = {}
    for role, col in detected.items():
        if role in resolved:
            continue
        roles[role] = col
    for role, col in resolved.items():
        if col is not None:
            roles[role] = col
    rep_notes = []
    for role, col in roles.items():
        how = "given" if role in resolved else "detected from its question text"
        rep_notes.append(f"role {role}: column {col!r} ({how})")
    sv.notes_roles = rep_notes + amb_notes
    return {r: c for r, c in roles.items() if r in ROLES}


def _points_from_text(text: str) -> tuple[int, int] | None:
    """``"... (1-7)"``, ``"on a scale from 0 to 10"`` -> (low, high) of a numeric scale."""
    m = re.search(r"(?<!\d)([01])\s*(?:-|\u2013|\u2014|to|til|till|bis|до|a)\s*(\d{1,2})(?!\d)", str(text))
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if 3 <= hi <= 11:
            return lo, hi
    return None


def _numeric_scale(x: pd.Series, text: str, role: str) -> tuple[int, int, str]:
    """(low, high, how) of a numeric answer column: from the question text, else from the data."""
    given = _points_from_text(text)
    if given:
        return given[0], given[1], f"{given[0]}-{given[1]} as the question text says"
    v = x.dropna()
    lo_seen, hi_seen = (float(v.min()), float(v.max())) if len(v) else (1.0, 5.0)
    if lo_seen == 0:
        lo = 0
        hi = 10 if hi_seen <= 10 else int(hi_seen)
    else:
        lo = 1
        hi = next((h for h in (5, 7, 10) if hi_seen <= h), int(hi_seen))
        if role == "ces" and hi == 10:
            hi = int(hi_seen)
    return lo, hi, f"{lo}-{hi} inferred from the answers (highest answer {hi_seen:g})"


def _is_numeric_column(s: pd.Series) -> bool:
    v = s.dropna()
    if len(v) == 0:
        return False
    if pd.api.types.is_numeric_dtype(v.dtype):
        return True
    t = v.astype(str).str.strip()
    pattern = r"[-+]?\d+(?:[.,]\d+)?"
    return bool(t.head(64).str.fullmatch(pattern).all() and t.str.fullmatch(pattern).all())


def _as_float(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    return pd.to_numeric(s.astype(str).str.strip().str.replace(",", ".", regex=False).where(s.notna()),
                         errors="coerce").astype("float64")


def _scale_note(role: str, col: str, m) -> list[str]:
    notes = []
    if len(m.unmapped):
        shown = ", ".join(repr(str(u))[:60] for u in list(m.unmapped)[:10])
        notes.append(f"{role} from {col!r}: {len(m.unmapped)} distinct answer(s) not on the scale, set to "
                     f"missing (unmapped labels): {shown}")
    if getattr(m, "nonresponse", None):
        notes.append(f"{role} from {col!r}: answers read as no answer: "
                     + ", ".join(repr(str(u))[:40] for u in m.nonresponse[:10]))
    for n in getattr(m, "notes", []) or []:
        if not n.startswith("bare numbers read as codes"):
            notes.append(f"{role} from {col!r}: {n}")
    if getattr(m, "alternatives", None):
        notes.append(f"{role} from {col!r}: the labels also fit {', '.join(m.alternatives)}; "
                     f"{m.scale} was used")
    return notes


def _apply_role(role: str, col: str, data: pd.DataFrame, sv: _Survey, canonical, rep: LoadReport, L) -> bool:
    """Fill the canonical column(s) of ``role`` from ``col``; False when the column is kept as it is."""
    s = data[col]
    text = sv.texts.get(col, str(col))
    how = next((n for n in sv.notes_roles if n.startswith(f"role {role}:")), None)
    if how:
        rep.note(how)
    idx = s.index
    if role in ("csat", "nps", "ces"):
        numeric = _is_numeric_column(s)
        if role == "nps":
            m = L.map_scale(s, "recommend")
            codes, points, lo = m.codes.astype("float64"), m.points or 11, 0
            desc = f"nps from {col!r}: 0-10" + (f" (labels in {m.language})" if m.language else "")
            if m.points and m.points != 11:
                desc += f"; a {m.points}-point verbal likelihood scale, not 0-10: codes kept as 1-{m.points}"
        elif numeric:
            x = _as_float(s)
            lo, hi, how_n = _numeric_scale(x, text, role)
            points = hi - lo + 1
            ok = x.between(lo, hi) & (x == x.round())
            if (x.notna() & ~ok).any():
                rep.note(f"{role} from {col!r}: {int((x.notna() & ~ok).sum())} answer(s) outside {lo}-{hi} "
                         "set to missing")
            codes = x.where(ok)
            m = None
            desc = f"{role} from {col!r}: numeric answers, scale {how_n}"
        else:
            kind = "satisfaction" if role == "csat" else None
            m = L.map_scale(s, kind)
            if role == "csat" and (m.kind is None or m.codes.notna().sum() == 0):
                m2 = L.map_scale(s)
                if m2.kind in ("rating", "agreement", "satisfaction") and m2.codes.notna().any():
                    m = m2
            if role == "ces" and m.kind not in ("effort", "agreement"):
                m2 = L.map_scale(s, "effort")
                m = m2 if m2.codes.notna().any() else L.map_scale(s, "agreement")
            codes = m.codes.astype("float64")
            points = m.points or 0
            lo = 0 if (m.kind == "satisfaction" and points == 11) else 1
            desc = (f"{role} from {col!r}: {points}-point {m.kind} scale"
                    + (f" ({m.scale}, labels in {m.language})" if m.language else ""))
        if m is not None:
            for n in _scale_note(role, col, m):
                rep.note(n)
        if role == "csat":
            if points and points != 5 and codes.notna().any():
                codes = 1 + (codes - lo) * 4 / (points - 1)
                desc += f"; rescaled linearly to 1-5 (1 + 4 * (x - {lo}) / {points - 1})"
            canonical["csat"] = codes
        elif role == "nps":
            canonical["nps"] = codes
        else:
            scale_kind = "numeric" if m is None else (m.kind or "numeric")
            try:
                direction = L.ces_direction(text, scale_kind)
            except ValueError as exc:
                rep.note(f"ces from {col!r}: {exc} The column is kept as it is and ces is missing.")
                return False
            if not points or points < 2:
                rep.note(f"ces from {col!r}: no scale recognised; the column is kept as it is and ces is missing")
                return False
            eff = L.to_ces_effort(codes - (lo - 1), points, direction)
            canonical["ces"] = pd.Series(np.asarray(eff, dtype="float64"), index=idx)
            if direction == "ease":
                desc += ("; direction: ease (high = easy, e.g. agreement that it was easy): reversed so that "
                         "1 = very easy, 7 = very difficult")
            else:
                desc += "; direction: effort (1 = very easy)"
            if points != 7:
                desc += f"; rescaled linearly from {points} points to 1-7"
        rep.note(desc)
        return True
    if role == "told_count":
        t = L.parse_told_count(s)
        canonical["told_count_low"] = pd.Series(np.asarray(t["told_count_low"], dtype="float64"), index=idx)
        canonical["told_count_high"] = pd.Series(np.asarray(t["told_count_high"], dtype="float64"), index=idx)
        unparsed = t.attrs.get("unparsed", [])
        rep.note(f"told_count from {col!r}: ranges as low-high, open answers ('more than 20') with no high end"
                 + ("; answers not read as a count (missing): "
                    + ", ".join(repr(str(u))[:40] for u in unparsed[:10]) if unparsed else ""))
        return True
    if role == "warned_others":
        y = L.parse_yes_no(s)
        canonical["warned_others"] = pd.Series(pd.array(y.to_numpy(), dtype="boolean"), index=idx)
        unm = y.attrs.get("unmapped", [])
        rep.note(f"warned_others from {col!r}: yes/no" + (
            "; answers not read as yes/no (missing): " + ", ".join(repr(str(u))[:40] for u in unm[:10])
            if unm else ""))
        return True
    rep.note(f"expectation question: {col!r} (kept as its own column)")
    return False


# -- other columns ----------------------------------------------------------------
def _free_text_columns(sv: _Survey, data: pd.DataFrame, skip: set[str]) -> set[str]:
    free = {c for c in sv.free_text if c in data.columns and c not in skip}
    for c in data.columns:
        if c in skip or c in free or _is_metadata(c, sv):
            continue
        s = data[c].dropna()
        if s.dtype != object and str(s.dtype) not in ("str", "string"):
            continue
        if len(s) == 0:
            continue
        s = s.astype(str)
        words = s.str.count(r"\s+") + 1
        if (words.mean() >= 4 and s.nunique() >= max(2, 0.6 * len(s))) or s.str.len().mean() > 60:
            free.add(c)
    return free


def _numeric_columns(frame: Frame, sv: _Survey, skip: set[str]) -> None:
    """Columns whose every value is a number become float64 (a decimal comma only in ';' files)."""
    comma_ok = sv.delimiter in (";", "\t")
    for c in list(frame.data.columns):
        if c in skip or re.search(r"(^|[\s_\-#])(id|ids|nr|no|number|nummer|token)$|^#$", str(c), re.IGNORECASE):
            continue
        s = frame.data[c]
        if s.dtype != object and str(s.dtype) not in ("str", "string"):
            continue
        nonempty = s.dropna()
        if len(nonempty) == 0:
            continue
        t = nonempty.astype(str).str.strip()
        pattern = r"[-+]?(\d{1,3}([.\s\u00a0\u202f]\d{3})+|\d+)([.,]\d+)?"
        # a text column fails on its first values already; the full check runs per value in Python
        if not t.head(64).str.fullmatch(pattern).all() or not t.str.fullmatch(pattern).all():
            continue
        if not comma_ok and t.str.contains(",", regex=False).any():
            continue
        if t.str.match(r"^0\d").any():  # leading zeros: codes, not numbers
            continue
        num, bad, mark = parse_numbers(s.fillna(""), decimal=None if comma_ok else ".")
        if bad.any():
            continue
        frame.data[c] = num.where(s.notna())
        if mark == "," and t.str.contains(",", regex=False).any():
            frame.report.note(f"{c}: numbers with a decimal comma")


_EMAIL_VALUE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _mask_emails(frame: Frame, used: set[str], rep: LoadReport) -> None:
    """Mask e-mail addresses written into kept text columns (answers, embedded data)."""
    for c in frame.data.columns:
        if c in used or is_personal_column(c):
            continue
        s = frame.data[c]
        if s.dtype != object and str(s.dtype) not in ("str", "string"):
            continue
        has = s.str.contains(_EMAIL_VALUE, na=False)
        if has.any():
            frame.data[c] = s.str.replace(_EMAIL_VALUE, "<e-mail removed>", regex=True)
            rep.note(f"{c}: {int(has.sum())} e-mail address(es) in the values masked (keep_pii=True keeps them)")


def _output_names(frame: Frame, canonical: dict, used: set[str], keep_pii: bool) -> dict[str, str]:
    """Source column -> output column, replicating :func:`finish`'s naming."""
    taken = set(canonical)
    out = {}
    for c in frame.data.columns:
        if c in used:
            continue
        if is_personal_column(c) and not keep_pii:
            continue
        name = snake_case(c)
        while name in taken:
            name += "_src"
        taken.add(name)
        out[c] = name
    return out
