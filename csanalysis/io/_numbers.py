"""Numbers, durations and identifiers as analysts' exports write them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.arrays import arrow_text, found
from ._block_state import current as current_block

__all__ = ["parse_numbers", "parse_numbers_strict", "parse_duration_minutes", "clean_ids", "excel_mangled",
           "implausible_numbers", "ABSURD"]

#: Numbers beyond this magnitude (and infinities) are written by no helpdesk, survey or shop: a corrupted
#: cell. The parsers return them as invalid; :func:`implausible_numbers` finds them so that readers
#: reject their rows (rather than letting ``inf`` reach an integer column).
ABSURD = 1e15

_STR = pd.StringDtype(na_value=np.nan)
_SPACES = r"[\s\u00a0\u202f\u2009']"
_CUR = r"(?:[A-Za-z]{3}|kr\.?|руб\.?|р\.|[$€£¥₽₴zł]+)"
_CURRENCY = rf"^\s*{_CUR}\s*(?=[\d\-+.,(])|(?<=[\d.,)])\s*{_CUR}\s*$"


#: A plain number with a decimal point, or an empty cell (no ``\\d``: it runs in pyarrow).
_PLAIN = r"(?:[-+]?[0-9]+(?:\.[0-9]+)?)?"
#: Cells that may hold an infinite or absurd number (a cheap filter before parsing).
_MAYBE_ABSURD = r"[iI][nN][fF]|[0-9][eE][-+]?[0-9]|[0-9]{16}"


def _finite(num: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(numbers with infinities and absurd magnitudes set to NaN, mask of those)."""
    v = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(v) & ~(np.abs(v) <= ABSURD)
    if bad.any():
        num = num.mask(bad)
    return num, bad


def _maybe_absurd(values: pd.Series) -> np.ndarray:
    """Mask of the cells :data:`_MAYBE_ABSURD` finds (missing: False); Arrow text is scanned by pyarrow as it is.

    The pattern is not anchored, so the cells need not be stripped first.
    """
    arr = arrow_text(values)
    if arr is not None:
        hit = found(arr, _MAYBE_ABSURD)
        return hit.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    s = values.astype("str").where(values.notna(), "")
    return s.str.contains(_MAYBE_ABSURD, regex=True).to_numpy(dtype=bool)


def implausible_numbers(values: pd.Series) -> np.ndarray:
    """Mask of cells holding a number that is infinite or beyond :data:`ABSURD` (``inf``, ``1e308``).

    Words, ids with letters and ordinary numbers are not flagged.

    Examples
    --------
    >>> implausible_numbers(pd.Series(["3", "inf", "-Infinity", "1e308", "12345678901234567890", "abc", ""])).tolist()
    [False, True, True, True, True, False, False]
    """
    out = np.zeros(len(values), dtype=bool)
    maybe = _maybe_absurd(values)
    if not maybe.any():
        return out
    sub = values[maybe]
    sub = sub.astype("str").where(sub.notna(), "").str.strip()
    num = pd.to_numeric(sub.str.replace(_SPACES, "", regex=True).str.replace(",", "", regex=False)
                        .where(sub.str.fullmatch(r"[-+]?(?:inf(?:inity)?|[0-9][0-9.,\s\u00a0]*(?:[eE][-+]?[0-9]+)?)",
                                                 case=False), None), errors="coerce")
    out[np.flatnonzero(maybe)] = _finite(num.astype("float64"))[1]
    return out


