"""Reading helpdesk ticket exports into the canonical tickets table.

Formats (``source=``):

==================  ==========================================================
``zendesk_csv``     Zendesk Support CSV export (account time zone, no offset)
``zendesk_json``    Zendesk API page (``{"tickets": [...]}``), single ticket, or
                    the full NDJSON export (one ``{"ticket": {...}}`` per line)
``freshdesk_csv``   Freshdesk ticket export
``intercom_csv``    Intercom conversations report (zone in the column names)
``helpscout_csv``   Help Scout conversation export (column names unverified)
``jira_csv``        Jira Service Management "all fields" CSV
``salesforce_csv``  Salesforce Service Cloud case report
``generic``         any table, with ``mapping={"ticket_id": ..., "created_at": ...}``
==================  ==========================================================

Every format may come as .csv / .tsv (any common encoding and delimiter), as
.xlsx, or zipped. What each tool's export is (signature, header vocabulary,
quirks, time zones) is in its module of :mod:`csanalysis.io.tools`; this
reader is generic: it asks the registry which tool wrote the file and applies
that tool's descriptor (:class:`~csanalysis.io.tools.base.TicketTool`).

Agents and groups: ``agent_key`` is a keyed pseudonym (``agent_`` + 16 hex
digits, the secret of ``email_key`` under another domain) of the agent the
ticket is assigned to, from the first of the tool's ``assignee_cols`` the file
has; ``group`` is the team / group / queue from its ``group_cols``. Empty, ``-``
and ``Unassigned`` read as missing. The raw agent columns never reach the table
(each is kept only as its own ``<column>_key`` pseudonym); the load report's
``column_mapping`` names the columns used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..privacy import email_key, email_key_note, key_source, pseudonymise
from ..schema import TICKETS, rating_from_score
from ..stats.arrays import factorize
from . import tools
from ._common import Frame, check_mapping, find_column, finish, normalise_values, reader, reject_implausible
from ._dates import infer_dayfirst, parse_timestamps
from ._numbers import clean_ids, excel_mangled, parse_duration_minutes, parse_numbers
from ._inputs import is_several, read_several
from ._text import FrameInput, as_input, leading_bytes, promote_header, read_bytes, read_raw
from .report import LoadReport
from .tools import Header, TicketTool

__all__ = ["read_tickets", "TICKET_SOURCES"]

TICKET_SOURCES = (*tools.sources("tickets"), "generic")

# -- channel and direction vocabulary (every tool's channel words, in six languages) -------------
# normalised source value -> (channel, direction)
_CHANNEL = {
    # e-mail
    "mail": ("email", "customer"), "email": ("email", "customer"), "e-mail": ("email", "customer"),
    "inbound email": ("email", "customer"), "outbound email": ("email", "agent"),
    # web
    "web form": ("web", "customer"), "web_form": ("web", "customer"), "web": ("web", "customer"),
    "portal": ("web", "customer"), "feedback widget": ("web", "customer"), "web widget": ("web", "customer"),
    "help center": ("web", "customer"), "contact form": ("web", "customer"), "form": ("web", "customer"),
    "mobile sdk": ("web", "customer"), "mobile_sdk": ("web", "customer"), "mobile": ("web", "customer"),
    "iphone": ("web", "customer"), "android": ("web", "customer"), "dropbox": ("web", "customer"),
    "feedback tab": ("web", "customer"), "web site": ("web", "customer"), "website": ("web", "customer"),
    # chat and messaging
    "chat": ("chat", "customer"), "live chat": ("chat", "customer"), "messaging": ("chat", "customer"),
    "native messaging": ("chat", "customer"), "native_messaging": ("chat", "customer"),
    "messenger": ("chat", "customer"), "conversation": ("chat", "customer"), "in-app": ("chat", "customer"),
    "whatsapp": ("chat", "customer"), "sms": ("chat", "customer"), "text": ("chat", "customer"),
    "chat transcript": ("chat", "customer"), "bot": ("chat", "customer"),
    # phone
    "phone": ("phone", "customer"), "voice": ("phone", "customer"), "call": ("phone", "customer"),
    "phone call (incoming)": ("phone", "customer"), "phone call (outbound)": ("phone", "agent"),
    "voicemail": ("phone", "customer"), "telephone": ("phone", "customer"), "telefon": ("phone", "customer"),
    "outbound call": ("phone", "agent"),
    # social
    "twitter": ("social", "customer"), "x": ("social", "customer"), "facebook": ("social", "customer"),
    "facebook post": ("social", "customer"), "facebook message": ("social", "customer"),
    "instagram": ("social", "customer"), "social": ("social", "customer"), "social media": ("social", "customer"),
    "any_channel": ("social", "customer"), "channel integration": ("social", "customer"),
    # api
    "api": ("api", "customer"), "web service": ("api", "customer"), "web_service": ("api", "customer"),
    # system / agent-initiated / follow-up
    "closed ticket": ("other", "agent"), "follow-up": ("other", "agent"), "follow_up": ("other", "agent"),
    "outbound": ("other", "agent"), "internal communication": ("other", "agent"),
    "rule": ("other", "agent"), "automation": ("other", "agent"), "trigger": ("other", "agent"),
    "batch": ("other", "agent"), "merge": ("other", "customer"), "sample_ticket": ("other", "agent"),
    "sample ticket": ("other", "agent"), "recovered_from_suspended_tickets": ("other", "customer"),
    "admin": ("other", "agent"), "teammate": ("other", "agent"), "workflow": ("other", "agent"),
    "other": ("other", "customer"),
    # other languages (da, sv, no, de, ru)
    "telefon": ("phone", "customer"), "телефон": ("phone", "customer"), "звонок": ("phone", "customer"),
    "anruf": ("phone", "customer"), "opkald": ("phone", "customer"), "samtal": ("phone", "customer"),
    "почта": ("email", "customer"), "эл. почта": ("email", "customer"), "e-post": ("email", "customer"),
    "epost": ("email", "customer"), "чат": ("chat", "customer"), "сайт": ("web", "customer"),
    "webformular": ("web", "customer"), "kontaktformular": ("web", "customer"), "hjemmeside": ("web", "customer"),
    "webbformulär": ("web", "customer"), "nettskjema": ("web", "customer"),
    "соцсети": ("social", "customer"), "социальные сети": ("social", "customer"),
}

#: Channel values that are self-service (help centre, knowledge base, FAQ, bots): the issue began there and
#: was escalated to a person. A web or contact form is an assisted channel, not self-service.
_SELF_SERVICE = frozenset({
    "help center", "help centre", "helpcenter", "help_center", "knowledge base", "knowledge_base", "faq",
    "self-service", "self service", "self_service", "bot", "chatbot", "chat bot", "answer bot", "answer_bot",
    "answerbot", "resolution bot", "flow builder", "virtual agent", "ai agent",
    # other languages (da, sv, no, de, ru)
    "hjælpecenter", "selvbetjening", "hjälpcenter", "självservice", "hjelpesenter", "selvbetjent",
    "hilfe-center", "hilfecenter", "selbstbedienung", "wissensdatenbank", "самообслуживание", "чат-бот", "бот",
    "база знаний", "справочный центр",
})
for _w in _SELF_SERVICE - set(_CHANNEL):
    _CHANNEL[_w] = ("chat", "customer") if "bot" in _w or "бот" in _w or "agent" in _w else ("web", "customer")

# -- ratings: the tools' vocabularies (applied to every file: a generic export may come from any tool)
_TICKET_TOOLS: tuple[TicketTool, ...] = tools.formats("tickets")
# label -> (position 0-1, points); a later tool's label wins (Help Scout's "great" is its top of 3)
_RATING_LABELS: dict[str, tuple[float, int]] = {
    label: (i / (len(scale) - 1), len(scale))
    for t in _TICKET_TOOLS for scale in t.rating_labels for i, label in enumerate(scale)}
# a tool's own good/bad verdict is a two-point scale: good = 1, bad = 0
_SAID_SCORE = {"good": 1.0, "bad": 0.0}
_RATING_SAID = {"good": "good", "bad": "bad"}
_NOT_RATED: dict[str, object] = {}
for _t in _TICKET_TOOLS:
    _RATING_SAID.update(_t.rating_verdicts)
    _NOT_RATED.update(_t.not_rated)
_NOT_RATED.update({"": pd.NA, "-": pd.NA})

#: Where a ticket table of no known tool keeps each field (``source="generic"``, or with ``mapping=``).
GENERIC = TicketTool(
    name="generic", family="generic", title="any ticket table", table="tickets",
    columns={
        "ticket_id": ("ticket_id", "Ticket ID", "ticket", "id"),
        "customer_id": ("customer_id", "Customer ID", "requester_id"),
        "email": ("email", "Email", "e-mail", "customer_email"),
        "created_at": ("created_at", "Created", "created", "date", "opened_at"),
        "solved_at": ("solved_at", "resolved_at", "closed_at", "Solved", "Resolved", "Closed"),
        "channel": ("channel", "Channel", "source", "via"),
        "status": ("status", "Status"),
        "priority": ("priority", "Priority"),
        "rating": ("rating", "Rating", "csat", "CSAT", "satisfaction"),
        "first_reply": ("first_reply_minutes",),
        "resolution": ("resolution_minutes",),
        "reopens": ("reopens", "Reopens"),
        "direction": ("direction",),
        "account_id": ("account_id", "organization", "company"),
    },
    agent_cols=("agent", "assignee", "Agent", "Assignee"),
    assignee_cols=("assignee", "assigned_to", "assigned to", "agent", "assignee_id", "agent_id", "agent_name"),
    group_cols=("group", "team", "queue", "group_name", "team_name", "assigned_group", "assignment_group",
                "assignment group", "support_group", "support group"),
    free_text=("subject", "description", "Subject", "Description", "comment"),
)
_MAPPABLE = {c.name for c in TICKETS} | {"email"}
#: Columns of an SLA status (any tool): a ticket breached its SLA when one of them says so.
SLA_COLUMNS: tuple[str, ...] = ("sla_breached", "SLA breached", "sla_status", "SLA status", "First response status",
                                "Resolution status", "Every response status", "made_sla", "Made SLA")
#: Values of an SLA status column meaning breached / met (stripped, case-folded); others are missing.
SLA_BREACHED = frozenset({"sla violated", "violated", "breached", "missed", "overdue", "true", "yes", "1",
                          "sla brudt", "sla verletzt", "нарушен"})
SLA_MET = frozenset({"within sla", "met", "achieved", "ok", "false", "no", "0", "inden for sla", "innerhalb sla"})
#: Per canonical count of hand-offs: (columns counting the stations the ticket passed, columns counting changes).
HANDOFF_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "assignee_changes": (("Assignee stations", "assignee_stations"),
                         ("assignee_changes", "reassignment_count", "Reassignment count", "reassignments")),
    "group_changes": (("Group stations", "group_stations"), ("group_changes", "group_reassignments")),
}
#: Canonical columns read by their own rules (the assignee pseudonymised, the group), not by ``spec.columns``.
_WHO = ("agent_key", "group")
#: Values of an assignee or group column that name nobody (compared stripped and case-folded).
_NOBODY = frozenset({
    "", "-", "--", "–", "—", "n/a", "na", "none", "null", "nan", "nil", "(none)", "<none>", "(blank)",
    "unassigned", "(unassigned)", "<unassigned>", "not assigned", "no assignee", "nobody", "no one", "no group",
    "(no group)", "no team", "nicht zugewiesen", "ikke tildelt", "ej tilldelad", "ikke tilordnet", "не назначен",
    "не назначено", "non assigné", "sin asignar"})


def _named(values: pd.Series) -> pd.Series:
    """An assignee or group column's values: stripped, white space runs as one space, ``123.0`` as ``123``
    (an id column holding a missing value is written as floats); missing where they name nobody (empty,
    ``-``, ``Unassigned`` ...). Each distinct value is cleaned once.

    Examples
    --------
    >>> _named(pd.Series([" Bo  Agent ", "Unassigned", "-", "", None, "7.0", "Support"])).tolist()
    ['Bo Agent', nan, nan, nan, nan, '7', 'Support']
    """
    codes, uniq = factorize(values.astype("str").where(values.notna(), ""))
    u = clean_ids(pd.Series(uniq, dtype="str")).str.replace(r"\s+", " ", regex=True)
    u = u.mask(u.str.casefold().isin(_NOBODY))
    return pd.Series(u.array.take(codes), index=values.index, dtype=pd.StringDtype(na_value=np.nan))


def _channels(values: pd.Series, rep: LoadReport, column: str | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """-> (channel, direction, self_service).

    ``self_service`` is missing where the channel is unknown or empty, and everywhere when no value of the
    file is a self-service channel (the export may not record self-service at all).
    """
    v = normalise_values(values)
    codes, uniq = _distinct(v)
    chan = uniq.map(lambda x: _CHANNEL.get(x, _CHANNEL.get(re.sub(r"[^a-z_ -]", "", x).strip(), (None, None)))[0])
    dire = uniq.map(lambda x: _CHANNEL.get(x, _CHANNEL.get(re.sub(r"[^a-z_ -]", "", x).strip(), (None, None)))[1])
    unknown = uniq[(chan.isna()) & (uniq != "")]
    if column and len(unknown):
        rep.note(f"channel values not recognised, counted as 'other': {', '.join(sorted(unknown)[:15])}")
    cmap = dict(zip(uniq, chan.fillna("other")))
    dmap = dict(zip(uniq, dire.fillna("customer")))
    ch = _spread(uniq.map(cmap), codes, v).where(v != "", np.nan) if column else pd.Series(np.nan, index=values.index)
    di = _spread(uniq.map(dmap), codes, v).where(v != "", "customer")
    known = _spread(chan.notna() | uniq.isin(_SELF_SERVICE), codes, v).astype(bool) & (v != "")
    if not column or not uniq.isin(_SELF_SERVICE).any():
        # no channel value of the file is self-service: the export may not record it at all, so "not
        # self-service" cannot be told from "not recorded" and every value stays missing
        known = pd.Series(False, index=values.index)
    ss = pd.Series(v.isin(_SELF_SERVICE).to_numpy(), index=values.index, dtype="boolean").where(known, pd.NA)
    return ch, di, ss


def _distinct(v: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A column of normalised values (no missing value) as codes and its distinct values (``v.unique()``)."""
    codes, uniq = factorize(v)
    return codes, pd.Series(uniq.array)


