"""Freshdesk: the ticket export.

What the export looks like
--------------------------
Tickets > Export (CSV or Excel): one row per ticket, one header row with
``Ticket ID``, ``Subject``, ``Status``, ``Priority``, ``Source``, ``Created
time``, ``Resolved time``, ``Closed time``, ``Initial response time``,
``Survey results``, ``Full name``, ``Email``, ``Contact ID``, ``Company
Name`` ... Recognised by ``Ticket ID`` with ``Created time`` or ``Survey
results``.

Quirks
------
* ``Initial response time`` is a timestamp, not a duration: the first reply
  is its distance from ``Created time``.
* ``Contact ID`` may hold the contact's e-mail address; when it is the
  e-mail column itself the file has no customer id.
* Ratings: the API's customer-satisfaction codes 103 ... -103 (extremely
  happy ... extremely unhappy; :data:`RATING_CODES`), or their labels on the
  7-point happiness scale, or the classic 3-point Happy / Neutral / Unhappy.
  Codes are recognised in any ticket export whose ratings look like them.
* ``Agent`` is the agent the ticket is assigned to (the API's responder);
  ``Group`` its group.
* Time zone: times are written without an offset; they are read as UTC
  unless ``timezone=`` names the zone the export was made in (the load
  report says which).
"""

from __future__ import annotations

from .base import Header, TicketTool

__all__ = ["TITLE", "CSV", "FORMATS", "LABEL_SCALES", "RATING_CODES", "RATING_LABELS"]

#: The tool, in words.
TITLE = "Freshdesk"

#: The API's satisfaction codes -> score 0-1 (103 = extremely happy ... -103 = extremely unhappy).
RATING_CODES: dict[str, float] = {"103": 1.0, "102": 5 / 6, "101": 4 / 6, "100": 0.5, "-101": 2 / 6,
                                  "-102": 1 / 6, "-103": 0.0}
#: Rating labels, each tuple one scale from worst to best.
RATING_LABELS: tuple[tuple[str, ...], ...] = (
    # the 7-point happiness scale (API 103 .. -103)
    ("extremely unhappy", "very unhappy", "unhappy", "neutral", "happy", "very happy", "extremely happy"),
    # 7-point satisfaction wording seen in Freshdesk survey results
    ("very dissatisfied", "dissatisfied", "slightly dissatisfied", "neither satisfied nor dissatisfied",
     "slightly satisfied", "satisfied", "very satisfied"),
)
#: The same scales as answer-label scales (:mod:`csanalysis.io.labels`).
LABEL_SCALES = (
    # customer satisfaction (API 103 ... -103)
    ("rating_7_freshdesk", "rating", "en", 7, {
        1: ("Extremely Unhappy",), 2: ("Very Unhappy",), 3: ("Unhappy",), 4: ("Neutral",),
        5: ("Happy",), 6: ("Very Happy",), 7: ("Extremely Happy",),
    }),
    # classic 3-point
    ("rating_3_freshdesk", "rating", "en", 3, {
        1: ("Unhappy",), 2: ("Neutral",), 3: ("Happy",),
    }),
)


def _detect(h: Header) -> bool:
    return h.has("ticket id", "created time") or h.has("ticket id", "survey results")


CSV = TicketTool(
    name="freshdesk_csv", family="freshdesk", title="Freshdesk ticket export",
    detect=_detect,
    timezone="no offset in the file; UTC unless timezone= is given",
    columns={
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
    assignee_cols=("Agent", "Agent Name", "Responder", "Responder ID", "Responder Id"),
    group_cols=("Group", "Group Name", "Group ID", "Group Id"),
    person_cols=("Full name", "Requester Name", "Contact Name", "Work phone", "Mobile phone",
                 "Facebook ID", "Twitter ID"),
    free_text=("Subject", "Description"),
    first_reply_is_timestamp=True,
    contact_id_is_email=True,
    rating_codes=RATING_CODES,
    rating_labels=RATING_LABELS,
)

FORMATS = (CSV,)
