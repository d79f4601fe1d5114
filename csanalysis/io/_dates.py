"""Parsing the timestamps of exports into UTC, deciding the date order from the data.

Rules
-----
* ISO-like values (``2024-03-05 14:03:22``, ``...Z``, ``... +0100``) parse directly.
* Numeric day/month values (``05/03/2024``, ``5-3-24 1:30 PM``) are day-first or
  month-first for the whole column, decided from the data: a first field above
  12 means day-first, a second field above 12 means month-first. When nothing
  decides it, ``dayfirst=`` must be given, except for dotted dates
  (``05.03.2024``), which no locale writes month-first; the load report says
  which rule was used. Never decided per cell.
* Values without an offset are in ``timezone`` (an IANA name); the report says
  which zone was assumed. Values with an offset are converted exactly.
* Compact dates (``20240305``, ``20240305143000``, ``20240305T1430``) are year,
  month, day.
* A time-zone abbreviation after the time (Google Forms'
  ``2018/04/09 2:30:02 PM MDT``) is read with the offset of
  :data:`TZ_ABBREVIATIONS`; an abbreviation with several meanings in use
  (:data:`AMBIGUOUS_TZ_ABBREVIATIONS`: ``IST``, ``CST`` ...) or one not in the
  table is refused with an error naming ``tz_abbreviations=``, the readers'
  parameter mapping an abbreviation to an IANA zone or a UTC offset
  (``{"IST": "Asia/Kolkata"}``, ``{"CST": "-06:00"}``).
* A date outside :data:`DATE_RANGE` (``9999-12-31``, ``0202-03-05``) is no
  date: ``out_of_range`` marks it (and ``invalid`` too), so that the reader
  rejects that row with its reason; the file still loads.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import CsanalysisError, ExportError
from ._block_state import current as current_block

__all__ = ["ParsedTimes", "parse_timestamps", "infer_dayfirst", "TZ_ABBREVIATIONS", "AMBIGUOUS_TZ_ABBREVIATIONS",
           "DATE_RANGE", "check_timezone", "check_tz_abbreviations", "tz_abbreviations_in_effect", "value_shape"]

#: Timestamps outside this range (UTC, end exclusive) are no dates: typos (``0202-03-05``), "never"
#: sentinels (``9999-12-31``), Excel's zero dates (``1899-12-30``). Their rows are rejected.
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2100-01-01"))

#: Time-zone abbreviations read without being told: each has one meaning in common use.
#: Abbreviation -> (minutes east of UTC, what it stands for).
TZ_ABBREVIATIONS: dict[str, tuple[int, str]] = {
    "UTC": (0, "Coordinated Universal Time"), "GMT": (0, "Greenwich Mean Time"), "UT": (0, "Universal Time"),
    "WET": (0, "Western European Time"), "WEST": (60, "Western European Summer Time"),
    "CET": (60, "Central European Time"), "CEST": (120, "Central European Summer Time"),
    "MET": (60, "Middle European Time"), "MEST": (120, "Middle European Summer Time"),
    "EET": (120, "Eastern European Time"), "EEST": (180, "Eastern European Summer Time"),
    "MSK": (180, "Moscow Time"),
    "EST": (-300, "Eastern Standard Time (North America)"), "EDT": (-240, "Eastern Daylight Time"),
    "MST": (-420, "Mountain Standard Time"), "MDT": (-360, "Mountain Daylight Time"),
    "PST": (-480, "Pacific Standard Time"), "PDT": (-420, "Pacific Daylight Time"),
    "AKST": (-540, "Alaska Standard Time"), "AKDT": (-480, "Alaska Daylight Time"),
    "HST": (-600, "Hawaii Standard Time"), "HDT": (-540, "Hawaii-Aleutian Daylight Time"),
    "ADT": (-180, "Atlantic Daylight Time"), "NST": (-210, "Newfoundland Standard Time"),
    "NDT": (-150, "Newfoundland Daylight Time"),
    "BRT": (-180, "Brasília Time"), "ART": (-180, "Argentina Time"),
    "WAT": (60, "West Africa Time"), "CAT": (120, "Central Africa Time"), "EAT": (180, "East Africa Time"),
    "SAST": (120, "South Africa Standard Time"),
    "PKT": (300, "Pakistan Standard Time"), "NPT": (345, "Nepal Time"), "ICT": (420, "Indochina Time"),
    "WIB": (420, "Western Indonesia Time"), "WITA": (480, "Central Indonesia Time"),
    "WIT": (540, "Eastern Indonesia Time"), "HKT": (480, "Hong Kong Time"), "SGT": (480, "Singapore Time"),
    "PHT": (480, "Philippine Time"), "AWST": (480, "Australian Western Standard Time"),
    "JST": (540, "Japan Standard Time"), "KST": (540, "Korea Standard Time"),
    "ACST": (570, "Australian Central Standard Time"), "ACDT": (630, "Australian Central Daylight Time"),
    "AEST": (600, "Australian Eastern Standard Time"), "AEDT": (660, "Australian Eastern Daylight Time"),
    "NZST": (720, "New Zealand Standard Time"), "NZDT": (780, "New Zealand Daylight Time"),
}
#: Abbreviations with several meanings in use: refused unless ``tz_abbreviations=`` says which.
AMBIGUOUS_TZ_ABBREVIATIONS: dict[str, str] = {
    "IST": "India +05:30, Irish Standard Time +01:00 or Israel +02:00",
    "CST": "US Central -06:00, China +08:00 or Cuba -05:00",
    "CDT": "US Central Daylight -05:00 or Cuba Daylight -04:00",
    "BST": "British Summer Time +01:00 or Bangladesh +06:00",
    "AST": "Atlantic -04:00 or Arabia +03:00",
    "SST": "Samoa -11:00 or Singapore +08:00",
    "GST": "Gulf +04:00 or South Georgia -02:00",
    "ECT": "Ecuador -05:00 or Eastern Caribbean -04:00",
}
# words after a time that are no zone
_NOT_ZONES = frozenset({"AM", "PM", "Z", "T"})
_ABBR_TAIL = r"\s([A-Z]{2,5})$"
_OFFSET_TEXT = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_ABBREVIATIONS: contextvars.ContextVar[Mapping | None] = contextvars.ContextVar("tz_abbreviations", default=None)


@functools.lru_cache(maxsize=256)
def _zone_exists(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, OSError, LookupError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def check_timezone(timezone: str | None, path: str | None = None, *, what: str = "given as timezone=") -> None:
    """Raise :class:`~csanalysis.errors.ExportError` unless ``timezone`` is None or an IANA zone name."""
    if timezone is None:
        return
    if not isinstance(timezone, str) or not timezone.strip() or not _zone_exists(timezone):
        raise ExportError(path, f"the time zone {str(timezone)[:60]!r} ({what}, or stated in the file) is no time "
                          "zone csanalysis knows", kind="unknown_timezone",
                          expected="an IANA zone name such as 'Europe/Copenhagen', 'America/New_York' or 'UTC'")


def check_tz_abbreviations(mapping: Mapping | None) -> dict[str, tuple[str, object]]:
    """Validate ``tz_abbreviations=``: abbreviation -> ``("offset", minutes)`` or ``("zone", name)``.

    Values are IANA zone names (``"Asia/Kolkata"``) or UTC offsets
    (``"+05:30"``, ``"-0600"``, ``"UTC+5:30"``, ``"GMT-6"``).

    Examples
    --------
    >>> check_tz_abbreviations({"ist": "+05:30", "CST": "America/Chicago"})
    {'IST': ('offset', 330), 'CST': ('zone', 'America/Chicago')}
    """
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise CsanalysisError("tz_abbreviations= must be a mapping of abbreviation -> IANA zone or UTC offset, "
                              "e.g. {'IST': 'Asia/Kolkata'}")
    out: dict[str, tuple[str, object]] = {}
    for abbr, value in mapping.items():
        key = str(abbr).strip().upper()
        if not re.fullmatch(r"[A-Z]{1,6}", key):
            raise CsanalysisError(f"tz_abbreviations= key {abbr!r} is not a time-zone abbreviation (letters only)")
        text = str(value).strip()
        m = _OFFSET_TEXT.match(text.upper())
        if m:
            minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
            if minutes > 14 * 60:
                raise CsanalysisError(f"tz_abbreviations= gives {abbr!r} an offset beyond 14 hours")
            out[key] = ("offset", -minutes if m.group(1) == "-" else minutes)
        elif _zone_exists(text):
            out[key] = ("zone", text)
        else:
            raise CsanalysisError(f"tz_abbreviations= maps {abbr!r} to neither an IANA zone name nor a UTC offset; "
                                  "expected e.g. 'Asia/Kolkata' or '+05:30'")
    return out


@contextlib.contextmanager
def tz_abbreviations_in_effect(mapping: Mapping | None):
    """Within the block, :func:`parse_timestamps` reads abbreviations with ``mapping`` (a reader's parameter)."""
    token = _ABBREVIATIONS.set(check_tz_abbreviations(mapping))
    try:
        yield
    finally:
        _ABBREVIATIONS.reset(token)


def value_shape(value: object, limit: int = 40) -> str:
    """A cell's shape without its content, for messages: digits as 9, letters as a/A.

    Examples
    --------
    >>> value_shape("2018/04/09 2:30:02 PM MDT")
    "'9999/99/99 9:99:99 AA AAA'"
    """
    s = re.sub(r"[^\W\d_]", lambda m: "A" if m.group().isupper() else "a", re.sub(r"\d", "9", str(value)))
    return repr(s[:limit] + ("..." if len(s) > limit else ""))

_ISO = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?$"
)
_NUM = (
    r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})[./-](?P<y>\d{2}|\d{4}),?"
    r"(?:[ T]+(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?$"
)
_YMD_SLASH = (
    r"^(?P<y>\d{4})[/.](?P<a>\d{1,2})[/.](?P<b>\d{1,2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?$"
)
#: ``20240305``, ``20240305143000``, ``20240305T1430`` (a plausible year, month and day).
_COMPACT = (
    r"^(?P<y>(?:19|20)[0-9]{2})(?P<a>0[1-9]|1[0-2])(?P<b>0[1-9]|[12][0-9]|3[01])"
    r"(?:T?(?P<H>[01][0-9]|2[0-3])(?P<M>[0-5][0-9])(?P<S>[0-5][0-9])?)?(?P<ampm>)$"
)
_MON = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTHNAME = (
    r"^(?P<d>\d{1,2})[/ -](?P<mon>[A-Za-z]{3})[a-z]*\.?[/ -](?P<y>\d{2}|\d{4})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?$"
)


