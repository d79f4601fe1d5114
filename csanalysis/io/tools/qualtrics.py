"""Qualtrics: the response export (CSV / TSV / Excel), current and legacy layouts.

What the export looks like
--------------------------
``qualtrics``
    Data & Analysis > Export & Import > Export data: **three header rows**.
    Row 1 holds the export tags (``StartDate``, ``EndDate``, ``Status``,
    ``IPAddress``, ``Progress``, ``Duration (in seconds)``, ``Finished``,
    ``RecordedDate``, ``ResponseId``, ``RecipientEmail``,
    ``ExternalReference``, ``DistributionChannel``, ``UserLanguage``, then
    ``Q1``, ``Q2_1``, ``Q3_TEXT`` ...), row 2 the question texts, row 3 one
    JSON object per column: ``{"ImportId":"QID2_1"}``, and for dates
    ``{"ImportId":"startDate","timeZone":"America/Denver"}``. Recognised by
    that ImportId row. An analyst who deleted rows 2-3 (or a hand-made
    subset) still has ``ResponseId`` with ``RecordedDate`` / ``StartDate`` /
    ``EndDate`` in row 1: a weak signature, tried after every other tool's.
``qualtrics_legacy``
    The legacy export: row 1 ``V1, V2, ...`` (or export tags), row 2
    ``ResponseID, ResponseSet, ...`` and the question texts.

Quirks
------
* Time zones: row 3 states each date column's zone (``timeZone``); without
  row 3 the zones are not in the file.
* ``Status``: codes 1, 2, 9, 17 are survey previews and tests, 8, 9, 12, 40
  spam (:data:`PREVIEW_CODES`, :data:`SPAM_CODES`); exports with labels
  write the words ("Survey Preview", "Spam", German "Vorschau"). Previews
  and tests are excluded by default, spam always.
* Text entry columns end in ``_TEXT`` (tag or ImportId); display-order
  columns contain ``_DO``. Cells may carry trailing newlines; data rows may
  end in a delimiter the header rows lack.
* SPSS exports of Qualtrics surveys use the same metadata tags
  (:mod:`csanalysis.io.tools.spss`).
"""

from __future__ import annotations

import json
import re

import pandas as pd

from ...errors import ExportError
from .._common import clean_label
from .._text import dedupe_names
from .base import Header, SurveyLayout, SurveyTool

__all__ = ["TITLE", "CURRENT", "LEGACY", "FORMATS", "METADATA", "PREVIEW_CODES", "SPAM_CODES", "TIME_COLUMNS",
           "is_metadata", "layout", "legacy_layout"]

#: The tool, in words.
TITLE = "Qualtrics"

#: Metadata export tags (row 1), case-folded, with the SPSS-sanitised spellings.
METADATA: frozenset[str] = frozenset({
    "startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)", "duration(inseconds)",
    "duration__in_seconds_", "finished", "recordeddate", "responseid", "recipientlastname",
    "recipientfirstname", "recipientemail", "externalreference", "externaldatareference",
    "locationlatitude", "locationlongitude", "locationaccuracy", "distributionchannel",
    "userlanguage", "responseset", "name", "emailaddress", "q_recaptchascore", "q_relevantidduplicate",
    "q_relevantidduplicatescore", "q_relevantidfraudscore", "q_relevantidlaststartdate",
})
#: ``Status`` codes of previews and tests, and of spam.
PREVIEW_CODES: frozenset[int] = frozenset({1, 2, 9, 17})
SPAM_CODES: frozenset[int] = frozenset({8, 9, 12, 40})
#: ``Status`` words of previews and tests (also German), and of spam.
PREVIEW_PATTERN = r"preview|test|vorschau|testlauf"
SPAM_PATTERN = "spam"
#: Where the response time is: when it was recorded, else when it ended.
TIME_COLUMNS: tuple[str, ...] = ("RecordedDate", "Recorded Date", "EndDate", "End Date")
#: The other date columns.
DATE_COLUMNS: tuple[str, ...] = ("StartDate", "EndDate", "RecordedDate")


def is_metadata(column: str) -> bool:
    """A Qualtrics metadata tag (also written with spaces, ``Recipient Email``)."""
    c = str(column).casefold()
    return c in METADATA or c.replace(" ", "") in METADATA


def _is_metadata_current(column: str) -> bool:
    return is_metadata(column) or re.search(r"_DO(_|$)", str(column)) is not None


def _looks_response_id(v: str) -> bool:
    return bool(re.match(r"^(R|FS)_\w+$", v))


def _detect(h: Header) -> int | None:
    """Three header rows when row 3 is the ImportId row."""
    return 3 if any(c.startswith('{"ImportId"') for c in h.row(2)) else None


