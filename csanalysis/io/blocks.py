"""Reading one large export in blocks, each by the file's own reader, as if it had been read whole.

The Dask engine reads a large plain CSV file of orders or tickets in blocks of
about :data:`BLOCK_BYTES` (one task each, side by side), instead of one task
holding the whole file's cells: :func:`block_ranges` cuts the file at record
boundaries (line breaks outside quoted values, found from the quotes' parity,
vectorised over the file's bytes), :func:`read_block` reads one block (the
header line and the block's records) with the file's reader, and
:func:`stack_blocks` stacks the blocks into the table and load report of the
whole file.

A block is its part of the whole file only where the reader decided nothing
differently from what the whole file would have made it decide, so the
blocks are checked before they are stacked, and the file is read whole
(``reader(path, **kwargs)``, as the pandas engine reads it) when any check
fails. Every block must:

- take the fast path of a plain, regular UTF-8 file (:func:`csanalysis.io._text.read_raw`);
- read every date and number column the same way (the date order and time zone
  of each, the decimal mark), and have the same header, format, column roles,
  dropped columns, output columns and dtypes;
- share no merge key with another block (an order number or a ticket id in two
  blocks would have been merged in the whole file);
- give notes that add up: the notes of the blocks are merged by their text with
  the numbers taken out; a number at a note's start, after ``(``, ``: `` or
  ``, `` and before a word (``1231 pending orders kept``, ``Shopify line items: 474120 line row(s)``)
  is a count, added over the blocks; any other number must be the same in every
  block, and a note without a count must be in every block;
- warn about nothing (the whole read gives the warnings).

What depends on the whole file is decided from every block's summary
(:func:`block_summary`: no table travels for it), and each block is then finished
where it was read: its text masked with the names the export lists anywhere in
the file (:func:`mask_block`; masking is cell by cell, so the masked blocks are the
whole table masked, and the masking's notes, their counts added, go where the
whole read puts them), and the columns whose values repeat over the whole file
made categorical on the whole file's categories (:func:`finish_block`). Row
numbers are the file's (each block's first record's number is counted from the
file's record boundaries), and the rejected rows come in the whole read's order
(each rejection's rows of every block, in turn). :func:`combine_blocks` runs the
steps here; the Dask engine runs each where its block is and stacks the finished
blocks in one task (:func:`stack_blocks`).

Examples
--------
>>> import tempfile, pathlib
>>> from csanalysis.io import read_activity
>>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
>>> _ = p.write_text("order_id,customer_id,created_at,amount\\n"
...                  + "".join(f"{i},C{i % 7},2024-03-{1 + i % 28:02d},{i}.50\\n" for i in range(400)))
>>> blocks = block_ranges(p, block_bytes=3000)
>>> len(blocks), blocks[1].row_offset > 0
(3, True)
>>> df = combine_blocks([read_block(read_activity, b) for b in blocks], p)
>>> df.equals(read_activity(p)), df.attrs["load_report"].rows_read
(True, 400)
"""

from __future__ import annotations

import csv
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._block_state import MASKING_NOTE, BlockState, NotBlockSafe, reading_block
from .report import LoadReport, load_report

__all__ = [
    "BLOCK_BYTES",
    "BLOCK_READERS",
    "SENT_DISTINCT",
    "Agreement",
    "Block",
    "BlockRead",
    "BlockSummary",
    "NotBlockSafe",
    "agree_blocks",
    "agreed",
    "block_names",
    "block_ranges",
    "block_summary",
    "combine_blocks",
    "finish_block",
    "mask_block",
    "piece_rows",
    "plan_blocks",
    "read_block",
    "read_in_blocks",
    "role_piece",
    "stack_blocks",
    "stack_finished",
]

log = logging.getLogger(__name__)

