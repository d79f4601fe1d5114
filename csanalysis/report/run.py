"""``csanalysis report``: an :class:`~csanalysis.Analysis` rendered as ``index.html``, ``results.json`` and ``figures/``.

This module computes no figure: :func:`csanalysis.analyse` does, and the page
shows rows of :attr:`Analysis.figures` and :attr:`Analysis.comparisons`
through the one formatter (:mod:`csanalysis.display`), each number tagged
with its figure id (``data-figure-id``). :func:`make_figures` draws the PNGs
from the analysis' result objects and :func:`render_html` writes the page (both in :mod:`.page`);
:func:`write_report` writes all three; :func:`run_report` is the command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..analysis import DEFAULT_RESAMPLES, Analysis, analyse, parse_as_of
from .inputs import stderr_progress
from .page import make_figures, render_html

__all__ = ["run_report", "write_report", "make_figures", "render_html", "results_json"]


def results_json(analysis: Analysis) -> dict[str, Any]:
    """The ``results.json`` contract (see :meth:`csanalysis.Analysis.to_dict`)."""
    return analysis.to_dict()


def write_report(analysis: Analysis, out: str | Path = "report", *, progress=None) -> Path:
    """Write ``out/index.html``, ``out/results.json`` and ``out/figures/*.png`` for an analysis.

    Returns the path of ``index.html``.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        from ..errors import CsanalysisError

        raise CsanalysisError(f"--out {out} is a file; give a folder for the report")
    figs = make_figures(analysis, progress=progress)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    for name, (png, _) in figs.items():
        (out / "figures" / f"{name}.png").write_bytes(png)
    analysis.to_json(out / "results.json")
    (out / "index.html").write_text(render_html(analysis, figs), encoding="utf-8")
    return out / "index.html"


def run_report(*, tickets=(), survey=(), activity=(), customers=(), sample: bool = False, questions=None,
               link_on: str = "auto", timezone=None, dayfirst=None, as_of=None, out: Path = Path("report"),
               quiet: bool = False, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, **options: Any) -> Path:
    """Analyse the exports (or the bundled sample) and write the report. Returns the path of ``index.html``."""
    from ..datasets import load_sample
    from ..errors import CsanalysisError

    say = stderr_progress(quiet)
    t0 = time.perf_counter()
    parse_as_of(as_of)  # fail early on a bad date
    given = {"tickets": list(tickets), "survey": list(survey), "activity": list(activity),
             "customers": list(customers)}
    if sample and any(given.values()):
        raise CsanalysisError("--sample runs on the bundled sample; leave out --tickets/--survey/--activity/"
                              "--customers, or drop --sample")
    if sample:
        say("reading the bundled sample")
        analysis = analyse(load_sample(), as_of=as_of, link_on=link_on, n_resamples=n_resamples, seed=seed,
                           progress=say, **options)
    else:
        analysis = analyse(**{k: (v or None) for k, v in given.items()}, questions=questions, timezone=timezone,
                           dayfirst=dayfirst, as_of=as_of, link_on=link_on, n_resamples=n_resamples, seed=seed,
                           progress=say, **options)
    page = write_report(analysis, out, progress=say)
    say(f"wrote {page}, {Path(out) / 'results.json'} and the figures in {time.perf_counter() - t0:.1f} s")
    return page
