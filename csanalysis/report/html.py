"""Rendering the report page: one self-contained HTML file, figures embedded, readable offline."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd

from ..display import table_html

__all__ = ["Section", "render_page", "img_tag"]

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
h3{margin-top:1.4em} .muted{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.8em 0;font-size:.85em;max-width:100%}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f6f9} td.text,th.text{text-align:left} td:not(.text){white-space:nowrap}
caption{text-align:left;font-weight:600;padding:.2em 0}
td.caveat{min-width:12em;max-width:24em;font-size:.9em} ul.flags{margin:0;padding-left:1.1em}
ul.flags li.dq{color:#8a4b00}
details>summary{cursor:pointer} td details p{margin:.3em 0;font-size:.9em;color:#444;max-width:40em}
details.long>summary,details.more>summary{color:#0072B2;margin:.5em 0}
.badge{display:inline-block;white-space:nowrap;padding:1px 7px;border-radius:9px;font-size:.8em;font-weight:600;
color:#fff}
.v-worse{background:#D55E00} .v-better{background:#0072B2} .v-consistent{background:#009E73}
.v-higher,.v-lower{background:#555}
.v-not-comparable{background:#999} .v-not-supported{background:#bbb} .v-too-few{background:#bbb}
.v-too-uncertain{background:#bbb} .v-none{background:#bbb}
.p-P1{background:#0072B2} .p-P2{background:#56B4E9} .p-S{background:#E69F00} .p-U{background:#999}
figure{margin:1em 0} figure img{max-width:100%;height:auto;border:1px solid #eee} figcaption{font-size:.85em;color:#555}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:.5em .8em;margin:.8em 0}
.dq-warning{background:#fdecea;border-left:4px solid #D55E00;padding:.5em .8em;margin:.8em 0}
nav{margin:1em 0} nav a{margin-right:1em}
#summary{background:#f6f9fc;border:1px solid #d5e3f0;border-radius:6px;padding:.2em 1.2em 1em}
#summary h2{margin-top:.6em}
table.says,table.says tbody{display:block;border:0;margin:.4em 0;font-size:1.05em;max-width:none}
table.says tr{display:list-item;list-style:disc;margin:.45em 0 .45em 1.2em}
table.says td{display:inline;border:0;padding:0;text-align:left;white-space:normal}
table.says td[data-field]{font-weight:600;white-space:nowrap}
table.says tr.caveat{list-style:none;margin-left:0;margin-top:.8em;background:#fff8e5;border-left:4px solid #E69F00;
padding:.4em .8em}
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

    def list(self, title: str, items: list[str], *, fold: bool = False) -> "Section":
        """A titled list; title and items are escaped. ``fold`` puts it in a ``<details>`` element."""
        if items:
            ul = "<ul>" + "".join(f"<li>{html.escape(str(i))}</li>" for i in items) + "</ul>"
            if fold:
                self.details(f"{title} ({len(items)} notes)", ul)
            else:
                self.parts.append(f"<h4>{html.escape(str(title))}</h4>{ul}")
        return self

    def figure(self, image: bytes, caption: str) -> "Section":
        """An embedded image (PNG or SVG bytes) with its caption."""
        self.parts.append(f"<figure>{img_tag(image, caption)}<figcaption>{html.escape(caption)}</figcaption>"
                          "</figure>")
        return self

    def details(self, summary: str, markup: str, cls: str = "more") -> "Section":
        """Trusted markup folded under a one-line summary (a ``<details>`` element); the summary is escaped."""
        if markup:
            self.parts.append(f"<details class='{html.escape(cls, quote=True)}'><summary>{html.escape(summary)}"
                              f"</summary>{markup}</details>")
        return self


def img_tag(image: bytes, alt: str) -> str:
    """An <img> with the image (PNG, or SVG when the bytes are SVG) embedded as a data URI."""
    head = image[:200].lstrip()
    mime = "image/svg+xml" if head.startswith((b"<?xml", b"<svg")) else "image/png"
    b64 = base64.b64encode(image).decode("ascii")
    return f"<img alt='{html.escape(alt, quote=True)}' src='data:{mime};base64,{b64}'/>"


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    """The whole page: title, the first section (the summary), the table of contents, the other sections."""
    nav = "<nav>" + " ".join(f"<a href='#{html.escape(s.id, quote=True)}'>{html.escape(s.title)}</a>"
                             for s in sections[1:]) + "</nav>"
    secs = [f"<section id='{html.escape(s.id, quote=True)}'><h2>{html.escape(s.title)}</h2>{''.join(s.parts)}"
            "</section>" for s in sections]
    body = "".join(secs[:1]) + nav + "".join(secs[1:])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p class='muted'>{html.escape(subtitle)}</p>"
            f"{body}</body></html>")