@dataclass
class ParsedTimes:
    """UTC timestamps plus what was decided on the way."""

    values: pd.Series
    invalid: np.ndarray
    date_order: str
    timezone: str | None
    notes: list[str]
    #: Dates outside :data:`DATE_RANGE` (also marked ``invalid``).
    out_of_range: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        if len(self.out_of_range) != len(self.invalid):
            self.out_of_range = np.zeros(len(self.invalid), dtype=bool)


def _tz_offset_minutes(tz: pd.Series) -> pd.Series:
    """Offsets like Z, UTC, GMT+3, +0100, -05:00 -> minutes east of UTC (NaN when absent)."""
    tz = tz.astype("str")
    t = tz.fillna("").str.upper().str.replace("UTC", "Z").str.replace("GMT", "")
    sign = np.where(t.str.startswith("-"), -1.0, 1.0)
    body = t.str.lstrip("+-").str.replace(":", "")
    hours = pd.to_numeric(body.str[:-2].where(body.str.len() > 2, body), errors="coerce")
    mins = pd.to_numeric(body.str[-2:].where(body.str.len() > 2, "0"), errors="coerce")
    out = sign * (hours.fillna(0) * 60 + mins.fillna(0))
    present = (tz.fillna("") != "").to_numpy()
    return pd.Series(np.where(present, out, np.nan), index=tz.index)


