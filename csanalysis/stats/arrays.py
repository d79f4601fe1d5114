"""Array primitives the estimators share: the distinct values of integer arrays by sorting, and the codes of text.

``np.unique`` of an integer array (without ``return_index``, ``return_inverse``
or ``return_counts``) goes through a hash table in numpy 2.3 and later. On
this project's data (customer codes, packed ``(customer, time)`` keys,
nanosecond timestamps) that path is about a hundred times slower than sorting:
3.0 s against 0.03 s for 4 million distinct int64 values, measured with numpy
2.4. :func:`distinct` sorts instead and returns the same array.

``pd.factorize`` of Arrow-backed text (the readers' columns, customer keys)
encodes each chunk of the column on its own and then unifies the chunks'
dictionaries, hashing every value twice. A column the readers built from a
large file has one chunk per parsed block (75 for the orders of 1,000,000
customers). :func:`factorize` combines the chunks first and encodes once:
the same codes and uniques, 2.08 -> 0.56 s for 3.0M distinct ticket ids in
33 chunks (measured with pyarrow 26).

``np.searchsorted`` of millions of needles in random order misses the CPU's
cache at every step of every binary search. :func:`search_sorted` looks them
up in sorted order and puts the answers back: the same positions, 8x quicker
for 4.4M purchases among 10M times (a step of
:func:`csanalysis.experiences.purchases_while_open` at 1,000,000 customers).

:class:`HoldsArrays` makes ``sys.getsizeof`` of an object count the arrays and
tables it holds (:func:`deep_nbytes`). Dask sizes the data a worker holds with
``sys.getsizeof`` for objects it does not know, so a partition's state (its
look-ups, its rows) counted about 50 bytes, was never spilled to disk however
large, and pushed its worker past the memory limit (the twenty-ninth
session's 5M run lost both workers so in the driven stages).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["HoldsArrays", "arrow_text", "deep_nbytes", "distinct", "factorize", "finite_range", "found",
           "n_distinct", "per_distinct", "ratio", "repeated_pairs", "search_sorted", "sum_parts"]

#: Bytes counted per element of an object array (a pointer and a short Python string or number).
_OBJECT_BYTES = 64


def deep_nbytes(value: Any, _seen: set[int] | None = None) -> int:
    """The bytes of the arrays and tables ``value`` holds: numpy arrays, pandas objects, and the same inside
    dicts, lists, tuples and the package's own objects (their attributes), each counted once.

    Object arrays and object columns count :data:`_OBJECT_BYTES` per element (walking millions of Python
    strings to size them would cost more than it tells).

    >>> deep_nbytes({"a": np.zeros(10), "b": [np.ones(5, dtype=np.int8)]})
    85
    """
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + (value.size * (_OBJECT_BYTES - 8) if value.dtype == object else 0)
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        usage = value.memory_usage(deep=False)
        total = int(usage.sum()) if isinstance(usage, pd.Series) else int(usage)
        cols = value.dtypes if isinstance(value, pd.DataFrame) else pd.Series([value.dtype])
        n_obj = int((cols == object).sum())
        return total + n_obj * len(value) * (_OBJECT_BYTES - 8)
    if isinstance(value, dict):
        return sum(deep_nbytes(v, seen) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(deep_nbytes(v, seen) for v in value)
    if type(value).__module__.startswith("csanalysis") and hasattr(value, "__dict__"):
        return deep_nbytes(vars(value), seen)
    return 0


class HoldsArrays:
    """A mixin: ``sys.getsizeof`` of the object (and so Dask's size of it) counts the arrays and tables it holds
    (:func:`deep_nbytes`), so that a worker spills it to disk as it spills a table.

    >>> import sys
    >>> class Rows(HoldsArrays):
    ...     def __init__(self):
    ...         self.t = np.zeros(1000)
    >>> sys.getsizeof(Rows()) > 8000
    True
    """

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + deep_nbytes(vars(self))


def arrow_text(values: pd.Series):
    """The pyarrow ChunkedArray behind a Series of Arrow-backed text (string or large_string), else None.

    The readers' text columns are Arrow-backed; pyarrow's compute functions scan them without a Python
    string per value.

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None], dtype="str")).to_pylist()
    ['a', None]
    >>> arrow_text(pd.Series(["a"], dtype=object)) is None
    True
    """
    import pyarrow as pa

    arr = getattr(getattr(values, "array", None), "_pa_array", None)
    if isinstance(arr, pa.ChunkedArray) and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr
    return None


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


#: Needles from this many on are sorted before :func:`search_sorted` looks them up.
_SORT_NEEDLES = 50_000


def search_sorted(a: np.ndarray, v: np.ndarray, side: str = "left") -> np.ndarray:
    """``np.searchsorted(a, v, side=side)`` for a sorted ``a``, with many needles looked up in sorted order.

    From :data:`_SORT_NEEDLES` needles on, unless they are sorted already,
    ``v`` is argsorted, searched in that order (each search starts where the
    cache still holds the last one's path) and the positions are put back in
    the order of ``v``. The positions are those of ``np.searchsorted``.

    Parameters
    ----------
    a : ndarray
        Sorted haystack.
    v : ndarray
        Needles, any order.
    side : {"left", "right"}

    Returns
    -------
    ndarray of int64, the shape of ``v``

    Examples
    --------
    >>> search_sorted(np.array([1, 3, 5]), np.array([4, 0, 5]), side="right").tolist()
    [2, 0, 3]
    """
    v = np.asarray(v)
    if v.ndim != 1 or v.size < _SORT_NEEDLES or bool(np.all(v[1:] >= v[:-1])):
        return np.searchsorted(a, v, side=side).astype(np.int64, copy=False)
    order = np.argsort(v, kind="stable")
    out = np.empty(v.size, dtype=np.int64)
    out[order] = np.searchsorted(a, v[order], side=side)
    return out


def repeated_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows whose ``(a, b)`` pair of integer codes appeared in an earlier row; a row with ``b < 0`` never repeats.

    The codes of two columns (:func:`factorize`, -1 for missing) packed into one integer per row: what
    ``b_present & DataFrame.duplicated([col_a, col_b])`` gives (missing ``a`` values equal to each other, as
    there), without hashing pairs of text. For one row per order: a repeated (customer, order id) pair.

    Examples
    --------
    >>> repeated_pairs(np.array([0, 0, 1, 0, -1, -1]), np.array([5, 5, 5, -1, 2, 2])).tolist()
    [False, True, False, False, False, True]
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    key = (a + 1) * (int(b.max(initial=0)) + 2) + b + 1
    # each key's first row from a stable sort (np.unique's return_index): what pd.Index(key).duplicated()
    # marks, about 20% quicker on 4.4M rows than hashing
    repeated = np.ones(key.size, dtype=bool)
    repeated[np.unique(key, return_index=True)[1]] = False
    return (b >= 0) & repeated


def n_distinct(values: np.ndarray) -> int:
    """How many distinct values an array holds (``np.unique(values).size``).

    Examples
    --------
    >>> n_distinct(np.array([7, 7, 8]))
    2
    """
    return int(distinct(values).size)


def factorize(values):
    """``pd.factorize(values)``: integer codes (-1 where missing) and the distinct values in order of appearance.

    For Arrow-backed text the chunks are combined before one dictionary
    encoding (pandas encodes chunk by chunk, then unifies the dictionaries);
    anything else goes to :func:`pandas.factorize`. The result is the one
    ``pd.factorize(values)`` gives.

    Parameters
    ----------
    values : Series, Index, array or ExtensionArray

    Returns
    -------
    codes : ndarray of intp
    uniques : Index (for a Series or an Index), else the type ``pd.factorize`` returns

    Examples
    --------
    >>> s = pd.Series(["b", "a", None, "b"], dtype="str")
    >>> codes, uniques = factorize(s)
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], ['b', 'a'])
    """
    if not isinstance(values, pd.Series):
        return pd.factorize(values)
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = getattr(values.array, "_pa_array", None)
    if (not isinstance(arr, pa.ChunkedArray) or arr.num_chunks < 2
            or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))):
        return pd.factorize(values)
    encoded = arr.combine_chunks().dictionary_encode()
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    codes = indices.to_numpy(zero_copy_only=False, writable=True).astype(np.intp, copy=False)
    uniques = pd.Index(pd.array(encoded.dictionary, dtype=values.dtype))
    return codes, uniques


def per_distinct(values, fn, missing) -> np.ndarray:
    """``fn`` applied once per distinct value of ``values`` and broadcast to the rows; missing rows get ``missing``.

    Answers, statuses and labels repeat: a column of a million cells often holds a few hundred distinct
    values, so a Python-level step (a mapping, a regex, a strip) costs what those values cost.

    Parameters
    ----------
    values : Series, Index or array
    fn : callable
        Takes the distinct non-missing values (as :func:`factorize` gives them, in order of appearance) and
        returns an array with one row per value (a value or a row of values).
    missing : scalar or sequence
        The result for a missing value (a row of that shape when ``fn`` returns rows).

    Returns
    -------
    ndarray
        One row per value of ``values``, ``fn``'s dtype (or what holds it and ``missing``).

    Examples
    --------
    >>> s = pd.Series([" a", "b ", None, " a"], dtype="str")
    >>> per_distinct(s, lambda u: u.str.strip() == "a", missing=False).tolist()
    [True, False, False, True]
    """
    codes, uniques = factorize(values)
    per = np.asarray(fn(uniques))
    last = np.asarray(missing).reshape((1,) + per.shape[1:])
    return np.concatenate([per, last])[codes]  # (code -1, a missing value, takes the last row)


def found(arr, pattern: str):
    """Which values of a pyarrow string array ``pattern`` (RE2, unanchored) finds; missing values: False.

    Examples
    --------
    >>> import pyarrow as pa
    >>> found(pa.array(["a1", None, "b"]), r"\\d").to_pylist()
    [True, False, False]
    """
    import pyarrow.compute as pc

    return pc.fill_null(pc.match_substring_regex(arr, pattern), False)


def ratio(num: Any, den: Any) -> np.ndarray:
    """``num / den`` where ``den > 0``, NaN elsewhere (a mean or share from its sum and count).

    >>> ratio(np.array([3.0, 1.0]), np.array([4.0, 0.0])).tolist()
    [0.75, nan]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(den) > 0, np.asarray(num) / np.asarray(den), np.nan)


def finite_range(x: np.ndarray) -> tuple[float, float]:
    """The smallest and largest finite value of ``x``; ``(inf, -inf)`` when it has none (so that the ranges of
    partitions combine by min and max, and ``low <= high`` says whether any value was there).

    >>> finite_range(np.array([2.0, np.nan, -1.0])), finite_range(np.array([np.nan]))
    ((-1.0, 2.0), (inf, -inf))
    """
    f = x[np.isfinite(x)]
    return (float(f.min()), float(f.max())) if len(f) else (np.inf, -np.inf)


def sum_parts(parts: list) -> object:
    """Element-wise sum of the partitions' answers of one round: arrays, or dicts, tuples and lists of them
    (nested), all parts of the same shape.

    >>> sum_parts([{"a": (np.array([1, 2]), 3)}, {"a": (np.array([10, 20]), 4)}])["a"][0].tolist()
    [11, 22]
    """
    first = parts[0]
    if isinstance(first, dict):
        return {k: sum_parts([p[k] for p in parts]) for k in first}
    if isinstance(first, (tuple, list)):
        return type(first)(sum_parts([p[i] for p in parts]) for i in range(len(first)))
    return np.sum(parts, axis=0)
