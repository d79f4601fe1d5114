"""Google Forms: the responses sheet (downloaded as CSV, or the linked Google Sheet as .xlsx).

What the export looks like
--------------------------
One header row: ``Timestamp`` (in the form owner's language:
``Tidsstempel``, ``Zeitstempel``, ``Отметка времени`` ...), then one column
per question (its text), and ``Email Address`` when the form collects
e-mail addresses. Recognised by the localised ``Timestamp`` as the first
column.

Quirks
------
* No response id column.
* The first column is always the response time.
* Time zone: the spreadsheet's zone; the CSV download writes it into the
  values (``2024/03/05 9:15:00 AM GMT+1``), else UTC unless ``timezone=``
  says otherwise.
"""

from __future__ import annotations

from .base import Header, SurveyTool

__all__ = ["TITLE", "CSV", "FORMATS", "TIMESTAMP"]

#: The tool, in words.
TITLE = "Google Forms"

#: The first column's name, by locale (case-folded).
TIMESTAMP: frozenset[str] = frozenset({
    "timestamp", "tidsstempel", "zeitstempel", "отметка времени", "tidstämpel", "tijdstempel",
    "horodateur", "marca temporal", "aikaleima", "sygnatura czasowa", "carimbo de data/hora",
    "informazioni cronologiche", "časová značka", "tidsstämpel",
})


def _detect(h: Header) -> int | None:
    low0 = [c.casefold() for c in h.row(0)]
    return 1 if low0[:1] and low0[0] in TIMESTAMP else None


CSV = SurveyTool(
    name="google_forms", family="google_forms", title="Google Forms responses",
    detect=_detect,
    timezone="the spreadsheet's zone, written into the values as GMT+n when at all",
    time_column_first=True,
    response_ids=False, response_id_note="Google Forms CSV exports have none",
)

FORMATS = (CSV,)
