"""What a reader accepts besides one path: several files (stacked, one load report).

Every reader (:func:`~csanalysis.io.read_tickets`, :func:`~csanalysis.io.read_survey`,
:func:`~csanalysis.io.read_activity`, :func:`~csanalysis.io.read_customers`)
takes one path, a :class:`pandas.DataFrame` (see
:class:`csanalysis.io._text.FrameInput`) or a list of them. A list is read
file by file with the same options, stacked, rows that repeated exports share
merged (:func:`csanalysis.io.batch.concat_tables`), and the files' load reports
combined into one (:func:`combine_reports`) that still accounts for every row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .report import LoadReport

__all__ = ["is_several", "read_several", "combine_reports"]


def is_several(source) -> bool:
    """Whether a reader's ``path`` argument is several sources (a list or tuple)."""
    return isinstance(source, (list, tuple))


def _label(path: str) -> str:
    return path if path.startswith("<") else Path(path).name


def combine_reports(reports: list[LoadReport]) -> LoadReport:
    """One load report for files stacked into one table: counts summed, rows and notes kept per file.

    ``rejected`` gains a ``file`` column; every note is prefixed with its
    file's name; a parsing fact (encoding, delimiter, date order, time zone,
    header rows, format) is kept when every file agrees and missing otherwise
    (each file's own value is in its notes' prefix-free report, e.g. from
    :func:`~csanalysis.io.read_exports`).

    Examples
    --------
    >>> a = LoadReport("a.csv", "tickets", "zendesk_csv", rows_read=3, rows_loaded=2, rows_excluded=1)
    >>> b = LoadReport("b.csv", "tickets", "zendesk_csv", rows_read=2, rows_loaded=2)
    >>> r = combine_reports([a, b])
    >>> r.rows_read, r.rows_loaded, r.rows_excluded, r.balanced, r.source_format
    (5, 4, 1, True, 'zendesk_csv')
    """
    if len(reports) == 1:
        return reports[0]
    first = reports[0]

    def agreed(attr: str):
        values = {getattr(r, attr) for r in reports}
        return values.pop() if len(values) == 1 else None

    formats = list(dict.fromkeys(r.source_format for r in reports))
    rep = LoadReport(", ".join(r.path for r in reports), first.table,
                     source_format=formats[0] if len(formats) == 1 else "+".join(formats),
                     encoding=agreed("encoding"), delimiter=agreed("delimiter"), date_order=agreed("date_order"),
                     timezone=agreed("timezone"), header_rows=agreed("header_rows"))
    for attr in ("rows_read", "rows_loaded", "rows_rejected", "rows_merged", "rows_excluded"):
        setattr(rep, attr, sum(getattr(r, attr) for r in reports))
    for r in reports:
        for reason, n in r.excluded.items():
            rep.excluded[reason] = rep.excluded.get(reason, 0) + n
        for src, canon in r.column_mapping.items():
            rep.column_mapping.setdefault(src, canon)
        rep.dropped_columns += [c for c in r.dropped_columns if c not in rep.dropped_columns]
    parts = []
    for r in reports:
        if len(r.rejected):
            part = r.rejected.copy()
            part.insert(min(2, part.shape[1]), "file", _label(r.path))
            parts.append(part)
    if parts:
        rep.rejected = pd.concat(parts, ignore_index=True)
    rep.note(f"{len(reports)} sources stacked into one table: "
             + ", ".join(f"{_label(r.path)} ({r.rows_loaded} of {r.rows_read} rows loaded)" for r in reports))
    for r in reports:
        for n in r.notes:
            rep.note(f"{_label(r.path)}: {n}")
    return rep.check()


def read_several(reader: Callable[..., pd.DataFrame], sources, **options) -> pd.DataFrame:
    """Read every source with ``reader`` and the same options; one stacked table with one load report."""
    sources = list(sources)
    if not sources:
        raise ValueError("an empty list of files was given; expected one or more paths or DataFrames")
    if any(is_several(s) for s in sources):
        raise TypeError("a list of sources must hold paths or DataFrames, not further lists")
    from .batch import concat_tables

    frames = [reader(s, **options) for s in sources]
    reports = [f.attrs["load_report"] for f in frames]
    roles = [f.attrs.get("question_roles") for f in frames]
    out = concat_tables(frames)
    out.attrs["load_report"] = combine_reports(reports)
    roles = [{**row, "file": _label(rep.path)} for rs, rep in zip(roles, reports) for row in (rs or [])]
    if roles:
        out.attrs["question_roles"] = roles
    return out