def _localise(naive: pd.Series, offset_min: pd.Series, timezone: str | None,
              zones: pd.Series | None = None) -> tuple[pd.Series, bool]:
    """Naive wall times + optional offset -> UTC. Returns (values, used_timezone).

    ``zones`` gives rows their own IANA zone (an abbreviation mapped to a zone
    by ``tz_abbreviations=``); other rows without an offset are in ``timezone``.
    """
    naive = naive.astype("datetime64[ns]")  # in range (checked by the caller)
    has_off = offset_min.notna().to_numpy()
    out = pd.Series(pd.NaT, index=naive.index, dtype="datetime64[ns, UTC]")
    used_tz = False
    if has_off.any():
        shifted = naive[has_off] - pd.to_timedelta(offset_min[has_off], unit="min")
        out[has_off] = shifted.dt.tz_localize("UTC")
    rest = ~has_off & naive.notna().to_numpy()
    own = np.zeros(len(naive), dtype=bool) if zones is None else zones.notna().to_numpy()
    for zone in ([] if zones is None else pd.unique(zones[own & rest])):
        rows = rest & (zones == zone).to_numpy()
        loc = naive[rows].dt.tz_localize(zone, ambiguous=np.zeros(int(rows.sum()), dtype=bool),
                                         nonexistent="shift_forward")
        out[rows] = loc.dt.tz_convert("UTC")
    rest &= ~own
    if rest.any():
        used_tz = True
        tz = timezone or "UTC"
        loc = naive[rest].dt.tz_localize(tz, ambiguous=np.zeros(int(rest.sum()), dtype=bool),
                                          nonexistent="shift_forward")
        out[rest] = loc.dt.tz_convert("UTC")
    return out, used_tz


