r"""Exact order statistics of values spread over partitions (the design's B6), per group and for many ranks.

A median, a percentile or the bounds of Woodruff's interval are order
statistics: the value at a given rank of a group's sorted values. When the
values sit in several partitions (the Dask engine's partitions of
customers), each partition keeps its values sorted (:class:`SortedGroups`)
and :func:`select` finds the value at each requested rank in rounds, asking
every partition only for counts: a float's bits, read as an unsigned integer
with the sign handled (:func:`order_keys`), sort as the floats do, so a rank
can be located by splitting the range of keys in 256 and counting, per
partition, the values at or below each split point. Each round narrows a
query's range 256-fold; once a range holds few values (at most ``fetch``)
the partitions send those values and the rank is read off. The result is
the value ``np.sort(all values of the group)[rank]`` exactly, whatever the
partition and the order of the rows, in at most nine rounds.

Examples
--------
>>> rng = np.random.default_rng(1)
>>> x = rng.exponential(60.0, 5_000)
>>> g = rng.integers(0, 3, 5_000)
>>> parts = [SortedGroups(x[i::4], g[i::4], 3) for i in range(4)]   # four partitions
>>> ask = lambda method, **kw: [getattr(p, method)(**kw) for p in parts]
>>> got = select(ask, np.array([0, 2, 2]), np.array([10, 0, 1_500]), fetch=50)
>>> want = [np.sort(x[g == 0])[10], np.sort(x[g == 2])[0], np.sort(x[g == 2])[1_500]]
>>> bool(np.array_equal(got, want))
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["SortedGroups", "SortedRows", "column_ranges", "combined_ranges", "from_keys", "order_keys",
           "position_bits", "rank_sums", "ranks_among", "row_keys", "rows_of_keys", "select", "select_rows"]

_SIGN = np.uint64(1 << 63)
#: The keys of the finite floats lie in [_LOWEST, _HIGHEST] (order_keys of -max and +max float).
_SPLITS = 256


def order_keys(x: np.ndarray) -> np.ndarray:
    """Unsigned 64-bit keys that sort as the (finite) floats ``x`` do; ``-0.0`` is taken as ``0.0``.

    >>> k = order_keys(np.array([-2.5, -0.0, 0.0, 1e-300, 3.0]))
    >>> bool(np.all(np.diff(k.astype(object)) >= 0)), k[1] == k[2]
    (True, np.True_)
    """
    bits = (np.asarray(x, dtype=np.float64) + 0.0).view(np.uint64)  # (-0.0 + 0.0 is 0.0)
    return np.where(bits & _SIGN, ~bits, bits | _SIGN)


def from_keys(k: np.ndarray) -> np.ndarray:
    """The floats whose :func:`order_keys` are ``k``.

    >>> from_keys(order_keys(np.array([-2.5, 0.0, 7.25]))).tolist()
    [-2.5, 0.0, 7.25]
    """
    k = np.asarray(k, dtype=np.uint64)
    return np.where(k & _SIGN, k & ~_SIGN, ~k).view(np.float64)


_LOWEST = int(order_keys(np.array([-np.finfo(np.float64).max]))[0])
_HIGHEST = int(order_keys(np.array([np.finfo(np.float64).max]))[0])


class SortedGroups:
    """One partition's finite values, sorted within each of ``n_groups`` groups, to answer :func:`select`'s counts.

    Parameters
    ----------
    x : array of float
        Values (non-finite ones are left out).
    groups : array of int
        Group of each value, 0 .. ``n_groups`` - 1 (negative codes are left out).
    n_groups : int
    units : array of int, optional
        Another column to keep beside the values (sampling-unit codes), reordered as they are
        (:attr:`units`).

    Attributes
    ----------
    keys : ndarray of uint64
        :func:`order_keys` of the kept values, sorted by group, then value.
    groups, units : ndarray
        The group (and unit) of each, in the same order.
    start : ndarray of int64
        Where each group begins (``n_groups + 1`` entries).
    """

    def __init__(self, x: np.ndarray, groups: np.ndarray, n_groups: int, units: np.ndarray | None = None) -> None:
        x = np.asarray(x, dtype=np.float64)
        g = np.asarray(groups, dtype=np.int64)
        ok = np.isfinite(x) & (g >= 0)
        keys, g = order_keys(x[ok]), g[ok]
        order = np.lexsort((keys, g))
        self.keys, self.groups = keys[order], g[order]
        self.units = None if units is None else np.asarray(units)[ok][order]
        self.start = np.searchsorted(self.groups, np.arange(int(n_groups) + 1)).astype(np.int64)

    def values(self) -> np.ndarray:
        """The kept values as floats, in the sorted order."""
        return from_keys(self.keys)

    def _segment(self, g: int) -> np.ndarray:
        return self.keys[self.start[g]:self.start[g + 1]]

    def counts(self) -> np.ndarray:
        """Values per group."""
        return np.diff(self.start)

    def at_most(self, groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """For each ``(group, key)`` pair (``keys`` of shape ``(len(groups), k)``), the values of the group with
        a key at or below it."""
        keys = np.asarray(keys, dtype=np.uint64)
        out = np.zeros(keys.shape, dtype=np.int64)
        for i, g in enumerate(np.asarray(groups, dtype=np.int64)):  # a loop over queries, not rows
            out[i] = np.searchsorted(self._segment(g), keys[i], side="right")
        return out

    def between(self, groups: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
        """For each query the keys of its group in ``[lo, hi]``."""
        out = []
        for g, a, b in zip(np.asarray(groups, dtype=np.int64), np.asarray(lo, dtype=np.uint64),
                           np.asarray(hi, dtype=np.uint64)):
            seg = self._segment(g)
            out.append(seg[np.searchsorted(seg, a, side="left"):np.searchsorted(seg, b, side="right")])
        return out


    def _spans(self, groups: Any, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each range ``[lo, hi]`` of keys of its group (``groups``; None: group 0) begins and ends."""
        lo, hi = np.asarray(lo, dtype=np.uint64), np.asarray(hi, dtype=np.uint64)
        g = np.zeros(len(lo), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
        a, b = np.empty(len(lo), dtype=np.int64), np.empty(len(lo), dtype=np.int64)
        for j in np.unique(g):  # a loop over groups, each searched by numpy
            at = np.flatnonzero(g == j)
            seg = self._segment(j)
            a[at] = self.start[j] + np.searchsorted(seg, lo[at], side="left")
            b[at] = self.start[j] + np.searchsorted(seg, hi[at], side="right")
        return a, b

    def tally(self, lo: np.ndarray, hi: np.ndarray, n_labels: int, groups: Any = None) -> np.ndarray:
        """For each range ``[lo, hi]`` of keys of its group (``groups``; default group 0), how many of its values
        carry each label 0 .. ``n_labels`` - 1 of :attr:`units` (``(len(lo), n_labels)``)."""
        a, b = self._spans(groups, lo, hi)
        out = np.zeros((len(a), int(n_labels)), dtype=np.int64)
        for i in range(len(out)):  # a loop over ranges, each counted by numpy
            out[i] = np.bincount(self.units[a[i]:b[i]], minlength=int(n_labels))
        return out

    def fetch(self, lo: np.ndarray, hi: np.ndarray, groups: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each range ``[lo, hi]`` of keys of its group (``groups``; default group 0), its keys and their
        labels (:attr:`units`)."""
        a, b = self._spans(groups, lo, hi)
        return [(self.keys[i:j], self.units[i:j]) for i, j in zip(a, b)]


def rank_sums(ask: Callable[..., list[Any]], n_labels: int, *, n_groups: int | None = None, fetch: int = 65_536,
              batch: int = 1_000_000) -> tuple[Any, Any, Any]:
    """Mid-rank sums per label of values spread over partitions, and the tie sum, exactly (the design's B7).

    Each partition holds its values in a :class:`SortedGroups` whose :attr:`~SortedGroups.units` are the labels
    (the segment of each value, 0 .. ``n_labels`` - 1); the values of each group are ranked among themselves. The
    range of keys of each group is cut, in rounds of counts, into ranges that hold at most ``fetch`` values or a
    single value (ties stay in one range: a value's key is in exactly one). A single value's rank is the values
    below it plus ``(t + 1) / 2`` for its ``t`` copies, from the counts per label; the values of the other ranges
    come over in batches of at most ``batch`` values and are ranked among themselves after the values below them.
    Nothing holds more than a batch; the ranks are those of one ranking of each group's values
    (:func:`scipy.stats.rankdata`, ``"average"``).

    Parameters
    ----------
    ask : callable
        ``ask(method, **kw)`` calls ``method`` of every partition's :class:`SortedGroups` and returns the
        answers (a list).
    n_labels : int
    n_groups : int, optional
        Rank each of this many groups on its own (the results get a leading axis of groups); default: group 0
        only.
    fetch, batch : int

    Returns
    -------
    (rank_sums, counts, ties)
        Per label the sum of the mid-ranks and the number of values; ``sum(t^3 - t)`` over the distinct values
        (with ``n_groups``: arrays ``(n_groups, n_labels)``, ``(n_groups, n_labels)``, ``(n_groups,)``).

    Examples
    --------
    >>> from scipy import stats
    >>> rng = np.random.default_rng(2)
    >>> x, g = rng.integers(0, 40, 3_000).astype(float), rng.integers(0, 3, 3_000)
    >>> parts = [SortedGroups(x[i::3], np.zeros(1_000, int), 1, units=g[i::3]) for i in range(3)]
    >>> rs, n, ties = rank_sums(lambda m, **kw: [getattr(p, m)(**kw) for p in parts], 3, fetch=50)
    >>> bool(np.array_equal(rs, np.bincount(g, weights=stats.rankdata(x))))
    True
    """
    G = 1 if n_groups is None else int(n_groups)
    L = int(n_labels)
    rs = np.zeros((G, L))
    counts = np.zeros((G, L), dtype=np.int64)
    ties = np.zeros(G)
    # cut each group's keys into ranges of few values or of one value, in order
    todo = [(g, _LOWEST, _HIGHEST) for g in range(G)]
    done: list[tuple[int, int, int, int]] = []  # (group, lo, hi, values)
    while todo:
        grp = np.array([g for g, _, _ in todo], dtype=np.int64)
        lo = np.array([a for _, a, _ in todo], dtype=np.uint64)
        hi = np.array([b for _, _, b in todo], dtype=np.uint64)
        piv = _splits(lo, hi)
        # the values at or below lo - 1, then at or below each split key, in one round
        cum = np.sum(ask("at_most", groups=grp, keys=np.hstack([(lo - np.uint64(1))[:, None], piv])), axis=0)
        todo = []
        for i in range(len(lo)):  # a loop over ranges
            prev_key, prev = int(lo[i]), int(cum[i, 0])
            for key, c in zip(piv[i].tolist(), cum[i, 1:].tolist()):
                if c > prev:
                    if c - prev <= fetch or key == prev_key:
                        done.append((int(grp[i]), prev_key, key, c - prev))
                    else:
                        todo.append((int(grp[i]), prev_key, key))
                prev_key, prev = key + 1, c
    done.sort()
    single = [r for r in done if r[1] == r[2]]
    if single:
        tal = np.sum(ask("tally", lo=np.array([r[1] for r in single], dtype=np.uint64),
                         hi=np.array([r[2] for r in single], dtype=np.uint64), n_labels=L,
                         groups=np.array([r[0] for r in single], dtype=np.int64)), axis=0)
        tallies = dict(zip(((r[0], r[1]) for r in single), tal))
    start, below, group = 0, 0, -1
    while start < len(done):  # the ranges in order, their values in batches
        stop, size = start, 0
        while stop < len(done) and (stop == start or size + done[stop][3] <= batch):
            size += done[stop][3] if done[stop][1] != done[stop][2] else 0
            stop += 1
        many = [r for r in done[start:stop] if r[1] != r[2]]
        got = (ask("fetch", lo=np.array([r[1] for r in many], dtype=np.uint64),
                   hi=np.array([r[2] for r in many], dtype=np.uint64),
                   groups=np.array([r[0] for r in many], dtype=np.int64)) if many else [])
        j = 0
        for g, a, b, k in done[start:stop]:
            if g != group:  # a new group: ranks start again
                group, below = g, 0
            if a == b:  # one value, t copies: counts per label
                c = tallies[(g, a)]
                t = int(c.sum())
                rs[g] += c * (below + (t + 1) / 2.0)
                counts[g] += c
                ties[g] += float(t) ** 3 - t
            else:
                keys = np.concatenate([part[j][0] for part in got])
                labels = np.concatenate([part[j][1] for part in got])
                j += 1
                _, inv, t = np.unique(keys, return_inverse=True, return_counts=True)
                # a value's mid-rank among the range: those below it plus (t + 1) / 2
                first = np.cumsum(t) - t
                rs[g] += np.bincount(labels, weights=below + first[inv] + (t[inv] + 1) / 2.0, minlength=L)
                counts[g] += np.bincount(labels, minlength=L)
                tf = t.astype(float)
                ties[g] += float(np.sum(tf ** 3 - tf))
            below += k
        start = stop
    if n_groups is None:
        return rs[0], counts[0], float(ties[0])
    return rs, counts, ties


def _splits(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """256 split keys per range ``[lo, hi]`` (Python ints: no overflow), the last one ``hi``."""
    out = np.empty((len(lo), _SPLITS), dtype=np.uint64)
    for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
        step = (b - a) // _SPLITS + 1
        out[i] = [min(a + step * j - 1, b) for j in range(1, _SPLITS)] + [b]
    return out


def select(ask: Callable[..., list[Any]], groups: np.ndarray, ranks: np.ndarray, *, fetch: int = 4096) -> np.ndarray:
    """The values at 0-based ``ranks`` of ``groups`` over all partitions (exact).

    Parameters
    ----------
    ask : callable
        ``ask(method, **kw)`` calls :class:`SortedGroups` ``method`` with
        ``kw`` on every partition and returns their answers (a list): here
        for one machine, as tasks on a cluster for the Dask engine.
    groups, ranks : arrays of int
        The queries: the value of rank ``ranks[i]`` (0 = the smallest) of
        group ``groups[i]``. Each rank must be below the group's count.
    fetch : int, default 4096
        A query whose remaining range holds at most this many values (over
        all partitions) is answered by sending those values.

    Returns
    -------
    ndarray of float
    """
    groups = np.asarray(groups, dtype=np.int64)
    ranks = np.asarray(ranks, dtype=np.int64)
    q = len(groups)
    out = np.full(q, np.nan)
    lo = np.full(q, _LOWEST, dtype=np.uint64)
    hi = np.full(q, _HIGHEST, dtype=np.uint64)
    below = np.zeros(q, dtype=np.int64)  # values of the group under lo
    small = np.zeros(q, dtype=bool)  # ranges to send as values in the next round
    todo = np.arange(q)
    while len(todo):
        send, split = todo[small[todo]], todo[~small[todo]]
        if len(send):
            seen = ask("between", groups=groups[send], lo=lo[send], hi=hi[send])
            for j, i in enumerate(send):  # a loop over queries
                keys = np.sort(np.concatenate([part[j] for part in seen]))
                out[i] = from_keys(keys[ranks[i] - below[i]:ranks[i] - below[i] + 1])[0]
        if len(split):
            piv = _splits(lo[split], hi[split])
            # the values in [lo, split key] (every split key is at or above lo: the counts include `below`)
            counts = np.sum(ask("at_most", groups=groups[split], keys=piv), axis=0) - below[split][:, None]
            want = ranks[split] - below[split]
            if np.any((want < 0) | (counts[:, -1] <= want)):
                raise ValueError("a rank lies beyond its group's values (or below 0)")
            j = np.argmax(counts > want[:, None], axis=1)  # the first split at which the rank is reached
            prev = np.where(j > 0, counts[np.arange(len(split)), np.maximum(j - 1, 0)], 0)
            new_lo = np.where(j > 0, piv[np.arange(len(split)), np.maximum(j - 1, 0)] + np.uint64(1), lo[split])
            new_hi = piv[np.arange(len(split)), j]
            below[split] += prev
            lo[split], hi[split] = new_lo, new_hi
            inside = counts[np.arange(len(split)), j] - prev
            one = new_lo == new_hi
            out[split[one]] = from_keys(new_lo[one])
            small[split] = ~one & (inside <= fetch)
            todo = split[~one]
        else:
            todo = todo[:0]
    return out


# --------------------------------------------------------------------------- ranges of columns over partitions
def column_ranges(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``x`` (``n x f`` floats) its values (not NaN), its smallest and its largest value (NaN
    without values): one partition's answer for :func:`combined_ranges`.

    >>> column_ranges(np.array([[1.0, np.nan], [3.0, np.nan]]))
    (array([2, 0]), array([ 1., nan]), array([ 3., nan]))
    """
    x = np.asarray(x, dtype=np.float64)
    ok = ~np.isnan(x)
    some = ok.any(axis=0)
    return (ok.sum(axis=0), np.where(some, x.min(axis=0, initial=np.inf, where=ok), np.nan),
            np.where(some, x.max(axis=0, initial=-np.inf, where=ok), np.nan))


def combined_ranges(answers: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray,
                                                                                     np.ndarray]:
    """The :func:`column_ranges` of all the partitions' rows from each partition's."""
    return (np.sum([a[0] for a in answers], axis=0), np.fmin.reduce(np.stack([a[1] for a in answers]), axis=0),
            np.fmax.reduce(np.stack([a[2] for a in answers]), axis=0))


# --------------------------------------------------------------------------- rows in lexicographic order
def row_keys(x: np.ndarray) -> np.ndarray:
    """One fixed-width byte string per row of ``x`` (``n x f`` finite floats) that sorts as the rows do in
    lexicographic order (the first column, then the second, ...: ``np.lexsort(x.T[::-1])``): each value's
    :func:`order_keys`, big-endian, side by side.

    >>> x = np.array([[1.0, 5.0], [-2.0, 9.0], [1.0, -3.0]])
    >>> np.argsort(row_keys(x), kind="stable").tolist(), np.lexsort(x.T[::-1]).tolist()
    ([1, 2, 0], [1, 2, 0])
    """
    x = np.asarray(x, dtype=np.float64)
    f = x.shape[1] if x.ndim == 2 else 1
    k = np.ascontiguousarray(order_keys(x.reshape(len(x), f)).astype(">u8"))
    return k.view(f"S{8 * f}").reshape(len(x))


def rows_of_keys(keys: np.ndarray, f: int) -> np.ndarray:
    """The rows (``n x f`` floats) whose :func:`row_keys` are ``keys``."""
    k = np.ascontiguousarray(keys, dtype=f"S{8 * int(f)}").view(">u8").reshape(len(keys), int(f))
    return from_keys(k.astype(np.uint64))


class SortedRows:
    """One partition's rows (finite floats) in lexicographic order, to answer :func:`select_rows`.

    Parameters
    ----------
    x : array of float, ``n x f``
    """

    def __init__(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64)
        self.width = x.shape[1]
        self.keys = np.sort(row_keys(x))

    def row_sample(self, size: int) -> np.ndarray:
        """The keys at ``size`` evenly spaced positions, the first and the last row among them."""
        n = len(self.keys)
        if n == 0:
            return self.keys
        return self.keys[np.unique(np.linspace(0, n - 1, min(int(size), n)).round().astype(np.int64))]

    def row_counts(self, keys: np.ndarray) -> np.ndarray:
        """For each key the rows below it and the rows at or below it (``2 x len(keys)``)."""
        return np.stack([np.searchsorted(self.keys, keys, side="left"),
                         np.searchsorted(self.keys, keys, side="right")])

    def rows_between(self, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
        """For each pair the keys strictly between ``lo`` and ``hi``."""
        a = np.searchsorted(self.keys, lo, side="right")
        b = np.searchsorted(self.keys, hi, side="left")
        return [self.keys[i:j] for i, j in zip(a.tolist(), b.tolist())]


def select_rows(ask: Callable[..., list[Any]], ranks: np.ndarray, width: int, *, sample: int = 1024,
                batch: int = 1_000_000) -> np.ndarray:
    """The rows at 0-based ``ranks`` of all the partitions' rows in lexicographic order (exact).

    Each partition sends ``sample`` evenly spaced keys of its sorted rows
    (:class:`SortedRows`); with them all as split points, every partition
    counts its rows below and at each. A rank that falls on a split point is
    that row; between two split points a partition holds fewer rows than its
    spacing, so the ranks there are read off those rows, sent in batches of
    at most ``batch`` (over all partitions). Two rounds of counts and as few
    batches as the ranges the ranks fall in need.

    Parameters
    ----------
    ask : callable
        ``ask(method, **kw)`` calls ``method`` of every partition's
        :class:`SortedRows` and returns the answers (a list).
    ranks : array of int
        Each below the number of rows of all the partitions.
    width : int
        Columns of the rows.
    sample, batch : int

    Returns
    -------
    ndarray, ``len(ranks) x width``

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> x = rng.integers(0, 4, (2_000, 3)).astype(float)
    >>> parts = [SortedRows(x[i::3]) for i in range(3)]
    >>> got = select_rows(lambda m, **kw: [getattr(p, m)(**kw) for p in parts], np.array([1_999, 0, 700]), 3,
    ...                   sample=16, batch=100)
    >>> bool(np.array_equal(got, x[np.lexsort(x.T[::-1])][[1_999, 0, 700]]))
    True
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    out = np.full((len(ranks), int(width)), np.nan)
    if not len(ranks):
        return out
    split = np.unique(np.concatenate(ask("row_sample", size=int(sample))))  # every part's first and last row
    counts = np.sum(ask("row_counts", keys=split), axis=0)
    below, upto = counts[0], counts[1]  # rows under each split point, rows at or under it
    if ranks.min() < 0 or ranks.max() >= upto[-1]:
        raise ValueError("a rank lies beyond the rows (or below 0)")
    j = np.searchsorted(upto, ranks, side="right")  # the first split point with more rows at or below it
    on = ranks >= below[j]
    out[on] = rows_of_keys(split[j[on]], width)
    # the others lie strictly between split points j - 1 and j: their ranges, in batches
    gaps = np.unique(j[~on])
    sizes = below[gaps] - upto[gaps - 1]
    start = 0
    while start < len(gaps):
        stop = start + max(1, int(np.searchsorted(np.cumsum(sizes[start:]), int(batch), side="right")))
        got = ask("rows_between", lo=split[gaps[start:stop] - 1], hi=split[gaps[start:stop]])
        for i, g in enumerate(gaps[start:stop].tolist()):  # a loop over ranges
            keys = np.sort(np.concatenate([part[i] for part in got]))
            at = np.flatnonzero(~on & (j == g))
            out[at] = rows_of_keys(keys[ranks[at] - upto[g - 1]], width)
        start = stop
    return out


# --------------------------------------------------------------------------- ranks of rows spread over partitions
_ONES = np.array([i.bit_count() for i in range(256)], dtype=np.int64)  # set bits of every byte


def position_bits(positions: np.ndarray, size: int) -> np.ndarray:
    """A partition's rows as a set of bits: ``np.packbits`` of a mask of ``size`` rows with ``positions`` set.

    Partitions whose rows are disjoint are united by ``np.bitwise_or.reduce``
    (``size`` / 8 bytes each), and :func:`ranks_among` then gives each row its
    rank among all of them: what a stream drawn in the whole table's row order
    (the key drivers' noise) needs, without sending any partition the rows of
    the others.

    Examples
    --------
    >>> a, b = position_bits(np.array([0, 5, 9]), 12), position_bits(np.array([2, 7]), 12)
    >>> ranks_among(np.bitwise_or(a, b), np.array([9, 5, 0])).tolist()
    [4, 2, 0]
    """
    size = int(size)
    mask = np.zeros(size, dtype=bool)
    pos = np.asarray(positions, dtype=np.int64)
    if len(pos) and (pos.min() < 0 or pos.max() >= size):
        raise ValueError(f"positions must lie in 0 .. {size - 1}")
    mask[pos] = True
    return np.packbits(mask)


def ranks_among(bits: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The 0-based rank of each of ``positions`` among the set bits of ``bits`` (:func:`position_bits`), in
    position order: the number of set bits before it."""
    bits = np.asarray(bits, dtype=np.uint8)
    pos = np.asarray(positions, dtype=np.int64)
    before = np.zeros(len(bits) + 1, dtype=np.int64)
    np.cumsum(_ONES[bits], out=before[1:])
    byte, bit = pos >> 3, pos & 7
    # np.packbits puts a byte's first row in its highest bit: the rows before this one are the `bit` highest
    return before[byte] + _ONES[bits[byte] & ((0xFF00 >> bit) & 0xFF).astype(np.uint8)]
