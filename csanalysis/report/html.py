"""Rendering the report page: one self-contained HTML file, figures embedded, readable offline."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd

from ..display import table_html

__all__ = ["Section", "render_page", "img_tag"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
h3{margin-top:1.4em} .muted{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.8em 0;font-size:.85em} th,td{border:1px solid #ddd;padding:4px 8px;
text-align:right;vertical-align:top} th{background:#f3f6f9} td.text,th.text{text-align:left}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:.8em;font-weight:600;color:#fff}
.v-below{background:#0072B2} .v-above{background:#D55E00} .v-consistent{background:#009E73}
.v-not-comparable{background:#999} .v-not-supported{background:#bbb} .v-too-few{background:#bbb}
.v-too-uncertain{background:#bbb}
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
        """Any tidy table through the one formatter (:func:`csanalysis.display.table_html`)."""
        self.parts.append(table_html(df, caption, **kw))
        return self

    def list(self, title: str, items: list[str]) -> "Section":
        """A titled list; title and items are escaped."""
        if items:
            self.parts.append(f"<h4>{html.escape(str(title))}</h4><ul>"
                              + "".join(f"<li>{html.escape(str(i))}</li>" for i in items) + "</ul>")
        return self

    def figure(self, png: bytes, caption: str) -> "Section":
        self.parts.append(f"<figure>{img_tag(png, caption)}<figcaption>{html.escape(caption)}</figcaption></figure>")
        return self


def img_tag(png: bytes, alt: str) -> str:
    """An <img> with the PNG embedded as a data URI."""
    b64 = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{b64}'/>"


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole page."""
    nav = " ".join(f"<a href='#{s.id}'>{html.escape(s.title)}</a>" for s in sections)
    body = "".join(f"<section id='{s.id}'><h2>{html.escape(s.title)}</h2>{''.join(s.parts)}</section>"
                   for s in sections)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p class='muted'>{html.escape(subtitle)}</p><nav>{nav}</nav>"
            f"{body}</body></html>")
