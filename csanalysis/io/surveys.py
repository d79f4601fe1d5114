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
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..privacy import email_key, email_key_note, is_personal_column, mask_text
from ..schema import RESPONSES
from ..stats.arrays import arrow_text, per_distinct
from . import tools
from ._common import (Frame, check_mapping, clean_label, find_column, finish, header_rows_from_data, reader,
                      reject_implausible, snake_case, space_runs)
from ._dates import parse_timestamps
from ._numbers import clean_ids, excel_mangled, parse_numbers
from ._inputs import is_several, read_several
from ._text import FrameInput, RawTable, as_input, promote_header, read_raw
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
    role_table: list[dict] | None = None
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
@reader
def read_survey(
    path: str | PathLike | pd.DataFrame | list,
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
    tz_abbreviations: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a survey export into the canonical ``responses`` table.

    Parameters
    ----------
    path : str, PathLike, DataFrame or list
        A CSV/TSV (any common encoding or delimiter, optionally zipped),
        ``.xlsx`` or SPSS ``.sav`` export; or a DataFrame (from an API or a
        database: its column names are the header row, its values are read
        like a file's); or a list of these, read with the same options and
        stacked, with one load report.
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
        detected from evidence: a column gets a role when its question text
        asks for it *and* its answers fit (NPS: answers on 0-10; CSAT: a
        satisfaction scale; told_count: answers read as counts ...); a
        consent or instruction notice, a follow-up and a sub-item of a matrix
        question are no measure. The load report says, per role, which
        column was chosen and why each other candidate lost
        (``df.attrs["question_roles"]`` holds the same as records: role,
        column, text, chosen, answers, why_not).
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
        Force the text encoding; pick an ``.xlsx`` worksheet (name or 0-based
        position). Without ``sheet=`` the sheet whose content looks most like
        a survey export is read (not a data dictionary), and the load report
        names it and the other sheets.
    include_previews : bool, default False
        Keep survey previews and tests (excluded and counted by default).
        Spam is always excluded and counted.
    include_unfinished : bool, default False
        Keep unfinished / partial responses.
    tz_abbreviations : mapping, optional
        Time-zone abbreviations written after the times (Google Forms'
        ``2018/04/09 2:30:02 PM MDT``) -> IANA zone or UTC offset, for
        abbreviations with several meanings (``{"IST": "Asia/Kolkata"}``); the
        common unambiguous ones are read without it (see
        :data:`csanalysis.io._dates.TZ_ABBREVIATIONS`).

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
        file, the row or column, what was found and what was expected. A
        file that is another table (a ticket export, an orders or customer
        table) is refused with what it looks like and which reader fits it.

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
    if is_several(path):  # every option (as given) applies to each file
        options = dict(locals())
        del options["path"]
        return read_several(read_survey, path, **options)
    survey = _load(as_input(path), source, encoding=encoding, sheet=sheet)
    return _to_responses(survey, questions=questions, mapping=mapping, key=key, keep_pii=keep_pii,
                         timezone=timezone, dayfirst=dayfirst, include_previews=include_previews,
                         include_unfinished=include_unfinished)


# ----------------------------------------------------------------------------
# Layout: files -> _Survey
# ----------------------------------------------------------------------------
def _load(source_obj, source: str, *, encoding: str | None, sheet) -> _Survey:
    path = str(source_obj)
    is_frame = isinstance(source_obj, FrameInput)
    # a tool whose files are not text tables (SPSS): named by source=, or recognised by its bytes
    file_tool = None if is_frame else next(
        (t for t in _SURVEY_TOOLS if t.reads_file is not None and t.reads_file(path)), None)
    named = tools.named("responses", source)
    if is_frame and named is not None and named.read_file is not None:
        raise ExportError(path, f"source={named.name!r} names {named.file_kind}, but a DataFrame was given",
                          expected="source='auto' or the tool whose export the DataFrame holds")
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
    raw = read_raw(source_obj, encoding=encoding, sheet=sheet if sheet is not None else tools.sheet_fit("responses"))
    raw = _trailing_delimiter_fix(raw, encoding)
    tool, header_rows = _detect(raw, source)
    data, rows, headers = promote_header(raw, header_rows)
    if tool is None and source == "auto":
        _refuse_other_tables(path, list(data.columns))
    builder = tool.layout if tool is not None and tool.layout is not None else one_header_layout
    survey = _Survey.of(path, builder(path, data, headers), tool)
    survey.rows = rows
    survey.header_rows = header_rows
    survey.encoding = raw.encoding
    survey.delimiter = raw.delimiter
    survey.notes = list(raw.notes) + survey.notes
    survey.bad_rows = raw.bad_rows
    del raw, data  # (the cells as read: the survey's data holds the only reference left, stripped column by column)
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
    if re.match(r'"?sep=.', text):  # Excel's delimiter line, which read_raw skipped
        return raw
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cells = pd.read_csv(io.StringIO(text), sep=raw.delimiter, header=None, names=list(range(n + 1)),
                                dtype=str, keep_default_na=False, na_filter=False, engine="c",
                                on_bad_lines="warn", skip_blank_lines=True, quotechar='"', doublequote=True)
        except pd.errors.ParserError:  # a quote never closed: read_raw's own reading stands
            return raw
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
        # a second (third) header row only if it does not hold values like the responses below it
        rows, note = header_rows_from_data(raw.cells, found[1])
        if note:
            raw.notes.append(note)
        return found[0], rows
    if among is not None:  # source= names the tool, but its signature is not there
        tool = among[0]
        return tool, (tool.forced(header, raw.path) if tool.forced is not None else 1)
    return None, 1


def _refuse_other_tables(path: str, columns: list[str]) -> None:
    """A file of no survey tool that is another table (tickets, orders, customers) is refused.

    A tool's signature refuses the file outright; the simple evidence of an
    order or ticket table (an order id and an amount; a ticket id and ticket
    fields) only when no column asks a question (a text naming a question
    role, or ending in ``?``): a review export with its order id is still a
    survey.
    """
    from . import labels as L

    other = tools.looks_like(columns, "responses")
    if other is None:
        return
    signed = tools.detect(other[0], tools.Header.of_columns(columns)) is not None
    asks = any(str(c).strip().endswith("?") or L.detect_question_role(str(c)) is not None for c in columns)
    if signed or not asks:
        problem, expected = tools.refusal("responses", other)
        raise ExportError(path, problem, expected=expected + ", or pass source='generic' if it does hold "
                          "survey answers")


def _strip_cells(data: pd.DataFrame) -> pd.DataFrame:
    """Cells as ``str`` with surrounding whitespace (Qualtrics' trailing ``\\n\\n``) removed, '' -> NaN.

    Column by column in ``data`` itself (returned): each column's cells as read are let go as its stripped
    cells take their place, so the survey's cells are never held twice (a copy of the whole table made the read
    hold about twice the file's cells at once)."""
    for i in range(data.shape[1]):  # a loop over columns
        s = data.iloc[:, i]
        if s.dtype == object or str(s.dtype) in ("str", "string"):
            s = s.astype(_STR).str.strip()
            data.isetitem(i, s.where(s != "", np.nan))
        del s
    return data


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
    time_col, time_note = (mapped["responded_at"], None) if "responded_at" in mapped else _find_time_column(
        sv, {c for c in mapped.values()})
    if time_note:
        rep.note(time_note)
    status_col = find_column(cols, *tool.status_columns) if tool is not None and tool.status_columns else None
    finished_col = find_column(cols, "Finished")
    channel_col = find_column(cols, "DistributionChannel", "Distribution Channel")
    rtype_col = find_column(cols, *tool.partial_columns) if tool is not None and tool.partial_columns else None

    frame = Frame(data, sv.rows, rep)
    if len(sv.bad_rows):
        # records the text reader could not parse: read, and rejected with its reason
        rep.rows_read += len(sv.bad_rows)
        rep.reject(sv.bad_rows[["row", "reason"]].reset_index(drop=True))
    # an infinite or absurd number (a corrupted cell) costs its row, and never decides a question's scale
    reject_implausible(frame, [c for c in cols if c not in (rid_col, cust_col, ticket_col) and not re.search(
        r"(^|[\s_\-#])(id|ids|nr|no|number|nummer|token)$|^#$", str(c), re.IGNORECASE)], blank=(data, frame.data))
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
    roles = _resolve_roles(sv, data, questions, mapped, meta_cols, L, frame.alive)
    role_texts: dict[str, str] = {}
    for n in sv.notes_roles:
        if not any(n.startswith(f"role {r}:") for r in roles):
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
    # finish lets each source column go as it copies it: nothing here may still hold the survey's cells (held
    # here and by the survey, every cell stayed to the end, beside the output and the masking)
    columns = list(data.columns)
    del data
    sv.data = None
    df = finish(frame, canonical, "responses", used=used, keep_pii=keep_pii, free_text=[], key=key)
    out_names = frame.output_names  # source column -> output column, as finish() named (or dropped) them
    qs = {out_names[c]: sv.texts.get(c, c) for c in out_names}
    if "told_count" in role_texts:
        role_texts["told_count_low"] = role_texts["told_count_high"] = role_texts.pop("told_count")
    role_texts.pop("expectation", None)
    qs.update(role_texts)
    for col, name in mapping_out.items():  # canonical columns: the label of their source column
        if name in df.columns and name not in qs:
            qs[name] = sv.texts.get(col, col)
    # question texts are export content: when a response row had to serve as a header they are answers
    df.attrs["questions"] = dict(zip(qs, mask_text([str(v) for v in qs.values()])))
    df.attrs["free_text_columns"] = [out_names[c] for c in columns if c in free and c in out_names]
    if sv.role_table is not None:
        texts = mask_text([r["text"] for r in sv.role_table])
        columns = mask_text([r["column"] for r in sv.role_table])
        df.attrs["question_roles"] = [{**r, "text": t, "column": c}
                                      for r, t, c in zip(sv.role_table, texts, columns)]
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


# What a time column's name says it is. Never the response time: a start, an order's purchase, a delivery,
# an invitation, a due date (checked first: "order_purchase_timestamp" is a purchase time). Then, best first:
# 1 recorded / submitted / answered / completed, 2 ended / finished, 3 a plain timestamp, date, created, updated.
_TIME_NEVER: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(rx, re.IGNORECASE), why) for rx, why in (
    (r"start|begin|open|anfang|beginn|начал|открыт", "a start time, never the response time"),
    (r"deliver|ship|dispatch|lever|liefer|доставк|отправ", "a delivery time, not the response"),
    (r"purchas|order|paid|payment|invoice|checkout|købs|ordre|köp|kauf|bestell|rechnung|faktura|покуп|заказ|оплат",
     "an order's or payment's time, not the response"),
    (r"invit|sent|distribut|einlad|inbjud|приглаш", "when the survey was sent, not the response"),
    (r"estimat|due|expir|deadline|birth|signup|sign_up|regist|joined", "another date, not the response"),
))
_TIME_RANK: tuple[tuple[int, re.Pattern, str], ...] = tuple(
    (rank, re.compile(rx, re.IGNORECASE), why) for rank, rx, why in (
    (1, r"record|submit|respon|answer|complet|besvar|beantwort|erfass|svar|ответ|заполн",
     "its name says when the response was recorded or submitted"),
    (2, r"(?<![a-z])end|finish|slut|afslut|avslut|abschluss|оконч|заверш", "its name says when the response ended"),
    (3, r"timestamp|tidsstempel|zeitstempel|tidstämpel|отметка|date|time|dato|datum|дата|время|creat|updat|modif",
     "a timestamp column with no other time named for the response"),
))
_DATE_VALUE = tools.DATE_VALUE