#: Bytes of a file per block (the Dask engine's default): a block's read peaks at about four times its bytes.
BLOCK_BYTES = 256 << 20
#: The readers whose files may be read in blocks (their merge keys are checked: order numbers, ticket ids).
BLOCK_READERS = frozenset({"read_activity", "read_tickets"})
#: A block sends the task that checks the blocks the distinct values of a column that may become categorical
#: when they are at most this many or a tenth of its rows; more, their sketch
#: (:func:`csanalysis.stats.sketches.distinct_sketch`, 16 kB), which decides when the whole file has too many.
SENT_DISTINCT = 1 << 16
_SCAN_BYTES = 1 << 24


class Block(NamedTuple):
    """Bytes ``start:end`` of the file at ``path`` (whole records), read after its header (bytes
    ``0:header_end``); ``row_offset`` turns the block's row numbers into the file's."""

    path: str
    index: int
    header_end: int
    start: int
    end: int
    row_offset: int


class BlockRead(NamedTuple):
    """One block's table and load report and what its reader recorded, or why it is not its part (``why``);
    once masked (:func:`mask_block`), the cells each masking rule changed per column."""

    table: pd.DataFrame | None
    report: LoadReport | None
    state: BlockState
    why: str | None = None
    masked: dict | None = None


def block_names(read: BlockRead) -> Any:
    """The names one block's name columns list (:class:`csanalysis.privacy.Names`, or None)."""
    return read.state.names if read.why is None else None


def mask_block(read: BlockRead, names: Any) -> BlockRead:
    """One block's text masked with the whole file's ``names`` (``Names.union`` of every block's
    :func:`block_names`), where it was read: the masking is cell by cell, so the blocks masked are the whole
    table masked (:func:`csanalysis.io._common.mask_text_columns`)."""
    from ._common import mask_text_columns

    if read.why is not None or not read.state.masked:
        return read
    try:
        table, per = mask_text_columns(read.table, names=names)
    except Exception as exc:  # noqa: BLE001 (the file is then read whole, which reports any error itself)
        return read._replace(table=None, why=f"masking a block: {type(exc).__name__}: {exc}")
    return read._replace(table=table, masked=per)


def _before(a: np.ndarray, at: np.ndarray, k: int, prev: bytes) -> np.ndarray:
    """The bytes ``k`` places before positions ``at`` of ``a``, those before its start from ``prev`` (its
    two preceding bytes)."""
    i = at - k
    out = a[np.maximum(i, 0)].copy()
    early = i < 0
    if early.any():
        out[early] = np.frombuffer(prev, dtype=np.uint8)[i[early] + 2]
    return out


def _record_ends(a: np.ndarray, parity: int = 0, prev: bytes = b"\n\n") -> tuple[np.ndarray, int]:
    """The positions just after the line breaks of ``a`` (bytes) that end a record: an even number of quotes
    before them (``parity``: the quotes before ``a``, mod 2) and a line that is not blank (``prev``: the two
    bytes before ``a``); and the quotes in ``a``."""
    quotes = np.flatnonzero(a == 34)
    nl = np.flatnonzero(a == 10)
    nl = nl[((np.searchsorted(quotes, nl) + parity) & 1) == 0]  # outside quotes
    p1, p2 = _before(a, nl, 1, prev), _before(a, nl, 2, prev)
    return nl[~((p1 == 10) | ((p1 == 13) & (p2 == 10)))] + 1, len(quotes)  # after a line that is not blank


