"""Reading several exports at once: every file with its reader, one table per role.

:func:`read_exports` is what ``csanalysis report`` and the notebooks use: it
reads each file with the matching reader, stacks files of the same role
(keeping every file's question texts), and keeps one load report per file.
Reading nothing is an error (the bundled sample is
:func:`csanalysis.datasets.load_sample`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Callable

import pandas as pd

from .activity import read_activity
from .customers import read_customers
from .report import LoadReport, load_report
from .surveys import read_survey
from .tickets import read_tickets

__all__ = ["Exports", "read_exports", "concat_tables"]

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


def concat_tables(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """Stack canonical tables of one role, keeping question texts and free-text column lists.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1]}); a.attrs["questions"] = {"q1": "How satisfied ...?"}
    >>> b = pd.DataFrame({"x": [2]}); b.attrs["questions"] = {"q9": "Hvor tilfreds ...?"}
    >>> sorted(concat_tables([a, b]).attrs["questions"])
    ['q1', 'q9']
    """
    frames = [f for f in frames if f is not None]
    if not frames:
        return None
    questions: dict = {}
    free: list = []
    for f in frames:
        questions.update(f.attrs.get("questions", {}) or {})
        free += [c for c in (f.attrs.get("free_text_columns", []) or []) if c not in free]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    out.attrs = {}
    if len(frames) == 1 and "load_report" in frames[0].attrs:
        out.attrs["load_report"] = frames[0].attrs["load_report"]
    if questions:
        out.attrs["questions"] = questions
    if free:
        out.attrs["free_text_columns"] = free
    return out


def _paths(v: Paths) -> list:
    if v is None:
        return []
    if isinstance(v, (str, PathLike)):
        return [v]
    return list(v)


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
    progress: Callable[[str], None] | None = None,
    sample: bool = False,
    key: str | bytes | None = None,
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
        Pseudonymisation secret of e-mail keys (default ``CSANALYSIS_KEY``);
        ``key`` is its former name.
    sample : bool
        Mark the result as the bundled sample (set by
        :func:`csanalysis.datasets.load_sample`).
    progress : callable, optional
        Called with a short message before each file.

    Returns
    -------
    Exports

    Examples
    --------
    >>> from csanalysis.datasets import sample_path
    >>> ex = read_exports(activity=sample_path("shopify_orders.csv"))
    >>> sorted(ex.tables()), len(ex.reports["activity"])
    (['activity'], 1)
    """
    say = progress or (lambda msg: None)
    files = {"tickets": _paths(tickets), "survey": _paths(survey), "activity": _paths(activity),
             "customers": _paths(customers)}
    if not any(files.values()):
        from ..errors import CsanalysisError

        raise CsanalysisError("no export files given: pass tickets=, survey=, activity= or customers=; for the "
                              "bundled sample use csanalysis.datasets.load_sample()")
    key = secret if secret is not None else key
    common = {"timezone": timezone, "dayfirst": dayfirst, "key": key, "keep_pii": keep_pii}
    readers = {
        "tickets": (read_tickets, common),
        "survey": (read_survey, {**common, "questions": questions or None}),
        "activity": (read_activity, common),
        "customers": (read_customers, {"key": key, "keep_pii": keep_pii}),
    }
    out: dict[str, list[pd.DataFrame]] = {}
    for role, paths in files.items():
        reader, kw = readers[role]
        out[role] = []
        for p in paths:
            say(f"reading {role}: {Path(p).name}")
            out[role].append(reader(p, **kw))
    reports = {role: [load_report(df) for df in dfs] for role, dfs in out.items()}
    return Exports(concat_tables(out["tickets"]), concat_tables(out["survey"]), concat_tables(out["activity"]),
                   concat_tables(out["customers"]), reports, sample)
