"""Array primitives the estimators share: the distinct values of integer arrays by sorting.

``np.unique`` of an integer array (without ``return_index``, ``return_inverse``
or ``return_counts``) goes through a hash table in numpy 2.3 and later. On
this project's data (customer codes, packed ``(customer, time)`` keys,
nanosecond timestamps) that path is about a hundred times slower than sorting:
3.0 s against 0.03 s for 4 million distinct int64 values, measured with numpy
2.4. :func:`distinct` sorts instead and returns the same array.
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct", "n_distinct"]


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array, as ``np.unique(values)`` returns them.

    Integer and boolean arrays are sorted and their repeats dropped (numpy's
    sort is vectorised; its hash-based unique is not competitive on such
    arrays); any other dtype is left to :func:`numpy.unique` (floats, where
    ``NaN`` values are collapsed; datetimes, where ``NaT`` is; text).

    Parameters
    ----------
    values : array_like
        Flattened like ``np.unique`` does.

    Returns
    -------
    ndarray
        Sorted distinct values, dtype of ``values``.

    Examples
    --------
    >>> distinct(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    >>> distinct(np.array([], dtype=np.int64)).dtype
    dtype('int64')
    """
    a = np.asarray(values)
    if a.dtype.kind not in "iub":
        return np.unique(a)
    s = np.sort(a, axis=None)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def n_distinct(values: np.ndarray) -> int:
    """How many distinct values an array holds (``np.unique(values).size``).

    Examples
    --------
    >>> n_distinct(np.array([7, 7, 8]))
    2
    """
    return int(distinct(values).size)
