"""Zendesk Support: the CSV ticket export and the JSON / NDJSON API exports.

What the exports look like
--------------------------
``zendesk_csv``
    The CSV ticket export (or a view export): one row per ticket, one
    header row with ``Id``, ``Requester id``, ``Requester email``,
    ``Created at``, ``Solved at``, ``Via``, ``Status``, ``Satisfaction
    Score``, ``First reply time in minutes``, ``Full resolution time in
    minutes``, ``Reopens`` ... Recognised by ``Id`` with ``Requester id``
    (or with a ``Summation column``) and ``Via`` or ``Created at``.
``zendesk_json``
    An API page ``{"tickets": [...], "next_page": ...}``, one
    ``{"ticket": {...}}``, a list of tickets, or the full NDJSON export (one
    ``{"ticket": {...}}`` per line). Recognised by its content
    (a JSON document) or its suffix (``.json``, ``.ndjson``, ``.jsonl``).

Quirks
------
* Time zones: the CSV writes times in the *account's* time zone without an
  offset; without ``timezone=`` UTC is assumed and the load report says so.
  The API and the JSON exports write UTC.
* Ratings: ``good`` / ``bad`` (also ``good with comment``), ``offered``
  (asked, not answered) and ``unoffered`` are the satisfaction states, not
  scores (:data:`RATING_VERDICTS`, :data:`NOT_RATED`).
* JSON: nested objects are flattened with dots (``via.channel``,
  ``satisfaction_rating.score``); a follow-up ticket
  (``via.source.rel = follow_up``) was started by an agent.
* Agent and group: ``Assignee`` (CSV; ``assignee_id`` in JSON) is the agent
  the ticket is assigned to, ``Submitter`` / ``submitter_id`` who opened it
  (often the requester): only the assignee becomes ``agent_key``. The group is
  ``Group`` (CSV) or ``group_id`` (JSON, an id).
* A satisfaction-ratings listing (``{"satisfaction_ratings": [...]}``) is not
  a ticket export and is refused with that reason.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd

from ...errors import ExportError
from .._common import normalise_values
from .base import Header, TicketTool

__all__ = ["TITLE", "CSV", "JSON", "FORMATS", "LABEL_SCALES", "NONRESPONSE_LABELS", "RATING_VERDICTS", "NOT_RATED",
           "load_json", "follow_ups_by_agent"]

#: The tool, in words.
TITLE = "Zendesk"

#: Rating values that are Zendesk's good/bad verdict (CSAT), with or without a comment.
RATING_VERDICTS: dict[str, str] = {"good with comment": "good", "bad with comment": "bad",
                                   "good_with_comment": "good", "bad_with_comment": "bad"}
#: Satisfaction states that are no rating: whether the rating was offered.
NOT_RATED: dict[str, bool] = {"offered": True, "unoffered": False, "not offered": False, "not_offered": False}

#: Zendesk legacy CSAT as an answer-label scale (:mod:`csanalysis.io.labels`).
LABEL_SCALES = (
    ("rating_2_zendesk", "rating", "en", 2, {
        1: ("Bad", "Bad, I'm unsatisfied"), 2: ("Good", "Good, I'm satisfied"),
    }),
)
#: Zendesk CSAT states that are not answers on a scale (read as "no answer").
NONRESPONSE_LABELS: tuple[str, ...] = ("Offered", "Unoffered", "Not offered")


def _detect_csv(h: Header) -> bool:
    return (h.has("id", "requester id") or h.has("summation column", "id")) and (h.has("via") or h.has("created at"))


CSV = TicketTool(
    name="zendesk_csv", family="zendesk", title="Zendesk Support CSV export",
    detect=_detect_csv,
    timezone="the account's time zone, written without an offset",
    columns={
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
    assignee_cols=("Assignee", "Assignee id", "Assignee ID"),
    group_cols=("Group", "Group id", "Group ID"),
    person_cols=("Requester", "Submitter", "Requester name", "CCs", "Collaborators", "recipient"),
    free_text=("Subject", "Description"),
    timezone_note="Zendesk CSV times are in the account's time zone; none given (timezone=), UTC assumed",
    rating_verdicts=RATING_VERDICTS,
    not_rated=NOT_RATED,
)


# -- JSON ------------------------------------------------------------------------------------------
#: Canonical field -> flattened JSON field of a ticket.
JSON_COLUMNS: dict[str, str] = {
    "ticket_id": "id", "customer_id": "requester_id", "created_at": "created_at", "solved_at": "solved_at",
    "channel": "via.channel", "status": "status", "priority": "priority",
    "rating": "satisfaction_rating.score", "account_id": "organization_id",
}


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


def load_json(path: str, data: bytes, rep) -> tuple[pd.DataFrame, np.ndarray]:
    """Zendesk JSON: API page, single ticket or NDJSON -> flat table of tickets, every cell a string.

    Parameters
    ----------
    path : str
        The file (for messages).
    data : bytes
        Its content.
    rep : LoadReport
        Notes go here (a page of a longer listing).

    Returns
    -------
    (DataFrame, ndarray)
        The tickets (nested fields flattened with dots) and their row numbers.
    """
    flat, rows = _load(path, data, rep)
    return _stringify(flat), rows


def _load(path: str, data: bytes, rep) -> tuple[pd.DataFrame, np.ndarray]:
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise ExportError(path, "the file is empty", expected="a Zendesk JSON or NDJSON ticket export")
    try:
        try:
            doc = json.loads(text)
        except RecursionError:
            raise ExportError(path, "JSON nested too deeply to be a ticket export",
                              expected="a Zendesk JSON or NDJSON ticket export") from None
        records = None
        if isinstance(doc, dict) and isinstance(doc.get("tickets"), list):
            records = doc["tickets"]
            if doc.get("next_page"):
                rep.note("this is one page of an API listing; later pages (next_page) are not in this file")
        elif isinstance(doc, dict) and isinstance(doc.get("ticket"), dict):
            records = [doc["ticket"]]
        elif isinstance(doc, list) and all(isinstance(r, dict) for r in doc[:100]):
            records = [r.get("ticket", r) if isinstance(r, dict) else r for r in doc]
        if records is not None:
            _check_objects(path, records)
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
        by_line = _ndjson_by_line(text, rep)
        if by_line is not None:
            return by_line
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


def _ndjson_by_line(text: str, rep) -> tuple[pd.DataFrame, np.ndarray] | None:
    """NDJSON that pyarrow refuses (a broken line, a value whose type changes): read line by line.

    Each line that is no ticket object is rejected with its reason (counted as
    read), the others load. None when most lines are no JSON objects at all (a
    damaged single document rather than NDJSON), so the caller refuses the file.
    Only taken on broken files: the loop runs over their lines in Python.
    """
    records, rows, bad = [], [], []
    for i, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            bad.append((i, "this line is not valid JSON (a damaged or truncated line?)"))
            continue
        obj = obj.get("ticket", obj) if isinstance(obj, dict) else obj
        if not isinstance(obj, dict):
            bad.append((i, "this line is not a ticket object"))
            continue
        records.append(obj)
        rows.append(i)
    if len(records) < len(bad):
        return None
    if bad:
        rep.rows_read += len(bad)
        rep.reject(pd.DataFrame({"row": pd.Series([b[0] for b in bad], dtype="int64"),
                                 "reason": pd.Series([b[1] for b in bad], dtype="str")}))
        rep.note(f"{len(bad)} line(s) of the NDJSON export are no ticket objects; rejected, the other lines read")
    flat = pd.json_normalize(records, sep=".") if records else pd.DataFrame({"id": pd.Series(dtype="str")})
    return flat, np.asarray(rows, dtype=np.int64)


def _check_objects(path: str, records: list) -> None:
    """Every ticket of a JSON listing must be an object (a list holding a number or a string is damaged)."""
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
    if bad is not None:
        kind = {bool: "true/false", int: "number", float: "number", str: "string", list: "list",
                type(None): "null"}.get(type(records[bad]), type(records[bad]).__name__)
        raise ExportError(path, f"entry {bad + 1} of the JSON ticket list is a {kind}, not a ticket object",
                          expected="a list of ticket objects ({\"id\": ..., \"created_at\": ...}), as the "
                          "Zendesk API writes them")


def follow_ups_by_agent(data: pd.DataFrame, direction: pd.Series) -> pd.Series:
    """A follow-up ticket (``via.source.rel`` = ``follow_up``) was started by an agent."""
    if "via.source.rel" not in data.columns:
        return direction
    rel = normalise_values(data["via.source.rel"])
    return direction.mask(rel.isin(["follow_up", "follow-up"]), "agent")


JSON = TicketTool(
    name="zendesk_json", family="zendesk", title="Zendesk JSON / NDJSON ticket export",
    timezone="UTC (the API writes ISO 8601 times with Z)",
    columns={k: (v,) for k, v in JSON_COLUMNS.items()},
    agent_cols=("assignee_id", "submitter_id"),
    assignee_cols=("assignee_id",),
    group_cols=("group_id",),
    free_text=("subject", "raw_subject", "description", "satisfaction_rating.comment"),
    default_timezone="UTC",
    rating_verdicts=RATING_VERDICTS,
    not_rated=NOT_RATED,
    load_document=load_json,
    document_suffixes=(".json", ".ndjson", ".jsonl"),
    document_expected="a Zendesk JSON or NDJSON export",
    adjust_direction=follow_ups_by_agent,
)

FORMATS = (CSV, JSON)