def _time_kind(col: str) -> tuple[int | None, str]:
    """(rank, why) of a column as the response time; rank None: never the response time."""
    name = str(col)
    for rx, why in _TIME_NEVER:
        if rx.search(name):
            return None, why
    for rank, rx, why in _TIME_RANK:
        if rx.search(name):
            return rank, why
    return 4, "a column of dates"


def _dated(s: pd.Series) -> bool:
    """Whether at least half of a column's (first 500) values look like dates."""
    v = s.dropna().head(500)
    return bool(len(v)) and float(v.astype(str).str.strip().str.contains(_DATE_VALUE, regex=True).mean()) >= 0.5


def _find_time_column(sv: _Survey, skip: set[str]) -> tuple[str | None, str | None]:
    """The response-time column and a note naming the alternatives: the tool's own, else the best by name.

    A survey's response time is when it was recorded or submitted (Qualtrics
    ``RecordedDate`` / ``EndDate``, Typeform ``Submit Date``, Google Forms
    ``Timestamp``, a review's answer time), never its start time nor an
    order's purchase or delivery time kept beside the answers.
    """
    cols = list(sv.data.columns)
    tool = sv.tool
    if tool is not None and tool.time_column_first:
        return cols[0], None
    chosen, how = None, None
    if tool is not None and (tool.time_columns or tool.time_regex):
        chosen = find_column(cols, *tool.time_columns, regex=tool.time_regex)
        if chosen is not None:
            how = f"the {tool.title}'s response time"
    candidates = {}
    for c in cols:
        if c in skip or c == chosen:
            continue
        named = _DATE_RX.search(str(c)) or str(c).casefold() in _DATE_NAMES or c in sv.zones \
            or any(rx.search(str(c)) for rx, _ in _TIME_NEVER) or any(rx.search(str(c)) for _, rx, _ in _TIME_RANK)
        if named and _dated(sv.data[c]):
            candidates[c] = _time_kind(c)
    if chosen is None:
        fitting = [(rank, i, c) for i, (c, (rank, _)) in enumerate(candidates.items()) if rank is not None]
        if fitting:
            _, _, chosen = min(fitting)
            how = candidates.pop(chosen)[1]
    others = ", ".join(f"{c!r} ({why if rank is None else 'not preferred: ' + why})"
                       for c, (rank, why) in candidates.items())
    if chosen is None:
        if not candidates:
            return None, None
        return None, (f"no response time column: the file's time columns are {others}; responded_at is missing "
                      "(name the response time with mapping={'responded_at': <column>})")
    if not candidates:
        return chosen, None
    return chosen, f"responded_at from {chosen!r} ({how}); the file's other time columns: {others}"


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
def _per_stripped(s: pd.Series, fn) -> np.ndarray:
    """``fn(s.fillna("").astype(str).str.strip())``, ``fn`` run once per distinct value (statuses repeat)."""
    return per_distinct(s, lambda u: fn(pd.Series(u, dtype=object).astype(str).str.strip()),
                        missing=fn(pd.Series([""], dtype=object))[0])


