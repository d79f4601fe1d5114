"""The Excel workbook of an analysis (``report.xlsx``): the same rows as the page and ``results.json``.

:func:`workbook_sheets` lays an :class:`~csanalysis.Analysis` out as one
table per sheet and :func:`write_workbook` writes them; nothing is computed
here. The sheets:

``summary``
    The comparisons with the columns a reader needs first (:meth:`Analysis.summary`).
``figures``
    Every row of :attr:`Analysis.figures`, flags as text with their reasons
    (:func:`csanalysis.flags.flags_text`).
``comparisons``
    Every row of :attr:`Analysis.comparisons`.
``segments``
    The figure rows of the segments (RFM, experience journeys, service
    recovery, service levels, clusters).
``scorecard``
    The scorecard, one row per period and measure.
``load report``
    One row per file read: what became of every row (file names only, never
    folders; notes masked as in the load report).
``notes``
    Version, time zone, options, the bad-experience rule and the notes.

Spreadsheets know no time zones, so every time stamp is shown in the
analysis time zone (``timezone=`` of :func:`csanalysis.analyse`, else UTC)
without a zone suffix; lists and dicts become text.

Examples
--------
>>> import csanalysis as cs
>>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
>>> sheets = workbook_sheets(a)
>>> list(sheets) == list(SHEETS)
True
>>> sheets["figures"]["estimate"].equals(a.figures["estimate"])
True
"""

from __future__ import annotations

import datetime as dt
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import CsanalysisError
from ..flags import flags_text
from ..privacy import mask_text

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis

__all__ = ["SHEETS", "SEGMENT_SOURCES", "analysis_timezone", "excel_ready", "workbook_sheets", "write_workbook"]

#: The sheets of the workbook, in order.
SHEETS: tuple[str, ...] = ("summary", "figures", "comparisons", "segments", "scorecard", "load report", "notes")
#: Sources (``figures["source"]``) of the rows on the ``segments`` sheet.
SEGMENT_SOURCES: tuple[str, ...] = ("rfm", "journeys", "recovery", "service_levels", "clusters")
#: Widest column, in characters (longer text stays whole in the cell).
MAX_WIDTH = 60


def analysis_timezone(analysis: Analysis) -> str:
    """The zone time stamps are shown in: the analysis' ``timezone`` option, else ``"UTC"``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> analysis_timezone(SimpleNamespace(options={"timezone": None}))
    'UTC'
    >>> analysis_timezone(SimpleNamespace(options={"timezone": "Europe/Copenhagen"}))
    'Europe/Copenhagen'
    """
    return (getattr(analysis, "options", None) or {}).get("timezone") or "UTC"


def _text(v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_text(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple, set, frozenset, np.ndarray)):
        return "; ".join(_text(x) for x in v)
    return str(v)


def _cell(v: Any, tz: str) -> Any:
    """One value of an object column as a cell: naive local time, text for containers."""
    if isinstance(v, (dict, list, tuple, set, frozenset, np.ndarray)):
        return _text(v)
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        ts = pd.Timestamp(v)
        return (ts.tz_convert(tz).tz_localize(None) if ts.tzinfo is not None else ts).to_pydatetime()
    if isinstance(v, (pd.Period, pd.Interval, pd.Timedelta, dt.timedelta)):
        return str(v)
    return v