def _spread(per_value: pd.Series, codes: np.ndarray, v: pd.Series) -> pd.Series:
    """``v.map(dict(zip(distinct values, per_value)))``: each row's value of its distinct value."""
    return pd.Series(per_value.array.take(codes), index=v.index, name=v.name)


def _ratings(values: pd.Series, spec: TicketTool, rating_scale, rep: LoadReport
             ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """-> (rating_score 0-1, label the tool said, rating_offered)."""
    v = normalise_values(values)
    codes_v, uniq = _distinct(v)
    said = uniq.map(_RATING_SAID)
    offered = uniq.map(lambda x: _NOT_RATED.get(x, True))
    score = pd.Series(np.nan, index=uniq.index)
    nums = pd.to_numeric(uniq, errors="coerce")
    # a tool's rating codes: always in its own exports, and in any file whose ratings look like them
    codes = spec.rating_codes or next((t.rating_codes for t in _TICKET_TOOLS if t.rating_codes
                                       and uniq.isin(list(t.rating_codes)).any() and nums.abs().max() > 100), None)
    if codes:
        score = uniq.map(codes).astype("float64")
    is_num = nums.notna() & score.isna()
    if is_num.any():
        lo, hi = rating_scale or (None, None)
        if lo is None:
            vals = nums[is_num]
            lo = 0.0 if (vals == 0).any() else 1.0
            hi = 10.0 if vals.max() > 7 else (7.0 if vals.max() > 5 else 5.0)
            rep.note(f"numeric ratings read on a {lo:g}-{hi:g} scale (from the values found)")
        out_of = is_num & ((nums < lo) | (nums > hi))
        if out_of.any():
            rep.note(f"ratings outside the {lo:g}-{hi:g} scale ignored: {', '.join(uniq[out_of].tolist()[:10])}")
        score = score.where(~is_num | out_of, (nums - lo) / (hi - lo))
    labelled = uniq.map(lambda x: _RATING_LABELS.get(x, (np.nan, 0))[0])
    score = score.fillna(labelled).fillna(said.map(_SAID_SCORE))
    known = score.notna() | said.notna() | uniq.isin(list(_NOT_RATED))
    if (~known).any():
        rep.note(f"rating values not recognised (left unrated): {', '.join(sorted(uniq[~known])[:15])}")
    sc = _spread(score, codes_v, v).astype("float64")
    lab = _spread(said, codes_v, v)
    off = _spread(offered, codes_v, v).astype("boolean")
    off = off.where(~(sc.notna() | lab.notna()), True)
    return sc, lab, off


@reader
def read_tickets(
    path: str | PathLike | pd.DataFrame | list,
    source: str = "auto",
    *,
    mapping: Mapping[str, str] | None = None,
    key: str | bytes | None = None,
    keep_pii: bool = False,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    rating_scale: tuple[float, float] | None = None,
    tz_abbreviations: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a helpdesk ticket export into the canonical tickets table.

    Parameters
    ----------
    path : str, PathLike, DataFrame or list
        The export (.csv, .tsv, .txt, .xlsx, .json, .ndjson, or a .zip holding one);
        or a DataFrame (from an API or a database, read like a file's table);
        or a list of these, stacked, with one load report.
    source : str
        ``"auto"`` (detected from the columns) or one of :data:`TICKET_SOURCES`.
    mapping : dict, optional
        Canonical column -> source column, for anything detection does not
        find (``{"ticket_id": "Case", "created_at": "Opened", "email": "Mail"}``).
        Required keys for a ``generic`` file: ``ticket_id`` and ``created_at``.
        ``sla_breached`` names a status column (breached / met, yes / no, 1 / 0);
        ``assignee_changes`` and ``group_changes`` name counts of changes.
    key : str or bytes, optional
        Key of the e-mail pseudonyms (default: ``CSANALYSIS_KEY``, else your
        per-user secret, see :func:`csanalysis.privacy.secret_path`).
    keep_pii : bool
        Keep columns that identify people (names, e-mails, phones) instead of
        dropping them. Agent names are pseudonymised either way.
    timezone : str, optional
        IANA zone of timestamps written without an offset (Zendesk's CSV is in
        the account's zone). Assumed UTC otherwise, and the report says so.
    dayfirst : bool, optional
        Day/month order when the data cannot decide it.
    encoding : str, optional
        Force an encoding (detected by default).
    sheet : str or int, optional
        Worksheet of an .xlsx export (name or 0-based position); by default
        the sheet whose content fits a ticket export best (the load report
        names it and the other sheets).
    rating_scale : (min, max), optional
        Numeric rating scale of the tool (default 1-5 where the format fixes it,
        else inferred from the values).
    tz_abbreviations : mapping, optional
        Time-zone abbreviations written after the times -> IANA zone or UTC
        offset (``{"IST": "Asia/Kolkata"}``); needed for abbreviations with
        several meanings (``IST``, ``CST`` ...), see
        :data:`csanalysis.io._dates.TZ_ABBREVIATIONS` for those read without it.

    Returns
    -------
    pandas.DataFrame
        The canonical tickets table (see :mod:`csanalysis.schema`), then the
        export's other non-personal columns (text; a column whose values
        repeat, such as tags or a ticket type, is categorical); its load report
        is ``csanalysis.load_report(df)``.

    Raises
    ------
    ExportError
        When the file cannot be understood.

    Examples
    --------
    >>> from csanalysis.datasets import sample_path
    >>> t = read_tickets(sample_path("zendesk_tickets.csv"), timezone="Europe/Copenhagen")
    >>> t[["ticket_id", "channel", "rating"]].dtypes.tolist()[1:]
    [CategoricalDtype(categories=['email', 'web', 'chat', 'phone', 'social', 'api', 'other'], ordered=False, categories_dtype=str), CategoricalDtype(categories=['good', 'neutral', 'bad'], ordered=False, categories_dtype=str)]
    """
    if is_several(path):  # every option (as given) applies to each file
        options = dict(locals())
        del options["path"]
        return read_several(read_tickets, path, **options)
    path = as_input(path)
    spath = str(path)
    if source != "auto" and source not in TICKET_SOURCES:
        raise ValueError(f"source must be 'auto' or one of {TICKET_SOURCES}, got {source!r}")
    rep = LoadReport(spath, "tickets")
    is_frame = isinstance(path, FrameInput)
    suffix = "" if is_frame else Path(spath).suffix.lower()
    # a document starts with { or [: the file is read whole only when it is one (a table is parsed from disk)
    looks_json = not is_frame and leading_bytes(path) in (b"{", b"[")
    # a tool whose export is a document (JSON), not a table: named, or recognised by suffix or content
    named = tools.named("tickets", source)
    doc_tool = named if named is not None and named.load_document else None
    if doc_tool is None and source == "auto":
        doc_tool = next((t for t in _TICKET_TOOLS if t.load_document and (suffix in t.document_suffixes
                                                                          or looks_json)), None)
    if doc_tool is not None:
        if not looks_json:
            raise ExportError(spath, "this file does not contain JSON", expected=doc_tool.document_expected)
        data, rows = doc_tool.load_document(spath, read_bytes(path)[0], rep)
        rep.source_format, rep.encoding, rep.header_rows = doc_tool.name, "utf-8", 0
        spec = doc_tool
        data = data.fillna("")
    else:
        raw = read_raw(path, encoding=encoding, sheet=sheet if sheet is not None else tools.sheet_fit("tickets"))
        rep.encoding, rep.delimiter = raw.encoding, raw.delimiter
        for n in raw.notes:
            rep.note(n)
        data, rows, _ = promote_header(raw, 1)
        data = data.fillna("")
        rep.header_rows = 1
        if source == "generic":
            spec = GENERIC
        elif source != "auto":
            spec = named
        else:
            found = tools.detect("tickets", Header.of_columns(data.columns))
            spec = found[0] if found else (GENERIC if mapping else None)
        if spec is None:
            raise ExportError(spath, f"columns not recognised as a ticket export (found: {tools.shown_columns(data.columns)})",
                              expected=f"a {tools.titles('tickets')} export, or "
                              "source='generic' with mapping={'ticket_id': ..., 'created_at': ...}")
        rep.source_format = spec.name
        if len(raw.bad_rows):
            rep.rows_read += len(raw.bad_rows)
            rep.reject(raw.bad_rows)
    rep.rows_read += len(data)
    frame = Frame(data, rows, rep)
    cols = list(data.columns)
    agent_names = (*spec.agent_cols, *spec.assignee_cols)  # columns naming agents: pseudonymised, never raw
    frame.personal = {c for c in cols if find_column([c], *spec.person_cols, *agent_names) is not None
                      or re.search(r"(^|\.)(assignee|submitter|requester)(_id)?$", c, re.I)}
    frame.free_text = {c for c in cols if find_column([c], *spec.free_text) is not None}

    # -- resolve columns -------------------------------------------------------------------------
    user = check_mapping(spath, cols, mapping, _MAPPABLE)
    colmap: dict[str, str | None] = {}
    for canon in dict.fromkeys([*spec.columns, *spec.regex, *user]):  # a fixed order: reports are reproducible
        if canon not in _WHO:
            colmap[canon] = user.get(canon) or find_column(cols, *spec.columns.get(canon, ()),
                                                           regex=spec.regex.get(canon))
    for need in ("ticket_id", "created_at"):
        if colmap.get(need) is None:
            raise ExportError(spath, f"no {need} column found (columns: {tools.shown_columns(cols, 20)})", column=need,
                              expected=f"a column for {need}; name it with mapping={{'{need}': '<column>'}}")
    if spec.contact_id_is_email and colmap.get("customer_id") == colmap.get("email"):
        colmap["customer_id"] = None  # the contact id column holds the e-mail address
    # the agent the ticket is assigned to (first of the tool's assignee columns) and its team / group / queue
    agent_col = user.get("agent_key") or find_column(cols, *spec.assignee_cols)
    group_col = user.get("group") or find_column(cols, *spec.group_cols)
    if agent_col is not None:
        frame.personal.add(agent_col)  # never copied raw, not even into the rejected rows
    for k, v in [*colmap.items(), ("agent_key", agent_col), ("group", group_col)]:
        if v is not None:
            rep.column_mapping[v] = ", ".join(filter(None, [rep.column_mapping.get(v), k]))
    tz = timezone
    if spec.zone_from_header and timezone is None:
        m = re.search(spec.zone_from_header, colmap["created_at"] or "")
        if m:
            tz = m.group(1)
            rep.note(f"time zone {tz} taken from the column name {colmap['created_at']!r}")
    if timezone is None and spec.timezone_note:
        rep.note(spec.timezone_note)
    if timezone is None and spec.default_timezone:
        tz = spec.default_timezone
    C = frame.col
    date_cols = [colmap.get(c) for c in ("created_at", "solved_at") if colmap.get(c)]
    if dayfirst is None:
        dayfirst = infer_dayfirst(*(C(c) for c in date_cols))

    # -- identifiers -----------------------------------------------------------------------------
    ticket_id = clean_ids(C(colmap["ticket_id"]))
    frame.reject(ticket_id.isna().to_numpy(), f"no ticket id (column {colmap['ticket_id']!r} empty)")
    mangled_t = excel_mangled(C(colmap["ticket_id"]))
    if mangled_t.any():
        rep.note(f"{int(mangled_t.sum())} ticket id(s) look Excel-mangled (e.g. 1.03006E+13): digits are lost; "
                 "re-export without opening the file in Excel")
    cust = clean_ids(C(colmap.get("customer_id")))
    if colmap.get("customer_id"):
        bad_ids = excel_mangled(C(colmap["customer_id"]))
        if bad_ids.any():
            rep.note(f"{int(bad_ids.sum())} customer id(s) in {colmap['customer_id']!r} look Excel-mangled "
                     "(1.03006E+13): set missing so they do not merge different customers; linked by e-mail instead")
            cust = cust.mask(bad_ids)
        # an e-mail address as customer id stays: finish() replaces it by its email_key pseudonym
    email_col = colmap.get("email")
    if email_col is not None:
        ek = email_key(C(email_col), key)
        rep.note(email_key_note(email_col, key))
    else:
        ek = pd.Series(np.nan, index=data.index, dtype="str")

    # -- times -----------------------------------------------------------------------------------
    def times(canon: str) -> pd.Series:
        col = colmap.get(canon)
        if col is None:
            return pd.Series(pd.NaT, index=data.index, dtype="datetime64[ns, UTC]")
        p = parse_timestamps(C(col), column=col, path=spath, dayfirst=dayfirst, timezone=tz)
        for n in p.notes:
            rep.note(n)
        if p.date_order not in ("none",):
            rep.date_order = rep.date_order or p.date_order
        rep.timezone = rep.timezone or p.timezone
        frame.reject(p.out_of_range, f"column {col!r}: a date outside 1900-2099 (a typo or a placeholder "
                     "such as 9999-12-31)")
        frame.reject(p.invalid, f"column {col!r}: not a date/time")
        return p.values

    created = times("created_at")
    frame.reject(created.isna().to_numpy() & frame.alive, f"no creation time (column {colmap['created_at']!r} empty)")
    solved = times("solved_at")

    # -- channel, direction, status --------------------------------------------------------------
    channel, direction, self_service = _channels(C(colmap.get("channel")), rep, colmap.get("channel"))
    if colmap.get("direction"):
        d = normalise_values(C(colmap["direction"]))
        agent = d.str.contains(r"admin|teammate|agent|operator|bot|workflow|outbound|rule|system", regex=True)
        direction = pd.Series(np.where(agent, "agent", "customer"), index=data.index)
    if spec.adjust_direction is not None:
        direction = spec.adjust_direction(frame.data, direction)
    status = normalise_values(C(colmap.get("status"))).replace("", np.nan)
    priority = normalise_values(C(colmap.get("priority"))).replace({"": np.nan, "-": np.nan})

    # an infinite or absurd number (inf reopens, 1e308 minutes) costs its row, not the file
    reject_implausible(frame, dict.fromkeys(colmap.get(c) for c in ("rating", "first_reply", "resolution", "reopens")))

    # -- ratings ---------------------------------------------------------------------------------
    if colmap.get("rating"):
        scale = tuple(rating_scale) if rating_scale is not None else spec.rating_scale
        score, said, offered = _ratings(C(colmap["rating"]), spec, scale, rep)
    else:
        score = pd.Series(np.nan, index=data.index)
        said = pd.Series(np.nan, index=data.index, dtype="object")
        offered = pd.Series(pd.NA, index=data.index, dtype="boolean")
    rating = rating_from_score(score.to_numpy(), said)

    # -- durations -------------------------------------------------------------------------------
    def minutes(canon: str, unit: str = "minutes") -> pd.Series:
        col = colmap.get(canon)
        if col is None:
            return pd.Series(np.nan, index=data.index)
        m, bad = parse_duration_minutes(C(col), unit=unit)
        if bad.any():
            rep.note(f"{int(bad.sum())} value(s) of {col!r} are not durations; left missing")
        return m.where(m >= 0)

    if spec.first_reply_is_timestamp and colmap.get("first_reply"):
        fr_col = colmap["first_reply"]
        p = parse_timestamps(C(fr_col), column=fr_col, path=spath, dayfirst=dayfirst, timezone=tz)
        first_reply = (p.values - created).dt.total_seconds() / 60
        first_reply = first_reply.where(first_reply >= 0)
    else:
        first_reply = minutes("first_reply", spec.first_reply_unit)
    resolution = minutes("resolution")
    from_times = (solved - created).dt.total_seconds() / 60
    resolution = resolution.fillna(from_times.where(from_times >= 0))
    reopens = pd.Series(np.nan, index=data.index)
    if colmap.get("reopens"):
        reopens, bad, _ = parse_numbers(C(colmap["reopens"]))
    account = clean_ids(C(colmap.get("account_id")))

    # -- agent and group -------------------------------------------------------------------------
    agent = _named(C(agent_col))
    if spec.queue_owned is not None and agent_col is not None:
        queue = np.asarray(spec.queue_owned(frame.data), dtype=bool) & agent.notna().to_numpy()
        if queue.any():
            agent = agent.mask(queue)
            rep.note(f"{int(queue.sum())} ticket(s) are owned by a queue, not an agent: agent_key left empty")
    agent_key = pseudonymise(agent, key, prefix="agent_")
    if agent_col is not None:
        rep.note(f"agent_key: the assignee in {agent_col!r}, pseudonymised (key: {key_source(key)})")
    group = _named(C(group_col))

    # -- service-level breach and hand-offs (where the export has them) ---------------------------
    if user.get("sla_breached"):  # named by the user: that column alone
        sla_cols = [user["sla_breached"]]
    else:  # by name; a helpdesk custom field may carry its type after the title (Zendesk: 'SLA breached [flag]')
        typed = {re.sub(r"\s*\[[A-Za-z]+\]\s*$", "", str(c)): c for c in cols}
        sla_cols = [c for c in dict.fromkeys(find_column(cols, name) or typed.get(find_column(typed, name))
                                             for name in SLA_COLUMNS)
                    if c is not None and c not in set(colmap.values())]
    sla = pd.Series(pd.NA, index=data.index, dtype="boolean")
    if sla_cols:
        said = pd.DataFrame({c: normalise_values(C(c)) for c in sla_cols})
        breached = said.isin(SLA_BREACHED).any(axis=1)
        known = breached | said.isin(SLA_MET).any(axis=1)
        sla = breached.astype("boolean").where(known.to_numpy(), pd.NA)
        rep.note(f"sla_breached: {', '.join(repr(c) for c in sla_cols)} ({int(breached.sum())} breached, "
                 f"{int(known.sum())} with a status)")
    handoffs = {}
    sla_used = set(sla_cols)
    for canon, (stations, changes) in HANDOFF_COLUMNS.items():
        # a column the user names is a count of changes; else the tool's stations or changes by name
        st, ch = (None, user[canon]) if user.get(canon) else (find_column(cols, *stations), find_column(cols, *changes))
        sla_used |= {c for c in (st, ch) if c is not None}
        v = pd.Series(np.nan, index=data.index)
        if st is not None or ch is not None:
            v, _, _ = parse_numbers(C(st if st is not None else ch))
            v = (v - 1).clip(lower=0) if st is not None else v
            v = v.where((v >= 0) & (v < 1e6))  # a negative, infinite or absurd count is not known
            rep.note(f"{canon}: one less than {st!r}" if st is not None else f"{canon}: {ch!r}")
        handoffs[canon] = v.round().astype("Int64")

    # -- agents pseudonymised; people dropped ----------------------------------------------------
    canonical = {
        "ticket_id": ticket_id, "customer_id": cust, "email_key": ek, "created_at": created,
        "solved_at": solved, "channel": channel, "status": status, "priority": priority,
        "rating": rating, "rating_score": score, "rating_offered": offered,
        "first_reply_minutes": first_reply, "resolution_minutes": resolution,
        "reopens": reopens.round().astype("Int64"), "direction": direction, "account_id": account,
        "source_format": spec.name, "agent_key": agent_key, "group": group, "self_service": self_service,
        "sla_breached": sla, **handoffs,
    }
    used = {v for k, v in colmap.items() if v is not None and k not in ("rating",)}
    if colmap.get("rating"):
        used.add(colmap["rating"])
    if group_col is not None:
        used.add(group_col)
    used |= sla_used
    if user.get("agent_key"):
        used.add(agent_col)
    for c in cols:
        if c in used:
            continue
        if find_column([c], *agent_names) is not None or re.search(r"(^|\.)(assignee|submitter)_id$", c):
            # each agent column as its own pseudonym (``assignee_key``, ``submitter_id_key`` ...)
            name = f"{re.sub(r'[^0-9a-z]+', '_', c.casefold()).strip('_')}_key"
            used.add(c)
            if c == agent_col and name == "agent_key":  # Freshdesk's "Agent": the same values as agent_key
                continue
            while name in canonical:
                name = name.removesuffix("_key") + "_src_key"
            canonical[name] = agent_key if c == agent_col else pseudonymise(_named(C(c)), key, prefix="agent_")
            if c != agent_col:
                rep.note(f"agent column {c!r} pseudonymised")
        elif find_column([c], *spec.person_cols) is not None and not keep_pii:
            rep.dropped_columns.append(c)
            used.add(c)
    if keep_pii and email_col is not None:
        canonical["email"] = C(email_col).replace("", np.nan)
    # duplicates of one ticket (e.g. overlapping export chunks): keep the last, count as merged
    tid = ticket_id.where(frame.alive)
    dup = tid.notna() & tid.duplicated(keep="last")
    if dup.any():
        frame.merge(dup.to_numpy())
        rep.note(f"{int(dup.sum())} duplicate row(s) of the same ticket merged (last kept)")
    free = [c for c in cols if find_column([c], *spec.free_text) is not None]
    data = raw = None  # only the frame holds the source table now: finish() lets its columns go
    df = finish(frame, canonical, "tickets", used=used, keep_pii=keep_pii, key=key,
                free_text=[re.sub(r"[^\w]+", "_", f.lower()).strip("_") for f in free], categories=True)
    return df