def _in_range(naive: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(naive times with those outside :data:`DATE_RANGE` set to NaT, mask of those)."""
    lo, hi = DATE_RANGE
    arr = naive.to_numpy()
    outside = (arr < np.datetime64(lo)) | (arr >= np.datetime64(hi))  # NaT compares False
    if outside.any():
        naive = naive.mask(outside)
    return naive, outside


def _abbreviations(nonempty: pd.Series, path: str | None, column: str,
                   given: Mapping | None) -> tuple[pd.Series, pd.Series | None, list[str]]:
    """Time-zone abbreviations after the times -> offsets in the text, or per-row zones.

    Returns ``(values, zones or None, notes)``: an abbreviation with a fixed
    offset is replaced by that offset (``MDT`` -> ``-06:00``); one mapped to an
    IANA zone by ``tz_abbreviations=`` is removed and its rows get that zone.
    """
    if not nonempty.str.contains("[A-Z]$", regex=True).any():  # letters at the end: the only case with work
        return nonempty, None, []
    abbr = nonempty.str.extract(_ABBR_TAIL, expand=False)
    abbr = abbr.where(~abbr.isin(list(_NOT_ZONES)))
    if abbr.isna().all():
        return nonempty, None, []
    user = check_tz_abbreviations(given) if given is not None else (_ABBREVIATIONS.get() or {})
    notes: list[str] = []
    out = nonempty.copy()
    zones = pd.Series(np.nan, index=nonempty.index, dtype="object")
    used_zones = False
    for a in sorted(abbr.dropna().unique()):
        rows = (abbr == a).to_numpy()
        if a in user:
            how, v = user[a]
            src = "as tz_abbreviations= says"
        elif a in ("UTC", "GMT", "UT"):
            continue  # the date patterns read these themselves
        elif a in TZ_ABBREVIATIONS:
            how, v = "offset", TZ_ABBREVIATIONS[a][0]
            src = TZ_ABBREVIATIONS[a][1]
        elif a in AMBIGUOUS_TZ_ABBREVIATIONS:
            raise ExportError(path, f"the timestamps of column {column!r} end in the time-zone abbreviation {a!r}, "
                              f"which has several meanings ({AMBIGUOUS_TZ_ABBREVIATIONS[a]})", column=column,
                              kind="ambiguous_tz_abbreviation",
                              expected=f"tz_abbreviations={{{a!r}: <IANA zone or UTC offset>}}, "
                              f"e.g. tz_abbreviations={{{a!r}: 'Asia/Kolkata'}} or {{{a!r}: '+05:30'}}")
        else:
            raise ExportError(path, f"the timestamps of column {column!r} end in {a!r}, which is no time-zone "
                              "abbreviation csanalysis knows", column=column, kind="unknown_tz_abbreviation",
                              expected=f"tz_abbreviations={{{a!r}: <IANA zone or UTC offset>}} "
                              "(e.g. 'Europe/Berlin' or '+01:00')")
        body = out[rows].str.replace(_ABBR_TAIL, "", regex=True)
        if how == "offset":
            sign = "-" if v < 0 else "+"
            out[rows] = body + f" {sign}{abs(v) // 60:02d}:{abs(v) % 60:02d}"
            notes.append(f"{column}: time-zone abbreviation {a} read as UTC{sign}{abs(v) // 60:02d}:{abs(v) % 60:02d} "
                         f"({src})")
        else:
            out[rows] = body
            zones[rows] = v
            used_zones = True
            notes.append(f"{column}: time-zone abbreviation {a} read as zone {v} ({src})")
    return out, (zones if used_zones else None), notes


def _hms(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    H = pd.to_numeric(parts["H"], errors="coerce").fillna(0)
    M = pd.to_numeric(parts["M"], errors="coerce").fillna(0)
    S = pd.to_numeric(parts["S"], errors="coerce").fillna(0)
    ampm = parts["ampm"].fillna("").str.upper().str.replace(".", "", regex=False)
    H = H.where(~((ampm == "PM") & (H < 12)), H + 12)
    H = H.where(~((ampm == "AM") & (H == 12)), 0)
    return H, M, S


def _assemble(y, m, d, H, M, S) -> pd.Series:
    y = y.where(y >= 100, y + 2000)
    frame = pd.DataFrame({"year": y, "month": m, "day": d, "hour": H, "minute": M, "second": S})
    return pd.to_datetime(frame, errors="coerce")


def _first_distinct(s: pd.Series, n: int) -> pd.Series:
    """``s.drop_duplicates().head(n)``, looking only at as long a prefix of ``s`` as needed."""
    k = 4 * n
    while k < len(s):
        head = s.iloc[:k].drop_duplicates()
        if len(head) >= n:
            return head.head(n)
        k *= 4
    return s.drop_duplicates().head(n)


_ISO_SECONDS = "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"
#: A stripped value that is no timestamp but an empty cell (matched without a lower-cased copy of the column).
_EMPTY = "(?i)(?:|nan|nat|none|null|-)"


#: Byte positions of the digits of ``YYYY-MM-DD HH:MM:SS`` and of a ``" +HHMM"`` offset after it.
_ISO_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_OFFSET_DIGITS = np.array([21, 22, 23, 24])


#: Rows read at a time by :func:`_fixed_width_bytes` (its temporaries stay a few MB, whatever the column's length).
_TIME_TILE = 1 << 18


def _fixed_width_tile(b: np.ndarray) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Microseconds since 1970 (and offset minutes, for 25-byte rows) of a matrix of fixed-width time bytes, or
    None when any row is not a valid ``YYYY-MM-DD[ T]HH:MM:SS[ +HHMM]``."""
    width = b.shape[1]
    d = b[:, _ISO_DIGITS] - np.uint8(48)  # one byte per digit (a byte below '0' wraps above 9)
    ok = ((b[:, 4] == 45) & (b[:, 7] == 45) & ((b[:, 10] == 32) | (b[:, 10] == 84))
          & (b[:, 13] == 58) & (b[:, 16] == 58))  # - - (space or T) : :
    if width == 25:
        od = b[:, _OFFSET_DIGITS] - np.uint8(48)
        ok &= (b[:, 19] == 32) & ((b[:, 20] == 43) | (b[:, 20] == 45)) & (od <= 9).all(axis=1)
    if not (ok.all() and (d <= 9).all()):
        return None

    def num(*cols: int) -> np.ndarray:
        out = np.zeros(len(d), dtype=np.int64)
        for c in cols:
            out *= 10
            out += d[:, c]
        return out

    year, month, day = num(0, 1, 2, 3), num(4, 5), num(6, 7)
    hour, minute, second = num(8, 9), num(10, 11), num(12, 13)
    if not ((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59)
            & (second <= 59)).all():
        return None
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1).astype("timedelta64[M]")
    start = first.astype("datetime64[D]")
    if not (day <= ((first + np.timedelta64(1, "M")).astype("datetime64[D]") - start).astype(np.int64)).all():
        return None
    us = (start + (day - 1).astype("timedelta64[D]")).astype("datetime64[s]").astype(np.int64)
    us += hour * 3600 + minute * 60 + second
    us *= 1_000_000
    if width == 19:
        return us, None
    od = od.astype(np.int64)
    minutes = (od[:, 0] * 10 + od[:, 1]) * 60.0 + (od[:, 2] * 10 + od[:, 3])
    return us, np.where(b[:, 20] == 45, -1.0, 1.0) * minutes