def excel_ready(df: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """A table as a spreadsheet can hold it.

    Time stamps with a zone are converted to ``tz`` and lose the zone (naive
    local time); periods, intervals and durations become text; lists and
    dicts become text (``"a; b"``, ``"key: value; ..."``); a ``flags``
    column of codes becomes the codes with their reasons
    (:func:`csanalysis.flags.flags_text`). The index is dropped.

    Parameters
    ----------
    df : DataFrame
    tz : str, default "UTC"
        The analysis time zone.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> df = pd.DataFrame({"at": pd.to_datetime(["2024-03-01 12:00"]).tz_localize("UTC"),
    ...                    "period": pd.period_range("2024Q1", periods=1, freq="Q"), "tags": [["a", "b"]]})
    >>> excel_ready(df, "Europe/Copenhagen").iloc[0].tolist()
    [Timestamp('2024-03-01 13:00:00'), '2024Q1', 'a; b']
    """
    out = df.reset_index(drop=True).copy()
    for c in out.columns:
        s = out[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[c] = s.dt.tz_convert(tz).dt.tz_localize(None)
        elif isinstance(s.dtype, (pd.PeriodDtype, pd.IntervalDtype)) or s.dtype.kind == "m":
            out[c] = s.astype("str").where(s.notna(), None).astype("object")
        elif c == "flags" and s.dtype == object:
            out[c] = s.map(lambda v: flags_text(v) if isinstance(v, (list, tuple, set, frozenset, np.ndarray))
                           else _cell(v, tz))
        elif s.dtype == object:
            out[c] = s.map(lambda v: _cell(v, tz)).astype("object")
    return out


def _note(text: str) -> pd.DataFrame:
    return pd.DataFrame({"note": [text]})


def _load_report_rows(analysis: Analysis) -> pd.DataFrame:
    rows = []
    for role, reps in analysis.load_reports.items():
        for rep in reps:
            d = rep.to_dict()  # file name only, notes and column names masked
            rows.append({"role": role, "file": d.pop("name"), **d})
    if not rows:
        return _note("no file was read (the tables were passed in without load reports)")
    return pd.DataFrame(rows)


def _notes_rows(analysis: Analysis, tz: str) -> pd.DataFrame:
    from ..registry import registry_version

    as_of = analysis.as_of
    local = None if as_of is None else pd.Timestamp(as_of).tz_convert(tz).tz_localize(None)
    now = pd.Timestamp.now(tz="UTC").tz_convert(tz).tz_localize(None).floor("s")
    rows: list[tuple[str, str, Any]] = [
        ("about", "generator", f"csanalysis {__version__}"),
        ("about", "registry version", registry_version()),
        ("about", "written at", now.to_pydatetime()),
        ("about", "time zone of every time stamp", tz),
        ("about", "as_of (end of follow-up)", None if local is None else local.to_pydatetime()),
        ("about", "bad-experience rule", analysis.rule.describe()),
        ("about", "bundled sample (invented customers)", bool(analysis.sample)),
    ]
    rows += [("option", k, v) for k, v in analysis.options.items() if k not in ("secret", "as_of", "rule")]
    rows += [("note", "", mask_text(str(n))) for n in analysis.notes]
    return pd.DataFrame(rows, columns=["kind", "item", "value"]).astype({"value": "object"})


def workbook_sheets(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as tables (:data:`SHEETS`, in order), ready to be written.

    Every table has passed :func:`excel_ready`: time stamps in the analysis
    time zone (:func:`analysis_timezone`) without a zone, lists and dicts as
    text, flags with their reasons. A sheet whose results the data did not
    support holds one ``note`` saying so.

    Parameters
    ----------
    analysis : Analysis

    Returns
    -------
    dict
        Sheet name -> DataFrame.

    Examples
    --------
    >>> import csanalysis as cs
    >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
    >>> sheets = workbook_sheets(a)
    >>> sheets["summary"].columns[:4].tolist()
    ['id', 'label', 'cited', 'observed']
    >>> sheets["load report"][["role", "file"]].head(2).values.tolist()
    [['tickets', 'zendesk_tickets.csv'], ['survey', 'qualtrics_survey.csv']]
    """
    tz = analysis_timezone(analysis)
    f = analysis.figures
    segments = f[f["source"].isin(SEGMENT_SOURCES)]
    sc = analysis.results.get("scorecard")
    sheets = {
        "summary": analysis.summary(),
        "figures": f,
        "comparisons": analysis.comparisons,
        "segments": segments if len(segments) else _note(
            "no segments: they need purchase activity (RFM, clusters), service experiences (journeys) or survey "
            "answers (service levels)"),
        "scorecard": sc.summary() if sc is not None else _note("no scorecard: it needs tickets"),
        "load report": _load_report_rows(analysis),
        "notes": _notes_rows(analysis, tz),
    }
    return {name: excel_ready(df, tz) for name, df in sheets.items()}


def _width(s: pd.Series, header: str) -> int:
    lengths = s.map(lambda v: 0 if v is None or (isinstance(v, float) and np.isnan(v))
                    else 19 if isinstance(v, (dt.datetime, pd.Timestamp)) else len(str(v)))
    longest = max(len(str(header)), int(lengths.quantile(0.9)) if len(lengths) else 0)
    return int(min(MAX_WIDTH, max(8, longest + 2)))


def write_workbook(analysis: Analysis, path: str | PathLike) -> Path:
    """Write the analysis as an Excel workbook (the sheets of :func:`workbook_sheets`).

    The header row of every sheet is bold and frozen, with a filter; text
    starting with ``=`` stays text (never a formula); columns
    are as wide as most of their values (at most :data:`MAX_WIDTH`
    characters). Time stamps are in the analysis time zone without a zone
    suffix (the ``notes`` sheet names the zone). What
    :meth:`csanalysis.Analysis.to_excel` writes, and ``csanalysis report
    --format xlsx`` (as ``report.xlsx``).

    Parameters
    ----------
    analysis : Analysis
    path : str or path-like
        The workbook to write, ending in ``.xlsx``; its folder must exist.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    CsanalysisError
        When ``path`` does not end in ``.xlsx``.

    Examples
    --------
    >>> import tempfile, openpyxl, csanalysis as cs
    >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     wb = openpyxl.load_workbook(write_workbook(a, Path(d) / "report.xlsx"))
    ...     print(wb.sheetnames[:3], wb["figures"]["A1"].value, wb["figures"].freeze_panes)
    ['summary', 'figures', 'comparisons'] id A2
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise CsanalysisError(f"the workbook {path.name!r} must end in .xlsx (an Excel workbook), e.g. report.xlsx")
    if path.is_dir():
        raise CsanalysisError(f"{path} is a folder; give the workbook's file name, e.g. {path / 'report.xlsx'}")
    sheets = workbook_sheets(analysis)
    bold = Font(bold=True)
    with pd.ExcelWriter(path, engine="openpyxl", datetime_format="yyyy-mm-dd hh:mm:ss",
                        date_format="yyyy-mm-dd") as writer:
        for name, df in sheets.items():
            df.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            for cell in ws[1]:
                cell.font = bold
            ws.freeze_panes = "A2"
            if len(df.columns):
                ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 1}"
            for i, col in enumerate(df.columns, start=1):
                ws.column_dimensions[get_column_letter(i)].width = _width(df[col], col)
            for row in ws.iter_rows(min_row=2):  # text from the data is never a formula ("=cmd|...")
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    return path
