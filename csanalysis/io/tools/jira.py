"""Jira Service Management: the issue export.

What the export looks like
--------------------------
Filters > Export > CSV (all fields): one row per issue (request), with
``Issue key``, ``Issue id``, ``Summary``, ``Status``, ``Priority``,
``Created``, ``Resolved``, ``Reporter``, ``Assignee`` and custom fields
written ``Custom field (Request channel)``, ``Custom field
(Satisfaction)``, ``Custom field (Organizations)`` ... Recognised by
``Issue key`` with ``Created`` or ``Issue id``.

Quirks
------
* Custom fields carry the ``Custom field (...)`` prefix; the request
  channel and satisfaction (1-5) are custom fields.
* ``Assignee`` is the agent (``Creator`` may be the customer); the group is a
  team custom field where the site has one, else the first ``Component/s``.
* Time zone: times are written without an offset; they are read as UTC
  unless ``timezone=`` names the zone the export was made in (the load
  report says which).
"""

from __future__ import annotations

from .base import Header, TicketTool

__all__ = ["TITLE", "CSV", "FORMATS"]

#: The tool, in words.
TITLE = "Jira"


def _detect(h: Header) -> bool:
    return h.has("issue key") and (h.has("created") or h.has("issue id"))


CSV = TicketTool(
    name="jira_csv", family="jira", title="Jira Service Management CSV export",
    detect=_detect,
    timezone="no offset in the file; UTC unless timezone= is given",
    columns={
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
    assignee_cols=("Assignee", "Assignee Id"),
    # a team field where the site has one; the (first) component only when there is none
    group_cols=("Custom field (Team)", "Team", "Custom field (Assignment group)", "Custom field (Assigned group)",
                "Custom field (Support group)", "Component/s", "Components"),
    person_cols=("Reporter", "Watchers", "Comment"),
    free_text=("Summary", "Description"),
)

FORMATS = (CSV,)