def _exclusions(frame: Frame, tool: SurveyTool | None, status_col, finished_col, channel_col, rtype_col,
                include_previews, include_unfinished) -> None:
    d = frame.data
    n = len(d)
    preview = np.zeros(n, dtype=bool)
    spam = np.zeros(n, dtype=bool)
    if status_col is not None:
        # the tool's status codes and words (Qualtrics: 1 = preview, 8 = spam, "Survey Preview" ...)
        def status(st: pd.Series) -> np.ndarray:
            code = pd.to_numeric(st, errors="coerce")
            low = st.str.casefold()
            is_preview = code.isin(list(tool.preview_codes)).to_numpy(copy=True)
            if tool.preview_pattern:
                is_preview |= low.str.contains(tool.preview_pattern, regex=True).to_numpy()
            is_spam = code.isin(list(tool.spam_codes)).to_numpy(copy=True)
            if tool.spam_pattern:
                is_spam |= low.str.contains(tool.spam_pattern, regex=True).to_numpy()
            return np.column_stack([is_preview, is_spam])

        both = _per_stripped(d[status_col], status)
        preview |= both[:, 0]
        spam |= both[:, 1]
    if channel_col is not None:
        preview |= _per_stripped(d[channel_col], lambda ch: ch.str.casefold().isin(["preview", "test"]).to_numpy())
    if not include_previews:
        frame.exclude(preview, "survey preview or test")
    frame.exclude(spam, "spam")
    unfinished = np.zeros(n, dtype=bool)
    if finished_col is not None:
        unfinished |= _per_stripped(d[finished_col], lambda f: f.str.casefold().isin(
            ["false", "0", "falsch", "nein", "no", "falsk", "nej", "ложь"]).to_numpy())
    if rtype_col is not None:
        unfinished |= _per_stripped(d[rtype_col],
                                    lambda rt: rt.str.casefold().isin(list(tool.partial_values)).to_numpy())
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
    if time_col is None and not any(n.startswith("no response time column") for n in rep.notes):
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


