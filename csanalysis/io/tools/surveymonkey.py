"""SurveyMonkey: the response export ("All individual responses", CSV or Excel).

What the export looks like
--------------------------
**Two header rows.** Row 1: ``Respondent ID``, ``Collector ID``, ``Start
Date``, ``End Date``, ``IP Address``, ``Email Address``, ``First Name``,
``Last Name``, ``Custom Data 1``, then one cell per question, written once
above all its columns. Row 2: empty above the metadata, and under each
question its parts: ``Response``, ``Open-Ended Response``, the choices of a
checkbox question, the rows of a matrix. Recognised by ``Respondent ID``,
``Collector ID`` as the first two columns (also the API's
``respondent_id``, ``collector_id``).

Quirks
------
* A question spans several columns: each column is named ``question -
  part``, or just ``question`` for its single ``Response``; a checkbox
  choice that only holds its own label (or 1) is named ``question [choice]``
  (so that a choice "Email" is not mistaken for a person's e-mail).
* ``Open-Ended Response`` and "please specify" columns are free text.
* Time zone: times are written without an offset; they are read as UTC
  unless ``timezone=`` names the zone the export was made in (the load
  report says which).
"""

from __future__ import annotations

import pandas as pd

from ...privacy import is_personal_column
from .._text import dedupe_names
from .base import Header, SurveyLayout, SurveyTool, one_header_layout

__all__ = ["TITLE", "CSV", "FORMATS", "METADATA", "layout"]

#: The tool, in words.
TITLE = "SurveyMonkey"

#: Metadata columns (case-folded).
METADATA: frozenset[str] = frozenset({
    "respondent id", "collector id", "start date", "end date", "ip address", "email address", "first name",
    "last name", "custom data 1", "custom data",
})


def _detect(h: Header) -> int | None:
    low0 = [c.casefold() for c in h.row(0)]
    if low0[:2] in (["respondent id", "collector id"], ["respondent_id", "collector_id"]):
        r1 = h.row(1)
        return 2 if len(r1) >= 2 and r1[0] == "" and r1[1] == "" else 1
    return None


def _forced(h: Header, path: str) -> int:
    r1 = h.row(1)
    two = len(r1) > 1 and r1[0] == "" and any(c in ("Response", "Open-Ended Response") for c in r1)
    return 2 if two else 1


def layout(path: str, data: pd.DataFrame, headers: list[list[str]]) -> SurveyLayout:
    """Question (row 1, written once above its columns) and part (row 2) -> one name per column."""
    if len(headers) < 2:
        return one_header_layout(path, data, headers)
    row1, row2 = headers[0], headers[1]
    names, texts, free = [], {}, set()
    question = ""
    in_questions = False
    for h1, h2 in zip(row1, row2):
        if h1:
            question = h1
            in_questions = in_questions or bool(h2)
        sub = h2
        if not h1 and not in_questions:
            name = f"column {len(names) + 1}"
        elif sub.casefold() in ("", "response", "open-ended response", "respuesta", "antwort", "svar"):
            name = question
        else:
            name = f"{question} - {sub}"
            if is_personal_column(name) and not is_personal_column(question):
                # a checkbox choice ("Email", "Phone") holds its own label or 1, not a person's data
                v = data.iloc[:, len(names)].dropna().astype(str).str.strip()
                v = v[v != ""]
                if len(v) == 0 or v.isin([sub, "1"]).all():
                    name = f"{question} [{sub}]"
        names.append(name)
        if sub.casefold() in ("open-ended response", "respuesta abierta") or "specify" in sub.casefold() \
                or "especifique" in sub.casefold():
            free.add(len(names) - 1)
    names = dedupe_names(names)
    for name, h2 in zip(names, row2):
        texts[name] = name
    data = data.set_axis(names, axis=1)
    return SurveyLayout(data, texts, 2, free_text={names[i] for i in free})


CSV = SurveyTool(
    name="surveymonkey", family="surveymonkey", title="SurveyMonkey response export",
    detect=_detect, forced=_forced, layout=layout,
    timezone="no zone in the file",
    time_columns=("End Date", "date_modified"),  # never the start: a response is timed when it ended
    date_columns=("Start Date", "End Date", "date_created", "date_modified"),
    is_metadata=lambda column: str(column).casefold() in METADATA,
)

FORMATS = (CSV,)
