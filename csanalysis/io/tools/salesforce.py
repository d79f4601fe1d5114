"""Salesforce Service Cloud: the case report.

What the export looks like
--------------------------
Reports > a Cases report > Export (details only, CSV or Excel; Data Loader
exports use the API names): one row per case, with ``Case Number``,
``Date/Time Opened``, ``Date/Time Closed``, ``Case Origin``, ``Status``,
``Priority``, ``Contact Name``, ``Web Email``, ``Account Name``, ``Case
Owner`` ... (API names ``CaseNumber``, ``CreatedDate``, ``Origin``,
``SuppliedEmail`` ...). Recognised by ``Case Number`` with ``Date/Time
Opened``, ``Case Origin`` or ``Status``.

Quirks
------
* Report exports may come as UTF-16 text with tabs (Excel's "Unicode
  text"); the text reader handles that like any encoding.
* The agent is the ``Case Owner``. A case owned by a queue names the queue
  there; when the report also has ``OwnerId`` (a queue's starts with ``00G``)
  such cases get no agent (:func:`queue_owned`); without it the queue reads as
  one more agent. The group is a queue or owner-role column where the report
  has one.
* Satisfaction is a custom field (``CSAT``, 1-5).
* Time zone: times are written without an offset; they are read as UTC
  unless ``timezone=`` names the zone the export was made in (the load
  report says which).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._common import find_column
from .base import Header, TicketTool

__all__ = ["TITLE", "CSV", "FORMATS", "queue_owned"]

#: The tool, in words.
TITLE = "Salesforce"


def _detect(h: Header) -> bool:
    return h.has("case number") and (h.has("date/time opened") or h.has("case origin") or h.has("status"))


def queue_owned(data: pd.DataFrame) -> np.ndarray:
    """Cases owned by a queue, not a user: their owner id starts with ``00G`` (a group's key prefix).

    Examples
    --------
    >>> queue_owned(pd.DataFrame({"OwnerId": ["0051t000001AbCd", "00G1t000002XyZ", ""]})).tolist()
    [False, True, False]
    """
    col = find_column(data.columns, "OwnerId", "Owner ID", "Case Owner ID", "Owner.Id")
    if col is None:
        return np.zeros(len(data), dtype=bool)
    ids = data[col].astype("str").where(data[col].notna(), "").str.strip()
    return ids.str.startswith("00G").to_numpy(dtype=bool)


CSV = TicketTool(
    name="salesforce_csv", family="salesforce", title="Salesforce Service Cloud case report",
    detect=_detect,
    timezone="no offset in the file; UTC unless timezone= is given",
    columns={
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
    assignee_cols=("Case Owner", "Case Owner Name", "Owner Name", "Owner.Name", "Owner", "Case Owner Alias",
                   "Owner Alias", "OwnerId"),
    group_cols=("Queue", "Case Queue", "Owner Queue", "Queue Name", "Case Owner Role", "Owner Role", "Owner: Role"),
    queue_owned=queue_owned,
    person_cols=("Contact Name", "Web Name", "SuppliedName", "Contact Phone", "Web Phone"),
    free_text=("Subject", "Description", "Internal Comments"),
)

FORMATS = (CSV,)
