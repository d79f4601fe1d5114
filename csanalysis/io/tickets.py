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
.xlsx, or zipped.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ExportError
from ..privacy import email_key, email_key_note, is_personal_column, pseudonymise
from ..schema import TICKETS, rating_from_score
from ._common import Frame, check_mapping, find_column, finish
from ._dates import infer_dayfirst, parse_timestamps
from ._numbers import clean_ids, excel_mangled, parse_duration_minutes, parse_numbers
from ._text import promote_header, read_bytes, read_raw
from .report import LoadReport

__all__ = ["read_tickets", "TICKET_SOURCES"]

TICKET_SOURCES = ("zendesk_csv", "zendesk_json", "freshdesk_csv", "intercom_csv", "helpscout_csv",
                  "jira_csv", "salesforce_csv", "generic")

# -- channel and direction vocabulary ---------------------------------------------------------
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

# -- rating vocabulary of ticket tools: label -> position on a scale of `points` -----------------
_RATING_LABELS: dict[str, tuple[float, int]] = {}
for _labels in (
    # Freshdesk 7-point happiness scale (API 103 .. -103)
    ["extremely unhappy", "very unhappy", "unhappy", "neutral", "happy", "very happy", "extremely happy"],
    # 7-point satisfaction wording seen in Freshdesk survey results
    ["very dissatisfied", "dissatisfied", "slightly dissatisfied", "neither satisfied nor dissatisfied",
     "slightly satisfied", "satisfied", "very satisfied"],
    # Intercom emoji labels
    ["terrible", "bad (emoji)", "ok", "great", "amazing"],
):
    for _i, _l in enumerate(_labels):
        _RATING_LABELS.setdefault(_l, (_i / (len(_labels) - 1), len(_labels)))
# Help Scout happiness (3-point); Freshdesk classic 3-point
_RATING_LABELS.update({"not good": (0.0, 3), "okay": (0.5, 3), "great": (1.0, 3)})
# a tool's own good/bad verdict is a two-point scale: good = 1, bad = 0
_SAID_SCORE = {"good": 1.0, "bad": 0.0}
_RATING_SAID = {"good": "good", "bad": "bad", "good with comment": "good", "bad with comment": "bad",
                "good_with_comment": "good", "bad_with_comment": "bad"}
_NOT_RATED = {"offered": True, "unoffered": False, "not offered": False, "not_offered": False,
              "": pd.NA, "-": pd.NA}
_FRESHDESK_CODES = {"103": 1.0, "102": 5 / 6, "101": 4 / 6, "100": 0.5, "-101": 2 / 6, "-102": 1 / 6, "-103": 0.0}


@dataclass
class _Spec:
    """Where a format keeps each canonical field (candidate column names, first match wins)."""

    name: str
    cols: dict[str, tuple[str, ...]]
    regex: dict[str, str] = field(default_factory=dict)
    rating_scale: tuple[float, float] | None = None  # numeric min, max of the tool's rating
    agent_cols: tuple[str, ...] = ()  # pseudonymised
    person_cols: tuple[str, ...] = ()  # dropped unless keep_pii
    free_text: tuple[str, ...] = ()
    first_reply_unit: str = "minutes"
    first_reply_is_timestamp: bool = False
    zone_from_header: str | None = None  # regex capturing the zone in a column name


