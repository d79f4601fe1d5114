"""Reading several exports at once: every file with its reader, one table per role.

:func:`read_exports` is what ``csanalysis report`` and the notebooks use: it
reads each file with the matching reader, stacks files of the same role
(keeping every file's question texts), and keeps one load report per file.
Reading nothing is an error (the bundled sample is
:func:`csanalysis.datasets.load_sample`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from .activity import read_activity
from .customers import read_customers
from .report import LoadReport, load_report
from .surveys import read_survey
from .tickets import read_tickets

__all__ = ["ROLES", "ROW_IDS", "UPDATED_COLUMNS", "Exports", "ReadTask", "concat_tables", "merge_overlaps",
           "read_exports", "read_plan", "stack_role"]

Paths = str | PathLike | list | tuple | None


@dataclass
class Exports:
    """Canonical tables read from a set of exports, with one load report per file.

    Attributes
    ----------
    tickets, responses, activity, customers : DataFrame or None
        One table per role (files of the same role stacked).
    reports : dict
        Role (``tickets``, ``survey``, ``activity``, ``customers``) -> list of LoadReport.
    sample : bool
        Whether these are the bundled sample's files.
    """

    tickets: pd.DataFrame | None
    responses: pd.DataFrame | None
    activity: pd.DataFrame | None
    customers: pd.DataFrame | None
    reports: dict[str, list[LoadReport]] = field(default_factory=dict)
    sample: bool = False

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {k: v for k, v in (("tickets", self.tickets), ("responses", self.responses),
                                  ("activity", self.activity), ("customers", self.customers)) if v is not None}

    def summary(self) -> pd.DataFrame:
        """One row per file: what was read and what became of every row."""
        rows = []
        for role, reps in self.reports.items():
            for r in reps:
                rows.append({"role": role, "file": Path(r.path).name, "format": r.source_format,
                             "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                             "rows_rejected": r.rows_rejected, "rows_merged": r.rows_merged,
                             "rows_excluded": r.rows_excluded})
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        from csanalysis.display import table_html

        return table_html(self.summary(), "Files read")


#: Identifier of a row per table kind (recognised by the first column present); ids are kept apart by
#: ``source_format``, so two tools' ids never meet.
ROW_IDS: tuple[str, ...] = ("ticket_id", "response_id", "order_id", "customer_id")
#: Columns telling when an exported row was last updated (the newest version wins a merge).
UPDATED_COLUMNS: tuple[str, ...] = ("updated_at", "modified_at", "last_modified", "updated")


def merge_overlaps(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Fold rows that repeated exports share (same tool, same id) into one: never counted twice.

    Monthly re-exports overlap: the same ticket, response or order appears in
    several files. Rows with the same ``source_format`` and id (the first of
    :data:`ROW_IDS` the tables have) are merged: the row with the latest
    update time wins (the export's own ``updated_at`` / modified column when
    it has one), otherwise the row from the file given later. Each dropped
    row moves from ``rows_loaded`` to ``rows_merged`` in the load report of
    the file it came from, with a note, so every file still accounts for all
    its rows. Rows without an id are never merged.

    Parameters
    ----------
    frames : list of DataFrame
        Tables of one kind, in the order the files were given.

    Returns
    -------
    list of DataFrame
        The same tables without the rows folded into another file's row.

    Examples
    --------
    >>> a = pd.DataFrame({"ticket_id": ["1", "2"], "source_format": "zendesk_csv", "x": [1, 2]})
    >>> b = pd.DataFrame({"ticket_id": ["2", "3"], "source_format": "zendesk_csv", "x": [20, 3]})
    >>> [f["x"].tolist() for f in merge_overlaps([a, b])]
    [[1], [20, 3]]
    """
    frames = [f for f in frames if f is not None]
    if len(frames) < 2:
        return frames
    key = next((c for c in ROW_IDS if all(c in f.columns for f in frames)), None)
    if key is None:
        return frames
    upd = next((c for c in UPDATED_COLUMNS if all(c in f.columns for f in frames)), None)
    parts = []
    for i, f in enumerate(frames):  # a handful of files
        cols = {"file": i, "row": range(len(f)), "id": f[key].astype("str").to_numpy(),
                "fmt": (f["source_format"].astype("str").to_numpy() if "source_format" in f.columns else "")}
        part = pd.DataFrame(cols)
        part["has_id"] = f[key].notna().to_numpy()
        if upd is not None:
            part["upd"] = pd.to_datetime(f[upd], errors="coerce", utc=True).to_numpy()
        parts.append(part)
    allrows = pd.concat(parts, ignore_index=True)
    order = ["fmt", "id"] + (["upd"] if upd is not None else []) + ["file", "row"]
    allrows = allrows.sort_values(order, kind="stable", na_position="first")
    dropped = allrows["has_id"] & allrows.duplicated(["fmt", "id"], keep="last")
    if not dropped.any():
        return frames
    gone = allrows[dropped]
    out = []
    for i, f in enumerate(frames):
        rows = gone.loc[gone["file"] == i, "row"].to_numpy()
        if len(rows) == 0:
            out.append(f)
            continue
        keep = pd.Series(True, index=range(len(f)))
        keep.iloc[rows] = False
        g = f[keep.to_numpy()].copy()
        g.attrs = dict(f.attrs)
        rep = f.attrs.get("load_report")
        if rep is not None:
            rep.rows_loaded -= len(rows)
            rep.rows_merged += len(rows)
            why = f"a newer '{upd}'" if upd is not None else "a file given later"
            rep.note(f"{len(rows)} rows share their {key} with rows of another file (repeated exports): merged, "
                     f"the version from {why} kept, so none is counted twice")
        out.append(g)
    return out


