"""The report page in a real headless browser (Debian's ``chromium``, driven directly).

The page is opened at a 1,280 px wide window, once as it loads and once with every
``<details>`` element opened, and a small script measures it: no element's right edge
passes 1,280 px, no element inside a scrolling container is wider than its box, every
image has a natural width above 0, and the summary is the first section both in the
document and on screen. The script writes its result into the DOM, which
``chromium --dump-dom`` prints.

Without Chromium the tests skip, saying how to install it; under ``CI=true`` (``.ci/run``
installs it) a missing Chromium fails them. Set ``CSANALYSIS_SCREENSHOT=path.png`` to
also write a screenshot of the page (how ``docs/report-screenshot.png`` is made).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import csanalysis as cs
from csanalysis.report.page import make_figures, render_html

WIDTH = 1280
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

MEASURE = r"""
(function(){
  function run(){
    if (%(open)s) { var ds = document.querySelectorAll('details'); for (var d = 0; d < ds.length; d++) ds[d].open = true; }
    var W = %(width)d, out = {overflow: [], inner: [], images: [], sections: [],
                              scrollWidth: document.documentElement.scrollWidth};
    var all = document.body.getElementsByTagName('*');
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.id === '__measure__') continue;
      var r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      var what = el.tagName + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || '').trim().slice(0, 50) + '"';
      if (r.right > W + 0.5) out.overflow.push(what + ' right=' + Math.round(r.right));
      for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (/(auto|scroll|hidden)/.test(getComputedStyle(p).overflowX)) {
          var pr = p.getBoundingClientRect();
          if (r.right > pr.right + 0.5 || r.left < pr.left - 0.5)
            out.inner.push(what + ' width=' + Math.round(r.width) + ' in ' + p.tagName + ' width=' + Math.round(pr.width));
          break;
        }
      }
    }
    var imgs = document.images;
    for (var j = 0; j < imgs.length; j++) out.images.push({alt: imgs[j].alt.slice(0, 60), width: imgs[j].naturalWidth});
    var secs = document.querySelectorAll('body section');
    for (var k = 0; k < secs.length; k++)
      out.sections.push({id: secs[k].id, top: secs[k].getBoundingClientRect().top + window.scrollY});
    var pre = document.createElement('pre'); pre.id = '__measure__'; pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  if (document.readyState === 'complete') run(); else window.addEventListener('load', run);
})();
"""


def chromium() -> str:
    """The Chromium executable; skip (or, under ``CI=true``, fail) when there is none."""
    exe = os.environ.get("CHROMIUM") or next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if exe:
        return exe
    msg = ("Chromium is not installed: install Debian's chromium (apt-get install -y chromium, as .ci/run does) "
           "or set CHROMIUM to a Chromium executable")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def _browser(exe: str, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--no-first-run", "--virtual-time-budget=10000"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=180)


def measure(exe: str, page: Path, *, open_details: bool = False) -> dict:
    """Open ``page`` at 1,280 px and return the measuring script's result."""
    script = MEASURE % {"open": "true" if open_details else "false", "width": WIDTH}
    probe = page.with_name(page.stem + ("-open" if open_details else "") + "-probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", f"<script>{script}</script></body>"),
                     encoding="utf-8")
    proc = _browser(exe, f"--window-size={WIDTH},900", "--dump-dom", probe.as_uri())
    m = re.search(r"<pre id=\"__measure__\">(.*?)</pre>", proc.stdout, re.S)
    assert m, f"the measuring script did not run (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="module")
def exe() -> str:
    return chromium()


@pytest.fixture(scope="module")
def page(exe, tmp_path_factory) -> Path:
    a = cs.analyse(cs.datasets.load_sample(), n_resamples=50)
    out = tmp_path_factory.mktemp("page") / "index.html"
    out.write_text(render_html(a, make_figures(a)), encoding="utf-8")
    shot = os.environ.get("CSANALYSIS_SCREENSHOT")
    if shot:
        _browser(exe, f"--window-size={WIDTH},2400", f"--screenshot={Path(shot).resolve()}", out.as_uri())
    return out


@pytest.fixture(scope="module")
def measured(exe, page) -> dict:
    return {False: measure(exe, page), True: measure(exe, page, open_details=True)}


@pytest.mark.parametrize("open_details", [False, True], ids=["as-loaded", "details-open"])
def test_page_fits_1280px(measured, open_details):
    r = measured[open_details]
    assert not r["overflow"], "elements pass the right edge of a 1,280 px window:\n" + "\n".join(r["overflow"][:20])
    assert not r["inner"], "elements wider than their scrolling box:\n" + "\n".join(r["inner"][:20])
    assert r["scrollWidth"] <= WIDTH


def test_every_image_loads(measured):
    r = measured[False]
    assert len(r["images"]) >= 8
    assert all(img["width"] > 0 for img in r["images"]), [i["alt"] for i in r["images"] if i["width"] <= 0]


def test_summary_is_first_in_document_and_on_screen(measured):
    r = measured[False]
    secs = r["sections"]
    assert secs and secs[0]["id"] == "summary"
    top = secs[0]["top"]
    assert all(top < s["top"] for s in secs[1:])
    assert top < 900, "the summary should start in the first screen"


def test_the_measurement_sees_a_page_that_does_not_fit(exe, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><section id='x'><div style='overflow-x:auto;width:300px'>"
                   "<table style='width:600px'><tr><td>wide</td></tr></table></div>"
                   "<p style='width:1400px'>too wide</p><img alt='broken' src='data:image/png;base64,AAAA'/>"
                   "</section></body></html>", encoding="utf-8")
    r = measure(exe, bad)
    assert r["overflow"] and r["inner"] and r["images"][0]["width"] == 0