_ROLE_WORDS = {"csat": "satisfaction", "nps": "the likelihood to recommend", "ces": "effort",
               "told_count": "how many people were told", "warned_others": "whether others were warned",
               "expectation": "a comparison with expectations"}


def _short(text: str, n: int = 70) -> str:
    text = clean_label(str(text))
    return text if len(text) <= n else text[: n - 3] + "..."


def _matrix_items(sv: _Survey, columns) -> dict[str, str]:
    """Column -> question stem, for the sub-items of a matrix (grid) question.

    A sub-item is one statement of a grid: its text reads ``stem - item``
    (Qualtrics, SurveyMonkey) or ``stem [item]`` (Google Forms), or its
    Qualtrics import id is ``QIDn_m``, and another column shares the stem.
    """
    keys: dict[str, tuple[str, str]] = {}
    for c in columns:
        text = clean_label(str(sv.texts.get(c, c)))
        m = re.match(r"^(.{3,}?\S)\s+-\s+(\S.*)$", text) or re.match(r"^(.{3,}?\S)\s*\[([^\]]+)\]$", text)
        imp = re.match(r"^(QID\d+)_\d+$", str(sv.import_ids.get(c, "")))
        if imp:
            keys[c] = (imp.group(1), m.group(1) if m else text)
        elif m:
            keys[c] = (m.group(1).casefold(), m.group(1))
    counts: dict[str, int] = {}
    for k, _ in keys.values():
        counts[k] = counts.get(k, 0) + 1
    return {c: stem for c, (k, stem) in keys.items() if counts[k] > 1}


