"""The one formatter: every number and table shown in a notebook, a terminal or the page.

Values are formatted from their *unit* (the fixed vocabulary :data:`UNITS` of
the figure table), so a share reads ``52.1%`` and a count reads ``816`` on
every face. :func:`table_html` renders any tidy table as a small escaped HTML
table; :func:`figures_html` renders rows of the figure table and tags every
number with its figure id (``data-figure-id``), its slice (``data-group``) and
its field (``data-field``), so that a test or a reader can trace each number
on the page back to :attr:`csanalysis.Analysis.figures`. :func:`table_text`
renders the same tables as plain text.

This module imports neither matplotlib nor the report; result objects use it
for their notebook face.

Examples
--------
>>> format_value(0.52057, "share")
'52.1%'
>>> format_value(816.0, "count")
'816'
>>> format_value(122.0, "minutes")
'122'
>>> format_value(float("nan"), "share")
'–'
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

__all__ = ["UNITS", "UNIT_LABELS", "DECIMALS", "MISSING", "format_value", "parse_value", "table_html", "figures_html",
           "figures_grid_html", "table_text", "figure_cell", "unit_text", "flags_html", "table_flags_html", "is_empty"]

#: The fixed units of the figure table.
UNITS: tuple[str, ...] = ("share", "count", "people", "days", "minutes", "hours", "score_1_5", "score_0_10",
                          "score_1_7", "nps_points", "currency", "ratio")

#: How each unit is named next to a number (empty: the number says it).
UNIT_LABELS: dict[str, str] = {
    "share": "%", "count": "", "people": "people", "days": "days", "minutes": "minutes", "hours": "hours",
    "score_1_5": "on 1-5", "score_0_10": "on 0-10", "score_1_7": "on 1-7", "nps_points": "NPS points",
    "currency": "", "ratio": "",
}

#: What a missing value looks like.
MISSING = "–"

#: Decimals shown per unit (display precision; shares in percent points).
DECIMALS = {"share": 1, "count": 0, "people": 1, "days": 0, "minutes": 0, "hours": 1, "score_1_5": 2,
             "score_0_10": 2, "score_1_7": 2, "nps_points": 1, "currency": 0, "ratio": 2}


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, unit: str | None = None, *, field: str = "estimate") -> str:
    """One number as text, at the display precision of its unit.

    Parameters
    ----------
    value : number or None
    unit : str, optional
        One of :data:`UNITS`; ``None`` formats a plain number (integers
        without decimals, others with three significant digits).
    field : str
        ``"n"`` (or any name starting with ``n_``) formats a count whatever
        the unit; ``"p_value"`` formats a p-value.

    Examples
    --------
    >>> format_value(3.85548, "score_1_5"), format_value(0.000012, None, field="p_value")
    ('3.86', '<0.0001')
    >>> format_value(1621.0, "share", field="n")
    '1,621'
    >>> format_value(-0.0418, "share", field="change"), format_value(5.5, "minutes", field="change")
    ('-4.2 pts', '+6')
    """
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return MISSING
    if field == "n" or field.startswith("n_"):
        return f"{int(round(v)):,}"
    if field == "p_value":
        return "<0.0001" if v < 0.0001 else f"{v:.4f}"
    if field == "change":  # a difference: signed, shares in percentage points
        if unit == "share":
            return f"{100 * v:+.1f} pts"
        return f"{v:+,.{DECIMALS.get(unit, 2)}f}"
    if unit == "share":
        return f"{100 * v:.1f}%"
    if unit in DECIMALS:
        d = DECIMALS[unit]
        return f"{v:,.{d}f}"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else (f"{v:.2f}" if a >= 1 else f"{v:.3g}")


def parse_value(text: str) -> float:
    """Read back a number :func:`format_value` wrote (``'52.1%'`` -> 0.521); NaN for ``'–'``.

    Examples
    --------
    >>> parse_value("52.1%"), parse_value("1,621"), parse_value("–")
    (0.521, 1621.0, nan)
    """
    t = str(text).strip()
    if t in (MISSING, "", "n/a"):
        return math.nan
    if t.startswith("<"):
        t = t[1:]
    pct = t.endswith("%")
    t = t.rstrip("%").replace(",", "")
    v = float(t)
    return v / 100 if pct else v


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or str(s.dtype).startswith(("str", "string", "category"))


def table_html(df: pd.DataFrame, caption: str = "", *, units: dict[str, str] | None = None,
               badge_columns: dict | None = None, max_rows: int = 200, attrs: str = "") -> str:
    """A small escaped HTML table of any tidy DataFrame.

    Parameters
    ----------
    df : DataFrame
    caption : str
    units : dict, optional
        Column -> unit (see :data:`UNITS`) for number formatting; columns
        named ``n`` or ``n_*`` are counts, ``p_value`` a p-value.
    badge_columns : dict, optional
        Column -> function of the cell text giving a CSS class; the cell is
        shown as a badge.
    max_rows : int
        Longer tables are cut, with a note saying how many rows are left out.

    Examples
    --------
    >>> t = table_html(pd.DataFrame({"x": [0.5], "n": [10.0]}), units={"x": "share"})
    >>> "<td>50.0%</td>" in t and "<td>10</td>" in t
    True
    """
    units = units or {}
    badge_columns = badge_columns or {}
    text_cols = {c for c in df.columns if _is_text(df[c])}
    head = "".join(f"<th class='{'text' if c in text_cols else ''}'>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.head(max_rows).itertuples(index=False, name=None):  # display only: a few hundred rows
        cells = []
        for c, v in zip(df.columns, row):
            if c in badge_columns and isinstance(v, str) and v:
                cells.append(f"<td class='text'><span class='badge {html.escape(badge_columns[c](v))}'>"
                             f"{html.escape(v)}</span></td>")
            elif isinstance(v, (list, tuple)):
                cells.append(f"<td class='text'>{html.escape(', '.join(map(str, v)))}</td>")
            elif isinstance(v, str) or c in text_cols:
                cells.append(f"<td class='text'>{html.escape(MISSING if _missing(v) else str(v))}</td>")
            else:
                cells.append(f"<td>{html.escape(format_value(v, units.get(c), field=str(c)))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='muted'>{len(df) - max_rows} more rows in results.json</p>" if len(df) > max_rows else "")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table{attrs}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


_FIGURE_FIELDS = ("estimate", "ci_low", "ci_high", "n")
_TAGGED = ("estimate", "observed", "ci_low", "ci_high", "n")


def unit_text(unit: Any) -> str:
    """How a unit is named next to a number (``''`` for shares, counts and plain ratios).

    Examples
    --------
    >>> unit_text("minutes"), unit_text("score_1_5"), unit_text("share")
    ('minutes', 'on 1-5', '')
    """
    if unit == "share":
        return ""
    return UNIT_LABELS.get(str(unit), "") if isinstance(unit, str) else ""


def figure_cell(value: Any, unit: Any, fid: str, group: str, field: str = "estimate") -> str:
    """One number of the figure table as a tagged ``<td>`` (id, group and field escaped).

    ``field`` names the figure-table column the number comes from
    (``estimate``, ``ci_low``, ``ci_high`` or ``n``).

    Examples
    --------
    >>> figure_cell(0.52057, "share", "avoid_2y_after_bad", "all")
    "<td data-figure-id='avoid_2y_after_bad' data-group='all' data-field='estimate'>52.1%</td>"
    """
    txt = html.escape(format_value(value, unit, field=field))
    return (f"<td data-figure-id='{html.escape(str(fid), quote=True)}' "
            f"data-group='{html.escape(str(group), quote=True)}' data-field='{html.escape(field, quote=True)}'>"
            f"{txt}</td>")


def _codes(flags: Any) -> list[str]:
    if flags is None or isinstance(flags, float):
        return []
    if isinstance(flags, str):
        return [c.strip() for c in flags.replace(";", ",").split(",") if c.strip()]
    return [str(c) for c in flags]


def flags_html(flags: Any) -> str:
    """A figure's flags with their reasons in plain words (:func:`csanalysis.flags.flag_reason`).

    Flags of :data:`csanalysis.flags.DATA_QUALITY` are marked as data-quality
    warnings (about the data, not a finding). Empty when there are none.

    Examples
    --------
    >>> flags_html(["small_n"])[:60]
    "<ul class='flags'><li class='flag'><b>caution:</b> too few c"
    >>> flags_html([])
    ''
    """
    from .flags import DATA_QUALITY, flag_reason

    codes = _codes(flags)
    if not codes:
        return ""
    items = []
    for c in codes:
        dq = c in DATA_QUALITY
        items.append(f"<li class='{'dq' if dq else 'flag'}'><b>{'data-quality warning' if dq else 'caution'}:</b> "
                     f"{html.escape(flag_reason(c))}</li>")
    return "<ul class='flags'>" + "".join(items) + "</ul>"


def _common_flags(flag_lists: list) -> list[str]:
    """The flags every row carries (only when there are two rows or more)."""
    codes = [_codes(x) for x in flag_lists]
    if len(codes) < 2 or not codes[0]:
        return []
    common = set.intersection(*(set(c) for c in codes))
    return [c for c in codes[0] if c in common]


def table_flags_html(codes: Iterable[str]) -> str:
    """Flags that concern a whole table, stated once above it (data-quality warnings apart from cautions).

    Examples
    --------
    >>> table_flags_html(["small_n"])[:40]
    "<div class='note'><b>Every row below:</b"
    """
    from .flags import DATA_QUALITY, flag_reason

    out = []
    for c in codes:
        dq = c in DATA_QUALITY
        out.append(f"<div class='{'dq-warning' if dq else 'note'}'><b>Every row below:</b> "
                   f"{'data-quality warning: ' if dq else ''}{html.escape(flag_reason(c))}</div>")
    return "".join(out)


def is_empty(rows: pd.DataFrame) -> pd.Series:
    """Rows of the figure table with nothing to show: no estimate, or an estimate over no one (``n`` = 0).

    Examples
    --------
    >>> is_empty(pd.DataFrame({"estimate": [0.2, float("nan"), 0.0], "n": [10.0, 5.0, 0.0]})).tolist()
    [False, True, True]
    """
    est = rows["estimate"] if "estimate" in rows.columns else rows["observed"]
    empty = est.isna()
    if "n" in rows.columns:
        empty |= pd.to_numeric(rows["n"], errors="coerce").fillna(1).eq(0)
    return empty


def _label_cell(r: dict, c: str, details: Iterable[str]) -> str:
    label = html.escape(MISSING if _missing(r.get(c)) else str(r.get(c)))
    more = []
    for d in details:
        v = r.get(d)
        if not _missing(v) and str(v).strip():
            more.append(f"<p><b>{html.escape(d)}:</b> {html.escape(str(v))}</p>")
    if not more:
        return f"<td class='text'>{label}</td>"
    return f"<td class='text'><details><summary>{label}</summary>{''.join(more)}</details></td>"


def figures_html(rows: pd.DataFrame, caption: str = "", *, label_columns: Iterable[str] = ("label", "group"),
                 fields: Iterable[str] = _FIGURE_FIELDS, extra_columns: Iterable[str] = (),
                 badge_columns: dict | None = None, headers: dict[str, str] | None = None,
                 max_rows: int = 200, details: Iterable[str] = (), unit_column: bool = False,
                 flags_column: bool = False, hide_empty: bool = False, collapse_after: int | None = None) -> str:
    """Rows of the figure table (or the comparisons) as HTML, every number tagged with its figure.

    Each number of the figure table (``estimate`` -- ``observed`` in
    comparison rows --, ``ci_low``, ``ci_high``, ``n``) carries
    ``data-figure-id`` (the row's ``id``, or ``own_id`` for comparison rows),
    ``data-group`` (``group``, or ``own_group``) and ``data-field``; other
    numbers (the cited value, p-values, changes) are shown untagged.

    Parameters
    ----------
    rows : DataFrame
        Rows of :attr:`Analysis.figures` (columns ``id, unit, group`` and the
        fields shown) or of :attr:`Analysis.comparisons`.
    label_columns : columns shown first, as text.
    fields : numeric columns shown, each tagged.
    extra_columns : further text columns (method, verdict, ...).
    headers : dict, optional
        Column -> header text.
    details : columns (definition, method, ...) shown one click away under the
        first label, in a ``<details>`` element.
    unit_column : bool
        Add a ``unit`` column naming each row's unit (minutes, on 1-5, ...).
    flags_column : bool
        Add a ``caveats`` column: each row's flags with their reasons in plain
        words (:func:`flags_html`).
    hide_empty : bool
        Leave out rows with no estimate or an estimate over no one
        (:func:`is_empty`), saying how many were left out.
    collapse_after : int, optional
        Tables longer than this are folded in a ``<details>`` element.

    Examples
    --------
    >>> f = pd.DataFrame({"id": ["csat_mean"], "label": ["CSAT"], "unit": ["score_1_5"], "group": ["all"],
    ...                   "estimate": [3.8555], "ci_low": [3.77], "ci_high": [3.94], "n": [858.0]})
    >>> "data-figure-id='csat_mean' data-group='all' data-field='estimate'>3.86<" in figures_html(f)
    True
    """
    badge_columns = badge_columns or {}
    headers = headers or {}
    details = list(details)
    left_out = ""
    if hide_empty and len(rows):
        empty = is_empty(rows)
        if empty.any():
            gcol = "own_group" if "own_group" in rows.columns else "group"
            names = rows.loc[empty, gcol].astype(str).map(lambda g: g.split("=", 1)[-1]).drop_duplicates()
            left_out = (f"<p class='muted'>Left out, with no one or no estimate: {html.escape(', '.join(names))}"
                        f" ({int(empty.sum())} rows; all in results.json).</p>")
            rows = rows[~empty]
    common: list[str] = []
    if flags_column and "flags" in rows.columns:
        records = rows.head(max_rows)["flags"].tolist()
        common = _common_flags(records)
        if all(not [c for c in _codes(x) if c not in common] for x in records):
            flags_column = False  # nothing row-specific: the table's flags are stated once, above it
    label_columns, fields, extra_columns = list(label_columns), list(fields), list(extra_columns)
    shown = label_columns + (["unit"] if unit_column else []) + fields + extra_columns + (
        ["caveats"] if flags_column else [])
    head = "".join(f"<th class='{'' if c in fields else 'text'}'>{html.escape(headers.get(c, c))}</th>"
                   for c in shown)
    id_col = "own_id" if "own_id" in rows.columns else "id"
    body = []
    for r in rows.head(max_rows).to_dict("records"):  # display only: a few hundred rows
        fid = html.escape(str(r.get(id_col) or r.get("id") or ""), quote=True)
        grp = html.escape(str(r.get("own_group" if id_col == "own_id" else "group") or "all"), quote=True)
        unit = r.get("unit")
        cells = []
        for i, c in enumerate(label_columns):
            cells.append(_label_cell(r, c, details if i == 0 else ()))
        if unit_column:
            cells.append(f"<td class='text'>{html.escape(unit_text(unit))}</td>")
        for c in fields:
            txt = html.escape(format_value(r.get(c), unit, field=c))
            if c in _TAGGED and fid:  # a number of the figure table: traceable to its row
                field_name = "estimate" if c == "observed" else c
                cells.append(f"<td data-figure-id='{fid}' data-group='{grp}' data-field='{field_name}'>{txt}</td>")
            else:
                cells.append(f"<td>{txt}</td>")
        for c in extra_columns:
            v = r.get(c)
            if isinstance(v, (list, tuple)):
                v = ", ".join(map(str, v))
            if c in badge_columns and isinstance(v, str) and v:
                cells.append(f"<td class='text'><span class='badge {html.escape(badge_columns[c](v))}'>"
                             f"{html.escape(v)}</span></td>")
            elif isinstance(v, (bool, np.bool_)):
                cells.append(f"<td class='text'>{format_value(v)}</td>")
            elif isinstance(v, (float, np.floating)) and not _missing(v):
                cells.append(f"<td>{html.escape(format_value(v, unit if c == 'change' else None, field=c))}</td>")
            else:
                cells.append(f"<td class='text'>{html.escape(MISSING if _missing(v) else str(v))}</td>")
        if flags_column:
            own = [c for c in _codes(r.get("flags")) if c not in common]
            cells.append(f"<td class='text caveat'>{flags_html(own)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='muted'>{len(rows) - max_rows} more rows in results.json</p>" if len(rows) > max_rows
            else "")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    table = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"
    if collapse_after is not None and len(rows) > collapse_after:
        what = html.escape(caption or "the table")
        table = f"<details class='long'><summary>Show {what} ({len(rows)} rows)</summary>{table}</details>"
    return table_flags_html(common) + table + left_out


def figures_grid_html(rows: pd.DataFrame, caption: str = "", *, row_label: str = "group",
                      headers: dict[str, str] | None = None, strip_prefix: bool = True,
                      flags_column: bool = False) -> str:
    """Rows of the figure table as a grid: one line per ``group``, one column per figure ``id``.

    Every cell shows the figure's ``estimate`` at its unit's precision and is
    tagged like :func:`figures_html`. ``headers`` maps ids to column titles
    (default: the figure labels). With ``flags_column`` a last ``caveats``
    column gives the flags of the line's figures, with their reasons
    (:func:`flags_html`).

    Examples
    --------
    >>> f = pd.DataFrame({"id": ["rows_read", "rows_loaded"], "label": ["Rows read", "Rows loaded"],
    ...                   "unit": ["count", "count"], "group": ["file=a.csv", "file=a.csv"],
    ...                   "estimate": [10.0, 9.0]})
    >>> "data-field='estimate'>9<" in figures_grid_html(f)
    True
    """
    if rows.empty:
        return ""
    ids = list(dict.fromkeys(rows["id"]))
    groups = list(dict.fromkeys(rows["group"]))
    labels = rows.drop_duplicates("id").set_index("id")["label"].to_dict() if "label" in rows.columns else {}
    headers = {**labels, **(headers or {})}
    cell = {(r["id"], r["group"]): r for r in rows.to_dict("records")}
    line_flags = {g: list(dict.fromkeys(c for i in ids if (i, g) in cell for c in _codes(cell[(i, g)].get("flags"))))
                  for g in groups}
    common = _common_flags([line_flags[g] for g in groups]) if flags_column else []
    if flags_column and all(not [c for c in line_flags[g] if c not in common] for g in groups):
        flags_column = False
    head = f"<th class='text'>{html.escape(row_label)}</th>" + "".join(
        f"<th>{html.escape(str(headers.get(i, i)))}</th>" for i in ids) + (
        "<th class='text'>caveats</th>" if flags_column else "")
    body = []
    for g in groups:  # display only: a few dozen lines
        name = g.split("=", 1)[1] if strip_prefix and "=" in g else g
        tds = [f"<td class='text'>{html.escape(name)}</td>"]
        for i in ids:
            r = cell.get((i, g))
            if r is None:
                tds.append(f"<td>{MISSING}</td>")
                continue
            txt = html.escape(format_value(r.get("estimate"), r.get("unit")))
            tds.append(f"<td data-figure-id='{html.escape(str(i), quote=True)}' "
                       f"data-group='{html.escape(str(g), quote=True)}' data-field='estimate'>{txt}</td>")
        if flags_column:
            tds.append(f"<td class='text caveat'>{flags_html([c for c in line_flags[g] if c not in common])}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    table = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return table_flags_html(common) + table


def table_text(df: pd.DataFrame, *, units: dict[str, str] | None = None, max_rows: int = 60) -> str:
    """The same table as plain text (for terminals and ``print``).

    Examples
    --------
    >>> print(table_text(pd.DataFrame({"id": ["a"], "x": [0.25]}), units={"x": "share"}))
    id     x
     a 25.0%
    """
    units = units or {}
    out = pd.DataFrame(index=range(min(len(df), max_rows)))
    for c in df.columns:
        col = df[c].head(max_rows).tolist()
        if _is_text(df[c]):
            out[c] = [MISSING if _missing(v) else str(v) for v in col]
        else:
            out[c] = [format_value(v, units.get(c), field=str(c)) for v in col]
    text = out.to_string(index=False)
    if len(df) > max_rows:
        text += f"\n... {len(df) - max_rows} more rows"
    return text


class Shown:
    """A table displayed by :func:`show`: HTML in a notebook, plain text in a terminal."""

    def __init__(self, df: pd.DataFrame, caption: str = "", **kw: Any) -> None:
        self.df, self.caption, self.kw = df, caption, kw

    def _is_figures(self) -> bool:
        return {"id", "unit", "estimate"}.issubset(self.df.columns) or {"own_id", "unit", "observed"}.issubset(
            self.df.columns)

    def _repr_html_(self) -> str:
        if self._is_figures():
            return figures_html(self.df, self.caption, **self.kw)
        return table_html(self.df, self.caption, **self.kw)

    def __repr__(self) -> str:
        units = None
        if self._is_figures() and self.df["unit"].nunique() == 1:
            u = self.df["unit"].iloc[0]
            units = {c: u for c in ("estimate", "ci_low", "ci_high", "observed", "cited")}
        text = table_text(self.df, units=units)
        return f"{self.caption}\n{text}" if self.caption else text


def show(df: pd.DataFrame, caption: str = "", **kw: Any) -> Shown:
    """Display a table with the one formatter (figure-table rows get tagged numbers).

    Parameters
    ----------
    df : DataFrame
        Rows of :attr:`Analysis.figures` or :attr:`Analysis.comparisons`
        (rendered by :func:`figures_html`, keyword arguments passed on), or any
        tidy table (rendered by :func:`table_html`).
    caption : str

    Examples
    --------
    >>> print(repr(show(pd.DataFrame({"id": ["a"], "n": [3.0]}))))
    id n
     a 3
    """
    return Shown(df, caption, **kw)


__all__ += ["show", "Shown", "section"]

#: The one sentence a notebook section shows when the exports lack what it needs.
SKIPPED = "*Skipped: this section needs {needs}, which the exports given do not hold.*"


def section(name: str, ok: Any, needs: str) -> bool:
    """In a notebook: whether the section ``name`` runs; when the data lacks what it ``needs``, say so in one sentence.

    The displayed output carries ``{"csanalysis": {"section": name, "ran": ...}}`` as
    metadata, which the notebook tests compare with their table of the sections that run
    on which exports. Needs IPython (a notebook or the ``notebooks`` extra).

    Examples
    --------
    >>> section("avoidance", False, "purchase activity")  # doctest: +ELLIPSIS
    <IPython.core.display.Markdown object>
    False
    """
    from IPython.display import Markdown, display

    mark = {"csanalysis": {"section": name, "ran": bool(ok)}}
    if ok:
        display({"text/plain": ""}, raw=True, metadata=mark)
    else:
        display(Markdown(SKIPPED.format(needs=needs)), metadata=mark)
    return bool(ok)