def _fixed_width_bytes(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """:func:`_fixed_width_iso` read from the Arrow bytes themselves, or None to take the text route.

    When every value is 19 (or every value 25) bytes long, the column's text is
    a matrix of bytes: the layout is checked and the fields are read by
    column of that matrix, without a regular expression or a parser, tile by
    tile. Only values that are valid times (month 1-12, a day of that month,
    hour 0-23, minute and second 0-59) are read this way; a column with any
    other value returns None, and the text route gives its values as before
    (``60`` seconds roll over there, ``24:00`` is NaT).
    """
    import pyarrow as pa

    try:
        arr = s.array._pa_array
    except AttributeError:
        return None
    n = len(s)
    if not isinstance(arr, pa.ChunkedArray) or not pa.types.is_large_string(arr.type) or arr.null_count or n == 0:
        return None
    us = np.empty(n, dtype=np.int64)
    minutes = None
    width = None
    at = 0
    for chunk in arr.chunks:
        k = len(chunk)
        if k == 0:
            continue
        off = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + k + 1]
        w = int(off[1] - off[0])
        if (w not in (19, 25) or (width is not None and w != width) or int(off[-1] - off[0]) != w * k
                or not (np.diff(off) == w).all()):
            return None
        width = w
        if w == 25 and minutes is None:
            minutes = np.empty(n, dtype=np.float64)
        b = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[off[0]:off[-1]].reshape(k, w)
        for i in range(0, k, _TIME_TILE):
            got = _fixed_width_tile(b[i:i + _TIME_TILE])
            if got is None:
                return None
            j = at + i + len(got[0])
            us[at + i:j] = got[0]
            if got[1] is not None:
                minutes[at + i:j] = got[1]
        at += k
    naive = pd.Series(us.view("datetime64[us]"), index=s.index, name=s.name, copy=False)
    return naive, pd.Series(np.nan if minutes is None else minutes, index=s.index)