_SPECS: dict[str, _Spec] = {
    "zendesk_csv": _Spec(
        "zendesk_csv",
        {
            "ticket_id": ("Id", "ID", "Ticket ID"),
            "customer_id": ("Requester id", "Requester ID"),
            "email": ("Requester email",),
            "created_at": ("Created at",),
            "solved_at": ("Solved at",),
            "channel": ("Via",),
            "status": ("Status",),
            "priority": ("Priority",),
            "rating": ("Satisfaction Score", "Satisfaction score", "Satisfaction rating"),
            "first_reply": ("First reply time in minutes",),
            "resolution": ("Full resolution time in minutes", "First resolution time in minutes"),
            "reopens": ("Reopens",),
            "account_id": ("Organization",),
        },
        rating_scale=(1, 5),
        agent_cols=("Assignee", "Assignee id", "Assignee ID", "Submitter id"),
        person_cols=("Requester", "Submitter", "Requester name", "CCs", "Collaborators", "recipient"),
        free_text=("Subject", "Description"),
    ),
    "freshdesk_csv": _Spec(
        "freshdesk_csv",
        {
            "ticket_id": ("Ticket ID", "Ticket Id"),
            "customer_id": ("Unique External ID", "Contact ID"),
            "email": ("Email", "Requester Email", "Contact ID"),
            "created_at": ("Created time", "Created Time"),
            "solved_at": ("Resolved time", "Resolved Time", "Closed time", "Closed Time"),
            "channel": ("Source",),
            "status": ("Status",),
            "priority": ("Priority", "Urgency"),
            "rating": ("Survey results", "Survey Result", "Survey result"),
            "first_reply": ("Initial response time",),
            "reopens": ("Reopens", "Reopen count"),
            "account_id": ("Company Name", "Company"),
        },
        agent_cols=("Agent", "Responder", "Agent Name"),
        person_cols=("Full name", "Requester Name", "Contact Name", "Work phone", "Mobile phone",
                     "Facebook ID", "Twitter ID"),
        free_text=("Subject", "Description"),
        first_reply_is_timestamp=True,
    ),
    "intercom_csv": _Spec(
        "intercom_csv",
        {
            "ticket_id": ("Conversation ID", "Conversation id"),
            "customer_id": ("User ID", "User id", "Contact ID", "External ID"),
            "email": ("User email", "User Email", "Email"),
            "channel": ("Channel", "Conversation source", "Source"),
            "direction": ("Started by",),
            "status": ("Current conversation state", "State"),
            "priority": ("Priority",),
            "rating": ("Conversation rating",),
            "first_reply": ("First response time (seconds)", "Time to first response (seconds)"),
            "account_id": ("Company name", "Company ID"),
        },
        regex={"created_at": r"^Conversation started at(\s*\((.+)\))?$",
               "solved_at": r"^(Last closed at|Conversation closed at|First closed at)(\s*\((.+)\))?$"},
        rating_scale=(1, 5),
        agent_cols=("Teammate currently assigned", "Last teammate rated", "Teammate assigned"),
        person_cols=("User name", "User Name", "Contact name"),
        free_text=("Conversation rating remark", "First message", "Last message"),
        first_reply_unit="seconds",
        zone_from_header=r"\((.+)\)\s*$",
    ),
    "helpscout_csv": _Spec(
        "helpscout_csv",
        {
            "ticket_id": ("Conversation Number", "Conversation ID", "Number", "Conversation Id", "ID"),
            "customer_id": ("Customer ID", "Customer Id"),
            "email": ("Customer Email", "Customer email", "Email"),
            "created_at": ("Created At", "Date Created", "Created", "Conversation Created"),
            "solved_at": ("Closed At", "Date Closed", "Closed"),
            "channel": ("Type", "Source", "Channel"),
            "status": ("Status",),
            "rating": ("Happiness Rating", "Rating", "Customer Rating"),
            "account_id": ("Company", "Organization"),
        },
        agent_cols=("Assignee", "Assigned To", "Owner", "Closed By", "User"),
        person_cols=("Customer Name", "Customer", "Name"),
        free_text=("Subject", "Preview", "Rating Comments", "Comments"),
    ),
    "jira_csv": _Spec(
        "jira_csv",
        {
            "ticket_id": ("Issue key", "Issue id"),
            "customer_id": ("Reporter Id", "Reporter ID"),
            "email": ("Reporter email", "Custom field (Reporter email)"),
            "created_at": ("Created",),
            "solved_at": ("Resolved",),
            "channel": ("Custom field (Request channel)", "Custom field (Source)", "Custom field (Channel)",
                        "Request channel"),
            "status": ("Status",),
            "priority": ("Priority",),
            "rating": ("Custom field (Satisfaction)", "Satisfaction"),
            "account_id": ("Custom field (Organizations)", "Organizations", "Project key"),
        },
        rating_scale=(1, 5),
        agent_cols=("Assignee", "Assignee Id", "Creator", "Creator Id"),
        person_cols=("Reporter", "Watchers", "Comment"),
        free_text=("Summary", "Description"),
    ),
    "salesforce_csv": _Spec(
        "salesforce_csv",
        {
            "ticket_id": ("Case Number", "Case ID", "CaseNumber", "Id"),
            "customer_id": ("Contact ID", "ContactId", "Account ID", "AccountId"),
            "email": ("Web Email", "SuppliedEmail", "Contact Email", "Email"),
            "created_at": ("Date/Time Opened", "Created Date", "CreatedDate", "Opened Date"),
            "solved_at": ("Date/Time Closed", "Closed Date", "ClosedDate"),
            "channel": ("Case Origin", "Origin"),
            "status": ("Status",),
            "priority": ("Priority",),
            "rating": ("CSAT", "Satisfaction", "Customer Satisfaction"),
            "account_id": ("Account Name", "AccountId", "Account ID"),
        },
        rating_scale=(1, 5),
        agent_cols=("Case Owner", "OwnerId", "Owner"),
        person_cols=("Contact Name", "Web Name", "SuppliedName", "Contact Phone", "Web Phone"),
        free_text=("Subject", "Description", "Internal Comments"),
    ),
    "generic": _Spec(
        "generic",
        {
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
        free_text=("subject", "description", "Subject", "Description", "comment"),
    ),
}
_MAPPABLE = {c.name for c in TICKETS} | {"email"}


def _detect(columns: list[str]) -> str | None:
    cols = {c.strip().casefold() for c in columns}

    def has(*names: str) -> bool:
        return all(n.casefold() in cols for n in names)

    if (has("id", "requester id") or has("summation column", "id")) and (has("via") or has("created at")):
        return "zendesk_csv"
    if has("ticket id", "created time") or has("ticket id", "survey results"):
        return "freshdesk_csv"
    if has("conversation id") and any(c.startswith("conversation started at") for c in cols):
        return "intercom_csv"
    if has("issue key") and (has("created") or has("issue id")):
        return "jira_csv"
    if has("case number") and (has("date/time opened") or has("case origin") or has("status")):
        return "salesforce_csv"
    if (has("conversation number") or has("conversation id")) and (has("mailbox") or has("happiness rating")
                                                                    or has("customer email")):
        return "helpscout_csv"
    return None


def _norm(s: pd.Series) -> pd.Series:
    s = s.astype("str").where(s.notna(), "")
    # normalised once per distinct value (the whitespace regex runs per value in Python)
    codes, uniq = pd.factorize(s)
    u = pd.Series(uniq, dtype="str").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    return pd.Series(u.array.take(codes), index=s.index, name=s.name)


def _channels(values: pd.Series, rep: LoadReport, column: str | None) -> tuple[pd.Series, pd.Series]:
    v = _norm(values)
    uniq = pd.Series(v.unique())
    chan = uniq.map(lambda x: _CHANNEL.get(x, _CHANNEL.get(re.sub(r"[^a-z_ -]", "", x).strip(), (None, None)))[0])
    dire = uniq.map(lambda x: _CHANNEL.get(x, _CHANNEL.get(re.sub(r"[^a-z_ -]", "", x).strip(), (None, None)))[1])
    unknown = uniq[(chan.isna()) & (uniq != "")]
    if column and len(unknown):
        rep.note(f"channel values not recognised, counted as 'other': {', '.join(sorted(unknown)[:15])}")
    cmap = dict(zip(uniq, chan.fillna("other")))
    dmap = dict(zip(uniq, dire.fillna("customer")))
    ch = v.map(cmap).where(v != "", np.nan) if column else pd.Series(np.nan, index=values.index)
    di = v.map(dmap).where(v != "", "customer")
    return ch, di


def _ratings(values: pd.Series, spec: _Spec, rep: LoadReport) -> tuple[pd.Series, pd.Series, pd.Series]:
    """-> (rating_score 0-1, label the tool said, rating_offered)."""
    v = _norm(values)
    uniq = pd.Series(v.unique())
    said = uniq.map(_RATING_SAID)
    offered = uniq.map(lambda x: _NOT_RATED.get(x, True))
    score = pd.Series(np.nan, index=uniq.index)
    nums = pd.to_numeric(uniq, errors="coerce")
    if spec.name == "freshdesk_csv" or (uniq.isin(list(_FRESHDESK_CODES)).any() and nums.abs().max() > 100):
        score = uniq.map(_FRESHDESK_CODES).astype("float64")
    is_num = nums.notna() & score.isna()
    if is_num.any():
        lo, hi = spec.rating_scale or (None, None)
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
    smap, lmap, omap = dict(zip(uniq, score)), dict(zip(uniq, said)), dict(zip(uniq, offered))
    sc = v.map(smap).astype("float64")
    lab = v.map(lmap)
    off = v.map(omap).astype("boolean")
    off = off.where(~(sc.notna() | lab.notna()), True)
    return sc, lab, off


def _load_json(path: str, data: bytes, rep: LoadReport) -> tuple[pd.DataFrame, np.ndarray]:
    """Zendesk JSON: API page, single ticket or NDJSON -> flat DataFrame of tickets."""
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise ExportError(path, "the file is empty", expected="a Zendesk JSON or NDJSON ticket export")
    try:
        doc = json.loads(text)
        records = None
        if isinstance(doc, dict) and isinstance(doc.get("tickets"), list):
            records = doc["tickets"]
            if doc.get("next_page"):
                rep.note("this is one page of an API listing; later pages (next_page) are not in this file")
        elif isinstance(doc, dict) and isinstance(doc.get("ticket"), dict):
            records = [doc["ticket"]]
        elif isinstance(doc, list) and all(isinstance(r, dict) for r in doc[:100]):
            records = [r.get("ticket", r) for r in doc]
        if records is None:
            keys = sorted(doc)[:12] if isinstance(doc, dict) else type(doc).__name__
            if isinstance(doc, dict) and "satisfaction_ratings" in doc:
                raise ExportError(path, "this is a Zendesk satisfaction-ratings listing, not a ticket export",
                                  expected="a ticket export (CSV, API {\"tickets\": [...]} page or NDJSON); "
                                  "ticket ratings are read from the tickets' own satisfaction fields")
            raise ExportError(path, f"JSON without tickets (top-level keys: {keys})",
                              expected="a Zendesk API page {\"tickets\": [...]}, one {\"ticket\": {...}} or NDJSON")
        flat = pd.json_normalize(records, sep=".")
        return flat, np.arange(1, len(flat) + 1)
    except json.JSONDecodeError:
        pass
    # NDJSON (the full export): parse with pyarrow, which reads nested objects natively
    import pyarrow as pa
    import pyarrow.json as pj

    try:
        tbl = pj.read_json(io.BytesIO(text.encode("utf-8")),
                           parse_options=pj.ParseOptions(newlines_in_values=False,
                                                         unexpected_field_behavior="infer"))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        msg = str(exc)
        m = re.search(r"[Rr]ow #?(\d+)", msg)
        raise ExportError(path, f"not valid JSON or NDJSON ({msg.splitlines()[0][:160]})",
                          line=int(m.group(1)) if m else None,
                          expected="a Zendesk JSON export: one JSON document, or one {\"ticket\": {...}} per line") from None
    if "ticket" in tbl.column_names:
        tbl = tbl.select(["ticket"]).flatten()
        tbl = tbl.rename_columns([c.removeprefix("ticket.") for c in tbl.column_names])
    while any(pa.types.is_struct(t) for t in tbl.schema.types):
        tbl = tbl.flatten()
    flat = tbl.to_pandas()
    return flat, np.arange(1, len(flat) + 1)


def _stringify(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as strings ('' for missing); list/dict cells as compact JSON."""
    out = {}
    for c in df.columns:
        s = df[c]
        first = s.dropna().head(1)
        if len(first) and isinstance(first.iloc[0], (list, dict, np.ndarray)):
            # nested values (tags, custom fields): one JSON text per cell
            s = s.map(lambda x: json.dumps(x.tolist() if isinstance(x, np.ndarray) else x, default=str)
                      if x is not None and not (isinstance(x, float) and np.isnan(x)) else "")
        elif s.dtype == bool or str(s.dtype) == "boolean":
            s = s.astype("object").map({True: "true", False: "false"}).fillna("")
        else:
            s = s.astype("str").where(s.notna(), "")
        out[c] = s.astype("str")
    return pd.DataFrame(out, index=df.index)


_JSON_COLS = {
    "ticket_id": "id", "customer_id": "requester_id", "created_at": "created_at", "solved_at": "solved_at",
    "channel": "via.channel", "status": "status", "priority": "priority",
    "rating": "satisfaction_rating.score", "account_id": "organization_id",
}


def read_tickets(
    path: str | PathLike,
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
) -> pd.DataFrame:
    """Read a helpdesk ticket export into the canonical tickets table.

    Parameters
    ----------
    path : str or PathLike
        The export (.csv, .tsv, .txt, .xlsx, .json, .ndjson, or a .zip holding one).
    source : str
        ``"auto"`` (detected from the columns) or one of :data:`TICKET_SOURCES`.
    mapping : dict, optional
        Canonical column -> source column, for anything detection does not
        find (``{"ticket_id": "Case", "created_at": "Opened", "email": "Mail"}``).
        Required keys for a ``generic`` file: ``ticket_id`` and ``created_at``.
    key : str or bytes, optional
        Key of the e-mail pseudonyms (default: ``CSANALYSIS_KEY``, else one
        random key per process).
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
        Worksheet of an .xlsx export.
    rating_scale : (min, max), optional
        Numeric rating scale of the tool (default 1-5 where the format fixes it,
        else inferred from the values).

    Returns
    -------
    pandas.DataFrame
        The canonical tickets table (see :mod:`csanalysis.schema`); its load
        report is ``csanalysis.load_report(df)``.

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
    spath = str(path)
    if source != "auto" and source not in TICKET_SOURCES:
        raise ValueError(f"source must be 'auto' or one of {TICKET_SOURCES}, got {source!r}")
    rep = LoadReport(spath, "tickets")
    suffix = Path(spath).suffix.lower()
    data_bytes, member = read_bytes(path)
    looks_json = data_bytes.lstrip()[:1] in (b"{", b"[")
    if source == "zendesk_json" or (source == "auto" and (suffix in (".json", ".ndjson", ".jsonl") or looks_json)):
        if not looks_json:
            raise ExportError(spath, "this file does not contain JSON", expected="a Zendesk JSON or NDJSON export")
        data, rows = _load_json(spath, data_bytes, rep)
        data = _stringify(data)
        rep.source_format, rep.encoding, rep.header_rows = "zendesk_json", "utf-8", 0
        spec = _Spec("zendesk_json", {k: (v,) for k, v in _JSON_COLS.items()}, agent_cols=("assignee_id", "submitter_id"),
                     free_text=("subject", "raw_subject", "description", "satisfaction_rating.comment"))
        data = data.fillna("")
        headers = [list(data.columns)]
    else:
        raw = read_raw(path, encoding=encoding, sheet=sheet)
        rep.encoding, rep.delimiter = raw.encoding, raw.delimiter
        for n in raw.notes:
            rep.note(n)
        data, rows, headers = promote_header(raw, 1)
        data = data.fillna("")
        rep.header_rows = 1
        fmt = source if source != "auto" else (_detect(list(data.columns)) or ("generic" if mapping else None))
        if fmt is None:
            raise ExportError(spath, f"columns not recognised as a ticket export (found: {', '.join(list(data.columns)[:15])})",
                              expected="a Zendesk, Freshdesk, Intercom, Help Scout, Jira or Salesforce export, or "
                              "source='generic' with mapping={'ticket_id': ..., 'created_at': ...}")
        rep.source_format = fmt
        spec = _SPECS[fmt]
        if len(raw.bad_rows):
            rep.rows_read += len(raw.bad_rows)
            rep.reject(raw.bad_rows)
    rep.rows_read += len(data)
    frame = Frame(data, rows, rep)
    cols = list(data.columns)
    frame.personal = {c for c in cols if find_column([c], *spec.person_cols, *spec.agent_cols) is not None
                      or re.search(r"(^|\.)(assignee|submitter|requester)(_id)?$", c, re.I)}
    frame.free_text = {c for c in cols if find_column([c], *spec.free_text) is not None}

    # -- resolve columns -------------------------------------------------------------------------
    user = check_mapping(spath, cols, mapping, _MAPPABLE)
    colmap: dict[str, str | None] = {}
    for canon in dict.fromkeys([*spec.cols, *spec.regex, *user]):  # a fixed order: reports are reproducible
        colmap[canon] = user.get(canon) or find_column(cols, *spec.cols.get(canon, ()), regex=spec.regex.get(canon))
    for need in ("ticket_id", "created_at"):
        if colmap.get(need) is None:
            raise ExportError(spath, f"no {need} column found (columns: {', '.join(cols[:20])})", column=need,
                              expected=f"a column for {need}; name it with mapping={{'{need}': '<column>'}}")
    if spec.name == "freshdesk_csv" and colmap.get("customer_id") == colmap.get("email"):
        colmap["customer_id"] = None  # Freshdesk's "Contact ID" holds the e-mail address
    for k, v in colmap.items():
        if v is not None:
            rep.column_mapping[v] = ", ".join(filter(None, [rep.column_mapping.get(v), k]))
    tz = timezone
    if spec.zone_from_header and timezone is None:
        m = re.search(spec.zone_from_header, colmap["created_at"] or "")
        if m:
            tz = m.group(1)
            rep.note(f"time zone {tz} taken from the column name {colmap['created_at']!r}")
    if spec.name == "zendesk_csv" and timezone is None:
        rep.note("Zendesk CSV times are in the account's time zone; none given (timezone=), UTC assumed")
    if spec.name == "zendesk_json" and timezone is None:
        tz = "UTC"  # the API and the JSON export write UTC
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
        looks_email = cust.fillna("").str.contains("@", regex=False)
        if looks_email.any():
            cust = cust.mask(looks_email.to_numpy())
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
        frame.reject(p.invalid, f"column {col!r}: not a date/time")
        return p.values

    created = times("created_at")
    frame.reject(created.isna().to_numpy() & frame.alive, f"no creation time (column {colmap['created_at']!r} empty)")
    solved = times("solved_at")

    # -- channel, direction, status --------------------------------------------------------------
    channel, direction = _channels(C(colmap.get("channel")), rep, colmap.get("channel"))
    if colmap.get("direction"):
        d = _norm(C(colmap["direction"]))
        agent = d.str.contains(r"admin|teammate|agent|operator|bot|workflow|outbound|rule|system", regex=True)
        direction = pd.Series(np.where(agent, "agent", "customer"), index=data.index)
    if spec.name == "zendesk_json":
        rel = _norm(frame.col("via.source.rel")) if "via.source.rel" in cols else None
        if rel is not None:
            direction = direction.mask(rel.isin(["follow_up", "follow-up"]), "agent")
    status = _norm(C(colmap.get("status"))).replace("", np.nan)
    priority = _norm(C(colmap.get("priority"))).replace({"": np.nan, "-": np.nan})

    # -- ratings ---------------------------------------------------------------------------------
    if colmap.get("rating"):
        if rating_scale is not None:
            spec = _Spec(**{**spec.__dict__, "rating_scale": tuple(rating_scale)})
        score, said, offered = _ratings(C(colmap["rating"]), spec, rep)
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

    # -- agents pseudonymised; people dropped ----------------------------------------------------
    canonical = {
        "ticket_id": ticket_id, "customer_id": cust, "email_key": ek, "created_at": created,
        "solved_at": solved, "channel": channel, "status": status, "priority": priority,
        "rating": rating, "rating_score": score, "rating_offered": offered,
        "first_reply_minutes": first_reply, "resolution_minutes": resolution,
        "reopens": reopens.round().astype("Int64"), "direction": direction, "account_id": account,
        "source_format": spec.name,
    }
    used = {v for k, v in colmap.items() if v is not None and k not in ("rating",)}
    if colmap.get("rating"):
        used.add(colmap["rating"])
    for c in cols:
        if c in used:
            continue
        if find_column([c], *spec.agent_cols) is not None or re.search(r"(^|\.)(assignee|submitter)_id$", c):
            canonical[f"{re.sub(r'[^0-9a-z]+', '_', c.casefold()).strip('_')}_key"] = pseudonymise(C(c), key, prefix="agent_")
            used.add(c)
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
    df = finish(frame, canonical, "tickets", used=used, keep_pii=keep_pii,
                free_text=[re.sub(r"[^\w]+", "_", f.lower()).strip("_") for f in free])
    return df