def _detect_without_import_ids(h: Header) -> int | None:
    """``ResponseId`` and a date tag in row 1, the ImportId row gone: row 2 kept if it is not data."""
    low0 = [c.casefold() for c in h.row(0)]
    if not ("responseid" in low0 and ({"recordeddate", "enddate", "startdate"} & set(low0))):
        return None
    j = low0.index("responseid")
    r1 = h.row(1)
    if len(r1) > j and r1[j] and not _looks_response_id(r1[j]):
        return 2
    return 1


def _forced(h: Header, path: str) -> int:
    raise ExportError(path, "source='qualtrics' was given, but the file has neither the ImportId row "
                      "(row 3) nor a ResponseId column", line=1,
                      expected="a Qualtrics CSV/TSV/.xlsx export, or source='auto' / 'generic'")


def layout(path: str, data: pd.DataFrame, headers: list[list[str]]) -> SurveyLayout:
    """Tags (row 1), question texts (row 2), ImportId JSON with time zones (row 3)."""
    tags = list(data.columns)
    texts = {}
    zones: dict[str, str] = {}
    imports: dict[str, str] = {}
    free: set[str] = set()
    row2 = headers[1] if len(headers) > 1 else tags
    row3 = headers[2] if len(headers) > 2 else [""] * len(tags)
    bad_json = 0
    for tag, text, js in zip(tags, row2, row3):
        texts[tag] = clean_label(text) or tag
        if js.startswith("{"):
            try:
                meta = json.loads(js)
            except ValueError:
                bad_json += 1
                continue
            imp = str(meta.get("ImportId", ""))
            imports[tag] = imp
            if meta.get("timeZone"):
                zones[tag] = str(meta["timeZone"])
            if re.search(r"_TEXT($|_)", imp):
                free.add(tag)
        if re.search(r"_TEXT$", tag):
            free.add(tag)
    notes = []
    if bad_json:
        notes.append(f"{bad_json} ImportId cell(s) in row 3 are not valid JSON; ignored")
    if len(headers) < 3:
        notes.append(f"Qualtrics export without its ImportId row ({len(headers)} header row(s)); "
                     "time zones of the date columns are not stated in the file")
    return SurveyLayout(data, texts, len(headers), notes=notes, zones=zones, import_ids=imports, free_text=free)


CURRENT = SurveyTool(
    name="qualtrics", family="qualtrics", title="Qualtrics response export",
    detect=_detect, detect_weak=_detect_without_import_ids, forced=_forced, layout=layout,
    timezone="stated per date column in row 3 (ImportId JSON, 'timeZone'); not in the file without row 3",
    time_columns=TIME_COLUMNS, date_columns=DATE_COLUMNS,
    status_columns=("Status",), preview_codes=PREVIEW_CODES, spam_codes=SPAM_CODES,
    preview_pattern=PREVIEW_PATTERN, spam_pattern=SPAM_PATTERN,
    is_metadata=_is_metadata_current,
)


# -- legacy ---------------------------------------------------------------------------------------
def _detect_legacy(h: Header) -> int | None:
    r0, r1 = h.row(0), h.row(1)
    legacy = len(r0) >= 2 and r0[0] == "V1" and r0[1] == "V2" and any(c.casefold() == "responseid" for c in r1)
    return 2 if legacy else None


def _forced_legacy(h: Header, path: str) -> int:
    if any(c.casefold() == "responseid" for c in h.row(0)):
        return 1
    raise ExportError(path, "source='qualtrics_legacy' was given, but neither row 1 (V1, V2, ...) nor "
                      "row 2 (ResponseID, ...) of a legacy Qualtrics export was found", line=1,
                      expected="a legacy Qualtrics export, or source='auto'")


def legacy_layout(path: str, data: pd.DataFrame, headers: list[list[str]]) -> SurveyLayout:
    """``V1, V2, ...`` in row 1 are replaced by the names in row 2."""
    row1 = headers[0]
    row2 = headers[1] if len(headers) > 1 else row1
    names = []
    texts = {}
    for tag, text in zip(row1, row2):
        name = text if re.fullmatch(r"V\d+", tag) and text else tag
        names.append(name)
    names = dedupe_names(names)
    for name, text in zip(names, row2):
        texts[name] = clean_label(text) or name
    data = data.set_axis(names, axis=1)
    return SurveyLayout(data, texts, len(headers))


LEGACY = SurveyTool(
    name="qualtrics_legacy", family="qualtrics", title="legacy Qualtrics response export",
    detect=_detect_legacy, forced=_forced_legacy, layout=legacy_layout,
    timezone="not stated in the file",
    time_columns=TIME_COLUMNS,
    status_columns=("Status",), preview_codes=PREVIEW_CODES, spam_codes=SPAM_CODES,
    preview_pattern=PREVIEW_PATTERN, spam_pattern=SPAM_PATTERN,
    is_metadata=is_metadata,
)

FORMATS = (CURRENT, LEGACY)