def block_ranges(path: Any, block_bytes: int = BLOCK_BYTES) -> list[Block] | None:
    """The file cut into blocks of about ``block_bytes`` at record boundaries, or None (a small file, not a
    plain file, a workbook or archive, UTF-16 or -32, JSON).

    A line break ends a record when the quotes before it are even in number (a doubled quote inside a
    quoted value counts twice); blank lines end none. Read in 16 MB pieces, vectorised.
    """
    try:
        p = Path(path)
        if not p.is_file() or p.stat().st_size < 2 * block_bytes:
            return None
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(4096)
    except (OSError, TypeError, ValueError):
        return None
    if head.startswith((b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff", b"\x00")) or b"\x00" in head:
        return None  # (a workbook or archive, UTF-16 or -32)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return None  # (JSON: no header line)
    targets = list(range(block_bytes, size - block_bytes // 2, block_bytes))
    cuts: list[tuple[int, int]] = []  # (byte after the record's line break, records up to it, the header's counted)
    header_end = None
    records, parity, prev = 0, 0, b"\n\n"
    t = 0
    with open(p, "rb") as f:
        offset = 0
        for piece in iter(lambda: f.read(_SCAN_BYTES), b""):
            a = np.frombuffer(piece, dtype=np.uint8)
            ends, quotes = _record_ends(a, parity, prev)
            ends = ends + offset
            if header_end is None and len(ends):
                header_end = int(ends[0])
            while t < len(targets) and len(ends):
                target = max(targets[t], header_end)
                i = int(np.searchsorted(ends, target))
                if i >= len(ends):
                    break
                cuts.append((int(ends[i]), records + i + 1))
                while t < len(targets) and targets[t] <= ends[i]:
                    t += 1
            records += len(ends)
            parity = (parity + quotes) & 1
            prev = (prev + piece[-2:])[-2:]
            offset += len(piece)
    if header_end is None:
        return None
    cuts = [c for c in cuts if header_end < c[0] < size]
    if not cuts:
        return None
    starts = [(header_end, 1), *cuts]
    ends_at = [c for c, _ in cuts] + [size]
    return [Block(str(path), i, header_end, s, e, r - 1) for i, ((s, r), e) in enumerate(zip(starts, ends_at))]


def _key_field(line: bytes, index: int, delimiter: str) -> str | None:
    row = next(csv.reader([line.decode("utf-8", "replace").rstrip("\r")], delimiter=delimiter), [])
    return row[index] if index < len(row) else None


def _past_key_run(f: Any, cut: int, low: int, index: int, delimiter: str) -> tuple[int, int] | None:
    """The cut moved past the records right after ``cut`` that repeat the merge key of the record before it
    (an order's line items), and how many records it moved over; None when that cannot be told safely."""
    start = max(cut - 65536, low)
    f.seek(start)
    before = f.read(cut - start)
    prev = before.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    if prev.count(b'"') % 2 or len(prev) >= len(before) and start > low:
        return None
    key = _key_field(prev, index, delimiter)
    f.seek(cut)
    window = f.read(1 << 20)
    pos = moved = 0
    while True:
        nl = window.find(b"\n", pos)
        if nl < 0:
            return None if len(window) == 1 << 20 else (cut + len(window), moved)
        line = window[pos:nl]
        if line.count(b'"') % 2:
            return None
        if line.strip(b"\r"):
            if _key_field(line, index, delimiter) != key:
                return cut + pos, moved
            moved += 1
        pos = nl + 1


def plan_blocks(reader: Callable[..., pd.DataFrame], path: Any, block_bytes: int = BLOCK_BYTES,
                **kwargs: Any) -> list[Block] | None:
    """:func:`block_ranges` for ``reader``'s file, each cut moved past the records that continue the merge
    key (order number, ticket id) of the record before it, so that an order's line items stay in one block;
    None when the file is not read in blocks (a reader not in :data:`BLOCK_READERS`, a small file ...).

    The merge key's column is the one the reader maps to it on the file's first records.
    """
    from ._common import MERGE_KEYS
    from ._text import column_names, sniff_delimiter

    if getattr(reader, "__name__", "") not in BLOCK_READERS:
        return None
    blocks = block_ranges(path, block_bytes)
    if not blocks:
        return None
    first = blocks[0]
    with open(first.path, "rb") as f:  # the file's first records (about 256 kB of them), read by the reader
        head = f.read(first.header_end + (1 << 18))
    ends, _ = _record_ends(np.frombuffer(head, dtype=np.uint8))
    ends = ends[ends > first.header_end]
    if not len(ends):
        return blocks
    probe = read_block(reader, first._replace(end=int(ends[-1])), **kwargs)
    if probe.report is None:
        return blocks
    wanted = MERGE_KEYS.get(probe.report.table)
    src = next((c for c, role in probe.report.column_mapping.items() if role == wanted), None)
    text = head[:first.header_end].decode("utf-8", "replace").lstrip("\ufeff")
    delimiter = probe.report.delimiter or sniff_delimiter(text)
    names = column_names(next(csv.reader([text.strip()], delimiter=delimiter), []))
    if src is None or src not in names:
        return blocks
    index = names.index(src)
    out: list[Block] = []
    shift = 0
    with open(first.path, "rb") as f:
        for b in blocks:
            start, offset = b.start, b.row_offset
            if out:
                moved = _past_key_run(f, b.start, b.header_end, index, delimiter)
                if moved is None:
                    return blocks  # (the stacking then checks the keys)
                start, shift = moved[0], moved[1]
                offset = b.row_offset + shift
                if start >= b.end:  # the whole block continues one key: one block with the previous
                    out[-1] = out[-1]._replace(end=b.end)
                    continue
                out[-1] = out[-1]._replace(end=start)
            out.append(b._replace(index=len(out), start=start, row_offset=offset))
    return out


def read_block(reader: Callable[..., pd.DataFrame], block: Block, **kwargs: Any) -> BlockRead:
    """``reader`` of one block (its header line and records, in a temporary file), with what it recorded.

    Any error or warning makes the block "not its part" (``why``): the whole file is then read, which
    raises or warns as it should.
    """
    state = BlockState(row_offset=block.row_offset)
    fd, tmp = tempfile.mkstemp(suffix=Path(block.path).suffix or ".csv", prefix="csanalysis-block-")
    try:
        with os.fdopen(fd, "wb") as out, open(block.path, "rb") as src:
            out.write(src.read(block.header_end))
            src.seek(block.start)
            left = block.end - block.start
            while left > 0:
                chunk = src.read(min(_SCAN_BYTES, left))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
        with reading_block(state), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = reader(tmp, **kwargs)
    except Exception as exc:  # noqa: BLE001 (the whole file's read reports it)
        return BlockRead(None, None, state, f"block {block.index}: {type(exc).__name__}")
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    if caught:
        return BlockRead(None, None, state, f"block {block.index} warned")
    rep = load_report(df)
    if any(Path(tmp).name in n for n in rep.notes):
        return BlockRead(None, None, state, f"block {block.index}: a note names the block's file")
    return BlockRead(df, rep, state)


_NUMBER = re.compile(r"\d+")


def _counted(note: str, m: re.Match) -> bool:
    """Whether the number ``m`` in ``note`` is a count (added over blocks)."""
    i, j = m.start(), m.end()
    before = i == 0 or note[i - 1] == "(" or note[max(i - 2, 0):i] in (": ", ", ")
    return before and note[j:j + 1] == " " and note[j + 1:j + 2].isalpha()


def _merged_notes(notes: list[list[str]]) -> list[str]:
    """The blocks' notes as the whole file's (see the module's description), or NotBlockSafe."""
    order: list[str] = []
    found: dict[str, list[tuple[list[str], list[bool]]]] = {}
    for block in notes:
        prev = None
        seen = set()
        block_templates: list[str] = []
        for n in block:
            t = _NUMBER.sub("\x01", n)
            if t in seen:
                raise NotBlockSafe("two notes of one block differ only in their numbers")
            seen.add(t)
            ms = list(_NUMBER.finditer(n))
            found.setdefault(t, []).append(([m.group() for m in ms], [_counted(n, m) for m in ms]))
            block_templates.append(t)
        known = [order.index(t) for t in block_templates if t in order]
        if known != sorted(known):
            raise NotBlockSafe("two blocks give notes in different orders")
        for k, t in enumerate(block_templates):
            if t not in order:  # between this block's neighbours, which nothing else may separate (a note of
                # other blocks there: which of the two the whole read gives first is not known)
                lo = order.index(prev) + 1 if prev is not None else 0
                after = next((u for u in block_templates[k + 1:] if u in order), None)
                hi = order.index(after) if after is not None else len(order)
                if hi != lo:
                    raise NotBlockSafe("where a note of some blocks only goes among the others is not known")
                order.insert(lo, t)
            prev = t
    out = []
    for t in order:
        got = found[t]
        counted = got[0][1]
        if len(got) < len(notes) and not any(counted):
            raise NotBlockSafe(f"a note of some blocks only: {t[:60]!r}")
        values = []
        for j, is_count in enumerate(counted):
            vals = [g[0][j] for g in got]
            if is_count:
                values.append(str(sum(int(v) for v in vals)))
            elif all(v == vals[0] for v in vals):
                values.append(vals[0])
            else:
                raise NotBlockSafe(f"a note's numbers differ between blocks: {t[:60]!r}")
        parts = t.split("\x01")
        out.append("".join(x for pair in zip(parts, [*values, ""]) for x in pair))
    return out


_SAME = ("source_format", "encoding", "delimiter", "date_order", "timezone", "header_rows", "column_mapping",
         "dropped_columns")


class BlockSummary(NamedTuple):
    """What :func:`agree_blocks` needs of one block (not its table): its report and reader's record, its rows,
    columns and dtypes, and the distinct values of each column that may become categorical (None where more
    than :data:`SENT_DISTINCT` and a tenth of the block's rows: ``n_distinct`` of them, and their sketch in
    ``sketches``, :func:`csanalysis.stats.sketches.distinct_sketch`)."""

    report: LoadReport | None
    state: BlockState
    rows: int
    columns: list
    dtypes: Any
    attrs: dict
    distinct: dict
    n_distinct: dict
    why: str | None = None
    masked: dict | None = None
    sketches: dict | None = None


def block_summary(read: BlockRead, n_blocks: int = 1) -> BlockSummary:
    """One block's :class:`BlockSummary`, once masked (:func:`mask_block`; ``n_blocks``: how many blocks the
    file has, to bound the distinct values sent)."""
    if read.why is not None:
        return BlockSummary(None, read.state, 0, [], None, {}, {}, {}, read.why)
    try:
        return _summary(read, n_blocks)
    except Exception as exc:  # noqa: BLE001 (the file is then read whole, which reports any error itself)
        return BlockSummary(None, read.state, 0, [], None, {}, {}, {}, f"summarising a block: {type(exc).__name__}")


def _summary(read: BlockRead, n_blocks: int) -> BlockSummary:
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..stats.sketches import distinct_sketch
    from ._text import CATEGORY_RATIO

    t = read.table
    distinct, n_distinct, sketches = {}, {}, {}
    # a block sends the distinct values of a column only when they are few (SENT_DISTINCT, or a tenth of its
    # rows); more, it sends their sketch (16 kB): a column of timestamps or references kept as text (every value
    # distinct) sent the whole file's values to the task that checks the blocks (at 5M customers, 1.4 GB of
    # ticket columns on one worker, where the whole file's categories of every column are at most a tenth of it)
    bound = min(max(len(t) // CATEGORY_RATIO, SENT_DISTINCT), 4 * n_blocks * len(t) // CATEGORY_RATIO) + 1
    for c in read.state.categories:
        arr = getattr(t[c].array, "_pa_array", None)
        if not isinstance(arr, pa.ChunkedArray) or not pa.types.is_large_string(arr.type):
            distinct[c], n_distinct[c] = None, -1  # (not Arrow text: stays as it is, as the whole read keeps it)
            continue
        u = pc.drop_null(pc.unique(arr))
        n_distinct[c] = len(u)
        distinct[c] = u if len(u) <= bound else None
        if distinct[c] is None:
            sketches[c] = distinct_sketch(u)
    attrs = {k: v for k, v in t.attrs.items() if k != "load_report"}
    return BlockSummary(read.report, read.state, len(t), list(t.columns), t.dtypes, attrs, distinct, n_distinct,
                        masked=read.masked, sketches=sketches)


class Agreement(NamedTuple):
    """What every block of a file needs to finish as its part of the whole file (:func:`finish_block`: the
    categories of the columns that repeat), and the whole file's load report and table attributes."""

    report: LoadReport
    categories: dict
    attrs: dict


def agree_blocks(summaries: list[BlockSummary], path: Any) -> Agreement:
    """The blocks' summaries (:func:`block_summary`, in order) checked to be the whole file's parts, and what
    they agree on; NotBlockSafe when a block is not its part (see the module's description)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..privacy import Names
    from ..stats.sketches import SKETCH_MARGIN, distinct_sketch, sketch_estimate
    from ._common import protect_rejected, text_masking_notes
    from ._text import CATEGORY_RATIO

    why = next((r.why for r in summaries if r.why is not None), None)
    if why is not None:
        raise NotBlockSafe(why)
    first = summaries[0]
    for r in summaries[1:]:
        for a in _SAME:
            if getattr(r.report, a) != getattr(first.report, a):
                raise NotBlockSafe(f"the blocks differ in {a}")
        if r.state.decisions != first.state.decisions:
            raise NotBlockSafe("a column's dates or numbers read differently in two blocks")
        if (r.state.categories != first.state.categories or r.state.masked != first.state.masked
                or len(r.state.rejects) != len(first.state.rejects)):
            raise NotBlockSafe("the blocks took different paths through the reader")
        if r.columns != first.columns or not r.dtypes.equals(first.dtypes):
            raise NotBlockSafe("the blocks' tables differ in their columns")
        if r.attrs != first.attrs:
            raise NotBlockSafe("the blocks differ in their free-text columns")
    keys = [r.state.keys for r in summaries if r.state.keys is not None and len(r.state.keys)]
    if keys and len(np.unique(np.concatenate(keys))) < sum(len(k) for k in keys):  # (each block's distinct)
        raise NotBlockSafe("a merge key (an order number, a ticket id) in two blocks")
    notes = _merged_notes([r.report.notes for r in summaries])
    # the report: counts added, each rejection's rows of every block in turn, exclusions added
    f = first.report
    rep = LoadReport(path=str(path), table=f.table)
    for a in _SAME:
        setattr(rep, a, getattr(f, a))
    for a in ("rows_read", "rows_merged", "rows_excluded"):
        setattr(rep, a, sum(getattr(r.report, a) for r in summaries))
    for r in summaries:
        for reason, n in r.report.excluded.items():
            rep.excluded[reason] = rep.excluded.get(reason, 0) + n
    parts, at = [], [0] * len(summaries)
    for k in range(len(first.state.rejects)):
        for b, r in enumerate(summaries):
            n = r.state.rejects[k]
            if n:
                parts.append(r.report.rejected.iloc[at[b]:at[b] + n])
                at[b] += n
    if any(at[b] != len(r.report.rejected) for b, r in enumerate(summaries)):
        raise NotBlockSafe("a block rejected rows outside the reader's rejections")
    if parts:
        rep.reject(pd.concat(parts, ignore_index=True))
    rep.rows_loaded = sum(r.rows for r in summaries)
    # which columns repeat over the whole file (repeated_as_categories' rule), with the categories of all
    categories: dict = {}
    for c in first.state.categories:
        if any(r.n_distinct[c] < 0 for r in summaries):
            continue
        if any(r.n_distinct[c] * CATEGORY_RATIO > rep.rows_loaded for r in summaries) or not rep.rows_loaded:
            continue  # (more distinct values in one block than the whole file may have)
        if any(r.distinct[c] is None for r in summaries):  # the blocks' sketches count the whole file's values
            merged = np.maximum.reduce([r.sketches[c] if r.distinct[c] is None else distinct_sketch(r.distinct[c])
                                        for r in summaries])
            if sketch_estimate(merged) * CATEGORY_RATIO > rep.rows_loaded * (1 + SKETCH_MARGIN):
                continue  # (too many distinct values in the whole file: text, as the whole read keeps it)
            raise NotBlockSafe(f"too many distinct values in a block of column {c!r} to decide it there")
        u = pc.unique(pa.concat_arrays([r.distinct[c] for r in summaries]))
        if len(u) == 0:
            categories[c] = "blank"
        elif len(u) * CATEGORY_RATIO <= rep.rows_loaded:
            categories[c] = u.take(pc.sort_indices(u))
    after: list = []
    if MASKING_NOTE in notes:  # the masking's notes go where the whole read puts them
        cut = notes.index(MASKING_NOTE)
        notes, after = notes[:cut], notes[cut + 1:]
    rep.notes = notes
    if first.state.masked:  # its notes (cells changed, added over blocks), then the rejected rows' and notes'
        per: dict = {}
        for r in summaries:
            for c, k in (r.masked or {}).items():
                got = per.setdefault(c, dict.fromkeys(k, 0))
                for w, n in k.items():
                    got[w] += n
        for n in text_masking_notes(per):
            rep.note(n)
        protect_rejected(rep, names=Names.union([r.state.names for r in summaries]))
    rep.notes += [n for n in after if n not in rep.notes]
    return Agreement(rep, categories, dict(first.attrs))


def finish_block(read: BlockRead, agreement: Agreement | None) -> pd.DataFrame | None:
    """One block (masked: :func:`mask_block`) finished as its part of the whole file, where it was read: its
    repeating columns categorical on the whole file's categories. None when the blocks do not agree
    (``agreement`` None)."""

    if agreement is None:
        return None
    try:
        return _finished(read, agreement)
    except Exception as exc:  # noqa: BLE001 (the file is then read whole, which reports any error itself)
        log.warning("a block could not be finished (%s: %s): the file is read whole", type(exc).__name__, exc)
        return None


def _finished(read: BlockRead, agreement: Agreement) -> pd.DataFrame:
    from ._text import as_categories, missing_text

    table = read.table
    if agreement.categories:
        table = table.copy(deep=False)
        for c, cats in agreement.categories.items():
            if isinstance(cats, str):
                table[c] = missing_text(len(table)).set_axis(table.index).rename(c)
            else:
                table[c] = as_categories(table[c], cats)
    return table


def stack_finished(finished: list[pd.DataFrame], agreement: Agreement) -> pd.DataFrame:
    """The finished blocks (:func:`finish_block`, in order) stacked: the whole file's table and load report."""
    rep = agreement.report
    table = pd.concat(finished, ignore_index=True) if len(finished) > 1 else finished[0]
    table.attrs = dict(agreement.attrs)
    table.attrs["load_report"] = rep
    rep.check()
    if rep.rows_loaded == 0:
        from ..errors import CsanalysisWarning

        warnings.warn(f"{rep.path}: no rows loaded ({rep.rows_read} read)", CsanalysisWarning, stacklevel=3)
    return table


def piece_rows(finished: pd.DataFrame | None, agreement: Agreement | None) -> int | None:
    """Rows of a finished block (:func:`finish_block`) that may stay a piece of its file's table (never stacked,
    :func:`role_piece`); None when it cannot: the blocks did not agree, the block could not be finished, or the
    file loaded no rows (:func:`stack_blocks` then reads the file whole, or warns about it)."""
    if agreement is None or finished is None or agreement.report.rows_loaded == 0:
        return None
    agreement.report.check()
    return len(finished)


def role_piece(finished: pd.DataFrame, agreement: Agreement, start: int) -> pd.DataFrame:
    """A finished block (:func:`finish_block`) as its rows of its role's table, when its file is the role's only
    one: the rows numbered from ``start`` (the block's first row in the whole table) and the whole table's
    attributes (those :func:`csanalysis.io.batch.concat_tables` gives the file's table), so that the pieces
    stacked in order are the table of :func:`stack_blocks` and ``concat_tables``: the Dask engine keeps them
    apart (a table larger than one worker's memory).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from csanalysis.io import read_activity
    >>> from csanalysis.io.batch import concat_tables
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = p.write_text("order_id,customer_id,created_at,amount\\n"
    ...                  + "".join(f"{i},C{i % 7},2024-03-{1 + i % 28:02d},{i}.50\\n" for i in range(400)))
    >>> reads = [read_block(read_activity, b) for b in block_ranges(p, block_bytes=3000)]
    >>> agreement = agree_blocks([block_summary(r, len(reads)) for r in reads], p)
    >>> done = [finish_block(r, agreement) for r in reads]
    >>> starts = np.cumsum([0] + [piece_rows(f, agreement) for f in done[:-1]])
    >>> pieces = [role_piece(f, agreement, s) for f, s in zip(done, starts)]
    >>> pd.concat(pieces).equals(concat_tables([read_activity(p)])), pieces[1].index[0] == len(pieces[0])
    (True, True)
    """
    from .batch import concat_tables

    head = pd.DataFrame(finished.iloc[:0])  # (a shell: the attributes concat_tables keeps of the whole file's)
    head.attrs = {**agreement.attrs, "load_report": agreement.report}
    piece = pd.DataFrame(finished).set_axis(pd.RangeIndex(int(start), int(start) + len(finished)))
    piece.attrs = concat_tables([head]).attrs
    return piece


def agreed(summaries: list[BlockSummary], path: Any) -> Agreement | None:
    """:func:`agree_blocks`, or None when the blocks do not agree (the reason logged)."""
    try:
        return agree_blocks(summaries, path)
    except NotBlockSafe as exc:
        log.info("%s: read whole (%s)", Path(str(path)).name, exc)
    except Exception as exc:  # noqa: BLE001 (a fault of the block reading: the whole read is still right)
        log.warning("%s: read whole, the blocks could not be checked (%s: %s)", Path(str(path)).name,
                    type(exc).__name__, exc)
    return None


def combine_blocks(reads: list[BlockRead], path: Any) -> pd.DataFrame:
    """The blocks' reads (:func:`read_block`, in order) as the whole file's table and load report, or
    NotBlockSafe: :func:`block_names`, :func:`mask_block`, :func:`block_summary`, :func:`agree_blocks`,
    :func:`finish_block`, :func:`stack_finished`, here (the Dask engine runs each step where the blocks are)."""
    reads = _masked(reads)
    agreement = agree_blocks([block_summary(r, len(reads)) for r in reads], path)
    return stack_finished([finish_block(r, agreement) for r in reads], agreement)


def _masked(reads: list[BlockRead]) -> list[BlockRead]:
    from ..privacy import Names

    names = Names.union([block_names(r) for r in reads])
    return [mask_block(r, names) for r in reads]


def stack_blocks(finished: list[pd.DataFrame | None], agreement: Agreement | None,
                 reader: Callable[..., pd.DataFrame], path: Any, **kwargs: Any) -> pd.DataFrame:
    """The finished blocks stacked (:func:`stack_finished`), or, when they did not agree (``agreement``
    None, :func:`agreed`) or a block could not be finished (None), the file read whole:
    ``reader(path, **kwargs)``."""
    if agreement is None or any(f is None for f in finished):
        del finished
        return reader(path, **kwargs)
    return stack_finished(finished, agreement)


def read_in_blocks(reader: Callable[..., pd.DataFrame], path: Any, *, block_bytes: int = BLOCK_BYTES,
                   **kwargs: Any) -> pd.DataFrame:
    """``reader(path, **kwargs)``, the file read block by block here (:func:`block_ranges`,
    :func:`read_block`, :func:`stack_blocks`): what the Dask engine does with one task per block."""
    blocks = plan_blocks(reader, path, block_bytes, **kwargs)
    if not blocks:
        return reader(path, **kwargs)
    reads = _masked([read_block(reader, b, **kwargs) for b in blocks])
    agreement = agreed([block_summary(r, len(reads)) for r in reads], path)
    finished = [finish_block(r, agreement) for r in reads]
    del reads
    return stack_blocks(finished, agreement, reader, path, **kwargs)