def _answered(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct non-empty answers of a column and how often each was given (the evidence works on these)."""
    vc = s.dropna().value_counts(sort=False)
    keep = np.asarray(vc.index.astype(str).str.strip() != "", dtype=bool)
    return pd.Series(vc.index[keep], dtype=s.dtype), vc.to_numpy()[keep]


def _label_mapping(role: str, s: pd.Series, L):
    """The scale mapping of a labelled csat / ces / expectation column (the reader's one rule)."""
    if role == "csat":
        m = L.map_scale(s, "satisfaction")
        if m.kind is None or m.codes.notna().sum() == 0:
            m2 = L.map_scale(s)
            if m2.kind in ("rating", "agreement", "satisfaction") and m2.codes.notna().any():
                m = m2
        return m
    if role == "ces":
        m = L.map_scale(s)
        if m.kind not in ("effort", "agreement"):
            m2 = L.map_scale(s, "effort")
            m = m2 if m2.codes.notna().any() else L.map_scale(s, "agreement")
        return m
    return L.map_scale(s, "expectation")


def _answers_fit(role: str, s: pd.Series, text: str, L) -> tuple[bool, str]:
    """Whether a column's answers fit ``role``, and what they are, in words (no answer is quoted).

    Decided on the distinct answers, each weighted by how often it was given.
    """
    v, w = _answered(s)
    n = int(w.sum())
    if n == 0:
        return False, "it has no answers"

    def count(mask) -> int:
        return int(w[np.asarray(mask, dtype=bool)].sum())

    if role == "told_count":
        k = count(L.parse_told_count(v)["told_count_low"].notna())
        return k >= 0.5 * n, f"{k} of {n} answers read as a number of people"
    if role == "warned_others":
        k = count(L.parse_yes_no(v).notna())
        return k >= 0.5 * n, f"{k} of {n} answers read as yes/no"
    if role == "nps":
        m = L.map_scale(v, "recommend")
        k = count(m.codes.notna())
        asked = n - count(v.isin(m.nonresponse))
        if m.points != 11:
            return False, (f"a {m.points}-point verbal likelihood scale, not 0-10" if m.points else
                           "its answers are not on a 0-10 scale")
        if k == 0 or k < 0.5 * asked:
            return False, f"only {k} of {n} answers are on 0-10"
        given = _points_from_text(text)
        if given is not None and given != (0, 10):
            return False, f"its question text states a {given[0]}-{given[1]} scale, not 0-10"
        labelled = any(not re.fullmatch(r"\s*[-+]?\d+(?:[.,]\d+)?\s*", str(lab)) for lab in m.labels)
        lo, hi = float(m.codes.min()), float(m.codes.max())
        if given is None and not labelled and lo > 0 and hi < 8:
            return False, f"its answers run {lo:g}-{hi:g}: a shorter scale, not 0-10"
        return True, f"{k} of {n} answers on 0-10"
    if _is_numeric_column(v):
        x = _as_float(v)
        sc = _numeric_scale(x, text, role)
        inside = count((x - sc.offset).between(sc.lo, sc.hi) & (x == x.round()))
        if not sc.given and set(x.unique().tolist()) == {0.0, 1.0}:
            return False, f"its answers are 0/1 (yes/no), not a {_ROLE_WORDS[role]} scale"
        if sc.hi - sc.lo > 10 and not sc.given and sc.hi != 100:
            return False, f"numbers from {float(x.min()):g} to {float(x.max()):g} are no {_ROLE_WORDS[role]} scale"
        if inside < 0.5 * n:
            return False, f"only {inside} of {n} answers lie on {sc.lo}-{sc.hi}"
        return True, f"{inside} of {n} answers are numbers on {sc.lo}-{sc.hi}" + (
            f" (Qualtrics' recode {sc.lo + sc.offset}-{sc.hi + sc.offset})" if sc.offset else "")
    m = _label_mapping(role, v, L)
    k = count(m.codes.notna())
    asked = n - count(v.isin(m.nonresponse))
    wanted = {"csat": ("satisfaction", "rating", "agreement"), "ces": ("effort", "agreement"),
              "expectation": ("expectation",)}[role]
    if m.kind not in wanted or k == 0 or k < 0.5 * asked:
        seen = L.map_scale(v).kind if (k == 0 or m.kind not in wanted) else m.kind
        what = {"yes_no": "yes/no answers", None: "answers on no known scale"}.get(seen, f"{seen} labels")
        return False, f"its answers are {what}, not a {_ROLE_WORDS[role]} scale ({k} of {n} on one)"
    return True, f"{k} of {n} answers on a {m.points}-point {m.kind} scale"


def _resolve_roles(sv: _Survey, data: pd.DataFrame, questions, mapped, meta_cols, L,
                   alive: np.ndarray | None = None) -> dict[str, str]:
    """One column per question role, from evidence: the question text *and* the answers must fit.

    Every column whose text names a role is a candidate. It loses when the
    text is no question (a follow-up, a consent or instruction notice), when
    it is a sub-item of a matrix question, when it is free text (other than a
    count of people), or when its answers do not fit the role. Among the
    rest, an "overall" question wins, then the first column. Roles given
    with ``questions=`` / ``mapping=`` win over detection. The decisions are
    the notes ``role <role>: ...`` and the table ``sv.role_table``.
    """
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
    keep = None if alive is None else np.asarray(alive, dtype=bool)

    def live(c: str) -> pd.Series:  # a column's live rows (only the columns whose answers are looked at)
        return data[c] if keep is None else data[c].loc[keep]

    taken = {c for c in resolved.values() if c is not None}
    items = _matrix_items(sv, [c for c in data.columns if c not in meta_cols])
    rows = []
    for i, c in enumerate(data.columns):
        if c in meta_cols or c in taken:
            continue
        text = sv.texts.get(c, str(c))
        role, why_not = L.question_role_evidence(text)
        if role is None or role in resolved:
            continue
        answers, fits = "", False
        if why_not is None and c in items:
            why_not = f"a sub-item of the matrix question {_short(items[c], 50)!r}, not a question of its own"
        if why_not is None and c in sv.free_text and role != "told_count":
            why_not = "a free-text answer, not a measure"
        if why_not is None:
            fits, answers = _answers_fit(role, live(c), text, L)
            if not fits:
                why_not = answers
        rows.append({"role": role, "column": c, "text": text, "overall": L.asks_overall(text),
                     "order": i, "answers": answers, "fits": fits, "reason": why_not})
    table = pd.DataFrame(rows, columns=["role", "column", "text", "overall", "order", "answers", "fits", "reason"])
    table["chosen"] = False
    roles: dict[str, str] = {}
    notes: list[str] = []
    for role in ROLES:
        if role in resolved:
            col = resolved[role]
            if col is None:
                notes.append(f"role {role}: switched off (questions={{{role!r}: None}})")
                continue
            roles[role] = col
            text = sv.texts.get(col, str(col))
            note = f"role {role}: column {col!r} ({_short(text)!r}), given"
            if role != "expectation":
                fits, answers = _answers_fit(role, live(col), text, L)
                if not fits:
                    note += f"; used as given, although {answers}"
            table = pd.concat([table, pd.DataFrame([{"role": role, "column": col, "text": text, "overall": False,
                                                     "order": -1, "answers": "", "fits": True, "reason": None,
                                                     "chosen": True}])], ignore_index=True)
            notes.append(note)
            continue
        cand = table[table["role"] == role]
        if cand.empty:
            continue
        ok = cand[cand["fits"]].sort_values(["overall", "order"], ascending=[False, True], kind="stable")
        lost = cand[~cand["fits"]]
        parts = []
        if len(ok):
            best = ok.index[0]
            table.loc[best, "chosen"] = True
            col = table.loc[best, "column"]
            roles[role] = col
            note = (f"role {role}: column {col!r} ({_short(table.loc[best, 'text'])!r}): its question text asks "
                    f"for {_ROLE_WORDS[role]} and its answers fit ({table.loc[best, 'answers']})")
            for j in ok.index[1:]:
                why = ("an overall question came first" if table.loc[best, "overall"] and not table.loc[j, "overall"]
                       else "another fitting column came first")
                table.loc[j, "reason"] = why
                parts.append(f"{table.loc[j, 'column']!r} ({why})")
            if len(ok) > 1 and ok["overall"].iloc[1] == ok["overall"].iloc[0]:
                notes.append(f"several columns ask a {role} question ({', '.join(map(repr, ok['column']))}); "
                             f"{col!r} was used; choose with questions={{{role!r}: ...}}")
        else:
            note = f"role {role}: no column"
        parts += [f"{r.column!r} ({_short(r.text, 50)!r}: {r.reason})" for r in lost.itertuples()]
        if parts:
            note += "; also considered: " + "; ".join(parts)
        if not len(ok):
            note += f"; name one with questions={{{role!r}: <column>}}"
        notes.append(note)
    sv.notes_roles = notes
    # plain records (a DataFrame in DataFrame.attrs breaks pandas' attrs propagation)
    sv.role_table = [{"role": r.role, "column": str(r.column), "text": str(r.text), "chosen": bool(r.chosen),
                      "answers": r.answers, "why_not": r.reason if isinstance(r.reason, str) else None}
                     for r in table.itertuples()]
    return roles


def _points_from_text(text: str) -> tuple[int, int] | None:
    """``"... (1-7)"``, ``"on a scale from 0 to 10"`` -> (low, high) of a numeric scale."""
    m = re.search(r"(?<!\d)([01])\s*(?:-|\u2013|\u2014|to|til|till|bis|до|a)\s*(\d{1,2})(?!\d)", str(text))
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if 3 <= hi <= 11:
            return lo, hi
    return None


class _Scale(NamedTuple):
    """A numeric answer scale: answers ``x - offset`` lie on ``lo``-``hi``."""

    lo: int
    hi: int
    how: str
    offset: int = 0
    given: bool = False


#: Codes that mean "don't know", "not applicable", "refused" or "seen but unanswered" (Qualtrics'
#: seenUnansweredRecode, SPSS user-missing habits), never answers on a scale of up to 10 points.
_MISSING_CODES = frozenset({-999, -99, -98, -97, -96, -9, -8, -7, -3, -2, -1, 66, 77, 88, 96, 97, 98, 99,
                            777, 888, 998, 999, 9999})
#: Documented recodes of a whole scale (shared/formats.md): Qualtrics writes a five-point scale as 11-15
#: and a seven-point scale as 35-41.
_RECODES = ((11, 15), (35, 41))


def _numeric_scale(x: pd.Series, text: str, role: str) -> _Scale:
    """The scale of a numeric answer column: from the question text, a documented recode, else the answers.

    Codes such as 99, 98 or -1 (don't know, not applicable) never stretch the
    scale: when the other answers lie on a scale of up to 10 points, that is
    the scale, and those codes fall outside it (missing, with a note).
    """
    given = _points_from_text(text)
    if given:
        return _Scale(given[0], given[1], f"{given[0]}-{given[1]} as the question text says", given=True)
    v = x.dropna()
    core = v[~(v.isin(list(_MISSING_CODES)) | (v < 0))]
    for a, b in _RECODES:
        if len(core) and core.min() >= a and core.max() <= b:
            return _Scale(1, b - a + 1, f"Qualtrics' documented recode {a}-{b} of a {b - a + 1}-point scale, read "
                          f"as 1-{b - a + 1}", offset=a - 1)
    base = core if len(core) and core.max() <= 10 else v
    lo_seen, hi_seen = (float(base.min()), float(base.max())) if len(base) else (1.0, 5.0)
    if lo_seen == 0:
        lo = 0
        hi = next((h for h in (10, 100) if hi_seen <= h), int(hi_seen))
    else:
        lo = 1
        hi = next((h for h in (5, 7, 10, 100) if hi_seen <= h), int(hi_seen))
        if role == "ces" and hi == 10:
            hi = int(hi_seen)
    return _Scale(lo, hi, f"{lo}-{hi} inferred from the answers (highest answer on the scale {hi_seen:g})")


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
            raw_x = _as_float(s)
            sc = _numeric_scale(raw_x, text, role)
            lo, hi = sc.lo, sc.hi
            x = raw_x - sc.offset
            points = hi - lo + 1
            ok = x.between(lo, hi) & (x == x.round())
            off = raw_x.notna() & ~ok
            if off.any():
                codes_off = ", ".join(f"{v:g}" for v in sorted(raw_x[off].unique())[:10])
                rep.note(f"{role} from {col!r}: {int(off.sum())} answer(s) outside the {lo}-{hi} scale "
                         f"(codes {codes_off}) set to missing, not rescaled: codes such as 99, 98 or -1 mean "
                         "\"don't know\" or \"not applicable\"")
            codes = x.where(ok)
            m = None
            desc = f"{role} from {col!r}: numeric answers, scale {sc.how}"
        else:
            m = _label_mapping(role, s, L)
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
#: Question texts that ask for a comment: a text column under such a header is free text even when its answers
#: repeat (short stock phrases such as "Fast and friendly").
COMMENT_HEADER = re.compile(
    r"comment|feedback|remark|anything else|please explain|kommentar|bemærkning|bemerkning|anmerkung|anmärkning|"
    r"noget andet|något annat|noe annet|комментари|отзыв|замечани|coment[aá]rio|observa[cç][aãõ]|sugest[aãõ]",
    re.IGNORECASE)


def _free_text_columns(sv: _Survey, data: pd.DataFrame, skip: set[str]) -> set[str]:
    """Columns of free-text answers: the layout's own, else text whose answers are long and varied, or text of
    two words or more on average under a header asking for a comment (:data:`COMMENT_HEADER`)."""
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
        words = space_runs(s) + 1  # (pandas counts ``\s`` per value in Python: RE2's differs)
        if (words.mean() >= 4 and s.nunique() >= max(2, 0.6 * len(s))) or s.str.len().mean() > 60:
            free.add(c)
        elif words.mean() >= 2 and COMMENT_HEADER.search(f"{c} {sv.texts.get(c, '')}"):
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
        # a text column fails on its first values already; the full check runs per distinct value in Python
        if not t.head(64).str.fullmatch(pattern).all() or not t.drop_duplicates().str.fullmatch(pattern).all():
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


def _may_hold(s: pd.Series, literal: str) -> bool:
    """False when Arrow text ``s`` surely holds no ``literal`` (one pyarrow scan); True otherwise."""
    import pyarrow.compute as pc

    arr = arrow_text(s)
    if arr is None:
        return True
    return bool(pc.any(pc.match_substring(arr, literal)).as_py())


def _mask_emails(frame: Frame, used: set[str], rep: LoadReport) -> None:
    """Mask e-mail addresses written into kept text columns (answers, embedded data)."""
    for c in frame.data.columns:
        if c in used or is_personal_column(c):
            continue
        s = frame.data[c]
        if s.dtype != object and str(s.dtype) not in ("str", "string"):
            continue
        if not _may_hold(s, "@"):  # (every address holds one: a column without any needs no regex)
            continue
        # the pattern runs per distinct value in Python: answers repeat
        has = pd.Series(per_distinct(s, lambda u: pd.Series(u).str.contains(_EMAIL_VALUE, na=False)
                                     .to_numpy(dtype=bool), missing=False), index=s.index)
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
