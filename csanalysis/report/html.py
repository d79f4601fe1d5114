"""Rendering the report page: one self-contained HTML file, figures embedded, readable offline."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Section", "render_page", "df_to_html", "img_tag"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
h3{margin-top:1.4em} .muted{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.8em 0;font-size:.85em} th,td{border:1px solid #ddd;padding:4px 8px;
text-align:right;vertical-align:top} th{background:#f3f6f9} td.text,th.text{text-align:left}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:.8em;font-weight:600;color:#fff}
.v-below{background:#0072B2} .v-above{background:#D55E00} .v-consistent{background:#009E73}
.v-not-comparable{background:#999} .v-not-supported{background:#bbb}
.p-P1{background:#0072B2} .p-P2{background:#56B4E9} .p-S{background:#E69F00} .p-U{background:#999}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee} figcaption{font-size:.85em;color:#555}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:.5em .8em;margin:.8em 0}
nav a{margin-right:1em}
"""


@dataclass
class Section:
    """A titled block of the page: paragraphs (trusted HTML built by the report), tables and figures."""

    id: str
    title: str
    parts: list[str] = field(default_factory=list)

    def p(self, text: str, cls: str = "") -> "Section":
        self.parts.append(f"<p class='{cls}'>{html.escape(text)}</p>" if cls else f"<p>{html.escape(text)}</p>")
        return self

    def raw(self, markup: str) -> "Section":
        self.parts.append(markup)
        return self

    def table(self, df: pd.DataFrame, caption: str = "", **kw) -> "Section":
        self.parts.append(df_to_html(df, caption, **kw))
        return self

    def figure(self, png: bytes, caption: str) -> "Section":
        self.parts.append(f"<figure>{img_tag(png, caption)}<figcaption>{html.escape(caption)}</figcaption></figure>")
        return self


def img_tag(png: bytes, alt: str) -> str:
    """An <img> with the PNG embedded as a data URI."""
    b64 = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{b64}'/>"


def _fmt(v, pct: bool, count: bool = False) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA or v is pd.NaT:
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if count and float(v).is_integer():
            return f"{int(v):,}"
        if pct:
            return f"{100 * v:.1f}%"
        a = abs(v)
        return f"{v:,.0f}" if a >= 1000 else (f"{v:.2f}" if a >= 1 or a == 0 else f"{v:.3g}")
    return html.escape(str(v))


def df_to_html(df: pd.DataFrame, caption: str = "", *, pct_columns=(), badge_columns: dict | None = None,
               max_rows: int = 200) -> str:
    """A small, escaped HTML table. ``pct_columns`` are shown as percentages."""
    badge_columns = badge_columns or {}
    head = "".join(f"<th class='{'text' if df[c].dtype == object or str(df[c].dtype).startswith('str') else ''}'>"
                   f"{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, r in df.head(max_rows).iterrows():  # a report table: at most a few hundred rows
        cells = []
        for c in df.columns:
            v = r[c]
            if c in badge_columns and isinstance(v, str):
                cls = badge_columns[c](v)
                cells.append(f"<td class='text'><span class='badge {cls}'>{html.escape(v)}</span></td>")
            elif isinstance(v, str):
                cells.append(f"<td class='text'>{html.escape(v)}</td>")
            else:
                is_count = str(c) in ("n", "read", "loaded", "rejected", "merged", "excluded", "rows") or str(c).startswith("n_")
                cells.append(f"<td>{_fmt(v, c in pct_columns, is_count)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='muted'>{len(df) - max_rows} more rows in results.json</p>" if len(df) > max_rows else ""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole page."""
    nav = " ".join(f"<a href='#{s.id}'>{html.escape(s.title)}</a>" for s in sections)
    body = "".join(f"<section id='{s.id}'><h2>{html.escape(s.title)}</h2>{''.join(s.parts)}</section>"
                   for s in sections)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p class='muted'>{html.escape(subtitle)}</p><nav>{nav}</nav>"
            f"{body}</body></html>")
