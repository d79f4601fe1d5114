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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ExportError

__all__ = ["ParsedTimes", "parse_timestamps", "infer_dayfirst"]

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


def _localise(naive: pd.Series, offset_min: pd.Series, timezone: str | None) -> tuple[pd.Series, bool]:
    """Naive wall times + optional offset -> UTC. Returns (values, used_timezone)."""
    has_off = offset_min.notna().to_numpy()
    out = pd.Series(pd.NaT, index=naive.index, dtype="datetime64[ns, UTC]")
    used_tz = False
    if has_off.any():
        shifted = naive[has_off] - pd.to_timedelta(offset_min[has_off], unit="min")
        out[has_off] = shifted.dt.tz_localize("UTC")
    rest = ~has_off & naive.notna().to_numpy()
    if rest.any():
        used_tz = True
        tz = timezone or "UTC"
        loc = naive[rest].dt.tz_localize(tz, ambiguous=np.zeros(int(rest.sum()), dtype=bool),
                                          nonexistent="shift_forward")
        out[rest] = loc.dt.tz_convert("UTC")
    return out, used_tz


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


def _fixed_width_iso(s: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """``YYYY-MM-DD HH:MM:SS`` (Zendesk) or ``YYYY-MM-DD HH:MM:SS +HHMM`` (Shopify) in every row.

    Returns (naive times, offset minutes or NaN) read by position, or None when
    the column has any other layout (the general ISO branch reads it then). The
    patterns avoid ``\\d``/``\\s`` so that they run in pyarrow, not per cell in Python.
    """
    s = s.astype("str")
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
    body = s.str.slice(0, 19).str.replace("T", " ", regex=False)
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

    Returns
    -------
    ParsedTimes
        ``invalid`` marks non-empty values that are not timestamps.

    Examples
    --------
    >>> s = pd.Series(["25/01/2025 1:30", "03/02/2025 14:00", ""])
    >>> p = parse_timestamps(s, column="Created time", timezone="Europe/London")
    >>> p.date_order, str(p.values[0])
    ('dayfirst', '2025-01-25 01:30:00+00:00')
    """
    s = values.astype("str").str.strip()
    s = s.where(values.notna(), "")
    empty = (s == "") | s.str.lower().isin(["nan", "nat", "none", "null", "-"])
    notes: list[str] = []
    n = len(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    if (~empty).sum() == 0:
        return ParsedTimes(out, np.zeros(n, dtype=bool), "none", timezone, notes)
    nonempty = s[~empty]
    sample = _first_distinct(nonempty, 5000)
    order = "iso"
    used_tz = False

    # epoch seconds / milliseconds
    if sample.str.fullmatch(r"\d{9,13}(\.\d+)?").mean() > 0.9:
        num = pd.to_numeric(nonempty, errors="coerce")
        unit = "ms" if (num > 1e11).mean() > 0.5 else "s"
        out[~empty] = pd.to_datetime(num, unit=unit, utc=True, errors="coerce")
        notes.append(f"{column}: Unix epoch {'milliseconds' if unit == 'ms' else 'seconds'} (UTC)")
        order = "epoch"
    shares = {k: float(sample.str.match(pat).mean()) for k, pat in
              (("iso", _ISO.pattern), ("ymd", _YMD_SLASH), ("num", _NUM), ("mon", _MONTHNAME))}
    kind = max(shares, key=shares.get)
    if not shares[kind] > 0 and order != "epoch":
        raise ExportError(path, f"the values of column {column!r} are not in a date format csanalysis knows "
                          f"(for example {sample.iloc[0]!r})",
                          column=column,
                          expected="ISO dates (2024-03-05 14:03), day/month/year or month/day/year numbers, "
                          "or 05/Mar/24 style dates")
    if order == "epoch":
        pass
    elif kind == "iso" and (fast := _fixed_width_iso(nonempty)) is not None:
        # the common export layouts, read by position (same values as the general ISO branch)
        vals, used_tz = _localise(fast[0], fast[1], timezone)
        out[~empty] = vals
    elif kind == "iso":
        tzrx = r"(Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})$"
        body = nonempty.str.replace(r"\s*" + tzrx, "", regex=True).str.replace("T", " ", regex=False)
        tz = nonempty.str.extract(tzrx, expand=False)
        naive = pd.to_datetime(body, format="ISO8601", errors="coerce")
        vals, used_tz = _localise(naive, _tz_offset_minutes(tz), timezone)
        out[~empty] = vals
    else:
        pattern = {"ymd": _YMD_SLASH, "num": _NUM, "mon": _MONTHNAME}[kind]
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
            if kind == "ymd":
                order = "ymd"
                naive = _assemble(y, a, b, H, M, S)
            else:
                a_day, b_day = bool((a > 12).any()), bool((b > 12).any())
                dotted = bool((parts["sep"].dropna() == ".").mean() > 0.5)
                if a_day and b_day:
                    raise ExportError(path, f"dates in column {column!r} are neither all day-first nor all month-first "
                                      "(both the first and the second number exceed 12 in some rows)",
                                      column=column, expected="one date order in a column")
                if a_day or b_day:
                    decided = a_day
                    if dayfirst is not None and dayfirst != decided:
                        raise ExportError(path, f"dayfirst={dayfirst} was given, but the dates in column {column!r} are "
                                          f"{'day' if decided else 'month'}-first (a value above 12 in the "
                                          f"{'first' if decided else 'second'} position)", column=column,
                                          expected=f"dayfirst={decided} or no dayfirst")
                    notes.append(f"{column}: {'day' if decided else 'month'}-first dates, decided from the data")
                elif dayfirst is not None:
                    decided = dayfirst
                    notes.append(f"{column}: {'day' if decided else 'month'}-first dates, as given by dayfirst=")
                elif dotted:
                    decided = True
                    notes.append(f"{column}: dotted dates (dd.mm.yyyy) read day-first; no locale writes them month-first")
                else:
                    raise ExportError(
                        path,
                        f"cannot tell whether the dates in column {column!r} are day-first or month-first: "
                        f"no day above 12 in any row (e.g. {sample.iloc[0]!r})",
                        column=column,
                        expected="dayfirst=True (e.g. 05/03/2024 is 5 March) or dayfirst=False (March 5); "
                        "on the command line --dayfirst or --monthfirst", kind="ambiguous_dates")
                order = "dayfirst" if decided else "monthfirst"
                naive = _assemble(y, b if decided else a, a if decided else b, H, M, S)
        vals, used_tz = _localise(naive, _tz_offset_minutes(parts["tz"] if "tz" in parts else pd.Series(np.nan, index=parts.index)), timezone)
        out[~empty] = vals
    invalid = (~empty & out.isna()).to_numpy()
    if used_tz:
        notes.append(f"{column}: timestamps without an offset read as {timezone or 'UTC'}"
                     + ("" if timezone else " (no timezone= given)"))
    return ParsedTimes(out, invalid, order, timezone or ("UTC" if used_tz else None), notes)
