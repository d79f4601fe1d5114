"""Typeform: the responses download (CSV or Excel).

What the export looks like
--------------------------
One header row: ``#`` (the response token), one column per question (its
text), then ``Response Type`` (completed / partial), ``Start Date (UTC)``,
``Submit Date (UTC)`` (older: ``Submitted At``), ``Network ID`` and
``Tags``. Recognised by ``#`` as the first column with a ``Submit Date`` /
``Submitted At`` column.

Quirks
------
* Time zone: UTC, written into the column names (``(UTC)``).
* Partial responses (``Response Type`` = partial) are unfinished and
  excluded by default.
"""

from __future__ import annotations

import re

from .base import Header, SurveyTool

__all__ = ["TITLE", "CSV", "FORMATS", "METADATA", "is_metadata"]

#: The tool, in words.
TITLE = "Typeform"

#: Metadata columns (case-folded); any ``(UTC)`` column is metadata too.
METADATA: frozenset[str] = frozenset({"#", "network id", "tags", "response type"})


def is_metadata(column: str) -> bool:
    """The token, network id, tags, response type and the ``(UTC)`` dates."""
    c = str(column).casefold()
    return c in METADATA or "(utc)" in c


def _detect(h: Header) -> int | None:
    low0 = [c.casefold() for c in h.row(0)]
    if low0[:1] == ["#"] and any(re.match(r"^(submit date|submitted at)", c) for c in low0):
        return 1
    return None


CSV = SurveyTool(
    name="typeform", family="typeform", title="Typeform responses download",
    detect=_detect,
    timezone="UTC, stated in the column names ('Submit Date (UTC)')",
    time_columns=("Submit Date (UTC)", "Submitted At"), time_regex=r"^submit",
    partial_columns=("Response Type",), partial_values=("partial",),
    is_metadata=is_metadata,
)

FORMATS = (CSV,)
