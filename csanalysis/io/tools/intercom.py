"""Intercom: the conversations report.

What the export looks like
--------------------------
The conversations report, exported as CSV: one row per conversation, with
``Conversation ID``, ``Conversation started at (Europe/Copenhagen)``, ``Last
closed at (...)``, ``Started by`` (user / admin / bot ...), ``Channel``,
``Current conversation state``, ``Conversation rating``, ``First response
time (seconds)``, ``User ID``, ``User email``, ``Company name`` ...
Recognised by ``Conversation ID`` with a ``Conversation started at`` column.

Quirks
------
* Time zone: written into the time columns' *names* (``Conversation started
  at (Europe/Copenhagen)``); taken from there unless ``timezone=`` is given.
* ``Started by`` tells who opened the conversation (an admin, teammate, bot
  or workflow means agent-initiated).
* Response times are in seconds.
* ``Teammate currently assigned`` is the assignee (``Last teammate rated`` is
  not); ``Team currently assigned`` the team. Intercom writes
  ``Unassigned`` for neither.
* Ratings are 1-5, the emoji scale Terrible / Bad / OK / Great / Amazing
  (label wording unverified).
"""

from __future__ import annotations

from .base import Header, TicketTool

__all__ = ["TITLE", "CSV", "FORMATS", "LABEL_SCALES", "RATING_LABELS"]

#: The tool, in words.
TITLE = "Intercom"

#: Rating labels (emoji scale), worst to best.
RATING_LABELS: tuple[tuple[str, ...], ...] = (
    ("terrible", "bad (emoji)", "ok", "great", "amazing"),
)
#: Conversation rating emoji, 1-5, as an answer-label scale (label wording unverified, formats.md s.3).
LABEL_SCALES = (
    ("rating_5_intercom", "rating", "en", 5, {
        1: ("Terrible",), 2: ("Bad",), 3: ("OK", "Okay"), 4: ("Great",), 5: ("Amazing",),
    }),
)


def _detect(h: Header) -> bool:
    return h.has("conversation id") and any(c.startswith("conversation started at") for c in h.folded)


CSV = TicketTool(
    name="intercom_csv", family="intercom", title="Intercom conversations report",
    detect=_detect,
    timezone="the zone written in the time columns' names, e.g. 'Conversation started at (Europe/Paris)'",
    columns={
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
    assignee_cols=("Teammate currently assigned", "Teammate assigned"),
    group_cols=("Team currently assigned", "Team assigned"),
    person_cols=("User name", "User Name", "Contact name"),
    free_text=("Conversation rating remark", "First message", "Last message"),
    first_reply_unit="seconds",
    zone_from_header=r"\((.+)\)\s*$",
    rating_labels=RATING_LABELS,
)

FORMATS = (CSV,)
