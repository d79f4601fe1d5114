"""Help Scout: the conversation export.

What the export looks like
--------------------------
A conversation export (CSV): one row per conversation, with ``Conversation Number`` (or ``Conversation ID``),
``Mailbox``, ``Customer Email``, ``Created At``, ``Closed At``, ``Type``,
``Status``, ``Happiness Rating`` ... The column names are unverified against
a real export, so the signature is *weak*: ``Conversation Number`` or
``Conversation ID`` with ``Mailbox``, ``Happiness Rating`` or ``Customer
Email``, tried only after every other ticket tool's signature.

Quirks
------
* Ratings are the 3-point happiness scale Great / Okay / Not Good (API
  filter values great / ok / not-good; webhooks say Bad).
* The assignee is ``Assigned To`` (or ``Assignee`` / ``Owner``; ``Closed By``
  and ``User`` are not); the group is the ``Mailbox``.
* Time zone: times are written without an offset; they are read as UTC
  unless ``timezone=`` names the zone the export was made in (the load
  report says which).
"""

from __future__ import annotations

from .base import Header, TicketTool

__all__ = ["TITLE", "CSV", "FORMATS", "LABEL_SCALES", "RATING_LABELS"]

#: The tool, in words.
TITLE = "Help Scout"

#: Happiness rating labels, worst to best (3 points).
RATING_LABELS: tuple[tuple[str, ...], ...] = (("not good", "okay", "great"),)
#: Happiness ratings as an answer-label scale (API filter values great / ok / not-good; webhook "Bad").
LABEL_SCALES = (
    ("rating_3_helpscout", "rating", "en", 3, {
        1: ("Not Good", "not-good", "Bad"), 2: ("Okay", "ok"), 3: ("Great",),
    }),
)


def _detect(h: Header) -> bool:
    return (h.has("conversation number") or h.has("conversation id")) and (
        h.has("mailbox") or h.has("happiness rating") or h.has("customer email"))


CSV = TicketTool(
    name="helpscout_csv", family="helpscout", title="Help Scout conversation export",
    detect_weak=_detect,
    timezone="no offset in the file (unverified); UTC unless timezone= is given",
    columns={
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
    assignee_cols=("Assignee", "Assigned To", "Owner"),
    group_cols=("Mailbox", "Mailbox Name"),
    person_cols=("Customer Name", "Customer", "Name"),
    free_text=("Subject", "Preview", "Rating Comments", "Comments"),
    rating_labels=RATING_LABELS,
)

FORMATS = (CSV,)
