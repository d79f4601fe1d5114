"""What a reader records while it reads one block of a file (:mod:`csanalysis.io.blocks`).

A block is read by the file's own reader with a :class:`BlockState` made current
(:func:`reading_block`); the few places where a reader decides something from a
whole column's values, or does what only the whole table can do, consult it:

- :func:`csanalysis.io._text.read_raw` takes only the fast path (a block that is
  not plain and regular ends the block reading: :class:`NotBlockSafe`) and
  :func:`csanalysis.io._common.start_report` numbers the rows from the block's
  first row in the file;
- :func:`csanalysis.io._dates.parse_timestamps` and
  :func:`csanalysis.io._numbers.parse_numbers_strict` record how they read a
  column (:meth:`BlockState.decided`), which every block must have decided alike;
- :func:`csanalysis.io._common.finish` leaves the masking of text with the export's
  listed names and the choice of categorical columns to the whole table (it
  records the names, the candidate columns and where the masking's notes go), and
  records the keys rows are merged on (order numbers, ticket ids), which no two
  blocks may share.

Outside a block read nothing here is consulted (:func:`current` is None).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ..errors import CsanalysisError

__all__ = ["MASKING_NOTE", "BlockState", "NotBlockSafe", "current", "reading_block"]

#: Marks, in a block's notes, where the masking of the whole table adds its notes.
MASKING_NOTE = "\x00the masking's notes"


class NotBlockSafe(CsanalysisError):
    """A block cannot be read as its part of the whole file: the file is read whole instead."""


@dataclass
class BlockState:
    """One block's read: where its rows start, and what its reader decided and left to the whole table.

    Attributes
    ----------
    row_offset : int
        Added to the block's own row numbers (its header line is row 1) to give the file's.
    decisions : list
        ``(what, column, value)`` of every decision read from values, in the order they were taken.
    keys : numpy.ndarray
        The distinct 64-bit hashes of the keys of the block's rows (any row: loaded, rejected, merged or
        excluded) that the reader merges rows on (their text), or None. A collision makes two blocks seem to
        share a key: the file is then read whole, which is always right.
    names : object
        The :class:`csanalysis.privacy.Names` the block's name columns list (None with ``keep_pii``).
    categories : list
        The output columns :func:`csanalysis.io._common.finish` would make categorical if their values repeat.
    masked : bool
        Whether the table's text is still to be masked (``keep_pii`` off).
    rejects : list
        The rows each of the reader's rejections took, in turn (the whole file's rejected rows are each
        rejection's rows of every block, in turn).
    """

    row_offset: int = 0
    decisions: list = field(default_factory=list)
    keys: Any = None
    names: Any = None
    categories: list = field(default_factory=list)
    masked: bool = False
    rejects: list = field(default_factory=list)

    def decided(self, what: str, column: Any, value: Any) -> None:
        """Record a decision read from a column's values."""
        self.decisions.append((what, str(column), value))


_STATE: ContextVar[BlockState | None] = ContextVar("csanalysis_block_read", default=None)


def current() -> BlockState | None:
    """The block being read here, or None (a whole file)."""
    return _STATE.get()


@contextlib.contextmanager
def reading_block(state: BlockState) -> Iterator[BlockState]:
    """Make ``state`` current while a block is read."""
    token = _STATE.set(state)
    try:
        yield state
    finally:
        _STATE.reset(token)
