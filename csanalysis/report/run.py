"""``csanalysis report``: an :class:`~csanalysis.Analysis` rendered as ``index.html``, ``results.json`` and ``figures/``
(and, on request, ``report.xlsx`` and SVG figures).

This module computes no figure: :func:`csanalysis.analyse` does, and the page
shows rows of :attr:`Analysis.figures` and :attr:`Analysis.comparisons`
through the one formatter (:mod:`csanalysis.display`), each number tagged
with its figure id (``data-figure-id``). :func:`make_figures` draws the PNGs
from the analysis' result objects and :func:`render_html` writes the page (both in :mod:`.page`);
:func:`~csanalysis.report.workbook.write_workbook` writes the workbook;
:func:`write_report` writes the formats asked for (:data:`FORMATS`); :func:`run_report` is the command.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..analysis import DEFAULT_RESAMPLES, Analysis, analyse, parse_as_of
from ..errors import CsanalysisError
from .inputs import stderr_progress
from .page import make_figures, render_html
from .workbook import write_workbook

__all__ = ["run_report", "write_report", "make_figures", "render_html", "results_json", "parse_formats",
           "FORMATS", "DEFAULT_FORMATS"]

#: What :func:`write_report` can write: ``html`` (``index.html``, with the PNGs it embeds in ``figures/``),
#: ``json`` (``results.json``), ``xlsx`` (``report.xlsx``), ``svg`` (``figures/*.svg``), ``png`` (``figures/*.png``).
FORMATS: tuple[str, ...] = ("html", "json", "xlsx", "svg", "png")
#: The formats written when none are asked for.
DEFAULT_FORMATS: tuple[str, ...] = ("html", "json")


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """Output formats from ``"html,json,xlsx"`` (or a list), checked, in :data:`FORMATS` order.

    Examples
    --------
    >>> parse_formats("xlsx, HTML")
    ('html', 'xlsx')
    >>> parse_formats(None)
    ('html', 'json')
    >>> parse_formats("html,pdf")
    Traceback (most recent call last):
    ...
    csanalysis.errors.CsanalysisError: --format 'html,pdf': unknown pdf; choose from html, json, xlsx, svg, png
    """
    if formats is None:
        return DEFAULT_FORMATS
    given = formats if isinstance(formats, str) else ",".join(map(str, formats))
    asked = {x.strip().lower().lstrip(".") for x in given.split(",")} - {""}
    unknown = sorted(asked - set(FORMATS))
    if unknown or not asked:
        raise CsanalysisError(f"--format {given!r}: {'unknown ' + ', '.join(unknown) if unknown else 'no format'}; "
                              f"choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in asked)


def results_json(analysis: Analysis) -> dict[str, Any]:
    """The ``results.json`` contract (see :meth:`csanalysis.Analysis.to_dict`)."""
    return analysis.to_dict()


def _draw(analysis: Analysis, fmt: str, progress) -> dict[str, tuple[bytes, str]]:
    """The figures in one image format (:func:`make_figures`); notes of figures not drawn are kept once."""
    if fmt != "png" and "fmt" not in inspect.signature(make_figures).parameters:
        raise CsanalysisError(f"this version of csanalysis cannot draw {fmt.upper()} figures yet; use --format png")
    progress(f"drawing {fmt.upper()} figures ...")
    figs = make_figures(analysis) if fmt == "png" else make_figures(analysis, fmt=fmt)
    analysis.notes[:] = list(dict.fromkeys(analysis.notes))
    return figs


def write_report(analysis: Analysis, out: str | Path = "report", *, progress=None,
                 formats: str | Iterable[str] | None = None, timings: dict[str, float] | None = None) -> Path:
    """Write an analysis in the formats asked for into the folder ``out``.

    Parameters
    ----------
    analysis : Analysis
    out : str or Path, default "report"
        The folder (made when missing).
    progress : callable, optional
        Called with a short message before each step.
    formats : str or list of str, optional
        Any of :data:`FORMATS` (``"html,json,xlsx,svg"``; default
        :data:`DEFAULT_FORMATS`): ``html`` writes ``index.html`` and the PNGs
        it embeds (``figures/*.png``), ``json`` ``results.json``, ``xlsx``
        ``report.xlsx`` (:func:`~csanalysis.report.workbook.write_workbook`),
        ``svg`` ``figures/*.svg``, ``png`` ``figures/*.png``.
    timings : dict, optional
        Filled with the seconds each step took.

    Returns
    -------
    Path
        ``out/index.html``, or the first file written when the page is not among the formats.

    Examples
    --------
    >>> import tempfile, csanalysis as cs
    >>> a = cs.analyse(cs.datasets.load_sample(), n_resamples=20)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     print(write_report(a, d, formats="json,xlsx").name, sorted(p.name for p in Path(d).iterdir()))
    results.json ['report.xlsx', 'results.json']
    """
    fmts = parse_formats(formats)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CsanalysisError(f"--out {out} is a file; give a folder for the report")
    took = timings if timings is not None else {}
    say = progress or (lambda msg: None)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def step(name: str, fn):
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            took[name] = took.get(name, 0.0) + time.perf_counter() - t0

    pngs: dict[str, tuple[bytes, str]] = {}
    for fmt in ("png", "svg"):  # figures first: a figure not drawn is named in the notes the other files show
        if fmt in fmts or (fmt == "png" and "html" in fmts):
            figs = step(f"drawing {fmt.upper()} figures", lambda fmt=fmt: _draw(analysis, fmt, say))
            (out / "figures").mkdir(exist_ok=True)
            for name, (data, _) in figs.items():
                (out / "figures" / f"{name}.{fmt}").write_bytes(data)
            pngs = figs if fmt == "png" else pngs
    if "html" in fmts:
        say("writing index.html ...")
        page = out / "index.html"
        step("writing index.html", lambda: page.write_text(render_html(analysis, pngs), encoding="utf-8"))
        written.append(page)
    if "json" in fmts:
        say("writing results.json ...")
        step("writing results.json", lambda: analysis.to_json(out / "results.json"))
        written.append(out / "results.json")
    if "xlsx" in fmts:
        say("writing report.xlsx ...")
        written.append(step("writing report.xlsx", lambda: write_workbook(analysis, out / "report.xlsx")))
    return written[0] if written else out / "figures"


def run_report(*, tickets=(), survey=(), activity=(), customers=(), sample: bool = False, questions=None,
               link_on: str = "auto", timezone=None, dayfirst=None, as_of=None, out: Path = Path("report"),
               quiet: bool = False, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
               formats: str | Iterable[str] | None = None, **options: Any) -> Path:
    """Analyse the exports (or the bundled sample) and write the report: what ``csanalysis report`` runs.

    Progress goes to standard error (unless ``quiet``), each line with the
    seconds since the start, and the seconds per stage at the end of a run
    longer than a few seconds (:func:`~csanalysis.report.inputs.stderr_progress`).
    ``formats`` is passed to :func:`write_report`; every other option to
    :func:`csanalysis.analyse`. Returns what :func:`write_report` returns.
    """
    from ..datasets import load_sample

    say = stderr_progress(quiet)
    fmts = parse_formats(formats)  # fail early: before a long analysis
    parse_as_of(as_of)  # fail early on a bad date
    if Path(out).exists() and not Path(out).is_dir():
        raise CsanalysisError(f"--out {out} is a file; give a folder for the report")
    given = {"tickets": list(tickets), "survey": list(survey), "activity": list(activity),
             "customers": list(customers)}
    if sample and any(given.values()):
        raise CsanalysisError("--sample runs on the bundled sample; leave out --tickets/--survey/--activity/"
                              "--customers, or drop --sample")
    if sample:
        say("reading the bundled sample ...")
        t0 = time.perf_counter()
        exports = load_sample()
        read = {"reading the bundled sample": time.perf_counter() - t0}
        analysis = analyse(exports, as_of=as_of, link_on=link_on, n_resamples=n_resamples, seed=seed,
                           timezone=timezone, progress=say, keep_tables=False, keep_rows=False, **options)
    else:
        read = {}
        analysis = analyse(**{k: (v or None) for k, v in given.items()}, questions=questions, timezone=timezone,
                           dayfirst=dayfirst, as_of=as_of, link_on=link_on, n_resamples=n_resamples, seed=seed,
                           progress=say, keep_tables=False, keep_rows=False, **options)
    writing: dict[str, float] = {}
    page = write_report(analysis, out, progress=say, formats=fmts, timings=writing)
    say(f"wrote {', '.join(fmts)} to {Path(out)}")
    say.timings({**read, **analysis.timings, **writing})
    return page