def concat_tables(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """Stack canonical tables of one role, keeping question texts and free-text column lists.

    Rows that repeated exports share are merged first (:func:`merge_overlaps`). The rows are numbered from 0
    (a table's own index is not kept, one table given or several): a row's number is its position, which
    orders what the Dask engine's partitions compute as on the whole table.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1]}); a.attrs["questions"] = {"q1": "How satisfied ...?"}
    >>> b = pd.DataFrame({"x": [2]}); b.attrs["questions"] = {"q9": "Hvor tilfreds ...?"}
    >>> sorted(concat_tables([a, b]).attrs["questions"])
    ['q1', 'q9']
    """
    frames = merge_overlaps([f for f in frames if f is not None])
    if not frames:
        return None
    questions: dict = {}
    free: list = []
    for f in frames:
        questions.update(f.attrs.get("questions", {}) or {})
        free += [c for c in (f.attrs.get("free_text_columns", []) or []) if c not in free]
    out = (pd.concat(_shared_categories(frames), ignore_index=True) if len(frames) > 1
           else frames[0].reset_index(drop=True))
    out.attrs = {}
    if len(frames) == 1 and "load_report" in frames[0].attrs:
        out.attrs["load_report"] = frames[0].attrs["load_report"]
    if questions:
        out.attrs["questions"] = questions
    if free:
        out.attrs["free_text_columns"] = free
    return out


def _shared_categories(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """The frames with each column that is categorical in every frame holding it on one dtype (the sorted union
    of their categories), so that stacking them keeps it categorical (pandas falls back to text otherwise).

    Examples
    --------
    >>> a = pd.DataFrame({"x": pd.Categorical(["paid"])}); b = pd.DataFrame({"x": pd.Categorical(["due"])})
    >>> list(pd.concat(_shared_categories([a, b]))["x"].cat.categories)
    ['due', 'paid']
    """
    cols = {c for f in frames for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)}
    out = list(frames)
    for c in cols:
        dtypes = [f[c].dtype for f in frames if c in f.columns]
        if (not all(isinstance(d, pd.CategoricalDtype) and not d.ordered for d in dtypes)
                or all(d == dtypes[0] for d in dtypes)):
            continue  # text somewhere (pandas stacks as text) or one dtype already
        union = functools.reduce(lambda a, b: a.union(b), [d.categories for d in dtypes]).sort_values()
        out = [f.assign(**{c: f[c].cat.set_categories(union)}) if c in f.columns else f for f in out]
    return out


def _paths(v: Paths) -> list:
    if v is None:
        return []
    if isinstance(v, (str, PathLike)):
        return [v]
    return list(v)


def _file_size(p: Any) -> int:
    """Bytes of the file at ``p`` (0 for what is not a readable file path, e.g. a DataFrame)."""
    try:
        return Path(p).stat().st_size if isinstance(p, (str, PathLike)) else 0
    except OSError:
        return 0


def read_exports(
    *,
    tickets: Paths = None,
    survey: Paths = None,
    activity: Paths = None,
    customers: Paths = None,
    questions: dict | None = None,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    secret: str | bytes | None = None,
    keep_pii: bool = False,
    sheet: str | int | Mapping[str, str | int] | None = None,
    tz_abbreviations: Mapping[str, str] | None = None,
    mapping: Mapping[str, Mapping[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
    sample: bool = False,
    key: str | bytes | None = None,
    executor: Any = None,
) -> Exports:
    """Read a set of exports.

    Parameters
    ----------
    tickets, survey, activity, customers : path or list of paths, optional
        Export files per role.
    questions : dict, optional
        Survey question roles (``{"csat": "Q1", ...}``), passed to every survey reader.
    timezone, dayfirst, keep_pii
        Passed to the readers (see :func:`~csanalysis.read_tickets`).
    secret : str or bytes, optional
        Pseudonymisation secret of e-mail keys (default ``CSANALYSIS_KEY``, else
        the per-user secret, see :func:`csanalysis.privacy.secret_path`);
        ``key`` is its former name.
    sheet : str, int or dict, optional
        Worksheet of workbook exports: a name or 0-based position for every
        workbook, or a dict by role (``{"survey": "Responses"}``). By default
        the sheet that fits the reader (named in the load report).
    tz_abbreviations : dict, optional
        Zones of time-zone abbreviations in timestamps (``{"IST": "Asia/Kolkata"}``),
        added to :data:`csanalysis.io.TZ_ABBREVIATIONS`; needed for ambiguous ones.
    mapping : dict, optional
        Column mapping per role, ``{role: {canonical column: file column}}``
        (``{"activity": {"customer_id": "Buyer Ref"}}``), passed as ``mapping=``
        to that role's reader (see :func:`~csanalysis.read_activity`); for
        columns the reader does not recognise by itself.
    sample : bool
        Mark the result as the bundled sample (set by
        :func:`csanalysis.datasets.load_sample`).
    progress : callable, optional
        Called with a short message before each file. The files are read
        largest first, so that the largest one's peak (its source table, every
        cell as text) comes while the fewest finished tables are held; the
        result does not depend on the order.
    executor : Executor, optional
        Reads the files in parallel, one task per file, through its
        ``submit`` (a :class:`concurrent.futures.ProcessPoolExecutor`; on a
        Dask cluster use ``analyse(engine="dask")``, which reads on the
        workers and keeps the tables there). The tables and load reports are
        the same as read one by one. Pass ``secret=`` as a :class:`csanalysis.privacy.ResolvedSecret`
        (:func:`csanalysis.privacy.resolve_secret`) when the workers do not
        share this process's environment and per-user secret.

    Returns
    -------
    Exports

    Examples
    --------
    >>> from csanalysis.datasets import sample_path
    >>> ex = read_exports(activity=sample_path("shopify_orders.csv"))
    >>> sorted(ex.tables()), len(ex.reports["activity"])
    (['activity'], 1)
    >>> read_exports(activity=sample_path("shopify_orders.csv"),
    ...              mapping={"orders": {"customer_id": "Email"}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    csanalysis.errors.CsanalysisError: mapping= names unknown role(s) ['orders']; the roles are ...
    """
    say = progress or (lambda msg: None)
    plan = read_plan(tickets=tickets, survey=survey, activity=activity, customers=customers, questions=questions,
                     timezone=timezone, dayfirst=dayfirst, secret=secret, keep_pii=keep_pii, sheet=sheet,
                     tz_abbreviations=tz_abbreviations, mapping=mapping, key=key)
    got: dict[tuple[str, int], Any] = {}
    for task in plan:
        say(task.message)
        if executor is None:
            got[task.role, task.index] = task.reader(task.path, **task.kwargs)
        else:  # one task per file (a relative path is read from the workers' working directory)
            got[task.role, task.index] = executor.submit(task.reader, task.path, **task.kwargs)
    if executor is not None:
        got = {k: f.result() for k, f in got.items()}
    stacked = {role: stack_role([got[k] for k in sorted(k for k in got if k[0] == role)]) for role in ROLES}
    return Exports(*(stacked[role][0] for role in ROLES), {role: stacked[role][1] for role in ROLES}, sample)


#: The roles of :func:`read_exports`, in the order of :class:`Exports`' tables.
ROLES: tuple[str, ...] = ("tickets", "survey", "activity", "customers")


class ReadTask(NamedTuple):
    """One file to read: ``reader(path, **kwargs)`` gives the ``index``-th table of ``role``; ``size`` its bytes
    (0 when it is not a file path this process can see)."""

    role: str
    index: int
    path: Any
    reader: Callable[..., pd.DataFrame]
    kwargs: dict
    size: int = 0

    @property
    def message(self) -> str:
        """What the progress callback says before the file is read."""
        return f"reading {self.role}: {Path(self.path).name}"


def read_plan(
    *,
    tickets: Paths = None,
    survey: Paths = None,
    activity: Paths = None,
    customers: Paths = None,
    questions: dict | None = None,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    secret: str | bytes | None = None,
    keep_pii: bool = False,
    sheet: str | int | Mapping[str, str | int] | None = None,
    tz_abbreviations: Mapping[str, str] | None = None,
    mapping: Mapping[str, Mapping[str, str]] | None = None,
    key: str | bytes | None = None,
) -> list[ReadTask]:
    """The files :func:`read_exports` reads, one :class:`ReadTask` each, largest file first (options checked).

    What :func:`read_exports` runs, here or one task per file elsewhere; the
    tables of one role are then stacked by :func:`stack_role` (in ``index``
    order), so a cluster can read and stack where the tables are. The
    parameters are :func:`read_exports`'.

    Examples
    --------
    >>> from csanalysis.datasets import sample_path
    >>> [(t.role, t.index, t.reader.__name__) for t in read_plan(activity=sample_path("shopify_orders.csv"))]
    [('activity', 0, 'read_activity')]
    """
    files = {"tickets": _paths(tickets), "survey": _paths(survey), "activity": _paths(activity),
             "customers": _paths(customers)}
    if not any(files.values()):
        from ..errors import CsanalysisError

        raise CsanalysisError("no export files given: pass tickets=, survey=, activity= or customers=; for the "
                              "bundled sample use csanalysis.datasets.load_sample()")
    key = secret if secret is not None else key
    common = {"timezone": timezone, "dayfirst": dayfirst, "key": key, "keep_pii": keep_pii,
              "tz_abbreviations": tz_abbreviations}
    readers = {
        "tickets": (read_tickets, common),
        "survey": (read_survey, {**common, "questions": questions or None}),
        "activity": (read_activity, common),
        "customers": (read_customers, {"key": key, "keep_pii": keep_pii}),
    }
    if isinstance(sheet, Mapping):
        unknown = set(sheet) - set(readers)
        if unknown:
            from ..errors import CsanalysisError

            raise CsanalysisError(f"sheet= names unknown role(s) {sorted(unknown)}; the roles are "
                                  f"{sorted(readers)}")
    if mapping is not None:
        from ..errors import CsanalysisError

        if not isinstance(mapping, Mapping) or not all(isinstance(m, Mapping) for m in mapping.values()):
            raise CsanalysisError("mapping= is one column mapping per role, {role: {canonical column: file column}}, "
                                  "e.g. mapping={'activity': {'customer_id': 'Buyer Ref'}}")
        unknown = set(mapping) - set(readers)
        if unknown:
            raise CsanalysisError(f"mapping= names unknown role(s) {sorted(unknown)}; the roles are "
                                  f"{sorted(readers)}, e.g. mapping={{'activity': {{'customer_id': 'Buyer Ref'}}}}")
    # the largest file first: a reader's peak (its source table, every cell as text) then comes while the
    # fewest finished tables are held beside it
    order = sorted(((role, i, p, _file_size(p)) for role, paths in files.items() for i, p in enumerate(paths)),
                   key=lambda t: -t[3])
    out = []
    for role, i, p, size in order:
        reader, kw = readers[role]
        kw = {**kw, "sheet": sheet.get(role) if isinstance(sheet, Mapping) else sheet,
              "mapping": dict((mapping or {}).get(role) or {}) or None}
        out.append(ReadTask(role, i, p, reader, kw, size))
    return out


def stack_role(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame | None, list[LoadReport]]:
    """The tables read for one role, stacked (:func:`concat_tables`), and their load reports, in order.

    The reports are taken before the stacking, which moves rows that repeated
    exports share from ``rows_loaded`` to ``rows_merged`` in them.
    """
    reports = [load_report(df) for df in frames]
    return concat_tables(frames), reports