def _plain_floats(s: pd.Series) -> pd.Series:
    """``pd.to_numeric(s, errors="coerce")`` as float64 for text whose every value matches :data:`_PLAIN`.

    Arrow text is cast by pyarrow (both parsers round a decimal correctly, so the numbers are the same) instead
    of a Python float per cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = getattr(s.array, "_pa_array", None)
    if arr is not None:
        try:
            out = pc.cast(arr, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            out = out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out
            return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, name=s.name)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def parse_numbers(values: pd.Series, *, decimal: str | None = None) -> tuple[pd.Series, np.ndarray, str]:
    """Parse numbers written with a decimal point or a decimal comma.

    The decimal mark is decided per column from the data when not given:
    values such as ``3,5`` or ``1.234,50`` mean a decimal comma; thousands
    separators (``.``, space, NBSP, thin space, apostrophe) are removed.
    Currency symbols and codes around the number are ignored.

    Returns ``(numbers, invalid_mask, decimal_mark)``.

    Examples
    --------
    >>> x, bad, mark = parse_numbers(pd.Series(["1.234,50", "3,5", "", "kr 12"]))
    >>> x.tolist()[:2], mark, bad.tolist()
    ([1234.5, 3.5], ',', [False, False, False, False])
    """
    s = values.astype("str").where(values.notna(), "").str.strip()
    if decimal in (None, ".") and s.str.fullmatch(_PLAIN, na=False).all():
        # plain numbers (or empty) only: nothing to strip and the mark is '.'; the regexes below
        # (lookbehind, \s) would run per cell in Python
        empty = s == ""
        num, _ = _finite(_plain_floats(s.where(~empty, None)))
        return num, (~empty & num.isna()).to_numpy(), "."
    s = s.str.replace(_CURRENCY, "", regex=True)  # currency symbols and codes around the number
    neg_paren = s.str.match(r"^\(.*\)$")
    s = s.str.strip("()").str.replace(_SPACES, "", regex=True)
    empty = s == ""
    if decimal is None:
        comma = s.str.contains(r"^[-+]?\d{1,3}(?:\.\d{3})*,\d+$|^[-+]?\d+,\d+$", regex=True)
        point = s.str.contains(r"^[-+]?\d{1,3}(?:,\d{3})*\.\d+$|^[-+]?\d+\.\d+$", regex=True)
        # "1,234" alone is ambiguous; it is read by the majority of unambiguous values
        decimal = "," if comma.sum() > point.sum() else "."
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        s = s.str.replace(",", "", regex=False)
    num = pd.to_numeric(s.where(~empty, None), errors="coerce").astype("float64")
    num = num.where(~neg_paren, -num)
    num, _ = _finite(num)
    invalid = (~empty & num.isna()).to_numpy()
    return num, invalid, decimal


def parse_numbers_strict(values: pd.Series, *, decimal: str | None = None) -> tuple[pd.Series, np.ndarray, str]:
    """:func:`parse_numbers`, with words such as ``ukendt`` counted as invalid.

    :func:`parse_numbers` strips currency text around a number, so a cell
    holding no digit at all ('unknown', 'n/a') may come back as an empty cell
    rather than an invalid one; here it is invalid. Plain columns (digits
    with a point, or a comma) take a fast path.

    Examples
    --------
    >>> x, bad, mark = parse_numbers_strict(pd.Series(["12,50", "ukendt", ""]))
    >>> x.tolist()[0], bad.tolist(), mark
    (12.5, [False, True, False], ',')
    """
    num, bad, mark = _parse_numbers_strict(values, decimal=decimal)
    if (block := current_block()) is not None:  # every block of a file must read the numbers alike
        block.decided("numbers", getattr(values, "name", None), mark)
    return num, bad, mark


def _parse_numbers_strict(values: pd.Series, *, decimal: str | None) -> tuple[pd.Series, np.ndarray, str]:
    s = values.astype(_STR).str.strip()
    blank = (s.isna() | (s == "")).to_numpy()
    # fast paths for plain columns (the general parser's regexes run per cell in Python)
    if decimal in (None, ".") and (s.str.fullmatch(r"[-+]?\d+(?:\.\d+)?", na=False).to_numpy() | blank).all():
        num, bad = _finite(pd.to_numeric(s.where(~blank), errors="coerce").astype("float64"))
        return num, bad, "."
    if decimal in (None, ",") and (s.str.fullmatch(r"[-+]?\d+,\d+|[-+]?\d+", na=False).to_numpy() | blank).all() \
            and s.str.contains(",", regex=False, na=False).any():
        num = pd.to_numeric(s.where(~blank).str.replace(",", ".", regex=False), errors="coerce")
        num, bad = _finite(num.astype("float64"))
        return num, bad, ","
    num, bad, mark = parse_numbers(values, decimal=decimal)
    wordy = (s.notna() & (s != "") & ~s.str.contains(r"\d", regex=True, na=False)
             & ~s.str.fullmatch(r"[-–—]|n/?a|null|none|nan", case=False, na=False)).to_numpy()
    return num, bad | wordy, mark


def parse_duration_minutes(values: pd.Series, *, unit: str = "minutes") -> tuple[pd.Series, np.ndarray]:
    """Durations as ``H:MM:SS`` / ``H:MM`` strings (hours may exceed 24) or numbers in ``unit``.

    Returns ``(minutes, invalid_mask)``.

    Examples
    --------
    >>> m, bad = parse_duration_minutes(pd.Series(["64:00:00", "2:05:11", "0:30", ""]))
    >>> [round(v, 2) for v in m.tolist()[:3]]
    [3840.0, 125.18, 30.0]
    """
    s = values.astype("str").where(values.notna(), "").str.strip()
    empty = s == ""
    if not s.str.contains(":", regex=False, na=False).any():  # no H:MM[:SS] value: numbers only
        num, _, _ = parse_numbers(s, decimal=None)
        factor = {"minutes": 1.0, "hours": 60.0, "seconds": 1 / 60, "milliseconds": 1 / 60000}[unit]
        out, _ = _finite((num * factor).astype("float64"))
        return out, (~empty & out.isna()).to_numpy()
    parts = s.str.extract(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
    hms = parts[0].notna()
    h = pd.to_numeric(parts[0], errors="coerce")
    m = pd.to_numeric(parts[1], errors="coerce")
    sec = pd.to_numeric(parts[2], errors="coerce").fillna(0)
    from_hms = h * 60 + m + sec / 60
    factor = {"minutes": 1.0, "hours": 60.0, "seconds": 1 / 60, "milliseconds": 1 / 60000}[unit]
    num, bad_num, _ = parse_numbers(s.where(~hms, ""), decimal=None)
    out, _ = _finite(from_hms.where(hms, num * factor).astype("float64"))
    invalid = (~empty & out.isna()).to_numpy()
    return out, invalid


def excel_mangled(values: pd.Series) -> np.ndarray:
    """Mask of ids that Excel turned into scientific notation (``1.03006E+13``)."""
    s = values.astype("str").where(values.notna(), "")
    return s.str.fullmatch(r"\d(?:[.,]\d+)?[eE]\+\d+").to_numpy(dtype=bool)


def clean_ids(values: pd.Series) -> pd.Series:
    """Identifiers as strings: stripped, ``12345.0`` -> ``12345``, empty -> missing."""
    s = values.astype("str").str.strip()  # (missing values stay missing)
    dot = s.str.contains(".", regex=False, na=False).to_numpy()
    if dot.any():  # only values with a '.' can end in '.0' (the regex may run per value in Python)
        s = s.copy()
        s[dot] = s[dot].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    blank = (s == "").to_numpy(dtype=bool)
    return (s.where(~blank, np.nan) if blank.any() else s).astype(pd.StringDtype(na_value=np.nan))
