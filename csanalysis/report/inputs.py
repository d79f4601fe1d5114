"""Progress messages of the command line (reading itself is :func:`csanalysis.io.read_exports`)."""

from __future__ import annotations

import sys

__all__ = ["stderr_progress"]


def stderr_progress(quiet: bool = False):
    """A progress printer for the command line."""
    if quiet:
        return lambda msg: None
    return lambda msg: print(f"[csanalysis] {msg}", file=sys.stderr, flush=True)