def _fixed_width_iso(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """``YYYY-MM-DD HH:MM:SS`` (Zendesk) or ``YYYY-MM-DD HH:MM:SS +HHMM`` (Shopify) in every row.

    Returns (naive times, offset minutes or NaN) read by position, or None when
    the column has any other layout (the general ISO branch reads it then). The
    patterns avoid ``\\d``/``\\s`` so that they run in pyarrow, not per cell in Python.
    A column of valid times, each value the same number of bytes, is read from its
    bytes (:func:`_fixed_width_bytes`), to the same values.
    """
    s = s.astype("str")
    fast = _fixed_width_bytes(s)
    if fast is not None:
        return fast
    if s.str.fullmatch(_ISO_SECONDS, na=False).all():
        off = pd.Series(np.nan, index=s.index)
    elif s.str.fullmatch(_ISO_SECONDS + " [+-][0-9]{4}", na=False).all():
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)

        def digits(a: int, b: int) -> np.ndarray:  # the digits were checked above
            return pc.cast(pc.utf8_slice_codeunits(arr, a, b), pa.float64()).to_numpy(zero_copy_only=False)

        sign = np.where((s.str.slice(20, 21) == "-").to_numpy(dtype=bool), -1.0, 1.0)
        off = pd.Series(sign * (digits(21, 23) * 60 + digits(23, 25)), index=s.index)
    else:
        return None
    body = s.str.slice(0, 19)
    if body.str.contains("T", regex=False).any():
        body = body.str.replace("T", " ", regex=False)
    naive = pd.to_datetime(body, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    return naive, off


def infer_dayfirst(*columns: pd.Series) -> bool | None:
    """The day/month order the numeric dates of several columns agree on, or None.

    A file has one date order; a column without a day above 12 takes the order
    another column of the same file reveals. Returns None when no column
    decides it (or no column holds numeric day/month dates).

    Examples
    --------
    >>> infer_dayfirst(pd.Series(["1/6/2024 9:00 AM"]), pd.Series(["1/15/2024 3:04 PM"]))
    False
    """
    for values in columns:
        s = values.astype("str").where(values.notna(), "").str.strip()
        s = s[s != ""]
        if s.empty:
            continue
        if s.str.match("[0-9]{4}-", na=False).all():  # ISO dates cannot match _NUM (1-2 digits first)
            continue
        parts = s.drop_duplicates().head(20000).str.extract(_NUM)
        a = pd.to_numeric(parts["a"], errors="coerce")
        b = pd.to_numeric(parts["b"], errors="coerce")
        a_day, b_day = bool((a > 12).any()), bool((b > 12).any())
        if a_day != b_day:
            return a_day
    return None


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    path: str | None = None,
    dayfirst: bool | None = None,
    timezone: str | None = None,
    tz_abbreviations: Mapping[str, str] | None = None,
) -> ParsedTimes:
    """Parse a column of timestamps to UTC.

    Parameters
    ----------
    values : Series of str
    column : str
        Column name, for messages.
    path : str, optional
        File name, for messages.
    dayfirst : bool, optional
        Day/month order when the data cannot decide it.
    timezone : str, optional
        IANA zone of values without an offset (UTC when not given; the notes say so).
    tz_abbreviations : mapping, optional
        Time-zone abbreviation -> IANA zone or UTC offset, for abbreviations
        :data:`TZ_ABBREVIATIONS` does not read (default: what the calling
        reader was given, see :func:`tz_abbreviations_in_effect`).

    Returns
    -------
    ParsedTimes
        ``invalid`` marks non-empty values that are not timestamps, or are
        outside :data:`DATE_RANGE` (``out_of_range``).

    Raises
    ------
    ExportError
        When the column is no date column at all, its date order cannot be
        decided, ``timezone`` is no zone, or a time-zone abbreviation is
        ambiguous or unknown. Messages show a value's shape, never the value.

    Examples
    --------
    >>> s = pd.Series(["25/01/2025 1:30", "03/02/2025 14:00", ""])
    >>> p = parse_timestamps(s, column="Created time", timezone="Europe/London")
    >>> p.date_order, str(p.values[0])
    ('dayfirst', '2025-01-25 01:30:00+00:00')
    >>> str(parse_timestamps(pd.Series(["2018/04/09 2:30:02 PM MDT"]), column="t").values[0])
    '2018-04-09 20:30:02+00:00'
    >>> p = parse_timestamps(pd.Series(["19970101", "19970330", "99991231"]), column="date")
    >>> [str(v)[:10] for v in p.values], p.out_of_range.tolist()
    (['1997-01-01', '1997-03-30', 'NaT'], [False, False, False])
    >>> p = parse_timestamps(pd.Series(["2024-03-05", "9999-12-31", "0202-03-05", "-1"]), column="t")
    >>> p.invalid.tolist(), p.out_of_range.tolist()
    ([False, True, True, True], [False, True, True, False])
    """
    check_timezone(timezone, path)
    s = values.astype("str").str.strip()  # (missing values stay missing)
    empty = pd.Series(values.isna().to_numpy() | s.str.fullmatch(_EMPTY, na=True).to_numpy(dtype=bool), index=s.index)
    notes: list[str] = []
    n = len(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    outside = np.zeros(n, dtype=bool)
    if (~empty).sum() == 0:
        if (block := current_block()) is not None:
            block.decided("timestamps", column, ("none", timezone))
        return ParsedTimes(out, np.zeros(n, dtype=bool), "none", timezone, notes, outside)
    nonempty = s[~empty] if empty.any() else s
    nonempty, zones, more = _abbreviations(nonempty, path, column, tz_abbreviations)
    notes += more
    sample = _first_distinct(nonempty, 5000)
    order = "iso"
    used_tz = False
    where = np.flatnonzero(~empty.to_numpy())

    def put(vals: pd.Series, naive_outside: np.ndarray) -> None:
        out[~empty] = vals
        outside[where[naive_outside]] = True

    shares = {k: float(sample.str.match(pat).mean()) for k, pat in
              (("iso", _ISO.pattern), ("compact", _COMPACT), ("ymd", _YMD_SLASH), ("num", _NUM),
               ("mon", _MONTHNAME))}
    kind = max(shares, key=shares.get)
    # epoch seconds / milliseconds (compact dates are 8 or 14 digits, epochs 9 to 13)
    if sample.str.fullmatch(r"[0-9]{9,13}(?:\.[0-9]+)?").mean() > 0.9:
        num = pd.to_numeric(nonempty, errors="coerce")
        unit = "ms" if (num > 1e11).mean() > 0.5 else "s"
        lo, hi = (t.value // (10**6 if unit == "ms" else 10**9) for t in DATE_RANGE)
        bad = (num.notna() & ((num < lo) | (num >= hi))).to_numpy()
        num = num.mask(bad)
        put(pd.to_datetime(num, unit=unit, utc=True, errors="coerce"), bad)
        notes.append(f"{column}: Unix epoch {'milliseconds' if unit == 'ms' else 'seconds'} (UTC)")
        order = "epoch"
    elif not shares[kind] > 0:
        raise ExportError(path, f"the values of column {column!r} are not in a date format csanalysis knows "
                          f"(the first looks like {value_shape(sample.iloc[0])}, digits shown as 9 and letters as a)",
                          column=column,
                          expected="ISO dates (2024-03-05 14:03), day/month/year or month/day/year numbers, "
                          "compact dates (20240305) or 05/Mar/24 style dates")
    elif kind == "iso" and zones is None and (fast := _fixed_width_iso(nonempty)) is not None:
        # the common export layouts, read by position (same values as the general ISO branch)
        naive, bad = _in_range(fast[0])
        vals, used_tz = _localise(naive, fast[1], timezone)
        put(vals, bad)
    elif kind == "iso":
        tzrx = r"(Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})$"
        ok = nonempty.str.match(_ISO.pattern)  # anything else ("-1", "12") is no ISO date: NaT
        body = nonempty.where(ok, "").str.replace(r"\s*" + tzrx, "", regex=True).str.replace("T", " ", regex=False)
        tz = nonempty.where(ok, "").str.extract(tzrx, expand=False)
        naive = pd.to_datetime(body.where(ok, None), format="ISO8601", errors="coerce")
        naive, bad = _in_range(naive)
        vals, used_tz = _localise(naive, _tz_offset_minutes(tz), timezone, zones)
        put(vals, bad)
    else:
        pattern = {"compact": _COMPACT, "ymd": _YMD_SLASH, "num": _NUM, "mon": _MONTHNAME}[kind]
        parts = nonempty.str.extract(pattern)
        H, M, S = _hms(parts)
        y = pd.to_numeric(parts["y"], errors="coerce")
        if kind == "mon":
            mon = parts["mon"].str.lower().map(_MON)
            naive = _assemble(y, mon, pd.to_numeric(parts["d"], errors="coerce"), H, M, S)
            order = "dayfirst"
        else:
            a = pd.to_numeric(parts["a"], errors="coerce")
            b = pd.to_numeric(parts["b"], errors="coerce")
            if kind in ("ymd", "compact"):
                order = "ymd"
                naive = _assemble(y, a, b, H, M, S)
                if kind == "compact":
                    notes.append(f"{column}: compact dates (YYYYMMDD) read as year, month, day")
            else:
                decided = _date_order(a, b, parts, column=column, path=path, dayfirst=dayfirst, sample=sample,
                                      notes=notes)
                order = "dayfirst" if decided else "monthfirst"
                naive = _assemble(y, b if decided else a, a if decided else b, H, M, S)
        naive, bad = _in_range(naive)
        tzs = parts["tz"] if "tz" in parts else pd.Series(np.nan, index=parts.index)
        vals, used_tz = _localise(naive, _tz_offset_minutes(tzs), timezone, zones)
        put(vals, bad)
    invalid = (~empty & out.isna()).to_numpy() | outside
    if outside.any():
        lo, hi = DATE_RANGE
        notes.append(f"{column}: {int(outside.sum())} date(s) outside {lo.year}-{hi.year - 1} (typos or "
                     "'no date' placeholders such as 9999-12-31) are no dates")
    if used_tz:
        notes.append(f"{column}: timestamps without an offset read as {timezone or 'UTC'}"
                     + ("" if timezone else " (no timezone= given)"))
    zone = timezone or ("UTC" if used_tz else None)
    if (block := current_block()) is not None:  # every block of a file must read the column alike
        block.decided("timestamps", column, (order, zone))
    return ParsedTimes(out, invalid, order, zone, notes, outside)


def _date_order(a: pd.Series, b: pd.Series, parts: pd.DataFrame, *, column: str, path: str | None,
                dayfirst: bool | None, sample: pd.Series, notes: list[str]) -> bool:
    """Day-first (True) or month-first (False) for a whole column of numeric dates, from the data.

    A row whose first number exceeds 12 says day-first, one whose second does
    says month-first. A few rows against a clear majority (at most 5% of the
    rows that decide) are typos: they become invalid dates, so their rows are
    rejected, and the note says so. Rows where both exceed 12 decide nothing.
    """
    says_day = ((a > 12) & (b <= 12)).to_numpy()
    says_month = ((b > 12) & (a <= 12)).to_numpy()
    n_day, n_month = int(says_day.sum()), int(says_month.sum())
    if n_day and n_month:
        minority, majority = sorted((n_day, n_month))
        if minority > 0.05 * (n_day + n_month):
            raise ExportError(path, f"dates in column {column!r} are neither all day-first nor all month-first "
                              f"({n_day} row(s) have a first number above 12, {n_month} a second)",
                              column=column, expected="one date order in a column")
        decided = n_day > n_month
        notes.append(f"{column}: {'day' if decided else 'month'}-first dates, decided from {majority} row(s); "
                     f"{minority} row(s) that are not valid in that order are no dates")
    elif n_day or n_month:
        decided = bool(n_day)
        notes.append(f"{column}: {'day' if decided else 'month'}-first dates, decided from the data")
    else:
        decided = None
    if decided is not None:
        if dayfirst is not None and dayfirst != decided:
            raise ExportError(path, f"dayfirst={dayfirst} was given, but the dates in column {column!r} are "
                              f"{'day' if decided else 'month'}-first (a value above 12 in the "
                              f"{'first' if decided else 'second'} position)", column=column,
                              expected=f"dayfirst={decided} or no dayfirst")
        return decided
    if dayfirst is not None:
        notes.append(f"{column}: {'day' if dayfirst else 'month'}-first dates, as given by dayfirst=")
        return dayfirst
    if bool((parts["sep"].dropna() == ".").mean() > 0.5):
        notes.append(f"{column}: dotted dates (dd.mm.yyyy) read day-first; no locale writes them month-first")
        return True
    raise ExportError(
        path,
        f"cannot tell whether the dates in column {column!r} are day-first or month-first: "
        f"no day above 12 in any row (the first looks like {value_shape(sample.iloc[0])})",
        column=column,
        expected="dayfirst=True (e.g. 05/03/2024 is 5 March) or dayfirst=False (March 5); "
        "on the command line --dayfirst or --monthfirst", kind="ambiguous_dates")
