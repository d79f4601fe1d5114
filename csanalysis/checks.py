"""Argument checks shared by the estimators, segments and statistics: one wording for each.

Every check returns the cleaned value (or ``None``) and raises ``TypeError``
/ ``ValueError`` with a message that says what was expected and what was
passed.

Examples
--------
>>> check_confidence(0.9)
0.9
>>> check_confidence(95)
Traceback (most recent call last):
...
ValueError: `confidence` must be strictly between 0 and 1 (for example 0.95), but 95 was passed.
>>> check_resamples(200)
200
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["parse_as_of", "check_alpha", "check_confidence", "check_frame", "check_positive_int", "check_resamples",
           "check_window", "nonempty", "numeric_sample"]


def _unit_interval(value: Any, name: str, example: str) -> float:
    try:
        c = float(value)
    except (TypeError, ValueError):
        c = np.nan
    if not 0.0 < c < 1.0:
        raise ValueError(f"`{name}` must be strictly between 0 and 1 (for example {example}), "
                         f"but {value!r} was passed.")
    return c


def check_confidence(confidence: Any) -> float:
    """A confidence level strictly between 0 and 1, as a float.

    Parameters
    ----------
    confidence : float

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When ``confidence`` is not a number strictly between 0 and 1.

    Examples
    --------
    >>> check_confidence("0.95")
    0.95
    """
    return _unit_interval(confidence, "confidence", "0.95")


def check_alpha(alpha: Any) -> float:
    """A significance level strictly between 0 and 1, as a float.

    Examples
    --------
    >>> check_alpha(0.05)
    0.05
    """
    return _unit_interval(alpha, "alpha", "0.05")


def check_positive_int(value: Any, name: str) -> int:
    """A positive whole number (``1000`` or ``1000.0``), as an int.

    Parameters
    ----------
    value : int
    name : str
        The argument's name, for the message.

    Examples
    --------
    >>> check_positive_int(3.0, "k")
    3
    >>> check_positive_int(0, "k")
    Traceback (most recent call last):
    ...
    ValueError: `k` must be a positive integer, but 0 was passed.
    """
    if int(value) != value or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, but {value!r} was passed.")
    return int(value)


def check_resamples(n_resamples: Any) -> int:
    """The number of bootstrap resamples: a positive integer.

    Examples
    --------
    >>> check_resamples(1000)
    1000
    """
    return check_positive_int(n_resamples, "n_resamples")


def check_frame(df: Any, name: str) -> None:
    """Raise ``TypeError`` unless ``df`` is a pandas DataFrame.

    Parameters
    ----------
    df : any
    name : str
        The argument's name, for the message.

    Examples
    --------
    >>> check_frame([1, 2], "tickets")
    Traceback (most recent call last):
    ...
    TypeError: tickets must be a pandas DataFrame, got list.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}.")


def nonempty(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """The table, or None when there is none or it has no rows (a stage's input that gives it nothing to do).

    Examples
    --------
    >>> nonempty(pd.DataFrame({"a": []})) is None, len(nonempty(pd.DataFrame({"a": [1]})))
    (True, 1)
    """
    return df if df is not None and len(df) else None


def check_window(window: Any) -> float:
    """A follow-up window: a positive, finite number of days, as a float.

    Examples
    --------
    >>> check_window(365)
    365.0
    """
    if isinstance(window, bool) or not isinstance(window, (int, float, np.integer, np.floating)) \
            or not np.isfinite(window) or window <= 0:
        raise ValueError(f"window must be a positive number of days (e.g. 365), got {window!r}.")
    return float(window)


def numeric_sample(x: Any, name: str = "x") -> np.ndarray:
    """A 1-D float sample with missing values dropped.

    Parameters
    ----------
    x : array-like
        Numbers; a Series or Index may hold text, which is read as numbers
        (unreadable values count as missing).
    name : str
        The argument's name, for the message.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> numeric_sample([1, None, 3.5]).tolist()
    [1.0, 3.5]
    """
    if isinstance(x, (pd.Series, pd.Index)):
        arr = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"`{name}` must be numeric; it could not be converted to numbers."
            ) from None
    arr = arr.ravel()
    return arr[~np.isnan(arr)]


def parse_as_of(as_of: Any, timezone: str | None = None) -> pd.Timestamp | None:
    """``as_of`` as a UTC timestamp (``None`` stays ``None``); a clear error for text that is no date.

    A date without a time of day (``"2024-06-30"``, a :class:`datetime.date`)
    means the *end* of that day in the analysis time zone ``timezone``
    (default UTC), so the rows of that day are kept. A time without an offset
    is read in ``timezone``; a time with an offset is kept as it is.

    Examples
    --------
    >>> parse_as_of("2024-06-30")
    Timestamp('2024-06-30 23:59:59.999999999+0000', tz='UTC')
    >>> parse_as_of("2024-06-30", timezone="Europe/Copenhagen")
    Timestamp('2024-06-30 21:59:59.999999999+0000', tz='UTC')
    >>> parse_as_of("2024-06-30 12:00")
    Timestamp('2024-06-30 12:00:00+0000', tz='UTC')
    >>> parse_as_of("yesterday")
    Traceback (most recent call last):
    ...
    csanalysis.errors.CsanalysisError: as_of='yesterday' is not a date; expected YYYY-MM-DD
    """
    import datetime as _dt
    import re

    from .errors import CsanalysisError

    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return None
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError, OverflowError) as exc:
        raise CsanalysisError(f"as_of={as_of!r} is not a date; expected YYYY-MM-DD") from exc
    if ts is pd.NaT:
        raise CsanalysisError(f"as_of={as_of!r} is not a date; expected YYYY-MM-DD")
    date_only = ((isinstance(as_of, str) and re.search(r"\d:\d|\dT\d", as_of) is None)
                 or (isinstance(as_of, _dt.date) and not isinstance(as_of, _dt.datetime)))
    zone = timezone or "UTC"
    if ts.tzinfo is None:
        try:
            ts = ts.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
        except Exception as exc:  # an unknown zone name
            raise CsanalysisError(f"timezone={timezone!r} is not a time zone; expected an IANA name such as "
                                  "'Europe/Copenhagen' or 'UTC'") from exc
    if date_only:  # the end of that day in the analysis time zone
        day = ts.normalize()
        ts = (day.tz_localize(None) + pd.Timedelta(days=1)).tz_localize(zone, nonexistent="shift_forward") \
            - pd.Timedelta(1, "ns")
    return ts.tz_convert("UTC")
