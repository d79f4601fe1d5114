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

__all__ = ["check_alpha", "check_confidence", "check_frame", "check_positive_int", "check_resamples",
           "check_window", "numeric_sample"]


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
